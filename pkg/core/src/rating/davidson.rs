//! Davidson's (1970) tie model: with strengths π = eᶿ and a tie parameter ν,
//!
//! ```text
//! P(i wins) = πᵢ / D,  P(j wins) = πⱼ / D,  P(tie) = ν·√(πᵢπⱼ) / D,
//! D = πᵢ + πⱼ + ν·√(πᵢπⱼ).
//! ```
//!
//! It treats a tie as evidence that the two are close, instead of as half a
//! win; ν is fitted on the log scale (λ = ln ν, the last parameter) jointly
//! with the strengths by the same Newton iteration. With d = θᵢ − θⱼ,
//! dividing through by √(πᵢπⱼ) gives D' = e^{d/2} + e^{−d/2} + ν, from which
//! the gradient and information below follow.

use super::cells::{CellMeat, Cells};

/// Outcome probabilities (win of lo, win of hi, tie) at difference `d` and ν.
#[inline]
pub(super) fn probabilities(d: f64, nu: f64) -> (f64, f64, f64) {
    // Scale by e^{−|d|/2} so nothing overflows.
    let half = 0.5 * d.abs();
    let big = 1.0;
    let small = (-2.0 * half).exp();
    let tie = nu * (-half).exp();
    let denominator = big + small + tie;
    let (p_big, p_small, p_tie) = (big / denominator, small / denominator, tie / denominator);
    if d >= 0.0 {
        (p_big, p_small, p_tie)
    } else {
        (p_small, p_big, p_tie)
    }
}

/// See [`super::likelihood::evaluate`]. `x` is the strengths then ln ν.
pub fn evaluate(cells: &Cells, x: &[f64], grad: &mut [f64], mut info: Option<&mut [f64]>) -> f64 {
    let n = x.len();
    let l = n - 1;
    let nu = x[l].exp();
    let mut loglik = 0.0;
    for k in 0..cells.len() {
        let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
        let (wi, wj, t) = (cells.wins_lo[k], cells.wins_hi[k], cells.ties[k]);
        let total = wi + wj + t;
        if total == 0.0 {
            continue;
        }
        let (pi, pj, pt) = probabilities(x[i] - x[j], nu);
        if wi > 0.0 {
            loglik += wi * pi.ln();
        }
        if wj > 0.0 {
            loglik += wj * pj.ln();
        }
        if t > 0.0 {
            loglik += t * pt.ln();
        }
        let diff = pi - pj;
        let g_d = 0.5 * (wi - wj) - 0.5 * total * diff;
        let g_l = t - total * pt;
        grad[i] += g_d;
        grad[j] -= g_d;
        grad[l] += g_l;
        if let Some(a) = info.as_deref_mut() {
            let a_dd = 0.25 * total * ((pi + pj) - diff * diff);
            let a_dl = -0.5 * total * diff * pt;
            let a_ll = total * pt * (1.0 - pt);
            a[i * n + i] += a_dd;
            a[j * n + j] += a_dd;
            a[i * n + j] -= a_dd;
            a[j * n + i] -= a_dd;
            a[i * n + l] += a_dl;
            a[l * n + i] += a_dl;
            a[j * n + l] -= a_dl;
            a[l * n + j] -= a_dl;
            a[l * n + l] += a_ll;
        }
    }
    loglik
}

/// Per-cell meat for the sandwich (see [`CellMeat`]).
pub fn meat(cells: &Cells, x: &[f64]) -> Vec<CellMeat> {
    let l = x.len() - 1;
    let nu = x[l].exp();
    (0..cells.len())
        .map(|k| {
            let (i, j) = (cells.lo[k] as usize, cells.hi[k] as usize);
            let (pi, pj, pt) = probabilities(x[i] - x[j], nu);
            let half_diff = 0.5 * (pi - pj);
            // (score along d, score along ln ν) for each kind of vote.
            let kinds = [
                (cells.wins_lo[k], 0.5 - half_diff, -pt),
                (cells.wins_hi[k], -0.5 - half_diff, -pt),
                (cells.ties[k], -half_diff, 1.0 - pt),
            ];
            let mut m = CellMeat::default();
            for (count, sd, sl) in kinds {
                m.dd += count * sd * sd;
                m.dn += count * sd * sl;
                m.nn += count * sl * sl;
            }
            m
        })
        .collect()
}

/// A starting ln ν: the value that reproduces the observed tie share when all
/// strengths are equal (P(tie) = ν / (2 + ν)).
pub fn initial_log_nu(cells: &Cells) -> Option<f64> {
    let ties: f64 = cells.ties.iter().sum();
    let total: f64 = ties + cells.wins_lo.iter().sum::<f64>() + cells.wins_hi.iter().sum::<f64>();
    if ties <= 0.0 || ties >= total {
        return None;
    }
    let share = ties / total;
    Some((2.0 * share / (1.0 - share)).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_cell(wi: f64, wj: f64, t: f64) -> Cells {
        Cells {
            models: 2,
            lo: vec![0],
            hi: vec![1],
            wins_lo: vec![wi],
            wins_hi: vec![wj],
            ties: vec![t],
        }
    }

    #[test]
    fn probabilities_sum_to_one_and_are_symmetric() {
        for &d in &[-30.0, -1.0, 0.0, 0.7, 25.0] {
            let (a, b, t) = probabilities(d, 0.8);
            assert!((a + b + t - 1.0).abs() < 1e-14);
            let (a2, b2, t2) = probabilities(-d, 0.8);
            assert!((a - b2).abs() < 1e-15 && (b - a2).abs() < 1e-15 && (t - t2).abs() < 1e-15);
        }
    }

    #[test]
    fn gradient_and_information_match_finite_differences() {
        let cells = one_cell(7.0, 3.0, 4.0);
        let x = [0.3, -0.2, -0.4];
        let mut g = [0.0; 3];
        let mut a = [0.0; 9];
        evaluate(&cells, &x, &mut g, Some(&mut a));
        let h = 1e-6;
        for p in 0..3 {
            let mut xp = x;
            xp[p] += h;
            let mut xm = x;
            xm[p] -= h;
            let mut gp = [0.0; 3];
            let mut gm = [0.0; 3];
            let lp = evaluate(&cells, &xp, &mut gp, None);
            let lm = evaluate(&cells, &xm, &mut gm, None);
            assert!(((lp - lm) / (2.0 * h) - g[p]).abs() < 1e-6, "gradient {p}");
            for q in 0..3 {
                let fd = -(gp[q] - gm[q]) / (2.0 * h);
                assert!(
                    (fd - a[q * 3 + p]).abs() < 1e-6,
                    "information ({q},{p}): {fd} vs {}",
                    a[q * 3 + p]
                );
            }
        }
    }
}
