//! Ray-tracer hot paths: SBR rays/s on the peer tile's 40 × 40 km mesh (depth 3, 40
//! receivers) with the BVH and with the height-field grid walk, BVH build, and the
//! vertical-plane coverage tracer per pixel.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lastmile_sim::propagation::Polarization;
use lastmile_sim::raytrace::coverage::{plane_trace, PlaneInput};
use lastmile_sim::raytrace::diffraction::ProfileInput;
use lastmile_sim::raytrace::paths::sbr_run;
use lastmile_sim::raytrace::{synthetic, EarthModel, Scene, SceneOptions, Site};

fn benches(c: &mut Criterion) {
    let (lat0, lon0, h_tx) = synthetic::PEER_TX;
    let dem = synthetic::dem();
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    let scene = Scene::from_dem(&dem, lat0, lon0, 20_000.0, &opts).unwrap();
    let tx = scene.locate(&Site::agl(0.0, 0.0, h_tx), "TX").unwrap().pos;
    let rxs: Vec<_> = (0..40)
        .map(|i| {
            let r = 3000.0 + 16_000.0 * i as f64 / 39.0;
            let az = i as f64 * 2.399_963_229_728_653;
            scene
                .locate(&Site::agl(r * az.sin(), r * az.cos(), 10.0), "RX")
                .unwrap()
                .pos
        })
        .collect();

    let mut g = c.benchmark_group("raytrace");
    g.sample_size(10);
    let rays = 1_000_000u64;
    g.throughput(Throughput::Elements(rays));
    g.bench_function("sbr_depth3_40rx_peer40km", |b| {
        b.iter(|| sbr_run(&scene, tx, &rxs, rays, 3))
    });
    // The same launch with the height-field grid walk instead of the BVH (same hits).
    let grid = scene.clone().with_grid_accel().unwrap();
    g.bench_function("sbr_depth3_40rx_peer40km_grid", |b| {
        b.iter(|| sbr_run(&grid, tx, &rxs, rays, 3))
    });

    let hf = scene.heightfield.clone();
    let small = lastmile_sim::raytrace::Heightfield {
        nx: 201,
        ny: 201,
        z_m: (0..201)
            .flat_map(|j| (0..201).map(move |i| (j, i)))
            .map(|(j, i)| hf.z_m[j * hf.nx + i])
            .collect(),
        ..hf
    };
    g.throughput(Throughput::Elements(small.triangle_count()));
    g.bench_function("bvh_build_80k_triangles", |b| {
        b.iter(|| Scene::from_heightfield(small.clone(), &opts).unwrap())
    });

    // One 20 km profile at 70 m spacing: the per-pixel work of a coverage map.
    let n = 287;
    let d: Vec<f64> = (0..n).map(|i| i as f64 * 70.0).collect();
    let h: Vec<f64> = (0..n)
        .map(|i| {
            scene
                .heightfield
                .height_at(i as f64 * 70.0 - 19_000.0, 0.0)
                .unwrap()
        })
        .collect();
    g.throughput(Throughput::Elements(1));
    g.bench_function("coverage_pixel_20km", |b| {
        b.iter(|| {
            plane_trace(&PlaneInput {
                profile: ProfileInput {
                    d_m: &d,
                    h_m: &h,
                    tx_z_m: h[0] + 30.0,
                    rx_z_m: h[n - 1] + 10.0,
                    earth_radius_m: Some(4.0 / 3.0 * 6_371_000.0),
                    frequency_hz: 600e6,
                    polarization: Polarization::Horizontal,
                    ground: Default::default(),
                },
                reflections: true,
                canopy: None,
            })
        })
    });
    g.finish();
}

criterion_group!(raytrace, benches);
criterion_main!(raytrace);
