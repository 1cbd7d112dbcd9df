//! The pupil's side: the list of what is to do and what is done, the lesson, one question
//! per screen with a progress bar, marking at once (training: feedback, hint and another
//! try; assessment: one try, results at the end), rounds to start again in training.

use crate::bookings::today;
use crate::{App, AppError, Problem};
use preau_core::exercises::editor::shuffled;
use preau_core::exercises::{
    Attempt, ExerciseAnswers, MAX_ANSWER, MAX_PARTS, MAX_ROUNDS, Mode, Round, Try, marking,
};
use preau_core::{Exercise, Given, Question, RichText, Subject, Task, TaskId};
use preau_store::exercises as db;

/// A task on a pupil's list.
#[derive(Clone, Debug)]
pub struct TodoItem {
    /// The task.
    pub task: Task,
    /// Questions settled in the current (or last) round, and questions in all.
    pub progress: (usize, usize),
    /// Whether a round was finished.
    pub finished: bool,
    /// Right answers and questions of the round that counts, once finished.
    pub score: Option<(usize, usize)>,
}

/// One question on the pupil's screen.
#[derive(Clone, Debug)]
pub struct QuestionScreen {
    /// The task.
    pub task: Task,
    /// The exercise.
    pub exercise: Exercise,
    /// The question.
    pub question: Question,
    /// The round (0-based).
    pub round: usize,
    /// The exercise's place in the task (0-based).
    pub exercise_index: usize,
    /// The question's place in the exercise (0-based).
    pub question_index: usize,
    /// Questions settled before this one, and questions in all.
    pub progress: (usize, usize),
    /// Tries already made at this question in this round.
    pub tries: usize,
    /// The order choices, right items or items to order are shown in (teacher's indexes).
    pub order: Vec<usize>,
}

/// One question in the results of a finished round.
#[derive(Clone, Debug)]
pub struct ResultLine {
    /// The question's prompt.
    pub prompt: String,
    /// Whether the answer counted as right.
    pub right: bool,
    /// The pupil's last answer, as text.
    pub given: String,
    /// The right answer.
    pub correction: String,
}

/// Where a pupil is in a task.
#[derive(Clone, Debug)]
pub enum Step {
    /// Not started: the lesson, then « Commencer ».
    Lesson {
        /// The task.
        task: Task,
        /// The sequence's lesson.
        lesson: RichText,
    },
    /// A question to answer.
    Question(Box<QuestionScreen>),
    /// The last round is finished: its results.
    Finished {
        /// The task.
        task: Task,
        /// Per exercise: its title and its questions' results.
        results: Vec<(String, Vec<ResultLine>)>,
        /// Right answers (as counted: first tries) and questions.
        score: (usize, usize),
        /// Questions answered right in the end, after retries.
        found: usize,
        /// Whether another round may be started (training).
        may_start_again: bool,
        /// The sequence's lesson, to read again.
        lesson: RichText,
    },
}

/// What the pupil is told after answering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feedback {
    /// Right.
    Right {
        /// The round is finished.
        finished: bool,
    },
    /// Wrong, in training mode.
    Wrong {
        /// The teacher's hint.
        hint: String,
        /// Whether the pupil may try again.
        try_again: bool,
        /// The right answer, once out of tries.
        correction: Option<String>,
        /// The round is finished.
        finished: bool,
    },
    /// Assessment: recorded, results at the end.
    Recorded {
        /// The round is finished.
        finished: bool,
    },
}

/// Refuses answers longer or larger than any question allows.
fn check_size(given: &Given) -> Result<(), AppError> {
    let long = |t: &String| t.chars().count() > MAX_ANSWER;
    let ok = match given {
        Given::Choice(v) | Given::Order(v) => v.len() <= MAX_PARTS,
        Given::Matching(v) => v.len() <= MAX_PARTS,
        Given::Blanks(v) => v.len() <= MAX_PARTS && !v.iter().any(long),
        Given::Short(t) => !long(t),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::Invalid(Problem::TooLong("réponse")))
    }
}

/// How many things a question shows in shuffled order.
fn parts(question: &Question) -> usize {
    use preau_core::QuestionKind::*;
    match &question.kind {
        Choice { choices, .. } => choices.len(),
        Matching { pairs } => pairs.len(),
        Order { items } => items.len(),
        Blanks { .. } | Short { .. } => 0,
    }
}

