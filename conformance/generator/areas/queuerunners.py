"""The cases in conformance/cases/queuerunners/ (their IDs: <level>.QueueRunners.<name>).

Queue runners under an export scope.
"""

from __future__ import annotations

from ..recipes import Area

AREA = Area("QueueRunners")
case = AREA.case

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
