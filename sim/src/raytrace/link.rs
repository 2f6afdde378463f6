//! Point-to-point tracing on terrain given as an elevation function of latitude and
//! longitude (a scenario's DEM or synthetic terrain): a local mesh around the link, the full
//! 3-D path solver, paths in local ENU coordinates. This is what `lastmile path … --model
//! raytrace` lists.

use super::paths::{LinkPaths, TraceConfig, Tracer};
use super::scene::{
    enu_offset_m, EarthModel, Heightfield, Scene, SceneOptions, Site, METRES_PER_DEG,
};
use super::RaytraceError;
use crate::propagation::Ground;

/// A link between two geographic points, antennas above ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointToPoint {
    /// TX latitude, degrees.
    pub tx_lat_deg: f64,
    /// TX longitude, degrees east.
    pub tx_lon_deg: f64,
    /// TX antenna height above ground, m (≥ 0).
    pub tx_height_m: f64,
    /// RX latitude, degrees.
    pub rx_lat_deg: f64,
    /// RX longitude, degrees east.
    pub rx_lon_deg: f64,
    /// RX antenna height above ground, m (≥ 0).
    pub rx_height_m: f64,
    /// Finest mesh spacing, m (the terrain's own resolution).
    pub min_cell_m: f64,
    /// Most grid points of the local mesh; the spacing grows to stay under it.
    pub max_points: usize,
    /// Earth curvature.
    pub earth: EarthModel,
    /// Ground constants of the mesh.
    pub ground: Ground,
}

/// The traced link.
#[derive(Debug, Clone, PartialEq)]
pub struct PointToPointTrace {
    /// Paths (interaction points in scene coordinates; see [`PointToPointTrace::enu`]).
    pub link: LinkPaths,
    /// Mesh spacing used, m.
    pub cell_m: f64,
    /// Triangles of the local mesh.
    pub triangles: usize,
    /// The scene's earth model.
    pub earth: EarthModel,
}

impl PointToPointTrace {
    /// A scene point as (east, north, elevation above the datum), metres from the TX's foot.
    pub fn enu(&self, p: super::geom::Vec3) -> (f64, f64, f64) {
        let q = self.earth.unplace(p);
        (q.x, q.y, q.z)
    }
}

/// Trace one link: a mesh of the rectangle around both ends (margin 10 % of the distance, at
/// least 200 m) sampled from `elevation(lat, lon)` (metres, `None` = no data), origin at the
/// TX, then [`Tracer::trace`].
///
/// # Errors
/// [`RaytraceError::InvalidInput`] for a bad height, spacing or point budget;
/// [`RaytraceError::Terrain`] where `elevation` has no data inside the rectangle; the
/// errors of [`Scene::from_heightfield`] and [`Tracer::trace`].
pub fn trace_point_to_point(
    elevation: impl Fn(f64, f64) -> Option<f64>,
    p: &PointToPoint,
    cfg: &TraceConfig,
) -> Result<PointToPointTrace, RaytraceError> {
    trace_point_to_point_with_cover(elevation, p, cfg, None)
}

