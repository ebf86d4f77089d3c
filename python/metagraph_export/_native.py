"""The native backend: the export's request, build and encode stages in Rust.

``metagraph_export_native`` (``native/`` in the source tree, built by maturin)
implements the same specification; where it is installed, the pipeline hands
it the serialized arguments and takes back the encoded export, byte for byte
what the Python stages produce. Files are still written by the pipeline.

Which backend runs: the ``backend`` argument, else the environment variable
``METAGRAPH_EXPORT_BACKEND``: ``python``, ``native`` (an error where it is not
installed), or ``auto`` (the default: native where installed). The native
backend declines what it does not implement (a scope that is not portable,
spec EXP-SCOPE-7; a replaced op registry, which has no serialized form here),
arguments too large to serialize (2 GiB or more), and what it could not give
byte for byte as the reference does: messages with unknown fields (the
reference keeps them, spec EXP-ENC-6) and messages nested deeper than its
decoder goes. The Python stages then run instead.

A caller running an export in one thread can stop it from another with a
:class:`Cancellation`: the native export looks at it between its steps and at
every node, and raises :class:`Cancelled`. (The Python stages have no such
checks; a caller stops them with an asynchronous exception.)
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

from google.protobuf.message import EncodeError

from .errors import (
    MAX_MESSAGE_BYTES,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)
from .tf.op_def_pb2 import OpList

if TYPE_CHECKING:
    from ._exporter import Diagnostic
    from ._pipeline import Arguments

BACKENDS = ("auto", "python", "native")
ENVIRONMENT_VARIABLE = "METAGRAPH_EXPORT_BACKEND"

_ERRORS: dict[str, type[ExportError]] = {
    "INVALID_ARGUMENT": InvalidArgumentError,
    "MALFORMED_INPUT": DecodeError,
    "GRAPH_TOO_LARGE": GraphTooLargeError,
    "WRITE_FAILED": WriteError,
    "INTERNAL": ExportError,
}


class Cancelled(Exception):
    """A native export stopped because its :class:`Cancellation` was cancelled."""


class Cancellation:
    """Stops the native exports it is given, from any thread, at any time:
    one running stops at its next check, one not started yet does not start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._flags: list[Any] = []  # the extension's Cancel, one per export

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            for flag in self._flags:
                flag.cancel()

    def _flag(self, native: ModuleType) -> Any:
        """A new extension Cancel that follows this one, or Cancelled."""
        with self._lock:
            if self._cancelled:
                raise Cancelled
            flag = native.Cancel()
            self._flags.append(flag)
            return flag


@functools.cache
def module() -> ModuleType | None:
    """The native extension, or None where it is not installed."""
    try:
        return importlib.import_module("metagraph_export_native")
    except ImportError:
        return None


def chosen(requested: str | None) -> bool:
    """Whether an export runs natively: ``requested`` (the ``backend``
    argument), else the environment, else ``auto``."""
    name = requested if requested is not None else os.environ.get(ENVIRONMENT_VARIABLE, "auto")
    if name not in BACKENDS:
        source = "backend" if requested is not None else ENVIRONMENT_VARIABLE
        raise InvalidArgumentError(source, f"{name!r} is none of {', '.join(BACKENDS)}")
    if name == "python":
        return False
    if module() is None:
        if name == "native":
            raise InvalidArgumentError(
                "backend",
                "the native backend is not installed (pip install ./native/python, "
                "see native/README.md)",
            )
        return False
    return True


class Native:
    """One native export's outputs, as the pipeline's encode stage gives them."""

    def __init__(self, result: Any) -> None:
        from ._exporter import Diagnostic
        from .tf.graph_debug_info_pb2 import GraphDebugInfo
        from .tf.meta_graph_pb2 import MetaGraphDef

        self.meta_graph_def = MetaGraphDef.FromString(result.meta_graph_def)
        self.content: bytes = result.file_bytes
        self.debug_info = (
            None if result.debug_info is None else GraphDebugInfo.FromString(result.debug_info)
        )
        self.debug_content: bytes | None = result.debug_info_file_bytes
        self.diagnostics: tuple[Diagnostic, ...] = tuple(
            Diagnostic(code, subject, message) for code, _, subject, message in result.diagnostics
        )


def export(arguments: Arguments, cancellation: Cancellation | None = None) -> Native | None:
    """The native export of ``arguments``, or None where it declines them;
    Cancelled once ``cancellation`` is cancelled."""
    native = module()
    assert native is not None
    if arguments.op_registry is not None:
        return None
    registry = OpList(op=arguments.op_defs).SerializeToString() if arguments.op_defs else None
    pieces = _serialized(arguments)
    if pieces is None:
        return None
    flag = None if cancellation is None else cancellation._flag(native)
    try:
        result = native.export(pieces, registry, flag, lossless=True)
        # The serialized graph is not needed while the result is parsed.
        del pieces
        return Native(result)
    except native.Cancelled:
        raise Cancelled from None
    except native.Unsupported:
        return None
    except native.ExportFailure as failure:
        if failure.category == "MALFORMED_INPUT" and failure.argument == "arguments":
            # Bytes serialized from valid messages that the native decoder
            # refuses: nested deeper than its recursion limit. The reference
            # holds them already decoded.
            return None
        raise _exception(failure) from None


# The message fields of ExportArguments, serialized where they are.
_IN_PLACE = ("meta_info_def", "graph_def", "saver_def", "graph")


def _serialized(arguments: Arguments) -> list[bytes] | None:
    """The serialized ``ExportArguments`` of ``arguments``, without their
    ops (they travel beside, already checked), as pieces whose concatenation
    it is; None for 2 GiB or more.

    The graph is not copied into a message first (the copy would cost more
    than the export), nor are the pieces joined (the extension reads them in
    place): the scalar fields go through a message, and the messages are
    serialized where they are and appended as length-delimited fields, which
    the wire format allows in any order."""
    scalars = dataclasses.replace(
        arguments, op_defs=(), meta_info_def=None, graph_def=None, saver_def=None, graph=None
    ).to_proto()
    pieces = [scalars.SerializeToString()]
    fields = type(scalars).DESCRIPTOR.fields_by_name
    try:
        for name in _IN_PLACE:
            value = getattr(arguments, name)
            if value is not None:
                wire = value.SerializeToString()
                pieces += [_varint(fields[name].number << 3 | 2), _varint(len(wire)), wire]
    except EncodeError:
        # A message of 2 GiB or more has no serialized form to hand over;
        # the Python stages take it as it is (spec EXP-LIMIT-1).
        return None
    if sum(len(piece) for piece in pieces) > MAX_MESSAGE_BYTES:
        return None
    return pieces


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _exception(failure: Any) -> ExportError:
    """The package's exception for a native failure, made by its own
    constructor from the failure's fields, so its message reads as the
    Python stages' does."""
    cls = _ERRORS.get(failure.category, ExportError)
    if cls is GraphTooLargeError:
        return GraphTooLargeError(failure.size)
    if cls is ExportError:
        return ExportError(str(failure))
    return cls(failure.argument, failure.message)


__all__ = [
    "BACKENDS",
    "ENVIRONMENT_VARIABLE",
    "Cancellation",
    "Cancelled",
    "Native",
    "chosen",
    "export",
    "module",
]
