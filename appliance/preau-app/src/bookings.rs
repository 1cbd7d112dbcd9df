//! Booking rooms and equipment: the headteacher manages what can be booked and the school
//! calendar; teachers book one-off or weekly, by period or by quarter hour; conflicts are
//! refused inside one write transaction, so two bookings can never hold the same item.

use crate::{App, AppError, Problem, paris, tokens};
use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};
use preau_core::booking::{MAX_BOOKING_SECONDS, fits, peak_use};
use preau_core::calendar::{self, Closure, Period, Recurrence, Zone};
use preau_core::{
    Action, Bookable, BookableId, BookableKind, Booking, BookingId, BookingNotice, BookingSettings,
    BookingStatus, NoticeId, Object, PersonFeed, Role, Series, SeriesId, Subject, UserId, can,
};
use preau_store::bookings as db;
use preau_store::schema::random_u64;
use preau_store::{Record, StoreError, Writer};

/// Longest name, place or purpose, in characters.
const MAX_LINE: usize = 200;
/// Longest description, in characters.
const MAX_TEXT: usize = 2_000;
/// The largest pool.
const MAX_QUANTITY: u32 = 500;
/// What a feed shows: from a month back to a year ahead.
const FEED_PAST_SECONDS: i64 = 31 * 24 * 3600;
const FEED_AHEAD_SECONDS: i64 = 400 * 24 * 3600;

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

/// One booking as a grid shows it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The booking.
    pub booking: Booking,
    /// What is booked.
    pub bookable_name: String,
    /// Who holds it.
    pub holder_name: String,
    /// "9 h 00 – 10 h 00".
    pub times: String,
    /// Whether the viewer holds it.
    pub mine: bool,
    /// Whether the viewer may change or cancel it.
    pub manage: bool,
}

/// One cell of a grid: a bookable during one stretch of one day.
#[derive(Clone, Debug)]
pub struct Cell {
    /// The bookable (for the "book" link), when the grid is about one.
    pub bookable: Option<BookableId>,
    /// The day.
    pub date: Date,
    /// The stretch.
    pub period: Period,
    /// Bookings overlapping it.
    pub entries: Vec<Entry>,
    /// Items still free during the whole stretch (0 when taken or closed).
    pub free: u32,
    /// Why the school is closed then, if it is.
    pub closed: Option<String>,
    /// Whether the stretch is over.
    pub past: bool,
}

/// A row of a grid.
#[derive(Clone, Debug)]
pub struct Row {
    /// Its label (a period, or a bookable).
    pub label: String,
    /// Its cells, one per column.
    pub cells: Vec<Cell>,
}

/// A table of cells: a week (columns: days; rows: periods) or a day (columns: periods; rows:
/// bookables).
#[derive(Clone, Debug)]
pub struct Grid {
    /// Column headings.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Bookings outside every period, by column.
    pub others: Vec<Vec<Entry>>,
}

/// A bookable as "free now" shows it.
#[derive(Clone, Debug)]
pub struct FreeNow {
    /// The bookable.
    pub bookable: Bookable,
    /// Items free from now to the end of the current period.
    pub free: u32,
    /// The stretch a quick booking would take (now's period), if the school is open.
    pub period: Option<Period>,
    /// Who holds it now, if it is taken.
    pub held_by: Vec<String>,
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

