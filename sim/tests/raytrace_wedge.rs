//! UTD wedge diffraction on a synthetic mesh: a thin ridge (one column raised 40 m on a 1 m
//! grid) is found as ridge edges; the diffracted path over it matches the 2-D UTD closed form
//! (`utd::edge_excess_loss_db`, normal incidence), obeys Keller's law at oblique incidence,
//! and with absorbing faces matches ITU-R P.526's knife-edge J(v) within 0.5 dB.

use lastmile_sim::propagation::C_M_PER_S;
use lastmile_sim::raytrace::diffraction::j_of_v;
use lastmile_sim::raytrace::geom::Vec3;
use lastmile_sim::raytrace::utd::edge_excess_loss_db;
use lastmile_sim::raytrace::wedge::{diffracted, ridge_edges, Wedge};
use lastmile_sim::raytrace::Heightfield;
use num_complex::Complex64;

const F_HZ: f64 = 600e6;

fn ridge() -> Vec<Wedge> {
    let hf = Heightfield::from_fn(-20.0, -20.0, 1.0, 1.0, 41, 41, |x, _| {
        if x.abs() < 0.5 {
            40.0
        } else {
            0.0
        }
    });
    let edges = ridge_edges(&hf, 30.0);
    // The ridge line: edges with both ends on the crest.
    let crest: Vec<Wedge> = edges
        .into_iter()
        .filter(|w| (w.p0.z - 40.0).abs() < 1e-9 && (w.p1.z - 40.0).abs() < 1e-9)
        .collect();
    assert_eq!(crest.len(), 40, "one crest edge per metre");
    crest
}

fn over(
    crest: &[Wedge],
    s: Vec3,
    r: Vec3,
    r0: Complex64,
) -> lastmile_sim::raytrace::wedge::Diffracted {
    let lam = C_M_PER_S / F_HZ;
    crest
        .iter()
        .find_map(|w| diffracted(w, s, r, lam, r0, r0))
        .expect("a crest edge holds Keller's point")
}

#[test]
fn ridge_is_a_thin_wedge() {
    let crest = ridge();
    let n_expect =
        (2.0 * std::f64::consts::PI - 2.0 * (1.0f64 / 40.0).atan()) / std::f64::consts::PI;
    for w in &crest {
        assert!((w.n - n_expect).abs() < 1e-9, "{} vs {n_expect}", w.n);
    }
}

#[test]
fn knife_edge_matches_j_of_v_and_utd_closed_form() {
    let crest = ridge();
    let lam = C_M_PER_S / F_HZ;
    let (d1, d2) = (4000.0, 6000.0);
    let zero = Complex64::new(0.0, 0.0);
    for h in [5.0, 10.0, 20.0, 40.0, 80.0] {
        // Both antennas h below the crest line level: v = h √(2/λ (1/d1 + 1/d2)).
        let s = Vec3::new(-d1, 0.3, 40.0 - h);
        let r = Vec3::new(d2, 0.3, 40.0 - h);
        let dfr = over(&crest, s, r, zero);
        let d_tot = (r - s).norm();
        let excess =
            -20.0 * (dfr.gain.norm() / (lam / (4.0 * std::f64::consts::PI * d_tot))).log10();
        let v = h * (2.0 / lam * (1.0 / d1 + 1.0 / d2)).sqrt();
        let j = j_of_v(v);
        assert!(
            (excess - j).abs() < 0.5,
            "h {h}: UTD {excess:.2} vs J(v) {j:.2}"
        );
        // The 2-D closed form with the same angles and distances (normal incidence).
        let w = crest
            .iter()
            .find(|w| w.diffraction_point(s, r).is_some())
            .unwrap();
        let si = (dfr.point - s).norm();
        let sd = (r - dfr.point).norm();
        let closed = edge_excess_loss_db(
            w.n,
            dfr.phi_i,
            dfr.phi,
            si,
            sd,
            2.0 * std::f64::consts::PI / lam,
            zero,
            zero,
        ) + 20.0 * (d_tot / (si + sd)).log10();
        assert!(
            (excess - closed).abs() < 0.05,
            "h {h}: 3-D {excess:.3} vs 2-D {closed:.3}"
        );
        // Path length and delay.
        assert!((dfr.length_m - si - sd).abs() < 1e-9);
        assert!(dfr.gain.arg().is_finite());
    }
    // Perfectly conducting soft wedge (H-pol over a conductor): the closed form again.
    let s = Vec3::new(-d1, 0.3, 20.0);
    let r = Vec3::new(d2, 0.3, 0.0);
    let soft = Complex64::new(-1.0, 0.0);
    let dfr = over(&crest, s, r, soft);
    let w = crest
        .iter()
        .find(|w| w.diffraction_point(s, r).is_some())
        .unwrap();
    let (si, sd) = ((dfr.point - s).norm(), (r - dfr.point).norm());
    let closed = edge_excess_loss_db(
        w.n,
        dfr.phi_i,
        dfr.phi,
        si,
        sd,
        2.0 * std::f64::consts::PI / lam,
        soft,
        soft,
    );
    let ours = -20.0 * (dfr.gain.norm() / (lam / (4.0 * std::f64::consts::PI * (si + sd)))).log10();
    assert!((ours - closed).abs() < 0.05, "soft: {ours} vs {closed}");
}

