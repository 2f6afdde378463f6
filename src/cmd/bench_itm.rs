//! `lastmile bench itm`: ITM point-to-point calls per second on one core, on the profile of
//! ARCHITECTURE.md (30 km, 1001 points, 600 MHz; NTIA's C++ reference does about 83,000/s on
//! this machine class).

use std::hint::black_box;
use std::time::Instant;

use sim::propagation::itm;

use super::bench::thread_cpu_s;
use super::{CliError, CmdResult};

pub fn run() -> CmdResult {
    let e = itm::bench_profile();
    let p = itm::bench_params();
    let call = |e: &[f64]| itm::p2p_tls(30.0, 10.0, e, itm::BENCH_SPACING_M, &p, 50.0, 50.0, 50.0);
    let first = call(&e).map_err(|f| CliError::runtime(anyhow::anyhow!("{f}")))?;
    // warm up, then run for 3 s. The machine may be shared, so the per-core figure is calls
    // per second of this thread's CPU time; the wall-clock rate is reported beside it.
    for _ in 0..2000 {
        let _ = black_box(call(black_box(&e)));
    }
    const BATCH: u64 = 1000;
    let mut n = 0u64;
    let cpu0 = thread_cpu_s();
    let t = Instant::now();
    while t.elapsed().as_secs_f64() < 3.0 {
        for _ in 0..BATCH {
            let _ = black_box(call(black_box(&e)));
        }
        n += BATCH;
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
            "us_per_profile": cpu / n as f64 * 1e6,
            "cpu_s": cpu,
            "points": e.len(),
            "calls": n,
            "a_db": first.a_db,
            "mode": first.mode as u8,
            "reference_ntia_cpp_profiles_per_s": 83000,
        })
    );
    Ok(())
}
