//! Backup and restore of a box's data, run while the service is stopped (`preau backup`,
//! `preau restore`). A backup holds the database, the file contents and the TLS material;
//! the search index, thumbnails and system settings are derived and rebuilt. A restored box
//! takes a new replica id, so that what it writes after the restore is never mistaken for
//! what the old box wrote after the backup (see `docs/sync.md`).

use anyhow::{Context, Result, bail};
use preau_store::DB_FILE;
use preau_store::Store;
use std::path::Path;

/// What a backup or restore copied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    /// Files copied.
    pub files: u64,
    /// Bytes copied.
    pub bytes: u64,
    /// The database's replica id (after a restore: the new one).
    pub replica: u64,
}

/// The parts of a data folder a backup keeps.
const KEPT: [&str; 3] = [DB_FILE, "blobs", "tls"];

fn copy_tree(from: &Path, to: &Path, copied: &mut Copied) -> Result<()> {
    let meta = std::fs::symlink_metadata(from)
        .with_context(|| format!("cannot read {}", from.display()))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
        for entry in
            std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))?
        {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()), copied)?;
        }
    } else if meta.is_file() {
        let bytes = std::fs::copy(from, to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        std::fs::File::open(to)?.sync_all()?;
        copied.files += 1;
        copied.bytes += bytes;
    }
    Ok(())
}

fn is_empty_or_missing(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// Copies the box's data from `data_dir` into the new folder `out`. The database is opened
/// first: a running box holds its lock, and the backup is refused.
pub fn backup(data_dir: &Path, out: &Path) -> Result<Copied> {
    if !is_empty_or_missing(out)? {
        bail!("{} is not empty: choose a new folder", out.display());
    }
    let store = Store::open(data_dir)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut copied = Copied {
        files: 0,
        bytes: 0,
        replica: store.replica_id(),
    };
    for part in KEPT {
        let from = data_dir.join(part);
        if from.exists() {
            copy_tree(&from, &out.join(part), &mut copied)?;
        }
    }
    drop(store);
    Ok(copied)
}

/// Copies the backup `from` into the empty data folder `data_dir` and gives the database a
/// new replica id.
pub fn restore(from: &Path, data_dir: &Path) -> Result<Copied> {
    if !from.join(DB_FILE).is_file() {
        bail!("{} holds no backup ({DB_FILE} is missing)", from.display());
    }
    if !is_empty_or_missing(data_dir)? {
        bail!(
            "{} is not empty: restore into an empty data folder (move the old one aside)",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut copied = Copied {
        files: 0,
        bytes: 0,
        replica: 0,
    };
    for part in KEPT {
        let source = from.join(part);
        if source.exists() {
            copy_tree(&source, &data_dir.join(part), &mut copied)?;
        }
    }
    let mut store = Store::open(data_dir)?;
    copied.replica = store.new_replica()?;
    Ok(copied)
}
