//! The ETSI ruleset end to end through the PAWS service: 8 MHz raster, 36 dBm per 8 MHz,
//! emission-class-dependent limits next to a protected station, spectrum reports required,
//! ETSI ruleset info (LVal 50 m, TUpdate 60 s).

use lastmile_wsdb::config::Config;
use lastmile_wsdb::db::Database;
use lastmile_wsdb::rpc::Service;
use lastmile_wsdb::store::Store;
use mac::spectrum::choice::spectrum_at;
use mac::spectrum::paws::{AvailSpectrumResp, RULESET_ETSI};
use mac::spectrum::validate;
use serde_json::json;

fn service(dir: &std::path::Path) -> Service {
    std::fs::write(
        dir.join("st.csv"),
        "id,lat_deg,lon_deg,channel,erp_kw,haat_m\nE1,52.0,-1.0,30,200,250\n",
    )
    .unwrap();
    let cfg = r#"
name = "etsi test"
ruleset = "etsi"
stations = "st.csv"
store = "reg.json"
[coverage]
south_deg = 50.0
north_deg = 54.0
west_deg = -4.0
east_deg = 2.0
[terrain]
kind = "flat"
base_m = 50.0
[contours]
radials = 24
max_km = 150.0
"#;
    std::fs::write(dir.join("w.toml"), cfg).unwrap();
    let db = Database::build(Config::load(&dir.join("w.toml")).unwrap()).unwrap();
    let store = Store::open(&db.config.store).unwrap();
    Service::new(db, store)
}

fn ask(s: &Service, class: &str, lat: f64, lon: f64) -> AvailSpectrumResp {
    let req = json!({"jsonrpc": "2.0", "id": 1, "method": "spectrum.paws.getSpectrum",
        "params": {"type": "AVAIL_SPECTRUM_REQ", "version": "1.0",
            "deviceDesc": {"serialNumber": "e1", "rulesetIds": [RULESET_ETSI],
                "etsiEnDeviceType": "A", "etsiEnDeviceEmissionsClass": class,
                "etsiEnTechnologyId": "LTE", "etsiEnDeviceCategory": "master"},
            "location": {"point": {"center": {"latitude": lat, "longitude": lon}}},
            "antenna": {"height": 10.0}}});
    let r = s.handle_value(req, 1_800_000_000);
    assert!(r.error.is_none(), "{:?}", r.error);
    let resp: AvailSpectrumResp = serde_json::from_value(r.result.unwrap()).unwrap();
    validate::avail_spectrum_resp(&resp).unwrap();
    resp
}

fn eirp_at_channel(r: &AvailSpectrumResp, ch: u32) -> Option<f64> {
    let f = 470e6 + 8e6 * f64::from(ch - 21) + 4e6;
    spectrum_at(&r.spectrum_specs[0].spectrum_schedules[0].spectra[0], f)
}

#[test]
fn etsi_limits_by_emission_class() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let near = (52.0, -1.1); // ~7 km from the station: inside its contour
    let c1 = ask(&s, "1", near.0, near.1);
    let c5 = ask(&s, "5", near.0, near.1);
    let spec = &c1.spectrum_specs[0];
    assert_eq!(spec.ruleset_info.ruleset_id, RULESET_ETSI);
    assert_eq!(spec.ruleset_info.max_location_change, Some(50.0));
    assert_eq!(spec.ruleset_info.max_polling_secs, Some(60));
    assert!(spec.needs_spectrum_report);
    assert_eq!(spec.spectrum_schedules[0].spectra[0].resolution_bw_hz, 8e6);
    // Co-channel: none. n = ±1: class 1 full 36 dBm; class 5 36 − (74 − 43) = 5 dBm.
    assert_eq!(eirp_at_channel(&c1, 30), None);
    assert_eq!(eirp_at_channel(&c1, 31), Some(36.0));
    assert_eq!(eirp_at_channel(&c5, 31), Some(5.0));
    assert_eq!(eirp_at_channel(&c5, 29), Some(5.0));
    // n = ±2: 36 − (79 − 53) = 10; n = ±3: 36 − (84 − 64) = 16; beyond: 36.
    assert_eq!(eirp_at_channel(&c5, 32), Some(10.0));
    assert_eq!(eirp_at_channel(&c5, 27), Some(16.0));
    assert_eq!(eirp_at_channel(&c5, 40), Some(36.0));
    // Far away: every channel 21–60 at 36 dBm.
    let far = ask(&s, "5", 50.2, 1.8);
    for ch in 21..=60 {
        assert_eq!(eirp_at_channel(&far, ch), Some(36.0), "ch {ch}");
    }
}

#[test]
fn etsi_requires_its_descriptor_fields() {
    let dir = tempfile::tempdir().unwrap();
    let s = service(dir.path());
    let req = json!({"jsonrpc": "2.0", "id": 1, "method": "spectrum.paws.init",
        "params": {"type": "INIT_REQ", "version": "1.0",
            "deviceDesc": {"serialNumber": "e1", "etsiEnDeviceType": "A"},
            "location": {"point": {"center": {"latitude": 52.0, "longitude": -1.0}}}}});
    let e = s.handle_value(req, 0).error.unwrap();
    assert_eq!(e.code, -201);
    assert_eq!(
        e.data.unwrap()["missing"],
        json!([
            "deviceDesc.etsiEnDeviceEmissionsClass",
            "deviceDesc.etsiEnTechnologyId",
            "deviceDesc.etsiEnDeviceCategory"
        ])
    );
}
