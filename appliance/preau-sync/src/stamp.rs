//! The hybrid logical clock (HLC) that stamps every write of a replicated record.
//!
//! A stamp is the wall-clock time in milliseconds, a counter that orders writes within the
//! same millisecond (or while the wall clock stands still or goes back), and the replica id
//! that breaks the remaining ties: two replicas never issue the same stamp, and every replica
//! orders any two stamps the same way.
//!
//! Rules (see `docs/sync.md`):
//!
//! * [`Hlc::tick`] is strictly increasing, whatever the wall clock does; while the wall clock
//!   is sane (ahead of every stamp seen), the stamp's `millis` is the wall-clock time.
//! * [`Hlc::observe`] takes in every stamp of a record written here from another replica,
//!   **in full**, even one far ahead of the local wall clock. This keeps the invariant
//!   convergence rests on: a local write is always stamped above the version it replaces.
//!   Clamping a far-ahead stamp would break it (the local edit of a record received from a
//!   replica whose clock runs ahead would lose to the very version it edited, on every
//!   replica but this one). A clock that runs more than [`MAX_DRIFT_MILLIS`] ahead of the
//!   wall clock is reported instead ([`Hlc::ahead_of`], [`drift_exceeded`]) for the health
//!   page; stamps keep their order and only lose their meaning as wall-clock time until
//!   the wall clock catches up.
//! * A box whose wall clock is behind (a Raspberry Pi without a real-time clock comes back
//!   from the summer holidays at the date it was switched off) catches up by observing
//!   central's stamps, and central's `server_millis` at the handshake, so its writes after a
//!   sync outrank what it received.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How far ahead of the wall clock a clock may run before it is reported (one day).
pub const MAX_DRIFT_MILLIS: i64 = 24 * 3600 * 1000;

/// The version of one write: ordered by `millis`, then `counter`, then `origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Wall-clock milliseconds since the Unix epoch (as the writing replica's clock had it,
    /// or later).
    pub millis: i64,
    /// Orders stamps with the same `millis`.
    pub counter: u32,
    /// The replica that issued the stamp.
    pub origin: u64,
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}@{:x}", self.millis, self.counter, self.origin)
    }
}

/// A hybrid logical clock: issues strictly increasing stamps for one replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hlc {
    origin: u64,
    last: Option<Stamp>,
}

impl Hlc {
    /// A clock for replica `origin`, continuing after `last` (the last stamp it issued or
    /// observed, as kept in the database), so that it never goes back across restarts.
    pub fn new(origin: u64, last: Option<Stamp>) -> Hlc {
        Hlc { origin, last }
    }

    /// The replica this clock stamps for.
    pub fn origin(&self) -> u64 {
        self.origin
    }

    /// The next stamp: strictly above every stamp issued or observed before, and at
    /// `now_millis` when the wall clock is ahead of all of them.
    pub fn tick(&mut self, now_millis: i64) -> Stamp {
        let next = match self.last {
            Some(last) if now_millis <= last.millis => match last.counter.checked_add(1) {
                Some(counter) => Stamp {
                    millis: last.millis,
                    counter,
                    origin: self.origin,
                },
                None => Stamp {
                    millis: last.millis.saturating_add(1),
                    counter: 0,
                    origin: self.origin,
                },
            },
            _ => Stamp {
                millis: now_millis,
                counter: 0,
                origin: self.origin,
            },
        };
        self.last = Some(next);
        next
    }

    /// Takes in a stamp received from another replica: later ticks are above it. Never
    /// goes back. A stamp far ahead of `now_millis` is observed in full (see the module
    /// documentation: clamping it would break convergence); `now_millis` is only used to
    /// tell, through [`Hlc::ahead_of`], that some clock is wrong.
    pub fn observe(&mut self, remote: Stamp, now_millis: i64) {
        let _ = now_millis;
        if self.last.is_none_or(|last| remote > last) {
            self.last = Some(remote);
        }
    }

    /// The last stamp issued or observed (to keep in the database).
    pub fn last(&self) -> Option<Stamp> {
        self.last
    }

    /// How many milliseconds this clock runs ahead of the wall clock (0 when it does not):
    /// more than [`MAX_DRIFT_MILLIS`] means that this replica's wall clock is behind or
    /// that a replica whose stamps it observed has a clock ahead.
    pub fn ahead_of(&self, now_millis: i64) -> i64 {
        self.last
            .map_or(0, |last| last.millis.saturating_sub(now_millis).max(0))
    }
}

