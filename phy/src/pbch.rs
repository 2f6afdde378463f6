//! Physical broadcast channel: resource-element mapping, scrambling, and the receive path
//! from a demodulated subframe 0 to BCH soft bits.
//!
//! The PBCH occupies the central 72 subcarriers of symbols 0–3 of slot 1 of subframe 0,
//! skipping every resource element that the CRS of four ports could use (whatever the
//! actual port count). QPSK; 240 (normal CP) or 216 (extended CP) symbols per frame, i.e.
//! 480/432 of the E = 1920/1728 scrambled bits of the 40 ms BCH TTI; c_init = N_ID^cell.
//!
//! # References
//! 3GPP TS 36.211 §6.6.

use crate::equalize::{self, Equalizer};
use crate::estimation::ChannelEstimate;
use crate::grid::ResourceGrid;
use crate::numerology::CyclicPrefix;
use crate::sequence::Gold;
use crate::Complex32;

/// Scrambled bits of the whole 40 ms TTI: 1920 (normal CP) or 1728 (extended CP).
pub const fn e_bits(cp: CyclicPrefix) -> usize {
    match cp {
        CyclicPrefix::Normal => 1920,
        CyclicPrefix::Extended => 1728,
    }
}

/// PBCH resource elements (k, l) of subframe 0 in mapping order (k first, then l), for a
/// grid of `n_sc` subcarriers; l counts symbols of the subframe.
pub fn resource_elements(n_sc: usize, pci: u16, cp: CyclicPrefix) -> Vec<(usize, usize)> {
    let nsym = cp.symbols_per_slot();
    let vshift = usize::from(pci) % 3;
    let k0 = n_sc / 2 - 36;
    let mut out = Vec::with_capacity(240);
    for l in 0..4 {
        let reserved = l == 0 || l == 1 || l == nsym - 3;
        for k in k0..k0 + 72 {
            if reserved && k % 3 == vshift {
                continue;
            }
            out.push((k, nsym + l));
        }
    }
    out
}

/// Equalise the PBCH of a demodulated subframe 0 for `ports` (1, 2, 4) and return its
/// 2·n_re LLRs (LLR > 0 for bit 0), still scrambled.
pub fn soft_bits<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    est: &ChannelEstimate,
    pci: u16,
    cp: CyclicPrefix,
    ports: usize,
) -> Vec<f32> {
    let res = resource_elements(grid.n_sc(), pci, cp);
    let y: Vec<Complex32> = res.iter().map(|&(k, l)| grid.re(k, l)).collect();
    let mut eq = vec![(Complex32::default(), 0f32); y.len()];
    if ports == 1 {
        let h: Vec<Complex32> = res.iter().map(|&(k, l)| est.at(0, k, l)).collect();
        equalize::single_port(Equalizer::Mmse, &y, &h, est.noise_var, &mut eq);
    } else {
        let hs: Vec<Vec<Complex32>> = (0..ports)
            .map(|p| res.iter().map(|&(k, l)| est.at(p, k, l)).collect())
            .collect();
        let hr: Vec<&[Complex32]> = hs.iter().map(|v| v.as_slice()).collect();
        equalize::sfbc(&y, &hr, ports, est.noise_var, &mut eq);
    }
    qpsk_llrs(&eq)
}

/// QPSK max-log LLRs from equalised symbols and their noise variances.
pub fn qpsk_llrs(eq: &[(Complex32, f32)]) -> Vec<f32> {
    let k = 2.0 * std::f32::consts::SQRT_2;
    eq.iter()
        .flat_map(|(x, v)| {
            let s = k / v.max(1e-9);
            [x.re * s, x.im * s]
        })
        .collect()
}

/// Descramble the LLRs of frame `frame_in_tti` (0…3) and place them in a TTI-length soft
/// buffer (zeros elsewhere), ready for [`crate::transport::bch::decode`].
pub fn tti_buffer(llr: &[f32], frame_in_tti: usize, pci: u16, cp: CyclicPrefix) -> Vec<f32> {
    let e = e_bits(cp);
    let per = e / 4;
    let mut buf = vec![0f32; e];
    let mut g = Gold::new(u32::from(pci));
    g.skip(per * frame_in_tti);
    let dst = &mut buf[per * frame_in_tti..per * (frame_in_tti + 1)];
    for (d, &l) in dst.iter_mut().zip(llr) {
        *d = if g.next_bit() == 1 { -l } else { l };
    }
    buf
}

/// Map the PBCH of frame `frame_in_tti` onto subframe-0 grids of each port, transmit
/// diversity for 2/4 ports. `e_scrambled` is the whole TTI (E bits, already scrambled).
///
/// # Panics
/// If `grids.len() < ports` or `e_scrambled` is shorter than E.
pub fn map<T: AsRef<[Complex32]> + AsMut<[Complex32]>>(
    grids: &mut [ResourceGrid<T>],
    e_scrambled: &[u8],
    frame_in_tti: usize,
    pci: u16,
    cp: CyclicPrefix,
    ports: usize,
) {
    let e = e_bits(cp);
    let per = e / 4;
    let bits = &e_scrambled[per * frame_in_tti..per * (frame_in_tti + 1)];
    let mut x = vec![Complex32::default(); per / 2];
    crate::modulation::map(crate::modulation::Modulation::Qpsk, bits, &mut x);
    let res = resource_elements(grids[0].n_sc(), pci, cp);
    if ports == 1 {
        for (&(k, l), v) in res.iter().zip(&x) {
            grids[0].set(k, l, *v);
        }
    } else {
        let mut y = vec![Vec::new(); 4];
        equalize::sfbc_encode(&x, ports, &mut y);
        for (p, g) in grids.iter_mut().enumerate().take(ports) {
            for (&(k, l), v) in res.iter().zip(&y[p]) {
                g.set(k, l, *v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_counts() {
        assert_eq!(resource_elements(72, 150, CyclicPrefix::Normal).len(), 240);
        assert_eq!(resource_elements(600, 1, CyclicPrefix::Extended).len(), 216);
        let r = resource_elements(72, 150, CyclicPrefix::Normal);
        assert_eq!(r[0], (1, 7));
    }
}
