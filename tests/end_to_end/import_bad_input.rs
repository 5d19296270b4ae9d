//! Bad input through the real binary: every refused file leaves the store
//! exactly as it was (counts, aggregates, audit trail, data version), and the
//! error names the file, the row and the column. Corrupt stores give a clear
//! error, never a panic.

use crate::support::cli::Run;
use std::path::{Path, PathBuf};

use arenawatt::rating::PairTable;
use arenawatt::store::{CountFilter, ModelTokens, Store, StoreStats};

use crate::support::{cli::arenawatt_on as arenawatt, data::fixture};

fn stderr(output: &Run) -> String {
    output.stderr.clone()
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    stats: StoreStats,
    table: PairTable,
    tokens: Vec<ModelTokens>,
    imports: usize,
}

fn snapshot(db: &Path) -> Snapshot {
    let store = Store::open_read_only(db).unwrap();
    Snapshot {
        stats: store.stats().unwrap(),
        table: store.pair_table(&CountFilter::default()).unwrap(),
        tokens: store.model_tokens(&CountFilter::default()).unwrap(),
        imports: store.imports().unwrap().len(),
    }
}

/// A store holding 200 valid csv votes, and its folder.
fn seeded_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let csv = dir.path().join("seed.csv");
    std::fs::write(&csv, valid_csv(200, "seed")).unwrap();
    arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        true,
    );
    (dir, db)
}

fn valid_csv(rows: usize, prefix: &str) -> String {
    let mut text = String::from("id,model_a,model_b,winner,timestamp,tokens_a,tokens_b\n");
    let winners = ["model_a", "model_b", "tie", "tie (bothbad)"];
    for i in 0..rows {
        text.push_str(&format!(
            "{prefix}-{i},model-{},model-{},{},{},{},{}\n",
            i % 5,
            (i % 5 + 1 + i % 3) % 7,
            winners[i % 4],
            1_770_000_000 + i as i64 * 3_600,
            100 + i,
            200 + i
        ));
    }
    text
}

#[test]
fn one_malformed_row_fails_the_whole_file_and_names_it() {
    let (dir, db) = seeded_store();
    let before = snapshot(&db);
    let mut text = valid_csv(500, "new");
    // Line 301 (header is line 1) gets a bad winner.
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let bad_line = lines[300]
        .replace("model_a,1", "model_x,1")
        .replace("model_b,1", "model_x,1")
        .replace(",tie,", ",model_x,")
        .replace(",tie (bothbad),", ",model_x,");
    assert!(bad_line.contains("model_x"), "{bad_line}");
    let mut patched = lines.clone();
    patched[300] = bad_line;
    text = patched.join("\n") + "\n";
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, text).unwrap();
    let output = arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    let message = stderr(&output);
    assert!(
        message.contains("bad.csv:301:winner: unknown winner \"model_x\""),
        "{message}"
    );
    assert!(message.contains("the store is unchanged"), "{message}");
    assert!(message.contains("--skip-invalid"), "{message}");
    assert_eq!(snapshot(&db), before);
}

#[test]
fn skip_invalid_imports_the_valid_rows_and_reports_the_rejected_ones() {
    let (dir, db) = seeded_store();
    let csv = dir.path().join("mixed.csv");
    let mut text = valid_csv(100, "mixed");
    text.push_str("m-bad1,model-1,model-2,model_a,not-a-time,1,2\n");
    text.push_str("m-bad2,model-1,model-1,model_a,1770000000,1,2\n");
    text.push_str("m-bad3,model-1,model-2,model_a,1770000000,-5,2\n");
    std::fs::write(&csv, text).unwrap();
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "csv",
            "--skip-invalid",
            csv.to_str().unwrap(),
        ],
        true,
    );
    let printed = &output.stdout;
    assert!(
        printed
            .contains("103 rows read, 100 matches added, 0 already in the store, 3 rows rejected"),
        "{printed}"
    );
    assert!(
        printed.contains("mixed.csv:102:timestamp: invalid timestamp \"not-a-time\""),
        "{printed}"
    );
    assert!(
        printed
            .contains("mixed.csv:103:model_b: model_a and model_b are the same model \"model-1\""),
        "{printed}"
    );
    assert!(
        printed.contains("mixed.csv:104:tokens_a: invalid token count \"-5\""),
        "{printed}"
    );
    let store = Store::open_read_only(&db).unwrap();
    assert_eq!(store.stats().unwrap().vote_rows, 300);
    let audit = store.imports().unwrap().pop().unwrap();
    assert_eq!(
        (
            audit.rows_accepted,
            audit.rows_rejected,
            audit.votes_inserted
        ),
        (100, 3, 100)
    );
}

#[test]
fn truncated_parquet_is_refused_and_the_store_is_unchanged() {
    let (dir, db) = seeded_store();
    let before = snapshot(&db);
    let bytes = std::fs::read(fixture("comparia/sample_comparia_votes.parquet")).unwrap();
    for (name, cut) in [
        ("head.parquet", bytes.len() / 2),
        ("tail.parquet", bytes.len() - 9),
    ] {
        let truncated = dir.path().join(name);
        std::fs::write(&truncated, &bytes[..cut]).unwrap();
        let output = arenawatt(
            &db,
            &[
                "import",
                "--format",
                "comparia-votes",
                truncated.to_str().unwrap(),
            ],
            false,
        );
        let message = stderr(&output);
        assert!(
            message.contains(&format!(
                "{name}: not a readable parquet file (truncated or corrupt?)"
            )),
            "{message}"
        );
        assert_eq!(snapshot(&db), before);
    }
}

