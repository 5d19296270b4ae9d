//! The column registry of a model row: each field of [`ModelRow`] defined
//! once, with its name, value type, unit, human name and doc.
//!
//! A model row leaves the engine in three shapes: Grafana frame fields
//! (`arenawatt-grafana`), CSV columns and JSON keys (`arenawatt query`), and
//! the model-row part of the query-model schema the frontend is checked
//! against ([`crate::schema`]). All of them are derived from
//! [`MODEL_COLUMNS`], so none can drift from another, and no code looks a
//! column up by its name.
//!
//! A column reads its value through an [`Accessor`], a function pointer whose
//! enum variant *is* the value type: the declared type of a column and the
//! values it yields cannot disagree, and a consumer turns each variant into
//! its own output with an exhaustive `match` (no fallback arm). The engine
//! stays plain Rust: the Grafana crate maps the variants to SDK field types,
//! the CLI formats [`ColumnValue`]s.
//!
//! [`ModelRow`]'s derived `Serialize` writes the JSON; a test checks that its
//! keys are the registry's names in the registry's order.

use std::fmt;

use crate::ModelRow;

/// How a column's value is read from a row. The variant is the value type;
/// the integer width is the one the frame field is sent with.
#[derive(Debug, Clone, Copy)]
pub enum Accessor {
    Text(fn(&ModelRow) -> &str),
    OptionalText(fn(&ModelRow) -> Option<&str>),
    /// Floats are always optional: a missing or non-finite figure is null.
    OptionalFloat(fn(&ModelRow) -> Option<f64>),
    Uint8(fn(&ModelRow) -> u8),
    OptionalUint8(fn(&ModelRow) -> Option<u8>),
    OptionalUint32(fn(&ModelRow) -> Option<u32>),
    OptionalInt32(fn(&ModelRow) -> Option<i32>),
    Uint64(fn(&ModelRow) -> u64),
    Boolean(fn(&ModelRow) -> bool),
}

/// The kind of value a column holds, as the schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Float,
    Integer,
    Boolean,
}

impl ValueType {
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Float => "float",
            ValueType::Integer => "integer",
            ValueType::Boolean => "boolean",
        }
    }
}

/// A column's unit. Every column states one: numbers carry a Grafana unit
/// id (`none` for plain numbers, so Grafana does not guess one), text and
/// flags are shown as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A Grafana unit id: `watth`, `massg`, `none`.
    Grafana(&'static str),
    /// Text or a boolean: no unit, Grafana's default display.
    NotNumeric,
}

impl Unit {
    /// The Grafana unit id sent in the field config, if any.
    pub fn grafana_id(self) -> Option<&'static str> {
        match self {
            Unit::Grafana(id) => Some(id),
            Unit::NotNumeric => None,
        }
    }
}

/// One value of a row, for writers that format values (CSV, tables).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnValue<'a> {
    Text(&'a str),
    Float(f64),
    Integer(u64),
    SignedInteger(i64),
    Boolean(bool),
    /// A null: no figure (or no size class) for this row.
    Missing,
}

/// CSV and plain-text form: numbers as Rust prints them, booleans as
/// `true`/`false`, a missing value as the empty string.
impl fmt::Display for ColumnValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnValue::Text(text) => f.write_str(text),
            ColumnValue::Float(value) => write!(f, "{value}"),
            ColumnValue::Integer(value) => write!(f, "{value}"),
            ColumnValue::SignedInteger(value) => write!(f, "{value}"),
            ColumnValue::Boolean(value) => write!(f, "{value}"),
            ColumnValue::Missing => Ok(()),
        }
    }
}

/// One field of a model row.
#[derive(Debug, Clone, Copy)]
pub struct ModelColumn {
    /// The CSV column, frame field and JSON key.
    pub name: &'static str,
    /// Human-readable name, at the start of the frame field's description.
    pub human_name: &'static str,
    pub unit: Unit,
    /// What the value means, with its unit in words.
    pub doc: &'static str,
    /// Whether `arenawatt query --format csv` writes it. The CSV keeps the
    /// columns it has always had; the encodings for Grafana panels
    /// (`size_rank`, `arch_code`) and the `selected` flag are frame and JSON
    /// only.
    pub in_csv: bool,
    pub accessor: Accessor,
}

impl ModelColumn {
    /// The value type and whether the value may be null.
    pub fn value_type(&self) -> (ValueType, bool) {
        match self.accessor {
            Accessor::Text(_) => (ValueType::Text, false),
            Accessor::OptionalText(_) => (ValueType::Text, true),
            Accessor::OptionalFloat(_) => (ValueType::Float, true),
            Accessor::Uint8(_) | Accessor::Uint64(_) => (ValueType::Integer, false),
            Accessor::OptionalUint8(_)
            | Accessor::OptionalUint32(_)
            | Accessor::OptionalInt32(_) => (ValueType::Integer, true),
            Accessor::Boolean(_) => (ValueType::Boolean, false),
        }
    }

