"""import_meta_graph on hand-built meta graphs, without TensorFlow (spec/import.md).

Each test states one rule of TensorFlow 2.21's import, named by its IMP
requirement, on the smallest meta graph that shows it.
"""

from __future__ import annotations

from pathlib import Path

import metagraph_export
import pytest
from hypothesis import given
from hypothesis import strategies as st
from metagraph_export import GraphSnapshot, ImportResult
from metagraph_export._import_graph import canonical_device
from metagraph_export._importer import names_in_use, unique_name
from metagraph_export._pool import to_text
from metagraph_export.errors import ArgumentTypeError, DecodeError, InvalidArgumentError
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem
from metagraph_export.testing.profiles import settings_for
from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.function_pb2 import FunctionDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.node_def_pb2 import NodeDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto
from metagraph_export.tf.types_pb2 import DT_FLOAT, DT_INT32
from metagraph_export.tf.variable_pb2 import VariableDef


def node(
    name: str, op: str = "Identity", *inputs: str, device: str = "", **attrs: AttrValue
) -> NodeDef:
    result = NodeDef(name=name, op=op, input=list(inputs), device=device)
    if op in ("Identity", "AddV2"):
        result.attr["T"].type = DT_FLOAT
    if op == "Placeholder":
        result.attr["dtype"].type = DT_FLOAT
    if op == "Const":
        result.attr["dtype"].type = DT_FLOAT
        result.attr["value"].tensor.dtype = DT_FLOAT
        result.attr["value"].tensor.float_val.append(1.0)
    for key, value in attrs.items():
        result.attr[key].CopyFrom(value)
    return result


def meta(*nodes: NodeDef) -> MetaGraphDef:
    result = MetaGraphDef()
    result.graph_def.versions.producer = 2474
    result.graph_def.node.extend(nodes)
    return result


def target(*nodes: NodeDef) -> GraphSnapshot:
    result = GraphSnapshot()
    result.graph_def.versions.producer = 2474
    result.graph_def.node.extend(nodes)
    return result


def names(result: ImportResult) -> list[str]:
    return [n.name for n in result.snapshot.graph_def.node]


def imported(result: ImportResult, name: str) -> NodeDef:
    return next(n for n in result.snapshot.graph_def.node if n.name == name)


# IMP-READ


def test_reads_binary_and_text_files(tmp_path: Path) -> None:
    """IMP-READ-3: binary first, then text format."""
    graph = meta(node("a", "Const"))
    (tmp_path / "b.meta").write_bytes(graph.SerializeToString())
    (tmp_path / "t.meta").write_text(to_text(graph))
    for path in ("b.meta", "t.meta"):
        assert names(metagraph_export.import_meta_graph(str(tmp_path / path))) == ["a"]


def test_undecodable_file_is_malformed(tmp_path: Path) -> None:
    """IMP-READ-3, IMP-ERR-1."""
    path = tmp_path / "bad.meta"
    path.write_bytes(b"\xff\xfe not a graph")
    with pytest.raises(DecodeError) as caught:
        metagraph_export.import_meta_graph(str(path))
    assert caught.value.category == "MALFORMED_INPUT"


def test_missing_file_is_invalid(tmp_path: Path) -> None:
    """IMP-READ-2."""
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        metagraph_export.import_meta_graph(str(tmp_path / "nope.meta"))


# IMP-ARGS


def test_arguments_are_not_modified() -> None:
    """IMP-ARGS-6: TensorFlow clears devices and adds defaults in the caller's message."""
    graph = meta(node("p", "Placeholder", device="/cpu:0"))
    graph.saver_def.save_tensor_name = "save/Const:0"
    graph.saver_def.restore_op_name = "save/restore_all"
    into = target(node("x", "Const"))
    before, into_before = graph.SerializeToString(), into.SerializeToString()
    metagraph_export.import_meta_graph(graph, True, "s", graph=into)
    assert graph.SerializeToString() == before
    assert into.SerializeToString() == into_before


@pytest.mark.parametrize(
    "kwargs",
    [
        {"input_map": ["a"]},
        {"input_map": {"a": 1}},
        {"return_elements": "a"},
        {"restore_collections_predicate": [1]},
        {"clear_devices": 1},
        {"import_scope": 3},
    ],
)
def test_argument_types(kwargs: dict[str, object]) -> None:
    """IMP-ARGS-4, IMP-ARGS-5."""
    with pytest.raises(ArgumentTypeError):
        metagraph_export.import_meta_graph(meta(node("a", "Const")), **kwargs)  # type: ignore[arg-type]


