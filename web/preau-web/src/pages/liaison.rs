//! The carnet de liaison: a class's words for its teachers (with who signed, the consent
//! answers, the replies, the families still to sign and the « Relancer » button), the form
//! to post a word, a pupil's carnet for the pupil and their family (« Vu et signé », the
//! consent answer per child, one reply), printable paper slips, and attached files.

use super::chooser::{self, Book};
use super::logbook::FileLink;
use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath};
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use preau_app::liaison::{ChildAnswer, WordForm, WordView};
use preau_app::{AppError, paris};
use preau_core::{ClassId, Role, UserId, WordId};
use serde::Deserialize;

/// One child's slip under a word, as shown.
pub struct ChildCard {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) class_name: String,
    pub(crate) guardians: String,
    pub(crate) signed: Option<String>,
    pub(crate) consent: Option<bool>,
    pub(crate) consent_by: Option<String>,
    pub(crate) reply: Option<(String, String)>,
    pub(crate) reminded: Option<String>,
    pub(crate) may_sign: bool,
}

/// A word as shown in lists, on its page and on portals.
pub struct WordCard {
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) author: String,
    pub(crate) posted: String,
    pub(crate) audience: String,
    pub(crate) body_html: String,
    pub(crate) files: Vec<FileLink>,
    pub(crate) question: Option<String>,
    pub(crate) deadline: Option<String>,
    pub(crate) consent_open: bool,
    pub(crate) children: Vec<ChildCard>,
    pub(crate) may_manage: bool,
    pub(crate) counts: String,
    pub(crate) consent_counts: Option<String>,
    pub(crate) sign_url: String,
    pub(crate) consent_url: String,
    pub(crate) reply_url: String,
    pub(crate) back: String,
}

impl WordCard {
    /// The children whose family has not signed yet.
    pub fn to_sign(&self) -> Vec<&ChildCard> {
        self.children
            .iter()
            .filter(|c| c.signed.is_none())
            .collect()
    }
}

fn child(c: &ChildAnswer) -> ChildCard {
    let a = &c.answer;
    ChildCard {
        id: c.pupil.id.to_string(),
        name: c.pupil.full_name(),
        class_name: c.class_name.clone(),
        guardians: c.guardians.join(", "),
        signed: a.signed.map(|m| {
            format!(
                "{} — {}",
                c.signer.clone().unwrap_or_default(),
                paris::long(m.at)
            )
        }),
        consent: a.consent.map(|c| c.agrees),
        consent_by: a.consent.map(|m| {
            format!(
                "{} — {}",
                c.consent_by.clone().unwrap_or_default(),
                paris::long(m.mark.at)
            )
        }),
        reply: a.reply.as_ref().map(|r| {
            (
                r.text.clone(),
                format!(
                    "{} — {}",
                    c.reply_by.clone().unwrap_or_default(),
                    paris::long(r.mark.at)
                ),
            )
        }),
        reminded: c.reminded.map(paris::long_day),
        may_sign: c.may_sign,
    }
}

/// A word as shown; `back` is where the family's forms come back to.
pub fn card(view: &WordView, back: &str) -> WordCard {
    let w = &view.word;
    let signed = view
        .children
        .iter()
        .filter(|c| c.answer.signed.is_some())
        .count();
    let (yes, no) = view.consent_counts();
    WordCard {
        url: with(paths::LIAISON_WORD, w.id),
        title: w.title.clone(),
        author: view.author.clone(),
        posted: paris::long(w.created_at),
        audience: view.audience.clone(),
        body_html: w.body.html.clone(),
        files: w
            .attachments
            .iter()
            .enumerate()
            .map(|(n, a)| FileLink {
                name: a.name.clone(),
                url: with2(paths::LIAISON_FILE, w.id, n),
                size: size(a.size),
            })
            .collect(),
        question: w.consent.as_ref().map(|c| c.question.clone()),
        deadline: w.consent.as_ref().and_then(|c| c.deadline).map(paris::day),
        consent_open: view.consent_open,
        children: view.children.iter().map(child).collect(),
        may_manage: view.may_manage,
        counts: format!("{signed} / {} signé(s)", view.children.len()),
        consent_counts: w
            .consent
            .as_ref()
            .map(|_| format!("{yes} autorisation(s), {no} refus")),
        sign_url: with(paths::LIAISON_SIGN, w.id),
        consent_url: with(paths::LIAISON_CONSENT, w.id),
        reply_url: with(paths::LIAISON_REPLY, w.id),
        back: back.to_string(),
    }
}

