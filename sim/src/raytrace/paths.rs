//! Path finding: the direct/diffracted ray, exact specular reflections by the image method,
//! and shooting-and-bouncing rays (SBR) to find higher-order reflection candidates.
//!
//! Per link the solver returns:
//! * the **direct ray**: on an open line of sight the free-space ray (geometrical optics);
//!   when the terrain blocks it, the diffracted ray with the excess loss of the profile model
//!   ([`super::diffraction::terrain_diffraction`]: knife-edge `J(v)` for one edge,
//!   Epstein–Peterson over the two horizons, P.526's spherical-earth term). Where the
//!   principal edge is a sharp mesh wedge (facet normals more than 20° apart within two
//!   cells of it), its J(v) gives way to the UTD wedge loss of that edge
//!   ([`super::wedge`], Luebbers' lossy faces), blended by the wedge's sharpness
//!   ([`super::wedge::wedge_weight`], 20°–40°) so the loss stays continuous; a thin ridge
//!   gives J(v) again (P.526 where both apply). As in any
//!   incoherent GO + diffraction tracer, the loss steps by `J(0)` = 6 dB where the line of
//!   sight closes (the coherent field is continuous there; Fresnel-zone obstruction of an open
//!   line of sight is not counted, as in Sionna RT);
//! * **first-order reflections**, exhaustively: every triangle whose plane puts the specular
//!   point (image method) inside the triangle and whose two legs are unobstructed;
//! * **higher-order reflections** (up to `max_depth`): candidate triangle sequences come from
//!   SBR — rays launched on a Fibonacci sphere and reflected specularly at every hit. By
//!   default ([`Candidates::Chains`], as Sionna RT's candidate generator) every distinct
//!   sequence of triangles a ray hits is a candidate for every receiver, and a second, dense
//!   launch on a cap around each receiver's direction ([`TraceConfig::focus_rays`]) adds that
//!   receiver's grazing chains; alternatively ([`Candidates::ReceptionSphere`]) a sequence is
//!   recorded when a reflected segment passes through a receiver's reception sphere of radius
//!   `α·L/√3` (`α = √(4π/N)` the ray spacing, `L` the unfolded length). Each candidate is
//!   then made exact by the image method and validated. Why chains: on concave terrain the
//!   grazing double bounces (each nearly as strong as the direct ray) are tiny targets for
//!   a reception sphere; on the peer tile's rx 28 reception spheres at 10⁶ rays missed five of
//!   them (+5.9 dB against Sionna), chains and the focused launch find them (+1.7 dB).
//!
//! The SBR launchers work in chunks of 8192 lattice indices (one rayon task each), traced in
//! azimuth order (by index arithmetic, no sort) as packets of sixteen
//! neighbouring rays that bounce together ([`super::bvh::Bvh::closest16`]); directions come
//! eight at a time from vector lanes, and the reception-sphere test runs eight receivers per
//! AVX2 register. Per ray the work and the result are those of a single-ray loop.
//!
//! Fields are tracked as vectors: each reflection splits the field into TE/TM components with
//! the Fresnel coefficients of that triangle's ground ([`super::fresnel`]); the result is a
//! 2 × 2 polarisation matrix per path (H/V at the TX to H/V at the RX).
//!
//! # References
//! S. Y. Seidel, T. S. Rappaport, "Site-specific propagation prediction for wireless in-building
//! personal communication system design", IEEE Trans. VT 43(4), 1994 (reception spheres);
//! Á. González, "Measurement of areas on a sphere using Fibonacci and latitude–longitude
//! lattices", Math. Geosci. 42, 2010 (Fibonacci lattice).

use std::collections::HashSet;

use num_complex::Complex64;
use rayon::prelude::*;

use super::antenna::{pol_basis, Antenna};
use super::bvh::{intersect_scalar, lanes, Hit, PacketStack, Ray16, PACKET, WIDE};
use super::diffraction::{terrain_diffraction, ProfileDiffraction, ProfileInput};
use super::fresnel::{complex_permittivity, reflection};
use super::geom::Vec3;
use super::scene::{Located, Scene, Site};
use super::RaytraceError;
use crate::propagation::{Polarization, C_M_PER_S};

/// What happens at a path vertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InteractionKind {
    /// Specular reflection on a terrain triangle.
    Reflection,
    /// Diffraction over terrain (the principal edge of the profile model).
    Diffraction,
}

/// One interaction along a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interaction {
    /// Kind.
    pub kind: InteractionKind,
    /// Point in scene coordinates, m.
    pub point: Vec3,
    /// Triangle index for reflections.
    pub triangle: Option<u32>,
}

/// One propagation path from the TX to an RX.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Propagation delay, s.
    pub delay_s: f64,
    /// Unfolded length, m.
    pub length_m: f64,
    /// Complex amplitude `h[rx_pol][tx_pol]` (0 = horizontal, 1 = vertical): free-space
    /// spreading `λ/(4πL)`, carrier phase `e^{−jkL}`, Fresnel coefficients, diffraction and
    /// vegetation excess loss, and the field gains of both antenna patterns.
    pub h: [[Complex64; 2]; 2],
    /// Departure direction at the TX (unit, ENU).
    pub departure: Vec3,
    /// Arrival direction at the RX, pointing from the RX back along the incoming ray (unit).
    pub arrival: Vec3,
    /// Interactions in order from the TX.
    pub interactions: Vec<Interaction>,
    /// Excess loss over free space from diffraction and vegetation, dB.
    pub excess_loss_db: f64,
    /// Whether the direct path is an unobstructed line of sight.
    pub line_of_sight: bool,
}

fn pol_index(p: Polarization) -> usize {
    match p {
        Polarization::Horizontal => 0,
        Polarization::Vertical => 1,
    }
}

impl Path {
    /// Complex amplitude for TX polarisation `tx` and RX polarisation `rx`.
    pub fn gain(&self, tx: Polarization, rx: Polarization) -> Complex64 {
        self.h[pol_index(rx)][pol_index(tx)]
    }

    /// Number of reflections.
    pub fn reflections(&self) -> usize {
        self.interactions
            .iter()
            .filter(|i| i.kind == InteractionKind::Reflection)
            .count()
    }

    /// Angle of departure (azimuth, elevation), degrees.
    pub fn aod_deg(&self) -> (f64, f64) {
        self.departure.az_el_deg()
    }

    /// Angle of arrival (azimuth, elevation), degrees.
    pub fn aoa_deg(&self) -> (f64, f64) {
        self.arrival.az_el_deg()
    }
}

/// How path powers are combined into one loss figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Combine {
    /// `Σ|a_i|²`: local-area mean, insensitive to wavelength-scale position errors.
    #[default]
    Incoherent,
    /// `|Σ a_i|²`: the narrow-band field at the exact point.
    Coherent,
}

/// Settings of the path solver.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// Carrier frequency, Hz.
    pub frequency_hz: f64,
    /// Maximum number of reflections per path (0–3 typical).
    pub max_depth: usize,
    /// Rays launched by SBR (for reflection orders ≥ 2); 0 disables SBR.
    pub rays: u64,
    /// Include the direct (line-of-sight or diffracted) path.
    pub direct: bool,
    /// Include the diffracted ray when the line of sight is blocked
    /// ([`super::diffraction::terrain_diffraction`]); when off, the direct path exists only
    /// with an unobstructed line of sight.
    pub diffraction: bool,
    /// TX antenna.
    pub tx_antenna: Antenna,
    /// RX antenna.
    pub rx_antenna: Antenna,
    /// How the loss figure combines paths.
    pub combine: Combine,
    /// How SBR candidates reach the receivers.
    pub candidates: Candidates,
    /// With [`Candidates::Chains`]: rays launched per receiver on a cap around the TX → RX
    /// direction (0: none), whose chains are candidates for that receiver only.
    pub focus_rays: u64,
    /// Half-angle of the focused cap, degrees.
    pub focus_half_angle_deg: f64,
}

