//! The availability engine: incumbents, cached contours and the rules, answering "which
//! channels, at what EIRP, for this device here".
//!
//! Contours are computed once at start-up (rayon over stations and radials) and kept in
//! memory; a query touches only stations whose reach (largest radial + largest
//! separation + location uncertainty) can include the device, after a cheap
//! equirectangular distance test, so a query costs microseconds for hundreds of stations.
//!
//! Rules applied per channel `c` (FCC, 47 CFR §15.712):
//! * co-channel: unavailable within contour + co-channel separation (by device HAAT; the
//!   `< 3 m` row for portable devices) of a station on `c`;
//! * adjacent (`c ± 1`): unavailable to fixed devices within contour + adjacent separation;
//!   portable devices there get 16 dBm instead of 20 dBm;
//! * wireless microphones on `c`: 1 km (fixed) / 0.4 km (portable);
//! * separations grow by any location uncertainty beyond the ±50 m the table assumes;
//! * fixed HAAT at or above 50 m (the table's end) is refused, as is HAAT above the
//!   250 m (500 m less congested) limit.
//!
//! ETSI ruleset (8 MHz raster, 36 dBm per 8 MHz cap): a simplification of EN 301 598's
//! location-specific limits, stated here so nobody mistakes it for the regulator's model:
//! co-channel exclusion as above; inside the contour of a station on `c ± n` (n = 1…3), a
//! device of emission class `k` gets `36 − (ACLR(1, n) − ACLR(k, n))` dBm, i.e. worse
//! classes lose exactly their leakage shortfall relative to class 1.

use std::path::Path;

use mac::spectrum::paws::{
    haversine_m, GeoPoint, RulesetInfo, Spectrum, SpectrumProfilePoint, RULESET_ETSI, RULESET_FCC,
};
use phy::tv::TvRaster;
use sim::propagation::PathLoss;
use sim::terrain::Dem;

use crate::config::{Config, Ruleset};
use crate::contours::{self, bearing_deg, Contour};
use crate::incumbents::{read_stations, TvStation};
use crate::rules::{self, RuleError};
use crate::Error;

/// Fixed or portable operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceClass {
    /// FCC `FIXED`, ETSI type `A`.
    Fixed,
    /// FCC `MODE_1`/`MODE_2`, ETSI type `B`.
    Portable,
}

/// A device asking for spectrum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Antenna height above ground, m.
    pub height_agl_m: f64,
    /// Location uncertainty radius, m.
    pub uncertainty_m: f64,
    /// Fixed or portable.
    pub class: DeviceClass,
    /// ETSI emission class 1–5 (ignored for FCC).
    pub emission_class: u8,
}

/// One available channel.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ChannelAvailability {
    /// Channel number.
    pub channel: u32,
    /// Lower edge, Hz.
    pub low_hz: f64,
    /// Upper edge, Hz.
    pub high_hz: f64,
    /// Maximum EIRP over the channel, dBm per channel width.
    pub max_eirp_dbm: f64,
}

/// Why a query cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Outside the area the database serves.
    #[error("location {0:.5}, {1:.5} is outside this database's coverage")]
    OutsideCoverage(f64, f64),
    /// A rule refuses the device's parameters.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// HAAT above the rules' maximum for fixed devices.
    #[error("antenna HAAT {haat_m:.1} m exceeds the {limit_m} m maximum for fixed devices (47 CFR §15.709)")]
    HaatAboveLimit { haat_m: f64, limit_m: f64 },
}

/// Answer to a query: the channels and what was assumed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Availability {
    /// Available channels, ascending.
    pub channels: Vec<ChannelAvailability>,
    /// Device HAAT used, m (portable devices: their height above ground).
    pub haat_m: f64,
}

/// The database's data and rules.
#[derive(Debug)]
pub struct Database {
    /// Configuration.
    pub config: Config,
    /// TV stations.
    pub stations: Vec<TvStation>,
    /// Protected contour of each station (same order).
    pub contours: Vec<Contour>,
    /// Terrain model.
    pub dem: Dem,
    /// Channel raster.
    pub raster: TvRaster,
    reach_km: Vec<f64>,
}

/// Raster of a ruleset.
pub fn raster_of(r: Ruleset) -> TvRaster {
    match r {
        Ruleset::Fcc => TvRaster::Us6,
        Ruleset::Etsi => TvRaster::Eu8Uhf,
    }
}

