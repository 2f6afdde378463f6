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
        /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
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
        /// Ask a running database instead (http[s]://HOST:PORT[/paws]).
        #[arg(long)]
        url: Option<String>,
        /// PEM CA certificate(s) to trust for an https --url.
        #[arg(long, requires = "url")]
        ca_file: Option<PathBuf>,
        /// Fixed or portable device.
        #[arg(long, value_enum, default_value_t = Device::Fixed)]
        device: Device,
        /// ETSI emission class 1–5.
        #[arg(long, default_value_t = 5)]
        emission_class: u8,
    },
    /// Map the number of available channels over the served area: DIR/channels.tif (Float32
    /// GeoTIFF, EPSG:4326) and DIR/channels.asc (ESRI ASCII grid), both -9999 where refused,
    /// DIR/channels.png, DIR/map.json.
    Map {
        /// Database configuration.
        #[arg(long)]
        config: PathBuf,
        /// Output directory (written atomically).
        #[arg(short = 'o', long = "out")]
        out: PathBuf,
        /// Pixel size, degrees.
        #[arg(long, value_parser = parse_f64, default_value = "0.02")]
        step_deg: f64,
        /// Antenna height above ground, m.
        #[arg(long = "height-m", value_parser = parse_f64, default_value = "10")]
        height_m: f64,
        /// Fixed or portable device.
        #[arg(long, value_enum, default_value_t = Device::Fixed)]
        device: Device,
        /// Replace a non-empty output directory.
        #[arg(long)]
        force: bool,
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
            tls_cert,
            tls_key,
        } => serve(config, listen, threads, tls_cert.zip(tls_key)),
        Sub::Query {
            lat,
            lon,
            height_m,
            config,
            url,
            ca_file,
            device,
            emission_class,
        } => match url {
            Some(u) => query_url(&u, ca_file.as_deref(), lat, lon, height_m, device),
            None => query_local(config, lat, lon, height_m, device, emission_class),
        },
        Sub::Map {
            config,
            out,
            step_deg,
            height_m,
            device,
            force,
        } => map(config, out, step_deg, height_m, device, force),
    }
}

/// Colour ramp for channel counts (dark blue → teal → yellow), 0 … `max`.
fn ramp(v: f32, max: f32) -> [u8; 3] {
    const STOPS: [[f32; 3]; 4] = [
        [40.0, 20.0, 90.0],
        [30.0, 110.0, 140.0],
        [90.0, 190.0, 90.0],
        [250.0, 230.0, 40.0],
    ];
    let t = (v / max.max(1.0)).clamp(0.0, 1.0) * 3.0;
    let i = (t.floor() as usize).min(2);
    let f = t - i as f32;
    let mut out = [0u8; 3];
    for k in 0..3 {
        out[k] = (STOPS[i][k] * (1.0 - f) + STOPS[i + 1][k] * f).round() as u8;
    }
    out
}

