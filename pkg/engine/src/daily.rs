//! Daily aggregates kept in memory between time queries.
//!
//! A trend needs every day's pair counts, which for a large store is hundreds
//! of thousands of rows: reading them is most of a trend's cost. They change
//! only when an import bumps the data version, and the panels of a dashboard
//! (BT trend, energy per day, regressions) all read the same ones, so the
//! engine keeps the last few reads, keyed by (data version, sources, slices), and
//! slices them by day in memory.

use std::sync::{Arc, Mutex};

use arenawatt_core::rating::PairCount;
use arenawatt_store::{CountFilter, DailyCounts, ModelTokens, Store, StoreError};

/// Reads kept (each holds every day of one set of sources).
const ENTRIES: usize = 2;

#[derive(Default)]
pub struct DailyCache {
    entries: Mutex<Vec<(u64, CountFilter, Arc<DailyCounts>)>>,
}

impl DailyCache {
    /// Every day of the sources and slices of `counts` (its dates are
    /// ignored) at data version `version`.
    pub fn get(
        &self,
        store: &Store,
        version: u64,
        counts: &CountFilter,
    ) -> Result<Arc<DailyCounts>, StoreError> {
        let every_day = CountFilter {
            from_day: None,
            to_day: None,
            ..counts.clone()
        };
        {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, _, daily)) = entries
                .iter()
                .find(|(v, key, _)| *v == version && *key == every_day)
            {
                return Ok(Arc::clone(daily));
            }
        }
        let daily = Arc::new(store.daily_counts(&every_day)?);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(v, _, _)| *v == version);
        entries.insert(0, (version, every_day, Arc::clone(&daily)));
        entries.truncate(ENTRIES);
        Ok(daily)
    }
}

/// The pair counts of days `from..=to` (either end open).
pub fn pairs_between(
    daily: &DailyCounts,
    from: Option<i64>,
    to: Option<i64>,
) -> &[(i64, PairCount)] {
    let start = from.map_or(0, |f| daily.pairs.partition_point(|(d, _)| *d < f));
    let end = to.map_or(daily.pairs.len(), |t| {
        daily.pairs.partition_point(|(d, _)| *d <= t)
    });
    &daily.pairs[start..end.max(start)]
}

/// The token counts of days `from..=to` (either end open).
pub fn tokens_between(
    daily: &DailyCounts,
    from: Option<i64>,
    to: Option<i64>,
) -> &[(i64, usize, ModelTokens)] {
    let start = from.map_or(0, |f| daily.tokens.partition_point(|(d, _, _)| *d < f));
    let end = to.map_or(daily.tokens.len(), |t| {
        daily.tokens.partition_point(|(d, _, _)| *d <= t)
    });
    &daily.tokens[start..end.max(start)]
}
