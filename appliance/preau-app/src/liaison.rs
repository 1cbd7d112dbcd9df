//! The carnet de liaison: a teacher or the headteacher posts a word to the families of a
//! class, of a group or of one pupil (with files frozen from document spaces and, if need
//! be, a consent form); each family signs it per child (« Vu et signé »), may reply once and
//! answers the consent form per child until its deadline; the teacher follows who signed,
//! what was answered and replied, reminds the families still to sign (once a day at most),
//! and prints paper slips for families without access.
//!
//! Every use case asks [`preau_core::can`]: `ViewLiaison` on the pupil (a parent their own
//! child, a pupil themself, a teacher their class), `PostLiaison` on the class or on each
//! pupil reached, `SignLiaison` on the child. A family only ever sees its own children's
//! answers.

use crate::bookings::{parse_date, today};
use crate::logbook::rich;
use crate::{App, AppError, Problem, paris};
use preau_core::liaison::{
    MAX_CONSENT_QUESTION, MAX_REPLY, MAX_WORD_FILES, MAX_WORD_TEXT, MAX_WORD_TITLE,
};
use preau_core::news::Withdrawal;
use preau_core::{
    Action, Attachment, ClassId, Consent, ConsentForm, FamilyAnswer, LiaisonAudience, Mark, NodeId,
    Reminder, Reply, Role, Subject, User, UserId, Word, WordId,
};
use preau_store::liaison as db;
use preau_store::schema::random_u64;
use std::collections::BTreeMap;
use std::fs::File;

/// How many words a pupil's portal shows.
const PUPIL_PORTAL_WORDS: usize = 3;

/// What a teacher types to post a word.
#[derive(Clone, Debug, Default)]
pub struct WordForm {
    /// Who it is for, as [`LiaisonAudience::code`].
    pub audience: String,
    /// Its title.
    pub title: String,
    /// Its text, plain text or HTML (sanitised).
    pub body: String,
    /// Files of document spaces to attach (frozen as they are now).
    pub files: Vec<NodeId>,
    /// Whether it carries a consent form.
    pub consent: bool,
    /// The consent form's question (defaults to the title).
    pub question: String,
    /// The last day to answer ("2026-12-08"; empty: none).
    pub deadline: String,
}

/// One child's line under a word: their family's answer as the person may see it.
#[derive(Clone, Debug)]
pub struct ChildAnswer {
    /// The child.
    pub pupil: User,
    /// Their class's name.
    pub class_name: String,
    /// Their guardians' names.
    pub guardians: Vec<String>,
    /// What the family did (blank when nothing yet).
    pub answer: FamilyAnswer,
    /// Who signed, by name.
    pub signer: Option<String>,
    /// Who answered the consent form, by name.
    pub consent_by: Option<String>,
    /// Who replied, by name.
    pub reply_by: Option<String>,
    /// When the family was last reminded, while it has not signed.
    pub reminded: Option<i64>,
    /// Whether the person may sign, answer and reply for this child.
    pub may_sign: bool,
}

/// A word as a person sees it.
#[derive(Clone, Debug)]
pub struct WordView {
    /// The word.
    pub word: Word,
    /// Who posted it.
    pub author: String,
    /// Who it is for, in French (« CP — toute la classe »).
    pub audience: String,
    /// Whether the person follows it (sees every family, reminds, withdraws, prints).
    pub may_manage: bool,
    /// The children it concerns that the person may see: every one for those who follow
    /// it, one's own children (or oneself) otherwise.
    pub children: Vec<ChildAnswer>,
    /// Whether the consent form still takes answers today.
    pub consent_open: bool,
    /// Whether a reminder was sent today.
    pub reminded_today: bool,
}

impl WordView {
    /// The children whose family has not signed yet.
    pub fn to_sign(&self) -> impl Iterator<Item = &ChildAnswer> {
        self.children.iter().filter(|c| c.answer.signed.is_none())
    }

    /// Whether something is still expected from the person's family: a signature, or an
    /// answer to an open consent form.
    pub fn awaits_family(&self) -> bool {
        self.children.iter().any(|c| {
            c.may_sign
                && (c.answer.signed.is_none()
                    || (self.consent_open
                        && self.word.consent.is_some()
                        && c.answer.consent.is_none()))
        })
    }

