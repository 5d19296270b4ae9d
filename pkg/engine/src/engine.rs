//! The [`Engine`]: one per store, shared by every request (Send + Sync).
//!
//! Each query borrows a read-only connection from a small pool (opening one
//! when none is free), reads the data version, and answers from the cache when
//! the same normalised query was answered at that version. SQLite's WAL mode
//! gives each read a consistent snapshot while an import writes.
//!
//! An engine opened on a store ([`Engine::open`]) serves the bundled catalog
//! plus the store's custom models (`arenawatt catalog import`). Every write,
//! a catalog import included, bumps the data version, so the engine re-reads
//! the custom models only when a query sees a version it has not seen: a
//! long-running plugin picks up newly imported models without a restart, and
//! the results cached under the old version (computed with the old catalog)
//! are never served again.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arenawatt_core::catalog::{Catalog, CatalogModel};
use arenawatt_store::{Store, StoreStats};

use super::cache::ResultCache;
use super::daily::DailyCache;
use super::resolve::{resolve, ResolvedQuery};
use super::{annotations, head_to_head, preferences, slices, subset};
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
    catalog: CatalogSource,
    defaults: QueryDefaults,
    pool: Mutex<Vec<Store>>,
    cache: ResultCache,
    daily: DailyCache,
    /// Connections open the file `immutable=1` ([`Engine::open_immutable`]).
    immutable: bool,
}

/// Where an engine's catalog comes from.
enum CatalogSource {
    /// Given when the engine was built ([`Engine::new`], [`Engine::with`]);
    /// never re-read.
    Fixed(Arc<Catalog>),
    /// The bundled catalog plus the store's custom models, re-read when the
    /// data version moves ([`Engine::open`]).
    WithCustom(Mutex<CustomCatalog>),
}

/// The bundled catalog merged with the custom models read from the store.
struct CustomCatalog {
    /// The data version read just before the custom models were: the models
    /// are at least as new as this version.
    version: u64,
    /// The custom models as read, to skip rebuilding an unchanged catalog.
    custom: Vec<CatalogModel>,
    merged: Arc<Catalog>,
}

