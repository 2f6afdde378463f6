//! Code block segmentation (with filler bits and per-block CRC24B) and its inverse.
//!
//! A transport block with its CRC24A (`B` bits) is cut into `C` code blocks whose sizes come
//! from the turbo table: `C₋` blocks of `K₋` and `C₊` of `K₊` bits, with `F` filler bits at
//! the start of block 0 and, when `C > 1`, a CRC24B at the end of every block.
//!
//! # References
//! 3GPP TS 36.212 §5.1.2 (segmentation), §5.1.5 (concatenation).

use super::crc::{Crc, CrcKind};
use super::turbo;
use crate::{Error, Result};

/// Maximum code block size `Z`.
pub const Z: usize = turbo::K_MAX;

/// The segmentation of one transport block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segmentation {
    /// Input bits `B` (transport block + CRC24A).
    pub b: usize,
    /// Number of code blocks `C`.
    pub c: usize,
    /// Larger block size `K₊` and how many blocks have it.
    pub k_plus: usize,
    /// Number of blocks of size `K₊`.
    pub c_plus: usize,
    /// Smaller block size `K₋` (0 if unused) and how many blocks have it.
    pub k_minus: usize,
    /// Number of blocks of size `K₋` (they come first).
    pub c_minus: usize,
    /// Filler bits `F` at the start of block 0.
    pub filler: usize,
    /// CRC bits per code block `L` (24 if `C > 1`, else 0).
    pub l: usize,
}

fn smallest_k_at_least(x: usize) -> Option<usize> {
    turbo::block_sizes().find(|&k| k >= x)
}

impl Segmentation {
    /// Segment `b` bits (TB + CRC24A).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `b == 0`.
    pub fn new(b: usize) -> Result<Self> {
        if b == 0 {
            return Err(Error::Unsupported {
                what: "segmentation input B",
                value: "0".into(),
            });
        }
        let (c, l, bp) = if b <= Z {
            (1, 0, b)
        } else {
            let c = b.div_ceil(Z - 24);
            (c, 24, b + c * 24)
        };
        // K₊: smallest K with C·K ≥ B'.
        let k_plus = smallest_k_at_least(bp.div_ceil(c)).expect("B'/C ≤ Z by construction");
        let (c_plus, k_minus, c_minus) = if c == 1 {
            (1, 0, 0)
        } else {
            let k_minus = turbo::block_sizes()
                .take_while(|&k| k < k_plus)
                .last()
                .unwrap_or(0);
            if k_minus == 0 {
                (c, 0, 0)
            } else {
                let dk = k_plus - k_minus;
                let c_minus = (c * k_plus - bp) / dk;
                (c - c_minus, k_minus, c_minus)
            }
        };
        let filler = c_plus * k_plus + c_minus * k_minus - bp;
        Ok(Segmentation {
            b,
            c,
            k_plus,
            c_plus,
            k_minus,
            c_minus,
            filler,
            l,
        })
    }

    /// Size `K_r` of code block `r`.
    pub fn k(&self, r: usize) -> usize {
        if r < self.c_minus {
            self.k_minus
        } else {
            self.k_plus
        }
    }

    /// Filler bits in code block `r` (only block 0 has any).
    pub fn filler_of(&self, r: usize) -> usize {
        if r == 0 {
            self.filler
        } else {
            0
        }
    }

    /// Cut `b_bits` (B bits) into code blocks `blocks[r]` of `K_r` bits each: filler bits
    /// (as 0), payload, and CRC24B when `C > 1`. `blocks` is resized as needed.
    ///
    /// # Errors
    /// [`Error::Length`] if `b_bits.len() != B`.
    pub fn segment(&self, b_bits: &[u8], crc24b: &Crc, blocks: &mut Vec<Vec<u8>>) -> Result<()> {
        if b_bits.len() != self.b {
            return Err(Error::Length {
                what: "segmentation input",
                expected: self.b,
                got: b_bits.len(),
            });
        }
        blocks.resize_with(self.c, Vec::new);
        for (r, blk) in blocks.iter_mut().enumerate() {
            self.segment_block(r, b_bits, crc24b, blk)?;
        }
        Ok(())
    }

    /// Where code block `r`'s payload lies in the B input bits: `(start, length)`, with
    /// `length = K_r − L − F_r`. For `r >= C` the result is meaningless (not checked).
    pub fn payload_range(&self, r: usize) -> (usize, usize) {
        // Blocks before r carry K_i − L − F_i payload bits each.
        let before = if r < self.c_minus {
            r * self.k_minus
        } else {
            self.c_minus * self.k_minus + (r - self.c_minus) * self.k_plus
        };
        let start = before - r * self.l - if r > 0 { self.filler } else { 0 };
        (start, self.k(r) - self.l - self.filler_of(r))
    }

