//! The reference replica, in memory: what the store does over redb, reduced to maps. Used
//! by the tests (the convergence property test runs a box and central made of these).

use crate::change::{Change, Scope};
use crate::merge::Replica;
use crate::plan::pull_chunk;
use crate::protocol::PullChunk;
use crate::stamp::{Hlc, Stamp};
use crate::tombstone::{TombstoneAge, purge_tombstones};
use std::collections::BTreeMap;
use std::convert::Infallible;

/// The current version of a record here, and when this replica wrote it (by its clock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The version (value or tombstone) with its stamp, origin and partition.
    pub change: Change,
    /// When it was written here (made or received), by this replica's clock.
    pub written_millis: i64,
}

/// A replica in memory: records with their stamps, tombstones with their time, kept losers,
/// per-origin cursors, its own outbox in sequence order and its hybrid logical clock.
#[derive(Clone, Debug)]
pub struct MemoryReplica {
    id: u64,
    school: String,
    now: i64,
    hlc: Hlc,
    records: BTreeMap<(String, u64), Stored>,
    losers: BTreeMap<(String, u64, Stamp), Change>,
    cursors: BTreeMap<u64, u64>,
    outbox: Vec<Change>,
    acked: u64,
    received: BTreeMap<(u64, u64), u32>,
}

impl MemoryReplica {
    /// An empty replica `id` of `school`, its clock at 0.
    pub fn new(id: u64, school: &str) -> MemoryReplica {
        MemoryReplica {
            id,
            school: school.to_string(),
            now: 0,
            hlc: Hlc::new(id, None),
            records: BTreeMap::new(),
            losers: BTreeMap::new(),
            cursors: BTreeMap::new(),
            outbox: Vec::new(),
            acked: 0,
            received: BTreeMap::new(),
        }
    }

    /// The school its local writes go to.
    pub fn school(&self) -> &str {
        &self.school
    }

    /// Sets this replica's wall clock (Unix milliseconds; it may go back).
    pub fn set_now(&mut self, now_millis: i64) {
        self.now = now_millis;
    }

    /// This replica's wall clock.
    pub fn now(&self) -> i64 {
        self.now
    }

    /// Its hybrid logical clock.
    pub fn hlc(&self) -> &Hlc {
        &self.hlc
    }

    /// Lets its clock observe a stamp (central's time at the handshake, say).
    pub fn observe(&mut self, stamp: Stamp) {
        self.hlc.observe(stamp, self.now);
    }

    /// A local write (`Some` value) or deletion (`None`) of a record of `school`: stamped,
    /// made current and appended to the outbox. Returns the change.
    pub fn write_local(
        &mut self,
        school: &str,
        kind: &str,
        key: u64,
        scope: Scope,
        value: Option<Vec<u8>>,
    ) -> Change {
        let change = Change {
            origin: self.id,
            seq: self.last_seq() + 1,
            kind: kind.to_string(),
            key,
            stamp: self.hlc.tick(self.now),
            school: school.to_string(),
            scope,
            value,
        };
        self.records.insert(
            (kind.to_string(), key),
            Stored {
                change: change.clone(),
                written_millis: self.now,
            },
        );
        self.outbox.push(change.clone());
        change
    }

    /// A local write of a record of this replica's school.
    pub fn put(&mut self, kind: &str, key: u64, scope: Scope, value: Vec<u8>) -> Change {
        let school = self.school.clone();
        self.write_local(&school, kind, key, scope, Some(value))
    }

    /// A local deletion of a record that has a value here (`None` if it has none).
    pub fn delete(&mut self, kind: &str, key: u64) -> Option<Change> {
        let current = self.get(kind, key)?;
        if current.is_tombstone() {
            return None;
        }
        let (school, scope) = (current.school.clone(), current.scope.clone());
        Some(self.write_local(&school, kind, key, scope, None))
    }

    /// The current version of `kind/key` (value or tombstone).
    pub fn get(&self, kind: &str, key: u64) -> Option<&Change> {
        self.records
            .get(&(kind.to_string(), key))
            .map(|stored| &stored.change)
    }

    /// The current value of `kind/key` (`None` if absent or deleted).
    pub fn value(&self, kind: &str, key: u64) -> Option<&[u8]> {
        self.get(kind, key).and_then(|c| c.value.as_deref())
    }