    /// How many families said yes and no to the consent form.
    pub fn consent_counts(&self) -> (usize, usize) {
        let answered = self.children.iter().filter_map(|c| c.answer.consent);
        answered.fold((0, 0), |(yes, no), c| {
            if c.agrees {
                (yes + 1, no)
            } else {
                (yes, no + 1)
            }
        })
    }
}

/// One pupil's carnet de liaison.
#[derive(Clone, Debug)]
pub struct Carnet {
    /// The pupil.
    pub pupil: User,
    /// Their class's name.
    pub class_name: String,
    /// The words, those still to sign first, then newest first.
    pub words: Vec<WordView>,
}

fn within(text: &str, max: usize, field: &'static str) -> Result<(), AppError> {
    if text.chars().count() > max {
        return Err(AppError::Invalid(Problem::TooLong(field)));
    }
    Ok(())
}

impl App {
    /// The current classes whose carnet de liaison `me` may read (teachers, staff, the
    /// headteacher), youngest first.
    pub fn liaison_classes(&self, me: &Subject) -> Vec<(ClassId, String)> {
        let dir = self.directory();
        dir.current_classes()
            .into_iter()
            .filter(|c| dir.can_on_class(me, Action::ViewLiaison, c.id))
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }

    /// The pupils whose carnet `me` reads as theirs: oneself (a pupil) or one's children.
    pub fn liaison_pupils(&self, me: &Subject) -> Vec<User> {
        let dir = self.directory();
        self.logbook_pupils(me)
            .into_iter()
            .filter(|p| dir.can_on_user(me, Action::ViewLiaison, p.id))
            .collect()
    }

    /// Whether `me` may post a word to the families of this class (or of some of its pupils).
    pub fn may_post_liaison(&self, me: &Subject, class: ClassId) -> bool {
        let dir = self.directory();
        dir.can_on_class(me, Action::PostLiaison, class)
            || dir
                .pupils_of(class)
                .iter()
                .any(|p| dir.can_on_user(me, Action::PostLiaison, p.id))
    }

    /// Whom `me` may address a word to from a class's page: the whole class, its groups,
    /// each of its pupils (form value and French label).
    pub fn liaison_audiences(
        &self,
        me: &Subject,
        class: ClassId,
    ) -> Result<Vec<(String, String)>, AppError> {
        if !self.may_post_liaison(me, class) {
            return Err(AppError::Forbidden);
        }
        Ok(self.audiences(me, class, Action::PostLiaison))
    }

    /// The whole class, its groups and each of its pupils that `me` may reach with
    /// `action` (form value and French label).
    pub(crate) fn audiences(
        &self,
        me: &Subject,
        class: ClassId,
        action: Action,
    ) -> Vec<(String, String)> {
        let dir = self.directory();
        let mut candidates = vec![LiaisonAudience::Class(class)];
        let pupils: Vec<UserId> = dir.pupils_of(class).iter().map(|p| p.id).collect();
        let mut groups: Vec<_> = dir
            .groups()
            .into_iter()
            .filter(|g| !g.archived && g.members.iter().any(|m| pupils.contains(m)))
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        candidates.extend(groups.iter().map(|g| LiaisonAudience::Group(g.id)));
        candidates.extend(pupils.iter().map(|p| LiaisonAudience::Pupil(*p)));
        candidates
            .into_iter()
            .filter(|a| self.reach(me, *a, action).is_ok())
            .map(|a| (a.code(), self.audience_label(a)))
            .collect()
    }

    /// An audience in French.
    fn audience_label(&self, audience: LiaisonAudience) -> String {
        let dir = self.directory();
        match audience {
            LiaisonAudience::Class(c) => match dir.class(c) {
                Some(class) => format!("{} — toute la classe", class.name),
                None => "Une classe".into(),
            },
            LiaisonAudience::Group(g) => match dir.group(g) {
                Some(group) => format!("Groupe « {} »", group.name),
                None => "Un groupe".into(),
            },
            LiaisonAudience::Pupil(p) => dir
                .user(p)
                .map(|u| u.full_name())
                .unwrap_or_else(|| "Un élève".into()),
        }
    }

