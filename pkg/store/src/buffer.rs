//! [`VoteBuffer`]: votes collected in memory, in compact form, before one
//! import transaction writes them.
//!
//! Readers of large files push millions of votes; holding them as [`Vote`]s
//! (five heap strings each) would cost hundreds of bytes per vote. The buffer
//! interns names into small local ids instead and keeps 40 bytes per vote. The
//! import then maps local ids to the store's ids inside its transaction, sorts
//! by key, and inserts in key order, which fills the votes table's pages.

use super::fast_hash::FastMap;

use super::key::{content_key, id_key};
use super::markdown::Markdown;
use super::reasons::Reasons;
use super::{Outcome, Vote};

/// Token counts are kept as `u32`; this value stands for "unknown".
pub(crate) const NO_TOKENS: u32 = u32::MAX;
/// Label ids are `u32`; this value stands for "none".
pub(crate) const NO_LABEL: u32 = u32::MAX;

/// One vote with names replaced by indices into the buffer's name lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferedVote {
    /// [`id_key`] of the source's vote id, or [`content_key`] when derived.
    pub key: u64,
    /// Unix seconds, UTC.
    pub timestamp: i64,
    pub source: u32,
    pub model_a: u32,
    pub model_b: u32,
    /// `NO_TOKENS` when unknown.
    pub tokens_a: u32,
    pub tokens_b: u32,
    /// The vote's set of categories (an index into the buffer's category
    /// sets, then the store's `category_sets` id), `NO_LABEL` when none.
    pub category: u32,
    /// Label ids; `NO_LABEL` when absent.
    pub language: u32,
    pub country: u32,
    pub outcome: Outcome,
    /// The key was derived from the content (no source id).
    pub derived: bool,
    /// The voter's qualifiers of each answer ([`crate::reasons`]).
    pub reasons_a: Reasons,
    pub reasons_b: Reasons,
    /// The answers' markdown counts: an index into the buffer's `markdown`
    /// list, `NO_LABEL` when the input has none ([`crate::style`]).
    pub markdown: u32,
}

/// Names interned to dense local ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct Interner {
    pub(crate) names: Vec<String>,
    index: FastMap<String, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        id
    }
}

/// Sets of local label ids, interned to dense local ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct SetInterner {
    pub(crate) sets: Vec<Vec<u32>>,
    index: FastMap<Vec<u32>, u32>,
}

