//! The school's news (« Actualités »): what the headteacher publishes to the school's team,
//! to every family or to the families of one class — canteen menus, outings, festivities.
//!
//! A news item is a replicated record: central will hold a copy so that parents can read it
//! when the box is off. It therefore carries its school (the partition), its author, its
//! audience (and through it the class it concerns) and is never deleted by a person: a
//! withdrawal is a flag ([`News::withdrawn`]), so that the change feed carries it to central
//! like any other change (a tombstone that keeps the record's partition).

use crate::{BlobId, ClassId, Role, Subject, UserId};
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// A news item.
    NewsId
);

/// The most files (pictures and attachments) one news item carries.
pub const MAX_NEWS_FILES: usize = 10;
/// The longest title, in characters.
pub const MAX_NEWS_TITLE: usize = 200;

/// Who a news item is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NewsAudience {
    /// The school's team: teachers, the headteacher and the other school staff.
    Team,
    /// Every family of the school (parents, and pupils too).
    Families,
    /// The families (and pupils) of one class.
    ClassFamilies(ClassId),
}

impl NewsAudience {
    /// Whether a news item for this audience reaches `subject` (same school assumed; the
    /// access decision `ViewNews` is asked separately).
    ///
    /// The rule:
    /// * teachers, the headteacher and the other school staff read every item — the team's
    ///   and the families' (they are the school's staff and must know what families read);
    /// * parents read the items for all families, and those for the families of a class one
    ///   of their children attends — never another class's;
    /// * pupils read the same as their parents: the items for all families and those of
    ///   their own class (an outing, a festivity, the menu are their school life), never the
    ///   team's;
    /// * town-hall agents and technicians read none.
    pub fn reaches(&self, subject: &Subject) -> bool {
        match subject.role {
            Role::Teacher | Role::Headteacher | Role::Staff => true,
            Role::Parent | Role::Pupil => match self {
                NewsAudience::Team => false,
                NewsAudience::Families => true,
                NewsAudience::ClassFamilies(class) => subject.classes.contains(class),
            },
            Role::TownAgent | Role::Technician => false,
        }
    }

    /// The class the item concerns, if it is for one class's families (its partition below
    /// the school).
    pub fn class(&self) -> Option<ClassId> {
        match self {
            NewsAudience::ClassFamilies(class) => Some(*class),
            _ => None,
        }
    }

    /// A stable form value ("equipe", "familles", "classe-42").
    pub fn code(&self) -> String {
        match self {
            NewsAudience::Team => "equipe".into(),
            NewsAudience::Families => "familles".into(),
            NewsAudience::ClassFamilies(class) => format!("classe-{class}"),
        }
    }

    /// Parses [`NewsAudience::code`].
    pub fn from_code(code: &str) -> Option<NewsAudience> {
        match code.trim() {
            "equipe" => Some(NewsAudience::Team),
            "familles" => Some(NewsAudience::Families),
            other => other
                .strip_prefix("classe-")?
                .parse()
                .ok()
                .map(NewsAudience::ClassFamilies),
        }
    }
}

/// A file attached to a news item. Pictures (by their detected type) are shown in the page
/// once re-encoded; anything else is offered as a download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewsFile {
    /// The name it was sent with (a label only).
    pub name: String,
    /// Its content.
    pub blob: BlobId,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type, detected from the content.
    pub mime: String,
}

/// Who withdrew a news item, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// When (Unix seconds).
    pub at: i64,
    /// Who.
    pub by: UserId,
}

/// A news item of the school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct News {
    /// The item.
    pub id: NewsId,
    /// The UAI of its school (the partition central files it under).
    pub school: String,
    /// Who it is for.
    pub audience: NewsAudience,
    /// Its title, plain text.
    pub title: String,
    /// Its body: HTML already made safe by the allow-list sanitiser.
    pub body: String,
    /// Pictures and attachments, in the order they were added.
    pub files: Vec<NewsFile>,
    /// Pinned items come first.
    pub pinned: bool,
    /// When its audience may read it (Unix seconds); before that only its publishers see it.
    pub publish_at: i64,
    /// Who wrote it (its owner).
    pub author: UserId,
    /// When it was written.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// Set when it was withdrawn: it is then shown to no one, and kept as a tombstone.
    pub withdrawn: Option<Withdrawal>,
}

impl News {
    /// Whether its audience may read it at `now`: not withdrawn, publication time reached.
    pub fn is_live(&self, now: i64) -> bool {
        self.withdrawn.is_none() && self.publish_at <= now
    }

    /// Whether it waits for its publication time at `now`.
    pub fn is_scheduled(&self, now: i64) -> bool {
        self.withdrawn.is_none() && self.publish_at > now
    }

    /// The order of a news list: pinned first, then the newest publication first.
    pub fn order_key(&self) -> (bool, std::cmp::Reverse<i64>, NewsId) {
        (!self.pinned, std::cmp::Reverse(self.publish_at), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(role: Role, classes: &[u64]) -> Subject {
        Subject {
            user: UserId(1),
            role,
            school: Some("0691234S".into()),
            classes: classes.iter().map(|c| ClassId(*c)).collect(),
            children: Vec::new(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn audiences_reach_the_right_people() {
        let team = NewsAudience::Team;
        let all = NewsAudience::Families;
        let cp = NewsAudience::ClassFamilies(ClassId(7));
        let table = [
            (Role::Teacher, [true, true, true]),
            (Role::Headteacher, [true, true, true]),
            (Role::Staff, [true, true, true]),
            (Role::Parent, [false, true, true]),
            (Role::Pupil, [false, true, true]),
            (Role::TownAgent, [false, false, false]),
            (Role::Technician, [false, false, false]),
        ];
        for (role, expected) in table {
            let who = subject(role, &[7]);
            let got = [team.reaches(&who), all.reaches(&who), cp.reaches(&who)];
            assert_eq!(got, expected, "{role:?}");
        }
        assert!(!cp.reaches(&subject(Role::Parent, &[8])));
        assert!(!cp.reaches(&subject(Role::Pupil, &[8])));
    }

    #[test]
    fn codes_round_trip() {
        for a in [
            NewsAudience::Team,
            NewsAudience::Families,
            NewsAudience::ClassFamilies(ClassId(42)),
        ] {
            assert_eq!(NewsAudience::from_code(&a.code()), Some(a));
        }
        assert_eq!(NewsAudience::from_code("classe-x"), None);
        assert_eq!(NewsAudience::from_code(""), None);
    }
}
