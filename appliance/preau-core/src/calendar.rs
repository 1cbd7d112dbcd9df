//! The French school calendar: holiday zones, school holidays (shipped as data, editable by
//! the headteacher), public holidays (computed), school days and the periods of the day.
//!
//! Dates and times here are civil (Paris wall-clock); turning them into instants is the
//! application's job.

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};

/// The school holidays shipped with Préau, with their source in the header.
pub const SHIPPED_HOLIDAYS: &str = include_str!("../data/vacances-scolaires.csv");

/// The longest run of weekly occurrences a recurring booking may have (a school year).
pub const MAX_OCCURRENCES: usize = 60;

/// A holiday zone of metropolitan France.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Zone {
    /// Besançon, Bordeaux, Clermont-Ferrand, Dijon, Grenoble, Limoges, Lyon, Poitiers.
    A,
    /// Aix-Marseille, Amiens, Lille, Nancy-Metz, Nantes, Nice, Normandie, Orléans-Tours,
    /// Reims, Rennes, Strasbourg.
    B,
    /// Créteil, Montpellier, Paris, Toulouse, Versailles.
    C,
}

impl Zone {
    /// Every zone.
    pub const ALL: [Zone; 3] = [Zone::A, Zone::B, Zone::C];

    /// "A", "B" or "C".
    pub fn letter(self) -> &'static str {
        match self {
            Zone::A => "A",
            Zone::B => "B",
            Zone::C => "C",
        }
    }

    /// Reads "A", "b", "zone C"…
    pub fn parse(text: &str) -> Option<Zone> {
        let text = text.trim().to_ascii_uppercase();
        let letter = text.strip_prefix("ZONE").unwrap_or(&text).trim();
        Zone::ALL.into_iter().find(|z| z.letter() == letter)
    }
}

/// A period of school holidays: the first and the last day without class, inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// Its name ("Vacances de la Toussaint").
    pub name: String,
    /// The first day without class.
    pub first: Date,
    /// The last day without class.
    pub last: Date,
}

impl Holiday {
    /// Whether the holiday covers `date`.
    pub fn covers(&self, date: Date) -> bool {
        self.first <= date && date <= self.last
    }
}

/// A line of a holiday list that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("holiday line {line}: {reason}")]
pub struct HolidayLineError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong, in English.
    pub reason: &'static str,
}

/// The holidays of `zone` shipped with Préau.
pub fn shipped_holidays(zone: Zone) -> Vec<Holiday> {
    SHIPPED_HOLIDAYS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("zone,"))
        .filter_map(|line| {
            let (z, rest) = line.split_once(',')?;
            (Zone::parse(z)? == zone).then_some(())?;
            parse_holiday(rest, ',').ok()
        })
        .collect()
}

/// Reads a holiday list as the headteacher edits it, one holiday per line:
/// `2026-10-17;2026-11-01;Vacances de la Toussaint`. Blank lines are skipped.
pub fn parse_holidays(text: &str) -> Result<Vec<Holiday>, HolidayLineError> {
    let mut holidays = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let holiday = parse_holiday(line, ';').map_err(|reason| HolidayLineError {
            line: number + 1,
            reason,
        })?;
        holidays.push(holiday);
    }
    holidays.sort_by_key(|h| h.first);
    Ok(holidays)
}

/// Writes holidays in the form [`parse_holidays`] reads.
pub fn format_holidays(holidays: &[Holiday]) -> String {
    holidays
        .iter()
        .map(|h| format!("{};{};{}\n", h.first, h.last, h.name))
        .collect()
}

fn parse_holiday(line: &str, separator: char) -> Result<Holiday, &'static str> {
    let mut parts = line.splitn(3, separator);
    let mut date = |what| {
        parts
            .next()
            .and_then(|d| d.trim().parse::<Date>().ok())
            .ok_or(what)
    };
    let first = date("the first day is not a date (AAAA-MM-JJ)")?;
    let last = date("the last day is not a date (AAAA-MM-JJ)")?;
    let name = parts.next().map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Err("the holiday has no name");
    }
    if last < first || first.until(last).map_or(true, |s| s.get_days() > 100) {
        return Err("the last day must follow the first by at most 100 days");
    }
    Ok(Holiday {
        name: name.to_owned(),
        first,
        last,
    })
}