    /// Every current version (values and tombstones), in (kind, key) order.
    pub fn records(&self) -> impl Iterator<Item = &Stored> {
        self.records.values()
    }

    /// The current versions of `school`'s records, in (kind, key) order (a snapshot).
    pub fn snapshot(&self, school: &str) -> Vec<Change> {
        self.records
            .values()
            .filter(|s| s.change.school == school)
            .map(|s| s.change.clone())
            .collect()
    }

    /// The versions kept as losers, in (kind, key, stamp) order.
    pub fn losers(&self) -> impl Iterator<Item = &Change> {
        self.losers.values()
    }

    /// Whether the version of `kind/key` stamped `stamp` is kept as a loser here.
    pub fn keeps_loser(&self, kind: &str, key: u64, stamp: Stamp) -> bool {
        self.losers.contains_key(&(kind.to_string(), key, stamp))
    }

    /// Its own changes, in sequence order.
    pub fn outbox(&self) -> &[Change] {
        &self.outbox
    }

    /// Its last sequence number (0: no change yet).
    pub fn last_seq(&self) -> u64 {
        self.outbox.last().map_or(0, |c| c.seq)
    }

    /// Records that the other side holds its changes up to `acked` (a push ack on a box; on
    /// central, the cursor of the box's pull request).
    pub fn acknowledge(&mut self, acked: u64) {
        self.acked = self.acked.max(acked);
    }

    /// What the other side acknowledged.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// Central's answer to a pull of `school`'s changes after `after`.
    pub fn pull(&self, school: &str, after: u64, limit: u32, max_bytes: usize) -> PullChunk {
        pull_chunk(&self.outbox, school, after, limit, max_bytes)
    }

    /// How many times each received change `(origin, seq)` was written or kept here (a
    /// change applied twice shows as 2).
    pub fn received(&self) -> &BTreeMap<(u64, u64), u32> {
        &self.received
    }

    /// Forgets the tombstones expired at its clock's time (its own deletions not yet
    /// acknowledged are pending and kept); returns their records.
    pub fn purge_tombstones(&mut self) -> Vec<(String, u64)> {
        let (id, acked) = (self.id, self.acked);
        let candidates = self
            .records
            .iter()
            .filter(|(_, stored)| stored.change.is_tombstone())
            .map(|(record, stored)| {
                (
                    record.clone(),
                    TombstoneAge {
                        stamp: stored.change.stamp,
                        written_millis: stored.written_millis,
                        pending: stored.change.origin == id && stored.change.seq > acked,
                    },
                )
            });
        let purged = purge_tombstones(candidates, self.now);
        for record in &purged {
            self.records.remove(record);
        }
        purged
    }
}

impl Replica for MemoryReplica {
    type Error = Infallible;

    fn id(&self) -> u64 {
        self.id
    }

    fn cursor(&self, origin: u64) -> Result<u64, Infallible> {
        Ok(self.cursors.get(&origin).copied().unwrap_or(0))
    }

    fn set_cursor(&mut self, origin: u64, seq: u64) -> Result<(), Infallible> {
        self.cursors.insert(origin, seq);
        Ok(())
    }

    fn stamp_of(&self, kind: &str, key: u64) -> Result<Option<Stamp>, Infallible> {
        Ok(self.get(kind, key).map(|c| c.stamp))
    }

    fn write(&mut self, change: &Change) -> Result<(), Infallible> {
        self.hlc.observe(change.stamp, self.now);
        self.records.insert(
            (change.kind.clone(), change.key),
            Stored {
                change: change.clone(),
                written_millis: self.now,
            },
        );
        *self
            .received
            .entry((change.origin, change.seq))
            .or_default() += 1;
        Ok(())
    }

    fn keep_loser(&mut self, loser: &Change) -> Result<(), Infallible> {
        self.losers
            .entry((loser.kind.clone(), loser.key, loser.stamp))
            .or_insert_with(|| loser.clone());
        *self.received.entry((loser.origin, loser.seq)).or_default() += 1;
        Ok(())
    }

    fn keep_current(&mut self, kind: &str, key: u64) -> Result<(), Infallible> {
        if let Some(current) = self.get(kind, key).cloned() {
            self.losers
                .entry((current.kind.clone(), current.key, current.stamp))
                .or_insert(current);
        }
        Ok(())
    }
}
