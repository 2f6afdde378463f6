//! Transmit antennas: isotropic, the 3GPP sector pattern, and MSI/Planet pattern files.
//!
//! Angles: azimuth in degrees clockwise from true north; elevation as a *depression* angle,
//! degrees below the horizon (positive looking down), matching how downtilt is quoted.
//!
//! # References
//! - 3GPP TR 36.942 §4.2.1: horizontal sector pattern A(θ) = −min(12(θ/θ_3dB)², A_m),
//!   θ_3dB = 65°, A_m = 20 dB, 15 dBi.
//! - 3GPP TR 36.814 Table A.2.1.1-2: vertical pattern A_V(φ) = −min(12((φ−φ_tilt)/φ_3dB)², SLA_V),
//!   SLA_V = 20 dB, and the combination −min(−(A_H + A_V), A_m).
//! - MSI Planet antenna file format (`NAME`, `GAIN x dBd|dBi`, `HORIZONTAL 360`, `VERTICAL 360`
//!   followed by `angle attenuation_dB` lines; vertical angles 0 = horizon, 90 = straight down).

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;
use toml::Spanned;

use super::raw::{AntennaFile, AntennaKind};
use super::{Checker, ErrorKind, ScenarioError};

/// Side-lobe level of the 3GPP vertical pattern, dB.
const SLA_V_DB: f64 = 20.0;

/// A tabulated pattern: attenuation (dB, ≥ 0, relative to the peak) against angle.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AntennaPattern {
    /// Peak gain, dBi.
    pub gain_dbi: f64,
    /// Horizontal cut: (angle from boresight, degrees clockwise, attenuation dB), sorted.
    pub horizontal: Vec<(f64, f64)>,
    /// Vertical cut: (depression angle 0..360, attenuation dB), sorted.
    pub vertical: Vec<(f64, f64)>,
}

impl AntennaPattern {
    /// Parse an MSI/Planet pattern file.
    ///
    /// # Errors
    /// A message naming the offending line.
    pub fn parse_msi(text: &str) -> Result<Self, String> {
        let mut gain_dbi = None;
        let mut horizontal = Vec::new();
        let mut vertical = Vec::new();
        let mut section: Option<(bool, usize)> = None; // (is_horizontal, remaining)
        for (i, line) in text.lines().enumerate() {
            let ln = i + 1;
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let mut it = t.split_whitespace();
            let first = it.next().unwrap_or("");
            if let Some((is_h, remaining)) = section.as_mut() {
                if *remaining > 0 {
                    let a: f64 = first.parse().map_err(|_| {
                        format!("line {ln}: expected 'angle attenuation', got '{t}'")
                    })?;
                    let v: f64 = it.next().and_then(|x| x.parse().ok()).ok_or_else(|| {
                        format!("line {ln}: expected 'angle attenuation', got '{t}'")
                    })?;
                    if !(0.0..360.0).contains(&a) || !v.is_finite() {
                        return Err(format!(
                            "line {ln}: angle must be in [0, 360) and attenuation finite"
                        ));
                    }
                    if *is_h {
                        horizontal.push((a, v.abs()));
                    } else {
                        vertical.push((a, v.abs()));
                    }
                    *remaining -= 1;
                    continue;
                }
                section = None;
            }
            match first.to_ascii_uppercase().as_str() {
                "GAIN" => {
                    let v: f64 = it
                        .next()
                        .and_then(|x| x.parse().ok())
                        .ok_or_else(|| format!("line {ln}: GAIN needs a number"))?;
                    let unit = it.next().unwrap_or("dBd").to_ascii_lowercase();
                    gain_dbi = Some(if unit == "dbi" { v } else { v + 2.15 });
                }
                "HORIZONTAL" | "VERTICAL" => {
                    let n: usize = it
                        .next()
                        .and_then(|x| x.parse().ok())
                        .ok_or_else(|| format!("line {ln}: {first} needs a point count"))?;
                    section = Some((first.eq_ignore_ascii_case("HORIZONTAL"), n));
                }
                _ => {} // NAME, MAKE, FREQUENCY, H_WIDTH, TILT, COMMENT, ...: informative
            }
        }
        if let Some((_, r)) = section {
            if r > 0 {
                return Err(format!(
                    "file ends {r} point(s) short of the section's count"
                ));
            }
        }
        if horizontal.len() < 2 || vertical.len() < 2 {
            return Err("needs HORIZONTAL and VERTICAL sections of at least 2 points each".into());
        }
        horizontal.sort_by(|a, b| a.0.total_cmp(&b.0));
        vertical.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(AntennaPattern {
            gain_dbi: gain_dbi.ok_or("no GAIN line")?,
            horizontal,
            vertical,
        })
    }

