//! The log-likelihood of a pair table, its gradient, its information matrix
//! (minus the Hessian) and the per-vote scores the sandwich needs, for the two
//! models the engine fits: Bradley–Terry (tie policies `half` and `drop`) and
//! Davidson (see [`super::davidson`]).
//!
//! Everything works on [`Cells`], the counts of the fitted models as floats,
//! so a bootstrap replicate is just another `Cells` with resampled counts.
//!
//! The BT information and meat, computed at every Newton step, run in three
//! stages: gather the differences `x[lo] − x[hi]`, compute every cell's
//! terms in a branch-free loop with [`super::fastmath`]'s `exp` and `ln`
//! (vectorised, AVX2-dispatched; libm calls would keep it scalar), then
//! scatter into the gradient and the information matrix in cell order.

pub use super::cells::{CellMeat, Cells};
use super::davidson;
use super::fastmath;
use super::TiePolicy;

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

/// ln(1 + eˣ), without overflow (the tests' scalar reference likelihood).
#[cfg(test)]
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
    info: Option<&mut [f64]>,
) -> f64 {
    let n = x.len();
    let differences = differences(cells, x);
    let mut g = vec![0.0; cells.len()];
    let mut h = vec![0.0; cells.len()];
    let mut terms = vec![0.0; cells.len()];
    bt_cell_terms(
        half_ties,
        &differences,
        cells.wins_lo.as_slice(),
        cells.wins_hi.as_slice(),
        cells.ties.as_slice(),
        &mut terms,
        &mut g,
        &mut h,
    );
    scatter_pairs(&cells.lo, &cells.hi, &g, grad, false);
    if let Some(a) = info {
        // The diagonal goes through a vector that stays in L1 (`a` is zero
        // on entry, so each a[i][i] gets the same sums in the same order).
        let mut diagonal = vec![0.0; n];
        scatter_pairs(&cells.lo, &cells.hi, &h, &mut diagonal, true);
        for (i, d) in diagonal.iter().enumerate() {
            a[i * n + i] += d;
        }
        for (k, &hk) in h.iter().enumerate() {
            let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
            a[i * n + j] -= hk;
            a[j * n + i] -= hk;
        }
    }
    -lane_sum(&terms)
}

/// `target[lo] += v` and `target[hi] ∓= v` (`+` when
/// `hi_adds`) for each cell in order. Cells come grouped by `lo`, so the
/// `lo` entry is kept in a register while `lo` repeats: the same additions
/// in the same order as the plain loop, without a store-to-load dependency
/// from cell to cell.
#[inline]
fn scatter_pairs(lo: &[u32], hi: &[u32], v: &[f64], target: &mut [f64], hi_adds: bool) {
    let mut current = usize::MAX;
    let mut acc = 0.0;
    for ((&i, &j), &vk) in lo.iter().zip(hi).zip(v) {
        let (i, j) = (i as usize, j as usize);
        if i != current {
            if current != usize::MAX {
                target[current] = acc;
            }
            current = i;
            acc = target[i];
        }
        acc += vk;
        match (j == current, hi_adds) {
            (true, true) => acc += vk,
            (true, false) => acc -= vk,
            (false, true) => target[j] += vk,
            (false, false) => target[j] -= vk,
        }
    }
    if current != usize::MAX {
        target[current] = acc;
    }
}

/// `x[lo] − x[hi]` of every cell.
fn differences(cells: &Cells, x: &[f64]) -> Vec<f64> {
    cells
        .lo
        .iter()
        .zip(&cells.hi)
        .map(|(&i, &j)| x[i as usize] - x[j as usize])
        .collect()
}

