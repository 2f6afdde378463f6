//! `lastmile bench itm`: ITM point-to-point calls per second on one core, on the profile of
//! ARCHITECTURE.md (30 km, 1001 points, 600 MHz; NTIA's C++ reference does about 83,000/s on
//! this machine class).

use std::hint::black_box;
use std::time::Instant;

use sim::propagation::itm;

use super::{CliError, CmdResult};

/// CPU time of the calling thread, seconds (Linux `/proc/thread-self/schedstat`), if known.
/// Per-core throughput is calls per CPU-second, so a busy machine does not understate it.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

pub fn run() -> CmdResult {
    let e = itm::bench_profile();
    let p = itm::bench_params();
    let call = |e: &[f64]| itm::p2p_tls(30.0, 10.0, e, itm::BENCH_SPACING_M, &p, 50.0, 50.0, 50.0);
    let first = call(&e).map_err(|f| CliError::runtime(anyhow::anyhow!("{f}")))?;
    // warm up, then time batches until at least 1.5 s have passed
    for _ in 0..2000 {
        let _ = black_box(call(black_box(&e)));
    }
    let mut n = 0u64;
    let cpu0 = thread_cpu_s();
    let t = Instant::now();
    let mut best = f64::INFINITY;
    while t.elapsed().as_secs_f64() < 1.5 {
        let tb = Instant::now();
        for _ in 0..2000 {
            let _ = black_box(call(black_box(&e)));
        }
        best = best.min(tb.elapsed().as_secs_f64() / 2000.0);
        n += 2000;
    }
    let dt = t.elapsed().as_secs_f64();
    let cpu = match (cpu0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => dt,
    };
    println!(
        "{}",
        serde_json::json!({
            "kernel": "itm",
            "profiles_per_s_per_core": n as f64 / cpu,
            "wall_profiles_per_s": n as f64 / dt,
            "best_batch_wall_profiles_per_s": 1.0 / best,
            "us_per_profile": cpu / n as f64 * 1e6,
            "points": e.len(),
            "calls": n,
            "a_db": first.a_db,
            "mode": first.mode as u8,
            "reference_ntia_cpp_profiles_per_s": 83000,
        })
    );
    Ok(())
}
