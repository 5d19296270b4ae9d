//! Voters' reasons (issue #16): compar:IA's real sample votes and reactions
//! imported with `arenawatt import`, then `arenawatt query --type
//! preferences`, checked against counts this test makes itself from the raw
//! rows of the parquet files (parquet's row API, not the importer's reader).
//! Also the `annotations` query over the same store, and a schema-3 store
//! migrated to schema 4.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::Path;

use arenawatt::catalog::Catalog;
use parquet::record::Field;
use serde_json::Value;

use crate::support::{
    cli::arenawatt_on as arenawatt,
    data::{fixture, parquet_rows},
};

const REASONS: [&str; 7] = [
    "useful",
    "creative",
    "clear_formatting",
    "complete",
    "incorrect",
    "superficial",
    "instructions_not_followed",
];
const POSITIVE: usize = 4;

fn text(row: &HashMap<String, Field>, column: &str) -> Option<String> {
    match row.get(column) {
        Some(Field::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

fn flag(row: &HashMap<String, Field>, column: &str) -> Option<bool> {
    match row.get(column) {
        Some(Field::Bool(b)) => Some(*b),
        Some(Field::Null) | None => None,
        Some(other) => panic!("{column}: unexpected {other:?}"),
    }
}

/// Per model (catalog id): judged answers, then each reason's count.
type Expected = BTreeMap<String, [u64; 8]>;

fn judge(expected: &mut Expected, model: &str, marks: [Option<bool>; 7]) {
    if marks.iter().all(Option::is_none) {
        return;
    }
    let id = Catalog::bundled()
        .resolve(model)
        .map_or_else(|| model.to_string(), |m| m.id.clone());
    let counts = expected.entry(id).or_default();
    counts[0] += 1;
    for (i, mark) in marks.iter().enumerate() {
        counts[1 + i] += u64::from(*mark == Some(true));
    }
}

/// The expectation from the raw rows: a vote judges both answers through
/// `conv_<reason>_a/_b`; a reaction (liked or disliked) judges the answer it
/// refers to through `<reason>`.
fn expected_from_raw(votes: &Path, reactions: &Path) -> (Expected, Expected) {
    let mut from_votes = Expected::new();
    for row in parquet_rows(votes) {
        for side in ["a", "b"] {
            let model = text(&row, &format!("model_{side}_name")).unwrap();
            let marks = REASONS.map(|r| flag(&row, &format!("conv_{r}_{side}")));
            judge(&mut from_votes, &model, marks);
        }
    }
    let from_reactions = expected_reactions(reactions, |_| true);
    (from_votes, from_reactions)
}

/// Whether a reaction's `categories` list holds `category`.
fn in_category(row: &HashMap<String, Field>, category: &str) -> bool {
    match row.get("categories") {
        Some(Field::ListInternal(list)) => list
            .elements()
            .iter()
            .any(|f| matches!(f, Field::Str(s) if s == category)),
        _ => false,
    }
}

/// The reactions' expectation, from the rows `keep` accepts.
fn expected_reactions(
    reactions: &Path,
    keep: impl Fn(&HashMap<String, Field>) -> bool,
) -> Expected {
    let mut expected = Expected::new();
    for row in parquet_rows(reactions).into_iter().filter(|r| keep(r)) {
        if flag(&row, "liked") != Some(true) && flag(&row, "disliked") != Some(true) {
            continue;
        }
        let side = match text(&row, "model_pos").as_deref() {
            Some("a") => "a",
            Some("b") => "b",
            _ => {
                let refers = text(&row, "refers_to_model").unwrap();
                if Some(&refers) == text(&row, "model_a_name").as_ref() {
                    "a"
                } else {
                    "b"
                }
            }
        };
        let model = text(&row, &format!("model_{side}_name")).unwrap();
        judge(&mut expected, &model, REASONS.map(|r| flag(&row, r)));
    }
    expected
}

fn preferences(db: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["query", "--type", "preferences", "--format", "json"];
    args.extend_from_slice(extra);
    let out = arenawatt(db, &args, true).stdout;
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    json["rows"].as_array().unwrap().clone()
}

fn check(rows: &[Value], expected: &Expected, what: &str) {
    let got: Vec<&str> = rows.iter().map(|r| r["model"].as_str().unwrap()).collect();
    let mut want: Vec<&str> = expected.keys().map(String::as_str).collect();
    let mut sorted = got.clone();
    sorted.sort_unstable();
    want.sort_unstable();
    assert_eq!(sorted, want, "{what}: models");
    for row in rows {
        let model = row["model"].as_str().unwrap();
        let counts = expected[model];
        assert_eq!(
            row["judged"].as_u64(),
            Some(counts[0]),
            "{what}: {model} judged"
        );
        for (i, reason) in REASONS.iter().enumerate() {
            let count = counts[1 + i];
            assert_eq!(
                row[reason].as_u64(),
                Some(count),
                "{what}: {model} {reason}"
            );
            let rate = row[format!("{reason}_rate")].as_f64().unwrap();
            assert!(
                (rate - count as f64 / counts[0] as f64).abs() < 1e-15,
                "{what}: {model} {reason}_rate {rate}"
            );
        }
        let total: u64 = counts[1..].iter().sum();
        let positive: u64 = counts[1..=POSITIVE].iter().sum();
        assert_eq!(
            row["total_reasons"].as_u64(),
            Some(total),
            "{what}: {model}"
        );
        match row["positive_ratio"].as_f64() {
            Some(ratio) => {
                assert!(
                    (ratio - positive as f64 / total as f64).abs() < 1e-15,
                    "{what}: {model}"
                )
            }
            None => assert_eq!(total, 0, "{what}: {model} has reasons but no ratio"),
        }
    }
    // Best positive share first.
    let ratios: Vec<f64> = rows
        .iter()
        .map(|r| r["positive_ratio"].as_f64().unwrap_or(f64::NEG_INFINITY))
        .collect();
    assert!(
        ratios.windows(2).all(|w| w[0] >= w[1]),
        "{what}: {ratios:?}"
    );
}

#[test]
fn preferences_of_the_real_comparia_samples_equal_the_counts_of_their_raw_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = fixture("comparia/sample_comparia_votes.parquet");
    let reactions = fixture("comparia/sample_comparia_reactions.parquet");
    for (format, file) in [
        ("comparia-votes", &votes),
        ("comparia-reactions", &reactions),
    ] {
        arenawatt(
            &db,
            &["import", "--format", format, file.to_str().unwrap()],
            true,
        );
    }
    let (from_votes, from_reactions) = expected_from_raw(&votes, &reactions);
    // Every vote of the sample judges both answers; some reasons are ticked.
    assert_eq!(from_votes.values().map(|c| c[0]).sum::<u64>(), 20);
    assert!(from_votes.values().any(|c| c[1..].iter().sum::<u64>() > 0));
    assert_eq!(from_reactions.values().map(|c| c[0]).sum::<u64>(), 5);

    check(
        &preferences(&db, &["--sources", "comparia"]),
        &from_votes,
        "votes",
    );
    check(
        &preferences(&db, &["--sources", "comparia-reactions"]),
        &from_reactions,
        "reactions",
    );
    let mut both = from_votes.clone();
    for (model, counts) in &from_reactions {
        let sum = both.entry(model.clone()).or_default();
        for (s, c) in sum.iter_mut().zip(counts) {
            *s += c;
        }
    }
    check(&preferences(&db, &[]), &both, "both sources");

    // The `model` key narrows to one model; a model never judged is a notice.
    let (one, counts) = both.iter().next().unwrap();
    let rows = preferences(&db, &["--model", one]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["judged"].as_u64(), Some(counts[0]));
    let out = arenawatt(
        &db,
        &["query", "--type", "preferences", "--model", "no-such-model"],
        true,
    );
    assert!(
        out.stderr
            .contains("no vote with voters' reasons for model \"no-such-model\"")
            || out
                .stdout
                .contains("no vote with voters' reasons for model \"no-such-model\""),
        "{out}"
    );

    // Importing the same file again adds nothing, so no reason is counted twice.
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            votes.to_str().unwrap(),
        ],
        true,
    );
    check(
        &preferences(&db, &["--sources", "comparia"]),
        &from_votes,
        "votes again",
    );

    // A slice filter reads the votes themselves: the reactions of one
    // category (a reaction lists several) give the counts of those rows.
    let in_category = expected_reactions(&reactions, |row| in_category(row, "Education"));
    assert_eq!(in_category.values().map(|c| c[0]).sum::<u64>(), 3);
    check(
        &preferences(
            &db,
            &[
                "--sources",
                "comparia-reactions",
                "--categories",
                "Education",
            ],
        ),
        &in_category,
        "one category",
    );
}