/// How shooting-and-bouncing rays turn into candidate triangle sequences for the image method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Candidates {
    /// Every distinct sequence of triangles that a launched ray hits (each prefix of two or
    /// more reflections) is a candidate for every receiver, and the image method decides.
    /// This is how Sionna RT's shoot-and-bounce candidate generator works: no reception
    /// sphere, so a sparse launch still finds the grazing multi-bounce chains of concave
    /// terrain. Cost: (distinct chains) × (receivers) image-method tests.
    #[default]
    Chains,
    /// Classic reception spheres of radius `α·L/√3` (Seidel–Rappaport): a sequence is a
    /// candidate only for the receivers whose sphere its last segment crosses. Cheaper with
    /// many receivers; misses chains when the launch is sparse.
    ReceptionSphere,
}

impl TraceConfig {
    /// Defaults at `frequency_hz`: depth 3, 10⁶ rays, chain candidates plus 250,000 rays
    /// per receiver on a 10° cap around its direction, direct + diffraction, isotropic
    /// horizontally polarised antennas, incoherent combination.
    pub fn new(frequency_hz: f64) -> TraceConfig {
        TraceConfig {
            frequency_hz,
            max_depth: 3,
            rays: 1_000_000,
            direct: true,
            diffraction: true,
            tx_antenna: Antenna::isotropic(Polarization::Horizontal),
            rx_antenna: Antenna::isotropic(Polarization::Horizontal),
            combine: Combine::Incoherent,
            candidates: Candidates::Chains,
            focus_rays: 250_000,
            focus_half_angle_deg: 10.0,
        }
    }
}

/// Everything found for one receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPaths {
    /// Paths, strongest first.
    pub paths: Vec<Path>,
    /// Loss figure, dB (`−10·log10` of the combined power gain for the configured antenna
    /// polarisations); `f64::INFINITY` when no path was found.
    pub loss_db: f64,
    /// The profile diffraction result under the direct path.
    pub diffraction: Option<ProfileDiffraction>,
    /// Unobstructed line of sight.
    pub line_of_sight: bool,
}

/// Statistics of an SBR run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SbrStats {
    /// Rays launched.
    pub rays: u64,
    /// Ray segments traced through the BVH (launch plus every reflected segment).
    pub segments: u64,
    /// Distinct candidate (receiver, triangle sequence) pairs.
    pub candidates: u64,
}

/// Point `i` of an `n`-point Fibonacci lattice on the unit sphere.
#[inline]
pub fn fibonacci_direction(i: u64, n: u64) -> [f32; 3] {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653; // π (3 − √5)
    let z = 1.0 - (2.0 * i as f64 + 1.0) / n as f64;
    let r = (1.0 - z * z).max(0.0).sqrt();
    let (s, c) = sin_cos_turning(i as f64 * GOLDEN_ANGLE);
    [(r * c) as f32, (r * s) as f32, z as f32]
}

/// `(sin x, cos x)` to within about one unit in the last place of f64, for the large
/// arguments of the Fibonacci lattice (`i·golden angle`, up to ~2.4·10⁸ rad at 10⁸ rays),
/// several times faster than the library's general reduction: `x − k·π/2` in two fused
/// multiply-adds (`π/2 = P1 + P2` to 2⁻¹⁰⁶; `k·P1` and `k·P2` each enter with one
/// rounding), then the Taylor series of sine and cosine on `|r| ≤ π/4` to `r¹⁷` / `r¹⁸`
/// (truncation below 10⁻¹⁹), and the quadrant's signs. Rounded to f32 (the directions),
/// the result is the library's except within ~10⁻¹⁶ of an f32 rounding boundary.
/// Arguments beyond 2⁴⁰ or non-finite fall back to [`f64::sin_cos`].
#[inline]
fn sin_cos_turning(x: f64) -> (f64, f64) {
    if x.is_nan() || x.abs() >= (1u64 << 40) as f64 {
        return x.sin_cos();
    }
    sin_cos_reduced(x)
}

/// The reduction and series of [`sin_cos_turning`] for a finite `|x| < 2⁴⁰`, branch-free
/// (so that lanes of it vectorise).
#[inline(always)]
fn sin_cos_reduced(x: f64) -> (f64, f64) {
    const P1: f64 = std::f64::consts::FRAC_PI_2;
    const P2: f64 = 6.123_233_995_736_766e-17; // π/2 − P1
                                               // 1/n! for the odd and even powers.
    const S: [f64; 8] = [
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5040.0,
        1.0 / 362_880.0,
        -1.0 / 39_916_800.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 1_307_674_368_000.0,
        1.0 / 355_687_428_096_000.0,
    ];
    const C: [f64; 9] = [
        -1.0 / 2.0,
        1.0 / 24.0,
        -1.0 / 720.0,
        1.0 / 40_320.0,
        -1.0 / 3_628_800.0,
        1.0 / 479_001_600.0,
        -1.0 / 87_178_291_200.0,
        1.0 / 20_922_789_888_000.0,
        -1.0 / 6_402_373_705_728_000.0,
    ];
    let k = (x * std::f64::consts::FRAC_2_PI).round();
    let r = (-k).mul_add(P2, (-k).mul_add(P1, x));
    let r2 = r * r;
    let mut ps = S[7];
    for &c in S[..7].iter().rev() {
        ps = ps * r2 + c;
    }
    let sin_r = r + r * r2 * ps;
    let mut pc = C[8];
    for &c in C[..8].iter().rev() {
        pc = pc * r2 + c;
    }
    let cos_r = 1.0 + r2 * pc;
    // Quadrant k mod 4 (exact in f64 for |k| < 2⁵³).
    let q = k - 4.0 * (k * 0.25).floor();
    let (s, c) = if q == 1.0 || q == 3.0 {
        (cos_r, sin_r)
    } else {
        (sin_r, cos_r)
    };
    let s = if q >= 2.0 { -s } else { s };
    let c = if q == 1.0 || q == 2.0 { -c } else { c };
    (s, c)
}

/// [`fibonacci_direction`] for eight lattice indices at once: the same values, computed
/// in vector lanes (with AVX2 and FMA where the CPU has them; the fused multiply-adds are
/// exactly rounded either way, so the directions do not depend on the CPU).
fn fibonacci_directions8(idx: &[u64; PACKET], n: u64, out: &mut [[f32; 3]; PACKET]) {
    let limit = (1u64 << 40) as f64 / 2.4;
    if idx.iter().any(|&i| i as f64 >= limit) {
        for (o, &i) in out.iter_mut().zip(idx) {
            *o = fibonacci_direction(i, n);
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("fma")
    {
        // SAFETY: AVX-512F and FMA were detected on this CPU just above.
        unsafe { fibonacci_lanes_avx512(idx, n, out) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: AVX2 and FMA were detected on this CPU just above.
        unsafe { fibonacci_lanes_avx2(idx, n, out) };
        return;
    }
    fibonacci_lanes(idx, n, out);
}

/// [`fibonacci_lanes`] compiled for AVX-512F + FMA (eight f64 lanes in one register).
///
/// # Safety
/// The CPU must support AVX-512F and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn fibonacci_lanes_avx512(idx: &[u64; PACKET], n: u64, out: &mut [[f32; 3]; PACKET]) {
    fibonacci_lanes(idx, n, out);
}

/// [`fibonacci_lanes`] compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn fibonacci_lanes_avx2(idx: &[u64; PACKET], n: u64, out: &mut [[f32; 3]; PACKET]) {
    fibonacci_lanes(idx, n, out);
}

/// The lanes of [`fibonacci_directions8`] (indices whose angle is below 2⁴⁰).
#[inline(always)]
fn fibonacci_lanes(idx: &[u64; PACKET], n: u64, out: &mut [[f32; 3]; PACKET]) {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
    for l in 0..PACKET {
        let i = idx[l];
        let z = 1.0 - (2.0 * i as f64 + 1.0) / n as f64;
        let r = (1.0 - z * z).max(0.0).sqrt();
        let (s, c) = sin_cos_reduced(i as f64 * GOLDEN_ANGLE);
        out[l] = [(r * c) as f32, (r * s) as f32, z as f32];
    }
}

/// The path solver over a scene.
#[derive(Debug, Clone, Copy)]
pub struct Tracer<'a> {
    scene: &'a Scene,
    cfg: &'a TraceConfig,
}

