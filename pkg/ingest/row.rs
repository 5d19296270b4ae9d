//! Field access shared by the formats that come both as parquet and as JSON
//! (compar:IA's votes, reactions and conversations; Chatbot Arena battles),
//! and the parsers of timestamps and winners shared by every format.

use serde_json::{Map, Value};

use super::collector::RowProblem;
use crate::store::Outcome;

/// Named, typed access to the fields of one row. `Ok(None)`: absent or null.
pub(crate) trait Row {
    fn text(&self, column: &str) -> Result<Option<&str>, RowProblem>;
    /// Integers; floats with an integral value are accepted (pandas writes
    /// token counts as floats).
    fn integer(&self, column: &str) -> Result<Option<i64>, RowProblem>;
    fn boolean(&self, column: &str) -> Result<Option<bool>, RowProblem>;
    /// Unix seconds from an integer or float epoch (unit guessed from the
    /// magnitude, see [`epoch_seconds`]) or an ISO 8601 text.
    fn timestamp(&self, column: &str) -> Result<Option<i64>, RowProblem>;
    /// A vote id written as text or as an integer.
    fn id(&self, column: &str) -> Result<Option<String>, RowProblem>;
}

/// Converts an epoch number to seconds. Datasets write seconds, milliseconds,
/// microseconds or nanoseconds; any date after 1973 tells them apart, since
/// 1e11 s is in the year 5138.
pub(crate) fn epoch_seconds(value: i64) -> i64 {
    let magnitude = value.unsigned_abs();
    if magnitude >= 100_000_000_000_000_000 {
        value.div_euclid(1_000_000_000)
    } else if magnitude >= 100_000_000_000_000 {
        value.div_euclid(1_000_000)
    } else if magnitude >= 100_000_000_000 {
        value.div_euclid(1_000)
    } else {
        value
    }
}

/// Parses `2026-05-01`, `2026-05-01T12:34:56`, `2026-05-01 12:34:56.789`,
/// with an optional `Z` or `±HH:MM` offset, or an epoch number.
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(value) = text.parse::<i64>() {
        return Ok(epoch_seconds(value));
    }
    if let Ok(value) = text.parse::<f64>() {
        if value.is_finite() {
            return Ok(value.floor() as i64);
        }
    }
    parse_iso(text).ok_or_else(|| {
        format!("invalid timestamp {text:?} (expected unix seconds or an ISO 8601 date-time such as 2026-05-01T12:00:00Z)")
    })
}

fn parse_iso(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        number(0..4)? as i32,
        number(5..7)? as u32,
        number(8..10)? as u32,
    )?;
    let days = date
        .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?)
        .num_days();
    let mut seconds = days * 86_400;
    if bytes.len() == 10 {
        return Some(seconds);
    }
    if !(bytes[10] == b'T' || bytes[10] == b' ')
        || bytes.len() < 19
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3600 + minute * 60 + second;
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    match rest {
        "" | "Z" | "z" => Some(seconds),
        offset
            if offset.len() == 6
                && (offset.starts_with('+') || offset.starts_with('-'))
                && &offset[3..4] == ":" =>
        {
            let hours: i64 = offset[1..3].parse().ok()?;
            let minutes: i64 = offset[4..6].parse().ok()?;
            let shift = hours * 3600 + minutes * 60;
            Some(if offset.starts_with('+') {
                seconds - shift
            } else {
                seconds + shift
            })
        }
        _ => None,
    }
}

/// The winner values of the csv and arena-battles formats.
pub(crate) fn parse_winner(text: &str) -> Result<Outcome, String> {
    match text.trim() {
        "model_a" | "a" | "A" => Ok(Outcome::A),
        "model_b" | "b" | "B" => Ok(Outcome::B),
        "tie" => Ok(Outcome::Tie),
        "tie (bothbad)" | "both_bad" => Ok(Outcome::BothBad),
        other => Err(format!(
            "unknown winner {other:?} (expected model_a, model_b, tie or tie (bothbad))"
        )),
    }
}

/// A token count: a non-negative integer (an integral float is accepted).
pub(crate) fn parse_tokens(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(value) = text.parse::<u64>() {
        return Ok(Some(value));
    }
    match text.parse::<f64>() {
        Ok(value) if value >= 0.0 && value.fract() == 0.0 && value < 4e9 => Ok(Some(value as u64)),
        _ => Err(format!(
            "invalid token count {text:?} (expected a non-negative integer)"
        )),
    }
}

/// One JSON object (a JSONL line or an element of a JSON array).
pub(crate) struct JsonRow<'v>(pub &'v Map<String, Value>);

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl JsonRow<'_> {
    fn get(&self, column: &str) -> Option<&Value> {
        self.0.get(column).filter(|v| !v.is_null())
    }
}

