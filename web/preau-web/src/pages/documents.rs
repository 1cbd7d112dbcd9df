//! Document spaces in the browser: the list of spaces, a folder, a file's page with its
//! versions and shares, the trash, uploads and downloads.

use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::WebError;
use crate::error::refusal;
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use crate::upload::{FormReader, Part};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use preau_app::documents::Received;
use preau_app::media::{Inline, inline_kind};
use preau_app::{AppError, paris};
use preau_core::{Node, NodeId, ShareId, ShareTarget, SpaceId, Subject};
use serde::Deserialize;

/// One space on the documents page.
struct SpaceCard {
    title: String,
    url: String,
    usage: String,
    percent: u64,
}

/// One item shared with the person.
struct SharedRow {
    name: String,
    url: String,
    by: String,
    write: bool,
    folder: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsView {
    layout: Layout,
    spaces: Vec<SpaceCard>,
    shared: Vec<SharedRow>,
}

/// One line of a folder.
struct Row {
    name: String,
    folder: bool,
    open_url: String,
    item_url: String,
    download_url: String,
    thumb_url: Option<String>,
    size: String,
    modified: String,
}

#[derive(Template)]
#[template(path = "folder.html")]
struct FolderView {
    layout: Layout,
    space: String,
    name: String,
    trail: Vec<(String, String)>,
    rows: Vec<Row>,
    write: bool,
    upload_url: String,
    new_folder_url: String,
    trash_url: String,
    item_url: String,
    usage: String,
    percent: u64,
    max_file: String,
    error: Option<String>,
    script_url: String,
}

/// One kept version of a file.
struct RevisionRow {
    number: usize,
    at: String,
    by: String,
    size: String,
    download_url: String,
    restore_url: String,
}

/// One share of an item.
struct ShareRow {
    label: String,
    write: bool,
    end_url: String,
}

#[derive(Template)]
#[template(path = "item.html")]
struct ItemView {
    layout: Layout,
    name: String,
    folder: bool,
    back_url: String,
    back_label: String,
    open_url: String,
    download_url: String,
    preview: Option<(&'static str, String)>,
    size: String,
    mime: String,
    modified: String,
    revisions: Vec<RevisionRow>,
    write: bool,
    share: bool,
    rename_url: String,
    move_url: String,
    copy_url: String,
    trash_url: String,
    share_url: String,
    destinations: Vec<(NodeId, String)>,
    targets: Vec<(String, String)>,
    shares: Vec<ShareRow>,
    extraction_problem: Option<String>,
    error: Option<String>,
}

/// One item in the trash.
struct TrashRow {
    name: String,
    folder: bool,
    deleted: String,
    size: String,
    restore_url: String,
    destroy_url: String,
}

#[derive(Template)]
#[template(path = "trash.html")]
struct TrashView {
    layout: Layout,
    space: String,
    root_url: String,
    rows: Vec<TrashRow>,
}

fn person(state: &WebState, id: preau_core::UserId) -> String {
    state
        .app
        .directory()
        .user(id)
        .map(|u| u.full_name())
        .unwrap_or_default()
}

fn usage(used: u64, quota: u64) -> (String, u64) {
    (
        format!("{} utilisés sur {}", size(used), size(quota)),
        (used.saturating_mul(100) / quota.max(1)).min(100),
    )
}

/// `GET /documents`: the person's spaces and what others shared with them.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let spaces = state
        .app
        .spaces(subject)?
        .into_iter()
        .map(|v| {
            let (usage, percent) = usage(v.space.used, v.quota);
            SpaceCard {
                url: with(paths::FOLDER, v.space.root),
                title: v.title,
                usage,
                percent,
            }
        })
        .collect();
    let shared = state
        .app
        .shared_with_me(subject)?
        .into_iter()
        .map(|(share, node)| SharedRow {
            url: open_url(&node),
            folder: node.is_folder(),
            name: node.name,
            by: person(&state, share.by),
            write: share.write,
        })
        .collect();
    render(DocumentsView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        spaces,
        shared,
    })
}

