//! An exact Poisson sampler tuned for the bootstrap, where the same few
//! thousand means (the counts of a pair table) are sampled a thousand times
//! each, for [`LANES`] replicates at once (one per lane of a [`LaneRng`]).
//!
//! [`CountLaws::new`] computes the constants of every mean once and sorts
//! the laws by sampler; [`CountLaws::sample_lanes`] then draws them all:
//! * mean 0: always 0;
//! * mean < 10: inversion in a precomputed table of the cumulative
//!   distribution: k is the number of entries at or below the uniform
//!   (comparisons only, no branch);
//! * mean ≥ 10: Hörmann's transformed rejection with squeeze, "PTRS"
//!   (W. Hörmann, *The transformed rejection method for generating Poisson
//!   random variables*, Insurance: Mathematics and Economics 12, 1993). About
//!   nine attempts in ten are accepted, most by the squeeze.
//!
//! The rejection laws are drawn in rounds: the first round makes one attempt
//! per law in every lane, computing candidate, squeeze and exact test without
//! a branch, and notes the laws with a lane that rejected; the next rounds
//! make new attempts for those lanes only, until none is left. Every law-lane
//! keeps its first accepted attempt, each attempt with fresh uniforms: plain
//! rejection sampling, arranged so that the CPU streams through the laws
//! instead of waiting on unpredictable branches. The exact test is written
//! v ≤ (a/us² + b)·P(X = k)·α with [`fastmath::exp`] (within 2 ulp of
//! libm's): a draw could differ from a libm-based test only when both sides
//! agree to about 1e-15.
//!
//! The code below is the portable version; `avx2.rs` holds the same steps
//! written with AVX2 intrinsics (the compiler does not find them on its own
//! here) and gives the same draws bit for bit.

use super::fastmath;
use super::lane_rng::{LaneRng, LANES};

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Constants of one PTRS law.
#[derive(Debug, Clone, Copy)]
struct Ptrs {
    mean: f64,
    log_mean: f64,
    a: f64,
    b: f64,
    log_inv_alpha: f64,
    v_r: f64,
}

impl Ptrs {
    fn new(mean: f64) -> Self {
        let b = 0.931 + 2.53 * mean.sqrt();
        let a = -0.059 + 0.02483 * b;
        let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
        let v_r = 0.9277 - 3.6224 / (b - 2.0);
        Ptrs {
            mean,
            log_mean: mean.ln(),
            a,
            b,
            log_inv_alpha: inv_alpha.ln(),
            v_r,
        }
    }

    /// One attempt in every lane: the candidate k and whether it is
    /// accepted (squeeze or exact test). The candidates and the squeeze are
    /// computed for all lanes in one loop the compiler vectorises; the exact
    /// test then runs only in the lanes where it decides (the AVX2 copy runs
    /// it in every lane: the same outcome).
    #[inline(always)]
    fn attempt_lanes(&self, rng: &mut LaneRng) -> ([f64; LANES], [bool; LANES]) {
        let uniform = rng.next_units();
        let v = rng.next_units();
        let mut k = [0.0; LANES];
        let mut inv_us = [0.0; LANES];
        let mut open = [false; LANES];
        let mut squeezed = [false; LANES];
        for l in 0..LANES {
            let u = uniform[l] - 0.5;
            let us = 0.5 - u.abs();
            inv_us[l] = 1.0 / us;
            let t = (2.0 * self.a * inv_us[l] + self.b) * u + self.mean + 0.43;
            // floor(t) for 0 ≤ t < 2^51 (a negative t is rejected below).
            let clamped = t.clamp(0.0, ROUNDER / 2.0);
            let rounded = (clamped + ROUNDER) - ROUNDER;
            k[l] = rounded - if rounded > clamped { 1.0 } else { 0.0 };
            squeezed[l] = (us >= 0.07) & (v[l] <= self.v_r);
            let hopeless = (us < 0.013) & (v[l] > us);
            open[l] = (t >= 0.0) & !hopeless;
        }
        let mut accepted = [false; LANES];
        for l in 0..LANES {
            // Hörmann's test ln(v·α⁻¹/(a/us² + b)) ≤ ln P(X = k), written
            // v ≤ (a/us² + b)·P(X = k)·α: one exponential, no division.
            accepted[l] = open[l]
                && (squeezed[l] || {
                    let log_pmf = -self.mean + k[l] * self.log_mean - tabulated_log_factorial(k[l]);
                    let bound = (self.a * (inv_us[l] * inv_us[l]) + self.b)
                        * fastmath::exp(log_pmf - self.log_inv_alpha);
                    v[l] <= bound
                });
        }
        (k, accepted)
    }
}

/// 2^52: adding and subtracting it rounds a non-negative f64 below 2^51 to
/// an integer.
const ROUNDER: f64 = 4_503_599_627_370_496.0;

