//! The store's aggregates against brute-force sums over the votes themselves:
//! pair tables for many time ranges and source sets, tokens, per-day series,
//! deduplication and the data version.

use std::collections::BTreeMap;

use arenawatt::rating::PairTable;
use arenawatt::store::{CountFilter, ImportAudit, Outcome, PairCountBatch, Store, Vote};
use rand::{Rng, SeedableRng};

const MODELS: [&str; 6] = [
    "zeta-7b",
    "alpha-70b",
    "mid-13b",
    "beta-8x7b",
    "gamma-1b",
    "delta-405b",
];
const DAY: i64 = 86_400;
const FIRST_DAY: i64 = 20_000;

fn audit(name: &str) -> ImportAudit {
    ImportAudit {
        file_name: name.into(),
        sha256: format!("sha-of-{name}"),
        format: "test".into(),
        rows_rejected: 0,
    }
}

fn random_votes(seed: u64, count: usize, days: std::ops::Range<i64>) -> Vec<Vote> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let a = rng.random_range(0..MODELS.len());
            let mut b = rng.random_range(0..MODELS.len() - 1);
            if b >= a {
                b += 1;
            }
            let outcome =
                [Outcome::A, Outcome::B, Outcome::Tie, Outcome::BothBad][rng.random_range(0..4)];
            let day = rng.random_range(days.clone());
            Vote {
                source: if rng.random_bool(0.7) {
                    "simulated"
                } else {
                    "other"
                }
                .into(),
                source_id: Some(format!("{seed}-{i}")),
                timestamp: (FIRST_DAY + day) * DAY + rng.random_range(0..DAY),
                model_a: MODELS[a].into(),
                model_b: MODELS[b].into(),
                outcome,
                tokens_a: rng.random_bool(0.8).then(|| rng.random_range(1..2000)),
                tokens_b: rng.random_bool(0.8).then(|| rng.random_range(1..2000)),
                categories: Vec::new(),
                language: Some("fr".into()),
                country: None,
                reasons: Default::default(),
            }
        })
        .collect()
}

/// (model, model) → [wins of the first name, wins of the second, ties, both bad], names sorted.
fn brute_force(votes: &[Vote], filter: &CountFilter) -> BTreeMap<(String, String), [u64; 4]> {
    let mut table = BTreeMap::new();
    for v in votes {
        let day = v.timestamp.div_euclid(DAY);
        if !filter.sources.is_empty() && !filter.sources.contains(&v.source) {
            continue;
        }
        if filter.from_day.is_some_and(|f| day < f) || filter.to_day.is_some_and(|t| day > t) {
            continue;
        }
        let a_first = v.model_a < v.model_b;
        let key = if a_first {
            (v.model_a.clone(), v.model_b.clone())
        } else {
            (v.model_b.clone(), v.model_a.clone())
        };
        let counts: &mut [u64; 4] = table.entry(key).or_default();
        match (v.outcome, a_first) {
            (Outcome::A, true) | (Outcome::B, false) => counts[0] += 1,
            (Outcome::A, false) | (Outcome::B, true) => counts[1] += 1,
            (Outcome::Tie, _) => counts[2] += 1,
            (Outcome::BothBad, _) => counts[3] += 1,
        }
    }
    table
}

fn as_map(table: &PairTable) -> BTreeMap<(String, String), [u64; 4]> {
    let mut sorted = table.models.clone();
    sorted.sort();
    assert_eq!(sorted, table.models, "models must be sorted by name");
    table
        .pairs
        .iter()
        .map(|p| {
            assert!(p.lo < p.hi, "pair {p:?} not ordered");
            (
                (table.models[p.lo].clone(), table.models[p.hi].clone()),
                [p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad],
            )
        })
        .collect()
}

