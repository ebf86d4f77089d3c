"""The cases in conformance/cases/controlflow/ (their IDs: <level>.ControlFlow.<name>).

TensorFlow 1 control-flow contexts (cond and while) in their collections.
"""

from __future__ import annotations

from ..recipes import Area

AREA = Area("ControlFlow")
case = AREA.case

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
