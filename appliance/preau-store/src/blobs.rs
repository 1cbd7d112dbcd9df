//! Content-addressed file contents.
//!
//! A blob is kept under the SHA-256 of its bytes (`blobs/ab/cdef…`), so identical content is
//! stored once. A new blob is written to a temporary file, hashed as it streams, fsynced,
//! then renamed into place and its directory fsynced: a blob is either whole or absent. The
//! only names on disk are hexadecimal digests made here; no user input becomes a path.
//!
//! The database refers to blobs; [`Blobs::collect_garbage`] removes the ones it no longer
//! refers to, sparing young files that an upload in flight may be about to refer to.

use preau_core::BlobId;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Blobs younger than this are never collected: an upload may be about to commit them.
pub const COLLECT_GRACE: Duration = Duration::from_secs(3600);

/// The blob directory of a data directory.
#[derive(Clone, Debug)]
pub struct Blobs {
    root: PathBuf,
}

/// What a finished write stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredBlob {
    /// The content's digest.
    pub id: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// Whether these bytes were new (not already kept).
    pub new: bool,
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// More bytes than the limit given to [`Blobs::writer`].
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// The disk failed.
    #[error("blob storage: {0}")]
    Io(#[from] io::Error),
}

/// What a collection removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Blobs removed.
    pub blobs: u64,
    /// Bytes freed.
    pub bytes: u64,
}

