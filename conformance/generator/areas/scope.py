"""The cases in conformance/cases/scope/ (their IDs: <level>.Scope.<name>).

The export_scope: selection, stripping, colocation, frames and non-portable scopes.
"""

from __future__ import annotations

from ..recipes import Area, graph_def_from_text, with_shapes

AREA = Area("Scope")
case = AREA.case

# Export scopes.

for scope, name, topics, description in [
    (
        "s",
        "PrefixCollision",
        ("scope.include_prefix", "scope.strip"),
        "Scope s also selects s_1/*, sab/* and s2/* (a plain prefix test) but strips only s/.",
    ),
    (
        "s/",
        "TrailingSlash",
        ("scope.trailing_slash", "scope.include_prefix"),
        "Scope s/ selects only s/* and strips s/.",
    ),
    ("s_1", "Underscore", ("scope.include_prefix",), "Scope s_1 selects s_1/* only."),
    (
        "sab/inner",
        "Nested",
        ("scope.include_prefix", "scope.strip"),
        "A nested scope: sab/inner/y becomes y; inputs from sab/x leave the scope.",
    ),
    ("t", "NodeNamedLikeScope", ("scope.strip",), "A node named t/s under scope t: stripped to s."),
    (
        "nope",
        "NoMatch",
        ("scope.include_prefix", "scope.matches_nothing"),
        "A scope that selects nothing: no nodes, and a warning.",
    ),
    ("", "EmptyString", ("scope.empty_string",), 'Scope "" is the same as no scope.'),
]:
    case(
        f"Required.Scope.{name}",
        topics,
        description,
        graph="prefixes",
        options={"export_scope": scope},
    )
    case(
        f"Required.Scope.{name}.ClearDevices",
        topics,
        description + " With clear_devices.",
        graph="prefixes",
        options={"export_scope": scope, "clear_devices": True},
    )

for scope, name, description in [
    ("a", "NestedOuter", "Scope a keeps a/x, a/b/x, a/b/c/x and a/b_1/x, stripped of a/."),
    ("a/b", "NestedInner", "Scope a/b keeps a/b/x and a/b/c/x, and also a/b_1/x, unstripped."),
    ("a/b/", "NestedInnerSlash", "Scope a/b/ keeps a/b/x and a/b/c/x only."),
    ("a/b/c", "NestedDeepest", "Scope a/b/c: one node, its inputs unbound."),
]:
    case(
        f"Required.Scope.{name}",
        ("scope.include_prefix", "scope.strip", "scope.nested"),
        description,
        graph="nested_scopes",
        options={"export_scope": scope},
    )

for scope, name, description in [
    (
        "a.b",
        "RegexDot",
        "Scope a.b is a regular expression when stripping: a.b/y is stripped; "
        "aXb/y is not selected (prefix test).",
    ),
    ("a", "RegexPrefix", "Scope a selects a.b/*, aXb/*, a-b/*, a.b.c/*; strips none (no a/)."),
    ("a.b.c", "RegexDots", "Scope a.b.c selects and strips a.b.c/y."),
    ("a-b", "Hyphen", "Scope a-b selects and strips a-b/y."),
    ("aXb", "RegexMatchedLiterally", "Scope aXb selects aXb/y and strips it."),
]:
    case(
        f"Required.Scope.{name}",
        ("scope.include_prefix", "scope.strip_regex"),
        description,
        graph="regex_scopes",
        options={"export_scope": scope},
    )

case(
    "Required.Scope.RegexDotStripsOtherScope",
    ("scope.strip_regex",),
    "Scope a.b strips aXb/ from names it selects by prefix: with graph_def given, an "
    "input aXb/y of a node in a.b is unbound, not stripped.",
    graph="regex_scopes",
    options={"export_scope": "a.b", "clear_devices": True},
    graph_def=with_shapes,
    graph_def_name="with_shapes",
)
case(
    "Recommended.Scope.InvalidRegexWithoutVariables",
    ("scope.non_portable",),
    "Scope a( (not portable) selects nothing; with Python's semantics no regular "
    "expression is compiled without a variables collection, and the export succeeds.",
    graph="small",
    options={"export_scope": "a("},
)
case(
    "Required.Scope.InvalidRegexWithVariables",
    ("scope.invalid_regex",),
    "Scope a( with a variables collection: the scope is compiled as a regular expression "
    "and the export fails.",
    graph="variables",
    options={"export_scope": "a("},
)
case(
    "Required.Scope.InvalidRegexBracket",
    ("scope.invalid_regex",),
    "Scope a[ with a variables collection fails likewise.",
    graph="variables",
    options={"export_scope": "a["},
)
case(
    "Required.Scope.LibraryUnfiltered",
    ("scope.library_untouched",),
    "Functions are exported whole under any scope, bodies unchanged.",
    graph="functions",
    options={"export_scope": "f"},
)
case(
    "Required.Scope.Colocation",
    ("scope.class_attr",),
    "_class entries inside the scope are stripped; those outside are dropped.",
    graph="boundary",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ColocationAllOutside",
    ("scope.class_attr",),
    "A _class whose entries all leave the scope stays, as an empty list.",
    graph="colocation_only_outside",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ColocationWithoutScope",
    ("scope.class_attr",),
    "Without a scope, _class is copied unchanged.",
    graph="boundary",
    options={"clear_devices": True},
)
case(
    "Required.Scope.ClassWithoutAt",
    ("scope.class_without_at",),
    "A _class entry without '@' under a scope cannot be exported.",
    graph="class_without_at",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassWithoutAtNoScope",
    ("scope.class_attr",),
    "A _class entry without '@' and no scope is copied unchanged.",
    graph="class_without_at",
    options={"clear_devices": True},
)
case(
    "Required.Scope.EnterFrameName",
    ("scope.frame_name",),
    "Enter nodes' frame_name is stripped of the scope.",
    graph="control_flow_v1",
    options={"export_scope": "m"},
)
case(
    "Required.Scope.EnterFrameOutside",
    ("scope.frame_outside",),
    "An Enter node inside the scope whose frame_name is not: the export fails.",
    graph="control_flow_v1",
    options={"export_scope": "m/while/E"},
)
case(
    "Required.Scope.BasicGraph",
    ("scope.include_prefix", "scope.strip", "scope.class_attr"),
    "The basic graph under scope s: devices, colocation, control inputs.",
    graph="basic",
    options={"export_scope": "s"},
)
case(
    "Required.Scope.BasicGraphInner",
    ("scope.include_prefix", "scope.nested"),
    "The basic graph under scope s/inner.",
    graph="basic",
    options={"export_scope": "s/inner"},
)

