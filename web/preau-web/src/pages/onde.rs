//! The rentrée import of ONDE exports (headteacher): send up to four CSV files, check the
//! preview, apply; then print the activation letters of the new adults.
//!
//! Files are not kept between requests by the web layer: the uploaded contents are stored as
//! blobs and the preview page carries their digests in hidden fields; applying reads them
//! back and lets the use case parse and preview them again.

use super::letters::{Letter, activation_letters};
use super::{Layout, render, render_with};
use crate::WebState;
use crate::error::{WebError, refusal};
use crate::forms::WebForm;
use crate::paths;
use crate::session::{Csrf, Me};
use crate::upload::{FormReader, Part};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use preau_app::onde_import::{MAX_FILE_BYTES, MAX_FILES, OndePreviewView};
use preau_app::{AppError, Problem};
use preau_core::{Action, BlobId};
use serde::Deserialize;
use std::io::Read;

/// One file of the import, as the pages show it.
struct FileRow {
    name: String,
    kind: String,
    rows: usize,
    refused: Option<String>,
    /// (line, left out, message).
    problems: Vec<(usize, bool, String)>,
    merges: Vec<String>,
}

#[derive(Template)]
#[template(path = "onde_import.html")]
struct OndeView {
    layout: Layout,
    upload_action: String,
    apply_action: String,
    error: Option<String>,
    max_files: usize,
    /// The preview, when files were sent.
    previewed: bool,
    applicable: bool,
    files: Vec<FileRow>,
    /// Hidden fields carrying the stored files: "digest name".
    carried: Vec<String>,
    /// (role, name, details).
    to_create: Vec<(String, String, String)>,
    /// (name, field, before, after).
    to_change: Vec<(String, String, String, String)>,
    /// (role, name).
    to_archive: Vec<(String, String)>,
    classes_to_create: Vec<String>,
    classes_to_archive: Vec<String>,
    unchanged: usize,
    warnings: Vec<String>,
    /// After applying.
    applied: Option<(usize, usize, usize, usize, usize)>,
    letters: Vec<Letter>,
    address: String,
}

fn view(state: &WebState, csrf: &str, me: &Me) -> OndeView {
    OndeView {
        layout: Layout::new(state, csrf, Some(me)),
        upload_action: format!("{}?_csrf={csrf}", paths::ADMIN_ONDE),
        apply_action: paths::ADMIN_ONDE_APPLY.to_string(),
        error: None,
        max_files: MAX_FILES,
        previewed: false,
        applicable: false,
        files: Vec::new(),
        carried: Vec::new(),
        to_create: Vec::new(),
        to_change: Vec::new(),
        to_archive: Vec::new(),
        classes_to_create: Vec::new(),
        classes_to_archive: Vec::new(),
        unchanged: 0,
        warnings: Vec::new(),
        applied: None,
        letters: Vec::new(),
        address: format!("{}{}", state.public_url, paths::ACTIVATE),
    }
}

fn require_head(state: &WebState, me: &Me) -> Result<(), WebError> {
    if state
        .app
        .directory()
        .can_on_school(&me.current.subject, Action::ManageAccount)
    {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

fn fill_preview(v: &mut OndeView, p: &OndePreviewView) {
    v.previewed = true;
    v.applicable = p.applicable;
    v.files = p
        .files
        .iter()
        .map(|f| FileRow {
            name: f.name.clone(),
            kind: f.kind_fr.unwrap_or("non reconnu").to_string(),
            rows: f.rows,
            refused: f.refused.clone(),
            problems: f
                .problems
                .iter()
                .map(|l| (l.line, l.skipped, l.message_fr.clone()))
                .collect(),
            merges: f.merges.iter().map(|m| m.message_fr.clone()).collect(),
        })
        .collect();
    let preview = &p.preview;
    v.to_create = preview
        .to_create
        .iter()
        .map(|c| {
            let mut details: Vec<String> = Vec::new();
            if let Some(d) = c.birth_date {
                details.push(format!(
                    "né(e) le {:02}/{:02}/{}",
                    d.day(),
                    u8::from(d.month()),
                    d.year()
                ));
            }
            if let Some(e) = &c.email {
                details.push(e.clone());
            }
            if !c.classes.is_empty() {
                details.push(c.classes.join(", "));
            }
            if !c.children.is_empty() {
                details.push(format!("enfants : {}", c.children.join(", ")));
            }
            (
                c.role.label().to_string(),
                format!("{} {}", c.first_name, c.last_name),
                details.join(" · "),
            )
        })
        .collect();
    v.to_change = preview
        .to_change
        .iter()
        .flat_map(|c| {
            c.changes.iter().map(|f| {
                (
                    c.name.clone(),
                    f.field_fr.clone(),
                    f.before.clone(),
                    f.after.clone(),
                )
            })
        })
        .collect();
    v.to_archive = preview
        .to_archive
        .iter()
        .map(|a| (a.role.label().to_string(), a.name.clone()))
        .collect();
    v.classes_to_create = preview.classes_to_create.clone();
    v.classes_to_archive = p.classes_to_archive.clone();
    v.unchanged = preview.unchanged.len();
    v.warnings = preview
        .warnings
        .iter()
        .map(|w| w.message_fr.clone())
        .chain(p.import.merges.iter().map(|m| m.message_fr.clone()))
        .collect();
}

/// `GET /admin/import-onde`.
pub async fn form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    require_head(&state, &me)?;
    render(view(&state, &csrf, &me))
}

/// Reads a stored file back (at most the parser's limit and one byte).
fn read_blob(state: &WebState, id: &BlobId) -> Result<Vec<u8>, AppError> {
    // The uploaded files are kept at least an hour: past that, they must be sent again.
    let file = state
        .app
        .open_blob(id)
        .map_err(|_| AppError::Invalid(Problem::OndeExpired))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::Disk(e.to_string()))?;
    Ok(bytes)
}

