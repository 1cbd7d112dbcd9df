//! The teacher's side of results: the grid of pupils × exercises coloured by result, per
//! question statistics (which wrong answer came most), the pupils needing help, a pupil's
//! history, marks and livret levels set by hand, the CSV export; and the livret summary a
//! pupil's family sees.

use super::practice::round_score;
use crate::accounts::french_csv;
use crate::bookings::today;
use crate::{App, AppError, Problem};
use jiff::civil::Date;
use preau_core::exercises::competences::{self, Competence};
use preau_core::exercises::mastery::{self, LivretLevel, MasteryState, Standing};
use preau_core::exercises::{
    DoneTask, LevelOverride, Override, ResultsSummary, SummarySkill, marking,
};
use preau_core::{
    Action, Attempt, ClassId, Exercise, ExerciseId, Subject, Task, TaskId, User, UserId,
};
use preau_store::exercises as db;
use preau_store::{Tables, Writer};
use std::collections::{BTreeMap, HashMap};

/// A column of the grid: one exercise of one task.
#[derive(Clone, Debug)]
pub struct GridColumn {
    /// The task.
    pub task: Task,
    /// The exercise's place in the task.
    pub index: usize,
    /// The exercise's title.
    pub title: String,
}

/// A cell of the grid: one pupil's result on one exercise of a task.
#[derive(Clone, Copy, Debug)]
pub struct GridCell {
    /// Its colour.
    pub standing: Standing,
    /// Right answers and questions in the round that counts.
    pub score: (usize, usize),
    /// Whether the pupil has mastered the exercise.
    pub mastered: bool,
    /// Whether the pupil had the easier variant.
    pub easier: bool,
    /// Whether the task was not set to this pupil.
    pub not_set: bool,
}

/// A row of the grid.
#[derive(Clone, Debug)]
pub struct GridRow {
    /// The pupil.
    pub pupil: User,
    /// One cell per column.
    pub cells: Vec<GridCell>,
}

/// A class's results.
#[derive(Clone, Debug)]
pub struct Grid {
    /// The class's name.
    pub class_name: String,
    /// The columns, oldest task first.
    pub columns: Vec<GridColumn>,
    /// One row per pupil.
    pub rows: Vec<GridRow>,
    /// The pupils needing help and why (« Les homophones : 1/5 »).
    pub help: Vec<(User, Vec<String>)>,
}

/// One question's figures in a task.
#[derive(Clone, Debug)]
pub struct QuestionStat {
    /// The exercise's title.
    pub exercise: String,
    /// The question's number in the exercise (1-based).
    pub number: usize,
    /// Its prompt.
    pub prompt: String,
    /// Pupils who answered it (first try counted).
    pub answered: usize,
    /// Pupils right at the first try (or by the teacher's mark).
    pub right: usize,
    /// The wrong answers given, most frequent first, with their counts.
    pub wrong: Vec<(String, usize)>,
    /// The right answer.
    pub correction: String,
}

/// A competence's line of a pupil's livret summary.
#[derive(Clone, Debug)]
pub struct SkillLine {
    /// The competence.
    pub competence: &'static Competence,
    /// The level that counts: the teacher's, else the computed one.
    pub level: Option<LivretLevel>,
    /// The level computed from the exercises.
    pub computed: Option<LivretLevel>,
    /// Whether the teacher set the level.
    pub overridden: bool,
    /// Exercises done for it, and how many are mastered.
    pub exercises: (usize, usize),
}

/// One task in a pupil's history.
#[derive(Clone, Debug)]
pub struct HistoryTask {
    /// The task.
    pub task: Task,
    /// The pupil's attempt, if started.
    pub attempt: Option<Attempt>,
    /// The exercises' titles, by id.
    pub titles: BTreeMap<ExerciseId, String>,
    /// The questions' prompts per exercise, by id.
    pub prompts: BTreeMap<ExerciseId, Vec<String>>,
}

/// A pupil's exercise history and livret summary.
#[derive(Clone, Debug)]
pub struct History {
    /// The pupil.
    pub pupil: User,
    /// The tasks set to them, newest first.
    pub tasks: Vec<HistoryTask>,
    /// Their mastery per exercise done: title, state, needed.
    pub mastery: Vec<(String, MasteryState, u8)>,
    /// The livret summary.
    pub skills: Vec<SkillLine>,
    /// Whether the person may change marks and levels.
    pub may_mark: bool,
}

