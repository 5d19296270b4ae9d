//! The registry of query-model keys: each key of [`Query`](super::Query) once,
//! with its kind, its command-line flag, a value placeholder and its help.
//!
//! Two things are generated from it, so neither can drift from the model: the
//! lenient JSON parser's coercions (a Grafana template variable arrives as a
//! string even where a number is meant) and the flags of `arenawatt query`.
//! Tests check that the registry and the serde type hold the same keys.

/// How a key's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A list of strings; a string is split on commas.
    List,
    /// Free text.
    Text,
    /// One of a fixed set of names.
    Choice(&'static [&'static str]),
    /// A non-negative whole number.
    Integer,
    /// A finite number.
    Number,
    /// A boolean; on the command line a flag without a value.
    Switch,
}

/// One key of the query model.
#[derive(Debug, Clone, Copy)]
pub struct QueryKey {
    /// The JSON key (camelCase), as in Grafana's query model and `src/types.ts`.
    pub key: &'static str,
    /// The long flag of `arenawatt query`, without `--` (kebab-case of `key`).
    pub flag: &'static str,
    pub kind: KeyKind,
    /// Shown in `--help` for flags that take a value; empty for switches.
    pub placeholder: &'static str,
    pub help: &'static str,
}

pub const QUERY_TYPES: &[&str] = &[
    "scatter",
    "leaderboard",
    "model",
    "variable",
    "trend",
    "energy-trend",
    "regression",
    "slice-scores",
    "head-to-head",
    "preferences",
    "annotations",
];
pub const METHODOLOGIES: &[&str] = &["ecologits-0.11", "ecologits-0.8", "comparia-2026-02"];

const fn key(
    key: &'static str,
    flag: &'static str,
    kind: KeyKind,
    placeholder: &'static str,
    help: &'static str,
) -> QueryKey {
    QueryKey {
        key,
        flag,
        kind,
        placeholder,
        help,
    }
}

use KeyKind::*;

/// Every key of the query model, in help order.
pub const QUERY_KEYS: &[QueryKey] = &[
    key("queryType", "type", Choice(QUERY_TYPES), "TYPE", "What to compute"),
    key("sources", "sources", List, "SOURCE,...", "Vote sources to use (default: all)"),
    key("from", "from", Text, "DATE", "First day included: YYYY-MM-DD, RFC 3339, epoch ms, now-Nd or $__from"),
    key("to", "to", Text, "DATE", "Last day included: same forms as --from, or $__to"),
    key("organizations", "organizations", List, "ORG,...", "Show only models of these organisations"),
    key("licenses", "licenses", List, "open|proprietary,...", "Show only open-weight or proprietary models"),
    key("architectures", "architectures", List, "dense|moe|matformer|unknown,...", "Show only these architectures"),
    key("sizes", "sizes", List, "XS|S|M|L|XL,...", "Show only these size classes (total parameters: XS <15B, S <60B, M <100B, L <400B, XL >=400B)"),
    key("models", "models", List, "ID,...", "Show only these models (ids or aliases)"),
    key("minVotes", "min-votes", Integer, "N", "Hide models with fewer votes (within the slice, with slice filters)"),
    key("categories", "categories", List, "CATEGORY,...", "Fit only the votes in these categories (slice filter; a vote in several counts once)"),
    key("languages", "languages", List, "LANGUAGE,...", "Fit only the votes in these languages (slice filter)"),
    key("countries", "countries", List, "COUNTRY,...", "Fit only the votes from these countries (slice filter)"),
    key("ties", "ties", Choice(&["half", "drop", "davidson"]), "POLICY", "Tie policy: half a win each (default), dropped, or Davidson's model"),
    key("ci", "ci", Choice(&["sandwich", "fisher", "bootstrap", "none"]), "METHOD", "Confidence intervals of BT scores (default sandwich)"),
    key("rounds", "rounds", Integer, "N", "Bootstrap rounds (with --ci bootstrap)"),
    key("seed", "seed", Integer, "N", "Bootstrap seed"),
    key("anchor", "anchor", Text, "MODEL=SCORE", "Pin one model's BT score (default: scores average 1000)"),
    key("level", "level", Number, "P", "Confidence level of the intervals (default 0.95)"),
    key("style", "style", Choice(super::model::Style::NAMES), "STYLE", "BT score with the answers' length and markdown held equal (controlled: a contextual Bradley-Terry fit over the votes' style features) or not (raw, default); rows then carry both bt_score_raw and bt_score_controlled"),
    key("methodology", "methodology", Choice(METHODOLOGIES), "NAME", "Energy methodology (default ecologits-0.11)"),
    key("zone", "zone", Text, "ZONE", "Electricity zone for emissions: ISO 3166 alpha-3, WOR or EEE (default WOR)"),
    key("pue", "pue", Number, "X", "Power usage effectiveness of the data centre (default 1.15)"),
    key("wue", "wue", Number, "L/KWH", "On-site water usage effectiveness, litres per kWh (default 1.8)"),
    key("tokens", "tokens", Number, "N", "Output tokens the per-model energy is estimated for, reported per 1000 tokens (default 1000)"),
    key("allowEstimates", "allow-estimates", Switch, "", "Estimate energy of undisclosed models from estimated sizes: EcoLogits' first, compar:IA's own guess first under comparia-2026-02 (the energy note names it)"),
    key("model", "model", Text, "ID", "The model of a `model` query; narrows `preferences` to one model"),
    key("selected", "selected", List, "ID,...", "Models flagged selected=true in the rows; the models of a `head-to-head` query"),
    key("top", "top", Integer, "N", "Head-to-head: the N best-scored models, when `selected` names none (default 10, at most 50)"),
    key("subset", "subset", Choice(super::model::Subset::NAMES), "ROWS", "Scatter/leaderboard rows to return, after the fit and the filters: all (default), pareto (the frontier, cheapest first), selected, or one architecture (dense, moe, matformer, unknown)"),
    key("of", "of", Choice(&["sources", "organizations", "licenses", "architectures", "sizes", "models", "methodologies", "zones", "categories", "languages", "countries"]), "WHAT", "What a `variable` query lists; for `slice-scores`, the slice dimension (categories, languages or countries; default categories)"),
    key("window", "window", Choice(&["all", "range", "cumulative", "rolling"]), "WINDOW", "Votes used: all, Grafana's range, or for trends cumulative or rolling"),
    key("windowDays", "window-days", Integer, "DAYS", "Length of a rolling trend window (default 30)"),
    key("step", "step", Choice(&["day", "week", "auto"]), "STEP", "Time step of trends (auto: Grafana's interval)"),
    key("intervalMs", "interval-ms", Integer, "MS", "Grafana's suggested interval, for --step auto"),
    key("includeCi", "include-ci", Switch, "", "Trends: add the confidence interval of each point"),
    key("groupBy", "group-by", Choice(&["model", "total"]), "GROUP", "Energy trend per model or in total"),
    key("latestDays", "latest-days", Integer, "DAYS", "Regression: length of the latest window (default 30)"),
    key("previousDays", "previous-days", Integer, "DAYS", "Regression: length of the previous window (default: as latest)"),
    key("compareMethodology", "compare-methodology", Choice(METHODOLOGIES), "NAME", "Regression: compare Wh against this methodology instead of the previous window"),
    key("metrics", "metrics", List, "METRIC,...", "Regression: only these metrics: bt_delta, bt_z, rank_delta, wh_delta_pct (default: all)"),
];

