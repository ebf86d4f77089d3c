"""Reading the files the toolkit works on: a MetaGraphDef, a GraphDef or a
graph snapshot, in binary or text format, told apart as every command tells
them (``_input``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf import message as _message

from .. import _input
from .._pool import coerce
from ..errors import ArgumentTypeError
from ..tf.graph_pb2 import GraphDef
from ..tf.meta_graph_pb2 import MetaGraphDef
from ._names import GRAPH_TYPE_NAMES

__all__ = ["GRAPH_TYPES", "Loaded", "as_meta_graph", "load", "read_bytes"]

GRAPH_TYPES: dict[str, type[_message.Message]] = {
    name: _input.TYPES[name] for name in GRAPH_TYPE_NAMES
}


@dataclass(frozen=True)
class Loaded:
    """A file read as a meta graph."""

    path: str
    kind: str
    """What the file holds: one of :data:`GRAPH_TYPES`."""
    meta_graph_def: MetaGraphDef
    """The file's MetaGraphDef; a GraphDef's is an otherwise empty MetaGraphDef
    around it (whose ``graph_def`` is ``message``, not a copy); a snapshot's is
    its export with the default options."""
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
    return _input.read(path, progress=progress)


def load(
    path: str,
    kind: str = "auto",
    fmt: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> Loaded:
    """Reads ``path`` as a MetaGraphDef, GraphDef or snapshot. With ``kind``
    "auto", the type that parses without unknown fields and reads the most
    fields into its schema wins."""
    if kind != "auto" and kind not in GRAPH_TYPES:
        raise ValueError(f"unknown input type {kind!r}")
    data = read_bytes(path, progress)
    if kind == "auto":
        parsed = _input.tell(data, GRAPH_TYPE_NAMES, path, fmt)
    else:
        parsed = _input.parse(data, kind, path, fmt)
    if parsed.holder is not None:
        meta_graph_def = parsed.holder
    else:
        from .._api import export_meta_graph

        meta_graph_def = export_meta_graph(graph=parsed.message)
    return Loaded(path, parsed.kind, meta_graph_def, parsed.message, len(data))
