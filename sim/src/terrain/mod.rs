//! Terrain: digital elevation models, their sources, and great-circle profiles.
//!
//! A [`Dem`] is a regular latitude/longitude grid of elevations (EPSG:4326), row 0 at the
//! north edge, like an SRTM `.hgt` tile. A [`Terrain`] puts one source behind one API:
//!
//! | source | constructor | module |
//! |---|---|---|
//! | deterministic synthetic rural terrain (the embedded default) | [`Terrain::synthetic`] | [`synthetic`] |
//! | a directory of SRTM1/SRTM3 `.hgt` tiles, memory-mapped and stitched | [`Terrain::srtm_dir`] | [`srtm`] |
//! | a single-band int16/float32 GeoTIFF DEM in EPSG:4326 | [`Terrain::geotiff`] | [`geotiff_dem`] |
//! | any in-memory grid | [`Terrain::from_dem`] | — |
//!
//! [`Terrain::elevation`] interpolates bilinearly between the four surrounding samples;
//! [`Terrain::profile`] samples a great-circle path at uniform spacing (see [`profile`] for the
//! geodesy: a sphere of radius [`EARTH_RADIUS_M`] = 6 371 000 m).
//!
//! **Missing terrain is an error, never silently flat**: a point outside the data, in a missing
//! SRTM tile, or on a void that could not be filled returns a [`TerrainError`].
//!
//! Voids (SRTM −32768, GeoTIFF nodata) are handled once per tile: small voids (at most
//! [`MAX_FILL_CELLS`] connected samples) are filled by inverse-distance interpolation from the
//! nearest valid samples in eight directions; larger ones are reported (a `tracing` warning) and
//! left void, so a query that touches them fails with [`TerrainError::Void`].
//!
//! # References
//! SRTM `.hgt` format: big-endian int16, 1201² (3″, SRTM3) or 3601² (1″, SRTM1) samples,
//! tile named after its south-west corner, void value −32768 (NASA SRTM v3 user guide).
//! GeoTIFF: OGC GeoTIFF 1.1 (19-008r4).

use std::path::{Path, PathBuf};

use crate::propagation::Profile;

pub mod geotiff_dem;
pub mod profile;
pub mod srtm;
pub mod synthetic;
mod voids;

pub use profile::{azimuth_deg, destination, distance_m, EARTH_RADIUS_M};
pub use srtm::{parse_hgt_name, tile_name};
pub use voids::MAX_FILL_CELLS;

/// SRTM void marker.
pub const HGT_VOID: i16 = -32768;

/// Errors reading or sampling terrain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TerrainError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file is not what it claims to be (short or corrupt `.hgt`, unsupported GeoTIFF).
    #[error("{path}: {what}")]
    Format { path: String, what: String },
    /// A GeoTIFF could not be read.
    #[error(transparent)]
    GeoTiff(#[from] crate::geotiff::GeoTiffError),
    /// The point lies outside the terrain data.
    #[error("no terrain at {lat_deg:.6}°, {lon_deg:.6}° (outside the elevation data)")]
    OutOfBounds { lat_deg: f64, lon_deg: f64 },
    /// The point lies in an SRTM tile that is not in the directory.
    #[error(
        "no terrain at {lat_deg:.6}°, {lon_deg:.6}°: SRTM tile {} is missing",
        expected.display()
    )]
    MissingTile {
        lat_deg: f64,
        lon_deg: f64,
        /// The tile file that would cover the point.
        expected: PathBuf,
    },
    /// The point touches a void (no data) that was too large to fill.
    #[error("no terrain at {lat_deg:.6}°, {lon_deg:.6}°: void (no data) in {source_name}")]
    Void {
        lat_deg: f64,
        lon_deg: f64,
        /// The tile or file holding the void.
        source_name: String,
    },
    /// An argument is outside its domain (NaN coordinate, latitude beyond ±90°, spacing ≤ 0…).
    #[error("invalid terrain request: {0}")]
    InvalidInput(String),
}

