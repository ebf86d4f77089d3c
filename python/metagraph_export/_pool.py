"""The descriptor pool that holds this package's protobuf types.

TensorFlow registers tensorflow.MetaGraphDef and the rest of its schema in
protobuf's default pool, and a pool refuses a second definition of a name. The
generated _pb2 modules (tools/gen_protos.py) therefore register in POOL, so this
package and TensorFlow can be imported into one process in either order. Our
classes differ from TensorFlow's but share full names and wire format; coerce()
converts between them. This needs protobuf's C implementation (upb, the
default): the pure-Python one also registers every generated class in the
default pool, where it clashes with TensorFlow's.

The same goes for the well-known types: a google.protobuf.Any field of our
messages holds POOL's Any class, not google.protobuf.any_pb2.Any (the stubs say
otherwise), and CopyFrom, append or a constructor argument with an any_pb2.Any
raise TypeError. Convert first: `coerce(any_message, type(info.any_info))`.
Pack, Unpack, Is and TypeName work with messages of either pool.

Text format: text_format looks up the type of a packed Any in the pool it is
given, by default protobuf's default pool. Our tensorflow.* types are only there
when TensorFlow is imported (as TensorFlow's identical copies), so without
TensorFlow `text_format.MessageToString(msg)` prints their Any contents as a raw
type_url and value, unlike TensorFlow, and Parse rejects the expanded form.
Passing descriptor_pool=POOL expands our types but no longer those only in the
default pool (say a tensorflow.ConfigProto when TensorFlow is imported). So
to_text() and from_text() resolve packed types in POOL first and then in the
default pool, which prints what TensorFlow prints for its own MetaGraphDef in
either kind of process. json_format does the same lookup and raises TypeError
for a type it cannot find; pass it descriptor_pool=POOL. str(message) is no
guide: protobuf's C implementation never expands Any there, for TensorFlow's
messages either.
"""

from __future__ import annotations

from typing import TypeVar, cast

from google.protobuf import (
    any_pb2,
    api_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    empty_pb2,
    field_mask_pb2,
    source_context_pb2,
    struct_pb2,
    text_format,
    timestamp_pb2,
    type_pb2,
    wrappers_pb2,
)
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

__all__ = ["POOL", "coerce", "from_text", "to_text"]

POOL = descriptor_pool.DescriptorPool()

# Our .proto files import well-known types, and a pool resolves imports only
# among its own files, so POOL gets copies of them, dependencies first.
for _module in (
    descriptor_pb2,
    any_pb2,
    duration_pb2,
    empty_pb2,
    field_mask_pb2,
    source_context_pb2,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
    type_pb2,
    api_pb2,
):
    POOL.AddSerializedFile(_module.DESCRIPTOR.serialized_pb)
del _module

_M = TypeVar("_M", bound=Message)


def coerce(message: object, cls: type[_M]) -> _M:
    """Returns `message` as an instance of `cls`, one of this package's message classes.

    An instance of `cls` is returned as it is. Any other protobuf message of the
    same full type name, such as TensorFlow's own tensorflow.GraphDef, is copied
    through its serialized form; the input is never modified.
    """
    expected = cls.DESCRIPTOR.full_name
    if isinstance(message, cls):
        return message
    if isinstance(message, Message) and message.DESCRIPTOR.full_name == expected:
        result = cls()
        # Partial, so a proto2 message with unset required fields converts too.
        result.ParseFromString(message.SerializePartialToString())
        return result
    received = (
        message.DESCRIPTOR.full_name
        if isinstance(message, Message)
        else f"{type(message).__module__}.{type(message).__qualname__}"
    )
    raise TypeError(f"expected a {expected} message, got {received}")


class _AnyTypeResolver:
    """The one lookup text_format makes in a pool: POOL first, then the default pool.

    Not a DescriptorPool subclass: the C implementation's constructor ignores
    subclasses.
    """

    def FindMessageTypeByName(self, full_name: str) -> Descriptor:
        try:
            return POOL.FindMessageTypeByName(full_name)
        except KeyError:
            return descriptor_pool.Default().FindMessageTypeByName(full_name)


_ANY_TYPES = cast(descriptor_pool.DescriptorPool, _AnyTypeResolver())


def to_text(message: Message, *, as_one_line: bool = False) -> str:
    """text_format.MessageToString, with Any contents expanded as TensorFlow would."""
    return text_format.MessageToString(message, as_one_line=as_one_line, descriptor_pool=_ANY_TYPES)


def from_text(text: str, message: _M) -> _M:
    """text_format.Parse into `message`, accepting expanded Any contents of our types."""
    return text_format.Parse(text, message, descriptor_pool=_ANY_TYPES)
