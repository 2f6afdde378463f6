//! The device-side regulatory lease: which TV channels a base station may transmit on, now.
//!
//! One [`Lease`] per device holds a state per channel:
//!
//! ```text
//! Requested ──grant──► Granted(until) ──start_use──► InUse{notified} ──► Expired | Revoked
//!                                                                       └──► Silent(reason)
//! ```
//!
//! `until = min(schedule stopTime, response time + validity)`. A channel is usable only in
//! `InUse { notified: true }` (or `notified: false` when the database did not ask for a
//! spectrum-use report) and only while the device-wide conditions hold:
//!
//! * **database contact** — an ETSI master stops when out of contact with the database for
//!   longer than TUpdate (60 s); an FCC device must re-check daily and may operate until
//!   23:59 of the day after its last successful contact;
//! * **master contact** — an ETSI slave stops within 5 s of losing its master;
//! * **location** — a device that moved more than `maxLocationChange` from where its grant
//!   was computed has no spectrum (RFC 7545 §4.5.1).
//!
//! Pure logic: every method takes `now` in Unix seconds; [`Lease::tick`] applies deadlines
//! and returns what stopped and why, so the caller (the simulator or the live eNB) can stop
//! transmitting and report the reason. [`Lease::next_poll_at`] says when to query again.
//!
//! # References
//! ETSI EN 301 598 V2.1.1 §4.2.6 (TUpdate, TVal, LVal; slave 5 s) and its conformance test
//! timeline; 47 CFR §15.711(h) (daily re-check); RFC 7545 §4.5 (maxLocationChange,
//! maxPollingSecs, needsSpectrumReport).

use std::collections::BTreeMap;

use super::paws::{haversine_m, GeoPoint};
use super::timestamp::UnixSeconds;

/// ETSI TUpdate default: a master stops when out of contact for longer than this, s.
pub const ETSI_T_UPDATE_S: i64 = 60;
/// ETSI: a slave stops within this many seconds of losing its master.
pub const ETSI_SLAVE_STOP_S: i64 = 5;
/// ETSI conformance test validity of operational parameters, TVal, s (60 min).
pub const ETSI_T_VAL_S: i64 = 3600;
/// ETSI conformance test location validity, LVal, m.
pub const ETSI_L_VAL_M: f64 = 50.0;
/// FCC example maxPollingSecs (daily re-check), s.
pub const FCC_MAX_POLLING_S: i64 = 86_400;
/// FCC example maxLocationChange, m.
pub const FCC_MAX_LOCATION_CHANGE_M: f64 = 100.0;
/// FCC: mobile (Mode II) devices re-check their location every 60 s.
pub const FCC_LOCATION_RECHECK_S: i64 = 60;

/// Regulatory regime of the lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    /// FCC Part 15 Subpart H.
    Fcc,
    /// ETSI EN 301 598.
    Etsi,
}

/// Master or slave (ETSI device category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Master,
    Slave,
}

/// Lease parameters, normally from the database's rulesetInfo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeaseConfig {
    /// Regime.
    pub regime: Regime,
    /// Role.
    pub role: Role,
    /// maxLocationChange, m.
    pub max_location_change_m: f64,
    /// maxPollingSecs, s: the longest interval between queries.
    pub max_polling_s: i64,
    /// ETSI TUpdate, s (stop deadline after losing the database).
    pub t_update_s: i64,
    /// Validity of operational parameters after the response (ETSI TVal), s.
    pub validity_s: i64,
}

impl LeaseConfig {
    /// ETSI conformance test parameters (TVal 60 min, LVal 50 m, TUpdate 60 s).
    pub fn etsi(role: Role) -> Self {
        LeaseConfig {
            regime: Regime::Etsi,
            role,
            max_location_change_m: ETSI_L_VAL_M,
            max_polling_s: ETSI_T_UPDATE_S,
            t_update_s: ETSI_T_UPDATE_S,
            validity_s: ETSI_T_VAL_S,
        }
    }

