//! Fresnel reflection coefficients of a smooth half-space, both polarisations.
//!
//! Conventions (time dependence `e^{jωt}`): the complex relative permittivity is
//! `η = ε_r − j·σ/(ω·ε0) = ε_r − j·60·λ·σ`. For the plane of incidence spanned by the incident
//! direction `k_i` and the surface normal `n`, `s = k_i × n / |…|` is the perpendicular (TE)
//! unit vector and `p = s × k` the parallel (TM) one, for the incident and reflected directions
//! alike. With these, grazing incidence gives `Γ_TE → −1` and `Γ_TM → −1`, and a perfect
//! conductor at normal incidence `Γ_TE = −1`, `Γ_TM = +1` (tangential field reversed).
//!
//! # References
//! ITU-R P.527-6 §2 (complex permittivity); ITU-R P.1238 / Balanis, *Advanced Engineering
//! Electromagnetics*, §5.3 (Fresnel coefficients).

use num_complex::Complex64;

use crate::propagation::{Ground, C_M_PER_S};

/// Complex relative permittivity `ε_r − j·60·λ·σ` of ground `g` at `frequency_hz`.
pub fn complex_permittivity(g: Ground, frequency_hz: f64) -> Complex64 {
    let lambda = C_M_PER_S / frequency_hz;
    Complex64::new(g.epsilon_r, -60.0 * lambda * g.sigma_s_per_m)
}

/// Reflection coefficients `(Γ_TE, Γ_TM)` for the cosine of the angle of incidence from the
/// normal (`cos θ_i ∈ [0, 1]`; grazing angle ψ has `cos θ_i = sin ψ`) on a half-space of complex
/// relative permittivity `eta`.
pub fn reflection(cos_theta_i: f64, eta: Complex64) -> (Complex64, Complex64) {
    let c = cos_theta_i.clamp(0.0, 1.0);
    let s2 = 1.0 - c * c;
    let root = (eta - s2).sqrt();
    let te = (c - root) / (c + root);
    let tm = (eta * c - root) / (eta * c + root);
    (te, tm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        let eta = complex_permittivity(Ground::default(), 600e6);
        assert!((eta.im + 60.0 * 0.4997 * 0.005).abs() < 1e-3);
        let (te, tm) = reflection(0.0, eta);
        assert!((te + 1.0).norm() < 1e-12 && (tm + 1.0).norm() < 1e-12);
        // Normal incidence: both reduce to (1 − √η)/(1 + √η) up to the TM sign convention.
        let (te, tm) = reflection(1.0, Complex64::new(4.0, 0.0));
        assert!((te.re + 1.0 / 3.0).abs() < 1e-12 && (tm.re - 1.0 / 3.0).abs() < 1e-12);
        // Brewster angle for a lossless ε = 4: tan θ_B = 2, Γ_TM = 0.
        let cb = (1.0f64 / 5.0).sqrt();
        let (_, tm) = reflection(cb, Complex64::new(4.0, 0.0));
        assert!(tm.norm() < 1e-12);
    }
}
