//! Lenient parsing of query JSON (Grafana's query model, or the flags of
//! `arenawatt query` turned into the same JSON).
//!
//! Unknown keys are ignored and missing or null keys take their defaults, so
//! old dashboards keep working. Values are coerced the way Grafana's template
//! variables deliver them: numbers and booleans as strings, lists as
//! `a,b` or `{a,b}`. Anything else that does not fit is an error naming the key
//! and the bad value.

use serde_json::{Map, Value};

use super::keys::{self, KeyKind};
use super::Query;

/// A key of the query with a value that cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct ParseError {
    /// The JSON key (camelCase); the CLI maps it back to its flag.
    pub key: String,
    pub reason: String,
}

/// Parses query JSON text.
pub fn parse_query_text(text: &str) -> Result<Query, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError {
        key: "query".into(),
        reason: format!("not valid JSON: {e}"),
    })?;
    parse_query(&value)
}

/// Parses a query from a JSON value.
pub fn parse_query(value: &Value) -> Result<Query, ParseError> {
    let object = match value {
        Value::Null => return Ok(Query::default()),
        Value::Object(object) => object,
        other => {
            return Err(ParseError {
                key: "query".into(),
                reason: format!("expected a JSON object, got {}", describe(other)),
            })
        }
    };
    let mut clean = Map::new();
    for (name, raw) in object {
        let Some(spec) = keys::find(name) else {
            continue; // unknown keys (refId, datasource, hide, ...) are ignored
        };
        if let Some(coerced) = coerce(spec.kind, raw).map_err(|reason| ParseError {
            key: name.clone(),
            reason,
        })? {
            clean.insert(name.clone(), coerced);
        }
    }
    serde_json::from_value(Value::Object(clean)).map_err(|e| ParseError {
        key: "query".into(),
        reason: e.to_string(),
    })
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// `Ok(None)`: the key takes its default.
fn coerce(kind: KeyKind, raw: &Value) -> Result<Option<Value>, String> {
    if raw.is_null() {
        return Ok(None);
    }
    let text = match raw {
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    if text == Some("") && kind != KeyKind::List {
        return Ok(None);
    }
    match kind {
        KeyKind::List => coerce_list(raw).map(Some),
        KeyKind::Text => match raw {
            Value::String(s) => Ok(Some(Value::String(s.trim().to_string()))),
            Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
            other => Err(format!("expected text, got {}", describe(other))),
        },
        KeyKind::Choice(choices) => {
            let Some(text) = text else {
                return Err(format!(
                    "expected one of {}, got {}",
                    choices.join(", "),
                    describe(raw)
                ));
            };
            let normal = normalise_choice(text, choices);
            match choices.iter().find(|c| c.eq_ignore_ascii_case(&normal)) {
                Some(choice) => Ok(Some(Value::String((*choice).to_string()))),
                None => Err(format!(
                    "unknown value {text:?} (expected one of {})",
                    choices.join(", ")
                )),
            }
        }
        KeyKind::Integer => {
            let number = match raw {
                Value::Number(n) => n.as_u64().or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                        .map(|f| f as u64)
                }),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            };
            number.map(|n| Some(Value::from(n))).ok_or_else(|| {
                format!(
                    "expected a non-negative whole number, got {}",
                    describe(raw)
                )
            })
        }
        KeyKind::Number => {
            let number = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match number.filter(|f| f.is_finite()) {
                Some(f) => Ok(Some(Value::from(f))),
                None => Err(format!("expected a number, got {}", describe(raw))),
            }
        }
        KeyKind::Switch => match raw {
            Value::Bool(b) => Ok(Some(Value::Bool(*b))),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(Value::Bool(true))),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(Value::Bool(false))),
            other => Err(format!("expected true or false, got {}", describe(other))),
        },
    }
}

/// `energyTrend` and `energy_trend` both mean `energy-trend`.
fn normalise_choice(text: &str, choices: &[&str]) -> String {
    if choices.iter().any(|c| c.eq_ignore_ascii_case(text)) {
        return text.to_string();
    }
    keys::kebab(text).replace('_', "-").to_lowercase()
}