/// What a family sees of one child's exercises.
#[derive(Clone, Debug)]
pub struct FamilyResults {
    /// The child.
    pub pupil: User,
    /// The livret summary.
    pub skills: Vec<SkillLine>,
    /// The tasks finished lately, newest first.
    pub done: Vec<DoneTask>,
}

/// How many finished tasks a family's summary lists.
pub const SUMMARY_TASKS: usize = 10;

/// How far back a red result or a task not started puts a pupil on the help list, in days.
pub const HELP_DAYS: i64 = 21;
/// The most reasons shown per pupil on the help list.
pub const HELP_REASONS: usize = 3;

/// Per exercise, the pupil's counted answers in time order, from their attempts.
fn outcomes<'a>(
    attempts: impl IntoIterator<Item = &'a Attempt>,
) -> HashMap<ExerciseId, Vec<(i64, bool)>> {
    let mut out: HashMap<ExerciseId, Vec<(i64, bool)>> = HashMap::new();
    for attempt in attempts {
        for round in &attempt.rounds {
            for answers in &round.exercises {
                for answer in &answers.answers {
                    if let (Some(right), Some(first)) = (answer.counted(), answer.tries.first()) {
                        out.entry(answers.exercise)
                            .or_default()
                            .push((first.at, right));
                    }
                }
            }
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|(at, _)| *at);
    }
    out
}

/// Mastery of each exercise from its outcomes.
fn mastery_of(
    r: &impl Tables,
    outcomes: &HashMap<ExerciseId, Vec<(i64, bool)>>,
) -> Result<Vec<(Exercise, MasteryState)>, AppError> {
    let mut out = Vec::new();
    for (id, list) in outcomes {
        if let Some(exercise) = r.get::<Exercise>(id.0)? {
            let state = mastery::mastery(list.iter().map(|(_, ok)| *ok), exercise.mastery_after);
            out.push((exercise, state));
        }
    }
    out.sort_by(|a, b| a.0.title.cmp(&b.0.title));
    Ok(out)
}

impl App {
    /// Refuses (404) a pupil whose results `me` may not see.
    fn check_results(&self, me: &Subject, pupil: UserId) -> Result<User, AppError> {
        let dir = self.directory();
        let user = dir.user(pupil).ok_or(AppError::NotFound)?;
        if user.role != preau_core::Role::Pupil || !dir.can_on_user(me, Action::ViewResults, pupil)
        {
            return Err(AppError::NotFound);
        }
        Ok(user.clone())
    }

    /// A class's grid of pupils × exercises over the whole year, with the pupils needing
    /// help.
    pub fn class_grid(&self, me: &Subject, class: ClassId) -> Result<Grid, AppError> {
        self.class_grid_since(me, class, None)
    }