    /// This column's value in `row`.
    pub fn value<'a>(&self, row: &'a ModelRow) -> ColumnValue<'a> {
        let integer = |value: Option<u64>| value.map_or(ColumnValue::Missing, ColumnValue::Integer);
        match self.accessor {
            Accessor::Text(get) => ColumnValue::Text(get(row)),
            Accessor::OptionalText(get) => get(row).map_or(ColumnValue::Missing, ColumnValue::Text),
            Accessor::OptionalFloat(get) => {
                get(row).map_or(ColumnValue::Missing, ColumnValue::Float)
            }
            Accessor::Uint8(get) => ColumnValue::Integer(get(row).into()),
            Accessor::OptionalUint8(get) => integer(get(row).map(u64::from)),
            Accessor::OptionalUint32(get) => integer(get(row).map(u64::from)),
            Accessor::OptionalInt32(get) => get(row).map_or(ColumnValue::Missing, |v| {
                ColumnValue::SignedInteger(v.into())
            }),
            Accessor::Uint64(get) => ColumnValue::Integer(get(row)),
            Accessor::Boolean(get) => ColumnValue::Boolean(get(row)),
        }
    }
}

const fn column(
    name: &'static str,
    human_name: &'static str,
    unit: Unit,
    doc: &'static str,
    accessor: Accessor,
) -> ModelColumn {
    ModelColumn {
        name,
        human_name,
        unit,
        doc,
        in_csv: true,
        accessor,
    }
}

/// A column that only frames and JSON carry (see [`ModelColumn::in_csv`]).
const fn frame_only(column: ModelColumn) -> ModelColumn {
    ModelColumn {
        in_csv: false,
        ..column
    }
}

use Accessor::{
    Boolean, OptionalFloat, OptionalInt32, OptionalText, OptionalUint32, OptionalUint8, Text,
    Uint64, Uint8,
};
use Unit::{Grafana, NotNumeric};

/// Plain numbers: Grafana's `none` keeps it from guessing a unit.
const PLAIN: Unit = Grafana("none");

