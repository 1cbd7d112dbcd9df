//! Booking rooms and equipment in the browser: "free now" and notices, week grids (per
//! bookable, per person), the school's day, the booking form, a booking's page, the printable
//! door sheet, the headteacher's rooms-and-equipment and calendar pages, and the iCalendar
//! feeds (outside sessions and CSRF, for calendar programs).

use super::{Layout, page_status, redirect, render, render_with};
use crate::WebState;
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};
use preau_app::bookings::{
    BookableForm, BookingRequest, CalendarForm, Entry, Grid, Repeat, monday_of, today,
};
use preau_app::{AppError, Problem, paris};
use preau_core::calendar::{self, Period};
use preau_core::{
    Action, Bookable, BookableId, BookableKind, Booking, BookingId, BookingStatus, NoticeId,
    Object, UserId, can,
};
use serde::Deserialize;

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

/// The booking form's address, prefilled for one bookable and one stretch of one day.
fn book_url(bookable: BookableId, date: Date, period: Period) -> String {
    format!(
        "{}?bookable={bookable}&date={date}&start={}&end={}",
        paths::BOOK,
        clock_param(period.start),
        clock_param(period.end)
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

/// What a grid shows of each booking: who holds it, or what it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    Holder,
    Bookable,
}

/// A booking in a grid cell.
struct EntryView {
    /// Its page (empty on the printed sheet).
    url: String,
    who: String,
    times: String,
    detail: String,
    mine: bool,
    pending: bool,
}

struct CellView {
    class: &'static str,
    closed: Option<String>,
    entries: Vec<EntryView>,
    free: Option<String>,
    book_url: Option<String>,
}

struct RowView {
    label: String,
    cells: Vec<CellView>,
}

/// A grid as the `booking_grid.html` include shows it.
struct GridView {
    caption: String,
    corner: &'static str,
    columns: Vec<String>,
    rows: Vec<RowView>,
    others: Vec<Vec<EntryView>>,
    has_others: bool,
}

fn entry_view(e: &Entry, show: Show, printable: bool, pool: bool) -> EntryView {
    let mut detail = Vec::new();
    if pool || e.booking.quantity > 1 {
        detail.push(format!("× {}", e.booking.quantity));
    }
    if e.booking.status == BookingStatus::Pending {
        detail.push("en attente".to_owned());
    }
    EntryView {
        url: if printable {
            String::new()
        } else {
            with(paths::BOOKING, e.booking.id)
        },
        who: match show {
            Show::Holder => e.holder_name.clone(),
            Show::Bookable => e.bookable_name.clone(),
        },
        times: e.times.clone(),
        detail: detail.join(", "),
        mine: e.mine && !printable,
        pending: e.booking.status == BookingStatus::Pending,
    }
}

/// Turns the application's grid into what the template shows; `bookables` gives the size of
/// pools ("8 / 15 libres").
fn grid_view(
    grid: Grid,
    caption: String,
    corner: &'static str,
    show: Show,
    bookables: &[Bookable],
    printable: bool,
) -> GridView {
    let size = |id: BookableId| {
        bookables
            .iter()
            .find(|b| b.id == id)
            .map_or(1, |b| b.quantity)
    };
    let pool_of = |e: &Entry| size(e.booking.bookable) > 1;
    let rows = grid
        .rows
        .into_iter()
        .map(|row| RowView {
            label: row.label,
            cells: row
                .cells
                .into_iter()
                .map(|cell| {
                    let quantity = cell.bookable.map_or(1, size);
                    let open = cell.closed.is_none() && !cell.past;
                    let class = match (&cell.closed, cell.past) {
                        (Some(_), _) => "closed",
                        (None, true) => "past",
                        _ if cell.bookable.is_some() && cell.free == 0 => "full",
                        _ => "open",
                    };
                    CellView {
                        class,
                        entries: cell
                            .entries
                            .iter()
                            .map(|e| entry_view(e, show, printable, pool_of(e)))
                            .collect(),
                        free: (open && quantity > 1)
                            .then(|| format!("{} / {quantity} libres", cell.free)),
                        book_url: match cell.bookable {
                            Some(id) if open && !printable && cell.free > 0 => {
                                Some(book_url(id, cell.date, cell.period))
                            }
                            _ => None,
                        },
                        closed: cell.closed,
                    }
                })
                .collect(),
        })
        .collect();
    let others: Vec<Vec<EntryView>> = grid
        .others
        .iter()
        .map(|list| {
            list.iter()
                .map(|e| entry_view(e, show, printable, pool_of(e)))
                .collect()
        })
        .collect();
    GridView {
        caption,
        corner,
        columns: grid.columns,
        rows,
        has_others: others.iter().any(|l| !l.is_empty()),
        others,
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
// The booking form.

/// The booking form's fields, as typed (also the query that prefills it).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BookFields {
    #[serde(default)]
    bookable: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    until_holiday: String,
}

#[derive(Template)]
#[template(path = "booking_form.html")]
struct BookView {
    layout: Layout,
    fields: BookFields,
    /// Id, name (with what it is), selected.
    bookables: Vec<(BookableId, String, bool)>,
    /// The chosen bookable's name and week, if one is chosen.
    chosen: Option<(String, String)>,
    /// Whether to ask how many (pools, or nothing chosen yet); and the most one may take.
    pool: Option<u32>,
    periods: Vec<(usize, String, bool)>,
    holidays: Vec<(String, String, bool)>,
    error: Option<String>,
}

fn until_label(name: &str, until: Date) -> String {
    let what = match name.strip_prefix("Vacances ") {
        Some(rest) => format!("Jusqu'aux vacances {rest}"),
        None => format!("Jusqu'à : {name}"),
    };
    format!("{what} (dernier jour : {})", paris::day(until))
}

fn book_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    mut fields: BookFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let all: Vec<Bookable> = state
        .app
        .bookables(subject)?
        .into_iter()
        .filter(|b| !b.archived)
        .collect();
    let settings = state.app.booking_settings()?;
    let chosen = all
        .iter()
        .find(|b| b.id.to_string() == fields.bookable.trim());
    let from = today(state.app.now());
    let holidays = settings
        .calendar
        .holidays_after(from)
        .filter_map(|h| h.first.yesterday().ok().map(|until| (until, &h.name)))
        .filter(|(until, _)| *until >= from)
        .take(8)
        .map(|(until, name)| {
            let value = until.to_string();
            let selected = fields.until_holiday == value;
            (value, until_label(name, until), selected)
        })
        .collect();
    let periods = settings
        .calendar
        .periods
        .iter()
        .enumerate()
        .map(|(i, p)| (i, p.label(), fields.period == i.to_string()))
        .collect();
    fields.start = time_value(&fields.start);
    fields.end = time_value(&fields.end);
    if let Some(d) = iso_date(&fields.date) {
        fields.date = d.to_string();
    }
    if fields.repeat.is_empty() {
        fields.repeat = "once".into();
    }
    let (status, error) = page_status(error);
    render_with(
        status,
        BookView {
            layout: Layout::new(state, csrf, Some(me)),
            bookables: all
                .iter()
                .map(|b| {
                    let label = if b.is_pool() {
                        format!("{} ({} en tout)", b.name, b.quantity)
                    } else {
                        b.name.clone()
                    };
                    (b.id, label, chosen.is_some_and(|c| c.id == b.id))
                })
                .collect(),
            chosen: chosen.map(|b| {
                let monday = iso_date(&fields.date).map(monday_of);
                let url = match monday {
                    Some(m) => week_url(paths::BOOKABLE_WEEK, Some(b.id.0), m),
                    None => with(paths::BOOKABLE_WEEK, b.id),
                };
                (b.name.clone(), url)
            }),
            pool: match chosen {
                Some(b) if !b.is_pool() => None,
                Some(b) => Some(b.quantity),
                None => all.iter().map(|b| b.quantity).max().filter(|q| *q > 1),
            },
            periods,
            holidays,
            fields,
            error,
        },
    )
}

/// `GET /reservations/reserver?bookable=&date=&start=&end=`.
pub async fn book_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(fields): WebQuery<BookFields>,
) -> Result<Response, WebError> {
    book_page(&state, &csrf, &me, fields, None)
}

