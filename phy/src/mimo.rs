//! Multi-antenna downlink: layer mapping, precoding and the matching receivers.
//!
//! Transmit side (36.211 §6.3.3, §6.3.4), for one set of resource elements in mapping order:
//!
//! | [`Scheme`] | ports | layers | precoding |
//! |---|---|---|---|
//! | `SinglePort` | 1 | 1 | y⁽⁰⁾(i) = x⁽⁰⁾(i) |
//! | `TxDiversity { ports: 2 }` | 2 | 2 | SFBC (Alamouti in frequency), §6.3.4.3 |
//! | `TxDiversity { ports: 4 }` | 4 | 4 | SFBC on port pairs (0, 2) and (1, 3) alternately |
//! | `ClosedLoop { layers, codebook }` (TM4) | 2 | 1, 2 | y(i) = W·x(i), W from Table 6.3.4.2.3-1 |
//! | `LargeDelayCdd` (TM3) | 2 | 2 | y(i) = W·D(i)·U·x(i), §6.3.4.2.2 |
//!
//! Layer vectors are stored interleaved: `x[i·v + k]` is x⁽ᵏ⁾(i) for layer k of v. With one
//! codeword this is the codeword itself (x⁽ᵏ⁾(i) = d(v·i + k) for transmit diversity and for
//! one codeword on two layers, Table 6.3.3.2-1 and §6.3.3.3); two codewords on two layers are
//! interleaved (x⁽⁰⁾(i) = d⁽⁰⁾(i), x⁽¹⁾(i) = d⁽¹⁾(i)). Per-port outputs are `y[p][j]`.
//!
//! Large-delay CDD for two ports uses codebook index 0 (W = I/√2, 36.213 §7.1.3),
//! U = [[1, 1], [1, −1]]/√2 and D(i) = diag(1, e^{−jπi}), so the effective precoder
//! W·D(i)·U = ½·[[1, 1], [(−1)ⁱ, −(−1)ⁱ]] alternates between two unitary matrices.
//!
//! Receive side, per resource element j with n_rx antennas and the estimated channel
//! H (n_rx × ports) of [`crate::estimation`]: the effective channel H_eff = H·P(j) (n_rx × v)
//! gives the Gram matrix G = H_effᴴH_eff and the matched filter z = H_effᴴy.
//! - ZF: x̂ = G⁻¹z, post-detection noise variance σ²·[G⁻¹]_kk (needs n_rx ≥ v).
//! - MMSE: x̃ = (G + σ²I)⁻¹z = B·z; the bias β_k = 1 − σ²B_kk is divided out, and the
//!   post-detection SINR_k = β_k/(1 − β_k) ≥ the ZF SINR.
//! - Transmit diversity: SFBC combining summed over the receive antennas (MRC).
//!
//! Every receiver writes, per layer symbol, the unbiased estimate x̂ and its noise variance
//! 1/SINR (unit-energy symbols), the convention of [`crate::equalize`]; [`llrs`] turns them
//! into LLRs scaled by the post-detection SINR.
//!
//! # References
//! 3GPP TS 36.211 §6.3.3, §6.3.4 (Table 6.3.4.2.3-1); TS 36.213 §7.1.3; TS 36.212
//! Table 5.3.3.1.5-4 (precoding information in DCI format 2); S. M. Alamouti, IEEE JSAC
//! 16(8), 1998; D. Tse and P. Viswanath, *Fundamentals of Wireless Communication*, §8.3
//! (linear MMSE receiver and its SINR).

use crate::modulation::{demap_maxlog_fast, Modulation};
use crate::{Complex32, Error, Result};

const C0: Complex32 = Complex32::new(0.0, 0.0);