#[test]
fn keller_cone_at_oblique_incidence() {
    let crest = ridge();
    let s = Vec3::new(-3000.0, -8.0, 10.0);
    let r = Vec3::new(5000.0, 14.0, 0.0);
    let w = crest
        .iter()
        .find(|w| w.diffraction_point(s, r).is_some())
        .unwrap();
    let q = w.diffraction_point(s, r).unwrap();
    let e = w.direction();
    let a_in = (q - s).normalized().dot(e);
    let a_out = (r - q).normalized().dot(e);
    assert!((a_in - a_out).abs() < 1e-9, "{a_in} vs {a_out}");
    // Keller's point minimises |SQ| + |QR| along the edge.
    let l = |p: Vec3| (p - s).norm() + (r - p).norm();
    for dz in [-0.01, 0.01] {
        assert!(l(q + e * dz) > l(q));
    }
    // Off the segment: no diffraction from this edge.
    let far = Vec3::new(5000.0, 5000.0, 0.0);
    assert!(crest
        .iter()
        .all(|w| w.diffraction_point(s, far).is_none() || w.p0.y > 15.0));
}

/// The path solver over a right-angled ridge (45° slopes, a sharp mesh wedge): its diffracted
/// ray carries the UTD wedge loss with Luebbers' lossy faces instead of the knife edge's J(v).
#[test]
fn tracer_uses_the_wedge() {
    use lastmile_sim::propagation::Ground;
    use lastmile_sim::raytrace::fresnel::{complex_permittivity, reflection};
    use lastmile_sim::raytrace::{EarthModel, Scene, SceneOptions, Site, TraceConfig, Tracer};
    let hf = Heightfield::from_fn(-4200.0, -40.0, 10.0, 10.0, 1041, 9, |x, _| {
        (100.0 - x.abs()).max(0.0)
    });
    let opts = SceneOptions {
        earth: EarthModel::Flat,
        ..SceneOptions::default()
    };
    let scene = Scene::from_heightfield(hf, &opts).unwrap();
    let mut cfg = TraceConfig::new(F_HZ);
    cfg.rays = 0;
    cfg.max_depth = 0;
    let tr = Tracer::new(&scene, &cfg).unwrap();
    let (s, r) = (Site::agl(-4000.0, 3.3, 20.0), Site::agl(6000.0, 3.3, 10.0));
    let out = tr.trace(&s, &[r]).unwrap();
    let p = &out[0].paths[0];
    assert!(!p.line_of_sight);
    // The same wedge directly.
    let crest = Wedge::from_facets(
        Vec3::new(0.0, 0.0, 100.0),
        Vec3::new(0.0, 10.0, 100.0),
        Vec3::new(-10.0, 0.0, 90.0),
        Vec3::new(10.0, 10.0, 90.0),
        Vec3::new(0.0, 0.0, 1.0),
    )
    .unwrap();
    assert!((crest.n - 1.5).abs() < 1e-9);
    let (sp, rp) = (Vec3::new(-4000.0, 3.3, 20.0), Vec3::new(6000.0, 3.3, 10.0));
    let eta = complex_permittivity(Ground::default(), F_HZ);
    let face = |g: f64| reflection(g.sin().abs(), eta).0;
    let lam = C_M_PER_S / F_HZ;
    let (phi_i, phi) = (crest.angle_of(sp), crest.angle_of(rp));
    let d = diffracted(
        &crest,
        sp,
        rp,
        lam,
        face(phi_i),
        face(1.5 * std::f64::consts::PI - phi),
    )
    .unwrap();
    let l_utd = -20.0 * (d.gain.norm() * 4.0 * std::f64::consts::PI * d.length_m / lam).log10();
    let v =
        (100.0 - (20.0 + 0.4 * (10.0 - 20.0))) * (2.0 / lam * (1.0 / 4000.0 + 1.0 / 6000.0)).sqrt();
    eprintln!(
        "wedge n 1.5: tracer {:.2} dB, UTD {l_utd:.2} dB, knife J(v = {v:.2}) {:.2} dB",
        p.excess_loss_db,
        j_of_v(v)
    );
    assert!(
        (p.excess_loss_db - l_utd).abs() < 0.01,
        "{} vs {l_utd}",
        p.excess_loss_db
    );
    let q = p.interactions[0].point;
    assert!(q.x.abs() < 1e-6 && (q.z - 100.0).abs() < 1e-6, "{q:?}");
}
