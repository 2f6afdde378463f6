//! Streaming behaviour and impairments of `sim::channel::Channel`: block invariance
//! (bit-identical output however the stream is cut), CFO shifts a tone by exactly the
//! offset, fractional timing offset, AWGN power, and typed errors on bad input.

use std::f64::consts::PI;

use lastmile_sim::channel::{Channel, ChannelError, FadingPath, Placement, TdlConfig};
use lastmile_sim::raytrace::{Cir, Tdl};
use num_complex::{Complex32, Complex64};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x5_7E4A;
const FS: f64 = 15.36e6;

fn random_input(n: usize, rng: &mut ChaCha8Rng) -> Vec<Complex32> {
    (0..n)
        .map(|_| Complex32::new(rng.gen_range(-1.0..1.0), rng.gen_range(-1.0..1.0)))
        .collect()
}

fn full_channel(cfg: TdlConfig, placement: Placement) -> Channel {
    Channel::tdl(cfg, FS, placement, SEED, 2)
        .unwrap()
        .with_timing_offset(3.37)
        .unwrap()
        .with_cfo(-1234.5)
        .unwrap()
        .with_awgn(15.0, 1.0, SEED, 2)
        .unwrap()
}

#[test]
fn output_does_not_depend_on_block_cuts() {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let x = random_input(40_000, &mut rng);
    for (cfg, placement) in [
        (TdlConfig::ETU300, Placement::Nearest),
        (TdlConfig::EVA70, Placement::default()),
    ] {
        let whole = full_channel(cfg, placement).apply(&x);
        // Cuts at interval boundaries, one sample either side, single samples, and random.
        let mut cuts = vec![1usize, 63, 64, 65, 1, 1, 127, 4096, 5000];
        while cuts.iter().sum::<usize>() < x.len() {
            cuts.push(rng.gen_range(1..3000));
        }
        let mut ch = full_channel(cfg, placement);
        let mut pieces = Vec::with_capacity(x.len());
        let mut at = 0;
        for c in cuts {
            let end = (at + c).min(x.len());
            let mut y = vec![Complex32::default(); end - at];
            ch.process(&x[at..end], &mut y).unwrap();
            pieces.extend_from_slice(&y);
            at = end;
            if at == x.len() {
                break;
            }
        }
        assert_eq!(ch.position(), x.len() as u64);
        assert!(whole == pieces, "{cfg}: block cuts changed the output");
        // And empty blocks are no-ops.
        ch.process(&[], &mut []).unwrap();
        assert_eq!(ch.position(), x.len() as u64);
    }
}

/// A 1 kHz tone through a unit channel with a 317.25 Hz CFO: the output's phase relative to
/// the input after 1 s (15.36 M samples, in blocks) is 2π · 317.25 · n / fs within 1e-3 rad,
/// i.e. the tone moved by 317.25 Hz within 0.2 mHz.
#[test]
fn cfo_shifts_a_tone_by_exactly_the_offset() {
    let cfo = 317.25;
    let f1 = 1000.0;
    let mut ch = Channel::new(
        vec![FadingPath::fixed(0.0, Complex64::new(1.0, 0.0))],
        FS,
        Placement::Nearest,
    )
    .unwrap()
    .with_cfo(cfo)
    .unwrap();
    let block = 15_360usize;
    let mut unwrapped = 0.0f64;
    let mut prev = 0.0f64;
    let mut worst = 0.0f64;
    let mut x = vec![Complex32::default(); block];
    let mut y = vec![Complex32::default(); block];
    for b in 0..1000u64 {
        for (i, v) in x.iter_mut().enumerate() {
            let n = b * block as u64 + i as u64;
            let ph = 2.0 * PI * (f1 * n as f64 / FS).fract();
            *v = Complex32::new(ph.cos() as f32, ph.sin() as f32);
        }
        ch.process(&x, &mut y).unwrap();
        for (i, (xi, yi)) in x.iter().zip(&y).enumerate().step_by(97) {
            let d = f64::from((yi * xi.conj()).arg());
            let mut step = d - prev;
            step -= 2.0 * PI * (step / (2.0 * PI)).round();
            unwrapped += step;
            prev = d;
            let n = b * block as u64 + i as u64;
            let want = 2.0 * PI * cfo * n as f64 / FS;
            worst = worst.max((unwrapped - want).abs());
        }
    }
    let t = 1000.0 * block as f64 / FS;
    eprintln!(
        "CFO {cfo} Hz: worst phase error {worst:.2e} rad over {t} s \
         (frequency error < {:.2e} Hz)",
        worst / (2.0 * PI * t)
    );
    assert!(worst < 1e-3, "{worst}");
}

