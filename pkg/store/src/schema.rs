//! Opening a store: connection settings, the schema and its forward migrations.
//!
//! The schema version lives in `PRAGMA user_version` and the file is marked as
//! ours with `PRAGMA application_id`, so that opening some other SQLite file
//! fails clearly instead of writing tables into it. Migrations only go
//! forward: `MIGRATIONS[i]` brings a store from version `i` to `i + 1`, each in
//! its own transaction.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{Store, StoreError};

/// "AWAT": marks a SQLite file as an arenawatt store.
const APPLICATION_ID: i32 = 0x4157_4154;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The oldest schema a read-only open reads as it is: schema 3 only dropped
/// a copy that no reader used, and schema 4 added voters' reasons, which a
/// read of an older store finds empty; so a Grafana replica serving a
/// schema-2 or -3 snapshot keeps working until the writer migrates it.
pub const READABLE_FROM: u32 = 2;

/// One forward migration: an SQL script, then (optionally) a rebuild of
/// derived data in Rust, both in the migration's transaction.
struct Migration {
    script: &'static str,
    then: Option<fn(&rusqlite::Transaction<'_>) -> Result<(), StoreError>>,
}

/// `MIGRATIONS[i]` migrates version `i` to `i + 1`.
const MIGRATIONS: &[Migration] = &[
    // 0 → 1: the first schema.
    Migration {
        then: None,
        script: "
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO meta (key, value) VALUES ('data_version', 0);

    CREATE TABLE sources (
        id        INTEGER PRIMARY KEY,
        name      TEXT NOT NULL UNIQUE,
        matches   INTEGER NOT NULL DEFAULT 0,
        vote_rows INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE models (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE aliases (
        alias    TEXT PRIMARY KEY,
        model_id INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE labels (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );

    -- vote_key: 64-bit hash of (source name, vote id); see store::key.
    -- outcome: 0 = A won, 1 = B won, 2 = tie, 3 = tie where both were bad.
    CREATE TABLE votes (
        vote_key    INTEGER PRIMARY KEY,
        source_id   INTEGER NOT NULL,
        timestamp   INTEGER NOT NULL,
        model_a     INTEGER NOT NULL,
        model_b     INTEGER NOT NULL,
        outcome     INTEGER NOT NULL,
        tokens_a    INTEGER,
        tokens_b    INTEGER,
        category_id INTEGER,
        language_id INTEGER
    );

    CREATE TABLE pair_counts_daily (
        source_id     INTEGER NOT NULL,
        day           INTEGER NOT NULL,
        model_lo      INTEGER NOT NULL,
        model_hi      INTEGER NOT NULL,
        wins_lo       INTEGER NOT NULL,
        wins_hi       INTEGER NOT NULL,
        ties          INTEGER NOT NULL,
        ties_both_bad INTEGER NOT NULL,
        PRIMARY KEY (source_id, day, model_lo, model_hi)
    ) WITHOUT ROWID;
    -- Per source and day with data: that day's pair counts and the running
    -- totals up to it, each packed in a BLOB (see store::packed).
    CREATE TABLE pair_counts_packed (
        source_id  INTEGER NOT NULL,
        day        INTEGER NOT NULL,
        daily      BLOB NOT NULL,
        cumulative BLOB NOT NULL,
        PRIMARY KEY (source_id, day)
    );
    CREATE TABLE model_tokens_daily (
        source_id            INTEGER NOT NULL,
        day                  INTEGER NOT NULL,
        model_id             INTEGER NOT NULL,
        sides_with_tokens    INTEGER NOT NULL,
        output_tokens        INTEGER NOT NULL,
        sides_without_tokens INTEGER NOT NULL,
        PRIMARY KEY (source_id, day, model_id)
    ) WITHOUT ROWID;

    CREATE TABLE imports (
        id              INTEGER PRIMARY KEY,
        file_name       TEXT NOT NULL,
        sha256          TEXT NOT NULL,
        format          TEXT NOT NULL,
        source          TEXT,
        day             INTEGER,
        rows_accepted   INTEGER NOT NULL,
        rows_rejected   INTEGER NOT NULL,
        votes_inserted  INTEGER NOT NULL,
        votes_duplicate INTEGER NOT NULL,
        started_at      INTEGER NOT NULL,
        finished_at     INTEGER NOT NULL,
        data_version    INTEGER NOT NULL
    );
    CREATE INDEX imports_by_sha256 ON imports (sha256);

    CREATE TABLE catalog_models (
        id         TEXT PRIMARY KEY,
        model_json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
    },
    // 1 → 2: slices (see `slices`). A vote's category becomes a set of
    // categories (one-element sets for the votes stored so far), votes gain a
    // country, and the slice aggregates are rebuilt from the votes.
    Migration {
        then: Some(super::slices::rebuild_from_votes),
        script: "
    ALTER TABLE votes RENAME COLUMN category_id TO category_set_id;
    ALTER TABLE votes ADD COLUMN country_id INTEGER;
    -- labels: the set's sorted label ids, comma-separated.
    CREATE TABLE category_sets (
        id     INTEGER PRIMARY KEY,
        labels TEXT NOT NULL UNIQUE
    );
    INSERT INTO category_sets (labels)
        SELECT DISTINCT CAST(category_set_id AS TEXT) FROM votes
        WHERE category_set_id IS NOT NULL ORDER BY category_set_id;
    UPDATE votes SET category_set_id =
        (SELECT s.id FROM category_sets s WHERE s.labels = CAST(votes.category_set_id AS TEXT))
        WHERE category_set_id IS NOT NULL;
    -- dimension: 0 category (value_id: a category set), 1 language, 2 country
    -- (value_id: a label).
    CREATE TABLE slice_daily (
        source_id INTEGER NOT NULL,
        dimension INTEGER NOT NULL,
        value_id  INTEGER NOT NULL,
        day       INTEGER NOT NULL,
        pairs     BLOB NOT NULL,
        tokens    BLOB NOT NULL,
        PRIMARY KEY (source_id, dimension, value_id, day)
    );
    CREATE TABLE slice_checkpoints (
        source_id  INTEGER NOT NULL,
        dimension  INTEGER NOT NULL,
        value_id   INTEGER NOT NULL,
        block      INTEGER NOT NULL,
        cumulative BLOB NOT NULL,
        PRIMARY KEY (source_id, dimension, value_id, block)
    );
    ",
    },
    // 2 → 3: a day's pair counts live only in `pair_counts_packed.daily`
    // (every write kept the two copies equal, in one transaction).
    Migration {
        then: None,
        script: "
    DROP TABLE pair_counts_daily;
    ",
    },
    // 3 → 4: voters' reasons (see `reasons`): the qualifiers of each judged
    // side of a vote, and their per-day sums per model. Votes stored before
    // carry none (their files did not keep them).
    Migration {
        then: None,
        script: "
    ALTER TABLE votes ADD COLUMN reasons_a INTEGER;
    ALTER TABLE votes ADD COLUMN reasons_b INTEGER;
    CREATE TABLE model_reasons_daily (
        source_id                 INTEGER NOT NULL,
        day                       INTEGER NOT NULL,
        model_id                  INTEGER NOT NULL,
        judged                    INTEGER NOT NULL,
        useful                    INTEGER NOT NULL,
        creative                  INTEGER NOT NULL,
        clear_formatting          INTEGER NOT NULL,
        complete                  INTEGER NOT NULL,
        incorrect                 INTEGER NOT NULL,
        superficial               INTEGER NOT NULL,
        instructions_not_followed INTEGER NOT NULL,
        PRIMARY KEY (source_id, day, model_id)
    ) WITHOUT ROWID;
    ",
    },
    // 4 → 5: style control (see `style`): each answer's markdown counts
    // (headers, bold spans, list items), where the input has them. Output
    // tokens were kept already.
    Migration {
        then: None,
        script: "
    ALTER TABLE votes ADD COLUMN headers_a INTEGER;
    ALTER TABLE votes ADD COLUMN headers_b INTEGER;
    ALTER TABLE votes ADD COLUMN bold_a INTEGER;
    ALTER TABLE votes ADD COLUMN bold_b INTEGER;
    ALTER TABLE votes ADD COLUMN lists_a INTEGER;
    ALTER TABLE votes ADD COLUMN lists_b INTEGER;
    ",
    },
];

/// Settings for every connection: wait for a writer instead of failing.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // Page cache (default 64 MiB): large imports touch each page once, in key
    // order. `ARENAWATT_CACHE_MIB` tunes it; a small cache makes SQLite spill
    // an import's pages to the write-ahead log before the commit.
    let cache_mib: i64 = std::env::var("ARENAWATT_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v| v > 0)
        .unwrap_or(64);
    conn.pragma_update(None, "cache_size", -cache_mib * 1024)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

pub(super) fn open_for_writing(path: &Path) -> Result<Store, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::opening(path, e))?;
    let display = path.display().to_string();
    prepare(conn, display, path, true)
}

pub(super) fn open_read_only(path: &Path, immutable: bool) -> Result<Store, StoreError> {
    if !path.exists() {
        return Err(StoreError::Missing {
            path: path.display().to_string(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if immutable {
        // `immutable=1`: no locks, no -shm, no WAL; SQLite trusts that
        // nobody changes the file while it is open.
        Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
    } else {
        Connection::open_with_flags(path, flags)
    }
    .map_err(|e| StoreError::opening(path, e))?;
    let display = path.display().to_string();
    prepare(conn, display, path, false)
}

/// `file:PATH?immutable=1`, with the characters a URI path cannot hold
/// percent-encoded.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'%' | b'?' | b'#' | 0..=0x20 | 0x7f..=0xff => uri.push_str(&format!("%{byte:02X}")),
            _ => uri.push(*byte as char),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

pub(super) fn open_in_memory() -> Result<Store, StoreError> {
    let conn = Connection::open_in_memory()?;
    prepare(conn, ":memory:".into(), Path::new(":memory:"), true)
}

fn prepare(
    conn: Connection,
    display: String,
    path: &Path,
    writable: bool,
) -> Result<Store, StoreError> {
    let opening = |e| StoreError::opening(path, e);
    configure(&conn).map_err(opening)?;
    // Reading the header is the first access: a non-SQLite file fails here.
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(opening)?;
    let version: u32 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(opening)?;
    let tables: u32 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .map_err(opening)?;
    let is_ours = application_id == APPLICATION_ID;
    let is_empty = application_id == 0 && version == 0 && tables == 0;
    if !is_ours && !is_empty {
        return Err(StoreError::NotAStore {
            path: display,
            reason: format!(
                "it is a SQLite database of another application (application_id {application_id:#x}, {tables} schema objects)"
            ),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: display,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if !writable {
        if is_empty {
            return Err(StoreError::NotAStore {
                path: display,
                reason: "the file is empty (no arenawatt schema)".into(),
            });
        }
        if version < READABLE_FROM {
            return Err(StoreError::CannotOpen {
                path: display,
                reason: format!(
                    "schema version {version} needs migrating to {SCHEMA_VERSION}; run `arenawatt import` on it once"
                ),
            });
        }
        return Ok(Store {
            conn,
            path: display,
        });
    }
    if display != ":memory:" {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(opening)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::CannotOpen {
                path: display,
                reason: format!("cannot switch to WAL mode (journal mode stays {mode:?})"),
            });
        }
    }
    // NORMAL is durable against process crashes in WAL mode; a power cut may
    // lose the last commits but never leaves a half-written one.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let mut store = Store {
        conn,
        path: display,
    };
    migrate(&mut store, version)?;
    Ok(store)
}

fn migrate(store: &mut Store, from: u32) -> Result<(), StoreError> {
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = store
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let current: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if current as usize > version {
            continue;
        }
        tx.execute_batch(migration.script)?;
        if let Some(rebuild) = migration.then {
            rebuild(&tx)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", version as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_store_is_at_the_current_version_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().schema_version, SCHEMA_VERSION);
        drop(store);
        let again = Store::open_read_only(&path).unwrap();
        assert_eq!(again.stats().unwrap().schema_version, SCHEMA_VERSION);
    }

    #[test]
    fn foreign_sqlite_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        drop(conn);
        let error = Store::open(&path)
            .err()
            .expect("a foreign database must be refused");
        assert!(matches!(error, StoreError::NotAStore { .. }), "{error}");
        assert!(error.to_string().contains("another application"), "{error}");
        let conn = Connection::open(&path).unwrap();
        let tables: u32 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
    }

    #[test]
    fn garbage_file_is_not_a_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.db");
        std::fs::write(&path, b"this is not a database, just some text that is long enough to look like a header........................................").unwrap();
        for result in [Store::open(&path), Store::open_read_only(&path)] {
            let error = result.err().expect("garbage must be refused");
            assert!(matches!(error, StoreError::NotAStore { .. }), "{error}");
        }
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let error = Store::open(&path).err().expect("newer schema");
        assert!(matches!(error, StoreError::TooNew { .. }), "{error}");
    }

    /// A version-1 store (single categories in `votes.category_id`, no
    /// slice tables) opens migrated: its categories become one-element sets,
    /// and the slice aggregates rebuilt from its votes give the votes' counts.
    #[test]
    fn a_version_1_store_migrates_to_slices_rebuilt_from_its_votes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0].script).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO sources (id, name, matches, vote_rows) VALUES (1, 'old', 5, 5);
                 INSERT INTO models (id, name) VALUES (1, 'm-a'), (2, 'm-b'), (3, 'm-c');
                 INSERT INTO labels (id, name) VALUES (1, 'Code'), (2, 'fr'), (3, 'Math');
                 -- day 20000: (a beats b, Code, fr), (b beats a, Math), (tie a-c, Code);
                 -- day 20040: (c beats b, no category, fr), (a beats c, Code, fr).
                 INSERT INTO votes VALUES
                   (11, 1, 1728000000, 1, 2, 0, 10, 20, 1, 2),
                   (12, 1, 1728000100, 1, 2, 1, NULL, NULL, 3, NULL),
                   (13, 1, 1728000200, 1, 3, 2, 5, 5, 1, NULL),
                   (14, 1, 1731456000, 3, 2, 0, NULL, NULL, NULL, 2),
                   (15, 1, 1731456100, 1, 3, 0, 7, NULL, 1, 2);",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().schema_version, SCHEMA_VERSION);
        let matches = |slices: crate::SliceFilter, to: Option<i64>| -> u64 {
            let filter = crate::CountFilter {
                to_day: to,
                slices,
                ..crate::CountFilter::default()
            };
            let table = store.pair_table(&filter).unwrap();
            table
                .pairs
                .iter()
                .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
                .sum()
        };
        let categories = |c: &[&str]| crate::SliceFilter {
            categories: c.iter().map(|s| s.to_string()).collect(),
            ..crate::SliceFilter::default()
        };
        let languages = crate::SliceFilter {
            languages: vec!["fr".into()],
            ..crate::SliceFilter::default()
        };
        assert_eq!(matches(categories(&["Code"]), None), 3);
        assert_eq!(matches(categories(&["Code"]), Some(20_000)), 2);
        assert_eq!(matches(categories(&["Math"]), None), 1);
        assert_eq!(matches(categories(&["Code", "Math"]), None), 4);
        assert_eq!(matches(languages, None), 3);
        let tokens = store
            .model_tokens(&crate::CountFilter {
                slices: categories(&["Code"]),
                ..crate::CountFilter::default()
            })
            .unwrap();
        let a = tokens.iter().find(|t| t.model == "m-a").unwrap();
        assert_eq!(
            (a.sides_with_tokens, a.output_tokens, a.sides_without_tokens),
            (3, 22, 0)
        );
        let set: String = store
            .conn
            .query_row(
                "SELECT s.labels FROM votes v JOIN category_sets s ON s.id = v.category_set_id
                 WHERE v.vote_key = 13",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(
            set, "1",
            "the vote's category Code (label 1) as a one-element set"
        );
    }

    /// A version-2 store (with the relational copy `pair_counts_daily`)
    /// opens migrated: the copy is gone, the counts read the same, and the
    /// next import adds to them.
    #[test]
    fn a_version_2_store_drops_its_relational_copy_of_the_daily_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        let vote = |id: &str, day: i64, a: &str, b: &str| crate::Vote {
            source: "arena".into(),
            source_id: Some(id.into()),
            timestamp: day * 86_400 + 60,
            model_a: a.into(),
            model_b: b.into(),
            outcome: crate::Outcome::A,
            tokens_a: None,
            tokens_b: Some(12),
            categories: Vec::new(),
            language: None,
            country: None,
            reasons: Default::default(),
        };
        let audit = |name: &str| crate::ImportAudit {
            file_name: name.into(),
            sha256: name.into(),
            format: "csv".into(),
            rows_rejected: 0,
        };
        let counts = |store: &Store| {
            let table = store.pair_table(&crate::CountFilter::default()).unwrap();
            let mut cells: Vec<(String, String, u64, u64)> = table
                .pairs
                .iter()
                .map(|p| {
                    (
                        table.models[p.lo].clone(),
                        table.models[p.hi].clone(),
                        p.wins_lo,
                        p.wins_hi,
                    )
                })
                .collect();
            cells.sort();
            cells
        };
        let before = {
            let mut store = Store::open(&path).unwrap();
            let votes = [
                vote("1", 20_000, "m-a", "m-b"),
                vote("2", 20_001, "m-b", "m-c"),
            ];
            store.import_votes(&votes, &audit("first")).unwrap();
            counts(&store)
        };
        {
            // What a version-2 store also held.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE pair_counts_daily (
                     source_id INTEGER NOT NULL, day INTEGER NOT NULL,
                     model_lo INTEGER NOT NULL, model_hi INTEGER NOT NULL,
                     wins_lo INTEGER NOT NULL, wins_hi INTEGER NOT NULL,
                     ties INTEGER NOT NULL, ties_both_bad INTEGER NOT NULL,
                     PRIMARY KEY (source_id, day, model_lo, model_hi));
                 INSERT INTO pair_counts_daily VALUES (1, 20000, 1, 2, 1, 0, 0, 0);",
            )
            .unwrap();
            conn.execute_batch(WITHOUT_REASONS).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
        }
        // A read-only open (a Grafana replica) reads it as it is.
        let replica = Store::open_read_only(&path).unwrap();
        assert_eq!(replica.stats().unwrap().schema_version, 2);
        assert_eq!(counts(&replica), before);
        drop(replica);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().schema_version, SCHEMA_VERSION);
        let tables: u32 = store
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'pair_counts_daily'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
        assert_eq!(counts(&store), before);
        store
            .import_votes(&[vote("3", 20_000, "m-a", "m-b")], &audit("second"))
            .unwrap();
        let after = counts(&store);
        assert_eq!(after[0], ("m-a".into(), "m-b".into(), 2, 0), "{after:?}");
        assert_eq!(after[1..], before[1..]);
    }

    /// Turns a store of this schema back into one of schema 3 (no reasons,
    /// no markdown counts).
    const WITHOUT_REASONS: &str = "ALTER TABLE votes DROP COLUMN reasons_a;
         ALTER TABLE votes DROP COLUMN reasons_b;
         DROP TABLE model_reasons_daily;
         ALTER TABLE votes DROP COLUMN headers_a; ALTER TABLE votes DROP COLUMN headers_b;
         ALTER TABLE votes DROP COLUMN bold_a; ALTER TABLE votes DROP COLUMN bold_b;
         ALTER TABLE votes DROP COLUMN lists_a; ALTER TABLE votes DROP COLUMN lists_b;";

    #[test]
    fn a_version_3_store_gains_voters_reasons_and_keeps_its_votes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let vote = |id: &str, reasons: [crate::Reasons; 2]| crate::Vote {
            source: "comparia".into(),
            source_id: Some(id.into()),
            timestamp: 20_000 * 86_400 + 60,
            model_a: "m-a".into(),
            model_b: "m-b".into(),
            outcome: crate::Outcome::A,
            tokens_a: None,
            tokens_b: None,
            categories: Vec::new(),
            language: None,
            country: None,
            reasons,
        };
        let audit = |name: &str| crate::ImportAudit {
            file_name: name.into(),
            sha256: name.into(),
            format: "comparia-votes".into(),
            rows_rejected: 0,
        };
        {
            let mut store = Store::open(&path).unwrap();
            store
                .import_votes(&[vote("1", Default::default())], &audit("old"))
                .unwrap();
            store.conn.execute_batch(WITHOUT_REASONS).unwrap();
            store.conn.pragma_update(None, "user_version", 3).unwrap();
        }
        let filter = crate::CountFilter::default();
        // A read-only open of the old store finds no reasons, and no error.
        let replica = Store::open_read_only(&path).unwrap();
        assert_eq!(replica.stats().unwrap().schema_version, 3);
        assert!(replica.model_reasons(&filter).unwrap().is_empty());
        let sliced = crate::CountFilter {
            slices: crate::SliceFilter {
                categories: vec!["x".into()],
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(replica.model_reasons(&sliced).unwrap().is_empty());
        // A style read finds no markdown columns and reads tokens only.
        let (_, table, coverage) = replica.style_table(&filter).unwrap();
        assert_eq!(coverage.votes, 1);
        assert_eq!(coverage.with_feature, [0; 4]);
        assert_eq!(table.cells.len(), 1);
        drop(replica);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().schema_version, SCHEMA_VERSION);
        assert_eq!(store.stats().unwrap().vote_rows, 1);
        let mut useful = [None; 7];
        useful[0] = Some(true);
        let judged = [
            crate::Reasons::from_marks(useful),
            crate::Reasons::from_marks([Some(false); 7]),
        ];
        store
            .import_votes(&[vote("2", judged)], &audit("new"))
            .unwrap();
        let reasons = store.model_reasons(&filter).unwrap();
        let summary: Vec<(&str, u64, u64)> = reasons
            .iter()
            .map(|m| (m.model.as_str(), m.judged, m.counts[0]))
            .collect();
        assert_eq!(summary, [("m-a", 1, 1), ("m-b", 1, 0)]);
    }

    #[test]
    fn read_only_open_never_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.db");
        let error = Store::open_read_only(&path).err().expect("missing");
        assert!(matches!(error, StoreError::Missing { .. }), "{error}");
        assert!(!path.exists());
    }
}
