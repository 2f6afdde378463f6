//! Database configuration: a TOML file (raw, serde, unknown keys rejected) validated into
//! [`Config`] with units and checked ranges. Paths in the file are relative to the file.
//!
//! ```toml
//! name = "example"
//! ruleset = "fcc"                 # "fcc" (US 6 MHz, channels 14–36) or "etsi" (8 MHz, 21–60)
//! stations = "stations.csv"       # TV transmitters (see `incumbents`)
//! store = "registrations.json"    # registration store, written atomically
//! schedule_hours = 48
//! require_registration = true     # FCC fixed devices must register first
//! less_congested = false          # FCC 2020 order: 42 dBm fixed EIRP, HAAT up to 500 m
//!
//! [coverage]                      # the area served; elsewhere → OUTSIDE_COVERAGE
//! south_deg = 44.0
//! north_deg = 46.0
//! west_deg = -100.0
//! east_deg = -97.0
//!
//! [terrain]                       # "synthetic" (deterministic hills), "flat" or "hgt"
//! kind = "synthetic"
//! base_m = 400.0
//! relief_m = 80.0
//!
//! [contours]
//! model = "itm"                   # ITM F(50,90) (default) or "delta-bullington" (median)
//! radials = 360
//! rx_height_m = 10.0
//! max_km = 250.0
//! time_variability_db = 0.0       # extra margin; for a median model, F(50,50) → F(50,90)
//!
//! [limits]
//! max_body_bytes = 65536
//! rate_per_s = 20000.0            # per client address, token bucket
//! burst = 40000.0
//!
//! [[wireless_mics]]
//! lat_deg = 45.1
//! lon_deg = -98.4
//! channels = [24]
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// Which rules the database applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ruleset {
    /// FCC Part 15 Subpart H, US 6 MHz raster.
    Fcc,
    /// ETSI EN 301 598, 8 MHz raster.
    Etsi,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    ruleset: Ruleset,
    stations: String,
    store: String,
    #[serde(default = "default_schedule_hours")]
    schedule_hours: f64,
    #[serde(default = "default_true")]
    require_registration: bool,
    #[serde(default)]
    less_congested: bool,
    #[serde(default)]
    authority: Option<String>,
    coverage: Coverage,
    #[serde(default)]
    terrain: RawTerrain,
    #[serde(default)]
    contours: ContourParams,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    wireless_mics: Vec<WirelessMic>,
}

fn default_schedule_hours() -> f64 {
    48.0
}
fn default_true() -> bool {
    true
}

/// The area the database serves, degrees.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    pub south_deg: f64,
    pub north_deg: f64,
    pub west_deg: f64,
    pub east_deg: f64,
}

impl Coverage {
    /// Whether a point is inside.
    pub fn contains(&self, lat_deg: f64, lon_deg: f64) -> bool {
        (self.south_deg..=self.north_deg).contains(&lat_deg)
            && (self.west_deg..=self.east_deg).contains(&lon_deg)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerrain {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    base_m: Option<f64>,
    #[serde(default)]
    relief_m: Option<f64>,
    #[serde(default)]
    hgt: Option<String>,
}

/// Terrain source.
#[derive(Debug, Clone, PartialEq)]
pub enum Terrain {
    /// Deterministic synthetic hills: base elevation and peak-to-peak relief, m.
    Synthetic { base_m: f64, relief_m: f64 },
    /// Flat ground at an elevation, m.
    Flat { elevation_m: f64 },
    /// One SRTM `.hgt` tile.
    Hgt(PathBuf),
}

/// Propagation model of the contours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContourModel {
    /// NTIA ITM v1.4 point-to-point, broadcast variability, time 90 % / location 50 %
    /// (F(50,90)).
    Itm,
    /// Free space + delta-Bullington diffraction (median; add `time_variability_db`).
    DeltaBullington,
}

/// Contour computation parameters.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContourParams {
    /// Propagation model (default ITM F(50,90)).
    pub model: ContourModel,
    /// Number of radials (360 = every degree).
    pub radials: u32,
    /// Receive height for the contour, m (FCC: 10 m).
    pub rx_height_m: f64,
    /// Farthest distance searched, km.
    pub max_km: f64,
    /// Margin subtracted from the median field to approximate F(50,90), dB.
    pub time_variability_db: f64,
}

impl Default for ContourParams {
    fn default() -> Self {
        ContourParams {
            model: ContourModel::Itm,
            radials: 360,
            rx_height_m: 10.0,
            max_km: 250.0,
            time_variability_db: 0.0,
        }
    }
}

/// HTTP limits.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
    /// Sustained requests per second per client address.
    pub rate_per_s: f64,
    /// Bucket size, requests.
    pub burst: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            rate_per_s: 20_000.0,
            burst: 40_000.0,
        }
    }
}

