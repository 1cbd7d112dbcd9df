//! Sync with central, the application's side: the outbox of changes another replica may
//! hold, the changes to send from it, and the application of changes received — with
//! `preau_sync`'s rules (per-origin cursors, stamps, kept losers) over one write transaction.
//!
//! The same code runs on both sides: a box sends what central is entitled to hold
//! ([`partition::scope_of`]); central, which holds one store per school, sends everything it
//! wrote in that school's store. The protocol is described in `docs/sync.md`.

pub mod partition;

use crate::{App, AppError, Problem};
use preau_core::{BlobId, Conversation, Inbox};
use preau_store::blobs::{BlobError, BlobWriter};
use preau_store::record::Record;
use preau_store::sync::{
    apply_remote, cursor_in, cursor_of, keep_loser, outbox_append, outbox_feed_cursor, outbox_last,
    outbox_since, raw_value, raw_value_in, set_cursor, set_state, set_text, stamp_in, stamp_of,
    state_of, text_of,
};
use preau_store::{StoreError, Writer};
use preau_sync::protocol::Hello;
use preau_sync::{Applied, Change, Replica, Scope, Stamp, SyncError, apply_chunk};

/// Which side of sync this replica is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// A school's box: only what central is entitled to hold leaves it.
    Box,
    /// Central, in one school's store: everything written there goes to the box.
    Central,
}

/// Feed entries read per outbox step.
const FEED_BATCH: usize = 1000;

/// A replica over one write transaction of the store.
struct StoreReplica<'a> {
    w: &'a mut Writer,
    id: u64,
}

impl Replica for StoreReplica<'_> {
    type Error = StoreError;

    fn id(&self) -> u64 {
        self.id
    }

    fn cursor(&self, origin: u64) -> Result<u64, StoreError> {
        cursor_in(self.w, origin)
    }

    fn set_cursor(&mut self, origin: u64, seq: u64) -> Result<(), StoreError> {
        set_cursor(self.w, origin, seq)
    }

    fn stamp_of(&self, kind: &str, key: u64) -> Result<Option<Stamp>, StoreError> {
        Ok(stamp_in(self.w, kind, key)?.map(|(stamp, _)| stamp))
    }

    fn write(&mut self, change: &Change) -> Result<(), StoreError> {
        apply_remote(
            self.w,
            &change.kind,
            change.key,
            change.value.as_deref(),
            change.stamp,
        )?;
        if change.kind == Conversation::KIND && change.value.is_some() {
            file_in_inboxes(self.w, change.key)?;
        }
        Ok(())
    }

    fn keep_loser(&mut self, loser: &Change) -> Result<(), StoreError> {
        let encoded = serde_json::to_vec(loser).map_err(|e| StoreError::Corrupt {
            kind: "sync",
            detail: e.to_string(),
        })?;
        keep_loser(self.w, &encoded)
    }

    fn keep_current(&mut self, kind: &str, key: u64) -> Result<(), StoreError> {
        let Some((stamp, _)) = stamp_in(self.w, kind, key)? else {
            return Ok(());
        };
        let current = Change {
            origin: stamp.origin,
            seq: 0,
            kind: kind.to_string(),
            key,
            stamp,
            school: String::new(),
            scope: Scope::School,
            value: raw_value_in(self.w, kind, key)?,
        };
        self.keep_loser(&current)
    }
}

/// Files a conversation received from the other replica in each participant's inbox (as
/// [`crate::messages`] does for a local one), unread: inboxes are this replica's own.
fn file_in_inboxes(w: &mut Writer, key: u64) -> Result<(), StoreError> {
    let Some(conversation) = w.get::<Conversation>(key)? else {
        return Ok(());
    };
    for person in &conversation.participants {
        let mut inbox: Inbox = preau_store::messages::inbox(w, *person)?;
        if !inbox.read.iter().any(|(c, _)| *c == conversation.id) {
            inbox.read.push((conversation.id, 0));
            w.put(&inbox)?;
        }
    }
    Ok(())
}

