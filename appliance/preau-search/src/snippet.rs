//! Snippets as escaped HTML with `<mark>` around the matches.
//!
//! [`Highlighter`] is tantivy's `SnippetGenerator` (the same fragments, scores and choice,
//! which a test checks) for a page of hits: it reads texts with the faster highlighting
//! analysis of [`Highlighting`], kept across the hits, looks tokens up without copying them
//! (tantivy lower-cases a copy of every token), and reads the first window of a text and
//! the rest in one pass.

use std::collections::BTreeMap;
use std::ops::{ControlFlow, Range};

use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::collapse_overlapped_ranges;
use tantivy::{Score, Searcher};

use crate::analysis::Highlighting;

/// Longest snippet, in characters (tantivy counts bytes of the fragment; close enough).
pub(crate) const SNIPPET_CHARS: usize = 200;

/// Finds the best fragment of a text for a query's terms on one field.
pub(crate) struct Highlighter {
    /// The query's terms on the field (analysed, so lower-case) and their weights.
    terms: Vec<(String, Score)>,
    /// The highlighting analysis for these terms.
    tokens: Highlighting,
}

/// A span of the text made of whole tokens, at most [`SNIPPET_CHARS`] bytes long.
#[derive(Debug)]
struct Fragment {
    score: Score,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Fragment {
        Fragment {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }
}

/// The weight of `token` if it is one of `terms`. Tokens are compared lower-cased, as
/// tantivy does (the analyzer's tokens already are, but for a few odd letters).
fn weight(terms: &[(String, Score)], token: &str) -> Option<Score> {
    let find = |token: &str| {
        terms
            .iter()
            .find(|(term, _)| term == token)
            .map(|&(_, weight)| weight)
    };
    if token
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        find(token)
    } else {
        find(&token.to_lowercase())
    }
}

/// A [`Highlighter`] for `query`'s terms on `field`.
///
/// Like tantivy's `SnippetGenerator::create` (a term weighs `1 / (1 + documents having
/// it)`), with the highlighting analysis of [`Highlighting`], which only stems the words
/// that may match: stemming every word of every hit's body was a third of the search time
/// in the benchmark.
pub(crate) fn highlighter(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
) -> tantivy::Result<Highlighter> {
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
    Ok(Highlighter::new(weights))
}

impl Highlighter {
    /// A highlighter for these terms and weights.
    pub(crate) fn new(weights: BTreeMap<String, Score>) -> Highlighter {
        let tokens = Highlighting::new(weights.keys().map(String::as_str));
        Highlighter {
            terms: weights.into_iter().collect(),
            tokens,
        }
    }

    /// The fragments of `text` that hold a term: consecutive spans of tokens, a new one
    /// starting at the first token that would make the current one longer than
    /// [`SNIPPET_CHARS`] bytes (tantivy's `search_fragments`). Those of `text[..window]`
    /// only when they hold a term (`window` ends between two words).
    fn fragments(&mut self, text: &str, window: usize) -> Vec<Fragment> {
        let mut fragments = Vec::new();
        if self.terms.is_empty() {
            return fragments;
        }
        let mut fragment = Fragment::new(0);
        let mut in_window = true;
        let terms = &self.terms;
        self.tokens.for_each(text, |offsets, token| {
            if in_window && offsets.end > window {
                if fragment.score > 0.0 || !fragments.is_empty() {
                    return ControlFlow::Break(());
                }
                in_window = false;
            }
            if offsets.end - fragment.start > SNIPPET_CHARS {
                let next = Fragment::new(offsets.start);
                let done = std::mem::replace(&mut fragment, next);
                if done.score > 0.0 {
                    fragments.push(done);
                }
            }
            fragment.stop = offsets.end;
            if let Some(weight) = token.and_then(|token| weight(terms, token)) {
                fragment.score += weight;
                fragment.highlighted.push(offsets);
            }
            ControlFlow::Continue(())
        });
        if fragment.score > 0.0 {
            fragments.push(fragment);
        }
        fragments
    }

