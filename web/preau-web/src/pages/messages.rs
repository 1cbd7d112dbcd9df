//! Messages in the browser: one's conversations, writing a new message (recipients grouped
//! by role and class, with a « tous » box per group that works without JavaScript), a
//! conversation with its attachments and the reply form, reporting a message to the
//! headteacher, the headteacher's communication rules with the emergency switch, the
//! reports, and the portal's unread badge.
//!
//! Forms that carry files are multipart with their CSRF token in the address; refusals
//! (rules, emergency, rate limit) come back as the form, with what was typed, and status 422.

use super::portal::Tile;
use super::{Layout, page_status, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use crate::upload::FormReader;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use preau_app::documents::Received;
use preau_app::messages::{NewMessage, is_picture};
use preau_app::{AppError, Problem, paris};
use preau_core::messaging::Channel;
use preau_core::{Action, ClassId, ConversationId, MessageId, NodeId, Role, Subject, UserId};
use serde::Deserialize;

/// Whether a role has messaging at all (everyone of the school but the town's agents).
fn has_messaging(role: Role) -> bool {
    matches!(
        role,
        Role::Pupil | Role::Parent | Role::Teacher | Role::Headteacher | Role::Staff
    )
}

fn may_moderate(state: &WebState, subject: &Subject) -> bool {
    state
        .app
        .directory()
        .can_on_school(subject, Action::ModerateMessages)
}

fn messaging_only(me: &Me) -> Result<(), WebError> {
    if has_messaging(me.current.user.role) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

/// The portal's messages tile: « Messages (3) » when messages wait unread. Pupils see the
/// count only in school hours ([`preau_app::App::notify_pupil_now`]).
pub fn portal_tile(state: &WebState, me: &Me) -> Result<Option<Tile>, WebError> {
    let role = me.current.user.role;
    if !has_messaging(role) {
        return Ok(None);
    }
    let notify = role != Role::Pupil || state.app.notify_pupil_now();
    let unread = if notify {
        state.app.unread_messages(&me.current.subject)?
    } else {
        0
    };
    Ok(Some(Tile {
        icon: "✉️",
        title: if unread > 0 {
            format!("Messages ({unread})")
        } else {
            "Messages".into()
        },
        detail: match unread {
            0 => "Écrire et lire ses messages".into(),
            1 => "1 message non lu".into(),
            n => format!("{n} messages non lus"),
        },
        href: paths::MESSAGES.into(),
    }))
}

/// A conversation in the inbox.
struct InboxRow {
    url: String,
    subject: String,
    with: String,
    date: String,
    unread: usize,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct InboxView {
    layout: Layout,
    rows: Vec<InboxRow>,
    moderate: bool,
    emergency: bool,
    classmates: Vec<ClassmatesRow>,
}

/// A class whose teacher may let its pupils write to each other.
struct ClassmatesRow {
    url: String,
    name: String,
    allowed: bool,
}

/// `GET /messages`.
pub async fn inbox(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    messaging_only(&me)?;
    let subject = &me.current.subject;
    let rows = state
        .app
        .conversations(subject)?
        .into_iter()
        .map(|c| InboxRow {
            url: with(paths::CONVERSATION, c.conversation.id),
            date: paris::long(c.conversation.updated),
            with: c.with.join(", "),
            subject: c.conversation.subject,
            unread: c.unread,
        })
        .collect();
    render(InboxView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        rows,
        moderate: may_moderate(&state, subject),
        emergency: state.app.messaging_rules()?.emergency,
        classmates: state
            .app
            .classmates_settings(subject)?
            .into_iter()
            .map(|(id, name, allowed)| ClassmatesRow {
                url: with(paths::MESSAGE_CLASSMATES, id),
                name,
                allowed,
            })
            .collect(),
    })
}

/// `POST /messages/classe/{id}/camarades` (`autoriser=1` to allow, anything else to stop).
pub async fn classmates(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<ClassmatesForm>,
) -> Result<Response, WebError> {
    state
        .app
        .allow_classmates(&me.current.subject, ClassId(id), form.autoriser == "1")?;
    Ok(redirect(paths::MESSAGES))
}

/// The classmates switch of a class.
#[derive(Deserialize)]
pub struct ClassmatesForm {
    #[serde(default)]
    autoriser: String,
}

/// Someone in the recipient picker.
struct Person {
    id: UserId,
    name: String,
    detail: String,
    checked: bool,
}

/// A group of the recipient picker (the direction, the school's team, a class's parents or
/// pupils), with its « tous » box.
struct Group {
    key: String,
    label: String,
    all_label: String,
    order: (u8, usize),
    all: bool,
    members: Vec<Person>,
}

fn labels(label: &str, all: &str) -> (String, String) {
    (label.to_string(), all.to_string())
}

/// The people `me` may write to, grouped by role and class, `chosen` and `groups` checked.
fn recipient_groups(
    state: &WebState,
    me: &Me,
    chosen: &[UserId],
    checked_groups: &[String],
) -> Result<Vec<Group>, WebError> {
    let dir = state.app.directory();
    let classes: Vec<(ClassId, String)> = dir
        .current_classes()
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let position = |id: &ClassId| classes.iter().position(|(c, _)| c == id);
    let family_side = matches!(me.current.user.role, Role::Pupil | Role::Parent);
    let mut groups: Vec<Group> = Vec::new();
    let mut add =
        |key: String, (label, all_label): (String, String), order, person: Person| match groups
            .iter_mut()
            .find(|g| g.key == key)
        {
            Some(g) => g.members.push(person),
            None => groups.push(Group {
                all: checked_groups.contains(&key),
                key,
                label,
                all_label,
                order,
                members: vec![person],
            }),
        };
    for user in state.app.message_recipients(&me.current.subject)? {
        let person = |detail: String| Person {
            id: user.id,
            name: user.full_name(),
            detail,
            checked: chosen.contains(&user.id),
        };
        match user.role {
            Role::Headteacher => add(
                "direction".into(),
                labels("La direction", "Toute la direction"),
                (0, 0),
                person(String::new()),
            ),
            Role::Teacher | Role::Staff if family_side => add(
                "enseignants".into(),
                labels("Les enseignants", "Tous les enseignants"),
                (1, 0),
                person(user.role.label().into()),
            ),
            Role::Teacher | Role::Staff => add(
                "equipe".into(),
                labels("L'équipe de l'école", "Toute l'équipe de l'école"),
                (1, 0),
                person(user.role.label().into()),
            ),
            Role::Parent => {
                let children = dir.children_of(user.id);
                for (class, name) in &classes {
                    let here: Vec<&str> = children
                        .iter()
                        .filter(|c| c.classes.contains(class))
                        .map(|c| c.first_name.as_str())
                        .collect();
                    if here.is_empty() {
                        continue;
                    }
                    add(
                        format!("parents-{class}"),
                        (
                            format!("Parents de la classe {name}"),
                            format!("Tous les parents de la classe {name}"),
                        ),
                        (2, 2 * position(class).unwrap_or(0)),
                        person(format!("parent de {}", here.join(", "))),
                    );
                }
            }
            Role::Pupil => {
                for (class, name) in classes.iter().filter(|(c, _)| user.classes.contains(c)) {
                    add(
                        format!("eleves-{class}"),
                        (
                            format!("Élèves de la classe {name}"),
                            format!("Tous les élèves de la classe {name}"),
                        ),
                        (2, 2 * position(class).unwrap_or(0) + 1),
                        person(String::new()),
                    );
                }
            }
            _ => add(
                "autres".into(),
                labels("Autres", "Tous"),
                (3, 0),
                person(String::new()),
            ),
        }
    }
    groups.sort_by_key(|g| g.order);
    Ok(groups)
}

/// The message form as typed.
#[derive(Default)]
struct MessageFields {
    to: Vec<UserId>,
    groups: Vec<String>,
    subject: String,
    body: String,
    from_spaces: Vec<NodeId>,
}

/// Reads a message form (new message or reply): its fields, and the files sent (field
/// `fichiers`), each streamed into a blob as it arrives.
async fn message_fields(
    state: &WebState,
    multipart: Multipart,
) -> Result<(MessageFields, Vec<(String, Received)>), WebError> {
    let mut fields = MessageFields::default();
    let mut files = Vec::new();
    let mut reader = FormReader::new(&state.app, multipart, &["fichiers"]);
    while let Some((name, value)) = reader.next_text(&mut files).await? {
        match name.as_str() {
            "a" => fields.to.extend(value.trim().parse().ok().map(UserId)),
            "groupe" => fields.groups.push(value),
            "objet" => fields.subject = value,
            "texte" => fields.body = value,
            "depuis" => fields
                .from_spaces
                .extend(value.trim().parse().ok().map(NodeId)),
            _ => {}
        }
    }
    Ok((fields, files))
}

#[derive(Template)]
#[template(path = "message_form.html")]
struct FormView {
    layout: Layout,
    action: String,
    groups: Vec<Group>,
    subject: String,
    body: String,
    own_files: Vec<(NodeId, String, bool)>,
    max_file: String,
    error: Option<String>,
    emergency: bool,
    script_url: String,
}

fn form_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    fields: &MessageFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let (status, error) = page_status(error);
    render_with(
        status,
        FormView {
            layout: Layout::new(state, csrf, Some(me)),
            action: format!("{}?_csrf={csrf}", paths::MESSAGE_NEW),
            groups: recipient_groups(state, me, &fields.to, &fields.groups)?,
            subject: fields.subject.clone(),
            body: fields.body.clone(),
            own_files: own_files(state, subject, &fields.from_spaces)?,
            max_file: size(state.app.settings().max_file_bytes),
            error,
            emergency: state.app.messaging_rules()?.emergency,
            script_url: state.assets.js_url.clone(),
        },
    )
}

/// The files of one's own space that may be attached, `chosen` checked.
fn own_files(
    state: &WebState,
    subject: &Subject,
    chosen: &[NodeId],
) -> Result<Vec<(NodeId, String, bool)>, WebError> {
    Ok(state
        .app
        .own_files(subject)?
        .into_iter()
        .map(|(id, name)| (id, name, chosen.contains(&id)))
        .collect())
}

/// Who to write to, from the address (`?a=ID`, repeatable).
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    a: Vec<u64>,
}

