//! The receive chain never panics on arbitrary samples: cell search on random captures of
//! random length and rate, and the full downlink receive on a synthetic capture with random
//! corruption (scaling, zeroed stretches, impulses, truncation).

use lastmile_phy::cellsearch::{search, SearchConfig};
use lastmile_phy::pdsch::receive_capture;
use lastmile_phy::Complex32;
use proptest::prelude::*;

mod common;
use common::synthetic_frame;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn search_never_panics_on_random_samples(
        v in prop::collection::vec((-1e3f32..1e3, -1e3f32..1e3), 0..5000),
        rate_idx in 0usize..4,
    ) {
        let rate = [1.92e6, 3.84e6, 1.0e6, 7.68e6][rate_idx];
        let x: Vec<Complex32> = v.into_iter().map(|(a, b)| Complex32::new(a, b)).collect();
        let _ = search(&x, rate, &SearchConfig::default());
    }

    #[test]
    fn receive_never_panics_on_corrupted_capture(
        pci in 0u16..504,
        ports_idx in 0usize..3,
        scale in 1e-6f32..1e6,
        cut in 0usize..19200,
        zero_at in 0usize..19200,
        zero_len in 0usize..4000,
        impulses in prop::collection::vec((0usize..19200, -1e4f32..1e4), 0..20),
    ) {
        let ports = [1, 2, 4][ports_idx];
        let mut x = synthetic_frame(pci, ports, 1);
        for v in &mut x {
            *v *= scale;
        }
        for v in x.iter_mut().skip(zero_at).take(zero_len) {
            *v = Complex32::default();
        }
        for (i, a) in impulses {
            x[i] = Complex32::new(a, -a);
        }
        x.truncate(x.len() - cut);
        if let Ok(cells) = search(&x, 1.92e6, &SearchConfig::default()) {
            for c in cells.iter().take(1) {
                let _ = receive_capture(&x, 1.92e6, c, &[], false);
            }
        }
    }
}