/// Easter Sunday of a Gregorian year (the anonymous Gregorian computus).
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Month is 3 or 4 and day 1..=31 by construction.
    Date::new(year, month as i8, day as i8).unwrap_or_default()
}

/// The public holidays (jours fériés) of metropolitan France in a year, by date.
pub fn public_holidays(year: i16) -> Vec<(Date, &'static str)> {
    let on = |month: i8, day: i8| Date::new(year, month, day).unwrap_or_default();
    let easter = easter(year);
    let after_easter = |days: i32| easter.checked_add(days.days()).unwrap_or(easter);
    let mut days = vec![
        (on(1, 1), "Jour de l'an"),
        (after_easter(1), "Lundi de Pâques"),
        (on(5, 1), "Fête du travail"),
        (on(5, 8), "Victoire 1945"),
        (after_easter(39), "Ascension"),
        (after_easter(50), "Lundi de Pentecôte"),
        (on(7, 14), "Fête nationale"),
        (on(8, 15), "Assomption"),
        (on(11, 1), "Toussaint"),
        (on(11, 11), "Armistice 1918"),
        (on(12, 25), "Noël"),
    ];
    days.sort_by_key(|(date, _)| *date);
    days
}

/// The name of the public holiday on `date`, if it is one.
pub fn public_holiday(date: Date) -> Option<&'static str> {
    public_holidays(date.year())
        .into_iter()
        .find(|(day, _)| *day == date)
        .map(|(_, name)| name)
}

/// A period of the school day ("8 h 30 – 9 h 30").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// When it starts.
    pub start: Time,
    /// When it ends.
    pub end: Time,
}

impl Period {
    /// "8 h 30 – 9 h 30".
    pub fn label(&self) -> String {
        format!("{} – {}", clock(self.start), clock(self.end))
    }
}

/// A time of day as the French write it: "8 h 30".
pub fn clock(time: Time) -> String {
    format!("{} h {:02}", time.hour(), time.minute())
}

/// The usual periods of a French primary school day.
pub fn default_periods() -> Vec<Period> {
    [
        ((8, 30), (9, 30)),
        ((9, 30), (10, 30)),
        ((10, 45), (11, 45)),
        ((13, 30), (14, 30)),
        ((14, 30), (15, 30)),
        ((15, 45), (16, 30)),
    ]
    .into_iter()
    .map(|((h1, m1), (h2, m2))| Period {
        start: Time::constant(h1, m1, 0, 0),
        end: Time::constant(h2, m2, 0, 0),
    })
    .collect()
}

/// Reads periods as the headteacher edits them, one per line: `8:30-9:30` (or `8h30 - 9h30`).
pub fn parse_periods(text: &str) -> Option<Vec<Period>> {
    let mut periods = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (start, end) = line.split_once(['-', '–'])?;
        let period = Period {
            start: parse_clock(start)?,
            end: parse_clock(end)?,
        };
        if period.end <= period.start {
            return None;
        }
        periods.push(period);
    }
    periods.sort_by_key(|p| p.start);
    (!periods.is_empty() && periods.len() <= 16).then_some(periods)
}

/// Reads "8:30", "8h30", "8 h 30", "08:30" or "9h".
pub fn parse_clock(text: &str) -> Option<Time> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (hour, minute) = text
        .split_once([':', 'h', 'H'])
        .unwrap_or((text.as_str(), "0"));
    let minute = if minute.is_empty() { "0" } else { minute };
    Time::new(hour.parse().ok()?, minute.parse().ok()?, 0, 0).ok()
}

/// Why the school is closed at some time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Closure {
    /// Saturday or Sunday.
    Weekend,
    /// Wednesday (afternoon, or all day without Wednesday-morning classes).
    Wednesday,
    /// A public holiday.
    PublicHoliday(&'static str),
    /// School holidays.
    Holiday(String),
    /// Outside the school day.
    OutsideHours,
}

impl Closure {
    /// The reason in French, for people.
    pub fn french(&self) -> String {
        match self {
            Closure::Weekend => "c'est le week-end".into(),
            Closure::Wednesday => "il n'y a pas classe le mercredi à cette heure".into(),
            Closure::PublicHoliday(name) => format!("c'est un jour férié ({name})"),
            Closure::Holiday(name) => format!("ce sont les vacances ({name})"),
            Closure::OutsideHours => "c'est en dehors de la journée d'école".into(),
        }
    }
}

