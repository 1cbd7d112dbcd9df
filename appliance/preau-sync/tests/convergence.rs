//! Convergence of a box and central under concurrent edits and a faulty link.
//!
//! A box replica and a central replica (`MemoryReplica`) edit the same few records
//! concurrently (creations, updates, deletions, so that conflicts happen); central also
//! writes another school's records, which the box must never see. Changes travel as encoded
//! protocol messages, in chunks, over a simulated link that drops, duplicates, delays and
//! reorders them, and is cut for a while now and then. The box pushes before it pulls, and
//! resends from the acknowledgement after a silence. Then the link heals, editing stops, and
//! sync runs until there is nothing left to send.
//!
//! At the end: both replicas hold identical current records and stamps; no change was
//! applied twice; the winner of every record is its highest-stamped write; every kept loser
//! did lose; and the last write of every replica to every record is the winner or a loser
//! kept somewhere visible.
//!
//! `PREAU_SYNC_SEEDS=n` runs n seeds (500 by default); `PREAU_SYNC_SEED=s` runs seed s only.
//! A failure names its seed.

use preau_sync::plan::{DEFAULT_CHUNK_BYTES, chunks};
use preau_sync::protocol::{PullChunk, PullRequest, PushAck, PushChunk, decode, encode};
use preau_sync::{
    Change, MIN_TOMBSTONE_MILLIS, MemoryReplica, Replica, Scope, Stamp, SyncError,
    TOMBSTONE_MILLIS, apply_pull, apply_push,
};
use std::collections::{BTreeMap, BTreeSet};

const SCHOOL: &str = "0750001A";
const OTHER: &str = "0750002B";
const KINDS: [&str; 2] = ["news", "liaison_answer"];
/// 2025-09-01T08:00:00Z.
const RENTREE: i64 = 1_756_713_600_000;
const DAY: i64 = 24 * 3600 * 1000;
/// Steps without progress after which the box resends from what it knows.
const TIMEOUT: u64 = 8;

/// Returns `Err` with a message (the caller adds the seed).
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// xorshift64*: small, seeded, good enough to pick actions.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, never 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What travels on the link: encoded protocol messages.
#[derive(Clone, Debug)]
enum Payload {
    Push(Vec<u8>),
    Ack(Vec<u8>),
    PullRequest(Vec<u8>),
    /// A pull answer, with the `after` of the request it answers (the box's HTTP client
    /// knows which request an answer belongs to).
    PullAnswer {
        after: u64,
        bytes: Vec<u8>,
    },
}

#[derive(Clone, Debug)]
struct Packet {
    due: u64,
    payload: Payload,
}

/// How bad the link is.
#[derive(Clone, Copy, Debug)]
struct Faults {
    drop: u64,
    duplicate: u64,
    max_delay: u64,
    partitions: u64,
}

const PERFECT: Faults = Faults {
    drop: 0,
    duplicate: 0,
    max_delay: 1,
    partitions: 0,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Pushing everything up to `target` before pulling.
    Pushing {
        target: u64,
    },
    Pulling,
}

/// What the test saw happen, summed over seeds to check that the faults were exercised.
#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    conflicts: usize,
    gaps: usize,
    skipped: usize,
    resends: usize,
    dropped: usize,
    stale_answers: usize,
    tombstones: usize,
    other_school_skipped: usize,
}

/// The school's records at a replica: record → (stamp, value, scope).
type View = BTreeMap<(String, u64), (Stamp, Option<Vec<u8>>, Scope)>;

struct Sim {
    rng: Rng,
    step: u64,
    real: i64,
    box_offset: i64,
    on_box: MemoryReplica,
    central: MemoryReplica,
    link: Vec<Packet>,
    faults: Faults,
    cut_until: u64,
    phase: Phase,
    sent_upto: u64,
    acked: u64,
    last_progress: u64,
    chunk_changes: usize,
    window: u64,
    pull_limit: u32,
    stats: Stats,
    /// What the current session must push before it pulls.
    session_target: u64,
}

