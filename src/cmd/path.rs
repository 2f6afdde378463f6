//! `lastmile path SCENARIO --to LAT,LON[,HEIGHT_M] [--from SITE] [--model M] [--plot FILE.png]`:
//! a SPLAT!-style point-to-point report between a scenario site and a point.
//!
//! Geometry on an earth of effective radius k·a (k from the scenario, default 4/3): the
//! terrain at distance d₁ from the TX (d₂ to the RX) is raised by the bulge d₁d₂/(2ka)
//! relative to the straight line between the antennas; the first Fresnel zone radius is
//! r₁ = √(λd₁d₂/d). `fresnel_clearance` is the minimum over interior profile points of
//! (line height − bulged terrain) / r₁ (negative: the line is blocked); `obstructions` lists
//! the points where the bulged terrain reaches the line.

use std::path::PathBuf;

use serde_json::json;
use sim::coverage::{distance_azimuth, model, Elevation, LinkSettings, EARTH_RADIUS_M};
use sim::propagation::{Link, Profile, C_M_PER_S};
use sim::scenario::ModelId;

use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Receiver: LAT,LON[,HEIGHT_M] (degrees; height above ground, default the scenario's
    /// rx_height_m).
    #[arg(long, value_parser = parse_to, allow_hyphen_values = true)]
    to: (f64, f64, Option<f64>),
    /// Transmitting site by name (default: the first site).
    #[arg(long)]
    from: Option<String>,
    /// Model: itm, p526, two-ray, raytrace, fspl (default: the scenario's).
    #[arg(long)]
    model: Option<String>,
    /// Write a profile plot (PNG).
    #[arg(long)]
    plot: Option<PathBuf>,
}

fn parse_to(s: &str) -> Result<(f64, f64, Option<f64>), String> {
    let parts: Vec<&str> = s.split(',').collect();
    let f = |x: &str| super::parse_f64(x);
    match parts.as_slice() {
        [a, b] => Ok((f(a)?, f(b)?, None)),
        [a, b, c] => Ok((f(a)?, f(b)?, Some(f(c)?))),
        _ => Err(format!("'{s}' is not LAT,LON[,HEIGHT_M]")),
    }
}

/// Everything the report and the plot need.
pub struct PathReport {
    pub d_m: f64,
    pub profile: Profile,
    pub z_tx_m: f64,
    pub z_rx_m: f64,
    pub k_factor: f64,
    pub wavelength_m: f64,
}

impl PathReport {
    /// Distance of point i from the TX, m.
    pub fn d_at(&self, i: usize) -> f64 {
        i as f64 * self.profile.spacing_m
    }

    /// Earth bulge at point i, m.
    pub fn bulge(&self, i: usize) -> f64 {
        let d1 = self.d_at(i);
        let d2 = (self.d_m - d1).max(0.0);
        d1 * d2 / (2.0 * self.k_factor * EARTH_RADIUS_M)
    }

    /// Height of the antenna-to-antenna line at point i, m AMSL.
    pub fn los(&self, i: usize) -> f64 {
        self.z_tx_m + (self.z_rx_m - self.z_tx_m) * self.d_at(i) / self.d_m
    }

    /// First Fresnel radius at point i, m.
    pub fn fresnel_r1(&self, i: usize) -> f64 {
        let d1 = self.d_at(i);
        let d2 = (self.d_m - d1).max(0.0);
        (self.wavelength_m * d1 * d2 / self.d_m).sqrt()
    }
}

