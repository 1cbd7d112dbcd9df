//! The cahier de textes: teachers record each session of their classes (what was done, the
//! homework « à faire pour le … », files frozen from document spaces, library resources),
//! once or every week until a date (skipping the days without class); pupils and their
//! families read it by day and by week, per child; a pupil ticks homework as done (a tick
//! only the pupil sees; teachers see how many ticked); each class has an iCalendar feed of
//! its homework behind a secret address.
//!
//! Every use case asks [`preau_core::can`] on the class (`ViewLogbook`, `WriteLogbook`,
//! `TickHomework`); a per-child view also needs the child to be the person themself or a
//! child in their charge.

use crate::bookings::{monday_of, parse_date, today};
use crate::ical::{Lines, utc};
use crate::{App, AppError, Problem, paris, rich_text, tokens};
use jiff::ToSpan;
use jiff::civil::Date;
use preau_core::logbook::{day_key, next_school_day, weekly_dates};
use preau_core::{
    Action, Attachment, ClassId, EntryId, EntrySeriesId, Homework, HomeworkTick, LogbookEntry,
    LogbookFeed, NodeId, NodeKind, Object, Resource, ResourceId, RichText, Role, SchoolCalendar,
    SpaceOwner, Subject, User, UserId, can,
};
use preau_store::logbook as db;
use preau_store::schema::random_u64;
use std::fs::File;

/// Longest title, in characters.
const MAX_TITLE: usize = 200;
/// Longest « Séance » or homework text, in characters.
const MAX_TEXT: usize = 20_000;
/// Most files attached to one entry.
const MAX_ATTACHMENTS: usize = 20;
/// Most library resources linked from one entry.
const MAX_RESOURCES: usize = 20;
/// What a feed shows: homework due from two months back to a year ahead, in days.
const FEED_PAST_DAYS: i32 = 62;
const FEED_AHEAD_DAYS: i32 = 400;
/// How many days a parent's portal looks ahead.
const PARENT_PORTAL_DAYS: i32 = 7;

/// What a teacher types for a session.
#[derive(Clone, Debug, Default)]
pub struct EntryForm {
    /// The day of the session ("2026-12-01" or "01/12/2026").
    pub date: String,
    /// A short title (« Lecture »).
    pub title: String,
    /// What was done (« Séance »), plain text or HTML.
    pub done: String,
    /// The homework, plain text or HTML (empty: none).
    pub homework: String,
    /// The day the homework is for.
    pub due: String,
    /// Repeat every week until this day (empty: once). Only read when writing a new entry.
    pub repeat_until: String,
    /// Files of document spaces to attach (frozen as they are now).
    pub files: Vec<NodeId>,
    /// When changing an entry: the positions of the files already attached to keep.
    pub keep: Vec<usize>,
    /// Library resources to link.
    pub resources: Vec<ResourceId>,
}

/// An entry as a person sees it.
#[derive(Clone, Debug)]
pub struct EntryView {
    /// The entry.
    pub entry: LogbookEntry,
    /// Its class's name.
    pub class_name: String,
    /// Who wrote it.
    pub author: String,
    /// The linked resources still in the library: id and title.
    pub resources: Vec<(ResourceId, String)>,
    /// Whether the person may change or delete it.
    pub may_edit: bool,
    /// Whether the person may tick its homework (a pupil of the class).
    pub may_tick: bool,
    /// Whether the person (a pupil) ticked its homework.
    pub ticked: bool,
    /// For those who may edit: how many pupils ticked the homework, out of how many.
    pub ticks: Option<(usize, usize)>,
}

/// One day of a cahier de textes.
#[derive(Clone, Debug)]
pub struct DayPlan {
    /// The day.
    pub date: Date,
    /// Why there is no class that day, in French, if there is none.
    pub closed: Option<String>,
    /// The sessions of that day, by title.
    pub sessions: Vec<EntryView>,
    /// The homework due that day.
    pub due: Vec<EntryView>,
}

/// Some days of one class's cahier de textes, possibly as one pupil sees it.
#[derive(Clone, Debug)]
pub struct Agenda {
    /// The class.
    pub class: ClassId,
    /// Its name.
    pub class_name: String,
    /// The pupil it is seen for (pupil and parent views).
    pub pupil: Option<User>,
    /// The days, in order.
    pub days: Vec<DayPlan>,
    /// Whether the person may write in it.
    pub may_write: bool,
}