/// Why received changes were refused; nothing of the chunk was applied.
#[derive(Debug, thiserror::Error)]
pub enum IncomingError {
    /// The chunk does not follow what was applied (the sender must resend from the ack).
    #[error("gap: expected change {expected} of replica {origin}, got {got}")]
    Gap {
        /// The sending replica.
        origin: u64,
        /// The sequence number expected next.
        expected: u64,
        /// The one received.
        got: u64,
    },
    /// A change belongs to another school's partitions.
    #[error("change for another school ({0})")]
    OtherSchool(String),
    /// The change is malformed or the store failed.
    #[error("{0}")]
    Other(String),
}

impl From<StoreError> for IncomingError {
    fn from(e: StoreError) -> Self {
        IncomingError::Other(e.to_string())
    }
}

impl App {
    /// Brings the outbox up to date with the change feed; returns its last sequence number.
    pub fn sync_fill_outbox(&self, side: Side) -> Result<u64, AppError> {
        loop {
            let r = self.store.read()?;
            let cursor = outbox_feed_cursor(&r)?;
            let entries = self.store.changes_since(cursor, FEED_BATCH)?;
            let Some(last) = entries.last().map(|e| e.seq) else {
                return Ok(outbox_last(&r)?);
            };
            let mut keep = Vec::new();
            for entry in &entries {
                let Some((kind, key)) = entry.key.split_once('/') else {
                    continue;
                };
                let Ok(key) = key.parse::<u64>() else {
                    continue;
                };
                let entitled = match (side, raw_value(&r, kind, key)?) {
                    (Side::Central, _) | (Side::Box, None) => true,
                    (Side::Box, Some(bytes)) => partition::scope_of(&r, kind, &bytes)?.is_some(),
                };
                if entitled {
                    keep.push(entry.key.clone());
                }
            }
            drop(r);
            self.store.write(|w| outbox_append(w, &keep, last))?;
        }
    }

    /// The outbox's changes after `after`, at most `max`, for the school `school`: each
    /// carries the record's current value (or a tombstone) and stamp. A record no longer
    /// entitled to leave the box goes as a tombstone.
    pub fn sync_outgoing(
        &self,
        side: Side,
        school: &str,
        after: u64,
        max: usize,
    ) -> Result<Vec<Change>, AppError> {
        let r = self.store.read()?;
        let origin = self.store.replica_id();
        let mut changes = Vec::new();
        for (seq, kind, key) in outbox_since(&r, after, max)? {
            let Some((stamp, _)) = stamp_of(&r, &kind, key)? else {
                continue;
            };
            let mut value = raw_value(&r, &kind, key)?;
            let mut scope = Scope::School;
            if let Some(bytes) = &value {
                match partition::scope_of(&r, &kind, bytes)? {
                    Some(found) => scope = found,
                    None if side == Side::Box => value = None,
                    None => {}
                }
            }
            changes.push(Change {
                origin,
                seq,
                kind,
                key,
                stamp,
                school: school.to_string(),
                scope,
                value,
            });
        }
        Ok(changes)
    }

    /// Applies changes received from another replica for the school `school`, all or
    /// nothing, in one transaction: idempotent for changes already applied, refused on a gap
    /// or on a change for another school.
    pub fn sync_incoming(
        &self,
        school: &str,
        changes: &[Change],
    ) -> Result<Applied, IncomingError> {
        let id = self.store.replica_id();
        let applied = self.store.write(|w| -> Result<Applied, IncomingError> {
            let mut replica = StoreReplica { w, id };
            apply_chunk(&mut replica, school, changes).map_err(|e| match e {
                SyncError::Gap {
                    origin,
                    expected,
                    got,
                } => IncomingError::Gap {
                    origin,
                    expected,
                    got,
                },
                SyncError::Partition { school } => IncomingError::OtherSchool(school),
                other => IncomingError::Other(other.to_string()),
            })
        })?;
        if applied.applied > 0 {
            self.refresh_directory()
                .map_err(|e| IncomingError::Other(e.to_string()))?;
        }
        Ok(applied)
    }

