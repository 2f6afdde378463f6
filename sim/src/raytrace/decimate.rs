//! Error-bounded mesh decimation of a regular height grid: a right-triangulated irregular
//! network (RTIN, longest-edge bisection of right isosceles triangles).
//!
//! The grid is padded (edge values repeated) to a square of side `2^k + 1` points. Every
//! triangle of the bisection hierarchy has its right angle at `c` and its hypotenuse `a–b`;
//! splitting it at the hypotenuse midpoint `m` gives the children `(c, a, m)` and `(b, c, m)`.
//! The error of `m` is the largest vertical distance between the samples inside the triangle
//! and the triangle's plane, raised to the errors of the children's midpoints; `m` is shared with
//! the neighbour across the hypotenuse, which sees the same error, so both split together and
//! the mesh has no cracks. Processing the hierarchy from the finest level up makes the error
//! of every vertex bound the errors of everything below it, so a triangle left unsplit
//! (`error(m) ≤ max_error`) is within `max_error` of every grid sample it covers.
//!
//! # References
//! W. Evans, D. Kirkpatrick, G. Townsend, "Right-triangulated irregular networks",
//! Algorithmica 30(2), 2001; M. Duchaineau et al., "ROAMing terrain: real-time optimally
//! adapting meshes", IEEE Visualization 1997 (longest-edge bisection, forced splits).

/// A decimated mesh in grid coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct GridMesh {
    /// Side of the padded square grid (`2^k + 1`).
    pub side: usize,
    /// Grid vertices used, `(i, j)` with `i` the column; may lie in the padding.
    pub vertices: Vec<(u32, u32)>,
    /// Triangles as indices into `vertices`, counter-clockwise seen from above (+z).
    pub triangles: Vec<[u32; 3]>,
}

type P = (i64, i64);

fn mid(a: P, b: P) -> Option<P> {
    let (sx, sy) = (a.0 + b.0, a.1 + b.1);
    (sx % 2 == 0 && sy % 2 == 0).then_some((sx / 2, sy / 2))
}

/// The triangle of hierarchy id `id` (roots 2 and 3; children of `t` are `2t`, `2t + 1`).
fn decode(id: u64, t: i64) -> (P, P, P) {
    let bits = 63 - id.leading_zeros() as i64; // depth + 1
    let root = (id >> (bits - 1)) & 1;
    let (mut a, mut b, mut c) = if root == 0 {
        ((0, 0), (t, t), (0, t))
    } else {
        ((t, t), (0, 0), (t, 0))
    };
    for k in (0..bits - 1).rev() {
        let m = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
        if (id >> k) & 1 == 0 {
            (a, b, c) = (c, a, m);
        } else {
            (a, b, c) = (b, c, m);
        }
    }
    (a, b, c)
}

/// Largest vertical distance between the samples inside (or on) triangle `a b c` and the
/// plane through its corners.
fn plane_error(a: P, b: P, c: P, h: &impl Fn(P) -> f64) -> f32 {
    let area2 = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    if area2 == 0 {
        return 0.0;
    }
    let (ha, hb, hc) = (h(a), h(b), h(c));
    let edge = |p: P, q: P, r: P| (q.0 - p.0) * (r.1 - p.1) - (q.1 - p.1) * (r.0 - p.0);
    let mut worst = 0.0f64;
    for y in a.1.min(b.1).min(c.1)..=a.1.max(b.1).max(c.1) {
        for x in a.0.min(b.0).min(c.0)..=a.0.max(b.0).max(c.0) {
            let q = (x, y);
            // Barycentric weights ×area2; inside when all share area2's sign (or are 0).
            let (wa, wb, wc) = (edge(b, c, q), edge(c, a, q), edge(a, b, q));
            let inside = if area2 > 0 {
                wa >= 0 && wb >= 0 && wc >= 0
            } else {
                wa <= 0 && wb <= 0 && wc <= 0
            };
            if inside {
                let zp = (wa as f64 * ha + wb as f64 * hb + wc as f64 * hc) / area2 as f64;
                worst = worst.max((h(q) - zp).abs());
            }
        }
    }
    worst as f32
}

