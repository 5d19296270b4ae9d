//! Slice labels as files write them: a vote's categories (multi-label), its
//! language and its country.
//!
//! Every reader turns its own fields into labels here, so one rule holds for
//! all formats (documented in `docs/store.md`, "Slices"):
//! - a label is trimmed, and an empty field means "none";
//! - in text, categories are separated by `|` (`Code|Math`); lists (parquet
//!   `list<string>`, JSON arrays) give one label per element;
//! - a label has no control character and at most [`MAX_LABEL_CHARS`]
//!   characters, and an empty element inside a list (`Code||Math`) is an
//!   error, so a malformed field fails with `file:row:column`;
//! - a language or a country is one label: `|` in it is an error.

use super::collector::RowProblem;
use std::borrow::Cow;

use super::row::Row;

/// The longest label accepted, in characters (compar:IA's longest category,
/// "Natural Science & Formal Science & Technology", has 45).
pub const MAX_LABEL_CHARS: usize = 100;

fn checked<'r>(column: &str, label: &'r str) -> Result<&'r str, RowProblem> {
    // The common case, printable ASCII within the limit, in one byte scan.
    if label.len() <= MAX_LABEL_CHARS && label.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Ok(label);
    }
    if let Some(c) = label.chars().find(|c| c.is_control()) {
        return Err(RowProblem::new(
            column,
            format!("label {label:?} holds the control character {c:?}"),
        ));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(RowProblem::new(
            column,
            format!(
                "label of {} characters is longer than the {MAX_LABEL_CHARS} accepted",
                label.chars().count()
            ),
        ));
    }
    Ok(label)
}

/// Categories written as `|`-separated text; `None` or blank text is none.
pub(crate) fn piped<'r>(column: &str, text: Option<&'r str>) -> Result<Vec<&'r str>, RowProblem> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    text.split('|')
        .map(|part| match part.trim() {
            "" => Err(RowProblem::new(
                column,
                format!("{text:?} has an empty category between two `|`"),
            )),
            label => checked(column, label),
        })
        .collect()
}

/// Categories given as a list; blank elements are an error.
pub(crate) fn listed<'r>(column: &str, list: Vec<&'r str>) -> Result<Vec<&'r str>, RowProblem> {
    list.into_iter()
        .enumerate()
        .map(|(i, label)| match label.trim() {
            "" => Err(RowProblem::new(
                column,
                format!("element {i} of the list is an empty category"),
            )),
            label => checked(column, label),
        })
        .collect()
}

/// One language or country; `None` or blank text is none.
pub(crate) fn single<'r>(
    column: &str,
    text: Option<&'r str>,
) -> Result<Option<&'r str>, RowProblem> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.contains('|') {
        return Err(RowProblem::new(
            column,
            format!("{text:?}: a vote has one {column}, but `|` separates several"),
        ));
    }
    checked(column, text).map(Some)
}

/// The categories in a row's `column`, a list or `|`-separated text.
pub(crate) fn categories<'r>(row: &'r dyn Row, column: &str) -> Result<Vec<&'r str>, RowProblem> {
    match row.text_list(column) {
        Ok(Some(list)) => listed(column, list),
        Ok(None) => Ok(Vec::new()),
        // Not a list column: text.
        Err(_) => piped(column, row.text(column)?),
    }
}

/// The language or country in a row's `column`.
pub(crate) fn single_of<'r>(row: &'r dyn Row, column: &str) -> Result<Option<&'r str>, RowProblem> {
    single(column, row.text(column)?)
}

/// Two lists of labels as one, in first-seen order without repeats.
pub(crate) fn merged<'r>(mut first: Vec<&'r str>, second: Vec<&'r str>) -> Vec<&'r str> {
    for label in second {
        if !first.contains(&label) {
            first.push(label);
        }
    }
    first
}

/// Labels borrowed from the row, as a vote carries them.
pub(crate) fn borrowed(labels: Vec<&str>) -> Vec<Cow<'_, str>> {
    labels.into_iter().map(Cow::Borrowed).collect()
}

/// The union of the row's labels and labels joined from another file, in
/// first-seen order without repeats.
pub(crate) fn union<'r>(row: Vec<&'r str>, joined: &[String]) -> Vec<Cow<'r, str>> {
    let mut all: Vec<Cow<'r, str>> = Vec::new();
    for label in row
        .into_iter()
        .map(Cow::Borrowed)
        .chain(joined.iter().map(|j| Cow::Owned(j.clone())))
    {
        if !all.contains(&label) {
            all.push(label);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piped_text_splits_trims_and_refuses_empty_parts() {
        assert_eq!(
            piped("category", Some(" Code | Math ")).unwrap(),
            ["Code", "Math"]
        );
        assert!(piped("category", Some("  ")).unwrap().is_empty());
        assert!(piped("category", None).unwrap().is_empty());
        let error = piped("category", Some("Code||Math")).unwrap_err();
        assert_eq!(error.column, "category");
        assert!(error.reason.contains("empty category"), "{}", error.reason);
    }

    #[test]
    fn control_characters_and_long_labels_are_refused() {
        let error = piped("category", Some("Co\u{7}de")).unwrap_err();
        assert!(
            error.reason.contains("control character"),
            "{}",
            error.reason
        );
        let long = "x".repeat(MAX_LABEL_CHARS + 1);
        let error = single("country", Some(&long)).unwrap_err();
        assert!(error.reason.contains("longer than"), "{}", error.reason);
    }

    #[test]
    fn single_values_refuse_several() {
        assert_eq!(single("language", Some(" fr ")).unwrap(), Some("fr"));
        assert_eq!(single("language", Some("")).unwrap(), None);
        let error = single("language", Some("fr|en")).unwrap_err();
        assert!(error.reason.contains("one language"), "{}", error.reason);
    }

    #[test]
    fn union_keeps_first_seen_order_without_repeats() {
        let joined = ["b".to_string(), "c".to_string()];
        assert_eq!(union(vec!["a", "b"], &joined), ["a", "b", "c"]);
    }
}
