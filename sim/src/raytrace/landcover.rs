//! Land cover for the ray tracer: a class raster (EPSG:4326 GeoTIFF, as the terrain rasters)
//! with a class table that gives each class a canopy/clutter height, a specific attenuation
//! for ITU-R P.833 vegetation loss, and ground electrical constants (ITU-R P.527).
//!
//! The raster is looked up at the scene's flat-frame positions by inverting the scene's ENU
//! projection ([`super::scene::enu_offset_m`]), pixel-area convention as
//! [`crate::geotiff`]. It enters a [`Scene`] twice (see [`scene_with_land_cover`]):
//! * ground constants per mesh cell, from the class at the cell centre (reflections);
//! * a vegetation layer: a path point inside a cell whose class has a canopy, below the canopy
//!   top, accumulates canopy depth and `γ·length`, and the path's excess loss is P.833's
//!   `A_m (1 − exp(−γd/A_m))` as for vegetation polygons ([`super::vegetation`]).
//!
//! # References
//! ITU-R P.833-9 §3 (one terminal in woodland; Fig. 2 specific attenuation, about
//! 0.1–0.3 dB/m at 0.5–1 GHz); ITU-R P.527-3 (ground constants); OGC GeoTIFF 1.1.

use std::path::Path;

use super::scene::{GroundClass, Heightfield, Scene, SceneOptions, METRES_PER_DEG};
use super::vegetation::Vegetation;
use super::RaytraceError;
use crate::geotiff::GeoRaster;
use crate::propagation::{GroundPath, Link, LossReport, PathLoss, PropagationError};

/// One land-cover class.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverClass {
    /// Raster code.
    pub code: u8,
    /// Name, for messages.
    pub name: String,
    /// Canopy or clutter height above ground, m (0: open).
    pub height_m: f64,
    /// Specific attenuation inside the canopy at the carrier, dB/m (P.833 Fig. 2).
    pub specific_db_per_m: f64,
    /// Ground electrical constants.
    pub ground: GroundClass,
}

/// The class table: code → class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassTable {
    /// Classes, codes distinct.
    pub classes: Vec<CoverClass>,
}

impl ClassTable {
    /// A rural UHF table: 1 open/grass, 2 cropland, 3 forest (15 m, 0.15 dB/m, P.833 Fig. 2
    /// near 600 MHz), 4 shrub (3 m, 0.1 dB/m), 5 open water (fresh), 6 wetland (wet ground),
    /// 7 built-up clutter (8 m, 0.3 dB/m).
    pub fn rural_uhf() -> ClassTable {
        let c = |code, name: &str, h, g, ground| CoverClass {
            code,
            name: name.into(),
            height_m: h,
            specific_db_per_m: g,
            ground,
        };
        ClassTable {
            classes: vec![
                c(1, "open", 0.0, 0.0, GroundClass::Average),
                c(2, "cropland", 0.0, 0.0, GroundClass::MediumDry),
                c(3, "forest", 15.0, 0.15, GroundClass::Average),
                c(4, "shrub", 3.0, 0.1, GroundClass::MediumDry),
                c(5, "water", 0.0, 0.0, GroundClass::FreshWater),
                c(6, "wetland", 0.0, 0.0, GroundClass::WetGround),
                c(7, "built-up", 8.0, 0.3, GroundClass::Average),
            ],
        }
    }

    /// The class of `code`.
    pub fn get(&self, code: u8) -> Option<&CoverClass> {
        self.classes.iter().find(|c| c.code == code)
    }

    fn check(&self) -> Result<(), RaytraceError> {
        for (i, c) in self.classes.iter().enumerate() {
            let ok = |x: f64| x >= 0.0 && x.is_finite();
            if !ok(c.height_m) || !ok(c.specific_db_per_m) {
                return Err(RaytraceError::InvalidInput(format!(
                    "land-cover class {} ({}): height and attenuation must be finite and ≥ 0",
                    c.code, c.name
                )));
            }
            if self.classes[..i].iter().any(|d| d.code == c.code) {
                return Err(RaytraceError::InvalidInput(format!(
                    "land-cover code {} is in the table twice",
                    c.code
                )));
            }
        }
        Ok(())
    }
}

