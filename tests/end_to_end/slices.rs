//! Slices (categories, languages, countries) end to end: the store's slice
//! aggregates against counts computed here from the raw votes, the overall
//! counts untouched by labels, the fit recovering per-category strengths,
//! compar:IA's real sample files, bad input, and the CLI.

use std::collections::{BTreeMap, HashMap};

use arenawatt::query::{parse_query, Engine, QueryResult};
use arenawatt::rating::PairTable;
use arenawatt::sim::simulate::{self, SimulationOptions, Strength};
use arenawatt::sim::slices::SliceSimulation;
use arenawatt::store::{CountFilter, ImportAudit, Outcome, SliceFilter, Store, Vote};
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::support::{cli::*, data::*, store::*};

const MODELS: [&str; 5] = ["m-alpha", "m-beta", "m-gamma", "m-delta", "m-eps"];
const CATEGORIES: [&str; 4] = ["Code", "Math", "Politics & Government", "Arts"];
const LANGUAGES: [&str; 3] = ["fr", "en", "it"];
const COUNTRIES: [&str; 3] = ["fr", "be", "dk"];
const FIRST_DAY: i64 = 20_100;

fn audit(name: &str) -> ImportAudit {
    ImportAudit {
        file_name: name.into(),
        sha256: format!("sha-{name}"),
        format: "test".into(),
        rows_rejected: 0,
    }
}

/// Votes over 100 days with 0–3 categories, maybe a language, maybe a country.
fn labelled_votes(seed: u64, n: usize) -> Vec<Vote> {
    labelled_votes_from(seed, n, FIRST_DAY)
}

/// As [`labelled_votes`], over the 100 days from `first_day`.
fn labelled_votes_from(seed: u64, n: usize, first_day: i64) -> Vec<Vote> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let a = rng.random_range(0..MODELS.len());
            let b = (a + rng.random_range(1..MODELS.len())) % MODELS.len();
            let mut categories: Vec<String> = Vec::new();
            for _ in 0..rng.random_range(0..4) {
                let c = CATEGORIES[rng.random_range(0..CATEGORIES.len())].to_string();
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
            Vote {
                source: if i % 5 == 0 { "other" } else { "arena" }.into(),
                source_id: Some(format!("{seed}-{i}")),
                timestamp: (first_day + rng.random_range(0..100)) * 86_400
                    + rng.random_range(0..86_400),
                model_a: MODELS[a].into(),
                model_b: MODELS[b].into(),
                outcome: [Outcome::A, Outcome::B, Outcome::Tie, Outcome::BothBad]
                    [rng.random_range(0..4)],
                tokens_a: rng.random_bool(0.7).then(|| rng.random_range(1..900)),
                tokens_b: rng.random_bool(0.7).then(|| rng.random_range(1..900)),
                categories,
                language: rng
                    .random_bool(0.8)
                    .then(|| LANGUAGES[rng.random_range(0..3)].to_string()),
                country: rng
                    .random_bool(0.7)
                    .then(|| COUNTRIES[rng.random_range(0..3)].to_string()),
                reasons: Default::default(),
            }
        })
        .collect()
}

/// Counts per unordered pair name, from a table: (lo name, hi name) → counts
/// with the lower name first.
fn table_counts(table: &PairTable) -> BTreeMap<(String, String), [u64; 4]> {
    table
        .pairs
        .iter()
        .map(|p| {
            let (a, b) = (&table.models[p.lo], &table.models[p.hi]);
            let counts = [p.wins_lo, p.wins_hi, p.ties, p.ties_both_bad];
            if a < b {
                ((a.clone(), b.clone()), counts)
            } else {
                (
                    (b.clone(), a.clone()),
                    [counts[1], counts[0], counts[2], counts[3]],
                )
            }
        })
        .collect()
}

