//! Protected contours of TV stations on radials, and the terrain they are computed over.
//!
//! For each station, on each of `radials` equally spaced bearings, the contour distance is
//! the distance at which the predicted field strength at 10 m falls to the protection
//! threshold (FCC: 41 dBµV/m for UHF, F(50,90)). Field strength from basic transmission
//! loss `Lb` (any [`PathLoss`] model) for ERP `P` (dBW, relative to a half-wave dipole):
//!
//! `E (dBµV/m) = P + 2.15 − Lb + 20·log10(f_MHz) + 107.22 − margin`
//!
//! (ITU-R P.525 conversion; 2.15 dB turns ERP into EIRP; `margin` is an optional extra
//! margin, e.g. the time variability that turns a median prediction into F(50,90)).
//! Terrain is sampled once per radial (spacing max_km/800, at least 100 m); the search runs
//! outward at ~5 km steps to the first distance below threshold, then bisects to one
//! profile spacing.
//!
//! The default model ([`contour_model`]) is NTIA ITM v1.4 (`sim::propagation::itm`) in
//! broadcast mode at 90 % time and 50 % location, i.e. F(50,90) directly, with no extra
//! margin. [`DeltaBullington`] (free space plus Bullington diffraction with a
//! spherical-earth correction, ITU-R P.526-15 §4.5, simplified as documented on the type)
//! remains selectable as a fast median model; the contour engine takes any [`PathLoss`].
//!
//! # References
//! 47 CFR §73.622(e), §73.625 (DTV service contour, F(50,90)); ITU-R P.525-4; ITU-R
//! P.526-15 §4.5.1 (Bullington), eq. (31) J(ν); NTIA ITM v1.4 (mdvar 3, broadcast).

use rayon::prelude::*;
use sim::propagation::{
    free_space_loss_db, Link, LossReport, PathLoss, Profile, PropagationError, C_M_PER_S,
};
use sim::terrain::Dem;

use crate::config::{ContourModel, ContourParams, Coverage, Terrain};
use crate::incumbents::TvStation;
use crate::Error;
use sim::propagation::itm::{Climate, Itm, Quantiles};

/// Earth radius for geodesy on the sphere, m.
pub const EARTH_RADIUS_M: f64 = mac::spectrum::paws::EARTH_RADIUS_M;

/// Effective earth radius for 4/3-earth refraction, m.
pub const EFFECTIVE_EARTH_RADIUS_M: f64 = 4.0 / 3.0 * 6_371_000.0;

/// Point at `dist_m` along bearing `bearing_deg` (clockwise from north) from a start point,
/// on the sphere. Returns (lat, lon) degrees.
pub fn destination(lat_deg: f64, lon_deg: f64, bearing_deg: f64, dist_m: f64) -> (f64, f64) {
    let (p1, l1, b) = (
        lat_deg.to_radians(),
        lon_deg.to_radians(),
        bearing_deg.to_radians(),
    );
    let d = dist_m / EARTH_RADIUS_M;
    let p2 = (p1.sin() * d.cos() + p1.cos() * d.sin() * b.cos()).asin();
    let l2 = l1 + (b.sin() * d.sin() * p1.cos()).atan2(d.cos() - p1.sin() * p2.sin());
    (p2.to_degrees(), l2.to_degrees())
}

/// Initial bearing from point 1 to point 2, degrees in [0, 360).
pub fn bearing_deg(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dl = (lon2 - lon1).to_radians();
    let y = dl.sin() * p2.cos();
    let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
    y.atan2(x).to_degrees().rem_euclid(360.0)
}

/// Build the terrain model of a config, covering the served area plus `margin_km`.
///
/// # Errors
/// [`Error::Terrain`] when an `.hgt` tile cannot be read.
pub fn build_terrain(t: &Terrain, cov: &Coverage, margin_km: f64) -> Result<Dem, Error> {
    match t {
        Terrain::Hgt(p) => Dem::read_hgt(p).map_err(|e| Error::Terrain(e.to_string())),
        Terrain::Flat { elevation_m } => Ok(synthetic_dem(cov, margin_km, *elevation_m, 0.0)),
        Terrain::Synthetic { base_m, relief_m } => {
            Ok(synthetic_dem(cov, margin_km, *base_m, *relief_m))
        }
    }
}

