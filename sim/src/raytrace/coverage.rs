//! Ray tracing in the vertical plane of a terrain profile, for coverage maps and for the
//! [`PathLoss`](crate::propagation::PathLoss) implementation [`super::Raytracer`].
//!
//! On a profile (the vertical plane through TX and RX, effective-earth curvature applied as
//! the usual `d²/2ka` bulge) the solver finds
//! * the direct ray: free space on an open line of sight, else the diffracted ray with the
//!   excess loss of [`super::diffraction::terrain_diffraction`] (as the 3-D solver);
//! * every specular reflection on a profile segment by the 2-D image method, with both legs
//!   checked against the profile and the Fresnel coefficient of the ground.
//!
//! Reflections off terrain facets tilted out of the vertical plane need the 3-D solver
//! ([`super::paths::Tracer`]); the coverage map trades them for speed (hundreds of thousands
//! of pixels per second per core).

use rayon::prelude::*;

use super::diffraction::{terrain_diffraction, ProfileInput};
use super::fresnel::{complex_permittivity, reflection};
use super::scene::{Scene, Site};
use super::RaytraceError;
use crate::propagation::{free_space_loss_db, Polarization, C_M_PER_S};

/// Result of the vertical-plane solver for one link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaneResult {
    /// Combined (incoherent) basic transmission loss, dB.
    pub loss_db: f64,
    /// Loss of the direct/diffracted ray alone, dB.
    pub direct_db: f64,
    /// Diffraction excess loss on the direct ray, dB.
    pub diffraction_db: f64,
    /// Number of valid specular reflections.
    pub reflections: usize,
    /// Whether the line between the antennas clears the profile.
    pub line_of_sight: bool,
}

/// Inputs of [`plane_trace`]: the profile model's inputs plus the reflection switch.
#[derive(Debug, Clone, Copy)]
pub struct PlaneInput<'a> {
    /// Profile, antennas, frequency, polarisation and ground (as the diffraction model takes them).
    pub profile: ProfileInput<'a>,
    /// Include reflections.
    pub reflections: bool,
    /// Canopy at each profile point, `(height above ground m, specific attenuation dB/m)`,
    /// `(0, 0)` where open (same length as the profile); `None`: no vegetation. Every ray
    /// takes ITU-R P.833's excess loss for the canopy depth it crosses
    /// ([`super::vegetation::Vegetation::excess_db`]).
    pub canopy: Option<&'a [(f64, f64)]>,
}

/// Canopy depth (m) and summed `γ·length` (dB) along the straight ray `a → b` in the
/// tangent-plane frame (`zc` curved ground heights), sampled at half the profile spacing.
fn canopy_depth(
    d: &[f64],
    zc: &[f64],
    canopy: &[(f64, f64)],
    a: (f64, f64),
    b: (f64, f64),
) -> (f64, f64) {
    let n = d.len();
    let step = 0.5 * d[n - 1] / (n - 1) as f64;
    let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
    let k = ((len / step).ceil() as usize).max(1);
    let ds = len / k as f64;
    let (mut depth, mut lin) = (0.0, 0.0);
    for j in 0..k {
        let f = (j as f64 + 0.5) / k as f64;
        let (x, z) = (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1));
        let u = (x / d[n - 1] * (n - 1) as f64).clamp(0.0, (n - 1) as f64);
        let i = (u.floor() as usize).min(n - 2);
        let w = u - i as f64;
        let ground = zc[i] + w * (zc[i + 1] - zc[i]);
        let (h, g) = canopy[u.round() as usize];
        if h > 0.0 && g > 0.0 && z <= ground + h {
            depth += ds;
            lin += ds * g;
        }
    }
    (depth, lin)
}

/// P.833 excess loss (dB) of the polyline `pts` through the canopy.
fn canopy_db(
    d: &[f64],
    zc: &[f64],
    canopy: Option<&[(f64, f64)]>,
    pts: &[(f64, f64)],
    f_hz: f64,
) -> f64 {
    let Some(c) = canopy else { return 0.0 };
    let (mut depth, mut lin) = (0.0, 0.0);
    for w in pts.windows(2) {
        let (dd, ll) = canopy_depth(d, zc, c, w[0], w[1]);
        depth += dd;
        lin += ll;
    }
    super::vegetation::Vegetation::default().excess_db(depth, lin, f_hz)
}