fn open_url(node: &Node) -> String {
    if node.is_folder() {
        with(paths::FOLDER, node.id)
    } else {
        with(paths::ITEM, node.id)
    }
}

/// `GET /documents/dossier/{id}`.
pub async fn folder(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    folder_page(&state, &csrf, &me, NodeId(id), None)
}

fn folder_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: NodeId,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let listing = state.app.folder(&me.current.subject, id)?;
    let rows = listing
        .children
        .iter()
        .map(|n| {
            let current = n.current();
            Row {
                name: n.name.clone(),
                folder: n.is_folder(),
                open_url: open_url(n),
                item_url: with(paths::ITEM, n.id),
                download_url: with(paths::FILE_DOWNLOAD, n.id),
                thumb_url: current
                    .filter(|r| inline_kind(&r.mime) == Some(Inline::Image))
                    .map(|_| with(paths::FILE_THUMB, n.id)),
                size: current.map(|r| size(r.size)).unwrap_or_default(),
                modified: paris::short(n.modified_at),
            }
        })
        .collect();
    let (usage, percent) = usage(listing.space.space.used, listing.space.quota);
    let trail = std::iter::once(("Documents".to_string(), paths::DOCUMENTS.to_string()))
        .chain(
            listing
                .trail
                .iter()
                .map(|n| (crumb(&listing.space.title, n), with(paths::FOLDER, n.id))),
        )
        .collect();
    let (status, error) = super::page_status(error);
    render_with(
        status,
        FolderView {
            layout: Layout::new(state, csrf, Some(me)),
            name: crumb(&listing.space.title, &listing.folder),
            space: listing.space.title.clone(),
            trail,
            rows,
            write: listing.access.write,
            upload_url: format!("{}?_csrf={csrf}", with(paths::FOLDER_UPLOAD, id)),
            new_folder_url: with(paths::FOLDER_NEW, id),
            trash_url: with(paths::TRASH, listing.space.space.id),
            item_url: with(paths::ITEM, id),
            usage,
            percent,
            max_file: size(state.app.settings().max_file_bytes),
            error,
            script_url: state.assets.js_url.clone(),
        },
    )
}

/// A folder's name, the space's title for its top folder.
fn crumb(space_title: &str, node: &Node) -> String {
    if node.parent.is_none() {
        space_title.to_string()
    } else {
        node.name.clone()
    }
}

/// `POST /documents/dossier/{id}/envoyer`: one or more files (multipart field `fichiers`).
/// Every file is received whole before any is filed, so a cut-off upload files nothing.
pub async fn upload(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    let subject = &me.current.subject;
    let declared = content_length(&headers);
    let received = match state.app.check_upload(subject, id, declared) {
        Ok(()) => receive_files(&state, multipart).await,
        Err(e) => Err(e.into()),
    };
    let outcome = received.and_then(|(files, _)| {
        if files.is_empty() {
            return Err(AppError::Invalid(preau_app::Problem::NoFile).into());
        }
        for (name, file) in &files {
            state.app.save_file(subject, id, name, file)?;
        }
        Ok(())
    });
    match outcome {
        Ok(()) => Ok(redirect(&with(paths::FOLDER, id))),
        Err(WebError::App(AppError::Invalid(p))) => {
            folder_page(&state, &csrf, &me, id, Some(refusal(&p)))
        }
        Err(e) => Err(e),
    }
}

/// The announced body size, less a margin for the multipart framing.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse::<u64>()
        .ok()
        .map(|n| n.saturating_sub(64 * 1024))
}

/// Receives the files of a multipart form (field `fichiers`) and the values of its other
/// fields named `depuis` (files chosen in one's spaces).
pub async fn receive_files(
    state: &WebState,
    multipart: Multipart,
) -> Result<(Vec<(String, Received)>, Vec<NodeId>), WebError> {
    let mut files = Vec::new();
    let mut chosen = Vec::new();
    let mut reader = FormReader::new(&state.app, multipart, &["fichiers"]);
    while let Some(part) = reader.next().await? {
        match part {
            Part::File {
                file_name,
                received,
                ..
            } => files.push((file_name, received)),
            Part::Text { name, value } if name == "depuis" => {
                chosen.extend(value.trim().parse().ok().map(NodeId));
            }
            Part::Text { .. } => {}
        }
    }
    Ok((files, chosen))
}

