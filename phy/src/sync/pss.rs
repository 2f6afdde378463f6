//! Primary synchronisation signal: Zadoff–Chu sequences of length 63 (DC punctured).
//!
//! d_u(n) = e^{−jπ·u·n(n+1)/63} for n = 0…30 and e^{−jπ·u(n+1)(n+2)/63} for n = 31…61, with
//! roots u = 25, 29, 34 for N_ID^(2) = 0, 1, 2. The phase is reduced modulo 2π in integer
//! arithmetic before scaling (float32 phases of several thousand radians lose accuracy).
//! Mapped to k = n − 31 + N_RB·12/2 in the last symbol of slots 0 and 10 (FDD).
//!
//! # References
//! 3GPP TS 36.211 §6.11.1.

use crate::Complex32;

/// Length of the PSS (and SSS) in subcarriers.
pub const LEN: usize = 62;

/// The Zadoff–Chu root for N_ID^(2).
///
/// # Panics
/// If `n_id_2 > 2`.
pub fn root(n_id_2: u8) -> u32 {
    [25, 29, 34][n_id_2 as usize]
}

/// The PSS d(0…61) for `n_id_2` (0, 1, 2).
///
/// # Panics
/// If `n_id_2 > 2`.
pub fn sequence(n_id_2: u8) -> [Complex32; LEN] {
    let u = root(n_id_2);
    let mut d = [Complex32::default(); LEN];
    for (n, v) in d.iter_mut().enumerate() {
        let n = n as u32;
        let m = if n < 31 {
            n * (n + 1)
        } else {
            (n + 1) * (n + 2)
        };
        let r = (u * m) % 126;
        let ph = -std::f64::consts::PI * f64::from(r) / 63.0;
        *v = Complex32::new(ph.cos() as f32, ph.sin() as f32);
    }
    d
}

/// Subcarrier index in a grid of `n_sc` subcarriers of PSS/SSS element `n` (0…61).
pub const fn subcarrier(n: usize, n_sc: usize) -> usize {
    n + n_sc / 2 - 31
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cazac_properties() {
        for id in 0..3 {
            let d = sequence(id);
            assert!(d.iter().all(|v| (v.norm() - 1.0).abs() < 1e-6));
            // Centrally symmetric: d(n) = d(61 − n).
            for n in 0..31 {
                assert!((d[n] - d[61 - n]).norm() < 1e-5);
            }
        }
        assert_eq!(subcarrier(0, 72), 5);
        assert_eq!(subcarrier(61, 72), 66);
    }
}
