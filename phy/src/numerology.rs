//! OFDM numerology: bandwidths, FFT sizes, sample rates, cyclic prefixes, frame timing, and
//! plans for LTE carriers inside TV channels.
//!
//! Conventions: 15 kHz subcarrier spacing; an FFT of size N runs at N·15 kHz; the cyclic
//! prefix lengths of TS 36.211 Table 6.12-1 (given for N = 2048) scale by N/2048, so any N
//! that is a multiple of 128 (1.92 Msps steps) has integer CP lengths — this covers the
//! standard sizes 128…2048 and the reduced-rate sizes such as 1536 (23.04 Msps for 100 PRB)
//! or 384 (5.76 Msps for 15 PRB).
//!
//! Subcarrier indices in a grid run k = 0 … 12·N_RB − 1 from the lowest frequency; the DC
//! subcarrier is not part of the grid (36.211 §6.12: k⁽⁻⁾ = k − N_sc/2 below DC, above DC one
//! bin higher).
//!
//! # References
//! 3GPP TS 36.211 §4 (frame structure, Tables 4.2-1, 4.2-2), §6.2.3, §6.12 (Table 6.12-1);
//! TS 36.101 Table 5.6-1 (channel bandwidths).

use crate::tv::TvRaster;
use crate::{Error, Result};

/// Subcarrier spacing Δf, Hz.
pub const SUBCARRIER_SPACING_HZ: f64 = 15_000.0;
/// Subcarriers per resource block.
pub const SC_PER_RB: usize = 12;
/// The largest downlink bandwidth, N_RB^max,DL (36.211 §6.10.1.2).
pub const N_RB_MAX_DL: usize = 110;

/// Cyclic prefix type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CyclicPrefix {
    /// 7 symbols per slot; CP 160 / 144 Ts (N = 2048).
    Normal,
    /// 6 symbols per slot; CP 512 Ts.
    Extended,
}

impl CyclicPrefix {
    /// OFDM symbols per 0.5 ms slot.
    pub const fn symbols_per_slot(self) -> usize {
        match self {
            CyclicPrefix::Normal => 7,
            CyclicPrefix::Extended => 6,
        }
    }
}

/// The LTE channel bandwidths of 36.101 Table 5.6-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bandwidth {
    /// 1.4 MHz, 6 PRB.
    Mhz1_4,
    /// 3 MHz, 15 PRB.
    Mhz3,
    /// 5 MHz, 25 PRB.
    Mhz5,
    /// 10 MHz, 50 PRB.
    Mhz10,
    /// 15 MHz, 75 PRB.
    Mhz15,
    /// 20 MHz, 100 PRB.
    Mhz20,
}

impl Bandwidth {
    /// All six, narrowest first.
    pub const ALL: [Bandwidth; 6] = [
        Bandwidth::Mhz1_4,
        Bandwidth::Mhz3,
        Bandwidth::Mhz5,
        Bandwidth::Mhz10,
        Bandwidth::Mhz15,
        Bandwidth::Mhz20,
    ];

    /// Number of resource blocks N_RB^DL.
    pub const fn n_prb(self) -> usize {
        match self {
            Bandwidth::Mhz1_4 => 6,
            Bandwidth::Mhz3 => 15,
            Bandwidth::Mhz5 => 25,
            Bandwidth::Mhz10 => 50,
            Bandwidth::Mhz15 => 75,
            Bandwidth::Mhz20 => 100,
        }
    }

    /// Channel bandwidth, Hz.
    pub const fn channel_hz(self) -> f64 {
        match self {
            Bandwidth::Mhz1_4 => 1.4e6,
            Bandwidth::Mhz3 => 3e6,
            Bandwidth::Mhz5 => 5e6,
            Bandwidth::Mhz10 => 10e6,
            Bandwidth::Mhz15 => 15e6,
            Bandwidth::Mhz20 => 20e6,
        }
    }

    /// The customary FFT size (128 … 2048).
    pub const fn fft_size(self) -> usize {
        match self {
            Bandwidth::Mhz1_4 => 128,
            Bandwidth::Mhz3 => 256,
            Bandwidth::Mhz5 => 512,
            Bandwidth::Mhz10 => 1024,
            Bandwidth::Mhz15 => 1536,
            Bandwidth::Mhz20 => 2048,
        }
    }