const ANTENNA_MARGIN_M: f64 = 0.05;

fn surface_margin(len: f64) -> f64 {
    (0.01 * len).min(1.0)
}

impl<'a> Tracer<'a> {
    /// A solver for `scene` with settings `cfg`.
    ///
    /// # Errors
    /// [`RaytraceError::InvalidInput`] for a non-positive frequency or a depth over 8.
    pub fn new(scene: &'a Scene, cfg: &'a TraceConfig) -> Result<Self, RaytraceError> {
        if !(cfg.frequency_hz > 0.0 && cfg.frequency_hz.is_finite()) {
            return Err(RaytraceError::InvalidInput(format!(
                "frequency {} Hz must be positive",
                cfg.frequency_hz
            )));
        }
        if cfg.max_depth > 8 {
            return Err(RaytraceError::InvalidInput(format!(
                "max_depth {} is over 8",
                cfg.max_depth
            )));
        }
        Ok(Tracer { scene, cfg })
    }

    /// Trace from one transmitter to many receivers.
    ///
    /// # Errors
    /// [`RaytraceError::BelowGround`] / [`RaytraceError::OutsideScene`] for a site under the
    /// terrain or off the grid.
    pub fn trace(&self, tx: &Site, rxs: &[Site]) -> Result<Vec<LinkPaths>, RaytraceError> {
        let txl = self.scene.locate(tx, "TX")?;
        let rxl = rxs
            .iter()
            .map(|r| self.scene.locate(r, "RX"))
            .collect::<Result<Vec<_>, _>>()?;
        let cand = if self.cfg.max_depth >= 2 && self.cfg.rays > 0 {
            match self.cfg.candidates {
                Candidates::ReceptionSphere => {
                    self.sbr(txl.pos, &rxl.iter().map(|r| r.pos).collect::<Vec<_>>())
                        .0
                }
                Candidates::Chains => {
                    let chains = sbr_chains(self.scene, txl.pos, self.cfg.rays, self.cfg.max_depth);
                    rxl.iter()
                        .map(|r| {
                            let mut c = chains.clone();
                            if self.cfg.focus_rays > 0 && (r.pos - txl.pos).norm() > 0.0 {
                                c.extend(sbr_chains_cap(
                                    self.scene,
                                    txl.pos,
                                    self.cfg.focus_rays,
                                    self.cfg.max_depth,
                                    (r.pos - txl.pos).normalized(),
                                    self.cfg.focus_half_angle_deg.to_radians(),
                                ));
                                c.sort_unstable();
                                c.dedup();
                            }
                            c
                        })
                        .collect()
                }
            }
        } else {
            vec![Vec::new(); rxl.len()]
        };
        Ok(rxl
            .par_iter()
            .zip(cand.par_iter())
            .map(|(rx, c)| self.link(&txl, rx, c))
            .collect())
    }

