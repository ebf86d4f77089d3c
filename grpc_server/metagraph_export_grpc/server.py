"""The server: the export service, health checking and reflection on one port."""

from __future__ import annotations

import logging
from concurrent import futures
from dataclasses import dataclass
from typing import cast

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor, FileDescriptor
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from metagraph_export.codec import DESCRIPTOR_POOL as POOL
from metagraph_export.errors import MAX_MESSAGE_BYTES

from ._auth import BearerTokenInterceptor
from ._paths import OutputRoot
from ._service import SERVICE_NAME, ExportServicer, ServiceLimits

logger = logging.getLogger("metagraph_export_grpc")

DEFAULT_MAX_MESSAGE_BYTES = 64 << 20


@dataclass(frozen=True)
class TlsConfig:
    """PEM-encoded TLS material."""

    certificate_chain: bytes
    private_key: bytes
    client_ca: bytes | None = None
    """When set, clients must present a certificate signed by one of these CAs."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0
    """0 picks a free port; ExportServer.start returns it."""
    output_root: str | None = None
    """The only directory ``filename`` may write below; None writes no file."""
    tls: TlsConfig | None = None
    tokens: tuple[bytes, ...] = ()
    """Bearer tokens, any of which authorizes a call; none disables authentication."""
    max_workers: int = 8
    max_concurrent_rpcs: int | None = None
    """Beyond this many calls at once, more are refused with RESOURCE_EXHAUSTED."""
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_stream_bytes: int = MAX_MESSAGE_BYTES


class _ReflectionPool:
    """The descriptors reflection serves: the service's, in metagraph_export's
    private pool, then health's and reflection's own, in the default pool."""

    _POOLS = (POOL, descriptor_pool.Default())

    def _first(self, method: str, *args: object) -> object:
        for pool in self._POOLS:
            try:
                return getattr(pool, method)(*args)
            except KeyError:
                continue
        raise KeyError(args[0] if args else method)

    def FindFileByName(self, name: str) -> FileDescriptor:
        return cast(FileDescriptor, self._first("FindFileByName", name))

    def FindFileContainingSymbol(self, symbol: str) -> FileDescriptor:
        return cast(FileDescriptor, self._first("FindFileContainingSymbol", symbol))

    def FindMessageTypeByName(self, name: str) -> Descriptor:
        return cast(Descriptor, self._first("FindMessageTypeByName", name))

    def FindExtensionByNumber(self, message: Descriptor, number: int) -> FieldDescriptor:
        return message.file.pool.FindExtensionByNumber(message, number)

    def FindAllExtensions(self, message: Descriptor) -> list[FieldDescriptor]:
        return list(message.file.pool.FindAllExtensions(message))


class ExportServer:
    """A running (or ready to run) server for one configuration."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.port: int | None = None
        output_root = OutputRoot(config.output_root) if config.output_root is not None else None
        self.output_root = output_root.path if output_root is not None else None
        limits = ServiceLimits(
            max_message_bytes=config.max_message_bytes,
            max_stream_bytes=config.max_stream_bytes,
        )
        self._servicer = ExportServicer(output_root, limits)
        interceptors: list[grpc.ServerInterceptor] = []
        if config.tokens:
            interceptors.append(BearerTokenInterceptor(config.tokens))
        self._server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=config.max_workers, thread_name_prefix="metagraph-export"
            ),
            interceptors=interceptors,
            options=[
                ("grpc.max_receive_message_length", config.max_message_bytes),
                ("grpc.max_send_message_length", config.max_message_bytes),
                # One port per process: refuse to share it with another server.
                ("grpc.so_reuseport", 0),
            ],
            maximum_concurrent_rpcs=config.max_concurrent_rpcs,
        )
        self._server.add_generic_rpc_handlers((self._servicer.handler(),))
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME),
            self._server,
            pool=cast(descriptor_pool.DescriptorPool, _ReflectionPool()),
        )

    @property
    def address(self) -> str:
        host = self.config.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{host}:{self.port}"

    def start(self) -> int:
        """Binds the port, starts serving and returns the port."""
        host = self.config.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        address = f"{host}:{self.config.port}"
        tls = self.config.tls
        if tls is None:
            port = self._server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(tls.private_key, tls.certificate_chain)],
                root_certificates=tls.client_ca,
                require_client_auth=tls.client_ca is not None,
            )
            port = self._server.add_secure_port(address, credentials)
        if port == 0:
            raise OSError(f"cannot listen on {address}")
        self.port = port
        self._server.start()
        for service in ("", SERVICE_NAME):
            self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        logger.info("serving %s on %s", SERVICE_NAME, self.address)
        return port

    def stop(self, grace: float | None) -> None:
        """Stops taking calls; calls in flight get ``grace`` seconds to finish,
        then are cancelled (an abandoned export writes no file). Blocks until done."""
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait()

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)
