//! The Poisson bootstrap of the cell counts.
//!
//! Each replicate draws every count of every cell (wins of each side, ties)
//! from a Poisson law with the observed count as its mean ([`super::poisson`]). For counts this is
//! the large-sample equivalent of resampling the votes with replacement (a
//! multinomial bootstrap), but the cells stay independent, so a replicate
//! costs one pass over the 3,460-odd cells instead of a pass over 1.7M votes,
//! and it can be generated in any order.
//!
//! Reproducibility: replicate r uses its own generator seeded from
//! (seed, r), so the result for a seed is the same whatever the number of
//! threads; the rounds are split over `available_parallelism` scoped threads.
//!
//! Warm start: every replicate starts from the full-data fit and is refitted
//! with the chord method ([`super::fit::chord`]), reusing the full-data
//! Cholesky factor: a replicate is a small perturbation, so a handful of
//! gradient passes reach the tolerance without refactoring. A replicate that
//! does not converge that way gets a full Newton fit; one that still fails
//! (e.g. a model lost every resampled vote) is counted and left out.

use rand::rngs::SmallRng;
use rand::SeedableRng;

use super::fit::{chord, newton, Fit};
use super::likelihood::{bt_gradient_at, bt_probabilities, Cells, Model};
use super::poisson::PoissonLaw;

/// Step size (natural-log strengths) under which a replicate is converged:
/// 1e-6 is 1.7e-4 Elo points, and the chord method contracts by about 20x
/// per step here, so the remaining error is near 1e-5 Elo points — far below
/// the 0.1 points the intervals are shown with.
pub const BOOTSTRAP_TOLERANCE: f64 = 1e-6;
const CHORD_ITERATIONS: u32 = 60;

/// The gauged strengths of every successful replicate.
#[derive(Debug, Clone)]
pub struct Replicates {
    /// Row-major: `ok_rounds × models`, natural-log, in the requested gauge.
    pub strengths: Vec<f64>,
    /// ln ν of each successful replicate (Davidson only).
    pub log_tie: Vec<f64>,
    pub models: usize,
    /// Replicates that did not converge and were left out.
    pub non_converged: u32,
}

impl Replicates {
    pub fn rounds(&self) -> usize {
        self.strengths.len().checked_div(self.models).unwrap_or(0)
    }
}

/// SplitMix64: decorrelates (seed, replicate) into one 64-bit seed.
fn mix(seed: u64, replicate: u64) -> u64 {
    let mut z = seed
        ^ replicate
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Laws of the three counts of every cell.
type CellLaws = Vec<[PoissonLaw; 3]>;

fn laws(cells: &Cells) -> CellLaws {
    (0..cells.len())
        .map(|k| {
            [
                PoissonLaw::new(cells.wins_lo[k]),
                PoissonLaw::new(cells.wins_hi[k]),
                PoissonLaw::new(cells.ties[k]),
            ]
        })
        .collect()
}

/// Refits one replicate into `out` (length = dim). Returns false on failure.
#[allow(clippy::too_many_arguments)]
fn replicate(
    model: Model,
    full: &Fit,
    laws: &CellLaws,
    sample: &mut Cells,
    seed: u64,
    index: u64,
    grad: &mut Vec<f64>,
    out: &mut [f64],
    full_probabilities: Option<&[f64]>,
) -> bool {
    let mut rng = SmallRng::seed_from_u64(mix(seed, index));
    // Ties carry no information under `drop`: no need to draw them.
    let uses_ties = model != Model::BradleyTerry { half_ties: false };
    for (k, cell_laws) in laws.iter().enumerate() {
        sample.wins_lo[k] = cell_laws[0].sample(&mut rng);
        sample.wins_hi[k] = cell_laws[1].sample(&mut rng);
        if uses_ties {
            sample.ties[k] = cell_laws[2].sample(&mut rng);
        }
    }
    out.copy_from_slice(&full.x);
    if let (Model::BradleyTerry { half_ties }, Some(p)) = (model, full_probabilities) {
        // First chord step for free: the full fit's probabilities are known.
        grad.clear();
        grad.resize(out.len(), 0.0);
        bt_gradient_at(half_ties, sample, p, grad);
        full.factor.solve_in_place(grad);
        for (v, s) in out.iter_mut().zip(grad.iter()) {
            *v += s;
        }
    }
    if chord(
        model,
        sample,
        &full.factor,
        out,
        BOOTSTRAP_TOLERANCE,
        CHORD_ITERATIONS,
        grad,
    )
    .is_some()
    {
        return true;
    }
    match newton(model, sample, full.x.clone(), BOOTSTRAP_TOLERANCE, 100) {
        Some(fit) if fit.converged && fit.x.iter().all(|v| v.is_finite()) => {
            out.copy_from_slice(&fit.x);
            true
        }
        _ => false,
    }
}

/// Runs `rounds` replicates. `anchor` is the fitted index of the anchor model
/// (strengths are then reported relative to it), `None` for the mean gauge.
pub fn run(
    model: Model,
    cells: &Cells,
    full: &Fit,
    rounds: u32,
    seed: u64,
    anchor: Option<usize>,
    threads: usize,
) -> Replicates {
    let m = cells.models;
    let dim = full.x.len();
    let laws = laws(cells);
    let probabilities =
        matches!(model, Model::BradleyTerry { .. }).then(|| bt_probabilities(cells, &full.x));
    let rounds = rounds as usize;
    let mut raw = vec![0.0; rounds * dim];
    let mut ok = vec![false; rounds];
    let threads = threads.clamp(1, rounds.max(1));
    let per_thread = rounds.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        for (chunk_index, (raw_chunk, ok_chunk)) in raw
            .chunks_mut(per_thread * dim)
            .zip(ok.chunks_mut(per_thread))
            .enumerate()
        {
            let laws = &laws;
            let probabilities = probabilities.as_deref();
            scope.spawn(move || {
                let mut sample = cells.clone();
                let mut grad = Vec::with_capacity(dim);
                for (offset, (out, flag)) in raw_chunk
                    .chunks_mut(dim)
                    .zip(ok_chunk.iter_mut())
                    .enumerate()
                {
                    let index = (chunk_index * per_thread + offset) as u64;
                    *flag = replicate(
                        model,
                        full,
                        laws,
                        &mut sample,
                        seed,
                        index,
                        &mut grad,
                        out,
                        probabilities,
                    );
                }
            });
        }
    });
    let mut strengths = Vec::with_capacity(rounds * m);
    let mut log_tie = Vec::new();
    let mut non_converged = 0;
    for (r, flag) in ok.iter().enumerate() {
        if !flag {
            non_converged += 1;
            continue;
        }
        let x = &raw[r * dim..(r + 1) * dim];
        let reference = match anchor {
            Some(a) => x[a],
            None => x[..m].iter().sum::<f64>() / m as f64,
        };
        strengths.extend(x[..m].iter().map(|v| v - reference));
        if dim > m {
            log_tie.push(x[m]);
        }
    }
    Replicates {
        strengths,
        log_tie,
        models: m,
        non_converged,
    }
}
