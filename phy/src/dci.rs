//! Downlink control information: payload sizes, CRC attachment masked by the RNTI,
//! tail-biting convolutional coding and rate matching to a PDCCH candidate, blind
//! decoding, and typed parsing of formats 0, 1, 1A, 1C and 2A (FDD).
//!
//! Sizes (36.212 §5.3.3.1): formats 0 and 1A are padded to the same size, then one zero
//! bit is appended while the size is one of {12, 14, 16, 20, 24, 26, 32, 40, 44, 56};
//! format 1 gets one zero bit if it would equal the 0/1A size, and likewise for the
//! ambiguous sizes. Resource allocation type 0 bitmaps use the RBG size P of 36.213
//! Table 7.1.6.1-1.
//!
//! # References
//! 3GPP TS 36.212 §5.3.3 (§5.3.3.1.1–5.3.3.1.5A, §5.3.3.2–5.3.3.4); TS 36.213 §7.1.6.
use crate::fec::convolutional::{self, Viterbi};
use crate::fec::crc::{Crc, CrcKind};
use crate::fec::ratematch::ConvRateMatcher;
use crate::{Error, Result};

/// SI-RNTI.
pub const SI_RNTI: u16 = 0xFFFF;
/// P-RNTI.
pub const P_RNTI: u16 = 0xFFFE;

const AMBIGUOUS: [usize; 10] = [12, 14, 16, 20, 24, 26, 32, 40, 44, 56];

/// DCI formats handled here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Uplink grant.
    F0,
    /// Downlink, resource allocation type 0/1 bitmap, one codeword.
    F1,
    /// Compact downlink (type 2, RIV).
    F1A,
    /// Very compact (SI/P/RA, type 2 with gap step).
    F1C,
    /// Open-loop spatial multiplexing, two codewords.
    F2A,
}

impl Format {
    /// The name used in JSON ("0", "1", "1A", "1C", "2A").
    pub fn name(self) -> &'static str {
        match self {
            Format::F0 => "0",
            Format::F1 => "1",
            Format::F1A => "1A",
            Format::F1C => "1C",
            Format::F2A => "2A",
        }
    }
}

fn log2_ceil(x: usize) -> usize {
    (usize::BITS - (x.max(1) - 1).leading_zeros()) as usize
}

/// RBG size P (36.213 Table 7.1.6.1-1).
pub fn rbg_size(n_prb: usize) -> usize {
    match n_prb {
        0..=10 => 1,
        11..=26 => 2,
        27..=63 => 3,
        _ => 4,
    }
}

/// N'_VRB^DL of format 1C (⌊N_VRB,gap1^DL/N_RB^step⌋, [`crate::ra::n_vrb_1c`]); for a
/// bandwidth outside 6…110 PRBs, ⌊N/step⌋.
fn n_vrb_1c(n_prb: usize) -> usize {
    crate::ra::n_vrb_1c(n_prb).unwrap_or(n_prb / crate::ra::step_1c(n_prb))
}

fn riv_bits(n_prb: usize) -> usize {
    log2_ceil(n_prb * (n_prb + 1) / 2)
}

/// Payload size (bits) of `format` on an FDD cell of `n_prb` PRBs with `ports` ports.
pub fn size(format: Format, n_prb: usize, ports: usize) -> usize {
    let f0 = 1 + 1 + riv_bits(n_prb) + 5 + 1 + 2 + 3 + 1;
    let f1a = 1 + 1 + riv_bits(n_prb) + 5 + 3 + 1 + 2 + 2;
    let mut s01a = f0.max(f1a);
    while AMBIGUOUS.contains(&s01a) {
        s01a += 1;
    }
    match format {
        Format::F0 | Format::F1A => s01a,
        Format::F1 => {
            let mut s =
                usize::from(n_prb > 10) + n_prb.div_ceil(rbg_size(n_prb)) + 5 + 3 + 1 + 2 + 2;
            while s == s01a || AMBIGUOUS.contains(&s) {
                s += 1;
            }
            s
        }
        Format::F1C => {
            let gap = usize::from(n_prb >= 50);
            let n = n_vrb_1c(n_prb);
            gap + log2_ceil(n * (n + 1) / 2) + 5
        }
        Format::F2A => {
            let precoding = if ports == 4 { 2 } else { 0 };
            let mut s = usize::from(n_prb > 10)
                + n_prb.div_ceil(rbg_size(n_prb))
                + 2
                + 3
                + 1
                + 2 * 8
                + precoding;
            while AMBIGUOUS.contains(&s) {
                s += 1;
            }
            s
        }
    }
}

