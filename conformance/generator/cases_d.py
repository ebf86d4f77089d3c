"""Cases for the finer points of the specification: argument rules, portable
and non-portable scopes, prepend, attribute and tensor equality, custom ops,
the snapshot's own rules, encoding details."""

from __future__ import annotations

from typing import Any

from .catalog import (
    case,
    graph_def_from_text,
    meta_info_from_text,
    saver_def_from_text,
    with_shapes,
)

_DD5 = (
    "TensorFlow writes the meta graph, then fails on the debug file (spec: deliberate difference 5)"
)
_NO_OP_DEFS = "TensorFlow has no op_defs argument; the specification's REG-7 checks are its own"

# Arguments.

case(
    "Required.Arguments.NulInFilename",
    ("arguments.nul_filename",),
    "A filename containing U+0000 is an invalid argument.",
    graph="small",
    options={"filename": "a\x00b"},
    expect_error="INVALID_ARGUMENT",
    deliberate="TensorFlow writes to the path cut at the NUL (spec EXP-ARGS-7)",
)
case(
    "Required.Arguments.CheckedFirst",
    ("arguments.checked_first", "oplist.custom_op_errors"),
    "An invalid custom op fails the export before anything else: nothing is written.",
    graph="small",
    options={"filename": "model.meta", "save_debug_info": True},
    op_defs=lambda: [_op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    deliberate=_NO_OP_DEFS,
)
case(
    "Required.Arguments.MetaInfoDefUnchanged",
    ("arguments.unchanged", "meta_info.given"),
    "The caller's meta_info_def is not modified (the version strings go to the output only).",
    graph="small",
    meta_info_def=meta_info_from_text('tags: "serve"'),
    check_unchanged=True,
    deliberate="TensorFlow writes the version strings into the caller's meta_info_def "
    "(spec: deliberate difference 1)",
)
case(
    "Required.Arguments.GraphUnchanged",
    ("arguments.unchanged", "unbound.collection"),
    "The graph's unbound_inputs collection is not rewritten by an export.",
    graph="boundary",
    options={"export_scope": "m"},
    check_unchanged=True,
    deliberate="TensorFlow rewrites the graph's unbound-inputs collection "
    "(spec: deliberate difference 1)",
)

# Scopes: portable escapes, characters, prepend, node rewriting.

case(
    "Required.Scope.Backslash",
    ("scope.strip_regex", "scope.include_prefix"),
    "Scope a\\.b (a portable escape) selects a\\.b/x by prefix, but as a regular expression "
    "it means a.b: a\\.b/x is left unstripped.",
    graph="odd_scopes",
    options={"export_scope": "a\\.b"},
)
case(
    "Required.Scope.Greater",
    ("scope.strip_regex", "scope.strip"),
    "Scope a>b: > is a literal.",
    graph="odd_scopes",
    options={"export_scope": "a>b"},
)
case(
    "Required.Scope.LeadingDigits",
    ("scope.strip", "scope.include_prefix"),
    "Scope 0abc selects and strips 0abc/x (strip is unaffected by digits).",
    graph="odd_scopes",
    options={"export_scope": "0abc"},
)
case(
    "Recommended.Scope.NonPortableEscape",
    ("scope.non_portable",),
    "Scope a\\d (not portable): with Python's semantics \\d is a digit class; a\\d/x is "
    "selected by prefix and left unstripped.",
    graph="odd_scopes",
    options={"export_scope": "a\\d"},
)
case(
    "Required.Scope.UnboundNamedNode",
    ("scope.unbound_named_node",),
    "A node named $unbound_inputs_x is exported whatever the scope.",
    graph_def=graph_def_from_text(
        'node { name: "$unbound_inputs_x" op: "NoOp" } node { name: "m/y" op: "NoOp" '
        'input: "^$unbound_inputs_x" } node { name: "o" op: "NoOp" }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.UnboundNamedNodeInvalidScope",
    ("scope.unbound_named_node", "scope.invalid_regex"),
    "Scope a( and a node named $unbound_inputs_x: its name must be stripped, which fails "
    "(or the scope is rejected).",
    graph_def=graph_def_from_text('node { name: "$unbound_inputs_x" op: "NoOp" }'),
    pass_graph=False,
    options={"export_scope": "a("},
)
case(
    "Required.Scope.ClassEntries",
    ("scope.class_attr",),
    "_class entries under scope m: loc:@m/b, loc:@other/c, loc:@m_x/d, loc:@m/b@zz.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/b" s: "loc:@other/c" s: "loc:@m_x/d" s: "loc:@m/b@zz" } } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassNotUtf8",
    ("scope.not_utf8",),
    "A _class entry that is not UTF-8, under a scope: an invalid argument.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/\\377" } } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassNotUtf8NoScope",
    ("scope.not_utf8", "scope.class_attr"),
    "The same without a scope: nothing is decoded, the entry is copied.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/\\377" } } } }'
    ),
    pass_graph=False,
    options={"clear_devices": True},
)
case(
    "Required.Scope.FrameNameNotUtf8",
    ("scope.not_utf8", "scope.frame_name"),
    "An Enter node's frame_name that is not UTF-8, under a scope: an invalid argument.",
    graph_def=graph_def_from_text(
        'node { name: "m/e" op: "Enter" attr { key: "frame_name" value { s: "m/\\377" } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.FrameNameOtherOps",
    ("scope.frame_name", "scope.node_rewrite"),
    "frame_name of an op other than Enter/RefEnter is copied; RefEnter's is stripped; "
    "other fields (experimental_debug_info, experimental_type) are copied.",
    graph_def=graph_def_from_text(
        'node { name: "m/a" op: "NoOp" attr { key: "frame_name" value { s: "m/f" } } '
        '  experimental_debug_info { original_node_names: "m/orig" } '
        "  experimental_type { type_id: TFT_PRODUCT } }"
        'node { name: "m/r" op: "RefEnter" attr { key: "frame_name" value { s: "m/f" } } }'
        'node { name: "m/e" op: "Enter" attr { key: "frame_name" value { s: "m/g" } '
        '  } attr { key: "T" value { type: DT_FLOAT } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.InputForms",
    ("unbound.rewrite",),
    "Inputs ^^o, m//z and an input naming the scope itself.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" input: "^^o" input: "m//z" input: "m" input: "^m" '
        'input: "x^m/y" }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
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

# Savers: name errors, no_proto under a scope.

case(
    "Required.Savers.InputWithTwoColons",
    ("savers.name_errors",),
    "clear_extraneous_savers parses every input: a:1:2 is an invalid argument.",
    graph_def=graph_def_from_text(
        'node { name: "a" op: "NoOp" } node { name: "b" op: "NoOp" input: "a:1:2" }'
    ),
    pass_graph=False,
    options={"clear_extraneous_savers": True},
)
case(
    "Required.Savers.EmptyInput",
    ("savers.name_errors",),
    "An empty input name under clear_extraneous_savers: an invalid argument.",
    graph_def=graph_def_from_text('node { name: "b" op: "NoOp" input: "" }'),
    pass_graph=False,
    options={"clear_extraneous_savers": True},
)
case(
    "Required.Savers.EmptySaveTensorName",
    ("savers.name_errors",),
    "A saver_def without save_tensor_name under clear_extraneous_savers: invalid.",
    graph="savers",
    options={"clear_extraneous_savers": True},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "keep/Const:0" restore_op_name: "keep/restore_all"'
    ),
)
case(
    "Required.Savers.RootScopeSaver",
    ("savers.retained_scope",),
    "A saver_def whose ops have no scope: the retained scope is /.",
    graph="savers",
    options={"clear_extraneous_savers": True},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "Const:0" save_tensor_name: "x:0" restore_op_name: "^restore"'
    ),
)
case(
    "Required.Savers.DeferredEmptyScope",
    ("typed.no_proto_scoped",),
    'A Saver without a SaverDef and export_scope "": the savers collection is dropped.',
    graph="saver_deferred",
    options={"export_scope": ""},
)
case(
    "Required.Savers.DeferredScoped",
    ("typed.no_proto_scoped",),
    "The same under scope v.",
    graph="saver_deferred",
    options={"export_scope": "v"},
)

# Custom ops (REG-7), attribute and tensor equality (EXP-STRIP).


def _op_def(text: str) -> Any:
    from google.protobuf import text_format
    from tensorflow.core.framework import op_def_pb2

    return text_format.Parse(text, op_def_pb2.OpDef())


def _registered(name: str) -> Any:
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.framework import op_def_registry

    copy = op_def_pb2.OpDef()
    copy.CopyFrom(op_def_registry.get(name))
    return copy


case(
    "Required.OpList.CustomOpEmptyName",
    ("oplist.custom_op_errors",),
    "A custom OpDef without a name: an invalid argument.",
    graph="small",
    op_defs=lambda: [_op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    deliberate=_NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpRedefined",
    ("oplist.custom_op_errors",),
    "A custom OpDef named like a registered op, defined otherwise: an invalid argument.",
    graph="small",
    op_defs=lambda: [_op_def('name: "Const"')],
    expect_error="INVALID_ARGUMENT",
    deliberate=_NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpTwice",
    ("oplist.custom_op_errors",),
    "Two different custom OpDefs of one name: an invalid argument.",
    graph="small",
    op_defs=lambda: [_op_def('name: "Mine"'), _op_def('name: "Mine" is_stateful: true')],
    expect_error="INVALID_ARGUMENT",
    deliberate=_NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpSameAsRegistered",
    ("oplist.custom_ops",),
    "A custom OpDef equal to the registered one changes nothing.",
    graph="small",
    op_defs=lambda: [_registered("Identity")],
)

_TENSOR_OP = """
name: "TensorDefaults"
attr { name: "f32" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 3 } } float_val: 1 } } }
attr { name: "f64" type: "tensor" default_value { tensor { dtype: DT_DOUBLE
  tensor_shape { } double_val: 0 } } }
attr { name: "u8" type: "tensor" default_value { tensor { dtype: DT_UINT8
  tensor_shape { dim { size: 2 } } int_val: 1 int_val: 2 } } }
attr { name: "i8" type: "tensor" default_value { tensor { dtype: DT_INT8
  tensor_shape { dim { size: 1 } } int_val: -1 } } }
attr { name: "i64" type: "tensor" default_value { tensor { dtype: DT_INT64
  tensor_shape { dim { size: 2 } } int64_val: -1 } } }
attr { name: "b" type: "tensor" default_value { tensor { dtype: DT_BOOL
  tensor_shape { dim { size: 2 } } bool_val: true } } }
attr { name: "c64" type: "tensor" default_value { tensor { dtype: DT_COMPLEX64
  tensor_shape { dim { size: 1 } } scomplex_val: 1 scomplex_val: 2 } } }
attr { name: "half" type: "tensor" default_value { tensor { dtype: DT_HALF
  tensor_shape { dim { size: 2 } } half_val: 15360 } } }
attr { name: "str" type: "tensor" default_value { tensor { dtype: DT_STRING
  tensor_shape { dim { size: 2 } } string_val: "ab" } } }
attr { name: "scalarish" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { unknown_rank: true } float_val: 5 } } }
attr { name: "huge" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 4611686018427387904 } dim { size: 4 } } float_val: 1 } } }
attr { name: "empty" type: "tensor" default_value { tensor { dtype: DT_INT32
  tensor_shape { dim { size: 0 } } } } }
attr { name: "u32" type: "tensor" default_value { tensor { dtype: DT_UINT32
  tensor_shape { dim { size: 1 } } uint32_val: 4294967295 } } }
attr { name: "fn" type: "func" default_value { func { name: "g"
  attr { key: "x" value { i: 1 } } attr { key: "y" value { s: "z" } } } } }
attr { name: "ty" type: "type" default_value { type: DT_FLOAT } }
attr { name: "ints" type: "list(int)" default_value { list { } } }
attr { name: "shape" type: "shape" default_value { shape { unknown_rank: true } } }
attr { name: "f32" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 3 } } float_val: 9 } } }
"""

# Each node sets one attribute; the comment says whether it equals the default.
_TENSOR_NODES = [
    (
        "f32_expanded",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        "float_val: 1 float_val: 1 float_val: 1 }",
    ),  # equal
    (
        "f32_content",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        'tensor_content: "\\000\\000\\200?\\000\\000\\200?\\000\\000\\200?" }',
    ),  # equal
    (
        "f32_two",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } float_val: 1 float_val: 2 }",
    ),  # differs
    (
        "f32_as_double",
        "f32",
        "tensor { dtype: DT_DOUBLE tensor_shape { dim { size: 3 } } double_val: 1 }",
    ),  # differs (size)
    (
        "f32_bad_content",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        'tensor_content: "\\000\\000\\200?" }',
    ),  # differs (invalid)
    ("f64_zero", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } double_val: 0 }"),  # equal
    ("f64_none", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } }"),  # equal (zeros)
    ("f64_negzero", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } double_val: -0.0 }"),
    (
        "u8_wrap",
        "u8",
        "tensor { dtype: DT_UINT8 tensor_shape { dim { size: 2 } } int_val: 257 int_val: 2 }",
    ),  # equal (low 8 bits)
    (
        "i8_255",
        "i8",
        "tensor { dtype: DT_INT8 tensor_shape { dim { size: 1 } } int_val: 255 }",
    ),  # equal
    (
        "i64_content",
        "i64",
        "tensor { dtype: DT_INT64 tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\377\\377\\377\\377\\377\\377\\377\\377'
        '\\377\\377\\377\\377\\377\\377\\377\\377" }',
    ),  # equal
    (
        "b_repeat",
        "b",
        "tensor { dtype: DT_BOOL tensor_shape { dim { size: 2 } } bool_val: true bool_val: true }",
    ),  # equal
    (
        "b_false",
        "b",
        "tensor { dtype: DT_BOOL tensor_shape { dim { size: 2 } } bool_val: false }",
    ),  # differs
    (
        "c64_odd",
        "c64",
        "tensor { dtype: DT_COMPLEX64 tensor_shape { dim { size: 1 } } "
        "scomplex_val: 1 scomplex_val: 2 scomplex_val: 3 }",
    ),  # equal (odd last ignored)
    (
        "half_repeat",
        "half",
        "tensor { dtype: DT_HALF tensor_shape { dim { size: 2 } } "
        "half_val: 15360 half_val: 15360 }",
    ),  # equal
    (
        "str_content",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\002\\002abab" }',
    ),  # equal
    (
        "str_other",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'string_val: "ab" string_val: "ac" }',
    ),  # differs
    (
        "str_bad",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\002\\002aba" }',
    ),  # differs (invalid)
    (
        "scalarish_same",
        "scalarish",
        "tensor { dtype: DT_FLOAT tensor_shape { unknown_rank: true } float_val: 5 }",
    ),  # equal
    (
        "huge_same",
        "huge",
        "tensor { dtype: DT_FLOAT tensor_shape { "
        "dim { size: 4611686018427387904 } dim { size: 4 } } float_val: 1 }",
    ),  # differs
    (
        "empty_values",
        "empty",
        "tensor { dtype: DT_INT32 tensor_shape { dim { size: 0 } } int_val: 7 }",
    ),  # equal
    (
        "u32_max",
        "u32",
        "tensor { dtype: DT_UINT32 tensor_shape { dim { size: 1 } } uint32_val: 4294967295 }",
    ),  # equal
    (
        "fn_same",
        "fn",
        'func { name: "g" attr { key: "y" value { s: "z" } } attr { key: "x" value { i: 1 } } }',
    ),  # equal
    (
        "fn_other",
        "fn",
        'func { name: "g" attr { key: "x" value { i: 2 } } attr { key: "y" value { s: "z" } } }',
    ),  # differs
    ("ty_same", "ty", "type: DT_FLOAT"),  # equal
    ("ty_other", "ty", "type: DT_INT32"),  # differs
    ("ints_empty", "ints", "list { }"),  # equal
    ("ints_unset", "ints", ""),  # differs: an empty AttrValue is not list {}
    ("shape_same", "shape", "shape { unknown_rank: true }"),  # equal
]
_TENSOR_GRAPH = "\n".join(
    f'node {{ name: "{name}" op: "TensorDefaults" attr {{ key: "{attr}" value {{ {value} }} }} }}'
    for name, attr, value in _TENSOR_NODES
)