    /// The bandwidth with `n_prb` resource blocks, if it is one of the six.
    pub fn from_n_prb(n_prb: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.n_prb() == n_prb)
    }
}

/// One OFDM numerology: bandwidth in PRBs, FFT size (hence sample rate) and CP type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Numerology {
    n_prb: usize,
    fft_size: usize,
    cp: CyclicPrefix,
}

impl Numerology {
    /// A standard LTE numerology at its customary FFT size.
    pub fn lte(bw: Bandwidth, cp: CyclicPrefix) -> Self {
        Numerology {
            n_prb: bw.n_prb(),
            fft_size: bw.fft_size(),
            cp,
        }
    }

    /// Any `n_prb` (1…110) on any FFT size that is a multiple of 128 and larger than the
    /// occupied subcarriers (e.g. 100 PRB on 1536 points = 23.04 Msps).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if the FFT is not a multiple of 128 in 128…4096 or cannot hold
    /// 12·n_prb + 1 subcarriers.
    pub fn new(n_prb: usize, fft_size: usize, cp: CyclicPrefix) -> Result<Self> {
        if !(128..=4096).contains(&fft_size) || !fft_size.is_multiple_of(128) {
            return Err(Error::Unsupported {
                what: "FFT size",
                value: format!("{fft_size} (need a multiple of 128 in 128..=4096)"),
            });
        }
        if n_prb == 0 || n_prb > N_RB_MAX_DL || n_prb * SC_PER_RB + 1 > fft_size {
            return Err(Error::Unsupported {
                what: "PRB count",
                value: format!("{n_prb} on a {fft_size}-point FFT"),
            });
        }
        Ok(Numerology {
            n_prb,
            fft_size,
            cp,
        })
    }

    /// The FFT size that a sample rate implies (rate = N·15 kHz, N a multiple of 128).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if the rate is not N·15 kHz for such an N (within 1 Hz).
    pub fn fft_size_for_rate(rate_hz: f64) -> Result<usize> {
        let n = rate_hz / SUBCARRIER_SPACING_HZ;
        let ni = n.round();
        if !rate_hz.is_finite()
            || (n - ni).abs() * SUBCARRIER_SPACING_HZ > 1.0
            || !(128.0..=4096.0).contains(&ni)
            || !(ni as usize).is_multiple_of(128)
        {
            return Err(Error::Unsupported {
                what: "sample rate",
                value: format!(
                    "{rate_hz} Hz (need N·15 kHz with N a multiple of 128, e.g. 1.92e6, 3.84e6, 7.68e6, 15.36e6, 23.04e6, 30.72e6)"
                ),
            });
        }
        Ok(ni as usize)
    }

    /// The widest standard bandwidth that a sample rate carries, at that rate's FFT size
    /// (15.36 Msps → 50 PRB on 1024 points; 23.04 Msps → 100 PRB on 1536 points).
    ///
    /// # Errors
    /// As [`Numerology::fft_size_for_rate`].
    pub fn for_rate(rate_hz: f64, cp: CyclicPrefix) -> Result<Self> {
        let n = Self::fft_size_for_rate(rate_hz)?;
        let bw = Bandwidth::ALL
            .into_iter()
            .rev()
            .find(|b| (b.n_prb() * SC_PER_RB) as f64 <= 0.8 * n as f64 + 1e-9)
            .unwrap_or(Bandwidth::Mhz1_4);
        Self::new(bw.n_prb(), n, cp)
    }

    /// N_RB^DL.
    pub const fn n_prb(&self) -> usize {
        self.n_prb
    }
    /// Occupied subcarriers 12·N_RB (without DC).
    pub const fn n_sc(&self) -> usize {
        self.n_prb * SC_PER_RB
    }
    /// FFT size N.
    pub const fn fft_size(&self) -> usize {
        self.fft_size
    }
    /// CP type.
    pub const fn cp(&self) -> CyclicPrefix {
        self.cp
    }
    /// Sample rate N·15 kHz, Hz.
    pub fn sample_rate_hz(&self) -> f64 {
        self.fft_size as f64 * SUBCARRIER_SPACING_HZ
    }
    /// OFDM symbols per slot.
    pub const fn symbols_per_slot(&self) -> usize {
        self.cp.symbols_per_slot()
    }
    /// OFDM symbols per 1 ms subframe.
    pub const fn symbols_per_subframe(&self) -> usize {
        2 * self.cp.symbols_per_slot()
    }
    /// Samples per 0.5 ms slot.
    pub const fn slot_len(&self) -> usize {
        self.fft_size * 15 / 2
    }
    /// Samples per 1 ms subframe.
    pub const fn subframe_len(&self) -> usize {
        self.fft_size * 15
    }
    /// Samples per 10 ms radio frame.
    pub const fn frame_len(&self) -> usize {
        self.fft_size * 150
    }

