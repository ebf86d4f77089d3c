"""Writing the meta graph and debug files: all or nothing (spec EXP-FILE-3 to EXP-FILE-8).

Every directory on the way is opened as a file descriptor and everything else
happens relative to it: the directories are created, the temporary files are
written and renamed inside the descriptors that were checked, so a directory
renamed or swapped for a symbolic link by someone else while a write runs
cannot send the files elsewhere. Below a :class:`Root` no symbolic link is
followed at all; without one, the caller's own path is followed as any program
would, and only the directory descriptors make the write hold together.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from .errors import WriteError

# A file's content: its bytes, or a function that writes them to a stream.
Content = bytes | Callable[[BinaryIO], None]

# O_RDONLY rather than O_PATH: a directory is fsynced after a rename.
_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# A directory that may be searched but not read opens only this way (Linux).
_SEARCH_ONLY = getattr(os, "O_PATH", None)


def debug_file_name(filename: str) -> str:
    """TensorFlow's debug file name: the extension of ``filename`` replaced by ".debug"
    (spec EXP-DEBUG-2)."""
    root, _ = os.path.splitext(filename)
    return root + ".debug"


class Root:
    """A directory held open, below which :func:`write_files` writes without
    following any symbolic link.

    The directory is the one ``path`` named when the Root was made; renaming
    or replacing ``path`` later does not move the Root.
    """

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, _DIRECTORY)
        self._close = weakref.finalize(self, os.close, self._fd)

    def fileno(self) -> int:
        if not self._close.alive:
            raise ValueError("the root is closed")
        return self._fd

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Root:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_files(files: Sequence[tuple[str, Content]], root: Root | None = None) -> None:
    """Writes each (path, content) pair atomically, creating parent directories.

    With ``root``, each path is relative to it, and a path that is absolute,
    climbs with ``..`` or crosses a symbolic link below the root is refused.
    Without, a path is the caller's own: relative to the working directory or
    absolute, its symbolic links followed.

    First every path is checked without changing anything; then the missing
    directories are created and every file is written in full to a temporary
    file in its directory; only when all of them are complete are they renamed
    into place, in order. A failure before the first rename leaves every
    target as it was, no temporary file and none of the directories this call
    created.
    """
    write = _Write(root)
    try:
        plans = [write.plan(path) for path, _ in files]
        staged: list[tuple[_Plan, str]] = []
        try:
            for plan, (_, content) in zip(plans, files, strict=True):
                write.make_directories(plan)
                staged.append((plan, write.stage(plan, content)))
            for index, (plan, temporary) in enumerate(staged):
                try:
                    os.rename(temporary, plan.name, src_dir_fd=plan.fd, dst_dir_fd=plan.fd)
                except OSError as error:
                    raise WriteError(plan.path, error.strerror or str(error)) from None
                staged[index] = (plan, "")
        except BaseException:
            for plan, temporary in staged:
                if temporary:
                    _unlink(temporary, plan.fd)
            write.remove_directories()
            raise
        write.sync(plans)
    finally:
        write.close()


@dataclass
class _Plan:
    """One file: its directory as far as it exists, and what is missing below."""

    path: str
    fd: int
    """The deepest existing directory; after make_directories, the file's own."""
    prefix: str
    """``path`` up to the directory ``fd`` is, for messages."""
    missing: list[str]
    name: str


@dataclass
class _Created:
    parent: int
    name: str
    fd: int


