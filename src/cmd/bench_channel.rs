//! `lastmile bench channel`: the link-level fading channel (`sim::channel`), samples per
//! second on one core. Default EVA 70 Hz at 15.36 Msps (10 MHz LTE) with nearest-sample taps,
//! in 1 ms blocks; `msamples_per_s_per_core` is the channel alone, `..._with_cfo_awgn` adds a
//! CFO and AWGN. Figures are per second of this thread's CPU time (the wall-clock figure
//! beside it), so they hold on a shared machine.

use std::time::Instant;

use phy::Complex32;
use sim::channel::{Channel, Placement, TdlConfig};

use super::bench::thread_cpu_s;
use super::{parse_f64, CliError, CmdResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlacementArg {
    /// Every tap at its nearest sample.
    Nearest,
    /// Band-limited: Kaiser-windowed sinc of half-width 16 at the exact delay.
    Sinc,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 3GPP model and maximum Doppler: epa5, eva5, eva70, etu70, etu300, ...
    #[arg(long, default_value = "eva70")]
    model: String,
    /// Sample rate, Hz.
    #[arg(long, default_value = "15.36e6", value_parser = parse_f64)]
    sample_rate: f64,
    /// Tap placement.
    #[arg(long, value_enum, default_value = "nearest")]
    placement: PlacementArg,
    /// Minimum measuring time per figure, seconds.
    #[arg(long, default_value = "1", value_parser = parse_f64)]
    seconds: f64,
}

/// (samples per CPU second, samples per wall second) of `ch` on `x` for at least `seconds`.
fn measure(ch: &mut Channel, x: &[Complex32], seconds: f64) -> Result<(f64, f64), CliError> {
    let mut y = vec![Complex32::default(); x.len()];
    for _ in 0..5 {
        ch.process(x, &mut y).map_err(CliError::runtime)?;
    }
    let c0 = thread_cpu_s();
    let t0 = Instant::now();
    let mut samples = 0u64;
    while t0.elapsed().as_secs_f64() < seconds {
        ch.process(x, &mut y).map_err(CliError::runtime)?;
        std::hint::black_box(&y);
        samples += x.len() as u64;
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu = match (c0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall,
    };
    Ok((samples as f64 / cpu, samples as f64 / wall))
}

pub fn run(a: Args) -> CmdResult {
    let cfg: TdlConfig = a.model.parse().map_err(CliError::usage)?;
    if !(a.seconds > 0.0 && a.seconds.is_finite()) {
        return Err(CliError::usage(anyhow::anyhow!(
            "--seconds must be positive"
        )));
    }
    let placement = match a.placement {
        PlacementArg::Nearest => Placement::Nearest,
        PlacementArg::Sinc => Placement::default(),
    };
    let build = || Channel::tdl(cfg, a.sample_rate, placement, 1, 0).map_err(CliError::usage);
    let mut ch = build()?;
    let block = ((a.sample_rate * 1e-3).round() as usize).max(1);
    let x: Vec<Complex32> = (0..block)
        .map(|i| {
            let t = i as f32;
            Complex32::new((0.013 * t).cos(), (0.029 * t).sin())
        })
        .collect();
    let (cpu, wall) = measure(&mut ch, &x, a.seconds)?;
    let mut ch_imp = build()?
        .with_cfo(250.0)
        .and_then(|c| c.with_awgn(10.0, 1.0, 1, 0))
        .map_err(CliError::runtime)?;
    let (cpu_imp, _) = measure(&mut ch_imp, &x, a.seconds)?;
    let r2 = |v: f64| (v * 100.0).round() / 100.0;
    println!(
        "{}",
        serde_json::json!({
            "kernel": "channel",
            "model": cfg.model.name(),
            "doppler_hz": cfg.doppler_hz,
            "sample_rate": a.sample_rate,
            "placement": match a.placement { PlacementArg::Nearest => "nearest", PlacementArg::Sinc => "sinc16" },
            "taps": ch.tap_count(),
            "update_interval": ch.update_interval(),
            "block_samples": block,
            "msamples_per_s_per_core": r2(cpu / 1e6),
            "msamples_per_s_wall": r2(wall / 1e6),
            "msamples_per_s_per_core_with_cfo_awgn": r2(cpu_imp / 1e6),
            "realtime_factor": r2(cpu / a.sample_rate),
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(model: &str, rate: f64) -> Args {
        Args {
            model: model.into(),
            sample_rate: rate,
            placement: PlacementArg::Nearest,
            seconds: 0.01,
        }
    }

    #[test]
    fn runs_and_rejects_bad_input_as_usage() {
        assert!(run(args("epa5", 1.92e6)).is_ok());
        assert!(matches!(run(args("xyz5", 1.92e6)), Err(CliError::Usage(_))));
        assert!(matches!(run(args("eva70", -1.0)), Err(CliError::Usage(_))));
    }
}