fn filters() -> Vec<CountFilter> {
    let mut filters = Vec::new();
    for sources in [
        vec![],
        vec!["simulated".to_string()],
        vec!["other".into(), "simulated".into()],
        vec!["absent".into()],
    ] {
        for (from, to) in [
            (None, None),
            (Some(3), Some(3)),
            (Some(0), Some(10)),
            (Some(5), None),
            (None, Some(12)),
            (Some(-5), Some(100)),
            (Some(12), Some(4)),
            (Some(7), Some(8)),
        ] {
            filters.push(CountFilter {
                sources: sources.clone(),
                from_day: from.map(|d| FIRST_DAY + d),
                to_day: to.map(|d| FIRST_DAY + d),
                ..CountFilter::default()
            });
        }
    }
    filters
}

#[test]
fn pair_tables_match_brute_force_for_every_range_and_source_set() {
    let mut store = Store::open_in_memory().unwrap();
    // Three imports; the second and third go back in time, so the cumulative
    // rows must be rebuilt from the middle.
    let batches = [
        random_votes(1, 3000, 10..20),
        random_votes(2, 2000, 0..15),
        random_votes(3, 500, 5..6),
    ];
    let mut all = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        let summary = store
            .import_votes(batch, &audit(&format!("batch{i}")))
            .unwrap();
        assert_eq!(summary.votes_inserted, batch.len() as u64);
        assert_eq!(summary.data_version, i as u64 + 1);
        all.extend(batch.iter().cloned());
        for filter in filters() {
            let table = store.pair_table(&filter).unwrap();
            assert_eq!(
                as_map(&table),
                brute_force(&all, &filter),
                "after batch {i}, filter {filter:?}"
            );
        }
    }
    let stats = store.stats().unwrap();
    assert_eq!(stats.votes, all.len() as u64);
    assert_eq!(stats.vote_rows, all.len() as u64);
    assert_eq!(
        stats.sources,
        vec!["other".to_string(), "simulated".to_string()]
    );
    assert_eq!(stats.first_day, Some(FIRST_DAY));
    assert_eq!(stats.last_day, Some(FIRST_DAY + 19));
    assert_eq!(store.imports().unwrap().len(), 3);
}

#[test]
fn tokens_and_daily_counts_match_brute_force() {
    let mut store = Store::open_in_memory().unwrap();
    let votes = random_votes(7, 4000, 0..30);
    store.import_votes(&votes, &audit("v")).unwrap();
    let filter = CountFilter {
        sources: vec!["simulated".into()],
        from_day: Some(FIRST_DAY + 4),
        to_day: Some(FIRST_DAY + 21),
        ..CountFilter::default()
    };
    let in_filter: Vec<&Vote> = votes
        .iter()
        .filter(|v| v.source == "simulated")
        .filter(|v| (FIRST_DAY + 4..=FIRST_DAY + 21).contains(&v.timestamp.div_euclid(DAY)))
        .collect();
    let mut expected: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for v in &in_filter {
        for (model, tokens) in [(&v.model_a, v.tokens_a), (&v.model_b, v.tokens_b)] {
            let e = expected.entry(model.clone()).or_default();
            match tokens {
                Some(t) => {
                    e[0] += 1;
                    e[1] += t;
                }
                None => e[2] += 1,
            }
        }
    }
    let got: BTreeMap<String, [u64; 3]> = store
        .model_tokens(&filter)
        .unwrap()
        .into_iter()
        .map(|m| {
            (
                m.model,
                [m.sides_with_tokens, m.output_tokens, m.sides_without_tokens],
            )
        })
        .collect();
    assert_eq!(got, expected);

    // Daily series: summing the days gives the range's pair table.
    let daily = store.daily_counts(&filter).unwrap();
    let days: Vec<i64> = daily.pairs.iter().map(|(d, _)| *d).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "days must be sorted");
    assert!(days
        .iter()
        .all(|d| (FIRST_DAY + 4..=FIRST_DAY + 21).contains(d)));
    let mut summed: BTreeMap<(String, String), [u64; 4]> = BTreeMap::new();
    for (_, p) in &daily.pairs {
        let e = summed
            .entry((daily.models[p.lo].clone(), daily.models[p.hi].clone()))
            .or_default();
        for (t, v) in e
            .iter_mut()
            .zip([p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad])
        {
            *t += v;
        }
    }
    assert_eq!(summed, brute_force(&votes, &filter));
    // Every source: days where both sources have data are summed, once per pair.
    let all = CountFilter::default();
    let daily_all = store.daily_counts(&all).unwrap();
    let keys: Vec<(i64, usize, usize)> = daily_all
        .pairs
        .iter()
        .map(|(d, p)| (*d, p.lo, p.hi))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "(day, lo, hi) must be sorted and unique"
    );
    let mut summed_all: BTreeMap<(String, String), [u64; 4]> = BTreeMap::new();
    for (_, p) in &daily_all.pairs {
        assert!(p.lo < p.hi);
        let e = summed_all
            .entry((
                daily_all.models[p.lo].clone(),
                daily_all.models[p.hi].clone(),
            ))
            .or_default();
        for (t, v) in e
            .iter_mut()
            .zip([p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad])
        {
            *t += v;
        }
    }
    assert_eq!(summed_all, brute_force(&votes, &all));
    let token_total: u64 = daily.tokens.iter().map(|(_, _, t)| t.output_tokens).sum();
    assert_eq!(token_total, expected.values().map(|e| e[1]).sum::<u64>());
    for (_, index, tokens) in &daily.tokens {
        assert_eq!(daily.models[*index], tokens.model);
    }
}

