//! The exercise bank in the browser: sequences, exercises, questions with their pictures
//! and sounds, setting a sequence to pupils, and sharing (copy, export, import, publish).

use crate::WebState;
use crate::error::{WebError, refusal};
use crate::forms::{WebForm, WebPath};
use crate::pages::{Layout, page_status, redirect, render_with};
use crate::paths::{self, with, with2};
use crate::session::{Csrf, Me};
use crate::upload::{FormReader, Part};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use preau_app::documents::Received;
use preau_app::exercises::{ExerciseForm, QuestionForm, SequenceForm, SequenceView, TaskForm};
use preau_app::{AppError, Problem};
use preau_core::exercises::{KINDS, Mode, competences, editor};
use preau_core::{
    BlobId, ClassId, Discipline, Exercise, ExerciseId, Level, QuestionKind, SequenceId, UserId,
};
use serde::Deserialize;

use super::media_url;

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
    script_url: String,
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
    answered: bool,
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
            script_url: state.assets.exercise_js_url.clone(),
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
            answered: state.app.exercise_answered(subject, exercise.id)?,
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
    multipart: Multipart,
) -> Result<(QuestionFields, bool, bool, QuestionFiles), WebError> {
    let mut fields = QuestionFields::default();
    let (mut remove_image, mut remove_audio) = (false, false);
    let mut files = QuestionFiles::default();
    let mut reader = FormReader::new(&state.app, multipart, &["image", "son", "images_choix"]);
    while let Some(part) = reader.next().await? {
        let (name, value) = match part {
            Part::File { name, received, .. } => {
                match name.as_str() {
                    "image" => files.image = Some(received),
                    "son" => files.audio = Some(received),
                    _ => files.choices.push(received),
                }
                continue;
            }
            Part::Text { name, value } => (name, value),
        };
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
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
) -> Result<Response, WebError> {
    let deleted = state
        .app
        .delete_question(&me.current.subject, ExerciseId(id), n);
    after_question_change(&state, &csrf, &me, id, deleted)
}

/// Back to the exercise after a question was deleted or moved; a refusal is shown on it.
fn after_question_change(
    state: &WebState,
    csrf: &str,
    me: &Me,
    id: u64,
    changed: Result<Exercise, AppError>,
) -> Result<Response, WebError> {
    match changed {
        Ok(_) => Ok(redirect(&with(paths::EXERCISE, id))),
        Err(AppError::Invalid(p)) => {
            let exercise = state.app.exercise(&me.current.subject, ExerciseId(id))?;
            exercise_page(
                state,
                csrf,
                me,
                &exercise,
                None,
                None,
                None,
                Some(refusal(&p)),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Which way a question moves.
#[derive(Deserialize)]
pub struct MoveFields {
    sens: String,
}

/// `POST /exercices/exercice/{id}/question/{n}/deplacer`.
pub async fn move_question(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebPath((id, n)): WebPath<(u64, usize)>,
    WebForm(fields): WebForm<MoveFields>,
) -> Result<Response, WebError> {
    let moved = state.app.move_question(
        &me.current.subject,
        ExerciseId(id),
        n,
        fields.sens == "haut",
    );
    after_question_change(&state, &csrf, &me, id, moved)
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
    Ok(crate::pages::documents::picture(bytes, &mime))
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
    multipart: Multipart,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    state.app.check_exercise_bank(subject)?;
    let mut file = None;
    let mut reader = FormReader::new(&state.app, multipart, &["fichier"]);
    while let Some(part) = reader.next().await? {
        if let Part::File { received, .. } = part {
            file = Some(received);
        }
    }
    let file = file.ok_or(WebError::App(AppError::Invalid(Problem::NoFile)))?;
    let sequence = state.app.import_sequence(subject, &file)?;
    Ok(redirect(&with(paths::EXERCISE_SEQUENCE, sequence.id)))
}
