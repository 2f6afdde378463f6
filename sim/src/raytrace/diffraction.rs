//! Profile-based terrain diffraction for the shadow region.
//!
//! The path solver uses [`terrain_diffraction`] for the diffracted ray of every link whose
//! line of sight is blocked: a single edge gives P.526's knife-edge `J(v)` (which UTD's
//! half-plane reproduces, see [`super::utd`]), several edges Deygout's three-edge
//! construction, and smooth earth P.526's spherical-earth term
//! ([`crate::propagation::p526`], whose `J(v)` and `L_dsph` are used here; P.526's
//! delta-Bullington itself is `propagation::p526::DeltaBullington`).
//! Single-wedge UTD on individual facets of a terrain mesh (as in Sionna RT) is what puts
//! diffraction 80 dB too low on rural links, hence a profile model for terrain.
//!
//! # References
//! ITU-R P.526-16 §2.5 (isolated obstacle), §4.1 (J(v)), §4.3 (two isolated edges, `T_c`),
//! §4.5 (delta-Bullington, spherical earth); J. Deygout,
//! "Multiple knife-edge diffraction of microwaves", IEEE Trans. AP-14(4), 1966; ITU-R
//! P.452-17 §5.1.6 (smooth-earth heights).

use crate::propagation::{p526, Ground, Polarization, C_M_PER_S};

/// Knife-edge diffraction loss `J(v)` in dB, P.526 eq. (31); 0 for `v ≤ −0.78`.
pub fn j_of_v(v: f64) -> f64 {
    p526::knife_edge_loss_db(v)
}

/// Result of the profile diffraction model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileDiffraction {
    /// Total diffraction loss (excess over free space), dB (≥ 0).
    pub loss_db: f64,
    /// Knife-edge (Deygout) part, dB.
    pub knife_edge_db: f64,
    /// Spherical-earth loss term, dB.
    pub spherical_db: f64,
    /// Diffraction parameter of the principal edge (the largest over the TX–RX line).
    pub v: f64,
    /// Distance of the principal edge from the TX, m.
    pub edge_d_m: f64,
    /// Whether the straight line between the antennas clears the profile.
    pub line_of_sight: bool,
    /// Knife edges that add loss (`v > −0.78`), up to three.
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