/// Deterministic rolling hills over the coverage box plus a margin, 30″ grid:
/// `base + relief·(0.5·sin(2πx/37 km)·sin(2πy/53 km) + 0.3·sin(2π(x+y)/17 km)
/// + 0.2·sin(2πx/7 km + 1))/2` with x, y in km east and north of the box's south-west corner.
pub fn synthetic_dem(cov: &Coverage, margin_km: f64, base_m: f64, relief_m: f64) -> Dem {
    let mlat = margin_km / 111.0;
    let mid = 0.5 * (cov.south_deg + cov.north_deg);
    let mlon = margin_km / (111.0 * mid.to_radians().cos().max(0.05));
    let step = 1.0 / 120.0;
    let south = (cov.south_deg - mlat).max(-89.9);
    let north = (cov.north_deg + mlat).min(89.9);
    let west = cov.west_deg - mlon;
    let east = cov.east_deg + mlon;
    let rows = ((north - south) / step).ceil() as usize + 1;
    let cols = ((east - west) / step).ceil() as usize + 1;
    let kx = 111.0 * mid.to_radians().cos();
    let tau = std::f64::consts::TAU;
    let mut data = vec![0f32; rows * cols];
    data.par_chunks_mut(cols).enumerate().for_each(|(r, row)| {
        let lat = south + step * (rows - 1 - r) as f64;
        let y = (lat - south) * 111.0;
        for (c, v) in row.iter_mut().enumerate() {
            let x = (west + step * c as f64 - west) * kx;
            let h = 0.5 * (tau * x / 37.0).sin() * (tau * y / 53.0).sin()
                + 0.3 * (tau * (x + y) / 17.0).sin()
                + 0.2 * (tau * x / 7.0 + 1.0).sin();
            *v = (base_m + relief_m * 0.5 * h) as f32;
        }
    });
    Dem {
        south_deg: south,
        west_deg: west,
        step_lat_deg: step,
        step_lon_deg: step,
        rows,
        cols,
        data,
    }
}

/// Terrain profile from a point along a bearing, `n` points over `dist_m`.
///
/// # Errors
/// [`Error::Terrain`] where the path leaves the terrain model.
pub fn profile_along(
    dem: &Dem,
    lat_deg: f64,
    lon_deg: f64,
    bearing: f64,
    dist_m: f64,
    n: usize,
) -> Result<Profile, Error> {
    let n = n.max(2);
    let spacing = dist_m / (n - 1) as f64;
    let mut el = Vec::with_capacity(n);
    for i in 0..n {
        let (la, lo) = destination(lat_deg, lon_deg, bearing, spacing * i as f64);
        el.push(
            dem.elevation(la, lo)
                .map_err(|e| Error::Terrain(e.to_string()))?,
        );
    }
    Ok(Profile {
        spacing_m: spacing,
        elevations_m: el,
    })
}

/// Knife-edge diffraction loss J(ν), dB (ITU-R P.526-15 eq. 31); 0 for ν ≤ −0.78.
pub fn knife_edge_db(v: f64) -> f64 {
    if v <= -0.78 {
        0.0
    } else {
        6.9 + 20.0 * (((v - 0.1).powi(2) + 1.0).sqrt() + v - 0.1).log10()
    }
}

/// Spherical-earth diffraction loss beyond the radio horizon, dB, by the first-term
/// residue formulas of ITU-R P.526-15 §3.1.1 (horizontal polarisation, β = 1): distance
/// `d_m`, antenna heights `h1_m`, `h2_m` above the smooth surface, frequency `f_hz`,
/// effective earth radius `ae_m`. Zero within the horizon.
pub fn spherical_earth_db(d_m: f64, h1_m: f64, h2_m: f64, f_hz: f64, ae_m: f64) -> f64 {
    let (h1, h2) = (h1_m.max(1.0), h2_m.max(1.0));
    let d_los = (2.0 * ae_m).sqrt() * (h1.sqrt() + h2.sqrt());
    if d_m <= d_los {
        return 0.0;
    }
    let f_mhz = f_hz / 1e6;
    let ae_km = ae_m / 1e3;
    let x = 2.188 * f_mhz.cbrt() * ae_km.powf(-2.0 / 3.0) * (d_m / 1e3);
    let fx = if x >= 1.6 {
        11.0 + 10.0 * x.log10() - 17.6 * x
    } else {
        -20.0 * x.log10() - 5.6488 * x.powf(1.425)
    };
    let g = |h: f64| {
        let b = 9.575e-3 * f_mhz.powf(2.0 / 3.0) * ae_km.powf(-1.0 / 3.0) * h;
        if b > 2.0 {
            17.6 * (b - 1.1).sqrt() - 5.0 * (b - 1.1).log10() - 8.0
        } else {
            20.0 * (b + 0.1 * b.powi(3)).log10()
        }
    };
    (-(fx + g(h1) + g(h2))).max(0.0)
}

