//! The school's certificate authority: a page explaining how to trust it, the file itself,
//! and the plain-HTTP redirect to HTTPS.

use super::{Layout, render};
use crate::WebState;
use crate::error::WebError;
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificateView {
    layout: Layout,
    available: bool,
    https_url: String,
    fingerprint: String,
}

fn der_fingerprint(pem: &str) -> String {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap_or_default();
    Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The CA to trust: the commune's once the box is provisioned, else the box's own (if it
/// made one).
fn ca_pem(state: &WebState) -> Result<Option<String>, WebError> {
    Ok(match state.app.provisioned()? {
        Some(provisioned) => Some(provisioned.ca_pem),
        None => state.ca_pem.as_deref().cloned(),
    })
}

/// `GET /certificat` (on both ports).
pub async fn page(State(state): State<WebState>) -> Result<Response, WebError> {
    let pem = ca_pem(&state)?;
    render(CertificateView {
        layout: Layout::new(&state, "", None),
        available: pem.is_some(),
        https_url: state.public_url.to_string(),
        fingerprint: pem.as_deref().map(der_fingerprint).unwrap_or_default(),
    })
}

/// `GET /certificat/preau-ca.crt`.
pub async fn download(State(state): State<WebState>) -> Result<Response, WebError> {
    let pem = ca_pem(&state)?.ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-x509-ca-cert"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"preau-ca.crt\"",
            ),
        ],
        pem.to_string(),
    )
        .into_response())
}

/// Everything else on the HTTP port: a permanent redirect to the same path over HTTPS.
pub async fn to_https(req: Request, https_port: u16) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        .map(|a| a.host().to_string());
    let Some(host) = host else {
        return WebError::BadForm("no host header".into()).into_response();
    };
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let location = format!("https://{host}{port}{path}");
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response()
}
