//! Central's public HTTPS site (`preau central`): parents sign in with one account for the
//! whole commune (opened with the code of a school's letter), read per school their
//! children's homework, the news for families and the carnet de liaison words to sign —
//! from central's replica, so it works while the school's box is off — sign them and answer
//! consent forms there, open the files attached to what they read (once the box has sent
//! them), and write with the school's teachers (without attachments); what
//! they write reaches the box at its next sync. Town-hall agents see the schools attached
//! and their boxes' sync, and unlock locked commune accounts. The box's security
//! layers apply: request ids and French error pages ([`crate::edge`]), headers and CSRF
//! ([`crate::security`]), `__Host-` cookies ([`crate::session`]). Every page asks
//! `preau_core::can`, inside [`preau_app::commune::Commune`]'s use cases.

pub mod pages;

use crate::assets::{self, Assets};
use crate::error::WebError;
use crate::paths as p;
use crate::security;
use crate::session::{SESSION_COOKIE, read_cookie};
use axum::Router;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::middleware::from_fn;
use axum::routing::{get, post};
use preau_app::commune::Commune;
use preau_core::CommuneAccount;
use std::sync::Arc;

/// What central's handlers reach.
#[derive(Clone)]
pub struct CentralWeb {
    /// The commune application (accounts, the attached schools).
    pub commune: Arc<Commune>,
    /// The embedded static files.
    pub assets: Arc<Assets>,
    /// The commune's name, shown in the header.
    pub commune_name: Arc<String>,
}

impl FromRef<CentralWeb> for Arc<Assets> {
    fn from_ref(state: &CentralWeb) -> Arc<Assets> {
        state.assets.clone()
    }
}

/// The signed-in commune account; pages that need one redirect to the sign-in page.
pub struct Account {
    /// The account.
    pub account: CommuneAccount,
    /// The session token (to end the session).
    pub token: String,
}

impl FromRequestParts<CentralWeb> for Account {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &CentralWeb) -> Result<Self, WebError> {
        let token = read_cookie(&parts.headers, SESSION_COOKIE).ok_or(WebError::SignInRequired)?;
        let account = state
            .commune
            .session(&token)?
            .ok_or(WebError::SignInRequired)?;
        Ok(Account { account, token })
    }
}

/// The signed-in commune account, if any.
pub struct MaybeAccount(pub Option<Account>);

impl FromRequestParts<CentralWeb> for MaybeAccount {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &CentralWeb) -> Result<Self, WebError> {
        match Account::from_request_parts(parts, state).await {
            Ok(account) => Ok(MaybeAccount(Some(account))),
            Err(WebError::SignInRequired) => Ok(MaybeAccount(None)),
            Err(e) => Err(e),
        }
    }
}

/// Central's HTTPS site.
pub fn router(state: CentralWeb) -> Router {
    Router::new()
        .route(p::HOME, get(pages::home))
        .route(p::SIGN_IN, get(pages::sign_in_page).post(pages::sign_in))
        .route(p::ACTIVATE, get(pages::activate_page).post(pages::activate))
        .route(p::SIGN_OUT, post(pages::sign_out))
        .route(p::CENTRAL_LINK_SCHOOL, post(pages::link_school))
        .route(p::CENTRAL_SIGN, post(pages::sign))
        .route(p::CENTRAL_CONSENT, post(pages::consent))
        .route(p::CENTRAL_REPLY, post(pages::reply))
        .route(p::CENTRAL_WORD_FILE, get(pages::word_file))
        .route(p::CENTRAL_ENTRY_FILE, get(pages::entry_file))
        .route(p::CENTRAL_NEWS_FILE, get(pages::news_file))
        .route(
            p::CENTRAL_MESSAGES,
            get(pages::messages).post(pages::send_message),
        )
        .route(
            p::CENTRAL_CONVERSATION,
            get(pages::conversation).post(pages::reply_message),
        )
        .route(p::CENTRAL_ADMIN, get(pages::admin))
        .route(p::CENTRAL_UNLOCK, post(pages::unlock))
        .route(p::STATIC, get(assets::serve))
        .fallback(crate::error::not_found)
        .layer(from_fn(security::csrf))
        .layer(from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(
            state.assets.clone(),
            crate::edge::edge,
        ))
        .with_state(state)
}

/// How long ago something happened, in French (« il y a 3 min »).
pub fn ago(now: i64, at: i64) -> String {
    match (now - at).max(0) / 60 {
        0 => "à l'instant".to_string(),
        1 => "il y a 1 min".to_string(),
        m if m < 120 => format!("il y a {m} min"),
        m if m < 48 * 60 => format!("il y a {} h", m / 60),
        m => format!("il y a {} jours", m / (24 * 60)),
    }
}
