//! Booking rooms and equipment: the headteacher manages what can be booked and the school
//! calendar; teachers book one-off or weekly, by period or by quarter hour; conflicts are
//! refused inside one write transaction, so two bookings can never hold the same item.

mod book;
mod feeds;
mod grid;
mod limits;

pub use grid::{Cell, Entry, FreeNow, Grid, Row};

use crate::{App, AppError, Problem, paris, tokens};
use jiff::ToSpan;
use jiff::civil::{Date, Time};
use preau_core::booking::MAX_BOOKING_SECONDS;
use preau_core::calendar::{self, Closure, Zone};
use preau_core::{
    Action, Bookable, BookableId, BookableKind, Booking, BookingSettings, Object, Subject, can,
};
use preau_store::Record;
use preau_store::bookings as db;
use preau_store::schema::random_u64;

/// Longest name, place or purpose, in characters.
const MAX_LINE: usize = 200;
/// Longest description, in characters.
const MAX_TEXT: usize = 2_000;
/// The largest pool.
const MAX_QUANTITY: u32 = 500;

/// How a booking repeats, as chosen in the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Repeat {
    /// Once.
    #[default]
    Once,
    /// Every week.
    Weekly,
    /// Every other week.
    Fortnightly,
}

/// What a teacher types to book.
#[derive(Clone, Debug, Default)]
pub struct BookingRequest {
    /// What to book.
    pub bookable: BookableId,
    /// The (first) date, "2026-12-01".
    pub date: String,
    /// Start time, "9:00" (a quarter hour).
    pub start: String,
    /// End time, "10:00" (a quarter hour).
    pub end: String,
    /// How many items (pools); 0 means 1.
    pub quantity: u32,
    /// Why (optional).
    pub purpose: String,
    /// How it repeats.
    pub repeat: Repeat,
    /// The last date it may repeat on, "2027-07-03" (the day before some holidays, say).
    pub until: String,
}

/// What a booking request made.
#[derive(Clone, Debug)]
pub struct Booked {
    /// The bookings made, by date.
    pub bookings: Vec<Booking>,
    /// The dates skipped (holidays, public holidays…), with why.
    pub skipped: Vec<(Date, Closure)>,
}

/// What the headteacher types to add or change a bookable.
#[derive(Clone, Debug, Default)]
pub struct BookableForm {
    /// Name.
    pub name: String,
    /// Room or equipment.
    pub kind: Option<BookableKind>,
    /// Description.
    pub description: String,
    /// Where it is.
    pub place: String,
    /// How many people a room holds ("" if it does not matter).
    pub capacity: String,
    /// How many identical items ("" or "1" for one).
    pub quantity: String,
    /// Whether bookings wait for the headteacher's approval.
    pub needs_approval: bool,
    /// Whether it is withdrawn.
    pub archived: bool,
}

/// What the headteacher types on the calendar page.
#[derive(Clone, Debug, Default)]
pub struct CalendarForm {
    /// "A", "B" or "C".
    pub zone: String,
    /// Holidays, one per line (see [`calendar::parse_holidays`]); empty: the zone's shipped list.
    pub holidays: String,
    /// Classes on Wednesday morning.
    pub wednesday_morning: bool,
    /// Periods of the day, one per line ("8:30-9:30").
    pub periods: String,
    /// Bookings a teacher may hold per week ("" or "0": no limit).
    pub max_per_week: String,
    /// How many days ahead a teacher may book ("" or "0": no limit).
    pub max_days_ahead: String,
}

/// The week starting on the Monday of `date`'s week.
pub fn monday_of(date: Date) -> Date {
    let back = date.weekday().to_monday_zero_offset();
    date.checked_sub(i32::from(back).days()).unwrap_or(date)
}

/// Today's date in Paris.
pub fn today(now: i64) -> Date {
    paris::civil(now).date()
}

/// Reads a date as typed ("2026-12-01" or "01/12/2026").
pub(crate) fn parse_date(text: &str, field: &'static str) -> Result<Date, AppError> {
    let text = text.trim();
    text.parse::<Date>()
        .ok()
        .or_else(|| {
            // "01/12/2026"
            let mut parts = text.split('/');
            let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
            Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
        })
        .ok_or(AppError::Invalid(Problem::Date(field)))
}

fn parse_quarter(text: &str) -> Result<Time, AppError> {
    calendar::parse_clock(text)
        .filter(|t| t.minute() % 15 == 0 && t.second() == 0)
        .ok_or(AppError::Invalid(Problem::BookingTime))
}

fn line(text: &str, field: &'static str, max: usize) -> Result<String, AppError> {
    let text = text.trim();
    if text.chars().count() > max {
        return Err(AppError::Invalid(Problem::TooLong(field)));
    }
    Ok(text.to_owned())
}

fn number(text: &str, default: u32, field: &'static str, max: u32) -> Result<u32, AppError> {
    match text.trim() {
        "" => Ok(default),
        t => t
            .parse()
            .ok()
            .filter(|n| *n <= max)
            .ok_or(AppError::Invalid(Problem::Number(field))),
    }
}

