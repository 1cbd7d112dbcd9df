//! Zip archives, written deterministically and read defensively.
//!
//! The reader is ours rather than the `zip` crate's because the box reads bundles from USB
//! sticks that anybody can plug in, and it must decide *before* doing any work whether an
//! archive is acceptable. It takes the whole archive as bytes (the caller reads the file under
//! [`Limits::max_archive_bytes`]) and returns the entries' contents in memory; it never writes
//! anything to disk, so a refused archive has extracted nothing.
//!
//! What it refuses:
//!
//! * names with a `..` or `.` component, an empty component (`a//b`, trailing `/`), a leading
//!   `/`, a drive letter (`C:`), a colon anywhere, a backslash, control characters, invalid
//!   UTF-8, more than [`MAX_NAME_BYTES`] bytes; two names equal when lower-cased (a FAT stick
//!   or a macOS laptop would merge them);
//! * anything that is not a regular file: symbolic links and other special Unix modes,
//!   directory entries;
//! * encryption, compression methods other than stored (0) and deflate (8), ZIP64 and
//!   multi-disk archives (a bundle is a few megabytes);
//! * more than [`Limits::max_entries`] entries — read from the end-of-central-directory record
//!   (or the ZIP64 one) before a single central record is parsed;
//! * a central directory whose size or position disagrees with the records found, bytes between
//!   or after the records, entries overlapping each other or the central directory;
//! * a local header that disagrees with its central record (name, method, flags, CRC, sizes);
//! * contents larger than [`Limits::max_entry_bytes`], a total above
//!   [`Limits::max_total_bytes`], or an expansion ratio above [`Limits::max_ratio`] — counted on
//!   the bytes actually produced while inflating, chunk by chunk, against the compressed bytes
//!   actually consumed, never on the sizes the headers announce;
//! * a size or CRC in the headers that does not match what inflating produced (a lying header),
//!   a deflate stream that ends before or after its announced compressed size.
//!
//! The writer ([`write_archive`]) produces the same bytes for the same entries: entries sorted
//! by name, timestamps fixed at 1980-01-01 00:00, no extra fields, no comment.

use flate2::Compression;
use flate2::Crc;
use flate2::bufread::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{Read, Write};

/// Longest accepted entry name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest accepted extra field or comment of an entry, in bytes.
const MAX_FIELD_BYTES: usize = 1024;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_LEN: usize = 20;
const ZIP64_EOCD_LEN: usize = 56;

const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const FLAG_UTF8: u16 = 1 << 11;
const FLAG_MASKED_HEADERS: u16 = 1 << 13;

const METHOD_STORED: u16 = 0;
const METHOD_DEFLATE: u16 = 8;

/// DOS date of 1980-01-01 (the earliest a zip can say), used for every entry written.
const DOS_DATE_1980: u16 = (1 << 5) | 1;
/// "Version made by": Unix (3), specification 2.0.
const MADE_BY_UNIX: u16 = (3 << 8) | 20;
const VERSION_NEEDED: u16 = 20;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;

/// Caps applied while reading an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest archive file accepted, in bytes.
    pub max_archive_bytes: u64,
    /// Most entries accepted.
    pub max_entries: usize,
    /// Largest content of one entry, in bytes, once inflated.
    pub max_entry_bytes: u64,
    /// Largest content of all entries together, in bytes, once inflated.
    pub max_total_bytes: u64,
    /// Highest accepted ratio of inflated bytes to compressed bytes of an entry…
    pub max_ratio: u64,
    /// …once the entry has produced more than this many bytes (small, repetitive files such as
    /// a CSV of a few classes compress well and are harmless).
    pub ratio_grace_bytes: u64,
}

impl Default for Limits {
    /// Caps for a provisioning bundle: a manifest, a few certificates and keys, and the ONDE
    /// CSV exports of one primary school (a few hundred kilobytes in practice).
    fn default() -> Self {
        Limits {
            max_archive_bytes: 64 << 20,
            max_entries: 256,
            max_entry_bytes: 32 << 20,
            max_total_bytes: 128 << 20,
            max_ratio: 200,
            ratio_grace_bytes: 1 << 20,
        }
    }
}