/// A timing offset of 5.3 samples delays a band-limited signal by exactly 5.3 samples (plus
/// the kernel latency): output vs the analytic delayed tone mix within 2e-4.
#[test]
fn fractional_timing_offset_delays_by_the_exact_amount() {
    let tones = [(0.05, 1.0f64), (-0.21, 0.5), (0.33, 0.3)]; // cycles/sample, amplitude
    let sig = |t: f64| -> Complex64 {
        tones
            .iter()
            .map(|&(f, a)| Complex64::from_polar(a, 2.0 * PI * f * t))
            .sum()
    };
    for placement in [Placement::Nearest, Placement::default()] {
        let mut ch = Channel::new(
            vec![FadingPath::fixed(2.0 / FS, Complex64::new(1.0, 0.0))],
            FS,
            placement,
        )
        .unwrap()
        .with_timing_offset(5.3)
        .unwrap();
        let lead = ch.latency_samples() as f64;
        assert_eq!(lead, 16.0);
        let x: Vec<Complex32> = (0..400)
            .map(|n| {
                let v = sig(n as f64);
                Complex32::new(v.re as f32, v.im as f32)
            })
            .collect();
        let y = ch.apply(&x);
        let mut worst = 0.0f64;
        for (n, v) in y.iter().enumerate().skip(60) {
            let want = sig(n as f64 - 2.0 - 5.3 - lead);
            worst = worst.max((Complex64::new(f64::from(v.re), f64::from(v.im)) - want).norm());
        }
        eprintln!("{placement:?}: timing offset 5.3 samples, worst error {worst:.2e}");
        assert!(worst < 2e-4, "{placement:?}: {worst}");
    }
}

#[test]
fn awgn_has_the_requested_power() {
    let mut ch = Channel::new(
        vec![FadingPath::fixed(0.0, Complex64::new(1.0, 0.0))],
        FS,
        Placement::Nearest,
    )
    .unwrap()
    .with_awgn(10.0, 2.0, SEED, 0)
    .unwrap();
    let n = 200_000;
    let y = ch.apply(&vec![Complex32::default(); n]);
    let (mut pr, mut pi, mut mean) = (0.0f64, 0.0f64, Complex64::default());
    for v in &y {
        pr += f64::from(v.re * v.re);
        pi += f64::from(v.im * v.im);
        mean += Complex64::new(f64::from(v.re), f64::from(v.im));
    }
    let (pr, pi, mean) = (pr / n as f64, pi / n as f64, mean / n as f64);
    // Want 2 · 10^(−1) = 0.2 in total, 0.1 per dimension; standard error 0.3 %.
    eprintln!("AWGN: I {pr:.5}, Q {pi:.5}, mean {mean:.2e}");
    assert!(((pr + pi) / 0.2 - 1.0).abs() < 0.015);
    assert!((pr / pi - 1.0).abs() < 0.03);
    assert!(mean.norm() < 0.005);
    // Gaussian: kurtosis E[x⁴]/E[x²]² = 3 (standard error ≈ 0.02), and
    // P(|x| > 2σ) = 4.55 %.
    let m4 = y.iter().map(|v| f64::from(v.re).powi(4)).sum::<f64>() / n as f64;
    let kurt = m4 / (pr * pr);
    let tail = y
        .iter()
        .filter(|v| f64::from(v.re).abs() > 2.0 * pr.sqrt())
        .count() as f64
        / n as f64;
    eprintln!("AWGN: kurtosis {kurt:.3}, P(|x| > 2σ) {tail:.4}");
    assert!((kurt - 3.0).abs() < 0.1);
    assert!((tail - 0.0455).abs() < 0.003);
}

