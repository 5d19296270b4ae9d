//! The data source instance settings (`jsonData`): which store to read and the
//! query defaults (methodology, zone, PUE, WUE, ties, CI, bootstrap rounds).
//!
//! Parsing is lenient like the query model: unknown keys are ignored, missing
//! or empty keys take their defaults, and numbers typed into a text box
//! (`"1.2"`) are accepted. A value that cannot work is an error naming the key,
//! which the health check shows to the Grafana admin.

use std::path::PathBuf;

use serde_json::{Map, Value};

use arenawatt_core::energy::Methodology;
use arenawatt_core::rating::CiMethod;
use arenawatt_engine::QueryDefaults;

/// Key under which the protocol layer stores the reason jsonData was not JSON.
pub const INVALID_JSON_DATA_KEY: &str = "__arenawatt_invalid_json_data";

/// Parsed instance settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSourceSettings {
    /// The SQLite store; `None`: the bundled demo data.
    pub path: Option<PathBuf>,
    /// `readOnly`: open the store `immutable=1`, for a store in a read-only
    /// folder (no `-shm` file can be created there).
    pub read_only: bool,
    pub defaults: QueryDefaults,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("data source settings are not a JSON object: {0}")]
    NotAnObject(String),
    #[error("data source setting {key:?}: {reason}")]
    BadValue { key: String, reason: String },
}

fn bad(key: &str, reason: impl Into<String>) -> SettingsError {
    SettingsError::BadValue {
        key: key.to_string(),
        reason: reason.into(),
    }
}

/// Keys read from `jsonData`; every other key is ignored.
pub const SETTING_KEYS: [&str; 9] = [
    "path",
    "readOnly",
    "methodology",
    "zone",
    "pue",
    "wue",
    "ties",
    "ci",
    "bootstrapRounds",
];

impl DataSourceSettings {
    /// Reads `jsonData`. An empty or null document gives the defaults.
    pub fn from_json(json_data: &Value) -> Result<Self, SettingsError> {
        let object = match json_data {
            Value::Null => Map::new(),
            Value::Object(map) => map.clone(),
            other => return Err(SettingsError::NotAnObject(other.to_string())),
        };
        if let Some(reason) = object.get(INVALID_JSON_DATA_KEY) {
            return Err(SettingsError::NotAnObject(
                reason.as_str().unwrap_or_default().to_string(),
            ));
        }
        let mut known = Map::new();
        for key in SETTING_KEYS {
            match object.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) if s.trim().is_empty() => {}
                Some(value) => {
                    known.insert(key.to_string(), normalise(key, value.clone())?);
                }
            }
        }
        let path = match known.remove("path") {
            None => None,
            Some(Value::String(s)) => Some(PathBuf::from(s.trim())),
            Some(other) => return Err(bad("path", format!("expected a file path, got {other}"))),
        };
        let read_only = match known.remove("readOnly") {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(Value::String(s)) if s == "true" => true,
            Some(Value::String(s)) if s == "false" => false,
            Some(other) => {
                return Err(bad(
                    "readOnly",
                    format!("expected true or false, got {other}"),
                ))
            }
        };
        let mut defaults = QueryDefaults::default();
        for (key, value) in known {
            apply(&mut defaults, &key, value)?;
        }
        Ok(DataSourceSettings {
            path,
            read_only,
            defaults,
        })
    }

    /// Checks what can be checked without the store: methodology, zone and
    /// the numeric ranges. Used by the health check.
    pub fn validate(&self) -> Result<Methodology, SettingsError> {
        let d = &self.defaults;
        let methodology: Methodology = d
            .methodology
            .parse()
            .map_err(|e: arenawatt_core::energy::EnergyError| bad("methodology", e.to_string()))?;
        let zones = arenawatt_core::energy::zones(methodology);
        if !zones.is_empty() && !zones.iter().any(|z| z == &d.zone) {
            let suggestions = closest(&d.zone, &zones);
            return Err(bad(
                "zone",
                format!(
                    "unknown electricity zone {:?} for {}; closest valid codes: {}",
                    d.zone,
                    methodology.name(),
                    suggestions
                ),
            ));
        }
        if !(d.pue.is_finite() && d.pue >= 1.0) {
            return Err(bad("pue", format!("{} is not a PUE (must be ≥ 1)", d.pue)));
        }
        if !(d.wue.is_finite() && d.wue >= 0.0) {
            return Err(bad(
                "wue",
                format!("{} is not a WUE (must be ≥ 0 L/kWh)", d.wue),
            ));
        }
        if d.ci == CiMethod::Bootstrap && d.bootstrap_rounds == 0 {
            return Err(bad(
                "bootstrapRounds",
                "bootstrap CIs need at least 1 round",
            ));
        }
        Ok(methodology)
    }
}

