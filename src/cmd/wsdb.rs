//! `lastmile wsdb`: the PAWS white-space database (`serve`) and a one-shot query (`query`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::anyhow;
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use mac::spectrum::paws::{
    AntennaCharacteristics, AvailSpectrumReq, AvailSpectrumResp, DeviceDescriptor, DeviceOwner,
    GeoLocation, Method, RegistrationReq, RegistrationResp, PAWS_VERSION, RULESET_ETSI,
    RULESET_FCC,
};
use mac::spectrum::validate;
use wsdb::client::{Client, ClientError};
use wsdb::config::{Config, Ruleset};
use wsdb::db::{Database, DeviceClass, Query, QueryError};
use wsdb::rpc::Service;
use wsdb::store::Store;

use super::{parse_f64, CliError, CmdResult};

/// Arguments of `lastmile wsdb`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    cmd: Sub,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Serve PAWS (JSON-RPC 2.0 over HTTP at /paws); prints the bound address first.
    Serve {
        /// Database configuration (e.g. scenarios/tvws/wsdb.toml).
        #[arg(long)]
        config: PathBuf,
        /// Address to bind; port 0 picks a free port. Loopback unless told otherwise.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Worker threads.
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
    /// Print what a device at a location would get, as JSON.
    Query {
        /// Latitude, degrees.
        #[arg(long, value_parser = parse_f64, allow_hyphen_values = true)]
        lat: f64,
        /// Longitude, degrees.
        #[arg(long, value_parser = parse_f64, allow_hyphen_values = true)]
        lon: f64,
        /// Antenna height above ground, m.
        #[arg(long = "height-m", value_parser = parse_f64)]
        height_m: f64,
        /// Database configuration, answered in-process.
        #[arg(
            long,
            default_value = "scenarios/tvws/wsdb.toml",
            conflicts_with = "url"
        )]
        config: PathBuf,
        /// Ask a running database instead (http://HOST:PORT[/paws]).
        #[arg(long)]
        url: Option<String>,
        /// Fixed or portable device.
        #[arg(long, value_enum, default_value_t = Device::Fixed)]
        device: Device,
        /// ETSI emission class 1–5.
        #[arg(long, default_value_t = 5)]
        emission_class: u8,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Device {
    Fixed,
    Portable,
}

/// Run `lastmile wsdb`.
pub fn run(a: Args) -> CmdResult {
    match a.cmd {
        Sub::Serve {
            config,
            listen,
            threads,
        } => serve(config, listen, threads),
        Sub::Query {
            lat,
            lon,
            height_m,
            config,
            url,
            device,
            emission_class,
        } => match url {
            Some(u) => query_url(&u, lat, lon, height_m, device),
            None => query_local(config, lat, lon, height_m, device, emission_class),
        },
    }
}

fn load(config: &std::path::Path) -> Result<Database, CliError> {
    let cfg = Config::load(config).map_err(CliError::usage)?;
    eprintln!("wsdb: computing protected contours ...");
    let t0 = std::time::Instant::now();
    let db = Database::build(cfg).map_err(|e| match e {
        wsdb::Error::Config { .. } | wsdb::Error::Stations { .. } => CliError::usage(e),
        _ => CliError::runtime(e),
    })?;
    eprintln!(
        "wsdb: {} stations, {} radials each, in {:.1} s",
        db.stations.len(),
        db.config.contours.radials,
        t0.elapsed().as_secs_f64()
    );
    for (s, c) in db.stations.iter().zip(&db.contours) {
        let min = c.radial_km.iter().copied().fold(f64::INFINITY, f64::min);
        tracing::info!(
            "{} {} ch {} {} kW {} m: contour {:.1}–{:.1} km",
            s.id,
            s.call_sign,
            s.channel,
            s.erp_kw,
            s.haat_m,
            min,
            c.max_km()
        );
    }
    Ok(db)
}

fn serve(config: PathBuf, listen: SocketAddr, threads: usize) -> CmdResult {
    let db = load(&config)?;
    let store = Store::open(&db.config.store).map_err(CliError::usage)?;
    let limits = db.config.limits;
    eprintln!("wsdb: {} registrations loaded", store.len());
    let service = Arc::new(Service::new(db, store));
    wsdb::server::serve_until_signal(listen, service, limits, threads, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}");
        let _ = out.flush();
        eprintln!("wsdb: serving PAWS at http://{addr}/paws");
    })
    .map_err(|e| CliError::runtime(anyhow!("serving on {listen}: {e}")))
}

