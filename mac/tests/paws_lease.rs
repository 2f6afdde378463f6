//! The lease against the ETSI EN 301 598 conformance timeline (TVal 60 min, LVal 50 m,
//! TUpdate 60 s) and the FCC re-check rules.

use lastmile_mac::spectrum::lease::*;
use lastmile_mac::spectrum::paws::GeoPoint;

const T0: i64 = 1_800_000_000;
const HERE: GeoPoint = GeoPoint {
    latitude: 51.5,
    longitude: -0.1,
};

fn grant(ch: u32) -> Grant {
    Grant {
        channel: ch,
        start_s: T0,
        stop_s: T0 + 24 * 3600,
        max_eirp_dbm: 36.0,
    }
}

fn started(role: Role) -> Lease {
    let mut l = Lease::new(LeaseConfig::etsi(role));
    l.on_master_contact(T0);
    l.request(&[30]);
    assert_eq!(l.state(30), Some(ChannelState::Requested));
    l.on_spectrum_response(T0, HERE, &[grant(30)], true);
    assert!(l.start_use(30, T0));
    l.on_notify_ack(30, T0);
    assert!(l.may_transmit(30, T0));
    l
}

#[test]
fn etsi_constants() {
    assert_eq!(ETSI_T_UPDATE_S, 60);
    assert_eq!(ETSI_SLAVE_STOP_S, 5);
    assert_eq!(ETSI_T_VAL_S, 3600);
    assert_eq!(ETSI_L_VAL_M, 50.0);
    assert_eq!(FCC_MAX_POLLING_S, 86_400);
    assert_eq!(FCC_MAX_LOCATION_CHANGE_M, 100.0);
}

/// Validate at t+60 s, invalidate at t+120 s → the channel stops at once.
#[test]
fn etsi_validate_then_invalidate() {
    let mut l = started(Role::Master);
    assert!(l.tick(T0 + 59).is_empty());
    // Database re-validates at t+60.
    l.on_spectrum_response(T0 + 60, HERE, &[grant(30)], false);
    assert!(l.tick(T0 + 60).is_empty());
    assert!(l.may_transmit(30, T0 + 60));
    assert!(l.may_transmit(30, T0 + 119));
    // Database invalidates channel 30 at t+120.
    let ev = l.on_spectrum_response(T0 + 120, HERE, &[grant(31)], false);
    assert_eq!(
        ev,
        vec![StopEvent {
            channel: 30,
            at_s: T0 + 120,
            reason: StopReason::Revoked
        }]
    );
    assert!(!l.may_transmit(30, T0 + 120));
    assert_eq!(l.state(30), Some(ChannelState::Silent(StopReason::Revoked)));
}

/// Database unreachable after the last contact at t+60 → silent no later than t+120.
#[test]
fn etsi_disconnect_stops_within_t_update() {
    let mut l = started(Role::Master);
    l.on_spectrum_response(T0 + 60, HERE, &[grant(30)], false);
    assert_eq!(l.next_poll_at(), Some(T0 + 90));
    l.on_database_unreachable(T0 + 90);
    assert!(l.tick(T0 + 90).is_empty());
    assert!(l.may_transmit(30, T0 + 120));
    let ev = l.tick(T0 + 121);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].reason, StopReason::DatabaseLost);
    assert!(!l.may_transmit(30, T0 + 121));
    // Never later than TUpdate after the last contact.
    assert!(ev[0].at_s - (T0 + 60) <= ETSI_T_UPDATE_S + 1);
}

/// A slave stops within 5 s of losing its master.
#[test]
fn etsi_slave_stops_within_5_s() {
    let mut l = started(Role::Slave);
    l.on_master_contact(T0 + 10);
    assert!(l.may_transmit(30, T0 + 15));
    assert!(!l.may_transmit(30, T0 + 16));
    let ev = l.tick(T0 + 16);
    assert_eq!(ev[0].reason, StopReason::MasterLost);
}

/// Validity (TVal) bounds a grant even while the database stays reachable.
#[test]
fn grant_expires_at_validity() {
    let mut l = started(Role::Master);
    // Keep contact alive with notifications but no new spectrum response.
    for k in 1..60 {
        l.on_notify_ack(30, T0 + 60 * k);
        assert!(l.tick(T0 + 60 * k).is_empty(), "{k}");
    }
    l.on_notify_ack(30, T0 + 3599);
    let ev = l.tick(T0 + 3600);
    assert_eq!(ev[0].reason, StopReason::Expired);
}

/// Moving beyond maxLocationChange (LVal 50 m) silences the device.
#[test]
fn moving_beyond_lval_stops() {
    let mut l = started(Role::Master);
    let near = GeoPoint {
        latitude: HERE.latitude + 40.0 / 111_195.0,
        longitude: HERE.longitude,
    };
    assert!(l.on_location(T0 + 1, near).is_empty());
    let far = GeoPoint {
        latitude: HERE.latitude + 60.0 / 111_195.0,
        longitude: HERE.longitude,
    };
    let ev = l.on_location(T0 + 2, far);
    assert_eq!(ev[0].reason, StopReason::Moved);
    assert!(!l.may_transmit(30, T0 + 2));
}

/// A channel that needs a spectrum-use report cannot be used before the report is
/// acknowledged; nothing may be used before any contact.
#[test]
fn report_and_contact_gates() {
    let mut l = Lease::new(LeaseConfig::etsi(Role::Master));
    assert!(!l.start_use(30, T0));
    l.on_spectrum_response(T0, HERE, &[grant(30)], true);
    assert!(l.start_use(30, T0 + 1));
    assert!(!l.may_transmit(30, T0 + 1));
    l.on_notify_ack(30, T0 + 2);
    assert!(l.may_transmit(30, T0 + 2));
    // A future grant is not usable yet.
    let mut l = Lease::new(LeaseConfig::etsi(Role::Master));
    let later = Grant {
        start_s: T0 + 100,
        ..grant(30)
    };
    l.on_spectrum_response(T0, HERE, &[later], false);
    assert!(!l.start_use(30, T0));
}

/// FCC: daily re-check; a missed check allows operation to 23:59 of the next day.
#[test]
fn fcc_daily_recheck() {
    let mut l = Lease::new(LeaseConfig::fcc());
    let day0 = (T0 / 86_400) * 86_400;
    let g = Grant {
        channel: 21,
        start_s: day0,
        stop_s: day0 + 10 * 86_400,
        max_eirp_dbm: 36.0,
    };
    l.on_spectrum_response(day0 + 600, HERE, &[g], false);
    assert!(l.start_use(21, day0 + 600));
    assert_eq!(l.next_poll_at(), Some(day0 + 600 + 43_200));
    assert!(l.may_transmit(21, day0 + 2 * 86_400 - 60));
    let ev = l.tick(day0 + 2 * 86_400 - 59);
    assert_eq!(ev[0].reason, StopReason::DatabaseLost);
}
