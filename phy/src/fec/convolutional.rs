//! Tail-biting convolutional code of LTE (rate 1/3, constraint length 7) and its
//! wrap-around Viterbi decoder.
//!
//! Generators (octal) G0 = 133, G1 = 171, G2 = 165; the shift register starts in the state
//! of the last six input bits, so the encoder starts and ends in the same state.
//! d_k^(i) = Σ_j g_i(j)·c_{k−j} mod 2 (j = 0 … 6, g_i(0) the MSB of the octal value).
//!
//! The decoder runs max-log (sum-of-LLR correlation) Viterbi over three copies of the block
//! (wrap-around Viterbi): the first copy lets the path metrics forget the unknown start
//! state, the decisions of the middle copy are output after a trace back from the best state
//! at the end of the third copy.
//!
//! # References
//! 3GPP TS 36.212 §5.1.3.1; R. Y. Shao, S. Lin, M. Fossorier, "Two decoding algorithms for
//! tailbiting codes", IEEE Trans. Commun. 51(10), 2003.

use crate::{Error, Result};

/// Generator polynomials, octal 133, 171, 165.
pub const GENERATORS: [u8; 3] = [0o133, 0o171, 0o165];
const STATES: usize = 64;

/// Output bits (d0, d1, d2) for the current input `u` and state `s` (bit j−1 of `s` is
/// c_{k−j}).
#[inline]
fn outputs(u: u8, s: usize) -> [u8; 3] {
    // State bit (j−1) is c_{k−j}; it meets g(j), which is bit (6 − j) of the octal value.
    let mut out = [0u8; 3];
    for (o, g) in out.iter_mut().zip(GENERATORS) {
        let mut acc = 0u32;
        for j in 0..7 {
            let c = if j == 0 {
                u32::from(u)
            } else {
                (s as u32 >> (j - 1)) & 1
            };
            acc ^= c & u32::from((g >> (6 - j)) & 1);
        }
        *o = acc as u8;
    }
    out
}

#[inline]
fn next_state(s: usize, u: u8) -> usize {
    ((s << 1) | usize::from(u)) & 0x3f
}

/// Encode `c` (one bit per byte) into the three streams `d[0..3]`, each `c.len()` long.
///
/// # Errors
/// [`Error::Length`] if `c` is shorter than 6 bits.
pub fn encode(c: &[u8]) -> Result<[Vec<u8>; 3]> {
    let k = c.len();
    if k < 6 {
        return Err(Error::Length {
            what: "tail-biting CC input (at least 6 bits)",
            expected: 6,
            got: k,
        });
    }
    let mut s = 0usize;
    for &b in &c[k - 6..] {
        s = next_state(s, b & 1);
    }
    let mut d = [vec![0u8; k], vec![0u8; k], vec![0u8; k]];
    for (i, &b) in c.iter().enumerate() {
        let o = outputs(b & 1, s);
        for (stream, bit) in d.iter_mut().zip(o) {
            stream[i] = bit;
        }
        s = next_state(s, b & 1);
    }
    Ok(d)
}

/// A reusable wrap-around Viterbi decoder (holds its survivor memory).
#[derive(Debug, Clone, Default)]
pub struct Viterbi {
    decisions: Vec<u64>,
}

impl Viterbi {
    /// A decoder; memory grows on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decode `k` bits from the soft streams: `llr[3i + s]` is the LLR (positive = 0) of
    /// d_i^(s). Writes the bits to `out` (len k).
    ///
    /// # Errors
    /// [`Error::Length`] if `llr.len() != 3·out.len()` or `out.len() < 6`.
    pub fn decode(&mut self, llr: &[f32], out: &mut [u8]) -> Result<()> {
        let k = out.len();
        if k < 6 || llr.len() != 3 * k {
            return Err(Error::Length {
                what: "Viterbi LLRs (3 per bit)",
                expected: 3 * k.max(6),
                got: llr.len(),
            });
        }
        // Branch output table per (state, input).
        let mut table = [[0u8; 2]; STATES];
        for (s, t) in table.iter_mut().enumerate() {
            for u in 0..2u8 {
                let o = outputs(u, s);
                t[usize::from(u)] = o[0] | (o[1] << 1) | (o[2] << 2);
            }
        }
        let steps = 3 * k;
        self.decisions.clear();
        self.decisions.resize(steps, 0);
        let mut pm = [0f32; STATES];
        let mut npm = [0f32; STATES];
        for t in 0..steps {
            let i = t % k;
            let l = [llr[3 * i], llr[3 * i + 1], llr[3 * i + 2]];
            // Correlation metric of each of the 8 output patterns.
            let mut bm = [0f32; 8];
            for (p, m) in bm.iter_mut().enumerate() {
                for (j, lj) in l.iter().enumerate() {
                    *m += if (p >> j) & 1 == 0 { *lj } else { -*lj };
                }
            }
            let mut dec = 0u64;
            for (ns, np) in npm.iter_mut().enumerate() {
                let u = (ns & 1) as u8;
                let p0 = ns >> 1; // predecessor whose oldest bit was 0
                let p1 = p0 | 0x20;
                let m0 = pm[p0] + bm[usize::from(table[p0][usize::from(u)])];
                let m1 = pm[p1] + bm[usize::from(table[p1][usize::from(u)])];
                if m1 > m0 {
                    *np = m1;
                    dec |= 1 << ns;
                } else {
                    *np = m0;
                }
            }
            let mx = npm.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for (p, n) in pm.iter_mut().zip(&npm) {
                *p = n - mx;
            }
            self.decisions[t] = dec;
        }
        let mut s = (0..STATES)
            .max_by(|&a, &b| pm[a].total_cmp(&pm[b]))
            .unwrap_or(0);
        for t in (0..steps).rev() {
            if t >= k && t < 2 * k {
                out[t - k] = (s & 1) as u8;
            }
            let d = (self.decisions[t] >> s) & 1;
            s = (s >> 1) | ((d as usize) << 5);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_noiseless_and_with_errors() {
        let bits: Vec<u8> = (0..40).map(|i| ((i * 13 + 5) % 7 % 2) as u8).collect();
        let d = encode(&bits).unwrap();
        let mut llr: Vec<f32> = (0..40)
            .flat_map(|i| (0..3).map(move |s| (i, s)))
            .map(|(i, s)| if d[s][i] == 0 { 1.0 } else { -1.0 })
            .collect();
        let mut out = vec![0u8; 40];
        let mut v = Viterbi::new();
        v.decode(&llr, &mut out).unwrap();
        assert_eq!(out, bits);
        for i in [3usize, 40, 77, 100] {
            llr[i] = -llr[i];
        }
        v.decode(&llr, &mut out).unwrap();
        assert_eq!(out, bits);
        assert!(v.decode(&llr[..10], &mut out).is_err());
        assert!(encode(&[1, 0]).is_err());
    }
}
