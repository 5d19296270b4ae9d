//! `arenawatt snapshot`: a consistent, compacted copy of a live store, for
//! shipping to Grafana replicas that open it read-only and immutable.
//!
//! SQLite's `VACUUM INTO` reads the store in one read transaction (an import
//! running meanwhile is wholly in the copy or not at all) and writes a copy
//! without free pages. The copy is written to a temporary file in the
//! target's folder, switched to the rollback journal (a single file, no
//! `-wal` or `-shm` to ship), synced, and renamed over the target: a reader
//! of the target sees the old copy or the new one, never half of one.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{Store, StoreError};

/// What a snapshot wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotReport {
    pub bytes: u64,
    pub data_version: u64,
    pub schema_version: u32,
}

impl Store {
    /// Writes a consistent, compacted copy of this store to `out`, replacing
    /// `out` atomically.
    pub fn snapshot_into(&self, out: &Path) -> Result<SnapshotReport, StoreError> {
        let shown = out.display().to_string();
        let failed = |reason: String| StoreError::CannotOpen {
            path: shown.clone(),
            reason,
        };
        if out.is_dir() {
            return Err(failed("is a folder; give the snapshot's file name".into()));
        }
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same(Path::new(self.path()), out) {
            return Err(failed("is the store itself".into()));
        }
        let folder = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot".into());
        let temporary = folder.join(format!(".{name}.{}.partial", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        let result = self.write_copy(&temporary).and_then(|report| {
            std::fs::rename(&temporary, out)
                .map_err(|e| failed(format!("cannot move the copy into place: {e}")))?;
            if let Ok(dir) = std::fs::File::open(&folder) {
                let _ = dir.sync_all();
            }
            Ok(report)
        });
        if result.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        result
    }

    fn write_copy(&self, temporary: &Path) -> Result<SnapshotReport, StoreError> {
        let shown = temporary.display().to_string();
        let target = temporary.to_str().ok_or_else(|| StoreError::CannotOpen {
            path: shown.clone(),
            reason: "the path is not UTF-8".into(),
        })?;
        self.conn.execute("VACUUM INTO ?1", [target])?;
        let copy = Connection::open(temporary).map_err(|e| StoreError::opening(temporary, e))?;
        let mode: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::CannotOpen {
                path: shown,
                reason: format!("cannot leave WAL mode (journal mode {mode})"),
            });
        }
        let data_version: i64 = copy.query_row(
            "SELECT value FROM meta WHERE key = 'data_version'",
            [],
            |row| row.get(0),
        )?;
        let schema_version: u32 = copy.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        drop(copy);
        let file = std::fs::File::open(temporary).map_err(|e| StoreError::CannotOpen {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        file.sync_all().map_err(|e| StoreError::CannotOpen {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(SnapshotReport {
            bytes,
            data_version: data_version.max(0) as u64,
            schema_version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_holds_the_store_and_opens_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let mut store = Store::open(&live).unwrap();
        let votes = vec![crate::Vote {
            source: "s".into(),
            source_id: Some("1".into()),
            timestamp: 1_780_000_000,
            model_a: "a".into(),
            model_b: "b".into(),
            outcome: crate::Outcome::A,
            tokens_a: None,
            tokens_b: None,
            categories: Vec::new(),
            country: None,
            language: None,
            reasons: Default::default(),
        }];
        let audit = crate::ImportAudit {
            file_name: "t".into(),
            sha256: "0".into(),
            format: "jsonl".into(),
            rows_rejected: 0,
        };
        store.import_votes(&votes, &audit).unwrap();
        let out = dir.path().join("copy.db");
        let report = store.snapshot_into(&out).unwrap();
        assert_eq!(report.data_version, store.data_version().unwrap());
        let copy = Store::open_immutable(&out).unwrap();
        assert_eq!(copy.stats().unwrap().votes, 1);
        assert!(!dir.path().join("copy.db-wal").exists());
        let again = store.snapshot_into(&live).unwrap_err().to_string();
        assert!(again.contains("is the store itself"), "{again}");
    }
}
