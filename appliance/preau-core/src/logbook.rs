//! The cahier de textes: per class, per session, what was done (« Séance ») and the homework
//! (« À faire pour le … »), with files frozen from document spaces and links to library
//! resources; a pupil's private « Fait ! » ticks.
//!
//! Central will hold a copy of every entry for parents (DESIGN §2): an entry names its owner
//! (the author), its partition (school and class) and is written through the change feed.
//! It is never removed: deleting sets [`LogbookEntry::deleted`], a tombstone that sync can
//! carry like any other change.

use crate::calendar::{Recurrence, SchoolCalendar};
use crate::{BlobId, ClassId, ResourceId, UserId};
use jiff::ToSpan;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// An entry of a class's cahier de textes (one session).
    EntryId
);
crate::ids::id_type!(
    /// The entries made together by one weekly repetition.
    EntrySeriesId
);

/// How far after a closed due date homework may be moved to the next school day.
const MAX_SHIFT_DAYS: i32 = 21;

/// Text as the teacher typed it and as it is shown (sanitised HTML).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RichText {
    /// What was typed, only ever shown escaped (in the edit form).
    pub typed: String,
    /// The sanitised HTML (`preau_app::rich_text::to_html`), shown as is.
    pub html: String,
}

impl RichText {
    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.typed.trim().is_empty()
    }
}

/// Homework given at a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Homework {
    /// The day it is for (« À faire pour le … »).
    pub due: Date,
    /// What to do.
    pub text: RichText,
}

/// A file attached to an entry: a copy of a document's revision at the moment it was
/// attached (later changes to the document do not reach it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Its name, as in the space (a label, made safe only when served).
    pub name: String,
    /// Its content.
    pub blob: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type.
    pub mime: String,
    /// When it was attached (Unix seconds).
    pub at: i64,
}

/// One session of a class's cahier de textes.
///
/// Replicated (central holds a copy for parents); never deleted from the table: a deleted
/// entry keeps its row with [`LogbookEntry::deleted`] set, so that the deletion travels as a
/// change like any other and a stale copy cannot come back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogbookEntry {
    /// The entry.
    pub id: EntryId,
    /// The school (partition).
    pub school: String,
    /// The class whose pupils and families read it (partition and audience).
    pub class: ClassId,
    /// The day of the session.
    pub date: Date,
    /// A short title: the subject or activity (« Lecture », « Mathématiques »).
    pub title: String,
    /// What was done (« Séance »); may be empty when there is only homework.
    pub done: RichText,
    /// The homework given, if any.
    pub homework: Option<Homework>,
    /// Files frozen from document spaces.
    pub attachments: Vec<Attachment>,
    /// Resources of the school library.
    pub resources: Vec<ResourceId>,
    /// The weekly repetition it was made by, if any.
    pub series: Option<EntrySeriesId>,
    /// Who wrote it (owner).
    pub author: UserId,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// Who changed it last.
    pub updated_by: UserId,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
    /// Deleted (a tombstone: never shown, kept for sync).
    pub deleted: bool,
}

/// A pupil's « Fait ! » on one homework: private to the pupil (teachers see only counts).
/// Unticking keeps the row with `done: false`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeworkTick {
    /// The entry holding the homework.
    pub entry: EntryId,
    /// The pupil.
    pub pupil: UserId,
    /// Whether it is ticked.
    pub done: bool,
    /// When it last changed (Unix seconds).
    pub at: i64,
}

impl HomeworkTick {
    /// The record key of a pupil's tick on an entry: the same on every replica, so that a
    /// tick made twice is one record.
    pub fn key_of(entry: EntryId, pupil: UserId) -> u64 {
        mix(entry.0 ^ mix(pupil.0))
    }
}

/// The secret that opens a class's homework feed (`/agenda-devoirs/<secret>.ics`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogbookFeed {
    /// The class.
    pub class: ClassId,
    /// The secret.
    pub token: String,
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A date as a sortable number (20261201), used to file entries by day.
pub fn day_key(date: Date) -> i64 {
    i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day())
}

/// The dates of a weekly entry from `first` to `until` (inclusive) on which the school is
/// open, and those skipped with why (holidays, public holidays, days without class).
pub fn weekly_dates(
    calendar: &SchoolCalendar,
    first: Date,
    until: Date,
) -> crate::calendar::Occurrences {
    // A morning hour: the school is open then on every school day (Wednesday morning
    // included when there is class), so only whole-day closures count.
    let nine = Time::constant(9, 0, 0, 0);
    let ten = Time::constant(10, 0, 0, 0);
    calendar.weekly(
        first,
        Recurrence {
            every_weeks: 1,
            until,
        },
        nine,
        ten,
    )
}

/// The first school day on or after `date` (within three weeks), for homework whose usual
/// due day falls in the holidays.
pub fn next_school_day(calendar: &SchoolCalendar, date: Date) -> Option<Date> {
    (0..MAX_SHIFT_DAYS)
        .filter_map(|d| date.checked_add(d.days()).ok())
        .find(|d| calendar.day_closure(*d).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Closure, Zone};
    use jiff::civil::date;

    #[test]
    fn weekly_entries_skip_the_holidays() {
        let calendar = SchoolCalendar::new(Zone::C);
        // Mondays from 7 December 2026 to 11 January 2027: Christmas holidays in between.
        let run = weekly_dates(&calendar, date(2026, 12, 7), date(2027, 1, 11));
        assert_eq!(
            run.dates,
            [
                date(2026, 12, 7),
                date(2026, 12, 14),
                date(2027, 1, 4),
                date(2027, 1, 11)
            ]
        );
        assert_eq!(run.skipped.len(), 2);
        assert!(matches!(run.skipped[0].1, Closure::Holiday(_)));
    }

    #[test]
    fn homework_due_in_the_holidays_moves_to_the_next_school_day() {
        let calendar = SchoolCalendar::new(Zone::C);
        assert_eq!(
            next_school_day(&calendar, date(2026, 12, 21)),
            Some(date(2027, 1, 4))
        );
        assert_eq!(
            next_school_day(&calendar, date(2026, 12, 1)),
            Some(date(2026, 12, 1))
        );
    }

    #[test]
    fn tick_keys_are_stable_and_distinct() {
        let a = HomeworkTick::key_of(EntryId(1), UserId(2));
        assert_eq!(a, HomeworkTick::key_of(EntryId(1), UserId(2)));
        assert_ne!(a, HomeworkTick::key_of(EntryId(2), UserId(1)));
        assert_ne!(a, HomeworkTick::key_of(EntryId(1), UserId(3)));
        assert!(day_key(date(2026, 12, 31)) < day_key(date(2027, 1, 1)));
    }
}
