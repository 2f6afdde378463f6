//! `lastmile link --code turbo ...`: code-level Monte Carlo of the LTE turbo code over
//! BPSK/AWGN.
//!
//! Per Eb/N0 point, blocks of K random bits are encoded (rate 1/3 + 12 tail bits, N = 3K+12),
//! sent as BPSK over real AWGN with `Es/N0 = Eb/N0 · K/N`, decoded with a fixed number of
//! full iterations (no early stop), until `--target-block-errors` or `--max-blocks`.
//! Block b of point p draws from ChaCha8(seed) stream `p·2³² + b`, so results do not depend
//! on anything but the arguments. max-log decoders run on the SIMD decoder (i16 by default,
//! i8 with `--precision i8`) or on the f32 reference decoder (`--precision f32`); log-MAP
//! always runs on the f32 reference decoder.
//!
//! CSV: `ebn0_db,ber,bler,bit_errors,num_bits,block_errors,num_blocks,runtime_s`, written to
//! a temporary file and renamed into place.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use phy::fec::turbo::{
    self,
    fixed::{FixedDecoder, Precision},
    scalar::ScalarDecoder,
    Algorithm,
};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{parse_range, CliError, CmdResult, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Code {
    /// The LTE turbo code (36.212 §5.1.3.2).
    Turbo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DecoderArg {
    /// Max-log-MAP, no extrinsic scaling.
    MaxLog,
    /// Max-log-MAP with extrinsic scaling 0.75.
    MaxLogScaled,
    /// Exact log-MAP (f32 reference decoder; slow).
    LogMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionArg {
    /// SIMD decoder, i8 arithmetic (twice the lanes).
    I8,
    /// SIMD decoder, i16 arithmetic.
    I16,
    /// f32 reference decoder (slow).
    F32,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Channel code.
    #[arg(long, value_enum)]
    code: Code,
    /// Information block size K (a 36.212 Table 5.1.3-3 size).
    #[arg(long)]
    k: usize,
    /// Full decoder iterations (two constituent MAP passes each).
    #[arg(long, default_value_t = 8)]
    iterations: usize,
    /// Decoding algorithm.
    #[arg(long, value_enum, default_value_t = DecoderArg::MaxLogScaled)]
    decoder: DecoderArg,
    /// Decoder arithmetic for the max-log decoders (log-MAP is always f32).
    #[arg(long, value_enum, default_value_t = PrecisionArg::I16)]
    precision: PrecisionArg,
    /// Eb/N0 points in dB, START:STOP:STEP (STOP included).
    #[arg(long, value_parser = parse_range)]
    ebn0: Range,
    /// Stop a point after this many block errors.
    #[arg(long, default_value_t = 100)]
    target_block_errors: u64,
    /// Stop a point after this many blocks.
    #[arg(long, default_value_t = 10_000)]
    max_blocks: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output CSV file.
    #[arg(short = 'o', long)]
    output: PathBuf,
}

enum Dec {
    Fixed(Box<FixedDecoder>),
    Scalar(Box<ScalarDecoder>),
}

/// Standard normal pair by the Box–Muller transform.
fn gauss_pair(rng: &mut impl Rng) -> (f32, f32) {
    let u1: f64 = 1.0 - rng.gen::<f64>(); // (0, 1]
    let u2: f64 = rng.gen::<f64>();
    let r = (-2.0 * u1.ln()).sqrt();
    let (s, c) = (2.0 * std::f64::consts::PI * u2).sin_cos();
    ((r * c) as f32, (r * s) as f32)
}

pub fn run(a: Args) -> CmdResult {
    let Code::Turbo = a.code;
    let k = a.k;
    if turbo::qpp_params(k).is_none() {
        return Err(CliError::usage(anyhow::anyhow!(
            "--k {k} is not a turbo block size (36.212 Table 5.1.3-3)"
        )));
    }
    if a.iterations == 0 || a.max_blocks == 0 || a.target_block_errors == 0 {
        return Err(CliError::usage(anyhow::anyhow!(
            "--iterations, --max-blocks and --target-block-errors must be ≥ 1"
        )));
    }
    let alg = match a.decoder {
        DecoderArg::MaxLog => Algorithm::MaxLog,
        DecoderArg::MaxLogScaled => Algorithm::MaxLogScaled,
        DecoderArg::LogMap => Algorithm::LogMap,
    };
    let fixed = |p: Precision| -> Result<Dec, CliError> {
        Ok(Dec::Fixed(Box::new(
            FixedDecoder::with_precision(k, p).map_err(CliError::runtime)?,
        )))
    };
    let mut dec = match (alg, a.precision) {
        (Algorithm::LogMap, _) | (_, PrecisionArg::F32) => {
            Dec::Scalar(Box::new(ScalarDecoder::new(k).map_err(CliError::runtime)?))
        }
        (_, PrecisionArg::I16) => fixed(Precision::I16)?,
        (_, PrecisionArg::I8) => fixed(Precision::I8)?,
    };
    let n = 3 * (k + 4);
    let rate = k as f64 / n as f64;
    let perm = turbo::qpp_permutation(k).map_err(CliError::runtime)?;
    let mut c = vec![0u8; k];
    let mut d = vec![0u8; n];
    let mut llr = vec![0f32; n];
    let mut out = vec![0u8; k];
    let mut rows = Vec::new();
    for (p, ebn0_db) in a.ebn0.points().into_iter().enumerate() {
        let esn0 = 10f64.powf(ebn0_db / 10.0) * rate;
        let sigma2 = 1.0 / (2.0 * esn0);
        let sigma = sigma2.sqrt() as f32;
        let lc = (2.0 / sigma2) as f32;
        let (mut bit_err, mut blk_err, mut blocks) = (0u64, 0u64, 0u64);
        let t0 = std::time::Instant::now();
        while blocks < a.max_blocks && blk_err < a.target_block_errors {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
            rng.set_stream(((p as u64) << 32) | blocks);
            let mut w = 0u64;
            for (i, b) in c.iter_mut().enumerate() {
                if i % 64 == 0 {
                    w = rng.next_u64();
                }
                *b = ((w >> (i % 64)) & 1) as u8;
            }
            turbo::encode_with(&c, &perm, &mut d).map_err(CliError::runtime)?;
            for pair in d.chunks(2).zip(llr.chunks_mut(2)) {
                let (g0, g1) = gauss_pair(&mut rng);
                let (bits, l) = pair;
                for (j, (&b, o)) in bits.iter().zip(l.iter_mut()).enumerate() {
                    let x = 1.0 - 2.0 * f32::from(b);
                    let nz = if j == 0 { g0 } else { g1 };
                    *o = lc * (x + sigma * nz);
                }
            }
            match &mut dec {
                Dec::Fixed(f) => f.decode(&llr, 0, a.iterations, alg, &mut out, None),
                Dec::Scalar(s) => s.decode(&llr, a.iterations, alg, &mut out, None),
            }
            .map_err(CliError::runtime)?;
            let e = out.iter().zip(&c).filter(|(x, y)| x != y).count() as u64;
            bit_err += e;
            blk_err += u64::from(e > 0);
            blocks += 1;
        }
        let rt = t0.elapsed().as_secs_f64();
        let nbits = blocks * k as u64;
        eprintln!(
            "Eb/N0 {ebn0_db:.2} dB: BER {:.3e} BLER {:.3e} ({blk_err}/{blocks} blocks, {rt:.1} s)",
            bit_err as f64 / nbits as f64,
            blk_err as f64 / blocks as f64
        );
        rows.push(format!(
            "{ebn0_db},{:e},{:e},{bit_err},{nbits},{blk_err},{blocks},{rt:.3}",
            bit_err as f64 / nbits as f64,
            blk_err as f64 / blocks as f64,
        ));
    }
    write_atomic(&a.output, &rows).map_err(CliError::runtime)
}

fn write_atomic(path: &std::path::Path, rows: &[String]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .context("output path has no file name")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        writeln!(
            f,
            "ebn0_db,ber,bler,bit_errors,num_bits,block_errors,num_blocks,runtime_s"
        )?;
        for r in rows {
            writeln!(f, "{r}")?;
        }
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
