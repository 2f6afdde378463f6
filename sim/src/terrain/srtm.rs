//! SRTM `.hgt` tiles: reading one tile, and a memory-mapped directory of tiles stitched into
//! one surface.
//!
//! A tile `N40W100.hgt` covers 40–41°N, 100–99°W with `n × n` big-endian int16 samples
//! (`n` = 1201 for SRTM3, 3″; 3601 for SRTM1, 1″), row 0 at the north edge, the corner samples
//! on the corners, so neighbouring tiles share their edge rows/columns. A point is looked up in
//! the tile `floor(lat), floor(lon)`; a point exactly on a shared edge may use either tile.
//! Because of the shared edges every bilinear cell lies inside one tile, so stitching needs no
//! cross-tile interpolation. Void filling works per tile (rays stop at the tile edge).
//!
//! The mapping is read-only; as with any memory map, a tile file truncated or rewritten by
//! another process while mapped is undefined behaviour, so do not modify tiles during a run.
//!
//! # References
//! NASA SRTM v3 (SRTMGL1/SRTMGL3) user guide: file naming, layout, void value −32768.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use memmap2::Mmap;

use super::{bilinear, voids, Bounds, Dem, Sample, TerrainError, HGT_VOID};

/// Samples per side of an SRTM3 tile.
pub const SRTM3_N: usize = 1201;
/// Samples per side of an SRTM1 tile.
pub const SRTM1_N: usize = 3601;

/// Valid SRTM elevations lie in this range (Dead Sea shore −430 m, Everest 8849 m); samples
/// outside it (other than the void value) mean a corrupt or wrongly-encoded file.
const PLAUSIBLE_M: std::ops::RangeInclusive<i16> = -1000..=9000;

