//! Exercises: what teachers prepare, what pupils answer, and how answers are marked.
//!
//! A teacher writes [`Exercise`]s (a few [`Question`]s each, of five kinds) and groups them
//! into a [`Sequence`] that opens with a short lesson. The sequence is set to a class, a
//! group or chosen pupils as a [`Task`] (opening and due dates, training or assessment
//! [`Mode`], an easier variant for some pupils). A pupil's answers to a task are one
//! [`Attempt`] record made of rounds (training allows several); [`marking`] decides whether
//! an answer is right, [`mastery`] turns answers into mastery and the livret scolaire's four
//! levels, [`editor`] reads what teachers type into questions.

pub mod competences;
pub mod editor;
pub mod marking;
pub mod mastery;

use crate::logbook::{RichText, mix};
use crate::{BlobId, ClassId, Discipline, Level, UserId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// An exercise of the school's bank.
    ExerciseId
);
crate::ids::id_type!(
    /// A sequence: a lesson and the exercises that follow it.
    SequenceId
);
crate::ids::id_type!(
    /// A sequence set to pupils.
    TaskId
);

/// The longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest question prompt, instruction or hint, in characters.
pub const MAX_PROMPT: usize = 2_000;
/// The longest lesson, in characters.
pub const MAX_LESSON: usize = 20_000;
/// The longest answer a pupil may give or a teacher may accept, in characters.
pub const MAX_ANSWER: usize = 200;
/// The most questions in one exercise.
pub const MAX_QUESTIONS: usize = 40;
/// The most choices, blanks, pairs or items in one question.
pub const MAX_PARTS: usize = 20;
/// The most accepted variants for one blank or answer.
pub const MAX_VARIANTS: usize = 10;
/// The most exercises in one sequence.
pub const MAX_EXERCISES: usize = 30;
/// The most rounds a pupil may start on one task in training mode.
pub const MAX_ROUNDS: usize = 30;
/// The most tries on one question within a round in training mode.
pub const MAX_TRIES: usize = 3;

/// A picture or a sound attached to a question or a choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// Its content.
    pub blob: BlobId,
    /// Its media type (pictures are re-encoded; sounds are checked by their bytes).
    pub mime: String,
}

/// What is forgiven when comparing a typed answer with the accepted ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolerance {
    /// « é » and « e » count as the same letter.
    pub accents: bool,
    /// « Paris » and « paris » count as the same word.
    pub case: bool,
}

impl Default for Tolerance {
    /// Case forgiven, accents not: a dictée counts accents.
    fn default() -> Self {
        Tolerance {
            accents: false,
            case: true,
        }
    }
}

/// One choice of a multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What it says.
    pub text: String,
    /// A picture, if any.
    pub image: Option<Media>,
    /// Whether it is a right answer.
    pub right: bool,
}

/// A piece of a fill-in-the-blanks text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Segment {
    /// Text shown as is.
    Text(String),
    /// A blank and the answers accepted in it (the first is the one shown as the correction).
    Blank(Vec<String>),
}

/// The five kinds of question and what makes them right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionKind {
    /// Multiple choice: the right answer is exactly the set of right choices.
    Choice {
        /// The choices, in the order the teacher wrote them.
        choices: Vec<Choice>,
        /// Whether several choices may be right (check boxes instead of buttons).
        several: bool,
    },
    /// Fill in the blanks (texte à trous).
    Blanks {
        /// The text and its blanks, in order.
        segments: Vec<Segment>,
    },
    /// Matching (relier): each left item goes with the right item of its pair.
    Matching {
        /// The pairs, in the order the teacher wrote them.
        pairs: Vec<(String, String)>,
    },
    /// Putting in order (remettre dans l'ordre): the teacher's order is the right one.
    Order {
        /// The items, in the right order.
        items: Vec<String>,
    },
    /// A short answer typed by the pupil (calcul mental, dictée de mots).
    Short {
        /// The accepted answers (the first is the one shown as the correction).
        accepted: Vec<String>,
        /// Compared as numbers: « 12,5 », « 12.50 » and « 12,50 » are the same answer.
        numeric: bool,
    },
}

