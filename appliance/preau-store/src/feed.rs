//! The change feed: one entry per write to a replicated record, in the same transaction.
//! Sync with central reads it in sequence order.

use serde::{Deserialize, Serialize};

/// One change: which replica wrote which record, at which point of its sequence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The replica (box or central) where the write happened.
    pub replica: u64,
    /// The replica's sequence number for this write (1, 2, 3 …).
    pub seq: u64,
    /// The record written, as "kind/key" ("user/123").
    pub key: String,
    /// Whether the record was deleted.
    pub deleted: bool,
}
