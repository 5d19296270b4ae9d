//! Tests of the contextual fit on simulated votes with a known style effect,
//! against the plain fit, and on bad input. The real-data reduction to the
//! plain fit (Chatbot Arena pair counts) is in the end-to-end rating tests.

use super::*;
use crate::rating::{rate, CiMethod, ModelRating, PairCount, PairTable, RatingOptions, TiePolicy};

/// A reproducible uniform and normal source (splitmix64 counter).
struct Draws(u64);

impl Draws {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(1);
        (splitmix(self.0) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Simulated votes: `models` models with true strengths spread over [−1, 1]
/// (natural log), each with a typical answer length; each vote draws a
/// pair, both answers' token counts (log-normal around the model's length)
/// and the outcome from `θ_lo − θ_hi + gamma · r`, r the relative length
/// difference. One cell per vote, as the exact input gives them.
struct Simulation {
    truth: Vec<f64>,
    /// Mean relative length difference of each model against the others
    /// (positive for models that write long answers).
    verbosity: Vec<f64>,
    table: StyleTable,
    /// The expected outcome counts (×`EXPECTED_SCALE`) of each pair, summed
    /// over the simulated votes: what a plain fit of infinitely many
    /// replications of these votes would see.
    expected: PairTable,
}

const EXPECTED_SCALE: f64 = 1000.0;

fn simulate(models: usize, votes: usize, gamma: f64, seed: u64) -> Simulation {
    let mut draws = Draws(seed);
    let truth: Vec<f64> = (0..models)
        .map(|i| -1.0 + 2.0 * i as f64 / (models - 1) as f64)
        .collect();
    // Typical lengths from 100 to 800 tokens, in an order unrelated to the
    // strengths (a stride through the models).
    let length: Vec<f64> = (0..models)
        .map(|i| {
            let slot = (i * 7 + 3) % models;
            100.0 * 8f64.powf(slot as f64 / (models - 1) as f64)
        })
        .collect();
    let names: Vec<String> = (0..models).map(|i| format!("model-{i:02}")).collect();
    let mut cells = Vec::with_capacity(votes);
    let mut differences = Vec::with_capacity(votes);
    let mut expected = vec![(0.0, 0.0); models * models];
    let mut verbosity_sum = vec![0.0; models];
    let mut appearances = vec![0.0; models];
    for _ in 0..votes {
        let a = (draws.uniform() * models as f64) as usize % models;
        let mut b = (draws.uniform() * (models - 1) as f64) as usize % (models - 1);
        if b >= a {
            b += 1;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let tokens_lo = (length[lo] * (0.5 * draws.normal()).exp()).round();
        let tokens_hi = (length[hi] * (0.5 * draws.normal()).exp()).round();
        let r = relative_difference(tokens_lo, tokens_hi);
        let p = 1.0 / (1.0 + (-(truth[lo] - truth[hi] + gamma * r)).exp());
        let lo_wins = draws.uniform() < p;
        cells.push(PairCount {
            lo,
            hi,
            wins_lo: u64::from(lo_wins),
            wins_hi: u64::from(!lo_wins),
            ties: 0,
            ties_both_bad: 0,
        });
        differences.push(r);
        let e = &mut expected[lo * models + hi];
        e.0 += p;
        e.1 += 1.0 - p;
        verbosity_sum[lo] += r;
        verbosity_sum[hi] -= r;
        appearances[lo] += 1.0;
        appearances[hi] += 1.0;
    }
    let expected_pairs = (0..models)
        .flat_map(|lo| (lo + 1..models).map(move |hi| (lo, hi)))
        .map(|(lo, hi)| {
            let (wl, wh) = expected[lo * models + hi];
            PairCount {
                lo,
                hi,
                wins_lo: (wl * EXPECTED_SCALE).round() as u64,
                wins_hi: (wh * EXPECTED_SCALE).round() as u64,
                ties: 0,
                ties_both_bad: 0,
            }
        })
        .collect();
    Simulation {
        truth,
        verbosity: verbosity_sum
            .iter()
            .zip(&appearances)
            .map(|(s, n)| s / n)
            .collect(),
        table: StyleTable {
            models: names.clone(),
            features: vec!["output_tokens".into()],
            cells,
            differences,
        },
        expected: PairTable {
            models: names,
            pairs: expected_pairs,
        },
    }
}

/// The same votes without their style: one cell per pair.
fn plain(table: &StyleTable) -> PairTable {
    PairTable {
        models: table.models.clone(),
        pairs: table.cells.clone(),
    }
}

/// Natural-log strengths in the sum-to-zero gauge, in model order.
fn strengths(ratings: &Ratings) -> Vec<f64> {
    let mut out = vec![f64::NAN; ratings.models.len()];
    let mut names: Vec<&str> = ratings.models.iter().map(|m| m.model.as_str()).collect();
    names.sort_unstable();
    for m in &ratings.models {
        let i = names.binary_search(&m.model.as_str()).expect("model");
        out[i] = (m.bt_score.expect("score") - MEAN_SCORE) / ELO_PER_NAT;
    }
    out
}

fn score_of<'a>(ratings: &'a Ratings, model: &str) -> &'a ModelRating {
    ratings
        .models
        .iter()
        .find(|m| m.model == model)
        .expect("model rated")
}

#[test]
fn without_usable_features_the_fit_is_the_plain_fit() {
    let sim = simulate(8, 4000, 0.0, 5);
    // Ties, so that every tie policy has something to do.
    let mut table = sim.table.clone();
    for (i, c) in table.cells.iter_mut().enumerate() {
        if i % 7 == 0 {
            *c = PairCount {
                ties: 1,
                wins_lo: 0,
                wins_hi: 0,
                ..*c
            };
        }
    }
    let no_features = StyleTable {
        features: Vec::new(),
        differences: Vec::new(),
        ..table.clone()
    };
    let missing = StyleTable {
        features: vec!["bold".into()],
        differences: vec![f64::NAN; table.cells.len()],
        ..table.clone()
    };
    let equal = StyleTable {
        features: vec!["headers".into()],
        differences: vec![0.0; table.cells.len()],
        ..table.clone()
    };
    for ties in [TiePolicy::Half, TiePolicy::Drop, TiePolicy::Davidson] {
        for ci in [CiMethod::Sandwich, CiMethod::Fisher] {
            let options = RatingOptions {
                ties,
                ci,
                ..RatingOptions::default()
            };
            let reference = rate(&plain(&table), &options).expect("plain fit");
            for styled in [&no_features, &missing, &equal] {
                let fit = rate_styled(styled, &options).expect("styled fit");
                assert!(fit.coefficients.is_empty());
                assert_eq!(fit.unused.len(), styled.features.len());
                let (a, b) = (strengths(&reference), strengths(&fit.ratings));
                for (x, y) in a.iter().zip(&b) {
                    assert!((x - y).abs() <= 1e-12, "{ties:?} {ci:?}: {x} vs {y}");
                }
                for r in &reference.models {
                    let s = score_of(&fit.ratings, &r.model);
                    let (se_a, se_b) = (r.std_error.expect("se"), s.std_error.expect("se"));
                    assert!(
                        (se_a - se_b).abs() <= 1e-9 * se_a,
                        "{ties:?} {ci:?} {}: se {se_a} vs {se_b}",
                        r.model
                    );
                    assert_eq!(r.rank, s.rank);
                    assert_eq!(r.status, s.status);
                }
                if let (Some(x), Some(y)) = (reference.tie_parameter, fit.ratings.tie_parameter) {
                    assert!((x - y).abs() <= 1e-10 * x, "tie parameter {x} vs {y}");
                } else {
                    assert_eq!(reference.tie_parameter, fit.ratings.tie_parameter);
                }
            }
        }
    }
    assert_eq!(
        rate_styled(&missing, &RatingOptions::default())
            .unwrap()
            .unused[0]
            .reason,
        "no fitted vote has it"
    );
    assert!(rate_styled(&equal, &RatingOptions::default())
        .unwrap()
        .unused[0]
        .reason
        .contains("same value"));
}

#[test]
fn the_controlled_fit_recovers_the_true_strengths_and_the_length_effect() {
    let gamma = 1.2;
    let sim = simulate(16, 120_000, gamma, 11);
    let options = RatingOptions::default();
    let fit = rate_styled(&sim.table, &options).expect("styled fit");
    assert!(fit.ratings.converged);
    assert_eq!(fit.coefficients.len(), 1);
    let beta = &fit.coefficients[0];
    // The simulation's effect per unit of r is gamma; per standard deviation
    // of r (the reported scale) it is gamma·σ.
    let true_beta = gamma * beta.std;
    let (low, high) = (beta.ci_low.expect("ci"), beta.ci_high.expect("ci"));
    assert!(
        low <= true_beta && true_beta <= high,
        "β {} [{low}, {high}] misses the true {true_beta}",
        beta.beta
    );
    assert!((beta.beta_points - ELO_PER_NAT * beta.beta).abs() < 1e-12);
    assert_eq!(beta.votes, 120_000.0);

    let truth_mean = sim.truth.iter().sum::<f64>() / sim.truth.len() as f64;
    let mut covered = 0;
    for (i, t) in sim.truth.iter().enumerate() {
        let m = score_of(&fit.ratings, &format!("model-{i:02}"));
        let true_score = MEAN_SCORE + ELO_PER_NAT * (t - truth_mean);
        if m.ci_low.expect("ci") <= true_score && true_score <= m.ci_high.expect("ci") {
            covered += 1;
        }
    }
    assert!(
        covered * 10 >= 9 * sim.truth.len(),
        "{covered} of {} controlled intervals cover the truth",
        sim.truth.len()
    );

    // The raw fit of the same votes is biased towards the models that write
    // long answers, by what a plain fit of the expected outcomes predicts.
    let raw = rate(&plain(&sim.table), &options).expect("raw fit");
    let predicted = rate(&sim.expected, &options).expect("expected fit");
    let mut inside = 0;
    let mut bias_and_verbosity = Vec::new();
    for (i, t) in sim.truth.iter().enumerate() {
        let name = format!("model-{i:02}");
        let r = score_of(&raw, &name);
        let p = score_of(&predicted, &name).bt_score.expect("score");
        let true_score = MEAN_SCORE + ELO_PER_NAT * (t - truth_mean);
        let predicted_bias = p - true_score;
        let raw_bias = r.bt_score.expect("score") - true_score;
        let half_width = 0.5 * (r.ci_high.expect("ci") - r.ci_low.expect("ci"));
        if (raw_bias - predicted_bias).abs() <= half_width {
            inside += 1;
        }
        bias_and_verbosity.push((predicted_bias, sim.verbosity[i]));
    }
    assert!(
        inside * 10 >= 9 * sim.truth.len(),
        "{inside} of {} raw biases match the prediction",
        sim.truth.len()
    );
    // The predicted bias has the sign of the verbosity and is sizeable for
    // the extreme models (more than 20 points where |mean r| > 0.3).
    for (bias, verbosity) in &bias_and_verbosity {
        if verbosity.abs() > 0.3 {
            assert!(
                bias * verbosity > 0.0,
                "bias {bias} for verbosity {verbosity}"
            );
            assert!(bias.abs() > 20.0, "bias {bias} for verbosity {verbosity}");
        }
    }
    assert!(bias_and_verbosity.iter().any(|(_, v)| v.abs() > 0.3));
}

#[test]
fn fisher_sandwich_and_bootstrap_agree_on_a_well_specified_fit() {
    let sim = simulate(6, 20_000, 0.8, 3);
    let se = |ci: CiMethod| {
        let options = RatingOptions {
            ci,
            rounds: 300,
            ..RatingOptions::default()
        };
        let fit = rate_styled(&sim.table, &options).expect("fit");
        let mut all: Vec<f64> = fit
            .ratings
            .models
            .iter()
            .map(|m| m.std_error.expect("se"))
            .collect();
        all.push(fit.coefficients[0].std_error.expect("β se"));
        (all, fit)
    };
    let (fisher, _) = se(CiMethod::Fisher);
    let (sandwich, _) = se(CiMethod::Sandwich);
    let (bootstrap, fit) = se(CiMethod::Bootstrap);
    let summary = fit.ratings.bootstrap.expect("bootstrap summary");
    assert_eq!(summary.converged_rounds, 300);
    for ((f, s), b) in fisher.iter().zip(&sandwich).zip(&bootstrap) {
        assert!((f - s).abs() <= 0.05 * f, "fisher {f} sandwich {s}");
        assert!((f - b).abs() <= 0.15 * f, "fisher {f} bootstrap {b}");
    }
    // The bootstrap does not depend on the thread count.
    let one_thread = rate_styled(
        &sim.table,
        &RatingOptions {
            ci: CiMethod::Bootstrap,
            rounds: 300,
            threads: 1,
            ..RatingOptions::default()
        },
    )
    .expect("fit");
    assert_eq!(one_thread.ratings, fit.ratings);
    assert_eq!(one_thread.coefficients, fit.coefficients);
}

#[test]
fn renumbering_the_models_does_not_change_the_fit() {
    let sim = simulate(7, 6000, 1.0, 9);
    let fit = rate_styled(&sim.table, &RatingOptions::default()).expect("fit");
    // Reverse the model order: every cell's lo and hi swap, and so does the
    // sign of its relative difference.
    let n = sim.table.models.len();
    let mut reversed = sim.table.clone();
    reversed.models.reverse();
    for (c, r) in reversed
        .cells
        .iter_mut()
        .zip(reversed.differences.iter_mut())
    {
        *c = PairCount {
            lo: n - 1 - c.hi,
            hi: n - 1 - c.lo,
            wins_lo: c.wins_hi,
            wins_hi: c.wins_lo,
            ..*c
        };
        *r = -*r;
    }
    let again = rate_styled(&reversed, &RatingOptions::default()).expect("fit");
    let (a, b) = (&fit.coefficients[0], &again.coefficients[0]);
    assert!((a.beta - b.beta).abs() < 1e-9, "{} vs {}", a.beta, b.beta);
    assert!((a.std - b.std).abs() < 1e-12);
    for m in &fit.ratings.models {
        let other = score_of(&again.ratings, &m.model);
        assert!((m.bt_score.unwrap() - other.bt_score.unwrap()).abs() < 1e-7);
    }
}

#[test]
fn bad_style_input_is_named() {
    let sim = simulate(4, 200, 0.5, 1);
    let short = StyleTable {
        differences: sim.table.differences[1..].to_vec(),
        ..sim.table.clone()
    };
    let err = rate_styled(&short, &RatingOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("199 style differences for 200 cells"),
        "{err}"
    );
    let mut outside = sim.table.clone();
    outside.differences[17] = 1.5;
    let err = rate_styled(&outside, &RatingOptions::default()).unwrap_err();
    assert!(err.to_string().contains("1.5 is outside [-1, 1]"), "{err}");
    let mut infinite = sim.table.clone();
    infinite.differences[3] = f64::INFINITY;
    assert!(rate_styled(&infinite, &RatingOptions::default()).is_err());
    let empty = StyleTable {
        models: vec!["a".into(), "b".into()],
        features: vec!["output_tokens".into()],
        ..StyleTable::default()
    };
    assert!(matches!(
        rate_styled(&empty, &RatingOptions::default()),
        Err(RatingError::Empty)
    ));
}

#[test]
fn binning_keeps_every_vote_rounds_within_half_a_step_and_barely_moves_the_fit() {
    let sim = simulate(16, 120_000, 1.2, 5);
    let step = 1.0 / 64.0;
    let binned = sim.table.binned(step);
    assert!(
        binned.cells.len() < sim.table.cells.len() / 10,
        "{} cells",
        binned.cells.len()
    );
    let total = |t: &StyleTable| -> u64 {
        t.cells
            .iter()
            .map(|c| c.wins_lo + c.wins_hi + c.ties + c.ties_both_bad)
            .sum()
    };
    assert_eq!(total(&binned), total(&sim.table));
    for d in &binned.differences {
        assert!(
            (d / step - (d / step).round()).abs() < 1e-9 && d.abs() <= 1.0,
            "{d}"
        );
    }
    // A table with a NaN difference keeps it.
    let mut with_gap = sim.table.clone();
    with_gap.differences[0] = f64::NAN;
    assert!(with_gap.binned(step).differences.iter().any(|d| d.is_nan()));

    let options = RatingOptions::default();
    let exact = rate_styled(&sim.table, &options).expect("exact fit");
    let rounded = rate_styled(&binned, &options).expect("binned fit");
    for (a, b) in exact.ratings.models.iter().zip(&rounded.ratings.models) {
        let gap = (a.bt_score.unwrap() - b.bt_score.unwrap()).abs();
        assert!(gap < 0.1, "{}: {gap} points", a.model);
    }
    let per_unit = |c: &StyleCoefficient| c.beta / c.std;
    let gap = (per_unit(&exact.coefficients[0]) - per_unit(&rounded.coefficients[0])).abs();
    assert!(gap < 0.005, "β moved by {gap}");
    // Small tables are fitted as they are.
    let small = simulate(4, 1_000, 1.2, 5).table;
    let cells = small.cells.len();
    let (kept, binned) = small.for_fit();
    assert!(!binned && kept.cells.len() == cells);
}
