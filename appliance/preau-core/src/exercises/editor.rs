//! What teachers type into a question, read into a [`QuestionKind`] and written back.
//!
//! One text box holds a question's answers; its meaning depends on the kind:
//!
//! * choix multiple — one choice per line, right ones starting with `*`;
//! * texte à trous — the text, each blank in square brackets, accepted variants separated
//!   by `|` (« Le chat [mange|mangeait] la souris. »);
//! * relier — one pair per line, `gauche = droite`;
//! * remettre dans l'ordre — one item per line, in the right order;
//! * réponse courte — the accepted answers, one per line.
//!
//! Lines are trimmed and blank lines ignored (Windows line ends too); control characters
//! other than line ends and tabs are dropped. The whole text is at most
//! [`MAX_LESSON`] characters, each part at most [`MAX_ANSWER`].

use super::marking::{normalise, parse_number};
use super::{
    Choice, MAX_ANSWER, MAX_LESSON, MAX_PARTS, MAX_VARIANTS, QuestionKind, Segment, Tolerance,
};

/// Why what a teacher typed was refused. [`EditError::message`] says it in French.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The kind code is unknown.
    #[error("unknown question kind")]
    UnknownKind,
    /// Not enough choices, pairs or items (the least is given).
    #[error("at least {0} parts are needed")]
    TooFew(usize),
    /// Too many choices, blanks, pairs, items or variants (the most is given).
    #[error("at most {0} parts are allowed")]
    TooMany(usize),
    /// A choice question with no right choice.
    #[error("no right choice")]
    NoRightChoice,
    /// A fill-in-the-blanks text without any blank.
    #[error("no blank")]
    NoBlank,
    /// A `[` without its `]`, or the reverse.
    #[error("unbalanced brackets")]
    Brackets,
    /// A blank, pair side, item or accepted answer that is empty.
    #[error("empty part")]
    EmptyPart,
    /// A matching line without `=`.
    #[error("a matching line has no '='")]
    PairShape,
    /// The same item or right side twice (the pupil could not tell them apart).
    #[error("a part appears twice")]
    Duplicate,
    /// A part longer than [`super::MAX_ANSWER`] characters.
    #[error("a part is too long")]
    TooLong,
    /// A numeric answer that is not a number.
    #[error("not a number")]
    NotANumber,
}

impl EditError {
    /// The message shown to the teacher, in French.
    pub fn message(&self) -> String {
        match self {
            EditError::UnknownKind => "Ce type de question n'existe pas.".to_string(),
            EditError::TooFew(n) => format!("Il faut au moins {n} éléments."),
            EditError::TooMany(n) => format!("Il ne peut pas y avoir plus de {n} éléments."),
            EditError::NoRightChoice => {
                "Marquez au moins une bonne réponse avec une étoile (*) en début de ligne."
                    .to_string()
            }
            EditError::NoBlank => "Mettez au moins un mot entre crochets pour faire un trou : \
                                   « Le chat [mange] la souris. »"
                .to_string(),
            EditError::Brackets => {
                "Un crochet [ n'est pas refermé par ] (ou l'inverse), ou un trou est coupé \
                 par un retour à la ligne."
                    .to_string()
            }
            EditError::EmptyPart => "Un trou, un élément ou une réponse est vide.".to_string(),
            EditError::PairShape => "Chaque ligne doit relier deux éléments avec un signe = : \
                                     « chat = niche »."
                .to_string(),
            EditError::Duplicate => "Le même élément apparaît deux fois : l'élève ne pourrait \
                                     pas les distinguer."
                .to_string(),
            EditError::TooLong => format!(
                "Un élément est trop long : {MAX_ANSWER} caractères au plus \
                 ({MAX_LESSON} pour tout le texte)."
            ),
            EditError::NotANumber => "Une réponse n'est pas un nombre (écrivez par exemple \
                                      « 12 », « 12,5 » ou « 1 000 »)."
                .to_string(),
        }
    }
}

