//! iCalendar (RFC 5545) feeds of bookings: a pure writer, no IO. Times are Europe/Paris wall
//! clock with a VTIMEZONE; a recurring booking is one VEVENT with RRULE and EXDATE.
//!
//! Written by hand rather than with a crate: the `icalendar` crate stamps every component it
//! writes (VTIMEZONE, STANDARD, DAYLIGHT included) with the system clock and a random UID.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use preau_core::calendar::MAX_OCCURRENCES;
use preau_core::{Booking, BookingStatus, Series, SeriesId};
use std::collections::HashMap;

/// One entry of a feed: a booking with the names people read.
pub struct FeedItem<'a> {
    /// The booking.
    pub booking: &'a Booking,
    /// The event's title (SUMMARY).
    pub summary: String,
    /// Where it happens (LOCATION; omitted when empty).
    pub location: String,
    /// More about it (DESCRIPTION; omitted when empty).
    pub description: String,
}

/// An iCalendar (RFC 5545) feed of bookings, recurring series as one VEVENT with RRULE and EXDATE.
///
/// Only bookings that hold their time appear (pending ones as `STATUS:TENTATIVE`). The
/// occurrences of a series in `series` that still fall on its pattern are folded into one
/// VEVENT; dates of the weekly expansion without such an occurrence (holidays, cancelled,
/// moved) become EXDATEs, and a moved occurrence is its own VEVENT; so is a booking whose
/// series is not in `series`. `now` is the DTSTAMP.
pub fn feed(calendar_name: &str, items: &[FeedItem<'_>], series: &[Series], now: i64) -> String {
    let tz = paris();
    let stamp = utc(now);
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut folded: HashMap<SeriesId, Fold<'_>> = HashMap::new();
    let patterns: HashMap<SeriesId, Pattern> = series
        .iter()
        .map(|s| (s.id, Pattern::new(s, &tz)))
        .collect();
    // A series takes the status most of its occurrences on the pattern have (ties: confirmed);
    // the others are written one by one.
    let mut pending: HashMap<SeriesId, isize> = HashMap::new();
    for b in items.iter().map(|i| i.booking).filter(|b| b.status.holds()) {
        if let Some(pattern) = b.series.and_then(|id| patterns.get(&id))
            && pattern.index_of(b.start, b.end).is_some()
        {
            let vote = if b.status == BookingStatus::Pending {
                1
            } else {
                -1
            };
            *pending.entry(pattern.id).or_default() += vote;
        }
    }

    for item in items.iter().filter(|i| i.booking.status.holds()) {
        let b = item.booking;
        let (Some(start), Some(end)) = (civil(b.start, &tz), civil(b.end, &tz)) else {
            continue;
        };
        if let Some(pattern) = b.series.and_then(|id| patterns.get(&id)) {
            let fold = folded.entry(pattern.id).or_insert_with(|| Fold {
                first: None,
                taken: vec![false; pattern.dates.len()],
            });
            let status = match pending.get(&pattern.id) {
                Some(votes) if *votes > 0 => BookingStatus::Pending,
                _ => BookingStatus::Confirmed,
            };
            if let Some(index) = pattern.index_of(b.start, b.end)
                && !fold.taken[index]
                && b.status == status
            {
                fold.taken[index] = true;
                if fold.first.is_none_or(|(first, _)| index < first) {
                    fold.first = Some((index, item));
                }
                continue;
            }
        }
        events.push(Event {
            sort: b.start,
            uid: format!("booking-{}@preau", b.id),
            item,
            start,
            end,
            rule: None,
        });
    }

    for s in series {
        let (Some(pattern), Some(fold)) = (patterns.get(&s.id), folded.get(&s.id)) else {
            continue;
        };
        let Some((_, item)) = fold.first else {
            continue;
        };
        let exdates = pattern
            .dates
            .iter()
            .zip(&fold.taken)
            .filter(|(_, taken)| !**taken)
            .map(|(date, _)| local(date.to_datetime(s.start)))
            .collect();
        events.push(Event {
            sort: pattern.first_start,
            uid: format!("series-{}@preau", s.id),
            item,
            start: s.first.to_datetime(s.start),
            end: s.first.to_datetime(s.end),
            rule: Some(Rule {
                interval: pattern.interval,
                until: pattern.until.clone(),
                exdates,
            }),
        });
    }
    events.sort_by(|a, b| (a.sort, &a.uid).cmp(&(b.sort, &b.uid)));

    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Préau//Réservations//FR");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.text("X-WR-CALNAME", calendar_name);
    out.line("X-WR-TIMEZONE:Europe/Paris");
    for line in VTIMEZONE {
        out.line(line);
    }
    for event in &events {
        event.write(&mut out, &stamp);
    }
    out.line("END:VCALENDAR");
    out.0
}

/// The Europe/Paris time zone, as the EU rule in force since 1996 (no end date announced).
const VTIMEZONE: [&str; 18] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Paris",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC)
}

