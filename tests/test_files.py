"""Writing the meta graph and debug files (EXP-FILE): atomic, all or nothing.

``write_files`` stages every file as a temporary file beside its target and
renames them into place only when all are complete, working inside directory
descriptors it holds; below a ``Root`` it follows no symbolic link. These tests
use real files and, for a full disk, a real file size limit in a child process;
a directory swapped while a write runs is swapped by the content writer itself,
which runs exactly between the checks and the renames.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from metagraph_export import WriteError
from metagraph_export._files import Content, Root, debug_file_name, write_files

# As root, a child that should meet permission checks loses the capabilities
# that bypass them.
_WITHOUT_OVERRIDES = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    if hasattr(os, "geteuid") and os.geteuid() == 0
    else []
)


def _run_child(
    script: str, cwd: Path, *, permission_checks: bool = False
) -> subprocess.CompletedProcess[str]:
    """Runs a Python snippet in a fresh interpreter, so that process-wide state
    (umask, resource limits, signal dispositions) stays out of this one."""
    prefix = _WITHOUT_OVERRIDES if permission_checks else []
    return subprocess.run(
        [*prefix, sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


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


def _failing(stream: BinaryIO) -> None:
    stream.write(b"partial")
    raise RuntimeError("the encoder failed")


@pytest.fixture
def root_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    return directory


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    directory = tmp_path / "outside"
    directory.mkdir()
    (directory / "victim.meta").write_bytes(b"precious")
    return directory


@pytest.fixture
def root(root_dir: Path) -> Iterator[Root]:
    with Root(str(root_dir)) as held:
        yield held


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


@pytest.mark.skipif(
    bool(_WITHOUT_OVERRIDES) and shutil.which("setpriv") is None,
    reason="as root, permission checks need setpriv to drop the capabilities that bypass them",
)
@pytest.mark.parametrize("with_root", [False, True])
def test_a_directory_that_may_be_searched_but_not_read(tmp_path: Path, with_root: bool) -> None:
    """Its descriptor cannot be opened for reading, only as a path (O_PATH):
    the file is written all the same, as it would be by a plain open()."""
    (tmp_path / "root" / "dir").mkdir(parents=True)
    (tmp_path / "root" / "dir").chmod(0o333)
    call = (
        'write_files([("dir/m.meta", b"x")], Root("."))'
        if with_root
        else ('write_files([("dir/m.meta", b"x"), ("dir/new/m.debug", b"")])')
    )
    result = _run_child(
        f"""
        import os
        from metagraph_export._files import Root, write_files
        try:
            os.listdir("dir")
        except PermissionError:
            pass
        else:
            raise SystemExit("the directory can be read: no permission checks")
        {call}
        """,
        tmp_path / "root",
        permission_checks=True,
    )
    (tmp_path / "root" / "dir").chmod(0o755)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (tmp_path / "root" / "dir" / "m.meta").read_bytes() == b"x"
    expected = ["m.meta"] if with_root else ["m.meta", "new"]
    assert sorted(os.listdir(tmp_path / "root" / "dir")) == expected


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


# --- what a failed write leaves: nothing, not even directories ----------------


@pytest.mark.parametrize("name", ["new/deeper/", "new/deeper/.", "new/deeper/model.meta/"])
def test_a_name_that_is_a_directory_creates_nothing(tmp_path: Path, name: str) -> None:
    path = f"{tmp_path}/{name}"  # a Path would drop the final "/"
    with pytest.raises(WriteError, match="is a directory") as raised:
        write_files([(path, b"x")])
    assert raised.value.path == path
    assert os.listdir(tmp_path) == []


def test_a_file_below_a_regular_file_creates_nothing(tmp_path: Path) -> None:
    """The regular file is found before any directory is made."""
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "afile").write_bytes(b"keep")
    before = _tree(tmp_path)
    meta = tmp_path / "other" / "m.meta"
    with pytest.raises(WriteError, match=r"new/afile' is not a directory"):
        write_files([(str(meta), b"meta"), (str(tmp_path / "new/afile/deeper/m.debug"), b"")])
    assert _tree(tmp_path) == before


def test_a_failure_while_staging_removes_the_directories_it_created(tmp_path: Path) -> None:
    """The directories exist by the time the content is written (the temporary
    files are in them, EXP-FILE-4); the failure takes them away again, deepest
    first, and leaves the ones that were there."""
    (tmp_path / "kept").mkdir()
    files: list[tuple[str, Content]] = [
        (str(tmp_path / "kept/new/deeper/m.meta"), b"meta"),
        (str(tmp_path / "kept/new/deeper/m.debug"), _failing),
    ]
    with pytest.raises(RuntimeError, match="encoder failed"):
        write_files(files)
    assert _tree(tmp_path) == {"kept": "dir"}


def test_two_files_in_two_new_directories_all_or_nothing(root_dir: Path, root: Root) -> None:
    (root_dir / "m.meta").write_bytes(b"previous")
    files: list[tuple[str, Content]] = [
        ("a/b/m.meta", b"meta"),
        ("a/c/m.debug", b"debug"),
        ("m.meta", _failing),
    ]
    with pytest.raises(RuntimeError):
        write_files(files, root)
    assert _tree(root_dir) == {"m.meta": b"previous"}
    write_files(files[:2], root)
    assert _tree(root_dir) == {
        "a": "dir",
        "a/b": "dir",
        "a/b/m.meta": b"meta",
        "a/c": "dir",
        "a/c/m.debug": b"debug",
        "m.meta": b"previous",
    }


def test_a_directory_made_by_someone_else_meanwhile_is_not_removed(tmp_path: Path) -> None:
    """Only the directories this write created go; one that appeared while it
    ran (here made by the first file's content writer) belongs to someone else."""

    def make_theirs(stream: BinaryIO) -> None:
        (tmp_path / "theirs").mkdir()
        stream.write(b"meta")

    files: list[tuple[str, Content]] = [
        (str(tmp_path / "ours/m.meta"), make_theirs),
        (str(tmp_path / "theirs/m.debug"), _failing),
    ]
    with pytest.raises(RuntimeError):
        write_files(files)
    assert _tree(tmp_path) == {"theirs": "dir"}


def test_a_directory_that_is_no_longer_empty_is_left(tmp_path: Path) -> None:
    def add_a_file(stream: BinaryIO) -> None:
        (tmp_path / "new" / "someone-elses").write_bytes(b"theirs")
        raise RuntimeError("the encoder failed")

    with pytest.raises(RuntimeError):
        write_files([(str(tmp_path / "new/m.meta"), add_a_file)])
    assert _tree(tmp_path) == {"new": "dir", "new/someone-elses": b"theirs"}


# --- without a root: the caller's path, symbolic links followed --------------


def test_the_callers_symbolic_links_are_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    write_files([(str(tmp_path / "link/sub/m.meta"), b"x")])
    assert (tmp_path / "real/sub/m.meta").read_bytes() == b"x"


def test_a_relative_path_with_dotdot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    write_files([("new/../../other/./m.meta", b"x")])
    assert _tree(tmp_path) == {
        "other": "dir",
        "other/m.meta": b"x",
        "work": "dir",
        "work/new": "dir",
    }


def test_a_directory_swapped_mid_write_does_not_move_the_file(tmp_path: Path) -> None:
    """The file goes where its directory was when the write checked it: the
    directory renamed away and a link to elsewhere put in its place while the
    content is written do not send the rename elsewhere."""
    (tmp_path / "dir").mkdir()
    (tmp_path / "elsewhere").mkdir()

    def swap(stream: BinaryIO) -> None:
        (tmp_path / "dir").rename(tmp_path / "moved")
        (tmp_path / "dir").symlink_to(tmp_path / "elsewhere")
        stream.write(b"x")

    write_files([(str(tmp_path / "dir/m.meta"), swap)])
    assert os.listdir(tmp_path / "elsewhere") == []
    assert os.listdir(tmp_path / "moved") == ["m.meta"]


def test_a_dangling_link_on_the_way_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "missing")
    with pytest.raises(WriteError, match=r"link' is not a directory"):
        write_files([(str(tmp_path / "link/m.meta"), b"x")])
    assert _tree(tmp_path) == {"link": f"-> {tmp_path / 'missing'}"}