/// The same, computed from raw votes that pass `admit`.
fn raw_counts(
    votes: &[Vote],
    admit: impl Fn(&Vote) -> bool,
) -> BTreeMap<(String, String), [u64; 4]> {
    let mut out: BTreeMap<(String, String), [u64; 4]> = BTreeMap::new();
    for v in votes.iter().filter(|v| admit(v)) {
        let a_first = v.model_a < v.model_b;
        let key = if a_first {
            (v.model_a.clone(), v.model_b.clone())
        } else {
            (v.model_b.clone(), v.model_a.clone())
        };
        let slot = match (v.outcome, a_first) {
            (Outcome::A, true) | (Outcome::B, false) => 0,
            (Outcome::A, false) | (Outcome::B, true) => 1,
            (Outcome::Tie, _) => 2,
            (Outcome::BothBad, _) => 3,
        };
        out.entry(key).or_default()[slot] += 1;
    }
    out
}

fn in_days(v: &Vote, from: Option<i64>, to: Option<i64>) -> bool {
    let day = v.timestamp.div_euclid(86_400);
    from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
}

fn filter(
    sources: &[&str],
    from: Option<i64>,
    to: Option<i64>,
    slices: SliceFilter,
) -> CountFilter {
    CountFilter {
        sources: sources.iter().map(|s| s.to_string()).collect(),
        from_day: from,
        to_day: to,
        slices,
    }
}

fn only(dimension: &str, values: &[&str]) -> SliceFilter {
    let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    let mut slices = SliceFilter::default();
    match dimension {
        "categories" => slices.categories = values,
        "languages" => slices.languages = values,
        _ => slices.countries = values,
    }
    slices
}

