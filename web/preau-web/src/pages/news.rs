//! The school's news in the browser: the list (pinned first, newest first, with pictures),
//! an item's page with its pictures and attachments, the headteacher's form to publish and
//! change an item (multipart, its CSRF token in the address), withdrawal, and the section of
//! the portal that shows each person the latest news meant for them.

use super::{Layout, page_status, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::{WebError, refusal};
use crate::forms::WebPath;
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use crate::upload::FormReader;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use preau_app::documents::Received;
use preau_app::news::{NewsForm, PictureSize, is_picture};
use preau_app::{AppError, paris, rich_text};
use preau_core::{BlobId, News, NewsAudience, NewsId, Role};

/// Characters of the body shown in lists.
const EXCERPT_CHARS: usize = 240;
/// Items on the portal of families and pupils (cards) and of the school's team (a list).
const PORTAL_CARDS: usize = 3;
const PORTAL_LINES: usize = 5;

/// A news item in a list.
pub struct Card {
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) date: String,
    pub(crate) audience: String,
    pub(crate) pinned: bool,
    pub(crate) scheduled: Option<String>,
    pub(crate) excerpt: String,
    pub(crate) picture: Option<String>,
    pub(crate) files: usize,
}

fn card(state: &WebState, news: &News, now: i64) -> Card {
    let plain = rich_text::to_plain(&news.body);
    let mut excerpt: String = plain.chars().take(EXCERPT_CHARS).collect();
    if plain.chars().count() > EXCERPT_CHARS {
        excerpt.push('…');
    }
    Card {
        url: with(paths::NEWS_ITEM, news.id),
        title: news.title.clone(),
        date: paris::long_day(news.publish_at),
        audience: state.app.news_audience_label(news.audience),
        pinned: news.pinned,
        scheduled: scheduled(news, now),
        excerpt,
        picture: news
            .files
            .iter()
            .find(|f| is_picture(f))
            .map(|f| file_url(paths::NEWS_THUMB, news.id, &f.blob)),
        files: news.files.len(),
    }
}

/// « Programmée : publication le … » for an item waiting for its date.
fn scheduled(news: &News, now: i64) -> Option<String> {
    news.is_scheduled(now)
        .then(|| format!("Publication le {}", paris::long(news.publish_at)))
}

fn file_url(pattern: &str, id: NewsId, blob: &BlobId) -> String {
    with2(pattern, id, blob.hex())
}

#[derive(Template)]
#[template(path = "news.html")]
struct ListView {
    layout: Layout,
    cards: Vec<Card>,
    can_publish: bool,
}

/// `GET /actualites`.
pub async fn list(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let now = state.app.now();
    let cards = state
        .app
        .news(subject, None)?
        .iter()
        .map(|n| card(&state, n, now))
        .collect();
    render(ListView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        cards,
        can_publish: state.app.may_publish_news(subject),
    })
}

/// The news section of the portal.
pub struct PortalNews {
    pub(crate) cards: Vec<Card>,
    pub(crate) compact: bool,
    pub(crate) all_url: &'static str,
}

/// The latest news for the portal: cards for families and pupils, a short list for the
/// school's team; `None` for those who read no news.
pub fn portal_news(state: &WebState, me: &Me) -> Result<Option<PortalNews>, WebError> {
    let subject = &me.current.subject;
    if !state.app.may_read_news(subject) {
        return Ok(None);
    }
    let compact = !matches!(subject.role, Role::Parent | Role::Pupil);
    let limit = if compact { PORTAL_LINES } else { PORTAL_CARDS };
    let now = state.app.now();
    let cards = state
        .app
        .news(subject, Some(limit))?
        .iter()
        .map(|n| card(state, n, now))
        .collect();
    Ok(Some(PortalNews {
        cards,
        compact,
        all_url: paths::NEWS,
    }))
}

#[derive(Template)]
#[template(path = "news_item.html")]
struct ItemView {
    layout: Layout,
    title: String,
    body: String,
    date: String,
    author: String,
    audience: String,
    pinned: bool,
    scheduled: Option<String>,
    pictures: Vec<(String, String)>,
    attachments: Vec<(String, String, String)>,
    manage: bool,
    edit_url: String,
    withdraw_url: String,
}