/// A land-cover raster placed in a scene's frame.
#[derive(Debug, Clone, PartialEq)]
pub struct LandCover {
    /// Class codes, north-up, row-major (`u8::MAX` = no data).
    codes: Vec<u8>,
    width: usize,
    height: usize,
    west_deg: f64,
    north_deg: f64,
    pixel_deg_x: f64,
    pixel_deg_y: f64,
    /// The scene's ENU origin.
    lat0_deg: f64,
    lon0_deg: f64,
    /// Class table.
    pub table: ClassTable,
}

/// Code of "no data" pixels.
pub const NO_DATA: u8 = u8::MAX;

impl LandCover {
    /// A land cover from a raster of class codes, for a scene with ENU origin
    /// (`lat0_deg`, `lon0_deg`). Pixels equal to the raster's `nodata` (or NaN) are "no data"
    /// (scene defaults, no canopy).
    ///
    /// # Errors
    /// [`RaytraceError::InvalidInput`] for an invalid raster or table, a value that is not an
    /// integer code 0–254, or a code missing from the table.
    pub fn from_raster(
        r: &GeoRaster,
        lat0_deg: f64,
        lon0_deg: f64,
        table: ClassTable,
    ) -> Result<LandCover, RaytraceError> {
        r.validate()
            .map_err(|e| RaytraceError::InvalidInput(format!("land-cover raster: {e}")))?;
        table.check()?;
        let mut codes = Vec::with_capacity(r.data.len());
        for (k, &v) in r.data.iter().enumerate() {
            if v.is_nan() || v == r.nodata {
                codes.push(NO_DATA);
                continue;
            }
            if !(0.0..255.0).contains(&v) || v.fract() != 0.0 {
                return Err(RaytraceError::InvalidInput(format!(
                    "land-cover pixel (row {}, column {}) = {v} is not a class code 0–254",
                    k / r.width,
                    k % r.width
                )));
            }
            let c = v as u8;
            if table.get(c).is_none() {
                return Err(RaytraceError::InvalidInput(format!(
                    "land-cover code {c} (row {}, column {}) is not in the class table",
                    k / r.width,
                    k % r.width
                )));
            }
            codes.push(c);
        }
        Ok(LandCover {
            codes,
            width: r.width,
            height: r.height,
            west_deg: r.west_deg,
            north_deg: r.north_deg,
            pixel_deg_x: r.pixel_deg_x,
            pixel_deg_y: r.pixel_deg_y,
            lat0_deg,
            lon0_deg,
            table,
        })
    }

    /// Read a class GeoTIFF (EPSG:4326, one band, integer or float samples).
    ///
    /// # Errors
    /// [`RaytraceError::Terrain`] when the file cannot be read as a GeoTIFF; as
    /// [`LandCover::from_raster`].
    pub fn read_geotiff(
        path: &Path,
        lat0_deg: f64,
        lon0_deg: f64,
        table: ClassTable,
    ) -> Result<LandCover, RaytraceError> {
        let r = crate::geotiff::read_f32(path)
            .map_err(|e| RaytraceError::Terrain(format!("land cover {}: {e}", path.display())))?;
        LandCover::from_raster(&r, lat0_deg, lon0_deg, table)
    }

    /// The class at flat-frame position (`x_m` east, `y_m` north); `None` outside the raster
    /// or on no-data pixels.
    pub fn class_at(&self, x_m: f64, y_m: f64) -> Option<&CoverClass> {
        let lat = self.lat0_deg + y_m / METRES_PER_DEG;
        let lon = self.lon0_deg + x_m / (METRES_PER_DEG * self.lat0_deg.to_radians().cos());
        self.class_at_geo(lat, lon)
    }

    /// The same cover for a scene with ENU origin (`lat0_deg`, `lon0_deg`).
    pub fn with_origin(&self, lat0_deg: f64, lon0_deg: f64) -> LandCover {
        LandCover {
            lat0_deg,
            lon0_deg,
            ..self.clone()
        }
    }

