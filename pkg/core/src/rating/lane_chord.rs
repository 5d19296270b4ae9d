//! The chord refit of [`LANES`] Bradley–Terry bootstrap replicates at once.
//!
//! A bootstrap replicate is refitted by chord steps `x ← x + H₀⁻¹ g(x)`,
//! with H₀ the gauged information matrix of the full-data fit (see
//! [`super::fit::chord`]). Replicates differ only in their counts, so
//! [`LANES`] of them are refitted together with each replicate in one lane
//! of the arithmetic: a strength is a `[f64; LANES]`, a cell's resampled
//! effective wins and total are `[f64; LANES]`. Every operation is then the
//! same across the lanes, which the compiler turns into SIMD code (AVX2 when
//! the CPU has it, see [`crate::with_avx2`]): the gradient pass reads each
//! cell's two strengths once for four replicates and computes four
//! exponentials together ([`super::fastmath::exp`]), and the step multiplies
//! H₀⁻¹ — formed once per bootstrap — by four gradients in one sweep.
//!
//! A lane stops moving once its own step is below the tolerance, so its
//! result is what refitting it alone would give; the group iterates until
//! every lane has converged (or failed, when a step is not finite).

use super::fastmath;
use super::lane_rng::LANES;

/// What the group refit needs besides the counts: the full fit.
pub struct FullFit<'a> {
    /// Lower- and higher-indexed model of every cell.
    pub lo: &'a [u32],
    pub hi: &'a [u32],
    /// Full-data strengths (natural log).
    pub x: &'a [f64],
    /// Full-data win probability of the lower-indexed model, per cell.
    pub probabilities: &'a [f64],
    /// H₀⁻¹, row-major `models × models`.
    pub inverse: &'a [f64],
}

/// Buffers reused from group to group.
pub struct Scratch {
    grad: Vec<[f64; LANES]>,
    step: Vec<[f64; LANES]>,
}

impl Scratch {
    pub fn new(models: usize) -> Self {
        Self {
            grad: vec![[0.0; LANES]; models],
            step: vec![[0.0; LANES]; models],
        }
    }
}

crate::with_avx2! {
    /// BT gradient of every lane at `x`, with the win probabilities computed
    /// from `x` (`probabilities = None`) or given per cell (the full fit's).
    fn gradient(
        full: &FullFit,
        probabilities: Option<&[f64]>,
        wins: &[[f64; LANES]],
        totals: &[[f64; LANES]],
        x: &[[f64; LANES]],
        grad: &mut [[f64; LANES]],
    ) {
        for g in grad.iter_mut() {
            *g = [0.0; LANES];
        }
        for k in 0..full.lo.len() {
            let (i, j) = (full.lo[k] as usize, full.hi[k] as usize);
            let mut g = [0.0; LANES];
            match probabilities {
                Some(p) => {
                    for l in 0..LANES {
                        g[l] = wins[k][l] - totals[k][l] * p[k];
                    }
                }
                None => {
                    let (xi, xj) = (x[i], x[j]);
                    for l in 0..LANES {
                        let p = 1.0 / (1.0 + fastmath::exp(xj[l] - xi[l]));
                        g[l] = wins[k][l] - totals[k][l] * p;
                    }
                }
            }
            for l in 0..LANES {
                grad[i][l] += g[l];
                grad[j][l] -= g[l];
            }
        }
    }
}

crate::with_avx2! {
    /// `step = H₀⁻¹ grad` for every lane (four partial sums per row, in a
    /// fixed order).
    fn solve(inverse: &[f64], grad: &[[f64; LANES]], step: &mut [[f64; LANES]]) {
        let m = grad.len();
        for (i, out) in step.iter_mut().enumerate() {
            let row = &inverse[i * m..(i + 1) * m];
            let mut acc = [[0.0; LANES]; 4];
            let whole = m / 4 * 4;
            for (r, g) in row[..whole].chunks_exact(4).zip(grad[..whole].chunks_exact(4)) {
                for q in 0..4 {
                    for l in 0..LANES {
                        acc[q][l] += r[q] * g[q][l];
                    }
                }
            }
            for (a, g) in row[whole..].iter().zip(&grad[whole..]) {
                for l in 0..LANES {
                    acc[0][l] += a * g[l];
                }
            }
            for l in 0..LANES {
                out[l] = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
            }
        }
    }
}

/// Adds `step` to the lanes still `active` and returns each lane's largest
/// absolute step (0 for inactive lanes).
fn apply(step: &[[f64; LANES]], active: [bool; LANES], x: &mut [[f64; LANES]]) -> [f64; LANES] {
    let mut moved = [0.0f64; LANES];
    for (xi, si) in x.iter_mut().zip(step) {
        for l in 0..LANES {
            if active[l] {
                xi[l] += si[l];
                moved[l] = moved[l].max(si[l].abs());
            }
        }
    }
    moved
}

