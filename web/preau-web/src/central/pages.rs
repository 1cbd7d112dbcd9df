//! Central's pages: sign-in, activation with a school's code, the parents' portal (per
//! school: children, homework, words to sign, news, freshness), signing a word, answering
//! its consent form and replying, the files attached to words, homework and news,
//! conversations with the school (text only), linking one
//! more school, and the town hall's page of the schools' sync and of locked accounts. Handlers are thin: extract,
//! one call to [`preau_app::commune::Commune`], render.

use super::{Account, CentralWeb, MaybeAccount, ago};
use crate::download::{Download, respond};
use crate::error::{ErrorPage, WebError};
use crate::forms::{WebForm, WebPath};
use crate::pages::{redirect, render, render_with};
use crate::paths::{self as p, with, with2};
use crate::session::{Csrf, SESSION_COOKIE, Visitor, clear_cookie, start_session};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use preau_app::AppError;
use preau_app::commune::{CommuneSignedIn, SchoolPortal, SchoolSync};
use preau_app::messages::NewMessage;
use preau_core::{
    BlobId, CommuneAccount, CommuneRole, ConversationId, EntryId, NewsId, Role, UserId, WordId,
};
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
    /// The attached files: name and address.
    files: Vec<(String, String)>,
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
    /// Where « J'autorise » / « Je n'autorise pas » go while the form is open.
    consent_url: Option<String>,
    /// The family's consent answer so far, in French.
    consent: Option<&'static str>,
    /// Where the one reply goes while there is none.
    reply_url: Option<String>,
    /// The family's reply, once written.
    reply: Option<String>,
}

struct WordToSign {
    title: String,
    author: String,
    audience: String,
    html: String,
    /// The attached files: name and address.
    files: Vec<(String, String)>,
    /// The consent form's question and its deadline, if it has one.
    question: Option<(String, Option<String>)>,
    children: Vec<ChildToSign>,
}

struct NewsItem {
    title: String,
    html: String,
    /// The attached files: name and address.
    files: Vec<(String, String)>,
}

