//! The master information block (24 bits on the BCH).
//!
//! Layout (ASN.1 UPER of `MasterInformationBlock`, 36.331 §6.2.2): dl-Bandwidth (3 bits:
//! n6, n15, n25, n50, n75, n100), phich-Config (duration 1 bit: normal/extended;
//! resource 2 bits: 1/6, 1/2, 1, 2), systemFrameNumber (8 MSBs of the SFN), 10 spare bits.
//! The two SFN LSBs come from the position of the 10 ms frame in the 40 ms BCH TTI.
//!
//! # References
//! 3GPP TS 36.331 §6.2.2; TS 36.211 §6.6; TS 36.212 §5.3.1.

use crate::{Error, Result};

/// PHICH duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhichDuration {
    /// One OFDM symbol.
    Normal,
    /// Two or three symbols.
    Extended,
}

/// PHICH resource N_g.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhichResource {
    /// N_g = 1/6.
    OneSixth,
    /// N_g = 1/2.
    Half,
    /// N_g = 1.
    One,
    /// N_g = 2.
    Two,
}

impl PhichResource {
    /// N_g as a fraction (numerator, denominator).
    pub fn ng(self) -> (usize, usize) {
        match self {
            PhichResource::OneSixth => (1, 6),
            PhichResource::Half => (1, 2),
            PhichResource::One => (1, 1),
            PhichResource::Two => (2, 1),
        }
    }
    /// The contract string: "1/6", "1/2", "1", "2".
    pub fn as_str(self) -> &'static str {
        match self {
            PhichResource::OneSixth => "1/6",
            PhichResource::Half => "1/2",
            PhichResource::One => "1",
            PhichResource::Two => "2",
        }
    }
}

impl PhichDuration {
    /// The contract string: "normal" or "extended".
    pub fn as_str(self) -> &'static str {
        match self {
            PhichDuration::Normal => "normal",
            PhichDuration::Extended => "extended",
        }
    }
}

/// A parsed MIB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mib {
    /// Downlink bandwidth N_RB^DL (6, 15, 25, 50, 75, 100).
    pub n_prb: usize,
    /// PHICH duration.
    pub phich_duration: PhichDuration,
    /// PHICH resource.
    pub phich_resource: PhichResource,
    /// The 8 most significant bits of the SFN.
    pub sfn_msb: u8,
}

const BW: [usize; 6] = [6, 15, 25, 50, 75, 100];

impl Mib {
    /// Parse the 24 MIB bits (one per byte).
    ///
    /// # Errors
    /// [`Error::Length`] for other than 24 bits; [`Error::Unsupported`] for the reserved
    /// bandwidth codes 6 and 7.
    pub fn parse(bits: &[u8]) -> Result<Self> {
        if bits.len() != 24 {
            return Err(Error::Length {
                what: "MIB bits",
                expected: 24,
                got: bits.len(),
            });
        }
        let val = |a: usize, n: usize| {
            bits[a..a + n]
                .iter()
                .fold(0usize, |v, &b| (v << 1) | usize::from(b & 1))
        };
        let bw = val(0, 3);
        let n_prb = *BW.get(bw).ok_or(Error::Unsupported {
            what: "MIB dl-Bandwidth code",
            value: bw.to_string(),
        })?;
        let phich_duration = if bits[3] & 1 == 0 {
            PhichDuration::Normal
        } else {
            PhichDuration::Extended
        };
        let phich_resource = [
            PhichResource::OneSixth,
            PhichResource::Half,
            PhichResource::One,
            PhichResource::Two,
        ][val(4, 2)];
        Ok(Mib {
            n_prb,
            phich_duration,
            phich_resource,
            sfn_msb: val(6, 8) as u8,
        })
    }

    /// The 24 MIB bits (spare bits zero).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `n_prb` is not a standard bandwidth.
    pub fn emit(&self) -> Result<[u8; 24]> {
        let bw = BW
            .iter()
            .position(|&b| b == self.n_prb)
            .ok_or(Error::Unsupported {
                what: "MIB bandwidth",
                value: self.n_prb.to_string(),
            })?;
        let res = match self.phich_resource {
            PhichResource::OneSixth => 0,
            PhichResource::Half => 1,
            PhichResource::One => 2,
            PhichResource::Two => 3,
        };
        let mut v: u32 = (bw as u32) << 21;
        v |= u32::from(self.phich_duration == PhichDuration::Extended) << 20;
        v |= res << 18;
        v |= u32::from(self.sfn_msb) << 10;
        let mut out = [0u8; 24];
        for (i, o) in out.iter_mut().enumerate() {
            *o = ((v >> (23 - i)) & 1) as u8;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_mib() {
        let bits: Vec<u8> = (0..24)
            .map(|i| ((0x681C00u32 >> (23 - i)) & 1) as u8)
            .collect();
        let m = Mib::parse(&bits).unwrap();
        assert_eq!(m.n_prb, 50);
        assert_eq!(m.phich_duration, PhichDuration::Normal);
        assert_eq!(m.phich_resource, PhichResource::One);
        assert_eq!(m.sfn_msb, 7);
        assert_eq!(&m.emit().unwrap()[..], &bits[..]);
    }
}
