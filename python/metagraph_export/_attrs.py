"""Attribute equality as TensorFlow's ``AreAttrValuesEqual`` defines it.

``strip_default_attrs`` removes an attribute when this says it equals the op's
default (spec EXP-STRIP-4 to EXP-STRIP-11). Serialized comparison is not enough: TensorFlow
compares ``type`` values by value alone, ``func`` values by name and attribute
map regardless of order, and tensors by the values they expand to (so
``float_val: [1.0]`` of shape [3] equals three explicit ones).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence

from .errors import MAX_MESSAGE_BYTES
from .tf.attr_value_pb2 import AttrValue, NameAttrList
from .tf.tensor_pb2 import TensorProto
from .tf.tensor_shape_pb2 import TensorShapeProto

# DataType -> (bytes per element, TensorProto field, struct format or None).
# Sizes follow TensorFlow's DataTypeSize; sub-byte types occupy one byte each.
_POD: dict[int, tuple[int, str, str]] = {
    1: (4, "float_val", "<f"),  # DT_FLOAT
    2: (8, "double_val", "<d"),  # DT_DOUBLE
    3: (4, "int_val", "<i"),  # DT_INT32
    4: (1, "int_val", "<B"),  # DT_UINT8
    5: (2, "int_val", "<h"),  # DT_INT16
    6: (1, "int_val", "<b"),  # DT_INT8
    8: (8, "scomplex_val", "<ff"),  # DT_COMPLEX64
    9: (8, "int64_val", "<q"),  # DT_INT64
    10: (1, "bool_val", "<?"),  # DT_BOOL
    11: (1, "int_val", "<b"),  # DT_QINT8
    12: (1, "int_val", "<B"),  # DT_QUINT8
    13: (4, "int_val", "<i"),  # DT_QINT32
    14: (2, "half_val", "<H"),  # DT_BFLOAT16
    15: (2, "int_val", "<h"),  # DT_QINT16
    16: (2, "int_val", "<H"),  # DT_QUINT16
    17: (2, "int_val", "<H"),  # DT_UINT16
    18: (16, "dcomplex_val", "<dd"),  # DT_COMPLEX128
    19: (2, "half_val", "<H"),  # DT_HALF
    22: (4, "uint32_val", "<I"),  # DT_UINT32
    23: (8, "uint64_val", "<Q"),  # DT_UINT64
    24: (1, "float8_val", "B"),  # DT_FLOAT8_E5M2
    25: (1, "float8_val", "B"),  # DT_FLOAT8_E4M3FN
    26: (1, "float8_val", "B"),  # DT_FLOAT8_E4M3FNUZ
    27: (1, "float8_val", "B"),  # DT_FLOAT8_E4M3B11FNUZ
    28: (1, "float8_val", "B"),  # DT_FLOAT8_E5M2FNUZ
    29: (1, "int_val", "<b"),  # DT_INT4
    30: (1, "int_val", "<B"),  # DT_UINT4
    31: (1, "int_val", "<b"),  # DT_INT2
    32: (1, "int_val", "<B"),  # DT_UINT2
    33: (1, "float8_val", "B"),  # DT_FLOAT4_E2M1FN
}
_DT_STRING = 7
_OPAQUE = frozenset({20, 21})  # DT_RESOURCE, DT_VARIANT
# Beyond this many bytes, tensors are compared without being expanded.
_EXPANSION_LIMIT = MAX_MESSAGE_BYTES
_MAX_DIMS = 254
_INT64_MAX = (1 << 63) - 1


def attr_values_equal(a: AttrValue, b: AttrValue) -> bool:
    """TensorFlow's ``AreAttrValuesEqual(a, b, allow_false_negatives=false)``."""
    if a.type != b.type:
        return False
    if a.type != 0:
        return True
    a_tensor, b_tensor = a.HasField("tensor"), b.HasField("tensor")
    if a_tensor != b_tensor:
        return False
    if a_tensor:
        return tensors_equal(a.tensor, b.tensor)
    a_func, b_func = a.HasField("func"), b.HasField("func")
    if a_func != b_func:
        return False
    if a_func:
        return _funcs_equal(a.func, b.func)
    return _serialized(a) == _serialized(b)


def _funcs_equal(a: NameAttrList, b: NameAttrList) -> bool:
    if a.name != b.name or set(a.attr) != set(b.attr):
        return False
    return all(attr_values_equal(a.attr[key], b.attr[key]) for key in a.attr)


def _serialized(message: AttrValue | TensorProto) -> bytes:
    return message.SerializeToString(deterministic=True)


def tensors_equal(a: TensorProto, b: TensorProto) -> bool:
    """TensorFlow's ``AreTensorProtosEqual``: equal dtype, shape and element values."""
    a_bytes = _tensor_byte_size(a)
    if a_bytes != _tensor_byte_size(b):
        return False
    # TensorFlow accepts identical encodings of a small proto that would expand
    # into a large tensor without expanding them, even where expanding fails.
    if a.ByteSize() < 512 and a_bytes > 4096 and _serialized(a) == _serialized(b):
        return True
    a_canonical = _canonical(a)
    if a_canonical is None:
        return False
    b_canonical = _canonical(b)
    return b_canonical is not None and a_canonical == b_canonical


