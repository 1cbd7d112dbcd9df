//! Applying received changes: per-origin cursors (idempotence, resumability), the partition
//! check, and conflict resolution by stamp with the loser kept visibly.

use crate::change::Change;
use crate::stamp::Stamp;

pub use crate::tombstone::TOMBSTONE_MILLIS;

/// What to do with a received version of a record, given the local one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The incoming version wins (its stamp is above the local one, or there is none).
    Apply,
    /// The local version wins: the incoming one is a loser, to be kept visibly.
    KeepLocal,
    /// The very same version (same stamp, hence same origin) is already here.
    Duplicate,
}

/// Compares the local version's stamp (of the value or the tombstone) with an incoming
/// change: the higher stamp wins, on every replica, whatever the order of arrival. A
/// tombstone wins or loses like a value.
pub fn decide(local: Option<Stamp>, incoming: &Change) -> Decision {
    match local {
        None => Decision::Apply,
        Some(local) if local == incoming.stamp => Decision::Duplicate,
        Some(local) if incoming.stamp > local => Decision::Apply,
        Some(_) => Decision::KeepLocal,
    }
}

/// What a receiving replica must provide (over one write transaction in the store; in
/// memory in [`crate::memory::MemoryReplica`]).
pub trait Replica {
    /// The replica's storage error.
    type Error: std::error::Error;

    /// This replica's id.
    fn id(&self) -> u64;

    /// The highest sequence number of `origin` applied here (0: none).
    fn cursor(&self, origin: u64) -> Result<u64, Self::Error>;

    /// Records that `origin`'s changes up to `seq` are applied here.
    fn set_cursor(&mut self, origin: u64, seq: u64) -> Result<(), Self::Error>;

    /// The stamp of the current version of `kind/key`: its value or its tombstone.
    fn stamp_of(&self, kind: &str, key: u64) -> Result<Option<Stamp>, Self::Error>;

    /// Makes `change` the current version of its record (value or tombstone, with its
    /// stamp), and lets this replica's clock observe the stamp ([`crate::Hlc::observe`]) so
    /// that a later local write of the record outranks it.
    fn write(&mut self, change: &Change) -> Result<(), Self::Error>;

    /// Keeps a losing incoming version visibly (the conflicts table).
    fn keep_loser(&mut self, loser: &Change) -> Result<(), Self::Error>;

    /// Keeps the current version of `kind/key` (value or tombstone, with its stamp) visibly
    /// as a loser, just before an incoming version that outranks it is written.
    fn keep_current(&mut self, kind: &str, key: u64) -> Result<(), Self::Error>;
}

/// What applying a chunk did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes that became the current version of their record.
    pub applied: usize,
    /// Changes whose version was already here (received by another path).
    pub duplicates: usize,
    /// Changes skipped because their sequence number was already applied (resends).
    pub skipped: usize,
    /// Versions kept as losers (incoming ones that lost, and local ones that lost).
    pub losers: usize,
    /// The origin's cursor after the chunk: the acknowledgement to send back.
    pub cursor: u64,
}