/// The earliest and latest times a booking may start or end.
pub const DAY_OPENS: Time = Time::constant(7, 30, 0, 0);
/// See [`DAY_OPENS`].
pub const DAY_CLOSES: Time = Time::constant(19, 0, 0, 0);
/// Wednesday-morning classes end by this time.
pub const WEDNESDAY_NOON: Time = Time::constant(12, 30, 0, 0);

/// One school's calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolCalendar {
    /// The school's holiday zone.
    pub zone: Zone,
    /// Its school holidays (the zone's shipped list, possibly edited).
    pub holidays: Vec<Holiday>,
    /// Whether there are classes on Wednesday morning.
    pub wednesday_morning: bool,
    /// The periods of the school day.
    pub periods: Vec<Period>,
}

impl SchoolCalendar {
    /// The calendar of a school of `zone`, with the shipped holidays and the usual periods.
    pub fn new(zone: Zone) -> SchoolCalendar {
        SchoolCalendar {
            zone,
            holidays: shipped_holidays(zone),
            wednesday_morning: true,
            periods: default_periods(),
        }
    }

    /// The holiday covering `date`, if any.
    pub fn holiday_on(&self, date: Date) -> Option<&Holiday> {
        self.holidays.iter().find(|h| h.covers(date))
    }

    /// Why there is no school on `date` at all, if there is none.
    pub fn day_closure(&self, date: Date) -> Option<Closure> {
        if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            return Some(Closure::Weekend);
        }
        if let Some(name) = public_holiday(date) {
            return Some(Closure::PublicHoliday(name));
        }
        if let Some(holiday) = self.holiday_on(date) {
            return Some(Closure::Holiday(holiday.name.clone()));
        }
        if date.weekday() == Weekday::Wednesday && !self.wednesday_morning {
            return Some(Closure::Wednesday);
        }
        None
    }

    /// Why `start..end` on `date` cannot be booked, if it cannot.
    pub fn closure(&self, date: Date, start: Time, end: Time) -> Option<Closure> {
        if let Some(closed) = self.day_closure(date) {
            return Some(closed);
        }
        if start < DAY_OPENS || end > DAY_CLOSES || end <= start {
            return Some(Closure::OutsideHours);
        }
        if date.weekday() == Weekday::Wednesday && end > WEDNESDAY_NOON {
            return Some(Closure::Wednesday);
        }
        None
    }

    /// The periods that fit on `date` (none when the school is closed).
    pub fn periods_on(&self, date: Date) -> Vec<Period> {
        self.periods
            .iter()
            .filter(|p| self.closure(date, p.start, p.end).is_none())
            .copied()
            .collect()
    }

    /// The holidays that start after `date`, soonest first (for "until the … holidays").
    pub fn holidays_after(&self, date: Date) -> impl Iterator<Item = &Holiday> {
        self.holidays.iter().filter(move |h| h.first > date)
    }

    /// The weekly dates of a recurring booking: from `first`, every `every_weeks` weeks, up to
    /// `until` inclusive, split into the dates the school is open and the dates skipped (with
    /// why). At most [`MAX_OCCURRENCES`] dates are considered; beyond, the result says it was
    /// cut short.
    pub fn weekly(&self, first: Date, rule: Recurrence, start: Time, end: Time) -> Occurrences {
        let mut out = Occurrences::default();
        let step = (7 * i32::from(rule.every_weeks.clamp(1, 4))).days();
        let mut date = first;
        while date <= rule.until {
            if out.dates.len() + out.skipped.len() == MAX_OCCURRENCES {
                out.truncated = true;
                break;
            }
            match self.closure(date, start, end) {
                None => out.dates.push(date),
                Some(why) => out.skipped.push((date, why)),
            }
            match date.checked_add(step) {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// How a booking repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    /// 1 for every week, 2 for every other week.
    pub every_weeks: u8,
    /// The last date it may fall on.
    pub until: Date,
}

/// The dates a recurring booking falls on, and those it skips.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Occurrences {
    /// The dates the school is open.
    pub dates: Vec<Date>,
    /// The dates skipped, with why.
    pub skipped: Vec<(Date, Closure)>,
    /// Whether the rule reaches past [`MAX_OCCURRENCES`] dates (and was cut short).
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_matches_the_published_dates() {
        assert_eq!(easter(2024), date(2024, 3, 31));
        assert_eq!(easter(2025), date(2025, 4, 20));
        assert_eq!(easter(2026), date(2026, 4, 5));
        assert_eq!(easter(2027), date(2027, 3, 28));
        assert_eq!(easter(2028), date(2028, 4, 16));
        assert_eq!(easter(2038), date(2038, 4, 25));
    }

    #[test]
    fn movable_public_holidays_follow_easter() {
        assert_eq!(public_holiday(date(2027, 3, 29)), Some("Lundi de Pâques"));
        assert_eq!(public_holiday(date(2027, 5, 6)), Some("Ascension"));
        assert_eq!(
            public_holiday(date(2027, 5, 17)),
            Some("Lundi de Pentecôte")
        );
        assert_eq!(public_holiday(date(2026, 11, 11)), Some("Armistice 1918"));
        assert_eq!(public_holiday(date(2026, 11, 12)), None);
        assert_eq!(public_holidays(2027).len(), 11);
    }

    #[test]
    fn every_zone_ships_two_school_years() {
        for zone in Zone::ALL {
            let holidays = shipped_holidays(zone);
            let years: Vec<_> = ["2026-10", "2027-10"]
                .iter()
                .map(|month| {
                    holidays
                        .iter()
                        .any(|h| h.first.to_string().starts_with(month))
                })
                .collect();
            assert_eq!(years, [true, true], "zone {zone:?}");
        }
        let winter = |zone| {
            shipped_holidays(zone)
                .into_iter()
                .find(|h| h.name == "Vacances d'hiver" && h.first.year() == 2027)
                .map(|h| h.first)
        };
        assert_ne!(
            winter(Zone::A),
            winter(Zone::C),
            "winter holidays are staggered"
        );
    }

    #[test]
    fn closures_explain_themselves() {
        let calendar = SchoolCalendar::new(Zone::C);
        let nine = Time::constant(9, 0, 0, 0);
        let ten = Time::constant(10, 0, 0, 0);
        assert_eq!(calendar.closure(date(2026, 12, 1), nine, ten), None);
        assert_eq!(
            calendar.closure(date(2026, 12, 22), nine, ten),
            Some(Closure::Holiday("Vacances de Noël".into()))
        );
        assert_eq!(
            calendar.closure(date(2026, 12, 5), nine, ten),
            Some(Closure::Weekend)
        );
        let wednesday = date(2026, 12, 2);
        assert_eq!(calendar.closure(wednesday, nine, ten), None);
        assert_eq!(
            calendar.closure(
                wednesday,
                Time::constant(14, 0, 0, 0),
                Time::constant(15, 0, 0, 0)
            ),
            Some(Closure::Wednesday)
        );
        assert_eq!(
            calendar.closure(date(2026, 12, 1), Time::constant(6, 0, 0, 0), nine),
            Some(Closure::OutsideHours)
        );
    }

    #[test]
    fn the_edited_list_reads_back_and_bad_lines_are_numbered() {
        let holidays = shipped_holidays(Zone::B);
        assert_eq!(parse_holidays(&format_holidays(&holidays)), Ok(holidays));
        let error = parse_holidays("2026-10-17;2026-11-01;Toussaint\n2026-13-01;x;y").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(parse_holidays("2026-11-01;2026-10-17;À l'envers").is_err());
    }

    #[test]
    fn periods_and_clocks_read_as_typed() {
        assert_eq!(parse_clock("8h30"), Some(Time::constant(8, 30, 0, 0)));
        assert_eq!(parse_clock(" 9 h "), Some(Time::constant(9, 0, 0, 0)));
        assert_eq!(parse_clock("25:00"), None);
        let periods = parse_periods("8:30-9:30\n13h30 – 14h30").unwrap();
        assert_eq!(periods[1].label(), "13 h 30 – 14 h 30");
        assert_eq!(parse_periods("10:00-9:00"), None);
    }
}
