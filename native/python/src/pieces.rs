//! The serialized arguments as the caller's bytes objects, read in place.
//!
//! The package hands the arguments over in pieces whose concatenation is the
//! serialized `ExportArguments` (the graph serialized where it is, not joined
//! into one copy with the rest). Read as one `Buf`, a field that lies within
//! one piece (a tensor's contents) comes out as a slice of that piece.

use std::collections::VecDeque;

use prost::bytes::{Buf, BufMut, Bytes, BytesMut};

pub struct Pieces {
    pieces: VecDeque<Bytes>,
    remaining: usize,
}

impl Pieces {
    pub fn new(pieces: impl IntoIterator<Item = Bytes>) -> Self {
        let pieces: VecDeque<Bytes> = pieces.into_iter().filter(|p| !p.is_empty()).collect();
        let remaining = pieces.iter().map(Bytes::len).sum();
        Pieces { pieces, remaining }
    }
}

impl Buf for Pieces {
    fn remaining(&self) -> usize {
        self.remaining
    }

    fn chunk(&self) -> &[u8] {
        self.pieces.front().map_or(&[], |piece| piece.as_ref())
    }

    fn advance(&mut self, mut count: usize) {
        assert!(
            count <= self.remaining,
            "advanced past the end of the arguments"
        );
        self.remaining -= count;
        while count > 0 {
            let front = self.pieces.front_mut().expect("counted above");
            if count < front.len() {
                front.advance(count);
                return;
            }
            count -= front.len();
            self.pieces.pop_front();
        }
    }

    fn copy_to_bytes(&mut self, len: usize) -> Bytes {
        if let Some(front) = self.pieces.front_mut() {
            if len <= front.len() {
                let slice = front.split_to(len);
                self.remaining -= len;
                if front.is_empty() {
                    self.pieces.pop_front();
                }
                return slice;
            }
        }
        // Only a field split across pieces is copied.
        let mut copy = BytesMut::with_capacity(len);
        copy.put(self.take(len));
        copy.freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(data: &[u8], cuts: &[usize]) -> Pieces {
        let mut pieces = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([data.len()].iter()) {
            pieces.push(Bytes::copy_from_slice(&data[start..cut]));
            start = cut;
        }
        Pieces::new(pieces)
    }

    #[test]
    fn reads_the_concatenation_wherever_it_is_cut() {
        let data: Vec<u8> = (0..=255).collect();
        for cuts in [
            vec![],
            vec![0],
            vec![1, 1, 2],
            vec![100, 200],
            vec![255, 256],
        ] {
            let mut pieces = split(&data, &cuts);
            let mut read = Vec::new();
            let mut step = 1;
            while pieces.has_remaining() {
                let len = step.min(pieces.remaining());
                read.extend_from_slice(&pieces.copy_to_bytes(len));
                step = step % 7 + 1;
            }
            assert_eq!(read, data, "cut at {cuts:?}");
        }
    }

    #[test]
    fn a_slice_within_a_piece_shares_its_memory() {
        let piece = Bytes::from(vec![9u8; 64]);
        let start = piece.as_ptr();
        let mut pieces = Pieces::new([Bytes::from_static(b"ab"), piece]);
        pieces.advance(2);
        let slice = pieces.copy_to_bytes(32);
        assert_eq!(slice.as_ptr(), start);
        assert_eq!(pieces.remaining(), 32);
    }
}
