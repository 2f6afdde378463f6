//! Fixed-point (i16 or i8) SIMD turbo decoder: max-log-MAP over parallel trellis windows.
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
//! i8 path ([`Precision::I8`]): channel LLRs in ±31 (same max-|LLR| scaling), extrinsic
//! ±63, |γ| ≤ 125, state metrics normalised to their maximum every step (so they live in
//! [−128, 0] and weak states saturate at −128); twice the lanes per vector, hence twice the
//! windows (K = 6144: 64 windows of 96 on AVX-512). Measured at K = 6144 about 0.05 dB
//! behind i16 (half of it from the shorter windows), at K = 1024 within 0.02 dB
//! (`results/reference/turbo_precision.csv`); i16 stays the default.
//!
//! Dispatch: AVX-512BW (32 lanes of i16 / 64 of i8), AVX2 and SSE4.1 (16 / 32), or portable
//! code, detected at run time. The kernel is written once over a lane-vector trait: arrays
//! `[T; L]` that LLVM vectorises per instruction set, and explicit `zmm` wrappers on
//! AVX-512 (LLVM keeps 64-lane i8 arrays in memory). For the same lane count and precision,
//! every level gives bit-identical output (tested). Plans with different lane counts differ
//! in window length, hence in rare decisions.
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

// ----- lane elements -----

/// The arithmetic precision of a [`FixedDecoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// i16 metrics: channel LLRs in ±[`CH_MAX`], extrinsic ±[`EXT_MAX`], normalisation every
    /// second step. Within a few hundredths of a dB of the f32 oracle.
    #[default]
    I16,
    /// i8 metrics, twice the lanes per vector: channel LLRs in ±[`CH_MAX_I8`], extrinsic
    /// ±[`EXT_MAX_I8`], state metrics normalised to their maximum every step.
    I8,
}

impl Precision {
    /// Short name (`"i16"`, `"i8"`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::I16 => "i16",
            Precision::I8 => "i8",
        }
    }

    /// Lanes (parallel windows) the precision uses by default on `level`.
    pub fn default_lanes(self, level: SimdLevel) -> usize {
        match self {
            Precision::I16 => level.default_lanes(),
            Precision::I8 => 2 * level.default_lanes(),
        }
    }

    /// Whether `lanes` fits `level` at this precision (one vector register per metric
    /// vector on AVX-512/AVX2, two on SSE4.1; portable code takes either size).
    fn lanes_ok(self, level: SimdLevel, lanes: usize) -> bool {
        let d = self.default_lanes(level);
        match level {
            SimdLevel::Portable => lanes == d || lanes == 2 * d,
            _ => lanes == d,
        }
    }
}

/// Magnitude of the largest quantised channel LLR on the i8 path.
pub const CH_MAX_I8: i16 = 31;
/// Clamp of the extrinsic LLRs on the i8 path.
pub const EXT_MAX_I8: i8 = 63;

/// A lane element: i16 or i8 with saturating arithmetic.
trait Elem: Copy + Ord + Default + std::fmt::Debug + Send + Sync + 'static {
    /// Quantiser full scale (|quantised channel LLR| ≤ this).
    const CH_MAX: i16;
    const EXT_MAX: Self;
    /// Metric of a state known not to be the start/end state.
    const NEG: Self;
    const MIN: Self;
    const ZERO: Self;
    /// State metrics are normalised every `NORM_EVERY` steps.
    const NORM_EVERY: usize;
    fn adds(self, o: Self) -> Self;
    fn subs(self, o: Self) -> Self;
    fn shr(self, n: u32) -> Self;
    /// From a quantised value, which is within ±`CH_MAX` by construction.
    fn from_i16(x: i16) -> Self;
    fn from_i32_sat(x: i32) -> Self;
    fn to_i32(self) -> i32;
}

impl Elem for i16 {
    const CH_MAX: i16 = CH_MAX;
    const EXT_MAX: i16 = EXT_MAX;
    const NEG: i16 = NEG;
    const MIN: i16 = i16::MIN;
    const ZERO: i16 = 0;
    // One step adds at most |G| ≤ 2·CH_MAX + EXT_MAX to the maximum, so stored metrics stay
    // ≤ 6141 and α + β + γ cannot saturate high with normalisation every second step.
    const NORM_EVERY: usize = 2;
    #[inline(always)]
    fn adds(self, o: Self) -> Self {
        self.saturating_add(o)
    }
    #[inline(always)]
    fn subs(self, o: Self) -> Self {
        self.saturating_sub(o)
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        self >> n
    }
    #[inline(always)]
    fn from_i16(x: i16) -> Self {
        x
    }
    #[inline(always)]
    fn from_i32_sat(x: i32) -> Self {
        x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        i32::from(self)
    }
}

