//! When people are told something waits for them. Pupils receive no notification outside
//! school hours by default: their unread badges show only on school days, from 8:00 to 17:00
//! Paris time.

use crate::{App, AppError, paris};
use jiff::civil::{Date, Time};
use preau_core::SchoolCalendar;

/// When pupils' notifications start, Paris time.
pub const PUPIL_HOURS_START: Time = Time::constant(8, 0, 0, 0);
/// When pupils' notifications stop, Paris time.
pub const PUPIL_HOURS_END: Time = Time::constant(17, 0, 0, 0);

/// Whether `now` (Unix seconds) falls in school hours: a day the school is open under
/// `calendar`, between [`PUPIL_HOURS_START`] and [`PUPIL_HOURS_END`].
pub fn in_school_hours(calendar: &SchoolCalendar, now: i64) -> bool {
    let civil = paris::civil(now);
    let (date, time): (Date, Time) = (civil.date(), civil.time());
    calendar.day_closure(date).is_none() && time >= PUPIL_HOURS_START && time < PUPIL_HOURS_END
}

impl App {
    /// Whether pupils may be notified now (their unread badges shown): school days, 8:00 to
    /// 17:00 Paris time, under the school's calendar. A calendar that cannot be read counts
    /// as outside school hours.
    pub fn notify_pupil_now(&self) -> bool {
        let settings: Result<_, AppError> = self.booking_settings();
        settings.is_ok_and(|s| in_school_hours(&s.calendar, self.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clock, Settings};
    use jiff::civil::date;
    use preau_store::Store;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    fn at(day: Date, hour: i8, minute: i8) -> i64 {
        paris::instant(day.at(hour, minute, 0, 0)).expect("Paris time")
    }

    #[test]
    fn pupils_are_notified_only_in_school_hours_on_school_days() {
        let dir = tempfile::tempdir().expect("tmp");
        let now = Arc::new(AtomicI64::new(0));
        let clock_now = now.clone();
        let clock: Clock = Arc::new(move || clock_now.load(Ordering::SeqCst));
        let app = App::new(
            Store::open(dir.path()).expect("store"),
            Settings::default(),
            clock,
        )
        .expect("app");
        let monday = date(2026, 11, 30);
        let cases = [
            (at(monday, 7, 59), false),
            (at(monday, 8, 0), true),
            (at(monday, 12, 30), true),
            (at(monday, 16, 59), true),
            (at(monday, 17, 0), false),
            (at(monday, 21, 0), false),
            // Saturday and Sunday.
            (at(date(2026, 12, 5), 10, 0), false),
            (at(date(2026, 12, 6), 10, 0), false),
            // Christmas holidays (zone C) and a public holiday.
            (at(date(2026, 12, 22), 10, 0), false),
            (at(date(2026, 11, 11), 10, 0), false),
        ];
        for (instant, expected) in cases {
            now.store(instant, Ordering::SeqCst);
            assert_eq!(
                app.notify_pupil_now(),
                expected,
                "at {}",
                paris::long(instant)
            );
        }
    }
}
