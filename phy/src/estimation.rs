//! Downlink channel estimation on the cell-specific reference signals.
//!
//! Least squares at each CRS resource element (Y·r*, |r| = 1), optional [1 2 1]/4
//! smoothing across neighbouring CRS in frequency, linear interpolation in frequency
//! (held flat beyond the outermost CRS) and linear interpolation/extrapolation in time
//! between the CRS symbols of the subframe. The noise variance per resource element is
//! estimated from the port-0 LS values: the residual e(m) = h(m) − (h(m−1) + h(m+1))/2 has
//! variance 1.5·σ² on a channel that is locally linear in frequency.
//!
//! Output layout: `h[(p · n_sym + l) · n_sc + k]` for port p, symbol l, subcarrier k.
//!
//! # References
//! 3GPP TS 36.211 §6.10.1; J.-J. van de Beek et al., "On channel estimation in OFDM
//! systems", VTC 1995 (LS and linear interpolation).

use crate::grid::ResourceGrid;
use crate::refsig::crs::Crs;
use crate::Complex32;

/// Estimated channel of one subframe for each transmit port, and the noise variance.
#[derive(Debug, Clone)]
pub struct ChannelEstimate {
    /// Subcarriers per symbol.
    pub n_sc: usize,
    /// Symbols in the subframe.
    pub n_sym: usize,
    /// Ports estimated.
    pub ports: usize,
    /// Channel per (port, symbol, subcarrier), layout in the module docs.
    pub h: Vec<Complex32>,
    /// Noise variance per resource element (same scale as the grid), ≥ 1e-12.
    pub noise_var: f32,
    /// Mean |h|² of port 0 at its CRS (received reference power per RE, grid scale).
    pub rsrp: f32,
}

impl ChannelEstimate {
    /// Channel of `port` at (k, l).
    #[inline]
    pub fn at(&self, port: usize, k: usize, l: usize) -> Complex32 {
        self.h[(port * self.n_sym + l) * self.n_sc + k]
    }
    /// SNR per RE of port 0, dB.
    pub fn snr_db(&self) -> f32 {
        10.0 * (self.rsrp / self.noise_var).max(1e-6).log10()
    }
}

