//! The frames of `preferences` (one row per model: answers judged, each
//! qualifier's count and rate, the positive ratio) and `annotations` (the
//! fields Grafana's standard annotation support reads: `time`, `title`,
//! `text`, `tags` as one comma-separated text).
//!
//! Rates are fractions (0–1); dashboards give them the `percentunit` unit.

use grafana_plugin_sdk::data::{Frame, VisType};
use grafana_plugin_sdk::prelude::*;
use serde_json::{Map, Value};

use super::{info, metadata, FrameContext};
use arenawatt_engine::preferences::reason_names;
use arenawatt_engine::{AnnotationRow, PreferenceRow};

pub fn preferences_frame(
    rows: &[PreferenceRow],
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new("preferences");
    frame.add_field(
        rows.iter()
            .map(|r| r.model.as_str())
            .collect::<Vec<_>>()
            .into_field("model"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.display_name.as_str())
            .collect::<Vec<_>>()
            .into_field("display_name"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.judged)
            .collect::<Vec<_>>()
            .into_field("judged"),
    );
    for (i, name) in reason_names().into_iter().enumerate() {
        frame.add_field(
            rows.iter()
                .map(|r| r.counts[i])
                .collect::<Vec<_>>()
                .into_field(name),
        );
    }
    for (i, name) in reason_names().into_iter().enumerate() {
        frame.add_field(
            rows.iter()
                .map(|r| r.rates[i])
                .collect::<Vec<_>>()
                .into_field(format!("{name}_rate")),
        );
    }
    frame.add_field(
        rows.iter()
            .map(|r| r.total_reasons)
            .collect::<Vec<_>>()
            .into_field("total_reasons"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.positive_ratio)
            .collect::<Vec<_>>()
            .into_opt_field("positive_ratio"),
    );
    let mut all = vec![info(
        "<qualifier>_rate: the share of the model's judged answers voters ticked it for; positive_ratio: the positive qualifiers' share of all ticked (compar:IA's positive_prefs_ratio)".to_string(),
    )];
    all.extend(notices.iter().cloned().map(info));
    frame.meta = Some(metadata(Map::new(), all, Some(VisType::Table), context));
    frame
}

pub fn annotations_frame(
    rows: &[AnnotationRow],
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new("annotations");
    frame.add_field(super::time::time_field(
        &rows.iter().map(|r| r.time_ms).collect::<Vec<_>>(),
    ));
    frame.add_field(
        rows.iter()
            .map(|r| r.title.as_str())
            .collect::<Vec<_>>()
            .into_field("title"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.text.as_str())
            .collect::<Vec<_>>()
            .into_field("text"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.tags.join(","))
            .collect::<Vec<_>>()
            .into_field("tags"),
    );
    frame.add_field(
        rows.iter()
            .map(|r| r.votes_added)
            .collect::<Vec<_>>()
            .into_opt_field("votes_added"),
    );
    let mut custom = Map::new();
    custom.insert("events".into(), Value::from(rows.len()));
    let all = notices.iter().cloned().map(info).collect();
    frame.meta = Some(metadata(custom, all, None, context));
    frame
}
