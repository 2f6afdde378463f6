//! Property tests of the PAWS layer: timestamps, profile validation, message round trips.

use lastmile_mac::spectrum::choice::profile_at;
use lastmile_mac::spectrum::paws::*;
use lastmile_mac::spectrum::{timestamp, validate};
use proptest::prelude::*;

proptest! {
    #[test]
    fn timestamp_round_trip(t in -62_135_596_800i64..253_402_300_799) {
        let s = timestamp::format(t);
        prop_assert_eq!(s.len(), 20);
        prop_assert_eq!(timestamp::parse(&s).unwrap(), t);
    }

    #[test]
    fn timestamp_parser_total(s in "\\PC{0,24}") {
        let _ = timestamp::parse(&s);
    }

    /// Non-decreasing frequencies with at most two points per frequency always validate,
    /// and the mask is defined exactly on [first, last).
    #[test]
    fn generated_profiles_validate(
        steps in prop::collection::vec((0u32..3, -30.0f64..40.0, any::<bool>()), 1..12)
    ) {
        let mut pts = vec![SpectrumProfilePoint { hz: 470e6, dbm: 20.0 }];
        let mut hz = 470e6;
        for (dk, dbm, step) in steps {
            hz += f64::from(dk + 1) * 1e6;
            pts.push(SpectrumProfilePoint { hz, dbm });
            if step {
                pts.push(SpectrumProfilePoint { hz, dbm: dbm - 3.0 });
            }
        }
        // A trailing step would end the profile on a zero-width segment; drop it.
        if pts.len() > 2 && pts[pts.len() - 1].hz == pts[pts.len() - 2].hz {
            pts.pop();
        }
        let s = Spectrum { resolution_bw_hz: 1e5, profiles: vec![pts.clone()] };
        prop_assert!(validate::spectrum("s", &s).is_ok());
        prop_assert!(profile_at(&pts, 470e6).is_some());
        prop_assert!(profile_at(&pts, pts[pts.len() - 1].hz).is_none());
        prop_assert!(profile_at(&pts, 469e6).is_none());
    }

    #[test]
    fn spectrum_serde_round_trip(
        rbw in 1e3f64..1e7,
        pts in prop::collection::vec((4.7e8f64..6.1e8, -50.0f64..50.0), 2..8)
    ) {
        let s = Spectrum {
            resolution_bw_hz: rbw,
            profiles: vec![pts.iter().map(|&(hz, dbm)| SpectrumProfilePoint { hz, dbm }).collect()],
        };
        let back: Spectrum = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        // serde_json's default float parser may differ from the shortest round trip by 1 ulp.
        prop_assert!((back.resolution_bw_hz - s.resolution_bw_hz).abs() <= 1e-15 * s.resolution_bw_hz);
        prop_assert_eq!(back.profiles[0].len(), s.profiles[0].len());
        for (a, b) in back.profiles[0].iter().zip(&s.profiles[0]) {
            prop_assert!((a.hz - b.hz).abs() <= 1e-15 * b.hz.abs());
            prop_assert!((a.dbm - b.dbm).abs() <= 1e-15 * b.dbm.abs().max(1.0));
        }
    }
}