/// Why a chunk was refused. Nothing of it was applied: every check runs before the first
/// write, and the caller aborts its transaction on a storage error.
#[derive(Debug, thiserror::Error)]
pub enum SyncError<E> {
    /// The chunk does not follow what was applied: the sender resends from the ack.
    #[error("gap: expected change {expected} of replica {origin:#x}, got {got}")]
    Gap {
        /// The sending replica.
        origin: u64,
        /// The sequence number expected next (the ack plus one).
        expected: u64,
        /// The one received.
        got: u64,
    },
    /// A change belongs to another school's partitions than the one allowed.
    #[error("change for the partitions of another school ({school})")]
    Partition {
        /// The school the change names.
        school: String,
    },
    /// A chunk mixes the changes of several origins, or names another origin than its own.
    #[error("a chunk from replica {expected:#x} carries a change of replica {got:#x}")]
    Origin {
        /// The chunk's origin.
        expected: u64,
        /// The other origin found.
        got: u64,
    },
    /// The changes were sent back to the replica that made them.
    #[error("replica {origin:#x} was sent its own changes")]
    OwnOrigin {
        /// This replica.
        origin: u64,
    },
    /// Sequence numbers are not strictly increasing, or lie outside the range the chunk
    /// says it covers.
    #[error("change {seq} of replica {origin:#x} is out of order")]
    Order {
        /// The sending replica.
        origin: u64,
        /// The misplaced sequence number.
        seq: u64,
    },
    /// The replica's storage failed.
    #[error("storage: {0}")]
    Store(#[source] E),
}

/// Applies a chunk of changes from one origin, in sequence order. Changes up to the
/// origin's cursor are skipped (idempotent resends); a gap (a first new change after
/// cursor + 1) is refused, so the sender resends from the ack; a change for another school
/// than `allowed_school` is refused (a box may only write its own school). All checks run
/// before the first write; the caller runs it in one transaction and aborts on `Err`.
///
/// A conflict resolves to the higher stamp ([`decide`]); the losing version is kept
/// visibly on this replica: an incoming loser with [`Replica::keep_loser`], a local loser
/// with [`Replica::keep_current`] before the winner is written. A version superseded by a
/// later version from the same writing replica (same stamp origin) is not a conflict and is
/// not kept. Returns the new cursor (the ack). An empty chunk changes nothing and returns
/// cursor 0 (it names no origin; use [`apply_push`] when the origin is known).
pub fn apply_chunk<R: Replica>(
    replica: &mut R,
    allowed_school: &str,
    changes: &[Change],
) -> Result<Applied, SyncError<R::Error>> {
    let Some(first) = changes.first() else {
        return Ok(Applied::default());
    };
    let origin = first.origin;
    check_envelopes(replica, allowed_school, origin, changes)?;
    let cursor = replica.cursor(origin).map_err(SyncError::Store)?;
    let new = changes.iter().filter(|c| c.seq > cursor);
    for (expected, change) in (cursor + 1..).zip(new) {
        if change.seq != expected {
            return Err(SyncError::Gap {
                origin,
                expected,
                got: change.seq,
            });
        }
    }
    let last = changes.last().map_or(cursor, |c| c.seq);
    apply_checked(replica, origin, cursor, last, changes)
}

/// Applies a pushed chunk: like [`apply_chunk`], with the chunk's origin checked against
/// every change's (and an empty chunk answered with the origin's cursor).
pub fn apply_push<R: Replica>(
    replica: &mut R,
    allowed_school: &str,
    chunk: &crate::protocol::PushChunk,
) -> Result<Applied, SyncError<R::Error>> {
    if let Some(other) = chunk.changes.iter().find(|c| c.origin != chunk.origin) {
        return Err(SyncError::Origin {
            expected: chunk.origin,
            got: other.origin,
        });
    }
    if chunk.changes.is_empty() {
        let cursor = replica.cursor(chunk.origin).map_err(SyncError::Store)?;
        return Ok(Applied {
            cursor,
            ..Applied::default()
        });
    }
    apply_chunk(replica, allowed_school, &chunk.changes)
}

/// Applies changes of `origin` covering its sequence range `(after, last]`, where the
/// sequence may have holes (numbers used for other schools, or for records not sent): the
/// changes must lie in the range, in increasing order; `after` must not be past the cursor
/// (else [`SyncError::Gap`]); afterwards the cursor is `last` (or stays, if higher: a late
/// duplicate answer changes nothing). This is how a pull answer is applied when the other
/// side's sequence is shared between schools; with a gap-free sequence, [`apply_chunk`]
/// does the same.
pub fn apply_range<R: Replica>(
    replica: &mut R,
    allowed_school: &str,
    origin: u64,
    after: u64,
    last: u64,
    changes: &[Change],
) -> Result<Applied, SyncError<R::Error>> {
    check_envelopes(replica, allowed_school, origin, changes)?;
    if let Some(outside) = changes.iter().find(|c| c.seq <= after || c.seq > last) {
        return Err(SyncError::Order {
            origin,
            seq: outside.seq,
        });
    }
    if last < after {
        return Err(SyncError::Order { origin, seq: last });
    }
    let cursor = replica.cursor(origin).map_err(SyncError::Store)?;
    if after > cursor {
        return Err(SyncError::Gap {
            origin,
            expected: cursor + 1,
            got: after + 1,
        });
    }
    apply_checked(replica, origin, cursor, last, changes)
}

/// Applies a pull answer to the request `after` it answers: [`apply_range`] over
/// `(after, chunk.last]` of `origin` (central's replica id).
pub fn apply_pull<R: Replica>(
    replica: &mut R,
    allowed_school: &str,
    origin: u64,
    after: u64,
    chunk: &crate::protocol::PullChunk,
) -> Result<Applied, SyncError<R::Error>> {
    apply_range(
        replica,
        allowed_school,
        origin,
        after,
        chunk.last,
        &chunk.changes,
    )
}

/// Applies current versions of records outside any cursor (a snapshot of the school's
/// records, for a box restored from a backup under a new replica id): each one by
/// [`decide`], losers kept as with [`apply_chunk`]. The changes' `origin` and `seq` are not
/// looked at; cursors do not move. Returns `cursor: 0`.
pub fn apply_snapshot<R: Replica>(
    replica: &mut R,
    allowed_school: &str,
    changes: &[Change],
) -> Result<Applied, SyncError<R::Error>> {
    if let Some(other) = changes.iter().find(|c| c.school != allowed_school) {
        return Err(SyncError::Partition {
            school: other.school.clone(),
        });
    }
    let mut outcome = Applied::default();
    for change in changes {
        apply_one(replica, change, &mut outcome)?;
    }
    Ok(outcome)
}

/// The checks that need no storage: one origin, not this replica's, the allowed school,
/// strictly increasing sequence numbers.
fn check_envelopes<R: Replica>(
    replica: &R,
    allowed_school: &str,
    origin: u64,
    changes: &[Change],
) -> Result<(), SyncError<R::Error>> {
    if origin == replica.id() {
        return Err(SyncError::OwnOrigin { origin });
    }
    let mut previous: Option<u64> = None;
    for change in changes {
        if change.origin != origin {
            return Err(SyncError::Origin {
                expected: origin,
                got: change.origin,
            });
        }
        if change.school != allowed_school {
            return Err(SyncError::Partition {
                school: change.school.clone(),
            });
        }
        if previous.is_some_and(|p| change.seq <= p) {
            return Err(SyncError::Order {
                origin,
                seq: change.seq,
            });
        }
        previous = Some(change.seq);
    }
    Ok(())
}

/// Applies the changes past `cursor` (all checks done) and moves the cursor to `last`.
fn apply_checked<R: Replica>(
    replica: &mut R,
    origin: u64,
    cursor: u64,
    last: u64,
    changes: &[Change],
) -> Result<Applied, SyncError<R::Error>> {
    let mut outcome = Applied {
        cursor,
        ..Applied::default()
    };
    for change in changes {
        if change.seq > cursor {
            apply_one(replica, change, &mut outcome)?;
        } else {
            outcome.skipped += 1;
        }
    }
    if last > cursor {
        replica.set_cursor(origin, last).map_err(SyncError::Store)?;
        outcome.cursor = last;
    }
    Ok(outcome)
}

/// Decides one change and does what the decision says.
fn apply_one<R: Replica>(
    replica: &mut R,
    change: &Change,
    outcome: &mut Applied,
) -> Result<(), SyncError<R::Error>> {
    let local = replica
        .stamp_of(&change.kind, change.key)
        .map_err(SyncError::Store)?;
    match decide(local, change) {
        Decision::Duplicate => outcome.duplicates += 1,
        Decision::Apply => {
            if let Some(local) = local
                && local.origin != change.stamp.origin
            {
                replica
                    .keep_current(&change.kind, change.key)
                    .map_err(SyncError::Store)?;
                outcome.losers += 1;
            }
            replica.write(change).map_err(SyncError::Store)?;
            outcome.applied += 1;
        }
        Decision::KeepLocal => {
            if local.is_some_and(|local| local.origin != change.stamp.origin) {
                replica.keep_loser(change).map_err(SyncError::Store)?;
                outcome.losers += 1;
            }
        }
    }
    Ok(())
}