impl App {
    /// The school's booking settings (the zone C calendar until the headteacher sets it).
    pub fn booking_settings(&self) -> Result<BookingSettings, AppError> {
        let read = self.store.read()?;
        Ok(db::settings(&read)?.unwrap_or_else(|| BookingSettings::new(Zone::C)))
    }

    fn may_on_school(&self, me: &Subject, action: Action) -> Result<(), AppError> {
        if self.directory().can_on_school(me, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    fn may_on_booking(&self, me: &Subject, action: Action, b: &Booking) -> bool {
        let dir = self.directory();
        can(
            me,
            action,
            &Object::Booking {
                holder: b.holder,
                school: dir.uai(),
            },
        )
    }

    /// Every bookable (withdrawn ones too for the headteacher), by name.
    pub fn bookables(&self, me: &Subject) -> Result<Vec<Bookable>, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        let manage = self.directory().can_on_school(me, Action::ManageBookables);
        let mut all: Vec<Bookable> = self
            .store
            .read()?
            .all::<Bookable>()?
            .into_iter()
            .filter(|b| manage || !b.archived)
            .collect();
        all.sort_by(|a, b| (a.archived, &a.name).cmp(&(b.archived, &b.name)));
        Ok(all)
    }

    /// One record of the school's bookings, for whoever may see them.
    fn viewable<R: Record>(&self, me: &Subject, key: u64) -> Result<R, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        self.store.read()?.get::<R>(key)?.ok_or(AppError::NotFound)
    }

    /// One bookable.
    pub fn bookable(&self, me: &Subject, id: BookableId) -> Result<Bookable, AppError> {
        self.viewable(me, id.0)
    }

    /// Adds a bookable (`id: None`) or changes one.
    pub fn save_bookable(
        &self,
        me: &Subject,
        id: Option<BookableId>,
        form: &BookableForm,
    ) -> Result<Bookable, AppError> {
        self.may_on_school(me, Action::ManageBookables)?;
        let name = line(&form.name, "nom", MAX_LINE)?;
        if name.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("nom")));
        }
        let kind = form
            .kind
            .ok_or(AppError::Invalid(Problem::Missing("type")))?;
        let description = line(&form.description, "description", MAX_TEXT)?;
        let place = line(&form.place, "lieu", MAX_LINE)?;
        let capacity = match form.capacity.trim() {
            "" | "0" => None,
            t => Some(number(t, 0, "capacité", 10_000)?),
        };
        let quantity = number(&form.quantity, 1, "quantité", MAX_QUANTITY)?.max(1);
        self.store.write(|w| {
            let mut bookable = match id {
                Some(id) => w.get::<Bookable>(id.0)?.ok_or(AppError::NotFound)?,
                None => {
                    let token = tokens::secret_token();
                    let bookable = Bookable {
                        id: BookableId(random_u64()),
                        name: String::new(),
                        kind,
                        description: String::new(),
                        place: String::new(),
                        capacity: None,
                        quantity: 1,
                        needs_approval: false,
                        archived: false,
                        feed_token: token,
                    };
                    db::set_feed_token(w, &bookable.feed_token, bookable.id.0)?;
                    bookable
                }
            };
            bookable.name = name;
            bookable.kind = kind;
            bookable.description = description;
            bookable.place = place;
            bookable.capacity = capacity;
            bookable.quantity = quantity;
            bookable.needs_approval = form.needs_approval;
            bookable.archived = form.archived;
            w.put(&bookable)?;
            Ok::<_, AppError>(bookable)
        })
    }

    /// Saves the school calendar and the booking limits.
    pub fn save_booking_settings(
        &self,
        me: &Subject,
        form: &CalendarForm,
    ) -> Result<BookingSettings, AppError> {
        self.may_on_school(me, Action::ManageBookables)?;
        let zone = Zone::parse(&form.zone).ok_or(AppError::Invalid(Problem::Missing("zone")))?;
        let holidays = if form.holidays.trim().is_empty() {
            calendar::shipped_holidays(zone)
        } else {
            calendar::parse_holidays(&form.holidays)
                .map_err(|e| AppError::Invalid(Problem::HolidayLine(e.line)))?
        };
        let periods =
            calendar::parse_periods(&form.periods).ok_or(AppError::Invalid(Problem::Periods))?;
        let settings = BookingSettings {
            calendar: calendar::SchoolCalendar {
                zone,
                holidays,
                wednesday_morning: form.wednesday_morning,
                periods,
            },
            max_per_week: number(&form.max_per_week, 0, "réservations par semaine", 1000)?,
            max_days_ahead: number(&form.max_days_ahead, 0, "jours à l'avance", 1000)?,
        };
        self.store.write(|w| w.put(&settings))?;
        Ok(settings)
    }

    /// Paris civil date and times to Unix seconds.
    fn instants(date: Date, start: Time, end: Time) -> Result<(i64, i64), AppError> {
        let at = |t: Time| paris::instant(date.to_datetime(t));
        match (at(start), at(end)) {
            (Some(s), Some(e)) if e > s && e - s <= MAX_BOOKING_SECONDS => Ok((s, e)),
            _ => Err(AppError::Invalid(Problem::BookingTime)),
        }
    }
}
