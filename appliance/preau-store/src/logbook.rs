//! Cahier de textes records (entries, pupils' ticks, feed secrets) and the timelines that
//! find a class's entries by session day and its homework by due day.
//!
//! Entries are replicated (central holds a copy for parents) and never removed: a deleted
//! entry is saved with `deleted: true`, and stays on its timelines so that a tombstone is
//! found like any other change.

use crate::documents::record;
use crate::record::Record;
use crate::{Index, Lookup, Reader, StoreError, Tables, Timeline, Writer};
use preau_core::logbook::day_key;
use preau_core::{BlobId, ClassId, EntryId, HomeworkTick, LogbookEntry, LogbookFeed, UserId};
use redb::{MultimapTableDefinition, TableDefinition};

/// Class → its entries by session day.
const BY_DAY: Timeline = TableDefinition::new("logbook_by_class_day");
/// Class → its entries with homework, by due day.
const BY_DUE: Timeline = TableDefinition::new("logbook_by_class_due");
/// Entry → the keys of its ticks.
const TICKS_OF_ENTRY: Index = MultimapTableDefinition::new("logbook_entry_ticks");
/// Feed secret → the class whose homework feed it opens.
const FEED_BY_TOKEN: Lookup = TableDefinition::new("logbook_feed_by_token");

record!(LogbookEntry, "logbook_entries", "logbook_entry", indexed: false, replicated: true, |e| e.id.0);
// Ticks are private to the pupil and written where pupils sign in (the box): not replicated.
record!(HomeworkTick, "homework_ticks", "homework_tick", indexed: false, |t| HomeworkTick::key_of(t.entry, t.pupil));
record!(LogbookFeed, "logbook_feeds", "logbook_feed", indexed: false, |f| f.class.0);

/// Saves an entry (new, changed or deleted), keeping both timelines in step.
pub fn save_entry(w: &mut Writer, entry: &LogbookEntry) -> Result<(), StoreError> {
    if let Some(old) = w.get::<LogbookEntry>(entry.id.0)? {
        w.timeline_remove(BY_DAY, old.class.0, day_key(old.date), old.id.0)?;
        if let Some(h) = &old.homework {
            w.timeline_remove(BY_DUE, old.class.0, day_key(h.due), old.id.0)?;
        }
    }
    w.timeline_add(BY_DAY, entry.class.0, day_key(entry.date), entry.id.0)?;
    if let Some(h) = &entry.homework {
        w.timeline_add(BY_DUE, entry.class.0, day_key(h.due), entry.id.0)?;
    }
    w.put(entry)
}

/// The entries of a class whose session falls between two days (inclusive, as
/// [`day_key`]s; deleted ones included), by day.
pub fn entries_on(
    t: &impl Tables,
    class: ClassId,
    from: i64,
    to: i64,
) -> Result<Vec<LogbookEntry>, StoreError> {
    read_timeline(t, BY_DAY, class, from, to)
}

/// The entries of a class whose homework is due between two days (inclusive, as
/// [`day_key`]s; deleted ones included), by due day.
pub fn homework_due(
    t: &impl Tables,
    class: ClassId,
    from: i64,
    to: i64,
) -> Result<Vec<LogbookEntry>, StoreError> {
    read_timeline(t, BY_DUE, class, from, to)
}

fn read_timeline(
    t: &impl Tables,
    timeline: Timeline,
    class: ClassId,
    from: i64,
    to: i64,
) -> Result<Vec<LogbookEntry>, StoreError> {
    let mut out = Vec::new();
    for id in t.timeline(timeline, class.0, from, to.saturating_add(1))? {
        if let Some(entry) = t.get::<LogbookEntry>(id)? {
            out.push(entry);
        }
    }
    Ok(out)
}

/// A pupil's tick on an entry, if they ever ticked it.
pub fn tick_of(
    t: &impl Tables,
    entry: EntryId,
    pupil: UserId,
) -> Result<Option<HomeworkTick>, StoreError> {
    Ok(t.get::<HomeworkTick>(HomeworkTick::key_of(entry, pupil))?
        .filter(|tick| tick.entry == entry && tick.pupil == pupil))
}

/// Saves a tick.
pub fn save_tick(w: &mut Writer, tick: &HomeworkTick) -> Result<(), StoreError> {
    w.index_add(TICKS_OF_ENTRY, tick.entry.0, tick.key())?;
    w.put(tick)
}

/// Every tick on an entry (unticked ones included).
pub fn ticks_of(t: &impl Tables, entry: EntryId) -> Result<Vec<HomeworkTick>, StoreError> {
    let mut out = Vec::new();
    for key in t.index(TICKS_OF_ENTRY, entry.0)? {
        if let Some(tick) = t.get::<HomeworkTick>(key)?
            && tick.entry == entry
        {
            out.push(tick);
        }
    }
    Ok(out)
}

/// The feed secret of a class, if one was made.
pub fn feed_of(t: &impl Tables, class: ClassId) -> Result<Option<LogbookFeed>, StoreError> {
    t.get(class.0)
}

/// Gives a class a new feed secret (the old one stops working).
pub fn save_feed(w: &mut Writer, feed: &LogbookFeed) -> Result<(), StoreError> {
    if let Some(old) = w.get::<LogbookFeed>(feed.class.0)? {
        w.remove_lookup(FEED_BY_TOKEN, &old.token)?;
    }
    w.set_lookup(FEED_BY_TOKEN, &feed.token, feed.class.0)?;
    w.put(feed)
}

/// The class whose feed a secret opens.
pub fn feed_class(t: &impl Tables, token: &str) -> Result<Option<ClassId>, StoreError> {
    Ok(t.lookup(FEED_BY_TOKEN, token)?.map(ClassId))
}

/// The blobs attached to entries (deleted ones included: a tombstone may be undone by
/// sync), which the blob collector must keep.
pub fn attachment_blobs(r: &Reader) -> Result<Vec<BlobId>, StoreError> {
    Ok(r.all::<LogbookEntry>()?
        .into_iter()
        .flat_map(|e| e.attachments.into_iter().map(|a| a.blob))
        .collect())
}
