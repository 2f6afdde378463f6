//! Profile-based terrain diffraction for deep shadow: the ITU-R P.526 delta-Bullington method
//! (Bullington on the real profile, plus the spherical-earth excess over a Bullington of the
//! smooth profile), with the knife-edge `J(v)`.
//!
//! The path solver uses [`terrain_diffraction`] for the diffracted ray of every link whose
//! line of sight is blocked: a single edge gives P.526's knife-edge `J(v)` (which UTD's
//! half-plane reproduces, see [`super::utd`]), two horizons Epstein–Peterson, and smooth earth
//! P.526's spherical-earth term; [`delta_bullington`] is P.526's general method as published.
//! Single-wedge UTD on individual facets of a terrain mesh (as in Sionna RT) is what puts
//! diffraction 80 dB too low on rural links, hence a profile model for terrain.
//!
//! Merge note: branch `itm` is to provide `sim::propagation::p526`; when it lands, this module
//! should call its delta-Bullington instead of keeping a second copy.
//!
//! # References
//! ITU-R P.526-15 §4.1 (J(v), eq. 31), §4.5 (Bullington), §4.6 (delta-Bullington); ITU-R
//! P.452-17 §4.2 (same method, spherical-earth first-term formula §4.2.2.1, smooth-earth
//! heights §5.1.6).

use crate::propagation::{Ground, Polarization, C_M_PER_S};

/// Knife-edge diffraction loss `J(v)` in dB, P.526 eq. (31); 0 for `v ≤ −0.78`.
pub fn j_of_v(v: f64) -> f64 {
    if v > -0.78 {
        6.9 + 20.0 * (((v - 0.1).powi(2) + 1.0).sqrt() + v - 0.1).log10()
    } else {
        0.0
    }
}

/// Result of the profile diffraction model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileDiffraction {
    /// Total diffraction loss (excess over free space), dB (≥ 0).
    pub loss_db: f64,
    /// Bullington loss of the real profile, dB.
    pub bullington_db: f64,
    /// Spherical-earth loss term, dB.
    pub spherical_db: f64,
    /// Diffraction parameter at the Bullington point (or the largest one on a LOS path).
    pub v: f64,
    /// Distance of the Bullington point from the TX, m (the dominant edge on LOS paths).
    pub edge_d_m: f64,
    /// Whether the straight line between the antennas clears the profile.
    pub line_of_sight: bool,
    /// Knife edges that add loss (`v > −0.78`): Bullington's single point in
    /// [`delta_bullington`], up to three in [`terrain_diffraction`].
    pub edges: u8,
}

/// Inputs of the profile model, all in SI units.
#[derive(Debug, Clone, Copy)]
pub struct ProfileInput<'a> {
    /// Distances from the TX, m, increasing, first 0.
    pub d_m: &'a [f64],
    /// Terrain heights above the datum, m.
    pub h_m: &'a [f64],
    /// TX antenna height above the datum, m.
    pub tx_z_m: f64,
    /// RX antenna height above the datum, m.
    pub rx_z_m: f64,
    /// Effective earth radius, m (`None`: flat earth).
    pub earth_radius_m: Option<f64>,
    /// Frequency, Hz.
    pub frequency_hz: f64,
    /// Polarisation (spherical-earth term).
    pub polarization: Polarization,
    /// Ground constants (spherical-earth term).
    pub ground: Ground,
}

struct Bull {
    luc: f64,
    v: f64,
    d_bp_km: f64,
    los: bool,
}

