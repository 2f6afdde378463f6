//! PDSCH: resource-element demapping for allocation types 0/1/2, scrambling, and the
//! downlink receive pipeline of one subframe (OFDM → channel estimate → PCFICH → PDCCH
//! blind search → DCI → PDSCH → DL-SCH).
//!
//! PDSCH REs: the allocated PRBs in every symbol after the control region, minus the CRS
//! of the cell's ports, minus PSS/SSS (subframes 0 and 5) and PBCH (subframe 0) in the
//! central 72 subcarriers; ordered by subcarrier first, then symbol. Scrambling
//! c_init = n_RNTI·2¹⁴ + q·2¹³ + ⌊ns/2⌋·2⁹ + N_ID. Transmit diversity for 2/4 ports.
//!
//! Transport blocks go through [`crate::transport::dlsch`] with N_cb = K_w (no soft-buffer
//! limit: right for SI/P/RA-RNTI; C-RNTI traffic would need the UE category's limit).
//!
//! # References
//! 3GPP TS 36.211 §6.3, §6.4; TS 36.212 §5.3.2; TS 36.213 §7.1.6, §7.1.7.

use crate::dci::{self, Dci, Format};
use crate::estimation::{self, ChannelEstimate};
use crate::fec::convolutional::Viterbi;
use crate::grid::ResourceGrid;
use crate::mib::PhichResource;
use crate::modulation::{demap_maxlog_fast, Modulation};
use crate::numerology::{CyclicPrefix, Numerology};
use crate::ofdm::OfdmDemodulator;
use crate::pdcch::{self, ControlRegion, SearchSpace};
use crate::ra::Allocation;
use crate::refsig::crs::Crs;
use crate::sequence::Gold;
use crate::transport::tbs::McsTable;
use crate::transport::{bits_to_bytes, bytes_to_bits, dlsch, SoftBufferLimit};
use crate::{pcfich, phich, Complex32, Error, Result};

/// PDSCH resource elements (k, l) of `subframe` (0…9) for the PRBs `prbs` (increasing).
pub fn resource_elements(
    num: &Numerology,
    prbs: &[usize],
    n_ctrl: usize,
    ports: usize,
    crs: &Crs,
    subframe: usize,
) -> Vec<(usize, usize)> {
    let a = Allocation {
        prbs: [prbs.to_vec(), prbs.to_vec()],
    };
    resource_elements_alloc(num, &a, n_ctrl, ports, crs, subframe)
}

/// PDSCH resource elements (k, l) of `subframe` for an allocation whose PRBs may differ
/// between the slots (distributed VRBs): subcarrier first over the slot's PRBs, then
/// symbol (36.211 §6.4). PRBs beyond the grid are skipped.
pub fn resource_elements_alloc(
    num: &Numerology,
    alloc: &Allocation,
    n_ctrl: usize,
    ports: usize,
    crs: &Crs,
    subframe: usize,
) -> Vec<(usize, usize)> {
    let mut ks = Vec::new();
    let mut rows = Vec::new();
    data_subcarriers(num, alloc, n_ctrl, ports, crs, subframe, &mut ks, &mut rows);
    let mut out = Vec::with_capacity(ks.len());
    for (l, w) in rows.windows(2).enumerate() {
        out.extend(ks[w[0]..w[1]].iter().map(|&k| (k as usize, l)));
    }
    out
}

/// The PDSCH data subcarriers of every symbol, in mapping order, as a flat list `ks` with
/// `rows[l]..rows[l + 1]` the entries of symbol l (`rows` has symbols + 1 entries; symbols
/// of the control region are empty). The CRS pattern of a symbol is the same in every PRB
/// (PRBs start at multiples of 6), so it is worked out once per symbol.
#[allow(clippy::too_many_arguments)]
fn data_subcarriers(
    num: &Numerology,
    alloc: &Allocation,
    n_ctrl: usize,
    ports: usize,
    crs: &Crs,
    subframe: usize,
    ks: &mut Vec<u32>,
    rows: &mut Vec<usize>,
) {
    let nsym = num.symbols_per_slot();
    let n_sc = num.n_sc();
    let (c_lo, c_hi) = (n_sc / 2 - 36, n_sc / 2 + 36);
    ks.clear();
    rows.clear();
    for l in 0..2 * nsym {
        rows.push(ks.len());
        if l < n_ctrl {
            continue;
        }
        let slot = l / nsym;
        let ls = l % nsym;
        let ns = 2 * (subframe % 10) + slot;
        let sync = (subframe == 0 || subframe == 5) && slot == 0 && ls >= nsym - 2;
        let bch = subframe == 0 && slot == 1 && ls < 4;
        let mut is_crs = [false; 6];
        for p in 0..ports.min(4) {
            if crs.has_crs(p, ls) {
                is_crs[crs.shift(p, ns, ls)] = true;
            }
        }
        let mut pat = [0u32; 12];
        let mut n_pat = 0;
        for j in 0..12u32 {
            if !is_crs[j as usize % 6] {
                pat[n_pat] = j;
                n_pat += 1;
            }
        }
        let pat = &pat[..n_pat];
        for &prb in alloc.prbs[slot].iter().filter(|&&p| 12 * p + 12 <= n_sc) {
            let k0 = 12 * prb;
            if (sync || bch) && k0 < c_hi && k0 + 12 > c_lo {
                ks.extend(
                    pat.iter()
                        .map(|&j| k0 as u32 + j)
                        .filter(|&k| !(c_lo..c_hi).contains(&(k as usize))),
                );
            } else {
                ks.extend(pat.iter().map(|&j| k0 as u32 + j));
            }
        }
    }
    rows.push(ks.len());
}

