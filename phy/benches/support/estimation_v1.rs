//! The CRS estimator this crate had before the planned `Estimator` (linear, smoothed,
//! 2 ports), kept only as the "before" figure of the estimation bench.

use lastmile_phy::grid::ResourceGrid;
use lastmile_phy::refsig::crs::Crs;
use lastmile_phy::Complex32;

/// The previous estimator (linear, smoothed), for the before/after comparison only.
pub fn v1(
    grid: &ResourceGrid<Vec<Complex32>>,
    crs: &Crs,
    subframe: usize,
    ports: usize,
) -> Vec<Complex32> {
    let n_sc = grid.n_sc();
    let n_sym = grid.n_symbols();
    let nsym_slot = n_sym / 2;
    let n_prb = n_sc / 12;
    let mut h = vec![Complex32::default(); ports * n_sym * n_sc];
    let mut ls: Vec<(usize, Complex32)> = Vec::with_capacity(2 * n_prb);
    let mut sm: Vec<Complex32> = Vec::with_capacity(2 * n_prb);
    for p in 0..ports {
        let mut crs_syms = Vec::with_capacity(4);
        for slot in 0..2 {
            for l in 0..nsym_slot {
                if !crs.has_crs(p, l) {
                    continue;
                }
                let ll = slot * nsym_slot + l;
                let y = grid.symbol(ll);
                ls.clear();
                ls.extend(
                    crs.res(p, 2 * subframe + slot, l, n_prb)
                        .map(|(k, r)| (k, y[k] * r.conj())),
                );
                sm.clear();
                let n = ls.len();
                for m in 0..n {
                    let a = ls[m.saturating_sub(1)].1;
                    let c = ls[(m + 1).min(n - 1)].1;
                    sm.push((a + ls[m].1 * 2.0 + c) * 0.25);
                }
                let row = &mut h[(p * n_sym + ll) * n_sc..(p * n_sym + ll + 1) * n_sc];
                for x in row.iter_mut().take(ls[0].0) {
                    *x = sm[0];
                }
                for i in 0..n {
                    let k0 = ls[i].0;
                    if i + 1 == n {
                        for x in row.iter_mut().skip(k0) {
                            *x = sm[i];
                        }
                        break;
                    }
                    let k1 = ls[i + 1].0;
                    let d = (k1 - k0) as f32;
                    for (k, r) in row.iter_mut().enumerate().take(k1).skip(k0) {
                        *r = sm[i] + (sm[i + 1] - sm[i]) * ((k - k0) as f32 / d);
                    }
                }
                crs_syms.push(ll);
            }
        }
        for l in 0..n_sym {
            if crs_syms.contains(&l) {
                continue;
            }
            let mut a = crs_syms[0];
            let mut b = crs_syms[1];
            for w in crs_syms.windows(2) {
                if l > w[0] {
                    a = w[0];
                    b = w[1];
                }
            }
            let t = (l as f32 - a as f32) / (b as f32 - a as f32);
            for k in 0..n_sc {
                let ha = h[(p * n_sym + a) * n_sc + k];
                let hb = h[(p * n_sym + b) * n_sc + k];
                h[(p * n_sym + l) * n_sc + k] = ha + (hb - ha) * t;
            }
        }
    }
    h
}
