"""The gRPC service over a real loopback channel, against in-process servers.

Every RPC, every status code of the specification's table (EXP-ERR-6), the
output root's defences, reflection, health, authentication and TLS.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import grpc
import metagraph_export
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status
from metagraph_export._files import debug_file_name
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.errors import (
    DecodeError,
    GraphTooLargeError,
    InvalidArgumentError,
    WriteError,
)
from metagraph_export.service.v1 import service_pb2
from metagraph_export.service.v1.service_pb2 import (
    ExportRequest,
    ExportResponse,
    ExportStreamRequest,
    GetInfoRequest,
)
from metagraph_export.service.v1.service_pb2_grpc import ExportServiceStub
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export_grpc import STATUS_BY_CATEGORY, ExportServer, client
from test_grpc_support import (
    REPO_ROOT,
    SERVICE,
    constants_graph,
    example_snapshot,
    files_below,
    health_stub,
    in_process_server,
    make_certificates,
    many_nodes_graph,
    raw_call,
    wait_until,
)

# googleapis-common-protos ships stubs but no py.typed marker.
from google.rpc import error_details_pb2  # type: ignore[import-untyped]  # isort: skip

OPTIONS: list[dict[str, Any]] = [
    {},
    {"as_text": True},
    {"clear_devices": True, "strip_default_attrs": True},
    {"export_scope": "model", "save_debug_info": True},
    {"clear_extraneous_savers": True, "saver_def_from_graph": True},
    {"collection_list": ["variables", "trainable_variables"], "as_text": True},
    {"unbound_inputs_col_name": None, "export_scope": "model"},
]


@pytest.fixture(scope="module")
def snapshot() -> metagraph_export.GraphSnapshot:
    return example_snapshot()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    return directory


@pytest.fixture
def server(root: Path) -> Iterator[ExportServer]:
    with in_process_server(output_root=str(root)) as running:
        yield running


@pytest.fixture
def target(server: ExportServer) -> str:
    return f"127.0.0.1:{server.port}"


def _kwargs(snapshot: metagraph_export.GraphSnapshot, options: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(options)
    if kwargs.pop("saver_def_from_graph", False):
        savers = [c for c in snapshot.collections if c.key == "savers"]
        kwargs["saver_def"] = savers[0].items[0].saver
    return {"graph": snapshot, **kwargs}


def _status(error: grpc.RpcError) -> tuple[grpc.StatusCode, dict[str, str], list[str]]:
    """The code, the ErrorInfo metadata (with "reason") and the BadRequest fields."""
    call = cast(grpc.Call, error)
    status = rpc_status.from_call(call)
    assert status is not None, f"no rich status: {call.code()} {call.details()}"
    metadata: dict[str, str] = {}
    fields: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            assert info.domain == "metagraph-export"
            metadata = {"reason": info.reason, **info.metadata}
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            fields = [violation.field for violation in bad_request.field_violations]
    return call.code(), metadata, fields


def _export_error(stub: ExportServiceStub, arguments: ExportArguments) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        stub.Export(ExportRequest(arguments=arguments), timeout=30)
    return caught.value


# --- the table --------------------------------------------------------------


def test_table_is_the_specifications() -> None:
    """STATUS_BY_CATEGORY is EXP-ERR-6's table, read from spec/export.md."""
    spec = (REPO_ROOT / "spec" / "export.md").read_text()
    section = spec[spec.index("**EXP-ERR-6.**") :]
    section = section[: section.index("**EXP-ERR-7.**")]
    rows = re.findall(r"^\| `([A-Z_]+)` \| `([A-Z_]+)` \((\d+)\) \|", section, re.MULTILINE)
    assert rows, "no table in EXP-ERR-6"
    table = {category: grpc.StatusCode[code] for category, code, _ in rows}
    assert table == STATUS_BY_CATEGORY
    for _, code, number in rows:
        assert grpc.StatusCode[code].value[0] == int(number)


# --- GetInfo ----------------------------------------------------------------


def test_get_info(target: str, root: Path) -> None:
    with client.Client(target) as connection:
        info = connection.get_info(timeout=10)
    assert info.implementation == "metagraph-export (Python reference)"
    assert info.version == metagraph_export.__version__
    assert info.spec_version
    assert info.tensorflow_version == metagraph_export.default_registry().tensorflow_version
    assert info.limits.max_message_bytes == 64 << 20
    assert info.limits.max_stream_bytes == (1 << 31) - 1
    assert info.limits.filename_writing_enabled


def test_get_info_without_output_root() -> None:
    with in_process_server(max_message_bytes=1 << 20, max_stream_bytes=5 << 20) as server:
        with client.Client(f"127.0.0.1:{server.port}") as connection:
            limits = connection.get_info(timeout=10).limits
    assert limits.max_message_bytes == 1 << 20
    assert limits.max_stream_bytes == 5 << 20
    assert not limits.filename_writing_enabled