/// Reads the form into a request: the period (if chosen) sets the times, the holiday (if
/// chosen) the end of the repetition.
fn booking_request(state: &WebState, f: &BookFields) -> Result<BookingRequest, AppError> {
    let bookable = f
        .bookable
        .trim()
        .parse()
        .map(BookableId)
        .map_err(|_| AppError::Invalid(Problem::Missing("ressource")))?;
    let (start, end) = match f.period.trim() {
        "" => (f.start.clone(), f.end.clone()),
        index => {
            let settings = state.app.booking_settings()?;
            let period = index
                .parse::<usize>()
                .ok()
                .and_then(|i| settings.calendar.periods.get(i).copied())
                .ok_or(AppError::Invalid(Problem::BookingTime))?;
            (clock_param(period.start), clock_param(period.end))
        }
    };
    let quantity = match f.quantity.trim() {
        "" => 0,
        q => q
            .parse()
            .map_err(|_| AppError::Invalid(Problem::Number("quantité")))?,
    };
    Ok(BookingRequest {
        bookable,
        date: f.date.clone(),
        start,
        end,
        quantity,
        purpose: f.purpose.clone(),
        repeat: match f.repeat.as_str() {
            "weekly" => Repeat::Weekly,
            "fortnightly" => Repeat::Fortnightly,
            _ => Repeat::Once,
        },
        until: if f.until_holiday.trim().is_empty() {
            f.until.clone()
        } else {
            f.until_holiday.clone()
        },
    })
}

