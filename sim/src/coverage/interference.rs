//! Interferers outside the network — TV stations for a white-space network — as an input
//! of the coverage SINR.
//!
//! # Method
//! Each [`ExternalInterferer`] is an omnidirectional transmitter with a total EIRP and a
//! coupling loss into the victim receiver's band: `I = EIRP − L(path) + G_rx − coupling`
//! (dBm), with `L` from the scenario's own [`PathLoss`] model at the interferer's frequency
//! and the receiver at the scenario's height and gain. The coupling loss is what the caller
//! derives from the spectra: co-channel, the fraction of the interferer's power inside the
//! receiver's occupied band; adjacent channel, the ACIR. Powers of all interferers add in
//! milliwatts per pixel.
//!
//! The path runs from the interferer to each pixel centre over [`Interference::terrain`],
//! which may be a larger, coarser terrain than the coverage one (a TV mast is often
//! 50–150 km away). The profile is sampled at the terrain's spacing but with at most
//! [`Interference::max_profile_points`] points (ITM uses terrain statistics, not every
//! sample); samples the terrain lacks take the nearest sample that it has along the path
//! (flat continuation), and [`Interference::power_dbm`] counts none of them as failures.
//!
//! # References
//! 3GPP TR 36.942 §4 (ACIR = 1 / (1/ACLR + 1/ACS), interference added in linear power).

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use super::{distance_azimuth, Elevation, Grid, LinkSettings};
use crate::propagation::{Link, PathLoss, Profile};

/// One transmitter outside the network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalInterferer {
    /// Name for reports (e.g. the TV call sign).
    pub name: String,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Antenna height above ground, m.
    pub height_m: f64,
    /// Frequency used for propagation, Hz (the interferer's channel centre).
    pub frequency_hz: f64,
    /// Total EIRP, dBm.
    pub eirp_dbm: f64,
    /// Loss from the interferer's total power to the power inside the victim receiver's
    /// band after its filtering, dB (≥ 0).
    pub coupling_db: f64,
}

/// The external interferers of a coverage run and the terrain their paths cross.
pub struct Interference<'a> {
    /// The interferers.
    pub interferers: &'a [ExternalInterferer],
    /// Terrain for the interferer-to-pixel paths.
    pub terrain: &'a dyn Elevation,
    /// Most profile points per path (≥ 2).
    pub max_profile_points: usize,
}

impl std::fmt::Debug for Interference<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interference")
            .field("interferers", &self.interferers)
            .field("terrain", &self.terrain.describe())
            .field("max_profile_points", &self.max_profile_points)
            .finish()
    }
}

/// Fill `out` with the terrain along a straight lat/lon line, `n` intervals; missing samples
/// take the nearest present one along the line. Returns the number of missing samples, or
/// `None` when the terrain has none of them.
fn lenient_profile(
    terrain: &dyn Elevation,
    a: (f64, f64),
    b: (f64, f64),
    n: usize,
    out: &mut Vec<f64>,
) -> Option<usize> {
    out.clear();
    let mut missing = 0;
    for i in 0..=n {
        let t = i as f64 / n as f64;
        match terrain.elevation_m(a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)) {
            Some(z) => out.push(z),
            None => {
                out.push(f64::NAN);
                missing += 1;
            }
        }
    }
    if missing == out.len() {
        return None;
    }
    if missing > 0 {
        let mut last = f64::NAN;
        for z in out.iter_mut() {
            if z.is_nan() {
                *z = last;
            } else {
                last = *z;
            }
        }
        let mut next = f64::NAN;
        for z in out.iter_mut().rev() {
            if z.is_nan() {
                *z = next;
            } else {
                next = *z;
            }
        }
    }
    Some(missing)
}

