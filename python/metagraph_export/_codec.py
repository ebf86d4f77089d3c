"""Turning caller input into messages and messages into file content."""

from __future__ import annotations

import itertools
from typing import BinaryIO, TypeVar

from google.protobuf import message as _message
from google.protobuf import text_format

from ._pool import coerce, from_text, to_text
from ._sizes import FEW_NODES, byte_size, varint_size
from .errors import ArgumentTypeError, DecodeError
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef

M = TypeVar("M", bound=_message.Message)


def full_name(value: object) -> str | None:
    name = getattr(getattr(value, "DESCRIPTOR", None), "full_name", None)
    return name if isinstance(name, str) else None


def as_message(value: object, cls: type[M], argument: str) -> M:
    """``value`` as an instance of ``cls``, accepting any protobuf class of the
    same full name (TensorFlow's own, say). The caller's object is never
    changed; an instance of ``cls`` itself is returned as is."""
    try:
        return coerce(value, cls)
    except TypeError:
        raise ArgumentTypeError.expected(
            argument, f"a {cls.DESCRIPTOR.full_name} message", value
        ) from None


def parse_message(data: bytes, cls: type[M], source: str, fmt: str = "auto") -> M:
    """Parses binary or text format. ``fmt`` is "binary", "text" or "auto";
    "auto" takes text when the data is UTF-8 and parses as text, else binary."""
    return parse_into(data, cls(), source, fmt)


def parse_into(data: bytes, message: M, source: str, fmt: str = "auto") -> M:
    """:func:`parse_message` into an existing (empty) message, which may be a
    field of another: a large input is then parsed where it is needed."""
    if fmt not in ("auto", "binary", "text"):
        raise ValueError(f"unknown format {fmt!r}")
    errors: list[str] = []
    if fmt in ("auto", "text"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            errors.append("text format: not UTF-8")
        else:
            try:
                return from_text(text, message)
            except text_format.ParseError as error:
                errors.append(f"text format: {error}")
    if fmt in ("auto", "binary"):
        try:
            message.Clear()
            message.ParseFromString(data)
            return message
        except _message.DecodeError as error:
            errors.append(f"binary format: {error or 'truncated or malformed'}")
    message.Clear()
    name = message.DESCRIPTOR.full_name
    raise DecodeError(source, f"not a valid {name} ({'; '.join(errors)})")


def encode(message: _message.Message, as_text: bool) -> bytes:
    """The bytes TensorFlow's ``write_graph`` writes for a message (spec EXP-ENC-1, EXP-ENC-7)."""
    if as_text:
        try:
            return to_text(message).encode("utf-8")
        except _message.DecodeError as error:
            # Text format expands Any values of known types, so it parses them.
            raise DecodeError(
                message.DESCRIPTOR.full_name, f"an Any value cannot be parsed as its type ({error})"
            ) from None
    return message.SerializeToString(deterministic=True)


def has_unknown_fields(message: _message.Message, sample: int | None = None) -> bool:
    """Whether any message in the tree carries fields its schema does not know;
    with ``sample``, only the first ``sample`` items of each repeated field and
    map are looked at, which bounds the cost on a graph of any size."""
    from google.protobuf import unknown_fields

    if len(unknown_fields.UnknownFieldSet(message)):
        return True
    for descriptor, value in message.ListFields():
        message_type = descriptor.message_type
        if message_type is None:
            continue
        if message_type.GetOptions().map_entry:
            if message_type.fields_by_name["value"].type == descriptor.TYPE_MESSAGE:
                items = itertools.islice(value.values(), sample)
                if any(has_unknown_fields(item, sample) for item in items):
                    return True
        elif descriptor.is_repeated:
            if any(has_unknown_fields(item, sample) for item in itertools.islice(value, sample)):
                return True
        elif has_unknown_fields(value, sample):
            return True
    return False


# Encoding a large graph node by node keeps no more than one node's encoding
# in memory, where encoding it whole holds the encoding twice (protobuf's
# buffer and the bytes made from it). It needs the size first, which costs an
# encoding, and a call per node: it is for graphs of few, large nodes (big
# constants), where both are cheap.
_STREAM_MIN_BYTES = 64 << 20
_STREAM_MIN_NODE_BYTES = 1 << 10
_GRAPH_DEF_TAG = b"\x12"  # MetaGraphDef.graph_def: field 2, length-delimited
_NODE_TAG = b"\x0a"  # GraphDef.node: field 1, length-delimited


def streamed_size(meta_graph_def: MetaGraphDef) -> tuple[int, int] | None:
    """For a graph :func:`write_binary` suits, the sizes of the meta graph and
    of its graph, measured node by node (protobuf's ByteSize encodes the whole
    message into a growing buffer, which costs several times its size);
    otherwise None.

    Streaming writes exactly what SerializeToString(deterministic=True)
    returns as long as the top-level messages carry no unknown fields, which
    protobuf writes last in theirs."""
    from google.protobuf import unknown_fields

    graph = meta_graph_def.graph_def
    nodes = len(graph.node)
    if not 0 < nodes <= FEW_NODES:
        return None
    if len(unknown_fields.UnknownFieldSet(meta_graph_def)) or len(
        unknown_fields.UnknownFieldSet(graph)
    ):
        return None
    graph_size = byte_size(_fields_except(graph, GraphDef(), "node"))
    for node in graph.node:
        node_size = byte_size(node)
        graph_size += len(_NODE_TAG) + varint_size(node_size) + node_size
    if graph_size < _STREAM_MIN_BYTES or graph_size // nodes < _STREAM_MIN_NODE_BYTES:
        return None
    rest = byte_size(_fields_except(meta_graph_def, MetaGraphDef(), "graph_def"))
    return rest + len(_GRAPH_DEF_TAG) + varint_size(graph_size) + graph_size, graph_size


def write_binary(meta_graph_def: MetaGraphDef, graph_size: int, stream: BinaryIO) -> None:
    """Writes the deterministic binary encoding of ``meta_graph_def``, whose
    ``graph_def`` encodes in ``graph_size`` bytes, with the graph's nodes
    encoded one at a time. Fields come in field-number order, as protobuf
    writes them."""
    head = MetaGraphDef()
    if meta_graph_def.HasField("meta_info_def"):
        head.meta_info_def.CopyFrom(meta_graph_def.meta_info_def)
    stream.write(head.SerializeToString(deterministic=True))
    stream.write(_GRAPH_DEF_TAG + _varint(graph_size))
    graph = meta_graph_def.graph_def
    for node in graph.node:
        encoded = node.SerializeToString(deterministic=True)
        stream.write(_NODE_TAG + _varint(len(encoded)))
        stream.write(encoded)
        del encoded
    stream.write(_fields_except(graph, GraphDef(), "node").SerializeToString(deterministic=True))
    tail = _fields_except(meta_graph_def, MetaGraphDef(), "meta_info_def", "graph_def")
    stream.write(tail.SerializeToString(deterministic=True))


def _fields_except(source: M, target: M, *names: str) -> M:
    for descriptor, value in source.ListFields():
        if descriptor.name in names:
            continue
        if descriptor.message_type is None and not descriptor.is_repeated:
            setattr(target, descriptor.name, value)
        elif descriptor.message_type is not None and not descriptor.is_repeated:
            getattr(target, descriptor.name).CopyFrom(value)
        else:
            getattr(target, descriptor.name).MergeFrom(value)
    return target


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
