"""The reference implementation, called in this process: its Python stages
(``python``), or the native ones (``native``, where installed)."""

from __future__ import annotations

import importlib
import traceback

from google.protobuf import message as _message
from metagraph_export import __version__ as package_version
from metagraph_export._pipeline import Arguments, import_from_proto, run
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.api.v1.import_pb2 import ImportArguments
from metagraph_export.errors import ExportError

from . import (
    FILESYSTEM,
    IMPORT,
    SYNTHESIZED,
    Backend,
    BackendError,
    Broken,
    Call,
    Exported,
    Failed,
    Imported,
    Outcome,
)


def parse_arguments(data: bytes) -> ExportArguments | Failed:
    """Parses serialized ExportArguments as any implementation must: bytes
    that are not a valid encoding are malformed input."""
    arguments = ExportArguments()
    try:
        arguments.ParseFromString(data)
    except _message.DecodeError as error:
        return Failed("MALFORMED_INPUT", f"arguments: {error or 'not a valid ExportArguments'}")
    return arguments


def parse_import_arguments(data: bytes) -> ImportArguments | Failed:
    """Parses serialized ImportArguments; bytes that are not a valid encoding
    are malformed input (IMP-ERR-1)."""
    arguments = ImportArguments()
    try:
        arguments.ParseFromString(data)
    except _message.DecodeError as error:
        return Failed("MALFORMED_INPUT", f"arguments: {error or 'not a valid ImportArguments'}")
    return arguments


class PythonBackend(Backend):
    def __init__(self, *, native: bool = False) -> None:
        self.name = "native" if native else "python"
        self.capabilities = frozenset(
            {FILESYSTEM, SYNTHESIZED} if native else {FILESYSTEM, SYNTHESIZED, IMPORT}
        )

    def import_skip_reason(self) -> str:
        return "import is not implemented natively"

    def start(self) -> str:
        version = package_version
        if self.name == "python":
            return f"metagraph-export {version} (Python reference, in process)"
        try:
            native = importlib.import_module("metagraph_export_native")
        except ImportError:
            raise BackendError(
                "native: metagraph_export_native is not installed (native/README.md)"
            ) from None
        native_version = getattr(native, "__version__", "?")
        return f"metagraph-export {version} with metagraph-export-native {native_version}"

    def run(self, call: Call) -> Outcome:
        if call.is_import:
            return self._import(call)
        if call.raw_arguments is not None:
            parsed = parse_arguments(call.raw_arguments)
            if isinstance(parsed, Failed):
                return parsed
            call = Call(call.case_id, call.sandbox, parsed)
        arguments = call.localized()
        before = None if call.too_large_to_serialize else arguments.SerializeToString()
        try:
            result = run(Arguments.from_proto(arguments, backend=self.name))
        except ExportError as error:
            return Failed(error.category, str(error))
        except Exception:
            return Broken(
                "the reference raised an unexpected exception:\n" + traceback.format_exc()
            )
        if before is not None and arguments.SerializeToString() != before:
            # Only an in-process backend can show this (spec EXP-ARGS-11).
            return Broken("the export modified its arguments (EXP-ARGS-11)")
        return Exported(
            result.meta_graph_def,
            tuple((diagnostic.code, diagnostic.subject) for diagnostic in result.diagnostics),
        )

    def _import(self, call: Call) -> Outcome:
        if call.raw_import_arguments is not None:
            parsed = parse_import_arguments(call.raw_import_arguments)
            if isinstance(parsed, Failed):
                return parsed
            call = Call(call.case_id, call.sandbox, None, import_arguments=parsed)
        arguments = call.localized_import()
        before = arguments.SerializeToString()
        try:
            result = import_from_proto(arguments)
        except ExportError as error:
            return Failed(error.category, str(error))
        except Exception:
            return Broken(
                "the reference raised an unexpected exception:\n" + traceback.format_exc()
            )
        if arguments.SerializeToString() != before:
            return Broken("the import modified its arguments (IMP-ARGS-6)")
        return Imported(
            result.snapshot,
            result.saver_def,
            None if result.return_elements is None else tuple(result.return_elements),
            tuple((diagnostic.code, diagnostic.subject) for diagnostic in result.diagnostics),
        )