/// Downlink resource allocation type 2 (localized) from a RIV: (first PRB, number of PRBs).
pub fn riv_decode(riv: usize, n_prb: usize) -> Option<(usize, usize)> {
    if n_prb == 0 {
        return None;
    }
    let a = riv / n_prb;
    let b = riv % n_prb;
    let (start, len) = if b + a < n_prb {
        (b, a + 1)
    } else {
        (n_prb - 1 - b, n_prb - a + 1)
    };
    (len >= 1 && start + len <= n_prb).then_some((start, len))
}

/// RIV of (first PRB, length).
pub fn riv_encode(start: usize, len: usize, n_prb: usize) -> usize {
    if len - 1 <= n_prb / 2 {
        n_prb * (len - 1) + start
    } else {
        n_prb * (n_prb - len + 1) + (n_prb - 1 - start)
    }
}

/// A parsed DCI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dci {
    /// Format 0 (uplink grant).
    F0 {
        hopping: bool,
        riv: usize,
        mcs_rv: u8,
        ndi: bool,
        tpc: u8,
        cyclic_shift: u8,
        cqi_request: bool,
    },
    /// Format 1A, localized or distributed VRBs.
    F1A {
        distributed: bool,
        riv: usize,
        mcs: u8,
        harq: u8,
        ndi: bool,
        rv: u8,
        tpc: u8,
    },
    /// Format 1C.
    F1C {
        gap: bool,
        riv: usize,
        tbs_index: u8,
    },
    /// Format 1 (allocation type 0/1 bitmap).
    F1 {
        alloc_type1: bool,
        bitmap: Vec<u8>,
        mcs: u8,
        harq: u8,
        ndi: bool,
        rv: u8,
        tpc: u8,
    },
    /// Format 2A (two transport blocks).
    F2A {
        alloc_type1: bool,
        bitmap: Vec<u8>,
        tpc: u8,
        harq: u8,
        swap: bool,
        tb: [(u8, bool, u8); 2],
        precoding: u8,
    },
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}
impl Reader<'_> {
    fn take(&mut self, n: usize) -> usize {
        let v = self.b[self.i..self.i + n]
            .iter()
            .fold(0usize, |v, &x| (v << 1) | usize::from(x & 1));
        self.i += n;
        v
    }
}

impl Dci {
    /// The format.
    pub fn format(&self) -> Format {
        match self {
            Dci::F0 { .. } => Format::F0,
            Dci::F1A { .. } => Format::F1A,
            Dci::F1C { .. } => Format::F1C,
            Dci::F1 { .. } => Format::F1,
            Dci::F2A { .. } => Format::F2A,
        }
    }

