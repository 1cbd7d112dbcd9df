//! Receiving a file's bytes from the network into the blob store without holding the file
//! in memory: chunks are gathered into 1 MiB batches, each written (and hashed) on the
//! blocking pool.

use crate::error::WebError;
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use preau_app::documents::{Incoming, Received};
use preau_app::{App, AppError};

/// Bytes gathered before a write to disk.
const BATCH: usize = 1024 * 1024;

/// Streams `body` into a new blob; a broken stream or a refused size leaves nothing behind.
pub async fn receive<E: std::fmt::Display>(
    app: &App,
    name: &str,
    mut body: impl Stream<Item = Result<Bytes, E>> + Unpin,
) -> Result<Received, WebError> {
    let mut incoming = app.incoming(name)?;
    let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| WebError::BadForm(format!("upload interrupted: {e}")))?;
        batch.extend_from_slice(&chunk);
        if batch.len() >= BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            incoming = write(incoming, full).await?;
        }
    }
    if !batch.is_empty() {
        incoming = write(incoming, batch).await?;
    }
    tokio::task::spawn_blocking(move || incoming.finish())
        .await
        .map_err(|e| AppError::Disk(e.to_string()))?
        .map_err(WebError::from)
}

/// Writes one batch on the blocking pool.
pub async fn write(mut incoming: Incoming, batch: Vec<u8>) -> Result<Incoming, WebError> {
    tokio::task::spawn_blocking(move || incoming.write(&batch).map(|()| incoming))
        .await
        .map_err(|e| AppError::Disk(e.to_string()))?
        .map_err(WebError::from)
}
