//! What sync with central needs from the store: the stamp of every replicated record (and of
//! its deletion), the last stamp of the hybrid logical clock, per-origin cursors, kept
//! conflict losers, and the writing of records received from another replica.
//!
//! A received record goes through the same save functions as a local write (so timelines and
//! lookups stay right) but with the writer in remote mode: it keeps its origin's stamp and
//! does not enter this replica's change feed.

use crate::record::{self, Record};
use crate::store::META;
use crate::{Reader, StoreError, Writer};
use preau_core::{
    Class, Conversation, FamilyAnswer, Group, LogbookEntry, Message, MessagingRules, News,
    ParentActivation, School, User, Word,
};
use preau_sync::Stamp;
use redb::{ReadableTable, TableDefinition, TableError};

/// "kind/key" → (millis, counter, origin, deleted): the version each replicated record is at.
const STAMPS: TableDefinition<&str, (i64, u32, u64, bool)> = TableDefinition::new("sync_stamps");
/// Origin replica → the highest of its sequence numbers applied here.
const CURSORS: TableDefinition<u64, u64> = TableDefinition::new("sync_cursors");
/// Kept losing versions of conflicts, by arrival order (encoded by the caller).
const LOSERS: TableDefinition<u64, &[u8]> = TableDefinition::new("sync_losers");
/// Named numbers of the sync client and server (acknowledged sequence numbers…).
const SYNC_STATE: TableDefinition<&str, u64> = TableDefinition::new("sync_state");

const HLC_MILLIS: &str = "hlc_millis";
const HLC_COUNTER: &str = "hlc_counter";

/// The last stamp this replica's clock gave, kept so it never goes back after a restart.
pub(crate) fn last_stamp(r: &Reader) -> Result<Option<Stamp>, StoreError> {
    let meta = match r.tx.open_table(META) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let millis = meta.get(HLC_MILLIS)?.map(|v| v.value());
    let counter = meta.get(HLC_COUNTER)?.map(|v| v.value());
    let replica = meta.get("replica_id")?.map(|v| v.value()).unwrap_or(0);
    Ok(millis.map(|millis| Stamp {
        millis: i64::try_from(millis).unwrap_or(i64::MAX),
        counter: u32::try_from(counter.unwrap_or(0)).unwrap_or(u32::MAX),
        origin: replica,
    }))
}

pub(crate) fn save_last_stamp(w: &mut Writer, stamp: Stamp) -> Result<(), StoreError> {
    let mut meta = w.tx.open_table(META)?;
    meta.insert(HLC_MILLIS, u64::try_from(stamp.millis).unwrap_or(0))?;
    meta.insert(HLC_COUNTER, u64::from(stamp.counter))?;
    Ok(())
}

fn stamp_key(kind: &str, key: u64) -> String {
    format!("{kind}/{key}")
}

/// Records `stamp` as the version of `kind/key` (deleted or not).
pub fn set_stamp(
    w: &mut Writer,
    kind: &str,
    key: u64,
    stamp: Stamp,
    deleted: bool,
) -> Result<(), StoreError> {
    w.tx.open_table(STAMPS)?.insert(
        stamp_key(kind, key).as_str(),
        (stamp.millis, stamp.counter, stamp.origin, deleted),
    )?;
    Ok(())
}

/// The version `kind/key` is at here, and whether it is a deletion.
pub fn stamp_in(w: &Writer, kind: &str, key: u64) -> Result<Option<(Stamp, bool)>, StoreError> {
    let table = w.tx.open_table(STAMPS)?;
    let found = table.get(stamp_key(kind, key).as_str())?.map(|v| v.value());
    Ok(found.map(|(millis, counter, origin, deleted)| {
        (
            Stamp {
                millis,
                counter,
                origin,
            },
            deleted,
        )
    }))
}