/// A regular lat/lon elevation grid, row 0 north, column 0 west; samples are points
/// (SRTM convention: the grid's corner samples sit exactly on the tile's corners).
///
/// Shape: `rows × cols` samples, row-major in `data`; sample `(r, c)` sits at latitude
/// `north_deg() − r·step_lat_deg` and longitude `west_deg + c·step_lon_deg`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dem {
    /// Latitude of row `rows − 1` (the southernmost samples), degrees.
    pub south_deg: f64,
    /// Longitude of column 0 (the westernmost samples), degrees.
    pub west_deg: f64,
    /// Sample spacing in latitude, degrees (> 0).
    pub step_lat_deg: f64,
    /// Sample spacing in longitude, degrees (> 0).
    pub step_lon_deg: f64,
    /// Number of rows (≥ 2).
    pub rows: usize,
    /// Number of columns (≥ 2).
    pub cols: usize,
    /// Elevations, metres, row-major; NaN where void.
    pub data: Vec<f32>,
}

impl Dem {
    /// Check the grid's invariants: at least 2×2 samples, positive finite spacing, finite
    /// corner, `data.len() == rows·cols`.
    ///
    /// # Errors
    /// [`TerrainError::InvalidInput`] naming the broken invariant.
    pub fn validate(&self) -> Result<(), TerrainError> {
        let bad = |w: String| Err(TerrainError::InvalidInput(w));
        if self.rows < 2 || self.cols < 2 {
            return bad(format!(
                "a DEM needs at least 2×2 samples, got {}×{}",
                self.rows, self.cols
            ));
        }
        if self.data.len() != self.rows * self.cols {
            return bad(format!(
                "DEM data has {} samples, expected {}×{}",
                self.data.len(),
                self.rows,
                self.cols
            ));
        }
        let pos = |x: f64| x.is_finite() && x > 0.0;
        if !pos(self.step_lat_deg) || !pos(self.step_lon_deg) {
            return bad(format!(
                "DEM spacing must be positive, got {}° × {}°",
                self.step_lat_deg, self.step_lon_deg
            ));
        }
        if !self.south_deg.is_finite() || !self.west_deg.is_finite() {
            return bad("DEM corner is not finite".into());
        }
        Ok(())
    }

    /// Latitude of the north edge (row 0), degrees.
    pub fn north_deg(&self) -> f64 {
        self.south_deg + self.step_lat_deg * (self.rows - 1) as f64
    }

    /// Longitude of the east edge (last column), degrees.
    pub fn east_deg(&self) -> f64 {
        self.west_deg + self.step_lon_deg * (self.cols - 1) as f64
    }

    /// Elevation at a sample, metres (NaN if void).
    ///
    /// # Panics
    /// If `row ≥ rows` or `col ≥ cols`.
    #[inline]
    pub fn at(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.cols + col]
    }

    /// Bilinear elevation at (lat, lon), metres.
    ///
    /// # Errors
    /// [`TerrainError::OutOfBounds`] outside the grid, [`TerrainError::Void`] when one of the
    /// four surrounding samples is void.
    #[inline]
    pub fn elevation(&self, lat_deg: f64, lon_deg: f64) -> Result<f64, TerrainError> {
        let r = (self.north_deg() - lat_deg) / self.step_lat_deg;
        let c = (lon_deg - self.west_deg) / self.step_lon_deg;
        match bilinear(r, c, self.rows, self.cols, |i, j| self.at(i, j)) {
            Sample::Value(z) => Ok(z),
            Sample::Outside => Err(TerrainError::OutOfBounds { lat_deg, lon_deg }),
            Sample::Void => Err(TerrainError::Void {
                lat_deg,
                lon_deg,
                source_name: "the DEM".into(),
            }),
        }
    }

    /// Read one SRTM `.hgt` tile (SRTM1 or SRTM3) into memory; the south-west corner comes
    /// from the file name (`N40W100.hgt`). Voids stay NaN (no filling; [`Terrain::srtm_dir`]
    /// fills small voids).
    ///
    /// # Errors
    /// I/O errors, a name that is not a tile name, or a size that is neither SRTM1 nor SRTM3.
    pub fn read_hgt(path: &Path) -> Result<Dem, TerrainError> {
        srtm::read_hgt(path)
    }

    /// Fill small voids (≤ [`MAX_FILL_CELLS`] connected NaN samples) in place by
    /// inverse-distance interpolation; returns how many samples remain void.
    pub fn fill_small_voids(&mut self) -> usize {
        let (rows, cols) = (self.rows, self.cols);
        let data = &self.data;
        let fill = voids::fill(rows, cols, |r, c| {
            let v = data[r * cols + c];
            (!v.is_nan()).then_some(v)
        });
        for &(i, v) in &fill.filled {
            self.data[i] = v;
        }
        fill.unfilled_cells
    }
}

