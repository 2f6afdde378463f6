//! Equalisers: single-port ZF/MMSE and transmit-diversity (SFBC) combining for 2 and 4 ports.
//!
//! Every function returns, per data symbol, the unbiased symbol estimate x̂ and the noise
//! variance of that estimate, so that LLRs are `demap(x̂) / var` (see
//! [`crate::modulation::demap_maxlog`] with unit noise and a per-symbol scale).
//!
//! SFBC (36.211 §6.3.4.3), 2 ports, for the symbol pair (x0, x1) on resource elements
//! (a, b): port 0 sends (x0, x1)/√2, port 1 sends (−x1*, x0*)/√2. Receiver:
//! x̂0 ∝ h0a*·ya + h1b·yb*, x̂1 ∝ h0b*·yb − h1a·ya*, normalised by (|h0|² + |h1|²)/√2.
//! 4 ports: symbols 4i, 4i+1 on ports (0, 2), symbols 4i+2, 4i+3 on ports (1, 3).
//!
//! # References
//! 3GPP TS 36.211 §6.3.3.3, §6.3.4.3; S. M. Alamouti, IEEE JSAC 16(8), 1998.

use crate::mimo;
use crate::Complex32;

/// Single-antenna-port equaliser type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equalizer {
    /// Zero forcing: x̂ = y/h.
    Zf,
    /// MMSE: x̂ = h*·y/(|h|² + σ²), then rescaled to be unbiased (same x̂ as ZF for one
    /// stream, but the estimate is robust when |h| ≈ 0).
    Mmse,
}

/// Equalise one port: `y`, `h` per RE; writes (x̂, var) per RE.
pub fn single_port(
    eq: Equalizer,
    y: &[Complex32],
    h: &[Complex32],
    noise_var: f32,
    out: &mut [(Complex32, f32)],
) {
    for ((o, yy), hh) in out.iter_mut().zip(y).zip(h) {
        let g = hh.norm_sqr();
        *o = match eq {
            Equalizer::Zf => {
                let g = g.max(1e-12);
                (yy * hh.conj() / g, noise_var / g)
            }
            Equalizer::Mmse => {
                let d = g + noise_var;
                let x = yy * hh.conj() / d.max(1e-12);
                // Bias g/(g+σ²): unbias and report the matching variance.
                let bias = (g / d.max(1e-12)).max(1e-6);
                (x / bias, noise_var / g.max(1e-12))
            }
        };
    }
}

/// SFBC combining for one receive antenna. `y[i]` and `h[p][i]` for the i-th data RE
/// (pairs 2j, 2j+1 in mapping order), `ports` 2 or 4; writes one (x̂, var) per RE.
/// The implementation (with several receive antennas) is [`crate::mimo::detect`].
///
/// # Panics
/// If `ports` ∉ {2, 4}, or the lengths disagree, or the length is odd (not a multiple of 4
/// for 4 ports).
pub fn sfbc(
    y: &[Complex32],
    h: &[&[Complex32]],
    ports: usize,
    noise_var: f32,
    out: &mut [(Complex32, f32)],
) {
    assert!(ports == 2 || ports == 4, "sfbc: ports");
    assert!(h.len() >= ports && out.len() == y.len());
    let view = mimo::RxView {
        y: &[y],
        h: &h[..ports],
        noise_var,
    };
    if let Err(e) = mimo::detect(
        mimo::Scheme::TxDiversity { ports },
        mimo::Detector::Mmse,
        &view,
        out,
    ) {
        panic!("sfbc: {e}");
    }
}

pub use crate::mimo::sfbc_encode;