fn coerce_list(raw: &Value) -> Result<Value, String> {
    let items: Vec<String> = match raw {
        Value::String(s) => {
            let inner = s.trim();
            let inner = inner
                .strip_prefix('{')
                .and_then(|i| i.strip_suffix('}'))
                .unwrap_or(inner);
            inner
                .split(',')
                .map(|item| item.trim().to_string())
                .filter(|item| !item.is_empty())
                .collect()
        }
        Value::Array(values) => {
            let mut items = Vec::with_capacity(values.len());
            for (index, value) in values.iter().enumerate() {
                match value {
                    Value::String(s) if !s.trim().is_empty() => items.push(s.trim().to_string()),
                    Value::String(_) | Value::Null => {}
                    Value::Number(n) => items.push(n.to_string()),
                    other => {
                        return Err(format!(
                            "item {index}: expected text, got {}",
                            describe(other)
                        ))
                    }
                }
            }
            items
        }
        other => return Err(format!("expected a list of text, got {}", describe(other))),
    };
    Ok(Value::from(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{QueryType, Step, Window};
    use arenawatt_core::rating::{CiMethod, TiePolicy};
    use serde_json::json;

    #[test]
    fn unknown_keys_are_ignored_and_missing_keys_default() {
        let query = parse_query(
            &json!({"refId": "A", "datasource": {"uid": "x"}, "queryType": "leaderboard"}),
        )
        .unwrap();
        assert_eq!(query.query_type, QueryType::Leaderboard);
        assert_eq!(query.min_votes, 0);
        assert_eq!(parse_query(&Value::Null).unwrap(), Query::default());
    }

    #[test]
    fn template_variable_strings_are_coerced() {
        let query = parse_query(&json!({
            "queryType": "energyTrend",
            "sources": "{simulated,comparia-votes}",
            "models": ["a", "", "b"],
            "minVotes": "100",
            "pue": "1.2",
            "includeCi": "true",
            "ties": "Drop",
            "ci": null,
            "window": "rolling",
            "step": "week",
            "anchor": ""
        }))
        .unwrap();
        assert_eq!(query.query_type, QueryType::EnergyTrend);
        assert_eq!(query.sources, vec!["simulated", "comparia-votes"]);
        assert_eq!(query.models, vec!["a", "b"]);
        assert_eq!(query.min_votes, 100);
        assert_eq!(query.pue, Some(1.2));
        assert!(query.include_ci);
        assert_eq!(query.ties, Some(TiePolicy::Drop));
        assert_eq!(query.ci, None::<CiMethod>);
        assert_eq!(query.window, Window::Rolling);
        assert_eq!(query.step, Step::Week);
        assert_eq!(query.anchor, None);
    }

    #[test]
    fn bad_values_name_the_key_and_the_value() {
        let cases = [
            (json!({"minVotes": "lots"}), "minVotes", "\"lots\""),
            (json!({"minVotes": -3}), "minVotes", "-3"),
            (json!({"ties": "coin"}), "ties", "\"coin\""),
            (json!({"queryType": "pie"}), "queryType", "\"pie\""),
            (json!({"pue": true}), "pue", "boolean true"),
            (json!({"sources": 7}), "sources", "number 7"),
            (json!({"includeCi": "maybe"}), "includeCi", "\"maybe\""),
            (
                json!({"methodology": "ecologits-9"}),
                "methodology",
                "\"ecologits-9\"",
            ),
        ];
        for (input, key, shown) in cases {
            let error = parse_query(&input).unwrap_err();
            assert_eq!(error.key, key, "{input}");
            assert!(error.to_string().contains(shown), "{input}: {error}");
        }
        let error = parse_query(&json!([1])).unwrap_err();
        assert!(
            error.to_string().contains("expected a JSON object"),
            "{error}"
        );
        let error = parse_query_text("{\"queryType\": ").unwrap_err();
        assert!(error.to_string().contains("not valid JSON"), "{error}");
    }
}