    fn link(&self, tx: &Located, rx: &Located, candidates: &[Vec<u32>]) -> LinkPaths {
        let mut paths = Vec::new();
        let los =
            !self
                .scene
                .bvh
                .segment_blocked(tx.pos, rx.pos, ANTENNA_MARGIN_M, ANTENNA_MARGIN_M);
        let mut diffraction = None;
        if self.cfg.direct {
            if let Some((p, d)) = self.direct(tx, rx, los) {
                paths.push(p);
                diffraction = d;
            }
        }
        if self.cfg.max_depth >= 1 {
            let n = self.scene.triangles() as u32;
            let found: Vec<Path> = (0..n)
                .into_par_iter()
                .with_min_len(4096)
                .filter(|&t| self.first_order_candidate(tx.pos, rx.pos, t))
                .filter_map(|t| self.specular(tx, rx, &[t]))
                .collect();
            paths.extend(found);
            let mut seen: HashSet<&[u32]> = HashSet::new();
            for seq in candidates {
                if seq.len() >= 2 && seen.insert(seq.as_slice()) {
                    if let Some(p) = self.specular(tx, rx, seq) {
                        paths.push(p);
                    }
                }
            }
        }
        // A specular point on an edge shared by two triangles is found in both: keep one.
        let mut unique: Vec<Path> = Vec::with_capacity(paths.len());
        for p in paths {
            let dup = unique.iter().any(|q| {
                q.interactions.len() == p.interactions.len()
                    && q.interactions
                        .iter()
                        .zip(&p.interactions)
                        .all(|(a, b)| a.kind == b.kind && (a.point - b.point).norm() < 1e-3)
            });
            if !dup {
                unique.push(p);
            }
        }
        let mut paths = unique;
        let (tp, rp) = (
            self.cfg.tx_antenna.polarization,
            self.cfg.rx_antenna.polarization,
        );
        paths.sort_by(|a, b| {
            b.gain(tp, rp)
                .norm_sqr()
                .partial_cmp(&a.gain(tp, rp).norm_sqr())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let power = match self.cfg.combine {
            Combine::Incoherent => paths.iter().map(|p| p.gain(tp, rp).norm_sqr()).sum(),
            Combine::Coherent => paths
                .iter()
                .map(|p| p.gain(tp, rp))
                .sum::<Complex64>()
                .norm_sqr(),
        };
        LinkPaths {
            paths,
            loss_db: if power > 0.0 {
                -10.0 * power.log10()
            } else {
                f64::INFINITY
            },
            diffraction,
            line_of_sight: los,
        }
    }

    /// The terrain profile under the direct path, sampled at the grid spacing.
    pub fn profile(&self, tx: &Located, rx: &Located) -> (Vec<f64>, Vec<f64>) {
        let hf = &self.scene.heightfield;
        let (dx, dy) = (rx.x_m - tx.x_m, rx.y_m - tx.y_m);
        let dist = (dx * dx + dy * dy).sqrt();
        let step = hf.dx_m.min(hf.dy_m);
        let n = ((dist / step).ceil() as usize).max(1) + 1;
        let mut d = Vec::with_capacity(n);
        let mut h = Vec::with_capacity(n);
        for i in 0..n {
            let f = i as f64 / (n - 1) as f64;
            match hf.height_at(tx.x_m + f * dx, tx.y_m + f * dy) {
                Some(z) => {
                    d.push(f * dist);
                    h.push(z);
                }
                // Off the mesh: no terrain; keep the end points for the profile's length.
                None if i == 0 => {
                    d.push(0.0);
                    h.push(tx.ground_m);
                }
                None if i == n - 1 => {
                    d.push(dist);
                    h.push(rx.ground_m);
                }
                None => {}
            }
        }
        (d, h)
    }

    fn direct(
        &self,
        tx: &Located,
        rx: &Located,
        los: bool,
    ) -> Option<(Path, Option<ProfileDiffraction>)> {
        let mut excess = 0.0;
        let mut interactions = Vec::new();
        let mut pd = None;
        let mut corner = None;
        if self.cfg.diffraction {
            let (d, h) = self.profile(tx, rx);
            let r = terrain_diffraction(&ProfileInput {
                d_m: &d,
                h_m: &h,
                tx_z_m: tx.z_m,
                rx_z_m: rx.z_m,
                earth_radius_m: self.scene.earth.radius_m(),
                frequency_hz: self.cfg.frequency_hz,
                polarization: self.cfg.tx_antenna.polarization,
                ground: self.scene.grounds[0],
            })?;
            // Geometrical optics on an open line of sight (as Sionna RT); the profile model
            // only once the ray is blocked.
            if !los {
                excess = r.loss_db;
                let dist = d[d.len() - 1].max(1e-9);
                let f = (r.edge_d_m / dist).clamp(0.0, 1.0);
                let (x, y) = (
                    tx.x_m + f * (rx.x_m - tx.x_m),
                    tx.y_m + f * (rx.y_m - tx.y_m),
                );
                let g = self.scene.heightfield.height_at(x, y).unwrap_or(0.0);
                // Principal edge: at least the terrain there and
                // the chord between the antennas.
                let chord = tx.z_m + f * (rx.z_m - tx.z_m);
                let mut p = self.scene.earth.place(x, y, g.max(chord));
                // A sharp mesh wedge at the principal edge: its UTD loss replaces the knife
                // edge's J(v), blended by the wedge's sharpness (continuous; none on rolling
                // terrain).
                if let Some((w, l_utd, q)) = self.wedge_at(tx, rx, x, y) {
                    excess += w * (l_utd - super::diffraction::j_of_v(r.v));
                    excess = excess.max(0.0);
                    if w > 0.5 {
                        p = q;
                    }
                }
                corner = Some(p);
                interactions.push(Interaction {
                    kind: InteractionKind::Diffraction,
                    point: p,
                    triangle: None,
                });
            }
            pd = Some(r);
        } else if !los {
            return None;
        }
        let pts: Vec<Vec3> = match corner {
            Some(c) => vec![tx.pos, c, rx.pos],
            None => vec![tx.pos, rx.pos],
        };
        excess += self.vegetation_db(&pts);
        let path = self.assemble(&pts, &[], interactions, excess, los);
        Some((path, pd))
    }

    /// The sharpest mesh wedge within two cells of flat-frame point (`x`, `y`) whose Keller
    /// point lies on it, as (blend weight [`super::wedge::wedge_weight`], UTD excess loss over
    /// free space on `|SQ| + |QR|` in dB, diffraction point); the most obstructing one
    /// (highest above the TX–RX chord) when several. Faces take the ground's Fresnel
    /// coefficients for the TX polarisation (Luebbers).
    fn wedge_at(&self, tx: &Located, rx: &Located, x: f64, y: f64) -> Option<(f64, f64, Vec3)> {
        use super::wedge::{diffracted, ridge_facets, wedge_weight, Wedge};
        let hf = &self.scene.heightfield;
        let ci = ((x - hf.x0_m) / hf.dx_m).floor() as i64;
        let cj = ((y - hf.y0_m) / hf.dy_m).floor() as i64;
        let range = |c: i64, n: usize| {
            let lo = (c - 2).clamp(0, n as i64 - 1) as usize;
            let hi = (c + 3).clamp(0, n as i64 - 1) as usize;
            (lo, hi)
        };
        let earth = self.scene.earth;
        let lambda = C_M_PER_S / self.cfg.frequency_hz;
        let eta = complex_permittivity(self.scene.grounds[0], self.cfg.frequency_hz);
        let soft = self.cfg.tx_antenna.polarization == Polarization::Horizontal;
        let mut best: Option<(f64, f64, f64, Vec3)> = None;
        ridge_facets(
            hf,
            range(ci, hf.nx),
            range(cj, hf.ny),
            20.0,
            |a, b, q0, qn| {
                let pl = |v: Vec3| earth.place(v.x, v.y, v.z);
                let mid = (a + b) * 0.5;
                let up = (pl(mid + Vec3::new(0.0, 0.0, 1.0)) - pl(mid)).normalized();
                let Some(w) = Wedge::from_facets(pl(a), pl(b), pl(q0), pl(qn), up) else {
                    return;
                };
                let face = |grazing: f64| {
                    let (te, tm) = reflection(grazing.sin().abs().max(1e-9), eta);
                    if soft {
                        te
                    } else {
                        tm
                    }
                };
                let phi_i = w.angle_of(tx.pos);
                let phi = w.angle_of(rx.pos);
                let (r0, rn) = (face(phi_i), face(w.n * std::f64::consts::PI - phi));
                let Some(dfr) = diffracted(&w, tx.pos, rx.pos, lambda, r0, rn) else {
                    return;
                };
                let free = lambda / (4.0 * std::f64::consts::PI * dfr.length_m);
                let l_utd = -20.0 * (dfr.gain.norm() / free).log10();
                // Height of Q above the chord (scene frame, along the local vertical).
                let t = (dfr.point - tx.pos).dot(rx.pos - tx.pos)
                    / (rx.pos - tx.pos).dot(rx.pos - tx.pos);
                let above = (dfr.point - (tx.pos + (rx.pos - tx.pos) * t)).dot(up);
                if l_utd.is_finite() && best.is_none_or(|b| above > b.2) {
                    best = Some((wedge_weight(w.n), l_utd, above, dfr.point));
                }
            },
        );
        best.map(|(w, l, _, q)| (w, l, q))
    }

    fn vegetation_db(&self, pts: &[Vec3]) -> f64 {
        let Some(veg) = &self.scene.vegetation else {
            return 0.0;
        };
        let hf = &self.scene.heightfield;
        let step = 0.5 * hf.dx_m.min(hf.dy_m);
        let (mut depth, mut lin) = (0.0, 0.0);
        for w in pts.windows(2) {
            let a = self.scene.earth.unplace(w[0]);
            let b = self.scene.earth.unplace(w[1]);
            let (dd, ll) = veg.depth(a, b, hf, step);
            depth += dd;
            lin += ll;
        }
        veg.excess_db(depth, lin, self.cfg.frequency_hz)
    }

    /// Allocation-free pre-test of a first-order reflection on triangle `t`: both antennas on
    /// the same side of its plane and the specular point inside the triangle.
    #[inline]
    fn first_order_candidate(&self, tx: Vec3, rx: Vec3, t: u32) -> bool {
        let [v0, v1, v2] = self.scene.bvh.triangle(t);
        let n = (v1 - v0).cross(v2 - v0);
        let a = n.dot(tx - v0);
        let b = n.dot(rx - v0);
        if a * b <= 0.0 {
            return false;
        }
        let img = tx - n * (2.0 * a / n.dot(n));
        matches!(intersect_scalar(img, rx - img, v0, v1, v2), Some((s, _, _)) if s > 0.0 && s < 1.0)
    }

    /// Exact specular path over the triangle sequence `seq` by the image method, validated
    /// (specular points inside their triangles, same side, unobstructed legs).
    pub fn specular(&self, tx: &Located, rx: &Located, seq: &[u32]) -> Option<Path> {
        let bvh = &self.scene.bvh;
        // Images of the TX in successive planes.
        let mut planes = Vec::with_capacity(seq.len());
        let mut img = tx.pos;
        let mut images = Vec::with_capacity(seq.len());
        for &t in seq {
            let [v0, v1, v2] = bvh.triangle(t);
            let n = (v1 - v0).cross(v2 - v0).normalized();
            let dist = n.dot(img - v0);
            img = img - n * (2.0 * dist);
            images.push(img);
            planes.push((v0, v1, v2, n));
        }
        // Back-track from the RX.
        let mut pts = vec![Vec3::default(); seq.len()];
        let mut target = rx.pos;
        for k in (0..seq.len()).rev() {
            let (v0, v1, v2, _) = planes[k];
            let o = images[k];
            let dir = target - o;
            let (t, _, _) = intersect_scalar(o, dir, v0, v1, v2)?;
            if !(t > 0.0 && t < 1.0) {
                return None;
            }
            pts[k] = o + dir * t;
            target = pts[k];
        }
        // Same side at each reflection, and legs unobstructed.
        let mut all = Vec::with_capacity(seq.len() + 2);
        all.push(tx.pos);
        all.extend_from_slice(&pts);
        all.push(rx.pos);
        for k in 0..seq.len() {
            let n = planes[k].3;
            let a = n.dot(all[k] - all[k + 1]);
            let b = n.dot(all[k + 2] - all[k + 1]);
            if a * b <= 0.0 {
                return None;
            }
        }
        for k in 0..all.len() - 1 {
            let len = (all[k + 1] - all[k]).norm();
            let ma = if k == 0 {
                ANTENNA_MARGIN_M
            } else {
                surface_margin(len)
            };
            let mb = if k + 1 == all.len() - 1 {
                ANTENNA_MARGIN_M
            } else {
                surface_margin(len)
            };
            if bvh.segment_blocked(all[k], all[k + 1], ma, mb) {
                return None;
            }
        }
        let interactions = seq
            .iter()
            .zip(&pts)
            .map(|(&t, &p)| Interaction {
                kind: InteractionKind::Reflection,
                point: p,
                triangle: Some(t),
            })
            .collect();
        let excess = self.vegetation_db(&all);
        Some(self.assemble(&all, seq, interactions, excess, false))
    }

    /// Field bookkeeping for a polyline path `pts` (TX, interaction points…, RX); `refl` are
    /// the triangles of the reflection points `pts[1..=refl.len()]`.
    fn assemble(
        &self,
        pts: &[Vec3],
        refl: &[u32],
        interactions: Vec<Interaction>,
        excess_db: f64,
        los: bool,
    ) -> Path {
        let f = self.cfg.frequency_hz;
        let lambda = C_M_PER_S / f;
        let length: f64 = pts.windows(2).map(|w| (w[1] - w[0]).norm()).sum();
        let k0 = (pts[1] - pts[0]).normalized();
        let kn = (pts[pts.len() - 1] - pts[pts.len() - 2]).normalized();
        let (th, tv) = pol_basis(k0);
        let (rh, rv) = pol_basis(kn);
        let mut h = [[Complex64::new(0.0, 0.0); 2]; 2];
        let gt = 10f64.powf(self.cfg.tx_antenna.gain_dbi(k0) / 20.0);
        let gr = 10f64.powf(self.cfg.rx_antenna.gain_dbi(-kn) / 20.0);
        let amp = lambda / (4.0 * std::f64::consts::PI * length)
            * 10f64.powf(-excess_db / 20.0)
            * gt
            * gr;
        let phase = Complex64::from_polar(amp, -2.0 * std::f64::consts::PI * length / lambda);
        for (ti, e0) in [th, tv].into_iter().enumerate() {
            // Field as a complex vector (re, im parts).
            let mut e_re = e0;
            let mut e_im = Vec3::default();
            let mut kin = k0;
            for (j, &t) in refl.iter().enumerate() {
                let p = pts[j + 1];
                let kout = (pts[j + 2] - p).normalized();
                let [v0, v1, v2] = self.scene.bvh.triangle(t);
                let mut n = (v1 - v0).cross(v2 - v0).normalized();
                if n.dot(kin) > 0.0 {
                    n = -n;
                }
                let cos_i = -n.dot(kin);
                let eta = complex_permittivity(self.scene.ground_of(t), f);
                let (gte, gtm) = reflection(cos_i, eta);
                let mut s = kin.cross(n);
                if s.norm() < 1e-12 {
                    s = pol_basis(kin).0;
                }
                let s = s.normalized();
                let pin = s.cross(kin);
                let pout = s.cross(kout);
                let es = Complex64::new(e_re.dot(s), e_im.dot(s)) * gte;
                let ep = Complex64::new(e_re.dot(pin), e_im.dot(pin)) * gtm;
                e_re = s * es.re + pout * ep.re;
                e_im = s * es.im + pout * ep.im;
                kin = kout;
            }
            for (ri, b) in [rh, rv].into_iter().enumerate() {
                h[ri][ti] = Complex64::new(e_re.dot(b), e_im.dot(b)) * phase;
            }
        }
        Path {
            delay_s: length / C_M_PER_S,
            length_m: length,
            h,
            departure: k0,
            arrival: -kn,
            interactions,
            excess_loss_db: excess_db,
            line_of_sight: los,
        }
    }

    /// Shooting and bouncing rays from `tx` over `self.cfg.rays` Fibonacci directions, up to
    /// `max_depth` reflections; returns per receiver the distinct triangle sequences whose
    /// reflected segments hit its reception sphere, and run statistics.
    pub fn sbr(&self, tx: Vec3, rxs: &[Vec3]) -> (Vec<Vec<Vec<u32>>>, SbrStats) {
        sbr_run(self.scene, tx, rxs, self.cfg.rays, self.cfg.max_depth)
    }
}

/// Shooting and bouncing rays from `tx` over `rays` Fibonacci directions, up to `max_depth`
/// reflections, recording every distinct triangle sequence of two or more reflections that a
/// ray hits (all prefixes of its bounce sequence), sorted. These are the receiver-independent
/// candidates of [`Candidates::Chains`].
pub fn sbr_chains(scene: &Scene, tx: Vec3, rays: u64, max_depth: usize) -> Vec<Vec<u32>> {
    chains_from(scene, tx, rays, max_depth, |idx, out| {
        fibonacci_directions8(idx, rays, out)
    })
}

/// Point `i` of an `n`-point Fibonacci lattice on the spherical cap of half-angle
/// `half_angle` (rad) around the unit vector `axis` (equal-area, as the full-sphere lattice).
pub fn fibonacci_cap_direction(i: u64, n: u64, axis: Vec3, half_angle: f64) -> [f32; 3] {
    const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
    let c = half_angle.cos();
    let z = 1.0 - (1.0 - c) * (i as f64 + 0.5) / n as f64;
    let r = (1.0 - z * z).max(0.0).sqrt();
    let (s, co) = (i as f64 * GOLDEN_ANGLE).sin_cos();
    let (u, v) = pol_basis(axis);
    (axis * z + u * (r * co) + v * (r * s)).to_f32()
}

/// Like [`sbr_chains`], with `rays` directions on the cap of half-angle `half_angle` (rad)
/// around `axis`: a launch `4π / (2π (1 − cos θ))` times denser towards one receiver.
pub fn sbr_chains_cap(
    scene: &Scene,
    tx: Vec3,
    rays: u64,
    max_depth: usize,
    axis: Vec3,
    half_angle: f64,
) -> Vec<Vec<u32>> {
    chains_from(scene, tx, rays, max_depth, |idx, out| {
        for (o, &i) in out.iter_mut().zip(idx) {
            *o = fibonacci_cap_direction(i, rays, axis, half_angle);
        }
    })
}

/// Rays per work item of the SBR launchers.
const CHUNK: u64 = 8192;

/// The order in which the launch indices `i ∈ [lo, hi)` of a chunk are traced: by azimuth.
/// Consecutive Fibonacci points lie in a thin band of elevation but 137.5° apart in
/// azimuth; sorted, neighbouring rays are a fraction of a degree apart and walk the same
/// BVH nodes and triangles while they are in cache. The set of rays, and so every result,
/// is unchanged.
///
/// Point `i` of the full-sphere and of the cap lattice alike has azimuth `2π·frac(i·g)`,
/// `g = (3 − √5)/2`, about its axis, and `frac((lo + k)·g) = frac(frac(lo·g) + frac(k·g))`:
/// the azimuth order of a chunk is the order of `frac(k·g)`, `k < CHUNK`, sorted once,
/// rotated to start where `frac(k·g) ≥ 1 − frac(lo·g)` (no trigonometry, no sort per chunk).
struct LaunchOrder {
    /// `k` sorted by `frac(k·g)`.
    perm: Vec<u32>,
    /// `frac(k·g)` in that order.
    frac: Vec<f64>,
}

impl LaunchOrder {
    const G: f64 = 0.381_966_011_250_105_2; // (3 − √5)/2 = golden angle / 2π

    fn new() -> Self {
        let mut v: Vec<(f64, u32)> = (0..CHUNK as u32)
            .map(|k| ((f64::from(k) * Self::G).fract(), k))
            .collect();
        v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        LaunchOrder {
            perm: v.iter().map(|x| x.1).collect(),
            frac: v.iter().map(|x| x.0).collect(),
        }
    }

    /// The indices `[lo, hi)` (`hi − lo ≤ CHUNK`) in azimuth order.
    fn chunk(&self, lo: u64, hi: u64) -> impl Iterator<Item = u64> + '_ {
        let c = (lo as f64 * Self::G).fract();
        let p = self.frac.partition_point(|&f| f < 1.0 - c);
        let n = hi - lo;
        self.perm[p..]
            .iter()
            .chain(&self.perm[..p])
            .filter(move |&&k| u64::from(k) < n)
            .map(move |&k| lo + u64::from(k))
    }
}

/// Call `trace(dirs)` for the launch directions of chunk `c` of a `rays`-point lattice,
/// in azimuth order ([`LaunchOrder`]), sixteen at a time (fewer at the end); `dirs8(idx,
/// out)` gives the directions of eight lattice indices.
fn launch_packets(
    order: &LaunchOrder,
    c: u64,
    rays: u64,
    dirs8: &impl Fn(&[u64; PACKET], &mut [[f32; 3]; PACKET]),
    mut trace: impl FnMut(&[[f32; 3]]),
) {
    let mut idx = [0u64; WIDE];
    let mut buf = [[0f32; 3]; WIDE];
    let fill = |idx: &[u64; WIDE], buf: &mut [[f32; 3]; WIDE]| {
        for h in 0..WIDE / PACKET {
            let i: &[u64; PACKET] = idx[h * PACKET..][..PACKET]
                .try_into()
                .unwrap_or(&[0; PACKET]);
            let mut o = [[0f32; 3]; PACKET];
            dirs8(i, &mut o);
            buf[h * PACKET..][..PACKET].copy_from_slice(&o);
        }
    };
    let mut n = 0;
    for i in order.chunk(c * CHUNK, ((c + 1) * CHUNK).min(rays)) {
        idx[n] = i;
        n += 1;
        if n == WIDE {
            fill(&idx, &mut buf);
            trace(&buf);
            n = 0;
        }
    }
    if n > 0 {
        // Pad with the last index; only the first `n` directions are traced.
        for k in n..WIDE {
            idx[k] = idx[n - 1];
        }
        fill(&idx, &mut buf);
        trace(&buf[..n]);
    }
}

/// One launched ray between bounces: its current segment's origin and direction, the
/// triangle it left (skipped by the next hit test), the length travelled before this
/// segment and the triangles it reflected on so far.
#[derive(Debug, Clone, Copy)]
struct Bouncing {
    o: [f32; 3],
    d: [f32; 3],
    skip: u32,
    travelled: f32,
    seq: [u32; 8],
}

/// Shoot up to sixteen rays from `o0` in directions `dirs` and bounce them specularly, up
/// to `segments` segments each, the rays of one segment depth traced as one packet
/// ([`Scene::closest16_in`]). `seg(ray, depth, hit)` is called for every traced segment
/// (`depth` 0 is the launch segment) and returns whether the ray goes on: a ray that goes
/// on reflects at its hit (the triangle joins `seq`), one without a hit stops regardless.
/// Per ray this is exactly the single-ray bounce loop.
fn bounce16(
    scene: &Scene,
    o0: [f32; 3],
    dirs: &[[f32; 3]],
    segments: usize,
    stack: &mut PacketStack,
    mut seg: impl FnMut(&Bouncing, usize, Option<Hit>) -> bool,
) {
    let mut st = [Bouncing {
        o: o0,
        d: [0.0; 3],
        skip: u32::MAX,
        travelled: 0.0,
        seq: [u32::MAX; 8],
    }; WIDE];
    for (b, &d) in st.iter_mut().zip(dirs) {
        b.d = d;
    }
    let mut active: u32 = (1u32 << dirs.len().min(WIDE)) - 1;
    let mut rays = Ray16::default();
    let mut out = [None; WIDE];
    for depth in 0..segments {
        if active == 0 {
            break;
        }
        for l in lanes(active) {
            rays.set_uninverted(l, st[l].o, st[l].d, st[l].skip);
        }
        rays.invert();
        scene.closest16_in(&rays, active, 1e-3, &mut out, stack);
        for l in lanes(active) {
            let hit = out[l];
            let b = &mut st[l];
            let go_on = seg(b, depth, hit);
            let (true, Some(h)) = (go_on, hit) else {
                active &= !(1 << l);
                continue;
            };
            let (o, d) = (b.o, b.d);
            let mm = h.normal;
            let inv = 1.0 / (mm[0] * mm[0] + mm[1] * mm[1] + mm[2] * mm[2]).sqrt();
            let n = [mm[0] * inv, mm[1] * inv, mm[2] * inv];
            let dn = d[0] * n[0] + d[1] * n[1] + d[2] * n[2];
            b.o = [o[0] + d[0] * h.t, o[1] + d[1] * h.t, o[2] + d[2] * h.t];
            b.d = [
                d[0] - 2.0 * dn * n[0],
                d[1] - 2.0 * dn * n[1],
                d[2] - 2.0 * dn * n[2],
            ];
            b.travelled += h.t;
            if let Some(s) = b.seq.get_mut(depth) {
                *s = h.tri;
            }
            b.skip = h.tri;
        }
    }
}

fn chains_from(
    scene: &Scene,
    tx: Vec3,
    rays: u64,
    max_depth: usize,
    dirs8: impl Fn(&[u64; PACKET], &mut [[f32; 3]; PACKET]) + Sync,
) -> Vec<Vec<u32>> {
    let order = LaunchOrder::new();
    let o0 = tx.to_f32();
    let max_depth = max_depth.min(8);
    let nchunks = rays.div_ceil(CHUNK);
    let set: HashSet<([u32; 8], u8)> = (0..nchunks)
        .into_par_iter()
        .map(|c| {
            let mut set = HashSet::new();
            let mut stack = PacketStack::new();
            launch_packets(&order, c, rays, &dirs8, |dirs| {
                bounce16(scene, o0, dirs, max_depth, &mut stack, |b, depth, hit| {
                    let Some(h) = hit else { return false };
                    if depth >= 1 {
                        let mut s = [u32::MAX; 8];
                        s[..depth].copy_from_slice(&b.seq[..depth]);
                        s[depth] = h.tri;
                        set.insert((s, depth as u8 + 1));
                    }
                    true
                });
            });
            set
        })
        .reduce(HashSet::new, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            big.extend(small);
            big
        });
    let mut out: Vec<Vec<u32>> = set
        .into_iter()
        .map(|(s, n)| s[..n as usize].to_vec())
        .collect();
    out.sort_unstable();
    out
}

