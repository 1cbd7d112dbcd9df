//! Document spaces: folders and files, their revisions, shares, and handing work in.
//!
//! A file's bytes live in a content-addressed blob ([`BlobId`], the SHA-256 of the content);
//! everything else — the name a person gave it, where it sits, who may see it — is metadata
//! in the database. A name is only ever a label: it never becomes a filesystem path.

use crate::{ClassId, GroupId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many earlier revisions of a file are kept when it is overwritten.
pub const KEPT_REVISIONS: usize = 10;
/// How long a deleted item stays in the trash, in seconds (30 days).
pub const TRASH_SECONDS: i64 = 30 * 24 * 3600;
/// The longest name shown or offered for download, in bytes (longer names are kept whole
/// in the database and shortened when served).
pub const MAX_SERVED_NAME_BYTES: usize = 255;

/// The SHA-256 of a file's content, which is also where its blob is kept.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BlobId(pub [u8; 32]);

impl BlobId {
    /// The lower-case hexadecimal form (64 characters).
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses the hexadecimal form; `None` unless it is exactly 64 hex digits.
    pub fn from_hex(text: &str) -> Option<BlobId> {
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(BlobId(out))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.hex())
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

crate::ids::id_type!(
    /// A space (personal, class, group or staff).
    SpaceId
);
crate::ids::id_type!(
    /// A folder or a file.
    NodeId
);
crate::ids::id_type!(
    /// A share of a folder or file.
    ShareId
);
crate::ids::id_type!(
    /// An assignment (work to hand in).
    AssignmentId
);
crate::ids::id_type!(
    /// One hand-in of a pupil for an assignment.
    HandInId
);

/// Whose a space is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpaceOwner {
    /// A person's own documents ("Mes documents").
    Personal(UserId),
    /// A class: its teachers write, its pupils read.
    Class(ClassId),
    /// A group: its members read and write.
    Group(GroupId),
    /// The school's adults ("Salle des maîtres").
    Staff,
}

impl SpaceOwner {
    /// A stable text key, used to find a space by its owner.
    pub fn key(&self) -> String {
        match self {
            SpaceOwner::Personal(u) => format!("personal/{u}"),
            SpaceOwner::Class(c) => format!("class/{c}"),
            SpaceOwner::Group(g) => format!("group/{g}"),
            SpaceOwner::Staff => "staff".into(),
        }
    }
}

/// A document space and its usage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Space {
    /// The space.
    pub id: SpaceId,
    /// Whose it is.
    pub owner: SpaceOwner,
    /// Its top folder.
    pub root: NodeId,
    /// Bytes used by every revision of every file in it, the trash included.
    pub used: u64,
}

/// One stored state of a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The content.
    pub blob: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type, detected from the content when it was stored.
    pub mime: String,
    /// When it was stored (Unix seconds).
    pub at: i64,
    /// Who stored it.
    pub by: UserId,
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeKind {
    /// A folder.
    Folder,
    /// A file: its current content and up to [`KEPT_REVISIONS`] earlier ones, newest first.
    File {
        /// The current content.
        current: Revision,
        /// Earlier contents, newest first.
        previous: Vec<Revision>,
    },
}

/// When and by whom an item was put in the trash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trashed {
    /// When (Unix seconds).
    pub at: i64,
    /// By whom.
    pub by: UserId,
}

/// A folder or a file in a space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// The node.
    pub id: NodeId,
    /// The space it belongs to.
    pub space: SpaceId,
    /// Its folder (`None` for a space's top folder).
    pub parent: Option<NodeId>,
    /// Its name, exactly as given (any Unicode; never used as a path).
    pub name: String,
    /// Folder or file.
    pub kind: NodeKind,
    /// Who created it.
    pub created_by: UserId,
    /// When it last changed (Unix seconds).
    pub modified_at: i64,
    /// Set while it is in the trash (only on the item that was deleted, not its contents).
    pub trashed: Option<Trashed>,
}

impl Node {
    /// Whether this is a folder.
    pub fn is_folder(&self) -> bool {
        matches!(self.kind, NodeKind::Folder)
    }

    /// The current revision of a file.
    pub fn current(&self) -> Option<&Revision> {
        match &self.kind {
            NodeKind::File { current, .. } => Some(current),
            NodeKind::Folder => None,
        }
    }

    /// Every revision of a file, current first.
    pub fn revisions(&self) -> impl Iterator<Item = &Revision> {
        let (current, previous) = match &self.kind {
            NodeKind::File { current, previous } => (Some(current), previous.as_slice()),
            NodeKind::Folder => (None, &[][..]),
        };
        current.into_iter().chain(previous)
    }

    /// Bytes counted against the space's quota (every kept revision).
    pub fn stored_bytes(&self) -> u64 {
        self.revisions().map(|r| r.size).sum()
    }
}

/// Who a share is with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShareTarget {
    /// The pupils and teachers of a class.
    Class(ClassId),
    /// The families (legal guardians) of a class's pupils.
    ClassFamilies(ClassId),
    /// The members of a group.
    Group(GroupId),
    /// One person.
    User(UserId),
}

/// A folder or file shared with others, read-only or read-write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The share.
    pub id: ShareId,
    /// What is shared (a folder shares everything inside it).
    pub node: NodeId,
    /// With whom.
    pub target: ShareTarget,
    /// Whether they may change it.
    pub write: bool,
    /// Who shared it.
    pub by: UserId,
    /// When (Unix seconds).
    pub at: i64,
}