impl SetInterner {
    fn intern(&mut self, set: Vec<u32>) -> u32 {
        if let Some(&id) = self.index.get(&set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.sets.push(set.clone());
        self.index.insert(set, id);
        id
    }
}

/// Votes waiting for [`super::Store::import_buffer`].
#[derive(Debug, Default, Clone)]
pub struct VoteBuffer {
    pub(crate) sources: Interner,
    pub(crate) models: Interner,
    pub(crate) labels: Interner,
    /// Sets of label ids (sorted by label name), interned.
    pub(crate) category_sets: SetInterner,
    /// Per label id, the set holding that label alone (`NO_LABEL` until
    /// seen): the one-category fast path of [`VoteBuffer::category_set`].
    single_sets: Vec<u32>,
    pub(crate) votes: Vec<BufferedVote>,
    /// The markdown counts of the votes that have some ([`Markdown`]).
    pub(crate) markdown: Vec<Markdown>,
    /// (alias as written in the file, model name it resolved to).
    pub(crate) aliases: Vec<(String, u32)>,
}

impl VoteBuffer {
    pub fn new() -> VoteBuffer {
        VoteBuffer::default()
    }
    pub fn len(&self) -> usize {
        self.votes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.votes.is_empty()
    }
    pub fn source_id(&mut self, source: &str) -> u32 {
        self.sources.intern(source)
    }
    pub fn model_id(&mut self, model: &str) -> u32 {
        self.models.intern(model)
    }
    pub fn label_id(&mut self, label: &str) -> u32 {
        self.labels.intern(label)
    }
    /// The local id of the set of `categories` (labels interned on the way;
    /// order and repeats do not matter); `NO_LABEL` for no category.
    pub fn category_set(&mut self, categories: &[&str]) -> u32 {
        match categories {
            [] => return NO_LABEL,
            // Most votes have one category: no sorting, no list to build.
            [single] => {
                let label = self.labels.intern(single) as usize;
                if let Some(&set) = self.single_sets.get(label).filter(|&&s| s != NO_LABEL) {
                    return set;
                }
                let set = self.category_sets.intern(vec![label as u32]);
                if self.single_sets.len() <= label {
                    self.single_sets.resize(label + 1, NO_LABEL);
                }
                self.single_sets[label] = set;
                return set;
            }
            _ => {}
        }
        let mut names: Vec<&str> = categories.to_vec();
        names.sort_unstable();
        names.dedup();
        let ids = names.iter().map(|name| self.labels.intern(name)).collect();
        self.category_sets.intern(ids)
    }
    /// The category names of a local set id (sorted), empty for `NO_LABEL`.
    pub(crate) fn category_names(&self, set: u32) -> Vec<&str> {
        if set == NO_LABEL {
            return Vec::new();
        }
        self.category_sets.sets[set as usize]
            .iter()
            .map(|&label| self.labels.names[label as usize].as_str())
            .collect()
    }
    pub fn model_name(&self, id: u32) -> &str {
        &self.models.names[id as usize]
    }
    /// Records that votes named a model `alias` and it was stored as `model`.
    pub fn record_alias(&mut self, alias: &str, model: u32) {
        self.aliases.push((alias.to_string(), model));
    }
    /// Moves the votes of `later` (a buffer read from a later part of the
    /// same file) to the end of this one, with its names interned here. Ids
    /// come out as one pass over the whole file would give them: names new in
    /// `later` get the next ids, in the order `later` first saw them.
    pub(crate) fn append(&mut self, later: VoteBuffer) {
        let remap = |into: &mut Interner, from: &Interner| -> Vec<u32> {
            from.names.iter().map(|name| into.intern(name)).collect()
        };
        let sources = remap(&mut self.sources, &later.sources);
        let models = remap(&mut self.models, &later.models);
        let labels = remap(&mut self.labels, &later.labels);
        // A set's labels are sorted by name, which the remapping keeps.
        let sets: Vec<u32> = later
            .category_sets
            .sets
            .iter()
            .map(|set| {
                let ids = set.iter().map(|&label| labels[label as usize]).collect();
                self.category_sets.intern(ids)
            })
            .collect();
        for (alias, model) in later.aliases {
            if !self.aliases.iter().any(|(known, _)| *known == alias) {
                self.aliases.push((alias, models[model as usize]));
            }
        }
        let label = |ids: &[u32], id: u32| {
            if id == NO_LABEL {
                NO_LABEL
            } else {
                ids[id as usize]
            }
        };
        let markdown_offset = self.markdown.len() as u32;
        self.markdown.extend(later.markdown);
        self.votes.reserve(later.votes.len());
        for vote in later.votes {
            self.votes.push(BufferedVote {
                source: sources[vote.source as usize],
                model_a: models[vote.model_a as usize],
                model_b: models[vote.model_b as usize],
                category: label(&sets, vote.category),
                language: label(&labels, vote.language),
                country: label(&labels, vote.country),
                markdown: if vote.markdown == NO_LABEL {
                    NO_LABEL
                } else {
                    vote.markdown + markdown_offset
                },
                ..vote
            });
        }
    }
    /// Keeps a vote's markdown counts; returns the index for
    /// [`BufferedVote::markdown`] (`NO_LABEL` when it has none).
    pub fn markdown_id(&mut self, markdown: Markdown) -> u32 {
        if markdown.is_empty() {
            return NO_LABEL;
        }
        self.markdown.push(markdown);
        (self.markdown.len() - 1) as u32
    }
    /// Adds a vote whose names were already interned with this buffer.
    pub fn push(&mut self, vote: BufferedVote) {
        self.votes.push(vote);
    }
    /// The key of a vote without a source id, from its content.
    pub fn derived_key(&self, vote: &BufferedVote) -> u64 {
        let outcome = [vote.outcome as u8];
        let label = |id: u32| {
            if id == NO_LABEL {
                &[][..]
            } else {
                self.labels.names[id as usize].as_bytes()
            }
        };
        // One category hashes as its name, as before slices, so votes
        // without ids keep their keys; several join their sorted names.
        let categories = self.category_names(vote.category).join("|");
        let timestamp = vote.timestamp.to_le_bytes();
        let (tokens_a, tokens_b) = (vote.tokens_a.to_le_bytes(), vote.tokens_b.to_le_bytes());
        let mut parts: Vec<&[u8]> = vec![
            &timestamp,
            self.models.names[vote.model_a as usize].as_bytes(),
            self.models.names[vote.model_b as usize].as_bytes(),
            &outcome,
            &tokens_a,
            &tokens_b,
            categories.as_bytes(),
            label(vote.language),
        ];
        // The country is part of the content only when given (votes of
        // files without countries keep the keys they had).
        if vote.country != NO_LABEL {
            parts.push(b"country");
            parts.push(label(vote.country));
        }
        content_key(&parts, 0)
    }
    /// Adds a [`Vote`]; the error names the bad field.
    pub fn push_vote(&mut self, vote: &Vote) -> Result<(), String> {
        if vote.model_a == vote.model_b {
            return Err(format!(
                "model_a and model_b are the same model {:?}",
                vote.model_a
            ));
        }
        let tokens = |value: Option<u64>, side: &str| match value {
            None => Ok(NO_TOKENS),
            Some(t) if t < NO_TOKENS as u64 => Ok(t as u32),
            Some(t) => Err(format!("tokens_{side} {t} is too large")),
        };
        let mut buffered = BufferedVote {
            key: 0,
            timestamp: vote.timestamp,
            source: self.source_id(&vote.source),
            model_a: self.model_id(&vote.model_a),
            model_b: self.model_id(&vote.model_b),
            tokens_a: tokens(vote.tokens_a, "a")?,
            tokens_b: tokens(vote.tokens_b, "b")?,
            category: {
                let categories: Vec<&str> = vote.categories.iter().map(String::as_str).collect();
                self.category_set(&categories)
            },
            language: vote
                .language
                .as_deref()
                .map_or(NO_LABEL, |l| self.label_id(l)),
            country: vote
                .country
                .as_deref()
                .map_or(NO_LABEL, |c| self.label_id(c)),
            outcome: vote.outcome,
            derived: vote.source_id.is_none(),
            reasons_a: vote.reasons[0],
            reasons_b: vote.reasons[1],
            markdown: NO_LABEL,
        };
        buffered.key = match &vote.source_id {
            Some(id) => id_key(id),
            None => self.derived_key(&buffered),
        };
        self.push(buffered);
        Ok(())
    }
}
