//! Bounding-volume hierarchy over the scene triangles.
//!
//! * Build: top-down, binned surface-area heuristic (12 bins on every axis, Wald 2007), leaves
//!   of at most four triangles; the two halves of every split above 16 K triangles are built
//!   in parallel (`rayon::join`) and spliced in depth-first order, so the tree is the same as
//!   the sequential build's.
//! * Nodes: the binary tree (32-byte nodes) is collapsed into a four-wide tree whose nodes
//!   hold their children's boxes in structure-of-arrays form (128 bytes, two cache lines):
//!   one node visit slab-tests four boxes in vector lanes and halves the depth.
//!   Traversal is ordered front to back with a fixed stack and distance culling on pop.
//! * Leaves: the four triangles are stored pre-transformed (`v0`, `e1 = v1 − v0`,
//!   `e2 = v2 − v0`) in structure-of-arrays form ([`Tri4`]); the Möller–Trumbore test runs on
//!   all four lanes at once in branch-free code that the compiler vectorises (SSE/AVX/NEON).
//!   [`intersect_scalar`] is the f64 scalar twin used as the test oracle.
//! * Packets ([`Bvh::closest16`], [`Bvh::closest8`]): sixteen (AVX-512F) or eight (AVX2)
//!   rays — the SBR launcher's neighbouring launch directions, then their bounces — walk
//!   the tree together, vector lanes across the rays (runtime dispatch; single rays on
//!   other CPUs): one visit of a node slab-tests each child box against all lanes, the
//!   stack keeps each lane's entry distance, leaves test each triangle against all lanes,
//!   and a lone survivor finishes its subtree as a single ray. Every lane's hit is bit for
//!   bit the single-ray traversal's. On the peer tile's SBR launch an eight-ray packet
//!   keeps 7.4 lanes alive per node visit.
//! * [`GridAccel`]: the alternative for an undecimated grid mesh on a flat earth, a 2-D walk
//!   over the cells under the ray with a maximum-height pyramid; same hits as the BVH
//!   (triangle tests shared, ties broken by triangle id in both), slower on the peer tile.
//! * Memory is linear in the triangle count: about 80 bytes per triangle after the build.
//!
//! # References
//! T. Möller, B. Trumbore, "Fast, minimum storage ray-triangle intersection", JGT 1997;
//! I. Wald, "On fast construction of SAH-based bounding volume hierarchies", IEEE RT 2007;
//! I. Wald, P. Slusallek, C. Benthin, M. Wagner, "Interactive rendering with coherent ray
//! tracing", Eurographics 2001 (packets).

// Lane loops index several parallel arrays at once (structure of arrays).
#![allow(clippy::needless_range_loop)]

use super::geom::Vec3;
use rayon::prelude::*;

const LEAF_MAX: usize = 4;
const BINS: usize = 12;
const INNER: u32 = 0x8000_0000;

/// A BVH node: 32 bytes.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Node {
    min: [f32; 3],
    /// Inner: index of the right child (left is the next node). Leaf: packet index.
    link: u32,
    max: [f32; 3],
    /// Inner: `INNER | axis`. Leaf: triangle count 1..=4.
    count: u32,
}

/// A four-wide node: the boxes of its (up to) four children in structure-of-arrays form,
/// so that one node visit tests all four boxes in vector lanes: 128 bytes, two cache lines.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Node4 {
    min: [[f32; 4]; 3],
    max: [[f32; 4]; 3],
    /// Node index, `LEAF | packet index`, or `EMPTY`.
    child: [u32; 4],
}

const LEAF: u32 = 0x8000_0000;
/// `1 + 2γ₃` (γₙ = nε/(1 − nε), ε = 2⁻²⁴): the slab test's exit distance is grown by its
/// worst-case rounding so that a ray grazing a box face or corner (a hit on a triangle
/// vertex that is the box's corner) is not culled by rounding (Pharr, Jakob, Humphreys,
/// "Physically Based Rendering", 3rd ed., §3.9.2).
const SLAB_GROW: f32 = 1.0 + 2.0 * (3.0 * f32::EPSILON * 0.5) / (1.0 - 3.0 * f32::EPSILON * 0.5);
const EMPTY: u32 = u32::MAX;

/// Collapse the binary subtree at `b` into four-wide nodes appended to `out` (depth-first):
/// an inner node adopts grandchildren by repeatedly opening its largest-area inner child
/// (Wald et al. 2008, "Getting rid of packets"). Returns the reference of the subtree.
fn collapse(nodes: &[Node], out: &mut Vec<Node4>, b: usize) -> u32 {
    let inner = |i: usize| nodes[i].count & INNER != 0;
    if !inner(b) {
        return LEAF | nodes[b].link;
    }
    let mut kids = [b + 1, nodes[b].link as usize, 0, 0];
    let mut len = 2;
    while len < 4 {
        let mut best: Option<(usize, f32)> = None;
        for (k, &c) in kids[..len].iter().enumerate() {
            if inner(c) {
                let a = Aabb {
                    min: nodes[c].min,
                    max: nodes[c].max,
                }
                .area();
                if best.is_none_or(|(_, ba)| a > ba) {
                    best = Some((k, a));
                }
            }
        }
        let Some((k, _)) = best else { break };
        let c = kids[k];
        kids[k] = c + 1;
        kids[len] = nodes[c].link as usize;
        len += 1;
    }
    let me = out.len();
    out.push(Node4 {
        min: [[0.0; 4]; 3],
        max: [[0.0; 4]; 3],
        child: [EMPTY; 4],
    });
    for (k, &c) in kids[..len].iter().enumerate() {
        let r = collapse(nodes, out, c);
        let n = &mut out[me];
        for a in 0..3 {
            n.min[a][k] = nodes[c].min[a];
            n.max[a][k] = nodes[c].max[a];
        }
        n.child[k] = r;
    }
    me as u32
}

/// Four triangles in structure-of-arrays form, pre-transformed for Möller–Trumbore.
/// Unused lanes are degenerate (zero edges) and never hit.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
pub struct Tri4 {
    v0: [[f32; 4]; 3],
    e1: [[f32; 4]; 3],
    e2: [[f32; 4]; 3],
    id: [u32; 4],
}

/// Traversal stack of [`Bvh::closest_in`]: 128 entries of (node, entry distance), 1 KiB.
/// Make one per thread and reuse it for many rays; its contents between calls are irrelevant.
#[derive(Debug, Clone)]
pub struct TraversalStack([(u32, f32); 128]);

impl TraversalStack {
    /// An empty stack.
    pub fn new() -> Self {
        TraversalStack([(0, 0.0); 128])
    }
}

impl Default for TraversalStack {
    fn default() -> Self {
        Self::new()
    }
}

/// A ray in scene coordinates (single precision, as the BVH stores its triangles).
#[derive(Debug, Clone, Copy)]
pub struct Ray {
    /// Origin, m.
    pub o: [f32; 3],
    /// Direction (need not be unit; `t` is in multiples of it).
    pub d: [f32; 3],
    inv: [f32; 3],
}

impl Ray {
    /// A ray from origin and direction.
    #[inline]
    pub fn new(o: [f32; 3], d: [f32; 3]) -> Ray {
        Ray {
            o,
            d,
            inv: [1.0 / d[0], 1.0 / d[1], 1.0 / d[2]],
        }
    }

    /// A ray from f64 vectors.
    #[inline]
    pub fn from_vec(o: Vec3, d: Vec3) -> Ray {
        Ray::new(o.to_f32(), d.to_f32())
    }
}

/// The slab test of a box against the rays in the lanes of one register, written once for
/// every register width (`$set1`, `$mul`, `$sub`, `$min`, `$max`: that width's broadcast and
/// lane arithmetic): for each axis `a`, the box's `lo(a)`/`hi(a)` against origins `o[a]` and
/// inverse directions `inv[a]`, narrowing the entry `t0` and exit `t1` in place, operation
/// for operation as the scalar slab test.
#[cfg(target_arch = "x86_64")]
macro_rules! slab_lanes {
    ($set1:ident, $mul:ident, $sub:ident, $min:ident, $max:ident;
     $lo:expr, $hi:expr, $o:expr, $inv:expr, $t0:ident, $t1:ident) => {{
        let (lo, hi) = ($lo, $hi);
        for a in 0..3 {
            let ta = $mul($sub($set1(lo(a)), $o[a]), $inv[a]);
            let tb = $mul($sub($set1(hi(a)), $o[a]), $inv[a]);
            $t0 = $max($t0, $min(ta, tb));
            $t1 = $min($t1, $max(ta, tb));
        }
    }};
}

/// Möller–Trumbore for the rays in the lanes of one register (origins `o`, directions `d`)
/// against triangle `j` of leaf `p`, written once for every register width (`$set1`, `$mul`,
/// `$add`, `$sub`, `$div`: that width's broadcast and lane arithmetic), operation for
/// operation as [`intersect_lanes`]. Expands to `(det, u, v, t)`.
#[cfg(target_arch = "x86_64")]
macro_rules! moller_trumbore_lanes {
    ($set1:ident, $mul:ident, $add:ident, $sub:ident, $div:ident;
     $o:expr, $d:expr, $p:expr, $j:expr) => {{
        let (o, d, p, j) = (&$o, &$d, $p, $j);
        let e1 = [$set1(p.e1[0][j]), $set1(p.e1[1][j]), $set1(p.e1[2][j])];
        let e2 = [$set1(p.e2[0][j]), $set1(p.e2[1][j]), $set1(p.e2[2][j])];
        let px = $sub($mul(d[1], e2[2]), $mul(d[2], e2[1]));
        let py = $sub($mul(d[2], e2[0]), $mul(d[0], e2[2]));
        let pz = $sub($mul(d[0], e2[1]), $mul(d[1], e2[0]));
        let det = $add($add($mul(e1[0], px), $mul(e1[1], py)), $mul(e1[2], pz));
        let inv_det = $div($set1(1.0), det);
        let tx = $sub(o[0], $set1(p.v0[0][j]));
        let ty = $sub(o[1], $set1(p.v0[1][j]));
        let tz = $sub(o[2], $set1(p.v0[2][j]));
        let u = $mul(
            $add($add($mul(tx, px), $mul(ty, py)), $mul(tz, pz)),
            inv_det,
        );
        let qx = $sub($mul(ty, e1[2]), $mul(tz, e1[1]));
        let qy = $sub($mul(tz, e1[0]), $mul(tx, e1[2]));
        let qz = $sub($mul(tx, e1[1]), $mul(ty, e1[0]));
        let v = $mul(
            $add($add($mul(d[0], qx), $mul(d[1], qy)), $mul(d[2], qz)),
            inv_det,
        );
        let t = $mul(
            $add($add($mul(e2[0], qx), $mul(e2[1], qy)), $mul(e2[2], qz)),
            inv_det,
        );
        (det, u, v, t)
    }};
}

/// Lanes of a [`Ray8`] packet.
pub const PACKET: usize = 8;

