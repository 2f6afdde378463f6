//! Terrain profile extraction, the coverage inner loop: profiles/s for 30 km radials.
//!
//! Sources: the embedded synthetic terrain (2″ in-memory grid) and a directory of
//! memory-mapped SRTM3 tiles (written here from the synthetic field). Spacings: the DEM's own
//! along each radial (`Terrain::profile` default) and a fixed 30 m (1001 points, the
//! `lastmile bench itm` profile length). Criterion's "elements/s" is profiles/s.
//!
//! Run: `cargo bench -p lastmile-sim --bench terrain`.

use std::hint::black_box;
use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_sim::terrain::{destination, synthetic::Field, Terrain};

const TX: (f64, f64) = (40.5, -99.5);
const LEN_M: f64 = 30_000.0;
const RADIALS: usize = 360;

/// Write N40W100.hgt (SRTM3) from the synthetic field centred on TX.
fn srtm_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let f = Field::new(7);
    let km_per_deg = 6371.0 * std::f64::consts::PI / 180.0;
    let n = 1201;
    let mut buf = Vec::with_capacity(n * n * 2);
    for r in 0..n {
        for c in 0..n {
            let lat = 41.0 - r as f64 / 1200.0;
            let lon = -100.0 + c as f64 / 1200.0;
            let y = (lat - TX.0) * km_per_deg;
            let x = (lon - TX.1) * km_per_deg * TX.0.to_radians().cos();
            buf.extend_from_slice(&(f.height_m(x, y).round() as i16).to_be_bytes());
        }
    }
    std::fs::File::create(dir.path().join("N40W100.hgt"))
        .unwrap()
        .write_all(&buf)
        .unwrap();
    dir
}

fn bench_source(c: &mut Criterion, name: &str, t: &Terrain) {
    let ends: Vec<(f64, f64)> = (0..RADIALS)
        .map(|i| destination(TX.0, TX.1, i as f64 * 360.0 / RADIALS as f64, LEN_M))
        .collect();
    let mut g = c.benchmark_group(format!("profile_30km/{name}"));
    g.throughput(Throughput::Elements(RADIALS as u64));
    g.bench_function("native_spacing", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            for &(la, lo) in &ends {
                let s = t.profile_into(TX.0, TX.1, la, lo, None, &mut buf).unwrap();
                black_box((s, buf.len()));
            }
        })
    });
    g.bench_function("30m_1001_points", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            for i in 0..RADIALS {
                let az = i as f64 * 360.0 / RADIALS as f64;
                let s = t
                    .radial_into(TX.0, TX.1, az, LEN_M, 30.0, &mut buf)
                    .unwrap();
                black_box((s, buf.len()));
            }
        })
    });
    g.finish();
}

fn profiles(c: &mut Criterion) {
    let synth = Terrain::synthetic(7, TX.0, TX.1, 31.0).unwrap();
    bench_source(c, "synthetic_2as", &synth);
    let dir = srtm_dir();
    let srtm = Terrain::srtm_dir(dir.path()).unwrap();
    bench_source(c, "srtm3_mmap", &srtm);
}

fn generate(c: &mut Criterion) {
    let mut g = c.benchmark_group("synthetic_generate");
    g.sample_size(10);
    g.bench_function("30km_half_extent_2as", |b| {
        b.iter(|| black_box(Terrain::synthetic(7, TX.0, TX.1, 30.0).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, profiles, generate);
criterion_main!(benches);