/// Reusable buffers of the PDSCH soft-bit path (no allocation per subframe once warm).
#[derive(Debug, Default)]
struct SoftWork {
    ks: Vec<u32>,
    rows: Vec<usize>,
    y: Vec<Complex32>,
    h: Vec<Complex32>,
    x: Vec<Complex32>,
    inv_var: Vec<f32>,
}

/// Equalise the PDSCH REs of `alloc` and soft-demap them with Q_m bits into `llr`
/// (LLR > 0 for 0, still scrambled): gather y and each port's channel into contiguous
/// arrays symbol by symbol, MMSE (1 port) or SFBC (2 and 4 ports), max-log demapping with
/// the per-RE noise scale. Returns the number of LLRs.
#[allow(clippy::too_many_arguments)]
fn pdsch_soft_bits(
    w: &mut SoftWork,
    num: &Numerology,
    crs: &Crs,
    ports: usize,
    g: &ResourceGrid<Vec<Complex32>>,
    est: &ChannelEstimate,
    alloc: &Allocation,
    n_ctrl: usize,
    subframe: usize,
    qm: usize,
    llr: &mut Vec<f32>,
) -> Result<usize> {
    let m = Modulation::from_bits_per_symbol(qm).ok_or(Error::Unsupported {
        what: "Q_m",
        value: qm.to_string(),
    })?;
    if ![1, 2, 4].contains(&ports) || est.ports < ports {
        return Err(Error::Unsupported {
            what: "CRS ports",
            value: ports.to_string(),
        });
    }
    data_subcarriers(
        num,
        alloc,
        n_ctrl,
        ports,
        crs,
        subframe,
        &mut w.ks,
        &mut w.rows,
    );
    let step = if ports == 4 { 4 } else { ports };
    let n = w.ks.len() / step * step;
    let n_sc = est.n_sc;
    let n_sym = est.n_sym;
    // Two ports with every symbol's count even (always, for the LTE RE patterns): SFBC
    // straight from the grid and the channel rows, no gathered copies.
    if ports == 2 && w.rows.windows(2).all(|r| (r[1] - r[0]) % 2 == 0) {
        w.x.resize(n, Complex32::default());
        w.inv_var.resize(n, 0.0);
        let s2 = std::f32::consts::SQRT_2;
        let inv_2n = 0.5 / est.noise_var.max(1e-12);
        for (l, r) in w.rows.windows(2).enumerate() {
            let y = g.symbol(l);
            let h0 = &est.h[l * n_sc..(l + 1) * n_sc];
            let h1 = &est.h[(n_sym + l) * n_sc..(n_sym + l + 1) * n_sc];
            for ((kk, xo), vo) in w.ks[r[0]..r[1]]
                .chunks_exact(2)
                .zip(w.x[r[0]..r[1]].chunks_exact_mut(2))
                .zip(w.inv_var[r[0]..r[1]].chunks_exact_mut(2))
            {
                let (a, b) = (kk[0] as usize, kk[1] as usize);
                let (ya, yb) = (y[a], y[b]);
                let (h0a, h0b, h1a, h1b) = (h0[a], h0[b], h1[a], h1[b]);
                let gg = 0.5 * (h0a.norm_sqr() + h1b.norm_sqr() + h0b.norm_sqr() + h1a.norm_sqr());
                let gg = gg.max(1e-12);
                let k = s2 / gg;
                xo[0] = (h0a.conj() * ya + h1b * yb.conj()) * k;
                xo[1] = (h0b.conj() * yb - h1a * ya.conj()) * k;
                let iv = gg * inv_2n;
                vo[0] = iv;
                vo[1] = iv;
            }
        }
        llr.resize(n * qm, 0.0);
        demap_maxlog_fast(m, &w.x, 1.0, llr);
        scale_llrs(llr, &w.inv_var, qm);
        return Ok(llr.len());
    }
    w.y.resize(n, Complex32::default());
    w.h.resize(ports * n, Complex32::default());
    for (l, r) in w.rows.windows(2).enumerate() {
        let (a, b) = (r[0].min(n), r[1].min(n));
        if a == b {
            continue;
        }
        let ks = &w.ks[a..b];
        let y = g.symbol(l);
        for (o, &k) in w.y[a..b].iter_mut().zip(ks) {
            *o = y[k as usize];
        }
        for p in 0..ports {
            let hrow = &est.h[(p * n_sym + l) * n_sc..(p * n_sym + l + 1) * n_sc];
            for (o, &k) in w.h[p * n + a..p * n + b].iter_mut().zip(ks) {
                *o = hrow[k as usize];
            }
        }
    }
    w.x.resize(n, Complex32::default());
    w.inv_var.resize(n, 0.0);
    match ports {
        1 => crate::equalize::mmse1_into(&w.y, &w.h, est.noise_var, &mut w.x, &mut w.inv_var),
        2 => {
            let (h0, h1) = w.h.split_at(n);
            crate::equalize::sfbc2_into(&w.y, h0, h1, est.noise_var, &mut w.x, &mut w.inv_var)
        }
        _ => {
            let hs: Vec<&[Complex32]> = w.h.chunks_exact(n.max(1)).collect();
            let mut eq = vec![(Complex32::default(), 0f32); n];
            crate::equalize::sfbc(&w.y, &hs, 4, est.noise_var, &mut eq);
            for ((x, v), e) in w.x.iter_mut().zip(w.inv_var.iter_mut()).zip(&eq) {
                *x = e.0;
                *v = 1.0 / e.1.max(1e-9);
            }
        }
    }
    // Every LLR is overwritten: resize only (no zero fill of a warm buffer).
    llr.resize(n * qm, 0.0);
    demap_maxlog_fast(m, &w.x, 1.0, llr);
    scale_llrs(llr, &w.inv_var, qm);
    Ok(llr.len())
}

