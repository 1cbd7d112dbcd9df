//! The one access decision: [`can`]`(subject, action, object)`.
//!
//! Every read and write path of every front end (pages, downloads, exports, later search,
//! WebDAV and sync) asks this function. It first works out how the object relates to the
//! subject ([`Relation`]), then looks the triple role × action × relation up in one table
//! ([`allowed`]), which follows the French ENT order of 30 November 2006, art. 4: a pupil sees
//! their own data, a parent the children in their charge, a teacher their own classes and
//! pupils, the town hall only enrolment and aggregate figures.

use crate::{ClassId, Role, UserId};

/// Who is asking: a signed-in person and the facts about them that decide access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The account.
    pub user: UserId,
    /// Its role.
    pub role: Role,
    /// The UAI of the school the account belongs to, if any.
    pub school: Option<String>,
    /// Classes that concern the person: attended (pupil), taught (teacher, staff),
    /// or attended by a child in their charge (parent).
    pub classes: Vec<ClassId>,
    /// Children in the person's charge (parents).
    pub children: Vec<UserId>,
}

/// What is being acted upon, described by the facts [`can`] needs.
#[derive(Clone, Copy, Debug)]
pub enum Object<'a> {
    /// A person's account and profile.
    User {
        /// The account.
        id: UserId,
        /// The school it belongs to.
        school: Option<&'a str>,
        /// Classes that concern it (same meaning as [`Subject::classes`]).
        classes: &'a [ClassId],
    },
    /// A class.
    Class {
        /// The class.
        id: ClassId,
        /// Its school.
        school: &'a str,
    },
    /// A whole school (its portal, its directory, its figures).
    School {
        /// The school's UAI.
        school: &'a str,
    },
}

/// Something a person may want to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Open the school's portal.
    ViewPortal,
    /// See a person's profile (name, class, role).
    ViewProfile,
    /// Create, edit, archive an account, reset its password, export accounts.
    ManageAccount,
    /// Unlock an account locked after failed sign-ins.
    UnlockAccount,
    /// See a class and its list of pupils.
    ViewClass,
    /// Print the QR login cards of a class.
    PrintLoginCards,
    /// Create, edit and archive classes and groups.
    ManageClasses,
    /// See aggregate figures (enrolment, attendance counts) without personal data.
    ViewAggregates,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Action; 8] = [
        Action::ViewPortal,
        Action::ViewProfile,
        Action::ManageAccount,
        Action::UnlockAccount,
        Action::ViewClass,
        Action::PrintLoginCards,
        Action::ManageClasses,
        Action::ViewAggregates,
    ];
}

/// How an object relates to the subject, from closest to farthest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The subject's own account.
    Myself,
    /// A child in the subject's charge.
    OwnChild,
    /// One of the subject's classes, or a person in one of them.
    OwnClass,
    /// Another class or person of the subject's school.
    SameSchool,
    /// Anything of another school (or of no school).
    OtherSchool,
}

impl Relation {
    /// Every relation, for exhaustive tests.
    pub const ALL: [Relation; 5] = [
        Relation::Myself,
        Relation::OwnChild,
        Relation::OwnClass,
        Relation::SameSchool,
        Relation::OtherSchool,
    ];
}

/// Works out how `object` relates to `subject`.
pub fn relation(subject: &Subject, object: &Object<'_>) -> Relation {
    let same_school = |school: Option<&str>| match (&subject.school, school) {
        (Some(mine), Some(theirs)) => mine == theirs,
        _ => false,
    };
    match *object {
        Object::User {
            id,
            school,
            classes,
        } => {
            if id == subject.user {
                Relation::Myself
            } else if !same_school(school) {
                Relation::OtherSchool
            } else if subject.children.contains(&id) {
                Relation::OwnChild
            } else if classes.iter().any(|c| subject.classes.contains(c)) {
                Relation::OwnClass
            } else {
                Relation::SameSchool
            }
        }
        Object::Class { id, school } => {
            if !same_school(Some(school)) {
                Relation::OtherSchool
            } else if subject.classes.contains(&id) {
                Relation::OwnClass
            } else {
                Relation::SameSchool
            }
        }
        Object::School { school } => {
            if same_school(Some(school)) {
                Relation::SameSchool
            } else {
                Relation::OtherSchool
            }
        }
    }
}

