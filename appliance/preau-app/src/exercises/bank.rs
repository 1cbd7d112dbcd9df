//! The school's exercise bank: sequences (a lesson and exercises) and exercises (questions
//! of five kinds, with pictures and sounds), written by teachers, changed only by their
//! author (and the headteacher).

use crate::documents::Received;
use crate::logbook::rich;
use crate::media::{self, Inline};
use crate::previews::media_error;
use crate::{App, AppError, Problem};
use preau_core::exercises::{
    DEFAULT_MASTERY_AFTER, MAX_EXERCISES, MAX_LESSON, MAX_PROMPT, MAX_QUESTIONS, MAX_TITLE, Media,
    Tolerance, competences, editor,
};
use preau_core::{
    Action, BlobId, Discipline, Exercise, ExerciseId, Level, Object, Question, QuestionKind,
    Sequence, SequenceId, Subject, UserId, can,
};
use preau_store::schema::random_u64;
use preau_store::{StoreError, Writer};
use std::io::BufReader;

/// What a teacher types to create or change a sequence.
#[derive(Clone, Debug, Default)]
pub struct SequenceForm {
    /// Its title.
    pub title: String,
    /// The lesson shown before the exercises (plain text or HTML, sanitised).
    pub lesson: String,
    /// The levels it is for.
    pub levels: Vec<Level>,
    /// Its subject.
    pub discipline: Option<Discipline>,
}

/// What a teacher types to create or change an exercise.
#[derive(Clone, Debug, Default)]
pub struct ExerciseForm {
    /// Its title.
    pub title: String,
    /// The instruction shown above every question.
    pub instruction: String,
    /// The competence code ([`competences::ALL`]); empty: none.
    pub competence: String,
    /// Right answers in a row that make it mastered ("3"); empty: the default.
    pub mastery_after: String,
    /// The easier variant's id; empty: none.
    pub easier: String,
}

/// What a teacher types to create or change a question.
#[derive(Clone, Debug, Default)]
pub struct QuestionForm {
    /// The kind code ([`preau_core::exercises::KINDS`]).
    pub kind: String,
    /// What is asked.
    pub prompt: String,
    /// The answers, in the kind's syntax ([`editor`]).
    pub answers: String,
    /// A hint shown after a wrong answer in training mode.
    pub hint: String,
    /// Short answers compared as numbers.
    pub numeric: bool,
    /// Accents forgiven in typed answers.
    pub accents_forgiven: bool,
    /// Case forgiven in typed answers.
    pub case_forgiven: bool,
    /// Drop the question's picture.
    pub remove_image: bool,
    /// Drop the question's sound.
    pub remove_audio: bool,
}

/// A sequence with its exercises, as a teacher sees it in the bank.
#[derive(Clone, Debug)]
pub struct SequenceView {
    /// The sequence.
    pub sequence: Sequence,
    /// Its exercises, in order.
    pub exercises: Vec<Exercise>,
    /// Its author's name.
    pub author: String,
    /// Whether the person may change it.
    pub may_edit: bool,
}

/// What the bank's edits need of a sequence or an exercise.
trait BankItem: preau_store::Record {
    /// The UAI of its school.
    fn school(&self) -> &str;
    /// Who wrote it.
    fn author(&self) -> UserId;
    /// Records a change at `now`.
    fn touch(&mut self, now: i64);
    /// The library resources it appears in (a published sequence, or the published
    /// sequences holding an exercise), whose search text follows its changes.
    fn published_as(&self, w: &Writer) -> Result<Vec<preau_core::ResourceId>, StoreError>;
}

impl BankItem for Sequence {
    fn school(&self) -> &str {
        &self.school
    }
    fn author(&self) -> UserId {
        self.author
    }
    fn touch(&mut self, now: i64) {
        self.updated_at = now;
    }
    fn published_as(&self, _: &Writer) -> Result<Vec<preau_core::ResourceId>, StoreError> {
        Ok(self.published.into_iter().collect())
    }
}

