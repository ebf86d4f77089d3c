"""The cases in conformance/cases/strip/ (their IDs: <level>.Strip.<name>).

The strip_default_attrs option: defaults, attribute and tensor equality.
"""

from __future__ import annotations

from ..recipes import Area, graph_def_from_text, op_def

AREA = Area("Strip")
case = AREA.case

# strip_default_attrs.

case(
    "Required.Strip.AttrKinds",
    ("strip.defaults", "strip.equality"),
    "Attributes of every kind at and off their defaults.",
    graph="attr_kinds",
    options={"strip_default_attrs": True},
)
case(
    "Required.Strip.AttrKindsKept",
    ("strip.defaults",),
    "Without strip_default_attrs nothing is stripped.",
    graph="attr_kinds",
)
case(
    "Required.Strip.AttrKindsRewritten",
    ("strip.defaults", "strip.equality"),
    "The same with clear_devices.",
    graph="attr_kinds",
    options={"strip_default_attrs": True, "clear_devices": True},
)
case(
    "Required.Strip.DefaultAttrsGraph",
    ("strip.defaults", "strip.equality"),
    "Conv2D, LeakyRelu, ImageSummary tensors, PlaceholderWithDefault shapes.",
    graph="default_attrs",
    options={"strip_default_attrs": True, "clear_devices": True},
)
case(
    "Required.Strip.AfterOpList",
    ("strip.after_oplist",),
    "The op list keeps default values; stripping comes after it.",
    graph="default_attrs",
    options={"strip_default_attrs": True, "export_scope": "conv"},
)
case(
    "Required.Strip.EqualitySemantics",
    ("strip.equality",),
    "Tensor defaults compared by value: a bad_color of four explicit values equals the "
    "default; a longer one does not.",
    graph_def=graph_def_from_text("""
node { name: "img" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } }
node { name: "same" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 255 int_val: 0 int_val: 0 int_val: 255 } } }
  attr { key: "max_images" value { i: 3 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "content" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    tensor_content: "\\377\\000\\000\\377" } } } }
node { name: "repeat" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 255 int_val: 0 } } } }
node { name: "other" op: "ImageSummary" input: "img" input: "img"
  attr { key: "bad_color" value { tensor { dtype: DT_UINT8 tensor_shape { dim { size: 4 } }
    int_val: 0 } } } attr { key: "max_images" value { i: 4 } } }
node { name: "shape_default" op: "PlaceholderWithDefault" input: "img"
  attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { } } } }
node { name: "unknown_rank" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
  attr { key: "shape" value { shape { unknown_rank: true } } } }
node { name: "list_default" op: "Squeeze" input: "img"
  attr { key: "squeeze_dims" value { list { } } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "list_other" op: "Squeeze" input: "img"
  attr { key: "squeeze_dims" value { list { i: 0 } } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "func_call" op: "PartitionedCall"
  attr { key: "f" value { func { name: "fn" } } }
  attr { key: "config" value { s: "" } } attr { key: "config_proto" value { s: "" } }
  attr { key: "executor_type" value { s: "" } } }
node { name: "type_default" op: "ArgMax" input: "img" input: "img"
  attr { key: "output_type" value { type: DT_INT64 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "float_default" op: "LeakyRelu" input: "img"
  attr { key: "alpha" value { f: 0.2 } } attr { key: "T" value { type: DT_FLOAT } } }
node { name: "bool_default" op: "MatMul" input: "img" input: "img"
  attr { key: "transpose_a" value { b: false } } attr { key: "transpose_b" value { b: true } } }
library { function { signature { name: "fn" } node_def { name: "n" op: "NoOp" } } }
"""),
    pass_graph=False,
    options={"strip_default_attrs": True},
)

