"""Debug info (EXP-DEBUG)."""

from __future__ import annotations

from pathlib import Path

from _graphs import export, graph_of, serialized
from metagraph_export.snapshot.v1.snapshot_pb2 import StackFrame, StackTrace


def test_debug_info_numbers_files_frames_and_traces_in_first_use_order(tmp_path: Path) -> None:
    """EXP-DEBUG-3, EXP-DEBUG-4, EXP-DEBUG-5, EXP-SCOPE-6: files, frames and traces are numbered in
    first-use order, keyed by the prepended names of the exported nodes; untraced nodes are
    skipped."""
    snapshot = graph_of(
        ("s/a", "NoOp", []),
        ("s/b", "NoOp", []),
        ("s/c", "NoOp", []),
        ("s/untraced", "NoOp", []),
        ("t/x", "NoOp", []),
    )
    shared = StackTrace(
        frames=[
            StackFrame(file="main.py", line=1, function="<module>"),
            StackFrame(file="lib.py", line=5, function="helper"),
        ]
    )
    snapshot.stack_traces["s/a"].CopyFrom(shared)
    snapshot.stack_traces["s/b"].CopyFrom(StackTrace(frames=[shared.frames[1]]))
    snapshot.stack_traces["s/c"].CopyFrom(shared)
    snapshot.stack_traces["t/x"].CopyFrom(shared)
    result = export(
        filename=str(tmp_path / "m.meta"), graph=snapshot, export_scope="s", save_debug_info=True
    )
    info = result.debug_info
    assert info is not None
    assert list(info.files) == ["main.py", "lib.py"]
    assert dict(info.name_to_trace_id) == {"s/a@": 0, "s/b@": 1, "s/c@": 0}
    assert list(info.traces_by_id[0].frame_id) == [0, 1]
    assert list(info.traces_by_id[1].frame_id) == [1]
    assert (
        info.frames_by_id[1].file_index,
        info.frames_by_id[1].line,
        info.frames_by_id[1].func,
    ) == (1, 5, "helper")
    assert (tmp_path / "m.debug").read_bytes() == serialized(info)


def test_debug_file_of_a_graph_without_traces_is_empty(tmp_path: Path) -> None:
    """EXP-DEBUG-7: the debug file of a graph without stack traces is empty, in both encodings."""
    for as_text in (False, True):
        directory = tmp_path / str(as_text)
        export(
            filename=str(directory / "m.meta"),
            graph=graph_of(("n", "NoOp", [])),
            save_debug_info=True,
            as_text=as_text,
        )
        assert (directory / "m.debug").read_bytes() == b""
