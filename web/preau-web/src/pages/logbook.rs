//! The cahier de textes: a class's week for its teachers, a pupil's week and day for the
//! pupil and their family (with the « Fait ! » button for the pupil), a session's page with
//! its change form, the form to write a session (once or every week), attached files, and
//! the class's homework feed.

use super::chooser::{self, Book};
use super::{Layout, redirect, render, render_with};
use crate::WebState;
use crate::download::{Download, respond};
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::i18n::size;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use preau_app::bookings::{monday_of, today};
use preau_app::logbook::{Agenda, DayPlan, EntryForm, EntryView, week_of};
use preau_app::{AppError, paris};
use preau_core::{Action, ClassId, EntryId, Role, UserId};
use serde::Deserialize;

/// A file attached to a session, as listed.
pub struct FileLink {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) size: String,
}

/// The « Fait ! » button of a pupil.
pub struct Tick {
    pub(crate) url: String,
    pub(crate) done: bool,
    pub(crate) back: String,
}

/// A session as shown in a list or on its page.
pub struct Item {
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) class_name: String,
    pub(crate) date: String,
    pub(crate) done_html: String,
    pub(crate) homework_html: Option<String>,
    pub(crate) due: String,
    pub(crate) files: Vec<FileLink>,
    pub(crate) resources: Vec<(Option<String>, String)>,
    pub(crate) tick: Option<Tick>,
    pub(crate) counts: Option<String>,
    pub(crate) may_edit: bool,
    pub(crate) repeated: bool,
}

/// One day as shown.
pub struct Day {
    pub(crate) label: String,
    pub(crate) url: Option<String>,
    pub(crate) today: bool,
    pub(crate) closed: Option<String>,
    pub(crate) sessions: Vec<Item>,
    pub(crate) due: Vec<Item>,
}

/// What the portal shows of one pupil's homework.
pub struct PortalHomework {
    /// The pupil's first name.
    pub name: String,
    /// Their class.
    pub class_name: String,
    /// Their week in the cahier de textes.
    pub week_url: String,
    /// The days with homework due.
    pub days: Vec<Day>,
}

fn item(state: &WebState, me: &Me, view: &EntryView, here: &str) -> Item {
    let e = &view.entry;
    let library = state
        .app
        .directory()
        .can_on_school(&me.current.subject, Action::ViewLibrary);
    Item {
        url: with(paths::LOGBOOK_ENTRY, e.id),
        title: e.title.clone(),
        class_name: view.class_name.clone(),
        date: paris::day(e.date),
        done_html: e.done.html.clone(),
        homework_html: e.homework.as_ref().map(|h| h.text.html.clone()),
        due: e
            .homework
            .as_ref()
            .map(|h| paris::day(h.due))
            .unwrap_or_default(),
        files: e
            .attachments
            .iter()
            .enumerate()
            .map(|(n, a)| FileLink {
                name: a.name.clone(),
                url: with2(paths::LOGBOOK_FILE, e.id, n),
                size: size(a.size),
            })
            .collect(),
        resources: view
            .resources
            .iter()
            .map(|(id, title)| (library.then(|| with(paths::RESOURCE, id)), title.clone()))
            .collect(),
        tick: view.may_tick.then(|| Tick {
            url: with(paths::LOGBOOK_TICK, e.id),
            done: view.ticked,
            back: here.to_string(),
        }),
        counts: view.ticks.map(|(done, of)| match done {
            0 => format!("Aucun élève n'a encore coché « Fait ! » ({of} élèves)."),
            1 => format!("1 élève sur {of} a coché « Fait ! »."),
            n => format!("{n} élèves sur {of} ont coché « Fait ! »."),
        }),
        may_edit: view.may_edit,
        repeated: e.series.is_some(),
    }
}

fn day(state: &WebState, me: &Me, plan: &DayPlan, pupil: Option<UserId>, here: &str) -> Day {
    Day {
        label: paris::day(plan.date),
        url: pupil.map(|p| format!("{}?date={}", with(paths::LOGBOOK_PUPIL_DAY, p), plan.date)),
        today: plan.date == today(state.app.now()),
        closed: plan.closed.clone(),
        sessions: plan
            .sessions
            .iter()
            .map(|v| item(state, me, v, here))
            .collect(),
        due: plan.due.iter().map(|v| item(state, me, v, here)).collect(),
    }
}

