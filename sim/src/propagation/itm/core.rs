//! The building blocks of ITM v1.4, one function per step of the published algorithm.
//!
//! Units follow NTIA's naming: distances and heights in metres (`_m`), frequency in MHz,
//! angles in radians, losses in dB. Two-element arrays are `[tx, rx]`. Terrain is passed as
//! a slice of elevations (`e[0]` at the transmitter, `e[np]` at the receiver) at uniform
//! `spacing_m`, the same data as NTIA's PFL array without its two header values.
//!
//! These functions are public so that they can be checked one by one against NTIA's unit-test
//! values (`function_values.csv`) and reused by other models; most users want
//! [`super::p2p_tls`] or [`super::area_tls`].
//!
//! # References
//! G. A. Hufford, "The ITS Irregular Terrain Model, version 1.2.2: the algorithm" (1995);
//! NTIA/ITS ITM v1.4 (2024) release notes; Longley & Rice, ERL 79-ITS 67 (1968);
//! Rice et al., NBS TN 101 (1967); Vogler (1964) for the three-radii smooth-earth method.

use num_complex::Complex64;

use super::{warn, ItmError};

/// Actual earth radius used by Vogler's smooth-earth method, m.
pub const A_0_M: f64 = 6_370e3;
/// Reference radius for the effective distance in the variability model, m.
pub const A_9000_M: f64 = 9_000e3;
const THIRD: f64 = 1.0 / 3.0;
const SQRT2: f64 = std::f64::consts::SQRT_2;

/// Point-to-point or area mode; the diffraction weighting differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalcMode {
    /// Point-to-point mode (terrain profile known).
    PointToPoint,
    /// Area mode (statistical terrain).
    Area,
}

/// Propagation mode reported by ITM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PropMode {
    /// Line of sight (distance below the smooth-earth horizon distance d_sML).
    LineOfSight = 1,
    /// Diffraction.
    Diffraction = 2,
    /// Troposcatter.
    Troposcatter = 3,
}

#[inline]
fn fdim(x: f64, y: f64) -> f64 {
    if x > y {
        x - y
    } else {
        0.0
    }
}

/// Free-space basic transmission loss, dB: `32.45 + 20 log10(f_MHz) + 20 log10(d_km)`.
pub fn free_space_loss_db(d_m: f64, f_mhz: f64) -> f64 {
    32.45 + 20.0 * f_mhz.log10() + 20.0 * (d_m / 1000.0).log10()
}

/// Knife-edge loss approximation `A(v, 0)` in dB from `v2` = v² (TN101v2 eq. III.24).
pub fn fresnel_integral(v2: f64) -> f64 {
    if v2 < 5.76 {
        6.02 + 9.11 * v2.sqrt() - 1.27 * v2
    } else {
        12.953 + 10.0 * v2.log10()
    }
}

/// RMS deviation of terrain within the first Fresnel zone, m: `0.78 Δh exp(-(Δh/16)^¼)`.
pub fn sigma_h(delta_h_m: f64) -> f64 {
    0.78 * delta_h_m * (-(delta_h_m / 16.0).powf(0.25)).exp()
}

/// Terrain irregularity over distance `d_m`, m: `Δh (1 − 0.8 exp(−d/50 km))` (ERL 79-ITS 67 eq. 3).
pub fn terrain_roughness(d_m: f64, delta_h_m: f64) -> f64 {
    delta_h_m * (1.0 - 0.8 * (-d_m / 50e3).exp())
}

/// Inverse complementary normal CDF, Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4);
/// `q` is a fraction, 0 < q < 1.
pub fn inverse_ccdf(q: f64) -> f64 {
    const C0: f64 = 2.515516;
    const C1: f64 = 0.802853;
    const C2: f64 = 0.010328;
    const D1: f64 = 1.432788;
    const D2: f64 = 0.189269;
    const D3: f64 = 0.001308;
    let x = if q > 0.5 { 1.0 - q } else { q };
    let t = (-2.0 * x.ln()).sqrt();
    let zeta = ((C2 * t + C1) * t + C0) / (((D3 * t + D2) * t + D1) * t + 1.0);
    let z = t - zeta;
    if q > 0.5 {
        -z
    } else {
        z
    }
}

fn h0_curve(j: usize, r: f64) -> f64 {
    const A: [f64; 5] = [25.0, 80.0, 177.0, 395.0, 705.0];
    const B: [f64; 5] = [24.0, 45.0, 68.0, 80.0, 105.0];
    10.0 * (1.0 + A[j] * (1.0 / r).powi(4) + B[j] * (1.0 / r).powi(2)).log10()
}

/// Troposcatter frequency-gain function H_0(r, η_s), dB (TN101 §9.2, Algorithm eq. 6.13).
pub fn h0_function(r: f64, eta_s: f64) -> f64 {
    let eta_s = eta_s.clamp(1.0, 5.0);
    let i = eta_s as usize;
    let q = eta_s - i as f64;
    let mut result = h0_curve(i - 1, r);
    if q != 0.0 {
        result = (1.0 - q) * result + q * h0_curve(i, r);
    }
    result
}

/// Attenuation function F(θd) of the troposcatter loss, dB (Algorithm eq. 6.9).
pub fn f_function(td: f64) -> f64 {
    let (a, b, c) = if td <= 10e3 {
        (133.4, 0.332e-3, -10.0)
    } else if td <= 70e3 {
        (104.6, 0.212e-3, -2.5)
    } else {
        (71.8, 0.157e-3, 5.0)
    };
    a + b * td + c * td.log10()
}

