//! `lastmile run SCENARIO [-o DIR] [--seed N] [--threads N] [--force]`: the main job.
//!
//! Writes into a temporary sibling of DIR and renames it into place: `coverage.tif`
//! (best-server received power, Float32 dBm, EPSG:4326), `sinr.tif`, `coverage.png`,
//! `coverage.kmz`, `summary.json` and `run.json`. Everything but `run.json` (threads,
//! timings) is byte-identical for any `--threads`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use sim::coverage::{self, model, summary, Elevation};

use super::{CliError, CmdResult};
use crate::output::{self, Staging};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Output directory (default results/<name>/).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Replace a non-empty output directory.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> CmdResult {
    let t_start = Instant::now();
    let mut loaded = super::validate::load(&a.scenario)?;
    if let Some(s) = a.seed {
        loaded.scenario.seed = s;
    }
    let out_dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&loaded.scenario.name));
    if output::non_empty_dir(&out_dir) && !a.force {
        return Err(CliError::usage(anyhow::anyhow!(
            "{} is not empty; pass --force to replace it",
            out_dir.display()
        )));
    }
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(CliError::usage(anyhow::anyhow!(
            "{} exists and is not a directory",
            out_dir.display()
        )));
    }
    let threads = match a.threads {
        Some(0) => return Err(CliError::usage(anyhow::anyhow!("--threads must be ≥ 1"))),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };

    let t_terrain = Instant::now();
    let (terrain, terrain_files) = output::terrain::load(&loaded)?;
    let terrain_s = t_terrain.elapsed().as_secs_f64();
    // [tvws]: the database sets the carrier and the sites' EIRP; TV stations interfere.
    let t_tvws = Instant::now();
    let tvws = match loaded.scenario.tvws.clone() {
        Some(t) => Some(super::run_tvws::plan(&mut loaded.scenario, &t)?),
        None => None,
    };
    let sc = &loaded.scenario;
    let model = model::build(&sc.model, sc.model.id).map_err(CliError::usage)?;
    // Interferer paths leave the coverage terrain: synthetic terrain is regenerated on a
    // box with the same centre (same heights) that holds them; other terrain is continued
    // flat beyond its edge (see sim::coverage::interference).
    let wide_terrain = match (&tvws, &sc.terrain) {
        (Some(p), sim::scenario::TerrainSpec::Synthetic { .. }) if !p.interferers.is_empty() => {
            let b = super::run_tvws::extended_bbox(&sc.area_bbox(), &p.interferers);
            Some(sim::coverage::input::load(&sc.terrain, &b).map_err(CliError::runtime)?)
        }
        _ => None,
    };
    let external = tvws.as_ref().map(|p| sim::coverage::Interference {
        interferers: &p.interferers,
        terrain: wide_terrain
            .as_ref()
            .map_or(&terrain as &dyn Elevation, |t| t as &dyn Elevation),
        max_profile_points: 1500,
    });
    let tvws_s = t_tvws.elapsed().as_secs_f64();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(CliError::runtime)?;
    let grid = coverage::Grid::for_scenario(sc).map_err(CliError::usage)?;
    let n_ext = tvws.as_ref().map_or(0, |p| p.interferers.len());
    let total = (grid.rows * (sc.sites.len() + 1 + n_ext)) as u64;
    let bar = progress_bar(total);
    eprintln!(
        "lastmile run: '{}' — {} site(s), {}×{} pixels at {} m, model {}, {} thread(s)",
        sc.name,
        sc.sites.len(),
        grid.rows,
        grid.cols,
        sc.coverage.resolution_m,
        model.id(),
        threads
    );
    let t_cov = Instant::now();
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let cov = pool
        .install(|| {
            coverage::compute_with_interference(
                sc,
                &terrain,
                model.as_ref(),
                external.as_ref(),
                &tick,
            )
        })
        .map_err(CliError::runtime)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let coverage_s = t_cov.elapsed().as_secs_f64();

    let t_out = Instant::now();
    let sum = summary::summary(sc, &cov);
    let desc = terrain.describe();
    let staging = Staging::new(&out_dir).map_err(CliError::runtime)?;
    let res = write_outputs(&staging, &loaded, &cov, &sum, &desc);
    let files = match res {
        Ok(f) => f,
        Err(e) => {
            staging.abandon();
            return Err(CliError::runtime(e));
        }
    };
    let output_s = t_out.elapsed().as_secs_f64();

    let mut inputs = vec![json!({
        "path": loaded.path.display().to_string(),
        "sha256": output::sha256_hex(loaded.text.as_bytes()),
    })];
    let tvws_files = tvws.as_ref().map_or(&[][..], |p| &p.input_files[..]);
    for f in terrain_files
        .iter()
        .chain(&sc.input_files)
        .chain(tvws_files)
    {
        inputs.push(json!({
            "path": f.display().to_string(),
            "sha256": output::sha256_file(f).unwrap_or_else(|_| "unreadable".into()),
        }));
    }
    let resolved = serde_json::to_value(sc).map_err(CliError::runtime)?;
    let resolved_text = serde_json::to_string(&resolved).map_err(CliError::runtime)?;
    let mut run_json = json!({
        "lastmile_version": env!("CARGO_PKG_VERSION"),
        "git_sha": git_sha(),
        "command": std::env::args().collect::<Vec<_>>(),
        "scenario": resolved,
        "scenario_sha256": output::sha256_hex(resolved_text.as_bytes()),
        "seed": sc.seed,
        "run": sc.run,
        "threads": threads,
        "models": {"propagation": model.id(), "terrain": desc},
        "grid": {"rows": cov.grid.rows, "cols": cov.grid.cols,
                 "north_deg": cov.grid.north_deg, "west_deg": cov.grid.west_deg,
                 "dlat_deg": cov.grid.dlat_deg, "dlon_deg": cov.grid.dlon_deg},
        "inputs": inputs,
        "outputs": files,
        "timings_s": {"terrain": terrain_s, "coverage": coverage_s, "outputs": output_s,
                      "total": t_start.elapsed().as_secs_f64()},
    });
    if let Some(p) = &tvws {
        run_json["tvws"] = p.report.clone();
        run_json["timings_s"]["tvws"] = json!(tvws_s);
    }
    let res = serde_json::to_vec_pretty(&run_json)
        .map_err(anyhow::Error::from)
        .and_then(|b| Ok(staging.write("run.json", &b)?));
    if let Err(e) = res {
        staging.abandon();
        return Err(CliError::runtime(e));
    }
    staging.commit().map_err(|e| {
        CliError::runtime(anyhow::anyhow!(
            "moving results into {}: {e}",
            out_dir.display()
        ))
    })?;
    eprintln!(
        "lastmile run: wrote {} in {:.2} s (coverage {:.2} s); {:.1} km² ≥ {} dBm",
        out_dir.display(),
        t_start.elapsed().as_secs_f64(),
        coverage_s,
        sum.overall_rx_dbm.above.last().map_or(0.0, |t| t.area_km2),
        sum.overall_rx_dbm
            .above
            .last()
            .map_or(String::new(), |t| format!("{}", t.threshold)),
    );
    Ok(())
}