impl BankItem for Exercise {
    fn school(&self) -> &str {
        &self.school
    }
    fn author(&self) -> UserId {
        self.author
    }
    fn touch(&mut self, now: i64) {
        self.updated_at = now;
    }
    fn published_as(&self, w: &Writer) -> Result<Vec<preau_core::ResourceId>, StoreError> {
        Ok(w.all::<Sequence>()?
            .into_iter()
            .filter(|s| s.exercises.contains(&self.id))
            .filter_map(|s| s.published)
            .collect())
    }
}

/// Checks a title and returns it trimmed.
pub(crate) fn title_of(text: &str) -> Result<String, AppError> {
    let title = text.trim();
    if title.is_empty() {
        return Err(AppError::Invalid(Problem::Missing("titre")));
    }
    within(title, MAX_TITLE, "titre")?;
    Ok(title.to_string())
}

/// Refuses a text longer than `max` characters.
pub(crate) fn within(text: &str, max: usize, field: &'static str) -> Result<(), AppError> {
    if text.chars().count() > max {
        return Err(AppError::Invalid(Problem::TooLong(field)));
    }
    Ok(())
}

impl App {
    /// Whether `me` may browse and write in the school's exercise bank.
    pub fn may_use_exercise_bank(&self, me: &Subject) -> bool {
        self.directory().can_on_school(me, Action::ViewExerciseBank)
    }

