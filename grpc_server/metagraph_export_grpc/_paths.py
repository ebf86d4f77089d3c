"""Where ``filename`` may write, and an import may read: only below the
server's output root.

A request names its file relative to the root. Refused with INVALID_ARGUMENT,
before anything is exported: an absolute path, a ``..`` component, a NUL
character or a string that is not valid UTF-8 (lone surrogates), a symbolic
link at any component below the root (wherever it leads), and an existing
target that is a device, a FIFO, a socket or anything else but a regular file
or a directory. A directory
in the way (or a name ending in ``/``) fails when the files are written, with
WRITE_FAILED, as the specification requires (EXP-FILE-7).

That check is early, for a fast and clear refusal, but the export runs for a
while after it. What keeps the files below the root is the writer: it holds the
root open as a directory descriptor and creates and opens every directory
relative to it without following a symbolic link, so a link swapped in during
the export makes the write fail with WRITE_FAILED and nothing is written
anywhere. Missing parent directories are created then, and removed again if the
write fails.
"""

from __future__ import annotations

import errno
import os
import stat

from metagraph_export import _pipeline
from metagraph_export.errors import InvalidArgumentError, WriteError

from ._status import FILENAME_REFUSED, STATUS_BY_CATEGORY, ServiceError


class OutputRoot:
    """The directory below which requests may write."""

    def __init__(self, path: str) -> None:
        real = os.path.realpath(path)
        if not os.path.isdir(real):
            raise NotADirectoryError(f"output root {path!r} is not a directory")
        self.path = real
        self._root = _pipeline.Root(real)

    def resolve(self, filename: str) -> str:
        """The absolute path ``filename`` writes to, or a ServiceError saying why not."""
        problem = _lexical_problem(filename)
        if problem is not None:
            raise _refused(filename, problem)
        *directories, name = filename.split("/")
        path = self.path
        for part in (part for part in directories if part not in ("", ".")):
            path = os.path.join(path, part)
            try:
                status = os.lstat(path)
            except OSError:
                # Missing, or below something that is not a directory: the
                # writer creates it or fails with WRITE_FAILED (EXP-FILE-7).
                return os.path.join(self.path, filename)
            if stat.S_ISLNK(status.st_mode):
                shown = os.path.relpath(path, self.path)
                raise _refused(filename, f"has a symbolic link on its way: {shown!r}")
            if not stat.S_ISDIR(status.st_mode):
                return os.path.join(self.path, filename)
        target = os.path.join(path, name)
        if name in ("", "."):
            # A name ending in "/" is a directory: WRITE_FAILED (EXP-FILE-7).
            return target
        try:
            status = os.lstat(target)
        except OSError:
            return target
        if stat.S_ISLNK(status.st_mode):
            raise _refused(filename, "is a symbolic link")
        # A directory is left to the writer: WRITE_FAILED (EXP-FILE-7).
        if not stat.S_ISREG(status.st_mode) and not stat.S_ISDIR(status.st_mode):
            raise _refused(filename, f"exists and is {_kind(status.st_mode)}, not a regular file")
        return target

    def read(self, filename: str) -> bytes:
        """The bytes of the regular file ``filename`` below the root, refused as
        a write would be (``resolve``). Every component is opened relative to
        its directory without following a symbolic link, so a link swapped in
        after the check fails the read rather than leading outside the root.
        A file that does not exist is the import's INVALID_ARGUMENT (IMP-READ-2)."""
        self.resolve(filename)
        parts = [part for part in filename.split("/") if part not in ("", ".")]
        if not parts or filename.endswith("/"):
            raise _refused(filename, "names a directory, not a file")
        descriptors = [os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)]
        try:
            for part in parts[:-1]:
                descriptors.append(
                    self._open(filename, part, descriptors[-1], os.O_RDONLY | os.O_DIRECTORY)
                )
            # Non-blocking: a FIFO swapped in must not hang the call.
            file = self._open(filename, parts[-1], descriptors[-1], os.O_RDONLY | os.O_NONBLOCK)
            descriptors.append(file)
            if not stat.S_ISREG(os.fstat(file).st_mode):
                raise _refused(filename, "is not a regular file")
            with os.fdopen(os.dup(file), "rb") as stream:
                return stream.read()
        finally:
            for descriptor in reversed(descriptors):
                os.close(descriptor)

    def _open(self, filename: str, part: str, directory: int, flags: int) -> int:
        try:
            return os.open(part, flags | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=directory)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise _refused(filename, "has a symbolic link on its way") from None
            if error.errno in (errno.ENOENT, errno.ENOTDIR):
                raise InvalidArgumentError(
                    "meta_graph_or_file", f"file does not exist: {filename!r}"
                ) from None
            raise InvalidArgumentError(
                "meta_graph_or_file", f"cannot read {filename!r}: {self.hide(str(error))}"
            ) from None

    def write(self, filename: str, content: bytes, debug_content: bytes | None) -> tuple[str, ...]:
        """Writes the export's files below the root, all or nothing, the meta
        graph file named as the request named it; raises WriteError with that
        name and a message that does not show the root's absolute path."""
        try:
            return _pipeline.write(filename, content, debug_content, root=self._root)
        except WriteError as error:
            message = str(error).removeprefix(f"cannot write {error.path!r}: ")
            raise WriteError(error.path, self.hide(message)) from None

    def relative(self, path: str) -> str:
        """``path`` as the client knows it: relative to the root."""
        return os.path.relpath(path, self.path)

    def hide(self, text: str) -> str:
        """``text`` with the root's absolute path taken out of it."""
        return text.replace(self.path + os.sep, "").replace(self.path, ".")


def _lexical_problem(filename: str) -> str | None:
    if "\x00" in filename:
        return "contains a NUL character"
    try:
        filename.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if os.path.isabs(filename):
        return "is an absolute path; it must be relative to the output root"
    if ".." in filename.split("/"):
        return "has a '..' component"
    return None


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refused(filename: str, problem: str) -> ServiceError:
    # An invalid argument like any other, so its code comes from the table.
    error = InvalidArgumentError("filename", f"{filename!r} {problem}")
    return ServiceError(
        STATUS_BY_CATEGORY[error.category],
        FILENAME_REFUSED,
        str(error),
        argument="filename",
        error=error,
    )
