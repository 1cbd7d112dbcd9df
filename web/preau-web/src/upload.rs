//! Receiving a file's bytes from the network into the blob store without holding the file
//! in memory: chunks are gathered into 1 MiB batches, each written (and hashed) on the
//! blocking pool while the next batch arrives — at most one batch in flight, so memory stays
//! at two batches whatever the size.

use crate::error::WebError;
use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use futures_util::{Stream, StreamExt};
use preau_app::documents::{Incoming, Received};
use preau_app::{App, AppError};
use tokio::task::JoinHandle;

/// Bytes gathered before a write to disk.
pub const BATCH: usize = 1024 * 1024;

/// A file being written, with at most one batch on its way to the disk.
pub struct Pipeline {
    idle: Option<Incoming>,
    busy: Option<JoinHandle<Result<Incoming, AppError>>>,
}

impl Pipeline {
    /// Starts a pipeline for a new file.
    pub fn new(incoming: Incoming) -> Pipeline {
        Pipeline {
            idle: Some(incoming),
            busy: None,
        }
    }

    /// The file, once the batch in flight (if any) is written.
    async fn settle(&mut self) -> Result<Incoming, WebError> {
        if let Some(handle) = self.busy.take() {
            return handle
                .await
                .map_err(|e| AppError::Disk(e.to_string()))?
                .map_err(WebError::from);
        }
        self.idle
            .take()
            .ok_or_else(|| AppError::Disk("upload pipeline used after failure".into()).into())
    }

    /// Sends a batch to the disk; waits only for the previous one.
    pub async fn push(&mut self, batch: Vec<u8>) -> Result<(), WebError> {
        let mut incoming = self.settle().await?;
        self.busy = Some(tokio::task::spawn_blocking(move || {
            incoming.write(&batch).map(|()| incoming)
        }));
        Ok(())
    }

    /// Writes what is left and makes the content durable.
    pub async fn finish(mut self) -> Result<Received, WebError> {
        let incoming = self.settle().await?;
        tokio::task::spawn_blocking(move || incoming.finish())
            .await
            .map_err(|e| AppError::Disk(e.to_string()))?
            .map_err(WebError::from)
    }
}

/// Streams `body` into a new blob; a broken stream or a refused size leaves nothing behind.
pub async fn receive<E: std::fmt::Display>(
    app: &App,
    name: &str,
    mut body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<Received, WebError> {
    let mut pipeline = Pipeline::new(app.incoming(name)?);
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| WebError::BadForm(format!("upload interrupted: {e}")))?;
        batch.extend_from_slice(&chunk);
        if batch.len() >= BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            pipeline.push(full).await?;
        }
    }
    if !batch.is_empty() {
        pipeline.push(batch).await?;
    }
    pipeline.finish().await
}

/// Largest text field of a multipart form: twice a rich text's limit, for its markup.
pub const MAX_FIELD_BYTES: usize = 2 * preau_app::rich_text::MAX_BYTES;

/// One part of a multipart form, as [`FormReader`] gives it.
pub enum Part {
    /// A text field, of at most `MAX_FIELD_BYTES` (or its field's own limit).
    Text {
        /// The field's name.
        name: String,
        /// Its value.
        value: String,
    },
    /// A file chosen in one of the form's file fields, streamed into a blob.
    File {
        /// The field's name.
        name: String,
        /// The file's name, as sent.
        file_name: String,
        /// What was stored.
        received: Received,
    },
}

/// Reads a multipart form part by part, within bounds: a file field's files are streamed
/// into blobs as they arrive (an empty file input is passed over), every other field is
/// read as UTF-8 text of bounded size — a larger one is refused (413), never held whole.
pub struct FormReader<'a> {
    app: &'a App,
    multipart: Multipart,
    file_fields: &'a [&'a str],
    limits: &'a [(&'a str, usize)],
}

impl<'a> FormReader<'a> {
    /// A reader of `multipart` whose files come in the fields named `file_fields`.
    pub fn new(app: &'a App, multipart: Multipart, file_fields: &'a [&'a str]) -> FormReader<'a> {
        FormReader {
            app,
            multipart,
            file_fields,
            limits: &[],
        }
    }

    /// Text fields that may be larger than [`MAX_FIELD_BYTES`], with their own limit.
    pub fn with_limits(mut self, limits: &'a [(&'a str, usize)]) -> FormReader<'a> {
        self.limits = limits;
        self
    }

    /// The next part, or `None` at the end of the form.
    pub async fn next(&mut self) -> Result<Option<Part>, WebError> {
        let bad = |e: MultipartError| WebError::BadForm(format!("multipart: {e}"));
        while let Some(field) = self.multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or("").to_string();
            if self.file_fields.contains(&name.as_str()) {
                let file_name = field.file_name().unwrap_or("").to_string();
                if file_name.is_empty() {
                    continue;
                }
                let received = receive(self.app, &file_name, field).await?;
                return Ok(Some(Part::File {
                    name,
                    file_name,
                    received,
                }));
            }
            let max = self
                .limits
                .iter()
                .find(|(field, _)| *field == name)
                .map_or(MAX_FIELD_BYTES, |(_, max)| *max);
            let value = bounded_text(field, max).await?;
            return Ok(Some(Part::Text { name, value }));
        }
        Ok(None)
    }
}

impl FormReader<'_> {
    /// The next text field (name, value); the files met on the way are pushed onto `files`
    /// (file name, what was stored).
    pub async fn next_text(
        &mut self,
        files: &mut Vec<(String, Received)>,
    ) -> Result<Option<(String, String)>, WebError> {
        while let Some(part) = self.next().await? {
            match part {
                Part::Text { name, value } => return Ok(Some((name, value))),
                Part::File {
                    file_name,
                    received,
                    ..
                } => files.push((file_name, received)),
            }
        }
        Ok(None)
    }
}

/// Reads a text field, refusing more than `max` bytes (413) or other than UTF-8.
async fn bounded_text(mut field: Field<'_>, max: usize) -> Result<String, WebError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| WebError::BadForm(format!("multipart: {e}")))?
    {
        if bytes.len() + chunk.len() > max {
            return Err(WebError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| WebError::BadForm("text field not UTF-8".into()))
}
