//! A bounded walk over an XML document with `quick-xml`, writing the text it holds.
//!
//! `quick-xml` reports entity references as events and never expands entities declared in
//! a DTD, so a "billion laughs" document costs what its bytes cost; references other than
//! character references, the five of XML and HTML's named ones are dropped. Elements are
//! counted on the way down and a document nested deeper than
//! [`crate::Limits::max_xml_depth`] is refused.

use crate::sink::Sink;
use crate::{Budget, ExtractError};
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::io::BufRead;

/// Which text of a document is kept, by element local name (prefixes are ignored).
pub(crate) struct Rules {
    /// Text is kept only inside these elements; empty means everywhere.
    pub(crate) keep_inside: &'static [&'static str],
    /// Elements that end a line (at their start and end).
    pub(crate) lines: &'static [&'static str],
    /// Elements that separate words.
    pub(crate) spaces: &'static [&'static str],
    /// Elements whose whole content is ignored.
    pub(crate) skip: &'static [&'static str],
}

/// How many events are read between two looks at the clock.
const CLOCK_EVERY: u32 = 4096;

/// Writes the text of the XML document read from `src` into `sink`, following `rules`.
/// `label` names the format in error messages ("Word", "OpenDocument"…).
pub(crate) fn walk<R: BufRead>(
    src: R,
    rules: &Rules,
    label: &str,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut reader = Reader::from_reader(src);
    let config = reader.config_mut();
    config.trim_text(false);
    config.allow_dangling_amp = true;
    config.check_end_names = true;
    let max_depth = budget.limits.max_xml_depth;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    // Depth at which an ignored element started.
    let mut skipping: Option<usize> = None;
    // How many elements that keep their text are open.
    let mut keeping = 0usize;
    let keep_all = rules.keep_inside.is_empty();
    let mut events = 0u32;
    loop {
        if sink.is_done() {
            return Ok(());
        }
        events += 1;
        if events == CLOCK_EVERY {
            events = 0;
            budget.check_time()?;
        }
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                return Err(budget.take_refusal().unwrap_or_else(|| {
                    ExtractError::Malformed(format!("{label} : XML invalide [{e}]"))
                }));
            }
        };
        match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err(ExtractError::Malformed(format!(
                        "{label} : éléments XML imbriqués sur plus de {max_depth} niveaux"
                    )));
                }
                if skipping.is_some() {
                    continue;
                }
                let local = e.local_name();
                let name = local.as_ref();
                if contains(rules.skip, name) {
                    skipping = Some(depth);
                    continue;
                }
                boundary(rules, name, sink);
                if contains(rules.keep_inside, name) {
                    keeping += 1;
                }
            }
            Event::Empty(e) if skipping.is_none() => {
                boundary(rules, e.local_name().as_ref(), sink);
            }
            Event::End(e) => {
                if skipping == Some(depth) {
                    skipping = None;
                } else if skipping.is_none() {
                    let local = e.local_name();
                    let name = local.as_ref();
                    boundary(rules, name, sink);
                    if contains(rules.keep_inside, name) {
                        keeping = keeping.saturating_sub(1);
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if skipping.is_none() && (keep_all || keeping > 0) => {
                sink.push(&t.xml10_content());
            }
            Event::CData(t) if skipping.is_none() && (keep_all || keeping > 0) => {
                sink.push(&t);
            }
            Event::GeneralRef(r) if skipping.is_none() && (keep_all || keeping > 0) => {
                if let Some(text) = crate::html::reference(&r) {
                    sink.push(&text);
                }
            }
            Event::Eof => {
                if depth > 0 {
                    return Err(ExtractError::Malformed(format!(
                        "{label} : document XML incomplet"
                    )));
                }
                return Ok(());
            }
            _ => {}
        }
    }
}

fn contains(names: &[&str], name: &str) -> bool {
    names.contains(&name)
}

fn boundary(rules: &Rules, name: &str, sink: &mut Sink) {
    if contains(rules.lines, name) {
        sink.line();
    } else if contains(rules.spaces, name) {
        sink.space();
    }
}

