//! In-process cost of one AVAIL_SPECTRUM request (JSON in → JSON-RPC response out) for a
//! database of 200 made-up UHF stations (contours precomputed; 72 radials to keep set-up
//! short — query cost does not depend on the radial count). Throughput in queries/s per
//! core; the HTTP figure is `scripts/bench-wsdb.sh`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_wsdb::config::Config;
use lastmile_wsdb::db::Database;
use lastmile_wsdb::incumbents::parse_stations_csv;
use lastmile_wsdb::rpc::Service;
use lastmile_wsdb::store::Store;

fn stations_csv() -> String {
    let mut s = String::from("id,lat_deg,lon_deg,channel,erp_kw,haat_m\n");
    let mut x: u64 = 12345;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..200 {
        let (lat, lon) = (41.0 + 7.0 * next(), -104.0 + 10.0 * next());
        let ch = 14 + (23.0 * next()) as u32;
        let erp = 1.0 + 999.0 * next().powi(2);
        let haat = 30.0 + 370.0 * next();
        s.push_str(&format!("{i},{lat:.4},{lon:.4},{ch},{erp:.0},{haat:.0}\n"));
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = r#"
name = "bench"
ruleset = "fcc"
stations = "unused.csv"
store = "reg.json"
[coverage]
south_deg = 42.0
north_deg = 47.0
west_deg = -103.0
east_deg = -95.0
[terrain]
kind = "synthetic"
base_m = 500.0
relief_m = 80.0
[contours]
model = "delta-bullington"
radials = 72
max_km = 200.0
"#;
    let config = Config::parse(cfg, dir.path()).unwrap();
    let stations = parse_stations_csv(&stations_csv(), "bench", (14, 36)).unwrap();
    let model = lastmile_wsdb::contours::contour_model(&config.contours);
    let db = Database::from_stations(config, stations, model.as_ref()).unwrap();
    let store = Store::open(&dir.path().join("reg.json")).unwrap();
    let svc = Service::new(db, store);
    let bodies: Vec<Vec<u8>> = (0..64)
        .map(|i| {
            let lat = 42.2 + 4.6 * f64::from((i * 37) % 64) / 64.0;
            let lon = -102.8 + 7.6 * f64::from((i * 11) % 64) / 64.0;
            format!(
                r#"{{"jsonrpc":"2.0","id":{i},"method":"spectrum.paws.getSpectrum","params":{{"type":"AVAIL_SPECTRUM_REQ","version":"1.0","deviceDesc":{{"serialNumber":"b{i}","fccId":"B","fccTvbdDeviceType":"MODE_2"}},"location":{{"point":{{"center":{{"latitude":{lat:.4},"longitude":{lon:.4}}}}}}},"antenna":{{"height":1.5}}}}}}"#
            )
            .into_bytes()
        })
        .collect();
    let mut g = c.benchmark_group("avail_spectrum");
    g.throughput(Throughput::Elements(1));
    let mut k = 0usize;
    g.bench_function("200_stations_handle_body", |b| {
        b.iter(|| {
            k = (k + 1) % bodies.len();
            let r = svc.handle_body(&bodies[k], 1_800_000_000);
            assert!(r.error.is_none());
            serde_json::to_vec(&r).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
