//! Booking use cases on a real store with a clock the test sets: a weekly booking across a
//! whole school year lands only on school days of the chosen zone (checked against an
//! independent reading of the shipped holiday file and a hand-written list of public
//! holidays), daylight-saving weeks keep 9:00 at 9:00, every refusal says why, limits bind
//! teachers and not the headteacher, the approval workflow and the headteacher's changes
//! tell the teacher, the access table, and many threads booking at once never double-book.

mod support;

use jiff::civil::{Date, Weekday, date};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use preau_app::bookings::{BookableForm, BookingRequest, CalendarForm, Repeat};
use preau_app::{AppError, Problem};
use preau_core::booking::peak_use;
use preau_core::{
    BookableId, BookableKind, Booking, BookingId, BookingStatus, Closure, Role, Subject, UserId,
};
use std::collections::BTreeSet;
use std::sync::Barrier;
use support::{School, paris_at, refused};

const PERIODS: &str = "8:30-9:30\n9:30-10:30\n10:45-11:45\n13:30-14:30\n14:30-15:30\n15:45-16:30";

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").expect("Europe/Paris")
}

/// Unix seconds of a UTC wall-clock time.
fn utc_at(day: Date, hour: i8, minute: i8) -> i64 {
    day.at(hour, minute, 0, 0)
        .to_zoned(TimeZone::UTC)
        .expect("UTC time")
        .timestamp()
        .as_second()
}

/// The Paris date and "H:MM" of an instant.
fn paris_civil(unix: i64) -> (Date, String) {
    let z = Timestamp::from_second(unix)
        .expect("instant")
        .to_zoned(paris());
    (z.date(), format!("{}:{:02}", z.hour(), z.minute()))
}

/// What only the booking tests need.
impl School {
    /// The calendar of `zone` (shipped holidays, Wednesday-morning classes) and the limits.
    fn calendar(&self, zone: &str, per_week: u32, days_ahead: u32) {
        self.app
            .save_booking_settings(
                &self.head(),
                &CalendarForm {
                    zone: zone.into(),
                    holidays: String::new(),
                    wednesday_morning: true,
                    periods: PERIODS.into(),
                    max_per_week: per_week.to_string(),
                    max_days_ahead: days_ahead.to_string(),
                },
            )
            .expect("settings");
    }

    /// A new bookable, added by the headteacher.
    fn bookable(&self, name: &str, quantity: u32, needs_approval: bool) -> BookableId {
        self.app
            .save_bookable(
                &self.head(),
                None,
                &BookableForm {
                    name: name.into(),
                    kind: Some(BookableKind::Equipment),
                    description: "Pour les tests".into(),
                    place: "Salle des maîtres".into(),
                    capacity: String::new(),
                    quantity: quantity.to_string(),
                    needs_approval,
                    archived: false,
                },
            )
            .expect("bookable")
            .id
    }

    /// Books once; the booking made.
    fn book_once(
        &self,
        who: &Subject,
        what: BookableId,
        day: &str,
        start: &str,
        end: &str,
    ) -> Result<Booking, AppError> {
        let booked = self.app.book(who, &once(what, day, start, end))?;
        assert_eq!(booked.bookings.len(), 1);
        Ok(booked.bookings.into_iter().next().expect("one booking"))
    }

    /// Every booking holding time on `what` on `day`, as the school's day view shows them.
    fn held_on(&self, what: BookableId, day: Date) -> Vec<Booking> {
        let grid = self.app.school_day(&self.head(), day).expect("day view");
        let mut all: Vec<Booking> = grid
            .rows
            .iter()
            .flat_map(|r| r.cells.iter())
            .flat_map(|c| c.entries.iter())
            .chain(grid.others.iter().flatten())
            .map(|e| e.booking.clone())
            .filter(|b| b.bookable == what)
            .collect();
        all.sort_by_key(|b| b.id);
        all.dedup_by_key(|b| b.id);
        all
    }
}

fn once(what: BookableId, day: &str, start: &str, end: &str) -> BookingRequest {
    BookingRequest {
        bookable: what,
        date: day.into(),
        start: start.into(),
        end: end.into(),
        quantity: 1,
        purpose: "Test".into(),
        repeat: Repeat::Once,
        until: String::new(),
    }
}

fn repeated(
    what: BookableId,
    first: Date,
    until: Date,
    repeat: Repeat,
    start: &str,
    end: &str,
) -> BookingRequest {
    BookingRequest {
        repeat,
        until: until.to_string(),
        ..once(what, &first.to_string(), start, end)
    }
}

/// Holidays of `zone` read straight from the shipped file (not through the code under test).
fn holidays_from_csv(zone: &str) -> Vec<(Date, Date, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../preau-core/data/vacances-scolaires.csv"
    );
    let text = std::fs::read_to_string(path).expect("holiday file");
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.starts_with("zone,") || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "line {line}");
        if fields[0] == zone {
            out.push((
                fields[1].parse().expect("first day"),
                fields[2].parse().expect("last day"),
                fields[3].to_owned(),
            ));
        }
    }
    assert!(out.len() >= 10, "zone {zone} has its holidays");
    out
}

/// The public holidays of the 2026-2027 school year, written out by hand.
const PUBLIC_HOLIDAYS_2026_2027: &[(&str, &str)] = &[
    ("2026-11-01", "Toussaint"),
    ("2026-11-11", "Armistice 1918"),
    ("2026-12-25", "Noël"),
    ("2027-01-01", "Jour de l'an"),
    ("2027-03-29", "Lundi de Pâques"),
    ("2027-05-01", "Fête du travail"),
    ("2027-05-06", "Ascension"),
    ("2027-05-08", "Victoire 1945"),
    ("2027-05-17", "Lundi de Pentecôte"),
    ("2027-07-14", "Fête nationale"),
];

