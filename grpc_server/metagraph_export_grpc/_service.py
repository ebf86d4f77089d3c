"""The ExportService servicer: Export, ExportStream, GetInfo and Import."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import grpc
from metagraph_export import __version__ as package_version
from metagraph_export import default_registry
from metagraph_export._pipeline import diagnostic_to_proto
from metagraph_export.errors import DecodeError, ExportError
from metagraph_export.service.v1 import service_pb2
from metagraph_export.service.v1.service_pb2 import (
    Chunk,
    ExportResponse,
    ExportStreamRequest,
    ExportStreamResponse,
    GetInfoRequest,
    GetInfoResponse,
    Limits,
)

from ._cancel import Abandonable, Abandoned
from ._export import Outcome, parse, run_export, write
from ._import import run_import
from ._paths import OutputRoot
from ._status import (
    REQUEST_TOO_LARGE,
    RESPONSE_TOO_LARGE,
    ServiceError,
    export_error_status,
    internal_status,
    service_error_status,
)

logger = logging.getLogger("metagraph_export_grpc")

SERVICE_NAME: str = service_pb2.DESCRIPTOR.services_by_name["ExportService"].full_name
IMPLEMENTATION = "metagraph-export (Python reference)"
SPEC_VERSION = "1.0"

CHUNK_SIZE = 1 << 20
# Room for a chunk's own fields beside its data.
CHUNK_OVERHEAD = 64

T = TypeVar("T")

# The large fields of ExportResponse, in order.
_LARGE_FIELDS = (
    (service_pb2.META_GRAPH_DEF, "meta_graph_def"),
    (service_pb2.META_GRAPH_BYTES, "meta_graph_bytes"),
    (service_pb2.DEBUG_INFO, "debug_info"),
    (service_pb2.DEBUG_INFO_BYTES, "debug_info_bytes"),
)


@dataclass(frozen=True)
class ServiceLimits:
    max_message_bytes: int
    max_stream_bytes: int


class ExportServicer:
    """Runs exports for gRPC calls; holds no state between calls."""

    def __init__(self, output_root: OutputRoot | None, limits: ServiceLimits) -> None:
        self._output_root = output_root
        self._limits = limits
        self._chunk_size = max(1, min(CHUNK_SIZE, limits.max_message_bytes - CHUNK_OVERHEAD))
        # Load the op registry now rather than in the first call.
        self._tensorflow_version = default_registry().tensorflow_version

    def handler(self) -> grpc.GenericRpcHandler:
        """The service's method handlers. Requests arrive as bytes, parsed here,
        so that a malformed one is answered like any other bad input."""
        return grpc.method_handlers_generic_handler(
            SERVICE_NAME,
            {
                "Export": grpc.unary_unary_rpc_method_handler(self.export),
                "ExportStream": grpc.stream_stream_rpc_method_handler(
                    self.export_stream, response_serializer=ExportStreamResponse.SerializeToString
                ),
                "GetInfo": grpc.unary_unary_rpc_method_handler(
                    self.get_info, response_serializer=GetInfoResponse.SerializeToString
                ),
                "Import": grpc.unary_unary_rpc_method_handler(self.import_meta_graph),
            },
        )

    def get_info(self, request: bytes, context: grpc.ServicerContext) -> GetInfoResponse:
        def answer() -> GetInfoResponse:
            parse(request, GetInfoRequest)
            return GetInfoResponse(
                implementation=IMPLEMENTATION,
                version=package_version,
                spec_version=SPEC_VERSION,
                tensorflow_version=self._tensorflow_version,
                limits=Limits(
                    max_message_bytes=self._limits.max_message_bytes,
                    max_stream_bytes=self._limits.max_stream_bytes,
                    filename_writing_enabled=self._output_root is not None,
                ),
            )

        return _answer(context, "GetInfo", answer, GetInfoResponse())

    def import_meta_graph(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        def answer() -> bytes:
            response = run_import(request, self._output_root).SerializeToString()
            if len(response) > self._limits.max_message_bytes:
                raise ServiceError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    RESPONSE_TOO_LARGE,
                    f"the response ({len(response):,} bytes) exceeds the message limit of "
                    f"{self._limits.max_message_bytes:,} bytes",
                )
            return response

        return _answer(context, "Import", answer, b"")

    def export(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        steps = Abandonable(context)

        def answer() -> bytes:
            outcome = run_export(request, self._output_root, steps)
            large = _encode_large_fields(outcome)
            size = sum(len(piece) for piece in large)
            if size > self._limits.max_message_bytes:
                # Refused before any file is written.
                raise ServiceError(
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    RESPONSE_TOO_LARGE,
                    f"the response ({size:,} bytes) exceeds the message limit of "
                    f"{self._limits.max_message_bytes:,} bytes; use ExportStream",
                )
            files = write(outcome, self._output_root, steps)
            head = _head(outcome, files).SerializeToString()
            return b"".join([head, *large])

        return _answer(context, "Export", answer, b"")

    def export_stream(
        self, requests: Iterator[bytes], context: grpc.ServicerContext
    ) -> Iterator[ExportStreamResponse]:
        steps = Abandonable(context)
        outcomes: list[Outcome] = []

        def answer() -> ExportStreamResponse:
            buffer = self._receive(requests)
            steps.check()
            # run_export empties the buffer once it is parsed.
            outcome = run_export(buffer, self._output_root, steps)
            files = write(outcome, self._output_root, steps)
            outcomes.append(outcome)
            return ExportStreamResponse(head=_head(outcome, files))

        head = _answer(context, "ExportStream", answer, None)
        if head is None:
            return
        yield head
        outcome = outcomes.pop()
        for field, name in _LARGE_FIELDS:
            data: bytes | None = getattr(outcome, name)
            if data is None:
                continue
            # Let go of each field once sent (the same bytes may serve two).
            setattr(outcome, name, None)
            for offset in range(0, max(len(data), 1), self._chunk_size):
                if not context.is_active():
                    return
                yield ExportStreamResponse(
                    chunk=Chunk(
                        field=field,
                        data=data[offset : offset + self._chunk_size],
                        field_size=len(data) if offset == 0 else 0,
                    )
                )
            del data

    def _receive(self, requests: Iterator[bytes]) -> bytearray:
        """The serialized ExportRequest, reassembled from its chunks."""
        limit = self._limits.max_stream_bytes
        buffer = bytearray()
        announced: int | None = None
        try:
            for index, raw in enumerate(requests):
                message = parse(raw, ExportStreamRequest)
                del raw
                if message.total_size:
                    if index:
                        raise DecodeError("request", "total_size is set after the first message")
                    if message.total_size < 0:
                        raise DecodeError("request", "total_size is negative")
                    announced = message.total_size
                    if announced > limit:
                        raise _too_large(announced, limit)
                if len(buffer) + len(message.chunk) > (limit if announced is None else announced):
                    if announced is not None:
                        raise DecodeError(
                            "request", f"the stream carries more than total_size={announced} bytes"
                        )
                    raise _too_large(len(buffer) + len(message.chunk), limit)
                buffer += message.chunk
                del message
        except grpc.RpcError:
            # The client went away, or the deadline passed, while sending.
            raise Abandoned from None
        if announced is not None and len(buffer) != announced:
            raise DecodeError(
                "request", f"the stream ended after {len(buffer):,} of {announced:,} bytes"
            )
        return buffer


def _too_large(size: int, limit: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        REQUEST_TOO_LARGE,
        f"request: {size:,} bytes exceed the stream limit of {limit:,} bytes",
        argument="request",
    )


def _head(outcome: Outcome, files: Iterable[str]) -> ExportResponse:
    return ExportResponse(
        diagnostics=[diagnostic_to_proto(diagnostic) for diagnostic in outcome.diagnostics],
        files=files,
    )


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _encode_large_fields(outcome: Outcome) -> list[bytes]:
    """The large fields of the ExportResponse, in wire format, without copying
    their content: a message field's payload is the message serialized."""
    pieces: list[bytes] = []
    for field, name in _LARGE_FIELDS:
        data: bytes | None = getattr(outcome, name)
        if data is not None:
            pieces += [_varint(field << 3 | 2), _varint(len(data)), data]
    return pieces


def _answer(context: grpc.ServicerContext, method: str, answer: Callable[[], T], abandoned: T) -> T:
    """``answer()``, or the call ended with the status its failure maps to."""
    started = time.monotonic()
    try:
        return answer()
    except Abandoned:
        logger.info("%s: abandoned: the call ended (%s)", method, _why_ended(context))
        return abandoned
    except ServiceError as error:
        status = service_error_status(error)
    except ExportError as error:
        status = export_error_status(error)
    except Exception:
        logger.exception("%s: internal error", method)
        status = internal_status("internal error; the server log has the details")
    finally:
        logger.debug("%s: %.3f s", method, time.monotonic() - started)
    logger.info("%s: %s: %s", method, status.code.name, status.details)
    context.abort_with_status(status)
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def _why_ended(context: grpc.ServicerContext) -> str:
    remaining = context.time_remaining()
    if remaining is not None and remaining <= 0:
        return "deadline exceeded"
    return "cancelled"
