//! The child process: killed when the time is up, held to its memory limit, and the
//! French reasons a teacher reads.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use preau_extract::{ExtractError, Limits, extract_in_child};
use std::io;
use std::time::{Duration, Instant};

#[test]
fn a_spinning_child_is_killed_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.txt", b"Bonjour");
    let limits = Limits {
        timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let started = Instant::now();
    let r = extract_in_child(
        &child_exe(),
        &path,
        "application/x-preau-test-spin",
        &limits,
    );
    let took = started.elapsed();
    assert!(matches!(r, Err(ExtractError::Timeout)), "{r:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_child_over_its_memory_limit_is_out_of_memory() {
    // A PDF stream inflating to 200 MB, with the library's own bounds lifted: only the
    // child's address-space limit (64 MiB) stops it.
    let dir = tempfile::tempdir().unwrap();
    let bomb = deflated_zeros(200_000_000, true);
    let pdf = pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &bomb),
    ]);
    let path = write(dir.path(), "bombe.pdf", &pdf);
    let limits = Limits {
        max_entry_bytes: 10_000_000_000,
        max_inflated_bytes: 10_000_000_000,
        max_memory_bytes: 64 * 1024 * 1024,
        ..Limits::default()
    };
    let started = Instant::now();
    let r = extract_in_child(&child_exe(), &path, "application/pdf", &limits);
    assert!(matches!(r, Err(ExtractError::OutOfMemory)), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_child_that_cannot_start_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.txt", b"Bonjour");
    let r = extract_in_child(
        &dir.path().join("absent"),
        &path,
        "text/plain",
        &Limits::default(),
    );
    assert!(matches!(r, Err(ExtractError::Io(_))), "{r:?}");
}

#[test]
fn a_child_that_misbehaves_is_crashed() {
    // `true` exits 0 without the status line; `false` exits 1 with nothing.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "a.txt", b"Bonjour");
    for exe in ["/bin/true", "/bin/false"] {
        let r = extract_in_child(exe.as_ref(), &path, "text/plain", &Limits::default());
        assert!(matches!(r, Err(ExtractError::Crashed(_))), "{exe}: {r:?}");
    }
}

#[test]
fn reasons_are_french() {
    let cases = [
        (
            ExtractError::Unsupported("image/png".into()),
            "Le texte de ce type de fichier ne peut pas être lu : image/png",
        ),
        (
            ExtractError::TooLarge("plus de 50 Mo".into()),
            "Le fichier est trop volumineux pour que son texte soit lu : plus de 50 Mo",
        ),
        (
            ExtractError::Malformed("PDF : structure illisible [invalid xref]".into()),
            "Le fichier PDF est endommagé : structure illisible",
        ),
        (
            ExtractError::Malformed("sans format".into()),
            "Le fichier est endommagé : sans format",
        ),
        (
            ExtractError::Timeout,
            "L'analyse du fichier a pris trop de temps",
        ),
        (
            ExtractError::OutOfMemory,
            "L'analyse du fichier demandait trop de mémoire",
        ),
        (
            ExtractError::Crashed("panic: index out of bounds".into()),
            "L'analyse du fichier a échoué de façon inattendue",
        ),
        (
            ExtractError::Io(io::Error::other("disk on fire")),
            "Le fichier n'a pas pu être lu sur le disque",
        ),
    ];
    for (error, french) in cases {
        assert_eq!(error.french(), french);
    }
}

#[test]
fn errors_cross_the_process_boundary_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "faux.pdf", b"pas un pdf");
    let here = preau_extract::extract(&path, "application/pdf", &Limits::default());
    let there = extract_in_child(&child_exe(), &path, "application/pdf", &Limits::default());
    match (here, there) {
        (Err(a @ ExtractError::Malformed(_)), Err(b @ ExtractError::Malformed(_))) => {
            assert_eq!(a.french(), b.french());
        }
        other => panic!("{other:?}"),
    }
}
