//! The one web error type, mapped to a status and a French message in one exhaustive match.
//! The page itself (with the request id) is rendered by [`crate::edge`].

use crate::i18n;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use preau_app::{AppError, Problem};

/// Why a request did not succeed.
#[derive(Debug)]
pub enum WebError {
    /// No such page or object.
    NotFound,
    /// The person may not see or do this.
    Forbidden,
    /// The page needs a signed-in person.
    SignInRequired,
    /// The form or path could not be parsed (detail for the log only).
    BadForm(String),
    /// The CSRF check failed.
    Csrf,
    /// The body is too large.
    TooLarge,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// A page could not be rendered (detail for the log only).
    Template(String),
    /// The box was never set up: only its setup page answers.
    NotSetUp,
    /// The application refused or failed.
    App(AppError),
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        WebError::App(e)
    }
}

/// Attached to error responses so that the edge renders the French page.
#[derive(Clone, Debug)]
pub struct ErrorPage {
    /// What the person reads.
    pub message: String,
    /// What the log says (English, no personal data).
    pub log: Option<String>,
}

impl WebError {
    /// The status and the French message.
    pub fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, i18n::NOT_FOUND.into()),
            WebError::Forbidden => (StatusCode::FORBIDDEN, i18n::FORBIDDEN.into()),
            WebError::SignInRequired => (StatusCode::SEE_OTHER, String::new()),
            WebError::BadForm(_) => (StatusCode::BAD_REQUEST, i18n::BAD_FORM.into()),
            WebError::Csrf => (StatusCode::FORBIDDEN, i18n::CSRF.into()),
            WebError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, i18n::TOO_LARGE.into()),
            WebError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, i18n::METHOD.into()),
            WebError::Template(_) => (StatusCode::INTERNAL_SERVER_ERROR, i18n::INTERNAL.into()),
            WebError::NotSetUp => (StatusCode::CONFLICT, i18n::NOT_SET_UP.into()),
            WebError::App(e) => match e {
                AppError::NotFound => (StatusCode::NOT_FOUND, i18n::NOT_FOUND.into()),
                AppError::Forbidden => (StatusCode::FORBIDDEN, i18n::FORBIDDEN.into()),
                AppError::Invalid(p @ Problem::QuotaExceeded { .. }) => {
                    (StatusCode::INSUFFICIENT_STORAGE, i18n::problem(p))
                }
                AppError::Invalid(p @ Problem::FileTooLarge(_)) => {
                    (StatusCode::PAYLOAD_TOO_LARGE, i18n::problem(p))
                }
                AppError::Invalid(p @ (Problem::SlotTaken { .. } | Problem::PoolFull { .. })) => {
                    (StatusCode::CONFLICT, i18n::problem(p))
                }
                AppError::Invalid(p) => (StatusCode::UNPROCESSABLE_ENTITY, i18n::problem(p)),
                AppError::WrongCredentials => {
                    (StatusCode::UNAUTHORIZED, i18n::WRONG_PASSWORD.into())
                }
                AppError::Wait(s) => (StatusCode::TOO_MANY_REQUESTS, i18n::wait(*s)),
                AppError::Locked => (StatusCode::LOCKED, i18n::LOCKED.into()),
                AppError::OutsideSchoolNetwork => {
                    (StatusCode::FORBIDDEN, i18n::OUTSIDE_SCHOOL.into())
                }
                AppError::Archived => (StatusCode::FORBIDDEN, i18n::ARCHIVED.into()),
                AppError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, i18n::INTERNAL.into()),
                AppError::Disk(_) => (StatusCode::INSUFFICIENT_STORAGE, i18n::DISK.into()),
            },
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::SignInRequired = self {
            return (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, crate::paths::SIGN_IN)],
            )
                .into_response();
        }
        let (status, message) = self.status_and_message();
        let log = match &self {
            WebError::BadForm(detail) => Some(format!("bad form: {detail}")),
            WebError::Template(detail) => Some(format!("template: {detail}")),
            WebError::App(AppError::Store(e)) => Some(format!("store: {e}")),
            WebError::App(AppError::Disk(e)) => Some(format!("disk: {e}")),
            _ => None,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage { message, log });
        response
    }
}

/// The status and French message for refused input (forms shown again with the reason).
pub fn refusal(problem: &Problem) -> (StatusCode, String) {
    WebError::App(AppError::Invalid(problem.clone())).status_and_message()
}

/// The fallback for unknown paths.
pub async fn not_found() -> WebError {
    WebError::NotFound
}