/// One file of an archive, its content inflated and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its name (a relative path with `/` separators, checked by [`check_name`]).
    pub name: String,
    /// Its content.
    pub data: Vec<u8>,
}

/// What is wrong with an entry name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than [`MAX_NAME_BYTES`].
    TooLong,
    /// The name is not valid UTF-8.
    NotUtf8,
    /// The name starts with `/`.
    Absolute,
    /// The name starts with a drive letter (`C:`).
    DriveLetter,
    /// The name contains a colon elsewhere.
    Colon,
    /// The name contains a backslash.
    Backslash,
    /// The name contains a control character.
    ControlCharacter,
    /// A component is `..`.
    ParentComponent,
    /// A component is `.`.
    CurrentComponent,
    /// A component is empty (`a//b`, or a trailing `/`).
    EmptyComponent,
}

impl NameProblem {
    fn english(self) -> &'static str {
        match self {
            NameProblem::Empty => "empty name",
            NameProblem::TooLong => "name too long",
            NameProblem::NotUtf8 => "name is not valid UTF-8",
            NameProblem::Absolute => "absolute path",
            NameProblem::DriveLetter => "drive letter",
            NameProblem::Colon => "colon in name",
            NameProblem::Backslash => "backslash in name",
            NameProblem::ControlCharacter => "control character in name",
            NameProblem::ParentComponent => "`..` component",
            NameProblem::CurrentComponent => "`.` component",
            NameProblem::EmptyComponent => "empty path component",
        }
    }

    fn french(self) -> &'static str {
        match self {
            NameProblem::Empty => "nom vide",
            NameProblem::TooLong => "nom trop long",
            NameProblem::NotUtf8 => "nom qui n'est pas de l'UTF-8 valide",
            NameProblem::Absolute => "chemin absolu",
            NameProblem::DriveLetter => "lettre de lecteur (C:)",
            NameProblem::Colon => "deux-points dans le nom",
            NameProblem::Backslash => "barre oblique inverse (\\) dans le nom",
            NameProblem::ControlCharacter => "caractère de contrôle dans le nom",
            NameProblem::ParentComponent => "remontée de dossier (..)",
            NameProblem::CurrentComponent => "composant « . »",
            NameProblem::EmptyComponent => "composant de chemin vide",
        }
    }
}

