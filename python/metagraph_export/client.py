"""A client of the metagraph-export gRPC service (``metagraph-export serve``).

>>> from metagraph_export import client
>>> meta_graph_def = client.export_meta_graph(
...     "localhost:50051", graph=snapshot, clear_devices=True)

:func:`export_meta_graph` and :func:`export` take the arguments of
:func:`metagraph_export.export_meta_graph` and :func:`metagraph_export.export`,
plus the server's ``target`` and the connection options of :class:`Client`.
The export runs on the server; ``filename`` is relative to the server's output
root (``--output-root``), and a server without one refuses it. Requests up to
a quarter of the message limit go in one message (``Export``), larger ones in
chunks (``ExportStream``), which carries graphs up to TensorFlow's 2 GB limit.

A failed export raises the exception the reference would have raised
(:mod:`metagraph_export.errors`), rebuilt from the status details the server
sends, with the :class:`grpc.RpcError` as its ``__cause__``. Other failures
(unreachable server, missing token, deadline exceeded) raise the
:class:`grpc.RpcError` itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc

# googleapis-common-protos ships stubs but no py.typed marker.
from google.rpc import error_details_pb2  # type: ignore[import-untyped]
from grpc_status import rpc_status

from ._api import ExportResult, _collection_list, _path, _snapshot
from ._codec import as_message
from ._exporter import GRAPH_SIZE_LIMIT, Diagnostic
from ._registry import custom_op_defs
from ._sizes import byte_size
from .api.v1.export_pb2 import CollectionList, ExportArguments
from .errors import (
    ArgumentTypeError,
    DecodeError,
    ExportError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)
from .service.v1 import service_pb2
from .service.v1.service_pb2 import (
    ExportRequest,
    ExportResponse,
    ExportStreamRequest,
    ExportStreamResponse,
    GetInfoRequest,
    GetInfoResponse,
)
from .service.v1.service_pb2_grpc import ExportServiceStub
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef
from .tf.op_def_pb2 import OpList
from .tf.saver_pb2 import SaverDef

__all__ = ["Client", "RemoteExportResult", "export", "export_meta_graph"]

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
_BOOL_ARGUMENTS = (
    "as_text",
    "clear_devices",
    "clear_extraneous_savers",
    "strip_default_attrs",
    "save_debug_info",
)


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

    def export_meta_graph(
        self,
        filename: str | os.PathLike[str] | None = None,
        meta_info_def: Any = None,
        graph_def: Any = None,
        saver_def: Any = None,
        collection_list: Iterable[str] | None = None,
        as_text: bool = False,
        graph: Any = None,
        export_scope: str | None = None,
        clear_devices: bool = False,
        clear_extraneous_savers: bool = False,
        strip_default_attrs: bool = False,
        save_debug_info: bool = False,
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> MetaGraphDef:
        """:func:`metagraph_export.export_meta_graph`, run by the server."""
        return self.export(
            filename,
            meta_info_def,
            graph_def,
            saver_def,
            collection_list,
            as_text,
            graph,
            export_scope,
            clear_devices,
            clear_extraneous_savers,
            strip_default_attrs,
            save_debug_info,
            timeout=timeout,
            **kwargs,
        ).meta_graph_def

    def export(
        self,
        filename: str | os.PathLike[str] | None = None,
        meta_info_def: Any = None,
        graph_def: Any = None,
        saver_def: Any = None,
        collection_list: Iterable[str] | None = None,
        as_text: bool = False,
        graph: Any = None,
        export_scope: str | None = None,
        clear_devices: bool = False,
        clear_extraneous_savers: bool = False,
        strip_default_attrs: bool = False,
        save_debug_info: bool = False,
        *,
        timeout: float | None = None,
        stream: bool | None = None,
        **kwargs: Any,
    ) -> RemoteExportResult:
        """:func:`metagraph_export.export`, run by the server.

        ``stream`` forces ExportStream (True) or Export (False); by default the
        request's size decides."""
        arguments = export_arguments(
            filename,
            meta_info_def,
            graph_def,
            saver_def,
            collection_list,
            as_text,
            graph,
            export_scope,
            clear_devices,
            clear_extraneous_savers,
            strip_default_attrs,
            save_debug_info,
            **kwargs,
        )
        request = ExportRequest()
        # CopyFrom, not the constructor, which would encode the arguments, and
        # protobuf refuses to encode 2 GiB: send() says so with the typed error.
        request.arguments.CopyFrom(arguments)
        return self.send(request, timeout=timeout, stream=stream)

    def send(
        self, request: ExportRequest, *, timeout: float | None = None, stream: bool | None = None
    ) -> RemoteExportResult:
        """Runs an ExportRequest as it is."""
        automatic = stream is None
        size = byte_size(request)
        if size >= GRAPH_SIZE_LIMIT:
            # protobuf cannot encode it, so no call can carry it.
            raise GraphTooLargeError(size)
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