fn public_holiday(day: Date) -> bool {
    PUBLIC_HOLIDAYS_2026_2027
        .iter()
        .any(|(d, _)| d.parse::<Date>().expect("date") == day)
}

#[test]
fn a_weekly_booking_across_the_school_year_lands_only_on_school_days_of_the_zone() {
    let first_day = date(2026, 9, 1);
    let last_day = date(2027, 7, 2);
    assert_eq!(first_day.weekday(), Weekday::Tuesday, "rentrée 2026");
    let mut tuesdays_by_zone = Vec::new();
    for zone in ["A", "B", "C"] {
        let w = School::at(paris_at(date(2026, 8, 25), 8, 0));
        w.calendar(zone, 0, 0);
        let holidays = holidays_from_csv(zone);
        let in_holidays = |d: Date| holidays.iter().any(|(a, b, _)| *a <= d && d <= *b);
        let teacher = w.teacher(0);
        let what = w.bookable("Salle informatique (test)", 1, false);
        for weekday in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Thursday,
            Weekday::Friday,
        ] {
            let mut first = first_day;
            while first.weekday() != weekday {
                first = first.tomorrow().unwrap();
            }
            let request = repeated(what, first, last_day, Repeat::Weekly, "9:00", "10:00");
            let booked = w.app.book(&teacher, &request).expect("weekly booking");
            let mut all_days = Vec::new();
            let mut d = first;
            while d <= last_day {
                all_days.push(d);
                d = d.checked_add(7.days()).unwrap();
            }
            let school: BTreeSet<Date> = all_days
                .iter()
                .copied()
                .filter(|d| !in_holidays(*d) && !public_holiday(*d))
                .collect();
            let closed: BTreeSet<Date> = all_days
                .iter()
                .copied()
                .filter(|d| !school.contains(d))
                .collect();
            let mut got = BTreeSet::new();
            for b in &booked.bookings {
                let (day, clock) = paris_civil(b.start);
                assert_eq!(clock, "9:00", "zone {zone}: {day} starts at 9:00 in Paris");
                assert_eq!(b.end - b.start, 3600);
                assert_eq!(day.weekday(), weekday);
                assert!(!in_holidays(day), "zone {zone}: {day} is in the holidays");
                assert!(
                    !public_holiday(day),
                    "zone {zone}: {day} is a public holiday"
                );
                assert_eq!(b.status, BookingStatus::Confirmed);
                assert!(b.series.is_some(), "a weekly booking is one series");
                got.insert(day);
            }
            assert_eq!(got.len(), booked.bookings.len(), "one booking per date");
            assert_eq!(
                got, school,
                "zone {zone}, {weekday:?}: every school day is booked, and only those"
            );
            let skipped: BTreeSet<Date> = booked.skipped.iter().map(|(d, _)| *d).collect();
            assert_eq!(
                skipped, closed,
                "zone {zone}, {weekday:?}: every closed date is reported as skipped"
            );
            for (d, why) in &booked.skipped {
                match why {
                    Closure::Holiday(name) => {
                        assert!(in_holidays(*d), "{d}");
                        assert!(
                            holidays
                                .iter()
                                .any(|(a, b, n)| *a <= *d && *d <= *b && n == name),
                            "zone {zone}: {d} skipped for « {name} »"
                        );
                    }
                    Closure::PublicHoliday(_) => assert!(public_holiday(*d), "{d}"),
                    other => panic!("zone {zone}: {d} skipped for {other:?}"),
                }
            }
            if weekday == Weekday::Tuesday {
                tuesdays_by_zone.push((zone, got.len(), skipped.len()));
            }
            println!(
                "zone {zone}, {weekday:?}: {} dates booked, {} skipped",
                got.len(),
                skipped.len()
            );
        }
        // The public holidays on school weekdays outside the holidays were skipped as such.
        for (day, name) in [
            ("2027-03-29", "Lundi de Pâques"),
            ("2027-05-17", "Lundi de Pentecôte"),
        ] {
            let day: Date = day.parse().unwrap();
            if !in_holidays(day) {
                let week = w
                    .app
                    .person_week(&teacher, teacher.user, preau_app::bookings::monday_of(day))
                    .unwrap();
                assert!(
                    week.rows
                        .iter()
                        .flat_map(|r| r.cells.iter())
                        .filter(|c| c.date == day)
                        .all(|c| c.entries.is_empty()
                            && c.closed.as_deref().is_some_and(|why| why.contains(name))),
                    "zone {zone}: {day} ({name}) is shown closed and empty"
                );
            }
        }
    }
    // The zones' winter and spring holidays differ, so the counts are checked per zone above;
    // each is a full school year of Tuesdays (36 weeks of class, give or take).
    for (zone, booked, skipped) in &tuesdays_by_zone {
        assert_eq!(
            booked + skipped,
            44,
            "zone {zone}: 44 Tuesdays from 1/9 to 2/7"
        );
        assert!((30..=38).contains(booked), "zone {zone}: {booked} Tuesdays");
    }
}

