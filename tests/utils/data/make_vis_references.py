"""What Keras 2.3.1's own `keras/utils/vis_utils.py` draws for three models, for
`tests/utils/test_vis_utils.py`.

Keras 2.3.1 needs TensorFlow 1, so its `vis_utils.py` (read unchanged from the
keras==2.3.1 wheel) runs on tf-keras 2.21 models through a small `keras` package: `Model`
and `Wrapper` are tf-keras's, `Model._layers` lists the tracked layers (input layers
included, as Keras 2.3.1's `_layers` does) and a node's `inbound_layers` is always a list
(tf-keras unwraps a single one). tf-keras's `InputLayer.input_shape` is a list
(`[(None, 3)]`); Keras 2.3.1's is the tuple: the test accounts for that.

    pip install tensorflow-cpu tf-keras pydot
    pip download keras==2.3.1 --no-deps -d /tmp/keras231
    python tests/utils/data/make_vis_references.py /tmp/keras231/Keras-2.3.1-py2.py3-none-any.whl

Writes `vis_references.json` beside this script.
"""
import json
import os
import sys
import tempfile
import zipfile

SHIM = {
    "keras/__init__.py": "",
    "keras/layers/__init__.py": "",
    "keras/layers/wrappers.py": "from tf_keras.layers import Wrapper\n",
    "keras/utils/__init__.py": "",
    "keras/models.py": '''
from tf_keras.models import Model, Sequential
from tf_keras.src.engine.node import Node

Model._layers = property(lambda self: list(self._self_tracked_trackables))
_inbound = Node.inbound_layers
Node.inbound_layers = property(
    lambda self: (lambda r: r if isinstance(r, list) else [r])(_inbound.fget(self)))
''',
}


def describe(dot):
    names = {}
    for graph in [dot] + dot.get_subgraphs():
        for node in graph.get_nodes():
            if node.get("label"):
                names[node.get_name()] = node.get("label").strip('"')
    return {
        "nodes": [names[n.get_name()] for n in dot.get_nodes() if n.get("label")],
        "clusters": {c.get_name(): [names[n.get_name()] for n in c.get_nodes()
                                    if n.get("label")] for c in dot.get_subgraphs()},
        "edges": [[names[e.get_source()].split("\n")[0],
                   names[e.get_destination()].split("\n")[0]] for e in dot.get_edges()],
    }


def models():
    import tf_keras as keras
    from tf_keras.layers import Concatenate, Dense, Flatten, TimeDistributed

    seq = keras.Sequential([Dense(4, input_shape=(3,), name="dense_1"),
                            Dense(2, name="dense_2")])
    a, b = keras.Input((3,), name="a"), keras.Input((4, 2), name="b")
    inner = keras.Sequential([Dense(3, input_shape=(3,), name="dense_1")], name="inner")
    x = Concatenate(name="concatenate_1")([
        inner(a), Flatten(name="flatten_1")(
            TimeDistributed(Dense(2, name="dense_2"), name="time_distributed_1")(b))])
    return seq, keras.Model([a, b], Dense(1, name="out")(x))


def main(wheel):
    with tempfile.TemporaryDirectory() as root:
        for name, text in SHIM.items():
            path = os.path.join(root, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        with zipfile.ZipFile(wheel) as z:
            source = z.read("keras/utils/vis_utils.py").decode()
        with open(os.path.join(root, "keras/utils/vis_utils.py"), "w") as f:
            f.write(source)
        sys.path.insert(0, root)
        from keras.utils.vis_utils import model_to_dot

        seq, functional = models()
        out = {"sequential_shapes": describe(model_to_dot(seq, show_shapes=True)),
               "functional": describe(model_to_dot(functional)),
               "functional_nested": describe(model_to_dot(functional, expand_nested=True)),
               "no_names": describe(model_to_dot(seq, show_layer_names=False))}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vis_references.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