/// Outcome of a bilinear lookup in grid coordinates.
pub(crate) enum Sample {
    Value(f64),
    Outside,
    Void,
}

/// Bilinear interpolation at fractional grid position (row `r`, column `c`) of a
/// `rows × cols` grid read through `at` (NaN = void).
#[inline(always)]
pub(crate) fn bilinear(
    r: f64,
    c: f64,
    rows: usize,
    cols: usize,
    at: impl Fn(usize, usize) -> f32,
) -> Sample {
    if !(r >= 0.0 && c >= 0.0 && r <= (rows - 1) as f64 && c <= (cols - 1) as f64) {
        return Sample::Outside;
    }
    let r0 = (r as usize).min(rows - 2);
    let c0 = (c as usize).min(cols - 2);
    let (fr, fc) = (r - r0 as f64, c - c0 as f64);
    let z00 = f64::from(at(r0, c0));
    let z01 = f64::from(at(r0, c0 + 1));
    let z10 = f64::from(at(r0 + 1, c0));
    let z11 = f64::from(at(r0 + 1, c0 + 1));
    let z = (z00 * (1.0 - fc) + z01 * fc) * (1.0 - fr) + (z10 * (1.0 - fc) + z11 * fc) * fr;
    if z.is_nan() {
        Sample::Void
    } else {
        Sample::Value(z)
    }
}

/// Geographic bounds of a terrain source, degrees (sample extents, inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub south_deg: f64,
    pub north_deg: f64,
    pub west_deg: f64,
    pub east_deg: f64,
}

impl Bounds {
    /// Whether (lat, lon) lies inside (edges included).
    pub fn contains(&self, lat_deg: f64, lon_deg: f64) -> bool {
        lat_deg >= self.south_deg
            && lat_deg <= self.north_deg
            && lon_deg >= self.west_deg
            && lon_deg <= self.east_deg
    }
}

/// Where a [`Terrain`] comes from (recorded in run.json).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TerrainSource {
    /// [`Terrain::synthetic`] with its parameters.
    Synthetic {
        seed: u64,
        center_lat_deg: f64,
        center_lon_deg: f64,
        half_extent_km: f64,
    },
    /// A directory of `.hgt` tiles.
    Srtm { dir: PathBuf },
    /// A GeoTIFF DEM file.
    GeoTiff { path: PathBuf },
    /// An in-memory grid.
    Dem,
}

enum Inner {
    Grid(Dem),
    Srtm(srtm::SrtmDir),
}

/// Elevation data from one source behind one API. `Send + Sync`: share it by reference
/// across rayon threads.
///
/// # Example
/// ```
/// use lastmile_sim::terrain::Terrain;
/// let t = Terrain::synthetic(42, 40.5, -99.5, 5.0).unwrap();
/// let z = t.elevation(40.5, -99.5).unwrap();
/// assert!((100.0..900.0).contains(&z));
/// let p = t.profile(40.5, -99.5, 40.53, -99.47, None).unwrap();
/// assert!(p.elevations_m.len() > 100);
/// ```
pub struct Terrain {
    inner: Inner,
    source: TerrainSource,
    /// Name used in void errors.
    name: String,
}

impl std::fmt::Debug for Terrain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terrain")
            .field("source", &self.source)
            .field("bounds", &self.bounds())
            .finish()
    }
}

