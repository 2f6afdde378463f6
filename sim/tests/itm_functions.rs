//! ITM v1.4 building blocks against `function_values.csv` (NTIA's unit-test values), each row
//! within its own `abs_tol`. The inputs are transcribed from the `inputs` column of the same
//! row (the file states some of them in prose: "as above but ..."); expected values and
//! tolerances are read from the file.

mod itm_common;

use itm_common::{read_csv, refdata};
use lastmile_sim::propagation::itm::core::{self, CalcMode};
use num_complex::Complex64;

#[test]
fn itm_function_values() {
    let Some(dir) = refdata("itm") else { return };
    let rows = read_csv(&dir.join("function_values.csv"));
    assert_eq!(rows.len(), 34, "function_values.csv rows");

    let lr = |d_m: f64, warnings: &mut u32| {
        core::longley_rice(
            [-1.9, -0.8],
            3500.0,
            Complex64::new(0.2, 0.0),
            [15000.0, 7000.0],
            [15.0, 5.0],
            1.0 / 7860e3,
            252.0,
            3.5,
            [15.0, 5.0],
            d_m,
            CalcMode::PointToPoint,
            warnings,
        )
        .unwrap()
    };
    let var = |climate: i32, mdvar: i32| {
        let mut w = 0;
        core::variability(
            30.0,
            60.0,
            90.0,
            [100.0, 100.0],
            10.0,
            3500.0,
            10000.0,
            50.0,
            climate,
            mdvar,
            &mut w,
        )
    };
    // the two PFL arrays of the ComputeDeltaH rows, parsed from their `inputs` column
    let pfl_of = |n: usize| -> Vec<f64> {
        let inp = rows[n].s("inputs");
        let a = inp.find("pfl=[").expect("pfl") + 5;
        let b = a + inp[a..].find(']').expect("]");
        inp[a..b].split(';').map(|v| v.parse().unwrap()).collect()
    };
    let (pfl_a, pfl_b) = (pfl_of(16), pfl_of(18));
    let (e_a, e_b) = (pfl_a[2..].to_vec(), pfl_b[2..].to_vec());
    assert_eq!(
        (pfl_a[0], pfl_a[1], pfl_b[0], pfl_b[1]),
        (9.0, 10.0, 33.0, 10.0)
    );
    assert_eq!((e_a.len(), e_b.len()), (10, 34));

    let mut checked = 0;
    for (n, r) in rows.iter().enumerate() {
        let func = r.s("function");
        let tol = r.f("abs_tol");
        let (got, want): (Vec<f64>, Vec<f64>) = match (n, func) {
            (0, "FreeSpaceLoss") => (vec![core::free_space_loss_db(1000.0, 1000.0)], vec![]),
            (1..=3, "LongleyRice") => {
                let d = [10000.0, 25000.0, 10000001.0][n - 1];
                let mut w = 0;
                let (a, m) = lr(d, &mut w);
                // warnings noted in the source column
                assert_eq!(w, [0x180, 0x180, 0x198][n - 1], "row {n} warnings");
                (vec![a, m as u8 as f64], vec![])
            }
            (4..=10, "Variability") => (vec![var(n as i32 - 3, 3)], vec![]),
            (11..=15, "Variability") => (vec![var(1, [0, 1, 2, 13, 23][n - 11])], vec![]),
            (16, "ComputeDeltaH") => (vec![core::compute_delta_h(&e_a, 10.0, 10.0, 90.0)], vec![]),
            (17, "ComputeDeltaH") => (vec![core::compute_delta_h(&e_a, 10.0, 15.0, 85.0)], vec![]),
            (18, "ComputeDeltaH") => (vec![core::compute_delta_h(&e_b, 10.0, 10.0, 320.0)], vec![]),
            (19, "ComputeDeltaH") => (vec![core::compute_delta_h(&e_b, 10.0, 15.0, 315.0)], vec![]),
            (20, "QuickPfl") => {
                let e = [1.0, 2.0, 3.0, 5.0, 3.0, 5.0, 3.0, 2.0, 1.0];
                let g = core::quick_pfl(&e, 100.0, 1.0 / 7860e3, [6.0, 5.0]);
                (
                    vec![
                        g.theta_hzn[0],
                        g.theta_hzn[1],
                        g.delta_h_m,
                        g.d_hzn_m[0],
                        g.d_hzn_m[1],
                        g.h_e_m[0],
                        g.h_e_m[1],
                        g.d_m,
                    ],
                    vec![],
                )
            }
            (21, "DiffractionLoss") => {
                let a_e = 6371000.0;
                let theta_los = -(-0.19f64 - 0.08).max(-5500.0 / a_e);
                let d_sml = (2.0 * 8.0 * a_e).sqrt() + (2.0 * 5.0 * a_e).sqrt();
                (
                    vec![core::diffraction_loss(
                        1000.0,
                        [2500.0, 3000.0],
                        [8.0, 5.0],
                        Complex64::new(1.0, 0.1),
                        a_e,
                        10.0,
                        [8.0, 5.0],
                        CalcMode::PointToPoint,
                        theta_los,
                        d_sml,
                        3500.0,
                    )],
                    vec![],
                )
            }
            (22 | 23, "LineOfSightLoss") => {
                let f = if n == 22 { 47.7 } else { 47.7e12 };
                (
                    vec![core::line_of_sight_loss(
                        5000.0,
                        [1.0, 2.0],
                        Complex64::new(0.2, 0.0),
                        10.0,
                        0.05,
                        0.0,
                        100000.0,
                        f,
                    )],
                    vec![],
                )
            }
            (24, "SmoothEarthDiffraction") => (
                vec![core::smooth_earth_diffraction(
                    18000.0,
                    3500.0,
                    7850000.0,
                    0.002,
                    [8000.0, 8000.0],
                    [15.0, 3.0],
                    Complex64::new(0.2, 0.0),
                )],
                vec![],
            ),
            (25, "TroposcatterLoss") => {
                let mut h0 = -1.0;
                (
                    vec![core::troposcatter_loss(
                        100000.0,
                        [-0.001, -0.001],
                        [8000.0, 8000.0],
                        [10.0, 5.0],
                        7850000.0,
                        301.0,
                        3500.0,
                        -0.02,
                        &mut h0,
                    )],
                    vec![],
                )
            }
            (26..=29, "InverseCCDF") => {
                let q = [0.1, 0.49, 0.5, 0.9][n - 26];
                (vec![core::inverse_ccdf(q)], vec![])
            }
            // formula rows: the expected column is the formula itself; evaluate it at points
            // on both sides of the branch
            (30, "FresnelIntegral") => {
                let v2 = [0.0, 1.0, 5.75];
                (
                    v2.iter().map(|&v| core::fresnel_integral(v)).collect(),
                    v2.iter()
                        .map(|&v: &f64| 6.02 + 9.11 * v.sqrt() - 1.27 * v)
                        .collect(),
                )
            }
            (31, "FresnelIntegral") => {
                let v2 = [5.76, 10.0, 1e4];
                (
                    v2.iter().map(|&v| core::fresnel_integral(v)).collect(),
                    v2.iter()
                        .map(|&v: &f64| 12.953 + 10.0 * v.log10())
                        .collect(),
                )
            }
            (32, "SigmaHFunction") => {
                (vec![core::sigma_h(16.0)], vec![0.78 * 16.0 * (-1f64).exp()])
            }
            (33, "TerrainRoughness") => (
                vec![core::terrain_roughness(-50000.0, 1.0)],
                vec![1.0 - 0.8 * 1f64.exp()],
            ),
            _ => panic!("row {n}: unexpected function {func}"),
        };
        let want = if want.is_empty() {
            r.s("expected")
                .split('|')
                .map(|v| v.parse::<f64>().unwrap_or_else(|_| panic!("row {n}: {v}")))
                .collect()
        } else {
            want
        };
        assert_eq!(got.len(), want.len(), "row {n} ({func}) output count");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= tol,
                "row {n} ({func}): got {g}, want {w}, tol {tol}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, rows.len());
}