#[test]
fn daylight_saving_weeks_keep_nine_o_clock_at_nine() {
    let w = School::at(paris_at(date(2026, 10, 1), 8, 0));
    w.calendar("B", 0, 0);
    let teacher = w.teacher(0);
    let what = w.bookable("Vidéoprojecteur (test)", 1, false);
    let starts = |first: Date, until: Date| -> Vec<(Date, i64, i64)> {
        let booked = w
            .app
            .book(
                &teacher,
                &repeated(what, first, until, Repeat::Weekly, "9:00", "10:00"),
            )
            .expect("weekly booking");
        booked
            .bookings
            .iter()
            .map(|b| (paris_civil(b.start).0, b.start, b.end))
            .collect()
    };
    // Autumn: summer time (UTC+2) until Sunday 25 October 2026, then UTC+1. The Toussaint
    // holidays (17 October – 1 November) skip two Tuesdays in between.
    let autumn = starts(date(2026, 10, 13), date(2026, 11, 17));
    let days: Vec<Date> = autumn.iter().map(|(d, _, _)| *d).collect();
    assert_eq!(
        days,
        [
            date(2026, 10, 13),
            date(2026, 11, 3),
            date(2026, 11, 10),
            date(2026, 11, 17)
        ]
    );
    for (day, start, end) in &autumn {
        let utc_hour = if *day < date(2026, 10, 25) { 7 } else { 8 };
        assert_eq!(*start, utc_at(*day, utc_hour, 0), "{day}: 9:00 Paris");
        assert_eq!(*end, utc_at(*day, utc_hour + 1, 0), "{day}: 10:00 Paris");
    }
    // Spring: UTC+1 until Sunday 28 March 2027, then UTC+2 (zone B: no holidays then).
    let spring = starts(date(2027, 3, 16), date(2027, 4, 13));
    assert_eq!(spring.len(), 5);
    for (day, start, end) in &spring {
        let utc_hour = if *day < date(2027, 3, 28) { 8 } else { 7 };
        assert_eq!(*start, utc_at(*day, utc_hour, 0), "{day}: 9:00 Paris");
        assert_eq!(*end - *start, 3600, "{day}: one hour");
    }
    // A Monday series across the change skips Easter Monday (29 March 2027).
    let booked = w
        .app
        .book(
            &teacher,
            &repeated(
                what,
                date(2027, 3, 22),
                date(2027, 4, 5),
                Repeat::Weekly,
                "9:00",
                "10:00",
            ),
        )
        .unwrap();
    let starts: Vec<i64> = booked.bookings.iter().map(|b| b.start).collect();
    assert_eq!(
        starts,
        [
            utc_at(date(2027, 3, 22), 8, 0),
            utc_at(date(2027, 4, 5), 7, 0)
        ]
    );
    assert_eq!(
        booked.skipped,
        [(date(2027, 3, 29), Closure::PublicHoliday("Lundi de Pâques"))]
    );
    // The grids show 9 h 00 – 10 h 00 on both sides of each change.
    for monday in [
        date(2026, 10, 12),
        date(2026, 11, 2),
        date(2027, 3, 22),
        date(2027, 3, 29),
    ] {
        let (_, grid) = w.app.bookable_week(&teacher, what, monday).unwrap();
        let times: BTreeSet<String> = grid
            .rows
            .iter()
            .flat_map(|r| r.cells.iter())
            .flat_map(|c| c.entries.iter())
            .map(|e| e.times.clone())
            .collect();
        assert_eq!(
            times.into_iter().collect::<Vec<_>>(),
            ["9 h 00 – 10 h 00"],
            "week of {monday}"
        );
    }
}

#[test]
fn every_other_week_until_the_day_before_the_holidays() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let teacher = w.teacher(0);
    let what = w.bookable("BCD (test)", 1, false);
    // Zone C's winter holidays start on Saturday 6 February 2027 (read from the file).
    let winter = holidays_from_csv("C")
        .into_iter()
        .find(|(first, _, name)| name == "Vacances d'hiver" && first.year() == 2027)
        .unwrap();
    let day_before = winter.0.yesterday().unwrap();
    let booked = w
        .app
        .book(
            &teacher,
            &repeated(
                what,
                date(2027, 1, 5),
                day_before,
                Repeat::Fortnightly,
                "13:30",
                "14:30",
            ),
        )
        .unwrap();
    let days: Vec<Date> = booked
        .bookings
        .iter()
        .map(|b| paris_civil(b.start).0)
        .collect();
    assert_eq!(
        days,
        [date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]
    );
    assert!(booked.skipped.is_empty());
    assert!(
        booked
            .bookings
            .iter()
            .all(|b| b.series == booked.bookings[0].series && b.series.is_some())
    );
    // The weeks in between stay free for others.
    let other = w.teacher(1);
    w.book_once(&other, what, "2027-01-12", "13:30", "14:30")
        .expect("the week in between is free");
    // A weekly booking running into the Christmas holidays reports the dates it skips.
    let booked = w
        .app
        .book(
            &teacher,
            &repeated(
                what,
                date(2026, 12, 3),
                date(2027, 1, 7),
                Repeat::Weekly,
                "9:30",
                "10:30",
            ),
        )
        .unwrap();
    let days: Vec<Date> = booked
        .bookings
        .iter()
        .map(|b| paris_civil(b.start).0)
        .collect();
    assert_eq!(
        days,
        [
            date(2026, 12, 3),
            date(2026, 12, 10),
            date(2026, 12, 17),
            date(2027, 1, 7)
        ]
    );
    assert_eq!(
        booked.skipped,
        [
            (
                date(2026, 12, 24),
                Closure::Holiday("Vacances de Noël".into())
            ),
            (
                date(2026, 12, 31),
                Closure::Holiday("Vacances de Noël".into())
            ),
        ]
    );
    // A series falling on no school day is refused.
    assert_eq!(
        refused(w.app.book(
            &teacher,
            &repeated(
                what,
                date(2026, 12, 22),
                date(2027, 1, 1),
                Repeat::Weekly,
                "9:00",
                "10:00"
            )
        )),
        Problem::NoDate
    );
}

