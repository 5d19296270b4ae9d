//! `energy-trend`: the estimated energy and emissions of the traffic the votes
//! represent, per time step, per model or in total.
//!
//! Each answer's output tokens (both sides of every vote) times the model's
//! per-token estimate under the query's methodology: Wh = tokens ×
//! (Wh per 1000 tokens) / 1000, the same per-1000-token figure the scatter
//! shows. Answers without a token count are counted and reported, never
//! treated as zero; tokens of models without an energy estimate are reported
//! apart from the Wh they cannot be turned into.

use std::collections::BTreeMap;

use arenawatt_core::catalog::Catalog;
use arenawatt_store::DailyCounts;

use super::daily::tokens_between;

use super::filters;
use super::resolve::{canonical_model, describe_counts, ResolvedQuery};
use super::rows::EnergyCache;
use super::time::MS_PER_DAY;
use super::{EnergyTrendRow, GroupBy, QueryError, QueryResult};

#[derive(Default, Clone, Copy)]
struct Sums {
    output_tokens: u64,
    sides_with_tokens: u64,
    sides_without_tokens: u64,
}

pub fn energy_trend(
    daily: &DailyCounts,
    catalog: &Catalog,
    query: &ResolvedQuery,
) -> Result<QueryResult, QueryError> {
    let token_rows = tokens_between(daily, query.counts.from_day, query.counts.to_day);
    let methodology = query.energy.methodology.name().to_string();
    let mut notices = Vec::new();
    let days = token_rows.iter().map(|t| t.0);
    let Some(data_first) = days.min() else {
        notices.push(format!("no votes for {}", describe_counts(query)));
        return Ok(QueryResult::EnergyTrend {
            rows: Vec::new(),
            methodology,
            zone: query.energy.zone.clone(),
            notices,
        });
    };
    let first = query.counts.from_day.unwrap_or(data_first);
    let step = query.time.step_days.max(1) as i64;

    // (step start, model index) → sums.
    let mut buckets: BTreeMap<(i64, usize), Sums> = BTreeMap::new();
    let mut votes_per_model = vec![0u64; daily.models.len()];
    for (day, model, tokens) in token_rows {
        if *day < first {
            continue;
        }
        let step_start = first + (day - first) / step * step;
        let sums = buckets.entry((step_start, *model)).or_default();
        sums.output_tokens += tokens.output_tokens;
        sums.sides_with_tokens += tokens.sides_with_tokens;
        sums.sides_without_tokens += tokens.sides_without_tokens;
        votes_per_model[*model] += tokens.sides_with_tokens + tokens.sides_without_tokens;
    }
    let kept: Vec<bool> = daily
        .models
        .iter()
        .zip(&votes_per_model)
        .map(|(name, &n)| filters::keep(name, n, catalog, &query.rows))
        .collect();

    let mut energy = EnergyCache::new(catalog, &query.energy);
    let mut rows = Vec::new();
    let mut total: BTreeMap<i64, (Sums, u64, f64, f64)> = BTreeMap::new();
    let (mut all_without_tokens, mut all_without_energy) = (0u64, 0u64);
    for (&(step_start, model), sums) in &buckets {
        super::limits::checkpoint("energy-trend")?;
        if !kept[model] {
            continue;
        }
        let name = &daily.models[model];
        let estimate = energy.get(name)?.clone();
        let wh = estimate
            .wh_per_1k_tokens
            .map(|w| sums.output_tokens as f64 * w / 1000.0);
        let gco2e = estimate
            .gco2e_per_1k_tokens
            .map(|g| sums.output_tokens as f64 * g / 1000.0);
        let without_energy = if wh.is_some() { 0 } else { sums.output_tokens };
        all_without_tokens += sums.sides_without_tokens;
        all_without_energy += without_energy;
        let entry = total
            .entry(step_start)
            .or_insert((Sums::default(), 0, 0.0, 0.0));
        entry.0.output_tokens += sums.output_tokens;
        entry.0.sides_with_tokens += sums.sides_with_tokens;
        entry.0.sides_without_tokens += sums.sides_without_tokens;
        entry.1 += without_energy;
        entry.2 += wh.unwrap_or(0.0);
        entry.3 += gco2e.unwrap_or(0.0);
        if query.time.group_by == GroupBy::Model {
            rows.push(EnergyTrendRow {
                time_ms: step_start * MS_PER_DAY,
                model: canonical_model(catalog, name),
                output_tokens: sums.output_tokens,
                sides_with_tokens: sums.sides_with_tokens,
                sides_without_tokens: sums.sides_without_tokens,
                tokens_without_energy: without_energy,
                wh,
                gco2e,
                wh_per_1k_tokens: estimate.wh_per_1k_tokens,
                energy_methodology: methodology.clone(),
                energy_note: estimate.note.clone(),
            });
        }
    }
    if query.time.group_by == GroupBy::Total {
        for (step_start, (sums, without_energy, wh, gco2e)) in total {
            let priced = sums.output_tokens - without_energy;
            rows.push(EnergyTrendRow {
                time_ms: step_start * MS_PER_DAY,
                model: "total".into(),
                output_tokens: sums.output_tokens,
                sides_with_tokens: sums.sides_with_tokens,
                sides_without_tokens: sums.sides_without_tokens,
                tokens_without_energy: without_energy,
                wh: Some(wh),
                gco2e: Some(gco2e),
                wh_per_1k_tokens: (priced > 0).then(|| wh / priced as f64 * 1000.0),
                energy_methodology: methodology.clone(),
                energy_note: String::new(),
            });
        }
    }
    if all_without_tokens > 0 {
        notices.push(format!(
            "{all_without_tokens} answers have no token count; they are counted in sides_without_tokens and add no energy"
        ));
    }
    if all_without_energy > 0 {
        notices.push(format!(
            "{all_without_energy} output tokens come from models without an energy estimate (parameters not disclosed or not in catalog); they are in tokens_without_energy, not in wh"
        ));
    }
    Ok(QueryResult::EnergyTrend {
        rows,
        methodology,
        zone: query.energy.zone.clone(),
        notices,
    })
}