/// The homework a pupil's or a parent's portal shows, per pupil.
pub fn portal_homework(state: &WebState, me: &Me) -> Result<Vec<PortalHomework>, WebError> {
    Ok(state
        .app
        .portal_homework(&me.current.subject)?
        .iter()
        .filter_map(|agenda| {
            let pupil = agenda.pupil.as_ref()?;
            Some(PortalHomework {
                name: pupil.first_name.clone(),
                class_name: agenda.class_name.clone(),
                week_url: with(paths::LOGBOOK_PUPIL_WEEK, pupil.id),
                days: agenda
                    .days
                    .iter()
                    .filter(|d| !d.due.is_empty())
                    .map(|d| day(state, me, d, Some(pupil.id), paths::HOME))
                    .collect(),
            })
        })
        .collect())
}

/// `?semaine=` or `?date=`.
#[derive(Deserialize, Default)]
pub struct When {
    #[serde(default)]
    semaine: String,
    #[serde(default)]
    date: String,
}

impl When {
    fn date(&self, state: &WebState) -> Date {
        [&self.date, &self.semaine]
            .iter()
            .find_map(|t| t.trim().parse().ok())
            .unwrap_or_else(|| today(state.app.now()))
    }
}

fn shift(date: Date, days: i32) -> Date {
    date.checked_add(days.days()).unwrap_or(date)
}

/// `GET /cahier-de-textes`: one's classes, or one's children; a pupil goes to their week.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let book = Book {
        title: "Cahier de textes",
        icon: "📓",
        empty: "Aucun cahier de textes à afficher.",
        class_path: paths::LOGBOOK_CLASS,
        pupil_path: paths::LOGBOOK_PUPIL_WEEK,
    };
    let classes = match me.current.user.role {
        Role::Parent => Vec::new(),
        _ => state.app.logbook_classes(subject),
    };
    let pupils = state.app.logbook_pupils(subject);
    chooser::page(&state, &csrf, &me, &book, classes, &pupils)
}

#[derive(Template)]
#[template(path = "logbook_week.html")]
struct WeekView {
    layout: Layout,
    title: String,
    subtitle: String,
    week: String,
    prev_url: String,
    this_url: String,
    next_url: String,
    days: Vec<Day>,
    new_url: Option<String>,
    feed_url: String,
    renew_url: Option<String>,
}

fn feed_url(state: &WebState, token: &str) -> String {
    format!(
        "{}{}.ics",
        state.public_url.trim_end_matches('/'),
        with(paths::LOGBOOK_FEED, token)
    )
}

fn week_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    agenda: Agenda,
    base: String,
    monday: Date,
) -> Result<Response, WebError> {
    let token = state
        .app
        .logbook_feed_token(&me.current.subject, agenda.class)?;
    let pupil = agenda.pupil.as_ref().map(|p| p.id);
    let title = match &agenda.pupil {
        Some(p) if p.id == me.current.user.id => "Mon cahier de textes".to_string(),
        Some(p) => format!("Cahier de textes de {}", p.first_name),
        None => format!("Cahier de textes — {}", agenda.class_name),
    };
    let week_url = |d: Date| format!("{base}?semaine={d}");
    render(WeekView {
        layout: Layout::new(state, csrf, Some(me)),
        title,
        subtitle: agenda.class_name.clone(),
        week: format!("Semaine du {} {}", paris::day(monday), monday.year()),
        prev_url: week_url(shift(monday, -7)),
        this_url: base.clone(),
        next_url: week_url(shift(monday, 7)),
        days: agenda
            .days
            .iter()
            .map(|d| day(state, me, d, pupil, &week_url(monday)))
            .collect(),
        new_url: agenda
            .may_write
            .then(|| with(paths::LOGBOOK_NEW, agenda.class)),
        feed_url: feed_url(state, &token),
        renew_url: agenda
            .may_write
            .then(|| with(paths::LOGBOOK_FEED_RENEW, agenda.class)),
    })
}