impl CustomCatalog {
    fn read(store: &Store, version: u64) -> Result<CustomCatalog, QueryError> {
        let custom = store.custom_catalog_models()?;
        let merged = Arc::new(Catalog::bundled_ref().with_custom(custom.clone()));
        Ok(CustomCatalog {
            version,
            custom,
            merged,
        })
    }
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
        Engine::build(path, CatalogSource::Fixed(Arc::new(catalog)), defaults)
    }

    fn build(path: impl AsRef<Path>, catalog: CatalogSource, defaults: QueryDefaults) -> Engine {
        Engine {
            path: path.as_ref().to_path_buf(),
            catalog,
            defaults,
            pool: Mutex::new(Vec::new()),
            cache: ResultCache::new(CACHE_ENTRIES),
            daily: DailyCache::default(),
            immutable: false,
        }
    }

    /// Opens the store once now, so a missing or corrupt file is reported
    /// before the first query, and adds the models the store's custom catalog
    /// holds (`arenawatt catalog import`) to the bundled catalog. The custom
    /// models are read again whenever the store's data version changes.
    pub fn open(path: impl AsRef<Path>, defaults: QueryDefaults) -> Result<Engine, QueryError> {
        Engine::open_mode(path, defaults, false)
    }

    /// [`Engine::open`], but every connection opens the file `immutable=1`
    /// ([`Store::open_immutable`]): for a store in a read-only folder, which
    /// has no `-shm` file and cannot get one.
    pub fn open_immutable(
        path: impl AsRef<Path>,
        defaults: QueryDefaults,
    ) -> Result<Engine, QueryError> {
        Engine::open_mode(path, defaults, true)
    }

    fn open_mode(
        path: impl AsRef<Path>,
        defaults: QueryDefaults,
        immutable: bool,
    ) -> Result<Engine, QueryError> {
        let store = if immutable {
            Store::open_immutable(path.as_ref())?
        } else {
            Store::open_read_only(path.as_ref())?
        };
        let version = store.data_version()?;
        let custom = CustomCatalog::read(&store, version)?;
        let mut engine = Engine::build(
            path,
            CatalogSource::WithCustom(Mutex::new(custom)),
            defaults,
        );
        engine.immutable = immutable;
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

    /// The catalog queries use now: for an engine opened on a store, the
    /// bundled catalog plus the store's custom models at its current data
    /// version (`POST votes` resolves names with it).
    pub fn catalog(&self) -> Result<Arc<Catalog>, QueryError> {
        let store = self.connection()?;
        let version = store.data_version()?;
        self.catalog_at(&store, version)
    }

    /// The catalog for a query that read data version `version` on `store`,
    /// re-reading the custom models when the version differs from the one
    /// they were last read at.
    fn catalog_at(&self, store: &Store, version: u64) -> Result<Arc<Catalog>, QueryError> {
        let current = match &self.catalog {
            CatalogSource::Fixed(catalog) => return Ok(Arc::clone(catalog)),
            CatalogSource::WithCustom(current) => current,
        };
        // Held while reading, so concurrent queries at a new version read
        // the (small) custom table once.
        let mut current = current.lock().unwrap_or_else(|p| p.into_inner());
        if current.version != version {
            let custom = store.custom_catalog_models()?;
            if custom != current.custom {
                current.merged = Arc::new(Catalog::bundled_ref().with_custom(custom.clone()));
                current.custom = custom;
            }
            current.version = version;
        }
        Ok(Arc::clone(&current.merged))
    }

    pub fn defaults(&self) -> &QueryDefaults {
        &self.defaults
    }

    fn connection(&self) -> Result<Pooled<'_>, QueryError> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let store = match pooled {
            Some(store) => store,
            None if self.immutable => Store::open_immutable(&self.path)?,
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
        resolve(query, time_range, &self.defaults, &*self.catalog()?)
    }

    /// Answers a query. `time_range` is Grafana's (it fills `$__from`/`$__to`
    /// and the `range` window); the CLI passes `None`.
    pub fn execute(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<QueryResult, QueryError> {
        let store = self.connection()?;
        let version = store.data_version()?;
        let catalog = self.catalog_at(&store, version)?;
        let resolved = resolve(query, time_range, &self.defaults, &catalog)?;
        let key = resolved.cache_key();
        if let Some(hit) = self.cache.get(version, &key) {
            return Ok(subset::apply(hit, query.subset));
        }
        let result = self.compute(&store, version, &catalog, &resolved)?;
        // An import that landed while we read may have mixed versions: only
        // cache what was computed on one version.
        if store.data_version()? == version {
            self.cache.insert(version, key, result.clone());
        }
        Ok(subset::apply(result, query.subset))
    }

    /// Answers a query without the result cache (benchmarks). Time queries
    /// still reuse the daily counts read at the same data version.
    pub fn execute_uncached(
        &self,
        query: &Query,
        time_range: Option<TimeRange>,
    ) -> Result<QueryResult, QueryError> {
        let store = self.connection()?;
        let version = store.data_version()?;
        let catalog = self.catalog_at(&store, version)?;
        let resolved = resolve(query, time_range, &self.defaults, &catalog)?;
        let result = self.compute(&store, version, &catalog, &resolved)?;
        Ok(subset::apply(result, query.subset))
    }

    fn compute(
        &self,
        store: &Store,
        version: u64,
        catalog: &Catalog,
        query: &ResolvedQuery,
    ) -> Result<QueryResult, QueryError> {
        let mut result = match query.query_type {
            QueryType::Scatter => leaderboard::models(store, catalog, query, true),
            QueryType::Leaderboard => leaderboard::models(store, catalog, query, false),
            QueryType::Model => leaderboard::one_model(store, catalog, query),
            QueryType::Variable => variable::values(store, catalog, query),
            QueryType::Trend => {
                let daily = self.daily.get(store, version, &query.counts)?;
                if query.rating.style == super::model::Style::Controlled {
                    trend::styled_trend(store, &daily, catalog, query)
                } else {
                    trend::trend(&daily, catalog, query)
                }
            }
            QueryType::EnergyTrend => {
                let daily = self.daily.get(store, version, &query.counts)?;
                energy_trend::energy_trend(&daily, catalog, query)
            }
            QueryType::Regression => regression::regression(store, catalog, query),
            QueryType::SliceScores => slices::slice_scores(store, catalog, query),
            QueryType::HeadToHead => head_to_head::head_to_head(store, catalog, query),
            QueryType::Preferences => preferences::preferences(store, catalog, query),
            QueryType::Annotations => annotations::annotations(store, query),
        }?;
        if let Some(notices) = result.notices_mut() {
            notices.extend(slices::notices(store, query)?);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arenawatt_core::catalog::{Architecture, License};
    use arenawatt_core::energy::ParamCount;

    #[test]
    fn engine_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Engine>();
    }

    fn custom_model(id: &str, alias: &str) -> CatalogModel {
        CatalogModel {
            id: id.into(),
            display_name: id.into(),
            organization: "Acme Labs".into(),
            license: License::Open("MIT".into()),
            architecture: Architecture::Dense,
            total_params: Some(ParamCount::Exact(70.0)),
            active_params: None,
            quantization: None,
            release_date: None,
            tps: None,
            ttft: None,
            params_estimated: false,
            aliases: vec![alias.into()],
            params_source: None,
            comparia_estimate: None,
        }
    }

    #[test]
    fn custom_models_are_read_again_only_when_the_data_version_moves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let mut writer = Store::open(&path).unwrap();
        let engine = Engine::open(&path, QueryDefaults::default()).unwrap();
        let first = engine.catalog().unwrap();
        assert!(first.resolve("acme-one").is_none());
        // Same version: the same catalog, not a rebuilt one.
        assert!(Arc::ptr_eq(&first, &engine.catalog().unwrap()));

        writer
            .upsert_catalog_models(&[custom_model("acme-one", "Acme One")])
            .unwrap();
        let second = engine.catalog().unwrap();
        assert_eq!(
            second.resolve("acme one").map(|m| m.id.as_str()),
            Some("acme-one")
        );
        assert!(Arc::ptr_eq(&second, &engine.catalog().unwrap()));

        // A write that leaves the custom models alone keeps the catalog.
        writer
            .upsert_catalog_models(&[custom_model("acme-one", "Acme One")])
            .unwrap();
        assert!(Arc::ptr_eq(&second, &engine.catalog().unwrap()));

        // An engine built with an explicit catalog never reads the store's.
        let fixed = Engine::with(&path, Catalog::default(), QueryDefaults::default());
        assert!(fixed.catalog().unwrap().resolve("acme-one").is_none());
    }
}