/// How codewords reach the antenna ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// One antenna port (port 0), one layer (TM1).
    SinglePort,
    /// Transmit diversity (SFBC) on 2 or 4 ports (TM2, and the fallback of TM3/TM4).
    TxDiversity {
        /// 2 or 4.
        ports: usize,
    },
    /// Closed-loop spatial multiplexing on 2 ports (TM4): codebook index of Table
    /// 6.3.4.2.3-1 (0…3 for one layer, 0…2 for two layers).
    ClosedLoop {
        /// 1 or 2.
        layers: usize,
        /// Codebook index.
        codebook: usize,
    },
    /// Large-delay cyclic delay diversity on 2 ports, 2 layers (TM3, rank 2).
    LargeDelayCdd,
}

impl Scheme {
    /// Antenna ports used.
    pub fn ports(self) -> usize {
        match self {
            Scheme::SinglePort => 1,
            Scheme::TxDiversity { ports } => ports,
            Scheme::ClosedLoop { .. } | Scheme::LargeDelayCdd => 2,
        }
    }

    /// Layers v.
    pub fn layers(self) -> usize {
        match self {
            Scheme::SinglePort => 1,
            Scheme::TxDiversity { ports } => ports,
            Scheme::ClosedLoop { layers, .. } => layers,
            Scheme::LargeDelayCdd => 2,
        }
    }

