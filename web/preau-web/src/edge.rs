//! The outermost layer: a request id for every request, one log line per request (method,
//! route pattern, status, time — never a raw path, which may hold a card secret, and never
//! personal data), and the French error page carrying the request id.

use crate::assets::Assets;
use crate::error::ErrorPage;
use crate::pages::ErrorPageView;
use askama::Template;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// The id of one request, shown on error pages and sent as `x-request-id`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    fn new() -> RequestId {
        let bytes = preau_app::tokens::random_bytes::<6>();
        RequestId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The edge middleware.
pub async fn edge(State(assets): State<Arc<Assets>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = RequestId::new();
    req.extensions_mut().insert(id.clone());
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut response = next.run(req).await;
    let status = response.status();
    let error = response.extensions_mut().remove::<ErrorPage>();
    if let Some(ErrorPage {
        log: Some(detail), ..
    }) = &error
    {
        tracing::warn!(request_id = %id.0, "{detail}");
    }
    // Handlers that re-render their own form with an error (content type set) keep it;
    // bare error statuses (from WebError, axum or layers) get the French page.
    let bare = response.headers().get(header::CONTENT_TYPE).is_none()
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if error.is_some() || ((status.is_client_error() || status.is_server_error()) && bare) {
        let message = error
            .map(|e| e.message)
            .unwrap_or_else(|| default_message(status));
        response = render_error(&assets, status, &message, &id);
    }
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        response.headers_mut().insert("x-request-id", value);
    }
    tracing::info!(
        request_id = %id.0,
        method = %method,
        route = route.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

fn default_message(status: StatusCode) -> String {
    use crate::i18n;
    match status {
        StatusCode::NOT_FOUND => i18n::NOT_FOUND.into(),
        StatusCode::PAYLOAD_TOO_LARGE => i18n::TOO_LARGE.into(),
        StatusCode::METHOD_NOT_ALLOWED => i18n::METHOD.into(),
        StatusCode::FORBIDDEN => i18n::FORBIDDEN.into(),
        s if s.is_client_error() => i18n::BAD_FORM.into(),
        _ => i18n::INTERNAL.into(),
    }
}

fn render_error(assets: &Assets, status: StatusCode, message: &str, id: &RequestId) -> Response {
    let page = ErrorPageView {
        css_url: &assets.css_url,
        favicon_url: &assets.favicon_url,
        status: status.as_u16(),
        message,
        request_id: &id.0,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, format!("{message} (demande {})", id.0)).into_response(),
    }
}