@dataclass
class _Write:
    """The descriptors one write_files call holds, and the directories it made."""

    root: Root | None
    owned: list[int] = field(default_factory=list)
    created: list[_Created] = field(default_factory=list)

    def plan(self, path: str) -> _Plan:
        """Opens the existing directories of ``path``; changes nothing."""
        parts = path.split("/")
        if self.root is not None:
            if path.startswith("/"):
                raise WriteError(path, "is an absolute path; it must be relative to the root")
            if ".." in parts:
                raise WriteError(path, "has a '..' component")
        name = parts.pop()
        if name in ("", ".", ".."):
            why = "" if name else " (the name ends in '/')"
            raise WriteError(path, f"it is a directory{why}")
        if self.root is not None:
            fd = self.root.fileno()
        else:
            fd = self._open("/" if path.startswith("/") else ".", None)
        prefix = "/" if path.startswith("/") else ""
        components = [part for part in parts if part not in ("", ".")]
        for index, component in enumerate(components):
            try:
                fd = self._open(component, fd)
            except FileNotFoundError:
                return _Plan(path, fd, prefix, components[index:], name)
            except OSError as error:
                raise self._not_a_directory(
                    path, prefix + component, component, fd, error
                ) from None
            prefix += component + "/"
        self._check_target(path, fd, name)
        return _Plan(path, fd, prefix, [], name)

    def make_directories(self, plan: _Plan) -> None:
        """Creates the directories ``plan`` misses (EXP-FILE-3), remembering them."""
        for component in plan.missing:
            parent, shown = plan.fd, plan.prefix + component
            try:
                # 0777 less the umask, as os.makedirs would.
                os.mkdir(component, 0o777, dir_fd=parent)
                made = True
            except FileExistsError:
                made = False  # made meanwhile by someone else, or by an earlier file
            except OSError as error:
                message = f"cannot create directory {shown!r}: {error.strerror}"
                raise WriteError(plan.path, message) from None
            try:
                plan.fd = self._open(component, parent)
            except OSError as error:
                raise self._not_a_directory(plan.path, shown, component, parent, error) from None
            if made:
                self.created.append(_Created(parent, component, plan.fd))
            plan.prefix = shown + "/"
        plan.missing = []
        self._check_target(plan.path, plan.fd, plan.name)

    def stage(self, plan: _Plan, content: Content) -> str:
        """Writes ``content`` in full to a new temporary file beside the target,
        flushed to disk, and returns its name."""
        while True:
            temporary = f".{plan.name}.{secrets.token_hex(4)}.tmp"
            try:
                # 0666 less the umask, as an ordinary creation would (EXP-FILE-8).
                descriptor = os.open(temporary, _NEW_FILE, 0o666, dir_fd=plan.fd)
                break
            except FileExistsError:
                continue
            except OSError as error:
                raise WriteError(plan.path, error.strerror or str(error)) from None
        try:
            with open(descriptor, "wb") as stream:
                if isinstance(content, bytes):
                    stream.write(content)
                else:
                    content(stream)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            _unlink(temporary, plan.fd)
            raise WriteError(plan.path, error.strerror or str(error)) from None
        except BaseException:
            _unlink(temporary, plan.fd)
            raise
        return temporary

    def remove_directories(self) -> None:
        """Removes the directories this write created, deepest first, if they
        are still the ones it created and still empty."""
        for made in reversed(self.created):
            try:
                now = os.stat(made.name, dir_fd=made.parent, follow_symlinks=False)
                then = os.fstat(made.fd)
                if (now.st_dev, now.st_ino) == (then.st_dev, then.st_ino):
                    os.rmdir(made.name, dir_fd=made.parent)
            except OSError:
                pass
        self.created = []

    def sync(self, plans: Sequence[_Plan]) -> None:
        """Flushes the renames and the new directories to disk. The files are
        in place by now, so a directory that cannot be flushed (some file
        systems refuse) fails nothing."""
        for fd in {*(plan.fd for plan in plans), *(made.parent for made in self.created)}:
            try:
                os.fsync(fd)
            except OSError:
                pass

    def close(self) -> None:
        for fd in self.owned:
            os.close(fd)
        self.owned = []

    def _open(self, name: str, parent: int | None) -> int:
        follow = 0 if self.root is None else os.O_NOFOLLOW
        try:
            fd = os.open(name, _DIRECTORY | follow, dir_fd=parent)
        except PermissionError:
            if _SEARCH_ONLY is None:
                raise
            fd = os.open(name, _SEARCH_ONLY | os.O_DIRECTORY | os.O_CLOEXEC | follow, dir_fd=parent)
        self.owned.append(fd)
        return fd

    def _check_target(self, path: str, fd: int, name: str) -> None:
        try:
            status = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(status.st_mode):
                if self.root is not None:
                    raise WriteError(path, "it is a symbolic link")
                # The caller's link: refused if it leads to a directory; else
                # the rename replaces the link itself.
                status = os.stat(name, dir_fd=fd)
        except FileNotFoundError:
            return
        except OSError as error:
            raise WriteError(path, error.strerror or str(error)) from None
        if stat.S_ISDIR(status.st_mode):
            raise WriteError(path, "it is a directory")

    def _not_a_directory(
        self, path: str, shown: str, name: str, parent: int, error: OSError
    ) -> WriteError:
        """Why the directory ``name`` in ``parent`` could not be opened."""
        if error.errno in (errno.ENOTDIR, errno.ELOOP, errno.ENOENT):
            try:
                status = os.stat(name, dir_fd=parent, follow_symlinks=False)
            except OSError:
                pass
            else:
                if stat.S_ISLNK(status.st_mode) and self.root is not None:
                    return WriteError(path, f"{shown!r} is a symbolic link")
                return WriteError(path, f"{shown!r} is not a directory")
        return WriteError(path, f"cannot open directory {shown!r}: {error.strerror}")


def _unlink(name: str, fd: int) -> None:
    try:
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass
