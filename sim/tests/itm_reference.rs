//! ITM v1.4 against NTIA's published values and the reference build
//! (`../shared/refdata/itm/`, see its README): every case of every file.

mod itm_common;

use itm_common::{read_csv, read_pfls, refdata, Row, Worst};
use lastmile_sim::propagation::itm::{self, ItmParams, ItmResult};

/// Tolerance on every `*_refbuild` value, dB.
const TOL_REFBUILD_DB: f64 = 0.01;

fn params(r: &Row) -> ItmParams {
    ItmParams {
        climate: r.i("climate"),
        n_0: r.f("N_0"),
        f_mhz: r.f("f__mhz"),
        pol: r.i("pol"),
        epsilon: r.f("epsilon"),
        sigma: r.f("sigma"),
        mdvar: r.i("mdvar"),
    }
}

fn p2p(r: &Row, pfls: &[Vec<f64>]) -> ItmResult {
    let pfl = &pfls[r.i("profile_id") as usize - 1];
    itm::p2p_pfl_tls(
        r.f("h_tx__meter"),
        r.f("h_rx__meter"),
        pfl,
        &params(r),
        r.f("time"),
        r.f("location"),
        r.f("situation"),
    )
    .unwrap_or_else(|e| panic!("case {}: {e}", r.s("case_id")))
}

fn area(r: &Row, delta_h: f64) -> ItmResult {
    itm::area_tls(
        r.f("h_tx__meter"),
        r.f("h_rx__meter"),
        r.i("tx_siting_criteria"),
        r.i("rx_siting_criteria"),
        r.f("d__km"),
        delta_h,
        &params(r),
        r.f("time"),
        r.f("location"),
        r.f("situation"),
    )
    .unwrap_or_else(|e| panic!("case {}: {e}", r.s("case_id")))
}

/// Intermediate values, each to the precision the CSV prints it with.
struct Inter {
    a_fs: Worst,
    a_ref: Worst,
    theta: Worst,
    d_hzn: Worst,
    h_e: Worst,
    n_s: Worst,
    delta_h: Worst,
    d_km: Worst,
}

impl Inter {
    fn new() -> Self {
        Inter {
            a_fs: Worst::new("A_fs"),
            a_ref: Worst::new("A_ref"),
            theta: Worst::new("theta_hzn"),
            d_hzn: Worst::new("d_hzn"),
            h_e: Worst::new("h_e"),
            n_s: Worst::new("N_s"),
            delta_h: Worst::new("delta_h"),
            d_km: Worst::new("d_km"),
        }
    }

    fn add(&mut self, r: &Row, g: &ItmResult, id: &str) {
        let i = &g.inter;
        self.a_fs.add(i.a_fs_db, r.f("A_fs__db"), id);
        self.a_ref.add(i.a_ref_db, r.f("A_ref__db"), id);
        self.theta.add(i.theta_hzn[0], r.f("theta_hzn_tx"), id);
        self.theta.add(i.theta_hzn[1], r.f("theta_hzn_rx"), id);
        self.d_hzn.add(i.d_hzn_m[0], r.f("d_hzn_tx__meter"), id);
        self.d_hzn.add(i.d_hzn_m[1], r.f("d_hzn_rx__meter"), id);
        self.h_e.add(i.h_e_m[0], r.f("h_e_tx__meter"), id);
        self.h_e.add(i.h_e_m[1], r.f("h_e_rx__meter"), id);
        if let Some(n_s) = r.opt("N_s") {
            self.n_s.add(i.n_s, n_s, id);
        }
        if let Some(dh) = r.opt("delta_h__meter") {
            self.delta_h.add(i.delta_h_m, dh, id);
        }
        if let Some(d) = r.opt("d__km") {
            self.d_km.add(i.d_km, d, id);
        }
    }

    fn check(&self) {
        // printed with 6 decimals (dB), 9 (rad), 3 (m), 4 (m, N-units)
        self.a_fs.check(1e-5);
        self.a_ref.check(1e-5);
        self.theta.check(1e-8);
        self.d_hzn.check(2e-3);
        self.h_e.check(2e-4);
        self.n_s.check(2e-4);
        self.delta_h.check(2e-4);
        self.d_km.check(2e-6);
    }
}

#[test]
fn itm_p2p_sweep_648_refbuild() {
    let Some(dir) = refdata("itm") else { return };
    let pfls = read_pfls(&dir.join("profiles_pfl.csv"));
    let rows = read_csv(&dir.join("p2p_sweep_refbuild.csv"));
    assert_eq!(rows.len(), 648);
    let mut a = Worst::new("p2p sweep A");
    let mut inter = Inter::new();
    for r in &rows {
        let id = r.s("case_id");
        let g = p2p(r, &pfls);
        a.add(g.a_db, r.f("A__db"), id);
        assert_eq!(g.warnings, r.i("warnings") as u32, "case {id} warnings");
        assert_eq!(g.rtn(), r.i("rtn"), "case {id} rtn");
        assert_eq!(g.mode as i32, r.i("mode"), "case {id} mode");
        inter.add(r, &g, id);
    }
    a.check(TOL_REFBUILD_DB);
    inter.check();
}