impl Interference<'_> {
    /// Total external interference at each pixel where `served[i]`, dBm (NaN elsewhere, or
    /// where no interferer could be evaluated), row-major over `grid`. `progress` gets one
    /// tick per row per interferer.
    pub fn power_dbm(
        &self,
        grid: &Grid,
        served: &[bool],
        model: &dyn PathLoss,
        ls: &LinkSettings,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<f32> {
        let n = grid.rows * grid.cols;
        let mut total_mw = vec![0f64; n];
        let mut any = vec![false; n];
        let max_pts = self.max_profile_points.max(2);
        let missing = AtomicUsize::new(0);
        for x in self.interferers {
            let mut p = vec![f32::NAN; n];
            p.par_chunks_mut(grid.cols).enumerate().for_each_init(
                || Profile {
                    spacing_m: 1.0,
                    elevations_m: Vec::with_capacity(max_pts + 1),
                },
                |profile, (r, row)| {
                    let lat = grid.lat(r);
                    for (c, px) in row.iter_mut().enumerate() {
                        if !served[r * grid.cols + c] {
                            continue;
                        }
                        let lon = grid.lon(c);
                        let (d, _) = distance_azimuth(x.lat_deg, x.lon_deg, lat, lon);
                        let d = d.max(1.0);
                        let steps =
                            ((d / self.terrain.spacing_m()).ceil() as usize).clamp(1, max_pts - 1);
                        let Some(miss) = lenient_profile(
                            self.terrain,
                            (x.lat_deg, x.lon_deg),
                            (lat, lon),
                            steps,
                            &mut profile.elevations_m,
                        ) else {
                            continue;
                        };
                        if miss > 0 {
                            missing.fetch_add(miss, Ordering::Relaxed);
                        }
                        profile.spacing_m = (d / steps as f64).max(1e-3);
                        let link = Link {
                            profile,
                            tx_height_m: x.height_m,
                            rx_height_m: ls.rx_height_m,
                            frequency_hz: x.frequency_hz,
                            polarization: ls.polarization,
                            ground: ls.ground,
                        };
                        let Ok(loss) = model.loss(&link) else {
                            continue;
                        };
                        if loss.loss_db.is_finite() {
                            *px =
                                (x.eirp_dbm - loss.loss_db + ls.rx_gain_dbi - x.coupling_db) as f32;
                        }
                    }
                    progress(1);
                },
            );
            for (i, v) in p.iter().enumerate() {
                if v.is_finite() {
                    total_mw[i] += 10f64.powf(f64::from(*v) / 10.0);
                    any[i] = true;
                }
            }
        }
        let m = missing.into_inner();
        if m > 0 {
            tracing::info!(
                samples = m,
                "interferer paths left the terrain; continued flat there"
            );
        }
        total_mw
            .iter()
            .zip(&any)
            .map(|(&mw, &a)| {
                if a {
                    (10.0 * mw.log10()) as f32
                } else {
                    f32::NAN
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::propagation::FreeSpace;

    struct Flat;
    impl Elevation for Flat {
        fn elevation_m(&self, lat: f64, _lon: f64) -> Option<f64> {
            (lat < 41.0).then_some(100.0)
        }
        fn spacing_m(&self) -> f64 {
            30.0
        }
        fn describe(&self) -> String {
            "flat".into()
        }
    }

    fn ls() -> LinkSettings {
        LinkSettings {
            frequency_hz: 515e6,
            rx_height_m: 10.0,
            rx_gain_dbi: 3.0,
            polarization: crate::propagation::Polarization::Horizontal,
            ground: crate::propagation::Ground {
                epsilon_r: 15.0,
                sigma_s_per_m: 0.005,
            },
            k_factor: 4.0 / 3.0,
        }
    }

    #[test]
    fn free_space_power_and_sum() {
        let grid = Grid {
            north_deg: 40.02,
            west_deg: -100.02,
            dlat_deg: 0.01,
            dlon_deg: 0.01,
            rows: 4,
            cols: 4,
        };
        let tv = ExternalInterferer {
            name: "TV".into(),
            lat_deg: 40.5,
            lon_deg: -100.0,
            height_m: 300.0,
            frequency_hz: 521e6,
            eirp_dbm: 110.0,
            coupling_db: 1.0,
        };
        let served: Vec<bool> = (0..16).map(|i| i != 5).collect();
        let one = [tv.clone()];
        let x = Interference {
            interferers: &one,
            terrain: &Flat,
            max_profile_points: 500,
        };
        let p = x.power_dbm(&grid, &served, &FreeSpace, &ls(), &|_| {});
        assert!(p[5].is_nan(), "unserved pixel stays NaN");
        let (d, _) = distance_azimuth(40.5, -100.0, grid.lat(0), grid.lon(0));
        let fspl = 20.0 * (4.0 * std::f64::consts::PI * d * 521e6 / 299_792_458.0).log10();
        let want = 110.0 - fspl + 3.0 - 1.0;
        assert!((f64::from(p[0]) - want).abs() < 0.05, "{} vs {want}", p[0]);
        // Two equal interferers: +3.01 dB.
        let two = [tv.clone(), tv];
        let x2 = Interference {
            interferers: &two,
            ..x
        };
        let p2 = x2.power_dbm(&grid, &served, &FreeSpace, &ls(), &|_| {});
        assert!((p2[0] - p[0] - 3.0103).abs() < 1e-3);
    }

    #[test]
    fn missing_terrain_is_continued_flat() {
        let mut out = Vec::new();
        // Terrain ends at 41°N: the northern half of this line is missing.
        let m = lenient_profile(&Flat, (40.5, -100.0), (41.5, -100.0), 10, &mut out).unwrap();
        assert!((4..=6).contains(&m), "{m}");
        assert!(out.iter().all(|z| *z == 100.0));
        assert_eq!(
            lenient_profile(&Flat, (42.0, -100.0), (43.0, -100.0), 4, &mut out),
            None
        );
    }
}