/// Turns numbers typed as strings into numbers, for the numeric keys.
fn normalise(key: &str, value: Value) -> Result<Value, SettingsError> {
    let numeric = matches!(key, "pue" | "wue" | "bootstrapRounds");
    match value {
        Value::String(s) if numeric => {
            let text = s.trim();
            if key == "bootstrapRounds" {
                text.parse::<u32>()
                    .map(Value::from)
                    .map_err(|_| bad(key, format!("{s:?} is not a whole number")))
            } else {
                text.parse::<f64>()
                    .map(Value::from)
                    .map_err(|_| bad(key, format!("{s:?} is not a number")))
            }
        }
        Value::String(s) => Ok(Value::String(s.trim().to_string())),
        other => Ok(other),
    }
}

fn apply(defaults: &mut QueryDefaults, key: &str, value: Value) -> Result<(), SettingsError> {
    let shown = value.to_string();
    let err = |e: serde_json::Error| bad(key, format!("{shown}: {e}"));
    match key {
        "methodology" => defaults.methodology = serde_json::from_value(value).map_err(err)?,
        "zone" => defaults.zone = serde_json::from_value(value).map_err(err)?,
        "pue" => defaults.pue = serde_json::from_value(value).map_err(err)?,
        "wue" => defaults.wue = serde_json::from_value(value).map_err(err)?,
        "ties" => defaults.ties = serde_json::from_value(value).map_err(err)?,
        "ci" => defaults.ci = serde_json::from_value(value).map_err(err)?,
        "bootstrapRounds" => {
            defaults.bootstrap_rounds = serde_json::from_value(value).map_err(err)?
        }
        _ => {}
    }
    Ok(())
}

/// Up to three codes sharing the longest prefix with `zone`.
fn closest(zone: &str, zones: &[String]) -> String {
    let upper = zone.to_ascii_uppercase();
    let mut scored: Vec<(usize, &String)> = zones
        .iter()
        .map(|z| {
            let common = z
                .chars()
                .zip(upper.chars())
                .take_while(|(a, b)| a == b)
                .count();
            (common, z)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .iter()
        .take(3)
        .map(|(_, z)| z.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arenawatt_core::rating::TiePolicy;
    use serde_json::json;

    #[test]
    fn empty_settings_give_the_demo_and_defaults() {
        let s = DataSourceSettings::from_json(&json!({})).unwrap();
        assert_eq!(s.path, None);
        assert_eq!(s.defaults, QueryDefaults::default());
        let s = DataSourceSettings::from_json(&json!({"path": "  ", "zone": ""})).unwrap();
        assert_eq!(s.path, None);
        assert_eq!(s.defaults.zone, "WOR");
    }

    #[test]
    fn settings_are_read_leniently() {
        let s = DataSourceSettings::from_json(&json!({
            "path": "/data/arena.sqlite",
            "methodology": "ecologits-0.8",
            "zone": "FRA",
            "pue": "1.2",
            "wue": 0.5,
            "ties": "drop",
            "ci": "bootstrap",
            "bootstrapRounds": "50",
            "somethingElse": {"x": 1}
        }))
        .unwrap();
        assert_eq!(s.path, Some(PathBuf::from("/data/arena.sqlite")));
        assert!(!s.read_only);
        assert!(
            DataSourceSettings::from_json(&json!({"readOnly": true}))
                .unwrap()
                .read_only
        );
        assert!(
            DataSourceSettings::from_json(&json!({"readOnly": "true"}))
                .unwrap()
                .read_only
        );
        let e = DataSourceSettings::from_json(&json!({"readOnly": 2})).unwrap_err();
        assert!(e.to_string().contains("\"readOnly\""), "{e}");
        assert_eq!(s.defaults.methodology, "ecologits-0.8");
        assert_eq!(s.defaults.zone, "FRA");
        assert_eq!(s.defaults.pue, 1.2);
        assert_eq!(s.defaults.wue, 0.5);
        assert_eq!(s.defaults.ties, TiePolicy::Drop);
        assert_eq!(s.defaults.ci, CiMethod::Bootstrap);
        assert_eq!(s.defaults.bootstrap_rounds, 50);
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = DataSourceSettings::from_json(&json!({"pue": "fast"})).unwrap_err();
        assert!(e.to_string().contains("\"pue\""), "{e}");
        assert!(e.to_string().contains("fast"), "{e}");
        let e = DataSourceSettings::from_json(&json!({"ties": "sometimes"})).unwrap_err();
        assert!(e.to_string().contains("\"ties\""), "{e}");
        let e = DataSourceSettings::from_json(&json!({"path": 3})).unwrap_err();
        assert!(e.to_string().contains("\"path\""), "{e}");
        let e = DataSourceSettings::from_json(&json!([1])).unwrap_err();
        assert!(matches!(e, SettingsError::NotAnObject(_)));
    }

    #[test]
    fn validation_rejects_what_cannot_work() {
        let s = DataSourceSettings::from_json(&json!({"methodology": "ecologits-9"})).unwrap();
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("ecologits-9"));
        let s = DataSourceSettings::from_json(&json!({"pue": 0.5})).unwrap();
        assert!(s.validate().unwrap_err().to_string().contains("\"pue\""));
        let s = DataSourceSettings::from_json(&json!({"ci": "bootstrap", "bootstrapRounds": 0}))
            .unwrap();
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .contains("bootstrapRounds"));
    }
}