# IMP-SCOPE


def test_scope_is_made_unique_case_insensitively() -> None:
    """IMP-SCOPE-1 to IMP-SCOPE-3."""
    into = target(node("a/x", "Const"), node("a_1", "Const"))
    assert unique_name("a", names_in_use(into.graph_def)) == "a_2"
    assert unique_name("A", names_in_use(into.graph_def)) == "A_2"
    result = metagraph_export.import_meta_graph(
        meta(node("x", "Const")), import_scope="a", graph=into
    )
    assert names(result)[-1] == "a_2/x"


def test_scope_with_slash_is_used_as_is_and_names_collide() -> None:
    """IMP-SCOPE-3, IMP-NAME-3: "a/" is not made unique; the node is renamed instead."""
    into = target(node("a/x", "Const"))
    result = metagraph_export.import_meta_graph(
        meta(node("x", "Const")), import_scope="a/", graph=into
    )
    assert names(result) == ["a/x", "a/x_1"]


def test_invalid_scope() -> None:
    """IMP-SCOPE-3."""
    with pytest.raises(InvalidArgumentError, match="root scope"):
        metagraph_export.import_meta_graph(meta(node("x", "Const")), import_scope="-x")


# IMP-NAME


def test_colliding_names_are_uniquified_with_inputs_and_colocation() -> None:
    """IMP-NAME-3, IMP-NAME-5."""
    colocated = AttrValue()
    colocated.list.s.append(b"loc:@x")
    graph = meta(node("x", "Const"), node("y", "Identity", "x", "^x", _class=colocated))
    result = metagraph_export.import_meta_graph(
        graph, graph=target(node("x", "Const"), node("x_1", "Const"))
    )
    assert names(result) == ["x", "x_1", "x_2", "y"]
    y = imported(result, "y")
    assert list(y.input) == ["x_2", "^x_2"]
    assert list(y.attr["_class"].list.s) == [b"loc:@x_2"]
    assert list(result.snapshot.operation_inputs["y"].input) == ["x_2:0", "^x_2"]


def test_prefix_applies_to_inputs_and_colocation() -> None:
    """IMP-NAME-2."""
    colocated = AttrValue()
    colocated.list.s.extend([b"loc:@x", b"other"])
    result = metagraph_export.import_meta_graph(
        meta(node("x", "Const"), node("y", "Identity", "x", _class=colocated)), import_scope="s"
    )
    y = imported(result, "s/y")
    assert list(y.input) == ["s/x"]
    assert list(y.attr["_class"].list.s) == [b"loc:@s/x", b"other"]


def test_colocation_with_unknown_node_fails() -> None:
    """IMP-NAME-6."""
    colocated = AttrValue()
    colocated.list.s.append(b"loc:@nope")
    with pytest.raises(InvalidArgumentError, match="colocated"):
        metagraph_export.import_meta_graph(meta(node("x", "Const", _class=colocated)))


# IMP-NODE, IMP-ORDER, IMP-VER


def test_defaults_are_restored_and_output_shapes_taken() -> None:
    """IMP-NODE-1, IMP-NODE-6, IMP-RESULT-3."""
    shapes = AttrValue()
    shapes.list.shape.add().dim.add(size=3)
    empty = AttrValue()
    result = metagraph_export.import_meta_graph(
        meta(node("p", "Placeholder", shape=empty, _output_shapes=shapes))
    )
    p = imported(result, "p")
    assert p.attr["shape"] == AttrValue(shape=TensorShapeProto(unknown_rank=True))
    assert "_output_shapes" not in p.attr
    assert list(result.snapshot.output_shapes["p"].shape) == list(shapes.list.shape)


def test_unknown_op_and_missing_attr_fail() -> None:
    """IMP-NODE-4, IMP-NODE-5."""
    with pytest.raises(InvalidArgumentError, match="not registered"):
        metagraph_export.import_meta_graph(meta(NodeDef(name="x", op="NoSuchOp")))
    with pytest.raises(InvalidArgumentError, match="missing attr"):
        metagraph_export.import_meta_graph(
            meta(NodeDef(name="x", op="Identity", input=["y"]), node("y", "Const"))
        )


def test_type_mismatch_fails() -> None:
    """IMP-NODE-8."""
    wrong = node("y", "Identity", "x")
    wrong.attr["T"].type = DT_INT32
    with pytest.raises(InvalidArgumentError, match="incompatible"):
        metagraph_export.import_meta_graph(meta(node("x", "Const"), wrong))


