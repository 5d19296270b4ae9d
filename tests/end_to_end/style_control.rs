//! Style control (issue #15), end to end through the binaries: votes
//! simulated with a known length effect (`arenawatt simulate
//! --length-effect`), imported as csv, then `arenawatt query --style
//! controlled`. The controlled scores must recover the true strengths, the
//! raw scores of long-answer models must be biased as the simulation
//! predicts, and the fitted β must match the true one. Also: a style query
//! over votes without features answers the raw fit with a notice, and bad
//! markdown counts are refused with file:row:column.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::cli::arenawatt_on as arenawatt;
use crate::support::data::read_csv;

/// The true effect: log-odds per unit of the relative difference of tokens.
const LENGTH_EFFECT: f64 = 0.6;
const POINTS_PER_NAT: f64 = 400.0 / std::f64::consts::LN_10;

fn query(db: &std::path::Path, style: &str) -> (Value, String) {
    let run = arenawatt(
        db,
        &[
            "query",
            "--type",
            "leaderboard",
            "--style",
            style,
            "--format",
            "json",
        ],
        true,
    );
    (serde_json::from_str(&run.stdout).unwrap(), run.stderr)
}

/// Scores minus their mean over `models` (the fit's gauge is its own mean).
fn centred(scores: &HashMap<String, f64>, models: &[String]) -> HashMap<String, f64> {
    let mean = models.iter().map(|m| scores[m]).sum::<f64>() / models.len() as f64;
    models
        .iter()
        .map(|m| (m.clone(), scores[m] - mean))
        .collect()
}