/// `text` with line ends as `\n` and no other control character but tabs; too long a text
/// is refused.
fn clean(text: &str) -> Result<String, EditError> {
    let mut out = String::with_capacity(text.len().min(4 * MAX_LESSON));
    let mut count = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let c = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                '\n'
            }
            '\n' | '\t' => c,
            c if c.is_control() => continue,
            c => c,
        };
        count += 1;
        if count > MAX_LESSON {
            return Err(EditError::TooLong);
        }
        out.push(c);
    }
    Ok(out)
}

/// A part checked for emptiness and length.
fn part(text: &str) -> Result<String, EditError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EditError::EmptyPart);
    }
    if text.chars().count() > MAX_ANSWER {
        return Err(EditError::TooLong);
    }
    Ok(text.to_string())
}

/// The non-blank lines, trimmed, between `least` and [`MAX_PARTS`] of them.
fn lines(text: &str, least: usize) -> Result<Vec<&str>, EditError> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_PARTS + 1)
        .collect();
    if lines.len() > MAX_PARTS {
        return Err(EditError::TooMany(MAX_PARTS));
    }
    if lines.len() < least {
        return Err(EditError::TooFew(least));
    }
    Ok(lines)
}

/// Case ignored: « Paris » and « paris » as two choices or right items would confuse.
const CASE: Tolerance = Tolerance {
    accents: false,
    case: true,
};
/// Nothing ignored: « Le » and « le » are two different words to put in order.
const EXACT: Tolerance = Tolerance {
    accents: false,
    case: false,
};

/// Refuses two texts a pupil could not tell apart (the same once normalised).
fn distinct<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    tolerance: Tolerance,
) -> Result<(), EditError> {
    let mut seen = std::collections::HashSet::new();
    for t in texts {
        if !seen.insert(normalise(t, tolerance)) {
            return Err(EditError::Duplicate);
        }
    }
    Ok(())
}

/// The accepted variants of a blank or answer line, split on `|`.
fn variants(text: &str, into: &mut Vec<String>) -> Result<(), EditError> {
    for v in text.split('|') {
        if into.len() >= MAX_VARIANTS {
            return Err(EditError::TooMany(MAX_VARIANTS));
        }
        into.push(part(v)?);
    }
    Ok(())
}

/// Reads a texte à trous.
fn parse_blanks(text: &str) -> Result<QuestionKind, EditError> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut in_blank = false;
    let mut count = 0usize;
    for c in text.chars() {
        match c {
            '[' if in_blank => return Err(EditError::Brackets),
            '[' => {
                if !current.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut current)));
                }
                in_blank = true;
            }
            ']' if !in_blank => return Err(EditError::Brackets),
            ']' => {
                count += 1;
                if count > MAX_PARTS {
                    return Err(EditError::TooMany(MAX_PARTS));
                }
                let mut accepted = Vec::new();
                variants(&current, &mut accepted)?;
                current.clear();
                segments.push(Segment::Blank(accepted));
                in_blank = false;
            }
            '\n' if in_blank => return Err(EditError::Brackets),
            c => current.push(c),
        }
    }
    if in_blank {
        return Err(EditError::Brackets);
    }
    if !current.is_empty() {
        segments.push(Segment::Text(current));
    }
    if count == 0 {
        return Err(EditError::NoBlank);
    }
    Ok(QuestionKind::Blanks { segments })
}