fn write_outputs(
    st: &Staging,
    loaded: &super::validate::Loaded,
    cov: &coverage::Coverage,
    sum: &summary::Summary,
    terrain_desc: &str,
) -> anyhow::Result<Vec<String>> {
    let sc = &loaded.scenario;
    output::geotiff::write(&st.tmp.join("coverage.tif"), &cov.grid, &cov.best_dbm)?;
    output::geotiff::write(&st.tmp.join("sinr.tif"), &cov.grid, &cov.sinr_db)?;
    let png = output::map::render_png(sc, cov, terrain_desc)?;
    st.write("coverage.png", &png)?;
    let overlay = output::map::render_overlay(sc, cov)?;
    let sites: Vec<(String, f64, f64)> = sc
        .sites
        .iter()
        .map(|s| (s.name.clone(), s.lat_deg, s.lon_deg))
        .collect();
    let kml = output::kmz::kml(
        &sc.name,
        &cov.grid,
        &sites,
        output::map::signal_range(sc, cov),
    );
    st.write("coverage.kmz", &output::kmz::write_kmz(&kml, &overlay)?)?;
    let mut sj = serde_json::to_vec_pretty(sum)?;
    sj.push(b'\n');
    st.write("summary.json", &sj)?;
    let mut files: Vec<String> = [
        "coverage.tif",
        "sinr.tif",
        "coverage.png",
        "coverage.kmz",
        "summary.json",
        "run.json",
    ]
    .map(String::from)
    .to_vec();
    if !cov.external_dbm.is_empty() {
        // Interference from outside the network (TV stations), dBm in the LTE band.
        output::geotiff::write(
            &st.tmp.join("tv_interference.tif"),
            &cov.grid,
            &cov.external_dbm,
        )?;
        files.insert(2, "tv_interference.tif".into());
    }
    Ok(files)
}

fn progress_bar(total: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent}% (eta {eta})",
    ) {
        b.set_style(style);
    }
    Some(b)
}

/// The git commit of the working directory at run time (`git rev-parse HEAD`), else
/// "unknown".
fn git_sha() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
