//! Static files embedded in the binary, served under content-hashed names.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

const CSS: &str = include_str!("../static/app.css");
const FAVICON: &str = include_str!("../static/favicon.svg");
const JS: &str = include_str!("../static/upload.js");
const SEARCH_JS: &str = include_str!("../static/search.js");
const EXERCISE_JS: &str = include_str!("../static/exercise.js");

/// The embedded files and their hashed URLs.
#[derive(Debug)]
pub struct Assets {
    /// URL of the style sheet.
    pub css_url: String,
    /// URL of the icon.
    pub favicon_url: String,
    /// URL of the upload script (drag and drop, progress bar).
    pub js_url: String,
    /// URL of the search script (suggestions as one types).
    pub search_js_url: String,
    /// URL of the exercise script (questions read aloud, prompts recorded).
    pub exercise_js_url: String,
}

fn hashed(name: &str, ext: &str, body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    let short: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("/static/{name}-{short}.{ext}")
}

impl Assets {
    /// Computes the hashed names once at start.
    pub fn new() -> Assets {
        Assets {
            css_url: hashed("app", "css", CSS),
            favicon_url: hashed("favicon", "svg", FAVICON),
            js_url: hashed("upload", "js", JS),
            search_js_url: hashed("search", "js", SEARCH_JS),
            exercise_js_url: hashed("exercise", "js", EXERCISE_JS),
        }
    }
}

impl Default for Assets {
    fn default() -> Self {
        Assets::new()
    }
}

impl axum::extract::FromRef<crate::WebState> for Arc<Assets> {
    fn from_ref(state: &crate::WebState) -> Arc<Assets> {
        state.assets.clone()
    }
}

/// Serves an embedded file; hashed names are cached forever.
pub async fn serve(State(assets): State<Arc<Assets>>, Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, mime) = if path == assets.css_url {
        (CSS, "text/css; charset=utf-8")
    } else if path == assets.favicon_url {
        (FAVICON, "image/svg+xml")
    } else if path == assets.js_url {
        (JS, "text/javascript; charset=utf-8")
    } else if path == assets.search_js_url {
        (SEARCH_JS, "text/javascript; charset=utf-8")
    } else if path == assets.exercise_js_url {
        (EXERCISE_JS, "text/javascript; charset=utf-8")
    } else {
        return crate::error::WebError::NotFound.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
