//! The French school year, which starts at the rentrée in September.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// A school year, named by the calendar year it starts in (2026 is "2026-2027").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchoolYear(pub i32);

impl SchoolYear {
    /// The school year a date belongs to: from 1 August a date counts for the coming year,
    /// so that the summer's preparation of the rentrée happens in the new year.
    pub fn containing(date: Date) -> SchoolYear {
        if date.month() >= Month::August {
            SchoolYear(date.year())
        } else {
            SchoolYear(date.year() - 1)
        }
    }

    /// The following school year.
    pub fn next(self) -> SchoolYear {
        SchoolYear(self.0 + 1)
    }

    /// Parses "2026-2027" (or just "2026").
    pub fn parse(text: &str) -> Option<SchoolYear> {
        let text = text.trim();
        let (start, end) = match text.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, Some(b.trim().parse::<i32>().ok()?)),
            None => (text.parse().ok()?, None),
        };
        if !(2000..=2200).contains(&start) || end.is_some_and(|e| e != start + 1) {
            return None;
        }
        Some(SchoolYear(start))
    }
}

impl fmt::Display for SchoolYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn year_turns_over_in_august() {
        assert_eq!(
            SchoolYear::containing(date!(2026 - 07 - 31)),
            SchoolYear(2025)
        );
        assert_eq!(
            SchoolYear::containing(date!(2026 - 08 - 01)),
            SchoolYear(2026)
        );
        assert_eq!(
            SchoolYear::containing(date!(2027 - 06 - 30)),
            SchoolYear(2026)
        );
        assert_eq!(SchoolYear(2026).to_string(), "2026-2027");
    }

    #[test]
    fn parses_both_forms() {
        assert_eq!(SchoolYear::parse("2026-2027"), Some(SchoolYear(2026)));
        assert_eq!(SchoolYear::parse("2026"), Some(SchoolYear(2026)));
        assert_eq!(SchoolYear::parse("2026-2028"), None);
        assert_eq!(SchoolYear::parse("vingt"), None);
    }
}
