//! `lastmile bench raytrace`: shooting-and-bouncing rays per second on the 40 × 40 km mesh of
//! the peer comparison's synthetic tile (generated in-process by
//! `sim::raytrace::synthetic`, so no Python or reference files are needed), plus the time of
//! a 30 km-radius coverage map at 100 m.
//!
//! JSON keys: `rays_per_s`, `triangles`, `threads`, `peak_rss_mb` (the contract), and
//! `rays`, `max_depth`, `segments_per_s`, `receivers`, `scene_build_s`,
//! `coverage_radius_km`, `coverage_resolution_m`, `coverage_pixels`, `coverage_s`.

use super::{CliError, CmdResult};
use sim::propagation::Polarization;
use sim::raytrace::paths::sbr_run;
use sim::raytrace::{coverage_map, synthetic, CoverageSpec, EarthModel, Scene, SceneOptions, Site};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rays to launch (Fibonacci sphere).
    #[arg(long, default_value_t = 20_000_000)]
    rays: u64,
    /// Maximum reflections per ray.
    #[arg(long, default_value_t = 3)]
    max_depth: usize,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Skip the coverage-map timing.
    #[arg(long)]
    no_coverage: bool,
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), 0 where unknown.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn run(a: Args) -> CmdResult {
    if a.rays == 0 || a.max_depth > 8 {
        return Err(CliError::usage(anyhow::anyhow!(
            "--rays must be positive and --max-depth at most 8"
        )));
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = a.threads {
        pool = pool.num_threads(t);
    }
    let pool = pool.build().map_err(CliError::runtime)?;
    pool.install(|| bench(&a))
}

fn bench(a: &Args) -> CmdResult {
    let (lat0, lon0, h_tx) = synthetic::PEER_TX;
    let t = std::time::Instant::now();
    let dem = synthetic::dem();
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    let scene = Scene::from_dem(&dem, lat0, lon0, 20_000.0, &opts).map_err(CliError::runtime)?;
    let build_s = t.elapsed().as_secs_f64();
    let tx = scene
        .locate(&Site::agl(0.0, 0.0, h_tx), "TX")
        .map_err(CliError::runtime)?;
    // 40 receivers 10 m above ground on a spiral from 3 to 19 km (inside the mesh).
    let mut rxs = Vec::new();
    for i in 0..40 {
        let r = 3000.0 + 16_000.0 * i as f64 / 39.0;
        let az = i as f64 * 2.399_963_229_728_653;
        let s = Site::agl(r * az.sin(), r * az.cos(), 10.0);
        rxs.push(scene.locate(&s, "RX").map_err(CliError::runtime)?.pos);
    }
    // Warm up caches and the thread pool.
    let _ = sbr_run(&scene, tx.pos, &rxs, 200_000, a.max_depth);
    let t = std::time::Instant::now();
    let (_, stats) = sbr_run(&scene, tx.pos, &rxs, a.rays, a.max_depth);
    let dt = t.elapsed().as_secs_f64();
    eprintln!(
        "raytrace: {} rays, {} segments, {} candidates in {dt:.2} s",
        stats.rays, stats.segments, stats.candidates
    );
    let triangles = scene.triangles();
    drop(scene);

    let mut cov = serde_json::Value::Null;
    let mut cov_px = serde_json::Value::Null;
    if !a.no_coverage {
        let opts = SceneOptions::default();
        let scene =
            Scene::from_dem(&dem, lat0, lon0, 30_100.0, &opts).map_err(CliError::runtime)?;
        let spec = CoverageSpec {
            radius_m: 30_000.0,
            resolution_m: 100.0,
            rx_height_m: 10.0,
            frequency_hz: 600e6,
            polarization: Polarization::Horizontal,
            reflections: true,
        };
        let t = std::time::Instant::now();
        let map =
            coverage_map(&scene, &Site::agl(0.0, 0.0, h_tx), &spec).map_err(CliError::runtime)?;
        let s = t.elapsed().as_secs_f64();
        let px = map.loss_db.iter().filter(|v| v.is_finite()).count();
        eprintln!("raytrace: coverage map {px} pixels in {s:.2} s");
        cov = serde_json::json!(s);
        cov_px = serde_json::json!(px);
    }
    println!(
        "{}",
        serde_json::json!({
            "kernel": "raytrace",
            "rays_per_s": stats.rays as f64 / dt,
            "triangles": triangles,
            "threads": rayon::current_num_threads(),
            "peak_rss_mb": peak_rss_mb(),
            "rays": stats.rays,
            "max_depth": a.max_depth,
            "segments_per_s": stats.segments as f64 / dt,
            "receivers": rxs.len(),
            "scene_build_s": build_s,
            "coverage_radius_km": 30.0,
            "coverage_resolution_m": 100.0,
            "coverage_pixels": cov_px,
            "coverage_s": cov,
        })
    );
    Ok(())
}
