//! Cyclic redundancy checks of TS 36.212 §5.1.1.
//!
//! Register initialised to 0, no reflection, no final XOR; parity bits p0…p(L−1) are
//! appended most significant first. Table-driven, eight bytes per step (slice-by-8), for packed bytes; the
//! bit-slice forms (one bit per `u8`) pack as they go.
//!
//! # References
//! 3GPP TS 36.212 §5.1.1 (generator polynomials g_CRC24A, g_CRC24B, g_CRC16, g_CRC8).

/// The four LTE CRCs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrcKind {
    /// g = D^24+D^23+D^18+D^17+D^14+D^11+D^10+D^7+D^6+D^5+D^4+D^3+D+1 (transport blocks).
    Crc24A,
    /// g = D^24+D^23+D^6+D^5+D+1 (code blocks).
    Crc24B,
    /// g = D^16+D^12+D^5+1 (BCH, DCI).
    Crc16,
    /// g = D^8+D^7+D^4+D^3+D+1 (UCI).
    Crc8,
}

impl CrcKind {
    /// Number of parity bits L.
    pub const fn parity_bits(self) -> usize {
        match self {
            CrcKind::Crc24A | CrcKind::Crc24B => 24,
            CrcKind::Crc16 => 16,
            CrcKind::Crc8 => 8,
        }
    }

    /// The generator polynomial without its leading D^L term.
    pub const fn poly(self) -> u32 {
        match self {
            CrcKind::Crc24A => 0x86_4cfb,
            CrcKind::Crc24B => 0x80_0063,
            CrcKind::Crc16 => 0x1021,
            CrcKind::Crc8 => 0x9b,
        }
    }
}

/// A table-driven CRC calculator for one [`CrcKind`].
#[derive(Clone)]
pub struct Crc {
    kind: CrcKind,
    table: [u32; 256],
    /// Slice-by-8 tables on the register aligned to the top of a `u32` (`r << (32 − L)`):
    /// `slice[k][b]` advances byte `b` followed by `k` zero bytes.
    slice: Box<[[u32; 256]; 8]>,
}

impl std::fmt::Debug for Crc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crc").field("kind", &self.kind).finish()
    }
}

impl Crc {
    /// Build the byte table for `kind`.
    pub fn new(kind: CrcKind) -> Self {
        let l = kind.parity_bits() as u32;
        let mask = if l == 32 { u32::MAX } else { (1u32 << l) - 1 };
        let top = 1u32 << (l - 1);
        let mut table = [0u32; 256];
        for (b, t) in table.iter_mut().enumerate() {
            // Shift the byte in at the top of the L-bit register.
            let mut r = if l >= 8 {
                (b as u32) << (l - 8)
            } else {
                b as u32
            };
            if l >= 8 {
                for _ in 0..8 {
                    r = if r & top != 0 {
                        ((r << 1) ^ kind.poly()) & mask
                    } else {
                        (r << 1) & mask
                    };
                }
            }
            *t = r;
        }
        let sh = 32 - l;
        let mut slice = Box::new([[0u32; 256]; 8]);
        for b in 0..256 {
            slice[0][b] = table[b] << sh;
        }
        for k in 1..8 {
            for b in 0..256 {
                let prev = slice[k - 1][b];
                slice[k][b] = (prev << 8) ^ slice[0][(prev >> 24) as usize];
            }
        }
        Crc { kind, table, slice }
    }

    /// The kind this calculator computes.
    pub fn kind(&self) -> CrcKind {
        self.kind
    }

    #[inline]
    fn update_byte(&self, r: u32, byte: u8) -> u32 {
        let l = self.kind.parity_bits() as u32;
        let mask = (1u32 << l) - 1;
        let idx = ((r >> (l - 8)) as u8) ^ byte;
        ((r << 8) & mask) ^ self.table[idx as usize]
    }

    #[inline]
    fn update_bit(&self, r: u32, bit: u8) -> u32 {
        let l = self.kind.parity_bits() as u32;
        let mask = (1u32 << l) - 1;
        let fb = ((r >> (l - 1)) as u8 & 1) ^ (bit & 1);
        let r = (r << 1) & mask;
        if fb != 0 {
            r ^ self.kind.poly()
        } else {
            r
        }
    }