impl App {
    /// A task `me` must do, open today.
    fn open_task_for(&self, me: &Subject, id: TaskId) -> Result<Task, AppError> {
        let task = self.load_task(id)?;
        if !self.does_task(me, &task) {
            return Err(AppError::NotFound);
        }
        if !task.open_on(today(self.now())) {
            return Err(AppError::Invalid(Problem::TaskClosed));
        }
        Ok(task)
    }

    /// The tasks open to `me` (a pupil): those to do first (soonest due), then those done
    /// (newest first).
    pub fn my_tasks(&self, me: &Subject) -> Result<Vec<TodoItem>, AppError> {
        let day = today(self.now());
        let r = self.store.read()?;
        let mut items = Vec::new();
        for task in db::tasks_of_pupil(&r, me.user)? {
            if !task.open_on(day) || !self.does_task(me, &task) {
                continue;
            }
            let attempt = db::attempt_of(&r, task.id, me.user)?;
            let finished = attempt
                .as_ref()
                .is_some_and(|a| a.rounds.iter().any(|r| r.finished_at.is_some()));
            let progress = attempt
                .as_ref()
                .and_then(|a| a.rounds.last())
                .map(|round| round.progress(task.mode))
                .unwrap_or((0, 0));
            let score = attempt
                .as_ref()
                .and_then(Attempt::counted_round)
                .filter(|r| r.finished_at.is_some())
                .map(round_score);
            items.push(TodoItem {
                task,
                progress,
                finished,
                score,
            });
        }
        items.sort_by(|a, b| {
            (a.finished, a.task.due, std::cmp::Reverse(a.task.created_at)).cmp(&(
                b.finished,
                b.task.due,
                std::cmp::Reverse(b.task.created_at),
            ))
        });
        Ok(items)
    }

    /// Where `me` is in a task.
    pub fn step(&self, me: &Subject, id: TaskId) -> Result<Step, AppError> {
        let task = self.open_task_for(me, id)?;
        let lesson = self
            .load_sequence(task.sequence)
            .map(|s| s.lesson)
            .unwrap_or_default();
        let r = self.store.read()?;
        let Some(attempt) = db::attempt_of(&r, task.id, me.user)? else {
            return Ok(Step::Lesson { task, lesson });
        };
        let Some(round) = attempt.rounds.last() else {
            return Ok(Step::Lesson { task, lesson });
        };
        let round_index = attempt.rounds.len() - 1;
        if let Some((e, q)) = round.position(task.mode) {
            let answers = &round.exercises[e];
            let exercise = r
                .get::<Exercise>(answers.exercise.0)?
                .ok_or(AppError::NotFound)?;
            let question = exercise
                .questions
                .get(q)
                .cloned()
                .ok_or(AppError::NotFound)?;
            let seed = task.id.0 ^ me.user.0.rotate_left(17) ^ ((e as u64) << 40 | q as u64);
            let (done, all) = round.progress(task.mode);
            return Ok(Step::Question(Box::new(QuestionScreen {
                order: shuffled(parts(&question), seed),
                tries: answers.answers[q].tries.len(),
                task,
                exercise,
                question,
                round: round_index,
                exercise_index: e,
                question_index: q,
                progress: (done, all),
            })));
        }
        let mut results = Vec::new();
        for answers in &round.exercises {
            let Some(exercise) = r.get::<Exercise>(answers.exercise.0)? else {
                continue;
            };
            let lines = exercise
                .questions
                .iter()
                .zip(&answers.answers)
                .map(|(q, a)| {
                    let given = a
                        .tries
                        .last()
                        .map(|t| marking::describe(q, &t.given))
                        .unwrap_or_default();
                    ResultLine {
                        prompt: q.prompt.clone(),
                        right: a.counted() == Some(true),
                        given,
                        correction: marking::correction(q),
                    }
                })
                .collect();
            results.push((exercise.title, lines));
        }
        let may_start_again = task.mode == Mode::Training && attempt.rounds.len() < MAX_ROUNDS;
        let found = round
            .exercises
            .iter()
            .flat_map(|e| &e.answers)
            .filter(|a| a.right_in_the_end())
            .count();
        Ok(Step::Finished {
            score: round_score(round),
            found,
            task,
            results,
            may_start_again,
            lesson,
        })
    }