/// The words a portal shows (a parent's still to sign, a pupil's latest).
pub fn portal_liaison(state: &WebState, me: &Me) -> Result<Vec<WordCard>, WebError> {
    Ok(state
        .app
        .portal_liaison(&me.current.subject)?
        .iter()
        .map(|v| card(v, paths::HOME))
        .collect())
}

/// `GET /carnet-de-liaison`: one's classes or children; a pupil goes to their carnet.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let book = Book {
        title: "Carnet de liaison",
        icon: "✉️",
        empty: "Aucun carnet de liaison à afficher.",
        class_path: paths::LIAISON_CLASS,
        pupil_path: paths::LIAISON_PUPIL,
    };
    let classes = state.app.liaison_classes(subject);
    let pupils = state.app.liaison_pupils(subject);
    chooser::page(&state, &csrf, &me, &book, classes, &pupils)
}

#[derive(Template)]
#[template(path = "liaison_class.html")]
struct ClassView {
    layout: Layout,
    class_name: String,
    new_url: Option<String>,
    words: Vec<WordCard>,
}

/// `GET /carnet-de-liaison/classe/{id}`: the words of a class, newest first.
pub async fn class(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let class = ClassId(id);
    let words = state.app.class_liaison(subject, class)?;
    let here = with(paths::LIAISON_CLASS, id);
    render(ClassView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        class_name: state
            .app
            .directory()
            .class(class)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        new_url: state
            .app
            .may_post_liaison(subject, class)
            .then(|| with(paths::LIAISON_NEW, id)),
        words: words.iter().map(|v| card(v, &here)).collect(),
    })
}

/// The word form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct WordFields {
    #[serde(default)]
    pour: String,
    #[serde(default)]
    titre: String,
    #[serde(default)]
    mot: String,
    #[serde(default)]
    fichiers: Vec<String>,
    #[serde(default)]
    autorisation: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    date_limite: String,
}

impl WordFields {
    fn form(&self) -> WordForm {
        WordForm {
            audience: self.pour.clone(),
            title: self.titre.clone(),
            body: self.mot.clone(),
            files: self
                .fichiers
                .iter()
                .filter_map(|f| f.parse().ok())
                .collect(),
            consent: self.autorisation == "1",
            question: self.question.clone(),
            deadline: self.date_limite.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "liaison_form.html")]
struct FormView {
    layout: Layout,
    class_name: String,
    action: String,
    cancel_url: String,
    fields: WordFields,
    audiences: Vec<(String, String, bool)>,
    files: Vec<(String, String, bool)>,
    error: Option<String>,
}

fn form_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    class: ClassId,
    fields: WordFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let class_name = state
        .app
        .directory()
        .class(class)
        .map(|c| c.name.clone())
        .ok_or(WebError::NotFound)?;
    let audiences = state
        .app
        .liaison_audiences(subject, class)?
        .into_iter()
        .map(|(code, label)| {
            let chosen = code == fields.pour;
            (code, label, chosen)
        })
        .collect();
    let files = state
        .app
        .attachable_files(subject, class)
        .unwrap_or_default()
        .into_iter()
        .map(|(id, label)| {
            let id = id.to_string();
            let checked = fields.fichiers.contains(&id);
            (id, label, checked)
        })
        .collect();
    let (status, error) = super::page_status(error);
    render_with(
        status,
        FormView {
            layout: Layout::new(state, csrf, Some(me)),
            class_name,
            action: with(paths::LIAISON_NEW, class),
            cancel_url: with(paths::LIAISON_CLASS, class),
            fields,
            audiences,
            files,
            error,
        },
    )
}

/// `GET /carnet-de-liaison/classe/{id}/nouveau-mot`.
pub async fn new_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let fields = WordFields {
        pour: format!("classe-{id}"),
        ..WordFields::default()
    };
    form_page(&state, &csrf, &me, ClassId(id), fields, None)
}

