"""``metagraph-export serve``: run the gRPC service until SIGTERM or SIGINT.

Prints ``listening on HOST:PORT`` on stdout once the port is bound (with
``--port 0``, the port picked). On SIGTERM or SIGINT the server stops taking
calls, reports NOT_SERVING to health checks, lets calls in flight finish for
``--grace`` seconds, cancels the rest (an abandoned export writes no file) and
exits with status 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from metagraph_export.errors import MAX_MESSAGE_BYTES

from ._auth import read_tokens
from .server import DEFAULT_MAX_MESSAGE_BYTES, ExportServer, ServerConfig, TlsConfig

MIN_MESSAGE_BYTES = 64 << 10


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Serve metagraph_export.service.v1.ExportService (with health "
        "checking and reflection) over gRPC.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=50051, help="port to listen on; 0 picks one (default: 50051)"
    )
    parser.add_argument(
        "--output-root",
        metavar="DIR",
        help="the directory below which requests' filename is written; without it, "
        "a request with a filename is refused and bytes come back in the response only",
    )
    tls = parser.add_argument_group("TLS")
    tls.add_argument("--tls-cert", metavar="PEM", help="server certificate chain")
    tls.add_argument("--tls-key", metavar="PEM", help="server private key")
    tls.add_argument(
        "--tls-client-ca",
        metavar="PEM",
        help="require client certificates signed by these CAs (mutual TLS)",
    )
    parser.add_argument(
        "--auth-token-file",
        metavar="FILE",
        help="require 'authorization: Bearer <token>' with one of the tokens in FILE "
        "(one per line); health checking and reflection stay open",
    )
    parser.add_argument(
        "--max-workers", type=int, default=8, help="threads running calls (default: 8)"
    )
    parser.add_argument(
        "--max-concurrent-rpcs",
        type=int,
        metavar="N",
        help="refuse calls beyond N at once with RESOURCE_EXHAUSTED (default: no limit)",
    )
    parser.add_argument(
        "--max-message-bytes",
        type=int,
        default=DEFAULT_MAX_MESSAGE_BYTES,
        metavar="N",
        help=f"largest message received or sent (default: {DEFAULT_MAX_MESSAGE_BYTES:,}); "
        "larger exports go through ExportStream",
    )
    parser.add_argument(
        "--max-stream-bytes",
        type=int,
        default=MAX_MESSAGE_BYTES,
        metavar="N",
        help=f"largest request ExportStream accepts (default and maximum: {MAX_MESSAGE_BYTES:,})",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long calls in flight may finish (default: 10)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="log level on stderr (default: INFO)",
    )
    return parser


def _config(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> ServerConfig:
    if (arguments.tls_cert is None) != (arguments.tls_key is None):
        parser.error("--tls-cert and --tls-key go together")
    if arguments.tls_client_ca is not None and arguments.tls_cert is None:
        parser.error("--tls-client-ca needs --tls-cert and --tls-key")
    if not 0 <= arguments.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if arguments.max_workers < 1:
        parser.error("--max-workers must be at least 1")
    if arguments.max_concurrent_rpcs is not None and arguments.max_concurrent_rpcs < 1:
        parser.error("--max-concurrent-rpcs must be at least 1")
    if not MIN_MESSAGE_BYTES <= arguments.max_message_bytes <= MAX_MESSAGE_BYTES:
        parser.error(
            f"--max-message-bytes must be between {MIN_MESSAGE_BYTES:,} and {MAX_MESSAGE_BYTES:,}"
        )
    if not 1 <= arguments.max_stream_bytes <= MAX_MESSAGE_BYTES:
        parser.error(f"--max-stream-bytes must be between 1 and {MAX_MESSAGE_BYTES:,}")
    if arguments.grace < 0:
        parser.error("--grace must not be negative")
    tls = None
    tokens: tuple[bytes, ...] = ()
    try:
        if arguments.tls_cert is not None:
            tls = TlsConfig(
                certificate_chain=_read(arguments.tls_cert),
                private_key=_read(arguments.tls_key),
                client_ca=_read(arguments.tls_client_ca) if arguments.tls_client_ca else None,
            )
        if arguments.auth_token_file is not None:
            tokens = read_tokens(arguments.auth_token_file)
    except (OSError, ValueError) as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    return ServerConfig(
        host=arguments.host,
        port=arguments.port,
        output_root=arguments.output_root,
        tls=tls,
        tokens=tokens,
        max_workers=arguments.max_workers,
        max_concurrent_rpcs=arguments.max_concurrent_rpcs,
        max_message_bytes=arguments.max_message_bytes,
        max_stream_bytes=arguments.max_stream_bytes,
    )


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def main(argv: Sequence[str] | None = None, prog: str = "metagraph-export serve") -> int:
    parser = _parser(prog)
    arguments = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    config = _config(parser, arguments)
    logging.basicConfig(
        level=arguments.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The exporter logs its diagnostics as TensorFlow does; here they go back
    # to the client in each response instead.
    logging.getLogger("metagraph_export").setLevel(logging.ERROR)
    try:
        server = ExportServer(config)
        server.start()
    except (OSError, RuntimeError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1

    stopping = threading.Event()

    def on_signal(number: int, _: FrameType | None) -> None:
        logging.getLogger("metagraph_export_grpc").info(
            "%s: stopping (grace %s s)", signal.Signals(number).name, arguments.grace
        )
        stopping.set()

    previous = {
        number: signal.signal(number, on_signal) for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        print(f"listening on {server.address}", flush=True)
        while not stopping.wait(3600):
            pass
        server.stop(arguments.grace)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
