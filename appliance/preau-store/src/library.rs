//! Library records: resources, collections, and the failed text extractions kept so that
//! the person who uploaded a file can be told why it is not searchable.

use crate::documents::record;
use crate::record::Record;
use crate::{StoreError, Tables, Writer};
use preau_core::{BlobId, Collection, ExtractionFailure, Resource};
use redb::TableDefinition;

record!(Resource, "resources", "resource", indexed: true, |r| r.id.0);
record!(Collection, "collections", "collection", indexed: false, |c| c.id.0);
record!(ExtractionFailure, "extraction_failures", "extraction_failure", indexed: false, |f| {
    blob_key(&f.blob)
});

/// The key of a blob's records: its first eight bytes.
pub fn blob_key(blob: &BlobId) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&blob.0[..8]);
    u64::from_be_bytes(first)
}

/// Why a content's text could not be read, if it failed.
pub fn extraction_failure(
    t: &impl Tables,
    blob: &BlobId,
) -> Result<Option<ExtractionFailure>, StoreError> {
    Ok(t.get::<ExtractionFailure>(blob_key(blob))?
        .filter(|f| f.blob == *blob))
}

/// Records (or, with `None`, clears) the failure of a content's extraction.
pub fn set_extraction_failure(
    w: &mut Writer,
    blob: &BlobId,
    failure: Option<&ExtractionFailure>,
) -> Result<(), StoreError> {
    match failure {
        Some(f) => w.put(f),
        None => w.delete::<ExtractionFailure>(blob_key(blob)).map(|_| ()),
    }
}
