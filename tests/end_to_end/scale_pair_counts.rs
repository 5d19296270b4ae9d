//! `arenawatt import --format pair-counts-parquet` on Parquet files written
//! here with arrow-rs: a bad row (negative count, a day that is no date, a
//! model against itself, an unordered or repeated cell, a slice without its
//! overall cell or with more votes than it, a bad category) fails
//! the import naming the file, the row and the column, and leaves the store
//! byte for byte as it was; `--sum-cells`, Hive partition folders, and the
//! replacement of a (source, day) by a new import.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use serde_json::Value;

use crate::support::cli::arenawatt_on;

/// One row: day, model_a, model_b, [wins_a, wins_b, ties, ties_both_bad],
/// category.
type Cell<'a> = (&'a str, &'a str, &'a str, [i64; 4], Option<&'a str>);

/// Writes cells as Parquet (with a `source` column unless `source` is None).
fn write_cells(path: &Path, cells: &[Cell<'_>], source: Option<&str>, with_day: bool) {
    let text = |f: &dyn Fn(&Cell<'_>) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(cells.iter().map(f).collect::<Vec<_>>()))
    };
    let count = |slot: usize| -> ArrayRef {
        Arc::new(Int64Array::from(
            cells.iter().map(|c| c.3[slot]).collect::<Vec<_>>(),
        ))
    };
    let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
    if with_day {
        columns.push(("day", text(&|c| Some(c.0.to_string()))));
    }
    columns.push(("model_a", text(&|c| Some(c.1.to_string()))));
    columns.push(("model_b", text(&|c| Some(c.2.to_string()))));
    for (slot, name) in ["wins_a", "wins_b", "ties", "ties_both_bad"]
        .into_iter()
        .enumerate()
    {
        columns.push((name, count(slot)));
    }
    if let Some(source) = source {
        columns.push(("source", text(&|_| Some(source.to_string()))));
    }
    columns.push(("category", text(&|c| c.4.map(str::to_string))));
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).unwrap();
    }
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

const GOOD: [Cell<'static>; 2] = [
    (
        "2026-11-01",
        "gemma-3-4b",
        "mistral-saba",
        [5, 3, 1, 1],
        None,
    ),
    (
        "2026-11-01",
        "gemma-3-4b",
        "gpt-4o-mini-2024-07-18",
        [2, 4, 0, 0],
        None,
    ),
];

fn import(db: &Path, path: &Path, extra: &[&str], success: bool) -> crate::support::cli::Run {
    let mut args = vec![
        "import",
        "--format",
        "pair-counts-parquet",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    arenawatt_on(db, &args, success)
}

/// Votes per model, from the leaderboard.
fn votes(db: &Path) -> Vec<(String, u64)> {
    let run = arenawatt_on(
        db,
        &["query", "--type", "leaderboard", "--format", "json"],
        true,
    );
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut votes: Vec<(String, u64)> = answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["votes"].as_u64().unwrap_or(0) > 0)
        .map(|r| {
            (
                r["model"].as_str().unwrap().to_string(),
                r["votes"].as_u64().unwrap(),
            )
        })
        .collect();
    votes.sort();
    votes
}

#[test]
fn a_bad_row_changes_nothing_and_names_the_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let good = dir.path().join("good.parquet");
    write_cells(&good, &GOOD, Some("arena"), true);
    import(&db, &good, &[], true);
    let before = std::fs::read(&db).unwrap();

    let bad = dir.path().join("bad.parquet");
    let shown = bad.display().to_string();
    let cases: [(Cell<'static>, String); 9] = [
        (
            ("2026-11-02", "gemma-3-4b", "mistral-saba", [1, -1, 0, 0], None),
            format!("{shown}:3:wins_b: count -1 is negative"),
        ),
        (
            ("2026-13-01", "gemma-3-4b", "mistral-saba", [1, 1, 0, 0], None),
            format!("{shown}:3:day: invalid date \"2026-13-01\""),
        ),
        (
            ("2026-11-02", "mistral-saba", "mistral-saba", [1, 1, 0, 0], None),
            format!("{shown}:3:model_b: model \"mistral-saba\" is paired with itself"),
        ),
        (
            ("2026-11-02", "mistral-saba", "gemma-3-4b", [1, 1, 0, 0], None),
            format!("{shown}:3:model_b: pair \"mistral-saba\" vs \"gemma-3-4b\" is out of order"),
        ),
        (
            ("2026-11-01", "gemma-3-4b", "mistral-saba", [1, 1, 0, 0], None),
            format!("{shown}:3:model_b: cell \"gemma-3-4b\" vs \"mistral-saba\" on 2026-11-01 of source \"arena\" repeats {shown}:1"),
        ),
        (
            ("2026-11-02", "gemma-3-4b", "mistral-saba", [1, 1, 0, 0], Some("coding")),
            format!("{shown}:3: day 2026-11-02 of source \"arena\" has sliced cells but no overall cell"),
        ),
        (
            ("2026-11-01", "gemma-3-4b", "mistral-saba", [5, 3, 1, 2], Some("coding")),
            format!("{shown}:3: the category slices of \"gemma-3-4b\" vs \"mistral-saba\" hold 11 votes on this day, more than the pair's overall cell (10)"),
        ),
        (
            ("2026-11-01", "gemma-3-4b", "mistral-saba", [1, 1, 0, 0], Some("coding||maths")),
            format!("{shown}:3:category: \"coding||maths\" has an empty category between two `|`"),
        ),
        (
            ("2026-11-01", "gemma-3-4b", "mistral-saba", [1, 1, 0, 0], Some("cod\u{1b}ing")),
            format!("{shown}:3:category: label \"cod\\u{{1b}}ing\" holds the control character"),
        ),
    ];
    for (row, expected) in cases {
        write_cells(&bad, &[GOOD[0], GOOD[1], row], Some("arena"), true);
        let run = import(&db, &bad, &[], false);
        assert!(
            run.stderr.contains(&expected),
            "expected {expected:?}\n{run}"
        );
        assert!(run.stderr.contains("the store is unchanged"), "{run}");
        assert!(
            std::fs::read(&db).unwrap() == before,
            "the store changed\n{run}"
        );
    }
}

