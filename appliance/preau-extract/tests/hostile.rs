//! Hostile files: each one ends in an error or a capped result, quickly, without a panic,
//! and without the memory of this process (or of the child) exploding.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use preau_extract::{ExtractError, Extracted, Limits, extract, extract_in_child};
use std::path::Path;
use std::time::Duration;

const ODT: &str = "application/vnd.oasis.opendocument.text";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const FAST: Duration = Duration::from_secs(5);
/// Far below what any of the bombs would take if it were inflated or expanded.
const MAX_RSS: u64 = 600 * 1024 * 1024;

/// Runs the file through both [`extract`] and [`extract_in_child`] with `limits`, each in
/// under five seconds, and returns both results.
fn both(path: &Path, mime: &str, limits: &Limits) -> [Result<Extracted, ExtractError>; 2] {
    let here = quick(&format!("extract {mime}"), FAST, || {
        extract(path, mime, limits)
    });
    let there = quick(&format!("extract_in_child {mime}"), FAST, || {
        extract_in_child(&child_exe(), path, mime, limits)
    });
    assert!(peak_rss() < MAX_RSS, "peak RSS {}", peak_rss());
    [here, there]
}

fn assert_too_large(results: [Result<Extracted, ExtractError>; 2], what: &str) {
    for r in results {
        match r {
            Err(e @ ExtractError::TooLarge(_)) => {
                assert!(
                    e.french().starts_with("Le fichier est trop volumineux"),
                    "{e}"
                );
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn zip_bomb_of_zeros_is_refused() {
    // 200 MB of zeros in content.xml: about 200 kB compressed, declared honestly.
    let dir = tempfile::tempdir().unwrap();
    let zeros = deflated_zeros(200_000_000, false);
    let bomb = raw_zip(&[
        RawEntry {
            name: "mimetype",
            method: 0,
            data: ODT.as_bytes(),
            declared_size: ODT.len() as u64,
            crc: crc32(ODT.as_bytes()),
        },
        RawEntry {
            name: "content.xml",
            method: 8,
            data: &zeros,
            declared_size: 200_000_000,
            crc: 0,
        },
    ]);
    assert!(bomb.len() < 1_000_000);
    let path = write(dir.path(), "bombe.odt", &bomb);
    assert_too_large(both(&path, ODT, &Limits::default()), "honest bomb");
    // With the per-entry limit lifted, the compression ratio still gives it away.
    let lenient = Limits {
        max_entry_bytes: u64::MAX / 2,
        max_inflated_bytes: 30_000_000,
        ..Limits::default()
    };
    assert_too_large(both(&path, ODT, &lenient), "honest bomb, lenient limits");
}

#[test]
fn zip_bomb_with_a_lying_declared_size_is_refused() {
    // The central directory says 1 000 bytes; the data inflates to 200 MB.
    let dir = tempfile::tempdir().unwrap();
    let zeros = deflated_zeros(200_000_000, false);
    let bomb = raw_zip(&[RawEntry {
        name: "word/document.xml",
        method: 8,
        data: &zeros,
        declared_size: 1_000,
        crc: 0,
    }]);
    let path = write(dir.path(), "bombe.docx", &bomb);
    for r in both(&path, DOCX, &Limits::default()) {
        // Read as declared (and then the checksum fails) or cut by the counting reader.
        assert!(
            matches!(
                r,
                Err(ExtractError::TooLarge(_) | ExtractError::Malformed(_))
            ),
            "{r:?}"
        );
    }
    // The same lie with a small real payload of text: whatever is read stays bounded.
    let limits = Limits {
        max_entry_bytes: 10_000,
        ..Limits::default()
    };
    let xml = format!(
        "<w:document xmlns:w=\"w\"><w:body>{}</w:body></w:document>",
        "<w:p><w:r><w:t>Une phrase assez longue pour dépasser.</w:t></w:r></w:p>".repeat(2_000)
    );
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, xml.as_bytes()).unwrap();
    let data = enc.finish().unwrap();
    let lying = raw_zip(&[RawEntry {
        name: "word/document.xml",
        method: 8,
        data: &data,
        declared_size: 500,
        crc: crc32(xml.as_bytes()),
    }]);
    let path = write(dir.path(), "menteur.docx", &lying);
    for r in both(&path, DOCX, &limits) {
        assert!(
            matches!(
                r,
                Err(ExtractError::TooLarge(_) | ExtractError::Malformed(_))
            ),
            "{r:?}"
        );
    }
}

#[test]
fn many_small_entries_are_limited_in_total() {
    let dir = tempfile::tempdir().unwrap();
    let paragraphs =
        "<w:p><w:r><w:t>Bonjour à tous les élèves de la classe.</w:t></w:r></w:p>".repeat(5_000);
    let path = write(dir.path(), "gros.docx", &docx_with_body(&paragraphs));
    let per_entry = Limits {
        max_entry_bytes: 100_000,
        ..Limits::default()
    };
    assert_too_large(both(&path, DOCX, &per_entry), "entry limit");
    let total = Limits {
        max_inflated_bytes: 100_000,
        ..Limits::default()
    };
    assert_too_large(both(&path, DOCX, &total), "total limit");
}

#[test]
fn a_hundred_thousand_entries_are_refused_before_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..100_000).map(|i| format!("f{i}")).collect();
    let mut entries: Vec<RawEntry<'_>> = names
        .iter()
        .map(|name| RawEntry {
            name,
            method: 0,
            data: b"",
            declared_size: 0,
            crc: 0,
        })
        .collect();
    entries.push(RawEntry {
        name: "content.xml",
        method: 0,
        data: b"<a/>",
        declared_size: 4,
        crc: crc32(b"<a/>"),
    });
    let path = write(dir.path(), "entrees.odt", &raw_zip(&entries));
    assert_too_large(both(&path, ODT, &Limits::default()), "100 000 entries");
    // Under the ZIP64 limit too: 20 000 entries with a classic end record.
    let path = write(dir.path(), "entrees2.odt", &raw_zip(&entries[80_000..]));
    assert_too_large(both(&path, ODT, &Limits::default()), "20 000 entries");
}

#[test]
fn deeply_nested_xml_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let nested = |n: usize| {
        format!(
            "<office:text>{}profond{}</office:text>",
            "<text:span>".repeat(n),
            "</text:span>".repeat(n)
        )
    };
    // 1 000 levels: refused by the depth limit.
    let path = write(dir.path(), "profond.odt", &odf(ODT, &nested(1_000)));
    for r in both(&path, ODT, &Limits::default()) {
        match r {
            Err(e @ ExtractError::Malformed(_)) => {
                assert!(
                    e.french()
                        .starts_with("Le fichier OpenDocument est endommagé"),
                    "{e}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
    // 100 000 levels: so repetitive that the compression ratio gives it away first, or
    // refused by the depth limit.
    let path = write(dir.path(), "tres-profond.odt", &odf(ODT, &nested(100_000)));
    for r in both(&path, ODT, &Limits::default()) {
        assert!(
            matches!(
                r,
                Err(ExtractError::Malformed(_) | ExtractError::TooLarge(_))
            ),
            "{r:?}"
        );
    }
    let deep = format!(
        "{}<w:p><w:r><w:t>profond</w:t></w:r></w:p>{}",
        "<w:sdt><w:sdtContent>".repeat(50_000),
        "</w:sdtContent></w:sdt>".repeat(50_000)
    );
    let path = write(dir.path(), "profond.docx", &docx_with_body(&deep));
    for r in both(&path, DOCX, &Limits::default()) {
        assert!(
            matches!(
                r,
                Err(ExtractError::Malformed(_) | ExtractError::TooLarge(_))
            ),
            "{r:?}"
        );
    }
    // HTML and EPUB are read without a tree: nesting costs nothing and the text is there.
    let html = format!(
        "<html><body>{}profond{}</body></html>",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let path = write(dir.path(), "profond.html", html.as_bytes());
    for r in both(&path, "text/html", &Limits::default()) {
        assert_eq!(r.unwrap().text, "profond");
    }
    // (30 000 levels: more would trip the compression-ratio check.)
    let chapter = format!(
        "{}profond{}",
        "<span>".repeat(30_000),
        "</span>".repeat(30_000)
    );
    let path = write(
        dir.path(),
        "profond.epub",
        &epub_with(&[("c.xhtml", &chapter)]),
    );
    for r in both(&path, "application/epub+zip", &Limits::default()) {
        assert_eq!(r.unwrap().text, "c.xhtml\nprofond");
    }
}

#[test]
fn billion_laughs_entities_are_not_expanded() {
    let dir = tempfile::tempdir().unwrap();
    let mut dtd = String::from("<!ENTITY lol0 \"lol\">");
    for i in 1..=9 {
        let refs = format!("&lol{};", i - 1).repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{i} \"{refs}\">"));
    }
    let content = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE office:document-content [{dtd}]>\n\
         <office:document-content xmlns:office=\"o\" xmlns:text=\"t\"><office:body><office:text>\
         <text:p>Début &lol9; fin</text:p></office:text></office:body></office:document-content>"
    );
    let path = write(
        dir.path(),
        "rires.odt",
        &odf_with_content(ODT, content.as_bytes()),
    );
    for r in both(&path, ODT, &Limits::default()) {
        // quick-xml reports `&lol9;` as a reference and never expands it: nothing is added.
        assert_eq!(r.unwrap().text, "Début fin");
    }
    // Same in XHTML inside an EPUB.
    let path = write(
        dir.path(),
        "rires.epub",
        &epub_with(&[("c.xhtml", "<p>Début &lol9; fin</p>")]),
    );
    for r in both(&path, "application/epub+zip", &Limits::default()) {
        assert_eq!(r.unwrap().text, "c.xhtml\nDébut &lol9; fin");
    }
}

#[test]
fn pdf_flate_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = deflated_zeros(200_000_000, true);
    let pdf = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &bomb),
    ]);
    let path = write(dir.path(), "bombe.pdf", &pdf);
    assert_too_large(
        both(&path, "application/pdf", &Limits::default()),
        "pdf bomb",
    );
}