/// The access table: may a person of this role do this to an object so related?
pub fn allowed(role: Role, action: Action, relation: Relation) -> bool {
    use Action::*;
    use Relation::*;
    use Role::*;
    let within_school = matches!(relation, Myself | OwnChild | OwnClass | SameSchool);
    match (role, action) {
        (_, ViewPortal) => relation == SameSchool,
        (Pupil, ViewProfile) => relation == Myself,
        (Parent, ViewProfile) => matches!(relation, Myself | OwnChild),
        (Teacher | Staff, ViewProfile) => matches!(relation, Myself | OwnChild | OwnClass),
        (Headteacher, ViewProfile) => within_school,
        (TownAgent | Technician, ViewProfile) => relation == Myself,
        (Headteacher, ManageAccount | ManageClasses) => within_school,
        (_, ManageAccount | ManageClasses) => false,
        (Teacher, UnlockAccount) => relation == OwnClass,
        (Headteacher, UnlockAccount) => matches!(relation, OwnChild | OwnClass | SameSchool),
        (_, UnlockAccount) => false,
        (Teacher | Staff, ViewClass) => relation == OwnClass,
        (Headteacher, ViewClass | PrintLoginCards) => within_school,
        (Teacher, PrintLoginCards) => relation == OwnClass,
        (_, ViewClass | PrintLoginCards) => false,
        (Headteacher, ViewAggregates) => relation == SameSchool,
        (TownAgent, ViewAggregates) => matches!(relation, SameSchool | OtherSchool),
        (_, ViewAggregates) => false,
    }
}

