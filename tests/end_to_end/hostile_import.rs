//! The hostile-input suite of the import path (issue 12): absurd timestamps,
//! aliases of one model, huge counts, byte order marks, control characters,
//! a closed stdout, a new store that a failed import leaves behind, and
//! doubled error causes. Every case runs the real `arenawatt` binary on real
//! files in a temporary folder, checks the exact location and reason it
//! prints, and that the store is left as it was (statistics, aggregates,
//! tokens, audit trail and the output of a query).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use arenawatt::rating::PairTable;
use arenawatt::store::{CountFilter, ModelTokens, Store, StoreStats};

use crate::support::cli::arenawatt_on as arenawatt;

/// Everything a reader of the store can see.
#[derive(Debug, PartialEq)]
struct Snapshot {
    stats: StoreStats,
    table: PairTable,
    tokens: Vec<ModelTokens>,
    imports: usize,
    leaderboard: String,
}

fn snapshot(db: &Path) -> Snapshot {
    let store = Store::open_read_only(db).unwrap();
    let leaderboard = arenawatt(
        db,
        &["query", "--type", "leaderboard", "--format", "csv"],
        true,
    );
    Snapshot {
        stats: store.stats().unwrap(),
        table: store.pair_table(&CountFilter::default()).unwrap(),
        tokens: store.model_tokens(&CountFilter::default()).unwrap(),
        imports: store.imports().unwrap().len(),
        leaderboard: leaderboard.stdout,
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A store holding 60 valid csv votes of the last days between catalog
/// models, and its folder.
fn seeded_store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let csv = dir.path().join("seed.csv");
    let models = ["llama-3.1-405b", "glm-4.5", "mixtral-8x7b-instruct-v0.1"];
    let winners = ["model_a", "model_b", "tie"];
    let mut text = String::from("id,model_a,model_b,winner,timestamp,tokens_a,tokens_b\n");
    for i in 0..60 {
        text.push_str(&format!(
            "seed-{i},{},{},{},{},{},{}\n",
            models[i % 3],
            models[(i + 1) % 3],
            winners[i % 3],
            now() - 86_400 * 3 + i as i64 * 600,
            100 + i,
            200 + i
        ));
    }
    std::fs::write(&csv, text).unwrap();
    arenawatt(&db, &["import", "--format", "csv", path(&csv)], true);
    (dir, db)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes `contents` to `dir/name`.
fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, contents).unwrap();
    file
}

/// Runs an import that must fail; checks that its message holds every one of
/// `expected` and that the store did not change. Returns the message.
fn refused(db: &Path, args: &[&str], expected: &[&str]) -> String {
    let before = snapshot(db);
    let output = arenawatt(db, args, false);
    let message = output.stderr.clone();
    for part in expected {
        assert!(
            message.contains(part),
            "expected {part:?} in the message:\n{message}"
        );
    }
    assert!(message.contains("the store is unchanged"), "{message}");
    assert_eq!(snapshot(db), before, "the store changed:\n{message}");
    message
}

const WINDOW: &str = "is outside the plausible window 2000-01-01T00:00:00Z to ";

fn one_csv_vote(timestamp: &str) -> String {
    format!("model_a,model_b,winner,timestamp,id\nllama-3.1-405b,glm-4.5,model_a,{timestamp},x\n")
}

#[test]
fn timestamp_in_year_9999_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let csv = write(dir.path(), "f.csv", one_csv_vote("9999-12-31T23:59:59Z"));
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &[&format!(
            "f.csv:2:timestamp: timestamp 9999-12-31T23:59:59Z {WINDOW}"
        )],
    );
    // The trend over the whole store still has only the real days to walk.
    let trend = arenawatt(&db, &["query", "--type", "trend", "--format", "csv"], true);
    assert!(!trend.stdout.contains("9999"));
}

#[test]
fn timestamp_before_2000_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let csv = write(dir.path(), "old.csv", one_csv_vote("1999-12-31T23:59:59Z"));
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &[&format!(
            "old.csv:2:timestamp: timestamp 1999-12-31T23:59:59Z {WINDOW}"
        )],
    );
}