pub fn run(a: Args) -> CmdResult {
    let loaded = super::validate::load(&a.scenario)?;
    let (terrain, _files) = crate::output::terrain::load(&loaded)?;
    let sc = &loaded.scenario;
    let site = match &a.from {
        None => &sc.sites[0],
        Some(n) => sc.sites.iter().find(|s| &s.name == n).ok_or_else(|| {
            let names: Vec<&str> = sc.sites.iter().map(|s| s.name.as_str()).collect();
            CliError::usage(anyhow::anyhow!(
                "--from {n}: no such site (sites: {})",
                names.join(", ")
            ))
        })?,
    };
    let model_id = match &a.model {
        None => sc.model.id,
        Some(m) => ModelId::from_name(m).ok_or_else(|| {
            CliError::usage(anyhow::anyhow!(
                "--model {m}: expected itm, p526, two-ray, raytrace or fspl"
            ))
        })?,
    };
    let (lo, hi) = model_id.frequency_range_hz();
    if sc.carrier.center_hz < lo || sc.carrier.center_hz > hi {
        return Err(CliError::usage(anyhow::anyhow!(
            "carrier {} MHz is outside the range of model '{}'",
            sc.carrier.center_hz / 1e6,
            model_id.as_str()
        )));
    }
    let model = model::build(&sc.model, model_id).map_err(CliError::usage)?;
    let (lat, lon, h) = a.to;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(CliError::usage(anyhow::anyhow!(
            "--to {lat},{lon}: not a position"
        )));
    }
    let rx_h = h.unwrap_or(sc.coverage.rx_height_m);
    if rx_h <= 0.0 {
        return Err(CliError::usage(anyhow::anyhow!(
            "--to height must be positive"
        )));
    }
    let ls = LinkSettings::of(sc);
    let (d_m, az_deg) = distance_azimuth(site.lat_deg, site.lon_deg, lat, lon);
    if d_m < 1.0 {
        return Err(CliError::usage(anyhow::anyhow!(
            "--to is {d_m:.2} m from site '{}': too close for a path",
            site.name
        )));
    }
    let mut elev = Vec::new();
    let spacing = terrain
        .profile_into(site.lat_deg, site.lon_deg, lat, lon, None, &mut elev)
        .map_err(|e| {
            CliError::usage(anyhow::anyhow!(
                "no terrain along the path to {lat}, {lon} ({}): {e}",
                terrain.describe()
            ))
        })?;
    let profile = Profile {
        spacing_m: spacing,
        elevations_m: elev,
    };
    let link = Link {
        profile: &profile,
        tx_height_m: site.height_m,
        rx_height_m: rx_h,
        frequency_hz: ls.frequency_hz,
        polarization: ls.polarization,
        ground: ls.ground,
    };
    // The profile follows the great circle; land cover is looked up on the straight
    // latitude/longitude line, which differs by less than a DEM sample over a path's length.
    let ends = sim::propagation::GroundPath {
        tx_lat_deg: site.lat_deg,
        tx_lon_deg: site.lon_deg,
        rx_lat_deg: lat,
        rx_lon_deg: lon,
    };
    let rep = model
        .loss_on_ground(&link, &ends)
        .map_err(CliError::runtime)?;
    let n = profile.elevations_m.len();
    let pr = PathReport {
        d_m: profile.distance_m(),
        z_tx_m: profile.elevations_m[0] + site.height_m,
        z_rx_m: profile.elevations_m[n - 1] + rx_h,
        k_factor: sc.model.k_factor,
        wavelength_m: C_M_PER_S / ls.frequency_hz,
        profile,
    };
    let curv = pr.d_m / (2.0 * pr.k_factor * EARTH_RADIUS_M);
    let tx_elev = ((pr.z_rx_m - pr.z_tx_m) / pr.d_m).atan() - curv;
    let rx_elev = ((pr.z_tx_m - pr.z_rx_m) / pr.d_m).atan() - curv;
    let mut min_clear: Option<f64> = None;
    let mut obstructions = Vec::new();
    for i in 1..n - 1 {
        let ground = pr.profile.elevations_m[i] + pr.bulge(i);
        let clear = pr.los(i) - ground;
        let r1 = pr.fresnel_r1(i);
        if r1 > 0.0 {
            let ratio = clear / r1;
            min_clear = Some(min_clear.map_or(ratio, |m: f64| m.min(ratio)));
        }
        if clear <= 0.0 {
            obstructions.push(json!({
                "d_km": round(pr.d_at(i) / 1000.0, 4),
                "h_m": round(pr.profile.elevations_m[i], 2),
            }));
        }
    }
    let dep = sim::coverage::depression_deg(pr.z_tx_m, pr.z_rx_m, pr.d_m, pr.k_factor);
    let rx_dbm =
        site.eirp_dbm + site.antenna.relative_gain_db(az_deg, dep) - rep.loss_db + ls.rx_gain_dbi;
    let profile_json: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            [
                round(pr.d_at(i) / 1000.0, 4),
                round(pr.profile.elevations_m[i], 2),
            ]
        })
        .collect();
    let mut out = json!({
        "from": site.name,
        "to": {"lat_deg": lat, "lon_deg": lon, "height_m": rx_h},
        "distance_km": round(pr.d_m / 1000.0, 4),
        "azimuth_deg": round(az_deg, 3),
        "elevation_deg": round(tx_elev.to_degrees(), 4),
        "rx_elevation_deg": round(rx_elev.to_degrees(), 4),
        "frequency_hz": ls.frequency_hz,
        "model": model_id.as_str(),
        "loss_db": round(rep.loss_db, 3),
        "mode": rep.mode,
        "warnings": rep.warnings,
        "rx_dbm": round(rx_dbm, 3),
        "fresnel_clearance": min_clear.map(|c| round(c, 4)),
        "obstructions": obstructions,
        "profile": profile_json,
    });
    if model_id == ModelId::Raytrace {
        let cover = sc.model.land_cover.as_ref().map(|l| l.cover.as_ref());
        out["paths"] = raytrace_paths(&terrain, site, (lat, lon, rx_h), &ls, &pr, cover)?;
    }
    if let Some(p) = &a.plot {
        let title = format!(
            "{} → {lat:.5}, {lon:.5}: {:.2} km, {} {:.1} dB",
            site.name,
            pr.d_m / 1000.0,
            model_id.as_str(),
            rep.loss_db
        );
        let png = crate::output::profile_plot::render(&pr, &title).map_err(CliError::runtime)?;
        std::fs::write(p, png)
            .map_err(|e| CliError::runtime(anyhow::anyhow!("{}: {e}", p.display())))?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&out).map_err(CliError::runtime)?
    );
    Ok(())
}

