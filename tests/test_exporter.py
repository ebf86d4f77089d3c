"""The exporter on hand-built snapshots and GraphDefs, without TensorFlow.

Each test states one rule of TensorFlow 2.21's ``export_meta_graph`` (as
measured, see the EXP-* requirement areas) on the smallest graph that shows it.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import metagraph_export
import pytest
from google.protobuf import message as _message
from metagraph_export import ExportResult, GraphSnapshot, InvalidArgumentError
from metagraph_export._codec import parse_message
from metagraph_export._pool import to_text
from metagraph_export.snapshot.v1.snapshot_pb2 import (
    CollectionItem,
    NodeInputs,
    NoProto,
    OutputShapes,
    StackFrame,
    StackTrace,
    Unserializable,
)
from metagraph_export.tf.attr_value_pb2 import AttrValue, NameAttrList
from metagraph_export.tf.control_flow_pb2 import (
    CondContextDef,
    ControlFlowContextDef,
    ValuesDef,
    WhileContextDef,
)
from metagraph_export.tf.error_codes_pb2 import OUT_OF_RANGE
from metagraph_export.tf.function_pb2 import FunctionDef
from metagraph_export.tf.graph_debug_info_pb2 import GraphDebugInfo
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import CollectionDef, MetaGraphDef
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.op_def_pb2 import OpDef, OpList
from metagraph_export.tf.queue_runner_pb2 import QueueRunnerDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.tensor_pb2 import TensorProto
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto
from metagraph_export.tf.types_pb2 import DT_FLOAT, DT_HALF, DT_UINT8
from metagraph_export.tf.variable_pb2 import SaveSliceInfoDef, VariableDef

M = TypeVar("M", bound=_message.Message)


# --- Building graphs ---------------------------------------------------------------


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


# --- A graph with something for every option ---------------------------------------


def _rich_snapshot() -> GraphSnapshot:
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


def _rich_saver_def() -> SaverDef:
    return SaverDef(
        filename_tensor_name="save/Const:0",
        save_tensor_name="save/control_dependency:0",
        restore_op_name="save/restore_all",
    )


def _rich_meta_info_def() -> MetaGraphDef.MetaInfoDef:
    info = MetaGraphDef.MetaInfoDef(meta_graph_version="v1", tags=["serve"])
    info.any_info.Pack(SaverDef(max_to_keep=2))
    return info


_OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"export_scope": "s"},
    {"clear_devices": True, "strip_default_attrs": True},
    {"clear_extraneous_savers": True, "export_scope": "s/", "unbound_inputs_col_name": None},
    {"as_text": True, "save_debug_info": True, "collection_list": ["strings", "variables"]},
]


# --- Purity and determinism (EXP-API) -----------------------------------------------


@pytest.mark.parametrize("options", _OPTION_SETS, ids=lambda options: ",".join(options) or "none")
@pytest.mark.parametrize("with_graph_def", [False, True], ids=["snapshot", "graph_def"])
def test_export_changes_none_of_its_arguments(
    tmp_path: Path, options: dict[str, Any], with_graph_def: bool
) -> None:
    snapshot = _rich_snapshot()
    graph_def = GraphDef()
    graph_def.CopyFrom(snapshot.graph_def)
    info, saver_def = _rich_meta_info_def(), _rich_saver_def()
    arguments: list[_message.Message] = [snapshot, graph_def, info, saver_def]
    before = [serialized(argument) for argument in arguments]
    present = [sorted(field.name for field, _ in argument.ListFields()) for argument in arguments]

    result = export(
        filename=str(tmp_path / "model.meta"),
        graph=snapshot,
        graph_def=graph_def if with_graph_def else None,
        meta_info_def=info,
        saver_def=saver_def,
        **options,
    )

    assert [serialized(argument) for argument in arguments] == before
    assert [sorted(field.name for field, _ in argument.ListFields()) for argument in arguments] == (
        present
    )
    # The result shares nothing with the arguments: changing it changes none of them.
    result.meta_graph_def.graph_def.node[0].name = "changed"
    result.meta_graph_def.meta_info_def.tags.append("changed")
    result.meta_graph_def.saver_def.version = SaverDef.V1
    assert [serialized(argument) for argument in arguments] == before


@pytest.mark.parametrize("options", _OPTION_SETS, ids=lambda options: ",".join(options) or "none")
def test_two_exports_give_identical_files(tmp_path: Path, options: dict[str, Any]) -> None:
    first, second = (
        export(
            filename=str(tmp_path / directory / "m.meta"),
            graph=_rich_snapshot(),
            saver_def=_rich_saver_def(),
            meta_info_def=_rich_meta_info_def(),
            **options,
        )
        for directory in ("a", "b")
    )
    assert serialized(first.meta_graph_def) == serialized(second.meta_graph_def)
    for name in os.listdir(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_output_does_not_depend_on_insertion_order_of_maps(tmp_path: Path) -> None:
    """Collections and ValuesDef.external_values (which TensorFlow serializes in
    hash order) come out the same whatever order they were built in."""

    def build(order: Sequence[str]) -> GraphSnapshot:
        snapshot = graph_of(("n", "NoOp", []))
        context = CondContextDef(context_name="c", pred_name="p:0", pivot_name="q:0")
        for key in order:
            context.values_def.external_values[key] = key + "_value"
        for key in order:
            add_collection(snapshot, key, CollectionItem(int64_value=len(key)))
            snapshot.output_shapes[key].shape.add()
        add_collection(snapshot, "cond_context", CollectionItem(cond_context=context))
        return snapshot

    keys = [f"k{index}" for index in range(12)]
    forward = export(filename=str(tmp_path / "f.meta"), graph=build(keys))
    backward = export(filename=str(tmp_path / "b.meta"), graph=build(list(reversed(keys))))
    assert (tmp_path / "f.meta").read_bytes() == (tmp_path / "b.meta").read_bytes()
    assert serialized(forward.meta_graph_def) == serialized(backward.meta_graph_def)


@pytest.mark.parametrize("save_debug_info", [False, True])
def test_binary_file_text_file_and_result_agree(tmp_path: Path, save_debug_info: bool) -> None:
    snapshot = _rich_snapshot()
    binary = export(
        filename=str(tmp_path / "bin" / "m.meta"), graph=snapshot, save_debug_info=save_debug_info
    )
    text = export(
        filename=str(tmp_path / "txt" / "m.meta"),
        graph=snapshot,
        as_text=True,
        save_debug_info=save_debug_info,
    )
    returned = binary.meta_graph_def
    assert text.meta_graph_def == returned
    assert (tmp_path / "bin" / "m.meta").read_bytes() == serialized(returned)
    written_text = (tmp_path / "txt" / "m.meta").read_text("utf-8")
    assert written_text == to_text(returned)
    assert parse_message(written_text.encode(), MetaGraphDef, "m.meta", "text") == returned
    # Packed Any contents are expanded in text, as TensorFlow prints them.
    assert "[type.googleapis.com/tensorflow.SaverDef]" in written_text
    files = ["m.debug", "m.meta"] if save_debug_info else ["m.meta"]
    assert sorted(os.listdir(tmp_path / "bin")) == files
    assert sorted(os.listdir(tmp_path / "txt")) == files
    if save_debug_info:
        assert binary.debug_info is not None
        assert (tmp_path / "bin" / "m.debug").read_bytes() == serialized(binary.debug_info)
        debug_text = (tmp_path / "txt" / "m.debug").read_bytes()
        assert parse_message(debug_text, GraphDebugInfo, "m.debug", "text") == binary.debug_info
        assert binary.files == (str(tmp_path / "bin" / "m.meta"), str(tmp_path / "bin" / "m.debug"))
    else:
        assert binary.debug_info is None
        assert binary.files == (str(tmp_path / "bin" / "m.meta"),)


def test_without_filename_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for filename in (None, ""):
        result = export(filename=filename, graph=_rich_snapshot())
        assert result.files == ()
    assert os.listdir(tmp_path) == []


def test_export_meta_graph_returns_the_message_of_export(tmp_path: Path) -> None:
    snapshot = _rich_snapshot()
    message = metagraph_export.export_meta_graph(
        str(tmp_path / "m.meta"), graph=snapshot, export_scope="s", clear_devices=True
    )
    result = export(graph=snapshot, export_scope="s", clear_devices=True)
    assert message == result.meta_graph_def
    assert (tmp_path / "m.meta").read_bytes() == serialized(message)


def test_path_like_filename(tmp_path: Path) -> None:
    result = export(filename=tmp_path / "p" / "m.meta", graph=_rich_snapshot())
    assert (tmp_path / "p" / "m.meta").read_bytes() == serialized(result.meta_graph_def)


# --- meta_info_def, graph_def, saver_def (EXP-META) ------------------------------------


def test_meta_info_def_is_kept_and_versions_are_set() -> None:
    registry = metagraph_export.default_registry()
    info = _rich_meta_info_def()
    info.tensorflow_version = "0.0"
    result = export(graph=graph_of(("n", "NoOp", [])), meta_info_def=info)
    exported = result.meta_graph_def.meta_info_def
    assert exported.tensorflow_version == registry.tensorflow_version == "2.21.0"
    assert exported.tensorflow_git_version == registry.tensorflow_git_version
    assert exported.meta_graph_version == "v1"
    assert list(exported.tags) == ["serve"]
    assert exported.any_info == info.any_info
    assert op_list(result.meta_graph_def) == ["NoOp"]


def test_a_given_stripped_op_list_is_not_recomputed() -> None:
    info = MetaGraphDef.MetaInfoDef()
    info.stripped_op_list.op.add(name="FakeOp")
    graph_def = GraphDef()
    add_node(graph_def, "call", "PartitionedCall")
    result = export(graph_def=graph_def, meta_info_def=info)
    assert op_list(result.meta_graph_def) == ["FakeOp"]
    # Nor is the missing "f" of the call filled in.
    assert "f" not in result.meta_graph_def.graph_def.node[0].attr


def test_empty_graph_def_is_exported_as_present_and_empty() -> None:
    result = export(graph_def=GraphDef())
    assert result.meta_graph_def.HasField("graph_def")
    assert len(result.meta_graph_def.graph_def.node) == 0
    assert not result.meta_graph_def.graph_def.HasField("versions")


def test_saver_def_is_set_only_when_given() -> None:
    snapshot = graph_of(("n", "NoOp", []))
    assert not export(graph=snapshot).meta_graph_def.HasField("saver_def")
    empty = export(graph=snapshot, saver_def=SaverDef()).meta_graph_def
    assert empty.HasField("saver_def")
    assert empty.saver_def == SaverDef()
    given = _rich_saver_def()
    assert export(graph=snapshot, saver_def=given).meta_graph_def.saver_def == given


def test_output_shapes_and_library_with_shapes_without_rewriting() -> None:
    snapshot = graph_of(("a", "Placeholder", []), ("b", "NoOp", ["^a"]))
    snapshot.output_shapes["a"].shape.add().CopyFrom(shape(2, 3))
    add_function(snapshot.graph_def, "f")
    with_shapes = add_function(GraphDef(), "f")
    with_shapes.attr["_input_shapes"].list.shape.add()
    snapshot.library_with_shapes.function.add().CopyFrom(with_shapes)
    graph_def = export(graph=snapshot).meta_graph_def.graph_def
    assert list(node_named(graph_def, "a").attr["_output_shapes"].list.shape) == [shape(2, 3)]
    assert "_output_shapes" not in node_named(graph_def, "b").attr
    assert list(graph_def.library.function) == [with_shapes]


def test_rewriting_reads_operation_inputs_and_registered_library() -> None:
    """With a node-rewriting option each node is read from its operation
    (inputs in creation order) and functions from the graph's own table."""
    snapshot = graph_of(("a", "Placeholder", []), ("b", "Placeholder", []), ("c", "AddV2", []))
    node_named(snapshot.graph_def, "c").input.extend(["a", "^a", "^b"])
    snapshot.operation_inputs["c"].CopyFrom(NodeInputs(input=["a", "^b", "^a"]))
    snapshot.output_shapes["c"].CopyFrom(OutputShapes(shape=[shape(1)]))
    add_function(snapshot.graph_def, "as_graph_def_order")
    registered = snapshot.registered_library.function.add()
    registered.signature.name = "registered"
    plain = export(graph=snapshot).meta_graph_def.graph_def
    rewritten = export(graph=snapshot, clear_devices=True).meta_graph_def.graph_def
    assert list(node_named(plain, "c").input) == ["a", "^a", "^b"]
    assert list(node_named(rewritten, "c").input) == ["a", "^b", "^a"]
    assert list(node_named(rewritten, "c").attr["_output_shapes"].list.shape) == [shape(1)]
    assert [f.signature.name for f in plain.library.function] == ["as_graph_def_order"]
    assert [f.signature.name for f in rewritten.library.function] == ["registered"]


