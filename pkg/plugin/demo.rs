//! The bundled demo store, for data sources with an empty `path`: a fresh
//! install shows real Chatbot Arena counts and six months of simulated, dated
//! votes without any setup.
//!
//! The store is built by the same function as `arenawatt demo`
//! ([`crate::query::demo::build_demo_store`]), in a cache folder, one file per
//! day (the simulated votes end on the day the store is built); instances
//! move to the new file with their first request of the day. Several plugin processes (one per Grafana, or parallel tests) may start
//! together, so the build holds a lock file; the build itself writes a side
//! file and renames it into place.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::query::time;

/// Overrides where the demo store lives (default: the system temp folder).
pub const DEMO_STORE_ENV: &str = "ARENAWATT_DEMO_STORE";

/// A lock older than this is left over from a crashed build.
const STALE_LOCK: Duration = Duration::from_secs(600);

static BUILD: Mutex<()> = Mutex::new(());

/// Where today's demo store is kept: `ARENAWATT_DEMO_STORE`, or
/// `<temp>/arenawatt-<version>/demo-<YYYY-MM-DD>.sqlite`. One file per day, so
/// engines still reading yesterday's file are never disturbed by today's build.
pub fn demo_store_path() -> PathBuf {
    match std::env::var_os(DEMO_STORE_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => demo_dir().join(format!("demo-{}.sqlite", time::format_day(time::today()))),
    }
}

fn demo_dir() -> PathBuf {
    std::env::temp_dir().join(format!("arenawatt-{}", env!("CARGO_PKG_VERSION")))
}

/// The demo store's path, building it first when needed.
pub fn demo_store() -> Result<PathBuf, String> {
    let path = demo_store_path();
    let _in_process = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    let _across_processes = LockFile::acquire(&path)?;
    let summary = crate::query::demo::build_demo_store(&path)
        .map_err(|e| format!("building {}: {e}", path.display()))?;
    if summary.rebuilt {
        tracing::info!(path = %path.display(), votes = summary.simulated_votes, "built the demo store");
        if std::env::var_os(DEMO_STORE_ENV).is_none() {
            remove_old_demo_stores(&demo_dir(), time::today());
        }
    }
    Ok(path)
}

/// Removes demo stores older than yesterday (a plugin started yesterday may
/// still read yesterday's until its next request moves it to today's).
fn remove_old_demo_stores(dir: &Path, today: i64) {
    let keep = [time::format_day(today), time::format_day(today - 1)];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(day) = name.strip_prefix("demo-").and_then(|n| n.get(..10)) else {
            continue;
        };
        if name.contains(".sqlite") && !keep.iter().any(|k| k == day) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// An exclusive `<store>.lock` file, removed on drop.
struct LockFile {
    path: PathBuf,
}

impl LockFile {
    fn acquire(store: &Path) -> Result<LockFile, String> {
        let mut name = store
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        let path = store.with_file_name(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let started = Instant::now();
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(_) => return Ok(LockFile { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok())
                        .unwrap_or_default();
                    if age > STALE_LOCK {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed() > STALE_LOCK {
                        return Err(format!(
                            "{} is held by another process; remove it if no arenawatt is running",
                            path.display()
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_demo_stores_are_removed_and_recent_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let today = time::today();
        let names = [
            format!("demo-{}.sqlite", time::format_day(today)),
            format!("demo-{}.sqlite-wal", time::format_day(today - 1)),
            format!("demo-{}.sqlite", time::format_day(today - 2)),
            format!("demo-{}.sqlite.lock", time::format_day(today - 30)),
            "notes.txt".to_string(),
        ];
        for n in &names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        remove_old_demo_stores(dir.path(), today);
        let left: Vec<bool> = names.iter().map(|n| dir.path().join(n).exists()).collect();
        assert_eq!(left, [true, true, false, false, true]);
    }

    #[test]
    fn the_demo_store_path_names_the_day() {
        if std::env::var_os(DEMO_STORE_ENV).is_none() {
            let path = demo_store_path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_eq!(
                name,
                format!("demo-{}.sqlite", time::format_day(time::today()))
            );
        }
    }
}
