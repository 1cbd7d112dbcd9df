//! The library in the browser: browse by level, subject and kind; publish a resource (a
//! file or a link); a resource's page with its preview; collections.

use super::{Layout, page_status, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::size;
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use crate::upload::{FormReader, Part};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use preau_app::AppError;
use preau_app::documents::Received;
use preau_app::library::{LibraryFilter, ResourceForm};
use preau_app::media::{Inline, inline_kind};
use preau_app::paris;
use preau_core::{
    CollectionId, Discipline, Level, Resource, ResourceContent, ResourceId, ResourceKind,
};
use serde::Deserialize;

/// The library's filters as typed.
#[derive(Deserialize, Default)]
pub struct BrowseQuery {
    #[serde(default)]
    niveau: String,
    #[serde(default)]
    matiere: String,
    #[serde(default)]
    genre: String,
}

/// A resource in a list.
struct Card {
    url: String,
    icon: &'static str,
    title: String,
    details: String,
}

fn card(r: &Resource) -> Card {
    let mut details: Vec<String> = vec![r.kind.label().to_string()];
    details.extend(r.levels.iter().map(|l| l.code().to_string()));
    details.extend(r.disciplines.iter().map(|d| d.label().to_string()));
    Card {
        url: with(paths::RESOURCE, r.id),
        icon: r.kind.icon(),
        title: r.title.clone(),
        details: details.join(" · "),
    }
}

#[derive(Template)]
#[template(path = "library.html")]
struct LibraryView {
    layout: Layout,
    cards: Vec<Card>,
    levels: Vec<(&'static str, &'static str, bool)>,
    disciplines: Vec<(&'static str, &'static str, bool)>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    collections: Vec<(String, String, usize)>,
    can_publish: bool,
}

/// `GET /bibliotheque`.
pub async fn browse(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(q): WebQuery<BrowseQuery>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let filter = LibraryFilter {
        level: Level::from_code(&q.niveau),
        discipline: Discipline::parse(&q.matiere),
        kind: ResourceKind::parse(&q.genre),
    };
    let cards = state
        .app
        .resources(subject, &filter)?
        .iter()
        .map(card)
        .collect();
    let collections = state
        .app
        .collections(subject)?
        .into_iter()
        .map(|c| (with(paths::COLLECTION, c.id), c.title, c.resources.len()))
        .collect();
    render(LibraryView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        cards,
        levels: Level::ALL
            .iter()
            .map(|l| (l.code(), l.code(), filter.level == Some(*l)))
            .collect(),
        disciplines: Discipline::ALL
            .iter()
            .map(|d| (d.code(), d.label(), filter.discipline == Some(*d)))
            .collect(),
        kinds: ResourceKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), filter.kind == Some(*k)))
            .collect(),
        collections,
        can_publish: state.app.may_publish(subject),
    })
}

#[derive(Template)]
#[template(path = "publish.html")]
struct PublishView {
    layout: Layout,
    action: String,
    levels: Vec<(&'static str, &'static str)>,
    disciplines: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    script_url: String,
}

fn publish_view(state: &WebState, csrf: &str, me: &Me, error: Option<String>) -> PublishView {
    PublishView {
        layout: Layout::new(state, csrf, Some(me)),
        action: format!("{}?_csrf={csrf}", paths::LIBRARY_PUBLISH),
        levels: Level::ALL.iter().map(|l| (l.code(), l.code())).collect(),
        disciplines: Discipline::ALL
            .iter()
            .map(|d| (d.code(), d.label()))
            .collect(),
        kinds: ResourceKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        error,
        script_url: state.assets.js_url.clone(),
    }
}

/// `GET /bibliotheque/publier`.
pub async fn publish_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    if !state.app.may_publish(&me.current.subject) {
        return Err(WebError::Forbidden);
    }
    render(publish_view(&state, &csrf, &me, None))
}

/// Reads the metadata fields of the publish form from its multipart body.
async fn resource_fields(
    state: &WebState,
    multipart: Multipart,
) -> Result<(ResourceForm, Option<(String, Received)>), WebError> {
    let mut form = ResourceForm::default();
    let mut files = Vec::new();
    let mut reader = FormReader::new(&state.app, multipart, &["fichier"]);
    while let Some((name, value)) = reader.next_text(&mut files).await? {
        match name.as_str() {
            "titre" => form.title = value,
            "description" => form.description = value,
            "auteur" => form.author = value,
            "licence" => form.licence = value,
            "adresse" => form.url = value,
            "genre" => form.kind = ResourceKind::parse(&value),
            "niveaux" => form.levels.extend(Level::from_code(&value)),
            "matieres" => form.disciplines.extend(Discipline::parse(&value)),
            _ => {}
        }
    }
    Ok((form, files.pop()))
}

