//! Newton's method for the maximum-likelihood strengths, and the cheap
//! "chord" refit the bootstrap uses.
//!
//! The log-likelihood is concave and its Hessian is known in closed form, so
//! Newton's method converges quadratically: from zero (or from a previous fit)
//! a table like Chatbot Arena's needs 5–8 iterations to move less than 1e-10.
//! The strengths are defined up to an additive constant; the Newton system is
//! made non-singular by adding `a·vvᵀ` to the information matrix, with `v` the
//! all-ones vector over the strengths (0 on Davidson's ln ν). Because the
//! gradient sums to zero over the strengths, the solution of the modified
//! system is the minimum-norm Newton step, which keeps Σθ fixed: the fit stays
//! in the sum-to-zero gauge without pinning a model. A backtracking step
//! (halving until the log-likelihood does not decrease) guards bad starts.
//!
//! Each step costs one pass over the cells with the information matrix
//! ([`super::likelihood::evaluate`]) and one Cholesky factorisation; both
//! are vectorised kernels. The step's matrices (information, factor) reuse
//! the storage of the previous step's: at a few hundred models these are
//! allocations large enough that the allocator hands out fresh pages from
//! the kernel, whose faults cost as much as a factorisation.

use super::likelihood::{evaluate, gradient, Cells, Model};
use super::linalg::Cholesky;

/// A converged (or not) Newton fit.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Strengths (natural log, summing to zero), then ln ν for Davidson.
    pub x: Vec<f64>,
    /// Log-likelihood at `x`.
    pub loglik: f64,
    pub iterations: u32,
    pub converged: bool,
    /// Cholesky factor of the information matrix (row-major, at `x`) plus
    /// the gauge term `shift·vvᵀ`.
    pub factor: Cholesky,
    pub shift: f64,
}

/// `a` for the gauge term: the mean diagonal of the strengths block divided by
/// the number of models, so the added eigenvalue is of the same size as the
/// others and the factorisation stays well conditioned.
fn gauge_shift(info: &[f64], dim: usize, models: usize) -> f64 {
    let trace: f64 = (0..models).map(|i| info[i * dim + i]).sum();
    let mean = trace / models as f64;
    if mean > 0.0 {
        mean / models as f64
    } else {
        1.0
    }
}

/// Factors `info + shift·vvᵀ`.
pub fn gauged_factor(info: &[f64], dim: usize, models: usize) -> Option<(Cholesky, f64)> {
    gauged_refactor(info, dim, models, None)
}

/// [`gauged_factor`], reusing the storage of a factor no longer needed.
fn gauged_refactor(
    info: &[f64],
    dim: usize,
    models: usize,
    recycle: Option<Cholesky>,
) -> Option<(Cholesky, f64)> {
    let shift = gauge_shift(info, dim, models);
    Cholesky::factor_shifted(info, dim, models, shift, recycle).map(|c| (c, shift))
}

struct State {
    x: Vec<f64>,
    loglik: f64,
    grad: Vec<f64>,
    info: Vec<f64>,
}

/// The state at `x`; `info` lends its allocation (its contents are cleared).
fn state_at(model: Model, cells: &Cells, x: Vec<f64>, mut info: Vec<f64>) -> State {
    let dim = x.len();
    let mut grad = vec![0.0; dim];
    info.clear();
    info.resize(dim * dim, 0.0);
    let loglik = evaluate(model, cells, &x, &mut grad, Some(&mut info));
    State {
        x,
        loglik,
        grad,
        info,
    }
}

fn center(x: &mut [f64], models: usize) {
    if models == 0 {
        return;
    }
    let mean = x[..models].iter().sum::<f64>() / models as f64;
    for v in x[..models].iter_mut() {
        *v -= mean;
    }
}

/// Maximises the likelihood from `start` (its strengths are re-centred).
/// Returns `None` only if the information matrix is singular, which the graph
/// analysis rules out for the fitted set.
pub fn newton(
    model: Model,
    cells: &Cells,
    start: Vec<f64>,
    tolerance: f64,
    max_iterations: u32,
) -> Option<Fit> {
    newton_with(model, cells, start, tolerance, max_iterations, true)
}