    /// Books a bookable once or weekly. Every date is checked and booked in one write
    /// transaction: either all are booked, or none and the first conflict is reported.
    pub fn book(&self, me: &Subject, request: &BookingRequest) -> Result<Booked, AppError> {
        self.may_on_school(me, Action::Book)?;
        let settings = self.booking_settings()?;
        let first = parse_date(&request.date, "date de réservation")?;
        let (start, end) = (parse_quarter(&request.start)?, parse_quarter(&request.end)?);
        if end <= start {
            return Err(AppError::Invalid(Problem::BookingTime));
        }
        let purpose = line(&request.purpose, "objet", MAX_LINE)?;
        let quantity = request.quantity.max(1);
        let every_weeks = match request.repeat {
            Repeat::Once => None,
            Repeat::Weekly => Some(1),
            Repeat::Fortnightly => Some(2),
        };
        let (dates, skipped, rule) = match every_weeks {
            None => {
                if let Some(why) = settings.calendar.closure(first, start, end) {
                    return Err(AppError::Invalid(Problem::SchoolClosed(
                        paris::day(first),
                        why.french(),
                    )));
                }
                (vec![first], Vec::new(), None)
            }
            Some(every_weeks) => {
                let until = parse_date(&request.until, "date de fin")?;
                let rule = Recurrence { every_weeks, until };
                let found = settings.calendar.weekly(first, rule, start, end);
                if found.truncated {
                    return Err(AppError::Invalid(Problem::SeriesTooLong(
                        calendar::MAX_OCCURRENCES,
                    )));
                }
                if found.dates.is_empty() {
                    return Err(AppError::Invalid(Problem::NoDate));
                }
                (found.dates, found.skipped, Some(rule))
            }
        };
        let mut slots = Vec::with_capacity(dates.len());
        for date in &dates {
            slots.push(Self::instants(*date, start, end)?);
        }
        let now = self.now();
        if slots.first().is_some_and(|(s, _)| *s < now) {
            return Err(AppError::Invalid(Problem::BookingPast));
        }
        let limited = me.role != Role::Headteacher;
        if limited {
            check_days_ahead(&settings, now, dates.last().copied().unwrap_or(first))?;
        }
        let dir = self.directory();
        let series_id = rule.map(|_| SeriesId(random_u64()));
        let made = self.store.write(|w| {
            let bookable = w
                .get::<Bookable>(request.bookable.0)?
                .filter(|b| !b.archived)
                .ok_or(AppError::NotFound)?;
            if quantity > bookable.quantity {
                return Err(AppError::Invalid(Problem::Quantity(bookable.quantity)));
            }
            let status = if bookable.needs_approval && limited {
                BookingStatus::Pending
            } else {
                BookingStatus::Confirmed
            };
            if limited {
                check_weekly_limit(w, &settings, me.user, &slots, None)?;
            }
            let mut made = Vec::with_capacity(slots.len());
            for (start, end) in &slots {
                let around = db::bookings_of(w, bookable.id, *start, *end)?;
                if !fits(&bookable, &around, *start, *end, quantity) {
                    return Err(AppError::Invalid(taken(
                        &dir, &bookable, &around, *start, *end,
                    )));
                }
                let booking = Booking {
                    id: BookingId(random_u64()),
                    bookable: bookable.id,
                    holder: me.user,
                    quantity,
                    start: *start,
                    end: *end,
                    purpose: purpose.clone(),
                    series: series_id,
                    status,
                    created: now,
                };
                db::save_booking(w, &booking)?;
                made.push(booking);
            }
            if let (Some(id), Some(rule)) = (series_id, rule) {
                w.put(&Series {
                    id,
                    bookable: bookable.id,
                    holder: me.user,
                    first,
                    start,
                    end,
                    rule,
                })?;
            }
            Ok::<_, AppError>(made)
        })?;
        Ok(Booked {
            bookings: made,
            skipped,
        })
    }

    /// One booking, for whoever may see the school's bookings.
    pub fn booking(&self, me: &Subject, id: BookingId) -> Result<Booking, AppError> {
        self.viewable(me, id.0)
    }

