//! `regression`: alert-ready numbers comparing the latest window of votes with
//! the one before it. One row per (model, metric) with a single number, so
//! Grafana's alert engine makes one alert instance per row.
//!
//! Metrics:
//! - `bt_delta`: latest BT score minus previous. With the default gauge
//!   (scores average 1000) the two fits are put on one scale by centring the
//!   deltas over the models present in both windows, so a model that enters or
//!   leaves cannot shift everyone.
//! - `bt_z`: `bt_delta / sqrt(se_latest² + se_previous²)`, from sandwich
//!   standard errors (the two windows hold disjoint votes, so independent).
//!   Under no change it is close to standard normal: `bt_z < -3` fires for a
//!   steady model with probability about 0.13%.
//! - `rank_delta`: previous rank minus latest rank (negative: the model fell).
//! - `wh_delta_pct`: for the traffic `mix` row, the change of the
//!   traffic-weighted Wh per 1000 tokens from the previous window to the
//!   latest; with `compareMethodology`, the latest window under the query's
//!   methodology against the same traffic under the other one, per model and
//!   for the mix.
//!
//! The `metrics` key keeps only some metrics: an alert rule on `bt_z < -3`
//! asks for `bt_z` alone, since Grafana's threshold applies to every row.

use std::collections::HashMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::rating::{self, CiMethod, Gauge, ModelRating, Ratings};
use arenawatt_store::{CountFilter, Store};

use super::filters;
use super::resolve::{canonical_model, EnergyKey, ResolvedQuery};
use super::rows::EnergyCache;
use super::time::format_day;
use super::{QueryError, QueryResult, RegressionRow, RegressionWindows};

/// The metric names, in the order rows report them (defined with the query
/// language, whose `metrics` key takes them).
pub use super::model::REGRESSION_METRICS as METRICS;

fn window(query: &ResolvedQuery, from: i64, to: i64) -> CountFilter {
    CountFilter {
        sources: query.counts.sources.clone(),
        from_day: Some(from),
        to_day: Some(to),
        slices: query.counts.slices.clone(),
    }
}

/// Traffic-weighted Wh per 1000 tokens of the models with an estimate.
fn mix_wh_per_1k(
    store: &Store,
    filter: &CountFilter,
    catalog: &Catalog,
    energy_key: &EnergyKey,
    query: &ResolvedQuery,
) -> Result<Option<f64>, QueryError> {
    let mut energy = EnergyCache::new(catalog, energy_key);
    let (mut wh, mut tokens) = (0.0, 0u64);
    for t in store.model_tokens(filter)? {
        let votes = t.sides_with_tokens + t.sides_without_tokens;
        if !filters::keep(&t.model, votes, catalog, &query.rows) {
            continue;
        }
        if let Some(per_1k) = energy.get(&t.model)?.wh_per_1k_tokens {
            wh += t.output_tokens as f64 * per_1k / 1000.0;
            tokens += t.output_tokens;
        }
    }
    Ok((tokens > 0).then(|| wh / tokens as f64 * 1000.0))
}

fn pct(new: f64, old: f64) -> Option<f64> {
    (old != 0.0).then(|| (new - old) / old * 100.0)
}

fn by_name(ratings: &Ratings) -> HashMap<&str, &ModelRating> {
    ratings
        .models
        .iter()
        .map(|m| (m.model.as_str(), m))
        .collect()
}