/// South-west corner (lat, lon) from an SRTM tile name such as `N40W100.hgt`.
pub fn parse_hgt_name(path: &Path) -> Option<(f64, f64)> {
    let stem = path.file_stem()?.to_str()?.to_ascii_uppercase();
    let b = stem.as_bytes();
    if b.len() != 7 || !b[1..3].iter().chain(&b[4..7]).all(u8::is_ascii_digit) {
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
    if lat.abs() > 90.0 || lon.abs() > 180.0 {
        return None;
    }
    Some((lat, lon))
}

/// The tile file name for the tile whose south-west corner is (`south_deg`, `west_deg`),
/// e.g. `tile_name(40, -100)` = `"N40W100.hgt"`.
pub fn tile_name(south_deg: i32, west_deg: i32) -> String {
    format!(
        "{}{:02}{}{:03}.hgt",
        if south_deg >= 0 { 'N' } else { 'S' },
        south_deg.unsigned_abs(),
        if west_deg >= 0 { 'E' } else { 'W' },
        west_deg.unsigned_abs()
    )
}

/// Samples per side for a file of `len` bytes, or a clear error.
fn side_for_len(path: &Path, len: u64) -> Result<usize, TerrainError> {
    let bytes = |n: usize| (n * n * 2) as u64;
    if len == bytes(SRTM3_N) {
        Ok(SRTM3_N)
    } else if len == bytes(SRTM1_N) {
        Ok(SRTM1_N)
    } else {
        Err(TerrainError::Format {
            path: path.display().to_string(),
            what: format!(
                "{len} bytes is neither an SRTM3 tile (1201×1201 int16 = {} bytes) nor an SRTM1 \
                 tile (3601×3601 int16 = {} bytes): truncated or not an .hgt file",
                bytes(SRTM3_N),
                bytes(SRTM1_N)
            ),
        })
    }
}

fn corner(path: &Path) -> Result<(f64, f64), TerrainError> {
    parse_hgt_name(path).ok_or_else(|| TerrainError::Format {
        path: path.display().to_string(),
        what: "file name is not an SRTM tile name like N40W100.hgt".into(),
    })
}

/// Count implausible samples (not void, outside [`PLAUSIBLE_M`]).
fn implausible(raw: impl Iterator<Item = i16>) -> usize {
    raw.filter(|&v| v != HGT_VOID && !PLAUSIBLE_M.contains(&v))
        .count()
}

fn implausible_error(path: &Path, count: usize) -> TerrainError {
    TerrainError::Format {
        path: path.display().to_string(),
        what: format!("{count} samples outside −1000…9000 m: corrupt, or not big-endian SRTM data"),
    }
}

/// Read one tile into memory (voids as NaN, not filled).
pub(crate) fn read_hgt(path: &Path) -> Result<Dem, TerrainError> {
    let p = path.display().to_string();
    let (south, west) = corner(path)?;
    let bytes = std::fs::read(path).map_err(|source| TerrainError::Io {
        path: p.clone(),
        source,
    })?;
    let n = side_for_len(path, bytes.len() as u64)?;
    let raw = || {
        bytes
            .chunks_exact(2)
            .map(|b| i16::from_be_bytes([b[0], b[1]]))
    };
    let bad = implausible(raw());
    if bad > 0 {
        return Err(implausible_error(path, bad));
    }
    let data = raw()
        .map(|v| {
            if v == HGT_VOID {
                f32::NAN
            } else {
                f32::from(v)
            }
        })
        .collect();
    let step = 1.0 / (n - 1) as f64;
    Ok(Dem {
        south_deg: south,
        west_deg: west,
        step_lat_deg: step,
        step_lon_deg: step,
        rows: n,
        cols: n,
        data,
    })
}

/// What a tile's first use established: its filled voids (empty when it has none).
struct TileState {
    filled: HashMap<u32, f32>,
}

struct Tile {
    path: PathBuf,
    south: f64,
    west: f64,
    n: usize,
    /// Samples per degree, `n − 1`.
    per_deg: f64,
    map: Mmap,
    state: OnceLock<Result<TileState, String>>,
}

impl Tile {
    #[inline(always)]
    fn raw(&self, i: usize) -> i16 {
        i16::from_be_bytes([self.map[2 * i], self.map[2 * i + 1]])
    }

    #[inline(always)]
    fn contains(&self, lat: f64, lon: f64) -> bool {
        lat >= self.south && lat <= self.south + 1.0 && lon >= self.west && lon <= self.west + 1.0
    }

    /// Validate samples and fill small voids, once.
    fn state(&self) -> Result<&TileState, TerrainError> {
        let st = self.state.get_or_init(|| {
            let total = self.n * self.n;
            let bad = implausible((0..total).map(|i| self.raw(i)));
            if bad > 0 {
                return Err(implausible_error(&self.path, bad).to_string());
            }
            let mut filled = HashMap::new();
            if (0..total).any(|i| self.raw(i) == HGT_VOID) {
                let n = self.n;
                let f = voids::fill(n, n, |r, c| {
                    let v = self.raw(r * n + c);
                    (v != HGT_VOID).then_some(f32::from(v))
                });
                if f.unfilled_cells > 0 {
                    tracing::warn!(
                        tile = %self.path.display(),
                        void_samples = f.unfilled_cells,
                        regions = f.unfilled_regions,
                        "SRTM tile has voids too large to fill; queries touching them fail"
                    );
                }
                tracing::debug!(tile = %self.path.display(), filled = f.filled.len(), "filled voids");
                filled = f.filled.into_iter().map(|(i, v)| (i as u32, v)).collect();
            }
            Ok(TileState { filled })
        });
        st.as_ref().map_err(|what| TerrainError::Format {
            path: String::new(),
            what: what.clone(),
        })
    }

    #[inline(always)]
    fn at(&self, st: &TileState, r: usize, c: usize) -> f32 {
        let i = r * self.n + c;
        let v = self.raw(i);
        if v == HGT_VOID {
            st.filled.get(&(i as u32)).copied().unwrap_or(f32::NAN)
        } else {
            f32::from(v)
        }
    }
}

/// A directory of SRTM tiles, memory-mapped. `Send + Sync`.
pub struct SrtmDir {
    dir: PathBuf,
    tiles: Vec<Tile>,
    index: HashMap<(i32, i32), usize>,
    min_step_deg: f64,
}

impl SrtmDir {
    /// Map every `*.hgt` file of `dir` (not recursive; name case ignored), checking names and
    /// sizes.
    ///
    /// # Errors
    /// [`TerrainError::Io`] for an unreadable directory or file, [`TerrainError::Format`] for a
    /// bad tile name or size, duplicate tiles, or no tiles at all.
    pub fn open(dir: &Path) -> Result<SrtmDir, TerrainError> {
        let io = |p: &Path| {
            let path = p.display().to_string();
            move |source| TerrainError::Io { path, source }
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .map(|e| e.map(|e| e.path()).map_err(io(dir)))
            .collect::<Result<_, _>>()?;
        paths.retain(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("hgt"))
        });
        paths.sort();
        if paths.is_empty() {
            return Err(TerrainError::Format {
                path: dir.display().to_string(),
                what: "no SRTM .hgt tiles in this directory".into(),
            });
        }
        let mut tiles = Vec::with_capacity(paths.len());
        let mut index = HashMap::new();
        let mut min_step_deg = f64::INFINITY;
        for path in paths {
            let (south, west) = corner(&path)?;
            let file = File::open(&path).map_err(io(&path))?;
            let len = file.metadata().map_err(io(&path))?.len();
            let n = side_for_len(&path, len)?;
            // SAFETY: read-only map of a regular file; the module docs state that tiles must
            // not be modified while mapped.
            let map = unsafe { Mmap::map(&file) }.map_err(io(&path))?;
            let key = (south as i32, west as i32);
            if let Some(&j) = index.get(&key) {
                let other: &Tile = &tiles[j];
                return Err(TerrainError::Format {
                    path: path.display().to_string(),
                    what: format!("duplicate tile (also {})", other.path.display()),
                });
            }
            index.insert(key, tiles.len());
            min_step_deg = min_step_deg.min(1.0 / (n - 1) as f64);
            tiles.push(Tile {
                path,
                south,
                west,
                n,
                per_deg: (n - 1) as f64,
                map,
                state: OnceLock::new(),
            });
        }
        Ok(SrtmDir {
            dir: dir.to_path_buf(),
            tiles,
            index,
            min_step_deg,
        })
    }

    /// The tile files, sorted.
    pub fn files(&self) -> Vec<PathBuf> {
        self.tiles.iter().map(|t| t.path.clone()).collect()
    }

    /// Finest sample spacing among the tiles, degrees.
    pub fn min_step_deg(&self) -> f64 {
        self.min_step_deg
    }

    /// Bounding box of all tiles.
    pub fn bounds(&self) -> Bounds {
        let mut b = Bounds {
            south_deg: f64::INFINITY,
            north_deg: f64::NEG_INFINITY,
            west_deg: f64::INFINITY,
            east_deg: f64::NEG_INFINITY,
        };
        for t in &self.tiles {
            b.south_deg = b.south_deg.min(t.south);
            b.north_deg = b.north_deg.max(t.south + 1.0);
            b.west_deg = b.west_deg.min(t.west);
            b.east_deg = b.east_deg.max(t.west + 1.0);
        }
        b
    }

    fn find(&self, lat: f64, lon: f64) -> Result<usize, TerrainError> {
        let (fl, fo) = (lat.floor(), lon.floor());
        let key = (fl as i32, fo as i32);
        if let Some(&i) = self.index.get(&key) {
            return Ok(i);
        }
        // On a shared edge the tile below/left holds the same samples.
        for (dl, dk) in [(1, 0), (0, 1), (1, 1)] {
            let on_edge = (dl == 0 || lat == fl) && (dk == 0 || lon == fo);
            if on_edge {
                if let Some(&i) = self.index.get(&(key.0 - dl, key.1 - dk)) {
                    return Ok(i);
                }
            }
        }
        Err(TerrainError::MissingTile {
            lat_deg: lat,
            lon_deg: lon,
            expected: self.dir.join(tile_name(key.0, key.1)),
        })
    }

    /// Bilinear elevation; `hint` caches the last tile index.
    #[inline]
    pub(crate) fn elevation(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        hint: &mut usize,
    ) -> Result<f64, TerrainError> {
        let ti = match self.tiles.get(*hint) {
            Some(t) if t.contains(lat_deg, lon_deg) => *hint,
            _ => {
                let i = self.find(lat_deg, lon_deg)?;
                *hint = i;
                i
            }
        };
        let t = &self.tiles[ti];
        let st = t.state().map_err(|e| match e {
            TerrainError::Format { what, .. } => TerrainError::Format {
                path: t.path.display().to_string(),
                what,
            },
            e => e,
        })?;
        let r = (t.south + 1.0 - lat_deg) * t.per_deg;
        let c = (lon_deg - t.west) * t.per_deg;
        match bilinear(r, c, t.n, t.n, |i, j| t.at(st, i, j)) {
            Sample::Value(z) => Ok(z),
            Sample::Outside => Err(TerrainError::OutOfBounds { lat_deg, lon_deg }),
            Sample::Void => Err(TerrainError::Void {
                lat_deg,
                lon_deg,
                source_name: t.path.display().to_string(),
            }),
        }
    }
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
        assert_eq!(parse_hgt_name(Path::new("N4+W100.hgt")), None);
        assert_eq!(tile_name(40, -100), "N40W100.hgt");
        assert_eq!(tile_name(-1, 9), "S01E009.hgt");
        assert_eq!(tile_name(0, 0), "N00E000.hgt");
    }
}
