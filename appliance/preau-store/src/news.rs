//! News records (« Actualités ») and the timeline that lists them by publication time.
//!
//! News is replicated: every write enters the change feed, so central can hold a copy.
//! Withdrawn items stay as records with their withdrawal set (a tombstone for the feed).

use crate::documents::record;
use crate::record::Record;
use crate::{Reader, StoreError, Tables, Timeline, Writer};
use preau_core::{BlobId, News};
use redb::TableDefinition;
use std::collections::HashSet;

/// The box's school (key 0) → its news by publication time.
const BY_PUBLICATION: Timeline = TableDefinition::new("news_by_publication");

record!(News, "news", "news", indexed: false, replicated: true, |n| n.id.0);

/// Saves a news item, keeping the timeline in step with its publication time.
pub fn save_news(w: &mut Writer, news: &News) -> Result<(), StoreError> {
    if let Some(old) = w.get::<News>(news.id.0)? {
        w.timeline_remove(BY_PUBLICATION, 0, old.publish_at, old.id.0)?;
    }
    w.timeline_add(BY_PUBLICATION, 0, news.publish_at, news.id.0)?;
    w.put(news)
}

/// Every news item (withdrawn ones included), oldest publication first.
pub fn all_news(t: &impl Tables) -> Result<Vec<News>, StoreError> {
    let mut out = Vec::new();
    for id in t.timeline(BY_PUBLICATION, 0, i64::MIN, i64::MAX)? {
        if let Some(news) = t.get::<News>(id)? {
            out.push(news);
        }
    }
    Ok(out)
}

/// The blobs news items refer to (what the blob collector must keep).
pub fn news_blobs(r: &Reader) -> Result<HashSet<BlobId>, StoreError> {
    Ok(r.all::<News>()?
        .into_iter()
        .flat_map(|n| n.files.into_iter().map(|f| f.blob))
        .collect())
}