/// Free space plus diffraction in the delta-Bullington manner (ITU-R P.526-15 §4.5):
/// the Bullington equivalent knife edge over the real profile on a 4/3 earth, plus the
/// amount by which spherical-earth diffraction over a smooth surface exceeds Bullington
/// over that same smooth surface. Simplified from the Recommendation: the smooth
/// surface is the profile's mean elevation (not a least-squares slope), and the
/// spherical-earth term uses the beyond-horizon residue formulas only.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeltaBullington;

/// Bullington diffraction loss over a profile, dB (ITU-R P.526-15 §4.5.1).
pub fn bullington_db(link: &Link<'_>) -> f64 {
    let p = link.profile;
    let n = p.elevations_m.len();
    let d = p.distance_m();
    if n < 3 || d <= 0.0 {
        return 0.0;
    }
    let lambda = C_M_PER_S / link.frequency_hz;
    let hts = p.elevations_m[0] + link.tx_height_m;
    let hrs = p.elevations_m[n - 1] + link.rx_height_m;
    let ce = 1.0 / EFFECTIVE_EARTH_RADIUS_M;
    let bulge = |di: f64| 0.5 * ce * di * (d - di);
    let mut stim = f64::NEG_INFINITY;
    let mut srim = f64::NEG_INFINITY;
    for i in 1..n - 1 {
        let di = p.spacing_m * i as f64;
        let hi = p.elevations_m[i] + bulge(di);
        stim = stim.max((hi - hts) / di);
        srim = srim.max((hi - hrs) / (d - di));
    }
    let str_ = (hrs - hts) / d;
    let v = if stim < str_ {
        let mut vmax = f64::NEG_INFINITY;
        for i in 1..n - 1 {
            let di = p.spacing_m * i as f64;
            let hi = p.elevations_m[i] + bulge(di);
            let los = (hts * (d - di) + hrs * di) / d;
            vmax = vmax.max((hi - los) * (2.0 * d / (lambda * di * (d - di))).sqrt());
        }
        vmax
    } else {
        let db = ((hrs - hts + srim * d) / (stim + srim)).clamp(1e-3, d - 1e-3);
        let hb = hts + stim * db;
        let los = (hts * (d - db) + hrs * db) / d;
        (hb - los) * (2.0 * d / (lambda * db * (d - db))).sqrt()
    };
    knife_edge_db(v)
}

impl PathLoss for DeltaBullington {
    fn id(&self) -> &'static str {
        "delta-bullington-lite"
    }

    fn loss(&self, link: &Link<'_>) -> Result<LossReport, PropagationError> {
        if link.frequency_hz.is_nan()
            || link.frequency_hz <= 0.0
            || link.profile.elevations_m.len() < 2
        {
            return Err(PropagationError::OutOfRange {
                model: "delta-bullington-lite",
                what: "needs a positive frequency and at least two profile points".into(),
            });
        }
        let p = link.profile;
        let n = p.elevations_m.len();
        let mean = p.elevations_m.iter().sum::<f64>() / n as f64;
        let h1 = p.elevations_m[0] + link.tx_height_m - mean;
        let h2 = p.elevations_m[n - 1] + link.rx_height_m - mean;
        let smooth = Profile::flat(p.spacing_m, n, 0.0);
        let smooth_link = Link {
            profile: &smooth,
            tx_height_m: h1.max(1.0),
            rx_height_m: h2.max(1.0),
            ..*link
        };
        let sph = spherical_earth_db(
            p.distance_m(),
            h1,
            h2,
            link.frequency_hz,
            EFFECTIVE_EARTH_RADIUS_M,
        );
        let delta = (sph - bullington_db(&smooth_link)).max(0.0);
        let fs = free_space_loss_db(link.slant_distance_m().max(1.0), link.frequency_hz);
        Ok(LossReport {
            loss_db: fs + bullington_db(link) + delta,
            mode: None,
            warnings: 0,
        })
    }
}

/// The propagation model a config asks for: ITM point-to-point in broadcast mode
/// (mdvar 3) at 90 % time, 50 % location, 50 % situation — the F(50,90) of the FCC
/// protected contour — in a continental temperate climate (N_0 301), or
/// [`DeltaBullington`].
pub fn contour_model(p: &ContourParams) -> Box<dyn PathLoss> {
    match p.model {
        ContourModel::Itm => Box::new(Itm {
            climate: Climate::ContinentalTemperate,
            n_0: 301.0,
            quantiles: Quantiles::Tls {
                time_pct: 90.0,
                location_pct: 50.0,
                situation_pct: 50.0,
            },
            mdvar: 3,
        }),
        ContourModel::DeltaBullington => Box::new(DeltaBullington),
    }
}