impl Database {
    /// Load stations, build terrain, compute every contour with the config's model
    /// ([`contours::contour_model`]).
    ///
    /// # Errors
    /// [`Error`] from the stations file, terrain or propagation.
    pub fn build(config: Config) -> Result<Database, Error> {
        let model = contours::contour_model(&config.contours);
        let raster = raster_of(config.ruleset);
        let stations = read_stations(&config.stations, raster.channels())?;
        Self::from_stations(config, stations, model.as_ref())
    }

    /// Build from stations already in memory.
    ///
    /// # Errors
    /// As [`Database::build`].
    pub fn from_stations(
        config: Config,
        stations: Vec<TvStation>,
        model: &dyn PathLoss,
    ) -> Result<Database, Error> {
        let raster = raster_of(config.ruleset);
        // Terrain covers the served area and every station, plus the contour search range.
        let mut bbox = config.coverage;
        for s in &stations {
            bbox.south_deg = bbox.south_deg.min(s.lat_deg);
            bbox.north_deg = bbox.north_deg.max(s.lat_deg);
            bbox.west_deg = bbox.west_deg.min(s.lon_deg);
            bbox.east_deg = bbox.east_deg.max(s.lon_deg);
        }
        let dem =
            contours::build_terrain(&config.terrain, &bbox, config.contours.max_km * 1.05 + 20.0)?;
        let mut cs = Vec::with_capacity(stations.len());
        for s in &stations {
            let f = raster.center_hz(s.channel).map_err(|e| Error::Stations {
                path: config.stations.display().to_string(),
                line: 0,
                what: e.to_string(),
            })?;
            let thr = match config.ruleset {
                Ruleset::Fcc => rules::fcc_contour_dbu(s.channel),
                // ETSI/GE06 DVB-T planning uses a comparable UHF threshold; the FCC UHF
                // value is used for both so that contours are comparable.
                Ruleset::Etsi => rules::FCC_CONTOUR_UHF_DBU,
            };
            cs.push(contours::station_contour(
                s,
                f,
                thr,
                &dem,
                model,
                &config.contours,
            )?);
        }
        let sep_max = rules::FCC_SEPARATION_TABLE[rules::FCC_SEPARATION_TABLE.len() - 1].1;
        let reach_km = cs.iter().map(|c| c.max_km() + sep_max).collect();
        Ok(Database {
            config,
            stations,
            contours: cs,
            dem,
            raster,
            reach_km,
        })
    }

    /// Load a config file and build.
    ///
    /// # Errors
    /// As [`Config::load`] and [`Database::build`].
    pub fn open(config_path: &Path) -> Result<Database, Error> {
        Self::build(Config::load(config_path)?)
    }

    /// The ruleset info this database hands out.
    pub fn ruleset_info(&self) -> RulesetInfo {
        match self.config.ruleset {
            Ruleset::Fcc => RulesetInfo {
                authority: self.config.authority.clone(),
                ruleset_id: RULESET_FCC.into(),
                max_location_change: Some(rules::FCC_MAX_LOCATION_CHANGE_M),
                max_polling_secs: Some(rules::FCC_MAX_POLLING_S),
            },
            Ruleset::Etsi => RulesetInfo {
                authority: self.config.authority.clone(),
                ruleset_id: RULESET_ETSI.into(),
                max_location_change: Some(rules::ETSI_L_VAL_M),
                max_polling_secs: Some(rules::ETSI_T_UPDATE_S),
            },
        }
    }

