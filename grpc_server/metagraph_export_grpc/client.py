"""A client of the metagraph-export gRPC service (``metagraph-export serve``).

>>> from metagraph_export_grpc import client
>>> meta_graph_def = client.export_meta_graph(
...     "localhost:50051", graph=snapshot, clear_devices=True)

:func:`export_meta_graph` and :func:`export` take the server's ``target``, then
the arguments of :func:`metagraph_export.export_meta_graph` (checked by the
same code as in process), and as keywords the connection options of
:class:`Client` (``credentials``, ``tls``, ``root_certificates``,
``private_key``, ``certificate_chain``, ``token``, ``options``,
``max_message_bytes``) and of one call (``timeout``, ``stream``). The export
runs on the server; ``filename`` is relative to the server's output root
(``--output-root``), and a server without one refuses it. Requests up to a
quarter of the message limit go in one message (``Export``), larger ones in
chunks (``ExportStream``), which carries graphs up to TensorFlow's 2 GB limit.

A failed export raises the exception the reference would have raised
(:mod:`metagraph_export.errors`), rebuilt from the status details the server
sends, with the :class:`grpc.RpcError` as its ``__cause__``. Other failures
(unreachable server, missing token, deadline exceeded) raise the
:class:`grpc.RpcError` itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import grpc

# googleapis-common-protos ships stubs but no py.typed marker.
from google.rpc import error_details_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status
from metagraph_export._pipeline import (
    Arguments,
    Diagnostic,
    ExportResult,
    ImportDiagnostic,
    ImportResult,
    check_size,
    export_arguments,
    import_arguments_to_proto,
    measured_size,
)
from metagraph_export.errors import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)
from metagraph_export.service.v1 import service_pb2
from metagraph_export.service.v1.service_pb2 import (
    ExportRequest,
    ExportResponse,
    ExportStreamRequest,
    ExportStreamResponse,
    GetInfoRequest,
    GetInfoResponse,
    ImportRequest,
    ImportResponse,
)
from metagraph_export.service.v1.service_pb2_grpc import ExportServiceStub
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["Client", "RemoteExportResult", "export", "export_meta_graph", "import_meta_graph"]

DOMAIN = "metagraph-export"
DEFAULT_MAX_MESSAGE_BYTES = 4 << 20
"""gRPC's default message limit, assumed of a server unless told otherwise."""
CHUNK_SIZE = 1 << 20

_EXCEPTIONS: dict[str, type[ExportError]] = {
    cls.__name__: cls
    for cls in (
        InvalidArgumentError,
        ArgumentTypeError,
        DecodeError,
        GraphTooLargeError,
        WriteError,
    )
}
# Keywords a remote call takes beside export_meta_graph's arguments.
_CONNECTION_OPTIONS = frozenset(
    {
        "credentials",
        "tls",
        "root_certificates",
        "private_key",
        "certificate_chain",
        "token",
        "options",
        "max_message_bytes",
    }
)
_CALL_OPTIONS = frozenset({"timeout", "stream"})


@dataclass(frozen=True)
class RemoteExportResult(ExportResult):
    """An :class:`ExportResult` from the service, with the bytes it wrote or would write.

    ``files`` are relative to the server's output root. ``debug_info`` is set
    whenever ``save_debug_info`` is, with or without a filename."""

    meta_graph_bytes: bytes = b""
    """The exact content of the meta graph file: binary or text per ``as_text``."""
    debug_info_bytes: bytes | None = None
    """The exact content of the debug file, with ``debug_info``."""