/// `GET /cahier-de-textes/classe/{id}?semaine=`: a class's week.
pub async fn class_week(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(when): WebQuery<When>,
) -> Result<Response, WebError> {
    let (monday, friday) = week_of(when.date(&state));
    let agenda = state
        .app
        .class_agenda(&me.current.subject, ClassId(id), monday, friday)?;
    week_page(
        &state,
        &csrf,
        &me,
        agenda,
        with(paths::LOGBOOK_CLASS, id),
        monday,
    )
}

/// `GET /cahier-de-textes/eleve/{id}?semaine=`: a pupil's week.
pub async fn pupil_week(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(when): WebQuery<When>,
) -> Result<Response, WebError> {
    let (monday, friday) = week_of(when.date(&state));
    let agenda = state
        .app
        .pupil_agenda(&me.current.subject, UserId(id), monday, friday)?;
    week_page(
        &state,
        &csrf,
        &me,
        agenda,
        with(paths::LOGBOOK_PUPIL_WEEK, id),
        monday,
    )
}

#[derive(Template)]
#[template(path = "logbook_day.html")]
struct DayView {
    layout: Layout,
    title: String,
    subtitle: String,
    days: Vec<Day>,
    prev_url: String,
    today_url: String,
    next_url: String,
    week_url: String,
}

/// `GET /cahier-de-textes/eleve/{id}/jour?date=`: a pupil's day.
pub async fn pupil_day(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(when): WebQuery<When>,
) -> Result<Response, WebError> {
    let date = when.date(&state);
    let agenda = state
        .app
        .pupil_agenda(&me.current.subject, UserId(id), date, date)?;
    let plan = agenda.days.first().ok_or(WebError::NotFound)?;
    let base = with(paths::LOGBOOK_PUPIL_DAY, id);
    let at = |d: Date| format!("{base}?date={d}");
    let title = match &agenda.pupil {
        Some(p) if p.id == me.current.user.id => "Ma journée".to_string(),
        Some(p) => format!("La journée de {}", p.first_name),
        None => String::new(),
    };
    render(DayView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        title,
        subtitle: agenda.class_name.clone(),
        days: vec![day(&state, &me, plan, None, &at(date))],
        prev_url: at(shift(date, -1)),
        today_url: base.clone(),
        next_url: at(shift(date, 1)),
        week_url: format!(
            "{}?semaine={}",
            with(paths::LOGBOOK_PUPIL_WEEK, id),
            monday_of(date)
        ),
    })
}

/// The session form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct EntryFields {
    #[serde(default)]
    date: String,
    #[serde(default)]
    intitule: String,
    #[serde(default)]
    seance: String,
    #[serde(default)]
    devoirs: String,
    #[serde(default)]
    pour_le: String,
    #[serde(default)]
    jusqu_au: String,
    #[serde(default)]
    fichiers: Vec<String>,
    #[serde(default)]
    garder: Vec<String>,
    #[serde(default)]
    ressources: Vec<String>,
}

impl EntryFields {
    fn form(&self) -> EntryForm {
        fn ids<T: std::str::FromStr>(list: &[String]) -> Vec<T> {
            list.iter().filter_map(|v| v.parse().ok()).collect()
        }
        EntryForm {
            date: self.date.clone(),
            title: self.intitule.clone(),
            done: self.seance.clone(),
            homework: self.devoirs.clone(),
            due: self.pour_le.clone(),
            repeat_until: self.jusqu_au.clone(),
            files: ids(&self.fichiers),
            keep: ids(&self.garder),
            resources: ids(&self.ressources),
        }
    }
}

#[derive(Template)]
#[template(path = "logbook_form.html")]
struct FormView {
    layout: Layout,
    class_name: String,
    action: String,
    cancel_url: String,
    fields: EntryFields,
    existing: Vec<(usize, String, bool)>,
    files: Vec<(String, String, bool)>,
    resources: Vec<(String, String, bool)>,
    error: Option<String>,
}

