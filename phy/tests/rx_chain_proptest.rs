//! No panic anywhere in the receive chain on arbitrary samples: cell search plus the full
//! subframe receive (PCFICH, PDCCH blind search over the common and a C-RNTI's UE-specific
//! space, DCI, resource allocation, PDSCH, DL-SCH) on random samples of extreme magnitude
//! (from subnormal to near f32::MAX, no NaN: the CLI rejects NaN files), on a real-looking
//! capture with such samples spliced in, and DCI parsing/allocation on arbitrary bits.
//! The libFuzzer target in `phy/fuzz/` covers the same chain for longer runs.

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::dci::{self, Dci, Format};
use lastmile_phy::pdsch::receive_capture;
use lastmile_phy::{ra, Complex32};
use proptest::prelude::*;

mod common;
use common::synthetic_frame;

fn extreme() -> impl Strategy<Value = f32> {
    prop_oneof![
        -1e3f32..1e3,
        Just(0.0f32),
        Just(f32::MAX / 4.0),
        Just(-f32::MAX / 4.0),
        Just(f32::MIN_POSITIVE),
        Just(1e-40f32),
        Just(-1e-40f32),
        -1e30f32..1e30,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn chain_never_panics_on_extreme_samples(
        v in prop::collection::vec((extreme(), extreme()), 0..4000),
        rate_idx in 0usize..3,
        rnti_idx in 0usize..3,
    ) {
        let rate = [1.92e6, 3.84e6, 1.0e6][rate_idx];
        let rntis: &[u16] = [&[][..], &[0xFFFF][..], &[0x1234, 0xFFFE][..]][rnti_idx];
        let x: Vec<Complex32> = v.into_iter().map(|(a, b)| Complex32::new(a, b)).collect();
        if let Ok(cells) = search(&x, rate, &SearchConfig::default()) {
            for c in cells.iter().take(1) {
                let _ = receive_capture(&x, rate, c, rntis, false);
            }
        }
    }

    #[test]
    fn capture_with_extreme_splices_never_panics(
        pci in 0u16..504,
        ports_idx in 0usize..3,
        splices in prop::collection::vec((0usize..19200, extreme(), extreme()), 1..200),
        rnti_idx in 0usize..3,
    ) {
        let ports = [1, 2, 4][ports_idx];
        let rntis: &[u16] = [&[][..], &[0xFFFF][..], &[0x0BEE][..]][rnti_idx];
        let mut x = synthetic_frame(pci, ports, 3);
        for (i, a, b) in splices {
            x[i] = Complex32::new(a, b);
        }
        if let Ok(cells) = search(&x, 1.92e6, &SearchConfig::default()) {
            for c in cells.iter().take(1) {
                let _ = receive_capture(&x, 1.92e6, c, rntis, false);
            }
        }
    }

    #[test]
    fn dci_parse_and_allocation_never_panic(
        bits in prop::collection::vec(0u8..2, 0..64),
        n_prb in 6usize..=110,
        ports_idx in 0usize..3,
        rnti in any::<u16>(),
    ) {
        let ports = [1, 2, 4][ports_idx];
        for f in [Format::F0, Format::F1, Format::F1A, Format::F1C, Format::F2A] {
            let s = dci::size(f, n_prb, ports);
            if bits.len() >= s {
                if let Ok(d) = Dci::parse(&bits[..s], f, n_prb, ports) {
                    let _ = ra::from_dci(&d, n_prb, rnti);
                    let _ = lastmile_phy::pdsch::assignment(&d, rnti, n_prb);
                    // What parses, emits back to the same bits (padding is zero).
                    let e = d.emit(n_prb, ports).unwrap();
                    prop_assert_eq!(Dci::parse(&e, f, n_prb, ports).unwrap(), d);
                }
            }
        }
    }
}