impl Agenda {
    /// Every homework of the agenda's days, by due day.
    pub fn homework(&self) -> impl Iterator<Item = &EntryView> {
        self.days.iter().flat_map(|d| d.due.iter())
    }
}

/// The Monday to Friday of the week holding `date`.
pub fn week_of(date: Date) -> (Date, Date) {
    let monday = monday_of(date);
    (monday, monday.checked_add(4.days()).unwrap_or(monday))
}

/// Checks a title or text length.
fn within(text: &str, max: usize, field: &'static str) -> Result<(), AppError> {
    if text.chars().count() > max {
        return Err(AppError::Invalid(Problem::TooLong(field)));
    }
    Ok(())
}

/// Text as typed and as sanitised HTML (empty when nothing was typed).
pub(crate) fn rich(typed: &str) -> RichText {
    let typed = typed.trim();
    RichText {
        typed: typed.to_string(),
        html: if typed.is_empty() {
            String::new()
        } else {
            rich_text::to_html(typed)
        },
    }
}

/// Refuses a day without class.
fn open_day(calendar: &SchoolCalendar, date: Date) -> Result<(), AppError> {
    match calendar.day_closure(date) {
        None => Ok(()),
        Some(why) => Err(AppError::Invalid(Problem::NoClassThatDay(
            paris::day(date),
            why.french(),
        ))),
    }
}

/// An entry's content checked from the form (dates and repetition are the caller's).
struct Checked {
    date: Date,
    title: String,
    done: RichText,
    homework: Option<Homework>,
    resources: Vec<ResourceId>,
    new_files: Vec<Attachment>,
}

impl App {
    fn can_on_logbook(&self, me: &Subject, action: Action, class: ClassId) -> bool {
        let dir = self.directory();
        dir.class(class).is_some()
            && can(
                me,
                action,
                &Object::Class {
                    id: class,
                    school: dir.uai(),
                },
            )
    }

    /// The current classes whose cahier de textes `me` may read, youngest first.
    pub fn logbook_classes(&self, me: &Subject) -> Vec<(ClassId, String)> {
        self.directory()
            .current_classes()
            .into_iter()
            .filter(|c| self.can_on_logbook(me, Action::ViewLogbook, c.id))
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }

    /// The pupils whose cahier de textes `me` reads as theirs: oneself (a pupil) or the
    /// children in one's charge who attend a class this year.
    pub fn logbook_pupils(&self, me: &Subject) -> Vec<User> {
        let dir = self.directory();
        let mut out: Vec<User> = match me.role {
            Role::Pupil => dir.user(me.user).into_iter().cloned().collect(),
            _ => dir.children_of(me.user).into_iter().cloned().collect(),
        };
        out.retain(|p| !p.archived && dir.class_of(p).is_some());
        out
    }

    /// A class's cahier de textes from `from` to `to` (inclusive), as a teacher of it (or
    /// anyone who may read it) sees it.
    pub fn class_agenda(
        &self,
        me: &Subject,
        class: ClassId,
        from: Date,
        to: Date,
    ) -> Result<Agenda, AppError> {
        if !self.can_on_logbook(me, Action::ViewLogbook, class) {
            return Err(AppError::NotFound);
        }
        self.agenda(me, class, None, from, to)
    }

    /// A pupil's cahier de textes from `from` to `to` (inclusive): for the pupil themself,
    /// their guardians, and the adults who may read their class's.
    pub fn pupil_agenda(
        &self,
        me: &Subject,
        pupil: UserId,
        from: Date,
        to: Date,
    ) -> Result<Agenda, AppError> {
        let dir = self.directory();
        let child = dir
            .user(pupil)
            .filter(|u| u.role == Role::Pupil && !u.archived)
            .ok_or(AppError::NotFound)?;
        let class = dir.class_of(child).ok_or(AppError::NotFound)?.id;
        if !dir.can_on_user(me, Action::ViewProfile, pupil)
            || !self.can_on_logbook(me, Action::ViewLogbook, class)
        {
            return Err(AppError::NotFound);
        }
        self.agenda(me, class, Some(child.clone()), from, to)
    }

