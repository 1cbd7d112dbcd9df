//! ZIP containers read within bounds: entry count checked before the central directory is
//! loaded, every entry inflated through a counting reader (declared sizes can lie).

use crate::{Budget, ExtractError, human_bytes};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use zip::ZipArchive;
use zip::read::ZipFile;

/// Entries larger than this must not inflate more than [`MAX_RATIO`] times their size.
const RATIO_FLOOR: u64 = 1024 * 1024;
/// The highest compression ratio accepted for entries past [`RATIO_FLOOR`]. Real office
/// XML compresses about 10:1; zeros compress about 1 000:1.
const MAX_RATIO: u64 = 100;

/// An open ZIP container.
pub(crate) struct Archive {
    zip: ZipArchive<File>,
    label: &'static str,
}

impl Archive {
    /// Opens a ZIP container of `len` bytes, refusing it when its end record announces more
    /// entries than allowed (before the central directory is read into memory).
    pub(crate) fn open(
        mut file: File,
        len: u64,
        label: &'static str,
        budget: &Budget<'_>,
    ) -> Result<Self, ExtractError> {
        let max = budget.limits.max_entries;
        if let Some(count) = announced_entries(&mut file, len)?
            && count > max as u64
        {
            return Err(too_many(count, max));
        }
        file.seek(SeekFrom::Start(0))?;
        let zip = ZipArchive::new(file).map_err(|e| match e {
            zip::result::ZipError::Io(e) => ExtractError::Io(e),
            e => ExtractError::Malformed(format!("{label} : archive ZIP illisible [{e}]")),
        })?;
        if zip.len() > max {
            return Err(too_many(zip.len() as u64, max));
        }
        Ok(Self { zip, label })
    }

    /// The name of the format, for messages.
    pub(crate) fn label(&self) -> &'static str {
        self.label
    }

    /// Names the format in messages from now on.
    pub(crate) fn set_label(&mut self, label: &'static str) {
        self.label = label;
    }

    /// The names of all entries (directories included).
    pub(crate) fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .filter_map(Result::ok)
            .map(|n| n.into_owned())
            .collect()
    }

    /// Whether an entry of that exact name exists.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Opens the entry `name` for reading within the budget's limits, or `None` if there
    /// is no such entry. The reader fails with an I/O error once a limit is passed, and
    /// records why in the budget ([`Budget::take_refusal`]).
    pub(crate) fn entry<'z, 'b>(
        &'z mut self,
        name: &str,
        budget: &'b Budget<'b>,
    ) -> Result<Option<BufReader<Bounded<'b, ZipFile<'z, File>>>>, ExtractError> {
        let label = self.label;
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let file = self.zip.by_index(index).map_err(|e| match e {
            zip::result::ZipError::Io(e) => ExtractError::Io(e),
            zip::result::ZipError::UnsupportedArchive(what) => {
                ExtractError::Unsupported(format!("archive {label} de ce genre [{what}]"))
            }
            e => ExtractError::Malformed(format!(
                "{label} : élément {} illisible [{e}]",
                short(name)
            )),
        })?;
        if file.encrypted() {
            return Err(ExtractError::Unsupported(format!(
                "archive {label} protégée par un mot de passe"
            )));
        }
        let declared = file.size();
        let compressed = file.compressed_size();
        let limits = budget.limits;
        if declared > limits.max_entry_bytes {
            return Err(entry_too_large(name, limits.max_entry_bytes));
        }
        if declared > RATIO_FLOOR && declared / compressed.max(1) > MAX_RATIO {
            return Err(suspicious_ratio(name));
        }
        Ok(Some(BufReader::new(Bounded {
            inner: file,
            name: name.to_string(),
            read: 0,
            compressed,
            budget,
        })))
    }
}

/// A reader that counts what it inflates and stops at the limits.
pub(crate) struct Bounded<'b, R> {
    inner: R,
    name: String,
    read: u64,
    compressed: u64,
    budget: &'b Budget<'b>,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let limits = self.budget.limits;
        // Never ask for more than one byte past the limit of the entry.
        let room = limits.max_entry_bytes.saturating_sub(self.read) + 1;
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        let total = self.budget.inflated().get() + n as u64;
        self.budget.inflated().set(total);
        if self.read > limits.max_entry_bytes {
            return Err(self
                .budget
                .refuse(entry_too_large(&self.name, limits.max_entry_bytes)));
        }
        if total > limits.max_inflated_bytes {
            return Err(self.budget.refuse(ExtractError::TooLarge(format!(
                "l'archive se décompresse en plus de {}",
                human_bytes(limits.max_inflated_bytes)
            ))));
        }
        if self.read > RATIO_FLOOR && self.read / self.compressed.max(1) > MAX_RATIO {
            return Err(self.budget.refuse(suspicious_ratio(&self.name)));
        }
        Ok(n)
    }
}

fn too_many(count: u64, max: usize) -> ExtractError {
    ExtractError::TooLarge(format!(
        "l'archive contient {count} éléments (limite {max})"
    ))
}

fn entry_too_large(name: &str, max: u64) -> ExtractError {
    ExtractError::TooLarge(format!(
        "l'élément {} se décompresse en plus de {}",
        short(name),
        human_bytes(max)
    ))
}

fn suspicious_ratio(name: &str) -> ExtractError {
    ExtractError::TooLarge(format!(
        "l'élément {} est compressé plus de {MAX_RATIO} fois (bombe de décompression ?)",
        short(name)
    ))
}

/// An entry name fit for a message: one line, at most 60 characters.
pub(crate) fn short(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(60)
        .collect();
    if name.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// The number of entries the end of central directory record announces (ZIP64 included),
/// or `None` when there is no such record where it should be (the ZIP reader then decides).
fn announced_entries(file: &mut File, len: u64) -> Result<Option<u64>, ExtractError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const LOCATOR: &[u8] = b"PK\x06\x07";
    const EOCD64: &[u8] = b"PK\x06\x06";
    // The record is 22 bytes, followed by a comment of at most 65 535 bytes.
    let tail_len = len.min(22 + 65_535);
    let tail_start = len - tail_len;
    file.seek(SeekFrom::Start(tail_start))?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    file.by_ref().take(tail_len).read_to_end(&mut tail)?;
    let Some(at) = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(EOCD))
    else {
        return Ok(None);
    };
    let u16_at = |i: usize| u64::from(u16::from_le_bytes([tail[i], tail[i + 1]]));
    let entries = u16_at(at + 10);
    let entries_here = u16_at(at + 8);
    let mut count = entries.max(entries_here);
    if (entries == 0xffff || entries_here == 0xffff)
        && at >= 20
        && tail[at - 20..].starts_with(LOCATOR)
    {
        let loc = at - 20;
        let mut offset = [0u8; 8];
        offset.copy_from_slice(&tail[loc + 8..loc + 16]);
        let offset = u64::from_le_bytes(offset);
        if offset.checked_add(56).is_some_and(|end| end <= len) {
            let mut record = [0u8; 56];
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut record)?;
            if record.starts_with(EOCD64) {
                let mut n = [0u8; 8];
                n.copy_from_slice(&record[32..40]);
                let total = u64::from_le_bytes(n);
                n.copy_from_slice(&record[24..32]);
                count = total.max(u64::from_le_bytes(n));
            }
        }
    }
    Ok(Some(count))
}