/// Bullington on heights `h` (m) at `d` (km); `ce` curvature 1/km; `lam` m.
fn bullington(d: &[f64], h: &[f64], hts: f64, hrs: f64, ce: f64, lam: f64) -> Bull {
    let n = d.len();
    let dt = d[n - 1];
    if n < 3 || dt <= 0.0 {
        return Bull {
            luc: 0.0,
            v: f64::NEG_INFINITY,
            d_bp_km: dt / 2.0,
            los: true,
        };
    }
    let mut stim = f64::NEG_INFINITY;
    for i in 1..n - 1 {
        let s = (h[i] + 500.0 * ce * d[i] * (dt - d[i]) - hts) / d[i];
        stim = stim.max(s);
    }
    let str_ = (hrs - hts) / dt;
    if stim < str_ {
        let mut vmax = f64::NEG_INFINITY;
        let mut imax = n / 2;
        for i in 1..n - 1 {
            let v = (h[i] + 500.0 * ce * d[i] * (dt - d[i])
                - (hts * (dt - d[i]) + hrs * d[i]) / dt)
                * (0.002 * dt / (lam * d[i] * (dt - d[i]))).sqrt();
            if v > vmax {
                vmax = v;
                imax = i;
            }
        }
        Bull {
            luc: j_of_v(vmax),
            v: vmax,
            d_bp_km: d[imax],
            los: true,
        }
    } else {
        let mut srim = f64::NEG_INFINITY;
        for i in 1..n - 1 {
            let s = (h[i] + 500.0 * ce * d[i] * (dt - d[i]) - hrs) / (dt - d[i]);
            srim = srim.max(s);
        }
        let dbp = ((hrs - hts + srim * dt) / (stim + srim)).clamp(1e-9, dt - 1e-9);
        let vb = (hts + stim * dbp - (hts * (dt - dbp) + hrs * dbp) / dt)
            * (0.002 * dt / (lam * dbp * (dt - dbp))).sqrt();
        Bull {
            luc: j_of_v(vb),
            v: vb,
            d_bp_km: dbp,
            los: false,
        }
    }
}

fn bull_loss(luc: f64, dt_km: f64) -> f64 {
    luc + (1.0 - (-luc / 6.0).exp()) * (10.0 + 0.02 * dt_km)
}

/// First-term spherical-earth diffraction loss, P.452-17 §4.2.2.1 (`a_km` radius, `f_ghz`).
fn ldft(a_km: f64, d_km: f64, h1: f64, h2: f64, f_ghz: f64, pol: Polarization, g: Ground) -> f64 {
    let (eps, sig) = (g.epsilon_r, g.sigma_s_per_m);
    let kh = 0.036
        * (a_km * f_ghz).powf(-1.0 / 3.0)
        * ((eps - 1.0).powi(2) + (18.0 * sig / f_ghz).powi(2)).powf(-0.25);
    let k = match pol {
        Polarization::Horizontal => kh,
        Polarization::Vertical => kh * (eps * eps + (18.0 * sig / f_ghz).powi(2)).sqrt(),
    };
    let k2 = k * k;
    let beta = (1.0 + 1.6 * k2 + 0.67 * k2 * k2) / (1.0 + 4.5 * k2 + 1.53 * k2 * k2);
    let x = 21.88 * beta * (f_ghz / (a_km * a_km)).cbrt() * d_km;
    let fx = if x >= 1.6 {
        11.0 + 10.0 * x.log10() - 17.6 * x
    } else {
        -20.0 * x.log10() - 5.6488 * x.powf(1.425)
    };
    let gy = |h: f64| {
        let y = 0.9575 * beta * (f_ghz * f_ghz / a_km).cbrt() * h;
        let b = beta * y;
        let g = if b > 2.0 {
            17.6 * (b - 1.1).sqrt() - 5.0 * (b - 1.1).log10() - 8.0
        } else {
            20.0 * (b + 0.1 * b * b * b).log10()
        };
        g.max(2.0 + 20.0 * k.log10())
    };
    -fx - gy(h1) - gy(h2)
}

