//! The data the likelihood works on, apart from the maths: [`Cells`], the
//! counts of the fitted models as floats (so a bootstrap replicate is just
//! another `Cells` with resampled counts), and [`CellMeat`], one cell's share
//! of the sandwich's meat. Both the Bradley–Terry code in `likelihood` and the
//! Davidson code in `davidson` read and write them, so they live here, below
//! both, rather than in either.

use super::PairCount;

/// Counts of the fitted models, indexed `0..models` (a subset of the table).
#[derive(Debug, Clone)]
pub struct Cells {
    pub models: usize,
    pub lo: Vec<u32>,
    pub hi: Vec<u32>,
    pub wins_lo: Vec<f64>,
    pub wins_hi: Vec<f64>,
    /// Both kinds of tie together.
    pub ties: Vec<f64>,
}

impl Cells {
    /// Keeps the pairs whose two models are both in `fitted` (table indices,
    /// ascending) and renumbers them `0..fitted.len()`.
    pub fn from_pairs(pairs: &[PairCount], fitted: &[usize], table_models: usize) -> Self {
        let mut new_index = vec![u32::MAX; table_models];
        for (k, &m) in fitted.iter().enumerate() {
            new_index[m] = k as u32;
        }
        let mut cells = Cells {
            models: fitted.len(),
            lo: Vec::new(),
            hi: Vec::new(),
            wins_lo: Vec::new(),
            wins_hi: Vec::new(),
            ties: Vec::new(),
        };
        for p in pairs {
            let (a, b) = (new_index[p.lo], new_index[p.hi]);
            if a == u32::MAX || b == u32::MAX {
                continue;
            }
            cells.lo.push(a);
            cells.hi.push(b);
            cells.wins_lo.push(p.wins_lo as f64);
            cells.wins_hi.push(p.wins_hi as f64);
            cells.ties.push((p.ties + p.ties_both_bad) as f64);
        }
        cells
    }

    pub fn len(&self) -> usize {
        self.lo.len()
    }
}

/// The sandwich's "meat" of one cell, as the three coefficients of the
/// quadratic form `δ²·dd + 2·δ·u_ν·dn + u_ν²·nn`, where δ = u_lo − u_hi and
/// u_ν is the tie-parameter component of a contrast direction `u`. It is the
/// sum over the cell's votes of the squared per-vote score along `u`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellMeat {
    pub dd: f64,
    pub dn: f64,
    pub nn: f64,
}
