//! Exercises in the browser: the teachers' bank (sequences, exercises, questions with
//! pictures and sounds), setting a sequence to pupils, a class's grid of results with the
//! pupils needing help and the CSV export, a task's per-question figures, a pupil's history
//! and livret summary; the pupils' list, lesson, one question per screen and feedback; the
//! families' summary.

use super::{Layout, page_status, redirect, render, render_with};
use crate::WebState;
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath};
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use preau_app::documents::Received;
use preau_app::exercises::{
    ExerciseForm, Feedback, Grid, History, QuestionForm, QuestionScreen, QuestionStat,
    SequenceForm, SequenceView, SkillLine, Step, TaskForm, TodoItem,
};
use preau_app::{AppError, Problem, paris};
use preau_core::exercises::mastery::{LivretLevel, Standing};
use preau_core::exercises::{KINDS, Mode, Segment, competences, editor};
use preau_core::{
    BlobId, ClassId, Discipline, Exercise, ExerciseId, Given, Level, QuestionKind, Role,
    SequenceId, TaskId, UserId,
};
use serde::Deserialize;

/// The portal's « Exercices » tile: pupils (their tasks), families (results), teachers.
pub fn portal_tile(state: &WebState, me: &Me) -> Option<super::portal::Tile> {
    let subject = &me.current.subject;
    let (detail, shown) = match me.current.user.role {
        Role::Pupil => ("Mes exercices à faire", true),
        Role::Parent => ("Les réussites de mes enfants", !subject.children.is_empty()),
        _ => (
            "Séquences, résultats des élèves",
            state.app.may_use_exercise_bank(subject),
        ),
    };
    shown.then(|| super::portal::Tile {
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
struct SkillRow {
    code: String,
    domain: String,
    label: String,
    level: String,
    level_code: String,
    computed: String,
    overridden: bool,
    exercises: String,
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

/// One child's results on a family's page.
struct FamilyCard {
    name: String,
    history_url: String,
    skills: Vec<SkillRow>,
    done: Vec<(String, String, String)>,
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
                .map(|f| FamilyCard {
                    name: f.pupil.first_name.clone(),
                    history_url: with(paths::EXERCISE_PUPIL, f.pupil.id),
                    skills: f.skills.iter().map(skill_row).collect(),
                    done: f
                        .done
                        .iter()
                        .map(|(t, (r, n))| {
                            (t.title.clone(), paris::day(t.due), format!("{r} / {n}"))
                        })
                        .collect(),
                })
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

/// The sequence form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct SequenceFields {
    #[serde(default)]
    titre: String,
    #[serde(default)]
    lecon: String,
    #[serde(default)]
    niveaux: Vec<String>,
    #[serde(default)]
    matiere: String,
}

impl SequenceFields {
    fn form(&self) -> SequenceForm {
        SequenceForm {
            title: self.titre.clone(),
            lesson: self.lecon.clone(),
            levels: self
                .niveaux
                .iter()
                .filter_map(|l| Level::from_code(l))
                .collect(),
            discipline: Discipline::parse(&self.matiere),
        }
    }
}

#[derive(Template)]
#[template(path = "exercise_sequence_form.html")]
struct SequenceFormView {
    layout: Layout,
    action: String,
    cancel_url: String,
    fields: SequenceFields,
    levels: Vec<(&'static str, bool)>,
    disciplines: Vec<(&'static str, &'static str, bool)>,
    error: Option<String>,
}

fn sequence_form(
    state: &WebState,
    csrf: &str,
    me: &Me,
    action: String,
    cancel_url: String,
    fields: SequenceFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let (status, error) = page_status(error);
    let discipline = Discipline::parse(&fields.matiere);
    render_with(
        status,
        SequenceFormView {
            layout: Layout::new(state, csrf, Some(me)),
            action,
            cancel_url,
            levels: Level::ALL
                .into_iter()
                .map(|l| (l.code(), fields.niveaux.iter().any(|n| n == l.code())))
                .collect(),
            disciplines: Discipline::ALL
                .into_iter()
                .map(|d| (d.code(), d.label(), Some(d) == discipline))
                .collect(),
            fields,
            error,
        },
    )
}

/// `GET /exercices/sequences/nouvelle`.
pub async fn new_sequence(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    state.app.check_exercise_bank(&me.current.subject)?;
    sequence_form(
        &state,
        &csrf,
        &me,
        paths::EXERCISE_SEQUENCE_NEW.into(),
        paths::EXERCISES.into(),
        SequenceFields::default(),
        None,
    )
}

/// `POST /exercices/sequences/nouvelle`.
pub async fn create_sequence(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebForm(fields): WebForm<SequenceFields>,
) -> Result<Response, WebError> {
    match state
        .app
        .create_sequence(&me.current.subject, &fields.form())
    {
        Ok(s) => Ok(redirect(&with(paths::EXERCISE_SEQUENCE, s.id))),
        Err(AppError::Invalid(p)) => sequence_form(
            &state,
            &csrf,
            &me,
            paths::EXERCISE_SEQUENCE_NEW.into(),
            paths::EXERCISES.into(),
            fields,
            Some(refusal(&p)),
        ),
        Err(e) => Err(e.into()),
    }
}

/// `GET /exercices/sequences/{id}/modifier`.
pub async fn edit_sequence(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let view = state.app.sequence(&me.current.subject, SequenceId(id))?;
    if !view.may_edit {
        return Err(WebError::Forbidden);
    }
    let s = &view.sequence;
    let fields = SequenceFields {
        titre: s.title.clone(),
        lecon: s.lesson.typed.clone(),
        niveaux: s.levels.iter().map(|l| l.code().to_string()).collect(),
        matiere: s
            .discipline
            .map(|d| d.code().to_string())
            .unwrap_or_default(),
    };
    sequence_form(
        &state,
        &csrf,
        &me,
        with(paths::EXERCISE_SEQUENCE_EDIT, id),
        with(paths::EXERCISE_SEQUENCE, id),
        fields,
        None,
    )
}

/// `POST /exercices/sequences/{id}/modifier`.
pub async fn update_sequence(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<SequenceFields>,
) -> Result<Response, WebError> {
    match state
        .app
        .update_sequence(&me.current.subject, SequenceId(id), &fields.form())
    {
        Ok(_) => Ok(redirect(&with(paths::EXERCISE_SEQUENCE, id))),
        Err(AppError::Invalid(p)) => sequence_form(
            &state,
            &csrf,
            &me,
            with(paths::EXERCISE_SEQUENCE_EDIT, id),
            with(paths::EXERCISE_SEQUENCE, id),
            fields,
            Some(refusal(&p)),
        ),
        Err(e) => Err(e.into()),
    }
}

/// A question as listed on its exercise's page.
struct QuestionCard {
    number: usize,
    kind: &'static str,
    prompt: String,
    answers: String,
    edit_url: String,
    delete_url: String,
    move_url: String,
    image_url: Option<String>,
    audio_url: Option<String>,
}

/// An exercise as listed on its sequence's page.
struct ExerciseCard {
    url: String,
    title: String,
    instruction: String,
    questions: Vec<QuestionCard>,
    competence: Option<String>,
    easier: Option<String>,
    remove_url: Option<String>,
}

fn media_url(exercise: ExerciseId, blob: &BlobId) -> String {
    with2(paths::EXERCISE_MEDIA, exercise, blob.hex())
}

fn exercise_card(e: &Exercise, sequence: Option<SequenceId>) -> ExerciseCard {
    ExerciseCard {
        url: with(paths::EXERCISE, e.id),
        title: e.title.clone(),
        instruction: e.instruction.clone(),
        questions: e
            .questions
            .iter()
            .enumerate()
            .map(|(n, q)| QuestionCard {
                number: n + 1,
                kind: q.kind.label(),
                prompt: q.prompt.clone(),
                answers: editor::to_text(&q.kind),
                edit_url: with2(paths::EXERCISE_QUESTION, e.id, n),
                delete_url: with2(paths::EXERCISE_QUESTION_DELETE, e.id, n),
                move_url: with2(paths::EXERCISE_QUESTION_MOVE, e.id, n),
                image_url: q.image.as_ref().map(|m| media_url(e.id, &m.blob)),
                audio_url: q.audio.as_ref().map(|m| media_url(e.id, &m.blob)),
            })
            .collect(),
        competence: e
            .competence
            .as_deref()
            .and_then(competences::find)
            .map(|c| format!("{} — {}", c.domain, c.label)),
        easier: e.easier.map(|id| with(paths::EXERCISE, id)),
        remove_url: sequence.map(|s| with2(paths::EXERCISE_SEQUENCE_REMOVE, s, e.id)),
    }
}

#[derive(Template)]
#[template(path = "exercise_sequence.html")]
struct SequencePage {
    layout: Layout,
    title: String,
    author: String,
    lesson_html: String,
    meta: String,
    may_edit: bool,
    edit_url: String,
    add_url: String,
    copy_url: String,
    export_url: String,
    publish_url: String,
    published: bool,
    exercises: Vec<ExerciseCard>,
    assign: Vec<(String, String)>,
    error: Option<String>,
}

fn sequence_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    view: &SequenceView,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let s = &view.sequence;
    let (status, error) = page_status(error);
    let mut meta: Vec<String> = s.levels.iter().map(|l| l.code().to_string()).collect();
    meta.extend(s.discipline.map(|d| d.label().to_string()));
    render_with(
        status,
        SequencePage {
            layout: Layout::new(state, csrf, Some(me)),
            title: s.title.clone(),
            author: view.author.clone(),
            lesson_html: s.lesson.html.clone(),
            meta: meta.join(" · "),
            may_edit: view.may_edit,
            edit_url: with(paths::EXERCISE_SEQUENCE_EDIT, s.id),
            add_url: with(paths::EXERCISE_SEQUENCE_ADD, s.id),
            copy_url: with(paths::EXERCISE_SEQUENCE_COPY, s.id),
            export_url: with(paths::EXERCISE_SEQUENCE_EXPORT, s.id),
            publish_url: with(paths::EXERCISE_SEQUENCE_PUBLISH, s.id),
            published: s.published.is_some(),
            exercises: view
                .exercises
                .iter()
                .map(|e| exercise_card(e, Some(s.id)))
                .collect(),
            assign: state
                .app
                .exercise_classes(&me.current.subject)
                .into_iter()
                .map(|(class, name)| (with2(paths::EXERCISE_ASSIGN, s.id, class), name))
                .collect(),
            error,
        },
    )
}

/// `GET /exercices/sequences/{id}`: the lesson, the exercises and their questions.
pub async fn sequence(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let view = state.app.sequence(&me.current.subject, SequenceId(id))?;
    sequence_page(&state, &csrf, &me, &view, None)
}

/// The exercise form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ExerciseFields {
    #[serde(default)]
    titre: String,
    #[serde(default)]
    consigne: String,
    #[serde(default)]
    competence: String,
    #[serde(default)]
    maitrise: String,
    #[serde(default)]
    variante: String,
}

impl ExerciseFields {
    fn form(&self) -> ExerciseForm {
        ExerciseForm {
            title: self.titre.clone(),
            instruction: self.consigne.clone(),
            competence: self.competence.clone(),
            mastery_after: self.maitrise.clone(),
            easier: self.variante.clone(),
        }
    }
}

/// `POST /exercices/sequences/{id}/exercice`: adds an exercise, then opens it.
pub async fn add_exercise(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<ExerciseFields>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    match state
        .app
        .add_exercise(subject, SequenceId(id), &fields.form())
    {
        Ok(e) => Ok(redirect(&with(paths::EXERCISE, e.id))),
        Err(AppError::Invalid(p)) => {
            let view = state.app.sequence(subject, SequenceId(id))?;
            sequence_page(&state, &csrf, &me, &view, Some(refusal(&p)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /exercices/sequences/{id}/retirer/{exercise}`.
pub async fn remove_exercise(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, exercise)): WebPath<(u64, u64)>,
) -> Result<Response, WebError> {
    state
        .app
        .remove_exercise(&me.current.subject, SequenceId(id), ExerciseId(exercise))?;
    Ok(redirect(&with(paths::EXERCISE_SEQUENCE, id)))
}

/// The question form as typed (multipart).
#[derive(Default, Clone)]
pub struct QuestionFields {
    kind: String,
    prompt: String,
    answers: String,
    hint: String,
    numeric: bool,
    accents: bool,
    case: bool,
}

impl QuestionFields {
    fn form(&self, remove_image: bool, remove_audio: bool) -> QuestionForm {
        QuestionForm {
            kind: self.kind.clone(),
            prompt: self.prompt.clone(),
            answers: self.answers.clone(),
            hint: self.hint.clone(),
            numeric: self.numeric,
            accents_forgiven: self.accents,
            case_forgiven: self.case,
            remove_image,
            remove_audio,
        }
    }
}

#[derive(Template)]
#[template(path = "exercise_edit.html")]
struct ExerciseView {
    layout: Layout,
    exercise: ExerciseCard,
    may_edit: bool,
    settings_url: String,
    fields: ExerciseFields,
    competences: Vec<(&'static str, String, bool)>,
    easier: Vec<(String, String, bool)>,
    question_action: String,
    question: QuestionFields,
    kinds: Vec<(&'static str, &'static str, bool)>,
    editing: Option<usize>,
    error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn exercise_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    exercise: &Exercise,
    editing: Option<usize>,
    fields: Option<ExerciseFields>,
    question: Option<QuestionFields>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let fields = fields.unwrap_or_else(|| ExerciseFields {
        titre: exercise.title.clone(),
        consigne: exercise.instruction.clone(),
        competence: exercise.competence.clone().unwrap_or_default(),
        maitrise: exercise.mastery_after.to_string(),
        variante: exercise.easier.map(|e| e.to_string()).unwrap_or_default(),
    });
    let question =
        question.unwrap_or_else(|| match editing.and_then(|n| exercise.questions.get(n)) {
            Some(q) => QuestionFields {
                kind: q.kind.code().to_string(),
                prompt: q.prompt.clone(),
                answers: editor::to_text(&q.kind),
                hint: q.hint.clone(),
                numeric: matches!(q.kind, QuestionKind::Short { numeric: true, .. }),
                accents: q.tolerance.accents,
                case: q.tolerance.case,
            },
            None => QuestionFields {
                kind: "trous".into(),
                case: true,
                ..QuestionFields::default()
            },
        });
    let (status, error) = page_status(error);
    let action = match editing {
        Some(n) => with2(paths::EXERCISE_QUESTION, exercise.id, n),
        None => with(paths::EXERCISE_QUESTION_NEW, exercise.id),
    };
    render_with(
        status,
        ExerciseView {
            layout: Layout::new(state, csrf, Some(me)),
            exercise: exercise_card(exercise, None),
            may_edit: state.app.may_edit_exercise_of(subject, exercise),
            settings_url: with(paths::EXERCISE, exercise.id),
            competences: competences::ALL
                .iter()
                .map(|c| {
                    (
                        c.code,
                        format!("Cycle {} — {} — {}", c.cycle, c.domain, c.label),
                        c.code == fields.competence,
                    )
                })
                .collect(),
            easier: state
                .app
                .easier_candidates(subject, exercise.id)?
                .into_iter()
                .map(|e| {
                    let id = e.id.to_string();
                    let chosen = id == fields.variante;
                    (id, e.title, chosen)
                })
                .collect(),
            fields,
            question_action: format!("{action}?_csrf={csrf}"),
            kinds: KINDS
                .iter()
                .map(|(code, label)| (*code, *label, *code == question.kind))
                .collect(),
            question,
            editing,
            error,
        },
    )
}

/// `GET /exercices/exercice/{id}`: an exercise's settings and questions, and the form to
/// add one.
pub async fn exercise(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let exercise = state.app.exercise(&me.current.subject, ExerciseId(id))?;
    exercise_page(&state, &csrf, &me, &exercise, None, None, None, None)
}

/// `POST /exercices/exercice/{id}`: changes the exercise's settings.
pub async fn update_exercise(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<ExerciseFields>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    match state
        .app
        .update_exercise(subject, ExerciseId(id), &fields.form())
    {
        Ok(_) => Ok(redirect(&with(paths::EXERCISE, id))),
        Err(AppError::Invalid(p)) => {
            let exercise = state.app.exercise(subject, ExerciseId(id))?;
            exercise_page(
                &state,
                &csrf,
                &me,
                &exercise,
                None,
                Some(fields),
                None,
                Some(refusal(&p)),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /exercices/exercice/{id}/question/{n}`: the form to change a question.
pub async fn question(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
) -> Result<Response, WebError> {
    let exercise = state.app.exercise(&me.current.subject, ExerciseId(id))?;
    if n >= exercise.questions.len() {
        return Err(WebError::NotFound);
    }
    exercise_page(&state, &csrf, &me, &exercise, Some(n), None, None, None)
}

/// Reads the question form (multipart): its fields, and the picture and sound sent.
async fn question_fields(
    state: &WebState,
    mut multipart: Multipart,
) -> Result<(QuestionFields, bool, bool, QuestionFiles), WebError> {
    let mut fields = QuestionFields::default();
    let (mut remove_image, mut remove_audio) = (false, false);
    let mut files = QuestionFiles::default();
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadForm(e.to_string());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if matches!(name.as_str(), "image" | "son" | "images_choix") {
            let file_name = field.file_name().unwrap_or("").to_string();
            if !file_name.is_empty() {
                let received = crate::upload::receive(&state.app, &file_name, field).await?;
                match name.as_str() {
                    "image" => files.image = Some(received),
                    "son" => files.audio = Some(received),
                    _ => files.choices.push(received),
                }
            }
            continue;
        }
        let value = super::news::bounded_text(field).await?;
        match name.as_str() {
            "type" => fields.kind = value,
            "question" => fields.prompt = value,
            "reponses" => fields.answers = value,
            "indice" => fields.hint = value,
            "nombre" => fields.numeric = true,
            "accents" => fields.accents = true,
            "majuscules" => fields.case = true,
            "sans_image" => remove_image = true,
            "sans_son" => remove_audio = true,
            _ => {}
        }
    }
    Ok((fields, remove_image, remove_audio, files))
}

/// The files sent with a question: its picture, its sound, the choices' pictures.
#[derive(Default)]
struct QuestionFiles {
    image: Option<Received>,
    audio: Option<Received>,
    choices: Vec<Received>,
}

async fn save_question(
    state: WebState,
    csrf: String,
    me: Me,
    id: u64,
    index: Option<usize>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let exercise = state.app.exercise(subject, ExerciseId(id))?;
    if !state.app.may_edit_exercise_of(subject, &exercise) {
        return Err(WebError::Forbidden);
    }
    let (fields, remove_image, remove_audio, files) = question_fields(&state, multipart).await?;
    match state.app.save_question_with_pictures(
        subject,
        ExerciseId(id),
        index,
        &fields.form(remove_image, remove_audio),
        files.image.as_ref(),
        files.audio.as_ref(),
        &files.choices,
    ) {
        Ok(_) => Ok(redirect(&with(paths::EXERCISE, id))),
        Err(AppError::Invalid(p)) => exercise_page(
            &state,
            &csrf,
            &me,
            &exercise,
            index,
            None,
            Some(fields),
            Some(refusal(&p)),
        ),
        Err(e) => Err(e.into()),
    }
}

/// `POST /exercices/exercice/{id}/question` (multipart): adds a question.
pub async fn add_question(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    save_question(state, csrf, me, id, None, multipart).await
}

/// `POST /exercices/exercice/{id}/question/{n}` (multipart): changes a question.
pub async fn update_question(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    save_question(state, csrf, me, id, Some(n), multipart).await
}

/// `POST /exercices/exercice/{id}/question/{n}/supprimer`.
pub async fn delete_question(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
) -> Result<Response, WebError> {
    state
        .app
        .delete_question(&me.current.subject, ExerciseId(id), n)?;
    Ok(redirect(&with(paths::EXERCISE, id)))
}

/// Which way a question moves.
#[derive(Deserialize)]
pub struct MoveFields {
    sens: String,
}

/// `POST /exercices/exercice/{id}/question/{n}/deplacer`.
pub async fn move_question(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    WebForm(fields): WebForm<MoveFields>,
) -> Result<Response, WebError> {
    state.app.move_question(
        &me.current.subject,
        ExerciseId(id),
        n,
        fields.sens == "haut",
    )?;
    Ok(redirect(&with(paths::EXERCISE, id)))
}

/// `GET /exercices/exercice/{id}/media/{blob}`: a question's picture (re-encoded) or sound.
pub async fn media(
    State(state): State<WebState>,
    me: Me,
    WebPath((id, blob)): WebPath<(u64, String)>,
) -> Result<Response, WebError> {
    let blob = BlobId::from_hex(&blob).ok_or(WebError::NotFound)?;
    let (bytes, mime) = state
        .app
        .exercise_media(&me.current.subject, ExerciseId(id), blob)?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_DISPOSITION, "inline".into()),
            (header::CONTENT_SECURITY_POLICY, "sandbox".into()),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
        ],
        bytes,
    )
        .into_response())
}

/// The form to set a sequence, as typed.
#[derive(Deserialize, Default, Clone)]
pub struct AssignFields {
    #[serde(default)]
    pour: String,
    #[serde(default)]
    eleves: Vec<String>,
    #[serde(default)]
    ouverture: String,
    #[serde(default)]
    fin: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    plus_facile: Vec<String>,
}

#[derive(Template)]
#[template(path = "exercise_assign.html")]
struct AssignView {
    layout: Layout,
    title: String,
    class_name: String,
    action: String,
    cancel_url: String,
    audiences: Vec<(String, String, bool)>,
    pupils: Vec<(String, String, bool)>,
    easier: Vec<(String, String, bool)>,
    fields: AssignFields,
    training: bool,
    error: Option<String>,
}

fn assign_page(
    state: &WebState,
    csrf: &str,
    me: &Me,
    sequence: u64,
    class: u64,
    fields: AssignFields,
    error: Option<(StatusCode, String)>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let view = state.app.sequence(subject, SequenceId(sequence))?;
    let audiences = state.app.task_audiences(subject, ClassId(class))?;
    let dir = state.app.directory();
    let class_name = dir
        .class(ClassId(class))
        .map(|c| c.name.clone())
        .ok_or(WebError::NotFound)?;
    let (status, error) = page_status(error);
    let pupils = dir
        .pupils_of(ClassId(class))
        .iter()
        .map(|p| {
            let id = p.id.to_string();
            let chosen = fields.eleves.contains(&id);
            (id, p.full_name(), chosen)
        })
        .collect();
    let easier = audiences
        .iter()
        .filter(|(code, _)| !code.starts_with("classe-"))
        .map(|(code, label)| {
            (
                code.clone(),
                label.clone(),
                fields.plus_facile.contains(code),
            )
        })
        .collect();
    render_with(
        status,
        AssignView {
            layout: Layout::new(state, csrf, Some(me)),
            title: view.sequence.title.clone(),
            class_name,
            action: with2(paths::EXERCISE_ASSIGN, sequence, class),
            cancel_url: with(paths::EXERCISE_SEQUENCE, sequence),
            audiences: audiences
                .into_iter()
                .map(|(code, label)| {
                    let chosen = code == fields.pour;
                    (code, label, chosen)
                })
                .collect(),
            pupils,
            easier,
            training: fields.mode != Mode::Assessment.code(),
            fields,
            error,
        },
    )
}

/// `GET /exercices/sequences/{id}/donner/{class}`.
pub async fn assign_form(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, class)): WebPath<(u64, u64)>,
) -> Result<Response, WebError> {
    let today = preau_app::bookings::today(state.app.now());
    let fields = AssignFields {
        pour: format!("classe-{class}"),
        ouverture: today.to_string(),
        fin: today
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(today)
            .to_string(),
        mode: Mode::Training.code().into(),
        ..AssignFields::default()
    };
    assign_page(&state, &csrf, &me, id, class, fields, None)
}

/// `POST /exercices/sequences/{id}/donner/{class}`.
pub async fn assign(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, class)): WebPath<(u64, u64)>,
    WebForm(fields): WebForm<AssignFields>,
) -> Result<Response, WebError> {
    let form = TaskForm {
        audience: fields.pour.clone(),
        pupils: fields
            .eleves
            .iter()
            .filter_map(|p| p.parse().ok().map(UserId))
            .collect(),
        opens: fields.ouverture.clone(),
        due: fields.fin.clone(),
        mode: fields.mode.clone(),
        easier_for: fields.plus_facile.clone(),
    };
    match state
        .app
        .set_task(&me.current.subject, SequenceId(id), ClassId(class), &form)
    {
        Ok(_) => Ok(redirect(&with(paths::EXERCISE_CLASS, class))),
        Err(AppError::Invalid(p)) => {
            assign_page(&state, &csrf, &me, id, class, fields, Some(refusal(&p)))
        }
        Err(e) => Err(e.into()),
    }
}

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