/// The ray tracer's paths for `lastmile path … --model raytrace`: the 3-D solver
/// ([`sim::raytrace::link::trace_point_to_point`]) on a local mesh of the scenario's terrain at
/// its profile spacing (at most 250,000 grid points), earth radius k·a, depth 3. Per path:
/// `delay_s`, `length_m`, `gain` (complex amplitude `[re, im]` per TX→RX polarisation pair
/// `hh`, `hv`, `vh`, `vv`; first letter the TX's), `power_db` (10·log10 |gain|² for the
/// scenario's polarisation), `aod`/`aoa` (`azimuth_deg` clockwise from north, `elevation_deg`;
/// AoA points from the RX back along the arriving ray), `line_of_sight`, `excess_loss_db`
/// (diffraction + vegetation) and `interactions` (`kind` reflection/diffraction, `east_m`,
/// `north_m` from the TX, `elev_m` above the datum). With `[model] land_cover` the mesh takes
/// the classes' ground constants and each path the canopy loss it crosses.
fn raytrace_paths(
    terrain: &sim::terrain::Terrain,
    site: &sim::scenario::Site,
    to: (f64, f64, f64),
    ls: &LinkSettings,
    pr: &PathReport,
    cover: Option<&sim::raytrace::landcover::LandCover>,
) -> Result<serde_json::Value, CliError> {
    use sim::propagation::Polarization;
    use sim::raytrace::link::{trace_point_to_point_with_cover, PointToPoint};
    use sim::raytrace::{EarthModel, TraceConfig};
    let p2p = PointToPoint {
        tx_lat_deg: site.lat_deg,
        tx_lon_deg: site.lon_deg,
        tx_height_m: site.height_m,
        rx_lat_deg: to.0,
        rx_lon_deg: to.1,
        rx_height_m: to.2,
        min_cell_m: pr.profile.spacing_m.max(1.0),
        max_points: 250_000,
        earth: EarthModel::EffectiveRadius { k: pr.k_factor },
        ground: ls.ground,
    };
    let mut cfg = TraceConfig::new(ls.frequency_hz);
    cfg.rays = 200_000;
    cfg.tx_antenna = sim::raytrace::Antenna::isotropic(ls.polarization);
    cfg.rx_antenna = sim::raytrace::Antenna::isotropic(ls.polarization);
    let t =
        trace_point_to_point_with_cover(|la, lo| terrain.elevation_m(la, lo), &p2p, &cfg, cover)
            .map_err(|e| CliError::runtime(anyhow::anyhow!("ray tracer: {e}")))?;
    let angles =
        |(az, el): (f64, f64)| json!({"azimuth_deg": round(az, 4), "elevation_deg": round(el, 4)});
    use Polarization::{Horizontal as H, Vertical as V};
    let paths: Vec<serde_json::Value> = t
        .link
        .paths
        .iter()
        .map(|p| {
            let g = p.gain(ls.polarization, ls.polarization).norm_sqr();
            let c = |tx, rx| {
                let z = p.gain(tx, rx);
                [z.re, z.im]
            };
            let inter: Vec<serde_json::Value> = p
                .interactions
                .iter()
                .map(|i| {
                    let (e, n, z) = t.enu(i.point);
                    json!({
                        "kind": i.kind,
                        "east_m": round(e, 2),
                        "north_m": round(n, 2),
                        "elev_m": round(z, 2),
                    })
                })
                .collect();
            json!({
                "delay_s": p.delay_s,
                "length_m": round(p.length_m, 3),
                "gain": {
                    "hh": c(H, H),
                    "hv": c(H, V),
                    "vh": c(V, H),
                    "vv": c(V, V),
                },
                "power_db": if g > 0.0 { round(10.0 * g.log10(), 3) } else { f64::NEG_INFINITY },
                "aod": angles(p.aod_deg()),
                "aoa": angles(p.aoa_deg()),
                "line_of_sight": p.line_of_sight,
                "excess_loss_db": round(p.excess_loss_db, 3),
                "interactions": inter,
            })
        })
        .collect();
    Ok(serde_json::Value::Array(paths))
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}
