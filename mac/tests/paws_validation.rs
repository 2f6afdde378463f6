//! Every RFC 7545 validation rule of `mac::spectrum::validate`, each with a failing
//! example, starting from one valid AVAIL_SPECTRUM_RESP that passes.

use lastmile_mac::spectrum::paws::*;
use lastmile_mac::spectrum::validate::{self, Rule};
use serde_json::json;

fn valid_resp() -> AvailSpectrumResp {
    serde_json::from_value(json!({
        "type": "AVAIL_SPECTRUM_RESP",
        "version": "1.0",
        "timestamp": "2026-11-28T12:00:00Z",
        "deviceDesc": {"serialNumber": "sn-1", "fccId": "X", "fccTvbdDeviceType": "FIXED"},
        "spectrumSpecs": [{
            "rulesetInfo": {"authority": "US", "rulesetId": "FccTvBandWhiteSpace-2010",
                            "maxLocationChange": 100, "maxPollingSecs": 86400},
            "needsSpectrumReport": false,
            "timeRange": {"startTime": "2026-11-28T12:00:00Z", "stopTime": "2026-11-30T12:00:00Z"},
            "frequencyRanges": [{"startHz": 470e6, "stopHz": 608e6}],
            "maxTotalBwHz": 18e6,
            "spectrumSchedules": [
                {"eventTime": {"startTime": "2026-11-28T12:00:00Z", "stopTime": "2026-11-29T12:00:00Z"},
                 "spectra": [
                    {"resolutionBwHz": 6e6, "profiles": [
                        [{"hz": 470e6, "dbm": 36.0}, {"hz": 476e6, "dbm": 36.0},
                         {"hz": 476e6, "dbm": 30.0}, {"hz": 482e6, "dbm": 30.0}],
                        [{"hz": 500e6, "dbm": 36.0}, {"hz": 506e6, "dbm": 36.0}]]},
                    {"resolutionBwHz": 1e5, "profiles": [
                        [{"hz": 470e6, "dbm": 18.2}, {"hz": 482e6, "dbm": 18.2}]]}]},
                {"eventTime": {"startTime": "2026-11-29T12:00:00Z", "stopTime": "2026-11-30T12:00:00Z"},
                 "spectra": []}
            ]
        }]
    }))
    .unwrap()
}

fn rule_of(r: &AvailSpectrumResp) -> Rule {
    validate::avail_spectrum_resp(r)
        .expect_err("must fail")
        .rule
}

#[test]
fn valid_response_passes() {
    validate::avail_spectrum_resp(&valid_resp()).unwrap();
}

#[test]
fn version_must_be_1_0() {
    let mut r = valid_resp();
    r.version = "2.0".into();
    assert_eq!(rule_of(&r), Rule::Version);
    assert_eq!(
        validate::avail_spectrum_resp(&r)
            .unwrap_err()
            .to_rpc_error()
            .code,
        -101
    );
}

#[test]
fn type_must_match_method() {
    let mut r = valid_resp();
    r.kind = "INIT_RESP".into();
    assert_eq!(rule_of(&r), Rule::MessageType);
}

#[test]
fn timestamp_exact_format() {
    for bad in [
        "2026-11-28T12:00:00",
        "2026-11-28T12:00:00.000Z",
        "2026-11-28T12:00:00+00:00",
        "2026-11-28 12:00:00Z",
    ] {
        let mut r = valid_resp();
        r.timestamp = bad.into();
        assert_eq!(rule_of(&r), Rule::Timestamp, "{bad}");
    }
    let mut r = valid_resp();
    r.spectrum_specs[0].spectrum_schedules[0]
        .event_time
        .stop_time = "2026-11-29T12:00Z".into();
    let v = validate::avail_spectrum_resp(&r).unwrap_err();
    assert_eq!(v.rule, Rule::Timestamp);
    assert_eq!(
        v.path,
        "spectrumSpecs[0].spectrumSchedules[0].eventTime.stopTime"
    );
}

#[test]
fn interval_start_before_stop() {
    let mut r = valid_resp();
    let t = &mut r.spectrum_specs[0].spectrum_schedules[0].event_time;
    t.stop_time = t.start_time.clone();
    assert_eq!(rule_of(&r), Rule::EmptyInterval);
    let mut r = valid_resp();
    r.spectrum_specs[0].time_range = Some(EventTime {
        start_time: "2026-11-30T00:00:00Z".into(),
        stop_time: "2026-11-29T00:00:00Z".into(),
    });
    assert_eq!(rule_of(&r), Rule::EmptyInterval);
}

