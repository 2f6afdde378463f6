//! Coverage maps: per-site received power, best server and SINR over a lat/lon grid.
//!
//! # Method
//! The grid ([`Grid`]) covers the scenario's area at `resolution_m` (pixel centres; latitude
//! step `resolution_m / 111 195 m`, longitude step widened by `1/cos(centre latitude)` so
//! pixels are square on the ground at the centre). Each pixel is computed on its own — one
//! terrain profile from the site to the pixel centre at the terrain's own spacing, sampled
//! bilinearly, then the [`PathLoss`] model — so the result does not depend on how rayon
//! splits the work: `--threads 1` and `--threads 2` give the same bytes. This per-pixel
//! approach evaluates the model exactly at each pixel (SPLAT! evaluates along radials and
//! paints pixels it passes); it is measured against SPLAT! by `scripts/bench-vs-splat.sh`.
//!
//! Profile points are interpolated linearly in latitude/longitude between the two ends and
//! the path length is the haversine great-circle distance (spherical earth, radius
//! 6 371 km). Over the ≤ 300 km this supports, the linear track stays within a few metres of
//! the great circle, well under one DEM sample.
//!
//! Received power at a pixel from site *s*: `P = EIRP_peak + G_rel(az, depression) − L + G_rx`
//! (dBm). All sites share the carrier: the best server is the strongest site (ties go to the
//! first), and `SINR = P_best − 10·log10(Σ_{others} 10^{P/10} + N)` with the thermal noise
//! `N = −174 dBm/Hz + 10·log10(B) + NF` (dBm). Interferers are summed in site order.
//! [`compute_with_interference`] adds transmitters outside the network (TV stations in
//! white space) to the sum: see [`interference`].
//!
//! # References
//! - SPLAT! 1.4 documentation (area prediction along radials from the site, ITM per point).
//! - 3GPP TR 36.942 §4 (received power, SINR with co-channel interference).

pub mod input;
pub mod interference;
pub mod model;
pub mod summary;

pub use interference::{ExternalInterferer, Interference};

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::propagation::{Ground, Link, PathLoss, Profile};
use crate::scenario::{Area, Scenario, Site};

/// Metres per degree of latitude on the mean sphere (radius 6 371 km).
pub const M_PER_DEG: f64 = 6_371_000.0 * std::f64::consts::PI / 180.0;
/// Mean earth radius, m.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Largest grid accepted, pixels.
pub const MAX_PIXELS: usize = 40_000_000;

/// Errors computing coverage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoverageError {
    /// The area at this resolution has too many pixels.
    #[error("the coverage grid would have {rows}×{cols} pixels (limit {MAX_PIXELS}); raise resolution_m or shrink the area")]
    TooLarge {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// A site has no terrain under it.
    #[error("no terrain under site '{0}'")]
    NoTerrainAtSite(String),
}

/// Elevation data the engine can sample.
pub trait Elevation: Sync {
    /// Ground elevation at (lat, lon), metres; `None` where there is none.
    fn elevation_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64>;
    /// The terrain's own sample spacing along a meridian, metres (profiles use it).
    fn spacing_m(&self) -> f64;
    /// Human description (for diagnostics).
    fn describe(&self) -> String;
    /// Fill `out` with the terrain profile from (lat0, lon0) to (lat1, lon1), `distance_m`
    /// long, at the terrain's own spacing (at least 2 points); returns the spacing in metres,
    /// or `None` where terrain is missing. The default samples a straight line in
    /// latitude/longitude (see the module docs).
    fn profile_into(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        lat1_deg: f64,
        lon1_deg: f64,
        distance_m: f64,
        out: &mut Vec<f64>,
    ) -> Option<f64> {
        fill_profile(
            self,
            lat0_deg,
            lon0_deg,
            lat1_deg,
            lon1_deg,
            distance_m,
            self.spacing_m(),
            out,
        )
    }
}

