"""The unbound-inputs collection (EXP-UNBOUND)."""

from __future__ import annotations

from typing import Any

import pytest
from _graphs import add_collection, export, graph_of
from metagraph_export import GraphSnapshot
from metagraph_export.snapshot.v1.snapshot_pb2 import CollectionItem


def _unbound_snapshot() -> GraphSnapshot:
    return graph_of(
        ("o", "Placeholder", []),
        ("p", "Placeholder", []),
        ("m/a", "AddV2", ["o", "p:0"]),
        ("m/b", "AddV2", ["o", "m/a", "^p", "^m/a"]),
        ("m/c", "Identity", ["p:1"]),
    )


def test_unbound_inputs_are_recorded_in_order_with_duplicates() -> None:
    """EXP-UNBOUND-1, EXP-UNBOUND-2, EXP-UNBOUND-4, EXP-SCOPE-9, EXP-SCOPE-10: inputs leaving the
    scope are marked and recorded in order, duplicates kept; control inputs stay out of the exported
    collection."""
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
    """EXP-UNBOUND-2: the unbound list replaces the snapshot's collection of that name."""
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="m/stale"))
    collection = export(graph=snapshot, export_scope="m").meta_graph_def.collection_def
    assert b"m/stale" not in collection["unbound_inputs"].bytes_list.value


def test_unbound_inputs_under_a_custom_name() -> None:
    """EXP-UNBOUND-2, EXP-COLL-5: the unbound list goes to the collection named by
    unbound_inputs_col_name; one of the default name is then an ordinary collection."""
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
    """EXP-ARGS-8, EXP-UNBOUND-5, EXP-COLL-5, EXP-SCOPE-9: with no collection name the existing
    collection is exported as an ordinary one; inputs are still marked."""
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
    """EXP-UNBOUND-3, EXP-DEV-2: the rewriting path with no unbound input removes the collection."""
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="old"))
    collections = export(graph=snapshot, **options).meta_graph_def.collection_def
    assert "unbound_inputs" not in collections


def test_without_rewriting_the_existing_collection_is_exported() -> None:
    """EXP-UNBOUND-5: on the direct path the existing collection is exported unchanged."""
    snapshot = _unbound_snapshot()
    add_collection(snapshot, "unbound_inputs", CollectionItem(string_value="^old"))
    collections = export(graph=snapshot).meta_graph_def.collection_def
    assert list(collections["unbound_inputs"].bytes_list.value) == [b"^old"]
