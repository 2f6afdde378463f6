//! Shared fixtures: a small database on flat terrain in a temporary directory, served on
//! 127.0.0.1 port 0 by the real HTTP server.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use lastmile_wsdb::client::Client;
use lastmile_wsdb::config::Config;
use lastmile_wsdb::db::Database;
use lastmile_wsdb::rpc::Service;
use lastmile_wsdb::server::{self, ServerHandle};
use lastmile_wsdb::store::Store;
use mac::spectrum::paws::*;
use serde_json::json;

/// Station A on channel 21 at (45.0, -98.0); station B on channel 30 at (44.5, -99.5).
pub const STATIONS: &str = "id,call_sign,lat_deg,lon_deg,channel,erp_kw,haat_m\n\
A,KTST-A,45.0,-98.0,21,500,300\n\
B,KTST-B,44.5,-99.5,30,10,100\n";

pub fn write_config(dir: &Path, extra_limits: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("stations.csv"), STATIONS).unwrap();
    let cfg = format!(
        r#"
name = "test"
ruleset = "fcc"
stations = "stations.csv"
store = "reg/registrations.json"
[coverage]
south_deg = 43.0
north_deg = 46.0
west_deg = -101.0
east_deg = -96.0
[terrain]
kind = "flat"
base_m = 400.0
[contours]
radials = 36
max_km = 200.0
[limits]
{extra_limits}
[[wireless_mics]]
lat_deg = 44.0
lon_deg = -97.0
channels = [25]
"#
    );
    let p = dir.join("wsdb.toml");
    std::fs::write(&p, cfg).unwrap();
    p
}

pub fn database(dir: &Path, extra_limits: &str) -> Database {
    let p = write_config(dir, extra_limits);
    Database::build(Config::load(&p).unwrap()).unwrap()
}

pub struct Running {
    pub handle: ServerHandle,
    pub client: Client,
    pub service: Arc<Service>,
}

pub fn start_with(db: Database) -> Running {
    let store = Store::open(&db.config.store).unwrap();
    let limits = db.config.limits;
    let service = Arc::new(Service::new(db, store));
    let handle = server::spawn("127.0.0.1:0".parse().unwrap(), service.clone(), limits, 2).unwrap();
    let client = Client::new(&format!("http://{}/paws", handle.addr)).unwrap();
    Running {
        handle,
        client,
        service,
    }
}

pub fn start(dir: &Path) -> Running {
    start_with(database(dir, ""))
}

pub fn fixed_device(serial: &str) -> DeviceDescriptor {
    DeviceDescriptor {
        serial_number: Some(serial.into()),
        manufacturer_id: Some("lastmile".into()),
        model_id: Some("test".into()),
        ruleset_ids: Some(vec![RULESET_FCC.into()]),
        fcc_id: Some("TEST-FCC-ID".into()),
        fcc_tvbd_device_type: Some("FIXED".into()),
        ..Default::default()
    }
}

pub fn antenna(h: f64) -> Option<AntennaCharacteristics> {
    Some(AntennaCharacteristics {
        height: Some(h),
        height_type: Some("AGL".into()),
        height_uncertainty: None,
    })
}

pub fn register_req(d: &DeviceDescriptor, lat: f64, lon: f64) -> RegistrationReq {
    RegistrationReq {
        kind: "REGISTRATION_REQ".into(),
        version: PAWS_VERSION.into(),
        device_desc: d.clone(),
        location: GeoLocation::point(lat, lon),
        device_owner: Some(DeviceOwner {
            owner: Some(json!(["vcard", [["fn", {}, "text", "Test Operator"]]])),
            operator: None,
        }),
        antenna: antenna(10.0),
    }
}

pub fn spectrum_req(d: &DeviceDescriptor, lat: f64, lon: f64) -> AvailSpectrumReq {
    AvailSpectrumReq {
        kind: "AVAIL_SPECTRUM_REQ".into(),
        version: PAWS_VERSION.into(),
        device_desc: d.clone(),
        location: GeoLocation::point(lat, lon),
        owner: None,
        antenna: antenna(10.0),
        master_device_desc: None,
        master_device_location: None,
        capabilities: None,
        request_type: None,
    }
}

/// POST a raw body; return (HTTP status, parsed JSON-RPC response).
pub fn post(c: &Client, body: &[u8]) -> (u16, RpcResponse) {
    let raw = c.post_raw(body).unwrap();
    let r: RpcResponse = serde_json::from_slice(&raw.body).unwrap_or_else(|e| {
        panic!(
            "not JSON-RPC ({e}): {:?}",
            String::from_utf8_lossy(&raw.body)
        )
    });
    assert_eq!(r.jsonrpc, "2.0");
    assert!(
        r.result.is_some() != r.error.is_some(),
        "exactly one of result/error"
    );
    (raw.status, r)
}

pub fn rpc_json(method: &str, params: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 7}))
        .unwrap()
}

/// Granted channels (6 MHz spectrum) of a response.
pub fn channels_of(r: &AvailSpectrumResp) -> Vec<u32> {
    let s = &r.spectrum_specs[0].spectrum_schedules[0].spectra[0];
    let mut out = Vec::new();
    for p in &s.profiles {
        let (a, b) = (p[0].hz, p[p.len() - 1].hz);
        let mut f = a;
        while f < b - 1.0 {
            out.push(phy_channel(f));
            f += 6e6;
        }
    }
    out
}

fn phy_channel(f: f64) -> u32 {
    14 + ((f - 470e6) / 6e6).round() as u32
}
