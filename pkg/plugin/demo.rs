//! The bundled demo store, for data sources with an empty `path`: a fresh
//! install shows real Chatbot Arena counts and six months of simulated, dated
//! votes without any setup.
//!
//! The store is built by the same function as `arenawatt demo`
//! ([`crate::query::demo::build_demo_store`]), in a cache folder, once per
//! day. Several plugin processes (one per Grafana, or parallel tests) may start
//! together, so the build holds a lock file; the build itself writes a side
//! file and renames it into place.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Overrides where the demo store lives (default: the system temp folder).
pub const DEMO_STORE_ENV: &str = "ARENAWATT_DEMO_STORE";

/// A lock older than this is left over from a crashed build.
const STALE_LOCK: Duration = Duration::from_secs(600);

static BUILD: Mutex<()> = Mutex::new(());

/// Where the demo store is kept.
pub fn demo_store_path() -> PathBuf {
    match std::env::var_os(DEMO_STORE_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => std::env::temp_dir()
            .join(format!("arenawatt-{}", env!("CARGO_PKG_VERSION")))
            .join("demo.sqlite"),
    }
}

/// The demo store's path, building or refreshing it first when needed.
pub fn demo_store() -> Result<PathBuf, String> {
    let path = demo_store_path();
    let _in_process = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    let _across_processes = LockFile::acquire(&path)?;
    let summary = crate::query::demo::build_demo_store(&path)
        .map_err(|e| format!("building {}: {e}", path.display()))?;
    if summary.rebuilt {
        tracing::info!(path = %path.display(), votes = summary.simulated_votes, "built the demo store");
    }
    Ok(path)
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
