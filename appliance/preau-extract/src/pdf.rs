//! PDF with `lopdf`: the text shown on each page, in page order.
//!
//! `lopdf` bounds what it decompresses (one stream at most [`crate::Limits::max_entry_bytes`])
//! and the nesting of objects, and detects reference cycles; the page count is checked
//! before any page is read and the clock between pages. What stays unbounded (the memory of
//! the parsed object graph, the time of one page) is bounded by the child process's limits
//! in [`crate::extract_in_child`].

use crate::sink::Sink;
use crate::{Budget, ExtractError};
use lopdf::{Document, LoadOptions};
use std::fs::File;
use std::io::Read;

pub(crate) fn extract_pdf(
    mut file: File,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let limits = budget.limits;
    let mut bytes = Vec::new();
    (&mut file)
        .take(limits.max_input_bytes)
        .read_to_end(&mut bytes)?;
    let max_stream = usize::try_from(limits.max_entry_bytes.min(limits.max_inflated_bytes))
        .unwrap_or(usize::MAX);
    let options = LoadOptions {
        max_decompressed_size: Some(max_stream),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(&bytes, options).map_err(load_error)?;
    drop(bytes);
    budget.check_time()?;

    let max_pages = limits.max_pdf_pages;
    let count = document
        .page_iter()
        .take(max_pages.saturating_add(1))
        .count();
    if count > max_pages {
        return Err(ExtractError::TooLarge(format!(
            "le PDF a plus de {max_pages} pages"
        )));
    }
    let mut failures = 0usize;
    let mut last_error = None;
    for page in 1..=count {
        if sink.is_done() {
            break;
        }
        budget.check_time()?;
        let page = u32::try_from(page).unwrap_or(u32::MAX);
        for chunk in document.extract_text_chunks_with_limit(&[page], max_stream) {
            match chunk {
                Ok(text) => sink.push(&text),
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    limit,
                })) => {
                    return Err(ExtractError::TooLarge(format!(
                        "une partie du PDF se décompresse en plus de {}",
                        crate::human_bytes(limit as u64)
                    )));
                }
                Err(e) => {
                    failures += 1;
                    last_error = Some(e);
                }
            }
        }
        sink.line();
    }
    if sink.is_empty()
        && failures > 0
        && let Some(e) = last_error
    {
        return Err(ExtractError::Malformed(format!(
            "PDF : le texte des pages est illisible [{e}]"
        )));
    }
    Ok(())
}

fn load_error(e: lopdf::Error) -> ExtractError {
    match e {
        lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_) => {
            ExtractError::Unsupported("PDF protégé par un mot de passe".into())
        }
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit }) => {
            ExtractError::TooLarge(format!(
                "une partie du PDF se décompresse en plus de {}",
                crate::human_bytes(limit as u64)
            ))
        }
        lopdf::Error::IO(e) => ExtractError::Io(e),
        e => ExtractError::Malformed(format!("PDF : structure illisible [{e}]")),
    }
}
