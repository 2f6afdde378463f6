//! Digital elevation models.
//!
//! A [`Dem`] is a regular latitude/longitude grid of elevations (EPSG:4326), row 0 at the
//! north edge, like an SRTM `.hgt` tile. Missing terrain is an error, never silently flat.
//!
//! # References
//! SRTM `.hgt` format: big-endian int16, 1201² (3″, SRTM3) or 3601² (1″, SRTM1) samples,
//! tile named after its south-west corner, void value −32768.

use std::path::Path;

/// SRTM void marker.
pub const HGT_VOID: i16 = -32768;

/// Errors reading or sampling terrain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerrainError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {what}")]
    Format { path: String, what: String },
    #[error("no terrain at {lat_deg:.6}°, {lon_deg:.6}°")]
    OutOfBounds { lat_deg: f64, lon_deg: f64 },
}

/// A regular lat/lon elevation grid, row 0 north, column 0 west; samples are points
/// (SRTM convention: the grid's corner samples sit exactly on the tile's corners).
#[derive(Debug, Clone, PartialEq)]
pub struct Dem {
    /// Latitude of row `rows − 1` (south edge), degrees.
    pub south_deg: f64,
    /// Longitude of column 0 (west edge), degrees.
    pub west_deg: f64,
    /// Sample spacing in latitude and longitude, degrees.
    pub step_deg: f64,
    /// Number of rows and columns.
    pub rows: usize,
    pub cols: usize,
    /// Elevations, metres, row-major; NaN where void.
    pub data: Vec<f32>,
}

impl Dem {
    /// Latitude of the north edge (row 0), degrees.
    pub fn north_deg(&self) -> f64 {
        self.south_deg + self.step_deg * (self.rows - 1) as f64
    }

    /// Longitude of the east edge (last column), degrees.
    pub fn east_deg(&self) -> f64 {
        self.west_deg + self.step_deg * (self.cols - 1) as f64
    }

    /// Elevation at a sample.
    #[inline]
    pub fn at(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.cols + col]
    }

    /// Bilinear elevation at (lat, lon), metres.
    ///
    /// # Errors
    /// [`TerrainError::OutOfBounds`] outside the grid or next to a void.
    pub fn elevation(&self, lat_deg: f64, lon_deg: f64) -> Result<f64, TerrainError> {
        let oob = || TerrainError::OutOfBounds { lat_deg, lon_deg };
        let r = (self.north_deg() - lat_deg) / self.step_deg;
        let c = (lon_deg - self.west_deg) / self.step_deg;
        if !(r >= 0.0 && c >= 0.0 && r <= (self.rows - 1) as f64 && c <= (self.cols - 1) as f64) {
            return Err(oob());
        }
        let r0 = (r.floor() as usize).min(self.rows - 2);
        let c0 = (c.floor() as usize).min(self.cols - 2);
        let (fr, fc) = (r - r0 as f64, c - c0 as f64);
        let z00 = f64::from(self.at(r0, c0));
        let z01 = f64::from(self.at(r0, c0 + 1));
        let z10 = f64::from(self.at(r0 + 1, c0));
        let z11 = f64::from(self.at(r0 + 1, c0 + 1));
        let z = (z00 * (1.0 - fc) + z01 * fc) * (1.0 - fr) + (z10 * (1.0 - fc) + z11 * fc) * fr;
        if z.is_nan() {
            return Err(oob());
        }
        Ok(z)
    }

    /// Read one SRTM `.hgt` tile (SRTM1 or SRTM3); the south-west corner comes from the
    /// file name (`N40W100.hgt`).
    ///
    /// # Errors
    /// I/O errors, a name that is not a tile name, or a size that is neither SRTM1 nor SRTM3.
    pub fn read_hgt(path: &Path) -> Result<Dem, TerrainError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| TerrainError::Io {
            path: p.clone(),
            source,
        })?;
        let n = match bytes.len() {
            l if l == 1201 * 1201 * 2 => 1201,
            l if l == 3601 * 3601 * 2 => 3601,
            l => {
                return Err(TerrainError::Format {
                    path: p,
                    what: format!(
                        "{l} bytes is neither an SRTM3 (1201×1201) nor an SRTM1 (3601×3601) tile"
                    ),
                })
            }
        };
        let (south, west) = parse_hgt_name(path).ok_or_else(|| TerrainError::Format {
            path: p.clone(),
            what: "file name is not an SRTM tile name like N40W100.hgt".into(),
        })?;
        let data = bytes
            .chunks_exact(2)
            .map(|b| {
                let v = i16::from_be_bytes([b[0], b[1]]);
                if v == HGT_VOID {
                    f32::NAN
                } else {
                    f32::from(v)
                }
            })
            .collect();
        Ok(Dem {
            south_deg: south,
            west_deg: west,
            step_deg: 1.0 / (n - 1) as f64,
            rows: n,
            cols: n,
            data,
        })
    }
}

/// South-west corner (lat, lon) from an SRTM tile name such as `N40W100.hgt`.
pub fn parse_hgt_name(path: &Path) -> Option<(f64, f64)> {
    let stem = path.file_stem()?.to_str()?.to_ascii_uppercase();
    let b = stem.as_bytes();
    if b.len() != 7 {
        return None;
    }
    let lat: f64 = stem.get(1..3)?.parse().ok()?;
    let lon: f64 = stem.get(4..7)?.parse().ok()?;
    let lat = match b[0] {
        b'N' => lat,
        b'S' => -lat,
        _ => return None,
    };
    let lon = match b[3] {
        b'E' => lon,
        b'W' => -lon,
        _ => return None,
    };
    Some((lat, lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_names() {
        assert_eq!(
            parse_hgt_name(Path::new("a/N40W100.hgt")),
            Some((40.0, -100.0))
        );
        assert_eq!(parse_hgt_name(Path::new("s01e009.hgt")), Some((-1.0, 9.0)));
        assert_eq!(parse_hgt_name(Path::new("foo.hgt")), None);
    }

    #[test]
    fn bilinear_and_bounds() {
        let dem = Dem {
            south_deg: 0.0,
            west_deg: 0.0,
            step_deg: 1.0,
            rows: 2,
            cols: 2,
            data: vec![10.0, 20.0, 30.0, 40.0], // row 0 is north (lat 1)
        };
        assert_eq!(dem.elevation(1.0, 0.0).unwrap(), 10.0);
        assert_eq!(dem.elevation(0.0, 1.0).unwrap(), 40.0);
        assert!((dem.elevation(0.5, 0.5).unwrap() - 25.0).abs() < 1e-9);
        assert!(dem.elevation(1.5, 0.5).is_err());
    }
}
