"""The cases in conformance/cases/errors/ (their IDs: <level>.Errors.<name>).

The error categories: malformed input, wrong types, graphs too large.
"""

from __future__ import annotations

from ..recipes import NO_OP_DEFS, Area, op_def

AREA = Area("Errors")
case = AREA.case

# Malformed input and limits.

_MALFORMED = [
    ("Truncated", b"\x3a\x05ab", "A length-delimited field that ends early."),
    ("TruncatedVarint", b"\x48\xff", "A varint that ends early."),
    ("InvalidWireType", b"\x4e", "Wire type 6 does not exist."),
    ("FieldZero", b"\x00\x01", "Field number 0 is invalid."),
    ("StrayEndGroup", b"\x4c", "An end-group tag without a group."),
    ("FilenameNotUtf8", b"\x0a\x01\xff", "A string field (filename) that is not UTF-8."),
    ("ScopeNotUtf8", b"\x42\x02\xff\xfe", "export_scope that is not UTF-8."),
    ("GraphGarbage", b"\x3a\x03\xff\xff\xff", "A graph snapshot that is not a message."),
    (
        "NestedNotUtf8",
        b"\x3a\x07\x0a\x05\x0a\x03\x0a\x01\xff",
        "A node name deep inside the graph that is not UTF-8.",
    ),
    ("GraphDefTruncated", b"\x1a\x04\x0a\x10\x0a\x01", "A graph_def that ends inside a node."),
]
for name, data, description in _MALFORMED:
    case(
        f"Required.Errors.Malformed.{name}",
        ("errors.malformed",),
        description,
        raw_arguments=data,
        expect_error="MALFORMED_INPUT",
    )
case(
    "Required.Errors.NoGraph",
    ("errors.no_graph",),
    "Neither a graph nor a graph_def: nothing to export.",
    expect_error="INVALID_ARGUMENT",
    deliberate="TensorFlow exports its default graph (spec: deliberate difference 2)",
)
case(
    "Required.Errors.TooLarge",
    ("errors.too_large",),
    "A graph over 2 GiB (three constants of 768 MiB) with clear_devices: too large.",
    synthesized=(3, 768 << 20),
    options={"clear_devices": True},
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
)

# Wrong types, as far as the encoding can express them: a message of another
# type in a field. Most such bytes still parse (protobuf cannot tell); these
# do not, and are malformed input.


def _wrong_type(field_number: int, text: str, message_type: str) -> bytes:
    from google.protobuf import text_format
    from metagraph_export.tf.graph_pb2 import GraphDef
    from metagraph_export.tf.saver_pb2 import SaverDef
    from metagraph_export_conformance.backends.grpc import export_request_bytes

    cls = {"GraphDef": GraphDef, "SaverDef": SaverDef}[message_type]
    payload = text_format.Parse(text, cls()).SerializeToString(deterministic=True)
    # export_request_bytes frames field 1; reuse it for any field number.
    return bytes([field_number << 3 | 2]) + export_request_bytes(payload)[1:]


_GRAPH_DEF_TEXT = 'node { name: "a" op: "NoOp" } versions { producer: 5 }'
_SAVER_DEF_TEXT = 'filename_tensor_name: "save/Const:0" version: V2'
for name, number, text, type_name, description in [
    (
        "GraphDefAsGraph",
        7,
        _GRAPH_DEF_TEXT,
        "GraphDef",
        "A GraphDef where the graph snapshot belongs.",
    ),
    (
        "SaverDefAsGraphDef",
        3,
        _SAVER_DEF_TEXT,
        "SaverDef",
        "A SaverDef where the graph_def belongs.",
    ),
    (
        "SaverDefAsGraph",
        7,
        _SAVER_DEF_TEXT,
        "SaverDef",
        "A SaverDef where the graph snapshot belongs.",
    ),
]:
    case(
        f"Required.Errors.WrongType.{name}",
        ("errors.malformed",),
        description + " The bytes are not a valid encoding of the arguments.",
        raw_arguments=_wrong_type(number, text, type_name),
        expect_error="MALFORMED_INPUT",
    )

# The size limit.

case(
    "Required.Errors.TooLargePrecedence",
    ("errors.too_large_precedence", "oplist.custom_op_errors"),
    "A graph over 2 GiB and an invalid custom op: the earlier error wins.",
    synthesized=(3, 768 << 20),
    options={"clear_devices": True},
    op_defs=lambda: [op_def('name: ""')],
    expect_error="INVALID_ARGUMENT",
    tags=("slow", "synthesized"),
    deliberate=NO_OP_DEFS,
)
# Two constants of this size make a snapshot (and its GraphDef) just under
# 2 GiB, and a MetaGraphDef of 2^31 + 69 bytes with the meta info and shapes.
_JUST_UNDER = (2**31 - 250) // 2
case(
    "Required.Errors.TooLargeByMetaInfo",
    ("errors.too_large",),
    "Two constants make a graph just under 2 GiB; with _output_shapes and the meta info the "
    "MetaGraphDef reaches 2^31 bytes: too large.",
    synthesized=(2, _JUST_UNDER),
    options={"clear_devices": True},
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
    deliberate="TensorFlow sums only the original nodes, which stay under 2 GiB "
    "(spec: deliberate difference 6)",
)
case(
    "Required.Errors.TooLargeDirectPath",
    ("errors.too_large",),
    "A graph over 2 GiB on the direct path (no option): too large as well.",
    synthesized=(3, 768 << 20),
    expect_error="GRAPH_TOO_LARGE",
    tags=("slow", "synthesized"),
    deliberate="TensorFlow checks the size only on the rewriting path "
    "(spec: deliberate difference 6)",
)