/// Why an archive was refused. Entry names are shown escaped (`{:?}`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// The archive file is larger than [`Limits::max_archive_bytes`].
    #[error("archive of {size} bytes, more than the {max} accepted")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The cap.
        max: u64,
    },
    /// No end-of-central-directory record where it must be: not a zip, or truncated.
    #[error("not a zip archive, or a truncated one (no end of central directory)")]
    NotZip,
    /// The archive spans several disks.
    #[error("multi-disk archives are not accepted")]
    MultiDisk,
    /// The archive uses ZIP64 (and does not declare too many entries).
    #[error("ZIP64 archives are not accepted")]
    Zip64,
    /// More entries than [`Limits::max_entries`].
    #[error("{count} entries, more than the {max} accepted")]
    TooManyEntries {
        /// The count the archive declares.
        count: u64,
        /// The cap.
        max: usize,
    },
    /// The central directory's size, position or records are inconsistent.
    #[error("inconsistent central directory: {0}")]
    CentralDirectory(&'static str),
    /// An entry's name is unsafe.
    #[error("entry {name:?}: {}", problem.english())]
    UnsafeName {
        /// The name (lossily decoded).
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// Two entries have the same name (ignoring case).
    #[error("entry {name:?} appears twice (ignoring case)")]
    Duplicate {
        /// The second occurrence.
        name: String,
    },
    /// An entry is a symbolic link.
    #[error("entry {name:?} is a symbolic link")]
    Symlink {
        /// The entry.
        name: String,
    },
    /// An entry is a directory or a special file.
    #[error("entry {name:?} is not a regular file")]
    NotAFile {
        /// The entry.
        name: String,
    },
    /// An entry is encrypted.
    #[error("entry {name:?} is encrypted")]
    Encrypted {
        /// The entry.
        name: String,
    },
    /// An entry uses a compression method other than stored or deflate.
    #[error(
        "entry {name:?} uses compression method {method}, only stored and deflate are accepted"
    )]
    UnsupportedMethod {
        /// The entry.
        name: String,
        /// The method.
        method: u16,
    },
    /// An entry's local header or data lies outside the archive, or over another entry.
    #[error("entry {name:?}: {detail}")]
    Layout {
        /// The entry.
        name: String,
        /// What is wrong.
        detail: &'static str,
    },
    /// An entry's local header disagrees with its central directory record.
    #[error("entry {name:?}: local header disagrees with the central directory")]
    HeaderMismatch {
        /// The entry.
        name: String,
    },
    /// An entry is larger than [`Limits::max_entry_bytes`].
    #[error("entry {name:?} is larger than the {max} bytes accepted")]
    EntryTooLarge {
        /// The entry.
        name: String,
        /// The cap.
        max: u64,
    },
    /// The entries together are larger than [`Limits::max_total_bytes`].
    #[error("the entries together are larger than the {max} bytes accepted")]
    TotalTooLarge {
        /// The cap.
        max: u64,
    },
    /// An entry expands more than [`Limits::max_ratio`] times (a zip bomb).
    #[error("entry {name:?} expands more than {max_ratio} times (zip bomb)")]
    RatioTooHigh {
        /// The entry.
        name: String,
        /// The cap.
        max_ratio: u64,
    },
    /// An entry's announced size differs from what inflating produced.
    #[error("entry {name:?} announces {declared} bytes but holds {actual_at_least}{} bytes", if *.more { " or more" } else { "" })]
    SizeMismatch {
        /// The entry.
        name: String,
        /// The size its headers announce.
        declared: u64,
        /// What inflating produced (reading stopped there when `more`).
        actual_at_least: u64,
        /// Whether reading stopped early because the content exceeded the announced size.
        more: bool,
    },
    /// An entry's CRC-32 differs from its content's.
    #[error("entry {name:?}: CRC-32 does not match the content")]
    CrcMismatch {
        /// The entry.
        name: String,
    },
    /// An entry's compressed data is not a valid deflate stream of its announced length.
    #[error("entry {name:?}: corrupt compressed data")]
    Corrupt {
        /// The entry.
        name: String,
    },
}

impl ArchiveError {
    /// The reason, in French, for the report written back onto the stick.
    pub fn french(&self) -> String {
        match self {
            ArchiveError::TooLarge { size, max } => {
                format!("archive de {size} octets, au-delà des {max} acceptés")
            }
            ArchiveError::NotZip => {
                "ce n'est pas une archive zip, ou elle est tronquée (fin de répertoire central introuvable)".into()
            }
            ArchiveError::MultiDisk => "archive en plusieurs volumes, non acceptée".into(),
            ArchiveError::Zip64 => "archive au format ZIP64, non acceptée".into(),
            ArchiveError::TooManyEntries { count, max } => {
                format!("{count} entrées, au-delà des {max} acceptées")
            }
            ArchiveError::CentralDirectory(detail) => {
                format!("répertoire central incohérent ({detail})")
            }
            ArchiveError::UnsafeName { name, problem } => {
                format!("entrée {name:?} refusée : {}", problem.french())
            }
            ArchiveError::Duplicate { name } => {
                format!("entrée {name:?} présente deux fois (sans tenir compte des majuscules)")
            }
            ArchiveError::Symlink { name } => {
                format!("entrée {name:?} refusée : lien symbolique")
            }
            ArchiveError::NotAFile { name } => {
                format!("entrée {name:?} refusée : ce n'est pas un fichier ordinaire")
            }
            ArchiveError::Encrypted { name } => format!("entrée {name:?} refusée : chiffrée"),
            ArchiveError::UnsupportedMethod { name, method } => format!(
                "entrée {name:?} refusée : méthode de compression {method} (seules « stockée » et « deflate » sont acceptées)"
            ),
            ArchiveError::Layout { name, detail } => {
                format!("entrée {name:?} refusée : structure invalide ({detail})")
            }
            ArchiveError::HeaderMismatch { name } => format!(
                "entrée {name:?} refusée : son en-tête local contredit le répertoire central"
            ),
            ArchiveError::EntryTooLarge { name, max } => {
                format!("entrée {name:?} refusée : plus de {max} octets une fois décompressée")
            }
            ArchiveError::TotalTooLarge { max } => {
                format!("contenu total de plus de {max} octets une fois décompressé")
            }
            ArchiveError::RatioTooHigh { name, max_ratio } => format!(
                "entrée {name:?} refusée : elle se décompresse plus de {max_ratio} fois (bombe zip)"
            ),
            ArchiveError::SizeMismatch {
                name,
                declared,
                actual_at_least,
                more,
            } => format!(
                "entrée {name:?} refusée : l'en-tête annonce {declared} octets, le contenu en fait {}{actual_at_least}",
                if *more { "plus de " } else { "" }
            ),
            ArchiveError::CrcMismatch { name } => {
                format!("entrée {name:?} refusée : somme de contrôle CRC-32 fausse")
            }
            ArchiveError::Corrupt { name } => {
                format!("entrée {name:?} refusée : données compressées corrompues")
            }
        }
    }
}

