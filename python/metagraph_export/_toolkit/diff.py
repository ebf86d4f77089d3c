"""The semantic difference between two meta graphs.

Both sides are first put in their :mod:`canonical <.canonical>` form, so
that what carries no meaning (node and function order, map order, the
serialization of typed collection items, and by default the writer's
TensorFlow version) is not reported. What remains is reported by section:
nodes and functions by name, op list entries by op name, collections by key
(typed items parsed), and the other parts of the MetaGraphDef field by field.
``diff(a, b).equal`` holds exactly when the canonical encodings are equal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf import message as _message

from ..tf.meta_graph_pb2 import CollectionDef, MetaGraphDef
from . import canonical
from ._fields import Change, compare, show

__all__ = ["ADDED", "CHANGED", "REMOVED", "EntryDiff", "GraphDiff", "diff"]

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

# Report sections, in the order they are shown.
SECTIONS = (
    "nodes",
    "functions",
    "library",
    "graph",
    "collections",
    "saver",
    "op_list",
    "meta_info",
    "other",
)

Progress = Callable[[int, int], None]
"""Called with (done, total) as nodes are compared."""


@dataclass(frozen=True)
class EntryDiff:
    """One named entry that was added, removed or changed."""

    section: str
    name: str
    status: str
    kind: str = ""
    """What the entry is: a node's op, a collection's list kind."""
    changes: tuple[Change, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"section": self.section, "name": self.name, "status": self.status}
        if self.kind:
            result["kind"] = self.kind
        if self.changes:
            result["changes"] = [change.to_dict() for change in self.changes]
        return result


@dataclass(frozen=True)
class GraphDiff:
    """Everything that differs between two meta graphs, by section."""

    entries: tuple[EntryDiff, ...]
    include_versions: bool = False

    @property
    def equal(self) -> bool:
        return not self.entries

    def section(self, name: str) -> tuple[EntryDiff, ...]:
        return tuple(entry for entry in self.entries if entry.section == name)

    def names(self, section: str, status: str) -> list[str]:
        return [entry.name for entry in self.section(section) if entry.status == status]

    def to_dict(self) -> dict[str, Any]:
        counts = Counter((entry.section, entry.status) for entry in self.entries)
        return {
            "equal": self.equal,
            "include_versions": self.include_versions,
            "counts": {
                section: {status: counts[section, status] for status in (ADDED, REMOVED, CHANGED)}
                for section in SECTIONS
                if any(counts[section, status] for status in (ADDED, REMOVED, CHANGED))
            },
            "entries": [entry.to_dict() for entry in self.entries],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        if self.equal:
            return "equal"
        lines: list[str] = []
        for section in SECTIONS:
            entries = self.section(section)
            if not entries:
                continue
            counts = Counter(entry.status for entry in entries)
            summary = ", ".join(
                f"{counts[status]} {status}"
                for status in (ADDED, REMOVED, CHANGED)
                if counts[status]
            )
            lines.append(f"{section}: {summary}")
            for entry in entries:
                mark = {ADDED: "+", REMOVED: "-", CHANGED: "~"}[entry.status]
                kind = f" ({entry.kind})" if entry.kind else ""
                lines.append(f"  {mark} {entry.name}{kind}")
                lines.extend(f"      {change}" for change in entry.changes)
        return "\n".join(lines)


def diff(
    a: object,
    b: object,
    *,
    include_versions: bool = False,
    progress: Progress | None = None,
) -> GraphDiff:
    """What differs in meaning between meta graphs (or graphs) ``a`` and ``b``.
    Neither argument is changed."""
    left = canonical.canonical_form(a, include_versions=include_versions)
    right = canonical.canonical_form(b, include_versions=include_versions)
    entries: list[EntryDiff] = []
    entries += _nodes(left, right, progress)
    entries += _keyed(
        "functions",
        left.graph_def.library.function,
        right.graph_def.library.function,
        lambda function: function.signature.name,
    )
    entries += _rest("library", left.graph_def.library, right.graph_def.library, "function")
    entries += _rest(
        "graph", left.graph_def, right.graph_def, "node", "library", prefix="graph_def"
    )
    entries += _collections(left.collection_def, right.collection_def)
    entries += _rest("saver", left.saver_def, right.saver_def, prefix="saver_def")
    entries += _keyed(
        "op_list",
        left.meta_info_def.stripped_op_list.op,
        right.meta_info_def.stripped_op_list.op,
        lambda op: op.name,
    )
    entries += _rest(
        "meta_info",
        left.meta_info_def,
        right.meta_info_def,
        "stripped_op_list",
        prefix="meta_info_def",
    )
    entries += _rest(
        "other", left, right, "graph_def", "collection_def", "saver_def", "meta_info_def"
    )
    if not entries and left.SerializeToString(deterministic=True) != right.SerializeToString(
        deterministic=True
    ):
        # Presence of an empty part, or fields the schema does not know.
        entries += [
            EntryDiff("other", "MetaGraphDef", CHANGED, changes=tuple(compare(left, right)))
        ]
    return GraphDiff(tuple(entries), include_versions)


def _nodes(left: MetaGraphDef, right: MetaGraphDef, progress: Progress | None) -> list[EntryDiff]:
    before = _by_name(left.graph_def.node, lambda node: node.name)
    after = _by_name(right.graph_def.node, lambda node: node.name)
    entries: list[EntryDiff] = []
    total = len(before) + len(after)
    done = 0
    for key, node in before.items():
        other = after.get(key)
        if other is None:
            entries.append(EntryDiff("nodes", _label(key), REMOVED, node.op))
        elif node.SerializeToString(deterministic=True) != other.SerializeToString(
            deterministic=True
        ):
            kind = node.op if node.op == other.op else f"{node.op} -> {other.op}"
            entries.append(
                EntryDiff("nodes", _label(key), CHANGED, kind, tuple(compare(node, other)))
            )
        done += 1
        if progress is not None and done % 4096 == 0:
            progress(done, total)
    for key, node in after.items():
        if key not in before:
            entries.append(EntryDiff("nodes", _label(key), ADDED, node.op))
        done += 1
        if progress is not None and done % 4096 == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    return entries


def _by_name(
    items: Iterable[_message.Message], name: Callable[[Any], str]
) -> dict[tuple[str, int], Any]:
    """Items by (name, occurrence): a second item of the same name is (name, 1)."""
    seen: Counter[str] = Counter()
    result: dict[tuple[str, int], Any] = {}
    for item in items:
        key = name(item)
        result[key, seen[key]] = item
        seen[key] += 1
    return result


def _label(key: tuple[str, int]) -> str:
    name, occurrence = key
    return name if occurrence == 0 else f"{name} (#{occurrence + 1} of that name)"


def _keyed(
    section: str,
    left: Sequence[_message.Message],
    right: Sequence[_message.Message],
    name: Callable[[Any], str],
) -> list[EntryDiff]:
    before, after = _by_name(left, name), _by_name(right, name)
    entries: list[EntryDiff] = []
    for key, item in before.items():
        if key not in after:
            entries.append(EntryDiff(section, _label(key), REMOVED))
        else:
            changes = compare(item, after[key])
            if changes:
                entries.append(EntryDiff(section, _label(key), CHANGED, changes=tuple(changes)))
    entries.extend(EntryDiff(section, _label(key), ADDED) for key in after if key not in before)
    return entries


def _rest(
    section: str, left: _message.Message, right: _message.Message, *skip: str, prefix: str = ""
) -> list[EntryDiff]:
    """The fields of two messages but ``skip``, compared as one entry."""
    a, b = type(left)(), type(right)()
    _copy_except(left, a, skip)
    _copy_except(right, b, skip)
    changes = compare(a, b, prefix)
    if not changes:
        return []
    return [EntryDiff(section, prefix or left.DESCRIPTOR.name, CHANGED, changes=tuple(changes))]


def _copy_except(source: _message.Message, target: _message.Message, skip: Sequence[str]) -> None:
    # The skipped fields are never copied: the graph is large. Unknown fields
    # are left to the final comparison of the whole encodings.
    for field, value in source.ListFields():
        if field.name in skip:
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            getattr(target, field.name).MergeFrom(value)
        elif field.is_repeated:
            getattr(target, field.name).extend(value)
        elif field.message_type is not None:
            getattr(target, field.name).CopyFrom(value)
        else:
            setattr(target, field.name, value)


def _collections(left: Any, right: Any) -> list[EntryDiff]:
    entries: list[EntryDiff] = []
    for key in sorted(set(left) | set(right)):
        name = json.dumps(key)
        if key not in right:
            entries.append(EntryDiff("collections", name, REMOVED, _list_kind(left[key])))
        elif key not in left:
            entries.append(EntryDiff("collections", name, ADDED, _list_kind(right[key])))
        else:
            changes = _collection_changes(key, left[key], right[key])
            if changes:
                entries.append(
                    EntryDiff("collections", name, CHANGED, _list_kind(right[key]), tuple(changes))
                )
    return entries


def _list_kind(collection: CollectionDef) -> str:
    return collection.WhichOneof("kind") or "empty"


def _collection_changes(key: str, a: CollectionDef, b: CollectionDef) -> list[Change]:
    cls = canonical.item_type(key)
    both_bytes = _list_kind(a) == _list_kind(b) == "bytes_list"
    if cls is None or not both_bytes:
        return compare(a, b)
    # Typed items: compared as the messages they encode.
    values_a, values_b = a.bytes_list.value, b.bytes_list.value
    changes: list[Change] = []
    for index in range(max(len(values_a), len(values_b))):
        path = f"bytes_list.value[{index}]"
        if index >= len(values_a) or index >= len(values_b):
            changes.append(
                Change(
                    path,
                    _show_item(key, values_a[index]) if index < len(values_a) else None,
                    _show_item(key, values_b[index]) if index < len(values_b) else None,
                )
            )
            continue
        if values_a[index] == values_b[index]:
            continue
        item_a, item_b = (
            canonical.typed_item(key, values_a[index]),
            canonical.typed_item(key, values_b[index]),
        )
        if item_a is None or item_b is None:
            changes.append(Change(path, show(values_a[index]), show(values_b[index])))
        else:
            changes += compare(item_a, item_b, f"{path}<{cls.DESCRIPTOR.name}>")
    return changes


def _show_item(key: str, data: bytes) -> str:
    item = canonical.typed_item(key, data)
    return show(data) if item is None else show(item)