#[test]
fn schedules_sorted_and_disjoint() {
    let mut r = valid_resp();
    r.spectrum_specs[0].spectrum_schedules.swap(0, 1);
    assert_eq!(rule_of(&r), Rule::ScheduleOrder);
    let mut r = valid_resp();
    r.spectrum_specs[0].spectrum_schedules[1]
        .event_time
        .start_time = "2026-11-29T11:59:59Z".into(); // overlaps by one second
    assert_eq!(rule_of(&r), Rule::ScheduleOrder);
}

fn first_spectrum(r: &mut AvailSpectrumResp) -> &mut Spectrum {
    &mut r.spectrum_specs[0].spectrum_schedules[0].spectra[0]
}

#[test]
fn resolution_bw_positive() {
    let mut r = valid_resp();
    first_spectrum(&mut r).resolution_bw_hz = 0.0;
    assert_eq!(rule_of(&r), Rule::ResolutionBw);
}

#[test]
fn profile_needs_two_points() {
    let mut r = valid_resp();
    first_spectrum(&mut r).profiles[1].truncate(1);
    assert_eq!(rule_of(&r), Rule::ProfileTooShort);
}

#[test]
fn profile_hz_non_decreasing() {
    let mut r = valid_resp();
    first_spectrum(&mut r).profiles[0][3].hz = 475e6;
    assert_eq!(rule_of(&r), Rule::ProfileDecreasing);
}

#[test]
fn at_most_two_points_per_frequency() {
    let mut r = valid_resp();
    first_spectrum(&mut r).profiles[0].insert(
        2,
        SpectrumProfilePoint {
            hz: 476e6,
            dbm: 33.0,
        },
    );
    assert_eq!(rule_of(&r), Rule::ProfileTripleStep);
}

#[test]
fn profiles_disjoint_and_ordered() {
    let mut r = valid_resp();
    first_spectrum(&mut r).profiles.swap(0, 1);
    assert_eq!(rule_of(&r), Rule::ProfileOverlap);
}

#[test]
fn numbers_finite() {
    let mut r = valid_resp();
    first_spectrum(&mut r).profiles[0][0].dbm = f64::NAN;
    assert_eq!(rule_of(&r), Rule::NotFinite);
}

#[test]
fn frequency_range_start_before_stop() {
    let mut r = valid_resp();
    r.spectrum_specs[0].frequency_ranges = Some(vec![FrequencyRange {
        start_hz: 608e6,
        stop_hz: 470e6,
    }]);
    assert_eq!(rule_of(&r), Rule::FrequencyRange);
}

#[test]
fn ruleset_info_values() {
    let mut r = valid_resp();
    r.spectrum_specs[0].ruleset_info.max_polling_secs = Some(0);
    assert_eq!(rule_of(&r), Rule::RulesetInfo);
    let mut r = valid_resp();
    r.spectrum_specs[0].ruleset_info.max_location_change = Some(-1.0);
    assert_eq!(rule_of(&r), Rule::RulesetInfo);
    let mut r = valid_resp();
    r.spectrum_specs[0].ruleset_info.ruleset_id = String::new();
    assert_eq!(rule_of(&r), Rule::RulesetInfo);
}

#[test]
fn db_update_lists_a_database() {
    let mut r = valid_resp();
    r.database_change = Some(DbUpdateSpec { databases: vec![] });
    assert_eq!(rule_of(&r), Rule::DbUpdate);
}

#[test]
fn bandwidth_limits_positive() {
    let mut r = valid_resp();
    r.spectrum_specs[0].max_contiguous_bw_hz = Some(-6e6);
    assert_eq!(rule_of(&r), Rule::Bandwidth);
}

fn loc(v: serde_json::Value) -> GeoLocation {
    serde_json::from_value(v).unwrap()
}

