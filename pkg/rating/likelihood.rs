//! The log-likelihood of a pair table, its gradient, its information matrix
//! (minus the Hessian) and the per-vote scores the sandwich needs, for the two
//! models the engine fits: Bradley–Terry (tie policies `half` and `drop`) and
//! Davidson (see [`super::davidson`]).
//!
//! Everything works on [`Cells`], the counts of the fitted models as floats,
//! so a bootstrap replicate is just another `Cells` with resampled counts.

use super::davidson;
use super::{PairCount, TiePolicy};

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

    pub fn is_empty(&self) -> bool {
        self.lo.is_empty()
    }
}

/// Which likelihood is maximised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// Bradley–Terry; `half_ties` counts a tie as half a win for each side,
    /// otherwise ties are ignored.
    BradleyTerry { half_ties: bool },
    /// Davidson's tie model; the parameter vector has one extra entry, ln ν.
    Davidson,
}

impl Model {
    pub fn for_policy(ties: TiePolicy) -> Self {
        match ties {
            TiePolicy::Half => Model::BradleyTerry { half_ties: true },
            TiePolicy::Drop => Model::BradleyTerry { half_ties: false },
            TiePolicy::Davidson => Model::Davidson,
        }
    }

    /// Length of the parameter vector for `models` strengths.
    pub fn dim(&self, models: usize) -> usize {
        match self {
            Model::BradleyTerry { .. } => models,
            Model::Davidson => models + 1,
        }
    }
}

/// ln(1 + eˣ), without overflow.
#[inline]
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Log-likelihood at `x`; adds the gradient into `grad` and, when given, the
/// information matrix (row-major `dim × dim`) into `info`. `grad` and `info`
/// must be zeroed by the caller.
pub fn evaluate(
    model: Model,
    cells: &Cells,
    x: &[f64],
    grad: &mut [f64],
    info: Option<&mut [f64]>,
) -> f64 {
    match model {
        Model::BradleyTerry { half_ties } => bt_evaluate(half_ties, cells, x, grad, info),
        Model::Davidson => davidson::evaluate(cells, x, grad, info),
    }
}

/// Effective (wins of lo, wins of hi) under BT: ties split or dropped.
#[inline(always)]
fn bt_wins(half_ties: bool, cells: &Cells, k: usize) -> (f64, f64) {
    if half_ties {
        let t = 0.5 * cells.ties[k];
        (cells.wins_lo[k] + t, cells.wins_hi[k] + t)
    } else {
        (cells.wins_lo[k], cells.wins_hi[k])
    }
}

fn bt_evaluate(
    half_ties: bool,
    cells: &Cells,
    x: &[f64],
    grad: &mut [f64],
    mut info: Option<&mut [f64]>,
) -> f64 {
    let n = x.len();
    let mut loglik = 0.0;
    for k in 0..cells.len() {
        let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
        let (w, l) = bt_wins(half_ties, cells, k);
        let total = w + l;
        if total == 0.0 {
            continue;
        }
        let d = x[i] - x[j];
        // With e = exp(−|d|): ln p = −softplus(−d), ln(1 − p) = −softplus(d),
        // softplus(±d) = max(±d, 0) + ln(1 + e), and p from the same e: one
        // exponential and one logarithm per cell.
        let e = (-d.abs()).exp();
        // ln(1 + e) with e ∈ (0, 1]: `ln` of the rounded sum is within
        // 2e-16 absolute (all the line search needs), and glibc's `ln` costs
        // a fraction of `ln_1p`, which dominated warm-started fits.
        let log1pe = (1.0 + e).ln();
        loglik -= w * ((-d).max(0.0) + log1pe) + l * (d.max(0.0) + log1pe);
        let p = if d >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        let g = w - total * p;
        grad[i] += g;
        grad[j] -= g;
        if let Some(a) = info.as_deref_mut() {
            let h = total * p * (1.0 - p);
            a[i * n + i] += h;
            a[j * n + j] += h;
            a[i * n + j] -= h;
            a[j * n + i] -= h;
        }
    }
    loglik
}

/// Gradient only (the bootstrap's inner loop): one exponential per cell.
pub fn gradient(model: Model, cells: &Cells, x: &[f64], grad: &mut [f64]) {
    match model {
        Model::BradleyTerry { half_ties } => {
            for k in 0..cells.len() {
                let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
                let (w, l) = bt_wins(half_ties, cells, k);
                let p = 1.0 / (1.0 + (x[j] - x[i]).exp());
                let g = w - (w + l) * p;
                grad[i] += g;
                grad[j] -= g;
            }
        }
        Model::Davidson => {
            davidson::evaluate(cells, x, grad, None);
        }
    }
}

/// Win probabilities of the lower-indexed model of every cell at `x` (BT).
pub fn bt_probabilities(cells: &Cells, x: &[f64]) -> Vec<f64> {
    (0..cells.len())
        .map(|k| 1.0 / (1.0 + (x[cells.hi[k] as usize] - x[cells.lo[k] as usize]).exp()))
        .collect()
}

/// BT gradient at the point where the cells' win probabilities are `p` (no
/// exponential at all): the bootstrap's first step from the full-data fit.
pub fn bt_gradient_at(half_ties: bool, cells: &Cells, p: &[f64], grad: &mut [f64]) {
    for (k, &pk) in p.iter().enumerate() {
        let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
        let (w, l) = bt_wins(half_ties, cells, k);
        let g = w - (w + l) * pk;
        grad[i] += g;
        grad[j] -= g;
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

/// The meat of every cell at the fitted `x`.
pub fn meat(model: Model, cells: &Cells, x: &[f64]) -> Vec<CellMeat> {
    match model {
        Model::BradleyTerry { half_ties } => (0..cells.len())
            .map(|k| {
                let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
                let p = 1.0 / (1.0 + (x[j] - x[i]).exp());
                // Per-vote scores along (e_i − e_j): a win of i gives 1 − p,
                // a win of j gives −p, a tie (if kept) gives ½ − p.
                let mut dd = cells.wins_lo[k] * (1.0 - p) * (1.0 - p) + cells.wins_hi[k] * p * p;
                if half_ties {
                    dd += cells.ties[k] * (0.5 - p) * (0.5 - p);
                }
                CellMeat {
                    dd,
                    dn: 0.0,
                    nn: 0.0,
                }
            })
            .collect(),
        Model::Davidson => davidson::meat(cells, x),
    }
}
