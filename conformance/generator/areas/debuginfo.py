"""The cases in conformance/cases/debuginfo/ (their IDs: <level>.DebugInfo.<name>).

The debug file: its name, content and the traces it can and cannot look up.
"""

from __future__ import annotations

from ..recipes import Area, graph_def_from_text

AREA = Area("DebugInfo")
case = AREA.case

# Debug info.

for filename, name, description in [
    ("model.meta", "MetaExtension", "model.meta: the debug file is model.debug."),
    ("model", "NoExtension", "model: the debug file is model.debug."),
    ("t.b/model", "DotInDirectory", "t.b/model: dots in directories are not extensions."),
    ("m.tar.meta", "TwoExtensions", "m.tar.meta: only the last extension is replaced."),
    (".meta", "LeadingDot", ".meta: a leading-dot name has no extension: .meta.debug."),
    ("model.debug", "SameName", "model.debug: the debug file replaces the meta graph file."),
    ("dir/model.pbtxt", "Subdirectory", "dir/model.pbtxt: dir/model.debug."),
]:
    case(
        f"Required.DebugInfo.Name.{name}",
        ("debug.file_name",),
        description,
        graph="small",
        options={"filename": filename, "save_debug_info": True},
    )
case(
    "Required.DebugInfo.Text",
    ("debug.format", "debug.content"),
    "as_text writes the debug file as text too.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True, "as_text": True},
)
case(
    "Required.DebugInfo.SharedTraces",
    ("debug.content", "debug.dedup"),
    "Operations built on one line share one trace; files and frames are numbered in "
    "order of first use.",
    graph="shared_traces",
    options={"filename": "m.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.Scoped",
    ("debug.content", "debug.scoped_names"),
    "Under a scope, keys are the full operation names.",
    graph="shared_traces",
    options={"filename": "m.meta", "save_debug_info": True, "export_scope": "m"},
)
case(
    "Required.DebugInfo.ScopedText",
    ("debug.scoped_names", "debug.format"),
    "The same as text.",
    graph="shared_traces",
    options={"filename": "m.meta", "save_debug_info": True, "export_scope": "m", "as_text": True},
)
case(
    "Required.DebugInfo.NoTrace",
    ("debug.no_trace_skipped",),
    "Operations without a stack trace (imported) have no entry.",
    graph="imported",
    options={"filename": "m.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.EmptyGraph",
    ("debug.content",),
    "The empty graph: an empty debug file.",
    graph="empty",
    options={"filename": "e.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.EmptyGraphText",
    ("debug.content", "debug.format"),
    "The empty graph as text: an empty debug file.",
    graph="empty",
    options={"filename": "e.meta", "save_debug_info": True, "as_text": True},
)
case(
    "Required.DebugInfo.Variables",
    ("debug.content", "debug.dedup"),
    "A graph with variables and a saver.",
    graph="variables",
    options={"filename": "v.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.ControlFlow",
    ("debug.content",),
    "A graph with v1 control flow.",
    graph="control_flow_v1",
    options={"filename": "cf.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.TopLevelOnly",
    ("debug.content",),
    "Only top-level nodes have entries, not function bodies.",
    graph="functions",
    options={"filename": "f.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.MissingOperation",
    ("debug.missing_op_error", "files.atomic_failure"),
    "A graph_def node the graph does not have: the debug file cannot be made; the export "
    "fails and writes nothing (TensorFlow has already written the meta graph).",
    graph="small",
    graph_def=graph_def_from_text('node { name: "ghost" op: "NoOp" }'),
    options={"filename": "m.meta", "save_debug_info": True},
    deliberate="TensorFlow writes the meta graph, then fails on the debug file "
    "(spec: deliberate difference 5)",
)
case(
    "Required.DebugInfo.PrefixCollision",
    ("debug.missing_op_error", "scope.include_prefix"),
    "Scope s selects s_1/d by prefix without stripping it; its operation is looked up as "
    "s/s_1/d, which does not exist: the export fails and writes nothing.",
    graph="basic",
    options={"filename": "m.meta", "save_debug_info": True, "export_scope": "s"},
    deliberate="TensorFlow writes the meta graph, then fails on the debug file "
    "(spec: deliberate difference 5)",
)
case(
    "Required.DebugInfo.MissingOperationNoFilename",
    ("debug.no_filename", "diagnostics.debug_not_written"),
    "The same without a filename: no debug info is made, no error.",
    graph="small",
    graph_def=graph_def_from_text('node { name: "ghost" op: "NoOp" }'),
    options={"save_debug_info": True},
)

_DD5 = (
    "TensorFlow writes the meta graph, then fails on the debug file (spec: deliberate difference 5)"
)
case(
    "Required.DebugInfo.ScopeGroupReference",
    ("scope.prepend",),
    "Scope 0abc: prepend reads \\10 as a group reference that does not exist, so the debug "
    "info cannot be made: an invalid argument.",
    graph="odd_scopes",
    options={"export_scope": "0abc", "filename": "m.meta", "save_debug_info": True},
    deliberate=_DD5,
)
case(
    "Required.DebugInfo.ScopeOctalEscape",
    ("scope.prepend",),
    "Scope 00x: prepend reads \\100 as an octal escape (@), giving @x/x, which is not an "
    "operation: an invalid argument.",
    graph="odd_scopes",
    options={"export_scope": "00x", "filename": "m.meta", "save_debug_info": True},
    deliberate=_DD5,
)
case(
    "Required.DebugInfo.ScopeWithSlash",
    ("scope.prepend", "debug.scoped_names"),
    "Scope m/: prepend uses m, keys are m/...@.",
    graph="shared_traces",
    options={"export_scope": "m/", "filename": "m.meta", "save_debug_info": True},
)
case(
    "Required.DebugInfo.Name.TrailingDot",
    ("debug.file_name",),
    "model.: the extension is the lone dot: model.debug.",
    graph="small",
    options={"filename": "model.", "save_debug_info": True},
)