    /// Refuses (403) anyone who may not use the exercise bank.
    pub fn check_exercise_bank(&self, me: &Subject) -> Result<(), AppError> {
        if self.may_use_exercise_bank(me) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether `me` may change this exercise.
    pub fn may_edit_exercise_of(&self, me: &Subject, exercise: &Exercise) -> bool {
        self.may_edit_exercise(me, exercise.author)
    }

    /// Whether `me` may change what `author` wrote in the bank.
    pub(crate) fn may_edit_exercise(&self, me: &Subject, author: UserId) -> bool {
        can(
            me,
            Action::EditExercise,
            &Object::Resource {
                published_by: author,
                school: self.directory().uai(),
            },
        )
    }

    fn sequence_view(&self, me: &Subject, sequence: Sequence) -> Result<SequenceView, AppError> {
        let r = self.store.read()?;
        let mut exercises = Vec::new();
        for id in &sequence.exercises {
            if let Some(e) = r.get::<Exercise>(id.0)? {
                exercises.push(e);
            }
        }
        let author = self.name_of(sequence.author);
        Ok(SequenceView {
            may_edit: self.may_edit_exercise(me, sequence.author),
            sequence,
            exercises,
            author,
        })
    }

    /// A person's full name, or « Un enseignant » when the account is gone.
    pub(crate) fn name_of(&self, user: UserId) -> String {
        self.directory()
            .user(user)
            .map(|u| u.full_name())
            .unwrap_or_else(|| "Un enseignant".into())
    }

    /// The school's sequences: those `me` wrote first, then by title.
    pub fn sequences(&self, me: &Subject) -> Result<Vec<SequenceView>, AppError> {
        self.check_exercise_bank(me)?;
        let uai = self.directory().uai().to_string();
        let mut list: Vec<Sequence> = self
            .store
            .read()?
            .all::<Sequence>()?
            .into_iter()
            .filter(|s| s.school == uai)
            .collect();
        list.sort_by(|a, b| {
            (a.author != me.user, a.title.to_lowercase())
                .cmp(&(b.author != me.user, b.title.to_lowercase()))
        });
        list.into_iter()
            .map(|s| self.sequence_view(me, s))
            .collect()
    }

    /// A sequence of the bank with its exercises.
    pub fn sequence(&self, me: &Subject, id: SequenceId) -> Result<SequenceView, AppError> {
        self.check_exercise_bank(me)?;
        let sequence = self.load_sequence(id)?;
        self.sequence_view(me, sequence)
    }

    /// A sequence of this school, whoever asks (access is checked by the callers).
    pub(crate) fn load_sequence(&self, id: SequenceId) -> Result<Sequence, AppError> {
        self.store
            .read()?
            .get::<Sequence>(id.0)?
            .filter(|s| s.school == self.directory().uai())
            .ok_or(AppError::NotFound)
    }

    /// An exercise of this school, whoever asks (access is checked by the callers).
    pub(crate) fn load_exercise(&self, id: ExerciseId) -> Result<Exercise, AppError> {
        self.store
            .read()?
            .get::<Exercise>(id.0)?
            .filter(|e| e.school == self.directory().uai())
            .ok_or(AppError::NotFound)
    }

    /// An exercise of the bank.
    pub fn exercise(&self, me: &Subject, id: ExerciseId) -> Result<Exercise, AppError> {
        self.check_exercise_bank(me)?;
        self.load_exercise(id)
    }

    /// Whether pupils have answered an exercise already: then its questions can no longer be
    /// deleted, moved or changed into another kind (answers are kept by question).
    pub fn exercise_answered(&self, me: &Subject, id: ExerciseId) -> Result<bool, AppError> {
        self.check_exercise_bank(me)?;
        Ok(preau_store::exercises::exercise_answered(
            &self.store.read()?,
            id,
        )?)
    }

    /// The exercises of the bank `me` may pick as an easier variant of `of`.
    pub fn easier_candidates(
        &self,
        me: &Subject,
        of: ExerciseId,
    ) -> Result<Vec<Exercise>, AppError> {
        self.check_exercise_bank(me)?;
        let uai = self.directory().uai().to_string();
        let mut list: Vec<Exercise> = self
            .store
            .read()?
            .all::<Exercise>()?
            .into_iter()
            .filter(|e| e.school == uai && e.id != of)
            .collect();
        list.sort_by_key(|e| e.title.to_lowercase());
        Ok(list)
    }

    /// Creates a sequence in the bank.
    pub fn create_sequence(&self, me: &Subject, form: &SequenceForm) -> Result<Sequence, AppError> {
        self.check_exercise_bank(me)?;
        let now = self.now();
        let mut sequence = Sequence {
            id: SequenceId(random_u64()),
            school: self.directory().uai().to_string(),
            title: String::new(),
            lesson: rich(""),
            exercises: Vec::new(),
            levels: Vec::new(),
            discipline: None,
            author: me.user,
            published: None,
            created_at: now,
            updated_at: now,
        };
        apply_sequence(&mut sequence, form)?;
        self.store.write(|w| -> Result<_, AppError> {
            w.put(&sequence)?;
            Ok(sequence)
        })
    }

    /// Changes a sequence's title, lesson, levels and subject.
    pub fn update_sequence(
        &self,
        me: &Subject,
        id: SequenceId,
        form: &SequenceForm,
    ) -> Result<Sequence, AppError> {
        self.edit_sequence(me, id, |s, _| apply_sequence(s, form))
    }

    /// Reads a sequence `me` may change, applies `change` and saves it, in one transaction.
    fn edit_sequence(
        &self,
        me: &Subject,
        id: SequenceId,
        change: impl FnOnce(&mut Sequence, &mut Writer) -> Result<(), AppError>,
    ) -> Result<Sequence, AppError> {
        self.edit_item(me, id.0, change)
    }

    /// Reads a sequence or an exercise of this school that `me` may change, applies
    /// `change`, stamps it and saves it, in one transaction.
    fn edit_item<T: BankItem>(
        &self,
        me: &Subject,
        key: u64,
        change: impl FnOnce(&mut T, &mut Writer) -> Result<(), AppError>,
    ) -> Result<T, AppError> {
        self.check_exercise_bank(me)?;
        self.store.write(|w| -> Result<_, AppError> {
            let mut item = w
                .get::<T>(key)?
                .filter(|i| i.school() == self.directory().uai())
                .ok_or(AppError::NotFound)?;
            if !self.may_edit_exercise(me, item.author()) {
                return Err(AppError::Forbidden);
            }
            change(&mut item, w)?;
            item.touch(self.now());
            w.put(&item)?;
            for resource in item.published_as(w)? {
                if let Some(r) = w.get::<preau_core::Resource>(resource.0)? {
                    // Written again unchanged: the search index reads the new text.
                    w.put(&r)?;
                }
            }
            Ok(item)
        })
    }

    /// Creates an exercise at the end of a sequence.
    pub fn add_exercise(
        &self,
        me: &Subject,
        sequence: SequenceId,
        form: &ExerciseForm,
    ) -> Result<Exercise, AppError> {
        let now = self.now();
        let mut exercise = Exercise {
            id: ExerciseId(random_u64()),
            school: self.directory().uai().to_string(),
            title: String::new(),
            instruction: String::new(),
            questions: Vec::new(),
            levels: Vec::new(),
            discipline: None,
            competence: None,
            mastery_after: DEFAULT_MASTERY_AFTER,
            easier: None,
            author: me.user,
            copied_from: None,
            created_at: now,
            updated_at: now,
        };
        self.edit_sequence(me, sequence, |s, w| {
            if s.exercises.len() >= MAX_EXERCISES {
                return Err(AppError::Invalid(Problem::TooLong("séquence")));
            }
            apply_exercise(&mut exercise, form, w)?;
            exercise.levels = s.levels.clone();
            exercise.discipline = s.discipline;
            s.exercises.push(exercise.id);
            w.put(&exercise)?;
            Ok(())
        })?;
        Ok(exercise)
    }

    /// Changes an exercise's title, instruction, competence, mastery rule and easier
    /// variant.
    pub fn update_exercise(
        &self,
        me: &Subject,
        id: ExerciseId,
        form: &ExerciseForm,
    ) -> Result<Exercise, AppError> {
        self.edit_exercise(me, id, |e, w| apply_exercise(e, form, w))
    }

    /// Reads an exercise `me` may change, applies `change` and saves it, in one transaction.
    fn edit_exercise(
        &self,
        me: &Subject,
        id: ExerciseId,
        change: impl FnOnce(&mut Exercise, &mut Writer) -> Result<(), AppError>,
    ) -> Result<Exercise, AppError> {
        self.edit_item(me, id.0, change)
    }

    /// Adds a question at the end of an exercise (`index` None) or replaces question
    /// `index`, with an optional new picture and sound.
    pub fn save_question(
        &self,
        me: &Subject,
        id: ExerciseId,
        index: Option<usize>,
        form: &QuestionForm,
        image: Option<&Received>,
        audio: Option<&Received>,
    ) -> Result<Exercise, AppError> {
        self.save_question_with_pictures(me, id, index, form, image, audio, &[])
    }

    /// [`App::save_question`] with pictures for the choices of a multiple-choice question,
    /// in the choices' order (none sent: each choice keeps the picture it had, found by its
    /// text).
    #[allow(clippy::too_many_arguments)]
    pub fn save_question_with_pictures(
        &self,
        me: &Subject,
        id: ExerciseId,
        index: Option<usize>,
        form: &QuestionForm,
        image: Option<&Received>,
        audio: Option<&Received>,
        choice_pictures: &[Received],
    ) -> Result<Exercise, AppError> {
        let image = image.map(|r| checked_media(r, Inline::Image)).transpose()?;
        let audio = audio.map(|r| checked_media(r, Inline::Audio)).transpose()?;
        let pictures = choice_pictures
            .iter()
            .map(|r| checked_media(r, Inline::Image))
            .collect::<Result<Vec<_>, _>>()?;
        self.edit_exercise(me, id, |e, w| {
            let old = match index {
                Some(i) => Some(e.questions.get(i).ok_or(AppError::NotFound)?.clone()),
                None if e.questions.len() >= MAX_QUESTIONS => {
                    return Err(AppError::Invalid(Problem::TooLong("exercice")));
                }
                None => None,
            };
            let question = question_of(form, old.as_ref(), image, audio, pictures)?;
            if old
                .as_ref()
                .is_some_and(|old| old.kind.code() != question.kind.code())
            {
                refuse_if_answered(w, id)?;
            }
            match index {
                Some(i) => e.questions[i] = question,
                None => e.questions.push(question),
            }
            Ok(())
        })
    }

    /// Removes question `index` of an exercise.
    pub fn delete_question(
        &self,
        me: &Subject,
        id: ExerciseId,
        index: usize,
    ) -> Result<Exercise, AppError> {
        self.edit_exercise(me, id, |e, w| {
            if index >= e.questions.len() {
                return Err(AppError::NotFound);
            }
            refuse_if_answered(w, id)?;
            e.questions.remove(index);
            Ok(())
        })
    }

    /// Moves question `index` one place up (or down).
    pub fn move_question(
        &self,
        me: &Subject,
        id: ExerciseId,
        index: usize,
        up: bool,
    ) -> Result<Exercise, AppError> {
        self.edit_exercise(me, id, |e, w| {
            refuse_if_answered(w, id)?;
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            match other {
                Some(o) if o < e.questions.len() && index < e.questions.len() => {
                    e.questions.swap(index, o);
                    Ok(())
                }
                _ => Err(AppError::NotFound),
            }
        })
    }

    /// Removes an exercise from a sequence (the exercise stays in the bank, with the
    /// answers given to it).
    pub fn remove_exercise(
        &self,
        me: &Subject,
        sequence: SequenceId,
        exercise: ExerciseId,
    ) -> Result<Sequence, AppError> {
        self.edit_sequence(me, sequence, |s, _| {
            let before = s.exercises.len();
            s.exercises.retain(|e| *e != exercise);
            if s.exercises.len() == before {
                return Err(AppError::NotFound);
            }
            Ok(())
        })
    }

    /// A picture or sound of an exercise, for someone who may see the exercise: bank users,
    /// and pupils (and their teachers and parents) through a task that holds it.
    pub fn exercise_media(
        &self,
        me: &Subject,
        id: ExerciseId,
        blob: BlobId,
    ) -> Result<(Vec<u8>, String), AppError> {
        let exercise = self.load_exercise(id)?;
        if !self.may_use_exercise_bank(me) && !self.sees_exercise_through_task(me, id)? {
            return Err(AppError::NotFound);
        }
        let media = exercise
            .questions
            .iter()
            .flat_map(Question::media)
            .find(|m| m.blob == blob)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let file = self.open_blob(&blob)?;
        if media::inline_kind(&media.mime) == Some(Inline::Image) {
            let (bytes, mime) = self
                .derived
                .get_or_make(&blob, "preview", || {
                    media::reencode_image(BufReader::new(file), media::MAX_PIXELS)
                })
                .map_err(media_error)?;
            return Ok((bytes, mime.to_string()));
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut BufReader::new(file), &mut bytes)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok((bytes, media.mime))
    }
}

/// A received file as a question's picture or sound, refused when of the other kind.
fn checked_media(received: &Received, kind: Inline) -> Result<Media, AppError> {
    if !media_fits(&received.mime, kind) {
        return Err(AppError::Invalid(Problem::MediaKind));
    }
    Ok(Media {
        blob: received.blob.id,
        mime: received.mime.clone(),
    })
}

/// Whether a file of type `mime` may be a question's picture (`Inline::Image`) or sound
/// (`Inline::Audio`). A sound recorded in the browser comes in a WebM or MP4 container,
/// which the bytes alone call video: those are sounds too (played by an `<audio>` element).
pub(crate) fn media_fits(mime: &str, kind: Inline) -> bool {
    let found = media::inline_kind(mime);
    found == Some(kind)
        || (kind == Inline::Audio
            && found == Some(Inline::Video)
            && matches!(
                mime.split(';').next().unwrap_or("").trim(),
                "video/webm" | "video/mp4"
            ))
}

/// Builds a question from its form, keeping the old one's picture and sound unless
/// replaced or removed.
fn question_of(
    form: &QuestionForm,
    old: Option<&Question>,
    image: Option<Media>,
    audio: Option<Media>,
    choice_pictures: Vec<Media>,
) -> Result<Question, AppError> {
    let prompt = form.prompt.trim();
    within(prompt, MAX_PROMPT, "question")?;
    within(form.hint.trim(), MAX_PROMPT, "indice")?;
    if form.answers.chars().count() > MAX_PROMPT * 4 {
        return Err(AppError::Invalid(Problem::TooLong("réponses")));
    }
    let mut kind = editor::parse(&form.kind, &form.answers, form.numeric)
        .map_err(|e| AppError::Invalid(Problem::Question(e)))?;
    if let QuestionKind::Choice { choices, .. } = &mut kind {
        if choice_pictures.len() > choices.len() {
            return Err(AppError::Invalid(Problem::TooManyFiles(choices.len())));
        }
        let old_choices = match old.map(|q| &q.kind) {
            Some(QuestionKind::Choice { choices, .. }) => choices.as_slice(),
            _ => &[],
        };
        let mut pictures = choice_pictures.into_iter();
        for choice in choices.iter_mut() {
            choice.image = pictures.next().or_else(|| {
                old_choices
                    .iter()
                    .find(|c| c.text == choice.text)
                    .and_then(|c| c.image.clone())
            });
        }
    }
    let kept = |new: Option<Media>, remove: bool, old: Option<&Media>| {
        new.or_else(|| if remove { None } else { old.cloned() })
    };
    let audio = kept(audio, form.remove_audio, old.and_then(|q| q.audio.as_ref()));
    if prompt.is_empty() && audio.is_none() && !matches!(kind, QuestionKind::Blanks { .. }) {
        return Err(AppError::Invalid(Problem::Missing("question")));
    }
    Ok(Question {
        prompt: prompt.to_string(),
        image: kept(image, form.remove_image, old.and_then(|q| q.image.as_ref())),
        audio,
        hint: form.hint.trim().to_string(),
        kind,
        tolerance: Tolerance {
            accents: form.accents_forgiven,
            case: form.case_forgiven,
        },
    })
}

fn apply_sequence(sequence: &mut Sequence, form: &SequenceForm) -> Result<(), AppError> {
    sequence.title = title_of(&form.title)?;
    within(&form.lesson, MAX_LESSON, "leçon")?;
    sequence.lesson = rich(&form.lesson);
    let mut levels = form.levels.clone();
    levels.sort();
    levels.dedup();
    sequence.levels = levels;
    sequence.discipline = form.discipline;
    Ok(())
}

fn apply_exercise(
    exercise: &mut Exercise,
    form: &ExerciseForm,
    w: &Writer,
) -> Result<(), AppError> {
    exercise.title = title_of(&form.title)?;
    let instruction = form.instruction.trim();
    within(instruction, MAX_PROMPT, "consigne")?;
    exercise.instruction = instruction.to_string();
    exercise.competence = match form.competence.trim() {
        "" => None,
        code => Some(
            competences::find(code)
                .ok_or(AppError::Invalid(Problem::UnknownCompetence))?
                .code
                .to_string(),
        ),
    };
    exercise.mastery_after = match form.mastery_after.trim() {
        "" => DEFAULT_MASTERY_AFTER,
        n => n
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=20).contains(n))
            .ok_or(AppError::Invalid(Problem::Number("réussites d'affilée")))?,
    };
    exercise.easier = match form.easier.trim() {
        "" => None,
        id => {
            let id: ExerciseId = id
                .parse()
                .map_err(|_| AppError::Invalid(Problem::Number("variante")))?;
            let easier = w
                .get::<Exercise>(id.0)?
                .filter(|e| e.school == exercise.school && e.id != exercise.id)
                .ok_or(AppError::NotFound)?;
            Some(easier.id)
        }
    };
    Ok(())
}

/// Refuses a change that would move answers onto another question once pupils answered.
fn refuse_if_answered(w: &Writer, id: ExerciseId) -> Result<(), AppError> {
    if preau_store::exercises::exercise_answered(w, id)? {
        return Err(AppError::Invalid(Problem::QuestionsAnswered));
    }
    Ok(())
}