def test_given_graph_def_is_used_as_is_and_gets_no_shapes() -> None:
    snapshot = graph_of(("a", "Placeholder", []))
    snapshot.output_shapes["a"].shape.add()
    graph_def = GraphDef()
    graph_def.versions.producer = 7
    add_node(graph_def, "s/x", "NoOp")
    add_function(graph_def, "given_function")
    for options in ({}, {"export_scope": "s"}):
        exported = export(graph=snapshot, graph_def=graph_def, **options).meta_graph_def.graph_def
        assert names(exported) == ["x" if options else "s/x"]
        assert "_output_shapes" not in exported.node[0].attr
        assert exported.versions.producer == 7
        assert [f.signature.name for f in exported.library.function] == ["given_function"]


# --- export_scope (EXP-SCOPE) --------------------------------------------------------


def test_scope_is_a_plain_prefix_for_inclusion_but_a_path_for_stripping() -> None:
    snapshot = graph_of(
        ("s/x", "NoOp", []),
        ("s_1/x", "NoOp", []),
        ("sab", "NoOp", []),
        ("s", "NoOp", []),
        ("t/s/x", "NoOp", []),
        ("$unbound_inputs_q", "NoOp", []),
    )
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert names(exported) == ["x", "s_1/x", "sab", "s", "$unbound_inputs_q"]


