//! Mastery and the livret scolaire's levels.
//!
//! An exercise is mastered once a pupil has given [`super::Exercise::mastery_after`] right
//! answers in a row to its questions (first tries, or the teacher's mark when overridden);
//! a later mistake does not take it away. A competence's level, one of the livret scolaire's
//! four, is computed from the exercises linked to it that the pupil has done; a teacher may
//! set it instead ([`super::LevelOverride`]).

use serde::{Deserialize, Serialize};

/// A pupil's standing on one exercise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MasteryState {
    /// Answers counted.
    pub answered: u32,
    /// Right answers among them.
    pub right: u32,
    /// Right answers in a row at the end.
    pub streak: u32,
    /// The longest run of right answers.
    pub best_streak: u32,
    /// Whether the run needed was ever reached.
    pub mastered: bool,
}

/// Folds answers, oldest first, into a [`MasteryState`]; `needed` right answers in a row
/// make it mastered (0 counts as 1).
pub fn mastery(outcomes: impl IntoIterator<Item = bool>, needed: u8) -> MasteryState {
    let needed = u32::from(needed.max(1));
    let mut state = MasteryState::default();
    for right in outcomes {
        state.answered = state.answered.saturating_add(1);
        if right {
            state.right = state.right.saturating_add(1);
            state.streak = state.streak.saturating_add(1);
            state.best_streak = state.best_streak.max(state.streak);
        } else {
            state.streak = 0;
        }
    }
    state.mastered = state.best_streak >= needed;
    state
}

/// The livret scolaire's four levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LivretLevel {
    /// Objectifs d'apprentissage non atteints.
    NotReached,
    /// Objectifs d'apprentissage partiellement atteints.
    Partly,
    /// Objectifs d'apprentissage atteints.
    Reached,
    /// Objectifs d'apprentissage dépassés.
    Exceeded,
}

impl LivretLevel {
    /// Every level, lowest first.
    pub const ALL: [LivretLevel; 4] = [
        LivretLevel::NotReached,
        LivretLevel::Partly,
        LivretLevel::Reached,
        LivretLevel::Exceeded,
    ];

    /// The stable code used in forms and CSV.
    pub fn code(self) -> &'static str {
        match self {
            LivretLevel::NotReached => "non-atteints",
            LivretLevel::Partly => "partiellement-atteints",
            LivretLevel::Reached => "atteints",
            LivretLevel::Exceeded => "depasses",
        }
    }

    /// The livret's French wording (« Objectifs d'apprentissage atteints »).
    pub fn label(self) -> &'static str {
        match self {
            LivretLevel::NotReached => "Objectifs d'apprentissage non atteints",
            LivretLevel::Partly => "Objectifs d'apprentissage partiellement atteints",
            LivretLevel::Reached => "Objectifs d'apprentissage atteints",
            LivretLevel::Exceeded => "Objectifs d'apprentissage dépassés",
        }
    }

    /// Parses [`LivretLevel::code`].
    pub fn from_code(code: &str) -> Option<LivretLevel> {
        let code = code.trim();
        LivretLevel::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// The level of a competence from the states of the exercises linked to it that the pupil
/// has answered; `None` when none was answered.
///
/// Only exercises with at least one answer count. With `rate` the right answers over all
/// their answers:
///
/// * every one mastered and `rate` ≥ 90 % → [`LivretLevel::Exceeded`];
/// * else `rate` ≥ 70 %, or every one mastered → [`LivretLevel::Reached`];
/// * else `rate` ≥ 40 % → [`LivretLevel::Partly`];
/// * else [`LivretLevel::NotReached`].
///
/// Thresholds are compared exactly (whole numbers, no rounding).
pub fn livret_level(states: &[MasteryState]) -> Option<LivretLevel> {
    let done = states.iter().filter(|s| s.answered > 0);
    let mut any = false;
    let mut all_mastered = true;
    let (mut right, mut answered) = (0u64, 0u64);
    for s in done {
        any = true;
        all_mastered &= s.mastered;
        right += u64::from(s.right.min(s.answered));
        answered += u64::from(s.answered);
    }
    if !any {
        return None;
    }
    // rate ≥ p/10 ⟺ right × 10 ≥ answered × p.
    let at_least = |tenths: u64| right * 10 >= answered * tenths;
    Some(if all_mastered && at_least(9) {
        LivretLevel::Exceeded
    } else if all_mastered || at_least(7) {
        LivretLevel::Reached
    } else if at_least(4) {
        LivretLevel::Partly
    } else {
        LivretLevel::NotReached
    })
}

/// How a result is shown in the teacher's grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Not started.
    NotStarted,
    /// Started, not finished.
    InProgress,
    /// Finished with fewer than half right: needs help (red).
    Low,
    /// Finished with half to four fifths right (orange).
    Middle,
    /// Finished with at least four fifths right (green).
    High,
}