/// Every slice read (one dimension, unions, intersections across dimensions,
/// sources, day ranges across checkpoint blocks) equals the raw count, after
/// three imports that touch old and new days, a re-import of duplicates and
/// an import that is partly duplicates.
#[test]
fn slice_counts_equal_the_raw_votes_for_every_range_and_filter() {
    let mut store = Store::open_in_memory().unwrap();
    let mut all = Vec::new();
    for (seed, n) in [(1, 3000), (2, 2000), (3, 1500)] {
        let votes = labelled_votes(seed, n);
        store
            .import_votes(&votes, &audit(&format!("part-{seed}")))
            .unwrap();
        all.extend(votes);
    }
    // Re-importing votes already stored changes nothing.
    let again = labelled_votes(2, 2000);
    assert_eq!(
        store
            .import_votes(&again, &audit("again"))
            .unwrap()
            .votes_inserted,
        0
    );
    // An import of which part is already stored adds only its new votes to
    // the slices.
    let mut mixed = labelled_votes(3, 1500)[..700].to_vec();
    let new_votes = labelled_votes(4, 900);
    mixed.extend(new_votes.iter().cloned());
    assert_eq!(
        store
            .import_votes(&mixed, &audit("mixed"))
            .unwrap()
            .votes_inserted,
        900
    );
    all.extend(new_votes);
    // An import of later days only: its checkpoints are the stored ones
    // plus its own totals, without reading the stored days back.
    let later = labelled_votes_from(5, 1200, FIRST_DAY + 150);
    store.import_votes(&later, &audit("later")).unwrap();
    all.extend(later);

    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let ranges: Vec<(Option<i64>, Option<i64>)> = (0..20)
        .map(|_| {
            let a = FIRST_DAY + rng.random_range(-5..255);
            let b = a + rng.random_range(0..140);
            (
                rng.random_bool(0.8).then_some(a),
                rng.random_bool(0.8).then_some(b),
            )
        })
        .chain([(None, None), (Some(FIRST_DAY + 31), Some(FIRST_DAY + 32))])
        .collect();
    let cases: Vec<(SliceFilter, Box<dyn Fn(&Vote) -> bool>)> = vec![
        (
            only("categories", &["Code"]),
            Box::new(|v: &Vote| v.categories.iter().any(|c| c == "Code")),
        ),
        (
            only("categories", &["Math", "Arts"]),
            Box::new(|v: &Vote| v.categories.iter().any(|c| c == "Math" || c == "Arts")),
        ),
        (
            only("languages", &["fr"]),
            Box::new(|v: &Vote| v.language.as_deref() == Some("fr")),
        ),
        (
            only("countries", &["be", "dk"]),
            Box::new(|v: &Vote| matches!(v.country.as_deref(), Some("be" | "dk"))),
        ),
        (
            SliceFilter {
                categories: vec!["Code".into()],
                countries: vec!["fr".into()],
                ..SliceFilter::default()
            },
            Box::new(|v: &Vote| {
                v.categories.iter().any(|c| c == "Code") && v.country.as_deref() == Some("fr")
            }),
        ),
        (
            only("categories", &["Nonexistent"]),
            Box::new(|_: &Vote| false),
        ),
    ];
    for (slices, admit) in &cases {
        for sources in [&[][..], &["arena"][..]] {
            for &(from, to) in &ranges {
                let read = store
                    .pair_table(&filter(sources, from, to, slices.clone()))
                    .unwrap();
                let expected = raw_counts(&all, |v| {
                    admit(v)
                        && in_days(v, from, to)
                        && (sources.is_empty() || v.source == sources[0])
                });
                assert_eq!(
                    table_counts(&read),
                    expected,
                    "{slices:?} {sources:?} {from:?}..{to:?}"
                );
            }
        }
        // Tokens and per-day series of the slice, against the raw votes.
        let tokens = store
            .model_tokens(&filter(&[], None, None, slices.clone()))
            .unwrap();
        for t in &tokens {
            let (mut with, mut sum, mut without) = (0, 0, 0);
            for v in all.iter().filter(|v| admit(v)) {
                for (model, side) in [(&v.model_a, v.tokens_a), (&v.model_b, v.tokens_b)] {
                    if *model == t.model {
                        match side {
                            Some(n) => {
                                with += 1;
                                sum += n;
                            }
                            None => without += 1,
                        }
                    }
                }
            }
            assert_eq!(
                (t.sides_with_tokens, t.output_tokens, t.sides_without_tokens),
                (with, sum, without),
                "{slices:?} {}",
                t.model
            );
        }
        let daily = store
            .daily_counts(&filter(&[], None, None, slices.clone()))
            .unwrap();
        let per_day: u64 = daily
            .pairs
            .iter()
            .map(|(_, p)| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum();
        assert_eq!(
            per_day,
            all.iter().filter(|v| admit(v)).count() as u64,
            "{slices:?}"
        );
    }
}

/// A conversation with k categories adds one match to each of its k
/// category slices and one to the overall counts; a union of categories
/// counts it once.
#[test]
fn a_multi_label_vote_counts_once_in_each_of_its_categories() {
    let dir = scratch("multi-label");
    let csv = dir.join("votes.csv");
    let mut text = String::from("id,model_a,model_b,winner,timestamp,category,language,country\n");
    let rows = [
        (
            "a",
            "m-alpha",
            "m-beta",
            "model_a",
            "Code|Math|Arts|Politics & Government",
            "fr",
            "fr",
        ),
        ("b", "m-alpha", "m-beta", "model_b", "Code", "en", ""),
        ("c", "m-beta", "m-gamma", "tie", " Math | Code ", "", "be"),
        ("d", "m-gamma", "m-alpha", "model_a", "", "fr", "fr"),
    ];
    for (id, a, b, winner, categories, language, country) in rows {
        text.push_str(&format!(
            "{id},{a},{b},{winner},2026-01-0{}T10:00:00Z,{categories},{language},{country}\n",
            1 + id.as_bytes()[0] - b'a'
        ));
    }
    std::fs::write(&csv, &text).unwrap();
    let db = dir.join("s.db");
    arenawatt_on(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    let store = Store::open_read_only(&db).unwrap();
    let matches = |slices: SliceFilter| -> u64 {
        let table = store.pair_table(&filter(&[], None, None, slices)).unwrap();
        table
            .pairs
            .iter()
            .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum()
    };
    // Counted from the rows above, independently of the store.
    let (_, parsed) = read_csv(&text);
    let with = |category: &str| {
        parsed
            .iter()
            .filter(|r| r["category"].split('|').any(|c| c.trim() == category))
            .count() as u64
    };
    for category in ["Code", "Math", "Arts", "Politics & Government"] {
        assert_eq!(
            matches(only("categories", &[category])),
            with(category),
            "{category}"
        );
    }
    assert_eq!(with("Code"), 3);
    assert_eq!(matches(SliceFilter::default()), parsed.len() as u64);
    assert_eq!(
        matches(only("categories", &["Code", "Math"])),
        3,
        "a union counts each vote once"
    );
    assert_eq!(matches(only("countries", &["fr"])), 2);
    assert_eq!(matches(only("languages", &["fr", "en"])), 3);
    let vote = store.find_vote("csv", "c").unwrap().unwrap();
    assert_eq!(vote.categories, ["Code", "Math"]);
    assert_eq!((vote.language, vote.country.as_deref()), (None, Some("be")));
}

/// Chatbot Arena battles: `language`, and the categories of the arena's own
/// tags (`category_tag`, `is_code`) as documented in docs/store.md.
#[test]
fn arena_battles_keep_their_language_and_their_category_tags() {
    let dir = scratch("arena-tags");
    let criteria = |met: usize| {
        let names = [
            "specificity",
            "domain_knowledge",
            "complexity",
            "problem_solving",
            "creativity",
            "technical_accuracy",
            "real_world",
        ];
        serde_json::Value::Object(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.to_string(), serde_json::Value::Bool(i < met)))
                .collect(),
        )
    };
    let battles = json!([
        {"question_id": "q1", "model_a": "m-alpha", "model_b": "m-beta", "winner": "model_a",
         "tstamp": 1767261600, "language": "English",
         "category_tag": {"criteria_v0.1": criteria(6), "if_v0.1": {"if": true, "score": 4},
                          "math_v0.1": {"math": false}, "creative_writing_v0.1": {"creative_writing": false, "score": "no"}},
         "is_code": true},
        {"question_id": "q2", "model_a": "m-alpha", "model_b": "m-beta", "winner": "tie",
         "tstamp": 1767348000, "language": "German",
         "category_tag": {"criteria_v0.1": criteria(5), "math_v0.1": {"math": true}}, "is_code": false},
        {"question_id": "q3", "model_a": "m-beta", "model_b": "m-alpha", "winner": "model_b",
         "tstamp": 1767434400, "language": "English"}
    ]);
    let file = dir.join("battles.json");
    std::fs::write(&file, battles.to_string()).unwrap();
    let db = dir.join("s.db");
    arenawatt_on(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            file.to_str().unwrap(),
        ],
        true,
    );
    let store = Store::open_read_only(&db).unwrap();
    let categories = |id: &str| {
        store
            .find_vote("chatbot-arena", id)
            .unwrap()
            .unwrap()
            .categories
    };
    // A vote's categories are a set: the store keeps them sorted.
    assert_eq!(
        categories("q1"),
        ["coding", "hard_prompts", "instruction_following"]
    );
    assert_eq!(categories("q2"), ["math"]);
    assert!(categories("q3").is_empty());
    let vote = store.find_vote("chatbot-arena", "q2").unwrap().unwrap();
    assert_eq!(vote.language.as_deref(), Some("German"));
    let votes_in = |slices: SliceFilter| -> u64 {
        let table = store.pair_table(&filter(&[], None, None, slices)).unwrap();
        table
            .pairs
            .iter()
            .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum()
    };
    assert_eq!(votes_in(only("languages", &["English"])), 2);
    assert_eq!(votes_in(only("categories", &["coding", "math"])), 2);

    // A tag that is not an object of flags is named, and nothing is stored.
    let bad = json!([{"question_id": "q9", "model_a": "m-alpha", "model_b": "m-beta", "winner": "model_a",
                      "tstamp": 1767434400, "category_tag": {"math_v0.1": {"math": "yes"}}}]);
    let bad_file = dir.join("bad.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let run = arenawatt_on(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            bad_file.to_str().unwrap(),
        ],
        false,
    );
    assert!(
        run.stderr.contains("category_tag") && run.stderr.contains("\"math\" of tag \"math_v0.1\""),
        "{}",
        run.stderr
    );
    let store = Store::open_read_only(&db).unwrap();
    assert!(store.find_vote("chatbot-arena", "q9").unwrap().is_none());
}