/// Unix seconds as a Paris civil time.
fn civil(unix: i64, tz: &TimeZone) -> Option<DateTime> {
    Some(
        Timestamp::from_second(unix)
            .ok()?
            .to_zoned(tz.clone())
            .datetime(),
    )
}

/// A Paris civil time as Unix seconds (`None` if out of range).
fn instant(time: DateTime, tz: &TimeZone) -> Option<i64> {
    Some(time.to_zoned(tz.clone()).ok()?.timestamp().as_second())
}

/// A local DATE-TIME value: `20250904T090000`.
fn local(time: DateTime) -> String {
    time.strftime("%Y%m%dT%H%M%S").to_string()
}

/// A UTC DATE-TIME value: `20250904T070000Z`.
pub(crate) fn utc(unix: i64) -> String {
    Timestamp::from_second(unix)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// A series' weekly expansion, as `SchoolCalendar::weekly` makes it, with the instants each
/// occurrence would have.
struct Pattern {
    id: SeriesId,
    interval: u8,
    dates: Vec<Date>,
    /// (start, end) in Unix seconds for each date.
    instants: Vec<Option<(i64, i64)>>,
    first_start: i64,
    /// RRULE UNTIL: the last second of the last date the rule may produce, in UTC.
    until: String,
}

impl Pattern {
    fn new(s: &Series, tz: &TimeZone) -> Pattern {
        let interval = s.rule.every_weeks.clamp(1, 4);
        let step = jiff::Span::new().days(7 * i64::from(interval));
        let mut dates = Vec::new();
        let mut date = s.first;
        while date <= s.rule.until && dates.len() < MAX_OCCURRENCES {
            dates.push(date);
            match date.checked_add(step) {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        // When the expansion was cut short, the rule ends with the last date it produced.
        let last = if dates.len() == MAX_OCCURRENCES {
            dates.last().copied().unwrap_or(s.rule.until)
        } else {
            s.rule.until
        };
        let until = instant(last.at(23, 59, 59, 0), tz).unwrap_or(i64::MAX / 2);
        let instants = dates
            .iter()
            .map(|d| {
                Some((
                    instant(d.to_datetime(s.start), tz)?,
                    instant(d.to_datetime(s.end), tz)?,
                ))
            })
            .collect();
        Pattern {
            id: s.id,
            interval,
            first_start: instant(s.first.to_datetime(s.start), tz).unwrap_or_default(),
            dates,
            instants,
            until: utc(until),
        }
    }

    /// The date a booking falls on if it keeps the series' times.
    fn index_of(&self, start: i64, end: i64) -> Option<usize> {
        self.instants.iter().position(|i| *i == Some((start, end)))
    }
}

/// The occurrences of one series found among the items.
struct Fold<'a> {
    /// The earliest folded occurrence (its index and item): it names the series' VEVENT.
    first: Option<(usize, &'a FeedItem<'a>)>,
    /// Which dates of the expansion have an active occurrence on the pattern.
    taken: Vec<bool>,
}

struct Rule {
    interval: u8,
    until: String,
    exdates: Vec<String>,
}

struct Event<'a> {
    sort: i64,
    uid: String,
    item: &'a FeedItem<'a>,
    start: DateTime,
    end: DateTime,
    rule: Option<Rule>,
}

impl Event<'_> {
    fn write(&self, out: &mut Lines, stamp: &str) {
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:{}", self.uid));
        out.line(&format!("DTSTAMP:{stamp}"));
        out.line(&format!("DTSTART;TZID=Europe/Paris:{}", local(self.start)));
        out.line(&format!("DTEND;TZID=Europe/Paris:{}", local(self.end)));
        if let Some(rule) = &self.rule {
            out.line(&format!(
                "RRULE:FREQ=WEEKLY;INTERVAL={};UNTIL={}",
                rule.interval, rule.until
            ));
            for date in &rule.exdates {
                out.line(&format!("EXDATE;TZID=Europe/Paris:{date}"));
            }
        }
        out.text("SUMMARY", &self.item.summary);
        if !self.item.location.is_empty() {
            out.text("LOCATION", &self.item.location);
        }
        if !self.item.description.is_empty() {
            out.text("DESCRIPTION", &self.item.description);
        }
        let status = match self.item.booking.status {
            BookingStatus::Pending => "TENTATIVE",
            _ => "CONFIRMED",
        };
        out.line(&format!("STATUS:{status}"));
        out.line("TRANSP:OPAQUE");
        out.line("END:VEVENT");
    }
}

