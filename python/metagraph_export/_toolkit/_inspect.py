"""What ``inspect`` adds beyond the summary of a graph file: node listings by
name pattern or op, debug files (GraphDebugInfo) and SavedModel directories."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import asdict, dataclass
from typing import Any

from .. import _codec
from ..tf.graph_debug_info_pb2 import GraphDebugInfo
from ..tf.meta_graph_pb2 import MetaGraphDef
from ._read import read_bytes

__all__ = ["NodeRow", "debug_info_summary", "matching_nodes", "read_debug_info"]


@dataclass(frozen=True)
class NodeRow:
    name: str
    op: str
    device: str
    inputs: list[str]


def matching_nodes(
    meta_graph_def: MetaGraphDef, pattern: str | None = None, op: str | None = None
) -> list[NodeRow]:
    """The nodes whose name matches the glob ``pattern`` and whose op is ``op``, in graph order."""
    return [
        NodeRow(node.name, node.op, node.device, list(node.input))
        for node in meta_graph_def.graph_def.node
        if (pattern is None or fnmatch.fnmatchcase(node.name, pattern))
        and (op is None or node.op == op)
    ]


def rows_json(rows: list[NodeRow]) -> str:
    return json.dumps([asdict(row) for row in rows], indent=2)


def read_debug_info(path: str) -> GraphDebugInfo:
    return _codec.parse_message(read_bytes(path), GraphDebugInfo, path)


def debug_info_summary(debug_info: GraphDebugInfo) -> dict[str, Any]:
    """Files, frames and traces of a debug file, and the nodes that have one."""
    named = set(debug_info.traces) | set(debug_info.name_to_trace_id)
    return {
        "files": list(debug_info.files),
        "frames": len(debug_info.frames_by_id),
        "traces": len(debug_info.traces_by_id) + len(debug_info.traces),
        "nodes_with_traces": len(named),
        "nodes": sorted(named),
    }