/// Checks that `name` is a safe relative path of a regular file (see the module's rules).
pub fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(NameProblem::TooLong);
    }
    if name.starts_with('/') {
        return Err(NameProblem::Absolute);
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(NameProblem::DriveLetter);
    }
    if name.contains('\\') {
        return Err(NameProblem::Backslash);
    }
    if name.contains(':') {
        return Err(NameProblem::Colon);
    }
    if name.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    for component in name.split('/') {
        match component {
            "" => return Err(NameProblem::EmptyComponent),
            "." => return Err(NameProblem::CurrentComponent),
            ".." => return Err(NameProblem::ParentComponent),
            _ => {}
        }
    }
    Ok(())
}

/// Little-endian field reader over a slice; every read is bounds-checked.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl Fields<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.bytes[at], self.bytes[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([
            self.bytes[at],
            self.bytes[at + 1],
            self.bytes[at + 2],
            self.bytes[at + 3],
        ])
    }
    fn u64(&self, at: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.bytes[at..at + 8]);
        u64::from_le_bytes(b)
    }
}

/// `len` bytes of `bytes` from `start`, if they are all there.
fn slice(bytes: &[u8], start: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let len = usize::try_from(len).ok()?;
    bytes.get(start..start.checked_add(len)?)
}

/// A central directory record, checked.
struct CentralRecord {
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
    local_offset: u64,
}

/// Reads every entry of `bytes`, under `limits`. See the module documentation for what is
/// refused. Entries come back in the order of the central directory.
pub fn read_archive(bytes: &[u8], limits: &Limits) -> Result<Vec<Entry>, ArchiveError> {
    let size = bytes.len() as u64;
    if size > limits.max_archive_bytes {
        return Err(ArchiveError::TooLarge {
            size,
            max: limits.max_archive_bytes,
        });
    }
    let eocd_at = find_eocd(bytes)?;
    let eocd = Fields {
        bytes: &bytes[eocd_at..],
    };
    let (disk, cd_disk) = (eocd.u16(4), eocd.u16(6));
    let (on_disk, total) = (eocd.u16(8), eocd.u16(10));
    let (cd_size, cd_offset) = (eocd.u32(12), eocd.u32(16));
    if total == u16::MAX
        || on_disk == u16::MAX
        || cd_size == u32::MAX
        || cd_offset == u32::MAX
        || disk == u16::MAX
        || cd_disk == u16::MAX
    {
        return Err(zip64_refusal(bytes, eocd_at, limits));
    }
    if disk != 0 || cd_disk != 0 || on_disk != total {
        return Err(ArchiveError::MultiDisk);
    }
    if usize::from(total) > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            count: u64::from(total),
            max: limits.max_entries,
        });
    }
    let max_cd = limits
        .max_entries
        .saturating_mul(CENTRAL_LEN + MAX_NAME_BYTES + 2 * MAX_FIELD_BYTES) as u64;
    if u64::from(cd_size) > max_cd {
        return Err(ArchiveError::CentralDirectory(
            "too large for its entry cap",
        ));
    }
    if u64::from(cd_offset) + u64::from(cd_size) != eocd_at as u64 {
        return Err(ArchiveError::CentralDirectory(
            "does not end where the end record begins",
        ));
    }
    let cd = slice(bytes, cd_offset.into(), cd_size.into())
        .ok_or(ArchiveError::CentralDirectory("outside the archive"))?;

    let records = read_central_directory(cd, usize::from(total))?;
    let records = check_layout(bytes, records, u64::from(cd_offset))?;

    let mut total_out = 0u64;
    let mut entries = Vec::with_capacity(records.len());
    for (record, data) in records {
        let content = inflate(&record, data, total_out, limits)?;
        total_out += content.len() as u64;
        entries.push(Entry {
            name: record.name,
            data: content,
        });
    }
    Ok(entries)
}