    /// CRC of packed bytes (MSB of each byte first).
    pub fn checksum_bytes(&self, bytes: &[u8]) -> u32 {
        // Eight bytes per step (slice-by-8) on the top-aligned register: the register is
        // XORed into the first four bytes, each of the eight bytes is advanced through the
        // zero bytes that follow it in the word by its own table; then bytewise.
        let sh = 32 - self.kind.parity_bits() as u32;
        let t = &*self.slice;
        let mut r = 0u32;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_be_bytes(c.try_into().expect("8 bytes"));
            let x = r ^ (w >> 32) as u32;
            let y = w as u32;
            r = t[7][(x >> 24) as usize]
                ^ t[6][((x >> 16) & 0xff) as usize]
                ^ t[5][((x >> 8) & 0xff) as usize]
                ^ t[4][(x & 0xff) as usize]
                ^ t[3][(y >> 24) as usize]
                ^ t[2][((y >> 16) & 0xff) as usize]
                ^ t[1][((y >> 8) & 0xff) as usize]
                ^ t[0][(y & 0xff) as usize];
        }
        chunks
            .remainder()
            .iter()
            .fold(r >> sh, |r, &b| self.update_byte(r, b))
    }

    /// CRC of a bit slice (one bit per byte, first bit first).
    pub fn checksum_bits(&self, bits: &[u8]) -> u32 {
        let mut r = 0u32;
        let mut chunks = bits.chunks_exact(8);
        for c in &mut chunks {
            // Pack eight 0/1 bytes, first bit into the MSB: the multiply moves byte i's low
            // bit to bit 63 − i of the product without carries.
            let x = u64::from_le_bytes(c.try_into().expect("8 bytes")) & 0x0101_0101_0101_0101;
            let byte = (x.wrapping_mul(0x8040_2010_0804_0201) >> 56) as u8;
            r = self.update_byte(r, byte);
        }
        for &b in chunks.remainder() {
            r = self.update_bit(r, b);
        }
        r
    }

    /// Append the L parity bits of `bits` to it (p0, the MSB of the CRC, first).
    pub fn attach_bits(&self, bits: &mut Vec<u8>) {
        let c = self.checksum_bits(bits);
        let l = self.kind.parity_bits();
        bits.extend((0..l).rev().map(|i| ((c >> i) & 1) as u8));
    }

    /// True if `bits` (message followed by its L parity bits) has a zero syndrome.
    pub fn check_bits(&self, bits_with_crc: &[u8]) -> bool {
        bits_with_crc.len() >= self.kind.parity_bits() && self.checksum_bits(bits_with_crc) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascii_bits(s: &[u8]) -> Vec<u8> {
        s.iter()
            .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
            .collect()
    }

    /// The catalogue "check" values (CRC-24/LTE-A, CRC-24/LTE-B, CRC-16/XMODEM, CRC-8/LTE).
    #[test]
    fn check_values() {
        let m = ascii_bits(b"123456789");
        assert_eq!(Crc::new(CrcKind::Crc24A).checksum_bits(&m), 0xCDE703);
        assert_eq!(Crc::new(CrcKind::Crc24B).checksum_bits(&m), 0x23EF52);
        assert_eq!(Crc::new(CrcKind::Crc16).checksum_bits(&m), 0x31C3);
        assert_eq!(Crc::new(CrcKind::Crc8).checksum_bits(&m), 0xEA);
        assert_eq!(
            Crc::new(CrcKind::Crc24A).checksum_bytes(b"123456789"),
            0xCDE703
        );
    }

    /// Slice-by-8 over bytes equals the bitwise CRC at every length and alignment.
    #[test]
    fn bytes_match_bits_all_kinds() {
        let data: Vec<u8> = (0..64u32).map(|i| (i * 151 + 7) as u8).collect();
        for kind in [
            CrcKind::Crc24A,
            CrcKind::Crc24B,
            CrcKind::Crc16,
            CrcKind::Crc8,
        ] {
            let crc = Crc::new(kind);
            for n in 0..data.len() {
                let bits = ascii_bits(&data[..n]);
                assert_eq!(
                    crc.checksum_bytes(&data[..n]),
                    crc.checksum_bits(&bits),
                    "{kind:?} {n} bytes"
                );
            }
        }
    }

    #[test]
    fn attach_then_check_and_odd_lengths() {
        for kind in [
            CrcKind::Crc24A,
            CrcKind::Crc24B,
            CrcKind::Crc16,
            CrcKind::Crc8,
        ] {
            let crc = Crc::new(kind);
            for n in [0usize, 1, 7, 13, 40] {
                let mut bits: Vec<u8> = (0..n).map(|i| ((i * 7 + 3) % 5 % 2) as u8).collect();
                crc.attach_bits(&mut bits);
                assert!(crc.check_bits(&bits), "{kind:?} n={n}");
                bits[0] ^= 1;
                assert!(!crc.check_bits(&bits), "{kind:?} n={n} flipped");
            }
        }
    }
}
