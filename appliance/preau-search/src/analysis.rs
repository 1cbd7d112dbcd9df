//! Text analysis: the French analyzer used for titles, bodies and queries, the folding
//! analyzer used for suggestions, and the French analysis of bodies for highlighting.

use std::ops::{ControlFlow, Range};
use std::sync::OnceLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, TokenStream, TokenizerManager,
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

/// The highlighting analysis as a tantivy analyzer: slower, the reference of
/// [`Highlighting`] in tests.
#[cfg(test)]
pub(crate) mod reference {
    use std::sync::Arc;

    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
        Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
    };

    use super::{LONGEST_TOKEN, stem_key, stop_words};

    /// [`super::french`] for highlighting a query whose terms (stems) are `terms`: the same tokens
    /// where they can match, but the stemmer (most of the cost of analysing a text) only runs
    /// on words whose first two letters start one of the terms. Other words keep their
    /// unstemmed form, which cannot equal a term. The reference of [`super::Highlighting`].
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
}

/// tantivy's French stop words (`StopWordFilter::new(Language::French)`), for
/// [`Highlighting`] (tantivy does not expose its list; a test checks each word).
const STOP_WORDS: [&str; 154] = [
    "ai", "aie", "aient", "aies", "ait", "au", "aurai", "auraient", "aurais", "aurait", "aurez",
    "auriez", "aurions", "aurons", "auront", "aux", "avaient", "avais", "avait", "avec", "avez",
    "aviez", "avons", "ayant", "ayez", "ayons", "c", "ce", "ceci", "cela", "celà", "ces", "cet",
    "cette", "d", "dans", "de", "des", "du", "elle", "en", "es", "et", "eu", "eue", "eues",
    "eurent", "eus", "eusse", "eussent", "eusses", "eussiez", "eussions", "eut", "eux", "eûmes",
    "eût", "eûtes", "furent", "fus", "fusse", "fussent", "fusses", "fussiez", "fussions", "fut",
    "fûmes", "fûtes", "ici", "il", "ils", "j", "je", "l", "la", "le", "les", "leur", "leurs",
    "lui", "m", "ma", "mais", "me", "mes", "moi", "mon", "même", "n", "ne", "nos", "notre", "nous",
    "on", "ont", "ou", "par", "pas", "pour", "qu", "que", "quel", "quelle", "quelles", "quels",
    "qui", "s", "sa", "sans", "se", "sera", "serai", "seraient", "serais", "serait", "seras",
    "serez", "seriez", "serions", "serons", "seront", "ses", "soi", "soient", "sois", "soit",
    "sont", "soyez", "soyons", "suis", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un",
    "une", "vos", "votre", "vous", "y", "à", "étaient", "étais", "était", "étant", "étiez",
    "étions", "étée", "étées", "êtes",
];

/// A word of at most 8 bytes as a number (its bytes, little-endian): words compare as
/// numbers (words hold no NUL byte). `None` for longer words.
fn packed(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.len() > 8 {
        return None;
    }
    let mut out = [0u8; 8];
    out.get_mut(..bytes.len())?.copy_from_slice(bytes);
    Some(u64::from_le_bytes(out))
}

/// Slots of the [`is_stop_word`] table (a power of two, about three times the words).
const STOP_SLOTS: usize = 512;

/// [`STOP_WORDS`], [`packed`], in an open-addressing hash table (0: empty slot).
fn stop_word_table() -> &'static [u64; STOP_SLOTS] {
    static TABLE: OnceLock<[u64; STOP_SLOTS]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [0; STOP_SLOTS];
        for word in STOP_WORDS.iter().filter_map(|word| packed(word)) {
            let mut slot = stop_slot(word);
            while table[slot] != 0 && table[slot] != word {
                slot = (slot + 1) % STOP_SLOTS;
            }
            table[slot] = word;
        }
        table
    })
}

/// The first slot of a [`packed`] word in the stop word table (Fibonacci hashing).
fn stop_slot(word: u64) -> usize {
    (word.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - STOP_SLOTS.trailing_zeros())) as usize
}

