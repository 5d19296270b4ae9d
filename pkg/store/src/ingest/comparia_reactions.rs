//! compar:IA's `reactions` dataset (parquet, or JSON Lines): likes and
//! dislikes on single messages. Each reaction counts as one match between the
//! two models of the conversation: a like is a win for the liked side
//! (`model_pos` `a` or `b`, else the side named by `refers_to_model`), a
//! dislike a loss. A row with neither is read but counts no match. The
//! reaction's qualifiers (`useful` … `instructions_not_followed`) are kept
//! for the answer it is about ([`crate::reasons`]).
//!
//! Reactions are stored under their own source, so a query can include or
//! exclude them. They carry no token counts in the store: several reactions
//! share one conversation, and counting its tokens once per reaction would
//! overstate the traffic.

use std::path::Path;

use super::collector::{RowProblem, RowVote};
use super::labels;
use super::row::Row;
use super::{read_votes_with_ids, required, IngestError, IngestOptions, Ingested};
use crate::reasons::{Reasons, REASONS};
use crate::Outcome;

pub const DEFAULT_SOURCE: &str = "comparia-reactions";

const COLUMNS: &[&str] = &[
    "id",
    "question_id",
    "timestamp",
    "model_a_name",
    "model_b_name",
    "refers_to_model",
    "model_pos",
    "liked",
    "disliked",
    "categories",
    "country",
    // Voters' reasons about the answer reacted to (see `crate::reasons`).
    "useful",
    "creative",
    "clear_formatting",
    "complete",
    "incorrect",
    "superficial",
    "instructions_not_followed",
];
const REQUIRED: &[&str] = &[
    "timestamp",
    "model_a_name",
    "model_b_name",
    "liked",
    "disliked",
];

/// Whether the reaction is about side A.
fn about_side_a(row: &dyn Row, model_a: &str, model_b: &str) -> Result<bool, RowProblem> {
    match row.text("model_pos")?.map(str::trim) {
        Some("a") => return Ok(true),
        Some("b") => return Ok(false),
        Some(other) => {
            return Err(RowProblem::new(
                "model_pos",
                format!("unknown side {other:?} (expected a or b)"),
            ))
        }
        None => {}
    }
    match row.text("refers_to_model")? {
        Some(name) if name == model_a => Ok(true),
        Some(name) if name == model_b => Ok(false),
        Some(name) => Err(RowProblem::new(
            "refers_to_model",
            format!("{name:?} is neither model_a_name {model_a:?} nor model_b_name {model_b:?}"),
        )),
        None => Err(RowProblem::new(
            "model_pos",
            "missing value (and no refers_to_model)",
        )),
    }
}

fn convert<'r>(row: &'r dyn Row, id: Option<&'r str>) -> Result<Option<RowVote<'r>>, RowProblem> {
    let model_a = required(row.text("model_a_name")?, "model_a_name")?;
    let model_b = required(row.text("model_b_name")?, "model_b_name")?;
    let liked = row.boolean("liked")?.unwrap_or(false);
    let disliked = row.boolean("disliked")?.unwrap_or(false);
    let about_a = match (liked, disliked) {
        (false, false) => return Ok(None),
        (true, true) => return Err(RowProblem::new("disliked", "both liked and disliked")),
        _ => about_side_a(row, model_a, model_b)?,
    };
    let side_a_wins = about_a == liked;
    // The qualifiers are about the answer reacted to; the other is not judged.
    let mut marks = [None; 7];
    for (mark, reason) in marks.iter_mut().zip(REASONS) {
        *mark = row.boolean(reason.name)?;
    }
    let judged = Reasons::from_marks(marks);
    let reasons = if about_a {
        [judged, Reasons::NONE]
    } else {
        [Reasons::NONE, judged]
    };
    Ok(Some(RowVote {
        source_id: id,
        source: None,
        timestamp: required(row.timestamp("timestamp")?, "timestamp")?,
        model_a,
        model_b,
        outcome: if side_a_wins { Outcome::A } else { Outcome::B },
        tokens_a: None,
        tokens_b: None,
        categories: labels::borrowed(labels::categories(row, "categories")?),
        language: None,
        country: labels::single_of(row, "country")?,
        reasons,
        markdown: crate::markdown::Markdown::default(),
    }))
}

/// Reads a reactions file.
pub fn read(path: &Path, options: &IngestOptions<'_>) -> Result<Ingested, IngestError> {
    read_votes_with_ids(
        path,
        options,
        DEFAULT_SOURCE,
        (COLUMNS, REQUIRED),
        ["id", "question_id"],
        ["model_a_name", "model_b_name"],
        convert,
    )
}