/// Troposcatter loss at distance `d_m`, dB (Algorithm §4.4). `h0` carries H_0 between the
/// two calls at d_6 and d_5: pass −1 on the first call. Returns 1001 where the loss is
/// undefined (both r_1 and r_2 below 0.2).
#[allow(clippy::too_many_arguments)]
pub fn troposcatter_loss(
    d_m: f64,
    theta_hzn: [f64; 2],
    d_hzn_m: [f64; 2],
    h_e_m: [f64; 2],
    a_e_m: f64,
    n_s: f64,
    f_mhz: f64,
    theta_los: f64,
    h0: &mut f64,
) -> f64 {
    let wn = f_mhz / 47.7;
    let big_h0;
    if *h0 > 15.0 {
        big_h0 = *h0;
    } else {
        let mut ad = d_hzn_m[0] - d_hzn_m[1];
        let mut rr = h_e_m[1] / h_e_m[0];
        if ad < 0.0 {
            ad = -ad;
            rr = 1.0 / rr;
        }
        let theta = theta_hzn[0] + theta_hzn[1] + d_m / a_e_m;
        let r_1 = 2.0 * wn * theta * h_e_m[0];
        let r_2 = 2.0 * wn * theta * h_e_m[1];
        if r_1 < 0.2 && r_2 < 0.2 {
            return 1001.0;
        }
        let mut s = (d_m - ad) / (d_m + ad);
        let q = (rr / s).clamp(0.1, 10.0);
        s = s.max(0.1);
        let h_0_m = (d_m - ad) * (d_m + ad) * theta * 0.25 / d_m;
        const Z_0_M: f64 = 1.7556e3;
        const Z_1_M: f64 = 8.0e3;
        let eta_s = (h_0_m / Z_0_M)
            * (1.0
                + (0.031 - n_s * 2.32e-3 + n_s * n_s * 5.67e-6)
                    * (-(1.7f64.min(h_0_m / Z_1_M)).powi(6)).exp());
        let h_00 = (h0_function(r_1, eta_s) + h0_function(r_2, eta_s)) / 2.0;
        let delta_h_0 = h_00.min(6.0 * (0.6 - eta_s.max(1.0).log10()) * s.log10() * q.log10());
        let mut hh = (h_00 + delta_h_0).max(0.0);
        if eta_s < 1.0 {
            let t = (1.0 + SQRT2 / r_1) * (1.0 + SQRT2 / r_2);
            hh = eta_s * hh
                + (1.0 - eta_s) * 10.0 * (t * t * (r_1 + r_2) / (r_1 + r_2 + 2.0 * SQRT2)).log10();
        }
        if hh > 15.0 && *h0 >= 0.0 {
            hh = *h0;
        }
        big_h0 = hh;
    }
    *h0 = big_h0;
    let th = d_m / a_e_m - theta_los;
    const D_0_M: f64 = 40e3;
    const H_M: f64 = 47.7;
    f_function(th * d_m) + 10.0 * (wn * H_M * th.powi(4)).log10()
        - 0.1 * (n_s - 301.0) * (-th * d_m / D_0_M).exp()
        + big_h0
}

/// Height-gain function F(x, K) of the smooth-earth diffraction, dB (Vogler 1964).
pub fn height_function(x_km: f64, k: f64) -> f64 {
    if x_km < 200.0 {
        let w = -k.ln();
        if k < 1e-5 || x_km * w.powi(3) > 5495.0 {
            let mut r = -117.0;
            if x_km > 1.0 {
                r += 17.372 * x_km.ln();
            }
            r
        } else {
            2.5e-5 * x_km * x_km / k - 8.686 * w - 15.0
        }
    } else {
        let mut r = 0.05751 * x_km - 4.343 * x_km.ln();
        if x_km < 2000.0 {
            let w = 0.0134 * x_km * (-0.005 * x_km).exp();
            r = (1.0 - w) * r + w * (17.372 * x_km.ln() - 117.0);
        }
        r
    }
}

/// Smooth-earth diffraction loss by Vogler's three-radii method, dB (Algorithm eq. 4.20).
pub fn smooth_earth_diffraction(
    d_m: f64,
    f_mhz: f64,
    a_e_m: f64,
    theta_los: f64,
    d_hzn_m: [f64; 2],
    h_e_m: [f64; 2],
    z_g: Complex64,
) -> f64 {
    let theta_nlos = d_m / a_e_m - theta_los;
    let d_ml = d_hzn_m[0] + d_hzn_m[1];
    let a = [
        (d_m - d_ml) / (d_m / a_e_m - theta_los),
        0.5 * d_hzn_m[0] * d_hzn_m[0] / h_e_m[0],
        0.5 * d_hzn_m[1] * d_hzn_m[1] / h_e_m[1],
    ];
    let d_km = [
        a[0] * theta_nlos / 1000.0,
        d_hzn_m[0] / 1000.0,
        d_hzn_m[1] / 1000.0,
    ];
    let f_third = f_mhz.powf(THIRD);
    let f_mthird = f_mhz.powf(-THIRD);
    let z_abs = z_g.norm();
    let mut x_km = [0.0; 3];
    let mut k = [0.0; 3];
    for i in 0..3 {
        let c_0 = ((4.0 / 3.0) * A_0_M / a[i]).powf(THIRD);
        k[i] = 0.017778 * c_0 * f_mthird / z_abs;
        let b_0 = 1.607 - k[i];
        x_km[i] = b_0 * c_0 * c_0 * f_third * d_km[i];
    }
    x_km[0] += x_km[1] + x_km[2];
    let f_x0 = height_function(x_km[1], k[1]);
    let f_x1 = height_function(x_km[2], k[2]);
    let g_x = 0.05751 * x_km[0] - 10.0 * x_km[0].log10();
    g_x - f_x0 - f_x1 - 20.0
}

/// Double knife-edge diffraction loss, dB (TN101 eq. I.1, I.7).
pub fn knife_edge_diffraction(
    d_m: f64,
    f_mhz: f64,
    a_e_m: f64,
    theta_los: f64,
    d_hzn_m: [f64; 2],
) -> f64 {
    let d_ml = d_hzn_m[0] + d_hzn_m[1];
    let theta_nlos = d_m / a_e_m - theta_los;
    let d_nlos = d_m - d_ml;
    let c = 0.0795775 * (f_mhz / 47.7) * theta_nlos * theta_nlos;
    let v_1 = c * d_hzn_m[0] * d_nlos / (d_nlos + d_hzn_m[0]);
    let v_2 = c * d_hzn_m[1] * d_nlos / (d_nlos + d_hzn_m[1]);
    fresnel_integral(v_1) + fresnel_integral(v_2)
}