/// A name typed in a form.
#[derive(Deserialize)]
pub struct NameForm {
    #[serde(default)]
    nom: String,
}

/// `POST /documents/dossier/{id}/nouveau-dossier`.
pub async fn new_folder(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<NameForm>,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    match state.app.create_folder(&me.current.subject, id, &form.nom) {
        Ok(_) => Ok(redirect(&with(paths::FOLDER, id))),
        Err(AppError::Invalid(p)) => folder_page(&state, &csrf, &me, id, Some(refusal(&p))),
        Err(e) => Err(e.into()),
    }
}

/// `GET /documents/element/{id}`.
pub async fn item(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    item_page(&state, &csrf, &me, NodeId(id), None)
}

fn target_value(target: ShareTarget) -> String {
    match target {
        ShareTarget::Class(c) => format!("classe-{c}"),
        ShareTarget::ClassFamilies(c) => format!("familles-{c}"),
        ShareTarget::Group(g) => format!("groupe-{g}"),
        ShareTarget::User(u) => format!("personne-{u}"),
    }
}

fn parse_target(value: &str) -> Option<ShareTarget> {
    let (kind, id) = value.split_once('-')?;
    let id: u64 = id.parse().ok()?;
    Some(match kind {
        "classe" => ShareTarget::Class(preau_core::ClassId(id)),
        "familles" => ShareTarget::ClassFamilies(preau_core::ClassId(id)),
        "groupe" => ShareTarget::Group(preau_core::GroupId(id)),
        "personne" => ShareTarget::User(preau_core::UserId(id)),
        _ => return None,
    })
}

fn item_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: NodeId,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject: &Subject = &me.current.subject;
    let resolved = state.app.resolve(subject, id)?;
    if resolved.in_trash {
        return Err(WebError::NotFound);
    }
    let node = &resolved.node;
    let (back_url, back_label) = match node.parent {
        Some(parent) => (with(paths::FOLDER, parent), "Retour au dossier".to_string()),
        None => (
            paths::DOCUMENTS.to_string(),
            "Retour aux documents".to_string(),
        ),
    };
    let revisions = node
        .revisions()
        .enumerate()
        .skip(1)
        .map(|(n, r)| RevisionRow {
            number: n,
            at: paris::long(r.at),
            by: person(state, r.by),
            size: size(r.size),
            download_url: format!("{}?version={n}", with(paths::FILE_DOWNLOAD, id)),
            restore_url: with2(paths::FILE_REVISION_RESTORE, id, n),
        })
        .collect();
    let current = node.current();
    let preview = current.and_then(|r| {
        let url = with(paths::FILE_VIEW, id);
        Some(match inline_kind(&r.mime)? {
            Inline::Image => ("image", url),
            Inline::Pdf => ("pdf", url),
            Inline::Text => ("text", url),
            Inline::Audio => ("audio", url),
            Inline::Video => ("video", url),
        })
    });
    let write = resolved.access.write && node.parent.is_some();
    let share = resolved.access.share;
    let shares = state
        .app
        .shares(subject, id)?
        .into_iter()
        .map(|s| ShareRow {
            label: state.app.share_label(s.target),
            write: s.write,
            end_url: with(paths::SHARE_END, s.id),
        })
        .collect();
    let destinations = if write || resolved.access.read {
        state
            .app
            .writable_folders(subject)?
            .into_iter()
            .filter(|(f, _)| *f != id)
            .collect()
    } else {
        Vec::new()
    };
    let targets = if share {
        state
            .app
            .share_targets(subject)
            .into_iter()
            .map(|(t, label)| (target_value(t), label))
            .collect()
    } else {
        Vec::new()
    };
    // The person who stored the current content is told when its text could not be read.
    let extraction_problem = match current {
        Some(r) if r.by == subject.user => state.app.extraction_problem(&r.blob)?,
        _ => None,
    };
    let (status, error) = super::page_status(error);
    render_with(
        status,
        ItemView {
            extraction_problem,
            layout: Layout::new(state, csrf, Some(me)),
            name: node.name.clone(),
            folder: node.is_folder(),
            back_url,
            back_label,
            open_url: open_url(node),
            download_url: with(paths::FILE_DOWNLOAD, id),
            preview,
            size: current.map(|r| size(r.size)).unwrap_or_default(),
            mime: current.map(|r| r.mime.clone()).unwrap_or_default(),
            modified: paris::long(node.modified_at),
            revisions,
            write,
            share,
            rename_url: with(paths::ITEM_RENAME, id),
            move_url: with(paths::ITEM_MOVE, id),
            copy_url: with(paths::ITEM_COPY, id),
            trash_url: with(paths::ITEM_TRASH, id),
            share_url: with(paths::ITEM_SHARE, id),
            destinations,
            targets,
            shares,
            error,
        },
    )
}

