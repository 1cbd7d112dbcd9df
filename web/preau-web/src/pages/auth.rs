//! Signing in: adults with a password, pupils with their class, name and picture code or
//! their QR card, first sign-in with an activation code, signing out.

use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::{self, PICTURES};
use crate::paths::{self, with};
use crate::session::{Csrf, MaybeMe, SESSION_COOKIE, Visitor, clear_cookie, start_session};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::{AppError, SignedIn};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInView {
    layout: Layout,
    error: Option<String>,
    login: String,
}

#[derive(Template)]
#[template(path = "pupil_classes.html")]
struct PupilClassesView {
    layout: Layout,
    error: Option<String>,
    classes: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pupil_names.html")]
struct PupilNamesView {
    layout: Layout,
    class_name: String,
    pupils: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pupil_pictures.html")]
struct PicturesView {
    layout: Layout,
    name: String,
    error: Option<String>,
    action: String,
    so_far: String,
    chosen: usize,
    progress: [bool; 3],
    pictures: [(&'static str, &'static str); 9],
}

#[derive(Template)]
#[template(path = "card.html")]
struct CardView {
    layout: Layout,
    name: String,
    action: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "activate.html")]
struct ActivateView {
    layout: Layout,
    error: Option<String>,
    login: String,
    min_len: usize,
}

/// Back to the portal with the new session's cookies.
fn signed_in(done: SignedIn) -> Response {
    let mut response = redirect(paths::HOME);
    start_session(&mut response, &done.token);
    response
}

/// The status and French message of a failed attempt (the same mapping as error pages).
fn failure(e: AppError) -> (axum::http::StatusCode, String) {
    WebError::App(e).status_and_message()
}

/// `GET /connexion`.
pub async fn sign_in_page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    MaybeMe(me): MaybeMe,
) -> Result<Response, WebError> {
    if me.is_some() {
        return Ok(redirect(paths::HOME));
    }
    render(SignInView {
        layout: Layout::new(&state, &csrf, None),
        error: None,
        login: String::new(),
    })
}

/// The adults' sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
}

/// `POST /connexion`.
pub async fn sign_in(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebForm(form): WebForm<SignInForm>,
) -> Result<Response, WebError> {
    match state
        .app
        .sign_in_password(&visitor, &form.login, &form.password)
        .await
    {
        Ok(done) => Ok(signed_in(done)),
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(e) => {
            let (status, message) = failure(e);
            render_with(
                status,
                SignInView {
                    layout: Layout::new(&state, &csrf, None),
                    error: Some(message),
                    login: form.login,
                },
            )
        }
    }
}

/// `GET /connexion/eleve`: the classes, as big buttons.
pub async fn pupil_classes(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
) -> Result<Response, WebError> {
    let classes = state.app.pupil_sign_in_classes(&visitor)?;
    render(PupilClassesView {
        layout: Layout::new(&state, &csrf, None),
        error: None,
        classes: classes
            .iter()
            .map(|c| (with(paths::PUPIL_CLASS, c.id), c.name.clone()))
            .collect(),
    })
}

/// `GET /connexion/eleve/classe/{class}`: the pupils' first names.
pub async fn pupil_names(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebPath(class): WebPath<u64>,
) -> Result<Response, WebError> {
    let (class, pupils) = state
        .app
        .pupil_sign_in_names(&visitor, preau_core::ClassId(class))?;
    render(PupilNamesView {
        layout: Layout::new(&state, &csrf, None),
        class_name: class.name,
        pupils: pupils
            .iter()
            .map(|p| (with(paths::PUPIL_PICTURES, p.id), p.short_name()))
            .collect(),
    })
}

fn pictures_view(
    state: &WebState,
    csrf: &str,
    pupil: &preau_core::User,
    so_far: &[u8],
    error: Option<String>,
) -> PicturesView {
    let mut progress = [false; 3];
    for slot in progress.iter_mut().take(so_far.len()) {
        *slot = true;
    }
    PicturesView {
        layout: Layout::new(state, csrf, None),
        name: pupil.first_name.clone(),
        error,
        action: with(paths::PUPIL_PICTURES, pupil.id),
        so_far: so_far
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("-"),
        chosen: so_far.len(),
        progress,
        pictures: PICTURES,
    }
}

/// `GET /connexion/eleve/{pupil}`: the nine pictures.
pub async fn pictures_page(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebPath(pupil): WebPath<u64>,
) -> Result<Response, WebError> {
    let pupil = state
        .app
        .pupil_for_sign_in(&visitor, preau_core::UserId(pupil))?;
    render(pictures_view(&state, &csrf, &pupil, &[], None))
}