def test_a_link_to_a_directory_as_target_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "m.meta").symlink_to(tmp_path / "dir")
    with pytest.raises(WriteError, match="is a directory"):
        write_files([(str(tmp_path / "m.meta"), b"x")])
    assert os.listdir(tmp_path / "dir") == []


# --- below a root: no symbolic link, no way out ------------------------------


def test_writes_below_the_root(root_dir: Path, root: Root) -> None:
    write_files([("a/b/m.meta", b"meta"), ("a/b/m.debug", b"")], root)
    write_files([("./top.meta", b"top"), ("a//b/./m.meta", b"again")], root)
    assert _tree(root_dir) == {
        "a": "dir",
        "a/b": "dir",
        "a/b/m.debug": b"",
        "a/b/m.meta": b"again",
        "top.meta": b"top",
    }


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("/abs/m.meta", "absolute path"),
        ("../outside/victim.meta", r"'\.\.' component"),
        ("a/../../outside/victim.meta", r"'\.\.' component"),
        ("a/../m.meta", r"'\.\.' component"),
    ],
)
def test_a_way_out_of_the_root_is_refused(
    root_dir: Path, outside: Path, root: Root, name: str, message: str
) -> None:
    with pytest.raises(WriteError, match=message) as raised:
        write_files([(name, b"x")], root)
    assert raised.value.path == name
    assert _tree(root_dir) == {}
    assert _tree(outside) == {"victim.meta": b"precious"}


