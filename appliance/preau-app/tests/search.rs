//! The search index is derived data: lost or corrupted, it is recreated empty, reported as
//! being built (the search page says so), and rebuilt from the store.

mod support;

use preau_app::search::{IndexState, SearchQuery};
use preau_core::SpaceOwner;
use support::School;

#[test]
fn a_corrupted_index_is_rebuilt_from_the_store() {
    let w = School::monday_morning();
    let head = w.head();
    let staff = w.app.ensure_space(SpaceOwner::Staff).expect("space");
    let (_, received) = w.received(
        "conseil.txt",
        "Conseil d'école : la kermesse aura lieu en juin.".as_bytes(),
    );
    w.app
        .save_file(&head, staff.root, "conseil.txt", &received)
        .expect("save");
    w.app.index_pending().expect("index");
    assert_eq!(w.app.index_state(), IndexState::Ready);
    let query = || SearchQuery {
        text: "kermesse".into(),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(w.app.search(&head, query()).expect("search").total, 1);

    let w = w.restart(|dir| {
        std::fs::write(dir.join("index").join("meta.json"), b"\0\0garbage").expect("corrupt")
    });
    assert_eq!(
        w.app.index_state(),
        IndexState::Building,
        "the search page says so"
    );
    assert_eq!(
        w.app.search(&head, query()).expect("search").total,
        0,
        "empty meanwhile"
    );
    w.app.index_pending().expect("rebuild");
    assert_eq!(w.app.index_state(), IndexState::Ready);
    assert_eq!(w.app.search(&head, query()).expect("search").total, 1);
}
