//! Field access shared by the formats that come both as parquet and as JSON
//! (compar:IA's votes, reactions and conversations; Chatbot Arena battles),
//! and the parsers of timestamps, winners, token counts and model names
//! shared by every format and by the plugin's `POST votes`.
//!
//! # The plausible-time rule
//! A vote's time must fall in the window from [`EARLIEST_PLAUSIBLE`]
//! (2000-01-01T00:00:00Z) to one day past the clock of the machine doing the
//! import ([`FUTURE_MARGIN_SECONDS`], for clocks that disagree). Anything
//! outside is refused with `file:row:column: reason`, the reason naming the
//! value as written, the date it was read as and the window: a vote dated
//! 9999-12-31 would stretch every trend over eight millennia and move the
//! regression alert's windows past all the data.
//!
//! Epoch numbers are read by magnitude, whatever their type (integer or
//! float): below 1e11 they are seconds, below 1e14 milliseconds, below 1e17
//! microseconds, else nanoseconds. Every date between 1973 and 5138 tells the
//! units apart, so `1777636800000.5` is milliseconds (2026-05-01T12:00:00Z),
//! not seconds in the year 58,000. A fraction of a second is dropped
//! (rounded down). Numbers that are not finite, or too large for any unit
//! (`1e300`), are refused, as are results outside the window (`i64::MIN`,
//! 2^62 milliseconds). Parquet timestamp columns carry their own unit, which
//! is used as given. ISO 8601 texts are checked against the same window, and
//! so is `import --date`.

use serde_json::{Map, Value};

use crate::Outcome;

/// A problem with one row: the column and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowProblem {
    pub column: String,
    pub reason: String,
}

impl RowProblem {
    pub(crate) fn new(column: &str, reason: impl Into<String>) -> RowProblem {
        RowProblem {
            column: column.to_string(),
            reason: reason.into(),
        }
    }
}

/// Named, typed access to the fields of one row. `Ok(None)`: absent or null.
pub(crate) trait Row {
    fn text(&self, column: &str) -> Result<Option<&str>, RowProblem>;
    /// Integers; floats with an integral value are accepted (pandas writes
    /// token counts as floats).
    fn integer(&self, column: &str) -> Result<Option<i64>, RowProblem>;
    fn boolean(&self, column: &str) -> Result<Option<bool>, RowProblem>;
    /// Unix seconds from an integer or float epoch (unit read from the
    /// magnitude) or an ISO 8601 text, inside the plausible window (see the
    /// module doc).
    fn timestamp(&self, column: &str) -> Result<Option<i64>, RowProblem>;
    /// A vote id written as text or as an integer.
    fn id(&self, column: &str) -> Result<Option<String>, RowProblem>;
    /// A list of texts (parquet `list<string>`, a JSON array of strings);
    /// `None`: absent or null. Null elements are skipped.
    fn text_list(&self, column: &str) -> Result<Option<Vec<&str>>, RowProblem>;
    /// A nested JSON object (Chatbot Arena's `category_tag`); `None` where
    /// absent, null, or in a format without nested objects.
    fn object(&self, _column: &str) -> Option<&serde_json::Map<String, Value>> {
        None
    }
}

/// 2000-01-01T00:00:00Z, in Unix seconds: the earliest vote time accepted.
pub const EARLIEST_PLAUSIBLE: i64 = 946_684_800;
/// How far past the importing machine's clock a vote time may be.
pub const FUTURE_MARGIN_SECONDS: i64 = 86_400;

/// Unix seconds now, from the system clock (0 before 1970).
fn clock_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The last second of the window seen so far; the clock only moves on, so a
/// time at or before it is inside the window without asking the clock again
/// (a 10M-row import would otherwise read the clock 10M times).
static LATEST_SEEN: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(i64::MIN);

/// Where "now" comes from: the system clock, or a fixed time (tests).
#[derive(Debug, Clone, Copy)]
enum Now {
    Clock,
    /// Only the unit tests fix the time.
    #[cfg_attr(not(test), allow(dead_code))]
    At(i64),
}