/// `GET /messages/nouveau`.
pub async fn new_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(query): WebQuery<NewQuery>,
) -> Result<Response, WebError> {
    messaging_only(&me)?;
    let fields = MessageFields {
        to: query.a.into_iter().map(UserId).collect(),
        ..MessageFields::default()
    };
    form_page(&state, &csrf, &me, &fields, None)
}

/// `POST /messages/nouveau` (multipart): the people checked and everyone of the groups
/// checked « tous ».
pub async fn send(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    multipart: Multipart,
) -> Result<Response, WebError> {
    messaging_only(&me)?;
    let (fields, files) = message_fields(&state, multipart).await?;
    let mut to = fields.to.clone();
    for group in recipient_groups(&state, &me, &[], &fields.groups)? {
        if group.all {
            to.extend(group.members.iter().map(|p| p.id));
        }
    }
    let message = NewMessage {
        to,
        subject: fields.subject.clone(),
        body: fields.body.clone(),
    };
    match state
        .app
        .send_message(&me.current.subject, &message, &files, &fields.from_spaces)
    {
        Ok(started) => Ok(match started.as_slice() {
            [one] => redirect(&with(paths::CONVERSATION, one.id)),
            _ => redirect(paths::MESSAGES),
        }),
        Err(AppError::Invalid(p)) => {
            form_page(&state, &csrf, &me, &fields, Some(refused(&p, &files)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The status and message of a refusal; files sent must be chosen again, since nothing
/// was sent.
fn refused(problem: &Problem, files: &[(String, Received)]) -> (StatusCode, String) {
    let (status, mut message) = refusal(problem);
    if !files.is_empty() {
        message.push_str(" Les fichiers de l'appareil sont à choisir de nouveau.");
    }
    (status, message)
}

/// A file attached to a message.
struct AttachmentRow {
    name: String,
    size: String,
    url: String,
    picture: Option<String>,
}

/// A message of the conversation.
struct MessageRow {
    author: String,
    mine: bool,
    date: String,
    body: String,
    attachments: Vec<AttachmentRow>,
    report_url: String,
}

#[derive(Template)]
#[template(path = "message_conversation.html")]
struct ConversationView {
    layout: Layout,
    subject: String,
    with: String,
    messages: Vec<MessageRow>,
    reply_url: String,
    body: String,
    own_files: Vec<(NodeId, String, bool)>,
    error: Option<String>,
    reported: bool,
    script_url: String,
}

/// Whether the page follows a report (`?signale=1`).
#[derive(Deserialize, Default)]
pub struct ConversationQuery {
    #[serde(default)]
    signale: Option<String>,
}

/// `GET /messages/{id}`: the conversation, marked read.
pub async fn conversation(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(query): WebQuery<ConversationQuery>,
) -> Result<Response, WebError> {
    let reply = MessageFields::default();
    conversation_page(
        &state,
        &csrf,
        &me,
        ConversationId(id),
        &reply,
        None,
        query.signale.is_some(),
    )
}

fn conversation_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: ConversationId,
    reply: &MessageFields,
    error: Option<(StatusCode, String)>,
    reported: bool,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let (conversation, messages) = state.app.open_conversation(subject, id)?;
    let dir = state.app.directory();
    let name = |user: UserId| dir.user(user).map(|u| u.full_name()).unwrap_or_default();
    let messages = messages
        .into_iter()
        .map(|m| MessageRow {
            author: name(m.author),
            mine: m.author == subject.user,
            date: paris::long(m.sent),
            attachments: m
                .attachments
                .iter()
                .enumerate()
                .map(|(n, f)| AttachmentRow {
                    name: f.name.clone(),
                    size: size(f.revision.size),
                    url: with2(paths::MESSAGE_FILE, m.id, n),
                    picture: is_picture(f).then(|| with2(paths::MESSAGE_PICTURE, m.id, n)),
                })
                .collect(),
            report_url: with(paths::MESSAGE_REPORT, m.id),
            body: m.body_html,
        })
        .collect();
    let (status, error) = page_status(error);
    render_with(
        status,
        ConversationView {
            layout: Layout::new(state, csrf, Some(me)),
            with: conversation
                .participants
                .iter()
                .filter(|p| **p != subject.user)
                .map(|p| name(*p))
                .collect::<Vec<_>>()
                .join(", "),
            subject: conversation.subject,
            messages,
            reply_url: format!("{}?_csrf={csrf}", with(paths::CONVERSATION_REPLY, id)),
            body: reply.body.clone(),
            own_files: own_files(state, subject, &reply.from_spaces)?,
            error,
            reported,
            script_url: state.assets.js_url.clone(),
        },
    )
}

/// `POST /messages/{id}/repondre` (multipart).
pub async fn reply(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let id = ConversationId(id);
    let (fields, files) = message_fields(&state, multipart).await?;
    match state.app.reply(
        &me.current.subject,
        id,
        &fields.body,
        &files,
        &fields.from_spaces,
    ) {
        Ok(_) => Ok(redirect(&format!(
            "{}#dernier",
            with(paths::CONVERSATION, id)
        ))),
        Err(AppError::Invalid(p)) => conversation_page(
            &state,
            &csrf,
            &me,
            id,
            &fields,
            Some(refused(&p, &files)),
            false,
        ),
        Err(e) => Err(e.into()),
    }
}

/// Why a message is reported.
#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    raison: String,
}

/// `POST /messages/message/{id}/signaler`.
pub async fn report(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<ReportForm>,
) -> Result<Response, WebError> {
    let report = state
        .app
        .report_message(&me.current.subject, MessageId(id), &form.raison)?;
    Ok(redirect(&format!(
        "{}?signale=1",
        with(paths::CONVERSATION, report.conversation)
    )))
}

/// `GET /messages/message/{id}/fichiers/{n}`: always an attachment, with the safe headers
/// of every download.
pub async fn file(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (file, content) =
        state
            .app
            .open_message_attachment(&me.current.subject, MessageId(id), n)?;
    let r = file.revision;
    let download = Download::attachment(content, file.name, &r.blob, r.size, r.mime, r.at);
    Ok(respond(&method, &headers, download).await)
}

/// `GET /messages/message/{id}/images/{n}`: the picture re-encoded, shown inline in a
/// sandbox.
pub async fn picture(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
) -> Result<Response, WebError> {
    let (bytes, mime) = state
        .app
        .message_picture(&me.current.subject, MessageId(id), n)?;
    Ok(super::documents::picture(bytes, mime))
}

/// A channel's code in the rules form.
fn channel_code(channel: Channel) -> String {
    format!("{channel:?}")
}

#[derive(Template)]
#[template(path = "message_rules.html")]
struct RulesView {
    layout: Layout,
    channels: Vec<(String, &'static str, bool)>,
    classes: Vec<(ClassId, String, bool)>,
    emergency: bool,
    saved: bool,
}

/// Whether the page follows a change (`?enregistre=1`).
#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    enregistre: Option<String>,
}

/// `GET /messages/regles` (headteacher).
pub async fn rules(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(query): WebQuery<SavedQuery>,
) -> Result<Response, WebError> {
    if !may_moderate(&state, &me.current.subject) {
        return Err(WebError::Forbidden);
    }
    let rules = state.app.messaging_rules()?;
    render(RulesView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        channels: Channel::ALL
            .iter()
            .map(|c| (channel_code(*c), c.french(), !rules.closed.contains(c)))
            .collect(),
        classes: state
            .app
            .directory()
            .current_classes()
            .iter()
            .map(|c| (c.id, c.name.clone(), rules.classmates.contains(&c.id)))
            .collect(),
        emergency: rules.emergency,
        saved: query.enregistre.is_some(),
    })
}

/// The rules form: the channels left open and the classes allowing classmates.
#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    ouvert: Vec<String>,
    #[serde(default)]
    camarades: Vec<u64>,
}

/// `POST /messages/regles`: the emergency restriction is left as it is.
pub async fn save_rules(
    State(state): State<WebState>,
    me: Me,
    WebForm(form): WebForm<RulesForm>,
) -> Result<Response, WebError> {
    let rules = preau_core::MessagingRules {
        closed: Channel::ALL
            .iter()
            .copied()
            .filter(|c| !form.ouvert.contains(&channel_code(*c)))
            .collect(),
        classmates: form.camarades.into_iter().map(ClassId).collect(),
        emergency: state.app.messaging_rules()?.emergency,
    };
    state
        .app
        .save_messaging_rules(&me.current.subject, &rules)?;
    Ok(redirect(&format!("{}?enregistre=1", paths::MESSAGE_RULES)))
}

/// The emergency switch: `restreindre=1` to restrict, anything else to lift.
#[derive(Deserialize)]
pub struct EmergencyForm {
    #[serde(default)]
    restreindre: String,
}

/// `POST /messages/regles/urgence`.
pub async fn emergency(
    State(state): State<WebState>,
    me: Me,
    WebForm(form): WebForm<EmergencyForm>,
) -> Result<Response, WebError> {
    state
        .app
        .set_messaging_emergency(&me.current.subject, form.restreindre == "1")?;
    Ok(redirect(&format!("{}?enregistre=1", paths::MESSAGE_RULES)))
}

/// A reported message, as the headteacher sees it.
struct ReportRow {
    at: String,
    by: String,
    reason: String,
    author: String,
    sent: String,
    body: String,
}

#[derive(Template)]
#[template(path = "message_reports.html")]
struct ReportsView {
    layout: Layout,
    rows: Vec<ReportRow>,
}

/// `GET /messages/signalements` (headteacher).
pub async fn reports(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let reports = state.app.message_reports(&me.current.subject)?;
    let dir = state.app.directory();
    let name = |user: UserId| dir.user(user).map(|u| u.full_name()).unwrap_or_default();
    let rows = reports
        .into_iter()
        .map(|(report, message)| ReportRow {
            at: paris::long(report.at),
            by: name(report.by),
            reason: report.reason,
            author: message.as_ref().map(|m| name(m.author)).unwrap_or_default(),
            sent: message
                .as_ref()
                .map(|m| paris::long(m.sent))
                .unwrap_or_default(),
            body: message.map(|m| m.body_html).unwrap_or_default(),
        })
        .collect();
    render(ReportsView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        rows,
    })
}
