"""Re-encoding a message: binary (deterministic), text format, or JSON."""

from __future__ import annotations

from google.protobuf import json_format
from google.protobuf import message as _message

from .. import _codec
from .._pool import POOL
from ..errors import DecodeError, InvalidArgumentError
from ._names import FORMATS

__all__ = ["FORMATS", "encode"]


def encode(message: _message.Message, to: str) -> bytes:
    """``message`` in format ``to``: "binary" (the deterministic encoding TensorFlow's
    write_graph writes), "text" (text format, Any values expanded), or "json"
    (protobuf's JSON mapping, field names as in the .proto files)."""
    if to == "binary":
        return _codec.encode(message, as_text=False)
    if to == "text":
        return _codec.encode(message, as_text=True)
    if to == "json":
        try:
            text = json_format.MessageToJson(
                message, preserving_proto_field_name=True, indent=1, descriptor_pool=POOL
            )
        except (json_format.Error, TypeError, _message.DecodeError) as error:
            raise DecodeError(
                message.DESCRIPTOR.full_name, f"cannot be written as JSON ({error})"
            ) from None
        return (text + "\n").encode("utf-8")
    raise InvalidArgumentError("to", f"must be one of {', '.join(FORMATS)}, not {to!r}")
