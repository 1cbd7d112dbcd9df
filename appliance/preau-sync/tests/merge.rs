//! Applying received changes: idempotence, gaps, partitions, conflicts and tombstones, as a
//! box and central would see them.

use preau_sync::protocol::{PullChunk, PushChunk};
use preau_sync::{
    Applied, Change, Decision, MemoryReplica, Replica, Scope, Stamp, SyncError, apply_chunk,
    apply_pull, apply_push, apply_snapshot, decide,
};

const SCHOOL: &str = "0750001A";
const OTHER: &str = "0750002B";
const BOX: u64 = 0xB0;
const CENTRAL: u64 = 0xCE;
const RENTREE: i64 = 1_756_713_600_000;

fn stamp(millis: i64, origin: u64) -> Stamp {
    Stamp {
        millis,
        counter: 0,
        origin,
    }
}

fn change(origin: u64, seq: u64, key: u64, millis: i64, value: Option<&str>) -> Change {
    Change {
        origin,
        seq,
        kind: "news".into(),
        key,
        stamp: stamp(millis, origin),
        school: SCHOOL.into(),
        scope: Scope::School,
        value: value.map(|v| v.as_bytes().to_vec()),
    }
}

fn text(r: &MemoryReplica, key: u64) -> Option<String> {
    r.value("news", key)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

fn ok<E: std::fmt::Debug>(result: Result<Applied, SyncError<E>>) -> Applied {
    match result {
        Ok(applied) => applied,
        Err(e) => panic!("refused: {e:?}"),
    }
}

#[test]
fn decide_picks_the_higher_stamp() {
    let incoming = change(BOX, 1, 1, RENTREE, Some("x"));
    assert_eq!(decide(None, &incoming), Decision::Apply);
    assert_eq!(
        decide(Some(stamp(RENTREE - 1, CENTRAL)), &incoming),
        Decision::Apply
    );
    assert_eq!(
        decide(Some(stamp(RENTREE + 1, CENTRAL)), &incoming),
        Decision::KeepLocal
    );
    assert_eq!(
        decide(Some(stamp(RENTREE, BOX)), &incoming),
        Decision::Duplicate
    );
    // Same millisecond and counter: the origin breaks the tie, the same way everywhere.
    assert_eq!(
        decide(Some(stamp(RENTREE, CENTRAL)), &incoming),
        Decision::KeepLocal
    );
}

#[test]
fn a_resent_chunk_is_applied_once() {
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    let chunk: Vec<Change> = (1..=3)
        .map(|s| change(BOX, s, s, RENTREE + s as i64, Some("v")))
        .collect();
    let first = ok(apply_chunk(&mut central, SCHOOL, &chunk));
    assert_eq!((first.applied, first.cursor), (3, 3));
    // The ack was lost: the box sends the same chunk again, then one overlapping it.
    let again = ok(apply_chunk(&mut central, SCHOOL, &chunk));
    assert_eq!(
        again,
        Applied {
            cursor: 3,
            skipped: 3,
            ..Applied::default()
        }
    );
    let overlapping: Vec<Change> = (2..=5)
        .map(|s| change(BOX, s, s, RENTREE + s as i64, Some("v")))
        .collect();
    let next = ok(apply_chunk(&mut central, SCHOOL, &overlapping));
    assert_eq!((next.applied, next.skipped, next.cursor), (2, 2, 5));
    assert!(central.received().values().all(|&n| n == 1));
    assert_eq!(central.received().len(), 5);
}

#[test]
fn a_gap_is_refused_and_nothing_is_applied() {
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    // Chunk 2 (changes 3 and 4) overtakes chunk 1 (changes 1 and 2).
    let late = [
        change(BOX, 3, 3, RENTREE + 3, Some("c")),
        change(BOX, 4, 4, RENTREE + 4, Some("d")),
    ];
    match apply_chunk(&mut central, SCHOOL, &late) {
        Err(SyncError::Gap {
            origin,
            expected,
            got,
        }) => assert_eq!((origin, expected, got), (BOX, 1, 3)),
        other => panic!("{other:?}"),
    }
    assert_eq!(central.records().count(), 0);
    assert_eq!(central.cursor(BOX), Ok(0));
    // A hole inside a chunk is a gap too.
    let holed = [
        change(BOX, 1, 1, RENTREE + 1, Some("a")),
        change(BOX, 3, 3, RENTREE + 3, Some("c")),
    ];
    assert!(matches!(
        apply_chunk(&mut central, SCHOOL, &holed),
        Err(SyncError::Gap {
            expected: 2,
            got: 3,
            ..
        })
    ));
    assert_eq!(central.records().count(), 0);
    // The box resends from the ack: everything goes in, in order.
    let early = [
        change(BOX, 1, 1, RENTREE + 1, Some("a")),
        change(BOX, 2, 2, RENTREE + 2, Some("b")),
    ];
    assert_eq!(ok(apply_chunk(&mut central, SCHOOL, &early)).cursor, 2);
    assert_eq!(ok(apply_chunk(&mut central, SCHOOL, &late)).cursor, 4);
    assert_eq!(central.records().count(), 4);
}

#[test]
fn another_schools_change_is_refused_with_nothing_applied() {
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    let mut foreign = change(BOX, 3, 3, RENTREE + 3, Some("c"));
    foreign.school = OTHER.into();
    let chunk = [
        change(BOX, 1, 1, RENTREE + 1, Some("a")),
        change(BOX, 2, 2, RENTREE + 2, Some("b")),
        foreign,
    ];
    match apply_chunk(&mut central, SCHOOL, &chunk) {
        Err(SyncError::Partition { school }) => assert_eq!(school, OTHER),
        other => panic!("{other:?}"),
    }
    assert_eq!(central.records().count(), 0);
    assert_eq!(central.cursor(BOX), Ok(0));
    assert!(central.received().is_empty());
}

#[test]
fn mixed_origins_own_changes_and_disorder_are_refused() {
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    let mixed = [
        change(BOX, 1, 1, RENTREE, Some("a")),
        change(0xB1, 2, 2, RENTREE, Some("b")),
    ];
    assert!(matches!(
        apply_chunk(&mut central, SCHOOL, &mixed),
        Err(SyncError::Origin {
            expected: BOX,
            got: 0xB1
        })
    ));
    let own = [change(CENTRAL, 1, 1, RENTREE, Some("a"))];
    assert!(matches!(
        apply_chunk(&mut central, SCHOOL, &own),
        Err(SyncError::OwnOrigin { origin: CENTRAL })
    ));
    let disordered = [
        change(BOX, 2, 2, RENTREE, Some("b")),
        change(BOX, 1, 1, RENTREE, Some("a")),
    ];
    assert!(matches!(
        apply_chunk(&mut central, SCHOOL, &disordered),
        Err(SyncError::Order { seq: 1, .. })
    ));
    let push = PushChunk {
        origin: 0xB1,
        changes: vec![change(BOX, 1, 1, RENTREE, Some("a"))],
    };
    assert!(matches!(
        apply_push(&mut central, SCHOOL, &push),
        Err(SyncError::Origin { .. })
    ));
    assert_eq!(central.records().count(), 0);
    // An empty push is answered with the ack.
    central.set_cursor(BOX, 7).ok();
    let empty = PushChunk {
        origin: BOX,
        changes: Vec::new(),
    };
    assert_eq!(ok(apply_push(&mut central, SCHOOL, &empty)).cursor, 7);
}

/// A box and central that both edited news 1 while apart, then synced: push, then pull.
#[test]
fn a_conflict_keeps_the_loser_on_both_sides() {
    let mut on_box = MemoryReplica::new(BOX, SCHOOL);
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    on_box.set_now(RENTREE);
    central.set_now(RENTREE + 60_000);
    let teacher = on_box.put("news", 1, Scope::School, b"sortie lundi".to_vec());
    let agent = central.put("news", 1, Scope::School, b"sortie mardi".to_vec());

    let pushed = ok(apply_chunk(&mut central, SCHOOL, on_box.outbox()));
    assert_eq!((pushed.applied, pushed.losers), (0, 1));
    let pull = central.pull(SCHOOL, 0, 100, 1 << 20);
    let pulled = ok(apply_pull(&mut on_box, SCHOOL, CENTRAL, 0, &pull));
    assert_eq!((pulled.applied, pulled.losers), (1, 1));

    for r in [&on_box, &central] {
        assert_eq!(text(r, 1).as_deref(), Some("sortie mardi"));
        assert!(r.keeps_loser("news", 1, teacher.stamp));
        assert!(!r.keeps_loser("news", 1, agent.stamp));
    }
}

#[test]
fn the_winner_is_the_same_whatever_the_order_of_arrival() {
    let versions = [
        change(0xA1, 1, 9, RENTREE + 5, Some("a")),
        change(0xA2, 1, 9, RENTREE + 5, Some("b")),
        change(0xA3, 1, 9, RENTREE - 100, None),
        change(0xA4, 1, 9, RENTREE + 7, None),
        change(0xA5, 1, 9, RENTREE + 6, Some("e")),
    ];
    let mut outcomes = Vec::new();
    for permutation in permutations(versions.len()) {
        let mut r = MemoryReplica::new(CENTRAL, SCHOOL);
        for &index in &permutation {
            ok(apply_chunk(&mut r, SCHOOL, &versions[index..=index]));
        }
        let winner = r.get("news", 9).map(|c| (c.stamp, c.value.clone()));
        let losers: Vec<Stamp> = r.losers().map(|c| c.stamp).collect();
        outcomes.push((winner, losers));
    }
    assert_eq!(outcomes.len(), 120);
    assert!(outcomes.windows(2).all(|w| w[0] == w[1]));
    // The deletion stamped last wins; every other version is kept.
    let (winner, losers) = &outcomes[0];
    assert_eq!(winner.as_ref().map(|w| w.0), Some(stamp(RENTREE + 7, 0xA4)));
    assert_eq!(winner.as_ref().map(|w| w.1.clone()), Some(None));
    assert_eq!(losers.len(), 4);
}

fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for position in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(position, n - 1);
            out.push(p);
        }
    }
    out
}