/// A north-up lat/lon grid; values are at pixel centres, row 0 north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// North edge of row 0, degrees.
    pub north_deg: f64,
    /// West edge of column 0, degrees.
    pub west_deg: f64,
    /// Pixel height, degrees of latitude.
    pub dlat_deg: f64,
    /// Pixel width, degrees of longitude.
    pub dlon_deg: f64,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl Grid {
    /// The grid of a scenario's area.
    ///
    /// # Errors
    /// [`CoverageError::TooLarge`] beyond [`MAX_PIXELS`].
    pub fn for_scenario(sc: &Scenario) -> Result<Grid, CoverageError> {
        let b = sc.area_bbox();
        let mid = 0.5 * (b.south_deg + b.north_deg);
        let dlat = sc.coverage.resolution_m / M_PER_DEG;
        let dlon = dlat / mid.to_radians().cos();
        let rows = ((b.north_deg - b.south_deg) / dlat).ceil().max(1.0) as usize;
        let cols = ((b.east_deg - b.west_deg) / dlon).ceil().max(1.0) as usize;
        if rows.saturating_mul(cols) > MAX_PIXELS {
            return Err(CoverageError::TooLarge { rows, cols });
        }
        // Centre the grid on the box.
        let north = 0.5 * (b.north_deg + b.south_deg) + 0.5 * rows as f64 * dlat;
        let west = 0.5 * (b.west_deg + b.east_deg) - 0.5 * cols as f64 * dlon;
        Ok(Grid {
            north_deg: north,
            west_deg: west,
            dlat_deg: dlat,
            dlon_deg: dlon,
            rows,
            cols,
        })
    }

    /// Latitude of row `r`'s pixel centres.
    #[inline]
    pub fn lat(&self, r: usize) -> f64 {
        self.north_deg - (r as f64 + 0.5) * self.dlat_deg
    }

    /// Longitude of column `c`'s pixel centres.
    #[inline]
    pub fn lon(&self, c: usize) -> f64 {
        self.west_deg + (c as f64 + 0.5) * self.dlon_deg
    }

    /// Ground area of one pixel in row `r`, km².
    pub fn pixel_area_km2(&self, r: usize) -> f64 {
        let h = self.dlat_deg * M_PER_DEG / 1000.0;
        let w = self.dlon_deg * M_PER_DEG * self.lat(r).to_radians().cos() / 1000.0;
        h * w
    }

    /// Pixel (row, col) containing (lat, lon), if inside.
    pub fn index_of(&self, lat_deg: f64, lon_deg: f64) -> Option<(usize, usize)> {
        let r = (self.north_deg - lat_deg) / self.dlat_deg;
        let c = (lon_deg - self.west_deg) / self.dlon_deg;
        if r >= 0.0 && c >= 0.0 && (r as usize) < self.rows && (c as usize) < self.cols {
            Some((r as usize, c as usize))
        } else {
            None
        }
    }
}

/// Great-circle (haversine) distance, m, and initial bearing, degrees clockwise from north.
pub fn distance_azimuth(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (f64, f64) {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp * 0.5).sin().powi(2) + p1.cos() * p2.cos() * (dl * 0.5).sin().powi(2);
    let d = 2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    let az = y.atan2(x).to_degrees().rem_euclid(360.0);
    (d, az)
}

/// Fill `out` with the terrain from (lat1, lon1) to (lat2, lon2) over `distance_m` at
/// (at most) `spacing_m`, at least 2 points, sampling a straight line in latitude/longitude.
/// Returns the actual spacing, or `None` where terrain is missing.
#[allow(clippy::too_many_arguments)]
pub fn fill_profile<E: Elevation + ?Sized>(
    terrain: &E,
    lat1: f64,
    lon1: f64,
    lat2: f64,
    lon2: f64,
    distance_m: f64,
    spacing_m: f64,
    out: &mut Vec<f64>,
) -> Option<f64> {
    let n_steps = ((distance_m / spacing_m).ceil() as usize).max(1);
    out.clear();
    for i in 0..=n_steps {
        let t = i as f64 / n_steps as f64;
        out.push(terrain.elevation_m(lat1 + t * (lat2 - lat1), lon1 + t * (lon2 - lon1))?);
    }
    Some((distance_m / n_steps as f64).max(1e-3))
}

/// Propagation settings shared by every link of a run.
#[derive(Debug, Clone, Copy)]
pub struct LinkSettings {
    /// Carrier, Hz.
    pub frequency_hz: f64,
    /// Receiver height above ground, m.
    pub rx_height_m: f64,
    /// Receiver gain, dBi.
    pub rx_gain_dbi: f64,
    /// Polarisation.
    pub polarization: crate::propagation::Polarization,
    /// Ground constants.
    pub ground: Ground,
    /// Effective earth-radius factor for the depression angle.
    pub k_factor: f64,
}

impl LinkSettings {
    /// The settings of a scenario.
    pub fn of(sc: &Scenario) -> Self {
        LinkSettings {
            frequency_hz: sc.carrier.center_hz,
            rx_height_m: sc.coverage.rx_height_m,
            rx_gain_dbi: sc.coverage.rx_gain_dbi,
            polarization: sc.model.polarization,
            ground: Ground {
                epsilon_r: sc.model.epsilon,
                sigma_s_per_m: sc.model.sigma_s_per_m,
            },
            k_factor: sc.model.k_factor,
        }
    }
}

/// Depression angle (degrees below the horizon) from a TX antenna at `z_tx_m` (AMSL) to a
/// point at `z_rx_m`, `d_m` away, on an earth of effective radius `k·a`.
pub fn depression_deg(z_tx_m: f64, z_rx_m: f64, d_m: f64, k_factor: f64) -> f64 {
    if d_m <= 0.0 {
        return 90.0_f64.copysign(z_tx_m - z_rx_m);
    }
    ((z_tx_m - z_rx_m) / d_m).atan().to_degrees()
        + (d_m / (2.0 * k_factor * EARTH_RADIUS_M)).to_degrees()
}

