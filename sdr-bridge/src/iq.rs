//! Raw interleaved IQ sample files.
//!
//! * `cf32`: little-endian float32 I, Q pairs.
//! * `ci16`: little-endian int16 I, Q pairs, scaled by 1/32768.

use num_complex::Complex32;
use std::path::Path;

/// Sample format of a raw IQ file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IqFormat {
    Cf32,
    Ci16,
}

impl std::str::FromStr for IqFormat {
    type Err = IqError;
    fn from_str(s: &str) -> Result<Self, IqError> {
        match s {
            "cf32" => Ok(IqFormat::Cf32),
            "ci16" => Ok(IqFormat::Ci16),
            other => Err(IqError::UnknownFormat(other.to_string())),
        }
    }
}

impl IqFormat {
    /// Bytes per complex sample.
    pub const fn bytes_per_sample(self) -> usize {
        match self {
            IqFormat::Cf32 => 8,
            IqFormat::Ci16 => 4,
        }
    }
}

/// Errors reading IQ data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IqError {
    #[error("unknown IQ format '{0}' (expected cf32 or ci16)")]
    UnknownFormat(String),
    #[error("{len} bytes is not a whole number of {format:?} samples ({per} bytes each)")]
    Truncated {
        len: usize,
        format: IqFormat,
        per: usize,
    },
    #[error("sample {index} is not a finite number")]
    NotFinite { index: usize },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Decode raw bytes into complex samples.
///
/// # Errors
/// A byte count that is not a whole number of samples, or a NaN/∞ sample.
pub fn decode_iq(bytes: &[u8], format: IqFormat) -> Result<Vec<Complex32>, IqError> {
    let per = format.bytes_per_sample();
    if !bytes.len().is_multiple_of(per) {
        return Err(IqError::Truncated {
            len: bytes.len(),
            format,
            per,
        });
    }
    let out: Vec<Complex32> = match format {
        IqFormat::Cf32 => bytes
            .chunks_exact(8)
            .map(|c| {
                Complex32::new(
                    f32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    f32::from_le_bytes([c[4], c[5], c[6], c[7]]),
                )
            })
            .collect(),
        IqFormat::Ci16 => bytes
            .chunks_exact(4)
            .map(|c| {
                Complex32::new(
                    f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0,
                    f32::from(i16::from_le_bytes([c[2], c[3]])) / 32768.0,
                )
            })
            .collect(),
    };
    if let Some(index) = out
        .iter()
        .position(|s| !(s.re.is_finite() && s.im.is_finite()))
    {
        return Err(IqError::NotFinite { index });
    }
    Ok(out)
}

/// Read a whole raw IQ file.
///
/// # Errors
/// As [`decode_iq`], plus I/O errors.
pub fn read_iq_file(path: &Path, format: IqFormat) -> Result<Vec<Complex32>, IqError> {
    let bytes = std::fs::read(path).map_err(|source| IqError::Io {
        path: path.display().to_string(),
        source,
    })?;
    decode_iq(&bytes, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci16_scale_and_errors() {
        let b: Vec<u8> = [16384i16, -32768]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let s = decode_iq(&b, IqFormat::Ci16).unwrap();
        assert_eq!((s[0].re, s[0].im), (0.5, -1.0));
        assert!(matches!(
            decode_iq(&b[..3], IqFormat::Ci16),
            Err(IqError::Truncated { .. })
        ));
        let nan: Vec<u8> = [f32::NAN, 0.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert!(matches!(
            decode_iq(&nan, IqFormat::Cf32),
            Err(IqError::NotFinite { index: 0 })
        ));
        assert!("cs8".parse::<IqFormat>().is_err());
    }
}
