//! Chatbot Arena battles: a JSON array or JSON Lines of objects with
//! `model_a`, `model_b`, `winner` (`model_a`, `model_b`, `tie`,
//! `tie (bothbad)`) and `tstamp` (unix seconds, possibly fractional). The
//! optional `question_id` (or `id`) is the vote id; `language` and the
//! categories are kept as slices. Categories come from an optional
//! `category` (a list, or `|`-separated text) and from the arena's own tags
//! where a dump carries them (see [`tag_categories`]). `conv_metadata`, where
//! present, gives each answer's output tokens and markdown counts, for
//! style control (see [`side_style`]).

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
    "category_tag",
    "is_code",
    "conv_metadata",
];

/// One answer's style from Chatbot Arena's `conv_metadata`: its output
/// tokens (`sum_assistant_<side>_tokens`) and its markdown counts
/// (`header_count_<side>`, `bold_count_<side>`, `list_count_<side>`, each a
/// number or an object of numbers, e.g. `{"h1": 0, "h2": 3}`, summed).
fn side_style(
    metadata: &serde_json::Map<String, serde_json::Value>,
    side: &str,
) -> Result<(Option<u64>, [Option<u32>; 3]), RowProblem> {
    let number = |key: &str, value: &serde_json::Value| -> Result<f64, RowProblem> {
        value.as_f64().ok_or_else(|| {
            RowProblem::new(
                "conv_metadata",
                format!("{key} holds {value}, not a number"),
            )
        })
    };
    let count = |key: String| -> Result<Option<u32>, RowProblem> {
        let total = match metadata.get(&key) {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::Object(parts)) => {
                let mut sum = 0.0;
                for value in parts.values() {
                    sum += number(&key, value)?;
                }
                sum
            }
            Some(value) => number(&key, value)?,
        };
        crate::markdown::check_markdown_count(total)
            .map(Some)
            .map_err(|reason| RowProblem::new("conv_metadata", format!("{key}: {reason}")))
    };
    let tokens_key = format!("sum_assistant_{side}_tokens");
    let tokens = match metadata.get(&tokens_key) {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => {
            let t = number(&tokens_key, value)?;
            if !(t.is_finite() && t >= 0.0 && t.fract() == 0.0) {
                return Err(RowProblem::new(
                    "conv_metadata",
                    format!("{tokens_key}: {t} is not a token count"),
                ));
            }
            Some(t as u64)
        }
    };
    Ok((
        tokens,
        [
            count(format!("header_count_{side}"))?,
            count(format!("bold_count_{side}"))?,
            count(format!("list_count_{side}"))?,
        ],
    ))
}

/// The criteria of `criteria_v0.1` a prompt must meet to count as hard
/// (LMArena's "Hard Prompts" category takes 6 of its 7 criteria).
const HARD_PROMPT_CRITERIA: usize = 6;

/// The categories Chatbot Arena's own tags give a battle:
/// - `category_tag.criteria_v*`: `hard_prompts` when at least
///   [`HARD_PROMPT_CRITERIA`] of its boolean criteria are true;
/// - `category_tag.<name>_v*` (`if_v0.1`, `math_v0.1`,
///   `creative_writing_v0.1`, …): the category `<name>` when the tag's own
///   `<name>` flag is true, with `if` named `instruction_following`;
/// - `is_code: true`: `coding`.
///
/// A tag that is not an object, or a flag that is not a boolean, is an error
/// naming the tag.
fn tag_categories<'r>(row: &'r dyn Row) -> Result<Vec<&'r str>, RowProblem> {
    let mut out = Vec::new();
    if let Some(tags) = row.object("category_tag") {
        for (tag, value) in tags {
            let name = tag.split_once("_v").map_or(tag.as_str(), |(name, _)| name);
            let Some(flags) = value.as_object() else {
                if value.is_null() {
                    continue;
                }
                return Err(RowProblem::new(
                    "category_tag",
                    format!("tag {tag:?} is not an object of flags"),
                ));
            };
            let flag = |key: &str| match flags.get(key) {
                None | Some(serde_json::Value::Null) => Ok(false),
                Some(serde_json::Value::Bool(b)) => Ok(*b),
                Some(_) => Err(RowProblem::new(
                    "category_tag",
                    format!("flag {key:?} of tag {tag:?} is not true or false"),
                )),
            };
            if name == "criteria" {
                let mut met = 0;
                for key in flags.keys() {
                    met += usize::from(flag(key)?);
                }
                if met >= HARD_PROMPT_CRITERIA {
                    out.push("hard_prompts");
                }
            } else if flag(name)? {
                out.push(if name == "if" {
                    "instruction_following"
                } else {
                    name
                });
            }
        }
    }
    if row.boolean("is_code")? == Some(true) {
        out.push("coding");
    }
    Ok(out)
}

fn convert<'r>(row: &'r dyn Row, id: Option<&'r str>) -> Result<Option<RowVote<'r>>, RowProblem> {
    let winner = required(row.text("winner")?, "winner")?;
    let ((mut tokens_a, style_a), (mut tokens_b, style_b)) = match row.object("conv_metadata") {
        Some(metadata) => (side_style(metadata, "a")?, side_style(metadata, "b")?),
        None => ((None, [None; 3]), (None, [None; 3])),
    };
    // A battle without an id is keyed by its content, tokens included: the
    // tokens of conv_metadata would give a battle imported before they were
    // read a new key, and store it twice. Only battles with ids take them.
    if id.is_none() {
        (tokens_a, tokens_b) = (None, None);
    }
    Ok(Some(RowVote {
        source_id: id,
        source: None,
        timestamp: required(row.timestamp("tstamp")?, "tstamp")?,
        model_a: required(row.text("model_a")?, "model_a")?,
        model_b: required(row.text("model_b")?, "model_b")?,
        outcome: parse_winner(winner).map_err(|reason| RowProblem::new("winner", reason))?,
        tokens_a,
        tokens_b,
        categories: labels::borrowed(labels::merged(
            labels::categories(row, "category")?,
            tag_categories(row)?,
        )),
        language: labels::single_of(row, "language")?,
        country: None,
        reasons: [crate::reasons::Reasons::NONE; 2],
        markdown: crate::markdown::Markdown {
            headers: [style_a[0], style_b[0]],
            bold: [style_a[1], style_b[1]],
            lists: [style_a[2], style_b[2]],
        },
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
