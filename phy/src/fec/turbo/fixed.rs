//! Fixed-point (i16) SIMD turbo decoder: max-log-MAP over parallel trellis windows.
//!
//! # Algorithm
//! The K trellis steps of a constituent code are cut into `n_w` windows of equal length
//! `W = K / n_w` (`n_w` ≤ the lane count, a power of two, `W ≥ 64`). Each SIMD lane runs
//! one window, so one vector instruction advances every window by one trellis step; a
//! window's 8 state metrics live in 8 vectors. Window boundaries start from the metrics the
//! neighbouring window reached in the previous iteration ("next-iteration initialisation",
//! NII); the first window starts in state 0 and the last from the trellis termination.
//! Data are kept in a transposed layout (`[step][lane]`) for whole decodes; the QPP
//! interleaver and its inverse are gathers through tables planned once per block size.
//!
//! Arithmetic: channel LLRs are quantised to i16 in `[-1023, 1023]` (scale = 1023 / max |LLR|
//! of the block, so any input range works), extrinsic values are clamped to ±4095, and
//! state metrics use saturating adds and are normalised to their maximum every second step.
//! Branch metrics are not halved (every metric is 2× the textbook value), which leaves
//! max-log-MAP unchanged. Extrinsic scaling by 0.75 is `x/2 − x/8` in shifts.
//!
//! Dispatch: AVX-512BW (32 lanes), AVX2 and SSE4.1 (16 lanes), or portable code, detected
//! at run time. The kernel is written once over `[i16; L]` and compiled per instruction
//! set; for the same lane count, every level gives bit-identical output (tested). The 32-
//! and 16-lane plans differ in window length, hence in rare decisions.
//!
//! Deviation from the f32 oracle ([`super::scalar`]): windows with NII and 10-bit input
//! quantisation cost a few hundredths of a dB at K = 6144 (see `results/reference/`);
//! hard decisions of converged blocks are identical.
//!
//! # References
//! 3GPP TS 36.212 §5.1.3.2; A. Dingninou, F. Raouafi, C. Berrou, "Organisation de la mémoire
//! dans un turbo décodeur utilisant l'algorithme SUB-MAP", GRETSI 1999 (NII); J. Vogt,
//! A. Finger, Electronics Letters 36(23), 2000 (extrinsic scaling).

// Trellis code indexes states and inputs by number, as the standard's tables do.
#![allow(clippy::needless_range_loop)]

use super::{
    qpp_permutation, rsc_step, tail_input, tail_llrs, Algorithm, DecodeOutcome, EarlyStop,
};
use crate::{Error, Result};

/// Magnitude of the largest quantised channel LLR.
pub const CH_MAX: i16 = 1023;
/// Clamp of the extrinsic LLRs.
pub const EXT_MAX: i16 = 4095;
/// Smallest window length.
pub const MIN_WINDOW: usize = 64;
const NEG: i16 = i16::MIN / 2;

/// The instruction set a [`FixedDecoder`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdLevel {
    /// AVX-512BW, 32 lanes of i16.
    Avx512,
    /// AVX2, 16 lanes.
    Avx2,
    /// SSE4.1, 16 lanes.
    Sse41,
    /// Portable Rust (whatever the compiler's baseline target gives), 16 or 32 lanes.
    Portable,
}

impl SimdLevel {
    /// The best level this CPU supports.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                return SimdLevel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return SimdLevel::Avx2;
            }
            if std::arch::is_x86_feature_detected!("sse4.1") {
                return SimdLevel::Sse41;
            }
        }
        SimdLevel::Portable
    }

    /// Whether this CPU can run this level.
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                SimdLevel::Avx512 => std::arch::is_x86_feature_detected!("avx512bw"),
                SimdLevel::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
                SimdLevel::Sse41 => std::arch::is_x86_feature_detected!("sse4.1"),
                SimdLevel::Portable => true,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == SimdLevel::Portable
        }
    }

    /// Lanes (parallel windows) the level uses by default.
    pub fn default_lanes(self) -> usize {
        match self {
            SimdLevel::Avx512 => 32,
            _ => 16,
        }
    }

    /// Short name, e.g. for JSON (`"avx512"`, `"avx2"`, `"sse4.1"`, `"portable"`).
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Avx512 => "avx512",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Sse41 => "sse4.1",
            SimdLevel::Portable => "portable",
        }
    }
}

