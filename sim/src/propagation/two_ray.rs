//! Flat-earth two-ray model: the direct ray plus one ray reflected by the ground, with the
//! Fresnel reflection coefficient of the link's ground for either polarisation.
//!
//! Geometry: a flat earth at ground level; the antennas stand `tx_height_m` and
//! `rx_height_m` above it, `d` = the profile's horizontal length apart (the terrain heights
//! are not used). Direct path `r1 = √(d² + (h1−h2)²)`, reflected path `r2 = √(d² + (h1+h2)²)`,
//! grazing angle `sin ψ = (h1+h2)/r2`. The received field relative to free space at unit
//! distance is `e^{−jk r1}/r1 + Γ e^{−jk r2}/r2`, and the basic transmission loss
//! `L = −20 log10(λ/4π · |e^{−jk r1}/r1 + Γ e^{−jk r2}/r2|)`.
//!
//! Complex relative permittivity `ε_c = ε_r − j·σ/(ω ε_0) = ε_r − j·60 λ σ`;
//! `Γ_H = (sin ψ − √(ε_c − cos²ψ)) / (sin ψ + √(ε_c − cos²ψ))`,
//! `Γ_V = (ε_c sin ψ − √(ε_c − cos²ψ)) / (ε_c sin ψ + √(ε_c − cos²ψ))`.
//!
//! # References
//! ITU-R P.527 (ground electrical characteristics), ITU-R P.1546/P.526 §2 (plane-earth
//! reflection); Rappaport, "Wireless Communications", §4.5–4.6 (two-ray model).

use num_complex::Complex64;

use super::{Link, LossReport, PathLoss, Polarization, PropagationError, C_M_PER_S};

/// Fresnel reflection coefficient of a ground with relative permittivity `epsilon_r` and
/// conductivity `sigma_s_per_m` at frequency `f_hz`, for a wave arriving at grazing angle
/// `psi_rad` (0 = grazing, π/2 = normal incidence).
pub fn reflection_coefficient(
    psi_rad: f64,
    epsilon_r: f64,
    sigma_s_per_m: f64,
    f_hz: f64,
    polarization: Polarization,
) -> Complex64 {
    let lambda = C_M_PER_S / f_hz;
    let eps_c = Complex64::new(epsilon_r, -60.0 * lambda * sigma_s_per_m);
    let (s, c) = psi_rad.sin_cos();
    let root = (eps_c - c * c).sqrt();
    match polarization {
        Polarization::Horizontal => (s - root) / (s + root),
        Polarization::Vertical => (eps_c * s - root) / (eps_c * s + root),
    }
}

/// Two-ray basic transmission loss, dB, for antennas `h1_m`, `h2_m` (> 0) above a flat
/// ground `d_m` (> 0) apart, with reflection coefficient `gamma` from [`reflection_coefficient`]
/// at the grazing angle `atan((h1+h2)/d)`.
pub fn two_ray_loss_db(d_m: f64, h1_m: f64, h2_m: f64, f_hz: f64, gamma: Complex64) -> f64 {
    let k = 2.0 * std::f64::consts::PI * f_hz / C_M_PER_S;
    let r1 = (d_m * d_m + (h1_m - h2_m) * (h1_m - h2_m)).sqrt();
    let r2 = (d_m * d_m + (h1_m + h2_m) * (h1_m + h2_m)).sqrt();
    // r2 − r1 without cancellation
    let dr = 4.0 * h1_m * h2_m / (r1 + r2);
    // common phase e^{−jk r1} dropped: e^{−jk r1}(1/r1 + Γ e^{−jk Δr}/r2)
    let field = Complex64::new(1.0 / r1, 0.0) + gamma * Complex64::from_polar(1.0 / r2, -k * dr);
    let lambda = C_M_PER_S / f_hz;
    -20.0 * (lambda / (4.0 * std::f64::consts::PI) * field.norm()).log10()
}

/// The flat-earth two-ray model as a [`PathLoss`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TwoRay;

