//! Grids of bookings (a bookable's week, a person's week, the school's day) and what is free
//! now.

use crate::{App, AppError, paris};
use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};
use preau_core::booking::peak_use;
use preau_core::calendar::Period;
use preau_core::{Action, Bookable, BookableId, Booking, BookingSettings, Subject, UserId};
use preau_store::bookings as db;

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

impl App {
    pub(super) fn entry(&self, me: &Subject, bookables: &[Bookable], booking: Booking) -> Entry {
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
}

#[derive(Clone, Copy)]
enum Layout {
    DaysAcross,
    PersonWeek,
    BookablesDown,
}

/// Monday to Friday of the week starting `monday`.
pub(super) fn week_days(monday: Date) -> Vec<Date> {
    (0..5)
        .filter_map(|d| monday.checked_add(d.days()).ok())
        .filter(|d| d.weekday() != Weekday::Saturday)
        .collect()
}

/// Unix seconds from the start of the first day to the end of the last.
pub(super) fn span(days: &[Date]) -> (i64, i64) {
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
