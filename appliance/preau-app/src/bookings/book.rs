//! Booking once or weekly, cancelling, moving, and the headteacher's decisions, with the
//! notices these leave for the holder.

use super::limits::{check_days_ahead, check_weekly_limit, taken};
use super::{Booked, BookingRequest, Entry, MAX_LINE, Repeat, line, parse_date, parse_quarter};
use crate::{App, AppError, Problem, paris};
use preau_core::booking::fits;
use preau_core::calendar::{self, Recurrence};
use preau_core::{
    Action, Bookable, Booking, BookingId, BookingNotice, BookingStatus, NoticeId, Role, Series,
    SeriesId, Subject, UserId,
};
use preau_store::bookings as db;
use preau_store::schema::random_u64;
use preau_store::{StoreError, Writer};

impl App {
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