/// Diffraction loss at distance `d_m`: weighted smooth-earth and knife-edge loss plus the
/// clutter factor, dB (ERL 79-ITS 67 eq. 3.23, 3.38c).
#[allow(clippy::too_many_arguments)]
pub fn diffraction_loss(
    d_m: f64,
    d_hzn_m: [f64; 2],
    h_e_m: [f64; 2],
    z_g: Complex64,
    a_e_m: f64,
    delta_h_m: f64,
    h_m: [f64; 2],
    mode: CalcMode,
    theta_los: f64,
    d_sml_m: f64,
    f_mhz: f64,
) -> f64 {
    let a_k = knife_edge_diffraction(d_m, f_mhz, a_e_m, theta_los, d_hzn_m);
    let a_se = smooth_earth_diffraction(d_m, f_mhz, a_e_m, theta_los, d_hzn_m, h_e_m, z_g);
    let delta_h_dsml = terrain_roughness(d_sml_m, delta_h_m);
    let sigma_h_d = sigma_h(delta_h_dsml);
    let a_fo = 15f64.min(5.0 * (1.0 + 1e-5 * h_m[0] * h_m[1] * f_mhz * sigma_h_d).log10());
    let delta_h_d = terrain_roughness(d_m, delta_h_m);
    let mut q = h_m[0] * h_m[1];
    let qk = h_e_m[0] * h_e_m[1] - q;
    if mode == CalcMode::PointToPoint {
        q += 10.0;
    }
    let term1 = (1.0 + qk / q).sqrt();
    let d_ml = d_hzn_m[0] + d_hzn_m[1];
    let q = (term1 + (-theta_los * a_e_m + d_ml) / d_m) * (delta_h_d * f_mhz / 47.7).min(6283.2);
    let w = 25.1 / (25.1 + q.sqrt());
    w * a_se + (1.0 - w) * a_k + a_fo
}

/// Line-of-sight loss: two-ray with rough-earth reflection, blended with the extended
/// diffraction line, dB (Algorithm eq. 4.46–4.50).
#[allow(clippy::too_many_arguments)]
pub fn line_of_sight_loss(
    d_m: f64,
    h_e_m: [f64; 2],
    z_g: Complex64,
    delta_h_m: f64,
    m_d: f64,
    a_d0: f64,
    d_sml_m: f64,
    f_mhz: f64,
) -> f64 {
    let delta_h_d = terrain_roughness(d_m, delta_h_m);
    let sigma_h_d = sigma_h(delta_h_d);
    let wn = f_mhz / 47.7;
    let hs = h_e_m[0] + h_e_m[1];
    let sin_psi = hs / (d_m * d_m + hs * hs).sqrt();
    let mut r_e =
        (sin_psi - z_g) / (sin_psi + z_g) * (-(10f64.min(wn * sigma_h_d * sin_psi))).exp();
    let q = r_e.re * r_e.re + r_e.im * r_e.im;
    if q < 0.25 || q < sin_psi {
        r_e *= (sin_psi / q).sqrt();
    }
    let mut delta_phi = wn * 2.0 * h_e_m[0] * h_e_m[1] / d_m;
    let half_pi = std::f64::consts::PI / 2.0;
    if delta_phi > half_pi {
        delta_phi = std::f64::consts::PI - half_pi * half_pi / delta_phi;
    }
    let rr = Complex64::new(delta_phi.cos(), -delta_phi.sin()) + r_e;
    let a_t = -10.0 * (rr.re * rr.re + rr.im * rr.im).log10();
    let a_d = m_d * d_m + a_d0;
    let w = 1.0 / (1.0 + f_mhz * delta_h_m / 10e3f64.max(d_sml_m));
    w * a_t + (1.0 - w) * a_d
}

