//! 20 MHz downlink receive without the turbo decoder: per 1 ms subframe (100 PRB, 2 CRS
//! ports, SFBC, 1 RX antenna, full-load 64QAM PDSCH), and its stages (OFDM demodulation,
//! channel estimation). Throughput is in subframes/s (1000/s is real time).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_phy::estimation;
use lastmile_phy::grid::ResourceGrid;
use lastmile_phy::mib::PhichResource;
use lastmile_phy::numerology::{CyclicPrefix, Numerology};
use lastmile_phy::ofdm::OfdmDemodulator;
use lastmile_phy::pdsch::{tbs, CellConfig, Receiver, Transmitter, TxBlock};
use lastmile_phy::refsig::crs::Crs;
use lastmile_phy::Complex32;

fn bench(c: &mut Criterion) {
    let cell = CellConfig {
        pci: 42,
        n_prb: 100,
        cp: CyclicPrefix::Normal,
        ports: 2,
        phich_resource: PhichResource::One,
    };
    let rate = 30.72e6;
    let mut tx = Transmitter::new(cell, rate).unwrap();
    let t = tbs(26, 100).unwrap();
    let block = TxBlock {
        rnti: 0x1234,
        prbs: (0, 100),
        mcs: 28,
        rv: 0,
        payload: (0..t).map(|i| (i % 3 % 2) as u8).collect(),
        cce: (0, 4),
    };
    let gains = [Complex32::new(0.8, 0.3), Complex32::new(-0.2, 0.7)];
    let x = tx.subframe(1, 0, 2, &gains, Some(&block)).unwrap();
    let mut rx = Receiver::new(cell, rate).unwrap();
    let prbs: Vec<usize> = (0..100).collect();
    let mut llr = Vec::new();
    let mut g = c.benchmark_group("ofdm_rx_20mhz");
    g.throughput(Throughput::Elements(1));
    g.bench_function("subframe_2port_txd_64qam_no_turbo", |b| {
        b.iter(|| rx.pdsch_llrs(&x, 1, &prbs, 2, 6, &mut llr).unwrap())
    });
    let num = Numerology::new(100, 2048, CyclicPrefix::Normal).unwrap();
    let mut planner = rustfft::FftPlanner::new();
    let demod = OfdmDemodulator::new(&num, &mut planner);
    let mut scratch = vec![Complex32::default(); demod.scratch_len()];
    let mut grid = ResourceGrid::zeros(&num);
    g.bench_function("ofdm_demodulate", |b| {
        b.iter(|| {
            demod
                .demodulate(&x, grid.as_mut_slice(), &mut scratch)
                .unwrap()
        })
    });
    let crs = Crs::new(42, CyclicPrefix::Normal);
    g.bench_function("crs_estimate_2port", |b| {
        b.iter(|| estimation::estimate(&grid, &crs, 1, 2, true))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
