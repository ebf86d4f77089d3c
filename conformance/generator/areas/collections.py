"""The cases in conformance/cases/collections/ (their IDs: <level>.Collections.<name>).

Collection items of every kind, their order, the collection list and the
dropped ones.
"""

from __future__ import annotations

from ..recipes import Area

AREA = Area("Collections")
case = AREA.case

# Collections of every kind.

_KINDS = [
    ("ints", "Int64", "Python ints: an int64_list, including the int64 minimum."),
    ("int64_max", "Int64Max", "The int64 maximum."),
    ("floats", "Float", "Floats narrowed to 32 bits: 0.1 rounded, nan, inf, 1e300 as inf."),
    ("float_then_int", "FloatThenInt", "A float first: ints, a bool and a huge int become floats."),
    ("int_then_float", "IntThenFloat", "An int first, then a float: not an int64, dropped."),
    ("bools", "Bools", "Bools are refused by int64_list: dropped."),
    ("strings", "Strings", "Python strs: a bytes_list, UTF-8."),
    ("bytes", "Bytes", "Python bytes, any byte values."),
    ("mixed_text", "MixedText", "str and bytes together: one bytes_list."),
    ("bytes_then_int", "BytesThenInt", "bytes then an int: dropped."),
    ("tensors", "Tensors", "Tensors: a node_list of tensor names."),
    (
        "tensor_then_string",
        "TensorThenString",
        "A tensor then a str: the str has no name, dropped.",
    ),
    ("operations", "Operations", "Operations: a node_list of op names."),
    ("any", "Any", "Any messages: an any_list, known and unknown types."),
    ("object", "Object", "An arbitrary object: dropped."),
    ("dict", "Dict", "A dict: dropped."),
    ("none", "None", "None: dropped."),
    ("big", "BigInt", "An int beyond int64: dropped."),
    ("empty", "Empty", "An empty collection is not exported."),
]
for key, name, description in _KINDS:
    covers = ["collections.kinds", "collections.first_item_kind"]
    if name in (
        "IntThenFloat",
        "Bools",
        "BytesThenInt",
        "TensorThenString",
        "Object",
        "Dict",
        "None",
        "BigInt",
    ):
        covers += ["collections.unserializable", "diagnostics.collection_dropped"]
    if name in ("Float", "FloatThenInt"):
        covers.append("collections.float32")
    if name in ("Int64", "Int64Max", "BigInt", "Bools"):
        covers.append("collections.int_range")
    if name == "Empty":
        covers = ["collections.empty_absent"]
    case(
        f"Required.Collections.Kind.{name}",
        tuple(covers),
        description,
        graph="collections",
        options={"collection_list": [key]},
    )
