//! Data source instances: one opened query engine per configured data source,
//! reused across requests and replaced when its settings change.
//!
//! Grafana sends the instance settings with every request. Opening a store and
//! an engine for each request would be slow, so instances are cached by the
//! data source's uid, its `updated` time and its jsonData. Failures are not
//! cached: a store that appears later (or is repaired) is picked up by the
//! next request, and the health check always sees the current state.
//!
//! Writes to the store need no new instance: the engine notices the store's
//! new data version, so votes imported meanwhile and models added with
//! `arenawatt catalog import` are served by the running instance.
//!
//! A store *replaced* under a running plugin (`mv new.db store.db`) is a new
//! file: each request compares the path's device and inode with those the
//! instance opened, and reopens on a change, on the query and the health
//! path alike (the old engine's pooled connections and cached answers belong
//! to the old file). A deleted store is reported as such, and the instance
//! is dropped so that a restored file is opened afresh.
//!
//! Before opening, the path must be a regular file: a directory is named as
//! one, and a FIFO or device is refused without being opened (opening a FIFO
//! blocks until a writer comes, which would tie up a worker thread). The
//! first open of each instance runs `PRAGMA quick_check`, so a store with
//! corrupt pages fails the health check rather than some later query. It
//! reads every page once; its duration is logged (debug event `quick_check`)
//! and its measured cost on the demo store is in the README.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use grafana_plugin_sdk::backend::DataSourceInstanceSettings;
use serde_json::Value;

use super::demo;
use super::settings::{DataSourceSettings, SettingsError};
use arenawatt_engine::{Engine, QueryError};
use arenawatt_store::StoreError;

/// Why an instance cannot serve queries. Messages say what to change.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("{0}")]
    Settings(#[from] SettingsError),
    #[error("{source}; {hint}")]
    Store { source: StoreError, hint: String },
    #[error("bundled demo data unavailable: {0}")]
    Demo(String),
    #[error("opening the data source failed: {0}")]
    Internal(String),
    #[error("cannot start the query engine on {path}: {reason}")]
    Engine { path: String, reason: String },
    /// The path is not a regular file, or the file went away.
    #[error("{path}: {problem}; {hint}")]
    StoreFile {
        path: String,
        problem: String,
        hint: String,
    },
}

/// How many problems `PRAGMA quick_check` reports at most.
const QUICK_CHECK_PROBLEMS: u32 = 5;

/// A file's identity: it changes when another file is moved onto the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
}

impl FileIdentity {
    #[cfg(unix)]
    fn of(metadata: &std::fs::Metadata) -> FileIdentity {
        use std::os::unix::fs::MetadataExt;
        FileIdentity {
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }

    #[cfg(not(unix))]
    fn of(metadata: &std::fs::Metadata) -> FileIdentity {
        let modified = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        FileIdentity {
            device: metadata.len(),
            inode: modified,
        }
    }
}

/// Checks that `path` is a regular file without opening it, and returns its
/// identity.
pub fn check_store_file(path: &Path) -> Result<FileIdentity, InstanceError> {
    let shown = path.display().to_string();
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InstanceError::store(
                StoreError::Missing { path: shown },
                false,
            ))
        }
        Err(e) => {
            return Err(InstanceError::StoreFile {
                path: shown,
                problem: format!("cannot read the file's metadata: {e}"),
                hint: "check that Grafana's user can reach the file and its folders".into(),
            })
        }
    };
    if metadata.is_dir() {
        return Err(InstanceError::StoreFile {
            path: shown,
            problem: "is a directory, not a store file".into(),
            hint: "set `path` to the store file inside it (e.g. …/votes.db, written by `arenawatt import`)".into(),
        });
    }
    if !metadata.is_file() {
        return Err(InstanceError::StoreFile {
            path: shown,
            problem: "is not a regular file (a FIFO, socket or device); it was not opened".into(),
            hint: "set `path` to a store file written by `arenawatt import`".into(),
        });
    }
    Ok(FileIdentity::of(&metadata))
}

/// What a cached instance's file looks like now.
enum FileState {
    Same,
    Replaced,
    Gone(InstanceError),
}