/// After an action on an item: on success go to `done`, on refused input show the item's
/// page again with the reason.
fn after_item_action<T>(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: NodeId,
    result: Result<T, AppError>,
    done: impl FnOnce(T) -> String,
) -> Result<Response, WebError> {
    match result {
        Ok(value) => Ok(redirect(&done(value))),
        Err(AppError::Invalid(p)) => item_page(state, csrf, me, id, Some(refusal(&p))),
        Err(e) => Err(e.into()),
    }
}

fn parent_url(node: &Node) -> String {
    node.parent
        .map(|p| with(paths::FOLDER, p))
        .unwrap_or_else(|| paths::DOCUMENTS.to_string())
}

/// `POST /documents/element/{id}/renommer`.
pub async fn rename(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<NameForm>,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    let result = state.app.rename(&me.current.subject, id, &form.nom);
    after_item_action(&state, &csrf, &me, id, result, |n| parent_url(&n))
}

/// A destination folder chosen in a form.
#[derive(Deserialize)]
pub struct DestinationForm {
    #[serde(default)]
    dossier: String,
}

impl DestinationForm {
    fn folder(&self) -> Result<NodeId, AppError> {
        self.dossier
            .parse()
            .map(NodeId)
            .map_err(|_| AppError::Invalid(preau_app::Problem::NotAFolder))
    }
}

/// Puts an item into the chosen folder with `place` (move or copy), then shows the folder
/// it came from.
fn into_folder(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: u64,
    form: &DestinationForm,
    place: impl FnOnce(&preau_app::App, &Subject, NodeId, NodeId) -> Result<Node, AppError>,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    let result = form
        .folder()
        .and_then(|to| place(&state.app, &me.current.subject, id, to));
    after_item_action(state, csrf, me, id, result, |n| parent_url(&n))
}

/// `POST /documents/element/{id}/deplacer`.
pub async fn move_item(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<DestinationForm>,
) -> Result<Response, WebError> {
    into_folder(&state, &csrf, &me, id, &form, |app, me, id, to| {
        app.move_to(me, id, to, None)
    })
}

/// `POST /documents/element/{id}/copier`.
pub async fn copy_item(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<DestinationForm>,
) -> Result<Response, WebError> {
    into_folder(&state, &csrf, &me, id, &form, |app, me, id, to| {
        app.copy_to(me, id, to, None)
    })
}

/// `POST /documents/element/{id}/supprimer`: to the trash.
pub async fn trash(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    let result = state.app.trash(&me.current.subject, id);
    after_item_action(&state, &csrf, &me, id, result, |n| parent_url(&n))
}

/// `POST /documents/element/{id}/restaurer`.
pub async fn restore(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let node = state.app.restore(&me.current.subject, NodeId(id))?;
    Ok(redirect(&parent_url(&node)))
}

/// `POST /documents/element/{id}/supprimer-definitivement`.
pub async fn destroy(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let space = state.app.resolve(subject, NodeId(id))?.space.id;
    state.app.delete_forever(subject, NodeId(id))?;
    Ok(redirect(&with(paths::TRASH, space)))
}