case(
    "Required.Strip.TensorEquality",
    ("strip.element_sizes", "strip.equality", "strip.strings", "oplist.custom_ops"),
    "Tensor, func, type, list and shape attributes compared with their defaults: expanded "
    "values, tensor_content, wrapped integers, -0.0, odd complex values, string contents, "
    "unknown rank, oversized shapes, empty tensors (one custom op, first AttrDef wins).",
    graph_def=graph_def_from_text(_TENSOR_GRAPH),
    pass_graph=False,
    op_defs=lambda: [_op_def(_TENSOR_OP)],
    options={"strip_default_attrs": True},
)
case(
    "Required.Strip.TensorEqualityKept",
    ("oplist.custom_ops", "strip.defaults"),
    "The same without strip_default_attrs: the custom op is in the op list, nothing stripped.",
    graph_def=graph_def_from_text(_TENSOR_GRAPH),
    pass_graph=False,
    op_defs=lambda: [_op_def(_TENSOR_OP)],
)

# Collections: named objects, empty entries, floats, numpy, map order.

case(
    "Required.Collections.UnboundNamedItem",
    ("collections.empty_entry",),
    "Under scope s an item named $unbound_inputs_x passes the inclusion test but is not "
    "added to the node_list: the entry stays empty.",
    graph="named_items",
    options={"export_scope": "s", "collection_list": ["unbound_named"]},
)
case(
    "Required.Collections.NamedObjects",
    ("collections.kinds", "snapshot.capture"),
    "Plain objects with a name: a node_list, filtered and stripped under scope s.",
    graph="named_items",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.NamedObjectsUnscoped",
    ("collections.kinds",),
    "The same without a scope.",
    graph="named_items",
)
case(
    "Recommended.Collections.StripFails",
    ("collections.strip_fails",),
    "Scope a( (not portable) and an item named a(x: stripping it fails, the collection is dropped.",
    graph="named_items",
    options={"export_scope": "a(", "collection_list": ["regex_named"]},
)
case(
    "Required.Collections.FloatThenHugeInt",
    ("collections.float32", "diagnostics.collection_dropped"),
    "An integer of 2^1100 after a float does not fit a double: dropped.",
    graph="numbers",
    options={"collection_list": ["float_then_huge"]},
)
case(
    "Required.Collections.FloatThenBool",
    ("collections.float32",),
    "A bool after a float becomes 0.0.",
    graph="numbers",
    options={"collection_list": ["float_then_bool", "plain_floats"]},
)
case(
    "Required.Collections.NumpyAfterFloat",
    ("snapshot.capture", "collections.unserializable", "diagnostics.collection_dropped"),
    "numpy.float32 after a float: unserializable in a snapshot, so the collection is dropped.",
    graph="numbers",
    options={"collection_list": ["float_then_numpy"]},
    hide=("float_then_numpy",),
    deliberate="TensorFlow's protobuf runtime converts numpy.float32 after a float "
    "(spec: deliberate difference 8)",
)
case(
    "Required.Collections.MapOrderBinary",
    ("collections.key_order", "files.binary"),
    "Keys a, ab, abc, b and keys with control characters, written in binary: a key that is "
    "a prefix of another comes after it.",
    graph="map_order",
    options={"filename": "m.pb"},
)
case(
    "Required.Collections.MapOrderText",
    ("collections.key_order", "files.text", "text.format"),
    "The same as text: keys in code point order, escaped.",
    graph="map_order",
    options={"filename": "m.pbtxt", "as_text": True},
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

# Text format details.

case(
    "Required.Text.Doubles",
    ("text.format", "files.text"),
    "Double values: 1e+16, 1e-05, 5e-324, 0.0001, 123456789.0, -0.0, nan, inf.",
    graph="numbers",
    options={"filename": "n.pbtxt", "as_text": True, "collection_list": ["plain_floats"]},
)
case(
    "Required.Text.DoublesBinary",
    ("files.binary",),
    "The same in binary.",
    graph="numbers",
    options={"filename": "n.pb", "collection_list": ["plain_floats"]},
)
case(
    "Required.Text.Strings",
    ("text.format", "files.text"),
    "String fields with control characters, quotes, backslashes and non-ASCII text; "
    "bytes fields with every kind of byte.",
    graph="strings_and_bytes",
    meta_info_def=meta_info_from_text(
        'meta_graph_version: "a\\nb\\r\\t\\"\\\'\\\\\\001\\177 é ß" tags: "tag with space"'
    ),
    options={"filename": "s.pbtxt", "as_text": True},
)
case(
    "Required.Text.EnumsAndEmptyKeys",
    ("text.enums", "files.text"),
    "An unknown DataType value prints as a number; an attribute with an empty key.",
    graph_def=graph_def_from_text(
        'node { name: "n" op: "NoOp" attr { key: "" value { } } '
        'attr { key: "t" value { type: 999 } } attr { key: "i" value { i: 0 } } }'
    ),
    pass_graph=False,
    options={"filename": "e.pbtxt", "as_text": True},
)
case(
    "Required.Text.EnumsAndEmptyKeysBinary",
    ("files.binary",),
    "The same in binary: oneof members at their default are written.",
    graph_def=graph_def_from_text(
        'node { name: "n" op: "NoOp" attr { key: "" value { } } '
        'attr { key: "t" value { type: 999 } } attr { key: "i" value { i: 0 } } }'
    ),
    pass_graph=False,
    options={"filename": "e.pb"},
)
case(
    "Required.Text.AnyInvalid",
    ("text.any_invalid",),
    "An Any of a known type whose value does not decode cannot be written as text (given "
    "as bytes: text format cannot carry such an Any either).",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { type_url: "type.googleapis.com/tensorflow.SaverDef" value: "\\377\\377" }'
    ),
    options={"filename": "a.pbtxt", "as_text": True},
    raw_transform=lambda arguments: arguments.SerializeToString(deterministic=True),
)
case(
    "Required.Text.AnyKnownTypes",
    ("text.any",),
    "Any values of known types (tensorflow.*) are expanded, with any type URL prefix; "
    "others are printed as type_url and value.",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { [example.com/tensorflow.VariableDef] { variable_name: "v" } }'
    ),
    options={"filename": "k.pbtxt", "as_text": True},
)