def test_scope_with_trailing_slash() -> None:
    snapshot = graph_of(("s/x", "NoOp", ["s", "s_1/y", "s//z"]), ("s_1/y", "NoOp", []))
    exported = export(graph=snapshot, export_scope="s/").meta_graph_def.graph_def
    assert names(exported) == ["x"]
    assert list(exported.node[0].input) == ["$unbound_inputs_s", "$unbound_inputs_s_1/y", "z"]


def test_scope_is_an_unescaped_regular_expression_when_stripping() -> None:
    """ "a.b" selects names starting with "a.b" only, but strips "aXb/" too."""
    snapshot = graph_of(("a.b/x", "NoOp", ["a.b/y:1", "aXb/z"]), ("aXb/z", "NoOp", []))
    add_collection(
        snapshot,
        "variables",
        CollectionItem(
            variable=VariableDef(
                variable_name="a.b/v:0", initializer_name="aXb/init", snapshot_name="a.b/v/read:0"
            )
        ),
    )
    result = export(graph=snapshot, export_scope="a.b")
    exported = result.meta_graph_def.graph_def
    assert names(exported) == ["x"]
    assert list(exported.node[0].input) == ["y:1", "$unbound_inputs_aXb/z"]
    [variable] = unpack(result.meta_graph_def.collection_def["variables"], VariableDef)
    assert variable == VariableDef(
        variable_name="v:0", initializer_name="init", snapshot_name="v/read:0"
    )


def test_empty_scope_is_no_scope() -> None:
    snapshot = _rich_snapshot()
    assert (
        export(graph=snapshot, export_scope="").meta_graph_def
        == export(graph=snapshot).meta_graph_def
    )


def test_colocation_entries_are_filtered_and_stripped() -> None:
    snapshot = graph_of(("s/a", "NoOp", []), ("s/b", "NoOp", []))
    node_named(snapshot.graph_def, "s/a").attr["_class"].list.s.extend(
        [b"loc:@s/b", b"loc:@other/c", b"loc:@s_x/d", b"loc:@s/b@zz"]
    )
    node_named(snapshot.graph_def, "s/b").attr["_class"].list.s.append(b"loc:@other/c")
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert list(node_named(exported, "a").attr["_class"].list.s) == [
        b"loc:@b",
        b"loc:@s_x/d",
        b"loc:@b@zz",
    ]
    # All entries outside the scope: the attribute stays, as an empty list.
    emptied = node_named(exported, "b").attr["_class"]
    assert emptied.HasField("list")
    assert list(emptied.list.s) == []


def test_enter_frame_name_is_stripped() -> None:
    snapshot = graph_of(("s/enter", "Enter", []), ("s/other", "Identity", []))
    for name in ("s/enter", "s/other"):
        node_named(snapshot.graph_def, name).attr["frame_name"].s = b"s/while/frame"
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert node_named(exported, "enter").attr["frame_name"].s == b"while/frame"
    # Only Enter and RefEnter get this treatment.
    assert node_named(exported, "other").attr["frame_name"].s == b"s/while/frame"


def test_node_named_exactly_as_the_scope_keeps_its_name() -> None:
    snapshot = graph_of(("v", "NoOp", []), ("v/x", "NoOp", ["v", "^v"]))
    exported = export(graph=snapshot, export_scope="v").meta_graph_def.graph_def
    assert names(exported) == ["v", "x"]
    assert list(exported.node[1].input) == ["v", "^v"]


def test_function_library_is_neither_filtered_nor_stripped_by_scope() -> None:
    snapshot = graph_of(("s/x", "NoOp", []))
    body = add_function(snapshot.graph_def, "outside_fn")
    add_node(body, "s/inner", "Identity", "s/x")
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert list(exported.library.function) == [body]


# --- Unbound inputs (EXP-UNBOUND) ------------------------------------------------------


def _unbound_snapshot() -> GraphSnapshot:
    return graph_of(
        ("o", "Placeholder", []),
        ("p", "Placeholder", []),
        ("m/a", "AddV2", ["o", "p:0"]),
        ("m/b", "AddV2", ["o", "m/a", "^p", "^m/a"]),
        ("m/c", "Identity", ["p:1"]),
    )


def test_unbound_inputs_are_recorded_in_order_with_duplicates() -> None:
    result = export(graph=_unbound_snapshot(), export_scope="m")
    graph_def = result.meta_graph_def.graph_def
    assert [(node.name, list(node.input)) for node in graph_def.node] == [
        ("a", ["$unbound_inputs_o", "$unbound_inputs_p:0"]),
        ("b", ["$unbound_inputs_o", "a", "^$unbound_inputs_p", "^a"]),
        ("c", ["$unbound_inputs_p:1"]),
    ]
    # Control inputs ("^$unbound_inputs_p") are rewritten in the nodes but left
    # out of the collection.
    assert list(result.meta_graph_def.collection_def["unbound_inputs"].bytes_list.value) == [
        b"$unbound_inputs_o",
        b"$unbound_inputs_p:0",
        b"$unbound_inputs_o",
        b"$unbound_inputs_p:1",
    ]


def test_unbound_inputs_replace_an_existing_collection_of_that_name() -> None:
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="m/stale"))
    collection = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    assert b"m/stale" not in collection["unbound_inputs"].bytes_list.value


def test_unbound_inputs_under_a_custom_name() -> None:
    snapshot = _unbound_snapshot()
    add_collection(
        snapshot,
        "unbound_inputs",
        CollectionItem(string_value="m/junk"),
        CollectionItem(string_value="zzz"),
    )
    collections = export(
        graph=snapshot, export_scope="m", unbound_inputs_col_name="custom"
    ).meta_graph_def.collection_def
    assert list(collections["custom"].bytes_list.value) == [
        b"$unbound_inputs_o",
        b"$unbound_inputs_p:0",
        b"$unbound_inputs_o",
        b"$unbound_inputs_p:1",
    ]
    # The existing collection is then an ordinary one, filtered by the scope.
    assert list(collections["unbound_inputs"].bytes_list.value) == [b"m/junk"]


@pytest.mark.parametrize("name", [None, ""])
def test_no_unbound_inputs_collection_keeps_the_existing_one(name: str | None) -> None:
    snapshot = _unbound_snapshot()
    add_collection(
        snapshot,
        "unbound_inputs",
        CollectionItem(string_value="$unbound_inputs_old"),
        CollectionItem(string_value="^$unbound_inputs_old"),
    )
    result = export(graph=snapshot, export_scope="m", unbound_inputs_col_name=name)
    assert list(result.meta_graph_def.collection_def["unbound_inputs"].bytes_list.value) == [
        b"$unbound_inputs_old"
    ]
    assert list(result.meta_graph_def.graph_def.node[0].input) == [
        "$unbound_inputs_o",
        "$unbound_inputs_p:0",
    ]


@pytest.mark.parametrize(
    "options", [{"clear_devices": True}, {"clear_extraneous_savers": True}, {"export_scope": "o"}]
)
def test_rewriting_without_unbound_inputs_removes_the_collection(options: dict[str, Any]) -> None:
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="old"))
    collections = export(graph=snapshot, **options).meta_graph_def.collection_def
    assert "unbound_inputs" not in collections