/// `llr[i·qm + j] *= s[i]`, with a fixed chunk width per Q_m so the loop unrolls.
fn scale_llrs(llr: &mut [f32], s: &[f32], qm: usize) {
    fn go<const Q: usize>(llr: &mut [f32], s: &[f32]) {
        for (c, &v) in llr.chunks_exact_mut(Q).zip(s) {
            for x in c {
                *x *= v;
            }
        }
    }
    match qm {
        2 => go::<2>(llr, s),
        4 => go::<4>(llr, s),
        6 => go::<6>(llr, s),
        8 => go::<8>(llr, s),
        _ => {
            for (c, &v) in llr.chunks_exact_mut(qm.max(1)).zip(s) {
                for x in c {
                    *x *= v;
                }
            }
        }
    }
}

/// Transport block sizes of DCI format 1C (36.213 Table 7.1.7.2.3-1), by I_TBS 0…31.
pub const TBS_1C: [usize; 32] = [
    40, 56, 72, 120, 136, 144, 176, 208, 224, 256, 280, 296, 328, 336, 392, 488, 552, 600, 632,
    696, 776, 840, 904, 1000, 1064, 1128, 1224, 1288, 1384, 1480, 1608, 1736,
];

/// Is `rnti` one of the common RNTIs (SI, P, RA; and the reserved 0xFFF4…0xFFFD) whose
/// format 1A/1C PDSCH is QPSK with the N_PRB^1A TBS column (36.213 §7.1.7)?
pub fn is_common_rnti(rnti: u16) -> bool {
    rnti >= 0xFFF4 || rnti <= 60
}

/// What a downlink DCI assigns: PRBs, modulation order, TBS and redundancy version
/// (`None` when not signalled: format 1C, where the receiver tries all four).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The PRBs of each slot.
    pub alloc: Allocation,
    /// Q_m (2, 4, 6).
    pub qm: usize,
    /// TBS, bits.
    pub tbs: usize,
    /// Redundancy version, when the DCI carries one.
    pub rv: Option<u8>,
}

/// The single-codeword downlink assignment of DCI formats 1, 1A and 1C for `rnti`
/// (36.213 §7.1.6, §7.1.7): format 1A/1C with a common RNTI is QPSK, 1A takes I_TBS =
/// I_MCS and N_PRB^1A = 2 or 3 from the TPC LSB, 1C takes Table 7.1.7.2.3-1; otherwise
/// (Q_m, I_TBS) from the MCS table and N_PRB = the allocated VRB count.
/// `Ok(None)` for formats 0 and 2A (uplink; two codewords) and reserved MCS 29–31.
///
/// # Errors
/// [`Error::Unsupported`] for an invalid resource allocation.
pub fn assignment(d: &Dci, rnti: u16, n_prb: usize) -> Result<Option<Assignment>> {
    let (qm, tbs, rv, alloc) = match d {
        Dci::F0 { .. } | Dci::F2A { .. } => return Ok(None),
        Dci::F1A { mcs, rv, tpc, .. } => {
            let alloc = crate::ra::from_dci(d, n_prb, rnti)?;
            if is_common_rnti(rnti) {
                let t = tbs(usize::from(*mcs), 2 + usize::from(tpc & 1));
                (2, t, Some(*rv), alloc)
            } else {
                let Some((q, i)) = mcs_pdsch(*mcs) else {
                    return Ok(None);
                };
                (q, tbs(i, alloc.n_prb()), Some(*rv), alloc)
            }
        }
        Dci::F1 { mcs, rv, .. } => {
            let alloc = crate::ra::from_dci(d, n_prb, rnti)?;
            let Some((q, i)) = mcs_pdsch(*mcs) else {
                return Ok(None);
            };
            (q, tbs(i, alloc.n_prb()), Some(*rv), alloc)
        }
        Dci::F1C { tbs_index, .. } => {
            let alloc = crate::ra::from_dci(d, n_prb, rnti)?;
            (2, TBS_1C.get(usize::from(*tbs_index)).copied(), None, alloc)
        }
    };
    if alloc.n_prb() == 0 {
        return Ok(None);
    }
    Ok(tbs.map(|tbs| Assignment { alloc, qm, tbs, rv }))
}

/// Transport block size from 36.213 Table 7.1.7.2.1-1.
pub fn tbs(i_tbs: usize, n_prb: usize) -> Option<usize> {
    crate::transport::tbs::tbs(i_tbs, n_prb).ok()
}

fn dlsch_params(tbs: usize, rv: usize, qm: usize, n_l: usize, g: usize) -> Result<dlsch::Params> {
    Ok(dlsch::Params {
        tbs,
        modulation: Modulation::from_bits_per_symbol(qm).ok_or(Error::Unsupported {
            what: "Q_m",
            value: qm.to_string(),
        })?,
        rv,
        g,
        n_l,
        soft_buffer: SoftBufferLimit::Unlimited,
        c_init: None,
    })
}

