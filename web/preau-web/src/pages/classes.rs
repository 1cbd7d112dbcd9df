//! A class for its teachers: the pupils, who is locked out, and the printable QR login cards.

use super::account::french_date;
use super::{Layout, redirect, render};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
use crate::i18n::{PICTURES, picture_names};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_core::level::levels_label;
use preau_core::{Action, ClassId, UserId};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

struct PupilRow {
    name: String,
    first_name: String,
    birth: String,
    locked: bool,
    unlock_url: String,
}

#[derive(Template)]
#[template(path = "class.html")]
struct ClassView {
    layout: Layout,
    name: String,
    levels: String,
    teachers: String,
    pupils: Vec<PupilRow>,
    cards: bool,
    cards_url: String,
    can_unlock: bool,
    self_url: String,
}

struct CardRow {
    name: String,
    qr_svg: String,
    pictures: Vec<(&'static str, &'static str)>,
    picture_names: String,
}

#[derive(Template)]
#[template(path = "cards.html")]
struct CardsView {
    css_url: String,
    class_name: String,
    school: String,
    back_url: String,
    cards: Vec<CardRow>,
}

/// `GET /classe/{id}`.
pub async fn class_page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let id = ClassId(id);
    let directory = state.app.directory();
    let class = directory.class(id).ok_or(WebError::NotFound)?;
    let subject = &me.current.subject;
    if !directory.can_on_class(subject, Action::ViewClass, id) {
        return Err(WebError::Forbidden);
    }
    let locked = state.app.locked_pupils(subject, id)?;
    let pupils = directory
        .pupils_of(id)
        .into_iter()
        .map(|p| PupilRow {
            name: p.full_name(),
            first_name: p.first_name.clone(),
            birth: p.birth_date.map(french_date).unwrap_or_default(),
            locked: locked.contains(&p.id),
            unlock_url: with(paths::UNLOCK, p.id),
        })
        .collect();
    render(ClassView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        name: class.name.clone(),
        levels: levels_label(&class.levels),
        teachers: directory
            .teachers_of(id)
            .iter()
            .map(|t| t.full_name())
            .collect::<Vec<_>>()
            .join(", "),
        pupils,
        cards: directory.can_on_class(subject, Action::PrintLoginCards, id),
        cards_url: with(paths::CLASS_CARDS, id),
        can_unlock: directory.can_on_class(subject, Action::UnlockAccount, id),
        self_url: with(paths::CLASS, id),
    })
}

/// An SVG QR code for a URL (empty when the URL is too long to encode).
pub fn qr_svg(url: &str) -> String {
    QrCode::new(url.as_bytes())
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(150, 150)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// `GET /classe/{id}/cartes`: an A4 sheet of QR login cards.
pub async fn cards(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let id = ClassId(id);
    let directory = state.app.directory();
    let class = directory.class(id).ok_or(WebError::NotFound)?;
    let cards = state
        .app
        .card_credentials(&me.current.subject, id)?
        .into_iter()
        .map(|(pupil, credentials)| {
            let url = credentials
                .card_secret
                .map(|s| format!("{}{}", state.public_url, with(paths::CARD, s)))
                .unwrap_or_default();
            let code = credentials.picture_code.unwrap_or_default();
            CardRow {
                name: pupil.full_name(),
                qr_svg: qr_svg(&url),
                pictures: code
                    .iter()
                    .filter_map(|p| PICTURES.get(*p as usize).copied())
                    .collect(),
                picture_names: picture_names(&code),
            }
        })
        .collect();
    render(CardsView {
        css_url: state.assets.css_url.clone(),
        class_name: class.name.clone(),
        school: directory
            .school()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        back_url: with(paths::CLASS, id),
        cards,
    })
}

/// Where to go back after an action.
#[derive(Deserialize)]
pub struct ReturnTo {
    #[serde(default)]
    retour: String,
}

/// `POST /comptes/{id}/debloquer`: a teacher or the headteacher unlocks an account.
pub async fn unlock(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<ReturnTo>,
) -> Result<Response, WebError> {
    state.app.unlock(&me.current.subject, UserId(id))?;
    let back = if paths::is_local(&form.retour) {
        form.retour
    } else {
        paths::HOME.to_string()
    };
    Ok(redirect(&back))
}