/// Lanes of a [`Ray16`] packet.
pub const WIDE: usize = 16;

/// Up to `N` rays in structure-of-arrays form, traced together: [`Ray8`] by
/// [`Bvh::closest8`], [`Ray16`] by [`Bvh::closest16`].
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub struct RayPacket<const N: usize> {
    o: [[f32; N]; 3],
    inv: [[f32; N]; 3],
    d: [[f32; N]; 3],
    skip: [u32; N],
}

/// Up to eight rays, traced together by [`Bvh::closest8`].
pub type Ray8 = RayPacket<PACKET>;

/// Up to sixteen rays, traced together by [`Bvh::closest16`].
pub type Ray16 = RayPacket<WIDE>;

impl<const N: usize> Default for RayPacket<N> {
    fn default() -> Self {
        RayPacket {
            o: [[0.0; N]; 3],
            inv: [[0.0; N]; 3],
            d: [[0.0; N]; 3],
            skip: [u32::MAX; N],
        }
    }
}

impl<const N: usize> RayPacket<N> {
    /// Set lane `lane` to ray `r`, skipping triangle `skip` (`u32::MAX` for none).
    ///
    /// # Panics
    /// If `lane >= N`.
    #[inline]
    pub fn set(&mut self, lane: usize, r: &Ray, skip: u32) {
        for a in 0..3 {
            self.o[a][lane] = r.o[a];
            self.d[a][lane] = r.d[a];
            self.inv[a][lane] = r.inv[a];
        }
        self.skip[lane] = skip;
    }

    /// Set lane `lane` to the ray from `o` in direction `d`, skipping triangle `skip`,
    /// without its inverse direction: call [`RayPacket::invert`] once all lanes are set.
    ///
    /// # Panics
    /// If `lane >= N`.
    #[inline]
    pub fn set_uninverted(&mut self, lane: usize, o: [f32; 3], d: [f32; 3], skip: u32) {
        for a in 0..3 {
            self.o[a][lane] = o[a];
            self.d[a][lane] = d[a];
        }
        self.skip[lane] = skip;
    }

    /// Compute the inverse directions of all lanes (as [`Ray::new`] does, in vector lanes:
    /// one AVX-512 division per axis where the CPU has it).
    #[inline]
    pub fn invert(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512F was detected on this CPU just above.
            unsafe { self.invert_avx512() };
            return;
        }
        self.invert_lanes();
    }

    /// [`RayPacket::invert`] compiled for AVX-512F.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn invert_avx512(&mut self) {
        self.invert_lanes();
    }

    #[inline(always)]
    fn invert_lanes(&mut self) {
        for a in 0..3 {
            for l in 0..N {
                self.inv[a][l] = 1.0 / self.d[a][l];
            }
        }
    }

    /// The ray of lane `lane` and the triangle it skips.
    ///
    /// # Panics
    /// If `lane >= N`.
    #[inline]
    pub fn lane(&self, lane: usize) -> (Ray, u32) {
        (
            Ray {
                o: [self.o[0][lane], self.o[1][lane], self.o[2][lane]],
                d: [self.d[0][lane], self.d[1][lane], self.d[2][lane]],
                inv: [self.inv[0][lane], self.inv[1][lane], self.inv[2][lane]],
            },
            self.skip[lane],
        )
    }

    /// Lanes whose inverse direction is finite in all three components (bit `l` = lane `l`):
    /// the ones a packet walk may take.
    #[inline]
    fn finite_lanes(&self) -> u32 {
        let mut finite = 0u32;
        for l in 0..N {
            let f = self.inv[0][l].is_finite()
                & self.inv[1][l].is_finite()
                & self.inv[2][l].is_finite();
            finite |= u32::from(f) << l;
        }
        finite
    }
}

/// The lanes set in `mask`, lowest first.
#[inline]
pub(crate) fn lanes(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let l = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            l
        })
    })
}

impl Ray16 {
    /// Lanes `8h .. 8h + 8` as an eight-ray packet.
    fn half(&self, h: usize) -> Ray8 {
        let mut r = Ray8::default();
        for a in 0..3 {
            r.o[a].copy_from_slice(&self.o[a][8 * h..8 * h + 8]);
            r.d[a].copy_from_slice(&self.d[a][8 * h..8 * h + 8]);
            r.inv[a].copy_from_slice(&self.inv[a][8 * h..8 * h + 8]);
        }
        r.skip.copy_from_slice(&self.skip[8 * h..8 * h + 8]);
        r
    }
}

/// Traversal stack of [`Bvh::closest8`] and [`Bvh::closest16`]: 128 entries of (node,
/// per-lane entry distance), 12.5 KiB, plus the single-ray stack of the sparse-packet
/// fallback. Make one per thread
/// and reuse it.
#[derive(Debug, Clone)]
pub struct PacketStack {
    // The packet walks (and so these) are x86-64 only; elsewhere rays go one by one.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    node: [u32; 128],
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    te: [[f32; PACKET]; 128],
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    te16: [[f32; WIDE]; 128],
    single: TraversalStack,
}

impl PacketStack {
    /// An empty stack.
    pub fn new() -> Self {
        PacketStack {
            node: [0; 128],
            te: [[0.0; PACKET]; 128],
            te16: [[0.0; WIDE]; 128],
            single: TraversalStack::new(),
        }
    }
}

impl Default for PacketStack {
    fn default() -> Self {
        Self::new()
    }
}

/// A ray–triangle hit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Ray parameter of the hit.
    pub t: f32,
    /// Triangle index.
    pub tri: u32,
    /// Geometric normal `e1 × e2` of the triangle (not normalised).
    pub normal: [f32; 3],
}

/// The acceleration structure, owning the mesh it was built over.
#[derive(Debug, Clone)]
pub struct Bvh {
    /// Four-wide nodes collapsed from the binary SAH tree; `root` refers into them.
    nodes: Vec<Node4>,
    /// Root reference: a node index, or `LEAF | packet` for a tree of one leaf.
    root: u32,
    /// Bounds of the whole mesh `(min, max)`.
    root_min: [f32; 3],
    root_max: [f32; 3],
    packets: Vec<Tri4>,
    verts: Vec<[f32; 3]>,
    tris: Vec<[u32; 3]>,
}

#[derive(Clone, Copy)]
struct Aabb {
    min: [f32; 3],
    max: [f32; 3],
}

impl Aabb {
    const EMPTY: Aabb = Aabb {
        min: [f32::INFINITY; 3],
        max: [f32::NEG_INFINITY; 3],
    };
    #[inline]
    fn grow_point(&mut self, p: [f32; 3]) {
        for a in 0..3 {
            self.min[a] = self.min[a].min(p[a]);
            self.max[a] = self.max[a].max(p[a]);
        }
    }
    #[inline]
    fn grow(&mut self, b: &Aabb) {
        for a in 0..3 {
            self.min[a] = self.min[a].min(b.min[a]);
            self.max[a] = self.max[a].max(b.max[a]);
        }
    }
    #[inline]
    fn area(&self) -> f32 {
        let e = [
            (self.max[0] - self.min[0]).max(0.0),
            (self.max[1] - self.min[1]).max(0.0),
            (self.max[2] - self.min[2]).max(0.0),
        ];
        e[0] * e[1] + e[1] * e[2] + e[2] * e[0]
    }
}

/// Read-only inputs of the build, shared by the parallel subtree builds.
struct Ctx<'a> {
    boxes: &'a [Aabb],
    cent: &'a [[f32; 3]],
    verts: &'a [[f32; 3]],
    tris: &'a [[u32; 3]],
}

/// A subtree in depth-first order (node 0 is its root; the left child of an inner node is
/// the next node). Links are local: inner `link` indexes `nodes`, leaf `link` `packets`.
#[derive(Default)]
struct Sub {
    nodes: Vec<Node>,
    packets: Vec<Tri4>,
}

/// Subtrees over fewer triangles than this are built on one thread.
const PAR_MIN: usize = 16_384;

