//! A box restored from a backup: `preau::backup` copies the data of a stopped box, the
//! restore gives the database a new replica id, and what the restored box writes reaches
//! central — never mistaken for what the old box wrote after the backup.

use preau_app::{App, Settings};
use preau_core::{LogbookEntry, Role, UserId};
use preau_store::Store;
use preau_tests::bundles::{Commune, UAI, description, onde_fixture, write_bundle};
use preau_tests::central::{TestCentral, TestClock};
use std::path::Path;
use std::sync::Arc;

fn open(data: &Path, clock: &TestClock) -> Arc<App> {
    let store = Store::open(data).expect("store");
    Arc::new(App::new(store, Settings::default(), clock.clock()).expect("app"))
}

/// The first teacher with a class writes a session with homework; returns its id.
fn write_homework(app: &App, title: &str) -> u64 {
    let directory = app.directory();
    let class = directory
        .all_classes()
        .into_iter()
        .find(|c| !c.teachers.is_empty())
        .expect("a class with a teacher");
    let teacher: UserId = class.teachers[0];
    assert_eq!(directory.user(teacher).map(|u| u.role), Some(Role::Teacher));
    let form = preau_app::logbook::EntryForm {
        date: "2026-11-30".into(),
        title: title.into(),
        done: "Lecture".into(),
        ..Default::default()
    };
    let me = directory.subject(directory.user(teacher).expect("teacher"));
    app.write_logbook_entry(&me, class.id, &form)
        .expect("write")
        .remove(0)
        .id
        .0
}

async fn sync(app: &Arc<App>, settings: &preau::sync_client::SyncSettings) {
    for _ in 0..50 {
        match preau::sync_client::sync_once(app, settings).await {
            Ok(Some(false)) => return,
            Ok(_) => {}
            Err(e) => panic!("sync failed: {e:#}"),
        }
    }
    panic!("sync did not settle");
}

fn at_central(central: &TestCentral, id: u64) -> bool {
    central
        .school(UAI)
        .store()
        .read()
        .expect("read")
        .get::<LogbookEntry>(id)
        .expect("get")
        .is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_box_takes_a_new_replica_id_and_its_writes_reach_central() {
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, "École Jules-Ferry")], None, &clock).await;
    let settings = preau::sync_client::SyncSettings {
        central_url: format!("https://localhost:{}", central.addr().port()),
        central_ca: std::fs::read(&central.tls_ca).expect("ca"),
    };
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let app = open(&data, &clock);
    let onde = vec![
        onde_fixture("eleves-2024-utf8.csv"),
        onde_fixture("responsables-2024-par-eleve.csv"),
        onde_fixture("enseignants-2024.csv"),
    ];
    let bundle = commune.bundle(&description("jules-ferry", UAI, ""), &onde);
    let zip = write_bundle(&bundle, &dir.path().join("stick"));
    app.provision_from_files(&zip, commune.ca.public_key());
    let before = write_homework(&app, "Avant la sauvegarde");
    sync(&app, &settings).await;
    assert!(at_central(&central, before));
    let old_replica = app.replica_id();
    drop(app);

    // The night's backup, taken while the service is stopped; a running box refuses it.
    let backup = dir.path().join("backup");
    let copied = preau::backup::backup(&data, &backup).expect("backup");
    assert_eq!(copied.replica, old_replica);
    let running = open(&data, &clock);
    assert!(
        preau::backup::backup(&data, &dir.path().join("other")).is_err(),
        "a running box cannot be backed up"
    );
    // The old box works on after the backup, then its disk dies.
    let after = write_homework(&running, "Après la sauvegarde");
    sync(&running, &settings).await;
    assert!(at_central(&central, after));
    drop(running);

    // Restored on a new disk: a new replica id; what it writes reaches central.
    let restored_data = dir.path().join("restored");
    let restored = preau::backup::restore(&backup, &restored_data).expect("restore");
    assert_ne!(restored.replica, old_replica);
    assert!(
        preau::backup::restore(&backup, &restored_data).is_err(),
        "never restore over data"
    );
    let app = open(&restored_data, &clock);
    assert_eq!(app.replica_id(), restored.replica);
    assert!(app.directory().school().is_some(), "the school came back");
    let new = write_homework(&app, "Après la restauration");
    sync(&app, &settings).await;
    assert!(
        at_central(&central, new),
        "the restored box's write reached central"
    );
    assert!(at_central(&central, before) && at_central(&central, after));
    assert!(
        central
            .school(UAI)
            .sync_cursor(restored.replica)
            .expect("cursor")
            > 0
    );
}
