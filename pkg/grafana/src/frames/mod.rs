//! Query results turned into Grafana data frames.
//!
//! The engine answers in plain rows ([`arenawatt_engine::QueryResult`]); Grafana
//! wants columnar frames whose fields carry a type, a display name and a unit.
//! This module is the one place that decides those, so the plugin's frames and
//! the CLI's CSV columns cannot drift apart:
//!
//! - model fields are the engine's column registry,
//!   [`arenawatt_engine::columns::MODEL_COLUMNS`] (the [`ModelRow`] fields, in
//!   order, which are also the CSV columns and JSON keys of `arenawatt query`),
//!   with the registry's units; each value type becomes its SDK field type in
//!   one exhaustive `match` ([`model_field`]);
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

use arenawatt_engine::columns::{Accessor, ModelColumn, MODEL_COLUMNS};
use arenawatt_engine::{ModelRow, QueryResult, QueryType, VariableValue};

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
            style,
        } => {
            let mut frame = model_frame(rows, methodology, zone, notices, context);
            if let (Some(style), Some(meta)) = (style, frame.meta.as_mut()) {
                add_style_meta(meta, style);
            }
            vec![frame]
        }
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
        QueryResult::HeadToHead { rows, notices } => {
            vec![head_to_head::head_to_head_frame(rows, notices, context)]
        }
        QueryResult::Preferences { rows, notices } => {
            vec![reasons::preferences_frame(rows, notices, context)]
        }
        QueryResult::Annotations { rows, notices } => {
            vec![reasons::annotations_frame(rows, notices, context)]
        }
        QueryResult::SliceScores {
            dimension,
            rows,
            notices,
        } => vec![slice_scores::slice_scores_frame(
            dimension, rows, notices, context,
        )],
    }
}

/// Style control's coefficients (each with its interval) in `meta.custom.style`.
fn add_style_meta(meta: &mut Metadata, style: &arenawatt_engine::fitting::StyleSummary) {
    let Ok(value) = serde_json::to_value(style) else {
        return;
    };
    meta.custom
        .get_or_insert_with(Map::new)
        .insert("style".into(), value);
}

fn frame_name(context: &FrameContext, fallback: &str) -> String {
    context
        .query_type
        .map(|t| t.name().to_string())
        .unwrap_or_else(|| fallback.to_string())
}

/// One row per model; one field per column of [`MODEL_COLUMNS`], plus
/// `point_size` in a scatter that can scale it.
pub fn model_frame(
    rows: &[ModelRow],
    methodology: &str,
    zone: &str,
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new(frame_name(context, "models"));
    for column in MODEL_COLUMNS {
        frame.add_field(model_field(column, rows).with_config(field_config(column)));
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

fn field_config(column: &ModelColumn) -> FieldConfig {
    let mut config = FieldConfig::default();
    config.description = Some(format!("{}: {}", column.human_name, column.doc));
    config.unit = column.unit.grafana_id().map(str::to_string);
    config
}

/// One column of the rows as a field of the SDK type its accessor yields;
/// non-finite floats are sent as nulls.
fn model_field(column: &ModelColumn, rows: &[ModelRow]) -> Field {
    let name = column.name;
    match column.accessor {
        Accessor::Text(get) => rows.iter().map(get).collect::<Vec<_>>().into_field(name),
        Accessor::OptionalText(get) => rows
            .iter()
            .map(get)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        Accessor::OptionalFloat(get) => rows
            .iter()
            .map(|row| get(row).filter(|value| value.is_finite()))
            .collect::<Vec<_>>()
            .into_opt_field(name),
        Accessor::Uint8(get) => rows.iter().map(get).collect::<Vec<_>>().into_field(name),
        Accessor::OptionalUint8(get) => rows
            .iter()
            .map(get)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        Accessor::OptionalUint32(get) => rows
            .iter()
            .map(get)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        Accessor::OptionalInt32(get) => rows
            .iter()
            .map(get)
            .collect::<Vec<_>>()
            .into_opt_field(name),
        Accessor::Uint64(get) => rows.iter().map(get).collect::<Vec<_>>().into_field(name),
        Accessor::Boolean(get) => rows.iter().map(get).collect::<Vec<_>>().into_field(name),
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

pub mod head_to_head;
pub mod reasons;
pub mod slice_scores;
pub mod time;

#[cfg(test)]
mod tests;
