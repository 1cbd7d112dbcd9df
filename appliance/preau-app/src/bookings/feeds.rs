//! The secret iCalendar feeds: a person's own address (made on first use, renewable) and
//! what a bookable's or a person's feed shows.

use crate::{App, AppError, tokens};
use preau_core::{Action, Bookable, PersonFeed, Series, SeriesId, Subject, UserId};
use preau_store::bookings as db;

/// What a feed shows: from a month back to a year ahead.
const FEED_PAST_SECONDS: i64 = 31 * 24 * 3600;
const FEED_AHEAD_SECONDS: i64 = 400 * 24 * 3600;

impl App {
    /// The secret address part of one's own feed, made on first use.
    pub fn my_feed_token(&self, me: &Subject) -> Result<String, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        if let Some(feed) = self.store.read()?.get::<PersonFeed>(me.user.0)? {
            return Ok(feed.token);
        }
        self.renew_my_feed(me)
    }

    /// Replaces one's feed secret (the old address stops working).
    pub fn renew_my_feed(&self, me: &Subject) -> Result<String, AppError> {
        self.may_on_school(me, Action::ViewBookings)?;
        self.store.write(|w| {
            if let Some(old) = w.get::<PersonFeed>(me.user.0)? {
                db::remove_feed_token(w, &old.token)?;
            }
            let feed = PersonFeed {
                user: me.user,
                token: tokens::secret_token(),
            };
            db::set_feed_token(w, &feed.token, me.user.0)?;
            w.put(&feed)?;
            Ok::<_, AppError>(feed.token)
        })
    }

    /// The iCalendar feed a secret opens (a bookable's or a person's), with its name.
    /// Unknown secrets, withdrawn people and bookables open nothing.
    pub fn booking_feed(&self, token: &str) -> Result<(String, String), AppError> {
        let read = self.store.read()?;
        let owner = db::feed_owner(&read, token)?.ok_or(AppError::NotFound)?;
        let now = self.now();
        let (from, to) = (now - FEED_PAST_SECONDS, now + FEED_AHEAD_SECONDS);
        let bookables = read.all::<Bookable>()?;
        let dir = self.directory();
        let (name, bookings) = if let Some(b) = bookables
            .iter()
            .find(|b| b.id.0 == owner && b.feed_token == token)
        {
            (b.name.clone(), db::bookings_of(&read, b.id, from, to)?)
        } else {
            let person = dir
                .user(UserId(owner))
                .filter(|u| !u.archived)
                .ok_or(AppError::NotFound)?;
            let subject = dir.subject(person);
            if !dir.can_on_school(&subject, Action::ViewBookings) {
                return Err(AppError::NotFound);
            }
            (
                format!("Réservations de {}", person.full_name()),
                db::bookings_held_by(&read, person.id, from, to)?,
            )
        };
        let mut series_ids: Vec<SeriesId> = bookings.iter().filter_map(|b| b.series).collect();
        series_ids.sort();
        series_ids.dedup();
        let mut series = Vec::new();
        for id in series_ids {
            series.extend(read.get::<Series>(id.0)?);
        }
        let items: Vec<crate::ical::FeedItem<'_>> = bookings
            .iter()
            .map(|b| {
                let bookable = bookables.iter().find(|x| x.id == b.bookable);
                let holder = dir
                    .user(b.holder)
                    .map(|u| u.full_name())
                    .unwrap_or_default();
                crate::ical::FeedItem {
                    booking: b,
                    summary: format!(
                        "{} — {}",
                        bookable.map(|x| x.name.as_str()).unwrap_or_default(),
                        holder
                    ),
                    location: bookable.map(|x| x.place.clone()).unwrap_or_default(),
                    description: b.purpose.clone(),
                }
            })
            .collect();
        Ok((name.clone(), crate::ical::feed(&name, &items, &series, now)))
    }
}
