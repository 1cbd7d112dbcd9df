//! Document spaces: browsing, filing uploads, folders, rename, move, copy, trash, revisions
//! and quotas. Every call resolves the node, asks [`preau_core::can`] and only then acts, in
//! one store transaction; file contents reach the blob store before the transaction that
//! refers to them, so a crash at any point leaves either the old state or the new one.

use crate::{App, AppError, Problem};
use preau_core::documents::{KEPT_REVISIONS, TRASH_SECONDS, numbered_name};
use preau_core::{
    Action, Node, NodeId, NodeKind, Object, Revision, Role, Space, SpaceId, SpaceOwner, Subject,
    can,
};
use preau_store::blobs::{BlobError, BlobWriter, Collected, StoredBlob};
use preau_store::documents as db;
use preau_store::{Tables, Writer, schema::random_u64};
use std::fs::File;

/// Longest name accepted, in bytes (longer than any file system allows: names are labels).
const MAX_NAME_BYTES: usize = 1024;
/// Bytes kept from the start of an upload to recognise its type.
const HEAD_BYTES: usize = 8192;

/// What a person may do with a folder or file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// Open and download.
    pub read: bool,
    /// Add, change, rename, move, delete.
    pub write: bool,
    /// Share with others.
    pub share: bool,
}

/// A space as a person sees it.
#[derive(Clone, Debug)]
pub struct SpaceView {
    /// The space.
    pub space: Space,
    /// Its title in French ("Mes documents", "Classe CM1 A"…).
    pub title: String,
    /// Its quota in bytes.
    pub quota: u64,
}

/// A folder's content as a person sees it.
#[derive(Clone, Debug)]
pub struct Listing {
    /// The space.
    pub space: SpaceView,
    /// The folder.
    pub folder: Node,
    /// The folders above it that the person may open, top first.
    pub trail: Vec<Node>,
    /// What it holds (not the trash): folders first, then files, by name.
    pub children: Vec<Node>,
    /// What the person may do here.
    pub access: Access,
}

/// A node with what the person may do with it.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The node.
    pub node: Node,
    /// Its space.
    pub space: Space,
    /// What the person may do.
    pub access: Access,
    /// Whether it or a folder above it is in the trash.
    pub in_trash: bool,
}

/// A file received whole and stored as a blob, ready to be filed.
#[derive(Clone, Debug)]
pub struct Received {
    /// The stored content.
    pub blob: StoredBlob,
    /// Its detected media type.
    pub mime: String,
}

/// A file being received: bytes stream into a new blob; the first ones are kept to
/// recognise the type. Dropped unfinished, it leaves nothing behind.
#[derive(Debug)]
pub struct Incoming {
    writer: BlobWriter,
    head: Vec<u8>,
    name: String,
}

impl Incoming {
    /// Appends bytes; refuses going over the size limit.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), AppError> {
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        self.writer.write(bytes).map_err(|e| match e {
            BlobError::TooLarge { limit } => AppError::Invalid(Problem::FileTooLarge(limit)),
            BlobError::Io(e) => AppError::Disk(e.to_string()),
        })
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.writer.size()
    }

    /// Makes the content durable.
    pub fn finish(self) -> Result<Received, AppError> {
        let mime = crate::media::detect_mime(&self.name, &self.head);
        let blob = self.writer.finish().map_err(disk)?;
        Ok(Received { blob, mime })
    }
}

fn disk(e: std::io::Error) -> AppError {
    AppError::Disk(e.to_string())
}

/// Trims a name and checks it has something visible and is not absurdly long. Anything
/// else is kept as given: a name is only a label.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Invalid(Problem::EmptyName));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(AppError::Invalid(Problem::TooLong("nom")));
    }
    Ok(name.to_string())
}

impl App {
    /// The quota of a space.
    pub fn quota_of(&self, owner: SpaceOwner) -> u64 {
        let q = &self.settings.quotas;
        match owner {
            SpaceOwner::Personal(user) => match self.directory().user(user).map(|u| u.role) {
                Some(Role::Pupil) => q.pupil,
                _ => q.adult,
            },
            SpaceOwner::Class(_) => q.class,
            SpaceOwner::Group(_) => q.group,
            SpaceOwner::Staff => q.staff,
        }
    }

    /// The French title of a space, as `me` sees it.
    pub fn space_title(&self, me: &Subject, owner: SpaceOwner) -> String {
        match owner {
            SpaceOwner::Personal(user) if user == me.user => "Mes documents".into(),
            other => self.common_space_title(other),
        }
    }

