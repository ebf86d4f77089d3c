"""The reference implementation, called in this process."""

from __future__ import annotations

import traceback

import metagraph_export
from google.protobuf import message as _message
from metagraph_export._pipeline import Arguments, run
from metagraph_export.api.v1.export_pb2 import ExportArguments

from . import FILESYSTEM, SYNTHESIZED, Backend, Broken, Call, Exported, Failed, Outcome


def parse_arguments(data: bytes) -> ExportArguments | Failed:
    """Parses serialized ExportArguments as any implementation must: bytes
    that are not a valid encoding are malformed input."""
    arguments = ExportArguments()
    try:
        arguments.ParseFromString(data)
    except _message.DecodeError as error:
        return Failed("MALFORMED_INPUT", f"arguments: {error or 'not a valid ExportArguments'}")
    return arguments


class PythonBackend(Backend):
    name = "python"
    capabilities = frozenset({FILESYSTEM, SYNTHESIZED})

    def start(self) -> str:
        return f"metagraph-export {metagraph_export.__version__} (Python reference, in process)"

    def run(self, call: Call) -> Outcome:
        if call.raw_arguments is not None:
            parsed = parse_arguments(call.raw_arguments)
            if isinstance(parsed, Failed):
                return parsed
            call = Call(call.case_id, call.sandbox, parsed)
        arguments = call.localized()
        before = None if call.too_large_to_serialize else arguments.SerializeToString()
        try:
            result = run(Arguments.from_proto(arguments))
        except metagraph_export.ExportError as error:
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