/// The cumulative distribution of a mean below 10: P(X ≤ k) for k = 0, 1, …
/// until it reaches 1 in floating point.
fn cumulative_table(mean: f64) -> Box<[f64]> {
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
    cumulative.into_boxed_slice()
}

/// k for the uniforms `u`: the number of table entries at or below u, the
/// last entry taking the rounding slack (the table ends within rounding of 1).
#[inline(always)]
fn invert_lanes(cumulative: &[f64], u: [f64; LANES]) -> [f64; LANES] {
    let mut k = [0.0f64; LANES];
    for &c in cumulative {
        for l in 0..LANES {
            k[l] += if c <= u[l] { 1.0 } else { 0.0 };
        }
    }
    let last = (cumulative.len() - 1) as f64;
    k.map(|v| v.min(last))
}

/// A rejection law still owed a draw in some lanes: its index among the
/// rejection laws and the lanes already drawn (bit l set = lane l done).
#[derive(Debug, Clone, Copy)]
struct Owed {
    law: u32,
    done: u32,
}

const ALL_LANES: u32 = (1 << LANES) - 1;

/// The Poisson laws of a list of counts ("slots"), sorted by sampler.
#[derive(Debug, Clone)]
pub struct CountLaws {
    slots: usize,
    zero: Vec<u32>,
    inversion: Vec<(u32, Box<[f64]>)>,
    rejection_slots: Vec<u32>,
    rejection: Vec<Ptrs>,
}

/// Reusable buffer of [`CountLaws::sample_lanes`].
#[derive(Debug, Default)]
pub struct DrawScratch {
    owed: Vec<Owed>,
}

impl CountLaws {
    /// One law per mean (a negative, zero or non-finite mean draws 0).
    pub fn new(means: &[f64]) -> Self {
        let mut laws = CountLaws {
            slots: means.len(),
            zero: Vec::new(),
            inversion: Vec::new(),
            rejection_slots: Vec::new(),
            rejection: Vec::new(),
        };
        for (slot, &mean) in means.iter().enumerate() {
            let slot = slot as u32;
            if !(mean > 0.0 && mean.is_finite()) {
                laws.zero.push(slot);
            } else if mean < 10.0 {
                laws.inversion.push((slot, cumulative_table(mean)));
            } else {
                laws.rejection_slots.push(slot);
                laws.rejection.push(Ptrs::new(mean));
            }
        }
        laws
    }

    /// Number of counts drawn.
    pub fn len(&self) -> usize {
        self.slots
    }

    /// Draws every count for the lanes of `rng` into `out[slot]` (`out` has
    /// [`CountLaws::len`] entries). Uses the AVX2 copy when the CPU has it.
    pub fn sample_lanes(
        &self,
        rng: &mut LaneRng,
        out: &mut [[f64; LANES]],
        scratch: &mut DrawScratch,
    ) {
        assert_eq!(out.len(), self.slots, "one output per count");
        #[cfg(target_arch = "x86_64")]
        if fastmath::has_avx2() {
            // SAFETY: AVX2 was just detected.
            unsafe { avx2::sample_lanes(self, rng, out, scratch) };
            return;
        }
        self.sample_lanes_portable(rng, out, scratch);
    }