/// Whether the lower-case `word` is one of tantivy's French stop words.
fn is_stop_word(word: &str) -> bool {
    let Some(word) = packed(word).filter(|&word| word != 0) else {
        return false;
    };
    let table = stop_word_table();
    let mut slot = stop_slot(word);
    loop {
        match table.get(slot) {
            Some(&found) if found == word => return true,
            Some(&0) | None => return false,
            Some(_) => slot = (slot + 1) % STOP_SLOTS,
        }
    }
}

/// The tokens of texts as `reference::french_for_terms` gives them, read faster for
/// highlighting: one pass over the text that lower-cases a token and looks it up in the
/// stop words, and folds and stems only the tokens that may match (folding only those that
/// are not ASCII). A test checks that it finds the same tokens, and the same matches, on
/// the corpus.
pub(crate) struct Highlighting {
    /// The [`stem_key`]s of the terms, [`packed`].
    keys: Vec<u64>,
    /// `RawTokenizer → AsciiFoldingFilter`.
    folder: TextAnalyzer,
    /// `RawTokenizer → Stemmer(French)`.
    stemmer: TextAnalyzer,
    lower: String,
    folded: String,
}

impl Highlighting {
    /// For a query whose terms (stems) are `terms`.
    pub(crate) fn new<'a>(terms: impl IntoIterator<Item = &'a str>) -> Highlighting {
        let mut keys: Vec<u64> = terms
            .into_iter()
            .filter_map(|t| packed(stem_key(t)))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Highlighting {
            keys,
            folder: TextAnalyzer::builder(RawTokenizer::default())
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::French))
                .build(),
            lower: String::new(),
            folded: String::new(),
        }
    }

    /// Calls `each(offsets, token)` for the tokens of `text` in order (the words that
    /// `reference::french_for_terms` keeps), until it breaks: `token` is the analysed
    /// word when it may be one of the terms, `None` when it cannot be (its first two
    /// letters start none of them).
    pub(crate) fn for_each(
        &mut self,
        text: &str,
        mut each: impl FnMut(Range<usize>, Option<&str>) -> ControlFlow<()>,
    ) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            // `SimpleTokenizer`: runs of alphanumeric characters.
            let Some(from) = next_boundary(text, at, true) else {
                break;
            };
            let to = next_boundary(text, from, false).unwrap_or(bytes.len());
            at = to;
            let word = &text[from..to];
            if word.len() >= LONGEST_TOKEN {
                continue;
            }
            self.lower.clear();
            if word.is_ascii() {
                self.lower.push_str(word);
                self.lower.make_ascii_lowercase();
            } else {
                for c in word.chars() {
                    self.lower.extend(c.to_lowercase());
                }
            }
            if is_stop_word(&self.lower) {
                continue;
            }
            let folded = if self.lower.is_ascii() {
                &self.lower
            } else {
                self.folded.clear();
                if !fold_latin(&self.lower, &mut self.folded) {
                    self.folded.clear();
                    let mut stream = self.folder.token_stream(&self.lower);
                    if let Some(token) = stream.next() {
                        self.folded.push_str(&token.text);
                    }
                }
                &self.folded
            };
            let key = packed(stem_key(folded));
            let flow = if key.is_some_and(|key| self.keys.contains(&key)) {
                let mut stream = self.stemmer.token_stream(folded);
                match stream.next() {
                    Some(stemmed) => each(from..to, Some(&stemmed.text)),
                    None => each(from..to, Some(folded)),
                }
            } else {
                each(from..to, None)
            };
            if flow.is_break() {
                return;
            }
        }
    }
}

/// `AsciiFoldingFilter` for lower-case words of ASCII and French (Latin-1) letters, into
/// `out`: without building a token stream per word. `false` (with `out` unfinished) when
/// `word` has another letter: fold it with the filter then.
fn fold_latin(word: &str, out: &mut String) -> bool {
    for c in word.chars() {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ð' => "d",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'œ' => "oe",
            'ß' => "ss",
            'þ' => "th",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            c if c.is_ascii() => {
                out.push(c);
                continue;
            }
            _ => return false,
        };
        out.push_str(folded);
    }
    true
}

