//! Standard errors of the fitted strengths in the chosen gauge: from the
//! inverse information ("fisher") or from the robust sandwich H⁻¹BH⁻¹.
//!
//! Strengths are only defined up to a constant, so the information matrix A
//! is singular along v = (1,…,1). Its pseudo-inverse, which is the covariance
//! of the sum-to-zero (mean-gauge) strengths, comes from the factor the fit
//! already has: (A + a·vvᵀ)⁻¹ = A⁺ + vvᵀ/(a·m²). Under an anchor gauge the
//! score of model i is θᵢ − θ_anchor, so its variance is that of the contrast
//! cᵀθ with c = eᵢ − e_anchor; in the mean gauge c = eᵢ − v/m. With u = A⁺c,
//!
//! * fisher: Var = cᵀA⁺c = cᵀu;
//! * sandwich: Var = uᵀBu, where B = Σ over votes of the outer product of the
//!   per-vote score. B is a sum over cells ([`super::likelihood::CellMeat`]),
//!   so uᵀBu needs no m³ product. All models are done in one pass over the
//!   cells: for cell (lo, hi), the contrast differences of every model are
//!   rows lo and hi of the symmetric P, read contiguously, so the loop over
//!   models vectorises (AVX2-dispatched). The per-model pass it replaced
//!   gathered two entries per cell and model and took most of the time.
//!
//! The sandwich is the default because it stays valid when the model is
//! misspecified — counting a tie as half a win is not a likelihood of any
//! real process, and votes are overdispersed across prompts — while the
//! Fisher variance assumes the model is true.

use super::fit::Fit;
use super::likelihood::{meat, CellMeat, Cells, Model};
use super::linalg::Cholesky;

/// Which variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarianceKind {
    Fisher,
    Sandwich,
}

/// Variances (natural-log scale) of each fitted model's gauged score, and of
/// ln ν for Davidson. `anchor` is the fitted index of the anchor model, or
/// `None` for the mean gauge.
/// The covariance of a fit in the sum-to-zero gauge of its first
/// `models` parameters: the inverse of the information plus the gauge term
/// a·vvᵀ (v the ones of the strengths block, a = `shift`), minus
/// vvᵀ/(a·models²), since (A + a·vvᵀ)⁻¹ = A⁺ + vvᵀ/(a·models²).
pub(super) fn gauged_inverse(factor: &Cholesky, shift: f64, models: usize) -> Vec<f64> {
    let dim = factor.dim();
    let mut inverse = factor.inverse();
    let correction = 1.0 / (shift * (models * models) as f64);
    for i in 0..models {
        for j in 0..models {
            inverse[i * dim + j] -= correction;
        }
    }
    inverse
}

pub fn variances(
    kind: VarianceKind,
    model: Model,
    cells: &Cells,
    fit: &Fit,
    anchor: Option<usize>,
) -> (Vec<f64>, Option<f64>) {
    let m = cells.models;
    let dim = fit.x.len();
    let pseudo_inverse = gauged_inverse(&fit.factor, fit.shift, m);
    let p = |i: usize, j: usize| pseudo_inverse[i * dim + j];
    let tie_index = (dim > m).then_some(m);
    let cell_meat = match kind {
        VarianceKind::Sandwich => meat(model, cells, &fit.x),
        VarianceKind::Fisher => Vec::new(),
    };
    let out = match kind {
        VarianceKind::Fisher => (0..m)
            .map(|i| match anchor {
                None => p(i, i),
                Some(a) => (p(i, i) - p(a, i)) - (p(i, a) - p(a, a)),
            })
            .collect(),
        VarianceKind::Sandwich => {
            // The tie-parameter component of each model's contrast u.
            let tie_u: Option<Vec<f64>> = tie_index.map(|t| match anchor {
                None => (0..m).map(|i| p(i, t)).collect(),
                Some(a) => (0..m).map(|i| p(i, t) - p(a, t)).collect(),
            });
            let mut total = vec![0.0; m];
            sandwich_pass(
                &pseudo_inverse,
                dim,
                &cells.lo,
                &cells.hi,
                &cell_meat,
                anchor,
                tie_u.as_deref(),
                &mut total,
            );
            total
        }
    };
    let out = out.into_iter().map(|v: f64| v.max(0.0)).collect();
    let tie = tie_index.map(|t| {
        let u = &pseudo_inverse[t * dim..(t + 1) * dim]; // symmetric: row = column
        match kind {
            VarianceKind::Fisher => u[t],
            VarianceKind::Sandwich => {
                let mut total = 0.0;
                for (k, cm) in cell_meat.iter().enumerate() {
                    let delta = u[cells.lo[k] as usize] - u[cells.hi[k] as usize];
                    total += delta * (cm.dd * delta + 2.0 * cm.dn * u[t]) + cm.nn * u[t] * u[t];
                }
                total
            }
        }
        .max(0.0)
    });
    (out, tie)
}