/// Reference attenuation (loss relative to free space, median) by the Longley-Rice method.
///
/// Returns `(A_ref dB, propagation mode)` and ORs warnings into `warnings`.
///
/// # Errors
/// [`ItmError::SurfaceRefractivitySmall`], [`ItmError::SurfaceRefractivityLarge`],
/// [`ItmError::EffectiveEarth`], [`ItmError::GroundImpedance`].
#[allow(clippy::too_many_arguments)]
pub fn longley_rice(
    theta_hzn: [f64; 2],
    f_mhz: f64,
    z_g: Complex64,
    d_hzn_m: [f64; 2],
    h_e_m: [f64; 2],
    gamma_e: f64,
    n_s: f64,
    delta_h_m: f64,
    h_m: [f64; 2],
    d_m: f64,
    mode: CalcMode,
    warnings: &mut u32,
) -> Result<(f64, PropMode), ItmError> {
    let a_e = 1.0 / gamma_e;
    let d_hzn_s = [(2.0 * h_e_m[0] * a_e).sqrt(), (2.0 * h_e_m[1] * a_e).sqrt()];
    let d_sml = d_hzn_s[0] + d_hzn_s[1];
    let d_ml = d_hzn_m[0] + d_hzn_m[1];
    let theta_los = -(theta_hzn[0] + theta_hzn[1]).max(-d_ml / a_e);

    if theta_hzn[0].abs() > 200e-3 {
        *warnings |= warn::TX_HORIZON_ANGLE;
    }
    if theta_hzn[1].abs() > 200e-3 {
        *warnings |= warn::RX_HORIZON_ANGLE;
    }
    if d_hzn_m[0] < 0.1 * d_hzn_s[0] {
        *warnings |= warn::TX_HORIZON_DISTANCE_1;
    }
    if d_hzn_m[1] < 0.1 * d_hzn_s[1] {
        *warnings |= warn::RX_HORIZON_DISTANCE_1;
    }
    if d_hzn_m[0] > 3.0 * d_hzn_s[0] {
        *warnings |= warn::TX_HORIZON_DISTANCE_2;
    }
    if d_hzn_m[1] > 3.0 * d_hzn_s[1] {
        *warnings |= warn::RX_HORIZON_DISTANCE_2;
    }
    if n_s < 150.0 {
        return Err(ItmError::SurfaceRefractivitySmall);
    }
    if n_s > 400.0 {
        return Err(ItmError::SurfaceRefractivityLarge);
    }
    if n_s < 250.0 {
        *warnings |= warn::SURFACE_REFRACTIVITY;
    }
    if !(4_000_000.0..=13_333_333.0).contains(&a_e) {
        return Err(ItmError::EffectiveEarth);
    }
    if z_g.re <= z_g.im.abs() {
        return Err(ItmError::GroundImpedance);
    }

    let step = (a_e * a_e / f_mhz).powf(THIRD);
    let d_3 = d_sml.max(d_ml + 5.0 * step);
    let d_4 = d_3 + 10.0 * step;
    let diff = |d: f64| {
        diffraction_loss(
            d, d_hzn_m, h_e_m, z_g, a_e, delta_h_m, h_m, mode, theta_los, d_sml, f_mhz,
        )
    };
    let a_3 = diff(d_3);
    let a_4 = diff(d_4);
    let m_d = (a_4 - a_3) / (d_4 - d_3);
    let a_d0 = a_3 - m_d * d_3;

    let d_min = (h_e_m[0] - h_e_m[1]).abs() / 200e-3;
    if d_m < d_min {
        *warnings |= warn::PATH_DISTANCE_TOO_SMALL_1;
    }
    if d_m < 1e3 {
        *warnings |= warn::PATH_DISTANCE_TOO_SMALL_2;
    }
    if d_m > 1000e3 {
        *warnings |= warn::PATH_DISTANCE_TOO_BIG_1;
    }
    if d_m > 2000e3 {
        *warnings |= warn::PATH_DISTANCE_TOO_BIG_2;
    }

    let (a_ref, mode) = if d_m < d_sml {
        let a_sml = d_sml * m_d + a_d0;
        let mut d_0 = 0.04 * f_mhz * h_e_m[0] * h_e_m[1];
        let d_1;
        if a_d0 >= 0.0 {
            d_0 = d_0.min(0.5 * d_ml);
            d_1 = d_0 + 0.25 * (d_ml - d_0);
        } else {
            d_1 = (-a_d0 / m_d).max(0.25 * d_ml);
        }
        let los = |d: f64| line_of_sight_loss(d, h_e_m, z_g, delta_h_m, m_d, a_d0, d_sml, f_mhz);
        let a_1 = los(d_1);
        let mut flag = false;
        let mut k_1 = 0.0;
        let mut k_2 = 0.0;
        if d_0 < d_1 {
            let a_0 = los(d_0);
            let q = (d_sml / d_0).ln();
            k_2 = 0f64.max(
                ((d_sml - d_0) * (a_1 - a_0) - (d_1 - d_0) * (a_sml - a_0))
                    / ((d_sml - d_0) * (d_1 / d_0).ln() - (d_1 - d_0) * q),
            );
            flag = a_d0 > 0.0 || k_2 > 0.0;
            if flag {
                k_1 = (a_sml - a_0 - k_2 * q) / (d_sml - d_0);
                if k_1 < 0.0 {
                    k_1 = 0.0;
                    k_2 = fdim(a_sml, a_0) / q;
                    if k_2 == 0.0 {
                        k_1 = m_d;
                    }
                }
            }
        }
        if !flag {
            k_1 = fdim(a_sml, a_1) / (d_sml - d_1);
            k_2 = 0.0;
            if k_1 == 0.0 {
                k_1 = m_d;
            }
        }
        let a_o = a_sml - k_1 * d_sml - k_2 * d_sml.ln();
        (a_o + k_1 * d_m + k_2 * d_m.ln(), PropMode::LineOfSight)
    } else {
        let d_5 = d_ml + 200e3;
        let d_6 = d_ml + 400e3;
        let mut h0 = -1.0;
        let a_6 = troposcatter_loss(
            d_6, theta_hzn, d_hzn_m, h_e_m, a_e, n_s, f_mhz, theta_los, &mut h0,
        );
        let a_5 = troposcatter_loss(
            d_5, theta_hzn, d_hzn_m, h_e_m, a_e, n_s, f_mhz, theta_los, &mut h0,
        );
        let (m_s, a_s0, d_x);
        if a_5 < 1000.0 {
            m_s = (a_6 - a_5) / 200e3;
            d_x = d_sml
                .max(d_ml + 1.088 * step * f_mhz.ln())
                .max((a_5 - a_d0 - m_s * d_5) / (m_d - m_s));
            a_s0 = (m_d - m_s) * d_x + a_d0;
        } else {
            m_s = m_d;
            a_s0 = a_d0;
            d_x = 10e6;
        }
        if d_m > d_x {
            (m_s * d_m + a_s0, PropMode::Troposcatter)
        } else {
            (m_d * d_m + a_d0, PropMode::Diffraction)
        }
    };
    Ok((a_ref.max(0.0), mode))
}

fn curve(c1: f64, c2: f64, x1: f64, x2: f64, x3: f64, d_e_m: f64) -> f64 {
    let r = (d_e_m - x2) / x3;
    let s = (d_e_m / x1) * (d_e_m / x1);
    (c1 + c2 / (1.0 + r * r)) * s / (1.0 + s)
}