    /// Parse payload `bits` as `format` (payload of [`size`] bits). Formats 0 and 1A share a
    /// size; the first bit tells them apart (0 → format 0).
    ///
    /// # Errors
    /// [`Error::Length`] if `bits.len()` is not the size of `format`.
    pub fn parse(bits: &[u8], format: Format, n_prb: usize, ports: usize) -> Result<Self> {
        let want = size(format, n_prb, ports);
        if bits.len() != want {
            return Err(Error::Length {
                what: "DCI payload",
                expected: want,
                got: bits.len(),
            });
        }
        let mut r = Reader { b: bits, i: 0 };
        let rb = riv_bits(n_prb);
        Ok(match format {
            Format::F0 | Format::F1A => {
                if r.take(1) == 0 {
                    Dci::F0 {
                        hopping: r.take(1) == 1,
                        riv: r.take(rb),
                        mcs_rv: r.take(5) as u8,
                        ndi: r.take(1) == 1,
                        tpc: r.take(2) as u8,
                        cyclic_shift: r.take(3) as u8,
                        cqi_request: r.take(1) == 1,
                    }
                } else {
                    Dci::F1A {
                        distributed: r.take(1) == 1,
                        riv: r.take(rb),
                        mcs: r.take(5) as u8,
                        harq: r.take(3) as u8,
                        ndi: r.take(1) == 1,
                        rv: r.take(2) as u8,
                        tpc: r.take(2) as u8,
                    }
                }
            }
            Format::F1C => {
                let gap = n_prb >= 50 && r.take(1) == 1;
                let n = n_vrb_1c(n_prb);
                Dci::F1C {
                    gap,
                    riv: r.take(log2_ceil(n * (n + 1) / 2)),
                    tbs_index: r.take(5) as u8,
                }
            }
            Format::F1 => {
                let t1 = n_prb > 10 && r.take(1) == 1;
                let nb = n_prb.div_ceil(rbg_size(n_prb));
                let bitmap = bits[r.i..r.i + nb].to_vec();
                r.i += nb;
                Dci::F1 {
                    alloc_type1: t1,
                    bitmap,
                    mcs: r.take(5) as u8,
                    harq: r.take(3) as u8,
                    ndi: r.take(1) == 1,
                    rv: r.take(2) as u8,
                    tpc: r.take(2) as u8,
                }
            }
            Format::F2A => {
                let t1 = n_prb > 10 && r.take(1) == 1;
                let nb = n_prb.div_ceil(rbg_size(n_prb));
                let bitmap = bits[r.i..r.i + nb].to_vec();
                r.i += nb;
                let tpc = r.take(2) as u8;
                let harq = r.take(3) as u8;
                let swap = r.take(1) == 1;
                let mut tb = [(0u8, false, 0u8); 2];
                for t in &mut tb {
                    *t = (r.take(5) as u8, r.take(1) == 1, r.take(2) as u8);
                }
                let precoding = if ports == 4 { r.take(2) as u8 } else { 0 };
                Dci::F2A {
                    alloc_type1: t1,
                    bitmap,
                    tpc,
                    harq,
                    swap,
                    tb,
                    precoding,
                }
            }
        })
    }