    /// The highest sequence number of `origin` applied here.
    pub fn sync_cursor(&self, origin: u64) -> Result<u64, AppError> {
        Ok(cursor_of(&self.store.read()?, origin)?)
    }

    /// A named number of the sync machinery (acknowledged outbox position…).
    pub fn sync_state(&self, name: &str) -> Result<u64, AppError> {
        Ok(state_of(&self.store.read()?, name)?)
    }

    /// Sets a named number of the sync machinery.
    pub fn set_sync_state(&self, name: &str, value: u64) -> Result<(), AppError> {
        Ok(self
            .store
            .write(|w| preau_store::sync::set_state(w, name, value))?)
    }

    /// This replica's id.
    pub fn replica_id(&self) -> u64 {
        self.store.replica_id()
    }

    /// Central: records that the school's box said hello (when, which version, which
    /// replica, how far central holds its changes), for the central admin page.
    pub fn record_box_hello(&self, hello: &Hello, acked: u64) -> Result<(), AppError> {
        let now = u64::try_from(self.now()).unwrap_or(0);
        Ok(self.store.write(|w| -> Result<(), StoreError> {
            set_state(w, BOX_SEEN, now)?;
            set_state(w, BOX_REPLICA, hello.replica)?;
            set_state(w, BOX_ACKED, acked)?;
            set_text(w, BOX_SOFTWARE, &hello.software)
        })?)
    }

    /// Central: records how far the school's box holds central's changes (the `after` of
    /// its pull), written only when it moves.
    pub fn record_box_pulled(&self, after: u64) -> Result<(), AppError> {
        if state_of(&self.store.read()?, BOX_PULLED)? == after {
            return Ok(());
        }
        Ok(self.store.write(|w| set_state(w, BOX_PULLED, after))?)
    }

    /// Central: how far the school's box held central's changes at its last pull.
    pub fn box_pulled(&self) -> Result<u64, AppError> {
        Ok(state_of(&self.store.read()?, BOX_PULLED)?)
    }

    /// Central: what the school's box said last, if it ever synced.
    pub fn box_seen(&self) -> Result<Option<BoxSeen>, AppError> {
        let r = self.store.read()?;
        let at = state_of(&r, BOX_SEEN)?;
        if at == 0 {
            return Ok(None);
        }
        Ok(Some(BoxSeen {
            at: i64::try_from(at).unwrap_or(0),
            replica: state_of(&r, BOX_REPLICA)?,
            acked: state_of(&r, BOX_ACKED)?,
            software: text_of(&r, BOX_SOFTWARE)?.unwrap_or_default(),
        }))
    }
}

impl App {
    /// Changes of this replica the other side does not hold yet (as last acknowledged).
    pub fn sync_pending(&self) -> Result<u64, AppError> {
        let r = self.store.read()?;
        Ok(outbox_last(&r)?.saturating_sub(state_of(&r, PUSHED)?))
    }

    /// Whether the outbox has read the whole change feed.
    pub fn sync_outbox_fresh(&self) -> Result<bool, AppError> {
        let r = self.store.read()?;
        Ok(outbox_feed_cursor(&r)? >= preau_store::sync::feed_last(&r)?)
    }

    /// Lets this replica's clock know of the other side's clock (`millis`, from the
    /// handshake), so that its next writes outrank what it is about to receive.
    pub fn sync_observe_clock(&self, millis: i64, origin: u64) -> Result<(), AppError> {
        let stamp = Stamp {
            millis,
            counter: 0,
            origin,
        };
        Ok(self.store.write(|w| w.observe(stamp))?)
    }