    /// Check the parameters.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a port count, layer count or codebook index the standard
    /// does not define for two ports.
    pub fn validate(self) -> Result<()> {
        let bad = |what, value: String| Err(Error::Unsupported { what, value });
        match self {
            Scheme::TxDiversity { ports } if ports != 2 && ports != 4 => {
                bad("transmit-diversity ports", ports.to_string())
            }
            Scheme::ClosedLoop { layers, codebook } => {
                if codebook_2port(layers, codebook).is_none() {
                    bad(
                        "2-port codebook entry",
                        format!("{layers} layer(s), index {codebook}"),
                    )
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// The scheme from DCI format 2's precoding information for 2 ports
    /// (36.212 Table 5.3.3.1.5-4); `two_codewords` says whether both transport blocks are
    /// enabled. Values that refer to the UE's last PMI report (5, 6 with one codeword; 2
    /// with two) are returned as `None`: the caller substitutes the reported PMI.
    pub fn from_dci2_2port(precoding_info: u8, two_codewords: bool) -> Option<Scheme> {
        if two_codewords {
            match precoding_info {
                0 => Some(Scheme::ClosedLoop {
                    layers: 2,
                    codebook: 1,
                }),
                1 => Some(Scheme::ClosedLoop {
                    layers: 2,
                    codebook: 2,
                }),
                _ => None,
            }
        } else {
            match precoding_info {
                0 => Some(Scheme::TxDiversity { ports: 2 }),
                1..=4 => Some(Scheme::ClosedLoop {
                    layers: 1,
                    codebook: usize::from(precoding_info) - 1,
                }),
                _ => None,
            }
        }
    }

    /// The effective precoder P(i) (ports × layers, `p[port][layer]`) of a
    /// spatial-multiplexing scheme at layer index i; `None` for single port and transmit
    /// diversity.
    pub fn precoder(self, i: usize) -> Option<[[Complex32; 2]; 2]> {
        match self {
            Scheme::ClosedLoop { layers, codebook } => codebook_2port(layers, codebook),
            Scheme::LargeDelayCdd => {
                let s = if i.is_multiple_of(2) { 0.5 } else { -0.5 };
                Some([
                    [Complex32::new(0.5, 0.0), Complex32::new(0.5, 0.0)],
                    [Complex32::new(s, 0.0), Complex32::new(-s, 0.0)],
                ])
            }
            _ => None,
        }
    }
}

/// The 2-port codebook entry W (`w[port][layer]`, unused second column zero for one
/// layer) of 36.211 Table 6.3.4.2.3-1, or `None` where the table has none.
pub fn codebook_2port(layers: usize, index: usize) -> Option<[[Complex32; 2]; 2]> {
    let r = std::f32::consts::FRAC_1_SQRT_2;
    let c = |re: f32, im: f32| Complex32::new(re, im);
    match (layers, index) {
        (1, 0) => Some([[c(r, 0.0), C0], [c(r, 0.0), C0]]),
        (1, 1) => Some([[c(r, 0.0), C0], [c(-r, 0.0), C0]]),
        (1, 2) => Some([[c(r, 0.0), C0], [c(0.0, r), C0]]),
        (1, 3) => Some([[c(r, 0.0), C0], [c(0.0, -r), C0]]),
        (2, 0) => Some([[c(r, 0.0), C0], [C0, c(r, 0.0)]]),
        (2, 1) => Some([[c(0.5, 0.0), c(0.5, 0.0)], [c(0.5, 0.0), c(-0.5, 0.0)]]),
        (2, 2) => Some([[c(0.5, 0.0), c(0.5, 0.0)], [c(0.0, 0.5), c(0.0, -0.5)]]),
        _ => None,
    }
}

/// Layer mapping (36.211 §6.3.3): codeword symbols → interleaved layer vectors
/// `x[i·v + k]` (see the module docs). Returns the layer symbols; their count is
/// v·M_symb^layer.
///
/// For 4-port transmit diversity a codeword whose length is 2 mod 4 gets two null symbols
/// appended (§6.3.3.3).
///
/// # Errors
/// [`Error::Unsupported`] for a bad scheme or codeword count (two codewords need two
/// layers); [`Error::Length`] for lengths the mapping cannot split evenly.
pub fn layer_map(scheme: Scheme, codewords: &[&[Complex32]]) -> Result<Vec<Complex32>> {
    scheme.validate()?;
    let v = scheme.layers();
    match codewords {
        [d] => {
            let mut x = d.to_vec();
            if let Scheme::TxDiversity { ports: 4 } = scheme {
                if x.len() % 4 == 2 {
                    x.extend([C0, C0]);
                }
            }
            if x.len() % v != 0 {
                return Err(Error::Length {
                    what: "codeword (multiple of the layer count)",
                    expected: x.len().next_multiple_of(v),
                    got: x.len(),
                });
            }
            Ok(x)
        }
        [d0, d1] if v == 2 && !matches!(scheme, Scheme::TxDiversity { .. }) => {
            if d0.len() != d1.len() {
                return Err(Error::Length {
                    what: "second codeword",
                    expected: d0.len(),
                    got: d1.len(),
                });
            }
            Ok(d0.iter().zip(*d1).flat_map(|(a, b)| [*a, *b]).collect())
        }
        _ => Err(Error::Unsupported {
            what: "codeword count for this scheme",
            value: codewords.len().to_string(),
        }),
    }
}

/// Inverse layer mapping for `n_codewords` (1 or 2) of anything per layer symbol (symbols,
/// (x̂, var) pairs): one codeword is `x` itself; two are de-interleaved.
///
/// # Errors
/// [`Error::Unsupported`] for a codeword count other than 1 or 2; [`Error::Length`] for an
/// odd length with two codewords.
pub fn layer_demap<T: Copy>(x: &[T], n_codewords: usize) -> Result<Vec<Vec<T>>> {
    match n_codewords {
        1 => Ok(vec![x.to_vec()]),
        2 if x.len().is_multiple_of(2) => Ok(vec![
            x.iter().step_by(2).copied().collect(),
            x.iter().skip(1).step_by(2).copied().collect(),
        ]),
        2 => Err(Error::Length {
            what: "layer symbols for two codewords",
            expected: x.len() + 1,
            got: x.len(),
        }),
        n => Err(Error::Unsupported {
            what: "codeword count",
            value: n.to_string(),
        }),
    }
}

/// Resource elements per port M_symb^ap that `n_layer_symbols` interleaved layer symbols
/// occupy under `scheme`.
pub fn res_per_port(scheme: Scheme, n_layer_symbols: usize) -> usize {
    match scheme {
        Scheme::TxDiversity { .. } | Scheme::SinglePort => n_layer_symbols,
        _ => n_layer_symbols / scheme.layers(),
    }
}

/// Precoding (36.211 §6.3.4): layer symbols `x` (interleaved) → per-port symbols; `y[p]`
/// is resized to M_symb^ap for each port p < ports. Returns M_symb^ap.
///
/// # Errors
/// [`Error::Unsupported`] for a bad scheme; [`Error::Length`] if `y` has fewer than
/// `ports` vectors or `x` does not split into whole layer vectors (pairs for 2-port and
/// quadruples for 4-port transmit diversity).
pub fn precode(scheme: Scheme, x: &[Complex32], y: &mut [Vec<Complex32>]) -> Result<usize> {
    scheme.validate()?;
    let ports = scheme.ports();
    let v = scheme.layers();
    if y.len() < ports {
        return Err(Error::Length {
            what: "per-port output vectors",
            expected: ports,
            got: y.len(),
        });
    }
    if !x.len().is_multiple_of(v) {
        return Err(Error::Length {
            what: "layer symbols (multiple of the layer count)",
            expected: x.len().next_multiple_of(v),
            got: x.len(),
        });
    }
    let m = res_per_port(scheme, x.len());
    for p in y.iter_mut().take(ports) {
        p.clear();
        p.resize(m, C0);
    }
    match scheme {
        Scheme::SinglePort => y[0].copy_from_slice(x),
        Scheme::TxDiversity { ports } => sfbc_encode_into(x, ports, y),
        _ => {
            for i in 0..m {
                let w = scheme.precoder(i).unwrap_or_default();
                for (p, yp) in y.iter_mut().enumerate().take(ports) {
                    yp[i] = (0..v).map(|k| w[p][k] * x[i * v + k]).sum();
                }
            }
        }
    }
    Ok(m)
}

/// The SFBC port pair of the symbol pair starting at even index `i`.
#[inline]
fn sfbc_pair(ports: usize, i: usize) -> (usize, usize) {
    if ports == 2 || (i / 2).is_multiple_of(2) {
        (0, 1 + usize::from(ports == 4))
    } else {
        (1, 3)
    }
}

/// SFBC encoding into pre-sized `y[p]` (len = x.len(), even).
fn sfbc_encode_into(x: &[Complex32], ports: usize, y: &mut [Vec<Complex32>]) {
    let s = std::f32::consts::FRAC_1_SQRT_2;
    for i in (0..x.len() - x.len() % 2).step_by(2) {
        let (pa, pb) = sfbc_pair(ports, i);
        y[pa][i] = x[i] * s;
        y[pb][i] = -x[i + 1].conj() * s;
        y[pa][i + 1] = x[i + 1] * s;
        y[pb][i + 1] = x[i].conj() * s;
    }
}

/// SFBC encoding (36.211 §6.3.3.3 + §6.3.4.3): `x` (even length; multiple of 4 for 4
/// ports) into per-port symbols `y[p][i]`.
///
/// # Panics
/// If `ports` ∉ {2, 4}, `y` holds fewer than `ports` vectors, or the length is odd.
pub fn sfbc_encode(x: &[Complex32], ports: usize, y: &mut [Vec<Complex32>]) {
    assert!(ports == 2 || ports == 4, "sfbc: ports");
    assert!(
        y.len() >= ports && x.len().is_multiple_of(2),
        "sfbc: lengths"
    );
    for p in y.iter_mut().take(ports) {
        p.clear();
        p.resize(x.len(), C0);
    }
    sfbc_encode_into(x, ports, y);
}

/// Linear detector for spatial multiplexing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detector {
    /// Zero forcing (needs at least as many receive antennas as layers).
    Zf,
    /// Linear MMSE, bias removed.
    Mmse,
}

/// Received resource elements and their channel, in mapping order.
///
/// `y[r][j]`: receive antenna r, resource element j. `h[r · ports + p][j]`: channel from
/// port p to antenna r at element j. All slices have the same length M_symb^ap.
#[derive(Debug, Clone, Copy)]
pub struct RxView<'a> {
    /// Per receive antenna.
    pub y: &'a [&'a [Complex32]],
    /// Per (antenna, port), antenna-major.
    pub h: &'a [&'a [Complex32]],
    /// Noise variance per resource element and antenna (grid scale).
    pub noise_var: f32,
}

