//! Scalar f32 turbo decoder: the reference ("oracle") implementation.
//!
//! Full-length forward and backward recursions (no windows), metrics normalised to their
//! maximum each step. Max-log-MAP (optionally with extrinsic scaling) or exact log-MAP.
//! Not fast; it is what the fixed-point SIMD decoder ([`super::fixed`]) is checked against.
//!
//! # References
//! 3GPP TS 36.212 §5.1.3.2; Robertson, Villebrun, Hoeher, ICC 1995 (log-MAP, max-log-MAP).

// Trellis code indexes states and inputs by number, as the standard's tables do.
#![allow(clippy::needless_range_loop)]

use super::{
    qpp_permutation, rsc_step, tail_input, tail_llrs, Algorithm, DecodeOutcome, EarlyStop,
};
use crate::{Error, Result};

const NEG: f32 = -1.0e30;
/// Input LLRs are clamped to this magnitude (NaN becomes 0) so that no input can break the
/// arithmetic.
pub const LLR_CLAMP: f32 = 1.0e4;

#[derive(Debug, Clone, Copy)]
struct Branch {
    next: u8,
    /// +1 for parity 0, −1 for parity 1.
    zs: f32,
}

fn trellis() -> [[Branch; 2]; 8] {
    let mut t = [[Branch { next: 0, zs: 0.0 }; 2]; 8];
    for s in 0..8u8 {
        for u in 0..2u8 {
            let (z, n) = rsc_step(s, u);
            t[s as usize][u as usize] = Branch {
                next: n,
                zs: 1.0 - 2.0 * f32::from(z),
            };
        }
    }
    t
}

#[inline]
fn max_star(a: f32, b: f32, exact: bool) -> f32 {
    let m = a.max(b);
    if exact {
        m + (-(a - b).abs()).exp().ln_1p()
    } else {
        m
    }
}

#[inline]
fn sanitize(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(-LLR_CLAMP, LLR_CLAMP)
    }
}

/// The f32 reference turbo decoder for one block size. Plan once, decode many blocks.
#[derive(Debug, Clone)]
pub struct ScalarDecoder {
    k: usize,
    perm: Vec<u32>,
    trellis: [[Branch; 2]; 8],
    alpha: Vec<[f32; 8]>,
    sys: Vec<f32>,
    sys2: Vec<f32>,
    par1: Vec<f32>,
    par2: Vec<f32>,
    la: Vec<f32>,
    le: Vec<f32>,
    app: Vec<f32>,
}

impl ScalarDecoder {
    /// A decoder for block size `k`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not in 36.212 Table 5.1.3-3.
    pub fn new(k: usize) -> Result<Self> {
        let perm = qpp_permutation(k)?;
        Ok(ScalarDecoder {
            k,
            perm,
            trellis: trellis(),
            alpha: vec![[0.0; 8]; k + 1],
            sys: vec![0.0; k],
            sys2: vec![0.0; k],
            par1: vec![0.0; k],
            par2: vec![0.0; k],
            la: vec![0.0; k],
            le: vec![0.0; k],
            app: vec![0.0; k],
        })
    }

    /// Block size `K`.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Decode one block.
    ///
    /// - `d_llr`: soft `d0|d1|d2` (length 3·(K+4)), LLR = ln P(0)/P(1) (after rate
    ///   dematching; filler bits should carry a large positive LLR). Any value is accepted:
    ///   NaN counts as 0 and magnitudes are clamped to [`LLR_CLAMP`].
    /// - `iterations`: maximum full iterations (≥ 1).
    /// - `bits`: receives the K hard decisions (0/1).
    /// - `early_stop`: called with the decisions after each full iteration; returning `true`
    ///   ends decoding (e.g. a code-block CRC check). `None` runs all iterations.
    ///
    /// # Errors
    /// [`Error::Length`] for wrong `d_llr`/`bits` lengths, [`Error::Unsupported`] for
    /// `iterations == 0`.
    pub fn decode(
        &mut self,
        d_llr: &[f32],
        iterations: usize,
        algorithm: Algorithm,
        bits: &mut [u8],
        mut early_stop: EarlyStop<'_>,
    ) -> Result<DecodeOutcome> {
        let k = self.k;
        let dl = k + 4;
        super::check_decode_lengths(k, d_llr, bits)?;
        if iterations == 0 {
            return Err(Error::Unsupported {
                what: "iterations",
                value: "0".into(),
            });
        }
        for i in 0..k {
            self.sys[i] = sanitize(d_llr[i]);
            self.par1[i] = sanitize(d_llr[dl + i]);
            self.par2[i] = sanitize(d_llr[2 * dl + i]);
        }
        for i in 0..k {
            self.sys2[i] = self.sys[self.perm[i] as usize];
        }
        let t1 = tail_llrs(d_llr, k, false).map(sanitize);
        let t2 = tail_llrs(d_llr, k, true).map(sanitize);
        let mut la1 = vec![0.0f32; k];
        let mut outcome = DecodeOutcome {
            iterations: 0,
            stopped_early: false,
        };
        for it in 0..iterations {
            // Decoder 1, natural order.
            map(
                &mut self.alpha,
                &self.trellis,
                &self.sys,
                &la1,
                &self.par1,
                &t1,
                algorithm,
                &mut self.le,
                &mut self.app,
            );
            for i in 0..k {
                self.la[i] = self.le[self.perm[i] as usize];
            }
            // Decoder 2, interleaved order.
            map(
                &mut self.alpha,
                &self.trellis,
                &self.sys2,
                &self.la,
                &self.par2,
                &t2,
                algorithm,
                &mut self.le,
                &mut self.app,
            );
            for i in 0..k {
                let p = self.perm[i] as usize;
                la1[p] = self.le[i];
                bits[p] = u8::from(self.app[i] < 0.0);
            }
            outcome.iterations = it + 1;
            if let Some(f) = early_stop.as_mut() {
                if f(bits) {
                    outcome.stopped_early = true;
                    break;
                }
            }
        }
        Ok(outcome)
    }
}