/// Position of the end-of-central-directory record: the last one whose comment reaches
/// exactly the end of the archive.
fn find_eocd(bytes: &[u8]) -> Result<usize, ArchiveError> {
    if bytes.len() < EOCD_LEN {
        return Err(ArchiveError::NotZip);
    }
    let lowest = bytes.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let mut at = bytes.len() - EOCD_LEN;
    loop {
        let fields = Fields {
            bytes: &bytes[at..],
        };
        if fields.u32(0) == EOCD_SIG && at + EOCD_LEN + usize::from(fields.u16(20)) == bytes.len() {
            return Ok(at);
        }
        if at == lowest {
            return Err(ArchiveError::NotZip);
        }
        at -= 1;
    }
}

/// The refusal for an archive whose end record defers to ZIP64: too many entries when the
/// ZIP64 record says so (the count is read, nothing else), ZIP64 otherwise.
fn zip64_refusal(bytes: &[u8], eocd_at: usize, limits: &Limits) -> ArchiveError {
    let Some(locator_at) = eocd_at.checked_sub(ZIP64_LOCATOR_LEN) else {
        return ArchiveError::Zip64;
    };
    let locator = Fields {
        bytes: &bytes[locator_at..],
    };
    if locator.u32(0) != ZIP64_LOCATOR_SIG {
        return ArchiveError::Zip64;
    }
    let Some(record) = slice(bytes, locator.u64(8), ZIP64_EOCD_LEN as u64) else {
        return ArchiveError::Zip64;
    };
    let record = Fields { bytes: record };
    if record.u32(0) != ZIP64_EOCD_SIG {
        return ArchiveError::Zip64;
    }
    let count = record.u64(32);
    if count > limits.max_entries as u64 {
        ArchiveError::TooManyEntries {
            count,
            max: limits.max_entries,
        }
    } else {
        ArchiveError::Zip64
    }
}

