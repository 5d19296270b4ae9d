//! The recipes of docs/scale.md, run for real: DuckDB (from PyPI, installed
//! by `.ci/run` into `target/duckdb-venv`) aggregates votes written by
//! `arenawatt simulate` into daily pair-count Parquet, `arenawatt import
//! --format pair-counts-parquet` reads it, and every score, CI bound and
//! count must equal that of importing the same votes directly, to 1e-9. The
//! SQL is taken from docs/scale.md itself, so the documented recipe is the
//! tested one.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::cli::arenawatt_on;

/// The Python that has DuckDB: `ARENAWATT_DUCKDB_PYTHON`, else the venv
/// `.ci/run` makes.
pub fn duckdb_python() -> PathBuf {
    if let Some(python) = std::env::var_os("ARENAWATT_DUCKDB_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/duckdb-venv/bin/python");
    assert!(
        venv.exists(),
        "DuckDB is needed by this test: run `bash .ci/install-duckdb.sh` (which .ci/run does), \
         or set ARENAWATT_DUCKDB_PYTHON to a Python that has the duckdb package"
    );
    venv
}

/// Runs SQL text in one DuckDB connection.
pub fn run_duckdb(sql: &str, dir: &Path) {
    let script = dir.join("recipe.sql");
    std::fs::write(&script, sql).unwrap();
    let output = Command::new(duckdb_python())
        .arg("-c")
        .arg("import duckdb, sys; duckdb.connect().execute(open(sys.argv[1]).read())")
        .arg(&script)
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "duckdb failed on\n{sql}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The SQL block after `<!-- recipe: NAME` in docs/scale.md.
pub fn recipe(name: &str) -> String {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale.md"))
        .unwrap();
    let marker = format!("<!-- recipe: {name}");
    let start = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/scale.md has no recipe {name}"));
    let rest = &doc[start..];
    let open = rest
        .find("```sql\n")
        .expect("a sql block follows the marker")
        + 7;
    let close = rest[open..].find("```").expect("the sql block ends") + open;
    rest[open..close].to_string()
}

/// `path` as a SQL string literal.
fn literal(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// A query's JSON answer on a store.
fn answer(db: &Path, query: &[&str]) -> Value {
    let mut args = vec!["query", "--format", "json"];
    args.extend_from_slice(query);
    let run = arenawatt_on(db, &args, true);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{run}"))
}

/// Equal JSON, numbers to 1e-9 (relative for large ones); `path` names the
/// first difference.
fn assert_same(direct: &Value, counted: &Value, path: &str) {
    match (direct, counted) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                "{path}: direct import {a}, pair counts {b}"
            );
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: lengths");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same(x, y, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys = |o: &serde_json::Map<String, Value>| {
                let mut k: Vec<String> = o.keys().cloned().collect();
                k.sort();
                k
            };
            assert_eq!(keys(a), keys(b), "{path}: keys");
            for (key, x) in a {
                assert_same(x, &b[key], &format!("{path}.{key}"));
            }
        }
        (a, b) => assert_eq!(a, b, "{path}"),
    }
}

/// The answers compared: the leaderboard with sandwich and bootstrap CIs,
/// the scatter, a daily trend and the energy trend (which reads the token
/// sums).
const QUERIES: [&[&str]; 5] = [
    &["--type", "leaderboard"],
    &[
        "--type",
        "leaderboard",
        "--ci",
        "bootstrap",
        "--rounds",
        "50",
        "--seed",
        "3",
    ],
    &["--type", "scatter", "--ties", "drop"],
    &[
        "--type",
        "trend",
        "--step",
        "day",
        "--window",
        "cumulative",
        "--include-ci",
    ],
    &["--type", "energy-trend", "--step", "day"],
];

fn assert_same_answers(direct: &Path, counted: &Path) -> usize {
    let mut rows = 0;
    for query in QUERIES {
        let (a, b) = (answer(direct, query), answer(counted, query));
        rows += a["rows"].as_array().map_or(0, Vec::len);
        assert_same(&a, &b, &query.join(" "));
    }
    rows
}

struct Simulated {
    dir: tempfile::TempDir,
    votes: PathBuf,
    direct: PathBuf,
}

fn simulated() -> Simulated {
    let dir = tempfile::tempdir().unwrap();
    let votes = dir.path().join("votes.csv");
    let direct = dir.path().join("direct.db");
    let run = arenawatt_on(
        &direct,
        &[
            "simulate",
            "--votes",
            "30000",
            "--days",
            "40",
            "--seed",
            "17",
            "--out",
            votes.to_str().unwrap(),
        ],
        true,
    );
    assert!(votes.exists(), "{run}");
    arenawatt_on(
        &direct,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
    Simulated { dir, votes, direct }
}

fn import_counts(db: &Path, folder: &Path) -> String {
    arenawatt_on(
        db,
        &[
            "import",
            "--format",
            "pair-counts-parquet",
            folder.to_str().unwrap(),
        ],
        true,
    )
    .stdout
}

#[test]
fn the_duckdb_recipe_gives_the_scores_of_the_direct_import() {
    let sim = simulated();
    let folder = sim.dir.path().join("pair_counts");
    let sql = recipe("duckdb-csv")
        .replace("'votes.csv'", &literal(&sim.votes))
        .replace("'pair_counts'", &literal(&folder));
    run_duckdb(&sql, sim.dir.path());
    let days = std::fs::read_dir(&folder)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("day=")
        })
        .count();
    assert!(days >= 40, "{days} day partitions");
    let counted = sim.dir.path().join("counted.db");
    let printed = import_counts(&counted, &folder);
    assert!(printed.contains("30000 matches"), "{printed}");
    let rows = assert_same_answers(&sim.direct, &counted);
    assert!(rows > 100, "only {rows} rows compared");

    // Importing the same folder again changes nothing.
    let before = std::fs::read(&counted).unwrap();
    let again = import_counts(&counted, &folder);
    assert!(again.contains("nothing changed"), "{again}");
    assert_eq!(before, std::fs::read(&counted).unwrap());
}