    /// The class at (`lat`, `lon`) degrees; `None` outside the raster or on no-data pixels.
    pub fn class_at_geo(&self, lat: f64, lon: f64) -> Option<&CoverClass> {
        let c = ((lon - self.west_deg) / self.pixel_deg_x).floor();
        let r = ((self.north_deg - lat) / self.pixel_deg_y).floor();
        if !(c >= 0.0 && r >= 0.0 && (c as usize) < self.width && (r as usize) < self.height) {
            return None;
        }
        let code = self.codes[r as usize * self.width + c as usize];
        if code == NO_DATA {
            None
        } else {
            self.table.get(code)
        }
    }

    /// Ground class of every mesh cell of `hf` (class at the cell centre, `default` where
    /// there is none), row-major from the south row: [`SceneOptions::ground_classes`].
    pub fn ground_classes(&self, hf: &Heightfield, default: GroundClass) -> Vec<GroundClass> {
        let mut out = Vec::with_capacity((hf.nx - 1) * (hf.ny - 1));
        for j in 0..hf.ny - 1 {
            for i in 0..hf.nx - 1 {
                let x = hf.x0_m + (i as f64 + 0.5) * hf.dx_m;
                let y = hf.y0_m + (j as f64 + 0.5) * hf.dy_m;
                out.push(self.class_at(x, y).map_or(default, |c| c.ground));
            }
        }
        out
    }

    /// Canopy height (m) and specific attenuation (dB/m) at (`x_m`, `y_m`), if any.
    pub fn canopy_at(&self, x_m: f64, y_m: f64) -> Option<(f64, f64)> {
        self.class_at(x_m, y_m)
            .filter(|c| c.height_m > 0.0 && c.specific_db_per_m > 0.0)
            .map(|c| (c.height_m, c.specific_db_per_m))
    }
}

/// The vertical-plane ray tracer ([`super::Raytracer`]) with a land cover: on a link whose
/// geographic ends are known ([`PathLoss::loss_on_ground`], as coverage maps call it) every
/// ray takes P.833's excess loss for the canopy it crosses, the canopy of each profile point
/// being its class's height and specific attenuation; [`PathLoss::loss`] alone (no
/// geography) is the plain ray tracer.
#[derive(Debug, Clone)]
pub struct LandCoverRaytracer {
    /// The ray tracer.
    pub model: super::Raytracer,
    /// The land cover (only its geographic lookup is used).
    pub cover: std::sync::Arc<LandCover>,
}

impl PathLoss for LandCoverRaytracer {
    fn id(&self) -> &'static str {
        "raytrace"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        self.model.loss(link)
    }

    fn loss_on_ground(
        &self,
        link: &Link<'_>,
        ends: &GroundPath,
    ) -> Result<LossReport, PropagationError> {
        let n = link.profile.elevations_m.len();
        let last = n.saturating_sub(1).max(1) as f64;
        let canopy: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let t = i as f64 / last;
                let lat = ends.tx_lat_deg + t * (ends.rx_lat_deg - ends.tx_lat_deg);
                let lon = ends.tx_lon_deg + t * (ends.rx_lon_deg - ends.tx_lon_deg);
                self.cover
                    .class_at_geo(lat, lon)
                    .filter(|c| c.height_m > 0.0 && c.specific_db_per_m > 0.0)
                    .map_or((0.0, 0.0), |c| (c.height_m, c.specific_db_per_m))
            })
            .collect();
        self.model.loss_with_canopy(link, Some(&canopy))
    }
}

/// A scene whose ground constants and vegetation come from `cover`: mesh cells take the
/// ground class of their centre (`default` where the raster has none), and the cover's canopy
/// classes form the vegetation layer (after any `polygons` already given).
///
/// # Errors
/// As [`Scene::from_heightfield`].
pub fn scene_with_land_cover(
    hf: Heightfield,
    opts: &SceneOptions,
    cover: LandCover,
    default: GroundClass,
    polygons: Option<Vegetation>,
) -> Result<Scene, RaytraceError> {
    let mut o = opts.clone();
    o.ground_classes = Some(cover.ground_classes(&hf, default));
    let scene = Scene::from_heightfield(hf, &o)?;
    let mut veg = polygons.unwrap_or_default();
    veg.land_cover = Some(cover);
    Ok(scene.with_vegetation(veg))
}