fn form_view(
    state: &WebState,
    csrf: &str,
    me: &Me,
    class: ClassId,
    fields: EntryFields,
    error: Option<String>,
) -> Result<FormView, WebError> {
    let subject = &me.current.subject;
    let dir = state.app.directory();
    let class_name = dir
        .class(class)
        .map(|c| c.name.clone())
        .ok_or(WebError::NotFound)?;
    let files = state
        .app
        .attachable_files(subject, class)?
        .into_iter()
        .map(|(id, label)| {
            let id = id.to_string();
            let checked = fields.fichiers.contains(&id);
            (id, label, checked)
        })
        .collect();
    let resources = library_choices(state, me, &fields.ressources);
    Ok(FormView {
        layout: Layout::new(state, csrf, Some(me)),
        class_name,
        action: with(paths::LOGBOOK_NEW, class),
        cancel_url: with(paths::LOGBOOK_CLASS, class),
        fields,
        existing: Vec::new(),
        files,
        resources,
        error,
    })
}

/// The library's resources to choose from (those chosen first).
fn library_choices(state: &WebState, me: &Me, chosen: &[String]) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = state
        .app
        .resources(&me.current.subject, &Default::default())
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let id = r.id.to_string();
            let checked = chosen.contains(&id);
            (id, r.title, checked)
        })
        .collect();
    out.sort_by_key(|r| (!r.2, r.1.to_lowercase()));
    out
}

/// `GET /cahier-de-textes/classe/{id}/nouvelle-seance?date=`.
pub async fn new_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(when): WebQuery<When>,
) -> Result<Response, WebError> {
    let date = when.date(&state);
    let fields = EntryFields {
        date: date.to_string(),
        pour_le: shift(date, 1).to_string(),
        ..EntryFields::default()
    };
    render(form_view(&state, &csrf, &me, ClassId(id), fields, None)?)
}