impl Elem for i8 {
    const CH_MAX: i16 = CH_MAX_I8;
    const EXT_MAX: i8 = EXT_MAX_I8;
    const NEG: i8 = -96;
    const MIN: i8 = i8::MIN;
    const ZERO: i8 = 0;
    // |G| ≤ 2·31 + 63 = 125: after a normalised step (maximum 0) the next maximum is ≤ 125,
    // so every step must be normalised; metrics then live in [−128, 0] relative to the best
    // state, and weak states saturate at −128 (their exact value no longer matters).
    const NORM_EVERY: usize = 1;
    #[inline(always)]
    fn adds(self, o: Self) -> Self {
        self.saturating_add(o)
    }
    #[inline(always)]
    fn subs(self, o: Self) -> Self {
        self.saturating_sub(o)
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        self >> n
    }
    #[inline(always)]
    fn from_i16(x: i16) -> Self {
        // Quantised values are within ±CH_MAX_I8 by construction: a plain cast is exact.
        debug_assert!(x.unsigned_abs() <= CH_MAX_I8 as u16);
        x as i8
    }
    #[inline(always)]
    fn from_i32_sat(x: i32) -> Self {
        x.clamp(-128, 127) as i8
    }
    #[inline(always)]
    fn to_i32(self) -> i32 {
        i32::from(self)
    }
}

// ----- lane vectors -----

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct V<T: Elem, const L: usize>([T; L]);

/// The operations the kernel needs on one vector of `L` lanes of `T`. Implemented by the
/// portable array type [`V`] (which LLVM vectorises for the narrower levels) and, where
/// LLVM leaves arrays in memory (64 lanes of i8), by AVX-512 register wrappers.
trait Vx<T: Elem, const L: usize>: Copy {
    fn splat(x: T) -> Self;
    fn load(a: &[T; L]) -> Self;
    fn store(self, a: &mut [T; L]);
    fn adds(self, o: Self) -> Self;
    fn subs(self, o: Self) -> Self;
    fn max(self, o: Self) -> Self;
    /// Arithmetic shift right by 1.
    fn shr1(self) -> Self;
    /// Arithmetic shift right by 3.
    fn shr3(self) -> Self;
    /// Clamp to `[−m, m]`.
    fn clamp(self, m: T) -> Self;
}

impl<T: Elem, const L: usize> V<T, L> {
    #[inline(always)]
    fn zip_with(self, o: Self, f: impl Fn(T, T) -> T) -> Self {
        let mut r = self.0;
        for (a, b) in r.iter_mut().zip(o.0) {
            *a = f(*a, b);
        }
        V(r)
    }
    #[inline(always)]
    fn map(self, f: impl Fn(T) -> T) -> Self {
        let mut r = self.0;
        for a in r.iter_mut() {
            *a = f(*a);
        }
        V(r)
    }
}

impl<T: Elem, const L: usize> Vx<T, L> for V<T, L> {
    #[inline(always)]
    fn splat(x: T) -> Self {
        V([x; L])
    }
    #[inline(always)]
    fn load(a: &[T; L]) -> Self {
        V(*a)
    }
    #[inline(always)]
    fn store(self, a: &mut [T; L]) {
        *a = self.0;
    }
    #[inline(always)]
    fn adds(self, o: Self) -> Self {
        self.zip_with(o, T::adds)
    }
    #[inline(always)]
    fn subs(self, o: Self) -> Self {
        self.zip_with(o, T::subs)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        self.zip_with(o, Ord::max)
    }
    #[inline(always)]
    fn shr1(self) -> Self {
        self.map(|a| a.shr(1))
    }
    #[inline(always)]
    fn shr3(self) -> Self {
        self.map(|a| a.shr(3))
    }
    #[inline(always)]
    fn clamp(self, m: T) -> Self {
        let lo = T::ZERO.subs(m);
        self.map(|a| a.clamp(lo, m))
    }
}

#[inline(always)]
fn normalise<T: Elem, const L: usize, X: Vx<T, L>>(m: &mut [X; 8]) {
    let mx = m[0]
        .max(m[1])
        .max(m[2].max(m[3]))
        .max(m[4].max(m[5]).max(m[6].max(m[7])));
    for v in m.iter_mut() {
        *v = v.subs(mx);
    }
}

/// Inputs and outputs of one constituent MAP pass over all windows; every slice is in the
/// transposed `[step][lane]` layout with `L` lanes.
struct Pass<'a, T> {
    sys: &'a [T],
    la: &'a [T],
    par: &'a [T],
    le: &'a mut [T],
    app: &'a mut [T],
    /// Scratch for the forward metrics, `8·L` per step.
    alpha: &'a mut [T],
    alpha_init: &'a mut [T],
    beta_init: &'a mut [T],
    scaled: bool,
}

#[inline(always)]
fn load8<T: Elem, const L: usize, X: Vx<T, L>>(src: &[[T; L]; 8]) -> [X; 8] {
    std::array::from_fn(|s| X::load(&src[s]))
}

#[inline(always)]
fn store8<T: Elem, const L: usize, X: Vx<T, L>>(m: &[X; 8], dst: &mut [[T; L]; 8]) {
    for s in 0..8 {
        m[s].store(&mut dst[s]);
    }
}

/// `m + γ` for branch index `c` (0 → +G0, 1 → +G1, 2 → −G1, 3 → −G0), with a saturating
/// subtraction for the negative branches: equal to adding the negated metric because
/// |G| ≤ 2·CH_MAX + EXT_MAX never reaches the type's minimum, and one negation cheaper.
#[inline(always)]
fn branch<T: Elem, const L: usize, X: Vx<T, L>>(m: X, c: usize, g0: X, g1: X) -> X {
    match c {
        0 => m.adds(g0),
        1 => m.adds(g1),
        2 => m.subs(g1),
        _ => m.subs(g0),
    }
}