/// A wireless microphone (low-power auxiliary) site to protect.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WirelessMic {
    pub lat_deg: f64,
    pub lon_deg: f64,
    /// Channels in use there.
    pub channels: Vec<u32>,
}

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Database name (returned in DbUpdateSpec-style messages and logs).
    pub name: String,
    /// Rules.
    pub ruleset: Ruleset,
    /// Regulatory authority (ISO 3166), default `US` for FCC and `GB` for ETSI.
    pub authority: String,
    /// Stations CSV path.
    pub stations: PathBuf,
    /// Registration store path.
    pub store: PathBuf,
    /// Length of the offered schedule, s.
    pub schedule_s: i64,
    /// Whether FCC fixed devices must register before asking for spectrum.
    pub require_registration: bool,
    /// FCC less congested area rules.
    pub less_congested: bool,
    /// Area served.
    pub coverage: Coverage,
    /// Terrain.
    pub terrain: Terrain,
    /// Contours.
    pub contours: ContourParams,
    /// HTTP limits.
    pub limits: Limits,
    /// Wireless microphones.
    pub wireless_mics: Vec<WirelessMic>,
}

impl Config {
    /// Read and validate a config file.
    ///
    /// # Errors
    /// [`Error::Config`] for an unreadable or invalid file (the message names the file).
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.display().to_string(),
            what: e.to_string(),
        })?;
        Config::parse(&text, path.parent().unwrap_or(Path::new("."))).map_err(|what| {
            Error::Config {
                path: path.display().to_string(),
                what,
            }
        })
    }

    /// Parse config text; relative paths are taken from `base_dir`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str, base_dir: &Path) -> Result<Config, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let c = raw.coverage;
        if !(c.south_deg < c.north_deg
            && c.west_deg < c.east_deg
            && c.south_deg >= -90.0
            && c.north_deg <= 90.0
            && c.west_deg >= -180.0
            && c.east_deg <= 180.0)
        {
            return Err("coverage: need south < north, west < east, within ±90/±180°".into());
        }
        if !(raw.schedule_hours > 0.0 && raw.schedule_hours <= 24.0 * 30.0) {
            return Err("schedule_hours must be in (0, 720]".into());
        }
        let p = raw.contours;
        if !(p.radials >= 4 && p.radials <= 3600) {
            return Err("contours.radials must be 4…3600".into());
        }
        if !(p.max_km > 1.0 && p.max_km <= 1000.0 && p.rx_height_m > 0.0) {
            return Err("contours: max_km in (1, 1000], rx_height_m > 0".into());
        }
        let l = raw.limits;
        if l.max_body_bytes < 256 || l.rate_per_s <= 0.0 || l.burst < 1.0 {
            return Err("limits: max_body_bytes ≥ 256, rate_per_s > 0, burst ≥ 1".into());
        }
        let t = raw.terrain;
        let terrain = match t.kind.as_deref().unwrap_or("synthetic") {
            "synthetic" => Terrain::Synthetic {
                base_m: t.base_m.unwrap_or(300.0),
                relief_m: t.relief_m.unwrap_or(60.0),
            },
            "flat" => Terrain::Flat {
                elevation_m: t.base_m.unwrap_or(0.0),
            },
            "hgt" => Terrain::Hgt(
                base_dir.join(t.hgt.ok_or("terrain.kind = \"hgt\" needs terrain.hgt")?),
            ),
            other => {
                return Err(format!(
                    "terrain.kind '{other}': use synthetic, flat or hgt"
                ))
            }
        };
        let authority = raw.authority.unwrap_or_else(|| {
            match raw.ruleset {
                Ruleset::Fcc => "US",
                Ruleset::Etsi => "GB",
            }
            .into()
        });
        Ok(Config {
            name: raw.name,
            ruleset: raw.ruleset,
            authority,
            stations: base_dir.join(raw.stations),
            store: base_dir.join(raw.store),
            schedule_s: (raw.schedule_hours * 3600.0).round() as i64,
            require_registration: raw.require_registration,
            less_congested: raw.less_congested,
            coverage: c,
            terrain,
            contours: p,
            limits: l,
            wireless_mics: raw.wireless_mics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
name = "t"
ruleset = "fcc"
stations = "s.csv"
store = "r.json"
[coverage]
south_deg = 44.0
north_deg = 46.0
west_deg = -100.0
east_deg = -97.0
"#;

    #[test]
    fn minimal_and_defaults() {
        let c = Config::parse(MIN, Path::new("/base")).unwrap();
        assert_eq!(c.stations, Path::new("/base/s.csv"));
        assert_eq!(c.contours.radials, 360);
        assert_eq!(c.authority, "US");
        assert_eq!(c.schedule_s, 48 * 3600);
    }

    #[test]
    fn unknown_keys_rejected() {
        let bad = format!("{MIN}\nbogus = 1\n");
        assert!(Config::parse(&bad, Path::new(".")).is_err());
        let bad = MIN.replace("south_deg = 44.0", "south_deg = 47.0");
        assert!(Config::parse(&bad, Path::new(".")).is_err());
    }
}
