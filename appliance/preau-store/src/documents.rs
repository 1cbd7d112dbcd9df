//! Document records (spaces, folders and files, shares, assignments, hand-ins) and the
//! indexes that find them: a folder's children, a node's shares, a class's assignments, an
//! assignment's hand-ins.

use crate::record::Record;
use crate::{Index, Lookup, Reader, StoreError, Tables, Writer};
use preau_core::{
    Assignment, AssignmentId, BlobId, ClassId, HandIn, Node, NodeId, Share, Space, SpaceOwner,
};
use redb::{MultimapTableDefinition, TableDefinition};
use std::collections::HashSet;

/// Folder → its children.
const CHILDREN: Index = MultimapTableDefinition::new("node_children");
/// Node → its shares.
const SHARES_OF_NODE: Index = MultimapTableDefinition::new("node_shares");
/// Class → its assignments.
const ASSIGNMENTS_OF_CLASS: Index = MultimapTableDefinition::new("class_assignments");
/// Assignment → its hand-ins.
const HAND_INS_OF_ASSIGNMENT: Index = MultimapTableDefinition::new("assignment_hand_ins");
/// Space owner key ("personal/42") → space.
const SPACE_BY_OWNER: Lookup = TableDefinition::new("space_by_owner");

/// Implements [`Record`] for a type kept in its own table; `indexed` records enter the search
/// index's feed, `replicated` ones (central holds a copy) the change feed.
macro_rules! record {
    ($type:ty, $table:literal, $kind:literal, indexed: $indexed:literal, |$v:ident| $key:expr) => {
        record!($type, $table, $kind, indexed: $indexed, replicated: false, |$v| $key);
    };
    (
        $type:ty, $table:literal, $kind:literal, indexed: $indexed:literal,
        replicated: $replicated:literal, |$v:ident| $key:expr
    ) => {
        impl Record for $type {
            const TABLE: TableDefinition<'static, u64, &'static [u8]> =
                TableDefinition::new($table);
            const KIND: &'static str = $kind;
            const VERSION: u8 = 1;
            const REPLICATED: bool = $replicated;
            const INDEXED: bool = $indexed;
            fn key(&self) -> u64 {
                let $v = self;
                $key
            }
        }
    };
}
pub(crate) use record;

record!(Space, "spaces", "space", indexed: false, |s| s.id.0);
record!(Node, "nodes", "node", indexed: true, |n| n.id.0);
record!(Share, "shares", "share", indexed: false, |s| s.id.0);
record!(Assignment, "assignments", "assignment", indexed: false, |a| a.id.0);
record!(HandIn, "hand_ins", "hand_in", indexed: false, |h| h.id.0);

/// The space of an owner, if it was created.
pub fn space_of(t: &impl Tables, owner: SpaceOwner) -> Result<Option<Space>, StoreError> {
    match t.lookup(SPACE_BY_OWNER, &owner.key())? {
        Some(id) => t.get(id),
        None => Ok(None),
    }
}

/// Saves a new space and its top folder.
pub fn create_space(w: &mut Writer, space: &Space, root: &Node) -> Result<(), StoreError> {
    w.set_lookup(SPACE_BY_OWNER, &space.owner.key(), space.id.0)?;
    w.put(space)?;
    w.put(root)
}

/// Saves a node, keeping its folder's list of children in step.
pub fn save_node(w: &mut Writer, node: &Node) -> Result<(), StoreError> {
    let previous: Option<Node> = w.get(node.id.0)?;
    let old_parent = previous.and_then(|p| p.parent);
    if old_parent != node.parent {
        if let Some(old) = old_parent {
            w.index_remove(CHILDREN, old.0, node.id.0)?;
        }
        if let Some(new) = node.parent {
            w.index_add(CHILDREN, new.0, node.id.0)?;
        }
    }
    w.put(node)
}

