//! Error-bounded mesh decimation: on rolling terrain the decimated scene holds far fewer
//! triangles, and every terrain sample is within the bound of the mesh (checked by casting a
//! vertical ray through the scene's BVH at each sample).

use lastmile_sim::raytrace::bvh::Ray;
use lastmile_sim::raytrace::{EarthModel, Heightfield, RaytraceError, Scene, SceneOptions};

fn terrain() -> Heightfield {
    // 201 × 151 points at 30 m (not a power of two: the decimator pads), hills and a ridge
    // like the peer tile's, plus 12 m undulations.
    Heightfield::from_fn(-3000.0, -2250.0, 30.0, 30.0, 201, 151, |x, y| {
        let (xk, yk) = (x / 1000.0, y / 1000.0);
        let hill =
            250.0 * (-((xk - 1.0).powi(2) + (yk - 0.5).powi(2)) / (2.0 * 0.8f64.powi(2))).exp();
        let ridge = 150.0 * (-(xk + 1.5).powi(2) / (2.0 * 0.4f64.powi(2))).exp();
        400.0 + 8.0 * xk + 5.0 * yk + hill + ridge + 12.0 * (xk / 0.37).sin() * (yk / 0.51).cos()
    })
}

#[test]
fn decimation_bounds_the_error_and_drops_triangles() {
    let hf = terrain();
    let full = Scene::from_heightfield(
        hf.clone(),
        &SceneOptions {
            earth: EarthModel::Flat,
            ..SceneOptions::default()
        },
    )
    .unwrap();
    for max_err in [0.5, 2.0] {
        let opts = SceneOptions {
            earth: EarthModel::Flat,
            max_error_m: Some(max_err),
            ..SceneOptions::default()
        };
        let scene = Scene::from_heightfield(hf.clone(), &opts).unwrap();
        let (n, n_full) = (scene.triangles(), full.triangles());
        eprintln!("max error {max_err} m: {n} of {n_full} triangles");
        assert!(n * 2 < n_full, "{n} of {n_full}");
        let mut worst = 0.0f64;
        for j in 0..hf.ny {
            for i in 0..hf.nx {
                // A hair inside the grid so the ray does not run down an edge exactly.
                let fx = if i + 1 == hf.nx { -1e-3 } else { 1e-3 };
                let fy = if j + 1 == hf.ny { -7e-4 } else { 7e-4 };
                let x = hf.x0_m + (i as f64 + fx) * hf.dx_m;
                let y = hf.y0_m + (j as f64 + fy) * hf.dy_m;
                let r = Ray::new([x as f32, y as f32, 2000.0], [0.0, 0.0, -1.0]);
                let hit = scene
                    .bvh
                    .closest(&r, 0.0, f32::INFINITY, u32::MAX)
                    .unwrap_or_else(|| panic!("no mesh under ({x}, {y})"));
                let z_mesh = 2000.0 - f64::from(hit.t);
                let z = hf.height_at(x, y).unwrap();
                worst = worst.max((z_mesh - z).abs());
            }
        }
        eprintln!("  worst vertical error {worst:.3} m");
        // The bound holds at the samples; the hair offset and f32 add a few centimetres.
        assert!(worst <= max_err + 0.05, "{worst} m over {max_err} m");
    }
    let bad = SceneOptions {
        max_error_m: Some(-1.0),
        ..SceneOptions::default()
    };
    assert!(matches!(
        Scene::from_heightfield(hf, &bad),
        Err(RaytraceError::InvalidInput(_))
    ));
}