/// The reception-sphere geometry of [`RxSpheres::hits`] for one block of receivers in the
/// lanes of a register, written once for every register width (`$load`, `$mul`, `$add`,
/// `$sub`: that width's load and lane arithmetic), operation for operation as the scalar
/// test: receivers from index `$at` of `$rx`, segment origin `o` and direction `d` broadcast,
/// `trav` the path length travelled and `k` the sphere's angular radius. Expands to
/// `(t, dist2, rad)`: distance along the segment, squared distance from it, sphere radius.
#[cfg(target_arch = "x86_64")]
macro_rules! sphere_lanes {
    ($load:ident, $mul:ident, $add:ident, $sub:ident;
     $rx:expr, $at:expr, $o:expr, $d:expr, $trav:expr, $k:expr) => {{
        let (rx, at, o, d) = ($rx, $at, $o, $d);
        let wx = $sub($load(rx.x[at..].as_ptr()), o[0]);
        let wy = $sub($load(rx.y[at..].as_ptr()), o[1]);
        let wz = $sub($load(rx.z[at..].as_ptr()), o[2]);
        let t = $add($add($mul(wx, d[0]), $mul(wy, d[1])), $mul(wz, d[2]));
        let w2 = $add($add($mul(wx, wx), $mul(wy, wy)), $mul(wz, wz));
        let dist2 = $sub(w2, $mul(t, t));
        let rad = $mul($k, $add($trav, t));
        (t, dist2, rad)
    }};
}

