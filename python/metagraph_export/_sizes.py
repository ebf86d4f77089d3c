"""Encoded sizes, also of messages of 2 GiB and more, whose encoding protobuf
refuses (spec EXP-LIMIT-1)."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import EncodeError, Message

from .tf.graph_pb2 import GraphDef

_LENGTH_DELIMITED_SCALARS = (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_BYTES)
# Up to this many nodes, a graph is cheaper to measure node by node: protobuf's
# ByteSize encodes the whole message into a growing buffer, several times its
# size in memory, where a node at a time holds one node's encoding.
FEW_NODES = 1 << 14


def byte_size(message: Message) -> int:
    """The encoded size of a message, also at 2 GiB and beyond, where protobuf's
    own ByteSize refuses to answer."""
    try:
        return message.ByteSize()
    except EncodeError:
        return summed_size(message)


def graph_size(graph_def: GraphDef) -> int:
    """The encoded size of a GraphDef, node by node when it has few nodes."""
    if len(graph_def.node) <= FEW_NODES:
        return summed_size(graph_def)
    return byte_size(graph_def)


def summed_size(message: Message) -> int:
    """The encoded size of a message as the sum of its fields' sizes."""
    # Sum the parts: every scalar field at once, then each message field with
    # its tag and length prefix.
    scalars = type(message)()
    total = 0
    for descriptor, value in message.ListFields():
        if descriptor.type in _LENGTH_DELIMITED_SCALARS:
            # Measured by hand: one string can be the whole 2 GiB.
            tag = varint_size(descriptor.number << 3)
            for item in value if descriptor.is_repeated else [value]:
                length = len(item.encode("utf-8") if isinstance(item, str) else item)
                total += tag + varint_size(length) + length
            continue
        if descriptor.message_type is None or descriptor.message_type.GetOptions().map_entry:
            if descriptor.message_type is None and not descriptor.is_repeated:
                setattr(scalars, descriptor.name, value)
            elif descriptor.message_type is None:
                getattr(scalars, descriptor.name).extend(value)
            else:
                total += map_size(message, descriptor)
            continue
        tag = varint_size(descriptor.number << 3)
        items = value if descriptor.is_repeated else [value]
        for item in items:
            size = byte_size(item)
            total += tag + varint_size(size) + size
    return total + scalars.ByteSize()


def map_size(message: Message, descriptor: FieldDescriptor) -> int:
    """The encoded size of one map field of ``message``."""
    holder = type(message)()
    getattr(holder, descriptor.name).MergeFrom(getattr(message, descriptor.name))
    try:
        return holder.ByteSize()
    except EncodeError:
        return map_size_by_entry(message, descriptor)


def map_size_by_entry(message: Message, descriptor: FieldDescriptor) -> int:
    """:func:`map_size` entry by entry, for a map whose values are messages
    too large to encode: each entry is its key (measured on an entry with an
    empty value) and its value (measured by :func:`byte_size`)."""
    tag = varint_size(descriptor.number << 3)
    total = 0
    for key, value in getattr(message, descriptor.name).items():
        probe = type(message)()
        getattr(probe, descriptor.name)[key].SetInParent()
        # probe = tag + length + key field + empty value field (2 bytes).
        probe_entry = _payload_size(probe.ByteSize() - tag)
        key_part = probe_entry - 2
        value_size = byte_size(value)
        entry = key_part + 1 + varint_size(value_size) + value_size
        total += tag + varint_size(entry) + entry
    return total


def _payload_size(framed: int) -> int:
    """The n with varint_size(n) + n == framed."""
    for prefix in range(1, 6):
        if varint_size(framed - prefix) == prefix:
            return framed - prefix
    raise ValueError(f"no payload is framed in {framed} bytes")


def varint_size(value: int) -> int:
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size
