//! Booking rooms and equipment in the browser: "free now" and notices, week grids (per
//! bookable, per person), the school's day, the booking form, a booking's page, the printable
//! door sheet, the headteacher's rooms-and-equipment and calendar pages, and the iCalendar
//! feeds (outside sessions and CSRF, for calendar programs).

mod admin;
mod booking;
mod form;
mod grids;

pub use admin::{
    BookableFields, CalendarFields, SavedQuery, add_bookable, bookable_edit, bookables,
    calendar_form, save_bookable, save_calendar,
};
pub use booking::{CancelForm, DecideForm, MoveForm, booking, cancel, decide, move_booking};
pub use form::{BookFields, book, book_form};
pub use grids::{
    DayQuery, WeekQuery, bookable_sheet, bookable_week, my_week, person_week, school_day,
};

use super::{Layout, redirect, render};
use crate::WebState;
use crate::error::{WebError, refusal};
use crate::forms::WebPath;
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::{Date, Time};
use preau_app::bookings::{monday_of, today};
use preau_app::{AppError, paris};
use preau_core::calendar;
use preau_core::{Action, BookableId, NoticeId};

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/// A time as a query parameter and a form value read it: "9:30".
fn clock_param(t: Time) -> String {
    format!("{}:{:02}", t.hour(), t.minute())
}

/// A typed time as a time input's value ("09:30"), or as typed when it does not read.
fn time_value(text: &str) -> String {
    calendar::parse_clock(text)
        .map(|t| format!("{:02}:{:02}", t.hour(), t.minute()))
        .unwrap_or_else(|| text.trim().to_owned())
}

/// An ISO date as typed, or none.
fn iso_date(text: &str) -> Option<Date> {
    text.trim().parse().ok()
}

/// The Monday of the week asked for (`?semaine=`), this week by default.
fn week_asked(state: &WebState, text: &str) -> Date {
    monday_of(iso_date(text).unwrap_or_else(|| today(state.app.now())))
}

/// "Semaine du lundi 30 novembre 2026".
fn week_label(monday: Date) -> String {
    format!("Semaine du {} {}", paris::day(monday), monday.year())
}

fn shift(date: Date, days: i32) -> Date {
    date.checked_add(days.days()).unwrap_or(date)
}

/// The address of an iCalendar feed, as a calendar program subscribes to it.
fn feed_url(state: &WebState, token: &str) -> String {
    format!(
        "{}{}.ics",
        state.public_url.trim_end_matches('/'),
        with(paths::FEED, token)
    )
}

/// A week page's address.
fn week_url(pattern: &str, id: Option<u64>, monday: Date) -> String {
    let path = match id {
        Some(id) => with(pattern, id),
        None => pattern.to_owned(),
    };
    format!("{path}?semaine={monday}")
}

/// Whether the headteacher's pages are open to this person.
fn manages(state: &WebState, me: &Me) -> bool {
    state
        .app
        .directory()
        .can_on_school(&me.current.subject, Action::ManageBookables)
}