    /// The pupils an audience reaches, when `me` may do `action` to all of them (and to
    /// the class, when it is a class).
    pub(crate) fn reach(
        &self,
        me: &Subject,
        audience: LiaisonAudience,
        action: Action,
    ) -> Result<Vec<UserId>, AppError> {
        let dir = self.directory();
        let in_class = |u: &User| u.role == Role::Pupil && !u.archived && dir.class_of(u).is_some();
        let pupils: Vec<UserId> = match audience {
            LiaisonAudience::Class(class) => {
                if dir.class(class).is_none() {
                    return Err(AppError::Invalid(Problem::UnknownClass));
                }
                if !dir.can_on_class(me, action, class) {
                    return Err(AppError::Forbidden);
                }
                dir.pupils_of(class).iter().map(|p| p.id).collect()
            }
            LiaisonAudience::Group(group) => dir
                .group(group)
                .filter(|g| !g.archived)
                .ok_or(AppError::Invalid(Problem::NoFamilies))?
                .members
                .iter()
                .filter_map(|m| dir.user(*m))
                .filter(|u| in_class(u))
                .map(|u| u.id)
                .collect(),
            LiaisonAudience::Pupil(pupil) => dir
                .user(pupil)
                .filter(|u| in_class(u))
                .map(|u| vec![u.id])
                .ok_or(AppError::Invalid(Problem::UnknownPerson))?,
        };
        if pupils.is_empty() {
            return Err(AppError::Invalid(Problem::NoFamilies));
        }
        if !pupils.iter().all(|p| dir.can_on_user(me, action, *p)) {
            return Err(AppError::Forbidden);
        }
        Ok(pupils)
    }