    fn agenda(
        &self,
        me: &Subject,
        class: ClassId,
        pupil: Option<User>,
        from: Date,
        to: Date,
    ) -> Result<Agenda, AppError> {
        let r = self.store.read()?;
        let calendar = self.booking_settings()?.calendar;
        let dir = self.directory();
        let (from_key, to_key) = (day_key(from), day_key(to));
        let sessions = db::entries_on(&r, class, from_key, to_key)?;
        let due = db::homework_due(&r, class, from_key, to_key)?;
        let mut days = Vec::new();
        let mut date = from;
        while date <= to && days.len() < 62 {
            let view = |entries: &[LogbookEntry], pick: &dyn Fn(&LogbookEntry) -> bool| {
                let mut out = Vec::new();
                for e in entries.iter().filter(|e| !e.deleted && pick(e)) {
                    out.push(self.entry_view(&r, me, e.clone())?);
                }
                out.sort_by(|a: &EntryView, b: &EntryView| {
                    (&a.entry.title, a.entry.id).cmp(&(&b.entry.title, b.entry.id))
                });
                Ok::<_, AppError>(out)
            };
            days.push(DayPlan {
                date,
                closed: calendar.day_closure(date).map(|c| c.french()),
                sessions: view(&sessions, &|e| e.date == date)?,
                due: view(&due, &|e| {
                    e.homework.as_ref().is_some_and(|h| h.due == date)
                })?,
            });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        Ok(Agenda {
            class,
            class_name: dir.class(class).map(|c| c.name.clone()).unwrap_or_default(),
            pupil,
            days,
            may_write: self.can_on_logbook(me, Action::WriteLogbook, class),
        })
    }

    fn entry_view(
        &self,
        r: &impl preau_store::Tables,
        me: &Subject,
        entry: LogbookEntry,
    ) -> Result<EntryView, AppError> {
        let dir = self.directory();
        let may_edit = self.can_on_logbook(me, Action::WriteLogbook, entry.class);
        let may_tick =
            entry.homework.is_some() && self.can_on_logbook(me, Action::TickHomework, entry.class);
        let ticked = may_tick && db::tick_of(r, entry.id, me.user)?.is_some_and(|t| t.done);
        let ticks = if may_edit && entry.homework.is_some() {
            let pupils: Vec<UserId> = dir.pupils_of(entry.class).iter().map(|p| p.id).collect();
            let done = db::ticks_of(r, entry.id)?
                .iter()
                .filter(|t| t.done && pupils.contains(&t.pupil))
                .count();
            Some((done, pupils.len()))
        } else {
            None
        };
        let mut resources = Vec::new();
        for id in &entry.resources {
            if let Some(resource) = r.get::<Resource>(id.0)? {
                resources.push((resource.id, resource.title));
            }
        }
        Ok(EntryView {
            class_name: dir
                .class(entry.class)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            author: dir
                .user(entry.author)
                .map(|u| u.full_name())
                .unwrap_or_default(),
            resources,
            may_edit,
            may_tick,
            ticked,
            ticks,
            entry,
        })
    }

    /// One entry, for those who may read its class's cahier de textes.
    pub fn logbook_entry(&self, me: &Subject, id: EntryId) -> Result<EntryView, AppError> {
        let r = self.store.read()?;
        let entry = self.readable_entry(&r, me, id)?;
        self.entry_view(&r, me, entry)
    }

    fn readable_entry(
        &self,
        r: &impl preau_store::Tables,
        me: &Subject,
        id: EntryId,
    ) -> Result<LogbookEntry, AppError> {
        let entry: LogbookEntry = r
            .get(id.0)?
            .filter(|e: &LogbookEntry| !e.deleted)
            .ok_or(AppError::NotFound)?;
        if !self.can_on_logbook(me, Action::ViewLogbook, entry.class) {
            return Err(AppError::NotFound);
        }
        Ok(entry)
    }

    /// Checks the form: texts, dates, files (frozen now) and resources.
    fn check_entry(
        &self,
        me: &Subject,
        form: &EntryForm,
        calendar: &SchoolCalendar,
    ) -> Result<Checked, AppError> {
        let title = form.title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("intitulé")));
        }
        within(title, MAX_TITLE, "intitulé")?;
        within(&form.done, MAX_TEXT, "séance")?;
        within(&form.homework, MAX_TEXT, "à faire")?;
        let date = parse_date(&form.date, "date de la séance")?;
        open_day(calendar, date)?;
        let done = rich(&form.done);
        let homework = match rich(&form.homework) {
            text if text.is_empty() => None,
            text => {
                let due = parse_date(&form.due, "date « à faire pour le »")?;
                if due < date {
                    return Err(AppError::Invalid(Problem::HomeworkBeforeSession));
                }
                open_day(calendar, due)?;
                Some(Homework { due, text })
            }
        };
        if done.is_empty() && homework.is_none() {
            return Err(AppError::Invalid(Problem::EmptyEntry));
        }
        let mut resources = form.resources.clone();
        resources.sort();
        resources.dedup();
        if resources.len() > MAX_RESOURCES {
            return Err(AppError::Invalid(Problem::TooLong("ressources")));
        }
        for id in &resources {
            self.resource(me, *id)
                .map_err(|_| AppError::Invalid(Problem::UnknownResource))?;
        }
        let now = self.now();
        let mut new_files = Vec::new();
        for node in &form.files {
            let resolved = self.resolve(me, *node)?;
            match resolved.node.kind {
                NodeKind::File { current, .. } if !resolved.in_trash => {
                    new_files.push(Attachment {
                        name: resolved.node.name,
                        blob: current.blob,
                        size: current.size,
                        mime: current.mime,
                        at: now,
                    })
                }
                _ => return Err(AppError::Invalid(Problem::NoFile)),
            }
        }
        Ok(Checked {
            date,
            title: title.to_string(),
            done,
            homework,
            resources,
            new_files,
        })
    }

    /// Writes a session in a class's cahier de textes, once or every week until
    /// `form.repeat_until` (skipping days without class; homework keeps its distance to the
    /// session, moved to the next school day when it falls on a day without class).
    /// Returns the entries made, by day.
    pub fn write_logbook_entry(
        &self,
        me: &Subject,
        class: ClassId,
        form: &EntryForm,
    ) -> Result<Vec<LogbookEntry>, AppError> {
        if !self.can_on_logbook(me, Action::WriteLogbook, class) {
            return Err(AppError::Forbidden);
        }
        let calendar = self.booking_settings()?.calendar;
        let checked = self.check_entry(me, form, &calendar)?;
        if checked.new_files.len() > MAX_ATTACHMENTS {
            return Err(AppError::Invalid(Problem::TooLong("pièces jointes")));
        }
        let (dates, series) = match form.repeat_until.trim() {
            "" => (vec![checked.date], None),
            until => {
                let until = parse_date(until, "date de fin de la répétition")?;
                if until <= checked.date {
                    return Err(AppError::Invalid(Problem::RepeatUntil));
                }
                let run = weekly_dates(&calendar, checked.date, until);
                if run.truncated {
                    return Err(AppError::Invalid(Problem::RepeatUntil));
                }
                (run.dates, Some(EntrySeriesId(random_u64())))
            }
        };
        let offset = checked
            .homework
            .as_ref()
            .and_then(|h| checked.date.until(h.due).ok())
            .map(|s| s.get_days())
            .unwrap_or(0);
        let now = self.now();
        let dir = self.directory();
        let entries: Vec<LogbookEntry> = dates
            .iter()
            .map(|date| LogbookEntry {
                id: EntryId(random_u64()),
                school: dir.uai().to_string(),
                class,
                date: *date,
                title: checked.title.clone(),
                done: checked.done.clone(),
                homework: checked.homework.as_ref().map(|h| Homework {
                    due: date
                        .checked_add(offset.days())
                        .ok()
                        .and_then(|d| next_school_day(&calendar, d))
                        .unwrap_or(h.due.max(*date)),
                    text: h.text.clone(),
                }),
                attachments: checked.new_files.clone(),
                resources: checked.resources.clone(),
                series,
                author: me.user,
                created_at: now,
                updated_by: me.user,
                updated_at: now,
                deleted: false,
            })
            .collect();
        self.store.write(|w| -> Result<(), AppError> {
            for entry in &entries {
                db::save_entry(w, entry)?;
            }
            let target = entries
                .first()
                .map(|e| e.id.to_string())
                .unwrap_or_default();
            self.audit(w, Some(me), "write logbook entry", target)?;
            Ok(())
        })?;
        Ok(entries)
    }

    /// Changes one entry (its repetition stays as it was); attached files not kept are
    /// dropped, new ones are frozen now.
    pub fn update_logbook_entry(
        &self,
        me: &Subject,
        id: EntryId,
        form: &EntryForm,
    ) -> Result<LogbookEntry, AppError> {
        let calendar = self.booking_settings()?.calendar;
        let checked = self.check_entry(me, form, &calendar)?;
        let now = self.now();
        self.store.write(|w| -> Result<LogbookEntry, AppError> {
            let mut entry = self.readable_entry(w, me, id)?;
            if !self.can_on_logbook(me, Action::WriteLogbook, entry.class) {
                return Err(AppError::Forbidden);
            }
            let mut attachments: Vec<Attachment> = entry
                .attachments
                .iter()
                .enumerate()
                .filter(|(n, _)| form.keep.contains(n))
                .map(|(_, a)| a.clone())
                .collect();
            attachments.extend(checked.new_files);
            if attachments.len() > MAX_ATTACHMENTS {
                return Err(AppError::Invalid(Problem::TooLong("pièces jointes")));
            }
            entry.date = checked.date;
            entry.title = checked.title;
            entry.done = checked.done;
            entry.homework = checked.homework;
            entry.resources = checked.resources;
            entry.attachments = attachments;
            entry.updated_by = me.user;
            entry.updated_at = now;
            db::save_entry(w, &entry)?;
            self.audit(w, Some(me), "change logbook entry", entry.id.to_string())?;
            Ok(entry)
        })
    }

    /// Deletes an entry (and, with `following`, the later entries of its weekly
    /// repetition). Entries stay as tombstones (`deleted`), so that the deletion reaches
    /// central. Returns the entry.
    pub fn delete_logbook_entry(
        &self,
        me: &Subject,
        id: EntryId,
        following: bool,
    ) -> Result<LogbookEntry, AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<LogbookEntry, AppError> {
            let entry = self.readable_entry(w, me, id)?;
            if !self.can_on_logbook(me, Action::WriteLogbook, entry.class) {
                return Err(AppError::Forbidden);
            }
            let mut doomed = vec![entry.clone()];
            if let (true, Some(series)) = (following, entry.series) {
                let later = db::entries_on(w, entry.class, day_key(entry.date) + 1, i64::MAX - 1)?;
                doomed.extend(
                    later
                        .into_iter()
                        .filter(|e| e.series == Some(series) && !e.deleted),
                );
            }
            for mut e in doomed {
                e.deleted = true;
                e.updated_by = me.user;
                e.updated_at = now;
                db::save_entry(w, &e)?;
            }
            self.audit(w, Some(me), "delete logbook entry", entry.id.to_string())?;
            Ok(entry)
        })
    }

    /// Ticks (or unticks) one's homework as done. Only the pupil sees the tick.
    pub fn tick_homework(&self, me: &Subject, id: EntryId, done: bool) -> Result<(), AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<(), AppError> {
            let entry = self.readable_entry(w, me, id)?;
            if entry.homework.is_none()
                || !self.can_on_logbook(me, Action::TickHomework, entry.class)
            {
                return Err(AppError::Forbidden);
            }
            db::save_tick(
                w,
                &HomeworkTick {
                    entry: id,
                    pupil: me.user,
                    done,
                    at: now,
                },
            )?;
            Ok(())
        })
    }

    /// Opens a file attached to an entry, as it was when attached: for those who may read
    /// the entry.
    pub fn open_logbook_attachment(
        &self,
        me: &Subject,
        id: EntryId,
        index: usize,
    ) -> Result<(Attachment, File), AppError> {
        let entry = self.readable_entry(&self.store.read()?, me, id)?;
        let file = entry
            .attachments
            .get(index)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let content = self
            .blobs
            .open_blob(&file.blob)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok((file, content))
    }

    /// The files a teacher may attach to a class's entries: those of their own space and of
    /// the class's space, labelled by where they are.
    pub fn attachable_files(
        &self,
        me: &Subject,
        class: ClassId,
    ) -> Result<Vec<(NodeId, String)>, AppError> {
        if !self.can_on_logbook(me, Action::WriteLogbook, class) {
            return Err(AppError::Forbidden);
        }
        let mut out = Vec::new();
        for (owner, label) in [
            (SpaceOwner::Personal(me.user), "Mes documents"),
            (SpaceOwner::Class(class), "Classe"),
        ] {
            if !self.can_on_space(me, Action::ReadDocuments, owner, None) {
                continue;
            }
            let space = self.ensure_space(owner)?;
            out.extend(
                self.files_in(&space)?
                    .into_iter()
                    .map(|(id, path)| (id, format!("{label} / {path}"))),
            );
        }
        Ok(out)
    }

    /// The secret address part of a class's homework feed, made on first use (for those
    /// who may read the class's cahier de textes).
    pub fn logbook_feed_token(&self, me: &Subject, class: ClassId) -> Result<String, AppError> {
        if !self.can_on_logbook(me, Action::ViewLogbook, class) {
            return Err(AppError::NotFound);
        }
        if let Some(feed) = db::feed_of(&self.store.read()?, class)? {
            return Ok(feed.token);
        }
        self.store.write(|w| -> Result<String, AppError> {
            if let Some(feed) = db::feed_of(w, class)? {
                return Ok(feed.token);
            }
            let feed = LogbookFeed {
                class,
                token: tokens::secret_token(),
            };
            db::save_feed(w, &feed)?;
            Ok(feed.token)
        })
    }

    /// Replaces a class's feed secret (the old address stops working): for its teachers.
    pub fn renew_logbook_feed(&self, me: &Subject, class: ClassId) -> Result<String, AppError> {
        if !self.can_on_logbook(me, Action::WriteLogbook, class) {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| -> Result<String, AppError> {
            let feed = LogbookFeed {
                class,
                token: tokens::secret_token(),
            };
            db::save_feed(w, &feed)?;
            self.audit(w, Some(me), "renew homework feed", class.to_string())?;
            Ok(feed.token)
        })
    }

    /// The iCalendar feed a secret opens: the homework of its class as all-day events on
    /// their due day. Unknown secrets and archived classes open nothing.
    pub fn homework_feed(&self, token: &str) -> Result<String, AppError> {
        let r = self.store.read()?;
        let class_id = db::feed_class(&r, token)?.ok_or(AppError::NotFound)?;
        let dir = self.directory();
        let class = dir
            .class(class_id)
            .filter(|c| !c.archived)
            .ok_or(AppError::NotFound)?;
        let now = self.now();
        let today = today(now);
        let from = today.checked_sub(FEED_PAST_DAYS.days()).unwrap_or(today);
        let to = today.checked_add(FEED_AHEAD_DAYS.days()).unwrap_or(today);
        let entries: Vec<LogbookEntry> =
            db::homework_due(&r, class_id, day_key(from), day_key(to))?
                .into_iter()
                .filter(|e| !e.deleted)
                .collect();
        Ok(homework_calendar(
            &format!("Devoirs — {}", class.name),
            &entries,
            now,
        ))
    }

    /// What a pupil's or a parent's portal shows: for a pupil, the homework due today and
    /// on the next school day; for a parent, each child's homework of the coming week.
    pub fn portal_homework(&self, me: &Subject) -> Result<Vec<Agenda>, AppError> {
        let calendar = self.booking_settings()?.calendar;
        let today = today(self.now());
        let to = match me.role {
            Role::Pupil => today
                .tomorrow()
                .ok()
                .and_then(|d| next_school_day(&calendar, d))
                .unwrap_or(today),
            _ => today
                .checked_add(PARENT_PORTAL_DAYS.days())
                .unwrap_or(today),
        };
        self.logbook_pupils(me)
            .into_iter()
            .map(|p| self.pupil_agenda(me, p.id, today, to))
            .collect()
    }
}

