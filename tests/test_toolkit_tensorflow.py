"""The toolkit held to TensorFlow 2.21 itself.

``prune``'s graph cut is differential-tested against
``tf.compat.v1.graph_util.extract_sub_graph`` on generated graphs: the same
nodes in the same order, the same library and versions, byte for byte, and a
failure exactly where TensorFlow fails.

    TF_CPP_MIN_LOG_LEVEL=3 .tf-env/bin/python -m pytest tests/test_toolkit_tensorflow.py
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

tf = pytest.importorskip(
    "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
)

from hypothesis import event, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from metagraph_export import InvalidArgumentError  # noqa: E402
from metagraph_export._toolkit import extract_sub_graph  # noqa: E402
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot  # noqa: E402
from metagraph_export.testing import strategies  # noqa: E402
from metagraph_export.testing.profiles import settings_for  # noqa: E402
from metagraph_export.tf.graph_pb2 import GraphDef  # noqa: E402

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