/// Content lines, folded and CRLF-terminated.
#[derive(Default)]
pub(crate) struct Lines(pub(crate) String);

impl Lines {
    /// A TEXT property.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{}", escape(value)));
    }

    /// Writes one content line, folded at 75 octets (RFC 5545 §3.1) on a character boundary,
    /// never leaving white space at the end of a physical line (some readers trim it).
    pub(crate) fn line(&mut self, line: &str) {
        let mut rest = line;
        let mut limit = 75;
        while rest.len() > limit {
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let kept = rest[..cut].trim_end_matches([' ', '\t']).len();
            if kept > 0 {
                cut = kept;
            }
            self.0.push_str(&rest[..cut]);
            self.0.push_str("\r\n ");
            rest = &rest[cut..];
            // The leading space of a continuation line counts.
            limit = 74;
        }
        self.0.push_str(rest);
        self.0.push_str("\r\n");
    }
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks;
/// other control characters are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::ical::parser::ical::component::{IcalCalendar, IcalEvent};
    use ::ical::property::Property;
    use preau_core::calendar::Recurrence;
    use preau_core::{BookableId, BookingId, UserId};
    use std::str::FromStr;

    const NOW: i64 = 1_756_000_000;

    fn date(y: i16, m: i8, d: i8) -> Date {
        Date::new(y, m, d).unwrap()
    }

    fn at(d: Date, h: i8, m: i8) -> i64 {
        instant(d.at(h, m, 0, 0), &paris()).unwrap()
    }

    fn booking(
        id: u64,
        start: i64,
        end: i64,
        series: Option<u64>,
        status: BookingStatus,
    ) -> Booking {
        Booking {
            id: BookingId(id),
            bookable: BookableId(1),
            holder: UserId(1),
            quantity: 1,
            start,
            end,
            purpose: String::new(),
            series: series.map(SeriesId),
            status,
            created: 0,
        }
    }

    fn item(booking: &Booking) -> FeedItem<'_> {
        FeedItem {
            booking,
            summary: "Salle informatique — CM1".into(),
            location: "Bâtiment B".into(),
            description: String::new(),
        }
    }

    fn weekly(id: u64, first: Date, every_weeks: u8, until: Date) -> Series {
        Series {
            id: SeriesId(id),
            bookable: BookableId(1),
            holder: UserId(1),
            first,
            start: jiff::civil::time(9, 0, 0, 0),
            end: jiff::civil::time(10, 30, 0, 0),
            rule: Recurrence { every_weeks, until },
        }
    }

    /// The occurrences of `series` as they would be stored, one booking each, ids from `id0`.
    fn occurrences(series: &Series, id0: u64) -> Vec<Booking> {
        Pattern::new(series, &paris())
            .dates
            .iter()
            .enumerate()
            .map(|(i, d)| {
                booking(
                    id0 + i as u64,
                    at(*d, 9, 0),
                    at(*d, 10, 30),
                    Some(series.id.0),
                    BookingStatus::Confirmed,
                )
            })
            .collect()
    }

    fn parse(text: &str) -> IcalCalendar {
        let mut parser = ::ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let calendar = parser.next().expect("a calendar").expect("it parses");
        assert!(parser.next().is_none());
        calendar
    }

    fn props<'a>(event: &'a IcalEvent, name: &str) -> Vec<&'a Property> {
        event.properties.iter().filter(|p| p.name == name).collect()
    }

    fn value<'a>(event: &'a IcalEvent, name: &str) -> &'a str {
        let found = props(event, name);
        assert_eq!(found.len(), 1, "one {name}");
        found[0].value.as_deref().unwrap_or_default()
    }

    fn event<'a>(calendar: &'a IcalCalendar, uid: &str) -> &'a IcalEvent {
        let found: Vec<_> = calendar
            .events
            .iter()
            .filter(|e| value(e, "UID") == uid)
            .collect();
        assert_eq!(found.len(), 1, "one event {uid}");
        found[0]
    }

    /// A parsed property back as a content line, for the rrule crate.
    fn content_line(p: &Property) -> String {
        let mut line = p.name.clone();
        for (key, values) in p.params.iter().flatten() {
            line.push_str(&format!(";{key}={}", values.join(",")));
        }
        format!("{line}:{}", p.value.as_deref().unwrap_or_default())
    }

    /// The start instants an event stands for: its RRULE expanded minus its EXDATEs (rrule).
    fn expand(event: &IcalEvent) -> Vec<i64> {
        let mut lines: Vec<String> = ["DTSTART", "RRULE", "EXDATE"]
            .iter()
            .flat_map(|name| props(event, name))
            .map(content_line)
            .collect();
        if props(event, "RRULE").is_empty() {
            // A single event: the rrule crate wants a rule.
            lines.push("RRULE:FREQ=DAILY;COUNT=1".into());
        }
        let set = rrule::RRuleSet::from_str(&lines.join("\n")).expect("rrule parses");
        let result = set.all(1000);
        assert!(!result.limited);
        result.dates.iter().map(|d| d.timestamp()).collect()
    }

    /// Reverses TEXT escaping (the `ical` parser leaves values escaped).
    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => {}
                },
                (c, false) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn a_weekly_series_parses_back_and_expands_to_its_active_occurrences() {
        // Thursdays of the 2025-2026 school year, 09:00-10:30.
        let thursdays = weekly(7, date(2025, 9, 4), 1, date(2026, 7, 2));
        let skipped = [
            date(2025, 10, 23), // Toussaint holidays
            date(2025, 10, 30),
            date(2025, 12, 25), // Christmas holidays
            date(2026, 1, 1),
            date(2026, 5, 14), // Ascension
        ];
        let mut stored = occurrences(&thursdays, 100);
        stored.retain(|b| !skipped.iter().any(|d| at(*d, 9, 0) == b.start));
        let cancelled = at(date(2026, 2, 5), 9, 0);
        for b in stored.iter_mut().filter(|b| b.start == cancelled) {
            b.status = BookingStatus::Cancelled;
        }
        // Every other Monday from 2025-09-08 to 2025-12-15.
        let mut mondays = weekly(8, date(2025, 9, 8), 2, date(2025, 12, 15));
        mondays.start = jiff::civil::time(13, 30, 0, 0);
        mondays.end = jiff::civil::time(15, 0, 0, 0);
        let monday_dates = Pattern::new(&mondays, &paris()).dates;
        assert_eq!(monday_dates.len(), 8);
        let monday_bookings: Vec<Booking> = monday_dates
            .iter()
            .filter(|d| **d != date(2025, 10, 20))
            .enumerate()
            .map(|(i, d)| {
                let s = Some(8);
                booking(
                    500 + i as u64,
                    at(*d, 13, 30),
                    at(*d, 15, 0),
                    s,
                    BookingStatus::Confirmed,
                )
            })
            .collect();

        let items: Vec<FeedItem<'_>> = stored.iter().chain(&monday_bookings).map(item).collect();
        let text = feed("Salle informatique", &items, &[thursdays, mondays], NOW);
        let calendar = parse(&text);
        assert_eq!(calendar.events.len(), 2);
        assert_eq!(calendar.timezones.len(), 1);

        let series = event(&calendar, "series-7@preau");
        assert_eq!(value(series, "DTSTART"), "20250904T090000");
        assert_eq!(value(series, "DTEND"), "20250904T103000");
        assert_eq!(
            value(series, "RRULE"),
            "FREQ=WEEKLY;INTERVAL=1;UNTIL=20260702T215959Z"
        );
        assert_eq!(props(series, "EXDATE").len(), skipped.len() + 1);
        let active: Vec<i64> = stored
            .iter()
            .filter(|b| b.status.holds())
            .map(|b| b.start)
            .collect();
        let expanded = expand(series);
        assert_eq!(expanded, active);
        // The last Sunday of October 2025 is the 26th: still 09:00 in Paris on either side.
        let utc_at = |text: &str| Timestamp::from_str(text).unwrap().as_second();
        assert!(expanded.contains(&utc_at("2025-10-16T07:00:00Z")));
        assert!(expanded.contains(&utc_at("2025-11-06T08:00:00Z")));
        assert!(!expanded.contains(&utc_at("2026-02-05T08:00:00Z")));

        let other = event(&calendar, "series-8@preau");
        assert_eq!(
            value(other, "RRULE"),
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=20251215T225959Z"
        );
        let starts: Vec<i64> = monday_bookings.iter().map(|b| b.start).collect();
        assert_eq!(expand(other), starts);
    }

    #[test]
    fn a_moved_occurrence_is_its_own_event_and_excluded_from_the_series() {
        let series = weekly(3, date(2026, 3, 2), 1, date(2026, 3, 30));
        let mut stored = occurrences(&series, 10);
        assert_eq!(stored.len(), 5);
        // The second occurrence moves to the afternoon; the fourth to the next day.
        stored[1].start = at(date(2026, 3, 9), 14, 0);
        stored[1].end = at(date(2026, 3, 9), 15, 0);
        stored[3].start = at(date(2026, 3, 24), 9, 0);
        stored[3].end = at(date(2026, 3, 24), 10, 30);
        let items: Vec<FeedItem<'_>> = stored.iter().map(item).collect();
        let calendar = parse(&feed("BCD", &items, std::slice::from_ref(&series), NOW));
        assert_eq!(calendar.events.len(), 3);

        let moved = event(&calendar, "booking-11@preau");
        assert!(props(moved, "RRULE").is_empty());
        assert_eq!(value(moved, "DTSTART"), "20260309T140000");
        assert_eq!(value(moved, "DTEND"), "20260309T150000");
        assert_eq!(
            props(moved, "DTSTART")[0].params.as_ref().unwrap()[0].1,
            ["Europe/Paris"]
        );
        assert_eq!(expand(moved), [stored[1].start]);
        let next_day = event(&calendar, "booking-13@preau");
        assert_eq!(value(next_day, "DTSTART"), "20260324T090000");

        let rule = event(&calendar, "series-3@preau");
        let exdates: Vec<_> = props(rule, "EXDATE")
            .iter()
            .map(|p| p.value.clone().unwrap_or_default())
            .collect();
        assert_eq!(exdates, ["20260309T090000", "20260323T090000"]);
        // The daylight-saving change of 29 March: 08:00Z before, 07:00Z after.
        let expected = [stored[0].start, stored[2].start, stored[4].start];
        assert_eq!(expand(rule), expected);
        assert_eq!(stored[4].start - stored[2].start, 14 * 86_400 - 3_600);
    }

    #[test]
    fn text_with_commas_semicolons_newlines_and_accents_round_trips() {
        let b = booking(
            1,
            at(date(2025, 12, 1), 9, 0),
            at(date(2025, 12, 1), 10, 0),
            None,
            BookingStatus::Confirmed,
        );
        let summary = "Exposés CM1, CM2 ; « Les métiers » — préparation\nÉlèves : 24, \\ tablettes";
        let long = "Très long texte accentué : é è ê ë à â î ï ô ö ù û ü ç œ æ ».".repeat(4);
        let item = FeedItem {
            booking: &b,
            summary: summary.into(),
            location: "Salle polyvalente; rez-de-chaussée, à gauche".into(),
            description: format!("{long}\r\nDeuxième ligne,\tfin;"),
        };
        let text = feed("Réservations : CM1, « Mme Dupont »", &[item], &[], NOW);
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line:?}");
            assert!(!line.ends_with(' '), "no trailing space: {line:?}");
        }
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let calendar = parse(&text);
        let name = calendar
            .properties
            .iter()
            .find(|p| p.name == "X-WR-CALNAME")
            .unwrap();
        assert_eq!(
            unescape(name.value.as_deref().unwrap()),
            "Réservations : CM1, « Mme Dupont »"
        );
        let e = event(&calendar, "booking-1@preau");
        assert_eq!(unescape(value(e, "SUMMARY")), summary);
        assert_eq!(
            unescape(value(e, "LOCATION")),
            "Salle polyvalente; rez-de-chaussée, à gauche"
        );
        assert_eq!(
            unescape(value(e, "DESCRIPTION")),
            format!("{long}\nDeuxième ligne,\tfin;")
        );
        assert_eq!(value(e, "DTSTAMP"), utc(NOW));
    }

    #[test]
    fn cancelled_and_refused_bookings_are_absent() {
        let day = date(2026, 1, 12);
        let one = |id, h, status| booking(id, at(day, h, 0), at(day, h + 1, 0), None, status);
        let stored = [
            one(1, 8, BookingStatus::Confirmed),
            one(2, 9, BookingStatus::Pending),
            one(3, 10, BookingStatus::Cancelled),
            one(4, 11, BookingStatus::Refused),
        ];
        // A series whose every occurrence was cancelled leaves nothing either.
        let series = weekly(9, date(2026, 1, 13), 1, date(2026, 1, 27));
        let mut gone = occurrences(&series, 20);
        for b in &mut gone {
            b.status = BookingStatus::Cancelled;
        }
        let items: Vec<FeedItem<'_>> = stored.iter().chain(&gone).map(item).collect();
        let calendar = parse(&feed("Gymnase", &items, &[series], NOW));
        let uids: Vec<&str> = calendar.events.iter().map(|e| value(e, "UID")).collect();
        assert_eq!(uids, ["booking-1@preau", "booking-2@preau"]);
        assert_eq!(value(&calendar.events[0], "STATUS"), "CONFIRMED");
        assert_eq!(value(&calendar.events[1], "STATUS"), "TENTATIVE");
    }

    #[test]
    fn a_pending_series_is_tentative_and_approved_occurrences_stand_apart() {
        let series = weekly(4, date(2026, 1, 5), 1, date(2026, 1, 19));
        let mut stored = occurrences(&series, 1);
        for b in &mut stored {
            b.status = BookingStatus::Pending;
        }
        let items: Vec<FeedItem<'_>> = stored.iter().map(item).collect();
        let calendar = parse(&feed("BCD", &items, std::slice::from_ref(&series), NOW));
        assert_eq!(calendar.events.len(), 1);
        assert_eq!(value(&calendar.events[0], "STATUS"), "TENTATIVE");
        assert_eq!(expand(&calendar.events[0]).len(), 3);

        // One approved occurrence leaves the series and keeps its own status.
        stored[1].status = BookingStatus::Confirmed;
        let items: Vec<FeedItem<'_>> = stored.iter().map(item).collect();
        let calendar = parse(&feed("BCD", &items, &[series], NOW));
        let rule = event(&calendar, "series-4@preau");
        assert_eq!(value(rule, "STATUS"), "TENTATIVE");
        assert_eq!(expand(rule), [stored[0].start, stored[2].start]);
        let approved = event(&calendar, "booking-2@preau");
        assert_eq!(value(approved, "STATUS"), "CONFIRMED");
    }

    #[test]
    fn the_time_zone_follows_paris() {
        let calendar = parse(&feed("BCD", &[], &[], NOW));
        let zone = &calendar.timezones[0];
        assert_eq!(zone.transitions.len(), 2);
        // Each transition rule lands on the days jiff's tz database changes offset.
        let tz = paris();
        for transition in &zone.transitions {
            let lines: Vec<String> = transition
                .properties
                .iter()
                .filter(|p| p.name == "DTSTART" || p.name == "RRULE")
                .map(content_line)
                .collect();
            let rule = format!("{};UNTIL=20351231T000000", lines.join("\n"));
            let dates = rrule::RRuleSet::from_str(&rule).unwrap().all(100).dates;
            let days: Vec<Date> = dates
                .iter()
                .map(|d| d.format("%Y-%m-%d").to_string().parse().unwrap())
                .filter(|d: &Date| d.year() >= 2021)
                .collect();
            assert_eq!(days.len(), 15);
            for day in days {
                let offset = |h| day.at(h, 0, 0, 0).to_zoned(tz.clone()).unwrap().offset();
                assert_ne!(offset(0), offset(12), "{day}");
            }
        }
    }
}