/// Labels never change the overall counts or scores: the same votes with and
/// without categories, languages and countries give byte-identical overall
/// results.
#[test]
fn overall_results_are_byte_identical_with_and_without_labels() {
    let dir = scratch("independence");
    let labelled = labelled_votes(5, 4000);
    let bare: Vec<Vote> = labelled
        .iter()
        .cloned()
        .map(|v| Vote {
            categories: Vec::new(),
            language: None,
            country: None,
            ..v
        })
        .collect();
    let mut outputs = Vec::new();
    for (name, votes) in [("labelled", &labelled), ("bare", &bare)] {
        let db = dir.join(format!("{name}.db"));
        let mut store = Store::open(&db).unwrap();
        store.import_votes(votes, &audit("votes")).unwrap();
        drop(store);
        let engine = Engine::new(&db);
        let mut texts = Vec::new();
        for query in [
            json!({"queryType": "leaderboard"}),
            json!({"queryType": "leaderboard", "sources": ["arena"], "from": "2025-01-20", "to": "2025-03-01"}),
            json!({"queryType": "trend", "window": "cumulative", "step": "week"}),
        ] {
            let result = engine.execute(&parse_query(&query).unwrap(), None).unwrap();
            texts.push(serde_json::to_string(&result).unwrap());
        }
        outputs.push(texts);
    }
    assert_eq!(outputs[0], outputs[1]);
}