impl Ctx<'_> {
    fn bounds(&self, idx: &[u32]) -> (Aabb, Aabb) {
        let mut bounds = Aabb::EMPTY;
        let mut cb = Aabb::EMPTY;
        for &i in idx {
            bounds.grow(&self.boxes[i as usize]);
            cb.grow_point(self.cent[i as usize]);
        }
        (bounds, cb)
    }

    /// Build the subtree over `idx` (reordered in place). Large ranges split on the calling
    /// thread and build their two halves with `rayon::join`; the result is the same node and
    /// packet order as the sequential depth-first build.
    fn build_par(&self, idx: &mut [u32]) -> Sub {
        if idx.len() < PAR_MIN {
            let mut sub = Sub::default();
            self.build_seq(idx, &mut sub);
            return sub;
        }
        let (bounds, cb) = self.bounds(idx);
        let (axis, mid) = self.split(idx, &cb);
        let (l, r) = idx.split_at_mut(mid);
        let (ls, rs) = rayon::join(|| self.build_par(l), || self.build_par(r));
        let mut nodes = Vec::with_capacity(1 + ls.nodes.len() + rs.nodes.len());
        nodes.push(Node {
            min: bounds.min,
            link: (1 + ls.nodes.len()) as u32,
            max: bounds.max,
            count: INNER | axis as u32,
        });
        let relocate = |nodes: &mut Vec<Node>, sub: &[Node], dn: u32, dp: u32| {
            nodes.extend(sub.iter().map(|n| {
                let mut n = *n;
                n.link += if n.count & INNER != 0 { dn } else { dp };
                n
            }));
        };
        relocate(&mut nodes, &ls.nodes, 1, 0);
        let (dn, dp) = (1 + ls.nodes.len() as u32, ls.packets.len() as u32);
        relocate(&mut nodes, &rs.nodes, dn, dp);
        let mut packets = ls.packets;
        packets.extend_from_slice(&rs.packets);
        Sub { nodes, packets }
    }

    fn build_seq(&self, idx: &mut [u32], out: &mut Sub) -> usize {
        let me = out.nodes.len();
        let (bounds, cb) = self.bounds(idx);
        out.nodes.push(Node {
            min: bounds.min,
            link: 0,
            max: bounds.max,
            count: 0,
        });
        let n = idx.len();
        if n <= LEAF_MAX {
            out.nodes[me].link = out.packets.len() as u32;
            out.nodes[me].count = n as u32;
            let p = self.pack(idx);
            out.packets.push(p);
            return me;
        }
        let (axis, mid) = self.split(idx, &cb);
        let (l, r) = idx.split_at_mut(mid);
        let _left = self.build_seq(l, out);
        let right = self.build_seq(r, out);
        out.nodes[me].link = right as u32;
        out.nodes[me].count = INNER | axis as u32;
        me
    }

    /// Binned SAH split of `idx` (reordered in place); returns (axis, partition index).
    fn split(&self, idx: &mut [u32], cb: &Aabb) -> (usize, usize) {
        let n = idx.len();
        let mut best = (f32::INFINITY, 0usize, 0usize); // cost, axis, bin boundary
        for axis in 0..3 {
            let (lo, hi) = (cb.min[axis], cb.max[axis]);
            if hi - lo <= 0.0 {
                continue;
            }
            let scale = BINS as f32 / (hi - lo);
            let mut bb = [Aabb::EMPTY; BINS];
            let mut cnt = [0u32; BINS];
            for &i in idx.iter() {
                let b = (((self.cent[i as usize][axis] - lo) * scale) as usize).min(BINS - 1);
                cnt[b] += 1;
                bb[b].grow(&self.boxes[i as usize]);
            }
            let mut right_area = [0f32; BINS];
            let mut right_cnt = [0u32; BINS];
            let mut acc = Aabb::EMPTY;
            let mut c = 0;
            for b in (1..BINS).rev() {
                acc.grow(&bb[b]);
                c += cnt[b];
                right_area[b] = acc.area();
                right_cnt[b] = c;
            }
            let mut acc = Aabb::EMPTY;
            let mut c = 0;
            for b in 0..BINS - 1 {
                acc.grow(&bb[b]);
                c += cnt[b];
                let cost = acc.area() * c as f32 + right_area[b + 1] * right_cnt[b + 1] as f32;
                if c > 0 && right_cnt[b + 1] > 0 && cost < best.0 {
                    best = (cost, axis, b + 1);
                }
            }
        }
        if best.0.is_finite() {
            let axis = best.1;
            let (lo, hi) = (cb.min[axis], cb.max[axis]);
            let scale = BINS as f32 / (hi - lo);
            let cent = self.cent;
            let mut l = 0;
            for k in 0..n {
                let b = (((cent[idx[k] as usize][axis] - lo) * scale) as usize).min(BINS - 1);
                if b < best.2 {
                    idx.swap(l, k);
                    l += 1;
                }
            }
            if l > 0 && l < n {
                return (axis, l);
            }
        }
        // All centroids coincide (or binning failed): split by count on the widest axis.
        let axis = (0..3)
            .max_by(|&a, &b| {
                (cb.max[a] - cb.min[a])
                    .partial_cmp(&(cb.max[b] - cb.min[b]))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .unwrap_or(0);
        (axis, n / 2)
    }

    fn pack(&self, idx: &[u32]) -> Tri4 {
        let mut p = Tri4 {
            id: [u32::MAX; 4],
            ..Tri4::default()
        };
        for (lane, &t) in idx.iter().enumerate() {
            let [a, b, c] = self.tris[t as usize];
            let (v0, v1, v2) = (
                self.verts[a as usize],
                self.verts[b as usize],
                self.verts[c as usize],
            );
            for k in 0..3 {
                p.v0[k][lane] = v0[k];
                p.e1[k][lane] = v1[k] - v0[k];
                p.e2[k][lane] = v2[k] - v0[k];
            }
            p.id[lane] = t;
        }
        p
    }
}

impl Bvh {
    /// Build over triangles `tris` (vertex indices into `verts`).
    ///
    /// # Panics
    /// If a triangle indexes past `verts` or there are more than `u32::MAX / 2` triangles.
    pub fn build(verts: &[[f32; 3]], tris: &[[u32; 3]]) -> Bvh {
        assert!(tris.len() < (u32::MAX / 2) as usize, "too many triangles");
        let (boxes, cent): (Vec<Aabb>, Vec<[f32; 3]>) = tris
            .par_iter()
            .map(|t| {
                let mut b = Aabb::EMPTY;
                for &v in t {
                    b.grow_point(verts[v as usize]);
                }
                let c = [
                    0.5 * (b.min[0] + b.max[0]),
                    0.5 * (b.min[1] + b.max[1]),
                    0.5 * (b.min[2] + b.max[2]),
                ];
                (b, c)
            })
            .unzip();
        let ctx = Ctx {
            boxes: &boxes,
            cent: &cent,
            verts,
            tris,
        };
        let mut idx: Vec<u32> = (0..tris.len() as u32).collect();
        let sub = if tris.is_empty() {
            Sub::default()
        } else {
            ctx.build_par(&mut idx)
        };
        drop((boxes, cent, idx));
        let (bin, mut packets) = (sub.nodes, sub.packets);
        packets.shrink_to_fit();
        let mut nodes = Vec::with_capacity(bin.len() / 3 + 1);
        let root = if bin.is_empty() {
            EMPTY
        } else {
            collapse(&bin, &mut nodes, 0)
        };
        nodes.shrink_to_fit();
        let (root_min, root_max) = bin.first().map_or(([0.0; 3], [0.0; 3]), |n| (n.min, n.max));
        Bvh {
            nodes,
            root,
            root_min,
            root_max,
            packets,
            verts: verts.to_vec(),
            tris: tris.to_vec(),
        }
    }

    /// Number of triangles.
    pub fn triangle_count(&self) -> usize {
        self.tris.len()
    }

    /// Bytes held by the structure and its mesh.
    pub fn memory_bytes(&self) -> usize {
        self.nodes.len() * std::mem::size_of::<Node4>()
            + self.packets.len() * std::mem::size_of::<Tri4>()
            + self.verts.len() * 12
            + self.tris.len() * 12
    }

    /// Vertices of triangle `t` in f64.
    #[inline]
    pub fn triangle(&self, t: u32) -> [Vec3; 3] {
        let [a, b, c] = self.tris[t as usize];
        [
            Vec3::from_f32(self.verts[a as usize]),
            Vec3::from_f32(self.verts[b as usize]),
            Vec3::from_f32(self.verts[c as usize]),
        ]
    }

    /// Axis-aligned bounds of the whole scene `(min, max)`.
    pub fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        (self.root_min, self.root_max)
    }

    /// Entry distance of the ray into the node's box within `(tmin, tmax)`, or NaN on a miss
    /// (so that `entry <= tmax` is false even for an infinite `tmax`).
    #[inline(always)]
    fn box_entry(min: &[f32; 3], max: &[f32; 3], r: &Ray, tmin: f32, tmax: f32) -> f32 {
        let mut t0 = tmin;
        let mut t1 = tmax;
        for a in 0..3 {
            let ta = (min[a] - r.o[a]) * r.inv[a];
            let tb = (max[a] - r.o[a]) * r.inv[a];
            t0 = t0.max(ta.min(tb));
            t1 = t1.min(ta.max(tb));
        }
        if t0 <= t1 * SLAB_GROW {
            t0
        } else {
            f32::NAN
        }
    }

    /// Closest hit with `tmin < t < tmax`, skipping triangle `skip` (use `u32::MAX` for none).
    pub fn closest(&self, r: &Ray, tmin: f32, tmax: f32, skip: u32) -> Option<Hit> {
        self.closest_in(r, tmin, tmax, skip, &mut TraversalStack::new())
    }

    /// [`Bvh::closest`] with a caller-owned traversal stack, reused across rays so that no
    /// per-ray stack initialisation is paid (the ray loops of the SBR launcher).
    pub fn closest_in(
        &self,
        r: &Ray,
        tmin: f32,
        tmax: f32,
        skip: u32,
        stack: &mut TraversalStack,
    ) -> Option<Hit> {
        // Best so far in the order (t, id); `(tmax, 0)` admits only t < tmax.
        let mut best = (tmax, 0u32);
        let mut found: Option<Hit> = None;
        let leaf = closest_leaf(r, tmin, skip, &mut best, &mut found);
        self.traverse(r, tmin, tmax, stack, leaf);
        found
    }

    /// Closest hits of the rays of `rays` in the lanes set in `active` (bit `l` = lane `l`),
    /// each with `tmin < t`, skipping its lane's triangle: `out[l]` is exactly what
    /// [`Bvh::closest_in`] returns for that ray (lanes not in `active` are left alone).
    ///
    /// With AVX2 (detected at run time) the rays walk the tree as one packet (Wald, Slusallek,
    /// Benthin, Wagner 2001): a node is visited once for all the rays that reach it, each
    /// child box is slab-tested against the eight rays in the lanes of one AVX register, and
    /// the stack holds every lane's entry distance so that a ray is culled on pop exactly as
    /// by its own traversal. A lane's box tests, leaf tests and culling are those of the
    /// single-ray traversal (same arithmetic, same `tmax` at each test), so its closest hit
    /// in the order (t, triangle id) is the same; only the visiting order is shared. When a
    /// packet thins out to one ray, that ray finishes the subtree alone. Rays with an
    /// axis-parallel direction (an infinite inverse component), and every ray on CPUs
    /// without AVX2, take [`Bvh::closest_in`].
    pub fn closest8(
        &self,
        rays: &Ray8,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; PACKET],
        stack: &mut PacketStack,
    ) {
        let active = active & 0xff;
        let packet = self.packet_lanes(rays, active, tmin, out, stack);
        if packet == 0 {
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if packet.count_ones() > 1 && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected on this CPU just above.
            unsafe { self.closest8_avx2(rays, packet, tmin, out, stack) };
            return;
        }
        // The root box test is the traversal's own (`closest_in`).
        self.lanes_alone(rays, packet, tmin, out, stack);
    }

    /// [`Bvh::closest8`] for sixteen rays: with AVX-512F (detected at run time) one packet
    /// of sixteen lanes (each child box tested against all sixteen in one register, the
    /// same per-lane arithmetic and culling, so the same hits), else two packets of eight.
    pub fn closest16(
        &self,
        rays: &Ray16,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; WIDE],
        stack: &mut PacketStack,
    ) {
        let active = active & 0xffff;
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx512f") {
            let packet = self.packet_lanes(rays, active, tmin, out, stack);
            if packet != 0 {
                // SAFETY: AVX-512F was detected on this CPU just above.
                unsafe { self.closest16_avx512(rays, packet, tmin, out, stack) };
            }
            return;
        }
        self.closest16_halves(rays, active, tmin, out, stack);
    }

    /// The start of a packet walk: clears `out` for the lanes of `active`, traces the lanes
    /// the packet walk cannot take (an infinite inverse component; all of them when the tree
    /// is empty or `tmin` is NaN) one by one, and returns the lanes left for the packet.
    fn packet_lanes<const N: usize>(
        &self,
        rays: &RayPacket<N>,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; N],
        stack: &mut PacketStack,
    ) -> u32 {
        let packet = if self.root == EMPTY || tmin.is_nan() {
            0
        } else {
            active & rays.finite_lanes()
        };
        for l in lanes(active) {
            out[l] = None;
        }
        self.lanes_alone(rays, active & !packet, tmin, out, stack);
        packet
    }

    /// The lanes of `mask` one ray at a time ([`Bvh::closest_in`], `tmax = ∞`).
    fn lanes_alone<const N: usize>(
        &self,
        rays: &RayPacket<N>,
        mask: u32,
        tmin: f32,
        out: &mut [Option<Hit>; N],
        stack: &mut PacketStack,
    ) {
        for l in lanes(mask) {
            let (r, skip) = rays.lane(l);
            out[l] = self.closest_in(&r, tmin, f32::INFINITY, skip, &mut stack.single);
        }
    }

    /// [`Bvh::closest16`] as two packets of eight ([`Bvh::closest8`]).
    fn closest16_halves(
        &self,
        rays: &Ray16,
        active: u32,
        tmin: f32,
        out: &mut [Option<Hit>; WIDE],
        stack: &mut PacketStack,
    ) {
        for h in 0..2 {
            let m = (active >> (8 * h)) & 0xff;
            if m == 0 {
                continue;
            }
            let half = rays.half(h);
            let mut o8 = [None; PACKET];
            self.closest8(&half, m, tmin, &mut o8, stack);
            for l in 0..PACKET {
                if m & (1 << l) != 0 {
                    out[8 * h + l] = o8[l];
                }
            }
        }
    }

    /// The sixteen-lane packet walk of [`Bvh::closest16`] (as [`Bvh::closest8_avx2`]) for
    /// the lanes in `packet`, whose rays have finite inverse directions.
    ///
    /// # Safety
    /// The CPU must support AVX-512F.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn closest16_avx512(
        &self,
        rays: &Ray16,
        packet: u32,
        tmin: f32,
        out: &mut [Option<Hit>; WIDE],
        stack: &mut PacketStack,
    ) {
        use std::arch::x86_64::*;
        let mut best_t = [f32::INFINITY; WIDE];
        let mut best_id = [0u32; WIDE];
        let o = [
            _mm512_loadu_ps(rays.o[0].as_ptr()),
            _mm512_loadu_ps(rays.o[1].as_ptr()),
            _mm512_loadu_ps(rays.o[2].as_ptr()),
        ];
        let inv = [
            _mm512_loadu_ps(rays.inv[0].as_ptr()),
            _mm512_loadu_ps(rays.inv[1].as_ptr()),
            _mm512_loadu_ps(rays.inv[2].as_ptr()),
        ];
        let d = [
            _mm512_loadu_ps(rays.d[0].as_ptr()),
            _mm512_loadu_ps(rays.d[1].as_ptr()),
            _mm512_loadu_ps(rays.d[2].as_ptr()),
        ];
        let skip = _mm512_loadu_si512(rays.skip.as_ptr().cast());
        let vtmin = _mm512_set1_ps(tmin);
        let grow = _mm512_set1_ps(SLAB_GROW);
        let nan = _mm512_set1_ps(f32::NAN);
        let inf = _mm512_set1_ps(f32::INFINITY);
        let mut tmax = inf;
        let mut t0 = vtmin;
        let mut t1 = inf;
        slab_lanes!(
            _mm512_set1_ps, _mm512_mul_ps, _mm512_sub_ps, _mm512_min_ps, _mm512_max_ps;
            |a: usize| self.root_min[a], |a: usize| self.root_max[a], o, inv, t0, t1
        );
        let root = _mm512_cmp_ps_mask::<_CMP_LE_OQ>(t0, _mm512_mul_ps(t1, grow));
        let mut cur_mask = packet & u32::from(root);
        if cur_mask == 0 {
            return;
        }
        let mut sp = 0usize;
        let mut cur = self.root;
        loop {
            if cur_mask & (cur_mask - 1) == 0 && cur & LEAF == 0 {
                let l = cur_mask.trailing_zeros() as usize;
                let (r, skip) = rays.lane(l);
                let mut best = (best_t[l], best_id[l]);
                let leaf = closest_leaf(&r, tmin, skip, &mut best, &mut out[l]);
                self.traverse_from(cur, &r, tmin, best_t[l], &mut stack.single, leaf);
                (best_t[l], best_id[l]) = best;
                tmax = _mm512_loadu_ps(best_t.as_ptr());
            } else if cur & LEAF != 0 {
                let p = &self.packets[(cur & !LEAF) as usize];
                let am = cur_mask as __mmask16;
                let mut bt = tmax;
                let mut bid = _mm512_loadu_si512(best_id.as_ptr().cast());
                let mut which = _mm512_set1_epi32(-1);
                for j in 0..4 {
                    let (det, u, v, t) = moller_trumbore_lanes!(
                        _mm512_set1_ps, _mm512_mul_ps, _mm512_add_ps, _mm512_sub_ps, _mm512_div_ps;
                        o, d, p, j
                    );
                    let zero = _mm512_setzero_ps();
                    let id = _mm512_set1_epi32(p.id[j] as i32);
                    let better = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(t, bt)
                        | (_mm512_cmp_ps_mask::<_CMP_EQ_OQ>(t, bt)
                            & _mm512_cmplt_epu32_mask(id, bid));
                    let ok = am
                        & _mm512_cmpneq_epi32_mask(id, skip)
                        & _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(det, zero)
                        & _mm512_cmp_ps_mask::<_CMP_GE_OQ>(u, zero)
                        & _mm512_cmp_ps_mask::<_CMP_GE_OQ>(v, zero)
                        & _mm512_cmp_ps_mask::<_CMP_LE_OQ>(
                            _mm512_add_ps(u, v),
                            _mm512_set1_ps(1.0),
                        )
                        & _mm512_cmp_ps_mask::<_CMP_GT_OQ>(t, vtmin)
                        & better;
                    bt = _mm512_mask_blend_ps(ok, bt, t);
                    bid = _mm512_mask_blend_epi32(ok, bid, id);
                    which = _mm512_mask_blend_epi32(ok, which, _mm512_set1_epi32(j as i32));
                }
                let hitm = u32::from(_mm512_cmpgt_epi32_mask(which, _mm512_set1_epi32(-1)));
                if hitm != 0 {
                    let mut w = [0i32; WIDE];
                    _mm512_storeu_si512(w.as_mut_ptr().cast(), which);
                    _mm512_storeu_ps(best_t.as_mut_ptr(), bt);
                    _mm512_storeu_si512(best_id.as_mut_ptr().cast(), bid);
                    for l in lanes(hitm) {
                        let j = w[l] as usize;
                        out[l] = Some(hit_of(best_t[l], best_id[l], &p.e1, &p.e2, j));
                    }
                    tmax = bt;
                }
            } else {
                let n = &self.nodes[cur as usize];
                let am = cur_mask as __mmask16;
                let mut kids = [(0u32, 0u32, 0f32, nan); 4];
                let mut nk = 0;
                for c in 0..4 {
                    if n.child[c] == EMPTY {
                        continue;
                    }
                    let mut t0 = vtmin;
                    let mut t1 = tmax;
                    slab_lanes!(
                        _mm512_set1_ps, _mm512_mul_ps, _mm512_sub_ps, _mm512_min_ps, _mm512_max_ps;
                        |a: usize| n.min[a][c], |a: usize| n.max[a][c], o, inv, t0, t1
                    );
                    let hit = am
                        & _mm512_cmp_ps_mask::<_CMP_LE_OQ>(t0, _mm512_mul_ps(t1, grow))
                        & _mm512_cmp_ps_mask::<_CMP_LE_OQ>(t0, tmax);
                    if hit != 0 {
                        let near = _mm512_reduce_min_ps(_mm512_mask_blend_ps(hit, inf, t0));
                        let te = _mm512_mask_blend_ps(hit, nan, t0);
                        let e = (n.child[c], u32::from(hit), near, te);
                        let mut j = nk;
                        while j > 0 && kids[j - 1].2 > e.2 {
                            kids[j] = kids[j - 1];
                            j -= 1;
                        }
                        kids[j] = e;
                        nk += 1;
                    }
                }
                if nk > 0 {
                    for k in (1..nk).rev() {
                        if sp < stack.node.len() {
                            stack.node[sp] = kids[k].0;
                            _mm512_storeu_ps(stack.te16[sp].as_mut_ptr(), kids[k].3);
                            sp += 1;
                        }
                    }
                    cur = kids[0].0;
                    cur_mask = kids[0].1;
                    continue;
                }
            }
            loop {
                if sp == 0 {
                    return;
                }
                sp -= 1;
                let te = _mm512_loadu_ps(stack.te16[sp].as_ptr());
                let m = u32::from(_mm512_cmp_ps_mask::<_CMP_LE_OQ>(te, tmax));
                if m != 0 {
                    cur = stack.node[sp];
                    cur_mask = m;
                    break;
                }
            }
        }
    }

    /// The packet walk of [`Bvh::closest8`] for the lanes in `packet`, whose rays have
    /// finite inverse directions (the tree is not empty).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn closest8_avx2(
        &self,
        rays: &Ray8,
        packet: u32,
        tmin: f32,
        out: &mut [Option<Hit>; PACKET],
        stack: &mut PacketStack,
    ) {
        use std::arch::x86_64::*;
        let mut best_t = [f32::INFINITY; PACKET];
        let mut best_id = [0u32; PACKET];
        let o = [
            _mm256_loadu_ps(rays.o[0].as_ptr()),
            _mm256_loadu_ps(rays.o[1].as_ptr()),
            _mm256_loadu_ps(rays.o[2].as_ptr()),
        ];
        let inv = [
            _mm256_loadu_ps(rays.inv[0].as_ptr()),
            _mm256_loadu_ps(rays.inv[1].as_ptr()),
            _mm256_loadu_ps(rays.inv[2].as_ptr()),
        ];
        let d = [
            _mm256_loadu_ps(rays.d[0].as_ptr()),
            _mm256_loadu_ps(rays.d[1].as_ptr()),
            _mm256_loadu_ps(rays.d[2].as_ptr()),
        ];
        let skip = _mm256_loadu_si256(rays.skip.as_ptr().cast());
        let vtmin = _mm256_set1_ps(tmin);
        let grow = _mm256_set1_ps(SLAB_GROW);
        let nan = _mm256_set1_ps(f32::NAN);
        let inf = _mm256_set1_ps(f32::INFINITY);
        let bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        let mut tmax = inf;
        // The root box, as `Bvh::traverse` tests it (no NaN with finite inverses).
        let mut t0 = vtmin;
        let mut t1 = inf;
        slab_lanes!(
            _mm256_set1_ps, _mm256_mul_ps, _mm256_sub_ps, _mm256_min_ps, _mm256_max_ps;
            |a: usize| self.root_min[a], |a: usize| self.root_max[a], o, inv, t0, t1
        );
        let root = _mm256_cmp_ps::<_CMP_LE_OQ>(t0, _mm256_mul_ps(t1, grow));
        let mut cur_mask = packet & _mm256_movemask_ps(root) as u32;
        if cur_mask == 0 {
            return;
        }
        let mut sp = 0usize;
        let mut cur = self.root;
        loop {
            if cur_mask & (cur_mask - 1) == 0 && cur & LEAF == 0 {
                // One ray left: it finishes this subtree alone (same tests, its own stack).
                let l = cur_mask.trailing_zeros() as usize;
                let (r, skip) = rays.lane(l);
                let mut best = (best_t[l], best_id[l]);
                let leaf = closest_leaf(&r, tmin, skip, &mut best, &mut out[l]);
                self.traverse_from(cur, &r, tmin, best_t[l], &mut stack.single, leaf);
                (best_t[l], best_id[l]) = best;
                tmax = _mm256_loadu_ps(best_t.as_ptr());
            } else if cur & LEAF != 0 {
                // The leaf's four triangles one after another, the rays in the lanes:
                // `intersect_lanes`' arithmetic per (ray, triangle), each ray keeping the
                // least (t, id), which is the single-ray test's choice.
                let p = &self.packets[(cur & !LEAF) as usize];
                let am = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                    _mm256_and_si256(_mm256_set1_epi32(cur_mask as i32), bits),
                    bits,
                ));
                let mut bt = tmax;
                let mut bid = _mm256_loadu_si256(best_id.as_ptr().cast());
                let mut which = _mm256_set1_epi32(-1);
                for j in 0..4 {
                    let (det, u, v, t) = moller_trumbore_lanes!(
                        _mm256_set1_ps, _mm256_mul_ps, _mm256_add_ps, _mm256_sub_ps, _mm256_div_ps;
                        o, d, p, j
                    );
                    let zero = _mm256_setzero_ps();
                    let id = _mm256_set1_epi32(p.id[j] as i32);
                    // Unsigned id < best id, by flipping the sign bits.
                    let sign = _mm256_set1_epi32(i32::MIN);
                    let id_less = _mm256_castsi256_ps(_mm256_cmpgt_epi32(
                        _mm256_xor_si256(bid, sign),
                        _mm256_xor_si256(id, sign),
                    ));
                    let better = _mm256_or_ps(
                        _mm256_cmp_ps::<_CMP_LT_OQ>(t, bt),
                        _mm256_and_ps(_mm256_cmp_ps::<_CMP_EQ_OQ>(t, bt), id_less),
                    );
                    let not_skip = _mm256_castsi256_ps(_mm256_cmpeq_epi32(id, skip));
                    let ok = _mm256_andnot_ps(
                        not_skip,
                        _mm256_and_ps(
                            _mm256_and_ps(
                                _mm256_and_ps(am, _mm256_cmp_ps::<_CMP_NEQ_UQ>(det, zero)),
                                _mm256_and_ps(
                                    _mm256_cmp_ps::<_CMP_GE_OQ>(u, zero),
                                    _mm256_cmp_ps::<_CMP_GE_OQ>(v, zero),
                                ),
                            ),
                            _mm256_and_ps(
                                _mm256_and_ps(
                                    _mm256_cmp_ps::<_CMP_LE_OQ>(
                                        _mm256_add_ps(u, v),
                                        _mm256_set1_ps(1.0),
                                    ),
                                    _mm256_cmp_ps::<_CMP_GT_OQ>(t, vtmin),
                                ),
                                better,
                            ),
                        ),
                    );
                    bt = _mm256_blendv_ps(bt, t, ok);
                    let oki = _mm256_castps_si256(ok);
                    bid = _mm256_blendv_epi8(bid, id, oki);
                    which = _mm256_blendv_epi8(which, _mm256_set1_epi32(j as i32), oki);
                }
                let hitm = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(
                    which,
                    _mm256_set1_epi32(-1),
                ))) as u32;
                if hitm != 0 {
                    let mut w = [0i32; PACKET];
                    _mm256_storeu_si256(w.as_mut_ptr().cast(), which);
                    _mm256_storeu_ps(best_t.as_mut_ptr(), bt);
                    _mm256_storeu_si256(best_id.as_mut_ptr().cast(), bid);
                    for l in lanes(hitm) {
                        let j = w[l] as usize;
                        out[l] = Some(hit_of(best_t[l], best_id[l], &p.e1, &p.e2, j));
                    }
                    tmax = bt;
                }
            } else {
                let n = &self.nodes[cur as usize];
                let am = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                    _mm256_and_si256(_mm256_set1_epi32(cur_mask as i32), bits),
                    bits,
                ));
                // (child, lane mask, nearest entry over the lanes, entry per lane or NaN)
                let mut kids = [(0u32, 0u32, 0f32, nan); 4];
                let mut nk = 0;
                for c in 0..4 {
                    if n.child[c] == EMPTY {
                        continue;
                    }
                    let mut t0 = vtmin;
                    let mut t1 = tmax;
                    slab_lanes!(
                        _mm256_set1_ps, _mm256_mul_ps, _mm256_sub_ps, _mm256_min_ps, _mm256_max_ps;
                        |a: usize| n.min[a][c], |a: usize| n.max[a][c], o, inv, t0, t1
                    );
                    let hit = _mm256_and_ps(
                        am,
                        _mm256_and_ps(
                            _mm256_cmp_ps::<_CMP_LE_OQ>(t0, _mm256_mul_ps(t1, grow)),
                            _mm256_cmp_ps::<_CMP_LE_OQ>(t0, tmax),
                        ),
                    );
                    let hm = _mm256_movemask_ps(hit) as u32;
                    if hm != 0 {
                        let near = _mm256_blendv_ps(inf, t0, hit);
                        let h = _mm_min_ps(
                            _mm256_castps256_ps128(near),
                            _mm256_extractf128_ps::<1>(near),
                        );
                        let h = _mm_min_ps(h, _mm_movehl_ps(h, h));
                        let h = _mm_min_ss(h, _mm_shuffle_ps::<1>(h, h));
                        let te = _mm256_blendv_ps(nan, t0, hit);
                        // Insertion by nearest entry; ties keep child order.
                        let e = (n.child[c], hm, _mm_cvtss_f32(h), te);
                        let mut j = nk;
                        while j > 0 && kids[j - 1].2 > e.2 {
                            kids[j] = kids[j - 1];
                            j -= 1;
                        }
                        kids[j] = e;
                        nk += 1;
                    }
                }
                if nk > 0 {
                    for k in (1..nk).rev() {
                        if sp < stack.node.len() {
                            stack.node[sp] = kids[k].0;
                            _mm256_storeu_ps(stack.te[sp].as_mut_ptr(), kids[k].3);
                            sp += 1;
                        }
                    }
                    cur = kids[0].0;
                    cur_mask = kids[0].1;
                    continue;
                }
            }
            loop {
                if sp == 0 {
                    return;
                }
                sp -= 1;
                let te = _mm256_loadu_ps(stack.te[sp].as_ptr());
                let m = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LE_OQ>(te, tmax)) as u32;
                if m != 0 {
                    cur = stack.node[sp];
                    cur_mask = m;
                    break;
                }
            }
        }
    }

    /// Whether anything blocks the ray for `tmin < t < tmax`, skipping triangle `skip`.
    pub fn occluded(&self, r: &Ray, tmin: f32, tmax: f32, skip: u32) -> bool {
        let mut hit = false;
        self.traverse(r, tmin, tmax, &mut TraversalStack::new(), |p, tmax_now| {
            let (_, lane) = intersect4(p, r, tmin, (tmax_now, 0), skip);
            hit = lane < 4;
            (tmax_now, hit)
        });
        hit
    }

    /// Whether the straight segment `a → b` is blocked, ignoring `margin_a_m` / `margin_b_m`
    /// metres at either end (interaction points sit on the surface).
    pub fn segment_blocked(&self, a: Vec3, b: Vec3, margin_a_m: f64, margin_b_m: f64) -> bool {
        let d = b - a;
        let len = d.norm();
        if len <= margin_a_m + margin_b_m {
            return false;
        }
        let r = Ray::from_vec(a, d * (1.0 / len));
        self.occluded(&r, margin_a_m as f32, (len - margin_b_m) as f32, u32::MAX)
    }

    /// Depth-first traversal of the four-wide tree: the four child boxes of a node are
    /// slab-tested in vector lanes, the hit children are sorted by entry distance, the
    /// nearest is visited and the others are pushed (farthest first) with their entry
    /// distance and skipped on pop when a closer hit has been found. `leaf(packet, tmax)`
    /// returns the new `tmax` and whether to stop.
    #[inline]
    fn traverse(
        &self,
        r: &Ray,
        tmin: f32,
        tmax: f32,
        stack: &mut TraversalStack,
        leaf: impl FnMut(&Tri4, f32) -> (f32, bool),
    ) {
        if self.root == EMPTY
            || Self::box_entry(&self.root_min, &self.root_max, r, tmin, tmax).is_nan()
        {
            return;
        }
        self.traverse_from(self.root, r, tmin, tmax, stack, leaf);
    }

    /// The traversal of [`Bvh::traverse`] from node reference `start`, whose box the ray
    /// is known to enter.
    #[inline(always)]
    fn traverse_from(
        &self,
        start: u32,
        r: &Ray,
        tmin: f32,
        tmax: f32,
        stack: &mut TraversalStack,
        mut leaf: impl FnMut(&Tri4, f32) -> (f32, bool),
    ) {
        let stack = &mut stack.0;
        let mut sp = 0usize;
        let mut cur = start;
        let mut tmax = tmax;
        loop {
            if cur & LEAF != 0 {
                let (t, stop) = leaf(&self.packets[(cur & !LEAF) as usize], tmax);
                if stop {
                    return;
                }
                tmax = t;
            } else {
                let n = &self.nodes[cur as usize];
                // Axes outer, lanes inner: the four slab tests run in vector lanes; each
                // lane's arithmetic (and so its result) is that of the scalar slab test.
                let mut t0 = [tmin; 4];
                let mut t1 = [tmax; 4];
                for a in 0..3 {
                    for l in 0..4 {
                        let ta = (n.min[a][l] - r.o[a]) * r.inv[a];
                        let tb = (n.max[a][l] - r.o[a]) * r.inv[a];
                        t0[l] = t0[l].max(ta.min(tb));
                        t1[l] = t1[l].min(ta.max(tb));
                    }
                }
                let mut te = [0f32; 4];
                for l in 0..4 {
                    // NaN on a miss: `NaN <= tmax` is false even for an infinite `tmax`.
                    te[l] = if t0[l] <= t1[l] * SLAB_GROW {
                        t0[l]
                    } else {
                        f32::NAN
                    };
                }
                let mut hits = [(0u32, 0f32); 4];
                let mut nh = 0;
                for l in 0..4 {
                    if n.child[l] != EMPTY && te[l] <= tmax {
                        hits[nh] = (n.child[l], te[l]);
                        nh += 1;
                    }
                }
                if nh > 0 {
                    for i in 1..nh {
                        let mut j = i;
                        while j > 0 && hits[j - 1].1 > hits[j].1 {
                            hits.swap(j - 1, j);
                            j -= 1;
                        }
                    }
                    for k in (1..nh).rev() {
                        if sp < stack.len() {
                            stack[sp] = hits[k];
                            sp += 1;
                        }
                    }
                    cur = hits[0].0;
                    continue;
                }
            }
            loop {
                if sp == 0 {
                    return;
                }
                sp -= 1;
                if stack[sp].1 <= tmax {
                    cur = stack[sp].0;
                    break;
                }
            }
        }
    }
}

