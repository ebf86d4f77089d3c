"""Hand-built snapshots and GraphDefs for the exporter tests, without TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import metagraph_export
from google.protobuf import message as _message
from metagraph_export import ExportResult, GraphSnapshot
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem
from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.function_pb2 import FunctionDef
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import CollectionDef, MetaGraphDef
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto
from metagraph_export.tf.variable_pb2 import VariableDef

M = TypeVar("M", bound=_message.Message)


def add_node(
    graph_def: GraphDef | FunctionDef,
    name: str,
    op: str,
    *inputs: str,
    device: str = "",
    attrs: dict[str, AttrValue] | None = None,
) -> NodeDef:
    node = graph_def.node.add() if isinstance(graph_def, GraphDef) else graph_def.node_def.add()
    node.name, node.op, node.device = name, op, device
    node.input.extend(inputs)
    for key, value in (attrs or {}).items():
        node.attr[key].CopyFrom(value)
    return node


def add_function(graph_def: GraphDef, name: str) -> FunctionDef:
    function = graph_def.library.function.add()
    function.signature.name = name
    return function


def graph_of(*nodes: tuple[str, str, Sequence[str]]) -> GraphSnapshot:
    """A snapshot of (name, op, inputs) nodes, producer 1."""
    snapshot = GraphSnapshot()
    snapshot.graph_def.versions.producer = 1
    for name, op, inputs in nodes:
        add_node(snapshot.graph_def, name, op, *inputs)
    return snapshot


def add_collection(snapshot: GraphSnapshot, key: str, *items: CollectionItem) -> None:
    snapshot.collections.add(key=key).items.extend(items)


def ints(*values: int) -> AttrValue:
    return AttrValue(list=AttrValue.ListValue(i=list(values)))


def shape(*dims: int) -> TensorShapeProto:
    proto = TensorShapeProto()
    for size in dims:
        proto.dim.add(size=size)
    return proto


def export(**kwargs: Any) -> ExportResult:
    return metagraph_export.export(**kwargs)


def names(graph_def: GraphDef) -> list[str]:
    return [node.name for node in graph_def.node]


def node_named(graph_def: GraphDef, name: str) -> NodeDef:
    for node in graph_def.node:
        if node.name == name:
            return node
    raise AssertionError(f"no node {name!r} in {names(graph_def)}")


def unpack(collection: CollectionDef, cls: type[M]) -> list[M]:
    return [cls.FromString(value) for value in collection.bytes_list.value]


def serialized(message: _message.Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def op_list(meta_graph_def: MetaGraphDef) -> list[str]:
    return [op.name for op in meta_graph_def.meta_info_def.stripped_op_list.op]


def rich_snapshot() -> GraphSnapshot:
    snapshot = graph_of(
        ("outside", "Placeholder", []),
        ("s/v", "VariableV2", []),
        ("s/v/read", "Identity", ["s/v"]),
        ("s/add", "AddV2", ["s/v/read", "outside", "^outside"]),
        ("save/Const", "Const", []),
        ("save/SaveV2", "SaveV2", ["save/Const"]),
        ("save/control_dependency", "Identity", ["save/Const", "^save/SaveV2"]),
        ("save/RestoreV2", "RestoreV2", ["save/Const"]),
        ("save/restore_all", "NoOp", ["^save/RestoreV2"]),
        ("save_1/SaveV2", "SaveV2", []),
        ("call", "StatefulPartitionedCall", ["s/add"]),
    )
    graph_def = snapshot.graph_def
    for node in graph_def.node:
        node.device = "/job:w/device:CPU:0"
    node_named(graph_def, "s/v").attr["_class"].list.s.append(b"loc:@s/v")
    node_named(graph_def, "call").attr["f"].func.name = "body"
    body = add_function(graph_def, "body")
    add_node(body, "relu", "Relu", device="/device:GPU:0")
    snapshot.output_shapes["s/add"].shape.add().dim.add(size=2)
    snapshot.operation_inputs["s/add"].input.extend(["s/v/read", "^outside", "outside"])
    snapshot.stack_traces["s/add"].frames.add(file="model.py", line=3, function="build")
    saver = SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/control_dependency:0",
        restore_op_name="save/restore_all",
        version=SaverDef.V2,
    )
    add_collection(
        snapshot,
        "variables",
        CollectionItem(variable=VariableDef(variable_name="s/v:0", snapshot_name="s/v/read:0")),
    )
    add_collection(snapshot, "savers", CollectionItem(saver=saver))
    add_collection(snapshot, "strings", CollectionItem(string_value="s/add"))
    packed = CollectionItem()
    packed.any_value.Pack(saver)
    add_collection(snapshot, "anys", packed)
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="stale"))
    snapshot.non_string_collection_keys.append("7")
    return snapshot


def rich_saver_def() -> SaverDef:
    return SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/control_dependency:0",
        restore_op_name="save/restore_all",
    )


def rich_meta_info_def() -> MetaGraphDef.MetaInfoDef:
    info = MetaGraphDef.MetaInfoDef(meta_graph_version="v1", tags=["serve"])
    info.any_info.Pack(SaverDef(max_to_keep=2))
    return info