// ----- trellis tables (compile time) -----

/// Branch metric index: 0 → +G0, 1 → +G1, 2 → −G1, 3 → −G0 with G0 = gs + gp, G1 = gs − gp,
/// i.e. index = 2u + z.
const fn combo(u: u8, z: u8) -> usize {
    (2 * u + z) as usize
}

/// For each next state: its two (previous state, branch index).
const PRED: [[(usize, usize); 2]; 8] = {
    let mut p = [[(0usize, 0usize); 2]; 8];
    let mut cnt = [0usize; 8];
    let mut s = 0;
    while s < 8 {
        let mut u = 0;
        while u < 2 {
            let (z, n) = rsc_step(s as u8, u as u8);
            p[n as usize][cnt[n as usize]] = (s, combo(u as u8, z));
            cnt[n as usize] += 1;
            u += 1;
        }
        s += 1;
    }
    p
};

/// For each state and input u: (next state, parity bit).
const NEXT: [[(usize, u8); 2]; 8] = {
    let mut t = [[(0usize, 0u8); 2]; 8];
    let mut s = 0;
    while s < 8 {
        let mut u = 0;
        while u < 2 {
            let (z, n) = rsc_step(s as u8, u as u8);
            t[s][u] = (n as usize, z);
            u += 1;
        }
        s += 1;
    }
    t
};

// ----- lane vectors -----

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct V<const L: usize>([i16; L]);

impl<const L: usize> V<L> {
    #[inline(always)]
    fn splat(x: i16) -> Self {
        V([x; L])
    }
    #[inline(always)]
    fn load(s: &[i16]) -> Self {
        let a: &[i16; L] = s[..L].try_into().expect("slice of L");
        V(*a)
    }
    #[inline(always)]
    fn store(self, s: &mut [i16]) {
        let a: &mut [i16; L] = (&mut s[..L]).try_into().expect("slice of L");
        *a = self.0;
    }
    #[inline(always)]
    fn adds(self, o: Self) -> Self {
        let mut r = self.0;
        for (a, b) in r.iter_mut().zip(o.0) {
            *a = a.saturating_add(b);
        }
        V(r)
    }
    #[inline(always)]
    fn subs(self, o: Self) -> Self {
        let mut r = self.0;
        for (a, b) in r.iter_mut().zip(o.0) {
            *a = a.saturating_sub(b);
        }
        V(r)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        let mut r = self.0;
        for (a, b) in r.iter_mut().zip(o.0) {
            *a = (*a).max(b);
        }
        V(r)
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        let mut r = self.0;
        for a in r.iter_mut() {
            *a >>= n;
        }
        V(r)
    }
    #[inline(always)]
    fn clamp(self, m: i16) -> Self {
        let mut r = self.0;
        for a in r.iter_mut() {
            *a = (*a).clamp(-m, m);
        }
        V(r)
    }
}

#[inline(always)]
fn normalise<const L: usize>(m: &mut [V<L>; 8]) {
    let mx = m[0]
        .max(m[1])
        .max(m[2].max(m[3]))
        .max(m[4].max(m[5]).max(m[6].max(m[7])));
    for v in m.iter_mut() {
        *v = v.subs(mx);
    }
}

/// Inputs and outputs of one constituent MAP pass over all windows.
struct Pass<'a> {
    sys: &'a [i16],
    la: &'a [i16],
    par: &'a [i16],
    le: &'a mut [i16],
    app: &'a mut [i16],
    /// Scratch for the forward metrics, `8·L` per step.
    alpha: &'a mut [i16],
    alpha_init: &'a mut [i16],
    beta_init: &'a mut [i16],
    scaled: bool,
}

/// The kernel: forward recursion storing α, then backward recursion producing extrinsic and
/// a-posteriori values; leaves the window-end metrics in `alpha_init`/`beta_init` (per lane,
/// not yet shifted to the neighbouring window).
#[inline(always)]
fn load8<const L: usize>(src: &[i16]) -> [V<L>; 8] {
    let mut m = [V::splat(0); 8];
    for s in 0..8 {
        m[s] = V::load(&src[s * L..]);
    }
    m
}

