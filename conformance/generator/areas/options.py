"""The cases in conformance/cases/options/ (their IDs: <level>.Options.<name>).

Each option alone, and every rewriting option with every other.
"""

from __future__ import annotations

from ..recipes import Area, built_saver, declare_combinations, meta_info_from_text, with_shapes

AREA = Area("Options")
case = AREA.case

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

# Every rewriting option with every other, from the graph (the GraphDef area
# has them from a given graph_def).

declare_combinations(AREA, "Graph")
