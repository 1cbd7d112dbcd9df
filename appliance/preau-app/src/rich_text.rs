//! Rich text written by adults (cahier de textes, messages, carnet de liaison, news), made
//! safe to show: an allow-list sanitiser (ammonia) keeps paragraphs, emphasis, lists, quotes
//! and links and drops everything else — scripts, event handlers, styles, frames, forms and
//! pictures (pictures travel as attachments through the documents' safe-serving path).

use std::collections::HashSet;

/// The longest rich text kept, in bytes, before sanitising.
pub const MAX_BYTES: usize = 64 * 1024;

/// Tags kept.
const TAGS: &[&str] = &[
    "p",
    "br",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h3",
    "h4",
    "a",
];

/// Safe HTML for what someone typed: HTML (text starting with a tag, as pasted from an
/// editor) is sanitised; plain text keeps its paragraphs and line breaks, and its web
/// addresses become links.
pub fn to_html(typed: &str) -> String {
    let typed = cut(typed.trim());
    if typed.starts_with('<') {
        sanitise(typed)
    } else {
        sanitise(&plain_to_html(typed))
    }
}

/// The text of a rich text without its markup (previews, notifications, search).
pub fn to_plain(html: &str) -> String {
    let spaced = html.replace("<br>", "\n").replace("</p>", "</p>\n\n");
    ammonia::Builder::empty()
        .clean(&spaced)
        .to_string()
        .trim()
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

fn cut(text: &str) -> &str {
    if text.len() <= MAX_BYTES {
        return text;
    }
    let mut end = MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn sanitise(html: &str) -> String {
    ammonia::Builder::default()
        .tags(TAGS.iter().copied().collect::<HashSet<_>>())
        .tag_attributes(Default::default())
        .generic_attributes(HashSet::new())
        .add_tag_attributes("a", ["href"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

fn plain_to_html(text: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let linked = |line: &str| {
        line.split(' ')
            .map(|word| {
                if word.starts_with("https://") || word.starts_with("http://") {
                    format!("<a href=\"{0}\">{0}</a>", escape(word))
                } else {
                    escape(word)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    text.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let lines: Vec<String> = p.lines().map(linked).collect();
            format!("<p>{}</p>", lines.join("<br>"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attacks_do_not_survive() {
        let attacks = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">clic</a>",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg><script>alert(1)</script></svg>",
            "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
            "<form action=\"/x\"><input name=a></form>",
            "<style>*{display:none}</style>",
            "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
            "Texte puis <script>alert(1)</script>",
        ];
        for attack in attacks {
            let html = to_html(attack).to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "onclick",
                "javascript:",
                "style",
                "<iframe",
                "<img",
                "<form",
                "<input",
                "<svg",
                "xlink",
            ] {
                assert!(!html.contains(bad), "{attack:?} gave {html:?}");
            }
        }
    }

    #[test]
    fn plain_text_keeps_paragraphs_and_links() {
        let html =
            to_html("Bonjour,\nsortie au musée <jeudi>.\n\nInfos : https://musee.example/visite");
        assert_eq!(
            html,
            "<p>Bonjour,<br>sortie au musée &lt;jeudi&gt;.</p><p>Infos : <a href=\"https://musee.example/visite\" rel=\"noopener noreferrer nofollow\">https://musee.example/visite</a></p>"
        );
        assert_eq!(
            to_plain(&html),
            "Bonjour,\nsortie au musée <jeudi>.\n\nInfos : https://musee.example/visite"
        );
    }

    #[test]
    fn allowed_formatting_stays() {
        let html = to_html(
            "<p><strong>Important</strong> : <em>apporter</em> des <u>bottes</u></p><ul><li>un</li></ul>",
        );
        assert_eq!(
            html,
            "<p><strong>Important</strong> : <em>apporter</em> des <u>bottes</u></p><ul><li>un</li></ul>"
        );
    }
}
