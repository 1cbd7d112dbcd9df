//! One booking's page: its details, and cancelling, moving or deciding on it.

use super::{clock_param, refused, time_value, week_url};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
use crate::pages::{Layout, page_status, redirect, render_with};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use preau_app::bookings::monday_of;
use preau_app::paris;
use preau_core::{Action, Booking, BookingId, BookingStatus, Object, can};
use serde::Deserialize;

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
