"""The cases in conformance/cases/unbound/ (their IDs: <level>.Unbound.<name>).

Unbound inputs: rewriting, the collection and its name.
"""

from __future__ import annotations

from ..recipes import Area, with_shapes

AREA = Area("Unbound")
case = AREA.case

# Unbound inputs.

case(
    "Required.Unbound.DataAndControl",
    ("unbound.rewrite", "unbound.collection", "unbound.control_dropped"),
    "Inputs from outside the scope get $unbound_inputs_; control inputs keep their ^; the "
    "collection lists data inputs in node order with duplicates, without control inputs.",
    graph="boundary",
    options={"export_scope": "m"},
)
case(
    "Required.Unbound.Ports",
    ("unbound.rewrite",),
    "An unbound input keeps its output index (split:1).",
    graph="boundary",
    options={"export_scope": "m", "collection_list": ["unbound_inputs"]},
)
case(
    "Required.Unbound.CustomName",
    ("unbound.col_name",),
    "A custom collection name; the graph's own unbound_inputs collection is exported as "
    "an ordinary collection.",
    graph="scoped_items",
    options={"export_scope": "s", "unbound_inputs_col_name": "custom"},
)
case(
    "Required.Unbound.NoName",
    ("unbound.col_name",),
    "unbound_inputs_col_name None: inputs are still rewritten, nothing recorded; the "
    "graph's own unbound_inputs collection is exported as it is, filtered.",
    graph="scoped_items",
    options={"export_scope": "s", "unbound_inputs_col_name": None},
)
case(
    "Required.Unbound.NoNameBoundary",
    ("unbound.col_name", "unbound.rewrite"),
    "unbound_inputs_col_name None on a graph with unbound inputs.",
    graph="boundary",
    options={"export_scope": "m", "unbound_inputs_col_name": None},
)
case(
    "Required.Unbound.ReplacesGraphCollection",
    ("unbound.collection",),
    "A scope with no unbound inputs: the graph's unbound_inputs collection is not exported.",
    graph="scoped_items",
    options={"export_scope": "sz"},
)
case(
    "Required.Unbound.ClearedWithoutScope",
    ("unbound.cleared_without_scope",),
    "clear_devices without a scope: the graph's unbound_inputs collection is dropped.",
    graph="scoped_items",
    options={"clear_devices": True},
)
case(
    "Required.Unbound.KeptWithoutRewriting",
    ("unbound.col_name",),
    "No rewriting option: the graph's unbound_inputs collection is an ordinary collection.",
    graph="scoped_items",
)
case(
    "Required.Unbound.GraphDefGiven",
    ("unbound.rewrite", "graph_def.given_rewritten"),
    "Unbound inputs of a given graph_def.",
    graph="boundary",
    options={"export_scope": "m"},
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)
case(
    "Required.Unbound.TrailingSlashScope",
    ("unbound.rewrite", "scope.trailing_slash"),
    "Scope m/: inputs m_1/... would be bound under m, are unbound under m/.",
    graph="boundary",
    options={"export_scope": "m/"},
)