/// The leaf visitor of a closest-hit traversal: tests the leaf's four triangles
/// ([`intersect4`]) against `r`, keeps the least `(t, id)` in `best` and its hit in `found`,
/// and shrinks the traversal's `tmax` to the best `t`. [`Bvh::closest_in`] starts it from
/// `(tmax, 0)`; a lane of a packet walk that finishes alone starts it from its best so far.
#[inline(always)]
fn closest_leaf<'a>(
    r: &'a Ray,
    tmin: f32,
    skip: u32,
    best: &'a mut (f32, u32),
    found: &'a mut Option<Hit>,
) -> impl FnMut(&Tri4, f32) -> (f32, bool) + 'a {
    move |p, _| {
        let (t, lane) = intersect4(p, r, tmin, *best, skip);
        if lane < 4 {
            *best = (t, p.id[lane]);
            *found = Some(hit_of(t, p.id[lane], &p.e1, &p.e2, lane));
        }
        (best.0, false)
    }
}

/// [`intersect_lanes`] on a leaf packet.
#[inline(always)]
fn intersect4(p: &Tri4, r: &Ray, tmin: f32, best: (f32, u32), skip: u32) -> (f32, usize) {
    intersect_lanes(&p.v0, &p.e1, &p.e2, &p.id, r, tmin, best, skip)
}

