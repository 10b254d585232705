"""`tkeras.utils` (Keras 2's `keras.utils`)."""
from tkeras.utils import generic_utils, np_utils  # noqa: F401
from tkeras.utils.generic_utils import (  # noqa: F401
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    serialize_keras_object,
)
from tkeras.utils.layer_utils import print_summary  # noqa: F401
from tkeras.utils.np_utils import normalize, to_categorical  # noqa: F401
from tkeras.utils.progbar import Progbar  # noqa: F401
from tkeras.utils import data_utils  # noqa: F401,E402
from tkeras.utils.data_utils import (  # noqa: F401,E402
    GeneratorEnqueuer,
    OrderedEnqueuer,
    Sequence,
    SequenceEnqueuer,
    get_file,
)
from tkeras.utils import vis_utils  # noqa: F401,E402
from tkeras.utils.vis_utils import model_to_dot, plot_model  # noqa: F401,E402
