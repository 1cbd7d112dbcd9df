//! Exercises in the browser: the teachers' bank (sequences, exercises, questions with
//! pictures and sounds), setting a sequence to pupils, a class's grid of results with the
//! pupils needing help and the CSV export, a task's per-question figures, a pupil's history
//! and livret summary; the pupils' list, lesson, one question per screen and feedback; the
//! families' summary.

mod bank;
mod practice;
mod results;

pub use bank::*;
pub use practice::*;
pub use results::*;

use super::{Layout, render};
use crate::WebState;
use crate::error::WebError;
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::exercises::{SkillLine, TodoItem};
use preau_app::paris;
use preau_core::exercises::mastery::LivretLevel;
use preau_core::{BlobId, ExerciseId, Role};

/// The portal's « Exercices » tile: pupils (their tasks), families (results), teachers.
pub fn portal_tile(state: &WebState, me: &Me) -> Option<crate::pages::portal::Tile> {
    let subject = &me.current.subject;
    let (detail, shown) = match me.current.user.role {
        Role::Pupil => ("Mes exercices à faire", true),
        Role::Parent => ("Les réussites de mes enfants", !subject.children.is_empty()),
        _ => (
            "Séquences, résultats des élèves",
            state.app.may_use_exercise_bank(subject),
        ),
    };
    shown.then(|| crate::pages::portal::Tile {
        icon: "✏️",
        title: "Exercices".into(),
        detail: detail.into(),
        href: paths::EXERCISES.into(),
    })
}

/// A task on the pupil's list, as shown.
struct TodoCard {
    url: String,
    title: String,
    due: String,
    mode: &'static str,
    percent: usize,
    progress: String,
    score: Option<String>,
}

fn todo_card(item: &TodoItem) -> TodoCard {
    let (done, all) = item.progress;
    TodoCard {
        url: with(paths::EXERCISE_TASK, item.task.id),
        title: item.task.title.clone(),
        due: paris::day(item.task.due),
        mode: item.task.mode.label(),
        percent: (done * 100).checked_div(all).unwrap_or(0),
        progress: format!("{done} / {all}"),
        score: item.score.map(|(r, t)| format!("{r} / {t}")),
    }
}

/// A competence line of a livret summary, as shown.
pub(crate) struct SkillRow {
    pub(crate) code: String,
    pub(crate) domain: String,
    pub(crate) label: String,
    pub(crate) level: String,
    pub(crate) level_code: String,
    pub(crate) computed: String,
    pub(crate) overridden: bool,
    pub(crate) exercises: String,
}

fn skill_row(line: &SkillLine) -> SkillRow {
    let name = |l: Option<LivretLevel>| l.map(|l| l.label()).unwrap_or("Pas encore évalué");
    SkillRow {
        code: line.competence.code.to_string(),
        domain: line.competence.domain.to_string(),
        label: line.competence.label.to_string(),
        level: name(line.level).to_string(),
        level_code: line.level.map(|l| l.code()).unwrap_or("").to_string(),
        computed: name(line.computed).to_string(),
        overridden: line.overridden,
        exercises: format!(
            "{} exercice(s), {} maîtrisé(s)",
            line.exercises.0, line.exercises.1
        ),
    }
}

/// One child's results on a family's page (at the box, and at central without the history
/// link).
pub(crate) struct FamilyCard {
    pub(crate) name: String,
    pub(crate) history_url: String,
    pub(crate) skills: Vec<SkillRow>,
    pub(crate) done: Vec<(String, String, String)>,
}

/// A family's card for one child; `history_url` empty at central.
pub(crate) fn family_card(
    f: &preau_app::exercises::FamilyResults,
    history_url: String,
) -> FamilyCard {
    FamilyCard {
        name: f.pupil.first_name.clone(),
        history_url,
        skills: f.skills.iter().map(skill_row).collect(),
        done: done_rows(&f.done),
    }
}

/// Finished tasks as shown: title, due day, score.
fn done_rows(done: &[preau_core::exercises::DoneTask]) -> Vec<(String, String, String)> {
    done.iter()
        .map(|d| {
            (
                d.title.clone(),
                paris::day(d.due),
                format!("{} / {}", d.score.0, d.score.1),
            )
        })
        .collect()
}

/// A sequence in the bank's list.
struct SequenceCard {
    url: String,
    title: String,
    author: String,
    exercises: usize,
    mine: bool,
}

#[derive(Template)]
#[template(path = "exercises_home.html")]
struct HomeView {
    layout: Layout,
    todo: Vec<TodoCard>,
    done: Vec<TodoCard>,
    my_results: Option<String>,
    family: Vec<FamilyCard>,
    teacher: bool,
    sequences: Vec<SequenceCard>,
    classes: Vec<(String, String)>,
    new_url: String,
    import_url: String,
}

/// `GET /exercices`: a pupil's tasks, a family's results, or a teacher's bank and classes.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let app = &state.app;
    let mut view = HomeView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        todo: Vec::new(),
        done: Vec::new(),
        my_results: None,
        family: Vec::new(),
        teacher: false,
        sequences: Vec::new(),
        classes: Vec::new(),
        new_url: paths::EXERCISE_SEQUENCE_NEW.into(),
        import_url: paths::EXERCISE_IMPORT.into(),
    };
    match me.current.user.role {
        Role::Pupil => {
            let items = app.my_tasks(subject)?;
            let (done, todo): (Vec<_>, Vec<_>) = items.iter().partition(|i| i.finished);
            view.todo = todo.into_iter().map(todo_card).collect();
            view.done = done.into_iter().map(todo_card).collect();
            view.my_results = Some(with(paths::EXERCISE_PUPIL, subject.user));
        }
        Role::Parent => {
            view.family = app
                .family_results(subject)?
                .iter()
                .map(|f| family_card(f, with(paths::EXERCISE_PUPIL, f.pupil.id)))
                .collect();
        }
        _ => {
            app.check_exercise_bank(subject)?;
            view.teacher = true;
            view.sequences = app
                .sequences(subject)?
                .iter()
                .map(|s| SequenceCard {
                    url: with(paths::EXERCISE_SEQUENCE, s.sequence.id),
                    title: s.sequence.title.clone(),
                    author: s.author.clone(),
                    exercises: s.exercises.len(),
                    mine: s.sequence.author == subject.user,
                })
                .collect();
            view.classes = app
                .exercise_classes(subject)
                .into_iter()
                .map(|(id, name)| (with(paths::EXERCISE_CLASS, id), name))
                .collect();
        }
    }
    render(view)
}

/// The address of an exercise's picture or sound.
fn media_url(exercise: ExerciseId, blob: &BlobId) -> String {
    with2(paths::EXERCISE_MEDIA, exercise, blob.hex())
}