/// Möller–Trumbore on `N` triangles at once (structure of arrays), keeping the hits that are
/// better than the current best `(best_t, best_id)` in the order (t, triangle id) and lie
/// beyond `tmin`; returns (t, lane) of the best of them, lane `N` if none. The id order makes
/// the closest hit independent of visiting order when two triangles report the same `t`
/// (a ray through a shared edge), so the BVH and the grid walk of [`GridAccel`] agree.
/// Branch-free over lanes so it vectorises.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn intersect_lanes<const N: usize>(
    v0: &[[f32; N]; 3],
    e1: &[[f32; N]; 3],
    e2: &[[f32; N]; 3],
    id: &[u32; N],
    r: &Ray,
    tmin: f32,
    best: (f32, u32),
    skip: u32,
) -> (f32, usize) {
    let mut tt = [f32::INFINITY; N];
    let mut ok = [false; N];
    for l in 0..N {
        let (e1x, e1y, e1z) = (e1[0][l], e1[1][l], e1[2][l]);
        let (e2x, e2y, e2z) = (e2[0][l], e2[1][l], e2[2][l]);
        // pvec = d × e2
        let px = r.d[1] * e2z - r.d[2] * e2y;
        let py = r.d[2] * e2x - r.d[0] * e2z;
        let pz = r.d[0] * e2y - r.d[1] * e2x;
        let det = e1x * px + e1y * py + e1z * pz;
        let inv = 1.0 / det;
        let tx = r.o[0] - v0[0][l];
        let ty = r.o[1] - v0[1][l];
        let tz = r.o[2] - v0[2][l];
        let u = (tx * px + ty * py + tz * pz) * inv;
        // qvec = tvec × e1
        let qx = ty * e1z - tz * e1y;
        let qy = tz * e1x - tx * e1z;
        let qz = tx * e1y - ty * e1x;
        let v = (r.d[0] * qx + r.d[1] * qy + r.d[2] * qz) * inv;
        let t = (e2x * qx + e2y * qy + e2z * qz) * inv;
        ok[l] = (det != 0.0)
            & (u >= 0.0)
            & (v >= 0.0)
            & (u + v <= 1.0)
            & (t > tmin)
            & ((t < best.0) | ((t == best.0) & (id[l] < best.1)))
            & (id[l] != skip);
        tt[l] = t;
    }
    let mut out = (f32::INFINITY, N);
    let mut out_id = u32::MAX;
    for l in 0..N {
        if ok[l] && (tt[l] < out.0 || (tt[l] == out.0 && id[l] < out_id)) {
            out = (tt[l], l);
            out_id = id[l];
        }
    }
    out
}