#[inline(always)]
fn store8<const L: usize>(m: &[V<L>; 8], dst: &mut [i16]) {
    for s in 0..8 {
        m[s].store(&mut dst[s * L..]);
    }
}

/// The kernel: forward recursion storing α, then backward recursion producing extrinsic and
/// a-posteriori values; leaves the window-end metrics in `alpha_init`/`beta_init` (per lane,
/// not yet shifted to the neighbouring window).
///
/// Written without closures so that everything inlines into the `target_feature` wrappers.
#[inline(always)]
fn map_pass<const L: usize>(p: Pass<'_>) {
    let steps = p.sys.len() / L;
    let zero = V::<L>::splat(0);
    let mut a = load8::<L>(p.alpha_init);
    for t in 0..steps {
        store8(&a, &mut p.alpha[t * 8 * L..]);
        let gs = V::<L>::load(&p.sys[t * L..]).adds(V::load(&p.la[t * L..]));
        let gp = V::<L>::load(&p.par[t * L..]);
        let g0 = gs.adds(gp);
        let g1 = gs.subs(gp);
        let g = [g0, g1, zero.subs(g1), zero.subs(g0)];
        let mut n = [zero; 8];
        for ns in 0..8 {
            let [(s0, c0), (s1, c1)] = PRED[ns];
            n[ns] = a[s0].adds(g[c0]).max(a[s1].adds(g[c1]));
        }
        // Every second step is enough: one step adds at most |G| ≤ 2·CH_MAX + EXT_MAX to
        // the maximum, so stored metrics stay ≤ 6141 and α + β + γ cannot saturate high.
        if t & 1 == 1 {
            normalise(&mut n);
        }
        a = n;
    }
    normalise(&mut a);
    store8(&a, p.alpha_init);
    let mut b = load8::<L>(p.beta_init);
    for t in (0..steps).rev() {
        let al = load8::<L>(&p.alpha[t * 8 * L..]);
        let gsys = V::<L>::load(&p.sys[t * L..]);
        let gs = gsys.adds(V::load(&p.la[t * L..]));
        let gp = V::<L>::load(&p.par[t * L..]);
        // Extrinsic: per u, max over states of α + β(next), split by parity sign.
        let mut best = [[V::<L>::splat(i16::MIN); 2]; 2]; // [u][z]
        for s in 0..8 {
            for u in 0..2 {
                let (ns, z) = NEXT[s][u];
                let c = al[s].adds(b[ns]);
                best[u][z as usize] = best[u][z as usize].max(c);
            }
        }
        let m0 = best[0][0].adds(gp).max(best[0][1].subs(gp));
        let m1 = best[1][0].adds(gp).max(best[1][1].subs(gp));
        let lp = m0.subs(m1);
        let half = lp.shr(1);
        let ext = if p.scaled { half.subs(lp.shr(3)) } else { half };
        ext.clamp(EXT_MAX).store(&mut p.le[t * L..]);
        gs.adds(half).store(&mut p.app[t * L..]);
        // β update.
        let g0 = gs.adds(gp);
        let g1 = gs.subs(gp);
        let g = [g0, g1, zero.subs(g1), zero.subs(g0)];
        let mut n = [zero; 8];
        for s in 0..8 {
            let (n0, z0) = NEXT[s][0];
            let (n1, z1) = NEXT[s][1];
            n[s] = b[n0].adds(g[combo(0, z0)]).max(b[n1].adds(g[combo(1, z1)]));
        }
        if t & 1 == 0 {
            normalise(&mut n);
        }
        b = n;
    }
    store8(&b, p.beta_init);
}