/// [`newton`], but with `final_factor = false` the information matrix is not
/// factored again at the converged point: `Fit::factor` and `Fit::shift` are
/// then those of the previous iterate. For callers that need only the point
/// (a fit without intervals, e.g. each step of a trend), this saves one
/// Cholesky factorisation of two or three.
pub fn newton_with(
    model: Model,
    cells: &Cells,
    start: Vec<f64>,
    tolerance: f64,
    max_iterations: u32,
    final_factor: bool,
) -> Option<Fit> {
    let models = cells.models;
    let dim = model.dim(models);
    debug_assert_eq!(start.len(), dim);
    let mut x = start;
    center(&mut x, models);
    let mut state = state_at(model, cells, x, Vec::new());
    // Information matrices of rejected trials and past states, for reuse.
    let mut spare_info = Vec::new();
    let mut iterations = 0;
    let mut converged = false;
    let (mut factor, mut shift) = gauged_factor(&state.info, dim, models)?;
    while iterations < max_iterations {
        let mut step = state.grad.clone();
        factor.solve_in_place(&mut step);
        let mut scale = 1.0;
        let mut trial;
        loop {
            let x_new: Vec<f64> = state
                .x
                .iter()
                .zip(&step)
                .map(|(a, s)| a + scale * s)
                .collect();
            trial = state_at(model, cells, x_new, std::mem::take(&mut spare_info));
            let tolerated = 1e-12 * state.loglik.abs().max(1.0);
            if trial.loglik >= state.loglik - tolerated || scale < 1e-8 {
                break;
            }
            spare_info = trial.info;
            scale *= 0.5;
        }
        iterations += 1;
        let moved = step.iter().map(|s| (scale * s).abs()).fold(0.0, f64::max);
        spare_info = std::mem::replace(&mut state, trial).info;
        converged = moved < tolerance;
        let done = converged || !moved.is_finite();
        if done && !final_factor {
            break;
        }
        let refactored = gauged_refactor(&state.info, dim, models, Some(factor))?;
        factor = refactored.0;
        shift = refactored.1;
        if done {
            break;
        }
    }
    // Keep the gauge exact despite rounding.
    center(&mut state.x, models);
    Some(Fit {
        x: state.x,
        loglik: state.loglik,
        iterations,
        converged,
        factor,
        shift,
    })
}

/// The chord method: `x ← x + H₀⁻¹ g(x)` with a fixed factor `H₀` (of the
/// full-data fit), i.e. Newton without refactoring. Each iteration costs one
/// pass over the cells and two triangular solves. Converges linearly, fast
/// when the data (a bootstrap replicate) is close to the data of `H₀`.
/// Returns the iterations used, or `None` if the step did not fall under
/// `tolerance` within `max_iterations` (the final step is the H₀⁻¹-scaled
/// gradient norm, so this is the convergence check).
pub fn chord(
    model: Model,
    cells: &Cells,
    factor: &Cholesky,
    x: &mut [f64],
    tolerance: f64,
    max_iterations: u32,
    grad: &mut Vec<f64>,
) -> Option<u32> {
    for iteration in 1..=max_iterations {
        grad.clear();
        grad.resize(x.len(), 0.0);
        gradient(model, cells, x, grad);
        factor.solve_in_place(grad);
        let mut moved = 0.0f64;
        for (v, s) in x.iter_mut().zip(grad.iter()) {
            *v += s;
            moved = moved.max(s.abs());
        }
        if !moved.is_finite() {
            return None;
        }
        if moved < tolerance {
            return Some(iteration);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_models_fit_the_log_odds() {
        // 30 wins vs 10: θ₀ − θ₁ = ln 3 exactly.
        let cells = Cells {
            models: 2,
            lo: vec![0],
            hi: vec![1],
            wins_lo: vec![30.0],
            wins_hi: vec![10.0],
            ties: vec![0.0],
        };
        let fit = newton(
            Model::BradleyTerry { half_ties: true },
            &cells,
            vec![0.0, 0.0],
            1e-12,
            50,
        )
        .unwrap();
        assert!(fit.converged);
        assert!((fit.x[0] - fit.x[1] - 3f64.ln()).abs() < 1e-12);
        assert!(fit.x[0] + fit.x[1] < 1e-14);
    }
}
