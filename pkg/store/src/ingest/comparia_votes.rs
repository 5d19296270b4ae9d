//! compar:IA's `votes` dataset (parquet, or JSON Lines with the same fields).
//!
//! Each row is one vote between `model_a_name` and `model_b_name`:
//! `both_equal = true` is a tie (then `chosen_model_name` is null), otherwise
//! `chosen_model_name` names the winner. The vote id is
//! `conversation_pair_id` (falling back to `id`), which also joins the
//! `conversations` dataset carrying each side's output tokens
//! (see [`super::comparia_conversations`]). `timestamp` is an epoch in
//! nanoseconds in the published files (any epoch unit or ISO text is accepted).
//! The voter's qualifiers of each answer, `conv_useful_a` … `conv_instructions_not_followed_b`,
//! are kept per side ([`crate::reasons`]).

use std::collections::HashMap;
use std::path::Path;

use super::collector::{RowProblem, RowVote};
use super::comparia_conversations::ConversationFacts;
use super::labels;
use super::row::Row;
use super::{read_votes_with_ids, required, IngestError, IngestOptions, Ingested};
use crate::reasons::Reasons;
use crate::Outcome;

/// The source compar:IA votes are stored under unless `--source` says otherwise.
pub const DEFAULT_SOURCE: &str = "comparia";

const COLUMNS: &[&str] = &[
    "conversation_pair_id",
    "id",
    "timestamp",
    "model_a_name",
    "model_b_name",
    "chosen_model_name",
    "both_equal",
    "selected_category",
    "total_conv_a_output_tokens",
    "total_conv_b_output_tokens",
    // Voters' reasons: `conv_<qualifier>_<side>` (see `crate::reasons`).
    "conv_useful_a",
    "conv_useful_b",
    "conv_creative_a",
    "conv_creative_b",
    "conv_clear_formatting_a",
    "conv_clear_formatting_b",
    "conv_complete_a",
    "conv_complete_b",
    "conv_incorrect_a",
    "conv_incorrect_b",
    "conv_superficial_a",
    "conv_superficial_b",
    "conv_instructions_not_followed_a",
    "conv_instructions_not_followed_b",
];

/// The qualifier columns of one side, in the order of [`crate::reasons::REASONS`].
const REASON_COLUMNS: [[&str; 7]; 2] = [
    [
        "conv_useful_a",
        "conv_creative_a",
        "conv_clear_formatting_a",
        "conv_complete_a",
        "conv_incorrect_a",
        "conv_superficial_a",
        "conv_instructions_not_followed_a",
    ],
    [
        "conv_useful_b",
        "conv_creative_b",
        "conv_clear_formatting_b",
        "conv_complete_b",
        "conv_incorrect_b",
        "conv_superficial_b",
        "conv_instructions_not_followed_b",
    ],
];

/// The voter's qualifiers of one side (not judged when every column is
/// absent or null).
fn side_reasons(row: &dyn Row, columns: &[&str; 7]) -> Result<Reasons, RowProblem> {
    let mut marks = [None; 7];
    for (mark, column) in marks.iter_mut().zip(columns) {
        *mark = row.boolean(column)?;
    }
    Ok(Reasons::from_marks(marks))
}
const REQUIRED: &[&str] = &[
    "timestamp",
    "model_a_name",
    "model_b_name",
    "chosen_model_name",
];

fn outcome(row: &dyn Row, model_a: &str, model_b: &str) -> Result<Outcome, RowProblem> {
    if row.boolean("both_equal")? == Some(true) {
        return Ok(Outcome::Tie);
    }
    match row.text("chosen_model_name")? {
        Some(chosen) if chosen == model_a => Ok(Outcome::A),
        Some(chosen) if chosen == model_b => Ok(Outcome::B),
        Some(chosen) => Err(RowProblem::new(
            "chosen_model_name",
            format!("{chosen:?} is neither model_a_name {model_a:?} nor model_b_name {model_b:?}"),
        )),
        None => Err(RowProblem::new(
            "chosen_model_name",
            "no winner: chosen_model_name is null and both_equal is not true",
        )),
    }
}

fn token_column(row: &dyn Row, column: &str) -> Result<Option<u64>, RowProblem> {
    match row.integer(column)? {
        None => Ok(None),
        Some(t) if t >= 0 => Ok(Some(t as u64)),
        Some(t) => Err(RowProblem::new(column, format!("negative token count {t}"))),
    }
}

fn convert<'r>(
    row: &'r dyn Row,
    id: Option<&'r str>,
    tokens: Option<&HashMap<String, ConversationFacts>>,
) -> Result<Option<RowVote<'r>>, RowProblem> {
    let model_a = required(row.text("model_a_name")?, "model_a_name")?;
    let model_b = required(row.text("model_b_name")?, "model_b_name")?;
    let joined = match (tokens, id) {
        (Some(map), Some(id)) => map.get(id),
        _ => None,
    };
    let joined_categories: &[String] = joined.map_or(&[], |facts| &facts.categories);
    let (joined_a, joined_b) = joined.map_or((None, None), |f| (f.tokens_a, f.tokens_b));
    Ok(Some(RowVote {
        source_id: id,
        source: None,
        timestamp: required(row.timestamp("timestamp")?, "timestamp")?,
        model_a,
        model_b,
        outcome: outcome(row, model_a, model_b)?,
        tokens_a: token_column(row, "total_conv_a_output_tokens")?.or(joined_a),
        tokens_b: token_column(row, "total_conv_b_output_tokens")?.or(joined_b),
        // The category the voter chose, and those of the joined conversation.
        categories: labels::union(
            labels::categories(row, "selected_category")?,
            joined_categories,
        ),
        language: None,
        country: None,
        reasons: [
            side_reasons(row, &REASON_COLUMNS[0])?,
            side_reasons(row, &REASON_COLUMNS[1])?,
        ],
        markdown: crate::markdown::Markdown::default(),
    }))
}

/// Reads a votes file; `tokens` (from the conversations file) attaches each
/// side's output tokens through `conversation_pair_id`.
pub fn read(
    path: &Path,
    options: &IngestOptions<'_>,
    tokens: Option<&HashMap<String, ConversationFacts>>,
) -> Result<Ingested, IngestError> {
    read_votes_with_ids(
        path,
        options,
        DEFAULT_SOURCE,
        (COLUMNS, REQUIRED),
        ["conversation_pair_id", "id"],
        ["model_a_name", "model_b_name"],
        |row, id| convert(row, id, tokens),
    )
}