impl QuestionKind {
    /// The stable code of the kind, used in forms and files.
    pub fn code(&self) -> &'static str {
        match self {
            QuestionKind::Choice { .. } => "qcm",
            QuestionKind::Blanks { .. } => "trous",
            QuestionKind::Matching { .. } => "relier",
            QuestionKind::Order { .. } => "ordre",
            QuestionKind::Short { .. } => "reponse",
        }
    }

    /// The French name of the kind.
    pub fn label(&self) -> &'static str {
        kind_label(self.code()).unwrap_or("Question")
    }
}

/// The kinds teachers pick from: code and French name.
pub const KINDS: [(&str, &str); 5] = [
    ("qcm", "Choix multiple"),
    ("trous", "Texte à trous"),
    ("relier", "Relier"),
    ("ordre", "Remettre dans l'ordre"),
    ("reponse", "Réponse courte"),
];

/// The French name of a kind code.
pub fn kind_label(code: &str) -> Option<&'static str> {
    KINDS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// One question, shown alone on the pupil's screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// What is asked, plain text (it can be read aloud).
    pub prompt: String,
    /// A recorded or uploaded sound prompt, for pupils who cannot read yet.
    pub audio: Option<Media>,
    /// A picture shown with the prompt.
    pub image: Option<Media>,
    /// A hint shown after a wrong answer in training mode.
    pub hint: String,
    /// The kind and its right answers.
    pub kind: QuestionKind,
    /// What is forgiven in typed answers.
    pub tolerance: Tolerance,
}

impl Question {
    /// Its picture, its sound and its choices' pictures.
    pub fn media(&self) -> impl Iterator<Item = &Media> {
        let choices = match &self.kind {
            QuestionKind::Choice { choices, .. } => choices.as_slice(),
            _ => &[],
        };
        self.image
            .iter()
            .chain(&self.audio)
            .chain(choices.iter().filter_map(|c| c.image.as_ref()))
    }
}

/// An exercise of the school's bank: a few questions practising one skill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exercise {
    /// The exercise.
    pub id: ExerciseId,
    /// The UAI of its school.
    pub school: String,
    /// Its title.
    pub title: String,
    /// The instruction shown above every question (« Complète avec le bon mot. »).
    pub instruction: String,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// The levels it is meant for.
    pub levels: Vec<Level>,
    /// Its subject.
    pub discipline: Option<Discipline>,
    /// The national curriculum competence it practises (a code of [`competences::ALL`]).
    pub competence: Option<String>,
    /// Right answers in a row after which a pupil has mastered it.
    pub mastery_after: u8,
    /// The easier variant given to pupils who need it, if any.
    pub easier: Option<ExerciseId>,
    /// Who wrote it (owner).
    pub author: UserId,
    /// The exercise it was copied from, if any.
    pub copied_from: Option<ExerciseId>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
}

/// The default number of right answers in a row that makes an exercise mastered.
pub const DEFAULT_MASTERY_AFTER: u8 = 3;

/// A lesson and the exercises that follow it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// The sequence.
    pub id: SequenceId,
    /// The UAI of its school.
    pub school: String,
    /// Its title.
    pub title: String,
    /// The short lesson shown before the exercises.
    pub lesson: RichText,
    /// The exercises, in order.
    pub exercises: Vec<ExerciseId>,
    /// The levels it is meant for.
    pub levels: Vec<Level>,
    /// Its subject.
    pub discipline: Option<Discipline>,
    /// Who wrote it (owner).
    pub author: UserId,
    /// The library resource it was published as, if any.
    pub published: Option<crate::ResourceId>,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
}

/// How a task treats answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Immediate feedback, hints, retries, as many rounds as the pupil likes.
    Training,
    /// One round, one try per question; the pupil sees the results at the end.
    Assessment,
}

impl Mode {
    /// The stable code used in forms.
    pub fn code(self) -> &'static str {
        match self {
            Mode::Training => "entrainement",
            Mode::Assessment => "evaluation",
        }
    }

    /// The French name.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Training => "Entraînement",
            Mode::Assessment => "Évaluation",
        }
    }

    /// Parses [`Mode::code`].
    pub fn from_code(code: &str) -> Option<Mode> {
        [Mode::Training, Mode::Assessment]
            .into_iter()
            .find(|m| m.code() == code.trim())
    }
}

