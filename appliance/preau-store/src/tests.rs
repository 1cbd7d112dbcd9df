//! Store tests on real redb files.

use crate::directory::{save_user, user_id_by_login};
use crate::schema::{Migration, SCHEMA, Schema};
use crate::{Store, StoreError, Writer};
use preau_core::{Role, User, UserId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

fn pupil(id: u64, login: &str) -> User {
    User {
        id: UserId(id),
        login: login.into(),
        first_name: "Léa".into(),
        last_name: "Martin".into(),
        role: Role::Pupil,
        birth_date: None,
        classes: vec![],
        guardians: vec![],
        email: None,
        archived: false,
    }
}

#[test]
fn writes_survive_reopening_and_enter_the_change_feed() {
    let dir = tempfile::tempdir().unwrap();
    let replica = {
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|w| save_user(w, &pupil(7, "lea.martin")))
            .unwrap();
        store.replica_id()
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.replica_id(), replica, "the replica id is kept");
    let user: User = store.read().unwrap().get(7).unwrap().unwrap();
    assert_eq!(user.login, "lea.martin");
    let found = user_id_by_login(&store.read().unwrap(), "LEA.MARTIN").unwrap();
    assert_eq!(found, Some(UserId(7)));
    let feed = store.changes_since(0, 10).unwrap();
    assert_eq!(feed.len(), 1);
    assert_eq!((feed[0].replica, feed[0].seq), (replica, 1));
    assert_eq!(feed[0].key, "user/7");
}

#[test]
fn a_failed_transaction_leaves_neither_record_nor_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let result: Result<(), StoreError> = store.write(|w| {
        save_user(w, &pupil(1, "a.b"))?;
        Err(StoreError::Duplicate("forced".into()))
    });
    assert!(result.is_err());
    assert!(store.read().unwrap().get::<User>(1).unwrap().is_none());
    assert!(store.changes_since(0, 10).unwrap().is_empty());
}

#[test]
fn sign_in_identifiers_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .write(|w| save_user(w, &pupil(1, "lea.martin")))
        .unwrap();
    let err = store
        .write(|w| save_user(w, &pupil(2, "Lea.Martin")))
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)), "{err}");
    // Renaming frees the old identifier.
    store
        .write(|w| save_user(w, &pupil(1, "lea.martin2")))
        .unwrap();
    store
        .write(|w| save_user(w, &pupil(2, "lea.martin")))
        .unwrap();
}

#[test]
fn a_second_opener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked(_)), "{err}");
    assert!(err.to_string().contains("already in use"));
}

fn double_logins(w: &mut Writer) -> Result<(), StoreError> {
    for mut user in w.all::<User>()? {
        user.login = format!("{}-v2", user.login);
        save_user(w, &user)?;
    }
    Ok(())
}

static V2: Schema = Schema {
    current: 2,
    migrations: &[Migration {
        from: 1,
        describe: "suffix logins",
        run: double_logins,
    }],
};

#[test]
fn migrations_run_once_and_a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_with(dir.path(), &SCHEMA).unwrap();
        store
            .write(|w| save_user(w, &pupil(1, "tom.petit")))
            .unwrap();
    }
    for _ in 0..2 {
        let store = Store::open_with(dir.path(), &V2).unwrap();
        let user: User = store.read().unwrap().get(1).unwrap().unwrap();
        assert_eq!(user.login, "tom.petit-v2", "migrated exactly once");
    }
    let err = Store::open_with(dir.path(), &SCHEMA).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NewerFormat {
                found: 2,
                supported: 1
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer than this preau supports"));
}

/// A redb backend in memory whose writes start failing on demand.
#[derive(Debug)]
struct FailingBackend {
    inner: redb::backends::InMemoryBackend,
    failing: Arc<AtomicBool>,
}

impl FailingBackend {
    fn check(&self) -> Result<(), std::io::Error> {
        if self.failing.load(Ordering::SeqCst) {
            Err(std::io::Error::other("disk unplugged"))
        } else {
            Ok(())
        }
    }
}

impl redb::StorageBackend for FailingBackend {
    fn len(&self) -> Result<u64, std::io::Error> {
        self.inner.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), std::io::Error> {
        self.inner.read(offset, out)
    }
    fn set_len(&self, len: u64) -> Result<(), std::io::Error> {
        self.check()?;
        self.inner.set_len(len)
    }
    fn sync_data(&self) -> Result<(), std::io::Error> {
        self.check()?;
        self.inner.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> Result<(), std::io::Error> {
        self.check()?;
        self.inner.write(offset, data)
    }
}

#[test]
fn a_storage_io_error_stops_the_process() {
    let stops = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = stops.clone();
    crate::fatal::set_hook(move |message| seen.lock().unwrap().push(message.to_string()));
    let failing = Arc::new(AtomicBool::new(false));
    let backend = FailingBackend {
        inner: redb::backends::InMemoryBackend::new(),
        failing: failing.clone(),
    };
    let store = Store::open_on_backend(backend, &SCHEMA).unwrap();
    store
        .write(|w| save_user(w, &pupil(1, "ok.before")))
        .unwrap();
    failing.store(true, Ordering::SeqCst);
    let result = store.write(|w| save_user(w, &pupil(2, "lost.after")));
    assert!(result.is_err(), "the write is not acknowledged");
    let stops = stops.lock().unwrap();
    assert!(!stops.is_empty(), "the fatal path was taken");
    assert!(stops[0].contains("storage failure"), "{}", stops[0]);
}
