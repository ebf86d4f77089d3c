"""The toolkit held to TensorFlow 2.21 itself.

``prune``'s graph cut is differential-tested against
``tf.compat.v1.graph_util.extract_sub_graph`` on generated graphs: the same
nodes in the same order, the same library and versions, byte for byte, and a
failure exactly where TensorFlow fails.

    TF_CPP_MIN_LOG_LEVEL=3 .tf-env/bin/python -m pytest tests/test_toolkit_tensorflow.py
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from metagraph_export import InvalidArgumentError  # noqa: E402
from metagraph_export._toolkit import extract_sub_graph  # noqa: E402
from metagraph_export._toolkit.saved_model import read_saved_model  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot  # noqa: E402
from metagraph_export.testing import strategies  # noqa: E402
from metagraph_export.testing.profiles import settings_for  # noqa: E402
from metagraph_export.tf.graph_pb2 import GraphDef  # noqa: E402
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef  # noqa: E402

pytestmark = pytest.mark.tensorflow

# Names that provoke TensorFlow's name handling: ports, a control marker in a
# node's own name, duplicates, and names no node has.
_NAMES = ("a", "b", "c", "s/d", "e:1", "^f", "g")
_INPUTS = ("a", "a:1", "^b", "c:0", "s/d", "e", "e:1", "^e:1", "g", "missing", "^missing")


@st.composite
def _odd_graphs(draw: st.DrawFn) -> GraphDef:
    graph = GraphDef()
    for _ in range(draw(st.integers(0, 8))):
        node = graph.node.add(name=draw(st.sampled_from(_NAMES)), op="Identity")
        node.input.extend(draw(st.lists(st.sampled_from(_INPUTS), max_size=3)))
        if draw(st.integers(0, 3)) == 0:
            targets = draw(st.lists(st.sampled_from(("a", "b", "g", "missing")), max_size=2))
            node.attr["_class"].list.s.extend(
                f"loc:@{name}".encode() if draw(st.booleans()) else name.encode()
                for name in targets
            )
    if draw(st.booleans()):
        graph.library.function.add().signature.name = "f"
    if draw(st.booleans()):
        graph.versions.producer = 2474
    return graph


def _snapshot_graph(snapshot: GraphSnapshot) -> GraphDef:
    return snapshot.graph_def


GRAPHS = st.one_of(_odd_graphs(), strategies.graph_snapshots().map(_snapshot_graph))


@st.composite
def _graphs_and_outputs(draw: st.DrawFn) -> tuple[GraphDef, list[str]]:
    graph = draw(GRAPHS)
    names = [node.name.lstrip("^").split(":")[0] for node in graph.node]
    choices = [*names, "missing"] if names else ["missing"]
    return graph, draw(st.lists(st.sampled_from(choices), min_size=1, max_size=3))


def _tensorflow(graph: GraphDef, outputs: list[str]) -> tuple[str, Any]:
    tf_graph = tf.compat.v1.GraphDef()
    tf_graph.ParseFromString(graph.SerializeToString())
    logging.getLogger("tensorflow").disabled = True  # the deprecation warning
    try:
        result = tf.compat.v1.graph_util.extract_sub_graph(tf_graph, outputs)
    except AssertionError as error:
        return "not in graph", str(error)
    except KeyError as error:
        return "missing input", str(error)
    return "ok", result.SerializeToString(deterministic=True)


def _ours(graph: GraphDef, outputs: list[str]) -> tuple[str, Any]:
    try:
        result = extract_sub_graph(graph, outputs)
    except InvalidArgumentError as error:
        kind = "not in graph" if "is not in graph" in str(error) else "missing input"
        return kind, str(error)
    return "ok", result.SerializeToString(deterministic=True)


@settings_for("tensorflow")
@given(_graphs_and_outputs())
def test_prune_cuts_as_extract_sub_graph(case: tuple[GraphDef, list[str]]) -> None:
    graph, outputs = case
    before = graph.SerializeToString()
    expected, ours = _tensorflow(graph, outputs), _ours(graph, outputs)
    event(expected[0])
    assert ours[0] == expected[0], (ours, expected)
    if expected[0] == "ok":
        assert ours[1] == expected[1]
    elif expected[0] == "not in graph":
        # TensorFlow's message names the node the same way.
        assert expected[1] in ours[1]
    assert graph.SerializeToString() == before


# SavedModels written by TensorFlow.


def _run_cli(*arguments: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", *map(str, arguments)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def v1_saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SavedModel of two meta graphs, {serve} and {train, gpu}, with a signature."""
    directory = tmp_path_factory.mktemp("v1") / "model"
    graph = tf.Graph()
    with graph.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 3], name="x")
        w = tf.compat.v1.get_variable("w", [3, 2], initializer=tf.compat.v1.ones_initializer())
        y = tf.identity(tf.matmul(x, w), name="y")
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            builder = tf.compat.v1.saved_model.Builder(str(directory))
            signature = tf.compat.v1.saved_model.predict_signature_def({"x": x}, {"y": y})
            builder.add_meta_graph_and_variables(
                session, ["serve"], signature_def_map={"serving_default": signature}
            )
            builder.add_meta_graph(["train", "gpu"])
            builder.save()
    return directory


