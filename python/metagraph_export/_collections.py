"""Collections: which items are exported and how (spec EXP-COLL-1 to EXP-COLL-22).

Items arrive as snapshot ``CollectionItem``s, classified the way TensorFlow's
``add_collection_def`` sees Python objects. A collection is exported whole or
dropped whole: any item that its list kind cannot hold drops the collection,
which TensorFlow only logs and which is reported here as a diagnostic.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from typing import Any as AnyType

from ._scope import UNBOUND_INPUT_PREFIX, Scope, ScopePatternError
from .snapshot.v1.snapshot_pb2 import CollectionItem
from .tf.control_flow_pb2 import CondContextDef, ValuesDef, WhileContextDef
from .tf.meta_graph_pb2 import CollectionDef, MetaGraphDef
from .tf.queue_runner_pb2 import QueueRunnerDef
from .tf.saver_pb2 import SaverDef
from .tf.variable_pb2 import VariableDef

SAVERS_KEY = "savers"

# The collection keys with a registered proto type in TensorFlow 2.21, and the
# item kind each one serializes.
TYPED_KEYS: dict[str, str] = {
    "variables": "variable",
    "trainable_variables": "variable",
    "moving_average_variables": "variable",
    "local_variables": "variable",
    "model_variables": "variable",
    "global_step": "variable",
    "metric_variables": "variable",
    SAVERS_KEY: "saver",
    "queue_runners": "queue_runner",
    "cond_context": "cond_context",
    "while_context": "while_context",
}

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class _Unexportable(Exception):
    """An item that the collection's list kind cannot hold."""


def object_name(item: CollectionItem) -> str | None:
    """The ``.name`` of the Python object an item stands for, if it has one (spec EXP-COLL-4)."""
    kind = item.WhichOneof("kind")
    if kind == "name":
        return item.name
    if kind == "variable":
        return item.variable.variable_name
    if kind == "queue_runner":
        return item.queue_runner.queue_name
    if kind == "cond_context":
        return item.cond_context.context_name
    if kind == "while_context":
        return item.while_context.context_name
    return None


def should_include(name: str, scope: Scope, exclude: frozenset[str]) -> bool:
    """TensorFlow's ``_should_include_node`` for a name (spec EXP-SCOPE-2)."""
    if name in exclude:
        return False
    return name.startswith(UNBOUND_INPUT_PREFIX) or scope.contains(name)


def _include_item(item: CollectionItem, scope: Scope, exclude: frozenset[str]) -> bool:
    # A str is taken for a node name; objects without a name are always kept.
    if item.WhichOneof("kind") == "string_value":
        return should_include(item.string_value, scope, exclude)
    name = object_name(item)
    return name is None or should_include(name, scope, exclude)


def add_collection(
    meta_graph_def: MetaGraphDef,
    key: str,
    items: Sequence[CollectionItem],
    scope: Scope,
    exclude: frozenset[str],
) -> str | None:
    """Adds one collection; returns why it was dropped, or None."""
    kept = [item for item in items if _include_item(item, scope, exclude)]
    if not kept:
        return None
    collection = meta_graph_def.collection_def[key]
    try:
        typed_kind = TYPED_KEYS.get(key)
        if typed_kind is not None:
            _fill_typed(collection, typed_kind, kept, scope)
        else:
            _fill_plain(collection, kept, scope)
    except (_Unexportable, ScopePatternError) as error:
        del meta_graph_def.collection_def[key]
        return str(error)
    return None


def _fill_typed(
    collection: CollectionDef, kind: str, items: Sequence[CollectionItem], scope: Scope
) -> None:
    convert = _TO_PROTO[kind]
    for item in items:
        if item.WhichOneof("kind") == "no_proto":
            if scope.text is None:
                continue
            # A Saver without a SaverDef: TensorFlow's to_proto fails on it
            # as soon as there is a scope to test, even an empty one.
            raise _Unexportable(f"an item {_describe(item)} has no proto to test against the scope")
        if item.WhichOneof("kind") != kind:
            raise _Unexportable(
                f"an item of kind {_describe(item)} is not a {kind}, the type of this collection"
            )
        proto = convert(getattr(item, kind), scope)
        if proto is not None:
            collection.bytes_list.value.append(proto.SerializeToString(deterministic=True))