/// Spherical-earth diffraction loss `L_dsph`, P.452-17 §4.2.2 (`ap_km` effective radius).
#[allow(clippy::too_many_arguments)]
fn ldsph(
    ap_km: f64,
    d_km: f64,
    h1: f64,
    h2: f64,
    lam: f64,
    f_ghz: f64,
    pol: Polarization,
    g: Ground,
) -> f64 {
    let (h1, h2) = (h1.max(0.1), h2.max(0.1));
    let dlos = (2.0 * ap_km).sqrt() * ((0.001 * h1).sqrt() + (0.001 * h2).sqrt());
    if d_km >= dlos {
        return ldft(ap_km, d_km, h1, h2, f_ghz, pol, g).max(0.0);
    }
    let c = (h1 - h2) / (h1 + h2);
    let m = 250.0 * d_km * d_km / (ap_km * (h1 + h2));
    let b = 2.0
        * ((m + 1.0) / (3.0 * m)).sqrt()
        * (std::f64::consts::PI / 3.0
            + ((3.0 * c / 2.0) * (3.0 * m / (m + 1.0).powi(3)).sqrt())
                .clamp(-1.0, 1.0)
                .acos()
                / 3.0)
            .cos();
    let dse1 = d_km / 2.0 * (1.0 + b);
    let dse2 = d_km - dse1;
    let hse = ((h1 - 500.0 * dse1 * dse1 / ap_km) * dse2
        + (h2 - 500.0 * dse2 * dse2 / ap_km) * dse1)
        / d_km;
    let hreq = 17.456 * (dse1 * dse2 * lam / d_km).sqrt();
    if hse > hreq {
        return 0.0;
    }
    let aem = 500.0 * (d_km / (h1.sqrt() + h2.sqrt())).powi(2);
    let l = ldft(aem, d_km, h1, h2, f_ghz, pol, g);
    if l < 0.0 {
        0.0
    } else {
        (1.0 - hse / hreq) * l
    }
}

/// Delta-Bullington diffraction loss over a terrain profile.
///
/// Returns `None` for fewer than two profile points, a non-positive length or frequency.
///
/// # References
/// ITU-R P.526-15 §4.6; ITU-R P.452-17 §4.2.3 and §5.1.6.3.
pub fn delta_bullington(inp: &ProfileInput<'_>) -> Option<ProfileDiffraction> {
    profile_model(inp, false)
}

/// Terrain diffraction as the ray tracer uses it in shadow: Deygout's construction with three
/// edges — the principal edge (largest `v` over the TX–RX line) and the principal edge of each
/// sub-path — `J(v_p) + J(v_t) + J(v_r)`, on the profile with the effective-earth bulge, plus
/// P.526's smooth-earth delta `max(L_sph − L_dey,smooth, 0)`. A single isolated edge gives
/// P.526 §4.1's `J(v)` exactly (secondary edges with `v ≤ −0.78` add nothing), and the loss is
/// continuous in the geometry. On a path whose line clears the profile it is `J(v_max)`.
///
/// Why Deygout rather than P.526's Bullington here: on the peer tile's shadowed links
/// (13–34 km, mostly two horizons) a single Bullington edge put the loss 15 dB (mean) below
/// NTIA ITM v1.4, Epstein–Peterson over the two horizons 14 dB below, the three-edge Deygout
/// within a few dB (see `tests/raytrace_peer.rs`).
pub fn terrain_diffraction(inp: &ProfileInput<'_>) -> Option<ProfileDiffraction> {
    profile_model(inp, true)
}

/// `v` of edge `e` over the line `a`–`b` (km, m).
fn v_over(a: (f64, f64), e: (f64, f64), b: (f64, f64), lam: f64) -> f64 {
    let (d1, d2) = (e.0 - a.0, b.0 - e.0);
    if d1 <= 1e-9 || d2 <= 1e-9 {
        return f64::NEG_INFINITY;
    }
    let line = a.1 + (b.1 - a.1) * d1 / (d1 + d2);
    (e.1 - line) * (0.002 * (d1 + d2) / (lam * d1 * d2)).sqrt()
}

/// Deygout over the points strictly between `a` and `b`, `depth` levels (1 = principal edge
/// only); returns (loss dB, principal v, principal distance km, edges used).
fn deygout(
    d: &[f64],
    he: &[f64],
    a: (f64, f64),
    b: (f64, f64),
    lam: f64,
    depth: u32,
) -> (f64, f64, f64, u8) {
    let (mut vmax, mut im) = (f64::NEG_INFINITY, usize::MAX);
    for i in 0..d.len() {
        if d[i] <= a.0 || d[i] >= b.0 {
            continue;
        }
        let v = v_over(a, (d[i], he[i]), b, lam);
        if v > vmax {
            vmax = v;
            im = i;
        }
    }
    if im == usize::MAX {
        return (0.0, f64::NEG_INFINITY, (a.0 + b.0) / 2.0, 0);
    }
    let e = (d[im], he[im]);
    let mut loss = j_of_v(vmax);
    let mut edges = u8::from(vmax > -0.78);
    if depth > 1 && vmax > -0.78 {
        let t = deygout(d, he, a, e, lam, depth - 1);
        let r = deygout(d, he, e, b, lam, depth - 1);
        loss += t.0 + r.0;
        edges += t.3 + r.3;
    }
    (loss, vmax, e.0, edges)
}

