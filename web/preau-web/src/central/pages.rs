//! Central's pages: sign-in, activation with a school's code, the parents' portal (per
//! school: children, homework, words to sign, news, freshness), signing a word, linking one
//! more school, and the town hall's page of the schools' sync. Handlers are thin: extract,
//! one call to [`preau_app::commune::Commune`], render.

use super::{Account, CentralWeb, MaybeAccount, ago};
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
use crate::pages::{redirect, render, render_with};
use crate::paths::{self as p, with, with2};
use crate::session::{Csrf, SESSION_COOKIE, Visitor, clear_cookie, start_session};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use preau_app::AppError;
use preau_app::commune::{CommuneSignedIn, SchoolPortal, SchoolSync};
use preau_core::{CommuneAccount, CommuneRole, UserId, WordId};
use serde::Deserialize;

/// What central's layout shows.
pub struct CentralLayout {
    /// Style sheet URL.
    pub css_url: String,
    /// Icon URL.
    pub favicon_url: String,
    /// The commune's name.
    pub commune: String,
    /// CSRF token for the page's forms.
    pub csrf: String,
    /// Name and role label of the signed-in account.
    pub me: Option<(String, &'static str)>,
}

impl CentralLayout {
    fn new(state: &CentralWeb, csrf: &str, me: Option<&CommuneAccount>) -> CentralLayout {
        CentralLayout {
            css_url: state.assets.css_url.clone(),
            favicon_url: state.assets.favicon_url.clone(),
            commune: state.commune_name.to_string(),
            csrf: csrf.to_string(),
            me: me.map(|a| {
                (
                    a.full_name(),
                    match a.role {
                        CommuneRole::Parent => "parent",
                        CommuneRole::Agent => "mairie",
                    },
                )
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "central/sign_in.html")]
struct SignInView {
    layout: CentralLayout,
    error: Option<String>,
    login: String,
}

#[derive(Template)]
#[template(path = "central/activate.html")]
struct ActivateView {
    layout: CentralLayout,
    error: Option<String>,
    login: String,
    min_len: usize,
}

struct HomeworkItem {
    title: String,
    html: String,
}

struct HomeworkDay {
    label: String,
    items: Vec<HomeworkItem>,
}

struct ChildHomework {
    name: String,
    class_name: String,
    days: Vec<HomeworkDay>,
}

struct ChildToSign {
    name: String,
    sign_url: Option<String>,
}

struct WordToSign {
    title: String,
    author: String,
    audience: String,
    html: String,
    children: Vec<ChildToSign>,
}

struct SchoolView {
    uai: String,
    name: String,
    freshness: String,
    children: Vec<String>,
    homework: Vec<ChildHomework>,
    words: Vec<WordToSign>,
    news: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "central/portal.html")]
struct PortalView {
    layout: CentralLayout,
    name: String,
    login: String,
    notice: Option<String>,
    error: Option<String>,
    schools: Vec<SchoolView>,
}

struct SyncRow {
    name: String,
    uai: String,
    last: String,
    version: String,
    lag: String,
}

#[derive(Template)]
#[template(path = "central/admin.html")]
struct AdminView {
    layout: CentralLayout,
    schools: Vec<SyncRow>,
}

/// The status and French message of a refused attempt.
fn failure(e: AppError) -> (StatusCode, String) {
    WebError::App(e).status_and_message()
}

fn signed_in(done: CommuneSignedIn) -> Response {
    let to = match done.account.role {
        CommuneRole::Parent => p::HOME,
        CommuneRole::Agent => p::CENTRAL_ADMIN,
    };
    let mut response = redirect(to);
    start_session(&mut response, &done.token);
    response
}

/// `GET /`: the parent's portal, the town hall's page, or the sign-in form.
pub async fn home(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    MaybeAccount(me): MaybeAccount,
) -> Result<Response, WebError> {
    match me {
        None => render(SignInView {
            layout: CentralLayout::new(&state, &csrf, None),
            error: None,
            login: String::new(),
        }),
        Some(me) if me.account.role == CommuneRole::Agent => Ok(redirect(p::CENTRAL_ADMIN)),
        Some(me) => portal(&state, &csrf, &me.account, StatusCode::OK, None, None),
    }
}

fn school_view(now: i64, school: SchoolPortal) -> SchoolView {
    let freshness = match &school.seen {
        Some(seen) => format!("À jour {}", ago(now, seen.at)),
        None => "Pas encore synchronisée avec l'école".to_string(),
    };
    let homework = school
        .homework
        .iter()
        .map(|agenda| ChildHomework {
            name: agenda
                .pupil
                .as_ref()
                .map(|u| u.first_name.clone())
                .unwrap_or_default(),
            class_name: agenda.class_name.clone(),
            days: agenda
                .days
                .iter()
                .filter(|d| !d.due.is_empty())
                .map(|d| HomeworkDay {
                    label: preau_app::paris::day(d.date),
                    items: d
                        .due
                        .iter()
                        .map(|e| HomeworkItem {
                            title: e.entry.title.clone(),
                            html: e
                                .entry
                                .homework
                                .as_ref()
                                .map(|h| h.text.html.clone())
                                .unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let words = school
        .liaison
        .iter()
        .map(|view| WordToSign {
            title: view.word.title.clone(),
            author: view.author.clone(),
            audience: view.audience.clone(),
            html: view.word.body.html.clone(),
            children: view
                .children
                .iter()
                .map(|c| ChildToSign {
                    name: c.pupil.first_name.clone(),
                    sign_url: (c.may_sign && c.answer.signed.is_none()).then(|| {
                        with2(
                            &with(p::CENTRAL_SIGN, &school.uai),
                            view.word.id.0,
                            c.pupil.id.0,
                        )
                    }),
                })
                .collect(),
        })
        .collect();
    SchoolView {
        freshness,
        children: school.children.iter().map(|c| c.full_name()).collect(),
        homework,
        words,
        news: school
            .news
            .iter()
            .map(|n| (n.title.clone(), n.body.clone()))
            .collect(),
        uai: school.uai,
        name: school.name,
    }
}

fn portal(
    state: &CentralWeb,
    csrf: &str,
    account: &CommuneAccount,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let now = state.commune.now();
    let schools = state
        .commune
        .portal(account)?
        .into_iter()
        .map(|s| school_view(now, s))
        .collect();
    render_with(
        status,
        PortalView {
            layout: CentralLayout::new(state, csrf, Some(account)),
            name: account.full_name(),
            login: account.login.clone(),
            notice,
            error,
            schools,
        },
    )
}

/// `GET /connexion`.
pub async fn sign_in_page(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    MaybeAccount(me): MaybeAccount,
) -> Result<Response, WebError> {
    if me.is_some() {
        return Ok(redirect(p::HOME));
    }
    render(SignInView {
        layout: CentralLayout::new(&state, &csrf, None),
        error: None,
        login: String::new(),
    })
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    login: String,
    password: String,
}

/// `POST /connexion`.
pub async fn sign_in(
    State(state): State<CentralWeb>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebForm(form): WebForm<SignInForm>,
) -> Result<Response, WebError> {
    match state
        .commune
        .sign_in(&visitor, &form.login, &form.password)
        .await
    {
        Ok(done) => Ok(signed_in(done)),
        Err(AppError::Store(e)) => Err(AppError::Store(e).into()),
        Err(e) => {
            let (status, message) = failure(e);
            render_with(
                status,
                SignInView {
                    layout: CentralLayout::new(&state, &csrf, None),
                    error: Some(message),
                    login: form.login,
                },
            )
        }
    }
}

/// `GET /activation`.
pub async fn activate_page(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
) -> Result<Response, WebError> {
    render(ActivateView {
        layout: CentralLayout::new(&state, &csrf, None),
        error: None,
        login: String::new(),
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

/// `POST /activation`: opens the commune account with a school's (or the town hall's) code.
pub async fn activate(
    State(state): State<CentralWeb>,
    Visitor(visitor): Visitor,
    Csrf(csrf): Csrf,
    WebForm(form): WebForm<ActivateForm>,
) -> Result<Response, WebError> {
    match state
        .commune
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
            let (status, message) = failure(e);
            render_with(
                status,
                ActivateView {
                    layout: CentralLayout::new(&state, &csrf, None),
                    error: Some(message),
                    login: form.login,
                    min_len: preau_app::auth::MIN_PASSWORD_LEN,
                },
            )
        }
    }
}

/// `POST /deconnexion`.
pub async fn sign_out(
    State(state): State<CentralWeb>,
    MaybeAccount(me): MaybeAccount,
) -> Result<Response, WebError> {
    if let Some(me) = me {
        state.commune.sign_out(&me.token)?;
    }
    let mut response = redirect(p::SIGN_IN);
    clear_cookie(&mut response, SESSION_COOKIE);
    Ok(response)
}

/// The form linking one more school.
#[derive(Deserialize)]
pub struct LinkForm {
    login: String,
    code: String,
}

/// `POST /ecoles`: a signed-in parent adds a school with the code of its letter.
pub async fn link_school(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebForm(form): WebForm<LinkForm>,
) -> Result<Response, WebError> {
    match state
        .commune
        .link_school(&me.account, &form.login, &form.code)
        .await
    {
        Ok(account) => portal(
            &state,
            &csrf,
            &account,
            StatusCode::OK,
            Some("L'école a été ajoutée à votre compte.".into()),
            None,
        ),
        Err(e @ (AppError::Store(_) | AppError::Forbidden)) => Err(e.into()),
        Err(e) => {
            let (status, message) = failure(e);
            portal(&state, &csrf, &me.account, status, None, Some(message))
        }
    }
}

/// `POST /ecoles/{uai}/carnet/{word}/{pupil}/signer`: « Vu et signé » at central.
pub async fn sign(
    State(state): State<CentralWeb>,
    me: Account,
    WebPath((uai, word, pupil)): WebPath<(String, u64, u64)>,
) -> Result<Response, WebError> {
    state
        .commune
        .sign(&me.account, &uai, WordId(word), UserId(pupil))?;
    Ok(redirect(p::HOME))
}

fn sync_row(now: i64, school: SchoolSync) -> SyncRow {
    let (last, version, lag) = match &school.seen {
        Some(seen) => (
            format!(
                "{} ({})",
                ago(now, seen.at),
                preau_app::paris::long(seen.at)
            ),
            seen.software.clone(),
            format!(
                "{} ; {} changement(s) reçu(s) du boîtier ; {} en attente pour le boîtier",
                ago(now, seen.at),
                seen.acked,
                school.waiting_for_box
            ),
        ),
        None => (
            "jamais".to_string(),
            "—".to_string(),
            format!("{} en attente pour le boîtier", school.waiting_for_box),
        ),
    };
    SyncRow {
        name: school.name,
        uai: school.uai,
        last,
        version,
        lag,
    }
}

/// `GET /mairie`: the schools attached and their boxes' sync (town-hall agents).
pub async fn admin(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
) -> Result<Response, WebError> {
    let now = state.commune.now();
    let schools = state
        .commune
        .schools_sync(&me.account)?
        .into_iter()
        .map(|s| sync_row(now, s))
        .collect();
    render(AdminView {
        layout: CentralLayout::new(&state, &csrf, Some(&me.account)),
        schools,
    })
}
