//! Planning transfers: cutting an outbox into chunks under the caps, resumable from an
//! acknowledgement.

use crate::change::Change;
use crate::protocol::{MAX_CHUNK_BYTES, MAX_CHUNK_CHANGES, PullChunk};

/// A sensible number of changes per chunk: small against a term's worth of changes, so a
/// connection cut mid-transfer re-sends little.
pub const DEFAULT_CHUNK_CHANGES: usize = 200;
/// A sensible chunk size in bytes (256 KiB).
pub const DEFAULT_CHUNK_BYTES: usize = 256 * 1024;

/// Room left in a chunk for its envelope (`{"origin":…,"changes":[…]}`, `"last"`, `"more"`).
const ENVELOPE_BYTES: usize = 128;

/// The size of a change in JSON, as it travels.
pub fn encoded_len(change: &Change) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    match serde_json::to_writer(&mut counter, change) {
        Ok(()) => counter.0,
        // Not reachable for these types; an overestimate keeps chunks under the cap.
        Err(_) => change.value.as_ref().map_or(0, |v| v.len() * 4 / 3) + 512,
    }
}

/// Cuts `outbox` (changes in increasing `seq` order) after the acknowledged `after` into
/// consecutive chunks of at most `max_changes` changes and `max_bytes` bytes once encoded
/// (both capped by the protocol's limits; a change alone bigger than `max_bytes` goes alone).
/// After a lost connection, plan again from the new acknowledgement.
pub fn chunks(outbox: &[Change], after: u64, max_changes: usize, max_bytes: usize) -> Chunks<'_> {
    let start = outbox.partition_point(|c| c.seq <= after);
    Chunks {
        rest: &outbox[start..],
        max_changes: max_changes.clamp(1, MAX_CHUNK_CHANGES),
        budget: max_bytes
            .min(MAX_CHUNK_BYTES)
            .saturating_sub(ENVELOPE_BYTES),
    }
}

/// The chunks [`chunks`] plans, in order.
#[derive(Clone, Debug)]
pub struct Chunks<'a> {
    rest: &'a [Change],
    max_changes: usize,
    budget: usize,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [Change];

    fn next(&mut self) -> Option<&'a [Change]> {
        if self.rest.is_empty() {
            return None;
        }
        let taken = fitting(self.rest, self.max_changes, self.budget);
        let (chunk, rest) = self.rest.split_at(taken);
        self.rest = rest;
        Some(chunk)
    }
}

/// How many of the first `changes` fit in `max_changes` and `budget` bytes (at least one).
fn fitting(changes: &[Change], max_changes: usize, budget: usize) -> usize {
    let mut bytes = 0usize;
    let mut taken = 0usize;
    for change in changes.iter().take(max_changes) {
        let len = encoded_len(change) + 1;
        if taken > 0 && bytes + len > budget {
            break;
        }
        bytes += len;
        taken += 1;
    }
    taken
}

