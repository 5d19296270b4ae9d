//! Property tests of the rating engine: what must hold for any data, not just
//! for the golden files.

use std::collections::HashMap;

use arenawatt::rating::{
    rate, CiMethod, ModelRating, Outcome, PairCount, PairTable, PairTableBuilder, RatingOptions,
    RatingStatus, Ratings, TiePolicy,
};
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

fn by_name(r: &Ratings) -> HashMap<String, ModelRating> {
    r.models
        .iter()
        .map(|m| (m.model.clone(), m.clone()))
        .collect()
}

fn close(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= tol * (1.0 + x.abs()),
        (None, None) => true,
        _ => false,
    }
}

/// Same scores, intervals, ranks, tallies and statuses, model by model.
fn assert_same(a: &Ratings, b: &Ratings) -> Result<(), TestCaseError> {
    let (x, y) = (by_name(a), by_name(b));
    prop_assert_eq!(x.len(), y.len());
    for (name, m) in &x {
        let n = &y[name];
        prop_assert!(
            close(m.bt_score, n.bt_score, 1e-9),
            "{}: {:?} vs {:?}",
            name,
            m.bt_score,
            n.bt_score
        );
        prop_assert!(
            close(m.ci_low, n.ci_low, 1e-7),
            "{}: {:?} vs {:?}",
            name,
            m.ci_low,
            n.ci_low
        );
        prop_assert!(
            close(m.ci_high, n.ci_high, 1e-7),
            "{}: {:?} vs {:?}",
            name,
            m.ci_high,
            n.ci_high
        );
        prop_assert_eq!(&m.status, &n.status);
        prop_assert_eq!(
            (m.votes, m.wins, m.losses, m.ties),
            (n.votes, n.wins, n.losses, n.ties)
        );
        // Models whose scores tie (a symmetric table gives equal strengths up
        // to rounding) may take each other's rank in another order; any other
        // rank must be the same.
        let tied = x.values().any(|o| {
            o.model != m.model && close(o.bt_score, m.bt_score, 1e-7) && o.bt_score.is_some()
        });
        prop_assert!(
            m.rank == n.rank || tied,
            "{}: rank {} vs {} with no tied score",
            name,
            m.rank,
            n.rank
        );
    }
    Ok(())
}

/// A random table: `models` models, each pair present with some probability,
/// counts small enough that never-won / disconnected cases happen too.
fn random_table(models: usize, seed: u64, density: f64, max_count: u64) -> PairTable {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut pairs = Vec::new();
    for lo in 0..models {
        for hi in lo + 1..models {
            if rng.random::<f64>() < density {
                pairs.push(PairCount {
                    lo,
                    hi,
                    wins_lo: rng.random_range(0..=max_count),
                    wins_hi: rng.random_range(0..=max_count),
                    ties: rng.random_range(0..=max_count / 2),
                    ties_both_bad: rng.random_range(0..=max_count / 3),
                });
            }
        }
    }
    PairTable {
        models: (0..models).map(|i| format!("model-{i:02}")).collect(),
        pairs,
    }
}

