//! Property tests of every vote reader (issue 12): random bytes, and valid
//! files mutated by byte flips, truncation, inserted junk and duplicated
//! lines, must give an error or a valid import; never a panic, and never a
//! changed store when the import fails. The readers run in process (fast);
//! a few cases also go through the real `arenawatt` binary end to end.
//!
//! The valid bases are the real compar:IA samples (`tests/fixtures/comparia`)
//! and small csv, battles and pair-counts files of catalog models with recent
//! times. Case counts are bounded so the file runs in seconds in debug.

use std::cell::RefCell;
use std::path::Path;

use arenawatt::catalog::Catalog;
use arenawatt::ingest::{self, IngestOptions, Ingested};
use arenawatt::store::{ImportAudit, PairCountBatch, Store, StoreStats};
use proptest::prelude::*;

use crate::support::{cli::arenawatt_on, data::fixture};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

const MODELS: [&str; 4] = [
    "llama-3.1-405b",
    "glm-4.5",
    "mixtral-8x7b-instruct-v0.1",
    "not-in-catalog",
];

fn base_csv() -> Vec<u8> {
    let mut text = String::from("id,model_a,model_b,winner,timestamp,tokens_a,tokens_b,category\n");
    let winners = ["model_a", "model_b", "tie", "tie (bothbad)"];
    for i in 0..16 {
        text.push_str(&format!(
            "c{i},{},{},{},{},{},{},cat{}\n",
            MODELS[i % 4],
            MODELS[(i + 1) % 4],
            winners[i % 4],
            now() - 86_400 * 5 + i as i64 * 3_600,
            100 + i,
            50 + i,
            i % 3
        ));
    }
    text.into_bytes()
}

fn battle(i: usize) -> String {
    let winners = ["model_a", "model_b", "tie", "tie (bothbad)"];
    format!(
        r#"{{"question_id":"q{i}","model_a":"{}","model_b":"{}","winner":"{}","tstamp":{}.25,"language":"English"}}"#,
        MODELS[i % 4],
        MODELS[(i + 2) % 4],
        winners[i % 4],
        now() - 86_400 * 3 + i as i64 * 600
    )
}

fn base_battles_jsonl() -> Vec<u8> {
    (0..12)
        .map(|i| battle(i) + "\n")
        .collect::<String>()
        .into_bytes()
}

fn base_battles_array() -> Vec<u8> {
    format!("[{}]", (0..12).map(battle).collect::<Vec<_>>().join(",\n")).into_bytes()
}

fn base_pair_counts() -> Vec<u8> {
    br#"{"models":["llama-3.1-405b","glm-4.5","mixtral-8x7b-instruct-v0.1","not-in-catalog"],
 "X":[[0,1],[0,2],[1,2],[3,0],[2,3]],
 "Y":[[12,7,3,1],[4,9,0,0],[5,5,2],[1,0,0,0],[8,2,1,1]]}"#
        .to_vec()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("comparia/{name}"))).unwrap()
}