/// `GET /actualites/{id}`.
pub async fn item(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let news = state.app.news_item(subject, NewsId(id))?;
    let (pictures, attachments): (Vec<_>, Vec<_>) = news.files.iter().partition(|f| is_picture(f));
    render(ItemView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        date: paris::long_day(news.publish_at),
        author: state
            .app
            .directory()
            .user(news.author)
            .map(|u| u.full_name())
            .unwrap_or_default(),
        audience: state.app.news_audience_label(news.audience),
        pinned: news.pinned,
        scheduled: scheduled(&news, state.app.now()),
        pictures: pictures
            .iter()
            .map(|f| {
                (
                    file_url(paths::NEWS_PICTURE, news.id, &f.blob),
                    alt(&f.name),
                )
            })
            .collect(),
        attachments: attachments
            .iter()
            .map(|f| {
                (
                    file_url(paths::NEWS_FILE, news.id, &f.blob),
                    f.name.clone(),
                    size(f.size),
                )
            })
            .collect(),
        manage: state.app.may_publish_news(subject),
        edit_url: with(paths::NEWS_EDIT, news.id),
        withdraw_url: with(paths::NEWS_WITHDRAW, news.id),
        title: news.title,
        body: news.body,
    })
}

/// A picture's text alternative from its file name ("sortie-musee.jpg" → "sortie musee").
fn alt(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    stem.replace(['-', '_'], " ")
}

/// One file already attached, on the edit form.
struct AttachedRow {
    blob: String,
    name: String,
    size: String,
    picture: bool,
}

#[derive(Template)]
#[template(path = "news_form.html")]
struct FormView {
    layout: Layout,
    heading: &'static str,
    action: String,
    back_url: String,
    title: String,
    body: String,
    audiences: Vec<(String, String, bool)>,
    pinned: bool,
    publish_at: String,
    attached: Vec<AttachedRow>,
    max_file: String,
    error: Option<String>,
    script_url: String,
}

