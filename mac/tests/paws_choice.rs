//! Channel, bandwidth and power choice from granted spectra, with several resolution
//! bandwidths as simultaneous constraints.

use lastmile_mac::spectrum::choice::*;
use lastmile_mac::spectrum::paws::{Spectrum, SpectrumProfilePoint};

fn p(hz: f64, dbm: f64) -> SpectrumProfilePoint {
    SpectrumProfilePoint { hz, dbm }
}

fn offer(ch: u32, until: i64) -> ChannelOffer {
    let lo = 470e6 + 6e6 * f64::from(ch - 14);
    ChannelOffer {
        channel: ch,
        low_hz: lo,
        high_hz: lo + 6e6,
        until_s: until,
    }
}

const DEV: Device = Device {
    antenna_gain_dbi: 9.0,
    cable_loss_db: 2.0,
    max_conducted_dbm: 30.0,
    emission_class: None,
    max_channels: 2,
    fill_guard_hz: None,
};

/// Channels 21 (36 dBm) and 22 (30 dBm) contiguous, 25 alone at 36 dBm; a 100 kHz mask
/// at the same density.
fn spectra() -> Vec<Spectrum> {
    let c = |ch: u32| 470e6 + 6e6 * f64::from(ch - 14);
    let wide = Spectrum {
        resolution_bw_hz: 6e6,
        profiles: vec![
            vec![
                p(c(21), 36.0),
                p(c(22), 36.0),
                p(c(22), 30.0),
                p(c(23), 30.0),
            ],
            vec![p(c(25), 36.0), p(c(26), 36.0)],
        ],
    };
    let off = 10.0 * 60f64.log10();
    let narrow = Spectrum {
        resolution_bw_hz: 100e3,
        profiles: wide
            .profiles
            .iter()
            .map(|pr| pr.iter().map(|q| p(q.hz, q.dbm - off)).collect())
            .collect(),
    };
    vec![wide, narrow]
}

#[test]
fn max_eirp_respects_every_resolution_bandwidth() {
    let s = spectra();
    let lo = 470e6 + 6e6 * 7.0; // channel 21
                                // 5 MHz LTE (4.5 MHz occupied) centred in channel 21.
    let occ = 25.0 * PRB_HZ;
    let c = lo + 3e6;
    let e = max_eirp_dbm(&s, c - occ / 2.0, c + occ / 2.0).unwrap();
    // 6 MHz mask: 36 dBm in any 6 MHz window → whole 4.5 MHz may carry 36 dBm.
    // 100 kHz mask: 36 − 17.78 dBm per 100 kHz → 4.5 MHz may carry 36 − 17.78 + 16.53.
    let narrow_limit = 36.0 - 10.0 * 60f64.log10() + 10.0 * 45f64.log10();
    assert!((e - narrow_limit).abs() < 1e-9, "{e} vs {narrow_limit}");
    // Only the wide mask: 36 dBm.
    let e6 = max_eirp_dbm(&s[..1], c - occ / 2.0, c + occ / 2.0).unwrap();
    assert!((e6 - 36.0).abs() < 1e-9);
    // Over the step the lower side binds: a flat 12 MHz signal puts half its power in
    // any 6 MHz window, which must stay under 30 dBm → 30 + 3.01 dBm in total.
    let e2 = max_eirp_dbm(&s[..1], lo, lo + 12e6).unwrap();
    assert!((e2 - (30.0 + 10.0 * 2f64.log10())).abs() < 1e-9, "{e2}");
    // A gap (channel 23–24) is no spectrum.
    assert_eq!(max_eirp_dbm(&s, lo, lo + 30e6), None);
}