impl Terrain {
    /// Deterministic synthetic rolling rural terrain (hills, ridges, a valley; ~200–700 m)
    /// centred on (`center_lat_deg`, `center_lon_deg`), covering at least `half_extent_km`
    /// in every direction, at 1″ spacing (coarser for very large extents, see
    /// [`synthetic::Params`]). Bit-identical for the same arguments on any thread count.
    ///
    /// # Errors
    /// [`TerrainError::InvalidInput`] for a non-finite or polar centre (|lat| > 80°) or an
    /// extent outside (0, 500] km.
    pub fn synthetic(
        seed: u64,
        center_lat_deg: f64,
        center_lon_deg: f64,
        half_extent_km: f64,
    ) -> Result<Terrain, TerrainError> {
        let dem = synthetic::Params::new(seed, center_lat_deg, center_lon_deg, half_extent_km)
            .generate()?;
        Ok(Terrain {
            inner: Inner::Grid(dem),
            source: TerrainSource::Synthetic {
                seed,
                center_lat_deg,
                center_lon_deg,
                half_extent_km,
            },
            name: format!("synthetic terrain (seed {seed})"),
        })
    }

    /// A directory of SRTM1/SRTM3 `.hgt` tiles, memory-mapped, stitched across tile edges.
    /// Files are checked (name and size) now; each tile's samples are validated and its small
    /// voids filled on first use.
    ///
    /// # Errors
    /// [`TerrainError::Io`] if the directory cannot be read, [`TerrainError::Format`] for a
    /// `.hgt` file with a bad name or size, or a directory without `.hgt` files.
    pub fn srtm_dir(dir: impl AsRef<Path>) -> Result<Terrain, TerrainError> {
        let dir = dir.as_ref();
        let s = srtm::SrtmDir::open(dir)?;
        Ok(Terrain {
            inner: Inner::Srtm(s),
            source: TerrainSource::Srtm {
                dir: dir.to_path_buf(),
            },
            name: dir.display().to_string(),
        })
    }

    /// A single-band int16/float32 GeoTIFF DEM in EPSG:4326 (strips or tiles, PixelIsArea or
    /// PixelIsPoint); nodata samples are voids, small ones filled.
    ///
    /// # Errors
    /// [`TerrainError::GeoTiff`] when the file cannot be read or is not a geographic
    /// EPSG:4326 single-band DEM.
    pub fn geotiff(path: impl AsRef<Path>) -> Result<Terrain, TerrainError> {
        let path = path.as_ref();
        let mut dem = geotiff_dem::read_dem(path)?;
        let left = dem.fill_small_voids();
        if left > 0 {
            tracing::warn!(
                file = %path.display(),
                void_samples = left,
                "GeoTIFF DEM has voids too large to fill; queries touching them fail"
            );
        }
        Ok(Terrain {
            inner: Inner::Grid(dem),
            source: TerrainSource::GeoTiff {
                path: path.to_path_buf(),
            },
            name: path.display().to_string(),
        })
    }

    /// Wrap an in-memory grid (voids stay as they are).
    ///
    /// # Errors
    /// [`TerrainError::InvalidInput`] if the grid breaks [`Dem::validate`].
    pub fn from_dem(dem: Dem) -> Result<Terrain, TerrainError> {
        dem.validate()?;
        Ok(Terrain {
            inner: Inner::Grid(dem),
            source: TerrainSource::Dem,
            name: "the DEM".into(),
        })
    }

    /// Where this terrain comes from.
    pub fn source(&self) -> &TerrainSource {
        &self.source
    }

    /// The files read (GeoTIFF path or the `.hgt` tiles found), for checksums in run.json.
    pub fn input_files(&self) -> Vec<PathBuf> {
        match (&self.inner, &self.source) {
            (Inner::Srtm(s), _) => s.files(),
            (_, TerrainSource::GeoTiff { path }) => vec![path.clone()],
            _ => Vec::new(),
        }
    }

    /// Bounding box of the data (for SRTM: of all tiles present; holes between tiles are not
    /// reflected).
    pub fn bounds(&self) -> Bounds {
        match &self.inner {
            Inner::Grid(d) => Bounds {
                south_deg: d.south_deg,
                north_deg: d.north_deg(),
                west_deg: d.west_deg,
                east_deg: d.east_deg(),
            },
            Inner::Srtm(s) => s.bounds(),
        }
    }

    /// The in-memory grid, for synthetic, GeoTIFF and [`Terrain::from_dem`] terrain
    /// (`None` for SRTM directories).
    pub fn dem(&self) -> Option<&Dem> {
        match &self.inner {
            Inner::Grid(d) => Some(d),
            Inner::Srtm(_) => None,
        }
    }