/// The form, filled from `form` (and the item's files when editing).
fn form_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    editing: Option<&News>,
    form: &NewsForm,
    error: Option<String>,
) -> FormView {
    let (heading, action, back_url) = match editing {
        Some(n) => (
            "Modifier l'actualité",
            with(paths::NEWS_EDIT, n.id),
            with(paths::NEWS_ITEM, n.id),
        ),
        None => (
            "Publier une actualité",
            paths::NEWS_NEW.to_string(),
            paths::NEWS.to_string(),
        ),
    };
    FormView {
        layout: Layout::new(state, csrf, Some(me)),
        heading,
        action: format!("{action}?_csrf={csrf}"),
        back_url,
        title: form.title.clone(),
        body: form.body.clone(),
        audiences: state
            .app
            .news_audiences()
            .into_iter()
            .map(|(a, label)| (a.code(), label, form.audience == Some(a)))
            .collect(),
        pinned: form.pinned,
        publish_at: form.publish_at.clone(),
        attached: editing
            .map(|n| {
                n.files
                    .iter()
                    .filter(|f| !form.remove.contains(&f.blob))
                    .map(|f| AttachedRow {
                        blob: f.blob.hex(),
                        name: f.name.clone(),
                        size: size(f.size),
                        picture: is_picture(f),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        max_file: size(state.app.settings().max_file_bytes),
        error,
        script_url: state.assets.js_url.clone(),
    }
}

/// `GET /actualites/nouvelle`.
pub async fn new_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    state.app.check_news_publisher(&me.current.subject)?;
    let form = NewsForm {
        audience: Some(NewsAudience::Families),
        ..NewsForm::default()
    };
    render(form_view(&state, &csrf, &me, None, &form, None))
}

/// `GET /actualites/{id}/modifier`.
pub async fn edit_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    state.app.check_news_publisher(subject)?;
    let news = state.app.news_item(subject, NewsId(id))?;
    let form = NewsForm {
        title: news.title.clone(),
        body: news.body.clone(),
        audience: Some(news.audience),
        pinned: news.pinned,
        publish_at: paris::input_value(news.publish_at),
        remove: Vec::new(),
    };
    render(form_view(&state, &csrf, &me, Some(&news), &form, None))
}

/// Reads the news form: its fields and the files sent (field `fichiers`), each streamed
/// into a blob as it arrives.
async fn news_fields(
    state: &WebState,
    multipart: Multipart,
) -> Result<(NewsForm, Vec<(String, Received)>), WebError> {
    let mut form = NewsForm::default();
    let mut files = Vec::new();
    let mut reader = FormReader::new(&state.app, multipart, &["fichiers"]);
    while let Some((name, value)) = reader.next_text(&mut files).await? {
        match name.as_str() {
            "titre" => form.title = value,
            "texte" => form.body = value,
            "destinataires" => form.audience = NewsAudience::from_code(&value),
            "epinglee" => form.pinned = true,
            "publication" => form.publish_at = value,
            "retirer" => form.remove.extend(BlobId::from_hex(value.trim())),
            _ => {}
        }
    }
    Ok((form, files))
}

/// `POST /actualites/nouvelle` (multipart). Anyone but a publisher is refused before a byte
/// of a file is stored.
pub async fn publish(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    state.app.check_news_publisher(subject)?;
    let (form, files) = news_fields(&state, multipart).await?;
    match state.app.publish_news(subject, &form, &files) {
        Ok(news) => Ok(redirect(&with(paths::NEWS_ITEM, news.id))),
        Err(AppError::Invalid(p)) => form_again(&state, &csrf, &me, None, &form, &p),
        Err(e) => Err(e.into()),
    }
}

/// `POST /actualites/{id}/modifier` (multipart).
pub async fn update(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    state.app.check_news_publisher(subject)?;
    let (form, files) = news_fields(&state, multipart).await?;
    match state.app.update_news(subject, NewsId(id), &form, &files) {
        Ok(news) => Ok(redirect(&with(paths::NEWS_ITEM, news.id))),
        Err(AppError::Invalid(p)) => {
            let news = state.app.news_item(subject, NewsId(id))?;
            form_again(&state, &csrf, &me, Some(&news), &form, &p)
        }
        Err(e) => Err(e.into()),
    }
}

/// The form shown again with what was typed and why it was refused (files must be chosen
/// again: nothing was published).
fn form_again(
    state: &WebState,
    csrf: &str,
    me: &Me,
    editing: Option<&News>,
    form: &NewsForm,
    problem: &preau_app::Problem,
) -> Result<Response, WebError> {
    let (status, message) = page_status(Some(refusal(problem)));
    let view = form_view(state, csrf, me, editing, form, message);
    render_with(status, view)
}

/// `POST /actualites/{id}/retirer`.
pub async fn withdraw(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state.app.withdraw_news(&me.current.subject, NewsId(id))?;
    Ok(redirect(paths::NEWS))
}

/// The item and file digest of a file's address.
fn file_ref(id: u64, blob: &str) -> Result<(NewsId, BlobId), WebError> {
    BlobId::from_hex(blob)
        .map(|b| (NewsId(id), b))
        .ok_or(WebError::NotFound)
}

/// `GET /actualites/{id}/fichiers/{blob}`: always an attachment, with the safe headers of
/// every download.
pub async fn file(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, blob)): WebPath<(u64, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (id, blob) = file_ref(id, &blob)?;
    let (news, f, content) = state.app.news_file(&me.current.subject, id, blob)?;
    let download = Download {
        file: content,
        size: f.size,
        etag: f.blob.hex(),
        name: f.name,
        mime: f.mime,
        inline: false,
        modified: news.updated_at,
    };
    Ok(respond(&method, &headers, download).await)
}

/// `GET /actualites/{id}/images/{blob}`: the picture re-encoded, shown inline in a sandbox.
pub async fn picture(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, blob)): WebPath<(u64, String)>,
) -> Result<Response, WebError> {
    picture_response(&state, &me, id, &blob, PictureSize::Full)
}

/// `GET /actualites/{id}/vignettes/{blob}`.
pub async fn thumbnail(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, blob)): WebPath<(u64, String)>,
) -> Result<Response, WebError> {
    picture_response(&state, &me, id, &blob, PictureSize::Thumbnail)
}

fn picture_response(
    state: &WebState,
    me: &Me,
    id: u64,
    blob: &str,
    size: PictureSize,
) -> Result<Response, WebError> {
    let (id, blob) = file_ref(id, blob)?;
    let (bytes, mime) = state
        .app
        .news_picture(&me.current.subject, id, blob, size)?;
    Ok(super::documents::picture(bytes, mime))
}
