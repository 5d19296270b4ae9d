//! `arenawatt demo` on a fresh folder: it builds the store from bundled data,
//! prints the scatter of the simulated source (59 open models, with BT score,
//! CI, Wh and gCO2e per 1000 tokens), says the votes are simulated, and the
//! fit recovers compar:IA's published medians.

use crate::support::{cli::*, data::*, store::*};

#[test]
fn the_first_run_prints_59_open_models_and_says_the_votes_are_simulated() {
    let (_, stdout) = demo_store();
    assert!(stdout.contains("SIMULATED VOTES"), "{stdout}");
    assert!(stdout.contains("not real votes"), "{stdout}");
    assert!(stdout.contains("59 open models"), "{stdout}");
    assert!(
        stdout.contains("Wh/1k tokens")
            && stdout.contains("gCO2e/1k tokens")
            && stdout.contains("95% CI"),
        "{stdout}"
    );
    let strengths = bundled_strengths();
    let open_models = strengths.iter().filter(|(_, s)| s.3 == "open").count();
    let listed = strengths
        .iter()
        .filter(|(model, s)| {
            s.3 == "open"
                && stdout
                    .lines()
                    .any(|l| l.split_whitespace().nth(1) == Some(model.as_str()))
        })
        .count();
    assert_eq!((open_models, listed), (59, 59), "{stdout}");
}

#[test]
fn recovered_scores_are_within_their_ci_of_the_published_medians() {
    let (store, _) = demo_store();
    let dir = store.parent().unwrap();
    let csv = run_ok(
        dir,
        &[
            "--db",
            "demo.db",
            "query",
            "--type",
            "leaderboard",
            "--sources",
            "simulated",
            "--format",
            "csv",
        ],
    );
    let (_, rows) = read_csv(&csv);
    let strengths = bundled_strengths();
    assert_eq!(
        rows.len(),
        strengths.len(),
        "every simulated model is rated:\n{csv}"
    );
    let mut inside = 0;
    let mut report = Vec::new();
    for row in &rows {
        let (published, _, _, _) = strengths[&row["model"]];
        let (low, high) = (
            number(row, "bt_ci_low").unwrap(),
            number(row, "bt_ci_high").unwrap(),
        );
        let ok = low <= published && published <= high;
        inside += usize::from(ok);
        report.push(format!(
            "{:40} published {published:7.1}  fitted [{low:7.1}, {high:7.1}] {}",
            row["model"],
            if ok { "" } else { "OUTSIDE" }
        ));
    }
    let share = inside as f64 / rows.len() as f64;
    assert!(
        share >= 0.90,
        "only {inside}/{} within their CI:\n{}",
        rows.len(),
        report.join("\n")
    );
    println!("{inside}/{} models within their CI", rows.len());
}

#[test]
fn the_global_db_chooses_the_demo_store_that_query_then_reads() {
    let dir = scratch(&format!("demo-db-{}", std::process::id()));
    let built = run_ok(&dir, &["--db", "chosen.db", "demo", "--csv"]);
    assert!(
        dir.join("chosen.db").is_file(),
        "`--db chosen.db demo` built no chosen.db:\n{built}"
    );
    assert!(
        !dir.join("arenawatt-demo.db").exists(),
        "`--db chosen.db demo` still built ./arenawatt-demo.db"
    );
    let csv = run_ok(
        &dir,
        &[
            "--db",
            "chosen.db",
            "query",
            "--type",
            "scatter",
            "--sources",
            "simulated",
            "--format",
            "csv",
        ],
    );
    let (header, rows) = read_csv(&csv);
    assert!(header.iter().any(|c| c == "wh_per_1k_tokens"), "{csv}");
    assert_eq!(rows.len(), 59, "the demo's 59 open models:\n{csv}");
    // The demo printed the same scatter as CSV.
    let (_, demo_rows) = read_csv(&built);
    let models = |rows: &[std::collections::HashMap<String, String>]| {
        let mut names: Vec<String> = rows.iter().map(|r| r["model"].clone()).collect();
        names.sort();
        names
    };
    assert_eq!(
        models(&demo_rows),
        models(&rows),
        "demo --csv and query disagree"
    );
}

#[test]
fn a_second_run_reuses_the_store() {
    let (store, _) = demo_store();
    let dir = store.parent().unwrap();
    let output = arenawatt(dir, &["demo", "--store", "demo.db"]);
    let stderr = &output.stderr;
    assert!(
        output.status.success() && stderr.contains("reusing"),
        "{}",
        output
    );
}