/// The version `kind/key` is at in a snapshot, and whether it is a deletion.
pub fn stamp_of(r: &Reader, kind: &str, key: u64) -> Result<Option<(Stamp, bool)>, StoreError> {
    let table = match r.tx.open_table(STAMPS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let found = table.get(stamp_key(kind, key).as_str())?.map(|v| v.value());
    Ok(found.map(|(millis, counter, origin, deleted)| {
        (
            Stamp {
                millis,
                counter,
                origin,
            },
            deleted,
        )
    }))
}

/// Deletion stamps older than `before` (Unix milliseconds): the tombstones to purge.
pub fn tombstones_before(r: &Reader, before: i64) -> Result<Vec<String>, StoreError> {
    let table = match r.tx.open_table(STAMPS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.iter()? {
        let (key, value) = item?;
        let (millis, _, _, deleted) = value.value();
        if deleted && millis < before {
            out.push(key.value().to_string());
        }
    }
    Ok(out)
}

/// Forgets tombstones (their keys as [`tombstones_before`] gives them). Nothing purges them
/// yet: they are kept for good, which satisfies the protocol's « at least 120 days ».
pub fn purge_tombstones(w: &mut Writer, keys: &[String]) -> Result<(), StoreError> {
    let mut table = w.tx.open_table(STAMPS)?;
    for key in keys {
        table.remove(key.as_str())?;
    }
    Ok(())
}

/// The highest sequence number of `origin` applied here (0: none).
pub fn cursor_in(w: &Writer, origin: u64) -> Result<u64, StoreError> {
    Ok(w.tx
        .open_table(CURSORS)?
        .get(origin)?
        .map(|v| v.value())
        .unwrap_or(0))
}

/// Records that `origin`'s changes up to `seq` are applied here.
pub fn set_cursor(w: &mut Writer, origin: u64, seq: u64) -> Result<(), StoreError> {
    w.tx.open_table(CURSORS)?.insert(origin, seq)?;
    Ok(())
}

/// The highest sequence number of `origin` applied, in a snapshot.
pub fn cursor_of(r: &Reader, origin: u64) -> Result<u64, StoreError> {
    match r.tx.open_table(CURSORS) {
        Ok(t) => Ok(t.get(origin)?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Keeps a conflict's losing version (encoded by the caller).
pub fn keep_loser(w: &mut Writer, encoded: &[u8]) -> Result<(), StoreError> {
    let id = w.next_counter("sync_loser_seq")?;
    w.tx.open_table(LOSERS)?.insert(id, encoded)?;
    Ok(())
}

/// Every kept losing version, oldest first.
pub fn losers(r: &Reader) -> Result<Vec<Vec<u8>>, StoreError> {
    let table = match r.tx.open_table(LOSERS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.iter()? {
        out.push(item?.1.value().to_vec());
    }
    Ok(out)
}

/// A named number of the sync machinery (0 when never set).
pub fn state_of(r: &Reader, name: &str) -> Result<u64, StoreError> {
    match r.tx.open_table(SYNC_STATE) {
        Ok(t) => Ok(t.get(name)?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Sets a named number of the sync machinery.
pub fn set_state(w: &mut Writer, name: &str, value: u64) -> Result<(), StoreError> {
    w.tx.open_table(SYNC_STATE)?.insert(name, value)?;
    Ok(())
}

/// The stored bytes (version byte and value) of `kind/key`, if it exists.
pub fn raw_value(r: &Reader, kind: &str, key: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(kind) = replicated(kind) else {
        return Ok(None);
    };
    match r.tx.open_table(kind.table) {
        Ok(t) => Ok(t.get(key)?.map(|v| v.value().to_vec())),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The stored bytes of `kind/key` seeing this transaction's writes, if it exists.
pub fn raw_value_in(w: &Writer, kind: &str, key: u64) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(kind) = replicated(kind) else {
        return Ok(None);
    };
    Ok(w.tx
        .open_table(kind.table)?
        .get(key)?
        .map(|v| v.value().to_vec()))
}

/// A record type that travels between replicas, and how a received one is saved (through
/// the same function as a local write, so that timelines and lookups stay right).
trait Replicated: Record {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        w.put(value)
    }
}

impl Replicated for School {}
impl Replicated for Class {}
impl Replicated for Group {}
impl Replicated for Conversation {}
impl Replicated for MessagingRules {}
impl Replicated for ParentActivation {}
impl Replicated for preau_core::ResultsSummary {}
impl Replicated for User {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::directory::save_user(w, value)
    }
}
impl Replicated for News {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::news::save_news(w, value)
    }
}
impl Replicated for LogbookEntry {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::logbook::save_entry(w, value)
    }
}
impl Replicated for Word {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::liaison::save_word(w, value)
    }
}
impl Replicated for FamilyAnswer {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::liaison::save_answer(w, value)
    }
}
impl Replicated for Message {
    fn save(w: &mut Writer, value: &Self) -> Result<(), StoreError> {
        crate::messages::save_message(w, value)
    }
}

/// A replicated kind: its table, and how a received value or deletion is written.
#[derive(Clone, Copy)]
struct Kind {
    table: TableDefinition<'static, u64, &'static [u8]>,
    save: fn(&mut Writer, u64, &[u8]) -> Result<(), StoreError>,
    delete: fn(&mut Writer, u64) -> Result<(), StoreError>,
}

/// Decodes a received value of type `R` (refusing one whose key is not `key`) and saves it.
fn save_received<R: Replicated>(w: &mut Writer, key: u64, bytes: &[u8]) -> Result<(), StoreError> {
    let value: R = record::decode(bytes)?;
    if value.key() != key {
        return Err(StoreError::Corrupt {
            kind: R::KIND,
            detail: format!("{}/{key} carries the record {}", R::KIND, value.key()),
        });
    }
    R::save(w, &value)
}

fn delete_received<R: Replicated>(w: &mut Writer, key: u64) -> Result<(), StoreError> {
    w.delete::<R>(key).map(|_| ())
}

fn kind_of<R: Replicated>(name: &str) -> Option<Kind> {
    (name == R::KIND).then_some(Kind {
        table: R::TABLE,
        save: save_received::<R>,
        delete: delete_received::<R>,
    })
}

/// The replicated kind called `name`.
fn replicated(name: &str) -> Option<Kind> {
    kind_of::<School>(name)
        .or_else(|| kind_of::<Class>(name))
        .or_else(|| kind_of::<Group>(name))
        .or_else(|| kind_of::<User>(name))
        .or_else(|| kind_of::<News>(name))
        .or_else(|| kind_of::<LogbookEntry>(name))
        .or_else(|| kind_of::<Word>(name))
        .or_else(|| kind_of::<FamilyAnswer>(name))
        .or_else(|| kind_of::<Conversation>(name))
        .or_else(|| kind_of::<Message>(name))
        .or_else(|| kind_of::<MessagingRules>(name))
        .or_else(|| kind_of::<ParentActivation>(name))
        .or_else(|| kind_of::<preau_core::ResultsSummary>(name))
}

/// Whether records of `kind` travel between replicas.
pub fn is_replicated(kind: &str) -> bool {
    replicated(kind).is_some()
}

/// Writes a record received from another replica — `value` its stored bytes, `None` for a
/// deletion — through the same save function as a local write, outside the change feed,
/// with its origin's stamp. Refuses an unknown kind or undecodable bytes.
pub fn apply_remote(
    w: &mut Writer,
    kind: &str,
    key: u64,
    value: Option<&[u8]>,
    stamp: Stamp,
) -> Result<(), StoreError> {
    let found = replicated(kind).ok_or_else(|| StoreError::Corrupt {
        kind: "sync",
        detail: format!("unknown replicated kind {kind:?}"),
    })?;
    let was_remote = std::mem::replace(&mut w.remote, true);
    let result = match value {
        Some(bytes) => (found.save)(w, key, bytes),
        None => (found.delete)(w, key),
    };
    w.remote = was_remote;
    result?;
    w.observe(stamp)?;
    set_stamp(w, kind, key, stamp, value.is_none())
}

/// The outbox: this replica's changes another replica may hold, numbered without gaps
/// (outbox sequence → "kind/key"). Derived from the change feed by the sync worker.
const OUTBOX: TableDefinition<u64, &str> = TableDefinition::new("sync_outbox");
/// How far the outbox has read the change feed.
const OUTBOX_FEED_CURSOR: &str = "outbox_feed_cursor";
const OUTBOX_SEQ: &str = "outbox_seq";

/// How far the outbox has read the change feed (feed sequence number).
pub fn outbox_feed_cursor(r: &Reader) -> Result<u64, StoreError> {
    state_of(r, OUTBOX_FEED_CURSOR)
}

/// Appends `entries` ("kind/key") to the outbox and records that the feed was read up to
/// `feed_upto`, in one transaction. Returns the outbox's last sequence number.
pub fn outbox_append(
    w: &mut Writer,
    entries: &[String],
    feed_upto: u64,
) -> Result<u64, StoreError> {
    let mut last = 0;
    for entry in entries {
        last = w.next_counter(OUTBOX_SEQ)?;
        w.tx.open_table(OUTBOX)?.insert(last, entry.as_str())?;
    }
    set_state(w, OUTBOX_FEED_CURSOR, feed_upto)?;
    if last == 0 {
        last = outbox_last_in(w)?;
    }
    Ok(last)
}

fn outbox_last_in(w: &Writer) -> Result<u64, StoreError> {
    let table = w.tx.open_table(OUTBOX)?;
    Ok(table.last()?.map(|(k, _)| k.value()).unwrap_or(0))
}

/// The outbox's last sequence number.
pub fn outbox_last(r: &Reader) -> Result<u64, StoreError> {
    match r.tx.open_table(OUTBOX) {
        Ok(t) => Ok(t.last()?.map(|(k, _)| k.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Outbox entries after `after`, oldest first, at most `limit`: (sequence, kind, key).
pub fn outbox_since(
    r: &Reader,
    after: u64,
    limit: usize,
) -> Result<Vec<(u64, String, u64)>, StoreError> {
    let table = match r.tx.open_table(OUTBOX) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.range(after + 1..)?.take(limit) {
        let (seq, entry) = item?;
        let entry = entry.value();
        let Some((kind, key)) = entry.split_once('/') else {
            continue;
        };
        let Ok(key) = key.parse() else { continue };
        out.push((seq.value(), kind.to_string(), key));
    }
    Ok(out)
}

/// Named texts of the sync machinery (a box's software version as central last saw it…).
const SYNC_TEXT: TableDefinition<&str, &str> = TableDefinition::new("sync_text");

/// A named text of the sync machinery.
pub fn text_of(r: &Reader, name: &str) -> Result<Option<String>, StoreError> {
    match r.tx.open_table(SYNC_TEXT) {
        Ok(t) => Ok(t.get(name)?.map(|v| v.value().to_string())),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Sets a named text of the sync machinery.
pub fn set_text(w: &mut Writer, name: &str, value: &str) -> Result<(), StoreError> {
    w.tx.open_table(SYNC_TEXT)?.insert(name, value)?;
    Ok(())
}

/// The change feed's last sequence number (0: nothing written yet).
pub fn feed_last(r: &Reader) -> Result<u64, StoreError> {
    match r.tx.open_table(META) {
        Ok(t) => Ok(t.get("feed_seq")?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// Every stamped record: kind, key, stamp and whether it is a deletion, sorted.
pub fn all_stamps(r: &Reader) -> Result<Vec<(String, u64, Stamp, bool)>, StoreError> {
    let table = match r.tx.open_table(STAMPS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.iter()? {
        let (key, value) = item?;
        let Some((kind, id)) = key.value().split_once('/') else {
            continue;
        };
        let Ok(id) = id.parse() else { continue };
        let (millis, counter, origin, deleted) = value.value();
        out.push((
            kind.to_string(),
            id,
            Stamp {
                millis,
                counter,
                origin,
            },
            deleted,
        ));
    }
    out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    Ok(out)
}
