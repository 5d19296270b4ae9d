//! `annotations`: what changed in the data, and when, for Grafana to mark on
//! time series. A trend that moves because 200k votes were imported, or
//! because the catalog changed a model's size, is not a regression; the
//! Trends and Regressions dashboards draw these marks so that a reader can
//! tell.
//!
//! Two kinds of events, within the query's days (`window: "range"` takes
//! Grafana's; without dates, every event):
//! - each import of the store's audit trail that wrote something, at the
//!   time it finished: the file, its format, the sources written, the
//!   votes added and the duplicates and rejected rows;
//! - each change of the catalog made with `arenawatt catalog import`, at
//!   the time it was written (the models written in one second are one
//!   event).
//!
//! Imports are narrowed to the query's `sources` when it names some.
//! Grafana reads the frame through its standard annotation support: fields
//! `time`, `title`, `text` and `tags` (comma-separated).

use arenawatt_store::Store;

use super::resolve::ResolvedQuery;
use super::{AnnotationRow, QueryError, QueryResult};

const SECONDS_PER_DAY: i64 = 86_400;

pub fn annotations(store: &Store, query: &ResolvedQuery) -> Result<QueryResult, QueryError> {
    let (from, to) = (query.counts.from_day, query.counts.to_day);
    let in_range = |seconds: i64| {
        let day = seconds.div_euclid(SECONDS_PER_DAY);
        from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
    };
    let wanted_source = |source: Option<&str>| {
        query.counts.sources.is_empty()
            || source.is_some_and(|written| {
                written
                    .split(", ")
                    .any(|s| query.counts.sources.iter().any(|w| w == s))
            })
    };
    let mut rows = Vec::new();
    for import in store.imports()? {
        if !in_range(import.finished_at) || !wanted_source(import.source.as_deref()) {
            continue;
        }
        let sources = import.source.clone().unwrap_or_default();
        let mut text = format!(
            "{} {} added to {} from {} ({})",
            import.votes_inserted,
            if import.votes_inserted == 1 {
                "vote"
            } else {
                "votes"
            },
            if sources.is_empty() {
                "the store"
            } else {
                sources.as_str()
            },
            import.file_name,
            import.format
        );
        if import.votes_duplicate > 0 {
            text.push_str(&format!(
                "; {} already stored, skipped",
                import.votes_duplicate
            ));
        }
        if import.rows_rejected > 0 {
            text.push_str(&format!("; {} rows rejected", import.rows_rejected));
        }
        let mut tags = vec!["import".to_string()];
        tags.extend(
            sources
                .split(", ")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        rows.push(AnnotationRow {
            time_ms: import.finished_at.saturating_mul(1000),
            title: format!("Import: {}", base_name(&import.file_name)),
            text,
            tags,
            votes_added: Some(import.votes_inserted),
        });
    }
    let mut changes: Vec<(i64, Vec<String>)> = Vec::new();
    for (model, at) in store.catalog_changes()? {
        if !in_range(at) {
            continue;
        }
        match changes.last_mut() {
            Some((when, models)) if *when == at => models.push(model),
            _ => changes.push((at, vec![model])),
        }
    }
    for (at, models) in changes {
        let what = if models.len() == 1 {
            "1 model".to_string()
        } else {
            format!("{} models", models.len())
        };
        rows.push(AnnotationRow {
            time_ms: at.saturating_mul(1000),
            title: format!("Catalog: {what} added or changed"),
            text: format!(
                "catalog import wrote {}; energy and filters use the new facts",
                models.join(", ")
            ),
            tags: vec!["catalog".to_string()],
            votes_added: None,
        });
    }
    // By time; events of one second keep the audit trail's order.
    rows.sort_by_key(|r| r.time_ms);
    let notices = if rows.is_empty() {
        vec!["no import or catalog change in the query's days".to_string()]
    } else {
        Vec::new()
    };
    Ok(QueryResult::Annotations { rows, notices })
}

/// The last part of a path as written (`/data/votes.parquet` → `votes.parquet`).
fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