fn manager_only(state: &WebState, me: &Me) -> Result<(), WebError> {
    if manages(state, me) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// Refusals shown again on the page; other errors become error pages.
fn refused(e: AppError) -> Result<(StatusCode, String), WebError> {
    match e {
        AppError::Invalid(p) => Ok(refusal(&p)),
        e => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Home: free now, notices, links.

struct FreeView {
    name: String,
    week_url: String,
    place: String,
    status: String,
    free: bool,
    /// The quick booking: bookable, date, start, end, button label.
    quick: Option<(BookableId, String, String, String, String)>,
}

struct PendingView {
    url: String,
    decide_url: String,
    bookable: String,
    holder: String,
    when: String,
}

#[derive(Template)]
#[template(path = "bookings.html")]
struct HomeView {
    layout: Layout,
    period: Option<String>,
    free: Vec<FreeView>,
    notices: Vec<(String, String, String)>,
    bookables: Vec<(String, String, &'static str, String)>,
    manage: bool,
    pending: Vec<PendingView>,
    feed_url: String,
    my_week_url: String,
    day_url: String,
}

/// The next quarter hour from `now` (itself when on one).
fn next_quarter(now: Time) -> Option<Time> {
    let minutes = i32::from(now.hour()) * 60
        + i32::from(now.minute())
        + i32::from(now.second() > 0 || now.subsec_nanosecond() > 0);
    let up = (minutes + 14) / 15 * 15;
    Time::new(i8::try_from(up / 60).ok()?, (up % 60) as i8, 0, 0).ok()
}

/// `GET /reservations`.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let free_now = state.app.free_now(subject)?;
    let here = paris::civil(state.app.now());
    let period = free_now.iter().find_map(|f| f.period);
    let free = free_now
        .into_iter()
        .map(|f| {
            let b = &f.bookable;
            let status = match (f.period, f.free) {
                (None, _) => "École fermée".to_owned(),
                (Some(_), 0) if f.held_by.is_empty() => "Indisponible".to_owned(),
                (Some(_), 0) => format!("Occupé par {}", f.held_by.join(", ")),
                (Some(_), n) if b.is_pool() => format!("{n} / {} libres", b.quantity),
                (Some(_), _) => "Libre".to_owned(),
            };
            let quick = f.period.filter(|_| f.free > 0).and_then(|p| {
                let start = next_quarter(here.time())?.max(p.start);
                (start < p.end).then(|| {
                    (
                        b.id,
                        here.date().to_string(),
                        clock_param(start),
                        clock_param(p.end),
                        format!("Réserver jusqu'à {}", calendar::clock(p.end)),
                    )
                })
            });
            FreeView {
                name: b.name.clone(),
                week_url: with(paths::BOOKABLE_WEEK, b.id),
                place: b.place.clone(),
                status,
                free: f.free > 0,
                quick,
            }
        })
        .collect();
    let notices = state
        .app
        .booking_notices(subject)?
        .into_iter()
        .map(|n| {
            (
                with(paths::NOTICE_DISMISS, n.id),
                n.text,
                paris::long(n.created),
            )
        })
        .collect();
    let bookables = state
        .app
        .bookables(subject)?
        .into_iter()
        .filter(|b| !b.archived)
        .map(|b| {
            (
                with(paths::BOOKABLE_WEEK, b.id),
                b.name,
                b.kind.french(),
                b.place,
            )
        })
        .collect();
    let manage = manages(&state, &me);
    let pending = if manage {
        state
            .app
            .pending_bookings(subject)?
            .into_iter()
            .map(|e| PendingView {
                url: with(paths::BOOKING, e.booking.id),
                decide_url: with(paths::BOOKING_DECIDE, e.booking.id),
                when: format!("{}, {}", paris::long_day(e.booking.start), e.times),
                bookable: e.bookable_name,
                holder: e.holder_name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let token = state.app.my_feed_token(subject)?;
    render(HomeView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        period: period.map(|p| p.label()),
        free,
        notices,
        bookables,
        manage,
        pending,
        feed_url: feed_url(&state, &token),
        my_week_url: paths::MY_WEEK.to_owned(),
        day_url: format!("{}?date={}", paths::SCHOOL_DAY, here.date()),
    })
}

/// `POST /reservations/avis/{id}/lu`.
pub async fn dismiss_notice(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state
        .app
        .dismiss_notice(&me.current.subject, NoticeId(id))?;
    Ok(redirect(paths::BOOKINGS))
}

/// `POST /reservations/mon-agenda/renouveler`.
pub async fn renew_feed(State(state): State<WebState>, me: Me) -> Result<Response, WebError> {
    state.app.renew_my_feed(&me.current.subject)?;
    Ok(redirect(&format!("{}#agenda", paths::BOOKINGS)))
}

// ---------------------------------------------------------------------------------------------
// iCalendar feeds.

/// `GET /agenda/{secret}.ics`: a bookable's or a person's bookings for calendar programs.
/// Outside sessions and CSRF: the secret in the address is the key.
pub async fn feed(
    State(state): State<WebState>,
    WebPath(file): WebPath<String>,
) -> Result<Response, WebError> {
    let token = file.strip_suffix(".ics").ok_or(WebError::NotFound)?;
    let (_, text) = state.app.booking_feed(token)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"reservations.ics\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_bookings_start_on_the_next_quarter_hour() {
        let at = |h, m, s| next_quarter(Time::constant(h, m, s, 0));
        assert_eq!(at(9, 0, 0), Some(Time::constant(9, 0, 0, 0)));
        assert_eq!(at(9, 0, 1), Some(Time::constant(9, 15, 0, 0)));
        assert_eq!(at(9, 47, 0), Some(Time::constant(10, 0, 0, 0)));
        assert_eq!(at(23, 50, 0), None);
    }

    #[test]
    fn form_times_read_both_ways() {
        assert_eq!(time_value("9:30"), "09:30");
        assert_eq!(time_value("14h"), "14:00");
        assert_eq!(time_value("demain"), "demain");
        assert_eq!(clock_param(Time::constant(8, 5, 0, 0)), "8:05");
    }
}
