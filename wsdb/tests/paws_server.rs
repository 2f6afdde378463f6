//! Round trips of all six PAWS methods and every error path against the real HTTP server
//! on 127.0.0.1 (port 0), spawned by each test and shut down at its end.

mod common;

use common::*;
use lastmile_wsdb::client::ClientError;
use mac::spectrum::paws::*;
use mac::spectrum::validate;
use serde_json::json;

fn rpc_code(e: ClientError) -> i64 {
    match e {
        ClientError::Rpc(r) => r.code,
        other => panic!("expected a PAWS error, got {other}"),
    }
}

#[test]
fn all_six_methods_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let dev = fixed_device("sn-1");
    let (lat, lon) = (44.0, -100.5); // far from both stations

    let init: InitResp = s
        .client
        .call(
            Method::Init,
            &InitReq {
                kind: "INIT_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: dev.clone(),
                location: GeoLocation::point(lat, lon),
            },
        )
        .unwrap();
    validate::init_resp(&init).unwrap();
    assert_eq!(init.ruleset_infos[0].ruleset_id, RULESET_FCC);
    assert_eq!(init.ruleset_infos[0].max_location_change, Some(100.0));
    assert_eq!(init.ruleset_infos[0].max_polling_secs, Some(86_400));

    let reg: RegistrationResp = s
        .client
        .call(Method::Register, &register_req(&dev, lat, lon))
        .unwrap();
    validate::registration_resp(&reg).unwrap();
    assert_eq!(s.service.registrations(), 1);

    let spec: AvailSpectrumResp = s
        .client
        .call(Method::GetSpectrum, &spectrum_req(&dev, lat, lon))
        .unwrap();
    validate::avail_spectrum_resp(&spec).unwrap();
    let sched = &spec.spectrum_specs[0].spectrum_schedules[0];
    assert_eq!(sched.spectra.len(), 2, "6 MHz and 100 kHz constraints");
    assert_eq!(sched.spectra[0].resolution_bw_hz, 6e6);
    assert_eq!(sched.spectra[1].resolution_bw_hz, 100e3);
    let chans = channels_of(&spec);
    assert_eq!(
        chans.len(),
        23,
        "every channel 14–36 free far away: {chans:?}"
    );
    // Fixed device: 36 dBm per 6 MHz; the 100 kHz mask is the same density.
    assert_eq!(sched.spectra[0].profiles[0][0].dbm, 36.0);
    assert!((sched.spectra[1].profiles[0][0].dbm - (36.0 - 10.0 * 60f64.log10())).abs() < 0.01);

    let batch: AvailSpectrumBatchResp = s
        .client
        .call(
            Method::GetSpectrumBatch,
            &AvailSpectrumBatchReq {
                kind: "AVAIL_SPECTRUM_BATCH_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: dev.clone(),
                locations: vec![
                    GeoLocation::point(lat, lon),
                    GeoLocation::point(45.0, -98.05), // next to station A
                    GeoLocation::point(10.0, 10.0),   // outside coverage: omitted
                ],
                owner: None,
                antenna: antenna(10.0),
                master_device_desc: None,
                capabilities: None,
                request_type: None,
            },
        )
        .unwrap();
    validate::avail_spectrum_batch_resp(&batch).unwrap();
    assert_eq!(batch.geo_spectrum_specs.len(), 2);
    let near = AvailSpectrumResp {
        spectrum_specs: batch.geo_spectrum_specs[1].spectrum_specs.clone(),
        ..spec.clone()
    };
    let near_ch = channels_of(&near);
    for c in [20, 21, 22] {
        assert!(
            !near_ch.contains(&c),
            "co/adjacent channel {c} inside the contour"
        );
    }

    let used = sched.spectra[0].clone();
    let note: SpectrumUseResp = s
        .client
        .call(
            Method::NotifySpectrumUse,
            &SpectrumUseNotify {
                kind: "SPECTRUM_USE_NOTIFY".into(),
                version: PAWS_VERSION.into(),
                device_desc: dev.clone(),
                location: Some(GeoLocation::point(lat, lon)),
                master_device_desc: None,
                spectra: vec![used],
            },
        )
        .unwrap();
    validate::spectrum_use_resp(&note).unwrap();
    assert_eq!(s.service.notifications(), 1);

    let mut bad = fixed_device("sn-2");
    bad.fcc_id = None;
    let valid: DevValidResp = s
        .client
        .call(
            Method::VerifyDevice,
            &DevValidReq {
                kind: "DEV_VALID_REQ".into(),
                version: PAWS_VERSION.into(),
                device_descs: vec![dev, bad],
                master_device_desc: None,
            },
        )
        .unwrap();
    validate::dev_valid_resp(&valid, 2).unwrap();
    assert!(valid.device_validities[0].is_valid);
    assert!(!valid.device_validities[1].is_valid);
    assert!(valid.device_validities[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("fccId"));
    s.handle.shutdown().unwrap();
}

