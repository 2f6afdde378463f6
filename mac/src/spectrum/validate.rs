//! Validation of PAWS messages against the rules of RFC 7545.
//!
//! A device must not act on a response it cannot trust: [`avail_spectrum_resp`] and friends
//! check every rule below and return the first [`Violation`] with the dotted path of the
//! offending parameter. The database uses [`geolocation`] and [`device_desc`] on requests,
//! mapping a violation to INVALID_VALUE (-202) with [`Violation::to_rpc_error`].
//!
//! | rule | RFC 7545 |
//! |---|---|
//! | [`Rule::Version`] `version` is "1.0" | §4.1, §5.17 |
//! | [`Rule::MessageType`] `type` matches the method | §4 |
//! | [`Rule::Timestamp`] exactly `YYYY-MM-DDThh:mm:ssZ` | §5.15 |
//! | [`Rule::EmptyInterval`] start before stop | §5.14 |
//! | [`Rule::ScheduleOrder`] schedules sorted and disjoint | §5.9 |
//! | [`Rule::ResolutionBw`] resolutionBwHz finite and > 0 | §5.11 |
//! | [`Rule::ProfileTooShort`] ≥ 2 points per profile | §5.11 |
//! | [`Rule::ProfileDecreasing`] `hz` non-decreasing | §5.11 |
//! | [`Rule::ProfileTripleStep`] ≤ 2 consecutive equal `hz` | §5.11 |
//! | [`Rule::ProfileOverlap`] profiles of one spectrum disjoint and ordered | §5.11 |
//! | [`Rule::NotFinite`] numbers finite | §5 |
//! | [`Rule::Latitude`]/[`Rule::Longitude`] in range | §5.1 |
//! | [`Rule::Ellipse`] axes ≥ 0, minor ≤ major, orientation in [0, 180) | §5.1 |
//! | [`Rule::Confidence`] 0…99 | §5.1 |
//! | [`Rule::LocationChoice`] exactly one of point / region | §5.1 |
//! | [`Rule::PolygonOpen`]/[`Rule::PolygonSize`]/[`Rule::PolygonClockwise`] closed, 4–16 points (≤ 15 vertices), counter-clockwise | §5.1, RFC 5491 |
//! | [`Rule::FrequencyRange`] start < stop | §5.4 |
//! | [`Rule::RulesetInfo`] maxLocationChange > 0, maxPollingSecs > 0, ids non-empty | §5.7 |
//! | [`Rule::DbUpdate`] DbUpdateSpec lists ≥ 1 database | §5.8 |
//! | [`Rule::Bandwidth`] maxTotalBwHz / maxContiguousBwHz > 0 | §5.9 |
//! | [`Rule::DeviceCount`] DEV_VALID_RESP answers each device once | §4.6.2 |
//! | [`Rule::SerialNumber`] deviceDesc.serialNumber present and non-empty | §5.2 |

use super::paws::{
    AvailSpectrumBatchResp, AvailSpectrumResp, DbUpdateSpec, DevValidResp, DeviceDescriptor,
    ErrorCode, EventTime, FrequencyRange, GeoLocation, InitResp, Method, RegistrationResp,
    RpcError, RulesetInfo, Spectrum, SpectrumSpec, SpectrumUseResp, PAWS_VERSION,
};
use super::timestamp;

/// Which rule was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    Version,
    MessageType,
    Timestamp,
    EmptyInterval,
    ScheduleOrder,
    ResolutionBw,
    ProfileTooShort,
    ProfileDecreasing,
    ProfileTripleStep,
    ProfileOverlap,
    NotFinite,
    Latitude,
    Longitude,
    Ellipse,
    Confidence,
    LocationChoice,
    PolygonOpen,
    PolygonSize,
    PolygonClockwise,
    FrequencyRange,
    RulesetInfo,
    DbUpdate,
    Bandwidth,
    DeviceCount,
    SerialNumber,
}

/// A broken rule at a dotted parameter path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {rule:?}: {detail}")]
pub struct Violation {
    /// Dotted path, e.g. `spectrumSpecs[0].spectrumSchedules[1].eventTime.startTime`.
    pub path: String,
    /// The rule.
    pub rule: Rule,
    /// What was seen.
    pub detail: String,
}

