"""Errors as gRPC statuses: the specification's table, with rich details.

Every status the service returns for a failed export carries, packed in
``google.rpc.Status.details``:

- a ``google.rpc.ErrorInfo`` with domain ``metagraph-export``, the error
  category (or, for the service's own refusals, a reason of its own) as
  ``reason``, and ``metadata`` naming the exception class (``exception``) and
  its attributes (``argument``, ``what``, ``size``, ``path``), so that a client
  can raise the same exception again;
- a ``google.rpc.BadRequest`` whose field violation names the argument at
  fault (``filename``, ``graph``, ``saver_def``, ...) with the message.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2

# googleapis-common-protos ships stubs but no py.typed marker.
from google.rpc import error_details_pb2, status_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status
from metagraph_export.errors import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)

DOMAIN = "metagraph-export"

# The specification's table (spec/export.md, EXP-ERR-6): the status code of
# each error category. Nothing else decides the status of an exporter error.
STATUS_BY_CATEGORY: dict[str, grpc.StatusCode] = {
    "INVALID_ARGUMENT": grpc.StatusCode.INVALID_ARGUMENT,
    "MALFORMED_INPUT": grpc.StatusCode.INVALID_ARGUMENT,
    "GRAPH_TOO_LARGE": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "WRITE_FAILED": grpc.StatusCode.INTERNAL,
    "INTERNAL": grpc.StatusCode.INTERNAL,
}

# The service's own refusals, which are not export errors.
FILENAME_REFUSED = "FILENAME_REFUSED"
"""``filename`` would write outside the output root, or to something other
than a regular file (INVALID_ARGUMENT)."""
FILENAME_WRITING_DISABLED = "FILENAME_WRITING_DISABLED"
"""The server has no output root, so it writes no file (FAILED_PRECONDITION)."""
FILENAME_READING_DISABLED = "FILENAME_READING_DISABLED"
"""The server has no output root, so an import reads no file (FAILED_PRECONDITION)."""
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
"""An ExportStream request beyond the server's stream limit (RESOURCE_EXHAUSTED)."""
RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
"""An Export response beyond the message limit; ExportStream takes it (RESOURCE_EXHAUSTED)."""
UNAUTHENTICATED = "UNAUTHENTICATED"
"""No valid bearer token (UNAUTHENTICATED)."""


class ServiceError(Exception):
    """A refusal of the service itself, with the status it ends the call with."""

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str,
        message: str,
        *,
        argument: str | None = None,
        error: ExportError | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.argument = argument
        self.error = error
        """The exception a client should raise, when there is one."""


def argument_of(error: ExportError) -> str:
    """The argument (or input) an exporter error is about."""
    if isinstance(error, InvalidArgumentError | ArgumentTypeError):
        return error.argument
    if isinstance(error, DecodeError):
        return error.what
    if isinstance(error, WriteError):
        return "filename"
    if isinstance(error, GraphTooLargeError):
        return "graph"
    return "arguments"


def export_error_status(error: ExportError) -> grpc.Status:
    """The status of an exporter error: its category's code from the table."""
    code = STATUS_BY_CATEGORY.get(error.category, STATUS_BY_CATEGORY["INTERNAL"])
    return _status(code, error.category, str(error), argument_of(error), error)


def service_error_status(error: ServiceError) -> grpc.Status:
    return _status(error.code, error.reason, error.message, error.argument, error.error)


def _status(
    code: grpc.StatusCode,
    reason: str,
    message: str,
    argument: str | None,
    error: ExportError | None,
) -> grpc.Status:
    metadata: dict[str, str] = {}
    if error is not None:
        metadata["exception"] = type(error).__name__
        metadata["category"] = error.category
        for name in ("argument", "what", "size", "path"):
            value = getattr(error, name, None)
            if value is not None:
                metadata[name] = str(value)
    details = [error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)]
    if argument is not None:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=argument, description=message)
                ]
            )
        )
    packed = []
    for detail in details:
        any_message = any_pb2.Any()
        any_message.Pack(detail)
        packed.append(any_message)
    return rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message=message, details=packed)
    )


def internal_status(message: str) -> grpc.Status:
    """The status of a defect: the table's INTERNAL."""
    return _status(STATUS_BY_CATEGORY["INTERNAL"], "INTERNAL", message, None, None)
