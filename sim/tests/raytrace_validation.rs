//! Closed-form validation of the ray tracer (issue 5): two-ray over flat ground, free space,
//! a single knife edge against ITU-R P.526 J(v), reciprocity, CIR → TDL, and bad input.
//! (The UTD wedge against Keller's closed form is a unit test in `raytrace::utd`.)

use lastmile_sim::propagation::{free_space_loss_db, Ground, Polarization, C_M_PER_S};
use lastmile_sim::raytrace::antenna::Antenna;
use lastmile_sim::raytrace::diffraction::j_of_v;
use lastmile_sim::raytrace::fresnel::{complex_permittivity, reflection};
use lastmile_sim::raytrace::paths::InteractionKind;
use lastmile_sim::raytrace::{
    Cir, EarthModel, Heightfield, RaytraceError, Scene, SceneOptions, Site, TabulatedPattern,
    TraceConfig, Tracer,
};
use num_complex::Complex64;

const F_HZ: f64 = 600e6;

fn flat_scene(z: f64) -> Scene {
    let hf = Heightfield::from_fn(-1000.0, -1000.0, 20.0, 20.0, 101, 101, |_, _| z);
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    Scene::from_heightfield(hf, &opts).unwrap()
}

fn cfg(pol: Polarization, depth: usize) -> TraceConfig {
    let mut c = TraceConfig::new(F_HZ);
    c.max_depth = depth;
    c.rays = 0;
    c.tx_antenna = Antenna::isotropic(pol);
    c.rx_antenna = Antenna::isotropic(pol);
    c
}

/// Two-ray over flat ground: delay, amplitude and phase of both paths and of their sum.
#[test]
fn two_ray_matches_closed_form() {
    let scene = flat_scene(100.0);
    let (h1, h2, d) = (30.0, 10.0, 1000.0);
    let y = 7.3; // keep the specular point off the grid lines
    let lam = C_M_PER_S / F_HZ;
    let k = 2.0 * std::f64::consts::PI / lam;
    for pol in [Polarization::Horizontal, Polarization::Vertical] {
        let c = cfg(pol, 1);
        let tr = Tracer::new(&scene, &c).unwrap();
        let out = tr
            .trace(&Site::agl(-500.0, y, h1), &[Site::agl(500.0, y, h2)])
            .unwrap();
        let lp = &out[0];
        assert_eq!(lp.paths.len(), 2, "{:?}", lp.paths);
        let r1 = (d * d + (h1 - h2).powi(2)).sqrt();
        let r2 = (d * d + (h1 + h2).powi(2)).sqrt();
        let sin_psi = (h1 + h2) / r2;
        let (gte, gtm) = reflection(sin_psi, complex_permittivity(Ground::default(), F_HZ));
        let gamma = match pol {
            Polarization::Horizontal => gte,
            Polarization::Vertical => gtm,
        };
        let a1 = Complex64::from_polar(lam / (4.0 * std::f64::consts::PI * r1), -k * r1);
        let a2 = gamma * Complex64::from_polar(lam / (4.0 * std::f64::consts::PI * r2), -k * r2);
        let direct = lp.paths.iter().find(|p| p.reflections() == 0).unwrap();
        let refl = lp.paths.iter().find(|p| p.reflections() == 1).unwrap();
        assert!(direct.line_of_sight);
        assert!((direct.delay_s - r1 / C_M_PER_S).abs() < 1e-15);
        assert!((refl.delay_s - r2 / C_M_PER_S).abs() < 1e-15);
        let g1 = direct.gain(pol, pol);
        let g2 = refl.gain(pol, pol);
        assert!(
            (g1 - a1).norm() / a1.norm() < 1e-6,
            "{pol:?} direct {g1} vs {a1}"
        );
        assert!(
            (g2 - a2).norm() / a2.norm() < 1e-6,
            "{pol:?} reflected {g2} vs {a2}"
        );
        // No cross-polarisation in the plane of incidence.
        let other = match pol {
            Polarization::Horizontal => Polarization::Vertical,
            Polarization::Vertical => Polarization::Horizontal,
        };
        assert!(refl.gain(pol, other).norm() < 1e-9 * a2.norm());
        // Specular point where the closed form puts it: d·h1/(h1+h2) from the TX.
        let p = refl.interactions[0].point;
        assert_eq!(refl.interactions[0].kind, InteractionKind::Reflection);
        assert!((p.x - (-500.0 + d * h1 / (h1 + h2))).abs() < 1e-6 && (p.z - 100.0).abs() < 1e-9);
        // Coherent sum: the two-ray field.
        let cir = Cir::from_paths(&lp.paths, pol, pol);
        let expect = (a1 + a2).norm_sqr();
        assert!((cir.coherent_power() / expect - 1.0).abs() < 1e-6);
        // AoD and AoA of the reflection are at the grazing angle below the horizon.
        let psi_deg = sin_psi.asin().to_degrees();
        let (_, el) = refl.aod_deg();
        assert!((el + psi_deg).abs() < 1e-6, "{el}");
        let (_, el_a) = refl.aoa_deg();
        assert!((el_a + psi_deg).abs() < 1e-6, "{el_a}");
    }
}