/// Whether every profile point strictly between indices `i0` and `i1` lies below the line
/// from `(da, za)` to `(db, zb)` (curved heights `zc`).
fn clear(d: &[f64], zc: &[f64], i0: usize, i1: usize, a: (f64, f64), b: (f64, f64)) -> bool {
    let (lo, hi) = if i0 < i1 { (i0, i1) } else { (i1, i0) };
    let span = b.0 - a.0;
    if span.abs() < 1e-9 {
        return true;
    }
    for i in lo + 1..hi {
        let f = (d[i] - a.0) / span;
        if !(0.0..=1.0).contains(&f) {
            continue;
        }
        if zc[i] > a.1 + f * (b.1 - a.1) + 1e-6 {
            return false;
        }
    }
    true
}

/// Vertical-plane ray trace of one profile.
///
/// Returns `None` for a profile with fewer than two points or zero length.
pub fn plane_trace(input: &PlaneInput<'_>) -> Option<PlaneResult> {
    let inp = &input.profile;
    let n = inp.d_m.len();
    if n < 2 || inp.h_m.len() != n || input.canopy.is_some_and(|c| c.len() != n) {
        return None;
    }
    let d = inp.d_m;
    let dist = d[n - 1];
    if dist.is_nan() || dist <= 0.0 {
        return None;
    }
    let f = inp.frequency_hz;
    let lambda = C_M_PER_S / f;
    let inv2r = inp.earth_radius_m.map_or(0.0, |r| 0.5 / r);
    // Heights in the TX's tangent-plane frame (straight rays in the effective-earth model).
    let zc: Vec<f64> = d
        .iter()
        .zip(inp.h_m)
        .map(|(&x, &h)| h - x * x * inv2r)
        .collect();
    let t = (0.0, inp.tx_z_m);
    let r = (dist, inp.rx_z_m - dist * dist * inv2r);
    let pd = terrain_diffraction(inp)?;
    let slant = (dist * dist + (r.1 - t.1).powi(2)).sqrt();
    let mut excess_db = if pd.line_of_sight { 0.0 } else { pd.loss_db };
    let diffraction_db = excess_db;
    if input.canopy.is_some() {
        // The direct ray, or the diffracted ray over the principal edge (at least the chord).
        let pts = if pd.line_of_sight {
            vec![t, r]
        } else {
            let u = (pd.edge_d_m / dist * (n - 1) as f64).round() as usize;
            let e = pd.edge_d_m.clamp(0.0, dist);
            let chord = t.1 + (r.1 - t.1) * e / dist;
            vec![t, (e, zc[u.min(n - 1)].max(chord)), r]
        };
        excess_db += canopy_db(d, &zc, input.canopy, &pts, f);
    }
    let direct_db = free_space_loss_db(slant.max(1e-3), f) + excess_db;
    let mut power = 10f64.powf(-direct_db / 10.0);
    let mut count = 0;
    if input.reflections {
        let eta = complex_permittivity(inp.ground, f);
        for i in 0..n - 1 {
            let a = (d[i], zc[i]);
            let b = (d[i + 1], zc[i + 1]);
            let (ux, uz) = (b.0 - a.0, b.1 - a.1);
            let len = (ux * ux + uz * uz).sqrt();
            if len <= 0.0 {
                continue;
            }
            let (nx, nz) = (-uz / len, ux / len); // upward normal
            let st = nx * (t.0 - a.0) + nz * (t.1 - a.1);
            let sr = nx * (r.0 - a.0) + nz * (r.1 - a.1);
            if st <= 0.0 || sr <= 0.0 {
                continue;
            }
            let im = (t.0 - 2.0 * st * nx, t.1 - 2.0 * st * nz);
            // Intersect im→r with the segment's line: im + s (r − im), s ∈ (0, 1).
            let (wx, wz) = (r.0 - im.0, r.1 - im.1);
            let den = nx * wx + nz * wz;
            if den.abs() < 1e-15 {
                continue;
            }
            let s = -(nx * (im.0 - a.0) + nz * (im.1 - a.1)) / den;
            if !(s > 0.0 && s < 1.0) {
                continue;
            }
            let p = (im.0 + s * wx, im.1 + s * wz);
            let along = ((p.0 - a.0) * ux + (p.1 - a.1) * uz) / (len * len);
            if !(0.0..1.0).contains(&along) {
                continue;
            }
            if !clear(d, &zc, 0, i + 1, t, p) || !clear(d, &zc, i, n - 1, p, r) {
                continue;
            }
            let l = (wx * wx + wz * wz).sqrt();
            let leg = ((r.0 - p.0).powi(2) + (r.1 - p.1).powi(2)).sqrt();
            let cos_i = (nx * (r.0 - p.0) + nz * (r.1 - p.1)) / leg;
            let (gte, gtm) = reflection(cos_i, eta);
            let g = match inp.polarization {
                Polarization::Horizontal => gte,
                Polarization::Vertical => gtm,
            };
            let a_fs = lambda / (4.0 * std::f64::consts::PI * l);
            let veg = 10f64.powf(-canopy_db(d, &zc, input.canopy, &[t, p, r], f) / 10.0);
            power += g.norm_sqr() * a_fs * a_fs * veg;
            count += 1;
        }
    }
    Some(PlaneResult {
        loss_db: -10.0 * power.log10(),
        direct_db,
        diffraction_db,
        reflections: count,
        line_of_sight: pd.line_of_sight,
    })
}

