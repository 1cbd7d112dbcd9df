//! Préau's storage: one redb database per data directory.
//!
//! * Every write is durable when acknowledged: `Durability::Immediate`, two-phase commit and
//!   quick repair on every write transaction ([`Store::write`]).
//! * Every value carries a version byte and has a migration path ([`record`]); the schema as
//!   a whole has a version and ordered migrations ([`schema`]); a newer format is refused.
//! * Every write to a record that central will hold appends an entry to the change feed in the
//!   same transaction ([`feed`]).
//! * A second process on the same file is refused ([`StoreError::Locked`]); a storage I/O error
//!   ends the process ([`fatal`]) rather than serving on a poisoned database.
//!
//! Only this crate knows redb.

pub mod app_passwords;
pub mod blobs;
pub mod bookings;
pub mod commune;
pub mod directory;
pub mod documents;
pub mod error;
pub mod exercises;
pub mod fatal;
pub mod feed;
pub mod liaison;
pub mod library;
pub mod logbook;
pub mod messages;
pub mod news;
pub mod onde;
pub mod provisioning;
pub mod record;
pub mod schema;
pub mod security;
mod store;
pub mod sync;

pub use error::StoreError;
pub use feed::FeedEntry;
pub use record::Record;
pub use store::{DB_FILE, Index, Lookup, Reader, Store, Tables, Timeline, Writer};

#[cfg(test)]
mod tests;
