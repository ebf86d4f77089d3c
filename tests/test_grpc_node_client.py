"""The Node.js client (grpc_server/node-client) against a real server: its
testee, bin/testee.js, runs the conformance suite under the Python runner
(``--backend exec:...``), each case going to the server through the client.

The server's output root holds the runner's temporary directory (TMPDIR), so
the sandboxes are below it and the server writes the cases' files there.
Needs ``node`` and ``npm ci`` in grpc_server/node-client; skipped otherwise.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_grpc_support import (
    REPO_ROOT,
    ServerProcess,
    in_process_server,
    make_certificates,
    server_process,
)

NODE_CLIENT = REPO_ROOT / "grpc_server" / "node-client"
TESTEE = NODE_CLIENT / "bin" / "testee.js"
CASES = REPO_ROOT / "conformance" / "cases"
SUMMARY = re.compile(
    r"^(\d+) passed, (\d+) failed, (\d+) skipped, (\d+) expected failures$", re.MULTILINE
)
# A spread of areas: raw (malformed) input, files and sandboxes, debug info,
# text format, errors.
SUBSET = ["Required.Errors.*", "Required.Files.*", "Required.DebugInfo.*", "*.Text.*"]
WRITES_A_FILE = "Required.Files.BinaryWithFunctions"
WRITES_NOTHING = "Required.Errors.NoGraph"

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


def _runner(
    backend: str, *arguments: str, tmpdir: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``metagraph-export conformance run --backend BACKEND ARGUMENTS``, its
    temporary directory (where the sandboxes go) in ``tmpdir``."""
    environment = dict(os.environ)
    if tmpdir is not None:
        environment["TMPDIR"] = str(tmpdir)
    command = [sys.executable, "-m", "metagraph_export", "conformance", "run"]
    result = subprocess.run(
        [*command, f"--backend={backend}", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
        env=environment,
        check=False,
    )
    if "No module named" in result.stderr:
        pytest.skip(f"the Python conformance runner is unavailable: {result.stderr.strip()}")
    return result


def _testee(target: str, *options: str) -> str:
    assert NODE is not None
    return "exec:" + shlex.join([NODE, str(TESTEE), f"--target={target}", *options])


def _summary(result: subprocess.CompletedProcess[str]) -> tuple[int, ...]:
    match = SUMMARY.search(result.stdout)
    assert match is not None, result.stdout + result.stderr
    return tuple(int(group) for group in match.groups())


def _failures(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """The message of each failed case, by id."""
    return dict(re.findall(r"^FAIL (\S+)\n  (.*)$", result.stdout, re.MULTILINE))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    return directory


@pytest.fixture
def server(root: Path, tmp_path: Path) -> Iterator[ServerProcess]:
    """``metagraph-export serve`` on a free port, writing below ``root``."""
    with server_process(["--output-root", str(root)], tmp_path / "server.log") as running:
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


@pytest.mark.parametrize("method", ["export", "stream"])
def test_subset_passes_through_each_method(server: ServerProcess, root: Path, method: str) -> None:
    backend = _testee(server.target, f"--sandbox-root={root}", f"--method={method}")
    result = _runner(backend, *_cases(SUBSET), tmpdir=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "metagraph-export-node-client" in result.stdout
    counts = _summary(result)
    assert counts[0] > 50 and counts[1] == counts[3] == 0
    # What the reference skips (the inputs over one message, slow) is skipped too.
    assert counts == _summary(_runner("python", *_cases(SUBSET)))
    # The runner removed its sandboxes; the server wrote nothing elsewhere.
    assert list(root.iterdir()) == []


@pytest.mark.slow
def test_whole_suite_passes(server: ServerProcess, root: Path) -> None:
    result = _runner(_testee(server.target, f"--sandbox-root={root}"), tmpdir=root)
    assert result.returncode == 0, result.stdout + result.stderr
    passed, failed, skipped, expected_failures = _summary(result)
    assert (failed, expected_failures) == (0, 0)
    # Every case the reference runs passes; the skipped ones are those over
    # one message (slow), which no exec: program is given.
    assert (passed, failed, skipped, expected_failures) == _summary(_runner("python"))
    print(result.stdout.splitlines()[-1])  # the summary line, shown with -s
    assert list(root.iterdir()) == []


def test_a_wrong_server_fails_cases(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    """A server that ignores clear_devices: the runner reports the cases it fails."""
    import dataclasses

    from metagraph_export import _pipeline

    original = _pipeline.build_and_encode

    def ignoring_clear_devices(arguments: Any, **kwargs: Any) -> Any:
        return original(dataclasses.replace(arguments, clear_devices=False), **kwargs)

    monkeypatch.setattr(_pipeline, "build_and_encode", ignoring_clear_devices)
    with in_process_server(output_root=str(root)) as wrong:
        backend = _testee(f"127.0.0.1:{wrong.port}", f"--sandbox-root={root}")
        result = _runner(backend, "--case", "*ClearDevices*", tmpdir=root)
    assert result.returncode == 1
    failures = _failures(result)
    assert failures and all(re.match(r"Required\.\S*ClearDevices", case) for case in failures)
    assert any("device" in message for message in failures.values()), result.stdout


def test_cases_that_write_need_their_sandbox_below_the_root(
    server: ServerProcess, root: Path
) -> None:
    cases = ["--case", WRITES_A_FILE, "--case", WRITES_NOTHING]
    # The sandboxes are not below the root: the writing case fails, saying why.
    elsewhere = _runner(_testee(server.target, f"--sandbox-root={root}"), *cases)
    assert _summary(elsewhere) == (1, 1, 0, 0)
    assert "is not below --sandbox-root" in _failures(elsewhere)[WRITES_A_FILE]
    # No sandbox root: likewise.
    without = _runner(_testee(server.target), *cases, tmpdir=root)
    assert _summary(without) == (1, 1, 0, 0)
    assert "give --sandbox-root" in _failures(without)[WRITES_A_FILE]
    assert list(root.iterdir()) == []


def test_tls_and_a_token(tmp_path: Path, root: Path) -> None:
    pytest.importorskip("cryptography")
    certificates = make_certificates()
    for name in ("ca", "server_chain", "server_key", "client_chain", "client_key"):
        (tmp_path / f"{name}.pem").write_bytes(getattr(certificates, name))
    (tmp_path / "tokens").write_text("the-token\n")
    arguments = ["--output-root", str(root), "--auth-token-file", str(tmp_path / "tokens")]
    arguments += ["--tls-cert", str(tmp_path / "server_chain.pem")]
    arguments += ["--tls-key", str(tmp_path / "server_key.pem")]
    arguments += ["--tls-client-ca", str(tmp_path / "ca.pem")]
    tls = [
        f"--tls-ca={tmp_path / 'ca.pem'}",
        f"--tls-cert={tmp_path / 'client_chain.pem'}",
        f"--tls-key={tmp_path / 'client_key.pem'}",
    ]
    cases = ["--case", WRITES_A_FILE]
    with server_process(arguments, tmp_path / "server.log") as server:
        sandbox_root = f"--sandbox-root={root}"
        good = _runner(
            _testee(server.target, sandbox_root, "--token=the-token", *tls), *cases, tmpdir=root
        )
        assert _summary(good) == (1, 0, 0, 0), good.stdout + good.stderr
        wrong_token = _runner(_testee(server.target, sandbox_root, "--token=other", *tls), *cases)
        assert wrong_token.returncode == 2
        assert "did not answer the hello" in wrong_token.stderr
        assert "UNAUTHENTICATED" in wrong_token.stderr


def test_bad_command_lines(tmp_path: Path) -> None:
    assert NODE is not None

    def testee(*arguments: str) -> subprocess.CompletedProcess[str]:
        assert NODE is not None
        return subprocess.run(
            [NODE, str(TESTEE), *arguments],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    for arguments, message in [
        ([], "--target is required"),
        (["--target=127.0.0.1:1", "--method=carrier-pigeon"], "--method must be"),
        (["--target=127.0.0.1:1", "--timeout=0"], "--timeout must be"),
        (["--target=127.0.0.1:1", "--tls-cert=c.pem"], "go together"),
        (["--target=127.0.0.1:1", f"--sandbox-root={tmp_path / 'missing'}"], "--sandbox-root"),
        (["--target=127.0.0.1:1"], "cannot use 127.0.0.1:1"),
    ]:
        result = testee(*arguments)
        assert result.returncode == 2, (arguments, result.stderr)
        assert message in result.stderr, (arguments, result.stderr)
