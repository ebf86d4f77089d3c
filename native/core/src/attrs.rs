//! Attribute equality as TensorFlow's `AreAttrValuesEqual` defines it
//! (spec EXP-STRIP-4 to EXP-STRIP-11): `type` values by value alone, `func`
//! values by name and attribute map, tensors by the values they expand to
//! (so `float_val: 1` of shape [3] equals three explicit ones), anything
//! else by canonical encoding.

use crate::canon::{encode, encoded_len};
use crate::gen::tensorflow::attr_value::Value;
use crate::gen::tensorflow::{AttrValue, NameAttrList, TensorProto, TensorShapeProto};

const DT_STRING: i32 = 7;
const DT_RESOURCE: i32 = 20;
const DT_VARIANT: i32 = 21;
const MAX_DIMS: usize = 254;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Float,
    Double,
    Int,
    Complex64,
    Complex128,
    Int64,
    Uint64,
    Uint32,
    Bool,
    Half,
    Float8,
}

/// Bytes per element and the value field (EXP-STRIP-5).
fn pod(dtype: i32) -> Option<(usize, Field)> {
    Some(match dtype {
        1 => (4, Field::Float),
        2 => (8, Field::Double),
        3 | 13 => (4, Field::Int),
        4 | 12 => (1, Field::Int),
        5 | 15 => (2, Field::Int),
        17 | 16 => (2, Field::Int),
        6 | 11 => (1, Field::Int),
        29..=32 => (1, Field::Int),
        8 => (8, Field::Complex64),
        18 => (16, Field::Complex128),
        9 => (8, Field::Int64),
        23 => (8, Field::Uint64),
        22 => (4, Field::Uint32),
        10 => (1, Field::Bool),
        14 | 19 => (2, Field::Half),
        24..=28 | 33 => (1, Field::Float8),
        _ => return None,
    })
}

fn is_tensor(value: &AttrValue) -> Option<&TensorProto> {
    match &value.value {
        Some(Value::Tensor(t)) => Some(t),
        _ => None,
    }
}

fn is_func(value: &AttrValue) -> Option<&NameAttrList> {
    match &value.value {
        Some(Value::Func(f)) => Some(f),
        _ => None,
    }
}

fn type_of(value: &AttrValue) -> i32 {
    match &value.value {
        Some(Value::Type(t)) => *t,
        _ => 0,
    }
}

pub fn attr_values_equal(a: &AttrValue, b: &AttrValue) -> bool {
    let a_type = type_of(a);
    if a_type != type_of(b) {
        return false;
    }
    if a_type != 0 {
        return true;
    }
    match (is_tensor(a), is_tensor(b)) {
        (Some(x), Some(y)) => return tensors_equal(x, y),
        (None, None) => {}
        _ => return false,
    }
    match (is_func(a), is_func(b)) {
        (Some(x), Some(y)) => return funcs_equal(x, y),
        (None, None) => {}
        _ => return false,
    }
    encode(a) == encode(b)
}

fn funcs_equal(a: &NameAttrList, b: &NameAttrList) -> bool {
    a.name == b.name
        && a.attr.len() == b.attr.len()
        && a.attr.iter().all(|(key, value)| {
            b.attr
                .get(key)
                .is_some_and(|other| attr_values_equal(value, other))
        })
}

