//! Who may write to whom: the school's communication rules, adjustable by the headteacher,
//! the emergency restriction, and the sending rate limits.
//!
//! By default: pupils write to their teachers (and to classmates in the classes whose teacher
//! allows it); parents to their children's teachers and to the headteacher; teachers and other
//! staff to the parents and pupils of their classes, to colleagues and to the headteacher; the
//! headteacher to everyone in the school. The headteacher can close any of these channels,
//! and the emergency switch restricts sending to staff for the whole school at once.

use crate::{ClassId, HandedFile, Role, Subject, UserId};
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// A conversation between people.
    ConversationId
);
crate::ids::id_type!(
    /// One message of a conversation.
    MessageId
);
crate::ids::id_type!(
    /// A message reported to the headteacher.
    ReportId
);

/// A conversation: its participants read and write every message in it. Central holds a copy
/// of those with families (partition: the school and the participants).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The school's UAI.
    pub school: String,
    /// What it is about.
    pub subject: String,
    /// Who started it.
    pub started_by: UserId,
    /// Everyone in it, the starter first.
    pub participants: Vec<UserId>,
    /// When it started (Unix seconds).
    pub created: i64,
    /// When its last message was sent (Unix seconds).
    pub updated: i64,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who wrote it.
    pub author: UserId,
    /// Its text, sanitised HTML.
    pub body_html: String,
    /// Files sent with it, frozen at sending.
    pub attachments: Vec<HandedFile>,
    /// When it was sent (Unix seconds).
    pub sent: i64,
}

/// A person's view of their conversations: which they are in and how far they have read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Whose.
    pub user: UserId,
    /// Conversations and the time of the last message read in each.
    pub read: Vec<(ConversationId, i64)>,
}

/// A message someone reported to the headteacher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReport {
    /// Its id.
    pub id: ReportId,
    /// The message.
    pub message: MessageId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Who reported it.
    pub by: UserId,
    /// Why, in their words.
    pub reason: String,
    /// When (Unix seconds).
    pub at: i64,
    /// Whether the headteacher dealt with it.
    pub handled: bool,
}

/// A kind of conversation the rules allow or close.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// A pupil to a teacher of their class.
    PupilToTeacher,
    /// A pupil to a pupil of the same class (only in the classes whose teacher allows it).
    PupilToClassmate,
    /// A parent to a teacher of their child's class.
    ParentToTeacher,
    /// A parent to the headteacher.
    ParentToHeadteacher,
    /// A teacher or staff member to the parents of a pupil of their class.
    TeacherToParent,
    /// A teacher or staff member to a pupil of their class.
    TeacherToPupil,
    /// An adult of the school staff to another (teachers, staff, headteacher).
    Colleagues,
    /// The headteacher to anyone in the school.
    HeadteacherToAll,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 8] = [
        Channel::PupilToTeacher,
        Channel::PupilToClassmate,
        Channel::ParentToTeacher,
        Channel::ParentToHeadteacher,
        Channel::TeacherToParent,
        Channel::TeacherToPupil,
        Channel::Colleagues,
        Channel::HeadteacherToAll,
    ];

    /// What it is, in French, for the headteacher's settings page.
    pub fn french(self) -> &'static str {
        match self {
            Channel::PupilToTeacher => "Les élèves écrivent à leurs enseignants",
            Channel::PupilToClassmate => {
                "Les élèves écrivent à leurs camarades (dans les classes qui l'autorisent)"
            }
            Channel::ParentToTeacher => "Les parents écrivent aux enseignants de leurs enfants",
            Channel::ParentToHeadteacher => "Les parents écrivent à la direction",
            Channel::TeacherToParent => "Les enseignants écrivent aux parents de leurs élèves",
            Channel::TeacherToPupil => "Les enseignants écrivent à leurs élèves",
            Channel::Colleagues => "Les adultes de l'école s'écrivent entre collègues",
            Channel::HeadteacherToAll => "La direction écrit à tout le monde",
        }
    }
}

