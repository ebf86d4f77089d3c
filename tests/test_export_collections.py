"""Collections: keys, plain and typed collections (EXP-COLL)."""

from __future__ import annotations

import math

import pytest
from _graphs import add_collection, export, graph_of, rich_saver_def, rich_snapshot, unpack
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem, NoProto, Unserializable
from metagraph_export.tf.control_flow_pb2 import (
    CondContextDef,
    ControlFlowContextDef,
    ValuesDef,
    WhileContextDef,
)
from metagraph_export.tf.error_codes_pb2 import OUT_OF_RANGE
from metagraph_export.tf.meta_graph_pb2 import CollectionDef
from metagraph_export.tf.queue_runner_pb2 import QueueRunnerDef
from metagraph_export.tf.saver_pb2 import SaverDef
from metagraph_export.tf.variable_pb2 import SaveSliceInfoDef, VariableDef


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
    """EXP-COLL-15, EXP-COLL-16, EXP-COLL-17, EXP-COLL-20: the first item decides the list kind of a
    plain collection; an item that list cannot take drops the collection."""
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
    """EXP-COLL-16, EXP-COLL-17, EXP-COLL-18: what each list kind holds: numbers narrowed to
    binary32, strings as UTF-8, bytes as they are, names, Anys."""
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
    """EXP-COLL-17: the exporter narrows doubles to float32 as protobuf's float field does."""
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
    """EXP-COLL-5, EXP-COLL-6: a collection with no item, or none in the scope, gets no entry and no
    diagnostic."""
    snapshot = graph_of(("t", "NoOp", []))
    add_collection(snapshot, "empty")
    add_collection(snapshot, "out_of_scope", CollectionItem(string_value="u"))
    result = export(graph=snapshot, export_scope="t")
    assert "empty" not in result.meta_graph_def.collection_def
    assert "out_of_scope" not in result.meta_graph_def.collection_def
    assert result.diagnostics == ()


def test_untyped_items_under_a_scope() -> None:
    """EXP-COLL-4, EXP-COLL-5, EXP-COLL-18: str items are filtered by the scope but not stripped;
    bytes are kept; names are filtered and stripped."""
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
    """SNAP-9: a key that occurs twice in the snapshot exports the items of its last occurrence."""
    snapshot = graph_of()
    add_collection(snapshot, "k", CollectionItem(int64_value=1))
    add_collection(snapshot, "k", CollectionItem(int64_value=2))
    assert list(export(graph=snapshot).meta_graph_def.collection_def["k"].int64_list.value) == [2]


def test_collection_list_selects_keys() -> None:
    """EXP-COLL-1, EXP-COLL-3, EXP-COLL-6, EXP-ARGS-6, EXP-DIAG-7: collection_list, any sequence
    of keys (bytes keys decoded), selects the keys exported; a missing key exports nothing, and is
    reported."""
    snapshot = rich_snapshot()
    everything = export(graph=snapshot).meta_graph_def.collection_def
    assert sorted(everything) == ["anys", "savers", "strings", "unbound_inputs", "variables"]
    assert not export(graph=snapshot, collection_list=[]).meta_graph_def.collection_def
    chosen = export(graph=snapshot, collection_list=["strings", b"variables", "no_such_key"])
    assert sorted(chosen.meta_graph_def.collection_def) == ["strings", "variables"]
    assert [
        (d.code, d.subject) for d in chosen.diagnostics if d.code != "COLLECTION_KEY_NOT_STRING"
    ] == [("COLLECTION_NOT_FOUND", "no_such_key")]
    generated = export(graph=snapshot, collection_list=(key for key in ["anys"]))
    assert sorted(generated.meta_graph_def.collection_def) == ["anys"]


def test_a_key_listed_twice_in_collection_list_is_exported_twice() -> None:
    """EXP-COLL-2: a key listed twice in collection_list is processed twice, each time appending."""
    snapshot = rich_snapshot()
    add_collection(snapshot, "dup", CollectionItem(int64_value=1), CollectionItem(int64_value=2))
    collections = export(
        graph=snapshot, collection_list=["dup", "dup", "variables", "variables"]
    ).meta_graph_def.collection_def
    assert list(collections["dup"].int64_list.value) == [1, 2, 1, 2]
    assert len(collections["variables"].bytes_list.value) == 2