#[test]
fn one_off_bookings_are_refused_when_the_school_is_closed_or_the_times_are_wrong() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let teacher = w.teacher(0);
    let what = w.bookable("Gymnase (test)", 1, false);
    let closed = |day: &str, start: &str, end: &str| -> (String, String) {
        match refused(w.book_once(&teacher, what, day, start, end)) {
            Problem::SchoolClosed(when, why) => (when, why),
            other => panic!("{day} {start}-{end}: expected SchoolClosed, got {other:?}"),
        }
    };
    let (when, why) = closed("2026-12-05", "9:00", "10:00");
    assert_eq!(when, "samedi 5 décembre");
    assert!(why.contains("week-end"), "{why}");
    let (_, why) = closed("2026-12-06", "9:00", "10:00");
    assert!(why.contains("week-end"), "{why}");
    for (day, name) in [
        ("2027-03-29", "Lundi de Pâques"),
        ("2027-05-06", "Ascension"),
        ("2027-05-17", "Lundi de Pentecôte"),
    ] {
        let (_, why) = closed(day, "9:00", "10:00");
        assert!(
            why.contains("jour férié") && why.contains(name),
            "{day}: {why}"
        );
    }
    let (when, why) = closed("2026-12-22", "9:00", "10:00");
    assert_eq!(when, "mardi 22 décembre");
    assert!(why.contains("vacances") && why.contains("Noël"), "{why}");
    let (_, why) = closed("2027-02-09", "9:00", "10:00");
    assert!(why.contains("Vacances d'hiver"), "zone C winter: {why}");
    let (_, why) = closed("2026-12-02", "13:30", "14:30");
    assert!(why.contains("mercredi"), "Wednesday afternoon: {why}");
    let (_, why) = closed("2026-12-02", "12:00", "12:45");
    assert!(why.contains("mercredi"), "past Wednesday noon: {why}");
    let (_, why) = closed("2026-12-01", "6:00", "7:00");
    assert!(why.contains("en dehors"), "before the day opens: {why}");
    let (_, why) = closed("2026-12-01", "18:00", "19:30");
    assert!(why.contains("en dehors"), "after the day closes: {why}");
    // In the past: last Friday, and earlier this very morning (it is 8:00).
    assert_eq!(
        refused(w.book_once(&teacher, what, "2026-11-27", "9:00", "10:00")),
        Problem::BookingPast
    );
    assert_eq!(
        refused(w.book_once(&teacher, what, "2026-11-30", "7:30", "7:45")),
        Problem::BookingPast
    );
    // Times not on a quarter hour, or the wrong way round.
    for (start, end) in [
        ("9:10", "10:00"),
        ("9:00", "10:05"),
        ("10:00", "9:00"),
        ("9:00", "9:00"),
        ("25:00", "26:00"),
        ("neuf heures", "10:00"),
    ] {
        assert_eq!(
            refused(w.book_once(&teacher, what, "2026-12-01", start, end)),
            Problem::BookingTime,
            "{start}-{end}"
        );
    }
    assert!(matches!(
        refused(w.book_once(&teacher, what, "2027-02-31", "9:00", "10:00")),
        Problem::Date(_)
    ));
    // A pool is booked by quantity, never more than it has.
    let cart = w.bookable("Chariot de tablettes (test)", 15, false);
    let mut request = once(cart, "2026-12-01", "9:00", "10:00");
    request.quantity = 16;
    assert_eq!(
        refused(w.app.book(&teacher, &request)),
        Problem::Quantity(15)
    );
    // Nothing of the above was booked; what is allowed is.
    for day in ["2026-12-01", "2026-12-02", "2026-12-22", "2027-03-29"] {
        assert!(w.held_on(what, day.parse().unwrap()).is_empty(), "{day}");
    }
    w.book_once(&teacher, what, "2026-11-30", "8:15", "8:30")
        .expect("later this morning");
    w.book_once(&teacher, what, "2026-12-02", "9:00", "10:00")
        .expect("Wednesday morning");
    w.book_once(&teacher, what, "2026-12-01", "9:15", "10:45")
        .expect("quarter hours across periods");
    assert!(matches!(
        refused(w.book_once(&w.teacher(1), what, "2026-12-01", "10:30", "11:00")),
        Problem::SlotTaken { .. }
    ));
    w.book_once(&w.teacher(1), what, "2026-12-01", "10:45", "11:00")
        .expect("back to back is no overlap");
}

#[test]
fn limits_bind_teachers_but_not_the_headteacher() {
    let w = School::monday_morning();
    w.calendar("C", 2, 30);
    let teacher = w.teacher(0);
    let head = w.head();
    let what = w.bookable("Appareil photo (test)", 1, false);
    w.book_once(&teacher, what, "2026-12-01", "9:00", "10:00")
        .unwrap();
    let thursday = w
        .book_once(&teacher, what, "2026-12-03", "9:00", "10:00")
        .unwrap();
    assert_eq!(
        refused(w.book_once(&teacher, what, "2026-12-04", "9:00", "10:00")),
        Problem::WeeklyLimit(2)
    );
    // The next week is another week; the headteacher has no limit.
    w.book_once(&teacher, what, "2026-12-07", "9:00", "10:00")
        .unwrap();
    for day in ["2026-12-01", "2026-12-03", "2026-12-04"] {
        w.book_once(&head, what, day, "14:30", "15:30").unwrap();
    }
    // A cancelled booking no longer counts.
    w.app.cancel_booking(&teacher, thursday.id, false).unwrap();
    w.book_once(&teacher, what, "2026-12-04", "9:00", "10:00")
        .expect("within the limit again");
    // How far ahead: 30 days for teachers (18 December is fine, 5 January is not).
    w.book_once(&teacher, what, "2026-12-18", "9:00", "10:00")
        .unwrap();
    assert_eq!(
        refused(w.book_once(&teacher, what, "2027-01-05", "9:00", "10:00")),
        Problem::TooFarAhead(30)
    );
    assert_eq!(
        refused(w.app.book(
            &teacher,
            &repeated(
                what,
                date(2026, 12, 8),
                date(2027, 1, 15),
                Repeat::Weekly,
                "13:30",
                "14:30"
            )
        )),
        Problem::TooFarAhead(30),
        "a series is as far ahead as its last date"
    );
    w.book_once(&head, what, "2027-01-05", "9:00", "10:00")
        .expect("the headteacher books as far ahead as she likes");
    w.book_once(&head, what, "2027-06-29", "9:00", "10:00")
        .unwrap();
    // A weekly series counts in every week it touches.
    let other = w.teacher(1);
    w.book_once(&other, what, "2026-12-15", "8:30", "9:00")
        .unwrap();
    w.book_once(&other, what, "2026-12-17", "8:30", "9:00")
        .unwrap();
    assert_eq!(
        refused(w.app.book(
            &other,
            &repeated(
                what,
                date(2026, 12, 8),
                date(2026, 12, 18),
                Repeat::Weekly,
                "15:45",
                "16:30"
            )
        )),
        Problem::WeeklyLimit(2)
    );
    assert!(
        w.held_on(what, date(2026, 12, 8))
            .iter()
            .all(|b| b.holder != other.user),
        "a refused series books nothing"
    );
}

