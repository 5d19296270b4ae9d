//! Chatbot Arena battles: a JSON array or JSON Lines of objects with
//! `model_a`, `model_b`, `winner` (`model_a`, `model_b`, `tie`,
//! `tie (bothbad)`) and `tstamp` (unix seconds, possibly fractional). The
//! optional `question_id` (or `id`) is the vote id; `language` and an
//! optional `category` (a list, or `|`-separated text) are kept as slices.

use std::path::Path;

use super::collector::{RowProblem, RowVote};
use super::labels;
use super::row::{parse_winner, Row};
use super::{read_votes_with_ids, required, IngestError, IngestOptions, Ingested};

pub const DEFAULT_SOURCE: &str = "chatbot-arena";

const COLUMNS: &[&str] = &[
    "question_id",
    "id",
    "model_a",
    "model_b",
    "winner",
    "tstamp",
    "language",
    "category",
];

fn convert<'r>(row: &'r dyn Row, id: Option<&'r str>) -> Result<Option<RowVote<'r>>, RowProblem> {
    let winner = required(row.text("winner")?, "winner")?;
    Ok(Some(RowVote {
        source_id: id,
        source: None,
        timestamp: required(row.timestamp("tstamp")?, "tstamp")?,
        model_a: required(row.text("model_a")?, "model_a")?,
        model_b: required(row.text("model_b")?, "model_b")?,
        outcome: parse_winner(winner).map_err(|reason| RowProblem::new("winner", reason))?,
        tokens_a: None,
        tokens_b: None,
        categories: labels::borrowed(labels::categories(row, "category")?),
        language: labels::single_of(row, "language")?,
        country: None,
    }))
}

/// Reads a battles file.
pub fn read(path: &Path, options: &IngestOptions<'_>) -> Result<Ingested, IngestError> {
    let required = &["model_a", "model_b", "winner", "tstamp"];
    read_votes_with_ids(
        path,
        options,
        DEFAULT_SOURCE,
        (COLUMNS, required),
        ["question_id", "id"],
        ["model_a", "model_b"],
        convert,
    )
}