    /// Native sample spacing (latitude, longitude) in degrees; for SRTM directories the finest
    /// tile's.
    pub fn step_deg(&self) -> (f64, f64) {
        match &self.inner {
            Inner::Grid(d) => (d.step_lat_deg, d.step_lon_deg),
            Inner::Srtm(s) => (s.min_step_deg(), s.min_step_deg()),
        }
    }

    /// Native sample spacing at latitude `lat_deg`, metres: the finer of the north–south and
    /// east–west spacings (on the sphere of radius [`EARTH_RADIUS_M`]).
    pub fn spacing_m(&self, lat_deg: f64) -> f64 {
        let (dy, dx) = self.spacing_ns_ew_m(lat_deg);
        dy.min(dx)
    }

    /// Native spacing along a path leaving `lat_deg` at azimuth `azimuth_deg`, metres: the
    /// length of a unit step in grid coordinates in that direction,
    /// `1/√((cos az/dy)² + (sin az/dx)²)` with `dy`, `dx` the north–south and east–west
    /// spacings. Equals `dy` due north and `dx` due east.
    pub fn spacing_along_m(&self, lat_deg: f64, azimuth_deg: f64) -> f64 {
        let (dy, dx) = self.spacing_ns_ew_m(lat_deg);
        let (s, c) = azimuth_deg.to_radians().sin_cos();
        1.0 / ((c / dy).powi(2) + (s / dx).powi(2)).sqrt()
    }

    fn spacing_ns_ew_m(&self, lat_deg: f64) -> (f64, f64) {
        let (slat, slon) = self.step_deg();
        let m_per_deg = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        // Keep a usable east–west spacing at the poles.
        let coslat = lat_deg.to_radians().cos().abs().max(1e-6);
        (slat * m_per_deg, slon * m_per_deg * coslat)
    }

    /// Bilinear ground elevation at (lat, lon), metres above mean sea level.
    ///
    /// # Errors
    /// [`TerrainError::OutOfBounds`] outside the data, [`TerrainError::MissingTile`] in an
    /// absent SRTM tile, [`TerrainError::Void`] on an unfilled void,
    /// [`TerrainError::Format`] if the SRTM tile turns out corrupt when first used,
    /// [`TerrainError::InvalidInput`] for a non-finite coordinate.
    pub fn elevation(&self, lat_deg: f64, lon_deg: f64) -> Result<f64, TerrainError> {
        check_point(lat_deg, lon_deg)?;
        let mut hint = usize::MAX;
        self.sample(lat_deg, lon_deg, &mut hint)
    }

    /// Elevation without argument checks; `hint` caches the last SRTM tile used
    /// (start with `usize::MAX`).
    #[inline]
    pub(crate) fn sample(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        hint: &mut usize,
    ) -> Result<f64, TerrainError> {
        match &self.inner {
            Inner::Grid(d) => d.elevation(lat_deg, lon_deg).map_err(|e| match e {
                TerrainError::Void {
                    lat_deg, lon_deg, ..
                } => TerrainError::Void {
                    lat_deg,
                    lon_deg,
                    source_name: self.name.clone(),
                },
                e => e,
            }),
            Inner::Srtm(s) => s.elevation(lat_deg, lon_deg, hint),
        }
    }

    /// Terrain profile along the great circle from (lat0, lon0) (index 0, the transmitter) to
    /// (lat1, lon1) (last index), at uniform spacing, bilinear elevations.
    ///
    /// With `spacing_m = None` the spacing is the DEM's own along the path
    /// ([`Terrain::spacing_along_m`] at the path's mid-latitude and initial azimuth). The path
    /// of length `d` gets `n = ceil(d/spacing) + 1` points (at least 2), so the returned
    /// `Profile::spacing_m = d/(n−1)` is at most the requested spacing and both endpoints are
    /// sampled exactly.
    ///
    /// # Errors
    /// Any [`Terrain::elevation`] error at a point of the path (the first one met),
    /// [`TerrainError::InvalidInput`] for non-finite or out-of-range coordinates, a spacing
    /// ≤ 0, or a path shorter than 1 mm.
    ///
    /// # References
    /// Great-circle geometry on a sphere: see [`profile`].
    pub fn profile(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        lat1_deg: f64,
        lon1_deg: f64,
        spacing_m: Option<f64>,
    ) -> Result<Profile, TerrainError> {
        let mut elevations_m = Vec::new();
        let spacing_m = self.profile_into(
            lat0_deg,
            lon0_deg,
            lat1_deg,
            lon1_deg,
            spacing_m,
            &mut elevations_m,
        )?;
        Ok(Profile {
            spacing_m,
            elevations_m,
        })
    }