/// Decode one transport block of `tbs` bits from its G descrambled soft bits (LLR > 0 for
/// 0) with the channel-coding branch's DL-SCH decoder (N_cb = K_w, 8 iterations),
/// redundancy version `rv`, `n_l` layers (2 for transmit diversity) and Q_m.
/// Returns the TB bits (without CRC) and whether the CRC24A checks.
///
/// # Errors
/// [`Error::Unsupported`]/[`Error::Length`] when the sizes do not fit the coding chain.
pub fn decode_tb(
    llr: &[f32],
    tbs: usize,
    rv: usize,
    qm: usize,
    n_l: usize,
) -> Result<(Vec<u8>, bool)> {
    let g = llr.len() - llr.len() % (n_l * qm);
    let p = dlsch_params(tbs, rv, qm, n_l, g)?;
    let out = dlsch::Decoder::new().decode(&llr[..g], &p, 8, None)?;
    Ok((bytes_to_bits(&out.tb), out.crc_ok))
}

/// DL-SCH transmit chain for one TB (bits) to `g` unscrambled bits (N_cb = K_w).
///
/// # Errors
/// From the coding modules when sizes do not fit.
pub fn encode_tb(payload: &[u8], rv: usize, qm: usize, n_l: usize, g: usize) -> Result<Vec<u8>> {
    let p = dlsch_params(payload.len(), rv, qm, n_l, g)?;
    let mut out = Vec::new();
    dlsch::Encoder::new().encode(&bits_to_bytes(payload), &p, &mut out)?;
    Ok(out)
}

/// What the receiver knows of the cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellConfig {
    /// PCI.
    pub pci: u16,
    /// N_RB^DL.
    pub n_prb: usize,
    /// CP type.
    pub cp: CyclicPrefix,
    /// CRS ports (1, 2, 4).
    pub ports: usize,
    /// PHICH resource (normal duration assumed).
    pub phich_resource: PhichResource,
}

/// A decoded PDSCH transport block (or a DCI whose PDSCH could not be decoded).
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// RNTI the DCI CRC was masked with.
    pub rnti: u16,
    /// The DCI.
    pub dci: Dci,
    /// First CCE and aggregation level.
    pub cce: (usize, usize),
    /// TBS in bits (0 when not a downlink assignment handled here).
    pub tbs: usize,
    /// CRC24A of the TB.
    pub crc_ok: bool,
    /// The TB bits.
    pub payload: Vec<u8>,
}

/// The receive result of one subframe.
#[derive(Debug, Clone, PartialEq)]
pub struct SubframeRx {
    /// Subframe number in the frame (0…9).
    pub subframe: usize,
    /// CFI and its normalised code-word correlation.
    pub cfi: (u8, f32),
    /// SNR on the CRS, dB.
    pub snr_db: f32,
    /// Decoded blocks.
    pub blocks: Vec<Block>,
}

/// A blind-search hit: RNTI, DCI, (first CCE, aggregation level).
type Found = (u16, Dci, (usize, usize));

/// A subframe receiver for one cell at one sample rate (plans once).
#[derive(Debug)]
pub struct Receiver {
    cell: CellConfig,
    num: Numerology,
    demod: OfdmDemodulator,
    crs: Crs,
    scratch: Vec<Complex32>,
    vit: Viterbi,
    grid: ResourceGrid<Vec<Complex32>>,
    work: SoftWork,
}

impl Receiver {
    /// A receiver for `cell` at `rate_hz`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if the rate cannot carry the cell's bandwidth.
    pub fn new(cell: CellConfig, rate_hz: f64) -> Result<Self> {
        let n = Numerology::fft_size_for_rate(rate_hz)?;
        let num = Numerology::new(cell.n_prb, n, cell.cp)?;
        let mut planner = rustfft::FftPlanner::new();
        let demod = OfdmDemodulator::new(&num, &mut planner);
        let scratch = vec![Complex32::default(); demod.scratch_len()];
        Ok(Receiver {
            cell,
            num,
            demod,
            crs: Crs::new(cell.pci, cell.cp),
            scratch,
            vit: Viterbi::new(),
            grid: ResourceGrid::zeros(&num),
            work: SoftWork::default(),
        })
    }

    /// The numerology in use.
    pub fn numerology(&self) -> &Numerology {
        &self.num
    }

