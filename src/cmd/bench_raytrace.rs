//! `lastmile bench raytrace`: shooting-and-bouncing rays per second on the 40 × 40 km mesh of
//! the peer comparison's synthetic tile (generated in-process by
//! `sim::raytrace::synthetic`, so no Python or reference files are needed), plus the time of
//! a 30 km-radius coverage map at 100 m.
//!
//! JSON keys: `rays_per_s`, `triangles`, `threads`, `peak_rss_mb` (the contract), and
//! `rays`, `max_depth`, `accel` (`--accel bvh|grid`), `segments_per_s`, `receivers`, `dem_s` (synthesising the tile),
//! `scene_build_s` / `scene_build_cpu_s` (mesh and BVH: wall and process CPU seconds),
//! `trace_s` / `trace_cpu_s` (the timed SBR launch alone), `rays_per_cpu_s`,
//! `coverage_radius_km`, `coverage_resolution_m`, `coverage_pixels`, `coverage_s`,
//! `coverage_cpu_s`. The CPU-second figures make runs on a shared machine comparable.

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
    /// First-hit accelerator of the SBR launch: the BVH, or the height-field grid walk.
    #[arg(long, value_parser = ["bvh", "grid"], default_value = "bvh")]
    accel: String,
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

/// CPU seconds (user + system, all threads) this process has used so far, from
/// `/proc/self/stat` (clock ticks of 1/100 s); NaN where unknown.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ut = f.get(11)?.parse::<f64>().ok()?;
            let st = f.get(12)?.parse::<f64>().ok()?;
            Some((ut + st) / 100.0)
        })
        .unwrap_or(f64::NAN)
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
    let dem_s = t.elapsed().as_secs_f64();
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    let (t, c) = (std::time::Instant::now(), cpu_s());
    let mut scene =
        Scene::from_dem(&dem, lat0, lon0, 20_000.0, &opts).map_err(CliError::runtime)?;
    if a.accel == "grid" {
        scene = scene.with_grid_accel().map_err(CliError::runtime)?;
    }
    let (build_s, build_cpu_s) = (t.elapsed().as_secs_f64(), cpu_s() - c);
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
    let (t, c) = (std::time::Instant::now(), cpu_s());
    let (_, stats) = sbr_run(&scene, tx.pos, &rxs, a.rays, a.max_depth);
    let (dt, dt_cpu) = (t.elapsed().as_secs_f64(), cpu_s() - c);
    eprintln!(
        "raytrace: {} rays, {} segments, {} candidates in {dt:.2} s ({dt_cpu:.2} CPU s)",
        stats.rays, stats.segments, stats.candidates
    );
    let triangles = scene.triangles();
    drop(scene);

    let mut cov = serde_json::Value::Null;
    let mut cov_px = serde_json::Value::Null;
    let mut cov_cpu = serde_json::Value::Null;
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
        let (t, c) = (std::time::Instant::now(), cpu_s());
        let map =
            coverage_map(&scene, &Site::agl(0.0, 0.0, h_tx), &spec).map_err(CliError::runtime)?;
        let (s, s_cpu) = (t.elapsed().as_secs_f64(), cpu_s() - c);
        let px = map.loss_db.iter().filter(|v| v.is_finite()).count();
        eprintln!("raytrace: coverage map {px} pixels in {s:.2} s ({s_cpu:.2} CPU s)");
        cov = serde_json::json!(s);
        cov_cpu = serde_json::json!(s_cpu);
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
            "accel": a.accel,
            "segments_per_s": stats.segments as f64 / dt,
            "receivers": rxs.len(),
            "dem_s": dem_s,
            "scene_build_s": build_s,
            "scene_build_cpu_s": build_cpu_s,
            "trace_s": dt,
            "trace_cpu_s": dt_cpu,
            "rays_per_cpu_s": stats.rays as f64 / dt_cpu,
            "coverage_radius_km": 30.0,
            "coverage_resolution_m": 100.0,
            "coverage_pixels": cov_px,
            "coverage_s": cov,
            "coverage_cpu_s": cov_cpu,
        })
    );
    Ok(())
}