#[test]
fn two_to_the_62_milliseconds_are_rejected_as_a_date_in_2116() {
    let (dir, db) = seeded_store();
    let csv = write(dir.path(), "ms.csv", one_csv_vote("4611686018427387904"));
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &[&format!("ms.csv:2:timestamp: timestamp 4611686018427387904 (read as nanoseconds: 2116-02-20T23:53:38Z) {WINDOW}")],
    );
}

#[test]
fn float_milliseconds_are_read_as_milliseconds_not_as_seconds_in_year_58000() {
    let (dir, db) = seeded_store();
    // Ten days ago at noon, in milliseconds with half a millisecond.
    let seconds = (now() / 86_400 - 10) * 86_400 + 43_200;
    let csv = write(
        dir.path(),
        "float.csv",
        one_csv_vote(&format!("{seconds}000.5")),
    );
    arenawatt(&db, &["import", "--format", "csv", path(&csv)], true);
    let store = Store::open_read_only(&db).unwrap();
    let vote = store
        .find_vote("csv", "x")
        .unwrap()
        .expect("the vote is stored");
    assert_eq!(vote.timestamp, seconds);
}

#[test]
fn epoch_1e300_in_battles_json_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "huge.json",
        r#"[{"model_a":"llama-3.1-405b","model_b":"glm-4.5","winner":"model_a","tstamp":1e300}]"#,
    );
    refused(
        &db,
        &["import", "--format", "arena-battles", path(&json)],
        &[&format!("huge.json:1:tstamp: timestamp 1e+300 {WINDOW}")],
    );
}

#[test]
fn i64_min_timestamp_in_battles_jsonl_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let good = format!(
        r#"{{"model_a":"llama-3.1-405b","model_b":"glm-4.5","winner":"tie","tstamp":{}}}"#,
        now() - 7200
    );
    let bad = format!(
        r#"{{"model_a":"llama-3.1-405b","model_b":"glm-4.5","winner":"tie","tstamp":{}}}"#,
        i64::MIN
    );
    let jsonl = write(dir.path(), "min.jsonl", format!("{good}\n{bad}\n"));
    refused(
        &db,
        &["import", "--format", "arena-battles", path(&jsonl)],
        &[&format!("min.jsonl:2:tstamp: timestamp -9223372036854775808 (read as nanoseconds: 1677-09-21T00:12:43Z) {WINDOW}")],
    );
}

#[test]
fn comparia_jsonl_vote_in_year_9999_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let line = r#"{"conversation_pair_id":"p1","timestamp":"9999-01-01T00:00:00","model_a_name":"llama-3.1-405b","model_b_name":"glm-4.5","chosen_model_name":"glm-4.5","both_equal":false}"#;
    let jsonl = write(dir.path(), "votes.jsonl", format!("{line}\n"));
    refused(
        &db,
        &["import", "--format", "comparia-votes", path(&jsonl)],
        &[&format!(
            "votes.jsonl:1:timestamp: timestamp 9999-01-01T00:00:00 {WINDOW}"
        )],
    );
}

