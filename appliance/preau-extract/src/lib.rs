//! Plain text out of uploaded files, bounded in time and memory, safe against hostile files.
//!
//! * [`extract`] reads a file in this process with bounded parsers: text and Markdown, HTML,
//!   OpenDocument (ODT, ODS, ODP), Word (DOCX), Excel (XLSX), PowerPoint (PPTX), EPUB and PDF.
//!   The format comes from the file's first bytes (a PDF or ZIP signature wins over anything
//!   else), then from the media type or extension hint given by the caller
//!   (`preau_app::media::detect_mime`'s strings, or `docx`, `.md`…).
//! * [`extract_in_child`] runs the same extraction in a child process (`preau extract …`) that
//!   limits its own address space and CPU time ([`child_main`]) and is killed after
//!   [`Limits::timeout`]: what a library cannot bound (a PDF parser's memory) is bounded by the
//!   kernel there. The server should use this one for uploads.
//!
//! Every limit is in [`Limits`]. ZIP entries are read through a counting reader (a declared
//! size can lie): too many entries, too many inflated bytes in one entry or in all of them, or
//! a suspicious compression ratio refuse the file. XML is read with `quick-xml`, which never
//! expands custom entities (no "billion laughs"), under a depth limit. The text is
//! whitespace-normalised (runs of spaces become one space, paragraphs one line break) and
//! capped at [`Limits::max_output_chars`] characters, reading stops there and
//! [`Extracted::truncated`] says so.
//!
//! Third-party parsing runs under `catch_unwind`: a panic becomes [`ExtractError::Crashed`].

mod archive;
mod child;
mod html;
mod office;
mod pdf;
mod sink;
mod text;
mod xml;

pub use child::{child_main, extract_in_child};

use sink::Sink;
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

/// The bounds of one extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest file read at all, in bytes.
    pub max_input_bytes: u64,
    /// The most characters of text returned; reading stops there.
    pub max_output_chars: usize,
    /// The most bytes inflated out of a ZIP container, all entries read together.
    pub max_inflated_bytes: u64,
    /// The most bytes inflated out of one ZIP entry, or decompressed out of one PDF stream
    /// (never more than [`Limits::max_inflated_bytes`]).
    pub max_entry_bytes: u64,
    /// The most entries a ZIP container may list.
    pub max_entries: usize,
    /// The deepest element nesting accepted in XML.
    pub max_xml_depth: usize,
    /// The most pages a PDF may have.
    pub max_pdf_pages: usize,
    /// The longest an extraction may take (wall clock).
    pub timeout: Duration,
    /// The address space of the child process of [`extract_in_child`], in bytes.
    pub max_memory_bytes: u64,
}

impl Default for Limits {
    /// Sensible for a Raspberry Pi: 50 MB in, 1 M characters out, 200 MB inflated in all,
    /// 50 MB per entry, 10 000 entries, depth 256, 2 000 pages, 20 s, 256 MiB.
    fn default() -> Self {
        Self {
            max_input_bytes: 50_000_000,
            max_output_chars: 1_000_000,
            max_inflated_bytes: 200_000_000,
            max_entry_bytes: 50_000_000,
            max_entries: 10_000,
            max_xml_depth: 256,
            max_pdf_pages: 2_000,
            timeout: Duration::from_secs(20),
            max_memory_bytes: 256 * 1024 * 1024,
        }
    }
}

/// The text of a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// Plain text: words separated by single spaces, paragraphs by single line breaks.
    pub text: String,
    /// Whether the file held more text than [`Limits::max_output_chars`].
    pub truncated: bool,
}

/// Why no text could be extracted.
///
/// The payload of `Unsupported`, `TooLarge` and `Malformed` is written for a teacher (in
/// French), `Malformed`'s as `"<format> : <detail>"`, any technical detail (a parser's own
/// English message) at the end in square brackets: `"PDF : structure illisible [invalid
/// xref]"`. [`ExtractError::french`] gives the whole sentence without that detail; `Display`,
/// for logs, keeps it.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The file is of a type no text is extracted from (a picture, a plain ZIP…).
    #[error("unsupported file type: {0}")]
    Unsupported(String),
    /// A limit was reached: input size, inflated bytes, entries, pages.
    #[error("file too large to extract: {0}")]
    TooLarge(String),
    /// The file is damaged or is not what its type says.
    #[error("malformed file: {0}")]
    Malformed(String),
    /// The extraction took longer than [`Limits::timeout`].
    #[error("extraction timed out")]
    Timeout,
    /// The extraction needed more memory than [`Limits::max_memory_bytes`].
    #[error("extraction ran out of memory")]
    OutOfMemory,
    /// The parser panicked, or the child process died or misbehaved.
    #[error("extraction crashed: {0}")]
    Crashed(String),
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