def test_import_order_is_topological_smallest_index_first() -> None:
    """IMP-ORDER-1."""
    graph = meta(
        node("c", "AddV2", "b", "a"),
        node("b", "Identity", "a"),
        node("a", "Const"),
        node("d", "Const"),
    )
    assert names(metagraph_export.import_meta_graph(graph)) == ["a", "b", "c", "d"]


def test_cycle_and_unknown_input_fail() -> None:
    """IMP-ORDER-2, IMP-ORDER-3."""
    with pytest.raises(InvalidArgumentError, match="cycle"):
        metagraph_export.import_meta_graph(
            meta(node("a", "Identity", "b"), node("b", "Identity", "a"))
        )
    with pytest.raises(InvalidArgumentError, match="unknown input"):
        metagraph_export.import_meta_graph(meta(node("a", "Identity", "nope")))


@pytest.mark.parametrize(("field", "value"), [("producer", -1), ("min_consumer", 2475)])
def test_versions(field: str, value: int) -> None:
    """IMP-VER-1."""
    graph = meta(node("a", "Const"))
    setattr(graph.graph_def.versions, field, value)
    with pytest.raises(InvalidArgumentError, match="version"):
        metagraph_export.import_meta_graph(graph)


def test_versions_are_merged() -> None:
    """IMP-LIB-3."""
    graph = meta(node("a", "Const"))
    graph.graph_def.versions.producer = 27
    graph.graph_def.versions.min_consumer = 12
    result = metagraph_export.import_meta_graph(graph)
    assert result.snapshot.graph_def.versions.producer == 27
    assert result.snapshot.graph_def.versions.min_consumer == 12


# IMP-MAP, IMP-UNBOUND, IMP-RET


def test_input_map_data_and_control() -> None:
    """IMP-MAP-3, IMP-RET-1."""
    graph = meta(node("x", "Const"), node("y", "Identity", "x", "^x"))
    result = metagraph_export.import_meta_graph(
        graph,
        import_scope="s",
        graph=target(node("t", "Const")),
        input_map={"x": "t:0", "^x": "t"},
        return_elements=["y", "x:0", "y:0"],
    )
    assert list(imported(result, "s/y").input) == ["t", "^t"]
    assert result.return_elements == ["s/y", "t:0", "s/y:0"]


def test_unused_input_map_keys() -> None:
    """IMP-MAP-5: only keys naming no node of G, or no output, fail."""
    graph = meta(node("x", "Const"))
    into = target(node("t", "Const"))
    metagraph_export.import_meta_graph(graph, graph=into, import_scope="s", input_map={"x": "t"})
    with pytest.raises(InvalidArgumentError, match="not found in graph_def"):
        metagraph_export.import_meta_graph(
            graph, graph=into, import_scope="s", input_map={"x:1": "t"}
        )


def test_unbound_inputs_must_be_mapped() -> None:
    """IMP-UNBOUND-1."""
    graph = meta(node("y", "Identity", "$unbound_inputs_x"))
    graph.collection_def["unbound_inputs"].bytes_list.value.append(b"$unbound_inputs_x")
    into = target(node("t", "Const"))
    with pytest.raises(InvalidArgumentError, match="unbound"):
        metagraph_export.import_meta_graph(graph, graph=into)
    result = metagraph_export.import_meta_graph(
        graph, graph=into, import_scope="s", input_map={"$unbound_inputs_x": "t:0"}
    )
    assert list(imported(result, "s/y").input) == ["t"]
    assert not any(c.key == "unbound_inputs" for c in result.snapshot.collections)  # IMP-UNBOUND-2


def test_return_element_errors() -> None:
    """IMP-RET-1."""
    for requested in (["nope"], ["x:1"], ["nope:0"]):
        with pytest.raises(InvalidArgumentError):
            metagraph_export.import_meta_graph(meta(node("x", "Const")), return_elements=requested)


# IMP-DEV


def test_devices_are_canonical_and_colocated_nodes_follow() -> None:
    """IMP-DEV-2, IMP-DEV-3."""
    colocated = AttrValue()
    colocated.list.s.append(b"loc:@x")
    graph = meta(
        node("x", "Const", device="/cpu:0"),
        node("y", "Identity", "x", device="/gpu:1", _class=colocated),
    )
    result = metagraph_export.import_meta_graph(graph)
    assert imported(result, "x").device == "/device:CPU:0"
    assert imported(result, "y").device == "/device:CPU:0"
    cleared = metagraph_export.import_meta_graph(graph, clear_devices=True)  # IMP-DEV-1
    assert {n.device for n in cleared.snapshot.graph_def.node} == {""}


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("gpu:1", "/device:GPU:1"),
        ("/job:w/replica:2", "/job:w/replica:2"),
        ("/job:w/task:1/device:CPU:*", "/job:w/task:1/device:CPU:*"),
        ("/device:XLA_CPU:0", "/device:XLA_CPU:0"),
    ],
)
def test_canonical_device(device: str, expected: str) -> None:
    assert canonical_device(device) == expected