@pytest.mark.parametrize("leads_to", ["outside", "inside", "nowhere"])
@pytest.mark.parametrize("depth", ["link/m.meta", "a/link/m.meta", "a/link/new/m.meta"])
def test_a_symbolic_link_on_the_way_is_refused(
    root_dir: Path, outside: Path, root: Root, leads_to: str, depth: str
) -> None:
    """Wherever it leads: below a root no link is followed."""
    link = root_dir / depth[: depth.index("link") + 4]
    link.parent.mkdir(exist_ok=True)
    destination = {"outside": outside, "inside": root_dir, "nowhere": root_dir / "missing"}
    link.symlink_to(destination[leads_to])
    before = _tree(root_dir)
    shown = link.relative_to(root_dir).as_posix()
    with pytest.raises(WriteError, match=f"'{shown}' is a symbolic link"):
        write_files([(depth, b"x"), ("other.meta", b"y")], root)
    assert _tree(root_dir) == before
    assert _tree(outside) == {"victim.meta": b"precious"}


@pytest.mark.parametrize("leads_to", ["victim.meta", "new.meta"])
def test_a_symbolic_link_as_target_is_refused(
    root_dir: Path, outside: Path, root: Root, leads_to: str
) -> None:
    (root_dir / "m.debug").symlink_to(outside / leads_to)
    with pytest.raises(WriteError, match="it is a symbolic link") as raised:
        write_files([("m.meta", b"meta"), ("m.debug", b"debug")], root)
    assert raised.value.path == "m.debug"
    assert _tree(root_dir) == {"m.debug": f"-> {outside / leads_to}"}
    assert _tree(outside) == {"victim.meta": b"precious"}


def test_a_link_swapped_in_before_the_write_is_refused(
    root_dir: Path, outside: Path, root: Root
) -> None:
    """The race an early check cannot see: the directory the caller checked
    becomes a link to elsewhere between the check and the write."""
    (root_dir / "race").mkdir()
    assert not (root_dir / "race").is_symlink()  # the caller's check
    (root_dir / "race").rmdir()
    (root_dir / "race").symlink_to(outside)
    with pytest.raises(WriteError, match="'race' is a symbolic link"):
        write_files([("race/victim.meta", b"x"), ("race/victim.debug", b"")], root)
    assert _tree(outside) == {"victim.meta": b"precious"}
    assert _tree(root_dir) == {"race": f"-> {outside}"}


@pytest.mark.parametrize("component", ["race", "race/sub"])
def test_a_link_swapped_in_mid_write_changes_nothing_outside(
    tmp_path: Path, root_dir: Path, outside: Path, root: Root, component: str
) -> None:
    """Swapped while the content is written, after every check: the write
    goes on in the directory it opened, which is inside the root."""
    (root_dir / component).mkdir(parents=True)

    def swap(stream: BinaryIO) -> None:
        (root_dir / component).rename(tmp_path / "moved")
        (root_dir / component).symlink_to(outside)
        stream.write(b"x")

    write_files([(f"{component}/victim.meta", swap)], root)
    assert _tree(outside) == {"victim.meta": b"precious"}
    assert _tree(tmp_path / "moved") == {"victim.meta": b"x"}


def test_the_root_is_the_directory_it_was_opened_on(tmp_path: Path, root_dir: Path) -> None:
    """Renaming the root's path and putting a link in its place does not move it."""
    with Root(str(root_dir)) as root:
        root_dir.rename(tmp_path / "renamed")
        root_dir.symlink_to(tmp_path / "elsewhere")
        (tmp_path / "elsewhere").mkdir()
        write_files([("m.meta", b"x")], root)
    assert _tree(tmp_path / "renamed") == {"m.meta": b"x"}
    assert _tree(tmp_path / "elsewhere") == {}


def test_a_closed_root_writes_nothing(root_dir: Path) -> None:
    root = Root(str(root_dir))
    root.close()
    root.close()
    with pytest.raises(ValueError, match="closed"):
        write_files([("m.meta", b"x")], root)
    assert _tree(root_dir) == {}


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o027, 0o640)])
def test_modes_below_a_root_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Files 0666 and new directories 0777, less the umask, as without a root."""
    (tmp_path / "root").mkdir()
    result = _run_child(
        f"""
        import os
        os.umask({umask:#o})
        from metagraph_export._files import Root, write_files
        write_files([("new/model.meta", b"x")], Root("root"))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(tmp_path / "root/new/model.meta").st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "root/new").st_mode) == mode | (0o111 & ~umask)


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