fn map_portable<const L: usize>(p: Pass<'_>) {
    map_pass::<L>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn map_avx512(p: Pass<'_>) {
    map_pass::<32>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn map_avx2(p: Pass<'_>) {
    map_pass::<16>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.1")]
unsafe fn map_sse41(p: Pass<'_>) {
    map_pass::<16>(p)
}

/// Step/lane form of a gather permutation over the transposed layout, when every output
/// step reads a single source step: `(step[t], lane[t·L + l])`.
type LanePerm = Option<(Vec<u16>, Vec<u16>)>;

/// Build the step/lane form of gather table `g` (transposed layout, `lanes` lanes of which
/// the first `n_w` carry data; the others are zero at every step and read themselves).
/// `None` if some output step would need two source steps.
fn lane_perm(g: &[u32], lanes: usize, n_w: usize) -> LanePerm {
    let steps = g.len() / lanes;
    let mut step = vec![0u16; steps];
    let mut lane = vec![0u16; g.len()];
    for t in 0..steps {
        let mut src_step = None;
        for l in 0..lanes {
            if l >= n_w {
                lane[t * lanes + l] = l as u16;
                continue;
            }
            let j = g[t * lanes + l] as usize;
            let (st, ln) = (j / lanes, j % lanes);
            match src_step {
                None => src_step = Some(st),
                Some(s) if s != st => return None,
                _ => {}
            }
            lane[t * lanes + l] = ln as u16;
        }
        step[t] = u16::try_from(src_step.unwrap_or(t)).ok()?;
    }
    Some((step, lane))
}

/// `la[t][l] = le[step[t]][lane[t][l]]` with one `vpermw` per step.
///
/// The AVX-512 paths need rustc ≥ 1.89 (stable AVX-512 target features and intrinsics),
/// above the workspace's declared 1.85: the coordinator is asked to raise `rust-version`.
#[allow(clippy::incompatible_msrv)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn permute_avx512(le: &[i16], la: &mut [i16], p: &(Vec<u16>, Vec<u16>)) {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_permutexvar_epi16, _mm512_storeu_si512,
    };
    let (step, lane) = p;
    assert!(
        le.len() >= step.len() * 32 && la.len() >= step.len() * 32 && lane.len() >= step.len() * 32
    );
    for (t, &s) in step.iter().enumerate() {
        let s = s as usize;
        assert!(s < step.len());
        // SAFETY: the asserts above bound every 32-element access (64 bytes) inside the
        // three slices; unaligned loads/stores are used, and AVX-512F/BW are enabled on
        // this function (callers check CPU support).
        unsafe {
            let src = _mm512_loadu_si512(le.as_ptr().add(s * 32) as *const __m512i);
            let idx = _mm512_loadu_si512(lane.as_ptr().add(t * 32) as *const __m512i);
            let v = _mm512_permutexvar_epi16(idx, src);
            _mm512_storeu_si512(la.as_mut_ptr().add(t * 32) as *mut __m512i, v);
        }
    }
}

/// The fixed-point SIMD turbo decoder for one block size (max-log-MAP, optionally with
/// extrinsic scaling). Plan once, decode many blocks; no allocation per decode.
#[derive(Debug, Clone)]
pub struct FixedDecoder {
    k: usize,
    level: SimdLevel,
    lanes: usize,
    n_w: usize,
    w: usize,
    /// `pos[i]`: transposed position of natural index i.
    pos: Vec<u32>,
    /// `la2[j] = le1[g12[j]]` (interleave), `la1[j] = le2[g21[j]]` (deinterleave).
    g12: Vec<u32>,
    g21: Vec<u32>,
    /// The same permutations in step/lane form (the QPP is contention-free for every
    /// window length dividing K, so all lanes of an output step read one source step):
    /// `out[t][l] = src[step[t]][lane[t][l]]`.
    p12: LanePerm,
    p21: LanePerm,
    /// `bits[n] = app2[bit_src[n]] < 0`.
    bit_src: Vec<u32>,
    sys1: Vec<i16>,
    sys2: Vec<i16>,
    par1: Vec<i16>,
    par2: Vec<i16>,
    la: Vec<i16>,
    le: Vec<i16>,
    app: Vec<i16>,
    alpha: Vec<i16>,
    /// Quantised input, natural order.
    qd: Vec<i16>,
    /// Per constituent: α and β boundary metrics, 8·L each.
    alpha_init: [Vec<i16>; 2],
    beta_init: [Vec<i16>; 2],
}

impl FixedDecoder {
    /// A decoder for block size `k` on the best SIMD level of this CPU.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not in 36.212 Table 5.1.3-3.
    pub fn new(k: usize) -> Result<Self> {
        let level = SimdLevel::detect();
        Self::with_level(k, level, level.default_lanes())
    }

    /// A decoder on a given level and lane count (16 or 32; AVX-512 needs 32, AVX2 and
    /// SSE4.1 need 16, portable takes either).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not a block size, the CPU lacks `level`, or `lanes`
    /// does not fit the level.
    pub fn with_level(k: usize, level: SimdLevel, lanes: usize) -> Result<Self> {
        let perm = qpp_permutation(k)?;
        let lanes_ok = match level {
            SimdLevel::Avx512 => lanes == 32,
            SimdLevel::Avx2 | SimdLevel::Sse41 => lanes == 16,
            SimdLevel::Portable => lanes == 16 || lanes == 32,
        };
        if !level.is_supported() || !lanes_ok {
            return Err(Error::Unsupported {
                what: "SIMD level / lanes on this CPU",
                value: format!("{} with {lanes} lanes", level.name()),
            });
        }
        let mut n_w = lanes;
        while n_w > 1 && (!k.is_multiple_of(n_w) || k / n_w < MIN_WINDOW) {
            n_w /= 2;
        }
        let w = k / n_w;
        let len = w * lanes;
        let pos: Vec<u32> = (0..k).map(|i| ((i % w) * lanes + i / w) as u32).collect();
        let mut g12: Vec<u32> = (0..len as u32).collect();
        let mut g21: Vec<u32> = (0..len as u32).collect();
        let mut bit_src = vec![0u32; k];
        for i in 0..k {
            let p = perm[i] as usize;
            g12[pos[i] as usize] = pos[p];
            g21[pos[p] as usize] = pos[i];
            bit_src[p] = pos[i];
        }
        let p12 = lane_perm(&g12, lanes, n_w);
        let p21 = lane_perm(&g21, lanes, n_w);
        Ok(FixedDecoder {
            p12,
            p21,
            k,
            level,
            lanes,
            n_w,
            w,
            pos,
            g12,
            g21,
            bit_src,
            sys1: vec![0; len],
            sys2: vec![0; len],
            par1: vec![0; len],
            par2: vec![0; len],
            la: vec![0; len],
            le: vec![0; len],
            app: vec![0; len],
            alpha: vec![0; 8 * len],
            qd: Vec::with_capacity(3 * (k + 4)),
            alpha_init: [vec![0; 8 * lanes], vec![0; 8 * lanes]],
            beta_init: [vec![0; 8 * lanes], vec![0; 8 * lanes]],
        })
    }

    /// Block size `K`.
    pub fn k(&self) -> usize {
        self.k
    }
    /// The SIMD level in use.
    pub fn level(&self) -> SimdLevel {
        self.level
    }
    /// Lanes (16 or 32).
    pub fn lanes(&self) -> usize {
        self.lanes
    }
    /// Windows `n_w` and window length `W` (`n_w · W = K`).
    pub fn windows(&self) -> (usize, usize) {
        (self.n_w, self.w)
    }

    fn run_pass(&mut self, second: bool, scaled: bool) {
        let c = usize::from(second);
        let (sys, par) = if second {
            (&self.sys2, &self.par2)
        } else {
            (&self.sys1, &self.par1)
        };
        let p = Pass {
            sys,
            la: &self.la,
            par,
            le: &mut self.le,
            app: &mut self.app,
            alpha: &mut self.alpha,
            alpha_init: &mut self.alpha_init[c],
            beta_init: &mut self.beta_init[c],
            scaled,
        };
        match (self.level, self.lanes) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `with_level` only accepts a level that `is_x86_feature_detected!`
            // reported for this CPU, so the target features of the callee are present.
            (SimdLevel::Avx512, _) => unsafe { map_avx512(p) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, AVX2 was detected at construction.
            (SimdLevel::Avx2, _) => unsafe { map_avx2(p) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above, SSE4.1 was detected at construction.
            (SimdLevel::Sse41, _) => unsafe { map_sse41(p) },
            (_, 32) => map_portable::<32>(p),
            _ => map_portable::<16>(p),
        }
    }

    /// `la ← le` through the interleaver (`inverse = false`) or its inverse.
    fn permute(&mut self, inverse: bool) {
        let (g, p) = if inverse {
            (&self.g21, &self.p21)
        } else {
            (&self.g12, &self.p12)
        };
        match (p, self.level) {
            #[cfg(target_arch = "x86_64")]
            (Some(p), SimdLevel::Avx512) => {
                // SAFETY: AVX-512BW was detected when this decoder was built (`with_level`).
                unsafe { permute_avx512(&self.le, &mut self.la, p) }
            }
            _ => {
                for (o, &s) in self.la.iter_mut().zip(g) {
                    *o = self.le[s as usize];
                }
            }
        }
    }

    /// Move window-end metrics to the neighbouring windows (NII) and set the fixed ends:
    /// state 0 at the start of window 0, the termination metrics at the end of the last.
    fn shift_boundaries(&mut self, c: usize, beta_tail: &[i16; 8]) {
        let l = self.lanes;
        let nw = self.n_w;
        for s in 0..8 {
            let a = &mut self.alpha_init[c][s * l..(s + 1) * l];
            a.copy_within(0..nw - 1, 1);
            a[0] = if s == 0 { 0 } else { NEG };
            let b = &mut self.beta_init[c][s * l..(s + 1) * l];
            b.copy_within(1..nw, 0);
            b[nw - 1] = beta_tail[s];
        }
    }

    /// Decode one block.
    ///
    /// - `d_llr`: soft `d0|d1|d2` (length 3·(K+4)), LLR = ln P(0)/P(1), any finite or
    ///   infinite value (NaN counts as 0); quantised internally.
    /// - `filler`: number of filler bits at the start of the block (known zeros).
    /// - `iterations`: maximum full iterations (≥ 1).
    /// - `algorithm`: [`Algorithm::MaxLog`] or [`Algorithm::MaxLogScaled`].
    /// - `bits`: receives the K hard decisions.
    /// - `early_stop`: called with the decisions after each full iteration; `true` stops.
    ///
    /// # Errors
    /// [`Error::Length`] for wrong lengths; [`Error::Unsupported`] for `iterations == 0`,
    /// `filler >= K` or [`Algorithm::LogMap`].
    pub fn decode(
        &mut self,
        d_llr: &[f32],
        filler: usize,
        iterations: usize,
        algorithm: Algorithm,
        bits: &mut [u8],
        mut early_stop: EarlyStop<'_>,
    ) -> Result<DecodeOutcome> {
        let k = self.k;
        let dl = k + 4;
        super::check_decode_lengths(k, d_llr, bits)?;
        if iterations == 0 || filler >= k || algorithm == Algorithm::LogMap {
            return Err(Error::Unsupported {
                what: "fixed-point decode parameters (iterations ≥ 1, filler < K, max-log)",
                value: format!("iterations={iterations} filler={filler} {algorithm:?}"),
            });
        }
        let scaled = algorithm == Algorithm::MaxLogScaled;
        // Quantise: scale the largest |LLR| (filler positions excluded) to CH_MAX.
        let (a, b) = (&d_llr[filler..dl], &d_llr[dl + filler..]);
        let mx = match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the level was detected on this CPU when the decoder was built.
            SimdLevel::Avx512 => unsafe { max_abs_avx512(a).max(max_abs_avx512(b)) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { max_abs_avx2(a).max(max_abs_avx2(b)) },
            _ => max_abs(a).max(max_abs(b)),
        }
        .min(f32::MAX);
        let scale = if mx > 0.0 {
            f32::from(CH_MAX) / mx
        } else {
            1.0
        };
        self.qd.clear();
        self.qd.resize(d_llr.len(), 0);
        match self.level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the level was detected on this CPU when the decoder was built.
            SimdLevel::Avx512 => unsafe { quantise_avx512(d_llr, scale, &mut self.qd) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { quantise_avx2(d_llr, scale, &mut self.qd) },
            _ => quantise(d_llr, scale, &mut self.qd),
        }
        // Transpose into [step][lane]: contiguous writes, one row (step) at a time.
        let (w, l, nw) = (self.w, self.lanes, self.n_w);
        {
            let (q0, q1, q2) = (&self.qd[..dl], &self.qd[dl..2 * dl], &self.qd[2 * dl..]);
            for (t, ((r0, r1), r2)) in self
                .sys1
                .chunks_exact_mut(l)
                .zip(self.par1.chunks_exact_mut(l))
                .zip(self.par2.chunks_exact_mut(l))
                .enumerate()
                .take(w)
            {
                for win in 0..nw {
                    let i = win * w + t;
                    r0[win] = q0[i];
                    r1[win] = q1[i];
                    r2[win] = q2[i];
                }
            }
        }
        for i in 0..filler {
            let p = self.pos[i] as usize;
            self.sys1[p] = CH_MAX;
            self.par1[p] = 0;
        }
        // sys2 = sys1 through the interleaver (the same gather as la ← le).
        match (&self.p12, self.level) {
            #[cfg(target_arch = "x86_64")]
            (Some(p), SimdLevel::Avx512) => {
                // SAFETY: AVX-512BW was detected when this decoder was built (`with_level`).
                unsafe { permute_avx512(&self.sys1, &mut self.sys2, p) }
            }
            _ => {
                for (o, &s) in self.sys2.iter_mut().zip(&self.g12) {
                    *o = self.sys1[s as usize];
                }
            }
        }
        let tails = [
            beta_tail(&tail_llrs(&self.qd, k, false)),
            beta_tail(&tail_llrs(&self.qd, k, true)),
        ];
        for c in 0..2 {
            self.alpha_init[c].fill(0);
            self.beta_init[c].fill(0);
            // Pre-shift so that the first pass sees state 0 / the tail at the ends and
            // uniform metrics inside.
            let (l, nw) = (self.lanes, self.n_w);
            for s in 0..8 {
                self.alpha_init[c][s * l] = if s == 0 { 0 } else { NEG };
                self.beta_init[c][s * l + nw - 1] = tails[c][s];
            }
        }
        self.la.fill(0);
        let mut outcome = DecodeOutcome {
            iterations: 0,
            stopped_early: false,
        };
        for it in 0..iterations {
            self.run_pass(false, scaled);
            self.shift_boundaries(0, &tails[0]);
            self.permute(false);
            self.run_pass(true, scaled);
            self.shift_boundaries(1, &tails[1]);
            self.permute(true);
            outcome.iterations = it + 1;
            let last = it + 1 == iterations;
            if last || early_stop.is_some() {
                for (b, &s) in bits.iter_mut().zip(&self.bit_src) {
                    *b = u8::from(self.app[s as usize] < 0);
                }
            }
            if let Some(f) = early_stop.as_mut() {
                if f(bits) {
                    outcome.stopped_early = true;
                    break;
                }
            }
        }
        Ok(outcome)
    }
}

/// `max |x|` over `src` ignoring NaN (0 for an empty slice), in the form that maps onto
/// packed `max` instructions: `maxps(a, m)` returns `m` when `a` is NaN, as `f32::max` would.
#[inline(always)]
fn max_abs(src: &[f32]) -> f32 {
    let mut m = [0f32; 16];
    let mut chunks = src.chunks_exact(16);
    for c in &mut chunks {
        for (mm, &x) in m.iter_mut().zip(c) {
            let a = x.abs();
            *mm = if a > *mm { a } else { *mm };
        }
    }
    let mut r = m.iter().fold(0f32, |r, &x| if x > r { x } else { r });
    for &x in chunks.remainder() {
        let a = x.abs();
        r = if a > r { a } else { r };
    }
    r
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn max_abs_avx512(src: &[f32]) -> f32 {
    max_abs(src)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn max_abs_avx2(src: &[f32]) -> f32 {
    max_abs(src)
}

/// `dst = round(clamp(src · scale, ±CH_MAX))` (ties away from zero), NaN → 0; branch-free
/// so that it vectorises.
#[inline(always)]
fn quantise(src: &[f32], scale: f32, dst: &mut [i16]) {
    // 1.5·2²³: adding it to an integer-valued |t| < 2²² leaves t + 2²² in the low mantissa
    // bits, so the conversion is integer arithmetic on the bit pattern (exact, and packed
    // where a saturating float→int cast would be scalarised).
    const MAGIC: f32 = 12_582_912.0;
    const MAGIC_BITS: i32 = 0x4B40_0000;
    for (o, &x) in dst.iter_mut().zip(src) {
        let v = x * scale;
        let v = if v.is_nan() { 0.0 } else { v };
        let y = v.clamp(-f32::from(CH_MAX), f32::from(CH_MAX));
        let t = (y + 0.5f32.copysign(y)).trunc();
        *o = ((t + MAGIC).to_bits() as i32 - MAGIC_BITS) as i16;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantise_avx512(src: &[f32], scale: f32, dst: &mut [i16]) {
    quantise(src, scale, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantise_avx2(src: &[f32], scale: f32, dst: &mut [i16]) {
    quantise(src, scale, dst)
}

/// β metrics at trellis step K from the quantised tail `[x, z, x, z, x, z]` (doubled units).
fn beta_tail(t: &[i16; 6]) -> [i16; 8] {
    let mut beta = [i32::from(NEG); 8];
    beta[0] = 0;
    for j in (0..3).rev() {
        let (x, z) = (i32::from(t[2 * j]), i32::from(t[2 * j + 1]));
        let mut nb = [0i32; 8];
        for (s, v) in nb.iter_mut().enumerate() {
            let u = tail_input(s as u8);
            let (zb, n) = rsc_step(s as u8, u);
            let g = (1 - 2 * i32::from(u)) * x + (1 - 2 * i32::from(zb)) * z;
            *v = g + beta[n as usize];
        }
        let m = *nb.iter().max().unwrap_or(&0);
        beta = nb.map(|v| (v - m).max(i32::from(NEG)));
    }
    beta.map(|v| v as i16)
}

#[cfg(test)]
mod tests {
    use super::super::encode;
    use super::*;

    /// The bit-pattern conversion equals clamp + round-half-away + saturating cast.
    #[test]
    fn quantise_matches_reference_rounding() {
        let mut src = vec![
            0.0f32,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -2.5,
            0.499_999_97,
            1022.5,
            -1022.5,
            1023.4,
            5000.0,
            -5000.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            f32::MIN_POSITIVE,
        ];
        let mut x = 0x1234_5678u32;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            src.push((x as i32) as f32 / 1.0e6);
        }
        let mut got = vec![0i16; src.len()];
        for scale in [1.0f32, 0.37, 3.0] {
            quantise(&src, scale, &mut got);
            for (&v, &g) in src.iter().zip(&got) {
                let y = (v * scale).clamp(-f32::from(CH_MAX), f32::from(CH_MAX));
                let want = if y.is_nan() {
                    0
                } else {
                    (y + 0.5f32.copysign(y)) as i16
                };
                assert_eq!(g, want, "{v} × {scale}");
            }
        }
    }

    #[test]
    fn noiseless_roundtrip_every_level() {
        let mut levels = vec![(SimdLevel::Portable, 16), (SimdLevel::Portable, 32)];
        for l in [SimdLevel::Avx512, SimdLevel::Avx2, SimdLevel::Sse41] {
            if l.is_supported() {
                levels.push((l, l.default_lanes()));
            }
        }
        for k in [40usize, 1024, 6144] {
            let c: Vec<u8> = (0..k).map(|i| ((i * 7 + i / 3) % 3 == 0) as u8).collect();
            let mut d = vec![0u8; 3 * (k + 4)];
            encode(&c, &mut d).unwrap();
            let llr: Vec<f32> = d.iter().map(|&b| 1.0 - 2.0 * f32::from(b)).collect();
            for &(lv, lanes) in &levels {
                let mut dec = FixedDecoder::with_level(k, lv, lanes).unwrap();
                let mut out = vec![0u8; k];
                dec.decode(&llr, 0, 2, Algorithm::MaxLogScaled, &mut out, None)
                    .unwrap();
                assert_eq!(out, c, "k={k} {lv:?}");
            }
        }
    }

    #[test]
    fn qpp_is_contention_free_for_our_windows() {
        for k in super::super::block_sizes() {
            let d = FixedDecoder::with_level(k, SimdLevel::Portable, 32).unwrap();
            assert!(d.p12.is_some() && d.p21.is_some(), "K={k}");
            // The step/lane form reproduces the plain gather.
            let (step, lane) = d.p12.as_ref().unwrap();
            for (j, &g) in d.g12.iter().enumerate() {
                let (t, l) = (j / 32, j % 32);
                if l < d.n_w {
                    assert_eq!(g as usize, step[t] as usize * 32 + lane[j] as usize);
                }
            }
        }
    }

    #[test]
    fn trellis_tables_consistent() {
        for (ns, pr) in PRED.iter().enumerate() {
            for &(s, c) in pr {
                let u = c / 2;
                assert_eq!(NEXT[s][u].0, ns);
                assert_eq!(usize::from(NEXT[s][u].1), c % 2);
            }
        }
    }
}
