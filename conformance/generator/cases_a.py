"""Cases: options alone and combined, export scopes, unbound inputs, devices,
a given graph_def, and what the graph snapshot carries."""

from __future__ import annotations

from .catalog import (
    built_saver,
    case,
    graph_def_from_text,
    meta_info_from_text,
    name_parts,
    product,
    with_shapes,
)

FILE = {"filename": "model.meta"}

# Options, one at a time, on a small graph.

case(
    "Required.Options.Defaults",
    ("call.defaults", "graph_def.as_graph_def_shapes", "meta_info.versions", "oplist.computed"),
    "No argument but the graph: the graph with output shapes, every collection, "
    "the op list, TensorFlow's versions; nothing written.",
    graph="small",
)
case(
    "Required.Options.Filename",
    ("files.binary", "call.defaults"),
    "filename alone writes the binary MetaGraphDef there.",
    graph="small",
    options=FILE,
)
case(
    "Required.Options.AsText",
    ("files.text",),
    "as_text with a filename writes text format.",
    graph="small",
    options={**FILE, "as_text": True},
)
case(
    "Required.Options.AsTextWithoutFilename",
    ("files.none_without_filename",),
    "as_text without a filename writes nothing and changes nothing returned.",
    graph="small",
    options={"as_text": True},
)
case(
    "Required.Options.ExportScope",
    ("scope.include_prefix", "scope.strip", "graph_def.rewrite_path"),
    "export_scope alone keeps the nodes under the scope, stripped of it.",
    graph="small",
    options={"export_scope": "s"},
)
case(
    "Required.Options.ClearDevices",
    ("devices.clear_top_level", "graph_def.rewrite_path"),
    "clear_devices alone empties every node's device.",
    graph="small",
    options={"clear_devices": True},
)
case(
    "Required.Options.ClearExtraneousSavers",
    ("savers.clear_extraneous", "graph_def.rewrite_path"),
    "clear_extraneous_savers alone (with the graph's saver_def) keeps that saver's nodes.",
    graph="savers",
    options={"clear_extraneous_savers": True},
    saver_def=built_saver,
)
case(
    "Required.Options.StripDefaultAttrs",
    ("strip.defaults",),
    "strip_default_attrs alone removes attributes equal to their op's default.",
    graph="default_attrs",
    options={"strip_default_attrs": True},
)
case(
    "Required.Options.SaveDebugInfo",
    ("debug.file_name", "debug.content", "files.binary"),
    "save_debug_info with a filename writes the debug file beside it.",
    graph="small",
    options={**FILE, "save_debug_info": True},
)
case(
    "Required.Options.SaveDebugInfoWithoutFilename",
    ("debug.no_filename", "diagnostics.debug_not_written"),
    "save_debug_info without a filename writes nothing.",
    graph="small",
    options={"save_debug_info": True},
)
case(
    "Required.Options.CollectionList",
    ("collections.list_selects",),
    "collection_list exports exactly the listed collections.",
    graph="small",
    options={"collection_list": ["notes"]},
)
case(
    "Required.Options.UnboundInputsColName",
    ("unbound.col_name",),
    "unbound_inputs_col_name names the collection of inputs that leave the scope.",
    graph="boundary",
    options={"export_scope": "m", "unbound_inputs_col_name": "outside"},
)
case(
    "Required.Options.SaverDef",
    ("saver_def.given",),
    "saver_def alone is copied into MetaGraphDef.saver_def.",
    graph="savers",
    saver_def=built_saver,
)
case(
    "Required.Options.MetaInfoDef",
    ("meta_info.given", "meta_info.versions"),
    "meta_info_def alone is merged, TensorFlow's versions written over it.",
    graph="small",
    meta_info_def=meta_info_from_text('meta_graph_version: "v1" tags: "serve"'),
)
case(
    "Required.Options.GraphDef",
    ("graph_def.given",),
    "graph_def alone (with the graph) is exported as given.",
    graph="small",
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)

# Every rewriting option with every other, on three graphs, from the graph and
# from a given graph_def.

