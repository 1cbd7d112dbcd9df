//! Grids of bookings: a bookable's week and its printable door sheet, a person's week, and
//! the school's day; with how a grid's cells and bookings are shown.

use super::{clock_param, feed_url, iso_date, shift, week_asked, week_label, week_url};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebPath, WebQuery};
use crate::pages::{Layout, render};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jiff::civil::{Date, Weekday};
use preau_app::bookings::{Entry, Grid, today};
use preau_app::paris;
use preau_core::calendar::Period;
use preau_core::{Bookable, BookableId, BookingStatus, UserId};
use serde::Deserialize;

/// The booking form's address, prefilled for one bookable and one stretch of one day.
fn book_url(bookable: BookableId, date: Date, period: Period) -> String {
    format!(
        "{}?bookable={bookable}&date={date}&start={}&end={}",
        paths::BOOK,
        clock_param(period.start),
        clock_param(period.end)
    )
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