impl RxView<'_> {
    fn check(&self, ports: usize) -> Result<usize> {
        let n_rx = self.y.len();
        if n_rx == 0 {
            return Err(Error::Length {
                what: "receive antennas",
                expected: 1,
                got: 0,
            });
        }
        if self.h.len() != n_rx * ports {
            return Err(Error::Length {
                what: "channel slices (antennas × ports)",
                expected: n_rx * ports,
                got: self.h.len(),
            });
        }
        let m = self.y[0].len();
        for s in self.y.iter().chain(self.h) {
            if s.len() != m {
                return Err(Error::Length {
                    what: "resource elements per antenna/port",
                    expected: m,
                    got: s.len(),
                });
            }
        }
        Ok(m)
    }
}

/// Post-detection variance reported for a resource element the detector cannot resolve
/// (a singular channel): LLRs of such symbols are ~0.
const VAR_UNRESOLVED: f32 = 1e6;

/// Detect the layer symbols of `scheme` from `rx`: writes (x̂, 1/SINR) per layer symbol
/// into `out` (interleaved layer layout, v·M_symb^ap entries for spatial multiplexing,
/// M_symb^ap for one port and transmit diversity). `det` applies to spatial multiplexing;
/// single port and SFBC use maximum-ratio combining, which both ZF and MMSE reduce to.
///
/// # Errors
/// [`Error::Length`] for inconsistent slices, an odd M_symb^ap for 2-port SFBC (not a
/// multiple of 4 for 4 ports) or `out` of the wrong length; [`Error::Unsupported`] for
/// ZF with fewer receive antennas than layers or a bad scheme.
pub fn detect(
    scheme: Scheme,
    det: Detector,
    rx: &RxView<'_>,
    out: &mut [(Complex32, f32)],
) -> Result<()> {
    scheme.validate()?;
    let ports = scheme.ports();
    let v = scheme.layers();
    let m = rx.check(ports)?;
    let n_out = match scheme {
        Scheme::SinglePort | Scheme::TxDiversity { .. } => m,
        _ => v * m,
    };
    if out.len() != n_out {
        return Err(Error::Length {
            what: "detector output",
            expected: n_out,
            got: out.len(),
        });
    }
    let n_rx = rx.y.len();
    let s2 = rx.noise_var.max(1e-12);
    match scheme {
        Scheme::SinglePort => {
            for (j, o) in out.iter_mut().enumerate() {
                let mut g = 0f32;
                let mut z = C0;
                for r in 0..n_rx {
                    let h = rx.h[r][j];
                    g += h.norm_sqr();
                    z += h.conj() * rx.y[r][j];
                }
                *o = if g > 1e-20 {
                    (z / g, s2 / g)
                } else {
                    (C0, VAR_UNRESOLVED)
                };
            }
        }
        Scheme::TxDiversity { ports } => {
            let q = if ports == 2 { 2 } else { 4 };
            if m % q != 0 {
                return Err(Error::Length {
                    what: "SFBC resource elements",
                    expected: m.next_multiple_of(q),
                    got: m,
                });
            }
            sfbc_combine(rx, ports, n_rx, s2, out);
        }
        _ => {
            if det == Detector::Zf && n_rx < v {
                return Err(Error::Unsupported {
                    what: "ZF with fewer receive antennas than layers",
                    value: format!("{n_rx} < {v}"),
                });
            }
            sm_detect(scheme, det, rx, n_rx, m, s2, out);
        }
    }
    Ok(())
}