    /// Starts a round (the first, or another one in training once the last is finished);
    /// does nothing while a round is under way.
    pub fn start_round(&self, me: &Subject, id: TaskId) -> Result<(), AppError> {
        let task = self.open_task_for(me, id)?;
        let now = self.now();
        self.store.write(|w| -> Result<_, AppError> {
            let mut attempt = db::attempt_of(w, task.id, me.user)?.unwrap_or(Attempt {
                task: task.id,
                pupil: me.user,
                class: task.class,
                rounds: Vec::new(),
            });
            if attempt
                .rounds
                .last()
                .is_some_and(|r| r.finished_at.is_none())
            {
                return Ok(());
            }
            let allowed = match task.mode {
                Mode::Assessment => attempt.rounds.is_empty(),
                Mode::Training => attempt.rounds.len() < MAX_ROUNDS,
            };
            if !allowed {
                return Err(AppError::Invalid(Problem::AlreadyAnswered));
            }
            let mut exercises = Vec::new();
            for id in task.exercises_for(me.user) {
                let Some(exercise) = w.get::<Exercise>(id.0)? else {
                    continue;
                };
                if exercise.questions.is_empty() {
                    continue;
                }
                exercises.push(ExerciseAnswers {
                    exercise: exercise.id,
                    answers: vec![Default::default(); exercise.questions.len()],
                });
            }
            if exercises.is_empty() {
                return Err(AppError::Invalid(Problem::NothingToDo));
            }
            attempt.rounds.push(Round {
                started_at: now,
                finished_at: None,
                exercises,
            });
            w.put(&attempt)?;
            Ok(())
        })
    }

    /// Marks `me`'s answer to the question at (`round`, `exercise`, `question`), which must
    /// be the one on the screen; records it and says what to tell the pupil.
    pub fn answer(
        &self,
        me: &Subject,
        id: TaskId,
        at: (usize, usize, usize),
        given: Given,
    ) -> Result<Feedback, AppError> {
        check_size(&given)?;
        let task = self.open_task_for(me, id)?;
        let (round_index, e, q) = at;
        let now = self.now();
        self.store.write(|w| -> Result<_, AppError> {
            let mut attempt = db::attempt_of(w, task.id, me.user)?
                .ok_or(AppError::Invalid(Problem::AlreadyAnswered))?;
            let current = attempt.rounds.len().checked_sub(1);
            let round = attempt
                .rounds
                .last_mut()
                .filter(|r| current == Some(round_index) && r.position(task.mode) == Some((e, q)))
                .ok_or(AppError::Invalid(Problem::AlreadyAnswered))?;
            let exercise = w
                .get::<Exercise>(round.exercises[e].exercise.0)?
                .ok_or(AppError::NotFound)?;
            let question = exercise.questions.get(q).ok_or(AppError::NotFound)?;
            let right = marking::mark(question, &given);
            let answer = &mut round.exercises[e].answers[q];
            answer.tries.push(Try {
                given,
                right,
                at: now,
            });
            let out_of_tries = answer.settled(task.mode) && !right;
            let finished = round.position(task.mode).is_none();
            if finished {
                round.finished_at = Some(now);
            }
            let feedback = match (task.mode, right) {
                (Mode::Assessment, _) => Feedback::Recorded { finished },
                (Mode::Training, true) => Feedback::Right { finished },
                (Mode::Training, false) => Feedback::Wrong {
                    hint: question.hint.clone(),
                    try_again: !out_of_tries,
                    correction: out_of_tries.then(|| marking::correction(question)),
                    finished,
                },
            };
            w.put(&attempt)?;
            if finished {
                self.refresh_summary(w, me.user)?;
            }
            Ok(feedback)
        })
    }
}

/// Right answers (as counted) and questions of a round.
pub(crate) fn round_score(round: &Round) -> (usize, usize) {
    round
        .exercises
        .iter()
        .map(ExerciseAnswers::score)
        .fold((0, 0), |(r, t), (r2, t2)| (r + r2, t + t2))
}