/// Sum with four lane accumulators (lane `k mod 4`) added as
/// `(l0 + l1) + (l2 + l3)`, then the tail in order.
pub(crate) fn lane_sum(values: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = values.chunks_exact(4);
    for c in chunks.by_ref() {
        for l in 0..4 {
            acc[l] += c[l];
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for v in chunks.remainder() {
        sum += v;
    }
    sum
}

/// Per-cell BT terms at differences `d`: minus the log-likelihood, the
/// gradient along `e_lo − e_hi` and the information. With e = exp(−|d|):
/// ln p = −softplus(−d), ln(1 − p) = −softplus(d), softplus(±d) =
/// max(±d, 0) + ln(1 + e), and p from the same e. [`fastmath`] makes the
/// loop branch-free, so it runs four cells per AVX2 instruction. `ln(1 + e)`
/// of the rounded sum is within 2e-16 absolute, all the line search needs.
/// Cells without votes contribute zeros.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn bt_cell_terms_body(
    half_ties: bool,
    d: &[f64],
    wins_lo: &[f64],
    wins_hi: &[f64],
    ties: &[f64],
    terms: &mut [f64],
    g: &mut [f64],
    h: &mut [f64],
) {
    let len = d.len();
    let (wins_lo, wins_hi, ties) = (&wins_lo[..len], &wins_hi[..len], &ties[..len]);
    let (terms, g, h) = (&mut terms[..len], &mut g[..len], &mut h[..len]);
    let tie_share = if half_ties { 0.5 } else { 0.0 };
    // Two loops with short dependency chains overlap better than one long
    // one: first e = exp(−|d|) (kept in `h`), then the rest.
    for (e, dk) in h.iter_mut().zip(d) {
        *e = fastmath::exp(-dk.abs());
    }
    for k in 0..len {
        let half = tie_share * ties[k];
        let (w, l) = (wins_lo[k] + half, wins_hi[k] + half);
        let total = w + l;
        let dk = d[k];
        let e = h[k];
        let log1pe = fastmath::ln(1.0 + e);
        let term = w * ((-dk).max(0.0) + log1pe) + l * (dk.max(0.0) + log1pe);
        let p = if dk >= 0.0 { 1.0 } else { e } / (1.0 + e);
        let voted = total != 0.0;
        terms[k] = if voted { term } else { 0.0 };
        g[k] = if voted { w - total * p } else { 0.0 };
        h[k] = if voted { total * p * (1.0 - p) } else { 0.0 };
    }
}

crate::with_avx2! {
    #[allow(clippy::too_many_arguments)]
    fn bt_cell_terms(
        half_ties: bool,
        d: &[f64],
        wins_lo: &[f64],
        wins_hi: &[f64],
        ties: &[f64],
        terms: &mut [f64],
        g: &mut [f64],
        h: &mut [f64],
    ) {
        bt_cell_terms_body(half_ties, d, wins_lo, wins_hi, ties, terms, g, h)
    }
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

/// The meat of every cell at the fitted `x`.
pub fn meat(model: Model, cells: &Cells, x: &[f64]) -> Vec<CellMeat> {
    match model {
        Model::BradleyTerry { half_ties } => {
            let differences = differences(cells, x);
            let mut dd = vec![0.0; cells.len()];
            bt_meat(
                half_ties,
                &differences,
                cells.wins_lo.as_slice(),
                cells.wins_hi.as_slice(),
                cells.ties.as_slice(),
                &mut dd,
            );
            dd.into_iter()
                .map(|dd| CellMeat {
                    dd,
                    dn: 0.0,
                    nn: 0.0,
                })
                .collect()
        }
        Model::Davidson => davidson::meat(cells, x),
    }
}

/// The BT meat `dd` of each cell at differences `d`: per-vote scores along
/// (e_lo − e_hi) are 1 − p for a win of lo, −p for a win of hi and ½ − p
/// for a tie (if ties are kept). Branch-free, like [`bt_cell_terms_body`].
#[inline(always)]
fn bt_meat_body(
    half_ties: bool,
    d: &[f64],
    wins_lo: &[f64],
    wins_hi: &[f64],
    ties: &[f64],
    dd: &mut [f64],
) {
    let len = d.len();
    let (wins_lo, wins_hi, ties, dd) = (
        &wins_lo[..len],
        &wins_hi[..len],
        &ties[..len],
        &mut dd[..len],
    );
    let tie_weight = if half_ties { 1.0 } else { 0.0 };
    for k in 0..len {
        let p = 1.0 / (1.0 + fastmath::exp(-d[k]));
        let wins = wins_lo[k] * (1.0 - p) * (1.0 - p) + wins_hi[k] * p * p;
        dd[k] = wins + tie_weight * ties[k] * (0.5 - p) * (0.5 - p);
    }
}

crate::with_avx2! {
    fn bt_meat(
        half_ties: bool,
        d: &[f64],
        wins_lo: &[f64],
        wins_hi: &[f64],
        ties: &[f64],
        dd: &mut [f64],
    ) {
        bt_meat_body(half_ties, d, wins_lo, wins_hi, ties, dd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six models, every pair, uneven counts, ties, one empty cell and a
    /// lopsided one.
    fn cells() -> Cells {
        let mut cells = Cells {
            models: 6,
            lo: Vec::new(),
            hi: Vec::new(),
            wins_lo: Vec::new(),
            wins_hi: Vec::new(),
            ties: Vec::new(),
        };
        for i in 0..6u32 {
            for j in i + 1..6 {
                cells.lo.push(i);
                cells.hi.push(j);
                let empty = (i, j) == (1, 4);
                let scale = if empty { 0.0 } else { 1.0 };
                cells
                    .wins_lo
                    .push(scale * ((3 + (5 * i + 3 * j) % 11) * (6 - i)) as f64);
                cells
                    .wins_hi
                    .push(scale * ((2 + (7 * i + j) % 9) * (1 + j)) as f64);
                cells.ties.push(scale * ((i + 2 * j) % 5) as f64);
            }
        }
        cells
    }

    /// The scalar per-cell formulas with libm's exp and ln_1p.
    fn reference(half_ties: bool, cells: &Cells, x: &[f64]) -> (f64, Vec<f64>, Vec<f64>, Vec<f64>) {
        let n = x.len();
        let (mut loglik, mut grad, mut info) = (0.0, vec![0.0; n], vec![0.0; n * n]);
        let mut dd = Vec::new();
        for k in 0..cells.len() {
            let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
            let t = if half_ties { 0.5 * cells.ties[k] } else { 0.0 };
            let (w, l) = (cells.wins_lo[k] + t, cells.wins_hi[k] + t);
            let d = x[i] - x[j];
            let p = 1.0 / (1.0 + (-d).exp());
            loglik -= w * softplus(-d) + l * softplus(d);
            let g = w - (w + l) * p;
            grad[i] += g;
            grad[j] -= g;
            let h = (w + l) * p * (1.0 - p);
            info[i * n + i] += h;
            info[j * n + j] += h;
            info[i * n + j] -= h;
            info[j * n + i] -= h;
            let tie_term = if half_ties {
                cells.ties[k] * (0.5 - p) * (0.5 - p)
            } else {
                0.0
            };
            dd.push(cells.wins_lo[k] * (1.0 - p) * (1.0 - p) + cells.wins_hi[k] * p * p + tie_term);
        }
        (loglik, grad, info, dd)
    }

    fn close(got: f64, want: f64, scale: f64) -> bool {
        (got - want).abs() <= 1e-13 * scale.max(want.abs())
    }

    #[test]
    fn vectorised_bt_terms_match_the_scalar_formulas() {
        let cells = cells();
        // From equal strengths to differences of ±40 (p within 1e-17 of 0 or 1).
        for spread in [0.0, 0.3, 2.0, 8.0] {
            let x: Vec<f64> = (0..6).map(|i| spread * (i as f64 - 2.5)).collect();
            for half_ties in [true, false] {
                let model = Model::BradleyTerry { half_ties };
                let mut grad = vec![0.0; 6];
                let mut info = vec![0.0; 36];
                let loglik = evaluate(model, &cells, &x, &mut grad, Some(&mut info));
                let (want_loglik, want_grad, want_info, want_dd) = reference(half_ties, &cells, &x);
                assert!(
                    close(loglik, want_loglik, 1.0),
                    "loglik {loglik} vs {want_loglik}"
                );
                let gscale = want_grad.iter().fold(1.0f64, |m, g| m.max(g.abs()));
                for (g, w) in grad.iter().zip(&want_grad) {
                    assert!(
                        close(*g, *w, gscale),
                        "spread {spread}: gradient {g} vs {w}"
                    );
                }
                let hscale = want_info.iter().fold(1e-300f64, |m, h| m.max(h.abs()));
                for (h, w) in info.iter().zip(&want_info) {
                    assert!(
                        close(*h, *w, hscale),
                        "spread {spread}: information {h} vs {w}"
                    );
                }
                let dd: Vec<f64> = meat(model, &cells, &x).iter().map(|m| m.dd).collect();
                let dscale = want_dd.iter().fold(1.0f64, |m, h| m.max(h.abs()));
                for (h, w) in dd.iter().zip(&want_dd) {
                    assert!(close(*h, *w, dscale), "spread {spread}: meat {h} vs {w}");
                }
            }
        }
    }

    #[test]
    fn dispatched_cell_kernels_equal_the_baseline_bit_for_bit() {
        let cells = cells();
        let x: Vec<f64> = (0..6).map(|i| 1.7 * (i as f64 - 2.5)).collect();
        let d = differences(&cells, &x);
        let len = cells.len();
        for half_ties in [true, false] {
            let mut fast = vec![vec![0.0; len]; 4];
            let mut base = vec![vec![0.0; len]; 4];
            let (wl, wh, t) = (&cells.wins_lo, &cells.wins_hi, &cells.ties);
            let [f0, f1, f2, f3] = &mut fast[..] else {
                unreachable!()
            };
            bt_cell_terms(half_ties, &d, wl, wh, t, f0, f1, f2);
            bt_meat(half_ties, &d, wl, wh, t, f3);
            let [b0, b1, b2, b3] = &mut base[..] else {
                unreachable!()
            };
            bt_cell_terms_body(half_ties, &d, wl, wh, t, b0, b1, b2);
            bt_meat_body(half_ties, &d, wl, wh, t, b3);
            for (f, b) in fast.iter().zip(&base) {
                assert!(f.iter().zip(b).all(|(f, b)| f.to_bits() == b.to_bits()));
            }
        }
    }
}
