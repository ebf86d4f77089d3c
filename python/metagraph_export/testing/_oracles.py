"""What TensorFlow 2.21's ``export_meta_graph`` does, restated as small oracles.

Each function states one rule of the specification directly from TensorFlow's
behaviour (``framework/meta_graph.py``, ``framework/ops.py``), for the
property checks to compare the reference exporter with. They are written
for readability, not speed, and share no code with the exporter.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._registry import OpRegistry
from ..snapshot.v1.snapshot_pb2 import CollectionItem, GraphSnapshot
from ..tf.attr_value_pb2 import AttrValue
from ..tf.control_flow_pb2 import CondContextDef, ValuesDef, WhileContextDef
from ..tf.graph_pb2 import GraphDef
from ..tf.meta_graph_pb2 import CollectionDef
from ..tf.node_def_pb2 import NodeDef
from ..tf.queue_runner_pb2 import QueueRunnerDef
from ..tf.saver_pb2 import SaverDef
from ..tf.tensor_pb2 import TensorProto
from ..tf.variable_pb2 import VariableDef

UNBOUND = "$unbound_inputs_"
CALL_OPS = ("PartitionedCall", "StatefulPartitionedCall")
ENTER_OPS = ("Enter", "RefEnter")
SAVE_RESTORE_OPS = frozenset(
    {
        "SaveV2", "Save", "SaveSlice", "LegacySave", "LegacySaveSlice",
        "RestoreV2", "Restore", "RestoreSlice", "LegacyRestore", "LegacyRestoreSlice",
    }
)  # fmt: skip
TYPED_KINDS = {
    "variables": "variable",
    "trainable_variables": "variable",
    "moving_average_variables": "variable",
    "local_variables": "variable",
    "model_variables": "variable",
    "global_step": "variable",
    "metric_variables": "variable",
    "savers": "saver",
    "queue_runners": "queue_runner",
    "cond_context": "cond_context",
    "while_context": "while_context",
}


class Dropped(Exception):
    """TensorFlow catches an error while serializing a collection and leaves it out."""


# Options ----------------------------------------------------------------------


def scope_text(options: Mapping[str, Any]) -> str:
    """The export scope as a prefix: "" for None and ""."""
    return options.get("export_scope") or ""


def rewrites_nodes(options: Mapping[str, Any]) -> bool:
    """Whether export_scoped_meta_graph copies node by node (``_node_def``)."""
    return bool(
        options.get("export_scope")
        or options.get("clear_devices")
        or options.get("clear_extraneous_savers")
    )


def unbound_collection_name(options: Mapping[str, Any]) -> str | None:
    name = options.get("unbound_inputs_col_name", "unbound_inputs")
    return name or None


# Names ------------------------------------------------------------------------


def strip_name_scope(name: str, scope: str) -> str:
    """``ops.strip_name_scope``: the scope is an unescaped regular expression,
    followed by one or more "/", at the start, after "^" or after "loc:@"."""
    if not scope:
        return name
    if scope.endswith("/"):
        scope = scope[:-1]
    return re.sub(r"([\^]|loc:@|^)" + scope + r"[\/]+(.*)", r"\1\2", name, count=1)


def prepend_name_scope(name: str, scope: str) -> str:
    """``ops.prepend_name_scope``."""
    if not scope:
        return name
    if scope.endswith("/"):
        scope = scope[:-1]
    return re.sub(r"([\^]|loc:@|^)(.*)", r"\1" + scope + r"/\2", name)


def op_of(tensor_or_op: str) -> str:
    """ "^x", "x:0" and "x" all name the op "x"."""
    return tensor_or_op.lstrip("^").split(":")[0]


def unbound(name: str) -> str:
    """An input that leaves the scope, renamed: "^x" becomes "^$unbound_inputs_x"."""
    return "^" + UNBOUND + name[1:] if name.startswith("^") else UNBOUND + name


def leaves_scope(input_name: str, scope: str) -> bool:
    return bool(scope) and not input_name.lstrip("^").startswith(scope)


def kept(name: str, scope: str, exclude: frozenset[str]) -> bool:
    """``_should_include_node`` for a name."""
    if name in exclude:
        return False
    return name.startswith(UNBOUND) or name.startswith(scope)


# Nodes ------------------------------------------------------------------------


def _name_scope(name: str) -> str:
    return name.lstrip("^").rsplit("/", 1)[0] if "/" in name else ""


def extraneous_saver_nodes(graph_def: GraphDef, saver_def: SaverDef | None) -> frozenset[str]:
    """``_find_extraneous_saver_nodes``: the nodes under the name scope of a save
    or restore op, except the scopes of ``saver_def``'s save tensor and restore op."""
    names = [node.name for node in graph_def.node]
    saver_ops = {node.name for node in graph_def.node if node.op in SAVE_RESTORE_OPS}
    scopes = {_name_scope(name) for name in saver_ops} - saver_ops
    retained: set[str] = set()
    if saver_def is not None:
        retained = {
            _name_scope(op_of(saver_def.save_tensor_name)) + "/",
            _name_scope(op_of(saver_def.restore_op_name)) + "/",
        }
    extraneous = {scope + "/" for scope in scopes} - retained
    return frozenset(name for name in names if any(name.startswith(s) for s in extraneous))


