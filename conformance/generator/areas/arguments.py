"""The cases in conformance/cases/arguments/ (their IDs: <level>.Arguments.<name>).

The rules on the arguments as a whole: which is checked first, and that the
call changes none of them.
"""

from __future__ import annotations

from ..recipes import NO_OP_DEFS, Area, meta_info_from_text, op_def

AREA = Area("Arguments")
case = AREA.case

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
    op_defs=lambda: [op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    deliberate=NO_OP_DEFS,
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
