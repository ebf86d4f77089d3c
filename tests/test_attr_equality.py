"""Attribute equality as TensorFlow's ``AreAttrValuesEqual`` defines it (EXP-STRIP).

``strip_default_attrs`` removes an attribute when it equals the op's default by
this definition, so it decides what every stripped MetaGraphDef contains. The
unit tests below pin the rules; the differential tests at the end compare with
TensorFlow 2.21's own C++ implementation (``EqualAttrValueWrapper``) and run
only in the TensorFlow environment.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metagraph_export._attrs import attr_values_equal, tensors_equal
from metagraph_export.tf.attr_value_pb2 import AttrValue, NameAttrList
from metagraph_export.tf.tensor_pb2 import TensorProto
from metagraph_export.tf.tensor_shape_pb2 import TensorShapeProto
from metagraph_export.tf.types_pb2 import (
    DT_BFLOAT16,
    DT_BOOL,
    DT_COMPLEX64,
    DT_COMPLEX128,
    DT_DOUBLE,
    DT_FLOAT,
    DT_FLOAT8_E4M3FN,
    DT_FLOAT_REF,
    DT_HALF,
    DT_INT4,
    DT_INT8,
    DT_INT16,
    DT_INT32,
    DT_INT64,
    DT_INVALID,
    DT_QINT8,
    DT_RESOURCE,
    DT_STRING,
    DT_UINT8,
    DT_UINT16,
    DT_UINT32,
    DT_UINT64,
    DataType,
)


def shape(*dims: int, unknown_rank: bool = False) -> TensorShapeProto:
    proto = TensorShapeProto(unknown_rank=unknown_rank)
    for size in dims:
        proto.dim.add(size=size)
    return proto


def tensor(dtype: int, dims: Sequence[int] = (), **fields: Any) -> TensorProto:
    proto = TensorProto(tensor_shape=shape(*dims))
    proto.dtype = DataType.ValueType(dtype)
    for name, value in fields.items():
        if name in ("tensor_content", "float8_val", "version_number"):
            setattr(proto, name, value)
        else:
            getattr(proto, name).extend(value)
    return proto


def attr(value: TensorProto) -> AttrValue:
    return AttrValue(tensor=value)


def string_list(*items: bytes) -> bytes:
    """TensorFlow's EncodeStringList: the varint lengths, then the bytes."""
    lengths = bytearray()
    for item in items:
        size = len(item)
        while True:
            byte = size & 0x7F
            size >>= 7
            lengths.append(byte | (0x80 if size else 0))
            if not size:
                break
    return bytes(lengths) + b"".join(items)


# --- AttrValue kinds -------------------------------------------------------------


def test_type_values_compare_by_type_alone() -> None:
    assert attr_values_equal(AttrValue(type=DT_FLOAT), AttrValue(type=DT_FLOAT))
    assert not attr_values_equal(AttrValue(type=DT_FLOAT), AttrValue(type=DT_INT32))
    assert not attr_values_equal(AttrValue(type=DT_FLOAT), AttrValue(s=b"DT_FLOAT"))


def test_explicit_invalid_type_differs_from_an_empty_value() -> None:
    """``type: DT_INVALID`` set in the oneof is encoded, so it is not an empty value."""
    assert attr_values_equal(AttrValue(type=DT_INVALID), AttrValue(type=DT_INVALID))
    assert not attr_values_equal(AttrValue(type=DT_INVALID), AttrValue())


def test_scalar_values_compare_by_encoding() -> None:
    assert attr_values_equal(AttrValue(s=b"NHWC"), AttrValue(s=b"NHWC"))
    assert not attr_values_equal(AttrValue(s=b"NHWC"), AttrValue(s=b"NCHW"))
    assert attr_values_equal(AttrValue(f=0.2), AttrValue(f=0.2))
    assert not attr_values_equal(AttrValue(f=0.0), AttrValue(f=-0.0))
    assert not attr_values_equal(AttrValue(i=0), AttrValue(b=False))
    assert not attr_values_equal(AttrValue(i=0), AttrValue())