#[test]
fn moving_a_booking_keeps_to_the_limits_and_asks_for_approval_again() {
    let w = School::monday_morning();
    w.calendar("C", 1, 30);
    let teacher = w.teacher(0);
    let head = w.head();
    let gym = w.bookable("Gymnase (test)", 1, true);
    let first = w
        .book_once(&teacher, gym, "2026-12-01", "9:00", "10:00")
        .unwrap();
    w.app.decide_booking(&head, first.id, true).unwrap();
    let next_week = w
        .book_once(&teacher, gym, "2026-12-08", "9:00", "10:00")
        .unwrap();
    let when = |day: &str| w.app.move_booking(&teacher, first.id, day, "9:00", "10:00");
    assert_eq!(refused(when("2027-06-01")), Problem::TooFarAhead(30));
    assert_eq!(
        refused(when("2026-12-10")),
        Problem::WeeklyLimit(1),
        "the week of 7 December already holds one of hers"
    );
    let moved = when("2026-12-03").expect("same week: the booking only moves");
    assert_eq!(
        moved.status,
        BookingStatus::Pending,
        "a new time needs the headteacher's approval again"
    );
    // The headteacher is not bound by the limits, and her move keeps the approval.
    w.app.decide_booking(&head, moved.id, true).unwrap();
    let by_head = w
        .app
        .move_booking(&head, next_week.id, "2027-06-01", "9:00", "10:00")
        .expect("the headteacher moves as far ahead as she likes");
    assert_eq!(by_head.status, BookingStatus::Pending, "never approved yet");
    let approved = w
        .app
        .move_booking(&head, moved.id, "2026-12-04", "9:00", "10:00")
        .unwrap();
    assert_eq!(approved.status, BookingStatus::Confirmed);
}

#[test]
fn a_series_longer_than_a_school_year_is_refused_whole() {
    let w = School::monday_morning();
    let head = w.head();
    let room = w.bookable("Salle (test)", 1, false);
    assert_eq!(
        refused(w.app.book(
            &head,
            &repeated(
                room,
                date(2026, 12, 1),
                date(2028, 6, 30),
                Repeat::Weekly,
                "9:00",
                "10:00"
            )
        )),
        Problem::SeriesTooLong(60)
    );
    assert!(
        w.held_on(room, date(2026, 12, 1)).is_empty(),
        "nothing booked"
    );
}

#[test]
fn bookings_that_need_approval_hold_their_slot_until_the_headteacher_decides() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let head = w.head();
    let (a, b, c) = (w.teacher(0), w.teacher(1), w.teacher(2));
    let room = w.bookable("Salle de motricité (test)", 1, true);
    let first = w
        .book_once(&a, room, "2026-12-01", "9:00", "10:00")
        .unwrap();
    assert_eq!(first.status, BookingStatus::Pending);
    match refused(w.book_once(&b, room, "2026-12-01", "9:30", "10:30")) {
        Problem::SlotTaken { name, holders, .. } => {
            assert_eq!(name, "Salle de motricité (test)");
            assert_eq!(
                holders,
                [w.name_of(a.user)],
                "a pending booking holds its slot"
            );
        }
        other => panic!("{other:?}"),
    }
    let pending = w.app.pending_bookings(&head).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].booking.id, first.id);
    assert_eq!(pending[0].holder_name, w.name_of(a.user));
    assert!(matches!(
        w.app.pending_bookings(&a),
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app.decide_booking(&a, first.id, true),
        Err(AppError::Forbidden)
    ));
    let approved = w.app.decide_booking(&head, first.id, true).unwrap();
    assert_eq!(approved.status, BookingStatus::Confirmed);
    assert_eq!(
        w.app.booking(&a, first.id).unwrap().status,
        BookingStatus::Confirmed
    );
    let notices = w.app.booking_notices(&a).unwrap();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].text.contains("validé")
            && notices[0].text.contains("Salle de motricité (test)")
            && notices[0].text.contains("mardi 1 décembre 2026"),
        "{}",
        notices[0].text
    );
    assert!(matches!(
        w.app.decide_booking(&head, first.id, false),
        Err(AppError::NotFound)
    ));
    // Refused: the holder is told and the slot is free again.
    let second = w
        .book_once(&b, room, "2026-12-03", "9:00", "10:00")
        .unwrap();
    assert_eq!(second.status, BookingStatus::Pending);
    let refused = w.app.decide_booking(&head, second.id, false).unwrap();
    assert_eq!(refused.status, BookingStatus::Refused);
    let notices = w.app.booking_notices(&b).unwrap();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].text.contains("refusé"), "{}", notices[0].text);
    let third = w
        .book_once(&c, room, "2026-12-03", "9:00", "10:00")
        .unwrap();
    assert_eq!(third.status, BookingStatus::Pending);
    assert_eq!(w.app.pending_bookings(&head).unwrap().len(), 1);
    // The headteacher's own bookings need no approval.
    let hers = w
        .book_once(&head, room, "2026-12-04", "9:00", "10:00")
        .unwrap();
    assert_eq!(hers.status, BookingStatus::Confirmed);
    assert!(w.app.booking_notices(&head).unwrap().is_empty());
}

