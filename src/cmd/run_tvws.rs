//! The `[tvws]` part of `lastmile run`: ask a PAWS database for every site, choose the
//! channel(s), LTE bandwidth and power, and turn the TV stations into interferers.
//!
//! The database is either started in-process from its configuration — the real server
//! (`wsdb::server::spawn`) on 127.0.0.1 port 0, with a throw-away registration store — or a
//! running one at a URL; either way every site goes through the exchange a real device
//! makes, over HTTP with the blocking client: INIT, REGISTRATION, AVAIL_SPECTRUM (fixed or
//! portable device at the site's latitude/longitude and antenna height above ground), each
//! response checked with `mac::spectrum::validate`. `mac::spectrum::choice` then picks one
//! channel block and LTE carrier shared by all sites (the simulator's network is
//! co-channel), and each site's EIRP becomes min(its scenario EIRP, what the grant and its
//! radio allow).
//!
//! # TV stations as interferers
//! Each station within `max_interferer_km` of a site whose channel is one of the chosen
//! channels (co-channel) or next to them (adjacent) is an omnidirectional transmitter of
//! EIRP = ERP + 2.15 dB (ERP is relative to a half-wave dipole) at its antenna height,
//! on its channel centre, propagated with the scenario's model. Its coupling into the LTE
//! receiver is
//! * co-channel: the share of its (flat) channel power inside the LTE occupied band,
//!   `−10·log10(overlap / channel width)`;
//! * adjacent channel: the ACIR, `−10·log10(10^(−ACLR/10) + 10^(−ACS/10))` (TR 36.942 §4),
//!   with the ACLR of the FCC full-service DTV emission mask (47 CFR §73.622(h)(1): 47 dB in
//!   the first 500 kHz beyond the channel edge, 11.5·(Δf + 3.6) dB from 0.5 to 6 MHz, 110 dB
//!   beyond, each in 500 kHz) integrated over the LTE occupied band, and the UE adjacent
//!   channel selectivity of 3GPP TS 36.101 Table 7.5.1-1 (33 dB up to 10 MHz, 30 dB at 15,
//!   27 dB at 20 MHz), unless the scenario sets `adjacent_rejection_db`. The same mask is
//!   used for 8 MHz (DVB-T) channels, where the ACS dominates anyway.
//!
//! Channels two or more away are left out (mask ≥ 110 dB; the receiver's blocking is
//! outside this model).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::anyhow;
use mac::spectrum::choice::{
    choose_common, offers_from_spec, ChannelOffer, Choice, Device, SiteGrant, PRB_HZ,
};
use mac::spectrum::paws::{
    AntennaCharacteristics, AvailSpectrumReq, AvailSpectrumResp, DeviceDescriptor, DeviceOwner,
    GeoLocation, InitReq, InitResp, Method, RegistrationReq, RegistrationResp, Spectrum,
    PAWS_VERSION,
};
use mac::spectrum::{timestamp, validate};
use phy::tv::TvRaster;
use serde_json::{json, Value};
use sim::coverage::{distance_azimuth, ExternalInterferer};
use sim::scenario::{Carrier, Scenario, TvwsDatabase, TvwsDevice, TvwsSpec};
use wsdb::client::{Client, ClientError};
use wsdb::incumbents::{read_stations, TvStation};

use super::CliError;

/// What the database exchange decided.
#[derive(Debug)]
pub struct Plan {
    /// Interferers for the coverage run.
    pub interferers: Vec<ExternalInterferer>,
    /// The `tvws` block of run.json.
    pub report: Value,
    /// Files read (database configuration, stations), for run.json checksums.
    pub input_files: Vec<PathBuf>,
}