/// The registry entry of a JSON key.
pub fn find(key: &str) -> Option<&'static QueryKey> {
    QUERY_KEYS.iter().find(|k| k.key == key)
}

/// kebab-case of a camelCase key.
pub fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn registry_holds_exactly_the_keys_of_the_query_model() {
        let value = serde_json::to_value(super::super::Query::default()).unwrap();
        let model: BTreeSet<String> = value.as_object().unwrap().keys().cloned().collect();
        let registry: BTreeSet<String> = QUERY_KEYS.iter().map(|k| k.key.to_string()).collect();
        assert_eq!(model, registry, "query model keys vs registry keys");
        assert_eq!(
            registry.len(),
            QUERY_KEYS.len(),
            "duplicate keys in the registry"
        );
    }

    #[test]
    fn flags_are_unique_kebab_case_and_value_flags_have_placeholders() {
        let mut seen = BTreeSet::new();
        for k in QUERY_KEYS {
            assert!(seen.insert(k.flag), "duplicate flag --{}", k.flag);
            if k.key != "queryType" {
                assert_eq!(k.flag, kebab(k.key), "flag of {}", k.key);
            }
            assert_eq!(
                k.kind == Switch,
                k.placeholder.is_empty(),
                "placeholder of --{}",
                k.flag
            );
            assert!(!k.help.is_empty(), "help of --{}", k.flag);
        }
    }

    #[test]
    fn choices_match_the_serde_names() {
        for name in QUERY_TYPES {
            let parsed: super::super::QueryType =
                serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(parsed.name(), *name);
        }
        assert_eq!(QUERY_TYPES.len(), super::super::QueryType::ALL.len());
        for k in QUERY_KEYS {
            if let Choice(values) = k.kind {
                for v in values {
                    let mut object = serde_json::Map::new();
                    object.insert(k.key.to_string(), serde_json::json!(v));
                    serde_json::from_value::<super::super::Query>(serde_json::Value::Object(
                        object,
                    ))
                    .unwrap_or_else(|e| panic!("{}={v}: {e}", k.key));
                }
            }
        }
    }
}
