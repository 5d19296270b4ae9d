//! compar:IA's `conversations` dataset (parquet, or JSON Lines): per
//! conversation pair, the output tokens of each side
//! (`total_conv_a_output_tokens`, `total_conv_b_output_tokens`) and the
//! conversation's `categories` (a list), joined to votes through
//! `conversation_pair_id`.

use std::collections::HashMap;
use std::path::Path;

use super::collector::RowProblem;
use super::row::Row;
use super::{display_name, for_each_record, required, IngestError};

/// What a conversation pair tells about its votes: the output tokens of
/// both sides, and the conversation's categories (checked labels).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConversationFacts {
    pub tokens_a: Option<u64>,
    pub tokens_b: Option<u64>,
    pub categories: Vec<String>,
}

const COLUMNS: &[&str] = &[
    "conversation_pair_id",
    "total_conv_a_output_tokens",
    "total_conv_b_output_tokens",
    "categories",
];

fn tokens(row: &dyn Row, column: &str) -> Result<Option<u64>, RowProblem> {
    match row.integer(column)? {
        None => Ok(None),
        Some(t) if (0..u32::MAX as i64).contains(&t) => Ok(Some(t as u64)),
        Some(t) => Err(RowProblem::new(column, format!("invalid token count {t}"))),
    }
}

/// Reads the token counts, keyed by `conversation_pair_id`. A malformed row
/// fails the read with `file:row:column: reason`.
pub fn read_tokens(path: &Path) -> Result<HashMap<String, ConversationFacts>, IngestError> {
    let file = display_name(path);
    let mut map = HashMap::new();
    for_each_record(
        path,
        &file,
        COLUMNS,
        &["conversation_pair_id"],
        |n, row, _, _| {
            let parsed = row.and_then(|row| {
                let id = required(row.id("conversation_pair_id")?, "conversation_pair_id")?;
                let side = ConversationFacts {
                    tokens_a: tokens(row, "total_conv_a_output_tokens")?,
                    tokens_b: tokens(row, "total_conv_b_output_tokens")?,
                    categories: super::labels::categories(row, "categories")?
                        .into_iter()
                        .map(str::to_string)
                        .collect(),
                };
                Ok((id, side))
            });
            match parsed {
                Ok((id, side)) => {
                    map.insert(id, side);
                    Ok(())
                }
                Err(problem) => Err(IngestError::Row {
                    file: file.clone(),
                    row: n,
                    column: problem.column,
                    reason: problem.reason,
                }),
            }
        },
    )?;
    Ok(map)
}
