//! The FCC and ETSI figures of `../shared/refdata/tvws/README.md`, pinned: each constant is
//! asserted, and the README itself is read to check that the figures this crate pins are
//! still the ones it states (CI=true: a missing README fails; elsewhere the README half
//! skips with a reason).

use std::path::PathBuf;

use lastmile_wsdb::rules::*;
use mac::spectrum::choice::etsi_oob_limit_dbm_per_100khz;
use mac::spectrum::paws::ErrorCode;
use phy::tv::TvRaster;

#[test]
fn fcc_constants() {
    assert_eq!(FCC_CONTOUR_UHF_DBU, 41.0);
    assert_eq!(FCC_CONTOUR_HIGH_VHF_DBU, 36.0);
    assert_eq!(FCC_CONTOUR_LOW_VHF_DBU, 28.0);
    assert_eq!(fcc_contour_dbu(30), 41.0);
    assert_eq!(fcc_contour_dbu(9), 36.0);
    assert_eq!(fcc_contour_dbu(3), 28.0);
    assert_eq!(
        FCC_SEPARATION_TABLE,
        [
            (3.0, 4.0, 0.4),
            (10.0, 7.3, 0.7),
            (30.0, 11.1, 1.2),
            (50.0, 14.3, 1.8)
        ]
    );
    assert_eq!(FCC_FIXED_EIRP_DBM, 36.0);
    assert_eq!(FCC_FIXED_LESS_CONGESTED_EIRP_DBM, 42.0);
    assert_eq!(FCC_PORTABLE_EIRP_DBM, 20.0);
    assert_eq!(FCC_PORTABLE_ADJACENT_EIRP_DBM, 16.0);
    assert_eq!(FCC_FIXED_MAX_HAAT_M, 250.0);
    assert_eq!(FCC_FIXED_LESS_CONGESTED_MAX_HAAT_M, 500.0);
    assert_eq!(FCC_GEOLOCATION_ACCURACY_M, 50.0);
    assert_eq!(FCC_LOCATION_RECHECK_S, 60);
    assert_eq!(FCC_WIRELESS_MIC_FIXED_KM, 1.0);
    assert_eq!(FCC_WIRELESS_MIC_PORTABLE_KM, 0.4);
    assert_eq!(FCC_MVPD_CO_KM, (80.0, 8.0));
    assert_eq!(FCC_MVPD_ADJ_KM, (20.0, 2.0));
    assert_eq!(FCC_RADIO_ASTRONOMY_KM, 2.4);
    assert_eq!(FCC_MAX_LOCATION_CHANGE_M, 100.0);
    assert_eq!(FCC_MAX_POLLING_S, 86_400);
    assert_eq!(RULESET_FCC, "FccTvBandWhiteSpace-2010");
    // Channel n (14–36) spans 470 + 6(n − 14) MHz.
    for n in 14..=36 {
        let (lo, hi) = TvRaster::Us6.edges_hz(n).unwrap();
        assert_eq!(lo, (470 + 6 * (n - 14)) as f64 * 1e6);
        assert_eq!(hi - lo, 6e6);
    }
}

#[test]
fn etsi_constants() {
    assert_eq!(
        ETSI_ACLR_DB,
        [
            [74.0, 79.0, 84.0],
            [74.0, 74.0, 74.0],
            [64.0, 74.0, 84.0],
            [54.0, 64.0, 74.0],
            [43.0, 53.0, 64.0]
        ]
    );
    assert_eq!(ETSI_OOB_FLOOR_DBM, -84.0);
    assert_eq!(etsi_oob_limit_dbm_per_100khz(36.0, 1, 1), Some(-38.0));
    assert_eq!(OFCOM_MAX_EIRP_DBM_PER_8MHZ, 36.0);
    assert_eq!(ETSI_MASTER_STOP_S, 60);
    assert_eq!(ETSI_SLAVE_STOP_S, 5);
    assert_eq!(ETSI_T_UPDATE_S, 60);
    assert_eq!(ETSI_T_VAL_S, 3600);
    assert_eq!(ETSI_L_VAL_M, 50.0);
    assert_eq!(RULESET_ETSI, "ETSI-EN-301-598-1.1.1");
    for k in 0..40u32 {
        let (lo, hi) = TvRaster::Eu8Uhf.edges_hz(21 + k).unwrap();
        assert_eq!(
            (lo, hi),
            ((470 + 8 * k) as f64 * 1e6, (478 + 8 * k) as f64 * 1e6)
        );
    }
}

#[test]
fn paws_error_codes() {
    for (c, n) in [
        (ErrorCode::Version, -101),
        (ErrorCode::Unsupported, -102),
        (ErrorCode::Unimplemented, -103),
        (ErrorCode::OutsideCoverage, -104),
        (ErrorCode::DatabaseChange, -105),
        (ErrorCode::Missing, -201),
        (ErrorCode::InvalidValue, -202),
        (ErrorCode::Unauthorized, -301),
        (ErrorCode::NotRegistered, -302),
    ] {
        assert_eq!(c.code(), n);
    }
}

fn readme() -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/refdata/tvws/README.md");
    match std::fs::read_to_string(&p) {
        Ok(t) => Some(t),
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI: {} missing: {e}",
                p.display()
            );
            eprintln!(
                "skipping README cross-check: {} not readable ({e})",
                p.display()
            );
            None
        }
    }
}

/// The README still states the figures pinned above.
#[test]
fn readme_states_the_pinned_figures() {
    let Some(t) = readme() else { return };
    let t = t.replace('\n', " ");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    // Separation table, one row per HAAT band.
    for (lim, co, adj) in FCC_SEPARATION_TABLE {
        let row = format!("< {lim:.0} m {co:.1} / {adj:.1} km");
        assert!(t.contains(&row), "README lacks '{row}'");
    }
    // ACLR by emission class.
    let aclr: Vec<String> = ETSI_ACLR_DB
        .iter()
        .map(|r| format!("{:.0}/{:.0}/{:.0}", r[0], r[1], r[2]))
        .collect();
    assert!(
        t.contains(&aclr.join(", ")),
        "README ACLR table changed: {aclr:?}"
    );
    for s in [
        "UHF 41 dBu, high VHF 36 dBu, low VHF 28 dBu",
        "−84 dBm/100 kHz",
        "36 dBm EIRP per 6 MHz; 42 dBm",
        "Portable: 20 dBm EIRP (16 dBm",
        "TVal 60 min, LVal 50 m, TUpdate 60 s",
        "36 dBm per 8 MHz",
        "`maxLocationChange` 100 m, `maxPollingSecs` 86400",
        "1 km fixed / 0.4 km portable",
        "8/2 km and 80/20 km",
        "radio astronomy 2.4 km",
        "-101 VERSION, -102 UNSUPPORTED, -103 UNIMPLEMENTED",
        "-201 MISSING",
        "-302 NOT_REGISTERED",
        "`FccTvBandWhiteSpace-2010`, `ETSI-EN-301-598-1.1.1`",
    ] {
        assert!(t.contains(s), "README no longer says '{s}'");
    }
}