/// A coverage map: basic transmission loss on a square grid centred on the transmitter.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageMap {
    /// East offset of column 0, m (from the scene centre).
    pub x0_m: f64,
    /// North offset of row 0 (south row), m.
    pub y0_m: f64,
    /// Pixel spacing, m.
    pub resolution_m: f64,
    /// Columns.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// Loss per pixel, dB, row-major from the south row; NaN outside the radius or terrain.
    pub loss_db: Vec<f32>,
}

/// Settings of a coverage map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageSpec {
    /// Map radius around the TX, m.
    pub radius_m: f64,
    /// Pixel spacing, m.
    pub resolution_m: f64,
    /// Receiver height above ground, m.
    pub rx_height_m: f64,
    /// Frequency, Hz.
    pub frequency_hz: f64,
    /// Polarisation.
    pub polarization: Polarization,
    /// Include reflections (diffraction is always on).
    pub reflections: bool,
}

/// Compute a coverage map around `tx` (rayon over rows).
///
/// # Errors
/// [`RaytraceError::InvalidInput`] for a non-positive radius, resolution or frequency, or a
/// grid over 10⁸ pixels; site errors as [`Scene::locate`].
pub fn coverage_map(
    scene: &Scene,
    tx: &Site,
    spec: &CoverageSpec,
) -> Result<CoverageMap, RaytraceError> {
    if !(spec.radius_m > 0.0 && spec.resolution_m > 0.0 && spec.frequency_hz > 0.0) {
        return Err(RaytraceError::InvalidInput(
            "radius, resolution and frequency must be positive".into(),
        ));
    }
    let txl = scene.locate(tx, "TX")?;
    let half = (spec.radius_m / spec.resolution_m).floor() as usize;
    let nx = 2 * half + 1;
    if (nx as u64) * (nx as u64) > 100_000_000 {
        return Err(RaytraceError::InvalidInput(format!(
            "{nx}² pixels is too many"
        )));
    }
    let hf = &scene.heightfield;
    let x0 = txl.x_m - half as f64 * spec.resolution_m;
    let y0 = txl.y_m - half as f64 * spec.resolution_m;
    let step = hf.dx_m.min(hf.dy_m);
    let ground = scene.grounds[0];
    let earth_radius_m = scene.earth.radius_m();
    let rows: Vec<Vec<f32>> = (0..nx)
        .into_par_iter()
        .map(|j| {
            let mut row = vec![f32::NAN; nx];
            let (mut d, mut h) = (Vec::new(), Vec::new());
            for (i, px) in row.iter_mut().enumerate() {
                let x = x0 + i as f64 * spec.resolution_m;
                let y = y0 + j as f64 * spec.resolution_m;
                let (dx, dy) = (x - txl.x_m, y - txl.y_m);
                let dist = (dx * dx + dy * dy).sqrt();
                if dist > spec.radius_m || dist < 1.0 {
                    continue;
                }
                let Some(g_rx) = hf.height_at(x, y) else {
                    continue;
                };
                let m = ((dist / step).ceil() as usize).max(1) + 1;
                d.clear();
                h.clear();
                for k in 0..m {
                    let fr = k as f64 / (m - 1) as f64;
                    d.push(fr * dist);
                    h.push(
                        hf.height_at(txl.x_m + fr * dx, txl.y_m + fr * dy)
                            .unwrap_or(g_rx),
                    );
                }
                if let Some(r) = plane_trace(&PlaneInput {
                    profile: ProfileInput {
                        d_m: &d,
                        h_m: &h,
                        tx_z_m: txl.z_m,
                        rx_z_m: g_rx + spec.rx_height_m,
                        earth_radius_m,
                        frequency_hz: spec.frequency_hz,
                        polarization: spec.polarization,
                        ground,
                    },
                    reflections: spec.reflections,
                    canopy: None,
                }) {
                    *px = r.loss_db as f32;
                }
            }
            row
        })
        .collect();
    Ok(CoverageMap {
        x0_m: x0,
        y0_m: y0,
        resolution_m: spec.resolution_m,
        nx,
        ny: nx,
        loss_db: rows.concat(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::Ground;

    /// Flat ground, flat earth: the plane solver's reflection is the two-ray closed form.
    #[test]
    fn flat_two_ray_power() {
        let n = 1001;
        let d: Vec<f64> = (0..n).map(|i| i as f64 * 5.0).collect();
        let h = vec![100.0; n];
        let g = Ground::default();
        let r = plane_trace(&PlaneInput {
            profile: ProfileInput {
                d_m: &d,
                h_m: &h,
                tx_z_m: 130.0,
                rx_z_m: 110.0,
                earth_radius_m: None,
                frequency_hz: 600e6,
                polarization: Polarization::Horizontal,
                ground: g,
            },
            reflections: true,
            canopy: None,
        })
        .unwrap();
        assert_eq!(r.reflections, 1);
        let lam = C_M_PER_S / 600e6;
        let r1 = (5000f64.powi(2) + 20f64.powi(2)).sqrt();
        let r2 = (5000f64.powi(2) + 40f64.powi(2)).sqrt();
        let sin_psi = 40.0 / r2;
        let (gte, _) = reflection(sin_psi, complex_permittivity(g, 600e6));
        let p = (lam / (4.0 * std::f64::consts::PI)).powi(2)
            * (1.0 / (r1 * r1) + gte.norm_sqr() / (r2 * r2));
        // The direct ray clears the first Fresnel zone by far less than 0.6: J(v) applies.
        let expect_db = -10.0
            * (p - (lam / (4.0 * std::f64::consts::PI * r1)).powi(2)
                * (1.0 - 10f64.powf(-r.diffraction_db / 10.0)))
            .log10();
        assert!(
            (r.loss_db - expect_db).abs() < 0.01,
            "{} vs {expect_db}",
            r.loss_db
        );
    }

    /// A map behind a ridge: finite inside the radius, NaN outside, the shadow is weaker.
    #[test]
    fn map_shadow_and_mask() {
        use crate::raytrace::scene::{EarthModel, Heightfield, Scene, SceneOptions, Site};
        let hf = Heightfield::from_fn(-3000.0, -3000.0, 30.0, 30.0, 201, 201, |x, _| {
            100.0 + 80.0 * (-((x - 500.0).powi(2)) / 2.0e4).exp()
        });
        let opts = SceneOptions {
            earth: EarthModel::Flat,
            ..SceneOptions::default()
        };
        let scene = Scene::from_heightfield(hf, &opts).unwrap();
        let spec = CoverageSpec {
            radius_m: 2000.0,
            resolution_m: 100.0,
            rx_height_m: 2.0,
            frequency_hz: 600e6,
            polarization: Polarization::Horizontal,
            reflections: true,
        };
        let m = coverage_map(&scene, &Site::agl(0.0, 0.0, 20.0), &spec).unwrap();
        assert_eq!((m.nx, m.ny), (41, 41));
        let at = |x: f64, y: f64| {
            let i = ((x - m.x0_m) / m.resolution_m).round() as usize;
            let j = ((y - m.y0_m) / m.resolution_m).round() as usize;
            m.loss_db[j * m.nx + i]
        };
        assert!(at(-2000.0, -2000.0).is_nan());
        let lit = at(-1500.0, 0.0);
        let shadow = at(1500.0, 0.0);
        assert!(lit.is_finite() && shadow.is_finite());
        assert!(shadow > lit + 15.0, "lit {lit} shadow {shadow}");
    }
}
