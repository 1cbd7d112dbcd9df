//! Automatic marking: whether a pupil's answer is right, by clear rules.
//!
//! Typed text is compared after trimming, collapsing runs of spaces and writing typographic
//! apostrophes as `'`; case and accents are forgiven only when the question's
//! [`Tolerance`] says so. Numbers are compared as numbers (« 12,5 » = « 12.50 »,
//! « 1 000 » = « 1000 »). A choice question is right when exactly the right choices are
//! ticked; blanks when every blank holds one of its accepted answers; matching when every
//! left item goes with its own pair; order when the items are in the teacher's order.

use super::{Given, Question, QuestionKind, Segment, Tolerance};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Nothing forgiven: how texts shown to the pupil (items, right sides) are told apart.
const STRICT: Tolerance = Tolerance {
    accents: false,
    case: false,
};

/// Shown for a blank left empty or an answer not given.
const NOTHING: &str = "…";
/// Shown for an index that does not exist in the question.
const UNKNOWN: &str = "?";

/// `text` as compared: trimmed, inner spaces collapsed, apostrophes straightened, then
/// lower-cased and without accents when `tolerance` forgives them.
///
/// The text is first composed (NFC), so « é » typed as one or two code points is the same
/// letter. Every Unicode space (including non-breaking ones) counts as a space; ’ ‘ ʼ are
/// written `'`. Without accents, letters lose their combining marks and œ, æ become oe, ae.
pub fn normalise(text: &str, tolerance: Tolerance) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfc() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
            c => c,
        });
    }
    let out = if tolerance.case {
        out.to_lowercase()
    } else {
        out
    };
    if tolerance.accents {
        without_accents(&out)
    } else {
        out
    }
}

/// `text` without combining marks, ligatures œ and æ spelt out.
fn without_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            c => out.extend(std::iter::once(c).nfd().filter(|d| !is_combining_mark(*d))),
        }
    }
    out
}

/// Whether a typed answer equals an accepted one under `tolerance`.
pub fn same_text(given: &str, accepted: &str, tolerance: Tolerance) -> bool {
    normalise(given, tolerance) == normalise(accepted, tolerance)
}

/// A number read from typed text, in a canonical form compared exactly: its sign, its
/// integer digits without leading zeros, its decimal digits without trailing zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Number {
    negative: bool,
    integer: String,
    decimals: String,
}

