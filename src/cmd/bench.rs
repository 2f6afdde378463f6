//! `lastmile bench KERNEL`: one figure users can quote, as JSON on stdout.
//!
//! Each kernel lives in its own `bench_*` module and adds one variant here.

use super::CmdResult;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    kernel: Kernel,
}

#[derive(Debug, clap::Subcommand)]
enum Kernel {
    /// Gold-sequence generation (the scrambling-sequence generator every channel uses).
    Gold,
    /// ITM point-to-point on the 30 km, 1001-point reference profile: profiles/s per core.
    Itm,
    /// Turbo decoding of one block (information bits per second of single-thread decode time).
    Turbo(super::bench_turbo::Args),
    /// Terrain ray tracer: SBR rays per second on the peer tile's 40 × 40 km mesh.
    Raytrace(super::bench_raytrace::Args),
    /// Terrain profile extraction: 30 km radials, 1001 points (profiles/s per core).
    Terrain(super::bench_terrain::Args),
    /// 20 MHz downlink receive without turbo (FFT, CRS estimation, SFBC/MMSE, 64QAM demap).
    OfdmRx,
    /// DL-SCH encode of a 75 376-bit TB (64QAM, 100 PRB): µs per TB and stage split.
    Dlsch,
    /// Rate dematching and HARQ combining, K = 6144: M LLR/s per stage and end to end.
    Harq,
    /// Max-log soft demapping: Msym/s per modulation.
    Demap,
    /// Link-level fading channel (3GPP TDL, default EVA 70 Hz at 15.36 Msps): Msamples/s per core.
    Channel(super::bench_channel::Args),
}

pub fn run(a: Args) -> CmdResult {
    match a.kernel {
        Kernel::Gold => bench_gold(),
        Kernel::Itm => super::bench_itm::run(),
        Kernel::Turbo(t) => super::bench_turbo::run(t),
        Kernel::Raytrace(a) => super::bench_raytrace::run(a),
        Kernel::Terrain(a) => super::bench_terrain::run(a),
        Kernel::OfdmRx => super::bench_ofdm::run(),
        Kernel::Dlsch => super::bench_fec::run_dlsch(),
        Kernel::Harq => super::bench_fec::run_harq(),
        Kernel::Demap => super::bench_fec::run_demap(),
        Kernel::Channel(a) => super::bench_channel::run(a),
    }
}

fn bench_gold() -> CmdResult {
    let n = 10_000_000usize;
    let mut buf = vec![0u8; n];
    let t = std::time::Instant::now();
    phy::sequence::Gold::new(0x1234_5678).fill(&mut buf);
    let dt = t.elapsed().as_secs_f64();
    let ones = buf.iter().filter(|&&b| b == 1).count();
    println!(
        "{}",
        serde_json::json!({"kernel": "gold", "mbit_per_s_per_core": n as f64 / dt / 1e6, "ones_fraction": ones as f64 / n as f64})
    );
    Ok(())
}

/// CPU time of the calling thread, seconds (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), if the
/// platform has it. Per-core figures are work per thread CPU-second, so a machine shared with
/// other jobs does not understate them.
pub(super) fn thread_cpu_s() -> Option<f64> {
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