#[test]
fn contour_and_separation_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let dev = fixed_device("sn-r");
    s.client
        .call::<_, RegistrationResp>(Method::Register, &register_req(&dev, 44.5, -99.0))
        .unwrap();
    let contour_a = s.service.db.contours[0].distance_km(270.0);
    assert!(contour_a > 40.0 && contour_a < 200.0, "{contour_a}");
    // West of station A along the parallel: just inside contour + 14.3 km vs well outside.
    let km_per_deg = 111.19 * 45f64.to_radians().cos();
    let at = |d_km: f64| {
        let lon = -98.0 - d_km / km_per_deg;
        let r: AvailSpectrumResp = s
            .client
            .call(Method::GetSpectrum, &spectrum_req(&dev, 45.0, lon))
            .unwrap();
        (channels_of(&r), r)
    };
    // HAAT on flat ground = 10 m AGL → row "< 30 m": 11.1 km co, 1.2 km adjacent.
    let (inside, _) = at(contour_a + 11.1 - 1.0);
    assert!(!inside.contains(&21));
    assert!(
        !at(contour_a + 1.2 - 0.5).0.contains(&22),
        "adjacent within contour + 1.2 km"
    );
    let (outside_adj, _) = at(contour_a + 3.0);
    assert!(outside_adj.contains(&22) && !outside_adj.contains(&21));
    let (outside, _) = at(contour_a + 11.1 + 1.0);
    assert!(outside.contains(&21));
    // Wireless microphone at (44.0, -97.0) on channel 25: 1 km for fixed devices.
    let r: AvailSpectrumResp = s
        .client
        .call(Method::GetSpectrum, &spectrum_req(&dev, 44.0, -97.005))
        .unwrap();
    assert!(!channels_of(&r).contains(&25));
    s.handle.shutdown().unwrap();
}

#[test]
fn paws_errors_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    let c = &s.client;
    let dev = fixed_device("sn-e");

    // Malformed JSON → -32700, HTTP 200.
    let (st, r) = post(c, b"{\"jsonrpc\": \"2.0\", \"method\": ");
    assert_eq!((st, r.error.unwrap().code), (200, -32700));
    // Not an object / batch → -32600.
    assert_eq!(post(c, b"[1,2]").1.error.unwrap().code, -32600);
    // Wrong jsonrpc version → -32600.
    let (_, r) = post(
        c,
        br#"{"jsonrpc":"1.0","method":"spectrum.paws.init","id":1}"#,
    );
    assert_eq!(r.error.unwrap().code, -32600);
    // Unknown method → -32601, id echoed.
    let (_, r) = post(c, &rpc_json("spectrum.paws.nope", json!({})));
    assert_eq!(r.id, json!(7));
    assert_eq!(r.error.unwrap().code, -32601);
    // params not an object → -32602.
    let (_, r) = post(c, &rpc_json("spectrum.paws.init", json!([1])));
    assert_eq!(r.error.unwrap().code, -32602);
    // Wrong PAWS version → VERSION.
    let (_, r) = post(
        c,
        &rpc_json(
            "spectrum.paws.init",
            json!({"type": "INIT_REQ", "version": "2.0"}),
        ),
    );
    assert_eq!(r.error.unwrap().code, -101);
    // Missing fields → MISSING with dotted names.
    let (_, r) = post(
        c,
        &rpc_json(
            "spectrum.paws.getSpectrum",
            json!({"type": "AVAIL_SPECTRUM_REQ", "version": "1.0",
                   "deviceDesc": {"fccId": "x"},
                   "location": {"point": {"center": {"latitude": 44.0}}}}),
        ),
    );
    let e = r.error.unwrap();
    assert_eq!(e.code, -201);
    assert_eq!(
        e.data.unwrap()["missing"],
        json!(["deviceDesc.serialNumber", "location.point.center.longitude"])
    );
    // FCC ruleset parameters missing → MISSING.
    let (_, r) = post(
        c,
        &rpc_json(
            "spectrum.paws.init",
            json!({"type": "INIT_REQ", "version": "1.0",
                   "deviceDesc": {"serialNumber": "x"},
                   "location": {"point": {"center": {"latitude": 44.0, "longitude": -99.0}}}}),
        ),
    );
    let e = r.error.unwrap();
    assert_eq!(e.code, -201);
    assert_eq!(
        e.data.unwrap()["missing"],
        json!(["deviceDesc.fccId", "deviceDesc.fccTvbdDeviceType"])
    );
    // Wrong types → INVALID_VALUE.
    let (_, r) = post(
        c,
        &rpc_json(
            "spectrum.paws.init",
            json!({"type": "INIT_REQ", "version": "1.0",
                   "deviceDesc": {"serialNumber": "x"},
                   "location": {"point": {"center": {"latitude": "north", "longitude": -99.0}}}}),
        ),
    );
    assert_eq!(r.error.unwrap().code, -202);
    // Type field for another method → INVALID_VALUE.
    let mut v = serde_json::to_value(spectrum_req(&dev, 44.0, -99.0)).unwrap();
    v["type"] = json!("INIT_REQ");
    let (_, r) = post(c, &rpc_json("spectrum.paws.getSpectrum", v));
    assert_eq!(r.error.unwrap().code, -202);
    // Out-of-range value → INVALID_VALUE naming the parameter.
    let (_, r) = post(
        c,
        &rpc_json(
            "spectrum.paws.getSpectrum",
            serde_json::to_value(spectrum_req(&dev, 95.0, -99.0)).unwrap(),
        ),
    );
    let e = r.error.unwrap();
    assert_eq!(e.code, -202);
    assert_eq!(
        e.data.unwrap()["invalid"][0],
        "location.point.center.latitude"
    );
    // Outside coverage → OUTSIDE_COVERAGE.
    assert_eq!(
        rpc_code(
            c.call::<_, AvailSpectrumResp>(Method::GetSpectrum, &spectrum_req(&dev, 10.0, 10.0))
                .unwrap_err()
        ),
        -104
    );
    // Fixed device not registered → NOT_REGISTERED.
    assert_eq!(
        rpc_code(
            c.call::<_, AvailSpectrumResp>(Method::GetSpectrum, &spectrum_req(&dev, 44.0, -99.0))
                .unwrap_err()
        ),
        -302
    );
    // Device that does not support our ruleset → UNSUPPORTED.
    let mut etsi = dev.clone();
    etsi.ruleset_ids = Some(vec![RULESET_ETSI.into()]);
    assert_eq!(
        rpc_code(
            c.call::<_, RegistrationResp>(Method::Register, &register_req(&etsi, 44.0, -99.0))
                .unwrap_err()
        ),
        -102
    );
    // Registration of a fixed device without owner → MISSING deviceOwner.owner.
    let mut rq = register_req(&dev, 44.0, -99.0);
    rq.device_owner = None;
    match c
        .call::<_, RegistrationResp>(Method::Register, &rq)
        .unwrap_err()
    {
        ClientError::Rpc(e) => {
            assert_eq!(e.code, -201);
            assert_eq!(e.data.unwrap()["missing"], json!(["deviceOwner.owner"]));
        }
        other => panic!("{other}"),
    }
    // Antenna HAAT beyond the FCC 2012 table (≥ 50 m) → refused with a clear message.
    c.call::<_, RegistrationResp>(Method::Register, &register_req(&dev, 44.0, -99.0))
        .unwrap();
    let mut tall = spectrum_req(&dev, 44.0, -99.0);
    tall.antenna = antenna(60.0);
    match c
        .call::<_, AvailSpectrumResp>(Method::GetSpectrum, &tall)
        .unwrap_err()
    {
        ClientError::Rpc(e) => {
            assert_eq!(e.code, -202);
            assert!(e.message.contains("separation table"), "{}", e.message);
        }
        other => panic!("{other}"),
    }
    // Oversized body → HTTP 413 with a JSON-RPC error, never a 500.
    let big = vec![b' '; 70_000];
    let (st, r) = post(c, &big);
    assert_eq!(st, 413);
    assert_eq!(r.error.unwrap().code, -32600);
    s.handle.shutdown().unwrap();
}