def test_shape_values_compare_by_encoding() -> None:
    assert attr_values_equal(AttrValue(shape=shape(2, 3)), AttrValue(shape=shape(2, 3)))
    assert not attr_values_equal(AttrValue(shape=shape(2, 3)), AttrValue(shape=shape(3, 2)))
    assert not attr_values_equal(
        AttrValue(shape=shape(unknown_rank=True)), AttrValue(shape=shape())
    )


def test_lists_compare_by_encoding_even_when_they_hold_tensors() -> None:
    """Only a top-level tensor is canonicalized; tensors in a list are compared
    as encoded, as TensorFlow does."""
    one = AttrValue(list=AttrValue.ListValue(i=[1, 1, 1, 1]))
    assert attr_values_equal(one, AttrValue(list=AttrValue.ListValue(i=[1, 1, 1, 1])))
    assert not attr_values_equal(one, AttrValue(list=AttrValue.ListValue(i=[1, 1, 1])))
    short = tensor(DT_FLOAT, [3], float_val=[1.0])
    full = tensor(DT_FLOAT, [3], float_val=[1.0, 1.0, 1.0])
    assert tensors_equal(short, full)
    assert not attr_values_equal(
        AttrValue(list=AttrValue.ListValue(tensor=[short])),
        AttrValue(list=AttrValue.ListValue(tensor=[full])),
    )


def _func(name: str, entries: Sequence[tuple[str, AttrValue]]) -> AttrValue:
    value = AttrValue(func=NameAttrList(name=name))
    for key, item in entries:
        value.func.attr[key].CopyFrom(item)
    return value


def test_func_attr_maps_compare_in_any_order() -> None:
    entries = [("T", AttrValue(type=DT_FLOAT)), ("k", AttrValue(i=3)), ("s", AttrValue(s=b"x"))]
    assert attr_values_equal(_func("f", entries), _func("f", list(reversed(entries))))


def test_func_attrs_compare_recursively_with_tensor_canonicalization() -> None:
    a = _func("f", [("v", attr(tensor(DT_INT32, [3], int_val=[7])))])
    b = _func("f", [("v", attr(tensor(DT_INT32, [3], int_val=[7, 7, 7])))])
    assert attr_values_equal(a, b)
    nested_a = _func("outer", [("inner", a)])
    nested_b = _func("outer", [("inner", b)])
    assert attr_values_equal(nested_a, nested_b)


def test_func_differs_by_name_or_key_set() -> None:
    base = _func("f", [("k", AttrValue(i=1))])
    assert not attr_values_equal(base, _func("g", [("k", AttrValue(i=1))]))
    assert not attr_values_equal(base, _func("f", [("k", AttrValue(i=2))]))
    assert not attr_values_equal(base, _func("f", [("k", AttrValue(i=1)), ("j", AttrValue())]))
    assert not attr_values_equal(base, _func("f", []))
    assert not attr_values_equal(base, AttrValue(s=b"f"))


def test_tensor_against_a_non_tensor_value() -> None:
    assert not attr_values_equal(attr(tensor(DT_FLOAT, [])), AttrValue(f=0.0))
    assert not attr_values_equal(AttrValue(), attr(tensor(DT_FLOAT, [])))


# --- Tensor canonicalization -----------------------------------------------------


def test_last_value_is_repeated_to_fill_the_shape() -> None:
    assert tensors_equal(
        tensor(DT_FLOAT, [3], float_val=[1.5]), tensor(DT_FLOAT, [3], float_val=[1.5] * 3)
    )
    assert tensors_equal(
        tensor(DT_INT64, [2, 2], int64_val=[1, 2]), tensor(DT_INT64, [2, 2], int64_val=[1, 2, 2, 2])
    )
    assert not tensors_equal(
        tensor(DT_INT64, [2, 2], int64_val=[1, 2]), tensor(DT_INT64, [2, 2], int64_val=[1, 2, 1, 2])
    )


def test_extra_values_beyond_the_shape_are_ignored() -> None:
    assert tensors_equal(
        tensor(DT_INT32, [2], int_val=[4, 5, 6]), tensor(DT_INT32, [2], int_val=[4, 5])
    )


