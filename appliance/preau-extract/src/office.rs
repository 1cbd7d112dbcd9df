//! ZIP-based documents: OpenDocument, Word, Excel, PowerPoint and EPUB. Which one a
//! container is comes from its entries, not from its name.

use crate::archive::Archive;
use crate::sink::Sink;
use crate::xml::{self, Rules};
use crate::{Budget, ExtractError};
use std::fs::File;
use std::io::Read;

/// The ZIP-based formats, told apart by their entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenDocument,
    Word,
    Excel,
    PowerPoint,
    Epub,
}

impl Kind {
    fn of(archive: &Archive, names: &[String]) -> Option<Self> {
        if archive.has("META-INF/container.xml") {
            Some(Self::Epub)
        } else if archive.has("content.xml") {
            Some(Self::OpenDocument)
        } else if archive.has("word/document.xml") {
            Some(Self::Word)
        } else if archive.has("xl/workbook.xml") || archive.has("xl/sharedStrings.xml") {
            Some(Self::Excel)
        } else if names.iter().any(|n| n.starts_with("ppt/slides/slide")) {
            Some(Self::PowerPoint)
        } else {
            None
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::OpenDocument => "OpenDocument",
            Self::Word => "Word",
            Self::Excel => "Excel",
            Self::PowerPoint => "PowerPoint",
            Self::Epub => "EPUB",
        }
    }
}

/// `content.xml` of ODT, ODS and ODP: the text of the body.
const ODF: Rules = Rules {
    keep_inside: &["body"],
    lines: &["p", "h", "line-break", "list-item", "table-row", "page"],
    spaces: &["s", "tab", "table-cell", "covered-table-cell", "frame"],
    skip: &["tracked-changes"],
};

/// `word/document.xml`: the `w:t` runs.
const DOCX: Rules = Rules {
    keep_inside: &["t"],
    lines: &["p", "br", "cr", "tr"],
    spaces: &["tab", "tc", "ptab"],
    skip: &["instrText", "delText"],
};

/// `xl/sharedStrings.xml`: one string per `si`, phonetic guides left out.
const XLSX_STRINGS: Rules = Rules {
    keep_inside: &["t"],
    lines: &["si"],
    spaces: &[],
    skip: &["rPh", "phoneticPr"],
};

/// `xl/worksheets/sheetN.xml`: the inline strings (`<c t="inlineStr"><is><t>…`).
const XLSX_SHEET: Rules = Rules {
    keep_inside: &["is"],
    lines: &["row"],
    spaces: &["c"],
    skip: &["rPh", "f", "v"],
};

/// `ppt/slides/slideN.xml`: the `a:t` runs.
const PPTX: Rules = Rules {
    keep_inside: &["t"],
    lines: &["p", "br", "sp"],
    spaces: &["tab", "tc"],
    skip: &[],
};

/// Extracts the text of a ZIP-based document of `len` bytes; `hint` is what the caller
/// said it is (for messages until the entries say better).
pub(crate) fn extract_zip(
    file: File,
    len: u64,
    hint: &str,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut archive = Archive::open(file, len, crate::zip_label(hint), budget)?;
    let names = archive.names();
    let Some(kind) = Kind::of(&archive, &names) else {
        return Err(ExtractError::Unsupported(
            "archive ZIP qui n'est pas un document (ODT, DOCX, XLSX, PPTX, EPUB)".into(),
        ));
    };
    archive.set_label(kind.label());
    match kind {
        Kind::OpenDocument => {
            xml_entry(&mut archive, "content.xml", &ODF, budget, sink)?;
        }
        Kind::Word => {
            xml_entry(&mut archive, "word/document.xml", &DOCX, budget, sink)?;
            for notes in ["word/footnotes.xml", "word/endnotes.xml"] {
                sink.line();
                xml_entry(&mut archive, notes, &DOCX, budget, sink)?;
            }
        }
        Kind::Excel => {
            xml_entry(
                &mut archive,
                "xl/sharedStrings.xml",
                &XLSX_STRINGS,
                budget,
                sink,
            )?;
            for sheet in numbered(&names, "xl/worksheets/sheet", ".xml") {
                sink.line();
                xml_entry(&mut archive, &sheet, &XLSX_SHEET, budget, sink)?;
            }
        }
        Kind::PowerPoint => {
            for slide in numbered(&names, "ppt/slides/slide", ".xml") {
                sink.line();
                xml_entry(&mut archive, &slide, &PPTX, budget, sink)?;
            }
        }
        Kind::Epub => epub(&mut archive, &names, budget, sink)?,
    }
    Ok(())
}