/// Received power (dBm) from `site` at one point, with the profile buffer to reuse.
/// `None` where terrain is missing or the model cannot evaluate the link.
#[allow(clippy::too_many_arguments)]
pub fn received_dbm(
    site: &Site,
    site_ground_m: f64,
    lat_deg: f64,
    lon_deg: f64,
    terrain: &dyn Elevation,
    model: &dyn PathLoss,
    ls: &LinkSettings,
    profile: &mut Profile,
) -> Option<f64> {
    let (d, az) = distance_azimuth(site.lat_deg, site.lon_deg, lat_deg, lon_deg);
    profile.spacing_m = terrain.profile_into(
        site.lat_deg,
        site.lon_deg,
        lat_deg,
        lon_deg,
        d.max(1.0),
        &mut profile.elevations_m,
    )?;
    let rx_ground = *profile.elevations_m.last()?;
    let link = Link {
        profile,
        tx_height_m: site.height_m,
        rx_height_m: ls.rx_height_m,
        frequency_hz: ls.frequency_hz,
        polarization: ls.polarization,
        ground: ls.ground,
    };
    let ends = crate::propagation::GroundPath {
        tx_lat_deg: site.lat_deg,
        tx_lon_deg: site.lon_deg,
        rx_lat_deg: lat_deg,
        rx_lon_deg: lon_deg,
    };
    let loss = model.loss_on_ground(&link, &ends).ok()?.loss_db;
    if !loss.is_finite() {
        return None;
    }
    let dep = depression_deg(
        site_ground_m + site.height_m,
        rx_ground + ls.rx_height_m,
        d,
        ls.k_factor,
    );
    Some(site.eirp_dbm + site.antenna.relative_gain_db(az, dep) - loss + ls.rx_gain_dbi)
}

/// The rasters of one coverage run; every raster is row-major `grid.rows × grid.cols`,
/// NaN where there is no value.
#[derive(Debug, Clone)]
pub struct Coverage {
    /// The grid.
    pub grid: Grid,
    /// Received power per site, dBm.
    pub site_dbm: Vec<Vec<f32>>,
    /// Strongest received power, dBm.
    pub best_dbm: Vec<f32>,
    /// Index of the best server (u16::MAX where none).
    pub best_site: Vec<u16>,
    /// SINR of the best server, dB.
    pub sinr_db: Vec<f32>,
    /// Ground elevation at pixel centres, m.
    pub elevation_m: Vec<f32>,
    /// Thermal noise in the bandwidth, dBm.
    pub noise_dbm: f64,
    /// Interference from transmitters outside the network (summed, in the receiver's
    /// band, dBm); empty when there are none, NaN at pixels without a best server.
    pub external_dbm: Vec<f32>,
    /// Pixels inside a site's area where the model or terrain gave no value.
    pub failed_pixels: usize,
}

/// Thermal noise power, dBm: −174 dBm/Hz + 10·log10(B) + NF.
pub fn noise_dbm(bandwidth_hz: f64, noise_figure_db: f64) -> f64 {
    -174.0 + 10.0 * bandwidth_hz.log10() + noise_figure_db
}

