//! Every supported format yields its French text, in this process and in the child.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use preau_extract::{ExtractError, Extracted, Limits, extract, extract_in_child};
use std::path::Path;

const ODT: &str = "application/vnd.oasis.opendocument.text";
const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
const ODP: &str = "application/vnd.oasis.opendocument.presentation";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

const HTML: &str = "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
    <title>Sortie scolaire</title><style>body { font: 12px serif } p::after { content: \"caché\" }</style>\
    <script>document.write(\"<p>injecté</p>\"); var a = 1 < 2;</script></head>\n<body>\
    <h1>Sortie au mus&eacute;e</h1><!-- commentaire invisible -->\
    <p>Rendez-vous à 8&nbsp;h&#160;30 devant l’&Eacute;cole.<br>Prévoir un goûter &amp; une gourde.</p>\
    <ul><li>Crayons</li><li>Cahier</li></ul></body></html>";

const MARKDOWN: &str = "# Leçon de français\n\n\
    Les **accents** : é, è, ê, à, ù, ç, œ.\r\n\r\n\
    * Noël\n* Ambiguïté\n";

/// Each fixture: a file name, the media type `detect_mime` gives, the bytes and the text.
fn fixtures() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    vec![
        (
            "notes.txt",
            "text/plain",
            "Cher journal,\n\n  aujourd'hui   nous avons   appris\tles fractions.\nÀ demain !\n"
                .as_bytes()
                .to_vec(),
            "Cher journal,\naujourd'hui nous avons appris les fractions.\nÀ demain !",
        ),
        (
            "lecon.md",
            "text/plain",
            MARKDOWN.as_bytes().to_vec(),
            "# Leçon de français\nLes **accents** : é, è, ê, à, ù, ç, œ.\n* Noël\n* Ambiguïté",
        ),
        (
            "sortie.html",
            "text/html",
            HTML.as_bytes().to_vec(),
            "Sortie scolaire\nSortie au musée\nRendez-vous à 8 h 30 devant l’École.\n\
             Prévoir un goûter & une gourde.\nCrayons\nCahier",
        ),
        (
            "fete.odt",
            ODT,
            odt(),
            "La fête de l’école\nLes élèves de CE2 préparent un spectacle.",
        ),
        (
            "notes.ods",
            ODS,
            ods(),
            "Prénom\nAppréciation\nZoé\nTrès bien",
        ),
        (
            "eau.odp",
            ODP,
            odp(),
            "Le cycle de l’eau\nÉvaporation, pluie, rivière",
        ),
        (
            "dictee.docx",
            DOCX,
            docx(),
            "Dictée du lundi\nOù est la forêt ? Là-bas, près du château.",
        ),
        (
            "notes.xlsx",
            XLSX,
            xlsx(),
            "Élève\nMoyenne\nAppréciation\nTrès bien",
        ),
        (
            "volcans.pptx",
            PPTX,
            pptx(),
            "Les volcans\nÉruption et lave\nQuiz : à vous !",
        ),
        (
            "contes.epub",
            "application/epub+zip",
            epub(),
            "z-debut.xhtml\nChapitre un\nIl était une fois une forêt enchantée !\n\
             a-suite.xhtml\nChapitre deux\nLe loup s’éloigna.",
        ),
        (
            "lettre.pdf",
            "application/pdf",
            pdf(),
            "Bonjour les eleves\nLa récréation de l’école",
        ),
    ]
}

fn check(name: &str, got: Result<Extracted, ExtractError>, want: &str) {
    let got = got.unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(got.text, want, "{name}");
    assert!(!got.truncated, "{name}");
}

#[test]
fn every_format_yields_its_french_text() {
    let dir = tempfile::tempdir().unwrap();
    for (name, mime, bytes, want) in fixtures() {
        let path = write(dir.path(), name, &bytes);
        check(name, extract(&path, mime, &Limits::default()), want);
    }
}

#[test]
fn extension_hints_work_like_media_types() {
    let dir = tempfile::tempdir().unwrap();
    for (name, _, bytes, want) in fixtures() {
        let path = write(dir.path(), name, &bytes);
        let ext = name.rsplit('.').next().unwrap();
        check(name, extract(&path, ext, &Limits::default()), want);
        check(
            name,
            extract(&path, &format!(".{ext}"), &Limits::default()),
            want,
        );
    }
}

#[test]
fn every_format_yields_its_french_text_in_the_child() {
    let dir = tempfile::tempdir().unwrap();
    for (name, mime, bytes, want) in fixtures() {
        let path = write(dir.path(), name, &bytes);
        check(
            name,
            extract_in_child(&child_exe(), &path, mime, &Limits::default()),
            want,
        );
    }
}