#[test]
fn controlled_scores_recover_true_strengths_and_the_raw_ones_carry_the_predicted_length_bias() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = dir.path().join("votes.csv");
    let beta = LENGTH_EFFECT.to_string();
    arenawatt(
        &db,
        &[
            "simulate",
            "--votes",
            "150000",
            "--days",
            "30",
            "--seed",
            "11",
            "--length-effect",
            &beta,
            "--out",
            votes.to_str().unwrap(),
        ],
        true,
    );
    arenawatt(
        &db,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );

    // The truth, and each model's mean relative length advantage in its votes.
    let truth: HashMap<String, f64> = arenawatt::sim::simulate::bundled_strengths()
        .into_iter()
        .map(|s| (s.model, s.bt_score))
        .collect();
    let (_, rows) = read_csv(&std::fs::read_to_string(&votes).unwrap());
    let mut advantage: HashMap<String, (f64, f64)> = HashMap::new();
    for row in &rows {
        let (ta, tb): (f64, f64) = (
            row["tokens_a"].parse().unwrap(),
            row["tokens_b"].parse().unwrap(),
        );
        let r = (ta - tb) / (ta + tb);
        for (model, sign) in [(&row["model_a"], 1.0), (&row["model_b"], -1.0)] {
            let entry = advantage.entry(model.clone()).or_default();
            entry.0 += sign * r;
            entry.1 += 1.0;
        }
    }

    let (controlled, notices) = query(&db, "controlled");
    assert!(
        notices.contains("style-controlled scores: output_tokens"),
        "{notices}"
    );
    let style = &controlled["style"];
    assert_eq!(style["applied"], "controlled");
    let coefficient = &style["coefficients"][0];
    assert_eq!(coefficient["feature"], "output_tokens");
    // β is reported per standard deviation of the relative difference.
    let sd = coefficient["std"].as_f64().unwrap();
    let (low, high) = (
        coefficient["ci_low"].as_f64().unwrap() / sd,
        coefficient["ci_high"].as_f64().unwrap() / sd,
    );
    assert!(
        (low..=high).contains(&LENGTH_EFFECT),
        "fitted β per unit [{low}, {high}] misses the true {LENGTH_EFFECT}"
    );

    // `arenawatt rank --style controlled` fits the csv itself: the same
    // coefficient, with its interval, in its JSON.
    let ranked = arenawatt(
        &db,
        &[
            "rank",
            "--input",
            votes.to_str().unwrap(),
            "--style",
            "controlled",
            "--format",
            "json",
        ],
        true,
    );
    let ranked: Value = serde_json::from_str(&ranked.stdout).unwrap();
    let from_rank = &ranked["style"]["coefficients"][0];
    assert_eq!(from_rank["feature"], "output_tokens");
    assert!(from_rank["ci_low"].is_number() && from_rank["ci_high"].is_number());
    let (b1, b2) = (
        from_rank["beta"].as_f64().unwrap(),
        coefficient["beta"].as_f64().unwrap(),
    );
    assert!((b1 - b2).abs() < 1e-9, "rank β {b1} vs query β {b2}");

    // The trend honours the style: its last cumulative step holds every
    // vote, so it gives the leaderboard's controlled scores.
    let trend = arenawatt(
        &db,
        &[
            "query",
            "--type",
            "trend",
            "--style",
            "controlled",
            "--step",
            "week",
            "--format",
            "json",
        ],
        true,
    );
    assert!(
        trend.stderr.contains("style-controlled scores"),
        "{}",
        trend.stderr
    );
    let trend: Value = serde_json::from_str(&trend.stdout).unwrap();
    let points = trend["rows"].as_array().unwrap();
    let last = points
        .iter()
        .map(|r| r["time_ms"].as_i64().unwrap())
        .max()
        .unwrap();
    let final_scores: HashMap<&str, f64> = points
        .iter()
        .filter(|r| r["time_ms"].as_i64() == Some(last))
        .map(|r| {
            (
                r["model"].as_str().unwrap(),
                r["bt_score"].as_f64().unwrap(),
            )
        })
        .collect();
    let mut compared = 0;
    for row in controlled["rows"].as_array().unwrap() {
        let (Some(model), Some(score)) = (row["model"].as_str(), row["bt_score"].as_f64()) else {
            continue;
        };
        if let Some(at_end) = final_scores.get(model) {
            assert!(
                (at_end - score).abs() < 1e-6,
                "{model}: trend {at_end} vs leaderboard {score}"
            );
            compared += 1;
        }
    }
    assert!(compared > 50, "{compared} models compared");
    // Regressions too: each window is fitted with its votes' style.
    let regression = arenawatt(
        &db,
        &[
            "query",
            "--type",
            "regression",
            "--style",
            "controlled",
            "--latest-days",
            "10",
            "--format",
            "json",
        ],
        true,
    );
    assert!(
        regression
            .stderr
            .contains("latest window: style-controlled scores"),
        "{}",
        regression.stderr
    );
    let regression: Value = serde_json::from_str(&regression.stdout).unwrap();
    assert!(regression["rows"].as_array().unwrap().len() > 50);

    let rated: Vec<&Value> = controlled["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["bt_score"].is_number())
        .collect();
    let models: Vec<String> = rated
        .iter()
        .map(|r| r["model"].as_str().unwrap().to_string())
        .collect();
    assert!(models.len() > 50, "{} rated models", models.len());
    let score = |key: &str| -> HashMap<String, f64> {
        rated
            .iter()
            .map(|r| {
                (
                    r["model"].as_str().unwrap().to_string(),
                    r[key].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let (fitted, raw) = (
        centred(&score("bt_score"), &models),
        centred(&score("bt_score_raw"), &models),
    );
    assert_eq!(score("bt_score"), score("bt_score_controlled"));
    let true_centred = centred(&truth, &models);
    // Recovery: the true strength lies in the controlled CI for ≥ 90% of models.
    let covered = rated
        .iter()
        .filter(|r| {
            let m = r["model"].as_str().unwrap();
            let shift = r["bt_score"].as_f64().unwrap() - fitted[m];
            let (lo, hi) = (
                r["bt_ci_low"].as_f64().unwrap() - shift,
                r["bt_ci_high"].as_f64().unwrap() - shift,
            );
            (lo..=hi).contains(&true_centred[m])
        })
        .count();
    assert!(
        covered as f64 >= 0.9 * models.len() as f64,
        "true strength inside the controlled CI for {covered} of {} models",
        models.len()
    );

    // Bias: raw − true follows the length advantage, about β·E[r]·400/ln 10
    // per model (first order), centred like the scores.
    let predicted: HashMap<String, f64> = models
        .iter()
        .map(|m| {
            let (sum, n) = advantage[m];
            (m.clone(), POINTS_PER_NAT * LENGTH_EFFECT * sum / n)
        })
        .collect();
    let predicted = centred(&predicted, &models);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for m in &models {
        let (x, y) = (predicted[m], raw[m] - true_centred[m]);
        sxy += x * y;
        sxx += x * x;
        syy += y * y;
    }
    let slope = sxy / sxx;
    let correlation = sxy / (sxx * syy).sqrt();
    assert!(
        (0.75..=1.25).contains(&slope),
        "raw bias / predicted bias: slope {slope}"
    );
    assert!(
        correlation > 0.8,
        "raw bias against predicted: correlation {correlation}"
    );
    // The model with the largest predicted bias is pushed up in the raw fit
    // and brought back by style control.
    let longest = models
        .iter()
        .max_by(|a, b| predicted[*a].total_cmp(&predicted[*b]))
        .unwrap();
    assert!(
        predicted[longest] > 10.0,
        "{longest}: {}",
        predicted[longest]
    );
    assert!(
        raw[longest] - fitted[longest] > 0.5 * predicted[longest],
        "{longest}"
    );
}

#[test]
fn a_style_query_over_votes_without_features_is_the_raw_fit_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = dir.path().join("votes.csv");
    std::fs::write(
        &votes,
        "model_a,model_b,winner,timestamp\n\
         llama-3.1-8b,gemma-2-9b-it,model_a,2026-01-01T00:00:00Z\n\
         gemma-2-9b-it,llama-3.1-8b,model_a,2026-01-02T00:00:00Z\n\
         llama-3.1-8b,gemma-2-9b-it,model_a,2026-01-03T00:00:00Z\n",
    )
    .unwrap();
    arenawatt(
        &db,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
    let (controlled, notices) = query(&db, "controlled");
    assert!(
        notices.contains("none of the 3 votes carries a style feature"),
        "{notices}"
    );
    assert_eq!(controlled["style"]["applied"], "raw");
    let (raw, _) = query(&db, "raw");
    for (c, r) in controlled["rows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(raw["rows"].as_array().unwrap())
    {
        assert_eq!(c["bt_score"], r["bt_score"]);
        assert_eq!(c["bt_score_raw"], r["bt_score"]);
        assert!(c["bt_score_controlled"].is_null());
    }
    assert!(raw["style"].is_null());
}

#[test]
fn markdown_counts_are_fitted_and_absurd_ones_are_refused_with_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "model_a,model_b,winner,timestamp,headers_a,headers_b\n\
         llama-3.1-8b,gemma-2-9b-it,model_a,2026-01-01T00:00:00Z,2,1\n\
         llama-3.1-8b,gemma-2-9b-it,model_a,2026-01-02T00:00:00Z,-3,1\n",
    )
    .unwrap();
    let refused = arenawatt(
        &db,
        &["import", "--format", "csv", bad.to_str().unwrap()],
        false,
    );
    assert!(
        refused
            .stderr
            .contains("bad.csv:3:headers_a: negative markdown count -3"),
        "{refused}"
    );
    std::fs::write(
        &bad,
        "model_a,model_b,winner,timestamp,bold_a,bold_b\n\
         llama-3.1-8b,gemma-2-9b-it,model_a,2026-01-01T00:00:00Z,1,5000000\n",
    )
    .unwrap();
    let refused = arenawatt(
        &db,
        &["import", "--format", "csv", bad.to_str().unwrap()],
        false,
    );
    assert!(
        refused
            .stderr
            .contains("bad.csv:2:bold_b: markdown count 5000000 is absurd"),
        "{refused}"
    );

    // Markdown only (no tokens): the headers feature is the one fitted.
    let good = dir.path().join("good.csv");
    let mut text = String::from("model_a,model_b,winner,timestamp,headers_a,headers_b\n");
    for day in 1..=28 {
        let (winner, ha, hb) = if day % 3 == 0 {
            ("model_b", 0, 4)
        } else {
            ("model_a", 4, 0)
        };
        text.push_str(&format!(
            "llama-3.1-8b,gemma-2-9b-it,{winner},2026-02-{day:02}T00:00:00Z,{ha},{hb}\n"
        ));
        text.push_str(&format!(
            "gemma-2-9b-it,llama-3.1-8b,{},2026-02-{day:02}T01:00:00Z,{},{}\n",
            if day % 2 == 0 { "model_a" } else { "model_b" },
            day % 4,
            (day + 1) % 4
        ));
    }
    std::fs::write(&good, text).unwrap();
    arenawatt(
        &db,
        &["import", "--format", "csv", good.to_str().unwrap()],
        true,
    );
    let (controlled, notices) = query(&db, "controlled");
    assert!(
        notices.contains("headers (56 votes) held equal"),
        "{notices}"
    );
    let features: Vec<&str> = controlled["style"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["feature"].as_str().unwrap())
        .collect();
    assert_eq!(features, ["headers"]);
    assert!(
        controlled["style"]["coefficients"][0]["beta"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn chatbot_arena_battles_carry_their_style_from_conv_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let battles = dir.path().join("battles.jsonl");
    let mut lines = String::new();
    for i in 0..40 {
        // The longer answer wins four times in five, whichever side it is.
        let a_long = i % 2 == 0;
        let long_wins = i % 5 != 0;
        let winner = if long_wins == a_long {
            "model_a"
        } else {
            "model_b"
        };
        let (ta, tb) = if a_long { (900, 300) } else { (300, 900) };
        // Headers vary apart from the length, so the two are not collinear.
        let (ha, hb) = (i % 3, (i / 3) % 4);
        lines.push_str(&format!(
            r#"{{"question_id": "q{i}", "model_a": "llama-3.1-8b", "model_b": "gemma-2-9b-it", "winner": "{winner}", "tstamp": {}, "conv_metadata": {{"sum_assistant_a_tokens": {ta}, "sum_assistant_b_tokens": {tb}, "header_count_a": {{"h1": {ha}, "h2": 1}}, "header_count_b": {{"h1": {hb}, "h2": 1}}, "bold_count_a": {{"**": 2, "__": 0}}, "bold_count_b": {{"**": 2, "__": 0}}, "list_count_a": {{"ordered": 0, "unordered": 4}}, "list_count_b": {{"ordered": 1, "unordered": 3}}}}}}"#,
            1_767_225_600 + i * 3600
        ));
        lines.push('\n');
    }
    std::fs::write(&battles, &lines).unwrap();
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            battles.to_str().unwrap(),
        ],
        true,
    );
    let store = arenawatt::store::Store::open_read_only(&db).unwrap();
    let (_, table, coverage) = store.style_table(&Default::default()).unwrap();
    // Tokens and headers differ; bold is equal on both sides (a relative
    // difference of 0); lists sum ordered and unordered (4 each).
    assert_eq!(coverage.with_feature, [40, 40, 40, 40]);
    assert_eq!(
        table
            .cells
            .iter()
            .map(|c| c.wins_lo + c.wins_hi + c.ties)
            .sum::<u64>(),
        40
    );
    let (controlled, notices) = query(&db, "controlled");
    let fitted: Vec<&str> = controlled["style"]["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["feature"].as_str().unwrap())
        .collect();
    assert!(
        fitted.contains(&"output_tokens") && fitted.contains(&"headers"),
        "{fitted:?} {notices}"
    );
    let unused: Vec<&str> = controlled["style"]["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["feature"].as_str().unwrap())
        .collect();
    assert_eq!(unused, ["bold", "lists"], "{notices}");

    // A negative count in conv_metadata is refused with file:row:column.
    std::fs::write(
        &battles,
        r#"{"model_a": "llama-3.1-8b", "model_b": "gemma-2-9b-it", "winner": "model_a", "tstamp": 1767225600, "conv_metadata": {"header_count_a": {"h1": -2}, "header_count_b": 0}}"#,
    )
    .unwrap();
    let refused = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            battles.to_str().unwrap(),
        ],
        false,
    );
    assert!(
        refused
            .stderr
            .contains("battles.jsonl:1:conv_metadata: header_count_a: negative markdown count -2"),
        "{refused}"
    );
}

#[test]
fn style_that_predicts_every_outcome_falls_back_to_the_raw_fit_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = dir.path().join("votes.csv");
    let mut text = String::from("model_a,model_b,winner,timestamp,tokens_a,tokens_b\n");
    for day in 1..=20 {
        // The longer answer always wins: no finite length effect fits.
        let (winner, ta, tb) = if day % 2 == 0 {
            ("model_a", 900, 100)
        } else {
            ("model_b", 100, 900)
        };
        text.push_str(&format!(
            "llama-3.1-8b,gemma-2-9b-it,{winner},2026-03-{day:02}T00:00:00Z,{ta},{tb}\n"
        ));
    }
    std::fs::write(&votes, text).unwrap();
    arenawatt(
        &db,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
    let (controlled, notices) = query(&db, "controlled");
    assert!(
        notices.contains("style control could not be fitted"),
        "{notices}"
    );
    assert_eq!(controlled["style"]["applied"], "raw");
    let (raw, _) = query(&db, "raw");
    assert_eq!(
        controlled["rows"][0]["bt_score"],
        raw["rows"][0]["bt_score"]
    );
}

#[test]
fn simulated_markdown_counts_carry_their_own_known_effect() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let votes = dir.path().join("votes.csv");
    arenawatt(
        &db,
        &[
            "simulate",
            "--votes",
            "100000",
            "--days",
            "30",
            "--seed",
            "5",
            "--length-effect",
            "0.4",
            "--markdown-effect",
            "0.8",
            "--out",
            votes.to_str().unwrap(),
        ],
        true,
    );
    let header = std::fs::read_to_string(&votes)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.ends_with(",headers_a,headers_b,bold_a,bold_b,lists_a,lists_b"),
        "{header}"
    );
    arenawatt(
        &db,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
    let (controlled, notices) = query(&db, "controlled");
    // Every feature is fitted; length and headers have their true effects,
    // bold spans and list items (which follow the headers, with no effect of
    // their own) none: each true value lies in its interval (per unit).
    let truth = [
        ("output_tokens", 0.4),
        ("headers", 0.8),
        ("bold", 0.0),
        ("lists", 0.0),
    ];
    let coefficients = controlled["style"]["coefficients"].as_array().unwrap();
    assert_eq!(coefficients.len(), 4, "{notices}");
    for (feature, beta) in truth {
        let c = coefficients
            .iter()
            .find(|c| c["feature"] == feature)
            .unwrap();
        let sd = c["std"].as_f64().unwrap();
        let (low, high) = (
            c["ci_low"].as_f64().unwrap() / sd,
            c["ci_high"].as_f64().unwrap() / sd,
        );
        assert!(
            (low..=high).contains(&beta),
            "{feature}: [{low}, {high}] misses {beta}"
        );
    }
}