/// A real compar:IA sample turned into JSON Lines, one object per parquet
/// row with the same fields (timestamps as epoch numbers in their unit).
fn sample_as_jsonl(name: &str) -> Vec<u8> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use serde_json::{json, Map, Value};
    let file = std::fs::File::open(fixture(&format!("comparia/{name}"))).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let mut out = String::new();
    for row in reader.get_row_iter(None).unwrap() {
        let row = row.unwrap();
        let mut object = Map::new();
        for (column, field) in row.get_column_iter() {
            let value = match field {
                Field::Null => Value::Null,
                Field::Bool(b) => json!(b),
                Field::Byte(v) => json!(v),
                Field::Short(v) => json!(v),
                Field::Int(v) => json!(v),
                Field::Long(v) => json!(v),
                Field::UByte(v) => json!(v),
                Field::UShort(v) => json!(v),
                Field::UInt(v) => json!(v),
                Field::ULong(v) => json!(v),
                Field::Float(v) => json!(v),
                Field::Double(v) => json!(v),
                Field::Str(v) => json!(v),
                Field::TimestampMillis(v) => json!(v),
                Field::TimestampMicros(v) => json!(v),
                other => json!(other.to_string()),
            };
            object.insert(column.clone(), value);
        }
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// One way of damaging a file; positions are taken modulo its length.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    SetByte(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    DuplicateLine(usize),
    DeleteRange(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let junk = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..12),
        Just(b"\"".to_vec()),
        Just(b",".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\0".to_vec()),
        Just("\u{feff}".as_bytes().to_vec()),
        Just(b"9999-12-31T23:59:59Z".to_vec()),
        Just(b"18446744073709551615".to_vec()),
        Just(b"1e300".to_vec()),
        Just(b"-9223372036854775808".to_vec()),
        Just(b"llama-3.1-405b-instruct".to_vec()),
        Just(b"{}".to_vec()),
        Just(b"[[".to_vec()),
    ];
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), junk).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::DeleteRange(at, len)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len().max(1);
        match mutation {
            Mutation::FlipBit(at, bit) => {
                if let Some(byte) = bytes.get_mut(at % len) {
                    *byte ^= 1 << bit;
                }
            }
            Mutation::SetByte(at, value) => {
                if let Some(byte) = bytes.get_mut(at % len) {
                    *byte = *value;
                }
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Insert(at, junk) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, junk.iter().copied());
            }
            Mutation::DuplicateLine(at) => {
                let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
                if !lines.is_empty() {
                    let k = at % lines.len();
                    let mut out = Vec::with_capacity(bytes.len() * 2);
                    for (i, line) in lines.iter().enumerate() {
                        out.extend_from_slice(line);
                        if i == k {
                            out.extend_from_slice(line);
                        }
                    }
                    bytes = out;
                }
            }
            Mutation::DeleteRange(at, count) => {
                let start = at % len;
                let end = (start + count).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
        }
    }
    bytes
}

/// The readers under test.
#[derive(Debug, Clone, Copy)]
enum Reader {
    Csv,
    Battles,
    ComparIaVotes,
    ComparIaReactions,
    ComparIaConversations,
    PairCounts,
}

/// What a reader of the store sees; compared around a failed import.
#[derive(Debug, PartialEq)]
struct Snapshot {
    stats: StoreStats,
    imports: usize,
}

fn snapshot(store: &Store) -> Snapshot {
    Snapshot {
        stats: store.stats().unwrap(),
        imports: store.imports().unwrap().len(),
    }
}

fn audit(file: &Path) -> ImportAudit {
    ImportAudit {
        file_name: file.display().to_string(),
        sha256: arenawatt::cli::import::sha256_of(file).unwrap(),
        format: "fuzz".into(),
        rows_rejected: 0,
    }
}