/// The fields of `scatter`, `leaderboard` and `model` rows, in the order of
/// the frames, the CSV and the JSON.
#[rustfmt::skip]
pub const MODEL_COLUMNS: &[ModelColumn] = &[
    column("model", "Model id", NotNumeric, "catalog id of the model", Text(|r| r.model.as_str())),
    column("display_name", "Model", NotNumeric, "human-readable model name", Text(|r| r.display_name.as_str())),
    column("organization", "Organization", NotNumeric, "who publishes the model", Text(|r| r.organization.as_str())),
    column("license", "License", NotNumeric, "open licence name, or proprietary", Text(|r| r.license.as_str())),
    column("architecture", "Architecture", NotNumeric, "dense, moe, matformer or unknown", Text(|r| r.architecture.as_str())),
    column("size_class", "Size class", NotNumeric, "XS <15B, S <60B, M <100B, L <400B, XL ≥400B total parameters", OptionalText(|r| r.size_class.as_deref())),
    frame_only(column("size_rank", "Size rank", PLAIN, "size class as a number, 1 (XS) to 5 (XL), for point size", OptionalUint8(|r| r.size_rank))),
    frame_only(column("arch_code", "Architecture code", PLAIN, "1 dense, 2 moe, 3 matformer, 0 unknown, for colour", Uint8(|r| r.arch_code))),
    column("total_params_b", "Total parameters", PLAIN, "total parameters, billions", OptionalFloat(|r| r.total_params_b)),
    column("active_params_b", "Active parameters", PLAIN, "parameters active per token, billions", OptionalFloat(|r| r.active_params_b)),
    column("votes", "Votes", PLAIN, "votes involving the model in the selected data", Uint64(|r| r.votes)),
    column("bt_score", "BT score", PLAIN, "Bradley–Terry satisfaction score (scores average 1000 unless anchored)", OptionalFloat(|r| r.bt_score)),
    column("bt_ci_low", "BT CI low", PLAIN, "lower bound of the BT score's confidence interval", OptionalFloat(|r| r.bt_ci_low)),
    column("bt_ci_high", "BT CI high", PLAIN, "upper bound of the BT score's confidence interval", OptionalFloat(|r| r.bt_ci_high)),
    frame_only(column("bt_score_raw", "BT score (raw)", PLAIN, "the plain Bradley–Terry fit's score, style not controlled", OptionalFloat(|r| r.bt_score_raw))),
    frame_only(column("bt_score_controlled", "BT score (style-controlled)", PLAIN, "the score with the answers' length and markdown held equal; null unless style is controlled", OptionalFloat(|r| r.bt_score_controlled))),
    column("rank", "Rank", PLAIN, "rank by BT score (1 = most liked)", OptionalUint32(|r| r.rank)),
    column("rank_low", "Rank (best)", PLAIN, "best rank compatible with the confidence intervals", OptionalUint32(|r| r.rank_low)),
    column("rank_high", "Rank (worst)", PLAIN, "worst rank compatible with the confidence intervals", OptionalUint32(|r| r.rank_high)),
    column("rank_overall", "Rank overall", PLAIN, "with a slice filter: the model's rank over all votes with the same other filters; null without one", OptionalUint32(|r| r.rank_overall)),
    column("rank_delta", "Rank change", PLAIN, "with a slice filter: rank overall minus rank in the slice (positive: ranks better in the slice)", OptionalInt32(|r| r.rank_delta)),
    column("rank_ub", "Rank (UB)", PLAIN, "LMArena's rank: 1 + the number of models whose lower bound is above this model's upper bound, so statistically tied models share it", OptionalUint32(|r| r.rank_ub)),
    column("tier", "Class", PLAIN, "score class, 1 = best: a class runs while the models' upper bounds reach the lower bound of its first model (at most 8)", OptionalUint32(|r| r.tier)),
    column("wh_per_1k_tokens", "Energy per 1000 tokens", Grafana("watth"), "estimated energy to generate 1000 output tokens, Wh (mean of the range)", OptionalFloat(|r| r.wh_per_1k_tokens)),
    column("wh_min", "Energy per 1000 tokens (min)", Grafana("watth"), "low end of the energy estimate, Wh", OptionalFloat(|r| r.wh_min)),
    column("wh_max", "Energy per 1000 tokens (max)", Grafana("watth"), "high end of the energy estimate, Wh", OptionalFloat(|r| r.wh_max)),
    column("gco2e_per_1k_tokens", "Emissions per 1000 tokens", Grafana("massg"), "estimated greenhouse gas emissions for 1000 output tokens, gCO2e", OptionalFloat(|r| r.gco2e_per_1k_tokens)),
    column("energy_class", "Energy class", NotNumeric, "compar:IA's energy label of wh_per_1k_tokens per million output tokens: A < 100 Wh, B < 300, C < 1,000, D < 3,000, E < 10,000, F above; null with null energy", OptionalText(|r| r.energy_class)),
    column("energy_methodology", "Energy methodology", NotNumeric, "methodology profile behind the energy figures", Text(|r| r.energy_methodology.as_str())),
    column("energy_note", "Energy note", NotNumeric, "why energy is missing, or that parameters are estimated", Text(|r| r.energy_note.as_str())),
    column("pareto", "Pareto frontier", NotNumeric, "no other model is both more liked and more frugal", Boolean(|r| r.pareto)),
    frame_only(column("selected", "Selected", NotNumeric, "listed in the query's selected key", Boolean(|r| r.selected))),
];