/// Why opening `path` read-only failed with a write error, when the cause is
/// a WAL store whose `-shm` file is missing and cannot be created.
fn missing_shm_hint(path: &Path) -> Option<String> {
    let mut shm = path.as_os_str().to_os_string();
    shm.push("-shm");
    if Path::new(&shm).exists() {
        return None;
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if folder_is_writable(&folder) {
        return None;
    }
    Some(format!(
        "the folder {} is read-only and {} does not exist: SQLite needs that file to read a WAL store, \
         and cannot create it there; set `readOnly` to true in the data source settings (the store is then \
         opened immutable, without the -shm file: replace the file rather than importing into it), \
         or let Grafana's user write to the folder",
        folder.display(),
        Path::new(&shm).display()
    ))
}

#[cfg(unix)]
fn folder_is_writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access() reads a NUL-terminated path and touches nothing.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

#[cfg(not(unix))]
fn folder_is_writable(folder: &Path) -> bool {
    std::fs::metadata(folder).is_ok_and(|m| !m.permissions().readonly())
}

impl InstanceError {
    pub(crate) fn store(source: StoreError, demo: bool) -> Self {
        let hint = match (&source, demo) {
            (_, true) => "the demo store is rebuilt on the next request".to_string(),
            (StoreError::Missing { .. }, false) => "set `path` to an existing arenawatt store \
                (create one with `arenawatt import`), or leave it empty to use the bundled demo data"
                .to_string(),
            (StoreError::NotAStore { .. }, false) => "point `path` at a store written by \
                `arenawatt import`, or restore the file from a backup"
                .to_string(),
            (StoreError::TooNew { .. }, false) => {
                "upgrade the arenawatt plugin to a version that reads this store".to_string()
            }
            (_, false) => {
                "check that Grafana's user can read the file and its folder".to_string()
            }
        };
        InstanceError::Store { source, hint }
    }
}

/// A ready data source: its settings, the store it reads and the engine.
pub struct Instance {
    pub settings: DataSourceSettings,
    /// The configured store, or the demo store.
    pub store_path: PathBuf,
    /// Serving the bundled demo data (no `path` configured).
    pub demo: bool,
    pub engine: Engine,
    /// The file the engine opened: another file at the path means reopening.
    pub identity: FileIdentity,
}

impl Instance {
    /// Checks the file, opens the store read-only (immutable with
    /// `readOnly`), runs `PRAGMA quick_check` and starts an engine over it.
    pub fn open(settings: DataSourceSettings) -> Result<Instance, InstanceError> {
        let (store_path, demo) = match &settings.path {
            Some(path) => (path.clone(), false),
            None => (demo::demo_store().map_err(InstanceError::Demo)?, true),
        };
        let identity = check_store_file(&store_path)?;
        let shown = store_path.display().to_string();
        let read_only = settings.read_only;
        let opened = if read_only {
            arenawatt_store::Store::open_immutable(&store_path)
        } else {
            arenawatt_store::Store::open_read_only(&store_path)
        };
        let store = opened.map_err(|e| {
            let write_error = matches!(&e, StoreError::CannotOpen { .. } | StoreError::Sqlite(_))
                && e.to_string().contains("readonly");
            match (write_error && !read_only)
                .then(|| missing_shm_hint(&store_path))
                .flatten()
            {
                Some(hint) => InstanceError::Store { source: e, hint },
                None => InstanceError::store(e, demo),
            }
        })?;
        let checking = std::time::Instant::now();
        // A check that cannot even run (SQLITE_CORRUPT) is a finding too.
        let problems = store
            .quick_check(QUICK_CHECK_PROBLEMS)
            .unwrap_or_else(|e| vec![e.to_string()]);
        drop(store);
        tracing::debug!(
            path = %shown,
            duration_ms = checking.elapsed().as_secs_f64() * 1000.0,
            problems = problems.len(),
            "quick_check"
        );
        if !problems.is_empty() {
            return Err(InstanceError::Store {
                source: StoreError::Corrupt(format!(
                    "{shown}: PRAGMA quick_check found damaged pages: {}",
                    problems.join("; ")
                )),
                hint: "restore the file from a backup, or rebuild it with `arenawatt import` from the vote files".into(),
            });
        }
        let defaults = settings.defaults.clone();
        let engine = if read_only {
            Engine::open_immutable(&store_path, defaults)
        } else {
            Engine::open(&store_path, defaults)
        }
        .map_err(|e| match e {
            QueryError::Store(source) => InstanceError::store(source, demo),
            other => InstanceError::Engine {
                path: shown.clone(),
                reason: other.to_string(),
            },
        })?;
        Ok(Instance {
            settings,
            store_path,
            demo,
            engine,
            identity,
        })
    }

    /// Whether the path still holds the file this instance opened.
    fn file_state(&self) -> FileState {
        match check_store_file(&self.store_path) {
            Ok(identity) if identity == self.identity => FileState::Same,
            Ok(_) => FileState::Replaced,
            Err(InstanceError::Store {
                source: StoreError::Missing { .. },
                ..
            }) => FileState::Gone(InstanceError::StoreFile {
                path: self.store_path.display().to_string(),
                problem: "the store was deleted or moved away while the plugin was serving it"
                    .into(),
                hint: "restore the file, or set `path` to where the store now is".into(),
            }),
            Err(other) => FileState::Gone(other),
        }
    }
}

type InstanceKey = (String, i64, i64, String);

/// Open instances by data source identity and settings version.
#[derive(Default)]
pub struct Instances {
    open: Mutex<HashMap<InstanceKey, Arc<Instance>>>,
}

impl Instances {
    /// The instance for these settings, opening it if needed.
    pub fn get(
        &self,
        settings: Option<&DataSourceInstanceSettings<Value, Value>>,
    ) -> Result<Arc<Instance>, InstanceError> {
        let (key, json) = match settings {
            Some(s) => (
                (
                    s.uid.clone(),
                    s.id,
                    s.updated.timestamp_millis(),
                    s.json_data.to_string(),
                ),
                s.json_data.clone(),
            ),
            None => ((String::new(), 0, 0, String::new()), Value::Null),
        };
        let cached = self.lock().get(&key).map(Arc::clone);
        if let Some(found) = cached {
            // A demo instance moves to the day's demo store.
            if !found.demo || found.store_path == demo::demo_store_path() {
                match found.file_state() {
                    FileState::Same => return Ok(found),
                    FileState::Replaced => tracing::info!(
                        path = %found.store_path.display(),
                        "the store file was replaced; reopening it"
                    ),
                    FileState::Gone(error) => {
                        self.lock().remove(&key);
                        return Err(error);
                    }
                }
            }
        }
        let parsed = DataSourceSettings::from_json(&json)?;
        let instance = Arc::new(Instance::open(parsed)?);
        let mut open = self.lock();
        // Older versions of the same data source are dropped with their engine.
        open.retain(|k, _| k.0 != key.0 || k.1 != key.1);
        open.insert(key, Arc::clone(&instance));
        Ok(instance)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<InstanceKey, Arc<Instance>>> {
        // A panic while holding the lock leaves a usable map behind.
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
