//! The `[tvws]` section: a PAWS white-space database chooses each site's channel and power.
//!
//! sim only validates the section (paths resolved against the scenario file, ranges,
//! combinations); the binary starts or reaches the database, runs the PAWS exchange and
//! feeds the TV stations to [`crate::coverage::compute_with_interference`] (sim does not
//! depend on the database crate).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

use super::raw::{RasterName, TvwsDeviceName, TvwsFile};
use super::{Carrier, Checker, ErrorKind, ScenarioError};

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TvwsDatabase {
    /// Start the database of this configuration in-process (127.0.0.1, port 0).
    InProcess {
        /// The wsdb configuration file.
        config: PathBuf,
    },
    /// Ask a running database.
    Url {
        /// `http[s]://HOST:PORT[/path]`.
        url: String,
        /// CA certificates to trust (https).
        ca_file: Option<PathBuf>,
    },
}

/// Fixed or portable device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TvwsDevice {
    /// FCC `FIXED`, ETSI type A.
    Fixed,
    /// FCC `MODE_2`, ETSI type B.
    Portable,
}

/// The validated `[tvws]` section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TvwsSpec {
    /// The database.
    pub database: TvwsDatabase,
    /// TV stations CSV for the interference model; `None`: the database configuration's.
    pub stations: Option<PathBuf>,
    /// Channel raster name: `us`, `eu-uhf` (in-process: from the configuration, checked
    /// when it is loaded).
    pub raster: Option<String>,
    /// Device type.
    pub device: TvwsDevice,
    /// ETSI emission class 1–5.
    pub emission_class: u8,
    /// Cable loss, dB.
    pub cable_loss_db: f64,
    /// Largest conducted power, dBm.
    pub max_conducted_dbm: f64,
    /// Largest number of bonded channels.
    pub max_channels: u32,
    /// Guard of the TVWS fill fit, Hz, when enabled.
    pub fill_guard_hz: Option<u32>,
    /// Channels the choice may use (`None`: any granted).
    pub channels: Option<Vec<u32>>,
    /// Whether TV stations interfere.
    pub interference: bool,
    /// Adjacent-channel rejection override, dB.
    pub adjacent_rejection_db: Option<f64>,
    /// Stations beyond this distance from every site are ignored, km.
    pub max_interferer_km: f64,
    /// Span of the `[tvws]` table.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl TvwsSpec {
    /// The raster named by `raster` (US when none is named).
    pub fn tv_raster(&self) -> phy::tv::TvRaster {
        match self.raster.as_deref() {
            Some("eu-uhf") => phy::tv::TvRaster::Eu8Uhf,
            _ => phy::tv::TvRaster::Us6,
        }
    }
}

/// The carrier a `[tvws]` scenario has before the database is asked (what `validate` and
/// `path` show): the first allowed channel of the raster, at its full width.
pub fn provisional_carrier(t: &TvwsSpec) -> Carrier {
    let raster = t.tv_raster();
    let ch = t
        .channels
        .as_ref()
        .and_then(|c| c.first().copied())
        .unwrap_or(raster.channels().0);
    let name = match raster {
        phy::tv::TvRaster::Eu8Uhf => "eu-uhf",
        _ => "us",
    };
    Carrier {
        center_hz: raster.center_hz(ch).unwrap_or(f64::NAN),
        bandwidth_hz: raster.width_hz(),
        tv_channel: Some((name.to_string(), ch)),
        span: t.span.clone(),
    }
}

