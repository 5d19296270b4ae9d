//! The [`Engine`]: one per store, shared by every request (Send + Sync).
//!
//! Each query borrows a read-only connection from a small pool (opening one
//! when none is free), reads the data version, and answers from the cache when
//! the same normalised query was answered at that version. SQLite's WAL mode
//! gives each read a consistent snapshot while an import writes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::catalog::Catalog;
use crate::store::{Store, StoreStats};

use super::cache::ResultCache;
use super::daily::DailyCache;
use super::resolve::{resolve, ResolvedQuery};
use super::{
    energy_trend, leaderboard, regression, trend, variable, Query, QueryDefaults, QueryError,
    QueryResult, QueryType, TimeRange,
};

/// Connections kept open between queries.
const POOL_SIZE: usize = 4;
/// Cached results (per data version).
const CACHE_ENTRIES: usize = 256;

/// The query engine over one store file.
pub struct Engine {
    path: PathBuf,
    catalog: Catalog,
    defaults: QueryDefaults,
    pool: Mutex<Vec<Store>>,
    cache: ResultCache,
    daily: DailyCache,
}

/// A pooled connection, given back on drop.
struct Pooled<'a> {
    engine: &'a Engine,
    store: Option<Store>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        // Only `drop` takes the store out.
        self.store
            .as_ref()
            .unwrap_or_else(|| unreachable!("pooled store taken"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let mut pool = self.engine.pool.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL_SIZE {
                pool.push(store);
            }
        }
    }
}

impl Engine {
    /// An engine over the store at `path`, with the bundled catalog and the
    /// default options. The store is opened (read-only) by each query, so it
    /// may not exist yet: queries then fail with "store not found".
    pub fn new(path: impl AsRef<Path>) -> Engine {
        Engine::with(path, Catalog::bundled(), QueryDefaults::default())
    }

    /// An engine with an explicit catalog and instance defaults.
    pub fn with(path: impl AsRef<Path>, catalog: Catalog, defaults: QueryDefaults) -> Engine {
        Engine {
            path: path.as_ref().to_path_buf(),
            catalog,
            defaults,
            pool: Mutex::new(Vec::new()),
            cache: ResultCache::new(CACHE_ENTRIES),
            daily: DailyCache::default(),
        }
    }

    /// Opens the store once now, so a missing or corrupt file is reported
    /// before the first query, and adds the models the store's custom catalog
    /// holds (`arenawatt catalog import`) to the bundled catalog.
    pub fn open(path: impl AsRef<Path>, defaults: QueryDefaults) -> Result<Engine, QueryError> {
        let store = Store::open_read_only(path.as_ref())?;
        let catalog = Catalog::bundled_ref().with_custom(store.custom_catalog_models()?);
        let engine = Engine::with(path, catalog, defaults);
        engine
            .pool
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(store);
        Ok(engine)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn defaults(&self) -> &QueryDefaults {
        &self.defaults
    }

    fn connection(&self) -> Result<Pooled<'_>, QueryError> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let store = match pooled {
            Some(store) => store,
            None => Store::open_read_only(&self.path)?,
        };
        Ok(Pooled {
            engine: self,
            store: Some(store),
        })
    }

    /// Facts about the store (for health checks and `arenawatt demo`).
    pub fn stats(&self) -> Result<StoreStats, QueryError> {
        Ok(self.connection()?.stats()?)
    }

    /// (hits, misses) of the result cache.
    pub fn cache_stats(&self) -> (u64, u64) {
        self.cache.stats()
    }

    /// Applies defaults and macros without running the query.
    pub fn resolve(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<ResolvedQuery, QueryError> {
        resolve(query, time_range, &self.defaults, &self.catalog)
    }

    /// Answers a query. `time_range` is Grafana's (it fills `$__from`/`$__to`
    /// and the `range` window); the CLI passes `None`.
    pub fn execute(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<QueryResult, QueryError> {
        let resolved = self.resolve(query, time_range)?;
        let store = self.connection()?;
        let version = store.data_version()?;
        let key = resolved.cache_key();
        if let Some(hit) = self.cache.get(version, &key) {
            return Ok(hit);
        }
        let result = self.compute(&store, version, &resolved)?;
        // An import that landed while we read may have mixed versions: only
        // cache what was computed on one version.
        if store.data_version()? == version {
            self.cache.insert(version, key, result.clone());
        }
        Ok(result)
    }

    /// Answers a query without the result cache (benchmarks). Time queries
    /// still reuse the daily counts read at the same data version.
    pub fn execute_uncached(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<QueryResult, QueryError> {
        let resolved = self.resolve(query, time_range)?;
        let store = self.connection()?;
        let version = store.data_version()?;
        self.compute(&store, version, &resolved)
    }

    fn compute(
        &self,
        store: &Store,
        version: u64,
        query: &ResolvedQuery,
    ) -> Result<QueryResult, QueryError> {
        let catalog = &self.catalog;
        match query.query_type {
            QueryType::Scatter => leaderboard::models(store, catalog, query, true),
            QueryType::Leaderboard => leaderboard::models(store, catalog, query, false),
            QueryType::Model => leaderboard::one_model(store, catalog, query),
            QueryType::Variable => variable::values(store, catalog, query),
            QueryType::Trend => {
                let daily = self.daily.get(store, version, &query.counts.sources)?;
                trend::trend(&daily, catalog, query)
            }
            QueryType::EnergyTrend => {
                let daily = self.daily.get(store, version, &query.counts.sources)?;
                energy_trend::energy_trend(&daily, catalog, query)
            }
            QueryType::Regression => regression::regression(store, catalog, query),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn engine_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Engine>();
    }
}