    /// Emit the payload bits of this DCI for a cell of `n_prb` PRBs and `ports` CRS ports
    /// (the transmit side of [`Dci::parse`]; zero padding to [`size`]).
    ///
    /// # Errors
    /// [`Error::Length`] when a bitmap has the wrong length for the bandwidth.
    pub fn emit(&self, n_prb: usize, ports: usize) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        let mut put = |x: usize, n: usize| v.extend((0..n).rev().map(|i| ((x >> i) & 1) as u8));
        let nb = n_prb.div_ceil(rbg_size(n_prb));
        let check_bitmap = |b: &[u8]| {
            if b.len() == nb {
                Ok(())
            } else {
                Err(Error::Length {
                    what: "DCI resource-block bitmap",
                    expected: nb,
                    got: b.len(),
                })
            }
        };
        match self {
            Dci::F0 {
                hopping,
                riv,
                mcs_rv,
                ndi,
                tpc,
                cyclic_shift,
                cqi_request,
            } => {
                put(0, 1);
                put(usize::from(*hopping), 1);
                put(*riv, riv_bits(n_prb));
                put(usize::from(*mcs_rv), 5);
                put(usize::from(*ndi), 1);
                put(usize::from(*tpc), 2);
                put(usize::from(*cyclic_shift), 3);
                put(usize::from(*cqi_request), 1);
            }
            Dci::F1A {
                distributed,
                riv,
                mcs,
                harq,
                ndi,
                rv,
                tpc,
            } => {
                put(1, 1);
                put(usize::from(*distributed), 1);
                put(*riv, riv_bits(n_prb));
                put(usize::from(*mcs), 5);
                put(usize::from(*harq), 3);
                put(usize::from(*ndi), 1);
                put(usize::from(*rv), 2);
                put(usize::from(*tpc), 2);
            }
            Dci::F1C {
                gap,
                riv,
                tbs_index,
            } => {
                if n_prb >= 50 {
                    put(usize::from(*gap), 1);
                }
                let n = n_vrb_1c(n_prb);
                put(*riv, log2_ceil(n * (n + 1) / 2));
                put(usize::from(*tbs_index), 5);
            }
            Dci::F1 {
                alloc_type1,
                bitmap,
                mcs,
                harq,
                ndi,
                rv,
                tpc,
            } => {
                check_bitmap(bitmap)?;
                if n_prb > 10 {
                    put(usize::from(*alloc_type1), 1);
                }
                for &b in bitmap {
                    put(usize::from(b & 1), 1);
                }
                put(usize::from(*mcs), 5);
                put(usize::from(*harq), 3);
                put(usize::from(*ndi), 1);
                put(usize::from(*rv), 2);
                put(usize::from(*tpc), 2);
            }
            Dci::F2A {
                alloc_type1,
                bitmap,
                tpc,
                harq,
                swap,
                tb,
                precoding,
            } => {
                check_bitmap(bitmap)?;
                if n_prb > 10 {
                    put(usize::from(*alloc_type1), 1);
                }
                for &b in bitmap {
                    put(usize::from(b & 1), 1);
                }
                put(usize::from(*tpc), 2);
                put(usize::from(*harq), 3);
                put(usize::from(*swap), 1);
                for (m, n, r) in tb {
                    put(usize::from(*m), 5);
                    put(usize::from(*n), 1);
                    put(usize::from(*r), 2);
                }
                if ports == 4 {
                    put(usize::from(*precoding), 2);
                }
            }
        }
        v.resize(size(self.format(), n_prb, ports), 0);
        Ok(v)
    }

    #[allow(clippy::too_many_arguments)]
    /// Emit the payload bits of a format 1A (the transmit side of the SI/paging path).
    pub fn emit_1a(
        distributed: bool,
        riv: usize,
        mcs: u8,
        harq: u8,
        ndi: bool,
        rv: u8,
        tpc: u8,
        n_prb: usize,
    ) -> Vec<u8> {
        let mut v = Vec::new();
        let mut put = |x: usize, n: usize| v.extend((0..n).rev().map(|i| ((x >> i) & 1) as u8));
        put(1, 1);
        put(usize::from(distributed), 1);
        put(riv, riv_bits(n_prb));
        put(usize::from(mcs), 5);
        put(usize::from(harq), 3);
        put(usize::from(ndi), 1);
        put(usize::from(rv), 2);
        put(usize::from(tpc), 2);
        v.resize(size(Format::F1A, n_prb, 1), 0);
        v
    }
}

/// Attach the RNTI-masked CRC16, encode and rate-match a DCI payload to `e` bits
/// (72 per CCE).
///
/// # Errors
/// [`Error::Length`] for an empty payload or `e == 0`.
pub fn encode(payload: &[u8], rnti: u16, e: usize) -> Result<Vec<u8>> {
    let crc = Crc::new(CrcKind::Crc16);
    let p = crc.checksum_bits(payload) as u16 ^ rnti;
    let mut c = payload.to_vec();
    c.extend((0..16).rev().map(|i| ((p >> i) & 1) as u8));
    let d = convolutional::encode(&c)?.concat();
    let mut out = vec![0u8; e];
    ConvRateMatcher::new(c.len())?.rate_match(&d, &mut out)?;
    Ok(out)
}