    /// CP length in samples of symbol `l` of a slot (0-based).
    ///
    /// # Panics
    /// If `l` ≥ symbols per slot.
    pub fn cp_len(&self, l: usize) -> usize {
        assert!(
            l < self.symbols_per_slot(),
            "cp_len: symbol {l} out of slot"
        );
        let n = self.fft_size;
        match self.cp {
            CyclicPrefix::Normal if l == 0 => 160 * n / 2048,
            CyclicPrefix::Normal => 144 * n / 2048,
            CyclicPrefix::Extended => 512 * n / 2048,
        }
    }

    /// Offset (samples from the subframe start) of the first sample of the CP of symbol
    /// `l` of the subframe (0 … 2·symbols_per_slot − 1).
    ///
    /// # Panics
    /// If `l` is outside the subframe.
    pub fn symbol_start(&self, l: usize) -> usize {
        let spl = self.symbols_per_slot();
        assert!(l < 2 * spl, "symbol_start: symbol {l} out of subframe");
        let slot = l / spl;
        let ls = l % spl;
        slot * self.slot_len()
            + (0..ls)
                .map(|i| self.cp_len(i) + self.fft_size)
                .sum::<usize>()
    }

    /// Offset of the first useful (post-CP) sample of symbol `l` of the subframe.
    pub fn symbol_body(&self, l: usize) -> usize {
        self.symbol_start(l) + self.cp_len(l % self.symbols_per_slot())
    }

    /// FFT bin of grid subcarrier `k` (0 ≤ k < n_sc), DC skipped.
    pub fn bin_of(&self, k: usize) -> usize {
        let half = self.n_sc() / 2;
        if k < half {
            self.fft_size - half + k
        } else {
            k - half + 1
        }
    }
}

/// Duplex mode and frame structure (36.211 §4.1 type 1, §4.2 type 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duplex {
    /// Frame structure type 1: every subframe downlink (on the DL carrier).
    Fdd,
    /// Frame structure type 2 with an uplink-downlink configuration (0–6) and a special
    /// subframe configuration (0–9).
    Tdd {
        ul_dl_config: u8,
        special_config: u8,
    },
}

/// Kind of a subframe in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubframeKind {
    /// Downlink.
    Downlink,
    /// Uplink.
    Uplink,
    /// Special: DwPTS, guard period, UpPTS.
    Special,
}

/// Lengths of the special subframe's fields in samples at 30.72 Msps (units of Ts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpecialSubframe {
    /// Downlink pilot time slot, Ts.
    pub dwpts_ts: u32,
    /// Guard period, Ts.
    pub gp_ts: u32,
    /// Uplink pilot time slot, Ts.
    pub uppts_ts: u32,
}

impl Duplex {
    /// Check a TDD configuration.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for ul_dl_config > 6 or special_config > 9.
    pub fn tdd(ul_dl_config: u8, special_config: u8) -> Result<Self> {
        if ul_dl_config > 6 || special_config > 9 {
            return Err(Error::Unsupported {
                what: "TDD configuration",
                value: format!("ul/dl {ul_dl_config}, special {special_config}"),
            });
        }
        Ok(Duplex::Tdd {
            ul_dl_config,
            special_config,
        })
    }

    /// Kind of subframe `sf` (0–9) (36.211 Table 4.2-2).
    pub fn subframe_kind(self, sf: usize) -> SubframeKind {
        const TABLE: [&[u8; 10]; 7] = [
            b"DSUUUDSUUU",
            b"DSUUDDSUUD",
            b"DSUDDDSUDD",
            b"DSUUUDDDDD",
            b"DSUUDDDDDD",
            b"DSUDDDDDDD",
            b"DSUUUDSUUD",
        ];
        match self {
            Duplex::Fdd => SubframeKind::Downlink,
            Duplex::Tdd { ul_dl_config, .. } => match TABLE[ul_dl_config as usize % 7][sf % 10] {
                b'D' => SubframeKind::Downlink,
                b'U' => SubframeKind::Uplink,
                _ => SubframeKind::Special,
            },
        }
    }