impl Now {
    /// The window's last second, for checking `seconds`.
    fn latest(self, seconds: i64) -> i64 {
        match self {
            Now::At(now) => now.saturating_add(FUTURE_MARGIN_SECONDS),
            Now::Clock => {
                use std::sync::atomic::Ordering::Relaxed;
                let seen = LATEST_SEEN.load(Relaxed);
                if seconds <= seen {
                    return seen;
                }
                let fresh = clock_now().saturating_add(FUTURE_MARGIN_SECONDS);
                LATEST_SEEN.fetch_max(fresh, Relaxed);
                fresh
            }
        }
    }
}

/// `2026-05-01T12:00:00Z` for Unix seconds; a plain number when the date is
/// beyond what chrono represents.
pub fn format_utc(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| format!("{seconds} s since 1970"))
}

fn outside_window(kind: &str, shown: &str, latest: i64) -> String {
    format!(
        "{kind} {shown} is outside the plausible window {} to {} (one day past now)",
        format_utc(EARLIEST_PLAUSIBLE),
        format_utc(latest)
    )
}

/// Checks `seconds` (a `kind`, "timestamp" or "date") against the plausible
/// window. `shown` gives the value as the file wrote it and how it was read
/// (`1777636800000 (read as milliseconds: …)`); it is only called for the
/// message, so the accepted rows of a large file cost no formatting.
fn in_window(
    kind: &str,
    seconds: i64,
    now: Now,
    shown: impl FnOnce() -> String,
) -> Result<i64, String> {
    let latest = now.latest(seconds);
    if (EARLIEST_PLAUSIBLE..=latest).contains(&seconds) {
        return Ok(seconds);
    }
    Err(outside_window(kind, &shown(), latest))
}

/// Days since 1970-01-01 for a `YYYY-MM-DD` date inside the plausible window.
pub(crate) fn parse_plausible_day(text: &str) -> Result<i64, String> {
    parse_plausible_day_at(text, Now::Clock)
}

fn parse_plausible_day_at(text: &str, now: Now) -> Result<i64, String> {
    let trimmed = text.trim();
    let invalid = || format!("invalid date {text:?} (expected YYYY-MM-DD)");
    if trimmed.len() != 10 {
        return Err(invalid());
    }
    let seconds = parse_iso(trimmed).ok_or_else(invalid)?;
    in_window("date", seconds, now, || trimmed.to_string()).map(|s| s.div_euclid(86_400))
}

/// Checks Unix seconds read from `value` in a parquet timestamp column of
/// the given unit against the plausible window.
pub(crate) fn plausible_seconds_in(seconds: i64, value: i64, unit: &str) -> Result<i64, String> {
    in_window("timestamp", seconds, Now::Clock, || {
        format!("{value}{}", reading(unit, seconds))
    })
}

/// An epoch unit and how many of it make a second.
const UNITS: [(&str, f64, i64); 4] = [
    ("seconds", 1.0, 1),
    ("milliseconds", 1e3, 1_000),
    ("microseconds", 1e6, 1_000_000),
    ("nanoseconds", 1e9, 1_000_000_000),
];

/// The unit of an epoch number, from its magnitude (see the module doc).
fn unit_of(magnitude: f64) -> (&'static str, f64, i64) {
    if magnitude < 1e11 {
        UNITS[0]
    } else if magnitude < 1e14 {
        UNITS[1]
    } else if magnitude < 1e17 {
        UNITS[2]
    } else {
        UNITS[3]
    }
}

fn reading(unit: &str, seconds: i64) -> String {
    format!(" (read as {unit}: {})", format_utc(seconds))
}

/// Unix seconds from an integer epoch in seconds, milliseconds, microseconds
/// or nanoseconds, checked against the plausible window.
pub(crate) fn epoch_integer_seconds(value: i64) -> Result<i64, String> {
    epoch_integer_at(value, Now::Clock)
}

fn epoch_integer_at(value: i64, now: Now) -> Result<i64, String> {
    let (unit, _, per_second) = unit_of(value.unsigned_abs() as f64);
    let seconds = value.div_euclid(per_second);
    in_window("timestamp", seconds, now, || {
        format!("{value}{}", reading(unit, seconds))
    })
}

