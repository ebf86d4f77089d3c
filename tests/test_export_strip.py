"""strip_default_attrs and attribute equality (EXP-STRIP), and what it leaves alone."""

from __future__ import annotations

import metagraph_export
from _graphs import add_function, add_node, export, ints, node_named, op_list, shape
from metagraph_export.tf.attr_value_pb2 import AttrValue
from metagraph_export.tf.graph_pb2 import GraphDef
from metagraph_export.tf.tensor_pb2 import TensorProto
from metagraph_export.tf.types_pb2 import DT_FLOAT, DT_HALF, DT_UINT8


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
    """EXP-STRIP-1, EXP-STRIP-2, EXP-STRIP-3, EXP-STRIP-4, EXP-STRIP-6, EXP-STRIP-8: exactly the
    attributes equal to their OpDef's default are removed, from top-level nodes and function bodies,
    not from nodes of unregistered ops."""
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
    """EXP-STRIP-1, EXP-STRIP-3, EXP-GRAPH-3: without strip_default_attrs the graph is exported as
    given and stripped_default_attrs is not set."""
    source = _default_attrs_graph()
    result = export(graph_def=source, strip_default_attrs=False)
    assert result.meta_graph_def.graph_def == source
    assert not result.meta_graph_def.meta_info_def.stripped_default_attrs


def test_stripped_op_list_keeps_the_default_values() -> None:
    """EXP-OPS-4, REG-5: stripped_op_list holds the registry's OpDefs unchanged, default values
    included, even with strip_default_attrs."""
    result = export(graph_def=_default_attrs_graph(), strip_default_attrs=True)
    [conv] = [
        op for op in result.meta_graph_def.meta_info_def.stripped_op_list.op if op.name == "Conv2D"
    ]
    assert conv == metagraph_export.default_registry().get("Conv2D")
    [data_format] = [attr for attr in conv.attr if attr.name == "data_format"]
    assert data_format.default_value.s == b"NHWC"


def test_nodes_calling_a_library_function_are_not_stripped() -> None:
    """EXP-STRIP-1, EXP-OPS-4: a node whose op names a function of the library is a call, even when
    a registered op has the same name."""
    graph_def = GraphDef()
    add_node(graph_def, "call", "LeakyRelu", attrs={"alpha": AttrValue(f=0.2)})
    add_function(graph_def, "LeakyRelu")
    result = export(graph_def=graph_def, strip_default_attrs=True)
    assert sorted(result.meta_graph_def.graph_def.node[0].attr) == ["alpha"]
    assert op_list(result.meta_graph_def) == []