/// Three-edge Deygout on the bulged profile.
fn deygout3(d: &[f64], h: &[f64], hts: f64, hrs: f64, ce: f64, lam: f64) -> (f64, f64, f64, u8) {
    let dt = d[d.len() - 1];
    let he: Vec<f64> = d
        .iter()
        .zip(h)
        .map(|(&x, &z)| z + 500.0 * ce * x * (dt - x))
        .collect();
    deygout(d, &he, (0.0, hts), (dt, hrs), lam, 2)
}

fn profile_model(inp: &ProfileInput<'_>, isolate: bool) -> Option<ProfileDiffraction> {
    let n = inp.d_m.len();
    if n < 2 || inp.h_m.len() != n || inp.frequency_hz.is_nan() || inp.frequency_hz <= 0.0 {
        return None;
    }
    let d: Vec<f64> = inp.d_m.iter().map(|x| x / 1000.0).collect();
    let dt = d[n - 1];
    if dt.is_nan() || dt <= 0.0 {
        return None;
    }
    let lam = C_M_PER_S / inp.frequency_hz;
    let f_ghz = inp.frequency_hz / 1e9;
    let ce = inp.earth_radius_m.map_or(0.0, |r| 1000.0 / r);
    let h = inp.h_m;
    let (hts, hrs) = (inp.tx_z_m, inp.rx_z_m);
    let a = bullington(&d, h, hts, hrs, ce, lam);
    let (lbulla, v_main, edge_km, edges) = if isolate {
        deygout3(&d, h, hts, hrs, ce, lam)
    } else {
        (bull_loss(a.luc, dt), a.v, a.d_bp_km, u8::from(!a.los))
    };
    let (spherical_db, lbulls) = match inp.earth_radius_m {
        None => (0.0, 0.0),
        Some(re_m) => {
            // Smooth-earth surface by least squares, corrected for obstructions.
            let (mut v1, mut v2) = (0.0, 0.0);
            for i in 1..n {
                let dd = d[i] - d[i - 1];
                v1 += dd * (h[i] + h[i - 1]);
                v2 += dd * (h[i] * (2.0 * d[i] + d[i - 1]) + h[i - 1] * (d[i] + 2.0 * d[i - 1]));
            }
            let hstip = (2.0 * v1 * dt - v2) / (dt * dt);
            let hsrip = (v2 - v1 * dt) / (dt * dt);
            let (mut hobs, mut aobt, mut aobr) =
                (f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
            for i in 1..n - 1 {
                let hi = h[i] - (hts * (dt - d[i]) + hrs * d[i]) / dt;
                hobs = hobs.max(hi);
                aobt = aobt.max(hi / d[i]);
                aobr = aobr.max(hi / (dt - d[i]));
            }
            let (hstp, hsrp) = if hobs <= 0.0 || !hobs.is_finite() {
                (hstip, hsrip)
            } else {
                let gt = aobr / (aobt + aobr);
                let gr = aobt / (aobt + aobr);
                (hstip - hobs * gt, hsrip - hobs * gr)
            };
            let hst = hstp.min(h[0]);
            let hsr = hsrp.min(h[n - 1]);
            let htse = hts - hst;
            let hrse = hrs - hsr;
            let zeros = vec![0.0; n];
            let s = bullington(&d, &zeros, htse, hrse, ce, lam);
            let lbulls = if isolate {
                deygout3(&d, &zeros, htse, hrse, ce, lam).0
            } else {
                bull_loss(s.luc, dt)
            };
            let ap_km = re_m / 1000.0;
            let lsph = ldsph(
                ap_km,
                dt,
                htse,
                hrse,
                lam,
                f_ghz,
                inp.polarization,
                inp.ground,
            );
            (lsph, lbulls)
        }
    };
    let loss_db = lbulla + (spherical_db - lbulls).max(0.0);
    Some(ProfileDiffraction {
        loss_db,
        bullington_db: lbulla,
        spherical_db,
        v: v_main,
        edge_d_m: edge_km * 1000.0,
        line_of_sight: a.los,
        edges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn j_values() {
        assert!((j_of_v(0.0) - 6.0).abs() < 0.1);
        assert_eq!(j_of_v(-1.0), 0.0);
        assert!((j_of_v(-0.78) - 0.0).abs() < 0.1); // continuous at the cut-off
        assert!((j_of_v(2.4) - 20.6).abs() < 0.3);
    }

    fn input<'a>(
        d: &'a [f64],
        h: &'a [f64],
        tx: f64,
        rx: f64,
        re: Option<f64>,
    ) -> ProfileInput<'a> {
        ProfileInput {
            d_m: d,
            h_m: h,
            tx_z_m: tx,
            rx_z_m: rx,
            earth_radius_m: re,
            frequency_hz: 600e6,
            polarization: Polarization::Horizontal,
            ground: Ground::default(),
        }
    }

    /// A single knife edge on flat earth: delta-Bullington reduces to J(v) exactly.
    #[test]
    fn single_edge_is_j_of_v() {
        let n = 201;
        let d: Vec<f64> = (0..n).map(|i| i as f64 * 50.0).collect();
        let mut h = vec![0.0; n];
        h[80] = 40.0; // 4 km from the TX, 6 km from the RX
        let r = delta_bullington(&input(&d, &h, 10.0, 10.0, None)).unwrap();
        let lam = C_M_PER_S / 600e6;
        let v = 30.0 * (2.0 / lam * (1.0 / 4000.0 + 1.0 / 6000.0)).sqrt();
        let j = j_of_v(v);
        let expect = j + (1.0 - (-j / 6.0).exp()) * (10.0 + 0.02 * 10.0);
        assert!(
            (r.loss_db - expect).abs() < 1e-6,
            "{} vs {expect}",
            r.loss_db
        );
        assert!((r.edge_d_m - 4000.0).abs() < 1e-6 && !r.line_of_sight);
        // The ray tracer's blend: an isolated edge is J(v) itself.
        let t = terrain_diffraction(&input(&d, &h, 10.0, 10.0, None)).unwrap();
        assert!((t.loss_db - j).abs() < 1e-6 && t.edges == 1, "{t:?}");
        // A second edge: Deygout, principal edge over TX–RX, secondary over edge–RX.
        let mut h2 = h.clone();
        h2[140] = 45.0; // 7 km from the TX
        let t2 = terrain_diffraction(&input(&d, &h2, 10.0, 10.0, None)).unwrap();
        let vp = (45.0 - 10.0) * (2.0 / lam * (1.0 / 7000.0 + 1.0 / 3000.0)).sqrt();
        let vs =
            (40.0 - (10.0 + 35.0 * 4.0 / 7.0)) * (2.0 / lam * (1.0 / 4000.0 + 1.0 / 3000.0)).sqrt();
        assert!(vp > v, "the 7 km edge is the principal one");
        assert_eq!(t2.edges, 2);
        assert!(
            (t2.loss_db - j_of_v(vp) - j_of_v(vs)).abs() < 1e-6,
            "{t2:?}"
        );
    }

    /// Smooth earth beyond the horizon: spherical-earth term dominates and grows with distance.
    #[test]
    fn smooth_earth_grows_beyond_horizon() {
        let re = Some(4.0 / 3.0 * 6_371_000.0);
        let mut last = 0.0;
        for km in [40.0, 60.0, 80.0] {
            let n = 401;
            let d: Vec<f64> = (0..n).map(|i| i as f64 * km * 1000.0 / 400.0).collect();
            let h = vec![0.0; n];
            let r = delta_bullington(&input(&d, &h, 30.0, 10.0, re)).unwrap();
            assert!(r.loss_db > last + 5.0, "{km} km: {}", r.loss_db);
            last = r.loss_db;
        }
        // Short smooth path: no diffraction loss.
        let d: Vec<f64> = (0..11).map(|i| i as f64 * 100.0).collect();
        let r = delta_bullington(&input(&d, &[0.0; 11], 30.0, 10.0, re)).unwrap();
        assert!(r.loss_db < 0.01, "{}", r.loss_db);
    }
}
