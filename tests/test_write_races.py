"""A symbolic link swapped into the output root while an export runs.

The server checks ``filename`` against its output root before the export and
writes after it; in between, someone who may write below the root can replace
a directory on the way with a link to elsewhere. The check cannot see that;
the writer must, so the call fails with WRITE_FAILED and nothing is written
anywhere.

The in-process test swaps the link at a fixed point: right after the output
root has checked the last filename of the call (``OutputRoot.resolve``), so
the whole export and the write run with the link in place. The test against a
``metagraph-export serve`` process swaps it while a slow export is running, as
it would happen; it cannot know whether the swap came before the check, during
the export or after the write, so it accepts the outcome of each and checks
that every one of them is safe.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
from grpc_status import rpc_status
from metagraph_export._files import debug_file_name
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.service.v1.service_pb2 import ExportRequest
from metagraph_export.service.v1.service_pb2_grpc import ExportServiceStub
from metagraph_export_grpc import STATUS_BY_CATEGORY
from metagraph_export_grpc._paths import OutputRoot
from test_grpc_support import (
    example_snapshot,
    in_process_server,
    many_nodes_graph,
    raw_call,
    server_process,
)

# googleapis-common-protos ships stubs but no py.typed marker.
from google.rpc import error_details_pb2  # type: ignore[import-untyped]  # isort: skip


def _tree(path: Path) -> dict[str, bytes | str]:
    """Everything below ``path``: file contents, link targets, directories."""
    state: dict[str, bytes | str] = {}
    for item in sorted(path.rglob("*")):
        name = item.relative_to(path).as_posix()
        if item.is_symlink():
            state[name] = f"-> {os.readlink(item)}"
        elif item.is_dir():
            state[name] = "dir"
        else:
            state[name] = item.read_bytes()
    return state


def _reason(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    call = cast(grpc.Call, error)
    status = rpc_status.from_call(call)
    assert status is not None, f"no rich status: {call.code()} {call.details()}"
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return call.code(), info.reason, dict(info.metadata)
    raise AssertionError(f"no ErrorInfo: {call.code()} {call.details()}")


def _places(tmp_path: Path) -> tuple[Path, Path]:
    root, outside = tmp_path / "exports", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (outside / "x.meta").write_bytes(b"precious")
    return root, outside


def _no_temporary_file(tmp_path: Path) -> None:
    leftovers = [item for item in tmp_path.rglob("*") if item.name.endswith(".tmp")]
    assert leftovers == []


def _link_where_nothing_was(root: Path, outside: Path) -> None:
    (root / "race").symlink_to(outside)


def _directory_replaced(root: Path, outside: Path) -> None:
    (root / "race").rmdir()
    (root / "race").symlink_to(outside)


def _nested_directory_replaced(root: Path, outside: Path) -> None:
    (root / "race" / "sub").rmdir()
    (root / "race" / "sub").symlink_to(outside)


# Each swap: the directories there before the call, the swap, the filename.
SWAPS: dict[str, tuple[list[str], Callable[[Path, Path], None], str]] = {
    "a link where nothing was": ([], _link_where_nothing_was, "race/x.meta"),
    "a directory replaced by a link": (["race"], _directory_replaced, "race/x.meta"),
    "a nested directory replaced": (["race/sub"], _nested_directory_replaced, "race/sub/x.meta"),
}


@pytest.mark.parametrize("save_debug_info", [False, True])
@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_link_swapped_in_after_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, swap: str, save_debug_info: bool
) -> None:
    root, outside = _places(tmp_path)
    directories, replace, filename = SWAPS[swap]
    for directory in directories:
        (root / directory).mkdir(parents=True)
    last_checked = debug_file_name(filename) if save_debug_info else filename
    check = OutputRoot.resolve

    def check_then_swap(self: OutputRoot, name: str) -> str:
        path = check(self, name)
        if name == last_checked:
            replace(root, outside)
        return path

    monkeypatch.setattr(OutputRoot, "resolve", check_then_swap)
    with in_process_server(output_root=str(root)) as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            arguments = ExportArguments(
                graph=example_snapshot(), filename=filename, save_debug_info=save_debug_info
            )
            with pytest.raises(grpc.RpcError) as caught:
                ExportServiceStub(channel).Export(ExportRequest(arguments=arguments), timeout=60)
    code, reason, metadata = _reason(caught.value)
    assert code == STATUS_BY_CATEGORY["WRITE_FAILED"]
    assert reason == "WRITE_FAILED"
    assert metadata["path"] == filename
    details = cast(grpc.Call, caught.value).details() or ""
    assert "is a symbolic link" in details
    assert str(root) not in details
    assert _tree(outside) == {"x.meta": b"precious"}
    link = os.path.dirname(filename)
    expected: dict[str, bytes | str] = {"race": "dir"} if link != "race" else {}
    assert _tree(root) == expected | {link: f"-> {outside}"}
    _no_temporary_file(tmp_path)


# --- the same race against a serve process, swapped mid-export ------------------


def test_link_swapped_in_during_a_slow_export(tmp_path: Path) -> None:
    """``ln -s elsewhere exports/race`` while the server exports a graph of
    200,000 nodes for ``race/x.meta``. The swap waits until the server has
    spent part of the processor time a first, identical export took; however
    it lands, nothing is written outside, and a failure leaves nothing at all.
    """
    root, outside = _places(tmp_path)
    snapshot = many_nodes_graph(200_000)

    def request(filename: str) -> bytes:
        arguments = ExportArguments(graph=snapshot, filename=filename)
        return ExportRequest(arguments=arguments).SerializeToString()

    unlimited = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    outcomes: list[str] = []
    with server_process(["--output-root", str(root)], tmp_path / "log") as server:
        with grpc.insecure_channel(server.target, options=unlimited) as channel:
            start = server.cpu_seconds()
            raw_call(channel, "Export", request("calibration/x.meta"), timeout=300)
            export_seconds = server.cpu_seconds() - start
            # Too early a swap is refused by the check, too late a one finds
            # the file written: move it towards the span in between.
            fraction = 0.5
            for attempt in range(3):
                call = functools.partial(
                    raw_call, channel, "Export", request(f"race{attempt}/x.meta"), timeout=300
                )
                link = root / f"race{attempt}"
                outcome = _race(server.cpu_seconds, export_seconds * fraction, link, outside, call)
                outcomes.append(outcome)
                if outcome == "write refused":
                    break
                fraction += 0.2 if outcome == "check refused" else -0.2
    # Which of the safe outcomes each attempt had: pytest -o log_cli=true shows it.
    logging.getLogger(__name__).info("outcomes: %s", outcomes)
    assert _tree(outside) == {"x.meta": b"precious"}
    _no_temporary_file(tmp_path)
    tree = _tree(root)
    for attempt, outcome in enumerate(outcomes):
        name = f"race{attempt}"
        below = {path: value for path, value in tree.items() if path.split("/")[0] == name}
        if outcome == "written before the swap":
            assert below.keys() == {name, f"{name}/x.meta"}
        else:
            assert below == {name: f"-> {outside}"}


def _race(
    cpu_seconds: Callable[[], float],
    after: float,
    link: Path,
    outside: Path,
    call: Callable[[], Any],
) -> str:
    """Runs ``call`` while a thread puts ``link`` in place once the server has
    spent ``after`` more seconds; returns which of the safe outcomes it was."""
    start = cpu_seconds()
    done = threading.Event()
    swapped: list[bool] = []

    def swap() -> None:
        while not done.is_set() and cpu_seconds() - start < after:
            done.wait(0.005)
        try:
            link.symlink_to(outside)
            swapped.append(True)
        except FileExistsError:  # the export wrote its directory already
            swapped.append(False)

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        call()
    except grpc.RpcError as error:
        code, reason, _ = _reason(error)
        outcome = {
            "FILENAME_REFUSED": "check refused",
            "WRITE_FAILED": "write refused",
        }.get(reason, f"unexpected {code} {reason}")
    else:
        outcome = "written before the swap"
    finally:
        done.set()
        swapper.join()
    assert outcome != "written before the swap" or swapped == [False], "written through the link"
    assert outcome in ("check refused", "write refused", "written before the swap"), outcome
    return outcome
