//! Query results turned into Grafana data frames.
//!
//! The engine answers in plain rows ([`arenawatt_engine::QueryResult`]); Grafana
//! wants columnar frames whose fields carry a type, a display name and a unit.
//! This module is the one place that decides those, so the plugin's frames and
//! the CLI's CSV columns cannot drift apart:
//!
//! - field names are exactly the CSV columns of `arenawatt query` (the
//!   [`ModelRow`] fields, in order), listed with their display names and units
//!   in [`MODEL_COLUMNS`];
//! - energy fields carry Grafana units (`watth`, `massg`), BT scores none;
//! - the human-readable name of each field is in its config's description,
//!   not in `displayName`/`displayNameFromDS`: Grafana's regex matchers, the
//!   `organize` transform and table sorting match *display* names, so a
//!   display name from the data source would silently break every dashboard,
//!   override and alert rule that names a field by its CSV column. Dashboards
//!   set their own display names in overrides;
//! - every frame names its energy methodology and zone in `meta.custom` and in
//!   an info notice, so a panel never shows a Wh figure without its method.
//!
//! SDK 0.5 writes a field's `labels` *or* its `config` when both are set, not
//! both: fields here carry config and no labels. Labelled series (trends) keep
//! their units in dashboard overrides instead.

use grafana_plugin_sdk::data::{Field, FieldConfig, Frame, Metadata, Notice, Severity, VisType};
use grafana_plugin_sdk::prelude::*;
use serde_json::{Map, Value};

use arenawatt_engine::{ModelRow, QueryResult, QueryType, VariableValue};

/// The Arrow type a column is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// UTF-8 string.
    Text,
    /// Float64.
    Float,
    /// Unsigned integer (uint8, uint32 or uint64).
    Integer,
    Boolean,
}

/// One field of a model frame: its name (the CSV column), its human-readable
/// name and unit.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: ColumnKind,
    pub display_name: &'static str,
    /// Grafana unit id; `None` leaves Grafana's default.
    pub unit: Option<&'static str>,
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    kind: ColumnKind,
    display_name: &'static str,
    unit: Option<&'static str>,
    description: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        display_name,
        unit,
        description,
    }
}

use ColumnKind::{Boolean, Float, Integer, Text};

/// The fields of `scatter`, `leaderboard` and `model` frames, in CSV order.
pub const MODEL_COLUMNS: &[ColumnSpec] = &[
    col("model", Text, "Model id", None, "catalog id of the model"),
    col(
        "display_name",
        Text,
        "Model",
        None,
        "human-readable model name",
    ),
    col(
        "organization",
        Text,
        "Organization",
        None,
        "who publishes the model",
    ),
    col(
        "license",
        Text,
        "License",
        None,
        "open licence name, or proprietary",
    ),
    col(
        "architecture",
        Text,
        "Architecture",
        None,
        "dense, moe, matformer or unknown",
    ),
    col(
        "size_class",
        Text,
        "Size class",
        None,
        "XS <15B, S <60B, M <100B, L <400B, XL ≥400B total parameters",
    ),
    col(
        "size_rank",
        Integer,
        "Size rank",
        Some("none"),
        "size class as a number, 1 (XS) to 5 (XL), for point size",
    ),
    col(
        "arch_code",
        Integer,
        "Architecture code",
        Some("none"),
        "1 dense, 2 moe, 3 matformer, 0 unknown, for colour",
    ),
    col(
        "total_params_b",
        Float,
        "Total parameters",
        Some("none"),
        "total parameters, billions",
    ),
    col(
        "active_params_b",
        Float,
        "Active parameters",
        Some("none"),
        "parameters active per token, billions",
    ),
    col(
        "votes",
        Integer,
        "Votes",
        Some("none"),
        "votes involving the model in the selected data",
    ),
    col(
        "bt_score",
        Float,
        "BT score",
        Some("none"),
        "Bradley–Terry satisfaction score (scores average 1000 unless anchored)",
    ),
    col(
        "bt_ci_low",
        Float,
        "BT CI low",
        Some("none"),
        "lower bound of the BT score's confidence interval",
    ),
    col(
        "bt_ci_high",
        Float,
        "BT CI high",
        Some("none"),
        "upper bound of the BT score's confidence interval",
    ),
    col(
        "rank",
        Integer,
        "Rank",
        Some("none"),
        "rank by BT score (1 = most liked)",
    ),
    col(
        "rank_low",
        Integer,
        "Rank (best)",
        Some("none"),
        "best rank compatible with the confidence intervals",
    ),
    col(
        "rank_high",
        Integer,
        "Rank (worst)",
        Some("none"),
        "worst rank compatible with the confidence intervals",
    ),
    col(
        "wh_per_1k_tokens",
        Float,
        "Energy per 1000 tokens",
        Some("watth"),
        "estimated energy to generate 1000 output tokens, Wh (mean of the range)",
    ),
    col(
        "wh_min",
        Float,
        "Energy per 1000 tokens (min)",
        Some("watth"),
        "low end of the energy estimate, Wh",
    ),
    col(
        "wh_max",
        Float,
        "Energy per 1000 tokens (max)",
        Some("watth"),
        "high end of the energy estimate, Wh",
    ),
    col(
        "gco2e_per_1k_tokens",
        Float,
        "Emissions per 1000 tokens",
        Some("massg"),
        "estimated greenhouse gas emissions for 1000 output tokens, gCO2e",
    ),
    col(
        "energy_methodology",
        Text,
        "Energy methodology",
        None,
        "methodology profile behind the energy figures",
    ),
    col(
        "energy_note",
        Text,
        "Energy note",
        None,
        "why energy is missing, or that parameters are estimated",
    ),
    col(
        "pareto",
        Boolean,
        "Pareto frontier",
        None,
        "no other model is both more liked and more frugal",
    ),
    col(
        "selected",
        Boolean,
        "Selected",
        None,
        "listed in the query's selected key",
    ),
];

