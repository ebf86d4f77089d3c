"""The exported graph: the direct and the rewriting path (EXP-GRAPH)."""

from __future__ import annotations

from typing import Any

import metagraph_export
import pytest
from _graphs import add_function, add_node, export, graph_of, names, node_named, shape
from metagraph_export.snapshot.v1.snapshot_pb2 import NodeInputs, OutputShapes
from metagraph_export.tf.graph_pb2 import GraphDef


def test_empty_graph_def_is_exported_as_present_and_empty() -> None:
    """EXP-ARGS-3, EXP-GRAPH-2, EXP-GRAPH-3: an empty graph_def is present; the exported graph is
    present, empty and without versions."""
    result = export(graph_def=GraphDef())
    assert result.meta_graph_def.HasField("graph_def")
    assert len(result.meta_graph_def.graph_def.node) == 0
    assert not result.meta_graph_def.graph_def.HasField("versions")


def test_output_shapes_and_library_with_shapes_without_rewriting() -> None:
    """EXP-GRAPH-4, EXP-GRAPH-9: on the direct path a node with output shapes gets them as
    _output_shapes, and library_with_shapes replaces the library."""
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
    """EXP-GRAPH-4, EXP-GRAPH-6, EXP-GRAPH-7, EXP-GRAPH-8, EXP-DEV-2: with a node-rewriting option
    each node is read from its operation (inputs in creation order) and functions from the graph's
    own table."""
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
    """EXP-GRAPH-3, EXP-GRAPH-5, EXP-GRAPH-7: a given graph_def is the source on both paths, with
    its versions and library, and gets no _output_shapes."""
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


def test_function_library_is_neither_filtered_nor_stripped_by_scope() -> None:
    """EXP-GRAPH-10: function bodies are exported whole, whatever the scope."""
    snapshot = graph_of(("s/x", "NoOp", []))
    body = add_function(snapshot.graph_def, "outside_fn")
    add_node(body, "s/inner", "Identity", "s/x")
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert list(exported.library.function) == [body]


@pytest.mark.parametrize("options", [{"clear_devices": True}, {"export_scope": "s"}])
def test_rewriting_path_drops_the_graphs_own_unknown_fields_only(options: dict[str, Any]) -> None:
    """EXP-GRAPH-5, EXP-ARGS-11: the rewritten graph is a new GraphDef of nodes, versions and
    library; a node keeps its unknown fields (implementation-defined, as in TensorFlow's copies)."""
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
    """EXP-GRAPH-5, EXP-SCOPE-9, EXP-SCOPE-10: nodes in source order, also when the dropped ones are
    scattered (they are then removed in one reordering pass); inputs outside the scope are marked
    unbound."""
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
