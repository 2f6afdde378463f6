//! One module per subcommand, plus the argument helpers they share.

use std::process::ExitCode;

pub mod bench;
pub mod bench_channel;
pub mod bench_fec;
pub mod bench_itm;
pub mod bench_ofdm;
pub mod bench_raytrace;
pub mod bench_terrain;
pub mod bench_turbo;
pub mod cell_search;
pub mod decode;
pub mod iq_info;
pub mod itm;
pub mod link;
pub mod path;
pub mod run;
pub mod run_tvws;
pub mod schema;
pub mod validate;
pub mod wsdb;

/// A command's failure, carrying the exit code class of the contracts.
#[derive(Debug)]
pub enum CliError {
    /// Bad usage or a bad input file: exit 2.
    Usage(anyhow::Error),
    /// Runtime failure: exit 1.
    Runtime(anyhow::Error),
    /// The message was already printed (e.g. a rendered diagnostic); exit with this code.
    Reported(u8),
}

impl CliError {
    /// A usage error from anything printable.
    pub fn usage(e: impl Into<anyhow::Error>) -> Self {
        CliError::Usage(e.into())
    }

    /// A runtime error from anything printable.
    pub fn runtime(e: impl Into<anyhow::Error>) -> Self {
        CliError::Runtime(e.into())
    }

    /// Print the error to stderr and return its exit code.
    pub fn report(self) -> ExitCode {
        match self {
            CliError::Usage(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
            CliError::Runtime(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
            CliError::Reported(code) => ExitCode::from(code),
        }
    }
}

/// Result of a subcommand.
pub type CmdResult = Result<(), CliError>;

/// Parse a float literal (exponents included, e.g. `1.92e6`) or fail with a usage message.
pub fn parse_f64(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if !v.is_finite() {
        return Err(format!("'{s}' is not a finite number"));
    }
    Ok(v)
}

/// A `START:STOP:STEP` range that includes STOP: `round((STOP−START)/STEP)+1` points, each
/// `START + i·STEP`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub start: f64,
    pub stop: f64,
    pub step: f64,
}

impl Range {
    /// The points of the range.
    pub fn points(&self) -> Vec<f64> {
        let n = if self.step == 0.0 {
            1
        } else {
            ((self.stop - self.start) / self.step).round() as usize + 1
        };
        (0..n).map(|i| self.start + i as f64 * self.step).collect()
    }
}

/// Parse `START:STOP:STEP` (or a single number, a one-point range).
pub fn parse_range(s: &str) -> Result<Range, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let r = match parts.as_slice() {
        [one] => {
            let v = parse_f64(one)?;
            Range {
                start: v,
                stop: v,
                step: 0.0,
            }
        }
        [a, b, c] => Range {
            start: parse_f64(a)?,
            stop: parse_f64(b)?,
            step: parse_f64(c)?,
        },
        _ => return Err(format!("'{s}' is not START:STOP:STEP")),
    };
    if r.step == 0.0 && r.start != r.stop {
        return Err(format!("'{s}': STEP must not be 0"));
    }
    if r.step != 0.0 && (r.stop - r.start) / r.step < -1e-9 {
        return Err(format!("'{s}': STEP goes away from STOP"));
    }
    Ok(r)
}

/// Parse an integer given in decimal or `0x` hexadecimal.
pub fn parse_u32_dec_or_hex(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let r = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(h, 16)
    } else {
        t.parse()
    };
    r.map_err(|_| format!("'{s}' is not a decimal or 0x-hex integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_includes_stop_exactly() {
        let r = parse_range("0.6:0.8:0.2").unwrap();
        assert_eq!(r.points(), vec![0.6, 0.6 + 0.2]);
        assert_eq!(parse_range("0:1:0.25").unwrap().points().len(), 5);
        assert_eq!(parse_range("3").unwrap().points(), vec![3.0]);
        assert!(parse_range("1:0:0.5").is_err());
        assert!(parse_range("a:b").is_err());
    }

    #[test]
    fn floats_and_hex() {
        assert_eq!(parse_f64("1.92e6").unwrap(), 1.92e6);
        assert!(parse_f64("nan").is_err());
        assert_eq!(parse_u32_dec_or_hex("0xFFFF").unwrap(), 65535);
        assert_eq!(parse_u32_dec_or_hex("61").unwrap(), 61);
    }
}
