//! Turning what a person typed into the query parser's language.
//!
//! The person's syntax is small: words (all required), phrases between `"…"`, `«…»` or
//! `“…”`, and `-word` to exclude a word. Everything else the query parser would read as
//! syntax (`:` field names, `'…'` phrases — `l'eau`! —, `(`, `[`, `^`, `*`, `AND`/`OR`…)
//! is turned into plain text, so that no input is misread and none errors.

/// Characters the query grammar treats specially, replaced by spaces in words.
const SPECIAL: &[char] = &[
    '+', '^', '`', ':', '{', '}', '"', '\'', '[', ']', '(', ')', '!', '\\', '*', '~', '<', '>', '=',
];

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '«' | '»' | '“' | '”' | '„')
}

/// One piece of the person's query.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Word { text: String, excluded: bool },
    Phrase(String),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut in_phrase = false;
    let mut current = String::new();
    let flush = |current: &mut String, in_phrase: bool, out: &mut Vec<Piece>| {
        if in_phrase {
            if !current.trim().is_empty() {
                out.push(Piece::Phrase(current.trim().to_owned()));
            }
        } else {
            for word in current.split_whitespace() {
                let (excluded, word) = match word.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, word),
                };
                if !word.is_empty() {
                    out.push(Piece::Word {
                        text: word.to_owned(),
                        excluded,
                    });
                }
            }
        }
        current.clear();
    };
    for c in text.chars() {
        if is_quote(c) {
            flush(&mut current, in_phrase, &mut out);
            in_phrase = !in_phrase;
        } else {
            current.push(c);
        }
    }
    flush(&mut current, in_phrase, &mut out);
    out
}

/// Replaces the grammar's special characters by spaces.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| {
            if SPECIAL.contains(&c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// The query-parser string for what the person typed.
pub(crate) fn to_parser_syntax(text: &str) -> String {
    let mut out = String::new();
    for piece in pieces(text) {
        match piece {
            Piece::Phrase(phrase) => {
                let phrase = plain(&phrase);
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                if !phrase.is_empty() {
                    out.push_str(" \"");
                    out.push_str(&phrase);
                    out.push('"');
                }
            }
            Piece::Word { text, excluded } => {
                // `l'eau` becomes `l eau`: the analyzer splits it the same way anyway.
                // Inner hyphens stay (`arc-en-ciel` is one term the analyzer splits).
                for (i, word) in plain(&text).split_whitespace().enumerate() {
                    let word = word.trim_start_matches('-');
                    if word.is_empty() {
                        continue;
                    }
                    out.push(' ');
                    if excluded && i == 0 {
                        out.push('-');
                    }
                    match word {
                        "AND" | "OR" | "NOT" | "IN" => out.push_str(&word.to_lowercase()),
                        _ => out.push_str(word),
                    }
                }
            }
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_pass() {
        assert_eq!(
            to_parser_syntax("  volcans   d'Auvergne "),
            "volcans d Auvergne"
        );
    }

    #[test]
    fn phrases_in_any_quotes() {
        assert_eq!(to_parser_syntax("\"cycle de l'eau\""), "\"cycle de l eau\"");
        assert_eq!(to_parser_syntax("« cycle de l’eau »"), "\"cycle de l’eau\"");
        assert_eq!(to_parser_syntax("mer \"sans fin"), "mer \"sans fin\"");
    }

    #[test]
    fn syntax_becomes_text() {
        assert_eq!(
            to_parser_syntax("title:volcan (lave) [a TO b]"),
            "title volcan lave a TO b"
        );
        assert_eq!(to_parser_syntax("l'or OR l'argent"), "l or or l argent");
        assert_eq!(to_parser_syntax("-lave volcan - --"), "-lave volcan");
        assert_eq!(to_parser_syntax("\\\"^*~"), "");
    }
}
