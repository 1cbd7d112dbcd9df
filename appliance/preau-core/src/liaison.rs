//! The carnet de liaison: a word (« mot ») a teacher or the headteacher addresses to the
//! families of a class, of a group or of one pupil; each family acknowledges it per child
//! (« Vu et signé »), may reply once and, when the word carries a consent form (an outing),
//! answers yes or no per child until its deadline. Teachers follow who signed and send at
//! most one reminder a day to the families still to sign.
//!
//! Central will hold a copy of every word and of every family's answer (DESIGN §2), so that
//! parents can sign there when the box is off: a word names its owner (the author), its
//! partition (school, classes and the pupils it reaches); an answer names its school, class
//! and pupil. Both are replicated records. A word is never removed: withdrawing it sets
//! [`Word::withdrawn`], a flag the change feed carries like any other change.

use crate::logbook::{Attachment, RichText, mix};
use crate::news::Withdrawal;
use crate::{ClassId, GroupId, UserId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// A word of the carnet de liaison.
    WordId
);

/// The longest title, in characters.
pub const MAX_WORD_TITLE: usize = 200;
/// The longest word, in characters.
pub const MAX_WORD_TEXT: usize = 20_000;
/// The longest consent question, in characters.
pub const MAX_CONSENT_QUESTION: usize = 500;
/// The longest reply of a family, in characters.
pub const MAX_REPLY: usize = 1_000;
/// The most files attached to one word.
pub const MAX_WORD_FILES: usize = 10;

/// Whose families a word is addressed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LiaisonAudience {
    /// The families of every pupil of a class.
    Class(ClassId),
    /// The families of the pupils of a group.
    Group(GroupId),
    /// The family of one pupil.
    Pupil(UserId),
}

impl LiaisonAudience {
    /// A stable form value ("classe-3", "groupe-7", "eleve-42").
    pub fn code(&self) -> String {
        match self {
            LiaisonAudience::Class(id) => format!("classe-{id}"),
            LiaisonAudience::Group(id) => format!("groupe-{id}"),
            LiaisonAudience::Pupil(id) => format!("eleve-{id}"),
        }
    }

    /// Parses [`LiaisonAudience::code`].
    pub fn from_code(code: &str) -> Option<LiaisonAudience> {
        let (kind, id) = code.trim().split_once('-')?;
        let id: u64 = id.parse().ok()?;
        match kind {
            "classe" => Some(LiaisonAudience::Class(ClassId(id))),
            "groupe" => Some(LiaisonAudience::Group(GroupId(id))),
            "eleve" => Some(LiaisonAudience::Pupil(UserId(id))),
            _ => None,
        }
    }
}

/// A consent form carried by a word: one yes/no answer per child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentForm {
    /// What is asked (« Sortie au musée le jeudi 10 décembre »).
    pub question: String,
    /// The last day families may answer or change their answer (inclusive), if any.
    pub deadline: Option<Date>,
}

impl ConsentForm {
    /// Whether families may still answer on `today` (Paris date).
    pub fn open_on(&self, today: Date) -> bool {
        self.deadline.is_none_or(|last| today <= last)
    }
}

/// A reminder sent to the families who had not signed yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// When (Unix seconds).
    pub at: i64,
    /// Its day in Paris (one reminder a day at most).
    pub day: Date,
    /// Who sent it.
    pub by: UserId,
    /// The pupils whose families were reminded.
    pub pupils: Vec<UserId>,
}

/// A word of the carnet de liaison. Replicated; withdrawn as a flag, never removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Word {
    /// The word.
    pub id: WordId,
    /// The UAI of its school (partition).
    pub school: String,
    /// Who it was addressed to, as chosen.
    pub audience: LiaisonAudience,
    /// The classes of the pupils it reaches (partition below the school).
    pub classes: Vec<ClassId>,
    /// The pupils whose families it reaches, fixed when it was posted.
    pub pupils: Vec<UserId>,
    /// Its title, plain text.
    pub title: String,
    /// Its text (sanitised HTML shown as is, and what was typed).
    pub body: RichText,
    /// Files frozen from document spaces when posted.
    pub attachments: Vec<Attachment>,
    /// The consent form it carries, if any.
    pub consent: Option<ConsentForm>,
    /// Who posted it (owner).
    pub author: UserId,
    /// When it was posted (Unix seconds).
    pub created_at: i64,
    /// When it last changed (Unix seconds).
    pub updated_at: i64,
    /// The reminders sent, oldest first.
    pub reminders: Vec<Reminder>,
    /// Set when it was withdrawn: shown to no one, kept as a tombstone.
    pub withdrawn: Option<Withdrawal>,
}

