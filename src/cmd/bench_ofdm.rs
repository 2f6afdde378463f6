//! `lastmile bench ofdm-rx`: µs per 1 ms subframe of a 20 MHz (100 PRB, 30.72 Msps) downlink
//! with 2 CRS ports and transmit diversity, one RX antenna: OFDM demodulation, CRS channel
//! estimation, SFBC/MMSE equalisation and max-log soft demapping of a full-load 64QAM PDSCH
//! (everything but the turbo decoder). One core; the figure is µs of this thread's CPU time
//! (the wall-clock figure beside it), with the per-stage split in `stages_us`.

use phy::mib::PhichResource;
use phy::numerology::CyclicPrefix;
use phy::pdsch::{CellConfig, Receiver, Transmitter, TxBlock};
use phy::Complex32;

use super::bench::thread_cpu_s;
use super::{CliError, CmdResult};

/// (µs of thread CPU time, µs of wall time) per call of `f`, after a warm-up.
fn time(n: u32, f: &mut dyn FnMut()) -> (f64, f64) {
    for _ in 0..n / 20 + 1 {
        f();
    }
    let c0 = thread_cpu_s();
    let t = std::time::Instant::now();
    for _ in 0..n {
        f();
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = match (c0, thread_cpu_s()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => wall,
    };
    (cpu * 1e6 / f64::from(n), wall * 1e6 / f64::from(n))
}

pub fn run() -> CmdResult {
    let cell = CellConfig {
        pci: 42,
        n_prb: 100,
        cp: CyclicPrefix::Normal,
        ports: 2,
        phich_resource: PhichResource::One,
    };
    let rate = 30.72e6;
    let mut tx = Transmitter::new(cell, rate).map_err(CliError::runtime)?;
    // MCS 28 (64QAM, I_TBS 26) on all 100 PRBs: TBS 75376.
    let tbs = phy::pdsch::tbs(26, 100).ok_or_else(|| CliError::runtime(anyhow::anyhow!("TBS")))?;
    let payload: Vec<u8> = (0..tbs).map(|i| ((i * 7 + 3) % 5 % 2) as u8).collect();
    let block = TxBlock {
        rnti: 0x1234,
        prbs: (0, 100),
        mcs: 28,
        rv: 0,
        payload,
        cce: (0, 4),
    };
    let gains = [Complex32::new(0.8, 0.3), Complex32::new(-0.2, 0.7)];
    let x = tx
        .subframe(1, 0, 2, &gains, Some(&block))
        .map_err(CliError::runtime)?;
    let mut rx = Receiver::new(cell, rate).map_err(CliError::runtime)?;
    let prbs: Vec<usize> = (0..100).collect();
    let mut llr = Vec::new();
    rx.pdsch_llrs(&x, 1, &prbs, 2, 6, &mut llr)
        .map_err(CliError::runtime)?;
    let n = 1000;
    let (us, us_wall) = time(n, &mut || {
        let _ = rx.pdsch_llrs(&x, 1, &prbs, 2, 6, &mut llr);
    });
    // The stages on their own: OFDM demodulation (14 FFTs), CRS channel estimation, and
    // the 64QAM soft demapper alone; the rest of the total is RE gathering + SFBC.
    let num = *rx.numerology();
    let demod = phy::ofdm::OfdmDemodulator::plan(&num);
    let mut scratch = vec![Complex32::default(); demod.scratch_len()];
    let mut grid = phy::grid::ResourceGrid::zeros(&num);
    let (us_fft, _) = time(n, &mut || {
        let _ = demod.demodulate(&x, grid.as_mut_slice(), &mut scratch);
    });
    let crs = phy::refsig::crs::Crs::new(cell.pci, cell.cp);
    let (us_est, _) = time(n, &mut || {
        std::hint::black_box(phy::estimation::estimate(&grid, &crs, 1, 2, true));
    });
    let syms: Vec<Complex32> = (0..llr.len() / 6)
        .map(|i| Complex32::new((i % 7) as f32 * 0.2 - 0.6, (i % 5) as f32 * 0.25 - 0.5))
        .collect();
    let mut l2 = vec![0f32; syms.len() * 6];
    let (us_demap, _) = time(n, &mut || {
        phy::modulation::demap_maxlog_fast(phy::modulation::Modulation::Qam64, &syms, 1.0, &mut l2);
    });
    let simd = if cfg!(target_arch = "x86_64") {
        if std::arch::is_x86_feature_detected!("avx512f") {
            "avx512"
        } else if std::arch::is_x86_feature_detected!("avx2") {
            "avx2"
        } else {
            "sse2"
        }
    } else {
        "scalar"
    };
    println!(
        "{}",
        serde_json::json!({
            "kernel": "ofdm-rx",
            "us_per_subframe": (us * 10.0).round() / 10.0,
            "us_per_subframe_wall": (us_wall * 10.0).round() / 10.0,
            "demap_msym_per_s": (syms.len() as f64 / us_demap).round(),
            "simd": simd,
            "n_prb": 100,
            "ports": 2,
            "modulation": "64QAM",
            "llrs_per_subframe": llr.len(),
            "stages_us": {
                "ofdm_demod": (us_fft * 10.0).round() / 10.0,
                "channel_estimation": (us_est * 10.0).round() / 10.0,
                "soft_demap_64qam": (us_demap * 10.0).round() / 10.0,
                "gather_and_sfbc": ((us - us_fft - us_est - us_demap) * 10.0).round() / 10.0,
            },
        })
    );
    Ok(())
}
