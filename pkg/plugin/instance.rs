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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use grafana_plugin_sdk::backend::DataSourceInstanceSettings;
use serde_json::Value;

use super::demo;
use super::settings::{DataSourceSettings, SettingsError};
use crate::query::{Engine, QueryError};
use crate::store::StoreError;

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
}

impl InstanceError {
    fn store(source: StoreError, demo: bool) -> Self {
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
}

impl Instance {
    /// Opens the store read-only and starts an engine over it.
    pub fn open(settings: DataSourceSettings) -> Result<Instance, InstanceError> {
        let (store_path, demo) = match &settings.path {
            Some(path) => (path.clone(), false),
            None => (demo::demo_store().map_err(InstanceError::Demo)?, true),
        };
        let engine = Engine::open(&store_path, settings.defaults.clone()).map_err(|e| match e {
            QueryError::Store(source) => InstanceError::store(source, demo),
            other => InstanceError::Engine {
                path: store_path.display().to_string(),
                reason: other.to_string(),
            },
        })?;
        Ok(Instance {
            settings,
            store_path,
            demo,
            engine,
        })
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
        if let Some(found) = self.lock().get(&key) {
            // A demo instance moves to the day's demo store.
            if !found.demo || found.store_path == demo::demo_store_path() {
                return Ok(Arc::clone(found));
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