/// `POST /admin/import-onde` (multipart, field `fichiers`): shows the preview.
pub async fn upload(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    multipart: Multipart,
) -> Result<Response, WebError> {
    require_head(&state, &me)?;
    let mut stored: Vec<(String, BlobId)> = Vec::new();
    let mut reader = FormReader::new(&state.app, multipart, &["fichiers"]);
    while let Some(part) = reader.next().await? {
        if let Part::File {
            file_name,
            received,
            ..
        } = part
        {
            if stored.len() >= MAX_FILES {
                return refuse(&state, &csrf, &me, Problem::TooManyFiles(MAX_FILES));
            }
            stored.push((file_name, received.blob.id));
        }
    }
    preview_stored(&state, &csrf, &me, stored).await
}

async fn files_of(
    state: &WebState,
    stored: &[(String, BlobId)],
) -> Result<Vec<(String, Vec<u8>)>, WebError> {
    let state2 = state.clone();
    let stored = stored.to_vec();
    tokio::task::spawn_blocking(move || {
        stored
            .iter()
            .map(|(name, id)| Ok((name.clone(), read_blob(&state2, id)?)))
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await
    .map_err(|e| AppError::Disk(e.to_string()))?
    .map_err(WebError::from)
}

fn refuse(state: &WebState, csrf: &str, me: &Me, problem: Problem) -> Result<Response, WebError> {
    let (status, message) = refusal(&problem);
    let mut v = view(state, csrf, me);
    v.error = Some(message);
    render_with(status, v)
}

async fn preview_stored(
    state: &WebState,
    csrf: &str,
    me: &Me,
    stored: Vec<(String, BlobId)>,
) -> Result<Response, WebError> {
    let files = files_of(state, &stored).await?;
    match state.app.onde_preview(&me.current.subject, &files) {
        Ok(p) => {
            let mut v = view(state, csrf, me);
            fill_preview(&mut v, &p);
            v.carried = stored
                .iter()
                .map(|(name, id)| format!("{} {name}", id.hex()))
                .collect();
            render(v)
        }
        Err(AppError::Invalid(problem)) => refuse(state, csrf, me, problem),
        Err(e) => Err(e.into()),
    }
}

/// The apply form: the stored files, "digest name" each.
#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    fichier: Vec<String>,
}

/// `POST /admin/import-onde/appliquer`: applies the files of the preview.
pub async fn apply(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(form): WebForm<ApplyForm>,
) -> Result<Response, WebError> {
    require_head(&state, &me)?;
    let mut stored = Vec::new();
    for carried in form.fichier.iter().take(MAX_FILES) {
        let (hex, name) = carried.split_once(' ').unwrap_or((carried, ""));
        let id = BlobId::from_hex(hex).ok_or(WebError::BadForm("fichier".into()))?;
        stored.push((name.to_string(), id));
    }
    let files = files_of(&state, &stored).await?;
    let app = state.app.clone();
    let subject = me.current.subject.clone();
    let outcome = tokio::task::spawn_blocking(move || app.onde_apply(&subject, &files))
        .await
        .map_err(|e| AppError::Disk(e.to_string()))?;
    match outcome {
        Ok(applied) => {
            let mut v = view(&state, &csrf, &me);
            v.applied = Some((
                applied.created,
                applied.changed,
                applied.archived,
                applied.classes_created,
                applied.classes_archived,
            ));
            v.letters = activation_letters(&applied.letters, &v.address);
            render(v)
        }
        Err(AppError::Invalid(Problem::OndeChanged)) => {
            // Show the fresh preview again.
            preview_stored(&state, &csrf, &me, stored).await
        }
        Err(AppError::Invalid(problem)) => refuse(&state, &csrf, &me, problem),
        Err(e) => Err(e.into()),
    }
}
