"""Model diagrams (Keras 2's `keras.utils.vis_utils`): `model_to_dot` and `plot_model`.

A node per layer, labelled as Keras 2 labels it (`dense_1: Dense`, with
`show_shapes` a record `label|{input:|output:}|{{(None, 784)}|{(None, 10)}}`), an edge
per connection of the model's graph; `expand_nested` draws nested models as dashed
clusters. Needs the `plot` extra: pydot (`pip install tkeras[plot]`), and Graphviz's
`dot` program for image files (`apt-get install graphviz`, `brew install graphviz`).
"""
import os

__all__ = ["model_to_dot", "plot_model", "is_model", "is_wrapped_model", "add_edge"]


def _pydot():
    try:
        import pydot
    except ImportError:
        raise ImportError(
            "Failed to import `pydot`. Please install `pydot`, the `plot` extra of tkeras: "
            "`pip install tkeras[plot]` (or `pip install pydot`), and Graphviz for image "
            "files.") from None
    return pydot


def _check_graphviz(pydot):
    try:
        pydot.Dot.create(pydot.Dot())
    except (OSError, FileNotFoundError, AssertionError):
        raise OSError(
            "`pydot` failed to call GraphViz. Please install GraphViz "
            "(https://www.graphviz.org/, e.g. `apt-get install graphviz`) and ensure that "
            "its executables (`dot`) are in the $PATH.") from None


def is_model(layer):
    """Whether `layer` is a model (drawn as a cluster with `expand_nested`)."""
    from tkeras.engine.training import Model

    return isinstance(layer, Model)


def is_wrapped_model(layer):
    """Whether `layer` is a wrapper (`TimeDistributed`, ...) around a model."""
    return _wrapped_model(layer) is not None


def _wrapped_model(layer):
    inner = getattr(layer, "layer", None)
    return inner if inner is not None and is_model(inner) else None


def _graph_layers(model):
    """The model's layers in Keras 2's drawing order (input layers included)."""
    from tkeras.engine.sequential import Sequential

    if isinstance(model, Sequential) and not model.built:
        raise ValueError(
            f"Model {model.name!r} is not built yet, so it has no graph to draw. Give its "
            "first layer an `input_shape`, or call `model.build(input_shape)` first.")
    ordered = getattr(model, "_layers_ordered", None)
    return list(ordered) if ordered else list(model.layers)


def _shape_text(layer, attr):
    try:
        return str(getattr(layer, attr))
    except (AttributeError, RuntimeError, ValueError):
        return "multiple"


def _label(layer, show_shapes, show_layer_names, expanded):
    name, class_name = layer.name, type(layer).__name__
    inner = getattr(layer, "layer", None)
    if inner is not None and not is_model(layer) and not expanded:  # wrapper: name(inner)
        name = f"{name}({inner.name})"
        class_name = f"{class_name}({type(inner).__name__})"
    label = f"{name}: {class_name}" if show_layer_names else class_name
    if show_shapes:
        label = "%s\n|{input:|output:}|{{%s}|{%s}}" % (
            label, _shape_text(layer, "input_shape"), _shape_text(layer, "output_shape"))
    return label


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False):
    """The model's graph as a `pydot.Dot` (or, with `subgraph`, a `pydot.Cluster`).

    Args:
        model: A built tkeras model.
        show_shapes: Show each layer's input and output shapes. Defaults to `False`.
        show_layer_names: Show layer names. Defaults to `True`.
        rankdir: `'TB'` (vertical) or `'LR'` (horizontal). Defaults to `'TB'`.
        expand_nested: Draw nested models as clusters of their layers.
            Defaults to `False`.
        dpi: Dots per inch of the image. Defaults to `96`.
        subgraph: Return a dashed `pydot.Cluster` named after the model (used for
            nested models). Defaults to `False`.

    Returns:
        A `pydot.Dot` (or `pydot.Cluster`).
    """
    pydot = _pydot()
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        if rankdir not in ("TB", "LR", "BT", "RL"):
            raise ValueError(f"`rankdir` must be one of 'TB', 'LR', 'BT', 'RL'. Received: "
                             f"rankdir={rankdir!r}")
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")
    layers = _graph_layers(model)
    first, last = {}, {}  # nested model name -> its first / last node name
    for layer in layers:
        nested = layer if is_model(layer) else _wrapped_model(layer)
        if expand_nested and nested is not None:
            cluster = model_to_dot(nested, show_shapes, show_layer_names, rankdir,
                                   expand_nested, subgraph=True)
            nodes = cluster.get_nodes()
            first[nested.name], last[nested.name] = nodes[0].get_name(), nodes[-1].get_name()
            dot.add_subgraph(cluster)
            if nested is layer:
                continue  # the cluster stands for the model
        label = _label(layer, show_shapes, show_layer_names,
                       expanded=expand_nested and nested is not None)
        dot.add_node(pydot.Node(str(id(layer)), label=label))
    network_nodes = getattr(model, "_network_nodes", None)
    for layer in layers:
        for node in layer._inbound_nodes:
            if network_nodes is None or id(node) not in network_nodes:
                continue
            for inbound in node.inbound_layers:
                _connect(dot, inbound, layer, expand_nested, first, last)
    return dot


def _connect(dot, src_layer, dst_layer, expand_nested, first, last):
    """An edge from `src_layer` to `dst_layer`, through the clusters of nested models."""
    src, dst = str(id(src_layer)), str(id(dst_layer))
    if expand_nested:
        if is_model(src_layer):
            src = last[src_layer.name]
        elif _wrapped_model(src_layer) is not None:
            src = last[src_layer.layer.name]
        if is_model(dst_layer):
            dst = first[dst_layer.name]
        elif _wrapped_model(dst_layer) is not None:  # into the wrapper, then its cluster
            add_edge(dot, dst, first[dst_layer.layer.name])
    add_edge(dot, src, dst)


def add_edge(dot, src, dst):
    """Adds the edge `src -> dst` (node names) to `dot` unless it is there already."""
    if not dot.get_edge(src, dst):
        dot.add_edge(_pydot().Edge(src, dst))


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draws the model (see `model_to_dot`) into `to_file`; the extension picks the
    format (`.png` when there is none; `.svg`, `.pdf`, `.dot`, ...). Returns an
    `IPython.display.Image` in a notebook (except for PDF), else `None`."""
    pydot = _pydot()
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir, expand_nested, dpi)
    extension = os.path.splitext(os.fspath(to_file))[1][1:] or "png"
    if extension not in ("dot", "raw"):
        _check_graphviz(pydot)
    from tkeras.utils.io_utils import atomic_path

    with atomic_path(to_file) as tmp:
        dot.write(tmp, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