/// `POST /reservations/reserver`: books, then shows the week of the (first) booking.
pub async fn book(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<BookFields>,
) -> Result<Response, WebError> {
    let outcome = booking_request(&state, &fields)
        .and_then(|request| state.app.book(&me.current.subject, &request));
    match outcome {
        Ok(booked) => {
            let Some(first) = booked.bookings.first() else {
                return Ok(redirect(paths::BOOKINGS));
            };
            let monday = monday_of(paris::civil(first.start).date());
            let mut to = format!(
                "{}&reservee={}",
                week_url(paths::BOOKABLE_WEEK, Some(first.bookable.0), monday),
                booked.bookings.len()
            );
            if !booked.skipped.is_empty() {
                let dates: Vec<String> =
                    booked.skipped.iter().map(|(d, _)| d.to_string()).collect();
                to.push_str(&format!("&sautees={}", dates.join(",")));
            }
            if first.status == BookingStatus::Pending {
                to.push_str("&attente=1");
            }
            Ok(redirect(&to))
        }
        Err(e) => book_page(&state, &csrf, &me, fields, Some(refused(e)?)),
    }
}

// ---------------------------------------------------------------------------------------------
// Weeks, the door sheet, the school's day.

/// `?semaine=` and what the booking form reports.
#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    #[serde(default)]
    semaine: String,
    #[serde(default)]
    reservee: String,
    #[serde(default)]
    sautees: String,
    #[serde(default)]
    attente: String,
}

#[derive(Template)]
#[template(path = "booking_week.html")]
struct WeekView {
    layout: Layout,
    title: String,
    description: String,
    week: String,
    grid: GridView,
    prev_url: String,
    next_url: String,
    this_week_url: String,
    sheet_url: Option<String>,
    feed_url: Option<String>,
    done: Option<String>,
    skipped: Vec<String>,
}

/// What the week page says after a booking: how many were made, which dates were skipped.
fn booking_report(
    state: &WebState,
    q: &WeekQuery,
) -> Result<(Option<String>, Vec<String>), WebError> {
    let done = match q.reservee.parse::<usize>() {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            let mut text = if n == 1 {
                "Réservation enregistrée.".to_owned()
            } else {
                format!("Réservation enregistrée : {n} séances.")
            };
            if q.attente == "1" {
                text.push_str(" Elle attend la validation de la direction.");
            }
            Some(text)
        }
    };
    let dates: Vec<Date> = q.sautees.split(',').filter_map(iso_date).take(60).collect();
    let skipped = if dates.is_empty() {
        Vec::new()
    } else {
        let calendar = state.app.booking_settings()?.calendar;
        dates
            .into_iter()
            .map(|d| match calendar.day_closure(d) {
                Some(why) => format!("{} {} : {}", paris::day(d), d.year(), why.french()),
                None => format!("{} {}", paris::day(d), d.year()),
            })
            .collect()
    };
    Ok((done, skipped))
}