    /// The French title of a space as anyone sees it ("Documents de Léa Martin").
    pub fn common_space_title(&self, owner: SpaceOwner) -> String {
        let dir = self.directory();
        match owner {
            SpaceOwner::Personal(user) => match dir.user(user) {
                Some(u) => format!("Documents de {} {}", u.first_name, u.last_name),
                None => "Documents".into(),
            },
            SpaceOwner::Class(class) => match dir.class(class) {
                Some(c) => format!("Classe {}", c.name),
                None => "Classe".into(),
            },
            SpaceOwner::Group(group) => match dir.group(group) {
                Some(g) => format!("Groupe {}", g.name),
                None => "Groupe".into(),
            },
            SpaceOwner::Staff => "Salle des maîtres".into(),
        }
    }

    fn view(&self, me: &Subject, space: Space) -> SpaceView {
        SpaceView {
            title: self.space_title(me, space.owner),
            quota: self.quota_of(space.owner),
            space,
        }
    }

    /// The space of an owner, created (empty) the first time it is needed.
    pub fn ensure_space(&self, owner: SpaceOwner) -> Result<Space, AppError> {
        if let Some(space) = db::space_of(&self.store.read()?, owner)? {
            return Ok(space);
        }
        let now = self.now();
        self.store.write(|w| -> Result<Space, AppError> {
            if let Some(space) = db::space_of(w, owner)? {
                return Ok(space);
            }
            let space = Space {
                id: SpaceId(random_u64()),
                owner,
                root: NodeId(random_u64()),
                used: 0,
            };
            let root = Node {
                id: space.root,
                space: space.id,
                parent: None,
                name: String::new(),
                kind: NodeKind::Folder,
                created_by: match owner {
                    SpaceOwner::Personal(user) => user,
                    _ => preau_core::UserId(0),
                },
                modified_at: now,
                trashed: None,
            };
            db::create_space(w, &space, &root)?;
            Ok(space)
        })
    }

    /// The spaces a person may open: their own, their classes', their groups', the staff
    /// room.
    pub fn spaces(&self, me: &Subject) -> Result<Vec<SpaceView>, AppError> {
        let dir = self.directory();
        let mut owners = vec![SpaceOwner::Personal(me.user)];
        let year = dir.school().map(|s| s.year);
        owners.extend(
            me.classes
                .iter()
                .filter(|c| {
                    dir.class(**c)
                        .is_some_and(|c| !c.archived && Some(c.year) == year)
                })
                .map(|c| SpaceOwner::Class(*c)),
        );
        owners.extend(me.groups.iter().map(|g| SpaceOwner::Group(*g)));
        owners.push(SpaceOwner::Staff);
        let mut out = Vec::new();
        for owner in owners {
            if self.can_on_space(me, Action::ReadDocuments, owner, None) {
                out.push(self.view(me, self.ensure_space(owner)?));
            }
        }
        Ok(out)
    }

    pub(crate) fn can_on_space(
        &self,
        me: &Subject,
        action: Action,
        owner: SpaceOwner,
        shared: Option<bool>,
    ) -> bool {
        let dir = self.directory();
        can(
            me,
            action,
            &Object::Document {
                space: owner,
                school: dir.uai(),
                shared,
            },
        )
    }

    /// Works out what `me` may do with a node, and whether it sits in the trash.
    pub(crate) fn resolve_in(
        &self,
        t: &impl Tables,
        me: &Subject,
        id: NodeId,
    ) -> Result<Resolved, AppError> {
        let node: Node = t.get(id.0)?.ok_or(AppError::NotFound)?;
        let space: Space = t.get(node.space.0)?.ok_or(AppError::NotFound)?;
        let mut shared: Option<bool> = None;
        let mut in_trash = false;
        let mut cursor = Some(node.clone());
        while let Some(current) = cursor {
            in_trash |= current.trashed.is_some();
            for share in db::shares_of(t, current.id)? {
                if self.share_reaches(me, &share) {
                    shared = Some(shared.unwrap_or(false) || share.write);
                }
            }
            cursor = match current.parent {
                Some(parent) => t.get(parent.0)?,
                None => None,
            };
        }
        let access = Access {
            read: self.can_on_space(me, Action::ReadDocuments, space.owner, shared),
            write: self.can_on_space(me, Action::WriteDocuments, space.owner, shared),
            share: self.can_on_space(me, Action::ShareDocuments, space.owner, None),
        };
        if !access.read {
            return Err(AppError::NotFound);
        }
        Ok(Resolved {
            node,
            space,
            access,
            in_trash,
        })
    }

