//! The bundled demo store, for data sources with an empty `path`: a fresh
//! install shows real Chatbot Arena counts and six months of simulated, dated
//! votes without any setup.
//!
//! The store is built by the same function as `arenawatt demo`
//! ([`arenawatt_sim::demo::build_demo_store`]), in a cache folder, one file per
//! day (the simulated votes end on the day the store is built); instances
//! move to the new file with their first request of the day. Several plugin processes (one per Grafana, or parallel tests) may start
//! together, so the build holds a lock file; the build itself writes a side
//! file and renames it into place.
//!
//! The cache folder is private to the user: `$XDG_CACHE_HOME/arenawatt/<version>`,
//! else `$HOME/.cache/arenawatt/<version>`, else `<temp>/arenawatt-<uid>/<version>`.
//! Missing folders are created with mode 0700, and before each build or
//! read the folders arenawatt owns must be directories (not symlinks) owned
//! by the plugin's user and writable by nobody else. A shared, predictable
//! folder such as `/tmp/arenawatt-<version>` would let another local user
//! create it first and plant a store that is then served as demo data.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use arenawatt_engine::time;

/// Overrides where the demo store lives (default: the system temp folder).
pub const DEMO_STORE_ENV: &str = "ARENAWATT_DEMO_STORE";

/// A lock older than this is left over from a crashed build.
const STALE_LOCK: Duration = Duration::from_secs(600);

static BUILD: Mutex<()> = Mutex::new(());

/// Where today's demo store is kept: `ARENAWATT_DEMO_STORE`, or
/// `<private cache folder>/demo-<YYYY-MM-DD>.sqlite` (see the module doc).
/// One file per day, so engines still reading yesterday's file are never
/// disturbed by today's build.
pub fn demo_store_path() -> PathBuf {
    match std::env::var_os(DEMO_STORE_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => demo_dir().join(format!("demo-{}.sqlite", time::format_day(time::today()))),
    }
}

/// The private cache folder of the demo store, and the folders above it
/// that arenawatt creates and checks (the last is the demo folder itself).
fn private_folders() -> Vec<PathBuf> {
    let version = env!("CARGO_PKG_VERSION");
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = match (absolute("XDG_CACHE_HOME"), absolute("HOME")) {
        (Some(cache), _) => cache.join("arenawatt"),
        (None, Some(home)) => home.join(".cache").join("arenawatt"),
        (None, None) => std::env::temp_dir().join(format!("arenawatt-{}", current_user())),
    };
    vec![base.clone(), base.join(version)]
}

fn demo_dir() -> PathBuf {
    private_folders()
        .pop()
        .unwrap_or_else(|| std::env::temp_dir().join("arenawatt"))
}

#[cfg(unix)]
fn current_user() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(not(unix))]
fn current_user() -> u32 {
    0
}

/// Creates the private folders (mode 0700) where missing, and checks that
/// each is a real directory owned by this user and writable by no one else.
fn ensure_private_folders(folders: &[PathBuf]) -> Result<(), String> {
    for folder in folders {
        match std::fs::symlink_metadata(folder) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(parent) = folder.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("creating {}: {e}", parent.display()))?;
                }
                create_private_folder(folder)?;
            }
            Err(e) => return Err(format!("{}: {e}", folder.display())),
            Ok(_) => {}
        }
        check_private_folder(folder)?;
    }
    Ok(())
}

#[cfg(unix)]
fn create_private_folder(folder: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(folder) {
        Ok(()) => Ok(()),
        // Another plugin process created it meanwhile: it is checked next.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("creating {}: {e}", folder.display())),
    }
}

#[cfg(not(unix))]
fn create_private_folder(folder: &Path) -> Result<(), String> {
    match std::fs::create_dir(folder) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            Err(format!("creating {}: {e}", folder.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(unix)]
fn check_private_folder(folder: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let metadata =
        std::fs::symlink_metadata(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let refuse = |why: String| {
        Err(format!(
            "refusing the demo cache folder {}: {why}; remove it (or set ARENAWATT_DEMO_STORE to a file in a private folder)",
            folder.display()
        ))
    };
    if !metadata.is_dir() {
        return refuse("it is not a directory (a symlink or a file)".into());
    }
    let me = current_user();
    if metadata.uid() != me {
        return refuse(format!(
            "it is owned by user {}, not by this plugin's user {me}",
            metadata.uid()
        ));
    }
    if metadata.mode() & 0o022 != 0 {
        return refuse(format!(
            "it is writable by other users (mode {:o})",
            metadata.mode() & 0o777
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_folder(folder: &Path) -> Result<(), String> {
    match std::fs::symlink_metadata(folder) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("{} is not a directory", folder.display())),
        Err(e) => Err(format!("{}: {e}", folder.display())),
    }
}

/// The demo store's path, building it first when needed.
pub fn demo_store() -> Result<PathBuf, String> {
    let path = demo_store_path();
    if std::env::var_os(DEMO_STORE_ENV).is_none_or(|p| p.is_empty()) {
        ensure_private_folders(&private_folders())?;
    }
    let _in_process = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    let _across_processes = LockFile::acquire(&path)?;
    let summary = arenawatt_sim::demo::build_demo_store(&path)
        .map_err(|e| format!("building {}: {e}", path.display()))?;
    if summary.rebuilt {
        tracing::info!(path = %path.display(), votes = summary.simulated_votes, "built the demo store");
        if std::env::var_os(DEMO_STORE_ENV).is_none_or(|p| p.is_empty()) {
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

    #[cfg(unix)]
    #[test]
    fn the_demo_folder_is_created_private_and_foreign_folders_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folders = vec![
            dir.path().join("arenawatt"),
            dir.path().join("arenawatt/0.1.0"),
        ];
        ensure_private_folders(&folders).unwrap();
        for f in &folders {
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", f.display());
        }
        // A folder others can write to (planted, or made so) is refused.
        std::fs::set_permissions(&folders[1], std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = ensure_private_folders(&folders).unwrap_err();
        assert!(e.contains("writable by other users (mode 777)"), "{e}");
        assert!(e.contains(&folders[1].display().to_string()), "{e}");
        // A symlink in place of the folder is refused.
        std::fs::remove_dir(&folders[1]).unwrap();
        std::os::unix::fs::symlink(dir.path(), &folders[1]).unwrap();
        let e = ensure_private_folders(&folders).unwrap_err();
        assert!(e.contains("not a directory"), "{e}");
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
