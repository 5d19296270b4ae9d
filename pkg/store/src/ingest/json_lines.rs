//! The JSON-lines vote format of `POST votes` (the body the Grafana plugin
//! receives): one object per line in the csv import schema, validated as a
//! whole, so a bad line fails the read before the store is touched.
//!
//! One object per line, keys as the csv columns: `model_a`, `model_b`,
//! `winner` (`model_a`, `model_b`, `tie`, `tie (bothbad)`, as in `arenawatt
//! import --format csv`; `outcome` with `a`, `b`, `tie`, `both_bad` is accepted
//! too), `timestamp` (Unix seconds or an ISO 8601 date-time), and the optional
//! `id` (or `source_id`; the store derives one from the content when absent),
//! `source` (default [`DEFAULT_SOURCE`]), `tokens_a`, `tokens_b`, `category`,
//! `language`, `country` (`category` also as an array). Winner, timestamp (inside the plausible window), token counts
//! (below 2^32) and model names (no control characters) follow the csv
//! reader's rules (the parsers shared by every reader, `ingest/row.rs`); a byte
//! order mark at the start of the body is accepted. Model names are resolved
//! to catalog ids as `arenawatt import` does, through the catalog the caller
//! passes (the plugin's: the bundled models plus the store's custom ones).
//! Unknown keys are ignored. Errors name the line: `line N: key: reason`.

use serde_json::{Map, Value};

use arenawatt_core::catalog::Catalog;

use super::labels;
use super::row::{check_model_name, parse_timestamp, parse_winner, without_bom};
use crate::{Outcome, Vote};

/// The source of uploaded votes that name none.
pub const DEFAULT_SOURCE: &str = "grafana-upload";

/// Why a JSON-lines body was refused.
#[derive(Debug, thiserror::Error)]
pub enum JsonLinesError {
    #[error("line {line}: {reason}; nothing was imported")]
    Line { line: usize, reason: String },
    #[error("the body holds no votes (expected JSON lines)")]
    Empty,
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(other) => Err(format!("{key}: expected a string, got {other}")),
    }
}

fn required<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    text(object, key)?.ok_or_else(|| format!("{key}: missing"))
}

fn count(object: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    // The store keeps token counts as 32-bit integers (u32::MAX means none).
    let fits = |tokens: Option<u64>| match tokens {
        Some(t) if t >= u64::from(u32::MAX) => Err(format!(
            "{key}: token count {t} is too large (at most {})",
            u32::MAX - 1
        )),
        other => Ok(other),
    };
    fits(match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key}: {n} is not a whole number of tokens")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{key}: {s:?} is not a whole number of tokens")),
        Some(other) => Err(format!("{key}: expected a number, got {other}")),
    }?)
}

fn timestamp(object: &Map<String, Value>) -> Result<i64, String> {
    let parsed = match object.get("timestamp") {
        Some(Value::Number(n)) => parse_timestamp(&n.to_string()),
        Some(Value::String(s)) => parse_timestamp(s),
        None | Some(Value::Null) => return Err("timestamp: missing".into()),
        Some(other) => {
            return Err(format!(
                "timestamp: expected seconds or a date, got {other}"
            ))
        }
    };
    parsed.map_err(|reason| format!("timestamp: {reason}"))
}

/// `winner` as in the csv format, or `outcome` (`a`, `b`, `tie`, `both_bad`).
fn outcome(object: &Map<String, Value>) -> Result<Outcome, String> {
    let (key, raw) = match (text(object, "winner")?, text(object, "outcome")?) {
        (Some(raw), _) => ("winner", raw),
        (None, Some(raw)) => ("outcome", raw),
        (None, None) => return Err("winner: missing".into()),
    };
    parse_winner(raw).map_err(|reason| format!("{key}: {reason}"))
}

/// `key: reason`, the form of this reader's messages.
fn named_problem(problem: super::collector::RowProblem) -> String {
    format!("{}: {}", problem.column, problem.reason)
}

/// `category`: `|`-separated text or an array of texts.
fn categories(object: &Map<String, Value>) -> Result<Vec<String>, String> {
    let checked = match object.get("category") {
        Some(Value::Array(items)) => {
            let texts = items
                .iter()
                .map(|item| {
                    item.as_str().ok_or_else(|| {
                        format!("category: expected a list of strings, found {item} in it")
                    })
                })
                .collect::<Result<Vec<&str>, String>>()?;
            labels::listed("category", texts)
        }
        _ => labels::piped("category", text(object, "category")?),
    };
    Ok(checked
        .map_err(named_problem)?
        .into_iter()
        .map(str::to_string)
        .collect())
}

