"""Cases: savers, variables, control-flow contexts, queue runners, functions,
default attributes and the op list."""

from __future__ import annotations

from typing import Any

from .catalog import (
    built_saver,
    case,
    graph_def_from_text,
    meta_info_from_text,
    saver_def_from_text,
)

# Savers.

case(
    "Required.Savers.KeepOne",
    ("savers.clear_extraneous", "savers.retained_scope", "saver_def.given"),
    "Three savers; clear_extraneous_savers with keep's saver_def drops the nodes of the others.",
    graph="savers",
    options={"clear_extraneous_savers": True},
    saver_def=built_saver,
)
case(
    "Required.Savers.KeepOneScoped",
    ("savers.clear_extraneous", "scope.include_prefix"),
    "The same under scope model: the inner saver's nodes are extraneous too.",
    graph="savers",
    options={"clear_extraneous_savers": True, "export_scope": "model"},
    saver_def=built_saver,
)
case(
    "Required.Savers.SaverDefWithoutClearing",
    ("saver_def.given",),
    "saver_def without clear_extraneous_savers: every saver's nodes are kept.",
    graph="savers",
    saver_def=built_saver,
    options={"clear_devices": True},
)
case(
    "Required.Savers.NoSaverDef",
    ("savers.clear_extraneous",),
    "clear_extraneous_savers without saver_def and without a savers collection: the nodes "
    "of every saver are dropped, no savers collection is exported.",
    graph="saver_unlisted",
    options={"clear_extraneous_savers": True},
)
case(
    "Required.Savers.OtherSaverDef",
    ("savers.clear_extraneous", "savers.retained_scope"),
    "Keep the second of two unlisted savers.",
    graph="saver_unlisted",
    options={"clear_extraneous_savers": True},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "second/Const:0" save_tensor_name: '
        '"second/control_dependency:0" restore_op_name: "second/restore_all" version: V2'
    ),
)
case(
    "Required.Savers.CollectionReplaced",
    ("savers.clear_extraneous", "savers.collection_replaced"),
    "With a savers collection, clear_extraneous_savers exports saver_def alone as the "
    "savers collection.",
    graph="saver_in_collection",
    options={"clear_extraneous_savers": True},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "save/Const:0" save_tensor_name: "save/control_dependency:0" '
        'restore_op_name: "save/restore_all" max_to_keep: 9 version: V2'
    ),
)
case(
    "Required.Savers.NoCollectionNoKey",
    ("savers.no_collection_no_key",),
    "saver_def given, no savers collection: clear_extraneous_savers adds no savers key.",
    graph="saver_unlisted",
    options={"clear_extraneous_savers": True},
    saver_def=built_saver,
)
case(
    "Required.Savers.ListedExplicitly",
    ("savers.collection_replaced", "collections.list_selects"),
    "collection_list naming savers on a graph without that collection: saver_def is "
    "exported as the savers collection.",
    graph="saver_unlisted",
    options={"clear_extraneous_savers": True, "collection_list": ["savers"]},
    saver_def=built_saver,
)
case(
    "Required.Savers.SaverDefRequired",
    ("savers.saver_def_required",),
    "clear_extraneous_savers with a savers collection and no saver_def is an error "
    "(TensorFlow builds a new Saver into the caller's graph instead).",
    graph="saver_in_collection",
    options={"clear_extraneous_savers": True},
    expect_error="INVALID_ARGUMENT",
    fresh_graph=True,
    deliberate="TensorFlow builds a new Saver into the graph (spec: deliberate difference 3)",
)
case(
    "Required.Savers.NoVariables",
    ("savers.saver_def_required",),
    "clear_extraneous_savers, a savers collection, no saver_def and no variables: an error.",
    graph="saver_no_variables",
    options={"clear_extraneous_savers": True},
    fresh_graph=True,
)
case(
    "Required.Savers.InCollection",
    ("typed.savers",),
    "A Saver in the savers collection is exported as its SaverDef.",
    graph="saver_in_collection",
)
case(
    "Required.Savers.InCollectionScoped",
    ("typed.savers", "typed.savers_scope"),
    "Under a scope, a SaverDef all of whose names are inside is stripped; here save/* is "
    "outside scope m, so the savers collection is exported empty.",
    graph="saver_in_collection",
    options={"export_scope": "m"},
)
case(
    "Required.Savers.InCollectionScopeS",
    ("typed.savers_scope", "scope.include_prefix"),
    "Scope s selects save/* by prefix: the SaverDef is exported, unstripped (s/ does not "
    "match save/).",
    graph="saver_in_collection",
    options={"export_scope": "s"},
)
case(
    "Required.Savers.InCollectionScopeSave",
    ("typed.savers_scope", "scope.strip"),
    "Scope save: the SaverDef's names are stripped.",
    graph="saver_in_collection",
    options={"export_scope": "save"},
)
case(
    "Required.Savers.Deferred",
    ("typed.no_proto",),
    "A Saver without a SaverDef yet: the savers collection is exported empty.",
    graph="saver_deferred",
)
case(
    "Required.Savers.NotASaver",
    ("typed.wrong_item", "diagnostics.collection_dropped"),
    "A string in the savers collection: the collection is dropped.",
    graph="saver_junk",
)
case(
    "Required.Savers.EmptySaverDef",
    ("saver_def.given",),
    "An empty saver_def is exported as a present, empty saver_def.",
    graph="small",
    saver_def=saver_def_from_text(""),
)
case(
    "Required.Savers.AllowEmpty",
    ("typed.no_proto",),
    "An allow_empty Saver with nothing to save: the savers collection is exported empty.",
    graph="saver_no_variables",
)

