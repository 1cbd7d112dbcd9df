//! Snippets as escaped HTML with `<mark>` around the matches.

use std::ops::Range;

use tantivy::snippet::{Snippet, collapse_overlapped_ranges};

/// Longest snippet, in characters (tantivy counts bytes of the fragment; close enough).
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// Renders a snippet's fragment, escaped, with `<mark>` around its highlighted ranges.
/// `None` when nothing is highlighted.
pub(crate) fn marked(snippet: &Snippet) -> Option<String> {
    if snippet.highlighted().is_empty() {
        return None;
    }
    let fragment = snippet.fragment();
    let ranges: Vec<Range<usize>> = collapse_overlapped_ranges(snippet.highlighted());
    let mut html = String::with_capacity(fragment.len() + 16 * ranges.len());
    let mut from = 0;
    for range in ranges {
        let (Some(before), Some(marked)) = (
            fragment.get(from..range.start),
            fragment.get(range.start..range.end),
        ) else {
            continue;
        };
        escape(before, &mut html);
        html.push_str("<mark>");
        escape(marked, &mut html);
        html.push_str("</mark>");
        from = range.end;
    }
    if let Some(rest) = fragment.get(from..) {
        escape(rest, &mut html);
    }
    Some(html.trim().to_owned())
}

/// The start of `text`, escaped, cut at a word boundary near [`SNIPPET_CHARS`] with `…`.
pub(crate) fn head(text: &str) -> String {
    let text = text.trim();
    let mut html = String::new();
    if text.chars().count() <= SNIPPET_CHARS {
        escape(text, &mut html);
        return html;
    }
    let cut = text
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(index, _)| index);
    let start = &text[..cut];
    let start = match start.rfind(char::is_whitespace) {
        Some(space) if space > cut / 2 => &start[..space],
        _ => start,
    };
    escape(start.trim_end(), &mut html);
    html.push('…');
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_escapes_and_cuts_on_a_word() {
        assert_eq!(head(" <b>Été</b> & co "), "&lt;b&gt;Été&lt;/b&gt; &amp; co");
        let long = "mot ".repeat(100);
        let cut = head(&long);
        assert!(cut.ends_with("mot…"), "{cut}");
        assert!(cut.chars().count() <= SNIPPET_CHARS + 1);
        let accents = "é".repeat(300);
        assert_eq!(head(&accents).chars().count(), SNIPPET_CHARS + 1);
    }
}