/// `POST /bibliotheque/publier` (multipart: the metadata and a file, or an address).
pub async fn publish(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let outcome = match resource_fields(&state, multipart).await {
        Ok((form, file)) => state
            .app
            .publish_resource(
                &me.current.subject,
                &form,
                file.as_ref().map(|(n, r)| (n.as_str(), r)),
            )
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(r) => Ok(redirect(&with(paths::RESOURCE, r.id))),
        Err(WebError::App(AppError::Invalid(p))) => {
            let (status, message) = refusal(&p);
            render_with(status, publish_view(&state, &csrf, &me, Some(message)))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourceView {
    layout: Layout,
    title: String,
    icon: &'static str,
    kind: &'static str,
    description: String,
    levels: String,
    disciplines: String,
    author: String,
    licence: String,
    published: String,
    link: Option<String>,
    file: Option<(String, String)>,
    download_url: String,
    preview: Option<(&'static str, String)>,
    manage: bool,
    withdraw_url: String,
    curate_url: String,
    collections: Vec<(CollectionId, String)>,
    extraction_problem: Option<String>,
    /// The page of the sequence, for a published sequence of exercises (bank users only).
    exercises: Option<String>,
    error: Option<String>,
}

/// `GET /bibliotheque/ressources/{id}`.
pub async fn resource(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    resource_page(&state, &csrf, &me, ResourceId(id), None)
}

fn resource_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: ResourceId,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let r = state.app.resource(subject, id)?;
    let manage = state.app.may_manage_resource(subject, &r);
    let exercises = match &r.content {
        ResourceContent::Exercises { sequence } if state.app.may_use_exercise_bank(subject) => {
            Some(with(paths::EXERCISE_SEQUENCE, sequence))
        }
        _ => None,
    };
    let (link, file, preview, extraction_problem) = match &r.content {
        ResourceContent::Link { url } => (Some(url.clone()), None, None, None),
        ResourceContent::Exercises { .. } => (None, None, None, None),
        ResourceContent::File { name, revision } => {
            let url = with(paths::RESOURCE_VIEW, id);
            let preview = inline_kind(&revision.mime).map(|k| match k {
                Inline::Image => ("image", url.clone()),
                Inline::Pdf => ("pdf", url.clone()),
                Inline::Text => ("text", url.clone()),
                Inline::Audio => ("audio", url.clone()),
                Inline::Video => ("video", url.clone()),
            });
            let problem = if manage {
                state.app.extraction_problem(&revision.blob)?
            } else {
                None
            };
            (
                None,
                Some((name.clone(), size(revision.size))),
                preview,
                problem,
            )
        }
    };
    let collections = if state.app.may_publish(subject) {
        state
            .app
            .collections(subject)?
            .into_iter()
            .filter(|c| c.owner == subject.user)
            .map(|c| (c.id, c.title))
            .collect()
    } else {
        Vec::new()
    };
    let (status, error) = page_status(error);
    render_with(
        status,
        ResourceView {
            layout: Layout::new(state, csrf, Some(me)),
            icon: r.kind.icon(),
            kind: r.kind.label(),
            levels: r
                .levels
                .iter()
                .map(|l| l.code())
                .collect::<Vec<_>>()
                .join(", "),
            disciplines: r
                .disciplines
                .iter()
                .map(|d| d.label())
                .collect::<Vec<_>>()
                .join(", "),
            published: paris::long(r.published_at),
            title: r.title,
            description: r.description,
            author: r.author,
            licence: r.licence,
            link,
            file,
            download_url: with(paths::RESOURCE_DOWNLOAD, id),
            preview,
            manage,
            withdraw_url: with(paths::RESOURCE_WITHDRAW, id),
            curate_url: with(paths::RESOURCE_CURATE, id),
            collections,
            extraction_problem,
            exercises,
            error,
        },
    )
}

/// `GET /bibliotheque/ressources/{id}/telecharger`.
pub async fn download(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    file_response(&state, &me, id, false, &method, &headers).await
}

/// `GET /bibliotheque/ressources/{id}/afficher`: in the browser when allow-listed
/// (pictures re-encoded first).
pub async fn view(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    file_response(&state, &me, id, true, &method, &headers).await
}

async fn file_response(
    state: &WebState,
    me: &Me,
    id: u64,
    inline: bool,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let (name, revision, file) = state
        .app
        .open_resource_file(&me.current.subject, ResourceId(id))?;
    if inline && inline_kind(&revision.mime) == Some(Inline::Image) {
        drop(file);
        let (bytes, mime) = state
            .app
            .resource_picture(&me.current.subject, ResourceId(id))?;
        return Ok(super::documents::picture(bytes, mime));
    }
    let download = Download {
        file,
        size: revision.size,
        etag: revision.blob.hex(),
        name,
        mime: revision.mime,
        inline,
        modified: revision.at,
    };
    Ok(respond(method, headers, download).await)
}

/// `POST /bibliotheque/ressources/{id}/retirer`.
pub async fn withdraw(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state
        .app
        .withdraw_resource(&me.current.subject, ResourceId(id))?;
    Ok(redirect(paths::LIBRARY))
}

/// The collection chosen on a resource's page.
#[derive(Deserialize)]
pub struct CurateForm {
    #[serde(default)]
    collection: String,
}

/// `POST /bibliotheque/ressources/{id}/collection`.
pub async fn curate(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<CurateForm>,
) -> Result<Response, WebError> {
    let Ok(collection) = form.collection.parse().map(CollectionId) else {
        return resource_page(
            &state,
            &csrf,
            &me,
            ResourceId(id),
            Some(refusal(&preau_app::Problem::Missing("collection"))),
        );
    };
    state
        .app
        .curate(&me.current.subject, collection, ResourceId(id), true)?;
    Ok(redirect(&with(paths::COLLECTION, collection)))
}

/// A new collection.
#[derive(Deserialize)]
pub struct CollectionForm {
    #[serde(default)]
    titre: String,
    #[serde(default)]
    description: String,
}

/// `POST /bibliotheque/collections`.
pub async fn create_collection(
    State(state): State<WebState>,
    me: Me,
    WebForm(form): WebForm<CollectionForm>,
) -> Result<Response, WebError> {
    let c = state
        .app
        .create_collection(&me.current.subject, &form.titre, &form.description)?;
    Ok(redirect(&with(paths::COLLECTION, c.id)))
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionView {
    layout: Layout,
    title: String,
    description: String,
    curator: String,
    cards: Vec<Card>,
}

/// `GET /bibliotheque/collections/{id}`.
pub async fn collection(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let (c, resources) = state
        .app
        .collection(&me.current.subject, CollectionId(id))?;
    let curator = state
        .app
        .directory()
        .user(c.owner)
        .map(|u| u.full_name())
        .unwrap_or_default();
    render(CollectionView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        title: c.title,
        description: c.description,
        curator,
        cards: resources.iter().map(card).collect(),
    })
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportView {
    layout: Layout,
    action: String,
    created: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
    done: bool,
    error: Option<String>,
    script_url: String,
}

fn import_view(state: &WebState, csrf: &str, me: &Me) -> ImportView {
    ImportView {
        layout: Layout::new(state, csrf, Some(me)),
        action: format!("{}?_csrf={csrf}", paths::LIBRARY_IMPORT),
        created: Vec::new(),
        skipped: Vec::new(),
        done: false,
        error: None,
        script_url: state.assets.js_url.clone(),
    }
}

/// `GET /bibliotheque/importer`.
pub async fn import_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    if !state.app.may_publish(&me.current.subject) {
        return Err(WebError::Forbidden);
    }
    render(import_view(&state, &csrf, &me))
}

/// Receives the files of the import form: zips are opened, other files taken as they are;
/// the CSV (field `metadonnees`) is kept for the application to read.
async fn import_fields(
    state: &WebState,
    multipart: Multipart,
) -> Result<(Vec<(String, Received)>, Option<Received>), WebError> {
    let mut files = Vec::new();
    let mut csv = None;
    let mut reader = FormReader::new(&state.app, multipart, &["fichiers", "metadonnees"]);
    while let Some(part) = reader.next().await? {
        match part {
            Part::File { name, received, .. } if name == "metadonnees" => csv = Some(received),
            Part::File {
                file_name: name,
                received,
                ..
            } => {
                if name.to_lowercase().ends_with(".zip") {
                    let app = state.app.clone();
                    let blob = received.blob.id;
                    let inner = tokio::task::spawn_blocking(move || {
                        let file = app.open_blob(&blob)?;
                        app.unzip_for_import(std::io::BufReader::new(file))
                    })
                    .await
                    .map_err(|e| AppError::Disk(e.to_string()))??;
                    files.extend(inner);
                } else {
                    files.push((name, received));
                }
            }
            Part::Text { .. } => {}
        }
    }
    Ok((files, csv))
}

/// `POST /bibliotheque/importer` (multipart: files or a zip, and an optional CSV).
pub async fn import(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let outcome = match import_fields(&state, multipart).await {
        Ok((files, csv)) if !files.is_empty() => state
            .app
            .import_resources(&me.current.subject, &files, csv.as_ref())
            .map_err(WebError::from),
        Ok(_) => Err(AppError::Invalid(preau_app::Problem::NoFile).into()),
        Err(e) => Err(e),
    };
    let mut view = import_view(&state, &csrf, &me);
    match outcome {
        Ok(report) => {
            view.done = true;
            view.created = report
                .created
                .into_iter()
                .map(|(id, title)| (with(paths::RESOURCE, id), title))
                .collect();
            view.skipped = report
                .skipped
                .into_iter()
                .map(|(name, p)| (name, crate::i18n::problem(&p)))
                .collect();
            render(view)
        }
        Err(WebError::App(AppError::Invalid(p))) => {
            let (status, message) = refusal(&p);
            view.error = Some(message);
            render_with(status, view)
        }
        Err(e) => Err(e),
    }
}
