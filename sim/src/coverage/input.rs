//! Loading the terrain a scenario names.

use std::path::{Path, PathBuf};

use super::{Elevation, M_PER_DEG};
use crate::scenario::TerrainSpec;
use crate::terrain::{Dem, TerrainError};

/// Why a scenario's terrain could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerrainLoadError {
    /// The named file or directory does not exist.
    #[error("terrain {0} does not exist")]
    Missing(PathBuf),
    /// A directory without `.hgt` tiles.
    #[error("no .hgt tiles in {0}")]
    NoTiles(PathBuf),
    /// A tile or file could not be read or is malformed.
    #[error(transparent)]
    Terrain(#[from] TerrainError),
    /// This terrain source is not available in this build.
    #[error("terrain source '{0}' is not available in this build")]
    Unavailable(&'static str),
}

/// A set of SRTM tiles; a point is sampled (bilinearly) in the first tile that holds it.
/// Neighbouring SRTM tiles share their edge rows/columns, so every point of the union is
/// inside some tile.
#[derive(Debug, Clone)]
pub struct Tiles {
    /// The tiles, sorted by (south, west).
    pub tiles: Vec<Dem>,
    /// The files read.
    pub files: Vec<PathBuf>,
}

impl Elevation for Tiles {
    fn elevation_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        self.tiles.iter().find_map(|t| {
            if lat_deg >= t.south_deg
                && lat_deg <= t.north_deg()
                && lon_deg >= t.west_deg
                && lon_deg <= t.east_deg()
            {
                t.elevation(lat_deg, lon_deg).ok()
            } else {
                None
            }
        })
    }

    fn spacing_m(&self) -> f64 {
        self.tiles
            .iter()
            .map(|t| t.step_deg * M_PER_DEG)
            .fold(f64::INFINITY, f64::min)
    }

    fn describe(&self) -> String {
        let names: Vec<String> = self
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        format!("tiles {}", names.join(", "))
    }
}

/// Read every `.hgt` tile in `dir`.
///
/// # Errors
/// [`TerrainLoadError`] for a missing directory, no tiles, or a malformed tile.
pub fn read_srtm_dir(dir: &Path) -> Result<Tiles, TerrainLoadError> {
    let rd = std::fs::read_dir(dir).map_err(|_| TerrainLoadError::Missing(dir.to_path_buf()))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("hgt")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(TerrainLoadError::NoTiles(dir.to_path_buf()));
    }
    let tiles = files
        .iter()
        .map(|f| Dem::read_hgt(f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Tiles { tiles, files })
}

/// Load the terrain of a scenario; returns the elevation source and the files it read.
///
/// # Errors
/// [`TerrainLoadError`].
pub fn load(
    spec: &TerrainSpec,
) -> Result<(Box<dyn Elevation + Send>, Vec<PathBuf>), TerrainLoadError> {
    match spec {
        TerrainSpec::Srtm { dir } => {
            let t = read_srtm_dir(dir)?;
            let files = t.files.clone();
            Ok((Box::new(t), files))
        }
        TerrainSpec::Synthetic { .. } => Err(TerrainLoadError::Unavailable("synthetic")),
        TerrainSpec::Geotiff { path } => {
            if !path.exists() {
                return Err(TerrainLoadError::Missing(path.clone()));
            }
            Err(TerrainLoadError::Unavailable("geotiff"))
        }
    }
}