#[test]
fn non_utf8_csv_names_the_row_and_column() {
    let (dir, db) = seeded_store();
    let before = snapshot(&db);
    let csv = dir.path().join("latin1.csv");
    let mut bytes = valid_csv(10, "latin").into_bytes();
    bytes.extend_from_slice(b"latin-x,mod\xe8le-1,model-2,model_a,1770000000,1,2\n");
    std::fs::write(&csv, bytes).unwrap();
    let output = arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    let message = stderr(&output);
    assert!(
        message.contains(
            "latin1.csv:12:model_a: not valid UTF-8 (invalid byte 0xe8 at byte 3 of the field)"
        ),
        "{message}"
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn unknown_format_and_missing_columns_are_refused() {
    let (dir, db) = seeded_store();
    let before = snapshot(&db);
    let csv = dir.path().join("votes.csv");
    std::fs::write(&csv, valid_csv(3, "x")).unwrap();
    let output = arenawatt(
        &db,
        &["import", "--format", "tsv", csv.to_str().unwrap()],
        false,
    );
    let message = stderr(&output);
    assert!(message.contains("unknown format \"tsv\""), "{message}");
    assert!(message.contains("csv, comparia-votes, comparia-conversations, comparia-reactions, arena-battles, pair-counts"), "{message}");
    std::fs::write(
        &csv,
        "model_a,model_b,result,timestamp\na,b,model_a,1770000000\n",
    )
    .unwrap();
    let output = arenawatt(
        &db,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    assert!(
        stderr(&output).contains("votes.csv: missing column \"winner\""),
        "{}",
        stderr(&output)
    );
    // A csv given as compar:IA votes: not parquet, and not JSON either.
    std::fs::write(&csv, valid_csv(3, "x")).unwrap();
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            csv.to_str().unwrap(),
        ],
        false,
    );
    assert!(
        stderr(&output).contains("votes.csv:1:"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("invalid JSON"),
        "{}",
        stderr(&output)
    );
    assert_eq!(snapshot(&db), before);
}

#[test]
fn bad_jsonl_line_and_bad_winner_in_comparia_votes() {
    let (dir, db) = seeded_store();
    let before = snapshot(&db);
    let jsonl = dir.path().join("votes.jsonl");
    std::fs::write(
        &jsonl,
        "{\"conversation_pair_id\": \"p1\", \"timestamp\": \"2025-03-27T10:00:00\", \"model_a_name\": \"a\", \"model_b_name\": \"b\", \"chosen_model_name\": \"a\", \"both_equal\": false}\n\
         {\"conversation_pair_id\": \"p2\", \"timestamp\": \"2025-03-27T10:00:00\", \"model_a_name\": \"a\", \"model_b_name\": \"b\", \"chosen_model_name\": \"c\", \"both_equal\": false}\n",
    )
    .unwrap();
    let output = arenawatt(
        &db,
        &[
            "import",
            "--format",
            "comparia-votes",
            jsonl.to_str().unwrap(),
        ],
        false,
    );
    assert!(stderr(&output).contains("votes.jsonl:2:chosen_model_name: \"c\" is neither model_a_name \"a\" nor model_b_name \"b\""), "{}", stderr(&output));
    assert_eq!(snapshot(&db), before);
}

#[test]
fn corrupt_or_foreign_stores_give_a_clear_error_never_a_panic() {
    let (dir, db) = seeded_store();
    let csv = dir.path().join("votes.csv");
    std::fs::write(&csv, valid_csv(3, "x")).unwrap();
    // Not SQLite at all.
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, "just text, certainly not a database ".repeat(200)).unwrap();
    let output = arenawatt(
        &garbage,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    assert!(
        stderr(&output).contains("garbage.db: not an arenawatt store"),
        "{}",
        stderr(&output)
    );
    // Another application's SQLite database is left alone.
    let foreign = dir.path().join("foreign.db");
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    drop(conn);
    let output = arenawatt(
        &foreign,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    assert!(
        stderr(&output).contains("another application"),
        "{}",
        stderr(&output)
    );
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1);
    // A real store cut in half: refused or reported as corrupt, not a panic.
    let store_bytes = std::fs::read(&db).unwrap();
    let cut = dir.path().join("cut.db");
    std::fs::write(&cut, &store_bytes[..store_bytes.len() / 2]).unwrap();
    let output = arenawatt(
        &cut,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    let message = stderr(&output);
    assert!(message.starts_with("error: "), "{message}");
    assert!(
        message.contains("cut.db") || message.contains("malformed"),
        "{message}"
    );
    // Header bytes scribbled over.
    let mut scribbled = store_bytes.clone();
    scribbled[..16].copy_from_slice(b"NOT SQLITE 3....");
    let bad = dir.path().join("scribbled.db");
    std::fs::write(&bad, scribbled).unwrap();
    let output = arenawatt(
        &bad,
        &["import", "--format", "csv", csv.to_str().unwrap()],
        false,
    );
    assert!(
        stderr(&output).contains("scribbled.db: not an arenawatt store"),
        "{}",
        stderr(&output)
    );
}