/// On simulated votes with known per-category shifts, each category's fit
/// recovers the true scores within their 95% CIs for at least 90% of the
/// models.
#[test]
fn each_category_fit_recovers_its_true_strengths() {
    let strengths: Vec<Strength> = (0..16)
        .map(|i| Strength {
            model: format!("sim-model-{i:02}"),
            bt_score: 900.0 + 13.0 * i as f64,
            weight: 1.0,
            mean_output_tokens: 400.0,
            published_ci: None,
            license: None,
        })
        .collect();
    let mut slices = SliceSimulation::demo();
    slices.categories.truncate(4);
    slices.multi_label_share = 0.0;
    let options = SimulationOptions {
        votes: 120_000,
        days: 60,
        end_day: 20_400,
        tie_rate: 0.15,
        seed: 11,
        degrade: None,
        id_prefix: "rec-".into(),
        slices: Some(slices.clone()),
        length_effect: 0.0,
        markdown_effect: None,
    };
    let names: Vec<String> = strengths.iter().map(|s| s.model.clone()).collect();
    let mut votes = Vec::new();
    simulate::simulate(&strengths, &options, |v| {
        votes.push(v.to_vote("simulated", "rec-", &names, options.slices.as_ref()));
        Ok(())
    })
    .unwrap();
    let dir = scratch("recovery");
    let db = dir.join("s.db");
    let mut store = Store::open(&db).unwrap();
    store.import_votes(&votes, &audit("sim")).unwrap();
    drop(store);
    let engine = Engine::new(&db);
    let shifts = slices.shift_table(&names);
    for (c, category) in slices.categories.iter().enumerate() {
        let query =
            parse_query(&json!({"queryType": "leaderboard", "categories": [category]})).unwrap();
        let QueryResult::Models { rows, .. } = engine.execute(&query, None).unwrap() else {
            panic!("leaderboard rows expected");
        };
        assert_eq!(rows.len(), strengths.len(), "{category}");
        // The fit's gauge: scores average 1000 over the rated models.
        let truth: HashMap<&str, f64> = strengths
            .iter()
            .enumerate()
            .map(|(i, s)| (s.model.as_str(), s.bt_score + shifts[i][c]))
            .collect();
        let mean = truth.values().sum::<f64>() / truth.len() as f64;
        let covered = rows
            .iter()
            .filter(|r| {
                let t = truth[r.model.as_str()] - mean + 1000.0;
                r.bt_ci_low.unwrap() <= t && t <= r.bt_ci_high.unwrap()
            })
            .count();
        assert!(
            covered * 10 >= rows.len() * 9,
            "{category}: {covered} of {} true scores inside their CIs",
            rows.len()
        );
        // The shifts are large enough to move ranks: the slice is not the overall fit.
        assert!(
            rows.iter().any(|r| r.rank_delta != Some(0)),
            "{category}: no rank moved"
        );
    }
}

