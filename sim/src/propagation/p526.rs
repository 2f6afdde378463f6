//! ITU-R P.526 diffraction: the single knife edge J(ν) and the delta-Bullington method for a
//! terrain profile, with its spherical-earth part.
//!
//! Units: distances along the path in km, heights in m above mean sea level (profile) or
//! above the smooth-earth surface (the modified heights h′), frequency in Hz, losses in dB.
//! Wavelength uses c = 3·10⁸ m/s as the ITU-R validation spreadsheet does.
//!
//! Delta-Bullington (P.526-16 §4.5): `L_d = L_bulla + max(L_dsph − L_bulls, 0)`, where
//! `L_bulla` is the Bullington loss of the actual profile, `L_bulls` that of a zero-height
//! profile with the modified antenna heights h′_ts, h′_rs (heights above the least-squares
//! smooth-earth surface, P.452 §5.1.6.3), and `L_dsph` the spherical-earth diffraction loss
//! for those heights.
//!
//! # References
//! ITU-R P.526-16 (2025) §3.2 (first-term spherical-earth), §4.1 eq. (31) (J(ν)), §4.5
//! (delta-Bullington); ITU-R P.452-18 §4.2 and §5.1.6.3 (the same method and the smooth-earth
//! heights); ITU-R SG3 delta-Bullington validation examples.

// Input checks are written `!(x > lo)` so that NaN is rejected too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use super::{free_space_loss_db, Link, LossReport, PathLoss, Polarization, PropagationError};

/// Speed of light used by the ITU-R delta-Bullington examples, m/s.
pub const C_ITU_M_PER_S: f64 = 3e8;

/// Single knife-edge diffraction loss J(ν), dB (P.526 eq. 31): `6.9 + 20 log10(√((ν−0.1)²+1)
/// + ν − 0.1)` for ν > −0.78, and 0 below.
pub fn knife_edge_loss_db(v: f64) -> f64 {
    if v > -0.78 {
        6.9 + 20.0 * (((v - 0.1) * (v - 0.1) + 1.0).sqrt() + v - 0.1).log10()
    } else {
        0.0
    }
}

/// Ground electrical constants and polarisation for the spherical-earth term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surface {
    /// Relative permittivity.
    pub epsilon_r: f64,
    /// Conductivity, S/m.
    pub sigma_s_per_m: f64,
    /// Polarisation.
    pub polarization: Polarization,
}

impl Default for Surface {
    /// Land (ε_r 22, σ 0.003 S/m, P.452 §4.2.2.1), horizontal polarisation.
    fn default() -> Self {
        Surface {
            epsilon_r: 22.0,
            sigma_s_per_m: 0.003,
            polarization: Polarization::Horizontal,
        }
    }
}

/// Bullington diffraction loss of a profile, dB (P.526-16 §4.5.1).
///
/// * `d_km`, `h_m`: profile distances from the transmitter (km, increasing, first 0) and
///   heights (m), same length ≥ 3 (the interior points are the candidate obstacles);
/// * `hts_m`, `hrs_m`: antenna heights above the same datum, m;
/// * `ae_km`: effective earth radius, km; `f_hz`: frequency.
///
/// # Panics
/// If the slices differ in length or have fewer than 2 points.
pub fn bullington_loss_db(
    d_km: &[f64],
    h_m: &[f64],
    hts_m: f64,
    hrs_m: f64,
    ae_km: f64,
    f_hz: f64,
) -> f64 {
    assert_eq!(
        d_km.len(),
        h_m.len(),
        "profile distances and heights differ in length"
    );
    let n = d_km.len();
    assert!(n >= 2, "a profile needs two points");
    let d = d_km[n - 1];
    let ce = 1.0 / ae_km;
    let lambda = C_ITU_M_PER_S / f_hz;
    let inner = 1..n - 1;
    // bulge-corrected heights, m
    let hc = |i: usize| h_m[i] + 500.0 * ce * d_km[i] * (d - d_km[i]);
    let stim = inner
        .clone()
        .map(|i| (hc(i) - hts_m) / d_km[i])
        .fold(f64::NEG_INFINITY, f64::max);
    let str_ = (hrs_m - hts_m) / d;
    let luc = if stim < str_ || n < 3 {
        // line of sight: the largest diffraction parameter of the intermediate points
        let vmax = inner
            .map(|i| {
                let di = d_km[i];
                (hc(i) - (hts_m * (d - di) + hrs_m * di) / d)
                    * (0.002 * d / (lambda * di * (d - di))).sqrt()
            })
            .fold(f64::NEG_INFINITY, f64::max);
        knife_edge_loss_db(vmax)
    } else {
        let srim = inner
            .map(|i| (hc(i) - hrs_m) / (d - d_km[i]))
            .fold(f64::NEG_INFINITY, f64::max);
        let dbp = (hrs_m - hts_m + srim * d) / (stim + srim);
        let vb = (hts_m + stim * dbp - (hts_m * (d - dbp) + hrs_m * dbp) / d)
            * (0.002 * d / (lambda * dbp * (d - dbp))).sqrt();
        knife_edge_loss_db(vb)
    };
    luc + (1.0 - (-luc / 6.0).exp()) * (10.0 + 0.02 * d)
}