fn map(
    config: PathBuf,
    out: PathBuf,
    step_deg: f64,
    height_m: f64,
    device: Device,
    force: bool,
) -> CmdResult {
    if !(step_deg > 0.0 && step_deg <= 1.0) {
        return Err(CliError::usage(anyhow!("--step-deg must be in (0, 1]")));
    }
    if out.is_dir()
        && std::fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
        && !force
    {
        return Err(CliError::usage(anyhow!(
            "{} is not empty; use --force to replace it",
            out.display()
        )));
    }
    let db = load(&config)?;
    let t0 = std::time::Instant::now();
    let class = match device {
        Device::Fixed => DeviceClass::Fixed,
        Device::Portable => DeviceClass::Portable,
    };
    let g = db.channel_count_grid(step_deg, height_m, class, 5);
    eprintln!(
        "wsdb: {}×{} pixels in {:.1} s",
        g.width,
        g.height,
        t0.elapsed().as_secs_f64()
    );
    let data: Vec<f32> = g
        .counts
        .iter()
        .map(|c| c.map_or(f32::NAN, |n| n as f32))
        .collect();
    // ESRI ASCII grid (north-up, cell corners at the served area's south-west corner):
    // GDAL/QGIS read it as EPSG:4326 with the .prj-less default; values are counts.
    let mut asc = format!(
        "ncols {}\nnrows {}\nxllcorner {}\nyllcorner {}\ncellsize {}\nNODATA_value -9999\n",
        g.width,
        g.height,
        g.west_deg,
        g.north_deg - g.step_deg * g.height as f64,
        g.step_deg
    );
    for row in data.chunks(g.width) {
        let line: Vec<String> = row
            .iter()
            .map(|v| {
                if v.is_nan() {
                    "-9999".to_owned()
                } else {
                    format!("{v}")
                }
            })
            .collect();
        asc.push_str(&line.join(" "));
        asc.push('\n');
    }
    let (lo, hi) = db.raster.channels();
    let max = (hi - lo + 1) as f32;
    // PNG: ramp, grey where refused, station sites as white 3×3 dots.
    let mut rgb = vec![0u8; g.width * g.height * 3];
    for (i, v) in data.iter().enumerate() {
        let px = if v.is_nan() {
            [128, 128, 128]
        } else {
            ramp(*v, max)
        };
        rgb[3 * i..3 * i + 3].copy_from_slice(&px);
    }
    for s in &db.stations {
        let r = ((g.north_deg - s.lat_deg) / g.step_deg).floor() as i64;
        let c = ((s.lon_deg - g.west_deg) / g.step_deg).floor() as i64;
        for dr in -1..=1 {
            for dc in -1..=1 {
                let (rr, cc) = (r + dr, c + dc);
                if rr >= 0 && cc >= 0 && (rr as usize) < g.height && (cc as usize) < g.width {
                    let i = 3 * (rr as usize * g.width + cc as usize);
                    rgb[i..i + 3].copy_from_slice(&[255, 255, 255]);
                }
            }
        }
    }
    let valid: Vec<f32> = data.iter().copied().filter(|v| !v.is_nan()).collect();
    let mean = valid.iter().map(|&v| f64::from(v)).sum::<f64>() / valid.len().max(1) as f64;
    let summary = serde_json::json!({
        "config": config.display().to_string(),
        "device": format!("{device:?}").to_lowercase(),
        "height_agl_m": height_m,
        "step_deg": step_deg,
        "width": g.width,
        "height": g.height,
        "stations": db.stations.len(),
        "channels_in_raster": max,
        "min_channels": valid.iter().copied().fold(f32::INFINITY, f32::min),
        "max_channels": valid.iter().copied().fold(0.0, f32::max),
        "mean_channels": (mean * 100.0).round() / 100.0,
        "refused_pixels": data.len() - valid.len(),
        "files": ["channels.tif", "channels.asc", "channels.png", "map.json"],
    });
    // Write into a temporary sibling directory, then rename into place.
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&parent).map_err(|e| CliError::runtime(anyhow!(e)))?;
    let tmp = parent.join(format!(
        ".{}.tmp.{}",
        out.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| CliError::runtime(anyhow!(e)))?;
    let write = || -> anyhow::Result<()> {
        std::fs::write(tmp.join("channels.asc"), &asc)?;
        let raster = sim::geotiff::GeoRaster {
            west_deg: g.west_deg,
            north_deg: g.north_deg,
            pixel_deg_x: g.step_deg,
            pixel_deg_y: g.step_deg,
            width: g.width,
            height: g.height,
            data: data
                .iter()
                .map(|v| if v.is_nan() { -9999.0 } else { *v })
                .collect(),
            nodata: -9999.0,
        };
        sim::geotiff::write_f32(&tmp.join("channels.tif"), &raster)?;
        let f = std::fs::File::create(tmp.join("channels.png"))?;
        let mut enc =
            png::Encoder::new(std::io::BufWriter::new(f), g.width as u32, g.height as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header()?.write_image_data(&rgb)?;
        std::fs::write(tmp.join("map.json"), serde_json::to_vec_pretty(&summary)?)?;
        Ok(())
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(CliError::runtime(e));
    }
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| CliError::runtime(anyhow!(e)))?;
    }
    std::fs::rename(&tmp, &out).map_err(|e| CliError::runtime(anyhow!(e)))?;
    println!("{summary}");
    Ok(())
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

fn serve(
    config: PathBuf,
    listen: SocketAddr,
    threads: usize,
    tls: Option<(PathBuf, PathBuf)>,
) -> CmdResult {
    let tls = match tls {
        Some((cert, key)) => Some(wsdb::server::tls_config(&cert, &key).map_err(CliError::usage)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let db = load(&config)?;
    let store = Store::open(&db.config.store).map_err(CliError::usage)?;
    let limits = db.config.limits;
    eprintln!("wsdb: {} registrations loaded", store.len());
    let service = Arc::new(Service::new(db, store));
    wsdb::server::serve_until_signal(listen, service, limits, threads, tls, |addr| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{addr}");
        let _ = out.flush();
        eprintln!("wsdb: serving PAWS at {scheme}://{addr}/paws");
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

fn query_url(
    url: &str,
    ca_file: Option<&std::path::Path>,
    lat: f64,
    lon: f64,
    height_m: f64,
    device: Device,
) -> CmdResult {
    let mut client = Client::new(url).map_err(CliError::usage)?;
    if let Some(ca) = ca_file {
        client = client.with_ca_file(ca).map_err(CliError::usage)?;
    }
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
