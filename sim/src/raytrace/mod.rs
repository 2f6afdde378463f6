//! Terrain ray tracer for rural propagation: reflections, terrain diffraction, vegetation,
//! polarisation and antenna patterns, channel impulse responses.
//!
//! | module | what |
//! |---|---|
//! | [`scene`] | DEM → triangle mesh (two triangles per cell), effective earth radius, ground constants (P.527), memory budget |
//! | [`decimate`] | optional error-bounded mesh decimation (right-triangulated irregular network) |
//! | [`bvh`] | SAH BVH with 32-byte nodes and 4-wide triangle packets |
//! | [`paths`] | direct/diffracted ray, exact reflections (image method), SBR candidates (Fibonacci launch, reception spheres) |
//! | [`fresnel`] | Fresnel reflection coefficients, both polarisations |
//! | [`utd`] | UTD wedge diffraction coefficients (Kouyoumjian–Pathak, Luebbers) and Fresnel integrals |
//! | [`wedge`] | ridge-edge detection on the mesh, Keller's diffraction point, UTD wedge paths in 3-D |
//! | [`diffraction`] | profile diffraction in shadow: three-edge Deygout with P.526's J(v) and smooth-earth term |
//! | [`vegetation`] | vegetation polygons (and land-cover canopy) with P.833 excess loss |
//! | [`landcover`] | land-cover class raster (GeoTIFF) with a class table: canopy height, P.833 specific attenuation, P.527 ground per class |
//! | [`antenna`] | antenna patterns and polarisation bases |
//! | [`cir`] | channel impulse response → tapped delay line |
//! | [`link`] | point-to-point tracing on terrain given as an elevation function of latitude/longitude (`lastmile path --model raytrace`) |
//! | [`coverage`] | vertical-plane tracer for coverage maps and the [`PathLoss`] impl |
//! | [`synthetic`] | the peer comparison's synthetic terrain tile, generated in-process |
//!
//! Two entry points:
//! * [`Tracer`] on a [`Scene`]: full 3-D paths per receiver (delay, 2 × 2 polarisation gains,
//!   AoD, AoA, interactions), loss and CIR.
//! * [`Raytracer`]: the [`PathLoss`] implementation on a terrain profile (vertical-plane
//!   tracing), for the scenario/coverage code that works on profiles.
//!
//! ```
//! use lastmile_sim::raytrace::{Scene, SceneOptions, Heightfield, EarthModel, Site, TraceConfig, Tracer};
//! // 2 km × 2 km of flat ground at 100 m, 20 m grid.
//! let hf = Heightfield::from_fn(-1000.0, -1000.0, 20.0, 20.0, 101, 101, |_, _| 100.0);
//! let opts = SceneOptions { earth: EarthModel::Flat, ..SceneOptions::default() };
//! let scene = Scene::from_heightfield(hf, &opts).unwrap();
//! let mut cfg = TraceConfig::new(600e6);
//! cfg.rays = 0; // first-order reflections are found exhaustively
//! let tracer = Tracer::new(&scene, &cfg).unwrap();
//! let out = tracer.trace(&Site::agl(-500.0, 0.0, 30.0), &[Site::agl(500.0, 0.0, 10.0)]).unwrap();
//! assert_eq!(out[0].paths.len(), 2); // line of sight and the ground reflection
//! ```

pub mod antenna;
pub mod bvh;
pub mod cir;
pub mod coverage;
pub mod decimate;
pub mod diffraction;
pub mod fresnel;
pub mod geom;
pub mod landcover;
pub mod link;
pub mod paths;
pub mod scene;
pub mod synthetic;
pub mod utd;
pub mod vegetation;
pub mod wedge;

pub use antenna::{Antenna, Pattern, TabulatedPattern};
pub use cir::{Cir, Tdl};
pub use coverage::{coverage_map, CoverageMap, CoverageSpec};
pub use paths::{Candidates, Combine, LinkPaths, Path, TraceConfig, Tracer};
pub use scene::{EarthModel, GroundClass, Heightfield, Scene, SceneOptions, Site};

use crate::propagation::{Link, LossReport, PathLoss, PropagationError};

