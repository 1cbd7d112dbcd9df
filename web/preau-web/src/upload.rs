//! Receiving a file's bytes from the network into the blob store without holding the file
//! in memory: chunks are gathered into 1 MiB batches, each written (and hashed) on the
//! blocking pool while the next batch arrives — at most one batch in flight, so memory stays
//! at two batches whatever the size.

use crate::error::WebError;
use axum::body::Bytes;
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
