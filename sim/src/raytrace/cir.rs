//! Channel impulse responses from traced paths, and their conversion to a tapped delay line
//! for the link-level channel.

use num_complex::Complex64;

use super::paths::Path;
use crate::propagation::Polarization;

/// A continuous-time channel impulse response `h(τ) = Σ a_i δ(τ − τ_i)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cir {
    /// Path delays, s.
    pub delays_s: Vec<f64>,
    /// Complex path amplitudes (dimensionless, |a|² is the path gain), same length.
    pub gains: Vec<Complex64>,
}

/// A tapped delay line: taps at multiples of the sample period, relative to the first path.
#[derive(Debug, Clone, PartialEq)]
pub struct Tdl {
    /// Tap delays relative to the first tap, s.
    pub delays_s: Vec<f64>,
    /// Complex tap weights.
    pub taps: Vec<Complex64>,
    /// Delay of the first path (absolute), s.
    pub offset_s: f64,
}

impl Tdl {
    /// Tap powers in dB relative to the total (for TDL-model style tables).
    pub fn relative_powers_db(&self) -> Vec<f64> {
        let total: f64 = self.taps.iter().map(|t| t.norm_sqr()).sum();
        self.taps
            .iter()
            .map(|t| 10.0 * (t.norm_sqr() / total).max(1e-30).log10())
            .collect()
    }
}

impl Cir {
    /// The CIR of `paths` for TX polarisation `tx` and RX polarisation `rx`.
    pub fn from_paths(paths: &[Path], tx: Polarization, rx: Polarization) -> Cir {
        let mut c = Cir::default();
        for p in paths {
            c.delays_s.push(p.delay_s);
            c.gains.push(p.gain(tx, rx));
        }
        c
    }

    /// Total power gain `Σ|a_i|²` (incoherent).
    pub fn power(&self) -> f64 {
        self.gains.iter().map(|g| g.norm_sqr()).sum()
    }

    /// Narrow-band (coherent) gain `|Σ a_i|²` at the carrier.
    pub fn coherent_power(&self) -> f64 {
        self.gains.iter().sum::<Complex64>().norm_sqr()
    }

    /// Sample the band-limited response at `sample_rate_hz` into `n_taps` taps starting at the
    /// first path: `h[l] = Σ a_i · sinc(l − (τ_i − τ_0)·fs)` (ideal low-pass of bandwidth fs).
    /// An empty CIR gives zero taps.
    pub fn to_tdl(&self, sample_rate_hz: f64, n_taps: usize) -> Tdl {
        let t0 = self.delays_s.iter().copied().fold(f64::INFINITY, f64::min);
        let t0 = if t0.is_finite() { t0 } else { 0.0 };
        let mut taps = vec![Complex64::new(0.0, 0.0); n_taps];
        for (d, g) in self.delays_s.iter().zip(&self.gains) {
            let x = (d - t0) * sample_rate_hz;
            for (l, tap) in taps.iter_mut().enumerate() {
                let u = l as f64 - x;
                let s = if u.abs() < 1e-12 {
                    1.0
                } else {
                    (std::f64::consts::PI * u).sin() / (std::f64::consts::PI * u)
                };
                *tap += g * s;
            }
        }
        Tdl {
            delays_s: (0..n_taps).map(|l| l as f64 / sample_rate_hz).collect(),
            taps,
            offset_s: t0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_grid_paths_land_on_taps() {
        let c = Cir {
            delays_s: vec![1e-5, 1e-5 + 2.0 / 1.92e6],
            gains: vec![Complex64::new(1.0, 0.0), Complex64::new(0.0, 0.5)],
        };
        let t = c.to_tdl(1.92e6, 4);
        assert!((t.taps[0] - Complex64::new(1.0, 0.0)).norm() < 1e-12);
        assert!(t.taps[1].norm() < 1e-12);
        assert!((t.taps[2] - Complex64::new(0.0, 0.5)).norm() < 1e-12);
        assert!((t.offset_s - 1e-5).abs() < 1e-18);
        assert!((c.power() - 1.25).abs() < 1e-12);
        let p = t.relative_powers_db();
        assert!((p[0] - 10.0 * (1.0f64 / 1.25).log10()).abs() < 1e-9);
    }
}