/// The school's communication rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagingRules {
    /// Channels the headteacher closed.
    pub closed: Vec<Channel>,
    /// Classes whose teacher lets pupils write to each other.
    pub classmates: Vec<ClassId>,
    /// The emergency restriction: only the school staff may send.
    pub emergency: bool,
}

/// Why a message may not be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No rule lets the sender write to this person.
    NoChannel,
    /// The headteacher closed this channel (or the class does not allow classmates).
    Closed(Channel),
    /// The emergency restriction is on and the sender is not staff.
    Emergency,
}

fn is_staff(role: Role) -> bool {
    matches!(role, Role::Teacher | Role::Headteacher | Role::Staff)
}

fn share_class(a: &Subject, b: &Subject) -> bool {
    a.classes.iter().any(|c| b.classes.contains(c))
}

/// The channel a message from `from` to `to` would use, if any rule relates them. Both must
/// be of the same school; nobody writes to themselves.
pub fn channel(from: &Subject, to: &Subject) -> Option<Channel> {
    if from.user == to.user || from.school.is_none() || from.school != to.school {
        return None;
    }
    use Role::*;
    match (from.role, to.role) {
        (Headteacher, _) => Some(Channel::HeadteacherToAll),
        (Pupil, Teacher | Staff) if share_class(from, to) => Some(Channel::PupilToTeacher),
        (Pupil, Pupil) if share_class(from, to) => Some(Channel::PupilToClassmate),
        (Parent, Teacher | Staff) if share_class(from, to) => Some(Channel::ParentToTeacher),
        (Parent, Headteacher) => Some(Channel::ParentToHeadteacher),
        (Teacher | Staff, Parent) if share_class(from, to) => Some(Channel::TeacherToParent),
        (Teacher | Staff, Pupil) if share_class(from, to) => Some(Channel::TeacherToPupil),
        (Teacher | Staff, Teacher | Staff | Headteacher) => Some(Channel::Colleagues),
        _ => None,
    }
}

/// May `from` write to `to` under `rules`?
pub fn may_write(from: &Subject, to: &Subject, rules: &MessagingRules) -> Result<(), Refusal> {
    let channel = channel(from, to).ok_or(Refusal::NoChannel)?;
    if rules.emergency && !is_staff(from.role) {
        return Err(Refusal::Emergency);
    }
    if rules.closed.contains(&channel) {
        return Err(Refusal::Closed(channel));
    }
    if channel == Channel::PupilToClassmate
        && !from
            .classes
            .iter()
            .any(|c| to.classes.contains(c) && rules.classmates.contains(c))
    {
        return Err(Refusal::Closed(channel));
    }
    Ok(())
}

/// How many messages a person may send in a minute and in a day.
pub fn rate_limits(role: Role) -> (usize, usize) {
    match role {
        Role::Pupil => (5, 40),
        Role::Parent => (10, 60),
        _ => (30, 500),
    }
}

