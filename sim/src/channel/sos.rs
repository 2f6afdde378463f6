//! Rayleigh fading by a sum of sinusoids with the classical (Jakes) Doppler spectrum.
//!
//! One fading tap of average power `p` and maximum Doppler `f_d` is
//!
//! ```text
//! g(t) = √(p/N) · Σ_{n=1..N} exp(j(2π f_d cos(α_n) t + φ_n)),   α_n = (2πn − π + θ)/N,
//! ```
//!
//! with `θ` and the `φ_n` independent and uniform on `[−π, π)`, drawn once per tap. The
//! random rotation `θ` makes the arrival angles, taken over the ensemble, uniform on the
//! circle, so the ensemble statistics are exactly those of Clarke's model for any `N`:
//! `E|g|² = p`, autocorrelation `E[g(t+τ) g*(t)] = p · J0(2π f_d τ)`, in-phase and
//! quadrature parts uncorrelated, each with autocorrelation `p/2 · J0(2π f_d τ)`. The random
//! phases make each realisation wide-sense stationary, and the time average of `|g|²` over a
//! long run is exactly `p` for every realisation. Gaussianity of a single sample improves
//! with `N` (central limit); [`DEFAULT_SINUSOIDS`] = 20 gives a Rayleigh envelope whose
//! distribution is within a few percent of `1 − e^{−r²/p}`.
//!
//! This is the complex-exponential form of the Zheng–Xiao model, sinusoids with random
//! angle offset and random phases.
//!
//! # References
//! Y. R. Zheng, C. Xiao, "Simulation models with correct statistical properties for Rayleigh
//! fading channels", IEEE Trans. Commun. 51(6), 2003; C. Xiao, Y. R. Zheng, N. C. Beaulieu,
//! "Novel sum-of-sinusoids simulation models for Rayleigh and Rician fading channels", IEEE
//! Trans. Wireless Commun. 5(12), 2006; R. H. Clarke, "A statistical theory of
//! mobile-radio reception", Bell Syst. Tech. J. 47, 1968; W. C. Jakes, *Microwave Mobile
//! Communications*, 1974.

use std::f64::consts::PI;

use num_complex::Complex64;
use rand::Rng;

use super::fading::Component;

/// Default number of sinusoids per fading tap.
pub const DEFAULT_SINUSOIDS: usize = 20;

/// The `n_sinusoids` components of one Rayleigh tap of average power `power` and maximum
/// Doppler `doppler_hz`, drawing `θ` and the phases from `rng` (`1 + n_sinusoids` uniform
/// draws, in that order). `n_sinusoids = 0` is treated as 1.
pub fn rayleigh_components<R: Rng + ?Sized>(
    power: f64,
    doppler_hz: f64,
    n_sinusoids: usize,
    rng: &mut R,
) -> Vec<Component> {
    let n = n_sinusoids.max(1);
    let theta = rng.gen_range(-PI..PI);
    let amp = (power / n as f64).sqrt();
    (1..=n)
        .map(|k| {
            let alpha = (2.0 * PI * k as f64 - PI + theta) / n as f64;
            let phi = rng.gen_range(-PI..PI);
            Component {
                amplitude: Complex64::from_polar(amp, phi),
                doppler_hz: doppler_hz * alpha.cos(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn components_have_the_tap_power_and_doppler_bound() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let c = rayleigh_components(0.25, 70.0, 20, &mut rng);
        assert_eq!(c.len(), 20);
        let p: f64 = c.iter().map(|c| c.amplitude.norm_sqr()).sum();
        assert!((p - 0.25).abs() < 1e-12);
        assert!(c.iter().all(|c| c.doppler_hz.abs() <= 70.0));
        // The angles cover the circle: both signs of Doppler occur.
        assert!(c.iter().any(|c| c.doppler_hz > 35.0));
        assert!(c.iter().any(|c| c.doppler_hz < -35.0));
    }
}