/// `&[T]` as `L`-lane rows (a trailing partial row is ignored).
#[inline(always)]
fn rows<T, const L: usize>(s: &[T]) -> &[[T; L]] {
    s.as_chunks::<L>().0
}

#[inline(always)]
fn rows_mut<T, const L: usize>(s: &mut [T]) -> &mut [[T; L]] {
    s.as_chunks_mut::<L>().0
}

/// Eight rows of state metrics at the start of `s` (`s.len() ≥ 8·L`, else the caller's
/// sizing is broken: panics).
#[inline(always)]
fn metrics_mut<T, const L: usize>(s: &mut [T]) -> &mut [[T; L]; 8] {
    let r = rows_mut::<T, L>(s);
    (&mut r[..8]).try_into().expect("8 metric rows")
}

/// The kernel: forward recursion storing α, then backward recursion producing extrinsic and
/// a-posteriori values; leaves the window-end metrics in `alpha_init`/`beta_init` (per lane,
/// not yet shifted to the neighbouring window).
///
/// Written without closures and over row iterators (no per-step bounds checks) so that
/// everything inlines into the `target_feature` wrappers and stays in vector registers.
#[inline(always)]
fn map_pass<T: Elem, const L: usize, X: Vx<T, L>>(p: Pass<'_, T>) {
    let sys = rows::<T, L>(p.sys);
    let la = rows::<T, L>(p.la);
    let par = rows::<T, L>(p.par);
    let le = rows_mut::<T, L>(p.le);
    let app = rows_mut::<T, L>(p.app);
    let alpha = rows_mut::<T, L>(p.alpha).as_chunks_mut::<8>().0;
    let steps = sys
        .len()
        .min(la.len())
        .min(par.len())
        .min(le.len())
        .min(app.len())
        .min(alpha.len());
    let (sys, la, par) = (&sys[..steps], &la[..steps], &par[..steps]);
    let (le, app, alpha) = (&mut le[..steps], &mut app[..steps], &mut alpha[..steps]);
    let zero = X::splat(T::ZERO);
    let ai = metrics_mut::<T, L>(p.alpha_init);
    let mut a: [X; 8] = load8(ai);
    let fwd = sys.iter().zip(la).zip(par).zip(alpha.iter_mut());
    for (t, (((s, l), q), st)) in fwd.enumerate() {
        store8(&a, st);
        let gs = X::load(s).adds(X::load(l));
        let gp = X::load(q);
        let g0 = gs.adds(gp);
        let g1 = gs.subs(gp);
        let mut n = [zero; 8];
        for ns in 0..8 {
            let [(s0, c0), (s1, c1)] = PRED[ns];
            n[ns] = branch(a[s0], c0, g0, g1).max(branch(a[s1], c1, g0, g1));
        }
        if t % T::NORM_EVERY == T::NORM_EVERY - 1 {
            normalise(&mut n);
        }
        a = n;
    }
    normalise(&mut a);
    store8(&a, ai);
    let bi = metrics_mut::<T, L>(p.beta_init);
    let mut b: [X; 8] = load8(bi);
    let bwd = sys
        .iter()
        .zip(la)
        .zip(par)
        .zip(alpha.iter())
        .zip(le.iter_mut().zip(app.iter_mut()));
    for (t, ((((s, l), q), st), (e_out, app_out))) in bwd.enumerate().rev() {
        let al: [X; 8] = load8(st);
        let gs = X::load(s).adds(X::load(l));
        let gp = X::load(q);
        // Extrinsic: per u, max over states of α + β(next), split by parity sign.
        let mut best = [[X::splat(T::MIN); 2]; 2]; // [u][z]
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
        let half = lp.shr1();
        let ext = if p.scaled { half.subs(lp.shr3()) } else { half };
        ext.clamp(T::EXT_MAX).store(e_out);
        gs.adds(half).store(app_out);
        // β update.
        let g0 = gs.adds(gp);
        let g1 = gs.subs(gp);
        let mut n = [zero; 8];
        for s in 0..8 {
            let (n0, z0) = NEXT[s][0];
            let (n1, z1) = NEXT[s][1];
            let c0 = branch(b[n0], combo(0, z0), g0, g1);
            n[s] = c0.max(branch(b[n1], combo(1, z1), g0, g1));
        }
        if t % T::NORM_EVERY == 0 {
            normalise(&mut n);
        }
        b = n;
    }
    store8(&b, bi);
}

