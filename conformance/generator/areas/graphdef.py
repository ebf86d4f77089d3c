"""The cases in conformance/cases/graphdef/ (their IDs: <level>.GraphDef.<name>).

A given graph_def, alone and with every rewriting option.
"""

from __future__ import annotations

from ..recipes import Area, declare_combinations, graph_def_from_text

AREA = Area("GraphDef")
case = AREA.case

# A given graph_def.

_PARTITIONED_CALL = """
node { name: "pc" op: "PartitionedCall" }
node { name: "spc" op: "StatefulPartitionedCall" attr { key: "f" value { func { name: "myfn" } } } }
node { name: "direct" op: "myfn" }
node { name: "const_f" op: "StatefulPartitionedCall"
       attr { key: "f" value { func { name: "Const" } } } }
node { name: "missing_f" op: "StatefulPartitionedCall"
       attr { key: "f" value { func { name: "missing_fn" } } } }
node { name: "weird" op: "TotallyUnregisteredOp" device: "/device:CPU:0" }
library {
  function { signature { name: "myfn" }
    node_def { name: "inner" op: "PartitionedCall"
               attr { key: "f" value { func { name: "myfn2" } } } }
    node_def { name: "id" op: "Identity" } }
  function { signature { name: "myfn2" } node_def { name: "n" op: "NoOp" } }
  function { signature { name: "unused" } node_def { name: "u" op: "Sqrt" } }
}
versions { producer: 7 min_consumer: 3 }
"""

case(
    "Required.GraphDef.Empty",
    ("graph_def.empty_given",),
    "An empty graph_def is exported as an empty, present graph_def: no versions, no ops.",
    graph_def=graph_def_from_text(""),
    pass_graph=False,
)
case(
    "Required.GraphDef.EmptyWithClearDevices",
    ("graph_def.empty_given", "graph_def.given_rewritten"),
    "An empty graph_def with clear_devices.",
    graph_def=graph_def_from_text(""),
    pass_graph=False,
    options={"clear_devices": True},
)
case(
    "Required.GraphDef.WithoutGraph",
    (
        "graph_def.given",
        "oplist.functions_followed",
        "oplist.empty_f_inserted",
        "oplist.unregistered_skipped",
    ),
    "A graph_def without a graph: PartitionedCall without f gains an empty f; functions "
    "reached by op name or f are followed; unregistered names are skipped.",
    graph_def=graph_def_from_text(_PARTITIONED_CALL),
    pass_graph=False,
)
case(
    "Required.GraphDef.WithoutGraphRewritten",
    ("graph_def.given_rewritten", "oplist.empty_f_inserted"),
    "The same graph_def with clear_devices: library and versions copied, devices cleared.",
    graph_def=graph_def_from_text(_PARTITIONED_CALL),
    pass_graph=False,
    options={"clear_devices": True},
)
case(
    "Required.GraphDef.WithoutGraphStrip",
    ("strip.skip_function_ops_and_unregistered",),
    "strip_default_attrs skips function calls by op name and unregistered ops.",
    graph_def=graph_def_from_text(_PARTITIONED_CALL),
    pass_graph=False,
    options={"strip_default_attrs": True},
)
case(
    "Required.GraphDef.ScopeNodeNamedScope",
    ("graph_def.given_rewritten", "scope.strip"),
    "A node named exactly like the scope keeps its name.",
    graph_def=graph_def_from_text(
        'node { name: "v" op: "NoOp" } node { name: "v/x" op: "NoOp" input: "^v" '
        'attr { key: "_class" value { list { s: "loc:@v" s: "loc:@v/x" } } } }'
    ),
    pass_graph=False,
    options={"export_scope": "v"},
)
case(
    "Required.GraphDef.ScopeInputs",
    ("unbound.rewrite", "scope.strip"),
    "Input forms under scope m: m/x, m/x:1, ^m/y, o/x, o/x:1, ^o/y, m_1/x, m//z, mm.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" input: "m/x" input: "m/x:1" input: "^m/y" '
        'input: "o/x" input: "o/x:1" input: "^o/y" input: "m_1/x" input: "m//z" input: "mm" }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.GraphDef.ScopeInputsSlash",
    ("unbound.rewrite", "scope.trailing_slash"),
    "The same inputs under scope m/.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" input: "m/x" input: "m_1/x" input: "m//z" input: "^m/y" }'
    ),
    pass_graph=False,
    options={"export_scope": "m/"},
)
case(
    "Required.GraphDef.OutputShapesNotAdded",
    ("graph_def.given",),
    "A given graph_def without _output_shapes gets none.",
    graph="small",
    graph_def=lambda built: built.graph.as_graph_def(),
)
case(
    "Required.GraphDef.OutputShapesNotAddedRewritten",
    ("graph_def.given_rewritten",),
    "Nor with clear_devices.",
    graph="small",
    graph_def=lambda built: built.graph.as_graph_def(),
    options={"clear_devices": True},
)
case(
    "Required.GraphDef.CollectionsFromGraph",
    ("graph_def.given",),
    "With graph_def and graph, nodes come from graph_def and collections from the graph.",
    graph="small",
    graph_def=graph_def_from_text('node { name: "only" op: "NoOp" }'),
)

# Every rewriting option with every other, from a given graph_def (the Options
# area has them from the graph).

declare_combinations(AREA, "GraphDef")