#[test]
fn pdf_with_a_cyclic_or_huge_object_graph_ends_quickly() {
    let dir = tempfile::tempdir().unwrap();
    // A page tree whose node is its own kid.
    let cyclic = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>".to_vec(),
        stream("", &show("Bonjour")),
    ]);
    // Objects referring to each other in a ring, and a long chain of page-tree nodes.
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R /Ring 3 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>".to_vec(),
        b"<< /Next 4 0 R >>".to_vec(),
        b"<< /Next 3 0 R >>".to_vec(),
    ];
    for i in 5..50_000 {
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{} 0 R] /Parent {} 0 R >>",
                i + 1,
                i - 1
            )
            .into_bytes(),
        );
    }
    objects.push(b"<< /Type /Page /Contents 4 0 R >>".to_vec());
    let huge = pdf_of(&objects);
    // Arrays nested 100 000 deep.
    let nested = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /X {}{} >>",
            "[".repeat(100_000),
            "]".repeat(100_000)
        )
        .into_bytes(),
    ]);
    // Every page-tree node sharing the same kids: a tiny file with exponentially many paths.
    let mut objects = vec![b"<< /Type /Catalog /Pages 2 0 R >>".to_vec()];
    for i in 2..40 {
        objects.push(
            format!(
                "<< /Type /Pages /Kids [{n} 0 R {n} 0 R] /Count 2 >>",
                n = i + 1
            )
            .into_bytes(),
        );
    }
    objects.push(stream("", &show("x")));
    let fanout = pdf_of(&objects);
    for (name, bytes) in [
        ("cyclic", cyclic),
        ("huge", huge),
        ("nested", nested),
        ("fanout", fanout),
    ] {
        let path = write(dir.path(), &format!("{name}.pdf"), &bytes);
        for r in both(&path, "application/pdf", &Limits::default()) {
            // Any outcome but a crash, a timeout or a blow-up.
            assert!(
                !matches!(
                    r,
                    Err(ExtractError::Crashed(_)
                        | ExtractError::Timeout
                        | ExtractError::OutOfMemory)
                ),
                "{name}: {r:?}"
            );
        }
    }
}

