"""The debug file of save_debug_info (spec EXP-DEBUG-4 to EXP-DEBUG-8).

TensorFlow looks up every exported node's operation in the graph by its
unscoped name and feeds the creation stack trace of each into
``GraphDebugInfoBuilder``, which numbers files, frames and traces in the order
it first meets them.
"""

from __future__ import annotations

from ._scope import Scope
from .errors import InvalidArgumentError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.meta_graph_pb2 import MetaGraphDef


def build(
    meta_graph_def: MetaGraphDef, snapshot: GraphSnapshot, export_scope: str | None
) -> GraphDebugInfo:
    scope = Scope(export_scope)
    operations = {node.name for node in snapshot.graph_def.node}
    debug_info = GraphDebugInfo()
    file_index: dict[str, int] = {}
    frame_ids: dict[tuple[int, int, str], int] = {}
    trace_ids: dict[tuple[int, ...], int] = {}
    for node in meta_graph_def.graph_def.node:
        name = scope.prepend(node.name)
        if name not in operations:
            raise InvalidArgumentError(
                "graph",
                f"save_debug_info looks up operation {name!r} (exported as {node.name!r}) "
                "and the graph has no such operation",
            )
        trace = snapshot.stack_traces.get(name)
        if trace is None:
            continue
        frames = []
        for frame in trace.frames:
            index = file_index.setdefault(frame.file, len(file_index))
            key = (index, frame.line, frame.function)
            frame_id = frame_ids.get(key)
            if frame_id is None:
                frame_id = frame_ids[key] = len(frame_ids)
                entry = debug_info.frames_by_id[frame_id]
                entry.file_index = index
                entry.line = frame.line
                entry.func = frame.function
            frames.append(frame_id)
        trace_key = tuple(frames)
        trace_id = trace_ids.get(trace_key)
        if trace_id is None:
            trace_id = trace_ids[trace_key] = len(trace_ids)
            debug_info.traces_by_id[trace_id].frame_id.extend(frames)
        debug_info.name_to_trace_id[f"{name}@"] = trace_id
    debug_info.files.extend(file_index)
    return debug_info