/// Refits the [`LANES`] replicates whose effective wins of the lower model
/// and totals per cell are `wins` and `totals`, from the full fit, into `x`
/// (one `[f64; LANES]` per model). Returns which lanes converged: their
/// last step was below `tolerance` within `max_iterations` chord steps. The
/// first step is free (the full fit's probabilities are known) and is not
/// counted.
pub fn refit(
    full: &FullFit,
    wins: &[[f64; LANES]],
    totals: &[[f64; LANES]],
    tolerance: f64,
    max_iterations: u32,
    scratch: &mut Scratch,
    x: &mut [[f64; LANES]],
) -> [bool; LANES] {
    for (xi, &v) in x.iter_mut().zip(full.x) {
        *xi = [v; LANES];
    }
    let Scratch { grad, step } = scratch;
    gradient(full, Some(full.probabilities), wins, totals, x, grad);
    solve(full.inverse, grad, step);
    apply(step, [true; LANES], x);
    let mut active = [true; LANES];
    let mut converged = [false; LANES];
    for _ in 0..max_iterations {
        gradient(full, None, wins, totals, x, grad);
        solve(full.inverse, grad, step);
        let moved = apply(step, active, x);
        for l in 0..LANES {
            if !active[l] {
                continue;
            }
            if !moved[l].is_finite() {
                active[l] = false;
            } else if moved[l] < tolerance {
                active[l] = false;
                converged[l] = true;
            }
        }
        if !active.contains(&true) {
            break;
        }
    }
    converged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::fit::{chord, newton};
    use crate::rating::likelihood::{bt_probabilities, Cells, Model};

    /// Four replicates of a small table refitted together equal each one
    /// refitted alone by the scalar chord method.
    #[test]
    fn lanes_agree_with_the_scalar_chord_refit() {
        // 5 models, every pair, counts from a fixed pattern.
        let mut cells = Cells {
            models: 5,
            lo: vec![],
            hi: vec![],
            wins_lo: vec![],
            wins_hi: vec![],
            ties: vec![],
        };
        for i in 0..5u32 {
            for j in i + 1..5 {
                cells.lo.push(i);
                cells.hi.push(j);
                cells.wins_lo.push((40 + 7 * i + 3 * j) as f64);
                cells.wins_hi.push((25 + 5 * j) as f64);
                cells.ties.push((3 + i) as f64);
            }
        }
        let model = Model::BradleyTerry { half_ties: true };
        let fit = newton(model, &cells, vec![0.0; 5], 1e-12, 50).expect("fit");
        let probabilities = bt_probabilities(&cells, &fit.x);
        let inverse = fit.factor.inverse();
        let full = FullFit {
            lo: &cells.lo,
            hi: &cells.hi,
            x: &fit.x,
            probabilities: &probabilities,
            inverse: &inverse,
        };
        // Lane l scales lo's wins by (1 + l/10) and hi's by (1 - l/20).
        let replicate = |l: usize| {
            let mut c = cells.clone();
            for k in 0..c.len() {
                c.wins_lo[k] = (c.wins_lo[k] * (1.0 + l as f64 / 10.0)).round();
                c.wins_hi[k] = (c.wins_hi[k] * (1.0 - l as f64 / 20.0)).round();
            }
            c
        };
        let n = cells.len();
        let mut wins = vec![[0.0; LANES]; n];
        let mut totals = vec![[0.0; LANES]; n];
        for l in 0..LANES {
            let c = replicate(l);
            for k in 0..n {
                wins[k][l] = c.wins_lo[k] + 0.5 * c.ties[k];
                totals[k][l] = c.wins_lo[k] + c.wins_hi[k] + c.ties[k];
            }
        }
        let mut x = vec![[0.0; LANES]; 5];
        let mut scratch = Scratch::new(5);
        let converged = refit(&full, &wins, &totals, 1e-10, 200, &mut scratch, &mut x);
        assert_eq!(converged, [true; LANES]);
        for l in 0..LANES {
            let c = replicate(l);
            let mut alone = fit.x.clone();
            let mut grad = Vec::new();
            chord(model, &c, &fit.factor, &mut alone, 1e-10, 200, &mut grad).expect("chord");
            let exact = newton(model, &c, fit.x.clone(), 1e-13, 50).expect("newton");
            for (i, lanes) in x.iter().enumerate() {
                assert!((lanes[l] - alone[i]).abs() < 1e-9, "lane {l} model {i}");
                assert!((lanes[l] - exact.x[i]).abs() < 1e-9, "lane {l} model {i}");
            }
        }
        // The replicates really differ from one another.
        assert!((x[0][0] - x[0][3]).abs() > 1e-3);
    }
}