/// Central's answer to a pull, from its outbox (its own changes in increasing `seq` order,
/// for all the schools it serves if they share a sequence): the changes of `school` after
/// `after`, at most `limit` (capped by [`MAX_CHUNK_CHANGES`]) and `max_bytes`. `last` is the
/// sequence number the answer covers up to (past changes of other schools, which are
/// skipped), `more` whether the outbox goes further.
pub fn pull_chunk(
    outbox: &[Change],
    school: &str,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> PullChunk {
    let limit = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .clamp(1, MAX_CHUNK_CHANGES);
    let budget = max_bytes
        .min(MAX_CHUNK_BYTES)
        .saturating_sub(ENVELOPE_BYTES);
    let start = outbox.partition_point(|c| c.seq <= after);
    let mut changes = Vec::new();
    let mut bytes = 0usize;
    let mut last = after;
    for change in &outbox[start..] {
        if change.school == school {
            let len = encoded_len(change) + 1;
            if !changes.is_empty() && bytes + len > budget {
                break;
            }
            bytes += len;
            changes.push(change.clone());
        }
        last = change.seq;
        if changes.len() == limit {
            break;
        }
    }
    let more = outbox.last().is_some_and(|c| c.seq > last);
    PullChunk {
        changes,
        last,
        more,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::Scope;
    use crate::protocol::{PushChunk, decode, encode};
    use crate::stamp::Stamp;

    fn change(seq: u64, school: &str, size: usize) -> Change {
        Change {
            origin: 0xB0,
            seq,
            kind: "news".into(),
            key: seq % 5,
            stamp: Stamp {
                millis: 1_756_713_600_000 + seq as i64,
                counter: 0,
                origin: 0xB0,
            },
            school: school.into(),
            scope: Scope::School,
            value: Some(vec![b'x'; size]),
        }
    }

    #[test]
    fn chunks_cover_the_outbox_after_the_ack_in_order() {
        let outbox: Vec<Change> = (1..=25).map(|s| change(s, "A", 10)).collect();
        let planned: Vec<&[Change]> = chunks(&outbox, 7, 5, 1 << 20).collect();
        assert_eq!(planned.len(), 4);
        let seqs: Vec<u64> = planned
            .iter()
            .flat_map(|c| c.iter().map(|c| c.seq))
            .collect();
        assert_eq!(seqs, (8..=25).collect::<Vec<_>>());
        assert!(planned.iter().all(|c| c.len() <= 5));
        assert_eq!(chunks(&outbox, 25, 5, 1 << 20).count(), 0);
    }

    #[test]
    fn chunks_stay_under_the_byte_cap_and_decode() {
        let outbox: Vec<Change> = (1..=40).map(|s| change(s, "A", 30_000)).collect();
        let max = 100_000;
        let mut total = 0;
        for chunk in chunks(&outbox, 0, 1000, max) {
            let message = PushChunk {
                origin: 0xB0,
                changes: chunk.to_vec(),
            };
            let bytes = encode(&message).unwrap_or_default();
            assert!(bytes.len() <= max, "{} bytes", bytes.len());
            assert_eq!(
                decode::<PushChunk>(&bytes).map(|m| m.changes.len()),
                Ok(chunk.len())
            );
            total += chunk.len();
        }
        assert_eq!(total, 40);
    }

    #[test]
    fn a_change_bigger_than_the_cap_goes_alone() {
        let outbox = vec![
            change(1, "A", 10),
            change(2, "A", 50_000),
            change(3, "A", 10),
        ];
        let sizes: Vec<usize> = chunks(&outbox, 0, 10, 1_000).map(<[Change]>::len).collect();
        assert_eq!(sizes, [1, 1, 1]);
    }

    #[test]
    fn pull_answers_skip_other_schools_and_say_how_far_they_cover() {
        let outbox: Vec<Change> = (1..=10)
            .map(|s| change(s, if s % 2 == 0 { "A" } else { "B" }, 10))
            .collect();
        let first = pull_chunk(&outbox, "A", 0, 2, 1 << 20);
        assert_eq!(
            first.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
            [2, 4]
        );
        assert_eq!((first.last, first.more), (4, true));
        let second = pull_chunk(&outbox, "A", first.last, 10, 1 << 20);
        assert_eq!(
            second.changes.iter().map(|c| c.seq).collect::<Vec<_>>(),
            [6, 8, 10]
        );
        assert_eq!((second.last, second.more), (10, false));
        let none = pull_chunk(&outbox, "C", 0, 10, 1 << 20);
        assert!(none.changes.is_empty());
        assert_eq!((none.last, none.more), (10, false));
        let caught_up = pull_chunk(&outbox, "A", 10, 10, 1 << 20);
        assert_eq!(
            (caught_up.changes.len(), caught_up.last, caught_up.more),
            (0, 10, false)
        );
    }
}
