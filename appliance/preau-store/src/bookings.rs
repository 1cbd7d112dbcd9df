//! Booking records (bookables, bookings, series, notices, the school's booking settings) and
//! the timelines that find a room's or a teacher's bookings by time.
//!
//! Conflict checks read and write inside one write transaction; redb runs write
//! transactions one at a time, so a check and the booking it allows can never interleave
//! with another booking.

use crate::documents::record;
use crate::record::Record;
use crate::{Lookup, StoreError, Tables, Timeline, Writer};
use preau_core::booking::MAX_BOOKING_SECONDS;
use preau_core::{
    Bookable, BookableId, Booking, BookingNotice, BookingSettings, PersonFeed, Series, UserId,
};
use redb::TableDefinition;

/// Bookable → its bookings by start time.
const BY_BOOKABLE: Timeline = TableDefinition::new("bookings_by_bookable");
/// Holder → their bookings by start time.
const BY_HOLDER: Timeline = TableDefinition::new("bookings_by_holder");
/// Person → their booking notices (filed at the time of the notice).
const NOTICES: Timeline = TableDefinition::new("booking_notices_by_user");
/// Feed secret → the bookable or person whose feed it opens.
const FEED_BY_TOKEN: Lookup = TableDefinition::new("booking_feed_by_token");

record!(Bookable, "bookables", "bookable", indexed: false, |b| b.id.0);
record!(Booking, "bookings", "booking", indexed: false, |b| b.id.0);
record!(Series, "booking_series", "booking_series", indexed: false, |s| s.id.0);
record!(BookingNotice, "booking_notices", "booking_notice", indexed: false, |n| n.id.0);
record!(PersonFeed, "booking_person_feeds", "booking_person_feed", indexed: false, |f| f.user.0);
record!(BookingSettings, "booking_settings", "booking_settings", indexed: false, |_s| 0);

/// The school's booking settings, if they were saved.
pub fn settings(t: &impl Tables) -> Result<Option<BookingSettings>, StoreError> {
    t.get(0)
}

/// Saves a booking, keeping both timelines in step with its start time and holder.
pub fn save_booking(w: &mut Writer, booking: &Booking) -> Result<(), StoreError> {
    if let Some(old) = w.get::<Booking>(booking.id.0)? {
        w.timeline_remove(BY_BOOKABLE, old.bookable.0, old.start, old.id.0)?;
        w.timeline_remove(BY_HOLDER, old.holder.0, old.start, old.id.0)?;
    }
    w.timeline_add(BY_BOOKABLE, booking.bookable.0, booking.start, booking.id.0)?;
    w.timeline_add(BY_HOLDER, booking.holder.0, booking.start, booking.id.0)?;
    w.put(booking)
}

/// The bookings of a bookable that overlap `start..end` (whatever their status), by start.
pub fn bookings_of(
    t: &impl Tables,
    bookable: BookableId,
    start: i64,
    end: i64,
) -> Result<Vec<Booking>, StoreError> {
    overlapping(t, BY_BOOKABLE, bookable.0, start, end)
}

/// The bookings a person holds that overlap `start..end` (whatever their status), by start.
pub fn bookings_held_by(
    t: &impl Tables,
    holder: UserId,
    start: i64,
    end: i64,
) -> Result<Vec<Booking>, StoreError> {
    overlapping(t, BY_HOLDER, holder.0, start, end)
}

fn overlapping(
    t: &impl Tables,
    timeline: Timeline,
    key: u64,
    start: i64,
    end: i64,
) -> Result<Vec<Booking>, StoreError> {
    let from = start.saturating_sub(MAX_BOOKING_SECONDS);
    let mut out = Vec::new();
    for id in t.timeline(timeline, key, from, end)? {
        if let Some(booking) = t.get::<Booking>(id)?
            && booking.start < end
            && start < booking.end
        {
            out.push(booking);
        }
    }
    Ok(out)
}

/// Saves a notice for its person.
pub fn save_notice(w: &mut Writer, notice: &BookingNotice) -> Result<(), StoreError> {
    w.timeline_add(NOTICES, notice.user.0, notice.created, notice.id.0)?;
    w.put(notice)
}

/// A person's notices, oldest first.
pub fn notices_of(t: &impl Tables, user: UserId) -> Result<Vec<BookingNotice>, StoreError> {
    let mut out = Vec::new();
    for id in t.timeline(NOTICES, user.0, i64::MIN, i64::MAX)? {
        if let Some(notice) = t.get::<BookingNotice>(id)? {
            out.push(notice);
        }
    }
    Ok(out)
}

/// Deletes a notice (the person dismissed it).
pub fn delete_notice(w: &mut Writer, notice: &BookingNotice) -> Result<(), StoreError> {
    w.timeline_remove(NOTICES, notice.user.0, notice.created, notice.id.0)?;
    w.delete::<BookingNotice>(notice.id.0).map(|_| ())
}

/// Files a feed secret as opening the feed of `owner` (a bookable's or a person's id).
pub fn set_feed_token(w: &mut Writer, token: &str, owner: u64) -> Result<(), StoreError> {
    w.set_lookup(FEED_BY_TOKEN, token, owner)
}

/// Forgets a feed secret.
pub fn remove_feed_token(w: &mut Writer, token: &str) -> Result<(), StoreError> {
    w.remove_lookup(FEED_BY_TOKEN, token)
}

/// Whose feed a secret opens (a bookable's or a person's id).
pub fn feed_owner(t: &impl Tables, token: &str) -> Result<Option<u64>, StoreError> {
    t.lookup(FEED_BY_TOKEN, token)
}
