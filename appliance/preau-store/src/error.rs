//! The store's error type.

use std::path::PathBuf;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process already has this data directory open.
    #[error("the database {0} is already in use by another preau process")]
    Locked(PathBuf),
    /// The file was written by a newer version of Préau.
    #[error(
        "the database uses format version {found}, newer than this preau supports ({supported}); \
         install a newer preau or restore a backup"
    )]
    NewerFormat {
        /// The version found in the file.
        found: u64,
        /// The newest version this build understands.
        supported: u64,
    },
    /// A stored value has a version this build does not know.
    #[error("a stored {kind} has value version {found}, unknown to this preau")]
    UnknownValueVersion {
        /// The record kind.
        kind: &'static str,
        /// The version byte found.
        found: u8,
    },
    /// A stored value could not be decoded.
    #[error("a stored {kind} could not be decoded: {detail}")]
    Corrupt {
        /// The record kind.
        kind: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// A uniqueness rule was broken (for example a sign-in identifier already taken).
    #[error("{0} already exists")]
    Duplicate(String),
    /// The data directory could not be created or read.
    #[error("data directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Db(String),
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                let e: redb::Error = e.into();
                crate::fatal::check(&e);
                StoreError::Db(e.to_string())
            }
        }
    )*};
}

from_redb!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
