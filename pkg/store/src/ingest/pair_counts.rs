//! Reader of the pair-counts JSON format (leaderbot's aggregation of Chatbot
//! Arena): already-aggregated counts per pair of models, the seam through which
//! an external engine can hand arenawatt billions of votes as a few thousand
//! numbers.
//!
//! ```json
//! {"models": ["a", "b", "c"],
//!  "X": [[0, 1], [0, 2]],
//!  "Y": [[wins_i, wins_j, ties, ties_both_bad], [3, 1, 0, 2]]}
//! ```
//!
//! `X[k] = [i, j]` indexes `models`; `Y[k]` counts the outcomes of that pair
//! from i's side. A `Y` row of three counts means no both-bad ties. Pairs may
//! come in either order (`i > j` is flipped); a pair given twice is an error,
//! since it usually means two files were concatenated by mistake. Every error
//! names the source and the JSON path of the bad value (`X[12][1]`).
//!
//! Counts are at most [`MAX_COUNT`] (2^63 − 1, the store's integer), and so
//! is their sum over the file: a larger count is refused at its place rather
//! than wrapped or rounded. Model names holding control characters are
//! refused, a UTF-8 byte order mark at the start is accepted, and
//! [`resolve_models`] refuses two names that the catalog resolves to one
//! model (their pairs would be a model against itself, or one pair twice).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use arenawatt_core::rating::{PairCount, PairTable};

/// Why a pair-counts file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PairCountsError {
    /// The I/O error is in the message, not chained as a `source`, so that
    /// `{:#}` printing does not repeat it.
    #[error("cannot read {path}: {cause}")]
    Io { path: String, cause: std::io::Error },
    #[error("{source_name}:{line}:{column}: invalid json: {message}")]
    Json {
        source_name: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{source_name}: {location}: {reason}")]
    Invalid {
        source_name: String,
        location: String,
        reason: String,
    },
}

/// Reads and parses a pair-counts file.
pub fn read_pair_counts(path: &Path) -> Result<PairTable, PairCountsError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|cause| PairCountsError::Io {
        path: name.clone(),
        cause,
    })?;
    parse_pair_counts(&text, &name)
}

/// Parses pair-counts JSON; `source_name` (a file name) prefixes every error.
pub fn parse_pair_counts(text: &str, source_name: &str) -> Result<PairTable, PairCountsError> {
    let root: Value =
        serde_json::from_str(super::row::without_bom(text)).map_err(|e| PairCountsError::Json {
            source_name: source_name.to_string(),
            line: e.line(),
            column: e.column(),
            message: {
                // serde_json appends " at line L column C"; the prefix says it already.
                let full = e.to_string();
                match full.rfind(" at line ") {
                    Some(cut) => full[..cut].to_string(),
                    None => full,
                }
            },
        })?;
    let invalid = |location: String, reason: String| PairCountsError::Invalid {
        source_name: source_name.to_string(),
        location,
        reason,
    };
    let object = root.as_object().ok_or_else(|| {
        invalid(
            "top level".into(),
            "expected an object with \"models\", \"X\" and \"Y\"".into(),
        )
    })?;
    let field = |name: &str| {
        object.get(name).and_then(Value::as_array).ok_or_else(|| {
            invalid(
                name.to_string(),
                format!("missing field {name:?} (an array)"),
            )
        })
    };
    let models_json = field("models")?;
    let pairs_json = field("X")?;
    let counts_json = field("Y")?;

    let mut models = Vec::with_capacity(models_json.len());
    let mut seen = HashMap::with_capacity(models_json.len());
    for (k, v) in models_json.iter().enumerate() {
        let location = format!("models[{k}]");
        let name = v.as_str().ok_or_else(|| {
            invalid(
                location.clone(),
                format!("expected a model name, found {v}"),
            )
        })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid(location, "model name is empty".into()));
        }
        super::row::check_model_name(name).map_err(|reason| invalid(location.clone(), reason))?;
        if let Some(first) = seen.insert(name.to_string(), k) {
            return Err(invalid(
                location,
                format!("model {name:?} repeats models[{first}]"),
            ));
        }
        models.push(name.to_string());
    }
    if pairs_json.len() != counts_json.len() {
        return Err(invalid(
            "Y".into(),
            format!(
                "has {} rows but X has {} pairs",
                counts_json.len(),
                pairs_json.len()
            ),
        ));
    }

    let n = models.len();
    let mut pairs = Vec::with_capacity(pairs_json.len());
    let mut first_seen: HashMap<(usize, usize), usize> = HashMap::with_capacity(pairs_json.len());
    let mut file_total = 0u64;
    for (k, (pair, counts)) in pairs_json.iter().zip(counts_json).enumerate() {
        let pair = pair.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
            invalid(
                format!("X[{k}]"),
                format!("expected a pair [i, j] of model indices, found {pair}"),
            )
        })?;
        let mut ends = [0usize; 2];
        for (side, v) in pair.iter().enumerate() {
            let location = format!("X[{k}][{side}]");
            let index = v.as_u64().ok_or_else(|| {
                invalid(
                    location.clone(),
                    format!("model index {v} is not a non-negative integer"),
                )
            })?;
            if index as usize >= n || index > usize::MAX as u64 {
                return Err(invalid(
                    location,
                    format!("model index {index} is out of range ({n} models)"),
                ));
            }
            ends[side] = index as usize;
        }
        let [i, j] = ends;
        if i == j {
            return Err(invalid(
                format!("X[{k}]"),
                format!("model {:?} is paired with itself", models[i]),
            ));
        }
        let key = (i.min(j), i.max(j));
        if let Some(first) = first_seen.insert(key, k) {
            return Err(invalid(
                format!("X[{k}]"),
                format!(
                    "pair {:?} vs {:?} repeats X[{first}]",
                    models[key.0], models[key.1]
                ),
            ));
        }
        let counts = counts
            .as_array()
            .filter(|a| a.len() == 3 || a.len() == 4)
            .ok_or_else(|| {
                invalid(
                    format!("Y[{k}]"),
                    format!("expected [wins_i, wins_j, ties, ties_both_bad], found {counts}"),
                )
            })?;
        let mut c = [0u64; 4];
        for (slot, v) in counts.iter().enumerate() {
            let location = format!("Y[{k}][{slot}]");
            let count = count_value(v).ok_or_else(|| {
                invalid(
                    location.clone(),
                    format!("count {v} is not a non-negative integer"),
                )
            })?;
            if count > MAX_COUNT {
                return Err(invalid(
                    location,
                    format!("count {count} is larger than the store's limit of {MAX_COUNT}"),
                ));
            }
            file_total = file_total
                .checked_add(count)
                .filter(|&total| total <= MAX_COUNT)
                .ok_or_else(|| {
                    invalid(
                        location,
                        format!("the file's counts add up to more than the store's limit of {MAX_COUNT} matches here"),
                    )
                })?;
            c[slot] = count;
        }
        let [wins_i, wins_j, ties, ties_both_bad] = c;
        pairs.push(if i < j {
            PairCount {
                lo: i,
                hi: j,
                wins_lo: wins_i,
                wins_hi: wins_j,
                ties,
                ties_both_bad,
            }
        } else {
            PairCount {
                lo: j,
                hi: i,
                wins_lo: wins_j,
                wins_hi: wins_i,
                ties,
                ties_both_bad,
            }
        });
    }
    Ok(PairTable { models, pairs })
}