# Scopes end in "/" here: scope "s" also selects s_1/* and save/*, whose
# debug info cannot be looked up (see Required.DebugInfo.PrefixCollision).
_GRID_GRAPHS = {"basic": "s/", "variables": "s/", "savers": "model/"}
for graph_name, scope in _GRID_GRAPHS.items():
    for flags in product(
        scope=(False, True), devices=(False, True), savers=(False, True), strip=(False, True)
    ):
        for source in ("Graph", "GraphDef"):
            if source == "GraphDef" and graph_name != "basic":
                continue
            label = name_parts(
                Scope=flags["scope"],
                ClearDevices=flags["devices"],
                ClearSavers=flags["savers"],
                StripDefaults=flags["strip"],
            )
            as_text = (flags["devices"] + flags["savers"] + flags["strip"]) % 2 == 1
            options = {
                "filename": "model.meta",
                "as_text": as_text,
                "save_debug_info": source == "Graph",
                "clear_devices": flags["devices"],
                "clear_extraneous_savers": flags["savers"],
                "strip_default_attrs": flags["strip"],
            }
            if flags["scope"]:
                options["export_scope"] = scope
            covers: list[str] = ["options.combination"]
            if source == "GraphDef":
                covers.append(
                    "graph_def.given_rewritten" if any(flags.values()) else "graph_def.given"
                )
            if flags["scope"]:
                covers.append("scope.include_prefix")
            if flags["savers"]:
                covers.append("savers.clear_extraneous")
            saver = built_saver if (flags["savers"] or graph_name == "savers") else None
            area = "Options" if source == "Graph" else "GraphDef"
            graph_label = graph_name.capitalize()
            case(
                f"Required.{area}.Combination.{graph_label}.{label}",
                tuple(covers),
                f"{graph_name} graph{' from a given graph_def' if source == 'GraphDef' else ''}, "
                f"options: {', '.join(k for k, v in flags.items() if v) or 'none'}; "
                f"{'text' if as_text else 'binary'} file"
                f"{' and debug file' if source == 'Graph' else ''}.",
                graph=graph_name,
                options=options,
                saver_def=saver,
                graph_def=with_shapes if source == "GraphDef" else None,
                graph_def_name="with_shapes" if source == "GraphDef" else None,
            )

# Export scopes.

for scope, name, topics, description in [
    (
        "s",
        "PrefixCollision",
        ("scope.include_prefix", "scope.strip"),
        "Scope s also selects s_1/*, sab/* and s2/* (a plain prefix test) but strips only s/.",
    ),
    (
        "s/",
        "TrailingSlash",
        ("scope.trailing_slash", "scope.include_prefix"),
        "Scope s/ selects only s/* and strips s/.",
    ),
    ("s_1", "Underscore", ("scope.include_prefix",), "Scope s_1 selects s_1/* only."),
    (
        "sab/inner",
        "Nested",
        ("scope.include_prefix", "scope.strip"),
        "A nested scope: sab/inner/y becomes y; inputs from sab/x leave the scope.",
    ),
    ("t", "NodeNamedLikeScope", ("scope.strip",), "A node named t/s under scope t: stripped to s."),
    (
        "nope",
        "NoMatch",
        ("scope.include_prefix", "scope.matches_nothing"),
        "A scope that selects nothing: no nodes, and a warning.",
    ),
    ("", "EmptyString", ("scope.empty_string",), 'Scope "" is the same as no scope.'),
]:
    case(
        f"Required.Scope.{name}",
        topics,
        description,
        graph="prefixes",
        options={"export_scope": scope},
    )
    case(
        f"Required.Scope.{name}.ClearDevices",
        topics,
        description + " With clear_devices.",
        graph="prefixes",
        options={"export_scope": scope, "clear_devices": True},
    )

for scope, name, description in [
    ("a", "NestedOuter", "Scope a keeps a/x, a/b/x, a/b/c/x and a/b_1/x, stripped of a/."),
    ("a/b", "NestedInner", "Scope a/b keeps a/b/x and a/b/c/x, and also a/b_1/x, unstripped."),
    ("a/b/", "NestedInnerSlash", "Scope a/b/ keeps a/b/x and a/b/c/x only."),
    ("a/b/c", "NestedDeepest", "Scope a/b/c: one node, its inputs unbound."),
]:
    case(
        f"Required.Scope.{name}",
        ("scope.include_prefix", "scope.strip", "scope.nested"),
        description,
        graph="nested_scopes",
        options={"export_scope": scope},
    )

for scope, name, description in [
    (
        "a.b",
        "RegexDot",
        "Scope a.b is a regular expression when stripping: a.b/y is stripped; "
        "aXb/y is not selected (prefix test).",
    ),
    ("a", "RegexPrefix", "Scope a selects a.b/*, aXb/*, a-b/*, a.b.c/*; strips none (no a/)."),
    ("a.b.c", "RegexDots", "Scope a.b.c selects and strips a.b.c/y."),
    ("a-b", "Hyphen", "Scope a-b selects and strips a-b/y."),
    ("aXb", "RegexMatchedLiterally", "Scope aXb selects aXb/y and strips it."),
]:
    case(
        f"Required.Scope.{name}",
        ("scope.include_prefix", "scope.strip_regex"),
        description,
        graph="regex_scopes",
        options={"export_scope": scope},
    )