/// Terms of the first-term spherical-earth loss: `L = −F(X) − G(Y_t) − G(Y_r)`, dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstTerm {
    /// The loss, dB.
    pub loss_db: f64,
    /// Distance term F(X), dB.
    pub fx_db: f64,
    /// TX height-gain term G(Y_t), dB.
    pub g_yt_db: f64,
    /// RX height-gain term G(Y_r), dB.
    pub g_yr_db: f64,
}

/// First-term spherical-earth diffraction loss (P.526-16 §3.2; P.452-18 eq. 30–37) for a
/// path of `d_km` over an earth of radius `a_km`, antenna heights `h1_m`, `h2_m` above it.
pub fn first_term(d_km: f64, h1_m: f64, h2_m: f64, a_km: f64, f_hz: f64, s: &Surface) -> FirstTerm {
    let f_ghz = f_hz / 1e9;
    let x18 = 18.0 * s.sigma_s_per_m / f_ghz;
    let mut k = 0.036
        * (a_km * f_ghz).powf(-1.0 / 3.0)
        * ((s.epsilon_r - 1.0).powi(2) + x18 * x18).powf(-0.25);
    if s.polarization == Polarization::Vertical {
        k *= (s.epsilon_r * s.epsilon_r + x18 * x18).sqrt();
    }
    let k2 = k * k;
    let k4 = k2 * k2;
    let beta = (1.0 + 1.6 * k2 + 0.67 * k4) / (1.0 + 4.5 * k2 + 1.53 * k4);
    let x = 21.88 * beta * (f_ghz / (a_km * a_km)).powf(1.0 / 3.0) * d_km;
    let ycoef = 0.9575 * beta * (f_ghz * f_ghz / a_km).powf(1.0 / 3.0);
    let fx = if x >= 1.6 {
        11.0 + 10.0 * x.log10() - 17.6 * x
    } else {
        -20.0 * x.log10() - 5.6488 * x.powf(1.425)
    };
    let g = |y: f64| {
        let b = beta * y;
        let g = if b > 2.0 {
            17.6 * (b - 1.1).sqrt() - 5.0 * (b - 1.1).log10() - 8.0
        } else {
            20.0 * (b + 0.1 * b * b * b).log10()
        };
        g.max(2.0 + 20.0 * k.log10())
    };
    let g_yt = g(ycoef * h1_m);
    let g_yr = g(ycoef * h2_m);
    FirstTerm {
        loss_db: -fx - g_yt - g_yr,
        fx_db: fx,
        g_yt_db: g_yt,
        g_yr_db: g_yr,
    }
}

/// Spherical-earth diffraction loss L_dsph for antenna heights `h1_m`, `h2_m` above a smooth
/// earth of effective radius `ae_km` (P.526-16 §4.5 / P.452-18 §4.2.2). Returns the loss and,
/// beyond the smooth-earth horizon distance (the main branch), the first-term parts.
pub fn spherical_earth_loss_db(
    d_km: f64,
    h1_m: f64,
    h2_m: f64,
    ae_km: f64,
    f_hz: f64,
    s: &Surface,
) -> (f64, Option<FirstTerm>) {
    let lambda = C_ITU_M_PER_S / f_hz;
    let dlos = (2.0 * ae_km).sqrt() * ((0.001 * h1_m).sqrt() + (0.001 * h2_m).sqrt());
    if d_km >= dlos {
        let ft = first_term(d_km, h1_m, h2_m, ae_km, f_hz, s);
        return (ft.loss_db, Some(ft));
    }
    let c = (h1_m - h2_m) / (h1_m + h2_m);
    let m = 250.0 * d_km * d_km / (ae_km * (h1_m + h2_m));
    let b = 2.0
        * ((m + 1.0) / (3.0 * m)).sqrt()
        * (std::f64::consts::PI / 3.0
            + (1.0 / 3.0) * ((3.0 * c / 2.0) * (3.0 * m / (m + 1.0).powi(3)).sqrt()).acos())
        .cos();
    let dse1 = d_km / 2.0 * (1.0 + b);
    let dse2 = d_km - dse1;
    let hse = ((h1_m - 500.0 * dse1 * dse1 / ae_km) * dse2
        + (h2_m - 500.0 * dse2 * dse2 / ae_km) * dse1)
        / d_km;
    let hreq = 17.456 * (dse1 * dse2 * lambda / d_km).sqrt();
    if hse > hreq {
        return (0.0, None);
    }
    let aem = 500.0 * (d_km / (h1_m.sqrt() + h2_m.sqrt())).powi(2);
    let ldft = first_term(d_km, h1_m, h2_m, aem, f_hz, s).loss_db;
    if ldft < 0.0 {
        (0.0, None)
    } else {
        ((1.0 - hse / hreq) * ldft, None)
    }
}