/// Free space: far above the ground, with reflections off, the loss is FSPL exactly.
#[test]
fn free_space_exact() {
    let scene = flat_scene(0.0);
    let c = cfg(Polarization::Vertical, 0);
    let tr = Tracer::new(&scene, &c).unwrap();
    let out = tr
        .trace(
            &Site::agl(-400.0, 0.0, 3000.0),
            &[Site::agl(600.0, 300.0, 2500.0)],
        )
        .unwrap();
    let d = (1000.0f64.powi(2) + 300f64.powi(2) + 500f64.powi(2)).sqrt();
    assert_eq!(out[0].paths.len(), 1);
    assert!((out[0].loss_db - free_space_loss_db(d, F_HZ)).abs() < 1e-9);
    let g = out[0].paths[0].gain(Polarization::Vertical, Polarization::Vertical);
    let lam = C_M_PER_S / F_HZ;
    let expect = Complex64::from_polar(
        lam / (4.0 * std::f64::consts::PI * d),
        -2.0 * std::f64::consts::PI * d / lam,
    );
    assert!((g - expect).norm() / expect.norm() < 1e-9);
}

/// A single knife edge (a thin ridge across the path, antennas high enough that the ground
/// stays out of both sub-paths' Fresnel zones): once the edge blocks the line of sight the
/// excess loss of the diffracted path is P.526's J(v) within 0.5 dB, from grazing to deep
/// shadow; below the line of sight the ray is geometrical optics (0 dB, as Sionna RT).
#[test]
fn knife_edge_matches_p526() {
    let lam = C_M_PER_S / F_HZ;
    let (d1, d2, ha) = (4000.0, 6000.0, 60.0);
    for edge_h in [55.0, 61.0, 70.0, 85.0, 110.0, 170.0] {
        // 2 m grid along x; the ridge is one sample column at x = 0.
        let hf = Heightfield::from_fn(-4010.0, -50.0, 2.0, 50.0, 5011, 3, |x, _| {
            if x.abs() < 1e-6 {
                edge_h
            } else {
                0.0
            }
        });
        let opts = SceneOptions {
            earth: EarthModel::Flat,
            ..SceneOptions::default()
        };
        let scene = Scene::from_heightfield(hf, &opts).unwrap();
        let c = cfg(Polarization::Horizontal, 0);
        let tr = Tracer::new(&scene, &c).unwrap();
        let out = tr
            .trace(&Site::agl(-d1, 7.3, ha), &[Site::agl(d2, 7.3, ha)])
            .unwrap();
        let excess = out[0].paths[0].excess_loss_db;
        let v = (edge_h - ha) * (2.0 / lam * (1.0 / d1 + 1.0 / d2)).sqrt();
        let j = if edge_h <= ha { 0.0 } else { j_of_v(v) };
        assert!(
            (excess - j).abs() < 0.5,
            "edge {edge_h} m, v {v:.2}: {excess:.2} dB vs J(v) {j:.2}"
        );
        assert_eq!(out[0].line_of_sight, edge_h <= ha);
        if edge_h > ha {
            let i = &out[0].paths[0].interactions[0];
            assert_eq!(i.kind, InteractionKind::Diffraction);
            assert!(i.point.x.abs() < 3.0, "edge at {:?}", i.point);
        }
    }
}