# --- Export and ExportStream: the reference's results ------------------------


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize("stream", [False, True], ids=["Export", "ExportStream"])
def test_export_is_the_reference(
    target: str,
    root: Path,
    tmp_path: Path,
    snapshot: metagraph_export.GraphSnapshot,
    options: dict[str, Any],
    stream: bool,
) -> None:
    kwargs = _kwargs(snapshot, options)
    reference_path = tmp_path / "reference" / "model.meta"
    reference = metagraph_export.export(str(reference_path), **kwargs)
    without_file = metagraph_export.export(**kwargs)

    remote = client.export(target, filename="sub/model.meta", stream=stream, timeout=30, **kwargs)
    assert remote.meta_graph_def == reference.meta_graph_def
    assert remote.meta_graph_bytes == reference_path.read_bytes()
    assert (root / "sub" / "model.meta").read_bytes() == reference_path.read_bytes()
    assert remote.diagnostics == reference.diagnostics
    if kwargs.get("save_debug_info"):
        debug_path = Path(debug_file_name(str(reference_path)))
        assert remote.files == ("sub/model.meta", "sub/model.debug")
        assert remote.debug_info == reference.debug_info
        assert remote.debug_info_bytes == debug_path.read_bytes()
        assert (root / "sub" / "model.debug").read_bytes() == debug_path.read_bytes()
    else:
        assert remote.files == ("sub/model.meta",)
        assert remote.debug_info is None and remote.debug_info_bytes is None

    # Without a filename: nothing written, same bytes, the reference's diagnostics.
    remote = client.export(target, stream=stream, timeout=30, **kwargs)
    assert remote.files == ()
    assert remote.meta_graph_def == without_file.meta_graph_def
    assert remote.meta_graph_bytes == reference_path.read_bytes()
    assert remote.diagnostics == without_file.diagnostics
    if kwargs.get("save_debug_info"):
        # Built as if a filename were given.
        assert remote.debug_info == reference.debug_info
        assert remote.debug_info_bytes == Path(debug_file_name(str(reference_path))).read_bytes()
        assert remote.diagnostics[-1].code == "DEBUG_INFO_NOT_WRITTEN"


def test_export_meta_graph_returns_the_message(
    target: str, snapshot: metagraph_export.GraphSnapshot
) -> None:
    meta_graph_def = client.export_meta_graph(target, graph=snapshot, clear_devices=True)
    assert isinstance(meta_graph_def, MetaGraphDef)
    assert meta_graph_def == metagraph_export.export_meta_graph(graph=snapshot, clear_devices=True)