def _fill_plain(collection: CollectionDef, items: Sequence[CollectionItem], scope: Scope) -> None:
    list_kind = _list_kind(items[0])
    if list_kind == "node_list":
        for item in items:
            name = object_name(item)
            if name is None:
                raise _Unexportable(f"an item of kind {_describe(item)} has no name")
            if not scope or name.startswith(scope.text or ""):
                collection.node_list.value.append(scope.strip(name))
    elif list_kind == "bytes_list":
        collection.bytes_list.value.extend(_as_bytes(item) for item in items)
    elif list_kind == "int64_list":
        collection.int64_list.value.extend(_as_int64(item) for item in items)
    elif list_kind == "float_list":
        collection.float_list.value.extend(_as_float32(item) for item in items)
    else:
        for item in items:
            if item.WhichOneof("kind") != "any_value":
                raise _Unexportable(f"an item of kind {_describe(item)} is not an Any")
            collection.any_list.value.add().CopyFrom(item.any_value)


def _list_kind(item: CollectionItem) -> str:
    """TensorFlow's ``_get_kind_name``: the first item decides the list kind (spec EXP-COLL-15)."""
    kind = item.WhichOneof("kind")
    if kind in ("string_value", "bytes_value"):
        return "bytes_list"
    if kind in ("int64_value", "bool_value", "big_integer"):
        return "int64_list"
    if kind == "float_value":
        return "float_list"
    if kind == "any_value":
        return "any_list"
    return "node_list"


def _describe(item: CollectionItem) -> str:
    kind = item.WhichOneof("kind")
    if kind == "unserializable":
        return f"unserializable ({item.unserializable.description})"
    return str(kind)


def _as_bytes(item: CollectionItem) -> bytes:
    kind = item.WhichOneof("kind")
    if kind == "bytes_value":
        return item.bytes_value
    if kind == "string_value":
        return item.string_value.encode("utf-8")
    raise _Unexportable(f"an item of kind {_describe(item)} is not str or bytes")


def _as_int64(item: CollectionItem) -> int:
    kind = item.WhichOneof("kind")
    if kind == "int64_value":
        return item.int64_value
    if kind == "big_integer":
        raise _Unexportable(f"integer {item.big_integer} is outside the int64 range")
    # protobuf refuses bools in integer fields.
    raise _Unexportable(f"an item of kind {_describe(item)} is not an int")


def _as_float32(item: CollectionItem) -> float:
    kind = item.WhichOneof("kind")
    value: float
    if kind == "float_value":
        value = item.float_value
    elif kind == "int64_value":
        value = float(item.int64_value)
    elif kind == "bool_value":
        value = 1.0 if item.bool_value else 0.0
    elif kind == "big_integer":
        text = item.big_integer
        # SNAP-12: an optional "-", then ASCII digits; Python's int() would
        # also take "+5", " 5 " and "1_000", which no producer writes.
        digits = text[1:] if text.startswith("-") else text
        if not (digits and digits.isascii() and digits.isdigit()):
            raise _Unexportable(f"big_integer {text!r} is not a decimal integer")
        try:
            value = float(int(text))
        except OverflowError:
            raise _Unexportable(f"integer {text} is too large for a float") from None
    else:
        raise _Unexportable(f"an item of kind {_describe(item)} is not a number")
    return narrow_to_float32(value)