#[test]
fn tombstones_win_and_lose_by_stamp_like_values() {
    // A deletion stamped after an edit wins; the edit is kept.
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    central.set_now(RENTREE);
    let edit = central.put("news", 1, Scope::School, b"edited".to_vec());
    let deletion = change(BOX, 1, 1, RENTREE + 1_000, None);
    ok(apply_chunk(
        &mut central,
        SCHOOL,
        std::slice::from_ref(&deletion),
    ));
    assert_eq!(central.get("news", 1).map(Change::is_tombstone), Some(true));
    assert!(central.keeps_loser("news", 1, edit.stamp));

    // A deletion stamped before an edit loses; the deletion is kept as the loser.
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    central.set_now(RENTREE + 5_000);
    central.put("news", 2, Scope::School, b"edited later".to_vec());
    let early_deletion = change(BOX, 1, 2, RENTREE, None);
    ok(apply_chunk(
        &mut central,
        SCHOOL,
        std::slice::from_ref(&early_deletion),
    ));
    assert_eq!(text(&central, 2).as_deref(), Some("edited later"));
    assert!(central.keeps_loser("news", 2, early_deletion.stamp));

    // An old write arriving after a deletion does not bring the record back, in either
    // order of arrival.
    let tombstone = change(CENTRAL, 1, 3, RENTREE + 10_000, None);
    let stale = change(0xC2, 1, 3, RENTREE, Some("old"));
    let mut on_box = MemoryReplica::new(BOX, SCHOOL);
    ok(apply_chunk(
        &mut on_box,
        SCHOOL,
        std::slice::from_ref(&tombstone),
    ));
    ok(apply_chunk(
        &mut on_box,
        SCHOOL,
        std::slice::from_ref(&stale),
    ));
    assert_eq!(on_box.value("news", 3), None);
    assert!(on_box.keeps_loser("news", 3, stale.stamp));
    let mut other = MemoryReplica::new(BOX, SCHOOL);
    ok(apply_chunk(
        &mut other,
        SCHOOL,
        std::slice::from_ref(&stale),
    ));
    ok(apply_chunk(
        &mut other,
        SCHOOL,
        std::slice::from_ref(&tombstone),
    ));
    assert_eq!(other.get("news", 3), on_box.get("news", 3));
    assert!(other.keeps_loser("news", 3, stale.stamp));
}

