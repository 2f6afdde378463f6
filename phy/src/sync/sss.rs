//! Secondary synchronisation signal: interleaved length-31 m-sequences, scrambled by N_ID^(2).
//!
//! # References
//! 3GPP TS 36.211 §6.11.2 (Table 6.11.2.1-1 for m0, m1).

/// Length of the SSS.
pub const LEN: usize = 62;

/// (m0, m1) for N_ID^(1) (0…167).
pub fn m0_m1(n_id_1: u16) -> (usize, usize) {
    let n1 = usize::from(n_id_1);
    let qp = n1 / 30;
    let q = (n1 + qp * (qp + 1) / 2) / 30;
    let mp = n1 + q * (q + 1) / 2;
    let m0 = mp % 31;
    let m1 = (m0 + mp / 31 + 1) % 31;
    (m0, m1)
}

/// A ±1 m-sequence of length 31 from the feedback taps (x(i+5) = Σ x(i+tap) mod 2),
/// started at x(0…4) = 0,0,0,0,1; returns 1 − 2x(i).
fn msequence(taps: &[usize]) -> [i8; 31] {
    let mut x = [0u8; 31];
    x[4] = 1;
    for i in 0..26 {
        x[i + 5] = taps.iter().fold(0, |a, &t| a ^ x[i + t]);
    }
    let mut s = [0i8; 31];
    for (o, b) in s.iter_mut().zip(x) {
        *o = 1 - 2 * b as i8;
    }
    s
}

/// The SSS d(0…61) (±1) for N_ID^(1) (0…167), N_ID^(2) (0…2), in subframe 0 (`sf5 = false`)
/// or subframe 5 (`sf5 = true`).
///
/// # Panics
/// If `n_id_1 > 167` or `n_id_2 > 2`.
pub fn sequence(n_id_1: u16, n_id_2: u8, sf5: bool) -> [i8; LEN] {
    assert!(n_id_1 < 168 && n_id_2 < 3, "SSS: cell id out of range");
    let s = msequence(&[0, 2]);
    let c = msequence(&[0, 3]);
    let z = msequence(&[0, 1, 2, 4]);
    let (m0, m1) = m0_m1(n_id_1);
    let n2 = usize::from(n_id_2);
    let mut d = [0i8; LEN];
    for n in 0..31 {
        let s0 = s[(n + m0) % 31];
        let s1 = s[(n + m1) % 31];
        let c0 = c[(n + n2) % 31];
        let c1 = c[(n + n2 + 3) % 31];
        let z0 = z[(n + m0 % 8) % 31];
        let z1 = z[(n + m1 % 8) % 31];
        if sf5 {
            d[2 * n] = s1 * c0;
            d[2 * n + 1] = s0 * c1 * z1;
        } else {
            d[2 * n] = s0 * c0;
            d[2 * n + 1] = s1 * c1 * z0;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_6_11_2_1_1_spot_values() {
        assert_eq!(m0_m1(0), (0, 1));
        assert_eq!(m0_m1(29), (29, 30));
        assert_eq!(m0_m1(30), (0, 2));
        assert_eq!(m0_m1(167), (2, 9));
        let a = sequence(5, 1, false);
        let b = sequence(5, 1, true);
        assert_ne!(a, b);
    }
}