_TENSOR_OP = """
name: "TensorDefaults"
attr { name: "f32" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 3 } } float_val: 1 } } }
attr { name: "f64" type: "tensor" default_value { tensor { dtype: DT_DOUBLE
  tensor_shape { } double_val: 0 } } }
attr { name: "u8" type: "tensor" default_value { tensor { dtype: DT_UINT8
  tensor_shape { dim { size: 2 } } int_val: 1 int_val: 2 } } }
attr { name: "i8" type: "tensor" default_value { tensor { dtype: DT_INT8
  tensor_shape { dim { size: 1 } } int_val: -1 } } }
attr { name: "i64" type: "tensor" default_value { tensor { dtype: DT_INT64
  tensor_shape { dim { size: 2 } } int64_val: -1 } } }
attr { name: "b" type: "tensor" default_value { tensor { dtype: DT_BOOL
  tensor_shape { dim { size: 2 } } bool_val: true } } }
attr { name: "c64" type: "tensor" default_value { tensor { dtype: DT_COMPLEX64
  tensor_shape { dim { size: 1 } } scomplex_val: 1 scomplex_val: 2 } } }
attr { name: "half" type: "tensor" default_value { tensor { dtype: DT_HALF
  tensor_shape { dim { size: 2 } } half_val: 15360 } } }
attr { name: "str" type: "tensor" default_value { tensor { dtype: DT_STRING
  tensor_shape { dim { size: 2 } } string_val: "ab" } } }
attr { name: "scalarish" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { unknown_rank: true } float_val: 5 } } }
attr { name: "huge" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 4611686018427387904 } dim { size: 4 } } float_val: 1 } } }
attr { name: "empty" type: "tensor" default_value { tensor { dtype: DT_INT32
  tensor_shape { dim { size: 0 } } } } }
attr { name: "u32" type: "tensor" default_value { tensor { dtype: DT_UINT32
  tensor_shape { dim { size: 1 } } uint32_val: 4294967295 } } }
attr { name: "fn" type: "func" default_value { func { name: "g"
  attr { key: "x" value { i: 1 } } attr { key: "y" value { s: "z" } } } } }
attr { name: "ty" type: "type" default_value { type: DT_FLOAT } }
attr { name: "ints" type: "list(int)" default_value { list { } } }
attr { name: "shape" type: "shape" default_value { shape { unknown_rank: true } } }
attr { name: "f32" type: "tensor" default_value { tensor { dtype: DT_FLOAT
  tensor_shape { dim { size: 3 } } float_val: 9 } } }
"""

