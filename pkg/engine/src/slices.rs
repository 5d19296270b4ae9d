//! Slice queries: what a category, language or country filter adds to the
//! model queries, and `slice-scores` ("where each model wins").
//!
//! A slice filter (`categories`, `languages`, `countries`) chooses which
//! votes are fitted, unlike the catalog filters (organizations, licences,
//! sizes, models), which only choose the rows shown: a model's score in the
//! `Code` slice comes from the code votes alone. The store reads a slice from
//! its own aggregates (see `arenawatt_store::slices`). Every sliced result
//! says so in a notice, names unknown values with the known ones, and a
//! leaderboard or scatter of a slice gives each model its rank over all the
//! votes beside its rank in the slice (`rank_overall`, `rank_delta`).

use std::collections::HashMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{RatingStatus, Ratings};
use arenawatt_store::{Dimension, SliceFilter, Store};

use super::filters;
use super::fitting::fit;
use super::resolve::ResolvedQuery;
use super::{ModelRow, QueryError, QueryResult, SliceScoreRow, VariableOf, VariableValue};

/// Known values shown in an "unknown value" notice, at most.
const KNOWN_SHOWN: usize = 30;

/// The dimension a `variable` or `slice-scores` query's `of` names.
pub fn dimension_of(of: VariableOf) -> Option<Dimension> {
    match of {
        VariableOf::Categories => Some(Dimension::Category),
        VariableOf::Languages => Some(Dimension::Language),
        VariableOf::Countries => Some(Dimension::Country),
        VariableOf::Sources
        | VariableOf::Organizations
        | VariableOf::Licenses
        | VariableOf::Architectures
        | VariableOf::Sizes
        | VariableOf::Models
        | VariableOf::Methodologies
        | VariableOf::Zones => None,
    }
}

