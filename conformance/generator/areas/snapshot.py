"""The cases in conformance/cases/snapshot/ (their IDs: <level>.Snapshot.<name>).

What a graph snapshot carries and the snapshot's own rules.
"""

from __future__ import annotations

from typing import Any

from ..recipes import Area

AREA = Area("Snapshot")
case = AREA.case

# What the snapshot carries.

case(
    "Required.Snapshot.OperationInputs",
    ("snapshot.operation_inputs",),
    "A rewriting option reads inputs as the operation lists them (control inputs in "
    "creation order), not sorted as in graph_def.",
    graph="control_order",
    options={"clear_devices": True},
)
case(
    "Required.Snapshot.OperationInputsUnused",
    ("snapshot.operation_inputs", "graph_def.as_graph_def_shapes"),
    "Without a rewriting option, control inputs are as graph_def sorts them.",
    graph="control_order",
)
case(
    "Required.Snapshot.OperationInputsWhileLoop",
    ("snapshot.operation_inputs",),
    "A v1 while loop's Merge reads its back edge as name:0 on the rewriting path.",
    graph="control_flow_v1",
    options={"clear_devices": True},
)
case(
    "Required.Snapshot.LibraryWithShapes",
    ("snapshot.library_with_shapes",),
    "Without a rewriting option, function bodies carry shapes (library_with_shapes).",
    graph="functions",
)
case(
    "Required.Snapshot.RegisteredLibrary",
    ("snapshot.registered_library",),
    "With a rewriting option, the library is the graph's function table, in its order.",
    graph="functions",
    options={"clear_devices": True},
)
case(
    "Required.Snapshot.RegisteredLibraryDefun",
    ("snapshot.registered_library",),
    "Defun functions and their gradients, on the rewriting path.",
    graph="defun",
    options={"clear_devices": True},
)
case(
    "Required.Snapshot.LibraryDefun",
    ("snapshot.library_with_shapes",),
    "Defun functions and their gradients, without rewriting.",
    graph="defun",
)
case(
    "Required.Snapshot.OutputShapes",
    ("snapshot.output_shapes",),
    "Every node with outputs gets _output_shapes from the snapshot; nodes without none.",
    graph="queue_runner",
)
case(
    "Required.Snapshot.ExistingOutputShapes",
    ("snapshot.existing_output_shapes",),
    "A node that already has _output_shapes: the shapes are appended without rewriting.",
    graph="output_shapes_attr",
)
case(
    "Required.Snapshot.ExistingOutputShapesNotAList",
    ("snapshot.existing_output_shapes",),
    "A node whose _output_shapes holds an int: the shapes replace it as a list.",
    graph="output_shapes_attr_not_list",
)
case(
    "Required.Snapshot.ExistingOutputShapesRewritten",
    ("snapshot.existing_output_shapes",),
    "A node that already has _output_shapes cannot be exported on the rewriting path.",
    graph="output_shapes_attr",
    options={"clear_devices": True},
)


def _add_unkinded_item(snapshot: Any) -> None:
    for collection in snapshot.collections:
        if collection.key == "plain_floats":
            collection.items.add()


def _add_bad_big_integer(snapshot: Any) -> None:
    for collection in snapshot.collections:
        if collection.key == "plain_floats":
            collection.items.add().big_integer = "12x"


def _duplicate_key(snapshot: Any) -> None:
    first = snapshot.collections[0]
    junk = type(first)(key=first.key)
    junk.items.add().string_value = "overridden"
    copy = type(first)()
    copy.CopyFrom(first)
    snapshot.collections[0].CopyFrom(junk)
    snapshot.collections.append(copy)


def _ignored_entries(snapshot: Any) -> None:
    snapshot.output_shapes["no_such_node"].shape.add().dim.add(size=3)
    snapshot.output_shapes["also_missing"].SetInParent()


case(
    "Required.Snapshot.ItemWithoutKind",
    ("snapshot.item_kinds", "collections.unserializable"),
    "An item with no kind set is unserializable: its collection is dropped.",
    graph="numbers",
    snapshot_edit=_add_unkinded_item,
    hide=("plain_floats",),
    options={"collection_list": ["plain_floats"]},
)
case(
    "Required.Snapshot.BigIntegerNotDecimal",
    ("snapshot.item_kinds",),
    "A big_integer that is not a decimal integer fits no list: the collection is dropped.",
    graph="numbers",
    snapshot_edit=_add_bad_big_integer,
    hide=("plain_floats",),
    options={"collection_list": ["plain_floats"]},
)
case(
    "Required.Snapshot.DuplicateKey",
    ("snapshot.duplicate_keys",),
    "A key listed twice in the snapshot: the items of the last occurrence, at the position "
    "of the first.",
    graph="collection_order",
    snapshot_edit=_duplicate_key,
)
case(
    "Required.Snapshot.IgnoredShapeEntries",
    ("snapshot.ignored_entries",),
    "output_shapes entries naming no node, or holding no shape, are ignored.",
    graph="small",
    snapshot_edit=_ignored_entries,
)
case(
    "Required.Snapshot.IgnoredShapeEntriesRewritten",
    ("snapshot.ignored_entries",),
    "The same on the rewriting path.",
    graph="small",
    snapshot_edit=_ignored_entries,
    options={"clear_devices": True},
)


def _with_unknown_fields(arguments: Any) -> bytes:
    """The arguments with unknown fields in the snapshot, a node and the graph_def."""
    from metagraph_export.api.v1.export_pb2 import ExportArguments

    copy = ExportArguments()
    copy.CopyFrom(arguments)
    unknown = b"\xf8\x07\x01\x82\x08\x03abc"  # field 127 varint 1, field 128 "abc"
    snapshot = copy.graph.SerializeToString() + unknown
    copy.graph.Clear()
    copy.graph.MergeFromString(snapshot)
    node = copy.graph.graph_def.node[0]
    node_bytes = node.SerializeToString() + unknown
    node.Clear()
    node.MergeFromString(node_bytes)
    return copy.SerializeToString(deterministic=True)


case(
    "Required.Snapshot.UnknownFields",
    ("snapshot.unknown_fields",),
    "Unknown fields in the snapshot and in a node are ignored (given as bytes, since text "
    "format cannot carry them).",
    graph="small",
    raw_transform=_with_unknown_fields,
)
case(
    "Required.Snapshot.UnknownFieldsText",
    ("snapshot.unknown_fields", "text.unknown_fields"),
    "The same written as text: unknown fields are never printed.",
    graph="small",
    raw_transform=_with_unknown_fields,
    options={"filename": "u.pbtxt", "as_text": True},
)