case(
    "Required.Collections.All",
    (
        "collections.kinds",
        "collections.list_none",
        "collections.non_string_keys",
        "diagnostics.key_not_string",
        "diagnostics.collection_dropped",
    ),
    "Every collection of the graph at once; non-string keys are not exported.",
    graph="collections",
)
case(
    "Required.Collections.AllText",
    ("collections.kinds", "files.text", "text.format"),
    "Every kind written as text: floats, bytes escapes, Any contents.",
    graph="collections",
    options={"filename": "c.pbtxt", "as_text": True},
)
case(
    "Required.Collections.AllBinary",
    ("collections.kinds", "files.binary"),
    "Every kind written as binary.",
    graph="collections",
    options={"filename": "c.pb"},
)
case(
    "Required.Collections.AllScoped",
    ("collections.scope_filter_strings", "collections.scope_nodes_stripped"),
    "Every kind under scope s.",
    graph="collections",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.ListNone",
    ("collections.list_none",),
    "collection_list None: every string-keyed collection.",
    graph="small",
)
case(
    "Required.Collections.ListEmpty",
    ("collections.list_empty",),
    "collection_list []: no collection.",
    graph="collections",
    options={"collection_list": []},
)
case(
    "Required.Collections.ListUnknownKeys",
    ("collections.list_unknown_key",),
    "Keys the graph does not have are ignored, each with a warning.",
    graph="small",
    options={"collection_list": ["no_such_key", "notes", "another_missing"]},
)
case(
    "Required.Collections.ListDuplicates",
    ("collections.list_duplicates",),
    "A key listed twice is exported twice over: its values appended again.",
    graph="collections",
    options={"collection_list": ["ints", "ints", "strings"]},
)
case(
    "Required.Collections.ListDuplicateTyped",
    ("collections.list_duplicates", "typed.variables"),
    "A typed collection listed twice: its items twice.",
    graph="variable_kinds",
    options={"collection_list": ["variables", "variables"]},
)
case(
    "Required.Collections.ListNonStringKeyOnly",
    ("collections.list_unknown_key",),
    "Listing keys none of the collections has (the graph's keys are not strings).",
    graph="collections",
    options={"collection_list": ["7", "bytes_key"]},
)
case(
    "Required.Collections.KeyOrder",
    ("collections.key_order",),
    "Collections keyed zeta, alpha, mid, beta: the map is written sorted.",
    graph="collection_order",
    options={"filename": "order.meta"},
)
case(
    "Required.Collections.KeyOrderText",
    ("collections.key_order", "files.text"),
    "The same as text.",
    graph="collection_order",
    options={"filename": "order.pbtxt", "as_text": True},
)
case(
    "Required.Collections.ScopedStrings",
    ("collections.scope_filter_strings", "collections.bytes_unfiltered"),
    "Under scope s: str items filtered by prefix but not stripped, bytes not filtered.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["text"]},
)
case(
    "Required.Collections.ScopedNodes",
    ("collections.scope_nodes_stripped",),
    "Under scope s: node items filtered by prefix (sz/z too) and stripped.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["nodes"]},
)
case(
    "Required.Collections.ScopedNodesThenString",
    ("collections.first_item_kind", "collections.unserializable"),
    "A node then a str under a scope: dropped.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["nodes_then_string"]},
)
case(
    "Required.Collections.ScopedNumbers",
    ("collections.scope_filter_strings",),
    "Numbers have no name: always kept under a scope.",
    graph="scoped_items",
    options={"export_scope": "s", "collection_list": ["numbers"]},
)
case(
    "Required.Collections.ScopedAll",
    ("collections.scope_filter_strings", "collections.scope_nodes_stripped"),
    "Every collection of scoped_items under scope s.",
    graph="scoped_items",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.PrefixNodes",
    ("collections.scope_nodes_stripped", "scope.include_prefix"),
    "Node items under scope s: s/x, s_1/x, sab/x kept, only s/x stripped.",
    graph="prefixes",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.BasicScoped",
    ("collections.scope_nodes_stripped",),
    "Tensor and op collections of the basic graph under scope s.",
    graph="basic",
    options={"export_scope": "s", "collection_list": ["tensors", "ops"]},
)
case(
    "Required.Collections.Unicode",
    ("collections.kinds", "text.format"),
    "A key and a value with non-ASCII characters.",
    graph="strings_and_bytes",
    options={"filename": "u.pbtxt", "as_text": True},
)
case(
    "Required.Collections.UnicodeBinary",
    ("collections.kinds", "files.binary"),
    "The same in binary.",
    graph="strings_and_bytes",
    options={"filename": "u.pb"},
)

# Collections: named objects, empty entries, floats, numpy, map order.

case(
    "Required.Collections.UnboundNamedItem",
    ("collections.empty_entry",),
    "Under scope s an item named $unbound_inputs_x passes the inclusion test but is not "
    "added to the node_list: the entry stays empty.",
    graph="named_items",
    options={"export_scope": "s", "collection_list": ["unbound_named"]},
)
case(
    "Required.Collections.NamedObjects",
    ("collections.kinds", "snapshot.capture"),
    "Plain objects with a name: a node_list, filtered and stripped under scope s.",
    graph="named_items",
    options={"export_scope": "s"},
)
case(
    "Required.Collections.NamedObjectsUnscoped",
    ("collections.kinds",),
    "The same without a scope.",
    graph="named_items",
)
case(
    "Recommended.Collections.StripFails",
    ("collections.strip_fails",),
    "Scope a( (not portable) and an item named a(x: stripping it fails, the collection is dropped.",
    graph="named_items",
    options={"export_scope": "a(", "collection_list": ["regex_named"]},
)
case(
    "Required.Collections.FloatThenHugeInt",
    ("collections.float32", "diagnostics.collection_dropped"),
    "An integer of 2^1100 after a float does not fit a double: dropped.",
    graph="numbers",
    options={"collection_list": ["float_then_huge"]},
)
case(
    "Required.Collections.FloatThenBool",
    ("collections.float32",),
    "A bool after a float becomes 0.0.",
    graph="numbers",
    options={"collection_list": ["float_then_bool", "plain_floats"]},
)
case(
    "Required.Collections.NumpyAfterFloat",
    ("snapshot.capture", "collections.unserializable", "diagnostics.collection_dropped"),
    "numpy.float32 after a float: unserializable in a snapshot, so the collection is dropped.",
    graph="numbers",
    options={"collection_list": ["float_then_numpy"]},
    hide=("float_then_numpy",),
    deliberate="TensorFlow's protobuf runtime converts numpy.float32 after a float "
    "(spec: deliberate difference 8)",
)
case(
    "Required.Collections.MapOrderBinary",
    ("collections.key_order", "files.binary"),
    "Keys a, ab, abc, b and keys with control characters, written in binary: a key that is "
    "a prefix of another comes after it.",
    graph="map_order",
    options={"filename": "m.pb"},
)
case(
    "Required.Collections.MapOrderText",
    ("collections.key_order", "files.text", "text.format"),
    "The same as text: keys in code point order, escaped.",
    graph="map_order",
    options={"filename": "m.pbtxt", "as_text": True},
)