    /// Receive subframe `subframe` (0…9) from `samples` (one subframe, CFO corrected;
    /// zero-padded where the capture ends). With `control_only`, stop after the PCFICH.
    /// `rntis`: accept DCIs masked with these RNTIs (empty: SI/P/RA-RNTIs).
    pub fn receive(
        &mut self,
        samples: &[Complex32],
        subframe: usize,
        rntis: &[u16],
        control_only: bool,
    ) -> Result<SubframeRx> {
        let num = self.num;
        let cell = self.cell;
        let mut g = ResourceGrid::zeros(&num);
        self.demod
            .demodulate(samples, g.as_mut_slice(), &mut self.scratch)?;
        let est = estimation::estimate(&g, &self.crs, subframe, cell.ports, true);
        let regs0 = pdcch::regs_in_symbol(0, cell.n_prb, cell.ports, cell.pci);
        let cfi = pcfich::decode(&g, &est, &regs0, cell.n_prb, cell.pci, cell.ports, subframe);
        let mut out = SubframeRx {
            subframe,
            cfi,
            snr_db: est.snr_db(),
            blocks: Vec::new(),
        };
        if control_only {
            return Ok(out);
        }
        let n_ctrl = pcfich::control_symbols(cfi.0, cell.n_prb);
        let groups = phich::n_groups(cell.phich_resource, cell.n_prb, cell.cp);
        let region = ControlRegion::new(cell.n_prb, cell.ports, cell.pci, n_ctrl, groups);
        let llr = pdcch::cce_llrs(&g, &est, &region, cell.ports, cell.pci, subframe);
        let found = self.blind_search(&llr, region.n_cce, rntis, subframe)?;
        for (rnti, dci, cce) in found {
            let mut b = Block {
                rnti,
                dci: dci.clone(),
                cce,
                tbs: 0,
                crc_ok: false,
                payload: Vec::new(),
            };
            if let Ok(Some(a)) = assignment(&dci, rnti, cell.n_prb) {
                // Format 1C carries no RV: try the four (SI messages cycle through them).
                let rvs: &[u8] = match a.rv {
                    Some(ref rv) => std::slice::from_ref(rv),
                    None => &[0, 2, 3, 1],
                };
                for &rv in rvs {
                    let (bits, ok) = self.pdsch(
                        &g,
                        &est,
                        &a.alloc,
                        n_ctrl,
                        subframe,
                        rnti,
                        a.qm,
                        a.tbs,
                        usize::from(rv),
                    )?;
                    b.tbs = a.tbs;
                    b.crc_ok = ok;
                    b.payload = bits;
                    if ok {
                        break;
                    }
                }
            }
            out.blocks.push(b);
        }
        Ok(out)
    }

