//! `arenawatt rank` driven as a user would: the real binary on real files in a
//! temporary folder. Every assertion prints what the command printed.

use crate::support::cli::{arenawatt_with_env, Run};
use std::path::{Path, PathBuf};

const HEADER: &str =
    "model,bt_score,ci_low,ci_high,rank,rank_low,rank_high,votes,wins,losses,ties,status";

fn rank(dir: &Path, args: &[&str]) -> Run {
    rank_with_env(dir, args, &[])
}

fn rank_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<&str> = std::iter::once("rank")
        .chain(args.iter().copied())
        .collect();
    arenawatt_with_env(dir, &args, env)
}

fn arena() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("pkg/data/lmsys/chatbotarena_pairs_20240814.json")
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write fixture");
    name.to_string()
}

/// Rows of a CSV output as (model → fields).
fn csv_rows(run: &Run) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    reader
        .records()
        .map(|r| r.expect("csv row").iter().map(String::from).collect())
        .collect()
}

#[test]
fn arena_csv_output_is_anchored_sorted_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let run = rank(
        dir.path(),
        &[
            "--input",
            &arena(),
            "--input-format",
            "pair-counts",
            "--ties",
            "half",
            "--anchor",
            "mixtral-8x7b-instruct-v0.1=1114",
            "--format",
            "csv",
        ],
    );
    assert_eq!(run.code, 0, "{run}");
    assert_eq!(run.stdout.lines().next(), Some(HEADER), "{run}");
    let rows = csv_rows(&run);
    assert_eq!(rows.len(), 129, "{run}");
    let mixtral = rows
        .iter()
        .find(|r| r[0] == "mixtral-8x7b-instruct-v0.1")
        .expect("mixtral row");
    assert_eq!(mixtral[1], "1114.0000", "{run}");
    assert!(rows.iter().all(|r| r[11] == "ok"), "{run}");
    let scores: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "not sorted:\n{run}"
    );
    assert_eq!(rows[0][0], "chatgpt-4o-latest", "{run}");
    assert_eq!(rows[0][4], "1", "{run}");
}

#[test]
fn csv_votes_are_ranked_in_a_table_with_units() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("question_id,model_a,model_b,winner\n");
    // a beats b 6–2, b beats c 6–2, a beats c 7–1, with some ties.
    for (x, y, wins_x, wins_y) in [("a", "b", 6, 2), ("b", "c", 6, 2), ("a", "c", 7, 1)] {
        for i in 0..wins_x {
            text.push_str(&format!("q{i},{x},{y},model_a\n"));
        }
        for i in 0..wins_y {
            text.push_str(&format!("q{i},{y},{x},model_a\n"));
        }
        text.push_str(&format!("qt,{x},{y},tie\nqb,{y},{x},tie (bothbad)\n"));
    }
    let input = write(dir.path(), "votes.csv", &text);
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert_eq!(run.code, 0, "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].contains("bt_score (Elo pts)") && lines[0].contains("95% CI (Elo pts)"),
        "{run}"
    );
    let order: Vec<&str> = lines[1..4]
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(order, vec!["a", "b", "c"], "{run}");
    assert!(
        run.stdout
            .contains("ties count half a win; mean score 1000; 95% CI: sandwich"),
        "{run}"
    );
}

#[test]
fn a_bad_csv_row_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "votes.csv",
        "model_a,model_b,winner\nx,y,model_a\nx,y,model_c\n",
    );
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        run.stderr.contains("votes.csv:3:3: unknown winner \"model_c\" (expected model_a, model_b, tie or \"tie (bothbad)\")"),
        "{run}"
    );

    let input = write(
        dir.path(),
        "self.csv",
        "winner,model_a,model_b\nmodel_a,x,y\ntie,z,z\n",
    );
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert!(
        run.stderr
            .contains("self.csv:3:3: model \"z\" is compared with itself"),
        "{run}"
    );

    let input = write(
        dir.path(),
        "nohead.csv",
        "model_a,model_b,result\nx,y,model_a\n",
    );
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert!(
        run.stderr
            .contains("nohead.csv:1: missing column \"winner\" in header"),
        "{run}"
    );

    let input = write(
        dir.path(),
        "empty_name.csv",
        "model_a,model_b,winner\nx,,tie\n",
    );
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert!(
        run.stderr
            .contains("empty_name.csv:2:2: empty model name in column model_b"),
        "{run}"
    );
}

#[test]
fn empty_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "empty.csv", "model_a,model_b,winner\n");
    let run = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert_ne!(run.code, 0, "{run}");
    assert!(
        run.stderr
            .contains("cannot rank empty.csv: no votes to rate"),
        "{run}"
    );
    let input = write(
        dir.path(),
        "empty.json",
        r#"{"models": [], "X": [], "Y": []}"#,
    );
    let run = rank(dir.path(), &["--input", &input]);
    assert!(run.stderr.contains("no votes to rate"), "{run}");
}