/// [`trace_point_to_point`] on a land cover: mesh cells take their class's ground constants
/// and every path the P.833 loss of the canopy it crosses
/// ([`super::landcover::scene_with_land_cover`]; cells without a class keep `p.ground`).
///
/// # Errors
/// As [`trace_point_to_point`].
pub fn trace_point_to_point_with_cover(
    elevation: impl Fn(f64, f64) -> Option<f64>,
    p: &PointToPoint,
    cfg: &TraceConfig,
    cover: Option<&super::landcover::LandCover>,
) -> Result<PointToPointTrace, RaytraceError> {
    let bad = |m: String| Err(RaytraceError::InvalidInput(m));
    if !(p.tx_height_m >= 0.0 && p.rx_height_m >= 0.0) {
        return bad("antenna heights must be ≥ 0 m above ground".into());
    }
    if !(p.min_cell_m > 0.0 && p.min_cell_m.is_finite()) || p.max_points < 16 {
        return bad(format!(
            "mesh spacing {} m / {} points",
            p.min_cell_m, p.max_points
        ));
    }
    let (rx_x, rx_y) = enu_offset_m(p.tx_lat_deg, p.tx_lon_deg, p.rx_lat_deg, p.rx_lon_deg);
    let dist = rx_x.hypot(rx_y);
    let margin = (0.1 * dist).max(200.0);
    let (x0, x1) = (rx_x.min(0.0) - margin, rx_x.max(0.0) + margin);
    let (y0, y1) = (rx_y.min(0.0) - margin, rx_y.max(0.0) + margin);
    let area = (x1 - x0) * (y1 - y0);
    let cell = p.min_cell_m.max((area / p.max_points as f64).sqrt());
    let nx = ((x1 - x0) / cell).ceil() as usize + 1;
    let ny = ((y1 - y0) / cell).ceil() as usize + 1;
    let coslat = p.tx_lat_deg.to_radians().cos();
    let missing = std::cell::Cell::new(None);
    let hf = Heightfield::from_fn(x0, y0, cell, cell, nx, ny, |x, y| {
        let lat = p.tx_lat_deg + y / METRES_PER_DEG;
        let lon = p.tx_lon_deg + x / (METRES_PER_DEG * coslat);
        match elevation(lat, lon) {
            Some(z) if z.is_finite() => z,
            _ => {
                if missing.get().is_none() {
                    missing.set(Some((lat, lon)));
                }
                0.0
            }
        }
    });
    if let Some((lat, lon)) = missing.get() {
        return Err(RaytraceError::Terrain(format!(
            "no terrain at {lat:.5}°N, {lon:.5}°E (the mesh around the link reaches {margin:.0} m past its ends)"
        )));
    }
    let opts = SceneOptions {
        earth: p.earth,
        ground: p.ground,
        ..SceneOptions::default()
    };
    let scene = match cover {
        Some(c) => super::landcover::scene_with_land_cover(
            hf,
            &opts,
            c.with_origin(p.tx_lat_deg, p.tx_lon_deg),
            super::scene::GroundClass::Average,
            None,
        )?,
        None => Scene::from_heightfield(hf, &opts)?,
    };
    let tracer = Tracer::new(&scene, cfg)?;
    let mut out = tracer.trace(
        &Site::agl(0.0, 0.0, p.tx_height_m),
        &[Site::agl(rx_x, rx_y, p.rx_height_m)],
    )?;
    Ok(PointToPointTrace {
        link: out.remove(0),
        cell_m: cell,
        triangles: scene.triangles(),
        earth: p.earth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::C_M_PER_S;

    /// Flat terrain: the direct path's delay is the antenna distance over c, and the ground
    /// reflection is there; a hole in the terrain is a clear error.
    #[test]
    fn flat_link_direct_and_reflection() {
        let p = PointToPoint {
            tx_lat_deg: 40.0,
            tx_lon_deg: -100.0,
            tx_height_m: 30.0,
            rx_lat_deg: 40.009,
            rx_lon_deg: -100.003,
            rx_height_m: 10.0,
            min_cell_m: 30.0,
            max_points: 10_000,
            earth: EarthModel::Flat,
            ground: Ground::default(),
        };
        let mut cfg = TraceConfig::new(600e6);
        cfg.rays = 20_000;
        cfg.focus_rays = 20_000;
        let t = trace_point_to_point(|_, _| Some(250.0), &p, &cfg).unwrap();
        let (x, y) = enu_offset_m(40.0, -100.0, 40.009, -100.003);
        let d = (x * x + y * y + 20.0 * 20.0).sqrt();
        let direct = t.link.paths.iter().find(|q| q.line_of_sight).unwrap();
        assert!((direct.delay_s * C_M_PER_S - d).abs() < 1e-6, "{direct:?}");
        assert!(t.link.paths.iter().any(|q| q.reflections() == 1));
        assert!(t.triangles > 0 && t.cell_m >= 30.0);
        let e = trace_point_to_point(|lat, _| (lat < 40.005).then_some(250.0), &p, &cfg);
        assert!(matches!(e, Err(RaytraceError::Terrain(_))), "{e:?}");
    }
}