#[test]
fn the_headteacher_cancels_or_moves_a_booking_and_the_teacher_is_told() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let head = w.head();
    let (a, b) = (w.teacher(0), w.teacher(1));
    let what = w.bookable("Vidéoprojecteur (test)", 1, false);
    let booking = w
        .book_once(&a, what, "2026-12-08", "9:00", "10:00")
        .unwrap();
    // Another teacher may neither cancel nor move it.
    assert!(matches!(
        w.app.cancel_booking(&b, booking.id, false),
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .move_booking(&b, booking.id, "2026-12-10", "14:00", "15:00"),
        Err(AppError::Forbidden)
    ));
    assert!(w.app.booking_notices(&a).unwrap().is_empty());
    // The headteacher cannot move it onto a closed day or a taken slot.
    let _blocker = w
        .book_once(&b, what, "2026-12-11", "9:00", "10:00")
        .unwrap();
    assert!(matches!(
        refused(
            w.app
                .move_booking(&head, booking.id, "2026-12-12", "9:00", "10:00")
        ),
        Problem::SchoolClosed(..)
    ));
    match refused(
        w.app
            .move_booking(&head, booking.id, "2026-12-11", "9:30", "10:30"),
    ) {
        Problem::SlotTaken { holders, .. } => assert_eq!(holders, [w.name_of(b.user)]),
        other => panic!("{other:?}"),
    }
    assert!(w.app.booking_notices(&a).unwrap().is_empty());
    // She moves it: the teacher is told where it went, the old slot is free.
    let moved = w
        .app
        .move_booking(&head, booking.id, "2026-12-10", "14:00", "15:00")
        .unwrap();
    assert_eq!(moved.id, booking.id);
    assert_eq!(moved.holder, a.user);
    assert_eq!(moved.start, paris_at(date(2026, 12, 10), 14, 0));
    assert_eq!(moved.end, paris_at(date(2026, 12, 10), 15, 0));
    let notices = w.app.booking_notices(&a).unwrap();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].text.contains("déplacé")
            && notices[0].text.contains("mardi 8 décembre 2026")
            && notices[0].text.contains("jeudi 10 décembre 2026")
            && notices[0].text.contains("14 h 00"),
        "{}",
        notices[0].text
    );
    w.book_once(&b, what, "2026-12-08", "9:00", "10:00")
        .expect("the old slot is free");
    // She cancels it: told again.
    assert_eq!(w.app.cancel_booking(&head, booking.id, false).unwrap(), 1);
    assert_eq!(
        w.app.booking(&a, booking.id).unwrap().status,
        BookingStatus::Cancelled
    );
    let notices = w.app.booking_notices(&a).unwrap();
    assert_eq!(notices.len(), 2);
    assert!(
        notices.iter().any(|n| n.text.contains("annulé")),
        "{notices:?}"
    );
    w.book_once(&b, what, "2026-12-10", "14:00", "15:00")
        .expect("the cancelled slot is free");
    // A teacher cancelling her own booking is not told about it.
    let own = w
        .book_once(&a, what, "2026-12-14", "9:00", "10:00")
        .unwrap();
    assert_eq!(w.app.cancel_booking(&a, own.id, false).unwrap(), 1);
    assert_eq!(w.app.booking_notices(&a).unwrap().len(), 2);
    // The rest of a series, from one date on.
    let series = w
        .app
        .book(
            &a,
            &repeated(
                what,
                date(2027, 1, 5),
                date(2027, 1, 26),
                Repeat::Weekly,
                "9:00",
                "10:00",
            ),
        )
        .unwrap();
    assert_eq!(series.bookings.len(), 4);
    assert_eq!(
        w.app
            .cancel_booking(&head, series.bookings[1].id, true)
            .unwrap(),
        3
    );
    let statuses: Vec<BookingStatus> = series
        .bookings
        .iter()
        .map(|x| w.app.booking(&a, x.id).unwrap().status)
        .collect();
    assert_eq!(
        statuses,
        [
            BookingStatus::Confirmed,
            BookingStatus::Cancelled,
            BookingStatus::Cancelled,
            BookingStatus::Cancelled
        ]
    );
    let notices = w.app.booking_notices(&a).unwrap();
    assert_eq!(notices.len(), 3);
    assert!(
        notices.iter().any(|n| n.text.contains("3 séances")),
        "{notices:?}"
    );
    // Notices are dismissed by their reader only.
    assert!(matches!(
        w.app.dismiss_notice(&b, notices[0].id),
        Err(AppError::NotFound)
    ));
    w.app.dismiss_notice(&a, notices[0].id).unwrap();
    assert_eq!(w.app.booking_notices(&a).unwrap().len(), 2);
}

/// One line per role; columns: view the bookings, book, manage one's own booking, manage
/// another teacher's booking, manage bookables and the calendar. `x` allowed, `.` refused,
/// `-` not applicable (who cannot book holds nothing to manage).
const ACCESS: &str = "
    Headteacher x x x x x
    Teacher     x x x . .
    Staff       x x x . .
    TownAgent   . . - . .
    Technician  . . - . .
    Parent      . . - . .
    Pupil       . . - . .
";