fn read_central_directory(cd: &[u8], total: usize) -> Result<Vec<CentralRecord>, ArchiveError> {
    let mut records = Vec::with_capacity(total);
    let mut seen = HashSet::with_capacity(total);
    let mut at = 0usize;
    for _ in 0..total {
        let header = cd
            .get(at..at + CENTRAL_LEN)
            .ok_or(ArchiveError::CentralDirectory(
                "fewer records than announced",
            ))?;
        let f = Fields { bytes: header };
        if f.u32(0) != CENTRAL_SIG {
            return Err(ArchiveError::CentralDirectory(
                "record without its signature",
            ));
        }
        let (name_len, extra_len, comment_len) = (
            usize::from(f.u16(28)),
            usize::from(f.u16(30)),
            usize::from(f.u16(32)),
        );
        let name_bytes = cd
            .get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)
            .ok_or(ArchiveError::CentralDirectory("record cut short"))?;
        let lossy = String::from_utf8_lossy(name_bytes).into_owned();
        let name = match std::str::from_utf8(name_bytes) {
            Ok(name) => name.to_owned(),
            Err(_) => {
                return Err(ArchiveError::UnsafeName {
                    name: lossy,
                    problem: NameProblem::NotUtf8,
                });
            }
        };
        if extra_len > MAX_FIELD_BYTES || comment_len > MAX_FIELD_BYTES {
            return Err(ArchiveError::Layout {
                name,
                detail: "extra field or comment too long",
            });
        }
        let record_len = CENTRAL_LEN + name_len + extra_len + comment_len;
        if at + record_len > cd.len() {
            return Err(ArchiveError::CentralDirectory("record cut short"));
        }
        at += record_len;

        let made_by_host = f.u16(4) >> 8;
        let (flags, method) = (f.u16(8), f.u16(10));
        let (crc, compressed, uncompressed) = (f.u32(16), f.u32(20), f.u32(24));
        let (disk_start, external, local_offset) = (f.u16(34), f.u32(38), f.u32(42));

        if let Err(problem) = check_name(&name) {
            // A trailing slash is how zips mark directories: say so rather than "empty component".
            if problem == NameProblem::EmptyComponent && name.ends_with('/') {
                check_name(name.trim_end_matches('/')).map_err(|problem| {
                    ArchiveError::UnsafeName {
                        name: name.clone(),
                        problem,
                    }
                })?;
                return Err(ArchiveError::NotAFile { name });
            }
            return Err(ArchiveError::UnsafeName { name, problem });
        }
        let mode = external >> 16;
        if mode & S_IFMT == S_IFLNK {
            return Err(ArchiveError::Symlink { name });
        }
        let is_unix = made_by_host == 3 || made_by_host == 19;
        let dos_directory = made_by_host == 0 && external & 0x10 != 0;
        if (is_unix && mode != 0 && mode & S_IFMT != S_IFREG) || dos_directory {
            return Err(ArchiveError::NotAFile { name });
        }
        if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS) != 0 {
            return Err(ArchiveError::Encrypted { name });
        }
        if method != METHOD_STORED && method != METHOD_DEFLATE {
            return Err(ArchiveError::UnsupportedMethod { name, method });
        }
        if compressed == u32::MAX || uncompressed == u32::MAX || local_offset == u32::MAX {
            return Err(ArchiveError::Zip64);
        }
        if disk_start != 0 {
            return Err(ArchiveError::MultiDisk);
        }
        if !seen.insert(name.to_lowercase()) {
            return Err(ArchiveError::Duplicate { name });
        }
        records.push(CentralRecord {
            name,
            flags,
            method,
            crc,
            compressed: compressed.into(),
            uncompressed: uncompressed.into(),
            local_offset: local_offset.into(),
        });
    }
    if at != cd.len() {
        return Err(ArchiveError::CentralDirectory(
            "its size does not match the records announced",
        ));
    }
    Ok(records)
}

/// Checks each local header against its central record and that entries neither overlap
/// nor reach into the central directory. Returns each record with its compressed data.
fn check_layout(
    bytes: &[u8],
    records: Vec<CentralRecord>,
    cd_offset: u64,
) -> Result<Vec<(CentralRecord, &[u8])>, ArchiveError> {
    let mut spans: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    let mut out = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let layout = |detail| ArchiveError::Layout {
            name: record.name.clone(),
            detail,
        };
        let header = slice(bytes, record.local_offset, LOCAL_LEN as u64)
            .ok_or_else(|| layout("local header outside the archive"))?;
        let f = Fields { bytes: header };
        if f.u32(0) != LOCAL_SIG {
            return Err(layout("no local header where the central directory points"));
        }
        let (name_len, extra_len) = (u64::from(f.u16(26)), u64::from(f.u16(28)));
        let name = slice(bytes, record.local_offset + LOCAL_LEN as u64, name_len)
            .ok_or_else(|| layout("local header outside the archive"))?;
        let mismatch = || ArchiveError::HeaderMismatch {
            name: record.name.clone(),
        };
        if name != record.name.as_bytes()
            || f.u16(8) != record.method
            || (f.u16(6) & !FLAG_UTF8) != (record.flags & !FLAG_UTF8)
        {
            return Err(mismatch());
        }
        if record.flags & FLAG_DATA_DESCRIPTOR == 0
            && (u64::from(f.u32(14)) != u64::from(record.crc)
                || u64::from(f.u32(18)) != record.compressed
                || u64::from(f.u32(22)) != record.uncompressed)
        {
            return Err(mismatch());
        }
        let data_start = record.local_offset + LOCAL_LEN as u64 + name_len + extra_len;
        let data_end = data_start + record.compressed;
        if data_end > cd_offset {
            return Err(layout("data runs into the central directory"));
        }
        spans.insert(record.local_offset, (data_end, index));
        let data = slice(bytes, data_start, record.compressed)
            .ok_or_else(|| layout("data outside the archive"))?;
        out.push(data);
    }
    if spans.len() != records.len() {
        // Two records point at the same local header.
        let name = records.last().map(|r| r.name.clone()).unwrap_or_default();
        return Err(ArchiveError::Layout {
            name,
            detail: "two entries share one local header",
        });
    }
    let mut previous_end = 0u64;
    for (start, (end, index)) in &spans {
        if *start < previous_end {
            return Err(ArchiveError::Layout {
                name: records[*index].name.clone(),
                detail: "overlaps another entry",
            });
        }
        previous_end = *end;
    }
    Ok(records.into_iter().zip(out).collect())
}