    /// Posts a word to the families an audience reaches (fixed now: a pupil arriving later
    /// is not asked to sign it).
    pub fn post_liaison(&self, me: &Subject, form: &WordForm) -> Result<Word, AppError> {
        let audience = LiaisonAudience::from_code(&form.audience)
            .ok_or(AppError::Invalid(Problem::NoFamilies))?;
        let pupils = self.reach(me, audience, Action::PostLiaison)?;
        let title = form.title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("titre")));
        }
        within(title, MAX_WORD_TITLE, "titre")?;
        within(&form.body, MAX_WORD_TEXT, "mot")?;
        let body = rich(&form.body);
        if body.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("mot")));
        }
        let now = self.now();
        let consent = if form.consent {
            let question = match form.question.trim() {
                "" => title,
                q => q,
            };
            within(question, MAX_CONSENT_QUESTION, "autorisation")?;
            let deadline = match form.deadline.trim() {
                "" => None,
                text => Some(parse_date(text, "date limite de réponse")?),
            };
            if deadline.is_some_and(|d| d < today(now)) {
                return Err(AppError::Invalid(Problem::DeadlinePast));
            }
            Some(ConsentForm {
                question: question.to_string(),
                deadline,
            })
        } else {
            None
        };
        let mut nodes = form.files.clone();
        nodes.sort();
        nodes.dedup();
        if nodes.len() > MAX_WORD_FILES {
            return Err(AppError::Invalid(Problem::TooManyFiles(MAX_WORD_FILES)));
        }
        let attachments = if nodes.is_empty() {
            Vec::new()
        } else {
            self.frozen_files(me, &[], &nodes)?
                .into_iter()
                .map(|f| Attachment {
                    name: f.name,
                    blob: f.revision.blob,
                    size: f.revision.size,
                    mime: f.revision.mime,
                    at: now,
                })
                .collect()
        };
        let dir = self.directory();
        let mut classes: Vec<ClassId> = pupils
            .iter()
            .filter_map(|p| dir.user(*p).and_then(|u| dir.class_of(u)).map(|c| c.id))
            .collect();
        classes.sort();
        classes.dedup();
        let word = Word {
            id: WordId(random_u64()),
            school: dir.uai().to_string(),
            audience,
            classes,
            pupils,
            title: title.to_string(),
            body,
            attachments,
            consent,
            author: me.user,
            created_at: now,
            updated_at: now,
            reminders: Vec::new(),
            withdrawn: None,
        };
        self.store.write(|w| -> Result<(), AppError> {
            db::save_word(w, &word)?;
            self.audit(w, Some(me), "post liaison word", word.id.to_string())?;
            Ok(())
        })?;
        Ok(word)
    }

    /// Whether `me` follows a word: may post to every class it reaches.
    fn may_manage(&self, me: &Subject, word: &Word) -> bool {
        let dir = self.directory();
        !word.classes.is_empty()
            && word
                .classes
                .iter()
                .all(|c| dir.can_on_class(me, Action::PostLiaison, *c))
    }

    /// A word as `me` sees it, limited to one child when `only` is given; `None` when it
    /// concerns no one `me` may see (or was withdrawn).
    fn view_word(
        &self,
        r: &impl preau_store::Tables,
        me: &Subject,
        word: Word,
        only: Option<UserId>,
    ) -> Result<Option<WordView>, AppError> {
        if word.withdrawn.is_some() {
            return Ok(None);
        }
        let dir = self.directory();
        let may_manage = self.may_manage(me, &word);
        let name = |id: UserId| dir.user(id).map(|u| u.full_name()).unwrap_or_default();
        let mut children = Vec::new();
        for pupil in &word.pupils {
            if only.is_some_and(|o| o != *pupil)
                || !(may_manage || dir.can_on_user(me, Action::ViewLiaison, *pupil))
            {
                continue;
            }
            let Some(user) = dir.user(*pupil) else {
                continue;
            };
            let answer = db::answer_of(r, word.id, *pupil)?
                .unwrap_or_else(|| FamilyAnswer::blank(&word, *pupil, None));
            children.push(ChildAnswer {
                class_name: dir
                    .class_of(user)
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                guardians: dir
                    .guardians_of(*pupil)
                    .iter()
                    .map(|g| g.full_name())
                    .collect(),
                signer: answer.signed.map(|m| name(m.by)),
                consent_by: answer.consent.map(|c| name(c.mark.by)),
                reply_by: answer.reply.as_ref().map(|r| name(r.mark.by)),
                reminded: answer
                    .signed
                    .is_none()
                    .then(|| word.last_reminder_for(*pupil))
                    .flatten(),
                may_sign: dir.can_on_user(me, Action::SignLiaison, *pupil),
                pupil: user.clone(),
                answer,
            });
        }
        if children.is_empty() && !may_manage {
            return Ok(None);
        }
        children.sort_by(|a, b| {
            (&a.pupil.last_name, &a.pupil.first_name)
                .cmp(&(&b.pupil.last_name, &b.pupil.first_name))
        });
        let today = today(self.now());
        Ok(Some(WordView {
            author: name(word.author),
            audience: self.audience_label(word.audience),
            may_manage,
            children,
            consent_open: word.consent.as_ref().is_some_and(|c| c.open_on(today)),
            reminded_today: word.reminded_on(today),
            word,
        }))
    }

    /// One word, for those it concerns: every family's answers for those who follow it,
    /// one's own children's otherwise.
    pub fn liaison_word(&self, me: &Subject, id: WordId) -> Result<WordView, AppError> {
        let r = self.store.read()?;
        let word: Word = r.get(id.0)?.ok_or(AppError::NotFound)?;
        self.view_word(&r, me, word, None)?
            .ok_or(AppError::NotFound)
    }

    /// The words posted to a class's families, newest first (for its teachers, its staff
    /// and the headteacher).
    pub fn class_liaison(&self, me: &Subject, class: ClassId) -> Result<Vec<WordView>, AppError> {
        if !self
            .directory()
            .can_on_class(me, Action::ViewLiaison, class)
        {
            return Err(AppError::NotFound);
        }
        let r = self.store.read()?;
        let mut out = Vec::new();
        for word in db::words_of_class(&r, class)? {
            out.extend(self.view_word(&r, me, word, None)?);
        }
        Ok(out)
    }

    /// A pupil's carnet de liaison: for the pupil themself (read-only), their guardians and
    /// the adults of their class. Words still to sign come first.
    pub fn pupil_liaison(&self, me: &Subject, pupil: UserId) -> Result<Carnet, AppError> {
        let dir = self.directory();
        let child = dir
            .user(pupil)
            .filter(|u| u.role == Role::Pupil)
            .ok_or(AppError::NotFound)?;
        if !dir.can_on_user(me, Action::ViewLiaison, pupil) {
            return Err(AppError::NotFound);
        }
        let r = self.store.read()?;
        let mut words = Vec::new();
        for word in db::words_of_pupil(&r, pupil)? {
            words.extend(self.view_word(&r, me, word, Some(pupil))?);
        }
        words.sort_by_key(|v| (!v.awaits_family(), -v.word.created_at));
        Ok(Carnet {
            class_name: dir
                .class_of(child)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            pupil: child.clone(),
            words,
        })
    }

    /// What a portal shows: for a parent, the words still awaiting a signature or a consent
    /// answer for any of their children; for a pupil, their latest words.
    pub fn portal_liaison(&self, me: &Subject) -> Result<Vec<WordView>, AppError> {
        let r = self.store.read()?;
        let mut seen = BTreeMap::new();
        for pupil in self.liaison_pupils(me) {
            for word in db::words_of_pupil(&r, pupil.id)? {
                if !seen.contains_key(&word.id)
                    && let Some(view) = self.view_word(&r, me, word, None)?
                {
                    seen.insert(view.word.id, view);
                }
            }
        }
        let mut words: Vec<WordView> = seen.into_values().collect();
        words.sort_by_key(|v| -v.word.created_at);
        match me.role {
            Role::Pupil => words.truncate(PUPIL_PORTAL_WORDS),
            _ => words.retain(|v| v.awaits_family()),
        }
        Ok(words)
    }

    /// Changes what the family of `pupil` answered, in one transaction, after the checks
    /// every family action shares: the word is live and reaches the child, `me` may sign
    /// for the child.
    fn family_answer(
        &self,
        me: &Subject,
        id: WordId,
        pupil: UserId,
        what: &'static str,
        change: impl FnOnce(&Word, &mut FamilyAnswer, Mark) -> Result<(), AppError>,
    ) -> Result<FamilyAnswer, AppError> {
        let dir = self.directory();
        if !dir.can_on_user(me, Action::ViewLiaison, pupil) {
            return Err(AppError::NotFound);
        }
        if !dir.can_on_user(me, Action::SignLiaison, pupil) {
            return Err(AppError::Forbidden);
        }
        let class = dir.user(pupil).and_then(|u| dir.class_of(u)).map(|c| c.id);
        let mark = Mark {
            by: me.user,
            at: self.now(),
        };
        self.store.write(|w| -> Result<FamilyAnswer, AppError> {
            let word: Word = w
                .get(id.0)?
                .filter(|w: &Word| w.withdrawn.is_none() && w.pupils.contains(&pupil))
                .ok_or(AppError::NotFound)?;
            let mut answer = db::answer_of(w, id, pupil)?
                .unwrap_or_else(|| FamilyAnswer::blank(&word, pupil, class));
            change(&word, &mut answer, mark)?;
            db::save_answer(w, &answer)?;
            self.audit(w, Some(me), what, format!("{id}/{pupil}"))?;
            Ok(answer)
        })
    }

    /// « Vu et signé » for one child (the first guardian's signature is kept).
    pub fn sign_liaison(
        &self,
        me: &Subject,
        id: WordId,
        pupil: UserId,
    ) -> Result<FamilyAnswer, AppError> {
        self.family_answer(me, id, pupil, "sign liaison word", |_, answer, mark| {
            answer.sign(mark);
            Ok(())
        })
    }

    /// Answers the consent form for one child (« J'autorise » or not); the answer may change
    /// until the deadline. Answering also signs the word.
    pub fn answer_liaison_consent(
        &self,
        me: &Subject,
        id: WordId,
        pupil: UserId,
        agrees: bool,
    ) -> Result<FamilyAnswer, AppError> {
        let today = today(self.now());
        self.family_answer(
            me,
            id,
            pupil,
            "answer liaison consent",
            |word, answer, mark| {
                let form = word
                    .consent
                    .as_ref()
                    .ok_or(AppError::Invalid(Problem::NoConsentForm))?;
                if !form.open_on(today) {
                    let last = form.deadline.map(paris::day).unwrap_or_default();
                    return Err(AppError::Invalid(Problem::ConsentClosed(last)));
                }
                answer.consent = Some(Consent { agrees, mark });
                answer.sign(mark);
                Ok(())
            },
        )
    }

    /// The family's one reply for a child (plain text, shown escaped).
    pub fn reply_liaison(
        &self,
        me: &Subject,
        id: WordId,
        pupil: UserId,
        text: &str,
    ) -> Result<FamilyAnswer, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("réponse")));
        }
        within(text, MAX_REPLY, "réponse")?;
        self.family_answer(me, id, pupil, "reply liaison word", |_, answer, mark| {
            if answer.reply.is_some() {
                return Err(AppError::Invalid(Problem::AlreadyReplied));
            }
            answer.reply = Some(Reply {
                text: text.to_string(),
                mark,
            });
            Ok(())
        })
    }

    /// Reminds the families that have not signed yet (they see « Rappel »), at most once a
    /// day. Returns how many families were reminded (none: nothing recorded).
    pub fn remind_liaison(&self, me: &Subject, id: WordId) -> Result<usize, AppError> {
        let now = self.now();
        let day = today(now);
        self.store.write(|w| -> Result<usize, AppError> {
            let mut word = self.managed_word(w, me, id)?;
            if word.reminded_on(day) {
                return Err(AppError::Invalid(Problem::AlreadyRemindedToday));
            }
            let mut pupils = Vec::new();
            for pupil in &word.pupils {
                if db::answer_of(w, id, *pupil)?.is_none_or(|a| a.signed.is_none()) {
                    pupils.push(*pupil);
                }
            }
            if pupils.is_empty() {
                return Ok(0);
            }
            let count = pupils.len();
            word.reminders.push(Reminder {
                at: now,
                day,
                by: me.user,
                pupils,
            });
            word.updated_at = now;
            db::save_word(w, &word)?;
            self.audit(w, Some(me), "remind liaison word", id.to_string())?;
            Ok(count)
        })
    }

    /// Withdraws a word: no one sees it any more; it stays as a tombstone for central.
    pub fn withdraw_liaison(&self, me: &Subject, id: WordId) -> Result<Word, AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<Word, AppError> {
            let mut word = self.managed_word(w, me, id)?;
            word.withdrawn = Some(Withdrawal {
                at: now,
                by: me.user,
            });
            word.updated_at = now;
            db::save_word(w, &word)?;
            self.audit(w, Some(me), "withdraw liaison word", id.to_string())?;
            Ok(word)
        })
    }

    /// A live word `me` follows (hidden when `me` may not even see it).
    fn managed_word(
        &self,
        t: &impl preau_store::Tables,
        me: &Subject,
        id: WordId,
    ) -> Result<Word, AppError> {
        let word: Word = t
            .get(id.0)?
            .filter(|w: &Word| w.withdrawn.is_none())
            .ok_or(AppError::NotFound)?;
        if self.may_manage(me, &word) {
            return Ok(word);
        }
        let dir = self.directory();
        if word
            .pupils
            .iter()
            .any(|p| dir.can_on_user(me, Action::ViewLiaison, *p))
        {
            Err(AppError::Forbidden)
        } else {
            Err(AppError::NotFound)
        }
    }

    /// A word with every family, for printing paper slips: for those who follow it.
    pub fn liaison_slips(&self, me: &Subject, id: WordId) -> Result<WordView, AppError> {
        let r = self.store.read()?;
        let word = self.managed_word(&r, me, id)?;
        self.view_word(&r, me, word, None)?
            .ok_or(AppError::NotFound)
    }

    /// Opens a file attached to a word, as it was when attached: for those the word concerns.
    pub fn open_liaison_attachment(
        &self,
        me: &Subject,
        id: WordId,
        index: usize,
    ) -> Result<(Attachment, File), AppError> {
        let view = self.liaison_word(me, id)?;
        let file = view
            .word
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
}