impl Sim {
    fn new(seed: u64, faults: Faults) -> Sim {
        let mut rng = Rng::new(seed);
        // Ids from the seed, so that the origin tie-break goes both ways across seeds.
        let box_id = 0x1000 + rng.below(1 << 20);
        let mut central_id = 0x1000 + rng.below(1 << 20);
        if central_id == box_id {
            central_id += 1;
        }
        let chunk_changes = 1 + rng.below(4) as usize;
        let window = 1 + rng.below(3);
        let pull_limit = 1 + rng.below(5) as u32;
        let box_offset = rng.below(4 * DAY as u64) as i64 - 2 * DAY;
        Sim {
            rng,
            step: 0,
            real: RENTREE,
            box_offset,
            on_box: MemoryReplica::new(box_id, SCHOOL),
            central: MemoryReplica::new(central_id, SCHOOL),
            link: Vec::new(),
            faults,
            cut_until: 0,
            phase: Phase::Idle,
            sent_upto: 0,
            acked: 0,
            last_progress: 0,
            chunk_changes,
            window,
            pull_limit,
            stats: Stats::default(),
            session_target: 0,
        }
    }

    fn box_id(&self) -> u64 {
        self.on_box.id()
    }

    fn central_id(&self) -> u64 {
        self.central.id()
    }

    fn set_clocks(&mut self) {
        self.on_box.set_now(self.real + self.box_offset);
        self.central.set_now(self.real);
    }

    fn send(&mut self, payload: Payload) {
        if self.step < self.cut_until || self.rng.chance(self.faults.drop) {
            self.stats.dropped += 1;
            return;
        }
        let copies = if self.rng.chance(self.faults.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let due = self.step + 1 + self.rng.below(self.faults.max_delay);
            self.link.push(Packet {
                due,
                payload: payload.clone(),
            });
        }
    }

    /// A random local edit of one of the school's few records (or, at central, of the
    /// other school's).
    fn edit(&mut self, at_central: bool) {
        let kind = KINDS[self.rng.below(KINDS.len() as u64) as usize];
        let other_school = at_central && self.rng.chance(20);
        let key = if other_school { 100 } else { 0 } + 1 + self.rng.below(3);
        let replica = if at_central {
            &mut self.central
        } else {
            &mut self.on_box
        };
        let has_value = replica.value(kind, key).is_some();
        if has_value && self.rng.chance(25) {
            replica.delete(kind, key);
            self.stats.tombstones += 1;
        } else {
            let value = format!(
                "{}:{}:{}",
                if at_central { "c" } else { "b" },
                self.step,
                key
            );
            let school = if other_school { OTHER } else { SCHOOL };
            let scope = match key % 3 {
                0 => Scope::School,
                1 => Scope::Class(key),
                _ => Scope::Family(key),
            };
            replica.write_local(school, kind, key, scope, Some(value.into_bytes()));
        }
    }

    fn start_session(&mut self) {
        self.session_target = self.on_box.last_seq();
        self.phase = Phase::Pushing {
            target: self.session_target,
        };
        self.sent_upto = self.acked;
        self.last_progress = self.step;
    }

    fn request_pull(&mut self) -> Result<(), String> {
        let after = self.on_box.cursor(self.central_id()).unwrap_or_default();
        let request = PullRequest {
            after,
            limit: self.pull_limit,
        };
        let bytes = encode(&request).map_err(|e| e.to_string())?;
        self.send(Payload::PullRequest(bytes));
        Ok(())
    }