impl Violation {
    fn new(path: impl Into<String>, rule: Rule, detail: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            rule,
            detail: detail.into(),
        }
    }

    /// The PAWS error a database returns for this violation in a request: VERSION for a
    /// version mismatch, INVALID_VALUE otherwise.
    pub fn to_rpc_error(&self) -> RpcError {
        let code = match self.rule {
            Rule::Version => ErrorCode::Version,
            _ => ErrorCode::InvalidValue,
        };
        let mut e = RpcError::new(code, self.to_string());
        e.data = Some(serde_json::json!({ "invalid": [self.path] }));
        e
    }
}

type R = Result<(), Violation>;

fn header(kind: &str, version: &str, method: Method) -> R {
    if version != PAWS_VERSION {
        return Err(Violation::new("version", Rule::Version, version));
    }
    if kind != method.response_type() {
        return Err(Violation::new(
            "type",
            Rule::MessageType,
            format!("{kind} (expected {})", method.response_type()),
        ));
    }
    Ok(())
}

fn finite(path: &str, v: f64) -> R {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Violation::new(path, Rule::NotFinite, v.to_string()))
    }
}

/// Check a timestamp's exact format; returns its Unix seconds.
///
/// # Errors
/// [`Rule::Timestamp`].
pub fn timestamp_at(path: &str, text: &str) -> Result<i64, Violation> {
    timestamp::parse(text).map_err(|e| Violation::new(path, Rule::Timestamp, e.to_string()))
}

/// Check an interval: both timestamps valid and start < stop. Returns `(start, stop)`.
///
/// # Errors
/// [`Rule::Timestamp`], [`Rule::EmptyInterval`].
pub fn event_time(path: &str, t: &EventTime) -> Result<(i64, i64), Violation> {
    let a = timestamp_at(&format!("{path}.startTime"), &t.start_time)?;
    let b = timestamp_at(&format!("{path}.stopTime"), &t.stop_time)?;
    if a >= b {
        return Err(Violation::new(
            path,
            Rule::EmptyInterval,
            format!("{} is not before {}", t.start_time, t.stop_time),
        ));
    }
    Ok((a, b))
}

/// Check one spectrum: resolution bandwidth and the profile point rules.
///
/// # Errors
/// [`Rule::ResolutionBw`], [`Rule::ProfileTooShort`], [`Rule::ProfileDecreasing`],
/// [`Rule::ProfileTripleStep`], [`Rule::ProfileOverlap`], [`Rule::NotFinite`].
pub fn spectrum(path: &str, s: &Spectrum) -> R {
    if !(s.resolution_bw_hz.is_finite() && s.resolution_bw_hz > 0.0) {
        return Err(Violation::new(
            format!("{path}.resolutionBwHz"),
            Rule::ResolutionBw,
            s.resolution_bw_hz.to_string(),
        ));
    }
    let mut prev_end: Option<f64> = None;
    for (i, prof) in s.profiles.iter().enumerate() {
        let pp = format!("{path}.profiles[{i}]");
        if prof.len() < 2 {
            return Err(Violation::new(
                pp,
                Rule::ProfileTooShort,
                format!("{} points", prof.len()),
            ));
        }
        for (j, p) in prof.iter().enumerate() {
            finite(&format!("{pp}[{j}].hz"), p.hz)?;
            finite(&format!("{pp}[{j}].dbm"), p.dbm)?;
        }
        for j in 1..prof.len() {
            if prof[j].hz < prof[j - 1].hz {
                return Err(Violation::new(
                    format!("{pp}[{j}].hz"),
                    Rule::ProfileDecreasing,
                    format!("{} after {}", prof[j].hz, prof[j - 1].hz),
                ));
            }
            if j >= 2 && prof[j].hz == prof[j - 1].hz && prof[j - 1].hz == prof[j - 2].hz {
                return Err(Violation::new(
                    format!("{pp}[{j}].hz"),
                    Rule::ProfileTripleStep,
                    format!("three points at {} Hz", prof[j].hz),
                ));
            }
        }
        if prof[0].hz == prof[prof.len() - 1].hz {
            return Err(Violation::new(
                pp,
                Rule::ProfileTooShort,
                "profile spans no frequency",
            ));
        }
        if let Some(end) = prev_end {
            if prof[0].hz < end {
                return Err(Violation::new(
                    pp,
                    Rule::ProfileOverlap,
                    format!(
                        "starts at {} Hz before the previous ends at {end} Hz",
                        prof[0].hz
                    ),
                ));
            }
        }
        prev_end = Some(prof[prof.len() - 1].hz);
    }
    Ok(())
}