/// Estimate the channel of subframe `subframe` (0…9) for `ports` (1, 2 or 4) transmit ports.
///
/// `grid` holds the demodulated subframe; its bandwidth `grid.n_sc()/12` PRBs are taken as
/// centred on the carrier (CRS index offset N_RB^max − N_RB), which is right for a full
/// grid and for the central-6-PRB view of any cell.
pub fn estimate<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    crs: &Crs,
    subframe: usize,
    ports: usize,
    smooth: bool,
) -> ChannelEstimate {
    let n_sc = grid.n_sc();
    let n_sym = grid.n_symbols();
    let nsym_slot = n_sym / 2;
    let n_prb = n_sc / 12;
    let mut h = vec![Complex32::default(); ports * n_sym * n_sc];
    let mut noise_acc = 0f64;
    let mut noise_n = 0usize;
    let mut rsrp_acc = 0f64;
    let mut ls: Vec<(usize, Complex32)> = Vec::with_capacity(2 * n_prb);
    let mut sm: Vec<Complex32> = Vec::with_capacity(2 * n_prb);
    for p in 0..ports {
        let mut crs_syms = Vec::with_capacity(4);
        for slot in 0..2 {
            for l in 0..nsym_slot {
                if !crs.has_crs(p, l) {
                    continue;
                }
                let ll = slot * nsym_slot + l;
                let ns = 2 * (subframe % 10) + slot;
                let y = grid.symbol(ll);
                ls.clear();
                ls.extend(crs.res(p, ns, l, n_prb).map(|(k, r)| (k, y[k] * r.conj())));
                if p == 0 {
                    for w in ls.windows(3) {
                        let e = w[1].1 - (w[0].1 + w[2].1) * 0.5;
                        noise_acc += f64::from(e.norm_sqr());
                        noise_n += 1;
                    }
                    rsrp_acc += ls.iter().map(|(_, v)| f64::from(v.norm_sqr())).sum::<f64>();
                }
                sm.clear();
                if smooth && ls.len() >= 3 {
                    let n = ls.len();
                    for m in 0..n {
                        let a = ls[m.saturating_sub(1)].1;
                        let c = ls[(m + 1).min(n - 1)].1;
                        sm.push((a + ls[m].1 * 2.0 + c) * 0.25);
                    }
                } else {
                    sm.extend(ls.iter().map(|x| x.1));
                }
                let row = &mut h[(p * n_sym + ll) * n_sc..(p * n_sym + ll + 1) * n_sc];
                interp_freq(&ls, &sm, row);
                crs_syms.push(ll);
            }
        }
        // Time interpolation for the other symbols.
        for l in 0..n_sym {
            if crs_syms.contains(&l) || crs_syms.is_empty() {
                continue;
            }
            let (a, b) = if crs_syms.len() == 1 {
                (crs_syms[0], crs_syms[0])
            } else {
                // The two CRS symbols that bracket l, or the nearest two at the ends.
                let mut a = crs_syms[0];
                let mut b = crs_syms[1];
                for w in crs_syms.windows(2) {
                    if l > w[0] {
                        a = w[0];
                        b = w[1];
                    }
                }
                (a, b)
            };
            let t = if a == b {
                0.0
            } else {
                (l as f32 - a as f32) / (b as f32 - a as f32)
            };
            for k in 0..n_sc {
                let ha = h[(p * n_sym + a) * n_sc + k];
                let hb = h[(p * n_sym + b) * n_sc + k];
                h[(p * n_sym + l) * n_sc + k] = ha + (hb - ha) * t;
            }
        }
    }
    let noise_var = if noise_n > 0 {
        (noise_acc / noise_n as f64 / 1.5) as f32
    } else {
        1e-12
    };
    let n_crs0 = 2 * n_prb * 4;
    ChannelEstimate {
        n_sc,
        n_sym,
        ports,
        h,
        noise_var: noise_var.max(1e-12),
        rsrp: (rsrp_acc / n_crs0 as f64) as f32,
    }
}

/// Linear interpolation of CRS values `v` at subcarriers `ls[i].0` onto every subcarrier.
fn interp_freq(ls: &[(usize, Complex32)], v: &[Complex32], row: &mut [Complex32]) {
    if ls.is_empty() {
        return;
    }
    let n = row.len();
    let first = ls[0].0;
    for x in row.iter_mut().take(first.min(n)) {
        *x = v[0];
    }
    for i in 0..ls.len() {
        let k0 = ls[i].0;
        if i + 1 == ls.len() {
            for x in row.iter_mut().skip(k0) {
                *x = v[i];
            }
            break;
        }
        let k1 = ls[i + 1].0;
        let d = (k1 - k0) as f32;
        for (k, r) in row.iter_mut().enumerate().take(k1.min(n)).skip(k0) {
            let t = (k - k0) as f32 / d;
            *r = v[i] + (v[i + 1] - v[i]) * t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerology::{Bandwidth, CyclicPrefix, Numerology};

    #[test]
    fn flat_channel_is_recovered() {
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        let crs = Crs::new(7, CyclicPrefix::Normal);
        let mut g = ResourceGrid::zeros(&num);
        let h0 = Complex32::new(0.3, -0.8);
        let h1 = Complex32::new(-0.5, 0.1);
        for (p, hp) in [(0, h0), (1, h1)] {
            for slot in 0..2 {
                for l in 0..7 {
                    for (k, r) in crs.res(p, 2 * 3 + slot, l, 6) {
                        g.set(k, slot * 7 + l, r * hp);
                    }
                }
            }
        }
        let est = estimate(&g, &crs, 3, 2, true);
        for l in 0..14 {
            for k in 0..72 {
                assert!((est.at(0, k, l) - h0).norm() < 1e-5);
                assert!((est.at(1, k, l) - h1).norm() < 1e-5);
            }
        }
        assert!(est.noise_var < 1e-6);
    }
}
