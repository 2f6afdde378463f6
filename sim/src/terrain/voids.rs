//! Void filling for elevation grids.
//!
//! Voids are grouped into 4-connected regions. A region of at most [`MAX_FILL_CELLS`] samples
//! is filled: each void sample takes the inverse-distance-weighted mean of the first valid
//! sample met along each of the eight compass directions, searching at most
//! [`SEARCH_RADIUS`] samples (the "ray" interpolation GDAL's `fillnodata` and SRTM void-fill
//! products use, without smoothing). With 1/d weights each pair of opposite rays is a linear
//! interpolation between its two hits, so a void inside a plane is filled exactly. Rays stop at the grid edge. A sample that sees fewer than
//! two valid samples stays void; larger regions stay void and are reported.

/// Largest void region (connected samples) that is filled; larger ones stay void.
pub const MAX_FILL_CELLS: usize = 400;

/// How far (samples) each of the eight rays looks for a valid sample.
pub(crate) const SEARCH_RADIUS: usize = 32;

/// What [`fill`] found and did.
#[derive(Debug, Default)]
pub(crate) struct Fill {
    /// Filled samples: (row-major index, value).
    pub filled: Vec<(usize, f32)>,
    /// Samples still void afterwards.
    pub unfilled_cells: usize,
    /// Void regions left unfilled.
    pub unfilled_regions: usize,
}

/// Find and fill small voids of a `rows × cols` grid read through `get` (`None` = void).
pub(crate) fn fill(rows: usize, cols: usize, get: impl Fn(usize, usize) -> Option<f32>) -> Fill {
    let mut out = Fill::default();
    let mut void = vec![false; rows * cols];
    let mut any = false;
    for r in 0..rows {
        for c in 0..cols {
            if get(r, c).is_none() {
                void[r * cols + c] = true;
                any = true;
            }
        }
    }
    if !any {
        return out;
    }
    let mut seen = vec![false; rows * cols];
    let mut region = Vec::new();
    let mut stack = Vec::new();
    for start in 0..rows * cols {
        if !void[start] || seen[start] {
            continue;
        }
        // Flood the 4-connected region.
        region.clear();
        stack.push(start);
        seen[start] = true;
        while let Some(i) = stack.pop() {
            region.push(i);
            let (r, c) = (i / cols, i % cols);
            let mut visit = |j: usize| {
                if void[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if r > 0 {
                visit(i - cols);
            }
            if r + 1 < rows {
                visit(i + cols);
            }
            if c > 0 {
                visit(i - 1);
            }
            if c + 1 < cols {
                visit(i + 1);
            }
        }
        if region.len() > MAX_FILL_CELLS {
            out.unfilled_cells += region.len();
            out.unfilled_regions += 1;
            continue;
        }
        let mut left = 0;
        for &i in &region {
            match interpolate(rows, cols, i / cols, i % cols, &get) {
                Some(v) => out.filled.push((i, v)),
                None => left += 1,
            }
        }
        if left > 0 {
            out.unfilled_cells += left;
            out.unfilled_regions += 1;
        }
    }
    out
}

const DIRS: [(isize, isize); 8] = [
    (-1, 0),
    (1, 0),
    (0, -1),
    (0, 1),
    (-1, -1),
    (-1, 1),
    (1, -1),
    (1, 1),
];

fn interpolate(
    rows: usize,
    cols: usize,
    r: usize,
    c: usize,
    get: &impl Fn(usize, usize) -> Option<f32>,
) -> Option<f32> {
    let (mut wsum, mut zsum, mut hits) = (0.0f64, 0.0f64, 0);
    for (dr, dc) in DIRS {
        for k in 1..=SEARCH_RADIUS as isize {
            let (rr, cc) = (r as isize + dr * k, c as isize + dc * k);
            if rr < 0 || cc < 0 || rr >= rows as isize || cc >= cols as isize {
                break;
            }
            if let Some(z) = get(rr as usize, cc as usize) {
                let d = (((dr * dr + dc * dc) * k * k) as f64).sqrt();
                wsum += 1.0 / d;
                zsum += f64::from(z) / d;
                hits += 1;
                break;
            }
        }
    }
    (hits >= 2).then(|| (zsum / wsum) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f32) -> Vec<f32> {
        (0..rows * cols).map(|i| f(i / cols, i % cols)).collect()
    }

    #[test]
    fn small_void_on_a_plane_is_filled_exactly() {
        let (rows, cols) = (20, 20);
        let mut g = grid(rows, cols, |r, c| 100.0 + 2.0 * r as f32 + 3.0 * c as f32);
        for r in 8..11 {
            for c in 9..12 {
                g[r * cols + c] = f32::NAN;
            }
        }
        let f = fill(rows, cols, |r, c| {
            Some(g[r * cols + c]).filter(|v| !v.is_nan())
        });
        assert_eq!(f.filled.len(), 9);
        assert_eq!(f.unfilled_cells, 0);
        for (i, v) in f.filled {
            let (r, c) = (i / cols, i % cols);
            // Each opposite-ray pair interpolates linearly, so a plane is reproduced.
            let expect = 100.0 + 2.0 * r as f32 + 3.0 * c as f32;
            assert!((v - expect).abs() < 1e-3, "({r},{c}): {v} vs {expect}");
        }
    }

    #[test]
    fn large_void_is_left_and_counted() {
        let (rows, cols) = (60, 60);
        let mut g = grid(rows, cols, |_, _| 50.0);
        for r in 5..30 {
            for c in 5..30 {
                g[r * cols + c] = f32::NAN;
            }
        }
        g[50 * cols + 50] = f32::NAN; // plus one small void
        let f = fill(rows, cols, |r, c| {
            Some(g[r * cols + c]).filter(|v| !v.is_nan())
        });
        assert_eq!(f.unfilled_cells, 25 * 25);
        assert_eq!(f.unfilled_regions, 1);
        assert_eq!(f.filled, vec![(50 * cols + 50, 50.0)]);
    }

    #[test]
    fn no_voids_no_work() {
        let f = fill(3, 3, |_, _| Some(1.0));
        assert!(f.filled.is_empty() && f.unfilled_cells == 0);
    }
}