struct SchoolView {
    uai: String,
    name: String,
    freshness: String,
    children: Vec<String>,
    homework: Vec<ChildHomework>,
    words: Vec<WordToSign>,
    news: Vec<NewsItem>,
    results: Vec<crate::pages::exercises::FamilyCard>,
    messages_url: String,
    unread: usize,
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

struct LockedRow {
    name: String,
    login: String,
    role: &'static str,
    unlock_url: String,
}

#[derive(Template)]
#[template(path = "central/admin.html")]
struct AdminView {
    layout: CentralLayout,
    schools: Vec<SyncRow>,
    locked: Vec<LockedRow>,
    notice: Option<String>,
}

struct ConversationRow {
    subject: String,
    with: String,
    updated: String,
    unread: usize,
    url: String,
}

#[derive(Template)]
#[template(path = "central/messages.html")]
struct MessagesView {
    layout: CentralLayout,
    school: String,
    action: String,
    conversations: Vec<ConversationRow>,
    recipients: Vec<(u64, String)>,
    error: Option<String>,
    subject: String,
    body: String,
}

struct MessageRow {
    author: String,
    sent: String,
    html: String,
    attachments: usize,
}

#[derive(Template)]
#[template(path = "central/conversation.html")]
struct ConversationView {
    layout: CentralLayout,
    school: String,
    back: String,
    subject: String,
    with: String,
    messages: Vec<MessageRow>,
    action: String,
    error: Option<String>,
    body: String,
}

/// The status and French message of a refused attempt.
fn failure(e: AppError) -> (StatusCode, String) {
    WebError::App(e).status_and_message()
}

/// Locked at central: the town hall unlocks commune accounts, not the school.
const LOCKED_AT_CENTRAL: &str =
    "Ce compte est bloqué après trop d'essais. Demandez à la mairie de le débloquer.";

/// [`failure`] for sign-in and activation at central: a lock is lifted by the town hall.
fn central_failure(e: AppError) -> (StatusCode, String) {
    match e {
        AppError::Locked => (StatusCode::LOCKED, LOCKED_AT_CENTRAL.to_string()),
        e => failure(e),
    }
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
                            files: e
                                .entry
                                .attachments
                                .iter()
                                .enumerate()
                                .map(|(n, a)| {
                                    let url = with2(
                                        &with(p::CENTRAL_ENTRY_FILE, &school.uai),
                                        e.entry.id.0,
                                        n,
                                    );
                                    (a.name.clone(), url)
                                })
                                .collect(),
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
            files: view
                .word
                .attachments
                .iter()
                .enumerate()
                .map(|(n, a)| {
                    let url = with2(&with(p::CENTRAL_WORD_FILE, &school.uai), view.word.id.0, n);
                    (a.name.clone(), url)
                })
                .collect(),
            title: view.word.title.clone(),
            author: view.author.clone(),
            audience: view.audience.clone(),
            html: view.word.body.html.clone(),
            question: view.word.consent.as_ref().map(|form| {
                (
                    form.question.clone(),
                    form.deadline.map(preau_app::paris::day),
                )
            }),
            children: view
                .children
                .iter()
                .map(|c| {
                    let url = |pattern: &str| {
                        with2(&with(pattern, &school.uai), view.word.id.0, c.pupil.id.0)
                    };
                    ChildToSign {
                        name: c.pupil.first_name.clone(),
                        sign_url: (c.may_sign && c.answer.signed.is_none())
                            .then(|| url(p::CENTRAL_SIGN)),
                        consent_url: (c.may_sign
                            && view.consent_open
                            && view.word.consent.is_some())
                        .then(|| url(p::CENTRAL_CONSENT)),
                        consent: c.answer.consent.map(|a| {
                            if a.agrees {
                                "J'autorise"
                            } else {
                                "Je n'autorise pas"
                            }
                        }),
                        reply_url: (c.may_sign && c.answer.reply.is_none())
                            .then(|| url(p::CENTRAL_REPLY)),
                        reply: c.answer.reply.as_ref().map(|r| r.text.clone()),
                    }
                })
                .collect(),
        })
        .collect();
    SchoolView {
        freshness,
        children: school.children.iter().map(|c| c.full_name()).collect(),
        homework,
        words,
        results: school
            .results
            .iter()
            .map(|f| crate::pages::exercises::family_card(f, String::new()))
            .collect(),
        news: school
            .news
            .iter()
            .map(|n| NewsItem {
                title: n.title.clone(),
                html: n.body.clone(),
                files: n
                    .files
                    .iter()
                    .map(|f| {
                        let url = with2(
                            &with(p::CENTRAL_NEWS_FILE, &school.uai),
                            n.id.0,
                            f.blob.hex(),
                        );
                        (f.name.clone(), url)
                    })
                    .collect(),
            })
            .collect(),
        messages_url: with(p::CENTRAL_MESSAGES, &school.uai),
        unread: school.unread,
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
            let (status, message) = central_failure(e);
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
            let (status, message) = central_failure(e);
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

/// What a parent reads when a file's content has not reached central yet.
const NOT_ARRIVED: &str =
    "Ce document n'est pas encore arrivé de l'école. Réessayez un peu plus tard.";

/// The download of an attached file opened at central, or the French 404 page when its
/// content has not come from the box yet (the record is there, its blob not yet: opening
/// it is the only disk failure once access was granted).
async fn attached(
    opened: Result<Download, AppError>,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    match opened {
        Ok(download) => Ok(respond(method, headers, download).await),
        Err(AppError::Disk(detail)) => {
            let mut response = StatusCode::NOT_FOUND.into_response();
            response.extensions_mut().insert(ErrorPage {
                message: NOT_ARRIVED.to_string(),
                log: Some(format!("attachment not at central yet: {detail}")),
            });
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /ecoles/{uai}/carnet/{word}/fichiers/{n}`: a file attached to a carnet word, for
/// the parents it concerns (the school's own use case, with the parent's `Subject`).
pub async fn word_file(
    State(state): State<CentralWeb>,
    me: Account,
    WebPath((uai, word, n)): WebPath<(String, u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let opened = school
        .app
        .open_liaison_attachment(&subject, WordId(word), n)
        .map(|(file, content)| {
            Download::attachment(
                content, file.name, &file.blob, file.size, file.mime, file.at,
            )
        });
    attached(opened, &method, &headers).await
}

/// `GET /ecoles/{uai}/cahier-de-textes/{entry}/fichiers/{n}`: a file attached to a cahier
/// de textes entry, for those who may read the entry.
pub async fn entry_file(
    State(state): State<CentralWeb>,
    me: Account,
    WebPath((uai, entry, n)): WebPath<(String, u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let opened = school
        .app
        .open_logbook_attachment(&subject, EntryId(entry), n)
        .map(|(file, content)| {
            Download::attachment(
                content, file.name, &file.blob, file.size, file.mime, file.at,
            )
        });
    attached(opened, &method, &headers).await
}

/// `GET /ecoles/{uai}/actualites/{news}/fichiers/{blob}`: a file of a news item the parent
/// may read, always as an attachment.
pub async fn news_file(
    State(state): State<CentralWeb>,
    me: Account,
    WebPath((uai, news, blob)): WebPath<(String, u64, String)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let blob = BlobId::from_hex(&blob).ok_or(WebError::NotFound)?;
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let opened = school
        .app
        .news_file(&subject, NewsId(news), blob)
        .map(|(news, f, content)| Download {
            file: content,
            size: f.size,
            etag: f.blob.hex(),
            name: f.name,
            mime: f.mime,
            inline: false,
            modified: news.updated_at,
        });
    attached(opened, &method, &headers).await
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

/// `GET /mairie`: the schools attached and their boxes' sync, and the locked accounts
/// (town-hall agents).
pub async fn admin(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
) -> Result<Response, WebError> {
    admin_page(&state, &csrf, &me.account, None)
}

fn admin_page(
    state: &CentralWeb,
    csrf: &str,
    account: &CommuneAccount,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let now = state.commune.now();
    let schools = state
        .commune
        .schools_sync(account)?
        .into_iter()
        .map(|s| sync_row(now, s))
        .collect();
    let locked = state
        .commune
        .locked_accounts(account)?
        .into_iter()
        .map(|a| LockedRow {
            name: a.full_name(),
            role: match a.role {
                CommuneRole::Parent => "parent",
                CommuneRole::Agent => "mairie",
            },
            unlock_url: with(p::CENTRAL_UNLOCK, a.id),
            login: a.login,
        })
        .collect();
    render(AdminView {
        layout: CentralLayout::new(state, csrf, Some(account)),
        schools,
        locked,
        notice,
    })
}

/// `POST /mairie/comptes/{id}/debloquer`: an agent unlocks a commune account.
pub async fn unlock(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let account = state.commune.unlock(&me.account, id)?;
    admin_page(
        &state,
        &csrf,
        &me.account,
        Some(format!(
            "Le compte de {} est débloqué.",
            account.full_name()
        )),
    )
}

/// A family's answer form at central: the consent choice or the reply's text.
#[derive(Deserialize)]
pub struct FamilyForm {
    #[serde(default)]
    reponse: String,
    #[serde(default)]
    texte: String,
}

/// After a family's answer: back to the portal, or the portal with why not.
fn after_answer(
    state: &CentralWeb,
    csrf: &str,
    me: &Account,
    result: Result<preau_core::FamilyAnswer, AppError>,
) -> Result<Response, WebError> {
    match result {
        Ok(_) => Ok(redirect(p::HOME)),
        Err(e @ AppError::Invalid(_)) => {
            let (status, message) = failure(e);
            portal(state, csrf, &me.account, status, None, Some(message))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /ecoles/{uai}/carnet/{word}/{pupil}/autorisation`: « J'autorise » (`reponse=oui`)
/// or « Je n'autorise pas » (`non`) for a child, until the deadline.
pub async fn consent(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath((uai, word, pupil)): WebPath<(String, u64, u64)>,
    WebForm(form): WebForm<FamilyForm>,
) -> Result<Response, WebError> {
    let agrees = match form.reponse.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(WebError::BadForm("reponse".into())),
    };
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let result = school
        .app
        .answer_liaison_consent(&subject, WordId(word), UserId(pupil), agrees);
    after_answer(&state, &csrf, &me, result)
}

/// `POST /ecoles/{uai}/carnet/{word}/{pupil}/repondre`: the family's one reply.
pub async fn reply(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath((uai, word, pupil)): WebPath<(String, u64, u64)>,
    WebForm(form): WebForm<FamilyForm>,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let result = school
        .app
        .reply_liaison(&subject, WordId(word), UserId(pupil), &form.texte);
    after_answer(&state, &csrf, &me, result)
}

/// Whom a parent may start a conversation with at central: the school's adults the rules
/// let them write to.
fn recipients(
    app: &preau_app::App,
    subject: &preau_core::Subject,
) -> Result<Vec<(u64, String)>, AppError> {
    Ok(app
        .message_recipients(subject)?
        .into_iter()
        .filter(|u| matches!(u.role, Role::Teacher | Role::Headteacher))
        .map(|u| (u.id.0, u.full_name()))
        .collect())
}

fn messages_page(
    state: &CentralWeb,
    csrf: &str,
    me: &Account,
    uai: &str,
    status: StatusCode,
    error: Option<String>,
    form: Option<&NewMessageForm>,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, uai)?;
    let conversations = school
        .app
        .conversations(&subject)?
        .into_iter()
        .map(|c| ConversationRow {
            subject: c.conversation.subject.clone(),
            with: c.with.join(", "),
            updated: preau_app::paris::long(c.conversation.updated),
            unread: c.unread,
            url: with2(p::CENTRAL_CONVERSATION, uai, c.conversation.id.0),
        })
        .collect();
    render_with(
        status,
        MessagesView {
            layout: CentralLayout::new(state, csrf, Some(&me.account)),
            school: school.name.clone(),
            action: with(p::CENTRAL_MESSAGES, uai),
            conversations,
            recipients: recipients(&school.app, &subject)?,
            error,
            subject: form.map(|f| f.objet.clone()).unwrap_or_default(),
            body: form.map(|f| f.texte.clone()).unwrap_or_default(),
        },
    )
}

/// `GET /ecoles/{uai}/messages`: the parent's conversations with the school.
pub async fn messages(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath(uai): WebPath<String>,
) -> Result<Response, WebError> {
    messages_page(&state, &csrf, &me, &uai, StatusCode::OK, None, None)
}

/// The form starting a conversation at central (one recipient, no attachment).
#[derive(Deserialize)]
pub struct NewMessageForm {
    a: u64,
    objet: String,
    texte: String,
}

/// `POST /ecoles/{uai}/messages`: a parent starts a conversation with a teacher.
pub async fn send_message(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath(uai): WebPath<String>,
    WebForm(form): WebForm<NewMessageForm>,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    let message = NewMessage {
        to: vec![UserId(form.a)],
        subject: form.objet.clone(),
        body: form.texte.clone(),
    };
    match school.app.send_message(&subject, &message, &[], &[]) {
        Ok(started) => Ok(redirect(&match started.first() {
            Some(c) => with2(p::CENTRAL_CONVERSATION, &uai, c.id.0),
            None => with(p::CENTRAL_MESSAGES, &uai),
        })),
        Err(e @ AppError::Invalid(_)) => {
            let (status, message) = failure(e);
            messages_page(&state, &csrf, &me, &uai, status, Some(message), Some(&form))
        }
        Err(e) => Err(e.into()),
    }
}

fn conversation_page(
    state: &CentralWeb,
    csrf: &str,
    me: &Account,
    uai: &str,
    id: u64,
    status: StatusCode,
    refused: Option<(String, String)>,
) -> Result<Response, WebError> {
    let (error, body) = match refused {
        Some((error, body)) => (Some(error), body),
        None => (None, String::new()),
    };
    let (school, subject) = state.commune.as_parent(&me.account, uai)?;
    let (conversation, messages) = school.app.open_conversation(&subject, ConversationId(id))?;
    let directory = school.app.directory();
    let name = |id: UserId| {
        directory
            .user(id)
            .map(|u| u.full_name())
            .unwrap_or_else(|| "—".to_string())
    };
    render_with(
        status,
        ConversationView {
            layout: CentralLayout::new(state, csrf, Some(&me.account)),
            school: school.name.clone(),
            back: with(p::CENTRAL_MESSAGES, uai),
            subject: conversation.subject.clone(),
            with: conversation
                .participants
                .iter()
                .filter(|p| **p != subject.user)
                .map(|p| name(*p))
                .collect::<Vec<_>>()
                .join(", "),
            messages: messages
                .into_iter()
                .map(|m| MessageRow {
                    author: name(m.author),
                    sent: preau_app::paris::long(m.sent),
                    html: m.body_html,
                    attachments: m.attachments.len(),
                })
                .collect(),
            action: with2(p::CENTRAL_CONVERSATION, uai, id),
            error,
            body,
        },
    )
}

/// `GET /ecoles/{uai}/messages/{id}`: a conversation (marked read at central, as on the
/// box; read marks are each replica's own).
pub async fn conversation(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath((uai, id)): WebPath<(String, u64)>,
) -> Result<Response, WebError> {
    conversation_page(&state, &csrf, &me, &uai, id, StatusCode::OK, None)
}

/// The reply form at central (text only).
#[derive(Deserialize)]
pub struct ReplyForm {
    texte: String,
}

/// `POST /ecoles/{uai}/messages/{id}`: the parent replies in a conversation.
pub async fn reply_message(
    State(state): State<CentralWeb>,
    Csrf(csrf): Csrf,
    me: Account,
    WebPath((uai, id)): WebPath<(String, u64)>,
    WebForm(form): WebForm<ReplyForm>,
) -> Result<Response, WebError> {
    let (school, subject) = state.commune.as_parent(&me.account, &uai)?;
    match school
        .app
        .reply(&subject, ConversationId(id), &form.texte, &[], &[])
    {
        Ok(_) => Ok(redirect(&with2(p::CENTRAL_CONVERSATION, &uai, id))),
        Err(e @ AppError::Invalid(_)) => {
            let (status, message) = failure(e);
            conversation_page(
                &state,
                &csrf,
                &me,
                &uai,
                id,
                status,
                Some((message, form.texte)),
            )
        }
        Err(e) => Err(e.into()),
    }
}