impl ExtractError {
    /// The reason shown to a teacher, in French (without the technical detail in square
    /// brackets that the logs get).
    pub fn french(&self) -> String {
        match self {
            Self::Unsupported(what) => format!(
                "Le texte de ce type de fichier ne peut pas être lu : {}",
                for_teacher(what)
            ),
            Self::TooLarge(what) => format!(
                "Le fichier est trop volumineux pour que son texte soit lu : {}",
                for_teacher(what)
            ),
            Self::Malformed(what) => match for_teacher(what).split_once(" : ") {
                Some((format, detail)) => format!("Le fichier {format} est endommagé : {detail}"),
                None => format!("Le fichier est endommagé : {}", for_teacher(what)),
            },
            Self::Timeout => "L'analyse du fichier a pris trop de temps".into(),
            Self::OutOfMemory => "L'analyse du fichier demandait trop de mémoire".into(),
            Self::Crashed(_) => "L'analyse du fichier a échoué de façon inattendue".into(),
            Self::Io(_) => "Le fichier n'a pas pu être lu sur le disque".into(),
        }
    }
}

/// A payload without its technical detail: everything from the first `" ["` when the
/// payload ends with `]` (the French part never holds brackets).
fn for_teacher(payload: &str) -> &str {
    match payload.find(" [") {
        Some(at) if payload.ends_with(']') => &payload[..at],
        _ => payload,
    }
}

/// What a file is, once its first bytes and the caller's hint are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Html,
    /// A ZIP container: which format it is comes from its entries.
    Zip,
    Pdf,
}

/// How many bytes of the head are looked at for signatures.
const HEAD_BYTES: usize = 1024;

/// The text of the file at `path`, extracted in this process.
///
/// `mime` is the media type detected from the content (`text/html`,
/// `application/vnd.oasis.opendocument.text`…) or an extension hint (`docx`, `.md`); the
/// file's own signature wins over it. Never panics; every limit of `limits` applies, except
/// [`Limits::max_memory_bytes`] (only a child process can be held to it) and the timeout
/// inside a single PDF parsing call (checked between pages): use [`extract_in_child`] for
/// files nobody vouches for. Blocking: call it from a blocking thread.
pub fn extract(path: &Path, mime: &str, limits: &Limits) -> Result<Extracted, ExtractError> {
    let budget = Budget::new(limits);
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len > limits.max_input_bytes {
        return Err(ExtractError::TooLarge(format!(
            "plus de {} (limite {})",
            human_bytes(len),
            human_bytes(limits.max_input_bytes)
        )));
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file).take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    file.rewind()?;
    let format = detect(&head, mime)?;
    let mut sink = Sink::new(limits.max_output_chars);
    let outcome = catch_unwind(AssertUnwindSafe(|| match format {
        Format::Text => text::extract_text(file, &budget, &mut sink),
        Format::Html => html::extract_html(file, &budget, &mut sink),
        Format::Zip => office::extract_zip(file, len, mime, &budget, &mut sink),
        Format::Pdf => pdf::extract_pdf(file, &budget, &mut sink),
    }));
    match outcome {
        Ok(Ok(())) => Ok(sink.finish()),
        Ok(Err(e)) => Err(e),
        Err(panic) => Err(ExtractError::Crashed(panic_message(panic.as_ref()))),
    }
}

/// The format of a file from its head and the caller's hint.
fn detect(head: &[u8], hint: &str) -> Result<Format, ExtractError> {
    if find(head, b"%PDF-").is_some() {
        return Ok(Format::Pdf);
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(Format::Zip);
    }
    let kind = Hint::of(hint);
    match kind {
        Hint::Pdf => Err(ExtractError::Malformed(
            "PDF : le contenu n'est pas celui d'un PDF".into(),
        )),
        Hint::Zip(label) => Err(ExtractError::Malformed(format!(
            "{label} : le contenu n'est pas une archive ZIP"
        ))),
        Hint::Html => Ok(Format::Html),
        Hint::Text if looks_like_html(head) => Ok(Format::Html),
        Hint::Text => Ok(Format::Text),
        Hint::Other => Err(ExtractError::Unsupported(if hint.is_empty() {
            "type inconnu".into()
        } else {
            hint.to_string()
        })),
    }
}

/// What the caller's media type or extension says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    Text,
    Html,
    Pdf,
    /// A ZIP-based format, with its name for messages.
    Zip(&'static str),
    Other,
}

impl Hint {
    fn of(hint: &str) -> Self {
        let hint = hint
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let hint = hint.as_str();
        if hint.contains('/') {
            return match hint {
                "text/plain" | "text/markdown" | "text/x-markdown" | "text/csv" => Self::Text,
                "text/html" | "application/xhtml+xml" => Self::Html,
                "application/pdf" => Self::Pdf,
                "application/zip" | "application/x-zip-compressed" => Self::Zip("ZIP"),
                "application/epub+zip" => Self::Zip("EPUB"),
                m if m.starts_with("application/vnd.oasis.opendocument.") => {
                    Self::Zip("OpenDocument")
                }
                m if m.starts_with("application/vnd.openxmlformats-officedocument.") => {
                    Self::Zip(office_label(m))
                }
                _ => Self::Other,
            };
        }
        // An extension, with or without its dot, or a whole file name.
        let ext = hint.rsplit('.').next().unwrap_or(hint);
        match ext {
            "txt" | "text" | "md" | "markdown" | "csv" => Self::Text,
            "html" | "htm" | "xhtml" => Self::Html,
            "pdf" => Self::Pdf,
            "zip" => Self::Zip("ZIP"),
            "epub" => Self::Zip("EPUB"),
            "odt" | "ods" | "odp" => Self::Zip("OpenDocument"),
            "docx" => Self::Zip("Word"),
            "xlsx" => Self::Zip("Excel"),
            "pptx" => Self::Zip("PowerPoint"),
            _ => Self::Other,
        }
    }
}

