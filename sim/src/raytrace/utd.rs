//! Uniform theory of diffraction (UTD) for a straight wedge.
//!
//! The wedge has faces at `φ = 0` (the "0-face") and `φ = nπ` (the "n-face"), exterior angle
//! `nπ` (`n = 2` is a half-plane, `n = 1.5` a right-angled wedge). Angles `φ'` (incidence) and
//! `φ` (observation) are measured from the 0-face in the plane perpendicular to the edge;
//! `β0` is the angle between the incident ray and the edge. Time dependence `e^{jωt}`.
//!
//! [`wedge_coefficient`] returns the Kouyoumjian–Pathak coefficient with the transition
//! function `F(X)`, and optional face reflection coefficients (Luebbers' heuristic for lossy
//! wedges); with `R0 = Rn = −1` it is the perfectly conducting soft (TE/E-parallel) case, with
//! `+1` the hard case. Far from the shadow boundaries it reduces to Keller's GTD coefficient
//! ([`gtd_coefficient`]), the closed form the tests check it against.
//!
//! The diffracted field at distance `s` from the edge, for a point source at `s'`, is
//! `E_d = E_i(Q) · D · sqrt(s' / (s (s + s'))) · e^{−jks}`.
//!
//! # References
//! R. G. Kouyoumjian, P. H. Pathak, "A uniform geometrical theory of diffraction for an edge in
//! a perfectly conducting surface", Proc. IEEE 62(11), 1974; R. J. Luebbers, "Finite
//! conductivity uniform GTD versus knife edge diffraction in prediction of propagation path
//! loss", IEEE Trans. AP-32(1), 1984; ITU-R P.526-15 §4.1 (knife-edge J(v)).

use std::f64::consts::PI;

use num_complex::Complex64;

/// Fresnel integrals `(C(z), S(z)) = ∫0^z (cos, sin)(π t²/2) dt`, accurate to about 1e-6.
pub fn fresnel_cs(z: f64) -> (f64, f64) {
    let sign = z.signum();
    let z = z.abs();
    if z < 3.0 {
        // Power series: C = Σ (−1)^k (π/2)^{2k} z^{4k+1} / ((2k)! (4k+1)), S likewise.
        let x = PI / 2.0 * z * z;
        let (mut c, mut s) = (0.0, 0.0);
        let mut term = z; // (−1)^k x^{2k} z / (2k)!
        for k in 0..60 {
            let kf = k as f64;
            c += term / (4.0 * kf + 1.0);
            let term_s = term * x / (2.0 * kf + 1.0); // (−1)^k x^{2k+1} z/(2k+1)!
            s += term_s / (4.0 * kf + 3.0);
            term = -term_s * x / (2.0 * kf + 2.0);
            if term.abs() < 1e-17 {
                break;
            }
        }
        (sign * c, sign * s)
    } else {
        // Asymptotic auxiliary functions f, g, truncated at the smallest term.
        let y = PI * z * z;
        let (mut f, mut g) = (0.0, 0.0);
        let (mut tf, mut tg) = (1.0f64, 1.0f64);
        let mut last = f64::INFINITY;
        for k in 0..20 {
            if tf.abs() > last {
                break;
            }
            last = tf.abs();
            f += tf;
            g += tg;
            let kf = k as f64;
            tf *= -(4.0 * kf + 1.0) * (4.0 * kf + 3.0) / (y * y);
            tg *= -(4.0 * kf + 3.0) * (4.0 * kf + 5.0) / (y * y);
        }
        f /= PI * z;
        g /= PI * PI * z * z * z;
        let (sn, cs) = (PI / 2.0 * z * z).sin_cos();
        (
            sign * (0.5 + f * sn - g * cs),
            sign * (0.5 - f * cs - g * sn),
        )
    }
}

/// The UTD transition function `F(X) = 2j √X e^{jX} ∫_{√X}^{∞} e^{−jτ²} dτ` for `X ≥ 0`.
pub fn transition(x: f64) -> Complex64 {
    if x <= 0.0 {
        return Complex64::new(0.0, 0.0);
    }
    let sx = x.sqrt();
    // ∫_{a}^{∞} e^{−jτ²} dτ = √(π/2) [(½ − C(z)) − j (½ − S(z))], z = a √(2/π).
    let (c, s) = fresnel_cs(sx * (2.0 / PI).sqrt());
    let tail = Complex64::new(0.5 - c, -(0.5 - s)) * (PI / 2.0).sqrt();
    Complex64::new(0.0, 2.0 * sx) * Complex64::from_polar(1.0, x) * tail
}

/// `a±(β) = 2 cos²((2nπN± − β)/2)` with `N±` the integer nearest to `(β ± π)/(2nπ)`.
fn a_pm(beta: f64, n: f64, plus: bool) -> f64 {
    let sgn = if plus { 1.0 } else { -1.0 };
    let nn = ((beta + sgn * PI) / (2.0 * n * PI)).round();
    2.0 * ((2.0 * n * PI * nn - beta) / 2.0).cos().powi(2)
}