def test_missing_values_are_zero() -> None:
    assert tensors_equal(tensor(DT_FLOAT, [4]), tensor(DT_FLOAT, [4], float_val=[0.0]))
    assert tensors_equal(tensor(DT_BOOL, [2]), tensor(DT_BOOL, [2], bool_val=[False, False]))
    assert tensors_equal(tensor(DT_STRING, [2]), tensor(DT_STRING, [2], string_val=[b""]))
    assert not tensors_equal(tensor(DT_FLOAT, [4]), tensor(DT_FLOAT, [4], float_val=[-0.0]))


def test_values_of_another_field_are_not_read() -> None:
    assert tensors_equal(tensor(DT_FLOAT, [2], int_val=[5]), tensor(DT_FLOAT, [2]))


def test_tensor_content_equals_typed_values() -> None:
    content = struct.pack("<3f", 1.0, 2.0, 3.0)
    assert tensors_equal(
        tensor(DT_FLOAT, [3], tensor_content=content),
        tensor(DT_FLOAT, [3], float_val=[1.0, 2.0, 3.0]),
    )
    assert tensors_equal(
        tensor(DT_UINT8, [4], tensor_content=bytes([255, 0, 0, 255])),
        tensor(DT_UINT8, [4], int_val=[255, 0, 0, 255]),
    )
    assert tensors_equal(
        tensor(DT_UINT64, [1], tensor_content=struct.pack("<Q", 2**64 - 1)),
        tensor(DT_UINT64, [1], uint64_val=[2**64 - 1]),
    )


def test_tensor_content_takes_precedence_over_typed_values() -> None:
    content = struct.pack("<2i", 1, 2)
    assert tensors_equal(
        tensor(DT_INT32, [2], tensor_content=content, int_val=[9, 9]),
        tensor(DT_INT32, [2], int_val=[1, 2]),
    )


def test_tensor_content_of_the_wrong_size_never_equals() -> None:
    short = tensor(DT_FLOAT, [3], tensor_content=struct.pack("<2f", 1.0, 2.0))
    assert not tensors_equal(short, short)
    assert not tensors_equal(short, tensor(DT_FLOAT, [3], float_val=[1.0, 2.0]))


def test_shape_and_dtype_must_match() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert not tensors_equal(
        tensor(DT_FLOAT, [2, 3], float_val=values), tensor(DT_FLOAT, [3, 2], float_val=values)
    )
    assert not tensors_equal(
        tensor(DT_FLOAT, [6], float_val=values), tensor(DT_FLOAT, [2, 3], float_val=values)
    )
    assert not tensors_equal(tensor(DT_FLOAT, [2]), tensor(DT_INT32, [2]))
    assert not tensors_equal(tensor(DT_FLOAT, []), tensor(DT_FLOAT, [1]))


def test_dimension_names_and_version_number_are_ignored() -> None:
    named = tensor(DT_INT32, [2], int_val=[1, 2], version_number=3)
    named.tensor_shape.dim[0].name = "batch"
    assert tensors_equal(named, tensor(DT_INT32, [2], int_val=[1, 2]))


def test_empty_tensors_of_one_shape_are_equal_whatever_they_hold() -> None:
    assert tensors_equal(
        tensor(DT_FLOAT, [0, 3], tensor_content=b"junk"), tensor(DT_FLOAT, [0, 3], float_val=[1.0])
    )
    assert not tensors_equal(tensor(DT_FLOAT, [0, 3]), tensor(DT_FLOAT, [3, 0]))


@pytest.mark.parametrize(
    "invalid",
    [shape(-1), shape(2, -1), shape(-5), shape(*([1] * 255)), shape(2000, *([1] * 254))],
    ids=["unknown-dim", "partly-unknown", "negative-dim", "255-dims", "255-dims-large"],
)
def test_tensors_tensorflow_cannot_build_never_equal(invalid: TensorShapeProto) -> None:
    proto = TensorProto(dtype=DT_FLOAT, tensor_shape=invalid, float_val=[1.0])
    assert not tensors_equal(proto, proto)
    assert not attr_values_equal(attr(proto), attr(proto))


