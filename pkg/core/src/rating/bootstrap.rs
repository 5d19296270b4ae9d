//! The Poisson bootstrap of the cell counts.
//!
//! Each replicate draws every count of every cell (wins of each side, ties)
//! from a Poisson law with the observed count as its mean
//! ([`super::poisson`]). For counts this is the large-sample equivalent of
//! resampling the votes with replacement (a multinomial bootstrap), but the
//! cells stay independent, so a replicate costs one pass over the 3,460-odd
//! cells instead of a pass over 1.7M votes.
//!
//! Groups: replicates are handled [`LANES`] at a time — group g holds
//! replicates `g·LANES … g·LANES + LANES − 1` — with one replicate per lane
//! of SIMD arithmetic, both for the draws ([`LaneRng`],
//! [`CountLaws::sample_lanes`]) and for the Bradley–Terry refit
//! ([`super::lane_chord`]). Threads take whole groups from a shared counter,
//! so a slow thread never holds the others back.
//!
//! Reproducibility: the lanes of group g are seeded from (seed, replicate),
//! and a group's results depend only on its own lanes, so the result for a
//! seed is the same whatever the number of threads, and with or without
//! AVX2 (the two copies of the arithmetic round alike; a CLI test compares
//! them byte for byte).
//!
//! Warm start: every replicate starts from the full-data fit and is refitted
//! with the chord method, reusing the full-data information matrix: a
//! replicate is a small perturbation, so four or five gradient passes reach
//! the tolerance without refactoring. Davidson replicates are refitted one
//! by one with the scalar [`chord`]. A replicate that does not converge that
//! way gets a full Newton fit; one that still fails (e.g. a model lost every
//! resampled vote) is counted and left out.
//!
//! Each worker also gauges its replicates and ranks them, so the summary
//! ([`super::rate`]) only takes order statistics.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::fit::{chord, newton, Fit};
use super::lane_chord::{self, FullFit};
use super::lane_rng::{LaneRng, LANES};
use super::likelihood::{bt_probabilities, Cells, Model};
use super::poisson::{CountLaws, DrawScratch};
use super::ranks::point_ranks;

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
    /// Row-major like `strengths`: each replicate's point ranks (1 = best).
    pub ranks: Vec<u32>,
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

/// The laws of every count of every cell: slots `0..n` are the wins of the
/// lower-indexed model, `n..2n` those of the other, `2n..3n` the ties (which
/// carry no information under `drop` and are then not drawn).
fn laws(model: Model, cells: &Cells) -> CountLaws {
    let with_ties = model != Model::BradleyTerry { half_ties: false };
    let ties = cells.ties.iter().map(|&t| if with_ties { t } else { 0.0 });
    let means: Vec<f64> = cells
        .wins_lo
        .iter()
        .chain(&cells.wins_hi)
        .copied()
        .chain(ties)
        .collect();
    CountLaws::new(&means)
}

/// One replicate's outcome: its fitted parameters (strengths, then ln ν for
/// Davidson), or `None` when it did not converge.
type Outcome = Option<Vec<f64>>;

/// Everything a worker thread reuses from group to group.
struct Worker<'a> {
    model: Model,
    cells: &'a Cells,
    full: &'a Fit,
    laws: &'a CountLaws,
    /// The shared full-fit data of the lane refit (BT only).
    lane_fit: Option<FullFit<'a>>,
    /// The group's draws, laid out as the slots of [`laws`].
    counts: Vec<[f64; LANES]>,
    draw_scratch: DrawScratch,
    wins: Vec<[f64; LANES]>,
    totals: Vec<[f64; LANES]>,
    x: Vec<[f64; LANES]>,
    scratch: lane_chord::Scratch,
    /// One replicate's cells, for the scalar refits.
    sample: Cells,
    grad: Vec<f64>,
}

impl<'a> Worker<'a> {
    fn new(
        model: Model,
        cells: &'a Cells,
        full: &'a Fit,
        laws: &'a CountLaws,
        lane_fit: Option<FullFit<'a>>,
    ) -> Self {
        let n = cells.len();
        let zeros = || vec![[0.0; LANES]; n];
        Self {
            model,
            cells,
            full,
            laws,
            lane_fit,
            counts: vec![[0.0; LANES]; laws.len()],
            draw_scratch: DrawScratch::default(),
            wins: zeros(),
            totals: zeros(),
            x: vec![[0.0; LANES]; cells.models],
            scratch: lane_chord::Scratch::new(cells.models),
            sample: cells.clone(),
            grad: Vec::new(),
        }
    }

    /// Copies lane `l`'s counts into `self.sample`.
    fn lane_sample(&mut self, l: usize) {
        let n = self.cells.len();
        for k in 0..n {
            self.sample.wins_lo[k] = self.counts[k][l];
            self.sample.wins_hi[k] = self.counts[n + k][l];
            self.sample.ties[k] = self.counts[2 * n + k][l];
        }
    }

