"""Cases: collections, meta_info_def, files, debug info, errors and diagnostics."""

from __future__ import annotations

from .catalog import (
    case,
    graph_def_from_text,
    meta_info_from_text,
)

# Collections of every kind.

_KINDS = [
    ("ints", "Int64", "Python ints: an int64_list, including the int64 minimum."),
    ("int64_max", "Int64Max", "The int64 maximum."),
    ("floats", "Float", "Floats narrowed to 32 bits: 0.1 rounded, nan, inf, 1e300 as inf."),
    ("float_then_int", "FloatThenInt", "A float first: ints, a bool and a huge int become floats."),
    ("int_then_float", "IntThenFloat", "An int first, then a float: not an int64, dropped."),
    ("bools", "Bools", "Bools are refused by int64_list: dropped."),
    ("strings", "Strings", "Python strs: a bytes_list, UTF-8."),
    ("bytes", "Bytes", "Python bytes, any byte values."),
    ("mixed_text", "MixedText", "str and bytes together: one bytes_list."),
    ("bytes_then_int", "BytesThenInt", "bytes then an int: dropped."),
    ("tensors", "Tensors", "Tensors: a node_list of tensor names."),
    (
        "tensor_then_string",
        "TensorThenString",
        "A tensor then a str: the str has no name, dropped.",
    ),
    ("operations", "Operations", "Operations: a node_list of op names."),
    ("any", "Any", "Any messages: an any_list, known and unknown types."),
    ("object", "Object", "An arbitrary object: dropped."),
    ("dict", "Dict", "A dict: dropped."),
    ("none", "None", "None: dropped."),
    ("big", "BigInt", "An int beyond int64: dropped."),
    ("empty", "Empty", "An empty collection is not exported."),
]
for key, name, description in _KINDS:
    covers = ["collections.kinds", "collections.first_item_kind"]
    if name in (
        "IntThenFloat",
        "Bools",
        "BytesThenInt",
        "TensorThenString",
        "Object",
        "Dict",
        "None",
        "BigInt",
    ):
        covers += ["collections.unserializable", "diagnostics.collection_dropped"]
    if name in ("Float", "FloatThenInt"):
        covers.append("collections.float32")
    if name in ("Int64", "Int64Max", "BigInt", "Bools"):
        covers.append("collections.int_range")
    if name == "Empty":
        covers = ["collections.empty_absent"]
    case(
        f"Required.Collections.Kind.{name}",
        tuple(covers),
        description,
        graph="collections",
        options={"collection_list": [key]},
    )
