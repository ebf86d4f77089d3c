"""The cases in conformance/cases/text/ (their IDs: <level>.Text.<name>).

Text-format details: escapes, numbers and map order.
"""

from __future__ import annotations

from ..recipes import Area, graph_def_from_text, meta_info_from_text

AREA = Area("Text")
case = AREA.case

# Text format details.

case(
    "Required.Text.Doubles",
    ("text.format", "files.text"),
    "Double values: 1e+16, 1e-05, 5e-324, 0.0001, 123456789.0, -0.0, nan, inf.",
    graph="numbers",
    options={"filename": "n.pbtxt", "as_text": True, "collection_list": ["plain_floats"]},
)
case(
    "Required.Text.DoublesBinary",
    ("files.binary",),
    "The same in binary.",
    graph="numbers",
    options={"filename": "n.pb", "collection_list": ["plain_floats"]},
)
case(
    "Required.Text.Strings",
    ("text.format", "files.text"),
    "String fields with control characters, quotes, backslashes and non-ASCII text; "
    "bytes fields with every kind of byte.",
    graph="strings_and_bytes",
    meta_info_def=meta_info_from_text(
        'meta_graph_version: "a\\nb\\r\\t\\"\\\'\\\\\\001\\177 é ß" tags: "tag with space"'
    ),
    options={"filename": "s.pbtxt", "as_text": True},
)
case(
    "Required.Text.EnumsAndEmptyKeys",
    ("text.enums", "files.text"),
    "An unknown DataType value prints as a number; an attribute with an empty key.",
    graph_def=graph_def_from_text(
        'node { name: "n" op: "NoOp" attr { key: "" value { } } '
        'attr { key: "t" value { type: 999 } } attr { key: "i" value { i: 0 } } }'
    ),
    pass_graph=False,
    options={"filename": "e.pbtxt", "as_text": True},
)
case(
    "Required.Text.EnumsAndEmptyKeysBinary",
    ("files.binary",),
    "The same in binary: oneof members at their default are written.",
    graph_def=graph_def_from_text(
        'node { name: "n" op: "NoOp" attr { key: "" value { } } '
        'attr { key: "t" value { type: 999 } } attr { key: "i" value { i: 0 } } }'
    ),
    pass_graph=False,
    options={"filename": "e.pb"},
)
case(
    "Required.Text.AnyInvalid",
    ("text.any_invalid",),
    "An Any of a known type whose value does not decode cannot be written as text (given "
    "as bytes: text format cannot carry such an Any either).",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { type_url: "type.googleapis.com/tensorflow.SaverDef" value: "\\377\\377" }'
    ),
    options={"filename": "a.pbtxt", "as_text": True},
    raw_transform=lambda arguments: arguments.SerializeToString(deterministic=True),
)
case(
    "Required.Text.AnyKnownTypes",
    ("text.any",),
    "Any values of known types (tensorflow.*) are expanded, with any type URL prefix; "
    "others are printed as type_url and value.",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { [example.com/tensorflow.VariableDef] { variable_name: "v" } }'
    ),
    options={"filename": "k.pbtxt", "as_text": True},
)