    /// A node `me` may open (in the trash or not).
    pub fn resolve(&self, me: &Subject, id: NodeId) -> Result<Resolved, AppError> {
        self.resolve_in(&self.store.read()?, me, id)
    }

    /// A live node (not in the trash) on which `me` may do `action`.
    fn live_for(
        &self,
        t: &impl Tables,
        me: &Subject,
        id: NodeId,
        write: bool,
    ) -> Result<Resolved, AppError> {
        let r = self.resolve_in(t, me, id)?;
        if r.in_trash {
            return Err(AppError::NotFound);
        }
        if write && !r.access.write {
            return Err(AppError::Forbidden);
        }
        Ok(r)
    }

    /// A folder's content.
    pub fn folder(&self, me: &Subject, id: NodeId) -> Result<Listing, AppError> {
        let r = self.store.read()?;
        let resolved = self.live_for(&r, me, id, false)?;
        if !resolved.node.is_folder() {
            return Err(AppError::Invalid(Problem::NotAFolder));
        }
        let mut children: Vec<Node> = db::children(&r, id)?
            .into_iter()
            .filter(|n| n.trashed.is_none())
            .collect();
        children.sort_by(|a, b| {
            (!a.is_folder(), a.name.to_lowercase()).cmp(&(!b.is_folder(), b.name.to_lowercase()))
        });
        let mut trail = Vec::new();
        let mut parent = resolved.node.parent;
        while let Some(p) = parent {
            match self.resolve_in(&r, me, p) {
                Ok(up) => {
                    parent = up.node.parent;
                    trail.push(up.node);
                }
                Err(_) => break,
            }
        }
        trail.reverse();
        Ok(Listing {
            space: self.view(me, resolved.space),
            folder: resolved.node,
            trail,
            children,
            access: resolved.access,
        })
    }

    /// Every folder `me` may add to, in the spaces they belong to, labelled by its path
    /// ("Mes documents / Sciences"): where something can be moved or copied.
    pub fn writable_folders(&self, me: &Subject) -> Result<Vec<(NodeId, String)>, AppError> {
        let r = self.store.read()?;
        let mut out = Vec::new();
        for view in self.spaces(me)? {
            if !self.can_on_space(me, Action::WriteDocuments, view.space.owner, None) {
                continue;
            }
            let mut stack = vec![(view.space.root, view.title.clone())];
            while let Some((id, label)) = stack.pop() {
                let mut folders: Vec<Node> = db::children(&r, id)?
                    .into_iter()
                    .filter(|n| n.is_folder() && n.trashed.is_none())
                    .collect();
                folders.sort_by_key(|f| std::cmp::Reverse(f.name.to_lowercase()));
                stack.extend(
                    folders
                        .into_iter()
                        .map(|f| (f.id, format!("{label} / {}", f.name))),
                );
                out.push((id, label));
            }
        }
        Ok(out)
    }

    /// The files of `me`'s own space, labelled by their path ("Sciences / volcan.odt"):
    /// what a pupil can hand in from their space.
    pub fn own_files(&self, me: &Subject) -> Result<Vec<(NodeId, String)>, AppError> {
        let space = self.ensure_space(SpaceOwner::Personal(me.user))?;
        self.files_in(&space)
    }

    /// The files of a space (not in the trash), labelled by their path, by label. Access is
    /// the caller's to check.
    pub(crate) fn files_in(&self, space: &Space) -> Result<Vec<(NodeId, String)>, AppError> {
        let r = self.store.read()?;
        let mut out = Vec::new();
        let mut stack = vec![(space.root, String::new())];
        while let Some((folder, prefix)) = stack.pop() {
            for node in db::children(&r, folder)? {
                if node.trashed.is_some() {
                    continue;
                }
                let label = format!("{prefix}{}", node.name);
                if node.is_folder() {
                    stack.push((node.id, format!("{label} / ")));
                } else {
                    out.push((node.id, label));
                }
            }
        }
        out.sort_by_key(|(_, label)| label.to_lowercase());
        Ok(out)
    }