fn options(ties: TiePolicy) -> RatingOptions {
    RatingOptions {
        ties,
        ci: CiMethod::Sandwich,
        ..Default::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Votes simulated from known strengths give those strengths back, within
    /// a few standard errors (no ties in the simulation: pure BT).
    #[test]
    fn simulated_strengths_are_recovered(
        strengths in prop::collection::vec(-1.5f64..1.5, 3..8),
        seed in any::<u64>(),
    ) {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut builder = PairTableBuilder::new();
        let names: Vec<String> = (0..strengths.len()).map(|i| format!("m{i}")).collect();
        for i in 0..strengths.len() {
            for j in i + 1..strengths.len() {
                let p = 1.0 / (1.0 + (strengths[j] - strengths[i]).exp());
                let mut wins_i = 0;
                for _ in 0..800 {
                    if rng.random::<f64>() < p { wins_i += 1; }
                }
                builder.add_count(&names[i], &names[j], Outcome::A, wins_i).unwrap();
                builder.add_count(&names[i], &names[j], Outcome::B, 800 - wins_i).unwrap();
            }
        }
        let ratings = rate(&builder.build(), &options(TiePolicy::Half)).unwrap();
        prop_assert!(ratings.converged);
        let mean = strengths.iter().sum::<f64>() / strengths.len() as f64;
        let elo_per_nat = 400.0 / std::f64::consts::LN_10;
        for m in &ratings.models {
            let i: usize = m.model[1..].parse().unwrap();
            let truth = 1000.0 + elo_per_nat * (strengths[i] - mean);
            let se = m.std_error.unwrap();
            let error = (m.bt_score.unwrap() - truth).abs();
            prop_assert!(error < 5.0 * se, "{}: estimate {:?}, truth {}, se {}", m.model, m.bt_score, truth, se);
        }
    }

    /// Renumbering the models (same names, other indices) permutes the output.
    #[test]
    fn relabelling_models_permutes_the_output(
        models in 2usize..9,
        seed in any::<u64>(),
        density in 0.3f64..1.0,
        shuffle_seed in any::<u64>(),
        ties in prop_oneof![Just(TiePolicy::Half), Just(TiePolicy::Drop)],
    ) {
        let table = random_table(models, seed, density, 12);
        let mut permutation: Vec<usize> = (0..models).collect();
        let mut rng = SmallRng::seed_from_u64(shuffle_seed);
        for i in (1..models).rev() {
            permutation.swap(i, rng.random_range(0..=i));
        }
        let mut relabelled = PairTable { models: vec![String::new(); models], pairs: Vec::new() };
        for (old, &new) in permutation.iter().enumerate() {
            relabelled.models[new] = table.models[old].clone();
        }
        for p in &table.pairs {
            let (a, b) = (permutation[p.lo], permutation[p.hi]);
            relabelled.pairs.push(if a < b {
                PairCount { lo: a, hi: b, ..*p }
            } else {
                PairCount { lo: b, hi: a, wins_lo: p.wins_hi, wins_hi: p.wins_lo, ..*p }
            });
        }
        match (rate(&table, &options(ties)), rate(&relabelled, &options(ties))) {
            (Ok(a), Ok(b)) => {
                assert_same(&a, &b)?;
                let mut ca = a.components.clone();
                let mut cb = b.components.clone();
                for c in ca.iter_mut().chain(cb.iter_mut()) { c.sort(); }
                prop_assert_eq!(ca, cb);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "one failed: {:?} / {:?}", a.err(), b.err()),
        }
    }

    /// Under `half`, which side of the screen a model was shown on does not
    /// matter: swapping model_a and model_b in every vote changes nothing.
    #[test]
    fn swapping_the_sides_of_every_vote_changes_nothing_under_half(
        votes in prop::collection::vec((0usize..6, 0usize..6, 0u8..4), 1..120),
    ) {
        let outcome = |k: u8| match k { 0 => Outcome::A, 1 => Outcome::B, 2 => Outcome::Tie, _ => Outcome::BothBad };
        let swapped = |k: u8| match k { 0 => Outcome::B, 1 => Outcome::A, 2 => Outcome::Tie, _ => Outcome::BothBad };
        let mut straight = PairTableBuilder::new();
        let mut mirrored = PairTableBuilder::new();
        for &(a, b, k) in votes.iter().filter(|(a, b, _)| a != b) {
            let (na, nb) = (format!("m{a}"), format!("m{b}"));
            straight.add(&na, &nb, outcome(k)).unwrap();
            mirrored.add(&nb, &na, swapped(k)).unwrap();
        }
        let (s, m) = (straight.build(), mirrored.build());
        match (rate(&s, &options(TiePolicy::Half)), rate(&m, &options(TiePolicy::Half))) {
            (Ok(a), Ok(b)) => assert_same(&a, &b)?,
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "one failed: {:?} / {:?}", a.err(), b.err()),
        }
    }

    /// The order of the input (votes, or pairs of a table) does not matter.
    #[test]
    fn a_fit_is_invariant_to_the_order_of_the_input(
        models in 2usize..9,
        seed in any::<u64>(),
        shuffle_seed in any::<u64>(),
    ) {
        let table = random_table(models, seed, 0.8, 20);
        let mut shuffled = table.clone();
        let mut rng = SmallRng::seed_from_u64(shuffle_seed);
        for i in (1..shuffled.pairs.len()).rev() {
            shuffled.pairs.swap(i, rng.random_range(0..=i));
        }
        // Also split one pair's counts over two rows: the engine merges them.
        if let Some(first) = shuffled.pairs.first().copied() {
            shuffled.pairs[0] = PairCount { wins_lo: 0, ties: 0, ..first };
            shuffled.pairs.push(PairCount { wins_hi: 0, ties_both_bad: 0, ..first });
        }
        for ties in [TiePolicy::Half, TiePolicy::Drop] {
            match (rate(&table, &options(ties)), rate(&shuffled, &options(ties))) {
                (Ok(a), Ok(b)) => assert_same(&a, &b)?,
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "one failed: {:?} / {:?}", a.err(), b.err()),
            }
        }
        // Votes in any order build the same table.
        let mut votes = Vec::new();
        for p in &table.pairs {
            let (a, b) = (&table.models[p.lo], &table.models[p.hi]);
            votes.extend(std::iter::repeat_n((a, b, Outcome::A), p.wins_lo as usize));
            votes.extend(std::iter::repeat_n((a, b, Outcome::B), p.wins_hi as usize));
            votes.extend(std::iter::repeat_n((b, a, Outcome::Tie), p.ties as usize));
        }
        let mut forward = PairTableBuilder::new();
        for (a, b, o) in &votes { forward.add(a, b, *o).unwrap(); }
        let mut backward = PairTableBuilder::new();
        for (a, b, o) in votes.iter().rev() { backward.add(a, b, *o).unwrap(); }
        prop_assert_eq!(forward.build(), backward.build());
    }

    /// Whatever the data, every model gets either a finite score with an
    /// interval around it and a sane rank interval, or a status and no score.
    #[test]
    fn every_model_has_a_finite_score_or_a_status(
        models in 2usize..10,
        seed in any::<u64>(),
        density in 0.1f64..1.0,
        ties in prop_oneof![Just(TiePolicy::Half), Just(TiePolicy::Drop), Just(TiePolicy::Davidson)],
    ) {
        let table = random_table(models, seed, density, 6);
        let Ok(r) = rate(&table, &options(ties)) else { return Ok(()) };
        let rated = r.models.iter().filter(|m| m.status == RatingStatus::Ok).count() as u32;
        if rated > 0 {
            let mean = r.models.iter().filter_map(|m| m.bt_score).sum::<f64>() / rated as f64;
            prop_assert!((mean - 1000.0).abs() < 1e-6, "mean {}", mean);
        }
        for m in &r.models {
            match m.status {
                RatingStatus::Ok => {
                    let s = m.bt_score.unwrap();
                    prop_assert!(s.is_finite() && s.abs() < 1e5, "{:?}", m);
                    prop_assert!(m.ci_low.unwrap() <= s && s <= m.ci_high.unwrap(), "{:?}", m);
                    prop_assert!(1 <= m.rank_low && m.rank_low <= m.rank && m.rank <= m.rank_high && m.rank_high <= rated, "{:?}", m);
                }
                _ => {
                    prop_assert!(m.bt_score.is_none() && m.ci_low.is_none(), "{:?}", m);
                    prop_assert_eq!(m.rank, rated + 1);
                }
            }
        }
    }
}

/// On a tiny table many replicates lose all of a model's wins; they are
/// counted, left out, and never turn into NaN or infinite bounds.
#[test]
fn bootstrap_counts_replicates_that_cannot_converge() {
    let mut builder = PairTableBuilder::new();
    builder.add("a", "b", Outcome::A).unwrap();
    builder.add("a", "b", Outcome::B).unwrap();
    builder.add("b", "c", Outcome::A).unwrap();
    builder.add("b", "c", Outcome::B).unwrap();
    let options = RatingOptions {
        ci: CiMethod::Bootstrap,
        rounds: 60,
        seed: 1,
        ..Default::default()
    };
    let r = rate(&builder.build(), &options).unwrap();
    let summary = r.bootstrap.expect("summary");
    assert!(summary.non_converged > 0, "{summary:?}");
    assert_eq!(summary.converged_rounds + summary.non_converged, 60);
    for m in &r.models {
        if let (Some(lo), Some(hi)) = (m.ci_low, m.ci_high) {
            assert!(lo.is_finite() && hi.is_finite() && lo <= hi, "{m:?}");
        }
    }
}
