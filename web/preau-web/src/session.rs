//! Cookies and the extractors that give handlers the signed-in person, the CSRF token and the
//! client's address.

use crate::WebState;
use crate::error::WebError;
use crate::security::CsrfToken;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use preau_app::auth::Current;
use std::net::{IpAddr, SocketAddr};

/// The session cookie (the `__Host-` prefix pins it to this host, Secure, path /).
pub const SESSION_COOKIE: &str = "__Host-preau-session";
/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "__Host-preau-csrf";

/// Reads one cookie.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Appends a `Set-Cookie` for a Secure, HttpOnly, host-only cookie.
pub fn set_cookie(response: &mut Response, name: &str, value: &str, same_site: &str) {
    let line = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite={same_site}");
    if let Ok(v) = HeaderValue::from_str(&line) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the cookies of a new session: its token, and a fresh CSRF token (a new identity gets
/// new secrets).
pub fn start_session(response: &mut Response, token: &str) {
    set_cookie(response, SESSION_COOKIE, token, "Lax");
    set_cookie(
        response,
        CSRF_COOKIE,
        &preau_app::tokens::secret_token(),
        "Strict",
    );
}

/// Appends a `Set-Cookie` that removes a cookie.
pub fn clear_cookie(response: &mut Response, name: &str) {
    let line = format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&line) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The signed-in person; pages that need one redirect to the sign-in page without it.
pub struct Me {
    /// The person and their access facts.
    pub current: Current,
    /// The session token (to end the session).
    pub token: String,
}

impl FromRequestParts<WebState> for Me {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, WebError> {
        let token = read_cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::SignInRequired)?;
        let current = state.app.session(&token)?.ok_or(WebError::SignInRequired)?;
        Ok(Me { current, token })
    }
}

/// The signed-in person, if any.
pub struct MaybeMe(pub Option<Me>);

impl FromRequestParts<WebState> for MaybeMe {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, WebError> {
        match Me::from_request_parts(parts, state).await {
            Ok(me) => Ok(MaybeMe(Some(me))),
            Err(WebError::SignInRequired) => Ok(MaybeMe(None)),
            Err(e) => Err(e),
        }
    }
}

/// The CSRF token to put in forms.
pub struct Csrf(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| Csrf(t.0.clone()))
            .ok_or(WebError::Csrf)
    }
}

/// The browser's address and the session token it holds, for sign-in.
pub struct Visitor(pub preau_app::Visitor);

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(Visitor(preau_app::Visitor {
            ip,
            previous_token: read_cookie(&parts.headers, SESSION_COOKIE),
        }))
    }
}
