//! HTML: tags, comments, scripts and styles dropped, entities decoded, text kept.
//!
//! A single forward scan, no tree and no recursion, so nesting depth costs nothing and the
//! work is linear in the input (which is bounded by [`crate::Limits::max_input_bytes`]).

use crate::sink::Sink;
use crate::text::decode;
use crate::{Budget, ExtractError};
use std::fs::File;
use std::io::Read;

/// Elements whose content is not text.
const RAW: &[&str] = &[
    "script", "style", "template", "noscript", "object", "svg", "math",
];

/// Elements that end a line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "table",
    "title",
    "tr",
    "ul",
    "body",
    "head",
    "html",
];

/// Elements that separate words.
const CELLS: &[&str] = &["td", "th", "img", "input", "button", "label", "select"];

/// How many bytes are scanned between two looks at the clock.
const CLOCK_EVERY: usize = 1 << 20;

pub(crate) fn extract_html(
    mut file: File,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut bytes = Vec::new();
    (&mut file)
        .take(budget.limits.max_input_bytes)
        .read_to_end(&mut bytes)?;
    let text = decode(&bytes);
    drop_html(&text, budget, sink)
}

/// Writes the text of the HTML document `s` into `sink`.
pub(crate) fn drop_html(s: &str, budget: &Budget<'_>, sink: &mut Sink) -> Result<(), ExtractError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    let mut next_clock = CLOCK_EVERY;
    while i < b.len() {
        if sink.is_done() {
            return Ok(());
        }
        if i >= next_clock {
            budget.check_time()?;
            next_clock = i + CLOCK_EVERY;
        }
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        push_text(&s[text_start..i], sink);
        let rest = &b[i..];
        if rest.starts_with(b"<!--") {
            i = crate::find(&b[i + 4..], b"-->").map_or(b.len(), |p| i + 4 + p + 3);
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i = memchr(b'>', &b[i..]).map_or(b.len(), |p| i + p + 1);
        } else if rest.len() > 2 && rest[1] == b'/' && rest[2].is_ascii_alphabetic() {
            let (name, end) = tag(b, i + 2);
            i = end;
            if BLOCKS.contains(&name.as_str()) {
                sink.line();
            } else if CELLS.contains(&name.as_str()) {
                sink.space();
            }
        } else if rest.len() > 1 && rest[1].is_ascii_alphabetic() {
            let (name, end) = tag(b, i + 1);
            i = end;
            if BLOCKS.contains(&name.as_str()) {
                sink.line();
            } else if CELLS.contains(&name.as_str()) {
                sink.space();
            }
            let self_closing = end >= 2 && b[end - 2] == b'/';
            if RAW.contains(&name.as_str()) && !self_closing {
                let closing = format!("</{name}");
                i = find_ascii_ci(&b[i..], closing.as_bytes()).map_or(b.len(), |p| i + p);
            }
        } else {
            // A lone `<` is text.
            sink.push("<");
            i += 1;
        }
        text_start = i.min(b.len());
    }
    push_text(&s[text_start.min(s.len())..], sink);
    Ok(())
}

/// Reads a tag's name from `start` and skips its attributes; returns the lower-case name
/// and the index just after the closing `>` (or the end of input).
fn tag(b: &[u8], start: usize) -> (String, usize) {
    let mut i = start;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b':' | b'_')) {
        i += 1;
    }
    let name = String::from_utf8_lossy(&b[start..i]).to_ascii_lowercase();
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        i += 1;
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return (name, i),
            None => {}
        }
    }
    (name, b.len())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&c| c == needle)
}

/// Where `needle` (lower-case ASCII) first occurs in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        let p = memchr(first, &haystack[i..haystack.len() - needle.len() + 1])?;
        let at = i + p;
        if haystack[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

/// Writes text with its character references decoded; unknown ones stay as written.
fn push_text(s: &str, sink: &mut Sink) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        sink.push(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .char_indices()
            .take(33)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        match semi.and_then(|semi| reference(&after[..semi]).map(|c| (semi, c))) {
            Some((semi, decoded)) => {
                sink.push(decoded.as_str());
                rest = &after[semi + 1..];
            }
            None => {
                sink.push("&");
                rest = after;
            }
        }
    }
    sink.push(rest);
}

/// The text of a character reference `&name;` (without `&` and `;`).
pub(crate) fn reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return Some(
            match code {
                0 => char::REPLACEMENT_CHARACTER,
                0x80..=0x9f => crate::text::windows_1252(u8::try_from(code).ok()?),
                _ => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
            }
            .to_string(),
        );
    }
    named(name).map(str::to_string)
}

