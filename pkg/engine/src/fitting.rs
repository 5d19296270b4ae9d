//! One Bradley–Terry fit of the votes a resolved query selects (its sources,
//! dates and slices): shared by the model queries and the slice queries.
//!
//! With `style: "controlled"` the fit is the contextual one
//! ([`arenawatt_core::rating::rate_styled`]) over the votes' style features
//! ([`arenawatt_store::style`]): the answers' output tokens, headers, bold
//! spans and list items, each used when some of the fitted votes carry it
//! on both sides. The plain fit is kept beside it, so rows can show both
//! scores. Without any feature in the votes, the answer is the plain fit
//! with a notice, not an error.

use serde::Serialize;

use arenawatt_core::rating::{self, Ratings, StyleCoefficient, UnusedFeature};
use arenawatt_store::style::FEATURES;
use arenawatt_store::Store;

use super::model::Style;
use super::resolve::ResolvedQuery;
use super::QueryError;

/// What style control found: the fitted coefficients and the features left
/// out, for frame metadata and `arenawatt rank --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StyleSummary {
    /// `controlled` when the scores are style-controlled; `raw` when style
    /// control was asked for but no feature could be fitted.
    pub applied: Style,
    pub coefficients: Vec<StyleCoefficient>,
    pub unused: Vec<UnusedFeature>,
    /// Fitted votes, and per feature those whose two answers carry it.
    pub votes: u64,
    pub votes_with_feature: Vec<(String, u64)>,
}

/// A fit, with the plain one beside it under style control.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The scores of the style the query asked for (or the plain ones).
    pub ratings: Ratings,
    /// Under style control: the plain fit.
    pub raw: Option<Ratings>,
    pub style: Option<StyleSummary>,
    pub notices: Vec<String>,
}

/// Fits every model in the query's votes. `None`: no votes. (Style
/// control's notices are dropped: callers that report them use
/// [`fit_with_style`].)
pub fn fit(store: &Store, query: &ResolvedQuery) -> Result<Option<Ratings>, QueryError> {
    Ok(fit_with_style(store, query)?.map(|f| f.ratings))
}

impl Fitted {
    /// Whether the scores are style-controlled.
    pub fn controlled(&self) -> bool {
        self.style
            .as_ref()
            .is_some_and(|s| s.applied == Style::Controlled)
    }
}

/// [`fit`], with what style control did.
pub fn fit_with_style(store: &Store, query: &ResolvedQuery) -> Result<Option<Fitted>, QueryError> {
    let options = query.rating.options();
    if query.rating.style == Style::Raw {
        let table = store.pair_table(&query.counts)?;
        if table.pairs.is_empty() {
            return Ok(None);
        }
        return Ok(Some(Fitted {
            ratings: rating::rate(&table, &options)?,
            raw: None,
            style: None,
            notices: Vec::new(),
        }));
    }
    let (table, styled_table, coverage) = store.style_table(&query.counts)?;
    if table.pairs.is_empty() {
        return Ok(None);
    }
    let raw = rating::rate(&table, &options)?;
    let votes_with_feature: Vec<(String, u64)> = FEATURES
        .iter()
        .zip(coverage.with_feature)
        .map(|(f, n)| (f.to_string(), n))
        .collect();
    let plain = |notice: String, unused: Vec<UnusedFeature>| Fitted {
        ratings: raw.clone(),
        raw: Some(raw.clone()),
        style: Some(StyleSummary {
            applied: Style::Raw,
            coefficients: Vec::new(),
            unused,
            votes: coverage.votes,
            votes_with_feature: votes_with_feature.clone(),
        }),
        notices: vec![notice],
    };
    if coverage.with_feature.iter().all(|&n| n == 0) {
        return Ok(Some(plain(
            format!(
                "style control asked for, but none of the {} votes carries a style feature ({}) on both answers: these are the raw scores",
                coverage.votes,
                FEATURES.join(", ")
            ),
            Vec::new(),
        )));
    }
    let styled = match rating::rate_styled(&styled_table, &options) {
        Ok(styled) => styled,
        // Style that separates the outcomes (the longer answer always wins)
        // has no finite fit: answer the raw scores and say why.
        Err(rating::RatingError::Numerical(reason)) => {
            return Ok(Some(plain(
                format!(
                    "style control could not be fitted on these votes ({reason}; the style features may predict the outcomes perfectly): these are the raw scores"
                ),
                Vec::new(),
            )))
        }
        Err(other) => return Err(other.into()),
    };
    if styled.coefficients.is_empty() {
        let why: Vec<String> = styled
            .unused
            .iter()
            .map(|u| format!("{}: {}", u.feature, u.reason))
            .collect();
        return Ok(Some(plain(
            format!(
                "style control asked for, but no style feature could be fitted ({}): these are the raw scores",
                why.join("; ")
            ),
            styled.unused,
        )));
    }
    let used: Vec<String> = styled
        .coefficients
        .iter()
        .map(|c| {
            let n = votes_with_feature
                .iter()
                .find(|(f, _)| *f == c.feature)
                .map_or(0, |(_, n)| *n);
            format!("{} ({n} votes)", c.feature)
        })
        .collect();
    let mut notices = vec![format!(
        "style-controlled scores: {} held equal, of {} votes; bt_score_raw is the plain fit",
        used.join(", "),
        coverage.votes
    )];
    notices.push(format!(
        "style differences rounded to 1/{} as they are read ({} cells), which moves scores by hundredths of a point",
        (1.0 / rating::BIN_STEP).round(),
        styled_table.cells.len()
    ));
    for unused in &styled.unused {
        notices.push(format!(
            "style feature {} left out: {}",
            unused.feature, unused.reason
        ));
    }
    Ok(Some(Fitted {
        ratings: styled.ratings,
        raw: Some(raw),
        style: Some(StyleSummary {
            applied: Style::Controlled,
            coefficients: styled.coefficients,
            unused: styled.unused,
            votes: coverage.votes,
            votes_with_feature,
        }),
        notices,
    }))
}