/// The two triangles of one grid cell, pre-transformed as in [`Tri4`].
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(8))]
struct Tri2 {
    v0: [[f32; 2]; 3],
    e1: [[f32; 2]; 3],
    e2: [[f32; 2]; 3],
    id: [u32; 2],
}

/// Cells per side of the blocks of the max-height pyramid, coarse to fine (the last level is
/// the cells themselves).
const LEVELS: [usize; 4] = [64, 16, 4, 1];

/// One level of the max-height pyramid: `nu × nv` blocks of `size × size` cells.
#[derive(Debug, Clone)]
struct Level {
    size: usize,
    nu: usize,
    nv: usize,
    /// Highest vertex of each block, row-major.
    max: Vec<f32>,
}

/// First-hit accelerator for an undecimated regular-grid terrain mesh in a flat frame
/// (vertex `(i, j)` at `(x0 + i·dx, y0 + j·dy, z)`, cell `(i, j)` holding triangles
/// `2c` = `(a, b, d)` and `2c + 1` = `(a, d, c)`, `c = j·(nx − 1) + i`, as [`super::Scene`]
/// builds it).
///
/// A ray is first clipped to the grid and to the slab below the highest terrain point, then
/// walked over the cells under its 2-D projection in order (a conservative column-by-column
/// rasterisation, widened by [`GridAccel::EPS_CELLS`] of a cell so that no cell whose
/// triangles the floating-point test could report is left out) through a pyramid of
/// maximum heights (blocks of 64, 16 and 4 cells a side, then cells), skipping every block
/// whose highest point lies below the ray over its footprint. The visited cells' triangles
/// are tested with the same single-precision Möller–Trumbore arithmetic on the same
/// pre-transformed vertices as the BVH leaves, and ties resolve by triangle id as there, so
/// the closest hit is the BVH's.
///
/// # References
/// J. Amanatides, A. Woo, "A fast voxel traversal algorithm for ray tracing", Eurographics
/// 1987 (grid walk); F. K. Musgrave, "Grid tracing: fast ray tracing for height fields",
/// Yale RR-639, 1988; A. Tevs, I. Ihrke, H.-P. Seidel, "Maximum mipmaps for fast, accurate,
/// and scalable dynamic height field rendering", I3D 2008 (empty-space skipping).
#[derive(Debug, Clone)]
pub struct GridAccel {
    x0: f64,
    y0: f64,
    dx: f64,
    dy: f64,
    cells: Vec<Tri2>,
    /// Coarse to fine; the last level is the cells.
    levels: Vec<Level>,
    z_max: f32,
}

/// Outcome of visiting one cell or block of a walk.
#[derive(PartialEq)]
enum Flow {
    Continue,
    Stop,
}

/// The ray of one [`GridAccel::closest`] query in cell units, and its best hit so far.
struct Query<'r> {
    r: &'r Ray,
    o: (f64, f64),
    d: (f64, f64),
    oz: f64,
    dz: f64,
    tmin: f32,
    skip: u32,
    best: (f32, u32),
    found: Option<Hit>,
}

impl Query<'_> {
    /// Whether the ray stays above `zmax` over the parameter span `[t0, t1]`.
    #[inline(always)]
    fn above(&self, t0: f64, t1: f64, zmax: f32) -> bool {
        let (za, zb) = if self.dz == 0.0 {
            (self.oz, self.oz)
        } else {
            (self.oz + t0 * self.dz, self.oz + t1 * self.dz)
        };
        za.min(zb) > f64::from(zmax) + GridAccel::EPS_Z
    }
}

impl GridAccel {
    /// Widening of the rasterised ray footprint, in cells.
    pub const EPS_CELLS: f64 = 1e-2;
    /// Height margin of the empty-space test, metres.
    const EPS_Z: f64 = 0.05;