    /// FCC example parameters (100 m, daily re-check).
    pub fn fcc() -> Self {
        LeaseConfig {
            regime: Regime::Fcc,
            role: Role::Master,
            max_location_change_m: FCC_MAX_LOCATION_CHANGE_M,
            max_polling_s: FCC_MAX_POLLING_S,
            t_update_s: FCC_MAX_POLLING_S,
            // The daily re-check deadline (`database_deadline`) bounds operation; a grant
            // itself lasts until its schedule's stop time, at most two days.
            validity_s: 2 * FCC_MAX_POLLING_S,
        }
    }
}

/// A channel grant extracted from a spectrum response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grant {
    /// TV channel number.
    pub channel: u32,
    /// Schedule start, Unix s.
    pub start_s: UnixSeconds,
    /// Schedule stop, Unix s (exclusive).
    pub stop_s: UnixSeconds,
    /// Maximum EIRP in the channel, dBm per channel width.
    pub max_eirp_dbm: f64,
}

/// Why a channel stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The grant's stop time or validity passed.
    Expired,
    /// A later response no longer lists the channel.
    Revoked,
    /// Out of contact with the database past the deadline.
    DatabaseLost,
    /// A slave lost its master past the deadline.
    MasterLost,
    /// The device moved beyond maxLocationChange.
    Moved,
}

/// State of one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChannelState {
    /// Asked for, no answer yet.
    Requested,
    /// Granted until `until_s`; not transmitting.
    Granted { until_s: UnixSeconds },
    /// Transmitting (when `notified` or no report is needed) until `until_s`.
    InUse {
        until_s: UnixSeconds,
        notified: bool,
    },
    /// Stopped.
    Silent(StopReason),
}

/// Something that changed during [`Lease::tick`] or an input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopEvent {
    /// Channel.
    pub channel: u32,
    /// When (the `now` that observed it).
    pub at_s: UnixSeconds,
    /// Why.
    pub reason: StopReason,
}

/// The lease of one device. See the module docs.
#[derive(Debug, Clone)]
pub struct Lease {
    cfg: LeaseConfig,
    channels: BTreeMap<u32, (ChannelState, Grant)>,
    needs_report: bool,
    last_db_contact_s: Option<UnixSeconds>,
    last_master_contact_s: Option<UnixSeconds>,
    anchor: Option<GeoPoint>,
}