/// `total[i] = Σₖ uᵢᵀ Bₖ uᵢ` for every model `i` at once, where `uᵢ` is row
/// (= column) `i` of the pseudo-inverse `P`, minus row `anchor` under an
/// anchor gauge, and `Bₖ` the meat of cell `k`. The loop runs over cells
/// outside and models inside: `δᵢ = uᵢ[lo] − uᵢ[hi] = P[lo][i] − P[hi][i]`
/// (less the anchor's `P[lo][a] − P[hi][a]`) reads rows `lo` and `hi` of `P`
/// contiguously, so the inner loop vectorises; each `total[i]` still adds
/// the cells in their order, with the per-cell formula of the quadratic form
/// (tie terms only for Davidson).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn sandwich_pass_body(
    p: &[f64],
    dim: usize,
    lo: &[u32],
    hi: &[u32],
    cell_meat: &[CellMeat],
    anchor: Option<usize>,
    tie_u: Option<&[f64]>,
    total: &mut [f64],
) {
    let m = total.len();
    for ((&lo, &hi), cm) in lo.iter().zip(hi).zip(cell_meat) {
        let row_lo = &p[lo as usize * dim..lo as usize * dim + m];
        let row_hi = &p[hi as usize * dim..hi as usize * dim + m];
        let dd = cm.dd;
        match (anchor, tie_u) {
            (None, None) => {
                for ((t, a), b) in total.iter_mut().zip(row_lo).zip(row_hi) {
                    let delta = a - b;
                    *t += delta * (dd * delta);
                }
            }
            (Some(anchor), None) => {
                let (a_lo, a_hi) = (row_lo[anchor], row_hi[anchor]);
                for ((t, a), b) in total.iter_mut().zip(row_lo).zip(row_hi) {
                    let delta = (a - a_lo) - (b - a_hi);
                    *t += delta * (dd * delta);
                }
            }
            (anchor, Some(tie_u)) => {
                let (a_lo, a_hi) = anchor.map_or((0.0, 0.0), |a| (row_lo[a], row_hi[a]));
                let (dn2, nn) = (2.0 * cm.dn, cm.nn);
                let tie_u = &tie_u[..m];
                for (((t, a), b), u) in total.iter_mut().zip(row_lo).zip(row_hi).zip(tie_u) {
                    let delta = (a - a_lo) - (b - a_hi);
                    *t += delta * (dd * delta + dn2 * u) + nn * u * u;
                }
            }
        }
    }
}

crate::with_avx2! {
    #[allow(clippy::too_many_arguments)]
    fn sandwich_pass(
        p: &[f64],
        dim: usize,
        lo: &[u32],
        hi: &[u32],
        cell_meat: &[CellMeat],
        anchor: Option<usize>,
        tie_u: Option<&[f64]>,
        total: &mut [f64],
    ) {
        sandwich_pass_body(p, dim, lo, hi, cell_meat, anchor, tie_u, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::davidson::initial_log_nu;
    use crate::rating::fit::newton;

    /// Seven models, all pairs but two, uneven counts and ties.
    fn cells() -> Cells {
        let mut cells = Cells {
            models: 7,
            lo: Vec::new(),
            hi: Vec::new(),
            wins_lo: Vec::new(),
            wins_hi: Vec::new(),
            ties: Vec::new(),
        };
        for i in 0..7u32 {
            for j in i + 1..7 {
                if (i, j) == (0, 6) || (i, j) == (2, 5) {
                    continue;
                }
                cells.lo.push(i);
                cells.hi.push(j);
                cells
                    .wins_lo
                    .push((3 + (5 * i + 3 * j) % 11) as f64 * (7 - i) as f64);
                cells
                    .wins_hi
                    .push((2 + (7 * i + j) % 9) as f64 * (1 + j) as f64);
                cells.ties.push(((i + 2 * j) % 5) as f64);
            }
        }
        cells
    }

    /// The per-model formula this module used before the cell-major pass:
    /// for each model, u = its column of P (minus the anchor's), then one
    /// pass over the cells.
    fn per_model_sandwich(
        model: Model,
        cells: &Cells,
        fit: &Fit,
        anchor: Option<usize>,
    ) -> Vec<f64> {
        let m = cells.models;
        let dim = fit.x.len();
        let p = gauged_inverse(&fit.factor, fit.shift, m);
        let cell_meat = meat(model, cells, &fit.x);
        (0..m)
            .map(|i| {
                let u: Vec<f64> = (0..dim)
                    .map(|t| match anchor {
                        None => p[t * dim + i],
                        Some(a) => p[t * dim + i] - p[t * dim + a],
                    })
                    .collect();
                let u_tie = if dim > m { u[m] } else { 0.0 };
                let mut total = 0.0;
                for (k, cm) in cell_meat.iter().enumerate() {
                    let delta = u[cells.lo[k] as usize] - u[cells.hi[k] as usize];
                    total += delta * (cm.dd * delta + 2.0 * cm.dn * u_tie) + cm.nn * u_tie * u_tie;
                }
                total.max(0.0)
            })
            .collect()
    }

    #[test]
    fn cell_major_sandwich_equals_the_per_model_formula() {
        let cells = cells();
        for model in [
            Model::BradleyTerry { half_ties: true },
            Model::BradleyTerry { half_ties: false },
            Model::Davidson,
        ] {
            let mut start = vec![0.0; model.dim(cells.models)];
            if model == Model::Davidson {
                start[cells.models] = initial_log_nu(&cells).expect("ties");
            }
            let fit = newton(model, &cells, start, 1e-12, 50).expect("fit");
            assert!(fit.converged, "{model:?}");
            for anchor in [None, Some(0), Some(4)] {
                let (got, tie) = variances(VarianceKind::Sandwich, model, &cells, &fit, anchor);
                let want = per_model_sandwich(model, &cells, &fit, anchor);
                assert_eq!(got, want, "{model:?}, anchor {anchor:?}");
                assert!(got.iter().all(|v| *v > 0.0 || anchor.is_some()));
                assert_eq!(tie.is_some(), model == Model::Davidson);
                if let Some(a) = anchor {
                    assert_eq!(got[a], 0.0, "the anchor's score is fixed");
                }
            }
        }
    }
}