    /// Linear interpolation on a circular table at `angle_deg`.
    fn lookup(table: &[(f64, f64)], angle_deg: f64) -> f64 {
        let a = angle_deg.rem_euclid(360.0);
        let idx = table.partition_point(|p| p.0 <= a);
        let (p0, p1) = if idx == 0 {
            let last = table[table.len() - 1];
            ((last.0 - 360.0, last.1), table[0])
        } else if idx == table.len() {
            let first = table[0];
            (table[idx - 1], (first.0 + 360.0, first.1))
        } else {
            (table[idx - 1], table[idx])
        };
        let span = p1.0 - p0.0;
        if span <= 0.0 {
            return p0.1;
        }
        p0.1 + (p1.1 - p0.1) * (a - p0.0) / span
    }
}

/// A transmit antenna.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Antenna {
    /// Isotropic.
    Isotropic {
        /// Gain, dBi.
        gain_dbi: f64,
    },
    /// 3GPP sector.
    Sector {
        /// Peak gain, dBi.
        gain_dbi: f64,
        /// Boresight azimuth, degrees.
        azimuth_deg: f64,
        /// Downtilt, degrees.
        tilt_deg: f64,
        /// Horizontal 3 dB beamwidth, degrees.
        beamwidth_deg: f64,
        /// Vertical 3 dB beamwidth, degrees.
        vertical_beamwidth_deg: f64,
        /// A_m, dB.
        front_to_back_db: f64,
    },
    /// MSI/Planet pattern.
    Pattern {
        /// Peak gain, dBi.
        gain_dbi: f64,
        /// Boresight azimuth, degrees.
        azimuth_deg: f64,
        /// Mechanical downtilt, degrees.
        tilt_deg: f64,
        /// The pattern file.
        file: PathBuf,
        /// Its contents.
        #[serde(skip)]
        pattern: AntennaPattern,
    },
}

impl Antenna {
    /// Peak gain, dBi.
    pub fn gain_dbi(&self) -> f64 {
        match self {
            Antenna::Isotropic { gain_dbi }
            | Antenna::Sector { gain_dbi, .. }
            | Antenna::Pattern { gain_dbi, .. } => *gain_dbi,
        }
    }

    /// Gain relative to the peak (dB, ≤ 0) toward azimuth `az_deg` (clockwise from north) and
    /// depression angle `dep_deg` (below the horizon).
    pub fn relative_gain_db(&self, az_deg: f64, dep_deg: f64) -> f64 {
        match self {
            Antenna::Isotropic { .. } => 0.0,
            Antenna::Sector {
                azimuth_deg,
                tilt_deg,
                beamwidth_deg,
                vertical_beamwidth_deg,
                front_to_back_db,
                ..
            } => {
                let theta = (az_deg - azimuth_deg + 180.0).rem_euclid(360.0) - 180.0;
                let a_h = -(12.0 * (theta / beamwidth_deg).powi(2)).min(*front_to_back_db);
                let a_v =
                    -(12.0 * ((dep_deg - tilt_deg) / vertical_beamwidth_deg).powi(2)).min(SLA_V_DB);
                -(-(a_h + a_v)).min(*front_to_back_db)
            }
            Antenna::Pattern {
                azimuth_deg,
                tilt_deg,
                pattern,
                ..
            } => {
                let h = AntennaPattern::lookup(&pattern.horizontal, az_deg - azimuth_deg);
                let v = AntennaPattern::lookup(&pattern.vertical, dep_deg - tilt_deg);
                -(h + v)
            }
        }
    }
}

fn sp<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
    v.as_ref().map(Spanned::span)
}

