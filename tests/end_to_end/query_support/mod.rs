//! Helpers shared by the query, demo, simulate and time integration tests:
//! run the real `arenawatt` binary, fail with everything it printed, read CSV.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_arenawatt");

/// Runs `arenawatt ARGS` in `dir`.
pub fn arenawatt(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("ARENAWATT_DB")
        .output()
        .expect("the arenawatt binary runs")
}

pub fn describe(args: &[&str], output: &Output) -> String {
    format!(
        "arenawatt {}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs and returns stdout; panics with everything printed on failure.
pub fn run_ok(dir: &Path, args: &[&str]) -> String {
    let output = arenawatt(dir, args);
    assert!(
        output.status.success(),
        "command failed:\n{}",
        describe(args, &output)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// Runs a command expected to fail; returns (stdout, stderr).
pub fn run_err(dir: &Path, args: &[&str]) -> (String, String) {
    let output = arenawatt(dir, args);
    assert!(
        !output.status.success(),
        "command should have failed:\n{}",
        describe(args, &output)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// CSV text as (header, rows as maps).
pub fn read_csv(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("csv header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("csv row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect();
    (header, rows)
}

pub fn number(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    row.get(key)
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{key}={v} in {row:?}")))
}

/// A scratch folder under cargo's test tmp dir, fresh for this name.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("arenawatt-query-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The demo store, built once per test binary with `arenawatt demo`.
pub fn demo_store() -> &'static (PathBuf, String) {
    static STORE: OnceLock<(PathBuf, String)> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = scratch(&format!("demo-{}", std::process::id()));
        let stdout = run_ok(&dir, &["demo", "--store", "demo.db"]);
        (dir.join("demo.db"), stdout)
    })
}

/// The bundled true strengths: model → (score, published CI low, high, license).
pub fn bundled_strengths() -> HashMap<String, (f64, f64, f64, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg/data/demo/comparia_strengths_20260211.csv"),
    )
    .expect("bundled strengths");
    let (_, rows) = read_csv(&text);
    rows.into_iter()
        .map(|r| {
            (
                r["model"].clone(),
                (
                    number(&r, "bt_score").unwrap(),
                    number(&r, "bt_ci_low").unwrap(),
                    number(&r, "bt_ci_high").unwrap(),
                    r["license"].clone(),
                ),
            )
        })
        .collect()
}