/// Receiver positions in structure-of-arrays form, padded with NaN to a multiple of
/// sixteen (two blocks of [`RxSpheres::LANES`]), for the reception-sphere test of every
/// reflected ray segment.
struct RxSpheres {
    x: Vec<f32>,
    y: Vec<f32>,
    z: Vec<f32>,
    /// AVX2 detected: the lanes of a block run in one 256-bit register.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    avx2: bool,
    /// AVX-512F detected: two blocks run in one 512-bit register.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    avx512: bool,
}

impl RxSpheres {
    const LANES: usize = 8;

    fn new(rxs: &[Vec3]) -> Self {
        let n = rxs.len().div_ceil(2 * Self::LANES) * 2 * Self::LANES;
        #[cfg(target_arch = "x86_64")]
        let (avx2, avx512) = (
            std::arch::is_x86_feature_detected!("avx2"),
            std::arch::is_x86_feature_detected!("avx512f"),
        );
        #[cfg(not(target_arch = "x86_64"))]
        let (avx2, avx512) = (false, false);
        let mut out = RxSpheres {
            x: vec![f32::NAN; n],
            y: vec![f32::NAN; n],
            z: vec![f32::NAN; n],
            avx2,
            avx512,
        };
        for (k, r) in rxs.iter().enumerate() {
            [out.x[k], out.y[k], out.z[k]] = r.to_f32();
        }
        out
    }