    /// The box's side, once per step: push (pipelined, resending from the ack after a
    /// silence), then pull.
    fn box_tick(&mut self) -> Result<(), String> {
        let timed_out = self.step.saturating_sub(self.last_progress) > TIMEOUT;
        match self.phase {
            Phase::Idle => {}
            Phase::Pushing { target } => {
                if self.acked >= target {
                    self.phase = Phase::Pulling;
                    self.last_progress = self.step;
                    return self.request_pull();
                }
                if timed_out {
                    self.sent_upto = self.acked;
                    self.last_progress = self.step;
                    self.stats.resends += 1;
                }
                let limit = self.acked + self.window * self.chunk_changes as u64;
                while self.sent_upto < self.on_box.last_seq() && self.sent_upto < limit {
                    let Some(chunk) = chunks(
                        self.on_box.outbox(),
                        self.sent_upto,
                        self.chunk_changes,
                        DEFAULT_CHUNK_BYTES,
                    )
                    .next()
                    .map(<[Change]>::to_vec) else {
                        break;
                    };
                    self.sent_upto = chunk.last().map_or(self.sent_upto, |c| c.seq);
                    let message = PushChunk {
                        origin: self.box_id(),
                        changes: chunk,
                    };
                    let bytes = encode(&message).map_err(|e| e.to_string())?;
                    self.send(Payload::Push(bytes));
                }
            }
            Phase::Pulling => {
                if timed_out {
                    self.last_progress = self.step;
                    self.stats.resends += 1;
                    self.request_pull()?;
                }
            }
        }
        Ok(())
    }

    fn deliver(&mut self, packet: Packet) -> Result<(), String> {
        if self.step < self.cut_until {
            self.stats.dropped += 1;
            return Ok(());
        }
        match packet.payload {
            Payload::Push(bytes) => {
                let chunk: PushChunk = decode(&bytes).map_err(|e| format!("push: {e}"))?;
                ensure!(
                    chunk.origin == self.box_id(),
                    "push from {:#x}",
                    chunk.origin
                );
                let cursor = match apply_push(&mut self.central, SCHOOL, &chunk) {
                    Ok(applied) => {
                        self.stats.conflicts += applied.losers;
                        self.stats.skipped += applied.skipped;
                        applied.cursor
                    }
                    Err(SyncError::Gap { .. }) => {
                        self.stats.gaps += 1;
                        self.central.cursor(chunk.origin).unwrap_or_default()
                    }
                    Err(e) => return Err(format!("central refused a push: {e}")),
                };
                let ack = encode(&PushAck { acked: cursor }).map_err(|e| e.to_string())?;
                self.send(Payload::Ack(ack));
            }
            Payload::Ack(bytes) => {
                let ack: PushAck = decode(&bytes).map_err(|e| format!("ack: {e}"))?;
                ensure!(
                    ack.acked <= self.on_box.last_seq(),
                    "central acknowledged {} of {}",
                    ack.acked,
                    self.on_box.last_seq()
                );
                // A stale ack changes nothing; a refused chunk shows as a silence, after
                // which the box resends from the ack.
                if ack.acked > self.acked {
                    self.acked = ack.acked;
                    self.on_box.acknowledge(ack.acked);
                    self.last_progress = self.step;
                }
            }
            Payload::PullRequest(bytes) => {
                let request: PullRequest = decode(&bytes).map_err(|e| format!("pull: {e}"))?;
                // Central learns how far the box holds its changes (for its tombstones).
                self.central.acknowledge(request.after);
                let answer =
                    self.central
                        .pull(SCHOOL, request.after, request.limit, DEFAULT_CHUNK_BYTES);
                let bytes = encode(&answer).map_err(|e| e.to_string())?;
                self.send(Payload::PullAnswer {
                    after: request.after,
                    bytes,
                });
            }
            Payload::PullAnswer { after, bytes } => {
                let chunk: PullChunk = decode(&bytes).map_err(|e| format!("answer: {e}"))?;
                ensure!(
                    chunk.changes.iter().all(|c| c.school == SCHOOL),
                    "central sent another school's change"
                );
                if self.phase != Phase::Pulling {
                    // Nobody waits for it any more (the request timed out, the session
                    // moved on): an HTTP client would not read it.
                    self.stats.stale_answers += 1;
                    return Ok(());
                }
                // Push before pull: everything the box had when the session started is
                // at central before anything of central's is applied here.
                ensure!(
                    self.acked >= self.session_target,
                    "pulling with {} of {} pushed",
                    self.acked,
                    self.session_target
                );
                let central = self.central_id();
                let before = self.on_box.cursor(central).unwrap_or_default();
                match apply_pull(&mut self.on_box, SCHOOL, central, after, &chunk) {
                    Ok(applied) => {
                        self.stats.conflicts += applied.losers;
                        self.stats.skipped += applied.skipped;
                    }
                    Err(e) => return Err(format!("the box refused a pull answer: {e}")),
                }
                if chunk.last < before {
                    self.stats.stale_answers += 1;
                    return Ok(());
                }
                self.last_progress = self.step;
                if chunk.more {
                    self.request_pull()?;
                } else {
                    self.phase = Phase::Idle;
                }
            }
        }
        Ok(())
    }