/// Two-port SFBC combining over contiguous per-RE arrays (the receive hot path):
/// `y`, `h0`, `h1` hold the data REs in mapping order (pairs 2j, 2j+1), `x` receives the
/// unbiased symbol estimates and `inv_var` the reciprocal of each estimate's noise
/// variance (the LLR scale), g/(2σ²) with g = (|h0a|² + |h0b|² + |h1a|² + |h1b|²)/2.
/// Same estimates as [`sfbc`] with `ports = 2`, written so the compiler can vectorise.
///
/// # Panics
/// If the lengths disagree or are odd.
pub fn sfbc2_into(
    y: &[Complex32],
    h0: &[Complex32],
    h1: &[Complex32],
    noise_var: f32,
    x: &mut [Complex32],
    inv_var: &mut [f32],
) {
    let n = y.len();
    assert!(
        h0.len() == n && h1.len() == n && x.len() == n && inv_var.len() == n,
        "sfbc2_into: lengths"
    );
    assert!(n.is_multiple_of(2), "sfbc2_into: odd length");
    let s2 = std::f32::consts::SQRT_2;
    let inv_2n = 0.5 / noise_var.max(1e-12);
    for ((((yy, a), b), xo), vo) in y
        .chunks_exact(2)
        .zip(h0.chunks_exact(2))
        .zip(h1.chunks_exact(2))
        .zip(x.chunks_exact_mut(2))
        .zip(inv_var.chunks_exact_mut(2))
    {
        let (ya, yb) = (yy[0], yy[1]);
        let (h0a, h0b, h1a, h1b) = (a[0], a[1], b[0], b[1]);
        let g = 0.5 * (h0a.norm_sqr() + h1b.norm_sqr() + h0b.norm_sqr() + h1a.norm_sqr());
        let g = g.max(1e-12);
        let k = s2 / g;
        // conj(h0a)·ya + h1b·conj(yb) and conj(h0b)·yb − h1a·conj(ya), written out.
        let x0 = Complex32::new(
            h0a.re * ya.re + h0a.im * ya.im + h1b.re * yb.re + h1b.im * yb.im,
            h0a.re * ya.im - h0a.im * ya.re + h1b.im * yb.re - h1b.re * yb.im,
        );
        let x1 = Complex32::new(
            h0b.re * yb.re + h0b.im * yb.im - (h1a.re * ya.re + h1a.im * ya.im),
            h0b.re * yb.im - h0b.im * yb.re - (h1a.im * ya.re - h1a.re * ya.im),
        );
        xo[0] = x0 * k;
        xo[1] = x1 * k;
        let iv = g * inv_2n;
        vo[0] = iv;
        vo[1] = iv;
    }
}

/// Single-port MMSE over contiguous arrays: unbiased x̂ = y·h*/|h|² and the LLR scale
/// |h|²/σ² (the same estimates as [`single_port`] with [`Equalizer::Mmse`]).
///
/// # Panics
/// If the lengths disagree.
pub fn mmse1_into(
    y: &[Complex32],
    h: &[Complex32],
    noise_var: f32,
    x: &mut [Complex32],
    inv_var: &mut [f32],
) {
    let n = y.len();
    assert!(
        h.len() == n && x.len() == n && inv_var.len() == n,
        "mmse1_into: lengths"
    );
    let inv_n = 1.0 / noise_var.max(1e-12);
    for (((yy, hh), xo), vo) in y.iter().zip(h).zip(x.iter_mut()).zip(inv_var.iter_mut()) {
        let g = hh.norm_sqr().max(1e-12);
        *xo = yy * hh.conj() / g;
        *vo = g * inv_n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sfbc_roundtrip_2_and_4_ports() {
        let x: Vec<Complex32> = (0..8)
            .map(|i| Complex32::new(i as f32 - 3.0, 1.0 - i as f32 * 0.5))
            .collect();
        for ports in [2usize, 4] {
            let hs = [
                Complex32::new(0.7, 0.2),
                Complex32::new(-0.3, 0.9),
                Complex32::new(0.1, -0.4),
                Complex32::new(0.5, 0.5),
            ];
            let mut tx = vec![Vec::new(); 4];
            sfbc_encode(&x, ports, &mut tx);
            let y: Vec<Complex32> = (0..8)
                .map(|i| (0..ports).map(|p| hs[p] * tx[p][i]).sum())
                .collect();
            let hv: Vec<Vec<Complex32>> = hs.iter().map(|&h| vec![h; 8]).collect();
            let hr: Vec<&[Complex32]> = hv.iter().map(|v| v.as_slice()).collect();
            let mut out = vec![(Complex32::default(), 0.0); 8];
            sfbc(&y, &hr, ports, 0.01, &mut out);
            for (a, b) in x.iter().zip(&out) {
                assert!((a - b.0).norm() < 1e-4, "{ports}: {a} vs {}", b.0);
            }
            if ports == 2 {
                let mut xs = vec![Complex32::default(); 8];
                let mut iv = vec![0f32; 8];
                sfbc2_into(&y, &hv[0], &hv[1], 0.01, &mut xs, &mut iv);
                for ((a, b), v) in xs.iter().zip(&out).zip(&iv) {
                    assert!((a - b.0).norm() < 1e-5);
                    assert!((v * b.1 - 1.0).abs() < 1e-5);
                }
            }
        }
    }
}
