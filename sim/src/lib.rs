//! # lastmile-sim — the world the stack runs in
//!
//! Terrain, propagation, ray tracing, channels, link- and system-level simulation and the
//! scenario format.
//!
//! ## Module map
//!
//! | module | what |
//! |---|---|
//! | [`terrain`] | terrain sources (synthetic, SRTM `.hgt`, GeoTIFF DEM) and great-circle profiles |
//! | [`geotiff`] | EPSG:4326 Float32 GeoTIFF raster writer and reader |
//! | [`propagation`] | the [`propagation::PathLoss`] trait and every model behind it |
//! | [`raytrace`] | terrain ray tracer: mesh, BVH, reflections, diffraction, vegetation, CIR, coverage maps |
//! | [`channel`] | link-level tapped-delay-line channel: ray-traced paths with Doppler, 3GPP EPA/EVA/ETU fading, AWGN, CFO, timing offset |
//! | [`scenario`] | scenario files: raw TOML ([`scenario::ScenarioFile`]) → validated [`scenario::Scenario`] |
//! | [`coverage`] | per-site received power, best server and SINR rasters; area summaries |
//!
//! ## Example
//!
//! ```
//! use lastmile_sim::propagation::{FreeSpace, Link, PathLoss, Profile};
//! let profile = Profile::flat(1000.0, 11, 100.0); // 10 km, 1 km spacing, 100 m ground
//! let link = Link::new(&profile, 30.0, 10.0, 600e6);
//! let loss = FreeSpace.loss(&link).unwrap().loss_db;
//! assert!((loss - 108.0).abs() < 0.1);
//! ```

pub mod channel;
pub mod coverage;
pub mod geotiff;
pub mod propagation;
pub mod raytrace;
pub mod scenario;
pub mod terrain;

/// Errors of the simulation library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Terrain could not be read or does not cover what was asked.
    #[error(transparent)]
    Terrain(#[from] terrain::TerrainError),
    /// A propagation model cannot evaluate a link.
    #[error(transparent)]
    Propagation(#[from] propagation::PropagationError),
}
