//! PAWS timestamps: exactly `YYYY-MM-DDThh:mm:ssZ` (RFC 3339 in UTC, no fractional seconds,
//! no offsets), converted to and from seconds since the Unix epoch.
//!
//! # References
//! RFC 7545 §5.15 (timestamps "MUST be in UTC … format YYYY-MM-DDThh:mm:ssZ"); the civil
//! calendar conversion is the proleptic Gregorian days-from-civil algorithm.

use std::fmt;

/// Seconds since 1970-01-01T00:00:00Z (UTC, no leap seconds), the time base of the spectrum
/// module. Tests and the simulator pass time in; nothing here reads the clock.
pub type UnixSeconds = i64;

/// Why a string is not a PAWS timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a PAWS timestamp (YYYY-MM-DDThh:mm:ssZ): {why}")]
pub struct TimestampError {
    /// The offending text.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Parse a PAWS timestamp into Unix seconds.
///
/// # Errors
/// [`TimestampError`] unless the text is exactly 20 characters of the form
/// `YYYY-MM-DDThh:mm:ssZ` naming a real calendar second (leap second `:60` refused).
pub fn parse(text: &str) -> Result<UnixSeconds, TimestampError> {
    let err = |why| TimestampError {
        text: text.to_owned(),
        why,
    };
    let b = text.as_bytes();
    if b.len() != 20 {
        return Err(err("must be exactly 20 characters"));
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(err("wrong character or separator"));
        }
    }
    let num = |a: usize, z: usize| -> i64 {
        b[a..z]
            .iter()
            .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'))
    };
    let (y, mo, d) = (num(0, 4), num(5, 7), num(8, 10));
    let (h, mi, s) = (num(11, 13), num(14, 16), num(17, 19));
    if !(1..=12).contains(&mo) {
        return Err(err("month out of range"));
    }
    let mdays = [
        31,
        if is_leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d < 1 || d > mdays[(mo - 1) as usize] {
        return Err(err("day out of range"));
    }
    if h > 23 || mi > 59 || s > 59 {
        return Err(err("time of day out of range"));
    }
    Ok(days_from_civil(y, mo as u32, d as u32) * 86_400 + h * 3600 + mi * 60 + s)
}

/// A timestamp value that formats as `YYYY-MM-DDThh:mm:ssZ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub UnixSeconds);

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }
}

/// Format Unix seconds as a PAWS timestamp (years 0–9999).
pub fn format(t: UnixSeconds) -> String {
    Timestamp(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z").unwrap(), 0);
        // RFC 7545 example timestamp.
        assert_eq!(parse("2013-03-02T14:30:21Z").unwrap(), 1_362_234_621);
        assert_eq!(parse("2000-02-29T23:59:59Z").unwrap(), 951_868_799);
        assert_eq!(format(1_362_234_621), "2013-03-02T14:30:21Z");
        assert_eq!(format(951_868_799), "2000-02-29T23:59:59Z");
    }

    #[test]
    fn rejects_other_forms() {
        for bad in [
            "2013-03-02T14:30:21",
            "2013-03-02T14:30:21.5Z",
            "2013-03-02T14:30:21+00:00",
            "2013-03-02 14:30:21Z",
            "2013-3-02T14:30:21Z",
            "2013-02-29T00:00:00Z",
            "2013-13-01T00:00:00Z",
            "2013-12-01T24:00:00Z",
            "2013-12-01T23:59:60Z",
            "2013-03-02t14:30:21z",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trip_many() {
        for t in (-100_000_000i64..4_000_000_000).step_by(7_777_777) {
            assert_eq!(parse(&format(t)).unwrap(), t);
        }
    }
}