    /// [`Terrain::profile`] into a caller-owned buffer (cleared first; no allocation once it
    /// has grown): returns the actual spacing in metres.
    ///
    /// # Errors
    /// As [`Terrain::profile`].
    pub fn profile_into(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        lat1_deg: f64,
        lon1_deg: f64,
        spacing_m: Option<f64>,
        out: &mut Vec<f64>,
    ) -> Result<f64, TerrainError> {
        check_point(lat0_deg, lon0_deg)?;
        check_point(lat1_deg, lon1_deg)?;
        let d = distance_m(lat0_deg, lon0_deg, lat1_deg, lon1_deg);
        if d < 1e-3 {
            return Err(TerrainError::InvalidInput(format!(
                "profile from {lat0_deg}, {lon0_deg} to {lat1_deg}, {lon1_deg} has zero length"
            )));
        }
        let az = azimuth_deg(lat0_deg, lon0_deg, lat1_deg, lon1_deg);
        let step = match spacing_m {
            Some(s) => s,
            None => self.spacing_along_m(0.5 * (lat0_deg + lat1_deg), az),
        };
        let n = point_count(d, step)?;
        let gc = profile::GreatCircle::new(lat0_deg, lon0_deg, az, d);
        self.fill_profile(&gc, n, Some((lat1_deg, lon1_deg)), out)?;
        Ok(d / (n - 1) as f64)
    }

    /// A radial profile: `length_m` along azimuth `azimuth_deg` (degrees clockwise from north)
    /// from (lat0, lon0), at spacing ≤ `spacing_m` (`n = ceil(length/spacing) + 1` points),
    /// into `out`; returns the actual spacing in metres. Coverage maps use one radial for
    /// every pixel along it.
    ///
    /// # Errors
    /// As [`Terrain::profile`].
    pub fn radial_into(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        azimuth_deg: f64,
        length_m: f64,
        spacing_m: f64,
        out: &mut Vec<f64>,
    ) -> Result<f64, TerrainError> {
        check_point(lat0_deg, lon0_deg)?;
        if !(length_m.is_finite() && length_m >= 1e-3 && azimuth_deg.is_finite()) {
            return Err(TerrainError::InvalidInput(format!(
                "radial of length {length_m} m at azimuth {azimuth_deg}°"
            )));
        }
        let n = point_count(length_m, spacing_m)?;
        let gc = profile::GreatCircle::new(lat0_deg, lon0_deg, azimuth_deg, length_m);
        self.fill_profile(&gc, n, None, out)?;
        Ok(length_m / (n - 1) as f64)
    }