/// Reads `file` with `reader`, imports what it read, and checks the rules:
/// no panic (proptest reports one), a read error leaves the store alone, and
/// a failed import leaves it as it was. `Err` holds the refusal.
fn read_and_import(
    store: &mut Store,
    reader: Reader,
    file: &Path,
    skip_invalid: bool,
) -> Result<(), String> {
    let catalog = Catalog::bundled_ref();
    let mut options = IngestOptions::new(catalog);
    options.skip_invalid = skip_invalid;
    let before = snapshot(store);
    let read: Result<Option<Ingested>, String> = match reader {
        Reader::Csv => ingest::csv::read(file, &options)
            .map(Some)
            .map_err(|e| e.to_string()),
        Reader::Battles => ingest::arena_battles::read(file, &options)
            .map(Some)
            .map_err(|e| e.to_string()),
        Reader::ComparIaVotes => ingest::comparia_votes::read(file, &options, None)
            .map(Some)
            .map_err(|e| e.to_string()),
        Reader::ComparIaReactions => ingest::comparia_reactions::read(file, &options)
            .map(Some)
            .map_err(|e| e.to_string()),
        Reader::ComparIaConversations => ingest::comparia_conversations::read_tokens(file)
            .map(|_| None)
            .map_err(|e| e.to_string()),
        Reader::PairCounts => {
            let parsed = ingest::pair_counts::read_pair_counts(file).and_then(|mut table| {
                ingest::pair_counts::resolve_models(&mut table, catalog, "fuzz")?;
                Ok(table)
            });
            match parsed {
                Ok(table) => {
                    let batch = PairCountBatch {
                        source: "fuzz-pairs".into(),
                        day: now() / 86_400 - 2,
                        table,
                    };
                    let result = store.import_pair_counts(&batch, &audit(file));
                    if let Err(error) = &result {
                        assert_eq!(
                            snapshot(store),
                            before,
                            "failed import changed the store: {error}"
                        );
                    }
                    return result.map(|_| ()).map_err(|e| e.to_string());
                }
                Err(error) => Err(error.to_string()),
            }
        }
    };
    match read {
        Ok(Some(ingested)) => {
            let result = store.import_buffer(ingested.buffer, &audit(file));
            if let Err(error) = &result {
                assert_eq!(
                    snapshot(store),
                    before,
                    "failed import changed the store: {error}"
                );
            }
            result.map(|_| ()).map_err(|e| e.to_string())
        }
        Ok(None) => Ok(()),
        Err(message) => {
            assert!(!message.is_empty());
            assert_eq!(snapshot(store), before, "a read error touched the store");
            Err(message)
        }
    }
}

/// A store for one property, and the folder its inputs are written to.
/// (proptest's case closure is `Fn`, hence the `RefCell`.)
fn workspace() -> (tempfile::TempDir, RefCell<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("fuzz.db")).unwrap();
    (dir, RefCell::new(store))
}

fn check_mutated(
    dir: &Path,
    store: &mut Store,
    reader: Reader,
    extension: &str,
    bytes: Vec<u8>,
    skip_invalid: bool,
) -> Result<(), String> {
    let file = dir.join(format!("case.{extension}"));
    std::fs::write(&file, bytes).unwrap();
    read_and_import(store, reader, &file, skip_invalid)
}

macro_rules! mutated_reader_property {
    ($name:ident, $reader:expr, $extension:literal, $base:expr, $cases:literal) => {
        #[test]
        fn $name() {
            let (dir, store) = workspace();
            let base: Vec<u8> = $base;
            // The undamaged base is a valid file, and imports.
            let imported = check_mutated(dir.path(), &mut store.borrow_mut(), $reader, $extension, base.clone(), false);
            assert_eq!(imported, Ok(()), "the base of {}", stringify!($name));
            let config = ProptestConfig {
                cases: $cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            };
            proptest!(config, |(mutations in proptest::collection::vec(mutation(), 1..6), skip in any::<bool>())| {
                let bytes = apply(base.clone(), &mutations);
                let _ = check_mutated(dir.path(), &mut store.borrow_mut(), $reader, $extension, bytes, skip);
            });
        }
    };
}