/// `GET /reservations/ressource/{id}?semaine=`.
pub async fn bookable_week(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(q): WebQuery<WeekQuery>,
) -> Result<Response, WebError> {
    let monday = week_asked(&state, &q.semaine);
    let (bookable, grid) = state
        .app
        .bookable_week(&me.current.subject, BookableId(id), monday)?;
    let (done, skipped) = booking_report(&state, &q)?;
    let mut description = vec![bookable.kind.french().to_owned()];
    if !bookable.place.is_empty() {
        description.push(bookable.place.clone());
    }
    if let Some(c) = bookable.capacity {
        description.push(format!("{c} places"));
    }
    if bookable.is_pool() {
        description.push(format!("{} en tout", bookable.quantity));
    }
    if bookable.needs_approval {
        description.push("réservations validées par la direction".into());
    }
    if !bookable.description.is_empty() {
        description.push(bookable.description.clone());
    }
    let week = week_label(monday);
    render(WeekView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        grid: grid_view(
            grid,
            format!("{} — {}", bookable.name, week),
            "Créneau",
            Show::Holder,
            std::slice::from_ref(&bookable),
            false,
        ),
        title: bookable.name.clone(),
        description: description.join(" · "),
        week,
        prev_url: week_url(paths::BOOKABLE_WEEK, Some(id), shift(monday, -7)),
        next_url: week_url(paths::BOOKABLE_WEEK, Some(id), shift(monday, 7)),
        this_week_url: with(paths::BOOKABLE_WEEK, id),
        sheet_url: Some(week_url(paths::BOOKABLE_SHEET, Some(id), monday)),
        feed_url: Some(feed_url(&state, &bookable.feed_token)),
        done,
        skipped,
    })
}

#[derive(Template)]
#[template(path = "booking_sheet.html")]
struct SheetView {
    css_url: String,
    school: String,
    title: String,
    week: String,
    place: String,
    grid: GridView,
    back_url: String,
}

/// `GET /reservations/ressource/{id}/affiche?semaine=`: the week for the room's door (A4
/// landscape, no navigation).
pub async fn bookable_sheet(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(q): WebQuery<WeekQuery>,
) -> Result<Response, WebError> {
    let monday = week_asked(&state, &q.semaine);
    let (bookable, grid) = state
        .app
        .bookable_week(&me.current.subject, BookableId(id), monday)?;
    let layout = Layout::new(&state, &csrf, Some(&me));
    let week = week_label(monday);
    render(SheetView {
        css_url: layout.css_url,
        school: layout.school,
        grid: grid_view(
            grid,
            format!("{} — {}", bookable.name, week),
            "Créneau",
            Show::Holder,
            std::slice::from_ref(&bookable),
            true,
        ),
        title: bookable.name,
        place: bookable.place,
        week,
        back_url: week_url(paths::BOOKABLE_WEEK, Some(id), monday),
    })
}

fn person_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    who: UserId,
    q: &WeekQuery,
) -> Result<Response, WebError> {
    let monday = week_asked(state, &q.semaine);
    let subject = &me.current.subject;
    let grid = state.app.person_week(subject, who, monday)?;
    let bookables = state.app.bookables(subject)?;
    let (title, pattern, id) = if who == me.current.user.id {
        ("Mon planning".to_owned(), paths::MY_WEEK, None)
    } else {
        let name = state
            .app
            .directory()
            .user(who)
            .map(|u| u.full_name())
            .unwrap_or_default();
        (
            format!("Planning de {name}"),
            paths::PERSON_WEEK,
            Some(who.0),
        )
    };
    let week = week_label(monday);
    render(WeekView {
        layout: Layout::new(state, csrf, Some(me)),
        grid: grid_view(
            grid,
            format!("{title} — {week}"),
            "Créneau",
            Show::Bookable,
            &bookables,
            false,
        ),
        title,
        description: "Salles et matériel réservés".into(),
        week,
        prev_url: week_url(pattern, id, shift(monday, -7)),
        next_url: week_url(pattern, id, shift(monday, 7)),
        this_week_url: id.map_or_else(|| pattern.to_owned(), |id| with(pattern, id)),
        sheet_url: None,
        feed_url: None,
        done: None,
        skipped: Vec::new(),
    })
}

/// `GET /reservations/mon-planning?semaine=`.
pub async fn my_week(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(q): WebQuery<WeekQuery>,
) -> Result<Response, WebError> {
    let who = me.current.user.id;
    person_page(&state, &csrf, &me, who, &q)
}

/// `GET /reservations/personne/{id}?semaine=` (headteacher).
pub async fn person_week(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(q): WebQuery<WeekQuery>,
) -> Result<Response, WebError> {
    person_page(&state, &csrf, &me, UserId(id), &q)
}

/// `?date=`.
#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    #[serde(default)]
    date: String,
}

#[derive(Template)]
#[template(path = "booking_day.html")]
struct DayView {
    layout: Layout,
    day: String,
    date: String,
    grid: GridView,
    prev_url: String,
    next_url: String,
}

