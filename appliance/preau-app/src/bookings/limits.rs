//! The checks a booking must pass besides the calendar: how far ahead, how many a week, and
//! the refusal that names who holds a taken slot.

use super::grid::{span, week_days};
use super::{monday_of, today};
use crate::{AppError, Problem, paris};
use jiff::civil::Date;
use preau_core::booking::peak_use;
use preau_core::{Bookable, Booking, BookingId, BookingSettings, UserId};
use preau_store::Writer;
use preau_store::bookings as db;

/// Refuses a booking whose last date is further ahead than teachers may book.
pub(super) fn check_days_ahead(
    settings: &BookingSettings,
    now: i64,
    last: Date,
) -> Result<(), AppError> {
    let ahead = today(now).until(last).map(|s| s.get_days()).unwrap_or(0);
    if settings.max_days_ahead > 0 && ahead > settings.max_days_ahead as i32 {
        return Err(AppError::Invalid(Problem::TooFarAhead(
            settings.max_days_ahead,
        )));
    }
    Ok(())
}

/// Refuses bookings (`slots`) unless the holder keeps within the weekly limit in every week
/// touched; `moved` is a booking of theirs that the slots replace.
pub(super) fn check_weekly_limit(
    w: &Writer,
    settings: &BookingSettings,
    holder: UserId,
    slots: &[(i64, i64)],
    moved: Option<BookingId>,
) -> Result<(), AppError> {
    let limit = settings.max_per_week;
    if limit == 0 {
        return Ok(());
    }
    let mut weeks: Vec<Date> = slots
        .iter()
        .map(|(s, _)| monday_of(paris::civil(*s).date()))
        .collect();
    weeks.dedup();
    for monday in weeks {
        let (from, to) = span(&week_days(monday));
        let held = db::bookings_held_by(w, holder, from, to)?
            .into_iter()
            .filter(|b| b.status.holds() && b.start >= from && Some(b.id) != moved)
            .count();
        let new = slots.iter().filter(|(s, _)| *s >= from && *s < to).count();
        if held + new > limit as usize {
            return Err(AppError::Invalid(Problem::WeeklyLimit(limit)));
        }
    }
    Ok(())
}

/// The refusal for a taken slot: who holds it, and when.
pub(super) fn taken(
    dir: &crate::directory::Directory,
    bookable: &Bookable,
    around: &[Booking],
    start: i64,
    end: i64,
) -> Problem {
    let blocking: Vec<&Booking> = around.iter().filter(|b| b.blocks(start, end)).collect();
    let mut holders: Vec<String> = blocking
        .iter()
        .filter_map(|b| dir.user(b.holder).map(|u| u.full_name()))
        .collect();
    holders.sort();
    holders.dedup();
    let when = format!(
        "le {} de {} à {}",
        paris::long_day(start),
        paris::clock(start),
        paris::clock(end)
    );
    if bookable.is_pool() {
        let free = bookable
            .quantity
            .saturating_sub(peak_use(blocking.iter().copied(), start, end));
        Problem::PoolFull {
            name: bookable.name.clone(),
            free,
            when,
        }
    } else {
        Problem::SlotTaken {
            name: bookable.name.clone(),
            holders,
            when,
        }
    }
}
