//! Fuzz the downlink receive chain on arbitrary samples: cell search, then the full
//! subframe receive (PCFICH, PDCCH blind search over common and UE-specific spaces, DCI
//! parsing, resource allocation, PDSCH, DL-SCH) of every cell found; and DCI parsing plus
//! resource allocation on arbitrary bits. Nothing may panic.
//!
//! Input: byte 0 picks the sample rate and format, byte 1 the RNTI set, the rest are the
//! samples (cf32 little endian, or ci16); non-finite floats are zeroed, as the CLI rejects
//! NaN files before they reach the library.
#![no_main]

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::dci::{self, Dci, Format};
use lastmile_phy::pdsch::receive_capture;
use lastmile_phy::{ra, Complex32};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let rates = [1.92e6, 3.84e6, 7.68e6, 1.0e6];
    let rate = rates[usize::from(data[0] & 3)];
    let ci16 = data[0] & 4 != 0;
    let rntis: &[u16] = match data[1] % 3 {
        0 => &[],
        1 => &[0xFFFF],
        _ => &[0x1234, 0xFFFE],
    };
    let body = &data[2..];
    // DCI parsing and allocation on the raw bits of the input.
    let bits: Vec<u8> = body
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1))
        .collect();
    for n_prb in [6usize, 15, 25, 50, 75, 100] {
        for f in [Format::F0, Format::F1, Format::F1A, Format::F1C, Format::F2A] {
            let s = dci::size(f, n_prb, 2);
            if bits.len() >= s {
                if let Ok(d) = Dci::parse(&bits[..s], f, n_prb, 2) {
                    let _ = ra::from_dci(&d, n_prb, rntis.first().copied().unwrap_or(0xFFFF));
                    let _ = lastmile_phy::pdsch::assignment(&d, 0x1234, n_prb);
                }
            }
        }
    }
    let x: Vec<Complex32> = if ci16 {
        body.chunks_exact(4)
            .map(|c| {
                Complex32::new(
                    f32::from(i16::from_le_bytes([c[0], c[1]])),
                    f32::from(i16::from_le_bytes([c[2], c[3]])),
                )
            })
            .collect()
    } else {
        body.chunks_exact(8)
            .map(|c| {
                let f = |b: &[u8]| {
                    let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if v.is_finite() {
                        v
                    } else {
                        0.0
                    }
                };
                Complex32::new(f(&c[..4]), f(&c[4..]))
            })
            .collect()
    };
    if let Ok(cells) = search(&x, rate, &SearchConfig::default()) {
        for c in cells.iter().take(2) {
            let _ = receive_capture(&x, rate, c, rntis, false);
        }
    }
});