    /// Where sync stands (since the box started).
    pub fn sync_status(&self) -> SyncStatus {
        match self.sync_status.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Records where sync stands.
    pub fn set_sync_status(&self, status: SyncStatus) {
        match self.sync_status.lock() {
            Ok(mut guard) => *guard = status,
            Err(poisoned) => *poisoned.into_inner() = status,
        }
    }
}

/// The sync state name of the outbox position central acknowledged.
pub const PUSHED: &str = "pushed";

/// The sync state name of the outbox position up to which central holds the blobs of the
/// records sent.
pub const BLOBS_SENT: &str = "blobs_sent";

/// Most blobs named in one question « which of these do you lack? ».
pub const MAX_BLOBS_ASKED: usize = 256;

/// A blob being received from another replica: kept only if its bytes have the announced
/// SHA-256, and visible only once complete.
#[derive(Debug)]
pub struct BlobReceiver {
    writer: BlobWriter,
    expected: BlobId,
}

impl BlobReceiver {
    /// Appends bytes; refuses going over the size limit.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        self.writer.write(bytes).map_err(|e| match e {
            BlobError::TooLarge { limit } => AppError::Invalid(Problem::FileTooLarge(limit)),
            BlobError::Io(e) => AppError::Disk(e.to_string()),
        })
    }

    /// Keeps the blob if its bytes match the announced digest; `false` (nothing kept)
    /// otherwise.
    pub fn finish(self) -> Result<bool, AppError> {
        let kept = self
            .writer
            .finish_as(&self.expected)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok(kept.is_some())
    }
}

impl App {
    /// The blobs that the outbox's records after `after` (at most `max` of them) refer to
    /// and that this replica holds, without repeats, and the last outbox position looked at.
    pub fn sync_outgoing_blobs(
        &self,
        side: Side,
        after: u64,
        max: usize,
    ) -> Result<(Vec<BlobId>, u64), AppError> {
        let r = self.store.read()?;
        let mut out = Vec::new();
        let mut upto = after;
        for (seq, kind, key) in outbox_since(&r, after, max)? {
            upto = seq;
            let Some(bytes) = raw_value(&r, &kind, key)? else {
                continue;
            };
            if side == Side::Box && partition::scope_of(&r, &kind, &bytes)?.is_none() {
                continue;
            }
            for blob in partition::blobs_of(&kind, &bytes)? {
                if !out.contains(&blob) && self.blobs.contains(&blob) {
                    out.push(blob);
                }
            }
        }
        Ok((out, upto))
    }

    /// Those of `blobs` this replica does not hold.
    pub fn sync_missing_blobs(&self, blobs: &[BlobId]) -> Vec<BlobId> {
        blobs
            .iter()
            .filter(|b| !self.blobs.contains(b))
            .copied()
            .collect()
    }

    /// Opens a blob to send it, with its size.
    pub fn sync_open_blob(&self, blob: &BlobId) -> Result<(std::fs::File, u64), AppError> {
        let file = self
            .blobs
            .open_blob(blob)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        let size = file
            .metadata()
            .map_err(|e| AppError::Disk(e.to_string()))?
            .len();
        Ok((file, size))
    }

    /// Starts receiving the blob `expected` from another replica (at most the largest file
    /// this replica accepts).
    pub fn sync_receive_blob(&self, expected: BlobId) -> Result<BlobReceiver, AppError> {
        let writer = self
            .blobs
            .writer(self.settings.max_file_bytes)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok(BlobReceiver { writer, expected })
    }
}

/// Where sync stands, for the headteacher's dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The last round that completed (Unix seconds).
    pub last_success: Option<i64>,
    /// Why the last attempt failed, if it did (English).
    pub last_error: Option<String>,
    /// Changes of the box central does not hold yet.
    pub pending: u64,
}

const BOX_SEEN: &str = "box_seen";
const BOX_REPLICA: &str = "box_replica";
const BOX_ACKED: &str = "box_acked";
const BOX_SOFTWARE: &str = "box_software";
const BOX_PULLED: &str = "box_pulled";

/// What central knows of a school's box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoxSeen {
    /// When it last said hello (Unix seconds).
    pub at: i64,
    /// Its replica id.
    pub replica: u64,
    /// How far central held its changes then.
    pub acked: u64,
    /// Its software version.
    pub software: String,
}