def test_without_rewriting_the_existing_collection_is_exported() -> None:
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="^old"))
    collections = export(graph=snapshot).meta_graph_def.collection_def
    assert list(collections["unbound_inputs"].bytes_list.value) == [b"^old"]


# --- clear_devices (EXP-DEV) -----------------------------------------------------------


@pytest.mark.parametrize("with_graph_def", [False, True], ids=["snapshot", "graph_def"])
def test_clear_devices_clears_top_level_nodes_only(with_graph_def: bool) -> None:
    snapshot = _rich_snapshot()
    result = export(
        graph=snapshot,
        graph_def=snapshot.graph_def if with_graph_def else None,
        clear_devices=True,
    )
    graph_def = result.meta_graph_def.graph_def
    assert {node.device for node in graph_def.node} == {""}
    assert [node.device for node in graph_def.library.function[0].node_def] == ["/device:GPU:0"]
    kept = export(graph=snapshot).meta_graph_def.graph_def
    assert {node.device for node in kept.node} == {"/job:w/device:CPU:0"}


# --- strip_default_attrs (EXP-STRIP) --------------------------------------------------


def _default_attrs_graph() -> GraphDef:
    graph_def = GraphDef()
    add_node(
        graph_def,
        "conv",
        "Conv2D",
        "image",
        "kernel",
        attrs={
            "T": AttrValue(type=DT_FLOAT),
            "strides": ints(1, 1, 1, 1),
            "padding": AttrValue(s=b"SAME"),
            "data_format": AttrValue(s=b"NHWC"),
            "dilations": ints(1, 1, 1, 1),
            "explicit_paddings": ints(),
            "use_cudnn_on_gpu": AttrValue(b=True),
            "_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[shape(1)])),
        },
    )
    add_node(graph_def, "conv_nchw", "Conv2D", attrs={"data_format": AttrValue(s=b"NCHW")})
    add_node(
        graph_def,
        "leaky_default",
        "LeakyRelu",
        attrs={"alpha": AttrValue(f=0.2), "T": AttrValue(type=DT_FLOAT)},
    )
    add_node(
        graph_def,
        "leaky_other",
        "LeakyRelu",
        attrs={"alpha": AttrValue(f=0.3), "T": AttrValue(type=DT_HALF)},
    )
    bad_color = TensorProto(
        dtype=DT_UINT8, tensor_shape=shape(4), tensor_content=bytes([255, 0, 0, 255])
    )
    add_node(graph_def, "summary", "ImageSummary", attrs={"bad_color": AttrValue(tensor=bad_color)})
    other_color = TensorProto(dtype=DT_UINT8, tensor_shape=shape(4), int_val=[255, 0, 0])
    add_node(
        graph_def,
        "summary_other",
        "ImageSummary",
        attrs={"bad_color": AttrValue(tensor=other_color)},
    )
    add_node(graph_def, "unknown", "NotAnOp", attrs={"alpha": AttrValue(f=0.2)})
    body = add_function(graph_def, "body")
    add_node(body, "inner", "LeakyRelu", attrs={"alpha": AttrValue(f=0.2)})
    return graph_def


def test_strip_default_attrs_removes_exactly_the_defaults() -> None:
    result = export(graph_def=_default_attrs_graph(), strip_default_attrs=True)
    graph_def = result.meta_graph_def.graph_def
    assert sorted(node_named(graph_def, "conv").attr) == [
        "T",
        "_output_shapes",
        "padding",
        "strides",
    ]
    assert sorted(node_named(graph_def, "conv_nchw").attr) == ["data_format"]
    assert sorted(node_named(graph_def, "leaky_default").attr) == []
    assert sorted(node_named(graph_def, "leaky_other").attr) == ["T", "alpha"]
    # [255, 0, 0, 255] as tensor_content equals the default given as int_val.
    assert sorted(node_named(graph_def, "summary").attr) == []
    assert sorted(node_named(graph_def, "summary_other").attr) == ["bad_color"]
    # Unregistered ops are left alone; function bodies are stripped too.
    assert sorted(node_named(graph_def, "unknown").attr) == ["alpha"]
    assert sorted(graph_def.library.function[0].node_def[0].attr) == []
    assert result.meta_graph_def.meta_info_def.stripped_default_attrs


def test_without_strip_default_attrs_nothing_is_removed() -> None:
    source = _default_attrs_graph()
    result = export(graph_def=source, strip_default_attrs=False)
    assert result.meta_graph_def.graph_def == source
    assert not result.meta_graph_def.meta_info_def.stripped_default_attrs


def test_stripped_op_list_keeps_the_default_values() -> None:
    result = export(graph_def=_default_attrs_graph(), strip_default_attrs=True)
    [conv] = [
        op for op in result.meta_graph_def.meta_info_def.stripped_op_list.op if op.name == "Conv2D"
    ]
    assert conv == metagraph_export.default_registry().get("Conv2D")
    [data_format] = [attr for attr in conv.attr if attr.name == "data_format"]
    assert data_format.default_value.s == b"NHWC"


def test_nodes_calling_a_library_function_are_not_stripped() -> None:
    """A node whose op names a function of the library is a call, even when a
    registered op has the same name."""
    graph_def = GraphDef()
    add_node(graph_def, "call", "LeakyRelu", attrs={"alpha": AttrValue(f=0.2)})
    add_function(graph_def, "LeakyRelu")
    result = export(graph_def=graph_def, strip_default_attrs=True)
    assert sorted(result.meta_graph_def.graph_def.node[0].attr) == ["alpha"]
    assert op_list(result.meta_graph_def) == []


# --- stripped_op_list (EXP-OPS) -------------------------------------------------------


def test_stripped_op_list_is_sorted_and_reaches_through_calls() -> None:
    graph_def = GraphDef()
    add_node(graph_def, "z", "Relu")
    add_node(
        graph_def,
        "call",
        "StatefulPartitionedCall",
        attrs={"f": AttrValue(func=NameAttrList(name="outer"))},
    )
    add_node(graph_def, "direct", "direct_fn")
    add_node(graph_def, "a", "AddV2")
    outer = add_function(graph_def, "outer")
    add_node(outer, "sqrt", "Sqrt")
    add_node(
        outer, "nested", "PartitionedCall", attrs={"f": AttrValue(func=NameAttrList(name="inner"))}
    )
    inner = add_function(graph_def, "inner")
    add_node(inner, "neg", "Neg")
    direct = add_function(graph_def, "direct_fn")
    add_node(
        direct,
        "const_call",
        "PartitionedCall",
        attrs={"f": AttrValue(func=NameAttrList(name="Const"))},
    )
    unused = add_function(graph_def, "unused")
    add_node(unused, "rsqrt", "Rsqrt")
    result = export(graph_def=graph_def)
    assert op_list(result.meta_graph_def) == [
        "AddV2",
        "Const",
        "Neg",
        "PartitionedCall",
        "Relu",
        "Sqrt",
        "StatefulPartitionedCall",
    ]
    registry = metagraph_export.default_registry()
    for op in result.meta_graph_def.meta_info_def.stripped_op_list.op:
        assert op == registry.get(op.name)
    assert result.diagnostics == ()


