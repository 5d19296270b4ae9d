//! Time queries on simulated data with a known change point.
//!
//! The demo store's simulated source has 6 months of votes in which
//! `llama-3.3-70b` loses 100 BT points in the last 30 days (and nothing else
//! changes). `trend` must show the drop where it happens, and `regression` must
//! flag that model with `bt_z < -3` and, beyond it, no more models than the
//! threshold's false-positive rate implies. `energy-trend` must equal the sum
//! over the votes of tokens × per-token Wh, computed here from the CSV.

use std::collections::{BTreeMap, HashMap};

use crate::support::{cli::*, data::*, store::*};

const DEGRADED: &str = "llama-3.3-70b";

fn demo_query(args: &[&str]) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let (store, _) = demo_store();
    let mut full = vec![
        "--db",
        store.to_str().unwrap(),
        "query",
        "--sources",
        "simulated",
        "--format",
        "csv",
    ];
    full.extend_from_slice(args);
    read_csv(&run_ok(store.parent().unwrap(), &full))
}

#[test]
fn trend_shows_the_change_point() {
    let (header, rows) = demo_query(&[
        "--type",
        "trend",
        "--window",
        "rolling",
        "--window-days",
        "30",
        "--step",
        "week",
        "--include-ci",
        "--models",
        "llama-3.3-70b,phi-4",
    ]);
    assert_eq!(
        header,
        ["time", "model", "bt_score", "bt_ci_low", "bt_ci_high"]
    );
    let series = |model: &str| -> Vec<(String, f64, f64, f64)> {
        rows.iter()
            .filter(|r| r["model"] == model)
            .map(|r| {
                (
                    r["time"].clone(),
                    number(r, "bt_score").unwrap(),
                    number(r, "bt_ci_low").unwrap(),
                    number(r, "bt_ci_high").unwrap(),
                )
            })
            .collect()
    };
    let degraded = series(DEGRADED);
    let control = series("phi-4");
    assert!(
        degraded.len() >= 20 && control.len() == degraded.len(),
        "{rows:?}"
    );
    let shown = |s: &[(String, f64, f64, f64)]| {
        s.iter()
            .map(|p| format!("{} {:.1} [{:.1}, {:.1}]", p.0, p.1, p.2, p.3))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Weekly points whose 30-day window ends at least 5 weeks before the last
    // point hold no degraded day.
    let n = degraded.len();
    let before: Vec<f64> = degraded[..n - 5].iter().map(|p| p.1).collect();
    let baseline = before.iter().sum::<f64>() / before.len() as f64;
    let last = &degraded[n - 1];
    assert!(
        last.1 < baseline - 60.0 && last.3 < baseline,
        "no drop at the end:\n{}",
        shown(&degraded)
    );
    for point in &degraded[..n - 5] {
        assert!(
            (point.1 - baseline).abs() < 2.5 * (point.3 - point.2) / 2.0,
            "drop before the change point:\n{}",
            shown(&degraded)
        );
    }
    // The control model does not move beyond its noise.
    let control_before = control[..n - 5].iter().map(|p| p.1).sum::<f64>() / (n - 5) as f64;
    let control_last = &control[n - 1];
    assert!(
        (control_last.1 - control_before).abs()
            < 2.0 * (control_last.3 - control_last.2) / 2.0 + 5.0,
        "{}",
        shown(&control)
    );
}

#[test]
fn regression_flags_the_degraded_model_and_few_others() {
    let (header, rows) = demo_query(&["--type", "regression", "--latest-days", "30"]);
    assert_eq!(
        header,
        ["model", "organization", "metric", "value"],
        "alert frame: three strings and one number"
    );
    let z: BTreeMap<&str, f64> = rows
        .iter()
        .filter(|r| r["metric"] == "bt_z")
        .map(|r| (r["model"].as_str(), number(r, "value").unwrap()))
        .collect();
    assert_eq!(z.len(), 87, "{rows:?}");
    assert!(z[DEGRADED] < -3.0, "degraded model bt_z {}", z[DEGRADED]);
    // Under no change bt_z is about standard normal, so `bt_z < -3` fires for a
    // steady model with probability Φ(-3) = 0.135%: among the 86 others we
    // expect 0.12 false alerts, and two or more with probability 0.6%.
    let flagged: Vec<_> = z
        .iter()
        .filter(|(m, v)| **m != DEGRADED && **v < -3.0)
        .collect();
    assert!(
        flagged.len() <= 1,
        "false alerts beyond the rate the threshold implies: {flagged:?}"
    );
    // And the z-scores of steady models look standard normal.
    let others: Vec<f64> = z
        .iter()
        .filter(|(m, _)| **m != DEGRADED)
        .map(|(_, v)| *v)
        .collect();
    let mean = others.iter().sum::<f64>() / others.len() as f64;
    let sd =
        (others.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (others.len() - 1) as f64).sqrt();
    assert!(
        mean.abs() < 0.4 && (0.7..1.3).contains(&sd),
        "steady models' bt_z: mean {mean}, sd {sd}"
    );
    let delta = rows
        .iter()
        .find(|r| r["model"] == DEGRADED && r["metric"] == "bt_delta")
        .unwrap();
    assert!(
        (number(delta, "value").unwrap() + 100.0).abs() < 50.0,
        "{delta:?}"
    );
    for metric in ["rank_delta", "bt_delta"] {
        assert_eq!(
            rows.iter().filter(|r| r["metric"] == metric).count(),
            87,
            "{metric}"
        );
    }
    assert!(
        rows.iter()
            .any(|r| r["model"] == "mix" && r["metric"] == "wh_delta_pct"),
        "{rows:?}"
    );
}

#[test]
fn energy_trend_totals_equal_the_sum_over_votes() {
    let dir = scratch("energy-trend");
    run_ok(
        &dir,
        &[
            "simulate",
            "--votes",
            "20000",
            "--days",
            "14",
            "--end",
            "2026-01-31",
            "--seed",
            "9",
            "--out",
            "votes.csv",
        ],
    );
    run_ok(
        &dir,
        &["--db", "e.db", "import", "--format", "csv", "votes.csv"],
    );
    let csv = |args: &[&str]| {
        let mut full = vec!["--db", "e.db", "query", "--format", "csv"];
        full.extend_from_slice(args);
        read_csv(&run_ok(&dir, &full)).1
    };
    // Per-token Wh of each model, from the leaderboard's per-1000-token figure.
    let per_1k: HashMap<String, Option<f64>> = csv(&["--type", "leaderboard"])
        .into_iter()
        .map(|r| (r["model"].clone(), number(&r, "wh_per_1k_tokens")))
        .collect();
    // Independently: sum tokens × Wh per token over the votes, per UTC day and model.
    let (_, votes) = read_csv(&std::fs::read_to_string(dir.join("votes.csv")).unwrap());
    let mut expected: BTreeMap<(String, String), (u64, Option<f64>)> = BTreeMap::new();
    for vote in &votes {
        let day = vote["timestamp"][..10].to_string();
        for (side, tokens) in [("model_a", "tokens_a"), ("model_b", "tokens_b")] {
            let model = vote[side].clone();
            let tokens: u64 = vote[tokens].parse().unwrap();
            let wh = per_1k[&model].map(|w| tokens as f64 * w / 1000.0);
            let entry = expected
                .entry((day.clone(), model))
                .or_insert((0, Some(0.0)));
            entry.0 += tokens;
            entry.1 = match (entry.1, wh) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
        }
    }
    let relative = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-300);
    let rows = csv(&["--type", "energy-trend", "--group-by", "model"]);
    assert_eq!(rows.len(), expected.len());
    for row in &rows {
        let key = (row["time"][..10].to_string(), row["model"].clone());
        let (tokens, wh) = expected[&key];
        assert_eq!(
            number(row, "output_tokens").unwrap() as u64,
            tokens,
            "{row:?}"
        );
        match wh {
            Some(wh) => assert!(
                relative(number(row, "wh").unwrap(), wh) < 1e-9,
                "{row:?} vs {wh}"
            ),
            None => {
                assert_eq!(row["wh"], "", "{row:?}");
                assert_eq!(
                    number(row, "tokens_without_energy").unwrap() as u64,
                    tokens,
                    "{row:?}"
                );
            }
        }
    }
    let totals = csv(&["--type", "energy-trend", "--group-by", "total"]);
    let mut per_day: BTreeMap<String, f64> = BTreeMap::new();
    for ((day, _), (_, wh)) in &expected {
        *per_day.entry(day.clone()).or_default() += wh.unwrap_or(0.0);
    }
    assert_eq!(totals.len(), 14);
    let mut grand = 0.0;
    for row in &totals {
        let wh = number(row, "wh").unwrap();
        assert!(relative(wh, per_day[&row["time"][..10]]) < 1e-9, "{row:?}");
        grand += wh;
    }
    let expected_grand: f64 = per_day.values().sum();
    assert!(
        relative(grand, expected_grand) < 1e-9,
        "{grand} vs {expected_grand}"
    );
}