/// Reads the answers text of a question of kind `code` ([`super::KINDS`]); `numeric` is
/// for short answers compared as numbers.
///
/// * `qcm`: 2 to [`MAX_PARTS`] distinct choices (case ignored), at least one starting with `*` (the star
///   and the spaces after it are removed); several right ones make check boxes.
/// * `trous`: the whole text, trimmed, kept as is; 1 to [`MAX_PARTS`] blanks of 1 to
///   [`MAX_VARIANTS`] non-empty variants; a blank may not hold `[` nor span lines.
/// * `relier`: 2 to [`MAX_PARTS`] lines `gauche = droite`, cut at the first `=`; left
///   items distinct and right items distinct (case ignored).
/// * `ordre`: 2 to [`MAX_PARTS`] items, no two exactly the same.
/// * `reponse`: 1 to [`MAX_VARIANTS`] answers, one per line or separated by `|`; numbers
///   when `numeric` (as [`super::marking::same_number`] reads them).
pub fn parse(code: &str, text: &str, numeric: bool) -> Result<QuestionKind, EditError> {
    let code = code.trim();
    if super::kind_label(code).is_none() {
        return Err(EditError::UnknownKind);
    }
    let text = clean(text)?;
    match code {
        "qcm" => {
            let mut choices = Vec::new();
            for line in lines(&text, 2)? {
                let (right, line) = match line.strip_prefix('*') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                choices.push(Choice {
                    text: part(line)?,
                    image: None,
                    right,
                });
            }
            distinct(choices.iter().map(|c| c.text.as_str()), CASE)?;
            let rights = choices.iter().filter(|c| c.right).count();
            if rights == 0 {
                return Err(EditError::NoRightChoice);
            }
            Ok(QuestionKind::Choice {
                choices,
                several: rights > 1,
            })
        }
        "trous" => parse_blanks(text.trim()),
        "relier" => {
            let mut pairs = Vec::new();
            for line in lines(&text, 2)? {
                let (left, right) = line.split_once('=').ok_or(EditError::PairShape)?;
                pairs.push((part(left)?, part(right)?));
            }
            distinct(pairs.iter().map(|p| p.0.as_str()), CASE)?;
            distinct(pairs.iter().map(|p| p.1.as_str()), CASE)?;
            Ok(QuestionKind::Matching { pairs })
        }
        "ordre" => {
            let items = lines(&text, 2)?
                .into_iter()
                .map(part)
                .collect::<Result<Vec<_>, _>>()?;
            distinct(items.iter().map(String::as_str), EXACT)?;
            Ok(QuestionKind::Order { items })
        }
        _ => {
            let mut accepted = Vec::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                variants(line, &mut accepted)?;
            }
            if accepted.is_empty() {
                return Err(EditError::TooFew(1));
            }
            if numeric && accepted.iter().any(|a| parse_number(a).is_none()) {
                return Err(EditError::NotANumber);
            }
            Ok(QuestionKind::Short { accepted, numeric })
        }
    }
}