def excluded(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> frozenset[str]:
    if not options.get("clear_extraneous_savers"):
        return frozenset()
    return extraneous_saver_nodes(source_graph(snapshot, options), options.get("saver_def"))


def source_graph(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> GraphDef:
    graph_def: GraphDef | None = options.get("graph_def")
    return graph_def if graph_def is not None else snapshot.graph_def


def operation_inputs(
    node: NodeDef, snapshot: GraphSnapshot, options: Mapping[str, Any]
) -> list[str]:
    """A node's inputs as the node-rewriting path reads them: from the operation
    of the live graph, which keeps control inputs in creation order."""
    if options.get("graph_def") is None and node.name in snapshot.operation_inputs:
        return list(snapshot.operation_inputs[node.name].input)
    return list(node.input)


def included_nodes(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> list[NodeDef]:
    """The source nodes an export keeps, in graph order."""
    scope = scope_text(options)
    exclude = excluded(snapshot, options)
    nodes = source_graph(snapshot, options).node
    if not rewrites_nodes(options):
        return list(nodes)
    return [node for node in nodes if kept(node.name, scope, exclude)]


def expected_nodes(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> list[NodeDef]:
    """The exported nodes, before defaults are stripped (``_node_def``)."""
    scope = scope_text(options)
    rewrite = rewrites_nodes(options)
    with_shapes = options.get("graph_def") is None
    result = []
    for source in included_nodes(snapshot, options):
        node = NodeDef()
        node.CopyFrom(source)
        if rewrite:
            inputs = operation_inputs(source, snapshot, options)
            node.input[:] = [
                unbound(name) if leaves_scope(name, scope) else strip_name_scope(name, scope)
                for name in inputs
            ]
            node.name = strip_name_scope(source.name, scope)
            if "_class" in source.attr:
                entries = [entry.decode() for entry in source.attr["_class"].list.s]
                if scope:
                    entries = [
                        strip_name_scope(entry, scope)
                        for entry in entries
                        if entry.split("@")[1].startswith(scope)
                    ]
                node.attr["_class"].CopyFrom(
                    AttrValue(list=AttrValue.ListValue(s=[e.encode() for e in entries]))
                )
            if source.op in ENTER_OPS and "frame_name" in source.attr:
                frame = source.attr["frame_name"].s.decode()
                node.attr["frame_name"].CopyFrom(
                    AttrValue(s=strip_name_scope(frame, scope).encode())
                )
            if options.get("clear_devices"):
                node.device = ""
        shapes = snapshot.output_shapes.get(source.name) if with_shapes else None
        if shapes is not None and shapes.shape:
            node.attr["_output_shapes"].list.shape.extend(shapes.shape)
        result.append(node)
    return result


def unbound_inputs(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> list[str]:
    """The inputs that leave the scope, renamed, in node then input order,
    duplicates kept, as TensorFlow records them in the graph's collection."""
    scope = scope_text(options)
    if not rewrites_nodes(options) or not scope:
        return []
    return [
        unbound(name)
        for node in included_nodes(snapshot, options)
        for name in operation_inputs(node, snapshot, options)
        if leaves_scope(name, scope)
    ]


def expected_failure(
    snapshot: GraphSnapshot, options: Mapping[str, Any], writes_debug_info: bool = False
) -> str | None:
    """Why TensorFlow fails on this export (the reference raises
    InvalidArgumentError instead), or None when it does not."""
    scope = scope_text(options)
    rewrite = rewrites_nodes(options)
    source = source_graph(snapshot, options)
    if rewrite and options.get("clear_extraneous_savers"):
        for node in source.node:
            for name in node.input:
                if not name or name.lstrip("^").count(":") > 1:
                    return f"input {name!r} of {node.name!r} is not a tensor name"
    if rewrite:
        for node in included_nodes(snapshot, options):
            if scope and "_class" in node.attr:
                for entry in node.attr["_class"].list.s:
                    try:
                        if "@" not in entry.decode():
                            return f"_class entry {entry!r} has no '@'"
                    except UnicodeDecodeError:
                        return f"_class entry {entry!r} is not UTF-8"
            if scope and node.op in ENTER_OPS and "frame_name" in node.attr:
                try:
                    frame = node.attr["frame_name"].s.decode()
                except UnicodeDecodeError:
                    return "frame_name is not UTF-8"
                if not frame.startswith(scope):
                    return f"frame {frame!r} of {node.name!r} is outside the scope"
            if options.get("graph_def") is None and "_output_shapes" in node.attr:
                shapes = snapshot.output_shapes.get(node.name)
                if shapes is not None and shapes.shape:
                    return f"{node.name!r} already has _output_shapes"
    if options.get("clear_extraneous_savers") and "savers" in exported_keys(snapshot, options):
        saver_def: SaverDef | None = options.get("saver_def")
        if saver_def is None:
            return "clear_extraneous_savers without saver_def"
        if not saver_def.save_tensor_name or not saver_def.restore_op_name:
            return "saver_def without save_tensor_name or restore_op_name"
    if writes_debug_info and options.get("save_debug_info"):
        names = {node.name for node in snapshot.graph_def.node}
        for node in expected_nodes(snapshot, options):
            if prepend_name_scope(node.name, scope) not in names:
                return f"debug info: no operation {prepend_name_scope(node.name, scope)!r}"
    return None


# Collections ------------------------------------------------------------------


def collections_before_export(
    snapshot: GraphSnapshot, options: Mapping[str, Any]
) -> dict[str, list[CollectionItem]]:
    """The graph's collections as the collection loop sees them: one per key
    (the last wins), the unbound-inputs one replaced on the node-rewriting path."""
    collections = {collection.key: list(collection.items) for collection in snapshot.collections}
    name = unbound_collection_name(options)
    if rewrites_nodes(options) and name:
        collections.pop(name, None)
        entries = unbound_inputs(snapshot, options)
        if entries:
            collections[name] = [CollectionItem(string_value=entry) for entry in entries]
    return collections


def exported_keys(snapshot: GraphSnapshot, options: Mapping[str, Any]) -> list[str]:
    keys = options.get("collection_list")
    if keys is None:
        return list(collections_before_export(snapshot, options))
    return list(keys)


def primary_name(item: CollectionItem) -> str | None:
    """The ``.name`` of the Python object an item stands for."""
    kind = item.WhichOneof("kind")
    return {
        "name": lambda: item.name,
        "variable": lambda: item.variable.variable_name,
        "queue_runner": lambda: item.queue_runner.queue_name,
        "cond_context": lambda: item.cond_context.context_name,
        "while_context": lambda: item.while_context.context_name,
    }.get(str(kind), lambda: None)()


def _float32(value: float) -> float:
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def _strip_values(values: ValuesDef, scope: str) -> None:
    values.values[:] = [strip_name_scope(value, scope) for value in values.values]
    pairs = [
        (strip_name_scope(k, scope), strip_name_scope(v, scope))
        for k, v in values.external_values.items()
    ]
    values.external_values.clear()
    values.external_values.update(pairs)


def scoped_proto(item: CollectionItem, scope: str | None) -> Any:
    """The registered ``to_proto`` with ``export_scope``: None when the object is
    outside the scope, else a copy with its names stripped."""
    kind = item.WhichOneof("kind")
    prefix = scope or ""

    def outside(name: str) -> bool:
        return scope is not None and not name.startswith(scope)

    def strip(name: str) -> str:
        return strip_name_scope(name, prefix)

    if kind == "variable":
        variable = VariableDef()
        variable.CopyFrom(item.variable)
        if outside(variable.variable_name):
            return None
        for field in ("variable_name", "initial_value_name", "initializer_name", "snapshot_name"):
            setattr(variable, field, strip(getattr(variable, field)))
        if variable.HasField("save_slice_info_def"):
            if outside(variable.save_slice_info_def.full_name):
                raise Dropped("save_slice_info_def outside the scope")
            variable.save_slice_info_def.full_name = strip(variable.save_slice_info_def.full_name)
        return variable
    if kind == "saver":
        saver = SaverDef()
        saver.CopyFrom(item.saver)
        fields = ("filename_tensor_name", "save_tensor_name", "restore_op_name")
        if scope is None:
            return saver
        if any(outside(getattr(saver, field)) for field in fields):
            return None
        for field in fields:
            setattr(saver, field, strip(getattr(saver, field)))
        return saver
    if kind == "queue_runner":
        runner = QueueRunnerDef()
        runner.CopyFrom(item.queue_runner)
        if outside(runner.queue_name):
            return None
        runner.queue_name = strip(runner.queue_name)
        runner.enqueue_op_name[:] = [strip(name) for name in runner.enqueue_op_name]
        runner.close_op_name = strip(runner.close_op_name)
        runner.cancel_op_name = strip(runner.cancel_op_name)
        return runner
    if kind == "cond_context":
        cond = CondContextDef()
        cond.CopyFrom(item.cond_context)
        if outside(cond.context_name):
            return None
        for field in ("context_name", "pred_name", "pivot_name"):
            setattr(cond, field, strip(getattr(cond, field)))
        _strip_values(cond.values_def, prefix)
        return cond
    if kind == "while_context":
        loop = WhileContextDef()
        loop.CopyFrom(item.while_context)
        if outside(loop.context_name):
            return None
        for field in (
            "context_name",
            "maximum_iterations_name",
            "pivot_for_pred_name",
            "pivot_for_body_name",
            "pivot_name",
        ):
            setattr(loop, field, strip(getattr(loop, field)))
        loop.loop_exit_names[:] = [strip(name) for name in loop.loop_exit_names]
        loop.loop_enter_names[:] = [strip(name) for name in loop.loop_enter_names]
        _strip_values(loop.values_def, prefix)
        return loop
    raise Dropped(f"{kind} is not a proto of this collection")


def expected_collection(
    key: str, items: Sequence[CollectionItem], options: Mapping[str, Any], exclude: frozenset[str]
) -> CollectionDef | None:
    """``add_collection_def`` for one key: the CollectionDef, or None when the
    key is absent (nothing kept, or dropped with a warning)."""
    scope = options.get("export_scope")
    prefix = scope or ""
    chosen = []
    for item in items:
        kind = item.WhichOneof("kind")
        name = item.string_value if kind == "string_value" else primary_name(item)
        if name is None or kept(name, prefix, exclude):
            chosen.append(item)
    if not chosen:
        return None
    collection = CollectionDef()
    try:
        if key in TYPED_KINDS:
            collection.SetInParent()
            for item in chosen:
                if item.WhichOneof("kind") == "no_proto":
                    # A Saver built with defer_build: its to_proto gives None
                    # without a scope and raises with one.
                    if scope is not None:
                        raise Dropped("no proto under a scope")
                    continue
                if item.WhichOneof("kind") != TYPED_KINDS[key]:
                    raise Dropped("wrong proto type")
                proto = scoped_proto(item, scope)
                if proto is not None:
                    collection.bytes_list.value.append(proto.SerializeToString(deterministic=True))
            return collection
        _fill_untyped(collection, chosen, prefix)
    except Dropped:
        return None
    return collection


def _fill_untyped(collection: CollectionDef, items: Sequence[CollectionItem], scope: str) -> None:
    first = items[0].WhichOneof("kind")
    kinds = [item.WhichOneof("kind") for item in items]
    if first in ("string_value", "bytes_value"):
        if not set(kinds) <= {"string_value", "bytes_value"}:
            raise Dropped("not str or bytes")
        collection.bytes_list.value.extend(
            item.string_value.encode() if kind == "string_value" else item.bytes_value
            for item, kind in zip(items, kinds, strict=True)
        )
    elif first in ("int64_value", "bool_value", "big_integer"):
        if set(kinds) != {"int64_value"}:
            raise Dropped("not an int64")
        collection.int64_list.value.extend(item.int64_value for item in items)
    elif first == "float_value":
        numbers = []
        for item, kind in zip(items, kinds, strict=True):
            if kind == "float_value":
                numbers.append(item.float_value)
            elif kind == "int64_value":
                numbers.append(float(item.int64_value))
            elif kind == "bool_value":
                numbers.append(float(item.bool_value))
            elif kind == "big_integer":
                try:
                    numbers.append(float(int(item.big_integer)))
                except OverflowError:
                    raise Dropped("too large") from None
            else:
                raise Dropped("not a number")
        collection.float_list.value.extend(_float32(number) for number in numbers)
    elif first == "any_value":
        if set(kinds) != {"any_value"}:
            raise Dropped("not an Any")
        for item in items:
            collection.any_list.value.add().CopyFrom(item.any_value)
    else:
        names = [primary_name(item) for item in items]
        if any(name is None for name in names):
            raise Dropped("an item without a name")
        collection.node_list.value.extend(
            strip_name_scope(name, scope)
            for name in names
            if name is not None and (not scope or name.startswith(scope))
        )


def expected_collections(
    snapshot: GraphSnapshot, options: Mapping[str, Any]
) -> dict[str, CollectionDef]:
    exclude = excluded(snapshot, options) if rewrites_nodes(options) else frozenset()
    collections = collections_before_export(snapshot, options)
    result: dict[str, CollectionDef] = {}
    for key in exported_keys(snapshot, options):
        if options.get("clear_extraneous_savers") and key == "savers":
            items = [CollectionItem(saver=options["saver_def"])]
        else:
            items = collections.get(key, [])
        collection = expected_collection(key, items, options, exclude)
        if collection is not None:
            result[key] = collection
    return result


# Ops and attributes -----------------------------------------------------------


def used_ops(graph_def: GraphDef) -> set[str]:
    """``ops_used_by_graph_def``: the ops of the top-level nodes and of the
    functions they reach, by op name or through the ``f`` of a call op."""
    functions = {function.signature.name: function for function in graph_def.library.function}
    used: set[str] = set()
    visited: set[str] = set()
    pending: list[Iterable[NodeDef]] = [graph_def.node]
    while pending:
        for node in pending.pop():
            names = [node.op]
            if node.op in CALL_OPS:
                names.append(node.attr["f"].func.name if "f" in node.attr else "")
            for name in names:
                used.add(name)
                if name in functions and name not in visited:
                    visited.add(name)
                    pending.append(functions[name].node_def)
    return used - set(functions)


def stripped_op_names(graph_def: GraphDef, registry: OpRegistry) -> list[str]:
    return sorted(name for name in used_ops(graph_def) if name in registry)


def tensor_elements(tensor: TensorProto) -> tuple[int, tuple[int, ...], tuple[Any, ...]] | None:
    """The dtype, shape and element values of a small int32, uint8 or float
    tensor, short value lists repeated to fill the shape, as TensorFlow reads
    them. None for other tensors."""
    if tensor.tensor_shape.unknown_rank or tensor.dtype not in (1, 3, 4):
        return None
    dims = tuple(dim.size for dim in tensor.tensor_shape.dim)
    if any(size < 0 for size in dims):
        return None
    count = 1
    for size in dims:
        count *= size
    fmt = {1: "<f", 3: "<i", 4: "<B"}[tensor.dtype]
    values: list[Any]
    if tensor.tensor_content:
        width = struct.calcsize(fmt)
        content = bytes(tensor.tensor_content)
        if len(content) != width * count:
            return None
        values = [struct.unpack_from(fmt, content, i * width)[0] for i in range(count)]
    else:
        values = list(tensor.float_val if tensor.dtype == 1 else tensor.int_val)
        values = values[:count] + values[-1:] * (count - len(values)) if values else [0] * count
    return tensor.dtype, dims, tuple(values)


def attr_values_equal(a: AttrValue, b: AttrValue) -> bool:
    """``AreAttrValuesEqual``, for the attribute values the strategies make:
    types by value, tensors by their elements, functions by name and
    attributes, everything else by serialized form."""
    if a.type != b.type:
        return False
    if a.type:
        return True
    if a.HasField("tensor") != b.HasField("tensor"):
        return False
    if a.HasField("tensor"):
        left, right = tensor_elements(a.tensor), tensor_elements(b.tensor)
        if left is None or right is None:
            return a.tensor.SerializeToString(deterministic=True) == b.tensor.SerializeToString(
                deterministic=True
            )
        return left == right
    if a.HasField("func") != b.HasField("func"):
        return False
    if a.HasField("func"):
        return (
            a.func.name == b.func.name
            and set(a.func.attr) == set(b.func.attr)
            and all(attr_values_equal(a.func.attr[k], b.func.attr[k]) for k in a.func.attr)
        )
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)