case(
    "Required.Collections.All",
    (
        "collections.kinds",
        "collections.list_none",
        "collections.non_string_keys",
        "diagnostics.key_not_string",
        "diagnostics.collection_dropped",
    ),
    "Every collection of the graph at once; non-string keys are not exported.",
    graph="collections",
)
case(
    "Required.Collections.AllText",
    ("collections.kinds", "files.text", "text.format"),
    "Every kind written as text: floats, bytes escapes, Any contents.",
    graph="collections",
    options={"filename": "c.pbtxt", "as_text": True},
)
case(
    "Required.Collections.AllBinary",
    ("collections.kinds", "files.binary"),
    "Every kind written as binary.",
    graph="collections",
    options={"filename": "c.pb"},
)
case(
    "Required.Collections.AllScoped",
    ("collections.scope_filter_strings", "collections.scope_nodes_stripped"),
    "Every kind under scope s.",
    graph="collections",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.ListNone",
    ("collections.list_none",),
    "collection_list None: every string-keyed collection.",
    graph="small",
)
case(
    "Required.Collections.ListEmpty",
    ("collections.list_empty",),
    "collection_list []: no collection.",
    graph="collections",
    options={"collection_list": []},
)
case(
    "Required.Collections.ListUnknownKeys",
    ("collections.list_unknown_key",),
    "Keys the graph does not have are ignored, each with a warning.",
    graph="small",
    options={"collection_list": ["no_such_key", "notes", "another_missing"]},
)
case(
    "Required.Collections.ListDuplicates",
    ("collections.list_duplicates",),
    "A key listed twice is exported twice over: its values appended again.",
    graph="collections",
    options={"collection_list": ["ints", "ints", "strings"]},
)
case(
    "Required.Collections.ListDuplicateTyped",
    ("collections.list_duplicates", "typed.variables"),
    "A typed collection listed twice: its items twice.",
    graph="variable_kinds",
    options={"collection_list": ["variables", "variables"]},
)
case(
    "Required.Collections.ListNonStringKeyOnly",
    ("collections.list_unknown_key",),
    "Listing keys none of the collections has (the graph's keys are not strings).",
    graph="collections",
    options={"collection_list": ["7", "bytes_key"]},
)
case(
    "Required.Collections.KeyOrder",
    ("collections.key_order",),
    "Collections keyed zeta, alpha, mid, beta: the map is written sorted.",
    graph="collection_order",
    options={"filename": "order.meta"},
)
case(
    "Required.Collections.KeyOrderText",
    ("collections.key_order", "files.text"),
    "The same as text.",
    graph="collection_order",
    options={"filename": "order.pbtxt", "as_text": True},
)
case(
    "Required.Collections.ScopedStrings",
    ("collections.scope_filter_strings", "collections.bytes_unfiltered"),
    "Under scope s: str items filtered by prefix but not stripped, bytes not filtered.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["text"]},
)
case(
    "Required.Collections.ScopedNodes",
    ("collections.scope_nodes_stripped",),
    "Under scope s: node items filtered by prefix (sz/z too) and stripped.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["nodes"]},
)
case(
    "Required.Collections.ScopedNodesThenString",
    ("collections.first_item_kind", "collections.unserializable"),
    "A node then a str under a scope: dropped.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["nodes_then_string"]},
)
case(
    "Required.Collections.ScopedNumbers",
    ("collections.scope_filter_strings",),
    "Numbers have no name: always kept under a scope.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["numbers"]},
)
case(
    "Required.Collections.ScopedAll",
    ("collections.scope_filter_strings", "collections.scope_nodes_stripped"),
    "Every collection of scoped_items under scope s.",
    graph="scoped_items",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.PrefixNodes",
    ("collections.scope_nodes_stripped", "scope.include_prefix"),
    "Node items under scope s: s/x, s_1/x, sab/x kept, only s/x stripped.",
    graph="prefixes",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.BasicScoped",
    ("collections.scope_nodes_stripped",),
    "Tensor and op collections of the basic graph under scope s.",
    graph="basic",
    options={"export_scope": "s", "collection_list": ["tensors", "ops"]},
)
case(
    "Required.Collections.Unicode",
    ("collections.kinds", "text.format"),
    "A key and a value with non-ASCII characters.",
    graph="strings_and_bytes",
    options={"filename": "u.pbtxt", "as_text": True},
)
case(
    "Required.Collections.UnicodeBinary",
    ("collections.kinds", "files.binary"),
    "The same in binary.",
    graph="strings_and_bytes",
    options={"filename": "u.pb"},
)

# meta_info_def.

_INFO = (
    'meta_graph_version: "v7" tags: "serve" tags: "train" '
    'tensorflow_version: "0.0.1" tensorflow_git_version: "old" '
    "any_info { [type.googleapis.com/tensorflow.SaverDef] { max_to_keep: 2 } } "
    'function_aliases { key: "alias" value: "fn" }'
)
case(
    "Required.MetaInfo.Given",
    ("meta_info.given", "meta_info.versions"),
    "Every field of a given meta_info_def kept, versions replaced.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
)
case(
    "Required.MetaInfo.GivenText",
    ("meta_info.given", "files.text", "text.format"),
    "The same written as text: Any expanded.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
    options={"filename": "info.pbtxt", "as_text": True},
)
case(
    "Required.MetaInfo.GivenScoped",
    ("meta_info.given",),
    "With a scope and clear_devices.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
    options={"export_scope": "s", "clear_devices": True},
)
case(
    "Required.MetaInfo.Empty",
    ("meta_info.given", "meta_info.versions"),
    "An empty meta_info_def: the versions only.",
    graph="small",
    meta_info_def=meta_info_from_text(""),
)
case(
    "Required.MetaInfo.StrippedDefaultAttrsFlag",
    ("strip.defaults", "meta_info.given"),
    "strip_default_attrs sets stripped_default_attrs over a given meta_info_def.",
    graph="small",
    meta_info_def=meta_info_from_text('tags: "t"'),
    options={"strip_default_attrs": True},
)
case(
    "Required.MetaInfo.UnknownAny",
    ("meta_info.given", "files.text"),
    "An Any of an unknown type is written as type_url and value.",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { type_url: "type.googleapis.com/some.Unknown" value: "\\001\\002" }'
    ),
    options={"filename": "info.pbtxt", "as_text": True},
)

# Files.

