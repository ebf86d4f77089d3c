"""Reading and writing this package's messages as TensorFlow does.

The package's protobuf types live in their own descriptor pool
(:data:`DESCRIPTOR_POOL`), so that it and TensorFlow load into one process in
either order; TensorFlow's own message objects are accepted wherever ours are
(:func:`as_message`). Text format expands packed ``Any`` values as TensorFlow's
``write_graph`` does.
"""

from __future__ import annotations

from ._codec import as_message, encode, parse_message
from ._pool import POOL as DESCRIPTOR_POOL
from ._pool import from_text, to_text

__all__ = ["DESCRIPTOR_POOL", "as_message", "encode", "from_text", "parse", "to_text"]

parse = parse_message
"""``parse(data, cls, source, fmt="auto")``: ``data`` as a ``cls`` message,
binary or text format (``fmt``: "binary", "text", or "auto": text when the data
is UTF-8 and parses as text, else binary); DecodeError naming ``source`` and
both reasons otherwise."""
