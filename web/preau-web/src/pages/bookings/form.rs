//! The booking form: prefilled from a grid's cell or "free now", read into a request, and
//! shown again with the refusal when the booking cannot be made.

use super::{clock_param, iso_date, refused, time_value, week_url};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebQuery};
use crate::pages::{Layout, page_status, redirect, render_with};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use preau_app::bookings::{BookingRequest, Repeat, monday_of, today};
use preau_app::{AppError, Problem, paris};
use preau_core::{Bookable, BookableId, BookingStatus};
use serde::Deserialize;

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