/// Compute the coverage of a scenario. Runs on the current rayon pool; `progress` is called
/// with the number of rows finished since the last call (total `rows × sites + rows`).
///
/// # Errors
/// [`CoverageError`] for a grid too large or a site without terrain.
pub fn compute(
    sc: &Scenario,
    terrain: &dyn Elevation,
    model: &dyn PathLoss,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Coverage, CoverageError> {
    compute_with_interference(sc, terrain, model, None, progress)
}

/// [`compute`] with interferers outside the network: their power at each pixel that has a
/// best server ([`Interference::power_dbm`]) joins the interference of the SINR. Progress
/// totals `rows × (sites + 1)` as for [`compute`] plus `rows` per external interferer.
///
/// # Errors
/// As [`compute`].
pub fn compute_with_interference(
    sc: &Scenario,
    terrain: &dyn Elevation,
    model: &dyn PathLoss,
    external: Option<&Interference<'_>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Coverage, CoverageError> {
    let grid = Grid::for_scenario(sc)?;
    let ls = LinkSettings::of(sc);
    let n = grid.rows * grid.cols;
    let failed = AtomicUsize::new(0);
    let mut site_dbm = Vec::with_capacity(sc.sites.len());
    for site in &sc.sites {
        let ground = terrain
            .elevation_m(site.lat_deg, site.lon_deg)
            .ok_or_else(|| CoverageError::NoTerrainAtSite(site.name.clone()))?;
        let radius = match sc.coverage.area {
            Area::Radius { radius_m } => radius_m,
            Area::Bbox(_) => f64::INFINITY,
        };
        let mut out = vec![f32::NAN; n];
        out.par_chunks_mut(grid.cols).enumerate().for_each_init(
            || Profile {
                spacing_m: 1.0,
                elevations_m: Vec::with_capacity(4096),
            },
            |profile, (r, row)| {
                let lat = grid.lat(r);
                let mut fails = 0;
                for (c, px) in row.iter_mut().enumerate() {
                    let lon = grid.lon(c);
                    let (d, _) = distance_azimuth(site.lat_deg, site.lon_deg, lat, lon);
                    if d > radius {
                        continue;
                    }
                    match received_dbm(site, ground, lat, lon, terrain, model, &ls, profile) {
                        Some(p) => *px = p as f32,
                        None => fails += 1,
                    }
                }
                if fails > 0 {
                    failed.fetch_add(fails, Ordering::Relaxed);
                }
                progress(1);
            },
        );
        site_dbm.push(out);
    }

    let noise = noise_dbm(sc.carrier.bandwidth_hz, sc.coverage.noise_figure_db);
    let noise_mw = 10f64.powf(noise / 10.0);
    let external_dbm = match external {
        Some(x) if !x.interferers.is_empty() => {
            let served: Vec<bool> = (0..n)
                .map(|i| site_dbm.iter().any(|sd| sd[i].is_finite()))
                .collect();
            x.power_dbm(&grid, &served, model, &ls, progress)
        }
        _ => Vec::new(),
    };
    let mut best_dbm = vec![f32::NAN; n];
    let mut best_site = vec![u16::MAX; n];
    let mut sinr_db = vec![f32::NAN; n];
    let mut elevation_m = vec![f32::NAN; n];
    best_dbm
        .par_chunks_mut(grid.cols)
        .zip(best_site.par_chunks_mut(grid.cols))
        .zip(sinr_db.par_chunks_mut(grid.cols))
        .zip(elevation_m.par_chunks_mut(grid.cols))
        .enumerate()
        .for_each(|(r, (((b, bs), s), e))| {
            let lat = grid.lat(r);
            for c in 0..grid.cols {
                let i = r * grid.cols + c;
                e[c] = terrain
                    .elevation_m(lat, grid.lon(c))
                    .map_or(f32::NAN, |z| z as f32);
                let mut best: Option<(usize, f32)> = None;
                for (k, sd) in site_dbm.iter().enumerate() {
                    let p = sd[i];
                    if p.is_finite() && best.is_none_or(|(_, bp)| p > bp) {
                        best = Some((k, p));
                    }
                }
                let Some((k, p)) = best else { continue };
                let mut interference_mw: f64 = site_dbm
                    .iter()
                    .enumerate()
                    .filter(|&(j, sd)| j != k && sd[i].is_finite())
                    .map(|(_, sd)| 10f64.powf(f64::from(sd[i]) / 10.0))
                    .sum();
                if let Some(x) = external_dbm.get(i).filter(|x| x.is_finite()) {
                    interference_mw += 10f64.powf(f64::from(*x) / 10.0);
                }
                b[c] = p;
                bs[c] = k as u16;
                s[c] = (f64::from(p) - 10.0 * (interference_mw + noise_mw).log10()) as f32;
            }
            progress(1);
        });

    Ok(Coverage {
        grid,
        site_dbm,
        best_dbm,
        best_site,
        sinr_db,
        elevation_m,
        noise_dbm: noise,
        external_dbm,
        failed_pixels: failed.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_known() {
        // One degree of latitude on the 6371 km sphere.
        let (d, az) = distance_azimuth(40.0, -100.0, 41.0, -100.0);
        assert!((d - M_PER_DEG).abs() < 1e-6, "{d}");
        assert!(az.abs() < 1e-9);
        let (_, az) = distance_azimuth(0.0, 0.0, 0.0, 1.0);
        assert!((az - 90.0).abs() < 1e-9);
    }

    #[test]
    fn noise_floor() {
        // 6 MHz, NF 7 dB: −174 + 67.78 + 7.
        assert!((noise_dbm(6e6, 7.0) - (-99.218)).abs() < 1e-3);
    }

    #[test]
    fn depression_includes_curvature() {
        // Same heights 10 km apart: the far point sits below the horizon by d/(2ka).
        let d = depression_deg(100.0, 100.0, 10_000.0, 4.0 / 3.0);
        assert!((d - (10_000.0 / (2.0 * 4.0 / 3.0 * EARTH_RADIUS_M)).to_degrees()).abs() < 1e-12);
        assert!(depression_deg(200.0, 100.0, 1000.0, 4.0 / 3.0) > 5.0);
    }
}
