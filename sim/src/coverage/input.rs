//! The terrain a scenario names, loaded through [`crate::terrain::Terrain`], and the
//! [`Elevation`] view the coverage engine samples.

use std::path::PathBuf;

use super::{Elevation, M_PER_DEG};
use crate::scenario::{Bbox, TerrainSpec};
use crate::terrain::{Terrain, TerrainError, TerrainSource};

/// Margin added around the mapped area when generating synthetic terrain, km.
pub const SYNTHETIC_MARGIN_KM: f64 = 2.0;

/// Why a scenario's terrain could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerrainLoadError {
    /// The named file or directory does not exist.
    #[error("terrain {0} does not exist")]
    Missing(PathBuf),
    /// It exists but cannot be used.
    #[error(transparent)]
    Terrain(#[from] TerrainError),
}

impl Elevation for Terrain {
    fn elevation_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        self.elevation(lat_deg, lon_deg).ok()
    }

    fn spacing_m(&self) -> f64 {
        let b = self.bounds();
        self.spacing_m(0.5 * (b.south_deg + b.north_deg))
    }

    fn describe(&self) -> String {
        match self.source() {
            TerrainSource::Synthetic { seed, .. } => format!("synthetic (seed {seed})"),
            TerrainSource::Srtm { dir } => format!("SRTM tiles in {}", dir.display()),
            TerrainSource::GeoTiff { path } => format!("GeoTIFF {}", path.display()),
            _ => {
                let b = self.bounds();
                format!(
                    "DEM {:.4}…{:.4}°N, {:.4}…{:.4}°E",
                    b.south_deg, b.north_deg, b.west_deg, b.east_deg
                )
            }
        }
    }

    /// The straight lat/lon track at the DEM's own spacing along it
    /// ([`Terrain::spacing_along_m`]), sampled bilinearly with the tile hint kept between
    /// points. [`Terrain::profile_into`] follows the exact great circle but costs two
    /// `atan2` per point, which dominated coverage runs; over the ≤ 300 km a coverage area
    /// spans the two tracks differ by less than a DEM sample (see the module docs of
    /// [`super`]). `lastmile path` uses the exact great circle.
    fn profile_into(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        lat1_deg: f64,
        lon1_deg: f64,
        distance_m: f64,
        out: &mut Vec<f64>,
    ) -> Option<f64> {
        let mid = 0.5 * (lat0_deg + lat1_deg);
        let az = ((lon1_deg - lon0_deg) * mid.to_radians().cos())
            .atan2(lat1_deg - lat0_deg)
            .to_degrees();
        let spacing = self.spacing_along_m(mid, az);
        let n_steps = ((distance_m / spacing).ceil() as usize).max(1);
        out.clear();
        out.reserve(n_steps + 1);
        let mut hint = usize::MAX;
        let (dlat, dlon) = (lat1_deg - lat0_deg, lon1_deg - lon0_deg);
        let inv = 1.0 / n_steps as f64;
        for i in 0..=n_steps {
            let t = i as f64 * inv;
            let z = self
                .sample(lat0_deg + t * dlat, lon0_deg + t * dlon, &mut hint)
                .ok()?;
            out.push(z);
        }
        Some((distance_m * inv).max(1e-3))
    }
}

/// Load the terrain of a scenario whose mapped area is `area`. Synthetic terrain is
/// generated centred on the area, [`SYNTHETIC_MARGIN_KM`] beyond it on every side.
///
/// # Errors
/// [`TerrainLoadError::Missing`] for a path that does not exist, otherwise the terrain
/// reader's error.
pub fn load(spec: &TerrainSpec, area: &Bbox) -> Result<Terrain, TerrainLoadError> {
    match spec {
        TerrainSpec::Synthetic { seed } => {
            let clat = 0.5 * (area.south_deg + area.north_deg);
            let clon = 0.5 * (area.west_deg + area.east_deg);
            let half_ns_km = 0.5 * (area.north_deg - area.south_deg) * M_PER_DEG / 1000.0;
            let half_ew_km = 0.5 * (area.east_deg - area.west_deg) * M_PER_DEG / 1000.0
                * area
                    .south_deg
                    .abs()
                    .min(area.north_deg.abs())
                    .to_radians()
                    .cos();
            let half = half_ns_km.max(half_ew_km) + SYNTHETIC_MARGIN_KM;
            Ok(Terrain::synthetic(*seed, clat, clon, half)?)
        }
        TerrainSpec::Srtm { dir } => {
            if !dir.is_dir() {
                return Err(TerrainLoadError::Missing(dir.clone()));
            }
            Ok(Terrain::srtm_dir(dir)?)
        }
        TerrainSpec::Geotiff { path } => {
            if !path.is_file() {
                return Err(TerrainLoadError::Missing(path.clone()));
            }
            Ok(Terrain::geotiff(path)?)
        }
    }
}