/// The largest count (and sum of counts) the store holds: SQLite's integer.
pub const MAX_COUNT: u64 = i64::MAX as u64;

/// Replaces the model names of `table` by the catalog's ids and returns the
/// names the catalog does not know. Two names that resolve to one model
/// (`llama-3.1-405b` and its alias `llama-3.1-405b-instruct`) are refused,
/// naming both and their places: their pairs would pit the model against
/// itself.
pub fn resolve_models(
    table: &mut PairTable,
    catalog: &arenawatt_core::catalog::Catalog,
    source_name: &str,
) -> Result<Vec<String>, PairCountsError> {
    let mut unknown = Vec::new();
    let given = table.models.clone();
    let mut first_of: HashMap<String, usize> = HashMap::with_capacity(table.models.len());
    for (k, name) in table.models.iter_mut().enumerate() {
        let resolved = match catalog.resolve(name) {
            Some(model) => model.id.clone(),
            None => {
                unknown.push(name.clone());
                name.clone()
            }
        };
        if let Some(&first) = first_of.get(&resolved) {
            return Err(PairCountsError::Invalid {
                source_name: source_name.to_string(),
                location: format!("models[{k}]"),
                reason: format!(
                    "{name:?} and models[{first}] {:?} are the same model {resolved:?} (aliases in the catalog); merge their counts under one name",
                    given[first]
                ),
            });
        }
        first_of.insert(resolved.clone(), k);
        *name = resolved;
    }
    Ok(unknown)
}

/// A count: a non-negative integer, also accepted as an integral float (`12.0`),
/// which some exporters write.
fn count_value(v: &Value) -> Option<u64> {
    if let Some(u) = v.as_u64() {
        return Some(u);
    }
    let f = v.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 9.0e15).then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse_pair_counts(text, "t.json").unwrap_err().to_string()
    }

    #[test]
    fn parses_and_orients_pairs() {
        let t = parse_pair_counts(
            r#"{"models":["a","b","c"],"X":[[1,0],[0,2]],"Y":[[5,2,1,0],[1,1,0]]}"#,
            "t.json",
        )
        .unwrap();
        assert_eq!(t.models, vec!["a", "b", "c"]);
        assert_eq!(
            t.pairs[0],
            PairCount {
                lo: 0,
                hi: 1,
                wins_lo: 2,
                wins_hi: 5,
                ties: 1,
                ties_both_bad: 0
            }
        );
        assert_eq!(
            t.pairs[1],
            PairCount {
                lo: 0,
                hi: 2,
                wins_lo: 1,
                wins_hi: 1,
                ties: 0,
                ties_both_bad: 0
            }
        );
    }

    #[test]
    fn errors_name_the_bad_value() {
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[0,5]],"Y":[[1,1,0,0]]}"#),
            "t.json: X[0][1]: model index 5 is out of range (2 models)"
        );
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[0,1]],"Y":[[1,-1,0,0]]}"#),
            "t.json: Y[0][1]: count -1 is not a non-negative integer"
        );
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[0,1]]}"#),
            "t.json: Y: missing field \"Y\" (an array)"
        );
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[0,1],[1,0]],"Y":[[1,1,0,0],[0,0,0,0]]}"#),
            "t.json: X[1]: pair \"a\" vs \"b\" repeats X[0]"
        );
        assert_eq!(
            err(r#"{"models":["a","a"],"X":[],"Y":[]}"#),
            "t.json: models[1]: model \"a\" repeats models[0]"
        );
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[1,1]],"Y":[[1,1,0,0]]}"#),
            "t.json: X[0]: model \"b\" is paired with itself"
        );
        assert_eq!(
            err(r#"{"models":["a","b"],"X":[[0,1]],"Y":[]}"#),
            "t.json: Y: has 0 rows but X has 1 pairs"
        );
        assert!(
            err("{\"models\": [\n  \"a\",,]}")
                .starts_with("t.json:2:7: invalid json: expected value"),
            "{}",
            err("{\"models\": [\n  \"a\",,]}")
        );
    }
}