#[test]
fn who_may_view_book_and_manage_bookings() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let head = w.head();
    let what = w.bookable("TNI mobile (test)", 1, false);
    let others = w.bookable("Salle informatique (test)", 1, false);
    let extra = |role: Role, first: &str| w.subject(w.account(role, first, None, vec![]));
    let pupil = w.school.pupils[0].user.id;
    let parent = w.school.parents[0].user.id;
    let people: Vec<(&str, Subject)> = vec![
        ("Headteacher", head.clone()),
        ("Teacher", w.teacher(0)),
        ("Staff", extra(Role::Staff, "Atsem")),
        ("TownAgent", extra(Role::TownAgent, "Agent")),
        ("Technician", extra(Role::Technician, "Technicien")),
        ("Parent", w.subject(parent)),
        ("Pupil", w.subject(pupil)),
    ];
    let other_teacher = w.teacher(1);
    let mark = |ok: bool| if ok { "x" } else { "." };
    let mut table = String::new();
    for (i, (label, who)) in people.iter().enumerate() {
        let minute = 15 * i as i64;
        let at = |base: i64| {
            let t = base + minute;
            format!("{}:{:02}", t / 60, t % 60)
        };
        let (start, end) = (at(8 * 60), at(8 * 60 + 15));
        let day = date(2026, 12, 1);
        let views = [
            w.app.bookables(who).is_ok(),
            w.app.bookable(who, what).is_ok(),
            w.app.bookable_week(who, what, date(2026, 11, 30)).is_ok(),
            w.app.school_day(who, day).is_ok(),
            w.app.free_now(who).is_ok(),
            w.app.person_week(who, who.user, date(2026, 11, 30)).is_ok(),
            w.app.my_feed_token(who).is_ok(),
        ];
        assert!(
            views.iter().all(|v| *v == views[0]),
            "{label}: every view answers alike: {views:?}"
        );
        let booked = w.book_once(who, what, "2026-12-01", &start, &end);
        if let Err(e) = &booked {
            assert!(matches!(e, AppError::Forbidden), "{label}: {e:?}");
        }
        let own = match &booked {
            Ok(b) => {
                let moved = w.app.move_booking(who, b.id, "2026-12-03", &start, &end);
                let cancelled = w.app.cancel_booking(who, b.id, false);
                assert_eq!(moved.is_ok(), cancelled.is_ok(), "{label}");
                mark(cancelled.is_ok())
            }
            Err(_) => "-",
        };
        let theirs = w
            .book_once(&other_teacher, others, "2026-12-01", &start, &end)
            .unwrap();
        let moved = w
            .app
            .move_booking(who, theirs.id, "2026-12-04", &start, &end);
        let cancelled = w.app.cancel_booking(who, theirs.id, false);
        if let Err(e) = &cancelled {
            assert!(matches!(e, AppError::Forbidden), "{label}: {e:?}");
        }
        assert_eq!(moved.is_ok(), cancelled.is_ok(), "{label}");
        let still = w.app.booking(&head, theirs.id).unwrap();
        assert_eq!(
            still.status == BookingStatus::Cancelled,
            cancelled.is_ok(),
            "{label}: a refusal changes nothing"
        );
        let manage = [
            w.app
                .save_bookable(
                    who,
                    None,
                    &BookableForm {
                        name: format!("Nouveau {label}"),
                        kind: Some(BookableKind::Room),
                        ..BookableForm::default()
                    },
                )
                .is_ok(),
            w.app
                .save_bookable(
                    who,
                    Some(what),
                    &BookableForm {
                        name: "TNI mobile (test)".into(),
                        kind: Some(BookableKind::Equipment),
                        ..BookableForm::default()
                    },
                )
                .is_ok(),
            w.app
                .save_booking_settings(
                    who,
                    &CalendarForm {
                        zone: "C".into(),
                        periods: PERIODS.into(),
                        wednesday_morning: true,
                        ..CalendarForm::default()
                    },
                )
                .is_ok(),
            w.app.pending_bookings(who).is_ok(),
        ];
        assert!(
            manage.iter().all(|v| *v == manage[0]),
            "{label}: managing answers alike: {manage:?}"
        );
        table.push_str(&format!(
            "{label} {} {} {own} {} {}\n",
            mark(views[0]),
            mark(booked.is_ok()),
            mark(cancelled.is_ok()),
            mark(manage[0])
        ));
    }
    let normalise = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(normalise(&table), normalise(ACCESS), "\n{table}");
}