    /// Cancels a booking, or it and the rest of its series (`rest_of_series`). The holder is
    /// told when someone else (the headteacher) cancels.
    pub fn cancel_booking(
        &self,
        me: &Subject,
        id: BookingId,
        rest_of_series: bool,
    ) -> Result<usize, AppError> {
        let booking = self.booking(me, id)?;
        if !self.may_on_booking(me, Action::ManageBooking, &booking) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        self.store.write(|w| {
            let mut targets = vec![booking.clone()];
            if let (true, Some(series)) = (rest_of_series, booking.series) {
                targets = db::bookings_held_by(w, booking.holder, booking.start, i64::MAX / 2)?
                    .into_iter()
                    .filter(|b| b.series == Some(series))
                    .collect();
            }
            let mut count = 0;
            for mut b in targets.into_iter().filter(|b| b.status.holds()) {
                b.status = BookingStatus::Cancelled;
                db::save_booking(w, &b)?;
                count += 1;
            }
            if booking.holder != me.user && count > 0 {
                let what = describe(w, &booking)?;
                let text = if count > 1 {
                    format!("La direction a annulé {count} séances de votre réservation {what}.")
                } else {
                    format!("La direction a annulé votre réservation {what}.")
                };
                notify(w, booking.holder, text, now)?;
            }
            Ok::<_, AppError>(count)
        })
    }

    /// Moves a booking to another date and times (its holder, or the headteacher, who then
    /// tells the holder). The new time is checked like a new booking.
    pub fn move_booking(
        &self,
        me: &Subject,
        id: BookingId,
        date: &str,
        start: &str,
        end: &str,
    ) -> Result<Booking, AppError> {
        let booking = self.booking(me, id)?;
        if !self.may_on_booking(me, Action::ManageBooking, &booking) || !booking.status.holds() {
            return Err(AppError::Forbidden);
        }
        let settings = self.booking_settings()?;
        let date = parse_date(date, "date de réservation")?;
        let (start, end) = (parse_quarter(start)?, parse_quarter(end)?);
        if let Some(why) = settings.calendar.closure(date, start, end) {
            return Err(AppError::Invalid(Problem::SchoolClosed(
                paris::day(date),
                why.french(),
            )));
        }
        let (from, to) = Self::instants(date, start, end)?;
        let now = self.now();
        if from < now {
            return Err(AppError::Invalid(Problem::BookingPast));
        }
        let limited = me.role != Role::Headteacher;
        if limited {
            check_days_ahead(&settings, now, date)?;
        }
        let dir = self.directory();
        self.store.write(|w| {
            let bookable = w
                .get::<Bookable>(booking.bookable.0)?
                .ok_or(AppError::NotFound)?;
            if limited {
                check_weekly_limit(w, &settings, booking.holder, &[(from, to)], Some(booking.id))?;
            }
            let others: Vec<Booking> = db::bookings_of(w, bookable.id, from, to)?
                .into_iter()
                .filter(|b| b.id != booking.id)
                .collect();
            if !fits(&bookable, &others, from, to, booking.quantity) {
                return Err(AppError::Invalid(taken(&dir, &bookable, &others, from, to)));
            }
            let before = describe(w, &booking)?;
            let mut moved = booking.clone();
            moved.start = from;
            moved.end = to;
            if bookable.needs_approval && limited {
                // A new time needs the headteacher's approval again.
                moved.status = BookingStatus::Pending;
            }
            db::save_booking(w, &moved)?;
            if booking.holder != me.user {
                let after = format!(
                    "{} de {} à {}",
                    paris::long_day(from),
                    paris::clock(from),
                    paris::clock(to)
                );
                notify(
                    w,
                    booking.holder,
                    format!("La direction a déplacé votre réservation {before} : elle a maintenant lieu le {after}."),
                    now,
                )?;
            }
            Ok::<_, AppError>(moved)
        })
    }

    /// Bookings waiting for the headteacher's decision, soonest first.
    pub fn pending_bookings(&self, me: &Subject) -> Result<Vec<Entry>, AppError> {
        self.may_on_school(me, Action::ManageBookables)?;
        let read = self.store.read()?;
        let now = self.now();
        let mut pending: Vec<Booking> = read
            .all::<Booking>()?
            .into_iter()
            .filter(|b| b.status == BookingStatus::Pending && b.end > now)
            .collect();
        pending.sort_by_key(|b| b.start);
        let bookables = read.all::<Bookable>()?;
        Ok(pending
            .into_iter()
            .map(|b| self.entry(me, &bookables, b))
            .collect())
    }

