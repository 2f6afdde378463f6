//! `lastmile bench terrain`: terrain profile extraction, the coverage inner loop.
//!
//! 30 km radials from 40.5°N 99.5°W around the compass, at 30 m spacing (1001 points, the
//! length of the `bench itm` profile) unless `--spacing` says otherwise, on the embedded
//! synthetic terrain or on an SRTM directory (`--srtm-dir`). Single-threaded. The figure is
//! profiles per second of CPU time of the measuring thread (Linux `schedstat`), so it does not
//! drop when other processes share the cores; `wall_profiles_per_s` is the plain wall-clock
//! figure.

use std::path::PathBuf;
use std::time::Instant;

use sim::terrain::Terrain;

use super::bench::thread_cpu_s;
use super::{parse_f64, CliError, CmdResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Read terrain from this directory of .hgt tiles instead of the synthetic terrain.
    #[arg(long)]
    srtm_dir: Option<PathBuf>,
    /// Profile point spacing, metres.
    #[arg(long, default_value = "30", value_parser = parse_f64)]
    spacing: f64,
    /// Minimum measuring time, seconds.
    #[arg(long, default_value = "2", value_parser = parse_f64)]
    seconds: f64,
}

const TX: (f64, f64) = (40.5, -99.5);
const LEN_M: f64 = 30_000.0;

pub fn run(a: Args) -> CmdResult {
    if !(a.spacing > 0.0 && a.seconds > 0.0) {
        return Err(CliError::usage(anyhow::anyhow!(
            "--spacing and --seconds must be positive"
        )));
    }
    let (terrain, source) = match &a.srtm_dir {
        Some(d) => (
            Terrain::srtm_dir(d).map_err(CliError::usage)?,
            "srtm".to_string(),
        ),
        None => (
            Terrain::synthetic(1, TX.0, TX.1, LEN_M / 1000.0 + 1.0).map_err(CliError::runtime)?,
            "synthetic".to_string(),
        ),
    };
    let mut buf = Vec::new();
    let mut one = |i: usize| -> Result<usize, CliError> {
        let az = (i % 360) as f64;
        terrain
            .radial_into(TX.0, TX.1, az, LEN_M, a.spacing, &mut buf)
            .map_err(CliError::usage)?;
        Ok(buf.len())
    };
    for i in 0..360 {
        one(i)?; // warm-up: page in the tiles, fill caches
    }
    let (cpu0, t0) = (thread_cpu_s(), Instant::now());
    let (mut n, mut points) = (0usize, 0usize);
    while t0.elapsed().as_secs_f64() < a.seconds || n < 360 {
        points = one(n)?;
        n += 1;
    }
    let wall = t0.elapsed().as_secs_f64();
    let (cpu, clock) = match (cpu0, thread_cpu_s()) {
        (Some(c0), Some(c1)) if c1 > c0 => (c1 - c0, "thread_cpu"),
        _ => (wall, "wall"),
    };
    println!(
        "{}",
        serde_json::json!({
            "kernel": "terrain",
            "profiles_per_s_per_core": n as f64 / cpu,
            "wall_profiles_per_s": n as f64 / wall,
            "points_per_profile": points,
            "length_m": LEN_M,
            "spacing_m": a.spacing,
            "source": source,
            "clock": clock,
        })
    );
    Ok(())
}