# Each node sets one attribute; the comment says whether it equals the default.
_TENSOR_NODES = [
    (
        "f32_expanded",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        "float_val: 1 float_val: 1 float_val: 1 }",
    ),  # equal
    (
        "f32_content",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        'tensor_content: "\\000\\000\\200?\\000\\000\\200?\\000\\000\\200?" }',
    ),  # equal
    (
        "f32_two",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } float_val: 1 float_val: 2 }",
    ),  # differs
    (
        "f32_as_double",
        "f32",
        "tensor { dtype: DT_DOUBLE tensor_shape { dim { size: 3 } } double_val: 1 }",
    ),  # differs (size)
    (
        "f32_bad_content",
        "f32",
        "tensor { dtype: DT_FLOAT tensor_shape { dim { size: 3 } } "
        'tensor_content: "\\000\\000\\200?" }',
    ),  # differs (invalid)
    ("f64_zero", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } double_val: 0 }"),  # equal
    ("f64_none", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } }"),  # equal (zeros)
    ("f64_negzero", "f64", "tensor { dtype: DT_DOUBLE tensor_shape { } double_val: -0.0 }"),
    (
        "u8_wrap",
        "u8",
        "tensor { dtype: DT_UINT8 tensor_shape { dim { size: 2 } } int_val: 257 int_val: 2 }",
    ),  # equal (low 8 bits)
    (
        "i8_255",
        "i8",
        "tensor { dtype: DT_INT8 tensor_shape { dim { size: 1 } } int_val: 255 }",
    ),  # equal
    (
        "i64_content",
        "i64",
        "tensor { dtype: DT_INT64 tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\377\\377\\377\\377\\377\\377\\377\\377'
        '\\377\\377\\377\\377\\377\\377\\377\\377" }',
    ),  # equal
    (
        "b_repeat",
        "b",
        "tensor { dtype: DT_BOOL tensor_shape { dim { size: 2 } } bool_val: true bool_val: true }",
    ),  # equal
    (
        "b_false",
        "b",
        "tensor { dtype: DT_BOOL tensor_shape { dim { size: 2 } } bool_val: false }",
    ),  # differs
    (
        "c64_odd",
        "c64",
        "tensor { dtype: DT_COMPLEX64 tensor_shape { dim { size: 1 } } "
        "scomplex_val: 1 scomplex_val: 2 scomplex_val: 3 }",
    ),  # equal (odd last ignored)
    (
        "half_repeat",
        "half",
        "tensor { dtype: DT_HALF tensor_shape { dim { size: 2 } } "
        "half_val: 15360 half_val: 15360 }",
    ),  # equal
    (
        "str_content",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\002\\002abab" }',
    ),  # equal
    (
        "str_other",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'string_val: "ab" string_val: "ac" }',
    ),  # differs
    (
        "str_bad",
        "str",
        "tensor { dtype: DT_STRING tensor_shape { dim { size: 2 } } "
        'tensor_content: "\\002\\002aba" }',
    ),  # differs (invalid)
    (
        "scalarish_same",
        "scalarish",
        "tensor { dtype: DT_FLOAT tensor_shape { unknown_rank: true } float_val: 5 }",
    ),  # equal
    (
        "huge_same",
        "huge",
        "tensor { dtype: DT_FLOAT tensor_shape { "
        "dim { size: 4611686018427387904 } dim { size: 4 } } float_val: 1 }",
    ),  # differs
    (
        "empty_values",
        "empty",
        "tensor { dtype: DT_INT32 tensor_shape { dim { size: 0 } } int_val: 7 }",
    ),  # equal
    (
        "u32_max",
        "u32",
        "tensor { dtype: DT_UINT32 tensor_shape { dim { size: 1 } } uint32_val: 4294967295 }",
    ),  # equal
    (
        "fn_same",
        "fn",
        'func { name: "g" attr { key: "y" value { s: "z" } } attr { key: "x" value { i: 1 } } }',
    ),  # equal
    (
        "fn_other",
        "fn",
        'func { name: "g" attr { key: "x" value { i: 2 } } attr { key: "y" value { s: "z" } } }',
    ),  # differs
    ("ty_same", "ty", "type: DT_FLOAT"),  # equal
    ("ty_other", "ty", "type: DT_INT32"),  # differs
    ("ints_empty", "ints", "list { }"),  # equal
    ("ints_unset", "ints", ""),  # differs: an empty AttrValue is not list {}
    ("shape_same", "shape", "shape { unknown_rank: true }"),  # equal
]
_TENSOR_GRAPH = "\n".join(
    f'node {{ name: "{name}" op: "TensorDefaults" attr {{ key: "{attr}" value {{ {value} }} }} }}'
    for name, attr, value in _TENSOR_NODES
)

case(
    "Required.Strip.TensorEquality",
    ("strip.element_sizes", "strip.equality", "strip.strings", "oplist.custom_ops"),
    "Tensor, func, type, list and shape attributes compared with their defaults: expanded "
    "values, tensor_content, wrapped integers, -0.0, odd complex values, string contents, "
    "unknown rank, oversized shapes, empty tensors (one custom op, first AttrDef wins).",
    graph_def=graph_def_from_text(_TENSOR_GRAPH),
    pass_graph=False,
    op_defs=lambda: [op_def(_TENSOR_OP)],
    options={"strip_default_attrs": True},
)
case(
    "Required.Strip.TensorEqualityKept",
    ("oplist.custom_ops", "strip.defaults"),
    "The same without strip_default_attrs: the custom op is in the op list, nothing stripped.",
    graph_def=graph_def_from_text(_TENSOR_GRAPH),
    pass_graph=False,
    op_defs=lambda: [op_def(_TENSOR_OP)],
)
