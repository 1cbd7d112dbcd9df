//! Booking rooms and equipment: what can be booked, bookings, recurring series, limits, and the
//! capacity rule that no instant ever holds more than a resource has.

use crate::UserId;
use crate::calendar::{Recurrence, SchoolCalendar, Zone};
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// A room, a piece of equipment or a pool of identical items.
    BookableId
);
crate::ids::id_type!(
    /// One booking: one stretch of time on one bookable.
    BookingId
);
crate::ids::id_type!(
    /// A recurring booking: the rule its bookings were made from.
    SeriesId
);
crate::ids::id_type!(
    /// A notice telling a teacher what happened to one of their bookings.
    NoticeId
);

/// The longest single booking, in seconds (a week). Conflict searches look this far back.
pub const MAX_BOOKING_SECONDS: i64 = 7 * 24 * 3600;

/// What kind of thing is booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookableKind {
    /// A room: salle informatique, BCD, salle de motricité, gymnase…
    Room,
    /// Equipment: vidéoprojecteur, TNI, appareil photo, a cart of tablets…
    Equipment,
}

impl BookableKind {
    /// The French name.
    pub fn french(self) -> &'static str {
        match self {
            BookableKind::Room => "Salle",
            BookableKind::Equipment => "Matériel",
        }
    }
}

/// Something teachers book.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookable {
    /// Its id.
    pub id: BookableId,
    /// Its name ("Vidéoprojecteur", "Chariot de tablettes").
    pub name: String,
    /// Room or equipment.
    pub kind: BookableKind,
    /// A short description.
    pub description: String,
    /// Where it is (or is kept).
    pub place: String,
    /// How many people a room holds, if it matters.
    pub capacity: Option<u32>,
    /// How many identical items it has (1 for a room or a single device; 15 for a cart).
    pub quantity: u32,
    /// Whether the headteacher approves each booking.
    pub needs_approval: bool,
    /// Whether it was withdrawn (kept for the history, no longer bookable).
    pub archived: bool,
    /// The secret of its iCalendar feed.
    pub feed_token: String,
}

impl Bookable {
    /// Whether it is a pool booked by quantity.
    pub fn is_pool(&self) -> bool {
        self.quantity > 1
    }
}

/// Where a booking stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BookingStatus {
    /// Held.
    Confirmed,
    /// Held while the headteacher decides.
    Pending,
    /// Refused by the headteacher.
    Refused,
    /// Cancelled by its holder or the headteacher.
    Cancelled,
}

impl BookingStatus {
    /// Whether the booking holds its time (and so blocks others).
    pub fn holds(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::Pending)
    }

    /// The French name.
    pub fn french(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmée",
            BookingStatus::Pending => "en attente de validation",
            BookingStatus::Refused => "refusée",
            BookingStatus::Cancelled => "annulée",
        }
    }
}

/// One booking of some items of a bookable for a stretch of time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// Its id.
    pub id: BookingId,
    /// What is booked.
    pub bookable: BookableId,
    /// Who holds it.
    pub holder: UserId,
    /// How many items (1 for a room).
    pub quantity: u32,
    /// When it starts (Unix seconds).
    pub start: i64,
    /// When it ends (Unix seconds, exclusive).
    pub end: i64,
    /// Why ("CM1 — exposés", optional).
    pub purpose: String,
    /// The recurring booking it belongs to, if any.
    pub series: Option<SeriesId>,
    /// Where it stands.
    pub status: BookingStatus,
    /// When it was made (Unix seconds).
    pub created: i64,
}

impl Booking {
    /// Whether it holds time that overlaps `start..end`.
    pub fn blocks(&self, start: i64, end: i64) -> bool {
        self.status.holds() && self.start < end && start < self.end
    }
}

/// A recurring booking: its rule, for the calendar feeds (RRULE, EXDATE).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Its id.
    pub id: SeriesId,
    /// What is booked.
    pub bookable: BookableId,
    /// Who holds it.
    pub holder: UserId,
    /// The first date.
    pub first: Date,
    /// The Paris time it starts each time.
    pub start: Time,
    /// The Paris time it ends each time.
    pub end: Time,
    /// How it repeats.
    pub rule: Recurrence,
}