/// One term `cot((π ± β)/2n) F(kL a±(β))`, with its finite limit at the shadow boundary.
fn term(beta: f64, n: f64, kl: f64, plus: bool) -> Complex64 {
    let sgn = if plus { 1.0 } else { -1.0 };
    let arg = (PI + sgn * beta) / (2.0 * n);
    let a = a_pm(beta, n, plus);
    let sin_arg = arg.sin();
    if sin_arg.abs() < 1e-9 {
        // At the boundary: cot·F → n·√(2πkL)·sign·e^{jπ/4} (Kouyoumjian–Pathak eq. 27).
        let nn = ((beta + sgn * PI) / (2.0 * n * PI)).round();
        let eps = PI + sgn * (beta - 2.0 * n * PI * nn);
        let s = if eps >= 0.0 { 1.0 } else { -1.0 };
        return Complex64::from_polar(n * (2.0 * PI * kl).sqrt() * s, PI / 4.0);
    }
    transition(kl * a) * (arg.cos() / sin_arg)
}

/// UTD wedge diffraction coefficient (units √m).
///
/// * `n`: exterior wedge angle / π (1 < n ≤ 2).
/// * `phi_i`, `phi`: incidence and observation angles from the 0-face, rad, in `[0, nπ]`.
/// * `beta0`: angle between incident ray and edge, rad (π/2 in the plane ⊥ edge).
/// * `k`: wavenumber, rad/m; `l`: distance parameter `s s'/(s + s') sin² β0`, m.
/// * `r0`, `rn`: reflection coefficients of the 0- and n-face (−1 soft, +1 hard for a perfect
///   conductor; Fresnel coefficients at the face's reflection angle for Luebbers' lossy wedge).
#[allow(clippy::too_many_arguments)]
pub fn wedge_coefficient(
    n: f64,
    phi_i: f64,
    phi: f64,
    beta0: f64,
    k: f64,
    l: f64,
    r0: Complex64,
    rn: Complex64,
) -> Complex64 {
    let kl = k * l;
    let pre =
        -Complex64::from_polar(1.0, -PI / 4.0) / (2.0 * n * (2.0 * PI * k).sqrt() * beta0.sin());
    let bm = phi - phi_i;
    let bp = phi + phi_i;
    let t1 = term(bm, n, kl, true);
    let t2 = term(bm, n, kl, false);
    let t3 = term(bp, n, kl, false); // 0-face reflection boundary φ = π − φ'
    let t4 = term(bp, n, kl, true); // n-face reflection boundary φ = (2n − 1)π − φ'
    pre * (t1 + t2 + r0 * t3 + rn * t4)
}

/// Keller's GTD wedge coefficient (no transition functions), `soft = true` for `R = −1`.
/// Singular at the shadow boundaries; the closed form UTD reduces to away from them.
pub fn gtd_coefficient(n: f64, phi_i: f64, phi: f64, k: f64, soft: bool) -> Complex64 {
    let pre =
        Complex64::from_polar(1.0, -PI / 4.0) * ((PI / n).sin() / (n * (2.0 * PI * k).sqrt()));
    let c = (PI / n).cos();
    let a = 1.0 / (c - ((phi - phi_i) / n).cos());
    let b = 1.0 / (c - ((phi + phi_i) / n).cos());
    pre * if soft { a - b } else { a + b }
}