/// Whether one more message fits the sender's limits, given when their recent messages were
/// sent (Unix seconds, any order).
pub fn within_rate(role: Role, recent: &[i64], now: i64) -> bool {
    let (per_minute, per_day) = rate_limits(role);
    let since = |seconds: i64| recent.iter().filter(|t| **t > now - seconds).count();
    since(60) < per_minute && since(24 * 3600) < per_day
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    fn person(id: u64, role: Role, classes: &[u64]) -> Subject {
        Subject {
            user: UserId(id),
            role,
            school: Some("0751234A".into()),
            classes: classes.iter().copied().map(ClassId).collect(),
            children: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Who may write to whom with the default rules: sender × recipient, in the order
    /// pupil (class 1), classmate (class 1), pupil (class 2), parent (class 1), parent
    /// (class 2), teacher (class 1), teacher (class 2), staff (class 1), headteacher,
    /// town agent, other school's teacher (class 1).
    const EXPECTED: &str = "
        pupil1     . x . . . x . x . . .
        classmate  x . . . . x . x . . .
        pupil2     . . . . . . x . . . .
        parent1    . . . . . x . x x . .
        parent2    . . . . . . x . x . .
        teacher1   x x . x . . x x x . .
        teacher2   . . x . x x . x x . .
        staff1     x x . x . x x . x . .
        head       x x x x x x x x . x .
        agent      . . . . . . . . . . .
        elsewhere  . . . . . . . . . . .
    ";

    fn people() -> Vec<(&'static str, Subject)> {
        let mut elsewhere = person(11, Role::Teacher, &[1]);
        elsewhere.school = Some("0691234B".into());
        vec![
            ("pupil1", person(1, Role::Pupil, &[1])),
            ("classmate", person(2, Role::Pupil, &[1])),
            ("pupil2", person(3, Role::Pupil, &[2])),
            ("parent1", person(4, Role::Parent, &[1])),
            ("parent2", person(5, Role::Parent, &[2])),
            ("teacher1", person(6, Role::Teacher, &[1])),
            ("teacher2", person(7, Role::Teacher, &[2])),
            ("staff1", person(8, Role::Staff, &[1])),
            ("head", person(9, Role::Headteacher, &[])),
            ("agent", person(10, Role::TownAgent, &[])),
            ("elsewhere", elsewhere),
        ]
    }

    fn table(rules: &MessagingRules) -> String {
        let people = people();
        let mut out = String::new();
        for (name, from) in &people {
            let marks: Vec<&str> = people
                .iter()
                .map(|(_, to)| match may_write(from, to, rules) {
                    Ok(()) => "x",
                    Err(_) => ".",
                })
                .collect();
            out.push_str(&format!("{name:<10} {}\n", marks.join(" ")));
        }
        out
    }

    fn expected(text: &str) -> String {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (name, marks) = l.split_once(' ').unwrap_or((l, ""));
                format!("{name:<10} {}\n", marks.trim())
            })
            .collect()
    }

    #[test]
    fn the_default_rules_written_out() {
        let rules = MessagingRules {
            classmates: vec![ClassId(1)],
            ..MessagingRules::default()
        };
        assert_eq!(table(&rules), expected(EXPECTED));
    }

    #[test]
    fn classmates_need_their_class_to_allow_it() {
        let people = people();
        let (pupil, classmate) = (&people[0].1, &people[1].1);
        assert_eq!(
            may_write(pupil, classmate, &MessagingRules::default()),
            Err(Refusal::Closed(Channel::PupilToClassmate))
        );
    }

    #[test]
    fn the_emergency_switch_leaves_only_staff_sending() {
        let rules = MessagingRules {
            emergency: true,
            classmates: vec![ClassId(1)],
            ..MessagingRules::default()
        };
        let people = people();
        for (_, from) in &people {
            for (_, to) in &people {
                let allowed = may_write(from, to, &rules).is_ok();
                if allowed {
                    assert!(is_staff(from.role), "{:?} sent in an emergency", from.role);
                }
                if is_staff(from.role) {
                    assert_eq!(
                        allowed,
                        may_write(from, to, &MessagingRules::default()).is_ok()
                    );
                }
            }
        }
        assert_eq!(
            may_write(&people[3].1, &people[8].1, &rules),
            Err(Refusal::Emergency)
        );
    }

    #[test]
    fn a_closed_channel_stays_closed() {
        let rules = MessagingRules {
            closed: vec![Channel::ParentToHeadteacher],
            ..MessagingRules::default()
        };
        let people = people();
        assert_eq!(
            may_write(&people[3].1, &people[8].1, &rules),
            Err(Refusal::Closed(Channel::ParentToHeadteacher))
        );
        assert!(may_write(&people[3].1, &people[5].1, &rules).is_ok());
    }

    #[test]
    fn rates_count_the_last_minute_and_day() {
        let now = 1_000_000;
        let burst: Vec<i64> = (0..5).map(|i| now - i).collect();
        assert!(!within_rate(Role::Pupil, &burst, now));
        assert!(within_rate(Role::Pupil, &burst, now + 61));
        let day: Vec<i64> = (0..40).map(|i| now - 120 * i).collect();
        assert!(!within_rate(Role::Pupil, &day, now + 120));
        assert!(within_rate(Role::Teacher, &day, now + 120));
    }
}