/// The parts of a delta-Bullington evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeltaBullingtonLoss {
    /// Bullington loss of the actual profile, dB.
    pub lbulla_db: f64,
    /// Bullington loss of the zero-height profile with the modified heights, dB.
    pub lbulls_db: f64,
    /// Spherical-earth loss with the modified heights, dB.
    pub ldsph_db: f64,
    /// Delta-Bullington diffraction loss, dB.
    pub ld_db: f64,
    /// Modified TX antenna height h′_ts (above the smooth-earth surface), m.
    pub hts_prime_m: f64,
    /// Modified RX antenna height h′_rs, m.
    pub hrs_prime_m: f64,
    /// First-term parts when L_dsph took the beyond-horizon branch.
    pub first_term: Option<FirstTerm>,
}

/// Why delta-Bullington cannot evaluate a profile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum P526Error {
    /// Profile too short, lengths differ, distances not increasing from 0, or a non-finite
    /// value.
    #[error("bad profile: {0}")]
    Profile(&'static str),
    /// Frequency, earth radius or antenna height not positive/finite.
    #[error("bad input: {0}")]
    Input(&'static str),
}

/// Delta-Bullington diffraction loss over a terrain profile (P.526-16 §4.5).
///
/// * `d_km`, `h_m`: profile distances from the TX (km, first 0, increasing) and terrain
///   heights (m amsl), at least 3 points;
/// * `htg_m`, `hrg_m`: antenna heights above ground at the two ends, m (> 0);
/// * `ae_km`: effective earth radius, km; `f_hz`: frequency.
///
/// # Errors
/// [`P526Error`] on a malformed profile or non-positive inputs.
pub fn delta_bullington(
    d_km: &[f64],
    h_m: &[f64],
    htg_m: f64,
    hrg_m: f64,
    ae_km: f64,
    f_hz: f64,
    surface: &Surface,
) -> Result<DeltaBullingtonLoss, P526Error> {
    let n = d_km.len();
    if n != h_m.len() {
        return Err(P526Error::Profile("distances and heights differ in length"));
    }
    if n < 3 {
        return Err(P526Error::Profile("fewer than 3 points"));
    }
    if d_km[0] != 0.0 || d_km.windows(2).any(|w| !(w[1] > w[0])) {
        return Err(P526Error::Profile("distances must start at 0 and increase"));
    }
    if h_m.iter().any(|h| !h.is_finite()) {
        return Err(P526Error::Profile("non-finite height"));
    }
    if !(f_hz > 0.0 && f_hz.is_finite() && ae_km > 0.0 && ae_km.is_finite()) {
        return Err(P526Error::Input(
            "frequency and earth radius must be positive",
        ));
    }
    if !(htg_m > 0.0 && hrg_m > 0.0) {
        return Err(P526Error::Input("antenna heights must be positive"));
    }
    let d = d_km[n - 1];
    let hts = h_m[0] + htg_m;
    let hrs = h_m[n - 1] + hrg_m;
    let lbulla = bullington_loss_db(d_km, h_m, hts, hrs, ae_km, f_hz);

    // least-squares smooth-earth surface (P.452 §5.1.6.3, eq. 161–164)
    let (mut v1, mut v2) = (0.0, 0.0);
    for i in 1..n {
        let dd = d_km[i] - d_km[i - 1];
        v1 += dd * (h_m[i] + h_m[i - 1]);
        v2 += dd
            * (h_m[i] * (2.0 * d_km[i] + d_km[i - 1]) + h_m[i - 1] * (d_km[i] + 2.0 * d_km[i - 1]));
    }
    let hst = (2.0 * v1 * d - v2) / (d * d);
    let hsr = (v2 - v1 * d) / (d * d);
    // obstruction correction (eq. 165–167)
    let (mut hobs, mut aobt, mut aobr) = (f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for i in 1..n - 1 {
        let hi = h_m[i] - (hts * (d - d_km[i]) + hrs * d_km[i]) / d;
        hobs = hobs.max(hi);
        aobt = aobt.max(hi / d_km[i]);
        aobr = aobr.max(hi / (d - d_km[i]));
    }
    let (hstp, hsrp) = if hobs <= 0.0 {
        (hst, hsr)
    } else {
        let gt = aobt / (aobt + aobr);
        let gr = aobr / (aobt + aobr);
        (hst - hobs * gt, hsr - hobs * gr)
    };
    let hstd = hstp.min(h_m[0]);
    let hsrd = hsrp.min(h_m[n - 1]);
    let hts_p = hts - hstd;
    let hrs_p = hrs - hsrd;

    // zero-height profile with the modified heights
    let lbulls = bullington_zero_profile(d_km, hts_p, hrs_p, ae_km, f_hz);
    let (ldsph, first_term) = spherical_earth_loss_db(d, hts_p, hrs_p, ae_km, f_hz, surface);
    Ok(DeltaBullingtonLoss {
        lbulla_db: lbulla,
        lbulls_db: lbulls,
        ldsph_db: ldsph,
        ld_db: lbulla + (ldsph - lbulls).max(0.0),
        hts_prime_m: hts_p,
        hrs_prime_m: hrs_p,
        first_term,
    })
}

/// Bullington loss over the same distances with every terrain height 0.
fn bullington_zero_profile(d_km: &[f64], hts_m: f64, hrs_m: f64, ae_km: f64, f_hz: f64) -> f64 {
    // small profiles on the stack, long ones on the heap
    const STACK: usize = 4096;
    if d_km.len() <= STACK {
        let zeros = [0.0f64; STACK];
        bullington_loss_db(d_km, &zeros[..d_km.len()], hts_m, hrs_m, ae_km, f_hz)
    } else {
        let zeros = vec![0.0f64; d_km.len()];
        bullington_loss_db(d_km, &zeros, hts_m, hrs_m, ae_km, f_hz)
    }
}

/// Delta-Bullington as a [`PathLoss`] model: free-space loss over the slant distance
/// (c = 299,792,458 m/s) plus the delta-Bullington diffraction loss, with the link's ground
/// constants and polarisation for the spherical-earth term.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeltaBullington {
    /// Effective earth radius, km (4/3 × 6371 km by default).
    pub effective_earth_radius_km: f64,
}

impl Default for DeltaBullington {
    fn default() -> Self {
        DeltaBullington {
            effective_earth_radius_km: 6371.0 * 4.0 / 3.0,
        }
    }
}

impl PathLoss for DeltaBullington {
    fn id(&self) -> &'static str {
        "p526"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        let p = link.profile;
        let n = p.elevations_m.len();
        let err = |what: String| PropagationError::OutOfRange {
            model: "p526",
            what,
        };
        if n < 3 || !(p.spacing_m > 0.0) {
            return Err(err(format!(
                "profile needs ≥ 3 points at a positive spacing (got {n} at {} m)",
                p.spacing_m
            )));
        }
        let d_km: Vec<f64> = (0..n).map(|i| i as f64 * p.spacing_m / 1000.0).collect();
        let surface = Surface {
            epsilon_r: link.ground.epsilon_r,
            sigma_s_per_m: link.ground.sigma_s_per_m,
            polarization: link.polarization,
        };
        let r = delta_bullington(
            &d_km,
            &p.elevations_m,
            link.tx_height_m,
            link.rx_height_m,
            self.effective_earth_radius_km,
            link.frequency_hz,
            &surface,
        )
        .map_err(|e| err(e.to_string()))?;
        Ok(LossReport {
            loss_db: free_space_loss_db(link.slant_distance_m(), link.frequency_hz) + r.ld_db,
            mode: None,
            warnings: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// J(ν) at the points tabulated in P.526 Fig. 9: 6 dB at grazing, ~13.5 dB at ν = 1,
    /// 0 below −0.78, continuous and increasing above it.
    #[test]
    fn knife_edge_j() {
        assert!((knife_edge_loss_db(0.0) - 6.0).abs() < 0.1);
        assert!((knife_edge_loss_db(1.0) - 13.9).abs() < 0.2);
        assert_eq!(knife_edge_loss_db(-1.0), 0.0);
        assert!(knife_edge_loss_db(-0.77) > 0.0 && knife_edge_loss_db(-0.77) < 0.1);
        let mut prev = 0.0;
        for i in 0..100 {
            let j = knife_edge_loss_db(-0.7 + i as f64 * 0.1);
            assert!(j > prev);
            prev = j;
        }
        // far field: √((ν−0.1)²+1) ≈ (ν−0.1) + 1/(2(ν−0.1))
        let u: f64 = 10.0 - 0.1;
        let asym = 6.9 + 20.0 * (2.0 * u + 0.5 / u).log10();
        assert!((knife_edge_loss_db(10.0) - asym).abs() < 1e-3);
    }
}