/// Deletes a node for good (with its shares), unlinking it from its folder.
pub fn delete_node(w: &mut Writer, node: &Node) -> Result<(), StoreError> {
    if let Some(parent) = node.parent {
        w.index_remove(CHILDREN, parent.0, node.id.0)?;
    }
    for share in shares_of(w, node.id)? {
        delete_share(w, &share)?;
    }
    w.delete::<Node>(node.id.0)?;
    Ok(())
}

/// The children of a folder (trashed ones included), in no particular order.
pub fn children(t: &impl Tables, folder: NodeId) -> Result<Vec<Node>, StoreError> {
    let mut out = Vec::new();
    for key in t.index(CHILDREN, folder.0)? {
        if let Some(node) = t.get::<Node>(key)? {
            out.push(node);
        }
    }
    Ok(out)
}

/// Saves a share.
pub fn save_share(w: &mut Writer, share: &Share) -> Result<(), StoreError> {
    w.index_add(SHARES_OF_NODE, share.node.0, share.id.0)?;
    w.put(share)
}

/// Removes a share.
pub fn delete_share(w: &mut Writer, share: &Share) -> Result<(), StoreError> {
    w.index_remove(SHARES_OF_NODE, share.node.0, share.id.0)?;
    w.delete::<Share>(share.id.0)?;
    Ok(())
}

/// The shares of one node.
pub fn shares_of(t: &impl Tables, node: NodeId) -> Result<Vec<Share>, StoreError> {
    let mut out = Vec::new();
    for key in t.index(SHARES_OF_NODE, node.0)? {
        if let Some(share) = t.get::<Share>(key)? {
            out.push(share);
        }
    }
    Ok(out)
}

/// Saves an assignment.
pub fn save_assignment(w: &mut Writer, assignment: &Assignment) -> Result<(), StoreError> {
    w.index_add(ASSIGNMENTS_OF_CLASS, assignment.class.0, assignment.id.0)?;
    w.put(assignment)
}

/// The assignments of a class.
pub fn assignments_of(t: &impl Tables, class: ClassId) -> Result<Vec<Assignment>, StoreError> {
    let mut out = Vec::new();
    for key in t.index(ASSIGNMENTS_OF_CLASS, class.0)? {
        if let Some(a) = t.get::<Assignment>(key)? {
            out.push(a);
        }
    }
    Ok(out)
}

/// Saves a hand-in.
pub fn save_hand_in(w: &mut Writer, hand_in: &HandIn) -> Result<(), StoreError> {
    w.index_add(HAND_INS_OF_ASSIGNMENT, hand_in.assignment.0, hand_in.id.0)?;
    w.put(hand_in)
}

/// Every hand-in for an assignment, oldest first.
pub fn hand_ins_of(t: &impl Tables, assignment: AssignmentId) -> Result<Vec<HandIn>, StoreError> {
    let mut out = Vec::new();
    for key in t.index(HAND_INS_OF_ASSIGNMENT, assignment.0)? {
        if let Some(h) = t.get::<HandIn>(key)? {
            out.push(h);
        }
    }
    out.sort_by_key(|h: &HandIn| (h.at, h.id));
    Ok(out)
}

/// Every blob the database still refers to (files, their kept revisions, hand-ins, files
/// attached to the cahier de textes and to news, exercises' pictures and sounds): what the blob collector must keep.
pub fn referenced_blobs(r: &Reader) -> Result<HashSet<BlobId>, StoreError> {
    let mut out = HashSet::new();
    for node in r.all::<Node>()? {
        out.extend(node.revisions().map(|rev| rev.blob));
    }
    for hand_in in r.all::<HandIn>()? {
        out.extend(hand_in.files.iter().map(|f| f.revision.blob));
    }
    out.extend(crate::logbook::attachment_blobs(r)?);
    out.extend(crate::news::news_blobs(r)?);
    out.extend(crate::liaison::attachment_blobs(r)?);
    out.extend(crate::exercises::media_blobs(r)?);
    Ok(out)
}
