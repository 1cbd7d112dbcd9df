//! Exercises: teachers prepare sequences of exercises in the school's bank ([`bank`]), set
//! them to a class, a group or chosen pupils ([`tasks`]); pupils answer one question per
//! screen ([`practice`]); teachers follow each pupil's results, mastery and livret levels
//! ([`results`]) and share exercises ([`sharing`]).
//!
//! Every use case asks [`preau_core::can`]: `ViewExerciseBank` on the school to browse and
//! write, `EditExercise` on what one wrote (the headteacher: anything of the school),
//! `SetExercises` on the class and each pupil concerned, `DoExercises` on the task for the
//! pupil doing it, `ViewResults` on the pupil whose results are shown (themself, a parent's
//! own child, a teacher's class).

pub mod bank;
pub mod practice;
pub mod results;
pub mod sharing;
pub mod tasks;

pub use bank::{ExerciseForm, QuestionForm, SequenceForm, SequenceView};
pub use practice::{Feedback, QuestionScreen, ResultLine, Step, TodoItem};
pub use results::{
    FamilyResults, Grid, GridCell, GridColumn, GridRow, History, HistoryTask, QuestionStat,
    SkillLine,
};
pub use tasks::TaskForm;