/// The nearest weekday from `date`, going `step` days at a time.
fn weekday_from(mut date: Date, step: i32) -> Date {
    date = shift(date, step);
    while matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
        date = shift(date, step);
    }
    date
}

/// `GET /reservations/jour?date=`: every bookable, period by period.
pub async fn school_day(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(q): WebQuery<DayQuery>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let date = iso_date(&q.date).unwrap_or_else(|| today(state.app.now()));
    let grid = state.app.school_day(subject, date)?;
    let bookables = state.app.bookables(subject)?;
    let day = format!("{} {}", paris::day(date), date.year());
    let at = |d: Date| format!("{}?date={d}", paths::SCHOOL_DAY);
    render(DayView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        grid: grid_view(
            grid,
            format!("La journée de l'école — {day}"),
            "Salle ou matériel",
            Show::Holder,
            &bookables,
            false,
        ),
        day,
        date: date.to_string(),
        prev_url: at(weekday_from(date, -1)),
        next_url: at(weekday_from(date, 1)),
    })
}

// ---------------------------------------------------------------------------------------------
// One booking: details, cancel, move, decide.

#[derive(Template)]
#[template(path = "booking.html")]
struct BookingView {
    layout: Layout,
    bookable: String,
    week_url: String,
    holder: String,
    holder_url: Option<String>,
    when: String,
    times: String,
    quantity: Option<u32>,
    purpose: String,
    status: &'static str,
    series: bool,
    manage: bool,
    decide: bool,
    cancel_url: String,
    move_url: String,
    decide_url: String,
    move_date: String,
    move_start: String,
    move_end: String,
    error: Option<String>,
}

/// The week page showing a booking.
fn week_of(b: &Booking) -> String {
    week_url(
        paths::BOOKABLE_WEEK,
        Some(b.bookable.0),
        monday_of(paris::civil(b.start).date()),
    )
}

fn booking_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: BookingId,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let b = state.app.booking(subject, id)?;
    let bookable = state.app.bookable(subject, b.bookable)?;
    let dir = state.app.directory();
    let manage = can(
        subject,
        Action::ManageBooking,
        &Object::Booking {
            holder: b.holder,
            school: dir.uai(),
        },
    ) && b.status.holds();
    let head = dir.can_on_school(subject, Action::ManageBookables);
    let start = paris::civil(b.start);
    let (status, error) = page_status(error);
    render_with(
        status,
        BookingView {
            layout: Layout::new(state, csrf, Some(me)),
            week_url: week_of(&b),
            holder: dir
                .user(b.holder)
                .map(|u| u.full_name())
                .unwrap_or_default(),
            holder_url: (head && b.holder != me.current.user.id).then(|| {
                week_url(
                    paths::PERSON_WEEK,
                    Some(b.holder.0),
                    monday_of(start.date()),
                )
            }),
            when: paris::long_day(b.start),
            times: format!("{} – {}", paris::clock(b.start), paris::clock(b.end)),
            quantity: bookable.is_pool().then_some(b.quantity),
            purpose: b.purpose.clone(),
            status: b.status.french(),
            series: b.series.is_some(),
            manage,
            decide: head && b.status == BookingStatus::Pending,
            cancel_url: with(paths::BOOKING_CANCEL, id),
            move_url: with(paths::BOOKING_MOVE, id),
            decide_url: with(paths::BOOKING_DECIDE, id),
            move_date: start.date().to_string(),
            move_start: time_value(&clock_param(start.time())),
            move_end: time_value(&clock_param(paris::civil(b.end).time())),
            bookable: bookable.name,
            error,
        },
    )
}

/// `GET /reservations/reservation/{id}`.
pub async fn booking(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    booking_page(&state, &csrf, &me, BookingId(id), None)
}

/// The cancel form: `series=1` cancels the rest of the series too.
#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    series: String,
}

/// `POST /reservations/reservation/{id}/annuler`.
pub async fn cancel(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<CancelForm>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let b = state.app.booking(subject, BookingId(id))?;
    match state
        .app
        .cancel_booking(subject, BookingId(id), form.series == "1")
    {
        Ok(_) => Ok(redirect(&week_of(&b))),
        Err(e) => booking_page(&state, &csrf, &me, BookingId(id), Some(refused(e)?)),
    }
}

/// The move form.
#[derive(Debug, Default, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