#[test]
fn legacy_encodings_of_text() {
    let dir = tempfile::tempdir().unwrap();
    // Windows-1252, as Notepad used to save it.
    let latin = write(
        dir.path(),
        "a.txt",
        b"L'\xe9l\xe8ve a r\xe9ussi \x96 bravo \x80",
    );
    check(
        "1252",
        extract(&latin, "text/plain", &Limits::default()),
        "L'élève a réussi – bravo €",
    );
    // UTF-16 with its byte-order mark.
    let mut utf16 = vec![0xff, 0xfe];
    for unit in "Noël à l’école".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let utf16 = write(dir.path(), "b.txt", &utf16);
    check(
        "utf-16",
        extract(&utf16, "text/plain", &Limits::default()),
        "Noël à l’école",
    );
}

#[test]
fn output_is_capped_in_characters() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_output_chars: 100,
        ..Limits::default()
    };
    let long = "élève ".repeat(10_000);
    let text = write(dir.path(), "long.txt", long.as_bytes());
    let paragraphs: String = (0..5_000)
        .map(|i| format!("<w:p><w:r><w:t>Paragraphe numéro {i}</w:t></w:r></w:p>"))
        .collect();
    let docx = write(dir.path(), "long.docx", &docx_with_body(&paragraphs));
    let pages: Vec<Vec<u8>> = (0..50)
        .map(|i| show(&format!("Page {i} du cahier")))
        .collect();
    let pdf = write(dir.path(), "long.pdf", &pdf_pages(&pages));
    for (path, mime) in [
        (&text, "text/plain"),
        (&docx, DOCX),
        (&pdf, "application/pdf"),
    ] {
        for out in [
            extract(path, mime, &limits).unwrap(),
            extract_in_child(&child_exe(), path, mime, &limits).unwrap(),
        ] {
            assert!(out.truncated, "{mime}");
            let chars = out.text.chars().count();
            assert!(chars <= 100 && chars > 80, "{mime}: {chars}");
        }
    }
}

#[test]
fn content_wins_over_a_lying_name() {
    let dir = tempfile::tempdir().unwrap();
    // A PDF called .docx is read as a PDF; a Word file called .odt as Word.
    let pdf = write(dir.path(), "faux.docx", &pdf());
    let out = extract(&pdf, DOCX, &Limits::default()).unwrap();
    assert!(out.text.starts_with("Bonjour les eleves"));
    let docx = write(dir.path(), "faux.odt", &docx());
    let out = extract(&docx, ODT, &Limits::default()).unwrap();
    assert!(out.text.starts_with("Dictée du lundi"));
    // HTML announced as plain text is still stripped.
    let html = write(dir.path(), "faux.txt", HTML.as_bytes());
    let out = extract(&html, "text/plain", &Limits::default()).unwrap();
    assert!(!out.text.contains("script") && !out.text.contains("injecté"));
}

#[test]
fn unsupported_and_mismatched_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let png = write(dir.path(), "image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    assert!(matches!(
        extract(&png, "image/png", &Limits::default()),
        Err(ExtractError::Unsupported(_))
    ));
    // Binary content announced as text.
    assert!(matches!(
        extract(&png, "text/plain", &Limits::default()),
        Err(ExtractError::Unsupported(_))
    ));
    // Text announced as PDF or Word.
    let text = write(dir.path(), "faux.pdf", b"pas un pdf");
    for mime in ["application/pdf", DOCX, "epub"] {
        match extract(&text, mime, &Limits::default()) {
            Err(e @ ExtractError::Malformed(_)) => assert!(e.french().starts_with("Le fichier ")),
            other => panic!("{mime}: {other:?}"),
        }
    }
    // A plain ZIP archive is not a document.
    let archive = write(dir.path(), "photos.zip", &zip(&[("photo.txt", b"x")]));
    assert!(matches!(
        extract(&archive, "application/zip", &Limits::default()),
        Err(ExtractError::Unsupported(_))
    ));
    // A missing file.
    assert!(matches!(
        extract(
            Path::new("/nonexistent/preau"),
            "text/plain",
            &Limits::default()
        ),
        Err(ExtractError::Io(_))
    ));
    assert!(matches!(
        extract_in_child(
            &child_exe(),
            Path::new("/nonexistent/preau"),
            "text/plain",
            &Limits::default()
        ),
        Err(ExtractError::Io(_))
    ));
}

#[test]
fn input_size_is_limited() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.txt", &[b'a'; 2000]);
    let limits = Limits {
        max_input_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        extract(&path, "text/plain", &limits),
        Err(ExtractError::TooLarge(_))
    ));
    assert!(matches!(
        extract_in_child(&child_exe(), &path, "text/plain", &limits),
        Err(ExtractError::TooLarge(_))
    ));
}