impl PathLoss for TwoRay {
    fn id(&self) -> &'static str {
        "two-ray"
    }

    /// # Errors
    /// [`PropagationError::OutOfRange`] for a non-positive frequency, distance or antenna
    /// height, or a ground with ε_r < 1 or σ < 0.
    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        let err = |what: String| PropagationError::OutOfRange {
            model: "two-ray",
            what,
        };
        let d = link.profile.distance_m();
        let (h1, h2, f) = (link.tx_height_m, link.rx_height_m, link.frequency_hz);
        if !(f > 0.0 && f.is_finite()) {
            return Err(err(format!("frequency {f} Hz must be positive")));
        }
        if !(d > 0.0 && h1 > 0.0 && h2 > 0.0) {
            return Err(err(format!(
                "distance {d} m and antenna heights {h1} m, {h2} m must be positive"
            )));
        }
        let g = link.ground;
        if !(g.epsilon_r >= 1.0 && g.sigma_s_per_m >= 0.0) {
            return Err(err(format!(
                "ground ε_r {} (≥ 1) and σ {} S/m (≥ 0)",
                g.epsilon_r, g.sigma_s_per_m
            )));
        }
        let psi = ((h1 + h2) / d).atan();
        let gamma = reflection_coefficient(psi, g.epsilon_r, g.sigma_s_per_m, f, link.polarization);
        Ok(LossReport {
            loss_db: two_ray_loss_db(d, h1, h2, f, gamma),
            mode: None,
            warnings: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::{free_space_loss_db, Ground, Profile};

    /// Normal incidence: Γ_H = (1 − √ε)/(1 + √ε), Γ_V = −Γ_H (lossless ground).
    #[test]
    fn normal_incidence() {
        let eps: f64 = 9.0;
        let gh = reflection_coefficient(
            std::f64::consts::FRAC_PI_2,
            eps,
            0.0,
            1e9,
            Polarization::Horizontal,
        );
        let gv = reflection_coefficient(
            std::f64::consts::FRAC_PI_2,
            eps,
            0.0,
            1e9,
            Polarization::Vertical,
        );
        let want = (1.0 - eps.sqrt()) / (1.0 + eps.sqrt());
        assert!((gh - Complex64::new(want, 0.0)).norm() < 1e-12);
        assert!((gv + gh).norm() < 1e-12);
    }

    /// Grazing incidence reflects with Γ = −1 for both polarisations; at the Brewster angle
    /// tan ψ_B = 1/√ε_r a lossless ground does not reflect vertical polarisation.
    #[test]
    fn grazing_and_brewster() {
        for pol in [Polarization::Horizontal, Polarization::Vertical] {
            let g = reflection_coefficient(0.0, 15.0, 0.005, 600e6, pol);
            assert!((g + 1.0).norm() < 1e-12, "{pol:?}: {g}");
        }
        let eps: f64 = 15.0;
        let psi_b = (1.0 / eps.sqrt()).atan();
        let gv = reflection_coefficient(psi_b, eps, 0.0, 600e6, Polarization::Vertical);
        assert!(gv.norm() < 1e-12, "{gv}");
        let gh = reflection_coefficient(psi_b, eps, 0.0, 600e6, Polarization::Horizontal);
        assert!(gh.norm() > 0.5);
        // lossy ground: |Γ| ≤ 1 everywhere
        for i in 0..=90 {
            let psi = (i as f64).to_radians();
            for pol in [Polarization::Horizontal, Polarization::Vertical] {
                assert!(reflection_coefficient(psi, 15.0, 0.005, 600e6, pol).norm() <= 1.0 + 1e-12);
            }
        }
    }

    /// Closed form with Γ = −1: |1/r1 − e^{−jkΔ}/r2|; far out it tends to the plane-earth
    /// law L = 40 log d − 20 log(h1 h2).
    #[test]
    fn closed_form_and_plane_earth_limit() {
        let (h1, h2, f): (f64, f64, f64) = (30.0, 10.0, 600e6);
        let lambda = C_M_PER_S / f;
        let k = 2.0 * std::f64::consts::PI / lambda;
        for d in [100.0f64, 1_000.0, 5_000.0] {
            let r1: f64 = (d * d + (h1 - h2) * (h1 - h2)).sqrt();
            let r2: f64 = (d * d + (h1 + h2) * (h1 + h2)).sqrt();
            let re = r1.recip() - (k * (r2 - r1)).cos() / r2;
            let im = (k * (r2 - r1)).sin() / r2;
            let want = -20.0
                * (lambda / (4.0 * std::f64::consts::PI) * (re * re + im * im).sqrt()).log10();
            let got = two_ray_loss_db(d, h1, h2, f, Complex64::new(-1.0, 0.0));
            assert!((got - want).abs() < 1e-6, "d {d}: {got} vs {want}");
        }
        let d = 1_000_000.0;
        let got = two_ray_loss_db(d, h1, h2, f, Complex64::new(-1.0, 0.0));
        let plane = 40.0 * f64::log10(d) - 20.0 * f64::log10(h1 * h2);
        assert!((got - plane).abs() < 0.01, "{got} vs {plane}");
    }

    /// Through PathLoss with a real ground: near the antennas the two rays interfere around
    /// free space (within +6/−∞ dB); far out the loss approaches the plane-earth law.
    #[test]
    fn pathloss_ground_and_polarisation() {
        let far = Profile::flat(1000.0, 201, 0.0); // 200 km
        let mut link = Link::new(&far, 30.0, 10.0, 600e6);
        link.ground = Ground::default();
        let lh = TwoRay.loss(&link).unwrap().loss_db;
        let plane = 40.0 * f64::log10(200e3) - 20.0 * f64::log10(300.0);
        assert!((lh - plane).abs() < 0.1, "{lh} vs {plane}");
        link.polarization = Polarization::Vertical;
        let lv = TwoRay.loss(&link).unwrap().loss_db;
        assert!((lv - plane).abs() < 0.1, "{lv} vs {plane}");
        assert!(lv != lh);
        // at the Brewster angle (tan ψ = 1/√15, d ≈ 155 m) the vertical reflection almost
        // vanishes: the loss is the free-space loss of the direct ray
        let d_b = 40.0 * 15f64.sqrt();
        let brewster = Profile {
            spacing_m: d_b,
            elevations_m: vec![0.0, 0.0],
        };
        let mut link = Link::new(&brewster, 30.0, 10.0, 600e6);
        link.polarization = Polarization::Vertical;
        let lv = TwoRay.loss(&link).unwrap().loss_db;
        let direct = free_space_loss_db((d_b * d_b + 400.0).sqrt(), 600e6);
        assert!((lv - direct).abs() < 0.5, "{lv} vs {direct}");
        let near = Profile::flat(10.0, 51, 0.0); // 500 m
        let link = Link::new(&near, 30.0, 10.0, 600e6);
        let l = TwoRay.loss(&link).unwrap().loss_db;
        assert!(l > free_space_loss_db(link.slant_distance_m(), 600e6) - 6.03);
        let bad = Link::new(&near, 0.0, 10.0, 600e6);
        assert!(TwoRay.loss(&bad).is_err());
    }
}