    /// The PDSCH receive kernel without channel decoding (what `lastmile bench ofdm-rx`
    /// times): OFDM demodulation of one subframe, CRS channel estimation for all ports,
    /// MMSE/SFBC equalisation of the PDSCH REs of `prbs` after `n_ctrl` control symbols and
    /// max-log soft demapping with Q_m bits. Writes the (still scrambled) LLRs to `llr` and
    /// returns how many.
    ///
    /// # Errors
    /// Wrong sample count, or an unsupported Q_m.
    pub fn pdsch_llrs(
        &mut self,
        samples: &[Complex32],
        subframe: usize,
        prbs: &[usize],
        n_ctrl: usize,
        qm: usize,
        llr: &mut Vec<f32>,
    ) -> Result<usize> {
        self.demod
            .demodulate(samples, self.grid.as_mut_slice(), &mut self.scratch)?;
        let est = estimation::estimate(&self.grid, &self.crs, subframe, self.cell.ports, true);
        let alloc = Allocation {
            prbs: [prbs.to_vec(), prbs.to_vec()],
        };
        pdsch_soft_bits(
            &mut self.work,
            &self.num,
            &self.crs,
            self.cell.ports,
            &self.grid,
            &est,
            &alloc,
            n_ctrl,
            subframe,
            qm,
            llr,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn pdsch(
        &mut self,
        g: &ResourceGrid<Vec<Complex32>>,
        est: &ChannelEstimate,
        alloc: &Allocation,
        n_ctrl: usize,
        subframe: usize,
        rnti: u16,
        qm: usize,
        tbs: usize,
        rv: usize,
    ) -> Result<(Vec<u8>, bool)> {
        let cell = self.cell;
        let mut llr = Vec::new();
        pdsch_soft_bits(
            &mut self.work,
            &self.num,
            &self.crs,
            cell.ports,
            g,
            est,
            alloc,
            n_ctrl,
            subframe,
            qm,
            &mut llr,
        )?;
        if llr.is_empty() {
            return Ok((Vec::new(), false));
        }
        let c_init = (u32::from(rnti) << 14) + ((subframe as u32 % 10) << 9) + u32::from(cell.pci);
        Gold::new(c_init).descramble_llrs(&mut llr);
        let n_l = if cell.ports == 1 { 1 } else { 2 };
        decode_tb(&llr, tbs, rv, qm, n_l)
    }

    /// Blind search over the PDCCH search spaces (36.213 §9.1.1): for every C-RNTI in
    /// `rntis` its UE-specific space of this subframe (formats 1A/0, 1 and 2A) and the
    /// common space (format 1A/0); for SI/P/RA-RNTIs (asked for, or `rntis` empty, which
    /// accepts only those) every aligned candidate of aggregation 1–8 (formats 1A and 1C). Among overlapping candidates that decode, the one whose re-encoding agrees
    /// best with the received bits wins (ties: the larger aggregation level, since a
    /// shorter candidate holds a prefix of the same circular buffer).
    fn blind_search(
        &mut self,
        llr: &[f32],
        n_cce: usize,
        rntis: &[u16],
        subframe: usize,
    ) -> Result<Vec<Found>> {
        let cell = self.cell;
        let common_wanted = rntis.is_empty() || rntis.iter().any(|&r| !pdcch::is_c_rnti(r));
        let mut cands: Vec<((usize, usize), Vec<Format>)> = if common_wanted {
            // SI/P/RA-RNTI: every aligned candidate of every level (a superset of the
            // common space that also finds eNBs using smaller levels).
            [8usize, 4, 2, 1]
                .iter()
                .flat_map(|&l| (0..n_cce / l).map(move |i| (l * i, l)))
                .map(|c| (c, vec![Format::F1A, Format::F1C]))
                .collect()
        } else {
            pdcch::candidates(SearchSpace::Common, n_cce, 0, subframe)
                .into_iter()
                .map(|c| (c, vec![Format::F1A]))
                .collect()
        };
        for &r in rntis.iter().filter(|&&r| pdcch::is_c_rnti(r)) {
            for c in pdcch::candidates(SearchSpace::UeSpecific, n_cce, r, subframe) {
                let fs = [Format::F1A, Format::F1, Format::F2A];
                match cands.iter_mut().find(|x| x.0 == c) {
                    Some(x) => {
                        for f in fs {
                            if !x.1.contains(&f) {
                                x.1.push(f);
                            }
                        }
                    }
                    None => cands.push((c, fs.to_vec())),
                }
            }
        }
        let mut found: Vec<(f32, u16, Dci, (usize, usize))> = Vec::new();
        for ((c, l), formats) in cands {
            if 72 * (c + l) > llr.len() {
                continue;
            }
            let cand = &llr[72 * c..72 * (c + l)];
            let mut sizes_tried = Vec::new();
            for f in formats {
                if f == Format::F2A && cell.ports == 1 {
                    continue;
                }
                let a = dci::size(f, cell.n_prb, cell.ports);
                if sizes_tried.contains(&a) {
                    continue;
                }
                sizes_tried.push(a);
                let (bits, rnti, agree) = dci::decode_candidate(cand, a, &mut self.vit)?;
                let wanted = if rntis.is_empty() {
                    rnti >= 0xFFFE || (1..=60).contains(&rnti)
                } else {
                    rntis.contains(&rnti)
                };
                if wanted && agree > 0.85 {
                    // 1C is for the common RNTIs only (36.213 §7.1).
                    if f == Format::F1C && !is_common_rnti(rnti) {
                        continue;
                    }
                    if let Ok(d) = Dci::parse(&bits, f, cell.n_prb, cell.ports) {
                        found.push((agree, rnti, d, (c, l)));
                        break;
                    }
                }
            }
        }
        found.sort_by(|a, b| {
            let qa = (a.0 * 50.0).round();
            let qb = (b.0 * 50.0).round();
            qb.total_cmp(&qa).then(b.3 .1.cmp(&a.3 .1))
        });
        let mut taken = vec![false; n_cce];
        let mut out = Vec::new();
        for (_, rnti, d, (c, l)) in found {
            if taken[c..c + l].iter().any(|&t| t) {
                continue;
            }
            taken[c..c + l].iter_mut().for_each(|t| *t = true);
            out.push((rnti, d, (c, l)));
        }
        Ok(out)
    }
}

/// (Q_m, I_TBS) of a PDSCH MCS (36.213 Table 7.1.7.1-1), `None` for the reserved 29–31.
pub fn mcs_pdsch(mcs: u8) -> Option<(usize, usize)> {
    crate::transport::tbs::mcs(McsTable::Pdsch, usize::from(mcs))
        .ok()
        .map(|(m, i)| (m.bits_per_symbol(), i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numerology::Bandwidth;

    #[test]
    fn amarisoft_si_re_count() {
        let num = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        let crs = Crs::new(1, CyclicPrefix::Normal);
        let prbs: Vec<usize> = (0..6).collect();
        assert_eq!(resource_elements(&num, &prbs, 4, 1, &crs, 2).len(), 684);
        assert_eq!(tbs(6, 3), Some(256));
        assert_eq!(mcs_pdsch(6), Some((2, 6)));
        assert_eq!(mcs_pdsch(28), Some((6, 26)));
    }
}

/// One received subframe of a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSubframe {
    /// Index of the subframe counted from the start of the capture (the subframe whose
    /// start is nearest sample 0 is index 0).
    pub index: usize,
    /// The receive result.
    pub rx: SubframeRx,
}

/// Receive every subframe of a capture whose control region is inside it, for a cell
/// found by [`crate::cellsearch::search`]. Without a MIB the bandwidth is the rate's
/// widest and the port count the one whose PCFICH correlates best. Subframes cut by the
/// end of the capture are zero-padded; with `control_only` only the CFI is decoded.
///
/// # Errors
/// [`Error::Unsupported`] if the rate cannot carry the cell's bandwidth.
pub fn receive_capture(
    samples: &[Complex32],
    rate_hz: f64,
    cell: &crate::cellsearch::Cell,
    rntis: &[u16],
    control_only: bool,
) -> Result<(CellConfig, Vec<CaptureSubframe>)> {
    let n_fft = Numerology::fft_size_for_rate(rate_hz)?;
    let (n_prb, port_hyp, phich_resource) = match &cell.mib {
        Some(m) => (m.mib.n_prb, vec![m.ports], m.mib.phich_resource),
        None => (
            Numerology::for_rate(rate_hz, cell.cp)?.n_prb(),
            vec![1, 2, 4],
            PhichResource::One,
        ),
    };
    // Derotate the CFO once.
    let w = -2.0 * std::f64::consts::PI * cell.cfo_hz / rate_hz;
    let x: Vec<Complex32> = samples
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let ph = w * i as f64;
            v * Complex32::new(ph.cos() as f32, ph.sin() as f32)
        })
        .collect();
    let mut best: Option<(f32, CellConfig, Vec<CaptureSubframe>)> = None;
    for ports in port_hyp {
        let cfg = CellConfig {
            pci: cell.pci,
            n_prb,
            cp: cell.cp,
            ports,
            phich_resource,
        };
        let mut rx = Receiver::new(cfg, rate_hz)?;
        let num = *rx.numerology();
        let len = num.subframe_len() as i64;
        let need = (num.symbol_body(num.symbols_per_slot() - 3) + n_fft) as i64;
        let mut out = Vec::new();
        let mut j = (-cell.sample_offset).div_euclid(len) - 1;
        let mut buf = vec![Complex32::default(); num.subframe_len()];
        loop {
            let start = cell.sample_offset + j * len;
            j += 1;
            if start + need > x.len() as i64 {
                break;
            }
            if start + num.symbol_body(0) as i64 - (n_fft as i64 / 64) < 0 {
                continue;
            }
            for (i, b) in buf.iter_mut().enumerate() {
                let s = start + i as i64;
                *b = if s >= 0 && (s as usize) < x.len() {
                    x[s as usize]
                } else {
                    Complex32::default()
                };
            }
            let sfi = (j - 1).rem_euclid(10) as usize;
            let complete = start >= 0 && start + len <= x.len() as i64;
            let r = rx.receive(&buf, sfi, rntis, control_only || !complete)?;
            let index = ((start as f64) / len as f64).round().max(0.0) as usize;
            out.push(CaptureSubframe { index, rx: r });
        }
        let score = out.iter().map(|s| s.rx.cfi.1).sum::<f32>() / out.len().max(1) as f32;
        if best.as_ref().is_none_or(|b| score > b.0) {
            best = Some((score, cfg, out));
        }
    }
    let (_, cfg, out) = best.ok_or(Error::Unsupported {
        what: "cell",
        value: "no port hypothesis".into(),
    })?;
    Ok((cfg, out))
}

/// A downlink transmitter for one cell: builds subframes with PSS/SSS, CRS, PBCH, PCFICH
/// and (optionally) one PDCCH DCI 1A + its PDSCH transport block, per port, and sums the
/// ports through per-port complex gains into one antenna's samples.
#[derive(Debug)]
pub struct Transmitter {
    cell: CellConfig,
    num: Numerology,
    modu: crate::ofdm::OfdmModulator,
    crs: Crs,
    scratch: Vec<Complex32>,
}

/// A PDSCH transport block to send with its DCI 1A (localized, N_PRB^1A column for
/// common RNTIs from the TPC LSB).
#[derive(Debug, Clone, PartialEq)]
pub struct TxBlock {
    /// RNTI (SI/P/RA-RNTIs use QPSK and the 1A TBS rule).
    pub rnti: u16,
    /// First PRB and number of PRBs.
    pub prbs: (usize, usize),
    /// I_MCS.
    pub mcs: u8,
    /// Redundancy version.
    pub rv: u8,
    /// TB bits (TBS of them).
    pub payload: Vec<u8>,
    /// First CCE and aggregation level of the DCI.
    pub cce: (usize, usize),
}

/// A downlink DCI (format 1, 1A or 1C) with its PDSCH transport block, for
/// [`Transmitter::subframe_dci`]. TBS, Q_m and PRBs follow from the DCI as in
/// [`assignment`].
#[derive(Debug, Clone, PartialEq)]
pub struct TxDci {
    /// RNTI the DCI CRC is masked with (and the PDSCH scrambled for).
    pub rnti: u16,
    /// The DCI.
    pub dci: Dci,
    /// TB bits (TBS of them).
    pub payload: Vec<u8>,
    /// First CCE and aggregation level.
    pub cce: (usize, usize),
    /// Redundancy version where the DCI signals none (format 1C).
    pub rv_unsignalled: u8,
}

impl Transmitter {
    /// A transmitter for `cell` at `rate_hz`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if the rate cannot carry the bandwidth.
    pub fn new(cell: CellConfig, rate_hz: f64) -> Result<Self> {
        let n = Numerology::fft_size_for_rate(rate_hz)?;
        let num = Numerology::new(cell.n_prb, n, cell.cp)?;
        let mut planner = rustfft::FftPlanner::new();
        let modu = crate::ofdm::OfdmModulator::new(&num, &mut planner);
        let scratch = vec![Complex32::default(); modu.scratch_len()];
        Ok(Transmitter {
            cell,
            num,
            modu,
            crs: Crs::new(cell.pci, cell.cp),
            scratch,
        })
    }