/// Reads a typed number: an optional sign (`+`, `-` or `−`), integer digits possibly grouped
/// by threes with spaces (any Unicode space: « 1 000 », « 12 345 678 »), then optionally
/// one decimal separator (`,` or `.`) and decimal digits. « ,5 » is 0,5; « 5, » and « 1,2,3 »
/// are not numbers; ASCII digits only.
pub(crate) fn parse_number(text: &str) -> Option<Number> {
    let text = text.trim();
    let (negative, rest) = if let Some(rest) = text.strip_prefix('+') {
        (false, rest)
    } else if let Some(rest) = text.strip_prefix(['-', '\u{2212}']) {
        (true, rest)
    } else {
        (false, text)
    };
    let rest = rest.trim_start();
    let (integer_part, decimals) = match rest.split_once([',', '.']) {
        Some((i, d)) => (i, Some(d)),
        None => (rest, None),
    };
    let groups: Vec<&str> = integer_part
        .split(char::is_whitespace)
        .filter(|g| !g.is_empty())
        .collect();
    if groups
        .iter()
        .any(|g| !g.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    if groups.len() > 1 {
        let first_ok = groups.first().is_some_and(|g| g.len() <= 3);
        if !first_ok || groups.iter().skip(1).any(|g| g.len() != 3) {
            return None;
        }
    }
    let integer: String = groups.concat();
    let decimals = match decimals {
        Some(d) => {
            if d.is_empty() || !d.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            d
        }
        None => {
            if integer.is_empty() {
                return None;
            }
            ""
        }
    };
    let integer = integer.trim_start_matches('0').to_string();
    let decimals = decimals.trim_end_matches('0').to_string();
    let zero = integer.is_empty() && decimals.is_empty();
    Some(Number {
        negative: negative && !zero,
        integer,
        decimals,
    })
}

/// Whether two typed numbers are the same number (French or English decimal separator,
/// spaces between thousands). Unreadable numbers are never the same.
///
/// Both are read as exact decimals (never as floating point): « 12,5 » = « 12.50 »,
/// « 1 000 » = « 1000 » = « +1000 », « -0 » = « 0 ». A comma or a point is always the
/// decimal separator, so « 1,000 » is one.
pub fn same_number(given: &str, accepted: &str) -> bool {
    match (parse_number(given), parse_number(accepted)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// The accepted variants of each blank, in order.
fn blanks(segments: &[Segment]) -> impl Iterator<Item = &[String]> {
    segments.iter().filter_map(|s| match s {
        Segment::Blank(variants) => Some(variants.as_slice()),
        Segment::Text(_) => None,
    })
}

/// Whether a short typed answer equals an accepted one.
fn short_right(given: &str, accepted: &str, numeric: bool, tolerance: Tolerance) -> bool {
    if numeric && parse_number(accepted).is_some() {
        same_number(given, accepted)
    } else {
        same_text(given, accepted, tolerance)
    }
}

/// Whether `given` is a right answer to `question`. An answer of another kind is wrong.
///
/// * Choice: the ticked indexes, as a set, are exactly the right choices; an index ticked
///   twice or out of range makes it wrong; their order does not matter.
/// * Blanks: as many texts as blanks, each the same text as one of its accepted variants.
/// * Matching: one entry per left item, each the pair's own index (or a pair whose right
///   item has the very same text).
/// * Order: a permutation in the teacher's order; items with the very same text may be
///   swapped.
/// * Short: the same number as an accepted answer when numeric (an accepted answer that is
///   not a number is compared as text), else the same text under the tolerance.
pub fn mark(question: &Question, given: &Given) -> bool {
    let tolerance = question.tolerance;
    match (&question.kind, given) {
        (QuestionKind::Choice { choices, .. }, Given::Choice(ticked)) => {
            let mut seen = vec![false; choices.len()];
            for &i in ticked {
                match seen.get_mut(i) {
                    Some(s) if !*s => *s = true,
                    _ => return false,
                }
            }
            seen.iter().zip(choices).all(|(s, c)| *s == c.right)
        }
        (QuestionKind::Blanks { segments }, Given::Blanks(typed)) => {
            blanks(segments).count() == typed.len()
                && blanks(segments)
                    .zip(typed)
                    .all(|(variants, t)| variants.iter().any(|v| same_text(t, v, tolerance)))
        }
        (QuestionKind::Matching { pairs }, Given::Matching(chosen)) => {
            chosen.len() == pairs.len()
                && pairs.iter().zip(chosen).enumerate().all(|(i, (pair, c))| {
                    c.is_some_and(|j| {
                        j == i
                            || pairs
                                .get(j)
                                .is_some_and(|other| same_text(&other.1, &pair.1, STRICT))
                    })
                })
        }
        (QuestionKind::Order { items }, Given::Order(order)) => {
            if order.len() != items.len() {
                return false;
            }
            let mut seen = vec![false; items.len()];
            for &i in order {
                match seen.get_mut(i) {
                    Some(s) if !*s => *s = true,
                    _ => return false,
                }
            }
            items.iter().zip(order).enumerate().all(|(p, (item, &i))| {
                i == p
                    || items
                        .get(i)
                        .is_some_and(|other| same_text(other, item, STRICT))
            })
        }
        (QuestionKind::Short { accepted, numeric }, Given::Short(typed)) => accepted
            .iter()
            .any(|a| short_right(typed, a, *numeric, tolerance)),
        _ => false,
    }
}

/// The right answer, in French, as shown after a wrong one (« Le chat mange la souris. »).
///
/// Choice: the right choices joined by « ; »; blanks: the whole text with each blank's
/// first variant; matching: « chat → niche ; vache → étable »; order: the items joined by
/// « ; »; short: the first accepted answer.
pub fn correction(question: &Question) -> String {
    match &question.kind {
        QuestionKind::Choice { choices, .. } => choices
            .iter()
            .filter(|c| c.right)
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>()
            .join(" ; "),
        QuestionKind::Blanks { segments } => segments
            .iter()
            .map(|s| match s {
                Segment::Text(t) => t.as_str(),
                Segment::Blank(v) => v.first().map_or("", String::as_str),
            })
            .collect(),
        QuestionKind::Matching { pairs } => pairs
            .iter()
            .map(|(l, r)| format!("{l} → {r}"))
            .collect::<Vec<_>>()
            .join(" ; "),
        QuestionKind::Order { items } => items.join(" ; "),
        QuestionKind::Short { accepted, .. } => accepted.first().cloned().unwrap_or_default(),
    }
}

/// `text` trimmed, or « … » when nothing was typed.
fn typed(text: &str) -> &str {
    let text = text.trim();
    if text.is_empty() { NOTHING } else { text }
}

/// What a pupil gave, as text a teacher reads in the statistics (« 13 », « chat → niche »).
///
/// Same style as [`correction`]; an index that does not exist shows as « ? », a blank or
/// an answer left empty as « … ». An answer of another kind shows as « ? ».
pub fn describe(question: &Question, given: &Given) -> String {
    match (&question.kind, given) {
        (QuestionKind::Choice { choices, .. }, Given::Choice(ticked)) => {
            if ticked.is_empty() {
                return NOTHING.to_string();
            }
            ticked
                .iter()
                .map(|&i| choices.get(i).map_or(UNKNOWN, |c| c.text.as_str()))
                .collect::<Vec<_>>()
                .join(" ; ")
        }
        (QuestionKind::Blanks { segments }, Given::Blanks(texts)) => {
            let mut out = String::new();
            let mut next = texts.iter();
            for s in segments {
                match s {
                    Segment::Text(t) => out.push_str(t),
                    Segment::Blank(_) => out.push_str(next.next().map_or(NOTHING, |t| typed(t))),
                }
            }
            out
        }
        (QuestionKind::Matching { pairs }, Given::Matching(chosen)) => pairs
            .iter()
            .enumerate()
            .map(|(i, (left, _))| {
                let right = match chosen.get(i).copied().flatten() {
                    None => NOTHING,
                    Some(j) => pairs.get(j).map_or(UNKNOWN, |p| p.1.as_str()),
                };
                format!("{left} → {right}")
            })
            .collect::<Vec<_>>()
            .join(" ; "),
        (QuestionKind::Order { items }, Given::Order(order)) => {
            if order.is_empty() {
                return NOTHING.to_string();
            }
            order
                .iter()
                .map(|&i| items.get(i).map_or(UNKNOWN, String::as_str))
                .collect::<Vec<_>>()
                .join(" ; ")
        }
        (QuestionKind::Short { .. }, Given::Short(text)) => typed(text).to_string(),
        _ => UNKNOWN.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercises::Choice;

    const DEFAULT: Tolerance = Tolerance {
        accents: false,
        case: true,
    };
    const LENIENT: Tolerance = Tolerance {
        accents: true,
        case: true,
    };

    fn question(kind: QuestionKind, tolerance: Tolerance) -> Question {
        Question {
            prompt: "Question".into(),
            audio: None,
            image: None,
            hint: String::new(),
            kind,
            tolerance,
        }
    }

    fn short(accepted: &[&str], numeric: bool, tolerance: Tolerance) -> Question {
        question(
            QuestionKind::Short {
                accepted: accepted.iter().map(|s| s.to_string()).collect(),
                numeric,
            },
            tolerance,
        )
    }

    fn choice(texts: &[(&str, bool)]) -> Question {
        question(
            QuestionKind::Choice {
                choices: texts
                    .iter()
                    .map(|(t, r)| Choice {
                        text: t.to_string(),
                        image: None,
                        right: *r,
                    })
                    .collect(),
                several: texts.iter().filter(|(_, r)| *r).count() > 1,
            },
            DEFAULT,
        )
    }

    fn blanks_question(tolerance: Tolerance) -> Question {
        question(
            QuestionKind::Blanks {
                segments: vec![
                    Segment::Text("Le chat ".into()),
                    Segment::Blank(vec!["mange".into(), "mangeait".into()]),
                    Segment::Text(" la ".into()),
                    Segment::Blank(vec!["souris".into()]),
                    Segment::Text(" à l'été.".into()),
                ],
            },
            tolerance,
        )
    }

    fn matching() -> Question {
        question(
            QuestionKind::Matching {
                pairs: vec![
                    ("chat".into(), "niche".into()),
                    ("vache".into(), "étable".into()),
                    ("cheval".into(), "écurie".into()),
                ],
            },
            DEFAULT,
        )
    }

    fn order(items: &[&str]) -> Question {
        question(
            QuestionKind::Order {
                items: items.iter().map(|s| s.to_string()).collect(),
            },
            DEFAULT,
        )
    }

    fn blanks(t: &[&str]) -> Given {
        Given::Blanks(t.iter().map(|s| s.to_string()).collect())
    }

    fn typed(t: &str) -> Given {
        Given::Short(t.into())
    }

    #[test]
    fn normalise_spaces_and_apostrophes() {
        assert_eq!(
            normalise("  l’arbre \t  est\u{a0}\u{202f}vert  ", STRICT),
            "l'arbre est vert"
        );
        assert_eq!(normalise("l‘a lʼa", STRICT), "l'a l'a");
        assert_eq!(normalise("", STRICT), "");
        assert_eq!(normalise(" \u{a0} ", STRICT), "");
    }

    #[test]
    fn normalise_case_and_accents() {
        assert_eq!(normalise("Élève", STRICT), "Élève");
        assert_eq!(normalise("Élève", DEFAULT), "élève");
        assert_eq!(normalise("Élève", LENIENT), "eleve");
        assert_eq!(
            normalise(
                "Élève",
                Tolerance {
                    accents: true,
                    case: false
                }
            ),
            "Eleve"
        );
        assert_eq!(normalise("Cœur ŒUF Æ ægis", LENIENT), "coeur oeuf ae aegis");
        assert_eq!(
            normalise(
                "ŒUF",
                Tolerance {
                    accents: true,
                    case: false
                }
            ),
            "OEUF"
        );
        // Decomposed é (e + combining acute) is the same letter as composed é.
        assert_eq!(normalise("e\u{301}te\u{301}", STRICT), "été");
        assert_eq!(normalise("ça", LENIENT), "ca");
    }

    #[test]
    fn short_text_tolerances() {
        let strict = short(&["Paris"], false, STRICT);
        assert!(mark(&strict, &typed("Paris")));
        assert!(mark(&strict, &typed("  Paris ")));
        assert!(!mark(&strict, &typed("paris")));

        let dictee = short(&["élève"], false, DEFAULT);
        assert!(mark(&dictee, &typed("ÉLÈVE")));
        assert!(mark(&dictee, &typed("Élève")));
        assert!(!mark(&dictee, &typed("eleve")), "accents count in a dictée");

        let lenient = short(&["élève"], false, LENIENT);
        assert!(mark(&lenient, &typed("ELEVE")));
        assert!(mark(&lenient, &typed("eleve")));
        assert!(!mark(&lenient, &typed("élèves")));

        let apostrophe = short(&["l'école"], false, DEFAULT);
        assert!(mark(&apostrophe, &typed("l’école")));
        assert!(mark(&apostrophe, &typed("L’École")));
        let spaces = short(&["pomme de terre"], false, DEFAULT);
        assert!(mark(&spaces, &typed("pomme   de\u{a0}terre")));
        assert!(!mark(&spaces, &typed("pommedeterre")));
        assert!(!mark(&spaces, &typed("")));
    }

    #[test]
    fn short_several_accepted() {
        let q = short(&["clé", "clef"], false, DEFAULT);
        assert!(mark(&q, &typed("clef")));
        assert!(mark(&q, &typed("Clé")));
        assert!(!mark(&q, &typed("cle")));
        assert_eq!(correction(&q), "clé");
    }

    #[test]
    fn numbers() {
        for (a, b) in [
            ("12,5", "12.5"),
            ("12,5", "12.50"),
            ("12,50", "12.5"),
            ("1 000", "1000"),
            ("1\u{a0}000", "1000"),
            ("1\u{202f}000,5", "1000.50"),
            ("12 345 678", "12345678"),
            ("+3", "3"),
            ("-0", "0"),
            ("−4", "-4"),
            ("007", "7"),
            (",5", "0,5"),
            ("0,0", "0"),
            (" 42 ", "42"),
        ] {
            assert!(same_number(a, b), "{a} = {b}");
            assert!(same_number(b, a), "{b} = {a}");
        }
        for (a, b) in [
            ("12,5", "125"),
            ("-3", "3"),
            ("1,000", "1000"),
            ("10", "1"),
            ("0,1", "0,01"),
            ("abc", "abc"),
            ("", ""),
            ("12a", "12"),
            ("1,2,3", "1,2,3"),
            ("5,", "5"),
            ("1 00", "100"),
            ("1000 000", "1000000"),
            ("1 0000", "10000"),
            ("+", "+"),
            ("-", "0"),
            ("٣", "3"),
            ("1e3", "1000"),
            ("NaN", "NaN"),
            ("inf", "inf"),
        ] {
            assert!(!same_number(a, b), "{a} ≠ {b}");
        }
    }

    #[test]
    fn short_numeric() {
        let q = short(&["12,5"], true, DEFAULT);
        assert!(mark(&q, &typed("12.5")));
        assert!(mark(&q, &typed("12,50")));
        assert!(!mark(&q, &typed("12")));
        assert!(!mark(&q, &typed("douze")));
        let thousands = short(&["1000"], true, DEFAULT);
        assert!(mark(&thousands, &typed("1 000")));
        assert!(mark(&thousands, &typed("1\u{202f}000")));
        assert!(!mark(&thousands, &typed("100")));
        // Not numeric: compared as text.
        let text = short(&["12,5"], false, DEFAULT);
        assert!(!mark(&text, &typed("12.5")));
        assert!(mark(&text, &typed("12,5")));
        // An accepted answer that is not a number is compared as text.
        let words = short(&["12", "douze"], true, DEFAULT);
        assert!(mark(&words, &typed("Douze")));
        assert!(mark(&words, &typed("12,0")));
    }

    #[test]
    fn choice_single_and_several() {
        let one = choice(&[("Paris", true), ("Lyon", false), ("Marseille", false)]);
        assert!(mark(&one, &Given::Choice(vec![0])));
        assert!(!mark(&one, &Given::Choice(vec![1])));
        assert!(!mark(&one, &Given::Choice(vec![])));
        assert!(!mark(&one, &Given::Choice(vec![0, 1])));

        let several = choice(&[("2", true), ("3", false), ("4", true), ("5", false)]);
        assert!(mark(&several, &Given::Choice(vec![0, 2])));
        assert!(
            mark(&several, &Given::Choice(vec![2, 0])),
            "order is irrelevant"
        );
        assert!(
            !mark(&several, &Given::Choice(vec![0])),
            "a subset is wrong"
        );
        assert!(
            !mark(&several, &Given::Choice(vec![0, 1, 2])),
            "a superset is wrong"
        );
        assert!(
            !mark(&several, &Given::Choice(vec![0, 2, 2])),
            "duplicates are wrong"
        );
        assert!(!mark(&several, &Given::Choice(vec![0, 0, 2])));
        assert!(
            !mark(&several, &Given::Choice(vec![0, 2, 9])),
            "out of range"
        );
        assert!(!mark(&several, &Given::Choice(vec![usize::MAX])));
        assert_eq!(correction(&several), "2 ; 4");
        assert_eq!(describe(&several, &Given::Choice(vec![1, 7])), "3 ; ?");
        assert_eq!(describe(&several, &Given::Choice(vec![])), "…");
    }

    #[test]
    fn blanks_marking() {
        let q = blanks_question(DEFAULT);
        assert!(mark(&q, &blanks(&["mange", "souris"])));
        assert!(mark(&q, &blanks(&["  Mangeait ", "SOURIS"])));
        assert!(!mark(&q, &blanks(&["mange", "souri"])));
        assert!(!mark(&q, &blanks(&["mange"])), "too few blanks");
        assert!(!mark(&q, &blanks(&["mange", "souris", "x"])), "too many");
        assert!(!mark(&q, &blanks(&["", ""])));
        assert!(!mark(&q, &blanks(&["souris", "mange"])));
        assert_eq!(correction(&q), "Le chat mange la souris à l'été.");
        assert_eq!(
            describe(&q, &blanks(&["mangé", " "])),
            "Le chat mangé la … à l'été."
        );
        assert_eq!(describe(&q, &blanks(&[])), "Le chat … la … à l'été.");

        let accents = question(
            QuestionKind::Blanks {
                segments: vec![Segment::Blank(vec!["été".into()])],
            },
            DEFAULT,
        );
        assert!(!mark(&accents, &blanks(&["ete"])));
        let lenient = Question {
            tolerance: LENIENT,
            ..accents
        };
        assert!(mark(&lenient, &blanks(&["ETE"])));
    }

    #[test]
    fn matching_marking() {
        let q = matching();
        assert!(mark(&q, &Given::Matching(vec![Some(0), Some(1), Some(2)])));
        assert!(
            !mark(&q, &Given::Matching(vec![Some(0), Some(2), Some(1)])),
            "partly wrong"
        );
        assert!(
            !mark(&q, &Given::Matching(vec![Some(0), Some(1), None])),
            "one missing"
        );
        assert!(
            !mark(&q, &Given::Matching(vec![Some(0), Some(1)])),
            "too short"
        );
        assert!(!mark(
            &q,
            &Given::Matching(vec![Some(0), Some(1), Some(2), None])
        ));
        assert!(!mark(&q, &Given::Matching(vec![Some(0), Some(1), Some(7)])));
        assert_eq!(
            correction(&q),
            "chat → niche ; vache → étable ; cheval → écurie"
        );
        assert_eq!(
            describe(&q, &Given::Matching(vec![Some(1), None, Some(9)])),
            "chat → étable ; vache → … ; cheval → ?"
        );
        // Two right items with the very same text cannot be told apart: either is right.
        let twins = question(
            QuestionKind::Matching {
                pairs: vec![
                    ("2 + 2".into(), "4".into()),
                    ("3 + 1".into(), "4".into()),
                    ("1 + 1".into(), "2".into()),
                ],
            },
            DEFAULT,
        );
        assert!(mark(
            &twins,
            &Given::Matching(vec![Some(1), Some(0), Some(2)])
        ));
        assert!(!mark(
            &twins,
            &Given::Matching(vec![Some(2), Some(0), Some(1)])
        ));
    }

    #[test]
    fn order_marking() {
        let q = order(&["un", "deux", "trois"]);
        assert!(mark(&q, &Given::Order(vec![0, 1, 2])));
        assert!(!mark(&q, &Given::Order(vec![1, 0, 2])));
        assert!(!mark(&q, &Given::Order(vec![0, 1])));
        assert!(!mark(&q, &Given::Order(vec![0, 1, 2, 2])));
        assert!(!mark(&q, &Given::Order(vec![0, 1, 1])));
        assert!(!mark(&q, &Given::Order(vec![0, 1, 5])));
        assert_eq!(correction(&q), "un ; deux ; trois");
        assert_eq!(describe(&q, &Given::Order(vec![2, 0, 8])), "trois ; un ; ?");

        // Items with the same text may come in either order.
        let dup = order(&["la", "souris", "mange", "la", "pomme"]);
        assert!(mark(&dup, &Given::Order(vec![0, 1, 2, 3, 4])));
        assert!(mark(&dup, &Given::Order(vec![3, 1, 2, 0, 4])));
        assert!(!mark(&dup, &Given::Order(vec![3, 3, 2, 0, 4])));
        assert!(!mark(&dup, &Given::Order(vec![1, 3, 2, 0, 4])));
    }

    #[test]
    fn kind_mismatch_is_wrong() {
        let q = short(&["1"], true, DEFAULT);
        assert!(!mark(&q, &Given::Choice(vec![0])));
        assert!(!mark(&q, &Given::Order(vec![0])));
        assert!(!mark(&choice(&[("a", true), ("b", false)]), &typed("a")));
        assert!(!mark(&matching(), &Given::Order(vec![0, 1, 2])));
        assert!(!mark(
            &order(&["a", "b"]),
            &Given::Matching(vec![Some(0), Some(1)])
        ));
        assert!(!mark(&blanks_question(DEFAULT), &typed("mange")));
        assert_eq!(describe(&q, &Given::Choice(vec![0])), "?");
    }

    #[test]
    fn describe_short() {
        let q = short(&["13"], true, DEFAULT);
        assert_eq!(describe(&q, &typed(" 13 ")), "13");
        assert_eq!(describe(&q, &typed("  ")), "…");
        assert_eq!(correction(&q), "13");
        assert_eq!(correction(&short(&[], false, DEFAULT)), "");
    }

    #[test]
    fn hostile_text_does_not_panic() {
        let huge = "é\u{301}\u{a0}’Œ🐱".repeat(100_000);
        let n = normalise(&huge, LENIENT);
        assert!(!n.is_empty());
        assert!(!same_number(&huge, "1"));
        let combining = "\u{301}\u{301}\u{301}";
        assert_eq!(normalise(combining, LENIENT), "");
        let q = short(&["🐱"], false, LENIENT);
        assert!(mark(&q, &typed(" 🐱 ")));
        assert!(!mark(&q, &typed(&huge)));
        let digits = "9".repeat(1_000_000);
        assert!(same_number(&digits, &format!("{digits},000")));
    }
}