fn map_portable<T: Elem, const L: usize>(p: Pass<'_, T>) {
    map_pass::<T, L, V<T, L>>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn map_avx512_i16(p: Pass<'_, i16>) {
    map_pass::<i16, 32, x86::Z16>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn map_avx512_i8(p: Pass<'_, i8>) {
    map_pass::<i8, 64, x86::Z8>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn map_avx2<T: Elem, const L: usize>(p: Pass<'_, T>) {
    map_pass::<T, L, V<T, L>>(p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse4.1")]
unsafe fn map_sse41<T: Elem, const L: usize>(p: Pass<'_, T>) {
    map_pass::<T, L, V<T, L>>(p)
}

/// AVX-512 register forms of [`Vx`]: one `zmm` per metric vector (LLVM keeps 64-lane i8
/// arrays in memory, and the explicit form guarantees registers for i16 too).
///
/// # Safety (module invariant)
/// These types are only created inside `map_avx512_i16` / `map_avx512_i8`, which have
/// AVX-512F/BW enabled and are only called on a CPU where run-time detection found them
/// (a decoder's level is checked in `with_options`). Every method is `#[inline(always)]` so
/// it compiles inside those functions; the intrinsics' only requirement is the features.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Vx;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    pub(super) struct Z16(__m512i);
    #[derive(Clone, Copy)]
    pub(super) struct Z8(__m512i);

    impl Vx<i16, 32> for Z16 {
        #[inline(always)]
        fn splat(x: i16) -> Self {
            // SAFETY: module invariant (AVX-512 present).
            Z16(unsafe { _mm512_set1_epi16(x) })
        }
        #[inline(always)]
        fn load(a: &[i16; 32]) -> Self {
            // SAFETY: module invariant; `a` is 64 readable bytes, unaligned load.
            Z16(unsafe { _mm512_loadu_si512(a.as_ptr() as *const __m512i) })
        }
        #[inline(always)]
        fn store(self, a: &mut [i16; 32]) {
            // SAFETY: module invariant; `a` is 64 writable bytes, unaligned store.
            unsafe { _mm512_storeu_si512(a.as_mut_ptr() as *mut __m512i, self.0) }
        }
        #[inline(always)]
        fn adds(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z16(unsafe { _mm512_adds_epi16(self.0, o.0) })
        }
        #[inline(always)]
        fn subs(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z16(unsafe { _mm512_subs_epi16(self.0, o.0) })
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z16(unsafe { _mm512_max_epi16(self.0, o.0) })
        }
        #[inline(always)]
        fn shr1(self) -> Self {
            // SAFETY: module invariant.
            Z16(unsafe { _mm512_srai_epi16::<1>(self.0) })
        }
        #[inline(always)]
        fn shr3(self) -> Self {
            // SAFETY: module invariant.
            Z16(unsafe { _mm512_srai_epi16::<3>(self.0) })
        }
        #[inline(always)]
        fn clamp(self, m: i16) -> Self {
            // SAFETY: module invariant.
            unsafe {
                let hi = _mm512_min_epi16(self.0, _mm512_set1_epi16(m));
                Z16(_mm512_max_epi16(hi, _mm512_set1_epi16(m.saturating_neg())))
            }
        }
    }

    /// Arithmetic shift right of each byte by `N`: a logical shift of the 16-bit words,
    /// masked to the byte, then sign-extended by `(u ^ m) − m` with `m = 0x80 >> N`.
    ///
    /// # Safety
    /// Module invariant: only called (inlined) inside an AVX-512BW function.
    #[inline(always)]
    unsafe fn srai_epi8<const N: u32>(x: __m512i) -> __m512i {
        // SAFETY: module invariant.
        unsafe {
            let u = _mm512_and_si512(
                _mm512_srli_epi16::<N>(x),
                _mm512_set1_epi8((0xFFu8 >> N) as i8),
            );
            let m = _mm512_set1_epi8((0x80u8 >> N) as i8);
            _mm512_sub_epi8(_mm512_xor_si512(u, m), m)
        }
    }

    impl Vx<i8, 64> for Z8 {
        #[inline(always)]
        fn splat(x: i8) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { _mm512_set1_epi8(x) })
        }
        #[inline(always)]
        fn load(a: &[i8; 64]) -> Self {
            // SAFETY: module invariant; `a` is 64 readable bytes, unaligned load.
            Z8(unsafe { _mm512_loadu_si512(a.as_ptr() as *const __m512i) })
        }
        #[inline(always)]
        fn store(self, a: &mut [i8; 64]) {
            // SAFETY: module invariant; `a` is 64 writable bytes, unaligned store.
            unsafe { _mm512_storeu_si512(a.as_mut_ptr() as *mut __m512i, self.0) }
        }
        #[inline(always)]
        fn adds(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { _mm512_adds_epi8(self.0, o.0) })
        }
        #[inline(always)]
        fn subs(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { _mm512_subs_epi8(self.0, o.0) })
        }
        #[inline(always)]
        fn max(self, o: Self) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { _mm512_max_epi8(self.0, o.0) })
        }
        #[inline(always)]
        fn shr1(self) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { srai_epi8::<1>(self.0) })
        }
        #[inline(always)]
        fn shr3(self) -> Self {
            // SAFETY: module invariant.
            Z8(unsafe { srai_epi8::<3>(self.0) })
        }
        #[inline(always)]
        fn clamp(self, m: i8) -> Self {
            // SAFETY: module invariant.
            unsafe {
                let hi = _mm512_min_epi8(self.0, _mm512_set1_epi8(m));
                Z8(_mm512_max_epi8(hi, _mm512_set1_epi8(m.saturating_neg())))
            }
        }
    }
}