def narrow_to_float32(value: float) -> float:
    """The IEEE round-to-nearest conversion protobuf applies to a float field (spec EXP-COLL-17)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


# The registered to_proto functions, applied to full, unscoped protos
# (spec EXP-COLL-9 to EXP-COLL-13).


def _variable_to_proto(variable: VariableDef, scope: Scope) -> VariableDef | None:
    if scope.text is not None and not variable.variable_name.startswith(scope.text):
        return None
    proto = VariableDef()
    proto.CopyFrom(variable)
    proto.variable_name = scope.strip(variable.variable_name)
    proto.initial_value_name = scope.strip(variable.initial_value_name)
    proto.initializer_name = scope.strip(variable.initializer_name)
    proto.snapshot_name = scope.strip(variable.snapshot_name)
    if variable.HasField("save_slice_info_def"):
        full_name = variable.save_slice_info_def.full_name
        if scope.text is not None and not full_name.startswith(scope.text):
            # TensorFlow merges the None its SaveSliceInfo.to_proto returns, and fails.
            raise _Unexportable(
                f"variable {variable.variable_name!r} is in the scope but its "
                f"save_slice_info full_name {full_name!r} is not"
            )
        proto.save_slice_info_def.full_name = scope.strip(full_name)
    return proto


def _saver_to_proto(saver: SaverDef, scope: Scope) -> SaverDef | None:
    if scope.text is None:
        return saver
    names = (saver.filename_tensor_name, saver.save_tensor_name, saver.restore_op_name)
    if not all(name.startswith(scope.text) for name in names):
        return None
    proto = SaverDef()
    proto.CopyFrom(saver)
    proto.filename_tensor_name = scope.strip(saver.filename_tensor_name)
    proto.save_tensor_name = scope.strip(saver.save_tensor_name)
    proto.restore_op_name = scope.strip(saver.restore_op_name)
    return proto


def _queue_runner_to_proto(runner: QueueRunnerDef, scope: Scope) -> QueueRunnerDef | None:
    if scope.text is not None and not runner.queue_name.startswith(scope.text):
        return None
    proto = QueueRunnerDef()
    proto.CopyFrom(runner)
    proto.queue_name = scope.strip(runner.queue_name)
    proto.enqueue_op_name[:] = [scope.strip(name) for name in runner.enqueue_op_name]
    proto.close_op_name = scope.strip(runner.close_op_name)
    proto.cancel_op_name = scope.strip(runner.cancel_op_name)
    return proto


def _strip_values(values: ValuesDef, scope: Scope) -> None:
    values.values[:] = [scope.strip(value) for value in values.values]
    external = [(scope.strip(k), scope.strip(v)) for k, v in values.external_values.items()]
    values.external_values.clear()
    for key, value in external:
        values.external_values[key] = value


def _cond_to_proto(context: CondContextDef, scope: Scope) -> CondContextDef | None:
    if scope.text is not None and not context.context_name.startswith(scope.text):
        return None
    proto = CondContextDef()
    proto.CopyFrom(context)
    proto.context_name = scope.strip(context.context_name)
    proto.pred_name = scope.strip(context.pred_name)
    proto.pivot_name = scope.strip(context.pivot_name)
    # Nested contexts are exported unscoped: TensorFlow does not pass the scope on.
    _strip_values(proto.values_def, scope)
    return proto


def _while_to_proto(context: WhileContextDef, scope: Scope) -> WhileContextDef | None:
    if scope.text is not None and not context.context_name.startswith(scope.text):
        return None
    proto = WhileContextDef()
    proto.CopyFrom(context)
    proto.context_name = scope.strip(context.context_name)
    proto.maximum_iterations_name = scope.strip(context.maximum_iterations_name)
    proto.pivot_for_pred_name = scope.strip(context.pivot_for_pred_name)
    proto.pivot_for_body_name = scope.strip(context.pivot_for_body_name)
    proto.pivot_name = scope.strip(context.pivot_name)
    proto.loop_exit_names[:] = [scope.strip(name) for name in context.loop_exit_names]
    proto.loop_enter_names[:] = [scope.strip(name) for name in context.loop_enter_names]
    _strip_values(proto.values_def, scope)
    return proto


_TO_PROTO: dict[str, Callable[[AnyType, Scope], AnyType]] = {
    "variable": _variable_to_proto,
    "saver": _saver_to_proto,
    "queue_runner": _queue_runner_to_proto,
    "cond_context": _cond_to_proto,
    "while_context": _while_to_proto,
}


def in_int64_range(value: int) -> bool:
    return _INT64_MIN <= value <= _INT64_MAX