/// `POST /reservations/reservation/{id}/deplacer`.
pub async fn move_booking(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<MoveForm>,
) -> Result<Response, WebError> {
    match state.app.move_booking(
        &me.current.subject,
        BookingId(id),
        &form.date,
        &form.start,
        &form.end,
    ) {
        Ok(moved) => Ok(redirect(&week_of(&moved))),
        Err(e) => booking_page(&state, &csrf, &me, BookingId(id), Some(refused(e)?)),
    }
}

/// The headteacher's decision: `approve=1` or `0`.
#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    approve: String,
}

/// `POST /reservations/reservation/{id}/decider`.
pub async fn decide(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<DecideForm>,
) -> Result<Response, WebError> {
    match state
        .app
        .decide_booking(&me.current.subject, BookingId(id), form.approve == "1")
    {
        Ok(_) => Ok(redirect(paths::BOOKINGS)),
        Err(e) => booking_page(&state, &csrf, &me, BookingId(id), Some(refused(e)?)),
    }
}

// ---------------------------------------------------------------------------------------------
// Rooms and equipment (headteacher).

/// The fields of a bookable, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BookableFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    needs_approval: Option<String>,
    #[serde(default)]
    archived: Option<String>,
}

impl BookableFields {
    fn of(b: &Bookable) -> BookableFields {
        BookableFields {
            name: b.name.clone(),
            kind: kind_code(b.kind).into(),
            description: b.description.clone(),
            place: b.place.clone(),
            capacity: b.capacity.map(|c| c.to_string()).unwrap_or_default(),
            quantity: b.quantity.to_string(),
            needs_approval: b.needs_approval.then(|| "1".into()),
            archived: b.archived.then(|| "1".into()),
        }
    }

    fn form(&self) -> BookableForm {
        BookableForm {
            name: self.name.clone(),
            kind: match self.kind.as_str() {
                "room" => Some(BookableKind::Room),
                "equipment" => Some(BookableKind::Equipment),
                _ => None,
            },
            description: self.description.clone(),
            place: self.place.clone(),
            capacity: self.capacity.clone(),
            quantity: self.quantity.clone(),
            needs_approval: self.needs_approval.is_some(),
            archived: self.archived.is_some(),
        }
    }
}

fn kind_code(kind: BookableKind) -> &'static str {
    match kind {
        BookableKind::Room => "room",
        BookableKind::Equipment => "equipment",
    }
}

struct BookableRow {
    edit_url: String,
    week_url: String,
    name: String,
    kind: &'static str,
    place: String,
    quantity: u32,
    approval: bool,
    archived: bool,
}

#[derive(Template)]
#[template(path = "booking_bookables.html")]
struct BookablesView {
    layout: Layout,
    rows: Vec<BookableRow>,
    fields: BookableFields,
    editing: bool,
    error: Option<String>,
}

fn bookables_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    fields: BookableFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    manager_only(state, me)?;
    let rows = state
        .app
        .bookables(&me.current.subject)?
        .into_iter()
        .map(|b| BookableRow {
            edit_url: with(paths::BOOKABLE_EDIT, b.id),
            week_url: with(paths::BOOKABLE_WEEK, b.id),
            kind: b.kind.french(),
            quantity: b.quantity,
            approval: b.needs_approval,
            archived: b.archived,
            name: b.name,
            place: b.place,
        })
        .collect();
    let (status, error) = page_status(error);
    render_with(
        status,
        BookablesView {
            layout: Layout::new(state, csrf, Some(me)),
            rows,
            fields,
            editing: false,
            error,
        },
    )
}

/// `GET /reservations/ressources`.
pub async fn bookables(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let fields = BookableFields {
        kind: "room".into(),
        quantity: "1".into(),
        ..Default::default()
    };
    bookables_page(&state, &csrf, &me, fields, None)
}

/// `POST /reservations/ressources`: adds a bookable.
pub async fn add_bookable(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<BookableFields>,
) -> Result<Response, WebError> {
    match state
        .app
        .save_bookable(&me.current.subject, None, &fields.form())
    {
        Ok(_) => Ok(redirect(paths::BOOKABLES)),
        Err(e) => bookables_page(&state, &csrf, &me, fields, Some(refused(e)?)),
    }
}

#[derive(Template)]
#[template(path = "booking_bookable.html")]
struct BookableEditView {
    layout: Layout,
    title: String,
    action: String,
    fields: BookableFields,
    editing: bool,
    error: Option<String>,
}