    /// Approves or refuses a pending booking; its holder is told.
    pub fn decide_booking(
        &self,
        me: &Subject,
        id: BookingId,
        approve: bool,
    ) -> Result<Booking, AppError> {
        self.may_on_school(me, Action::ManageBookables)?;
        let now = self.now();
        self.store.write(|w| {
            let mut booking = w
                .get::<Booking>(id.0)?
                .filter(|b| b.status == BookingStatus::Pending)
                .ok_or(AppError::NotFound)?;
            booking.status = if approve {
                BookingStatus::Confirmed
            } else {
                BookingStatus::Refused
            };
            db::save_booking(w, &booking)?;
            let what = describe(w, &booking)?;
            let verdict = if approve { "validé" } else { "refusé" };
            notify(
                w,
                booking.holder,
                format!("La direction a {verdict} votre réservation {what}."),
                now,
            )?;
            Ok::<_, AppError>(booking)
        })
    }

    /// The notices waiting for a person, oldest first.
    pub fn booking_notices(&self, me: &Subject) -> Result<Vec<BookingNotice>, AppError> {
        Ok(db::notices_of(&self.store.read()?, me.user)?)
    }

    /// Dismisses one of one's notices.
    pub fn dismiss_notice(&self, me: &Subject, id: NoticeId) -> Result<(), AppError> {
        self.store.write(|w| {
            let notice = w
                .get::<BookingNotice>(id.0)?
                .filter(|n| n.user == me.user)
                .ok_or(AppError::NotFound)?;
            db::delete_notice(w, &notice)?;
            Ok(())
        })
    }

    fn entry(&self, me: &Subject, bookables: &[Bookable], booking: Booking) -> Entry {
        let dir = self.directory();
        Entry {
            bookable_name: bookables
                .iter()
                .find(|b| b.id == booking.bookable)
                .map(|b| b.name.clone())
                .unwrap_or_default(),
            holder_name: dir
                .user(booking.holder)
                .map(|u| u.full_name())
                .unwrap_or_default(),
            times: format!(
                "{} – {}",
                paris::clock(booking.start),
                paris::clock(booking.end)
            ),
            mine: booking.holder == me.user,
            manage: self.may_on_booking(me, Action::ManageBooking, &booking),
            booking,
        }
    }

    /// The week of `monday` for one bookable: columns are the school days, rows the periods.
    pub fn bookable_week(
        &self,
        me: &Subject,
        id: BookableId,
        monday: Date,
    ) -> Result<(Bookable, Grid), AppError> {
        let bookable = self.bookable(me, id)?;
        let settings = self.booking_settings()?;
        let days = week_days(monday);
        let (from, to) = span(&days);
        let read = self.store.read()?;
        let held: Vec<Booking> = db::bookings_of(&read, id, from, to)?
            .into_iter()
            .filter(|b| b.status.holds())
            .collect();
        let bookables = std::slice::from_ref(&bookable);
        let grid = self.grid(
            me,
            &settings,
            &days,
            &settings.calendar.periods,
            bookables,
            &held,
            Layout::DaysAcross,
        );
        Ok((bookable, grid))
    }