/// The notices of a sliced query: what the filter means, values the store
/// does not know (with the ones it knows), and the slower exact read used
/// for filters on several dimensions.
pub fn notices(store: &Store, query: &ResolvedQuery) -> Result<Vec<String>, QueryError> {
    let slices = &query.counts.slices;
    if slices.is_empty() {
        return Ok(Vec::new());
    }
    let mut notices = vec![format!(
        "slice filter: only the votes of {} are fitted (catalog filters only choose the rows shown)",
        slices.describe()
    )];
    for dimension in slices.dimensions() {
        let known = store.slice_names(dimension)?;
        let unknown: Vec<&str> = slices
            .values(dimension)
            .iter()
            .filter(|v| known.binary_search(*v).is_err())
            .map(String::as_str)
            .collect();
        if unknown.is_empty() {
            continue;
        }
        let names: Vec<&str> = known.iter().take(KNOWN_SHOWN).map(String::as_str).collect();
        notices.push(format!(
            "unknown {} {}: no vote carries it; known {}: {}{}",
            dimension.name(),
            unknown
                .iter()
                .map(|u| format!("{u:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            dimension.plural(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            },
            if known.len() > names.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    if slices.dimensions().len() > 1 {
        notices.push(
            "a filter on several slice dimensions is read from the stored votes (exact, slower than one dimension's aggregates)"
                .to_string(),
        );
    }
    Ok(notices)
}

/// The query without its slice filter: the same votes over every slice.
fn overall(query: &ResolvedQuery) -> ResolvedQuery {
    let mut overall = query.clone();
    overall.counts.slices = SliceFilter::default();
    overall
}

fn ranks(ratings: &Ratings) -> HashMap<String, u32> {
    ratings
        .models
        .iter()
        .filter(|m| m.status == RatingStatus::Ok && m.bt_score.is_some())
        .map(|m| (m.model.clone(), m.rank))
        .collect()
}

/// Fills `rank_overall` and `rank_delta` of a sliced query's rows.
pub fn add_overall_ranks(
    store: &Store,
    query: &ResolvedQuery,
    rows: &mut [ModelRow],
) -> Result<(), QueryError> {
    if query.counts.slices.is_empty() || rows.is_empty() {
        return Ok(());
    }
    let Some(ratings) = fit(store, &overall(query))? else {
        return Ok(());
    };
    let overall_ranks = ranks(&ratings);
    for row in rows {
        row.rank_overall = overall_ranks.get(&row.model).copied();
        row.rank_delta = match (row.rank_overall, row.rank) {
            (Some(all), Some(here)) => Some(all as i32 - here as i32),
            _ => None,
        };
    }
    Ok(())
}

/// `variable` of `categories`, `languages` or `countries`: the values with
/// votes in the query's sources and dates, "value (N votes)".
pub fn variable(
    store: &Store,
    query: &ResolvedQuery,
    dimension: Dimension,
) -> Result<QueryResult, QueryError> {
    let values = store
        .slice_values(dimension, &query.counts)?
        .into_iter()
        .filter(|v| v.matches > 0)
        .map(|v| VariableValue {
            text: format!("{} ({} votes)", v.name, group_thousands(v.matches)),
            value: v.name,
        })
        .collect();
    Ok(QueryResult::Variable { values })
}

/// `12,345`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `slice-scores`: one fit per value of the dimension (within the query's
/// other slice filters, sources and dates) and the overall fit; a row per
/// model and value where the model has a score, beside its overall score.
pub fn slice_scores(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let dimension = dimension_of(query.of).unwrap_or(Dimension::Category);
    let base = {
        let mut base = query.clone();
        base.counts.slices.values_mut(dimension).clear();
        base
    };
    let mut notices = Vec::new();
    let styled = query.rating.style == super::model::Style::Controlled;
    let overall_fitted = super::fitting::fit_with_style(store, &base)?;
    if let Some(fitted) = &overall_fitted {
        notices.extend(fitted.notices.iter().map(|n| format!("overall fit: {n}")));
    }
    let overall_controlled = overall_fitted.as_ref().is_some_and(|f| f.controlled());
    let overall_fit = overall_fitted.map(|f| f.ratings);
    let mut slices_raw = 0;
    let overall_scores: HashMap<String, (Option<f64>, u32)> = overall_fit
        .as_ref()
        .map(|r| {
            r.models
                .iter()
                .filter(|m| m.status == RatingStatus::Ok)
                .map(|m| (m.model.clone(), (m.bt_score, m.rank)))
                .collect()
        })
        .unwrap_or_default();
    let wanted: Vec<String> = match query.counts.slices.values(dimension) {
        [] => store
            .slice_values(dimension, &base.counts)?
            .into_iter()
            .filter(|v| v.matches > 0)
            .map(|v| v.name)
            .collect(),
        chosen => chosen.to_vec(),
    };
    let only_model = query.model.as_deref().map(|m| {
        catalog
            .resolve(m)
            .map(|f| f.id.clone())
            .unwrap_or_else(|| m.to_string())
    });
    let mut rows = Vec::new();
    for value in &wanted {
        let mut sliced = base.clone();
        *sliced.counts.slices.values_mut(dimension) = vec![value.clone()];
        let Some(fitted) = super::fitting::fit_with_style(store, &sliced)? else {
            notices.push(format!("no votes for {} {value:?}", dimension.name()));
            continue;
        };
        slices_raw += usize::from(styled && !fitted.controlled());
        let ratings = fitted.ratings;
        for m in &ratings.models {
            if m.status != RatingStatus::Ok || m.bt_score.is_none() {
                continue;
            }
            if !filters::keep(&m.model, m.votes, catalog, &query.rows) {
                continue;
            }
            if only_model
                .as_deref()
                .is_some_and(|only| !only.eq_ignore_ascii_case(&m.model))
            {
                continue;
            }
            let (overall_score, overall_rank) = overall_scores
                .get(&m.model)
                .map_or((None, None), |&(score, rank)| (score, Some(rank)));
            rows.push(SliceScoreRow {
                slice: value.clone(),
                model: m.model.clone(),
                display_name: catalog
                    .resolve(&m.model)
                    .map_or_else(|| m.model.clone(), |f| f.display_name.clone()),
                votes: m.votes,
                bt_score: m.bt_score,
                bt_ci_low: m.ci_low,
                bt_ci_high: m.ci_high,
                rank: m.rank,
                overall_score,
                overall_rank,
                score_delta: match (m.bt_score, overall_score) {
                    (Some(here), Some(all)) => Some(here - all),
                    _ => None,
                },
                rank_delta: overall_rank.map(|all| all as i32 - m.rank as i32),
            });
        }
    }
    if styled && (slices_raw > 0 || !overall_controlled) {
        notices.push(format!(
            "style control could not be applied to {slices_raw} of {} {} fits{}: their scores are raw, so compare score_delta with care",
            wanted.len(),
            dimension.name(),
            if overall_controlled { "" } else { " nor to the overall fit" }
        ));
    }
    if let Some(model) = &only_model {
        if rows.is_empty() {
            notices.push(format!("{model} has no score in any {}", dimension.name()));
        }
    }
    Ok(QueryResult::SliceScores {
        dimension: dimension.name().to_string(),
        rows,
        notices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }
}