/// Inflates (or copies) one entry, counting real bytes against the limits.
fn inflate(
    record: &CentralRecord,
    data: &[u8],
    total_before: u64,
    limits: &Limits,
) -> Result<Vec<u8>, ArchiveError> {
    let name = || record.name.clone();
    if record.uncompressed > limits.max_entry_bytes {
        return Err(ArchiveError::EntryTooLarge {
            name: name(),
            max: limits.max_entry_bytes,
        });
    }
    let mut out = Vec::new();
    let mut crc = Crc::new();
    // Checks what has been produced so far; `consumed` is the compressed bytes read so far.
    let check = |produced: u64, consumed: u64| -> Result<(), ArchiveError> {
        if produced > limits.max_entry_bytes {
            return Err(ArchiveError::EntryTooLarge {
                name: name(),
                max: limits.max_entry_bytes,
            });
        }
        if total_before + produced > limits.max_total_bytes {
            return Err(ArchiveError::TotalTooLarge {
                max: limits.max_total_bytes,
            });
        }
        if produced > limits.ratio_grace_bytes
            && produced > limits.max_ratio.saturating_mul(consumed.max(1))
        {
            return Err(ArchiveError::RatioTooHigh {
                name: name(),
                max_ratio: limits.max_ratio,
            });
        }
        if produced > record.uncompressed {
            return Err(ArchiveError::SizeMismatch {
                name: name(),
                declared: record.uncompressed,
                actual_at_least: produced,
                more: true,
            });
        }
        Ok(())
    };
    match record.method {
        METHOD_STORED => {
            check(data.len() as u64, data.len() as u64)?;
            out.extend_from_slice(data);
        }
        _ => {
            let mut decoder = DeflateDecoder::new(data);
            let mut buffer = vec![0u8; 64 << 10];
            loop {
                let n = decoder
                    .read(&mut buffer)
                    .map_err(|_| ArchiveError::Corrupt { name: name() })?;
                if n == 0 {
                    break;
                }
                check((out.len() + n) as u64, decoder.total_in())?;
                out.extend_from_slice(&buffer[..n]);
            }
            if decoder.total_in() != record.compressed {
                return Err(ArchiveError::Corrupt { name: name() });
            }
        }
    }
    if out.len() as u64 != record.uncompressed {
        return Err(ArchiveError::SizeMismatch {
            name: name(),
            declared: record.uncompressed,
            actual_at_least: out.len() as u64,
            more: false,
        });
    }
    crc.update(&out);
    if crc.sum() != record.crc {
        return Err(ArchiveError::CrcMismatch { name: name() });
    }
    Ok(out)
}