/// Terrain diffraction as the ray tracer uses it in shadow: Deygout's construction with three
/// edges — the principal edge (largest `v` over the TX–RX line) and the principal edge of each
/// sub-path — `J(v_p) + J(v_t) + J(v_r)`, less P.526 §4.3's `T_c` for a secondary edge that is
/// an isolated obstacle of its own (P.526 §2.5 clearance between the two), on the profile
/// with the effective-earth bulge, plus
/// P.526's smooth-earth delta `max(L_sph − L_dey,smooth, 0)`. A single isolated edge gives
/// P.526 §4.1's `J(v)` exactly (secondary edges with `v ≤ −0.78` add nothing), and the loss is
/// continuous in the geometry. On a path whose line clears the profile it is `J(v_max)`.
///
/// Why Deygout rather than P.526's Bullington here: on the peer tile's shadowed links
/// (13–34 km, mostly two horizons) a single Bullington edge put the loss 15 dB (mean) below
/// NTIA ITM v1.4, Epstein–Peterson over the two horizons 14 dB below, the three-edge Deygout
/// within a few dB (see `tests/raytrace_peer.rs`).
pub fn terrain_diffraction(inp: &ProfileInput<'_>) -> Option<ProfileDiffraction> {
    profile_model(inp)
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

/// A Deygout edge: loss (dB, with its sub-edges), `v` over its sub-path, profile index,
/// edges used, and where its report went in the diagnostic log (if one is kept).
struct Edge {
    loss: f64,
    v: f64,
    index: usize,
    edges: u8,
    slot: Option<usize>,
}

/// Whether two profile points `i` and `j` are isolated edges in the sense of P.526 §2.5: the
/// terrain between them drops below their chord by at least 0.6 of the first Fresnel radius
/// of the edge-to-edge hop somewhere. Neighbouring samples of one hilltop are not isolated.
fn isolated(d: &[f64], he: &[f64], i: usize, j: usize, lam: f64) -> bool {
    let (a, b) = (i.min(j), i.max(j));
    ((a + 1)..b).any(|k| {
        let (d1, d2) = (d[k] - d[a], d[b] - d[k]);
        let chord = he[a] + (he[b] - he[a]) * d1 / (d1 + d2);
        let f1 = (lam * 1000.0 * d1 * d2 / (d1 + d2)).sqrt();
        chord - he[k] >= 0.6 * f1
    })
}

/// P.526 §4.3 eq. (58)–(59) correction `T_c` (dB) for a principal edge with `v = p` over the
/// path `a`–`b` and an isolated secondary edge `s` on one side of it: `q` is the secondary's
/// `v` over `a`–`b`, `α` from the three spans (a: terminal to first edge, b: between the
/// edges, c: second edge to the other terminal).
fn t_c(a: (f64, f64), e: (f64, f64), s: (f64, f64), b: (f64, f64), p: f64, lam: f64) -> f64 {
    let q = v_over(a, s, b, lam);
    if !(q > 0.0 && p > 0.0) {
        return 0.0;
    }
    let (first, second) = if s.0 < e.0 { (s.0, e.0) } else { (e.0, s.0) };
    let (sa, sb, sc) = (first - a.0, second - first, b.0 - second);
    let alpha = (sb * (sa + sb + sc) / (sa * sc)).sqrt().atan();
    let scale = 12.0 - 20.0 * (2.0 / (1.0 - alpha / std::f64::consts::PI)).log10();
    scale * (q / p).min(1.0).powf(2.0 * p)
}

/// Deygout over the points strictly between `a` and `b`, `depth` levels (1 = principal edge
/// only). A secondary edge isolated from the principal one (see [`isolated`]) is the second
/// of P.526 §4.3's "two isolated edges, one predominant" and its loss is reduced by `T_c`;
/// secondary samples on the principal edge's own hilltop are not isolated and keep their
/// Deygout loss, which stands in for the rounding of the top. With `log`, every edge that
/// adds loss (`v > −0.78`) is reported there, each edge before its sub-edges (`level` is
/// this call's depth below the principal edge).
#[allow(clippy::too_many_arguments)]
fn deygout(
    d: &[f64],
    he: &[f64],
    a: (f64, f64),
    b: (f64, f64),
    lam: f64,
    depth: u32,
    level: u8,
    mut log: Option<&mut Vec<EdgeReport>>,
) -> Option<Edge> {
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
        return None;
    }
    let e = (d[im], he[im]);
    let mut loss = j_of_v(vmax);
    let mut edges = u8::from(vmax > -0.78);
    let slot = match log.as_deref_mut() {
        Some(log) if vmax > -0.78 => {
            log.push(EdgeReport {
                d_m: e.0 * 1000.0,
                h_m: e.1,
                v: vmax,
                j_db: loss,
                level,
                isolated: false,
                t_c_db: 0.0,
            });
            Some(log.len() - 1)
        }
        _ => None,
    };
    if depth > 1 && vmax > -0.78 {
        for (sa, sb) in [(a, e), (e, b)] {
            let sub = deygout(d, he, sa, sb, lam, depth - 1, level + 1, log.as_deref_mut());
            if let Some(s) = sub {
                loss += s.loss;
                edges += s.edges;
                if s.edges > 0 && isolated(d, he, im, s.index, lam) {
                    let tc = t_c(a, e, (d[s.index], he[s.index]), b, vmax, lam).min(s.loss);
                    loss -= tc;
                    if let (Some(log), Some(k)) = (log.as_deref_mut(), s.slot) {
                        log[k].isolated = true;
                        log[k].t_c_db = tc;
                    }
                }
            }
        }
    }
    Some(Edge {
        loss,
        v: vmax,
        index: im,
        edges,
        slot,
    })
}

