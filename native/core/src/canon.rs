//! The canonical binary encoding (spec EXP-ENC-1 to EXP-ENC-6).
//!
//! Protobuf's wire format as upb's deterministic serializer writes it: fields
//! in number order, packed numeric repeated fields, string map keys in byte
//! order with a prefix after the longer keys, integer keys descending. The
//! per-message code is generated (`gen/canon.rs`); encoding takes two passes,
//! the first caching every message's length in pre-order so that the second
//! writes each length prefix without measuring again.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::text::{Printer, TextError};

/// A message with the canonical binary encoding and the text format.
pub trait Canon {
    /// The encoded length; pushes the length of this message and of every
    /// message inside it, in pre-order, to `sizes` (saturated to `u32::MAX`).
    fn canon_len(&self, sizes: &mut Vec<u32>) -> u64;
    /// Writes the encoding, reading the lengths `canon_len` cached from `cursor` on.
    fn canon_encode(&self, sizes: &[u32], cursor: &mut usize, buf: &mut Vec<u8>);
    /// Prints the fields in text format (spec EXP-ENC-8).
    fn text(&self, printer: &mut Printer) -> Result<(), TextError>;
}

/// The length of the canonical encoding, without encoding.
pub fn encoded_len<M: Canon + ?Sized>(message: &M) -> u64 {
    let mut sizes = Vec::new();
    message.canon_len(&mut sizes)
}

/// The canonical encoding. Only for messages under 4 GiB: callers check the
/// 2 GiB limit first (spec EXP-LIMIT-1).
pub fn encode<M: Canon + ?Sized>(message: &M) -> Vec<u8> {
    let mut sizes = Vec::new();
    let total = message.canon_len(&mut sizes);
    encode_measured(message, &sizes, total)
}

/// The canonical encoding of a message `canon_len` measured into `sizes`.
pub fn encode_measured<M: Canon + ?Sized>(message: &M, sizes: &[u32], total: u64) -> Vec<u8> {
    let mut buf = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    let mut cursor = 0;
    message.canon_encode(sizes, &mut cursor, &mut buf);
    debug_assert_eq!(buf.len() as u64, total);
    buf
}

#[inline]
pub fn vlen(value: u64) -> u64 {
    // 1 byte per started group of 7 bits, at least one.
    let bits = 64 - (value | 1).leading_zeros() as u64;
    bits.div_ceil(7)
}

#[inline]
pub fn ldlen(len: u64) -> u64 {
    vlen(len) + len
}

#[inline]
pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

#[inline]
pub fn put_varint(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push((value as u8) | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// upb's order of string keys: bytewise, where the end of a key sorts after
/// every byte, so a proper prefix comes after the keys it begins (EXP-ENC-5).
pub fn upb_key_order(a: &[u8], b: &[u8]) -> Ordering {
    let common = a.len().min(b.len());
    match a[..common].cmp(&b[..common]) {
        Ordering::Equal => b.len().cmp(&a.len()),
        other => other,
    }
}

/// The entries of a `BTreeMap` with string keys in upb's order, without a
/// copy when no key is a prefix of the next (the common case).
pub fn upb_order<V>(map: &BTreeMap<String, V>) -> UpbOrder<'_, V> {
    let mut previous: Option<&String> = None;
    for key in map.keys() {
        if previous.is_some_and(|p| key.as_bytes().starts_with(p.as_bytes())) {
            return UpbOrder::Sorted(sorted_string_map(map).into_iter());
        }
        previous = Some(key);
    }
    UpbOrder::Direct(map.iter())
}

pub enum UpbOrder<'a, V> {
    Direct(std::collections::btree_map::Iter<'a, String, V>),
    Sorted(std::vec::IntoIter<(&'a String, &'a V)>),
}

impl<'a, V> Iterator for UpbOrder<'a, V> {
    type Item = (&'a String, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            UpbOrder::Direct(iter) => iter.next(),
            UpbOrder::Sorted(iter) => iter.next(),
        }
    }
}

/// The entries of a string-keyed map in upb's order (binary encoding).
pub fn sorted_string_map<'a, V: 'a>(
    map: impl IntoIterator<Item = (&'a String, &'a V)>,
) -> Vec<(&'a String, &'a V)> {
    let mut entries = ascending_string_map(map);
    // In byte order now: only runs that share a prefix move.
    if entries
        .windows(2)
        .any(|w| w[1].0.as_bytes().starts_with(w[0].0.as_bytes()))
    {
        entries.sort_by(|x, y| upb_key_order(x.0.as_bytes(), y.0.as_bytes()));
    }
    entries
}

/// The entries of a string-keyed map in ascending key order (text format).
pub fn ascending_string_map<'a, V: 'a>(
    map: impl IntoIterator<Item = (&'a String, &'a V)>,
) -> Vec<(&'a String, &'a V)> {
    let mut entries: Vec<(&String, &V)> = map.into_iter().collect();
    // A BTreeMap's entries are in order already; a HashMap's are not.
    if entries.windows(2).any(|w| w[0].0 > w[1].0) {
        entries.sort_unstable_by(|x, y| x.0.cmp(y.0));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_lengths() {
        assert_eq!(vlen(0), 1);
        assert_eq!(vlen(127), 1);
        assert_eq!(vlen(128), 2);
        assert_eq!(vlen(u64::MAX), 10);
        assert_eq!(vlen(-1i64 as u64), 10);
    }

    #[test]
    fn upb_order_puts_prefixes_last() {
        let mut keys = vec!["a", "b", "ab", "abc"];
        keys.sort_by(|x, y| upb_key_order(x.as_bytes(), y.as_bytes()));
        assert_eq!(keys, ["abc", "ab", "a", "b"]);
        let mut attrs = vec!["T", "Tidx", "_output_shapes", "keep_dims"];
        attrs.sort_by(|x, y| upb_key_order(x.as_bytes(), y.as_bytes()));
        assert_eq!(attrs, ["Tidx", "T", "_output_shapes", "keep_dims"]);
    }
}