    /// Special subframe field lengths for `cp` (36.211 Table 4.2-1, normal UpPTS cases),
    /// or `None` for FDD.
    pub fn special_subframe(self, cp: CyclicPrefix) -> Option<SpecialSubframe> {
        let Duplex::Tdd { special_config, .. } = self else {
            return None;
        };
        const NORMAL_DWPTS: [u32; 10] = [
            6592, 19760, 21952, 24144, 26336, 6592, 19760, 21952, 24144, 13168,
        ];
        const EXT_DWPTS: [u32; 10] = [7680, 20480, 23040, 25600, 7680, 20480, 23040, 12800, 0, 0];
        let c = special_config as usize;
        let (dwpts, uppts) = match cp {
            CyclicPrefix::Normal => (NORMAL_DWPTS[c], if c < 5 { 2192 } else { 4384 }),
            CyclicPrefix::Extended => (EXT_DWPTS[c], if c < 4 { 2560 } else { 5120 }),
        };
        if dwpts == 0 {
            return None;
        }
        Some(SpecialSubframe {
            dwpts_ts: dwpts,
            gp_ts: 30720 - dwpts - uppts,
            uppts_ts: uppts,
        })
    }
}

/// How an LTE carrier is placed in a TV channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TvChannelPlan {
    /// TV channel number.
    pub channel: u32,
    /// Carrier (DC subcarrier) frequency, Hz: the TV channel centre.
    pub center_hz: f64,
    /// Numerology (normal CP).
    pub numerology: Numerology,
    /// Occupied bandwidth 12·N_RB·15 kHz, Hz.
    pub occupied_hz: f64,
    /// Guard on each side between the occupied band and the channel edges, Hz.
    pub guard_hz: f64,
}

/// Mode of fitting LTE into a TV channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TvFit {
    /// The widest standard LTE bandwidth whose channel bandwidth fits the TV channel
    /// (5 MHz in 6, 7 and 8 MHz channels).
    Standard,
    /// TVWS mode: as many 15 kHz PRBs as fit with at least `min_guard_hz` to each channel
    /// edge (the emission mask's transition band), on the smallest FFT that holds them.
    Fill { min_guard_hz: u32 },
}