/// One knife edge of [`deygout_edges`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeReport {
    /// Distance from the TX, m.
    pub d_m: f64,
    /// Height above the datum with the effective-earth bulge, m.
    pub h_m: f64,
    /// `v` over its (sub-)path.
    pub v: f64,
    /// `J(v)`, dB.
    pub j_db: f64,
    /// 0 for the principal edge, 1 for a secondary one.
    pub level: u8,
    /// A secondary edge isolated from the principal one (P.526 §2.5 clearance).
    pub isolated: bool,
    /// P.526 §4.3 `T_c` subtracted for it, dB.
    pub t_c_db: f64,
}

/// The profile of `inp` in km, the wavelength (m) and the effective-earth curvature
/// (1/km, 0 on flat earth); `None` for a degenerate profile or frequency.
fn km_profile(inp: &ProfileInput<'_>) -> Option<(Vec<f64>, f64, f64)> {
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
    let ce = inp.earth_radius_m.map_or(0.0, |r| 1000.0 / r);
    Some((d, lam, ce))
}

/// Heights `h` (m) at distances `d` (km) with the effective-earth bulge of curvature `ce`.
fn bulged(d: &[f64], h: &[f64], ce: f64) -> Vec<f64> {
    let dt = d[d.len() - 1];
    d.iter()
        .zip(h)
        .map(|(&x, &z)| z + 500.0 * ce * x * (dt - x))
        .collect()
}

/// The edges [`terrain_diffraction`]'s Deygout construction uses, for diagnostics (principal
/// first); empty for an unobstructed or degenerate profile. Its `knife_edge_db` is the sum of
/// `j_db − t_c_db` over these.
pub fn deygout_edges(inp: &ProfileInput<'_>) -> Vec<EdgeReport> {
    let mut log = Vec::new();
    if let Some((d, lam, ce)) = km_profile(inp) {
        let he = bulged(&d, inp.h_m, ce);
        let ends = ((0.0, inp.tx_z_m), (d[d.len() - 1], inp.rx_z_m));
        deygout(&d, &he, ends.0, ends.1, lam, 2, 0, Some(&mut log));
    }
    log
}

/// Three-edge Deygout on the bulged profile.
fn deygout3(d: &[f64], h: &[f64], hts: f64, hrs: f64, ce: f64, lam: f64) -> (f64, f64, f64, u8) {
    let dt = d[d.len() - 1];
    let he = bulged(d, h, ce);
    match deygout(d, &he, (0.0, hts), (dt, hrs), lam, 2, 0, None) {
        Some(e) => (e.loss, e.v, d[e.index], e.edges),
        None => (0.0, f64::NEG_INFINITY, dt / 2.0, 0),
    }
}