    fn fill_profile(
        &self,
        gc: &profile::GreatCircle,
        n: usize,
        end: Option<(f64, f64)>,
        out: &mut Vec<f64>,
    ) -> Result<(), TerrainError> {
        out.clear();
        out.reserve(n);
        let mut hint = usize::MAX;
        let mut err = None;
        gc.for_each_point(n, |i, lat, lon| {
            let (lat, lon) = match end {
                Some(e) if i == n - 1 => e,
                _ => (lat, lon),
            };
            match self.sample(lat, lon, &mut hint) {
                Ok(z) => {
                    out.push(z);
                    true
                }
                Err(e) => {
                    err = Some(e);
                    false
                }
            }
        });
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// `ceil(d/spacing) + 1` points, at least 2 (a tolerance keeps exact multiples exact).
fn point_count(d_m: f64, spacing_m: f64) -> Result<usize, TerrainError> {
    if !(spacing_m.is_finite() && spacing_m > 0.0) {
        return Err(TerrainError::InvalidInput(format!(
            "profile spacing must be positive, got {spacing_m} m"
        )));
    }
    let steps = (d_m / spacing_m * (1.0 - 1e-12)).ceil().max(1.0);
    if steps > 1e8 {
        return Err(TerrainError::InvalidInput(format!(
            "profile of {d_m} m at {spacing_m} m spacing has too many points"
        )));
    }
    Ok(steps as usize + 1)
}

fn check_point(lat_deg: f64, lon_deg: f64) -> Result<(), TerrainError> {
    if lat_deg.is_finite() && lon_deg.is_finite() && lat_deg.abs() <= 90.0 {
        Ok(())
    } else {
        Err(TerrainError::InvalidInput(format!(
            "coordinate {lat_deg}°, {lon_deg}° is not a valid latitude/longitude"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane() -> Dem {
        // z = 100 + 1000·lat + 2000·lon over a 1°×1° cell grid at 0.01° spacing
        let (rows, cols) = (101, 101);
        let mut data = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                let lat = 1.0 - r as f64 * 0.01;
                let lon = c as f64 * 0.01;
                data.push((100.0 + 1000.0 * lat + 2000.0 * lon) as f32);
            }
        }
        Dem {
            south_deg: 0.0,
            west_deg: 0.0,
            step_lat_deg: 0.01,
            step_lon_deg: 0.01,
            rows,
            cols,
            data,
        }
    }

    #[test]
    fn bilinear_and_bounds() {
        let dem = Dem {
            south_deg: 0.0,
            west_deg: 0.0,
            step_lat_deg: 1.0,
            step_lon_deg: 1.0,
            rows: 2,
            cols: 2,
            data: vec![10.0, 20.0, 30.0, 40.0], // row 0 is north (lat 1)
        };
        assert_eq!(dem.elevation(1.0, 0.0).unwrap(), 10.0);
        assert_eq!(dem.elevation(0.0, 1.0).unwrap(), 40.0);
        assert!((dem.elevation(0.5, 0.5).unwrap() - 25.0).abs() < 1e-9);
        assert!(matches!(
            dem.elevation(1.5, 0.5),
            Err(TerrainError::OutOfBounds { .. })
        ));
    }

    #[test]
    fn void_is_an_error_not_zero() {
        let dem = Dem {
            south_deg: 0.0,
            west_deg: 0.0,
            step_lat_deg: 1.0,
            step_lon_deg: 1.0,
            rows: 2,
            cols: 2,
            data: vec![10.0, f32::NAN, 30.0, 40.0],
        };
        assert!(matches!(
            dem.elevation(0.5, 0.5),
            Err(TerrainError::Void { .. })
        ));
    }

    #[test]
    fn point_counts() {
        assert_eq!(point_count(30_000.0, 30.0).unwrap(), 1001);
        assert_eq!(point_count(30_001.0, 30.0).unwrap(), 1002);
        assert_eq!(point_count(0.5, 30.0).unwrap(), 2);
        assert!(point_count(10.0, 0.0).is_err());
        assert!(point_count(10.0, f64::NAN).is_err());
    }

    #[test]
    fn plane_profile_is_linear_in_position() {
        let t = Terrain::from_dem(plane()).unwrap();
        let p = t.profile(0.2, 0.3, 0.2, 0.7, Some(100.0)).unwrap();
        let n = p.elevations_m.len();
        assert_eq!(
            n,
            (distance_m(0.2, 0.3, 0.2, 0.7) / 100.0).ceil() as usize + 1
        );
        assert!((p.elevations_m[0] - (100.0 + 200.0 + 600.0)).abs() < 1e-3);
        assert!((p.elevations_m[n - 1] - (100.0 + 200.0 + 1400.0)).abs() < 1e-3);
    }

    #[test]
    fn terrain_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Terrain>();
    }

    #[test]
    fn bad_inputs_are_errors() {
        let t = Terrain::from_dem(plane()).unwrap();
        assert!(t.elevation(f64::NAN, 0.5).is_err());
        assert!(t.elevation(91.0, 0.5).is_err());
        assert!(t.profile(0.5, 0.5, 0.5, 0.5, None).is_err());
        assert!(t.profile(0.5, 0.5, 0.6, 0.5, Some(-1.0)).is_err());
        assert!(matches!(
            t.profile(0.5, 0.5, 1.5, 0.5, None),
            Err(TerrainError::OutOfBounds { .. })
        ));
    }
}