def _tensor_byte_size(tensor: TensorProto) -> int:
    count = _partial_element_count(tensor.tensor_shape)
    if count < 0:
        return -1
    size = _POD[tensor.dtype][0] if tensor.dtype in _POD else 0
    total = count * size
    return -1 if total > _INT64_MAX else total


def _partial_element_count(shape: TensorShapeProto) -> int:
    if shape.unknown_rank or len(shape.dim) > _MAX_DIMS:
        return -1
    count = 1
    for dim in shape.dim:
        if dim.size < 0:
            return -1
        count *= dim.size
        if count > _INT64_MAX:
            return -1
    return count


def _full_dims(shape: TensorShapeProto) -> tuple[int, ...] | None:
    """The dimensions of a shape as a tensor has them, or None where TensorFlow
    rejects them; ``unknown_rank`` is ignored here, as TensorFlow ignores it."""
    if len(shape.dim) > _MAX_DIMS:
        return None
    dims = tuple(dim.size for dim in shape.dim)
    count = 1
    for size in dims:
        if size < 0:
            return None
        count *= size
        if count > _INT64_MAX:
            return None
    return dims


# dtype, dimensions, then the elements as (prefix, fill): the element sequence
# is the prefix followed by copies of fill up to the element count. This form
# compares tensors without expanding them, however large the shape.
_Canonical = (
    tuple[int, tuple[int, ...], tuple[bytes, ...], bytes] | tuple[int, tuple[int, ...], bytes]
)


def _canonical(tensor: TensorProto) -> _Canonical | None:
    """What ``Tensor::FromProto`` then ``AsProtoTensorContent`` make of a proto.

    None where TensorFlow cannot build a tensor from it, which never compares equal.
    """
    dims = _full_dims(tensor.tensor_shape)
    dtype = tensor.dtype
    if dims is None or dtype == 0:
        return None
    count = math.prod(dims)
    if dtype in _OPAQUE:
        # Resource and variant tensors are compared as encoded (spec EXP-STRIP-10).
        return (dtype, dims, _serialized(tensor))
    if dtype != _DT_STRING and dtype not in _POD:
        return None
    if count == 0:
        return (dtype, dims, (), b"")
    if dtype == _DT_STRING:
        if tensor.tensor_content:
            decoded = _decode_string_list(bytes(tensor.tensor_content), count)
            if decoded is None:
                return None
            return (dtype, dims, *_run_form(list(decoded), count, b""))
        return (dtype, dims, *_run_form(list(tensor.string_val), count, b""))
    size, field, fmt = _POD[dtype]
    if tensor.tensor_content:
        content = bytes(tensor.tensor_content)
        if len(content) != count * size:
            return None
        elements = [content[i : i + size] for i in range(0, len(content), size)]
    else:
        values: Sequence[object] = getattr(tensor, field)
        width = 2 if field in ("scomplex_val", "dcomplex_val") else 1
        elements = [
            _pack(fmt, values[i : i + width]) for i in range(0, len(values) - width + 1, width)
        ]
    return (dtype, dims, *_run_form(elements, count, b"\x00" * size))


def _run_form(elements: list[bytes], count: int, zero: bytes) -> tuple[tuple[bytes, ...], bytes]:
    """TensorFlow's expansion of ``elements`` to ``count`` (missing ones repeat the
    last, or are zero when there is none), as a prefix and a repeated fill."""
    explicit = elements[:count]
    if not explicit:
        return (), zero
    fill = explicit[-1]
    end = len(explicit)
    while end > 0 and explicit[end - 1] == fill:
        end -= 1
    return tuple(explicit[:end]), fill


def _pack(fmt: str, element: Sequence[object]) -> bytes:
    if fmt == "B" and isinstance(element[0], bytes | int):
        # float8_val is a bytes field: one element per byte.
        first = element[0]
        return bytes([first]) if isinstance(first, int) else first[:1]
    code = fmt[-1]
    if code in "bBhHiI":
        # C++ narrows int32 values to the element type, wrapping around.
        bits = {"b": 8, "B": 8, "h": 16, "H": 16, "i": 32, "I": 32}[code]
        number = element[0]
        assert isinstance(number, int)
        return (number & ((1 << bits) - 1)).to_bytes(bits // 8, "little")
    packed: bytes = struct.pack(fmt, *element)
    return packed


def _decode_string_list(content: bytes, count: int) -> tuple[bytes, ...] | None:
    """TensorFlow's DecodeStringList: ``count`` varint32 lengths, then the bytes."""
    sizes: list[int] = []
    position = 0
    for _ in range(count):
        size, shift = 0, 0
        while True:
            if position >= len(content) or shift > 28:
                return None
            byte = content[position]
            position += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if size > 0xFFFFFFFF:
            return None
        sizes.append(size)
    if sum(sizes) != len(content) - position:
        return None
    strings = []
    for size in sizes:
        strings.append(content[position : position + size])
        position += size
    return tuple(strings)