class Client:
    """A channel to one server (or a load-balanced set of replicas).

    ``target`` is any gRPC target: ``host:port``, ``dns:///name:port``, or
    ``ipv4:10.0.0.1:50051,10.0.0.2:50051`` with
    ``options=[("grpc.lb_policy_name", "round_robin")]`` to spread calls over
    replicas. TLS: pass ``credentials``, or ``root_certificates`` (PEM; None
    with ``tls=True`` uses the system's roots) and, for a server that wants
    client certificates, ``private_key`` and ``certificate_chain``. ``token``
    is sent as ``authorization: Bearer <token>``. ``max_message_bytes`` is the
    server's message limit (GetInfo tells it); requests beyond a quarter of it
    use ExportStream, and an Export refused as too large is retried that way.
    """

    def __init__(
        self,
        target: str,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        tls: bool = False,
        root_certificates: bytes | None = None,
        private_key: bytes | None = None,
        certificate_chain: bytes | None = None,
        token: str | None = None,
        options: Sequence[tuple[str, Any]] = (),
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        channel_options = [
            # The server enforces its own limits; ExportStream chunks stay below them.
            ("grpc.max_receive_message_length", -1),
            ("grpc.max_send_message_length", -1),
            *options,
        ]
        if credentials is None and (tls or root_certificates or private_key or certificate_chain):
            credentials = grpc.ssl_channel_credentials(
                root_certificates=root_certificates,
                private_key=private_key,
                certificate_chain=certificate_chain,
            )
        if credentials is not None:
            self._channel = grpc.secure_channel(target, credentials, options=channel_options)
        else:
            self._channel = grpc.insecure_channel(target, options=channel_options)
        self._stub = ExportServiceStub(self._channel)
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token is not None else ()
        )
        self.max_message_bytes = max_message_bytes
        self.chunk_size = chunk_size

    @property
    def channel(self) -> grpc.Channel:
        return self._channel

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def get_info(self, timeout: float | None = None) -> GetInfoResponse:
        """The server's implementation, versions and limits."""
        response: GetInfoResponse = self._stub.GetInfo(
            GetInfoRequest(), timeout=timeout, metadata=self._metadata
        )
        return response

    def run(
        self,
        arguments: Arguments,
        *,
        timeout: float | None = None,
        stream: bool | None = None,
    ) -> RemoteExportResult:
        """Runs checked arguments on the server. ``stream`` forces ExportStream
        (True) or Export (False); by default the request's size decides."""
        request = ExportRequest()
        # CopyFrom, not the constructor, which would encode the arguments, and
        # protobuf refuses to encode 2 GiB: send() says so with the typed error.
        request.arguments.CopyFrom(arguments.to_proto())
        return self.send(request, timeout=timeout, stream=stream)

    def export(self, *args: Any, **kwargs: Any) -> RemoteExportResult:
        """:func:`metagraph_export.export`, run by the server: its arguments,
        plus ``timeout`` and ``stream`` (see :meth:`run`)."""
        options: dict[str, Any] = {name: kwargs.pop(name) for name in _CALL_OPTIONS & kwargs.keys()}
        return self.run(export_arguments(*args, **kwargs), **options)

    def export_meta_graph(self, *args: Any, **kwargs: Any) -> MetaGraphDef:
        """:func:`metagraph_export.export_meta_graph`, run by the server."""
        return self.export(*args, **kwargs).meta_graph_def

    def import_meta_graph(
        self, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> ImportResult:
        """:func:`metagraph_export.import_meta_graph`, run by the server (the
        ``Import`` RPC): the same arguments, except that a file name is relative
        to the server's output root (refused by a server without one), and the
        target ``graph`` is sent as its snapshot."""
        request = ImportRequest()
        request.arguments.CopyFrom(import_arguments_to_proto(*args, **kwargs))
        return self.send_import(request, timeout=timeout)

    def send_import(self, request: ImportRequest, *, timeout: float | None = None) -> ImportResult:
        """Runs an ImportRequest as it is."""
        try:
            response: ImportResponse = self._stub.Import(
                request, timeout=timeout, metadata=self._metadata
            )
        except grpc.RpcError as error:
            typed = exception_from_status(error)
            if typed is None:
                raise
            raise typed from error
        return ImportResult(
            snapshot=response.snapshot,
            saver_def=response.saver_def if response.HasField("saver_def") else None,
            return_elements=(
                list(response.return_elements.names)
                if response.HasField("return_elements")
                else None
            ),
            diagnostics=[
                ImportDiagnostic(item.code, item.subject, item.message, item.severity)
                for item in response.diagnostics
            ],
        )

    def send(
        self, request: ExportRequest, *, timeout: float | None = None, stream: bool | None = None
    ) -> RemoteExportResult:
        """Runs an ExportRequest as it is."""
        automatic = stream is None
        size = measured_size(request)
        # protobuf cannot encode beyond the limit, so no call can carry it.
        check_size(size)
        if stream is None:
            stream = size > self.max_message_bytes // 4
        try:
            if not stream:
                try:
                    response: ExportResponse = self._stub.Export(
                        request, timeout=timeout, metadata=self._metadata
                    )
                    return _result(response)
                except grpc.RpcError as error:
                    if not (automatic and _too_large_for_one_message(error)):
                        raise
            return self._export_stream(request, timeout)
        except grpc.RpcError as error:
            typed = exception_from_status(error)
            if typed is None:
                raise
            raise typed from error

    def _export_stream(self, request: ExportRequest, timeout: float | None) -> RemoteExportResult:
        data = request.SerializeToString()
        chunk_size = self.chunk_size

        def chunks() -> Iterator[ExportStreamRequest]:
            for offset in range(0, max(len(data), 1), chunk_size):
                yield ExportStreamRequest(
                    chunk=data[offset : offset + chunk_size],
                    total_size=len(data) if offset == 0 else 0,
                )

        responses: Iterator[ExportStreamResponse] = self._stub.ExportStream(
            chunks(), timeout=timeout, metadata=self._metadata
        )
        return assemble_stream(responses)


def assemble_stream(responses: Iterable[ExportStreamResponse]) -> RemoteExportResult:
    """The result of an ExportStream call from its responses."""
    head: ExportResponse | None = None
    fields: dict[int, bytearray] = {}
    for response in responses:
        part = response.WhichOneof("part")
        if part == "head":
            if head is not None:
                raise DecodeError("response", "a second head in the stream")
            head = response.head
        elif part == "chunk":
            if head is None:
                raise DecodeError("response", "a chunk before the head")
            chunk = response.chunk
            buffer = fields.get(chunk.field)
            if buffer is None:
                buffer = fields[chunk.field] = bytearray()
            buffer += chunk.data
    if head is None:
        raise DecodeError("response", "the stream ended without a response")
    meta_graph_def = MetaGraphDef()
    # Any buffer parses; the stubs only say bytes.
    meta_graph_def.ParseFromString(cast(bytes, fields.pop(service_pb2.META_GRAPH_DEF, b"")))
    meta_graph_bytes = bytes(fields.pop(service_pb2.META_GRAPH_BYTES, b""))
    debug_info: GraphDebugInfo | None = None
    debug_info_bytes: bytes | None = None
    if service_pb2.DEBUG_INFO in fields:
        debug_info = GraphDebugInfo()
        debug_info.ParseFromString(cast(bytes, fields.pop(service_pb2.DEBUG_INFO)))
        debug_info_bytes = bytes(fields.pop(service_pb2.DEBUG_INFO_BYTES, b""))
    return RemoteExportResult(
        meta_graph_def=meta_graph_def,
        diagnostics=_diagnostics(head),
        debug_info=debug_info,
        files=tuple(head.files),
        meta_graph_bytes=meta_graph_bytes,
        debug_info_bytes=debug_info_bytes,
    )


def _result(response: ExportResponse) -> RemoteExportResult:
    has_debug_info = response.HasField("debug_info")
    return RemoteExportResult(
        meta_graph_def=response.meta_graph_def,
        diagnostics=_diagnostics(response),
        debug_info=response.debug_info if has_debug_info else None,
        files=tuple(response.files),
        meta_graph_bytes=response.meta_graph_bytes,
        debug_info_bytes=response.debug_info_bytes if has_debug_info else None,
    )


def _diagnostics(response: ExportResponse) -> tuple[Diagnostic, ...]:
    return tuple(
        Diagnostic(code=item.code, subject=item.subject, message=item.message)
        for item in response.diagnostics
    )


def _error_info(error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    try:
        status = rpc_status.from_call(cast(grpc.Call, error))
    except ValueError:
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == DOMAIN:
                return info
    return None


def _too_large_for_one_message(error: grpc.RpcError) -> bool:
    """Whether Export failed for the size of its request or response only."""
    if cast(grpc.Call, error).code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
        return False
    info = _error_info(error)
    # Without details: gRPC's own message limit, before the server saw the request.
    return info is None or info.reason == "RESPONSE_TOO_LARGE"


def exception_from_status(error: grpc.RpcError) -> ExportError | None:
    """The metagraph_export exception a failed call stands for, if any."""
    info = _error_info(error)
    if info is None:
        return None
    cls = _EXCEPTIONS.get(info.metadata.get("exception", ""))
    if cls is None:
        return None
    message = cast(grpc.Call, error).details() or ""
    # Built without its constructor, so that str() is the server's message exactly.
    exception = cls.__new__(cls)
    Exception.__init__(exception, message)
    for name in ("argument", "what", "path"):
        if name in info.metadata:
            setattr(exception, name, info.metadata[name])
    if "size" in info.metadata:
        exception.size = int(info.metadata["size"])  # type: ignore[attr-defined]
    return exception


def _remote(
    signature: Callable[P, Arguments], result: Callable[[RemoteExportResult], R]
) -> Callable[Concatenate[str, P], R]:
    """A call on the server at a target: ``signature``'s arguments, and the
    connection and call options as keywords."""

    def call(target: str, /, *args: P.args, **kwargs: P.kwargs) -> R:
        connection: dict[str, Any] = {
            name: kwargs.pop(name) for name in _CONNECTION_OPTIONS & kwargs.keys()
        }
        options: dict[str, Any] = {name: kwargs.pop(name) for name in _CALL_OPTIONS & kwargs.keys()}
        arguments = signature(*args, **kwargs)
        with Client(target, **connection) as client:
            return result(client.run(arguments, **options))

    parameters = list(inspect.signature(signature).parameters.values())
    target = inspect.Parameter("target", inspect.Parameter.POSITIONAL_ONLY, annotation="str")
    call.__signature__ = inspect.Signature([target, *parameters])  # type: ignore[attr-defined]
    return call


def _as_is(result: RemoteExportResult) -> RemoteExportResult:
    return result


def _meta_graph_def(result: RemoteExportResult) -> MetaGraphDef:
    return result.meta_graph_def


export = _remote(export_arguments, _as_is)
"""``metagraph_export.export`` on the server at ``target`` (see the module's doc)."""
export_meta_graph = _remote(export_arguments, _meta_graph_def)
"""``metagraph_export.export_meta_graph`` on the server at ``target``: the same
arguments, the same ``MetaGraphDef``, the same exceptions."""


def import_meta_graph(target: str, /, *args: Any, **kwargs: Any) -> ImportResult:
    """``metagraph_export.import_meta_graph`` on the server at ``target``: the same
    arguments (a file name relative to the server's output root), the connection
    options of :class:`Client` and ``timeout`` as keywords; the same exceptions."""
    connection: dict[str, Any] = {
        name: kwargs.pop(name) for name in _CONNECTION_OPTIONS & kwargs.keys()
    }
    with Client(target, **connection) as client:
        return client.import_meta_graph(*args, **kwargs)