    /// Code block `r` alone (as [`segment`](Self::segment) builds it) into `blk`, which is
    /// cleared first: `K_r` bits.
    ///
    /// # Errors
    /// [`Error::Length`] if `b_bits.len() != B`; [`Error::Unsupported`] if `r >= C`.
    pub fn segment_block(
        &self,
        r: usize,
        b_bits: &[u8],
        crc24b: &Crc,
        blk: &mut Vec<u8>,
    ) -> Result<()> {
        if b_bits.len() != self.b {
            return Err(Error::Length {
                what: "segmentation input",
                expected: self.b,
                got: b_bits.len(),
            });
        }
        if r >= self.c {
            return Err(Error::Unsupported {
                what: "code block index (must be < C)",
                value: r.to_string(),
            });
        }
        let (s, n) = self.payload_range(r);
        let k = self.k(r);
        let f = self.filler_of(r);
        blk.clear();
        blk.resize(f, 0);
        blk.extend_from_slice(&b_bits[s..s + n]);
        if self.l > 0 {
            crc24b.attach_bits(blk);
        }
        debug_assert_eq!(blk.len(), k);
        Ok(())
    }

    /// The inverse of [`segment`](Self::segment): concatenate the payload bits of decoded
    /// blocks into `out` (B bits). Returns, per block, whether its CRC24B checks (all `true`
    /// when `C = 1`, which has no block CRC).
    ///
    /// # Errors
    /// [`Error::Length`] if the number or sizes of blocks do not match.
    pub fn desegment(
        &self,
        blocks: &[Vec<u8>],
        crc24b: &Crc,
        out: &mut Vec<u8>,
    ) -> Result<Vec<bool>> {
        if blocks.len() != self.c {
            return Err(Error::Length {
                what: "desegmentation: code blocks",
                expected: self.c,
                got: blocks.len(),
            });
        }
        out.clear();
        let mut ok = Vec::with_capacity(self.c);
        for (r, blk) in blocks.iter().enumerate() {
            if blk.len() != self.k(r) {
                return Err(Error::Length {
                    what: "desegmentation: code block",
                    expected: self.k(r),
                    got: blk.len(),
                });
            }
            ok.push(self.l == 0 || crc24b.check_bits(blk));
            out.extend_from_slice(&blk[self.filler_of(r)..blk.len() - self.l]);
        }
        Ok(ok)
    }
}

/// A CRC24B checker for code blocks.
pub fn crc24b() -> Crc {
    Crc::new(CrcKind::Crc24B)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_segmentations() {
        // SI capture: TBS 256 + 24 = 280 → one block, K = 280, no filler.
        let s = Segmentation::new(280).unwrap();
        assert_eq!((s.c, s.k_plus, s.filler, s.l), (1, 280, 0, 0));
        // B = 32 → K = 40 with F = 8 filler bits.
        let s = Segmentation::new(32).unwrap();
        assert_eq!((s.c, s.k_plus, s.filler), (1, 40, 8));
        // TBS 75376 + 24 = 75400 → C = 13, B' = 75712 = 13 · 5824 exactly.
        let s = Segmentation::new(75_400).unwrap();
        assert_eq!((s.c, s.k_plus, s.c_minus, s.filler), (13, 5824, 0, 0));
        assert_eq!(
            s.c_plus * s.k_plus + s.c_minus * s.k_minus - s.filler,
            75_400 + 13 * 24
        );
        // B = 6145 → two blocks.
        let s = Segmentation::new(6145).unwrap();
        assert_eq!(s.c, 2);
        assert_eq!(
            s.c_plus * s.k_plus + s.c_minus * s.k_minus - s.filler,
            6145 + 48
        );
    }

    #[test]
    fn segment_roundtrip() {
        let crc = crc24b();
        for b in [32usize, 280, 6144, 6145, 20_000] {
            let s = Segmentation::new(b).unwrap();
            let bits: Vec<u8> = (0..b).map(|i| ((i * 13 + 5) % 7 % 2) as u8).collect();
            let mut blocks = Vec::new();
            s.segment(&bits, &crc, &mut blocks).unwrap();
            assert_eq!(blocks[0][..s.filler].iter().filter(|&&x| x != 0).count(), 0);
            let mut out = Vec::new();
            let ok = s.desegment(&blocks, &crc, &mut out).unwrap();
            assert_eq!(out, bits);
            assert!(ok.iter().all(|&x| x));
        }
    }
}