    /// One subframe of samples: subframe `sfi` (0…9) of frame `sfn`, CFI `cfi`, port
    /// gains `gains` (one per port), and an optional block (sent with a localized DCI 1A).
    ///
    /// # Errors
    /// [`Error::Length`]/[`Error::Unsupported`] when the block does not fit.
    pub fn subframe(
        &mut self,
        sfi: usize,
        sfn: u16,
        cfi: u8,
        gains: &[Complex32],
        block: Option<&TxBlock>,
    ) -> Result<Vec<Complex32>> {
        let n_prb = self.cell.n_prb;
        let dcis: Vec<TxDci> = block
            .map(|b| {
                let common = is_common_rnti(b.rnti);
                TxDci {
                    rnti: b.rnti,
                    dci: Dci::F1A {
                        distributed: false,
                        riv: dci::riv_encode(b.prbs.0, b.prbs.1.max(1), n_prb),
                        mcs: b.mcs,
                        harq: 0,
                        ndi: false,
                        rv: b.rv,
                        tpc: u8::from(common),
                    },
                    payload: b.payload.clone(),
                    cce: b.cce,
                    rv_unsignalled: 0,
                }
            })
            .into_iter()
            .collect();
        self.subframe_dci(sfi, sfn, cfi, gains, &dcis)
    }