/// Unix seconds from a float epoch (unit from its magnitude, as for
/// integers), checked against the plausible window. `written` is the number
/// as the file wrote it, for the message.
pub(crate) fn epoch_float_seconds(value: f64, written: &str) -> Result<i64, String> {
    epoch_float_at(value, written, Now::Clock)
}

/// A float as a message shows it: in exponent form when it is huge.
pub fn float_text(value: f64) -> String {
    if value.abs() >= 1e21 {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

fn epoch_float_at(value: f64, written: &str, now: Now) -> Result<i64, String> {
    if !value.is_finite() {
        return Err(format!("timestamp {written} is not a finite number"));
    }
    let (unit, per_second, _) = unit_of(value.abs());
    let seconds = (value / per_second).floor();
    // Beyond ±2^62 seconds no unit gives a date: refuse before converting.
    if seconds.abs() >= 4.6e18 {
        let latest = now.latest(i64::MAX);
        return Err(format!(
            "{}: as {unit} it is billions of years away",
            outside_window("timestamp", written, latest)
        ));
    }
    let seconds = seconds as i64;
    in_window("timestamp", seconds, now, || {
        format!("{written}{}", reading(unit, seconds))
    })
}

/// Parses `2026-05-01`, `2026-05-01T12:34:56`, `2026-05-01 12:34:56.789`,
/// with an optional `Z` or `±HH:MM` offset, or an epoch number, and checks
/// the result against the plausible window (see the module doc).
pub(crate) fn parse_timestamp(text: &str) -> Result<i64, String> {
    parse_timestamp_at(text, Now::Clock)
}

fn parse_timestamp_at(text: &str, now: Now) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(value) = text.parse::<i64>() {
        return epoch_integer_at(value, now);
    }
    if let Ok(value) = text.parse::<f64>() {
        if value.is_finite() {
            return epoch_float_at(value, text, now);
        }
    }
    match parse_iso(text) {
        Some(seconds) => in_window("timestamp", seconds, now, || text.to_string()),
        None => Err(format!("invalid timestamp {text:?} (expected unix seconds or an ISO 8601 date-time such as 2026-05-01T12:00:00Z)")),
    }
}

/// Refuses a model name that holds a control character (NUL, a line break,
/// an escape…): it cannot be shown or typed back, and usually means a
/// corrupt file.
pub fn check_model_name(name: &str) -> Result<(), String> {
    match name.chars().find(|c| c.is_control()) {
        None => Ok(()),
        Some(c) => Err(format!(
            "model name {name:?} contains the control character U+{:04X}",
            c as u32
        )),
    }
}

/// Drops a UTF-8 byte order mark at the start of a text file (some Windows
/// tools write one); every text format accepts it.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
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
pub fn parse_winner(text: &str) -> Result<Outcome, String> {
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
pub fn parse_tokens(text: &str) -> Result<Option<u64>, String> {
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
    fn object(&self, column: &str) -> Option<&serde_json::Map<String, Value>> {
        self.get(column).and_then(Value::as_object)
    }
    fn text_list(&self, column: &str) -> Result<Option<Vec<&str>>, RowProblem> {
        match self.get(column) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .filter(|item| !item.is_null())
                .map(|item| match item {
                    Value::String(s) => Ok(s.as_str()),
                    other => Err(RowProblem::new(
                        column,
                        format!(
                            "expected a list of strings, found {} in it",
                            type_name(other)
                        ),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(RowProblem::new(
                column,
                format!("expected a list of strings, found {}", type_name(other)),
            )),
        }
    }
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
                (Some(i), _) => epoch_integer_seconds(i),
                (None, Some(f)) => epoch_float_seconds(f, &n.to_string()),
                _ => Err(format!("invalid timestamp {n}")),
            }
            .map(Some)
            .map_err(|reason| RowProblem::new(column, reason)),
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
        Result<&Map<String, Value>, RowProblem>,
        u64,
        u64,
    ) -> Result<(), super::IngestError>,
) -> Result<(), super::IngestError> {
    let bytes = std::fs::read(path).map_err(|cause| super::IngestError::Io {
        file: file.to_string(),
        cause,
    })?;
    let total = bytes.len() as u64;
    let text = std::str::from_utf8(&bytes).map(without_bom).map_err(|e| {
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
    fn implausible_times_are_refused_with_the_value_and_the_window() {
        let seconds_now = 1_764_000_000; // 2025-11-24T16:00:00Z
        let now = Now::At(seconds_now);
        let window =
            "the plausible window 2000-01-01T00:00:00Z to 2025-11-25T16:00:00Z (one day past now)";
        let refused = |text: &str| parse_timestamp_at(text, now).unwrap_err();
        assert_eq!(
            refused("9999-12-31T23:59:59Z"),
            format!("timestamp 9999-12-31T23:59:59Z is outside {window}")
        );
        assert_eq!(
            refused("1999-12-31T23:59:59Z"),
            format!("timestamp 1999-12-31T23:59:59Z is outside {window}")
        );
        assert_eq!(
            refused("4611686018427387904"),
            format!("timestamp 4611686018427387904 (read as nanoseconds: 2116-02-20T23:53:38Z) is outside {window}")
        );
        assert_eq!(
            refused(&i64::MIN.to_string()),
            format!("timestamp -9223372036854775808 (read as nanoseconds: 1677-09-21T00:12:43Z) is outside {window}")
        );
        assert!(refused("1e300").starts_with(&format!("timestamp 1e300 is outside {window}")));
        assert!(refused("-1e300").starts_with("timestamp -1e300 is outside"));
        // Seconds in the year 58,000 if read as seconds; milliseconds say 2026.
        assert_eq!(
            parse_timestamp_at("1777636800000.5", Now::At(seconds_now + 200 * 86_400)),
            Ok(1_777_636_800)
        );
        // The window's ends are inside.
        assert_eq!(
            parse_timestamp_at("2000-01-01T00:00:00Z", now),
            Ok(EARLIEST_PLAUSIBLE)
        );
        assert_eq!(
            parse_timestamp_at(&(seconds_now + 86_400).to_string(), now),
            Ok(seconds_now + 86_400)
        );
        assert!(parse_timestamp_at(&(seconds_now + 86_401).to_string(), now).is_err());
        assert_eq!(epoch_integer_at(i64::MAX, now).unwrap_err(),
            format!("timestamp 9223372036854775807 (read as nanoseconds: 2262-04-11T23:47:16Z) is outside {window}"));
        assert_eq!(
            epoch_float_at(f64::NAN, "NaN", now).unwrap_err(),
            "timestamp NaN is not a finite number"
        );
        assert_eq!(float_text(1e300), "1e300");
        assert_eq!(parse_plausible_day_at("2024-08-14", now), Ok(19_949));
        assert_eq!(
            parse_plausible_day_at("9999-12-31", now).unwrap_err(),
            format!("date 9999-12-31 is outside {window}")
        );
        assert!(parse_plausible_day_at("2024-8-14", now)
            .unwrap_err()
            .starts_with("invalid date"));
    }

    #[test]
    fn the_clock_window_follows_the_clock_and_its_cache_never_widens_it() {
        let now = clock_now();
        assert_eq!(parse_timestamp(&now.to_string()), Ok(now));
        assert!(parse_timestamp(&(now + 3 * 86_400).to_string()).is_err());
        assert_eq!(parse_timestamp(&(now - 60).to_string()), Ok(now - 60));
        let seen = LATEST_SEEN.load(std::sync::atomic::Ordering::Relaxed);
        assert!(seen >= now + FUTURE_MARGIN_SECONDS);
        assert!(seen <= clock_now() + FUTURE_MARGIN_SECONDS);
    }

    #[test]
    fn model_names_with_control_characters_and_byte_order_marks() {
        assert_eq!(check_model_name("glm-4.5"), Ok(()));
        assert_eq!(
            check_model_name("glm\u{0}4.5").unwrap_err(),
            "model name \"glm\\04.5\" contains the control character U+0000"
        );
        assert!(check_model_name("a\tb").is_err());
        assert_eq!(without_bom("\u{feff}{}"), "{}");
        assert_eq!(without_bom("{}"), "{}");
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
