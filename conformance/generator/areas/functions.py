"""The cases in conformance/cases/functions/ (their IDs: <level>.Functions.<name>).

Function libraries: the op list, default attributes and scopes.
"""

from __future__ import annotations

from ..recipes import Area

AREA = Area("Functions")
case = AREA.case

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