#[test]
fn reimporting_the_same_votes_changes_nothing() {
    let mut store = Store::open_in_memory().unwrap();
    let votes = random_votes(11, 500, 0..5);
    let first = store.import_votes(&votes, &audit("a")).unwrap();
    let table = store.pair_table(&CountFilter::default()).unwrap();
    let again = store.import_votes(&votes, &audit("a-again")).unwrap();
    assert_eq!(again.votes_inserted, 0);
    assert_eq!(again.votes_duplicate, 500);
    assert_eq!(again.data_version, first.data_version);
    assert_eq!(store.data_version().unwrap(), first.data_version);
    assert_eq!(store.pair_table(&CountFilter::default()).unwrap(), table);
    assert_eq!(
        store.imports().unwrap().len(),
        1,
        "a no-op import leaves no audit row"
    );
    // Half old, half new: only the new half counts.
    let mut mixed = votes[..250].to_vec();
    mixed.extend(random_votes(12, 100, 0..5));
    let summary = store.import_votes(&mixed, &audit("mixed")).unwrap();
    assert_eq!(
        (summary.votes_inserted, summary.votes_duplicate),
        (100, 250)
    );
    assert_eq!(store.stats().unwrap().votes, 600);
}

#[test]
fn votes_without_ids_count_each_repeat_once() {
    let mut store = Store::open_in_memory().unwrap();
    let mut vote = random_votes(5, 1, 0..1).remove(0);
    vote.source_id = None;
    let other = Vote {
        outcome: Outcome::Tie,
        ..vote.clone()
    };
    let file = vec![vote.clone(), vote.clone(), other.clone()];
    assert_eq!(
        store
            .import_votes(&file, &audit("f"))
            .unwrap()
            .votes_inserted,
        3
    );
    assert_eq!(
        store
            .import_votes(&file, &audit("f"))
            .unwrap()
            .votes_inserted,
        0
    );
    // A file holding the vote three times adds exactly one more.
    let more = vec![vote.clone(), vote.clone(), vote];
    let summary = store.import_votes(&more, &audit("g")).unwrap();
    assert_eq!((summary.votes_inserted, summary.votes_duplicate), (1, 2));
    assert_eq!(store.stats().unwrap().vote_rows, 4);
}