def export_arguments(
    filename: str | os.PathLike[str] | None = None,
    meta_info_def: Any = None,
    graph_def: Any = None,
    saver_def: Any = None,
    collection_list: Iterable[str] | None = None,
    as_text: bool = False,
    graph: Any = None,
    export_scope: str | None = None,
    clear_devices: bool = False,
    clear_extraneous_savers: bool = False,
    strip_default_attrs: bool = False,
    save_debug_info: bool = False,
    **kwargs: Any,
) -> ExportArguments:
    """The ExportArguments message of export_meta_graph's arguments, checked as
    the reference checks them (types here; values on the server)."""
    flags = {
        "as_text": as_text,
        "clear_devices": clear_devices,
        "clear_extraneous_savers": clear_extraneous_savers,
        "strip_default_attrs": strip_default_attrs,
        "save_debug_info": save_debug_info,
    }
    for name in _BOOL_ARGUMENTS:
        if not isinstance(flags[name], bool):
            raise ArgumentTypeError.expected(name, "a bool", flags[name])
    unbound_inputs_col_name = kwargs.pop("unbound_inputs_col_name", "unbound_inputs")
    op_defs = kwargs.pop("op_defs", None)
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise ArgumentTypeError("kwargs", f"unexpected keyword argument(s): {names}")
    if unbound_inputs_col_name is not None and not isinstance(unbound_inputs_col_name, str):
        raise ArgumentTypeError.expected(
            "unbound_inputs_col_name", "a str or None", unbound_inputs_col_name
        )
    if export_scope is not None and not isinstance(export_scope, str):
        raise ArgumentTypeError.expected("export_scope", "a str or None", export_scope)
    arguments = ExportArguments(
        as_text=as_text,
        clear_devices=clear_devices,
        clear_extraneous_savers=clear_extraneous_savers,
        strip_default_attrs=strip_default_attrs,
        save_debug_info=save_debug_info,
    )
    path = _path(filename)
    if path is not None:
        arguments.filename = path
    if meta_info_def is not None:
        arguments.meta_info_def.CopyFrom(
            as_message(meta_info_def, MetaGraphDef.MetaInfoDef, "meta_info_def")
        )
    if graph_def is not None:
        arguments.graph_def.CopyFrom(as_message(graph_def, GraphDef, "graph_def"))
    if saver_def is not None:
        arguments.saver_def.CopyFrom(as_message(saver_def, SaverDef, "saver_def"))
    keys = _collection_list(collection_list)
    if keys is not None:
        arguments.collection_list.CopyFrom(CollectionList(keys=keys))
    snapshot = _snapshot(graph, stack_traces=save_debug_info)
    if snapshot is not None:
        arguments.graph.CopyFrom(snapshot)
    if export_scope is not None:
        arguments.export_scope = export_scope
    if unbound_inputs_col_name != "unbound_inputs":
        # "" stands for None.
        arguments.unbound_inputs_col_name = unbound_inputs_col_name or ""
    if op_defs is not None:
        arguments.op_defs.CopyFrom(OpList(op=custom_op_defs(op_defs)))
    return arguments


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