/// An iCalendar (RFC 5545) calendar of homework: one all-day VEVENT per homework on its due
/// day. `now` is the DTSTAMP.
pub fn homework_calendar(name: &str, entries: &[LogbookEntry], now: i64) -> String {
    let stamp = utc(now);
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Préau//Cahier de textes//FR");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.text("X-WR-CALNAME", name);
    out.line("X-WR-TIMEZONE:Europe/Paris");
    let mut sorted: Vec<(&LogbookEntry, &Homework)> = entries
        .iter()
        .filter_map(|e| e.homework.as_ref().map(|h| (e, h)))
        .collect();
    sorted.sort_by_key(|(e, h)| (h.due, e.id));
    for (entry, homework) in sorted {
        let day = |d: Date| d.strftime("%Y%m%d").to_string();
        let next = homework.due.tomorrow().unwrap_or(homework.due);
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:homework-{}@preau", entry.id));
        out.line(&format!("DTSTAMP:{stamp}"));
        out.line(&format!("LAST-MODIFIED:{}", utc(entry.updated_at)));
        out.line(&format!("DTSTART;VALUE=DATE:{}", day(homework.due)));
        out.line(&format!("DTEND;VALUE=DATE:{}", day(next)));
        out.text("SUMMARY", &format!("À faire : {}", entry.title));
        let mut description = rich_text::to_plain(&homework.text.html);
        if !entry.attachments.is_empty() {
            let names: Vec<&str> = entry.attachments.iter().map(|a| a.name.as_str()).collect();
            description.push_str(&format!("\n\nPièces jointes : {}", names.join(", ")));
        }
        out.text("DESCRIPTION", &description);
        out.line("TRANSP:TRANSPARENT");
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.0
}