/// Walks the XML entry `name` with `rules`; an absent entry is skipped.
fn xml_entry(
    archive: &mut Archive,
    name: &str,
    rules: &Rules,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    if sink.is_done() {
        return Ok(());
    }
    budget.check_time()?;
    let label = archive.label();
    if let Some(reader) = archive.entry(name, budget)? {
        xml::walk(reader, rules, label, budget, sink)?;
    }
    Ok(())
}

/// The entries `<prefix><number><suffix>`, in number order.
fn numbered(names: &[String], prefix: &str, suffix: &str) -> Vec<String> {
    let mut found: Vec<(u64, &String)> = names
        .iter()
        .filter_map(|name| {
            let n = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
            Some((n.parse().ok()?, name))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name.clone()).collect()
}

/// EPUB: the content documents in reading order (the package's spine), each read as HTML.
/// Without a readable package, every HTML entry in name order.
fn epub(
    archive: &mut Archive,
    names: &[String],
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let documents = match spine(archive, budget)? {
        Some(documents) if !documents.is_empty() => documents,
        _ => {
            let mut documents: Vec<String> = names
                .iter()
                .filter(|n| {
                    let n = n.to_ascii_lowercase();
                    n.ends_with(".xhtml") || n.ends_with(".html") || n.ends_with(".htm")
                })
                .cloned()
                .collect();
            documents.sort();
            documents
        }
    };
    let label = archive.label();
    for name in documents {
        if sink.is_done() {
            break;
        }
        budget.check_time()?;
        let Some(mut reader) = archive.entry(&name, budget)? else {
            continue;
        };
        let mut bytes = Vec::new();
        if let Err(e) = reader.read_to_end(&mut bytes) {
            return Err(budget.take_refusal().unwrap_or_else(|| {
                ExtractError::Malformed(format!(
                    "{label} : élément {} illisible [{e}]",
                    crate::archive::short(&name)
                ))
            }));
        }
        drop(reader);
        sink.line();
        crate::html::drop_html(&crate::text::decode(&bytes), budget, sink)?;
    }
    Ok(())
}

/// The entry names of the spine of an EPUB, from `META-INF/container.xml` and the package
/// document it points to; `None` when either is missing.
fn spine(archive: &mut Archive, budget: &Budget<'_>) -> Result<Option<Vec<String>>, ExtractError> {
    let label = archive.label();
    let Some(container) = archive.entry("META-INF/container.xml", budget)? else {
        return Ok(None);
    };
    let rootfiles = xml::attributes(container, "rootfile", &["full-path"], label, budget)?;
    let Some(package) = rootfiles.into_iter().find_map(|mut r| r.swap_remove(0)) else {
        return Ok(None);
    };
    let base = match package.rfind('/') {
        Some(slash) => &package[..=slash],
        None => "",
    };
    let Some(opf) = archive.entry(&package, budget)? else {
        return Ok(None);
    };
    let items = xml::attributes(opf, "item", &["id", "href"], label, budget)?;
    let Some(opf) = archive.entry(&package, budget)? else {
        return Ok(None);
    };
    let order = xml::attributes(opf, "itemref", &["idref"], label, budget)?;
    let mut documents = Vec::new();
    for itemref in order {
        let Some(Some(idref)) = itemref.into_iter().next() else {
            continue;
        };
        let href = items.iter().find_map(|item| match item.as_slice() {
            [Some(id), Some(href)] if *id == idref => Some(href.as_str()),
            _ => None,
        });
        if let Some(href) = href {
            documents.push(join(base, href));
        }
    }
    Ok(Some(documents))
}

/// The entry name of `href` (relative, maybe percent-encoded) seen from the folder `base`.
fn join(base: &str, href: &str) -> String {
    let href = href.split('#').next().unwrap_or("");
    let href = percent_decode(href);
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in href.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(byte) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_hrefs() {
        assert_eq!(
            join("OEBPS/", "text/ch%201.xhtml#x"),
            "OEBPS/text/ch 1.xhtml"
        );
        assert_eq!(
            join("OEBPS/text/", "../images/a.html"),
            "OEBPS/images/a.html"
        );
        assert_eq!(join("", "a.xhtml"), "a.xhtml");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%C3%A9t%C3%A9"), "été");
    }

    #[test]
    fn numbers_in_order() {
        let names: Vec<String> = [
            "ppt/slides/slide10.xml",
            "ppt/slides/slide2.xml",
            "ppt/slides/_rels/slide1.xml.rels",
            "ppt/slides/slide1.xml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            numbered(&names, "ppt/slides/slide", ".xml"),
            [
                "ppt/slides/slide1.xml",
                "ppt/slides/slide2.xml",
                "ppt/slides/slide10.xml"
            ]
        );
    }
}