impl Word {
    /// Whether a reminder was already sent on `day` (Paris date).
    pub fn reminded_on(&self, day: Date) -> bool {
        self.reminders.iter().any(|r| r.day == day)
    }

    /// When the family of `pupil` was last reminded, if ever.
    pub fn last_reminder_for(&self, pupil: UserId) -> Option<i64> {
        self.reminders
            .iter()
            .filter(|r| r.pupils.contains(&pupil))
            .map(|r| r.at)
            .max()
    }
}

/// Who did something, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Who (a guardian).
    pub by: UserId,
    /// When (Unix seconds).
    pub at: i64,
}

/// A family's answer to a consent form for one child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// « J'autorise » (true) or « Je n'autorise pas » (false).
    pub agrees: bool,
    /// Who answered last, and when.
    pub mark: Mark,
}

/// A family's reply to a word (one per child, never changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text, plain (always shown escaped).
    pub text: String,
    /// Who wrote it, and when.
    pub mark: Mark,
}

/// What the family of one child did with a word: signature, consent answer, reply.
/// Replicated (parents will sign at central too); one record per word and child, whose key
/// is the same on every replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyAnswer {
    /// The word.
    pub word: WordId,
    /// The child.
    pub pupil: UserId,
    /// The school (partition).
    pub school: String,
    /// The child's class when the word was posted (partition).
    pub class: Option<ClassId>,
    /// « Vu et signé »: the first guardian who signed, and when.
    pub signed: Option<Mark>,
    /// The answer to the consent form, if given.
    pub consent: Option<Consent>,
    /// The family's reply, if any.
    pub reply: Option<Reply>,
}

impl FamilyAnswer {
    /// The record key of the answer for a word and a child.
    pub fn key_of(word: WordId, pupil: UserId) -> u64 {
        mix(word.0 ^ mix(pupil.0 ^ 0x6c69_6169_736f_6e00))
    }

    /// A blank answer (nothing done yet).
    pub fn blank(word: &Word, pupil: UserId, class: Option<ClassId>) -> FamilyAnswer {
        FamilyAnswer {
            word: word.id,
            pupil,
            school: word.school.clone(),
            class,
            signed: None,
            consent: None,
            reply: None,
        }
    }

    /// Signs (the first signature is kept). Returns whether it changed anything.
    pub fn sign(&mut self, mark: Mark) -> bool {
        if self.signed.is_some() {
            return false;
        }
        self.signed = Some(mark);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn audience_codes_round_trip() {
        for a in [
            LiaisonAudience::Class(ClassId(3)),
            LiaisonAudience::Group(GroupId(7)),
            LiaisonAudience::Pupil(UserId(42)),
        ] {
            assert_eq!(LiaisonAudience::from_code(&a.code()), Some(a));
        }
        assert_eq!(LiaisonAudience::from_code("classe-"), None);
        assert_eq!(LiaisonAudience::from_code("autre-1"), None);
    }

    #[test]
    fn consent_closes_after_its_deadline() {
        let form = ConsentForm {
            question: "Sortie".into(),
            deadline: Some(date(2026, 12, 8)),
        };
        assert!(form.open_on(date(2026, 12, 8)));
        assert!(!form.open_on(date(2026, 12, 9)));
        let open = ConsentForm {
            deadline: None,
            ..form
        };
        assert!(open.open_on(date(2030, 1, 1)));
    }

    #[test]
    fn answer_keys_are_stable_and_distinct() {
        let a = FamilyAnswer::key_of(WordId(1), UserId(2));
        assert_eq!(a, FamilyAnswer::key_of(WordId(1), UserId(2)));
        assert_ne!(a, FamilyAnswer::key_of(WordId(2), UserId(1)));
    }

    #[test]
    fn the_first_signature_is_kept() {
        let word = Word {
            id: WordId(1),
            school: "0750654D".into(),
            audience: LiaisonAudience::Pupil(UserId(2)),
            classes: vec![],
            pupils: vec![UserId(2)],
            title: "Mot".into(),
            body: RichText::default(),
            attachments: vec![],
            consent: None,
            author: UserId(9),
            created_at: 0,
            updated_at: 0,
            reminders: vec![],
            withdrawn: None,
        };
        let mut answer = FamilyAnswer::blank(&word, UserId(2), None);
        assert!(answer.sign(Mark {
            by: UserId(5),
            at: 10
        }));
        assert!(!answer.sign(Mark {
            by: UserId(6),
            at: 20
        }));
        assert_eq!(
            answer.signed,
            Some(Mark {
                by: UserId(5),
                at: 10
            })
        );
    }
}