# Scopes: portable escapes, characters, prepend, node rewriting.

case(
    "Required.Scope.Backslash",
    ("scope.strip_regex", "scope.include_prefix"),
    "Scope a\\.b (a portable escape) selects a\\.b/x by prefix, but as a regular expression "
    "it means a.b: a\\.b/x is left unstripped.",
    graph="odd_scopes",
    options={"export_scope": "a\\.b"},
)
case(
    "Required.Scope.Greater",
    ("scope.strip_regex", "scope.strip"),
    "Scope a>b: > is a literal.",
    graph="odd_scopes",
    options={"export_scope": "a>b"},
)
case(
    "Required.Scope.LeadingDigits",
    ("scope.strip", "scope.include_prefix"),
    "Scope 0abc selects and strips 0abc/x (strip is unaffected by digits).",
    graph="odd_scopes",
    options={"export_scope": "0abc"},
)
case(
    "Recommended.Scope.NonPortableEscape",
    ("scope.non_portable",),
    "Scope a\\d (not portable): with Python's semantics \\d is a digit class; a\\d/x is "
    "selected by prefix and left unstripped.",
    graph="odd_scopes",
    options={"export_scope": "a\\d"},
)
case(
    "Required.Scope.UnboundNamedNode",
    ("scope.unbound_named_node",),
    "A node named $unbound_inputs_x is exported whatever the scope.",
    graph_def=graph_def_from_text(
        'node { name: "$unbound_inputs_x" op: "NoOp" } node { name: "m/y" op: "NoOp" '
        'input: "^$unbound_inputs_x" } node { name: "o" op: "NoOp" }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.UnboundNamedNodeInvalidScope",
    ("scope.unbound_named_node", "scope.invalid_regex"),
    "Scope a( and a node named $unbound_inputs_x: its name must be stripped, which fails "
    "(or the scope is rejected).",
    graph_def=graph_def_from_text('node { name: "$unbound_inputs_x" op: "NoOp" }'),
    pass_graph=False,
    options={"export_scope": "a("},
)
case(
    "Required.Scope.ClassEntries",
    ("scope.class_attr",),
    "_class entries under scope m: loc:@m/b, loc:@other/c, loc:@m_x/d, loc:@m/b@zz.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/b" s: "loc:@other/c" s: "loc:@m_x/d" s: "loc:@m/b@zz" } } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassNotUtf8",
    ("scope.not_utf8",),
    "A _class entry that is not UTF-8, under a scope: an invalid argument.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/\\377" } } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.ClassNotUtf8NoScope",
    ("scope.not_utf8", "scope.class_attr"),
    "The same without a scope: nothing is decoded, the entry is copied.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" attr { key: "_class" value { list { '
        's: "loc:@m/\\377" } } } }'
    ),
    pass_graph=False,
    options={"clear_devices": True},
)
case(
    "Required.Scope.FrameNameNotUtf8",
    ("scope.not_utf8", "scope.frame_name"),
    "An Enter node's frame_name that is not UTF-8, under a scope: an invalid argument.",
    graph_def=graph_def_from_text(
        'node { name: "m/e" op: "Enter" attr { key: "frame_name" value { s: "m/\\377" } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.FrameNameOtherOps",
    ("scope.frame_name", "scope.node_rewrite"),
    "frame_name of an op other than Enter/RefEnter is copied; RefEnter's is stripped; "
    "other fields (experimental_debug_info, experimental_type) are copied.",
    graph_def=graph_def_from_text(
        'node { name: "m/a" op: "NoOp" attr { key: "frame_name" value { s: "m/f" } } '
        '  experimental_debug_info { original_node_names: "m/orig" } '
        "  experimental_type { type_id: TFT_PRODUCT } }"
        'node { name: "m/r" op: "RefEnter" attr { key: "frame_name" value { s: "m/f" } } }'
        'node { name: "m/e" op: "Enter" attr { key: "frame_name" value { s: "m/g" } '
        '  } attr { key: "T" value { type: DT_FLOAT } } }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
case(
    "Required.Scope.InputForms",
    ("unbound.rewrite",),
    "Inputs ^^o, m//z and an input naming the scope itself.",
    graph_def=graph_def_from_text(
        'node { name: "m/n" op: "NoOp" input: "^^o" input: "m//z" input: "m" input: "^m" '
        'input: "x^m/y" }'
    ),
    pass_graph=False,
    options={"export_scope": "m"},
)