def test_calls_without_f_gain_an_empty_f() -> None:
    graph_def = GraphDef()
    add_node(graph_def, "call", "PartitionedCall")
    add_node(graph_def, "other", "Identity")
    body = add_function(graph_def, "fn")
    add_node(graph_def, "fn_call", "fn")
    add_node(body, "inner_call", "StatefulPartitionedCall")
    result = export(graph_def=graph_def)
    exported = result.meta_graph_def.graph_def
    assert list(node_named(exported, "call").attr) == ["f"]
    assert node_named(exported, "call").attr["f"] == AttrValue()
    assert list(node_named(exported, "other").attr) == []
    assert exported.library.function[0].node_def[0].attr["f"] == AttrValue()
    assert "f" not in graph_def.node[0].attr
    assert op_list(result.meta_graph_def) == [
        "Identity",
        "PartitionedCall",
        "StatefulPartitionedCall",
    ]


def test_custom_ops_join_the_registry() -> None:
    graph_def = GraphDef()
    add_node(graph_def, "mine", "MyOp", attrs={"k": AttrValue(i=3)})
    add_node(graph_def, "id", "Identity")
    my_op = OpDef(name="MyOp")
    my_op.attr.add(name="k", type="int").default_value.i = 3
    without = export(graph_def=graph_def)
    assert op_list(without.meta_graph_def) == ["Identity"]
    assert [(d.code, d.subject) for d in without.diagnostics] == [("OP_NOT_REGISTERED", "MyOp")]
    for op_defs in ([my_op], OpList(op=[my_op]), (op for op in [my_op])):
        result = export(graph_def=graph_def, op_defs=op_defs, strip_default_attrs=True)
        assert op_list(result.meta_graph_def) == ["Identity", "MyOp"]
        assert result.meta_graph_def.meta_info_def.stripped_op_list.op[1] == my_op
        assert list(result.meta_graph_def.graph_def.node[0].attr) == []
        assert result.diagnostics == ()


def test_custom_op_may_repeat_a_builtin_identically_but_not_redefine_it() -> None:
    graph_def = GraphDef()
    add_node(graph_def, "id", "Identity")
    identity = metagraph_export.default_registry().get("Identity")
    assert identity is not None
    export(graph_def=graph_def, op_defs=[identity])
    changed = OpDef()
    changed.CopyFrom(identity)
    changed.summary = "another Identity"
    with pytest.raises(InvalidArgumentError, match="'Identity' is already registered"):
        export(graph_def=graph_def, op_defs=[changed])
    with pytest.raises(InvalidArgumentError, match="no name"):
        export(graph_def=graph_def, op_defs=[OpDef()])


def test_op_registry_argument_replaces_the_default_registry() -> None:
    registry = metagraph_export.OpRegistry({"Identity": OpDef(name="Identity")}, "9.9", "g")
    graph_def = GraphDef()
    add_node(graph_def, "id", "Identity")
    add_node(graph_def, "relu", "Relu")
    result = export(graph_def=graph_def, op_registry=registry)
    assert result.meta_graph_def.meta_info_def.tensorflow_version == "9.9"
    assert result.meta_graph_def.meta_info_def.stripped_op_list.op[0] == OpDef(name="Identity")
    assert [(d.code, d.subject) for d in result.diagnostics] == [("OP_NOT_REGISTERED", "Relu")]


# --- Collections (EXP-COLL) -----------------------------------------------------------


def _any_item() -> CollectionItem:
    item = CollectionItem()
    item.any_value.Pack(SaverDef(version=SaverDef.V2))
    return item


_ITEMS: dict[str, CollectionItem] = {
    "int": CollectionItem(int64_value=-(2**63)),
    "bool": CollectionItem(bool_value=True),
    "float": CollectionItem(float_value=0.1),
    "big_integer": CollectionItem(big_integer=str(2**70)),
    "huge_integer": CollectionItem(big_integer=str(10**400)),
    "string": CollectionItem(string_value="é"),
    "bytes": CollectionItem(bytes_value=b"\xff\x00"),
    "name": CollectionItem(name="t:0"),
    "variable": CollectionItem(variable=VariableDef(variable_name="v:0")),
    "any": _any_item(),
    "unserializable": CollectionItem(unserializable=Unserializable(description="object")),
    "no_proto": CollectionItem(no_proto=NoProto(description="Saver")),
}

# The list kind of an untyped collection from its first item, and which later
# items that list takes; anything else drops the collection.
_TAKES: dict[str, tuple[str | None, set[str]]] = {
    "int": ("int64_list", {"int"}),
    "bool": (None, set()),
    "float": ("float_list", {"int", "bool", "float", "big_integer"}),
    "big_integer": (None, set()),
    "huge_integer": (None, set()),
    "string": ("bytes_list", {"string", "bytes"}),
    "bytes": ("bytes_list", {"string", "bytes"}),
    "name": ("node_list", {"name", "variable"}),
    "variable": ("node_list", {"name", "variable"}),
    "any": ("any_list", {"any"}),
    "unserializable": (None, set()),
    "no_proto": (None, set()),
}


@pytest.mark.parametrize("second", sorted(_ITEMS))
@pytest.mark.parametrize("first", sorted(_ITEMS))
def test_collection_kind_table(first: str, second: str) -> None:
    snapshot = graph_of(("t", "NoOp", []))
    add_collection(snapshot, "pair", _ITEMS[first], _ITEMS[second])
    add_collection(snapshot, "single", _ITEMS[first])
    result = export(graph=snapshot)
    collections = result.meta_graph_def.collection_def
    kind, takes = _TAKES[first]
    expected_single = kind if first in takes else None
    expected_pair = expected_single if second in takes else None
    for key, expected in (("single", expected_single), ("pair", expected_pair)):
        if expected is None:
            assert key not in collections
            assert ("COLLECTION_DROPPED", key) in [(d.code, d.subject) for d in result.diagnostics]
        else:
            values = getattr(collections[key], expected).value
            assert collections[key].WhichOneof("kind") == expected
            assert len(values) == (2 if key == "pair" else 1)


def test_collection_values() -> None:
    snapshot = graph_of(("t", "NoOp", []))
    floats = [0.1, 1e300, -1e300, float("nan"), 3.4028235e38]
    add_collection(
        snapshot,
        "floats",
        *[CollectionItem(float_value=value) for value in floats],
        CollectionItem(bool_value=True),
        CollectionItem(int64_value=3),
        CollectionItem(big_integer=str(2**70)),
    )
    add_collection(
        snapshot,
        "ints",
        CollectionItem(int64_value=-(2**63)),
        CollectionItem(int64_value=2**63 - 1),
    )
    add_collection(
        snapshot, "text", CollectionItem(string_value="é"), CollectionItem(bytes_value=b"\xff\x00")
    )
    add_collection(
        snapshot,
        "nodes",
        CollectionItem(name="t:0"),
        CollectionItem(variable=VariableDef(variable_name="v:0")),
    )
    add_collection(snapshot, "anys", _any_item())
    collections = export(graph=snapshot).meta_graph_def.collection_def
    exported = list(collections["floats"].float_list.value)
    expected_floats = [
        0.10000000149011612,
        math.inf,
        -math.inf,
        math.nan,
        3.4028234663852886e38,
        1.0,
        3.0,
        1.1805916207174113e21,
    ]
    assert len(exported) == len(expected_floats)
    for value, expected in zip(exported, expected_floats, strict=True):
        assert value == expected or (math.isnan(value) and math.isnan(expected))
    assert list(collections["ints"].int64_list.value) == [-(2**63), 2**63 - 1]
    assert list(collections["text"].bytes_list.value) == [b"\xc3\xa9", b"\xff\x00"]
    assert list(collections["nodes"].node_list.value) == ["t:0", "v:0"]
    assert list(collections["anys"].any_list.value) == [_any_item().any_value]


