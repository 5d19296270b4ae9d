//! Unit tests of the import service: a file and JSON lines holding the same
//! votes give the same store, a failed import changes nothing, and the
//! report's counts.

use super::*;
use crate::{CountFilter, ImportRecord, Outcome, StoreStats};

/// Four votes, one per outcome, between two bundled models and a model
/// the catalog does not know; 2024-01-01 to 2024-01-04.
const VOTES_CSV: &str = "\
id,source,model_a,model_b,winner,timestamp,tokens_a,tokens_b,category,language
v1,arena,alpaca-13b,chatglm-6b,model_a,1704067200,120,80,coding,en
v2,arena,chatglm-6b,alpaca-13b,model_b,1704153600,,45,,fr
v3,arena,alpaca-13b,mystery-model,tie,1704240000,10,,coding,
v4,arena,mystery-model,chatglm-6b,tie (bothbad),2024-01-04T00:00:00Z,,,,
";

const VOTES_JSON_LINES: &str = r#"{"id":"v1","source":"arena","model_a":"alpaca-13b","model_b":"chatglm-6b","winner":"model_a","timestamp":1704067200,"tokens_a":120,"tokens_b":80,"category":"coding","language":"en"}
{"id":"v2","source":"arena","model_a":"chatglm-6b","model_b":"alpaca-13b","winner":"model_b","timestamp":1704153600,"tokens_b":45,"language":"fr"}
{"id":"v3","source":"arena","model_a":"alpaca-13b","model_b":"mystery-model","outcome":"tie","timestamp":1704240000,"tokens_a":10,"category":"coding"}
{"id":"v4","source":"arena","model_a":"mystery-model","model_b":"chatglm-6b","outcome":"both_bad","timestamp":"2024-01-04T00:00:00Z"}
"#;

fn catalog() -> &'static Catalog {
    Catalog::bundled_ref()
}

fn file_with(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn import_file(
    store: &mut Store,
    path: &Path,
    format: Format,
) -> Result<ImportReport, ImportError> {
    import(
        store,
        catalog(),
        ImportInput::File { path, format },
        &ImportOptions::default(),
    )
}

fn import_json_lines(store: &mut Store, body: &[u8]) -> Result<ImportReport, ImportError> {
    let input = ImportInput::JsonLines {
        name: "upload",
        body,
    };
    import(store, catalog(), input, &ImportOptions::default())
}

/// What a reader of the store sees, audit trail aside.
#[derive(Debug, PartialEq)]
struct Contents {
    stats: StoreStats,
    pairs: arenawatt_core::rating::PairTable,
    tokens: Vec<crate::ModelTokens>,
    votes: Vec<Option<Vote>>,
}

fn contents(store: &Store) -> Contents {
    let all = CountFilter::default();
    Contents {
        stats: store.stats().unwrap(),
        pairs: store.pair_table(&all).unwrap(),
        tokens: store.model_tokens(&all).unwrap(),
        votes: ["v1", "v2", "v3", "v4"]
            .iter()
            .map(|id| store.find_vote("arena", id).unwrap())
            .collect(),
    }
}

#[test]
fn a_csv_file_and_json_lines_of_the_same_votes_give_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let csv = file_with(&dir, "votes.csv", VOTES_CSV);
    let mut from_file = Store::open_in_memory().unwrap();
    import_file(&mut from_file, &csv, Format::Csv).unwrap();
    let mut from_lines = Store::open_in_memory().unwrap();
    import_json_lines(&mut from_lines, VOTES_JSON_LINES.as_bytes()).unwrap();

    let (file_side, lines_side) = (contents(&from_file), contents(&from_lines));
    assert_eq!(file_side, lines_side);
    // The contents are the votes, not two empty stores.
    assert_eq!(file_side.stats.vote_rows, 4);
    assert_eq!(file_side.stats.sources, vec!["arena".to_string()]);
    let v4 = file_side.votes[3].as_ref().unwrap();
    assert_eq!(
        (
            v4.model_a.as_str(),
            v4.model_b.as_str(),
            v4.outcome,
            v4.timestamp
        ),
        (
            "mystery-model",
            "chatglm-6b",
            Outcome::BothBad,
            1_704_326_400
        )
    );
    let v1 = file_side.votes[0].as_ref().unwrap();
    assert_eq!((v1.tokens_a, v1.tokens_b), (Some(120), Some(80)));
    assert_eq!(v1.categories, ["coding"]);
}

#[test]
fn a_failed_import_leaves_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    import_file(
        &mut store,
        &file_with(&dir, "good.csv", VOTES_CSV),
        Format::Csv,
    )
    .unwrap();
    let before = (contents(&store), store.imports().unwrap());

    let bad_csv = VOTES_CSV.replace(
        "v2,arena,chatglm-6b,alpaca-13b,model_b",
        "v2,arena,chatglm-6b,alpaca-13b,maybe",
    );
    let bad = file_with(&dir, "bad.csv", &bad_csv);
    let error = import_file(&mut store, &bad, Format::Csv).unwrap_err();
    assert!(
        matches!(&error, ImportError::Read(IngestError::Row { row: 3, column, .. }) if column == "winner"),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with(&format!(
            "{}:3:winner: unknown winner \"maybe\"",
            bad.display()
        )),
        "{error}"
    );

    let bad_lines = VOTES_JSON_LINES.replace(r#""winner":"model_b""#, r#""winner":"maybe""#);
    let error = import_json_lines(&mut store, bad_lines.as_bytes()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("line 2: winner: unknown winner \"maybe\""),
        "{error}"
    );
    assert!(matches!(
        error,
        ImportError::JsonLines(JsonLinesError::Line { line: 2, .. })
    ));

    let counts = file_with(
        &dir,
        "counts.json",
        r#"{"models":["a","b"],"X":[[0,1]],"Y":[[1,2,0,0]]}"#,
    );
    let error = import_file(&mut store, &counts, Format::PairCounts).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--date: invalid date \"\" (expected YYYY-MM-DD)"
    );

    let missing = dir.path().join("missing.csv");
    let error = import_file(&mut store, &missing, Format::Csv).unwrap_err();
    assert!(
        matches!(error, ImportError::Read(IngestError::Io { .. })),
        "{error:?}"
    );

    assert_eq!((contents(&store), store.imports().unwrap()), before);
}