# Variables.

for scope, name, description in [
    (None, "Unscoped", "Every variable collection as VariableDefs, names unchanged."),
    (
        "s",
        "Scoped",
        "Under scope s: VariableDefs stripped, the outside variable left out, "
        "save_slice_info full names stripped.",
    ),
    ("s/part", "PartScope", "Scope s/part: only the partitions, full name s/part stripped."),
    ("outside", "OutsideScope", "Scope outside: only the unscoped variable."),
]:
    options: dict[str, Any] = {} if scope is None else {"export_scope": scope}
    case(
        f"Required.Variables.{name}",
        ("typed.variables", "typed.save_slice"),
        description,
        graph="variables",
        options=options,
    )
case(
    "Required.Variables.Kinds",
    ("typed.variables",),
    "Ref, resource, partitioned resource and metric variables.",
    graph="variable_kinds",
)
case(
    "Required.Variables.KindsScoped",
    ("typed.variables", "typed.save_slice"),
    "The same under scope m.",
    graph="variable_kinds",
    options={"export_scope": "m"},
)
case(
    "Required.Variables.SliceScopeMismatch",
    ("typed.save_slice_mismatch", "diagnostics.collection_dropped"),
    "Scope m/part/part selects the partitions but not their full name m/part: the "
    "variable collections cannot be exported and are dropped.",
    graph="partitioned_scope",
    options={"export_scope": "m/part/part"},
)
case(
    "Required.Variables.NotAVariable",
    ("typed.wrong_item", "diagnostics.collection_dropped", "snapshot.capture"),
    "A string in the variables collection and an int in queue_runners: both are "
    "unserializable items and both collections are dropped.",
    graph="typed_junk",
    hide=("variables",),
    deliberate="TensorFlow fails the export reading the name of the string in variables "
    "(spec: deliberate difference 8)",
)
case(
    "Required.Variables.UserCollection",
    ("collections.kinds",),
    "Variables in a collection of no registered type are exported by name (node_list).",
    graph="variables",
    options={"collection_list": ["user_variables"]},
)

# Control-flow contexts (TensorFlow 1 control flow).

case(
    "Required.ControlFlow.Contexts",
    ("typed.cond_context", "typed.while_context", "typed.serialization"),
    "while_context and cond_context collections as serialized context protos.",
    graph="control_flow_v1",
)
case(
    "Required.ControlFlow.ContextsScoped",
    ("typed.cond_context", "typed.while_context", "typed.nested_unstripped"),
    "Under scope m: contexts stripped, nested contexts left unstripped.",
    graph="control_flow_v1",
    options={"export_scope": "m"},
)
case(
    "Required.ControlFlow.WhileScope",
    ("typed.while_context", "typed.nested_unstripped"),
    "Under scope m/while: the while context only.",
    graph="control_flow_v1",
    options={"export_scope": "m/while"},
)
case(
    "Required.ControlFlow.ExternalValues",
    ("typed.values_def", "typed.serialization"),
    "A while loop reading three outside tensors: external_values map with several entries "
    "(serialized in any order), values sorted, maximum_iterations_name.",
    graph="while_external",
)
case(
    "Required.ControlFlow.ExternalValuesScoped",
    ("typed.values_def",),
    "The same under scope w: values outside the scope stay unstripped.",
    graph="while_external",
    options={"export_scope": "w"},
)
case(
    "Required.ControlFlow.ExternalValuesText",
    ("typed.serialization", "files.text"),
    "The same written as text: the file holds serialized context protos.",
    graph="while_external",
    options={"filename": "cf.pbtxt", "as_text": True},
)
case(
    "Required.ControlFlow.ExternalValuesBinary",
    ("typed.serialization", "files.binary"),
    "The same written as binary.",
    graph="while_external",
    options={"filename": "cf.pb"},
)
case(
    "Required.ControlFlow.V2",
    ("oplist.other_attrs_not_followed",),
    "v2 control flow: If/While bodies are reached only through attributes other than f, "
    "so their ops are not in the op list.",
    graph="control_flow_v2",
)
case(
    "Required.ControlFlow.V2Strip",
    ("strip.functions_bodies",),
    "strip_default_attrs strips function bodies too.",
    graph="control_flow_v2",
    options={"strip_default_attrs": True},
)

