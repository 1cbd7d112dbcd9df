//! Préau sync: the rules by which a school's box and the commune's central replica converge.
//!
//! Pure: no IO, no clock (times are passed in as Unix milliseconds). The store implements
//! [`Replica`] over one redb write transaction; the transport carries the [`protocol`]
//! messages over HTTPS. `docs/sync.md` describes the protocol.
//!
//! * [`stamp`] — the hybrid logical clock that stamps every replicated write.
//! * [`change`] — the change envelope ([`Change`]) and partitions ([`Scope`]).
//! * [`merge`] — applying received changes: cursors, partition check, deterministic winner,
//!   losers kept.
//! * [`tombstone`] — how long deletions are remembered.
//! * [`protocol`] — wire messages, handshake, bounded decoding.
//! * [`plan`] — cutting an outbox into resumable chunks.
//! * [`memory`] — the reference replica in memory, used by the property tests.

pub mod change;
pub mod memory;
pub mod merge;
pub mod plan;
pub mod protocol;
pub mod stamp;
pub mod tombstone;

pub use change::{Change, Scope};
pub use memory::MemoryReplica;
pub use merge::{
    Applied, Decision, Replica, SyncError, apply_chunk, apply_pull, apply_push, apply_range,
    apply_snapshot, decide,
};
pub use plan::{chunks, pull_chunk};
pub use protocol::{PROTOCOL_VERSION, ProtocolError, decode, encode, negotiate};
pub use stamp::{Hlc, MAX_DRIFT_MILLIS, Stamp};
pub use tombstone::{MIN_TOMBSTONE_MILLIS, TOMBSTONE_MILLIS, TombstoneAge, purge_tombstones};
