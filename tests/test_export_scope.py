"""export_scope: inclusion, stripping and node rewriting (EXP-SCOPE)."""

from __future__ import annotations

from _graphs import add_collection, export, graph_of, names, node_named, rich_snapshot, unpack
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem
from metagraph_export.tf.variable_pb2 import VariableDef


def test_scope_is_a_plain_prefix_for_inclusion_but_a_path_for_stripping() -> None:
    """EXP-SCOPE-1, EXP-SCOPE-2, EXP-SCOPE-3, EXP-SCOPE-11: nodes are included by a plain prefix
    test (unbound-prefixed names always), but only names under the scope's path are stripped."""
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
    """EXP-SCOPE-1, EXP-SCOPE-3, EXP-SCOPE-9: the scope "s/" includes names under "s/" only, and
    stripping removes the whole run of slashes."""
    snapshot = graph_of(("s/x", "NoOp", ["s", "s_1/y", "s//z"]), ("s_1/y", "NoOp", []))
    exported = export(graph=snapshot, export_scope="s/").meta_graph_def.graph_def
    assert names(exported) == ["x"]
    assert list(exported.node[0].input) == ["$unbound_inputs_s", "$unbound_inputs_s_1/y", "z"]


def test_scope_is_an_unescaped_regular_expression_when_stripping() -> None:
    """EXP-SCOPE-1, EXP-SCOPE-3, EXP-SCOPE-9, EXP-COLL-9: "a.b" selects names starting with "a.b"
    only, but strips "aXb/" too."""
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
    """EXP-ARGS-5, EXP-GRAPH-1: an empty scope exports as no scope, on the direct path."""
    snapshot = rich_snapshot()
    assert (
        export(graph=snapshot, export_scope="").meta_graph_def
        == export(graph=snapshot).meta_graph_def
    )


def test_colocation_entries_are_filtered_and_stripped() -> None:
    """EXP-SCOPE-12: _class entries are kept when their location is in the scope, and stripped."""
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
    """EXP-SCOPE-13: the frame_name of an Enter node is stripped, that of other ops is not."""
    snapshot = graph_of(("s/enter", "Enter", []), ("s/other", "Identity", []))
    for name in ("s/enter", "s/other"):
        node_named(snapshot.graph_def, name).attr["frame_name"].s = b"s/while/frame"
    exported = export(graph=snapshot, export_scope="s").meta_graph_def.graph_def
    assert node_named(exported, "enter").attr["frame_name"].s == b"while/frame"
    # Only Enter and RefEnter get this treatment.
    assert node_named(exported, "other").attr["frame_name"].s == b"s/while/frame"


def test_node_named_exactly_as_the_scope_keeps_its_name() -> None:
    """EXP-SCOPE-3, EXP-SCOPE-9, EXP-SCOPE-11: strip needs a "/" after the scope, so a node and
    inputs named as the scope keep their names."""
    snapshot = graph_of(("v", "NoOp", []), ("v/x", "NoOp", ["v", "^v"]))
    exported = export(graph=snapshot, export_scope="v").meta_graph_def.graph_def
    assert names(exported) == ["v", "x"]
    assert list(exported.node[1].input) == ["v", "^v"]