/// Decimate the `nx × ny` grid `z` (row-major, `z[j·nx + i]`) so that every sample is within
/// `max_error` (same unit as `z`) of the mesh. Triangles lying wholly in the padding are
/// dropped; the others are kept as they are (the mesh may reach past the last row/column by
/// less than one of its triangles, over repeated edge values).
///
/// # Panics
/// If `nx` or `ny` is below 2 or `z.len() != nx · ny` (checked by the scene builder).
pub fn decimate(z: &[f32], nx: usize, ny: usize, max_error: f64) -> GridMesh {
    assert!(nx >= 2 && ny >= 2 && z.len() == nx * ny);
    let t = (nx.max(ny) - 1).next_power_of_two();
    let side = t + 1;
    let t = t as i64;
    let h = |p: P| -> f64 {
        let i = (p.0 as usize).min(nx - 1);
        let j = (p.1 as usize).min(ny - 1);
        f64::from(z[j * nx + i])
    };
    let mut err = vec![0f32; side * side];
    let at = |p: P| p.1 as usize * side + p.0 as usize;
    // Levels with a grid midpoint: ids 2 .. 2^(2k+1) − 1 where t = 2^k; finest first.
    let k = t.trailing_zeros() as u64;
    let last = (1u64 << (2 * k + 1)) - 1;
    for id in (2..=last).rev() {
        let (a, b, c) = decode(id, t);
        let Some(m) = mid(a, b) else { continue };
        let mut e = plane_error(a, b, c, &h);
        if let Some(l) = mid(c, a) {
            e = e.max(err[at(l)]);
        }
        if let Some(r) = mid(b, c) {
            e = e.max(err[at(r)]);
        }
        let slot = &mut err[at(m)];
        *slot = slot.max(e);
    }
    let mut index = vec![u32::MAX; side * side];
    let mut vertices = Vec::new();
    let mut triangles = Vec::new();
    let mut stack = vec![((0, 0), (t, t), (0, t)), ((t, t), (0, 0), (t, 0))];
    let (xmax, ymax) = ((nx - 1) as i64, (ny - 1) as i64);
    while let Some((a, b, c)) = stack.pop() {
        if let Some(m) = mid(a, b) {
            if f64::from(err[at(m)]) > max_error {
                stack.push((c, a, m));
                stack.push((b, c, m));
                continue;
            }
        }
        // Wholly at or past the last column or row: no area over the grid.
        if a.0.min(b.0).min(c.0) >= xmax || a.1.min(b.1).min(c.1) >= ymax {
            continue;
        }
        let mut tri = [0u32; 3];
        // Counter-clockwise seen from +z.
        let cross = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        let order = if cross > 0 { [a, b, c] } else { [a, c, b] };
        for (slot, p) in tri.iter_mut().zip(order) {
            let q = at(p);
            if index[q] == u32::MAX {
                index[q] = vertices.len() as u32;
                vertices.push((p.0 as u32, p.1 as u32));
            }
            *slot = index[q];
        }
        triangles.push(tri);
    }
    GridMesh {
        side,
        vertices,
        triangles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_collapses_to_two_triangles() {
        let (nx, ny) = (17, 17);
        let z: Vec<f32> = (0..nx * ny)
            .map(|k| (0.5 * (k % nx) as f64 + 0.25 * (k / nx) as f64) as f32)
            .collect();
        let m = decimate(&z, nx, ny, 0.01);
        assert_eq!(m.triangles.len(), 2);
        assert_eq!(m.vertices.len(), 4);
    }

    #[test]
    fn zero_error_on_a_bump_keeps_detail() {
        let (nx, ny) = (9, 9);
        let mut z = vec![0f32; nx * ny];
        z[4 * nx + 4] = 10.0;
        let m = decimate(&z, nx, ny, 0.0);
        assert!(m.vertices.contains(&(4, 4)));
        assert!(m.triangles.len() < 2 * 8 * 8);
    }
}
