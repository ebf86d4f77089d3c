"""Helpers of the gRPC tests: graphs, certificates, server processes.

Imported by the other test_grpc_* modules; its own tests check the helpers.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2_grpc
from metagraph_export import GraphSnapshot
from metagraph_export.service.v1.service_pb2_grpc import ExportServiceStub
from metagraph_export.tf import types_pb2
from metagraph_export_grpc import ExportServer, ServerConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "mlp.snapshot.binpb"
SERVICE = "metagraph_export.service.v1.ExportService"


def example_snapshot() -> GraphSnapshot:
    return GraphSnapshot.FromString(EXAMPLE.read_bytes())


def constants_graph(count: int, size: int) -> GraphSnapshot:
    """``count`` Const nodes of ``size`` bytes of tensor content each: big, quick to export."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.versions.producer = 2107
    for index in range(count):
        node = snapshot.graph_def.node.add(name=f"c{index}", op="Const", device="/cpu:0")
        node.attr["dtype"].type = types_pb2.DT_FLOAT
        tensor = node.attr["value"].tensor
        tensor.dtype = types_pb2.DT_FLOAT
        tensor.tensor_shape.dim.add(size=size // 4)
        tensor.tensor_content = bytes([index % 251]) * size
    return snapshot


def many_nodes_graph(count: int) -> GraphSnapshot:
    """``count`` small nodes in a chain of control inputs, each with an output
    shape: the costliest graph per node for the exporter's Python code."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.versions.producer = 2107
    nodes = snapshot.graph_def.node
    shapes = snapshot.output_shapes
    for index in range(count):
        name = f"n{index}"
        nodes.add(name=name, op="NoOp", device="/cpu:0", input=[f"^n{index - 1}"] if index else [])
        shapes[name].shape.add().dim.add(size=index % 7)
    return snapshot


# --- certificates -----------------------------------------------------------


@dataclass(frozen=True)
class Certificates:
    """PEM material of a throwaway CA, a server (127.0.0.1, localhost) and a client."""

    ca: bytes
    server_chain: bytes
    server_key: bytes
    client_chain: bytes
    client_key: bytes
    other_ca: bytes
    """A second CA that signed nothing here."""


def make_certificates() -> Certificates:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common_name: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])

    def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name(common_name))
            .issuer_name(name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return key, certificate

    ca_key, ca_certificate = ca("metagraph-export test CA")
    _, other_certificate = ca("metagraph-export other CA")

    def leaf(common_name: str, server: bool) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common_name))
            .issuer_name(ca_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
        certificate = builder.sign(ca_key, hashes.SHA256())
        return certificate.public_bytes(serialization.Encoding.PEM), key_pem(key)

    server_chain, server_key = leaf("localhost", server=True)
    client_chain, client_key = leaf("metagraph-export test client", server=False)
    return Certificates(
        ca=ca_certificate.public_bytes(serialization.Encoding.PEM),
        server_chain=server_chain,
        server_key=server_key,
        client_chain=client_chain,
        client_key=client_key,
        other_ca=other_certificate.public_bytes(serialization.Encoding.PEM),
    )


# --- servers ----------------------------------------------------------------


@contextmanager
def in_process_server(**config: Any) -> Iterator[ExportServer]:
    """An ExportServer on a free loopback port, stopped on exit."""
    server = ExportServer(ServerConfig(host="127.0.0.1", port=0, **config))
    server.start()
    try:
        yield server
    finally:
        server.stop(grace=None)


def health_stub(channel: grpc.Channel) -> Any:
    """grpc_health's HealthStub (its stubs do not declare Check and Watch)."""
    return health_pb2_grpc.HealthStub(channel)


def raw_call(channel: grpc.Channel, method: str, payload: bytes, timeout: float = 30) -> bytes:
    """A unary call with hand-made request bytes."""
    call = channel.unary_unary(
        f"/{SERVICE}/{method}",
        request_serializer=lambda data: data,
        response_deserializer=lambda data: data,
    )
    response: bytes = call(payload, timeout=timeout)
    return response


class ServerProcess:
    """``python -m metagraph_export serve --port 0 ...`` in a child process,
    exporting with ``backend`` (None: the default choice)."""

    def __init__(self, arguments: Sequence[str], log: Path, backend: str | None = None) -> None:
        self.log_path = log
        self._log = open(log, "wb")
        environment = dict(os.environ)
        if backend is not None:
            environment["METAGRAPH_EXPORT_BACKEND"] = backend
        self.process = subprocess.Popen(
            [sys.executable, "-m", "metagraph_export", "serve", "--port", "0", *arguments],
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=REPO_ROOT,
            env=environment,
        )
        assert self.process.stdout is not None
        line = self._read_line(timeout=60)
        match = re.fullmatch(rb"listening on (\S+):(\d+)\n", line)
        if match is None:
            self.kill()
            raise AssertionError(f"unexpected first line {line!r}; log: {self.log()}")
        self.host = match.group(1).decode()
        self.port = int(match.group(2))

    def _read_line(self, timeout: float) -> bytes:
        result: list[bytes] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        if not result:
            self.kill()
            raise AssertionError(f"the server did not start in {timeout} s; log: {self.log()}")
        return result[0]

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def status(self, field: str) -> int:
        """A field of /proc/<pid>/status in kB (VmHWM, VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def terminate(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


@contextmanager
def server_process(
    arguments: Sequence[str], log: Path, backend: str | None = None
) -> Iterator[ServerProcess]:
    server = ServerProcess(arguments, log, backend)
    try:
        yield server
    finally:
        server.kill()


def wait_until(predicate: Any, timeout: float = 10, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def files_below(directory: Path) -> set[str]:
    return {
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() or path.is_symlink()
    }


# --- tests of the helpers ---------------------------------------------------


def test_certificates_are_pem() -> None:
    pytest.importorskip("cryptography")
    certificates = make_certificates()
    assert certificates.ca.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE KEY" in certificates.server_key
    assert certificates.ca != certificates.other_ca


def test_in_process_server_answers() -> None:
    with (
        in_process_server() as server,
        grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel,
    ):
        grpc.channel_ready_future(channel).result(timeout=10)
        assert ExportServiceStub(channel) is not None