/// The standing of `right` out of `total` answers, finished or not.
///
/// Not started, then started but not finished, come first; a finished result is High from
/// four fifths right (or when there was nothing to answer), Middle from half, else Low.
pub fn standing(right: usize, total: usize, started: bool, finished: bool) -> Standing {
    if !started {
        return Standing::NotStarted;
    }
    if !finished {
        return Standing::InProgress;
    }
    if total == 0 {
        return Standing::High;
    }
    let (right, total) = (right as u128, total as u128);
    if right * 5 >= total * 4 {
        Standing::High
    } else if right * 2 >= total {
        Standing::Middle
    } else {
        Standing::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(answered: u32, right: u32, mastered: bool) -> MasteryState {
        MasteryState {
            answered,
            right,
            streak: 0,
            best_streak: if mastered { 3 } else { 0 },
            mastered,
        }
    }

    #[test]
    fn streak_after_mistakes_masters() {
        let s = mastery([false, true, false, true, true, true], 3);
        assert_eq!(
            s,
            MasteryState {
                answered: 6,
                right: 4,
                streak: 3,
                best_streak: 3,
                mastered: true
            }
        );
        let not_yet = mastery([true, true, false, true, true], 3);
        assert!(!not_yet.mastered);
        assert_eq!((not_yet.streak, not_yet.best_streak), (2, 2));
    }

    #[test]
    fn mistake_after_mastery_keeps_it() {
        let s = mastery([true, true, true, false], 3);
        assert!(s.mastered);
        assert_eq!((s.streak, s.best_streak, s.right, s.answered), (0, 3, 3, 4));
    }

    #[test]
    fn needed_zero_counts_as_one() {
        assert!(mastery([true], 0).mastered);
        assert!(!mastery([false, false], 0).mastered);
        assert!(!mastery([], 0).mastered);
        assert_eq!(mastery([], 3), MasteryState::default());
        assert!(mastery([false, true], 1).mastered);
        assert!(!mastery([true; 254], 255).mastered);
        assert!(mastery([true; 255], 255).mastered);
    }

    #[test]
    fn levels_codes_and_labels() {
        for l in LivretLevel::ALL {
            assert_eq!(LivretLevel::from_code(l.code()), Some(l));
            assert!(l.label().starts_with("Objectifs d'apprentissage"));
        }
        assert_eq!(
            LivretLevel::from_code(" atteints "),
            Some(LivretLevel::Reached)
        );
        assert_eq!(
            LivretLevel::from_code("depasses"),
            Some(LivretLevel::Exceeded)
        );
        assert_eq!(LivretLevel::from_code("Atteints"), None);
        assert_eq!(LivretLevel::from_code(""), None);
        assert_eq!(
            LivretLevel::Exceeded.label(),
            "Objectifs d'apprentissage dépassés"
        );
        assert!(LivretLevel::NotReached < LivretLevel::Exceeded);
    }

    #[test]
    fn livret_thresholds() {
        use LivretLevel::*;
        assert_eq!(livret_level(&[]), None);
        assert_eq!(livret_level(&[MasteryState::default()]), None);
        // Exceeded: all mastered and at least 90 %.
        assert_eq!(livret_level(&[state(10, 9, true)]), Some(Exceeded));
        assert_eq!(livret_level(&[state(100, 89, true)]), Some(Reached));
        assert_eq!(
            livret_level(&[state(10, 10, true), state(10, 10, false)]),
            Some(Reached),
            "not every exercise mastered"
        );
        // Reached: 70 %.
        assert_eq!(livret_level(&[state(10, 7, false)]), Some(Reached));
        assert_eq!(livret_level(&[state(100, 69, false)]), Some(Partly));
        // Every one mastered is Reached even below 70 %.
        assert_eq!(livret_level(&[state(10, 3, true)]), Some(Reached));
        // Partly: 40 %.
        assert_eq!(livret_level(&[state(10, 4, false)]), Some(Partly));
        assert_eq!(livret_level(&[state(100, 39, false)]), Some(NotReached));
        assert_eq!(livret_level(&[state(5, 0, false)]), Some(NotReached));
        // Unanswered exercises are ignored, even unmastered.
        assert_eq!(
            livret_level(&[state(10, 10, true), MasteryState::default()]),
            Some(Exceeded)
        );
        // Answers are pooled across exercises.
        assert_eq!(
            livret_level(&[state(6, 6, false), state(4, 1, false)]),
            Some(Reached)
        );
    }

    #[test]
    fn standings() {
        use Standing::*;
        assert_eq!(standing(0, 10, false, false), NotStarted);
        assert_eq!(standing(5, 10, false, true), NotStarted);
        assert_eq!(standing(10, 10, true, false), InProgress);
        assert_eq!(standing(0, 0, true, true), High);
        assert_eq!(standing(8, 10, true, true), High);
        assert_eq!(standing(4, 5, true, true), High);
        assert_eq!(standing(7, 10, true, true), Middle);
        assert_eq!(standing(5, 10, true, true), Middle);
        assert_eq!(standing(4, 10, true, true), Low);
        assert_eq!(standing(0, 3, true, true), Low);
        assert_eq!(standing(usize::MAX, usize::MAX, true, true), High);
    }
}