#[test]
fn the_spark_aggregate_run_through_duckdb_gives_the_same_scores() {
    let sim = simulated();
    let folder = sim.dir.path().join("spark_counts");
    // The Spark read and write steps are Spark-only (see docs/scale.md);
    // DuckDB stands in for them around the shared aggregate step.
    let sql = format!(
        "SET TimeZone = 'UTC';\n\
         CREATE TEMPORARY VIEW raw_votes AS SELECT * FROM read_csv({}, header = true, all_varchar = true);\n\
         {}\n\
         COPY (SELECT * FROM pair_counts) TO {} (FORMAT parquet, PARTITION_BY (day));\n",
        literal(&sim.votes),
        recipe("spark-aggregate"),
        literal(&folder)
    );
    run_duckdb(&sql, sim.dir.path());
    let counted = sim.dir.path().join("spark.db");
    import_counts(&counted, &folder);
    assert_same_answers(&sim.direct, &counted);
}

/// The sliced recipe: votes with categories (some multi-label), languages
/// and countries, aggregated by DuckDB into overall and sliced rows, give
/// the same slice answers as importing the votes themselves — including a
/// union of two categories, where a vote in both must count once, the slice
/// variables with their vote counts, and `slice-scores`.
#[test]
fn the_sliced_duckdb_recipe_gives_the_slice_scores_of_the_direct_import() {
    let dir = tempfile::tempdir().unwrap();
    let votes = dir.path().join("votes.csv");
    let direct = dir.path().join("direct.db");
    arenawatt_on(
        &direct,
        &[
            "simulate",
            "--votes",
            "30000",
            "--days",
            "40",
            "--seed",
            "23",
            "--slices",
            "demo",
            "--out",
            votes.to_str().unwrap(),
        ],
        true,
    );
    let text = std::fs::read_to_string(&votes).unwrap();
    let multi = text.lines().filter(|l| l.contains('|')).count();
    assert!(multi > 3000, "only {multi} multi-label votes");
    arenawatt_on(
        &direct,
        &["import", "--format", "csv", votes.to_str().unwrap()],
        true,
    );
    let folder = dir.path().join("pair_counts");
    let sql = recipe("duckdb-csv-slices")
        .replace("'votes.csv'", &literal(&votes))
        .replace("'pair_counts'", &literal(&folder));
    run_duckdb(&sql, dir.path());
    let counted = dir.path().join("counted.db");
    let printed = import_counts(&counted, &folder);
    assert!(printed.contains("30000 matches"), "{printed}");

    let sliced: [&[&str]; 9] = [
        &["--type", "leaderboard", "--categories", "Arts"],
        &["--type", "leaderboard", "--categories", "Arts,Education"],
        &[
            "--type",
            "scatter",
            "--languages",
            "fr",
            "--min-votes",
            "200",
        ],
        &[
            "--type",
            "leaderboard",
            "--countries",
            "be",
            "--ci",
            "fisher",
        ],
        &[
            "--type",
            "trend",
            "--step",
            "day",
            "--categories",
            "Environment",
        ],
        &[
            "--type",
            "energy-trend",
            "--step",
            "day",
            "--languages",
            "en",
        ],
        &["--type", "slice-scores", "--of", "categories"],
        &["--type", "variable", "--of", "categories"],
        &["--type", "variable", "--of", "countries"],
    ];
    let mut rows = 0;
    for query in sliced.iter().chain(QUERIES.iter()) {
        let (a, b) = (answer(&direct, query), answer(&counted, query));
        rows +=
            a["rows"].as_array().map_or(0, Vec::len) + a["values"].as_array().map_or(0, Vec::len);
        assert_same(&a, &b, &query.join(" "));
    }
    assert!(rows > 500, "only {rows} rows compared");
    // The union really is a union: fewer votes than the two categories' sum.
    let votes_of = |query: &[&str]| -> u64 {
        answer(&counted, query)["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["votes"].as_u64().unwrap_or(0))
            .sum()
    };
    let arts = votes_of(&["--type", "leaderboard", "--categories", "Arts"]);
    let education = votes_of(&["--type", "leaderboard", "--categories", "Education"]);
    let both = votes_of(&["--type", "leaderboard", "--categories", "Arts,Education"]);
    assert!(
        both < arts + education && both > arts.max(education),
        "{arts} {education} {both}"
    );

    // Re-importing the same folder changes nothing, slices included.
    let before = std::fs::read(&counted).unwrap();
    let again = import_counts(&counted, &folder);
    assert!(again.contains("nothing changed"), "{again}");
    assert_eq!(before, std::fs::read(&counted).unwrap());
}
