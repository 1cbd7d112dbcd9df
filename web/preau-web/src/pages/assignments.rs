//! Handing work in: the list of assignments, setting one, a pupil's hand-in form, the
//! teacher's table of who handed in, who is late and who is missing.

use super::documents::receive_files;
use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::WebError;
use crate::error::refusal;
use crate::forms::{WebForm, WebPath};
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use preau_app::assignments::{AssignmentForm, AssignmentView};
use preau_app::{AppError, paris};
use preau_core::documents::HandInStatus;
use preau_core::{Action, AssignmentId, HandInId, Role};
use serde::Deserialize;

/// A status as shown: French words and a style.
fn status_label(status: HandInStatus) -> (&'static str, &'static str) {
    match status {
        HandInStatus::OnTime => ("Rendu", "status-ok"),
        HandInStatus::Late => ("Rendu en retard", "status-late"),
        HandInStatus::Missing => ("Non rendu", "status-missing"),
        HandInStatus::Pending => ("À rendre", ""),
    }
}

struct ListRow {
    url: String,
    title: String,
    class: String,
    due: String,
    status: Option<(&'static str, &'static str)>,
    counts: Option<String>,
}

#[derive(Template)]
#[template(path = "assignments.html")]
struct ListView {
    layout: Layout,
    rows: Vec<ListRow>,
    can_create: bool,
}

/// `GET /devoirs`.
pub async fn list(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let rows = state
        .app
        .assignments(subject)?
        .into_iter()
        .map(|v| {
            let (on_time, late, missing, pending) = v.counts();
            ListRow {
                url: with(paths::ASSIGNMENT, v.assignment.id),
                due: paris::long(v.assignment.due),
                class: v.class_name.clone(),
                status: (!v.manage)
                    .then(|| v.work.first().map(|w| status_label(w.status)))
                    .flatten(),
                counts: v.manage.then(|| {
                    format!(
                        "{} rendu(s), {late} en retard, {missing} non rendu(s), {pending} en attente",
                        on_time + late
                    )
                }),
                title: v.assignment.title,
            }
        })
        .collect();
    render(ListView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        rows,
        can_create: !teaching_classes(&state, &me).is_empty(),
    })
}

/// The current classes in which the person may set assignments.
fn teaching_classes(state: &WebState, me: &Me) -> Vec<(preau_core::ClassId, String)> {
    let dir = state.app.directory();
    let subject = &me.current.subject;
    if !matches!(me.current.user.role, Role::Teacher | Role::Headteacher) {
        return Vec::new();
    }
    dir.current_classes()
        .into_iter()
        .filter(|c| subject.classes.contains(&c.id))
        .filter(|c| dir.can_on_class(subject, Action::ViewClass, c.id))
        .map(|c| (c.id, c.name.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "assignment_form.html")]
struct FormView {
    layout: Layout,
    classes: Vec<(preau_core::ClassId, String)>,
    groups: Vec<(preau_core::GroupId, String)>,
    pupils: Vec<(preau_core::UserId, String, String, bool)>,
    fields: AssignmentFields,
    error: Option<String>,
}

/// The assignment form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct AssignmentFields {
    #[serde(default)]
    classe: String,
    #[serde(default)]
    titre: String,
    #[serde(default)]
    consignes: String,
    #[serde(default)]
    echeance: String,
    #[serde(default)]
    groupe: String,
    #[serde(default)]
    eleves: Vec<String>,
}

