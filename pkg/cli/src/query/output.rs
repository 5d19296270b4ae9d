//! Output of query results: aligned tables (every number with its unit),
//! CSV with fixed headers for tools, and JSON. Notices go to stderr for CSV
//! and JSON, so standard output stays machine-readable.
//!
//! Model rows' CSV columns and values come from the engine's column registry
//! ([`arenawatt_engine::columns`]), their JSON from `ModelRow`'s serde form
//! (whose keys the registry's tests hold to the registry). The table is a
//! reading layout of its own: a few columns, the CI as one cell, fixed
//! decimals.

use std::io::Write;

use arenawatt_engine::columns::csv_columns;
use arenawatt_engine::preferences::reason_names;
use arenawatt_engine::time::format_seconds;
use arenawatt_engine::{HeadToHeadRow, ModelRow, PreferenceRow, QueryResult};

use super::OutputFormat;

/// The CSV header of trend rows.
pub const TREND_CSV_HEADER: [&str; 5] = ["time", "model", "bt_score", "bt_ci_low", "bt_ci_high"];
/// The CSV header of energy-trend rows.
pub const ENERGY_TREND_CSV_HEADER: [&str; 10] = [
    "time",
    "model",
    "output_tokens",
    "sides_with_tokens",
    "sides_without_tokens",
    "tokens_without_energy",
    "wh",
    "gco2e",
    "wh_per_1k_tokens",
    "energy_methodology",
];
/// The CSV header of regression rows.
pub const REGRESSION_CSV_HEADER: [&str; 4] = ["model", "organization", "metric", "value"];
/// The columns of `head-to-head` CSV, one per [`HeadToHeadRow`] field.
pub const HEAD_TO_HEAD_CSV_HEADER: [&str; 12] = [
    "model_a",
    "display_name_a",
    "rank_a",
    "model_b",
    "display_name_b",
    "rank_b",
    "battles",
    "wins_a",
    "wins_b",
    "ties",
    "win_fraction_a",
    "predicted_win_a",
];