# Queue runners.

for scope, name, description in [
    (None, "Unscoped", "Both queue runners, names unchanged."),
    ("s", "Scoped", "Under scope s: the runner of s/q, stripped."),
    ("other", "OtherScope", "Under scope other: the runner of other_q, unstripped names stay."),
    ("nope", "NoMatch", "A scope selecting no queue: no queue_runners collection."),
]:
    options = {} if scope is None else {"export_scope": scope}
    case(
        f"Required.QueueRunners.{name}",
        ("typed.queue_runner",),
        description,
        graph="queue_runner",
        options=options,
    )

# Functions.

case(
    "Required.Functions.Nested",
    ("oplist.functions_followed", "snapshot.library_with_shapes"),
    "tf.functions calling tf.functions: ops of every reachable body are in the op list.",
    graph="functions",
)
case(
    "Required.Functions.NestedRewritten",
    ("oplist.functions_followed", "snapshot.registered_library"),
    "The same with clear_devices.",
    graph="functions",
    options={"clear_devices": True},
)
case(
    "Required.Functions.Scoped",
    ("scope.library_untouched", "unbound.rewrite"),
    "Under scope f.",
    graph="functions",
    options={"export_scope": "f", "clear_devices": True},
)
case(
    "Required.Functions.Strip",
    ("strip.functions_bodies", "strip.defaults"),
    "strip_default_attrs on function bodies.",
    graph="functions",
    options={"strip_default_attrs": True},
)
case(
    "Required.Functions.Defun",
    ("oplist.functions_followed",),
    "Functions called by op name (Defun) with a gradient function.",
    graph="defun",
)
case(
    "Required.Functions.DefunStrip",
    ("strip.skip_function_ops_and_unregistered",),
    "strip_default_attrs leaves nodes calling a function by op name alone.",
    graph="defun",
    options={"strip_default_attrs": True},
)
case(
    "Required.Functions.DefunScoped",
    ("scope.library_untouched",),
    "Defun functions under scope d.",
    graph="defun",
    options={"export_scope": "d"},
)

# strip_default_attrs.

case(
    "Required.Strip.AttrKinds",
    ("strip.defaults", "strip.equality"),
    "Attributes of every kind at and off their defaults.",
    graph="attr_kinds",
    options={"strip_default_attrs": True},
)
case(
    "Required.Strip.AttrKindsKept",
    ("strip.defaults",),
    "Without strip_default_attrs nothing is stripped.",
    graph="attr_kinds",
)
case(
    "Required.Strip.AttrKindsRewritten",
    ("strip.defaults", "strip.equality"),
    "The same with clear_devices.",
    graph="attr_kinds",
    options={"strip_default_attrs": True, "clear_devices": True},
)
case(
    "Required.Strip.DefaultAttrsGraph",
    ("strip.defaults", "strip.equality"),
    "Conv2D, LeakyRelu, ImageSummary tensors, PlaceholderWithDefault shapes.",
    graph="default_attrs",
    options={"strip_default_attrs": True, "clear_devices": True},
)
case(
    "Required.Strip.AfterOpList",
    ("strip.after_oplist",),
    "The op list keeps default values; stripping comes after it.",
    graph="default_attrs",
    options={"strip_default_attrs": True, "export_scope": "conv"},
)
case(
    "Required.Strip.EqualitySemantics",
    ("strip.equality",),
    "Tensor defaults compared by value: a bad_color of four explicit values equals the "
    "default; a longer one does not.",
    graph_def=graph_def_from_text("""
node { name: "img" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "same" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 255 int_val: 0 int_val: 0 int_val: 255 } } }
  attr { key: "max_images" value { i: 3 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "content" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    tensor_content: "\\377\\000\\000\\377" } } } }
node { name: "repeat" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 255 int_val: 0 } } } }
node { name: "other" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 0 } } } attr { key: "max_images" value { i: 4 } } }
node { name: "shape_default" op: "PlaceholderWithDefault" input: "img"
  attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { } } } }
node { name: "unknown_rank" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "shape" value { shape { unknown_rank: true } } } }
node { name: "list_default" op: "Squeeze" input: "img"
  attr { key: "squeeze_dims" value { list { } } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "list_other" op: "Squeeze" input: "img"
  attr { key: "squeeze_dims" value { list { i: 0 } } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "func_call" op: "PartitionedCall"
  attr { key: "f" value { func { name: "fn" } } }
  attr { key: "config" value { s: "" } } attr { key: "config_proto" value { s: "" } }
  attr { key: "executor_type" value { s: "" } } }
node { name: "type_default" op: "ArgMax" input: "img" input: "img"
  attr { key: "output_type" value { type: DT_INT64 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "float_default" op: "LeakyRelu" input: "img"
  attr { key: "alpha" value { f: 0.2 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "bool_default" op: "MatMul" input: "img" input: "img"
  attr { key: "transpose_a" value { b: false } } attr { key: "transpose_b" value { b: true } } }
library { function { signature { name: "fn" } node_def { name: "n" op: "NoOp" } } }
"""),
    pass_graph=False,
    options={"strip_default_attrs": True},
)