/// Check ruleset info.
///
/// # Errors
/// [`Rule::RulesetInfo`].
pub fn ruleset_info(path: &str, r: &RulesetInfo) -> R {
    if r.authority.is_empty() || r.ruleset_id.is_empty() {
        return Err(Violation::new(
            path,
            Rule::RulesetInfo,
            "empty authority or rulesetId",
        ));
    }
    if let Some(m) = r.max_location_change {
        if !(m.is_finite() && m > 0.0) {
            return Err(Violation::new(
                format!("{path}.maxLocationChange"),
                Rule::RulesetInfo,
                m.to_string(),
            ));
        }
    }
    if let Some(p) = r.max_polling_secs {
        if p <= 0 {
            return Err(Violation::new(
                format!("{path}.maxPollingSecs"),
                Rule::RulesetInfo,
                p.to_string(),
            ));
        }
    }
    Ok(())
}

fn freq_range(path: &str, f: &FrequencyRange) -> R {
    finite(&format!("{path}.startHz"), f.start_hz)?;
    finite(&format!("{path}.stopHz"), f.stop_hz)?;
    if f.start_hz >= f.stop_hz || f.start_hz < 0.0 {
        return Err(Violation::new(
            path,
            Rule::FrequencyRange,
            format!("[{}, {})", f.start_hz, f.stop_hz),
        ));
    }
    Ok(())
}

fn db_update(path: &str, d: &Option<DbUpdateSpec>) -> R {
    match d {
        Some(d) if d.databases.is_empty() => {
            Err(Violation::new(path, Rule::DbUpdate, "no databases listed"))
        }
        _ => Ok(()),
    }
}

/// Check a spectrum spec: ruleset, schedules (each interval valid, sorted, disjoint), every
/// spectrum, frequency ranges and bandwidth limits.
///
/// # Errors
/// Any rule of the module table that applies.
pub fn spectrum_spec(path: &str, s: &SpectrumSpec) -> R {
    ruleset_info(&format!("{path}.rulesetInfo"), &s.ruleset_info)?;
    let mut prev: Option<i64> = None;
    for (i, sch) in s.spectrum_schedules.iter().enumerate() {
        let sp = format!("{path}.spectrumSchedules[{i}]");
        let (a, b) = event_time(&format!("{sp}.eventTime"), &sch.event_time)?;
        if let Some(p) = prev {
            if a < p {
                return Err(Violation::new(
                    format!("{sp}.eventTime"),
                    Rule::ScheduleOrder,
                    "overlaps or precedes the previous schedule",
                ));
            }
        }
        prev = Some(b);
        for (k, s) in sch.spectra.iter().enumerate() {
            spectrum(&format!("{sp}.spectra[{k}]"), s)?;
        }
    }
    if let Some(t) = &s.time_range {
        event_time(&format!("{path}.timeRange"), t)?;
    }
    for (i, f) in s.frequency_ranges.iter().flatten().enumerate() {
        freq_range(&format!("{path}.frequencyRanges[{i}]"), f)?;
    }
    for (name, v) in [
        ("maxTotalBwHz", s.max_total_bw_hz),
        ("maxContiguousBwHz", s.max_contiguous_bw_hz),
    ] {
        if let Some(v) = v {
            if !(v.is_finite() && v > 0.0) {
                return Err(Violation::new(
                    format!("{path}.{name}"),
                    Rule::Bandwidth,
                    v.to_string(),
                ));
            }
        }
    }
    Ok(())
}

