//! Physical downlink control channel: resource-element groups of the control region, the
//! quadruplet interleaver and cyclic shift, scrambling, CCE extraction and mapping.
//!
//! REGs (36.211 §6.2.4): symbol 0 — two per PRB, six subcarriers each minus the two CRS
//! positions (k ≡ N_ID mod 3); symbol 1 — the same with four ports, else three REGs of four
//! subcarriers; symbols 2, 3 — three REGs of four. PDCCH REGs are all those not taken by
//! PCFICH/PHICH, ordered by lowest subcarrier first, then symbol (time-first).
//! The quadruplet sequence z (CCE n = quadruplets 9n…9n+8) is permuted by the
//! convolutional sub-block interleaver (36.212 §5.1.4.2.1), cyclically shifted,
//! w̄(i) = w((i + N_ID) mod M_quad), and mapped onto the REGs in order. Bits are scrambled
//! over the whole control region with c_init = ⌊ns/2⌋·2⁹ + N_ID.
//!
//! Search spaces ([`candidates`]): the common space (aggregation 4/8 in CCEs 0…15) and the
//! UE-specific space of a C-RNTI, which moves every subframe with Y_k ([`ue_y`]).
//!
//! # References
//! 3GPP TS 36.211 §6.2.4, §6.8; TS 36.213 §9.1.1.
use crate::equalize::{self, Equalizer};
use crate::estimation::ChannelEstimate;
use crate::fec::subblock;
use crate::grid::ResourceGrid;
use crate::sequence::Gold;
use crate::Complex32;

/// A resource-element group: its symbol and its four data subcarriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reg {
    /// Symbol of the subframe.
    pub l: usize,
    /// The four subcarriers, increasing.
    pub k: [usize; 4],
}

/// The REGs of control symbol `l` (0…3), increasing frequency.
pub fn regs_in_symbol(l: usize, n_prb: usize, ports: usize, pci: u16) -> Vec<Reg> {
    let vs = usize::from(pci) % 3;
    let mut out = Vec::new();
    for prb in 0..n_prb {
        let k0 = 12 * prb;
        if l == 0 || (l == 1 && ports == 4) {
            for half in 0..2 {
                let ks: Vec<usize> = (k0 + 6 * half..k0 + 6 * half + 6)
                    .filter(|k| k % 3 != vs)
                    .collect();
                out.push(Reg {
                    l,
                    k: [ks[0], ks[1], ks[2], ks[3]],
                });
            }
        } else {
            for q in 0..3 {
                let b = k0 + 4 * q;
                out.push(Reg {
                    l,
                    k: [b, b + 1, b + 2, b + 3],
                });
            }
        }
    }
    out
}

/// The control-region layout of one subframe.
#[derive(Debug, Clone)]
pub struct ControlRegion {
    /// Symbol-0 REGs (PCFICH and PHICH index into these).
    pub regs0: Vec<Reg>,
    /// PDCCH REGs in mapping order.
    pub pdcch_regs: Vec<Reg>,
    /// Number of CCEs ⌊N_REG/9⌋.
    pub n_cce: usize,
}

impl ControlRegion {
    /// Lay out a control region of `n_ctrl` symbols; `phich_groups` from
    /// [`crate::phich::n_groups`].
    pub fn new(n_prb: usize, ports: usize, pci: u16, n_ctrl: usize, phich_groups: usize) -> Self {
        let regs0 = regs_in_symbol(0, n_prb, ports, pci);
        let pcfich = crate::pcfich::reg_indices(n_prb, pci);
        let phich = crate::phich::reg_indices(regs0.len(), &pcfich, phich_groups, pci);
        let mut per_sym: Vec<Vec<(Reg, bool)>> = Vec::new();
        for l in 0..n_ctrl.min(4) {
            let regs = if l == 0 {
                regs0.clone()
            } else {
                regs_in_symbol(l, n_prb, ports, pci)
            };
            let used: Vec<(Reg, bool)> = regs
                .into_iter()
                .enumerate()
                .map(|(i, r)| (r, l == 0 && (pcfich.contains(&i) || phich.contains(&i))))
                .collect();
            per_sym.push(used);
        }
        // Time-first order over the lowest subcarrier of each REG.
        // The REG "starts" at the first subcarrier of its 6- or 4-wide block.
        let mut all: Vec<(usize, usize, Reg)> = Vec::new();
        for (l, regs) in per_sym.iter().enumerate() {
            for (r, taken) in regs {
                if !taken {
                    all.push((reg_start(r, l, ports), l, *r));
                }
            }
        }
        all.sort_by_key(|&(k, l, _)| (k, l));
        let pdcch_regs: Vec<Reg> = all.into_iter().map(|x| x.2).collect();
        let n_cce = pdcch_regs.len() / 9;
        ControlRegion {
            regs0,
            pdcch_regs,
            n_cce,
        }
    }

    /// Number of quadruplets M_quad (= PDCCH REGs).
    pub fn m_quad(&self) -> usize {
        self.pdcch_regs.len()
    }
}