    /// The week of `monday` for one person's bookings (oneself, or anyone for the
    /// headteacher).
    pub fn person_week(&self, me: &Subject, who: UserId, monday: Date) -> Result<Grid, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        if who != me.user && !self.directory().can_on_school(me, Action::ManageBookables) {
            return Err(AppError::Forbidden);
        }
        let settings = self.booking_settings()?;
        let days = week_days(monday);
        let (from, to) = span(&days);
        let read = self.store.read()?;
        let held: Vec<Booking> = db::bookings_held_by(&read, who, from, to)?
            .into_iter()
            .filter(|b| b.status.holds())
            .collect();
        let bookables = read.all::<Bookable>()?;
        Ok(self.grid(
            me,
            &settings,
            &days,
            &settings.calendar.periods,
            &bookables,
            &held,
            Layout::PersonWeek,
        ))
    }

    /// One day for the whole school: rows are the bookables, columns the periods.
    pub fn school_day(&self, me: &Subject, date: Date) -> Result<Grid, AppError> {
        let bookables = self.bookables(me)?;
        let bookables: Vec<Bookable> = bookables.into_iter().filter(|b| !b.archived).collect();
        let settings = self.booking_settings()?;
        let days = [date];
        let (from, to) = span(&days);
        let read = self.store.read()?;
        let mut held = Vec::new();
        for b in &bookables {
            held.extend(
                db::bookings_of(&read, b.id, from, to)?
                    .into_iter()
                    .filter(|b| b.status.holds()),
            );
        }
        Ok(self.grid(
            me,
            &settings,
            &days,
            &settings.calendar.periods,
            &bookables,
            &held,
            Layout::BookablesDown,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn grid(
        &self,
        me: &Subject,
        settings: &BookingSettings,
        days: &[Date],
        periods: &[Period],
        bookables: &[Bookable],
        held: &[Booking],
        layout: Layout,
    ) -> Grid {
        let now = self.now();
        let cell = |bookable: Option<&Bookable>, date: Date, period: Period| -> Cell {
            let closed = settings
                .calendar
                .closure(date, period.start, period.end)
                .map(|c| c.french());
            let (from, to) = Self::instants(date, period.start, period.end).unwrap_or((0, 0));
            let entries: Vec<Entry> = held
                .iter()
                .filter(|b| bookable.is_none_or(|x| x.id == b.bookable) && b.blocks(from, to))
                .map(|b| self.entry(me, bookables, b.clone()))
                .collect();
            let free = match (bookable, &closed) {
                (Some(x), None) => {
                    let around = held.iter().filter(|b| b.bookable == x.id);
                    x.quantity.saturating_sub(peak_use(around, from, to))
                }
                _ => 0,
            };
            Cell {
                bookable: bookable.map(|b| b.id),
                date,
                period,
                entries,
                free,
                closed,
                past: to <= now,
            }
        };
        let outside = |date: Date| -> Vec<Entry> {
            held.iter()
                .filter(|b| paris::civil(b.start).date() == date)
                .filter(|b| {
                    !periods.iter().any(|p| {
                        Self::instants(date, p.start, p.end)
                            .is_ok_and(|(from, to)| b.blocks(from, to))
                    })
                })
                .map(|b| self.entry(me, bookables, b.clone()))
                .collect()
        };
        match layout {
            Layout::DaysAcross | Layout::PersonWeek => {
                let bookable = match layout {
                    Layout::DaysAcross => bookables.first(),
                    _ => None,
                };
                Grid {
                    columns: days.iter().map(|d| paris::day(*d)).collect(),
                    rows: periods
                        .iter()
                        .map(|p| Row {
                            label: p.label(),
                            cells: days.iter().map(|d| cell(bookable, *d, *p)).collect(),
                        })
                        .collect(),
                    others: days.iter().map(|d| outside(*d)).collect(),
                }
            }
            Layout::BookablesDown => {
                let date = days.first().copied().unwrap_or_default();
                Grid {
                    columns: periods.iter().map(Period::label).collect(),
                    rows: bookables
                        .iter()
                        .map(|b| Row {
                            label: b.name.clone(),
                            cells: periods.iter().map(|p| cell(Some(b), date, *p)).collect(),
                        })
                        .collect(),
                    others: vec![outside(date)],
                }
            }
        }
    }

    /// Every bookable with what is free from now to the end of the current period, for a
    /// quick booking from a classroom tablet.
    pub fn free_now(&self, me: &Subject) -> Result<Vec<FreeNow>, AppError> {
        let bookables = self.bookables(me)?;
        let settings = self.booking_settings()?;
        let now = self.now();
        let here = paris::civil(now);
        let date = here.date();
        let period = settings
            .calendar
            .periods_on(date)
            .into_iter()
            .find(|p| p.end > here.time());
        let read = self.store.read()?;
        let dir = self.directory();
        let mut out = Vec::new();
        for bookable in bookables.into_iter().filter(|b| !b.archived) {
            let (from, to) = match period {
                Some(p) => Self::instants(date, p.start.max(here.time()), p.end)?,
                None => (now, now + 1),
            };
            let around = db::bookings_of(&read, bookable.id, from, to)?;
            let busy: Vec<&Booking> = around.iter().filter(|b| b.blocks(from, to)).collect();
            let free = match period {
                Some(_) => {
                    bookable
                        .quantity
                        .saturating_sub(peak_use(busy.iter().copied(), from, to))
                }
                None => 0,
            };
            out.push(FreeNow {
                held_by: busy
                    .iter()
                    .filter_map(|b| dir.user(b.holder).map(|u| u.full_name()))
                    .collect(),
                bookable,
                free,
                period,
            });
        }
        Ok(out)
    }

    /// The secret address part of one's own feed, made on first use.
    pub fn my_feed_token(&self, me: &Subject) -> Result<String, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        if let Some(feed) = self.store.read()?.get::<PersonFeed>(me.user.0)? {
            return Ok(feed.token);
        }
        self.renew_my_feed(me)
    }

    /// Replaces one's feed secret (the old address stops working).
    pub fn renew_my_feed(&self, me: &Subject) -> Result<String, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        self.store.write(|w| {
            if let Some(old) = w.get::<PersonFeed>(me.user.0)? {
                db::remove_feed_token(w, &old.token)?;
            }
            let feed = PersonFeed {
                user: me.user,
                token: tokens::secret_token(),
            };
            db::set_feed_token(w, &feed.token, me.user.0)?;
            w.put(&feed)?;
            Ok::<_, AppError>(feed.token)
        })
    }

    /// The iCalendar feed a secret opens (a bookable's or a person's), with its name.
    /// Unknown secrets, withdrawn people and bookables open nothing.
    pub fn booking_feed(&self, token: &str) -> Result<(String, String), AppError> {
        let read = self.store.read()?;
        let owner = db::feed_owner(&read, token)?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let (from, to) = (now - FEED_PAST_SECONDS, now + FEED_AHEAD_SECONDS);
        let bookables = read.all::<Bookable>()?;
        let dir = self.directory();
        let (name, bookings) = if let Some(b) = bookables
            .iter()
            .find(|b| b.id.0 == owner && b.feed_token == token)
        {
            (b.name.clone(), db::bookings_of(&read, b.id, from, to)?)
        } else {
            let person = dir
                .user(UserId(owner))
                .filter(|u| !u.archived)
                .ok_or(AppError::NotFound)?;
            let subject = dir.subject(person);
            if !dir.can_on_school(&subject, Action::ViewBookings) {
                return Err(AppError::NotFound);
            }
            (
                format!("Réservations de {}", person.full_name()),
                db::bookings_held_by(&read, person.id, from, to)?,
            )
        };
        let mut series_ids: Vec<SeriesId> = bookings.iter().filter_map(|b| b.series).collect();
        series_ids.sort();
        series_ids.dedup();
        let mut series = Vec::new();
        for id in series_ids {
            series.extend(read.get::<Series>(id.0)?);
        }
        let items: Vec<crate::ical::FeedItem<'_>> = bookings
            .iter()
            .map(|b| {
                let bookable = bookables.iter().find(|x| x.id == b.bookable);
                let holder = dir
                    .user(b.holder)
                    .map(|u| u.full_name())
                    .unwrap_or_default();
                crate::ical::FeedItem {
                    booking: b,
                    summary: format!(
                        "{} — {}",
                        bookable.map(|x| x.name.as_str()).unwrap_or_default(),
                        holder
                    ),
                    location: bookable.map(|x| x.place.clone()).unwrap_or_default(),
                    description: b.purpose.clone(),
                }
            })
            .collect();
        Ok((name.clone(), crate::ical::feed(&name, &items, &series, now)))
    }
}

