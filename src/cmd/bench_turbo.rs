//! `lastmile bench turbo [--k K] [--iterations N] [--precision i16|i8]`: turbo decoder
//! throughput.
//!
//! Decodes one noisy K-bit block (BPSK/AWGN at Eb/N0 = 1 dB, max-log-MAP with extrinsic
//! scaling, fixed iteration count, no early stop) repeatedly on one thread for about a
//! second and prints `mbit_per_s_per_core` = information bits / decode time, with the SIMD
//! level in `simd`, the arithmetic in `precision` and the vector width in `simd_bits`.

use phy::fec::turbo::{
    self,
    fixed::{FixedDecoder, Precision},
    Algorithm,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::bench::thread_cpu_s;
use super::{CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Block size K.
    #[arg(long, default_value_t = 6144)]
    k: usize,
    /// Full iterations.
    #[arg(long, default_value_t = 8)]
    iterations: usize,
    /// Decoder arithmetic.
    #[arg(long, value_enum, default_value_t = PrecisionArg::I16)]
    precision: PrecisionArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PrecisionArg {
    /// i16 metrics.
    I16,
    /// i8 metrics (twice the lanes).
    I8,
}

pub fn run(a: Args) -> CmdResult {
    if turbo::qpp_params(a.k).is_none() || a.iterations == 0 {
        return Err(CliError::usage(anyhow::anyhow!(
            "--k must be a turbo block size and --iterations ≥ 1"
        )));
    }
    let k = a.k;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let c: Vec<u8> = (0..k).map(|_| rng.gen_range(0..2u8)).collect();
    let mut d = vec![0u8; 3 * (k + 4)];
    turbo::encode(&c, &mut d).map_err(CliError::runtime)?;
    let rate = k as f64 / d.len() as f64;
    let sigma2 = 1.0 / (2.0 * 10f64.powf(0.1) * rate);
    let llr: Vec<f32> = d
        .iter()
        .map(|&b| {
            // Sum of 12 uniforms − 6: an adequate Gaussian for a throughput figure.
            let g: f64 = (0..12).map(|_| rng.gen::<f64>()).sum::<f64>() - 6.0;
            (2.0 / sigma2 * (1.0 - 2.0 * f64::from(b) + sigma2.sqrt() * g)) as f32
        })
        .collect();
    let precision = match a.precision {
        PrecisionArg::I16 => Precision::I16,
        PrecisionArg::I8 => Precision::I8,
    };
    let mut dec = FixedDecoder::with_precision(k, precision).map_err(CliError::runtime)?;
    let mut out = vec![0u8; k];
    // Warm up, then time.
    dec.decode(
        &llr,
        0,
        a.iterations,
        Algorithm::MaxLogScaled,
        &mut out,
        None,
    )
    .map_err(CliError::runtime)?;
    let mut n = 0u64;
    let t0 = std::time::Instant::now();
    let c0 = thread_cpu_s();
    while t0.elapsed().as_secs_f64() < 1.0 || n < 5 {
        dec.decode(
            &llr,
            0,
            a.iterations,
            Algorithm::MaxLogScaled,
            &mut out,
            None,
        )
        .map_err(CliError::runtime)?;
        n += 1;
    }
    let wall = t0.elapsed().as_secs_f64();
    // Thread CPU time where the OS reports it (a shared machine steals wall-clock time).
    let dt = match (c0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall,
    };
    let errors = out.iter().zip(&c).filter(|(x, y)| x != y).count();
    let (windows, window_len) = dec.windows();
    println!(
        "{}",
        serde_json::json!({
            "kernel": "turbo",
            "k": k,
            "iterations": a.iterations,
            "mbit_per_s_per_core": (n as f64 * k as f64) / dt / 1e6,
            "us_per_block": dt / n as f64 * 1e6,
            "simd": dec.level().name(),
            "precision": dec.precision().name(),
            "simd_bits": dec.lanes() * if precision == Precision::I8 { 8 } else { 16 },
            "lanes": dec.lanes(),
            "windows": windows,
            "window_len": window_len,
            "algorithm": "max-log-scaled",
            "bit_errors_last_block": errors,
            "wall_s": wall,
            "cpu_s": dt,
        })
    );
    Ok(())
}