/// The access decision used by every route: may `subject` do `action` to `object`?
pub fn can(subject: &Subject, action: Action, object: &Object<'_>) -> bool {
    allowed(subject.role, action, relation(subject, object))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, written out: one line per role and action, one mark per relation in
    /// the order self, own child, own class, other class (same school), other school.
    const EXPECTED: &str = "
        Pupil       ViewPortal      . . . x .
        Pupil       ViewProfile     x . . . .
        Pupil       ManageAccount   . . . . .
        Pupil       UnlockAccount   . . . . .
        Pupil       ViewClass       . . . . .
        Pupil       PrintLoginCards . . . . .
        Pupil       ManageClasses   . . . . .
        Pupil       ViewAggregates  . . . . .
        Parent      ViewPortal      . . . x .
        Parent      ViewProfile     x x . . .
        Parent      ManageAccount   . . . . .
        Parent      UnlockAccount   . . . . .
        Parent      ViewClass       . . . . .
        Parent      PrintLoginCards . . . . .
        Parent      ManageClasses   . . . . .
        Parent      ViewAggregates  . . . . .
        Teacher     ViewPortal      . . . x .
        Teacher     ViewProfile     x x x . .
        Teacher     ManageAccount   . . . . .
        Teacher     UnlockAccount   . . x . .
        Teacher     ViewClass       . . x . .
        Teacher     PrintLoginCards . . x . .
        Teacher     ManageClasses   . . . . .
        Teacher     ViewAggregates  . . . . .
        Headteacher ViewPortal      . . . x .
        Headteacher ViewProfile     x x x x .
        Headteacher ManageAccount   x x x x .
        Headteacher UnlockAccount   . x x x .
        Headteacher ViewClass       x x x x .
        Headteacher PrintLoginCards x x x x .
        Headteacher ManageClasses   x x x x .
        Headteacher ViewAggregates  . . . x .
        Staff       ViewPortal      . . . x .
        Staff       ViewProfile     x x x . .
        Staff       ManageAccount   . . . . .
        Staff       UnlockAccount   . . . . .
        Staff       ViewClass       . . x . .
        Staff       PrintLoginCards . . . . .
        Staff       ManageClasses   . . . . .
        Staff       ViewAggregates  . . . . .
        TownAgent   ViewPortal      . . . x .
        TownAgent   ViewProfile     x . . . .
        TownAgent   ManageAccount   . . . . .
        TownAgent   UnlockAccount   . . . . .
        TownAgent   ViewClass       . . . . .
        TownAgent   PrintLoginCards . . . . .
        TownAgent   ManageClasses   . . . . .
        TownAgent   ViewAggregates  . . . x x
        Technician  ViewPortal      . . . x .
        Technician  ViewProfile     x . . . .
        Technician  ManageAccount   . . . . .
        Technician  UnlockAccount   . . . . .
        Technician  ViewClass       . . . . .
        Technician  PrintLoginCards . . . . .
        Technician  ManageClasses   . . . . .
        Technician  ViewAggregates  . . . . .
    ";

    #[test]
    fn table_covers_every_role_action_and_relation() {
        let mut actual = String::new();
        for role in Role::ALL {
            for action in Action::ALL {
                let marks: Vec<&str> = Relation::ALL
                    .iter()
                    .map(|r| if allowed(role, action, *r) { "x" } else { "." })
                    .collect();
                actual.push_str(&format!(
                    "{:<11} {:<15} {}\n",
                    format!("{role:?}"),
                    format!("{action:?}"),
                    marks.join(" ")
                ));
            }
        }
        let expected: String = EXPECTED
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(actual, expected);
    }

    fn subject(role: Role, classes: &[u64], children: &[u64]) -> Subject {
        Subject {
            user: UserId(1),
            role,
            school: Some("0750654D".into()),
            classes: classes.iter().copied().map(ClassId).collect(),
            children: children.iter().copied().map(UserId).collect(),
        }
    }

    fn user<'a>(id: u64, school: &'a str, classes: &'a [ClassId]) -> Object<'a> {
        Object::User {
            id: UserId(id),
            school: Some(school),
            classes,
        }
    }

    #[test]
    fn relations_are_worked_out_from_facts() {
        let parent = subject(Role::Parent, &[10], &[2]);
        let in_10 = [ClassId(10)];
        let in_11 = [ClassId(11)];
        assert_eq!(
            relation(&parent, &user(1, "0750654D", &[])),
            Relation::Myself
        );
        assert_eq!(
            relation(&parent, &user(2, "0750654D", &in_10)),
            Relation::OwnChild
        );
        assert_eq!(
            relation(&parent, &user(3, "0750654D", &in_10)),
            Relation::OwnClass
        );
        assert_eq!(
            relation(&parent, &user(4, "0750654D", &in_11)),
            Relation::SameSchool
        );
        assert_eq!(
            relation(&parent, &user(2, "0750001K", &in_10)),
            Relation::OtherSchool
        );
        let class = |id, school| Object::Class {
            id: ClassId(id),
            school,
        };
        assert_eq!(
            relation(&parent, &class(10, "0750654D")),
            Relation::OwnClass
        );
        assert_eq!(
            relation(&parent, &class(11, "0750654D")),
            Relation::SameSchool
        );
        assert_eq!(
            relation(&parent, &class(10, "0750001K")),
            Relation::OtherSchool
        );
    }

    #[test]
    fn a_teacher_reaches_only_their_own_class() {
        let teacher = subject(Role::Teacher, &[10], &[]);
        let own = Object::Class {
            id: ClassId(10),
            school: "0750654D",
        };
        let other = Object::Class {
            id: ClassId(11),
            school: "0750654D",
        };
        assert!(can(&teacher, Action::PrintLoginCards, &own));
        assert!(!can(&teacher, Action::PrintLoginCards, &other));
        let pupil_elsewhere = [ClassId(11)];
        assert!(!can(
            &teacher,
            Action::UnlockAccount,
            &user(5, "0750654D", &pupil_elsewhere)
        ));
    }

    #[test]
    fn a_subject_without_school_reaches_no_school() {
        let mut agent = subject(Role::TownAgent, &[], &[]);
        agent.school = None;
        assert!(!can(
            &agent,
            Action::ViewPortal,
            &Object::School { school: "0750654D" }
        ));
        assert!(can(
            &agent,
            Action::ViewAggregates,
            &Object::School { school: "0750654D" }
        ));
    }
}
