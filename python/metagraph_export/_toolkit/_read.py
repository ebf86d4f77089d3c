"""Reading the files the toolkit works on: a MetaGraphDef, a GraphDef or a
graph snapshot, in binary or text format, told apart as ``inspect`` does."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf import message as _message

from .. import _codec
from .._pool import coerce
from ..errors import ArgumentTypeError, DecodeError
from ..snapshot.v1.snapshot_pb2 import GraphSnapshot
from ..tf.graph_pb2 import GraphDef
from ..tf.meta_graph_pb2 import MetaGraphDef
from ._names import GRAPH_TYPE_NAMES

__all__ = ["GRAPH_TYPES", "Loaded", "as_meta_graph", "load", "read_bytes"]

GRAPH_TYPES: dict[str, type[_message.Message]] = dict(
    zip(GRAPH_TYPE_NAMES, (MetaGraphDef, GraphDef, GraphSnapshot), strict=True)
)

# Types are told from the first items of each repeated field, so that a graph
# of a million nodes is told as fast as one of ten.
_SAMPLE = 64
_CHUNK = 16 << 20


@dataclass(frozen=True)
class Loaded:
    """A file read as a meta graph."""

    path: str
    kind: str
    """What the file holds: one of :data:`GRAPH_TYPES`."""
    meta_graph_def: MetaGraphDef
    """The file's MetaGraphDef; a GraphDef's is an otherwise empty MetaGraphDef
    around it; a snapshot's is its export with the default options."""
    message: _message.Message
    """The file's message, as read."""
    size: int


def as_meta_graph(message: object, argument: str) -> MetaGraphDef:
    """A MetaGraphDef, or a GraphDef as the graph of an otherwise empty one
    (TensorFlow's own classes too). The argument is never changed."""
    full_name = getattr(getattr(message, "DESCRIPTOR", None), "full_name", None)
    if full_name == GraphDef.DESCRIPTOR.full_name:
        holder = MetaGraphDef()
        holder.graph_def.CopyFrom(coerce(message, GraphDef))
        return holder
    try:
        return coerce(message, MetaGraphDef)
    except TypeError:
        raise ArgumentTypeError.expected(
            argument, "a tensorflow.MetaGraphDef or tensorflow.GraphDef message", message
        ) from None


def read_bytes(path: str, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The file's bytes; a directory, a missing or an empty file is a
    DecodeError naming it. ``progress`` is told (bytes read, size)."""
    if os.path.isdir(path):
        raise DecodeError(path, "is a directory, not a file")
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if progress is None or size < _CHUNK:
                data = stream.read()
            else:
                chunks = bytearray()
                while chunk := stream.read(_CHUNK):
                    chunks += chunk
                    progress(len(chunks), max(size, len(chunks)))
                data = bytes(chunks)
    except OSError as error:
        raise DecodeError(path, f"cannot be read ({error.strerror or error})") from None
    if not data:
        raise DecodeError(path, "is empty")
    return data


def load(
    path: str,
    kind: str = "auto",
    fmt: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> Loaded:
    """Reads ``path`` as a MetaGraphDef, GraphDef or snapshot. With ``kind``
    "auto", the type that parses without unknown fields and reads the most
    fields into its schema wins."""
    data = read_bytes(path, progress)
    if kind != "auto":
        parsed = _parse(data, kind, path, fmt)
    else:
        best: tuple[int, str, _message.Message] | None = None
        reasons: list[str] = []
        for name in GRAPH_TYPES:
            try:
                candidate = _parse(data, name, path, fmt)
            except DecodeError as error:
                reasons.append(f"as {name}: {str(error).split(': ', 1)[-1]}")
                continue
            if _codec.has_unknown_fields(candidate, _SAMPLE):
                reasons.append(f"as {name}: has fields unknown to the type")
                continue
            score = _field_count(candidate)
            if best is None or score > best[0]:
                best = (score, name, candidate)
        if best is None:
            raise DecodeError(
                path,
                "is no MetaGraphDef, GraphDef or GraphSnapshot in binary or text format "
                f"({'; '.join(reasons)})",
            )
        _, kind, parsed = best
    return Loaded(path, kind, _meta_graph(kind, parsed), parsed, len(data))


def _parse(data: bytes, kind: str, path: str, fmt: str) -> _message.Message:
    if kind not in GRAPH_TYPES:
        raise ValueError(f"unknown input type {kind!r}")
    return _codec.parse_message(data, GRAPH_TYPES[kind], path, fmt)


def _meta_graph(kind: str, parsed: _message.Message) -> MetaGraphDef:
    if isinstance(parsed, MetaGraphDef):
        return parsed
    if isinstance(parsed, GraphDef):
        holder = MetaGraphDef()
        holder.graph_def.CopyFrom(parsed)
        return holder
    from .._api import export_meta_graph

    return export_meta_graph(graph=parsed)


def _field_count(message: _message.Message) -> int:
    """How many fields a parse filled, nested ones included, in the first
    ``_SAMPLE`` items of each repeated field."""
    count = 0
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            count += 1
        elif descriptor.message_type.GetOptions().map_entry:
            count += len(value)
        elif descriptor.is_repeated:
            count += sum(1 + _field_count(item) for item in itertools.islice(value, _SAMPLE))
        else:
            count += 1 + _field_count(value)
    return count