#[test]
fn too_many_pdf_pages_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pages: Vec<Vec<u8>> = (0..5).map(|i| show(&format!("page {i}"))).collect();
    let path = write(dir.path(), "pages.pdf", &pdf_pages(&pages));
    let limits = Limits {
        max_pdf_pages: 4,
        ..Limits::default()
    };
    assert_too_large(both(&path, "application/pdf", &limits), "pages");
    let limits = Limits {
        max_pdf_pages: 5,
        ..Limits::default()
    };
    for r in both(&path, "application/pdf", &limits) {
        assert_eq!(r.unwrap().text, "page 0\npage 1\npage 2\npage 3\npage 4");
    }
}

/// Truncated and garbage versions of every format: an error or some text, never a panic.
#[test]
fn truncated_and_garbage_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<(&str, Vec<u8>)> = vec![
        (ODT, odt()),
        (DOCX, docx()),
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx(),
        ),
        (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            pptx(),
        ),
        ("application/epub+zip", epub()),
        ("application/pdf", pdf()),
        (
            "text/html",
            b"<html><body><p>Bonjour &eacute;l&egrave;ve".to_vec(),
        ),
        ("text/plain", "Bonjour élève".as_bytes().to_vec()),
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    };
    let mut cases: Vec<(String, &str, Vec<u8>)> = Vec::new();
    for (mime, bytes) in &samples {
        for cut in [
            bytes.len() / 2,
            bytes.len() * 9 / 10,
            bytes.len().saturating_sub(1),
            10,
            0,
        ] {
            cases.push((format!("{mime} cut at {cut}"), mime, bytes[..cut].to_vec()));
        }
        // Flipped bytes in the middle.
        let mut flipped = bytes.clone();
        let start = flipped.len() / 3;
        for (i, b) in noise(64).into_iter().enumerate() {
            if let Some(x) = flipped.get_mut(start + i) {
                *x ^= b | 1;
            }
        }
        cases.push((format!("{mime} flipped"), mime, flipped));
        // Garbage behind the right signature, and plain garbage.
        let mut signed = if bytes.starts_with(b"%PDF") {
            b"%PDF-1.7\n".to_vec()
        } else if bytes.starts_with(b"PK") {
            b"PK\x03\x04".to_vec()
        } else {
            Vec::new()
        };
        signed.extend(noise(4096));
        cases.push((format!("{mime} signed garbage"), mime, signed));
        cases.push((format!("{mime} garbage"), mime, noise(4096)));
    }
    for (i, (what, mime, bytes)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("case{i}"), bytes);
        let r = quick(what, FAST, || extract(&path, mime, &Limits::default()));
        assert!(
            !matches!(
                r,
                Err(ExtractError::Crashed(_) | ExtractError::Timeout | ExtractError::OutOfMemory)
            ),
            "{what}: {r:?}"
        );
        if let Err(e) = &r {
            assert!(!e.french().is_empty());
        }
    }
    assert!(peak_rss() < MAX_RSS);
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
