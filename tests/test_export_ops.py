"""stripped_op_list (EXP-OPS) and custom ops (REG-7)."""

from __future__ import annotations

import metagraph_export
import pytest
from _graphs import add_function, add_node, export, node_named, op_list
from metagraph_export import InvalidArgumentError
from metagraph_export.tf.attr_value_pb2 import AttrValue, NameAttrList
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.meta_graph_pb2 import MetaGraphDef
from metagraph_export.tf.op_def_pb2 import OpDef, OpList


def test_a_given_stripped_op_list_is_not_recomputed() -> None:
    """EXP-OPS-1, EXP-OPS-3: a stripped_op_list given with an op is kept as given, and no call gains
    an "f"."""
    info = MetaGraphDef.MetaInfoDef()
    info.stripped_op_list.op.add(name="FakeOp")
    graph_def = GraphDef()
    add_node(graph_def, "call", "PartitionedCall")
    result = export(graph_def=graph_def, meta_info_def=info)
    assert op_list(result.meta_graph_def) == ["FakeOp"]
    # Nor is the missing "f" of the call filled in.
    assert "f" not in result.meta_graph_def.graph_def.node[0].attr


def test_stripped_op_list_is_sorted_and_reaches_through_calls() -> None:
    """EXP-OPS-2, EXP-OPS-4, REG-5: the used ops, sorted, reached through the f of calls and through
    ops that name a function; not the functions, nor unused ones."""
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
    """EXP-OPS-2, EXP-OPS-3, EXP-OPS-4, EXP-ARGS-11: visited calls without f gain an empty one in
    the output, top-level and in traversed bodies, not in the caller's graph_def."""
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
    """REG-7, EXP-OPS-4, EXP-DIAG-4, EXP-STRIP-2: custom ops, as an OpList or a sequence, are used
    like registered ones; without them the op is reported as not registered."""
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
    """REG-7: a custom op may repeat a registered one field by field, not redefine it, and must have
    a name."""
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
    """EXP-INFO-2, EXP-OPS-4, EXP-DIAG-4: the version strings and the OpDefs come from the registry
    the export uses."""
    registry = metagraph_export.OpRegistry({"Identity": OpDef(name="Identity")}, "9.9", "g")
    graph_def = GraphDef()
    add_node(graph_def, "id", "Identity")
    add_node(graph_def, "relu", "Relu")
    result = export(graph_def=graph_def, op_registry=registry)
    assert result.meta_graph_def.meta_info_def.tensorflow_version == "9.9"
    assert result.meta_graph_def.meta_info_def.stripped_op_list.op[0] == OpDef(name="Identity")
    assert [(d.code, d.subject) for d in result.diagnostics] == [("OP_NOT_REGISTERED", "Relu")]