# Wrong types, as far as the encoding can express them: a message of another
# type in a field. Most such bytes still parse (protobuf cannot tell); these
# do not, and are malformed input.


def _wrong_type(field_number: int, text: str, message_type: str) -> bytes:
    from google.protobuf import text_format
    from metagraph_export.tf.graph_pb2 import GraphDef
    from metagraph_export.tf.saver_pb2 import SaverDef
    from metagraph_export_conformance.backends.grpc import export_request_bytes

    cls = {"GraphDef": GraphDef, "SaverDef": SaverDef}[message_type]
    payload = text_format.Parse(text, cls()).SerializeToString(deterministic=True)
    # export_request_bytes frames field 1; reuse it for any field number.
    return bytes([field_number << 3 | 2]) + export_request_bytes(payload)[1:]


_GRAPH_DEF_TEXT = 'node { name: "a" op: "NoOp" } versions { producer: 5 }'
_SAVER_DEF_TEXT = 'filename_tensor_name: "save/Const:0" version: V2'
for name, number, text, type_name, description in [
    (
        "GraphDefAsGraph",
        7,
        _GRAPH_DEF_TEXT,
        "GraphDef",
        "A GraphDef where the graph snapshot belongs.",
    ),
    (
        "SaverDefAsGraphDef",
        3,
        _SAVER_DEF_TEXT,
        "SaverDef",
        "A SaverDef where the graph_def belongs.",
    ),
    (
        "SaverDefAsGraph",
        7,
        _SAVER_DEF_TEXT,
        "SaverDef",
        "A SaverDef where the graph snapshot belongs.",
    ),
]:
    case(
        f"Required.Errors.WrongType.{name}",
        ("errors.malformed",),
        description + " The bytes are not a valid encoding of the arguments.",
        raw_arguments=_wrong_type(number, text, type_name),
        expect_error="MALFORMED_INPUT",
    )