/// `POST /carnet-de-liaison/classe/{id}/nouveau-mot`.
pub async fn create(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<WordFields>,
) -> Result<Response, WebError> {
    match state.app.post_liaison(&me.current.subject, &fields.form()) {
        Ok(word) => Ok(redirect(&with(paths::LIAISON_WORD, word.id))),
        Err(AppError::Invalid(p)) => {
            form_page(&state, &csrf, &me, ClassId(id), fields, Some(refusal(&p)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "liaison_pupil.html")]
struct PupilView {
    layout: Layout,
    title: String,
    class_name: String,
    words: Vec<WordCard>,
}

/// `GET /carnet-de-liaison/eleve/{id}`: a pupil's carnet, words still to sign first.
pub async fn pupil(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let carnet = state.app.pupil_liaison(&me.current.subject, UserId(id))?;
    let here = with(paths::LIAISON_PUPIL, id);
    render(PupilView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        title: if carnet.pupil.id == me.current.user.id {
            "Mon carnet de liaison".into()
        } else {
            format!("Carnet de liaison de {}", carnet.pupil.first_name)
        },
        class_name: carnet.class_name.clone(),
        words: carnet.words.iter().map(|v| card(v, &here)).collect(),
    })
}

#[derive(Template)]
#[template(path = "liaison_word.html")]
struct WordPage {
    layout: Layout,
    word: WordCard,
    back_url: String,
    remind_url: String,
    reminded_today: bool,
    reminders: Vec<String>,
    slips_url: String,
    withdraw_url: String,
    notice: Option<String>,
    error: Option<String>,
}

fn word_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: WordId,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let view = state.app.liaison_word(&me.current.subject, id)?;
    let here = with(paths::LIAISON_WORD, id);
    let back_url = match view.word.classes.first() {
        Some(class) if view.may_manage => with(paths::LIAISON_CLASS, class),
        _ => paths::LIAISON.to_string(),
    };
    let (status, error) = super::page_status(error);
    render_with(
        status,
        WordPage {
            layout: Layout::new(state, csrf, Some(me)),
            back_url,
            remind_url: with(paths::LIAISON_REMIND, id),
            reminded_today: view.reminded_today,
            reminders: view
                .word
                .reminders
                .iter()
                .map(|r| format!("{} ({} famille(s))", paris::long(r.at), r.pupils.len()))
                .collect(),
            slips_url: with(paths::LIAISON_SLIPS, id),
            withdraw_url: with(paths::LIAISON_WITHDRAW, id),
            word: card(&view, &here),
            notice,
            error,
        },
    )
}

/// `GET /carnet-de-liaison/mot/{id}`: a word; for those who follow it, every family.
pub async fn word(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    word_page(&state, &csrf, &me, WordId(id), None, None)
}

/// A family's form: the child, where to come back, and what was chosen or typed.
#[derive(Deserialize)]
pub struct FamilyFields {
    eleve: u64,
    #[serde(default)]
    retour: String,
    #[serde(default)]
    reponse: String,
    #[serde(default)]
    texte: String,
}

impl FamilyFields {
    fn back(&self, id: u64) -> String {
        if paths::is_local(&self.retour) {
            self.retour.clone()
        } else {
            with(paths::LIAISON_WORD, id)
        }
    }
}

/// What a family's post did: back where it came from, or the word's page with why not.
fn after_family(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: u64,
    fields: &FamilyFields,
    result: Result<preau_core::FamilyAnswer, AppError>,
) -> Result<Response, WebError> {
    match result {
        Ok(_) => Ok(redirect(&fields.back(id))),
        Err(AppError::Invalid(p)) => {
            word_page(state, csrf, me, WordId(id), None, Some(refusal(&p)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /carnet-de-liaison/mot/{id}/signer`: « Vu et signé » for a child.
pub async fn sign(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<FamilyFields>,
) -> Result<Response, WebError> {
    let result = state
        .app
        .sign_liaison(&me.current.subject, WordId(id), UserId(fields.eleve));
    after_family(&state, &csrf, &me, id, &fields, result)
}

/// `POST /carnet-de-liaison/mot/{id}/autorisation`: `reponse=oui` or `non` for a child.
pub async fn consent(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<FamilyFields>,
) -> Result<Response, WebError> {
    let agrees = match fields.reponse.as_str() {
        "oui" => true,
        "non" => false,
        _ => return Err(WebError::BadForm("reponse".into())),
    };
    let result = state.app.answer_liaison_consent(
        &me.current.subject,
        WordId(id),
        UserId(fields.eleve),
        agrees,
    );
    after_family(&state, &csrf, &me, id, &fields, result)
}

/// `POST /carnet-de-liaison/mot/{id}/repondre`: the family's one reply for a child.
pub async fn reply(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<FamilyFields>,
) -> Result<Response, WebError> {
    let result = state.app.reply_liaison(
        &me.current.subject,
        WordId(id),
        UserId(fields.eleve),
        &fields.texte,
    );
    after_family(&state, &csrf, &me, id, &fields, result)
}

/// `POST /carnet-de-liaison/mot/{id}/relancer`: reminds the families still to sign.
pub async fn remind(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let id = WordId(id);
    match state.app.remind_liaison(&me.current.subject, id) {
        Ok(0) => word_page(
            &state,
            &csrf,
            &me,
            id,
            Some("Toutes les familles ont signé : aucun rappel à envoyer.".into()),
            None,
        ),
        Ok(n) => word_page(
            &state,
            &csrf,
            &me,
            id,
            Some(format!("Rappel envoyé à {n} famille(s).")),
            None,
        ),
        Err(AppError::Invalid(p)) => word_page(&state, &csrf, &me, id, None, Some(refusal(&p))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /carnet-de-liaison/mot/{id}/retirer`: withdraws a word.
pub async fn withdraw(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let word = state
        .app
        .withdraw_liaison(&me.current.subject, WordId(id))?;
    Ok(redirect(&match word.classes.first() {
        Some(class) => with(paths::LIAISON_CLASS, class),
        None => paths::LIAISON.to_string(),
    }))
}

#[derive(Template)]
#[template(path = "liaison_slips.html")]
struct SlipsView {
    css_url: String,
    school: String,
    back_url: String,
    word: WordCard,
}

/// `GET /carnet-de-liaison/mot/{id}/coupons`: one paper slip per pupil, several per A4 page.
pub async fn slips(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let view = state.app.liaison_slips(&me.current.subject, WordId(id))?;
    let layout = Layout::new(&state, "", Some(&me));
    let back_url = with(paths::LIAISON_WORD, id);
    render(SlipsView {
        css_url: layout.css_url,
        school: layout.school,
        word: card(&view, &back_url),
        back_url,
    })
}

/// `GET /carnet-de-liaison/mot/{id}/fichiers/{n}`: a file attached to a word.
pub async fn file(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (file, content) = state
        .app
        .open_liaison_attachment(&me.current.subject, WordId(id), n)?;
    let download = Download::attachment(
        content, file.name, &file.blob, file.size, file.mime, file.at,
    );
    Ok(respond(&method, &headers, download).await)
}

/// The portal's « Carnet de liaison » tile, for whoever reads a carnet: pupils, parents,
/// the adults of a class and the headteacher.
pub fn portal_tile(directory: &preau_app::Directory, me: &Me) -> Option<super::portal::Tile> {
    let subject = &me.current.subject;
    let reads = directory
        .current_classes()
        .iter()
        .any(|c| directory.can_on_class(subject, preau_core::Action::ViewLiaison, c.id))
        || subject
            .children
            .iter()
            .chain(std::iter::once(&subject.user))
            .any(|p| directory.can_on_user(subject, preau_core::Action::ViewLiaison, *p));
    reads.then(|| super::portal::Tile {
        icon: "✉️",
        title: "Carnet de liaison".into(),
        detail: match me.current.user.role {
            Role::Pupil => "Les mots pour ma famille".into(),
            Role::Parent => "Mots à signer, autorisations".into(),
            _ => "Mots aux familles, signatures".into(),
        },
        href: paths::LIAISON.into(),
    })
}