#[test]
fn a_writers_own_later_version_is_not_a_conflict() {
    let mut on_box = MemoryReplica::new(BOX, SCHOOL);
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    on_box.set_now(RENTREE);
    on_box.put("news", 1, Scope::School, b"v1".to_vec());
    on_box.set_now(RENTREE + 1);
    on_box.put("news", 1, Scope::School, b"v2".to_vec());
    let applied = ok(apply_chunk(&mut central, SCHOOL, on_box.outbox()));
    assert_eq!((applied.applied, applied.losers), (2, 0));
    assert_eq!(text(&central, 1).as_deref(), Some("v2"));
    assert_eq!(central.losers().count(), 0);
    // A version resent by a replica that received it is recognised as the same.
    let current = central.get("news", 1).cloned().expect("news 1 at central");
    let resent = Change {
        origin: BOX,
        seq: 3,
        ..current
    };
    assert_eq!(
        ok(apply_chunk(&mut central, SCHOOL, &[resent])).duplicates,
        1
    );
}

#[test]
fn pull_answers_with_holes_and_late_duplicates() {
    let mut on_box = MemoryReplica::new(BOX, SCHOOL);
    // Central's sequence is shared with another school: 1 and 3 are not for this box.
    let first = PullChunk {
        changes: vec![change(CENTRAL, 2, 2, RENTREE + 2, Some("b"))],
        last: 3,
        more: true,
    };
    assert_eq!(
        ok(apply_pull(&mut on_box, SCHOOL, CENTRAL, 0, &first)).cursor,
        3
    );
    let second = PullChunk {
        changes: vec![change(CENTRAL, 5, 5, RENTREE + 5, Some("e"))],
        last: 6,
        more: false,
    };
    // An answer to a request the box has not made yet (after 4, cursor 3) is a gap.
    assert!(matches!(
        apply_pull(&mut on_box, SCHOOL, CENTRAL, 4, &second),
        Err(SyncError::Gap { .. })
    ));
    assert_eq!(
        ok(apply_pull(&mut on_box, SCHOOL, CENTRAL, 3, &second)).cursor,
        6
    );
    // The first answer, delivered again late, changes nothing.
    let again = ok(apply_pull(&mut on_box, SCHOOL, CENTRAL, 0, &first));
    assert_eq!(
        again,
        Applied {
            cursor: 6,
            skipped: 1,
            ..Applied::default()
        }
    );
    // A change outside the range the answer claims is refused.
    let lying = PullChunk {
        changes: vec![change(CENTRAL, 9, 9, RENTREE, Some("x"))],
        last: 8,
        more: false,
    };
    assert!(matches!(
        apply_pull(&mut on_box, SCHOOL, CENTRAL, 6, &lying),
        Err(SyncError::Order { seq: 9, .. })
    ));
    assert!(on_box.received().values().all(|&n| n == 1));
    assert_eq!(on_box.cursor(CENTRAL), Ok(6));
}