/// One press on a picture.
#[derive(Deserialize)]
pub struct PictureStep {
    #[serde(default)]
    deja: String,
    image: u8,
}

/// `POST /connexion/eleve/{pupil}`: adds a picture; at the third, tries to sign in.
pub async fn pictures_step(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebPath(pupil): WebPath<u64>,
    WebForm(step): WebForm<PictureStep>,
) -> Result<Response, WebError> {
    let pupil = state
        .app
        .pupil_for_sign_in(&visitor, preau_core::UserId(pupil))?;
    let mut picks: Vec<u8> = step
        .deja
        .split('-')
        .filter_map(|p| p.parse().ok())
        .filter(|p| *p < 9)
        .collect();
    if step.image >= 9 || picks.len() >= 3 {
        return Err(WebError::BadForm("picture out of range".into()));
    }
    picks.push(step.image);
    if picks.len() < 3 {
        return render(pictures_view(&state, &csrf, &pupil, &picks, None));
    }
    match state
        .app
        .sign_in_pictures(&visitor, pupil.id, [picks[0], picks[1], picks[2]])
    {
        Ok(done) => Ok(signed_in(done)),
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(AppError::WrongCredentials) => render_with(
            axum::http::StatusCode::UNAUTHORIZED,
            pictures_view(
                &state,
                &csrf,
                &pupil,
                &[],
                Some(i18n::WRONG_PICTURES.into()),
            ),
        ),
        Err(e) => {
            let (status, message) = failure(e);
            render_with(
                status,
                pictures_view(&state, &csrf, &pupil, &[], Some(message)),
            )
        }
    }
}

/// `GET /connexion/carte/{secret}`: greets the card's owner.
pub async fn card_page(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebPath(secret): WebPath<String>,
) -> Result<Response, WebError> {
    let pupil = state.app.card_holder(&visitor, &secret)?;
    render(CardView {
        layout: Layout::new(&state, &csrf, None),
        name: pupil.first_name,
        action: with(paths::CARD, &secret),
        error: None,
    })
}

/// `POST /connexion/carte/{secret}`: signs the card's owner in.
pub async fn card_sign_in(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebPath(secret): WebPath<String>,
) -> Result<Response, WebError> {
    match state.app.sign_in_card(&visitor, &secret) {
        Ok(done) => Ok(signed_in(done)),
        Err(e @ (AppError::Wait(_) | AppError::Locked)) => {
            let pupil = state.app.card_holder(&visitor, &secret)?;
            let (status, message) = failure(e);
            render_with(
                status,
                CardView {
                    layout: Layout::new(&state, &csrf, None),
                    name: pupil.first_name,
                    action: with(paths::CARD, &secret),
                    error: Some(message),
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Pre-fills the identifier from an activation letter's QR code.
#[derive(Deserialize, Default)]
pub struct ActivateQuery {
    #[serde(default)]
    identifiant: String,
}

/// `GET /activation`.
pub async fn activate_page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    WebQuery(query): WebQuery<ActivateQuery>,
) -> Result<Response, WebError> {
    render(ActivateView {
        layout: Layout::new(&state, &csrf, None),
        error: None,
        login: query.identifiant,
        min_len: preau_app::auth::MIN_PASSWORD_LEN,
    })
}

/// The activation form.
#[derive(Deserialize)]
pub struct ActivateForm {
    login: String,
    code: String,
    password: String,
    confirmation: String,
}

/// `POST /activation`: sets the password and signs in.
pub async fn activate(
    State(state): State<WebState>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebForm(form): WebForm<ActivateForm>,
) -> Result<Response, WebError> {
    match state
        .app
        .activate(
            &visitor,
            &form.login,
            &form.code,
            &form.password,
            &form.confirmation,
        )
        .await
    {
        Ok(done) => Ok(signed_in(done)),
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(e) => {
            let wrong = matches!(e, AppError::WrongCredentials);
            let (status, mut message) = failure(e);
            if wrong {
                message = i18n::WRONG_ACTIVATION.into();
            }
            render_with(
                status,
                ActivateView {
                    layout: Layout::new(&state, &csrf, None),
                    error: Some(message),
                    login: form.login,
                    min_len: preau_app::auth::MIN_PASSWORD_LEN,
                },
            )
        }
    }
}

/// `POST /deconnexion`: ends the session server-side.
pub async fn sign_out(
    State(state): State<WebState>,
    MaybeMe(me): MaybeMe,
) -> Result<Response, WebError> {
    if let Some(me) = me {
        state.app.sign_out(&me.token)?;
    }
    let mut response = redirect(paths::SIGN_IN);
    clear_cookie(&mut response, SESSION_COOKIE);
    Ok(response)
}
