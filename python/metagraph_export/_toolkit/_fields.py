"""Field-by-field comparison of two messages, as readable paths and values."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import message as _message
from google.protobuf.descriptor import FieldDescriptor

from .._pool import to_text

__all__ = ["Change", "compare", "show"]

# Values longer than this are shown cut, with their length.
_SHOWN_CHARS = 160


@dataclass(frozen=True)
class Change:
    """One field that differs: its path from the compared message, and its
    value before and after, shown as text; None where the field is absent."""

    path: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}

    def __str__(self) -> str:
        before = "(absent)" if self.before is None else self.before
        after = "(absent)" if self.after is None else self.after
        return f"{self.path}: {before} -> {after}"


def compare(a: _message.Message, b: _message.Message, path: str = "") -> list[Change]:
    """The differences between two messages of one type, field by field.

    Two messages with the same deterministic encoding have none, and the
    other way round: floats are compared by their bits (-0.0 is not 0.0, a
    NaN is itself), and fields the schema does not know are compared by
    their encoding."""
    changes = list(_walk(a, b, path))
    if not changes and _encoding(a) != _encoding(b):
        changes.append(Change(path or "(message)", "(unknown fields)", "(other unknown fields)"))
    return changes


def _encoding(message: _message.Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def _walk(a: _message.Message, b: _message.Message, path: str) -> Iterator[Change]:
    fields = {field.number: field for field, _ in a.ListFields()}
    fields.update({field.number: field for field, _ in b.ListFields()})
    for number in sorted(fields):
        field = fields[number]
        name = f"{path}.{field.name}" if path else field.name
        va, vb = getattr(a, field.name), getattr(b, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            yield from _walk_map(field, va, vb, name)
        elif field.is_repeated:
            yield from _walk_repeated(field, va, vb, name)
        elif field.message_type is not None:
            if a.HasField(field.name) and b.HasField(field.name):
                yield from _walk(va, vb, name)
            else:
                yield Change(
                    name,
                    show(va) if a.HasField(field.name) else None,
                    show(vb) if b.HasField(field.name) else None,
                )
        elif not _same(va, vb):
            yield Change(name, show(va, field), show(vb, field))


def _walk_map(field: FieldDescriptor, a: Any, b: Any, path: str) -> Iterator[Change]:
    value_field = field.message_type.fields_by_name["value"]  # type: ignore[union-attr]
    for key in sorted(set(a) | set(b)):
        name = f"{path}[{json.dumps(key) if isinstance(key, str) else key}]"
        if key not in a or key not in b:
            yield Change(
                name,
                show(a[key], value_field) if key in a else None,
                show(b[key], value_field) if key in b else None,
            )
        elif value_field.message_type is not None:
            yield from _walk(a[key], b[key], name)
        elif not _same(a[key], b[key]):
            yield Change(name, show(a[key], value_field), show(b[key], value_field))


def _walk_repeated(field: FieldDescriptor, a: Any, b: Any, path: str) -> Iterator[Change]:
    for index in range(max(len(a), len(b))):
        name = f"{path}[{index}]"
        if index >= len(a) or index >= len(b):
            yield Change(
                name,
                show(a[index], field) if index < len(a) else None,
                show(b[index], field) if index < len(b) else None,
            )
        elif field.message_type is not None:
            yield from _walk(a[index], b[index], name)
        elif not _same(a[index], b[index]):
            yield Change(name, show(a[index], field), show(b[index], field))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    return bool(a == b)


def show(value: Any, field: FieldDescriptor | None = None) -> str:
    """A value as one line of text: strings quoted, enums by name, messages in
    one-line text format; cut to a readable length."""
    if isinstance(value, _message.Message):
        try:
            text = "{" + to_text(value, as_one_line=True) + "}"
        except _message.DecodeError:
            # An Any whose bytes are not its type: shown by its encoding.
            text = f"{{{value.DESCRIPTOR.name} {value.SerializeToString(deterministic=True)!r}}}"
    elif field is not None and field.enum_type is not None and isinstance(value, int):
        number = field.enum_type.values_by_number.get(value)
        text = number.name if number is not None else str(value)
    elif isinstance(value, bytes):
        try:
            text = "b" + json.dumps(value.decode("utf-8"))
        except UnicodeDecodeError:
            text = repr(value)
    elif isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = repr(value)
    if len(text) > _SHOWN_CHARS:
        text = f"{text[: _SHOWN_CHARS - 20]}... ({len(text):,} chars)"
    return text