def test_bad_device_fails() -> None:
    """IMP-DEV-3."""
    with pytest.raises(InvalidArgumentError, match="device"):
        metagraph_export.import_meta_graph(meta(node("x", "Const", device="bogus")))


# IMP-LIB


def test_conflicting_function_fails() -> None:
    """IMP-LIB-1."""
    graph = meta(node("x", "Const"))
    function = FunctionDef()
    function.signature.name = "f"
    graph.graph_def.library.function.append(function)
    into = target()
    other = FunctionDef()
    other.signature.name = "f"
    other.signature.description = "another"
    into.graph_def.library.function.append(other)
    with pytest.raises(InvalidArgumentError, match="different function"):
        metagraph_export.import_meta_graph(graph, graph=into)
    into.graph_def.library.function[0].CopyFrom(function)
    metagraph_export.import_meta_graph(graph, graph=into)


# IMP-COLL, IMP-SAVER


def _collections(result: ImportResult) -> dict[str, list[CollectionItem]]:
    return {c.key: list(c.items) for c in result.snapshot.collections}


def test_collections_are_restored_prefixed_in_order() -> None:
    """IMP-COLL-1, IMP-COLL-5, IMP-COLL-9."""
    graph = meta(node("v", "Const"), node("w", "Const"))
    variable = VariableDef(variable_name="v:0", initializer_name="v", snapshot_name="v:0")
    graph.collection_def["variables"].bytes_list.value.append(variable.SerializeToString())
    graph.collection_def["trainable_variables"].bytes_list.value.append(
        variable.SerializeToString()
    )
    graph.collection_def["nodes"].node_list.value.extend(["w", "v:0"])
    graph.collection_def["words"].bytes_list.value.append(b"hello")
    graph.collection_def["numbers"].float_list.value.append(0.5)
    result = metagraph_export.import_meta_graph(graph, import_scope="s")
    collections = _collections(result)
    assert list(collections) == ["trainable_variables", "nodes", "numbers", "variables", "words"]
    assert collections["variables"][0].variable.variable_name == "s/v:0"
    assert [item.name for item in collections["nodes"]] == ["s/w", "s/v:0"]
    assert collections["words"][0].string_value == "s/hello"
    assert collections["numbers"][0].float_value == 0.5
    unscoped = _collections(metagraph_export.import_meta_graph(graph))
    assert unscoped["words"][0].bytes_value == b"hello"
    only = metagraph_export.import_meta_graph(graph, restore_collections_predicate=["nodes"])
    assert list(_collections(only)) == ["nodes"]  # IMP-COLL-2


def test_node_list_naming_nothing_fails() -> None:
    """IMP-COLL-9."""
    graph = meta(node("v", "Const"))
    graph.collection_def["nodes"].node_list.value.append("nope")
    with pytest.raises(InvalidArgumentError, match="not in the graph"):
        metagraph_export.import_meta_graph(graph)


def test_saver_def_is_prefixed() -> None:
    """IMP-SAVER-1, IMP-SAVER-2, IMP-SAVER-3."""
    graph = meta(node("x", "Const"))
    graph.saver_def.CopyFrom(
        SaverDef(
            filename_tensor_name="save/Const:0",
            save_tensor_name="save/x:0",
            restore_op_name="save/r",
        )
    )
    result = metagraph_export.import_meta_graph(graph, import_scope="m")
    assert result.saver_def is not None
    assert result.saver_def.save_tensor_name == "m/save/x:0"
    graph.ClearField("saver_def")
    variable = VariableDef(variable_name="x:0", initializer_name="x", snapshot_name="x:0")
    graph.collection_def["variables"].bytes_list.value.append(variable.SerializeToString())
    result = metagraph_export.import_meta_graph(graph)
    assert result.saver_def is None
    assert [d.code for d in result.diagnostics] == ["SAVER_NOT_BUILT"]
    graph.saver_def.CopyFrom(SaverDef(restore_op_name="r"))
    with pytest.raises(InvalidArgumentError, match="save_tensor_name"):
        metagraph_export.import_meta_graph(graph)