/// One constituent BCJR pass: extrinsic `le` and a-posteriori `app` LLRs.
#[allow(clippy::too_many_arguments)]
fn map(
    alpha: &mut [[f32; 8]],
    tr: &[[Branch; 2]; 8],
    sys: &[f32],
    la: &[f32],
    par: &[f32],
    tail: &[f32; 6],
    algorithm: Algorithm,
    le: &mut [f32],
    app: &mut [f32],
) {
    let k = sys.len();
    let exact = algorithm == Algorithm::LogMap;
    let scale = if algorithm == Algorithm::MaxLogScaled {
        super::EXTRINSIC_SCALE
    } else {
        1.0
    };
    // Forward.
    alpha[0] = [NEG; 8];
    alpha[0][0] = 0.0;
    for t in 0..k {
        let gs = 0.5 * (sys[t] + la[t]);
        let gp = 0.5 * par[t];
        let a = alpha[t];
        let mut n = [NEG; 8];
        for s in 0..8 {
            for u in 0..2 {
                let b = tr[s][u];
                let g = if u == 0 { gs } else { -gs } + b.zs * gp;
                let nx = b.next as usize;
                n[nx] = max_star(n[nx], a[s] + g, exact);
            }
        }
        let m = n.iter().copied().fold(NEG, f32::max);
        for v in &mut n {
            *v -= m;
        }
        alpha[t + 1] = n;
    }
    // Backward: tail first (one branch per state).
    let mut beta = [NEG; 8];
    beta[0] = 0.0;
    for j in (0..3).rev() {
        let (x, z) = (tail[2 * j], tail[2 * j + 1]);
        let mut nb = [NEG; 8];
        for (s, v) in nb.iter_mut().enumerate() {
            let u = tail_input(s as u8);
            let (zb, n) = rsc_step(s as u8, u);
            let g = 0.5 * ((1.0 - 2.0 * f32::from(u)) * x + (1.0 - 2.0 * f32::from(zb)) * z);
            *v = g + beta[n as usize];
        }
        beta = nb;
    }
    for t in (0..k).rev() {
        let gs = 0.5 * (sys[t] + la[t]);
        let gp = 0.5 * par[t];
        let a = alpha[t];
        let (mut m0, mut m1) = (NEG, NEG);
        let mut nb = [NEG; 8];
        for s in 0..8 {
            for u in 0..2 {
                let b = tr[s][u];
                let g = if u == 0 { gs } else { -gs } + b.zs * gp;
                let bn = beta[b.next as usize];
                let c = a[s] + g + bn;
                if u == 0 {
                    m0 = max_star(m0, c, exact);
                } else {
                    m1 = max_star(m1, c, exact);
                }
                nb[s] = max_star(nb[s], g + bn, exact);
            }
        }
        let l = m0 - m1;
        app[t] = l;
        le[t] = scale * (l - sys[t] - la[t]);
        let m = nb.iter().copied().fold(NEG, f32::max);
        for v in &mut nb {
            *v -= m;
        }
        beta = nb;
    }
}

#[cfg(test)]
mod tests {
    use super::super::encode;
    use super::*;

    #[test]
    fn noiseless_roundtrip_all_algorithms() {
        for k in [40usize, 512, 1024] {
            let c: Vec<u8> = (0..k).map(|i| ((i * 7 + i / 3) % 3 == 0) as u8).collect();
            let mut d = vec![0u8; 3 * (k + 4)];
            encode(&c, &mut d).unwrap();
            let llr: Vec<f32> = d.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
            let mut dec = ScalarDecoder::new(k).unwrap();
            for alg in [
                Algorithm::MaxLog,
                Algorithm::MaxLogScaled,
                Algorithm::LogMap,
            ] {
                let mut out = vec![0u8; k];
                dec.decode(&llr, 2, alg, &mut out, None).unwrap();
                assert_eq!(out, c, "k={k} {alg:?}");
            }
        }
    }

    #[test]
    fn bad_inputs_are_errors_and_extremes_do_not_panic() {
        let mut dec = ScalarDecoder::new(40).unwrap();
        let mut out = vec![0u8; 40];
        assert!(dec
            .decode(&[0.0; 10], 1, Algorithm::MaxLog, &mut out, None)
            .is_err());
        assert!(dec
            .decode(&[0.0; 132], 0, Algorithm::MaxLog, &mut out, None)
            .is_err());
        let weird: Vec<f32> = (0..132)
            .map(|i| [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX, 0.0][i % 5])
            .collect();
        dec.decode(&weird, 3, Algorithm::LogMap, &mut out, None)
            .unwrap();
    }
}
