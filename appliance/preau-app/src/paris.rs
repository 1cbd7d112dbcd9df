//! School time is Paris time: due dates typed in forms and shown on pages are civil times in
//! Europe/Paris, stored as Unix seconds (correct across daylight-saving changes).

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};

const WEEKDAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn paris() -> TimeZone {
    TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC)
}

fn zoned(unix: i64) -> Option<Zoned> {
    Some(Timestamp::from_second(unix).ok()?.to_zoned(paris()))
}

/// Reads a Paris civil time as typed in a form ("2026-12-04T18:00", or a date alone, which
/// means the end of that day) into Unix seconds.
pub fn parse_local(text: &str) -> Option<i64> {
    let text = text.trim();
    let civil: DateTime = if text.contains(['T', ' ']) {
        text.parse().ok()?
    } else {
        text.parse::<jiff::civil::Date>().ok()?.at(23, 59, 0, 0)
    };
    Some(civil.to_zoned(paris()).ok()?.timestamp().as_second())
}

/// The form-input value of a time ("2026-12-04T18:00").
pub fn input_value(unix: i64) -> String {
    zoned(unix)
        .map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A time for people: "vendredi 4 décembre 2026 à 18 h 00".
pub fn long(unix: i64) -> String {
    let Some(z) = zoned(unix) else {
        return String::new();
    };
    let weekday = WEEKDAYS[z.weekday().to_monday_zero_offset() as usize];
    let month = MONTHS[(z.month() - 1) as usize];
    format!(
        "{weekday} {} {month} {} à {} h {:02}",
        z.day(),
        z.year(),
        z.hour(),
        z.minute()
    )
}

/// The Paris wall-clock time of an instant.
pub fn civil(unix: i64) -> DateTime {
    zoned(unix).map(|z| z.datetime()).unwrap_or_default()
}

/// The instant of a Paris wall-clock time (the earlier one when the clock goes back).
pub fn instant(civil: DateTime) -> Option<i64> {
    Some(civil.to_zoned(paris()).ok()?.timestamp().as_second())
}

/// A date for people: "mardi 1 décembre".
pub fn day(date: jiff::civil::Date) -> String {
    let weekday = WEEKDAYS[date.weekday().to_monday_zero_offset() as usize];
    format!(
        "{weekday} {} {}",
        date.day(),
        MONTHS[(date.month() - 1) as usize]
    )
}

/// The Paris date of an instant for people: "mardi 1 décembre 2026".
pub fn long_day(unix: i64) -> String {
    let date = civil(unix).date();
    format!("{} {}", day(date), date.year())
}

/// The Paris time of day of an instant: "9 h 00".
pub fn clock(unix: i64) -> String {
    let time = civil(unix).time();
    format!("{} h {:02}", time.hour(), time.minute())
}

/// A short time for tables: "04/12 18:00".
pub fn short(unix: i64) -> String {
    zoned(unix)
        .map(|z| z.strftime("%d/%m %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_time_follows_daylight_saving() {
        // Winter: UTC+1. Summer: UTC+2.
        assert_eq!(parse_local("2026-12-04T18:00"), Some(1_796_403_600));
        assert_eq!(parse_local("2026-06-04T18:00"), Some(1_780_588_800));
        assert_eq!(input_value(1_796_403_600), "2026-12-04T18:00");
        assert_eq!(long(1_796_403_600), "vendredi 4 décembre 2026 à 18 h 00");
        assert_eq!(parse_local("2026-12-04"), parse_local("2026-12-04T23:59"));
        assert_eq!(parse_local("demain"), None);
    }
}