/// Why [`write_archive`] could not write an archive.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A name is unsafe: the reader would refuse it.
    #[error("entry {name:?}: {}", problem.english())]
    UnsafeName {
        /// The name.
        name: String,
        /// What is wrong.
        problem: NameProblem,
    },
    /// Two entries have the same name (ignoring case).
    #[error("entry {0:?} given twice (ignoring case)")]
    Duplicate(String),
    /// The archive would need ZIP64 (too many entries or bytes).
    #[error("archive too large for the plain zip format")]
    TooLarge,
    /// Compression failed.
    #[error("compression: {0}")]
    Compression(#[from] std::io::Error),
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// Writes a zip holding `entries` (name, content): sorted by name, fixed timestamps, deflated
/// when that makes them smaller, regular files with mode 0644 (0600 for names ending `.key`).
/// The same entries give the same bytes.
pub fn write_archive(entries: &[(String, Vec<u8>)]) -> Result<Vec<u8>, WriteError> {
    let mut sorted: Vec<&(String, Vec<u8>)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = HashSet::new();
    for (name, _) in &sorted {
        check_name(name).map_err(|problem| WriteError::UnsafeName {
            name: name.clone(),
            problem,
        })?;
        if !seen.insert(name.to_lowercase()) {
            return Err(WriteError::Duplicate(name.clone()));
        }
    }
    if sorted.len() >= usize::from(u16::MAX) {
        return Err(WriteError::TooLarge);
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in sorted {
        let mut crc = Crc::new();
        crc.update(content);
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(content)?;
        let deflated = encoder.finish()?;
        let (method, stored): (u16, &[u8]) = if deflated.len() < content.len() {
            (METHOD_DEFLATE, &deflated)
        } else {
            (METHOD_STORED, content)
        };
        let flags = if name.is_ascii() { 0 } else { FLAG_UTF8 };
        let mode: u32 = if name.ends_with(".key") {
            0o100_600
        } else {
            0o100_644
        };
        let to32 = |n: usize| u32::try_from(n).ok().filter(|n| *n < u32::MAX);
        let (Some(offset), Some(compressed), Some(size)) =
            (to32(out.len()), to32(stored.len()), to32(content.len()))
        else {
            return Err(WriteError::TooLarge);
        };
        let name_len = u16::try_from(name.len()).map_err(|_| WriteError::TooLarge)?;

        out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        out.extend_from_slice(&VERSION_NEEDED.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&DOS_DATE_1980.to_le_bytes());
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(stored);

        central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        central.extend_from_slice(&MADE_BY_UNIX.to_le_bytes());
        central.extend_from_slice(&VERSION_NEEDED.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&DOS_DATE_1980.to_le_bytes());
        central.extend_from_slice(&crc.sum().to_le_bytes());
        central.extend_from_slice(&compressed.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        central.extend_from_slice(&(mode << 16).to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(entries.len()).map_err(|_| WriteError::TooLarge)?;
    let (Ok(cd_offset), Ok(cd_size)) = (u32::try_from(out.len()), u32::try_from(central.len()))
    else {
        return Err(WriteError::TooLarge);
    };
    out.extend_from_slice(&central);
    out.extend_from_slice(&EOCD_SIG.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "manifest.toml",
            "onde/élèves 2025.csv",
            "a/b/c",
            "..a",
            "a..",
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for (bad, problem) in [
            ("", NameProblem::Empty),
            ("/etc/passwd", NameProblem::Absolute),
            ("C:\\Windows", NameProblem::DriveLetter),
            ("c:evil", NameProblem::DriveLetter),
            ("a\\b", NameProblem::Backslash),
            ("ab:c", NameProblem::Colon),
            ("../x", NameProblem::ParentComponent),
            ("a/../../x", NameProblem::ParentComponent),
            ("./x", NameProblem::CurrentComponent),
            ("a//b", NameProblem::EmptyComponent),
            ("dir/", NameProblem::EmptyComponent),
            ("a\nb", NameProblem::ControlCharacter),
            ("a\0b", NameProblem::ControlCharacter),
        ] {
            assert_eq!(check_name(bad), Err(problem), "{bad:?}");
        }
        assert_eq!(check_name(&"a".repeat(256)), Err(NameProblem::TooLong));
    }

    #[test]
    fn round_trip_is_deterministic() {
        let entries = vec![
            ("b.txt".to_string(), b"hello".to_vec()),
            ("a/zeros".to_string(), vec![0u8; 100_000]),
            ("é.csv".to_string(), Vec::new()),
        ];
        let one = write_archive(&entries).expect("write");
        let mut reversed = entries.clone();
        reversed.reverse();
        assert_eq!(one, write_archive(&reversed).expect("write"));
        let read = read_archive(&one, &Limits::default()).expect("read");
        let names: Vec<&str> = read.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["a/zeros", "b.txt", "é.csv"]);
        assert_eq!(read[0].data, vec![0u8; 100_000]);
        assert_eq!(read[1].data, b"hello");
    }

    #[test]
    fn writer_refuses_what_the_reader_would() {
        assert!(matches!(
            write_archive(&[("../x".into(), vec![])]),
            Err(WriteError::UnsafeName { .. })
        ));
        assert!(matches!(
            write_archive(&[("A".into(), vec![]), ("a".into(), vec![])]),
            Err(WriteError::Duplicate(_))
        ));
    }
}