def test_unknown_rank_makes_the_size_unknown_but_is_ignored_when_building() -> None:
    """TensorFlow sizes a tensor from its partial shape (unknown rank: size
    unknown) but builds it from its full shape, which ignores unknown_rank."""
    unknown = TensorProto(dtype=DT_FLOAT, tensor_shape=shape(unknown_rank=True), float_val=[1.0])
    assert tensors_equal(unknown, unknown)
    assert not tensors_equal(unknown, tensor(DT_FLOAT, [], float_val=[1.0]))
    with_dims = TensorProto(
        dtype=DT_FLOAT, tensor_shape=shape(2, unknown_rank=True), float_val=[1.0]
    )
    with_dims_full = TensorProto(
        dtype=DT_FLOAT, tensor_shape=shape(2, unknown_rank=True), float_val=[1.0, 1.0]
    )
    assert tensors_equal(with_dims, with_dims_full)
    assert not tensors_equal(with_dims, tensor(DT_FLOAT, [2], float_val=[1.0, 1.0]))


def test_invalid_dtype_never_equals() -> None:
    proto = tensor(0, [2])
    assert not tensors_equal(proto, proto)


def test_large_expansion_of_a_small_proto_compares_expanded_values() -> None:
    """A few values that expand into a large tensor: identical encodings are
    equal at once, and other encodings of the same values are still equal."""
    small = tensor(DT_FLOAT, [3000], float_val=[0.5])
    assert tensors_equal(small, small)
    assert tensors_equal(small, tensor(DT_FLOAT, [3000], float_val=[0.5, 0.5]))
    assert tensors_equal(
        small, tensor(DT_FLOAT, [3000], tensor_content=struct.pack("<f", 0.5) * 3000)
    )
    assert not tensors_equal(small, tensor(DT_FLOAT, [3000], float_val=[0.5, 0.25]))


def test_string_tensors() -> None:
    assert tensors_equal(
        tensor(DT_STRING, [3], string_val=[b"a"]),
        tensor(DT_STRING, [3], string_val=[b"a", b"a", b"a"]),
    )
    assert tensors_equal(
        tensor(DT_STRING, [2], tensor_content=string_list(b"ab", b"\xff" * 200)),
        tensor(DT_STRING, [2], string_val=[b"ab", b"\xff" * 200]),
    )
    assert not tensors_equal(
        tensor(DT_STRING, [2], string_val=[b"a", b"b"]),
        tensor(DT_STRING, [2], string_val=[b"b", b"a"]),
    )
    # Content that does not decode into exactly two strings.
    for broken in (string_list(b"ab"), string_list(b"ab", b"c") + b"extra", b"\x80"):
        assert not tensors_equal(
            tensor(DT_STRING, [2], tensor_content=broken),
            tensor(DT_STRING, [2], tensor_content=broken),
        )


@pytest.mark.parametrize("dtype", [DT_HALF, DT_BFLOAT16])
def test_half_values_are_16_bit_patterns(dtype: int) -> None:
    one = tensor(dtype, [2], half_val=[0x3C00, 0x8000])
    assert tensors_equal(one, tensor(dtype, [2], tensor_content=b"\x00\x3c\x00\x80"))
    # int32 values are narrowed to their low 16 bits.
    assert tensors_equal(one, tensor(dtype, [2], half_val=[0x13C00, -0x8000]))
    # +0 and -0 are different bit patterns.
    assert not tensors_equal(
        tensor(dtype, [1], half_val=[0]), tensor(dtype, [1], half_val=[0x8000])
    )


@pytest.mark.parametrize(
    ("dtype", "values", "content"),
    [
        (DT_INT8, [300, -1, 128], bytes([44, 255, 128])),
        (DT_UINT8, [256, -1, 511], bytes([0, 255, 255])),
        (DT_INT16, [70000, -1], struct.pack("<hh", 70000 - 65536, -1)),
        (DT_UINT16, [65537], struct.pack("<H", 1)),
        (DT_INT4, [300, -1], bytes([44, 255])),
    ],
)
def test_int32_values_wrap_around_to_narrow_types(
    dtype: int, values: list[int], content: bytes
) -> None:
    assert tensors_equal(
        tensor(dtype, [len(values)], int_val=values),
        tensor(dtype, [len(values)], tensor_content=content),
    )


