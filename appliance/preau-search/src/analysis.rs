//! Text analysis: the French analyzer used for titles, bodies and queries, and the
//! folding analyzer used for suggestions.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, TokenizerManager,
};

/// Name of the French analyzer (titles, bodies, queries).
pub(crate) const FRENCH: &str = "fr";

/// Name of the suggestion analyzer: like [`FRENCH`] without stop words nor stemming, so
/// that what a person types is a prefix of the indexed words.
pub(crate) const FOLDED: &str = "fr_folded";

/// Tokens longer than this (in bytes) are dropped: they are never words.
const LONGEST_TOKEN: usize = 40;

/// `SimpleTokenizer → RemoveLongFilter(40) → LowerCaser → StopWordFilter(French)
/// → AsciiFoldingFilter → Stemmer(French)`.
///
/// Stop words are removed before folding because the list is accented (`même`, `été`…
/// are spelt with their accents); the elided articles (`l'`, `d'`, `qu'`…) are split off
/// by the tokenizer and are in the list.
pub(crate) fn french() -> TextAnalyzer {
    let stop_words = StopWordFilter::new(Language::French)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()));
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(stop_words)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
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
    fn folded_keeps_whole_words() {
        assert_eq!(tokens(&mut folded(), "Les Élèves"), vec!["les", "eleves"]);
    }
}