#[test]
fn the_report_counts_what_was_read_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let first = file_with(&dir, "first.csv", VOTES_CSV);
    let report = import_file(&mut store, &first, Format::Csv).unwrap();
    assert_eq!(report.file, first.display().to_string());
    assert_eq!(report.format, "csv");
    assert_eq!(report.sha256, sha256_of_file(&first).unwrap());
    assert_eq!((report.rows_read, report.rows_rejected), (4, 0));
    assert_eq!((report.votes_inserted, report.votes_duplicate), (4, 0));
    assert_eq!(report.votes_with_unknown_models, 2);
    assert_eq!(report.unknown_models, vec!["mystery-model".to_string()]);
    assert_eq!(report.data_version, store.data_version().unwrap());

    // Again, plus one new vote and one bad row, skipping invalid rows.
    let again = format!(
        "{VOTES_CSV}v5,arena,alpaca-13b,chatglm-6b,tie,1704412800,,,,\nv6,arena,alpaca-13b,chatglm-6b,tie,someday,,,,\n"
    );
    let second = file_with(&dir, "second.csv", &again);
    let options = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let input = ImportInput::File {
        path: &second,
        format: Format::Csv,
    };
    let report = import(&mut store, catalog(), input, &options).unwrap();
    assert_eq!((report.rows_read, report.rows_rejected), (6, 1));
    assert_eq!((report.votes_inserted, report.votes_duplicate), (1, 4));
    assert_eq!(report.rejections.len(), 1);
    assert!(
        report.rejections[0].starts_with(&format!(
            "{}:7:timestamp: invalid timestamp \"someday\"",
            second.display()
        )),
        "{:?}",
        report.rejections
    );
    let audit: ImportRecord = store.imports().unwrap().pop().unwrap();
    assert_eq!(
        (
            audit.file_name.as_str(),
            audit.format.as_str(),
            audit.rows_rejected
        ),
        (report.file.as_str(), "csv", 1)
    );
    assert_eq!(audit.sha256, report.sha256);
    assert_eq!((audit.votes_inserted, audit.votes_duplicate), (1, 4));

    // Pair counts: rows are pairs, matches are the counts.
    let counts = file_with(
        &dir,
        "counts.json",
        r#"{"models":["alpaca-13b","nobody-knows"],"X":[[0,1]],"Y":[[3,2,1,0]]}"#,
    );
    let options = ImportOptions {
        date: Some("2024-01-10".into()),
        ..ImportOptions::default()
    };
    let input = ImportInput::File {
        path: &counts,
        format: Format::PairCounts,
    };
    let report = import(&mut store, catalog(), input, &options).unwrap();
    assert_eq!((report.rows_read, report.votes_inserted), (1, 6));
    assert_eq!(report.votes_with_unknown_models, 6);
    assert_eq!(report.unknown_models, vec!["nobody-knows".to_string()]);
    assert!(store
        .stats()
        .unwrap()
        .sources
        .contains(&"counts".to_string()));

    // In-memory inputs: the sha256 covers the bytes given.
    let report = import_json_lines(&mut store, VOTES_JSON_LINES.as_bytes()).unwrap();
    assert_eq!(
        (report.file.as_str(), report.format.as_str()),
        ("upload", "jsonl")
    );
    assert_eq!(report.sha256, sha256_hex(VOTES_JSON_LINES.as_bytes()));
    assert_eq!(
        (
            report.rows_read,
            report.votes_inserted,
            report.votes_duplicate
        ),
        (4, 0, 4)
    );
    let generated = ImportInput::Generated {
        name: "made here".into(),
        format: "simulated",
        content: b"settings",
        batch: GeneratedBatch::Votes(vec![Vote {
            source: "simulated".into(),
            source_id: Some("s1".into()),
            timestamp: 1_704_067_200,
            model_a: "alpaca-13b".into(),
            model_b: "chatglm-6b".into(),
            outcome: Outcome::A,
            tokens_a: None,
            tokens_b: None,
            categories: Vec::new(),
            country: None,
            language: None,
            reasons: Default::default(),
        }]),
    };
    let report = import(&mut store, catalog(), generated, &ImportOptions::default()).unwrap();
    assert_eq!(report.sha256, sha256_hex(b"settings"));
    assert_eq!((report.rows_read, report.votes_inserted), (1, 1));
    let audit = store.imports().unwrap().pop().unwrap();
    assert_eq!(
        (audit.file_name.as_str(), audit.format.as_str()),
        ("made here", "simulated")
    );
}