def test_raw_export_response_parses(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    """The hand-assembled response bytes are a valid ExportResponse."""
    request = ExportRequest(arguments=ExportArguments(graph=snapshot, save_debug_info=True))
    with grpc.insecure_channel(target) as channel:
        response = ExportResponse.FromString(
            raw_call(channel, "Export", request.SerializeToString())
        )
    reference = metagraph_export.export(graph=snapshot)
    assert response.meta_graph_def == reference.meta_graph_def
    assert response.meta_graph_bytes == reference.meta_graph_def.SerializeToString(
        deterministic=True
    )
    assert response.HasField("debug_info")
    assert [d.code for d in response.diagnostics][-1] == "DEBUG_INFO_NOT_WRITTEN"


def test_debug_info_left_out_when_it_cannot_be_built(target: str) -> None:
    """graph_def alone: the debug info needs the graph's operations (EXP-DEBUG-4)."""
    graph_def = example_snapshot().graph_def
    reference = metagraph_export.export(graph_def=graph_def, save_debug_info=True)
    remote = client.export(target, graph_def=graph_def, save_debug_info=True)
    assert remote.meta_graph_def == reference.meta_graph_def
    assert remote.debug_info is None
    assert remote.diagnostics == reference.diagnostics
    # With a filename it fails, as the reference does.
    with pytest.raises(InvalidArgumentError) as caught:
        client.export(target, "x.meta", graph_def=graph_def, save_debug_info=True)
    assert caught.value.argument == "graph"


def test_stream_beyond_the_message_limit_is_the_reference(tmp_path: Path) -> None:
    """A graph larger than a 4 MB message limit goes through ExportStream intact."""
    snapshot = constants_graph(12, 1 << 20)
    assert snapshot.ByteSize() > 4 << 20
    root = tmp_path / "root"
    root.mkdir()
    reference_path = tmp_path / "reference.meta"
    reference = metagraph_export.export(str(reference_path), graph=snapshot, clear_devices=True)
    with in_process_server(output_root=str(root), max_message_bytes=4 << 20) as server:
        target = f"127.0.0.1:{server.port}"
        # Export refuses it: the request exceeds the message limit.
        with pytest.raises(grpc.RpcError) as caught:
            client.export(target, graph=snapshot, clear_devices=True, stream=False)
        assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        with client.Client(target, max_message_bytes=4 << 20) as connection:
            remote = connection.export("big.meta", graph=snapshot, clear_devices=True)
    assert remote.meta_graph_def == reference.meta_graph_def
    assert remote.meta_graph_bytes == reference_path.read_bytes()
    assert (root / "big.meta").read_bytes() == reference_path.read_bytes()
    assert remote.files == ("big.meta",)


def test_response_too_large_for_export_falls_back_to_the_stream(tmp_path: Path) -> None:
    """A request under the limit whose response is over it: Export refuses before
    writing anything, and the client retries with ExportStream."""
    snapshot = constants_graph(3, 1 << 20)
    root = tmp_path / "root"
    root.mkdir()
    with in_process_server(output_root=str(root), max_message_bytes=4 << 20) as server:
        target = f"127.0.0.1:{server.port}"
        with grpc.insecure_channel(target) as channel:
            stub = ExportServiceStub(channel)
            error = _export_error(stub, ExportArguments(graph=snapshot, filename="a.meta"))
        code, metadata, _ = _status(error)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert metadata["reason"] == "RESPONSE_TOO_LARGE"
        assert files_below(root) == set()
        with client.Client(target, max_message_bytes=64 << 20) as connection:
            remote = connection.export("a.meta", graph=snapshot)
    assert remote.meta_graph_def == metagraph_export.export_meta_graph(graph=snapshot)
    assert files_below(root) == {"a.meta"}


def test_stream_over_the_stream_limit_is_refused(tmp_path: Path) -> None:
    snapshot = constants_graph(2, 1 << 20)
    with in_process_server(max_stream_bytes=1 << 20) as server:
        target = f"127.0.0.1:{server.port}"
        with pytest.raises(grpc.RpcError) as caught:
            client.export(target, graph=snapshot, stream=True)
    code, metadata, fields = _status(caught.value)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert metadata["reason"] == "REQUEST_TOO_LARGE"
    assert fields == ["request"]


def test_stream_without_total_size(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    data = ExportRequest(arguments=ExportArguments(graph=snapshot)).SerializeToString()
    with grpc.insecure_channel(target) as channel:
        responses = ExportServiceStub(channel).ExportStream(
            iter([ExportStreamRequest(chunk=data[i : i + 1000]) for i in range(0, len(data), 1000)])
        )
        result = client.assemble_stream(responses)
    assert result.meta_graph_def == metagraph_export.export_meta_graph(graph=snapshot)


def test_stream_response_parts(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    """head first, then each set field as chunks, in ResponseField order."""
    data = ExportRequest(
        arguments=ExportArguments(graph=snapshot, as_text=True, save_debug_info=True)
    ).SerializeToString()
    with grpc.insecure_channel(target) as channel:
        responses = list(
            ExportServiceStub(channel).ExportStream(
                iter([ExportStreamRequest(chunk=data, total_size=len(data))])
            )
        )
    assert responses[0].WhichOneof("part") == "head"
    fields = [r.chunk.field for r in responses[1:]]
    assert fields == sorted(fields)
    assert set(fields) == {
        service_pb2.META_GRAPH_DEF,
        service_pb2.META_GRAPH_BYTES,
        service_pb2.DEBUG_INFO,
        service_pb2.DEBUG_INFO_BYTES,
    }
    for field in set(fields):
        chunks = [r.chunk for r in responses[1:] if r.chunk.field == field]
        assert chunks[0].field_size == sum(len(chunk.data) for chunk in chunks)
        assert all(chunk.field_size == 0 for chunk in chunks[1:])


# --- errors: every category of the table -----------------------------------


def test_invalid_argument(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    with grpc.insecure_channel(target) as channel:
        error = _export_error(
            ExportServiceStub(channel),
            ExportArguments(graph=snapshot, clear_extraneous_savers=True),
        )
    code, metadata, fields = _status(error)
    assert code == STATUS_BY_CATEGORY["INVALID_ARGUMENT"] == grpc.StatusCode.INVALID_ARGUMENT
    assert metadata["reason"] == "INVALID_ARGUMENT"
    assert metadata["exception"] == "InvalidArgumentError"
    assert fields == ["saver_def"]
    # The client raises the reference's exception, with the reference's message.
    with pytest.raises(InvalidArgumentError) as remote:
        client.export(target, graph=snapshot, clear_extraneous_savers=True)
    with pytest.raises(InvalidArgumentError) as local:
        metagraph_export.export(graph=snapshot, clear_extraneous_savers=True)
    assert str(remote.value) == str(local.value)
    assert remote.value.argument == local.value.argument == "saver_def"
    assert isinstance(remote.value.__cause__, grpc.RpcError)


def test_no_graph_is_an_invalid_argument(target: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        client.export(target)
    assert caught.value.argument == "graph"


def test_malformed_input(target: str, root: Path) -> None:
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            raw_call(channel, "Export", b"\x0a\x05\xff\xff")
    code, metadata, fields = _status(caught.value)
    assert code == STATUS_BY_CATEGORY["MALFORMED_INPUT"] == grpc.StatusCode.INVALID_ARGUMENT
    assert metadata["reason"] == "MALFORMED_INPUT"
    assert metadata["exception"] == "DecodeError"
    assert fields == ["request"]
    error = client.exception_from_status(caught.value)
    assert isinstance(error, DecodeError) and error.what == "request"


def test_malformed_stream(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        stub = ExportServiceStub(channel)
        for requests in (
            [ExportStreamRequest(chunk=b"\x0a\x05", total_size=10)],  # ends short
            [ExportStreamRequest(chunk=b"\x0a\x00", total_size=1)],  # longer than said
            [ExportStreamRequest(chunk=b"\x0a\x05\xff\xff")],  # not an ExportRequest
            [ExportStreamRequest(total_size=-4)],
            [ExportStreamRequest(chunk=b""), ExportStreamRequest(total_size=4)],
        ):
            with pytest.raises(grpc.RpcError) as caught:
                list(stub.ExportStream(iter(requests), timeout=10))
            code, metadata, _ = _status(caught.value)
            assert code == grpc.StatusCode.INVALID_ARGUMENT
            assert metadata["reason"] == "MALFORMED_INPUT"
        # A stream message that is not an ExportStreamRequest.
        call = channel.stream_stream(
            f"/{SERVICE}/ExportStream",
            request_serializer=lambda data: data,
            response_deserializer=lambda data: data,
        )
        with pytest.raises(grpc.RpcError) as caught:
            list(call(iter([b"\x0a\x05\xff"]), timeout=10))
        assert _status(caught.value)[1]["reason"] == "MALFORMED_INPUT"


@pytest.mark.usefixtures("python_backend")
def test_graph_too_large(
    target: str, snapshot: metagraph_export.GraphSnapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EXP-LIMIT-1, with the limit lowered in the (in-process) server (whose
    Python stages read it)."""
    from metagraph_export import _pipeline

    monkeypatch.setattr(_pipeline, "MAX_MESSAGE_BYTES", 999)
    with grpc.insecure_channel(target) as channel:
        error = _export_error(ExportServiceStub(channel), ExportArguments(graph=snapshot))
    code, metadata, fields = _status(error)
    assert code == STATUS_BY_CATEGORY["GRAPH_TOO_LARGE"] == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert metadata["reason"] == "GRAPH_TOO_LARGE"
    assert int(metadata["size"]) > 1000
    assert fields == ["graph"]
    with pytest.raises(GraphTooLargeError) as caught:
        client.export(target, graph=snapshot)
    # One limit in this process: the client measures the request by it first.
    assert caught.value.size > 999


def test_write_failed(target: str, root: Path, snapshot: metagraph_export.GraphSnapshot) -> None:
    """A directory in the way (EXP-FILE-7)."""
    (root / "model.meta").mkdir()
    with grpc.insecure_channel(target) as channel:
        error = _export_error(
            ExportServiceStub(channel), ExportArguments(graph=snapshot, filename="model.meta")
        )
    code, metadata, fields = _status(error)
    assert code == STATUS_BY_CATEGORY["WRITE_FAILED"] == grpc.StatusCode.INTERNAL
    assert metadata["reason"] == "WRITE_FAILED"
    assert metadata["path"] == "model.meta"
    assert fields == ["filename"]
    details = cast(grpc.Call, error).details() or ""
    assert str(root) not in details
    with pytest.raises(WriteError) as caught:
        client.export(target, "sub/", graph=snapshot)
    assert caught.value.path == "sub/"
    assert files_below(root) == set()
    assert os.listdir(root) == ["model.meta"]


@pytest.mark.parametrize("save_debug_info", [False, True])
@pytest.mark.parametrize(
    "filename", ["new/deeper/", "new/deeper/model.meta/", "afile/model.meta", "new/afile/x.meta"]
)
def test_failed_write_leaves_no_directory(
    target: str,
    root: Path,
    snapshot: metagraph_export.GraphSnapshot,
    filename: str,
    save_debug_info: bool,
) -> None:
    """A name ending in '/' or a path below a regular file: WRITE_FAILED, and the
    directories the write would have needed are not left behind (EXP-FILE-6)."""
    (root / "afile").write_bytes(b"keep")
    if filename.startswith("new/afile"):
        (root / "new").mkdir()
        (root / "new" / "afile").write_bytes(b"keep")
    before = _snapshot_of(root)
    with pytest.raises(WriteError) as caught:
        client.export(target, filename, graph=snapshot, save_debug_info=save_debug_info)
    assert caught.value.path == filename
    assert str(root) not in str(caught.value)
    assert _snapshot_of(root) == before


def test_internal(
    target: str, snapshot: metagraph_export.GraphSnapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A defect: INTERNAL, a message that gives nothing away, and the server goes on."""
    from metagraph_export_grpc import _service

    def broken(*_: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(_service, "run_export", broken)
    with grpc.insecure_channel(target) as channel:
        error = _export_error(ExportServiceStub(channel), ExportArguments(graph=snapshot))
    code, metadata, _ = _status(error)
    assert code == STATUS_BY_CATEGORY["INTERNAL"]
    assert metadata["reason"] == "INTERNAL"
    assert "defect" not in (cast(grpc.Call, error).details() or "")
    monkeypatch.undo()
    assert client.export_meta_graph(target, graph=snapshot) is not None


def test_argument_types_are_checked_by_the_client(target: str) -> None:
    snapshot = example_snapshot()
    with pytest.raises(TypeError, match="clear_devices"):
        client.export(target, graph=snapshot, clear_devices=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword"):
        client.export(target, graph=snapshot, no_such_argument=1)
    with pytest.raises(ValueError, match="NUL"):
        client.export(target, "a\x00b", graph=snapshot)


# --- filename and the output root -------------------------------------------


def test_filename_without_output_root(snapshot: metagraph_export.GraphSnapshot) -> None:
    with in_process_server() as server:
        target = f"127.0.0.1:{server.port}"
        with grpc.insecure_channel(target) as channel:
            error = _export_error(
                ExportServiceStub(channel), ExportArguments(graph=snapshot, filename="m.meta")
            )
        code, metadata, fields = _status(error)
        assert code == grpc.StatusCode.FAILED_PRECONDITION
        assert metadata["reason"] == "FILENAME_WRITING_DISABLED"
        assert fields == ["filename"]
        # An empty filename writes nothing, so it is not refused.
        remote = client.export(target, "", graph=snapshot)
        assert remote.files == ()
        # The bytes come back without a filename.
        assert remote.meta_graph_bytes


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "victim.meta").write_bytes(b"precious")
    return outside


ESCAPES: dict[str, Callable[[Path, Path], str]] = {
    "absolute": lambda root, outside: str(outside / "victim.meta"),
    "dotdot": lambda root, outside: "../outside/victim.meta",
    "dotdot inside": lambda root, outside: "sub/../../outside/victim.meta",
    "dotdot harmless": lambda root, outside: "sub/../model.meta",
    "symlinked directory": lambda root, outside: _link(root / "link", outside) + "/victim.meta",
    "symlinked nested": lambda root, outside: _link(root / "a" / "b", outside) + "/x/new.meta",
    "symlink target": lambda root, outside: _link(root / "m.meta", outside / "victim.meta"),
    "symlink inside": lambda root, outside: _link(root / "m.meta", root / "real.meta"),
    "symlinked directory inside": lambda root, outside: _link(root / "alias", root) + "/m.meta",
    "symlinked directory to a missing one": lambda root, outside: (
        _link(root / "alias", root / "inner") + "/m.meta"
    ),
    "dangling symlink": lambda root, outside: _link(root / "m.meta", outside / "new.meta"),
    "fifo": lambda root, outside: _fifo(root / "pipe.meta"),
    "socket": lambda root, outside: _socket(root / "socket.meta"),
    "device": lambda root, outside: _device(root / "null.meta"),
}


def _link(path: Path, to: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(to)
    return path.name if path.parent.name == "root" else f"{path.parent.name}/{path.name}"


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return path.name


_SOCKETS: list[socket.socket] = []


def _socket(path: Path) -> str:
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    _SOCKETS.append(listener)
    return path.name


def _device(path: Path) -> str:
    try:
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device file needs privileges")
    return path.name


def _snapshot_of(path: Path) -> dict[str, bytes | str]:
    """What is below ``path``: file contents and link targets."""
    state: dict[str, bytes | str] = {}
    for item in sorted(path.rglob("*")):
        name = item.relative_to(path).as_posix()
        if item.is_symlink():
            state[name] = f"-> {os.readlink(item)}"
        elif item.is_file():
            state[name] = item.read_bytes()
        else:
            state[name] = "dir" if item.is_dir() else "special"
    return state


@pytest.mark.parametrize("save_debug_info", [False, True])
@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_filename_cannot_escape(
    tmp_path: Path,
    root: Path,
    target: str,
    snapshot: metagraph_export.GraphSnapshot,
    case: str,
    save_debug_info: bool,
) -> None:
    outside = _outside(tmp_path)
    filename = ESCAPES[case](root, outside)
    (root / "real.meta").write_bytes(b"real")
    before_outside = _snapshot_of(outside)
    before_root = _snapshot_of(root)
    with grpc.insecure_channel(target) as channel:
        error = _export_error(
            ExportServiceStub(channel),
            ExportArguments(graph=snapshot, filename=filename, save_debug_info=save_debug_info),
        )
    code, metadata, fields = _status(error)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, cast(grpc.Call, error).details()
    assert metadata["reason"] == "FILENAME_REFUSED"
    assert metadata["exception"] == "InvalidArgumentError"
    assert fields == ["filename"]
    assert _snapshot_of(outside) == before_outside
    assert _snapshot_of(root) == before_root
    for listener in _SOCKETS:
        listener.close()
    _SOCKETS.clear()


def test_debug_file_cannot_escape(
    tmp_path: Path, root: Path, target: str, snapshot: metagraph_export.GraphSnapshot
) -> None:
    """The meta graph file is fine, its .debug file is a symbolic link."""
    outside = _outside(tmp_path)
    (root / "model.debug").symlink_to(outside / "victim.meta")
    with pytest.raises(InvalidArgumentError, match="symbolic link"):
        client.export(target, "model.meta", graph=snapshot, save_debug_info=True)
    assert (outside / "victim.meta").read_bytes() == b"precious"
    assert not (root / "model.meta").exists()
    # Without save_debug_info the .debug file is not involved.
    client.export(target, "model.meta", graph=snapshot)
    assert (root / "model.meta").exists()


def test_filename_with_nul(target: str, root: Path) -> None:
    arguments = ExportArguments(graph=example_snapshot(), filename="a\x00b.meta")
    with grpc.insecure_channel(target) as channel:
        error = _export_error(ExportServiceStub(channel), arguments)
    code, metadata, fields = _status(error)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert metadata["reason"] == "INVALID_ARGUMENT"
    assert fields == ["filename"]
    assert files_below(root) == set()


def test_filename_not_utf8(target: str, root: Path) -> None:
    """Invalid UTF-8 (here an encoded surrogate) never reaches the file system."""
    arguments = ExportArguments(graph_def=example_snapshot().graph_def, filename="XXXX.meta")
    request = ExportRequest(arguments=arguments).SerializeToString()
    # Same length, so the length prefixes stay right.
    request = request.replace(b"XXXX", b"\xed\xa0\x80X")
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            raw_call(channel, "Export", request)
    code, metadata, _ = _status(caught.value)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert metadata["reason"] == "MALFORMED_INPUT"
    assert files_below(root) == set()


def test_filenames_that_stay_inside(
    target: str, root: Path, snapshot: metagraph_export.GraphSnapshot
) -> None:
    (root / "inner").mkdir()
    (root / "existing.meta").write_bytes(b"old")
    names = ("./a.meta", "inner/b.meta", "deep/er/c.meta", "existing.meta", "d.meta.x", "e//f.m")
    for filename in names:
        remote = client.export(target, filename, graph=snapshot)
        assert remote.files == (filename,)
    assert (root / "inner" / "b.meta").exists()
    assert (root / "e" / "f.m").exists()
    assert (root / "existing.meta").read_bytes() == remote.meta_graph_bytes
    assert not [name for name in files_below(root) if name.endswith(".tmp")]


# --- concurrency ----------------------------------------------------------------


def test_32_concurrent_clients(tmp_path: Path, snapshot: metagraph_export.GraphSnapshot) -> None:
    root = tmp_path / "root"
    root.mkdir()
    expected = {
        index: metagraph_export.export(graph=snapshot, **OPTIONS[index % 3]).meta_graph_def
        for index in range(3)
    }
    barrier = threading.Barrier(32)
    address: list[str] = []

    def one(index: int) -> tuple[int, MetaGraphDef, tuple[str, ...]]:
        with client.Client(address[0]) as connection:
            connection.get_info(timeout=30)
            barrier.wait(timeout=30)
            result = connection.export(
                f"out/{index}.meta",
                graph=snapshot,
                stream=index % 2 == 1,
                timeout=60,
                **OPTIONS[index % 3],
            )
        return index, result.meta_graph_def, result.files

    with in_process_server(output_root=str(root), max_workers=8) as server:
        address.append(f"127.0.0.1:{server.port}")
        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(one, range(32)))
    for index, meta_graph_def, files in results:
        assert meta_graph_def == expected[index % 3]
        assert files == (f"out/{index}.meta",)
    assert files_below(root) == {f"out/{index}.meta" for index in range(32)}


# --- cancellation ----------------------------------------------------------------


def test_cancelled_call_writes_nothing(
    root: Path, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled mid-export: the export stops, and writes nothing."""
    caplog.set_level(logging.INFO, logger="metagraph_export_grpc")
    snapshot = many_nodes_graph(400_000)
    request = ExportRequest(
        arguments=ExportArguments(graph=snapshot, filename="cancelled.meta", clear_devices=True)
    )
    with grpc.insecure_channel(target) as channel:
        future = ExportServiceStub(channel).Export.future(request, timeout=120)
        time.sleep(1.5)
        assert future.cancel()
        with pytest.raises(grpc.FutureCancelledError):
            future.result()
    assert wait_until(lambda: "abandoned: the call ended (cancelled)" in caplog.text, timeout=10)
    time.sleep(0.5)
    assert files_below(root) == set()


# --- Import (spec/import.md) ------------------------------------------------


def _exported(snapshot: metagraph_export.GraphSnapshot) -> MetaGraphDef:
    return metagraph_export.export_meta_graph(graph=snapshot)


def test_import_is_the_reference(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    meta = _exported(snapshot)
    kwargs: dict[str, Any] = {
        "import_scope": "again",
        "graph": snapshot,
        "return_elements": [snapshot.graph_def.node[0].name],
        "restore_collections_predicate": ["variables", "savers"],
    }
    expected = metagraph_export.import_meta_graph(meta, **kwargs)
    remote = client.import_meta_graph(target, meta, timeout=30, **kwargs)
    assert remote.snapshot == expected.snapshot
    assert remote.saver_def == expected.saver_def
    assert remote.return_elements == expected.return_elements
    assert [(d.code, d.subject, d.severity) for d in remote.diagnostics] == [
        (d.code, d.subject, d.severity) for d in expected.diagnostics
    ]


def test_import_reads_a_file_below_the_output_root(
    target: str, root: Path, snapshot: metagraph_export.GraphSnapshot
) -> None:
    meta = _exported(snapshot)
    (root / "models").mkdir()
    (root / "models" / "model.meta").write_bytes(meta.SerializeToString())
    (root / "text.meta").write_text(str(meta))
    expected = metagraph_export.import_meta_graph(meta)
    for name in ("models/model.meta", "text.meta"):
        with client.Client(target) as connection:
            assert connection.import_meta_graph(name, timeout=30).snapshot == expected.snapshot


def test_import_errors_follow_the_table(target: str, root: Path) -> None:
    (root / "garbage.meta").write_bytes(b"\xff\x00 not a meta graph {")
    with pytest.raises(DecodeError):
        client.import_meta_graph(target, "garbage.meta", timeout=30)
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        client.import_meta_graph(target, "missing.meta", timeout=30)
    broken = MetaGraphDef()
    broken.graph_def.node.add(name="n", op="NoSuchOp")
    with pytest.raises(InvalidArgumentError, match="NoSuchOp"):
        client.import_meta_graph(target, broken, timeout=30)
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            raw_call(channel, "Import", b"\x0a\x05ab")
        code, metadata, _ = _status(caught.value)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert metadata["reason"] == "MALFORMED_INPUT"


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../outside.meta", "link/model.meta", "file-link.meta"],
)
def test_import_refuses_files_outside_the_root(
    target: str, root: Path, tmp_path: Path, name: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "model.meta").write_bytes(MetaGraphDef().SerializeToString())
    (tmp_path / "outside.meta").write_bytes(MetaGraphDef().SerializeToString())
    (root / "link").symlink_to(outside)
    (root / "file-link.meta").symlink_to(outside / "model.meta")
    with grpc.insecure_channel(target) as channel:
        stub = ExportServiceStub(channel)
        request = service_pb2.ImportRequest()
        request.arguments.filename = name
        with pytest.raises(grpc.RpcError) as caught:
            stub.Import(request, timeout=30)
    code, metadata, _ = _status(caught.value)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert metadata["reason"] == "FILENAME_REFUSED"


def test_import_of_a_file_without_output_root_is_a_failed_precondition(root: Path) -> None:
    (root / "model.meta").write_bytes(MetaGraphDef().SerializeToString())
    with in_process_server() as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            request = service_pb2.ImportRequest()
            request.arguments.filename = "model.meta"
            with pytest.raises(grpc.RpcError) as caught:
                ExportServiceStub(channel).Import(request, timeout=30)
            code, metadata, _ = _status(caught.value)
            assert code == grpc.StatusCode.FAILED_PRECONDITION
            assert metadata["reason"] == "FILENAME_READING_DISABLED"
            # A message needs no output root.
            request = service_pb2.ImportRequest()
            request.arguments.meta_graph_def.CopyFrom(MetaGraphDef())
            ExportServiceStub(channel).Import(request, timeout=30)


# --- reflection and health --------------------------------------------------


def test_reflection_lists_and_describes_the_services(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = set(database.get_services())
        assert services == {
            SERVICE,
            "grpc.health.v1.Health",
            "grpc.reflection.v1alpha.ServerReflection",
        }
        pool = descriptor_pool.DescriptorPool(database)
        service = pool.FindServiceByName(SERVICE)
        assert [method.name for method in service.methods] == [
            "Export",
            "ExportStream",
            "GetInfo",
            "Import",
        ]
        assert (
            service.methods_by_name["Import"].input_type.full_name
            == "metagraph_export.service.v1.ImportRequest"
        )
        export = service.methods_by_name["ExportStream"]
        assert export.input_type.full_name == "metagraph_export.service.v1.ExportStreamRequest"
        arguments = pool.FindMessageTypeByName("metagraph_export.api.v1.ExportArguments")
        assert "graph" in arguments.fields_by_name
        assert pool.FindServiceByName("grpc.health.v1.Health").methods_by_name["Check"]


def test_health_is_serving(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        stub = health_stub(channel)
        for service in ("", SERVICE):
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
            assert response.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as caught:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
        assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.NOT_FOUND


def test_health_is_not_serving_during_shutdown() -> None:
    with in_process_server() as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = health_stub(channel)
            watch = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=30)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            stopper = threading.Thread(target=server.stop, args=(5,))
            stopper.start()
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            stopper.join()


# --- authentication ---------------------------------------------------------


def test_bearer_token(snapshot: metagraph_export.GraphSnapshot) -> None:
    tokens = (b"first-token", b"second-token")
    with in_process_server(tokens=tokens) as server:
        target = f"127.0.0.1:{server.port}"
        for token in (None, "wrong", "first-token-but-longer", ""):
            with pytest.raises(grpc.RpcError) as caught:
                client.export(target, graph=snapshot, token=token)
            assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(grpc.RpcError) as caught:
                client.export(target, graph=snapshot, token=token, stream=True)
            assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAUTHENTICATED
            with client.Client(target, token=token) as connection, pytest.raises(grpc.RpcError):
                connection.get_info(timeout=10)
        for token in ("first-token", "second-token"):
            assert client.export(target, graph=snapshot, token=token).meta_graph_bytes
            assert client.export(target, graph=snapshot, token=token, stream=True).files == ()
        # Another scheme is not a bearer token.
        with grpc.insecure_channel(target) as channel:
            with pytest.raises(grpc.RpcError) as caught:
                ExportServiceStub(channel).GetInfo(
                    GetInfoRequest(), metadata=(("authorization", "Basic first-token"),)
                )
            assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAUTHENTICATED
            # Health and reflection stay open.
            health = health_stub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=10).status == 1
            database = ProtoReflectionDescriptorDatabase(channel)
            assert SERVICE in database.get_services()


# --- TLS --------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates() -> Any:
    pytest.importorskip("cryptography")
    return make_certificates()


def test_tls(certificates: Any, snapshot: metagraph_export.GraphSnapshot) -> None:
    from metagraph_export_grpc import TlsConfig

    tls = TlsConfig(
        certificate_chain=certificates.server_chain, private_key=certificates.server_key
    )
    with in_process_server(tls=tls) as server:
        target = f"127.0.0.1:{server.port}"
        remote = client.export(target, graph=snapshot, root_certificates=certificates.ca)
        assert remote.meta_graph_def == metagraph_export.export_meta_graph(graph=snapshot)
        with client.Client(
            f"localhost:{server.port}", root_certificates=certificates.ca
        ) as connection:
            assert connection.get_info(timeout=10).version
        # Plaintext, and a server certificate from an unknown CA, fail.
        for options in ({}, {"root_certificates": certificates.other_ca}):
            with pytest.raises(grpc.RpcError) as caught:
                client.export(target, graph=snapshot, timeout=10, **options)
            assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls(certificates: Any, snapshot: metagraph_export.GraphSnapshot) -> None:
    from metagraph_export_grpc import TlsConfig

    tls = TlsConfig(
        certificate_chain=certificates.server_chain,
        private_key=certificates.server_key,
        client_ca=certificates.ca,
    )
    with in_process_server(tls=tls, tokens=(b"t",)) as server:
        target = f"127.0.0.1:{server.port}"
        remote = client.export(
            target,
            graph=snapshot,
            root_certificates=certificates.ca,
            private_key=certificates.client_key,
            certificate_chain=certificates.client_chain,
            token="t",
        )
        assert remote.meta_graph_bytes
        # Without a client certificate the handshake fails.
        with pytest.raises(grpc.RpcError) as caught:
            client.export(target, graph=snapshot, root_certificates=certificates.ca, token="t")
        assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAVAILABLE
        # A client certificate from another CA fails too.
        other = make_certificates()
        with pytest.raises(grpc.RpcError):
            client.export(
                target,
                graph=snapshot,
                root_certificates=certificates.ca,
                private_key=other.client_key,
                certificate_chain=other.client_chain,
                token="t",
                timeout=10,
            )


# --- the server never crashes -------------------------------------------------


def test_garbage_everywhere(target: str, snapshot: metagraph_export.GraphSnapshot) -> None:
    with grpc.insecure_channel(target) as channel:
        for method in ("Export", "GetInfo"):
            for payload in (b"\xff", b"\x0a\xff\xff\xff\xff\x0f", bytes(range(256)) * 4):
                with pytest.raises(grpc.RpcError) as caught:
                    raw_call(channel, method, payload)
                assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.INVALID_ARGUMENT
        # A graph whose nodes make no sense is an invalid argument, not a crash.
        bad = metagraph_export.GraphSnapshot()
        bad.graph_def.node.add(name="", op="")
        bad.graph_def.node.add(name="a", op="NoOp", input=["b:0:1"])
        for options in ({}, {"export_scope": "a"}, {"clear_devices": True}):
            try:
                client.export(target, graph=bad, **options)
            except (InvalidArgumentError, DecodeError):
                pass
        assert client.export_meta_graph(target, graph=snapshot) is not None