/// Plan an LTE carrier in TV channel `ch` of `raster`.
///
/// Example: US channel 21 (512–518 MHz), `Fill { min_guard_hz: 250_000 }` → 30 PRB
/// (5.4 MHz occupied) on a 384-point FFT at 5.76 Msps, centred on 515 MHz.
///
/// # Errors
/// [`Error::Unsupported`] for a channel outside the raster or a guard that leaves no PRB.
pub fn tv_channel_plan(raster: TvRaster, ch: u32, fit: TvFit) -> Result<TvChannelPlan> {
    let center_hz = raster.center_hz(ch)?;
    let width = raster.width_hz();
    let numerology = match fit {
        TvFit::Standard => {
            let bw = Bandwidth::ALL
                .into_iter()
                .rev()
                .find(|b| b.channel_hz() <= width + 1.0)
                .unwrap_or(Bandwidth::Mhz1_4);
            Numerology::lte(bw, CyclicPrefix::Normal)
        }
        TvFit::Fill { min_guard_hz } => {
            let usable = width - 2.0 * f64::from(min_guard_hz);
            let n_prb = (usable / (SC_PER_RB as f64 * SUBCARRIER_SPACING_HZ)).floor();
            if n_prb < 1.0 {
                return Err(Error::Unsupported {
                    what: "TV channel guard",
                    value: format!("{min_guard_hz} Hz leaves no resource block"),
                });
            }
            let n_prb = (n_prb as usize).min(N_RB_MAX_DL);
            let fft = (1..=32)
                .map(|m| m * 128)
                .find(|&n| (n_prb * SC_PER_RB) as f64 <= 0.97 * n as f64)
                .unwrap_or(4096);
            Numerology::new(n_prb, fft, CyclicPrefix::Normal)?
        }
    };
    let occupied_hz = numerology.n_sc() as f64 * SUBCARRIER_SPACING_HZ;
    Ok(TvChannelPlan {
        channel: ch,
        center_hz,
        numerology,
        occupied_hz,
        guard_hz: 0.5 * (width - occupied_hz),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_timing_normal_cp() {
        let n = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        assert_eq!(n.subframe_len(), 1920);
        assert_eq!(n.cp_len(0), 10);
        assert_eq!(n.cp_len(1), 9);
        // PSS: last symbol of slot 0, body at 832 in the srsRAN capture.
        assert_eq!(n.symbol_body(6), 832);
        assert_eq!(n.symbol_start(7), 960);
        let n = Numerology::lte(Bandwidth::Mhz10, CyclicPrefix::Normal);
        assert_eq!(n.symbol_body(6), 6656);
        let n = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Extended);
        assert_eq!(n.cp_len(3), 32);
        assert_eq!(n.symbol_start(6), 960);
    }

    #[test]
    fn rates() {
        assert_eq!(Numerology::fft_size_for_rate(1.92e6).unwrap(), 128);
        assert_eq!(Numerology::fft_size_for_rate(23.04e6).unwrap(), 1536);
        assert!(Numerology::fft_size_for_rate(1e6).is_err());
        assert!(Numerology::fft_size_for_rate(f64::NAN).is_err());
        assert_eq!(
            Numerology::for_rate(15.36e6, CyclicPrefix::Normal)
                .unwrap()
                .n_prb(),
            50
        );
        assert_eq!(
            Numerology::for_rate(23.04e6, CyclicPrefix::Normal)
                .unwrap()
                .n_prb(),
            100
        );
        assert_eq!(
            Numerology::for_rate(30.72e6, CyclicPrefix::Normal)
                .unwrap()
                .n_prb(),
            100
        );
        assert_eq!(
            Numerology::for_rate(1.92e6, CyclicPrefix::Normal)
                .unwrap()
                .n_prb(),
            6
        );
    }

    #[test]
    fn bins_skip_dc() {
        let n = Numerology::lte(Bandwidth::Mhz1_4, CyclicPrefix::Normal);
        assert_eq!(n.bin_of(0), 128 - 36);
        assert_eq!(n.bin_of(35), 127);
        assert_eq!(n.bin_of(36), 1);
        assert_eq!(n.bin_of(71), 36);
    }

    #[test]
    fn tdd_tables() {
        let d = Duplex::tdd(1, 7).unwrap();
        assert_eq!(d.subframe_kind(0), SubframeKind::Downlink);
        assert_eq!(d.subframe_kind(1), SubframeKind::Special);
        assert_eq!(d.subframe_kind(2), SubframeKind::Uplink);
        assert_eq!(d.subframe_kind(4), SubframeKind::Downlink);
        let s = d.special_subframe(CyclicPrefix::Normal).unwrap();
        assert_eq!(s.dwpts_ts + s.gp_ts + s.uppts_ts, 30720);
        assert_eq!(s.dwpts_ts, 21952);
        assert!(Duplex::tdd(7, 0).is_err());
        assert!(Duplex::Fdd.special_subframe(CyclicPrefix::Normal).is_none());
    }

    #[test]
    fn tv_plans() {
        let p = tv_channel_plan(TvRaster::Us6, 21, TvFit::Standard).unwrap();
        assert_eq!(p.numerology.n_prb(), 25);
        assert!((p.center_hz - 515e6).abs() < 1.0);
        let p = tv_channel_plan(
            TvRaster::Us6,
            21,
            TvFit::Fill {
                min_guard_hz: 250_000,
            },
        )
        .unwrap();
        assert_eq!(p.numerology.n_prb(), 30);
        assert_eq!(p.numerology.fft_size(), 384);
        assert!(p.guard_hz >= 250e3);
        let p = tv_channel_plan(
            TvRaster::Eu8Uhf,
            21,
            TvFit::Fill {
                min_guard_hz: 250_000,
            },
        )
        .unwrap();
        assert_eq!(p.numerology.n_prb(), 41);
        assert!((p.center_hz - 474e6).abs() < 1.0);
        assert!(tv_channel_plan(TvRaster::Us6, 37, TvFit::Standard).is_err());
    }
}