pub fn tensors_equal(a: &TensorProto, b: &TensorProto) -> bool {
    let a_bytes = byte_size(a);
    if a_bytes != byte_size(b) {
        return false;
    }
    // Identical encodings of a small proto of a large tensor are equal
    // without expanding them, even where expanding fails.
    if encoded_len(a) < 512 && a_bytes > 4096 && encode(a) == encode(b) {
        return true;
    }
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn byte_size(tensor: &TensorProto) -> i64 {
    let Some(count) = partial_count(tensor.tensor_shape.as_ref()) else {
        return -1;
    };
    let size = pod(tensor.dtype).map_or(0, |(size, _)| size as u128);
    let total = count as u128 * size;
    if total > i64::MAX as u128 {
        -1
    } else {
        total as i64
    }
}

fn partial_count(shape: Option<&TensorShapeProto>) -> Option<u64> {
    let Some(shape) = shape else { return Some(1) };
    if shape.unknown_rank || shape.dim.len() > MAX_DIMS {
        return None;
    }
    let mut count: u128 = 1;
    for dim in &shape.dim {
        if dim.size < 0 {
            return None;
        }
        count *= dim.size as u128;
        if count > i64::MAX as u128 {
            return None;
        }
    }
    Some(count as u64)
}

fn full_dims(shape: Option<&TensorShapeProto>) -> Option<(Vec<i64>, u64)> {
    let Some(shape) = shape else {
        return Some((Vec::new(), 1));
    };
    if shape.dim.len() > MAX_DIMS {
        return None;
    }
    let mut count: u128 = 1;
    let mut dims = Vec::with_capacity(shape.dim.len());
    for dim in &shape.dim {
        if dim.size < 0 {
            return None;
        }
        count *= dim.size as u128;
        if count > i64::MAX as u128 {
            return None;
        }
        dims.push(dim.size);
    }
    Some((dims, count as u64))
}

/// `Tensor::FromProto` then `AsProtoTensorContent`, as dtype, dimensions and
/// elements in run form: an explicit prefix then copies of a fill element up
/// to the count, so that a huge shape is compared without being expanded.
#[derive(PartialEq, Eq)]
enum Canonical {
    Elements {
        dtype: i32,
        dims: Vec<i64>,
        prefix: Vec<Vec<u8>>,
        fill: Vec<u8>,
    },
    Opaque {
        dtype: i32,
        dims: Vec<i64>,
        encoding: Vec<u8>,
    },
}

fn canonical(tensor: &TensorProto) -> Option<Canonical> {
    let (dims, count) = full_dims(tensor.tensor_shape.as_ref())?;
    let dtype = tensor.dtype;
    if dtype == 0 {
        return None;
    }
    if dtype == DT_RESOURCE || dtype == DT_VARIANT {
        return Some(Canonical::Opaque {
            dtype,
            dims,
            encoding: encode(tensor),
        });
    }
    if dtype != DT_STRING && pod(dtype).is_none() {
        return None;
    }
    let run = |elements: Vec<Vec<u8>>, zero: Vec<u8>| {
        let (prefix, fill) = run_form(elements, count, zero);
        Canonical::Elements {
            dtype,
            dims: dims.clone(),
            prefix,
            fill,
        }
    };
    if count == 0 {
        return Some(Canonical::Elements {
            dtype,
            dims,
            prefix: Vec::new(),
            fill: Vec::new(),
        });
    }
    if dtype == DT_STRING {
        if !tensor.tensor_content.is_empty() {
            let decoded = decode_string_list(&tensor.tensor_content, count)?;
            return Some(run(decoded, Vec::new()));
        }
        return Some(run(tensor.string_val.clone(), Vec::new()));
    }
    let (size, field) = pod(dtype)?;
    if !tensor.tensor_content.is_empty() {
        if tensor.tensor_content.len() as u128 != count as u128 * size as u128 {
            return None;
        }
        let elements = tensor
            .tensor_content
            .chunks(size)
            .map(<[u8]>::to_vec)
            .collect();
        return Some(run(elements, vec![0; size]));
    }
    let elements: Vec<Vec<u8>> = match field {
        Field::Float => tensor
            .float_val
            .iter()
            .map(|v| v.to_le_bytes().to_vec())
            .collect(),
        Field::Double => tensor
            .double_val
            .iter()
            .map(|v| v.to_le_bytes().to_vec())
            .collect(),
        Field::Int => tensor
            .int_val
            .iter()
            .map(|v| v.to_le_bytes()[..size].to_vec())
            .collect(),
        Field::Half => tensor
            .half_val
            .iter()
            .map(|v| v.to_le_bytes()[..2].to_vec())
            .collect(),
        Field::Complex64 => tensor
            .scomplex_val
            .chunks_exact(2)
            .map(|pair| [pair[0].to_le_bytes(), pair[1].to_le_bytes()].concat())
            .collect(),
        Field::Complex128 => tensor
            .dcomplex_val
            .chunks_exact(2)
            .map(|pair| [pair[0].to_le_bytes(), pair[1].to_le_bytes()].concat())
            .collect(),
        Field::Int64 => tensor
            .int64_val
            .iter()
            .map(|v| v.to_le_bytes().to_vec())
            .collect(),
        Field::Uint64 => tensor
            .uint64_val
            .iter()
            .map(|v| v.to_le_bytes().to_vec())
            .collect(),
        Field::Uint32 => tensor
            .uint32_val
            .iter()
            .map(|v| v.to_le_bytes().to_vec())
            .collect(),
        Field::Bool => tensor.bool_val.iter().map(|v| vec![*v as u8]).collect(),
        Field::Float8 => tensor.float8_val.iter().map(|v| vec![*v]).collect(),
    };
    Some(run(elements, vec![0; size]))
}

/// TensorFlow's expansion of `elements` to `count` (missing ones repeat the
/// last, or are zero when there is none), as a prefix and a repeated fill.
fn run_form(mut elements: Vec<Vec<u8>>, count: u64, zero: Vec<u8>) -> (Vec<Vec<u8>>, Vec<u8>) {
    if (elements.len() as u64) > count {
        elements.truncate(count as usize);
    }
    let Some(fill) = elements.last().cloned() else {
        return (Vec::new(), zero);
    };
    while elements.last() == Some(&fill) {
        elements.pop();
    }
    (elements, fill)
}

/// TensorFlow's DecodeStringList: `count` varint32 lengths, then the bytes.
fn decode_string_list(content: &[u8], count: u64) -> Option<Vec<Vec<u8>>> {
    let mut sizes = Vec::new();
    let mut position = 0;
    for _ in 0..count {
        let mut size: u64 = 0;
        let mut shift = 0;
        loop {
            if position >= content.len() || shift > 28 {
                return None;
            }
            let byte = content[position];
            position += 1;
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                break;
            }
        }
        if size > u64::from(u32::MAX) {
            return None;
        }
        sizes.push(size as usize);
    }
    if sizes.iter().map(|s| *s as u128).sum::<u128>() != (content.len() - position) as u128 {
        return None;
    }
    let mut strings = Vec::with_capacity(sizes.len());
    for size in sizes {
        strings.push(content[position..position + size].to_vec());
        position += size;
    }
    Some(strings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gen::tensorflow::tensor_shape_proto::Dim;

    fn float_tensor(dims: &[i64], values: &[f32]) -> AttrValue {
        AttrValue {
            value: Some(Value::Tensor(Box::new(TensorProto {
                dtype: 1,
                tensor_shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|size| Dim {
                            size: *size,
                            name: String::new(),
                        })
                        .collect(),
                    unknown_rank: false,
                }),
                float_val: values.to_vec(),
                ..Default::default()
            }))),
        }
    }

    #[test]
    fn tensors_compare_by_expanded_values() {
        assert!(attr_values_equal(
            &float_tensor(&[3], &[1.0]),
            &float_tensor(&[3], &[1.0, 1.0, 1.0])
        ));
        assert!(!attr_values_equal(
            &float_tensor(&[1], &[0.0]),
            &float_tensor(&[1], &[-0.0])
        ));
        // Too large to have a size: never equal (EXP-STRIP-7).
        let huge = float_tensor(&[1 << 62, 4], &[1.0]);
        assert!(!attr_values_equal(&huge, &huge.clone()));
    }

    #[test]
    fn list_and_empty_differ() {
        let empty = AttrValue::default();
        let list = AttrValue {
            value: Some(Value::List(Default::default())),
        };
        assert!(!attr_values_equal(&empty, &list));
        assert!(attr_values_equal(&empty, &AttrValue::default()));
        assert!(!attr_values_equal(
            &empty,
            &AttrValue {
                value: Some(Value::I(0))
            }
        ));
    }
}