    /// Delivers the packets due now, in random order.
    fn deliver_due(&mut self) -> Result<(), String> {
        let mut due = Vec::new();
        let mut index = 0;
        while index < self.link.len() {
            if self.link[index].due <= self.step {
                due.push(self.link.swap_remove(index));
            } else {
                index += 1;
            }
        }
        while !due.is_empty() {
            let pick = self.rng.below(due.len() as u64) as usize;
            let packet = due.swap_remove(pick);
            self.deliver(packet)?;
        }
        Ok(())
    }

    /// One step of the chaotic phase.
    fn chaotic_step(&mut self) -> Result<(), String> {
        self.step += 1;
        self.real += self.rng.below(60_000) as i64;
        if self.rng.chance(1) {
            // The box's clock steps back (an NTP correction, a reboot without RTC).
            self.box_offset -= self.rng.below(600_000) as i64;
        }
        self.set_clocks();
        if self.rng.chance(30) {
            self.edit(false);
        }
        if self.rng.chance(30) {
            self.edit(true);
        }
        if self.step >= self.cut_until && self.rng.chance(self.faults.partitions) {
            self.cut_until = self.step + 10 + self.rng.below(60);
        }
        if self.phase == Phase::Idle && self.rng.chance(20) {
            self.start_session();
        }
        self.deliver_due()?;
        self.box_tick()
    }

    /// Whether anything is left to sync.
    fn settled(&self) -> bool {
        self.phase == Phase::Idle
            && self.link.is_empty()
            && self.acked == self.on_box.last_seq()
            && self.on_box.cursor(self.central_id()).unwrap_or_default() == self.central.last_seq()
    }

    /// One whole session on a perfect link (hello, push, pull), as the box runs every few
    /// seconds while all is well: central learns how far the box holds its changes.
    fn session(&mut self) -> Result<(), String> {
        self.faults = PERFECT;
        self.start_session();
        for _ in 0..20_000 {
            if self.phase == Phase::Idle && self.link.is_empty() {
                return Ok(());
            }
            self.step += 1;
            self.deliver_due()?;
            self.box_tick()?;
        }
        Err("a session did not end".into())
    }

    /// Heals the link and syncs until nothing is left, within a bound.
    fn heal(&mut self) -> Result<(), String> {
        self.faults = PERFECT;
        self.cut_until = 0;
        for _ in 0..20_000 {
            if self.settled() {
                return Ok(());
            }
            self.step += 1;
            self.real += 1_000;
            self.set_clocks();
            if self.phase == Phase::Idle {
                self.start_session();
            }
            self.deliver_due()?;
            self.box_tick()?;
        }
        Err(format!(
            "sync did not settle: phase {:?}, acked {} of {}, pulled {} of {}",
            self.phase,
            self.acked,
            self.on_box.last_seq(),
            self.on_box.cursor(self.central_id()).unwrap_or_default(),
            self.central.last_seq()
        ))
    }