/// The model columns, in CSV order.
pub fn model_columns() -> impl Iterator<Item = &'static ColumnSpec> {
    MODEL_COLUMNS.iter()
}

/// Errors turning a result into frames.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("frame {frame:?}: {source}")]
    Invalid {
        frame: String,
        source: grafana_plugin_sdk::data::Error,
    },
}

/// Context that goes into every frame's metadata.
#[derive(Debug, Clone, Default)]
pub struct FrameContext {
    pub query_type: Option<QueryType>,
    /// The normalised query, shown in Grafana's query inspector.
    pub executed_query: Option<String>,
}

/// Turns one query result into the frames Grafana receives.
pub fn to_frames(result: &QueryResult, context: &FrameContext) -> Vec<Frame> {
    match result {
        QueryResult::Models {
            rows,
            methodology,
            zone,
            notices,
        } => vec![model_frame(rows, methodology, zone, notices, context)],
        QueryResult::Variable { values } => vec![variable_frame(values, context)],
        QueryResult::Trend {
            rows,
            include_ci,
            step_days,
            notices,
        } => vec![time::trend_frame(
            rows,
            *include_ci,
            *step_days,
            notices,
            context,
        )],
        QueryResult::EnergyTrend {
            rows,
            methodology,
            zone,
            notices,
        } => vec![time::energy_trend_frame(
            rows,
            methodology,
            zone,
            notices,
            context,
        )],
        QueryResult::Regression {
            rows,
            windows,
            notices,
        } => vec![time::regression_frame(rows, windows, notices, context)],
    }
}

fn frame_name(context: &FrameContext, fallback: &str) -> String {
    context
        .query_type
        .map(|t| t.name().to_string())
        .unwrap_or_else(|| fallback.to_string())
}

/// One row per model; fields as in [`MODEL_COLUMNS`].
pub fn model_frame(
    rows: &[ModelRow],
    methodology: &str,
    zone: &str,
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new(frame_name(context, "models"));
    for spec in model_columns() {
        frame.add_field(model_field(spec, rows).with_config(field_config(spec)));
    }
    if context.query_type == Some(QueryType::Scatter) {
        if let Some(field) = point_size_field(rows) {
            frame.add_field(field);
        }
    }
    let mut custom = Map::new();
    custom.insert("methodology".into(), Value::from(methodology));
    custom.insert("zone".into(), Value::from(zone));
    custom.insert("models".into(), Value::from(rows.len()));
    let mut frame_notices = vec![info(format!(
        "energy figures follow methodology {methodology}, electricity zone {zone}"
    ))];
    frame_notices.extend(notices.iter().map(|text| info(text.clone())));
    let preferred = match context.query_type {
        Some(QueryType::Leaderboard) | Some(QueryType::Model) => Some(VisType::Table),
        _ => None,
    };
    frame.meta = Some(metadata(custom, frame_notices, preferred, context));
    frame
}

fn metadata(
    custom: Map<String, Value>,
    notices: Vec<Notice>,
    preferred: Option<VisType>,
    context: &FrameContext,
) -> Metadata {
    let mut meta = Metadata::default();
    let mut custom = custom;
    if let Some(t) = context.query_type {
        custom.insert("queryType".into(), Value::from(t.name()));
    }
    meta.custom = Some(custom);
    meta.notices = (!notices.is_empty()).then_some(notices);
    meta.preferred_visualisation = preferred;
    meta.executed_query_string = context.executed_query.clone();
    meta
}

fn info(text: String) -> Notice {
    let mut notice = Notice::new(text);
    notice.severity = Some(Severity::Info);
    notice
}

fn field_config(spec: &ColumnSpec) -> FieldConfig {
    let mut config = FieldConfig::default();
    config.description = Some(format!("{}: {}", spec.display_name, spec.description));
    config.unit = spec.unit.map(str::to_string);
    config
}

