//! Signed pair totals: what a read sums when it adds and subtracts packed
//! pair blobs (running totals, checkpoints, daily rows) to get the counts of
//! a time range or a slice. A read of a one-category slice sums hundreds of
//! blobs of thousands of pairs, so the accumulator is a dense triangle of
//! the store's model ids when they are few enough, and a hash map past that
//! (or for an id the triangle does not cover).

use super::fast_hash::FastMap;

/// Model ids up to this many get the dense triangle (1024 ids: 16 MiB).
const DENSE_IDS: usize = 1024;

pub(crate) struct PairTotals {
    /// Row-major `ids × ids` totals (only lo < hi is used), and `ids`.
    dense: Vec<[i64; 4]>,
    ids: usize,
    /// Pairs outside the triangle.
    sparse: FastMap<(i64, i64), [i64; 4]>,
}

impl PairTotals {
    /// An accumulator for a store whose largest model id is `max_id`.
    pub(crate) fn for_models(max_id: Option<i64>) -> Self {
        let ids = max_id
            .and_then(|m| usize::try_from(m).ok())
            .map(|m| m + 1)
            .filter(|&n| n <= DENSE_IDS)
            .unwrap_or(0);
        PairTotals {
            dense: vec![[0; 4]; ids * ids],
            ids,
            sparse: FastMap::default(),
        }
    }

    /// Adds `sign ×` one pair's four counts.
    #[inline]
    pub(crate) fn add(&mut self, lo: u32, hi: u32, counts: [u64; 4], sign: i64) {
        let (l, h) = (lo as usize, hi as usize);
        let total = if l < self.ids && h < self.ids {
            &mut self.dense[l * self.ids + h]
        } else {
            self.sparse
                .entry((i64::from(lo), i64::from(hi)))
                .or_default()
        };
        for (t, c) in total.iter_mut().zip(counts) {
            *t = t.wrapping_add(sign.wrapping_mul(c as i64));
        }
    }

    /// The pairs with a positive count, in (lo, hi) order; a range's
    /// counts are differences of running totals, so never negative, and
    /// any negative part is clamped to 0.
    pub(crate) fn into_counts(self) -> Vec<((i64, i64), [u64; 4])> {
        let ids = self.ids;
        let positive = |c: &[i64; 4]| c.iter().any(|&v| v > 0);
        let clamp = |c: [i64; 4]| c.map(|v| v.max(0) as u64);
        let mut out: Vec<((i64, i64), [u64; 4])> = self
            .dense
            .into_iter()
            .enumerate()
            .filter(|(_, c)| positive(c))
            .map(|(index, c)| (((index / ids) as i64, (index % ids) as i64), clamp(c)))
            .collect();
        out.extend(
            self.sparse
                .into_iter()
                .filter(|(_, c)| positive(c))
                .map(|(key, c)| (key, clamp(c))),
        );
        out.sort_unstable_by_key(|&(key, _)| key);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same additions into a triangle that covers every id, one that
    /// covers some, and none: the same counts, in (lo, hi) order, with
    /// cancelled and negative totals left out or clamped.
    #[test]
    fn dense_and_sparse_totals_agree() {
        let adds: [(u32, u32, [u64; 4], i64); 6] = [
            (3, 9, [5, 1, 0, 2], 1),
            (0, 1, [1, 1, 1, 1], 1),
            (3, 9, [2, 0, 0, 1], -1),
            (7, 2000, [4, 0, 0, 0], 1),
            (0, 1, [1, 1, 1, 1], -1),
            (2, 5, [0, 3, 0, 0], -1),
        ];
        let run = |max_id: Option<i64>| {
            let mut totals = PairTotals::for_models(max_id);
            for &(lo, hi, c, sign) in &adds {
                totals.add(lo, hi, c, sign);
            }
            totals.into_counts()
        };
        let expected = vec![((3, 9), [3, 1, 0, 1]), ((7, 2000), [4, 0, 0, 0])];
        assert_eq!(run(None), expected);
        assert_eq!(run(Some(9)), expected);
        assert_eq!(run(Some(5)), expected);
        assert_eq!(run(Some(5000)), expected);
    }
}