/// Run one MAP pass on the decoder's level and lane count (per element type, because the
/// AVX-512 forms are written per type).
trait Kernel: Elem {
    fn run_map(level: SimdLevel, lanes: usize, p: Pass<'_, Self>);
}

/// The levels whose kernel is the generic array form, for any element type.
fn run_map_generic<T: Elem>(level: SimdLevel, lanes: usize, p: Pass<'_, T>) {
    match (level, lanes) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a decoder only holds a level that `is_x86_feature_detected!` reported for
        // this CPU (checked in `with_options`), so the callee's target features are present.
        (SimdLevel::Avx2, 32) => unsafe { map_avx2::<T, 32>(p) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (SimdLevel::Avx2, _) => unsafe { map_avx2::<T, 16>(p) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above, SSE4.1 was detected at construction.
        (SimdLevel::Sse41, 32) => unsafe { map_sse41::<T, 32>(p) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as above.
        (SimdLevel::Sse41, _) => unsafe { map_sse41::<T, 16>(p) },
        (_, 64) => map_portable::<T, 64>(p),
        (_, 32) => map_portable::<T, 32>(p),
        _ => map_portable::<T, 16>(p),
    }
}

impl Kernel for i16 {
    fn run_map(level: SimdLevel, lanes: usize, p: Pass<'_, i16>) {
        match (level, lanes) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: AVX-512F/BW were detected at construction (`with_options`), which
            // also fixed 32 lanes for i16 on this level.
            (SimdLevel::Avx512, 32) => unsafe { map_avx512_i16(p) },
            _ => run_map_generic(level, lanes, p),
        }
    }
}

impl Kernel for i8 {
    fn run_map(level: SimdLevel, lanes: usize, p: Pass<'_, i8>) {
        match (level, lanes) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: AVX-512F/BW were detected at construction (`with_options`), which
            // also fixed 64 lanes for i8 on this level.
            (SimdLevel::Avx512, 64) => unsafe { map_avx512_i8(p) },
            _ => run_map_generic(level, lanes, p),
        }
    }
}

/// Step/lane form of a gather permutation over the transposed layout, when every output
/// step reads a single source step: `out[t][l] = src[step[t]][lane[t·L + l]]`.
#[derive(Debug, Clone)]
struct StepLane {
    step: Vec<u16>,
    lane: Vec<u16>,
    /// `lane` as bytes (for `vpermb`).
    lane8: Vec<u8>,
}

type LanePerm = Option<StepLane>;

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
    let lane8 = lane.iter().map(|&x| x as u8).collect();
    Some(StepLane { step, lane, lane8 })
}

/// `la[t][l] = le[step[t]][lane[t][l]]` with one `vpermw` per step (32 lanes of i16).
///
/// The AVX-512 paths need rustc ≥ 1.89 (stable AVX-512 target features and intrinsics),
/// above the workspace's declared 1.85: the coordinator is asked to raise `rust-version`.
#[allow(clippy::incompatible_msrv)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn permute_avx512(le: &[i16], la: &mut [i16], p: &StepLane) {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_permutexvar_epi16, _mm512_storeu_si512,
    };
    let (step, lane) = (&p.step, &p.lane);
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

/// `la[t][l] = le[step[t]][lane[t][l]]` with one `vpermb` per step (64 lanes of i8).
#[allow(clippy::incompatible_msrv)]
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn permute_avx512_i8(le: &[i8], la: &mut [i8], p: &StepLane) {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_permutexvar_epi8, _mm512_storeu_si512,
    };
    let (step, lane) = (&p.step, &p.lane8);
    assert!(
        le.len() >= step.len() * 64 && la.len() >= step.len() * 64 && lane.len() >= step.len() * 64
    );
    for (t, &s) in step.iter().enumerate() {
        let s = s as usize;
        assert!(s < step.len());
        // SAFETY: the asserts above bound every 64-byte access inside the three slices;
        // unaligned loads/stores are used, and AVX-512F/BW/VBMI are enabled on this function
        // (callers check CPU support: `Plan::vbmi`).
        unsafe {
            let src = _mm512_loadu_si512(le.as_ptr().add(s * 64) as *const __m512i);
            let idx = _mm512_loadu_si512(lane.as_ptr().add(t * 64) as *const __m512i);
            let v = _mm512_permutexvar_epi8(idx, src);
            _mm512_storeu_si512(la.as_mut_ptr().add(t * 64) as *mut __m512i, v);
        }
    }
}

/// Gathers with a SIMD permute where the element type and CPU allow.
trait FastPermute: Kernel {
    /// `dst = src` through `p` with SIMD; `false` if no SIMD form exists here.
    fn permute_fast(_plan: &Plan, _src: &[Self], _dst: &mut [Self], _p: &StepLane) -> bool {
        false
    }
}

impl FastPermute for i16 {
    fn permute_fast(plan: &Plan, src: &[i16], dst: &mut [i16], p: &StepLane) -> bool {
        match (plan.level, plan.lanes) {
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx512, 32) => {
                // SAFETY: AVX-512BW was detected when this decoder was built (`with_options`).
                unsafe { permute_avx512(src, dst, p) };
                true
            }
            _ => false,
        }
    }
}

impl FastPermute for i8 {
    fn permute_fast(plan: &Plan, src: &[i8], dst: &mut [i8], p: &StepLane) -> bool {
        match (plan.level, plan.lanes, plan.vbmi) {
            #[cfg(target_arch = "x86_64")]
            (SimdLevel::Avx512, 64, true) => {
                // SAFETY: AVX-512BW and VBMI were detected when this decoder was built.
                unsafe { permute_avx512_i8(src, dst, p) };
                true
            }
            _ => false,
        }
    }
}