/// Check a geolocation (request or response).
///
/// # Errors
/// [`Rule::LocationChoice`], [`Rule::Latitude`], [`Rule::Longitude`], [`Rule::Ellipse`],
/// [`Rule::Confidence`], [`Rule::PolygonOpen`], [`Rule::PolygonSize`],
/// [`Rule::PolygonClockwise`], [`Rule::NotFinite`].
pub fn geolocation(path: &str, g: &GeoLocation) -> R {
    let point = |p: &str, lat: f64, lon: f64| -> R {
        finite(&format!("{p}.latitude"), lat)?;
        finite(&format!("{p}.longitude"), lon)?;
        if !(-90.0..=90.0).contains(&lat) {
            return Err(Violation::new(
                format!("{p}.latitude"),
                Rule::Latitude,
                lat.to_string(),
            ));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(Violation::new(
                format!("{p}.longitude"),
                Rule::Longitude,
                lon.to_string(),
            ));
        }
        Ok(())
    };
    if let Some(c) = g.confidence {
        if !(0..=99).contains(&c) {
            return Err(Violation::new(
                format!("{path}.confidence"),
                Rule::Confidence,
                c.to_string(),
            ));
        }
    }
    match (&g.point, &g.region) {
        (Some(e), None) => {
            point(
                &format!("{path}.point.center"),
                e.center.latitude,
                e.center.longitude,
            )?;
            let maj = e.semi_major_axis.unwrap_or(0.0);
            let min = e.semi_minor_axis.unwrap_or(0.0);
            let ori = e.orientation.unwrap_or(0.0);
            finite(&format!("{path}.point.semiMajorAxis"), maj)?;
            finite(&format!("{path}.point.semiMinorAxis"), min)?;
            finite(&format!("{path}.point.orientation"), ori)?;
            if maj < 0.0 || min < 0.0 || min > maj {
                return Err(Violation::new(
                    format!("{path}.point"),
                    Rule::Ellipse,
                    format!("semi-axes {maj} / {min} m"),
                ));
            }
            if !(0.0..180.0).contains(&ori) {
                return Err(Violation::new(
                    format!("{path}.point.orientation"),
                    Rule::Ellipse,
                    ori.to_string(),
                ));
            }
            Ok(())
        }
        (None, Some(r)) => {
            let ext = &r.exterior;
            for (i, p) in ext.iter().enumerate() {
                point(
                    &format!("{path}.region.exterior[{i}]"),
                    p.latitude,
                    p.longitude,
                )?;
            }
            if ext.len() < 4 || ext.len() > 16 {
                return Err(Violation::new(
                    format!("{path}.region.exterior"),
                    Rule::PolygonSize,
                    format!("{} points (4…16, first repeated last)", ext.len()),
                ));
            }
            if ext.first() != ext.last() {
                return Err(Violation::new(
                    format!("{path}.region.exterior"),
                    Rule::PolygonOpen,
                    "first and last points differ",
                ));
            }
            // Shoelace on (lon, lat): positive area = counter-clockwise.
            let area2: f64 = ext
                .windows(2)
                .map(|w| w[0].longitude * w[1].latitude - w[1].longitude * w[0].latitude)
                .sum();
            if area2 <= 0.0 {
                return Err(Violation::new(
                    format!("{path}.region.exterior"),
                    Rule::PolygonClockwise,
                    "vertices are clockwise or degenerate",
                ));
            }
            Ok(())
        }
        (Some(_), Some(_)) => Err(Violation::new(
            path,
            Rule::LocationChoice,
            "both point and region",
        )),
        (None, None) => Err(Violation::new(
            path,
            Rule::LocationChoice,
            "neither point nor region",
        )),
    }
}

/// Check a device descriptor has a non-empty serial number.
///
/// # Errors
/// [`Rule::SerialNumber`].
pub fn device_desc(path: &str, d: &DeviceDescriptor) -> R {
    match d.serial_number.as_deref() {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(Violation::new(
            format!("{path}.serialNumber"),
            Rule::SerialNumber,
            "absent or empty",
        )),
    }
}

/// Validate an INIT_RESP.
///
/// # Errors
/// The first [`Violation`].
pub fn init_resp(r: &InitResp) -> R {
    header(&r.kind, &r.version, Method::Init)?;
    for (i, ri) in r.ruleset_infos.iter().enumerate() {
        ruleset_info(&format!("rulesetInfos[{i}]"), ri)?;
    }
    db_update("databaseChange", &r.database_change)
}

/// Validate a REGISTRATION_RESP.
///
/// # Errors
/// The first [`Violation`].
pub fn registration_resp(r: &RegistrationResp) -> R {
    header(&r.kind, &r.version, Method::Register)?;
    for (i, ri) in r.ruleset_infos.iter().enumerate() {
        ruleset_info(&format!("rulesetInfos[{i}]"), ri)?;
    }
    db_update("databaseChange", &r.database_change)
}

