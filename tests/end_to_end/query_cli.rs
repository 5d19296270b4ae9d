//! `arenawatt query` on the demo store: the query types, the filters, the
//! exact CSV header, the Pareto flags, and clear errors for bad input.

use std::collections::HashMap;

use crate::support::{cli::*, data::*, store::*};

const HEADER: &str = "model,display_name,organization,license,architecture,size_class,total_params_b,active_params_b,votes,bt_score,bt_ci_low,bt_ci_high,rank,rank_low,rank_high,rank_overall,rank_delta,rank_ub,tier,wh_per_1k_tokens,wh_min,wh_max,gco2e_per_1k_tokens,energy_class,energy_methodology,energy_note,pareto";

fn query(args: &[&str]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let (store, _) = demo_store();
    let mut full = vec!["--db", store.to_str().unwrap(), "query"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--format", "csv"]);
    let stdout = run_ok(store.parent().unwrap(), &full);
    assert_eq!(stdout.lines().next(), Some(HEADER), "{stdout}");
    read_csv(&stdout)
}

#[test]
fn scatter_shows_open_models_with_energy_and_a_correct_pareto_frontier() {
    let (_, rows) = query(&["--type", "scatter", "--sources", "simulated"]);
    assert_eq!(rows.len(), 59);
    for row in &rows {
        assert_ne!(row["license"], "proprietary", "{row:?}");
        assert!(number(row, "wh_per_1k_tokens").unwrap() > 0.0, "{row:?}");
        assert!(number(row, "gco2e_per_1k_tokens").unwrap() > 0.0, "{row:?}");
        assert_eq!(row["energy_methodology"], "ecologits-0.11");
    }
    // The frontier, checked against its definition pair by pair.
    for row in &rows {
        let (score, wh) = (
            number(row, "bt_score").unwrap(),
            number(row, "wh_per_1k_tokens").unwrap(),
        );
        let dominated = rows.iter().any(|o| {
            let (s, w) = (
                number(o, "bt_score").unwrap(),
                number(o, "wh_per_1k_tokens").unwrap(),
            );
            s >= score && w <= wh && (s > score || w < wh)
        });
        assert_eq!(row["pareto"] == "true", !dominated, "{row:?}");
    }
    assert!(rows.iter().filter(|r| r["pareto"] == "true").count() >= 2);
}

#[test]
fn leaderboard_keeps_proprietary_models_with_null_energy_and_a_reason() {
    let (_, rows) = query(&["--type", "leaderboard", "--sources", "simulated"]);
    assert_eq!(rows.len(), 87);
    let proprietary: Vec<_> = rows
        .iter()
        .filter(|r| r["license"] == "proprietary")
        .collect();
    assert_eq!(proprietary.len(), 28);
    for row in proprietary {
        assert!(number(row, "bt_score").is_some(), "{row:?}");
        assert_eq!(row["wh_per_1k_tokens"], "", "{row:?}");
        assert_eq!(row["energy_note"], "parameters not disclosed", "{row:?}");
    }
    let ranks: Vec<f64> = rows.iter().map(|r| number(r, "rank").unwrap()).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "best first: {ranks:?}"
    );
}

#[test]
fn filters_narrow_rows_without_changing_scores() {
    let (_, all) = query(&["--type", "leaderboard", "--sources", "simulated"]);
    let (_, some) = query(&[
        "--type",
        "leaderboard",
        "--sources",
        "simulated",
        "--licenses",
        "open",
        "--sizes",
        "XS,S",
        "--min-votes",
        "100",
    ]);
    assert!(!some.is_empty() && some.len() < all.len());
    for row in &some {
        assert!(
            row["license"] != "proprietary" && ["XS", "S"].contains(&row["size_class"].as_str()),
            "{row:?}"
        );
        let same = all.iter().find(|r| r["model"] == row["model"]).unwrap();
        assert_eq!(
            row["bt_score"], same["bt_score"],
            "the fit uses every model's votes"
        );
    }
    let (_, one_org) = query(&[
        "--type",
        "leaderboard",
        "--sources",
        "simulated",
        "--organizations",
        "Mistral AI",
    ]);
    assert!(
        !one_org.is_empty() && one_org.iter().all(|r| r["organization"] == "Mistral AI"),
        "{one_org:?}"
    );
}