/// Everything about a block size that does not change between decodes.
#[derive(Debug, Clone)]
struct Plan {
    k: usize,
    level: SimdLevel,
    lanes: usize,
    n_w: usize,
    w: usize,
    /// Whether the CPU has AVX-512 VBMI (`vpermb`, used by the 64-lane i8 permute).
    vbmi: bool,
    /// `pos[i]`: transposed position of natural index i.
    pos: Vec<u32>,
    /// `la2[j] = le1[g12[j]]` (interleave), `la1[j] = le2[g21[j]]` (deinterleave).
    g12: Vec<u32>,
    g21: Vec<u32>,
    /// The same permutations in step/lane form (the QPP is contention-free for every
    /// window length dividing K, so all lanes of an output step read one source step).
    p12: LanePerm,
    p21: LanePerm,
    /// `bits[n] = app2[bit_src[n]] < 0`.
    bit_src: Vec<u32>,
}

impl Plan {
    /// `dst ← src` through the interleaver (`inverse = false`) or its inverse.
    fn gather<T: FastPermute>(&self, inverse: bool, src: &[T], dst: &mut [T]) {
        let (g, p) = if inverse {
            (&self.g21, &self.p21)
        } else {
            (&self.g12, &self.p12)
        };
        if let Some(p) = p {
            if T::permute_fast(self, src, dst, p) {
                return;
            }
        }
        for (o, &s) in dst.iter_mut().zip(g) {
            *o = src[s as usize];
        }
    }
}

/// Per-precision working buffers, transposed layout, `W·L` each (α: `8·W·L`).
#[derive(Debug, Clone)]
struct Buffers<T> {
    sys1: Vec<T>,
    sys2: Vec<T>,
    par1: Vec<T>,
    par2: Vec<T>,
    la: Vec<T>,
    le: Vec<T>,
    app: Vec<T>,
    alpha: Vec<T>,
    /// Per constituent: α and β boundary metrics, 8·L each.
    alpha_init: [Vec<T>; 2],
    beta_init: [Vec<T>; 2],
}

impl<T: FastPermute> Buffers<T> {
    fn new(len: usize, lanes: usize) -> Self {
        let z = T::ZERO;
        Buffers {
            sys1: vec![z; len],
            sys2: vec![z; len],
            par1: vec![z; len],
            par2: vec![z; len],
            la: vec![z; len],
            le: vec![z; len],
            app: vec![z; len],
            alpha: vec![z; 8 * len],
            alpha_init: [vec![z; 8 * lanes], vec![z; 8 * lanes]],
            beta_init: [vec![z; 8 * lanes], vec![z; 8 * lanes]],
        }
    }

    fn run_pass(&mut self, plan: &Plan, second: bool, scaled: bool) {
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
        T::run_map(plan.level, plan.lanes, p);
    }

    /// Move window-end metrics to the neighbouring windows (NII) and set the fixed ends:
    /// state 0 at the start of window 0, the termination metrics at the end of the last.
    fn shift_boundaries(&mut self, plan: &Plan, c: usize, beta_tail: &[T; 8]) {
        let l = plan.lanes;
        let nw = plan.n_w;
        for s in 0..8 {
            let a = &mut self.alpha_init[c][s * l..(s + 1) * l];
            a.copy_within(0..nw - 1, 1);
            a[0] = if s == 0 { T::ZERO } else { T::NEG };
            let b = &mut self.beta_init[c][s * l..(s + 1) * l];
            b.copy_within(1..nw, 0);
            b[nw - 1] = beta_tail[s];
        }
    }

    /// Transpose the quantised input, decode, write `bits`.
    #[allow(clippy::too_many_arguments)]
    fn decode(
        &mut self,
        plan: &Plan,
        qd: &[i16],
        filler: usize,
        iterations: usize,
        scaled: bool,
        bits: &mut [u8],
        mut early_stop: EarlyStop<'_>,
    ) -> DecodeOutcome
    where
        T: FastPermute,
    {
        let (k, w, l, nw) = (plan.k, plan.w, plan.lanes, plan.n_w);
        let dl = k + 4;
        // Transpose into [step][lane]: window by window, contiguous reads and strided
        // writes through iterators (no bounds checks in the inner loops).
        {
            let (q0, q1, q2) = (&qd[..dl], &qd[dl..2 * dl], &qd[2 * dl..]);
            for (dst, src) in [
                (&mut self.sys1, q0),
                (&mut self.par1, q1),
                (&mut self.par2, q2),
            ] {
                for (win, src) in src.chunks_exact(w).take(nw).enumerate() {
                    for (o, &x) in dst[win..].iter_mut().step_by(l).zip(src) {
                        *o = T::from_i16(x);
                    }
                }
            }
        }
        for i in 0..filler {
            let p = plan.pos[i] as usize;
            self.sys1[p] = T::from_i16(T::CH_MAX);
            self.par1[p] = T::ZERO;
        }
        // sys2 = sys1 through the interleaver (the same gather as la ← le).
        plan.gather(false, &self.sys1, &mut self.sys2);
        let tails: [[T; 8]; 2] = [
            beta_tail::<T>(&tail_llrs(qd, k, false)),
            beta_tail::<T>(&tail_llrs(qd, k, true)),
        ];
        for c in 0..2 {
            self.alpha_init[c].fill(T::ZERO);
            self.beta_init[c].fill(T::ZERO);
            // Pre-shift so that the first pass sees state 0 / the tail at the ends and
            // uniform metrics inside.
            for s in 0..8 {
                self.alpha_init[c][s * l] = if s == 0 { T::ZERO } else { T::NEG };
                self.beta_init[c][s * l + nw - 1] = tails[c][s];
            }
        }
        self.la.fill(T::ZERO);
        let mut outcome = DecodeOutcome {
            iterations: 0,
            stopped_early: false,
        };
        for it in 0..iterations {
            self.run_pass(plan, false, scaled);
            self.shift_boundaries(plan, 0, &tails[0]);
            plan.gather(false, &self.le, &mut self.la);
            self.run_pass(plan, true, scaled);
            self.shift_boundaries(plan, 1, &tails[1]);
            plan.gather(true, &self.le, &mut self.la);
            outcome.iterations = it + 1;
            let last = it + 1 == iterations;
            if last || early_stop.is_some() {
                for (b, &s) in bits.iter_mut().zip(&plan.bit_src) {
                    *b = u8::from(self.app[s as usize] < T::ZERO);
                }
            }
            if let Some(f) = early_stop.as_mut() {
                if f(bits) {
                    outcome.stopped_early = true;
                    break;
                }
            }
        }
        outcome
    }
}