/// Decode one candidate of `llr` (72·L soft bits) for a payload of `a` bits: returns the
/// payload, the RNTI the CRC was masked with, and the fraction of received hard bits that
/// the re-encoded candidate agrees with (1.0 for a clean decode).
///
/// # Errors
/// [`Error::Length`] for too few soft bits.
pub fn decode_candidate(llr: &[f32], a: usize, vit: &mut Viterbi) -> Result<(Vec<u8>, u16, f32)> {
    let k = a + 16;
    let rm = ConvRateMatcher::new(k)?;
    let mut streams = vec![0f32; 3 * k];
    rm.dematch_add(llr, &mut streams)?;
    let mut inter = vec![0f32; 3 * k];
    for (i, v) in inter.iter_mut().enumerate() {
        *v = streams[(i % 3) * k + i / 3];
    }
    let mut c = vec![0u8; k];
    vit.decode(&inter, &mut c)?;
    let crc = Crc::new(CrcKind::Crc16);
    let rx = c[a..].iter().fold(0u16, |v, &b| (v << 1) | u16::from(b));
    let rnti = crc.checksum_bits(&c[..a]) as u16 ^ rx;
    let re = encode(&c[..a], rnti, llr.len())?;
    let agree = re
        .iter()
        .zip(llr)
        .filter(|(&b, &l)| (l >= 0.0) == (b == 0))
        .count() as f32
        / llr.len().max(1) as f32;
    c.truncate(a);
    Ok((c, rnti, agree))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_riv() {
        assert_eq!(size(Format::F1A, 6, 1), 21);
        assert_eq!(size(Format::F0, 6, 1), 21);
        assert_eq!(size(Format::F1A, 50, 2), 27);
        assert_eq!(size(Format::F1A, 100, 2), 28);
        assert_eq!(size(Format::F1C, 6, 1), 8);
        assert_eq!(riv_decode(11, 6), Some((0, 6)));
        for n in [6usize, 25, 50] {
            for s in 0..n {
                for l in 1..=n - s {
                    assert_eq!(riv_decode(riv_encode(s, l, n), n), Some((s, l)));
                }
            }
        }
    }

    #[test]
    fn emit_parse_roundtrip_all_formats() {
        for (n, ports) in [(6usize, 1usize), (25, 2), (50, 2), (100, 4)] {
            let nb = n.div_ceil(rbg_size(n));
            let bitmap: Vec<u8> = (0..nb).map(|i| (i % 3 == 1) as u8).collect();
            let all = [
                Dci::F0 {
                    hopping: true,
                    riv: 5,
                    mcs_rv: 17,
                    ndi: true,
                    tpc: 2,
                    cyclic_shift: 5,
                    cqi_request: true,
                },
                Dci::F1A {
                    distributed: true,
                    riv: 7,
                    mcs: 9,
                    harq: 5,
                    ndi: true,
                    rv: 2,
                    tpc: 1,
                },
                Dci::F1C {
                    gap: n >= 50,
                    riv: 4,
                    tbs_index: 21,
                },
                Dci::F1 {
                    alloc_type1: n > 10,
                    bitmap: bitmap.clone(),
                    mcs: 27,
                    harq: 6,
                    ndi: true,
                    rv: 3,
                    tpc: 3,
                },
                Dci::F2A {
                    alloc_type1: false,
                    bitmap: bitmap.clone(),
                    tpc: 1,
                    harq: 2,
                    swap: true,
                    tb: [(3, true, 1), (28, false, 2)],
                    precoding: if ports == 4 { 3 } else { 0 },
                },
            ];
            for d in all {
                let b = d.emit(n, ports).unwrap();
                assert_eq!(b.len(), size(d.format(), n, ports));
                assert_eq!(Dci::parse(&b, d.format(), n, ports).unwrap(), d, "N {n}");
            }
        }
    }

    #[test]
    fn encode_decode_with_rnti() {
        let p = Dci::emit_1a(false, 11, 6, 0, false, 3, 1, 6);
        let e = encode(&p, SI_RNTI, 144).unwrap();
        let llr: Vec<f32> = e.iter().map(|&b| if b == 0 { 1.0 } else { -1.0 }).collect();
        let mut v = Viterbi::new();
        let (bits, rnti, agree) = decode_candidate(&llr, p.len(), &mut v).unwrap();
        assert_eq!(rnti, SI_RNTI);
        assert_eq!(bits, p);
        assert_eq!(agree, 1.0);
        let d = Dci::parse(&bits, Format::F1A, 6, 1).unwrap();
        assert_eq!(d.emit(6, 1).unwrap(), p);
        match Dci::parse(&bits, Format::F1A, 6, 1).unwrap() {
            Dci::F1A { riv, mcs, rv, .. } => assert_eq!((riv, mcs, rv), (11, 6, 3)),
            d => panic!("{d:?}"),
        }
    }
}