#[test]
fn model_query_gives_one_full_record() {
    let (_, rows) = query(&[
        "--type",
        "model",
        "--model",
        "llama-3.1-405b",
        "--sources",
        "simulated",
        "--zone",
        "FRA",
    ]);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["model"], "llama-3.1-405b");
    assert!(number(row, "votes").unwrap() > 1000.0);
    assert!(
        number(row, "bt_score").is_some() && number(row, "wh_per_1k_tokens").is_some(),
        "{row:?}"
    );
    // France's electricity emits far less than the world average.
    let (_, world) = query(&[
        "--type",
        "model",
        "--model",
        "llama-3.1-405b",
        "--sources",
        "simulated",
    ]);
    assert!(
        number(row, "gco2e_per_1k_tokens").unwrap()
            < number(&world[0], "gco2e_per_1k_tokens").unwrap() / 2.0
    );
    assert_eq!(
        row["wh_per_1k_tokens"], world[0]["wh_per_1k_tokens"],
        "energy does not depend on the zone"
    );
}

#[test]
fn bad_queries_fail_with_errors_that_name_the_problem() {
    let (store, _) = demo_store();
    let dir = store.parent().unwrap();
    let db = store.to_str().unwrap();
    for (args, expected) in [
        (
            vec!["--db", db, "query", "--min-votes", "lots"],
            "--min-votes: expected a non-negative whole number, got \"lots\"",
        ),
        (
            vec!["--db", db, "query", "--licenses", "opne"],
            "licenses: unknown value \"opne\"",
        ),
        (
            vec!["--db", db, "query", "--from", "yesterday"],
            "from: cannot read date \"yesterday\"",
        ),
        (
            vec![
                "--db",
                db,
                "query",
                "--type",
                "model",
                "--model",
                "no-such-model",
            ],
            "unknown model \"no-such-model\"",
        ),
        (
            vec!["--db", db, "query", "--type", "model"],
            "model: a `model` query needs the model",
        ),
        (vec!["--db", db, "query", "--zone", "ATLANTIS"], "ATLANTIS"),
        (
            vec!["--db", db, "query", "--anchor", "gpt-4o"],
            "anchor: expected MODEL=SCORE",
        ),
        (vec!["--db", "missing.db", "query"], "missing.db"),
    ] {
        let (_, stderr) = run_err(dir, &args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    std::fs::write(dir.join("not-a-store.db"), "hello, I am text").unwrap();
    let (_, stderr) = run_err(dir, &["--db", "not-a-store.db", "query"]);
    assert!(
        stderr.contains("not-a-store.db") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn variable_queries_list_what_the_store_holds() {
    let (store, _) = demo_store();
    let dir = store.parent().unwrap();
    let db = store.to_str().unwrap();
    let sources = run_ok(
        dir,
        &[
            "--db", db, "query", "--type", "variable", "--of", "sources", "--format", "csv",
        ],
    );
    assert_eq!(
        sources.lines().collect::<Vec<_>>(),
        [
            "text,value",
            "chatbot-arena-2024-08-14,chatbot-arena-2024-08-14",
            "simulated,simulated"
        ]
    );
    let licenses = run_ok(
        dir,
        &[
            "--db",
            db,
            "query",
            "--type",
            "variable",
            "--of",
            "licenses",
            "--sources",
            "simulated",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        licenses.lines().collect::<Vec<_>>(),
        ["text,value", "open weights,open", "proprietary,proprietary"]
    );
    let models = run_ok(
        dir,
        &[
            "--db",
            db,
            "query",
            "--type",
            "variable",
            "--of",
            "models",
            "--sources",
            "simulated",
            "--organizations",
            "Meta",
            "--format",
            "csv",
        ],
    );
    assert!(
        models.lines().count() > 2 && models.contains(",llama-3.1-405b"),
        "{models}"
    );
}

#[test]
fn json_and_table_formats_carry_the_same_rows() {
    let (store, _) = demo_store();
    let dir = store.parent().unwrap();
    let db = store.to_str().unwrap();
    let json = run_ok(
        dir,
        &[
            "--db",
            db,
            "query",
            "--sources",
            "simulated",
            "--format",
            "json",
        ],
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["kind"], "models");
    assert_eq!(value["rows"].as_array().map(Vec::len), Some(59));
    let table = run_ok(dir, &["--db", db, "query", "--sources", "simulated"]);
    assert!(
        table.contains("Wh/1k tokens") && table.contains("methodology ecologits-0.11"),
        "{table}"
    );
}