def test_float_narrowing_matches_protobuf() -> None:
    """The exporter narrows doubles to float32 as protobuf's float field does."""
    values = [
        0.1,
        1e-46,
        3.4028235e38,
        3.4028235677973366e38,
        3.402823567797337e38,
        1e39,
        -1e39,
        2.0**-149,
        2.0**-150,
        1 / 3,
    ]
    snapshot = graph_of()
    add_collection(snapshot, "f", *[CollectionItem(float_value=value) for value in values])
    exported = list(export(graph=snapshot).meta_graph_def.collection_def["f"].float_list.value)
    reference = CollectionDef.FloatList(value=values)
    assert exported == list(reference.value)


def test_empty_collections_are_not_exported() -> None:
    snapshot = graph_of(("t", "NoOp", []))
    add_collection(snapshot, "empty")
    add_collection(snapshot, "out_of_scope", CollectionItem(string_value="u"))
    result = export(graph=snapshot, export_scope="t")
    assert "empty" not in result.meta_graph_def.collection_def
    assert "out_of_scope" not in result.meta_graph_def.collection_def
    assert result.diagnostics == ()


def test_untyped_items_under_a_scope() -> None:
    """str items are filtered by the scope but not stripped; bytes are kept;
    names are filtered and stripped."""
    snapshot = graph_of()
    add_collection(
        snapshot,
        "strings",
        *[CollectionItem(string_value=v) for v in ("s/a", "t/b", "sab", "$unbound_inputs_x")],
        CollectionItem(bytes_value=b"t/c"),
    )
    add_collection(
        snapshot,
        "nodes",
        CollectionItem(name="s/x:0"),
        CollectionItem(name="t/y:0"),
        CollectionItem(name="sz:0"),
    )
    collections = export(graph=snapshot, export_scope="s").meta_graph_def.collection_def
    assert list(collections["strings"].bytes_list.value) == [
        b"s/a",
        b"sab",
        b"$unbound_inputs_x",
        b"t/c",
    ]
    assert list(collections["nodes"].node_list.value) == ["x:0", "sz:0"]


def test_a_key_listed_twice_in_the_snapshot_takes_the_last() -> None:
    snapshot = graph_of()
    add_collection(snapshot, "k", CollectionItem(int64_value=1))
    add_collection(snapshot, "k", CollectionItem(int64_value=2))
    assert list(export(graph=snapshot).meta_graph_def.collection_def["k"].int64_list.value) == [2]


def test_collection_list_selects_keys() -> None:
    snapshot = _rich_snapshot()
    everything = export(graph=snapshot).meta_graph_def.collection_def
    assert sorted(everything) == ["anys", "savers", "strings", "unbound_inputs", "variables"]
    assert not export(graph=snapshot, collection_list=[]).meta_graph_def.collection_def
    chosen = export(graph=snapshot, collection_list=["strings", b"variables", "no_such_key"])
    assert sorted(chosen.meta_graph_def.collection_def) == ["strings", "variables"]
    assert chosen.diagnostics == tuple(
        d for d in chosen.diagnostics if d.code == "COLLECTION_KEY_NOT_STRING"
    )
    generated = export(graph=snapshot, collection_list=(key for key in ["anys"]))
    assert sorted(generated.meta_graph_def.collection_def) == ["anys"]


def test_a_key_listed_twice_in_collection_list_is_exported_twice() -> None:
    snapshot = _rich_snapshot()
    add_collection(snapshot, "dup", CollectionItem(int64_value=1), CollectionItem(int64_value=2))
    collections = export(
        graph=snapshot, collection_list=["dup", "dup", "variables", "variables"]
    ).meta_graph_def.collection_def
    assert list(collections["dup"].int64_list.value) == [1, 2, 1, 2]
    assert len(collections["variables"].bytes_list.value) == 2


# --- Typed collections (EXP-COLL) ------------------------------------------------------


def test_variables_under_a_scope() -> None:
    snapshot = graph_of()
    inside = VariableDef(
        variable_name="s/v:0",
        initial_value_name="s/v/initial_value:0",
        initializer_name="s/v/Assign",
        snapshot_name="s/v/read:0",
        trainable=True,
        save_slice_info_def=SaveSliceInfoDef(
            full_name="s/v", full_shape=[4], var_offset=[0], var_shape=[2]
        ),
    )
    outside = VariableDef(variable_name="t/w:0")
    for key in ("variables", "trainable_variables", "local_variables", "global_step"):
        add_collection(
            snapshot, key, CollectionItem(variable=inside), CollectionItem(variable=outside)
        )
    collections = export(graph=snapshot, export_scope="s").meta_graph_def.collection_def
    expected = VariableDef(
        variable_name="v:0",
        initial_value_name="v/initial_value:0",
        initializer_name="v/Assign",
        snapshot_name="v/read:0",
        trainable=True,
        save_slice_info_def=SaveSliceInfoDef(
            full_name="v", full_shape=[4], var_offset=[0], var_shape=[2]
        ),
    )
    for key in ("variables", "trainable_variables", "local_variables", "global_step"):
        assert unpack(collections[key], VariableDef) == [expected]
    unscoped = export(graph=snapshot).meta_graph_def.collection_def
    assert unpack(unscoped["variables"], VariableDef) == [inside, outside]


def test_variable_whose_slice_is_outside_the_scope_drops_the_collection() -> None:
    snapshot = graph_of()
    part = VariableDef(
        variable_name="m/part/part_0:0",
        save_slice_info_def=SaveSliceInfoDef(full_name="m/part"),
    )
    add_collection(snapshot, "variables", CollectionItem(variable=part))
    add_collection(snapshot, "trainable_variables", CollectionItem(variable=part))
    result = export(graph=snapshot, export_scope="m/part/part")
    assert "variables" not in result.meta_graph_def.collection_def
    assert "trainable_variables" not in result.meta_graph_def.collection_def
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("COLLECTION_DROPPED", "variables"),
        ("COLLECTION_DROPPED", "trainable_variables"),
    ]
    assert "save_slice_info" in result.diagnostics[0].message


def test_typed_collection_with_an_item_of_another_kind_is_dropped() -> None:
    snapshot = graph_of()
    add_collection(
        snapshot,
        "variables",
        CollectionItem(variable=VariableDef(variable_name="v:0")),
        CollectionItem(name="v:0"),
    )
    result = export(graph=snapshot)
    assert "variables" not in result.meta_graph_def.collection_def
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("COLLECTION_DROPPED", "variables")
    ]


