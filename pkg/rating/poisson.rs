//! An exact Poisson sampler tuned for the bootstrap, where the same few
//! thousand means are sampled a thousand times each.
//!
//! The per-mean constants are computed once ([`PoissonLaw::new`]); a draw is
//! then cheap:
//! * mean < 10: inversion by sequential search in a precomputed table of the
//!   cumulative distribution (comparisons only);
//! * mean ≥ 10: Hörmann's transformed rejection with squeeze, "PTRS"
//!   (W. Hörmann, *The transformed rejection method for generating Poisson
//!   random variables*, Insurance: Mathematics and Economics 12, 1993). About
//!   nine draws in ten are accepted by the squeeze with two uniforms, one
//!   division and no transcendental function.
//!
//! `rand_distr::Poisson` is exact too, but recomputes more per draw; sampling
//! was half the bootstrap's time with it.

use rand::Rng;

/// Precomputed constants of one Poisson law.
#[derive(Debug, Clone)]
pub enum PoissonLaw {
    /// Mean 0: always 0.
    Zero,
    /// P(X ≤ k) for k = 0, 1, … until it reaches 1 in floating point.
    Inversion {
        cumulative: Box<[f64]>,
    },
    Rejection(Ptrs),
}

#[derive(Debug, Clone, Copy)]
pub struct Ptrs {
    mean: f64,
    log_mean: f64,
    a: f64,
    b: f64,
    log_inv_alpha: f64,
    v_r: f64,
}

/// ln(k!) for small k, exactly tabulated; Stirling's series above.
fn log_factorial(k: f64) -> f64 {
    const TABLE: [f64; 10] = [
        0.0,
        0.0,
        std::f64::consts::LN_2,
        1.791_759_469_228_055,
        3.178_053_830_347_146,
        4.787_491_742_782_046,
        6.579_251_212_010_101,
        8.525_161_361_065_415,
        10.604_602_902_745_25,
        12.801_827_480_081_469,
    ];
    if k < 10.0 {
        return TABLE[k as usize];
    }
    // ln Γ(x) with x = k + 1 ≥ 11: error below 1e-13.
    let x = k + 1.0;
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    (x - 0.5) * x.ln() - x
        + 0.918_938_533_204_672_8 // ln √(2π)
        + inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)))
}

impl PoissonLaw {
    /// The law of mean `mean` (≥ 0; a non-finite or negative mean gives 0).
    pub fn new(mean: f64) -> Self {
        if mean.is_nan() || mean <= 0.0 || !mean.is_finite() {
            PoissonLaw::Zero
        } else if mean < 10.0 {
            let mut cumulative = Vec::with_capacity(48);
            let mut p = (-mean).exp();
            let mut total = p;
            let mut k = 0.0;
            cumulative.push(total);
            // Far past the mean the terms vanish; stop when they no longer add.
            while total < 1.0 && k < 200.0 {
                k += 1.0;
                p *= mean / k;
                let next = total + p;
                if next == total {
                    break;
                }
                total = next;
                cumulative.push(total);
            }
            PoissonLaw::Inversion {
                cumulative: cumulative.into_boxed_slice(),
            }
        } else {
            let b = 0.931 + 2.53 * mean.sqrt();
            let a = -0.059 + 0.02483 * b;
            let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
            let v_r = 0.9277 - 3.6224 / (b - 2.0);
            PoissonLaw::Rejection(Ptrs {
                mean,
                log_mean: mean.ln(),
                a,
                b,
                log_inv_alpha: inv_alpha.ln(),
                v_r,
            })
        }
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            PoissonLaw::Zero => 0.0,
            PoissonLaw::Inversion { cumulative } => {
                let u: f64 = rng.random();
                // The table ends at (or within rounding of) 1, so the search
                // stops inside it; the last entry takes the rounding slack.
                let k = cumulative
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(cumulative.len() - 1);
                k as f64
            }
            PoissonLaw::Rejection(c) => loop {
                let u: f64 = rng.random::<f64>() - 0.5;
                let v: f64 = rng.random();
                let us = 0.5 - u.abs();
                let t = (2.0 * c.a / us + c.b) * u + c.mean + 0.43;
                // floor(t) < 0 is a rejection; for t ≥ 0 truncation is floor
                // and, unlike `f64::floor` on baseline x86-64, needs no libm call.
                if t < 0.0 {
                    continue;
                }
                let k = (t as u64) as f64;
                if us >= 0.07 && v <= c.v_r {
                    return k;
                }
                if us < 0.013 && v > us {
                    continue;
                }
                // ln v + ln(1/α) − ln(a/us² + b), with one logarithm.
                let lhs = (v / (c.a / (us * us) + c.b)).ln() + c.log_inv_alpha;
                let rhs = -c.mean + k * c.log_mean - log_factorial(k);
                if lhs <= rhs {
                    return k;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn log_factorial_is_accurate_on_both_sides_of_the_switch() {
        let mut exact = 0.0f64;
        for k in 1..200u32 {
            exact += (k as f64).ln();
            let got = log_factorial(k as f64);
            assert!(
                (got - exact).abs() < 1e-10 * exact.max(1.0),
                "k={k}: {got} vs {exact}"
            );
        }
    }

    /// Mean, variance and the probability of the mode match the Poisson law.
    #[test]
    fn draws_have_the_poisson_moments() {
        let mut rng = SmallRng::seed_from_u64(1);
        for &mean in &[0.3, 2.0, 9.9, 10.0, 37.5, 480.0, 25_000.0] {
            let law = PoissonLaw::new(mean);
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| law.sample(&mut rng)).collect();
            assert!(draws.iter().all(|d| *d >= 0.0 && d.fract() == 0.0));
            let m = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / (n - 1) as f64;
            // Standard error of the mean is sqrt(mean/n); allow 5 of them.
            assert!(
                (m - mean).abs() < 5.0 * (mean / n as f64).sqrt(),
                "mean {mean}: got {m}"
            );
            assert!(
                (var / mean - 1.0).abs() < 0.02,
                "mean {mean}: variance {var}"
            );
            let mode = mean.floor();
            let p_mode = (-mean + mode * mean.ln() - log_factorial(mode)).exp();
            let freq = draws.iter().filter(|d| **d == mode).count() as f64 / n as f64;
            let se = (p_mode * (1.0 - p_mode) / n as f64).sqrt();
            assert!(
                (freq - p_mode).abs() < 5.0 * se,
                "mean {mean}: P(mode) {freq} vs {p_mode}"
            );
        }
        assert_eq!(PoissonLaw::new(0.0).sample(&mut rng), 0.0);
    }
}
