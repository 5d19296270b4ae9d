//! Dates as the query model spells them, turned into the store's unit: whole
//! UTC days since 1970-01-01.
//!
//! `from`/`to` accept `YYYY-MM-DD`, RFC 3339, epoch milliseconds, `now`,
//! `now-Nd`, and Grafana's `$__from`/`$__to` macros. The engine replaces the
//! macros itself, from the time range Grafana passes, because alert queries
//! never pass through the frontend that would normally interpolate them.

use chrono::{DateTime, NaiveDate};

use super::TimeRange;

pub const MS_PER_DAY: i64 = 86_400_000;
pub const SECONDS_PER_DAY: i64 = 86_400;

/// Which end of a range a date names: `to` includes its whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    From,
    To,
}

impl Bound {
    fn key(self) -> &'static str {
        match self {
            Bound::From => "from",
            Bound::To => "to",
        }
    }
}

/// Day number (days since the epoch, UTC) of a Unix time in milliseconds.
pub fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY)
}

/// Day number of a Unix time in seconds.
pub fn day_of_seconds(seconds: i64) -> i64 {
    seconds.div_euclid(SECONDS_PER_DAY)
}

/// Today's day number (UTC).
pub fn today() -> i64 {
    day_of_ms(chrono::Utc::now().timestamp_millis())
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    DateTime::from_timestamp(day * SECONDS_PER_DAY, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("day {day}"))
}

/// RFC 3339 (UTC, seconds) of a Unix time in seconds.
pub fn format_seconds(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| seconds.to_string())
}

/// Day number of a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<i64> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((date - epoch).num_days())
}

/// Resolves one `from`/`to` value to a day number. `None` input = unbounded.
/// Errors are lowercase and name the key and the bad value.
pub fn resolve_bound(
    value: Option<&str>,
    bound: Bound,
    time_range: Option<TimeRange>,
) -> Result<Option<i64>, String> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let key = bound.key();
    let macro_ms = |name: &str, pick: fn(TimeRange) -> i64| {
        time_range.map(pick).ok_or_else(|| {
            format!("{key}: {name} needs a time range, and none was given (outside Grafana, use a date such as 2026-01-31)")
        })
    };
    let ms = match raw {
        "$__from" | "${__from}" => macro_ms(raw, |r| r.from_ms)?,
        "$__to" | "${__to}" => macro_ms(raw, |r| r.to_ms)?,
        "now" => chrono::Utc::now().timestamp_millis(),
        _ if raw.starts_with("now-") => {
            let days = raw["now-".len()..]
                .strip_suffix('d')
                .and_then(|n| n.parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    format!("{key}: cannot read {raw:?} (relative dates are now-Nd, e.g. now-30d)")
                })?;
            days.checked_mul(MS_PER_DAY)
                .and_then(|ms| chrono::Utc::now().timestamp_millis().checked_sub(ms))
                .ok_or_else(|| format!("{key}: {raw:?} reaches before any representable date"))?
        }
        _ if raw.bytes().all(|b| b.is_ascii_digit()) => raw
            .parse::<i64>()
            .map_err(|_| format!("{key}: epoch milliseconds {raw:?} out of range"))?,
        _ => {
            if let Some(day) = parse_date(raw) {
                return Ok(Some(day));
            }
            let parsed = DateTime::parse_from_rfc3339(raw).map_err(|_| {
                format!(
                    "{key}: cannot read date {raw:?} (expected YYYY-MM-DD, RFC 3339, epoch milliseconds, now-Nd or ${key_macro})",
                    key_macro = if bound == Bound::From { "__from" } else { "__to" }
                )
            })?;
            parsed.timestamp_millis()
        }
    };
    Ok(Some(day_of_ms(ms)))
}

/// The step of a time series in whole days: 1 (day), 7 (week), or Grafana's
/// interval rounded up to whole days.
pub fn step_days(step: super::Step, interval_ms: Option<u64>) -> u32 {
    match step {
        super::Step::Day => 1,
        super::Step::Week => 7,
        super::Step::Auto => match interval_ms {
            Some(ms) if ms > 0 => (ms.div_ceil(MS_PER_DAY as u64)).clamp(1, 3660) as u32,
            _ => 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_form_resolve_to_days() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(
            resolve_bound(Some("2024-08-14"), Bound::From, None),
            Ok(Some(19949))
        );
        assert_eq!(
            resolve_bound(Some("2024-08-14T23:59:59Z"), Bound::To, None),
            Ok(Some(19949))
        );
        assert_eq!(
            resolve_bound(Some("1723680000000"), Bound::From, None),
            Ok(Some(19950))
        );
        let range = TimeRange {
            from_ms: 19949 * MS_PER_DAY + 5,
            to_ms: 19960 * MS_PER_DAY + 5,
        };
        assert_eq!(
            resolve_bound(Some("$__from"), Bound::From, Some(range)),
            Ok(Some(19949))
        );
        assert_eq!(
            resolve_bound(Some("${__to}"), Bound::To, Some(range)),
            Ok(Some(19960))
        );
        assert_eq!(resolve_bound(None, Bound::To, Some(range)), Ok(None));
        assert_eq!(format_day(19949), "2024-08-14");
    }

    #[test]
    fn bad_dates_name_the_key_and_value() {
        let error = resolve_bound(Some("yesterday"), Bound::From, None).unwrap_err();
        assert!(
            error.starts_with("from:") && error.contains("\"yesterday\""),
            "{error}"
        );
        let error = resolve_bound(Some("$__to"), Bound::To, None).unwrap_err();
        assert!(error.contains("needs a time range"), "{error}");
        let error = resolve_bound(Some("now-9223372036854775807d"), Bound::From, None).unwrap_err();
        assert!(
            error.starts_with("from: \"now-9223372036854775807d\" reaches before"),
            "{error}"
        );
    }

    #[test]
    fn auto_step_rounds_up_to_days() {
        assert_eq!(step_days(super::super::Step::Auto, Some(3_600_000)), 1);
        assert_eq!(
            step_days(super::super::Step::Auto, Some(2 * 86_400_000 + 1)),
            3
        );
        assert_eq!(step_days(super::super::Step::Week, None), 7);
    }
}