def _client(
    target: str,
    credentials: grpc.ChannelCredentials | None,
    tls: bool,
    root_certificates: bytes | None,
    private_key: bytes | None,
    certificate_chain: bytes | None,
    token: str | None,
    options: Sequence[tuple[str, Any]],
    max_message_bytes: int,
) -> Client:
    return Client(
        target,
        credentials=credentials,
        tls=tls,
        root_certificates=root_certificates,
        private_key=private_key,
        certificate_chain=certificate_chain,
        token=token,
        options=options,
        max_message_bytes=max_message_bytes,
    )


def export(
    target: str,
    filename: str | os.PathLike[str] | None = None,
    meta_info_def: Any = None,
    graph_def: Any = None,
    saver_def: Any = None,
    collection_list: Iterable[str] | None = None,
    as_text: bool = False,
    graph: Any = None,
    export_scope: str | None = None,
    clear_devices: bool = False,
    clear_extraneous_savers: bool = False,
    strip_default_attrs: bool = False,
    save_debug_info: bool = False,
    *,
    credentials: grpc.ChannelCredentials | None = None,
    tls: bool = False,
    root_certificates: bytes | None = None,
    private_key: bytes | None = None,
    certificate_chain: bytes | None = None,
    token: str | None = None,
    timeout: float | None = None,
    options: Sequence[tuple[str, Any]] = (),
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    stream: bool | None = None,
    **kwargs: Any,
) -> RemoteExportResult:
    """:func:`metagraph_export.export` on the server at ``target``; see :class:`Client`."""
    with _client(
        target,
        credentials,
        tls,
        root_certificates,
        private_key,
        certificate_chain,
        token,
        options,
        max_message_bytes,
    ) as client:
        return client.export(
            filename,
            meta_info_def,
            graph_def,
            saver_def,
            collection_list,
            as_text,
            graph,
            export_scope,
            clear_devices,
            clear_extraneous_savers,
            strip_default_attrs,
            save_debug_info,
            timeout=timeout,
            stream=stream,
            **kwargs,
        )


def export_meta_graph(
    target: str,
    filename: str | os.PathLike[str] | None = None,
    meta_info_def: Any = None,
    graph_def: Any = None,
    saver_def: Any = None,
    collection_list: Iterable[str] | None = None,
    as_text: bool = False,
    graph: Any = None,
    export_scope: str | None = None,
    clear_devices: bool = False,
    clear_extraneous_savers: bool = False,
    strip_default_attrs: bool = False,
    save_debug_info: bool = False,
    *,
    credentials: grpc.ChannelCredentials | None = None,
    tls: bool = False,
    root_certificates: bytes | None = None,
    private_key: bytes | None = None,
    certificate_chain: bytes | None = None,
    token: str | None = None,
    timeout: float | None = None,
    options: Sequence[tuple[str, Any]] = (),
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    **kwargs: Any,
) -> MetaGraphDef:
    """:func:`metagraph_export.export_meta_graph` on the server at ``target``:
    the same arguments, the same ``MetaGraphDef``, the same exceptions."""
    return export(
        target,
        filename,
        meta_info_def,
        graph_def,
        saver_def,
        collection_list,
        as_text,
        graph,
        export_scope,
        clear_devices,
        clear_extraneous_savers,
        strip_default_attrs,
        save_debug_info,
        credentials=credentials,
        tls=tls,
        root_certificates=root_certificates,
        private_key=private_key,
        certificate_chain=certificate_chain,
        token=token,
        timeout=timeout,
        options=options,
        max_message_bytes=max_message_bytes,
        **kwargs,
    ).meta_graph_def
