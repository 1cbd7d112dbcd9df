//! The page that lists one's classes and children, to open the liaison book or the logbook
//! of one of them; a pupil goes straight to their own.

use super::{Layout, redirect, render};
use crate::WebState;
use crate::error::WebError;
use crate::paths::with;
use crate::session::Me;
use askama::Template;
use axum::response::Response;
use preau_core::{ClassId, Role, User};

/// What the page is about.
pub struct Book {
    /// The page's title (« Carnet de liaison »).
    pub title: &'static str,
    /// Its pictogram.
    pub icon: &'static str,
    /// What it says when there is nothing to list.
    pub empty: &'static str,
    /// The path of a class's page, with `{id}`.
    pub class_path: &'static str,
    /// The path of a pupil's page, with `{id}`.
    pub pupil_path: &'static str,
}

#[derive(Template)]
#[template(path = "chooser.html")]
struct ChooserView {
    layout: Layout,
    title: &'static str,
    icon: &'static str,
    empty: &'static str,
    classes: Vec<(String, String)>,
    pupils: Vec<(String, String, String)>,
}

/// The page listing `classes` and `pupils` (one's children) for `book`; a pupil, whose
/// `pupils` is themselves, is sent to their own page.
pub fn page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    book: &Book,
    classes: Vec<(ClassId, String)>,
    pupils: &[User],
) -> Result<Response, WebError> {
    if me.current.user.role == Role::Pupil {
        let mine = pupils.first().ok_or(WebError::NotFound)?;
        return Ok(redirect(&with(book.pupil_path, mine.id)));
    }
    let dir = state.app.directory();
    render(ChooserView {
        layout: Layout::new(state, csrf, Some(me)),
        title: book.title,
        icon: book.icon,
        empty: book.empty,
        classes: classes
            .into_iter()
            .map(|(id, name)| (with(book.class_path, id), name))
            .collect(),
        pupils: pupils
            .iter()
            .map(|p| {
                let class = dir.class_of(p).map(|c| c.name.clone()).unwrap_or_default();
                (with(book.pupil_path, p.id), p.first_name.clone(), class)
            })
            .collect(),
    })
}
