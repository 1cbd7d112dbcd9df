//! The pupil's side: the lesson, one question per screen, the feedback, the results of a
//! round; and a task's per-question figures for its teacher.

use crate::WebState;
use crate::error::WebError;
use crate::forms::{WebForm, WebPath};
use crate::pages::{Layout, redirect, render};
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::exercises::{Feedback, QuestionScreen, QuestionStat, Step};
use preau_app::{AppError, Problem, paris};
use preau_core::exercises::Segment;
use preau_core::{Given, QuestionKind, Role, TaskId};
use serde::Deserialize;

use super::media_url;

/// A choice, pair or item on the pupil's screen.
struct Part {
    value: usize,
    text: String,
    image_url: Option<String>,
}

/// One piece of a fill-in-the-blanks text on the pupil's screen.
struct BlankPiece {
    text: String,
    blank: bool,
    number: usize,
}

#[derive(Template)]
#[template(path = "exercise_question.html")]
struct QuestionView {
    layout: Layout,
    title: String,
    instruction: String,
    prompt: String,
    kind: &'static str,
    several: bool,
    numeric: bool,
    parts: Vec<Part>,
    lefts: Vec<String>,
    pieces: Vec<BlankPiece>,
    image_url: Option<String>,
    audio_url: Option<String>,
    percent: usize,
    progress: String,
    action: String,
    round: usize,
    exercise_index: usize,
    question_index: usize,
    try_again: bool,
    hint: String,
    speech_url: String,
}

fn question_view(state: &WebState, csrf: &str, me: &Me, screen: &QuestionScreen) -> QuestionView {
    let q = &screen.question;
    let e = &screen.exercise;
    let mut parts = Vec::new();
    let mut lefts = Vec::new();
    let mut pieces = Vec::new();
    let mut several = false;
    let mut numeric = false;
    match &q.kind {
        QuestionKind::Choice {
            choices,
            several: s,
        } => {
            several = *s;
            parts = screen
                .order
                .iter()
                .filter_map(|&i| choices.get(i).map(|c| (i, c)))
                .map(|(i, c)| Part {
                    value: i,
                    text: c.text.clone(),
                    image_url: c.image.as_ref().map(|m| media_url(e.id, &m.blob)),
                })
                .collect();
        }
        QuestionKind::Matching { pairs } => {
            lefts = pairs.iter().map(|(l, _)| l.clone()).collect();
            parts = screen
                .order
                .iter()
                .filter_map(|&i| pairs.get(i).map(|p| (i, p)))
                .map(|(i, (_, r))| Part {
                    value: i,
                    text: r.clone(),
                    image_url: None,
                })
                .collect();
        }
        QuestionKind::Order { items } => {
            parts = screen
                .order
                .iter()
                .filter_map(|&i| items.get(i).map(|t| (i, t)))
                .map(|(i, t)| Part {
                    value: i,
                    text: t.clone(),
                    image_url: None,
                })
                .collect();
        }
        QuestionKind::Blanks { segments } => {
            let mut number = 0;
            for s in segments {
                match s {
                    Segment::Text(t) => pieces.push(BlankPiece {
                        text: t.clone(),
                        blank: false,
                        number: 0,
                    }),
                    Segment::Blank(_) => {
                        number += 1;
                        pieces.push(BlankPiece {
                            text: String::new(),
                            blank: true,
                            number,
                        });
                    }
                }
            }
        }
        QuestionKind::Short { numeric: n, .. } => numeric = *n,
    }
    let (done, all) = screen.progress;
    QuestionView {
        layout: Layout::new(state, csrf, Some(me)),
        title: e.title.clone(),
        instruction: e.instruction.clone(),
        prompt: q.prompt.clone(),
        kind: q.kind.code(),
        several,
        numeric,
        parts,
        lefts,
        pieces,
        image_url: q.image.as_ref().map(|m| media_url(e.id, &m.blob)),
        audio_url: q.audio.as_ref().map(|m| media_url(e.id, &m.blob)),
        percent: (done * 100).checked_div(all).unwrap_or(0),
        progress: format!("Question {} sur {all}", (done + 1).min(all)),
        action: with(paths::EXERCISE_TASK_ANSWER, screen.task.id),
        round: screen.round,
        exercise_index: screen.exercise_index,
        question_index: screen.question_index,
        try_again: screen.tries > 0,
        hint: q.hint.clone(),
        speech_url: state.assets.exercise_js_url.clone(),
    }
}

#[derive(Template)]
#[template(path = "exercise_lesson.html")]
struct LessonView {
    layout: Layout,
    title: String,
    lesson_html: String,
    start_url: String,
    mode: &'static str,
    due: String,
}

#[derive(Template)]
#[template(path = "exercise_finished.html")]
struct FinishedView {
    layout: Layout,
    title: String,
    score: String,
    cheer: &'static str,
    results: Vec<(String, Vec<preau_app::exercises::ResultLine>)>,
    start_url: Option<String>,
    lesson_html: String,
}

/// A cheering word for a score.
fn cheer(right: usize, total: usize) -> &'static str {
    if total == 0 || right * 5 >= total * 4 {
        "Bravo, c'est très bien !"
    } else if right * 2 >= total {
        "C'est bien, continue comme ça !"
    } else {
        "Tu as bien travaillé. Tu peux t'entraîner encore !"
    }
}