/// The database for the run: a server started here (stopped on drop) or a URL.
struct Endpoint {
    client: Client,
    raster: TvRaster,
    stations: Vec<TvStation>,
    describe: Value,
    _server: Option<wsdb::server::ServerHandle>,
    _store_dir: Option<TempDir>,
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn raster_name(r: TvRaster) -> &'static str {
    match r {
        TvRaster::Us6 => "us",
        TvRaster::Eu8Uhf => "eu-uhf",
        TvRaster::Eu7Vhf => "eu-vhf",
    }
}

fn connect(t: &TvwsSpec, files: &mut Vec<PathBuf>) -> Result<Endpoint, CliError> {
    match &t.database {
        TvwsDatabase::InProcess { config } => {
            let cfg = wsdb::config::Config::load(config).map_err(CliError::usage)?;
            files.push(config.clone());
            files.push(cfg.stations.clone());
            let limits = cfg.limits;
            eprintln!(
                "lastmile run: starting the white-space database of {}",
                config.display()
            );
            let db = wsdb::db::Database::build(cfg).map_err(|e| match e {
                wsdb::Error::Config { .. } | wsdb::Error::Stations { .. } => CliError::usage(e),
                _ => CliError::runtime(e),
            })?;
            let raster = db.raster;
            let stations = match &t.stations {
                Some(p) => {
                    files.push(p.clone());
                    read_stations(p, raster.channels()).map_err(CliError::usage)?
                }
                None => db.stations.clone(),
            };
            // A throw-away registration store: a simulated run must not register devices
            // in the configuration's persistent store.
            let dir = std::env::temp_dir().join(format!(
                "lastmile-run-wsdb-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            std::fs::create_dir_all(&dir).map_err(CliError::runtime)?;
            let tmp = TempDir(dir);
            let store = wsdb::store::Store::open(&tmp.0.join("registrations.json"))
                .map_err(CliError::runtime)?;
            let service = Arc::new(wsdb::rpc::Service::new(db, store));
            let server = wsdb::server::spawn(
                std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                service,
                limits,
                1,
            )
            .map_err(|e| CliError::runtime(anyhow!("starting the database: {e}")))?;
            let url = format!("http://{}/paws", server.addr);
            let client = Client::new(&url).map_err(CliError::runtime)?;
            Ok(Endpoint {
                client,
                raster,
                stations,
                describe: json!({"mode": "in-process", "config": config.display().to_string(),
                                 "url": url}),
                _server: Some(server),
                _store_dir: Some(tmp),
            })
        }
        TvwsDatabase::Url { url, ca_file } => {
            let mut client = Client::new(url).map_err(CliError::usage)?;
            if let Some(ca) = ca_file {
                files.push(ca.clone());
                client = client.with_ca_file(ca).map_err(CliError::usage)?;
            }
            let raster = t.tv_raster();
            let stations = match &t.stations {
                Some(p) => {
                    files.push(p.clone());
                    read_stations(p, raster.channels()).map_err(CliError::usage)?
                }
                None => Vec::new(),
            };
            Ok(Endpoint {
                client,
                raster,
                stations,
                describe: json!({"mode": "url", "url": url}),
                _server: None,
                _store_dir: None,
            })
        }
    }
}

/// One site's PAWS exchange: INIT, REGISTRATION, AVAIL_SPECTRUM, each validated.
fn ask(
    client: &Client,
    desc: &DeviceDescriptor,
    location: &GeoLocation,
    height_m: f64,
) -> Result<AvailSpectrumResp, String> {
    let rpc = |what: &str, e: ClientError| format!("{what}: {e}");
    let init: InitResp = client
        .call(
            Method::Init,
            &InitReq {
                kind: "INIT_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: desc.clone(),
                location: location.clone(),
            },
        )
        .map_err(|e| rpc("INIT", e))?;
    validate::init_resp(&init).map_err(|e| format!("INIT_RESP is invalid: {e}"))?;
    let antenna = Some(AntennaCharacteristics {
        height: Some(height_m),
        height_type: Some("AGL".into()),
        height_uncertainty: None,
    });
    let reg: RegistrationResp = client
        .call(
            Method::Register,
            &RegistrationReq {
                kind: "REGISTRATION_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: desc.clone(),
                location: location.clone(),
                device_owner: Some(DeviceOwner {
                    owner: Some(json!(["vcard", [["fn", {}, "text", "lastmile run"]]])),
                    operator: None,
                }),
                antenna: antenna.clone(),
            },
        )
        .map_err(|e| rpc("REGISTRATION", e))?;
    validate::registration_resp(&reg).map_err(|e| format!("REGISTRATION_RESP is invalid: {e}"))?;
    let resp: AvailSpectrumResp = client
        .call(
            Method::GetSpectrum,
            &AvailSpectrumReq {
                kind: "AVAIL_SPECTRUM_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: desc.clone(),
                location: location.clone(),
                owner: None,
                antenna,
                master_device_desc: None,
                master_device_location: None,
                capabilities: None,
                request_type: None,
            },
        )
        .map_err(|e| rpc("AVAIL_SPECTRUM", e))?;
    validate::avail_spectrum_resp(&resp)
        .map_err(|e| format!("AVAIL_SPECTRUM_RESP is invalid: {e}"))?;
    Ok(resp)
}

/// Attenuation of the FCC full-service DTV emission mask at `df_mhz` beyond the channel
/// edge, dB below the total power in 500 kHz (47 CFR §73.622(h)(1)).
pub fn dtv_mask_db(df_mhz: f64) -> f64 {
    if df_mhz < 0.5 {
        47.0
    } else if df_mhz <= 6.0 {
        11.5 * (df_mhz + 3.6)
    } else {
        110.0
    }
}

/// ACLR of a DTV transmitter at the mask limit into `[from, to]` MHz beyond its channel
/// edge, dB: the mask's 500 kHz densities integrated (10 kHz steps).
pub fn dtv_aclr_db(from_mhz: f64, to_mhz: f64) -> f64 {
    let step = 0.01;
    let n = (((to_mhz - from_mhz) / step).ceil() as usize).max(1);
    let h = (to_mhz - from_mhz) / n as f64;
    let frac: f64 = (0..n)
        .map(|i| {
            let f = from_mhz + (i as f64 + 0.5) * h;
            10f64.powf(-dtv_mask_db(f) / 10.0) * h / 0.5
        })
        .sum();
    -10.0 * frac.log10()
}

/// UE adjacent channel selectivity by LTE channel bandwidth, dB (TS 36.101 Table 7.5.1-1).
pub fn ue_acs_db(lte_bandwidth_hz: f64) -> f64 {
    if lte_bandwidth_hz <= 10e6 + 1.0 {
        33.0
    } else if lte_bandwidth_hz <= 15e6 + 1.0 {
        30.0
    } else {
        27.0
    }
}

/// ACIR from ACLR and ACS, dB (TR 36.942 §4).
pub fn acir_db(aclr_db: f64, acs_db: f64) -> f64 {
    -10.0 * (10f64.powf(-aclr_db / 10.0) + 10f64.powf(-acs_db / 10.0)).log10()
}

/// Coupling loss of a TV station's channel `[a, b]` into an LTE carrier at `center_hz` with
/// `occ_hz` occupied (`None` when neither overlapping nor adjacent), and the relation.
fn coupling(
    t: &TvwsSpec,
    (a, b): (f64, f64),
    choice: &Choice,
    width_hz: f64,
) -> Option<(f64, &'static str)> {
    let occ = f64::from(choice.n_prb) * PRB_HZ;
    let (lo, hi) = (choice.center_hz - occ / 2.0, choice.center_hz + occ / 2.0);
    let overlap = (hi.min(b) - lo.max(a)).max(0.0);
    if overlap > 0.0 {
        return Some((-10.0 * (overlap / (b - a)).log10(), "co-channel"));
    }
    // Adjacent: the LTE band starts within one channel width of the TV channel's edge.
    let (from, to) = if lo >= b {
        (lo - b, hi - b)
    } else {
        (a - hi, a - lo)
    };
    if from >= width_hz - 1.0 {
        return None;
    }
    let acir = t.adjacent_rejection_db.unwrap_or_else(|| {
        acir_db(
            dtv_aclr_db(from / 1e6, to / 1e6),
            ue_acs_db(choice.lte_bandwidth_hz),
        )
    });
    Some((acir, "adjacent"))
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

fn spectrum_json(spectra: &[Spectrum]) -> Value {
    serde_json::to_value(spectra).unwrap_or(Value::Null)
}

/// Ask the database for every site of `sc`, set the shared carrier and each site's EIRP,
/// and list the TV interferers.
///
/// # Errors
/// Exit 2 for a bad database configuration or stations file; exit 1 when the database
/// cannot be reached, answers with an error or an invalid message, or grants no channel
/// common to every site.
pub fn plan(sc: &mut Scenario, t: &TvwsSpec) -> Result<Plan, CliError> {
    let mut files = Vec::new();
    let ep = connect(t, &mut files)?;
    let raster = ep.raster;
    if let Some(chs) = &t.channels {
        let (lo, hi) = raster.channels();
        if let Some(bad) = chs.iter().find(|c| !(lo..=hi).contains(*c)) {
            return Err(CliError::usage(anyhow!(
                "[tvws] channels: {bad} is not a channel of the database's '{}' raster ({lo}–{hi})",
                raster_name(raster)
            )));
        }
    }
    struct Granted {
        spectra: Vec<Spectrum>,
        offers: Vec<ChannelOffer>,
        limits: Vec<(ChannelOffer, f64)>,
        timestamp: String,
        ruleset: String,
    }
    let mut granted = Vec::with_capacity(sc.sites.len());
    for site in &sc.sites {
        let (fcc_type, etsi_type) = match t.device {
            TvwsDevice::Fixed => ("FIXED", "A"),
            TvwsDevice::Portable => ("MODE_2", "B"),
        };
        let desc = DeviceDescriptor {
            serial_number: Some(format!("{}-{}", sc.name, site.name)),
            manufacturer_id: Some("lastmile".into()),
            model_id: Some("lastmile-run".into()),
            fcc_id: Some("LASTMILE-SIM".into()),
            fcc_tvbd_device_type: Some(fcc_type.into()),
            etsi_en_device_type: Some(etsi_type.into()),
            etsi_en_device_emissions_class: Some(t.emission_class.to_string()),
            etsi_en_technology_id: Some("LTE".into()),
            etsi_en_device_category: Some("master".into()),
            ..Default::default()
        };
        let loc = GeoLocation::point(site.lat_deg, site.lon_deg);
        let resp = ask(&ep.client, &desc, &loc, site.height_m).map_err(|e| {
            CliError::runtime(anyhow!(
                "site '{}': the white-space database refused or failed: {e}",
                site.name
            ))
        })?;
        let now = timestamp::parse(&resp.timestamp)
            .map_err(|e| CliError::runtime(anyhow!("response timestamp: {e}")))?;
        let Some(spec) = resp.spectrum_specs.first() else {
            return Err(CliError::runtime(anyhow!(
                "site '{}': the database returned no spectrum spec",
                site.name
            )));
        };
        let (spectra, mut limits) = offers_from_spec(spec, raster, now)
            .map_err(|e| CliError::runtime(anyhow!("site '{}': {e}", site.name)))?;
        if let Some(chs) = &t.channels {
            limits.retain(|(o, _)| chs.contains(&o.channel));
        }
        granted.push(Granted {
            spectra,
            offers: limits.iter().map(|(o, _)| *o).collect(),
            limits,
            timestamp: resp.timestamp.clone(),
            ruleset: spec.ruleset_info.ruleset_id.clone(),
        });
    }
    let grants: Vec<SiteGrant<'_>> = granted
        .iter()
        .zip(&sc.sites)
        .map(|(g, site)| SiteGrant {
            spectra: &g.spectra,
            offers: &g.offers,
            device: Device {
                antenna_gain_dbi: site.antenna.gain_dbi(),
                cable_loss_db: t.cable_loss_db,
                max_conducted_dbm: t.max_conducted_dbm,
                emission_class: (raster == TvRaster::Eu8Uhf).then_some(t.emission_class),
                max_channels: t.max_channels,
                fill_guard_hz: t.fill_guard_hz,
            },
        })
        .collect();
    let Some(choices) = choose_common(&grants) else {
        let per_site: Vec<String> = granted
            .iter()
            .zip(&sc.sites)
            .map(|(g, s)| {
                let chs: Vec<String> = g.offers.iter().map(|o| o.channel.to_string()).collect();
                format!(
                    "'{}': {}",
                    s.name,
                    if chs.is_empty() {
                        "none".to_string()
                    } else {
                        chs.join(", ")
                    }
                )
            })
            .collect();
        return Err(CliError::runtime(anyhow!(
            "no TV channel is available to every site{} (granted: {})",
            if t.channels.is_some() {
                " among [tvws] channels"
            } else {
                ""
            },
            per_site.join("; ")
        )));
    };
    let first = &choices[0];
    let occ = f64::from(first.n_prb) * PRB_HZ;
    sc.carrier = Carrier {
        center_hz: first.center_hz,
        bandwidth_hz: occ,
        tv_channel: Some((raster_name(raster).to_string(), first.channels[0])),
        span: sc.carrier.span.clone(),
    };
    let mut sites_json = Vec::new();
    for ((site, c), g) in sc.sites.iter_mut().zip(&choices).zip(&granted) {
        let requested = site.eirp_dbm;
        site.eirp_dbm = requested.min(c.eirp_dbm);
        let max_granted = g
            .limits
            .iter()
            .map(|(_, e)| *e)
            .fold(f64::NEG_INFINITY, f64::max);
        sites_json.push(json!({
            "site": site.name,
            "ruleset": g.ruleset,
            "response_timestamp": g.timestamp,
            "granted_channels": g.limits.iter().map(|(o, e)| json!({
                "channel": o.channel,
                "max_eirp_dbm": round(*e, 2),
                "until": timestamp::format(o.until_s),
            })).collect::<Vec<_>>(),
            "max_eirp_dbm": if max_granted.is_finite() { json!(round(max_granted, 2)) } else { Value::Null },
            "spectra": spectrum_json(&g.spectra),
            "chosen": {
                "channels": c.channels,
                "center_hz": c.center_hz,
                "lte_bandwidth_hz": c.lte_bandwidth_hz,
                "n_prb": c.n_prb,
                "fft_size": c.fft_size,
                "occupied_hz": f64::from(c.n_prb) * PRB_HZ,
                "mask_eirp_dbm": round(c.mask_eirp_dbm, 2),
                "radio_eirp_dbm": round(c.eirp_dbm, 2),
                "conducted_dbm": round(c.conducted_dbm, 2),
                "conducted_per_prb_dbm": round(c.conducted_per_prb_dbm, 2),
                "compliant": c.compliant(),
                "checks": c.checks.iter().map(|k| json!({"what": k.what, "margin_db": round(k.margin_db, 2)})).collect::<Vec<_>>(),
            },
            "grant_expiry": timestamp::format(c.until_s),
            "requested_eirp_dbm": requested,
            "eirp_dbm": round(site.eirp_dbm, 2),
        }));
    }
    // TV stations as interferers.
    let mut interferers = Vec::new();
    let mut tv_json = Vec::new();
    if t.interference {
        for s in &ep.stations {
            let Ok(edges) = raster.edges_hz(s.channel) else {
                continue;
            };
            let Some((coupling_db, relation)) = coupling(t, edges, first, raster.width_hz()) else {
                continue;
            };
            let d_km = sc
                .sites
                .iter()
                .map(|x| distance_azimuth(x.lat_deg, x.lon_deg, s.lat_deg, s.lon_deg).0 / 1e3)
                .fold(f64::INFINITY, f64::min);
            if d_km > t.max_interferer_km {
                continue;
            }
            let eirp = 60.0 + 10.0 * s.erp_kw.log10() + 2.15;
            let name = format!("{} ({})", s.call_sign, s.id);
            tv_json.push(json!({
                "id": s.id,
                "call_sign": s.call_sign,
                "channel": s.channel,
                "relation": relation,
                "lat_deg": s.lat_deg,
                "lon_deg": s.lon_deg,
                "height_m": s.height_agl_m,
                "erp_kw": s.erp_kw,
                "eirp_dbm": round(eirp, 2),
                "coupling_db": round(coupling_db, 2),
                "distance_km": round(d_km, 2),
            }));
            interferers.push(ExternalInterferer {
                name,
                lat_deg: s.lat_deg,
                lon_deg: s.lon_deg,
                height_m: s.height_agl_m,
                frequency_hz: 0.5 * (edges.0 + edges.1),
                eirp_dbm: eirp,
                coupling_db,
            });
        }
    }
    let report = json!({
        "database": ep.describe,
        "raster": raster_name(raster),
        "device": t.device,
        "sites": sites_json,
        "carrier": {
            "channels": first.channels,
            "center_hz": first.center_hz,
            "lte_bandwidth_hz": first.lte_bandwidth_hz,
            "n_prb": first.n_prb,
            "grant_expiry": timestamp::format(choices.iter().map(|c| c.until_s).min().unwrap_or(first.until_s)),
        },
        "interference": t.interference,
        "tv_interferers": tv_json,
    });
    Ok(Plan {
        interferers,
        report,
        input_files: files,
    })
}

/// The box (same centre as `area`) that also holds every interferer, plus 5 km.
pub fn extended_bbox(
    area: &sim::scenario::Bbox,
    interferers: &[ExternalInterferer],
) -> sim::scenario::Bbox {
    let clat = 0.5 * (area.south_deg + area.north_deg);
    let clon = 0.5 * (area.west_deg + area.east_deg);
    let mut hlat = 0.5 * (area.north_deg - area.south_deg);
    let mut hlon = 0.5 * (area.east_deg - area.west_deg);
    let pad = 5_000.0 / sim::coverage::M_PER_DEG;
    for x in interferers {
        hlat = hlat.max((x.lat_deg - clat).abs() + pad);
        hlon = hlon.max((x.lon_deg - clon).abs() + pad / clat.to_radians().cos());
    }
    sim::scenario::Bbox {
        south_deg: clat - hlat,
        north_deg: clat + hlat,
        west_deg: clon - hlon,
        east_deg: clon + hlon,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtv_mask_and_acir() {
        assert_eq!(dtv_mask_db(0.2), 47.0);
        assert!((dtv_mask_db(1.0) - 52.9).abs() < 1e-9);
        assert_eq!(dtv_mask_db(7.0), 110.0);
        // First 500 kHz alone: exactly the 47 dB of the mask.
        assert!((dtv_aclr_db(0.0, 0.5) - 47.0).abs() < 1e-9);
        // A 5 MHz LTE carrier (4.5 MHz occupied) centred in the next 6 MHz channel starts
        // 0.75 MHz beyond the edge: ~51 dB; the UE's 33 dB ACS dominates the ACIR.
        let aclr = dtv_aclr_db(0.75, 5.25);
        assert!((aclr - 51.2).abs() < 0.2, "{aclr}");
        let acir = acir_db(aclr, ue_acs_db(5e6));
        assert!(acir < 33.0 && acir > 32.9, "{acir}");
        assert_eq!(ue_acs_db(20e6), 27.0);
    }
}
