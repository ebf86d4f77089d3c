"""The cases in conformance/cases/variables/ (their IDs: <level>.Variables.<name>).

Variables of every kind and their scopes.
"""

from __future__ import annotations

from typing import Any

from ..recipes import Area

AREA = Area("Variables")
case = AREA.case

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