#[test]
fn wrong_http_method_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let s = start(dir.path());
    use std::io::{Read, Write};
    let get = |path: &str| {
        let mut t = std::net::TcpStream::connect(s.handle.addr).unwrap();
        t.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        write!(
            t,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut b = String::new();
        let _ = t.read_to_string(&mut b);
        b
    };
    assert!(get("/paws").starts_with("HTTP/1.1 405"));
    assert!(get("/other").starts_with("HTTP/1.1 404"));
    s.handle.shutdown().unwrap();
}

#[test]
fn rate_limit_answers_429() {
    let dir = tempfile::tempdir().unwrap();
    let s = start_with(database(
        dir.path(),
        "rate_per_s = 0.001\nburst = 3.0\nmax_body_bytes = 4096",
    ));
    let body = rpc_json("spectrum.paws.nope", json!({}));
    for _ in 0..3 {
        assert_eq!(post(&s.client, &body).0, 200);
    }
    let (st, r) = post(&s.client, &body);
    assert_eq!(st, 429);
    assert_eq!(r.error.unwrap().code, -32000);
    s.handle.shutdown().unwrap();
}

#[test]
fn restart_keeps_registrations() {
    let dir = tempfile::tempdir().unwrap();
    let dev = fixed_device("sn-persist");
    {
        let s = start(dir.path());
        s.client
            .call::<_, RegistrationResp>(Method::Register, &register_req(&dev, 44.0, -100.5))
            .unwrap();
        s.handle.shutdown().unwrap();
    }
    let store = dir.path().join("reg/registrations.json");
    assert!(store.exists());
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("reg"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let s = start(dir.path());
    assert_eq!(s.service.registrations(), 1);
    // A registered fixed device gets spectrum without registering again.
    let r: AvailSpectrumResp = s
        .client
        .call(Method::GetSpectrum, &spectrum_req(&dev, 44.0, -100.5))
        .unwrap();
    validate::avail_spectrum_resp(&r).unwrap();
    s.handle.shutdown().unwrap();
}
