//! `arenawatt simulate`: the CSV it writes, its determinism and its errors.

use crate::support::{cli::*, data::*, store::*};

const ARGS: &[&str] = &[
    "simulate",
    "--votes",
    "5000",
    "--days",
    "10",
    "--end",
    "2026-01-31",
    "--seed",
    "3",
    "--out",
    "votes.csv",
];

#[test]
fn writes_the_csv_import_schema_with_tokens_in_the_days_asked() {
    let dir = scratch("simulate-schema");
    run_ok(&dir, ARGS);
    let text = std::fs::read_to_string(dir.join("votes.csv")).unwrap();
    let (header, rows) = read_csv(&text);
    assert_eq!(
        &header[..7],
        [
            "model_a",
            "model_b",
            "winner",
            "timestamp",
            "id",
            "tokens_a",
            "tokens_b"
        ],
        "{header:?}"
    );
    assert_eq!(rows.len(), 5000);
    let strengths = bundled_strengths();
    let mut ids = std::collections::HashSet::new();
    let mut ties = 0;
    for row in &rows {
        assert!(
            strengths.contains_key(&row["model_a"]) && strengths.contains_key(&row["model_b"]),
            "{row:?}"
        );
        assert_ne!(row["model_a"], row["model_b"], "{row:?}");
        assert!(
            ["model_a", "model_b", "tie", "tie (bothbad)"].contains(&row["winner"].as_str()),
            "{row:?}"
        );
        ties += usize::from(row["winner"].starts_with("tie"));
        let ts = &row["timestamp"];
        assert!(
            ts.as_str() >= "2026-01-22T00:00:00Z" && ts.as_str() <= "2026-01-31T23:59:59Z",
            "{row:?}"
        );
        assert!(
            number(row, "tokens_a").unwrap() >= 1.0 && number(row, "tokens_b").unwrap() >= 1.0,
            "{row:?}"
        );
        assert!(ids.insert(row["id"].clone()), "duplicate id {row:?}");
        assert_eq!(
            row.get("source").map(String::as_str).unwrap_or("simulated"),
            "simulated"
        );
    }
    // Ties: at most the wanted 20%, a bit less where the clamp 2·min(p, 1−p) bites.
    let tie_share = ties as f64 / rows.len() as f64;
    assert!((0.12..0.215).contains(&tie_share), "tie share {tie_share}");
}

#[test]
fn the_same_seed_gives_the_same_stream_and_another_seed_does_not() {
    let dir = scratch("simulate-seed");
    run_ok(&dir, ARGS);
    let first = std::fs::read(dir.join("votes.csv")).unwrap();
    run_ok(&dir, ARGS);
    assert_eq!(first, std::fs::read(dir.join("votes.csv")).unwrap());
    let mut other: Vec<&str> = ARGS.to_vec();
    other[8] = "4";
    run_ok(&dir, &other);
    assert_ne!(first, std::fs::read(dir.join("votes.csv")).unwrap());
}

#[test]
fn bad_input_is_named() {
    let dir = scratch("simulate-errors");
    std::fs::write(dir.join("s.csv"), "model,bt_score\na,1000\nb,strong\n").unwrap();
    let (_, stderr) = run_err(
        &dir,
        &[
            "simulate",
            "--strengths",
            "s.csv",
            "--votes",
            "10",
            "--seed",
            "1",
            "--out",
            "o.csv",
        ],
    );
    assert!(
        stderr.contains("s.csv:3:bt_score: not a number: \"strong\""),
        "{stderr}"
    );
    let (_, stderr) = run_err(
        &dir,
        &[
            "simulate",
            "--votes",
            "10",
            "--seed",
            "1",
            "--tie-rate",
            "1.5",
            "--out",
            "o.csv",
        ],
    );
    assert!(stderr.contains("--tie-rate 1.5"), "{stderr}");
    let (_, stderr) = run_err(
        &dir,
        &[
            "simulate",
            "--votes",
            "10",
            "--seed",
            "1",
            "--end",
            "31/01/2026",
            "--out",
            "o.csv",
        ],
    );
    assert!(stderr.contains("\"31/01/2026\""), "{stderr}");
    let (_, stderr) = run_err(
        &dir,
        &[
            "simulate",
            "--votes",
            "10",
            "--seed",
            "1",
            "--degrade",
            "nobody",
            "--out",
            "o.csv",
        ],
    );
    assert!(stderr.contains("\"nobody\""), "{stderr}");
}