/// A sequence set to pupils of a class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The task.
    pub id: TaskId,
    /// The UAI of its school.
    pub school: String,
    /// The sequence.
    pub sequence: SequenceId,
    /// The sequence's title when it was set.
    pub title: String,
    /// The class it was set in.
    pub class: ClassId,
    /// The pupils who must do it, fixed when it was set.
    pub pupils: Vec<UserId>,
    /// The sequence's exercises when it was set.
    pub exercises: Vec<ExerciseId>,
    /// For each of them, its easier variant when it was set (itself when it had none).
    pub easier: Vec<ExerciseId>,
    /// The pupils who get the easier variants.
    pub easier_for: Vec<UserId>,
    /// The first day pupils see it.
    pub opens: Date,
    /// The day it is due.
    pub due: Date,
    /// Training or assessment.
    pub mode: Mode,
    /// Who set it.
    pub author: UserId,
    /// When it was set (Unix seconds).
    pub created_at: i64,
    /// Set when it was withdrawn: no longer shown, answers kept.
    pub withdrawn: bool,
}

impl Task {
    /// The exercises `pupil` does, in order: the sequence's, or their easier variants.
    pub fn exercises_for(&self, pupil: UserId) -> &[ExerciseId] {
        if self.easier_for.contains(&pupil) && self.easier.len() == self.exercises.len() {
            &self.easier
        } else {
            &self.exercises
        }
    }

    /// Whether pupils see it on `today`.
    pub fn open_on(&self, today: Date) -> bool {
        !self.withdrawn && self.opens <= today
    }
}

/// What a pupil gave as an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Given {
    /// The indexes of the choices ticked (teacher's order).
    Choice(Vec<usize>),
    /// The text typed in each blank, in order.
    Blanks(Vec<String>),
    /// For each left item (teacher's order), the index of the pair whose right item was
    /// chosen, if one was.
    Matching(Vec<Option<usize>>),
    /// The items' indexes (teacher's order) in the order the pupil put them.
    Order(Vec<usize>),
    /// The text typed.
    Short(String),
}

/// One try at a question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Try {
    /// What was given.
    pub given: Given,
    /// Whether marking found it right.
    pub right: bool,
    /// When (Unix seconds).
    pub at: i64,
}

/// A teacher's decision replacing the automatic mark of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// Right or wrong, as the teacher decided.
    pub right: bool,
    /// Who decided.
    pub by: UserId,
    /// When (Unix seconds).
    pub at: i64,
}

/// A pupil's tries at one question within a round.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The tries, oldest first (one in assessment mode).
    pub tries: Vec<Try>,
    /// The teacher's mark, replacing the first try's.
    pub overridden: Option<Override>,
}

impl Answer {
    /// The mark that counts: the teacher's, else the first try's; `None` before any try.
    pub fn counted(&self) -> Option<bool> {
        self.overridden
            .map(|o| o.right)
            .or_else(|| self.tries.first().map(|t| t.right))
    }

    /// Whether it was right in the end: the teacher's mark, else any try right (after
    /// retries in training).
    pub fn right_in_the_end(&self) -> bool {
        self.overridden
            .map(|o| o.right)
            .unwrap_or_else(|| self.tries.iter().any(|t| t.right))
    }

    /// Whether the question is behind the pupil: answered right, or out of tries.
    pub fn settled(&self, mode: Mode) -> bool {
        match mode {
            Mode::Assessment => !self.tries.is_empty(),
            Mode::Training => self.tries.iter().any(|t| t.right) || self.tries.len() >= MAX_TRIES,
        }
    }
}

/// A pupil's answers to one exercise within a round.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseAnswers {
    /// The exercise done (the easier variant when the pupil had it).
    pub exercise: ExerciseId,
    /// One per question, in order.
    pub answers: Vec<Answer>,
}

impl ExerciseAnswers {
    /// Right answers (as counted) and questions.
    pub fn score(&self) -> (usize, usize) {
        let right = self
            .answers
            .iter()
            .filter(|a| a.counted() == Some(true))
            .count();
        (right, self.answers.len())
    }

    /// Whether every question was answered.
    pub fn finished(&self) -> bool {
        self.answers.iter().all(|a| !a.tries.is_empty())
    }
}