/// Variability: the loss below free space not exceeded for the given time, location and
/// situation percentages (0 < x < 100), dB; the basic transmission loss is this plus the
/// free-space loss. `climate` is 1..=7, `mdvar` as in NTIA ITM (0–3, +10, +20).
/// ORs [`warn::EXTREME_VARIABILITIES`] into `warnings` when a deviate is beyond 3.1.
///
/// # Panics
/// If `climate` is outside 1..=7 (validated by the entry points).
#[allow(clippy::too_many_arguments)]
pub fn variability(
    time: f64,
    location: f64,
    situation: f64,
    h_e_m: [f64; 2],
    delta_h_m: f64,
    f_mhz: f64,
    d_m: f64,
    a_ref_db: f64,
    climate: i32,
    mdvar: i32,
    warnings: &mut u32,
) -> f64 {
    const ALL_YEAR: [[f64; 7]; 5] = [
        [-9.67, -0.62, 1.26, -9.21, -0.62, -0.39, 3.15],
        [12.7, 9.19, 15.5, 9.05, 9.19, 2.86, 857.9],
        [
            144.9e3, 228.9e3, 262.6e3, 84.1e3, 228.9e3, 141.7e3, 2222.0e3,
        ],
        [
            190.3e3, 205.2e3, 185.2e3, 101.1e3, 205.2e3, 315.9e3, 164.8e3,
        ],
        [133.8e3, 143.6e3, 99.8e3, 98.6e3, 143.6e3, 167.4e3, 116.3e3],
    ];
    const BSM1: [f64; 7] = [2.13, 2.66, 6.11, 1.98, 2.68, 6.86, 8.51];
    const BSM2: [f64; 7] = [159.5, 7.67, 6.65, 13.11, 7.16, 10.38, 169.8];
    const XSM1: [f64; 7] = [762.2e3, 100.4e3, 138.2e3, 139.1e3, 93.7e3, 187.8e3, 609.8e3];
    const XSM2: [f64; 7] = [
        123.6e3, 172.5e3, 242.2e3, 132.7e3, 186.8e3, 169.6e3, 119.9e3,
    ];
    const XSM3: [f64; 7] = [94.5e3, 136.4e3, 178.6e3, 193.5e3, 133.5e3, 108.9e3, 106.6e3];
    const BSP1: [f64; 7] = [2.11, 6.87, 10.08, 3.68, 4.75, 8.58, 8.43];
    const BSP2: [f64; 7] = [102.3, 15.53, 9.60, 159.3, 8.12, 13.97, 8.19];
    const XSP1: [f64; 7] = [636.9e3, 138.7e3, 165.3e3, 464.4e3, 93.2e3, 216.0e3, 136.2e3];
    const XSP2: [f64; 7] = [134.8e3, 143.7e3, 225.7e3, 93.1e3, 135.9e3, 152.0e3, 188.5e3];
    const XSP3: [f64; 7] = [95.6e3, 98.6e3, 129.7e3, 94.2e3, 113.4e3, 122.7e3, 122.9e3];
    const C_D: [f64; 7] = [1.224, 0.801, 1.380, 1.000, 1.224, 1.518, 1.518];
    const Z_D: [f64; 7] = [1.282, 2.161, 1.282, 20.0, 1.282, 1.282, 1.282];
    const BFM1: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 0.92, 1.0, 1.0];
    const BFM2: [f64; 7] = [0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0];
    const BFM3: [f64; 7] = [0.0, 0.0, 0.0, 0.0, 1.77, 0.0, 0.0];
    const BFP1: [f64; 7] = [1.0, 0.93, 1.0, 0.93, 0.93, 1.0, 1.0];
    const BFP2: [f64; 7] = [0.0, 0.31, 0.0, 0.19, 0.31, 0.0, 0.0];
    const BFP3: [f64; 7] = [0.0, 2.00, 0.0, 1.79, 2.00, 0.0, 0.0];

    let mut z_t = inverse_ccdf(time / 100.0);
    let mut z_l = inverse_ccdf(location / 100.0);
    let z_s = inverse_ccdf(situation / 100.0);
    let c = (climate - 1) as usize;
    let wn = f_mhz / 47.7;

    let d_ex = (2.0 * A_9000_M * h_e_m[0]).sqrt()
        + (2.0 * A_9000_M * h_e_m[1]).sqrt()
        + (575.7e12 / wn).powf(THIRD);
    let d_e = if d_m < d_ex {
        130e3 * d_m / d_ex
    } else {
        130e3 + d_m - d_ex
    };

    let mut md = mdvar;
    let plus20 = md >= 20;
    if plus20 {
        md -= 20;
    }
    let sigma_s = if plus20 {
        0.0
    } else {
        5.0 + 3.0 * (-d_e / 100e3).exp()
    };
    let plus10 = md >= 10;
    if plus10 {
        md -= 10;
    }
    let v_med = curve(
        ALL_YEAR[0][c],
        ALL_YEAR[1][c],
        ALL_YEAR[2][c],
        ALL_YEAR[3][c],
        ALL_YEAR[4][c],
        d_e,
    );
    match md {
        0 => {
            z_t = z_s;
            z_l = z_s;
        }
        1 => z_l = z_s,
        2 => z_l = z_t,
        _ => {}
    }
    if z_t.abs() > 3.10 || z_l.abs() > 3.10 || z_s.abs() > 3.10 {
        *warnings |= warn::EXTREME_VARIABILITIES;
    }
    let sigma_l = if plus10 {
        0.0
    } else {
        let dhd = terrain_roughness(d_m, delta_h_m);
        10.0 * wn * dhd / (wn * dhd + 13.0)
    };
    let y_l = sigma_l * z_l;

    let q = (0.133 * wn).ln();
    let g_minus = BFM1[c] + BFM2[c] / ((BFM3[c] * q).powi(2) + 1.0);
    let g_plus = BFP1[c] + BFP2[c] / ((BFP3[c] * q).powi(2) + 1.0);
    let sigma_t_minus = curve(BSM1[c], BSM2[c], XSM1[c], XSM2[c], XSM3[c], d_e) * g_minus;
    let sigma_t_plus = curve(BSP1[c], BSP2[c], XSP1[c], XSP2[c], XSP3[c], d_e) * g_plus;
    let sigma_td = C_D[c] * sigma_t_plus;
    let tgtd = (sigma_t_plus - sigma_td) * Z_D[c];
    let sigma_t = if z_t < 0.0 {
        sigma_t_minus
    } else if z_t <= Z_D[c] {
        sigma_t_plus
    } else {
        sigma_td + tgtd / z_t
    };
    let y_t = sigma_t * z_t;

    let y_s_temp =
        sigma_s * sigma_s + y_t * y_t / (7.8 + z_s * z_s) + y_l * y_l / (24.0 + z_s * z_s);
    let (y_r, y_s) = match md {
        0 => (
            0.0,
            (sigma_t * sigma_t + sigma_l * sigma_l + y_s_temp).sqrt() * z_s,
        ),
        1 => (y_t, (sigma_l * sigma_l + y_s_temp).sqrt() * z_s),
        2 => (
            (sigma_t * sigma_t + sigma_l * sigma_l).sqrt() * z_t,
            y_s_temp.sqrt() * z_s,
        ),
        _ => (y_t + y_l, y_s_temp.sqrt() * z_s),
    };
    let mut result = a_ref_db - v_med - y_r - y_s;
    if result < 0.0 {
        result = result * (29.0 - result) / (29.0 - 10.0 * result);
    }
    result
}