    /// The best fragment of [`Self::fragments`], rendered by [`marked`]: the highest
    /// score, the earliest among equals (tantivy's `select_best_fragment_combination`).
    /// `None` when no term is in `text`.
    fn snippet(&mut self, text: &str, window: usize) -> Option<String> {
        let fragments = self.fragments(text, window);
        let best =
            fragments
                .iter()
                .max_by(|left, right| match left.score.partial_cmp(&right.score) {
                    Some(std::cmp::Ordering::Equal) | None => {
                        (right.start, right.stop).cmp(&(left.start, left.stop))
                    }
                    Some(order) => order,
                })?;
        let fragment = text.get(best.start..best.stop)?;
        let highlighted: Vec<Range<usize>> = best
            .highlighted
            .iter()
            .map(|range| range.start - best.start..range.end - best.start)
            .collect();
        marked(fragment, &highlighted)
    }

    /// The snippet of `text`: the best fragment of the start of `text` (about
    /// [`FIRST_WINDOW`] bytes, cut between words) when it holds a match, else of the whole
    /// text, read once. `None` when nothing matches.
    ///
    /// Hits mostly match early (the best ranked are short or use the words often):
    /// analysing whole bodies was half of the cost of a page of hits in the benchmark.
    pub(crate) fn best(&mut self, text: &str) -> Option<String> {
        let window = start_of(text, FIRST_WINDOW).len();
        self.snippet(text, window)
    }
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

/// How much of the start of a text [`Highlighter::best`] analyses first, in bytes.
const FIRST_WINDOW: usize = 1024;

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

/// Renders a fragment, escaped, with `<mark>` around its `highlighted` ranges.
/// `None` when nothing is highlighted.
fn marked(fragment: &str, highlighted: &[Range<usize>]) -> Option<String> {
    if highlighted.is_empty() {
        return None;
    }
    let ranges: Vec<Range<usize>> = collapse_overlapped_ranges(highlighted);
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

    use tantivy::snippet::SnippetGenerator;

    /// A page of the relevance corpus's texts, with uppercase, accents and odd letters.
    fn texts() -> Vec<String> {
        let corpus = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/library/corpus.tsv"
        ))
        .unwrap_or_default();
        let lines: Vec<String> = corpus
            .lines()
            .map(|line| {
                line.split('\t')
                    .skip(1)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(". ")
            })
            .collect();
        let mut texts = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            texts.push(line.clone());
            // Longer texts: 1 to 30 lines, so that some pass the first window.
            let mut long = String::new();
            for j in 0..(1 + i % 30) {
                long.push_str(&lines[(i * 7 + j) % lines.len()]);
                long.push(' ');
            }
            texts.push(long.clone());
            texts.push(long.to_uppercase());
        }
        texts.push("ÉLÈVES İstanbul ǅemal Straße CHÂTEAUX élève".to_owned());
        texts
    }

    #[test]
    fn highlighter_picks_the_fragment_tantivy_picks() {
        let texts = texts();
        assert!(texts.len() > 300);
        let queries: [&[&str]; 6] = [
            &["vach"],
            &["vach", "poul", "lait"],
            &["anim", "ferm"],
            &["elev", "chateau"],
            &["istanbul", "strass"],
            &["inexist"],
        ];
        let mut compared = 0;
        for (n, terms) in queries.iter().enumerate() {
            let weights: BTreeMap<String, Score> = terms
                .iter()
                .enumerate()
                .map(|(i, term)| ((*term).to_owned(), 1.0 / (2.0 + (i + n) as f32)))
                .collect();
            let generator = SnippetGenerator::new(
                weights.clone(),
                crate::analysis::reference::french_for_terms(weights.keys().map(String::as_str)),
                Field::from_field_id(0),
                SNIPPET_CHARS,
            );
            let mut highlighter = Highlighter::new(weights);
            let tantivy = |text: &str| {
                let snippet = generator.snippet(text);
                marked(snippet.fragment(), snippet.highlighted())
            };
            for text in &texts {
                let theirs = tantivy(text);
                assert_eq!(
                    highlighter.snippet(text, text.len()),
                    theirs,
                    "{terms:?} in {text}"
                );
                compared += usize::from(theirs.is_some());
                // The first window when it holds a match, else the whole text.
                let start = start_of(text, FIRST_WINDOW);
                let theirs = tantivy(start).or_else(|| tantivy(text));
                assert_eq!(highlighter.best(text), theirs, "{terms:?} in {text}");
            }
        }
        assert!(compared > 300, "{compared} snippets compared");
    }

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