fn optional_count(value: Option<u64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn head_to_head_record(r: &HeadToHeadRow) -> [String; 12] {
    [
        r.model_a.clone(),
        r.display_name_a.clone(),
        r.rank_a.to_string(),
        r.model_b.clone(),
        r.display_name_b.clone(),
        r.rank_b.to_string(),
        optional_count(r.battles),
        optional_count(r.wins_a),
        optional_count(r.wins_b),
        optional_count(r.ties),
        number(r.win_fraction_a),
        number(r.predicted_win_a),
    ]
}

/// The columns of `preferences` CSV: the model, the answers judged, each
/// qualifier's count and rate, the total and the positive ratio.
pub fn preferences_csv_header() -> Vec<String> {
    let mut header = vec!["model".to_string(), "display_name".into(), "judged".into()];
    for name in reason_names() {
        header.push(name.to_string());
        header.push(format!("{name}_rate"));
    }
    header.push("total_reasons".into());
    header.push("positive_ratio".into());
    header
}

fn preference_record(r: &PreferenceRow) -> Vec<String> {
    let mut record = vec![
        r.model.clone(),
        r.display_name.clone(),
        r.judged.to_string(),
    ];
    for (count, rate) in r.counts.iter().zip(r.rates) {
        record.push(count.to_string());
        record.push(rate.to_string());
    }
    record.push(r.total_reasons.to_string());
    record.push(number(r.positive_ratio));
    record
}

/// The CSV header of `annotations` rows.
pub const ANNOTATIONS_CSV_HEADER: [&str; 5] = ["time", "title", "text", "tags", "votes_added"];

pub const SLICE_SCORES_CSV_HEADER: [&str; 12] = [
    "slice",
    "model",
    "display_name",
    "votes",
    "bt_score",
    "bt_ci_low",
    "bt_ci_high",
    "rank",
    "overall_score",
    "overall_rank",
    "score_delta",
    "rank_delta",
];

fn slice_score_record(r: &arenawatt_engine::SliceScoreRow) -> [String; 12] {
    [
        r.slice.clone(),
        r.model.clone(),
        r.display_name.clone(),
        r.votes.to_string(),
        number(r.bt_score),
        number(r.bt_ci_low),
        number(r.bt_ci_high),
        r.rank.to_string(),
        number(r.overall_score),
        r.overall_rank.map(|v| v.to_string()).unwrap_or_default(),
        number(r.score_delta),
        r.rank_delta.map(|v| v.to_string()).unwrap_or_default(),
    ]
}

/// The CSV header of model rows (`scatter`, `leaderboard`, `model`): the
/// registry's CSV columns.
pub fn model_csv_header() -> Vec<&'static str> {
    csv_columns().map(|column| column.name).collect()
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn whole<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn time_of(ms: i64) -> String {
    format_seconds(ms.div_euclid(1000))
}

/// One CSV record of a model row, in [`model_csv_header`] order.
pub fn model_csv_record(row: &ModelRow) -> Vec<String> {
    csv_columns()
        .map(|column| column.value(row).to_string())
        .collect()
}

/// Writes a result as CSV: a header, then one record per row, quoted by the
/// `csv` crate where a field needs it.
fn write_csv(out: &mut impl Write, result: &QueryResult) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    match result {
        QueryResult::Models { rows, .. } => {
            writer.write_record(model_csv_header())?;
            for row in rows {
                writer.write_record(model_csv_record(row))?;
            }
        }
        QueryResult::Variable { values } => {
            writer.write_record(["text", "value"])?;
            for v in values {
                writer.write_record([&v.text, &v.value])?;
            }
        }
        QueryResult::Trend { rows, .. } => {
            writer.write_record(TREND_CSV_HEADER)?;
            for r in rows {
                writer.write_record([
                    time_of(r.time_ms),
                    r.model.clone(),
                    r.bt_score.to_string(),
                    number(r.bt_ci_low),
                    number(r.bt_ci_high),
                ])?;
            }
        }
        QueryResult::EnergyTrend { rows, .. } => {
            writer.write_record(ENERGY_TREND_CSV_HEADER)?;
            for r in rows {
                writer.write_record([
                    time_of(r.time_ms),
                    r.model.clone(),
                    r.output_tokens.to_string(),
                    r.sides_with_tokens.to_string(),
                    r.sides_without_tokens.to_string(),
                    r.tokens_without_energy.to_string(),
                    number(r.wh),
                    number(r.gco2e),
                    number(r.wh_per_1k_tokens),
                    r.energy_methodology.clone(),
                ])?;
            }
        }
        QueryResult::Regression { rows, .. } => {
            writer.write_record(REGRESSION_CSV_HEADER)?;
            for r in rows {
                writer.write_record([
                    r.model.clone(),
                    r.organization.clone(),
                    r.metric.clone(),
                    r.value.to_string(),
                ])?;
            }
        }
        QueryResult::HeadToHead { rows, .. } => {
            writer.write_record(HEAD_TO_HEAD_CSV_HEADER)?;
            for r in rows {
                writer.write_record(head_to_head_record(r))?;
            }
        }
        QueryResult::Preferences { rows, .. } => {
            writer.write_record(preferences_csv_header())?;
            for r in rows {
                writer.write_record(preference_record(r))?;
            }
        }
        QueryResult::Annotations { rows, .. } => {
            writer.write_record(ANNOTATIONS_CSV_HEADER)?;
            for r in rows {
                writer.write_record([
                    time_of(r.time_ms),
                    r.title.clone(),
                    r.text.clone(),
                    r.tags.join(","),
                    whole(r.votes_added),
                ])?;
            }
        }
        QueryResult::SliceScores { rows, .. } => {
            writer.write_record(SLICE_SCORES_CSV_HEADER)?;
            for r in rows {
                writer.write_record(slice_score_record(r))?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

fn notices(result: &QueryResult) -> &[String] {
    match result {
        QueryResult::Models { notices, .. }
        | QueryResult::Trend { notices, .. }
        | QueryResult::EnergyTrend { notices, .. }
        | QueryResult::Regression { notices, .. }
        | QueryResult::SliceScores { notices, .. }
        | QueryResult::HeadToHead { notices, .. }
        | QueryResult::Preferences { notices, .. }
        | QueryResult::Annotations { notices, .. } => notices,
        QueryResult::Variable { .. } => &[],
    }
}

/// Aligns cells into columns; numeric columns (`right`) are right-aligned.
pub fn align(header: &[&str], right: &[bool], rows: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = widths[i].saturating_sub(c.chars().count());
                if right.get(i).copied().unwrap_or(false) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.push(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  "),
    );
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value
        .map(|v| format!("{v:.decimals$}"))
        .unwrap_or_else(|| "-".into())
}

/// The table of model rows: BT score with its CI, votes, energy and emissions.
pub fn models_table(rows: &[ModelRow], methodology: &str, zone: &str) -> Vec<String> {
    let header = [
        "rank",
        "model",
        "organization",
        "size",
        "votes",
        "BT score",
        "95% CI",
        "Wh/1k tokens",
        "gCO2e/1k tokens",
        "pareto",
        "energy note",
    ];
    let right = [
        true, false, false, false, true, true, false, true, true, false, false,
    ];
    let sliced = rows.iter().any(|r| r.rank_overall.is_some());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                whole(r.rank),
                r.model.clone(),
                r.organization.clone(),
                r.size_class.clone().unwrap_or_else(|| "-".into()),
                r.votes.to_string(),
                fixed(r.bt_score, 1),
                match (r.bt_ci_low, r.bt_ci_high) {
                    (Some(l), Some(h)) => format!("[{l:.1}, {h:.1}]"),
                    _ => "-".into(),
                },
                fixed(r.wh_per_1k_tokens, 3),
                fixed(r.gco2e_per_1k_tokens, 3),
                if r.pareto { "*".into() } else { String::new() },
                r.energy_note.clone(),
            ];
            if sliced {
                cells.insert(1, r.rank_delta.map_or("-".into(), signed));
            }
            cells
        })
        .collect();
    let (mut header, mut right) = (header.to_vec(), right.to_vec());
    if sliced {
        header.insert(1, "Δ rank");
        right.insert(1, true);
    }
    let mut lines = align(&header, &right, &cells);
    if sliced {
        lines.push(
            "Δ rank: rank over all votes minus rank in the slice (+: ranks better in the slice)."
                .into(),
        );
    }
    lines.push(format!(
        "BT score: Bradley-Terry, 400 points per factor 10 in odds. Energy: Wh and gCO2e per 1000 output tokens, methodology {methodology}, electricity zone {zone}. pareto *: no other model has a higher BT score for less energy."
    ));
    lines
}

fn table(result: &QueryResult) -> Vec<String> {
    match result {
        QueryResult::Models {
            rows,
            methodology,
            zone,
            ..
        } => models_table(rows, methodology, zone),
        QueryResult::Variable { values } => align(
            &["text", "value"],
            &[false, false],
            &values
                .iter()
                .map(|v| vec![v.text.clone(), v.value.clone()])
                .collect::<Vec<_>>(),
        ),
        QueryResult::Trend { rows, .. } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        time_of(r.time_ms)[..10].to_string(),
                        r.model.clone(),
                        format!("{:.1}", r.bt_score),
                        match (r.bt_ci_low, r.bt_ci_high) {
                            (Some(l), Some(h)) => format!("[{l:.1}, {h:.1}]"),
                            _ => "-".into(),
                        },
                        r.votes.to_string(),
                    ]
                })
                .collect();
            let mut lines = align(
                &["day", "model", "BT score", "95% CI", "votes"],
                &[false, false, true, false, true],
                &cells,
            );
            lines.push(
                "day: start of the step (UTC); the score uses the votes up to the end of the step."
                    .into(),
            );
            lines
        }
        QueryResult::EnergyTrend {
            rows,
            methodology,
            zone,
            ..
        } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        time_of(r.time_ms)[..10].to_string(),
                        r.model.clone(),
                        r.output_tokens.to_string(),
                        fixed(r.wh, 3),
                        fixed(r.gco2e, 3),
                        fixed(r.wh_per_1k_tokens, 3),
                        r.sides_without_tokens.to_string(),
                        r.tokens_without_energy.to_string(),
                    ]
                })
                .collect();
            let mut lines = align(
                &[
                    "day",
                    "model",
                    "output tokens",
                    "Wh",
                    "gCO2e",
                    "Wh/1k tokens",
                    "answers without tokens",
                    "tokens without energy",
                ],
                &[false, false, true, true, true, true, true, true],
                &cells,
            );
            lines.push(format!("Energy of the voted answers' output tokens, methodology {methodology}, electricity zone {zone}."));
            lines
        }
        QueryResult::Regression { rows, windows, .. } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.model.clone(),
                        r.organization.clone(),
                        r.metric.clone(),
                        format!("{:.3}", r.value),
                    ]
                })
                .collect();
            let mut lines = align(
                &["model", "organization", "metric", "value"],
                &[false, false, false, true],
                &cells,
            );
            lines.push(format!(
                "latest window {} to {}, previous {} to {}. bt_delta: BT points; bt_z: standard errors (sandwich); rank_delta: places gained; wh_delta_pct: % change of Wh per 1000 tokens.",
                windows.latest_from, windows.latest_to, windows.previous_from, windows.previous_to
            ));
            lines
        }
        QueryResult::SliceScores {
            dimension, rows, ..
        } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.slice.clone(),
                        r.model.clone(),
                        r.votes.to_string(),
                        r.rank.to_string(),
                        fixed(r.bt_score, 1),
                        match (r.bt_ci_low, r.bt_ci_high) {
                            (Some(l), Some(h)) => format!("[{l:.1}, {h:.1}]"),
                            _ => "-".into(),
                        },
                        fixed(r.overall_score, 1),
                        fixed(r.score_delta, 1),
                        r.rank_delta.map_or("-".into(), signed),
                    ]
                })
                .collect();
            let mut lines = align(
                &[
                    dimension.as_str(),
                    "model",
                    "votes",
                    "rank",
                    "BT score",
                    "95% CI",
                    "overall",
                    "Δ score",
                    "Δ rank",
                ],
                &[false, false, true, true, true, false, true, true, true],
                &cells,
            );
            lines.push(format!(
                "One fit per {dimension}, gauged like the overall fit. Δ score: score here minus overall score; Δ rank: overall rank minus rank here (+: better here)."
            ));
            lines
        }
        QueryResult::Preferences { rows, .. } => {
            let percent = |rate: f64| format!("{:.1}%", rate * 100.0);
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let mut cells = vec![r.model.clone(), r.judged.to_string()];
                    cells.extend(r.rates.iter().map(|&rate| percent(rate)));
                    cells.push(r.positive_ratio.map_or("-".into(), percent));
                    cells
                })
                .collect();
            let mut header = vec!["model", "judged"];
            header.extend(reason_names());
            header.push("positive");
            let mut right = vec![true; header.len()];
            right[0] = false;
            let mut lines = align(&header, &right, &cells);
            lines.push(
                "Each qualifier: the share of the model's judged answers the voters ticked it for. positive: the positive qualifiers' share of all ticked (compar:IA's positive_prefs_ratio).".to_string(),
            );
            lines
        }
        QueryResult::Annotations { rows, .. } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| vec![time_of(r.time_ms), r.title.clone(), r.text.clone()])
                .collect();
            align(&["time", "event", "what"], &[false, false, false], &cells)
        }
        QueryResult::HeadToHead { rows, .. } => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .filter(|r| r.model_a != r.model_b)
                .map(|r| {
                    vec![
                        r.model_a.clone(),
                        r.model_b.clone(),
                        optional_count(r.battles),
                        format!(
                            "{}-{}-{}",
                            optional_count(r.wins_a),
                            optional_count(r.ties),
                            optional_count(r.wins_b)
                        ),
                        fixed(r.win_fraction_a, 3),
                        fixed(r.predicted_win_a, 3),
                    ]
                })
                .collect();
            let mut lines = align(
                &[
                    "model A",
                    "model B",
                    "battles",
                    "A-tie-B",
                    "A wins",
                    "BT predicts",
                ],
                &[false, false, true, false, true, true],
                &cells,
            );
            lines.push(
                "A wins: A's share of the decisive battles; BT predicts: the fitted scores' probability that A wins one.".to_string(),
            );
            lines
        }
    }
}

