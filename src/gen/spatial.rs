//! A static 2-d tree for k-nearest-neighbour queries on planar points.
//!
//! Results are canonical: neighbours are ordered by `(squared distance,
//! index)`, so the answer does not depend on how the tree was split, and
//! ties (e.g. co-located servers) are broken by the smaller index.

use std::cmp::Ordering;

/// Points in a plane (km), indexed `0..n`.
#[derive(Debug, Clone)]
pub struct KdTree {
    pts: Vec<[f64; 2]>,
    /// Point indices laid out as an implicit balanced tree: the node of the
    /// range `lo..hi` is at `(lo + hi) / 2`, splitting on axis `depth % 2`.
    order: Vec<u32>,
}

/// One neighbour: squared distance and point index.
pub type Neighbour = (f64, u32);

fn cmp_nb(a: &Neighbour, b: &Neighbour) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

impl KdTree {
    /// Builds the tree in `O(n log n)`.
    pub fn new(pts: Vec<[f64; 2]>) -> Self {
        let n = u32::try_from(pts.len()).expect("at most u32::MAX points");
        let mut order: Vec<u32> = (0..n).collect();
        build(&pts, &mut order, 0);
        Self { pts, order }
    }

    /// The `k` nearest points to point `q`, excluding `q` itself, nearest first.
    pub fn nearest(&self, q: u32, k: usize, out: &mut Vec<Neighbour>) {
        out.clear();
        if k == 0 {
            return;
        }
        let qp = self.pts[q as usize];
        self.search(0, self.order.len(), 0, q, qp, k, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        lo: usize,
        hi: usize,
        depth: usize,
        q: u32,
        qp: [f64; 2],
        k: usize,
        out: &mut Vec<Neighbour>,
    ) {
        if lo >= hi {
            return;
        }
        let mid = (lo + hi) / 2;
        let idx = self.order[mid];
        let p = self.pts[idx as usize];
        if idx != q {
            let dx = p[0] - qp[0];
            let dy = p[1] - qp[1];
            offer(out, k, (dx * dx + dy * dy, idx));
        }
        let axis = depth % 2;
        let diff = qp[axis] - p[axis];
        let (near, far) = if diff < 0.0 {
            ((lo, mid), (mid + 1, hi))
        } else {
            ((mid + 1, hi), (lo, mid))
        };
        self.search(near.0, near.1, depth + 1, q, qp, k, out);
        // `<=` so that equal-distance ties on the far side are still seen.
        if out.len() < k || diff * diff <= out[out.len() - 1].0 {
            self.search(far.0, far.1, depth + 1, q, qp, k, out);
        }
    }
}

/// Inserts `cand` into the sorted list `out` if it is among the best `k`.
fn offer(out: &mut Vec<Neighbour>, k: usize, cand: Neighbour) {
    if out.len() == k {
        if cmp_nb(&cand, &out[k - 1]) != Ordering::Less {
            return;
        }
        out.pop();
    }
    let pos = out.partition_point(|x| cmp_nb(x, &cand) == Ordering::Less);
    out.insert(pos, cand);
}

fn build(pts: &[[f64; 2]], order: &mut [u32], depth: usize) {
    if order.len() <= 1 {
        return;
    }
    let axis = depth % 2;
    let mid = order.len() / 2;
    order.select_nth_unstable_by(mid, |&a, &b| {
        pts[a as usize][axis]
            .total_cmp(&pts[b as usize][axis])
            .then(a.cmp(&b))
    });
    let (left, rest) = order.split_at_mut(mid);
    build(pts, left, depth + 1);
    build(pts, &mut rest[1..], depth + 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn matches_brute_force() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // Include duplicates to exercise tie-breaking.
        let mut pts: Vec<[f64; 2]> = (0..600)
            .map(|_| {
                [
                    (rng.random_range(0..40u32) as f64) * 0.5,
                    (rng.random_range(0..40u32) as f64) * 0.5,
                ]
            })
            .collect();
        pts.push(pts[3]);
        pts.push(pts[3]);
        let tree = KdTree::new(pts.clone());
        let mut got = Vec::new();
        for q in 0..pts.len() as u32 {
            for k in [1usize, 5, 12] {
                tree.nearest(q, k, &mut got);
                let mut all: Vec<Neighbour> = (0..pts.len() as u32)
                    .filter(|&i| i != q)
                    .map(|i| {
                        let dx = pts[i as usize][0] - pts[q as usize][0];
                        let dy = pts[i as usize][1] - pts[q as usize][1];
                        (dx * dx + dy * dy, i)
                    })
                    .collect();
                all.sort_by(cmp_nb);
                all.truncate(k);
                assert_eq!(got, all, "q={q} k={k}");
            }
        }
    }
}
