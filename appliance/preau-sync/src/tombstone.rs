//! Tombstones: how long a deletion is remembered, and which ones may be forgotten.
//!
//! A tombstone is the stamp of a deletion. While it is kept, an older write of the record
//! arriving late (from a box that was switched off all summer) loses to it; once it is
//! purged, such a write would bring the record back. So a tombstone is kept:
//!
//! * at least [`MIN_TOMBSTONE_MILLIS`] (120 days, longer than the summer holidays), counted
//!   from the later of its stamp and the moment this replica wrote it: a tombstone from a
//!   box whose clock was behind, received late, is counted from its arrival, and one
//!   stamped ahead is kept longer. The purge actually waits [`TOMBSTONE_MILLIS`] (130
//!   days): ten days of margin for wall clocks that are wrong by less than that, and for a
//!   purge that runs once a day;
//! * and whatever its age, as long as it is *pending*: the other side has not acknowledged
//!   it yet (on a box, a deletion not yet pushed; on central, a deletion the school's box
//!   has not pulled yet). Forgetting it then would lose the deletion itself.

use crate::stamp::Stamp;

const DAY_MILLIS: i64 = 24 * 3600 * 1000;

/// How long a tombstone is promised to be kept: 120 days.
pub const MIN_TOMBSTONE_MILLIS: i64 = 120 * DAY_MILLIS;

/// Tombstones older than this (and no longer pending) are purged: 130 days, the 120
/// promised plus a margin of ten.
pub const TOMBSTONE_MILLIS: i64 = 130 * DAY_MILLIS;

/// What the purge needs to know of one tombstone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TombstoneAge {
    /// The deletion's stamp.
    pub stamp: Stamp,
    /// When this replica wrote it (made it, or received it), by its own clock.
    pub written_millis: i64,
    /// Whether the other side has yet to receive it (it must then be kept).
    pub pending: bool,
}

impl TombstoneAge {
    /// Whether the tombstone may be forgotten at `now_millis`.
    pub fn expired(&self, now_millis: i64) -> bool {
        let since = self.written_millis.max(self.stamp.millis);
        !self.pending && now_millis.saturating_sub(since) > TOMBSTONE_MILLIS
    }
}

/// The keys of the tombstones to purge at `now_millis`, in the order given.
pub fn purge_tombstones<K>(
    tombstones: impl IntoIterator<Item = (K, TombstoneAge)>,
    now_millis: i64,
) -> Vec<K> {
    tombstones
        .into_iter()
        .filter(|(_, age)| age.expired(now_millis))
        .map(|(key, _)| key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RENTREE: i64 = 1_756_713_600_000;

    fn age(stamp_millis: i64, written_millis: i64, pending: bool) -> TombstoneAge {
        TombstoneAge {
            stamp: Stamp {
                millis: stamp_millis,
                counter: 0,
                origin: 1,
            },
            written_millis,
            pending,
        }
    }

    #[test]
    fn kept_at_least_120_days_and_purged_after_130() {
        let t = age(RENTREE, RENTREE, false);
        const { assert!(TOMBSTONE_MILLIS >= MIN_TOMBSTONE_MILLIS) };
        assert!(!t.expired(RENTREE + MIN_TOMBSTONE_MILLIS));
        assert!(!t.expired(RENTREE + TOMBSTONE_MILLIS));
        assert!(t.expired(RENTREE + TOMBSTONE_MILLIS + 1));
    }

    #[test]
    fn counted_from_arrival_when_stamped_by_a_clock_behind() {
        // Stamped 70 days "ago" by a box whose clock was behind, received today.
        let t = age(RENTREE - 70 * DAY_MILLIS, RENTREE, false);
        assert!(!t.expired(RENTREE + 100 * DAY_MILLIS));
        // Stamped ahead: counted from the stamp.
        let ahead = age(RENTREE + 70 * DAY_MILLIS, RENTREE, false);
        assert!(!ahead.expired(RENTREE + 180 * DAY_MILLIS));
    }

    #[test]
    fn pending_tombstones_are_never_purged() {
        let t = age(RENTREE, RENTREE, true);
        assert!(!t.expired(RENTREE + 10 * 365 * DAY_MILLIS));
    }

    #[test]
    fn purge_lists_the_expired_keys_in_order() {
        let now = RENTREE + 200 * DAY_MILLIS;
        let keys = purge_tombstones(
            [
                ("news/1", age(RENTREE, RENTREE, false)),
                ("news/2", age(now, now, false)),
                ("news/3", age(RENTREE, RENTREE, true)),
                ("news/4", age(RENTREE - 1, RENTREE - 1, false)),
            ],
            now,
        );
        assert_eq!(keys, ["news/1", "news/4"]);
    }
}