impl Blobs {
    /// Opens the blob directory of `data_dir`, creating it, and clears temporary files left
    /// by a previous run (the caller holds the data directory, so no upload is in flight).
    pub fn open(data_dir: &Path) -> io::Result<Blobs> {
        let blobs = Blobs {
            root: data_dir.join("blobs"),
        };
        let tmp = blobs.tmp_dir();
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir_all(&tmp)?;
        Ok(blobs)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Where a blob is kept (made from its digest only), for readers that need a path
    /// (the text extractor's child process).
    pub fn path(&self, id: &BlobId) -> PathBuf {
        self.path_of(id)
    }

    fn path_of(&self, id: &BlobId) -> PathBuf {
        let hex = id.hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    /// Starts writing a new blob; more than `limit` bytes are refused.
    pub fn writer(&self, limit: u64) -> io::Result<BlobWriter> {
        let file = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(self.tmp_dir())?;
        Ok(BlobWriter {
            blobs: self.clone(),
            file,
            hasher: Sha256::new(),
            size: 0,
            limit,
        })
    }

    /// Opens a blob for reading.
    pub fn open_blob(&self, id: &BlobId) -> io::Result<File> {
        File::open(self.path_of(id))
    }

    /// Whether a blob is kept.
    pub fn contains(&self, id: &BlobId) -> bool {
        self.path_of(id).is_file()
    }

    /// Removes every blob not in `keep` and older than `grace`; returns what was freed.
    pub fn collect_garbage(
        &self,
        keep: &HashSet<BlobId>,
        grace: Duration,
    ) -> io::Result<Collected> {
        let mut collected = Collected::default();
        let now = SystemTime::now();
        for shard in fs::read_dir(&self.root)? {
            let shard = shard?;
            let Some(prefix) = shard.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if prefix.len() != 2 || !shard.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(shard.path())? {
                let entry = entry?;
                let name = entry.file_name();
                let Some(id) = name
                    .to_str()
                    .and_then(|n| BlobId::from_hex(&format!("{prefix}{n}")))
                else {
                    continue;
                };
                let meta = entry.metadata()?;
                let young = meta
                    .modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_none_or(|age| age < grace);
                if keep.contains(&id) || young {
                    continue;
                }
                fs::remove_file(entry.path())?;
                collected.blobs += 1;
                collected.bytes += meta.len();
            }
        }
        Ok(collected)
    }

    /// Total bytes of the kept blobs (what the disk holds, after de-duplication).
    pub fn disk_usage(&self) -> io::Result<u64> {
        let mut total = 0;
        for shard in fs::read_dir(&self.root)? {
            let shard = shard?;
            if shard.file_name().len() != 2 || !shard.file_type()?.is_dir() {
                continue;
            }
            for entry in fs::read_dir(shard.path())? {
                total += entry?.metadata()?.len();
            }
        }
        Ok(total)
    }
}

/// A blob being written. Dropped unfinished, it leaves nothing behind.
#[derive(Debug)]
pub struct BlobWriter {
    blobs: Blobs,
    file: tempfile::NamedTempFile,
    hasher: Sha256,
    size: u64,
    limit: u64,
}

impl BlobWriter {
    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), BlobError> {
        let size = self.size + bytes.len() as u64;
        if size > self.limit {
            return Err(BlobError::TooLarge { limit: self.limit });
        }
        self.file.write_all(bytes)?;
        self.hasher.update(bytes);
        self.size = size;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the blob durable and visible under its digest.
    pub fn finish(self) -> io::Result<StoredBlob> {
        let id = BlobId(self.hasher.clone().finalize().into());
        self.keep(id)
    }

    /// [`BlobWriter::finish`] only if the bytes have the digest `expected` (a blob received
    /// from another replica); otherwise nothing is kept and `None` is returned.
    pub fn finish_as(self, expected: &BlobId) -> io::Result<Option<StoredBlob>> {
        let id = BlobId(self.hasher.clone().finalize().into());
        if id != *expected {
            return Ok(None);
        }
        self.keep(id).map(Some)
    }

    fn keep(self, id: BlobId) -> io::Result<StoredBlob> {
        let target = self.blobs.path_of(&id);
        if target.is_file() {
            // Already kept: refresh its age so a concurrent collection spares it.
            File::options()
                .append(true)
                .open(&target)?
                .set_modified(SystemTime::now())?;
            return Ok(StoredBlob {
                id,
                size: self.size,
                new: false,
            });
        }
        self.file.as_file().sync_all()?;
        let shard = target.parent().unwrap_or(&self.blobs.root).to_path_buf();
        fs::create_dir_all(&shard)?;
        self.file.persist(&target).map_err(|e| e.error)?;
        File::open(&shard)?.sync_all()?;
        Ok(StoredBlob {
            id,
            size: self.size,
            new: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn stored(blobs: &Blobs, bytes: &[u8]) -> StoredBlob {
        let mut w = blobs.writer(1 << 20).expect("writer");
        w.write(bytes).expect("write");
        w.finish().expect("finish")
    }

    #[test]
    fn a_received_blob_is_kept_only_under_the_digest_announced() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::open(dir.path()).expect("open");
        let announced = stored(&blobs, b"autorisation").id;
        let other = tempfile::tempdir().expect("tmp");
        let there = Blobs::open(other.path()).expect("open");
        let mut w = there.writer(1 << 20).expect("writer");
        w.write(b"autre chose").expect("write");
        assert!(w.finish_as(&announced).expect("finish").is_none());
        assert_eq!(there.disk_usage().expect("usage"), 0);
        let mut w = there.writer(1 << 20).expect("writer");
        w.write(b"autorisation").expect("write");
        let kept = w.finish_as(&announced).expect("finish").expect("kept");
        assert_eq!(kept.id, announced);
        assert!(there.contains(&announced));
    }

    #[test]
    fn identical_content_is_kept_once_under_its_digest() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::open(dir.path()).expect("open");
        let a = stored(&blobs, b"bonjour");
        let b = stored(&blobs, b"bonjour");
        assert_eq!(a.id, b.id);
        assert!(a.new && !b.new);
        assert_eq!(
            a.id.hex(),
            "2cb4b1431b84ec15d35ed83bb927e27e8967d75f4bcd9cc4b25c8d879ae23e18"
        );
        let mut text = String::new();
        blobs
            .open_blob(&a.id)
            .expect("open")
            .read_to_string(&mut text)
            .expect("read");
        assert_eq!(text, "bonjour");
        assert_eq!(blobs.disk_usage().expect("usage"), 7);
    }

    #[test]
    fn an_abandoned_or_oversized_write_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::open(dir.path()).expect("open");
        let mut w = blobs.writer(4).expect("writer");
        w.write(b"abc").expect("fits");
        assert!(matches!(
            w.write(b"de"),
            Err(BlobError::TooLarge { limit: 4 })
        ));
        drop(w);
        let mut w = blobs.writer(100).expect("writer");
        w.write(b"half").expect("write");
        drop(w);
        assert_eq!(fs::read_dir(blobs.tmp_dir()).expect("tmp").count(), 0);
        assert_eq!(blobs.disk_usage().expect("usage"), 0);
    }

    #[test]
    fn collection_keeps_referenced_and_young_blobs() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::open(dir.path()).expect("open");
        let kept = stored(&blobs, b"kept");
        let dropped = stored(&blobs, b"dropped");
        let keep: HashSet<BlobId> = [kept.id].into();
        let spared = blobs
            .collect_garbage(&keep, COLLECT_GRACE)
            .expect("collect");
        assert_eq!(spared, Collected::default(), "young blobs are spared");
        let freed = blobs
            .collect_garbage(&keep, Duration::ZERO)
            .expect("collect");
        assert_eq!(freed, Collected { blobs: 1, bytes: 7 });
        assert!(blobs.contains(&kept.id));
        assert!(!blobs.contains(&dropped.id));
    }

    #[test]
    fn leftover_temporary_files_are_cleared_at_open() {
        let dir = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::open(dir.path()).expect("open");
        let w = blobs.writer(100).expect("writer");
        std::mem::forget(w); // as if the process had been killed mid-upload
        assert_eq!(fs::read_dir(blobs.tmp_dir()).expect("tmp").count(), 1);
        let blobs = Blobs::open(dir.path()).expect("reopen");
        assert_eq!(fs::read_dir(blobs.tmp_dir()).expect("tmp").count(), 0);
    }
}
