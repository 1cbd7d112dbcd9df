//! The headteacher's directory pages: accounts, classes, groups, and the accounts export.

use super::classes::qr_svg;
use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::{PICTURES, problem};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use preau_app::accounts::{ClassForm, GroupForm, Handover, UserForm};
use preau_app::{AppError, Directory};
use preau_core::level::levels_label;
use preau_core::{Action, ClassId, GroupId, Level, Role, User, UserId};
use serde::Deserialize;

/// Refuses unless the person may manage the school's directory.
fn require_admin(
    state: &WebState,
    me: &Me,
    action: Action,
) -> Result<std::sync::Arc<Directory>, WebError> {
    let directory = state.app.directory();
    if directory.can_on_school(&me.current.subject, action) {
        Ok(directory)
    } else {
        Err(WebError::Forbidden)
    }
}

/// After a form: back to `done` when saved, or the same form again with the French reason.
fn after_form<T, V: Template>(
    result: Result<T, AppError>,
    done: &str,
    form_again: impl FnOnce(String) -> Result<V, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(_) => Ok(redirect(done)),
        Err(AppError::Invalid(p)) => {
            render_with(StatusCode::UNPROCESSABLE_ENTITY, form_again(problem(&p))?)
        }
        Err(e) => Err(e.into()),
    }
}

fn ids<T: std::str::FromStr>(values: &[String]) -> Vec<T> {
    values.iter().filter_map(|v| v.parse().ok()).collect()
}

// ---------------------------------------------------------------- accounts

struct UserRow {
    url: String,
    name: String,
    login: String,
    role: &'static str,
    class: String,
    archived: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersView {
    layout: Layout,
    q: String,
    roles: Vec<(&'static str, &'static str, bool)>,
    rows: Vec<UserRow>,
}

/// Filters of the accounts list.
#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
}

fn role_options(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    Role::ALL
        .iter()
        .map(|r| (r.code(), r.label(), r.code() == selected))
        .collect()
}

/// The current classes as select options (id, name, selected).
fn class_options(directory: &Directory, selected: &str) -> Vec<(String, String, bool)> {
    directory
        .current_classes()
        .iter()
        .map(|c| {
            (
                c.id.to_string(),
                c.name.clone(),
                c.id.to_string() == selected,
            )
        })
        .collect()
}

fn matches_search(user: &User, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    q.is_empty() || user.full_name().to_lowercase().contains(&q) || user.login.contains(&q)
}

/// `GET /admin/comptes`.
pub async fn users(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(query): WebQuery<UsersQuery>,
) -> Result<Response, WebError> {
    let directory = require_admin(&state, &me, Action::ManageAccount)?;
    let role = Role::from_code(&query.role);
    let rows = directory
        .users()
        .into_iter()
        .filter(|u| role.is_none_or(|r| u.role == r) && matches_search(u, &query.q))
        .map(|u| UserRow {
            url: with(paths::ADMIN_USER, u.id),
            name: format!("{} {}", u.last_name, u.first_name),
            login: u.login.clone(),
            role: u.role.label(),
            class: directory
                .class_of(u)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            archived: u.archived,
        })
        .collect();
    render(UsersView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        roles: role_options(&query.role),
        q: query.q,
        rows,
    })
}

/// The account form as typed (strings, so that it can be shown again unchanged).
#[derive(Deserialize, Default, Clone)]
pub struct UserFields {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    guardians: Vec<String>,
    #[serde(default)]
    email: String,
}

impl UserFields {
    fn from_user(user: &User, directory: &Directory) -> UserFields {
        UserFields {
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            role: user.role.code().into(),
            login: user.login.clone(),
            birth_date: user.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            class: directory
                .class_of(user)
                .map(|c| c.id.to_string())
                .unwrap_or_default(),
            guardians: user.guardians.iter().map(|g| g.to_string()).collect(),
            email: user.email.clone().unwrap_or_default(),
        }
    }

    fn to_form(&self) -> UserForm {
        UserForm {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            role: Role::from_code(&self.role),
            login: self.login.clone(),
            birth_date: self.birth_date.clone(),
            class: self.class.parse().ok().map(ClassId),
            guardians: ids::<u64>(&self.guardians)
                .into_iter()
                .map(UserId)
                .collect(),
            email: self.email.clone(),
        }
    }
}