/// The same check on the demo store, whose votes the test redraws from the
/// demo's simulation (same seed and end day): independent of any importer.
#[test]
fn energy_trend_of_the_demo_store_equals_the_sum_over_its_votes() {
    use arenawatt::sim::{demo, simulate};
    let (store, stdout) = demo_store();
    let end = stdout
        .split(" to ")
        .nth(1)
        .map(|rest| &rest[..10])
        .and_then(arenawatt::query::time::parse_date)
        .unwrap_or_else(|| panic!("no end date in the demo output:\n{stdout}"));
    let strengths = demo::demo_strengths();
    let db = store.to_str().unwrap();
    let dir = store.parent().unwrap();
    let csv = |args: &[&str]| {
        let mut full = vec![
            "--db",
            db,
            "query",
            "--sources",
            "simulated",
            "--format",
            "csv",
        ];
        full.extend_from_slice(args);
        read_csv(&run_ok(dir, &full)).1
    };
    let per_1k: HashMap<String, Option<f64>> = csv(&["--type", "leaderboard"])
        .into_iter()
        .map(|r| (r["model"].clone(), number(&r, "wh_per_1k_tokens")))
        .collect();
    let mut expected: BTreeMap<i64, (u64, f64, u64)> = BTreeMap::new();
    simulate::simulate(&strengths, &demo::demo_simulation(end), |v| {
        let day = v.timestamp.div_euclid(86_400);
        let entry = expected.entry(day).or_default();
        for (model, tokens) in [(v.model_a, v.tokens_a), (v.model_b, v.tokens_b)] {
            entry.0 += tokens;
            match per_1k[&strengths[model].model] {
                Some(wh) => entry.1 += tokens as f64 * wh / 1000.0,
                None => entry.2 += tokens,
            }
        }
        Ok(())
    })
    .unwrap();
    let totals = csv(&["--type", "energy-trend", "--group-by", "total"]);
    assert_eq!(totals.len(), expected.len());
    let relative = |a: f64, b: f64| (a - b).abs() / b.abs();
    for (row, (day, (tokens, wh, unpriced))) in totals.iter().zip(&expected) {
        assert_eq!(
            &row["time"][..10],
            arenawatt::query::time::format_day(*day),
            "{row:?}"
        );
        assert_eq!(
            number(row, "output_tokens").unwrap() as u64,
            *tokens,
            "{row:?}"
        );
        assert_eq!(
            number(row, "tokens_without_energy").unwrap() as u64,
            *unpriced,
            "{row:?}"
        );
        assert!(
            relative(number(row, "wh").unwrap(), *wh) < 1e-9,
            "{row:?} vs {wh}"
        );
    }
}
