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
//!   per-vote score. B is a sum over cells, so uᵀBu is one pass over the cells
//!   per model ([`super::likelihood::CellMeat`]), never an m³ product.
//!
//! The sandwich is the default because it stays valid when the model is
//! misspecified — counting a tie as half a win is not a likelihood of any
//! real process, and votes are overdispersed across prompts — while the
//! Fisher variance assumes the model is true.

use super::fit::Fit;
use super::likelihood::{meat, Cells, Model};

/// Which variance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarianceKind {
    Fisher,
    Sandwich,
}

/// Variances (natural-log scale) of each fitted model's gauged score, and of
/// ln ν for Davidson. `anchor` is the fitted index of the anchor model, or
/// `None` for the mean gauge.
pub fn variances(
    kind: VarianceKind,
    model: Model,
    cells: &Cells,
    fit: &Fit,
    anchor: Option<usize>,
) -> (Vec<f64>, Option<f64>) {
    let m = cells.models;
    let dim = fit.x.len();
    let mut pseudo_inverse = fit.factor.inverse();
    let correction = 1.0 / (fit.shift * (m * m) as f64);
    for i in 0..m {
        for j in 0..m {
            pseudo_inverse[i * dim + j] -= correction;
        }
    }
    let column = |i: usize| &pseudo_inverse[i * dim..(i + 1) * dim]; // symmetric: row = column
    let cell_meat = match kind {
        VarianceKind::Sandwich => meat(model, cells, &fit.x),
        VarianceKind::Fisher => Vec::new(),
    };
    let tie_index = (dim > m).then_some(m);
    let variance_of = |u: &[f64], c_dot_u: f64| -> f64 {
        match kind {
            VarianceKind::Fisher => c_dot_u,
            VarianceKind::Sandwich => {
                let u_tie = tie_index.map_or(0.0, |t| u[t]);
                let mut total = 0.0;
                for (k, cm) in cell_meat.iter().enumerate() {
                    let delta = u[cells.lo[k] as usize] - u[cells.hi[k] as usize];
                    total += delta * (cm.dd * delta + 2.0 * cm.dn * u_tie) + cm.nn * u_tie * u_tie;
                }
                total
            }
        }
    };
    let mut u = vec![0.0; dim];
    let mut out = Vec::with_capacity(m);
    for i in 0..m {
        let c_dot_u = match anchor {
            None => {
                u.copy_from_slice(column(i));
                u[i]
            }
            Some(a) => {
                for ((t, ci), ca) in u.iter_mut().zip(column(i)).zip(column(a)) {
                    *t = ci - ca;
                }
                u[i] - u[a]
            }
        };
        out.push(variance_of(&u, c_dot_u).max(0.0));
    }
    let tie = tie_index.map(|t| {
        u.copy_from_slice(column(t));
        variance_of(&u, u[t]).max(0.0)
    });
    (out, tie)
}