/// Swapping TX and RX changes the loss by less than 0.1 dB, over rough curved terrain with
/// reflections and diffraction.
#[test]
fn reciprocity() {
    let hf = Heightfield::from_fn(-3000.0, -3000.0, 30.0, 30.0, 201, 201, |x, y| {
        200.0
            + 40.0 * (x / 700.0).sin() * (y / 900.0).cos()
            + 0.01 * x
            + 25.0 * (-((x - 300.0).powi(2)) / 2e5).exp()
    });
    let scene = Scene::from_heightfield(hf, &SceneOptions::default()).unwrap();
    let c = cfg(Polarization::Vertical, 1);
    let tr = Tracer::new(&scene, &c).unwrap();
    let sites = [
        Site::agl(-2500.0, -400.0, 25.0),
        Site::agl(2400.0, 600.0, 5.0),
        Site::agl(100.0, 2500.0, 12.0),
        Site::agl(-1200.0, -2600.0, 3.0),
    ];
    let mut n_refl = 0;
    let mut n_shadow = 0;
    for a in 0..sites.len() {
        for b in a + 1..sites.len() {
            let ab = &tr.trace(&sites[a], &[sites[b]]).unwrap()[0];
            let ba = &tr.trace(&sites[b], &[sites[a]]).unwrap()[0];
            assert!(
                (ab.loss_db - ba.loss_db).abs() < 0.1,
                "{a}→{b}: {} vs {}",
                ab.loss_db,
                ba.loss_db
            );
            assert_eq!(ab.paths.len(), ba.paths.len());
            n_refl += ab.paths.iter().filter(|p| p.reflections() > 0).count();
            n_shadow += usize::from(!ab.line_of_sight);
        }
    }
    assert!(n_refl > 0, "no reflections: the test would not test them");
    assert!(
        n_shadow > 0,
        "no shadowed link: the test would not test diffraction"
    );
}

/// Traced two-ray CIR to a tapped delay line: the first tap holds the coherent sum of two
/// paths closer than one sample. (The specular point lies on an edge shared by two
/// triangles here: it must be found once.)
#[test]
fn cir_to_tdl() {
    let scene = flat_scene(100.0);
    let c = cfg(Polarization::Horizontal, 1);
    let tr = Tracer::new(&scene, &c).unwrap();
    let out = tr
        .trace(
            &Site::agl(-900.0, 3.3, 60.0),
            &[Site::agl(900.0, 3.3, 40.0)],
        )
        .unwrap();
    let cir = Cir::from_paths(
        &out[0].paths,
        Polarization::Horizontal,
        Polarization::Horizontal,
    );
    assert_eq!(cir.delays_s.len(), 2);
    let tdl = cir.to_tdl(7.68e6, 16);
    let first = cir.delays_s.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!((tdl.offset_s - first).abs() < 1e-15);
    let excess = (cir.delays_s[1] - cir.delays_s[0]).abs();
    assert!(excess > 0.0 && excess < 0.1 / 7.68e6, "{excess}");
    let s: Complex64 = cir.gains.iter().sum();
    assert!((tdl.taps[0] - s).norm() / s.norm() < 0.05);
}

/// Bad input gives clear errors: TX below ground, a wrong-size antenna pattern, a mesh over
/// the memory budget.
#[test]
fn bad_input_errors() {
    let scene = flat_scene(100.0);
    let c = cfg(Polarization::Horizontal, 1);
    let tr = Tracer::new(&scene, &c).unwrap();
    let e = tr
        .trace(&Site::amsl(0.0, 0.0, 50.0), &[Site::agl(100.0, 0.0, 2.0)])
        .unwrap_err();
    assert!(matches!(e, RaytraceError::BelowGround { what: "TX", .. }));
    assert!(e.to_string().contains("below the ground"), "{e}");

    let e = TabulatedPattern::new(5.0, 5.0, vec![0.0; 100]).unwrap_err();
    assert!(matches!(e, RaytraceError::AntennaPattern(_)));
    assert!(e.to_string().contains("72 × 37"), "{e}");

    let hf = Heightfield::from_fn(0.0, 0.0, 1.0, 1.0, 2000, 2000, |_, _| 0.0);
    let opts = SceneOptions {
        memory_budget_bytes: 64 << 20,
        ..SceneOptions::default()
    };
    let e = Scene::from_heightfield(hf, &opts).unwrap_err();
    assert!(matches!(e, RaytraceError::MemoryBudget { .. }));
    assert!(e.to_string().contains("memory budget"), "{e}");
}
