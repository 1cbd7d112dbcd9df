//! Form and path extractors whose failures become French 4xx pages.

use crate::error::WebError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A URL-encoded form (repeated fields become lists, as checkboxes need).
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, _: &S) -> Result<Self, WebError> {
        let bytes = axum::body::to_bytes(req.into_body(), crate::security::BODY_LIMIT)
            .await
            .map_err(|_| WebError::TooLarge)?;
        serde_html_form::from_bytes(&bytes)
            .map(WebForm)
            .map_err(|e| WebError::BadForm(e.to_string()))
    }
}

/// A path parameter; one that does not parse is a page that does not exist.
pub struct WebPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for WebPath<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| WebPath(p.0))
            .map_err(|_| WebError::NotFound)
    }
}

/// Query parameters; unreadable ones are ignored by falling back to defaults.
pub struct WebQuery<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequestParts<S> for WebQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, WebError> {
        let query = parts.uri.query().unwrap_or("");
        Ok(WebQuery(
            serde_html_form::from_str(query).unwrap_or_default(),
        ))
    }
}