case(
    "Required.Files.ParentsCreated",
    ("files.parents_created",),
    "Missing parent directories are created.",
    graph="small",
    options={"filename": "a/b/c/model.meta"},
)
case(
    "Required.Files.Overwrite",
    ("files.overwrite",),
    "An existing file is replaced.",
    graph="small",
    options={"filename": "model.meta"},
    sandbox=(("model.meta", b"old content"),),
    tags=("filesystem",),
)
case(
    "Required.Files.OtherFilesUntouched",
    ("files.overwrite",),
    "Files beside the output stay as they were.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True},
    sandbox=(("keep.txt", b"keep"), ("model.txt", b"also")),
    tags=("filesystem",),
)
case(
    "Required.Files.EmptyFilename",
    ("files.empty_filename",),
    'filename "" writes nothing.',
    graph="small",
    options={"filename": "", "save_debug_info": True},
)
case(
    "Required.Files.FilenameIsDirectory",
    ("files.write_failed", "files.atomic_failure"),
    "filename names a directory: the write fails, nothing is left behind.",
    graph="small",
    options={"filename": "out"},
    sandbox=(("out", None),),
    tags=("filesystem",),
)
case(
    "Required.Files.ParentIsFile",
    ("files.write_failed", "files.atomic_failure"),
    "A parent of filename is a file: the write fails.",
    graph="small",
    options={"filename": "blocker/model.meta"},
    sandbox=(("blocker", b"a file"),),
    tags=("filesystem",),
)
case(
    "Required.Files.TrailingSlash",
    ("files.write_failed",),
    "filename ending in /: the write fails.",
    graph="small",
    options={"filename": "trail/"},
    tags=("filesystem",),
)
case(
    "Required.Files.DebugFileBlocked",
    ("files.staged", "files.write_failed"),
    "The debug file's path is a directory: the export fails; the meta graph file may "
    "remain only if the debug file's rename is what failed.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True},
    sandbox=(("model.debug", None),),
    tags=("filesystem",),
)
case(
    "Required.Files.FailureKeepsExisting",
    ("files.atomic_failure",),
    "A failed export leaves an existing file untouched.",
    graph="variables",
    options={"filename": "model.meta", "export_scope": "a("},
    sandbox=(("model.meta", b"previous"),),
    tags=("filesystem",),
)
case(
    "Required.Files.TextFloats",
    ("text.format", "files.text"),
    "Text format: floats in shortest round-trip form, strings with escapes.",
    graph="strings_and_bytes",
    options={"filename": "t.pbtxt", "as_text": True, "clear_devices": True},
)
case(
    "Required.Files.TextWithFunctions",
    ("files.text",),
    "Text format of a graph with functions.",
    graph="functions",
    options={"filename": "f.pbtxt", "as_text": True},
)
case(
    "Required.Files.BinaryWithFunctions",
    ("files.binary",),
    "Binary format of a graph with functions and shapes.",
    graph="functions",
    options={"filename": "f.pb"},
)
case(
    "Required.Files.EmptyGraphText",
    ("files.text",),
    "The empty graph as text.",
    graph="empty",
    options={"filename": "e.pbtxt", "as_text": True},
)

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

# Malformed input and limits.

_MALFORMED = [
    ("Truncated", b"\x3a\x05ab", "A length-delimited field that ends early."),
    ("TruncatedVarint", b"\x48\xff", "A varint that ends early."),
    ("InvalidWireType", b"\x4e", "Wire type 6 does not exist."),
    ("FieldZero", b"\x00\x01", "Field number 0 is invalid."),
    ("StrayEndGroup", b"\x4c", "An end-group tag without a group."),
    ("FilenameNotUtf8", b"\x0a\x01\xff", "A string field (filename) that is not UTF-8."),
    ("ScopeNotUtf8", b"\x42\x02\xff\xfe", "export_scope that is not UTF-8."),
    ("GraphGarbage", b"\x3a\x03\xff\xff\xff", "A graph snapshot that is not a message."),
    (
        "NestedNotUtf8",
        b"\x3a\x07\x0a\x05\x0a\x03\x0a\x01\xff",
        "A node name deep inside the graph that is not UTF-8.",
    ),
    ("GraphDefTruncated", b"\x1a\x04\x0a\x10\x0a\x01", "A graph_def that ends inside a node."),
]
for name, data, description in _MALFORMED:
    case(
        f"Required.Errors.Malformed.{name}",
        ("errors.malformed",),
        description,
        raw_arguments=data,
        expect_error="MALFORMED_INPUT",
    )
case(
    "Required.Errors.NoGraph",
    ("errors.no_graph",),
    "Neither a graph nor a graph_def: nothing to export.",
    expect_error="INVALID_ARGUMENT",
    deliberate="TensorFlow exports its default graph (spec: deliberate difference 2)",
)
case(
    "Required.Errors.TooLarge",
    ("errors.too_large",),
    "A graph over 2 GiB (three constants of 768 MiB) with clear_devices: too large.",
    synthesized=(3, 768 << 20),
    options={"clear_devices": True},
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
)
