//! Results in the browser: a class's grid with the pupils needing help and the CSV export,
//! withdrawing a task, a pupil's history with marks and livret levels set by hand.

use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath, WebQuery};
use crate::pages::{Layout, redirect, render};
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use preau_app::exercises::{Grid, History};
use preau_app::paris;
use preau_core::exercises::mastery::{LivretLevel, Standing};
use preau_core::{ClassId, Given, TaskId, UserId};
use serde::Deserialize;

use super::{SkillRow, skill_row};

/// A cell of the grid, as shown.
struct CellView {
    class: &'static str,
    text: String,
    title: String,
}

/// A row of the grid, as shown.
struct RowView {
    name: String,
    url: String,
    cells: Vec<CellView>,
}

/// A task of the class, as listed.
struct TaskRow {
    url: String,
    title: String,
    dates: String,
    mode: &'static str,
    pupils: usize,
    withdraw_url: String,
}

#[derive(Template)]
#[template(path = "exercise_grid.html")]
struct GridView {
    layout: Layout,
    whole_year: bool,
    here: String,
    class_name: String,
    columns: Vec<(String, String)>,
    rows: Vec<RowView>,
    help: Vec<(String, String, Vec<String>)>,
    tasks: Vec<TaskRow>,
    csv_url: String,
}

fn cell_view(cell: &preau_app::exercises::GridCell) -> CellView {
    let (class, label) = match cell.standing {
        _ if cell.not_set => ("cell-none", "non donné"),
        Standing::NotStarted => ("cell-todo", "pas commencé"),
        Standing::InProgress => ("cell-doing", "en cours"),
        Standing::Low => ("cell-low", "à revoir"),
        Standing::Middle => ("cell-mid", "en progrès"),
        Standing::High => ("cell-high", "réussi"),
    };
    let score = match cell.standing {
        Standing::NotStarted => String::new(),
        _ if cell.not_set => String::new(),
        _ => format!("{}/{}", cell.score.0, cell.score.1),
    };
    let mut title = label.to_string();
    if cell.mastered {
        title.push_str(", maîtrisé");
    }
    if cell.easier {
        title.push_str(", variante plus facile");
    }
    CellView {
        class,
        text: format!(
            "{score}{}{}",
            if cell.mastered { " ★" } else { "" },
            if cell.easier { " ⓕ" } else { "" }
        ),
        title,
    }
}

/// How many weeks of tasks the grid shows unless the whole year is asked for.
const GRID_WEEKS: i64 = 6;

/// The grid page's query: `tout=1` for the whole year.
#[derive(Deserialize, Default)]
pub struct GridQuery {
    #[serde(default)]
    tout: String,
}

/// `GET /exercices/classe/{id}`: the grid of pupils × exercises of the tasks due in the last
/// six weeks or later (`?tout=1`: the whole year), the pupils needing help and those tasks.
pub async fn class_results(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebQuery(query): WebQuery<GridQuery>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let whole_year = query.tout == "1";
    let today = preau_app::bookings::today(state.app.now());
    let since = (!whole_year)
        .then(|| today.checked_sub(jiff::Span::new().weeks(GRID_WEEKS)).ok())
        .flatten();
    let grid: Grid = state.app.class_grid_since(subject, ClassId(id), since)?;
    let mut tasks = state.app.class_tasks(subject, ClassId(id))?;
    tasks.retain(|t| since.is_none_or(|d| t.due >= d));
    render(GridView {
        whole_year,
        here: with(paths::EXERCISE_CLASS, id),
        layout: Layout::new(&state, &csrf, Some(&me)),
        class_name: grid.class_name.clone(),
        columns: grid
            .columns
            .iter()
            .map(|c| {
                (
                    c.title.clone(),
                    format!("{} — pour le {}", c.task.title, paris::day(c.task.due)),
                )
            })
            .collect(),
        rows: grid
            .rows
            .iter()
            .map(|r| RowView {
                name: r.pupil.full_name(),
                url: with(paths::EXERCISE_PUPIL, r.pupil.id),
                cells: r.cells.iter().map(cell_view).collect(),
            })
            .collect(),
        help: grid
            .help
            .iter()
            .map(|(p, why)| {
                (
                    p.full_name(),
                    with(paths::EXERCISE_PUPIL, p.id),
                    why.clone(),
                )
            })
            .collect(),
        tasks: tasks
            .iter()
            .map(|t| TaskRow {
                url: with(paths::EXERCISE_TASK, t.id),
                title: t.title.clone(),
                dates: format!("du {} au {}", paris::day(t.opens), paris::day(t.due)),
                mode: t.mode.label(),
                pupils: t.pupils.len(),
                withdraw_url: with(paths::EXERCISE_TASK_WITHDRAW, t.id),
            })
            .collect(),
        csv_url: with(paths::EXERCISE_CLASS_CSV, id),
    })
}

/// `GET /exercices/classe/{id}/resultats.csv`.
pub async fn class_csv(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let csv = state.app.class_grid_csv(&me.current.subject, ClassId(id))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"resultats-exercices.csv\"".to_string(),
            ),
        ],
        format!("\u{feff}{csv}"),
    )
        .into_response())
}

/// `POST /exercices/travail/{id}/retirer`.
pub async fn withdraw(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let task = state.app.task(subject, TaskId(id))?;
    state.app.withdraw_task(subject, TaskId(id))?;
    Ok(redirect(&with(paths::EXERCISE_CLASS, task.class)))
}

/// One answer in a pupil's history, as shown.
struct AnswerRow {
    prompt: String,
    given: String,
    right: bool,
    overridden: bool,
    tries: usize,
    mark_url: String,
    position: String,
}