/// The columns `arenawatt query --format csv` writes, in order.
pub fn csv_columns() -> impl Iterator<Item = &'static ModelColumn> {
    MODEL_COLUMNS.iter().filter(|column| column.in_csv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn row() -> ModelRow {
        ModelRow {
            model: "glm-4.5".into(),
            display_name: "GLM 4.5".into(),
            organization: "Zhipu".into(),
            license: "MIT".into(),
            architecture: "moe".into(),
            size_class: Some("L".into()),
            size_rank: Some(4),
            arch_code: 2,
            total_params_b: Some(355.0),
            active_params_b: Some(32.0),
            votes: 1234,
            bt_score: Some(1012.5),
            bt_ci_low: None,
            bt_ci_high: Some(1024.0),
            rank: Some(3),
            rank_low: Some(1),
            rank_high: None,
            rank_overall: Some(5),
            rank_delta: Some(-2),
            rank_ub: Some(1),
            tier: Some(2),
            wh_per_1k_tokens: Some(2.5),
            wh_min: Some(1.25),
            wh_max: Some(3.75),
            gco2e_per_1k_tokens: Some(1.0),
            energy_class: Some("E"),
            energy_methodology: "ecologits-0.11".into(),
            energy_note: String::new(),
            pareto: true,
            selected: false,
            bt_score_controlled: None,
            bt_score_raw: None,
        }
    }

    #[test]
    fn no_column_name_is_duplicated() {
        let mut seen = BTreeSet::new();
        for column in MODEL_COLUMNS {
            assert!(
                seen.insert(column.name),
                "column {:?} is listed twice",
                column.name
            );
        }
        assert_eq!(seen.len(), 32, "a model row has 32 fields");
    }

    #[test]
    fn numbers_have_a_grafana_unit_and_text_and_flags_none() {
        for column in MODEL_COLUMNS {
            let (value_type, _) = column.value_type();
            let numeric = matches!(value_type, ValueType::Float | ValueType::Integer);
            match column.unit {
                Unit::Grafana(id) => {
                    assert!(
                        numeric,
                        "{}: a {} column has unit {id}",
                        column.name,
                        value_type.name()
                    );
                    assert!(!id.is_empty(), "{}: empty unit id", column.name);
                }
                Unit::NotNumeric => assert!(
                    !numeric,
                    "{}: a number without a unit decision",
                    column.name
                ),
            }
        }
        let unit = |name: &str| {
            MODEL_COLUMNS
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.unit)
        };
        assert_eq!(unit("wh_per_1k_tokens"), Some(Grafana("watth")));
        assert_eq!(unit("gco2e_per_1k_tokens"), Some(Grafana("massg")));
        assert_eq!(unit("bt_score"), Some(Grafana("none")));
    }

    #[test]
    fn every_column_has_a_human_name_and_a_doc() {
        for column in MODEL_COLUMNS {
            assert!(
                !column.human_name.trim().is_empty(),
                "{}: no human name",
                column.name
            );
            assert!(!column.doc.trim().is_empty(), "{}: no doc", column.name);
            assert_ne!(
                column.human_name, column.name,
                "{}: the human name repeats the id",
                column.name
            );
        }
    }

    #[test]
    fn the_csv_keeps_its_24_columns_in_order() {
        let names: Vec<&str> = csv_columns().map(|c| c.name).collect();
        assert_eq!(
            names.join(","),
            "model,display_name,organization,license,architecture,size_class,total_params_b,active_params_b,votes,bt_score,bt_ci_low,bt_ci_high,rank,rank_low,rank_high,rank_overall,rank_delta,rank_ub,tier,wh_per_1k_tokens,wh_min,wh_max,gco2e_per_1k_tokens,energy_class,energy_methodology,energy_note,pareto"
        );
    }

    /// The keys of a JSON object in the order they were written
    /// (`serde_json::Value` sorts them).
    struct KeysInOrder(Vec<String>);

    impl<'de> serde::Deserialize<'de> for KeysInOrder {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Keys;
            impl<'de> serde::de::Visitor<'de> for Keys {
                type Value = KeysInOrder;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<KeysInOrder, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(KeysInOrder(keys))
                }
            }
            deserializer.deserialize_map(Keys)
        }
    }

    #[test]
    fn serde_keys_are_the_registry_names_in_order() {
        let text = serde_json::to_string(&row()).unwrap();
        let KeysInOrder(keys) = serde_json::from_str(&text).unwrap();
        let names: Vec<&str> = MODEL_COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(
            keys, names,
            "ModelRow's fields (serde order) vs MODEL_COLUMNS"
        );
    }

    #[test]
    fn each_value_is_the_json_value_of_its_field() {
        let row = row();
        let json = serde_json::to_value(&row).unwrap();
        for column in MODEL_COLUMNS {
            let expected = &json[column.name];
            let (value_type, optional) = column.value_type();
            let value = column.value(&row);
            let as_json = match value {
                ColumnValue::Text(text) => serde_json::json!(text),
                ColumnValue::Float(number) => serde_json::json!(number),
                ColumnValue::Integer(number) => serde_json::json!(number),
                ColumnValue::SignedInteger(number) => serde_json::json!(number),
                ColumnValue::Boolean(flag) => serde_json::json!(flag),
                ColumnValue::Missing => {
                    assert!(optional, "{}: missing but not optional", column.name);
                    serde_json::Value::Null
                }
            };
            assert_eq!(&as_json, expected, "{}", column.name);
            let declared = match value {
                ColumnValue::Text(_) => Some(ValueType::Text),
                ColumnValue::Float(_) => Some(ValueType::Float),
                ColumnValue::Integer(_) | ColumnValue::SignedInteger(_) => Some(ValueType::Integer),
                ColumnValue::Boolean(_) => Some(ValueType::Boolean),
                ColumnValue::Missing => None,
            };
            if let Some(declared) = declared {
                assert_eq!(declared, value_type, "{}", column.name);
            }
        }
    }

    #[test]
    fn csv_text_of_values() {
        let row = row();
        let text: Vec<String> = csv_columns().map(|c| c.value(&row).to_string()).collect();
        assert_eq!(
            text.join(","),
            "glm-4.5,GLM 4.5,Zhipu,MIT,moe,L,355,32,1234,1012.5,,1024,3,1,,5,-2,1,2,2.5,1.25,3.75,1,E,ecologits-0.11,,true"
        );
    }
}