#[test]
fn bad_input_is_a_typed_error() {
    let one = || vec![FadingPath::fixed(0.0, Complex64::new(1.0, 0.0))];
    assert_eq!(
        Channel::new(one(), -1.0, Placement::Nearest).unwrap_err(),
        ChannelError::SampleRate(-1.0)
    );
    assert!(matches!(
        Channel::new(one(), f64::NAN, Placement::Nearest),
        Err(ChannelError::SampleRate(_))
    ));
    assert!(matches!(
        Channel::tdl(TdlConfig::EPA5, 0.0, Placement::Nearest, 1, 0),
        Err(ChannelError::SampleRate(_))
    ));
    let ch = Channel::new(one(), FS, Placement::Nearest).unwrap();
    assert!(matches!(
        ch.clone().with_awgn(f64::NAN, 1.0, 1, 0),
        Err(ChannelError::Snr(_))
    ));
    assert!(matches!(
        ch.clone().with_awgn(10.0, 0.0, 1, 0),
        Err(ChannelError::InvalidInput(_))
    ));
    assert!(matches!(
        ch.clone().with_cfo(f64::INFINITY),
        Err(ChannelError::InvalidInput(_))
    ));
    assert!(matches!(
        ch.clone().with_timing_offset(-0.5),
        Err(ChannelError::InvalidInput(_))
    ));
    // Empty tapped delay line, empty CIR, no paths.
    let empty = Tdl {
        delays_s: vec![],
        taps: vec![],
        offset_s: 0.0,
    };
    assert_eq!(
        Channel::from_tdl(&empty, FS).unwrap_err(),
        ChannelError::Empty
    );
    let tdl = Cir::default().to_tdl(FS, 0);
    assert_eq!(
        Channel::from_tdl(&tdl, FS).unwrap_err(),
        ChannelError::Empty
    );
    assert_eq!(
        Channel::from_cir(&Cir::default(), FS, Placement::Nearest).unwrap_err(),
        ChannelError::Empty
    );
    assert_eq!(
        Channel::new(vec![], FS, Placement::Nearest).unwrap_err(),
        ChannelError::Empty
    );
    // Bad paths and configurations.
    for bad in [
        FadingPath::fixed(-1e-6, Complex64::new(1.0, 0.0)),
        FadingPath::fixed(f64::NAN, Complex64::new(1.0, 0.0)),
        FadingPath::fixed(0.0, Complex64::new(f64::NAN, 0.0)),
        FadingPath::doppler(0.0, Complex64::new(1.0, 0.0), FS),
        FadingPath::fixed(1.0, Complex64::new(1.0, 0.0)), // 15 M samples of delay
    ] {
        assert!(matches!(
            Channel::new(vec![bad], FS, Placement::Nearest),
            Err(ChannelError::InvalidInput(_))
        ));
    }
    assert!(matches!(
        Channel::new(one(), FS, Placement::Sinc { half_width: 0 }),
        Err(ChannelError::InvalidInput(_))
    ));
    let nan_doppler = TdlConfig {
        doppler_hz: f64::NAN,
        ..TdlConfig::EVA70
    };
    assert!(matches!(
        Channel::tdl(nan_doppler, FS, Placement::Nearest, 1, 0),
        Err(ChannelError::InvalidInput(_))
    ));
    let mut ch = ch;
    let mut out = [Complex32::default(); 2];
    assert_eq!(
        ch.process(&[Complex32::default(); 3], &mut out)
            .unwrap_err(),
        ChannelError::LengthMismatch {
            input: 3,
            output: 2
        }
    );
}