# The size limit.

case(
    "Required.Errors.TooLargePrecedence",
    ("errors.too_large_precedence", "oplist.custom_op_errors"),
    "A graph over 2 GiB and an invalid custom op: the earlier error wins.",
    synthesized=(3, 768 << 20),
    options={"clear_devices": True},
    op_defs=lambda: [_op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    tags=("slow", "synthesized"),
    deliberate=_NO_OP_DEFS,
)
# Two constants of this size make a snapshot (and its GraphDef) just under
# 2 GiB, and a MetaGraphDef of 2^31 + 69 bytes with the meta info and shapes.
_JUST_UNDER = (2**31 - 250) // 2
case(
    "Required.Errors.TooLargeByMetaInfo",
    ("errors.too_large",),
    "Two constants make a graph just under 2 GiB; with _output_shapes and the meta info the "
    "MetaGraphDef reaches 2^31 bytes: too large.",
    synthesized=(2, _JUST_UNDER),
    options={"clear_devices": True},
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
    deliberate="TensorFlow sums only the original nodes, which stay under 2 GiB "
    "(spec: deliberate difference 6)",
)
case(
    "Required.Errors.TooLargeDirectPath",
    ("errors.too_large",),
    "A graph over 2 GiB on the direct path (no option): too large as well.",
    synthesized=(3, 768 << 20),
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
    deliberate="TensorFlow checks the size only on the rewriting path "
    "(spec: deliberate difference 6)",
)

__all__ = ["with_shapes"]