def test_variables_under_a_scope() -> None:
    """EXP-COLL-5, EXP-COLL-7, EXP-COLL-9: the variable collections keep the variables in the scope,
    their names and slice stripped."""
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
    """EXP-COLL-9, EXP-COLL-20, EXP-DIAG-6: a variable in the scope whose slice is not drops its
    collection (and the scope matches no node of this graph)."""
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
        ("SCOPE_MATCHES_NOTHING", "m/part/part"),
        ("COLLECTION_DROPPED", "variables"),
        ("COLLECTION_DROPPED", "trainable_variables"),
    ]
    assert "save_slice_info" in result.diagnostics[1].message


def test_typed_collection_with_an_item_of_another_kind_is_dropped() -> None:
    """EXP-COLL-8, EXP-COLL-20: an item of another kind drops a typed collection."""
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
    """EXP-COLL-10: under a scope a saver is kept, stripped, only when its three names are in the
    scope; without a scope it is kept as it is."""
    snapshot = graph_of()
    inside = SaverDef(
        filename_tensor_name="m/save/Const:0",
        save_tensor_name="m/save/control_dependency:0",
        restore_op_name="m/save/restore_all",
        max_to_keep=3,
    )
    root = rich_saver_def()
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
    """EXP-COLL-10, EXP-COLL-21: a saver outside the scope leaves an empty entry."""
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(saver=rich_saver_def()))
    collections = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    assert "savers" in collections
    assert collections["savers"] == CollectionDef()
    assert collections["savers"].WhichOneof("kind") is None


def test_saver_without_proto_leaves_an_empty_collection() -> None:
    """EXP-COLL-8, EXP-COLL-21: without a scope a saver without proto is skipped, leaving an empty
    entry."""
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(no_proto=NoProto(description="Saver")))
    result = export(graph=snapshot)
    assert result.meta_graph_def.collection_def["savers"] == CollectionDef()
    assert result.diagnostics == ()


@pytest.mark.parametrize("scope", ["m", ""])
def test_saver_without_proto_under_a_scope_drops_the_collection(scope: str) -> None:
    """EXP-COLL-8, EXP-COLL-20, EXP-ARGS-5: a Saver built with defer_build has no saver_def to test
    against a scope (TensorFlow fails on None there); even an empty scope is a given scope."""
    snapshot = graph_of()
    add_collection(snapshot, "savers", CollectionItem(no_proto=NoProto(description="Saver")))
    result = export(graph=snapshot, export_scope=scope)
    assert "savers" not in result.meta_graph_def.collection_def
    dropped = [("COLLECTION_DROPPED", "savers")]
    # The graph has no node under "m" (EXP-DIAG-6).
    expected = [("SCOPE_MATCHES_NOTHING", "m"), *dropped] if scope else dropped
    assert [(d.code, d.subject) for d in result.diagnostics] == expected


def test_queue_runners_under_a_scope() -> None:
    """EXP-COLL-11: queue runners in the scope are kept with their names stripped."""
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
    """EXP-COLL-12, EXP-COLL-13: cond and while contexts in the scope are stripped, values_def
    included, nested contexts not."""
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


@pytest.mark.parametrize("text", ["+5", " 5", "1_000", "", "-", "٣"])
def test_big_integer_is_plain_decimal_or_drops_a_float_list(text: str) -> None:
    """SNAP-12, EXP-COLL-17: only an optional "-" then ASCII digits is an integer; anything
    else (which Python's int() would take) is no number, and the float list is dropped."""
    snapshot = graph_of()
    add_collection(snapshot, "f", CollectionItem(float_value=1.5), CollectionItem(big_integer=text))
    result = export(graph=snapshot)
    assert "f" not in result.meta_graph_def.collection_def
    assert [(d.code, d.subject) for d in result.diagnostics] == [("COLLECTION_DROPPED", "f")]


def test_big_integer_in_decimal_is_converted_in_a_float_list() -> None:
    """SNAP-12, EXP-COLL-17."""
    snapshot = graph_of()
    add_collection(
        snapshot, "f", CollectionItem(float_value=1.5), CollectionItem(big_integer="-" + "9" * 20)
    )
    values = export(graph=snapshot).meta_graph_def.collection_def["f"].float_list.value
    assert values[1] == pytest.approx(-1e20, rel=1e-6)
