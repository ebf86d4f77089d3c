"""The cases in conformance/cases/savers/ (their IDs: <level>.Savers.<name>).

Savers, the saver_def and clear_extraneous_savers.
"""

from __future__ import annotations

from ..recipes import Area, built_saver, graph_def_from_text, saver_def_from_text

AREA = Area("Savers")
case = AREA.case

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
case(
    "Required.Savers.ListedKeyWithoutCollection",
    ("savers.collection_replaced", "savers.listed_key"),
    "saver_def given, no savers collection, collection_list naming savers: "
    "clear_extraneous_savers exports saver_def as the savers collection.",
    graph="saver_unlisted",
    options={"clear_extraneous_savers": True, "collection_list": ["savers"]},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "second/Const:0" save_tensor_name: '
        '"second/control_dependency:0" restore_op_name: "second/restore_all" version: V2'
    ),
)
case(
    "Required.Savers.NegativeZeroKept",
    ("saver_def.given", "encoding.negative_zero"),
    "A saver_def whose keep_checkpoint_every_n_hours is -0.0: the field is present (its bits "
    "differ from +0.0), written and printed as -0.0.",
    graph="saver_unlisted",
    options={"as_text": True, "filename": "model.meta"},
    saver_def=saver_def_from_text(
        'filename_tensor_name: "second/Const:0" save_tensor_name: '
        '"second/control_dependency:0" restore_op_name: "second/restore_all" '
        "keep_checkpoint_every_n_hours: -0.0 version: V2"
    ),
)