#[test]
fn choose_picks_power_then_time_then_bandwidth() {
    let s = spectra();
    let offers = [offer(21, 10_000), offer(22, 10_000), offer(25, 20_000)];
    let c = choose(&s, &offers, &DEV).unwrap();
    // Radio: 30 dBm + 9 − 2 = 37 dBm EIRP max; masks allow less, so the mask binds.
    // Channel 25 (longer availability) beats 21 at equal mask power.
    assert_eq!(c.channels, vec![25]);
    assert_eq!(c.until_s, 20_000);
    assert!(c.eirp_dbm <= c.mask_eirp_dbm + 1e-12);
    assert!((c.conducted_dbm - (c.eirp_dbm - 9.0 + 2.0)).abs() < 1e-12);
    assert!(
        (c.conducted_per_prb_dbm - (c.conducted_dbm - 10.0 * f64::from(c.n_prb).log10())).abs()
            < 1e-12
    );
    assert!(c.lte_bandwidth_hz <= 6e6);
    assert!(c.compliant(), "{:?}", c.checks);
    assert_eq!(c.checks.len(), 2, "one check per resolution bandwidth");
}

#[test]
fn bonding_two_channels_fits_10_mhz() {
    // Flat 36 dBm over 21–22 and a weak radio: bonding gives the most total EIRP only if
    // the masks allow it; with the radio cap binding, equal EIRP → wider wins last.
    let c0 = 470e6 + 6e6 * 7.0;
    let s = vec![Spectrum {
        resolution_bw_hz: 6e6,
        profiles: vec![vec![p(c0, 36.0), p(c0 + 12e6, 36.0)]],
    }];
    let dev = Device {
        max_conducted_dbm: 20.0,
        ..DEV
    };
    let c = choose(&s, &[offer(21, 100), offer(22, 100)], &dev).unwrap();
    assert_eq!(c.channels, vec![21, 22]);
    assert_eq!(c.lte_bandwidth_hz, 10e6);
    assert_eq!(c.n_prb, 50);
    assert!((c.eirp_dbm - 27.0).abs() < 1e-12);
    assert!(c.compliant());
}

#[test]
fn etsi_adjacent_leakage_checked_against_narrow_limits() {
    // 8 MHz channel at 36 dBm and a 100 kHz limit of −60 dBm/100 kHz on the channel above.
    let lo = 470e6;
    let s = vec![
        Spectrum {
            resolution_bw_hz: 8e6,
            profiles: vec![vec![p(lo, 36.0), p(lo + 8e6, 36.0)]],
        },
        Spectrum {
            resolution_bw_hz: 100e3,
            profiles: vec![
                vec![p(lo, 17.0), p(lo + 8e6, 17.0)],
                vec![p(lo + 8e6, -60.0), p(lo + 16e6, -60.0)],
            ],
        },
    ];
    let offers = [ChannelOffer {
        channel: 21,
        low_hz: lo,
        high_hz: lo + 8e6,
        until_s: 100,
    }];
    let class5 = Device {
        emission_class: Some(5),
        max_channels: 1,
        ..DEV
    };
    let c = choose(&s, &offers, &class5).unwrap();
    let adj: Vec<_> = c
        .checks
        .iter()
        .filter(|k| k.what.contains("adjacent"))
        .collect();
    assert!(!adj.is_empty());
    // Class 5 leaks P_IB − 43 dBm/100 kHz into n = +1: far above −60 → not compliant.
    assert!(!c.compliant());
    let class1 = Device {
        emission_class: Some(1),
        ..class5
    };
    let c1 = choose(&s, &offers, &class1).unwrap();
    let m5 = adj[0].margin_db;
    let m1 = c1
        .checks
        .iter()
        .find(|k| k.what == adj[0].what)
        .unwrap()
        .margin_db;
    assert!(
        (m1 - m5 - 31.0).abs() < 1e-9,
        "class 1 has 31 dB more ACLR at n=+1"
    );
}

#[test]
fn nothing_offered_nothing_chosen() {
    assert_eq!(choose(&spectra(), &[], &DEV), None);
}