/// Whether two wall clocks (this replica's `now_millis` and another's `other_millis`, such
/// as central's `server_millis` at the handshake) differ by more than [`MAX_DRIFT_MILLIS`].
pub fn drift_exceeded(now_millis: i64, other_millis: i64) -> bool {
    now_millis.abs_diff(other_millis) > MAX_DRIFT_MILLIS.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;
    /// 2025-09-01T08:00:00Z.
    const RENTREE: i64 = 1_756_713_600_000;

    #[test]
    fn ticks_follow_a_sane_clock() {
        let mut hlc = Hlc::new(7, None);
        let a = hlc.tick(RENTREE);
        let b = hlc.tick(RENTREE + 5);
        assert_eq!((a.millis, a.counter, a.origin), (RENTREE, 0, 7));
        assert_eq!((b.millis, b.counter), (RENTREE + 5, 0));
    }

    #[test]
    fn ticks_stay_strictly_increasing_when_the_clock_goes_back() {
        let mut hlc = Hlc::new(7, None);
        let mut previous = hlc.tick(RENTREE);
        // Same millisecond, then an NTP step back of a minute, then a jump back of a year.
        for now in [RENTREE, RENTREE - 60_000, RENTREE - 365 * DAY, RENTREE + 1] {
            let next = hlc.tick(now);
            assert!(next > previous, "{next} after {previous} at {now}");
            previous = next;
        }
        // The clock catches up: stamps are wall-clock time again.
        let caught_up = hlc.tick(RENTREE + 10);
        assert_eq!((caught_up.millis, caught_up.counter), (RENTREE + 10, 0));
    }

    #[test]
    fn a_restarted_clock_continues_after_its_last_stamp() {
        let mut before = Hlc::new(7, None);
        before.tick(RENTREE);
        let last = before.tick(RENTREE);
        // Restarted with a wall clock an hour behind (no real-time clock on the Pi).
        let mut after = Hlc::new(7, before.last());
        assert!(after.tick(RENTREE - 3_600_000) > last);
    }

    #[test]
    fn the_counter_overflowing_moves_to_the_next_millisecond() {
        let last = Stamp {
            millis: RENTREE,
            counter: u32::MAX,
            origin: 7,
        };
        let mut hlc = Hlc::new(7, Some(last));
        let next = hlc.tick(RENTREE);
        assert!(next > last);
        assert_eq!((next.millis, next.counter), (RENTREE + 1, 0));
    }

    #[test]
    fn observed_stamps_are_outranked_by_later_ticks() {
        let mut hlc = Hlc::new(1, None);
        hlc.tick(RENTREE);
        let remote = Stamp {
            millis: RENTREE + 2_000,
            counter: 4,
            origin: 2,
        };
        hlc.observe(remote, RENTREE);
        let next = hlc.tick(RENTREE + 1);
        assert!(next > remote);
        assert_eq!(
            (next.millis, next.counter, next.origin),
            (RENTREE + 2_000, 5, 1)
        );
        // An older stamp changes nothing: the clock never goes back.
        let before = hlc.last();
        hlc.observe(
            Stamp {
                millis: RENTREE - DAY,
                counter: 0,
                origin: 3,
            },
            RENTREE,
        );
        assert_eq!(hlc.last(), before);
    }

    #[test]
    fn equal_millis_and_counter_are_ordered_by_origin() {
        let a = Stamp {
            millis: RENTREE,
            counter: 0,
            origin: 1,
        };
        let b = Stamp { origin: 2, ..a };
        assert!(a < b);
        let mut hlc = Hlc::new(1, None);
        hlc.observe(b, RENTREE);
        assert!(hlc.tick(RENTREE) > b);
    }

    #[test]
    fn a_box_seventy_days_behind_catches_up_by_observing_central() {
        let real = RENTREE + 70 * DAY;
        let box_now = real - 70 * DAY;
        let mut on_box = Hlc::new(0xB0, None);
        // Offline on its return, the box stamps with its wrong clock, still increasing.
        let offline = on_box.tick(box_now);
        assert_eq!(offline.millis, box_now);
        assert!(drift_exceeded(box_now, real));
        // It syncs: central's stamps (and its server time) are 70 days ahead of its clock.
        let mut central = Hlc::new(0xCE, None);
        let parents_signature = central.tick(real);
        on_box.observe(parents_signature, box_now);
        assert_eq!(on_box.ahead_of(box_now), 70 * DAY);
        // The teacher's next edit outranks what the box received, although its clock is
        // still wrong: it wins the way the teacher expects.
        let edit = on_box.tick(box_now + 1_000);
        assert!(edit > parents_signature);
        assert!(edit > offline);
        // Once the clock is fixed, stamps are wall-clock time again.
        let fixed = on_box.tick(real + 60_000);
        assert_eq!((fixed.millis, fixed.counter), (real + 60_000, 0));
        assert_eq!(on_box.ahead_of(real + 60_000), 0);
    }

    #[test]
    fn a_box_seventy_days_ahead_is_observed_in_full_and_reported() {
        let real = RENTREE;
        let mut on_box = Hlc::new(0xB0, None);
        let wrong = on_box.tick(real + 70 * DAY);
        let mut central = Hlc::new(0xCE, None);
        central.tick(real);
        central.observe(wrong, real);
        // Central's later writes still outrank what they replace…
        assert!(central.tick(real + 1) > wrong);
        // …and the drift shows, for the health page.
        assert!(central.ahead_of(real + 1) > MAX_DRIFT_MILLIS);
        assert!(!drift_exceeded(real, real + MAX_DRIFT_MILLIS));
        assert!(drift_exceeded(real, real + MAX_DRIFT_MILLIS + 1));
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut hlc = Hlc::new(
            1,
            Some(Stamp {
                millis: i64::MAX,
                counter: u32::MAX,
                origin: 1,
            }),
        );
        let stamp = hlc.tick(i64::MIN);
        assert_eq!(stamp.millis, i64::MAX);
        assert_eq!(hlc.ahead_of(i64::MIN), i64::MAX);
        assert!(drift_exceeded(i64::MIN, i64::MAX));
    }
}