/// The byte offset of the first character from `at` that is alphanumeric (`alphanumeric`)
/// or not.
fn next_boundary(text: &str, at: usize, alphanumeric: bool) -> Option<usize> {
    let rest = text.get(at..)?;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() == alphanumeric {
                return Some(at + i);
            }
            i += 1;
        } else {
            let c = rest[i..].chars().next()?;
            if c.is_alphanumeric() == alphanumeric {
                return Some(at + i);
            }
            i += c.len_utf8();
        }
    }
    None
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
    use super::reference::french_for_terms;
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
    fn highlighting_stop_words_are_tantivys() {
        assert!(STOP_WORDS.is_sorted());
        let mut filter = TextAnalyzer::builder(RawTokenizer::default())
            .filter(stop_words())
            .build();
        for word in STOP_WORDS {
            assert!(tokens(&mut filter, word).is_empty(), "{word}");
        }
        let table = stop_word_table();
        assert_eq!(
            table.iter().filter(|&&word| word != 0).count(),
            STOP_WORDS.len(),
            "all of 8 bytes or less"
        );
        for word in STOP_WORDS {
            assert!(is_stop_word(word), "{word}");
        }
        for word in ["", "volcan", "eleve", "étés", "étaient!", "auraientx"] {
            assert!(!is_stop_word(word), "{word}");
        }
        assert_eq!(tokens(&mut filter, "volcan"), vec!["volcan"]);
    }

    #[test]
    fn latin_letters_fold_as_tantivy_folds_them() {
        let mut filter = TextAnalyzer::builder(RawTokenizer::default())
            .filter(AsciiFoldingFilter)
            .build();
        let mut folded = 0;
        for c in ('\u{a0}'..='\u{24f}').chain(['œ', 'Œ']) {
            let word: String = c.to_lowercase().collect();
            let mut ours = String::new();
            if fold_latin(&word, &mut ours) {
                assert_eq!(vec![ours], tokens(&mut filter, &word), "{c}");
                folded += 1;
            }
        }
        assert!(folded > 50, "{folded}");
    }

    #[test]
    fn highlighting_reads_the_tokens_of_french_for_terms() {
        let corpus = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/library/corpus.tsv"
        ))
        .unwrap_or_default();
        let odd = "L'ÉLÈVE ÉTAIT LÀ. İstanbul ǅemal ΣΊΣΥΦΟΣ Straße ﬁn œuvre Œuvres \
                   42ème \
                   2024 x² ① ÇA Ça ça-va aujourd’hui MÊME même Été étÉ l’été";
        let long = format!("{} volcan {}", "a".repeat(39), "é".repeat(20));
        let queries: [&[&str]; 6] = [
            &["vach", "poul", "lait"],
            &["eau", "plant", "enfant", "mer"],
            &["anim", "ferm", "eleve"],
            &["istanbul", "strass", "fin", "oeuvr", "ca"],
            &["volcan", "aaaa", "ee"],
            &["42em", "2024", "sisyphe", "dzemal"],
        ];
        let mut matched = 0;
        for terms in queries {
            let mut highlighting = Highlighting::new(terms.iter().copied());
            let mut analyzer = french_for_terms(terms.iter().copied());
            for text in [corpus.as_str(), odd, long.as_str()] {
                let mut theirs = Vec::new();
                let mut stream = analyzer.token_stream(text);
                while let Some(token) = stream.next() {
                    let term = terms
                        .contains(&token.text.as_str())
                        .then(|| token.text.clone());
                    theirs.push((token.offset_from..token.offset_to, term));
                }
                let mut ours = Vec::new();
                highlighting.for_each(text, |offsets, token| {
                    let term = token.filter(|token| terms.contains(token));
                    ours.push((offsets, term.map(str::to_owned)));
                    ControlFlow::Continue(())
                });
                assert_eq!(ours.len(), theirs.len(), "{terms:?}");
                for (ours, theirs) in ours.iter().zip(&theirs) {
                    assert_eq!(ours, theirs, "{:?}", &text[theirs.0.clone()]);
                }
                matched += ours.iter().filter(|(_, term)| term.is_some()).count();
            }
        }
        assert!(matched > 50, "{matched} matches");
    }

    #[test]
    fn folded_keeps_whole_words() {
        assert_eq!(tokens(&mut folded(), "Les Élèves"), vec!["les", "eleves"]);
    }
}
