"""Turning caller input into messages and messages into file content."""

from __future__ import annotations

import itertools
from typing import TypeVar

from google.protobuf import message as _message
from google.protobuf import text_format

from ._pool import coerce, from_text, to_text
from .errors import ArgumentTypeError, DecodeError

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