#[test]
fn fits_come_from_the_phy_numerology() {
    // One US channel: 1.4, 3 and 5 MHz standard; with a 250 kHz guard the TVWS fill fit
    // adds 30 PRB on a 384-point FFT (phy::numerology::tv_channel_plan's example).
    let f = fits(&offer(21, 0), 1, None);
    assert_eq!(
        f.iter().map(|x| x.n_prb).collect::<Vec<_>>(),
        vec![6, 15, 25]
    );
    let f = fits(&offer(21, 0), 1, Some(250_000));
    let last = f.last().unwrap();
    assert_eq!(
        (last.n_prb, last.fft_size, last.bandwidth_hz),
        (30, 384, 6e6)
    );
    // Two bonded channels (12 MHz): up to 10 MHz.
    let f = fits(&offer(21, 0), 2, None);
    assert_eq!(f.last().unwrap().n_prb, 50);
    assert_eq!(raster_of_offer(&offer(21, 0)), Some(phy::tv::TvRaster::Us6));
}

#[test]
fn common_choice_uses_channels_every_site_was_offered() {
    let s = spectra();
    // Site A: 21, 22, 25; site B: 22 and 25 only, 25 expiring earlier.
    let a = [offer(21, 10_000), offer(22, 10_000), offer(25, 20_000)];
    let b = [offer(22, 10_000), offer(25, 5_000)];
    let lone = [offer(30, 1)];
    let dev = Device {
        max_channels: 1,
        ..DEV
    };
    let g = |offers| SiteGrant {
        spectra: &s,
        offers,
        device: dev,
    };
    let c = choose_common(&[g(&a), g(&b)]).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].channels, c[1].channels);
    // 25 carries 36 dBm, 22 only 30: power first, even though 25 expires sooner at B.
    assert_eq!(c[0].channels, vec![25]);
    assert_eq!(c[0].until_s, 5_000);
    assert_eq!(choose_common(&[g(&a), g(&lone)]), None);
    assert_eq!(choose_common(&[]), None);
}

#[test]
fn offers_from_a_spectrum_spec() {
    use lastmile_mac::spectrum::paws::{EventTime, RulesetInfo, SpectrumSchedule, SpectrumSpec};
    use lastmile_mac::spectrum::timestamp::format;
    let sched = |a: i64, b: i64, sp: Vec<Spectrum>| SpectrumSchedule {
        event_time: EventTime {
            start_time: format(a),
            stop_time: format(b),
        },
        spectra: sp,
    };
    let s = spectra();
    // Second schedule keeps only channel 25.
    let only25 = vec![Spectrum {
        resolution_bw_hz: 6e6,
        profiles: vec![s[0].profiles[1].clone()],
    }];
    let spec = SpectrumSpec {
        ruleset_info: RulesetInfo {
            authority: "us".into(),
            ruleset_id: "FccTvBandWhiteSpace-2010".into(),
            max_location_change: Some(100.0),
            max_polling_secs: Some(86400),
        },
        spectrum_schedules: vec![sched(1000, 2000, s.clone()), sched(2000, 3000, only25)],
        time_range: None,
        frequency_ranges: None,
        needs_spectrum_report: false,
        max_total_bw_hz: None,
        max_contiguous_bw_hz: None,
    };
    let (now, offers) = offers_from_spec(&spec, phy::tv::TvRaster::Us6, 1500).unwrap();
    assert_eq!(now, s);
    let got: Vec<(u32, i64)> = offers.iter().map(|(o, _)| (o.channel, o.until_s)).collect();
    assert_eq!(got, vec![(21, 2000), (22, 2000), (25, 3000)]);
    // Channel 22's limit is bound by the 100 kHz mask: 30 − 17.78 + 17.78 = 30 dBm.
    assert!((offers[1].1 - 30.0).abs() < 1e-6, "{}", offers[1].1);
    let (none, o) = offers_from_spec(&spec, phy::tv::TvRaster::Us6, 5000).unwrap();
    assert!(none.is_empty() && o.is_empty());
}