#[derive(Template)]
#[template(path = "exercise_task.html")]
struct TaskStatsView {
    layout: Layout,
    title: String,
    dates: String,
    mode: &'static str,
    grid_url: String,
    stats: Vec<QuestionStat>,
}

/// `GET /exercices/travail/{id}`: for the pupil, where they are (lesson, question,
/// results); for the teacher, the per-question figures.
pub async fn task(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    if me.current.user.role != Role::Pupil {
        let (task, stats) = state.app.task_stats(subject, TaskId(id))?;
        return render(TaskStatsView {
            layout: Layout::new(&state, &csrf, Some(&me)),
            title: task.title.clone(),
            dates: format!("du {} au {}", paris::day(task.opens), paris::day(task.due)),
            mode: task.mode.label(),
            grid_url: with(paths::EXERCISE_CLASS, task.class),
            stats,
        });
    }
    match state.app.step(subject, TaskId(id))? {
        Step::Lesson { task, lesson } => render(LessonView {
            layout: Layout::new(&state, &csrf, Some(&me)),
            title: task.title.clone(),
            lesson_html: lesson.html,
            start_url: with(paths::EXERCISE_TASK_START, task.id),
            mode: task.mode.label(),
            due: paris::day(task.due),
        }),
        Step::Question(screen) => render(question_view(&state, &csrf, &me, &screen)),
        Step::Finished {
            task,
            results,
            score,
            found,
            may_start_again,
            lesson,
        } => render(FinishedView {
            layout: Layout::new(&state, &csrf, Some(&me)),
            title: task.title.clone(),
            score: if found > score.0 {
                format!(
                    "Tu as trouvé {found} réponse(s) sur {}, dont {} du premier coup.",
                    score.1, score.0
                )
            } else {
                format!(
                    "Tu as trouvé {} réponse(s) sur {} du premier coup.",
                    score.0, score.1
                )
            },
            cheer: cheer(found, score.1),
            results,
            start_url: may_start_again.then(|| with(paths::EXERCISE_TASK_START, task.id)),
            lesson_html: lesson.html,
        }),
    }
}

/// `POST /exercices/travail/{id}/commencer`: starts (or starts again) the task.
pub async fn start(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    state.app.start_round(&me.current.subject, TaskId(id))?;
    Ok(redirect(&with(paths::EXERCISE_TASK, id)))
}

/// An answer as sent by the question screen.
#[derive(Deserialize, Default)]
pub struct AnswerFields {
    #[serde(default)]
    tour: usize,
    #[serde(default)]
    exercice: usize,
    #[serde(default)]
    question: usize,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    choix: Vec<String>,
    #[serde(default)]
    trou: Vec<String>,
    #[serde(default)]
    relie: Vec<String>,
    #[serde(default)]
    element: Vec<String>,
    #[serde(default)]
    place: Vec<String>,
    #[serde(default)]
    reponse: String,
}

impl AnswerFields {
    /// What the pupil gave, read by the question's kind (unreadable parts count as none).
    fn given(&self) -> Given {
        let index = |t: &String| t.trim().parse::<usize>().ok();
        match self.kind.as_str() {
            "qcm" => Given::Choice(self.choix.iter().filter_map(index).collect()),
            "trous" => Given::Blanks(self.trou.clone()),
            "relier" => Given::Matching(self.relie.iter().map(index).collect()),
            "ordre" => {
                let mut placed: Vec<(usize, usize)> = self
                    .element
                    .iter()
                    .zip(&self.place)
                    .filter_map(|(e, p)| Some((index(p)?, index(e)?)))
                    .collect();
                placed.sort();
                Given::Order(placed.into_iter().map(|(_, item)| item).collect())
            }
            _ => Given::Short(self.reponse.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "exercise_feedback.html")]
struct FeedbackView {
    layout: Layout,
    right: bool,
    recorded: bool,
    hint: String,
    try_again: bool,
    correction: Option<String>,
    finished: bool,
    next_url: String,
}

/// `POST /exercices/travail/{id}/repondre`: marks the answer and tells the pupil.
pub async fn answer(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<AnswerFields>,
) -> Result<Response, WebError> {
    let feedback = state.app.answer(
        &me.current.subject,
        TaskId(id),
        (fields.tour, fields.exercice, fields.question),
        fields.given(),
    );
    let feedback = match feedback {
        Ok(f) => f,
        Err(AppError::Invalid(Problem::AlreadyAnswered)) => {
            return Ok(redirect(&with(paths::EXERCISE_TASK, id)));
        }
        Err(e) => return Err(e.into()),
    };
    let mut view = FeedbackView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        right: false,
        recorded: false,
        hint: String::new(),
        try_again: false,
        correction: None,
        finished: false,
        next_url: with(paths::EXERCISE_TASK, id),
    };
    match feedback {
        Feedback::Right { finished } => {
            view.right = true;
            view.finished = finished;
        }
        Feedback::Recorded { finished } => {
            view.recorded = true;
            view.finished = finished;
        }
        Feedback::Wrong {
            hint,
            try_again,
            correction,
            finished,
        } => {
            view.hint = hint;
            view.try_again = try_again;
            view.correction = correction;
            view.finished = finished;
        }
    }
    render(view)
}