/// Reads the attributes `wanted` (local names) of elements named `element` (local name):
/// how an EPUB's container and package documents are read. Bounded like [`walk`].
pub(crate) fn attributes<R: BufRead>(
    src: R,
    element: &str,
    wanted: &[&str],
    label: &str,
    budget: &Budget<'_>,
) -> Result<Vec<Vec<Option<String>>>, ExtractError> {
    let mut reader = Reader::from_reader(src);
    reader.config_mut().check_end_names = false;
    let max_depth = budget.limits.max_xml_depth;
    let max_found = budget.limits.max_entries;
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut found = Vec::new();
    let mut events = 0u32;
    loop {
        events += 1;
        if events == CLOCK_EVERY {
            events = 0;
            budget.check_time()?;
        }
        buf.clear();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            budget
                .take_refusal()
                .unwrap_or_else(|| ExtractError::Malformed(format!("{label} : XML invalide [{e}]")))
        })?;
        let start = match event {
            Event::Start(e) => {
                depth += 1;
                if depth > max_depth {
                    return Err(ExtractError::Malformed(format!(
                        "{label} : éléments XML imbriqués sur plus de {max_depth} niveaux"
                    )));
                }
                e
            }
            Event::Empty(e) => e,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::Eof => return Ok(found),
            _ => continue,
        };
        if start.local_name().as_ref() != element {
            continue;
        }
        if found.len() >= max_found {
            return Err(ExtractError::TooLarge(format!(
                "plus de {max_found} éléments dans le fichier {label}"
            )));
        }
        let mut values = vec![None; wanted.len()];
        for attr in start.attributes().flatten() {
            let key = attr.key.local_name();
            if let Some(i) = wanted.iter().position(|w| *w == key.as_ref())
                && let Ok(value) = attr.normalized_value(XmlVersion::Implicit1_0)
            {
                values[i] = Some(value.into_owned());
            }
        }
        found.push(values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    const ALL: Rules = Rules {
        keep_inside: &[],
        lines: &["p"],
        spaces: &["s"],
        skip: &["skip"],
    };

    fn run(xml: &str, rules: &Rules, limits: &Limits) -> Result<String, ExtractError> {
        let budget = Budget::new(limits);
        let mut sink = Sink::new(limits.max_output_chars);
        walk(xml.as_bytes(), rules, "XML", &budget, &mut sink)?;
        Ok(sink.finish().text)
    }

    #[test]
    fn text_references_and_boundaries() {
        let xml = "<?xml version=\"1.0\"?><d><p>Le ma&#238;tre &amp; l&apos;&eacute;l&#xE8;ve</p>\
            <p>un<s/>deux<skip>caché</skip><![CDATA[ <brut> ]]></p></d>";
        assert_eq!(
            run(xml, &ALL, &Limits::default()).expect("xml"),
            "Le maître & l'élève\nun deux <brut>"
        );
    }

    #[test]
    fn keeps_only_inside() {
        let rules = Rules {
            keep_inside: &["t"],
            lines: &["p"],
            spaces: &[],
            skip: &[],
        };
        let xml = "<w:document xmlns:w=\"x\"><w:p><w:r><w:t>Bon</w:t></w:r><w:r><w:t xml:space=\"preserve\">jour </w:t></w:r>\
            <w:instr>PAGE</w:instr><w:t>à tous</w:t></w:p></w:document>";
        assert_eq!(
            run(xml, &rules, &Limits::default()).expect("xml"),
            "Bonjour à tous"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let limits = Limits {
            max_xml_depth: 10,
            ..Limits::default()
        };
        let ok = format!("{}x{}", "<a>".repeat(10), "</a>".repeat(10));
        assert_eq!(run(&ok, &ALL, &limits).expect("depth 10"), "x");
        let deep = format!("{}x{}", "<a>".repeat(11), "</a>".repeat(11));
        assert!(matches!(
            run(&deep, &ALL, &limits),
            Err(ExtractError::Malformed(_))
        ));
    }

    #[test]
    fn custom_entities_are_not_expanded() {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"ha\"><!ENTITY b \"&a;&a;&a;\">]>\
            <d><p>rire : &b;&a;</p></d>";
        assert_eq!(run(xml, &ALL, &Limits::default()).expect("xml"), "rire :");
    }

    #[test]
    fn broken_xml_is_malformed() {
        for xml in ["<a><b></a>", "<a>", "</a>", "<a><!-- x"] {
            assert!(
                matches!(
                    run(xml, &ALL, &Limits::default()),
                    Err(ExtractError::Malformed(_))
                ),
                "{xml}"
            );
        }
    }
}
