"""The 2 GiB limit of a protobuf message (EXP-ERR): a MetaGraphDef that reaches
2**31 bytes raises GraphTooLargeError and writes nothing.

These graphs are real: four Const nodes whose tensor_content adds up to 2 GiB,
or a single one holding it all, which protobuf cannot measure at any level.
Each test holds the graph, the exporter's copy of it and one serialization
buffer at once, 7 to 13 GB, and takes a minute; all are marked slow.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import metagraph_export
import pytest
from metagraph_export import GraphTooLargeError
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.types_pb2 import DT_UINT8

pytestmark = pytest.mark.slow

LIMIT = 1 << 31
_NODES = 4


def _varint_size(value: int) -> int:
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


def _add_const(graph_def: GraphDef, name: str, content: bytes) -> NodeDef:
    node = graph_def.node.add(name=name, op="Const")
    node.attr["dtype"].type = DT_UINT8
    tensor = node.attr["value"].tensor
    tensor.dtype = DT_UINT8
    tensor.tensor_shape.dim.add(size=len(content))
    tensor.tensor_content = content
    return node


def _graph_def_of_size(size: int) -> GraphDef:
    """A GraphDef of exactly ``size`` bytes, built in place and never serialized.

    The first nodes are alike, so one node's size gives theirs; the last one
    holds the few bytes more that make up the total (its length prefixes keep
    their width). Each content is set once: a replaced field would stay in
    the message's arena until the whole message is freed.
    """
    chunk = size // _NODES - 200
    graph_def = GraphDef()
    content = bytes(chunk)
    for index in range(_NODES - 1):
        _add_const(graph_def, f"c{index}", content)
    del content
    node_size = graph_def.node[0].ByteSize()
    framed = 1 + _varint_size(node_size) + node_size
    delta = size - _NODES * framed
    assert 0 <= delta < 1000
    last = _add_const(graph_def, f"c{_NODES - 1}", bytes(chunk + delta))
    last_size = last.ByteSize()
    assert last_size == node_size + delta
    assert _varint_size(last_size) == _varint_size(node_size)
    return graph_def


@dataclass(frozen=True)
class Outcome:
    """What one export of a huge graph raised, without the graph.

    Only this small record leaves ``_export``: a failure report that showed
    the graph (pytest prints the arguments of each frame) would take longer
    to format than the whole test.
    """

    error: str | None
    message: str
    size: int | None = None
    category: str | None = None
    is_value_error: bool = False


def _outcome(make_graph: Callable[[], GraphDef], use: Callable[[GraphDef], object]) -> Outcome:
    """What ``use`` raises on a graph ``make_graph`` builds; the graph is gone after."""
    graph_def = make_graph()
    try:
        use(graph_def)
    except GraphTooLargeError as error:
        return Outcome(
            "GraphTooLargeError",
            str(error),
            error.size,
            error.category,
            isinstance(error, ValueError),
        )
    except Exception as error:
        return Outcome(type(error).__name__, str(error))
    finally:
        del graph_def
        gc.collect()
    return Outcome(None, "done")


def _export(make_graph: Callable[[], GraphDef], filename: Path | None) -> Outcome:
    return _outcome(
        make_graph,
        lambda graph_def: metagraph_export.export(
            filename=None if filename is None else str(filename), graph_def=graph_def
        ),
    )


def _assert_nothing_written(directory: Path) -> None:
    assert not directory.exists() or os.listdir(directory) == []


def test_meta_graph_over_the_limit_is_refused(tmp_path: Path) -> None:
    """The GraphDef is one byte under 2 GiB; with the meta info it reaches the limit."""
    outcome = _export(lambda: _graph_def_of_size(LIMIT - 1), tmp_path / "out" / "model.meta")
    assert outcome.error == "GraphTooLargeError", outcome
    assert "cannot be larger than 2GB" in outcome.message
    assert outcome.size is not None
    assert LIMIT <= outcome.size < LIMIT + 1000
    assert outcome.category == "GRAPH_TOO_LARGE"
    assert outcome.is_value_error
    _assert_nothing_written(tmp_path / "out")


def test_graph_def_over_the_limit_is_refused(tmp_path: Path) -> None:
    outcome = _export(lambda: _graph_def_of_size(LIMIT), tmp_path / "out" / "model.meta")
    _assert_nothing_written(tmp_path / "out")
    assert outcome.error == "GraphTooLargeError", outcome
    assert outcome.size is not None
    assert outcome.size >= LIMIT


def _one_huge_node() -> GraphDef:
    """One Const whose tensor_content alone is 2 GiB: no part of the graph that
    holds it can be measured by protobuf."""
    graph_def = GraphDef()
    _add_const(graph_def, "c", bytes(LIMIT))
    return graph_def


@pytest.mark.parametrize("with_file", [True, False], ids=["file", "no-file"])
def test_a_single_node_over_the_limit_is_refused(tmp_path: Path, with_file: bool) -> None:
    outcome = _export(_one_huge_node, tmp_path / "out" / "model.meta" if with_file else None)
    assert outcome.error == "GraphTooLargeError", outcome
    assert outcome.size is not None
    # The tensor content, its length prefixes and the few bytes around it.
    assert LIMIT < outcome.size < LIMIT + 1000
    _assert_nothing_written(tmp_path / "out")


def test_the_client_refuses_a_request_over_the_limit() -> None:
    """No call can carry a request protobuf cannot encode: the client says so
    with the typed error before it calls."""
    from metagraph_export_grpc import client

    outcome = _outcome(
        lambda: _graph_def_of_size(LIMIT),
        # Nothing listens there: the request must fail before any call.
        lambda graph_def: client.export("127.0.0.1:9", graph_def=graph_def, timeout=5),
    )
    assert outcome.error == "GraphTooLargeError", outcome
    assert outcome.size is not None and outcome.size > LIMIT