mutated_reader_property!(
    mutated_csv_gives_an_error_or_a_valid_import,
    Reader::Csv,
    "csv",
    base_csv(),
    256
);
mutated_reader_property!(
    mutated_battles_jsonl_gives_an_error_or_a_valid_import,
    Reader::Battles,
    "jsonl",
    base_battles_jsonl(),
    192
);
mutated_reader_property!(
    mutated_battles_json_array_gives_an_error_or_a_valid_import,
    Reader::Battles,
    "json",
    base_battles_array(),
    128
);
mutated_reader_property!(
    mutated_pair_counts_give_an_error_or_a_valid_import,
    Reader::PairCounts,
    "json",
    base_pair_counts(),
    256
);
mutated_reader_property!(
    mutated_comparia_votes_parquet_gives_an_error_or_a_valid_import,
    Reader::ComparIaVotes,
    "parquet",
    sample("sample_comparia_votes.parquet"),
    128
);
mutated_reader_property!(
    mutated_comparia_votes_jsonl_gives_an_error_or_a_valid_import,
    Reader::ComparIaVotes,
    "jsonl",
    sample_as_jsonl("sample_comparia_votes.parquet"),
    128
);
mutated_reader_property!(
    mutated_comparia_reactions_jsonl_gives_an_error_or_a_valid_import,
    Reader::ComparIaReactions,
    "jsonl",
    sample_as_jsonl("sample_comparia_reactions.parquet"),
    96
);
mutated_reader_property!(
    mutated_comparia_reactions_parquet_gives_an_error_or_a_valid_import,
    Reader::ComparIaReactions,
    "parquet",
    sample("sample_comparia_reactions.parquet"),
    96
);
mutated_reader_property!(
    mutated_comparia_conversations_parquet_gives_an_error_or_tokens,
    Reader::ComparIaConversations,
    "parquet",
    sample("sample_comparia_conversations.parquet"),
    96
);

#[test]
fn random_bytes_give_an_error_or_a_valid_import_in_every_reader() {
    let (dir, store) = workspace();
    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(bytes in proptest::collection::vec(any::<u8>(), 0..1024), parquet_magic in any::<bool>())| {
        // With parquet's magic at both ends the parquet decoder gets the bytes.
        let bytes = if parquet_magic {
            [b"PAR1".as_slice(), &bytes, b"PAR1"].concat()
        } else {
            bytes
        };
        for (reader, extension) in [
            (Reader::Csv, "csv"),
            (Reader::Battles, "jsonl"),
            (Reader::PairCounts, "json"),
            (Reader::ComparIaVotes, "parquet"),
            (Reader::ComparIaReactions, "jsonl"),
            (Reader::ComparIaConversations, "parquet"),
        ] {
            let _ = check_mutated(dir.path(), &mut store.borrow_mut(), reader, extension, bytes.clone(), false);
        }
    });
}

/// The real binary on a few mutated files: it never panics, and a failed
/// import leaves the store as it was.
#[test]
fn the_binary_on_mutated_files_never_panics_and_refuses_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e2e.db");
    let seed = dir.path().join("seed.csv");
    std::fs::write(&seed, base_csv()).unwrap();
    arenawatt_on(
        &db,
        &["import", "--format", "csv", seed.to_str().unwrap()],
        true,
    );
    let config = ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let bases = [
        ("csv", "csv", base_csv()),
        ("arena-battles", "jsonl", base_battles_jsonl()),
        ("pair-counts", "json", base_pair_counts()),
        (
            "comparia-votes",
            "parquet",
            sample("sample_comparia_votes.parquet"),
        ),
    ];
    proptest!(config, |(which in 0usize..4, mutations in proptest::collection::vec(mutation(), 1..4))| {
        let (format, extension, base) = &bases[which];
        let file = dir.path().join(format!("e2e.{extension}"));
        std::fs::write(&file, apply(base.clone(), &mutations)).unwrap();
        let before = Store::open_read_only(&db).unwrap().stats().unwrap();
        let mut args = vec!["import", "--format", format];
        if *format == "pair-counts" {
            args.extend(["--date", "2024-08-14"]);
        }
        args.push(file.to_str().unwrap());
        let output = crate::support::cli::arenawatt(Path::new("."), &[&["--db", db.to_str().unwrap()][..], &args[..]].concat());
        let stderr = &output.stderr;
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        if !output.status.success() {
            prop_assert!(stderr.contains("the store is unchanged"), "{}", stderr);
            let after = Store::open_read_only(&db).unwrap().stats().unwrap();
            prop_assert_eq!(after, before, "{}", stderr);
        }
    });
}