def test_complex_values_are_pairs() -> None:
    assert tensors_equal(
        tensor(DT_COMPLEX64, [2], scomplex_val=[1.0, 2.0]),
        tensor(DT_COMPLEX64, [2], scomplex_val=[1.0, 2.0, 1.0, 2.0]),
    )
    # An odd trailing value is not an element: [1+2j] repeats.
    assert tensors_equal(
        tensor(DT_COMPLEX128, [2], dcomplex_val=[1.0, 2.0, 3.0]),
        tensor(DT_COMPLEX128, [2], tensor_content=struct.pack("<4d", 1.0, 2.0, 1.0, 2.0)),
    )
    assert not tensors_equal(
        tensor(DT_COMPLEX64, [1], scomplex_val=[1.0, 2.0]),
        tensor(DT_COMPLEX64, [1], scomplex_val=[2.0, 1.0]),
    )


def test_float8_values_are_bytes() -> None:
    assert tensors_equal(
        tensor(DT_FLOAT8_E4M3FN, [3], float8_val=b"\x01\x02"),
        tensor(DT_FLOAT8_E4M3FN, [3], tensor_content=b"\x01\x02\x02"),
    )


def test_nan_equals_the_same_nan() -> None:
    nan = float("nan")
    assert tensors_equal(
        tensor(DT_FLOAT, [2], float_val=[nan]),
        tensor(DT_FLOAT, [2], tensor_content=struct.pack("<2f", nan, nan)),
    )


def test_resource_tensors_compare_as_encoded() -> None:
    proto = tensor(DT_RESOURCE, [1])
    proto.resource_handle_val.add(device="/cpu:0", name="v")
    assert tensors_equal(proto, proto)


# Tensors whose identical encodings TensorFlow still calls unequal: it cannot
# build a tensor from them (see test_tensorflow_rejects_tensors_it_cannot_build).
_UNBUILDABLE = {
    "element-count-overflows": tensor(DT_FLOAT, [2**32, 2**32]),
    "ref-dtype": tensor(DT_FLOAT_REF, [2], float_val=[1.0]),
    "unknown-dtype": tensor(99, [2]),
}


@pytest.mark.parametrize("name", sorted(_UNBUILDABLE))
def test_identical_unbuildable_tensors_are_not_equal(name: str) -> None:
    proto = _UNBUILDABLE[name]
    assert not attr_values_equal(attr(proto), attr(proto))


# --- Against TensorFlow 2.21 -------------------------------------------------------


@pytest.fixture(scope="module")
def tensorflow_equal() -> Callable[[AttrValue, AttrValue], bool]:
    pytest.importorskip(
        "tensorflow", reason="needs the TensorFlow 2.21 environment (tools/make-tf-env)"
    )
    from tensorflow.python.client import (  # type: ignore[import-not-found, unused-ignore]
        pywrap_tf_session,
    )

    def equal(a: AttrValue, b: AttrValue) -> bool:
        try:
            difference = pywrap_tf_session.EqualAttrValueWrapper(
                a.SerializeToString(), b.SerializeToString()
            )
        except UnicodeDecodeError:
            # The description of a difference can quote bytes that are not
            # UTF-8; an empty one (equal values) always decodes.
            return False
        return bool(difference == "")

    return equal


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(_UNBUILDABLE))
def test_tensorflow_rejects_tensors_it_cannot_build(
    tensorflow_equal: Callable[[AttrValue, AttrValue], bool], name: str
) -> None:
    proto = _UNBUILDABLE[name]
    assert not tensorflow_equal(attr(proto), attr(proto))


@dataclass(frozen=True)
class _Kind:
    """How one dtype is held in a TensorProto."""

    field: str
    size: int
    values: st.SearchStrategy[Any]
    encode: Callable[[Any], bytes]
    zero: Any