fn form_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    fields: AssignmentFields,
    error: Option<String>,
) -> FormView {
    let dir = state.app.directory();
    let classes = teaching_classes(state, me);
    let groups = dir
        .groups()
        .into_iter()
        .filter(|g| {
            !g.archived
                && g.class
                    .is_some_and(|c| classes.iter().any(|(id, _)| *id == c))
        })
        .map(|g| (g.id, g.name.clone()))
        .collect();
    let pupils = classes
        .iter()
        .flat_map(|(class, class_name)| {
            dir.pupils_of(*class)
                .into_iter()
                .map(|p| {
                    let checked = fields.eleves.contains(&p.id.to_string());
                    (p.id, p.full_name(), class_name.clone(), checked)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    FormView {
        layout: Layout::new(state, csrf, Some(me)),
        classes,
        groups,
        pupils,
        fields,
        error,
    }
}

/// `GET /devoirs/nouveau`.
pub async fn new_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    if teaching_classes(&state, &me).is_empty() {
        return Err(WebError::Forbidden);
    }
    let fields = AssignmentFields {
        echeance: paris::input_value(state.app.now() + 7 * 24 * 3600),
        ..AssignmentFields::default()
    };
    render(form_view(&state, &csrf, &me, fields, None))
}

/// `POST /devoirs/nouveau`.
pub async fn create(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<AssignmentFields>,
) -> Result<Response, WebError> {
    let form = AssignmentForm {
        class: fields.classe.parse().ok(),
        title: fields.titre.clone(),
        instructions: fields.consignes.clone(),
        due: fields.echeance.clone(),
        group: fields.groupe.parse().ok(),
        pupils: fields
            .eleves
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect(),
    };
    match state.app.create_assignment(&me.current.subject, &form) {
        Ok(a) => Ok(redirect(&with(paths::ASSIGNMENT, a.id))),
        Err(AppError::Invalid(p)) => {
            let (status, message) = refusal(&p);
            render_with(status, form_view(&state, &csrf, &me, fields, Some(message)))
        }
        Err(e) => Err(e.into()),
    }
}

struct FileLink {
    name: String,
    url: String,
    size: String,
}

struct HandInRow {
    at: String,
    late: bool,
    files: Vec<FileLink>,
    returned: Option<(String, String)>,
    back_url: String,
}

struct WorkRow {
    pupil: String,
    status: (&'static str, &'static str),
    hand_ins: Vec<HandInRow>,
}

#[derive(Template)]
#[template(path = "assignment.html")]
struct PageView {
    layout: Layout,
    title: String,
    class: String,
    instructions: String,
    due: String,
    manage: bool,
    hand_in: bool,
    counts: (usize, usize, usize, usize),
    work: Vec<WorkRow>,
    hand_in_url: String,
    own_files: Vec<(preau_core::NodeId, String)>,
    error: Option<String>,
    script_url: String,
}

/// `GET /devoirs/{id}`.
pub async fn page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    assignment_page(&state, &csrf, &me, AssignmentId(id), None)
}

fn assignment_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: AssignmentId,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let view: AssignmentView = state.app.assignment(subject, id)?;
    let due = view.assignment.due;
    let work = view
        .work
        .iter()
        .map(|w| WorkRow {
            pupil: w.pupil.full_name(),
            status: status_label(w.status),
            hand_ins: w
                .hand_ins
                .iter()
                .rev()
                .map(|h| HandInRow {
                    at: paris::long(h.at),
                    late: h.at > due,
                    files: h
                        .files
                        .iter()
                        .enumerate()
                        .map(|(n, f)| FileLink {
                            name: f.name.clone(),
                            url: with2(paths::HANDED_FILE, h.id, n),
                            size: size(f.revision.size),
                        })
                        .collect(),
                    returned: h
                        .returned
                        .as_ref()
                        .map(|r| (r.comment.clone(), paris::long(r.at))),
                    back_url: with(paths::HAND_BACK, h.id),
                })
                .collect(),
        })
        .collect();
    let own_files = if view.hand_in {
        state.app.own_files(subject)?
    } else {
        Vec::new()
    };
    let (status, error) = super::page_status(error);
    render_with(
        status,
        PageView {
            layout: Layout::new(state, csrf, Some(me)),
            counts: view.counts(),
            title: view.assignment.title.clone(),
            class: view.class_name.clone(),
            instructions: view.assignment.instructions.clone(),
            due: paris::long(due),
            manage: view.manage,
            hand_in: view.hand_in,
            work,
            hand_in_url: format!("{}?_csrf={csrf}", with(paths::ASSIGNMENT_HAND_IN, id)),
            own_files,
            error,
            script_url: state.assets.js_url.clone(),
        },
    )
}

/// `POST /devoirs/{id}/rendre`: files from the device (`fichiers`) and from the pupil's
/// space (`depuis`).
pub async fn hand_in(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let id = AssignmentId(id);
    let outcome = match receive_files(&state, multipart).await {
        Ok((files, chosen)) => state
            .app
            .hand_in(&me.current.subject, id, &files, &chosen)
            .map_err(WebError::from),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => Ok(redirect(&with(paths::ASSIGNMENT, id))),
        Err(WebError::App(AppError::Invalid(p))) => {
            assignment_page(&state, &csrf, &me, id, Some(refusal(&p)))
        }
        Err(e) => Err(e),
    }
}

/// `GET /rendus/{id}/fichiers/{n}`: a handed-in file, as it was handed in.
pub async fn handed_file(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (file, content) = state
        .app
        .open_handed_file(&me.current.subject, HandInId(id), n)?;
    let r = file.revision;
    let download = Download::attachment(content, file.name, &r.blob, r.size, r.mime, r.at);
    Ok(respond(&method, &headers, download).await)
}

/// The teacher's comment when handing work back.
#[derive(Deserialize)]
pub struct HandBackForm {
    #[serde(default)]
    commentaire: String,
}

/// `POST /rendus/{id}/retour`.
pub async fn hand_back(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<HandBackForm>,
) -> Result<Response, WebError> {
    let hand_in = state
        .app
        .hand_back(&me.current.subject, HandInId(id), &form.commentaire)?;
    Ok(redirect(&with(paths::ASSIGNMENT, hand_in.assignment)))
}
