//! The fixture shared by the integration tests of this crate: the small demo school (a CP of
//! 30 and a CM2 of 6, zone C calendar) on a fresh store in a temporary folder, with a clock
//! the test sets, and the helpers every use case needs (who is who, new accounts, files).
//! Each test file adds its own helpers in an `impl School` block of its own.

// Every test file is its own crate that compiles this module and uses only part of it.
#![allow(dead_code)]

use jiff::civil::Date;
use jiff::tz::TimeZone;
use preau_app::accounts::UserForm;
use preau_app::demo::{DemoPlan, DemoSchool};
use preau_app::documents::Received;
use preau_app::{App, AppError, Clock, Problem, Settings};
use preau_core::{ClassId, NodeId, Role, SpaceOwner, Subject, UserId};
use preau_store::Store;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Monday 30 November 2026, 8:00 in Paris (7:00 UTC): the usual clock of these tests.
pub const MONDAY_8AM: i64 = 1_796_022_000;

/// Unix seconds of a Paris wall-clock time (computed with jiff, not by the code under test).
pub fn paris_at(day: Date, hour: i8, minute: i8) -> i64 {
    day.at(hour, minute, 0, 0)
        .to_zoned(TimeZone::get("Europe/Paris").expect("Europe/Paris"))
        .expect("Paris time")
        .timestamp()
        .as_second()
}

/// The reason `result` was refused; panics if it was not refused as invalid.
pub fn refused(result: Result<impl std::fmt::Debug, AppError>) -> Problem {
    match result {
        Err(AppError::Invalid(p)) => p,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Asserts that `result` is « not found »: the thing is hidden from whoever asked.
pub fn hidden<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(
        matches!(result, Err(AppError::NotFound)),
        "expected not found, got {result:?}"
    );
}

/// Asserts that `result` was refused as forbidden or as not found (either will do).
pub fn forbidden<T: std::fmt::Debug>(result: Result<T, AppError>) {
    assert!(
        matches!(result, Err(AppError::Forbidden | AppError::NotFound)),
        "expected a refusal, got {result:?}"
    );
}

/// The demo school on a fresh store, with a clock the test sets.
pub struct School {
    pub app: App,
    /// Who the demo made: the headteacher, teachers, classes, pupils and parents.
    pub school: DemoSchool,
    now: Arc<AtomicI64>,
    dir: tempfile::TempDir,
}

/// The app on the store in `dir`, its clock reading `now`.
fn open(dir: &Path, now: &Arc<AtomicI64>) -> App {
    let now = now.clone();
    let clock: Clock = Arc::new(move || now.load(Ordering::SeqCst));
    let store = Store::open(dir).expect("store");
    App::new(store, Settings::default(), clock).expect("app")
}

impl School {
    /// The demo school on a fresh store, with the clock at `now` (Unix seconds).
    pub fn at(now: i64) -> School {
        let dir = tempfile::tempdir().expect("tmp");
        let now = Arc::new(AtomicI64::new(now));
        let app = open(dir.path(), &now);
        let school = app.seed_demo(&DemoPlan::small()).expect("demo");
        School {
            app,
            school,
            now,
            dir,
        }
    }

    /// Closes the app, lets `meanwhile` touch its data folder, and opens it again on the
    /// same store and clock, as after a restart.
    pub fn restart(self, meanwhile: impl FnOnce(&Path)) -> School {
        let School {
            app,
            school,
            now,
            dir,
        } = self;
        drop(app);
        meanwhile(dir.path());
        School {
            app: open(dir.path(), &now),
            school,
            now,
            dir,
        }
    }

    /// The demo school with the clock at [`MONDAY_8AM`].
    pub fn monday_morning() -> School {
        School::at(MONDAY_8AM)
    }

    /// Sets the clock to `at` (Unix seconds).
    pub fn set_clock(&self, at: i64) {
        self.now.store(at, Ordering::SeqCst);
    }

    /// Moves the clock on by `seconds`.
    pub fn tick(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }

    /// `user` as the access rules see them.
    pub fn subject(&self, user: UserId) -> Subject {
        let dir = self.app.directory();
        dir.subject(dir.user(user).expect("user"))
    }

    pub fn head(&self) -> Subject {
        self.subject(self.school.headteacher.as_ref().expect("head").user.id)
    }

    /// The teacher of the CP (0) or of the CM2 (1).
    pub fn teacher(&self, i: usize) -> Subject {
        self.subject(self.school.teachers[i].user.id)
    }

    /// The CP (0) or the CM2 (1).
    pub fn class(&self, i: usize) -> ClassId {
        self.school.classes[i].id
    }

    /// The pupils of class `i`.
    pub fn pupils(&self, i: usize) -> Vec<UserId> {
        let class = self.class(i);
        self.school
            .pupils
            .iter()
            .filter(|p| p.user.classes.contains(&class))
            .map(|p| p.user.id)
            .collect()
    }

    /// The `n`-th pupil of class `i`.
    pub fn pupil(&self, i: usize, n: usize) -> UserId {
        *self.pupils(i).get(n).expect("pupil")
    }

    /// The `g`-th guardian of `pupil`.
    pub fn guardian(&self, pupil: UserId, g: usize) -> Subject {
        let dir = self.app.directory();
        let id = dir.user(pupil).expect("pupil").guardians[g];
        self.subject(id)
    }

    pub fn name_of(&self, user: UserId) -> String {
        self.app.directory().user(user).expect("user").full_name()
    }

    /// A new account of `role` named `first` Essai (pupils in `class`, with `guardians`).
    pub fn account(
        &self,
        role: Role,
        first: &str,
        class: Option<ClassId>,
        guardians: Vec<UserId>,
    ) -> UserId {
        let (user, _) = self
            .app
            .create_user_as_system(&UserForm {
                first_name: first.into(),
                last_name: "Essai".into(),
                role: Some(role),
                birth_date: if role == Role::Pupil {
                    "2019-05-04".into()
                } else {
                    String::new()
                },
                class,
                guardians,
                email: if role == Role::Pupil {
                    String::new()
                } else {
                    format!("{}@example.org", first.to_lowercase())
                },
                ..UserForm::default()
            })
            .expect("account");
        user.id
    }

    /// An upload of `bytes` named `name`, as the form handlers hand it over.
    pub fn received(&self, name: &str, bytes: &[u8]) -> (String, Received) {
        let mut incoming = self.app.incoming(name).expect("incoming");
        incoming.write(bytes).expect("write");
        (name.to_string(), incoming.finish().expect("finish"))
    }

    /// A file named `name` holding `text` in `who`'s own space.
    pub fn own_file(&self, who: &Subject, name: &str, text: &str) -> NodeId {
        let space = self
            .app
            .ensure_space(SpaceOwner::Personal(who.user))
            .expect("space");
        let (_, received) = self.received(name, text.as_bytes());
        self.app
            .save_file(who, space.root, name, &received)
            .expect("file")
            .id
    }
}