/// The named references of HTML that French text uses (and the XML ones).
pub(crate) fn named(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "shy" => "\u{ad}",
        "laquo" => "«",
        "raquo" => "»",
        "lsquo" => "‘",
        "rsquo" => "’",
        "sbquo" => "‚",
        "ldquo" => "“",
        "rdquo" => "”",
        "bdquo" => "„",
        "hellip" => "…",
        "ndash" => "–",
        "mdash" => "—",
        "bull" => "•",
        "middot" => "·",
        "deg" => "°",
        "euro" => "€",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "sect" => "§",
        "para" => "¶",
        "times" => "×",
        "divide" => "÷",
        "plusmn" => "±",
        "frac12" => "½",
        "frac14" => "¼",
        "frac34" => "¾",
        "sup2" => "²",
        "sup3" => "³",
        "ordf" => "ª",
        "ordm" => "º",
        "iexcl" => "¡",
        "iquest" => "¿",
        "pound" => "£",
        "cent" => "¢",
        "yen" => "¥",
        "thinsp" => "\u{2009}",
        "ensp" => "\u{2002}",
        "emsp" => "\u{2003}",
        "Agrave" => "À",
        "Aacute" => "Á",
        "Acirc" => "Â",
        "Atilde" => "Ã",
        "Auml" => "Ä",
        "Aring" => "Å",
        "AElig" => "Æ",
        "Ccedil" => "Ç",
        "Egrave" => "È",
        "Eacute" => "É",
        "Ecirc" => "Ê",
        "Euml" => "Ë",
        "Igrave" => "Ì",
        "Iacute" => "Í",
        "Icirc" => "Î",
        "Iuml" => "Ï",
        "Ntilde" => "Ñ",
        "Ograve" => "Ò",
        "Oacute" => "Ó",
        "Ocirc" => "Ô",
        "Otilde" => "Õ",
        "Ouml" => "Ö",
        "Oslash" => "Ø",
        "OElig" => "Œ",
        "Ugrave" => "Ù",
        "Uacute" => "Ú",
        "Ucirc" => "Û",
        "Uuml" => "Ü",
        "Yacute" => "Ý",
        "Yuml" => "Ÿ",
        "agrave" => "à",
        "aacute" => "á",
        "acirc" => "â",
        "atilde" => "ã",
        "auml" => "ä",
        "aring" => "å",
        "aelig" => "æ",
        "ccedil" => "ç",
        "egrave" => "è",
        "eacute" => "é",
        "ecirc" => "ê",
        "euml" => "ë",
        "igrave" => "ì",
        "iacute" => "í",
        "icirc" => "î",
        "iuml" => "ï",
        "ntilde" => "ñ",
        "ograve" => "ò",
        "oacute" => "ó",
        "ocirc" => "ô",
        "otilde" => "õ",
        "ouml" => "ö",
        "oslash" => "ø",
        "oelig" => "œ",
        "szlig" => "ß",
        "ugrave" => "ù",
        "uacute" => "ú",
        "ucirc" => "û",
        "uuml" => "ü",
        "yacute" => "ý",
        "yuml" => "ÿ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn text_of(html: &str) -> String {
        let limits = Limits::default();
        let budget = Budget::new(&limits);
        let mut sink = Sink::new(1000);
        drop_html(html, &budget, &mut sink).expect("html");
        sink.finish().text
    }

    #[test]
    fn strips_markup() {
        let html = "<!DOCTYPE html><html><head><title>Cours</title>\
            <style>p { color: red }</style><script>alert('<p>x</p>')</script></head>\
            <body><!-- note <p>cachée</p> --><h1>La r&eacute;cr&eacute;ation</h1>\
            <p class=\"a>b\">Les <b>é</b>lèves&nbsp;jouent &amp; rient &#233;&#xE9; &bogus; a < b</p>\
            <SCRIPT type='x'>evil()</SCRIPT><table><tr><td>un</td><td>deux</td></tr></table></body></html>";
        assert_eq!(
            text_of(html),
            "Cours\nLa récréation\nLes élèves jouent & rient éé &bogus; a < b\nun deux"
        );
    }

    #[test]
    fn unterminated_constructs_end_quietly() {
        assert_eq!(text_of("avant<script>alert(1)"), "avant");
        assert_eq!(text_of("avant<!-- jamais fermé"), "avant");
        assert_eq!(text_of("avant<p title=\"jamais"), "avant");
        assert_eq!(text_of("fin &"), "fin &");
    }
}