fn office_label(mime: &str) -> &'static str {
    if mime.contains("wordprocessingml") {
        "Word"
    } else if mime.contains("spreadsheetml") {
        "Excel"
    } else if mime.contains("presentationml") {
        "PowerPoint"
    } else {
        "Office"
    }
}

/// The name of the format the caller announced, for messages about a ZIP container.
pub(crate) fn zip_label(hint: &str) -> &'static str {
    match Hint::of(hint) {
        Hint::Zip(label) => label,
        _ => "ZIP",
    }
}

fn looks_like_html(head: &[u8]) -> bool {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    let lower: Vec<u8> = head.iter().take(15).map(u8::to_ascii_lowercase).collect();
    lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html")
}

/// Where `needle` first occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `bytes` in French units ("50 Mo").
pub(crate) fn human_bytes(bytes: u64) -> String {
    const MB: u64 = 1_000_000;
    const KB: u64 = 1_000;
    if bytes >= MB {
        format!("{} Mo", bytes / MB)
    } else if bytes >= KB {
        format!("{} ko", bytes / KB)
    } else {
        format!("{bytes} octets")
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        format!("panic: {s}")
    } else if let Some(s) = panic.downcast_ref::<String>() {
        format!("panic: {s}")
    } else {
        "panic".into()
    }
}

/// The limits of one extraction and what has been spent of them.
pub(crate) struct Budget<'a> {
    pub(crate) limits: &'a Limits,
    deadline: Instant,
    /// Bytes inflated out of ZIP entries so far.
    inflated: Cell<u64>,
    /// Why a bounded reader refused to go on (its `io::Error` only says that it did).
    refusal: RefCell<Option<ExtractError>>,
}

impl<'a> Budget<'a> {
    pub(crate) fn new(limits: &'a Limits) -> Self {
        let now = Instant::now();
        Self {
            limits,
            deadline: now.checked_add(limits.timeout).unwrap_or(now),
            inflated: Cell::new(0),
            refusal: RefCell::new(None),
        }
    }

    /// [`ExtractError::Timeout`] once the deadline has passed.
    pub(crate) fn check_time(&self) -> Result<(), ExtractError> {
        if Instant::now() > self.deadline {
            Err(ExtractError::Timeout)
        } else {
            Ok(())
        }
    }

    /// Records why reading stopped; returns the `io::Error` to give the reader's caller.
    pub(crate) fn refuse(&self, why: ExtractError) -> io::Error {
        let message = why.to_string();
        *self.refusal.borrow_mut() = Some(why);
        io::Error::other(message)
    }

    /// The refusal recorded by a bounded reader, if any: it explains a parser's I/O error.
    pub(crate) fn take_refusal(&self) -> Option<ExtractError> {
        self.refusal.borrow_mut().take()
    }

    pub(crate) fn inflated(&self) -> &Cell<u64> {
        &self.inflated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints() {
        assert_eq!(Hint::of("text/plain; charset=utf-8"), Hint::Text);
        assert_eq!(Hint::of(".MD"), Hint::Text);
        assert_eq!(Hint::of("cours.docx"), Hint::Zip("Word"));
        assert_eq!(
            Hint::of("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            Hint::Zip("Excel")
        );
        assert_eq!(Hint::of("image/png"), Hint::Other);
    }

    #[test]
    fn content_wins_over_hint() {
        assert_eq!(detect(b"%PDF-1.4\n", "docx").ok(), Some(Format::Pdf));
        assert_eq!(
            detect(b"PK\x03\x04rest", "text/plain").ok(),
            Some(Format::Zip)
        );
        assert_eq!(
            detect(b"<!DOCTYPE html><p>x", "text/plain").ok(),
            Some(Format::Html)
        );
        assert!(matches!(
            detect(b"hello", "application/pdf"),
            Err(ExtractError::Malformed(_))
        ));
        assert!(matches!(
            detect(b"\x89PNG", "image/png"),
            Err(ExtractError::Unsupported(_))
        ));
    }

    #[test]
    fn malformed_names_the_format() {
        let e = ExtractError::Malformed("PDF : table des objets illisible [bad xref [0]]".into());
        assert_eq!(
            e.french(),
            "Le fichier PDF est endommagé : table des objets illisible"
        );
        assert!(e.to_string().ends_with("[bad xref [0]]"));
        let e = ExtractError::TooLarge("plus de 2 000 pages".into());
        assert!(e.french().ends_with("plus de 2 000 pages"));
    }
}