    /// Call `hit(receiver)` for every receiver whose reception sphere, of radius
    /// `k_rs · (travelled + t)` at the foot `t` of the perpendicular, the segment
    /// `o + t·d`, `0 < t < seg_len` passes through. A block of eight receivers is tested in
    /// vector lanes without branches (NaN padding never hits); the arithmetic per receiver
    /// is exactly the scalar test's. In AVX-512 or AVX2 registers where the CPU has them
    /// (same arithmetic, wider lanes).
    #[inline]
    fn hits(
        &self,
        o: [f32; 3],
        d: [f32; 3],
        seg_len: f32,
        travelled: f32,
        k_rs: f32,
        hit: impl FnMut(u32),
    ) {
        #[cfg(target_arch = "x86_64")]
        if self.avx512 {
            // SAFETY: AVX-512F was detected when `self` was built.
            unsafe { self.hits_avx512(o, d, seg_len, travelled, k_rs, hit) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 was detected when `self` was built.
            unsafe { self.hits_avx2(o, d, seg_len, travelled, k_rs, hit) };
            return;
        }
        self.hits_lanes(o, d, seg_len, travelled, k_rs, hit);
    }

    /// [`RxSpheres::hits`] in AVX-512 registers, sixteen receivers per register, with the
    /// scalar test's operations in its order (so the same receivers hit).
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn hits_avx512(
        &self,
        o: [f32; 3],
        d: [f32; 3],
        seg_len: f32,
        travelled: f32,
        k_rs: f32,
        mut hit: impl FnMut(u32),
    ) {
        use std::arch::x86_64::*;
        const L: usize = 2 * RxSpheres::LANES;
        let (ox, oy, oz) = (
            _mm512_set1_ps(o[0]),
            _mm512_set1_ps(o[1]),
            _mm512_set1_ps(o[2]),
        );
        let (dx, dy, dz) = (
            _mm512_set1_ps(d[0]),
            _mm512_set1_ps(d[1]),
            _mm512_set1_ps(d[2]),
        );
        let (len, trav, k) = (
            _mm512_set1_ps(seg_len),
            _mm512_set1_ps(travelled),
            _mm512_set1_ps(k_rs),
        );
        let zero = _mm512_setzero_ps();
        for b in 0..self.x.len() / L {
            let (t, dist2, rad) = sphere_lanes!(
                _mm512_loadu_ps, _mm512_mul_ps, _mm512_add_ps, _mm512_sub_ps;
                self, b * L, [ox, oy, oz], [dx, dy, dz], trav, k
            );
            let mask = u32::from(
                _mm512_cmp_ps_mask::<_CMP_GT_OQ>(t, zero)
                    & _mm512_cmp_ps_mask::<_CMP_LT_OQ>(t, len)
                    & _mm512_cmp_ps_mask::<_CMP_LT_OQ>(dist2, _mm512_mul_ps(rad, rad)),
            );
            for l in lanes(mask) {
                hit((b * L + l) as u32);
            }
        }
    }

    /// [`RxSpheres::hits`] in AVX2 registers, a block of eight receivers per register, with
    /// the scalar test's operations in its order (so the same receivers hit).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn hits_avx2(
        &self,
        o: [f32; 3],
        d: [f32; 3],
        seg_len: f32,
        travelled: f32,
        k_rs: f32,
        mut hit: impl FnMut(u32),
    ) {
        use std::arch::x86_64::*;
        const L: usize = RxSpheres::LANES;
        let (ox, oy, oz) = (
            _mm256_set1_ps(o[0]),
            _mm256_set1_ps(o[1]),
            _mm256_set1_ps(o[2]),
        );
        let (dx, dy, dz) = (
            _mm256_set1_ps(d[0]),
            _mm256_set1_ps(d[1]),
            _mm256_set1_ps(d[2]),
        );
        let (len, trav, k) = (
            _mm256_set1_ps(seg_len),
            _mm256_set1_ps(travelled),
            _mm256_set1_ps(k_rs),
        );
        let zero = _mm256_setzero_ps();
        for b in 0..self.x.len() / L {
            let (t, dist2, rad) = sphere_lanes!(
                _mm256_loadu_ps, _mm256_mul_ps, _mm256_add_ps, _mm256_sub_ps;
                self, b * L, [ox, oy, oz], [dx, dy, dz], trav, k
            );
            let inside = _mm256_and_ps(
                _mm256_and_ps(
                    _mm256_cmp_ps::<_CMP_GT_OQ>(t, zero),
                    _mm256_cmp_ps::<_CMP_LT_OQ>(t, len),
                ),
                _mm256_cmp_ps::<_CMP_LT_OQ>(dist2, _mm256_mul_ps(rad, rad)),
            );
            let mask = _mm256_movemask_ps(inside) as u32;
            for l in lanes(mask) {
                hit((b * L + l) as u32);
            }
        }
    }

    #[inline(always)]
    fn hits_lanes(
        &self,
        o: [f32; 3],
        d: [f32; 3],
        seg_len: f32,
        travelled: f32,
        k_rs: f32,
        mut hit: impl FnMut(u32),
    ) {
        const L: usize = RxSpheres::LANES;
        for (b, ((xs, ys), zs)) in self
            .x
            .chunks_exact(L)
            .zip(self.y.chunks_exact(L))
            .zip(self.z.chunks_exact(L))
            .enumerate()
        {
            // Non-short-circuit `&` keeps the lanes branch-free so the loop vectorises.
            let mut inside = [false; L];
            for l in 0..L {
                let w = [xs[l] - o[0], ys[l] - o[1], zs[l] - o[2]];
                let t = w[0] * d[0] + w[1] * d[1] + w[2] * d[2];
                let dist2 = w[0] * w[0] + w[1] * w[1] + w[2] * w[2] - t * t;
                let rad = k_rs * (travelled + t);
                inside[l] = (t > 0.0) & (t < seg_len) & (dist2 < rad * rad);
            }
            if !inside.iter().any(|&b| b) {
                continue;
            }
            let mut mask = 0u32;
            for (l, &b) in inside.iter().enumerate() {
                mask |= u32::from(b) << l;
            }
            for l in lanes(mask) {
                hit((b * L + l) as u32);
            }
        }
    }
}

