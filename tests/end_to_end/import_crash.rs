//! Crash safety and isolation, with the real binary: `kill -9` at several
//! moments of a large import leaves a consistent store (the old data, or all
//! of the new), and a reader running during an import sees the old or the new
//! data, never part of it.

use crate::support::cli::printed;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arenawatt::store::{CountFilter, Store};

const SEED_VOTES: u64 = 500;
const BIG_VOTES: u64 = 300_000;

fn write_csv(path: &Path, rows: u64, prefix: &str) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "id,model_a,model_b,winner,timestamp,tokens_a,tokens_b").unwrap();
    let winners = ["model_a", "model_b", "tie", "model_a", "tie (bothbad)"];
    for i in 0..rows {
        let a = i % 23;
        let b = (a + 1 + (i / 23) % 22) % 23;
        writeln!(
            out,
            "{prefix}{i},model-{a},model-{b},{},{},{},{}",
            winners[(i % 5) as usize],
            1_760_000_000 + (i * 61) % (90 * 86_400),
            50 + i % 900,
            70 + i % 700
        )
        .unwrap();
    }
    out.flush().unwrap();
}

/// An import with a 1 MiB page cache, so that SQLite writes the transaction's
/// pages to the write-ahead log long before the commit: killing it then
/// leaves uncommitted frames in the log, which recovery must ignore.
fn import_command(db: &Path, csv: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_arenawatt"));
    command
        .env("ARENAWATT_CACHE_MIB", "1")
        .arg("--db")
        .arg(db)
        .args(["import", "--format", "csv"])
        .arg(csv)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run_import(db: &Path, csv: &Path) {
    let output = import_command(db, csv).output().unwrap();
    assert!(
        output.status.success(),
        "import failed:\nstdout:\n{}\nstderr:\n{}",
        printed(&output.stdout),
        printed(&output.stderr)
    );
}

/// Matches in the aggregates, matches in the counters, vote rows.
fn counts(db: &Path) -> (u64, u64, u64) {
    let store = Store::open_read_only(db).unwrap();
    let table = store.pair_table(&CountFilter::default()).unwrap();
    let aggregated = table
        .pairs
        .iter()
        .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
        .sum();
    let stats = store.stats().unwrap();
    (aggregated, stats.votes, stats.vote_rows)
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    seed_db: PathBuf,
    big_csv: PathBuf,
    folder: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_path_buf();
    let seed_csv = folder.join("seed.csv");
    write_csv(&seed_csv, SEED_VOTES, "seed-");
    let seed_db = folder.join("seed.db");
    run_import(&seed_db, &seed_csv);
    let big_csv = folder.join("big.csv");
    write_csv(&big_csv, BIG_VOTES, "big-");
    Fixture {
        _dir: dir,
        seed_db,
        big_csv,
        folder,
    }
}

fn copy_store(from: &Path, to: &Path) {
    // The seeded store was closed after a checkpoint: the main file is complete.
    std::fs::copy(from, to).unwrap();
}

fn kill_9(child: &mut Child) {
    // Child::kill sends SIGKILL on Unix: no destructor, no rollback, no cleanup.
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn kill_9_during_a_large_import_leaves_a_consistent_store() {
    let f = fixture();
    // How long a whole import takes here, to spread the kills over it.
    let timing_db = f.folder.join("timing.db");
    copy_store(&f.seed_db, &timing_db);
    let start = Instant::now();
    run_import(&timing_db, &f.big_csv);
    let whole = start.elapsed();
    assert_eq!(counts(&timing_db).2, SEED_VOTES + BIG_VOTES);

    let mut seen = Vec::new();
    // Kills spread over the import's duration, then kills at the moment the
    // write-ahead log passes a size (the transaction is half written).
    let moments: Vec<(Option<Duration>, u64)> = (1..=4u32)
        .map(|step| (Some(whole * step / 5), 0))
        .chain([64 << 10, 1 << 20, 4 << 20].map(|bytes| (None, bytes)))
        .collect();
    for (attempt, (delay, wal_bytes)) in moments.into_iter().enumerate() {
        let db = f.folder.join(format!("killed-{attempt}.db"));
        copy_store(&f.seed_db, &db);
        let wal_path = f.folder.join(format!("killed-{attempt}.db-wal"));
        let mut child = import_command(&db, &f.big_csv).spawn().unwrap();
        let started = Instant::now();
        match delay {
            Some(delay) => std::thread::sleep(delay),
            None => {
                while std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0) < wal_bytes
                    && child.try_wait().unwrap().is_none()
                    && started.elapsed() < whole * 3
                {
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        let running = child.try_wait().unwrap().is_none();
        let wal = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
        kill_9(&mut child);
        let (aggregated, counted, rows) = counts(&db);
        seen.push(format!(
            "kill after {:?} (still running: {running}, write-ahead log {wal} bytes): {rows} vote rows, {aggregated} aggregated",
            started.elapsed()
        ));
        assert_eq!(integrity(&db), "ok", "{seen:#?}");
        assert!(
            rows == SEED_VOTES || rows == SEED_VOTES + BIG_VOTES,
            "half an import is visible: {seen:#?}"
        );
        assert_eq!(
            (aggregated, counted),
            (rows, rows),
            "aggregates disagree with the votes: {seen:#?}"
        );
        // The store stays usable: importing again completes the data.
        run_import(&db, &f.big_csv);
        assert_eq!(
            counts(&db),
            (
                SEED_VOTES + BIG_VOTES,
                SEED_VOTES + BIG_VOTES,
                SEED_VOTES + BIG_VOTES
            ),
            "{seen:#?}"
        );
    }
    assert!(
        seen.iter()
            .any(|s| s.contains("still running: true") && !s.contains("log 0 bytes")),
        "no kill landed while the transaction was being written: {seen:#?}"
    );
    println!("{seen:#?}");
}

#[test]
fn a_reader_during_an_import_sees_old_or_new_data_never_half() {
    let f = fixture();
    let db = f.folder.join("shared.db");
    copy_store(&f.seed_db, &db);
    let store = Store::open_read_only(&db).unwrap();
    let old = SEED_VOTES;
    let new = SEED_VOTES + BIG_VOTES;
    let mut child = import_command(&db, &f.big_csv).spawn().unwrap();
    let (mut saw_old, mut saw_new, mut reads) = (0u32, 0u32, 0u32);
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let finished = child.try_wait().unwrap().is_some();
        let table = store.pair_table(&CountFilter::default()).unwrap();
        let total: u64 = table
            .pairs
            .iter()
            .map(|p| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum();
        let stats = store.stats().unwrap();
        let daily = store.daily_counts(&CountFilter::default()).unwrap();
        let daily_total: u64 = daily
            .pairs
            .iter()
            .map(|(_, p)| p.wins_lo + p.wins_hi + p.ties + p.ties_both_bad)
            .sum();
        reads += 1;
        for value in [total, stats.votes, stats.vote_rows, daily_total] {
            assert!(
                value == old || value == new,
                "read {reads} saw {value} matches (old {old}, new {new})"
            );
        }
        if total == old {
            saw_old += 1;
        } else {
            saw_new += 1;
        }
        if finished || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", printed(&output.stderr));
    println!("{reads} reads: {saw_old} saw the old data, {saw_new} the new");
    assert!(
        saw_old > 0,
        "the reader never ran during the import ({reads} reads)"
    );
    assert!(saw_new > 0, "the reader never saw the committed import");
}
