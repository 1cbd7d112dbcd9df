//! Setting a sequence to pupils: a class, a group or chosen pupils, with an opening and a
//! due date, training or assessment mode, and the pupils who get the easier variants.

use crate::bookings::{parse_date, today};
use crate::{App, AppError, Problem};
use preau_core::exercises::Mode;
use preau_core::{
    Action, ClassId, Exercise, ExerciseId, LiaisonAudience, Object, SequenceId, Subject, Task,
    TaskId, UserId, can,
};
use preau_store::exercises as db;
use preau_store::schema::random_u64;

/// What a teacher chooses to set a sequence.
#[derive(Clone, Debug, Default)]
pub struct TaskForm {
    /// Who does it, as [`LiaisonAudience::code`] (the class, a group, a pupil).
    pub audience: String,
    /// Chosen pupils (ids), when the audience is « some pupils ».
    pub pupils: Vec<UserId>,
    /// The first day ("2026-12-01"); empty: today.
    pub opens: String,
    /// The due day.
    pub due: String,
    /// [`Mode::code`].
    pub mode: String,
    /// Who gets the easier variants, as [`LiaisonAudience::code`]s (groups or pupils).
    pub easier_for: Vec<String>,
}

impl App {
    /// The current classes `me` may set exercises to, youngest first.
    pub fn exercise_classes(&self, me: &Subject) -> Vec<(ClassId, String)> {
        let dir = self.directory();
        dir.current_classes()
            .into_iter()
            .filter(|c| dir.can_on_class(me, Action::SetExercises, c.id))
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }

    /// Refuses (403) anyone who may not set exercises to this class.
    pub(crate) fn check_sets_exercises(
        &self,
        me: &Subject,
        class: ClassId,
    ) -> Result<(), AppError> {
        if self
            .directory()
            .can_on_class(me, Action::SetExercises, class)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whom `me` may set a sequence to from a class: the class, its groups, its pupils.
    pub fn task_audiences(
        &self,
        me: &Subject,
        class: ClassId,
    ) -> Result<Vec<(String, String)>, AppError> {
        self.check_sets_exercises(me, class)?;
        Ok(self.audiences(me, class, Action::SetExercises))
    }

    /// Sets a sequence of the bank to pupils of a class.
    pub fn set_task(
        &self,
        me: &Subject,
        sequence: SequenceId,
        class: ClassId,
        form: &TaskForm,
    ) -> Result<Task, AppError> {
        self.check_exercise_bank(me)?;
        self.check_sets_exercises(me, class)?;
        let sequence = self.load_sequence(sequence)?;
        let r = self.store.read()?;
        let mut exercises = Vec::new();
        for id in &sequence.exercises {
            if let Some(e) = r.get::<Exercise>(id.0)? {
                exercises.push(e);
            }
        }
        drop(r);
        if exercises.is_empty() || exercises.iter().any(|e| e.questions.is_empty()) {
            return Err(AppError::Invalid(Problem::NothingToDo));
        }
        let pupils = self.pupils_of_audience(me, class, &form.audience, &form.pupils)?;
        let mut easier_for = Vec::new();
        for code in &form.easier_for {
            let audience =
                LiaisonAudience::from_code(code).ok_or(AppError::Invalid(Problem::Audience))?;
            easier_for.extend(self.pupils_of_audience(me, class, &audience.code(), &[])?);
        }
        easier_for.retain(|p| pupils.contains(p));
        easier_for.sort();
        easier_for.dedup();
        let now = self.now();
        let opens = match form.opens.trim() {
            "" => today(now),
            text => parse_date(text, "date d'ouverture")?,
        };
        let due = parse_date(&form.due, "date de fin")?;
        if due < opens {
            return Err(AppError::Invalid(Problem::DueBeforeOpening));
        }
        let mode =
            Mode::from_code(&form.mode).ok_or(AppError::Invalid(Problem::Missing("mode")))?;
        let task = Task {
            id: TaskId(random_u64()),
            school: self.directory().uai().to_string(),
            sequence: sequence.id,
            title: sequence.title.clone(),
            class,
            pupils,
            exercises: exercises.iter().map(|e| e.id).collect(),
            easier: exercises.iter().map(|e| e.easier.unwrap_or(e.id)).collect(),
            easier_for,
            opens,
            due,
            mode,
            author: me.user,
            created_at: now,
            withdrawn: false,
        };
        self.store.write(|w| -> Result<_, AppError> {
            db::save_task(w, &task)?;
            Ok(())
        })?;
        Ok(task)
    }

    /// The pupils of a class an audience names (or the chosen ones), all within reach.
    fn pupils_of_audience(
        &self,
        me: &Subject,
        class: ClassId,
        audience: &str,
        chosen: &[UserId],
    ) -> Result<Vec<UserId>, AppError> {
        let dir = self.directory();
        let in_class: Vec<UserId> = dir.pupils_of(class).iter().map(|p| p.id).collect();
        let mut pupils = if audience.trim() == "choix" {
            if chosen.iter().any(|p| !in_class.contains(p)) {
                return Err(AppError::Invalid(Problem::Audience));
            }
            chosen.to_vec()
        } else {
            let audience =
                LiaisonAudience::from_code(audience).ok_or(AppError::Invalid(Problem::Audience))?;
            self.reach(me, audience, Action::SetExercises)
                .map_err(|e| match e {
                    AppError::Invalid(Problem::NoFamilies) => AppError::Invalid(Problem::Audience),
                    other => other,
                })?
                .into_iter()
                .filter(|p| in_class.contains(p))
                .collect()
        };
        pupils.sort();
        pupils.dedup();
        if pupils.is_empty()
            || !pupils
                .iter()
                .all(|p| dir.can_on_user(me, Action::SetExercises, *p))
        {
            return Err(AppError::Invalid(Problem::Audience));
        }
        Ok(pupils)
    }

    /// The tasks set in a class, newest first (withdrawn ones left out).
    pub fn class_tasks(&self, me: &Subject, class: ClassId) -> Result<Vec<Task>, AppError> {
        self.check_sets_exercises(me, class)?;
        let mut tasks = db::tasks_of_class(&self.store.read()?, class)?;
        tasks.retain(|t| !t.withdrawn);
        tasks.reverse();
        Ok(tasks)
    }

    /// A task, for who set it (and the class's teachers) or a pupil who must do it.
    pub fn task(&self, me: &Subject, id: TaskId) -> Result<Task, AppError> {
        let task = self.load_task(id)?;
        if self.manages_task(me, &task) || self.does_task(me, &task) {
            Ok(task)
        } else {
            Err(AppError::NotFound)
        }
    }

    pub(crate) fn load_task(&self, id: TaskId) -> Result<Task, AppError> {
        self.store
            .read()?
            .get::<Task>(id.0)?
            .filter(|t| t.school == self.directory().uai())
            .ok_or(AppError::NotFound)
    }

    /// Whether `me` follows the task (its class's teachers, the headteacher).
    pub(crate) fn manages_task(&self, me: &Subject, task: &Task) -> bool {
        self.directory()
            .can_on_class(me, Action::SetExercises, task.class)
    }

    /// Whether `me` is a pupil who must do the task.
    pub(crate) fn does_task(&self, me: &Subject, task: &Task) -> bool {
        can(
            me,
            Action::DoExercises,
            &Object::Assignment {
                class: task.class,
                school: &task.school,
                pupils: &task.pupils,
            },
        )
    }

    /// Withdraws a task: pupils no longer see it, families' summaries leave it out; answers
    /// are kept.
    pub fn withdraw_task(&self, me: &Subject, id: TaskId) -> Result<(), AppError> {
        self.store.write(|w| -> Result<_, AppError> {
            let mut task = w
                .get::<Task>(id.0)?
                .filter(|t| t.school == self.directory().uai())
                .ok_or(AppError::NotFound)?;
            if !self.manages_task(me, &task) {
                return Err(AppError::Forbidden);
            }
            task.withdrawn = true;
            db::save_task(w, &task)?;
            for pupil in &task.pupils {
                self.refresh_summary(w, *pupil)?;
            }
            Ok(())
        })
    }

    /// Whether a pupil, a parent or a teacher sees exercise `id` through a task they do or
    /// follow (for its pictures and sounds).
    pub(crate) fn sees_exercise_through_task(
        &self,
        me: &Subject,
        id: ExerciseId,
    ) -> Result<bool, AppError> {
        let r = self.store.read()?;
        let tasks = match me.role {
            preau_core::Role::Pupil => db::tasks_of_pupil(&r, me.user)?,
            _ => me
                .classes
                .iter()
                .map(|c| db::tasks_of_class(&r, *c))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect(),
        };
        for task in tasks {
            if !(self.does_task(me, &task) || self.manages_task(me, &task)) {
                continue;
            }
            if task.exercises.contains(&id) || task.easier.contains(&id) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
