//! Security layers: response headers for every page, and the CSRF check with a body limit
//! for every state-changing request.
//!
//! CSRF uses a double-submit token: a random value in a `__Host-` cookie (Secure, HttpOnly,
//! SameSite=Strict) that every form repeats in its `_csrf` field. A state-changing request is
//! refused unless both match, and also when the browser says it comes from another site
//! (`Sec-Fetch-Site: cross-site` or a foreign `Origin`).

use crate::error::WebError;
use crate::session::{CSRF_COOKIE, read_cookie, set_cookie};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest form body accepted (file uploads stream under their own limits).
pub const BODY_LIMIT: usize = 64 * 1024;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The CSRF token of this browser, available to handlers that render forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// Adds the security headers to every response.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    // File responses (`download`) carry their own, stricter policy.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Never send addresses to other sites: QR-card addresses carry a secret. (With
    // "no-referrer", Chromium sends `Origin: null` on same-site form posts.)
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // The microphone only for the school's own pages (a teacher recording a question's
    // prompt; the browser still asks her); never the camera or the location.
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(self), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn foreign_origin(req: &Request) -> bool {
    let headers = req.headers();
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") => return false,
        Some(b"cross-site" | b"same-site") => return true,
        _ => {}
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest.trim_end_matches('/'));
    origin_host.is_none() || origin_host != host
}

/// Checks the CSRF token of state-changing requests and makes the token available to pages.
pub async fn csrf(req: Request, next: Next) -> Response {
    let existing = read_cookie(req.headers(), CSRF_COOKIE).filter(|t| t.len() >= 32);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let req = if safe {
        req
    } else {
        match checked(req, existing.as_deref()).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        }
    };
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (preau_app::tokens::secret_token(), true),
    };
    let mut req = req;
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    if fresh {
        set_cookie(&mut response, CSRF_COOKIE, &token, "Strict");
    }
    response
}

async fn checked(req: Request, cookie: Option<&str>) -> Result<Request, WebError> {
    if foreign_origin(&req) {
        return Err(WebError::Csrf);
    }
    if is_multipart(&req) {
        // File uploads stream: the token comes with the address (or a header), and the
        // upload handler enforces its own size limits.
        let sent = token_in_query(&req).or_else(|| header_token(&req));
        return match (cookie, sent) {
            (Some(c), Some(s)) if same_token(c, &s) => Ok(req),
            _ => Err(WebError::Csrf),
        };
    }
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| WebError::TooLarge)?;
    let sent = serde_html_form::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|fields| {
            fields
                .into_iter()
                .find(|(k, _)| k == "_csrf")
                .map(|(_, v)| v)
        })
        .or_else(|| {
            parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
    match (cookie, sent) {
        (Some(c), Some(s)) if same_token(c, &s) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(WebError::Csrf),
    }
}

/// Compares tokens through their digests (constant time with respect to the secret).
fn same_token(cookie: &str, sent: &str) -> bool {
    preau_app::tokens::sha256(cookie) == preau_app::tokens::sha256(sent)
}

fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn header_token(req: &Request) -> Option<String> {
    req.headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn token_in_query(req: &Request) -> Option<String> {
    let query = req.uri().query()?;
    serde_html_form::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v)
}

/// Whether `path` answers on a box that was never set up: its setup page, the certificate
/// page and the static files.
fn allowed_before_setup(path: &str) -> bool {
    path == crate::paths::SETUP
        || path == crate::paths::CERTIFICATE
        || path == crate::paths::CERTIFICATE_FILE
        || path.starts_with("/static/")
}

/// A box that was never set up (no school: not provisioned, not a demo) has no accounts and
/// no default password: it serves only its setup page. Other pages lead there; other
/// requests are refused with a French message.
pub async fn setup_only(
    axum::extract::State(state): axum::extract::State<crate::WebState>,
    req: Request,
    next: Next,
) -> Response {
    if state.app.is_set_up() || allowed_before_setup(req.uri().path()) {
        return next.run(req).await;
    }
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        (
            axum::http::StatusCode::SEE_OTHER,
            [(header::LOCATION, crate::paths::SETUP)],
        )
            .into_response()
    } else {
        WebError::NotSetUp.into_response()
    }
}