def test_saver_scope_without_variables_is_not_made_unique() -> None:
    """IMP-SAVER-2: no variable, so the scope as given, not the unique one."""
    graph = meta(node("x", "Const"))
    graph.saver_def.CopyFrom(SaverDef(save_tensor_name="save/x:0", restore_op_name="save/r"))
    result = metagraph_export.import_meta_graph(
        graph, import_scope="m", graph=target(node("m/y", "Const"))
    )
    assert names(result)[-1] == "m_1/x"
    assert result.saver_def is not None
    assert result.saver_def.save_tensor_name == "m/save/x:0"


def test_unknown_attribute_is_kept_and_reported() -> None:
    """IMP-NODE-5."""
    extra = AttrValue(i=1)
    result = metagraph_export.import_meta_graph(meta(node("x", "Const", not_an_attr=extra)))
    assert imported(result, "x").attr["not_an_attr"] == extra
    assert [(d.code, d.subject) for d in result.diagnostics] == [("ATTR_NOT_IN_OP", "x")]


def _loop() -> MetaGraphDef:
    """A v1 while loop's skeleton: Enter -> Merge <- NextIteration."""
    frame = AttrValue(s=b"w/while_context")
    enter = node("w/Enter", "Enter", "x", frame_name=frame)
    merge = node("w/Merge", "Merge", "w/Enter", "w/NextIteration")
    merge.attr["N"].i = 2
    merge.attr["T"].type = DT_FLOAT
    graph = meta(
        node("x", "Const"), enter, merge, node("w/NextIteration", "NextIteration", "w/Merge")
    )
    for looped in graph.graph_def.node[1:]:
        looped.attr["T"].type = DT_FLOAT
    return graph


def test_back_edge_names_the_renamed_node() -> None:
    """IMP-ORDER-1, IMP-RESULT-1, IMP-RESULT-2: the Merge is imported before the
    NextIteration it reads; its edge points at the renamed node."""
    into = target(node("w/NextIteration", "Const"))
    result = metagraph_export.import_meta_graph(_loop(), graph=into)
    merge = imported(result, "w/Merge")
    assert list(merge.input) == ["w/Enter", "w/NextIteration_1"]
    assert list(result.snapshot.operation_inputs["w/Merge"].input) == [
        "w/Enter",
        "w/NextIteration",
    ]


def test_while_context_rewrites_frame_names_under_a_scope() -> None:
    """IMP-NAME-7, IMP-COLL-8."""
    from metagraph_export.tf.control_flow_pb2 import WhileContextDef

    graph = _loop()
    context = WhileContextDef(
        context_name="w/while_context",
        pivot_name="w/Merge:0",
        pivot_for_pred_name="w/Merge:0",
        pivot_for_body_name="w/Merge:0",
    )
    context.values_def.values.extend(["w/Enter:0", "w/Merge:0"])
    graph.collection_def["while_context"].bytes_list.value.append(context.SerializeToString())
    scoped = metagraph_export.import_meta_graph(graph, import_scope="i")
    assert imported(scoped, "i/w/Enter").attr["frame_name"].s == b"i/w/while_context"
    restored = next(c for c in scoped.snapshot.collections if c.key == "while_context")
    assert restored.items[0].while_context.context_name == "i/w/while_context"
    plain = metagraph_export.import_meta_graph(graph)
    assert imported(plain, "w/Enter").attr["frame_name"].s == b"w/while_context"
    del graph.collection_def["while_context"]
    unlisted = metagraph_export.import_meta_graph(graph, import_scope="i")
    assert imported(unlisted, "i/w/Enter").attr["frame_name"].s == b"w/while_context"


_VERSIONS = st.text(alphabet="019.-_!+vrcdevpostab", max_size=12)


@settings_for("fast")
@given(st.one_of(_VERSIONS, st.sampled_from(["1.9rc1", "1.9.post1", "1!0.1", "1.9+x", " 1.8 "])))
def test_tensorflow_version_is_compared_as_pep_440_says(version: str) -> None:
    """IMP-VER: TensorFlow compares tensorflow_version with packaging.version; the
    reference does by PEP 440's grammar, without that library."""
    from metagraph_export._importer import _version_below_1_9
    from packaging.version import InvalidVersion, Version

    try:
        expected: object = Version(version) < Version("1.9")
    except InvalidVersion:
        expected = "invalid"
    try:
        actual: object = _version_below_1_9(version)
    except metagraph_export.InvalidArgumentError:
        actual = "invalid"
    assert actual == expected