def test_savers_under_a_scope() -> None:
    snapshot = graph_of()
    inside = SaverDef(
        filename_tensor_name="m/save/Const:0",
        save_tensor_name="m/save/control_dependency:0",
        restore_op_name="m/save/restore_all",
        max_to_keep=3,
    )
    root = _rich_saver_def()
    add_collection(snapshot, "savers", CollectionItem(saver=inside), CollectionItem(saver=root))
    collections = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    assert unpack(collections["savers"], SaverDef) == [
        SaverDef(
            filename_tensor_name="save/Const:0",
            save_tensor_name="save/control_dependency:0",
            restore_op_name="save/restore_all",
            max_to_keep=3,
        )
    ]
    assert unpack(export(graph=snapshot).meta_graph_def.collection_def["savers"], SaverDef) == [
        inside,
        root,
    ]


def test_saver_outside_the_scope_leaves_an_empty_collection() -> None:
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(saver=_rich_saver_def()))
    collections = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    assert "savers" in collections
    assert collections["savers"] == CollectionDef()
    assert collections["savers"].WhichOneof("kind") is None


def test_saver_without_proto_leaves_an_empty_collection() -> None:
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(no_proto=NoProto(description="Saver")))
    result = export(graph=snapshot)
    assert result.meta_graph_def.collection_def["savers"] == CollectionDef()
    assert result.diagnostics == ()


@pytest.mark.parametrize("scope", ["m", ""])
def test_saver_without_proto_under_a_scope_drops_the_collection(scope: str) -> None:
    """A Saver built with defer_build has no saver_def to test against a scope
    (TensorFlow fails on None there); even an empty scope is a given scope."""
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(no_proto=NoProto(description="Saver")))
    result = export(graph=snapshot, export_scope=scope)
    assert "savers" not in result.meta_graph_def.collection_def
    assert [(d.code, d.subject) for d in result.diagnostics] == [("COLLECTION_DROPPED", "savers")]


def test_queue_runners_under_a_scope() -> None:
    snapshot = graph_of()
    runner = QueueRunnerDef(
        queue_name="s/q",
        enqueue_op_name=["s/q_enqueue", "s/q_enqueue_1", "t/other"],
        close_op_name="s/q_Close",
        cancel_op_name="s/q_Close_1",
        queue_closed_exception_types=[OUT_OF_RANGE],
    )
    add_collection(
        snapshot,
        "queue_runners",
        CollectionItem(queue_runner=runner),
        CollectionItem(queue_runner=QueueRunnerDef(queue_name="t/q")),
    )
    collections = export(graph=snapshot, export_scope="s").meta_graph_def.collection_def
    assert unpack(collections["queue_runners"], QueueRunnerDef) == [
        QueueRunnerDef(
            queue_name="q",
            enqueue_op_name=["q_enqueue", "q_enqueue_1", "t/other"],
            close_op_name="q_Close",
            cancel_op_name="q_Close_1",
            queue_closed_exception_types=[OUT_OF_RANGE],
        )
    ]


def test_control_flow_contexts_under_a_scope() -> None:
    snapshot = graph_of()
    nested = ControlFlowContextDef(
        cond_ctxt=CondContextDef(
            context_name="m/while/cond/cond_text",
            pred_name="m/p:0",
            values_def=ValuesDef(values=["m/a:0"]),
        )
    )
    loop = WhileContextDef(
        context_name="m/while/while_context",
        parallel_iterations=10,
        maximum_iterations_name="m/while/max:0",
        pivot_for_pred_name="m/while/Merge:0",
        pivot_for_body_name="m/while/Identity:0",
        pivot_name="m/while/LoopCond:0",
        loop_exit_names=["m/while/Exit:0"],
        loop_enter_names=["m/while/Enter:0"],
        values_def=ValuesDef(
            values=["ext:0", "m/while/Enter:0"],
            external_values={"m/ext:0": "m/while/x:0", "o:0": "m/while/y:0"},
        ),
        nested_contexts=[nested],
    )
    cond = CondContextDef(
        context_name="m/cond/cond_text",
        pred_name="m/cond/pred_id:0",
        pivot_name="m/cond/switch_t:0",
        branch=1,
    )
    add_collection(snapshot, "while_context", CollectionItem(while_context=loop))
    add_collection(
        snapshot,
        "cond_context",
        CollectionItem(cond_context=cond),
        CollectionItem(cond_context=CondContextDef(context_name="top/cond")),
    )
    collections = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    [exported_loop] = unpack(collections["while_context"], WhileContextDef)
    assert exported_loop == WhileContextDef(
        context_name="while/while_context",
        parallel_iterations=10,
        maximum_iterations_name="while/max:0",
        pivot_for_pred_name="while/Merge:0",
        pivot_for_body_name="while/Identity:0",
        pivot_name="while/LoopCond:0",
        loop_exit_names=["while/Exit:0"],
        loop_enter_names=["while/Enter:0"],
        values_def=ValuesDef(
            values=["ext:0", "while/Enter:0"],
            external_values={"ext:0": "while/x:0", "o:0": "while/y:0"},
        ),
        # Nested contexts keep their full names.
        nested_contexts=[nested],
    )
    # values_def is always set, as TensorFlow's to_proto always sets it.
    assert unpack(collections["cond_context"], CondContextDef) == [
        CondContextDef(
            context_name="cond/cond_text",
            pred_name="cond/pred_id:0",
            pivot_name="cond/switch_t:0",
            branch=1,
            values_def=ValuesDef(),
        )
    ]


# --- clear_extraneous_savers (EXP-SAVERS) -----------------------------------------------


def test_clear_extraneous_savers_keeps_the_scopes_of_saver_def() -> None:
    result = export(
        graph=_rich_snapshot(), clear_extraneous_savers=True, saver_def=_rich_saver_def()
    )
    exported = names(result.meta_graph_def.graph_def)
    assert "save_1/SaveV2" not in exported
    assert {"save/Const", "save/SaveV2", "save/restore_all"} <= set(exported)
    assert unpack(result.meta_graph_def.collection_def["savers"], SaverDef) == [_rich_saver_def()]
    assert result.meta_graph_def.saver_def == _rich_saver_def()


def test_clear_extraneous_savers_without_saver_def_removes_every_saver_scope() -> None:
    snapshot = _rich_snapshot()
    del snapshot.collections[1]  # savers
    result = export(graph=snapshot, clear_extraneous_savers=True)
    assert [
        name for name in names(result.meta_graph_def.graph_def) if name.startswith("save")
    ] == []
    assert "savers" not in result.meta_graph_def.collection_def


def test_clear_extraneous_savers_without_saver_def_when_savers_are_not_exported() -> None:
    result = export(
        graph=_rich_snapshot(), clear_extraneous_savers=True, collection_list=["variables"]
    )
    assert sorted(result.meta_graph_def.collection_def) == ["variables"]


def test_clear_extraneous_savers_without_a_savers_collection_exports_none() -> None:
    snapshot = _rich_snapshot()
    del snapshot.collections[1]
    result = export(graph=snapshot, clear_extraneous_savers=True, saver_def=_rich_saver_def())
    assert "savers" not in result.meta_graph_def.collection_def
    assert result.meta_graph_def.HasField("saver_def")


