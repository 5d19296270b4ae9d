//! A query with every default applied, every macro replaced and every name
//! normalised: what the engine computes from, and (serialised) the cache key.
//!
//! Two queries that mean the same thing resolve to the same value, so they
//! share a cache entry: lists are sorted and deduplicated, names lowercased,
//! dates turned into day numbers, and unset options replaced by the data
//! source's defaults.

use serde::Serialize;

use arenawatt_core::catalog::Catalog;
use arenawatt_core::energy::{EnergyContext, Methodology};
use arenawatt_core::rating::{CiMethod, Gauge, RatingOptions, TiePolicy};
use arenawatt_store::{CountFilter, SliceFilter};

use super::time::{self, Bound};
use super::{GroupBy, Query, QueryDefaults, QueryError, QueryType, TimeRange, VariableOf, Window};

/// Which models a result shows (the fit always uses every model's votes).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RowFilter {
    pub organizations: Vec<String>,
    pub licenses: Vec<String>,
    pub architectures: Vec<String>,
    pub sizes: Vec<String>,
    /// Catalog ids where known, else the name as given; lowercased.
    pub models: Vec<String>,
    pub min_votes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingKey {
    pub ties: TiePolicy,
    pub ci: CiMethod,
    pub rounds: u32,
    pub seed: u64,
    pub anchor: Option<(String, f64)>,
    pub level: f64,
    pub style: super::model::Style,
}

