"""One export as the service runs it: the reference's, in abandonable steps.

The reference's ``export`` builds the meta graph and writes the files in one
call. The service needs the steps apart: the filename is checked against the
output root before anything is built, the export can be abandoned while it
runs, the bytes and the debug info are returned even without a filename, and
files are written only once the call is known to be still active. So the
export runs without a filename, and the meta graph file and debug file are
encoded and written here exactly as the reference's ``_finish`` does.

Debug info without a filename: TensorFlow (and the reference) build it only
when writing the debug file. The service builds it as if a filename had been
given and returns it; if that fails (an exported operation missing from the
graph, which would fail an export with a filename), it is left out and the
export succeeds, as it does in TensorFlow. The diagnostics are the
reference's either way, DEBUG_INFO_NOT_WRITTEN included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

import grpc
from google.protobuf import message as _message
from metagraph_export import _debug_info
from metagraph_export._api import export
from metagraph_export._arguments import to_kwargs
from metagraph_export._codec import encode
from metagraph_export._exporter import Diagnostic
from metagraph_export._files import debug_file_name
from metagraph_export.errors import DecodeError, InvalidArgumentError
from metagraph_export.service.v1.service_pb2 import ExportRequest
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef

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
    diagnostics: tuple[Diagnostic, ...]
    files: list[tuple[str, str, bytes]]
    """(name as requested, absolute path, content) of each file to write."""


def run_export(
    request: bytes | bytearray, output_root: OutputRoot | None, steps: Abandonable
) -> Outcome:
    """Builds and encodes the export a serialized ExportRequest asks for; raises
    ExportError, ServiceError or Abandoned.

    A bytearray is emptied once parsed, and the request is let go of as soon
    as the export no longer needs it, so that a large one is held once at most.
    """
    arguments = parse(request, ExportRequest).arguments
    if isinstance(request, bytearray):
        request.clear()
    del request
    kwargs = to_kwargs(arguments)
    filename: str | None = kwargs.pop("filename", None) or None
    as_text: bool = kwargs["as_text"]
    save_debug_info: bool = kwargs["save_debug_info"]
    targets: list[tuple[str, str]] = []
    if filename is not None:
        if "\x00" in filename:
            # The reference's own error, before anything else about the file.
            raise InvalidArgumentError("filename", "contains a NUL character")
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
        targets.append((filename, output_root.resolve(filename)))
        if save_debug_info:
            debug_name = debug_file_name(filename)
            targets.append((debug_name, output_root.resolve(debug_name)))
        # With a filename the reference builds the debug info instead of
        # reporting DEBUG_INFO_NOT_WRITTEN.
        kwargs["save_debug_info"] = False

    result = steps.run(export, **kwargs)
    meta_graph_def, diagnostics = result.meta_graph_def, result.diagnostics
    del result
    debug_info: GraphDebugInfo | None = None
    if save_debug_info:
        try:
            debug_info = steps.run(_build_debug_info, meta_graph_def, kwargs)
        except InvalidArgumentError:
            if filename is not None:
                raise
    # The request (and the graph in it) is no longer needed.
    del kwargs, arguments
    steps.check()
    meta_graph_bytes = steps.run(encode, meta_graph_def, as_text)
    wire = meta_graph_bytes if not as_text else steps.run(meta_graph_def.SerializeToString)
    del meta_graph_def
    debug_wire = debug_bytes = None
    if debug_info is not None:
        debug_bytes = steps.run(encode, debug_info, as_text)
        debug_wire = debug_bytes if not as_text else debug_info.SerializeToString()
    contents = [meta_graph_bytes, debug_bytes]
    return Outcome(
        meta_graph_def=wire,
        meta_graph_bytes=meta_graph_bytes,
        debug_info=debug_wire,
        debug_info_bytes=debug_bytes,
        diagnostics=diagnostics,
        files=[
            (name, path, content or b"")
            for (name, path), content in zip(targets, contents, strict=False)
        ],
    )


def _build_debug_info(meta_graph_def: MetaGraphDef, kwargs: dict[str, Any]) -> GraphDebugInfo:
    # The snapshot the reference exported: the graph, or an empty one.
    snapshot = kwargs.get("graph")
    if snapshot is None:
        snapshot = GraphSnapshot()
    return _debug_info.build(meta_graph_def, snapshot, kwargs.get("export_scope"))


def write(outcome: Outcome, output_root: OutputRoot | None, steps: Abandonable) -> list[str]:
    """Writes the outcome's files, all or nothing, if the call is still active."""
    if not outcome.files:
        return []
    assert output_root is not None
    steps.check()
    output_root.write([(name, content) for name, _, content in outcome.files])
    return [name for name, _, _ in outcome.files]