/// `POST /cahier-de-textes/classe/{id}/nouvelle-seance`.
pub async fn create(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<EntryFields>,
) -> Result<Response, WebError> {
    let class = ClassId(id);
    match state
        .app
        .write_logbook_entry(&me.current.subject, class, &fields.form())
    {
        Ok(entries) => {
            let monday = entries.first().map(|e| monday_of(e.date));
            let base = with(paths::LOGBOOK_CLASS, class);
            Ok(redirect(&match monday {
                Some(m) => format!("{base}?semaine={m}"),
                None => base,
            }))
        }
        Err(AppError::Invalid(p)) => {
            let (status, message) = refusal(&p);
            render_with(
                status,
                form_view(&state, &csrf, &me, class, fields, Some(message))?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "logbook_entry.html")]
struct EntryPage {
    layout: Layout,
    item: Item,
    back_url: String,
    fields: EntryFields,
    existing: Vec<(usize, String, bool)>,
    files: Vec<(String, String, bool)>,
    resources: Vec<(String, String, bool)>,
    delete_url: String,
    error: Option<String>,
}

fn entry_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: EntryId,
    typed: Option<EntryFields>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let view = state.app.logbook_entry(subject, id)?;
    let e = &view.entry;
    let back_url = match me.current.user.role {
        Role::Pupil | Role::Parent => paths::LOGBOOK.to_string(),
        _ => format!(
            "{}?semaine={}",
            with(paths::LOGBOOK_CLASS, e.class),
            monday_of(e.date)
        ),
    };
    let fields = typed.unwrap_or_else(|| EntryFields {
        date: e.date.to_string(),
        intitule: e.title.clone(),
        seance: e.done.typed.clone(),
        devoirs: e
            .homework
            .as_ref()
            .map(|h| h.text.typed.clone())
            .unwrap_or_default(),
        pour_le: e
            .homework
            .as_ref()
            .map(|h| h.due.to_string())
            .unwrap_or_default(),
        garder: (0..e.attachments.len()).map(|n| n.to_string()).collect(),
        ressources: e.resources.iter().map(|r| r.to_string()).collect(),
        ..EntryFields::default()
    });
    let (files, resources) = if view.may_edit {
        let files = state
            .app
            .attachable_files(subject, e.class)?
            .into_iter()
            .map(|(id, label)| {
                let id = id.to_string();
                let checked = fields.fichiers.contains(&id);
                (id, label, checked)
            })
            .collect();
        (files, library_choices(state, me, &fields.ressources))
    } else {
        (Vec::new(), Vec::new())
    };
    let existing = e
        .attachments
        .iter()
        .enumerate()
        .map(|(n, a)| (n, a.name.clone(), fields.garder.contains(&n.to_string())))
        .collect();
    let (status, error) = super::page_status(error);
    render_with(
        status,
        EntryPage {
            layout: Layout::new(state, csrf, Some(me)),
            item: item(state, me, &view, &with(paths::LOGBOOK_ENTRY, id)),
            back_url,
            delete_url: with(paths::LOGBOOK_ENTRY_DELETE, id),
            fields,
            existing,
            files,
            resources,
            error,
        },
    )
}

/// `GET /cahier-de-textes/seance/{id}`.
pub async fn entry(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    entry_page(&state, &csrf, &me, EntryId(id), None, None)
}

/// `POST /cahier-de-textes/seance/{id}`: changes a session.
pub async fn update(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<EntryFields>,
) -> Result<Response, WebError> {
    let id = EntryId(id);
    match state
        .app
        .update_logbook_entry(&me.current.subject, id, &fields.form())
    {
        Ok(_) => Ok(redirect(&with(paths::LOGBOOK_ENTRY, id))),
        Err(AppError::Invalid(p)) => {
            entry_page(&state, &csrf, &me, id, Some(fields), Some(refusal(&p)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The delete form: `suite=1` also deletes the following sessions of the repetition.
#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    suite: String,
}

/// `POST /cahier-de-textes/seance/{id}/supprimer`.
pub async fn delete(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<DeleteForm>,
) -> Result<Response, WebError> {
    let entry =
        state
            .app
            .delete_logbook_entry(&me.current.subject, EntryId(id), form.suite == "1")?;
    Ok(redirect(&format!(
        "{}?semaine={}",
        with(paths::LOGBOOK_CLASS, entry.class),
        monday_of(entry.date)
    )))
}

/// The « Fait ! » form: `fait=1` ticks, anything else unticks; `retour` is where to go back.
#[derive(Deserialize)]
pub struct TickForm {
    #[serde(default)]
    fait: String,
    #[serde(default)]
    retour: String,
}

/// `POST /cahier-de-textes/seance/{id}/fait`.
pub async fn tick(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(form): WebForm<TickForm>,
) -> Result<Response, WebError> {
    state
        .app
        .tick_homework(&me.current.subject, EntryId(id), form.fait == "1")?;
    let back = if paths::is_local(&form.retour) {
        form.retour
    } else {
        with(paths::LOGBOOK_ENTRY, id)
    };
    Ok(redirect(&back))
}

/// `GET /cahier-de-textes/seance/{id}/fichiers/{n}`: an attached file, as it was attached.
pub async fn file(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    method: Method,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (file, content) = state
        .app
        .open_logbook_attachment(&me.current.subject, EntryId(id), n)?;
    let download = Download::attachment(
        content, file.name, &file.blob, file.size, file.mime, file.at,
    );
    Ok(respond(&method, &headers, download).await)
}

/// `POST /cahier-de-textes/classe/{id}/agenda/renouveler`.
pub async fn renew_feed(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state
        .app
        .renew_logbook_feed(&me.current.subject, ClassId(id))?;
    Ok(redirect(&with(paths::LOGBOOK_CLASS, id)))
}

/// `GET /agenda-devoirs/{secret}.ics`: a class's homework feed (no session: the secret in
/// the address is the access).
pub async fn feed(
    State(state): State<WebState>,
    WebPath(file): WebPath<String>,
) -> Result<Response, WebError> {
    let token = file.strip_suffix(".ics").ok_or(WebError::NotFound)?;
    let text = state.app.homework_feed(token)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"devoirs.ics\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}
