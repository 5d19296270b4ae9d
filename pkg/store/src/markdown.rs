//! Markdown counts of the two answers of a vote (headers, bold spans, list
//! items), as vote files give them, checked: one of the style features of
//! style control ([`crate::style`]).

/// The largest markdown count of one answer the store accepts: more headers,
/// bold spans or list items than this in one answer is not a chat answer.
pub const MAX_MARKDOWN: u64 = 100_000;

/// Markdown counts of the two answers of a vote: headers, bold spans and
/// list items of side A and side B; `None` where the input does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Markdown {
    pub headers: [Option<u32>; 2],
    pub bold: [Option<u32>; 2],
    pub lists: [Option<u32>; 2],
}

impl Markdown {
    pub fn is_empty(&self) -> bool {
        self.columns().iter().all(Option::is_none)
    }
    /// The values of `headers_a, headers_b, bold_a, bold_b, lists_a, lists_b`.
    pub fn columns(&self) -> [Option<u32>; 6] {
        [
            self.headers[0],
            self.headers[1],
            self.bold[0],
            self.bold[1],
            self.lists[0],
            self.lists[1],
        ]
    }
}

/// A markdown count as written, checked: a whole number from 0 to
/// [`MAX_MARKDOWN`] (floats with an integral value are accepted).
pub fn parse_markdown_count(text: &str) -> Result<u32, String> {
    let trimmed = text.trim();
    let value: f64 = trimmed
        .parse()
        .map_err(|_| format!("markdown count {trimmed:?} is not a number"))?;
    check_markdown_count(value)
}

/// Checks a markdown count read as a number (see [`parse_markdown_count`]).
pub fn check_markdown_count(value: f64) -> Result<u32, String> {
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(format!("markdown count {value} is not a whole number"));
    }
    if value < 0.0 {
        return Err(format!("negative markdown count {value}"));
    }
    if value > MAX_MARKDOWN as f64 {
        return Err(format!(
            "markdown count {value} is absurd (more than {MAX_MARKDOWN} in one answer)"
        ));
    }
    Ok(value as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_counts_are_whole_numbers_within_reason() {
        assert_eq!(parse_markdown_count("3"), Ok(3));
        assert_eq!(parse_markdown_count(" 4.0 "), Ok(4));
        assert!(parse_markdown_count("-1").unwrap_err().contains("negative"));
        assert!(parse_markdown_count("2.5").unwrap_err().contains("whole"));
        assert!(parse_markdown_count("1e9").unwrap_err().contains("absurd"));
        assert!(parse_markdown_count("many")
            .unwrap_err()
            .contains("not a number"));
        assert!(Markdown::default().is_empty());
    }
}
