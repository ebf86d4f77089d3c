"""The cases in conformance/cases/metainfo/ (their IDs: <level>.MetaInfo.<name>).

The meta_info_def: given, completed and versioned.
"""

from __future__ import annotations

from ..recipes import Area, meta_info_from_text

AREA = Area("MetaInfo")
case = AREA.case

# meta_info_def.

_INFO = (
    'meta_graph_version: "v7" tags: "serve" tags: "train" '
    'tensorflow_version: "0.0.1" tensorflow_git_version: "old" '
    "any_info { [type.googleapis.com/tensorflow.SaverDef] { max_to_keep: 2 } } "
    'function_aliases { key: "alias" value: "fn" }'
)
case(
    "Required.MetaInfo.Given",
    ("meta_info.given", "meta_info.versions"),
    "Every field of a given meta_info_def kept, versions replaced.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
)
case(
    "Required.MetaInfo.GivenText",
    ("meta_info.given", "files.text", "text.format"),
    "The same written as text: Any expanded.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
    options={"filename": "info.pbtxt", "as_text": True},
)
case(
    "Required.MetaInfo.GivenScoped",
    ("meta_info.given",),
    "With a scope and clear_devices.",
    graph="small",
    meta_info_def=meta_info_from_text(_INFO),
    options={"export_scope": "s", "clear_devices": True},
)
case(
    "Required.MetaInfo.Empty",
    ("meta_info.given", "meta_info.versions"),
    "An empty meta_info_def: the versions only.",
    graph="small",
    meta_info_def=meta_info_from_text(""),
)
case(
    "Required.MetaInfo.StrippedDefaultAttrsFlag",
    ("strip.defaults", "meta_info.given"),
    "strip_default_attrs sets stripped_default_attrs over a given meta_info_def.",
    graph="small",
    meta_info_def=meta_info_from_text('tags: "t"'),
    options={"strip_default_attrs": True},
)
case(
    "Required.MetaInfo.UnknownAny",
    ("meta_info.given", "files.text"),
    "An Any of an unknown type is written as type_url and value.",
    graph="small",
    meta_info_def=meta_info_from_text(
        'any_info { type_url: "type.googleapis.com/some.Unknown" value: "\\001\\002" }'
    ),
    options={"filename": "info.pbtxt", "as_text": True},
)