fn bookable_edit_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: BookableId,
    fields: Option<BookableFields>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    manager_only(state, me)?;
    let b = state.app.bookable(&me.current.subject, id)?;
    let (status, error) = page_status(error);
    render_with(
        status,
        BookableEditView {
            layout: Layout::new(state, csrf, Some(me)),
            action: with(paths::BOOKABLE_EDIT, id),
            fields: fields.unwrap_or_else(|| BookableFields::of(&b)),
            title: b.name,
            editing: true,
            error,
        },
    )
}

/// `GET /reservations/ressources/{id}`.
pub async fn bookable_edit(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    bookable_edit_page(&state, &csrf, &me, BookableId(id), None, None)
}

/// `POST /reservations/ressources/{id}`.
pub async fn save_bookable(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<BookableFields>,
) -> Result<Response, WebError> {
    let id = BookableId(id);
    match state
        .app
        .save_bookable(&me.current.subject, Some(id), &fields.form())
    {
        Ok(_) => Ok(redirect(paths::BOOKABLES)),
        Err(e) => bookable_edit_page(&state, &csrf, &me, id, Some(fields), Some(refused(e)?)),
    }
}

// ---------------------------------------------------------------------------------------------
// The school calendar (headteacher).

/// The calendar form, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CalendarFields {
    #[serde(default)]
    zone: String,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    wednesday_morning: Option<String>,
    #[serde(default)]
    periods: String,
    #[serde(default)]
    max_per_week: String,
    #[serde(default)]
    max_days_ahead: String,
    /// The « rétablir la liste officielle » button: the zone's shipped holidays.
    #[serde(default)]
    official: Option<String>,
}

/// `?enregistre=1` after saving.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    enregistre: String,
}

#[derive(Template)]
#[template(path = "booking_calendar.html")]
struct CalendarView {
    layout: Layout,
    zones: Vec<(&'static str, bool)>,
    fields: CalendarFields,
    source: Vec<String>,
    saved: bool,
    error: Option<String>,
}

fn calendar_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    fields: CalendarFields,
    saved: bool,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    manager_only(state, me)?;
    let (status, error) = page_status(error);
    render_with(
        status,
        CalendarView {
            layout: Layout::new(state, csrf, Some(me)),
            zones: calendar::Zone::ALL
                .iter()
                .map(|z| (z.letter(), fields.zone == z.letter()))
                .collect(),
            source: calendar::SHIPPED_HOLIDAYS
                .lines()
                .filter_map(|l| l.strip_prefix('#'))
                .map(|l| l.trim().to_owned())
                .collect(),
            fields,
            saved,
            error,
        },
    )
}

/// `GET /reservations/calendrier`.
pub async fn calendar_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(q): WebQuery<SavedQuery>,
) -> Result<Response, WebError> {
    manager_only(&state, &me)?;
    let settings = state.app.booking_settings()?;
    let c = &settings.calendar;
    let fields = CalendarFields {
        zone: c.zone.letter().into(),
        holidays: calendar::format_holidays(&c.holidays),
        wednesday_morning: c.wednesday_morning.then(|| "1".into()),
        periods: c
            .periods
            .iter()
            .map(|p| format!("{}-{}\n", clock_param(p.start), clock_param(p.end)))
            .collect(),
        max_per_week: settings.max_per_week.to_string(),
        max_days_ahead: settings.max_days_ahead.to_string(),
        official: None,
    };
    calendar_page(&state, &csrf, &me, fields, q.enregistre == "1", None)
}

/// `POST /reservations/calendrier`.
pub async fn save_calendar(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(mut fields): WebForm<CalendarFields>,
) -> Result<Response, WebError> {
    if fields.official.is_some() {
        fields.holidays.clear();
    }
    let form = CalendarForm {
        zone: fields.zone.clone(),
        holidays: fields.holidays.clone(),
        wednesday_morning: fields.wednesday_morning.is_some(),
        periods: fields.periods.clone(),
        max_per_week: fields.max_per_week.clone(),
        max_days_ahead: fields.max_days_ahead.clone(),
    };
    match state.app.save_booking_settings(&me.current.subject, &form) {
        Ok(_) => Ok(redirect(&format!(
            "{}?enregistre=1",
            paths::BOOKING_CALENDAR
        ))),
        Err(e) => calendar_page(&state, &csrf, &me, fields, false, Some(refused(e)?)),
    }
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