    /// A class's grid with a column per exercise of the tasks due `since` a day (all when
    /// `None`); mastery counts every answer of the year. The pupils needing help are those
    /// with a red result or a task not started among the tasks due in the last
    /// [`HELP_DAYS`] days or still to do, with at most [`HELP_REASONS`] reasons each.
    pub fn class_grid_since(
        &self,
        me: &Subject,
        class: ClassId,
        since: Option<Date>,
    ) -> Result<Grid, AppError> {
        self.check_sets_exercises(me, class)?;
        let dir = self.directory();
        let class_name = dir.class(class).map(|c| c.name.clone()).unwrap_or_default();
        let r = self.store.read()?;
        let tasks: Vec<Task> = db::tasks_of_class(&r, class)?
            .into_iter()
            .filter(|t| !t.withdrawn)
            .collect();
        let day = today(self.now());
        let recent = day
            .checked_sub(jiff::Span::new().days(HELP_DAYS))
            .unwrap_or(day);
        let mut titles: HashMap<ExerciseId, (String, u8)> = HashMap::new();
        let mut columns = Vec::new();
        for task in tasks.iter().filter(|t| since.is_none_or(|d| t.due >= d)) {
            for (index, id) in task.exercises.iter().chain(&task.easier).enumerate() {
                if !titles.contains_key(id)
                    && let Some(e) = r.get::<Exercise>(id.0)?
                {
                    titles.insert(*id, (e.title, e.mastery_after));
                }
                if index < task.exercises.len() {
                    columns.push(GridColumn {
                        task: task.clone(),
                        index,
                        title: titles.get(id).map(|t| t.0.clone()).unwrap_or_default(),
                    });
                }
            }
        }
        let mut rows = Vec::new();
        let mut help = Vec::new();
        for pupil in dir.pupils_of(class) {
            let mut attempts = HashMap::new();
            for task in &tasks {
                if let Some(a) = db::attempt_of(&r, task.id, pupil.id)? {
                    attempts.insert(task.id, a);
                }
            }
            let outcomes = outcomes(attempts.values());
            let mastered = |id: &ExerciseId| {
                let needed = titles.get(id).map(|t| t.1).unwrap_or(1);
                outcomes.get(id).is_some_and(|list| {
                    mastery::mastery(list.iter().map(|(_, ok)| *ok), needed).mastered
                })
            };
            let mut cells = Vec::new();
            let mut reasons = Vec::new();
            for column in &columns {
                let task = &column.task;
                let set = task.pupils.contains(&pupil.id);
                let easier = task.easier_for.contains(&pupil.id);
                let id = task.exercises_for(pupil.id).get(column.index).copied();
                let answers = attempts
                    .get(&task.id)
                    .and_then(Attempt::counted_round)
                    .and_then(|round| round.exercises.get(column.index));
                let score = answers.map(|a| a.score()).unwrap_or((0, 0));
                let started =
                    answers.is_some_and(|a| a.answers.iter().any(|x| !x.tries.is_empty()));
                let finished = answers.is_some_and(|a| a.finished());
                let standing = mastery::standing(score.0, score.1, started, finished);
                let helps = set && task.due >= recent;
                if helps && standing == Standing::Low {
                    reasons.push(format!("« {} » : {}/{}", column.title, score.0, score.1));
                }
                if helps && !started && task.due < day && column.index == 0 {
                    reasons.push(format!(
                        "« {} » : pas commencé (pour le {})",
                        task.title, task.due
                    ));
                }
                cells.push(GridCell {
                    standing,
                    score,
                    mastered: id.is_some_and(|id| mastered(&id)),
                    easier,
                    not_set: !set,
                });
            }
            if reasons.len() > HELP_REASONS {
                let more = reasons.len() - HELP_REASONS;
                reasons.truncate(HELP_REASONS);
                reasons.push(format!("et {more} autre(s)"));
            }
            if !reasons.is_empty() {
                help.push(((*pupil).clone(), reasons));
            }
            rows.push(GridRow {
                pupil: (*pupil).clone(),
                cells,
            });
        }
        Ok(Grid {
            class_name,
            columns,
            rows,
            help,
        })
    }

    /// A class's grid as CSV (`;`-separated): one line per pupil, one column per exercise
    /// (« 4/5 », « maîtrisé », empty when not done).
    pub fn class_grid_csv(&self, me: &Subject, class: ClassId) -> Result<String, AppError> {
        let grid = self.class_grid(me, class)?;
        let mut lines = Vec::new();
        let mut header = vec!["élève".to_string()];
        header.extend(
            grid.columns
                .iter()
                .map(|c| format!("{} — {} ({})", c.task.title, c.title, c.task.due)),
        );
        lines.push(header);
        for row in &grid.rows {
            let mut line = vec![row.pupil.full_name()];
            line.extend(row.cells.iter().map(|c| match c.standing {
                _ if c.not_set => "non donné".to_string(),
                Standing::NotStarted => String::new(),
                Standing::InProgress => format!("en cours {}/{}", c.score.0, c.score.1),
                _ if c.mastered => format!("{}/{} maîtrisé", c.score.0, c.score.1),
                _ => format!("{}/{}", c.score.0, c.score.1),
            }));
            lines.push(line);
        }
        french_csv(&lines)
    }