#[test]
fn annotations_list_each_import_with_its_source_and_votes_added() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = fixture("comparia/sample_comparia_votes.parquet");
    let reactions = fixture("comparia/sample_comparia_reactions.parquet");
    for (format, file) in [
        ("comparia-votes", &votes),
        ("comparia-reactions", &reactions),
    ] {
        arenawatt(
            &db,
            &["import", "--format", format, file.to_str().unwrap()],
            true,
        );
    }
    // A repeated import adds nothing and leaves no audit row, so no mark.
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            votes.to_str().unwrap(),
        ],
        true,
    );
    let annotations = |extra: &[&str]| -> Vec<Value> {
        let mut args = vec!["query", "--type", "annotations", "--format", "json"];
        args.extend_from_slice(extra);
        let json: Value = serde_json::from_str(&arenawatt(&db, &args, true).stdout).unwrap();
        json["rows"].as_array().unwrap().clone()
    };
    let all = annotations(&[]);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0]["title"], "Import: sample_comparia_votes.parquet");
    assert_eq!(all[0]["votes_added"], 10);
    assert_eq!(all[0]["tags"], serde_json::json!(["import", "comparia"]));
    assert!(all[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("10 votes added to comparia from "));
    assert_eq!(all[1]["votes_added"], 5);
    assert_eq!(
        all[1]["tags"],
        serde_json::json!(["import", "comparia-reactions"])
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    for a in &all {
        let t = a["time_ms"].as_i64().unwrap();
        assert!((now_ms - 600_000..=now_ms).contains(&t), "{a}");
    }
    // Narrowed to one source, and to days before today (none).
    assert_eq!(annotations(&["--sources", "comparia-reactions"]).len(), 1);
    assert!(annotations(&["--to", "2025-01-01"]).is_empty());

    // A catalog import is a mark of its own.
    let catalog = dir.path().join("mine.json");
    std::fs::write(
        &catalog,
        r#"{"timestamp": 0, "models": {
            "my-moe": {"id": "my-moe", "simple_name": "My MoE", "organisation": "Me", "license": "Apache 2.0",
                       "arch": "moe", "params": 355, "active_params": 32}}}"#,
    )
    .unwrap();
    let args = [
        "catalog",
        "import",
        "--format",
        "comparia",
        catalog.to_str().unwrap(),
    ];
    arenawatt(&db, &args, true);
    let all = annotations(&[]);
    let marks: Vec<&Value> = all.iter().filter(|a| a["tags"][0] == "catalog").collect();
    assert_eq!(marks.len(), 1, "{all:?}");
    assert_eq!(marks[0]["title"], "Catalog: 1 model added or changed");
    assert!(
        marks[0]["text"].as_str().unwrap().contains("my-moe"),
        "{all:?}"
    );
    assert!(marks[0]["votes_added"].is_null());
}

#[test]
fn the_positive_ratio_is_comparias_positive_prefs_ratio_for_every_published_model_with_reasons() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("pkg/data/comparia/generated-models_20260211.json");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let models = file["models"].as_object().unwrap();
    assert_eq!(models.len(), 116);
    let mut checked = 0;
    for (id, model) in models {
        let prefs = &model["prefs"];
        if prefs.is_null() {
            continue;
        }
        let counts = REASONS.map(|r| prefs[r].as_u64().unwrap_or_else(|| panic!("{id}: {r}")));
        assert_eq!(
            counts.iter().sum::<u64>(),
            prefs["total_prefs"].as_u64().unwrap(),
            "{id}: total_prefs"
        );
        let ours = arenawatt::store::reasons::positive_ratio(&counts);
        let published = prefs["positive_prefs_ratio"].as_f64();
        match (ours, published) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "{id}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "{id}"),
        }
        checked += 1;
    }
    // 24 of the 116 models have no `prefs` in the file.
    assert_eq!(checked, 92);
}
