//! Exercises: the school's bank (exercises and sequences), the tasks set to pupils, the
//! pupils' attempts and the teachers' livret levels, with the timelines that find a class's
//! tasks, a pupil's tasks and a pupil's attempts by the time the task was set.
//!
//! Exercises live on the box, where pupils do them: only each pupil's
//! [`ResultsSummary`] is replicated (central shows it to the family).

use crate::documents::record;
use crate::record::Record;
use crate::{Reader, StoreError, Tables, Timeline, Writer};
use preau_core::exercises::LevelOverride;
use preau_core::{
    Attempt, BlobId, ClassId, Exercise, ExerciseId, ResultsSummary, Sequence, Task, TaskId, UserId,
};
use redb::TableDefinition;

/// Class → the tasks set in it, by the time they were set.
const TASKS_BY_CLASS: Timeline = TableDefinition::new("tasks_by_class");
/// Pupil → the tasks set to them, by the time they were set.
const TASKS_BY_PUPIL: Timeline = TableDefinition::new("tasks_by_pupil");

record!(Exercise, "exercises", "exercise", indexed: false, |e| e.id.0);
record!(Sequence, "sequences", "sequence", indexed: false, |s| s.id.0);
record!(Task, "tasks", "task", indexed: false, |t| t.id.0);
record!(Attempt, "attempts", "attempt", indexed: false, |a| Attempt::key_of(a.task, a.pupil));
record!(LevelOverride, "livret_levels", "livret_level", indexed: false, |o| LevelOverride::key_of(o.pupil, &o.competence));

record!(ResultsSummary, "results_summaries", "results_summary", indexed: false, replicated: true, |s| ResultsSummary::key_of(s.pupil));

/// A pupil's results summary, if one was computed (or received).
pub fn summary_of(t: &impl Tables, pupil: UserId) -> Result<Option<ResultsSummary>, StoreError> {
    Ok(t.get::<ResultsSummary>(ResultsSummary::key_of(pupil))?
        .filter(|s| s.pupil == pupil))
}

/// Saves a task, filing it on its class's and its pupils' timelines.
pub fn save_task(w: &mut Writer, task: &Task) -> Result<(), StoreError> {
    if let Some(old) = w.get::<Task>(task.id.0)? {
        w.timeline_remove(TASKS_BY_CLASS, old.class.0, old.created_at, old.id.0)?;
        for pupil in &old.pupils {
            w.timeline_remove(TASKS_BY_PUPIL, pupil.0, old.created_at, old.id.0)?;
        }
    }
    w.timeline_add(TASKS_BY_CLASS, task.class.0, task.created_at, task.id.0)?;
    for pupil in &task.pupils {
        w.timeline_add(TASKS_BY_PUPIL, pupil.0, task.created_at, task.id.0)?;
    }
    w.put(task)
}

/// The tasks set in a class (withdrawn ones included), oldest first.
pub fn tasks_of_class(t: &impl Tables, class: ClassId) -> Result<Vec<Task>, StoreError> {
    read_tasks(t, TASKS_BY_CLASS, class.0)
}

/// The tasks set to a pupil (withdrawn ones included), oldest first.
pub fn tasks_of_pupil(t: &impl Tables, pupil: UserId) -> Result<Vec<Task>, StoreError> {
    read_tasks(t, TASKS_BY_PUPIL, pupil.0)
}

fn read_tasks(t: &impl Tables, timeline: Timeline, key: u64) -> Result<Vec<Task>, StoreError> {
    let mut out = Vec::new();
    for id in t.timeline(timeline, key, i64::MIN, i64::MAX)? {
        if let Some(task) = t.get::<Task>(id)? {
            out.push(task);
        }
    }
    Ok(out)
}

/// A pupil's attempt at a task, if they started it.
pub fn attempt_of(
    t: &impl Tables,
    task: TaskId,
    pupil: UserId,
) -> Result<Option<Attempt>, StoreError> {
    Ok(t.get::<Attempt>(Attempt::key_of(task, pupil))?
        .filter(|a| a.task == task && a.pupil == pupil))
}

/// Whether a pupil has answered `exercise` (as set, or as an easier variant) in a task.
pub fn exercise_answered(t: &impl Tables, exercise: ExerciseId) -> Result<bool, StoreError> {
    for task in t.all::<Task>()? {
        if !task.exercises.contains(&exercise) && !task.easier.contains(&exercise) {
            continue;
        }
        for pupil in &task.pupils {
            let Some(attempt) = attempt_of(t, task.id, *pupil)? else {
                continue;
            };
            let answered = attempt
                .rounds
                .iter()
                .flat_map(|r| &r.exercises)
                .filter(|e| e.exercise == exercise)
                .flat_map(|e| &e.answers)
                .any(|a| !a.tries.is_empty());
            if answered {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// A teacher's livret level for a pupil and a competence, if one was set.
pub fn level_override(
    t: &impl Tables,
    pupil: UserId,
    competence: &str,
) -> Result<Option<LevelOverride>, StoreError> {
    Ok(
        t.get::<LevelOverride>(LevelOverride::key_of(pupil, competence))?
            .filter(|o| o.pupil == pupil && o.competence == competence),
    )
}

/// The pictures and sounds of every exercise, which the blob collector must keep.
pub fn media_blobs(r: &Reader) -> Result<Vec<BlobId>, StoreError> {
    Ok(r.all::<Exercise>()?
        .iter()
        .flat_map(|e| &e.questions)
        .flat_map(|q| q.media().map(|m| m.blob))
        .collect())
}