    /// Per question of a task: answers, right answers, the wrong answers given most.
    pub fn task_stats(
        &self,
        me: &Subject,
        id: TaskId,
    ) -> Result<(Task, Vec<QuestionStat>), AppError> {
        let task = self.load_task(id)?;
        if !self.manages_task(me, &task) {
            return Err(AppError::NotFound);
        }
        let r = self.store.read()?;
        let mut order: Vec<ExerciseId> = task.exercises.clone();
        for e in &task.easier {
            if !order.contains(e) {
                order.push(*e);
            }
        }
        let mut stats = Vec::new();
        for exercise_id in order {
            let Some(exercise) = r.get::<Exercise>(exercise_id.0)? else {
                continue;
            };
            let mut per_question: Vec<(usize, usize, HashMap<String, usize>)> =
                vec![(0, 0, HashMap::new()); exercise.questions.len()];
            for pupil in &task.pupils {
                let Some(attempt) = db::attempt_of(&r, task.id, *pupil)? else {
                    continue;
                };
                let Some(round) = attempt.counted_round() else {
                    continue;
                };
                for answers in round.exercises.iter().filter(|a| a.exercise == exercise.id) {
                    for (q, answer) in answers.answers.iter().enumerate() {
                        let (Some(slot), Some(first)) =
                            (per_question.get_mut(q), answer.tries.first())
                        else {
                            continue;
                        };
                        slot.0 += 1;
                        if answer.counted() == Some(true) {
                            slot.1 += 1;
                        } else if let Some(question) = exercise.questions.get(q) {
                            *slot
                                .2
                                .entry(marking::describe(question, &first.given))
                                .or_default() += 1;
                        }
                    }
                }
            }
            for (q, (answered, right, wrong)) in per_question.into_iter().enumerate() {
                let question = &exercise.questions[q];
                let mut wrong: Vec<(String, usize)> = wrong.into_iter().collect();
                wrong.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                stats.push(QuestionStat {
                    exercise: exercise.title.clone(),
                    number: q + 1,
                    prompt: question.prompt.clone(),
                    answered,
                    right,
                    wrong,
                    correction: marking::correction(question),
                });
            }
        }
        Ok((task, stats))
    }

    /// A pupil's history: tasks, rounds and answers, mastery per exercise, livret summary.
    pub fn pupil_history(&self, me: &Subject, pupil: UserId) -> Result<History, AppError> {
        let user = self.check_results(me, pupil)?;
        let r = self.store.read()?;
        let mut tasks = Vec::new();
        let mut attempts = Vec::new();
        for task in db::tasks_of_pupil(&r, pupil)?.into_iter().rev() {
            if task.withdrawn {
                continue;
            }
            let attempt = db::attempt_of(&r, task.id, pupil)?;
            let mut titles = BTreeMap::new();
            let mut prompts = BTreeMap::new();
            for id in task.exercises.iter().chain(&task.easier) {
                if let Some(e) = r.get::<Exercise>(id.0)? {
                    prompts.insert(*id, e.questions.iter().map(|q| q.prompt.clone()).collect());
                    titles.insert(*id, e.title);
                }
            }
            attempts.extend(attempt.clone());
            tasks.push(HistoryTask {
                task,
                attempt,
                titles,
                prompts,
            });
        }
        let mastery = mastery_of(&r, &outcomes(&attempts))?;
        let skills = self.skills(&r, pupil, &mastery)?;
        let may_mark = self
            .directory()
            .can_on_user(me, Action::SetExercises, pupil);
        Ok(History {
            pupil: user,
            tasks,
            mastery: mastery
                .into_iter()
                .map(|(e, s)| (e.title, s, e.mastery_after))
                .collect(),
            skills,
            may_mark,
        })
    }

    /// The livret lines of a pupil: every competence practised, with its level.
    fn skills(
        &self,
        r: &impl Tables,
        pupil: UserId,
        mastery: &[(Exercise, MasteryState)],
    ) -> Result<Vec<SkillLine>, AppError> {
        let mut by_competence: BTreeMap<&'static str, Vec<MasteryState>> = BTreeMap::new();
        for (exercise, state) in mastery {
            if let Some(c) = exercise.competence.as_deref().and_then(competences::find) {
                by_competence.entry(c.code).or_default().push(*state);
            }
        }
        let mut lines = Vec::new();
        for competence in competences::ALL {
            let states = by_competence.get(competence.code);
            let set = db::level_override(r, pupil, competence.code)?;
            if states.is_none() && set.is_none() {
                continue;
            }
            let states = states.cloned().unwrap_or_default();
            let computed = mastery::livret_level(&states);
            lines.push(SkillLine {
                competence,
                level: set.as_ref().map(|o| o.level).or(computed),
                computed,
                overridden: set.is_some(),
                exercises: (states.len(), states.iter().filter(|s| s.mastered).count()),
            });
        }
        Ok(lines)
    }