/// One task in a pupil's history, as shown.
struct HistoryCard {
    title: String,
    dates: String,
    mode: &'static str,
    rounds: Vec<RoundCard>,
}

/// One round in a pupil's history, as shown.
struct RoundCard {
    when: String,
    score: String,
    exercises: Vec<(String, Vec<AnswerRow>)>,
}

#[derive(Template)]
#[template(path = "exercise_pupil.html")]
struct PupilView {
    layout: Layout,
    name: String,
    own: bool,
    may_mark: bool,
    tasks: Vec<HistoryCard>,
    mastery: Vec<(String, String, bool)>,
    skills: Vec<SkillRow>,
    levels: Vec<(&'static str, &'static str)>,
    livret_url: String,
}

fn history_cards(history: &History) -> Vec<HistoryCard> {
    history
        .tasks
        .iter()
        .map(|h| HistoryCard {
            title: h.task.title.clone(),
            dates: format!("pour le {}", paris::day(h.task.due)),
            mode: h.task.mode.label(),
            rounds: h
                .attempt
                .iter()
                .flat_map(|a| a.rounds.iter().enumerate())
                .map(|(n, round)| {
                    let (right, total) = round
                        .exercises
                        .iter()
                        .map(|e| e.score())
                        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
                    let when = match round.finished_at {
                        Some(at) => format!("Tour {} — terminé le {}", n + 1, paris::long(at)),
                        None => format!("Tour {} — en cours", n + 1),
                    };
                    let exercises = round
                        .exercises
                        .iter()
                        .enumerate()
                        .map(|(e, answers)| {
                            let prompts = h.prompts.get(&answers.exercise);
                            let rows = answers
                                .answers
                                .iter()
                                .enumerate()
                                .filter(|(_, a)| !a.tries.is_empty())
                                .map(|(q, a)| AnswerRow {
                                    prompt: prompts
                                        .and_then(|p| p.get(q))
                                        .cloned()
                                        .unwrap_or_default(),
                                    given: a
                                        .tries
                                        .iter()
                                        .map(|t| given_text(&t.given))
                                        .collect::<Vec<_>>()
                                        .join(" → "),
                                    right: a.counted() == Some(true),
                                    overridden: a.overridden.is_some(),
                                    tries: a.tries.len(),
                                    mark_url: with2(
                                        paths::EXERCISE_MARK,
                                        h.task.id,
                                        history.pupil.id,
                                    ),
                                    position: format!("{n}-{e}-{q}"),
                                })
                                .collect();
                            (
                                h.titles.get(&answers.exercise).cloned().unwrap_or_default(),
                                rows,
                            )
                        })
                        .collect();
                    RoundCard {
                        when,
                        score: format!("{right} / {total}"),
                        exercises,
                    }
                })
                .collect(),
        })
        .collect()
}

/// A given answer as short text for the history (the question is not needed).
fn given_text(given: &Given) -> String {
    match given {
        Given::Blanks(v) => v.join(" | "),
        Given::Short(t) => t.clone(),
        Given::Choice(v) | Given::Order(v) => v
            .iter()
            .map(|i| (i + 1).to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Given::Matching(v) => v
            .iter()
            .map(|i| i.map(|i| (i + 1).to_string()).unwrap_or("?".into()))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `GET /exercices/eleve/{id}`: a pupil's history, mastery and livret summary.
pub async fn pupil(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let history = state.app.pupil_history(&me.current.subject, UserId(id))?;
    render(PupilView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        name: history.pupil.full_name(),
        own: history.pupil.id == me.current.user.id,
        may_mark: history.may_mark,
        tasks: history_cards(&history),
        mastery: history
            .mastery
            .iter()
            .map(|(title, state, needed)| {
                (
                    title.clone(),
                    format!(
                        "{} bonne(s) réponse(s) sur {} — {} d'affilée (il en faut {needed})",
                        state.right, state.answered, state.best_streak
                    ),
                    state.mastered,
                )
            })
            .collect(),
        skills: history.skills.iter().map(skill_row).collect(),
        levels: LivretLevel::ALL
            .iter()
            .map(|l| (l.code(), l.label()))
            .collect(),
        livret_url: with(paths::EXERCISE_LIVRET, id),
    })
}

/// A teacher's mark, as sent.
#[derive(Deserialize)]
pub struct MarkFields {
    position: String,
    juste: String,
}

/// `POST /exercices/travail/{id}/eleve/{pupil}/note`: the teacher marks an answer by hand.
pub async fn mark(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, pupil)): WebPath<(u64, u64)>,
    WebForm(fields): WebForm<MarkFields>,
) -> Result<Response, WebError> {
    let at: Vec<usize> = fields
        .position
        .split('-')
        .filter_map(|n| n.parse().ok())
        .collect();
    let [round, e, q] = at[..] else {
        return Err(WebError::BadForm("position".into()));
    };
    state.app.override_mark(
        &me.current.subject,
        TaskId(id),
        UserId(pupil),
        (round, e, q),
        fields.juste == "oui",
    )?;
    Ok(redirect(&with(paths::EXERCISE_PUPIL, pupil)))
}

/// A livret level, as sent.
#[derive(Deserialize)]
pub struct LevelFields {
    competence: String,
    #[serde(default)]
    niveau: String,
}

/// `POST /exercices/eleve/{id}/livret`: sets or clears a livret level by hand.
pub async fn livret_level(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<LevelFields>,
) -> Result<Response, WebError> {
    let level = match fields.niveau.trim() {
        "" => None,
        code => Some(LivretLevel::from_code(code).ok_or(WebError::BadForm("niveau".into()))?),
    };
    state
        .app
        .set_livret_level(&me.current.subject, UserId(id), &fields.competence, level)?;
    Ok(redirect(&with(paths::EXERCISE_PUPIL, id)))
}
