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


def _every_registered_op(_: Any) -> Any:
    """A GraphDef with one node of each op TensorFlow registers, every attribute
    that has a default set to it: its op list is the whole registry, and
    strip_default_attrs empties every node, so an implementation with less of
    the registry (an op, a default value) fails it (spec REG-6)."""
    from tensorflow.core.framework import graph_pb2, op_def_pb2
    from tensorflow.python.client import pywrap_tf_session as c_api
    from tensorflow.python.framework import op_def_registry

    buffer = c_api.TF_GetAllOpList()
    try:
        names = sorted(
            op.name for op in op_def_pb2.OpList.FromString(c_api.TF_GetBuffer(buffer)).op
        )
    finally:
        c_api.TF_DeleteBuffer(buffer)
    graph_def = graph_pb2.GraphDef()
    for index, name in enumerate(names):
        # op_def_registry.get gives the OpDef as export_meta_graph sees it.
        definition = op_def_registry.get(name)
        node = graph_def.node.add(name=f"op_{index}", op=name)
        for attr in definition.attr:
            if attr.HasField("default_value"):
                node.attr[attr.name].CopyFrom(attr.default_value)
    return graph_def


case(
    "Required.OpList.EveryRegisteredOp",
    ("oplist.computed", "strip.defaults", "oplist.whole_registry"),
    "One node of each of the 1,908 registered ops, with every default-valued attribute: the op "
    "list is the whole registry, and stripping defaults leaves no attribute but an inserted f.",
    graph_def=_every_registered_op,
    pass_graph=False,
    options={"strip_default_attrs": True},
)
case(
    "Required.OpList.SameNamedFunctionsLastWins",
    ("oplist.functions_followed", "oplist.same_named_functions"),
    "Two library functions named f, bodies of different ops: the op list follows the last.",
    graph_def=graph_def_from_text(
        'node { name: "c" op: "PartitionedCall" attr { key: "f" value { func { name: "f" } } } }'
        'library { function { signature { name: "f" } node_def { name: "a" op: "Abs" } }'
        ' function { signature { name: "f" } node_def { name: "n" op: "Neg" } } }'
    ),
    pass_graph=False,
)
