"""Writing the meta graph and debug files (EXP-FILE): atomic, all or nothing.

``write_files`` stages every file as a temporary file beside its target and
renames them into place only when all are complete. These tests use real files
and, for a full disk, a real file size limit in a child process.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from metagraph_export import WriteError
from metagraph_export._files import debug_file_name, write_files


def _run_child(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs a Python snippet in a fresh interpreter, so that process-wide state
    (umask, resource limits, signal dispositions) stays out of this one."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_creates_missing_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c" / "model.meta"
    write_files([(str(target), b"content")])
    assert target.read_bytes() == b"content"
    assert sorted(os.listdir(target.parent)) == ["model.meta"]


def test_writes_a_relative_name_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_files([("model.meta", b"here")])
    assert (tmp_path / "model.meta").read_bytes() == b"here"
    assert os.listdir(tmp_path) == ["model.meta"]


def test_writes_every_file_of_the_batch(tmp_path: Path) -> None:
    meta, debug = tmp_path / "m.meta", tmp_path / "m.debug"
    write_files([(str(meta), b"meta"), (str(debug), b"")])
    assert meta.read_bytes() == b"meta"
    assert debug.read_bytes() == b""
    assert sorted(os.listdir(tmp_path)) == ["m.debug", "m.meta"]


def test_replaces_an_existing_file_by_renaming(tmp_path: Path) -> None:
    """A reader that opened the old file keeps seeing it whole: the new content
    arrives by rename, never by rewriting the old file in place."""
    target = tmp_path / "model.meta"
    target.write_bytes(b"old content")
    with target.open("rb") as reader:
        write_files([(str(target), b"new")])
        assert reader.read() == b"old content"
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["model.meta"]


def test_leaves_no_temporary_file_after_success(tmp_path: Path) -> None:
    for index in range(3):
        write_files([(str(tmp_path / "model.meta"), bytes([index]) * 10_000)])
    assert os.listdir(tmp_path) == ["model.meta"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_mode_follows_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Like a plain open(): 0666 less the umask (mkstemp's own 0600 must not leak)."""
    result = _run_child(
        f"""
        import os
        os.umask({umask:#o})
        from metagraph_export._files import write_files
        write_files([("out/model.meta", b"x")])
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "out" / "model.meta").st_mode) == mode


def test_mode_follows_a_umask_set_after_import(tmp_path: Path) -> None:
    result = _run_child(
        """
        import os
        os.umask(0o022)
        from metagraph_export._files import write_files
        os.umask(0o077)
        write_files([("model.meta", b"x")])
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "model.meta").st_mode) == 0o600


def test_target_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "model.meta"
    target.mkdir()
    (target / "inside").write_bytes(b"keep")
    with pytest.raises(WriteError, match="is a directory") as raised:
        write_files([(str(target), b"x")])
    assert raised.value.path == str(target)
    assert os.listdir(tmp_path) == ["model.meta"]
    assert (target / "inside").read_bytes() == b"keep"


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    parent = tmp_path / "afile"
    parent.write_bytes(b"not a directory")
    with pytest.raises(WriteError, match=r"afile.* is not a directory") as raised:
        write_files([(str(parent / "model.meta"), b"x")])
    assert isinstance(raised.value, OSError)
    assert parent.read_bytes() == b"not a directory"
    assert os.listdir(tmp_path) == ["afile"]


def test_failure_of_a_later_file_writes_none_of_them(tmp_path: Path) -> None:
    """The debug file cannot be staged (its name is a directory): the meta
    graph file, although staged first, must not replace the existing one."""
    meta = tmp_path / "model.meta"
    meta.write_bytes(b"previous export")
    before = os.stat(meta)
    (tmp_path / "model.debug").mkdir()
    with pytest.raises(WriteError, match=r"model\.debug"):
        write_files([(str(meta), b"new export"), (str(tmp_path / "model.debug"), b"debug")])
    assert meta.read_bytes() == b"previous export"
    assert os.stat(meta).st_mtime_ns == before.st_mtime_ns
    assert sorted(os.listdir(tmp_path)) == ["model.debug", "model.meta"]
    assert os.listdir(tmp_path / "model.debug") == []


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into read-only directories regardless of permissions",
)
def test_directory_without_write_permission_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="ermission denied"):
            write_files([(str(locked / "model.meta"), b"x")])
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


def test_full_disk_leaves_the_existing_file_and_no_temporary_file(tmp_path: Path) -> None:
    """A write that fails part way (here: the file size limit, EFBIG, as a full
    disk fails with ENOSPC) must leave the previous file untouched and remove
    the partial temporary file."""
    target = tmp_path / "out" / "model.meta"
    target.parent.mkdir()
    target.write_bytes(b"the previous export\n")
    before = os.stat(target)
    result = _run_child(
        """
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = 64 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        from metagraph_export import WriteError
        from metagraph_export._files import write_files
        try:
            write_files([("out/model.meta", b"x" * (4 * limit))])
        except WriteError as error:
            print("WriteError:", error)
        else:
            print("written")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("WriteError:"), result.stdout
    assert "model.meta" in result.stdout
    assert "too large" in result.stdout.lower()
    assert target.read_bytes() == b"the previous export\n"
    assert os.stat(target).st_mtime_ns == before.st_mtime_ns
    assert os.listdir(target.parent) == ["model.meta"]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("model.meta", "model.debug"),
        ("dir/model.meta", "dir/model.debug"),
        ("a.b/model", "a.b/model.debug"),
        ("m.tar.meta", "m.tar.debug"),
        (".meta", ".meta.debug"),
        ("model", "model.debug"),
        ("/abs/path/x.pbtxt", "/abs/path/x.debug"),
    ],
)
def test_debug_file_name_replaces_the_extension(filename: str, expected: str) -> None:
    assert debug_file_name(filename) == expected