#[derive(Clone, Copy)]
enum Layout {
    DaysAcross,
    PersonWeek,
    BookablesDown,
}

/// Monday to Friday of the week starting `monday`.
fn week_days(monday: Date) -> Vec<Date> {
    (0..5)
        .filter_map(|d| monday.checked_add(d.days()).ok())
        .filter(|d| d.weekday() != Weekday::Saturday)
        .collect()
}

/// Unix seconds from the start of the first day to the end of the last.
fn span(days: &[Date]) -> (i64, i64) {
    let first = days.first().copied().unwrap_or_default();
    let last = days.last().copied().unwrap_or_default();
    let from = paris::instant(first.to_datetime(Time::midnight())).unwrap_or(0);
    let to = last
        .tomorrow()
        .ok()
        .and_then(|d| paris::instant(d.to_datetime(Time::midnight())))
        .unwrap_or(from);
    (from, to)
}

/// Refuses a booking whose last date is further ahead than teachers may book.
fn check_days_ahead(settings: &BookingSettings, now: i64, last: Date) -> Result<(), AppError> {
    let ahead = today(now).until(last).map(|s| s.get_days()).unwrap_or(0);
    if settings.max_days_ahead > 0 && ahead > settings.max_days_ahead as i32 {
        return Err(AppError::Invalid(Problem::TooFarAhead(
            settings.max_days_ahead,
        )));
    }
    Ok(())
}