/// `POST /documents/fichier/{id}/versions/{n}/restaurer`.
pub async fn restore_revision(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
) -> Result<Response, WebError> {
    state
        .app
        .restore_revision(&me.current.subject, NodeId(id), n)?;
    Ok(redirect(&with(paths::ITEM, id)))
}

/// A share form.
#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    avec: String,
    #[serde(default)]
    modification: Option<String>,
}

/// `POST /documents/element/{id}/partager`.
pub async fn share(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<ShareForm>,
) -> Result<Response, WebError> {
    let id = NodeId(id);
    let result = match parse_target(&form.avec) {
        Some(target) => {
            state
                .app
                .share(&me.current.subject, id, target, form.modification.is_some())
        }
        None => Err(AppError::Invalid(preau_app::Problem::ShareTarget)),
    };
    after_item_action(&state, &csrf, &me, id, result, |_| with(paths::ITEM, id))
}

/// `POST /documents/partages/{id}/retirer`.
pub async fn end_share(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<ReturnForm>,
) -> Result<Response, WebError> {
    state.app.unshare(&me.current.subject, ShareId(id))?;
    Ok(redirect(form.back()))
}

/// Where to go back to after a small action.
#[derive(Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    retour: String,
}

impl ReturnForm {
    fn back(&self) -> &str {
        if paths::is_local(&self.retour) {
            &self.retour
        } else {
            paths::DOCUMENTS
        }
    }
}

/// `GET /documents/espace/{id}/corbeille`.
pub async fn trash_page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let (view, items) = state.app.trash_of(&me.current.subject, SpaceId(id))?;
    let rows = items
        .into_iter()
        .map(|n| TrashRow {
            folder: n.is_folder(),
            deleted: n.trashed.map(|t| paris::long(t.at)).unwrap_or_default(),
            size: n.current().map(|r| size(r.size)).unwrap_or_default(),
            restore_url: with(paths::ITEM_RESTORE, n.id),
            destroy_url: with(paths::ITEM_DESTROY, n.id),
            name: n.name,
        })
        .collect();
    render(TrashView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        space: view.title,
        root_url: with(paths::FOLDER, view.space.root),
        rows,
    })
}

/// Which version to download.
#[derive(Deserialize, Default)]
pub struct VersionQuery {
    #[serde(default)]
    version: usize,
}

/// `GET /documents/fichier/{id}/telecharger[?version=N]`: always an attachment.
pub async fn download(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(query): WebQuery<VersionQuery>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (node, revision, file) =
        state
            .app
            .open_file(&me.current.subject, NodeId(id), query.version)?;
    Ok(respond(
        &method,
        &headers,
        file_download(node, revision, file, false),
    )
    .await)
}

fn file_download(
    node: Node,
    revision: preau_core::Revision,
    file: std::fs::File,
    inline: bool,
) -> Download {
    Download {
        file,
        size: revision.size,
        etag: revision.blob.hex(),
        name: node.name,
        mime: revision.mime,
        inline,
        modified: revision.at,
    }
}

/// `GET /documents/fichier/{id}/afficher`: shown in the browser when its type is on the
/// allow-list (pictures re-encoded first); downloaded otherwise.
pub async fn view(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let (node, revision, file) = state.app.open_file(subject, NodeId(id), 0)?;
    match inline_kind(&revision.mime) {
        Some(Inline::Image) => {
            drop(file);
            let (bytes, mime, _) = state.app.picture(subject, NodeId(id))?;
            Ok(picture(bytes, mime))
        }
        Some(_) => Ok(respond(&method, &headers, file_download(node, revision, file, true)).await),
        None => Ok(respond(
            &method,
            &headers,
            file_download(node, revision, file, false),
        )
        .await),
    }
}

/// `GET /documents/fichier/{id}/vignette`.
pub async fn thumbnail(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let (bytes, mime, _) = state.app.thumbnail(&me.current.subject, NodeId(id))?;
    Ok(picture(bytes, mime))
}

/// A re-encoded picture (or a checked sound), shown inline in a sandbox.
pub fn picture(bytes: Vec<u8>, mime: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_DISPOSITION, "inline"),
            (header::CONTENT_SECURITY_POLICY, "sandbox"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}