    /// Full Newton fit of `self.sample`, the last resort of a replicate.
    fn newton_fallback(&self) -> Outcome {
        match newton(
            self.model,
            &self.sample,
            self.full.x.clone(),
            BOOTSTRAP_TOLERANCE,
            100,
        ) {
            Some(fit) if fit.converged && fit.x.iter().all(|v| v.is_finite()) => Some(fit.x),
            _ => None,
        }
    }

    /// Draws and refits the replicates of group `group`.
    fn group(&mut self, seed: u64, group: usize) -> [Outcome; LANES] {
        let seeds = std::array::from_fn(|l| mix(seed, (group * LANES + l) as u64));
        let mut rng = LaneRng::new(seeds);
        self.laws
            .sample_lanes(&mut rng, &mut self.counts, &mut self.draw_scratch);
        let mut outcomes: [Outcome; LANES] = Default::default();
        match (self.model, &self.lane_fit) {
            (Model::BradleyTerry { half_ties }, Some(lane_fit)) => {
                let tie_share = if half_ties { 0.5 } else { 0.0 };
                let tie_total = if half_ties { 1.0 } else { 0.0 };
                let n = self.cells.len();
                for k in 0..n {
                    let (a, b, t) = (self.counts[k], self.counts[n + k], self.counts[2 * n + k]);
                    for l in 0..LANES {
                        self.wins[k][l] = a[l] + tie_share * t[l];
                        self.totals[k][l] = a[l] + b[l] + tie_total * t[l];
                    }
                }
                let converged = lane_chord::refit(
                    lane_fit,
                    &self.wins,
                    &self.totals,
                    BOOTSTRAP_TOLERANCE,
                    CHORD_ITERATIONS,
                    &mut self.scratch,
                    &mut self.x,
                );
                for (l, outcome) in outcomes.iter_mut().enumerate() {
                    *outcome = if converged[l] {
                        Some(self.x.iter().map(|v| v[l]).collect())
                    } else {
                        self.lane_sample(l);
                        self.newton_fallback()
                    };
                }
            }
            _ => {
                for (l, outcome) in outcomes.iter_mut().enumerate() {
                    self.lane_sample(l);
                    let mut x = self.full.x.clone();
                    let refitted = chord(
                        self.model,
                        &self.sample,
                        &self.full.factor,
                        &mut x,
                        BOOTSTRAP_TOLERANCE,
                        CHORD_ITERATIONS,
                        &mut self.grad,
                    );
                    *outcome = match refitted {
                        Some(_) => Some(x),
                        None => self.newton_fallback(),
                    };
                }
            }
        }
        outcomes
    }
}

/// A successful replicate, gauged and ranked.
struct Gauged {
    strengths: Vec<f64>,
    ranks: Vec<u32>,
    log_tie: Option<f64>,
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
    let rounds = rounds as usize;
    let laws = laws(model, cells);
    let bradley_terry = matches!(model, Model::BradleyTerry { .. });
    let probabilities = if bradley_terry {
        bt_probabilities(cells, &full.x)
    } else {
        Vec::new()
    };
    let inverse = if bradley_terry {
        full.factor.inverse()
    } else {
        Vec::new()
    };
    let groups = rounds.div_ceil(LANES);
    let next_group = AtomicUsize::new(0);
    let threads = threads.clamp(1, groups.max(1));
    let gauge = |x: Vec<f64>| {
        let reference = match anchor {
            Some(a) => x[a],
            None => x[..m].iter().sum::<f64>() / m as f64,
        };
        let strengths: Vec<f64> = x[..m].iter().map(|v| v - reference).collect();
        Gauged {
            ranks: point_ranks(&strengths),
            strengths,
            log_tie: x.get(m).copied(),
        }
    };
    let work = || {
        let lane_fit = bradley_terry.then(|| FullFit {
            lo: &cells.lo,
            hi: &cells.hi,
            x: &full.x,
            probabilities: &probabilities,
            inverse: &inverse,
        });
        let mut worker = Worker::new(model, cells, full, &laws, lane_fit);
        let mut done: Vec<(usize, Option<Gauged>)> = Vec::new();
        loop {
            let group = next_group.fetch_add(1, Ordering::Relaxed);
            if group >= groups {
                return done;
            }
            for (l, outcome) in worker.group(seed, group).into_iter().enumerate() {
                let round = group * LANES + l;
                if round < rounds {
                    done.push((round, outcome.map(gauge)));
                }
            }
        }
    };
    let mut results: Vec<(usize, Option<Gauged>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    results.sort_by_key(|(round, _)| *round);
    let mut replicates = Replicates {
        strengths: Vec::with_capacity(rounds * m),
        ranks: Vec::with_capacity(rounds * m),
        log_tie: Vec::new(),
        models: m,
        non_converged: 0,
    };
    for (_, outcome) in results {
        match outcome {
            Some(g) => {
                replicates.strengths.extend_from_slice(&g.strengths);
                replicates.ranks.extend_from_slice(&g.ranks);
                replicates.log_tie.extend(g.log_tie);
            }
            None => replicates.non_converged += 1,
        }
    }
    replicates
}