def _masked(bits: int) -> Callable[[Any], bytes]:
    return lambda value: (value & ((1 << bits) - 1)).to_bytes(bits // 8, "little")


def _packed(fmt: str) -> Callable[[Any], bytes]:
    return lambda value: (
        struct.pack(fmt, *value) if isinstance(value, tuple) else struct.pack(fmt, value)
    )


_FLOAT32 = st.floats(width=32)
_INT32 = st.integers(-(2**31), 2**31 - 1)
_SMALL_INT = st.one_of(st.integers(-3, 3), _INT32)

_KINDS: dict[int, _Kind] = {
    DT_FLOAT: _Kind("float_val", 4, _FLOAT32, _packed("<f"), 0.0),
    DT_DOUBLE: _Kind("double_val", 8, st.floats(), _packed("<d"), 0.0),
    DT_INT32: _Kind("int_val", 4, _SMALL_INT, _masked(32), 0),
    DT_UINT8: _Kind("int_val", 1, _SMALL_INT, _masked(8), 0),
    DT_INT16: _Kind("int_val", 2, _SMALL_INT, _masked(16), 0),
    DT_INT8: _Kind("int_val", 1, _SMALL_INT, _masked(8), 0),
    DT_STRING: _Kind("string_val", 0, st.binary(max_size=3), lambda value: value, b""),
    DT_COMPLEX64: _Kind(
        "scomplex_val", 8, st.tuples(_FLOAT32, _FLOAT32), _packed("<2f"), (0.0, 0.0)
    ),
    DT_INT64: _Kind("int64_val", 8, st.integers(-(2**63), 2**63 - 1), _packed("<q"), 0),
    DT_BOOL: _Kind("bool_val", 1, st.booleans(), _packed("<?"), False),
    DT_QINT8: _Kind("int_val", 1, _SMALL_INT, _masked(8), 0),
    DT_BFLOAT16: _Kind("half_val", 2, _SMALL_INT, _masked(16), 0),
    DT_UINT16: _Kind("int_val", 2, _SMALL_INT, _masked(16), 0),
    DT_COMPLEX128: _Kind(
        "dcomplex_val", 16, st.tuples(st.floats(), st.floats()), _packed("<2d"), (0.0, 0.0)
    ),
    DT_HALF: _Kind("half_val", 2, _SMALL_INT, _masked(16), 0),
    DT_UINT32: _Kind("uint32_val", 4, st.integers(0, 2**32 - 1), _packed("<I"), 0),
    DT_UINT64: _Kind("uint64_val", 8, st.integers(0, 2**64 - 1), _packed("<Q"), 0),
    DT_FLOAT8_E4M3FN: _Kind("float8_val", 1, st.integers(0, 255), _masked(8), 0),
    DT_INT4: _Kind("int_val", 1, _SMALL_INT, _masked(8), 0),
}


def _flatten(values: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, tuple) else [value])
    return flat


def _encode(
    dtype: int, dims: Sequence[int], values: list[Any], encoding: str, extra: list[Any]
) -> TensorProto:
    """One TensorProto holding ``values`` (the full element list) by ``encoding``."""
    kind = _KINDS[dtype]
    proto = tensor(dtype, dims)
    if encoding == "content":
        if dtype == DT_STRING:
            proto.tensor_content = string_list(*values)
        else:
            proto.tensor_content = b"".join(kind.encode(value) for value in values)
        return proto
    if encoding == "empty":
        chosen: list[Any] = []
    elif encoding == "compressed":
        chosen = list(values)
        while len(chosen) > 1 and chosen[-1] == chosen[-2]:
            chosen.pop()
    elif encoding == "extra":
        chosen = list(values) + extra
    else:
        chosen = list(values)
    if kind.field == "float8_val":
        proto.float8_val = bytes(_flatten(chosen))
    else:
        getattr(proto, kind.field).extend(_flatten(chosen))
    return proto


_ENCODINGS = ("content", "full", "compressed", "extra", "empty")