    /// Ground elevation at a point, m, if the terrain covers it.
    pub fn ground_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        self.dem.elevation(lat_deg, lon_deg).ok()
    }

    /// Channels available to a device.
    ///
    /// # Errors
    /// [`QueryError`] outside coverage or when a rule refuses the device.
    pub fn available(&self, q: &Query) -> Result<Availability, QueryError> {
        if !self.config.coverage.contains(q.lat_deg, q.lon_deg) {
            return Err(QueryError::OutsideCoverage(q.lat_deg, q.lon_deg));
        }
        // Portable devices use the first separation row whatever their HAAT; only fixed
        // devices need the (112-sample) HAAT computation.
        let haat = match q.class {
            DeviceClass::Fixed => contours::haat_m(&self.dem, q.lat_deg, q.lon_deg, q.height_agl_m),
            DeviceClass::Portable => q.height_agl_m,
        };
        let (sep_co, sep_adj) = match q.class {
            DeviceClass::Portable => rules::fcc_separation_km(0.0)?,
            DeviceClass::Fixed => {
                let limit = if self.config.less_congested {
                    rules::FCC_FIXED_LESS_CONGESTED_MAX_HAAT_M
                } else {
                    rules::FCC_FIXED_MAX_HAAT_M
                };
                if haat > limit && self.config.ruleset == Ruleset::Fcc {
                    return Err(QueryError::HaatAboveLimit {
                        haat_m: haat,
                        limit_m: limit,
                    });
                }
                rules::fcc_separation_km(haat.max(0.0))?
            }
        };
        let extra_km = (q.uncertainty_m - rules::FCC_GEOLOCATION_ACCURACY_M).max(0.0) / 1e3;
        let (lo, hi) = self.raster.channels();
        let n = (hi - lo + 1) as usize;
        let base = match (self.config.ruleset, q.class) {
            (Ruleset::Fcc, DeviceClass::Fixed) if self.config.less_congested => {
                rules::FCC_FIXED_LESS_CONGESTED_EIRP_DBM
            }
            (Ruleset::Fcc, DeviceClass::Fixed) => rules::FCC_FIXED_EIRP_DBM,
            (Ruleset::Fcc, DeviceClass::Portable) => rules::FCC_PORTABLE_EIRP_DBM,
            (Ruleset::Etsi, _) => rules::OFCOM_MAX_EIRP_DBM_PER_8MHZ,
        };
        let mut eirp = vec![Some(base); n];
        let here = GeoPoint {
            latitude: q.lat_deg,
            longitude: q.lon_deg,
        };
        let coslat = q.lat_deg.to_radians().cos();
        for (i, s) in self.stations.iter().enumerate() {
            // Cheap reject: equirectangular distance underestimates by < 1 % here.
            let dy = (s.lat_deg - q.lat_deg) * 111.19;
            let dx = (s.lon_deg - q.lon_deg) * 111.19 * coslat;
            let reach = self.reach_km[i] + extra_km + 1.0;
            if dx * dx + dy * dy > reach * reach * 1.02 {
                continue;
            }
            let d_km = haversine_m(
                GeoPoint {
                    latitude: s.lat_deg,
                    longitude: s.lon_deg,
                },
                here,
            ) / 1e3;
            let c_km = self.contours[i]
                .distance_km(bearing_deg(s.lat_deg, s.lon_deg, q.lat_deg, q.lon_deg));
            let k = (s.channel - lo) as usize;
            if d_km < c_km + sep_co + extra_km {
                eirp[k] = None;
            }
            match self.config.ruleset {
                Ruleset::Fcc => {
                    if d_km < c_km + sep_adj + extra_km {
                        for j in [k.wrapping_sub(1), k + 1] {
                            if j < n {
                                match q.class {
                                    DeviceClass::Fixed => eirp[j] = None,
                                    DeviceClass::Portable => {
                                        eirp[j] = eirp[j]
                                            .map(|p| p.min(rules::FCC_PORTABLE_ADJACENT_EIRP_DBM))
                                    }
                                }
                            }
                        }
                    }
                }
                Ruleset::Etsi => {
                    if d_km < c_km + extra_km {
                        for off in 1..=3i64 {
                            let cut = rules::etsi_aclr_db(1, off as i32).unwrap_or(0.0)
                                - rules::etsi_aclr_db(q.emission_class, off as i32).unwrap_or(0.0);
                            for j in [k as i64 - off, k as i64 + off] {
                                if (0..n as i64).contains(&j) {
                                    let j = j as usize;
                                    eirp[j] = eirp[j].map(|p| p.min(base - cut));
                                }
                            }
                        }
                    }
                }
            }
        }
        let mic_km = match q.class {
            DeviceClass::Fixed => rules::FCC_WIRELESS_MIC_FIXED_KM,
            DeviceClass::Portable => rules::FCC_WIRELESS_MIC_PORTABLE_KM,
        };
        for m in &self.config.wireless_mics {
            let d_km = haversine_m(
                GeoPoint {
                    latitude: m.lat_deg,
                    longitude: m.lon_deg,
                },
                here,
            ) / 1e3;
            if d_km < mic_km + extra_km {
                for &c in &m.channels {
                    if (lo..=hi).contains(&c) {
                        eirp[(c - lo) as usize] = None;
                    }
                }
            }
        }
        let channels = eirp
            .iter()
            .enumerate()
            .filter_map(|(k, p)| {
                let ch = lo + k as u32;
                let (a, b) = self.raster.edges_hz(ch).ok()?;
                p.map(|p| ChannelAvailability {
                    channel: ch,
                    low_hz: a,
                    high_hz: b,
                    max_eirp_dbm: p,
                })
            })
            .collect();
        Ok(Availability {
            channels,
            haat_m: haat,
        })
    }

    /// The PAWS spectra for an availability: one at the channel width and one at 100 kHz
    /// resolution (the same flat density), each a constraint. Contiguous channels share a
    /// profile, with a step where the power changes.
    pub fn spectra(&self, a: &Availability) -> Vec<Spectrum> {
        let w = self.raster.width_hz();
        let mut profiles: Vec<Vec<SpectrumProfilePoint>> = Vec::new();
        let mut prev_hi = f64::NAN;
        for c in &a.channels {
            let cont = c.low_hz == prev_hi;
            if !cont {
                profiles.push(Vec::new());
            }
            let p = profiles.last_mut().expect("pushed above");
            let same = p.last().is_some_and(|l| l.dbm == c.max_eirp_dbm);
            if cont && same {
                p.last_mut().expect("non-empty").hz = c.high_hz;
            } else {
                p.push(SpectrumProfilePoint {
                    hz: c.low_hz,
                    dbm: c.max_eirp_dbm,
                });
                p.push(SpectrumProfilePoint {
                    hz: c.high_hz,
                    dbm: c.max_eirp_dbm,
                });
            }
            prev_hi = c.high_hz;
        }
        let narrow = 100e3;
        let off = 10.0 * (w / narrow).log10();
        let narrow_profiles = profiles
            .iter()
            .map(|p| {
                p.iter()
                    .map(|q| SpectrumProfilePoint {
                        hz: q.hz,
                        dbm: ((q.dbm - off) * 100.0).round() / 100.0,
                    })
                    .collect()
            })
            .collect();
        vec![
            Spectrum {
                resolution_bw_hz: w,
                profiles,
            },
            Spectrum {
                resolution_bw_hz: narrow,
                profiles: narrow_profiles,
            },
        ]
    }
}