pub(super) fn validate(c: &mut Checker, t: &Spanned<TvwsFile>, base: &Path) -> Option<TvwsSpec> {
    let f = t.get_ref();
    let span = Some(t.span());
    let file = |c: &mut Checker, v: &Spanned<String>, what: &str| -> PathBuf {
        let p = base.join(v.get_ref());
        if !p.is_file() {
            c.push(
                ScenarioError::new(
                    ErrorKind::MissingFile,
                    Some(v.span()),
                    format!("{what} {} does not exist", p.display()),
                )
                .help("paths are relative to the scenario file's directory"),
            );
        }
        p
    };
    let database = match (&f.config, &f.url) {
        (Some(cfg), None) => {
            if let Some(ca) = &f.ca_file {
                c.push(ScenarioError::new(
                    ErrorKind::Conflict,
                    Some(ca.span()),
                    "ca_file applies only to an https url",
                ));
            }
            if let Some(r) = &f.raster {
                c.push(
                    ScenarioError::new(
                        ErrorKind::Conflict,
                        Some(r.span()),
                        "raster applies only with url: an in-process database's ruleset sets it",
                    )
                    .help("remove raster"),
                );
            }
            TvwsDatabase::InProcess {
                config: file(c, cfg, "database configuration"),
            }
        }
        (None, Some(u)) => {
            let url = u.get_ref().trim().to_string();
            let https = url.starts_with("https://");
            let ok = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))
                .is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
            if !ok {
                c.push(
                    ScenarioError::new(
                        ErrorKind::OutOfRange,
                        Some(u.span()),
                        format!("url '{url}' is not an http[s]://HOST:PORT[/path] address"),
                    )
                    .help("for example url = \"http://127.0.0.1:8080/paws\""),
                );
            }
            let ca_file = match (&f.ca_file, https) {
                (Some(ca), true) => Some(file(c, ca, "CA file")),
                (Some(ca), false) => {
                    c.push(ScenarioError::new(
                        ErrorKind::Conflict,
                        Some(ca.span()),
                        "ca_file applies only to an https url",
                    ));
                    None
                }
                (None, true) => {
                    c.push(
                        ScenarioError::new(
                            ErrorKind::MissingKey,
                            Some(u.span()),
                            "an https url needs ca_file = \"CA.pem\" (the certificates to trust)",
                        )
                        .help("no system trust store is used"),
                    );
                    None
                }
                (None, false) => None,
            };
            TvwsDatabase::Url { url, ca_file }
        }
        (Some(_), Some(u)) => {
            c.push(ScenarioError::new(
                ErrorKind::Conflict,
                Some(u.span()),
                "give config (database started in-process) or url (a running database), not both",
            ));
            return None;
        }
        (None, None) => {
            c.push(
                ScenarioError::new(
                    ErrorKind::MissingKey,
                    span,
                    "[tvws] needs config = \"WSDB.toml\" or url = \"http://HOST:PORT/paws\"",
                )
                .help("config starts the database in-process; url asks a running one"),
            );
            return None;
        }
    };
    let interference = f.interference.as_ref().is_none_or(|v| *v.get_ref());
    let stations = f.stations.as_ref().map(|s| file(c, s, "stations file"));
    if stations.is_none() && interference && matches!(database, TvwsDatabase::Url { .. }) {
        c.push(
            ScenarioError::new(
                ErrorKind::MissingKey,
                span.clone(),
                "with url, the TV stations for the interference model must be named: stations = \"FILE.csv\"",
            )
            .help("or set interference = false"),
        );
    }
    let raster = match f.raster.as_ref().map(|r| (*r.get_ref(), r.span())) {
        None => None,
        Some((RasterName::Us, _)) => Some("us".to_string()),
        Some((RasterName::EuUhf, _)) => Some("eu-uhf".to_string()),
        Some((RasterName::EuVhf, sp)) => {
            c.push(ScenarioError::new(
                ErrorKind::OutOfRange,
                Some(sp),
                "PAWS databases serve UHF rasters: raster must be \"us\" or \"eu-uhf\"",
            ));
            None
        }
    };
    let emission_class = match &f.emission_class {
        Some(e) => {
            let v = *e.get_ref();
            if !(1..=5).contains(&v) {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(e.span()),
                    format!("emission_class = {v} is out of range: ETSI classes are 1–5"),
                ));
            }
            v
        }
        None => 5,
    };
    let max_channels = match &f.max_channels {
        Some(m) => {
            let v = *m.get_ref();
            if !(1..=4).contains(&v) {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(m.span()),
                    format!("max_channels = {v} is out of range: 1–4 contiguous channels"),
                ));
            }
            v
        }
        None => 1,
    };
    let fill_guard_hz = match &f.fill_guard_hz {
        Some(g) => {
            let v = *g.get_ref();
            if !(15_000..=2_000_000).contains(&v) {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(g.span()),
                    format!("fill_guard_hz = {v} is out of range: 15000–2000000 Hz"),
                ));
            }
            Some(v)
        }
        None => None,
    };
    let tv = TvwsSpec {
        database,
        stations,
        raster,
        device: match f.device.as_ref().map(|d| *d.get_ref()) {
            None | Some(TvwsDeviceName::Fixed) => TvwsDevice::Fixed,
            Some(TvwsDeviceName::Portable) => TvwsDevice::Portable,
        },
        emission_class,
        cable_loss_db: c.opt_range(&f.cable_loss_db, 0.0, 0.0, 30.0, "cable_loss_db", " dB"),
        max_conducted_dbm: c.opt_range(
            &f.max_conducted_dbm,
            30.0,
            -30.0,
            60.0,
            "max_conducted_dbm",
            " dBm",
        ),
        max_channels,
        fill_guard_hz,
        channels: None,
        interference,
        adjacent_rejection_db: f
            .adjacent_rejection_db
            .as_ref()
            .map(|v| c.range(v, 0.0, 120.0, "adjacent_rejection_db", " dB")),
        max_interferer_km: c.opt_range(
            &f.max_interferer_km,
            200.0,
            1.0,
            500.0,
            "max_interferer_km",
            " km",
        ),
        span,
    };
    let channels = match &f.channels {
        Some(chs) => {
            // In-process, the ruleset (read later) fixes the raster: check the UHF span of
            // both rasters here and the exact one when the configuration is loaded.
            let (lo, hi) = match tv.database {
                TvwsDatabase::InProcess { .. } => (14, 60),
                TvwsDatabase::Url { .. } => tv.tv_raster().channels(),
            };
            if chs.get_ref().is_empty() {
                c.push(ScenarioError::new(
                    ErrorKind::OutOfRange,
                    Some(chs.span()),
                    "channels must list at least one TV channel (or be left out)",
                ));
            }
            if let Some(bad) = chs.get_ref().iter().find(|ch| !(lo..=hi).contains(*ch)) {
                c.push(
                    ScenarioError::new(
                        ErrorKind::OutOfRange,
                        Some(chs.span()),
                        format!("channel {bad} is outside the raster's channels {lo}–{hi}"),
                    )
                    .help("with an in-process database the raster is the ruleset's (us: 14–36)"),
                );
            }
            let mut v = chs.get_ref().clone();
            v.sort_unstable();
            v.dedup();
            Some(v)
        }
        None => None,
    };
    Some(TvwsSpec { channels, ..tv })
}