    /// Checks everything the test promises.
    fn check(&self) -> Result<(), String> {
        let view = |r: &MemoryReplica| -> View {
            r.snapshot(SCHOOL)
                .into_iter()
                .map(|c| ((c.kind.clone(), c.key), (c.stamp, c.value, c.scope)))
                .collect()
        };
        let (on_box, central) = (view(&self.on_box), view(&self.central));
        for (record, version) in &central {
            ensure!(
                on_box.get(record) == Some(version),
                "{record:?}: central has {:?}, the box {:?}",
                version.0,
                on_box.get(record).map(|v| v.0)
            );
        }
        ensure!(
            on_box.len() == central.len(),
            "the box holds {} records, central {}",
            on_box.len(),
            central.len()
        );
        ensure!(
            self.on_box.records().all(|s| s.change.school == SCHOOL)
                && self.on_box.losers().all(|c| c.school == SCHOOL),
            "the box holds another school's record"
        );
        for r in [&self.on_box, &self.central] {
            if let Some(((origin, seq), n)) = r.received().iter().find(|(_, n)| **n != 1) {
                return Err(format!("change {seq} of {origin:#x} applied {n} times"));
            }
        }
        // Every write of either replica to the school's records, by record.
        let mut writes: BTreeMap<(String, u64), Vec<&Change>> = BTreeMap::new();
        for change in self.on_box.outbox().iter().chain(self.central.outbox()) {
            if change.school == SCHOOL {
                writes
                    .entry((change.kind.clone(), change.key))
                    .or_default()
                    .push(change);
            }
        }
        for (record, all) in &writes {
            let Some((winner, _, _)) = central.get(record) else {
                return Err(format!("{record:?} was written but is nowhere"));
            };
            let highest = all.iter().map(|c| c.stamp).max();
            ensure!(
                highest == Some(*winner),
                "{record:?}: winner {winner} is not the highest write {highest:?}"
            );
            // The last write of each replica: the winner or a visible loser.
            let mut last_by_origin: BTreeMap<u64, &Change> = BTreeMap::new();
            for change in all {
                last_by_origin.insert(change.origin, change);
            }
            for last in last_by_origin.values() {
                let kept = self.on_box.keeps_loser(&record.0, record.1, last.stamp)
                    || self.central.keeps_loser(&record.0, record.1, last.stamp);
                ensure!(
                    last.stamp == *winner || kept,
                    "{record:?}: the write {} of {:#x} is lost",
                    last.stamp,
                    last.origin
                );
            }
        }
        for r in [&self.on_box, &self.central] {
            for loser in r.losers() {
                let current = r.get(&loser.kind, loser.key).map(|c| c.stamp);
                ensure!(
                    current.is_some_and(|c| c > loser.stamp),
                    "kept loser {} of {}/{} did not lose (current {current:?})",
                    loser.stamp,
                    loser.kind,
                    loser.key
                );
            }
        }
        Ok(())
    }
}

fn run_seed(seed: u64) -> Result<Stats, String> {
    let mut rng = Rng::new(seed ^ 0xFA17);
    let faults = Faults {
        drop: rng.below(25),
        duplicate: rng.below(25),
        max_delay: 1 + rng.below(6),
        partitions: 1 + rng.below(3),
    };
    let mut sim = Sim::new(seed, faults);
    sim.set_clocks();
    for _ in 0..250 {
        sim.chaotic_step()?;
    }
    sim.heal()?;
    sim.check()?;
    let other_school_writes = sim
        .central
        .outbox()
        .iter()
        .filter(|c| c.school == OTHER)
        .count();
    sim.stats.other_school_skipped = other_school_writes;
    Ok(sim.stats)
}

fn seeds() -> Vec<u64> {
    if let Some(seed) = std::env::var("PREAU_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![seed];
    }
    let count = std::env::var("PREAU_SYNC_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500u64);
    (0..count).collect()
}

/// Runs `check` for `seed`, naming the seed on failure (and on a panic inside).
fn with_seed<T>(name: &str, seed: u64, check: impl FnOnce() -> Result<T, String>) -> T {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
    let rerun =
        format!("rerun: PREAU_SYNC_SEED={seed} cargo test -p preau-sync --test convergence");
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(message)) => panic!("{name} failed for seed {seed} ({rerun}): {message}"),
        Err(_) => panic!("{name} panicked for seed {seed} ({rerun})"),
    }
}