impl Lease {
    /// A lease with no channels.
    pub fn new(cfg: LeaseConfig) -> Self {
        Lease {
            cfg,
            channels: BTreeMap::new(),
            needs_report: false,
            last_db_contact_s: None,
            last_master_contact_s: None,
            anchor: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LeaseConfig {
        &self.cfg
    }

    /// Mark `channels` as requested (a query was sent at `now`).
    pub fn request(&mut self, channels: &[u32]) {
        for &c in channels {
            self.channels.entry(c).or_insert((
                ChannelState::Requested,
                Grant {
                    channel: c,
                    start_s: 0,
                    stop_s: 0,
                    max_eirp_dbm: f64::NEG_INFINITY,
                },
            ));
        }
    }

    /// Apply a validated spectrum response received at `now`, computed for `location`.
    /// Listed channels become (or stay) granted until min(stop, now + validity); channels no
    /// longer listed are revoked. Returns the stop events.
    pub fn on_spectrum_response(
        &mut self,
        now: UnixSeconds,
        location: GeoPoint,
        grants: &[Grant],
        needs_spectrum_report: bool,
    ) -> Vec<StopEvent> {
        self.last_db_contact_s = Some(now);
        self.anchor = Some(location);
        self.needs_report = needs_spectrum_report;
        let mut events = Vec::new();
        let validity_end = now + self.cfg.validity_s;
        for (&ch, (state, _)) in self.channels.iter_mut() {
            let still = grants
                .iter()
                .any(|g| g.channel == ch && g.start_s <= now && now < g.stop_s);
            if !still
                && matches!(
                    state,
                    ChannelState::Granted { .. } | ChannelState::InUse { .. }
                )
            {
                *state = ChannelState::Silent(StopReason::Revoked);
                events.push(StopEvent {
                    channel: ch,
                    at_s: now,
                    reason: StopReason::Revoked,
                });
            }
        }
        for g in grants.iter().filter(|g| g.start_s <= now && now < g.stop_s) {
            let until_s = g.stop_s.min(validity_end);
            let entry = self
                .channels
                .entry(g.channel)
                .or_insert((ChannelState::Requested, *g));
            entry.1 = *g;
            entry.0 = match entry.0 {
                ChannelState::InUse { notified, .. } => ChannelState::InUse {
                    until_s,
                    notified: notified && !needs_spectrum_report,
                },
                _ => ChannelState::Granted { until_s },
            };
        }
        events
    }

    /// The database could not be reached at `now` (the attempt failed). Deadlines apply in
    /// [`Lease::tick`]; this only records nothing new, so it is a no-op kept for clarity.
    pub fn on_database_unreachable(&mut self, _now: UnixSeconds) {}

    /// A message from the master arrived (slaves).
    pub fn on_master_contact(&mut self, now: UnixSeconds) {
        self.last_master_contact_s = Some(now);
    }

    /// Start using a granted channel. Returns false (and changes nothing) unless the
    /// channel is granted and valid at `now`.
    pub fn start_use(&mut self, channel: u32, now: UnixSeconds) -> bool {
        if !self.device_ok(now) {
            return false;
        }
        match self.channels.get_mut(&channel) {
            Some((state @ ChannelState::Granted { .. }, _)) => {
                let ChannelState::Granted { until_s } = *state else {
                    unreachable!()
                };
                if now >= until_s {
                    return false;
                }
                *state = ChannelState::InUse {
                    until_s,
                    notified: !self.needs_report,
                };
                true
            }
            _ => false,
        }
    }

    /// The database acknowledged the SPECTRUM_USE_NOTIFY for `channel`.
    pub fn on_notify_ack(&mut self, channel: u32, now: UnixSeconds) {
        self.last_db_contact_s = Some(now);
        if let Some((ChannelState::InUse { notified, .. }, _)) = self.channels.get_mut(&channel) {
            *notified = true;
        }
    }

    /// The device's position at `now`. Moving beyond maxLocationChange from where the grant
    /// was computed silences every channel.
    pub fn on_location(&mut self, now: UnixSeconds, at: GeoPoint) -> Vec<StopEvent> {
        match self.anchor {
            Some(a) if haversine_m(a, at) > self.cfg.max_location_change_m => {
                self.silence_all(now, StopReason::Moved)
            }
            _ => Vec::new(),
        }
    }

    fn silence_all(&mut self, now: UnixSeconds, reason: StopReason) -> Vec<StopEvent> {
        let mut ev = Vec::new();
        for (&ch, (state, _)) in self.channels.iter_mut() {
            if matches!(
                state,
                ChannelState::Granted { .. } | ChannelState::InUse { .. }
            ) {
                *state = ChannelState::Silent(reason);
                ev.push(StopEvent {
                    channel: ch,
                    at_s: now,
                    reason,
                });
            }
        }
        ev
    }

    /// Latest instant the device may still transmit given its database contact, Unix s
    /// (inclusive bound: transmitting is allowed while `now <= deadline`).
    pub fn database_deadline(&self) -> Option<UnixSeconds> {
        let last = self.last_db_contact_s?;
        Some(match self.cfg.regime {
            Regime::Etsi => last + self.cfg.t_update_s,
            // §15.711(h): re-check daily; on failure operate until 23:59 of the next day.
            Regime::Fcc => (last.div_euclid(86_400) + 2) * 86_400 - 60,
        })
    }

    fn device_reason(&self, now: UnixSeconds) -> Option<StopReason> {
        match self.database_deadline() {
            None => return Some(StopReason::DatabaseLost),
            Some(d) if now > d => return Some(StopReason::DatabaseLost),
            _ => {}
        }
        if self.cfg.role == Role::Slave {
            match self.last_master_contact_s {
                Some(t) if now - t <= ETSI_SLAVE_STOP_S => {}
                _ => return Some(StopReason::MasterLost),
            }
        }
        None
    }

    fn device_ok(&self, now: UnixSeconds) -> bool {
        self.device_reason(now).is_none()
    }

    /// Apply every deadline at `now`: grants past `until` expire; loss of the database or
    /// master silences everything. Returns what stopped.
    pub fn tick(&mut self, now: UnixSeconds) -> Vec<StopEvent> {
        if let Some(reason) = self.device_reason(now) {
            if self.last_db_contact_s.is_some() {
                return self.silence_all(now, reason);
            }
        }
        let mut ev = Vec::new();
        for (&ch, (state, _)) in self.channels.iter_mut() {
            let until = match *state {
                ChannelState::Granted { until_s } | ChannelState::InUse { until_s, .. } => until_s,
                _ => continue,
            };
            if now >= until {
                *state = ChannelState::Silent(StopReason::Expired);
                ev.push(StopEvent {
                    channel: ch,
                    at_s: now,
                    reason: StopReason::Expired,
                });
            }
        }
        ev
    }

    /// State of `channel` (None if never requested or granted).
    pub fn state(&self, channel: u32) -> Option<ChannelState> {
        self.channels.get(&channel).map(|c| c.0)
    }

    /// The grant last received for `channel`.
    pub fn grant(&self, channel: u32) -> Option<Grant> {
        self.channels.get(&channel).map(|c| c.1)
    }

    /// Whether the device may transmit on `channel` at `now`: in use, notified where
    /// required, before its `until`, and every device-wide condition holds. Does not change
    /// state (call [`Lease::tick`] for that).
    pub fn may_transmit(&self, channel: u32, now: UnixSeconds) -> bool {
        if !self.device_ok(now) {
            return false;
        }
        matches!(
            self.state(channel),
            Some(ChannelState::InUse { until_s, notified: true }) if now < until_s
        )
    }

    /// When to query the database next: half of the contact deadline after the last
    /// contact (so one lost poll still leaves time to retry before the stop deadline),
    /// capped by maxPollingSecs, and no later than the earliest grant end. `None` before
    /// any contact (query now).
    pub fn next_poll_at(&self) -> Option<UnixSeconds> {
        let last = self.last_db_contact_s?;
        let span = match self.cfg.regime {
            Regime::Etsi => self.cfg.t_update_s.min(self.cfg.max_polling_s),
            Regime::Fcc => self.cfg.max_polling_s,
        };
        let mut t = last + (span / 2).max(1);
        for (state, _) in self.channels.values() {
            if let ChannelState::Granted { until_s } | ChannelState::InUse { until_s, .. } = state {
                t = t.min(*until_s);
            }
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: GeoPoint = GeoPoint {
        latitude: 52.0,
        longitude: -1.0,
    };

    fn grant(ch: u32, start: i64, stop: i64) -> Grant {
        Grant {
            channel: ch,
            start_s: start,
            stop_s: stop,
            max_eirp_dbm: 36.0,
        }
    }

    #[test]
    fn grant_until_is_min_of_stop_and_validity() {
        let mut l = Lease::new(LeaseConfig::etsi(Role::Master));
        l.on_spectrum_response(0, HERE, &[grant(30, 0, 100_000)], false);
        assert_eq!(l.state(30), Some(ChannelState::Granted { until_s: 3600 }));
        l.on_spectrum_response(10, HERE, &[grant(31, 0, 500)], false);
        assert_eq!(l.state(31), Some(ChannelState::Granted { until_s: 500 }));
        assert_eq!(l.state(30), Some(ChannelState::Silent(StopReason::Revoked)));
    }

    #[test]
    fn notify_gates_transmission() {
        let mut l = Lease::new(LeaseConfig::etsi(Role::Master));
        l.on_spectrum_response(0, HERE, &[grant(30, 0, 10_000)], true);
        assert!(l.start_use(30, 1));
        assert!(!l.may_transmit(30, 1));
        l.on_notify_ack(30, 2);
        assert!(l.may_transmit(30, 2));
    }

    #[test]
    fn fcc_daily_deadline() {
        let mut l = Lease::new(LeaseConfig::fcc());
        let day = 86_400;
        l.on_spectrum_response(10 * day + 3600, HERE, &[grant(21, 0, 100 * day)], false);
        assert_eq!(l.database_deadline(), Some(12 * day - 60));
        assert!(l.start_use(21, 10 * day + 3601));
        assert!(l.may_transmit(21, 12 * day - 60));
        assert!(!l.may_transmit(21, 12 * day - 59));
    }
}