#[test]
fn bad_pair_counts_and_unknown_anchor_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        dir.path(),
        "pairs.json",
        r#"{"models": ["a", "b"], "X": [[0, 2]], "Y": [[1, 1, 0, 0]]}"#,
    );
    let run = rank(
        dir.path(),
        &["--input", &input, "--input-format", "pair-counts"],
    );
    assert!(
        run.stderr
            .contains("pairs.json: X[0][1]: model index 2 is out of range (2 models)"),
        "{run}"
    );
    let run = rank(dir.path(), &["--input", "missing.json"]);
    assert!(run.stderr.contains("cannot read missing.json: "), "{run}");
    assert_eq!(
        run.stderr.matches("os error").count(),
        1,
        "the cause is printed once:\n{run}"
    );
    let run = rank(dir.path(), &["--input", &arena(), "--anchor", "gpt-5=1200"]);
    assert!(
        run.stderr
            .contains("anchor model \"gpt-5\" is not among the rated models"),
        "{run}"
    );
    let run = rank(dir.path(), &["--input", &arena(), "--level", "95"]);
    assert!(
        run.stderr
            .contains("confidence level 95 is not between 0 and 1"),
        "{run}"
    );
}

#[test]
fn never_won_never_lost_and_disconnected_models_get_a_status_and_no_score() {
    let dir = tempfile::tempdir().unwrap();
    let text = "model_a,model_b,winner\n\
        a,b,model_a\nb,a,model_a\na,c,model_b\nc,a,model_b\nb,c,tie\n\
        champ,a,model_a\nchamp,b,model_a\n\
        loser,a,model_b\nloser,c,model_b\n\
        island1,island2,model_a\nisland2,island1,model_a\n";
    let input = write(dir.path(), "votes.csv", text);
    let run = rank(
        dir.path(),
        &[
            "--input",
            &input,
            "--input-format",
            "csv",
            "--format",
            "csv",
        ],
    );
    assert_eq!(run.code, 0, "{run}");
    let rows = csv_rows(&run);
    let status = |m: &str| {
        rows.iter()
            .find(|r| r[0] == m)
            .map(|r| (r[1].clone(), r[11].clone(), r[4].clone()))
    };
    assert_eq!(
        status("champ"),
        Some((String::new(), "never_lost".into(), "4".into())),
        "{run}"
    );
    assert_eq!(
        status("loser"),
        Some((String::new(), "never_won".into(), "4".into())),
        "{run}"
    );
    assert_eq!(
        status("island1"),
        Some((String::new(), "disconnected:1".into(), "4".into())),
        "{run}"
    );
    assert_eq!(status("a").map(|s| s.1), Some("ok".into()), "{run}");
    let table = rank(dir.path(), &["--input", &input, "--input-format", "csv"]);
    assert!(
        table.stdout.contains("component 1: island1, island2"),
        "{table}"
    );
}

#[test]
fn json_output_is_reproducible_and_reports_davidson_and_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "--input",
        &arena(),
        "--ties",
        "davidson",
        "--ci",
        "bootstrap",
        "--rounds",
        "30",
        "--seed",
        "5",
        "--format",
        "json",
    ];
    let first = rank(dir.path(), &args);
    assert_eq!(first.code, 0, "{first}");
    let second = rank(dir.path(), &args);
    assert_eq!(first.stdout, second.stdout, "same seed, same output");
    let doc: serde_json::Value = serde_json::from_str(&first.stdout).expect("json");
    assert!(doc["tie_parameter"].as_f64().unwrap() > 0.0, "{first}");
    assert_eq!(doc["bootstrap"]["rounds"], 30, "{first}");
    assert_eq!(doc["models"].as_array().unwrap().len(), 129);
    assert!(
        doc["models"][0]["bootstrap_rank_low"].as_u64().is_some(),
        "{first}"
    );
    assert_eq!(doc["scale"], "elo points: 400 per factor 10 in odds");
}

/// The bootstrap's AVX2 code and its portable copy give the same intervals
/// and rank quantiles, byte for byte, for the default BT model and for
/// `drop` (on a CPU without AVX2 both runs take the portable code).
#[test]
fn bootstrap_output_is_the_same_with_and_without_avx2() {
    let dir = tempfile::tempdir().unwrap();
    for ties in ["half", "drop"] {
        let args = [
            "--input",
            &arena(),
            "--ties",
            ties,
            "--ci",
            "bootstrap",
            "--rounds",
            "42",
            "--seed",
            "11",
            "--format",
            "csv",
        ];
        let simd = rank(dir.path(), &args);
        assert_eq!(simd.code, 0, "{simd}");
        let portable = rank_with_env(dir.path(), &args, &[("ARENAWATT_NO_AVX2", "1")]);
        assert_eq!(portable.code, 0, "{portable}");
        assert_eq!(simd.stdout, portable.stdout, "ties {ties}");
        // The intervals are real bootstrap intervals: 129 rows, each with a
        // positive width.
        let rows: Vec<&str> = simd.stdout.lines().skip(1).collect();
        assert_eq!(rows.len(), 129);
        let widths = rows.iter().filter(|row| {
            let cols: Vec<&str> = row.split(',').collect();
            let (low, high) = (cols[2].parse::<f64>(), cols[3].parse::<f64>());
            matches!((low, high), (Ok(l), Ok(h)) if h > l)
        });
        assert!(widths.count() >= 120, "{simd}");
    }
}
