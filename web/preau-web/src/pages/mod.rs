//! Page handlers, one module per area, and what every page shares.

pub mod account;
pub mod admin;
pub mod assignments;
pub mod auth;
pub mod bookings;
pub mod certificate;
pub mod chooser;
pub mod classes;
pub mod documents;
pub mod exercises;
pub mod letters;
pub mod liaison;
pub mod library;
pub mod logbook;
pub mod messages;
pub mod news;
pub mod onde;
pub mod portal;
pub mod search;
pub mod setup;

use crate::WebState;
use crate::error::WebError;
use crate::session::Me;
use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// What the shared layout shows: style sheet, school, who is signed in, CSRF token.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Style sheet URL.
    pub css_url: String,
    /// Icon URL.
    pub favicon_url: String,
    /// The school's name.
    pub school: String,
    /// CSRF token for the forms of the page.
    pub csrf: String,
    /// Name and role label of the signed-in person.
    pub me: Option<(String, &'static str)>,
    /// Whether the page is for a pupil (bigger type and targets).
    pub pupil: bool,
}

impl Layout {
    /// The layout for a page.
    pub fn new(state: &WebState, csrf: &str, me: Option<&Me>) -> Layout {
        let directory = state.app.directory();
        Layout {
            css_url: state.assets.css_url.clone(),
            favicon_url: state.assets.favicon_url.clone(),
            school: directory
                .school()
                .map(|s| s.name.clone())
                .unwrap_or_else(|| "Préau".into()),
            csrf: csrf.to_string(),
            me: me.map(|m| (m.current.user.full_name(), m.current.user.role.label())),
            pupil: me.is_some_and(|m| m.current.user.role == preau_core::Role::Pupil),
        }
    }
}

/// The error page, rendered by the edge layer.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPageView<'a> {
    /// Style sheet URL.
    pub css_url: &'a str,
    /// Icon URL.
    pub favicon_url: &'a str,
    /// HTTP status.
    pub status: u16,
    /// French message.
    pub message: &'a str,
    /// Request id.
    pub request_id: &'a str,
}

/// Renders a page with status 200.
pub fn render(page: impl Template) -> Result<Response, WebError> {
    render_with(StatusCode::OK, page)
}

/// Renders a page with a given status (forms re-shown with an error).
pub fn render_with(status: StatusCode, page: impl Template) -> Result<Response, WebError> {
    let html = page
        .render()
        .map_err(|e| WebError::Template(e.to_string()))?;
    Ok((status, Html(html)).into_response())
}

/// The status of a page shown again after refused input (200 when there is no error), and
/// the message to show.
pub fn page_status(error: Option<(StatusCode, String)>) -> (StatusCode, Option<String>) {
    match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    }
}

/// "See other" to a local path (after a successful form).
pub fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}