fn reg_start(r: &Reg, l: usize, ports: usize) -> usize {
    if l == 0 || (l == 1 && ports == 4) {
        r.k[0] / 6 * 6
    } else {
        r.k[0]
    }
}

/// Equalise resource elements `res` ((k, l) in mapping order; transmit diversity pairs
/// consecutive) for `ports`.
pub fn equalize_res<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    est: &ChannelEstimate,
    res: &[(usize, usize)],
    ports: usize,
) -> Vec<(Complex32, f32)> {
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
    eq
}

/// Put symbols `x` on resource elements `res` of each port's grid (transmit diversity
/// for 2/4 ports).
pub fn map_res<T: AsRef<[Complex32]> + AsMut<[Complex32]>>(
    grids: &mut [ResourceGrid<T>],
    x: &[Complex32],
    res: &[(usize, usize)],
    ports: usize,
) {
    if ports == 1 {
        for (&(k, l), v) in res.iter().zip(x) {
            grids[0].set(k, l, *v);
        }
    } else {
        let mut y = vec![Vec::new(); 4];
        equalize::sfbc_encode(x, ports, &mut y);
        for (p, g) in grids.iter_mut().enumerate().take(ports) {
            for (&(k, l), v) in res.iter().zip(&y[p]) {
                g.set(k, l, *v);
            }
        }
    }
}

/// Quadruplet order: entry m′ (REG m′ in mapping order) holds quadruplet `order[m′]` of z.
pub fn quadruplet_order(m_quad: usize, pci: u16) -> Vec<usize> {
    let w: Vec<usize> = subblock::conv_map(m_quad)
        .into_iter()
        .flatten()
        .map(|i| i as usize)
        .collect();
    (0..m_quad)
        .map(|i| w[(i + usize::from(pci)) % m_quad])
        .collect()
}

fn c_init(subframe: usize, pci: u16) -> u32 {
    (subframe as u32 % 10) * 512 + u32::from(pci)
}

/// Receive the control region: LLRs of all CCEs (72 per CCE, in CCE order, descrambled).
pub fn cce_llrs<T: AsRef<[Complex32]>>(
    grid: &ResourceGrid<T>,
    est: &ChannelEstimate,
    region: &ControlRegion,
    ports: usize,
    pci: u16,
    subframe: usize,
) -> Vec<f32> {
    let m = region.m_quad();
    let order = quadruplet_order(m, pci);
    let res: Vec<(usize, usize)> = region
        .pdcch_regs
        .iter()
        .flat_map(|r| r.k.iter().map(move |&k| (k, r.l)))
        .collect();
    let eq = equalize_res(grid, est, &res, ports);
    let llr_regs = crate::pbch::qpsk_llrs(&eq);
    let mut llr = vec![0f32; 8 * m];
    for (mp, &q) in order.iter().enumerate() {
        llr[8 * q..8 * q + 8].copy_from_slice(&llr_regs[8 * mp..8 * mp + 8]);
    }
    Gold::new(c_init(subframe, pci)).descramble_llrs(&mut llr);
    llr.truncate(72 * region.n_cce);
    llr
}

/// Transmit: put the (already multiplexed, NIL = unused) CCE bits onto the grids.
/// `bits` holds 72·n_cce bits; unused CCE bits may be anything (they are sent as QPSK).
pub fn map_cces<T: AsRef<[Complex32]> + AsMut<[Complex32]>>(
    grids: &mut [ResourceGrid<T>],
    bits: &[u8],
    region: &ControlRegion,
    ports: usize,
    pci: u16,
    subframe: usize,
) {
    let m = region.m_quad();
    let mut b = vec![0u8; 8 * m];
    b[..bits.len().min(8 * m)].copy_from_slice(&bits[..bits.len().min(8 * m)]);
    Gold::new(c_init(subframe, pci)).scramble_bits(&mut b);
    let mut z = vec![Complex32::default(); 4 * m];
    crate::modulation::map(crate::modulation::Modulation::Qpsk, &b, &mut z);
    let order = quadruplet_order(m, pci);
    let mut x = vec![Complex32::default(); 4 * m];
    for (mp, &q) in order.iter().enumerate() {
        x[4 * mp..4 * mp + 4].copy_from_slice(&z[4 * q..4 * q + 4]);
    }
    let res: Vec<(usize, usize)> = region
        .pdcch_regs
        .iter()
        .flat_map(|r| r.k.iter().map(move |&k| (k, r.l)))
        .collect();
    map_res(grids, &x, &res, ports);
}

/// Which PDCCH search space a candidate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchSpace {
    /// The common search space (aggregation 4 and 8, CCEs 0…15).
    Common,
    /// The UE-specific search space of one RNTI in one subframe.
    UeSpecific,
}

/// Is `rnti` a C-RNTI (or SPS/temporary C-RNTI) that has a UE-specific search space
/// (0x003D…0xFFF3)? RA-RNTIs (0x0001…0x003C), P-RNTI and SI-RNTI do not.
pub fn is_c_rnti(rnti: u16) -> bool {
    (0x003D..=0xFFF3).contains(&rnti)
}

