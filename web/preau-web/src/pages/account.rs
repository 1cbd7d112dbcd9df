//! One's own account, and the profiles one may see.

use super::{Layout, render, render_with};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
use crate::paths;
use crate::session::{Csrf, Me, start_session};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::AppError;
use preau_core::{Action, UserId};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountView {
    layout: Layout,
    name: String,
    login: String,
    role: &'static str,
    adult: bool,
    message: Option<String>,
    ok: bool,
    min_len: usize,
    /// The network drive's section.
    dav: DavSection,
}

/// The "Lecteur réseau (WebDAV)" section of the account page.
struct DavSection {
    /// The drive's address ("https://ecole.local/dav/").
    url: String,
    /// A password just created, shown this once.
    created: Option<String>,
    /// A message about the last action.
    message: Option<String>,
    /// Whether that message reports a success.
    ok: bool,
    /// The person's application passwords.
    passwords: Vec<AppPasswordRow>,
    /// The longest label accepted.
    max_label: usize,
}

/// One application password as listed.
struct AppPasswordRow {
    label: String,
    created: String,
    last_used: String,
    revoke_url: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfileView {
    layout: Layout,
    name: String,
    role: &'static str,
    class: Option<String>,
    teachers: String,
    birth: Option<String>,
}

fn account_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    message: Option<String>,
    ok: bool,
) -> AccountView {
    let user = &me.current.user;
    AccountView {
        layout: Layout::new(state, csrf, Some(me)),
        name: user.full_name(),
        login: user.login.clone(),
        role: user.role.label(),
        adult: user.role.is_adult(),
        message,
        ok,
        min_len: preau_app::auth::MIN_PASSWORD_LEN,
        dav: dav_section(state, me, None, None, false),
    }
}

fn dav_section(
    state: &WebState,
    me: &Me,
    created: Option<String>,
    message: Option<String>,
    ok: bool,
) -> DavSection {
    // A listing that fails only leaves the list empty; the page still shows.
    let passwords = state
        .app
        .app_passwords(&me.current.subject)
        .unwrap_or_default()
        .into_iter()
        .map(|p| AppPasswordRow {
            label: p.label,
            created: preau_app::paris::short(p.created_at),
            last_used: p
                .last_used_at
                .map(preau_app::paris::short)
                .unwrap_or_else(|| "jamais".into()),
            revoke_url: paths::with(paths::ACCOUNT_APP_PASSWORD_REVOKE, p.id),
        })
        .collect();
    DavSection {
        url: format!(
            "{}{}",
            state.public_url.trim_end_matches('/'),
            paths::DAV_ROOT
        ),
        created,
        message,
        ok,
        passwords,
        max_label: preau_app::app_passwords::MAX_LABEL_CHARS,
    }
}

/// `GET /compte`.
pub async fn page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    if !state.app.directory().can_on_user(
        &me.current.subject,
        Action::ViewProfile,
        me.current.user.id,
    ) {
        return Err(WebError::Forbidden);
    }
    render(account_view(&state, &csrf, &me, None, false))
}

/// The password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirmation: String,
}

/// `POST /compte/mot-de-passe`: changes the password and ends every other session.
pub async fn change_password(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(form): WebForm<PasswordForm>,
) -> Result<Response, WebError> {
    match state
        .app
        .change_password(&me.token, &form.current, &form.password, &form.confirmation)
        .await
    {
        Ok(done) => {
            let mut response = render(account_view(
                &state,
                &csrf,
                &me,
                Some("Votre mot de passe a été changé.".into()),
                true,
            ))?;
            start_session(&mut response, &done.token);
            Ok(response)
        }
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(e) => {
            let wrong = matches!(e, AppError::WrongCredentials);
            let (status, mut message) = WebError::App(e).status_and_message();
            if wrong {
                message = "Le mot de passe actuel est incorrect.".into();
            }
            render_with(
                status,
                account_view(&state, &csrf, &me, Some(message), false),
            )
        }
    }
}

/// The form creating an application password.
#[derive(Deserialize)]
pub struct AppPasswordForm {
    #[serde(default)]
    label: String,
}

/// `POST /compte/mots-de-passe-application`: creates an application password for the
/// network drive and shows it once.
pub async fn create_app_password(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(form): WebForm<AppPasswordForm>,
) -> Result<Response, WebError> {
    let mut view = account_view(&state, &csrf, &me, None, false);
    match state
        .app
        .create_app_password(&me.current.subject, &form.label)
    {
        Ok(secret) => {
            view.dav = dav_section(
                &state,
                &me,
                Some(secret),
                Some("Le mot de passe d'application a été créé. Notez-le maintenant : il ne sera plus affiché.".into()),
                true,
            );
            render(view)
        }
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(e) => {
            let (status, message) = WebError::App(e).status_and_message();
            view.dav = dav_section(&state, &me, None, Some(message), false);
            render_with(status, view)
        }
    }
}

/// `POST /compte/mots-de-passe-application/{id}/revoquer`: revokes one application password.
pub async fn revoke_app_password(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state.app.revoke_app_password(&me.current.subject, id)?;
    let mut view = account_view(&state, &csrf, &me, None, false);
    view.dav = dav_section(
        &state,
        &me,
        None,
        Some("Le mot de passe d'application a été révoqué : le lecteur réseau qui l'utilisait est déconnecté.".into()),
        true,
    );
    render(view)
}

/// `GET /profil/{id}`: a person's profile, for those allowed to see it.
pub async fn profile(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let directory = state.app.directory();
    let id = UserId(id);
    let user = directory.user(id).ok_or(WebError::NotFound)?;
    if !directory.can_on_user(&me.current.subject, Action::ViewProfile, id) {
        return Err(WebError::Forbidden);
    }
    let class = directory.class_of(user);
    let teachers = class
        .map(|c| {
            directory
                .teachers_of(c.id)
                .iter()
                .map(|t| t.full_name())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    render(ProfileView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        name: user.full_name(),
        role: user.role.label(),
        class: class.map(|c| c.name.clone()),
        teachers,
        birth: user.birth_date.map(french_date),
    })
}

/// A date as French people write it (14/03/2019).
pub fn french_date(date: time::Date) -> String {
    format!(
        "{:02}/{:02}/{}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}