#[test]
fn geolocation_rules() {
    let ok = loc(
        json!({"point": {"center": {"latitude": 44.0, "longitude": -99.0},
        "semiMajorAxis": 50, "semiMinorAxis": 20, "orientation": 45}, "confidence": 95}),
    );
    validate::geolocation("location", &ok).unwrap();
    let cases = [
        (
            json!({"point": {"center": {"latitude": 91.0, "longitude": 0.0}}}),
            Rule::Latitude,
        ),
        (
            json!({"point": {"center": {"latitude": 0.0, "longitude": 181.0}}}),
            Rule::Longitude,
        ),
        (
            json!({"point": {"center": {"latitude": 0.0, "longitude": 0.0},
            "semiMajorAxis": 10, "semiMinorAxis": 20}}),
            Rule::Ellipse,
        ),
        (
            json!({"point": {"center": {"latitude": 0.0, "longitude": 0.0},
            "orientation": 180}}),
            Rule::Ellipse,
        ),
        (
            json!({"point": {"center": {"latitude": 0.0, "longitude": 0.0}}, "confidence": 100}),
            Rule::Confidence,
        ),
        (json!({}), Rule::LocationChoice),
        (
            json!({"point": {"center": {"latitude": 0.0, "longitude": 0.0}},
            "region": {"exterior": []}}),
            Rule::LocationChoice,
        ),
        (
            json!({"region": {"exterior": [
            {"latitude": 0.0, "longitude": 0.0}, {"latitude": 0.0, "longitude": 1.0},
            {"latitude": 1.0, "longitude": 1.0}, {"latitude": 1.0, "longitude": 0.0}]}}),
            Rule::PolygonOpen,
        ),
        (
            json!({"region": {"exterior": [
            {"latitude": 0.0, "longitude": 0.0}, {"latitude": 0.0, "longitude": 1.0},
            {"latitude": 0.0, "longitude": 0.0}]}}),
            Rule::PolygonSize,
        ),
        (
            json!({"region": {"exterior": [
            {"latitude": 0.0, "longitude": 0.0}, {"latitude": 1.0, "longitude": 0.0},
            {"latitude": 1.0, "longitude": 1.0}, {"latitude": 0.0, "longitude": 0.0}]}}),
            Rule::PolygonClockwise,
        ),
    ];
    for (v, rule) in cases {
        let g = loc(v.clone());
        assert_eq!(
            validate::geolocation("location", &g).unwrap_err().rule,
            rule,
            "{v}"
        );
    }
    // 15 vertices (16 points) is the most allowed; 16 vertices fail.
    let ring = |n: usize| {
        let mut pts: Vec<_> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                GeoPoint {
                    latitude: 0.01 * a.sin(),
                    longitude: 0.01 * a.cos(),
                }
            })
            .collect();
        pts.push(pts[0]);
        GeoLocation {
            point: None,
            region: Some(Polygon { exterior: pts }),
            confidence: None,
        }
    };
    validate::geolocation("l", &ring(15)).unwrap();
    assert_eq!(
        validate::geolocation("l", &ring(16)).unwrap_err().rule,
        Rule::PolygonSize
    );
}

#[test]
fn serial_number_required() {
    let d = DeviceDescriptor::default();
    assert_eq!(
        validate::device_desc("deviceDesc", &d).unwrap_err().rule,
        Rule::SerialNumber
    );
}

#[test]
fn dev_valid_resp_answers_each_device() {
    let r: DevValidResp = serde_json::from_value(json!({
        "type": "DEV_VALID_RESP", "version": "1.0",
        "deviceValidities": [{"deviceDesc": {"serialNumber": "a"}, "isValid": true}]
    }))
    .unwrap();
    validate::dev_valid_resp(&r, 1).unwrap();
    assert_eq!(
        validate::dev_valid_resp(&r, 2).unwrap_err().rule,
        Rule::DeviceCount
    );
}

#[test]
fn other_responses_checked() {
    let init: InitResp = serde_json::from_value(json!({
        "type": "INIT_RESP", "version": "1.0",
        "rulesetInfos": [{"authority": "US", "rulesetId": "FccTvBandWhiteSpace-2010",
                          "maxPollingSecs": -5}]
    }))
    .unwrap();
    assert_eq!(
        validate::init_resp(&init).unwrap_err().rule,
        Rule::RulesetInfo
    );
    let reg: RegistrationResp = serde_json::from_value(json!({
        "type": "REGISTRATION_RESP", "version": "0.9", "rulesetInfos": []
    }))
    .unwrap();
    assert_eq!(
        validate::registration_resp(&reg).unwrap_err().rule,
        Rule::Version
    );
    let use_resp: SpectrumUseResp =
        serde_json::from_value(json!({"type": "SPECTRUM_USE_RESP", "version": "1.0"})).unwrap();
    validate::spectrum_use_resp(&use_resp).unwrap();
    let batch: AvailSpectrumBatchResp = serde_json::from_value(json!({
        "type": "AVAIL_SPECTRUM_BATCH_RESP", "version": "1.0",
        "timestamp": "2026-11-28T12:00:00Z", "deviceDesc": {"serialNumber": "a"},
        "geoSpectrumSpecs": [{"location": {"point": {"center": {"latitude": 95, "longitude": 0}}},
                              "spectrumSpecs": []}]
    }))
    .unwrap();
    assert_eq!(
        validate::avail_spectrum_batch_resp(&batch)
            .unwrap_err()
            .rule,
        Rule::Latitude
    );
}
