//! The broadcast channel: MIB → CRC16 masked by the antenna-port count → tail-biting
//! convolutional code → convolutional rate matching to E bits (1920 normal CP, 1728
//! extended), and the reverse.
//!
//! # References
//! 3GPP TS 36.212 §5.3.1 (Table 5.3.1.1-1 masks), §5.1.3.1, §5.1.4.2.

use crate::fec::convolutional::{self, Viterbi};
use crate::fec::crc::{Crc, CrcKind};
use crate::fec::ratematch::ConvRateMatcher;
use crate::{Error, Result};

/// BCH payload bits (the MIB).
pub const A: usize = 24;
/// Payload plus CRC.
pub const K: usize = 40;

/// The CRC mask for 1, 2 or 4 ports.
///
/// # Panics
/// For other port counts.
pub fn port_mask(ports: usize) -> u16 {
    match ports {
        1 => 0x0000,
        2 => 0xFFFF,
        4 => 0x5555,
        _ => panic!("BCH: {ports} antenna ports"),
    }
}

/// Encode a MIB for `ports` into E rate-matched bits.
///
/// # Errors
/// [`Error::Length`] if `mib` is not 24 bits; [`Error::Unsupported`] for ports ∉ {1,2,4}.
pub fn encode(mib: &[u8], ports: usize, e: usize) -> Result<Vec<u8>> {
    if mib.len() != A {
        return Err(Error::Length {
            what: "MIB",
            expected: A,
            got: mib.len(),
        });
    }
    if ![1, 2, 4].contains(&ports) {
        return Err(Error::Unsupported {
            what: "antenna ports",
            value: ports.to_string(),
        });
    }
    let crc = Crc::new(CrcKind::Crc16);
    let p = crc.checksum_bits(mib) as u16 ^ port_mask(ports);
    let mut c = mib.to_vec();
    c.extend((0..16).rev().map(|i| ((p >> i) & 1) as u8));
    let d = convolutional::encode(&c)?.concat();
    let mut out = vec![0u8; e];
    ConvRateMatcher::new(K)?.rate_match(&d, &mut out)?;
    Ok(out)
}

/// Result of a BCH decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BchDecoded {
    /// The 24 MIB bits.
    pub mib: [u8; 24],
    /// Antenna ports given by the CRC mask.
    pub ports: usize,
}

/// Decode E soft bits (LLR > 0 for 0; 0 where nothing was received) into a MIB, trying
/// the port masks in `ports_to_try`. `None` when no mask gives a zero CRC syndrome.
///
/// # Errors
/// [`Error::Length`] if `llr` is shorter than 3·K.
pub fn decode(
    llr: &[f32],
    ports_to_try: &[usize],
    vit: &mut Viterbi,
) -> Result<Option<BchDecoded>> {
    if llr.len() < 3 * K {
        return Err(Error::Length {
            what: "BCH soft bits",
            expected: 3 * K,
            got: llr.len(),
        });
    }
    let mut streams = [0f32; 3 * K];
    ConvRateMatcher::new(K)?.dematch_add(llr, &mut streams)?;
    let mut acc = [0f32; 3 * K];
    for (i, a) in acc.iter_mut().enumerate() {
        *a = streams[(i % 3) * K + i / 3];
    }
    let mut c = [0u8; K];
    vit.decode(&acc, &mut c)?;
    let crc = Crc::new(CrcKind::Crc16);
    let got = crc.checksum_bits(&c[..A]) as u16;
    let rx = c[A..].iter().fold(0u16, |v, &b| (v << 1) | u16::from(b));
    for &p in ports_to_try {
        if [1, 2, 4].contains(&p) && got ^ port_mask(p) == rx {
            let mut mib = [0u8; 24];
            mib.copy_from_slice(&c[..A]);
            return Ok(Some(BchDecoded { mib, ports: p }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_with_a_quarter_of_the_bits() {
        let mib: Vec<u8> = (0..24)
            .map(|i| ((0x681C00u32 >> (23 - i)) & 1) as u8)
            .collect();
        let e = encode(&mib, 2, 1920).unwrap();
        let mut llr: Vec<f32> = e.iter().map(|&b| if b == 0 { 1.0 } else { -1.0 }).collect();
        // Only frame 2 of 4 received.
        for (i, l) in llr.iter_mut().enumerate() {
            if !(960..1440).contains(&i) {
                *l = 0.0;
            }
        }
        let mut v = Viterbi::new();
        let d = decode(&llr, &[1, 2, 4], &mut v).unwrap().unwrap();
        assert_eq!(d.ports, 2);
        assert_eq!(&d.mib[..], &mib[..]);
        assert_eq!(decode(&llr, &[1, 4], &mut v).unwrap(), None);
    }
}