impl RatingKey {
    pub fn options(&self) -> RatingOptions {
        RatingOptions {
            ties: self.ties,
            gauge: match &self.anchor {
                Some((model, score)) => Gauge::Anchor {
                    model: model.clone(),
                    score: *score,
                },
                None => Gauge::Mean,
            },
            ci: self.ci,
            rounds: self.rounds,
            seed: self.seed,
            level: self.level,
            ..RatingOptions::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyKey {
    pub methodology: Methodology,
    pub zone: String,
    pub pue: f64,
    pub wue: f64,
    /// Output tokens the per-model estimate is computed for.
    pub tokens: f64,
    pub allow_estimates: bool,
}

impl EnergyKey {
    pub fn context(&self) -> EnergyContext {
        EnergyContext {
            methodology: self.methodology,
            zone: self.zone.clone(),
            pue: self.pue,
            wue: self.wue,
            latency_s: None,
        }
    }
}

/// The most models a `head-to-head` compares (its rows grow as the square).
pub const MAX_HEAD_TO_HEAD: u32 = 50;

/// Options of the time queries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeKey {
    pub window: Window,
    pub window_days: u32,
    pub step_days: u32,
    pub include_ci: bool,
    pub group_by: GroupBy,
    pub latest_days: u32,
    pub previous_days: u32,
    pub compare_methodology: Option<Methodology>,
    /// Regression metrics to return; empty = all.
    pub metrics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedQuery {
    pub query_type: QueryType,
    pub counts: CountFilter,
    pub rows: RowFilter,
    pub rating: RatingKey,
    pub energy: EnergyKey,
    pub model: Option<String>,
    pub selected: Vec<String>,
    /// `head-to-head`: the number of best-scored models.
    pub top: u32,
    pub of: VariableOf,
    pub time: TimeKey,
}

impl ResolvedQuery {
    /// The normalised text two equivalent queries share.
    pub fn cache_key(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What the votes cover, in words, for notices.
pub fn describe_counts(query: &ResolvedQuery) -> String {
    let sources = if query.counts.sources.is_empty() {
        "any source".to_string()
    } else {
        format!("source {}", query.counts.sources.join(", "))
    };
    let dates = match (query.counts.from_day, query.counts.to_day) {
        (None, None) => String::new(),
        (Some(f), None) => format!(" from {}", time::format_day(f)),
        (None, Some(t)) => format!(" up to {}", time::format_day(t)),
        (Some(f), Some(t)) => format!(" from {} to {}", time::format_day(f), time::format_day(t)),
    };
    format!("{sources}{dates}")
}

fn bad(message: String) -> QueryError {
    QueryError::BadQuery(message)
}

/// The value a dashboard's "All" sends for a slice variable (its
/// `allValue`): it means "no filter on this dimension", not "every value"
/// (which would leave out the votes without a label).
pub const ALL_SLICES: &str = "*";

/// A slice filter's values, trimmed and sorted; empty (no filter) when the
/// list holds [`ALL_SLICES`].
fn slice_values(items: &[String]) -> Vec<String> {
    if items.iter().any(|i| i.trim() == ALL_SLICES) {
        return Vec::new();
    }
    normalise_list(items, str::to_string)
}

fn normalise_list(items: &[String], map: impl Fn(&str) -> String) -> Vec<String> {
    let mut out: Vec<String> = items
        .iter()
        .map(|i| map(i.trim()))
        .filter(|i| !i.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A model name as the rows spell it: the catalog id when known.
pub fn canonical_model(catalog: &Catalog, name: &str) -> String {
    catalog
        .resolve(name)
        .map(|m| m.id.clone())
        .unwrap_or_else(|| name.to_string())
}

fn check_values(key: &str, values: &[String], allowed: &[&str]) -> Result<(), QueryError> {
    for v in values {
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
            return Err(bad(format!(
                "{key}: unknown value {v:?} (expected one of {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn parse_anchor(text: &str, catalog: &Catalog) -> Result<(String, f64), QueryError> {
    let (model, score) = text.rsplit_once('=').ok_or_else(|| {
        bad(format!(
            "anchor: expected MODEL=SCORE (e.g. mixtral-8x7b-instruct-v0.1=1114), got {text:?}"
        ))
    })?;
    let score: f64 = score
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite())
        .ok_or_else(|| bad(format!("anchor: score {:?} is not a number", score.trim())))?;
    Ok((canonical_model(catalog, model.trim()), score))
}

fn parse_methodology(key: &str, text: &str) -> Result<Methodology, QueryError> {
    text.parse::<Methodology>()
        .map_err(|e| bad(format!("{key}: {e}")))
}

/// Applies defaults and macros. `time_range` is Grafana's, when there is one.
pub fn resolve(
    query: &Query,
    time_range: Option<TimeRange>,
    defaults: &QueryDefaults,
    catalog: &Catalog,
) -> Result<ResolvedQuery, QueryError> {
    let (from, to) = if query.window == Window::Range && query.from.is_none() && query.to.is_none()
    {
        let range = time_range.ok_or_else(|| {
            bad("window: \"range\" needs Grafana's time range, and none was given (use from/to instead)".into())
        })?;
        (
            Some(time::day_of_ms(range.from_ms)),
            Some(time::day_of_ms(range.to_ms)),
        )
    } else {
        (
            time::resolve_bound(query.from.as_deref(), Bound::From, time_range).map_err(bad)?,
            time::resolve_bound(query.to.as_deref(), Bound::To, time_range).map_err(bad)?,
        )
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(bad(format!(
                "from ({}) is after to ({})",
                time::format_day(f),
                time::format_day(t)
            )));
        }
    }

    let licenses = normalise_list(&query.licenses, str::to_lowercase);
    check_values("licenses", &licenses, &["open", "proprietary"])?;
    let architectures = normalise_list(&query.architectures, str::to_lowercase);
    check_values(
        "architectures",
        &architectures,
        &["dense", "moe", "matformer", "unknown"],
    )?;
    let sizes = normalise_list(&query.sizes, str::to_uppercase);
    check_values("sizes", &sizes, &["XS", "S", "M", "L", "XL"])?;

    let level = query.level.unwrap_or(0.95);
    if !(level > 0.0 && level < 1.0) {
        return Err(bad(format!(
            "level: {level} is not between 0 and 1 (e.g. 0.95)"
        )));
    }
    let rounds = query.rounds.unwrap_or(defaults.bootstrap_rounds);
    if rounds == 0 {
        return Err(bad("rounds: must be at least 1".into()));
    }
    super::limits::check_rounds(rounds)?;
    let anchor = match query
        .anchor
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(text) => Some(parse_anchor(text, catalog)?),
        None => None,
    };

    let methodology = parse_methodology(
        "methodology",
        query
            .methodology
            .as_deref()
            .unwrap_or(&defaults.methodology),
    )?;
    let pue = query.pue.unwrap_or(defaults.pue);
    if !(pue >= 1.0 && pue.is_finite()) {
        return Err(bad(format!(
            "pue: {pue} is below 1 (a data centre uses at least the IT energy)"
        )));
    }
    let wue = query.wue.unwrap_or(defaults.wue);
    if !(wue >= 0.0 && wue.is_finite()) {
        return Err(bad(format!("wue: {wue} is negative")));
    }
    let tokens = query.tokens.unwrap_or(1000.0);
    if !(tokens > 0.0 && tokens.is_finite()) {
        return Err(bad(format!(
            "tokens: {tokens} is not a positive number of tokens"
        )));
    }
    let zone = query
        .zone
        .as_deref()
        .unwrap_or(&defaults.zone)
        .trim()
        .to_uppercase();

    let window_days = query.window_days.unwrap_or(30);
    if window_days == 0 {
        return Err(bad("windowDays: must be at least 1 day".into()));
    }
    let metrics = normalise_list(&query.metrics, str::to_lowercase);
    check_values("metrics", &metrics, super::model::REGRESSION_METRICS)?;
    let latest_days = query.latest_days.unwrap_or(30);
    let previous_days = query.previous_days.unwrap_or(latest_days);
    if latest_days == 0 || previous_days == 0 {
        return Err(bad(
            "latestDays/previousDays: windows must be at least 1 day".into(),
        ));
    }

    Ok(ResolvedQuery {
        query_type: query.query_type,
        counts: CountFilter {
            sources: normalise_list(&query.sources, str::to_string),
            from_day: from,
            to_day: to,
            slices: SliceFilter {
                categories: slice_values(&query.categories),
                languages: slice_values(&query.languages),
                countries: slice_values(&query.countries),
            },
        },
        rows: RowFilter {
            organizations: normalise_list(&query.organizations, str::to_lowercase),
            licenses,
            architectures,
            sizes,
            models: normalise_list(&query.models, |m| {
                canonical_model(catalog, m).to_lowercase()
            }),
            min_votes: query.min_votes,
        },
        rating: RatingKey {
            ties: query.ties.unwrap_or(defaults.ties),
            ci: query.ci.unwrap_or(defaults.ci),
            rounds,
            seed: query.seed.unwrap_or(42),
            anchor,
            level,
            style: query.style,
        },
        energy: EnergyKey {
            methodology,
            zone,
            pue,
            wue,
            tokens,
            allow_estimates: query.allow_estimates,
        },
        model: query
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| canonical_model(catalog, m)),
        selected: normalise_list(&query.selected, |m| {
            canonical_model(catalog, m).to_lowercase()
        }),
        top: match query.top.unwrap_or(10) {
            top @ 1..=MAX_HEAD_TO_HEAD => top,
            other => {
                return Err(bad(format!(
                    "top: {other} models; a head-to-head takes 1 to {MAX_HEAD_TO_HEAD}"
                )))
            }
        },
        of: query.of,
        time: TimeKey {
            window: query.window,
            window_days,
            step_days: time::step_days(query.step, query.interval_ms),
            include_ci: query.include_ci,
            group_by: query.group_by,
            latest_days,
            previous_days,
            compare_methodology: match query.compare_methodology.as_deref() {
                Some(m) if !m.trim().is_empty() => {
                    Some(parse_methodology("compareMethodology", m.trim())?)
                }
                _ => None,
            },
            metrics,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_query;
    use serde_json::json;

    fn resolve_json(
        value: serde_json::Value,
        range: Option<TimeRange>,
    ) -> Result<ResolvedQuery, QueryError> {
        resolve(
            &parse_query(&value).unwrap(),
            range,
            &QueryDefaults::default(),
            &Catalog::default(),
        )
    }

    #[test]
    fn equivalent_queries_share_a_cache_key() {
        let a = resolve_json(
            json!({"sources": "b,a", "licenses": ["OPEN"], "zone": "fra"}),
            None,
        )
        .unwrap();
        let b = resolve_json(json!({"sources": ["a", "b", "a"], "licenses": "open", "zone": "FRA", "ties": "half", "refId": "B"}), None).unwrap();
        assert_eq!(a.cache_key(), b.cache_key());
        let c = resolve_json(
            json!({"sources": "a", "licenses": "open", "zone": "FRA"}),
            None,
        )
        .unwrap();
        assert_ne!(a.cache_key(), c.cache_key());
    }

    #[test]
    fn grafana_macros_and_range_window_use_the_time_range() {
        let range = TimeRange {
            from_ms: 10 * 86_400_000,
            to_ms: 20 * 86_400_000 + 1,
        };
        let r = resolve_json(json!({"from": "$__from", "to": "$__to"}), Some(range)).unwrap();
        assert_eq!((r.counts.from_day, r.counts.to_day), (Some(10), Some(20)));
        let r = resolve_json(json!({"window": "range"}), Some(range)).unwrap();
        assert_eq!((r.counts.from_day, r.counts.to_day), (Some(10), Some(20)));
        let error = resolve_json(json!({"window": "range"}), None).unwrap_err();
        assert!(error.to_string().contains("time range"), "{error}");
    }

    #[test]
    fn bad_options_are_named() {
        for (input, expected) in [
            (
                json!({"licenses": "opne"}),
                "licenses: unknown value \"opne\"",
            ),
            (json!({"sizes": "XXL"}), "sizes: unknown value \"XXL\""),
            (
                json!({"metrics": "bt_z,bt_zz"}),
                "metrics: unknown value \"bt_zz\"",
            ),
            (json!({"level": 1.5}), "level: 1.5"),
            (json!({"pue": 0.5}), "pue: 0.5"),
            (json!({"tokens": 0}), "tokens: 0"),
            (json!({"anchor": "gpt-4"}), "anchor: expected MODEL=SCORE"),
            (json!({"anchor": "gpt-4=high"}), "anchor: score \"high\""),
            (
                json!({"from": "2026-02-01", "to": "2026-01-01"}),
                "from (2026-02-01) is after to (2026-01-01)",
            ),
        ] {
            let error = resolve_json(input.clone(), None).unwrap_err().to_string();
            assert!(error.contains(expected), "{input}: {error}");
        }
    }
}