    /// One subframe of samples with any number of downlink DCIs (formats 1, 1A, 1C) and
    /// their PDSCH transport blocks, each on its own CCEs.
    ///
    /// # Errors
    /// [`Error::Length`]/[`Error::Unsupported`] when a block does not fit, CCEs overlap or
    /// the DCI is not a single-codeword downlink assignment.
    pub fn subframe_dci(
        &mut self,
        sfi: usize,
        sfn: u16,
        cfi: u8,
        gains: &[Complex32],
        dcis: &[TxDci],
    ) -> Result<Vec<Complex32>> {
        let cell = self.cell;
        let num = self.num;
        let nsym = num.symbols_per_slot();
        let mut grids: Vec<ResourceGrid<Vec<Complex32>>> =
            (0..cell.ports).map(|_| ResourceGrid::zeros(&num)).collect();
        // CRS.
        for (p, g) in grids.iter_mut().enumerate() {
            for slot in 0..2 {
                for l in 0..nsym {
                    for (k, v) in self.crs.res(p, 2 * sfi + slot, l, cell.n_prb) {
                        g.set(k, slot * nsym + l, v);
                    }
                }
            }
        }
        // PSS/SSS on port 0.
        if sfi == 0 || sfi == 5 {
            let n_sc = num.n_sc();
            let n_id_2 = (cell.pci % 3) as u8;
            let d = crate::sync::pss::sequence(n_id_2);
            let s = crate::sync::sss::sequence(cell.pci / 3, n_id_2, sfi == 5);
            for n in 0..62 {
                let k = crate::sync::pss::subcarrier(n, n_sc);
                grids[0].set(k, nsym - 1, d[n]);
                grids[0].set(k, nsym - 2, Complex32::new(f32::from(s[n]), 0.0));
            }
        }
        // PBCH.
        if sfi == 0 {
            let mib = crate::mib::Mib {
                n_prb: cell.n_prb,
                phich_duration: crate::mib::PhichDuration::Normal,
                phich_resource: cell.phich_resource,
                sfn_msb: (sfn >> 2) as u8,
            };
            let e_len = crate::pbch::e_bits(cell.cp);
            let mut e = crate::transport::bch::encode(&mib.emit()?, cell.ports, e_len)?;
            Gold::new(u32::from(cell.pci)).scramble_bits(&mut e);
            crate::pbch::map(
                &mut grids,
                &e,
                usize::from(sfn % 4),
                cell.pci,
                cell.cp,
                cell.ports,
            );
        }
        // PCFICH.
        let regs0 = pdcch::regs_in_symbol(0, cell.n_prb, cell.ports, cell.pci);
        pcfich::map(
            &mut grids, &regs0, cfi, cell.n_prb, cell.pci, cell.ports, sfi,
        );
        // PDCCH + PDSCH.
        if !dcis.is_empty() {
            let n_ctrl = pcfich::control_symbols(cfi, cell.n_prb);
            let groups = phich::n_groups(cell.phich_resource, cell.n_prb, cell.cp);
            let region = ControlRegion::new(cell.n_prb, cell.ports, cell.pci, n_ctrl, groups);
            let mut bits = vec![0u8; 72 * region.n_cce];
            let mut used = vec![false; region.n_cce];
            for b in dcis {
                let a = assignment(&b.dci, b.rnti, cell.n_prb)?.ok_or(Error::Unsupported {
                    what: "DCI for one PDSCH codeword",
                    value: b.dci.format().name().into(),
                })?;
                if b.payload.len() != a.tbs {
                    return Err(Error::Length {
                        what: "TB payload",
                        expected: a.tbs,
                        got: b.payload.len(),
                    });
                }
                let p = b.dci.emit(cell.n_prb, cell.ports)?;
                let (c0, l) = b.cce;
                if c0 + l > region.n_cce || used[c0..c0 + l].iter().any(|&u| u) {
                    return Err(Error::Unsupported {
                        what: "CCE",
                        value: format!("{c0}+{l} of {} (or taken)", region.n_cce),
                    });
                }
                used[c0..c0 + l].iter_mut().for_each(|u| *u = true);
                let coded = dci::encode(&p, b.rnti, 72 * l)?;
                bits[72 * c0..72 * (c0 + l)].copy_from_slice(&coded);
                let mut res =
                    resource_elements_alloc(&num, &a.alloc, n_ctrl, cell.ports, &self.crs, sfi);
                let step = if cell.ports == 1 {
                    1
                } else {
                    cell.ports.min(4)
                };
                res.truncate(res.len() / step * step);
                let n_l = if cell.ports == 1 { 1 } else { 2 };
                let rv = usize::from(a.rv.unwrap_or(b.rv_unsignalled));
                let mut e = encode_tb(&b.payload, rv, a.qm, n_l, res.len() * a.qm)?;
                let c_init = (u32::from(b.rnti) << 14) + ((sfi as u32) << 9) + u32::from(cell.pci);
                Gold::new(c_init).scramble_bits(&mut e);
                let m = Modulation::from_bits_per_symbol(a.qm).ok_or(Error::Unsupported {
                    what: "Q_m",
                    value: a.qm.to_string(),
                })?;
                let mut x = vec![Complex32::default(); res.len()];
                crate::modulation::map(m, &e, &mut x);
                pdcch::map_res(&mut grids, &x, &res, cell.ports);
            }
            pdcch::map_cces(&mut grids, &bits, &region, cell.ports, cell.pci, sfi);
        }
        let mut out = vec![Complex32::default(); num.subframe_len()];
        let mut tmp = vec![Complex32::default(); num.subframe_len()];
        for (g, h) in grids.iter().zip(gains) {
            self.modu
                .modulate(g.as_slice(), &mut tmp, &mut self.scratch)?;
            for (o, t) in out.iter_mut().zip(&tmp) {
                *o += t * h;
            }
        }
        Ok(out)
    }
}