/// Who an assignment is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Audience {
    /// The whole class.
    Class,
    /// The pupils of a group.
    Group(GroupId),
    /// Chosen pupils.
    Pupils(Vec<UserId>),
}

/// Work a teacher asks pupils to hand in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The assignment.
    pub id: AssignmentId,
    /// The class it belongs to.
    pub class: ClassId,
    /// Its title.
    pub title: String,
    /// What to do.
    pub instructions: String,
    /// When it is due (Unix seconds).
    pub due: i64,
    /// Who must hand it in.
    pub audience: Audience,
    /// The teacher who set it.
    pub created_by: UserId,
    /// When it was set.
    pub created_at: i64,
}

/// A file as it was handed in: its name and content at that moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedFile {
    /// Its name.
    pub name: String,
    /// Its content.
    pub revision: Revision,
}

/// A pupil's hand-in: files frozen at the moment they were handed in. Never changed later;
/// handing in again adds another hand-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandIn {
    /// The hand-in.
    pub id: HandInId,
    /// For which assignment.
    pub assignment: AssignmentId,
    /// By which pupil.
    pub pupil: UserId,
    /// When (Unix seconds).
    pub at: i64,
    /// The files.
    pub files: Vec<HandedFile>,
    /// The teacher's reply when the work was handed back.
    pub returned: Option<HandBack>,
}

/// A teacher's reply to a hand-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandBack {
    /// The comment.
    pub comment: String,
    /// When (Unix seconds).
    pub at: i64,
    /// By which teacher.
    pub by: UserId,
}

/// Where a pupil stands on an assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandInStatus {
    /// Handed in on time.
    OnTime,
    /// Handed in after the due date.
    Late,
    /// Not handed in, and the due date has passed.
    Missing,
    /// Not handed in yet, still time.
    Pending,
}

impl HandInStatus {
    /// The status of a pupil whose latest hand-in (if any) was at `handed_at`.
    pub fn of(handed_at: Option<i64>, due: i64, now: i64) -> HandInStatus {
        match handed_at {
            Some(at) if at <= due => HandInStatus::OnTime,
            Some(_) => HandInStatus::Late,
            None if now > due => HandInStatus::Missing,
            None => HandInStatus::Pending,
        }
    }
}

/// Characters that must never reach a header or a file system as they are: controls
/// (NUL included), path separators and the Unicode bidirectional overrides.
pub fn is_unsafe_name_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '/' | '\\')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A name fit for serving: unsafe characters replaced by `_`, `.`/`..` avoided, and
/// shortened to at most [`MAX_SERVED_NAME_BYTES`] bytes keeping the extension.
pub fn served_name(name: &str) -> String {
    let mut clean: String = name
        .chars()
        .map(|c| if is_unsafe_name_char(c) { '_' } else { c })
        .collect();
    clean = clean.trim().to_string();
    if clean.is_empty() || clean.chars().all(|c| c == '.') {
        clean = format!("fichier{clean}").replace('.', "_");
    }
    if clean.len() <= MAX_SERVED_NAME_BYTES {
        return clean;
    }
    let ext = clean
        .rfind('.')
        .map(|i| &clean[i..])
        .filter(|e| e.len() <= 16)
        .unwrap_or("");
    let mut cut = MAX_SERVED_NAME_BYTES - ext.len();
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}", &clean[..cut])
}

/// The name a new copy gets when `name` is taken: "devoir.odt" → "devoir (2).odt".
pub fn numbered_name(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{} ({n}){}", &name[..i], &name[i..]),
        _ => format!("{name} ({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_round_trip_through_hex() {
        let id = BlobId([0xab; 32]);
        assert_eq!(BlobId::from_hex(&id.hex()), Some(id));
        assert_eq!(BlobId::from_hex("../etc/passwd"), None);
        assert_eq!(BlobId::from_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn hostile_names_are_served_safely() {
        assert_eq!(served_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(served_name("a\0b.txt"), "a_b.txt");
        assert_eq!(served_name("photo\u{202E}gnp.exe"), "photo_gnp.exe");
        assert_eq!(served_name(".."), "fichier__");
        assert_eq!(served_name(""), "fichier");
        let long = format!("{}.pdf", "é".repeat(200));
        let served = served_name(&long);
        assert!(served.len() <= MAX_SERVED_NAME_BYTES);
        assert!(served.ends_with(".pdf"));
    }

    #[test]
    fn copies_are_numbered_before_the_extension() {
        assert_eq!(numbered_name("devoir.odt", 2), "devoir (2).odt");
        assert_eq!(numbered_name("Dossier", 3), "Dossier (3)");
        assert_eq!(numbered_name(".cache", 2), ".cache (2)");
    }

    #[test]
    fn hand_in_status_follows_the_due_date() {
        assert_eq!(HandInStatus::of(Some(10), 20, 30), HandInStatus::OnTime);
        assert_eq!(HandInStatus::of(Some(25), 20, 30), HandInStatus::Late);
        assert_eq!(HandInStatus::of(None, 20, 30), HandInStatus::Missing);
        assert_eq!(HandInStatus::of(None, 20, 10), HandInStatus::Pending);
    }
}
