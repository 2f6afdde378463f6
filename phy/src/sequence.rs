//! Pseudo-random sequences.
//!
//! # References
//! 3GPP TS 36.211 §7.2 (length-31 Gold sequence, N_c = 1600).

/// Generator of the length-31 Gold sequence c(n) of TS 36.211 §7.2.
///
/// `x1` starts at 1,0,…,0 and `x2` at the bits of `c_init`; c(n) = x1(n+1600) ⊕ x2(n+1600).
///
/// State: each register holds the next 31 bits of its m-sequence, bit `j` = x(n+j). The
/// bit-serial methods ([`next_bit`](Self::next_bit)) shift one bit; the word methods
/// ([`next_word`](Self::next_word), [`fill`](Self::fill), [`scramble_bits`](Self::scramble_bits),
/// [`descramble_llrs`](Self::descramble_llrs), [`skip`](Self::skip)) advance 32 bits per step
/// with the recurrences solved word-parallel (see [`x1_word_after`]).
#[derive(Debug, Clone)]
pub struct Gold {
    x1: u32,
    x2: u32,
}

const NC: usize = 1600;
const MASK31: u32 = 0x7fff_ffff;

/// Bits 0/1 per byte of a byte value, least significant bit first (byte `i` of the
/// little-endian `u64` = bit `i`).
const fn spread_lsb_first() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut i = 0;
        while i < 8 {
            t[b] |= (((b >> i) & 1) as u64) << (8 * i);
            i += 1;
        }
        b += 1;
    }
    t
}
static SPREAD: [u64; 256] = spread_lsb_first();

/// The 32 bits x1(m+32..m+64) that follow the word `w` = x1(m..m+32) (bit `t` = x1(m+t)).
///
/// From x1(n+31) = x1(n+3) ⊕ x1(n): x1(p) = x1(p−28) ⊕ x1(p−31). For output bit `t` the
/// terms at p−28, p−31 lie in `w` (as `w >> 4`, `w >> 1`) unless `t ≥ 28` (resp. 31), where
/// they are output bits 0..3 themselves — already final, hence the `b << 28`, `b << 31`.
#[inline(always)]
const fn x1_word_after(w: u32) -> u32 {
    let b = (w >> 1) ^ (w >> 4);
    b ^ (b << 28) ^ (b << 31)
}

/// As [`x1_word_after`] for x2(n+31) = x2(n+3) ⊕ x2(n+2) ⊕ x2(n+1) ⊕ x2(n).
#[inline(always)]
const fn x2_word_after(w: u32) -> u32 {
    let b = (w >> 1) ^ (w >> 2) ^ (w >> 3) ^ (w >> 4);
    b ^ (b << 28) ^ (b << 29) ^ (b << 30) ^ (b << 31)
}

impl Gold {
    /// A generator positioned at c(0) for the given `c_init` (only the low 31 bits are used).
    pub fn new(c_init: u32) -> Self {
        let mut g = Gold {
            x1: 1,
            x2: c_init & MASK31,
        };
        g.skip(NC);
        g
    }

    #[inline]
    fn step(&mut self) -> u8 {
        let out = ((self.x1 ^ self.x2) & 1) as u8;
        let f1 = ((self.x1 >> 3) ^ self.x1) & 1;
        let f2 = ((self.x2 >> 3) ^ (self.x2 >> 2) ^ (self.x2 >> 1) ^ self.x2) & 1;
        self.x1 = (self.x1 >> 1) | (f1 << 30);
        self.x2 = (self.x2 >> 1) | (f2 << 30);
        out
    }

    /// The next 32 sequence bits, c(n) in bit 0 … c(n+31) in bit 31, advancing by 32.
    #[inline]
    pub fn next_word(&mut self) -> u32 {
        // Current words x(n..n+32): the register's 31 bits plus bit 31 = x(n+31).
        let w1 = self.x1 | ((((self.x1 >> 3) ^ self.x1) & 1) << 31);
        let x2 = self.x2;
        let w2 = x2 | ((((x2 >> 3) ^ (x2 >> 2) ^ (x2 >> 1) ^ x2) & 1) << 31);
        self.x1 = x1_word_after(w1) & MASK31;
        self.x2 = x2_word_after(w2) & MASK31;
        w1 ^ w2
    }