/// Validate `[sites.antenna]`; `None` when it is unusable (errors pushed).
pub(super) fn validate(
    c: &mut Checker,
    a: Option<&Spanned<AntennaFile>>,
    base: &Path,
    input_files: &mut Vec<PathBuf>,
) -> Option<Antenna> {
    let Some(a) = a else {
        return Some(Antenna::Isotropic { gain_dbi: 0.0 });
    };
    let f = a.get_ref();
    let kind = *f.kind.get_ref();
    let not_for = |c: &mut Checker, key: &str, span: Option<Range<usize>>, k: &str| {
        if let Some(span) = span {
            c.push(ScenarioError::new(
                ErrorKind::Conflict,
                Some(span),
                format!("antenna key '{key}' does not apply to kind = \"{k}\""),
            ));
        }
    };
    let az = c.opt_range(&f.azimuth_deg, 0.0, -360.0, 360.0, "azimuth_deg", "°");
    let tilt = c.opt_range(&f.tilt_deg, 0.0, -90.0, 90.0, "tilt_deg", "°");
    match kind {
        AntennaKind::Isotropic => {
            for (k, s) in [
                ("azimuth_deg", sp(&f.azimuth_deg)),
                ("tilt_deg", sp(&f.tilt_deg)),
                ("beamwidth_deg", sp(&f.beamwidth_deg)),
                ("vertical_beamwidth_deg", sp(&f.vertical_beamwidth_deg)),
                ("front_to_back_db", sp(&f.front_to_back_db)),
                ("file", sp(&f.file)),
            ] {
                not_for(c, k, s, "isotropic");
            }
            Some(Antenna::Isotropic {
                gain_dbi: c.opt_range(&f.gain_dbi, 0.0, -20.0, 50.0, "gain_dbi", " dBi"),
            })
        }
        AntennaKind::Sector => {
            not_for(c, "file", sp(&f.file), "sector");
            Some(Antenna::Sector {
                gain_dbi: c.opt_range(&f.gain_dbi, 15.0, -20.0, 50.0, "gain_dbi", " dBi"),
                azimuth_deg: az,
                tilt_deg: tilt,
                beamwidth_deg: c.opt_range(
                    &f.beamwidth_deg,
                    65.0,
                    1.0,
                    360.0,
                    "beamwidth_deg",
                    "°",
                ),
                vertical_beamwidth_deg: c.opt_range(
                    &f.vertical_beamwidth_deg,
                    10.0,
                    1.0,
                    180.0,
                    "vertical_beamwidth_deg",
                    "°",
                ),
                front_to_back_db: c.opt_range(
                    &f.front_to_back_db,
                    20.0,
                    0.0,
                    60.0,
                    "front_to_back_db",
                    " dB",
                ),
            })
        }
        AntennaKind::Pattern => {
            for (k, s) in [
                ("beamwidth_deg", sp(&f.beamwidth_deg)),
                ("vertical_beamwidth_deg", sp(&f.vertical_beamwidth_deg)),
                ("front_to_back_db", sp(&f.front_to_back_db)),
            ] {
                not_for(c, k, s, "pattern");
            }
            let Some(file) = &f.file else {
                c.push(ScenarioError::new(
                    ErrorKind::MissingKey,
                    Some(a.span()),
                    "antenna kind = \"pattern\" needs file = \"PATTERN.msi\"",
                ));
                return None;
            };
            let path = base.join(file.get_ref());
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    c.push(
                        ScenarioError::new(
                            ErrorKind::MissingFile,
                            Some(file.span()),
                            format!(
                                "antenna pattern file '{}' cannot be read: {e}",
                                file.get_ref()
                            ),
                        )
                        .help("paths are relative to the scenario file's directory"),
                    );
                    return None;
                }
            };
            let pattern = match AntennaPattern::parse_msi(&text) {
                Ok(p) => p,
                Err(e) => {
                    c.push(ScenarioError::new(
                        ErrorKind::BadFile,
                        Some(file.span()),
                        format!(
                            "antenna pattern file '{}' is not a valid MSI/Planet file: {e}",
                            file.get_ref()
                        ),
                    ));
                    return None;
                }
            };
            input_files.push(path.clone());
            Some(Antenna::Pattern {
                gain_dbi: c.opt_range(
                    &f.gain_dbi,
                    pattern.gain_dbi,
                    -20.0,
                    50.0,
                    "gain_dbi",
                    " dBi",
                ),
                azimuth_deg: az,
                tilt_deg: tilt,
                file: path,
                pattern,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sector_pattern_36942() {
        let a = Antenna::Sector {
            gain_dbi: 15.0,
            azimuth_deg: 90.0,
            tilt_deg: 0.0,
            beamwidth_deg: 65.0,
            vertical_beamwidth_deg: 10.0,
            front_to_back_db: 20.0,
        };
        assert_eq!(a.relative_gain_db(90.0, 0.0), 0.0);
        // 3 dB at half the beamwidth off boresight.
        assert!((a.relative_gain_db(90.0 + 32.5, 0.0) + 3.0).abs() < 1e-12);
        // Back lobe capped at A_m.
        assert_eq!(a.relative_gain_db(270.0, 0.0), -20.0);
        // Wraps across north.
        assert!((a.relative_gain_db(-270.0, 0.0) - 0.0).abs() < 1e-12);
        // Vertical: 3 dB at half the vertical beamwidth.
        assert!((a.relative_gain_db(90.0, 5.0) + 3.0).abs() < 1e-12);
    }

    #[test]
    fn msi_parse_and_interpolate() {
        let text = "NAME test\nGAIN 10 dBd\nHORIZONTAL 4\n0 0\n90 10\n180 20\n270 10\nVERTICAL 2\n0 0\n180 30\n";
        let p = AntennaPattern::parse_msi(text).unwrap();
        assert!((p.gain_dbi - 12.15).abs() < 1e-12);
        assert_eq!(AntennaPattern::lookup(&p.horizontal, 45.0), 5.0);
        assert_eq!(AntennaPattern::lookup(&p.horizontal, 315.0), 5.0);
        assert_eq!(AntennaPattern::lookup(&p.vertical, 90.0), 15.0);
        assert_eq!(AntennaPattern::lookup(&p.vertical, 270.0), 15.0);
        assert!(AntennaPattern::parse_msi("GAIN 3\nHORIZONTAL 3\n0 0\n").is_err());
        assert!(AntennaPattern::parse_msi("HORIZONTAL 2\n0 0\nx y\n").is_err());
    }
}