    /// The child of a folder with exactly this name (not in the trash).
    pub fn child_named(
        &self,
        me: &Subject,
        folder: NodeId,
        name: &str,
    ) -> Result<Option<Node>, AppError> {
        let r = self.store.read()?;
        self.live_for(&r, me, folder, false)?;
        sibling_named(&r, folder, name, None)
    }

    /// Opens a file's content: revision 0 is the current one, 1 the one before, and so on.
    pub fn open_file(
        &self,
        me: &Subject,
        id: NodeId,
        revision: usize,
    ) -> Result<(Node, Revision, File), AppError> {
        let resolved = self.resolve(me, id)?;
        let rev = resolved
            .node
            .revisions()
            .nth(revision)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let file = self.blobs.open_blob(&rev.blob).map_err(disk)?;
        Ok((resolved.node, rev, file))
    }

    /// Starts receiving a file (its name helps recognise the type).
    pub fn incoming(&self, name: &str) -> Result<Incoming, AppError> {
        Ok(Incoming {
            writer: self
                .blobs
                .writer(self.settings.max_file_bytes)
                .map_err(disk)?,
            head: Vec::new(),
            name: name.to_string(),
        })
    }

    /// Checks, before receiving anything, that `me` may add files to a folder and that
    /// `declared` bytes (when the size is announced) fit the limit and the quota.
    pub fn check_upload(
        &self,
        me: &Subject,
        folder: NodeId,
        declared: Option<u64>,
    ) -> Result<(), AppError> {
        let target = self.writable_folder(&self.store.read()?, me, folder)?;
        if let Some(size) = declared {
            if size > self.settings.max_file_bytes {
                return Err(AppError::Invalid(Problem::FileTooLarge(
                    self.settings.max_file_bytes,
                )));
            }
            let quota = self.quota_of(target.space.owner);
            if target.space.used.saturating_add(size) > quota {
                return Err(quota_exceeded(quota, target.space.used));
            }
        }
        Ok(())
    }