#[test]
fn explicit_ids_repeated_in_one_file_are_duplicates() {
    let mut store = Store::open_in_memory().unwrap();
    let vote = random_votes(6, 1, 0..1).remove(0);
    let summary = store
        .import_votes(&[vote.clone(), vote.clone()], &audit("dup"))
        .unwrap();
    assert_eq!((summary.votes_inserted, summary.votes_duplicate), (1, 1));
    let found = store
        .find_vote(&vote.source, vote.source_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(found, Some(vote));
    assert_eq!(store.find_vote("simulated", "no-such-id").unwrap(), None);
}

#[test]
fn a_vote_against_itself_is_refused_and_nothing_is_written() {
    let mut store = Store::open_in_memory().unwrap();
    let mut votes = random_votes(8, 10, 0..2);
    votes[7].model_b = votes[7].model_a.clone();
    let error = store.import_votes(&votes, &audit("bad")).unwrap_err();
    assert!(error.to_string().contains("same model"), "{error}");
    assert_eq!(store.stats().unwrap().votes, 0);
    assert_eq!(store.data_version().unwrap(), 0);
}

#[test]
fn pair_counts_are_added_once_per_file_and_day() {
    let mut store = Store::open_in_memory().unwrap();
    let table = PairTable {
        models: vec!["b-model".into(), "a-model".into(), "c-model".into()],
        pairs: vec![
            arenawatt::rating::PairCount {
                lo: 0,
                hi: 1,
                wins_lo: 5,
                wins_hi: 3,
                ties: 2,
                ties_both_bad: 1,
            },
            arenawatt::rating::PairCount {
                lo: 1,
                hi: 2,
                wins_lo: 4,
                wins_hi: 0,
                ties: 0,
                ties_both_bad: 0,
            },
        ],
    };
    let batch = PairCountBatch {
        source: "arena".into(),
        day: FIRST_DAY,
        table,
    };
    let first = store
        .import_pair_counts(&batch, &audit("pairs.json"))
        .unwrap();
    assert_eq!(first.votes_inserted, 15);
    let again = store
        .import_pair_counts(&batch, &audit("pairs.json"))
        .unwrap();
    assert_eq!(
        (again.votes_inserted, again.data_version),
        (0, first.data_version)
    );
    let read = store.pair_table(&CountFilter::default()).unwrap();
    assert_eq!(read.models, vec!["a-model", "b-model", "c-model"]);
    // b-model (index 1 now) beat a-model 5 times: from a-model's side, 3 wins, 5 losses.
    assert_eq!(
        as_map(&read)[&("a-model".to_string(), "b-model".to_string())],
        [3, 5, 2, 1]
    );
    assert_eq!(
        as_map(&read)[&("a-model".to_string(), "c-model".to_string())],
        [4, 0, 0, 0]
    );
    // The same counts attributed to another day are new data.
    let next_day = PairCountBatch {
        day: FIRST_DAY + 1,
        ..batch
    };
    assert_eq!(
        store
            .import_pair_counts(&next_day, &audit("pairs.json"))
            .unwrap()
            .votes_inserted,
        15
    );
    let only_first = CountFilter {
        to_day: Some(FIRST_DAY),
        ..CountFilter::default()
    };
    assert_eq!(
        as_map(&store.pair_table(&only_first).unwrap())
            [&("a-model".to_string(), "c-model".to_string())],
        [4, 0, 0, 0]
    );
    assert_eq!(store.stats().unwrap().votes, 30);
}

#[test]
fn catalog_models_round_trip_and_bump_the_data_version() {
    use arenawatt::catalog::{Architecture, CatalogModel, License};
    use arenawatt::energy::ParamCount;
    let mut store = Store::open_in_memory().unwrap();
    let model = CatalogModel {
        id: "my-model".into(),
        display_name: "My Model".into(),
        organization: "Me".into(),
        license: License::Open("MIT".into()),
        architecture: Architecture::Moe,
        total_params: Some(ParamCount::Range {
            min: 40.0,
            max: 50.0,
        }),
        active_params: Some(ParamCount::Exact(7.0)),
        quantization: Some("q8".into()),
        release_date: None,
        tps: None,
        ttft: Some(0.4),
        params_estimated: false,
        aliases: vec!["mine".into()],
        params_source: None,
        comparia_estimate: None,
    };
    store
        .upsert_catalog_models(std::slice::from_ref(&model))
        .unwrap();
    assert_eq!(store.data_version().unwrap(), 1);
    let renamed = CatalogModel {
        display_name: "Renamed".into(),
        ..model
    };
    store
        .upsert_catalog_models(std::slice::from_ref(&renamed))
        .unwrap();
    assert_eq!(store.custom_catalog_models().unwrap(), vec![renamed]);
}