/// Y_k of the UE-specific search space (36.213 §9.1.1): Y_{−1} = n_RNTI,
/// Y_k = (A·Y_{k−1}) mod D with A = 39827, D = 65537 and k = ⌊n_s/2⌋ = `subframe` (0…9).
///
/// # References
/// 3GPP TS 36.213 §9.1.1.
pub fn ue_y(rnti: u16, subframe: usize) -> u32 {
    const A: u64 = 39_827;
    const D: u64 = 65_537;
    let mut y = u64::from(rnti);
    for _ in 0..=subframe % 10 {
        y = (A * y) % D;
    }
    y as u32
}

/// The PDCCH candidates (first CCE, aggregation level L) of a search space, in the order
/// of 36.213 §9.1.1: for each L, candidate m = 0…M(L)−1 occupies CCEs
/// L·((Y_k + m) mod ⌊N_CCE/L⌋) + i, i = 0…L−1, with Y_k = 0 and M(4), M(8) = 4, 2 for the
/// common space (within the first min(16, N_CCE) CCEs), and Y_k = [`ue_y`] and
/// M(1), M(2), M(4), M(8) = 6, 6, 2, 2 for the UE-specific space. Levels with
/// ⌊N_CCE/L⌋ = 0 have no candidate; a candidate that wraps onto an earlier one of the same
/// level (small control regions) is listed once.
///
/// # References
/// 3GPP TS 36.213 §9.1.1, Table 9.1.1-1.
pub fn candidates(
    space: SearchSpace,
    n_cce: usize,
    rnti: u16,
    subframe: usize,
) -> Vec<(usize, usize)> {
    let (levels, y, n): (&[(usize, usize)], usize, usize) = match space {
        SearchSpace::Common => (&[(4, 4), (8, 2)], 0, n_cce.min(16)),
        SearchSpace::UeSpecific => (
            &[(1, 6), (2, 6), (4, 2), (8, 2)],
            ue_y(rnti, subframe) as usize,
            n_cce,
        ),
    };
    let mut out = Vec::new();
    for &(l, m_l) in levels {
        let slots = n / l;
        if slots == 0 {
            continue;
        }
        for m in 0..m_l {
            let c = (l * ((y + m) % slots), l);
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amarisoft_cell_has_six_cces() {
        // 6 PRB, 1 port, CFI 3 → 4 control symbols, N_g = 1 → 1 PHICH group.
        let r = ControlRegion::new(6, 1, 1, 4, 1);
        assert_eq!(r.regs0.len(), 12);
        assert_eq!(r.m_quad(), 66 - 4 - 3);
        assert_eq!(r.n_cce, 6);
        let order = quadruplet_order(r.m_quad(), 1);
        let mut s = order.clone();
        s.sort_unstable();
        assert_eq!(s, (0..r.m_quad()).collect::<Vec<_>>());
    }

    #[test]
    fn ue_specific_search_space_by_hand() {
        // Y_0 = 39827·0x1234 mod 65537 = 39827·4660 mod 65537: 185_593_820 = 2831·65537 + 58573.
        assert_eq!(ue_y(0x1234, 0), 185_593_820 % 65_537);
        assert_eq!(ue_y(0x1234, 0), 58_573);
        // Y_1 = 39827·61573 mod 65537.
        assert_eq!(ue_y(0x1234, 1), (39_827u64 * 58_573 % 65_537) as u32);
        // Y_9 from ten steps; k wraps with the frame.
        let mut y = 0x1234u64;
        for _ in 0..10 {
            y = 39_827 * y % 65_537;
        }
        assert_eq!(ue_y(0x1234, 9), y as u32);
        assert_eq!(ue_y(0x1234, 10), ue_y(0x1234, 0));
        // N_CCE = 21 (20 MHz-ish small region): L = 1 candidates are Y_0 mod 21 + m.
        let c = candidates(SearchSpace::UeSpecific, 21, 0x1234, 0);
        let y0 = 58_573usize;
        let l1: Vec<usize> = c.iter().filter(|x| x.1 == 1).map(|x| x.0).collect();
        assert_eq!(l1, (0..6).map(|m| (y0 + m) % 21).collect::<Vec<_>>());
        let l8: Vec<usize> = c.iter().filter(|x| x.1 == 8).map(|x| x.0).collect();
        assert_eq!(l8, vec![8 * (y0 % 2), 8 * ((y0 + 1) % 2)]);
        assert_eq!(c.len(), 6 + 6 + 2 + 2);
        // Common space: CCEs 0–15 at L = 4 and 8.
        assert_eq!(
            candidates(SearchSpace::Common, 40, 0, 3),
            vec![(0, 4), (4, 4), (8, 4), (12, 4), (0, 8), (8, 8)]
        );
        // 6 CCEs (1.4 MHz, CFI 3): one L = 4 candidate, no L = 8.
        assert_eq!(candidates(SearchSpace::Common, 6, 0, 0), vec![(0, 4)]);
        assert!(is_c_rnti(0x1234) && !is_c_rnti(0xFFFF) && !is_c_rnti(2));
    }
}