#[test]
fn box_and_central_converge_over_a_faulty_link() {
    let started = std::time::Instant::now();
    let seeds = seeds();
    let mut total = Stats::default();
    for &seed in &seeds {
        let stats = with_seed("convergence", seed, || run_seed(seed));
        total.conflicts += stats.conflicts;
        total.gaps += stats.gaps;
        total.skipped += stats.skipped;
        total.resends += stats.resends;
        total.dropped += stats.dropped;
        total.stale_answers += stats.stale_answers;
        total.tombstones += stats.tombstones;
        total.other_school_skipped += stats.other_school_skipped;
    }
    eprintln!(
        "{} seeds in {:.2?}: {total:?}",
        seeds.len(),
        started.elapsed()
    );
    if seeds.len() >= 50 {
        // The faults the test is about did happen.
        assert!(total.conflicts > 0, "no conflict: {total:?}");
        assert!(total.gaps > 0, "no gap: {total:?}");
        assert!(total.skipped > 0, "no resent change: {total:?}");
        assert!(total.resends > 0, "no resend: {total:?}");
        assert!(total.dropped > 0, "no drop: {total:?}");
        assert!(total.stale_answers > 0, "no stale answer: {total:?}");
        assert!(total.tombstones > 0, "no deletion: {total:?}");
        assert!(total.other_school_skipped > 0, "no other school: {total:?}");
    }
}

/// Tombstones of the school at a replica: record → stamp.
fn tombstones(r: &MemoryReplica) -> BTreeSet<(String, u64, Stamp)> {
    r.records()
        .filter(|s| s.change.is_tombstone())
        .map(|s| (s.change.kind.clone(), s.change.key, s.change.stamp))
        .collect()
}

fn values(r: &MemoryReplica) -> BTreeMap<(String, u64), (Stamp, Vec<u8>)> {
    r.records()
        .filter_map(|s| {
            s.change
                .value
                .clone()
                .map(|v| ((s.change.kind.clone(), s.change.key), (s.change.stamp, v)))
        })
        .collect()
}