/// `+2`, `-1`, `0`.
fn signed(value: i32) -> String {
    if value > 0 {
        format!("+{value}")
    } else {
        value.to_string()
    }
}

/// Writes a result in a format; notices go to stderr except in tables.
pub fn write(
    out: &mut impl Write,
    result: &QueryResult,
    format: OutputFormat,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, result)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => write_csv(out, result)?,
        OutputFormat::Table => {
            for line in table(result) {
                writeln!(out, "{line}")?;
            }
            for notice in notices(result) {
                writeln!(out, "note: {notice}")?;
            }
            return Ok(());
        }
    }
    for notice in notices(result) {
        eprintln!("note: {notice}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arenawatt_engine::columns::MODEL_COLUMNS;
    use arenawatt_engine::VariableValue;

    fn row() -> ModelRow {
        ModelRow {
            model: "llama-3.1-70b".into(),
            display_name: "Llama \"3.1\", 70B".into(),
            organization: "Meta".into(),
            license: "Llama 3.1".into(),
            architecture: "dense".into(),
            size_class: None,
            size_rank: None,
            arch_code: 1,
            total_params_b: Some(70.0),
            active_params_b: Some(70.0),
            votes: 42,
            bt_score: Some(1003.25),
            bt_ci_low: Some(990.5),
            bt_ci_high: Some(1016.0),
            rank: Some(2),
            rank_low: Some(1),
            rank_high: Some(4),
            rank_overall: None,
            rank_delta: None,
            rank_ub: Some(1),
            tier: Some(1),
            wh_per_1k_tokens: Some(0.5),
            wh_min: None,
            wh_max: None,
            gco2e_per_1k_tokens: Some(0.25),
            energy_class: Some("C"),
            energy_methodology: "ecologits-0.11".into(),
            energy_note: "estimated parameters\nsee catalog".into(),
            pareto: false,
            selected: true,
            bt_score_controlled: None,
            bt_score_raw: None,
        }
    }

    fn csv_text(result: &QueryResult) -> String {
        let mut out = Vec::new();
        write_csv(&mut out, result).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn model_csv_quotes_only_fields_that_need_it_and_skips_frame_only_columns() {
        let result = QueryResult::Models {
            rows: vec![row()],
            methodology: "ecologits-0.11".into(),
            zone: "WOR".into(),
            notices: Vec::new(),
            style: None,
        };
        let text = csv_text(&result);
        let (header, record) = text.split_once('\n').unwrap();
        assert_eq!(header, model_csv_header().join(","));
        assert_eq!(header.split(',').count(), MODEL_COLUMNS.len() - 5);
        assert_eq!(
            record,
            "llama-3.1-70b,\"Llama \"\"3.1\"\", 70B\",Meta,Llama 3.1,dense,,70,70,42,1003.25,990.5,1016,2,1,4,,,1,1,0.5,,,0.25,C,ecologits-0.11,\"estimated parameters\nsee catalog\",false\n"
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let read = reader.records().next().unwrap().unwrap();
        assert_eq!(&read[1], "Llama \"3.1\", 70B");
        assert_eq!(&read[25], "estimated parameters\nsee catalog");
    }

    #[test]
    fn variable_csv_has_text_and_value() {
        let result = QueryResult::Variable {
            values: vec![VariableValue {
                text: "Mistral, small".into(),
                value: "mistral-small".into(),
            }],
        };
        assert_eq!(
            csv_text(&result),
            "text,value\n\"Mistral, small\",mistral-small\n"
        );
    }
}