fn profile_model(inp: &ProfileInput<'_>) -> Option<ProfileDiffraction> {
    let (d, lam, ce) = km_profile(inp)?;
    let n = d.len();
    let dt = d[n - 1];
    let h = inp.h_m;
    let (hts, hrs) = (inp.tx_z_m, inp.rx_z_m);
    let (ldey, v_main, edge_km, edges) = deygout3(&d, h, hts, hrs, ce, lam);
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
            let lsmooth = deygout3(&d, &zeros, htse, hrse, ce, lam).0;
            let surface = p526::Surface {
                epsilon_r: inp.ground.epsilon_r,
                sigma_s_per_m: inp.ground.sigma_s_per_m,
                polarization: inp.polarization,
            };
            let (lsph, _) = p526::spherical_earth_loss_db(
                dt,
                htse.max(0.1),
                hrse.max(0.1),
                re_m / 1000.0,
                inp.frequency_hz,
                &surface,
            );
            (lsph, lsmooth)
        }
    };
    let loss_db = ldey + (spherical_db - lbulls).max(0.0);
    Some(ProfileDiffraction {
        loss_db,
        knife_edge_db: ldey,
        spherical_db,
        v: v_main,
        edge_d_m: edge_km * 1000.0,
        line_of_sight: v_main < 0.0,
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

    /// A single knife edge on flat earth is J(v) exactly; two edges are Deygout.
    #[test]
    fn single_edge_is_j_of_v() {
        let n = 201;
        let d: Vec<f64> = (0..n).map(|i| i as f64 * 50.0).collect();
        let mut h = vec![0.0; n];
        h[80] = 40.0; // 4 km from the TX, 6 km from the RX
        let lam = C_M_PER_S / 600e6;
        let v = 30.0 * (2.0 / lam * (1.0 / 4000.0 + 1.0 / 6000.0)).sqrt();
        let j = j_of_v(v);
        // The ray tracer's blend: an isolated edge is J(v) itself.
        let t = terrain_diffraction(&input(&d, &h, 10.0, 10.0, None)).unwrap();
        assert!((t.loss_db - j).abs() < 1e-6 && t.edges == 1, "{t:?}");
        assert!((t.edge_d_m - 4000.0).abs() < 1e-6 && !t.line_of_sight);
        // A second edge: Deygout, principal edge over TX–RX, secondary over edge–RX.
        let mut h2 = h.clone();
        h2[140] = 45.0; // 7 km from the TX
        let t2 = terrain_diffraction(&input(&d, &h2, 10.0, 10.0, None)).unwrap();
        let vp = (45.0 - 10.0) * (2.0 / lam * (1.0 / 7000.0 + 1.0 / 3000.0)).sqrt();
        let vs =
            (40.0 - (10.0 + 35.0 * 4.0 / 7.0)) * (2.0 / lam * (1.0 / 4000.0 + 1.0 / 3000.0)).sqrt();
        assert!(vp > v, "the 7 km edge is the principal one");
        assert_eq!(t2.edges, 2);
        // The edges are isolated (flat ground between them): P.526 §4.3 eq. (58)–(60),
        // L = J(p) + J(v_s) − T_c with p = vp, q = v (the 4 km edge over TX–RX), spans
        // a = 4 km, b = 3 km, c = 3 km.
        let alpha = (3000.0f64 * 10_000.0 / (4000.0 * 3000.0)).sqrt().atan();
        let tc = (12.0 - 20.0 * (2.0 / (1.0 - alpha / std::f64::consts::PI)).log10())
            * (v / vp).powf(2.0 * vp);
        assert!(tc > 0.0 && tc < 6.0, "{tc}");
        // The diagnostic edge list adds up to the knife-edge part.
        let e2 = deygout_edges(&input(&d, &h2, 10.0, 10.0, None));
        assert_eq!(e2.len(), 2);
        assert!(e2[0].level == 0 && (e2[0].d_m - 7000.0).abs() < 1e-6 && !e2[0].isolated);
        assert!(e2[1].level == 1 && e2[1].isolated && (e2[1].t_c_db - tc).abs() < 1e-9);
        let sum: f64 = e2.iter().map(|e| e.j_db - e.t_c_db).sum();
        assert!((sum - t2.knife_edge_db).abs() < 1e-9, "{e2:?}");
        assert!(
            (t2.loss_db - (j_of_v(vp) + j_of_v(vs) - tc)).abs() < 1e-6,
            "{t2:?} vs {}",
            j_of_v(vp) + j_of_v(vs) - tc
        );
        // Two neighbouring samples of one top (nothing between them) are not isolated:
        // plain Deygout, no T_c.
        let mut h3 = h.clone();
        h3[81] = 39.0;
        let t3 = terrain_diffraction(&input(&d, &h3, 10.0, 10.0, None)).unwrap();
        let vs3 = (39.0 - (40.0 + (10.0 - 40.0) * 50.0 / 6000.0))
            * (2.0 / lam * (1.0 / 50.0 + 1.0 / 5950.0)).sqrt();
        assert_eq!(t3.edges, 2);
        assert!(
            (t3.loss_db - j_of_v(v) - j_of_v(vs3)).abs() < 1e-6,
            "{t3:?}"
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
            let r = terrain_diffraction(&input(&d, &h, 30.0, 10.0, re)).unwrap();
            assert!(r.loss_db > last + 5.0, "{km} km: {}", r.loss_db);
            last = r.loss_db;
        }
        // Short smooth path: no diffraction loss.
        let d: Vec<f64> = (0..11).map(|i| i as f64 * 100.0).collect();
        let r = terrain_diffraction(&input(&d, &[0.0; 11], 30.0, 10.0, re)).unwrap();
        assert!(r.loss_db < 0.01, "{}", r.loss_db);
    }
}