fn model_field(spec: &ColumnSpec, rows: &[ModelRow]) -> Field {
    let name = spec.name;
    let text = |f: fn(&ModelRow) -> &str| rows.iter().map(f).collect::<Vec<_>>().into_field(name);
    let float = |f: fn(&ModelRow) -> Option<f64>| {
        rows.iter()
            .map(|r| f(r).filter(|v| v.is_finite()))
            .collect::<Vec<_>>()
            .into_opt_field(name)
    };
    match name {
        "model" => text(|r| &r.model),
        "display_name" => text(|r| &r.display_name),
        "organization" => text(|r| &r.organization),
        "license" => text(|r| &r.license),
        "architecture" => text(|r| &r.architecture),
        "size_class" => rows
            .iter()
            .map(|r| r.size_class.as_deref())
            .collect::<Vec<_>>()
            .into_opt_field(name),
        "size_rank" => rows
            .iter()
            .map(|r| r.size_rank)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        "arch_code" => rows
            .iter()
            .map(|r| r.arch_code)
            .collect::<Vec<_>>()
            .into_field(name),
        "total_params_b" => float(|r| r.total_params_b),
        "active_params_b" => float(|r| r.active_params_b),
        "votes" => rows
            .iter()
            .map(|r| r.votes)
            .collect::<Vec<_>>()
            .into_field(name),
        "bt_score" => float(|r| r.bt_score),
        "bt_ci_low" => float(|r| r.bt_ci_low),
        "bt_ci_high" => float(|r| r.bt_ci_high),
        "rank" => rows
            .iter()
            .map(|r| r.rank)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        "rank_low" => rows
            .iter()
            .map(|r| r.rank_low)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        "rank_high" => rows
            .iter()
            .map(|r| r.rank_high)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        "wh_per_1k_tokens" => float(|r| r.wh_per_1k_tokens),
        "wh_min" => float(|r| r.wh_min),
        "wh_max" => float(|r| r.wh_max),
        "gco2e_per_1k_tokens" => float(|r| r.gco2e_per_1k_tokens),
        "energy_methodology" => text(|r| &r.energy_methodology),
        "energy_note" => text(|r| &r.energy_note),
        "pareto" => rows
            .iter()
            .map(|r| r.pareto)
            .collect::<Vec<_>>()
            .into_field(name),
        "selected" => rows
            .iter()
            .map(|r| r.selected)
            .collect::<Vec<_>>()
            .into_field(name),
        // Unreachable for the names in MODEL_COLUMNS; an empty field keeps
        // the frame valid if the two ever disagree (the tests catch it).
        _ => Vec::<&str>::new().into_field(name),
    }
}

/// The name of the scatter's point-size field; see [`point_size_field`].
pub const POINT_SIZE: &str = "point_size";

/// `point_size`: the size class (1 XS .. 5 XL) of each point, present only
/// when the rows hold at least two size classes and none is missing.
///
/// Grafana's xychart scales a size field's values across their own min–max:
/// when every value is equal (one size class shown, one model) or missing,
/// that range is zero and every diameter is NaN, so no point is drawn or can
/// be hovered. Without this field the panel draws its fixed point size, which
/// is the honest picture when there is nothing to compare. `size_rank` keeps
/// the class in every frame for tables and tooltips.
fn point_size_field(rows: &[ModelRow]) -> Option<Field> {
    let ranks: Option<Vec<u8>> = rows.iter().map(|r| r.size_rank).collect();
    let ranks = ranks?;
    let first = *ranks.first()?;
    if ranks.iter().all(|&r| r == first) {
        return None;
    }
    let mut config = FieldConfig::default();
    config.description = Some(
        "Point size: size class as a number, 1 (XS) to 5 (XL); sent only when the points hold two classes or more"
            .to_string(),
    );
    config.unit = Some("none".to_string());
    Some(ranks.into_field(POINT_SIZE).with_config(config))
}

/// `text` and `value` string fields, as Grafana's variable support expects.
pub fn variable_frame(values: &[VariableValue], context: &FrameContext) -> Frame {
    let mut frame = Frame::new(frame_name(context, "variable"));
    frame.add_field(
        values
            .iter()
            .map(|v| v.text.as_str())
            .collect::<Vec<_>>()
            .into_field("text"),
    );
    frame.add_field(
        values
            .iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>()
            .into_field("value"),
    );
    frame.meta = Some(metadata(Map::new(), Vec::new(), None, context));
    frame
}

/// Checks a frame (equal field lengths) so the SDK can serialise it.
pub fn check(frame: &Frame) -> Result<grafana_plugin_sdk::data::CheckedFrame<'_>, FrameError> {
    frame.check().map_err(|source| FrameError::Invalid {
        frame: frame.name.clone(),
        source,
    })
}

pub mod time;

#[cfg(test)]
mod tests;
