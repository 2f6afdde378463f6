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
    /// Terrain ray tracer: SBR rays per second on the peer tile's 40 × 40 km mesh.
    Raytrace(super::bench_raytrace::Args),
    /// ITM point-to-point on the 30 km, 1001-point reference profile: profiles/s per core.
    Itm,
}

pub fn run(a: Args) -> CmdResult {
    match a.kernel {
        Kernel::Gold => bench_gold(),
        Kernel::Raytrace(a) => super::bench_raytrace::run(a),
        Kernel::Itm => super::bench_itm::run(),
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
