//! The frame of `head-to-head`: one row per ordered pair of the chosen
//! models, long form, so a table can colour the win fraction and a heatmap
//! can put A on one axis and B on the other. The diagonal and unplayed
//! pairs carry nulls, not zeros, so a panel draws them as empty cells.

use grafana_plugin_sdk::data::{Frame, VisType};
use grafana_plugin_sdk::prelude::*;
use serde_json::{Map, Value};

use super::{info, metadata, FrameContext};
use arenawatt_engine::HeadToHeadRow;

pub fn head_to_head_frame(
    rows: &[HeadToHeadRow],
    notices: &[String],
    context: &FrameContext,
) -> Frame {
    let mut frame = Frame::new("head-to-head");
    let text = |get: fn(&HeadToHeadRow) -> &str| rows.iter().map(get).collect::<Vec<_>>();
    let rank = |get: fn(&HeadToHeadRow) -> u32| rows.iter().map(get).collect::<Vec<_>>();
    let count = |get: fn(&HeadToHeadRow) -> Option<u64>| rows.iter().map(get).collect::<Vec<_>>();
    let float = |get: fn(&HeadToHeadRow) -> Option<f64>| {
        rows.iter()
            .map(|r| get(r).filter(|v| v.is_finite()))
            .collect::<Vec<_>>()
    };
    frame.add_field(text(|r| r.model_a.as_str()).into_field("model_a"));
    frame.add_field(text(|r| r.display_name_a.as_str()).into_field("display_name_a"));
    frame.add_field(rank(|r| r.rank_a).into_field("rank_a"));
    frame.add_field(text(|r| r.model_b.as_str()).into_field("model_b"));
    frame.add_field(text(|r| r.display_name_b.as_str()).into_field("display_name_b"));
    frame.add_field(rank(|r| r.rank_b).into_field("rank_b"));
    frame.add_field(count(|r| r.battles).into_opt_field("battles"));
    frame.add_field(count(|r| r.wins_a).into_opt_field("wins_a"));
    frame.add_field(count(|r| r.wins_b).into_opt_field("wins_b"));
    frame.add_field(count(|r| r.ties).into_opt_field("ties"));
    frame.add_field(float(|r| r.win_fraction_a).into_opt_field("win_fraction_a"));
    frame.add_field(float(|r| r.predicted_win_a).into_opt_field("predicted_win_a"));
    let mut custom = Map::new();
    let models = rows.iter().filter(|r| r.model_a == r.model_b).count();
    custom.insert("models".into(), Value::from(models));
    let mut all = vec![info(
        "win_fraction_a: A's share of the decisive battles; predicted_win_a: the Bradley-Terry probability from the fitted scores; the diagonal and unplayed pairs are null".to_string(),
    )];
    all.extend(notices.iter().cloned().map(info));
    frame.meta = Some(metadata(custom, all, Some(VisType::Table), context));
    frame
}
