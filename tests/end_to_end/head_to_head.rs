//! `head-to-head` end to end: on votes written here, every off-diagonal
//! cell's battles, wins and ties equal the counts tallied here from the raw
//! votes, the win fraction follows from them, the predicted probability
//! follows from the leaderboard's scores, the diagonal is null, an unplayed
//! pair has 0 battles and no win fraction, row filters pick among the
//! fitted models, and `top` is bounded.

use std::collections::HashMap;

use crate::support::{cli::*, data::*};

const MODELS: [&str; 4] = ["glm-4.5", "llama-3.1-8b", "gemma-3-27b", "qwen3-32b"];

/// (a, b, winner) per vote, a deterministic mix; gemma-3-27b never meets
/// qwen3-32b.
fn votes() -> Vec<(usize, usize, &'static str)> {
    let mut out = Vec::new();
    let mut state = 7u64;
    for _ in 0..600 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = (state >> 33) as usize % 4;
        let b = (a + 1 + (state >> 40) as usize % 3) % 4;
        if (a, b) == (2, 3) || (a, b) == (3, 2) {
            continue;
        }
        let winner = match (state >> 50) % 7 {
            0 => "tie",
            1 => "tie (bothbad)",
            2..=4 => "model_a",
            _ => "model_b",
        };
        out.push((a, b, winner));
    }
    out
}

#[test]
fn head_to_head_counts_and_predictions_follow_the_votes_and_the_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("model_a,model_b,winner,timestamp\n");
    // (a, b) ordered by name index → [wins of a, wins of b, ties]
    let mut tally: HashMap<(usize, usize), [u64; 3]> = HashMap::new();
    for (i, (a, b, winner)) in votes().into_iter().enumerate() {
        csv.push_str(&format!(
            "{},{},{winner},2026-01-{:02}T{:02}:00:00Z\n",
            MODELS[a],
            MODELS[b],
            1 + i % 28,
            i % 24
        ));
        for (x, y, flip) in [(a, b, false), (b, a, true)] {
            let t = tally.entry((x, y)).or_default();
            match (winner, flip) {
                ("model_a", false) | ("model_b", true) => t[0] += 1,
                ("model_b", false) | ("model_a", true) => t[1] += 1,
                _ => t[2] += 1,
            }
        }
    }
    std::fs::write(dir.path().join("votes.csv"), csv).unwrap();
    assert!(arenawatt(dir.path(), &["import", "--format", "csv", "votes.csv"]).success);

    let board = run_ok(
        dir.path(),
        &["query", "--type", "leaderboard", "--format", "csv"],
    );
    let (_, board) = read_csv(&board);
    let score: HashMap<String, (f64, String)> = board
        .iter()
        .map(|r| {
            (
                r["model"].clone(),
                (number(r, "bt_score").unwrap(), r["rank"].clone()),
            )
        })
        .collect();
    assert_eq!(score.len(), 4);

    let text = run_ok(
        dir.path(),
        &[
            "query",
            "--type",
            "head-to-head",
            "--top",
            "4",
            "--format",
            "csv",
        ],
    );
    let (header, rows) = read_csv(&text);
    assert_eq!(
        header[..4],
        ["model_a", "display_name_a", "rank_a", "model_b"]
    );
    assert_eq!(rows.len(), 16);
    let index = |m: &str| MODELS.iter().position(|n| *n == m).unwrap();
    let mut unplayed = 0;
    for r in &rows {
        let (a, b) = (r["model_a"].as_str(), r["model_b"].as_str());
        assert_eq!(r["rank_a"], score[a].1);
        if a == b {
            for key in [
                "battles",
                "wins_a",
                "wins_b",
                "ties",
                "win_fraction_a",
                "predicted_win_a",
            ] {
                assert_eq!(r[key], "", "{a} against itself: {key}");
            }
            continue;
        }
        let t = tally.get(&(index(a), index(b))).copied().unwrap_or([0; 3]);
        let count = |key: &str| r[key].parse::<u64>().unwrap();
        assert_eq!(
            [count("wins_a"), count("wins_b"), count("ties")],
            t,
            "{a} vs {b}"
        );
        assert_eq!(count("battles"), t.iter().sum::<u64>());
        if t[0] + t[1] == 0 {
            unplayed += 1;
            assert_eq!(r["win_fraction_a"], "", "{a} vs {b} never met");
        } else {
            let fraction = number(r, "win_fraction_a").unwrap();
            assert!((fraction - t[0] as f64 / (t[0] + t[1]) as f64).abs() < 1e-12);
        }
        let predicted = number(r, "predicted_win_a").unwrap();
        let expected = 1.0 / (1.0 + 10f64.powf((score[b].0 - score[a].0) / 400.0));
        assert!(
            (predicted - expected).abs() < 1e-9,
            "{a} vs {b}: {predicted} vs {expected}"
        );
    }
    assert_eq!(
        unplayed, 2,
        "gemma-3-27b and qwen3-32b never met, in both orders"
    );

    // The chosen models instead of the top ones; the top two alone.
    let chosen = run_ok(
        dir.path(),
        &[
            "query",
            "--type",
            "head-to-head",
            "--selected",
            "glm-4.5,qwen3-32b",
            "--format",
            "csv",
        ],
    );
    let (_, chosen) = read_csv(&chosen);
    assert_eq!(chosen.len(), 4);
    assert!(chosen
        .iter()
        .all(|r| ["glm-4.5", "qwen3-32b"].contains(&r["model_a"].as_str())));
    let top = run_ok(
        dir.path(),
        &[
            "query",
            "--type",
            "head-to-head",
            "--top",
            "2",
            "--format",
            "csv",
        ],
    );
    let (_, top) = read_csv(&top);
    assert_eq!(top.len(), 4);
    assert!(top
        .iter()
        .all(|r| ["1", "2"].contains(&r["rank_a"].as_str())));

    // Row filters choose among the fitted models ("the 2 best dense
    // models"); the ranks stay those of the whole fit.
    let mut dense: Vec<&str> = vec!["llama-3.1-8b", "gemma-3-27b", "qwen3-32b"];
    dense.sort_by_key(|m| score[*m].1.parse::<u32>().unwrap());
    let filtered = run_ok(
        dir.path(),
        &[
            "query",
            "--type",
            "head-to-head",
            "--top",
            "2",
            "--architectures",
            "dense",
            "--format",
            "csv",
        ],
    );
    let (_, filtered) = read_csv(&filtered);
    assert_eq!(filtered.len(), 4);
    for r in &filtered {
        assert!(dense[..2].contains(&r["model_a"].as_str()), "{r:?}");
        assert_eq!(r["rank_a"], score[r["model_a"].as_str()].1);
    }

    for bad in ["0", "51"] {
        let (_, err) = run_err(
            dir.path(),
            &["query", "--type", "head-to-head", "--top", bad],
        );
        assert!(err.contains(&format!("top: {bad} models")), "{err}");
    }
}
