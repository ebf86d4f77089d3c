"""The native backend: the export's request, build and encode stages in Rust.

``metagraph_export_native`` (``native/`` in the source tree, built by maturin)
implements the same specification; where it is installed, the pipeline hands
it the serialized arguments and takes back the encoded export, byte for byte
what the Python stages produce. Files are still written by the pipeline.

Which backend runs: the ``backend`` argument, else the environment variable
``METAGRAPH_EXPORT_BACKEND``: ``python``, ``native`` (an error where it is not
installed), or ``auto`` (the default: native where installed). The native
backend declines what it does not implement (a scope that is not portable,
spec EXP-SCOPE-7; a replaced op registry, which has no serialized form here)
and arguments too large to serialize (2 GiB or more): the Python stages then
run instead.
"""

from __future__ import annotations

import functools
import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING, Any

from google.protobuf.message import EncodeError

from .errors import (
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


def export(arguments: Arguments) -> Native | None:
    """The native export of ``arguments``, or None where it declines them."""
    native = module()
    assert native is not None
    if arguments.op_registry is not None:
        return None
    registry = OpList(op=arguments.op_defs).SerializeToString() if arguments.op_defs else None
    # The ops travel beside the arguments, already checked by the caller.
    message = arguments.to_proto()
    message.ClearField("op_defs")
    try:
        arguments_bytes = message.SerializeToString()
    except EncodeError:
        # Arguments of 2 GiB or more have no serialized form to hand over;
        # the Python stages take the message as it is (spec EXP-LIMIT-1).
        return None
    try:
        return Native(native.export(arguments_bytes, registry))
    except native.Unsupported:
        return None
    except native.ExportFailure as failure:
        raise _exception(failure) from None


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


__all__ = ["BACKENDS", "ENVIRONMENT_VARIABLE", "Native", "chosen", "export", "module"]