#[test]
fn two_hundred_threads_booking_the_same_slot_make_one_booking() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let what = w.bookable("Vidéoprojecteur (test)", 1, false);
    let mut people = vec![w.head()];
    people.extend((0..w.school.teachers.len()).map(|i| w.teacher(i)));
    let threads = 200;
    let barrier = Barrier::new(threads);
    let results: Vec<(UserId, Result<Booking, AppError>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let who = people[i % people.len()].clone();
                let (w, barrier) = (&w, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    (
                        who.user,
                        w.book_once(&who, what, "2026-12-01", "9:00", "10:00"),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&(UserId, Result<Booking, AppError>)> =
        results.iter().filter(|(_, r)| r.is_ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one booking");
    let holder = winners[0].0;
    let holder_name = w.name_of(holder);
    for (_, result) in results.iter().filter(|(_, r)| r.is_err()) {
        match result {
            Err(AppError::Invalid(Problem::SlotTaken {
                name,
                holders,
                when,
            })) => {
                assert_eq!(name, "Vidéoprojecteur (test)");
                assert_eq!(holders, std::slice::from_ref(&holder_name));
                assert_eq!(when, "le mardi 1 décembre 2026 de 9 h 00 à 10 h 00");
            }
            other => panic!("expected SlotTaken, got {other:?}"),
        }
    }
    let held = w.held_on(what, date(2026, 12, 1));
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].holder, holder);
}

#[test]
fn forty_threads_on_a_cart_of_fifteen_tablets_get_fifteen() {
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let cart = w.bookable("Chariot de tablettes (test)", 15, false);
    let mut people = vec![w.head()];
    people.extend((0..w.school.teachers.len()).map(|i| w.teacher(i)));
    let threads = 40;
    let barrier = Barrier::new(threads);
    let results: Vec<Result<Booking, AppError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let who = people[i % people.len()].clone();
                let (w, barrier) = (&w, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    w.book_once(&who, cart, "2026-12-01", "9:30", "10:30")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 15);
    for result in results.iter().filter(|r| r.is_err()) {
        match result {
            Err(AppError::Invalid(Problem::PoolFull { name, free, when })) => {
                assert_eq!(name, "Chariot de tablettes (test)");
                assert_eq!(*free, 0);
                assert!(when.contains("9 h 30 à 10 h 30"), "{when}");
            }
            other => panic!("expected PoolFull, got {other:?}"),
        }
    }
    let day = date(2026, 12, 1);
    let held = w.held_on(cart, day);
    assert_eq!(held.len(), 15);
    assert_eq!(
        peak_use(&held, paris_at(day, 0, 0), paris_at(day, 23, 0)),
        15
    );
    let grid = w.app.school_day(&w.head(), day).unwrap();
    let row = grid
        .rows
        .iter()
        .find(|r| r.label == "Chariot de tablettes (test)")
        .unwrap();
    let cell = row
        .cells
        .iter()
        .find(|c| c.period.start.hour() == 9 && c.period.start.minute() == 30)
        .unwrap();
    assert_eq!((cell.entries.len(), cell.free), (15, 0));
}

/// A small deterministic generator (xorshift64*), seeded from the clock and printed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_overlapping_bookings_from_many_threads_never_overbook() {
    let seed = std::env::var("PREAU_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("seed {seed} (PREAU_TEST_SEED={seed} to replay)");
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let cart = w.bookable("Chariot de tablettes (test)", 15, false);
    let room = w.bookable("Salle informatique (test)", 1, false);
    let mut people = vec![w.head()];
    people.extend((0..w.school.teachers.len()).map(|i| w.teacher(i)));
    let threads = 16;
    let barrier = Barrier::new(threads);
    let outcomes: Vec<(usize, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let who = people[i % people.len()].clone();
                let (w, barrier) = (&w, &barrier);
                let mut rng =
                    Rng(seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
                s.spawn(move || {
                    barrier.wait();
                    let (mut ok, mut refused) = (0, 0);
                    for _ in 0..25 {
                        let pool = rng.below(2) == 0;
                        let start = 8 * 60 + 15 * rng.below(16) as i64;
                        let end = start + 15 * (1 + rng.below(6) as i64);
                        let clock = |t: i64| format!("{}:{:02}", t / 60, t % 60);
                        let mut request = once(
                            if pool { cart } else { room },
                            "2026-12-01",
                            &clock(start),
                            &clock(end),
                        );
                        request.quantity = if pool { 1 + rng.below(4) as u32 } else { 1 };
                        match w.app.book(&who, &request) {
                            Ok(_) => ok += 1,
                            Err(AppError::Invalid(
                                Problem::SlotTaken { .. } | Problem::PoolFull { .. },
                            )) => refused += 1,
                            Err(e) => panic!("seed {seed}: unexpected {e:?}"),
                        }
                    }
                    (ok, refused)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let made: usize = outcomes.iter().map(|(ok, _)| ok).sum();
    let refused: usize = outcomes.iter().map(|(_, r)| r).sum();
    println!("{made} bookings made, {refused} refused");
    assert_eq!(made + refused, threads * 25);
    let day = date(2026, 12, 1);
    let (from, to) = (paris_at(day, 0, 0), paris_at(day, 23, 0));
    let on_cart = w.held_on(cart, day);
    let on_room = w.held_on(room, day);
    assert_eq!(on_cart.len() + on_room.len(), made, "seed {seed}");
    assert!(peak_use(&on_cart, from, to) <= 15, "seed {seed}: cart");
    assert_eq!(peak_use(&on_room, from, to), 1, "seed {seed}: room");
    // Every quarter hour, checked one by one.
    for q in 0..(4 * 24) {
        let (a, b) = (from + 900 * q, from + 900 * (q + 1));
        assert!(peak_use(&on_cart, a, b) <= 15, "seed {seed}: quarter {q}");
        assert!(peak_use(&on_room, a, b) <= 1, "seed {seed}: quarter {q}");
    }
    let ids: BTreeSet<BookingId> = on_cart.iter().chain(&on_room).map(|b| b.id).collect();
    assert_eq!(ids.len(), made);
}

#[test]
fn the_clock_moves_and_past_bookings_stay_put() {
    // The clock is the test's: once a slot is over it cannot be booked, nor moved into.
    let w = School::monday_morning();
    w.calendar("C", 0, 0);
    let teacher = w.teacher(0);
    let what = w.bookable("Vidéoprojecteur (test)", 1, false);
    let booking = w
        .book_once(&teacher, what, "2026-12-01", "9:00", "10:00")
        .unwrap();
    w.set_clock(paris_at(date(2026, 12, 1), 11, 0));
    assert_eq!(
        refused(w.book_once(&teacher, what, "2026-12-01", "10:45", "11:45")),
        Problem::BookingPast
    );
    assert_eq!(
        refused(
            w.app
                .move_booking(&teacher, booking.id, "2026-12-01", "9:30", "10:30")
        ),
        Problem::BookingPast
    );
    w.app
        .move_booking(&teacher, booking.id, "2026-12-01", "13:30", "14:30")
        .expect("later today");
}
