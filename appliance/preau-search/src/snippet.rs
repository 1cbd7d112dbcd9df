//! Snippets as escaped HTML with `<mark>` around the matches.

use std::collections::BTreeMap;
use std::ops::Range;

use tantivy::Searcher;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::{Snippet, SnippetGenerator, collapse_overlapped_ranges};

use crate::analysis;

/// Longest snippet, in characters (tantivy counts bytes of the fragment; close enough).
pub(crate) const SNIPPET_CHARS: usize = 200;

/// A snippet generator for `query`'s terms on `field`.
///
/// Like tantivy's `SnippetGenerator::create` (a term weighs `1 / (1 + documents having
/// it)`), with the highlighting analyzer of [`analysis::french_for_terms`], which only
/// stems the words that may match: stemming every word of every hit's body was a third of
/// the search time in the benchmark.
pub(crate) fn generator(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> tantivy::Result<SnippetGenerator> {
    let mut terms = Vec::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.push(term.clone());
        }
    });
    let mut weights: BTreeMap<String, f32> = BTreeMap::new();
    for term in terms {
        let Some(text) = term.value().as_str().map(str::to_owned) else {
            continue;
        };
        if weights.contains_key(&text) {
            continue;
        }
        let documents = searcher.doc_freq(&term)?;
        if documents > 0 {
            weights.insert(text, 1.0 / (1.0 + documents as f32));
        }
    }
    let analyzer = analysis::french_for_terms(weights.keys().map(String::as_str));
    Ok(SnippetGenerator::new(
        weights,
        analyzer,
        field,
        SNIPPET_CHARS,
    ))
}

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

/// How much of the start of a text [`best`] analyses first, in bytes.
const FIRST_WINDOW: usize = 1024;

/// The snippet of `text` for `generator`'s terms, rendered by [`marked`]: the best
/// fragment of the start of `text` (about [`FIRST_WINDOW`] bytes, cut between words) when
/// it holds a match, else of the whole text. `None` when nothing matches.
///
/// Hits mostly match early (the best ranked are short or use the words often): analysing
/// whole bodies was half of the cost of a page of hits in the benchmark.
pub(crate) fn best(generator: &SnippetGenerator, text: &str) -> Option<String> {
    let start = start_of(text, FIRST_WINDOW);
    (start.len() < text.len())
        .then(|| marked(&generator.snippet(start)))
        .flatten()
        .or_else(|| marked(&generator.snippet(text)))
}

/// The first `bytes` of `text`, or a little less so as to end between two words.
fn start_of(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let start = &text[..end];
    match start.rfind(|c: char| !c.is_alphanumeric()) {
        Some(space) if space > 0 => &start[..space],
        _ => start,
    }
}

/// Renders a snippet's fragment, escaped, with `<mark>` around its highlighted ranges.
/// `None` when nothing is highlighted.
fn marked(snippet: &Snippet) -> Option<String> {
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
    fn start_of_cuts_between_words() {
        assert_eq!(start_of("court", 10), "court");
        assert_eq!(start_of("un volcanique", 9), "un");
        assert_eq!(start_of("été été", 5), "été");
        assert_eq!(start_of("ééééé", 5), "éé");
    }

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