/// What the headteacher did to someone's booking, shown to them until they dismiss it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingNotice {
    /// Its id.
    pub id: NoticeId,
    /// Who is told.
    pub user: UserId,
    /// What happened, in French.
    pub text: String,
    /// When (Unix seconds).
    pub created: i64,
}

/// The secret of a person's iCalendar feed of bookings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFeed {
    /// Whose bookings.
    pub user: UserId,
    /// The secret in the feed's address.
    pub token: String,
}

/// The school's booking settings: its calendar and the limits on teachers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingSettings {
    /// The school calendar.
    pub calendar: SchoolCalendar,
    /// How many bookings a teacher may hold in one week (0: no limit).
    pub max_per_week: u32,
    /// How far ahead a teacher may book, in days (0: no limit).
    pub max_days_ahead: u32,
}

impl BookingSettings {
    /// Settings for a school of `zone`: the shipped calendar, 10 bookings a week, a year ahead.
    pub fn new(zone: Zone) -> BookingSettings {
        BookingSettings {
            calendar: SchoolCalendar::new(zone),
            max_per_week: 10,
            max_days_ahead: 366,
        }
    }
}

/// The most items in use at any instant of `start..end` among `bookings`.
pub fn peak_use<'a>(bookings: impl IntoIterator<Item = &'a Booking>, start: i64, end: i64) -> u32 {
    let mut edges: Vec<(i64, i64)> = Vec::new();
    for b in bookings.into_iter().filter(|b| b.blocks(start, end)) {
        edges.push((b.start.max(start), i64::from(b.quantity)));
        edges.push((b.end.min(end), -i64::from(b.quantity)));
    }
    // Ends sort before starts at the same instant: back-to-back bookings do not overlap.
    edges.sort_unstable();
    let (mut now, mut peak) = (0i64, 0i64);
    for (_, delta) in edges {
        now += delta;
        peak = peak.max(now);
    }
    u32::try_from(peak).unwrap_or(u32::MAX)
}

/// Whether `quantity` more items fit on `bookable` during `start..end` next to `bookings`.
pub fn fits<'a>(
    bookable: &Bookable,
    bookings: impl IntoIterator<Item = &'a Booking>,
    start: i64,
    end: i64,
    quantity: u32,
) -> bool {
    peak_use(bookings, start, end).saturating_add(quantity) <= bookable.quantity
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(start: i64, end: i64, quantity: u32) -> Booking {
        Booking {
            id: BookingId(start as u64),
            bookable: BookableId(1),
            holder: UserId(1),
            quantity,
            start,
            end,
            purpose: String::new(),
            series: None,
            status: BookingStatus::Confirmed,
            created: 0,
        }
    }

    fn cart(quantity: u32) -> Bookable {
        Bookable {
            id: BookableId(1),
            name: "Chariot".into(),
            kind: BookableKind::Equipment,
            description: String::new(),
            place: String::new(),
            capacity: None,
            quantity,
            needs_approval: false,
            archived: false,
            feed_token: String::new(),
        }
    }

    #[test]
    fn back_to_back_bookings_do_not_overlap() {
        let held = [booking(0, 100, 1)];
        assert!(fits(&cart(1), &held, 100, 200, 1));
        assert!(!fits(&cart(1), &held, 99, 200, 1));
    }

    #[test]
    fn a_pool_counts_items_at_the_busiest_instant() {
        let held = [
            booking(0, 100, 5),
            booking(50, 150, 6),
            booking(120, 200, 9),
        ];
        assert_eq!(peak_use(&held, 0, 200), 15);
        assert_eq!(peak_use(&held, 0, 60), 11);
        assert_eq!(peak_use(&held, 100, 120), 6);
        assert!(fits(&cart(15), &held, 100, 120, 9));
        assert!(!fits(&cart(15), &held, 100, 121, 1));
    }

    #[test]
    fn cancelled_bookings_free_their_time() {
        let mut gone = booking(0, 100, 1);
        gone.status = BookingStatus::Cancelled;
        assert!(fits(&cart(1), &[gone], 0, 100, 1));
    }
}