/// Field of a unit point source past a straight edge, relative to free space over the same
/// total distance, from UTD: `|E_d + E_GO| / |E_fs|`. `s_i`, `s_d` are the distances source →
/// edge and edge → observer in the plane ⊥ edge; angles as in [`wedge_coefficient`]. Returns
/// the excess loss in dB (positive = weaker than free space).
#[allow(clippy::too_many_arguments)]
pub fn edge_excess_loss_db(
    n: f64,
    phi_i: f64,
    phi: f64,
    s_i: f64,
    s_d: f64,
    k: f64,
    r0: Complex64,
    rn: Complex64,
) -> f64 {
    let l = s_i * s_d / (s_i + s_d);
    let d = wedge_coefficient(n, phi_i, phi, PI / 2.0, k, l, r0, rn);
    // Incident field at the edge ∝ e^{−jk s_i}/s_i; diffracted spreading √(s_i/(s_d (s_i+s_d))).
    let ed = d * (s_i / (s_d * (s_i + s_d))).sqrt() / s_i;
    let mut total = ed * Complex64::from_polar(1.0, -k * (s_i + s_d));
    // Direct ray where the observer is lit (φ < π + φ').
    if phi < PI + phi_i {
        let dist = (s_i * s_i + s_d * s_d - 2.0 * s_i * s_d * (phi - phi_i).cos()).sqrt();
        total += Complex64::from_polar(1.0 / dist, -k * dist);
    }
    let free = 1.0 / (s_i + s_d);
    -20.0 * (total.norm() / free).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresnel_values() {
        // Abramowitz & Stegun table 7.7: C(1) = 0.7798934, S(1) = 0.4382591;
        // C(3) = 0.6057208, S(3) = 0.4963130; C(5) = 0.5636312, S(5) = 0.4991914.
        for (z, c, s) in [
            (1.0, 0.779_893_4, 0.438_259_1),
            (3.0, 0.605_720_8, 0.496_313_0),
            (5.0, 0.563_631_2, 0.499_191_4),
        ] {
            let (cc, ss) = fresnel_cs(z);
            assert!(
                (cc - c).abs() < 2e-6 && (ss - s).abs() < 2e-6,
                "{z}: {cc} {ss}"
            );
        }
        // Continuity across the series/asymptotic switch.
        let (a, b) = fresnel_cs(3.0 - 1e-9);
        let (c, d) = fresnel_cs(3.0 + 1e-9);
        assert!((a - c).abs() < 2e-6 && (b - d).abs() < 2e-6);
    }

    #[test]
    fn transition_limits() {
        // F(X) → 1 for large X; F(X) ≈ [√(πX) − 2X e^{jπ/4}] e^{j(π/4 + X)} for small X
        // (Kouyoumjian–Pathak eq. 31).
        assert!((transition(100.0) - Complex64::new(1.0, 0.0)).norm() < 0.01);
        let x = 1e-4;
        let small = (Complex64::new((PI * x).sqrt(), 0.0)
            - Complex64::from_polar(2.0 * x, PI / 4.0))
            * Complex64::from_polar(1.0, PI / 4.0 + x);
        assert!(
            (transition(x) - small).norm() < 1e-5,
            "{} vs {small}",
            transition(x)
        );
    }

    /// Far from the shadow boundaries UTD equals Keller's GTD closed form.
    #[test]
    fn utd_matches_gtd_away_from_boundaries() {
        let k = 2.0 * PI / 0.5;
        for &n in &[2.0, 1.5, 1.8] {
            for &(phi_i, phi) in &[(0.3, 2.2), (0.5, 1.4), (0.8, 3.9_f64.min(n * PI - 0.2))] {
                for soft in [true, false] {
                    let r = if soft { -1.0 } else { 1.0 };
                    let u = wedge_coefficient(
                        n,
                        phi_i,
                        phi,
                        PI / 2.0,
                        k,
                        5000.0,
                        Complex64::new(r, 0.0),
                        Complex64::new(r, 0.0),
                    );
                    let g = gtd_coefficient(n, phi_i, phi, k, soft);
                    assert!(
                        (u - g).norm() / g.norm() < 0.02,
                        "n {n} φ' {phi_i} φ {phi} soft {soft}: {u} vs {g}"
                    );
                }
            }
        }
    }

    /// P.526-15 J(v) by the Fresnel integrals (exact knife edge).
    fn j_exact(v: f64) -> f64 {
        let (c, s) = fresnel_cs(v);
        -20.0 * (((1.0 - c - s).powi(2) + (c - s).powi(2)).sqrt() / 2.0).log10()
    }

    /// An absorbing half-plane (R = 0) in UTD reproduces the knife-edge J(v) within 0.5 dB.
    #[test]
    fn half_plane_matches_knife_edge() {
        let lambda = 0.5;
        let k = 2.0 * PI / lambda;
        let (d1, d2) = (4000.0f64, 6000.0f64);
        for &h in &[-10.0, 0.0, 5.0, 20.0, 60.0, 150.0] {
            // Screen along the vertical below the edge; source and observer h below/above the
            // line through the edge. Geometry in the plane ⊥ edge.
            let a1 = (h / d1).atan();
            let a2 = (h / d2).atan();
            let s_i = (d1 * d1 + h * h).sqrt();
            let s_d = (d2 * d2 + h * h).sqrt();
            // 0-face = the screen (pointing down, φ measured from it): source at φ' = π/2 − a1,
            // observer at φ = 3π/2 + a2.
            let phi_i = PI / 2.0 - a1;
            let phi = 1.5 * PI + a2;
            let zero = Complex64::new(0.0, 0.0);
            let l_utd = edge_excess_loss_db(2.0, phi_i, phi, s_i, s_d, k, zero, zero);
            let v = h * (2.0 / lambda * (1.0 / d1 + 1.0 / d2)).sqrt();
            let j = j_exact(v);
            // Also against P.526's approximation of J(v).
            let j526 = crate::raytrace::diffraction::j_of_v(v);
            assert!((l_utd - j).abs() < 0.5, "h {h}: UTD {l_utd} vs J(v) {j}");
            if v > -0.7 {
                assert!((j526 - j).abs() < 0.5, "v {v}: P.526 {j526} vs exact {j}");
            }
        }
    }

    /// Total field (GO + UTD) is continuous across the incident shadow boundary.
    #[test]
    fn continuous_at_shadow_boundary() {
        let k = 2.0 * PI / 0.5;
        let r = Complex64::new(-1.0, 0.0);
        let phi_i = 0.6;
        let isb = PI + phi_i;
        let a = edge_excess_loss_db(1.8, phi_i, isb - 1e-6, 2000.0, 3000.0, k, r, r);
        let b = edge_excess_loss_db(1.8, phi_i, isb + 1e-6, 2000.0, 3000.0, k, r, r);
        assert!((a - b).abs() < 0.05, "{a} vs {b}");
        assert!((a - 6.0).abs() < 1.5, "about 6 dB at the boundary: {a}");
    }
}