# The op list.

case(
    "Required.OpList.Sorted",
    ("oplist.computed",),
    "The op list holds each used registered op once, sorted by name.",
    graph="basic",
)
case(
    "Required.OpList.GivenKept",
    ("oplist.given_kept", "meta_info.given"),
    "A meta_info_def with a stripped_op_list: it is kept and nothing is computed (so a "
    "PartitionedCall gets no empty f).",
    graph_def=graph_def_from_text('node { name: "pc" op: "PartitionedCall" }'),
    pass_graph=False,
    meta_info_def=meta_info_from_text('stripped_op_list { op { name: "FakeOp" } }'),
)
case(
    "Required.OpList.Unregistered",
    ("oplist.unregistered_skipped", "diagnostics.op_not_registered"),
    "An op that is not registered is left out of the op list.",
    graph_def=graph_def_from_text(
        'node { name: "a" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } '
        'attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }'
        'node { name: "b" op: "MysteryOp" input: "a" }'
    ),
    pass_graph=False,
)


def _custom_op() -> list[Any]:
    from google.protobuf import text_format
    from tensorflow.core.framework import op_def_pb2

    return [
        text_format.Parse(
            'name: "MysteryOp" input_arg { name: "x" type: DT_FLOAT } '
            'attr { name: "mode" type: "string" default_value { s: "fast" } }',
            op_def_pb2.OpDef(),
        )
    ]


_MYSTERY = graph_def_from_text(
    'node { name: "a" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }'
    'node { name: "b" op: "MysteryOp" input: "a" attr { key: "mode" value { s: "fast" } } }'
    'node { name: "c" op: "MysteryOp" input: "a" attr { key: "mode" value { s: "slow" } } }'
)
case(
    "Required.OpList.CustomOps",
    ("oplist.custom_ops",),
    "op_defs registers a custom op: it is in the op list.",
    graph_def=_MYSTERY,
    pass_graph=False,
    op_defs=_custom_op,
)
case(
    "Required.OpList.CustomOpsStrip",
    ("oplist.custom_ops", "strip.defaults"),
    "A custom op's default attribute is stripped.",
    graph_def=_MYSTERY,
    pass_graph=False,
    op_defs=_custom_op,
    options={"strip_default_attrs": True},
)
case(
    "Required.OpList.UnregisteredNotStripped",
    ("strip.skip_function_ops_and_unregistered", "diagnostics.op_not_registered"),
    "Without op_defs the same op is unregistered and its attributes stay.",
    graph_def=_MYSTERY,
    pass_graph=False,
    options={"strip_default_attrs": True},
)
case(
    "Required.OpList.QueueOps",
    ("oplist.computed",),
    "Queue ops, refs and stateful ops as registered.",
    graph="queue_runner",
    options={"export_scope": "s"},
)
case(
    "Required.OpList.ScopeSelectsOps",
    ("oplist.computed", "scope.include_prefix"),
    "The op list holds only the ops of exported nodes.",
    graph="basic",
    options={"export_scope": "a.b"},
)
case(
    "Required.OpList.GraphDefVersions",
    ("graph_def.given",),
    "Versions of a given graph_def are kept.",
    graph_def=graph_def_from_text("versions { producer: 12 min_consumer: 2 bad_consumers: 5 }"),
    pass_graph=False,
)
case("Required.OpList.EmptyGraph", ("oplist.computed",), "The empty graph: no ops.", graph="empty")
case(
    "Required.OpList.EmptyGraphWithFile",
    ("files.binary", "oplist.computed"),
    "The empty graph written.",
    graph="empty",
    options={"filename": "empty.meta"},
)