fn sfbc_combine(rx: &RxView<'_>, ports: usize, n_rx: usize, s2: f32, out: &mut [(Complex32, f32)]) {
    let sq2 = std::f32::consts::SQRT_2;
    for i in (0..out.len()).step_by(2) {
        let (pa, pb) = sfbc_pair(ports, i);
        let mut g = 0f32;
        let mut z0 = C0;
        let mut z1 = C0;
        for r in 0..n_rx {
            let (ya, yb) = (rx.y[r][i], rx.y[r][i + 1]);
            let ha = rx.h[r * ports + pa];
            let hb = rx.h[r * ports + pb];
            let (h0a, h1a, h0b, h1b) = (ha[i], hb[i], ha[i + 1], hb[i + 1]);
            g += 0.5 * (h0a.norm_sqr() + h1b.norm_sqr() + h0b.norm_sqr() + h1a.norm_sqr());
            z0 += h0a.conj() * ya + h1b * yb.conj();
            z1 += h0b.conj() * yb - h1a * ya.conj();
        }
        if g > 1e-20 {
            let var = 2.0 * s2 / g;
            out[i] = (z0 * (sq2 / g), var);
            out[i + 1] = (z1 * (sq2 / g), var);
        } else {
            out[i] = (C0, VAR_UNRESOLVED);
            out[i + 1] = (C0, VAR_UNRESOLVED);
        }
    }
}

