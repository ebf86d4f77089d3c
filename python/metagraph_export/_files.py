"""Writing the meta graph and debug files: all or nothing (spec EXP-FILE-3 to EXP-FILE-8)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import BinaryIO

from .errors import WriteError

# A file's content: its bytes, or a function that writes them to a stream.
Content = bytes | Callable[[BinaryIO], None]


def debug_file_name(filename: str) -> str:
    """TensorFlow's debug file name: the extension of ``filename`` replaced by ".debug"
    (spec EXP-DEBUG-2)."""
    root, _ = os.path.splitext(filename)
    return root + ".debug"


def write_files(files: Sequence[tuple[str, Content]]) -> None:
    """Writes each (path, content) pair atomically, creating parent directories.

    Every file is first written in full to a temporary file beside its target;
    only when all of them are complete are they renamed into place. A failure
    before that leaves every target as it was and no temporary file behind.
    """
    staged: list[tuple[str, str]] = []
    try:
        for path, content in files:
            staged.append((_stage(path, content), path))
        for temporary, path in staged:
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise WriteError(path, error.strerror or str(error)) from None
    finally:
        for temporary, _ in staged:
            if os.path.lexists(temporary):
                os.unlink(temporary)


def _stage(path: str, content: Content) -> str:
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WriteError(path, f"{directory!r} is not a directory") from None
    except OSError as error:
        raise WriteError(path, f"cannot create directory {directory!r}: {error.strerror}") from None
    if os.path.isdir(path):
        raise WriteError(path, "it is a directory")
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
        )
    except OSError as error:
        raise WriteError(path, error.strerror or str(error)) from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            if isinstance(content, bytes):
                stream.write(content)
            else:
                content(stream)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0600; give the file the mode an ordinary create would.
        os.chmod(temporary, 0o666 & ~_umask())
    except OSError as error:
        os.unlink(temporary)
        raise WriteError(path, error.strerror or str(error)) from None
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _read_umask() -> int:
    # os.umask can only be read by setting it, which races with other threads
    # creating files; so it is read this way once, at import, as a fallback.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_IMPORT_UMASK = _read_umask()


def _umask() -> int:
    """The process's current umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return _IMPORT_UMASK
