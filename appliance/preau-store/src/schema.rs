//! The schema version of the whole database and its ordered migrations.

use crate::store::{META, Store};
use crate::{StoreError, Writer};
use redb::ReadableTable;

/// One step from schema version `from` to `from + 1`.
pub struct Migration {
    /// The version this step upgrades.
    pub from: u64,
    /// What it does, for the log.
    pub describe: &'static str,
    /// The step itself, run inside one write transaction with the version bump.
    pub run: fn(&mut Writer) -> Result<(), StoreError>,
}

/// A schema: its current version and how to reach it from every older one.
pub struct Schema {
    /// The version this build writes.
    pub current: u64,
    /// Steps from older versions, in order.
    pub migrations: &'static [Migration],
}

/// The schema of this build.
pub const SCHEMA: Schema = Schema {
    current: 1,
    migrations: &[],
};

/// Brings a freshly opened database to `schema.current` and returns the replica id.
pub(crate) fn prepare(store: &Store, schema: &Schema) -> Result<u64, StoreError> {
    store.write(|w| {
        let meta = w.tx.open_table(META)?;
        let found = meta.get("schema_version")?.map(|v| v.value());
        let replica = meta.get("replica_id")?.map(|v| v.value());
        drop(meta);
        let replica = match replica {
            Some(id) => id,
            None => {
                let id = random_u64();
                w.tx.open_table(META)?.insert("replica_id", id)?;
                id
            }
        };
        let mut version = match found {
            None => schema.current,
            Some(v) if v > schema.current => {
                return Err(StoreError::NewerFormat {
                    found: v,
                    supported: schema.current,
                });
            }
            Some(v) => v,
        };
        while version < schema.current {
            let step = schema
                .migrations
                .iter()
                .find(|m| m.from == version)
                .ok_or_else(|| StoreError::Db(format!("no migration from schema {version}")))?;
            tracing::info!(from = version, "migrating database: {}", step.describe);
            (step.run)(w)?;
            version += 1;
        }
        w.tx.open_table(META)?.insert("schema_version", version)?;
        Ok(replica)
    })
}

/// A random non-zero 64-bit number from the operating system.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    // The OS random source only fails on broken systems; fall back to the clock's nanoseconds.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        bytes = nanos.to_le_bytes();
    }
    u64::from_le_bytes(bytes).max(1)
}