fn sm_detect(
    scheme: Scheme,
    det: Detector,
    rx: &RxView<'_>,
    n_rx: usize,
    m: usize,
    s2: f32,
    out: &mut [(Complex32, f32)],
) {
    let v = scheme.layers();
    for j in 0..m {
        let w = scheme.precoder(j).unwrap_or_default();
        // Gram matrix [[a, b], [b*, d]] and matched filter (z0, z1).
        let (mut a, mut d, mut b) = (0f32, 0f32, C0);
        let (mut z0, mut z1) = (C0, C0);
        for r in 0..n_rx {
            let h0 = rx.h[2 * r][j];
            let h1 = rx.h[2 * r + 1][j];
            let e0 = h0 * w[0][0] + h1 * w[1][0];
            let y = rx.y[r][j];
            a += e0.norm_sqr();
            z0 += e0.conj() * y;
            if v == 2 {
                let e1 = h0 * w[0][1] + h1 * w[1][1];
                d += e1.norm_sqr();
                b += e0.conj() * e1;
                z1 += e1.conj() * y;
            }
        }
        if v == 1 {
            out[j] = if a > 1e-20 {
                (z0 / a, s2 / a)
            } else {
                (C0, VAR_UNRESOLVED)
            };
            continue;
        }
        let o = &mut out[2 * j..2 * j + 2];
        match det {
            Detector::Zf => {
                let det_g = a * d - b.norm_sqr();
                if det_g <= 1e-9 * (a + d) * (a + d) + 1e-30 {
                    o[0] = (C0, VAR_UNRESOLVED);
                    o[1] = (C0, VAR_UNRESOLVED);
                    continue;
                }
                let inv = 1.0 / det_g;
                // G⁻¹ = [[d, −b], [−b*, a]]/det.
                let x0 = (z0 * d - b * z1) * inv;
                let x1 = (z1 * a - b.conj() * z0) * inv;
                o[0] = (x0, (s2 * d * inv).min(VAR_UNRESOLVED));
                o[1] = (x1, (s2 * a * inv).min(VAR_UNRESOLVED));
            }
            Detector::Mmse => {
                let (ar, dr) = (a + s2, d + s2);
                let inv = 1.0 / (ar * dr - b.norm_sqr()).max(1e-30);
                let (b00, b11) = (dr * inv, ar * inv);
                let x0 = (z0 * dr - b * z1) * inv;
                let x1 = (z1 * ar - b.conj() * z0) * inv;
                for (k, (x, bkk)) in [(x0, b00), (x1, b11)].into_iter().enumerate() {
                    let beta = 1.0 - s2 * bkk;
                    o[k] = if beta > 1e-6 {
                        (x / beta, ((1.0 - beta) / beta).min(VAR_UNRESOLVED))
                    } else {
                        (C0, VAR_UNRESOLVED)
                    };
                }
            }
        }
    }
}

