"""The cases in conformance/cases/oplist/ (their IDs: <level>.OpList.<name>).

The stripped_op_list: computed, given, custom and unregistered ops.
"""

from __future__ import annotations

from typing import Any

from ..recipes import NO_OP_DEFS, Area, graph_def_from_text, meta_info_from_text, op_def

AREA = Area("OpList")
case = AREA.case

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
    op_defs=lambda: [op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    deliberate=NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpRedefined",
    ("oplist.custom_op_errors",),
    "A custom OpDef named like a registered op, defined otherwise: an invalid argument.",
    graph="small",
    op_defs=lambda: [op_def('name: "Const"')],
    expect_error="INVALID_ARGUMENT",
    deliberate=NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpTwice",
    ("oplist.custom_op_errors",),
    "Two different custom OpDefs of one name: an invalid argument.",
    graph="small",
    op_defs=lambda: [op_def('name: "Mine"'), op_def('name: "Mine" is_stateful: true')],
    expect_error="INVALID_ARGUMENT",
    deliberate=NO_OP_DEFS,
)
case(
    "Required.OpList.CustomOpSameAsRegistered",
    ("oplist.custom_ops",),
    "A custom OpDef equal to the registered one changes nothing.",
    graph="small",
    op_defs=lambda: [_registered("Identity")],
)