impl Row for JsonRow<'_> {
    fn text(&self, column: &str) -> Result<Option<&str>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected a string, found {}", type_name(other)),
            )),
        }
    }
    fn integer(&self, column: &str) -> Result<Option<i64>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .map(Some)
                .ok_or_else(|| RowProblem::new(column, format!("expected an integer, found {n}"))),
            Some(Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| {
                    RowProblem::new(column, format!("expected an integer, found {s:?}"))
                })
            }
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected an integer, found {}", type_name(other)),
            )),
        }
    }
    fn boolean(&self, column: &str) -> Result<Option<bool>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected true or false, found {}", type_name(other)),
            )),
        }
    }
    fn timestamp(&self, column: &str) -> Result<Option<i64>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Ok(Some(epoch_seconds(i))),
                (None, Some(f)) if f.is_finite() => Ok(Some(f.floor() as i64)),
                _ => Err(RowProblem::new(column, format!("invalid timestamp {n}"))),
            },
            Some(Value::String(s)) => parse_timestamp(s)
                .map(Some)
                .map_err(|reason| RowProblem::new(column, reason)),
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected a timestamp, found {}", type_name(other)),
            )),
        }
    }
    fn id(&self, column: &str) -> Result<Option<String>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected an id, found {}", type_name(other)),
            )),
        }
    }
}

/// Reads JSON Lines, or one JSON array of objects, calling `each(row, object)`
/// with the line number (JSONL) or the 1-based element number (array).
pub(crate) fn for_each_json_object(
    path: &std::path::Path,
    file: &str,
    mut each: impl FnMut(
        u64,
        Result<&Map<String, Value>, super::collector::RowProblem>,
        u64,
        u64,
    ) -> Result<(), super::IngestError>,
) -> Result<(), super::IngestError> {
    let bytes = std::fs::read(path).map_err(|source| super::IngestError::Io {
        file: file.to_string(),
        source,
    })?;
    let total = bytes.len() as u64;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        super::IngestError::Row {
            file: file.to_string(),
            row: line as u64,
            column: "-".into(),
            reason: format!("not valid UTF-8 (byte {})", e.valid_up_to()),
        }
    })?;
    let not_object = |value: &Value| {
        RowProblem::new(
            "-",
            format!("expected a JSON object, found {}", type_name(value)),
        )
    };
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> =
            serde_json::from_str(text).map_err(|e| super::IngestError::Row {
                file: file.to_string(),
                row: e.line() as u64,
                column: format!("char {}", e.column()),
                reason: format!("invalid JSON: {e}"),
            })?;
        for (i, value) in values.iter().enumerate() {
            let object = value.as_object().ok_or_else(|| not_object(value));
            each(i as u64 + 1, object, i as u64, values.len() as u64)?;
        }
        return Ok(());
    }
    let mut offset = 0u64;
    for (i, line) in text.split('\n').enumerate() {
        offset += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<Value, _> = serde_json::from_str(line);
        let row = i as u64 + 1;
        match parsed {
            Ok(value) => {
                let object = value.as_object().ok_or_else(|| not_object(&value));
                each(row, object, offset, total)?;
            }
            Err(e) => {
                let problem = RowProblem::new(
                    &format!("char {}", e.column()),
                    format!("invalid JSON: {e}"),
                );
                each(row, Err(problem), offset, total)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_accepted_shape() {
        let noon = 1_777_636_800; // 2026-05-01T12:00:00Z
        for text in [
            "1777636800",
            "1777636800000",
            "1777636800000000",
            "1777636800000000000",
            "1777636800.75",
            "2026-05-01T12:00:00Z",
            "2026-05-01 12:00:00",
            "2026-05-01T12:00:00.123456",
            "2026-05-01T14:00:00+02:00",
            "2026-05-01T10:30:00-01:30",
        ] {
            assert_eq!(parse_timestamp(text), Ok(noon), "{text}");
        }
        assert_eq!(parse_timestamp("2026-05-01"), Ok(noon - 12 * 3600));
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30T00:00:00",
            "2026-05-01T25:00:00",
            "2026-05-01T12:00:00 UTC",
        ] {
            let error = parse_timestamp(bad).unwrap_err();
            assert!(error.contains("invalid timestamp"), "{bad}: {error}");
        }
    }

    #[test]
    fn winners_and_tokens() {
        assert_eq!(parse_winner("model_a"), Ok(Outcome::A));
        assert_eq!(parse_winner("model_b"), Ok(Outcome::B));
        assert_eq!(parse_winner("tie"), Ok(Outcome::Tie));
        assert_eq!(parse_winner("tie (bothbad)"), Ok(Outcome::BothBad));
        assert!(parse_winner("draw").unwrap_err().contains("\"draw\""));
        assert_eq!(parse_tokens(""), Ok(None));
        assert_eq!(parse_tokens("512"), Ok(Some(512)));
        assert_eq!(parse_tokens("512.0"), Ok(Some(512)));
        assert!(parse_tokens("-3").is_err());
        assert!(parse_tokens("12.5").is_err());
    }
}
