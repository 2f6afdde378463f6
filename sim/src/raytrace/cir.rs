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
    /// Absolute delay of tap 0, s: the first path's delay for [`Cir::to_tdl`], `lead`
    /// samples earlier for [`Cir::to_tdl_windowed`].
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

    /// Band-limited taps with pre-cursors: every path becomes the Kaiser-windowed sinc of
    /// [`crate::channel::interp`] (half-width `half_width` samples) at its exact delay, tap 0
    /// sitting `half_width` samples before the first path, so no path's kernel is cut. The
    /// result has `ceil(max excess delay · fs) + 2·half_width + 1` taps and reproduces
    /// `H(f) = Σ a_i e^{−j2πf(τ_i − offset_s)}` within 1e-4 per path for
    /// `|f| ≤ 0.8 · fs/2` (see [`crate::channel::interp`]). An empty CIR gives zero taps.
    ///
    /// This is the form to feed [`crate::channel::Channel::from_tdl`] when the paths are
    /// closer than a sample period (rural two-ray links) or the response must be exact in
    /// band; [`Cir::to_tdl`] keeps the plain truncated sinc from the first path on.
    pub fn to_tdl_windowed(&self, sample_rate_hz: f64, half_width: usize) -> Tdl {
        if self.delays_s.is_empty() {
            return Tdl {
                delays_s: Vec::new(),
                taps: Vec::new(),
                offset_s: 0.0,
            };
        }
        let t0 = self.delays_s.iter().copied().fold(f64::INFINITY, f64::min);
        let span = self
            .delays_s
            .iter()
            .map(|d| (d - t0) * sample_rate_hz)
            .fold(0.0, f64::max);
        let lead = half_width as f64;
        let n_taps = span.ceil() as usize + 2 * half_width + 1;
        let mut taps = vec![Complex64::new(0.0, 0.0); n_taps];
        for (d, g) in self.delays_s.iter().zip(&self.gains) {
            let x = (d - t0) * sample_rate_hz + lead;
            for (m, w) in crate::channel::interp::fractional_taps(x, half_width) {
                if let Some(t) = taps.get_mut(m) {
                    *t += g * w;
                }
            }
        }
        Tdl {
            delays_s: (0..n_taps).map(|l| l as f64 / sample_rate_hz).collect(),
            taps,
            offset_s: t0 - lead / sample_rate_hz,
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

    #[test]
    fn windowed_taps_reproduce_the_response_in_band() {
        let fs = 1.92e6;
        let c = Cir {
            delays_s: vec![2e-6, 2e-6 + 0.37 / fs, 2e-6 + 3.6 / fs],
            gains: vec![
                Complex64::new(1.0, 0.0),
                Complex64::new(-0.6, 0.2),
                Complex64::new(0.0, 0.3),
            ],
        };
        let t = c.to_tdl_windowed(fs, 16);
        assert_eq!(t.taps.len(), 4 + 32 + 1);
        assert!((t.offset_s - (2e-6 - 16.0 / fs)).abs() < 1e-15);
        for i in -30..=30 {
            let f = f64::from(i) * 0.75 * fs / 2.0 / 30.0;
            let h: Complex64 = t
                .delays_s
                .iter()
                .zip(&t.taps)
                .map(|(d, a)| a * Complex64::from_polar(1.0, -2.0 * std::f64::consts::PI * f * d))
                .sum();
            let want: Complex64 = c
                .delays_s
                .iter()
                .zip(&c.gains)
                .map(|(d, a)| {
                    a * Complex64::from_polar(
                        1.0,
                        -2.0 * std::f64::consts::PI * f * (d - t.offset_s),
                    )
                })
                .sum();
            assert!((h - want).norm() < 3e-4, "f={f}: {h} vs {want}");
        }
    }
}
