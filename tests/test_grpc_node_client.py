"""The Node.js client (grpc_server/node-client) against a real server: it runs
the conformance suite and reaches the Python runner's verdicts.

Needs ``node`` and ``npm ci`` in grpc_server/node-client; skipped otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from metagraph_export_grpc import ExportServer
from test_grpc_support import REPO_ROOT, in_process_server

NODE_CLIENT = REPO_ROOT / "grpc_server" / "node-client"
CASES = REPO_ROOT / "conformance" / "cases"
SUMMARY = re.compile(
    r"^(\d+) passed, (\d+) failed, (\d+) skipped, (\d+) expected failures(?:  \[[\d.]+ s\])?$",
    re.MULTILINE,
)
# A spread of areas: raw (malformed) input, files and sandboxes, debug info,
# text format, errors.
SUBSET = ["Required.Errors.*", "Required.Files.*", "Required.DebugInfo.*", "*.Text.*"]

NODE = shutil.which("node")
pytestmark = [
    pytest.mark.skipif(NODE is None, reason="needs node"),
    pytest.mark.skipif(
        not (NODE_CLIENT / "node_modules").is_dir(),
        reason="needs `npm ci` in grpc_server/node-client",
    ),
    pytest.mark.skipif(not CASES.is_dir(), reason="needs the conformance cases"),
]


def _cases(patterns: list[str]) -> list[str]:
    return [argument for pattern in patterns for argument in ("--case", pattern)]


def _node(*arguments: str) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(NODE_CLIENT / "bin" / "conformance.js"), *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _summary(output: str) -> tuple[int, ...]:
    match = SUMMARY.search(output)
    assert match is not None, output
    return tuple(int(group) for group in match.groups())


def _python_runner(*arguments: str) -> tuple[int, ...]:
    command = [sys.executable, "-m", "metagraph_export", "conformance", "run", "--backend=python"]
    result = subprocess.run(
        [*command, *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
        check=False,
    )
    if "No module named" in result.stderr:
        pytest.skip(f"the Python conformance runner is unavailable: {result.stderr.strip()}")
    return _summary(result.stdout)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    return directory


@pytest.fixture
def server(root: Path) -> Iterator[ExportServer]:
    with in_process_server(output_root=str(root)) as running:
        yield running


def test_unit_tests() -> None:
    assert NODE is not None
    result = subprocess.run(
        [NODE, "--test", "test/"],
        cwd=NODE_CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_subset_agrees_with_the_python_runner(server: ExportServer, root: Path) -> None:
    result = _node(f"--target=127.0.0.1:{server.port}", f"--sandbox-root={root}", *_cases(SUBSET))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "backend: grpc://127.0.0.1:" in result.stdout
    counts = _summary(result.stdout)
    assert counts[0] > 50 and counts[1] == 0
    assert counts == _python_runner(*_cases(SUBSET))
    # The sandboxes are gone; nothing else was written.
    assert list(root.iterdir()) == []


@pytest.mark.slow
def test_whole_suite_agrees_with_the_python_runner(server: ExportServer, root: Path) -> None:
    failure_list = REPO_ROOT / "conformance" / "failure_lists" / "tensorflow.txt"
    for extra in ([], [f"--failure-list={failure_list}"]):
        result = _node(f"--target=127.0.0.1:{server.port}", f"--sandbox-root={root}", *extra)
        assert _summary(result.stdout) == _python_runner(*extra), result.stdout


def test_without_a_sandbox_the_writing_cases_are_skipped(server: ExportServer) -> None:
    result = _node(f"--target=127.0.0.1:{server.port}", *_cases(SUBSET))
    assert result.returncode == 0, result.stdout + result.stderr
    passed, failed, skipped, _ = _summary(result.stdout)
    assert failed == 0 and passed > 0 and skipped > 0


def test_a_wrong_server_fails_cases(
    monkeypatch: pytest.MonkeyPatch, server: ExportServer, root: Path
) -> None:
    """A server that ignores clear_devices: the client reports the cases it fails."""
    from metagraph_export import export
    from metagraph_export_grpc import _export

    def ignoring_clear_devices(**kwargs: Any) -> Any:
        kwargs["clear_devices"] = False
        return export(**kwargs)

    monkeypatch.setattr(_export, "export", ignoring_clear_devices)
    result = _node(
        f"--target=127.0.0.1:{server.port}", f"--sandbox-root={root}", "--case", "*ClearDevices*"
    )
    assert result.returncode == 1
    _, failed, _, _ = _summary(result.stdout)
    assert failed > 0
    assert re.search(r"^FAIL Required\.\S*ClearDevices", result.stdout, re.MULTILINE)
    assert "device" in result.stdout


def test_failure_lists_and_bad_command_lines(server: ExportServer, tmp_path: Path) -> None:
    target = f"--target=127.0.0.1:{server.port}"
    listed = tmp_path / "failures.txt"
    listed.write_text("Required.Errors.NoGraph  # listed, but it passes\n")
    result = _node(target, "--case", "Required.Errors.NoGraph", f"--failure-list={listed}")
    assert result.returncode == 1
    assert "remove it from the list" in result.stdout
    stale = tmp_path / "stale.txt"
    stale.write_text("No.Such.Case  # gone\n")
    result = _node(target, f"--failure-list={stale}")
    assert result.returncode == 1
    assert "No.Such.Case is not a case of the suite" in result.stderr
    assert _node("--case", "x").returncode == 2
    unreachable = _node("--target=127.0.0.1:1", "--timeout=5")
    assert unreachable.returncode == 2
    assert "cannot reach" in unreachable.stderr