/// A compar:IA votes parquet file of one vote, its timestamp a millisecond
/// timestamp column, its token counts uint64.
fn comparia_parquet(file: &Path, timestamp_ms: i64, tokens_a: u64) {
    use arrow::array::{
        ArrayRef, BooleanArray, StringArray, TimestampMillisecondArray, UInt64Array,
    };
    use arrow::record_batch::RecordBatch;
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "conversation_pair_id",
            Arc::new(StringArray::from(vec!["p1"])),
        ),
        (
            "timestamp",
            Arc::new(TimestampMillisecondArray::from(vec![timestamp_ms])),
        ),
        (
            "model_a_name",
            Arc::new(StringArray::from(vec!["llama-3.1-405b"])),
        ),
        ("model_b_name", Arc::new(StringArray::from(vec!["glm-4.5"]))),
        (
            "chosen_model_name",
            Arc::new(StringArray::from(vec!["glm-4.5"])),
        ),
        ("both_equal", Arc::new(BooleanArray::from(vec![false]))),
        (
            "total_conv_a_output_tokens",
            Arc::new(UInt64Array::from(vec![tokens_a])),
        ),
        (
            "total_conv_b_output_tokens",
            Arc::new(UInt64Array::from(vec![300u64])),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let handle = std::fs::File::create(file).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(handle, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_timestamp_in_year_9999_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let file = dir.path().join("future.parquet");
    comparia_parquet(&file, 253_402_300_799_000, 200);
    refused(
        &db,
        &["import", "--format", "comparia-votes", path(&file)],
        &[&format!("future.parquet:1:timestamp: timestamp 253402300799000 (read as milliseconds: 9999-12-31T23:59:59Z) {WINDOW}")],
    );
}

#[test]
fn parquet_uint64_tokens_of_2_pow_63_are_a_located_error_not_a_null() {
    let (dir, db) = seeded_store();
    let file = dir.path().join("tokens.parquet");
    comparia_parquet(&file, (now() - 3600) * 1000, 1 << 63);
    refused(
        &db,
        &["import", "--format", "comparia-votes", path(&file)],
        &["tokens.parquet:1:total_conv_a_output_tokens: integer 9223372036854775808 is too large (at most 9223372036854775807)"],
    );
    // The same file with a plausible count imports, with that count.
    comparia_parquet(&file, (now() - 3600) * 1000, 250);
    arenawatt(
        &db,
        &["import", "--format", "comparia-votes", path(&file)],
        true,
    );
    let store = Store::open_read_only(&db).unwrap();
    let vote = store.find_vote("comparia", "p1").unwrap().expect("stored");
    assert_eq!((vote.tokens_a, vote.tokens_b), (Some(250), Some(300)));
}

#[test]
fn pair_counts_date_in_year_9999_is_rejected() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "p.json",
        r#"{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[5,3,1,0]]}"#,
    );
    refused(
        &db,
        &[
            "import",
            "--format",
            "pair-counts",
            "--date",
            "9999-12-31",
            path(&json),
        ],
        &[&format!("--date: date 9999-12-31 {WINDOW}")],
    );
}

#[test]
fn two_aliases_of_one_model_in_pair_counts_are_rejected_naming_both() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "a.json",
        r#"{"models":["llama-3.1-405b","llama-3.1-405b-instruct","glm-4.5"],"X":[[0,1],[0,2]],"Y":[[5,3,1,0],[2,2,0,0]]}"#,
    );
    refused(
        &db,
        &["import", "--format", "pair-counts", "--date", "2024-08-14", path(&json)],
        &["a.json: models[1]: \"llama-3.1-405b-instruct\" and models[0] \"llama-3.1-405b\" are the same model \"llama-3.1-405b\""],
    );
    // snapshot() ran the leaderboard after the refusal: the store still answers.
}

#[test]
fn csv_row_whose_sides_are_aliases_of_one_model_is_rejected_naming_both() {
    let (dir, db) = seeded_store();
    let csv = write(
        dir.path(),
        "same.csv",
        format!(
            "model_a,model_b,winner,timestamp\nglm-4.5,llama-3.1-405b,tie,{t}\nllama-3.1-405b,llama-3.1-405b-instruct,model_a,{t}\n",
            t = now() - 60
        ),
    );
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &["same.csv:3:model_b: model_a \"llama-3.1-405b\" and model_b \"llama-3.1-405b-instruct\" are the same model \"llama-3.1-405b\""],
    );
}

#[test]
fn battle_whose_sides_are_aliases_of_one_model_is_rejected_naming_both() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "same.json",
        format!(
            r#"[{{"model_a":"llama-3.1-405b-instruct","model_b":"llama-3.1-405b","winner":"tie","tstamp":{}}}]"#,
            now() - 60
        ),
    );
    refused(
        &db,
        &["import", "--format", "arena-battles", path(&json)],
        &["same.json:1:model_b: model_a \"llama-3.1-405b-instruct\" and model_b \"llama-3.1-405b\" are the same model \"llama-3.1-405b\""],
    );
}

#[test]
fn pair_count_of_u64_max_does_not_wrap_to_zero() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "max.json",
        r#"{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[18446744073709551615,1,0,0]]}"#,
    );
    refused(
        &db,
        &["import", "--format", "pair-counts", "--date", "2024-08-14", path(&json)],
        &["max.json: Y[0][0]: count 18446744073709551615 is larger than the store's limit of 9223372036854775807"],
    );
}

#[test]
fn pair_count_of_2_pow_63_gives_a_located_error_not_a_sqlite_conversion_error() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "big.json",
        r#"{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[1,9223372036854775808,0,0]]}"#,
    );
    let message = refused(
        &db,
        &["import", "--format", "pair-counts", "--date", "2024-08-14", path(&json)],
        &["big.json: Y[0][1]: count 9223372036854775808 is larger than the store's limit of 9223372036854775807"],
    );
    assert!(!message.contains("sqlite"), "{message}");
}

