//! The sink every reader writes into: resolves model names through the
//! catalog, counts unknown models, applies the bad-row policy, and pushes
//! compact votes into the [`VoteBuffer`].

use crate::fast_hash::FastMap;

use super::row::check_model_name;
// Readers name a row's problem from here, where it is collected.
pub(crate) use super::row::RowProblem;
use super::{IngestError, IngestOptions, Ingested, KEPT_REJECTIONS};
use crate::{id_key, BufferedVote, Outcome};

/// One vote as a reader sees it, borrowing from the row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowVote<'r> {
    /// `None`: the source has no vote id; the store derives one from the content.
    pub source_id: Option<&'r str>,
    /// Overrides the default source for this row (the csv `source` column).
    pub source: Option<&'r str>,
    /// Unix seconds, UTC.
    pub timestamp: i64,
    pub model_a: &'r str,
    pub model_b: &'r str,
    pub outcome: Outcome,
    pub tokens_a: Option<u64>,
    pub tokens_b: Option<u64>,
    /// Checked labels (see [`super::labels`]): every category the vote
    /// belongs to, its language and its country.
    /// (Owned only for labels joined from another file.)
    pub categories: Vec<std::borrow::Cow<'r, str>>,
    pub language: Option<&'r str>,
    pub country: Option<&'r str>,
    /// The voter's qualifiers of answers A and B ([`crate::reasons`]).
    pub reasons: [crate::reasons::Reasons; 2],
    /// The answers' markdown counts, where the input has them ([`crate::markdown`]).
    pub markdown: crate::markdown::Markdown,
}

/// Why a vote whose two sides are one model is refused: names both sides as
/// written and the model they resolve to (a model cannot beat itself).
fn same_model_reason(
    [column_a, column_b]: [&str; 2],
    model_a: &str,
    model_b: &str,
    resolved: &str,
) -> String {
    if model_a == model_b {
        format!("{column_a} and {column_b} are the same model {model_a:?}")
    } else {
        format!(
            "{column_a} {model_a:?} and {column_b} {model_b:?} are the same model {resolved:?} (aliases in the catalog)"
        )
    }
}

/// Model name as written → (buffer model id, known to the catalog).
#[derive(Debug, Clone, Copy)]
struct ResolvedModel {
    id: u32,
    known: bool,
}

pub(crate) struct Collector<'o, 'c> {
    pub(crate) file: String,
    options: &'o IngestOptions<'c>,
    pub(crate) out: Ingested,
    models: FastMap<String, ResolvedModel>,
    /// Per local model id: already listed in `unknown_models` (a name the
    /// catalog does not know is its own model, so ids and names match).
    listed_unknown: Vec<bool>,
    default_source: u32,
    /// The `--source` flag, when given: wins over per-row sources.
    forced_source: Option<u32>,
    /// The format's names of the two model columns, for messages.
    model_columns: [&'static str; 2],
}

impl<'o, 'c> Collector<'o, 'c> {
    pub(crate) fn new(file: String, options: &'o IngestOptions<'c>, default_source: &str) -> Self {
        let mut out = Ingested::default();
        let forced_source = options.source.as_deref().map(|s| out.buffer.source_id(s));
        let default_source = forced_source.unwrap_or_else(|| out.buffer.source_id(default_source));
        Collector {
            file,
            options,
            out,
            models: FastMap::default(),
            listed_unknown: Vec::new(),
            default_source,
            forced_source,
            model_columns: ["model_a", "model_b"],
        }
    }