    /// The portable [`CountLaws::sample_lanes`].
    fn sample_lanes_portable(
        &self,
        generators: &mut LaneRng,
        out: &mut [[f64; LANES]],
        scratch: &mut DrawScratch,
    ) {
        // A local copy of the generators can live in registers.
        let mut local = generators.clone();
        let rng = &mut local;
        for &slot in &self.zero {
            out[slot as usize] = [0.0; LANES];
        }
        for (slot, cumulative) in &self.inversion {
            out[*slot as usize] = invert_lanes(cumulative, rng.next_units());
        }
        // First round: one attempt per law in every lane.
        let owed = &mut scratch.owed;
        owed.clear();
        for (law, (ptrs, &slot)) in self.rejection.iter().zip(&self.rejection_slots).enumerate() {
            let (k, accepted) = ptrs.attempt_lanes(rng);
            let mut done = 0;
            for l in 0..LANES {
                out[slot as usize][l] = if accepted[l] { k[l] } else { 0.0 };
                done |= (accepted[l] as u32) << l;
            }
            if done != ALL_LANES {
                owed.push(Owed {
                    law: law as u32,
                    done,
                });
            }
        }
        // Later rounds: new attempts for the lanes still owed a draw.
        while !owed.is_empty() {
            for entry in owed.iter_mut() {
                let law = entry.law as usize;
                let (k, accepted) = self.rejection[law].attempt_lanes(rng);
                let slot = self.rejection_slots[law] as usize;
                for l in 0..LANES {
                    if entry.done & (1 << l) == 0 && accepted[l] {
                        out[slot][l] = k[l];
                        entry.done |= 1 << l;
                    }
                }
            }
            owed.retain(|e| e.done != ALL_LANES);
        }
        *generators = local;
    }
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

/// ln(k!) for k below this is looked up rather than computed: it covers
/// every draw of the Chatbot Arena table (cells up to ~6,000 votes) in 64 KiB.
const TABULATED: usize = 8192;

/// [`log_factorial`], from a table built once per process for k < [`TABULATED`]
/// (the same values, so the draws do not change; one logarithm saved per
/// exact test).
#[inline(always)]
fn tabulated_log_factorial(k: f64) -> f64 {
    match log_factorial_table().get(k as usize) {
        Some(v) => *v,
        None => log_factorial(k),
    }
}

/// ln(k!) for k < [`TABULATED`], built on first use.
#[inline(always)]
fn log_factorial_table() -> &'static [f64] {
    static TABLE: std::sync::OnceLock<Box<[f64]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (0..TABULATED).map(|k| log_factorial(k as f64)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Every kind of law draws the Poisson law: moments and P(mode) in every
    /// lane, and the lanes are uncorrelated.
    #[test]
    fn lane_draws_have_the_poisson_moments() {
        let means = [0.0, 0.3, 2.0, 9.9, 10.0, 37.5, 480.0, 25_000.0];
        let laws = CountLaws::new(&means);
        let mut rng = LaneRng::new([1, 2, 3, 4]);
        let mut scratch = DrawScratch::default();
        let mut out = vec![[0.0; LANES]; means.len()];
        let n = 100_000;
        let mut draws: Vec<Vec<Vec<f64>>> = (0..means.len())
            .map(|_| (0..LANES).map(|_| Vec::with_capacity(n)).collect())
            .collect();
        for _ in 0..n {
            laws.sample_lanes(&mut rng, &mut out, &mut scratch);
            for (slot, d) in out.iter().enumerate() {
                for l in 0..LANES {
                    draws[slot][l].push(d[l]);
                }
            }
        }
        for (slot, &mean) in means.iter().enumerate() {
            if mean == 0.0 {
                assert!(draws[slot].iter().flatten().all(|d| *d == 0.0));
                continue;
            }
            for lane in &draws[slot] {
                assert!(lane.iter().all(|d| *d >= 0.0 && d.fract() == 0.0));
                let m = lane.iter().sum::<f64>() / n as f64;
                let var = lane.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / (n - 1) as f64;
                assert!(
                    (m - mean).abs() < 5.0 * (mean / n as f64).sqrt(),
                    "mean {mean}: got {m}"
                );
                assert!(
                    (var / mean - 1.0).abs() < 0.03,
                    "mean {mean}: variance {var}"
                );
                let mode = mean.floor();
                let p_mode = (-mean + mode * mean.ln() - log_factorial(mode)).exp();
                let freq = lane.iter().filter(|d| **d == mode).count() as f64 / n as f64;
                let se = (p_mode * (1.0 - p_mode) / n as f64).sqrt();
                assert!(
                    (freq - p_mode).abs() < 5.0 * se,
                    "mean {mean}: P(mode) {freq} vs {p_mode}"
                );
            }
            let (a, b) = (&draws[slot][0], &draws[slot][1]);
            let (ma, mb) = (
                a.iter().sum::<f64>() / n as f64,
                b.iter().sum::<f64>() / n as f64,
            );
            let cov = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - ma) * (y - mb))
                .sum::<f64>()
                / n as f64;
            let corr = cov / mean;
            assert!(
                corr.abs() < 5.0 / (n as f64).sqrt(),
                "mean {mean}: corr {corr}"
            );
        }
    }

    /// Same laws, same seeds: the AVX2 copy draws exactly what the portable
    /// code draws.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_draws_equal_the_portable_draws() {
        if !fastmath::has_avx2() {
            return;
        }
        let means: Vec<f64> = [
            0.0, 0.4, 3.0, 9.99, 10.0, 11.5, 37.5, 480.0, 6_000.0, 9_000.0, 25_000.0,
        ]
        .iter()
        .cycle()
        .take(200)
        .enumerate()
        .map(|(i, m)| m * (1.0 + i as f64 / 1000.0))
        .collect();
        let laws = CountLaws::new(&means);
        let mut portable_rng = LaneRng::new([5, 6, 7, 8]);
        let mut simd_rng = portable_rng.clone();
        let mut scratch = DrawScratch::default();
        let mut portable = vec![[0.0; LANES]; means.len()];
        let mut simd = portable.clone();
        for _ in 0..2_000 {
            laws.sample_lanes_portable(&mut portable_rng, &mut portable, &mut scratch);
            // SAFETY: AVX2 was detected above.
            unsafe { avx2::sample_lanes(&laws, &mut simd_rng, &mut simd, &mut scratch) };
            assert_eq!(portable, simd);
        }
    }
}
