//! The result cache, keyed by (data version, normalised query).
//!
//! Every import bumps the store's data version, so an entry can never be
//! stale: a new version simply misses. Entries of older versions are dropped
//! when a newer version is seen, and the cache holds a bounded number of
//! entries and a bounded number of bytes (oldest dropped first), so neither
//! a dashboard with many variants nor a few huge queries can grow it without
//! limit. Sizes are estimated from the rows and strings an entry holds
//! ([`approximate_bytes`]); an entry larger than an eighth of the budget is
//! not cached at all. When eviction frees a large share of the budget, the
//! allocator is asked to give the freed pages back to the system.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::QueryResult;

/// Bytes of cached results an engine keeps, by default.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

pub struct ResultCache {
    inner: Mutex<Inner>,
    capacity: usize,
    max_bytes: usize,
}

#[derive(Default)]
struct Inner {
    version: u64,
    entries: HashMap<String, (QueryResult, usize)>,
    order: VecDeque<String>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Estimated heap bytes of a cached entry: its key and every row's fixed
/// part and strings.
pub fn approximate_bytes(key: &str, result: &QueryResult) -> usize {
    use std::mem::size_of;
    let strings = |list: &[&String]| list.iter().map(|s| s.capacity()).sum::<usize>();
    let notices = |n: &[String]| {
        n.iter()
            .map(|s| s.capacity() + size_of::<String>())
            .sum::<usize>()
    };
    let rows = match result {
        QueryResult::Models {
            rows,
            methodology,
            zone,
            notices: n,
            style,
        } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::ModelRow>()
                        + strings(&[
                            &r.model,
                            &r.display_name,
                            &r.organization,
                            &r.license,
                            &r.architecture,
                            &r.energy_methodology,
                            &r.energy_note,
                        ])
                        + r.size_class.as_ref().map_or(0, String::capacity)
                })
                .sum::<usize>()
                + methodology.capacity()
                + zone.capacity()
                + style.as_ref().map_or(0, |s| {
                    size_of::<super::fitting::StyleSummary>()
                        + s.coefficients.len()
                            * size_of::<arenawatt_core::rating::StyleCoefficient>()
                        + s.unused.len() * size_of::<arenawatt_core::rating::UnusedFeature>()
                        + s.votes_with_feature.len() * size_of::<(String, u64)>()
                })
                + notices(n)
        }
        QueryResult::Variable { values } => values
            .iter()
            .map(|v| size_of::<super::VariableValue>() + v.text.capacity() + v.value.capacity())
            .sum(),
        QueryResult::Trend {
            rows, notices: n, ..
        } => {
            rows.iter()
                .map(|r| size_of::<super::TrendRow>() + r.model.capacity())
                .sum::<usize>()
                + notices(n)
        }
        QueryResult::EnergyTrend {
            rows,
            methodology,
            zone,
            notices: n,
        } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::EnergyTrendRow>()
                        + strings(&[&r.model, &r.energy_methodology, &r.energy_note])
                })
                .sum::<usize>()
                + methodology.capacity()
                + zone.capacity()
                + notices(n)
        }
        QueryResult::Regression {
            rows, notices: n, ..
        } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::RegressionRow>()
                        + strings(&[&r.model, &r.organization, &r.metric])
                })
                .sum::<usize>()
                + notices(n)
        }
        QueryResult::HeadToHead { rows, notices: n } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::HeadToHeadRow>()
                        + strings(&[&r.model_a, &r.display_name_a, &r.model_b, &r.display_name_b])
                })
                .sum::<usize>()
                + notices(n)
        }
        QueryResult::Preferences { rows, notices: n } => {
            rows.iter()
                .map(|r| size_of::<super::PreferenceRow>() + strings(&[&r.model, &r.display_name]))
                .sum::<usize>()
                + notices(n)
        }
        QueryResult::Annotations { rows, notices: n } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::AnnotationRow>()
                        + strings(&[&r.title, &r.text])
                        + r.tags
                            .iter()
                            .map(|t| t.len() + size_of::<String>())
                            .sum::<usize>()
                })
                .sum::<usize>()
                + notices(n)
        }
        QueryResult::SliceScores {
            dimension,
            rows,
            notices: n,
        } => {
            rows.iter()
                .map(|r| {
                    size_of::<super::SliceScoreRow>()
                        + strings(&[&r.slice, &r.model, &r.display_name])
                })
                .sum::<usize>()
                + dimension.capacity()
                + notices(n)
        }
    };
    // The key is stored twice (map and order).
    2 * key.len() + size_of::<QueryResult>() + rows
}

/// Asks the allocator to return freed memory to the system (glibc keeps
/// freed pages of large, short-lived allocations otherwise).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