    /// Names the format's model columns in messages (compar:IA's are
    /// `model_a_name` and `model_b_name`).
    pub(crate) fn with_model_columns(mut self, columns: [&'static str; 2]) -> Self {
        self.model_columns = columns;
        self
    }

    pub(crate) fn progress(&self, done: u64, total: u64) {
        if let Some(progress) = self.options.progress {
            progress(done, total);
        }
    }

    /// Resolves a (trimmed) model name, checked for control characters the
    /// first time it is seen (names repeat: a 10M-vote file has ~100).
    fn model(&mut self, name: &str, column: &str) -> Result<ResolvedModel, RowProblem> {
        if let Some(&known) = self.models.get(name) {
            return Ok(known);
        }
        check_model_name(name).map_err(|reason| RowProblem::new(column, reason))?;
        {
            let resolved = self.options.catalog.resolve(name).map(|m| m.id.clone());
            let known = resolved.is_some();
            let canonical = resolved.unwrap_or_else(|| name.to_string());
            let id = self.out.buffer.model_id(&canonical);
            if canonical != name {
                self.out.buffer.record_alias(name, id);
            }
            self.models
                .insert(name.to_string(), ResolvedModel { id, known });
        }
        Ok(self.models[name])
    }

    /// A row that failed: fails the import, or is counted with `skip_invalid`.
    pub(crate) fn reject(&mut self, row: u64, problem: RowProblem) -> Result<(), IngestError> {
        let error = IngestError::Row {
            file: self.file.clone(),
            row,
            column: problem.column,
            reason: problem.reason,
        };
        if !self.options.skip_invalid {
            return Err(error);
        }
        self.out.rows_rejected += 1;
        if self.out.rejections.len() < KEPT_REJECTIONS {
            self.out.rejections.push(error);
        }
        Ok(())
    }

    /// Handles the outcome of converting one row.
    pub(crate) fn row(
        &mut self,
        row: u64,
        converted: Result<Option<RowVote<'_>>, RowProblem>,
    ) -> Result<(), IngestError> {
        self.out.rows_read += 1;
        match converted {
            Ok(Some(vote)) => match self.check(&vote) {
                Ok(()) => {
                    let [column_a, column_b] = self.model_columns;
                    let a = match self.model(vote.model_a.trim(), column_a) {
                        Ok(a) => a,
                        Err(problem) => return self.reject(row, problem),
                    };
                    let b = match self.model(vote.model_b.trim(), column_b) {
                        Ok(b) => b,
                        Err(problem) => return self.reject(row, problem),
                    };
                    // Both sides name (or resolve to) the same model: a model
                    // cannot beat itself.
                    if a.id == b.id {
                        let reason = same_model_reason(
                            self.model_columns,
                            vote.model_a.trim(),
                            vote.model_b.trim(),
                            self.out.buffer.model_name(a.id),
                        );
                        return self.reject(row, RowProblem::new(column_b, reason));
                    }
                    self.push(vote, a, b);
                    Ok(())
                }
                Err(problem) => self.reject(row, problem),
            },
            Ok(None) => {
                self.out.rows_without_match += 1;
                Ok(())
            }
            Err(problem) => self.reject(row, problem),
        }
    }

    fn check(&self, vote: &RowVote<'_>) -> Result<(), RowProblem> {
        let [column_a, column_b] = self.model_columns;
        for (column, name) in [(column_a, vote.model_a), (column_b, vote.model_b)] {
            if name.trim().is_empty() {
                return Err(RowProblem::new(column, "empty model name"));
            }
        }
        for (column, tokens) in [("tokens_a", vote.tokens_a), ("tokens_b", vote.tokens_b)] {
            if let Some(t) = tokens {
                if t >= u32::MAX as u64 {
                    return Err(RowProblem::new(
                        column,
                        format!("token count {t} is too large"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, vote: RowVote<'_>, a: ResolvedModel, b: ResolvedModel) {
        let (model_a, known_a) = (a.id, a.known);
        let (model_b, known_b) = (b.id, b.known);
        if !(known_a && known_b) {
            self.out.votes_with_unknown_models += 1;
            for (known, id, name) in [
                (known_a, model_a, vote.model_a),
                (known_b, model_b, vote.model_b),
            ] {
                let id = id as usize;
                if self.listed_unknown.len() <= id {
                    self.listed_unknown.resize(id + 1, false);
                }
                if !known && !self.listed_unknown[id] {
                    self.listed_unknown[id] = true;
                    self.out.unknown_models.insert(name.trim().to_string());
                }
            }
        }
        let source = match (self.forced_source, vote.source) {
            (Some(forced), _) => forced,
            (None, Some(name)) if !name.is_empty() => self.out.buffer.source_id(name),
            _ => self.default_source,
        };
        let buffer = &mut self.out.buffer;
        let label = |buffer: &mut crate::VoteBuffer, value: Option<&str>| match value {
            Some(v) if !v.is_empty() => buffer.label_id(v),
            _ => u32::MAX,
        };
        let categories: Vec<&str> = vote.categories.iter().map(|c| c.as_ref()).collect();
        let category = buffer.category_set(&categories);
        let language = label(buffer, vote.language);
        let country = label(buffer, vote.country);
        let mut buffered = BufferedVote {
            key: 0,
            timestamp: vote.timestamp,
            source,
            model_a,
            model_b,
            tokens_a: vote.tokens_a.map_or(u32::MAX, |t| t as u32),
            tokens_b: vote.tokens_b.map_or(u32::MAX, |t| t as u32),
            category,
            language,
            country,
            outcome: vote.outcome,
            derived: vote.source_id.is_none(),
            reasons_a: vote.reasons[0],
            reasons_b: vote.reasons[1],
            markdown: buffer.markdown_id(vote.markdown),
        };
        buffered.key = match vote.source_id {
            Some(id) => id_key(id),
            None => buffer.derived_key(&buffered),
        };
        buffer.push(buffered);
    }

    pub(crate) fn finish(self) -> Ingested {
        self.out
    }
}
