"""One export as the service runs it: the pipeline's stages, abandonable.

The service runs the stages of the export pipeline one by one
rather than all at once: the filename is checked against the output root
before anything is built, the export can be abandoned between stages, the
file contents and the debug info are returned even without a filename, and
files are written only once the call is known to be still active.

Debug info without a filename: TensorFlow (and the reference) build it only
when writing the debug file. The service builds it as if a filename had been
given and returns it; if that fails (an exported operation missing from the
graph, which would fail an export with a filename), it is left out and the
export succeeds, as it does in TensorFlow. The diagnostics are the
reference's either way, DEBUG_INFO_NOT_WRITTEN included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, cast

import grpc
from google.protobuf import message as _message
from metagraph_export import _pipeline
from metagraph_export.errors import DecodeError, InvalidArgumentError
from metagraph_export.service.v1.service_pb2 import ExportRequest

from ._cancel import Abandonable
from ._paths import OutputRoot
from ._status import FILENAME_WRITING_DISABLED, ServiceError

M = TypeVar("M", bound=_message.Message)


def parse(data: bytes | bytearray, cls: type[M]) -> M:
    """A request message, or the reference's DecodeError."""
    parsed = cls()
    try:
        # Any buffer parses; the stubs only say bytes.
        parsed.ParseFromString(cast(bytes, data))
    except _message.DecodeError as error:
        name = cls.DESCRIPTOR.full_name
        raise DecodeError("request", f"not a valid {name}: {error or 'malformed'}") from None
    return parsed


@dataclass
class Outcome:
    """What an export produced, encoded, with its files not yet written."""

    meta_graph_def: bytes
    """The serialized MetaGraphDef (the same object as meta_graph_bytes in binary)."""
    meta_graph_bytes: bytes
    debug_info: bytes | None
    """The serialized GraphDebugInfo, when there is one."""
    debug_info_bytes: bytes | None
    diagnostics: tuple[_pipeline.Diagnostic, ...]
    filename: str | None
    """The meta graph file as requested, relative to the output root."""


def run_export(
    request: bytes | bytearray, output_root: OutputRoot | None, steps: Abandonable
) -> Outcome:
    """Builds and encodes the export a serialized ExportRequest asks for; raises
    ExportError, ServiceError or Abandoned.

    A bytearray is emptied once parsed, and the request is let go of as soon
    as the export no longer needs it, so that a large one is held once at most.
    """
    message = parse(request, ExportRequest).arguments
    if isinstance(request, bytearray):
        request.clear()
    del request
    arguments = _pipeline.Arguments.from_proto(message)
    del message
    filename = arguments.filename
    if filename is not None:
        if output_root is None:
            error = InvalidArgumentError(
                "filename",
                "this server writes no files (it has no output root); leave filename "
                "unset and take the bytes from the response",
            )
            raise ServiceError(
                grpc.StatusCode.FAILED_PRECONDITION,
                FILENAME_WRITING_DISABLED,
                str(error),
                argument="filename",
                error=error,
            )
        # Refused early, before anything is built.
        output_root.resolve(filename)
        if arguments.save_debug_info:
            output_root.resolve(_pipeline.debug_file_name(filename))

    encoded = steps.run(
        _pipeline.build_and_encode, arguments, contents=True, cancellation=steps.cancellation
    )
    as_text = arguments.as_text
    # The request (and the graph in it) is no longer needed.
    del arguments
    steps.check()
    content, debug_content = encoded.content, encoded.debug_content
    # Without a streaming writer (stream_large), the content is bytes.
    assert isinstance(content, bytes)
    wire = content if not as_text else steps.run(encoded.meta_graph_def.SerializeToString)
    debug_wire = None
    if encoded.debug_info is not None:
        debug_wire = debug_content if not as_text else encoded.debug_info.SerializeToString()
    return Outcome(
        meta_graph_def=wire,
        meta_graph_bytes=content,
        debug_info=debug_wire,
        debug_info_bytes=debug_content,
        diagnostics=encoded.diagnostics,
        filename=filename,
    )


def write(outcome: Outcome, output_root: OutputRoot | None, steps: Abandonable) -> list[str]:
    """Writes the outcome's files, all or nothing, if the call is still active."""
    if outcome.filename is None:
        return []
    assert output_root is not None
    steps.check()
    return list(
        output_root.write(outcome.filename, outcome.meta_graph_bytes, outcome.debug_info_bytes)
    )
