"""Any server of the project's gRPC service (metagraph_export.service.v1).

The backend speaks the service through its generated stubs only, so any
server implementing ``service.proto`` can be tested, in any language. The
export runs on the server; the runner judges the response:

* files: a server with an output root writes ``filename`` there; the backend
  sends each case's filename under a directory of its own and maps the paths
  back. A server without one refuses filenames, so the backend sends none and
  takes the files from the bytes the response carries anyway (meta graph and
  debug info), dropping the DEBUG_INFO_NOT_WRITTEN that only its own omission
  caused. Either way the runner's sandbox is not the server's, so cases that
  prepare the sandbox are skipped.
* imports (spec/import.md) go to the ``Import`` RPC, the case's arguments sent
  as they are; a server without it (UNIMPLEMENTED) skips the import cases.
* errors: the category is the ``reason`` of the status's ``google.rpc.ErrorInfo``
  (domain ``metagraph-export``); without one, the status code's category per
  the specification's table (EXP-ERR-6), where that is unambiguous.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import grpc
from metagraph_export._pipeline import debug_file_name
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.saver_pb2 import SaverDef

from . import IMPORT, Backend, BackendError, Broken, Call, Exported, Failed, Imported, Outcome

DOMAIN = "metagraph-export"
_CATEGORIES = ("INVALID_ARGUMENT", "MALFORMED_INPUT", "GRAPH_TOO_LARGE", "WRITE_FAILED")
# The specification's table read backwards, where a code has one category.
_CATEGORY_BY_CODE = {
    grpc.StatusCode.RESOURCE_EXHAUSTED: "GRAPH_TOO_LARGE",
}
_CHUNK = 1 << 20
_run_ids = itertools.count()


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def export_request_bytes(arguments: bytes) -> bytes:
    """A serialized ExportRequest whose ``arguments`` field holds these bytes,
    which need not be a valid ExportArguments."""
    return b"\x0a" + _varint(len(arguments)) + arguments


class GrpcBackend(Backend):
    capabilities: frozenset[str] = frozenset()

    def __init__(self, target: str, timeout: float) -> None:
        self.target = target
        self.name = f"grpc://{target}"
        self.timeout = timeout
        self.channel: grpc.Channel | None = None
        self.stubs: Any = None
        self.max_message = 4 << 20
        self.writes_files = False
        self.run_directory = f"conformance-{os.getpid()}-{next(_run_ids)}"
        self.counter = itertools.count()

    def start(self) -> str:
        try:
            from metagraph_export.service.v1 import service_pb2, service_pb2_grpc
        except ImportError as error:
            raise BackendError(f"the gRPC service's stubs are not available: {error}") from None
        self.service_pb2 = service_pb2
        options = [
            ("grpc.max_send_message_length", -1),
            ("grpc.max_receive_message_length", -1),
        ]
        self.channel = grpc.insecure_channel(self.target, options=options)
        stub = service_pb2_grpc.ExportServiceStub(self.channel)
        self.stubs = stub
        try:
            info = stub.GetInfo(service_pb2.GetInfoRequest(), timeout=self.timeout)
        except grpc.RpcError as error:
            raise BackendError(f"{self.name}: GetInfo failed: {_describe(error)}") from None
        if info.limits.max_message_bytes > 0:
            self.max_message = info.limits.max_message_bytes
        self.writes_files = info.limits.filename_writing_enabled
        self.raw_export = self.channel.unary_unary(
            "/metagraph_export.service.v1.ExportService/Export",
            request_serializer=lambda data: data,
            response_deserializer=service_pb2.ExportResponse.FromString,
        )
        self.raw_stream = self.channel.stream_stream(
            "/metagraph_export.service.v1.ExportService/ExportStream",
            request_serializer=service_pb2.ExportStreamRequest.SerializeToString,
            response_deserializer=service_pb2.ExportStreamResponse.FromString,
        )
        self.raw_import = self.channel.unary_unary(
            "/metagraph_export.service.v1.ExportService/Import",
            request_serializer=lambda data: data,
            response_deserializer=service_pb2.ImportResponse.FromString,
        )
        self.imports = self._implements_import()
        if self.imports:
            self.capabilities = frozenset({IMPORT})
        where = "writes files" if self.writes_files else "writes no files"
        imports = ", imports" if self.imports else ", no Import RPC"
        return f"{info.implementation} {info.version} (spec {info.spec_version}), {where}{imports}"

    def _implements_import(self) -> bool:
        """Whether the server has the Import RPC: an empty meta graph, imported."""
        try:
            self.raw_import(export_request_bytes(b""), timeout=self.timeout)
        except grpc.RpcError as error:
            if isinstance(error, grpc.Call) and error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
        return True

    def import_skip_reason(self) -> str:
        return f"{self.name} does not implement the Import RPC"

    def _import(self, call: Call) -> Outcome:
        # The arguments as the case gives them: raw bytes stay malformed.
        payload = (
            call.raw_import_arguments
            if call.raw_import_arguments is not None
            else call.serialized_import()
        )
        try:
            response = self.raw_import(export_request_bytes(payload), timeout=self.timeout)
        except grpc.RpcError as error:
            return _failure(error)
        saver_def = None
        if response.HasField("saver_def"):
            saver_def = SaverDef()
            saver_def.CopyFrom(response.saver_def)
        return Imported(
            response.snapshot,
            saver_def,
            tuple(response.return_elements.names) if response.HasField("return_elements") else None,
            tuple((d.code, d.subject) for d in response.diagnostics),
        )

    def run(self, call: Call) -> Outcome:
        if call.is_import:
            return self._import(call)
        sent_filename: str | None = None
        dropped_filename: str | None = None
        arguments: ExportArguments | None = ExportArguments()
        assert arguments is not None
        if call.raw_arguments is not None:
            try:
                # Unknown fields survive the round trip.
                arguments.ParseFromString(call.raw_arguments)
            except Exception:
                arguments = None
        else:
            assert call.arguments is not None
            arguments.CopyFrom(call.arguments)
        if arguments is None:
            assert call.raw_arguments is not None
            payload = call.raw_arguments
        else:
            # A NUL is refused before anything else (EXP-ARGS-7, EXP-ARGS-10): sent as is.
            filename = arguments.filename if arguments.HasField("filename") else ""
            if filename and "\x00" not in filename:
                if self.writes_files:
                    prefix = f"{self.run_directory}/{next(self.counter)}/"
                    sent_filename = arguments.filename
                    arguments.filename = prefix + arguments.filename
                else:
                    dropped_filename = arguments.filename
                    arguments.ClearField("filename")
            payload = (
                arguments.SerializeToString()
                if call.raw_arguments is not None
                else arguments.SerializeToString(deterministic=True)
            )
        request = export_request_bytes(payload)
        try:
            response = self._call(request)
        except grpc.RpcError as error:
            return _failure(error)
        save_debug_info = arguments is not None and arguments.save_debug_info
        return self._outcome(response, sent_filename, dropped_filename, save_debug_info)

    def _call(self, request: bytes) -> Any:
        if len(request) < self.max_message // 4:
            return self.raw_export(request, timeout=self.timeout)
        return self._stream(request)

    def _stream(self, request: bytes) -> Any:
        service_pb2 = self.service_pb2

        def chunks() -> Iterator[Any]:
            for start in range(0, max(len(request), 1), _CHUNK):
                message = service_pb2.ExportStreamRequest(chunk=request[start : start + _CHUNK])
                if start == 0:
                    message.total_size = len(request)
                yield message

        response = service_pb2.ExportResponse()
        fields: dict[int, bytearray] = {}
        current = 0
        for part in self.raw_stream(chunks(), timeout=self.timeout):
            if part.WhichOneof("part") == "head":
                response.MergeFrom(part.head)
            else:
                if part.chunk.field != current:
                    current = part.chunk.field
                    fields[current] = bytearray()
                fields[current].extend(part.chunk.data)
        for number, data in fields.items():
            if number == 1:
                response.meta_graph_def.ParseFromString(bytes(data))
            elif number == 2:
                response.meta_graph_bytes = bytes(data)
            elif number == 3:
                response.debug_info.ParseFromString(bytes(data))
            elif number == 4:
                response.debug_info_bytes = bytes(data)
        return response

    def _outcome(
        self,
        response: Any,
        sent_filename: str | None,
        dropped_filename: str | None,
        save_debug_info: bool,
    ) -> Outcome:
        diagnostics = [(d.code, d.subject) for d in response.diagnostics]
        files: dict[str, bytes] = {}
        if sent_filename is not None:
            written = list(response.files)
            names = [sent_filename]
            if len(written) > 1:
                names.append(debug_file_name(sent_filename))
            if len(written) != len(names):
                return Broken(f"the server reports {len(written)} files written: {written}")
            files[names[0]] = response.meta_graph_bytes
            if len(names) > 1:
                files[names[1]] = response.debug_info_bytes
        elif dropped_filename is not None:
            files[dropped_filename] = response.meta_graph_bytes
            if save_debug_info:
                if not response.HasField("debug_info_bytes"):
                    # What an export with the filename does: fail (EXP-DEBUG-4).
                    return Failed(
                        "INVALID_ARGUMENT",
                        "the server could not build the debug info: an export with a "
                        "filename fails",
                    )
                files[debug_file_name(dropped_filename)] = response.debug_info_bytes
                if diagnostics and diagnostics[-1][0] == "DEBUG_INFO_NOT_WRITTEN":
                    diagnostics.pop()
        meta_graph_def = MetaGraphDef()
        meta_graph_def.CopyFrom(response.meta_graph_def)
        return Exported(meta_graph_def, tuple(diagnostics), files=files)

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None


def _failure(error: grpc.RpcError) -> Outcome:
    code = error.code() if isinstance(error, grpc.Call) else None
    reason = _error_reason(error)
    if reason is not None and reason in _CATEGORIES:
        return Failed(reason, _describe(error))
    if reason is None and code == grpc.StatusCode.INVALID_ARGUMENT:
        return Failed("INVALID_ARGUMENT", _describe(error))
    if reason is None and code is not None and code in _CATEGORY_BY_CODE:
        return Failed(_CATEGORY_BY_CODE[code], _describe(error))
    return Broken(
        f"the call failed: {_describe(error)}" + (f" (reason {reason})" if reason else "")
    )


def _error_reason(error: grpc.RpcError) -> str | None:
    try:
        from google.rpc import error_details_pb2  # type: ignore[import-untyped]
        from grpc_status import rpc_status
    except ImportError:
        return None
    status = rpc_status.from_call(error) if isinstance(error, grpc.Call) else None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == DOMAIN:
                reason: str = info.reason
                return reason
    return None


def _describe(error: grpc.RpcError) -> str:
    if isinstance(error, grpc.Call):
        return f"{error.code().name}: {error.details()}"
    return str(error)


__all__ = ["GrpcBackend", "export_request_bytes"]