struct UserActions {
    reset_url: String,
    unlock_url: String,
    archive_url: String,
    archived: bool,
    locked: bool,
    pupil: bool,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserView {
    layout: Layout,
    heading: String,
    action: String,
    error: Option<String>,
    notice: Option<String>,
    form: UserFields,
    roles: Vec<(&'static str, &'static str, bool)>,
    classes: Vec<(String, String, bool)>,
    parents: Vec<(String, String, bool)>,
    actions: Option<UserActions>,
}

#[allow(clippy::too_many_arguments)]
fn user_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    heading: String,
    action: String,
    form: UserFields,
    error: Option<String>,
    notice: Option<String>,
    actions: Option<UserActions>,
) -> UserView {
    let directory = state.app.directory();
    UserView {
        layout: Layout::new(state, csrf, Some(me)),
        heading,
        action,
        error,
        notice,
        roles: role_options(&form.role),
        classes: class_options(&directory, &form.class),
        parents: directory
            .users()
            .into_iter()
            .filter(|u| u.role == Role::Parent && !u.archived)
            .map(|u| {
                (
                    u.id.to_string(),
                    format!("{} {}", u.last_name, u.first_name),
                    form.guardians.contains(&u.id.to_string()),
                )
            })
            .collect(),
        form,
        actions,
    }
}

/// `GET /admin/comptes/nouveau`.
pub async fn new_user(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    require_admin(&state, &me, Action::ManageAccount)?;
    let form = UserFields {
        role: Role::Pupil.code().into(),
        ..Default::default()
    };
    render(user_view(
        &state,
        &csrf,
        &me,
        "Nouveau compte".into(),
        paths::ADMIN_USERS.into(),
        form,
        None,
        None,
        None,
    ))
}

#[derive(Template)]
#[template(path = "handover.html")]
struct HandoverView {
    layout: Layout,
    name: String,
    login: String,
    address: String,
    code: Option<String>,
    qr_svg: String,
    pictures: Option<Vec<(&'static str, &'static str)>>,
    cards_url: String,
    back_url: String,
}

fn handover_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    user: &User,
    handover: Handover,
) -> Result<Response, WebError> {
    let directory = state.app.directory();
    let address = format!("{}{}", state.public_url, paths::ACTIVATE);
    let (code, pictures) = match handover {
        Handover::ActivationCode(code) => (Some(code), None),
        Handover::PupilCard { pictures } => (
            None,
            Some(
                pictures
                    .iter()
                    .filter_map(|p| PICTURES.get(*p as usize).copied())
                    .collect(),
            ),
        ),
    };
    render(HandoverView {
        layout: Layout::new(state, csrf, Some(me)),
        name: user.full_name(),
        login: user.login.clone(),
        qr_svg: qr_svg(&format!("{address}?identifiant={}", user.login)),
        address,
        code,
        pictures,
        cards_url: directory
            .class_of(user)
            .map(|c| with(paths::CLASS_CARDS, c.id))
            .unwrap_or_default(),
        back_url: with(paths::ADMIN_USER, user.id),
    })
}

/// `POST /admin/comptes`: creates an account and shows what to hand to its owner.
pub async fn create_user(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<UserFields>,
) -> Result<Response, WebError> {
    match state
        .app
        .create_user(&me.current.subject, &fields.to_form())
    {
        Ok((user, handover)) => handover_page(&state, &csrf, &me, &user, handover),
        Err(AppError::Invalid(p)) => render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            user_view(
                &state,
                &csrf,
                &me,
                "Nouveau compte".into(),
                paths::ADMIN_USERS.into(),
                fields,
                Some(problem(&p)),
                None,
                None,
            ),
        ),
        Err(e) => Err(e.into()),
    }
}

fn actions_for(state: &WebState, user: &User) -> Result<UserActions, WebError> {
    Ok(UserActions {
        reset_url: with(paths::ADMIN_USER_RESET, user.id),
        unlock_url: with(paths::UNLOCK, user.id),
        archive_url: with(
            if user.archived {
                paths::ADMIN_USER_RESTORE
            } else {
                paths::ADMIN_USER_ARCHIVE
            },
            user.id,
        ),
        archived: user.archived,
        locked: state.app.failures(user.id)? >= preau_core::lockout::FREE_ATTEMPTS,
        pupil: user.role == Role::Pupil,
    })
}