#[test]
fn counts_of_one_file_that_add_up_past_2_pow_63_are_refused_at_the_pair_that_overflows() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "sum.json",
        r#"{"models":["llama-3.1-405b","glm-4.5","mixtral-8x7b-instruct-v0.1"],"X":[[0,1],[1,2]],"Y":[[5000000000000000000,0,0,0],[0,5000000000000000000,0,0]]}"#,
    );
    refused(
        &db,
        &["import", "--format", "pair-counts", "--date", "2024-08-14", path(&json)],
        &["sum.json: Y[1][1]: the file's counts add up to more than the store's limit of 9223372036854775807 matches here"],
    );
}

#[test]
fn two_imports_of_5e18_into_one_source_do_not_overflow_the_matches_counter() {
    let (dir, db) = seeded_store();
    let first = write(
        dir.path(),
        "first.json",
        r#"{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[5000000000000000000,0,0,0]]}"#,
    );
    let second = write(
        dir.path(),
        "second.json",
        r#"{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[0,5000000000000000000,0,0]]}"#,
    );
    let import = |file: &Path, date: &str| {
        vec![
            "import".to_string(),
            "--format".into(),
            "pair-counts".into(),
            "--source".into(),
            "huge".into(),
            "--date".into(),
            date.into(),
            path(file).into(),
        ]
    };
    let args = import(&first, "2024-08-14");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    arenawatt(&db, &args, true);
    let args = import(&second, "2024-08-15");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(
        &db,
        &args,
        &["second.json: the store holds 5000000000000000060 matches; adding 5000000000000000000 for source \"huge\" would pass the store's limit of 9223372036854775807"],
    );
    // The store keeps working: its statistics read back as integers.
    let stats = Store::open_read_only(&db).unwrap().stats().unwrap();
    assert_eq!(stats.votes, 5_000_000_000_000_000_060);
}

#[test]
fn json_jsonl_and_pair_counts_with_a_byte_order_mark_are_accepted_like_csv() {
    let (dir, db) = seeded_store();
    let bom = "\u{feff}";
    let t = now() - 3600;
    let array = write(
        dir.path(),
        "bom.json",
        format!(
            r#"{bom}[{{"question_id":"q1","model_a":"llama-3.1-405b","model_b":"glm-4.5","winner":"model_a","tstamp":{t}}}]"#
        ),
    );
    let lines = write(
        dir.path(),
        "bom.jsonl",
        format!("{bom}{{\"question_id\":\"q2\",\"model_a\":\"glm-4.5\",\"model_b\":\"llama-3.1-405b\",\"winner\":\"tie\",\"tstamp\":{t}}}\n"),
    );
    let pairs = write(
        dir.path(),
        "bom-pairs.json",
        format!(r#"{bom}{{"models":["llama-3.1-405b","glm-4.5"],"X":[[0,1]],"Y":[[4,3,2,1]]}}"#),
    );
    let csv = write(
        dir.path(),
        "bom.csv",
        format!("{bom}{}", one_csv_vote(&t.to_string())),
    );
    let before = Store::open_read_only(&db).unwrap().stats().unwrap().votes;
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "arena-battles",
            path(&array),
            path(&lines),
        ],
        true,
    );
    arenawatt(
        &db,
        &[
            "import",
            "--format",
            "pair-counts",
            "--date",
            "2024-08-14",
            path(&pairs),
        ],
        true,
    );
    arenawatt(&db, &["import", "--format", "csv", path(&csv)], true);
    let after = Store::open_read_only(&db).unwrap().stats().unwrap().votes;
    assert_eq!(after - before, 1 + 1 + 10 + 1);
}

#[test]
fn nul_byte_in_a_csv_model_name_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let csv = write(
        dir.path(),
        "nul.csv",
        format!(
            "model_a,model_b,winner,timestamp\nglm-4.5,llama\u{0}-3.1,tie,{}\n",
            now() - 60
        ),
    );
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &["nul.csv:2:model_b: model name \"llama\\0-3.1\" contains the control character U+0000"],
    );
}