/// Errors of the ray tracer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RaytraceError {
    /// An argument is out of range or inconsistent.
    #[error("ray tracer: {0}")]
    InvalidInput(String),
    /// The terrain does not cover the scene or holds voids.
    #[error("ray tracer terrain: {0}")]
    Terrain(String),
    /// The mesh would not fit the memory budget.
    #[error("mesh of {triangles} triangles needs about {need_bytes} bytes, over the memory budget of {budget_bytes} bytes; use a smaller area or a coarser grid")]
    MemoryBudget {
        /// Triangles of the requested mesh.
        triangles: u64,
        /// Estimated bytes.
        need_bytes: u64,
        /// Budget, bytes.
        budget_bytes: u64,
    },
    /// An antenna is below the terrain surface.
    #[error("{what} antenna at {z_m:.1} m is below the ground ({ground_m:.1} m)")]
    BelowGround {
        /// "TX" or "RX".
        what: &'static str,
        /// Antenna elevation, m.
        z_m: f64,
        /// Terrain elevation there, m.
        ground_m: f64,
    },
    /// A site is outside the terrain grid.
    #[error("{what} at ({x_m:.0} m E, {y_m:.0} m N) is outside the scene")]
    OutsideScene {
        /// "TX" or "RX".
        what: &'static str,
        /// East offset, m.
        x_m: f64,
        /// North offset, m.
        y_m: f64,
    },
    /// An antenna pattern table is malformed.
    #[error("antenna pattern: {0}")]
    AntennaPattern(String),
}

/// The ray tracer as a [`PathLoss`] model on a terrain profile: the direct ray (free space on
/// an open line of sight, else [`diffraction::terrain_diffraction`]) plus specular ground
/// reflections in the vertical plane, combined incoherently ([`coverage::plane_trace`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raytracer {
    /// Earth curvature (default k = 4/3).
    pub earth: EarthModel,
    /// Include reflections.
    pub reflections: bool,
}

impl Default for Raytracer {
    fn default() -> Self {
        Raytracer {
            earth: EarthModel::default(),
            reflections: true,
        }
    }
}

impl PathLoss for Raytracer {
    fn id(&self) -> &'static str {
        "raytrace"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        self.loss_with_canopy(link, None)
    }
}

impl Raytracer {
    /// [`PathLoss::loss`] with a canopy per profile point (see
    /// [`coverage::PlaneInput::canopy`]).
    ///
    /// # Errors
    /// [`PropagationError::OutOfRange`] for a bad frequency, an antenna below ground, a
    /// profile under two points, or a canopy of the wrong length.
    pub fn loss_with_canopy(
        &self,
        link: &Link<'_>,
        canopy: Option<&[(f64, f64)]>,
    ) -> Result<LossReport, PropagationError> {
        let bad = |what: String| PropagationError::OutOfRange {
            model: "raytrace",
            what,
        };
        if !(link.frequency_hz > 0.0 && link.frequency_hz.is_finite()) {
            return Err(bad(format!(
                "frequency {} Hz must be positive",
                link.frequency_hz
            )));
        }
        if !(link.tx_height_m >= 0.0 && link.rx_height_m >= 0.0) {
            return Err(bad("antenna below ground".into()));
        }
        let p = link.profile;
        let n = p.elevations_m.len();
        if n < 2 || p.spacing_m.is_nan() || p.spacing_m <= 0.0 {
            return Err(bad("profile needs two points and a positive spacing".into()));
        }
        let d: Vec<f64> = (0..n).map(|i| i as f64 * p.spacing_m).collect();
        let r = coverage::plane_trace(&coverage::PlaneInput {
            profile: diffraction::ProfileInput {
                d_m: &d,
                h_m: &p.elevations_m,
                tx_z_m: p.elevations_m[0] + link.tx_height_m,
                rx_z_m: p.elevations_m[n - 1] + link.rx_height_m,
                earth_radius_m: self.earth.radius_m(),
                frequency_hz: link.frequency_hz,
                polarization: link.polarization,
                ground: link.ground,
            },
            reflections: self.reflections,
            canopy,
        })
        .ok_or_else(|| bad("degenerate profile or canopy length".into()))?;
        Ok(LossReport {
            loss_db: r.loss_db,
            mode: None,
            warnings: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::{FreeSpace, Profile};

    #[test]
    fn pathloss_impl() {
        let profile = Profile::flat(20.0, 101, 100.0); // 2 km of flat ground
        let link = Link::new(&profile, 30.0, 10.0, 600e6);
        let direct = Raytracer {
            earth: EarthModel::Flat,
            reflections: false,
        };
        let fs = FreeSpace.loss(&link).unwrap().loss_db;
        assert!((direct.loss(&link).unwrap().loss_db - fs).abs() < 1e-9);
        // The ground reflection (|Γ| ≈ 1 at grazing) adds nearly as much power again.
        let both = Raytracer::default().loss(&link).unwrap().loss_db;
        assert!(both < fs - 2.0 && both > fs - 3.1, "{both} vs {fs}");
        assert_eq!(Raytracer::default().id(), "raytrace");
        assert!(Raytracer::default()
            .loss(&Link::new(&profile, -1.0, 10.0, 600e6))
            .is_err());
    }
}
