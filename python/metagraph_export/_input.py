"""Input files: their bytes, and the message they hold, told apart.

``export``, ``inspect`` and the toolkit's commands read their inputs here
(``import`` reads its file as the specification of import says, IMP-READ, in
``_importer``). A file is binary or text; with the input type "auto", it
is parsed as each candidate type, and the type that parses without unknown
fields and reads the most fields into its schema wins (the first candidate on
a tie). Only the first items of each repeated field are looked at, so that a
graph of a million nodes is told as fast as one of ten.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from google.protobuf import message as _message

from . import _codec
from .errors import DecodeError
from .snapshot.v1.snapshot_pb2 import GraphSnapshot
from .tf.graph_debug_info_pb2 import GraphDebugInfo
from .tf.graph_pb2 import GraphDef
from .tf.meta_graph_pb2 import MetaGraphDef

TYPES: dict[str, type[_message.Message]] = {
    "meta_graph_def": MetaGraphDef,
    "graph_def": GraphDef,
    "snapshot": GraphSnapshot,
    "debug_info": GraphDebugInfo,
}
"""The message types an input may hold, by the names the command line uses."""

STDIN = "-"

_SAMPLE = 64
_CHUNK = 16 << 20


def read(
    path: str,
    *,
    allow_empty: bool = False,
    empty_hint: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The bytes of ``path`` (``-``: standard input). A directory, a file that
    cannot be read or, unless allowed, an empty one is a DecodeError naming it
    (``empty_hint`` says how to proceed). ``progress`` is told (bytes read, size)."""
    name = "standard input" if path == STDIN else path
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        if os.path.isdir(path):
            raise DecodeError(path, "is a directory, not a file")
        try:
            data = _read_file(path, progress)
        except OSError as error:
            raise DecodeError(path, f"cannot be read ({error.strerror or error})") from None
    if not data and not allow_empty:
        # An empty file parses as an empty message of any type: it is far more
        # often a failed earlier step than an empty graph.
        raise DecodeError(name, f"is empty{empty_hint}")
    return data


def _read_file(path: str, progress: Callable[[int, int], None] | None) -> bytes:
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if progress is None or size < _CHUNK:
            return stream.read()
        chunks = bytearray()
        while chunk := stream.read(_CHUNK):
            chunks += chunk
            progress(len(chunks), max(size, len(chunks)))
        return bytes(chunks)


@dataclass(frozen=True)
class Parsed:
    """A file's message and its type."""

    kind: str
    """One of :data:`TYPES`."""
    message: _message.Message
    holder: MetaGraphDef | None
    """For a GraphDef, an otherwise empty MetaGraphDef whose ``graph_def`` is
    ``message`` (an export can be built in it, the graph not copied); for a
    MetaGraphDef, ``message`` itself; else None."""


def parse(data: bytes, kind: str, path: str, fmt: str) -> Parsed:
    """``data`` as a ``kind`` (one of :data:`TYPES`) in ``fmt`` (binary, text, auto)."""
    if kind == "graph_def":
        holder = MetaGraphDef()
        _codec.parse_into(data, holder.graph_def, path, fmt)
        return Parsed(kind, holder.graph_def, holder)
    message = _codec.parse_message(data, TYPES[kind], path, fmt)
    return Parsed(kind, message, message if isinstance(message, MetaGraphDef) else None)


def tell(data: bytes, candidates: Sequence[str], path: str, fmt: str) -> Parsed:
    """``data`` as the candidate type that reads it best (see the module)."""
    best: tuple[int, Parsed] | None = None
    reasons: list[str] = []
    for kind in candidates:
        try:
            parsed = parse(data, kind, path, fmt)
        except DecodeError as error:
            reasons.append(f"as {kind}: {str(error).split(': ', 1)[-1]}")
            continue
        if _codec.has_unknown_fields(parsed.message, _SAMPLE):
            full_name = TYPES[kind].DESCRIPTOR.full_name
            reasons.append(f"as {kind}: fields unknown to {full_name}")
        else:
            score = _field_count(parsed.message)
            if best is None or score > best[0]:
                best = (score, parsed)
        del parsed  # no more than the best parse is kept during the next one
    if best is None:
        names = [TYPES[kind].DESCRIPTOR.name for kind in candidates]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise DecodeError(path, f"is no {listed} in binary or text format ({'; '.join(reasons)})")
    return best[1]


def _field_count(message: _message.Message) -> int:
    """How many fields a parse filled, nested ones included, in the first
    ``_SAMPLE`` items of each repeated field: the reading of a file as the
    right type interprets more of it as structure."""
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
