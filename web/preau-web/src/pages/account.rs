//! One's own account, and the profiles one may see.

use super::{Layout, render, render_with};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
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