# --- Debug info (EXP-DEBUG) --------------------------------------------------------------


def test_debug_info_numbers_files_frames_and_traces_in_first_use_order(tmp_path: Path) -> None:
    snapshot = graph_of(
        ("s/a", "NoOp", []),
        ("s/b", "NoOp", []),
        ("s/c", "NoOp", []),
        ("s/untraced", "NoOp", []),
        ("t/x", "NoOp", []),
    )
    shared = StackTrace(
        frames=[
            StackFrame(file="main.py", line=1, function="<module>"),
            StackFrame(file="lib.py", line=5, function="helper"),
        ]
    )
    snapshot.stack_traces["s/a"].CopyFrom(shared)
    snapshot.stack_traces["s/b"].CopyFrom(StackTrace(frames=[shared.frames[1]]))
    snapshot.stack_traces["s/c"].CopyFrom(shared)
    snapshot.stack_traces["t/x"].CopyFrom(shared)
    result = export(
        filename=str(tmp_path / "m.meta"), graph=snapshot, export_scope="s", save_debug_info=True
    )
    info = result.debug_info
    assert info is not None
    assert list(info.files) == ["main.py", "lib.py"]
    assert dict(info.name_to_trace_id) == {"s/a@": 0, "s/b@": 1, "s/c@": 0}
    assert list(info.traces_by_id[0].frame_id) == [0, 1]
    assert list(info.traces_by_id[1].frame_id) == [1]
    assert (
        info.frames_by_id[1].file_index,
        info.frames_by_id[1].line,
        info.frames_by_id[1].func,
    ) == (1, 5, "helper")
    assert (tmp_path / "m.debug").read_bytes() == serialized(info)


def test_debug_file_of_a_graph_without_traces_is_empty(tmp_path: Path) -> None:
    for as_text in (False, True):
        directory = tmp_path / str(as_text)
        export(
            filename=str(directory / "m.meta"),
            graph=graph_of(("n", "NoOp", [])),
            save_debug_info=True,
            as_text=as_text,
        )
        assert (directory / "m.debug").read_bytes() == b""


# --- Diagnostics (EXP-DIAG) ---------------------------------------------------------------


def _diagnostic_snapshot() -> GraphSnapshot:
    snapshot = graph_of(("n", "UnregisteredOp", []))
    snapshot.non_string_collection_keys.extend(["7", "b'bytes'"])
    add_collection(snapshot, "bad", CollectionItem(int64_value=1), CollectionItem(bool_value=True))
    add_collection(snapshot, "good", CollectionItem(int64_value=1))
    return snapshot


def test_diagnostics_are_returned_in_order() -> None:
    result = export(graph=_diagnostic_snapshot(), save_debug_info=True)
    assert [(d.code, d.subject) for d in result.diagnostics] == [
        ("COLLECTION_KEY_NOT_STRING", "7"),
        ("COLLECTION_KEY_NOT_STRING", "b'bytes'"),
        ("OP_NOT_REGISTERED", "UnregisteredOp"),
        ("COLLECTION_DROPPED", "bad"),
        ("DEBUG_INFO_NOT_WRITTEN", ""),
    ]
    messages = [d.message for d in result.diagnostics]
    assert "7" in messages[0]
    assert "'UnregisteredOp'" in messages[2]
    assert "'bad'" in messages[3] and "bool" in messages[3]
    assert "filename" in messages[4]
    assert sorted(result.meta_graph_def.collection_def) == ["good"]


def test_a_clean_export_has_no_diagnostics(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    result = export(graph=_rich_snapshot(), export_scope="s")
    assert [d.code for d in result.diagnostics] == ["COLLECTION_KEY_NOT_STRING"]
    snapshot = _rich_snapshot()
    snapshot.ClearField("non_string_collection_keys")
    caplog.clear()
    assert export(graph=snapshot).diagnostics == ()
    assert caplog.records == []


def test_diagnostics_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    result = export(graph=_diagnostic_snapshot(), save_debug_info=True)
    records = [record for record in caplog.records if record.name == "metagraph_export"]
    assert [record.getMessage() for record in records] == [d.message for d in result.diagnostics]
    levels = {d.code: record.levelno for d, record in zip(result.diagnostics, records, strict=True)}
    for code in ("COLLECTION_DROPPED", "OP_NOT_REGISTERED", "DEBUG_INFO_NOT_WRITTEN"):
        assert levels[code] == logging.WARNING
    assert levels["COLLECTION_KEY_NOT_STRING"] <= logging.WARNING


def test_a_failed_export_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="metagraph_export")
    snapshot = _diagnostic_snapshot()
    add_collection(snapshot, "variables")
    with pytest.raises(InvalidArgumentError):
        export(graph=snapshot, export_scope="a(")
    assert caplog.records == []


@pytest.mark.parametrize("options", [{"clear_devices": True}, {"export_scope": "s"}])
def test_rewriting_path_drops_the_graphs_own_unknown_fields_only(options: dict[str, Any]) -> None:
    """EXP-GRAPH-5: the rewritten graph is a new GraphDef of nodes, versions and
    library; a node keeps its unknown fields (implementation-defined, as in
    TensorFlow's copies)."""
    from google.protobuf.unknown_fields import UnknownFieldSet

    graph_def = GraphDef(version=7)
    graph_def.node.add(name="s/a", op="NoOp", device="/cpu:0")
    graph_def.node.add(name="s/b", op="NoOp")
    unknown_field = b"\xf8\x07\x01"  # field 127, varint 1
    graph_def = GraphDef.FromString(graph_def.SerializeToString() + unknown_field)
    graph_def.node[1].MergeFromString(unknown_field)
    before = graph_def.SerializeToString(deterministic=True)

    exported = metagraph_export.export_meta_graph(graph_def=graph_def, **options).graph_def
    assert not len(UnknownFieldSet(exported))
    assert len(UnknownFieldSet(exported.node[1])) == 1
    assert exported.version == 0
    assert exported.HasField("versions") and exported.HasField("library")
    assert [node.name for node in exported.node] == (
        ["a", "b"] if options.get("export_scope") else ["s/a", "s/b"]
    )
    assert graph_def.SerializeToString(deterministic=True) == before


def test_many_separate_runs_of_dropped_nodes_keep_the_order() -> None:
    """EXP-GRAPH-5: nodes in source order, also when the dropped ones are
    scattered (they are then removed in one reordering pass)."""
    graph_def = GraphDef()
    for index in range(300):
        scope = "s" if index % 3 else "t"
        graph_def.node.add(name=f"{scope}/n{index}", op="NoOp", input=[f"^t/n{index - 1}"])
    exported = metagraph_export.export_meta_graph(graph_def=graph_def, export_scope="s")
    kept = [index for index in range(300) if index % 3]
    assert [node.name for node in exported.graph_def.node] == [f"n{index}" for index in kept]
    assert [list(node.input) for node in exported.graph_def.node] == [
        [f"^$unbound_inputs_t/n{index - 1}"] for index in kept
    ]