/// Max-log LLRs of detected symbols, each scaled by its post-detection SINR (1/var):
/// `llr` gets Q_m values per entry of `eq`.
///
/// # Errors
/// [`Error::Length`] unless `llr.len() == eq.len() · Q_m`.
pub fn llrs(m: Modulation, eq: &[(Complex32, f32)], llr: &mut [f32]) -> Result<()> {
    let qm = m.bits_per_symbol();
    if llr.len() != eq.len() * qm {
        return Err(Error::Length {
            what: "LLR buffer",
            expected: eq.len() * qm,
            got: llr.len(),
        });
    }
    let mut syms = [C0; 64];
    for (e, l) in eq.chunks(64).zip(llr.chunks_mut(64 * qm)) {
        for (s, x) in syms.iter_mut().zip(e) {
            *s = x.0;
        }
        demap_maxlog_fast(m, &syms[..e.len()], 1.0, l);
        for (chunk, x) in l.chunks_exact_mut(qm).zip(e) {
            let s = 1.0 / x.1.max(1e-9);
            for v in chunk {
                *v *= s;
            }
        }
    }
    Ok(())
}

/// Pass per-port symbols through a MIMO channel without noise: `y[r][j] = Σ_p
/// h[r·ports + p][j] · x[p][j]` (`y[r]` resized). The simulator's link model adds noise.
///
/// # Errors
/// [`Error::Length`] for inconsistent lengths (`h.len()` must be `y.len()·x.len()`).
pub fn apply_channel(
    x: &[Vec<Complex32>],
    h: &[&[Complex32]],
    y: &mut [Vec<Complex32>],
) -> Result<()> {
    let ports = x.len();
    if ports == 0 || h.len() != y.len() * ports {
        return Err(Error::Length {
            what: "channel slices (antennas × ports)",
            expected: y.len() * ports,
            got: h.len(),
        });
    }
    let m = x[0].len();
    if let Some(bad) = x
        .iter()
        .map(Vec::len)
        .chain(h.iter().map(|s| s.len()))
        .find(|&l| l != m)
    {
        return Err(Error::Length {
            what: "resource elements per port",
            expected: m,
            got: bad,
        });
    }
    for (r, yr) in y.iter_mut().enumerate() {
        yr.clear();
        yr.resize(m, C0);
        for (p, xp) in x.iter().enumerate() {
            for ((o, hv), xv) in yr.iter_mut().zip(h[r * ports + p]).zip(xp) {
                *o += hv * xv;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syms(n: usize) -> Vec<Complex32> {
        (0..n)
            .map(|i| Complex32::new((i % 7) as f32 - 3.0, 1.0 - (i % 5) as f32 * 0.5))
            .collect()
    }

    #[test]
    fn codebook_is_unitary_up_to_scale() {
        for idx in 0..4 {
            let w = codebook_2port(1, idx).unwrap();
            let e: f32 = w.iter().map(|r| r[0].norm_sqr()).sum();
            assert!((e - 1.0).abs() < 1e-6);
        }
        for idx in 0..3 {
            let w = codebook_2port(2, idx).unwrap();
            // WᴴW = I/2.
            for a in 0..2 {
                for b in 0..2 {
                    let g: Complex32 = (0..2).map(|p| w[p][a].conj() * w[p][b]).sum();
                    let want = if a == b { 0.5 } else { 0.0 };
                    assert!((g - Complex32::new(want, 0.0)).norm() < 1e-6);
                }
            }
        }
        assert!(codebook_2port(2, 3).is_none());
        assert!(codebook_2port(1, 4).is_none());
    }

    #[test]
    fn dci2_precoding_information() {
        assert_eq!(
            Scheme::from_dci2_2port(0, false),
            Some(Scheme::TxDiversity { ports: 2 })
        );
        assert_eq!(
            Scheme::from_dci2_2port(4, false),
            Some(Scheme::ClosedLoop {
                layers: 1,
                codebook: 3
            })
        );
        assert_eq!(
            Scheme::from_dci2_2port(1, true),
            Some(Scheme::ClosedLoop {
                layers: 2,
                codebook: 2
            })
        );
        assert_eq!(Scheme::from_dci2_2port(5, false), None);
    }

    #[test]
    fn layer_mapping_rules() {
        let d = syms(6);
        let x = layer_map(Scheme::TxDiversity { ports: 4 }, &[&d]).unwrap();
        assert_eq!(x.len(), 8);
        assert_eq!(x[6], C0);
        let d1 = syms(3);
        let d0: Vec<Complex32> = d1.iter().map(|v| v * 2.0).collect();
        let x = layer_map(Scheme::LargeDelayCdd, &[&d0, &d1]).unwrap();
        assert_eq!(x[1], d1[0]);
        assert_eq!(x[2], d0[1]);
        let back = layer_demap(&x, 2).unwrap();
        assert_eq!(back[0], d0);
        assert_eq!(back[1], d1);
        assert!(layer_map(Scheme::SinglePort, &[&d0, &d1]).is_err());
        assert!(layer_map(Scheme::LargeDelayCdd, &[&d0, &d]).is_err());
        assert!(layer_map(Scheme::TxDiversity { ports: 3 }, &[&d]).is_err());
    }

    /// Identity channel (port p → antenna p) and noise-free: every scheme round-trips.
    #[test]
    fn noise_free_round_trip_every_scheme() {
        let mut schemes = vec![
            Scheme::SinglePort,
            Scheme::TxDiversity { ports: 2 },
            Scheme::TxDiversity { ports: 4 },
            Scheme::LargeDelayCdd,
        ];
        for cb in 0..4 {
            schemes.push(Scheme::ClosedLoop {
                layers: 1,
                codebook: cb,
            });
        }
        for cb in 0..3 {
            schemes.push(Scheme::ClosedLoop {
                layers: 2,
                codebook: cb,
            });
        }
        let d = syms(24);
        for s in schemes {
            let ports = s.ports();
            let x = layer_map(s, &[&d]).unwrap();
            let mut y = vec![Vec::new(); ports];
            let m = precode(s, &x, &mut y).unwrap();
            // A fixed, well-conditioned channel with as many antennas as ports.
            let n_rx = ports.max(2);
            let hv: Vec<Vec<Complex32>> = (0..n_rx * ports)
                .map(|i| {
                    let (r, p) = (i / ports, i % ports);
                    let g = if r == p { 1.0 } else { 0.3 };
                    vec![Complex32::new(g, 0.1 * (i as f32)); m]
                })
                .collect();
            let h: Vec<&[Complex32]> = hv.iter().map(|v| v.as_slice()).collect();
            let mut rxv = vec![Vec::new(); n_rx];
            apply_channel(&y, &h, &mut rxv).unwrap();
            let yr: Vec<&[Complex32]> = rxv.iter().map(|v| v.as_slice()).collect();
            let view = RxView {
                y: &yr,
                h: &h,
                noise_var: 1e-9,
            };
            for det in [Detector::Zf, Detector::Mmse] {
                let mut out = vec![(C0, 0.0); x.len()];
                detect(s, det, &view, &mut out).unwrap();
                for (a, b) in x.iter().zip(&out) {
                    assert!((a - b.0).norm() < 1e-3, "{s:?} {det:?}: {a} vs {}", b.0);
                }
            }
        }
    }

    #[test]
    fn zf_needs_enough_antennas() {
        let s = Scheme::ClosedLoop {
            layers: 2,
            codebook: 1,
        };
        let y = [C0; 4];
        let h0 = [Complex32::new(1.0, 0.0); 4];
        let view = RxView {
            y: &[&y],
            h: &[&h0, &h0],
            noise_var: 0.1,
        };
        let mut out = vec![(C0, 0.0); 8];
        assert!(detect(s, Detector::Zf, &view, &mut out).is_err());
        assert!(detect(s, Detector::Mmse, &view, &mut out).is_ok());
        let mut short = vec![(C0, 0.0); 7];
        assert!(detect(s, Detector::Mmse, &view, &mut short).is_err());
    }
}