fn target(state: &WebState, me: &Me, id: u64) -> Result<User, WebError> {
    let directory = state.app.directory();
    let user = directory
        .user(UserId(id))
        .cloned()
        .ok_or(WebError::NotFound)?;
    if directory.can_on_user(&me.current.subject, Action::ManageAccount, user.id) {
        Ok(user)
    } else {
        Err(WebError::Forbidden)
    }
}

/// Confirmation shown after a saved edit.
#[derive(Deserialize, Default)]
pub struct Saved {
    #[serde(default)]
    ok: String,
}

/// `GET /admin/comptes/{id}`.
pub async fn user(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(saved): WebQuery<Saved>,
) -> Result<Response, WebError> {
    let user = target(&state, &me, id)?;
    let form = UserFields::from_user(&user, &state.app.directory());
    let notice = (!saved.ok.is_empty()).then(|| "Modifications enregistrées.".to_string());
    render(user_view(
        &state,
        &csrf,
        &me,
        user.full_name(),
        with(paths::ADMIN_USER, id),
        form,
        None,
        notice,
        Some(actions_for(&state, &user)?),
    ))
}

/// `POST /admin/comptes/{id}`.
pub async fn update_user(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<UserFields>,
) -> Result<Response, WebError> {
    let user = target(&state, &me, id)?;
    match state
        .app
        .update_user(&me.current.subject, user.id, &fields.to_form())
    {
        Ok(_) => Ok(redirect(&format!("{}?ok=1", with(paths::ADMIN_USER, id)))),
        Err(AppError::Invalid(p)) => render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            user_view(
                &state,
                &csrf,
                &me,
                user.full_name(),
                with(paths::ADMIN_USER, id),
                fields,
                Some(problem(&p)),
                None,
                Some(actions_for(&state, &user)?),
            ),
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/comptes/{id}/archiver`.
pub async fn archive_user(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    set_archived(&state, &me, id, true)
}

/// `POST /admin/comptes/{id}/restaurer`.
pub async fn restore_user(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    set_archived(&state, &me, id, false)
}

fn set_archived(state: &WebState, me: &Me, id: u64, archived: bool) -> Result<Response, WebError> {
    state
        .app
        .set_user_archived(&me.current.subject, UserId(id), archived)?;
    Ok(redirect(&format!("{}?ok=1", with(paths::ADMIN_USER, id))))
}

/// `POST /admin/comptes/{id}/reinitialiser`: new credentials, shown once.
pub async fn reset_user(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let user = target(&state, &me, id)?;
    let handover = state.app.reset_credentials(&me.current.subject, user.id)?;
    handover_page(&state, &csrf, &me, &user, handover)
}

/// `GET /admin/comptes.csv`: every account, formula-safe, for a spreadsheet.
pub async fn export_csv(State(state): State<WebState>, me: Me) -> Result<Response, WebError> {
    let csv = state.app.export_accounts_csv(&me.current.subject)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"comptes.csv\"",
            ),
        ],
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

// ---------------------------------------------------------------- classes

struct ClassRow {
    url: String,
    name: String,
    levels: String,
    teachers: String,
    pupils: usize,
    archived: bool,
}

/// The class form's options and values.
struct ClassFormView {
    action: String,
    name: String,
    levels: Vec<(&'static str, bool)>,
    teachers: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "admin_classes.html")]
struct ClassesView {
    layout: Layout,
    year: String,
    error: Option<String>,
    rows: Vec<ClassRow>,
    form: ClassFormView,
}

#[derive(Template)]
#[template(path = "admin_class.html")]
struct ClassEditView {
    layout: Layout,
    error: Option<String>,
    form: ClassFormView,
    archive_url: String,
    class_url: String,
    archived: bool,
}

/// The class form as typed.
#[derive(Deserialize, Default)]
pub struct ClassFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    levels: Vec<String>,
    #[serde(default)]
    teachers: Vec<String>,
}

impl ClassFields {
    fn to_form(&self) -> ClassForm {
        ClassForm {
            name: self.name.clone(),
            levels: self
                .levels
                .iter()
                .filter_map(|l| Level::from_code(l))
                .collect(),
            teachers: ids::<u64>(&self.teachers).into_iter().map(UserId).collect(),
        }
    }
}

fn class_form_view(directory: &Directory, action: String, fields: &ClassFields) -> ClassFormView {
    ClassFormView {
        action,
        name: fields.name.clone(),
        levels: Level::ALL
            .iter()
            .map(|l| (l.code(), fields.levels.iter().any(|x| x == l.code())))
            .collect(),
        teachers: directory
            .users()
            .into_iter()
            .filter(|u| {
                matches!(u.role, Role::Teacher | Role::Headteacher | Role::Staff) && !u.archived
            })
            .map(|u| {
                (
                    u.id.to_string(),
                    u.full_name(),
                    fields.teachers.contains(&u.id.to_string()),
                )
            })
            .collect(),
    }
}

fn classes_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    error: Option<String>,
    fields: &ClassFields,
) -> ClassesView {
    let directory = state.app.directory();
    let mut classes = directory.all_classes();
    classes.sort_by(|a, b| {
        (b.year, a.archived, a.levels.first(), &a.name).cmp(&(
            a.year,
            b.archived,
            b.levels.first(),
            &b.name,
        ))
    });
    ClassesView {
        layout: Layout::new(state, csrf, Some(me)),
        year: directory
            .school()
            .map(|s| s.year.to_string())
            .unwrap_or_default(),
        error,
        rows: classes
            .iter()
            .map(|c| ClassRow {
                url: with(paths::ADMIN_CLASS, c.id),
                name: format!("{} ({})", c.name, c.year),
                levels: levels_label(&c.levels),
                teachers: directory
                    .teachers_of(c.id)
                    .iter()
                    .map(|t| t.full_name())
                    .collect::<Vec<_>>()
                    .join(", "),
                pupils: directory.pupils_of(c.id).len(),
                archived: c.archived,
            })
            .collect(),
        form: class_form_view(&directory, paths::ADMIN_CLASSES.into(), fields),
    }
}

/// `GET /admin/classes`.
pub async fn classes(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    require_admin(&state, &me, Action::ManageClasses)?;
    render(classes_view(
        &state,
        &csrf,
        &me,
        None,
        &ClassFields::default(),
    ))
}

/// `POST /admin/classes`.
pub async fn create_class(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<ClassFields>,
) -> Result<Response, WebError> {
    after_form(
        state
            .app
            .create_class(&me.current.subject, &fields.to_form()),
        paths::ADMIN_CLASSES,
        |problem| Ok(classes_view(&state, &csrf, &me, Some(problem), &fields)),
    )
}

fn class_edit_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: ClassId,
    fields: Option<ClassFields>,
    error: Option<String>,
) -> Result<ClassEditView, WebError> {
    let directory = state.app.directory();
    let class = directory.class(id).ok_or(WebError::NotFound)?;
    if !directory.can_on_class(&me.current.subject, Action::ManageClasses, id) {
        return Err(WebError::Forbidden);
    }
    let fields = fields.unwrap_or_else(|| ClassFields {
        name: class.name.clone(),
        levels: class.levels.iter().map(|l| l.code().to_string()).collect(),
        teachers: class.teachers.iter().map(|t| t.to_string()).collect(),
    });
    Ok(ClassEditView {
        layout: Layout::new(state, csrf, Some(me)),
        error,
        form: class_form_view(&directory, with(paths::ADMIN_CLASS, id), &fields),
        archive_url: with(paths::ADMIN_CLASS_ARCHIVE, id),
        class_url: with(paths::CLASS, id),
        archived: class.archived,
    })
}

/// `GET /admin/classes/{id}`.
pub async fn class(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    render(class_edit_view(
        &state,
        &csrf,
        &me,
        ClassId(id),
        None,
        None,
    )?)
}

/// `POST /admin/classes/{id}`.
pub async fn update_class(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<ClassFields>,
) -> Result<Response, WebError> {
    after_form(
        state
            .app
            .update_class(&me.current.subject, ClassId(id), &fields.to_form()),
        paths::ADMIN_CLASSES,
        |problem| class_edit_view(&state, &csrf, &me, ClassId(id), Some(fields), Some(problem)),
    )
}

/// `POST /admin/classes/{id}/archiver` (toggles).
pub async fn archive_class(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let archived = state
        .app
        .directory()
        .class(ClassId(id))
        .map(|c| c.archived)
        .ok_or(WebError::NotFound)?;
    state
        .app
        .set_class_archived(&me.current.subject, ClassId(id), !archived)?;
    Ok(redirect(paths::ADMIN_CLASSES))
}

// ---------------------------------------------------------------- groups

struct GroupRow {
    url: String,
    name: String,
    class: String,
    members: usize,
    archived: bool,
}

struct GroupFormView {
    heading: String,
    action: String,
    name: String,
    classes: Vec<(String, String, bool)>,
    members: Vec<(String, String, bool)>,
    editing: bool,
    archived: bool,
}

#[derive(Template)]
#[template(path = "admin_groups.html")]
struct GroupsView {
    layout: Layout,
    error: Option<String>,
    rows: Vec<GroupRow>,
    form: GroupFormView,
}

/// The group form as typed.
#[derive(Deserialize, Default)]
pub struct GroupFields {
    #[serde(default)]
    name: String,
    #[serde(default)]
    class: String,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    archived: String,
}

impl GroupFields {
    fn to_form(&self) -> GroupForm {
        GroupForm {
            name: self.name.clone(),
            class: self.class.parse().ok().map(ClassId),
            members: ids::<u64>(&self.members).into_iter().map(UserId).collect(),
        }
    }
}

fn groups_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    editing: Option<GroupId>,
    fields: &GroupFields,
    error: Option<String>,
) -> GroupsView {
    let directory = state.app.directory();
    let label = |u: &User| match directory.class_of(u) {
        Some(c) => format!("{} {} ({})", u.last_name, u.first_name, c.name),
        None => format!("{} {} ({})", u.last_name, u.first_name, u.role.label()),
    };
    GroupsView {
        layout: Layout::new(state, csrf, Some(me)),
        error,
        rows: directory
            .groups()
            .iter()
            .map(|g| GroupRow {
                url: with(paths::ADMIN_GROUP, g.id),
                name: g.name.clone(),
                class: g
                    .class
                    .and_then(|c| directory.class(c))
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| "Plusieurs classes".into()),
                members: g.members.len(),
                archived: g.archived,
            })
            .collect(),
        form: GroupFormView {
            heading: if editing.is_some() {
                format!("Modifier le groupe « {} »", fields.name)
            } else {
                "Nouveau groupe".into()
            },
            action: editing
                .map(|id| with(paths::ADMIN_GROUP, id))
                .unwrap_or_else(|| paths::ADMIN_GROUPS.into()),
            name: fields.name.clone(),
            classes: class_options(&directory, &fields.class),
            members: directory
                .users()
                .into_iter()
                .filter(|u| {
                    !u.archived
                        && matches!(
                            u.role,
                            Role::Pupil | Role::Teacher | Role::Staff | Role::Headteacher
                        )
                })
                .map(|u| {
                    (
                        u.id.to_string(),
                        label(u),
                        fields.members.contains(&u.id.to_string()),
                    )
                })
                .collect(),
            editing: editing.is_some(),
            archived: !fields.archived.is_empty(),
        },
    }
}

/// `GET /admin/groupes`.
pub async fn groups(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    require_admin(&state, &me, Action::ManageClasses)?;
    render(groups_view(
        &state,
        &csrf,
        &me,
        None,
        &GroupFields::default(),
        None,
    ))
}

/// `POST /admin/groupes`.
pub async fn create_group(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<GroupFields>,
) -> Result<Response, WebError> {
    after_form(
        state
            .app
            .create_group(&me.current.subject, &fields.to_form()),
        paths::ADMIN_GROUPS,
        |problem| {
            Ok(groups_view(
                &state,
                &csrf,
                &me,
                None,
                &fields,
                Some(problem),
            ))
        },
    )
}

/// `GET /admin/groupes/{id}`.
pub async fn group(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let directory = require_admin(&state, &me, Action::ManageClasses)?;
    let group = directory.group(GroupId(id)).ok_or(WebError::NotFound)?;
    let fields = GroupFields {
        name: group.name.clone(),
        class: group.class.map(|c| c.to_string()).unwrap_or_default(),
        members: group.members.iter().map(|m| m.to_string()).collect(),
        archived: if group.archived {
            "1".into()
        } else {
            String::new()
        },
    };
    render(groups_view(
        &state,
        &csrf,
        &me,
        Some(group.id),
        &fields,
        None,
    ))
}

/// `POST /admin/groupes/{id}`.
pub async fn update_group(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<GroupFields>,
) -> Result<Response, WebError> {
    after_form(
        state.app.update_group(
            &me.current.subject,
            GroupId(id),
            &fields.to_form(),
            !fields.archived.is_empty(),
        ),
        paths::ADMIN_GROUPS,
        |problem| {
            Ok(groups_view(
                &state,
                &csrf,
                &me,
                Some(GroupId(id)),
                &fields,
                Some(problem),
            ))
        },
    )
}
