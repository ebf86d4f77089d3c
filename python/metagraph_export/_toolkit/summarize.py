"""What a meta graph is made of, for a person deciding how to use it: its
likely inputs and outputs, ops, variables, devices and sizes.

Inputs and outputs are guesses from the structure; TensorFlow records
neither in a v1 meta graph without signatures:

* inputs: placeholder nodes, and the inputs that leave an exported scope
  (``$unbound_inputs_`` names, spec EXP-SCOPE-10);
* outputs: nodes no other node consumes (as a data, control or colocation
  input) that are not saver or initialization machinery (the nodes under the
  saver's name scope, variable initializers, the ops that assign, save,
  restore or check initialization) and not constants or no-ops, which
  nothing computes.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .._scope import UNBOUND_INPUT_PREFIX
from .._sizes import graph_size
from ..tf.meta_graph_pb2 import MetaGraphDef
from ..tf.node_def_pb2 import NodeDef
from ..tf.saver_pb2 import SaverDef
from ..tf.types_pb2 import DataType
from ..tf.variable_pb2 import VariableDef
from ._read import as_meta_graph
from .canonical import typed_item
from .prune import node_name

__all__ = ["Summary", "Variable", "summarize"]

_PLACEHOLDERS = frozenset({"Placeholder", "PlaceholderV2", "PlaceholderWithDefault"})
_VARIABLE_OPS = frozenset({"VariableV2", "Variable", "VarHandleOp", "TemporaryVariable"})
# Ops that only set up, save or restore state: never an output a user wants.
_MACHINERY_OPS = frozenset(
    {
        "Assign",
        "AssignVariableOp",
        "SaveV2",
        "Save",
        "SaveSlices",
        "RestoreV2",
        "Restore",
        "RestoreSlice",
        "MergeV2Checkpoints",
        "ShardedFilename",
        "IsVariableInitialized",
        "VarIsInitializedOp",
        "InitializeTable",
        "InitializeTableV2",
        "InitializeTableFromTextFile",
        "InitializeTableFromTextFileV2",
    }
)
# Unconsumed nodes of these ops are leftovers (static shapes of asserts that
# were folded away), not results.
_NOT_OUTPUTS = frozenset({"Const", "NoOp"})
_VARIABLE_KEYS = (
    "variables",
    "local_variables",
    "model_variables",
    "global_step",
    "metric_variables",
)
_TOP = 10

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Variable:
    name: str
    op: str
    dtype: str
    shape: list[int] | None
    """Dimensions, -1 for unknown ones; None for an unknown rank."""
    elements: int | None
    """The number of elements, when every dimension is known."""
    device: str
    trainable: bool
    collections: list[str]


@dataclass(frozen=True)
class Summary:
    nodes: int
    inputs: list[str]
    outputs: list[str]
    ops: dict[str, int]
    """How many nodes of each op, most used first."""
    variables: list[Variable]
    devices: dict[str, int]
    """Nodes per device ("" for none)."""
    functions: int
    collections: dict[str, int]
    """Items per collection."""
    sizes: dict[str, int]
    """Bytes: the whole meta graph, the graph, constants, the op list, collections."""
    largest_nodes: list[tuple[str, int]]
    """The largest nodes and their encoded size."""

    def to_dict(self) -> dict[str, Any]:
        result = asdict(self)
        result["largest_nodes"] = [{"name": n, "bytes": b} for n, b in self.largest_nodes]
        return result

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        ops = ", ".join(f"{op} x{count}" for op, count in list(self.ops.items())[:_TOP])
        more = f", +{len(self.ops) - _TOP} more" if len(self.ops) > _TOP else ""
        lines = [
            f"nodes: {self.nodes:,} ({len(self.ops)} op types: {ops}{more})",
            f"inputs ({len(self.inputs)}): {_listing(self.inputs)}",
            f"outputs ({len(self.outputs)}): {_listing(self.outputs)}",
            f"variables ({len(self.variables)}):",
        ]
        for variable in self.variables[: _TOP * 2]:
            shape = (
                "unknown" if variable.shape is None else f"[{', '.join(map(str, variable.shape))}]"
            )
            elements = "" if variable.elements is None else f", {variable.elements:,} elements"
            flags = "" if variable.trainable else ", not trainable"
            device = f", on {variable.device}" if variable.device else ""
            lines.append(f"  {variable.name}: {variable.dtype} {shape}{elements}{flags}{device}")
        if len(self.variables) > _TOP * 2:
            lines.append(f"  ... {len(self.variables) - _TOP * 2} more")
        devices = ", ".join(
            f"{device or '(none)'} x{count}" for device, count in self.devices.items()
        )
        lines.append(f"devices: {devices or 'none'}")
        lines.append(f"functions: {self.functions}")
        collections = ", ".join(f"{key} ({count})" for key, count in self.collections.items())
        lines.append(f"collections: {collections or 'none'}")
        lines.append(
            "sizes: " + ", ".join(f"{part} {size:,} bytes" for part, size in self.sizes.items())
        )
        largest = ", ".join(f"{name} ({size:,} bytes)" for name, size in self.largest_nodes[:3])
        lines.append(f"largest nodes: {largest or 'none'}")
        return "\n".join(lines)


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[: _TOP * 2])
    return (
        shown + (f", ... {len(names) - _TOP * 2} more" if len(names) > _TOP * 2 else "") or "none"
    )


def summarize(message: object, *, progress: Progress | None = None) -> Summary:
    """A :class:`Summary` of a meta graph (or graph). The argument is never changed."""
    meta_graph_def = as_meta_graph(message, "message")
    graph = meta_graph_def.graph_def
    machinery = _machinery_names(meta_graph_def)
    consumed: set[str] = set()
    inputs: list[str] = []
    unbound: dict[str, None] = {}
    ops: Counter[str] = Counter()
    devices: Counter[str] = Counter()
    constants = 0
    largest: list[tuple[int, str]] = []
    total = len(graph.node)
    for index, node in enumerate(graph.node):
        ops[node.op] += 1
        devices[node.device] += 1
        if node.op in _PLACEHOLDERS and not _is_machinery(node, machinery):
            inputs.append(node.name)
        for text in node.input:
            name = node_name(text)
            consumed.add(name)
            if name.startswith(UNBOUND_INPUT_PREFIX):
                unbound[name] = None
        if "_class" in node.attr:
            consumed.update(
                entry.decode("utf-8", "replace").removeprefix("loc:@")
                for entry in node.attr["_class"].list.s
            )
        size = node.ByteSize()
        if node.op == "Const":
            constants += size
        largest.append((size, node.name))
        if len(largest) > 4 * _TOP:
            largest = sorted(largest, reverse=True)[:_TOP]
        if progress is not None and index % 4096 == 4095:
            progress(index + 1, total)
    if progress is not None:
        progress(total, total)
    for item in _collection_strings(meta_graph_def, "unbound_inputs"):
        unbound[node_name(item)] = None
    outputs = [
        node.name
        for node in graph.node
        if node.name not in consumed
        and node.op not in _NOT_OUTPUTS
        and not _is_machinery(node, machinery)
    ]
    info = meta_graph_def.meta_info_def
    return Summary(
        nodes=total,
        inputs=inputs + [name for name in unbound if name not in inputs],
        outputs=outputs,
        ops=dict(ops.most_common()),
        variables=_variables(meta_graph_def),
        devices=dict(devices.most_common()),
        functions=len(graph.library.function),
        collections={
            key: _item_count(meta_graph_def, key) for key in sorted(meta_graph_def.collection_def)
        },
        sizes={
            "meta_graph_def": meta_graph_def.ByteSize(),
            "graph_def": graph_size(graph),
            "constants": constants,
            "function_library": graph.library.ByteSize(),
            "stripped_op_list": info.stripped_op_list.ByteSize(),
            "collections": sum(c.ByteSize() for c in meta_graph_def.collection_def.values()),
        },
        largest_nodes=[(name, size) for size, name in sorted(largest, reverse=True)[:_TOP]],
    )


def _item_count(meta_graph_def: MetaGraphDef, key: str) -> int:
    collection = meta_graph_def.collection_def[key]
    kind = collection.WhichOneof("kind")
    return len(getattr(collection, kind).value) if kind else 0


def _collection_strings(meta_graph_def: MetaGraphDef, key: str) -> list[str]:
    if key not in meta_graph_def.collection_def:
        return []
    collection = meta_graph_def.collection_def[key]
    if collection.WhichOneof("kind") == "node_list":
        return list(collection.node_list.value)
    if collection.WhichOneof("kind") == "bytes_list":
        return [value.decode("utf-8", "replace") for value in collection.bytes_list.value]
    return []


def _variable_defs(meta_graph_def: MetaGraphDef) -> dict[str, tuple[VariableDef, list[str]]]:
    found: dict[str, tuple[VariableDef, list[str]]] = {}
    for key in (*_VARIABLE_KEYS, "trainable_variables"):
        if key not in meta_graph_def.collection_def:
            continue
        for data in meta_graph_def.collection_def[key].bytes_list.value:
            item = typed_item(key, data)
            if isinstance(item, VariableDef):
                name = node_name(item.variable_name)
                found.setdefault(name, (item, []))[1].append(key)
    return found


def _machinery_names(meta_graph_def: MetaGraphDef) -> tuple[tuple[str, ...], set[str]]:
    """The savers' name scopes ("save/"), and the variables' initializer nodes."""
    savers = [meta_graph_def.saver_def] if meta_graph_def.HasField("saver_def") else []
    if "savers" in meta_graph_def.collection_def:
        for data in meta_graph_def.collection_def["savers"].bytes_list.value:
            item = typed_item("savers", data)
            if isinstance(item, SaverDef):
                savers.append(item)
    scopes = tuple(
        {
            saver.filename_tensor_name.rsplit("/", 1)[0] + "/"
            for saver in savers
            if "/" in saver.filename_tensor_name
        }
    )
    initializers = {
        node_name(variable.initializer_name)
        for variable, _ in _variable_defs(meta_graph_def).values()
        if variable.initializer_name
    }
    return scopes, initializers


def _is_machinery(node: NodeDef, machinery: tuple[tuple[str, ...], set[str]]) -> bool:
    scopes, initializers = machinery
    if scopes and node.name.startswith(scopes):
        return True
    if node.name in initializers or node.op in _MACHINERY_OPS:
        return True
    return False


def _variables(meta_graph_def: MetaGraphDef) -> list[Variable]:
    defs = _variable_defs(meta_graph_def)
    variables: list[Variable] = []
    for node in meta_graph_def.graph_def.node:
        if node.op not in _VARIABLE_OPS and node.name not in defs:
            continue
        shape: list[int] | None = None
        if "shape" in node.attr:
            proto = node.attr["shape"].shape
            shape = None if proto.unknown_rank else [dim.size for dim in proto.dim]
        dtype = node.attr["dtype"].type if "dtype" in node.attr else DataType.DT_INVALID
        keys = defs.get(node.name, (None, []))[1]
        variables.append(
            Variable(
                name=node.name,
                op=node.op,
                dtype=_dtype_name(dtype),
                shape=shape,
                elements=None
                if shape is None or any(size < 0 for size in shape)
                else math.prod(shape),
                device=node.device,
                trainable="trainable_variables" in keys,
                collections=[key for key in keys if key != "trainable_variables"]
                + (["trainable_variables"] if "trainable_variables" in keys else []),
            )
        )
    return variables


def _dtype_name(dtype: DataType.ValueType) -> str:
    """ "float" for DT_FLOAT; the number for a type this schema does not know."""
    if dtype not in DataType.values():
        return str(int(dtype))
    return DataType.Name(dtype).removeprefix("DT_").lower()