    /// Files a received content under `name` in a folder. A file of that name becomes a
    /// new revision (the last [`KEPT_REVISIONS`] earlier ones are kept).
    pub fn save_file(
        &self,
        me: &Subject,
        folder: NodeId,
        name: &str,
        received: &Received,
    ) -> Result<Node, AppError> {
        let name = clean_name(name)?;
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let target = self.writable_folder(w, me, folder)?;
            let mut space = target.space;
            let revision = Revision {
                blob: received.blob.id,
                size: received.blob.size,
                mime: received.mime.clone(),
                at: now,
                by: me.user,
            };
            let existing = sibling_named(w, folder, &name, None)?;
            let node = match existing {
                Some(
                    mut file @ Node {
                        kind: NodeKind::File { .. },
                        ..
                    },
                ) => {
                    let dropped = push_revision(&mut file, revision);
                    self.charge(w, &mut space, received.blob.size, dropped)?;
                    file.modified_at = now;
                    file
                }
                other => {
                    let name = match other {
                        Some(_) => free_name(w, folder, &name)?,
                        None => name,
                    };
                    self.charge(w, &mut space, received.blob.size, 0)?;
                    Node {
                        id: NodeId(random_u64()),
                        space: space.id,
                        parent: Some(folder),
                        name,
                        kind: NodeKind::File {
                            current: revision,
                            previous: Vec::new(),
                        },
                        created_by: me.user,
                        modified_at: now,
                        trashed: None,
                    }
                }
            };
            db::save_node(w, &node)?;
            Ok(node)
        })
    }

    /// Creates a folder.
    pub fn create_folder(
        &self,
        me: &Subject,
        parent: NodeId,
        name: &str,
    ) -> Result<Node, AppError> {
        let name = clean_name(name)?;
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let target = self.writable_folder(w, me, parent)?;
            if sibling_named(w, parent, &name, None)?.is_some() {
                return Err(AppError::Invalid(Problem::NameTaken(name)));
            }
            let node = Node {
                id: NodeId(random_u64()),
                space: target.space.id,
                parent: Some(parent),
                name,
                kind: NodeKind::Folder,
                created_by: me.user,
                modified_at: now,
                trashed: None,
            };
            db::save_node(w, &node)?;
            Ok(node)
        })
    }

    /// Renames a folder or file.
    pub fn rename(&self, me: &Subject, id: NodeId, name: &str) -> Result<Node, AppError> {
        let name = clean_name(name)?;
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let mut node = self.movable(w, me, id)?;
            let parent = node.parent.ok_or(AppError::Forbidden)?;
            if sibling_named(w, parent, &name, Some(id))?.is_some() {
                return Err(AppError::Invalid(Problem::NameTaken(name)));
            }
            node.name = name;
            node.modified_at = now;
            db::save_node(w, &node)?;
            Ok(node)
        })
    }

    /// A live folder to which `me` may add things.
    fn writable_folder(
        &self,
        t: &impl Tables,
        me: &Subject,
        folder: NodeId,
    ) -> Result<Resolved, AppError> {
        let target = self.live_for(t, me, folder, true)?;
        if !target.node.is_folder() {
            return Err(AppError::Invalid(Problem::NotAFolder));
        }
        Ok(target)
    }

    /// A live node other than a space's top folder that `me` may change. The item a share
    /// gives is not the sharee's to rename, move or delete (what is inside
    /// it is, with read-write access).
    fn movable(&self, w: &Writer, me: &Subject, id: NodeId) -> Result<Node, AppError> {
        let resolved = self.live_for(w, me, id, true)?;
        if resolved.node.parent.is_none() {
            return Err(AppError::Forbidden);
        }
        let by_share_only =
            !self.can_on_space(me, Action::WriteDocuments, resolved.space.owner, None);
        if by_share_only
            && db::shares_of(w, id)?
                .iter()
                .any(|s| self.share_reaches(me, s))
        {
            return Err(AppError::Forbidden);
        }
        Ok(resolved.node)
    }

    /// Moves a folder or file into another folder (possibly of another space), under a new
    /// `name` if given; a name already taken there is refused.
    pub fn move_to(
        &self,
        me: &Subject,
        id: NodeId,
        folder: NodeId,
        name: Option<&str>,
    ) -> Result<Node, AppError> {
        let name = name.map(clean_name).transpose()?;
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let mut node = self.movable(w, me, id)?;
            let target = self.writable_folder(w, me, folder)?;
            refuse_into_itself(w, id, folder)?;
            let name = name.unwrap_or_else(|| node.name.clone());
            if sibling_named(w, folder, &name, Some(id))?.is_some() {
                return Err(AppError::Invalid(Problem::NameTaken(name)));
            }
            if target.space.id != node.space {
                let subtree = subtree(w, &node)?;
                let bytes: u64 = subtree.iter().map(Node::stored_bytes).sum();
                let mut from: Space = w.get(node.space.0)?.ok_or(AppError::NotFound)?;
                let mut to = target.space;
                self.charge(w, &mut to, bytes, 0)?;
                self.charge(w, &mut from, 0, bytes)?;
                for mut inner in subtree.into_iter().filter(|n| n.id != id) {
                    inner.space = to.id;
                    db::save_node(w, &inner)?;
                }
                node.space = to.id;
            }
            node.parent = Some(folder);
            node.name = name;
            node.modified_at = now;
            db::save_node(w, &node)?;
            self.reindex_subtree(w, &node)?;
            Ok(node)
        })
    }

    /// Copies a folder or file (current contents only) into a folder, under `name` (refused
    /// if taken) or, without one, under a free name made from the original's.
    pub fn copy_to(
        &self,
        me: &Subject,
        id: NodeId,
        folder: NodeId,
        name: Option<&str>,
    ) -> Result<Node, AppError> {
        let name = name.map(clean_name).transpose()?;
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let source = self.live_for(w, me, id, false)?.node;
            let target = self.writable_folder(w, me, folder)?;
            refuse_into_itself(w, id, folder)?;
            let mut space = target.space;
            let name = match name {
                Some(name) if sibling_named(w, folder, &name, None)?.is_some() => {
                    return Err(AppError::Invalid(Problem::NameTaken(name)));
                }
                Some(name) => name,
                None => free_name(w, folder, &source.name)?,
            };
            let copy = self.copy_tree(w, me, &source, folder, name, &mut space, now)?;
            Ok(copy)
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn copy_tree(
        &self,
        w: &mut Writer,
        me: &Subject,
        source: &Node,
        parent: NodeId,
        name: String,
        space: &mut Space,
        now: i64,
    ) -> Result<Node, AppError> {
        let kind = match &source.kind {
            NodeKind::Folder => NodeKind::Folder,
            NodeKind::File { current, .. } => {
                self.charge(w, space, current.size, 0)?;
                NodeKind::File {
                    current: current.clone(),
                    previous: Vec::new(),
                }
            }
        };
        let copy = Node {
            id: NodeId(random_u64()),
            space: space.id,
            parent: Some(parent),
            name,
            kind,
            created_by: me.user,
            modified_at: now,
            trashed: None,
        };
        db::save_node(w, &copy)?;
        for child in db::children(w, source.id)? {
            if child.trashed.is_none() {
                let name = child.name.clone();
                self.copy_tree(w, me, &child, copy.id, name, space, now)?;
            }
        }
        Ok(copy)
    }

    /// Puts a folder or file in its space's trash (kept 30 days).
    pub fn trash(&self, me: &Subject, id: NodeId) -> Result<Node, AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let mut node = self.movable(w, me, id)?;
            node.trashed = Some(preau_core::documents::Trashed {
                at: now,
                by: me.user,
            });
            db::save_node(w, &node)?;
            self.reindex_subtree(w, &node)?;
            self.audit(w, Some(me), "trash document", node.id.to_string())?;
            Ok(node)
        })
    }

    /// What is in a space's trash, newest first.
    pub fn trash_of(
        &self,
        me: &Subject,
        space: SpaceId,
    ) -> Result<(SpaceView, Vec<Node>), AppError> {
        let r = self.store.read()?;
        let space: Space = r.get(space.0)?.ok_or(AppError::NotFound)?;
        if !self.can_on_space(me, Action::WriteDocuments, space.owner, None) {
            return Err(AppError::NotFound);
        }
        let mut items: Vec<Node> = r
            .all::<Node>()?
            .into_iter()
            .filter(|n| n.space == space.id && n.trashed.is_some())
            .collect();
        items.sort_by_key(|n| std::cmp::Reverse(n.trashed.map(|t| t.at)));
        Ok((self.view(me, space), items))
    }

    /// Takes an item out of the trash, back to its folder (or to the top of the space if
    /// that folder is gone), under a free name.
    pub fn restore(&self, me: &Subject, id: NodeId) -> Result<Node, AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let resolved = self.resolve_in(w, me, id)?;
            let mut node = resolved.node;
            if node.trashed.is_none() || !resolved.access.write {
                return Err(AppError::Forbidden);
            }
            let parent = match node.parent {
                Some(p) => p,
                None => return Err(AppError::Forbidden),
            };
            let parent_live = self.resolve_in(w, me, parent).is_ok_and(|p| !p.in_trash);
            let folder = if parent_live {
                parent
            } else {
                resolved.space.root
            };
            node.trashed = None;
            node.name = free_name(w, folder, &node.name)?;
            node.parent = Some(folder);
            node.modified_at = now;
            db::save_node(w, &node)?;
            self.reindex_subtree(w, &node)?;
            self.audit(w, Some(me), "restore document", node.id.to_string())?;
            Ok(node)
        })
    }

    /// Deletes for good an item that is in the trash, with everything inside it.
    pub fn delete_forever(&self, me: &Subject, id: NodeId) -> Result<(), AppError> {
        self.store.write(|w| -> Result<(), AppError> {
            let resolved = self.resolve_in(w, me, id)?;
            if resolved.node.trashed.is_none() || !resolved.access.write {
                return Err(AppError::Forbidden);
            }
            let mut space = resolved.space;
            self.audit(w, Some(me), "delete document", id.to_string())?;
            self.remove_tree(w, &resolved.node, &mut space)
        })
    }

    fn remove_tree(&self, w: &mut Writer, node: &Node, space: &mut Space) -> Result<(), AppError> {
        let nodes = subtree(w, node)?;
        let bytes: u64 = nodes.iter().map(Node::stored_bytes).sum();
        for n in nodes.iter().rev() {
            db::delete_node(w, n)?;
        }
        self.charge(w, space, 0, bytes)
    }

    /// Makes an earlier revision the current content again (the current one is kept as a
    /// revision).
    pub fn restore_revision(
        &self,
        me: &Subject,
        id: NodeId,
        index: usize,
    ) -> Result<Node, AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<Node, AppError> {
            let resolved = self.live_for(w, me, id, true)?;
            let mut node = resolved.node;
            let mut space = resolved.space;
            let old = node
                .revisions()
                .nth(index)
                .cloned()
                .ok_or(AppError::NotFound)?;
            if index == 0 {
                return Ok(node);
            }
            let revision = Revision {
                at: now,
                by: me.user,
                ..old
            };
            let size = revision.size;
            let dropped = push_revision(&mut node, revision);
            self.charge(w, &mut space, size, dropped)?;
            node.modified_at = now;
            db::save_node(w, &node)?;
            Ok(node)
        })
    }

    /// Adds `add` bytes to a space's usage and removes `remove`, refusing to go over the
    /// quota when it grows.
    fn charge(
        &self,
        w: &mut Writer,
        space: &mut Space,
        add: u64,
        remove: u64,
    ) -> Result<(), AppError> {
        let used = space.used.saturating_sub(remove).saturating_add(add);
        let quota = self.quota_of(space.owner);
        if add > remove && used > quota {
            return Err(quota_exceeded(quota, space.used));
        }
        space.used = used;
        w.put(space)?;
        Ok(())
    }

    /// Empties trash older than 30 days; returns how many items went.
    pub fn purge_trash(&self) -> Result<usize, AppError> {
        let limit = self.now() - TRASH_SECONDS;
        let expired: Vec<Node> = self
            .store
            .read()?
            .all::<Node>()?
            .into_iter()
            .filter(|n| n.trashed.is_some_and(|t| t.at < limit))
            .collect();
        for node in &expired {
            self.store.write(|w| -> Result<(), AppError> {
                let Some(node) = w.get::<Node>(node.id.0)? else {
                    return Ok(());
                };
                let Some(mut space) = w.get::<Space>(node.space.0)? else {
                    return Ok(());
                };
                self.remove_tree(w, &node, &mut space)
            })?;
        }
        Ok(expired.len())
    }

    /// Removes blobs nothing refers to any more (sparing very young ones).
    pub fn collect_blobs(&self) -> Result<Collected, AppError> {
        let keep = db::referenced_blobs(&self.store.read()?)?;
        self.blobs
            .collect_garbage(&keep, preau_store::blobs::COLLECT_GRACE)
            .map_err(disk)
    }

    /// Bytes the blob store holds on disk (after de-duplication).
    pub fn blob_disk_usage(&self) -> Result<u64, AppError> {
        self.blobs.disk_usage().map_err(disk)
    }
}