#[derive(Debug, Clone)]
enum Bufs {
    I16(Buffers<i16>),
    I8(Buffers<i8>),
}

/// The fixed-point SIMD turbo decoder for one block size (max-log-MAP, optionally with
/// extrinsic scaling), in i16 or i8 arithmetic. Plan once, decode many blocks; no
/// allocation per decode.
#[derive(Debug, Clone)]
pub struct FixedDecoder {
    plan: Plan,
    /// Quantised input, natural order.
    qd: Vec<i16>,
    bufs: Bufs,
}

impl FixedDecoder {
    /// An i16 decoder for block size `k` on the best SIMD level of this CPU.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not in 36.212 Table 5.1.3-3.
    pub fn new(k: usize) -> Result<Self> {
        Self::with_precision(k, Precision::I16)
    }

    /// A decoder of the given precision for block size `k` on the best SIMD level of this
    /// CPU with that precision's default lane count.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not in 36.212 Table 5.1.3-3.
    pub fn with_precision(k: usize, precision: Precision) -> Result<Self> {
        let level = SimdLevel::detect();
        Self::with_options(k, level, precision.default_lanes(level), precision)
    }

    /// An i16 decoder on a given level and lane count (16 or 32; AVX-512 needs 32, AVX2 and
    /// SSE4.1 need 16, portable takes either).
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not a block size, the CPU lacks `level`, or `lanes`
    /// does not fit the level.
    pub fn with_level(k: usize, level: SimdLevel, lanes: usize) -> Result<Self> {
        Self::with_options(k, level, lanes, Precision::I16)
    }

