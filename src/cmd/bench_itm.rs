//! `lastmile bench itm`: ITM point-to-point calls per second on one core, on the profile of
//! ARCHITECTURE.md (30 km, 1001 points, 600 MHz; NTIA's C++ reference does about 83,000/s on
//! this machine class).

use std::hint::black_box;
use std::time::Instant;

use sim::propagation::itm;

use super::{CliError, CmdResult};

/// CPU time of the calling thread, seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), if
/// the platform has it. Per-core throughput is calls per CPU-second, so a busy machine does
/// not understate it.
fn thread_cpu_s() -> Option<f64> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

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