case(
    "Required.Scope.RegexDotStripsOtherScope",
    ("scope.strip_regex",),
    "Scope a.b strips aXb/ from names it selects by prefix: with graph_def given, an "
    "input aXb/y of a node in a.b is unbound, not stripped.",
    graph="regex_scopes",
    options={"export_scope": "a.b", "clear_devices": True},
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)
case(
    "Recommended.Scope.InvalidRegexWithoutVariables",
    ("scope.non_portable",),
    "Scope a( (not portable) selects nothing; with Python's semantics no regular "
    "expression is compiled without a variables collection, and the export succeeds.",
    graph="small",
    options={"export_scope": "a("},
)
case(
    "Required.Scope.InvalidRegexWithVariables",
    ("scope.invalid_regex",),
    "Scope a( with a variables collection: the scope is compiled as a regular expression "
    "and the export fails.",
    graph="variables",
    options={"export_scope": "a("},
)
case(
    "Required.Scope.InvalidRegexBracket",
    ("scope.invalid_regex",),
    "Scope a[ with a variables collection fails likewise.",
    graph="variables",
    options={"export_scope": "a["},
)
case(
    "Required.Scope.LibraryUnfiltered",
    ("scope.library_untouched",),
    "Functions are exported whole under any scope, bodies unchanged.",
    graph="functions",
    options={"export_scope": "f"},
)
case(
    "Required.Scope.Colocation",
    ("scope.class_attr",),
    "_class entries inside the scope are stripped; those outside are dropped.",
    graph="boundary",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ColocationAllOutside",
    ("scope.class_attr",),
    "A _class whose entries all leave the scope stays, as an empty list.",
    graph="colocation_only_outside",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ColocationWithoutScope",
    ("scope.class_attr",),
    "Without a scope, _class is copied unchanged.",
    graph="boundary",
    options={"clear_devices": True},
)
case(
    "Required.Scope.ClassWithoutAt",
    ("scope.class_without_at",),
    "A _class entry without '@' under a scope cannot be exported.",
    graph="class_without_at",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassWithoutAtNoScope",
    ("scope.class_attr",),
    "A _class entry without '@' and no scope is copied unchanged.",
    graph="class_without_at",
    options={"clear_devices": True},
)
case(
    "Required.Scope.EnterFrameName",
    ("scope.frame_name",),
    "Enter nodes' frame_name is stripped of the scope.",
    graph="control_flow_v1",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.EnterFrameOutside",
    ("scope.frame_outside",),
    "An Enter node inside the scope whose frame_name is not: the export fails.",
    graph="control_flow_v1",
    options={"export_scope": "m/while/E"},
)
case(
    "Required.Scope.BasicGraph",
    ("scope.include_prefix", "scope.strip", "scope.class_attr"),
    "The basic graph under scope s: devices, colocation, control inputs.",
    graph="basic",
    options={"export_scope": "s"},
)
case(
    "Required.Scope.BasicGraphInner",
    ("scope.include_prefix", "scope.nested"),
    "The basic graph under scope s/inner.",
    graph="basic",
    options={"export_scope": "s/inner"},
)

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

# Devices.

case(
    "Required.Devices.FunctionBodiesKept",
    ("devices.functions_kept",),
    "clear_devices clears top-level devices only; function bodies keep theirs.",
    graph="devices",
    options={"clear_devices": True},
)
case(
    "Required.Devices.KeptByDefault",
    ("devices.clear_top_level",),
    "Without clear_devices every device is kept.",
    graph="devices",
)
case(
    "Required.Devices.GraphDefGiven",
    ("devices.clear_top_level", "graph_def.given_rewritten"),
    "clear_devices on a given graph_def.",
    graph="devices",
    options={"clear_devices": True},
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)
case(
    "Required.Devices.Basic",
    ("devices.clear_top_level",),
    "clear_devices on the basic graph (job/task/device strings).",
    graph="basic",
    options={"clear_devices": True},
)

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
    "Required.Snapshot.ExistingOutputShapesRewritten",
    ("snapshot.existing_output_shapes",),
    "A node that already has _output_shapes cannot be exported on the rewriting path.",
    graph="output_shapes_attr",
    options={"clear_devices": True},
)