    /// A decoder on a given level, lane count and precision. Lanes: i16 as in
    /// [`Self::with_level`]; i8 64 on AVX-512, 32 on AVX2 and SSE4.1, 32 or 64 portable.
    ///
    /// # Errors
    /// [`Error::Unsupported`] if `k` is not a block size, the CPU lacks `level`, or `lanes`
    /// does not fit the level and precision.
    pub fn with_options(
        k: usize,
        level: SimdLevel,
        lanes: usize,
        precision: Precision,
    ) -> Result<Self> {
        let perm = qpp_permutation(k)?;
        if !level.is_supported() || !precision.lanes_ok(level, lanes) {
            return Err(Error::Unsupported {
                what: "SIMD level / lanes / precision on this CPU",
                value: format!(
                    "{} with {lanes} lanes of {}",
                    level.name(),
                    precision.name()
                ),
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
        #[cfg(target_arch = "x86_64")]
        let vbmi = std::arch::is_x86_feature_detected!("avx512vbmi");
        #[cfg(not(target_arch = "x86_64"))]
        let vbmi = false;
        let plan = Plan {
            k,
            level,
            lanes,
            n_w,
            w,
            vbmi,
            pos,
            g12,
            g21,
            p12,
            p21,
            bit_src,
        };
        let bufs = match precision {
            Precision::I16 => Bufs::I16(Buffers::new(len, lanes)),
            Precision::I8 => Bufs::I8(Buffers::new(len, lanes)),
        };
        Ok(FixedDecoder {
            plan,
            qd: Vec::with_capacity(3 * (k + 4)),
            bufs,
        })
    }

    /// Block size `K`.
    pub fn k(&self) -> usize {
        self.plan.k
    }
    /// The SIMD level in use.
    pub fn level(&self) -> SimdLevel {
        self.plan.level
    }
    /// The arithmetic precision.
    pub fn precision(&self) -> Precision {
        match self.bufs {
            Bufs::I16(_) => Precision::I16,
            Bufs::I8(_) => Precision::I8,
        }
    }
    /// Lanes (16 or 32 for i16, 32 or 64 for i8).
    pub fn lanes(&self) -> usize {
        self.plan.lanes
    }
    /// Windows `n_w` and window length `W` (`n_w · W = K`).
    pub fn windows(&self) -> (usize, usize) {
        (self.plan.n_w, self.plan.w)
    }

    /// Decode one block.
    ///
    /// - `d_llr`: soft `d0|d1|d2` (length 3·(K+4)), LLR = ln P(0)/P(1), any finite or
    ///   infinite value (NaN counts as 0); quantised internally (largest |LLR| of the block
    ///   → [`CH_MAX`] for i16, [`CH_MAX_I8`] for i8).
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
        early_stop: EarlyStop<'_>,
    ) -> Result<DecodeOutcome> {
        let k = self.plan.k;
        let dl = k + 4;
        super::check_decode_lengths(k, d_llr, bits)?;
        if iterations == 0 || filler >= k || algorithm == Algorithm::LogMap {
            return Err(Error::Unsupported {
                what: "fixed-point decode parameters (iterations ≥ 1, filler < K, max-log)",
                value: format!("iterations={iterations} filler={filler} {algorithm:?}"),
            });
        }
        let scaled = algorithm == Algorithm::MaxLogScaled;
        let ch = match self.bufs {
            Bufs::I16(_) => <i16 as Elem>::CH_MAX,
            Bufs::I8(_) => <i8 as Elem>::CH_MAX,
        };
        // Quantise: scale the largest |LLR| (filler positions excluded) to the full scale.
        let (a, b) = (&d_llr[filler..dl], &d_llr[dl + filler..]);
        let level = self.plan.level;
        let mx = match level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the level was detected on this CPU when the decoder was built.
            SimdLevel::Avx512 => unsafe { max_abs_avx512(a).max(max_abs_avx512(b)) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { max_abs_avx2(a).max(max_abs_avx2(b)) },
            _ => max_abs(a).max(max_abs(b)),
        }
        .min(f32::MAX);
        let scale = if mx > 0.0 { f32::from(ch) / mx } else { 1.0 };
        self.qd.clear();
        self.qd.resize(d_llr.len(), 0);
        match level {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the level was detected on this CPU when the decoder was built.
            SimdLevel::Avx512 => unsafe { quantise_avx512(d_llr, scale, ch, &mut self.qd) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: as above.
            SimdLevel::Avx2 => unsafe { quantise_avx2(d_llr, scale, ch, &mut self.qd) },
            _ => quantise(d_llr, scale, ch, &mut self.qd),
        }
        let (plan, qd) = (&self.plan, &self.qd);
        Ok(match &mut self.bufs {
            Bufs::I16(b) => b.decode(plan, qd, filler, iterations, scaled, bits, early_stop),
            Bufs::I8(b) => b.decode(plan, qd, filler, iterations, scaled, bits, early_stop),
        })
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

/// `dst = round(clamp(src · scale, ±ch))` (ties away from zero), NaN → 0; branch-free
/// so that it vectorises. `ch ≤ 2²²`.
#[inline(always)]
fn quantise(src: &[f32], scale: f32, ch: i16, dst: &mut [i16]) {
    // 1.5·2²³: adding it to an integer-valued |t| < 2²² leaves t + 2²² in the low mantissa
    // bits, so the conversion is integer arithmetic on the bit pattern (exact, and packed
    // where a saturating float→int cast would be scalarised).
    const MAGIC: f32 = 12_582_912.0;
    const MAGIC_BITS: i32 = 0x4B40_0000;
    let ch = f32::from(ch);
    for (o, &x) in dst.iter_mut().zip(src) {
        let v = x * scale;
        let v = if v.is_nan() { 0.0 } else { v };
        let y = v.clamp(-ch, ch);
        let t = (y + 0.5f32.copysign(y)).trunc();
        *o = ((t + MAGIC).to_bits() as i32 - MAGIC_BITS) as i16;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantise_avx512(src: &[f32], scale: f32, ch: i16, dst: &mut [i16]) {
    quantise(src, scale, ch, dst)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn quantise_avx2(src: &[f32], scale: f32, ch: i16, dst: &mut [i16]) {
    quantise(src, scale, ch, dst)
}

/// β metrics at trellis step K from the quantised tail `[x, z, x, z, x, z]` (doubled units).
fn beta_tail<T: Elem>(t: &[i16; 6]) -> [T; 8] {
    let neg = T::NEG.to_i32();
    let mut beta = [neg; 8];
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
        beta = nb.map(|v| (v - m).max(neg));
    }
    beta.map(T::from_i32_sat)
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
            quantise(&src, scale, CH_MAX, &mut got);
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
            for lanes in [32usize, 64] {
                let d = FixedDecoder::with_options(k, SimdLevel::Portable, lanes, Precision::I8)
                    .unwrap();
                let p = &d.plan;
                assert!(p.p12.is_some() && p.p21.is_some(), "K={k} lanes={lanes}");
                // The step/lane form reproduces the plain gather.
                let sl = p.p12.as_ref().unwrap();
                for (j, &g) in p.g12.iter().enumerate() {
                    let (t, l) = (j / lanes, j % lanes);
                    if l < p.n_w {
                        let want = sl.step[t] as usize * lanes + sl.lane[j] as usize;
                        assert_eq!(g as usize, want);
                        assert_eq!(sl.lane8[j] as u16, sl.lane[j]);
                    }
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