    /// The livret summary of each child (or of oneself) whose results `me` may see, with
    /// the tasks finished lately: what a family sees on its portal. Read from the pupil's
    /// [`ResultsSummary`], which the box keeps in step and central receives, so that the
    /// family sees the same at school, at home through the box or at central.
    pub fn family_results(&self, me: &Subject) -> Result<Vec<FamilyResults>, AppError> {
        let dir = self.directory();
        let pupils: Vec<UserId> = match me.role {
            preau_core::Role::Pupil => vec![me.user],
            _ => me.children.clone(),
        };
        let r = self.store.read()?;
        let mut out = Vec::new();
        for pupil in pupils {
            if !dir.can_on_user(me, Action::ViewResults, pupil) {
                continue;
            }
            let Some(user) = dir.user(pupil).cloned() else {
                continue;
            };
            let summary = db::summary_of(&r, pupil)?;
            out.push(FamilyResults {
                pupil: user,
                skills: summary
                    .iter()
                    .flat_map(|s| &s.skills)
                    .filter_map(|line| {
                        Some(SkillLine {
                            competence: competences::find(&line.competence)?,
                            level: line.level,
                            computed: line.computed,
                            overridden: line.overridden,
                            exercises: (line.exercises.0 as usize, line.exercises.1 as usize),
                        })
                    })
                    .collect(),
                done: summary.map(|s| s.done).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Computes `pupil`'s [`ResultsSummary`] again and saves it (in the transaction that
    /// changed their results).
    pub(crate) fn refresh_summary(&self, w: &mut Writer, pupil: UserId) -> Result<(), AppError> {
        let mut attempts = Vec::new();
        let mut done = Vec::new();
        for task in db::tasks_of_pupil(w, pupil)?.into_iter().rev() {
            if task.withdrawn {
                continue;
            }
            if let Some(attempt) = db::attempt_of(w, task.id, pupil)? {
                if let Some(round) = attempt.counted_round().filter(|r| r.finished_at.is_some()) {
                    let (right, total) = round_score(round);
                    done.push(DoneTask {
                        title: task.title.clone(),
                        due: task.due,
                        score: (right as u32, total as u32),
                    });
                }
                attempts.push(attempt);
            }
        }
        done.truncate(SUMMARY_TASKS);
        let mastery = mastery_of(w, &outcomes(&attempts))?;
        let skills = self
            .skills(w, pupil, &mastery)?
            .into_iter()
            .map(|line| SummarySkill {
                competence: line.competence.code.to_string(),
                level: line.level,
                computed: line.computed,
                overridden: line.overridden,
                exercises: (line.exercises.0 as u32, line.exercises.1 as u32),
            })
            .collect();
        w.put(&ResultsSummary {
            pupil,
            school: self.directory().uai().to_string(),
            skills,
            done,
            updated_at: self.now(),
        })?;
        Ok(())
    }

    /// Replaces the automatic mark of one answer of a pupil (the teacher's decision counts
    /// for the score and for mastery).
    pub fn override_mark(
        &self,
        me: &Subject,
        id: TaskId,
        pupil: UserId,
        at: (usize, usize, usize),
        right: bool,
    ) -> Result<(), AppError> {
        let task = self.load_task(id)?;
        if !self.manages_task(me, &task)
            || !self
                .directory()
                .can_on_user(me, Action::SetExercises, pupil)
        {
            return Err(AppError::Forbidden);
        }
        let (round, e, q) = at;
        self.store.write(|w| -> Result<_, AppError> {
            let mut attempt = db::attempt_of(w, task.id, pupil)?.ok_or(AppError::NotFound)?;
            let answer = attempt
                .rounds
                .get_mut(round)
                .and_then(|r| r.exercises.get_mut(e))
                .and_then(|x| x.answers.get_mut(q))
                .filter(|a| !a.tries.is_empty())
                .ok_or(AppError::NotFound)?;
            answer.overridden = Some(Override {
                right,
                by: me.user,
                at: self.now(),
            });
            w.put(&attempt)?;
            self.refresh_summary(w, pupil)
        })
    }

    /// Sets (or, with `None`, clears) a pupil's livret level for a competence.
    pub fn set_livret_level(
        &self,
        me: &Subject,
        pupil: UserId,
        competence: &str,
        level: Option<LivretLevel>,
    ) -> Result<(), AppError> {
        self.check_results(me, pupil)?;
        if !self
            .directory()
            .can_on_user(me, Action::SetExercises, pupil)
        {
            return Err(AppError::Forbidden);
        }
        let competence =
            competences::find(competence).ok_or(AppError::Invalid(Problem::UnknownCompetence))?;
        self.store.write(|w| -> Result<_, AppError> {
            let key = LevelOverride::key_of(pupil, competence.code);
            match level {
                Some(level) => w.put(&LevelOverride {
                    pupil,
                    competence: competence.code.to_string(),
                    level,
                    by: me.user,
                    at: self.now(),
                })?,
                None => {
                    w.delete::<LevelOverride>(key)?;
                }
            }
            self.refresh_summary(w, pupil)
        })
    }
}
