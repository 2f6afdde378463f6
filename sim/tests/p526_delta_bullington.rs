//! ITU-R P.526 delta-Bullington against the ITU-R SG3 validation examples
//! (`../shared/refdata/itu/p526_delta_bullington/`, 20 cases): every loss term and the
//! modified heights within 0.05 dB / 0.05 m (c = 3e8 m/s, a_e = 8500 km, land, horizontal).

mod itm_common;

use itm_common::{read_csv, refdata, Worst};
use lastmile_sim::propagation::p526::{self, Surface};

#[test]
fn p526_delta_bullington_20_cases() {
    let Some(dir) = refdata("itu/p526_delta_bullington") else {
        return;
    };
    let rows = read_csv(&dir.join("cases.csv"));
    assert_eq!(rows.len(), 20);
    let mut paths = Vec::new();
    for p in 1..=4 {
        let prof = read_csv(&dir.join(format!("profiles/path{p}.csv")));
        let d: Vec<f64> = prof.iter().map(|r| r.f("d_km")).collect();
        let h: Vec<f64> = prof.iter().map(|r| r.f("h_masl")).collect();
        paths.push((d, h));
    }
    let mut w = [
        Worst::new("Ld"),
        Worst::new("Lbulla"),
        Worst::new("Lbulls"),
        Worst::new("Ldsph"),
        Worst::new("h'ts"),
        Worst::new("h'rs"),
        Worst::new("Fx/GYt/GYr"),
    ];
    let mut first_terms = 0;
    for r in &rows {
        let id = r.s("case_id");
        let (d, h) = &paths[r.i("path_id") as usize - 1];
        let got = p526::delta_bullington(
            d,
            h,
            r.f("htg_m"),
            r.f("hrg_m"),
            r.f("ae_km"),
            r.f("f_MHz") * 1e6,
            &Surface::default(),
        )
        .unwrap();
        w[0].add(got.ld_db, r.f("Ld_delta_bullington_dB"), id);
        w[1].add(got.lbulla_db, r.f("Lbulla_dB"), id);
        w[2].add(got.lbulls_db, r.f("Lbulls_dB"), id);
        w[3].add(got.ldsph_db, r.f("Ldsph_dB"), id);
        w[4].add(got.hts_prime_m, r.f("hts_prime_m"), id);
        w[5].add(got.hrs_prime_m, r.f("hrs_prime_m"), id);
        // the first-term parts are given exactly for the cases on the main branch
        match (r.opt("Fx_dB"), got.first_term) {
            (Some(fx), Some(ft)) => {
                w[6].add(ft.fx_db, fx, id);
                w[6].add(ft.g_yt_db, r.f("GYt_dB"), id);
                w[6].add(ft.g_yr_db, r.f("GYr_dB"), id);
                first_terms += 1;
            }
            (None, None) => {}
            (a, b) => panic!("case {id}: branch differs (reference {a:?}, got {b:?})"),
        }
    }
    assert_eq!(first_terms, 9);
    for x in &w {
        x.check(0.05);
    }
}
