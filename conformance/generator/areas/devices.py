"""The cases in conformance/cases/devices/ (their IDs: <level>.Devices.<name>).

The clear_devices option: top-level nodes, functions and a given graph_def.
"""

from __future__ import annotations

from ..recipes import Area, with_shapes

AREA = Area("Devices")
case = AREA.case

# Devices.

case(
    "Required.Devices.FunctionBodiesKept",
    ("devices.functions_kept",),
    "clear_devices clears top-level devices only; function bodies keep theirs.",
    graph="devices",
    options={"clear_devices": True},
)
case(
    "Required.Devices.KeptByDefault",
    ("devices.clear_top_level",),
    "Without clear_devices every device is kept.",
    graph="devices",
)
case(
    "Required.Devices.GraphDefGiven",
    ("devices.clear_top_level", "graph_def.given_rewritten"),
    "clear_devices on a given graph_def.",
    graph="devices",
    options={"clear_devices": True},
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)
case(
    "Required.Devices.Basic",
    ("devices.clear_top_level",),
    "clear_devices on the basic graph (job/task/device strings).",
    graph="basic",
    options={"clear_devices": True},
)