/// Surface refractivity, effective earth curvature and complex ground impedance.
///
/// Returns `(Z_g, γ_e in 1/m, N_s in N-units)`. `h_sys_m` is the mean path height above sea
/// level (0 in area mode, which then uses N_s = N_0).
pub fn initialize_point_to_point(
    f_mhz: f64,
    h_sys_m: f64,
    n_0: f64,
    vertical: bool,
    epsilon: f64,
    sigma: f64,
) -> (Complex64, f64, f64) {
    const GAMMA_A: f64 = 157e-9;
    let n_s = if h_sys_m == 0.0 {
        n_0
    } else {
        n_0 * (-h_sys_m / 9460.0).exp()
    };
    let gamma_e = GAMMA_A * (1.0 - 0.04665 * (n_s / 179.3).exp());
    let ep_r = Complex64::new(epsilon, 18000.0 * sigma / f_mhz);
    let mut z_g = (ep_r - 1.0).sqrt();
    if vertical {
        z_g /= ep_r;
    }
    (z_g, gamma_e, n_s)
}

/// Area-mode terminal geometry from siting criteria (0 random, 1 careful, 2 very careful).
///
/// Returns `(h_e, d_hzn, theta_hzn)` (Algorithm eq. 3.2–3.4).
pub fn initialize_area(
    site_criteria: [i32; 2],
    gamma_e: f64,
    delta_h_m: f64,
    h_m: [f64; 2],
) -> ([f64; 2], [f64; 2], [f64; 2]) {
    let mut h_e = [0.0; 2];
    let mut d_hzn = [0.0; 2];
    let mut theta = [0.0; 2];
    for i in 0..2 {
        if site_criteria[i] == 0 {
            h_e[i] = h_m[i];
        } else {
            let mut b = if site_criteria[i] == 1 { 4.0 } else { 9.0 };
            if h_m[i] < 5.0 {
                b *= (0.1 * std::f64::consts::PI * h_m[i]).sin();
            }
            h_e[i] =
                h_m[i] + (1.0 + b) * (-(20f64.min(2.0 * h_m[i] / 1e-3f64.max(delta_h_m)))).exp();
        }
        let d_ls = (2.0 * h_e[i] / gamma_e).sqrt();
        d_hzn[i] = d_ls * (-0.07 * (delta_h_m / h_e[i].max(5.0)).sqrt()).exp();
        theta[i] = (0.65 * delta_h_m * (d_ls / d_hzn[i] - 1.0) - 2.0 * h_e[i]) / d_ls;
    }
    (h_e, d_hzn, theta)
}