impl ResultCache {
    pub fn new(capacity: usize) -> Self {
        ResultCache::with_budget(capacity, DEFAULT_CACHE_BYTES)
    }

    /// A cache of at most `capacity` entries and about `max_bytes` bytes.
    pub fn with_budget(capacity: usize, max_bytes: usize) -> Self {
        ResultCache {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
            max_bytes: max_bytes.max(1),
        }
    }

    /// Estimated bytes held now.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map inconsistent
        // beyond a lost entry, so a poisoned lock is simply reused.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, version: u64, key: &str) -> Option<QueryResult> {
        let mut inner = self.lock();
        if inner.version != version {
            inner.misses += 1;
            return None;
        }
        let found = inner.entries.get(key).map(|(result, _)| result.clone());
        if found.is_some() {
            inner.hits += 1;
        } else {
            inner.misses += 1;
        }
        found
    }

    pub fn insert(&self, version: u64, key: String, result: QueryResult) {
        let size = approximate_bytes(&key, &result);
        let mut freed = 0;
        {
            let mut inner = self.lock();
            if version < inner.version {
                return; // computed from data older than what the cache now holds
            }
            if version > inner.version {
                inner.version = version;
                freed += inner.bytes;
                inner.entries = HashMap::new();
                inner.order = VecDeque::new();
                inner.bytes = 0;
            }
            if size > self.max_bytes / 8 {
                return; // one answer may not push out most of the others
            }
            match inner.entries.insert(key.clone(), (result, size)) {
                Some((_, old_size)) => inner.bytes = inner.bytes - old_size + size,
                None => {
                    inner.order.push_back(key);
                    inner.bytes += size;
                }
            }
            while inner.order.len() > self.capacity || inner.bytes > self.max_bytes {
                let Some(oldest) = inner.order.pop_front() else {
                    break;
                };
                if let Some((_, old_size)) = inner.entries.remove(&oldest) {
                    inner.bytes -= old_size;
                    freed += old_size;
                }
            }
            if freed > 0 && inner.entries.len() < inner.entries.capacity() / 4 {
                inner.entries.shrink_to_fit();
                inner.order.shrink_to_fit();
            }
        }
        if freed >= 1024 * 1024 {
            release_freed_memory();
        }
    }

    /// (hits, misses) since the engine started.
    pub fn stats(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.hits, inner.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(n: usize) -> QueryResult {
        QueryResult::Variable {
            values: vec![super::super::VariableValue {
                text: n.to_string(),
                value: n.to_string(),
            }],
        }
    }

    #[test]
    fn a_new_data_version_invalidates_and_capacity_bounds() {
        let cache = ResultCache::new(2);
        cache.insert(1, "a".into(), result(1));
        assert_eq!(cache.get(1, "a"), Some(result(1)));
        assert_eq!(cache.get(2, "a"), None);
        cache.insert(2, "b".into(), result(2));
        assert_eq!(cache.get(1, "a"), None);
        cache.insert(1, "stale".into(), result(9));
        assert_eq!(cache.get(2, "stale"), None);
        cache.insert(2, "c".into(), result(3));
        cache.insert(2, "d".into(), result(4));
        assert_eq!(cache.get(2, "b"), None, "oldest entry dropped");
        assert_eq!(cache.get(2, "d"), Some(result(4)));
        assert_eq!(cache.stats(), (2, 4));
    }

    fn big(n: usize, tag: usize) -> QueryResult {
        QueryResult::Variable {
            values: (0..n)
                .map(|i| super::super::VariableValue {
                    text: format!("{tag}-{i:0>60}"),
                    value: format!("{tag}-{i:0>60}"),
                })
                .collect(),
        }
    }

    #[test]
    fn the_cache_is_bounded_in_bytes() {
        let cache = ResultCache::with_budget(1000, 1_000_000);
        let one = approximate_bytes("k0", &big(500, 0));
        assert!(one > 500 * 120 && one < 1_000_000 / 8, "{one}");
        for tag in 0..100 {
            cache.insert(1, format!("k{tag}"), big(500, tag));
            assert!(cache.bytes() <= 1_000_000, "{} bytes", cache.bytes());
        }
        assert_eq!(cache.get(1, "k99"), Some(big(500, 99)));
        assert_eq!(cache.get(1, "k0"), None, "the oldest went first");
        // An entry over an eighth of the budget is never cached.
        cache.insert(1, "huge".into(), big(5_000, 1));
        assert_eq!(cache.get(1, "huge"), None);
        assert_eq!(cache.get(1, "k99"), Some(big(500, 99)));
        // A new version frees everything.
        cache.insert(2, "small".into(), result(1));
        assert!(cache.bytes() < 1000, "{}", cache.bytes());
    }
}