fn query_local(
    config: PathBuf,
    lat: f64,
    lon: f64,
    height_m: f64,
    device: Device,
    emission_class: u8,
) -> CmdResult {
    let db = load(&config)?;
    let q = Query {
        lat_deg: lat,
        lon_deg: lon,
        height_agl_m: height_m,
        uncertainty_m: 0.0,
        class: match device {
            Device::Fixed => DeviceClass::Fixed,
            Device::Portable => DeviceClass::Portable,
        },
        emission_class,
    };
    let a = db.available(&q).map_err(|e| match e {
        QueryError::OutsideCoverage(..)
        | QueryError::Rule(_)
        | QueryError::HaatAboveLimit { .. } => CliError::usage(e),
        _ => CliError::runtime(e),
    })?;
    let out = serde_json::json!({
        "ruleset": match db.config.ruleset { Ruleset::Fcc => RULESET_FCC, Ruleset::Etsi => RULESET_ETSI },
        "lat_deg": lat,
        "lon_deg": lon,
        "height_agl_m": height_m,
        "haat_m": (a.haat_m * 10.0).round() / 10.0,
        "num_channels": a.channels.len(),
        "channels": a.channels,
        "spectra": db.spectra(&a),
    });
    println!("{out}");
    Ok(())
}

fn query_url(url: &str, lat: f64, lon: f64, height_m: f64, device: Device) -> CmdResult {
    let client = Client::new(url).map_err(CliError::usage)?;
    let desc = DeviceDescriptor {
        serial_number: Some("lastmile-query".into()),
        manufacturer_id: Some("lastmile".into()),
        model_id: Some("cli".into()),
        fcc_id: Some("LASTMILE-CLI".into()),
        fcc_tvbd_device_type: Some(
            match device {
                Device::Fixed => "FIXED",
                Device::Portable => "MODE_2",
            }
            .into(),
        ),
        etsi_en_device_type: Some(match device {
            Device::Fixed => "A".into(),
            Device::Portable => "B".into(),
        }),
        etsi_en_device_emissions_class: Some("5".into()),
        etsi_en_technology_id: Some("LTE".into()),
        etsi_en_device_category: Some("master".into()),
        ..Default::default()
    };
    let location = GeoLocation::point(lat, lon);
    let antenna = Some(AntennaCharacteristics {
        height: Some(height_m),
        height_type: Some("AGL".into()),
        height_uncertainty: None,
    });
    let rpc_err = |e: ClientError| match e {
        ClientError::Rpc(_) => CliError::usage(e),
        other => CliError::runtime(other),
    };
    let reg: RegistrationResp = client
        .call(
            Method::Register,
            &RegistrationReq {
                kind: "REGISTRATION_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: desc.clone(),
                location: location.clone(),
                device_owner: Some(DeviceOwner {
                    owner: Some(serde_json::json!([
                        "vcard",
                        [["fn", {}, "text", "lastmile"]]
                    ])),
                    operator: None,
                }),
                antenna: antenna.clone(),
            },
        )
        .map_err(rpc_err)?;
    validate::registration_resp(&reg).map_err(|e| CliError::runtime(anyhow!("{e}")))?;
    let resp: AvailSpectrumResp = client
        .call(
            Method::GetSpectrum,
            &AvailSpectrumReq {
                kind: "AVAIL_SPECTRUM_REQ".into(),
                version: PAWS_VERSION.into(),
                device_desc: desc,
                location,
                owner: None,
                antenna,
                master_device_desc: None,
                master_device_location: None,
                capabilities: None,
                request_type: None,
            },
        )
        .map_err(rpc_err)?;
    validate::avail_spectrum_resp(&resp)
        .map_err(|e| CliError::runtime(anyhow!("the database's answer is invalid: {e}")))?;
    println!(
        "{}",
        serde_json::to_string(&resp).map_err(|e| CliError::runtime(anyhow!(e)))?
    );
    Ok(())
}
