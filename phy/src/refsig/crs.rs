//! Cell-specific reference signals (CRS) for antenna ports 0–3.
//!
//! r_{l,ns}(m) = (1 − 2c(2m))/√2 + j(1 − 2c(2m+1))/√2, m = 0 … 2·N_RB^max − 1, with
//! c_init = 2¹⁰·(7(ns+1) + l + 1)·(2N_ID + 1) + 2N_ID + N_CP. Element m of a cell with N_RB
//! PRBs uses r(m + N_RB^max − N_RB) and sits on subcarrier k = 6m + (v + v_shift) mod 6 of
//! symbol l ∈ {0, N_symb − 3} (ports 0, 1) or l = 1 (ports 2, 3), v_shift = N_ID mod 6.
//! Because of the offset the centre of the band carries the same values for every
//! bandwidth, so a receiver that sees only the central 6 PRBs can use `n_prb = 6`.
//!
//! # References
//! 3GPP TS 36.211 §6.10.1.

use crate::numerology::{CyclicPrefix, N_RB_MAX_DL};
use crate::sequence::Gold;
use crate::Complex32;

/// The CRS sequences of one cell for all 20 slots, precomputed.
#[derive(Debug, Clone)]
pub struct Crs {
    pci: u16,
    cp: CyclicPrefix,
    /// [slot][which] with which = 0 (l = 0), 1 (l = 1), 2 (l = N_symb − 3).
    seq: Vec<[Vec<Complex32>; 3]>,
}

/// A CRS resource element: subcarrier k, its value.
pub type CrsRe = (usize, Complex32);

impl Crs {
    /// Precompute the CRS of cell `pci` (0…503).
    pub fn new(pci: u16, cp: CyclicPrefix) -> Self {
        let nsym = cp.symbols_per_slot();
        let n_cp = u32::from(cp == CyclicPrefix::Normal);
        let id = u32::from(pci);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        let seq = (0..20u32)
            .map(|ns| {
                let mk = |l: u32| {
                    let c_init = (1 << 10) * (7 * (ns + 1) + l + 1) * (2 * id + 1) + 2 * id + n_cp;
                    let mut g = Gold::new(c_init);
                    (0..2 * N_RB_MAX_DL)
                        .map(|_| {
                            let a = g.next_bit();
                            let b = g.next_bit();
                            Complex32::new(
                                s * (1.0 - 2.0 * f32::from(a)),
                                s * (1.0 - 2.0 * f32::from(b)),
                            )
                        })
                        .collect::<Vec<_>>()
                };
                [mk(0), mk(1), mk(nsym as u32 - 3)]
            })
            .collect();
        Crs { pci, cp, seq }
    }

    /// The cell identity.
    pub fn pci(&self) -> u16 {
        self.pci
    }

    /// Whether symbol `l` (0-based within its slot) carries CRS of `port`.
    pub fn has_crs(&self, port: usize, l: usize) -> bool {
        let nsym = self.cp.symbols_per_slot();
        match port {
            0 | 1 => l == 0 || l == nsym - 3,
            _ => l == 1,
        }
    }

    /// Frequency offset (0…5) of the CRS of `port` in symbol `l` of slot `ns`.
    pub fn shift(&self, port: usize, ns: usize, l: usize) -> usize {
        let v = match (port, l) {
            (0, 0) => 0,
            (0, _) => 3,
            (1, 0) => 3,
            (1, _) => 0,
            (2, _) => 3 * (ns % 2),
            _ => 3 + 3 * (ns % 2),
        };
        (v + usize::from(self.pci) % 6) % 6
    }

    /// The CRS of `port` in symbol `l` of slot `ns` for a grid of `n_prb` PRBs:
    /// (subcarrier, value) pairs, 2·n_prb of them, or none if the symbol has no CRS.
    pub fn res(
        &self,
        port: usize,
        ns: usize,
        l: usize,
        n_prb: usize,
    ) -> impl Iterator<Item = CrsRe> + '_ {
        let which = if !self.has_crs(port, l) {
            None
        } else if l == 0 {
            Some(0)
        } else if l == 1 {
            Some(1)
        } else {
            Some(2)
        };
        let shift = self.shift(port, ns, l);
        let off = N_RB_MAX_DL - n_prb.min(N_RB_MAX_DL);
        let n = if which.is_some() {
            2 * n_prb.min(N_RB_MAX_DL)
        } else {
            0
        };
        let seq = &self.seq[ns % 20][which.unwrap_or(0)];
        (0..n).map(move |m| (6 * m + shift, seq[m + off]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn center_is_bandwidth_independent() {
        let c = Crs::new(150, CyclicPrefix::Normal);
        let a: Vec<_> = c.res(0, 1, 4, 6).collect();
        let b: Vec<_> = c.res(0, 1, 4, 50).collect();
        // The central 6 PRBs of a 50-PRB grid start at subcarrier 6·(50−6) = 264.
        for (x, y) in a.iter().zip(&b[44..56]) {
            assert_eq!(x.0 + 264, y.0);
            assert_eq!(x.1, y.1);
        }
        assert_eq!(c.res(0, 0, 2, 6).count(), 0);
        assert_eq!(c.res(2, 0, 1, 6).count(), 12);
        assert_eq!(c.shift(0, 0, 0), 0);
    }
}
