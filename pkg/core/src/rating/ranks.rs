//! Ranks with a plausible interval, and the small statistics helpers the
//! confidence intervals need (normal quantile, empirical quantiles).
//!
//! Rank interval rule (for N rated models, using each model's CI):
//! * `rank_low`, the best plausible rank, is 1 + the number of models whose
//!   lower bound is above this model's upper bound — those are surely better;
//! * `rank_high`, the worst plausible rank, is N − the number of models whose
//!   upper bound is below this model's lower bound — those are surely worse.
//!
//! It is conservative (non-overlapping intervals at 95% each), simple to
//! explain, and the same rule LMSYS uses for its "rank (UB)" column.

/// Point ranks (1 = best) of `scores`, ties sharing the best rank:
/// 1 + the number of strictly higher scores. O(m log m), since the bootstrap
/// ranks every replicate.
pub fn point_ranks(scores: &[f64]) -> Vec<u32> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut ranks = vec![0u32; scores.len()];
    for (position, &i) in order.iter().enumerate() {
        ranks[i] = if position > 0 && scores[order[position - 1]] == scores[i] {
            ranks[order[position - 1]]
        } else {
            position as u32 + 1
        };
    }
    ranks
}

/// (rank_low, rank_high) of every model from its CI bounds.
pub fn rank_intervals(lows: &[f64], highs: &[f64]) -> Vec<(u32, u32)> {
    let n = lows.len();
    let mut sorted_lows = lows.to_vec();
    let mut sorted_highs = highs.to_vec();
    sorted_lows.sort_by(f64::total_cmp);
    sorted_highs.sort_by(f64::total_cmp);
    (0..n)
        .map(|i| {
            // Models whose low bound is above my high bound: surely better.
            let better = n - sorted_lows.partition_point(|&l| l <= highs[i]);
            // Models whose high bound is below my low bound: surely worse.
            let worse = sorted_highs.partition_point(|&h| h < lows[i]);
            (1 + better as u32, (n - worse) as u32)
        })
        .collect()
}

/// The `q` quantile of sorted data, linear interpolation (numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    sorted[below] + (sorted[above] - sorted[below]) * fraction
}

/// The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation
/// (relative error below 1.2e-9, ample for interval bounds).
#[allow(clippy::excessive_precision)] // the published coefficients, digit for digit
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383577518672690e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    const P_LOW: f64 = 0.02425;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -normal_quantile(1.0 - p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_known_values() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.005) + 2.5758293035489).abs() < 1e-8);
    }

    #[test]
    fn rank_interval_follows_the_rule() {
        // A: [10, 12], B: [9, 11], C: [0, 1].
        let lows = [10.0, 9.0, 0.0];
        let highs = [12.0, 11.0, 1.0];
        assert_eq!(rank_intervals(&lows, &highs), vec![(1, 2), (1, 2), (3, 3)]);
        assert_eq!(point_ranks(&[11.0, 10.0, 0.5]), vec![1, 2, 3]);
        assert_eq!(point_ranks(&[1.0, 1.0, 0.5]), vec![1, 1, 3]);
        assert_eq!(point_ranks(&[0.5, 2.0, 2.0, 3.0]), vec![4, 2, 2, 1]);
    }

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.0), 1.0);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }
}