/// Field strength (dBµV/m) for ERP `erp_kw` (kW, dipole-referenced), loss `lb_db`,
/// frequency `f_hz`.
pub fn field_dbu(erp_kw: f64, lb_db: f64, f_hz: f64) -> f64 {
    10.0 * (erp_kw * 1e3).log10() + 2.15 - lb_db + 20.0 * (f_hz / 1e6).log10() + 107.22
}

/// A station's protected contour: distance per radial.
#[derive(Debug, Clone, PartialEq)]
pub struct Contour {
    /// Contour distance on each radial, km; radial `i` at bearing `i·360/n` degrees.
    pub radial_km: Vec<f64>,
}

impl Contour {
    /// Contour distance toward `bearing` (degrees), linearly interpolated between radials.
    pub fn distance_km(&self, bearing: f64) -> f64 {
        let n = self.radial_km.len();
        let x = bearing.rem_euclid(360.0) / 360.0 * n as f64;
        let i = (x.floor() as usize) % n;
        let f = x - x.floor();
        self.radial_km[i] * (1.0 - f) + self.radial_km[(i + 1) % n] * f
    }

    /// Largest radial, km.
    pub fn max_km(&self) -> f64 {
        self.radial_km.iter().copied().fold(0.0, f64::max)
    }
}

