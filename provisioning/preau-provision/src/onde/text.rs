//! Bytes to text, separators, and the small value readers (names, dates, sexes, levels).

use super::{Encoding, Sex};
use preau_core::Level;
use time::{Date, Month};

/// Decodes an export: UTF-8 (with or without its byte-order mark), UTF-16 with a byte-order
/// mark (Excel's « texte Unicode »), else Windows-1252, which decodes every byte and agrees
/// with ISO-8859-1 on every printable character.
pub(crate) fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Ok(text) = std::str::from_utf8(rest) {
            return (text.to_owned(), Encoding::Utf8WithBom);
        }
        let (text, _) = encoding_rs::UTF_8.decode_without_bom_handling(rest);
        return (text.into_owned(), Encoding::Utf8WithBom);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        // `decode` follows the byte-order mark, little- or big-endian.
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text.into_owned(), Encoding::Utf16);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), Encoding::Utf8);
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    (text.into_owned(), Encoding::Windows1252)
}

/// Picks the separator from the header line: the most frequent of `;`, tab and `,` outside
/// quotes; `;` when none is found or on a tie (the ONDE default).
pub(crate) fn detect_separator(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars().take(64 * 1024) {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ';' if !quoted => counts[0] += 1,
            '\t' if !quoted => counts[1] += 1,
            ',' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = counts.iter().copied().max().unwrap_or(0);
    if best == 0 || counts[0] == best {
        b';'
    } else if counts[1] == best {
        b'\t'
    } else {
        b','
    }
}

/// Folds one lower-case character to plain ASCII letters when it is a Latin accented letter.
fn fold_char(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'ø' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ç' => "c",
        'ÿ' | 'ý' => "y",
        'ñ' => "n",
        'œ' => "oe",
        'æ' => "ae",
        'ß' => "ss",
        c if c.is_alphanumeric() => {
            out.push(c);
            return;
        }
        _ => " ",
    };
    out.push_str(folded);
}

/// Lower case, accents folded, anything that is not a letter or a digit turned into one
/// space, spaces collapsed: « Nom d'usage  Élève » → `nom d usage eleve`.
pub(crate) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        fold_char(c, &mut folded);
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A cleaned value: control characters removed, surrounding spaces trimmed, inner runs of
/// spaces collapsed. `None` when nothing is left.
pub(crate) fn clean(value: &str) -> Option<String> {
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!cleaned.is_empty()).then_some(cleaned)
}

/// Reads a French date: `31/12/2017`, `1/2/2017`, `31-12-2017`, `31.12.2017`, `31/12/17`,
/// `2017-12-31`, optionally followed by a time (`31/12/2017 00:00:00`, as spreadsheets write).
pub(crate) fn parse_date(value: &str) -> Option<Date> {
    let value = value.trim();
    let day_part = value.split([' ', 'T']).next().unwrap_or(value);
    let parts: Vec<&str> = day_part.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |s: &str| -> Option<i32> {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else {
        let year = match c.len() {
            4 => number(c)?,
            2 => {
                let y = number(c)?;
                if y < 70 { 2000 + y } else { 1900 + y }
            }
            _ => return None,
        };
        (year, number(b)?, number(a)?)
    };
    if !(1900..=2100).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// Reads a sex as ONDE and spreadsheets write it: `M`, `F`, `G`, `Masculin`, `Féminin`,
/// `Garçon`, `Fille`, `1`, `2`.
pub(crate) fn parse_sex(value: &str) -> Option<Sex> {
    match fold(value).as_str() {
        "m" | "g" | "h" | "1" | "masculin" | "garcon" | "homme" | "male" => Some(Sex::Male),
        "f" | "2" | "feminin" | "fille" | "femme" | "female" => Some(Sex::Female),
        _ => None,
    }
}

/// Reads a level from its code (`CE1`) or its name (« Cours élémentaire 1re année »,
/// « Grande section »), also inside a longer label (`CE1 - Cours élémentaire 1`).
pub(crate) fn parse_level(value: &str) -> Option<Level> {
    if let Some(level) = Level::from_code(value) {
        return Some(level);
    }
    let folded = fold(value);
    let words: Vec<&str> = folded.split(' ').collect();
    for word in &words {
        if let Some(level) = Level::from_code(word) {
            return Some(level);
        }
    }
    let has = |w: &str| words.contains(&w);
    let number = if has("1") || has("1re") || has("1ere") || has("premiere") {
        Some(1)
    } else if has("2") || has("2e") || has("2eme") || has("deuxieme") {
        Some(2)
    } else {
        None
    };
    if has("petite") {
        Some(Level::Ps)
    } else if has("moyenne") {
        Some(Level::Ms)
    } else if has("grande") {
        Some(Level::Gs)
    } else if has("preparatoire") {
        Some(Level::Cp)
    } else if has("elementaire") {
        match number? {
            1 => Some(Level::Ce1),
            _ => Some(Level::Ce2),
        }
    } else if has("moyen") {
        match number? {
            1 => Some(Level::Cm1),
            _ => Some(Level::Cm2),
        }
    } else {
        None
    }
}

/// Reads an e-mail address, loosely: one `@` with something on both sides, a dot in the
/// domain, no spaces. Lower-cased.
pub(crate) fn parse_email(value: &str) -> Option<String> {
    let value = value.trim().trim_start_matches("mailto:").to_lowercase();
    let (local, domain) = value.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn folds_headers() {
        assert_eq!(fold("Nom d'usage  Élève"), "nom d usage eleve");
        assert_eq!(fold("NÉ(E) LE"), "ne e le");
        assert_eq!(fold("Prénom 1"), "prenom 1");
    }

    #[test]
    fn reads_dates() {
        assert_eq!(parse_date("03/09/2017"), Some(date!(2017 - 09 - 03)));
        assert_eq!(parse_date("3/9/2017"), Some(date!(2017 - 09 - 03)));
        assert_eq!(parse_date("2017-09-03"), Some(date!(2017 - 09 - 03)));
        assert_eq!(parse_date("03.09.17"), Some(date!(2017 - 09 - 03)));
        assert_eq!(
            parse_date("03/09/2017 00:00:00"),
            Some(date!(2017 - 09 - 03))
        );
        assert_eq!(parse_date("31/02/2017"), None);
        assert_eq!(parse_date("hier"), None);
        assert_eq!(parse_date("99999999/1/1"), None);
    }

    #[test]
    fn reads_levels_and_sexes() {
        assert_eq!(parse_level("ce1"), Some(Level::Ce1));
        assert_eq!(parse_level("Grande section"), Some(Level::Gs));
        assert_eq!(parse_level("Cours moyen 2e année"), Some(Level::Cm2));
        assert_eq!(parse_level("CM1 - Cours moyen 1"), Some(Level::Cm1));
        assert_eq!(parse_level("ULIS"), None);
        assert_eq!(parse_sex("Féminin"), Some(Sex::Female));
        assert_eq!(parse_sex(" m "), Some(Sex::Male));
    }

    #[test]
    fn detects_encodings_and_separators() {
        assert_eq!(decode(b"Nom;Pr\xe9nom").0, "Nom;Prénom");
        assert_eq!(decode(b"Nom;Pr\xe9nom").1, Encoding::Windows1252);
        assert_eq!(decode("\u{feff}é".as_bytes()).1, Encoding::Utf8WithBom);
        assert_eq!(detect_separator("a,b,c;d\n"), b',');
        assert_eq!(detect_separator("\"a;b\",c\n"), b',');
        assert_eq!(detect_separator("a\tb\n"), b'\t');
        assert_eq!(detect_separator("nothing"), b';');
    }
}