/// A box switched off for 70 days with unpushed writes, whose clock on return is still the
/// day it was switched off (a Raspberry Pi without a real-time clock): none of its writes
/// is lost, and no tombstone younger than the limit is purged, on either side.
fn seventy_days_away(seed: u64) -> Result<(), String> {
    let mut sim = Sim::new(seed, PERFECT);
    sim.box_offset = 0;
    sim.set_clocks();

    // Day 0: both sides write, delete, and sync.
    for key in 1..=6 {
        sim.on_box.put(
            "news",
            key,
            Scope::School,
            format!("news {key}").into_bytes(),
        );
        sim.central.put(
            "liaison_answer",
            key,
            Scope::Family(key),
            b"signed".to_vec(),
        );
    }
    sim.heal()?;
    sim.on_box.delete("news", 1);
    sim.central.delete("liaison_answer", 1);
    sim.heal()?;
    sim.check()?;

    // An hour later, teachers write on the box; it is switched off before it syncs.
    sim.real += 3_600_000;
    sim.set_clocks();
    let off_clock = sim.on_box.now();
    sim.on_box.put(
        "news",
        2,
        Scope::School,
        b"edited before the holidays".to_vec(),
    );
    sim.on_box.put(
        "liaison_answer",
        2,
        Scope::Family(2),
        b"corrected by the teacher".to_vec(),
    );
    sim.on_box.delete("news", 4);
    sim.on_box.delete("liaison_answer", 3);
    let unpushed: Vec<Change> = sim.on_box.outbox()[sim.acked as usize..].to_vec();
    ensure!(unpushed.len() == 4, "{} unpushed writes", unpushed.len());

    // 70 days: parents and agents write at central, which purges tombstones daily.
    for day in 1..=70 {
        sim.real = RENTREE + day * DAY;
        sim.central.set_now(sim.real);
        for _ in 0..1 + sim.rng.below(3) {
            let kind = KINDS[sim.rng.below(2) as usize];
            let key = 2 + sim.rng.below(5);
            if sim.central.value(kind, key).is_some() && sim.rng.chance(20) {
                sim.central.delete(kind, key);
            } else {
                sim.central.put(
                    kind,
                    key,
                    Scope::Family(key),
                    format!("day {day}").into_bytes(),
                );
            }
        }
        let purged = sim.central.purge_tombstones();
        ensure!(purged.is_empty(), "central purged {purged:?} on day {day}");
    }
    sim.central
        .put("news", 6, Scope::School, b"menu changed".to_vec());

    // Day 70: the box is back with its clock at the day it was switched off. Teachers write
    // before the first sync.
    sim.real = RENTREE + 70 * DAY;
    sim.box_offset = off_clock + 60_000 - sim.real;
    sim.set_clocks();
    ensure!(
        sim.on_box.purge_tombstones().is_empty(),
        "the box purged on return"
    );
    let offline_edit = sim
        .on_box
        .put("news", 6, Scope::School, b"written on return".to_vec());
    let tombstones_before: Vec<(String, u64, Stamp)> = sim
        .on_box
        .outbox()
        .iter()
        .chain(sim.central.outbox())
        .filter(|c| c.is_tombstone())
        .map(|c| (c.kind.clone(), c.key, c.stamp))
        .collect();
    sim.heal()?;
    sim.check()?;

    // None of the box's writes is lost: each is the winner or a kept loser.
    for write in unpushed.iter().chain([&offline_edit]) {
        let winner = sim.central.get(&write.kind, write.key).map(|c| c.stamp);
        let kept = sim.on_box.keeps_loser(&write.kind, write.key, write.stamp)
            && sim.central.keeps_loser(&write.kind, write.key, write.stamp);
        ensure!(
            winner == Some(write.stamp) || kept,
            "the box's write {} to {}/{} is lost",
            write.stamp,
            write.kind,
            write.key
        );
    }
    // Central's "menu changed" (day 70) outranks the box's edit stamped 70 days back.
    ensure!(
        sim.central.keeps_loser("news", 6, offline_edit.stamp),
        "the box's offline edit is not kept"
    );
    // Every deletion is still there (current, or superseded by a later write and kept).
    for (kind, key, stamp) in &tombstones_before {
        for r in [&sim.on_box, &sim.central] {
            let current = r.get(kind, *key).map(|c| c.stamp);
            ensure!(
                current.is_some_and(|c| c >= *stamp),
                "the deletion {stamp} of {kind}/{key} was purged ({current:?})"
            );
        }
    }
    // Having synced, the box's clock follows central's: a teacher's edit now wins, although
    // the box's wall clock is still 70 days behind.
    ensure!(
        sim.on_box.hlc().ahead_of(sim.on_box.now()) > 60 * DAY,
        "the box did not observe central's time"
    );
    let after_sync = sim.on_box.put(
        "liaison_answer",
        2,
        Scope::Family(2),
        b"after sync".to_vec(),
    );
    sim.heal()?;
    ensure!(
        sim.central.get("liaison_answer", 2).map(|c| c.stamp) == Some(after_sync.stamp),
        "the teacher's edit after the sync lost"
    );
    sim.check()?;

    // The box's clock is fixed. Day 125: every tombstone is still kept (at least 120
    // days); day 205: all are purged, on both sides, and the values still agree.
    let kept_now = (tombstones(&sim.on_box), tombstones(&sim.central));
    sim.box_offset = 0;
    for day in 71..=205 {
        sim.real = RENTREE + day * DAY;
        sim.set_clocks();
        sim.heal()?;
        sim.session()?;
        sim.on_box.purge_tombstones();
        sim.central.purge_tombstones();
        if day == 125 {
            ensure!(
                (tombstones(&sim.on_box), tombstones(&sim.central)) == kept_now,
                "a tombstone younger than {} days was purged",
                MIN_TOMBSTONE_MILLIS / DAY
            );
        }
    }
    ensure!(
        tombstones(&sim.on_box).is_empty() && tombstones(&sim.central).is_empty(),
        "tombstones older than {} days remain",
        TOMBSTONE_MILLIS / DAY
    );
    ensure!(
        values(&sim.on_box) == values(&sim.central),
        "the values differ after the purge"
    );
    Ok(())
}

#[test]
fn a_box_away_seventy_days_with_its_clock_behind_loses_nothing() {
    let count = seeds().len().min(50) as u64;
    let first = seeds().first().copied().unwrap_or(0);
    for seed in first..first + count.max(1) {
        with_seed("seventy days away", seed, || seventy_days_away(seed));
    }
}
