//! The headteacher's pages: the rooms and equipment that can be booked, and the school
//! calendar with the booking limits.

use super::{clock_param, manager_only, refused};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::pages::{Layout, page_status, redirect, render_with};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use preau_app::bookings::{BookableForm, CalendarForm};
use preau_core::calendar;
use preau_core::{Bookable, BookableId, BookableKind};
use serde::Deserialize;

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