/// Sum of a slice with four independent accumulators (the order differs from a plain loop
/// only in the last bits; it breaks the add-latency chain).
#[inline]
pub(crate) fn sum4(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = x.chunks_exact(4);
    for c in &mut chunks {
        for k in 0..4 {
            acc[k] += c[k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for &v in chunks.remainder() {
        s += v;
    }
    s
}

/// Terminal radio horizons over the profile: `(theta_hzn, d_hzn_m)`.
///
/// `e` holds at least two elevations. Where a terminal sees no obstruction its horizon is
/// the other terminal (distance = path length). The horizon is the first profile point of
/// largest elevation angle `(z_i − z_terminal)/d_i − d_i/2a`, as in NTIA's `FindHorizons`.
///
/// # Panics
/// If `e` has fewer than two points.
pub fn find_horizons(e: &[f64], spacing_m: f64, a_e_m: f64, h_m: [f64; 2]) -> ([f64; 2], [f64; 2]) {
    let np = e.len() - 1;
    let d = np as f64 * spacing_m;
    let z_tx = e[0] + h_m[0];
    let z_rx = e[np] + h_m[1];
    let two_a = 2.0 * a_e_m;
    let mut t0 = (z_rx - z_tx) / d - d / two_a;
    let mut t1 = -(z_rx - z_tx) / d - d / two_a;
    let mut d_hzn = [d, d];
    // Screening by blocks: point j beats the current TX horizon angle t0 iff its elevation
    // is above the curve z_tx + t0·d_j + d_j²/2a (d_j > 0), a convex function of d_j whose
    // minimum over a block is cheap to bound; likewise for the RX. A block whose highest
    // point is below both curves' minima (with a 1e-6 m margin for rounding) cannot hold a
    // new horizon and is skipped; other blocks are walked point by point with NTIA's exact
    // angle formula, so the result is that of a plain scan.
    const B: usize = 16;
    const MARGIN_M: f64 = 1e-6;
    let c = 1.0 / two_a;
    // minimum over d in [lo, hi] of z + t·d + c·d² (c > 0)
    let min_curve = |z: f64, t: f64, lo: f64, hi: f64| {
        let v = (-t / (2.0 * c)).clamp(lo, hi);
        z + v * (t + c * v)
    };
    let mut i = 1;
    while i < np {
        let end = (i + B).min(np);
        let blk = &e[i..end];
        let mut m = [f64::NEG_INFINITY; 4];
        let mut ch = blk.chunks_exact(4);
        for q in &mut ch {
            for k in 0..4 {
                m[k] = if q[k] > m[k] { q[k] } else { m[k] };
            }
        }
        let mut zmax = m[0].max(m[1]).max(m[2].max(m[3]));
        for &z in ch.remainder() {
            zmax = zmax.max(z);
        }
        let dt_lo = i as f64 * spacing_m;
        let dt_hi = (end - 1) as f64 * spacing_m;
        let thr_tx = min_curve(z_tx, t0, dt_lo, dt_hi);
        let thr_rx = min_curve(z_rx, t1, d - dt_hi, d - dt_lo);
        if zmax + MARGIN_M >= thr_tx.min(thr_rx) || zmax.is_nan() {
            for (j, &z) in (i..end).zip(blk) {
                let dt = j as f64 * spacing_m;
                let dr = d - dt;
                let th = (z - z_tx) / dt - dt / two_a;
                if th > t0 {
                    t0 = th;
                    d_hzn[0] = dt;
                }
                let th = -(z_rx - z) / dr - dr / two_a;
                if th > t1 {
                    t1 = th;
                    d_hzn[1] = dr;
                }
            }
        }
        i = end;
    }
    ([t0, t1], d_hzn)
}

/// Least-squares straight line through the elevations between `d_start_m` and `d_end_m`;
/// returns its heights at the two ends of the whole profile `(at 0, at np·spacing)`.
///
/// # Panics
/// If `e` has fewer than two points.
pub fn linear_least_squares_fit(
    e: &[f64],
    spacing_m: f64,
    d_start_m: f64,
    d_end_m: f64,
) -> (f64, f64) {
    let np = e.len() as i64 - 1;
    let npf = np as f64;
    let mut i_start = fdim(d_start_m / spacing_m, 0.0) as i64;
    let mut i_end = np - fdim(npf, d_end_m / spacing_m) as i64;
    if i_end <= i_start {
        i_start = fdim(i_start as f64, 1.0) as i64;
        i_end = np - fdim(npf, i_end as f64 + 1.0) as i64;
    }
    // Out-of-range requests (never produced by ITM itself) are clamped, not indexed.
    i_start = i_start.clamp(0, np);
    i_end = i_end.clamp(0, np);
    let x_length = (i_end - i_start) as f64;
    let mid0 = -0.5 * x_length;
    let mid_end = i_end as f64 + mid0;
    let (a, b) = (i_start as usize, i_end as usize);
    let mut sum_y = 0.5 * (e[a] + e[b]);
    let mut scaled = 0.5 * (e[a] - e[b]) * mid0;
    if b > a + 1 {
        // interior points j = a+1 .. b-1 with weights mid0 + (j − a) (exact half-integers),
        // in four independent lanes
        let inner = &e[a + 1..b];
        let mut s = [0.0f64; 4];
        let mut w = [0.0f64; 4];
        let mut ws = [mid0 + 1.0, mid0 + 2.0, mid0 + 3.0, mid0 + 4.0];
        let mut chunks = inner.chunks_exact(4);
        for ch in &mut chunks {
            for k in 0..4 {
                s[k] += ch[k];
                w[k] += ch[k] * ws[k];
                ws[k] += 4.0;
            }
        }
        let mut sy = (s[0] + s[1]) + (s[2] + s[3]);
        let mut sw = (w[0] + w[1]) + (w[2] + w[3]);
        let mut wt = ws[0];
        for &z in chunks.remainder() {
            sy += z;
            sw += z * wt;
            wt += 1.0;
        }
        sum_y += sy;
        scaled += sw;
    }
    sum_y /= x_length;
    scaled = scaled * 12.0 / ((x_length * x_length + 2.0) * x_length);
    (sum_y - scaled * mid_end, sum_y + scaled * (npf - mid_end))
}

/// Terrain irregularity parameter Δh between `d_start_m` and `d_end_m`, m: the interdecile
/// range of the elevations about a least-squares line (sampled at up to 245 points),
/// scaled to an infinite path (ERL 79-ITS 67 eq. 3, inverted).
///
/// # Panics
/// If `e` has fewer than two points.
pub fn compute_delta_h(e: &[f64], spacing_m: f64, d_start_m: f64, d_end_m: f64) -> f64 {
    let mut s = [0.0f64; 245];
    let Some((n, p10)) = delta_h_samples(e, spacing_m, d_start_m, d_end_m, &mut s) else {
        return 0.0;
    };
    let p90 = n - p10;
    let np_s = (n - 1) as f64;
    let s = &mut s[..n];
    let (mut fit_y1, fit_y2) = linear_least_squares_fit(s, 1.0, 0.0, np_s);
    let slope = (fit_y2 - fit_y1) / np_s;
    for v in s.iter_mut() {
        *v -= fit_y1;
        fit_y1 += slope;
    }
    debug_assert_eq!(p90, n - p10);
    let (q10, q90) = interdecile(s, p10);
    (q10 - q90) / (1.0 - 0.8 * (-(d_end_m - d_start_m) / 50e3).exp())
}

/// The `r`-th largest and the `r`-th smallest of `s` (1-based rank, 1 ≤ r ≤ len).
///
/// Selection on integer keys of the IEEE total order. For long inputs two pivots from a
/// sorted sample of every 8th value cut the candidates for each tail to about r + 16
/// values in one pass (a two-sided Floyd–Rivest step); a full selection is the fallback.
#[doc(hidden)]
pub fn interdecile(s: &[f64], r: usize) -> (f64, f64) {
    let n = s.len();
    let key = |v: f64| {
        let b = v.to_bits() as i64;
        b ^ ((((b >> 63) as u64) >> 1) as i64)
    };
    let unkey = |k: i64| f64::from_bits((k ^ ((((k >> 63) as u64) >> 1) as i64)) as u64);
    let mut keys = [0i64; 245];
    let keys = &mut keys[..n];
    for (k, &v) in keys.iter_mut().zip(s.iter()) {
        *k = key(v);
    }
    let full = |keys: &mut [i64]| {
        let lo = *keys.select_nth_unstable(r - 1).1;
        let hi = *keys.select_nth_unstable(n - r).1;
        (hi, lo)
    };
    if n < 96 {
        let (hi, lo) = full(keys);
        return (unkey(hi), unkey(lo));
    }
    let m = n.div_ceil(8);
    let mut samp = [0i64; 31];
    let samp = &mut samp[..m];
    for (t, v) in samp.iter_mut().enumerate() {
        *v = keys[8 * t];
    }
    samp.sort_unstable();
    let off = (r * m / n + 2).min(m - 1);
    let (pl, pu) = (samp[off], samp[m - 1 - off]);
    let mut lbuf = [0i64; 245];
    let mut ubuf = [0i64; 245];
    let (mut nl, mut nu) = (0usize, 0usize);
    for &k in keys.iter() {
        lbuf[nl] = k;
        nl += usize::from(k < pl);
        ubuf[nu] = k;
        nu += usize::from(k > pu);
    }
    let (hi, lo) = if nl >= r && nu >= r {
        (
            *ubuf[..nu].select_nth_unstable(nu - r).1,
            *lbuf[..nl].select_nth_unstable(r - 1).1,
        )
    } else {
        full(keys)
    };
    (unkey(hi), unkey(lo))
}

/// Resample the profile between `d_start_m` and `d_end_m` at `n` = 10·p10 − 5 points
/// (p10 in 4..=25) by linear interpolation, as NTIA's `ComputeDeltaH` does. Returns
/// `(n, p10)`, or `None` when the range spans fewer than two profile intervals.
#[doc(hidden)]
pub fn delta_h_samples(
    e: &[f64],
    spacing_m: f64,
    d_start_m: f64,
    d_end_m: f64,
    s: &mut [f64; 245],
) -> Option<(usize, usize)> {
    let np = e.len() as i64 - 1;
    let x_start = d_start_m / spacing_m;
    let x_end = d_end_m / spacing_m;
    if x_end - x_start < 2.0 {
        return None;
    }
    let p10 = ((0.1 * (x_end - x_start + 8.0)) as i64).clamp(4, 25);
    let n = (10 * p10 - 5) as usize;
    let step = (x_end - x_start) / (n - 1) as f64;
    // Sample j sits at profile index X = x_start + j·step and interpolates between the
    // points k−1 and k, k = ceil(X) kept within 1..=np. NTIA walks k forward point by point
    // and accumulates X; here X is fixed point with 2^-shift resolution (shift ≥ 40, so X
    // is off by < 1e-9 index units), which removes the serial dependency between samples.
    let shift = 61 - (64 - (np as u64).leading_zeros()).min(21);
    let scale = (1u64 << shift) as f64;
    let inv_scale = 1.0 / scale;
    let p0 = (x_start * scale).round() as i64;
    let ps = (step * scale).round() as i64;
    let round_up = (1i64 << shift) - 1;
    for (j, sj) in s.iter_mut().take(n).enumerate() {
        let pos = p0.wrapping_add((j as i64).wrapping_mul(ps));
        let k = (pos.wrapping_add(round_up) >> shift).clamp(1, np);
        let frac = pos.wrapping_sub(k << shift) as f64 * inv_scale;
        let (hi, lo) = (e[k as usize], e[k as usize - 1]);
        *sj = hi + (hi - lo) * frac;
    }
    Some((n, p10 as usize))
}

/// Profile-derived ITM geometry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PflGeometry {
    /// Horizon elevation angles `[tx, rx]`, radians.
    pub theta_hzn: [f64; 2],
    /// Horizon distances `[tx, rx]`, m.
    pub d_hzn_m: [f64; 2],
    /// Effective antenna heights `[tx, rx]`, m.
    pub h_e_m: [f64; 2],
    /// Terrain irregularity parameter Δh, m.
    pub delta_h_m: f64,
    /// Path length, m.
    pub d_m: f64,
}

/// NTIA's `QuickPfl`: horizons, Δh and effective heights from a profile.
pub fn quick_pfl(e: &[f64], spacing_m: f64, gamma_e: f64, h_m: [f64; 2]) -> PflGeometry {
    let np = e.len() - 1;
    let d = np as f64 * spacing_m;
    let a_e = 1.0 / gamma_e;
    let (mut theta_hzn, mut d_hzn) = find_horizons(e, spacing_m, a_e, h_m);
    let d_start = (15.0 * h_m[0]).min(0.1 * d_hzn[0]);
    let d_end = d - (15.0 * h_m[1]).min(0.1 * d_hzn[1]);
    let delta_h = compute_delta_h(e, spacing_m, d_start, d_end);
    let mut h_e = [0.0; 2];
    if d_hzn[0] + d_hzn[1] > 1.5 * d {
        let (fit_tx, fit_rx) = linear_least_squares_fit(e, spacing_m, d_start, d_end);
        h_e[0] = h_m[0] + fdim(e[0], fit_tx);
        h_e[1] = h_m[1] + fdim(e[np], fit_rx);
        let hzn =
            |he: f64| (2.0 * he * a_e).sqrt() * (-0.07 * (delta_h / he.max(5.0)).sqrt()).exp();
        d_hzn = [hzn(h_e[0]), hzn(h_e[1])];
        let combined = d_hzn[0] + d_hzn[1];
        if combined <= d {
            let q = (d / combined) * (d / combined);
            for i in 0..2 {
                h_e[i] *= q;
                d_hzn[i] = hzn(h_e[i]);
            }
        }
        for i in 0..2 {
            let q = (2.0 * h_e[i] * a_e).sqrt();
            theta_hzn[i] = (0.65 * delta_h * (q / d_hzn[i] - 1.0) - 2.0 * h_e[i]) / q;
        }
    } else {
        let (fit_tx, _) = linear_least_squares_fit(e, spacing_m, d_start, 0.9 * d_hzn[0]);
        h_e[0] = h_m[0] + fdim(e[0], fit_tx);
        let (_, fit_rx) = linear_least_squares_fit(e, spacing_m, d - 0.9 * d_hzn[1], d_end);
        h_e[1] = h_m[1] + fdim(e[np], fit_rx);
    }
    PflGeometry {
        theta_hzn,
        d_hzn_m: d_hzn,
        h_e_m: h_e,
        delta_h_m: delta_h,
        d_m: d,
    }
}
