//! The canonical binary encoding (spec EXP-ENC-1 to EXP-ENC-6).
//!
//! Protobuf's wire format as upb's deterministic serializer writes it: fields
//! in number order, packed numeric repeated fields, string map keys in byte
//! order with a prefix after the longer keys, integer keys descending. The
//! per-message code is generated (`gen/canon.rs`); encoding takes two passes,
//! the first caching every message's length in pre-order so that the second
//! writes each length prefix without measuring again. The second pass writes
//! to a [`Sink`]: a buffer in memory, or a small one that a file drains as it
//! fills (a large graph is never held twice).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::text::{Printer, TextError};

/// A message with the canonical binary encoding and the text format.
pub trait Canon {
    /// The encoded length; pushes the length of this message and of every
    /// message inside it, in pre-order, to `sizes` (saturated to `u32::MAX`).
    fn canon_len(&self, sizes: &mut Vec<u32>) -> u64;
    /// Writes the encoding, reading the lengths `canon_len` cached from `cursor` on.
    fn canon_encode(&self, sizes: &[u32], cursor: &mut usize, buf: &mut Sink<'_>);
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
    let mut sink = Sink::memory(usize::try_from(total).unwrap_or(0));
    let mut cursor = 0;
    message.canon_encode(sizes, &mut cursor, &mut sink);
    let buf = sink.buf;
    debug_assert_eq!(buf.len() as u64, total);
    buf
}

/// Writes the canonical encoding of a message `canon_len` measured into
/// `sizes` to `out` as it is produced, holding at most [`STREAM_BUFFER`] bytes.
pub fn write_measured<M: Canon + ?Sized>(
    message: &M,
    sizes: &[u32],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sink = Sink::stream(out, STREAM_BUFFER);
    let mut cursor = 0;
    message.canon_encode(sizes, &mut cursor, &mut sink);
    sink.finish()
}

/// How much a streaming [`Sink`] holds before it writes.
pub const STREAM_BUFFER: usize = 1 << 20;

/// Where an encoding goes: a buffer in memory, or a buffer of
/// [`STREAM_BUFFER`] bytes written to `out` whenever it is full. A piece that
/// does not fit (a large tensor's contents) is written to `out` directly.
pub struct Sink<'w> {
    buf: Vec<u8>,
    out: Option<&'w mut dyn Write>,
    /// The first write error; nothing is written after it.
    error: Option<io::Error>,
}

impl<'w> Sink<'w> {
    /// A buffer in memory, `capacity` reserved.
    pub fn memory(capacity: usize) -> Self {
        Sink {
            buf: Vec::with_capacity(capacity),
            out: None,
            error: None,
        }
    }

    /// A buffer of `capacity` bytes drained into `out`.
    pub fn stream(out: &'w mut dyn Write, capacity: usize) -> Self {
        Sink {
            buf: Vec::with_capacity(capacity.max(1)),
            out: Some(out),
            error: None,
        }
    }

    #[inline]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        if bytes.len() <= self.buf.capacity() - self.buf.len() {
            self.buf.extend_from_slice(bytes);
        } else {
            self.spill(bytes);
        }
    }

    #[inline]
    pub fn push(&mut self, byte: u8) {
        if self.buf.len() < self.buf.capacity() {
            self.buf.push(byte);
        } else {
            self.spill(&[byte]);
        }
    }

    /// The slow path of a full buffer: in memory it grows; streaming, the
    /// buffer is written out, and `bytes` with it when they would not fit.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, bytes: &[u8]) {
        let Some(out) = self.out.as_mut() else {
            self.buf.extend_from_slice(bytes);
            return;
        };
        if self.error.is_none() {
            let written = out.write_all(&self.buf).and_then(|()| {
                if bytes.len() > self.buf.capacity() / 2 {
                    out.write_all(bytes)
                } else {
                    Ok(())
                }
            });
            self.error = written.err();
        }
        self.buf.clear();
        if bytes.len() <= self.buf.capacity() / 2 {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Writes what the buffer still holds; the first error of the stream.
    pub fn finish(mut self) -> io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        match self.out.as_mut() {
            Some(out) => out.write_all(&self.buf),
            None => Ok(()),
        }
    }
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
pub fn put_varint(buf: &mut Sink<'_>, mut value: u64) {
    let mut bytes = [0u8; 10];
    let mut n = 0;
    while value >= 0x80 {
        bytes[n] = (value as u8) | 0x80;
        value >>= 7;
        n += 1;
    }
    bytes[n] = value as u8;
    buf.extend_from_slice(&bytes[..=n]);
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
    fn a_stream_writes_the_bytes_of_the_encoding_in_memory() {
        use crate::gen::tensorflow::{AttrValue, NodeDef};
        let tensor = AttrValue {
            value: Some(crate::gen::tensorflow::attr_value::Value::S(vec![7; 300])),
        };
        let node = NodeDef {
            name: "a/b".into(),
            op: "Const".into(),
            input: vec!["x".into(); 40],
            attr: [
                ("value".to_string(), tensor),
                ("dtype".to_string(), AttrValue::default()),
            ]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        let mut sizes = Vec::new();
        let total = node.canon_len(&mut sizes);
        let expected = encode_measured(&node, &sizes, total);
        // Buffers smaller than a varint, than a string, than the whole; and
        // larger: every way a piece meets a full buffer.
        for capacity in [1, 2, 5, 64, 200, 299, 301, 4096] {
            let mut out = Vec::new();
            let mut sink = Sink::stream(&mut out, capacity);
            let mut cursor = 0;
            node.canon_encode(&sizes, &mut cursor, &mut sink);
            sink.finish().unwrap();
            assert_eq!(out, expected, "buffer of {capacity} bytes");
        }
    }

    #[test]
    fn a_stream_reports_the_first_write_error() {
        struct Full(usize);
        impl Write for Full {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
                }
                let n = bytes.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut out = Full(10);
        let mut sink = Sink::stream(&mut out, 4);
        for _ in 0..100 {
            sink.extend_from_slice(b"abc");
        }
        let error = sink.finish().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
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