/// Compute the protected contour of one station.
///
/// `threshold_dbu` is the protection threshold; `f_hz` the channel centre.
///
/// # Errors
/// [`Error::Terrain`] if a radial leaves the terrain model, [`Error::Propagation`] if the
/// model fails.
pub fn station_contour(
    st: &TvStation,
    f_hz: f64,
    threshold_dbu: f64,
    dem: &Dem,
    model: &dyn PathLoss,
    p: &ContourParams,
) -> Result<Contour, Error> {
    let max_m = p.max_km * 1e3;
    // Terrain is sampled once per radial at uniform spacing out to max_km; the profile for
    // a candidate distance is a prefix of it, so each evaluation costs one model call.
    let spacing = (max_m / 800.0).max(100.0);
    let n_max = (max_m / spacing).ceil() as usize + 1;
    let radials: Result<Vec<f64>, Error> = (0..p.radials)
        .into_par_iter()
        .map(|i| {
            let b = f64::from(i) * 360.0 / f64::from(p.radials);
            let full = profile_along(
                dem,
                st.lat_deg,
                st.lon_deg,
                b,
                spacing * (n_max - 1) as f64,
                n_max,
            )?;
            let field_at = |k: usize| -> Result<f64, Error> {
                let prof = Profile {
                    spacing_m: spacing,
                    elevations_m: full.elevations_m[..=k].to_vec(),
                };
                let link = Link::new(&prof, st.height_agl_m, p.rx_height_m, f_hz);
                let lb = model
                    .loss(&link)
                    .map_err(|e| Error::Propagation(e.to_string()))?
                    .loss_db;
                Ok(field_dbu(st.erp_kw, lb, f_hz) - p.time_variability_db)
            };
            // Outward at ~5 km steps from 1 km to the first sample below threshold, then
            // bisect on the profile index.
            let step = ((5_000.0 / spacing).round() as usize).max(1);
            let mut lo = 0usize;
            let mut hi = None;
            let mut k = ((1_000.0 / spacing).ceil() as usize).max(2);
            while k < n_max {
                if field_at(k)? < threshold_dbu {
                    hi = Some(k);
                    break;
                }
                lo = k;
                k += step;
            }
            let Some(mut hi) = hi else {
                return Ok(p.max_km);
            };
            while hi - lo > 1 {
                let mid = (lo + hi) / 2;
                if field_at(mid)? < threshold_dbu {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            Ok(lo as f64 * spacing / 1e3)
        })
        .collect();
    Ok(Contour {
        radial_km: radials?,
    })
}

/// Device HAAT: antenna height above the average terrain 3–16 km out on 8 radials
/// (47 CFR §73.684(d) method; falls back to the AGL height where the terrain model ends).
pub fn haat_m(dem: &Dem, lat_deg: f64, lon_deg: f64, height_agl_m: f64) -> f64 {
    let Ok(ground) = dem.elevation(lat_deg, lon_deg) else {
        return height_agl_m;
    };
    let mut sum = 0.0;
    let mut n = 0usize;
    for r in 0..8 {
        for k in 0..=13 {
            let (la, lo) = destination(
                lat_deg,
                lon_deg,
                45.0 * f64::from(r),
                3_000.0 + 1_000.0 * f64::from(k),
            );
            if let Ok(z) = dem.elevation(la, lo) {
                sum += z;
                n += 1;
            }
        }
    }
    if n == 0 {
        return height_agl_m;
    }
    ground + height_agl_m - sum / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geodesy_round_trip() {
        let (la, lo) = destination(45.0, -98.0, 60.0, 50_000.0);
        let b = bearing_deg(45.0, -98.0, la, lo);
        assert!((b - 60.0).abs() < 1e-6, "{b}");
        let d = mac::spectrum::paws::haversine_m(
            mac::spectrum::paws::GeoPoint {
                latitude: 45.0,
                longitude: -98.0,
            },
            mac::spectrum::paws::GeoPoint {
                latitude: la,
                longitude: lo,
            },
        );
        assert!((d - 50_000.0).abs() < 0.01);
    }

    /// 1 kW ERP dipole, free space at 1 km: 106.92 dBµV/m (ITU-R P.525).
    #[test]
    fn field_strength_conversion() {
        let lb = free_space_loss_db(1_000.0, 600e6);
        assert!((field_dbu(1.0, lb, 600e6) - 106.92).abs() < 0.05);
    }

    /// P.526 §3.1.1 by hand: 100 km, 593 MHz, 300 m / 10 m, 4/3 earth: X = 4.41,
    /// F = −60.2, G(300 m) = 39.6, G(10 m) = −9.5 → 30.1 dB.
    #[test]
    fn spherical_earth_hand_value() {
        let l = spherical_earth_db(100e3, 300.0, 10.0, 593e6, EFFECTIVE_EARTH_RADIUS_M);
        assert!((l - 30.1).abs() < 0.6, "{l}");
        assert_eq!(
            spherical_earth_db(50e3, 300.0, 10.0, 593e6, EFFECTIVE_EARTH_RADIUS_M),
            0.0
        );
    }

    #[test]
    fn knife_edge_values() {
        assert_eq!(knife_edge_db(-1.0), 0.0);
        // ν = 0: 6.0 dB (P.526 Fig. 9).
        assert!((knife_edge_db(0.0) - 6.0).abs() < 0.1);
        assert!((knife_edge_db(1.0) - 13.9).abs() < 0.2);
    }

    /// A 1 MW, 300 m UHF station (channel 30) at 45 N, 98 W on flat 300 m terrain.
    fn flat_1mw_station() -> (Dem, TvStation) {
        let cov = Coverage {
            south_deg: 44.0,
            north_deg: 46.0,
            west_deg: -99.0,
            east_deg: -97.0,
        };
        let st = TvStation {
            id: "t".into(),
            call_sign: String::new(),
            lat_deg: 45.0,
            lon_deg: -98.0,
            channel: 30,
            erp_kw: 1000.0,
            haat_m: 300.0,
            height_agl_m: 300.0,
        };
        (synthetic_dem(&cov, 200.0, 300.0, 0.0), st)
    }

    /// The F(50,90) contour (ITM, 90 % time) lies inside the F(50,50) one, and both beyond
    /// the radio horizon for a 1 MW / 300 m UHF station.
    #[test]
    fn itm_f50_90_inside_f50_50() {
        let (dem, st) = flat_1mw_station();
        let p = ContourParams {
            radials: 4,
            ..Default::default()
        };
        let f5090 = contour_model(&p);
        let median = Itm {
            quantiles: Quantiles::Tls {
                time_pct: 50.0,
                location_pct: 50.0,
                situation_pct: 50.0,
            },
            mdvar: 3,
            ..Itm::default()
        };
        let a = station_contour(&st, 593e6, 41.0, &dem, f5090.as_ref(), &p).unwrap();
        let b = station_contour(&st, 593e6, 41.0, &dem, &median, &p).unwrap();
        for (x, y) in a.radial_km.iter().zip(&b.radial_km) {
            assert!(*x > 84.0 && x < y, "F(50,90) {x} km vs F(50,50) {y} km");
        }
    }

    #[test]
    fn smooth_earth_contour_is_beyond_horizon_and_symmetric() {
        let (dem, st) = flat_1mw_station();
        let p = ContourParams {
            radials: 8,
            ..Default::default()
        };
        let c = station_contour(&st, 593e6, 41.0, &dem, &DeltaBullington, &p).unwrap();
        let horizon_km = ((2.0 * EFFECTIVE_EARTH_RADIUS_M * 300.0).sqrt()
            + (2.0 * EFFECTIVE_EARTH_RADIUS_M * 10.0).sqrt())
            / 1e3;
        for r in &c.radial_km {
            assert!(*r > horizon_km && *r < 200.0, "{r} vs horizon {horizon_km}");
            assert!((r - c.radial_km[0]).abs() < 1.0);
        }
    }
}