/// A north-up grid of the number of available channels over the served area.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelCountGrid {
    /// Longitude of the western edge, degrees.
    pub west_deg: f64,
    /// Latitude of the northern edge, degrees.
    pub north_deg: f64,
    /// Pixel size, degrees (square in degrees).
    pub step_deg: f64,
    /// Columns.
    pub width: usize,
    /// Rows (row 0 north).
    pub height: usize,
    /// Channel count at each pixel centre, row-major; `None` where a rule refuses.
    pub counts: Vec<Option<u32>>,
}

impl Database {
    /// Count the available channels at the centre of every `step_deg` pixel of the served
    /// area, for a device of class `class` with antenna `height_agl_m` (rayon over rows).
    pub fn channel_count_grid(
        &self,
        step_deg: f64,
        height_agl_m: f64,
        class: DeviceClass,
        emission_class: u8,
    ) -> ChannelCountGrid {
        use rayon::prelude::*;
        let c = self.config.coverage;
        let width = (((c.east_deg - c.west_deg) / step_deg).round() as usize).max(1);
        let height = (((c.north_deg - c.south_deg) / step_deg).round() as usize).max(1);
        let counts = (0..height)
            .into_par_iter()
            .flat_map_iter(|r| {
                (0..width).map(move |col| {
                    let q = Query {
                        lat_deg: c.north_deg - (r as f64 + 0.5) * step_deg,
                        lon_deg: c.west_deg + (col as f64 + 0.5) * step_deg,
                        height_agl_m,
                        uncertainty_m: 0.0,
                        class,
                        emission_class,
                    };
                    self.available(&q).ok().map(|a| a.channels.len() as u32)
                })
            })
            .collect();
        ChannelCountGrid {
            west_deg: c.west_deg,
            north_deg: c.north_deg,
            step_deg,
            width,
            height,
            counts,
        }
    }
}
