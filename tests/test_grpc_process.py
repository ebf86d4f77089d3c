"""``metagraph-export serve`` as a process: the command line, signals,
deadlines, replicas behind one channel, and the memory of a 200 MB stream."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import grpc
import metagraph_export
import pytest
from grpc_health.v1 import health_pb2
from metagraph_export import _native
from metagraph_export.api.v1.export_pb2 import ExportArguments
from metagraph_export.service.v1.service_pb2 import ExportRequest
from metagraph_export.service.v1.service_pb2_grpc import ExportServiceStub
from metagraph_export_grpc import client
from test_grpc_support import (
    REPO_ROOT,
    constants_graph,
    example_snapshot,
    files_below,
    health_stub,
    make_certificates,
    many_nodes_graph,
    server_process,
    wait_until,
)


def _serve(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metagraph_export", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        check=False,
    )


def test_serve_prints_its_port_and_stops_on_sigterm(tmp_path: Path) -> None:
    with server_process(["--output-root", str(tmp_path)], tmp_path / "log") as server:
        assert server.port > 0
        with client.Client(server.target) as connection:
            info = connection.get_info(timeout=10)
        assert info.limits.filename_writing_enabled
        remote = client.export(server.target, "m.meta", graph=example_snapshot())
        assert remote.files == ("m.meta",)
        assert server.terminate() == 0
    assert "SIGTERM: stopping" in server.log()


def test_sigint_stops_too(tmp_path: Path) -> None:
    with server_process([], tmp_path / "log") as server:
        server.process.send_signal(2)
        assert server.wait() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-client-ca", "x.pem"], "--tls-client-ca needs --tls-cert"),
        (["--port", "70000"], "--port must be"),
        (["--max-message-bytes", "10"], "--max-message-bytes must be"),
        (["--max-stream-bytes", str(1 << 31)], "--max-stream-bytes must be"),
        (["--max-workers", "0"], "--max-workers must be"),
        (["--auth-token-file", "/nonexistent/tokens"], "No such file"),
    ],
)
def test_bad_command_lines(arguments: list[str], message: str) -> None:
    result = _serve("--port", "0", *arguments)
    assert result.returncode == 2
    assert message in result.stderr
    assert "listening" not in result.stdout


def test_bad_output_root(tmp_path: Path) -> None:
    result = _serve("--port", "0", "--output-root", str(tmp_path / "missing"))
    assert result.returncode == 1
    assert "is not a directory" in result.stderr


def test_port_in_use(tmp_path: Path) -> None:
    with server_process([], tmp_path / "log") as server:
        result = _serve("--port", str(server.port))
        assert result.returncode == 1
        assert "cannot listen" in result.stderr or "Failed to bind" in result.stderr


def test_tls_client_certificates_and_tokens_from_files(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    certificates = make_certificates()
    paths = {}
    for name in ("ca", "server_chain", "server_key", "client_chain", "client_key"):
        paths[name] = tmp_path / f"{name}.pem"
        paths[name].write_bytes(getattr(certificates, name))
    tokens = tmp_path / "tokens"
    tokens.write_text("# rotated tokens\nold-token\n\nnew-token\n")
    arguments = [
        "--tls-cert",
        str(paths["server_chain"]),
        "--tls-key",
        str(paths["server_key"]),
        "--tls-client-ca",
        str(paths["ca"]),
        "--auth-token-file",
        str(tokens),
    ]
    with server_process(arguments, tmp_path / "log") as server:
        tls: dict[str, Any] = {
            "root_certificates": certificates.ca,
            "private_key": certificates.client_key,
            "certificate_chain": certificates.client_chain,
        }
        for token in ("old-token", "new-token"):
            assert client.export(server.target, graph=example_snapshot(), token=token, **tls)
        with pytest.raises(grpc.RpcError) as caught:
            client.export(server.target, graph=example_snapshot(), token="# rotated", **tls)
        assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as caught:
            client.export(server.target, graph=example_snapshot(), token="new-token", timeout=10)
        assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.UNAVAILABLE
        assert server.terminate() == 0


# --- deadlines and signals ----------------------------------------------------


@pytest.fixture(scope="module")
def slow_graph() -> metagraph_export.GraphSnapshot:
    """A graph that takes the reference backend several seconds to export
    (the native one about two)."""
    return many_nodes_graph(400_000)


# The signal tests need an export still running seconds after it started:
# the reference backend's pace is the one that guarantees it.
SLOW_BACKEND = "python"


@pytest.mark.parametrize(
    "backend",
    [
        "python",
        pytest.param(
            "native",
            marks=pytest.mark.skipif(
                _native.module() is None, reason="the native extension is not installed"
            ),
        ),
    ],
)
def test_deadline_stops_the_export(
    tmp_path: Path, slow_graph: metagraph_export.GraphSnapshot, backend: str
) -> None:
    """A 1 s deadline on an export that needs seconds of CPU: the call fails
    with DEADLINE_EXCEEDED, the server stops working on it (the native
    exporter by its cancellation flag, the reference by an asynchronous
    exception), and writes nothing."""
    root = tmp_path / "root"
    root.mkdir()
    with server_process(["--output-root", str(root)], tmp_path / "log", backend) as server:
        for stream in (False, True):
            with pytest.raises(grpc.RpcError) as caught:
                client.export(
                    server.target,
                    "late.meta",
                    graph=slow_graph,
                    clear_devices=True,
                    timeout=1.0,
                    stream=stream,
                )
            assert cast(grpc.Call, caught.value).code() == grpc.StatusCode.DEADLINE_EXCEEDED
            # An export still running would take a whole core in the next
            # seconds. What cannot stop midway ends first: protobuf parsing
            # the request, the native decoder reading the arguments (about
            # half a second each here, longer on a busy machine).
            time.sleep(1.0)
            after_deadline = server.cpu_seconds()
            time.sleep(2.0)
            assert server.cpu_seconds() - after_deadline < 0.3
        assert wait_until(lambda: "abandoned: the call ended (deadline exceeded)" in server.log())
        assert files_below(root) == set()
        assert server.terminate() == 0


def test_sigterm_lets_the_call_finish(
    tmp_path: Path, slow_graph: metagraph_export.GraphSnapshot
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with server_process(
        ["--output-root", str(root), "--grace", "60"], tmp_path / "log", SLOW_BACKEND
    ) as server:
        request = ExportRequest(
            arguments=ExportArguments(graph=slow_graph, clear_devices=True, filename="m.meta")
        )
        with grpc.insecure_channel(
            server.target, options=[("grpc.max_receive_message_length", -1)]
        ) as channel:
            future = ExportServiceStub(channel).Export.future(request, timeout=300)
            time.sleep(1.0)
            assert not future.done()
            server.process.terminate()
            response = future.result()
        assert len(response.meta_graph_def.graph_def.node) == len(slow_graph.graph_def.node)
        assert response.files == ["m.meta"]
        assert server.wait() == 0
    assert files_below(root) == {"m.meta"}
    assert (root / "m.meta").read_bytes() == response.meta_graph_bytes


def test_sigterm_after_the_grace_period_writes_nothing(
    tmp_path: Path, slow_graph: metagraph_export.GraphSnapshot
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with server_process(
        ["--output-root", str(root), "--grace", "0.5"], tmp_path / "log", SLOW_BACKEND
    ) as server:
        request = ExportRequest(
            arguments=ExportArguments(graph=slow_graph, clear_devices=True, filename="m.meta")
        )
        with grpc.insecure_channel(server.target) as channel:
            future = ExportServiceStub(channel).Export.future(request, timeout=300)
            time.sleep(1.5)
            server.process.terminate()
            with pytest.raises(grpc.RpcError) as caught:
                future.result()
        assert cast(grpc.Call, caught.value).code() in (
            grpc.StatusCode.CANCELLED,
            grpc.StatusCode.UNAVAILABLE,
        )
        assert server.wait() == 0
    assert files_below(root) == set()


def test_health_reports_not_serving_while_stopping(
    tmp_path: Path, slow_graph: metagraph_export.GraphSnapshot
) -> None:
    with server_process(["--grace", "30"], tmp_path / "log", SLOW_BACKEND) as server:
        with grpc.insecure_channel(
            server.target, options=[("grpc.max_receive_message_length", -1)]
        ) as channel:
            watch = health_stub(channel).Watch(
                health_pb2.HealthCheckRequest(service=""), timeout=60
            )
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            future = ExportServiceStub(channel).Export.future(
                ExportRequest(arguments=ExportArguments(graph=slow_graph)), timeout=300
            )
            time.sleep(1.0)
            server.process.terminate()
            assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
            future.result()
        assert server.wait() == 0


# --- replicas -------------------------------------------------------------------


def test_round_robin_over_two_replicas(tmp_path: Path) -> None:
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        root.mkdir()
    with (
        server_process(["--output-root", str(roots[0])], tmp_path / "a.log") as first,
        server_process(["--output-root", str(roots[1])], tmp_path / "b.log") as second,
    ):
        target = f"ipv4:127.0.0.1:{first.port},127.0.0.1:{second.port}"
        snapshot = example_snapshot()
        with client.Client(target, options=[("grpc.lb_policy_name", "round_robin")]) as connection:
            assert connection.get_info(timeout=10).limits.filename_writing_enabled
            with ThreadPoolExecutor(4) as pool:
                results = list(
                    pool.map(
                        lambda index: connection.export(f"{index}.meta", graph=snapshot),
                        range(20),
                    )
                )
    reference = metagraph_export.export_meta_graph(graph=snapshot)
    assert all(result.meta_graph_def == reference for result in results)
    written = [files_below(root) for root in roots]
    assert written[0] and written[1], "both replicas receive calls"
    assert written[0] | written[1] == {f"{index}.meta" for index in range(20)}
    assert not written[0] & written[1]


# --- a 200 MB graph -------------------------------------------------------------


@pytest.mark.slow
def test_200_mb_through_export_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = constants_graph(200, 1 << 20)
    size = snapshot.ByteSize()
    assert size > 200 << 20
    reference = metagraph_export.export(graph=snapshot).meta_graph_def
    with server_process(["--max-message-bytes", str(4 << 20)], tmp_path / "log") as server:
        idle = server.status("VmHWM")
        started = time.monotonic()
        with client.Client(server.target, max_message_bytes=4 << 20) as connection:
            result = connection.export(graph=snapshot, timeout=600)
        elapsed = time.monotonic() - started
        peak = server.status("VmHWM")
        assert server.terminate() == 0
    assert result.meta_graph_def == reference
    assert result.meta_graph_bytes == reference.SerializeToString(deterministic=True)
    with capsys.disabled():
        print(
            f"\n200 MB stream: request {size / 1e6:.0f} MB, {elapsed:.1f} s, server VmHWM "
            f"{peak / 1024:.0f} MiB (idle {idle / 1024:.0f} MiB)"
        )
    # The exporter holds the graph about four times over at its peak.
    assert peak * 1024 < idle * 1024 + 6 * size
