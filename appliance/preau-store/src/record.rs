//! Versioned values: one version byte, then the postcard encoding of the current struct.
//!
//! A record type that changes shape bumps [`Record::VERSION`] and teaches
//! [`Record::upgrade`] to read the previous encodings, so that old files keep opening.

use crate::StoreError;
use redb::TableDefinition;
use serde::{Serialize, de::DeserializeOwned};

/// A value kept in its own table under a `u64` key.
pub trait Record: Serialize + DeserializeOwned {
    /// The table holding records of this kind.
    const TABLE: TableDefinition<'static, u64, &'static [u8]>;
    /// A short stable name, used in change-feed keys ("user").
    const KIND: &'static str;
    /// The current encoding version.
    const VERSION: u8;
    /// Whether central holds a copy: writes then append to the change feed.
    const REPLICATED: bool;
    /// Whether the search index shows it: writes then append to the index feed.
    const INDEXED: bool = false;

    /// The record's key.
    fn key(&self) -> u64;

    /// Reads an older encoding. The default knows none.
    fn upgrade(version: u8, _bytes: &[u8]) -> Result<Self, StoreError> {
        Err(StoreError::UnknownValueVersion {
            kind: Self::KIND,
            found: version,
        })
    }
}

/// Encodes a value with its version byte.
pub fn encode<T: Serialize>(version: u8, value: &T) -> Vec<u8> {
    let mut out = vec![version];
    // Serialising plain structs to a Vec cannot fail.
    out.extend(postcard::to_stdvec(value).unwrap_or_default());
    out
}

/// Decodes a value written by [`encode`], upgrading older versions.
pub fn decode<R: Record>(bytes: &[u8]) -> Result<R, StoreError> {
    match bytes.split_first() {
        Some((&v, rest)) if v == R::VERSION => decode_plain(R::KIND, rest),
        Some((&v, rest)) if v < R::VERSION => R::upgrade(v, rest),
        Some((&v, _)) => Err(StoreError::UnknownValueVersion {
            kind: R::KIND,
            found: v,
        }),
        None => Err(StoreError::Corrupt {
            kind: R::KIND,
            detail: "empty value".into(),
        }),
    }
}

/// Decodes postcard bytes without a version byte (for upgrade functions).
pub fn decode_plain<T: DeserializeOwned>(
    kind: &'static str,
    bytes: &[u8],
) -> Result<T, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt {
        kind,
        detail: e.to_string(),
    })
}