#[test]
fn itm_area_sweep_960_refbuild() {
    let Some(dir) = refdata("itm") else { return };
    let rows = read_csv(&dir.join("area_sweep_refbuild.csv"));
    assert_eq!(rows.len(), 960);
    let mut a = Worst::new("area sweep A");
    let mut inter = Inter::new();
    for r in &rows {
        let id = r.s("case_id");
        let g = area(r, r.f("delta_h__meter"));
        a.add(g.a_db, r.f("A__db"), id);
        assert_eq!(g.warnings, r.i("warnings") as u32, "case {id} warnings");
        assert_eq!(g.rtn(), r.i("rtn"), "case {id} rtn");
        assert_eq!(g.mode as i32, r.i("mode"), "case {id} mode");
        inter.add(r, &g, id);
    }
    a.check(TOL_REFBUILD_DB);
    inter.check();
}

#[test]
fn itm_p2p_published() {
    let Some(dir) = refdata("itm") else { return };
    let pfls = read_pfls(&dir.join("profiles_pfl.csv"));
    let rows = read_csv(&dir.join("p2p_published.csv"));
    assert_eq!(rows.len(), 5);
    let mut publ = Worst::new("p2p published (2 dp)");
    let mut refb = Worst::new("p2p refbuild");
    let mut inter = Inter::new();
    for r in &rows {
        let id = r.s("case_id");
        let g = p2p(r, &pfls);
        publ.add(g.a_db, r.f("A__db_published"), id);
        refb.add(g.a_db, r.f("A__db_refbuild"), id);
        assert_eq!(g.warnings, r.i("warnings_refbuild") as u32, "case {id}");
        assert_eq!(g.rtn(), r.i("rtn_refbuild"), "case {id}");
        assert_eq!(g.mode as i32, r.i("mode_refbuild"), "case {id}");
        inter.add(r, &g, id);
    }
    publ.check(0.005 + 1e-9);
    refb.check(TOL_REFBUILD_DB);
    inter.check();
}

#[test]
fn itm_area_published() {
    let Some(dir) = refdata("itm") else { return };
    let rows = read_csv(&dir.join("area_published.csv"));
    assert_eq!(rows.len(), 5);
    let mut publ = Worst::new("area published (1 dp)");
    let mut refb = Worst::new("area refbuild");
    let mut inter = Inter::new();
    for r in &rows {
        let id = r.s("case_id");
        let g = area(r, r.f("delta_h__meter"));
        publ.add(g.a_db, r.f("A__db_published"), id);
        refb.add(g.a_db, r.f("A__db_refbuild"), id);
        assert_eq!(g.warnings, r.i("warnings_refbuild") as u32, "case {id}");
        assert_eq!(g.rtn(), r.i("rtn_refbuild"), "case {id}");
        assert_eq!(g.mode as i32, r.i("mode_refbuild"), "case {id}");
        inter.add(r, &g, id);
    }
    publ.check(0.05);
    refb.check(TOL_REFBUILD_DB);
    inter.check();
}

/// NTIA's command-line driver examples: TLS and CR forms, P2P on profile 6, area mode.
/// The CSV has no Δh column: NTIA's `i_areatls.txt` uses Δh = 20 m (its `o_areatls.txt`
/// echoes `delta_h__meter 20`), the `areacr` inputs Δh = 0.
#[test]
fn itm_cmd_examples() {
    let Some(dir) = refdata("itm") else { return };
    let pfls = read_pfls(&dir.join("profiles_pfl.csv"));
    let rows = read_csv(&dir.join("cmd_examples.csv"));
    assert_eq!(rows.len(), 70);
    let mut publ = Worst::new("cmd examples published (1 dp)");
    let mut refb = Worst::new("cmd examples refbuild");
    for (n, r) in rows.iter().enumerate() {
        let id = format!("row {} ({})", n + 1, r.s("example"));
        let p = params(r);
        let cr = r.opt("time").is_none();
        let g = match (r.s("mode"), cr) {
            ("P2P", false) => p2p(r, &pfls),
            ("P2P", true) => itm::p2p_pfl_cr(
                r.f("h_tx__meter"),
                r.f("h_rx__meter"),
                &pfls[r.i("profile_id") as usize - 1],
                &p,
                r.f("confidence"),
                r.f("reliability"),
            )
            .unwrap(),
            ("AREA", false) => area(r, 20.0),
            ("AREA", true) => itm::area_cr(
                r.f("h_tx__meter"),
                r.f("h_rx__meter"),
                r.i("tx_siting_criteria"),
                r.i("rx_siting_criteria"),
                r.f("d__km"),
                0.0,
                &p,
                r.f("confidence"),
                r.f("reliability"),
            )
            .unwrap(),
            (m, _) => panic!("unknown mode {m}"),
        };
        publ.add(g.a_db, r.f("A__db_published_1dp"), id.clone());
        refb.add(g.a_db, r.f("A__db_refbuild"), id.clone());
        assert_eq!(g.warnings, r.i("warnings_refbuild") as u32, "{id}");
    }
    publ.check(0.05);
    refb.check(TOL_REFBUILD_DB);
}