/// SBR kernel shared by [`Tracer::sbr`] and the benchmark.
pub fn sbr_run(
    scene: &Scene,
    tx: Vec3,
    rxs: &[Vec3],
    rays: u64,
    max_depth: usize,
) -> (Vec<Vec<Vec<u32>>>, SbrStats) {
    let order = LaunchOrder::new();
    let alpha = (4.0 * std::f64::consts::PI / rays.max(1) as f64).sqrt();
    let k_rs = (alpha / 3f64.sqrt()) as f32;
    let rx = RxSpheres::new(rxs);
    let o0 = tx.to_f32();
    let nchunks = rays.div_ceil(CHUNK);
    type Local = (HashSet<(u32, [u32; 8], u8)>, u64);
    let (set, segments): Local = (0..nchunks)
        .into_par_iter()
        .map(|c| {
            let mut set = HashSet::new();
            let mut segs = 0u64;
            let mut stack = PacketStack::new();
            let dirs8 = |idx: &[u64; PACKET], out: &mut [[f32; 3]; PACKET]| {
                fibonacci_directions8(idx, rays, out)
            };
            launch_packets(&order, c, rays, &dirs8, |dirs| {
                bounce16(
                    scene,
                    o0,
                    dirs,
                    max_depth + 1,
                    &mut stack,
                    |b, depth, hit| {
                        segs += 1;
                        if depth > 0 {
                            let seg_len = hit.map_or(f32::INFINITY, |h| h.t);
                            let mut s = [u32::MAX; 8];
                            s[..depth].copy_from_slice(&b.seq[..depth]);
                            rx.hits(b.o, b.d, seg_len, b.travelled, k_rs, |ri| {
                                set.insert((ri, s, depth as u8));
                            });
                        }
                        hit.is_some() && depth < max_depth
                    },
                );
            });
            (set, segs)
        })
        .reduce(
            || (HashSet::new(), 0),
            |(mut a, sa), (b, sb)| {
                if a.len() < b.len() {
                    let mut b = b;
                    b.extend(a);
                    return (b, sa + sb);
                }
                a.extend(b);
                (a, sa + sb)
            },
        );
    let mut out = vec![Vec::new(); rxs.len()];
    let candidates = set.len() as u64;
    for (ri, s, len) in set {
        out[ri as usize].push(s[..len as usize].to_vec());
    }
    for v in &mut out {
        v.sort_unstable();
    }
    (
        out,
        SbrStats {
            rays,
            segments,
            candidates,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dispatched reception-sphere test (AVX-512 or AVX2 where present) finds exactly the
    /// receivers of the portable lanes, on random segments past 21 receivers (three blocks,
    /// NaN padding), including spheres grazed at their rim.
    #[test]
    fn reception_spheres_match_portable_lanes() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut f = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let rxs: Vec<Vec3> = (0..21)
            .map(|_| Vec3::new(f() * 2000.0, f() * 2000.0, f() * 100.0))
            .collect();
        let rx = RxSpheres::new(&rxs);
        let mut hits = 0;
        for k in 0..20_000 {
            let o = [f() * 2000.0, f() * 2000.0, f() * 100.0].map(|v| v as f32);
            let target = rxs[k % rxs.len()];
            let d = Vec3::new(
                f64::from(target.x as f32 - o[0]) + f() * 40.0 - 20.0,
                f64::from(target.y as f32 - o[1]) + f() * 40.0 - 20.0,
                f64::from(target.z as f32 - o[2]) + f() * 40.0 - 20.0,
            )
            .normalized()
            .to_f32();
            let seg_len = if k % 3 == 0 {
                f32::INFINITY
            } else {
                (f() * 3000.0) as f32
            };
            let (travelled, k_rs) = ((f() * 5000.0) as f32, (f() * 0.02) as f32);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            rx.hits(o, d, seg_len, travelled, k_rs, |r| a.push(r));
            rx.hits_lanes(o, d, seg_len, travelled, k_rs, |r| b.push(r));
            assert_eq!(a, b, "segment {k}");
            #[cfg(target_arch = "x86_64")]
            if rx.avx2 {
                let mut c = Vec::new();
                // SAFETY: AVX2 was detected when `rx` was built.
                unsafe { rx.hits_avx2(o, d, seg_len, travelled, k_rs, |r| c.push(r)) };
                assert_eq!(a, c, "segment {k} (AVX2)");
            }
            hits += a.len();
        }
        assert!(hits > 1000, "{hits}");
    }

    /// The lattice's sine and cosine agree with the library's to a few f64 ulps over the
    /// launch indices of 10⁸ rays, and the f32 directions almost always bit for bit.
    #[test]
    fn lattice_sin_cos_matches_library() {
        const GOLDEN_ANGLE: f64 = 2.399_963_229_728_653;
        let mut differ = 0;
        let n = 200_000u64;
        for j in 0..n {
            let i = j * 499 + j % 7; // spread over [0, 10⁸)
            let x = i as f64 * GOLDEN_ANGLE;
            let (s, c) = sin_cos_turning(x);
            let (s0, c0) = x.sin_cos();
            assert!(
                (s - s0).abs() < 1e-15 && (c - c0).abs() < 1e-15,
                "i {i}: {s} {s0} {c} {c0}"
            );
            differ += usize::from(s as f32 != s0 as f32) + usize::from(c as f32 != c0 as f32);
        }
        assert!(differ < 4, "{differ} f32 components differ");
        for x in [0.0, -1.0, 1e13, f64::NAN, f64::INFINITY] {
            let (s, c) = sin_cos_turning(x);
            let (s0, c0) = x.sin_cos();
            assert!(
                (s.is_nan() && s0.is_nan()) || ((s - s0).abs() < 1e-15 && (c - c0).abs() < 1e-15)
            );
        }
    }

    /// The eight-lane lattice (vectorised, FMA where present) gives bit for bit the
    /// scalar [`fibonacci_direction`].
    #[test]
    fn lattice_lanes_match_scalar() {
        for n in [1_000u64, 20_000_000, 100_000_000] {
            for b in 0..2000u64 {
                let idx: [u64; PACKET] =
                    std::array::from_fn(|l| (b * 7919 + l as u64 * 104_729) % n);
                let mut out = [[0f32; 3]; PACKET];
                fibonacci_directions8(&idx, n, &mut out);
                let mut portable = [[0f32; 3]; PACKET];
                fibonacci_lanes(&idx, n, &mut portable);
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    let mut avx2 = [[0f32; 3]; PACKET];
                    // SAFETY: AVX2 and FMA were detected just above.
                    unsafe { fibonacci_lanes_avx2(&idx, n, &mut avx2) };
                    assert_eq!(avx2, portable, "n {n} (AVX2)");
                }
                for l in 0..PACKET {
                    assert_eq!(out[l], fibonacci_direction(idx[l], n), "n {n} i {}", idx[l]);
                    assert_eq!(portable[l], out[l], "n {n} i {}", idx[l]);
                }
            }
        }
    }

    /// A chunk's launch order is a permutation of its indices, in increasing azimuth about
    /// the lattice axis (one wrap from 2π back to 0), for full and partial chunks.
    #[test]
    fn launch_order_is_azimuth_sorted_permutation() {
        let order = LaunchOrder::new();
        let n = 3 * CHUNK + 1234;
        for (lo, hi) in [
            (0, CHUNK),
            (CHUNK, 2 * CHUNK),
            (3 * CHUNK, n),
            (77, 77 + 500),
        ] {
            let idx: Vec<u64> = order.chunk(lo, hi).collect();
            let mut sorted = idx.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (lo..hi).collect::<Vec<_>>(), "chunk {lo}..{hi}");
            let az: Vec<f64> = idx
                .iter()
                .map(|&i| {
                    let d = fibonacci_direction(i, n);
                    f64::from(d[1])
                        .atan2(f64::from(d[0]))
                        .rem_euclid(std::f64::consts::TAU)
                })
                .collect();
            let descents = az.windows(2).filter(|w| w[1] < w[0] - 1e-6).count();
            assert!(descents <= 1, "chunk {lo}..{hi}: {descents} descents");
        }
    }
}