pub fn regression(
    store: &Store,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let latest_days = query.time.latest_days as i64;
    let previous_days = query.time.previous_days as i64;
    let end = match query.counts.to_day {
        Some(day) => day,
        None => match store.stats()?.last_day {
            Some(day) => day,
            None => {
                return Err(QueryError::BadQuery(
                    "regression: the store holds no votes to compare".into(),
                ))
            }
        },
    };
    let latest = window(query, end - latest_days + 1, end);
    let previous = window(
        query,
        end - latest_days - previous_days + 1,
        end - latest_days,
    );
    let windows = RegressionWindows {
        latest_from: format_day(end - latest_days + 1),
        latest_to: format_day(end),
        previous_from: format_day(end - latest_days - previous_days + 1),
        previous_to: format_day(end - latest_days),
    };
    let mut options = query.rating.options();
    if options.ci != CiMethod::Fisher {
        options.ci = CiMethod::Sandwich;
    }
    let mut notices = Vec::new();
    let mut rows = Vec::new();

    let previous_table = store.pair_table(&previous)?;
    let latest_table = store.pair_table(&latest)?;
    if previous_table.pairs.is_empty() || latest_table.pairs.is_empty() {
        notices.push(format!(
            "no BT comparison: the {} window has no votes",
            if latest_table.pairs.is_empty() {
                "latest"
            } else {
                "previous"
            }
        ));
    } else {
        super::limits::checkpoint("regression")?;
        let (before, after) = if query.rating.style == super::model::Style::Controlled {
            // Style control: each window's contextual fit over its votes' style.
            let fit_window = |counts: &arenawatt_store::CountFilter| {
                let mut windowed = query.clone();
                windowed.counts = counts.clone();
                windowed.rating.ci = options.ci;
                super::fitting::fit_with_style(store, &windowed)
            };
            let before = fit_window(&previous)?;
            super::limits::checkpoint("regression")?;
            let after = fit_window(&latest)?;
            match (before, after) {
                (Some(before), Some(after)) if before.controlled() && after.controlled() => {
                    notices.extend(after.notices.iter().map(|n| format!("latest window: {n}")));
                    (before.ratings, after.ratings)
                }
                // One window could not be style-controlled: compare the raw
                // fits of both, never raw against controlled.
                (Some(before), Some(after)) => {
                    notices.push(
                        "style control could not be applied to both windows: the deltas compare their raw scores".to_string(),
                    );
                    let raw = |f: super::fitting::Fitted| f.raw.unwrap_or(f.ratings);
                    (raw(before), raw(after))
                }
                _ => {
                    return Err(QueryError::BadQuery(
                        "regression: a window has no votes to fit".into(),
                    ))
                }
            }
        } else {
            let before = rating::rate(&previous_table, &options)?;
            super::limits::checkpoint("regression")?;
            let after = rating::rate_from(&latest_table, &options, Some(&before.strengths()))?;
            (before, after)
        };
        let before_by = by_name(&before);
        // Pairs of ratings of the models scored in both windows.
        let common: Vec<(&ModelRating, &ModelRating)> = after
            .models
            .iter()
            .filter_map(|a| {
                let b = before_by.get(a.model.as_str())?;
                (a.bt_score.is_some() && b.bt_score.is_some()).then_some((a, *b))
            })
            .collect();
        let centre = if matches!(options.gauge, Gauge::Mean) && !common.is_empty() {
            common
                .iter()
                .map(|(a, b)| a.bt_score.unwrap_or(0.0) - b.bt_score.unwrap_or(0.0))
                .sum::<f64>()
                / common.len() as f64
        } else {
            0.0
        };
        let mut sorted = common;
        sorted.sort_by(|x, y| x.0.model.cmp(&y.0.model));
        for (a, b) in sorted {
            if !filters::keep(&a.model, a.votes.min(b.votes), catalog, &query.rows) {
                continue;
            }
            let model = canonical_model(catalog, &a.model);
            let organization = catalog
                .resolve(&a.model)
                .map(|f| f.organization.clone())
                .unwrap_or_default();
            let delta = a.bt_score.unwrap_or(0.0) - b.bt_score.unwrap_or(0.0) - centre;
            let mut push = |metric: &str, value: f64| {
                rows.push(RegressionRow {
                    model: model.clone(),
                    organization: organization.clone(),
                    metric: metric.to_string(),
                    value,
                })
            };
            push("bt_delta", delta);
            if let (Some(se_a), Some(se_b)) = (a.std_error, b.std_error) {
                let se = (se_a * se_a + se_b * se_b).sqrt();
                if se > 0.0 {
                    push("bt_z", delta / se);
                }
            }
            push("rank_delta", b.rank as f64 - a.rank as f64);
        }
    }

    // Energy: per model only against another methodology; the mix always.
    match query.time.compare_methodology {
        Some(other) => {
            let mut other_key = query.energy.clone();
            other_key.methodology = other;
            let mut ours = EnergyCache::new(catalog, &query.energy);
            let mut theirs = EnergyCache::new(catalog, &other_key);
            let mut models: Vec<_> = store.model_tokens(&latest)?;
            models.sort_by(|a, b| a.model.cmp(&b.model));
            for t in models {
                let votes = t.sides_with_tokens + t.sides_without_tokens;
                if !filters::keep(&t.model, votes, catalog, &query.rows) {
                    continue;
                }
                let (Some(new), Some(old)) = (
                    ours.get(&t.model)?.wh_per_1k_tokens,
                    theirs.get(&t.model)?.wh_per_1k_tokens,
                ) else {
                    continue;
                };
                if let Some(value) = pct(new, old) {
                    rows.push(RegressionRow {
                        model: canonical_model(catalog, &t.model),
                        organization: catalog
                            .resolve(&t.model)
                            .map(|f| f.organization.clone())
                            .unwrap_or_default(),
                        metric: "wh_delta_pct".into(),
                        value,
                    });
                }
            }
            let new = mix_wh_per_1k(store, &latest, catalog, &query.energy, query)?;
            let old = mix_wh_per_1k(store, &latest, catalog, &other_key, query)?;
            push_mix(&mut rows, &mut notices, new, old);
        }
        None => {
            let new = mix_wh_per_1k(store, &latest, catalog, &query.energy, query)?;
            let old = mix_wh_per_1k(store, &previous, catalog, &query.energy, query)?;
            push_mix(&mut rows, &mut notices, new, old);
        }
    }
    let wanted = &query.time.metrics;
    if !wanted.is_empty() {
        rows.retain(|row| wanted.contains(&row.metric));
    }
    Ok(QueryResult::Regression {
        rows,
        windows,
        notices,
    })
}

fn push_mix(
    rows: &mut Vec<RegressionRow>,
    notices: &mut Vec<String>,
    new: Option<f64>,
    old: Option<f64>,
) {
    match (new, old) {
        (Some(new), Some(old)) => {
            if let Some(value) = pct(new, old) {
                rows.push(RegressionRow {
                    model: "mix".into(),
                    organization: String::new(),
                    metric: "wh_delta_pct".into(),
                    value,
                });
            }
        }
        _ => notices.push(
            "no wh_delta_pct for the traffic mix: a window has no output tokens of models with an energy estimate".into(),
        ),
    }
}
