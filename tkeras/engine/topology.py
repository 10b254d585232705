"""Keras 2.0-2.2 import path `keras.engine.topology`."""
from tkeras.engine.base_layer import Layer  # noqa: F401
from tkeras.engine.functional import Functional  # noqa: F401
from tkeras.engine.input_layer import Input, InputLayer  # noqa: F401
from tkeras.engine.input_spec import InputSpec  # noqa: F401
from tkeras.engine.keras_tensor import Node  # noqa: F401
from tkeras.engine.training import Model  # noqa: F401

Network = Container = Functional


def get_source_inputs(tensor, layer=None, node_index=None):
    """The Input tensors a symbolic tensor was computed from."""
    layer, node_index, _ = tensor._keras_history
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:
        return [tensor]
    out = []
    for t in node.input_tensors:
        for s in get_source_inputs(t):
            if all(s is not o for o in out):
                out.append(s)
    return out
