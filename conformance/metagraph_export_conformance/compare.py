"""Comparing an implementation's output with a case's expectation.

Messages are compared field by field, and a difference is reported as the
path of the first differing field, e.g.
``graph_def.node[3].attr["_class"].list.s[0]``. Before comparing, both sides
are normalized where the specification leaves the output
implementation-defined (see ``normalize``); nothing else is.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from typing import Any

from google.protobuf import message as _message
from google.protobuf.descriptor import FieldDescriptor
from metagraph_export.codec import parse as parse_message
from metagraph_export.errors import DecodeError
from metagraph_export.snapshot.v1.snapshot_pb2 import GraphSnapshot
from metagraph_export.tf.control_flow_pb2 import CondContextDef, WhileContextDef
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.queue_runner_pb2 import QueueRunnerDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.variable_pb2 import VariableDef

# The collections whose items are serialized messages of a registered proto
# type (spec: typed collections). The bytes of each item are an
# implementation-defined serialization of the message (map entries of a
# ValuesDef in any order), so items are compared as messages.
TYPED_COLLECTIONS: dict[str, type[_message.Message]] = {
    "variables": VariableDef,
    "trainable_variables": VariableDef,
    "moving_average_variables": VariableDef,
    "local_variables": VariableDef,
    "model_variables": VariableDef,
    "global_step": VariableDef,
    "metric_variables": VariableDef,
    "savers": SaverDef,
    "queue_runners": QueueRunnerDef,
    "cond_context": CondContextDef,
    "while_context": WhileContextDef,
}


def normalize(meta_graph_def: MetaGraphDef) -> MetaGraphDef:
    """A copy with every implementation-defined part in one canonical form:
    unknown fields (which an implementation may keep or drop) discarded, and
    each item of a typed collection re-serialized deterministically. An item
    that does not parse is left as it is (and will differ)."""
    copy = MetaGraphDef()
    copy.CopyFrom(meta_graph_def)
    copy.DiscardUnknownFields()
    for key, proto_type in TYPED_COLLECTIONS.items():
        if key not in copy.collection_def:
            continue
        values = copy.collection_def[key].bytes_list.value
        canonical: list[bytes] = []
        for value in values:
            try:
                item = proto_type.FromString(value)
                item.DiscardUnknownFields()
                canonical.append(item.SerializeToString(deterministic=True))
            except _message.DecodeError:
                canonical.append(value)
        values[:] = canonical
    return copy


def has_implementation_defined_parts(meta_graph_def: MetaGraphDef, binary: bool = True) -> bool:
    """Whether a file holding this message has bytes the specification does
    not fix (spec, Implementation-defined): items of the control-flow
    collections, whose ValuesDef maps may be serialized in any order (item
    1), and, in binary, NaNs in a float_list, whose payload after narrowing
    is free (item 7; text prints every NaN as "nan")."""
    collections = meta_graph_def.collection_def
    if any(
        key in collections and len(collections[key].bytes_list.value) > 0
        for key in ("cond_context", "while_context")
    ):
        return True
    return binary and any(
        math.isnan(value)
        for collection in collections.values()
        for value in collection.float_list.value
    )


def _render(value: object) -> str:
    if isinstance(value, bytes):
        text = repr(value)
        return text if len(text) <= 120 else text[:117] + "..."
    if isinstance(value, _message.Message):
        from metagraph_export.codec import to_text

        text = to_text(value, as_one_line=True)
        return "{" + (text if len(text) <= 120 else text[:117] + "...") + "}"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 120 else text[:117] + "..."
    return repr(value)


def _scalar_equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return struct.pack("<d", a) == struct.pack("<d", b)
    return a == b


def _key_text(key: object) -> str:
    return f"[{key!r}]" if not isinstance(key, str) else f'["{key}"]'


ItemDiff = Callable[[str, str, bytes, bytes], str | None]


def first_difference(
    expected: _message.Message,
    actual: _message.Message,
    path: str = "",
    item_diff: ItemDiff | None = None,
) -> str | None:
    """The first field where two messages of the same type differ, described
    as ``path: expected X, got Y``; None when they are equal."""
    for field in expected.DESCRIPTOR.fields:
        name = f"{path}.{field.name}" if path else field.name
        difference = _field_difference(expected, actual, field, name, item_diff)
        if difference is not None:
            return difference
    return None


def _field_difference(
    expected: _message.Message,
    actual: _message.Message,
    field: Any,
    name: str,
    item_diff: ItemDiff | None,
) -> str | None:
    is_message = field.type == FieldDescriptor.TYPE_MESSAGE
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        a_map = getattr(expected, field.name)
        b_map = getattr(actual, field.name)
        value_field = field.message_type.fields_by_name["value"]
        for key in sorted(set(a_map) | set(b_map)):
            key_name = f"{name}{_key_text(key)}"
            if key not in b_map:
                return f"{key_name}: expected {_render(a_map[key])}, missing"
            if key not in a_map:
                return f"{key_name}: not expected, got {_render(b_map[key])}"
            if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                if name.endswith("collection_def") and item_diff is not None:
                    difference = _collection_difference(
                        str(key), a_map[key], b_map[key], key_name, item_diff
                    )
                else:
                    difference = first_difference(a_map[key], b_map[key], key_name, item_diff)
                if difference is not None:
                    return difference
            elif not _scalar_equal(a_map[key], b_map[key]):
                return f"{key_name}: expected {_render(a_map[key])}, got {_render(b_map[key])}"
        return None
    if field.is_repeated:
        a_list: Sequence[object] = getattr(expected, field.name)
        b_list: Sequence[object] = getattr(actual, field.name)
        for index in range(min(len(a_list), len(b_list))):
            item_name = f"{name}[{index}]"
            a_item, b_item = a_list[index], b_list[index]
            if is_message:
                assert isinstance(a_item, _message.Message)
                assert isinstance(b_item, _message.Message)
                difference = first_difference(a_item, b_item, item_name, item_diff)
                if difference is not None:
                    return difference
            elif not _scalar_equal(a_item, b_item):
                return f"{item_name}: expected {_render(a_item)}, got {_render(b_item)}"
        if len(a_list) != len(b_list):
            index = min(len(a_list), len(b_list))
            if len(a_list) > len(b_list):
                return (
                    f"{name}[{index}]: expected {_render(a_list[index])}, missing "
                    f"({len(a_list)} expected, {len(b_list)} present)"
                )
            return (
                f"{name}[{index}]: not expected, got {_render(b_list[index])} "
                f"({len(a_list)} expected, {len(b_list)} present)"
            )
        return None
    if field.has_presence:
        a_has, b_has = expected.HasField(field.name), actual.HasField(field.name)
        if a_has != b_has:
            if a_has:
                return f"{name}: expected {_render(getattr(expected, field.name))}, not set"
            return f"{name}: not expected, got {_render(getattr(actual, field.name))}"
    a_value, b_value = getattr(expected, field.name), getattr(actual, field.name)
    if is_message:
        return first_difference(a_value, b_value, name, item_diff)
    if not _scalar_equal(a_value, b_value):
        return f"{name}: expected {_render(a_value)}, got {_render(b_value)}"
    return None


def _collection_difference(
    key: str,
    expected: _message.Message,
    actual: _message.Message,
    name: str,
    item_diff: ItemDiff,
) -> str | None:
    difference = first_difference(expected, actual, name, None)
    if difference is None:
        return None
    proto_type = TYPED_COLLECTIONS.get(key)
    a_values = getattr(getattr(expected, "bytes_list"), "value")  # noqa: B009
    b_values = getattr(getattr(actual, "bytes_list"), "value")  # noqa: B009
    if proto_type is not None and len(a_values) == len(b_values):
        for index, (a, b) in enumerate(zip(a_values, b_values, strict=True)):
            if a != b:
                detail = item_diff(key, f"{name}.bytes_list.value[{index}]", a, b)
                if detail is not None:
                    return detail
    return difference


def typed_item_difference(key: str, name: str, a: bytes, b: bytes) -> str | None:
    """Describes a differing typed collection item by the field that differs."""
    proto_type = TYPED_COLLECTIONS[key]
    try:
        a_message = proto_type.FromString(a)
        b_message = proto_type.FromString(b)
    except _message.DecodeError:
        return None
    return first_difference(a_message, b_message, f"{name}<{proto_type.DESCRIPTOR.name}>")


def meta_graph_difference(expected: MetaGraphDef, actual: MetaGraphDef) -> str | None:
    return first_difference(normalize(expected), normalize(actual), "", typed_item_difference)


def snapshot_difference(expected: GraphSnapshot, actual: GraphSnapshot) -> str | None:
    """An import's resulting snapshot: nodes and collections in order, the
    function library as a map by name (its order is TensorFlow's hash map's,
    spec/import.md deliberate difference 7), output_shapes and
    operation_inputs as maps; unknown fields dropped."""
    return first_difference(_canonical_snapshot(expected), _canonical_snapshot(actual))


def _canonical_snapshot(snapshot: GraphSnapshot) -> GraphSnapshot:
    copy = GraphSnapshot()
    copy.CopyFrom(snapshot)
    copy.DiscardUnknownFields()
    for library in (
        copy.graph_def.library,
        copy.library_with_shapes,
        copy.registered_library,
    ):
        functions = sorted(library.function, key=lambda f: f.signature.name)
        gradients = sorted(library.gradient, key=lambda g: g.function_name)
        del library.function[:]
        del library.gradient[:]
        library.function.extend(functions)
        library.gradient.extend(gradients)
    return copy


# Files.

_FILE_TYPES: dict[str, tuple[type[_message.Message], str]] = {
    "BINARY_META_GRAPH_DEF": (MetaGraphDef, "binary"),
    "TEXT_META_GRAPH_DEF": (MetaGraphDef, "text"),
    "BINARY_GRAPH_DEBUG_INFO": (GraphDebugInfo, "binary"),
    "TEXT_GRAPH_DEBUG_INFO": (GraphDebugInfo, "text"),
}


def file_difference(
    expected: bytes, actual: bytes, file_format: str, normalized: bool, path: str
) -> str | None:
    """Compares a written file with its expected content."""
    if not normalized and expected == actual:
        return None
    parsed = _FILE_TYPES.get(file_format)
    if parsed is None:
        return _bytes_difference(expected, actual, path)
    message_type, fmt = parsed
    try:
        expected_message = parse_message(expected, message_type, "expected", fmt)
    except DecodeError as error:
        return f"{path}: the expected content does not parse: {error}"
    try:
        actual_message = parse_message(actual, message_type, path, fmt)
    except DecodeError as error:
        return f"{path}: {error}"
    if isinstance(expected_message, MetaGraphDef) and isinstance(actual_message, MetaGraphDef):
        difference = meta_graph_difference(expected_message, actual_message)
    else:
        expected_message.DiscardUnknownFields()
        actual_message.DiscardUnknownFields()
        difference = first_difference(expected_message, actual_message)
    if difference is not None:
        return f"{path}: {difference}"
    if normalized:
        return None
    # Equal as messages, different as bytes: the encoding itself differs.
    return _bytes_difference(expected, actual, path) + " (the same message, encoded otherwise)"


def _bytes_difference(expected: bytes, actual: bytes, path: str) -> str:
    for index, (a, b) in enumerate(zip(expected, actual, strict=False)):
        if a != b:
            return (
                f"{path}: byte {index} differs: expected {expected[index : index + 16]!r}, "
                f"got {actual[index : index + 16]!r}"
            )
    return f"{path}: expected {len(expected)} bytes, got {len(actual)}"
