"""`plot_model` / `model_to_dot` draw what Keras 2.3.1's `vis_utils` draws: the same node
labels (`name: Class`, wrappers as `name(inner): Wrapper(Inner)`, shape records), the
same edges, nested models as dashed clusters; files written atomically in the format of
their extension; clear errors naming what to install."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

pydot = pytest.importorskip("pydot", reason="needs the `plot` extra (pydot)")

import tkeras as keras  # noqa: E402
from tkeras.layers import Concatenate, Dense, TimeDistributed  # noqa: E402
from tkeras.utils import model_to_dot, plot_model  # noqa: E402


with open(os.path.join(os.path.dirname(__file__), "data", "vis_references.json")) as _f:
    KERAS = json.load(_f)  # what Keras 2.3.1's vis_utils drew (data/make_vis_references.py)


def _data_script(name):
    """A reference script of data/ as a module (its helpers describe files the same way
    for Keras's output and ours)."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(__file__), "data", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_describe = _data_script("make_vis_references").describe


def _keras_reference(case):
    # tf-keras (which ran Keras 2.3.1's drawing code) lists an InputLayer's shape as
    # [(None, 3)]; Keras 2.3.1's own InputLayer gives the tuple.
    text = json.dumps(KERAS[case]).replace("[(None, 3)]", "(None, 3)")
    return json.loads(text)


@pytest.mark.parametrize("case, kwargs", [
    ("sequential_shapes", {"show_shapes": True}), ("no_names", {"show_layer_names": False}),
    ("functional", {}), ("functional_nested", {"expand_nested": True})])
def test_drawing_matches_keras2_3_1s_vis_utils(case, kwargs):
    model = _sequential() if case in ("sequential_shapes", "no_names") else _functional()
    assert _describe(model_to_dot(model, **kwargs)) == _keras_reference(case)


def _nodes(dot):
    """{label} of the graph's own nodes (clusters excluded)."""
    return [n.get("label").strip('"') for n in dot.get_nodes() if n.get("label")]


def _edges(dot, graph=None):
    names = {}
    for g in [dot] + dot.get_subgraphs():
        for n in g.get_nodes():
            if n.get("label"):
                names[n.get_name()] = n.get("label").strip('"').split("\n")[0]
    return [(names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges()]


def _sequential():
    return keras.Sequential([Dense(4, input_shape=(3,)), Dense(2)])


def test_sequential_nodes_and_shapes_are_keras2s():
    dot = model_to_dot(_sequential(), show_shapes=True)
    assert _nodes(dot) == [
        "dense_1_input: InputLayer\n|{input:|output:}|{{(None, 3)}|{(None, 3)}}",
        "dense_1: Dense\n|{input:|output:}|{{(None, 3)}|{(None, 4)}}",
        "dense_2: Dense\n|{input:|output:}|{{(None, 4)}|{(None, 2)}}",
    ]
    assert _edges(dot) == [("dense_1_input: InputLayer", "dense_1: Dense"),
                           ("dense_1: Dense", "dense_2: Dense")]
    assert dot.get("rankdir") == "TB" and dot.get("dpi") == 96


def _functional():
    a, b = keras.Input((3,), name="a"), keras.Input((4, 2), name="b")
    inner = keras.Sequential([Dense(3, input_shape=(3,))], name="inner")
    x = Concatenate()([inner(a), keras.layers.Flatten()(TimeDistributed(Dense(2))(b))])
    return keras.Model([a, b], Dense(1, name="out")(x))


def test_functional_graph_with_a_nested_model_and_a_wrapper():
    dot = model_to_dot(_functional(), show_layer_names=True)
    labels = _nodes(dot)
    assert "inner: Sequential" in labels
    assert "time_distributed_1(dense_2): TimeDistributed(Dense)" in labels
    edges = _edges(dot)
    assert ("a: InputLayer", "inner: Sequential") in edges
    assert ("inner: Sequential", "concatenate_1: Concatenate") in edges
    assert ("flatten_1: Flatten", "concatenate_1: Concatenate") in edges
    assert ("concatenate_1: Concatenate", "out: Dense") in edges
    assert len(edges) == 6


def test_expand_nested_draws_the_inner_model_as_a_dashed_cluster():
    dot = model_to_dot(_functional(), expand_nested=True)
    clusters = dot.get_subgraphs()
    assert [c.get_name() for c in clusters] == ["cluster_inner"]
    assert clusters[0].get("style") == "dashed"
    assert _nodes(clusters[0]) == ["dense_1_input: InputLayer", "dense_1: Dense"]
    edges = _edges(dot)
    assert ("a: InputLayer", "dense_1_input: InputLayer") in edges  # into the cluster
    assert ("dense_1: Dense", "concatenate_1: Concatenate") in edges  # out of it
    assert "inner: Sequential" not in _nodes(dot)


def test_without_layer_names_the_labels_are_class_names():
    assert _nodes(model_to_dot(_sequential(), show_layer_names=False)) == [
        "InputLayer", "Dense", "Dense"]


needs_graphviz = pytest.mark.skipif(
    __import__("shutil").which("dot") is None,
    reason="Graphviz's `dot` is not installed (.ci/run installs it)")


@needs_graphviz
@pytest.mark.parametrize("name, magic", [("m.png", b"\x89PNG"), ("m.svg", b"<?xml"),
                                         ("m.dot", b"digraph"), ("m", b"\x89PNG")])
def test_plot_model_writes_the_format_of_the_extension(tmp_path, name, magic):
    target = tmp_path / name
    plot_model(_sequential(), to_file=str(target), show_shapes=True, rankdir="LR")
    assert target.read_bytes().startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_an_unbuilt_sequential_model_cannot_be_drawn():
    with pytest.raises(ValueError, match="is not built yet.*input_shape"):
        model_to_dot(keras.Sequential([Dense(2)]))


def test_a_bad_rankdir_is_refused():
    with pytest.raises(ValueError, match="Received: rankdir='UP'"):
        model_to_dot(_sequential(), rankdir="UP")


def _run(code, env=None):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)


def test_missing_pydot_names_the_plot_extra():
    proc = _run("import sys; sys.modules['pydot'] = None\n"
                "import tkeras as keras\n"
                "m = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])\n"
                "keras.utils.plot_model(m)")
    assert "ImportError: Failed to import `pydot`" in proc.stderr
    assert "pip install tkeras[plot]" in proc.stderr


def test_missing_graphviz_is_an_os_error_naming_it(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path))  # no `dot` on this PATH
    proc = _run("import tkeras as keras\n"
                "m = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])\n"
                f"keras.utils.plot_model(m, to_file={str(tmp_path / 'm.png')!r})", env=env)
    assert "OSError: `pydot` failed to call GraphViz" in proc.stderr
    assert not (tmp_path / "m.png").exists()