/// compar:IA's real sample files: every vote takes the categories of its
/// conversation (read here straight from the parquet files), every reaction
/// its own categories and country.
#[test]
fn comparia_sample_files_keep_their_real_categories_and_countries() {
    use arrow::array::{Array, AsArray};
    let dir = scratch("comparia-slices");
    let db = dir.join("s.db");
    let reference = fixture("comparia");
    let votes = reference.join("sample_comparia_votes.parquet");
    let conversations = reference.join("sample_comparia_conversations.parquet");
    let reactions = reference.join("sample_comparia_reactions.parquet");
    arenawatt_on(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            "--conversations",
            conversations.to_str().unwrap(),
            votes.to_str().unwrap(),
        ],
        true,
    );
    arenawatt_on(
        &db,
        &[
            "import",
            "--format",
            "comparia-reactions",
            reactions.to_str().unwrap(),
        ],
        true,
    );

    /// (id column, categories column, country column) of every row.
    fn rows(
        path: &std::path::Path,
        id: &str,
        with_country: bool,
    ) -> Vec<(String, Vec<String>, Option<String>)> {
        let file = std::fs::File::open(path).unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        let mut out = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let ids = arrow::compute::cast(
                batch.column_by_name(id).unwrap(),
                &arrow::datatypes::DataType::Utf8,
            )
            .unwrap();
            let ids = ids.as_string::<i32>();
            let categories = batch.column_by_name("categories");
            let countries = if with_country {
                Some(
                    arrow::compute::cast(
                        batch.column_by_name("country").unwrap(),
                        &arrow::datatypes::DataType::Utf8,
                    )
                    .unwrap(),
                )
            } else {
                None
            };
            for i in 0..batch.num_rows() {
                let cats = match categories {
                    Some(column) => {
                        let list = arrow::compute::cast(
                            column,
                            &arrow::datatypes::DataType::List(std::sync::Arc::new(
                                arrow::datatypes::Field::new(
                                    "item",
                                    arrow::datatypes::DataType::Utf8,
                                    true,
                                ),
                            )),
                        )
                        .unwrap();
                        let list = list.as_list::<i32>();
                        let values = list.value(i);
                        let values = values.as_string::<i32>();
                        (0..values.len())
                            .map(|j| values.value(j).to_string())
                            .collect()
                    }
                    None => Vec::new(),
                };
                let country = countries
                    .as_ref()
                    .map(|c| c.as_string::<i32>().value(i).to_string())
                    .filter(|c| !c.is_empty());
                out.push((ids.value(i).to_string(), cats, country));
            }
        }
        out
    }
    let store = Store::open_read_only(&db).unwrap();
    let conversation_categories: HashMap<String, Vec<String>> =
        rows(&conversations, "conversation_pair_id", false)
            .into_iter()
            .map(|(id, cats, _)| (id, cats))
            .collect();
    let vote_rows = rows(&votes, "conversation_pair_id", false);
    assert_eq!(vote_rows.len(), 10);
    let mut joined = 0;
    for (id, _, _) in &vote_rows {
        let stored = store
            .find_vote("comparia", id)
            .unwrap()
            .unwrap_or_else(|| panic!("vote {id} not stored"));
        let mut expected = conversation_categories.get(id).cloned().unwrap_or_default();
        expected.sort();
        joined += !expected.is_empty() as usize;
        assert_eq!(stored.categories, expected, "vote {id}");
    }
    assert!(joined >= 5, "only {joined} votes joined a conversation");
    let reaction_rows = rows(&reactions, "id", true);
    assert_eq!(reaction_rows.len(), 5);
    for (id, cats, country) in &reaction_rows {
        let Some(stored) = store.find_vote("comparia-reactions", id).unwrap() else {
            continue; // a reaction with neither like nor dislike counts no match
        };
        let mut expected = cats.clone();
        expected.sort();
        assert_eq!(stored.categories, expected, "reaction {id}");
        assert_eq!(&stored.country, country, "reaction {id}");
    }
    // The category variable lists what the files hold, with counts.
    let values = store
        .slice_values(
            arenawatt::store::Dimension::Category,
            &CountFilter::default(),
        )
        .unwrap();
    let education = values
        .iter()
        .find(|v| v.name == "Education")
        .expect("Education is a category of the samples");
    assert!(education.matches >= 1);
}