/// One go through a task's exercises.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    /// When it started (Unix seconds).
    pub started_at: i64,
    /// When its last question was settled, if it was.
    pub finished_at: Option<i64>,
    /// Per exercise, in the task's order for this pupil.
    pub exercises: Vec<ExerciseAnswers>,
}

impl Round {
    /// The first question not settled yet: (exercise index, question index).
    pub fn position(&self, mode: Mode) -> Option<(usize, usize)> {
        self.exercises.iter().enumerate().find_map(|(e, ex)| {
            ex.answers
                .iter()
                .position(|a| !a.settled(mode))
                .map(|q| (e, q))
        })
    }

    /// Questions settled and questions in all.
    pub fn progress(&self, mode: Mode) -> (usize, usize) {
        let all = self.exercises.iter().map(|e| e.answers.len()).sum();
        let done = self
            .exercises
            .iter()
            .flat_map(|e| &e.answers)
            .filter(|a| a.settled(mode))
            .count();
        (done, all)
    }
}

/// A pupil's work on a task. One record per task and pupil.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The task.
    pub task: TaskId,
    /// The pupil.
    pub pupil: UserId,
    /// The task's class.
    pub class: ClassId,
    /// The rounds, oldest first.
    pub rounds: Vec<Round>,
}

impl Attempt {
    /// The record key of a task's attempt by a pupil.
    pub fn key_of(task: TaskId, pupil: UserId) -> u64 {
        mix(task.0 ^ mix(pupil.0 ^ 0x6578_6572_6369_6365))
    }

    /// The round that counts for results: the last finished one, else the current one.
    pub fn counted_round(&self) -> Option<&Round> {
        self.rounds
            .iter()
            .rev()
            .find(|r| r.finished_at.is_some())
            .or(self.rounds.last())
    }
}

/// A teacher's livret level for a pupil and a competence, replacing the computed one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelOverride {
    /// The pupil.
    pub pupil: UserId,
    /// The competence code.
    pub competence: String,
    /// The level decided.
    pub level: mastery::LivretLevel,
    /// Who decided.
    pub by: UserId,
    /// When (Unix seconds).
    pub at: i64,
}

impl LevelOverride {
    /// The record key of a pupil's override for a competence.
    pub fn key_of(pupil: UserId, competence: &str) -> u64 {
        let mut h = mix(pupil.0 ^ 0x6c69_7672_6574_0000);
        for b in competence.bytes() {
            h = mix(h ^ u64::from(b));
        }
        h
    }
}

/// A competence's line in a pupil's [`ResultsSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummarySkill {
    /// The competence code ([`competences::ALL`]).
    pub competence: String,
    /// The level that counts: the teacher's, else the computed one.
    pub level: Option<mastery::LivretLevel>,
    /// The level computed from the exercises.
    pub computed: Option<mastery::LivretLevel>,
    /// Whether the teacher set the level.
    pub overridden: bool,
    /// Exercises done for it, and how many are mastered.
    pub exercises: (u32, u32),
}

/// A task a pupil finished, in their [`ResultsSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneTask {
    /// The sequence's title.
    pub title: String,
    /// The day it was due.
    pub due: Date,
    /// Right answers (first tries, or the teacher's marks) and questions of the round that
    /// counts.
    pub score: (u32, u32),
}

/// What a pupil's family sees of their exercises: the livret levels and the tasks finished
/// lately. Kept in step by the box whenever a round ends or a teacher sets a mark or a
/// level; replicated (in the family's partition) so that parents see it at central too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsSummary {
    /// The pupil.
    pub pupil: UserId,
    /// The UAI of their school (partition).
    pub school: String,
    /// The competences practised or set by hand, in the programmes' order.
    pub skills: Vec<SummarySkill>,
    /// The tasks finished lately, newest first (at most ten).
    pub done: Vec<DoneTask>,
    /// When it was computed (Unix seconds).
    pub updated_at: i64,
}

impl ResultsSummary {
    /// The record key of a pupil's summary.
    pub fn key_of(pupil: UserId) -> u64 {
        mix(pupil.0 ^ 0x7265_7375_6c74_7300)
    }
}