    /// Build over the vertices of an `nx × ny` grid (row-major from row 0) with origin
    /// (`x0`, `y0`) and spacing (`dx`, `dy`) metres; `verts[j·nx + i]` must lie at
    /// `(x0 + i·dx, y0 + j·dy)` up to single-precision rounding.
    ///
    /// # Panics
    /// If `verts.len() != nx·ny` or `nx`, `ny` < 2.
    pub fn build(
        verts: &[[f32; 3]],
        nx: usize,
        ny: usize,
        x0: f64,
        y0: f64,
        dx: f64,
        dy: f64,
    ) -> Self {
        assert!(nx >= 2 && ny >= 2 && verts.len() == nx * ny, "grid shape");
        let (cu, cv) = (nx - 1, ny - 1);
        let mut cells = Vec::with_capacity(cu * cv);
        let mut cell_max = Vec::with_capacity(cu * cv);
        for j in 0..cv {
            for i in 0..cu {
                let a = j * nx + i;
                let (b, c) = (a + 1, a + nx);
                let d = c + 1;
                let c_id = (j * cu + i) as u32;
                let mut t = Tri2 {
                    id: [2 * c_id, 2 * c_id + 1],
                    ..Tri2::default()
                };
                for (lane, [p0, p1, p2]) in [[a, b, d], [a, d, c]].into_iter().enumerate() {
                    let (v0, v1, v2) = (verts[p0], verts[p1], verts[p2]);
                    for k in 0..3 {
                        t.v0[k][lane] = v0[k];
                        t.e1[k][lane] = v1[k] - v0[k];
                        t.e2[k][lane] = v2[k] - v0[k];
                    }
                }
                cells.push(t);
                cell_max.push(
                    verts[a][2]
                        .max(verts[b][2])
                        .max(verts[c][2])
                        .max(verts[d][2]),
                );
            }
        }
        let levels: Vec<Level> = LEVELS
            .iter()
            .map(|&size| {
                let (nu, nv) = (cu.div_ceil(size), cv.div_ceil(size));
                let mut max = vec![f32::NEG_INFINITY; nu * nv];
                for j in 0..cv {
                    for i in 0..cu {
                        let b = &mut max[(j / size) * nu + i / size];
                        *b = b.max(cell_max[j * cu + i]);
                    }
                }
                Level { size, nu, nv, max }
            })
            .collect();
        let z_max = cell_max.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        GridAccel {
            x0,
            y0,
            dx,
            dy,
            cells,
            levels,
            z_max,
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.cells.len() * std::mem::size_of::<Tri2>()
            + self.levels.iter().map(|l| l.max.len() * 4).sum::<usize>()
    }

    /// [`GridAccel::closest`] for the lanes of `mask` of a ray packet, one ray at a time
    /// (`tmax = ∞`; the walk has no packet form): `out[l]` for each lane `l` of `mask`.
    pub fn closest_lanes<const N: usize>(
        &self,
        rays: &RayPacket<N>,
        mask: u32,
        tmin: f32,
        out: &mut [Option<Hit>; N],
    ) {
        for l in lanes(mask) {
            let (r, skip) = rays.lane(l);
            out[l] = self.closest(&r, tmin, f32::INFINITY, skip);
        }
    }

    /// Closest hit with `tmin < t < tmax`, skipping triangle `skip`: the same hit as
    /// [`Bvh::closest`] on the same mesh.
    pub fn closest(&self, r: &Ray, tmin: f32, tmax: f32, skip: u32) -> Option<Hit> {
        let (oz, dz) = (f64::from(r.o[2]), f64::from(r.d[2]));
        let top = f64::from(self.z_max) + Self::EPS_Z;
        // Rays leaving upwards from above the highest terrain point.
        if dz >= 0.0 && oz > top {
            return None;
        }
        let mut q = Query {
            r,
            o: (
                (f64::from(r.o[0]) - self.x0) / self.dx,
                (f64::from(r.o[1]) - self.y0) / self.dy,
            ),
            d: (f64::from(r.d[0]) / self.dx, f64::from(r.d[1]) / self.dy),
            oz,
            dz,
            tmin,
            skip,
            best: (tmax, 0),
            found: None,
        };
        let e = Self::EPS_CELLS;
        let last = &self.levels[self.levels.len() - 1];
        let (cu, cv) = (last.nu, last.nv);
        // Clip to the widened grid and to the slab below the highest terrain point.
        let mut t_lo = f64::from(tmin);
        let mut t_hi = f64::from(tmax);
        for (o, d, n) in [(q.o.0, q.d.0, cu), (q.o.1, q.d.1, cv)] {
            let (lo, hi) = (-e, n as f64 + e);
            if d == 0.0 {
                if !(o >= lo && o <= hi) {
                    return None;
                }
            } else {
                let (ta, tb) = ((lo - o) / d, (hi - o) / d);
                t_lo = t_lo.max(ta.min(tb));
                t_hi = t_hi.min(ta.max(tb));
            }
        }
        if dz != 0.0 {
            let t_top = (top - oz) / dz;
            if dz > 0.0 {
                t_hi = t_hi.min(t_top);
            } else {
                t_lo = t_lo.max(t_top);
            }
        }
        if t_lo.is_nan() || t_hi.is_nan() || t_lo > t_hi {
            return None;
        }
        let l0 = &self.levels[0];
        self.descend(&mut q, 0, (0, 0), (l0.nu, l0.nv), (t_lo, t_hi));
        q.found
    }

    /// Walk the blocks of level `lvl` inside the parent block whose first cell is `c0`
    /// (`n` blocks of this level along each axis, clipped to the grid) over the span `t`.
    fn descend(
        &self,
        q: &mut Query,
        lvl: usize,
        c0: (usize, usize),
        n: (usize, usize),
        t: (f64, f64),
    ) -> Flow {
        let lv = &self.levels[lvl];
        let s = lv.size as f64;
        let (b0u, b0v) = (c0.0 / lv.size, c0.1 / lv.size);
        let n = (n.0.min(lv.nu - b0u), n.1.min(lv.nv - b0v));
        let o = ((q.o.0 - c0.0 as f64) / s, (q.o.1 - c0.1 as f64) / s);
        let d = (q.d.0 / s, q.d.1 / s);
        walk(o, d, t, n, Self::EPS_CELLS / s, &mut |bi, bj, ta, tb| {
            if ta > f64::from(q.best.0) {
                return Flow::Stop;
            }
            let (gu, gv) = (b0u + bi, b0v + bj);
            if q.above(ta, tb, lv.max[gv * lv.nu + gu]) {
                return Flow::Continue;
            }
            if lvl + 1 < self.levels.len() {
                let k = lv.size / self.levels[lvl + 1].size;
                self.descend(q, lvl + 1, (gu * lv.size, gv * lv.size), (k, k), (ta, tb));
                return Flow::Continue;
            }
            let p = &self.cells[gv * lv.nu + gu];
            let (t, lane) =
                intersect_lanes(&p.v0, &p.e1, &p.e2, &p.id, q.r, q.tmin, q.best, q.skip);
            if lane < 2 {
                q.best = (t, p.id[lane]);
                q.found = Some(hit_of(t, p.id[lane], &p.e1, &p.e2, lane));
            }
            Flow::Continue
        });
        Flow::Continue
    }
}

/// `floor(x)` as an integer (no libm call on targets without a rounding instruction).
#[inline(always)]
fn floor_i(x: f64) -> isize {
    let i = x as isize;
    if (i as f64) > x {
        i - 1
    } else {
        i
    }
}

/// The hit record of lane `lane` of a packet.
#[inline(always)]
fn hit_of<const N: usize>(
    t: f32,
    tri: u32,
    e1: &[[f32; N]; 3],
    e2: &[[f32; N]; 3],
    lane: usize,
) -> Hit {
    let (e1, e2) = (
        [e1[0][lane], e1[1][lane], e1[2][lane]],
        [e2[0][lane], e2[1][lane], e2[2][lane]],
    );
    Hit {
        t,
        tri,
        normal: [
            e1[1] * e2[2] - e1[2] * e2[1],
            e1[2] * e2[0] - e1[0] * e2[2],
            e1[0] * e2[1] - e1[1] * e2[0],
        ],
    }
}

/// Conservative rasterisation of the 2-D ray `o + t·d`, `t ∈ [t0, t1]`, over an `n.0 × n.1`
/// grid of unit cells, widened by `eps` cells: calls `visit(i, j, ta, tb)` for every cell
/// whose widened square the ray crosses, with the ray's (widened) parameter span over the
/// cell's column, column by column in the ray's direction (so `ta` never decreases), until
/// `visit` returns [`Flow::Stop`].
fn walk(
    o: (f64, f64),
    d: (f64, f64),
    (t0, t1): (f64, f64),
    n: (usize, usize),
    eps: f64,
    visit: &mut impl FnMut(usize, usize, f64, f64) -> Flow,
) {
    // Major axis: the one the ray moves faster along.
    let swap = d.1.abs() > d.0.abs();
    let (om, dm, nm, on, dn, nn) = if swap {
        (o.1, d.1, n.1, o.0, d.0, n.0)
    } else {
        (o.0, d.0, n.0, o.1, d.1, n.1)
    };
    let at = |o: f64, d: f64, t: f64| if d == 0.0 { o } else { o + t * d };
    let (ma, mb) = (at(om, dm, t0), at(om, dm, t1));
    // The reciprocal's rounding (relative 1e-16) is far inside the `eps` widening.
    let inv_m = 1.0 / dm;
    let lo = floor_i(ma.min(mb) - eps).max(0) as usize;
    let hi = floor_i(ma.max(mb) + eps).min(nm as isize - 1);
    if hi < lo as isize {
        return;
    }
    let hi = hi as usize;
    for k in 0..=hi - lo {
        let c = if dm >= 0.0 { lo + k } else { hi - k };
        // Parameter span over the widened column.
        let (ta, tb) = if dm == 0.0 {
            (t0, t1)
        } else {
            let (a, b) = (
                (c as f64 - eps - om) * inv_m,
                (c as f64 + 1.0 + eps - om) * inv_m,
            );
            (a.min(b).max(t0), a.max(b).min(t1))
        };
        if ta.is_nan() || tb.is_nan() || ta > tb {
            continue;
        }
        let (na, nb) = (at(on, dn, ta), at(on, dn, tb));
        let rlo = floor_i(na.min(nb) - eps).max(0) as usize;
        let rhi = floor_i(na.max(nb) + eps).min(nn as isize - 1);
        if rhi < rlo as isize {
            continue;
        }
        let rows = rlo..=rhi as usize;
        let mut go = |r: usize| {
            let (i, j) = if swap { (r, c) } else { (c, r) };
            visit(i, j, ta, tb)
        };
        if dn >= 0.0 {
            for r in rows {
                if go(r) == Flow::Stop {
                    return;
                }
            }
        } else {
            for r in rows.rev() {
                if go(r) == Flow::Stop {
                    return;
                }
            }
        }
    }
}

/// Scalar double-precision Möller–Trumbore: ray parameter `t` and barycentrics `(u, v)` of
/// the hit of `o + t·d` with triangle `(v0, v1, v2)`, or `None` (parallel or outside).
/// The oracle for the packed test, also used by the image method.
#[inline]
pub fn intersect_scalar(o: Vec3, d: Vec3, v0: Vec3, v1: Vec3, v2: Vec3) -> Option<(f64, f64, f64)> {
    let e1 = v1 - v0;
    let e2 = v2 - v0;
    let p = d.cross(e2);
    let det = e1.dot(p);
    if det == 0.0 || !det.is_finite() {
        return None;
    }
    let inv = 1.0 / det;
    let tv = o - v0;
    let u = tv.dot(p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = tv.cross(e1);
    let v = d.dot(q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    Some((e2.dot(q) * inv, u, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator (xorshift) so the test needs no RNG crate.
    struct Xs(u64);
    impl Xs {
        fn f(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn grid(n: usize) -> (Vec<[f32; 3]>, Vec<[u32; 3]>) {
        let mut v = Vec::new();
        for j in 0..n {
            for i in 0..n {
                let (x, y) = (i as f32 * 10.0, j as f32 * 10.0);
                v.push([x, y, 5.0 * (x / 37.0).sin() * (y / 23.0).cos()]);
            }
        }
        let mut t = Vec::new();
        for j in 0..n - 1 {
            for i in 0..n - 1 {
                let a = (j * n + i) as u32;
                t.push([a, a + 1, a + 1 + n as u32]);
                t.push([a, a + 1 + n as u32, a + n as u32]);
            }
        }
        (v, t)
    }

    /// BVH closest hit equals the brute-force scalar f64 test on random rays.
    #[test]
    fn bvh_matches_brute_force() {
        let (v, t) = grid(30);
        let bvh = Bvh::build(&v, &t);
        let mut rng = Xs(0x9E37_79B9_7F4A_7C15);
        let mut hits = 0;
        for _ in 0..2000 {
            let o = Vec3::new(rng.f() * 290.0, rng.f() * 290.0, 20.0 + rng.f() * 30.0);
            let d = Vec3::new(rng.f() - 0.5, rng.f() - 0.5, -rng.f() * 0.5 - 0.01).normalized();
            let mut brute: Option<(f64, u32)> = None;
            for (k, tri) in t.iter().enumerate() {
                let [a, b, c] = tri.map(|i| Vec3::from_f32(v[i as usize]));
                if let Some((tt, _, _)) = intersect_scalar(o, d, a, b, c) {
                    if tt > 1e-3 && brute.is_none_or(|(bt, _)| tt < bt) {
                        brute = Some((tt, k as u32));
                    }
                }
            }
            let got = bvh.closest(&Ray::from_vec(o, d), 1e-3, f32::INFINITY, u32::MAX);
            match (brute, got) {
                (None, None) => {}
                (Some((bt, _)), Some(h)) => {
                    hits += 1;
                    assert!((f64::from(h.t) - bt).abs() < 1e-2, "{} vs {bt}", h.t);
                    assert!(bvh.occluded(&Ray::from_vec(o, d), 1e-3, h.t + 0.01, u32::MAX));
                }
                (b, g) => {
                    // Only a ray grazing a shared edge may differ between precisions.
                    let t = b.map(|x| x.0).or(g.map(|h| f64::from(h.t))).unwrap();
                    let p = o + d * t;
                    let near_edge = (p.x / 10.0 - (p.x / 10.0).round()).abs() < 1e-3
                        || (p.y / 10.0 - (p.y / 10.0).round()).abs() < 1e-3;
                    assert!(near_edge, "brute {b:?} bvh {g:?}");
                }
            }
        }
        assert!(hits > 1000, "{hits}");
    }

    /// The packet traversal returns exactly each ray's single-ray closest hit: coherent
    /// packets (one origin, nearby directions), incoherent ones, axis-parallel lanes (the
    /// single-ray path), skipped triangles and partial lane masks (lanes outside the mask
    /// are left alone).
    #[test]
    fn packet_matches_single_rays() {
        let (v, t) = grid(40);
        let bvh = Bvh::build(&v, &t);
        let mut rng = Xs(0x5851_F42D_4C95_7F2D);
        let mut stack = PacketStack::new();
        let (mut hits, mut lanes) = (0, 0);
        for k in 0..3000 {
            let mut rays = Ray8::default();
            let mut skips = [u32::MAX; PACKET];
            let base = [rng.f() * 390.0, rng.f() * 390.0, 20.0 + rng.f() * 30.0];
            let bd = [rng.f() - 0.5, rng.f() - 0.5, -rng.f() * 0.5 - 0.01];
            for l in 0..PACKET {
                let (o, d) = match k % 4 {
                    // Coherent: one origin, directions within a few degrees.
                    0 | 1 => (
                        base,
                        [
                            bd[0] + 0.05 * (rng.f() - 0.5),
                            bd[1] + 0.05 * (rng.f() - 0.5),
                            bd[2],
                        ],
                    ),
                    // Incoherent, some rays upwards.
                    2 => (
                        [rng.f() * 390.0, rng.f() * 390.0, rng.f() * 40.0 - 5.0],
                        [rng.f() - 0.5, rng.f() - 0.5, rng.f() - 0.6],
                    ),
                    // Axis-parallel lanes mixed with ordinary ones.
                    _ => (
                        base,
                        match l % 3 {
                            0 => [0.0, 0.0, -1.0],
                            1 => [1.0, 0.0, -0.05],
                            _ => bd,
                        },
                    ),
                };
                let r = Ray::new(o.map(|x| x as f32), d.map(|x| x as f32));
                let first = bvh.closest(&r, 1e-3, f32::INFINITY, u32::MAX);
                if l % 2 == 1 {
                    if let Some(h) = first {
                        skips[l] = h.tri;
                    }
                }
                if k % 2 == 0 {
                    rays.set(l, &r, skips[l]);
                } else {
                    rays.set_uninverted(l, r.o, r.d, skips[l]);
                }
            }
            if k % 2 == 1 {
                rays.invert();
            }
            let active = if k % 5 == 0 {
                (rng.f() * 256.0) as u32
            } else {
                0xff
            };
            let sentinel = Some(Hit {
                t: -1.0,
                tri: 7,
                normal: [0.0; 3],
            });
            let mut out = [sentinel; PACKET];
            bvh.closest8(&rays, active, 1e-3, &mut out, &mut stack);
            for l in 0..PACKET {
                if active & (1 << l) == 0 {
                    assert_eq!(out[l], sentinel, "packet {k} lane {l} touched");
                    continue;
                }
                let (r, skip) = rays.lane(l);
                let want = bvh.closest(&r, 1e-3, f32::INFINITY, skip);
                assert_eq!(out[l], want, "packet {k} lane {l}");
                hits += usize::from(want.is_some());
                lanes += 1;
            }
        }
        assert!(hits > lanes / 4, "{hits} hits of {lanes}");
    }

    /// The sixteen-lane packet (AVX-512 where present, else two packets of eight) returns
    /// each ray's single-ray closest hit, on coherent and incoherent packets with skipped
    /// triangles, axis-parallel lanes and partial masks.
    #[test]
    fn wide_packet_matches_single_rays() {
        let (v, t) = grid(40);
        let bvh = Bvh::build(&v, &t);
        let mut rng = Xs(0x1405_7B7E_F767_814F);
        let mut stack = PacketStack::new();
        let mut hits = 0;
        for k in 0..2000 {
            let mut rays = Ray16::default();
            let base = [rng.f() * 390.0, rng.f() * 390.0, 20.0 + rng.f() * 30.0];
            let bd = [rng.f() - 0.5, rng.f() - 0.5, -rng.f() * 0.5 - 0.01];
            for l in 0..WIDE {
                let (o, d) = match k % 3 {
                    0 => (
                        base,
                        [
                            bd[0] + 0.05 * (rng.f() - 0.5),
                            bd[1] + 0.05 * (rng.f() - 0.5),
                            bd[2],
                        ],
                    ),
                    1 => (
                        [rng.f() * 390.0, rng.f() * 390.0, rng.f() * 40.0 - 5.0],
                        [rng.f() - 0.5, rng.f() - 0.5, rng.f() - 0.6],
                    ),
                    _ => (base, if l % 4 == 0 { [0.0, 0.0, -1.0] } else { bd }),
                };
                let (o, d) = (o.map(|x| x as f32), d.map(|x| x as f32));
                let skip = match (
                    l % 2,
                    bvh.closest(&Ray::new(o, d), 1e-3, f32::INFINITY, u32::MAX),
                ) {
                    (1, Some(h)) => h.tri,
                    _ => u32::MAX,
                };
                rays.set_uninverted(l, o, d, skip);
            }
            rays.invert();
            let active = if k % 4 == 0 {
                (rng.f() * 65536.0) as u32
            } else {
                0xffff
            };
            let sentinel = Some(Hit {
                t: -1.0,
                tri: 7,
                normal: [0.0; 3],
            });
            let mut out = [sentinel; WIDE];
            bvh.closest16(&rays, active, 1e-3, &mut out, &mut stack);
            // The fallback of CPUs without AVX-512 gives the same.
            let mut halves = [sentinel; WIDE];
            bvh.closest16_halves(&rays, active, 1e-3, &mut halves, &mut stack);
            assert_eq!(out, halves, "packet {k}");
            for l in 0..WIDE {
                if active & (1 << l) == 0 {
                    assert_eq!(out[l], sentinel, "packet {k} lane {l} touched");
                    continue;
                }
                let (r, skip) = rays.lane(l);
                let want = bvh.closest(&r, 1e-3, f32::INFINITY, skip);
                assert_eq!(out[l], want, "packet {k} lane {l}");
                hits += usize::from(want.is_some());
            }
        }
        assert!(hits > 5000, "{hits}");
    }

    #[test]
    fn skip_and_segment() {
        let (v, t) = grid(3);
        let bvh = Bvh::build(&v, &t);
        let a = Vec3::new(3.0, 7.0, 30.0);
        let b = Vec3::new(3.0, 7.0, -30.0);
        assert!(bvh.segment_blocked(a, b, 0.0, 0.0));
        assert!(!bvh.segment_blocked(a, Vec3::new(15.0, 15.0, 40.0), 0.0, 0.0));
        let r = Ray::from_vec(a, Vec3::new(0.0, 0.0, -1.0));
        let h = bvh.closest(&r, 0.0, 100.0, u32::MAX).unwrap();
        assert!(bvh.closest(&r, 0.0, 100.0, h.tri).is_none());
    }

    /// The height-field walk returns exactly the BVH's closest hit (same t, triangle and
    /// normal) on random, grazing, axis-aligned, vertical and vertex-aimed rays, from inside,
    /// above, below and outside the grid, with and without a skipped triangle.
    #[test]
    fn grid_walk_matches_bvh() {
        let n = 40;
        let (v, t) = grid(n);
        let bvh = Bvh::build(&v, &t);
        let g = GridAccel::build(&v, n, n, 0.0, 0.0, 10.0, 10.0);
        let mut rng = Xs(0x2545_F491_4F6C_DD1D);
        let (mut hits, mut skipped) = (0, 0);
        for k in 0..40_000 {
            let o = [
                (rng.f() * 500.0 - 50.0) as f32,
                (rng.f() * 500.0 - 50.0) as f32,
                (rng.f() * 40.0 - 8.0) as f32,
            ];
            let d: [f32; 3] = match k % 6 {
                0 => [rng.f() - 0.5, rng.f() - 0.5, rng.f() - 0.5],
                1 => [rng.f() - 0.5, rng.f() - 0.5, (rng.f() - 0.7) * 0.02],
                2 => [1.0 - 2.0 * (k % 4 / 2) as f64, 0.0, -0.01 * rng.f()],
                3 => [0.0, 1.0 - 2.0 * (k % 4 / 2) as f64, -0.01 * rng.f()],
                4 => [0.0, 0.0, -1.0],
                _ => {
                    // Towards a grid vertex: hits on shared edges and corners.
                    let i = (rng.f() * n as f64) as usize;
                    let j = (rng.f() * n as f64) as usize;
                    let p = v[j * n + i];
                    [
                        f64::from(p[0] - o[0]),
                        f64::from(p[1] - o[1]),
                        f64::from(p[2] - o[2]),
                    ]
                }
            }
            .map(|x| x as f32);
            let r = Ray::new(o, d);
            let first = bvh.closest(&r, 1e-3, f32::INFINITY, u32::MAX);
            let skip = match (k % 3, first) {
                (0, Some(h)) => h.tri,
                _ => u32::MAX,
            };
            let a = bvh.closest(&r, 1e-3, f32::INFINITY, skip);
            let b = g.closest(&r, 1e-3, f32::INFINITY, skip);
            let fin = bvh.closest(&r, 1e-3, 25.0, u32::MAX);
            let fin_g = g.closest(&r, 1e-3, 25.0, u32::MAX);
            if k % 6 == 5 {
                // Aimed exactly at a vertex: the hit is on up to six triangles at once, and
                // single-precision Möller–Trumbore can report a grazing one a few mm early
                // that the BVH's (exact-arithmetic) box culling skips; the distances agree.
                for (x, y) in [(a, b), (fin, fin_g)] {
                    match (x, y) {
                        (Some(x), Some(y)) => {
                            assert!(
                                (x.t - y.t).abs() <= 1e-4 * x.t.abs(),
                                "ray {k}: {x:?} {y:?}"
                            )
                        }
                        (x, y) => assert_eq!(x, y, "ray {k}: o {o:?} d {d:?}"),
                    }
                }
            } else {
                assert_eq!(a, b, "ray {k}: o {o:?} d {d:?} skip {skip}");
                assert_eq!(fin, fin_g, "ray {k} tmax 25");
            }
            hits += usize::from(a.is_some());
            skipped += usize::from(skip != u32::MAX);
        }
        assert!(
            hits > 10_000 && skipped > 2_000,
            "{hits} hits, {skipped} skips"
        );
    }
}