#[test]
fn itm_cmd_examples_free_space() {
    let Some(dir) = refdata("itm") else { return };
    let rows = read_csv(&dir.join("cmd_examples_free_space.csv"));
    assert_eq!(rows.len(), 19);
    let mut w = Worst::new("free space (1 dp)");
    for r in &rows {
        let got = itm::core::free_space_loss_db(r.f("d__km") * 1000.0, r.f("f__mhz"));
        w.add(got, r.f("A_fs__db_published_1dp"), r.s("d__km"));
    }
    // half-way values (132.45 published as 132.4) sit exactly on the rounding boundary
    w.check(0.05 + 1e-9);
}

/// Error codes and the CR mapping of time/situation errors.
#[test]
fn itm_error_codes() {
    let p = ItmParams {
        climate: 5,
        n_0: 301.0,
        f_mhz: 600.0,
        pol: 0,
        epsilon: 15.0,
        sigma: 0.005,
        mdvar: 12,
    };
    let e = vec![100.0; 101];
    let code = |r: Result<ItmResult, itm::ItmFailure>| r.err().map(|f| f.code()).unwrap_or(0);
    assert_eq!(
        code(itm::p2p_tls(0.4, 10.0, &e, 100.0, &p, 50.0, 50.0, 50.0)),
        1000
    );
    assert_eq!(
        code(itm::p2p_tls(10.0, 3001.0, &e, 100.0, &p, 50.0, 50.0, 50.0)),
        1001
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { climate: 8, ..p },
            50.0,
            50.0,
            50.0
        )),
        1002
    );
    assert_eq!(
        code(itm::p2p_tls(10.0, 10.0, &e, 100.0, &p, 100.0, 50.0, 50.0)),
        1003
    );
    assert_eq!(
        code(itm::p2p_tls(10.0, 10.0, &e, 100.0, &p, 50.0, 0.0, 50.0)),
        1004
    );
    assert_eq!(
        code(itm::p2p_tls(10.0, 10.0, &e, 100.0, &p, 50.0, 50.0, 0.0)),
        1005
    );
    assert_eq!(
        code(itm::p2p_cr(10.0, 10.0, &e, 100.0, &p, 0.0, 50.0)),
        1006
    );
    assert_eq!(
        code(itm::p2p_cr(10.0, 10.0, &e, 100.0, &p, 50.0, 100.0)),
        1007
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { n_0: 200.0, ..p },
            50.0,
            50.0,
            50.0
        )),
        1008
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { f_mhz: 19.0, ..p },
            50.0,
            50.0,
            50.0
        )),
        1009
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { pol: 2, ..p },
            50.0,
            50.0,
            50.0
        )),
        1010
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { epsilon: 0.5, ..p },
            50.0,
            50.0,
            50.0
        )),
        1011
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { sigma: 0.0, ..p },
            50.0,
            50.0,
            50.0
        )),
        1012
    );
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e,
            100.0,
            &ItmParams { mdvar: 4, ..p },
            50.0,
            50.0,
            50.0
        )),
        1014
    );
    assert_eq!(
        code(itm::area_tls(
            10.0, 10.0, 0, 0, 0.0, 10.0, &p, 50.0, 50.0, 50.0
        )),
        1017
    );
    assert_eq!(
        code(itm::area_tls(
            10.0, 10.0, 0, 0, 10.0, -1.0, &p, 50.0, 50.0, 50.0
        )),
        1018
    );
    assert_eq!(
        code(itm::area_tls(
            10.0, 10.0, 3, 0, 10.0, 10.0, &p, 50.0, 50.0, 50.0
        )),
        1019
    );
    assert_eq!(
        code(itm::area_tls(
            10.0, 10.0, 0, -1, 10.0, 10.0, &p, 50.0, 50.0, 50.0
        )),
        1020
    );
    // a one-point profile has no path
    assert_eq!(
        code(itm::p2p_tls(
            10.0,
            10.0,
            &e[..1],
            100.0,
            &p,
            50.0,
            50.0,
            50.0
        )),
        1017
    );
    // warnings before an error are kept, as NTIA returns them
    let f = itm::p2p_tls(
        0.7,
        10.0,
        &e,
        100.0,
        &ItmParams { f_mhz: 30.0, ..p },
        50.0,
        50.0,
        0.0,
    )
    .unwrap_err();
    assert_eq!((f.code(), f.warnings), (1005, 0x1 | 0x4));
    // a valid call with a warning returns rtn 1
    let g = itm::p2p_tls(
        10.0,
        10.0,
        &e,
        100.0,
        &ItmParams { f_mhz: 30.0, ..p },
        50.0,
        50.0,
        50.0,
    )
    .unwrap();
    assert_eq!(g.warnings & 0x4, 0x4);
    assert_eq!(g.rtn(), 1);
}