    /// Advance by `n` bits without producing them.
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n / 32 {
            self.next_word();
        }
        for _ in 0..n % 32 {
            self.step();
        }
    }

    /// The next bit c(n) (0 or 1).
    #[inline]
    pub fn next_bit(&mut self) -> u8 {
        self.step()
    }

    /// Fill `out` with the next `out.len()` bits, one bit (0/1) per byte.
    pub fn fill(&mut self, out: &mut [u8]) {
        out.fill(0);
        self.scramble_bits(out);
    }

    /// XOR the next `bits.len()` sequence bits into `bits` (bit scrambling).
    pub fn scramble_bits(&mut self, bits: &mut [u8]) {
        let mut chunks = bits.chunks_exact_mut(32);
        for ch in &mut chunks {
            let w = self.next_word();
            for (j, c8) in ch.chunks_exact_mut(8).enumerate() {
                let v = u64::from_le_bytes(c8.try_into().expect("8 bytes"))
                    ^ SPREAD[((w >> (8 * j)) & 0xff) as usize];
                c8.copy_from_slice(&v.to_le_bytes());
            }
        }
        for b in chunks.into_remainder() {
            *b ^= self.step();
        }
    }

    /// Flip the sign of each LLR whose sequence bit is 1 (soft descrambling).
    pub fn descramble_llrs(&mut self, llrs: &mut [f32]) {
        let mut chunks = llrs.chunks_exact_mut(32);
        for ch in &mut chunks {
            let w = self.next_word();
            for (i, l) in ch.iter_mut().enumerate() {
                *l = f32::from_bits(l.to_bits() ^ (((w >> i) & 1) << 31));
            }
        }
        for l in chunks.into_remainder() {
            if self.step() == 1 {
                *l = -*l;
            }
        }
    }
}

/// The first `len` bits of c(n) for `c_init`, one bit per byte.
pub fn gold_sequence(c_init: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    Gold::new(c_init).fill(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// c_init = 0: x2 stays zero, so c(n) is x1 alone; its first bits are known from the spec data.
    #[test]
    fn cinit_zero_prefix() {
        let want = "0000001000011010000100100111101000100101100101010000001101010110";
        let got: String = gold_sequence(0, want.len())
            .iter()
            .map(|b| char::from(b'0' + b))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn skip_matches_fill() {
        let full = gold_sequence(0x1234_5678, 200);
        let mut g = Gold::new(0x1234_5678);
        g.skip(77);
        let mut tail = vec![0u8; 123];
        g.fill(&mut tail);
        assert_eq!(&full[77..], &tail[..]);
    }

    /// The word-parallel methods against the bit-serial recurrence, at every alignment.
    #[test]
    fn word_methods_match_bit_serial() {
        for c_init in [0u32, 1, 0x1234_5678, 0x7fff_ffff, 0xffff_ffff] {
            let mut serial = Gold::new(c_init);
            let want: Vec<u8> = (0..3000).map(|_| serial.step()).collect();
            let mut g = Gold::new(c_init);
            let mut got = Vec::new();
            for _ in 0..10 {
                let w = g.next_word();
                got.extend((0..32).map(|i| ((w >> i) & 1) as u8));
            }
            assert_eq!(&got[..], &want[..320], "c_init {c_init:#x}");
            for off in [0usize, 1, 5, 31, 32, 33, 100] {
                let mut g = Gold::new(c_init);
                g.skip(off);
                let mut bits = vec![0u8; 1000 + off % 7];
                g.scramble_bits(&mut bits);
                assert_eq!(&bits[..], &want[off..off + bits.len()]);
                let mut ll = vec![1.5f32; 77];
                g.descramble_llrs(&mut ll);
                let at = off + 1000 + off % 7;
                for (l, b) in ll.iter().zip(&want[at..]) {
                    assert_eq!(*l, if *b == 1 { -1.5 } else { 1.5 });
                }
                assert_eq!(g.next_bit(), want[at + 77]);
            }
        }
    }
}