fn quota_exceeded(quota: u64, used: u64) -> AppError {
    AppError::Invalid(Problem::QuotaExceeded {
        quota,
        free: quota.saturating_sub(used),
    })
}

/// Makes `revision` current, keeping the previous current content; returns the bytes of
/// revisions that no longer fit.
fn push_revision(node: &mut Node, revision: Revision) -> u64 {
    let NodeKind::File { current, previous } = &mut node.kind else {
        return 0;
    };
    let old = std::mem::replace(current, revision);
    previous.insert(0, old);
    previous
        .drain(KEPT_REVISIONS.min(previous.len())..)
        .map(|r| r.size)
        .sum()
}

/// A live child of `folder` named exactly `name`, other than `except`.
fn sibling_named(
    t: &impl Tables,
    folder: NodeId,
    name: &str,
    except: Option<NodeId>,
) -> Result<Option<Node>, AppError> {
    Ok(db::children(t, folder)?
        .into_iter()
        .find(|n| n.trashed.is_none() && n.name == name && Some(n.id) != except))
}

/// `name`, or "name (2)", "name (3)"… whichever is free in `folder`.
fn free_name(t: &impl Tables, folder: NodeId, name: &str) -> Result<String, AppError> {
    let taken: std::collections::HashSet<String> = db::children(t, folder)?
        .into_iter()
        .filter(|n| n.trashed.is_none())
        .map(|n| n.name)
        .collect();
    let mut candidate = name.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = numbered_name(name, n);
        n += 1;
    }
    Ok(candidate)
}

/// Refuses putting `id` into `folder` when `folder` is `id` or lies inside it.
fn refuse_into_itself(t: &impl Tables, id: NodeId, folder: NodeId) -> Result<(), AppError> {
    let mut cursor = Some(folder);
    while let Some(up) = cursor {
        if up == id {
            return Err(AppError::Invalid(Problem::IntoItself));
        }
        cursor = t.get::<Node>(up.0)?.and_then(|n| n.parent);
    }
    Ok(())
}

/// A node and everything below it, parents before children.
fn subtree(t: &impl Tables, node: &Node) -> Result<Vec<Node>, AppError> {
    let mut out = vec![node.clone()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_folder() {
            let children = db::children(t, out[i].id)?;
            out.extend(children);
        }
        i += 1;
    }
    Ok(out)
}
