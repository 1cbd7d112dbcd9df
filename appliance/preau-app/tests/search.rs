//! The search index is derived data: lost or corrupted, it is recreated empty, reported as
//! being built (the search page says so), and rebuilt from the store.

use preau_app::demo::DemoPlan;
use preau_app::search::{IndexState, SearchQuery};
use preau_app::{App, Settings, system_clock};
use preau_core::SpaceOwner;
use preau_store::Store;

fn open(dir: &std::path::Path) -> App {
    App::new(
        Store::open(dir).expect("store"),
        Settings::default(),
        system_clock(),
    )
    .expect("app")
}

#[test]
fn a_corrupted_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = open(dir.path());
    let school = app.seed_demo(&DemoPlan::small()).expect("demo");
    let head = {
        let d = app.directory();
        d.subject(
            d.user(school.headteacher.as_ref().expect("head").user.id)
                .expect("user"),
        )
    };
    let staff = app.ensure_space(SpaceOwner::Staff).expect("space");
    let mut incoming = app.incoming("conseil.txt").expect("incoming");
    incoming
        .write("Conseil d'école : la kermesse aura lieu en juin.".as_bytes())
        .expect("write");
    let received = incoming.finish().expect("finish");
    app.save_file(&head, staff.root, "conseil.txt", &received)
        .expect("save");
    app.index_pending().expect("index");
    assert_eq!(app.index_state(), IndexState::Ready);
    let query = || SearchQuery {
        text: "kermesse".into(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(app.search(&head, query()).expect("search").total, 1);
    drop(app);

    std::fs::write(dir.path().join("index").join("meta.json"), b"\0\0garbage").expect("corrupt");
    let app = open(dir.path());
    assert_eq!(
        app.index_state(),
        IndexState::Building,
        "the search page says so"
    );
    assert_eq!(
        app.search(&head, query()).expect("search").total,
        0,
        "empty meanwhile"
    );
    app.index_pending().expect("rebuild");
    assert_eq!(app.index_state(), IndexState::Ready);
    assert_eq!(app.search(&head, query()).expect("search").total, 1);
}
