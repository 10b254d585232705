"""`print_summary` (model.summary()) and `count_params`, in Keras 2's format."""
import numpy as np


def count_params(weights):
    seen, total = set(), 0
    for w in weights:
        key = (w.data_ptr(), tuple(w.shape)) if hasattr(w, "data_ptr") else id(w)
        if key in seen:
            continue
        seen.add(key)
        total += int(np.prod(w.shape))
    return total


def _shape_text(layer):
    try:
        shape = layer.output_shape
    except AttributeError:
        return "multiple"
    if isinstance(shape, list):
        return str([tuple(s) for s in shape]) if len(shape) > 1 else str(tuple(shape[0]))
    return str(tuple(shape))


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the Keras 2 summary table of `model`."""
    if print_fn is None:
        print_fn = print
    from tkeras.engine.sequential import Sequential

    # Keras 2: Sequential and subclassed models print the 3-column table.
    sequential_like = isinstance(model, Sequential) or not getattr(model, "_is_graph_network", False)
    relevant_nodes = []
    if not sequential_like and hasattr(model, "_nodes_by_depth"):
        sequential_like = True
        for nodes in model._nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].inbound_layers) > 1):
                sequential_like = False
                break
        for nodes in model._nodes_by_depth.values():
            relevant_nodes += nodes
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        to_display = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_row(to_display)
    print_fn("=" * line_length)
    layers = model.layers
    relevant = {id(n) for n in relevant_nodes}
    for i, layer in enumerate(layers):
        name = f"{layer.name} ({type(layer).__name__})"
        params = layer.count_params() if layer.built else 0
        if sequential_like:
            print_row([name, _shape_text(layer), params])
        else:
            connections = []
            for node in layer._inbound_nodes:
                if relevant and id(node) not in relevant:
                    continue
                for t in node.input_tensors:
                    inbound, node_index, tensor_index = t._keras_history
                    connections.append(f"{inbound.name}[{node_index}][{tensor_index}]")
            print_row([name, _shape_text(layer), params, connections[0] if connections else ""])
            for extra in connections[1:]:
                print_row(["", "", "", extra])
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    # As tf.keras 2.x: the current `trainable` flags (a layer frozen after compile is
    # counted as non-trainable at once; the total is always the model's parameter count).
    trainable = count_params(model.trainable_weights)
    non_trainable = count_params(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
