"""Bearer-token authentication: ``authorization: Bearer <token>`` metadata.

Health checking and reflection stay open, so that load balancers and tools
can probe a server without its tokens.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import grpc

# Methods callable without a token.
OPEN_SERVICES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


def read_tokens(path: str) -> tuple[bytes, ...]:
    """The tokens of a token file: one per line; blank lines and lines starting
    with '#' are ignored, so tokens can be rotated by listing old and new."""
    with open(path, encoding="utf-8") as stream:
        lines = [line.strip() for line in stream]
    tokens = tuple(line.encode("utf-8") for line in lines if line and not line.startswith("#"))
    if not tokens:
        raise ValueError(f"{path}: no token in the token file")
    return tokens


class BearerTokenInterceptor(grpc.ServerInterceptor):
    """Refuses calls without one of the tokens with UNAUTHENTICATED."""

    def __init__(self, tokens: Sequence[bytes]) -> None:
        self._tokens = tuple(tokens)

    def _authorized(self, metadata: Iterable[tuple[str, str | bytes]] | None) -> bool:
        for key, value in metadata or ():
            if key != "authorization":
                continue
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            scheme, _, token = text.partition(" ")
            if scheme.lower() != "bearer":
                continue
            presented = token.strip().encode("utf-8", errors="surrogateescape")
            # Compare with every token, in constant time for each.
            if any([hmac.compare_digest(presented, known) for known in self._tokens]):
                return True
        return False

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        method: str = handler_call_details.method
        if method.startswith(OPEN_SERVICES):
            return continuation(handler_call_details)
        if self._authorized(handler_call_details.invocation_metadata):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        return _refusing(handler)


def _refuse(_: Any, context: grpc.ServicerContext) -> Any:
    context.abort(
        grpc.StatusCode.UNAUTHENTICATED,
        "a valid bearer token is required: metadata 'authorization: Bearer <token>'",
    )


def _refusing(handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same kind as ``handler`` that refuses the call unread."""
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(_refuse)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(_refuse)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(_refuse)
    return grpc.unary_unary_rpc_method_handler(_refuse)
