//! The fast profile pass of `itm::core` against plain scalar twins written straight from the
//! algorithm (the shape of NTIA's loops), on random terrain: horizons (block screening),
//! Δh (chain-free resampling and sample-pivot selection) and the least-squares fit
//! (four-lane sums) must agree to rounding.

use lastmile_sim::propagation::itm::core;
use proptest::prelude::*;

fn horizons_naive(e: &[f64], xi: f64, a_e: f64, h: [f64; 2]) -> ([f64; 2], [f64; 2]) {
    let np = e.len() - 1;
    let d = np as f64 * xi;
    let (zt, zr) = (e[0] + h[0], e[np] + h[1]);
    let mut th = [
        (zr - zt) / d - d / (2.0 * a_e),
        -(zr - zt) / d - d / (2.0 * a_e),
    ];
    let mut dh = [d, d];
    for (i, &z) in e.iter().enumerate().take(np).skip(1) {
        let dt = i as f64 * xi;
        let dr = d - dt;
        let t = (z - zt) / dt - dt / (2.0 * a_e);
        if t > th[0] {
            th[0] = t;
            dh[0] = dt;
        }
        let t = -(zr - z) / dr - dr / (2.0 * a_e);
        if t > th[1] {
            th[1] = t;
            dh[1] = dr;
        }
    }
    (th, dh)
}

fn llsf_naive(e: &[f64], xi: f64, d1: f64, d2: f64) -> (f64, f64) {
    let np = e.len() as i64 - 1;
    let fdim = |x: f64, y: f64| if x > y { x - y } else { 0.0 };
    let mut a = fdim(d1 / xi, 0.0) as i64;
    let mut b = np - fdim(np as f64, d2 / xi) as i64;
    if b <= a {
        a = fdim(a as f64, 1.0) as i64;
        b = np - fdim(np as f64, b as f64 + 1.0) as i64;
    }
    let len = (b - a) as f64;
    let mut mid = -0.5 * len;
    let mid_end = b as f64 + mid;
    let mut sy = 0.5 * (e[a as usize] + e[b as usize]);
    let mut sw = 0.5 * (e[a as usize] - e[b as usize]) * mid;
    for j in a + 1..b {
        mid += 1.0;
        sy += e[j as usize];
        sw += e[j as usize] * mid;
    }
    sy /= len;
    sw = sw * 12.0 / ((len * len + 2.0) * len);
    (sy - sw * mid_end, sy + sw * (np as f64 - mid_end))
}

fn delta_h_naive(e: &[f64], xi: f64, d1: f64, d2: f64) -> f64 {
    let np = e.len() as i64 - 1;
    let mut xs = d1 / xi;
    let mut xe = d2 / xi;
    if xe - xs < 2.0 {
        return 0.0;
    }
    let p10 = ((0.1 * (xe - xs + 8.0)) as i64).clamp(4, 25) as usize;
    let n = 10 * p10 - 5;
    let sn = (n - 1) as f64;
    xe = (xe - xs) / sn;
    let mut i = xs as i64;
    xs -= (i + 1) as f64;
    let mut s = vec![0.0; n];
    for v in s.iter_mut() {
        while xs > 0.0 && i + 1 < np {
            xs -= 1.0;
            i += 1;
        }
        *v = e[i as usize + 1] + (e[i as usize + 1] - e[i as usize]) * xs;
        xs += xe;
    }
    let (mut y1, y2) = llsf_naive(&s, 1.0, 0.0, sn);
    let slope = (y2 - y1) / sn;
    for v in s.iter_mut() {
        *v -= y1;
        y1 += slope;
    }
    s.sort_by(|a, b| b.total_cmp(a));
    (s[p10 - 1] - s[n - p10]) / (1.0 - 0.8 * (-(d2 - d1) / 50e3).exp())
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn profile_pass_matches_scalar_twin(
        base in 0.0f64..2000.0,
        amp in 0.0f64..300.0,
        wl in 200.0f64..20000.0,
        noise in proptest::collection::vec(-1.0f64..1.0, 3..1500),
        xi in 5.0f64..200.0,
        h_tx in 1.0f64..200.0,
        h_rx in 1.0f64..50.0,
        rough in 0.0f64..50.0,
    ) {
        let e: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(i, r)| base + amp * (i as f64 * xi / wl).sin() + rough * r)
            .collect();
        let a_e = 8.5e6;
        let (th, dh) = core::find_horizons(&e, xi, a_e, [h_tx, h_rx]);
        let (th_n, dh_n) = horizons_naive(&e, xi, a_e, [h_tx, h_rx]);
        for k in 0..2 {
            prop_assert!(close(th[k], th_n[k], 1e-12), "theta {k}: {} vs {}", th[k], th_n[k]);
            prop_assert!(close(dh[k], dh_n[k], 1e-12), "d_hzn {k}: {} vs {}", dh[k], dh_n[k]);
        }
        let d = (e.len() - 1) as f64 * xi;
        for (d1, d2) in [(0.0, d), (0.1 * d, 0.9 * d), ((15.0 * h_tx).min(0.1 * d), d - (15.0 * h_rx).min(0.1 * d)), (0.3 * d, 0.31 * d)] {
            let (a, b) = core::linear_least_squares_fit(&e, xi, d1, d2);
            let (an, bn) = llsf_naive(&e, xi, d1, d2);
            prop_assert!(close(a, an, 1e-9) && close(b, bn, 1e-9), "llsf {a} {b} vs {an} {bn}");
            let dh = core::compute_delta_h(&e, xi, d1, d2);
            let dhn = delta_h_naive(&e, xi, d1, d2);
            prop_assert!(close(dh, dhn, 1e-9), "delta_h {dh} vs {dhn} on [{d1}, {d2}]");
        }
    }
}