@st.composite
def _tensor_pairs(draw: st.DrawFn) -> tuple[TensorProto, TensorProto]:
    dtype = draw(st.sampled_from(sorted(_KINDS)))
    kind = _KINDS[dtype]
    dims = draw(
        st.one_of(
            st.lists(st.integers(0, 3), max_size=3),
            st.sampled_from([[1500], [40, 40], [2, -1], [-1]]),
        )
    )
    count = 1
    for size in dims:
        count *= max(size, 0)
    if -1 in dims:
        count = draw(st.integers(0, 3))
    # Runs of equal values, so that repeated-last-value encodings occur.
    if draw(st.booleans()):
        distinct = draw(st.lists(kind.values, min_size=1, max_size=3))
    else:
        distinct = [kind.zero]
    split = draw(st.integers(0, count))
    values = [
        distinct[min(i * len(distinct) // max(split, 1), len(distinct) - 1)] for i in range(split)
    ]
    values += [values[-1] if values else distinct[-1]] * (count - split)
    extra = draw(st.lists(kind.values, max_size=2))
    first = _encode(dtype, dims, values, draw(st.sampled_from(_ENCODINGS)), extra)
    change = draw(st.sampled_from(("none", "none", "value", "dtype", "reshape", "raw")))
    other_dtype, other_dims, other_values = dtype, list(dims), list(values)
    if change == "value" and count > 0 and -1 not in dims:
        index = draw(st.integers(0, count - 1))
        other_values[index] = draw(kind.values)
    elif change == "dtype":
        other_dtype = draw(st.sampled_from(sorted(_KINDS)))
        if _KINDS[other_dtype].field != kind.field:
            other_values = [_KINDS[other_dtype].zero] * count
    elif change == "reshape" and len(dims) >= 2:
        other_dims = list(reversed(dims))
    second = _encode(
        other_dtype,
        other_dims,
        other_values,
        draw(st.sampled_from(_ENCODINGS)),
        draw(st.lists(_KINDS[other_dtype].values, max_size=2)),
    )
    if change == "raw" and kind.size and count > 0 and -1 not in dims:
        # Arbitrary bit patterns: signalling NaNs, bools other than 0 and 1.
        second = tensor(
            dtype,
            dims,
            tensor_content=draw(st.binary(min_size=count * kind.size, max_size=count * kind.size)),
        )
    if draw(st.integers(0, 9)) == 0:
        # Unknown rank on one side or both.
        first.tensor_shape.unknown_rank = True
        if draw(st.booleans()):
            second.tensor_shape.unknown_rank = True
    for proto in (first, second):
        if draw(st.integers(0, 9)) == 0:
            proto.version_number = 1
        if proto.tensor_shape.dim and draw(st.integers(0, 9)) == 0:
            proto.tensor_shape.dim[0].name = "n"
        if draw(st.integers(0, 9)) == 0:
            # A value in a field this dtype does not read.
            if proto.dtype == DT_INT64:
                proto.bool_val.append(True)
            else:
                proto.int64_val.append(5)
    return first, second


_SCALARS: st.SearchStrategy[AttrValue] = st.one_of(
    st.builds(lambda s: AttrValue(s=s), st.binary(max_size=2)),
    st.builds(lambda i: AttrValue(i=i), st.integers(-2, 2)),
    st.builds(lambda f: AttrValue(f=f), st.sampled_from([0.0, -0.0, 0.2, float("nan")])),
    st.builds(lambda b: AttrValue(b=b), st.booleans()),
    st.builds(
        lambda t: AttrValue(type=t),
        st.sampled_from([DT_INVALID, DT_FLOAT, DT_INT32, DT_STRING, DT_FLOAT_REF]),
    ),
    st.builds(lambda d: AttrValue(shape=shape(*d)), st.lists(st.integers(-1, 2), max_size=2)),
    st.builds(lambda p: AttrValue(placeholder=p), st.sampled_from(["T", "N"])),
    st.builds(
        lambda i: AttrValue(list=AttrValue.ListValue(i=i)), st.lists(st.integers(0, 1), max_size=2)
    ),
    st.just(AttrValue()),
)


@st.composite
def _attr_pairs(draw: st.DrawFn, depth: int = 0) -> tuple[AttrValue, AttrValue]:
    choice = draw(st.sampled_from(("tensor", "tensor", "scalar", "list_tensor", "func")))
    if choice == "tensor":
        first, second = draw(_tensor_pairs())
        return attr(first), attr(second)
    if choice == "list_tensor":
        first, second = draw(_tensor_pairs())
        return (
            AttrValue(list=AttrValue.ListValue(tensor=[first])),
            AttrValue(list=AttrValue.ListValue(tensor=[second])),
        )
    if choice == "func" and depth < 2:
        entries = draw(
            st.lists(
                st.tuples(st.sampled_from("abc"), _attr_pairs(depth + 1)),
                max_size=3,
                unique_by=lambda entry: entry[0],
            )
        )
        name_b = draw(st.sampled_from(["f", "f", "g"]))
        a_entries = [(key, pair[0]) for key, pair in entries]
        b_entries = [(key, pair[1]) for key, pair in reversed(entries)]
        if entries and draw(st.integers(0, 5)) == 0:
            b_entries.pop()
        return _func("f", a_entries), _func(name_b, b_entries)
    a = draw(_SCALARS)
    if draw(st.booleans()):
        b = AttrValue()
        b.CopyFrom(a)
        return a, b
    return a, draw(_SCALARS)


@pytest.mark.tensorflow
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(pair=_attr_pairs())
def test_attr_values_equal_matches_tensorflow(
    tensorflow_equal: Callable[[AttrValue, AttrValue], bool], pair: tuple[AttrValue, AttrValue]
) -> None:
    a, b = pair
    expected = tensorflow_equal(a, b)
    assert attr_values_equal(a, b) == expected, (a, b)
    assert attr_values_equal(b, a) == tensorflow_equal(b, a), (b, a)


@pytest.mark.tensorflow
@pytest.mark.parametrize(
    ("a", "b"),
    [
        (tensor(DT_FLOAT, [3], float_val=[1.0]), tensor(DT_FLOAT, [3], float_val=[1.0] * 3)),
        (tensor(DT_HALF, [1], half_val=[0x13C00]), tensor(DT_HALF, [1], half_val=[0x3C00])),
        (tensor(DT_INT8, [1], int_val=[300]), tensor(DT_INT8, [1], tensor_content=b"\x2c")),
        (
            tensor(DT_STRING, [2], tensor_content=string_list(b"a", b"bc")),
            tensor(DT_STRING, [2], string_val=[b"a", b"bc"]),
        ),
        (tensor(DT_FLOAT, [3000], float_val=[0.5]), tensor(DT_FLOAT, [3000], float_val=[0.5])),
        (
            tensor(DT_FLOAT, [3], tensor_content=b"\x00" * 8),
            tensor(DT_FLOAT, [3], tensor_content=b"\x00" * 8),
        ),
        (tensor(DT_FLOAT, [1] * 255), tensor(DT_FLOAT, [1] * 255)),
        (tensor(DT_FLOAT, [-1]), tensor(DT_FLOAT, [-1])),
        (
            tensor(DT_COMPLEX64, [2], scomplex_val=[1.0, 2.0, 3.0]),
            tensor(DT_COMPLEX64, [2], scomplex_val=[1.0, 2.0]),
        ),
        (tensor(DT_BOOL, [1], tensor_content=b"\x02"), tensor(DT_BOOL, [1], bool_val=[True])),
        (
            TensorProto(dtype=DT_FLOAT, tensor_shape=shape(3000, unknown_rank=True)),
            TensorProto(dtype=DT_FLOAT, tensor_shape=shape(3000, unknown_rank=True)),
        ),
        (
            TensorProto(dtype=DT_FLOAT, tensor_shape=shape(unknown_rank=True), float_val=[2.0]),
            TensorProto(dtype=DT_FLOAT, tensor_shape=shape(), float_val=[2.0]),
        ),
    ],
    ids=[
        "repeat-last",
        "half-wrap",
        "int8-wrap",
        "string-content",
        "large-expansion",
        "short-content",
        "255-dims",
        "unknown-dim",
        "odd-complex",
        "bool-byte-2",
        "unknown-rank-large",
        "unknown-rank-scalar",
    ],
)
def test_edge_cases_match_tensorflow(
    tensorflow_equal: Callable[[AttrValue, AttrValue], bool], a: TensorProto, b: TensorProto
) -> None:
    assert attr_values_equal(attr(a), attr(b)) == tensorflow_equal(attr(a), attr(b))
