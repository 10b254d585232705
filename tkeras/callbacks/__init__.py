"""`tkeras.callbacks` (Keras 2's `keras.callbacks`)."""
from tkeras.callbacks.callbacks import (  # noqa: F401
    BackupAndRestore,
    BaseLogger,
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    RemoteMonitor,
    TensorBoard,
    TerminateOnNaN,
    logs_to_floats,
)