/// Validate an AVAIL_SPECTRUM_RESP: header, timestamp, every spectrum spec.
///
/// # Errors
/// The first [`Violation`].
pub fn avail_spectrum_resp(r: &AvailSpectrumResp) -> R {
    header(&r.kind, &r.version, Method::GetSpectrum)?;
    timestamp_at("timestamp", &r.timestamp)?;
    for (i, s) in r.spectrum_specs.iter().enumerate() {
        spectrum_spec(&format!("spectrumSpecs[{i}]"), s)?;
    }
    db_update("databaseChange", &r.database_change)
}

/// Validate an AVAIL_SPECTRUM_BATCH_RESP.
///
/// # Errors
/// The first [`Violation`].
pub fn avail_spectrum_batch_resp(r: &AvailSpectrumBatchResp) -> R {
    header(&r.kind, &r.version, Method::GetSpectrumBatch)?;
    timestamp_at("timestamp", &r.timestamp)?;
    for (i, g) in r.geo_spectrum_specs.iter().enumerate() {
        geolocation(&format!("geoSpectrumSpecs[{i}].location"), &g.location)?;
        for (k, s) in g.spectrum_specs.iter().enumerate() {
            spectrum_spec(&format!("geoSpectrumSpecs[{i}].spectrumSpecs[{k}]"), s)?;
        }
    }
    db_update("databaseChange", &r.database_change)
}

/// Validate a SPECTRUM_USE_RESP.
///
/// # Errors
/// The first [`Violation`].
pub fn spectrum_use_resp(r: &SpectrumUseResp) -> R {
    header(&r.kind, &r.version, Method::NotifySpectrumUse)?;
    db_update("databaseChange", &r.database_change)
}

/// Validate a DEV_VALID_RESP against the number of devices asked about.
///
/// # Errors
/// The first [`Violation`].
pub fn dev_valid_resp(r: &DevValidResp, asked: usize) -> R {
    header(&r.kind, &r.version, Method::VerifyDevice)?;
    if r.device_validities.len() != asked {
        return Err(Violation::new(
            "deviceValidities",
            Rule::DeviceCount,
            format!("{} answers for {asked} devices", r.device_validities.len()),
        ));
    }
    db_update("databaseChange", &r.database_change)
}

#[cfg(test)]
mod tests {
    use super::super::paws::{Ellipse, GeoPoint, Polygon, SpectrumProfilePoint};
    use super::*;

    fn p(hz: f64, dbm: f64) -> SpectrumProfilePoint {
        SpectrumProfilePoint { hz, dbm }
    }

    #[test]
    fn step_of_two_allowed_three_refused() {
        let ok = Spectrum {
            resolution_bw_hz: 6e6,
            profiles: vec![vec![
                p(470e6, 36.0),
                p(476e6, 36.0),
                p(476e6, 30.0),
                p(482e6, 30.0),
            ]],
        };
        assert!(spectrum("s", &ok).is_ok());
        let bad = Spectrum {
            resolution_bw_hz: 6e6,
            profiles: vec![vec![
                p(470e6, 36.0),
                p(476e6, 36.0),
                p(476e6, 30.0),
                p(476e6, 20.0),
            ]],
        };
        assert_eq!(
            spectrum("s", &bad).unwrap_err().rule,
            Rule::ProfileTripleStep
        );
    }

    #[test]
    fn polygon_ccw() {
        let pt = |la, lo| GeoPoint {
            latitude: la,
            longitude: lo,
        };
        let ccw = vec![pt(0.0, 0.0), pt(0.0, 1.0), pt(1.0, 1.0), pt(0.0, 0.0)];
        let g = GeoLocation {
            point: None,
            region: Some(Polygon {
                exterior: ccw.clone(),
            }),
            confidence: None,
        };
        assert!(geolocation("l", &g).is_ok());
        let mut cw = ccw;
        cw.reverse();
        let g = GeoLocation {
            region: Some(Polygon { exterior: cw }),
            ..g
        };
        assert_eq!(
            geolocation("l", &g).unwrap_err().rule,
            Rule::PolygonClockwise
        );
        let e = GeoLocation {
            point: Some(Ellipse {
                center: pt(0.0, 0.0),
                semi_major_axis: Some(10.0),
                semi_minor_axis: Some(20.0),
                orientation: None,
            }),
            region: None,
            confidence: None,
        };
        assert_eq!(geolocation("l", &e).unwrap_err().rule, Rule::Ellipse);
    }
}