fn vote(object: &Map<String, Value>, catalog: &Catalog) -> Result<Vote, String> {
    let resolve = |name: &str| {
        catalog
            .resolve(name)
            .map(|m| m.id.clone())
            .unwrap_or_else(|| name.to_string())
    };
    let source = text(object, "source")?
        .unwrap_or(DEFAULT_SOURCE)
        .to_string();
    let named = |key: &str| -> Result<&str, String> {
        let name = required(object, key)?;
        check_model_name(name).map_err(|reason| format!("{key}: {reason}"))?;
        Ok(name)
    };
    let (given_a, given_b) = (named("model_a")?, named("model_b")?);
    let (model_a, model_b) = (resolve(given_a), resolve(given_b));
    if model_a == model_b {
        return Err(if given_a == given_b {
            format!("model_b: model_a and model_b are the same model {model_a:?}")
        } else {
            format!(
                "model_b: model_a {given_a:?} and model_b {given_b:?} are the same model {model_a:?} (aliases in the catalog)"
            )
        });
    }
    Ok(Vote {
        source,
        source_id: match text(object, "id")? {
            Some(id) => Some(id.to_string()),
            None => text(object, "source_id")?.map(str::to_string),
        },
        timestamp: timestamp(object)?,
        model_a,
        model_b,
        outcome: outcome(object)?,
        tokens_a: count(object, "tokens_a")?,
        tokens_b: count(object, "tokens_b")?,
        categories: categories(object)?,
        language: labels::single("language", text(object, "language")?)
            .map_err(named_problem)?
            .map(str::to_string),
        country: labels::single("country", text(object, "country")?)
            .map_err(named_problem)?
            .map(str::to_string),
        reasons: Default::default(),
    })
}

/// Parses every line; the first bad one is the error.
pub fn parse_json_lines(body: &[u8], catalog: &Catalog) -> Result<Vec<Vote>, JsonLinesError> {
    let text = std::str::from_utf8(body).map_err(|e| JsonLinesError::Line {
        line: 1 + body[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        reason: "not UTF-8 text".into(),
    })?;
    let text = without_bom(text);
    let mut votes = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |reason: String| JsonLinesError::Line {
            line: index + 1,
            reason,
        };
        let object = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(object)) => object,
            Ok(other) => return Err(at(format!("expected a JSON object, got {other}"))),
            Err(e) => return Err(at(format!("not valid JSON: {e}"))),
        };
        votes.push(vote(&object, catalog).map_err(at)?);
    }
    if votes.is_empty() {
        return Err(JsonLinesError::Empty);
    }
    Ok(votes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_votes() {
        let body = br#"{"source":"s","source_id":"1","timestamp":1700000000,"model_a":"x","model_b":"y","outcome":"a","tokens_a":10}

{"source":"s","timestamp":"2024-01-02","model_a":"y","model_b":"x","outcome":"both_bad","tokens_b":"5","extra":1}"#;
        let votes = parse_json_lines(body, &Catalog::default()).unwrap();
        assert_eq!(votes.len(), 2);
        assert_eq!(votes[0].outcome, Outcome::A);
        assert_eq!(votes[0].tokens_a, Some(10));
        assert_eq!(votes[1].timestamp, 1_704_153_600);
        assert_eq!(votes[1].tokens_b, Some(5));
        assert_eq!(votes[1].source_id, None);
    }

    #[test]
    fn the_csv_schema_is_accepted_as_import_reads_it() {
        let body = br#"{"model_a":"x","model_b":"y","winner":"tie (bothbad)","timestamp":"2024-01-02T03:04:05Z","id":"v1","tokens_b":7}"#;
        let votes = parse_json_lines(body, &Catalog::default()).unwrap();
        assert_eq!(votes.len(), 1);
        let v = &votes[0];
        assert_eq!(v.source, DEFAULT_SOURCE);
        assert_eq!(v.source_id.as_deref(), Some("v1"));
        assert_eq!(v.outcome, Outcome::BothBad);
        assert_eq!(v.timestamp, 1_704_164_645);
        assert_eq!((v.tokens_a, v.tokens_b), (None, Some(7)));
        let e = parse_json_lines(
            br#"{"model_a":"x","model_b":"y","timestamp":1700000000}"#,
            &Catalog::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 1: winner: missing"), "{e}");
    }

    #[test]
    fn a_bad_line_is_named() {
        let body = b"{\"source\":\"s\",\"timestamp\":1700000000,\"model_a\":\"x\",\"model_b\":\"y\",\"outcome\":\"a\"}\n{\"source\":\"s\",\"timestamp\":1700000000,\"model_a\":\"x\",\"model_b\":\"y\",\"outcome\":\"maybe\"}";
        let e = parse_json_lines(body, &Catalog::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("line 2: outcome: unknown winner \"maybe\""),
            "{e}"
        );
        let e = parse_json_lines(b"{\"source\":1}", &Catalog::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1: source"), "{e}");
        let e = parse_json_lines(b"nope", &Catalog::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1: not valid JSON"), "{e}");
        assert!(matches!(
            parse_json_lines(b"\n\n", &Catalog::default()),
            Err(JsonLinesError::Empty)
        ));
    }
}