#[test]
fn a_restored_box_catches_up_from_a_snapshot() {
    let mut central = MemoryReplica::new(CENTRAL, SCHOOL);
    // What the old box (0xB0) pushed after the backup was taken, as central holds it.
    ok(apply_chunk(
        &mut central,
        SCHOOL,
        &[
            change(BOX, 1, 1, RENTREE + 1, Some("before backup")),
            change(BOX, 2, 2, RENTREE + 2, Some("after backup")),
        ],
    ));
    // The restored box has only the first; it runs under a new id.
    let mut restored = MemoryReplica::new(0xB1, SCHOOL);
    ok(apply_snapshot(
        &mut restored,
        SCHOOL,
        &[change(BOX, 1, 1, RENTREE + 1, Some("before backup"))],
    ));
    let applied = ok(apply_snapshot(
        &mut restored,
        SCHOOL,
        &central.snapshot(SCHOOL),
    ));
    assert_eq!((applied.applied, applied.duplicates), (1, 1));
    assert_eq!(text(&restored, 2).as_deref(), Some("after backup"));
    let mut foreign = change(BOX, 3, 3, RENTREE, Some("x"));
    foreign.school = OTHER.into();
    assert!(matches!(
        apply_snapshot(&mut restored, SCHOOL, &[foreign]),
        Err(SyncError::Partition { .. })
    ));
}

#[test]
fn tombstones_are_purged_after_the_limit_unless_pending() {
    const DAY: i64 = 24 * 3600 * 1000;
    let mut on_box = MemoryReplica::new(BOX, SCHOOL);
    on_box.set_now(RENTREE);
    on_box.put("news", 1, Scope::School, b"a".to_vec());
    on_box.put("news", 2, Scope::School, b"b".to_vec());
    on_box.delete("news", 1);
    on_box.delete("news", 2);
    assert_eq!(on_box.delete("news", 2), None);
    on_box.acknowledge(3);
    on_box.set_now(RENTREE + 120 * DAY);
    assert!(on_box.purge_tombstones().is_empty());
    on_box.set_now(RENTREE + 131 * DAY);
    // Deletion 3 (news 1) was acknowledged; deletion 4 (news 2) was never pushed.
    assert_eq!(on_box.purge_tombstones(), [("news".to_string(), 1)]);
    assert!(on_box.get("news", 2).is_some());
    on_box.acknowledge(4);
    assert_eq!(on_box.purge_tombstones(), [("news".to_string(), 2)]);
}