#[test]
fn control_character_in_a_pair_counts_model_name_is_rejected_with_its_location() {
    let (dir, db) = seeded_store();
    let json = write(
        dir.path(),
        "esc.json",
        r#"{"models":["glm-4.5","bad\u001b[31m"],"X":[[0,1]],"Y":[[1,1,0,0]]}"#,
    );
    refused(
        &db,
        &["import", "--format", "pair-counts", "--date", "2024-08-14", path(&json)],
        &["esc.json: models[1]: model name \"bad\\u{1b}[31m\" contains the control character U+001B"],
    );
}

#[test]
fn import_into_a_closed_pipe_exits_quietly_after_importing() {
    let (dir, db) = seeded_store();
    let csv = write(
        dir.path(),
        "more.csv",
        one_csv_vote(&(now() - 120).to_string()),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_arenawatt"))
        .arg("--db")
        .arg(&db)
        .args(["import", "--format", "csv", path(&csv)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the binary prints anything, as `head`
    // does once it has its line.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.success() || status.signal() == Some(libc::SIGPIPE),
            "{status:?}"
        );
    }
    let store = Store::open_read_only(&db).unwrap();
    assert!(
        store.find_vote("csv", "x").unwrap().is_some(),
        "the import committed"
    );
}

#[test]
fn failed_import_into_a_new_db_path_leaves_no_store_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let csv = write(dir.path(), "f.csv", one_csv_vote("9999-12-31T23:59:59Z"));
    let output = arenawatt(&db, &["import", "--format", "csv", path(&csv)], false);
    let message = &output.stderr;
    assert!(message.contains("the store is unchanged"), "{message}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("new.db"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}\n{message}");
    // An existing store is never removed, even an empty one.
    let (dir, db) = seeded_store();
    let csv = write(dir.path(), "f.csv", one_csv_vote("9999-12-31T23:59:59Z"));
    refused(
        &db,
        &["import", "--format", "csv", path(&csv)],
        &["f.csv:2:timestamp"],
    );
    assert!(db.exists());
}

#[test]
fn a_missing_file_says_no_such_file_or_directory_once() {
    let (dir, db) = seeded_store();
    let missing = dir.path().join("nowhere.csv");
    let message = refused(
        &db,
        &["import", "--format", "csv", path(&missing)],
        &["nowhere.csv: cannot read: No such file or directory"],
    );
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
}

#[test]
fn comparia_vote_whose_sides_are_aliases_of_one_model_is_rejected_naming_both() {
    let (dir, db) = seeded_store();
    let line = format!(
        r#"{{"conversation_pair_id":"p1","timestamp":{},"model_a_name":"llama-3.1-405b","model_b_name":"llama-3.1-405b-instruct","chosen_model_name":"llama-3.1-405b","both_equal":false}}"#,
        (now() - 600) * 1_000_000_000
    );
    let jsonl = write(dir.path(), "alias.jsonl", format!("{line}\n"));
    refused(
        &db,
        &["import", "--format", "comparia-votes", path(&jsonl)],
        &["alias.jsonl:1:model_b_name: model_a_name \"llama-3.1-405b\" and model_b_name \"llama-3.1-405b-instruct\" are the same model \"llama-3.1-405b\""],
    );
}

#[test]
fn corrupt_parquet_dictionary_page_gives_an_error_not_a_decoder_panic() {
    // The real compar:IA reactions sample with one "line" (bytes up to a
    // newline byte) written twice: the shift corrupts a dictionary-encoded
    // page, on which the parquet decoder indexes out of bounds. Found by
    // tests/reader_fuzz.rs.
    let (dir, db) = seeded_store();
    let sample = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/comparia/sample_comparia_reactions.parquet"),
    )
    .unwrap();
    let lines: Vec<&[u8]> = sample.split_inclusive(|&b| b == b'\n').collect();
    let twice = 11_414_229_605_263_891_772usize % lines.len();
    let mut damaged = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        damaged.extend_from_slice(line);
        if i == twice {
            damaged.extend_from_slice(line);
        }
    }
    let file = write(dir.path(), "damaged.parquet", damaged);
    let message = refused(
        &db,
        &["import", "--format", "comparia-reactions", path(&file)],
        &["damaged.parquet: cannot decode rows after row 0 (corrupt file): the parquet decoder failed: index out of bounds"],
    );
    assert!(!message.contains("panicked"), "{message}");
}
