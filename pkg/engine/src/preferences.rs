//! `preferences`: why voters preferred or disliked each model's answers.
//! compar:IA's voters tick qualifiers per answer (useful, creative, clear
//! formatting, complete; incorrect, superficial, instructions not followed);
//! the store keeps them per vote side ([`arenawatt_store::reasons`]).
//!
//! One row per model judged in the query's sources, dates and slices, and
//! kept by the row filters (`minVotes` counts judged answers; the `model`
//! key narrows to one model, for a panel about the chosen model): the
//! answers judged, each qualifier's count and its rate among them, the
//! qualifiers ticked in all, and the positive share of them, which is
//! compar:IA's `positive_prefs_ratio`. Rows are sorted by that share, best
//! first.

use arenawatt_core::catalog::Catalog;
use arenawatt_store::reasons::{positive_ratio, REASONS};
use arenawatt_store::Store;

use super::filters;
use super::resolve::{describe_counts, ResolvedQuery};
use super::{PreferenceRow, QueryError, QueryResult};

pub fn preferences(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let mut notices = Vec::new();
    let judged = store.model_reasons(&query.counts)?;
    if judged.is_empty() {
        notices.push(format!(
            "no vote with voters' reasons in {} (only compar:IA votes and reactions carry them)",
            describe_counts(query)
        ));
    }
    let id_of = |name: &str| {
        catalog
            .resolve(name)
            .map(|f| f.id.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let wanted = query.model.as_deref().map(|m| id_of(m).to_lowercase());
    let mut rows: Vec<PreferenceRow> = judged
        .into_iter()
        .filter(|m| filters::keep(&m.model, m.judged, catalog, &query.rows))
        .filter(|m| {
            wanted
                .as_deref()
                .is_none_or(|w| id_of(&m.model).to_lowercase() == w)
        })
        .map(|m| {
            let rate = |count: u64| count as f64 / m.judged as f64;
            PreferenceRow {
                model: id_of(&m.model),
                display_name: catalog
                    .resolve(&m.model)
                    .map_or_else(|| m.model.clone(), |f| f.display_name.clone()),
                judged: m.judged,
                counts: m.counts,
                rates: m.counts.map(rate),
                total_reasons: m.total(),
                positive_ratio: positive_ratio(&m.counts),
            }
        })
        .collect();
    if let (Some(model), true) = (query.model.as_deref(), rows.is_empty()) {
        notices.push(format!(
            "no vote with voters' reasons for model {model:?} in {}",
            describe_counts(query)
        ));
    }
    rows.sort_by(|a, b| {
        let ratio = |r: &PreferenceRow| r.positive_ratio.unwrap_or(f64::NEG_INFINITY);
        ratio(b)
            .total_cmp(&ratio(a))
            .then(b.judged.cmp(&a.judged))
            .then(a.model.cmp(&b.model))
    });
    Ok(QueryResult::Preferences { rows, notices })
}

/// The names of a preferences row's qualifier columns, in [`REASONS`] order.
pub fn reason_names() -> [&'static str; 7] {
    REASONS.map(|r| r.name)
}