/// Writes a question's answers back in the syntax [`parse`] reads (for the edit form).
pub fn to_text(kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::Choice { choices, .. } => choices
            .iter()
            .map(|c| {
                if c.right {
                    format!("* {}", c.text)
                } else {
                    c.text.clone()
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        QuestionKind::Blanks { segments } => segments
            .iter()
            .map(|s| match s {
                Segment::Text(t) => t.clone(),
                Segment::Blank(v) => format!("[{}]", v.join("|")),
            })
            .collect(),
        QuestionKind::Matching { pairs } => pairs
            .iter()
            .map(|(l, r)| format!("{l} = {r}"))
            .collect::<Vec<_>>()
            .join("\n"),
        QuestionKind::Order { items } => items.join("\n"),
        QuestionKind::Short { accepted, .. } => accepted.join("\n"),
    }
}

/// SplitMix64: a small, well-mixed generator, the same everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A permutation of `0..n` fixed by `seed` (how choices, right items and items to put in
/// order are shown to a pupil: the same on every visit, different between pupils), never
/// the identity when `n > 1`.
///
/// A Fisher–Yates shuffle driven by SplitMix64 seeded with `seed`; when that gives the
/// identity, it is rotated by one.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut out: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(seed);
    for i in (1..n).rev() {
        let bound = (i as u64).saturating_add(1);
        let j = usize::try_from(rng.next() % bound).unwrap_or(i);
        out.swap(i, j);
    }
    if n > 1 && out.iter().enumerate().all(|(i, &v)| i == v) {
        out.rotate_left(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(kind: &QuestionKind) -> Vec<(&str, bool)> {
        match kind {
            QuestionKind::Choice { choices, .. } => {
                choices.iter().map(|c| (c.text.as_str(), c.right)).collect()
            }
            _ => Vec::new(),
        }
    }

    const ALL_ERRORS: [EditError; 11] = [
        EditError::UnknownKind,
        EditError::TooFew(2),
        EditError::TooMany(20),
        EditError::NoRightChoice,
        EditError::NoBlank,
        EditError::Brackets,
        EditError::EmptyPart,
        EditError::PairShape,
        EditError::Duplicate,
        EditError::TooLong,
        EditError::NotANumber,
    ];

    #[test]
    fn messages_are_french_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for e in ALL_ERRORS {
            let m = e.message();
            assert!(m.len() > 10, "{e:?}");
            assert!(m.ends_with('.') || m.ends_with('»'), "{m}");
            assert!(seen.insert(m));
        }
        assert_eq!(
            EditError::TooFew(2).message(),
            "Il faut au moins 2 éléments."
        );
        assert!(EditError::TooMany(20).message().contains("20"));
        assert!(EditError::NoRightChoice.message().contains('*'));
    }

    #[test]
    fn qcm() {
        let k = parse("qcm", "*  Paris\r\nLyon\n\n   Marseille  \n", false);
        let k = k.expect("valid");
        assert_eq!(
            choices(&k),
            vec![("Paris", true), ("Lyon", false), ("Marseille", false)]
        );
        assert!(matches!(k, QuestionKind::Choice { several: false, .. }));
        let several = parse("qcm", "*2\n3\n*4", false).expect("valid");
        assert!(matches!(
            several,
            QuestionKind::Choice { several: true, .. }
        ));
        assert_eq!(parse("qcm", "*Paris", false), Err(EditError::TooFew(2)));
        assert_eq!(parse("qcm", "", false), Err(EditError::TooFew(2)));
        assert_eq!(parse("qcm", "a\nb", false), Err(EditError::NoRightChoice));
        assert_eq!(parse("qcm", "*\nb", false), Err(EditError::EmptyPart));
        assert_eq!(parse("qcm", "*a\nA", false), Err(EditError::Duplicate));
        let many: String = (0..21).map(|i| format!("*{i}\n")).collect();
        assert_eq!(
            parse("qcm", &many, false),
            Err(EditError::TooMany(MAX_PARTS))
        );
        let long = format!("*{}\nb", "x".repeat(MAX_ANSWER + 1));
        assert_eq!(parse("qcm", &long, false), Err(EditError::TooLong));
        let just = format!("*{}\nb", "é".repeat(MAX_ANSWER));
        assert!(parse("qcm", &just, false).is_ok(), "characters, not bytes");
        if let Ok(QuestionKind::Choice { choices, .. }) = parse("qcm", "*a\nb", false) {
            assert!(choices.iter().all(|c| c.image.is_none()));
        }
    }

    #[test]
    fn trous() {
        let k = parse(
            "trous",
            "  Le chat [ mange | mangeait ] la [souris].\n",
            false,
        );
        assert_eq!(
            k,
            Ok(QuestionKind::Blanks {
                segments: vec![
                    Segment::Text("Le chat ".into()),
                    Segment::Blank(vec!["mange".into(), "mangeait".into()]),
                    Segment::Text(" la ".into()),
                    Segment::Blank(vec!["souris".into()]),
                    Segment::Text(".".into()),
                ]
            })
        );
        assert_eq!(
            parse("trous", "[Il] est\r\n[parti].", false),
            Ok(QuestionKind::Blanks {
                segments: vec![
                    Segment::Blank(vec!["Il".into()]),
                    Segment::Text(" est\n".into()),
                    Segment::Blank(vec!["parti".into()]),
                    Segment::Text(".".into()),
                ]
            })
        );
        assert_eq!(
            parse("trous", "Pas de trou.", false),
            Err(EditError::NoBlank)
        );
        assert_eq!(parse("trous", "Le [chat", false), Err(EditError::Brackets));
        assert_eq!(parse("trous", "Le chat]", false), Err(EditError::Brackets));
        assert_eq!(
            parse("trous", "Le [[chat]]", false),
            Err(EditError::Brackets)
        );
        assert_eq!(
            parse("trous", "Le [ch\nat]", false),
            Err(EditError::Brackets)
        );
        assert_eq!(
            parse("trous", "Le [] chat", false),
            Err(EditError::EmptyPart)
        );
        assert_eq!(
            parse("trous", "Le [a||b] chat", false),
            Err(EditError::EmptyPart)
        );
        let variants = format!("[{}]", ["a"; 11].join("|"));
        assert_eq!(
            parse("trous", &variants, false),
            Err(EditError::TooMany(MAX_VARIANTS))
        );
        let blanks = "[a] ".repeat(MAX_PARTS + 1);
        assert_eq!(
            parse("trous", &blanks, false),
            Err(EditError::TooMany(MAX_PARTS))
        );
        assert!(parse("trous", &"[a] ".repeat(MAX_PARTS), false).is_ok());
        let long = format!("[{}]", "x".repeat(MAX_ANSWER + 1));
        assert_eq!(parse("trous", &long, false), Err(EditError::TooLong));
    }

    #[test]
    fn relier() {
        assert_eq!(
            parse(
                "relier",
                "chat = niche\n vache=étable \n2 + 2 = 4 = quatre",
                false
            ),
            Ok(QuestionKind::Matching {
                pairs: vec![
                    ("chat".into(), "niche".into()),
                    ("vache".into(), "étable".into()),
                    ("2 + 2".into(), "4 = quatre".into()),
                ]
            })
        );
        assert_eq!(
            parse("relier", "chat = niche", false),
            Err(EditError::TooFew(2))
        );
        assert_eq!(
            parse("relier", "chat niche\na = b", false),
            Err(EditError::PairShape)
        );
        assert_eq!(
            parse("relier", "chat =\na = b", false),
            Err(EditError::EmptyPart)
        );
        assert_eq!(
            parse("relier", "= niche\na = b", false),
            Err(EditError::EmptyPart)
        );
        assert_eq!(
            parse("relier", "chat = Niche\nchien = niche", false),
            Err(EditError::Duplicate)
        );
        assert_eq!(
            parse("relier", "chat = niche\nChat = panier", false),
            Err(EditError::Duplicate)
        );
    }

    #[test]
    fn ordre() {
        assert_eq!(
            parse("ordre", "Le\nchat\n\nmange\nle\npoisson", false),
            Ok(QuestionKind::Order {
                items: ["Le", "chat", "mange", "le", "poisson"]
                    .map(String::from)
                    .to_vec()
            })
        );
        assert_eq!(parse("ordre", "seul", false), Err(EditError::TooFew(2)));
        assert_eq!(
            parse("ordre", "la\nsouris\nla", false),
            Err(EditError::Duplicate)
        );
        let many = "x\n".repeat(1000);
        assert_eq!(
            parse("ordre", &many, false),
            Err(EditError::TooMany(MAX_PARTS))
        );
    }

    #[test]
    fn reponse() {
        assert_eq!(
            parse("reponse", "clé | clef\nclefs\n", false),
            Ok(QuestionKind::Short {
                accepted: vec!["clé".into(), "clef".into(), "clefs".into()],
                numeric: false
            })
        );
        assert_eq!(
            parse("reponse", "12,5\n1 000", true),
            Ok(QuestionKind::Short {
                accepted: vec!["12,5".into(), "1 000".into()],
                numeric: true
            })
        );
        assert_eq!(parse("reponse", "douze", true), Err(EditError::NotANumber));
        assert!(parse("reponse", "douze", false).is_ok());
        assert_eq!(parse("reponse", "  \n ", false), Err(EditError::TooFew(1)));
        assert_eq!(parse("reponse", "a||b", false), Err(EditError::EmptyPart));
        let many = (0..11)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            parse("reponse", &many, true),
            Err(EditError::TooMany(MAX_VARIANTS))
        );
    }

    #[test]
    fn unknown_kind() {
        assert_eq!(parse("dessin", "a\nb", false), Err(EditError::UnknownKind));
        assert_eq!(parse("", "a\nb", false), Err(EditError::UnknownKind));
        assert!(parse(" qcm ", "*a\nb", false).is_ok());
    }

    #[test]
    fn round_trip() {
        let inputs = [
            ("qcm", "*  Paris\nLyon\n* * étoile", false),
            ("qcm", "*2\n3\n*4\n5", false),
            (
                "trous",
                "Le chat [ mange|mangeait ] la\n[souris] | ok.",
                false,
            ),
            ("trous", "[Il] est [parti]", false),
            (
                "relier",
                "chat = niche\nvache=étable\n2 + 2 = 4 = quatre",
                false,
            ),
            ("ordre", "Le\nchat\nmange\nle\npoisson", false),
            ("reponse", "clé|clef\nclefs", false),
            ("reponse", "12,5\n1 000\n-3", true),
        ];
        for (code, text, numeric) in inputs {
            let k = parse(code, text, numeric).expect(text);
            let back = to_text(&k);
            assert_eq!(parse(code, &back, numeric), Ok(k.clone()), "{back}");
            assert_eq!(to_text(&k), back);
        }
        assert_eq!(
            to_text(&parse("trous", "Le [a| b] chat", false).expect("valid")),
            "Le [a|b] chat"
        );
        assert_eq!(
            to_text(&parse("qcm", "*a\nb", false).expect("valid")),
            "* a\nb"
        );
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let mega = "é".repeat(1 << 20);
        let lines = format!("*{}\n{}", "a".repeat(1 << 20), "b\n".repeat(500_000));
        let brackets = "[".repeat(10_000);
        let closing = "]".repeat(10_000);
        let pairs = "[]".repeat(10_000);
        let filled = "[a]".repeat(1_000);
        let combining = "a\u{301}\u{302}\u{303}\u{304}".repeat(100);
        let emoji = "👨‍👩‍👧‍👦 = 🐱\n🐶 = 🦴\n*🍎\n🍐\n[🐱|😺]";
        let controls = "*a\u{0}\u{7}\u{1b}[2J\nb\u{7f}\u{85}\u{2028}";
        let samples = [
            mega.as_str(),
            lines.as_str(),
            brackets.as_str(),
            closing.as_str(),
            pairs.as_str(),
            filled.as_str(),
            "[",
            "]",
            "|",
            "=",
            "*",
            "\r",
            "\r\r\n\n",
            combining.as_str(),
            emoji,
            controls,
        ];
        for (code, _) in super::super::KINDS {
            for numeric in [false, true] {
                for s in samples {
                    if let Ok(k) = parse(code, s, numeric) {
                        let back = to_text(&k);
                        assert_eq!(parse(code, &back, numeric), Ok(k));
                    }
                }
            }
        }
        assert_eq!(parse("qcm", &mega, false), Err(EditError::TooLong));
        assert_eq!(parse("trous", &brackets, false), Err(EditError::Brackets));
        assert_eq!(parse("trous", "[", false), Err(EditError::Brackets));
        assert_eq!(
            parse("trous", &filled, false),
            Err(EditError::TooMany(MAX_PARTS))
        );
        assert_eq!(parse("trous", "[🐱|😺] mange", false).map(|_| ()), Ok(()));
        assert_eq!(
            choices(&parse("qcm", controls, false).expect("controls dropped")),
            vec![("a[2J", true), ("b", false)]
        );
    }

    fn is_permutation(p: &[usize]) -> bool {
        let mut seen = vec![false; p.len()];
        p.iter()
            .all(|&i| seen.get_mut(i).is_some_and(|s| !std::mem::replace(s, true)))
    }

    #[test]
    fn shuffles() {
        assert_eq!(shuffled(0, 7), Vec::<usize>::new());
        assert_eq!(shuffled(1, 7), vec![0]);
        assert_eq!(shuffled(2, 7), vec![1, 0]);
        for n in 2..25 {
            for seed in 0..300u64 {
                let p = shuffled(n, seed);
                assert_eq!(p.len(), n);
                assert!(is_permutation(&p), "{p:?}");
                assert!(p.iter().enumerate().any(|(i, &v)| i != v), "identity");
                assert_eq!(p, shuffled(n, seed), "deterministic");
            }
        }
        let seeds: std::collections::HashSet<Vec<usize>> =
            (0..50u64).map(|s| shuffled(6, s)).collect();
        assert!(seeds.len() > 20, "pupils get different orders");
        assert!(is_permutation(&shuffled(10, u64::MAX)));
    }
}