@pytest.fixture(scope="module")
def v2_saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("v2") / "model"

    class Scale(tf.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.factor = tf.Variable(2.0)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])  # type: ignore[untyped-decorator]
        def __call__(self, x: Any) -> Any:
            return x * self.factor

    module = Scale()
    tf.saved_model.save(module, str(directory), signatures=module.__call__)
    return directory


def _tensorflow_meta_graphs(directory: Path) -> list[Any]:
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((directory / "saved_model.pb").read_bytes())
    return list(saved_model.meta_graphs)


def test_saved_model_tags_and_signatures(v1_saved_model: Path) -> None:
    info = read_saved_model(v1_saved_model)
    theirs = _tensorflow_meta_graphs(v1_saved_model)
    assert [graph.tags for graph in info.meta_graphs] == [
        list(graph.meta_info_def.tags) for graph in theirs
    ]
    assert [graph.tags for graph in info.meta_graphs] == [["serve"], ["train", "gpu"]]
    serve = info.meta_graphs[0].signatures
    assert [signature.key for signature in serve] == ["serving_default"]
    loaded = tf.compat.v1.saved_model.loader  # the loader picks by tag set, as ours does
    with tf.compat.v1.Session(graph=tf.Graph()) as session:
        meta_graph = loaded.load(session, ["gpu", "train"], str(v1_saved_model))
    ours = info.meta_graph(["gpu", "train"])
    assert ours.SerializeToString(deterministic=True) == meta_graph.SerializeToString(
        deterministic=True
    )
    signature = serve[0]
    tf_signature = theirs[0].signature_def["serving_default"]
    assert signature.method_name == tf_signature.method_name == "tensorflow/serving/predict"
    assert [(s.key, s.name, s.dtype, s.shape) for s in signature.inputs] == [
        ("x", tf_signature.inputs["x"].name, "float", [-1, 3])
    ]
    assert [(s.key, s.name) for s in signature.outputs] == [("y", "y:0")]


def test_saved_model_command_line(
    v1_saved_model: Path, v2_saved_model: Path, tmp_path: Path
) -> None:
    inspected = _run_cli("inspect", v1_saved_model, cwd=tmp_path)
    assert inspected.returncode == 0, inspected.stderr
    assert "tags serve:" in inspected.stdout and "tags train, gpu:" in inspected.stdout
    assert "input x: x:0 float [-1, 3]" in inspected.stdout
    exported = _run_cli(
        "export",
        "--saved-model",
        v1_saved_model,
        "--tag",
        "serve",
        "-o",
        "serve.meta",
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    written = MetaGraphDef.FromString((tmp_path / "serve.meta").read_bytes())
    theirs = _tensorflow_meta_graphs(v1_saved_model)[0]
    assert written.SerializeToString(deterministic=True) == theirs.SerializeToString(
        deterministic=True
    )
    summary = json.loads(_run_cli("summarize", "serve.meta", "--json", cwd=tmp_path).stdout)
    assert summary["inputs"] == ["x"] and "y" in summary["outputs"]
    assert [v["name"] for v in summary["variables"]] == ["w"]
    # Two meta graphs and no tag, or a tag set it does not have: an error, nothing written.
    for arguments in ((), ("--tag", "train")):
        failed = _run_cli(
            "export", "--saved-model", v1_saved_model, *arguments, "-o", "x.meta", cwd=tmp_path
        )
        assert failed.returncode == 2, failed
        assert len(failed.stderr.strip().splitlines()) == 1
        assert "tag sets: serve; train,gpu" in failed.stderr
    assert not (tmp_path / "x.meta").exists()
    v2 = _run_cli("inspect", v2_saved_model, "--json", cwd=tmp_path)
    assert v2.returncode == 0, v2.stderr
    graphs = json.loads(v2.stdout)["meta_graphs"]
    assert graphs[0]["tags"] == ["serve"] and graphs[0]["functions"] > 0
    # TensorFlow 2 adds the init op as a signature of its own.
    assert [signature["key"] for signature in graphs[0]["signatures"]] == [
        "__saved_model_init_op",
        "serving_default",
    ]
    assert (
        _run_cli(
            "export", "--saved-model", v2_saved_model, "-o", "v2.meta", cwd=tmp_path
        ).returncode
        == 0
    )
    assert _run_cli("hash", "v2.meta", cwd=tmp_path).returncode == 0