/// Refuses bookings (`slots`) unless the holder keeps within the weekly limit in every week
/// touched; `moved` is a booking of theirs that the slots replace.
fn check_weekly_limit(
    w: &Writer,
    settings: &BookingSettings,
    holder: UserId,
    slots: &[(i64, i64)],
    moved: Option<BookingId>,
) -> Result<(), AppError> {
    let limit = settings.max_per_week;
    if limit == 0 {
        return Ok(());
    }
    let mut weeks: Vec<Date> = slots
        .iter()
        .map(|(s, _)| monday_of(paris::civil(*s).date()))
        .collect();
    weeks.dedup();
    for monday in weeks {
        let (from, to) = span(&week_days(monday));
        let held = db::bookings_held_by(w, holder, from, to)?
            .into_iter()
            .filter(|b| b.status.holds() && b.start >= from && Some(b.id) != moved)
            .count();
        let new = slots.iter().filter(|(s, _)| *s >= from && *s < to).count();
        if held + new > limit as usize {
            return Err(AppError::Invalid(Problem::WeeklyLimit(limit)));
        }
    }
    Ok(())
}

/// The refusal for a taken slot: who holds it, and when.
fn taken(
    dir: &crate::directory::Directory,
    bookable: &Bookable,
    around: &[Booking],
    start: i64,
    end: i64,
) -> Problem {
    let blocking: Vec<&Booking> = around.iter().filter(|b| b.blocks(start, end)).collect();
    let mut holders: Vec<String> = blocking
        .iter()
        .filter_map(|b| dir.user(b.holder).map(|u| u.full_name()))
        .collect();
    holders.sort();
    holders.dedup();
    let when = format!(
        "le {} de {} à {}",
        paris::long_day(start),
        paris::clock(start),
        paris::clock(end)
    );
    if bookable.is_pool() {
        let free = bookable
            .quantity
            .saturating_sub(peak_use(blocking.iter().copied(), start, end));
        Problem::PoolFull {
            name: bookable.name.clone(),
            free,
            when,
        }
    } else {
        Problem::SlotTaken {
            name: bookable.name.clone(),
            holders,
            when,
        }
    }
}

/// "du vidéoprojecteur le mardi 1 décembre 2026 de 9 h 00 à 10 h 00", for notices.
fn describe(w: &Writer, booking: &Booking) -> Result<String, StoreError> {
    let name = w
        .get::<Bookable>(booking.bookable.0)?
        .map(|b| b.name)
        .unwrap_or_default();
    Ok(format!(
        "« {name} » du {} de {} à {}",
        paris::long_day(booking.start),
        paris::clock(booking.start),
        paris::clock(booking.end)
    ))
}

fn notify(w: &mut Writer, user: UserId, text: String, now: i64) -> Result<(), StoreError> {
    db::save_notice(
        w,
        &BookingNotice {
            id: NoticeId(random_u64()),
            user,
            text,
            created: now,
        },
    )
}
