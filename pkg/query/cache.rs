//! The result cache, keyed by (data version, normalised query).
//!
//! Every import bumps the store's data version, so an entry can never be
//! stale: a new version simply misses. Entries of older versions are dropped
//! when a newer version is seen, and the cache holds a bounded number of
//! entries (oldest dropped first) so a dashboard with many variants cannot
//! grow it without limit.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::QueryResult;

pub struct ResultCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

#[derive(Default)]
struct Inner {
    version: u64,
    entries: HashMap<String, QueryResult>,
    order: VecDeque<String>,
    hits: u64,
    misses: u64,
}

impl ResultCache {
    pub fn new(capacity: usize) -> Self {
        ResultCache {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
        }
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
        let found = inner.entries.get(key).cloned();
        if found.is_some() {
            inner.hits += 1;
        } else {
            inner.misses += 1;
        }
        found
    }

    pub fn insert(&self, version: u64, key: String, result: QueryResult) {
        let mut inner = self.lock();
        if version < inner.version {
            return; // computed from data older than what the cache now holds
        }
        if version > inner.version {
            inner.version = version;
            inner.entries.clear();
            inner.order.clear();
        }
        if inner.entries.insert(key.clone(), result).is_none() {
            inner.order.push_back(key);
        }
        while inner.order.len() > self.capacity {
            if let Some(oldest) = inner.order.pop_front() {
                inner.entries.remove(&oldest);
            }
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
}
