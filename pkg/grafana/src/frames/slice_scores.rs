//! The frame of `slice-scores` ("where each model wins"): one row per model
//! and slice value, long form, so a table or bar chart can group by `slice`
//! or filter to one model. Units are left to the dashboard's overrides (a
//! field's config would cost it its labels in SDK 0.5; these fields have no
//! labels, but the rule is kept the same for every frame of this plugin).

use grafana_plugin_sdk::data::{Frame, VisType};
use grafana_plugin_sdk::prelude::*;
use serde_json::{Map, Value};

use super::{info, metadata, FrameContext};
use arenawatt_engine::SliceScoreRow;

pub fn slice_scores_frame(
    dimension: &str,
    rows: &[SliceScoreRow],
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new("slice-scores");
    let text = |get: fn(&SliceScoreRow) -> &str| rows.iter().map(get).collect::<Vec<_>>();
    frame.add_field(text(|r| r.slice.as_str()).into_field("slice"));
    frame.add_field(text(|r| r.model.as_str()).into_field("model"));
    frame.add_field(text(|r| r.display_name.as_str()).into_field("display_name"));
    frame.add_field(
        rows.iter()
            .map(|r| r.votes)
            .collect::<Vec<_>>()
            .into_field("votes"),
    );
    let float = |get: fn(&SliceScoreRow) -> Option<f64>| {
        rows.iter()
            .map(|r| get(r).filter(|v| v.is_finite()))
            .collect::<Vec<_>>()
    };
    frame.add_field(float(|r| r.bt_score).into_opt_field("bt_score"));
    frame.add_field(float(|r| r.bt_ci_low).into_opt_field("bt_ci_low"));
    frame.add_field(float(|r| r.bt_ci_high).into_opt_field("bt_ci_high"));
    frame.add_field(
        rows.iter()
            .map(|r| r.rank)
            .collect::<Vec<_>>()
            .into_field("rank"),
    );
    frame.add_field(float(|r| r.overall_score).into_opt_field("overall_score"));
    frame.add_field(
        rows.iter()
            .map(|r| r.overall_rank)
            .collect::<Vec<_>>()
            .into_opt_field("overall_rank"),
    );
    frame.add_field(float(|r| r.score_delta).into_opt_field("score_delta"));
    frame.add_field(
        rows.iter()
            .map(|r| r.rank_delta)
            .collect::<Vec<_>>()
            .into_opt_field("rank_delta"),
    );
    let mut custom = Map::new();
    custom.insert("dimension".into(), Value::from(dimension));
    custom.insert("rows".into(), Value::from(rows.len()));
    let mut all = vec![info(format!(
        "one Bradley-Terry fit per {dimension}, each with the same gauge as the overall fit; score_delta compares positions on that gauge"
    ))];
    all.extend(notices.iter().cloned().map(info));
    frame.meta = Some(metadata(custom, all, Some(VisType::Table), context));
    frame
}
