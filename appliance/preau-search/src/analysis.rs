//! Text analysis: the French analyzer used for titles, bodies and queries, and the
//! folding analyzer used for suggestions.

use std::sync::Arc;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
    TokenizerManager,
};

/// Name of the French analyzer (titles, bodies, queries).
pub(crate) const FRENCH: &str = "fr";

/// Name of the suggestion analyzer: like [`FRENCH`] without stop words nor stemming, so
/// that what a person types is a prefix of the indexed words.
pub(crate) const FOLDED: &str = "fr_folded";

/// Tokens longer than this (in bytes) are dropped: they are never words.
const LONGEST_TOKEN: usize = 40;

fn stop_words() -> StopWordFilter {
    StopWordFilter::new(Language::French)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()))
}

/// `SimpleTokenizer → RemoveLongFilter(40) → LowerCaser → StopWordFilter(French)
/// → AsciiFoldingFilter → Stemmer(French)`.
///
/// Stop words are removed before folding because the list is accented (`même`, `étant`…);
/// the elided articles (`l'`, `d'`, `qu'`…) are split off by the tokenizer and are in the
/// list. `été` (summer) is not in it.
pub(crate) fn french() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(stop_words())
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// The key a token shares with its stem: its first two characters.
///
/// The French Snowball stemmer only removes or rewrites letters inside regions that start
/// at the third letter at the earliest (RV, R1, R2), and the letters it marks on the way
/// (`u`, `i`, `y` between vowels) are restored at the end; after ASCII folding no accent is
/// left for it to change. So a word and its stem start with the same two characters (the
/// `stems_keep_their_first_two_letters` test checks it on the corpus).
fn stem_key(text: &str) -> &str {
    let end = text
        .char_indices()
        .nth(2)
        .map_or(text.len(), |(index, _)| index);
    &text[..end]
}

/// [`french`] for highlighting a query whose terms (stems) are `terms`: the same tokens
/// where they can match, but the stemmer (most of the cost of analysing a text) only runs
/// on words whose first two letters start one of the terms. Other words keep their
/// unstemmed form, which cannot equal a term.
pub(crate) fn french_for_terms<'a>(terms: impl IntoIterator<Item = &'a str>) -> TextAnalyzer {
    let mut keys: Vec<String> = terms.into_iter().map(|t| stem_key(t).to_owned()).collect();
    keys.sort();
    keys.dedup();
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(stop_words())
        .filter(AsciiFoldingFilter)
        .filter(StemIfKey {
            keys: Arc::new(keys),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::French))
                .build(),
        })
        .build()
}

/// Stems the tokens whose [`stem_key`] is in `keys`.
#[derive(Clone)]
struct StemIfKey {
    keys: Arc<Vec<String>>,
    stemmer: TextAnalyzer,
}

impl TokenFilter for StemIfKey {
    type Tokenizer<T: Tokenizer> = StemIfKeyTokenizer<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StemIfKeyTokenizer<T> {
        StemIfKeyTokenizer {
            inner,
            keys: self.keys,
            stemmer: self.stemmer,
        }
    }
}

#[derive(Clone)]
struct StemIfKeyTokenizer<T> {
    inner: T,
    keys: Arc<Vec<String>>,
    stemmer: TextAnalyzer,
}

impl<T: Tokenizer> Tokenizer for StemIfKeyTokenizer<T> {
    type TokenStream<'a> = StemIfKeyStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StemIfKeyStream {
            tail: self.inner.token_stream(text),
            keys: &self.keys,
            stemmer: &mut self.stemmer,
        }
    }
}

struct StemIfKeyStream<'a, S> {
    tail: S,
    keys: &'a [String],
    stemmer: &'a mut TextAnalyzer,
}

impl<S: TokenStream> TokenStream for StemIfKeyStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        let key = stem_key(&token.text);
        if self.keys.binary_search_by(|k| k.as_str().cmp(key)).is_ok() {
            let mut stream = self.stemmer.token_stream(&token.text);
            if let Some(stemmed) = stream.next() {
                let stemmed = stemmed.text.clone();
                drop(stream);
                token.text = stemmed;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// `SimpleTokenizer → RemoveLongFilter(40) → LowerCaser → AsciiFoldingFilter`.
pub(crate) fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers both analyzers (tokenizers are not persisted with the index: this runs on
/// every open).
pub(crate) fn register(manager: &TokenizerManager) {
    manager.register(FRENCH, french());
    manager.register(FOLDED, folded());
}

/// The tokens of `text` through `analyzer`.
pub(crate) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr(text: &str) -> Vec<String> {
        tokens(&mut french(), text)
    }

    #[test]
    fn accents_case_and_plurals_meet() {
        assert_eq!(fr("élèves"), fr("eleve"));
        assert_eq!(fr("forêt"), fr("FORET"));
        assert_eq!(fr("CHÂTEAU"), fr("châteaux"));
        assert_eq!(fr("volcans"), fr("volcan"));
    }

    #[test]
    fn stop_words_and_elisions_go() {
        assert_eq!(fr("le cycle de l'eau"), fr("cycle eau"));
        assert_eq!(fr("l’été"), fr("été"));
        assert!(!fr("été").is_empty(), "été (summer) is not a stop word");
    }

    #[test]
    fn long_tokens_are_dropped() {
        let long = "a".repeat(60);
        assert_eq!(fr(&format!("volcan {long}")), fr("volcan"));
    }

    #[test]
    fn highlighting_analysis_matches_on_the_terms() {
        let text = "Les chevaux galopent ; le cheval de l'élève et les CHÂTEAUX forts.";
        let full = fr(text);
        let terms = ["cheval", "chateau"];
        let partial = tokens(&mut french_for_terms(terms), text);
        assert_eq!(full.len(), partial.len());
        let mut matched = 0;
        for (a, b) in full.iter().zip(&partial) {
            if terms.contains(&a.as_str()) {
                assert_eq!(a, b);
                matched += 1;
            } else {
                assert!(!terms.contains(&b.as_str()), "{a} / {b}");
            }
        }
        assert_eq!(matched, 3);
    }

    #[test]
    fn stems_keep_their_first_two_letters() {
        let corpus = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/library/corpus.tsv"
        ))
        .unwrap_or_default();
        let mut words = 0;
        for word in tokens(&mut folded(), &corpus) {
            for stem in fr(&word) {
                assert_eq!(stem_key(&stem), stem_key(&word), "{word} → {stem}");
                words += 1;
            }
        }
        assert!(words > 1000, "{words} words checked");
    }

    #[test]
    fn folded_keeps_whole_words() {
        assert_eq!(tokens(&mut folded(), "Les Élèves"), vec!["les", "eleves"]);
    }
}