#[test]
fn sum_cells_sums_repeated_and_unordered_cells() {
    let dir = tempfile::tempdir().unwrap();
    let twice = dir.path().join("twice.parquet");
    write_cells(
        &twice,
        &[
            GOOD[0],
            (
                "2026-11-01",
                "mistral-saba",
                "gemma-3-4b",
                [3, 5, 1, 1],
                None,
            ),
            GOOD[1],
        ],
        Some("arena"),
        true,
    );
    let summed_db = dir.path().join("summed.db");
    let run = import(&summed_db, &twice, &[], false);
    assert!(run.stderr.contains("out of order"), "{run}");
    import(&summed_db, &twice, &["--sum-cells"], true);

    let once = dir.path().join("once.parquet");
    write_cells(
        &once,
        &[
            (
                "2026-11-01",
                "gemma-3-4b",
                "mistral-saba",
                [10, 6, 2, 2],
                None,
            ),
            GOOD[1],
        ],
        Some("arena"),
        true,
    );
    let once_db = dir.path().join("once.db");
    import(&once_db, &once, &[], true);
    assert_eq!(votes(&summed_db), votes(&once_db));
}

#[test]
fn a_new_import_of_a_day_replaces_it_and_leaves_the_other_days() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    // Hive partitions: day and source come from the folder names.
    let root = dir.path().join("counts");
    write_cells(
        &root.join("source=arena/day=2026-11-01/part-0.parquet"),
        &GOOD,
        None,
        false,
    );
    write_cells(
        &root.join("source=arena/day=2026-11-02/part-0.parquet"),
        &[("", "gemma-3-4b", "mistral-saba", [1, 0, 0, 0], None)],
        None,
        false,
    );
    std::fs::write(root.join("_SUCCESS"), "").unwrap();
    import(&db, &root, &[], true);
    let first = votes(&db);
    assert_eq!(
        first,
        vec![
            ("gemma-3-4b".to_string(), 17),
            ("gpt-4o-mini-2024-07-18".to_string(), 6),
            ("mistral-saba".to_string(), 11),
        ]
    );

    // The job ran again for 2026-11-02 with late votes: that day is
    // replaced, 2026-11-01 stays.
    let rerun = dir.path().join("rerun.parquet");
    write_cells(
        &rerun,
        &[(
            "2026-11-02",
            "gemma-3-4b",
            "mistral-saba",
            [2, 1, 0, 0],
            None,
        )],
        Some("arena"),
        true,
    );
    import(&db, &rerun, &[], true);
    let second = votes(&db);
    assert_eq!(
        second,
        vec![
            ("gemma-3-4b".to_string(), 19),
            ("gpt-4o-mini-2024-07-18".to_string(), 6),
            ("mistral-saba".to_string(), 13),
        ]
    );
    // And again: nothing changes.
    let before = std::fs::read(&db).unwrap();
    let run = import(&db, &rerun, &[], true);
    assert!(run.stdout.contains("nothing changed"), "{run}");
    assert!(std::fs::read(&db).unwrap() == before);
}

#[test]
fn counts_are_refused_for_a_source_that_holds_individual_votes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let csv = dir.path().join("votes.csv");
    std::fs::write(
        &csv,
        "model_a,model_b,winner,timestamp,source\ngemma-3-4b,mistral-saba,model_a,2026-11-01T10:00:00Z,arena\n",
    )
    .unwrap();
    arenawatt_on(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    let counts = dir.path().join("counts.parquet");
    write_cells(&counts, &GOOD, Some("arena"), true);
    let run = import(&db, &counts, &[], false);
    assert!(
        run.stderr
            .contains("source \"arena\" holds 1 individual votes"),
        "{run}"
    );
}