/// `GET /exercices/classe/{id}`: the grid of pupils × exercises, the pupils needing help
/// and the tasks set.
pub async fn class_results(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let grid: Grid = state.app.class_grid(subject, ClassId(id))?;
    let tasks = state.app.class_tasks(subject, ClassId(id))?;
    render(GridView {
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

/// `POST /exercices/sequences/{id}/copier`: copies a colleague's sequence to adapt it.
pub async fn copy(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let copy = state
        .app
        .copy_sequence(&me.current.subject, SequenceId(id))?;
    Ok(redirect(&with(paths::EXERCISE_SEQUENCE, copy.id)))
}

/// `GET /exercices/sequences/{id}/exporter`: the sequence as a file for other schools.
pub async fn export(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
) -> Result<Response, WebError> {
    let (name, bytes) = state
        .app
        .export_sequence(&me.current.subject, SequenceId(id))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The licence of a publication, as sent.
#[derive(Deserialize, Default)]
pub struct PublishFields {
    #[serde(default)]
    licence: String,
}

/// `POST /exercices/sequences/{id}/publier`: publishes the sequence to the library.
pub async fn publish(
    State(state): State<WebState>,
    me: Me,
    WebPath(id): WebPath<u64>,
    WebForm(fields): WebForm<PublishFields>,
) -> Result<Response, WebError> {
    let resource =
        state
            .app
            .publish_sequence(&me.current.subject, SequenceId(id), &fields.licence)?;
    Ok(redirect(&with(paths::RESOURCE, resource)))
}

/// `POST /exercices/importer` (multipart, field `fichier`): imports a sequence file.
pub async fn import(
    State(state): State<WebState>,
    me: Me,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    state.app.check_exercise_bank(subject)?;
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadForm(e.to_string());
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        if field.name() == Some("fichier") {
            let name = field.file_name().unwrap_or("exercices.zip").to_string();
            file = Some(crate::upload::receive(&state.app, &name, field).await?);
        }
    }
    let file = file.ok_or(WebError::App(AppError::Invalid(Problem::NoFile)))?;
    let sequence = state.app.import_sequence(subject, &file)?;
    Ok(redirect(&with(paths::EXERCISE_SEQUENCE, sequence.id)))
}