/// A malformed slice field names file:row:column and leaves the store as it
/// was; an unknown slice value in a query is an empty result with a notice
/// naming the known values.
#[test]
fn bad_slice_input_is_named_and_unknown_values_are_a_notice() {
    let dir = scratch("slice-bad-input");
    let db = dir.join("s.db");
    let good = dir.join("good.csv");
    std::fs::write(&good, "id,model_a,model_b,winner,timestamp,category\n1,m-alpha,m-beta,model_a,2026-01-01T00:00:00Z,Code\n").unwrap();
    arenawatt_on(
        &db,
        &["import", "--format", "csv", good.to_str().unwrap()],
        true,
    );
    let before = std::fs::read(&db).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "id,model_a,model_b,winner,timestamp,category,language\n2,m-alpha,m-beta,model_a,2026-01-02T00:00:00Z,Math,fr\n3,m-beta,m-gamma,tie,2026-01-03T00:00:00Z,Code||Math,en\n").unwrap();
    let run = arenawatt_on(
        &db,
        &["import", "--format", "csv", bad.to_str().unwrap()],
        false,
    );
    assert!(run.stderr.contains("bad.csv:3:category"), "{run}");
    assert!(run.stderr.contains("empty category"), "{run}");
    let bad_language = dir.join("bad-language.csv");
    std::fs::write(&bad_language, "id,model_a,model_b,winner,timestamp,language\n4,m-alpha,m-beta,model_a,2026-01-02T00:00:00Z,fr|en\n").unwrap();
    let run = arenawatt_on(
        &db,
        &["import", "--format", "csv", bad_language.to_str().unwrap()],
        false,
    );
    assert!(run.stderr.contains("bad-language.csv:2:language"), "{run}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "a refused import changed the store"
    );

    let run = arenawatt_on(
        &db,
        &[
            "query",
            "--type",
            "leaderboard",
            "--categories",
            "Cooking",
            "--format",
            "json",
        ],
        true,
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["rows"].as_array().unwrap().len(), 0, "{run}");
    let notices = value["notices"].to_string();
    assert!(
        notices.contains("unknown category \\\"Cooking\\\""),
        "{notices}"
    );
    assert!(notices.contains("known categories: Code"), "{notices}");
}

/// The CLI: slice flags, rank change, the category variable with counts, and
/// `slice-scores` for one model.
#[test]
fn the_cli_ranks_within_a_slice_and_shows_where_each_model_wins() {
    let db = &demo_store().0;
    let run = arenawatt_on(
        &db,
        &[
            "query",
            "--type",
            "variable",
            "--of",
            "categories",
            "--format",
            "json",
        ],
        true,
    );
    let values: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let values = values["values"].as_array().unwrap().clone();
    assert_eq!(values.len(), 8, "{run}");
    assert!(
        values
            .iter()
            .all(|v| v["text"].as_str().unwrap().contains(" votes)")),
        "{run}"
    );
    let category = values[0]["value"].as_str().unwrap().to_string();

    let run = arenawatt_on(
        &db,
        &[
            "query",
            "--type",
            "leaderboard",
            "--categories",
            &category,
            "--format",
            "json",
        ],
        true,
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = value["rows"].as_array().unwrap();
    assert!(rows.len() > 20, "{run}");
    for row in rows {
        let (rank, overall, delta) = (
            row["rank"].as_i64(),
            row["rank_overall"].as_i64(),
            row["rank_delta"].as_i64(),
        );
        if let (Some(rank), Some(overall)) = (rank, overall) {
            assert_eq!(delta, Some(overall - rank), "{row}");
        }
    }
    assert!(
        rows.iter()
            .any(|r| r["rank_delta"].as_i64().is_some_and(|d| d != 0)),
        "no rank moves in {category}"
    );
    assert!(
        value["notices"].to_string().contains("slice filter"),
        "{run}"
    );

    let run = arenawatt_on(
        &db,
        &[
            "query",
            "--type",
            "slice-scores",
            "--of",
            "categories",
            "--model",
            "gemma-3-27b",
            "--format",
            "json",
        ],
        true,
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = value["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 8, "{run}");
    for row in rows {
        let delta = row["bt_score"].as_f64().unwrap() - row["overall_score"].as_f64().unwrap();
        assert!(
            (row["score_delta"].as_f64().unwrap() - delta).abs() < 1e-9,
            "{row}"
        );
    }
}
