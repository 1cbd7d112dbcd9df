//! The one access decision: [`can`]`(subject, action, object)`.
//!
//! Every read and write path of every front end (pages, downloads, exports, later search,
//! WebDAV and sync) asks this function. It first works out how the object relates to the
//! subject ([`Relation`]), then looks the triple role × action × relation up in one table
//! ([`allowed`]), which follows the French ENT order of 30 November 2006, art. 4: a pupil sees
//! their own data, a parent the children in their charge, a teacher their own classes and
//! pupils, the town hall only enrolment and aggregate figures.

use crate::{ClassId, GroupId, Role, SpaceOwner, UserId};

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
    /// Groups the person belongs to.
    pub groups: Vec<GroupId>,
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
    /// A folder or file of a document space.
    Document {
        /// Whose space it is in.
        space: SpaceOwner,
        /// The school the space belongs to.
        school: &'a str,
        /// Whether it (or a folder above it) is shared with the subject: `Some(true)` for
        /// read-write, `Some(false)` for read-only.
        shared: Option<bool>,
    },
    /// A resource of the school's library.
    Resource {
        /// Who published it.
        published_by: UserId,
        /// Its school.
        school: &'a str,
    },
    /// A booking of a room or of equipment.
    Booking {
        /// Who holds it.
        holder: UserId,
        /// Its school.
        school: &'a str,
    },
    /// An assignment and the work handed in for it.
    Assignment {
        /// The class it was set in.
        class: ClassId,
        /// Its school.
        school: &'a str,
        /// The pupils who must hand it in.
        pupils: &'a [UserId],
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
    /// Open a folder or file, download it.
    ReadDocuments,
    /// Add, change, rename, move or delete folders and files.
    WriteDocuments,
    /// Share a folder or file with others.
    ShareDocuments,
    /// See an assignment (and, for a pupil, their own hand-ins).
    ViewAssignment,
    /// Hand work in.
    HandIn,
    /// Set an assignment, see every hand-in, hand work back.
    ManageAssignment,
    /// Browse and search the school's library.
    ViewLibrary,
    /// Publish a resource in the library, curate collections.
    PublishResource,
    /// Change or withdraw a published resource.
    ManageResource,
    /// See the bookings of the school's rooms and equipment.
    ViewBookings,
    /// Book a room or equipment.
    Book,
    /// Change, move or cancel a booking.
    ManageBooking,
    /// Manage rooms and equipment, the school calendar and booking limits; approve bookings.
    ManageBookables,
    /// Read a class's cahier de textes (sessions and homework).
    ViewLogbook,
    /// Write a class's cahier de textes.
    WriteLogbook,
    /// Tick one's homework as done.
    TickHomework,
    /// Read the school's news (each item's audience is checked by the use case).
    ViewNews,
    /// Publish, change and withdraw the school's news.
    PublishNews,
    /// Set the communication rules, switch the emergency restriction, read reported messages.
    ModerateMessages,
    /// Read the carnet de liaison of a pupil (object: the pupil).
    ViewLiaison,
    /// Post a word in the carnet de liaison of a class or a pupil, see who signed, remind.
    PostLiaison,
    /// Sign a word of the carnet de liaison, reply, answer a consent form (object: the pupil).
    SignLiaison,
    /// See how the box was provisioned (bundle, certificates, network) and the last stick's
    /// report.
    ViewProvisioning,
    /// See at central when a school's box last synced, its version and its lag (object: the
    /// school).
    ViewSyncState,
    /// Browse the school's exercise bank, write exercises and sequences, copy a colleague's
    /// (object: the school).
    ViewExerciseBank,
    /// Change or delete an exercise or a sequence (object: a resource published by its
    /// author).
    EditExercise,
    /// Set exercises to a class or its pupils, follow the results, override marks and
    /// livret levels (object: the class, and each pupil concerned).
    SetExercises,
    /// Answer the exercises of a task (object: the task, as an assignment).
    DoExercises,
    /// See a pupil's exercise results and livret summary (object: the pupil).
    ViewResults,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Action; 37] = [
        Action::ViewPortal,
        Action::ViewProfile,
        Action::ManageAccount,
        Action::UnlockAccount,
        Action::ViewClass,
        Action::PrintLoginCards,
        Action::ManageClasses,
        Action::ViewAggregates,
        Action::ReadDocuments,
        Action::WriteDocuments,
        Action::ShareDocuments,
        Action::ViewAssignment,
        Action::HandIn,
        Action::ManageAssignment,
        Action::ViewLibrary,
        Action::PublishResource,
        Action::ManageResource,
        Action::ViewBookings,
        Action::Book,
        Action::ManageBooking,
        Action::ManageBookables,
        Action::ViewLogbook,
        Action::WriteLogbook,
        Action::TickHomework,
        Action::ViewNews,
        Action::PublishNews,
        Action::ModerateMessages,
        Action::ViewLiaison,
        Action::PostLiaison,
        Action::SignLiaison,
        Action::ViewProvisioning,
        Action::ViewSyncState,
        Action::ViewExerciseBank,
        Action::EditExercise,
        Action::SetExercises,
        Action::DoExercises,
        Action::ViewResults,
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
    /// The space of a group the subject belongs to.
    OwnGroup,
    /// The staff room: the space shared by the school's adults.
    Staffroom,
    /// Something shared with the subject read-write.
    SharedWrite,
    /// Something shared with the subject read-only.
    SharedRead,
    /// Another class or person of the subject's school.
    SameSchool,
    /// Anything of another school (or of no school).
    OtherSchool,
}

impl Relation {
    /// Every relation, for exhaustive tests.
    pub const ALL: [Relation; 9] = [
        Relation::Myself,
        Relation::OwnChild,
        Relation::OwnClass,
        Relation::OwnGroup,
        Relation::Staffroom,
        Relation::SharedWrite,
        Relation::SharedRead,
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
        Object::Document { space, school, .. } => {
            if !same_school(Some(school)) {
                return Relation::OtherSchool;
            }
            match space {
                SpaceOwner::Personal(owner) if owner == subject.user => Relation::Myself,
                SpaceOwner::Class(class) if subject.classes.contains(&class) => Relation::OwnClass,
                SpaceOwner::Group(group) if subject.groups.contains(&group) => Relation::OwnGroup,
                SpaceOwner::Staff => Relation::Staffroom,
                _ => Relation::SameSchool,
            }
        }
        Object::Resource {
            published_by,
            school,
        } => {
            if !same_school(Some(school)) {
                Relation::OtherSchool
            } else if published_by == subject.user {
                Relation::Myself
            } else {
                Relation::SameSchool
            }
        }
        Object::Booking { holder, school } => {
            if !same_school(Some(school)) {
                Relation::OtherSchool
            } else if holder == subject.user {
                Relation::Myself
            } else {
                Relation::SameSchool
            }
        }
        Object::Assignment {
            class,
            school,
            pupils,
        } => {
            if !same_school(Some(school)) {
                Relation::OtherSchool
            } else if pupils.contains(&subject.user) {
                Relation::Myself
            } else if pupils.iter().any(|p| subject.children.contains(p)) {
                Relation::OwnChild
            } else if subject.classes.contains(&class) {
                Relation::OwnClass
            } else {
                Relation::SameSchool
            }
        }
    }
}

/// How a share puts `object` within the subject's reach, if it does (same school only).
fn shared_relation(subject: &Subject, object: &Object<'_>) -> Option<Relation> {
    match *object {
        Object::Document {
            school,
            shared: Some(write),
            ..
        } if subject.school.as_deref() == Some(school) => Some(if write {
            Relation::SharedWrite
        } else {
            Relation::SharedRead
        }),
        _ => None,
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
        // At central: commune accounts belong to no school, so they are « another school »
        // to an agent (never themselves).
        (TownAgent, UnlockAccount) => relation == OtherSchool,
        (_, UnlockAccount) => false,
        (Teacher | Staff, ViewClass) => relation == OwnClass,
        (Headteacher, ViewClass | PrintLoginCards) => within_school,
        (Teacher, PrintLoginCards) => relation == OwnClass,
        (_, ViewClass | PrintLoginCards) => false,
        (Headteacher, ViewAggregates) => relation == SameSchool,
        (TownAgent, ViewAggregates) => matches!(relation, SameSchool | OtherSchool),
        (_, ViewAggregates) => false,
        (Pupil, ReadDocuments) => {
            matches!(
                relation,
                Myself | OwnClass | OwnGroup | SharedWrite | SharedRead
            )
        }
        (Teacher | Headteacher | Staff, ReadDocuments) => matches!(
            relation,
            Myself | OwnClass | OwnGroup | Staffroom | SharedWrite | SharedRead
        ),
        (Parent | TownAgent | Technician, ReadDocuments) => {
            matches!(relation, Myself | SharedWrite | SharedRead)
        }
        (Pupil, WriteDocuments) => matches!(relation, Myself | OwnGroup | SharedWrite),
        (Teacher | Headteacher, WriteDocuments) => {
            matches!(
                relation,
                Myself | OwnClass | OwnGroup | Staffroom | SharedWrite
            )
        }
        (Staff, WriteDocuments) => matches!(relation, Myself | Staffroom | SharedWrite),
        (Parent | TownAgent | Technician, WriteDocuments) => {
            matches!(relation, Myself | SharedWrite)
        }
        (Pupil, ShareDocuments) => matches!(relation, Myself | OwnGroup),
        (Teacher | Headteacher, ShareDocuments) => {
            matches!(relation, Myself | OwnClass | OwnGroup | Staffroom)
        }
        (Staff, ShareDocuments) => matches!(relation, Myself | Staffroom),
        (_, ShareDocuments) => false,
        (Pupil, ViewAssignment) => relation == Myself,
        (Parent, ViewAssignment) => relation == OwnChild,
        (Teacher | Staff, ViewAssignment) => relation == OwnClass,
        (Headteacher, ViewAssignment | ManageAssignment) => within_school,
        (_, ViewAssignment) => false,
        (Pupil, HandIn) => relation == Myself,
        (_, HandIn) => false,
        (Teacher, ManageAssignment) => relation == OwnClass,
        (_, ManageAssignment) => false,
        (Pupil | Teacher | Headteacher | Staff, ViewLibrary) => relation == SameSchool,
        (_, ViewLibrary) => false,
        (Teacher | Headteacher, PublishResource) => relation == SameSchool,
        (_, PublishResource) => false,
        (Teacher, ManageResource) => relation == Myself,
        (Headteacher, ManageResource) => matches!(relation, Myself | SameSchool),
        (_, ManageResource) => false,
        (Teacher | Headteacher | Staff, ViewBookings | Book) => relation == SameSchool,
        (_, ViewBookings | Book) => false,
        (Teacher | Staff, ManageBooking) => relation == Myself,
        (Headteacher, ManageBooking) => matches!(relation, Myself | SameSchool),
        (_, ManageBooking) => false,
        (Headteacher, ManageBookables) => relation == SameSchool,
        (_, ManageBookables) => false,
        (Pupil | Parent | Teacher | Staff, ViewLogbook) => relation == OwnClass,
        (Headteacher, ViewLogbook) => matches!(relation, OwnClass | SameSchool),
        (_, ViewLogbook) => false,
        (Teacher, WriteLogbook) => relation == OwnClass,
        (Headteacher, WriteLogbook) => matches!(relation, OwnClass | SameSchool),
        (_, WriteLogbook) => false,
        (Pupil, TickHomework) => relation == OwnClass,
        (_, TickHomework) => false,
        (Pupil | Parent | Teacher | Headteacher | Staff, ViewNews) => relation == SameSchool,
        (_, ViewNews) => false,
        (Headteacher, PublishNews) => relation == SameSchool,
        (_, PublishNews) => false,
        (Headteacher, ModerateMessages) => relation == SameSchool,
        (_, ModerateMessages) => false,
        (Pupil, ViewLiaison) => relation == Myself,
        (Parent, ViewLiaison | SignLiaison) => relation == OwnChild,
        (Teacher | Staff, ViewLiaison) => relation == OwnClass,
        (Headteacher, ViewLiaison | PostLiaison) => within_school,
        (_, ViewLiaison | SignLiaison) => false,
        (Teacher, PostLiaison) => relation == OwnClass,
        (_, PostLiaison) => false,
        (Headteacher | Technician, ViewProvisioning) => relation == SameSchool,
        (_, ViewProvisioning) => false,
        (TownAgent, ViewSyncState) => matches!(relation, SameSchool | OtherSchool),
        (Headteacher, ViewSyncState) => relation == SameSchool,
        (_, ViewSyncState) => false,
        (Teacher | Headteacher, ViewExerciseBank) => relation == SameSchool,
        (_, ViewExerciseBank) => false,
        (Teacher, EditExercise) => relation == Myself,
        (Headteacher, EditExercise) => matches!(relation, Myself | SameSchool),
        (_, EditExercise) => false,
        (Teacher, SetExercises) => relation == OwnClass,
        (Headteacher, SetExercises) => within_school,
        (_, SetExercises) => false,
        (Pupil, DoExercises) => relation == Myself,
        (_, DoExercises) => false,
        (Pupil, ViewResults) => relation == Myself,
        (Parent, ViewResults) => relation == OwnChild,
        (Teacher, ViewResults) => relation == OwnClass,
        (Headteacher, ViewResults) => within_school,
        (_, ViewResults) => false,
    }
}

/// The access decision used by every route: may `subject` do `action` to `object`?
/// A share can only widen access: the best of the space's relation and the share's counts.
pub fn can(subject: &Subject, action: Action, object: &Object<'_>) -> bool {
    allowed(subject.role, action, relation(subject, object))
        || shared_relation(subject, object)
            .is_some_and(|shared| allowed(subject.role, action, shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, written out: one line per role and action, one mark per relation in
    /// the order self, own child, own class, own group, staff room, shared read-write,
    /// shared read-only, rest of the same school, other school.
    const EXPECTED: &str = "
        Pupil       ViewPortal       . . . . . . . x .
        Pupil       ViewProfile      x . . . . . . . .
        Pupil       ManageAccount    . . . . . . . . .
        Pupil       UnlockAccount    . . . . . . . . .
        Pupil       ViewClass        . . . . . . . . .
        Pupil       PrintLoginCards  . . . . . . . . .
        Pupil       ManageClasses    . . . . . . . . .
        Pupil       ViewAggregates   . . . . . . . . .
        Pupil       ReadDocuments    x . x x . x x . .
        Pupil       WriteDocuments   x . . x . x . . .
        Pupil       ShareDocuments   x . . x . . . . .
        Pupil       ViewAssignment   x . . . . . . . .
        Pupil       HandIn           x . . . . . . . .
        Pupil       ManageAssignment . . . . . . . . .
        Pupil       ViewLibrary      . . . . . . . x .
        Pupil       PublishResource  . . . . . . . . .
        Pupil       ManageResource   . . . . . . . . .
        Pupil       ViewBookings     . . . . . . . . .
        Pupil       Book             . . . . . . . . .
        Pupil       ManageBooking    . . . . . . . . .
        Pupil       ManageBookables  . . . . . . . . .
        Pupil       ViewLogbook      . . x . . . . . .
        Pupil       WriteLogbook     . . . . . . . . .
        Pupil       TickHomework     . . x . . . . . .
        Pupil       ViewNews         . . . . . . . x .
        Pupil       PublishNews      . . . . . . . . .
        Pupil       ModerateMessages . . . . . . . . .
        Pupil       ViewLiaison      x . . . . . . . .
        Pupil       PostLiaison      . . . . . . . . .
        Pupil       SignLiaison      . . . . . . . . .
        Pupil       ViewProvisioning . . . . . . . . .
        Pupil       ViewSyncState    . . . . . . . . .
        Pupil       ViewExerciseBank . . . . . . . . .
        Pupil       EditExercise     . . . . . . . . .
        Pupil       SetExercises     . . . . . . . . .
        Pupil       DoExercises      x . . . . . . . .
        Pupil       ViewResults      x . . . . . . . .
        Parent      ViewPortal       . . . . . . . x .
        Parent      ViewProfile      x x . . . . . . .
        Parent      ManageAccount    . . . . . . . . .
        Parent      UnlockAccount    . . . . . . . . .
        Parent      ViewClass        . . . . . . . . .
        Parent      PrintLoginCards  . . . . . . . . .
        Parent      ManageClasses    . . . . . . . . .
        Parent      ViewAggregates   . . . . . . . . .
        Parent      ReadDocuments    x . . . . x x . .
        Parent      WriteDocuments   x . . . . x . . .
        Parent      ShareDocuments   . . . . . . . . .
        Parent      ViewAssignment   . x . . . . . . .
        Parent      HandIn           . . . . . . . . .
        Parent      ManageAssignment . . . . . . . . .
        Parent      ViewLibrary      . . . . . . . . .
        Parent      PublishResource  . . . . . . . . .
        Parent      ManageResource   . . . . . . . . .
        Parent      ViewBookings     . . . . . . . . .
        Parent      Book             . . . . . . . . .
        Parent      ManageBooking    . . . . . . . . .
        Parent      ManageBookables  . . . . . . . . .
        Parent      ViewLogbook      . . x . . . . . .
        Parent      WriteLogbook     . . . . . . . . .
        Parent      TickHomework     . . . . . . . . .
        Parent      ViewNews         . . . . . . . x .
        Parent      PublishNews      . . . . . . . . .
        Parent      ModerateMessages . . . . . . . . .
        Parent      ViewLiaison      . x . . . . . . .
        Parent      PostLiaison      . . . . . . . . .
        Parent      SignLiaison      . x . . . . . . .
        Parent      ViewProvisioning . . . . . . . . .
        Parent      ViewSyncState    . . . . . . . . .
        Parent      ViewExerciseBank . . . . . . . . .
        Parent      EditExercise     . . . . . . . . .
        Parent      SetExercises     . . . . . . . . .
        Parent      DoExercises      . . . . . . . . .
        Parent      ViewResults      . x . . . . . . .
        Teacher     ViewPortal       . . . . . . . x .
        Teacher     ViewProfile      x x x . . . . . .
        Teacher     ManageAccount    . . . . . . . . .
        Teacher     UnlockAccount    . . x . . . . . .
        Teacher     ViewClass        . . x . . . . . .
        Teacher     PrintLoginCards  . . x . . . . . .
        Teacher     ManageClasses    . . . . . . . . .
        Teacher     ViewAggregates   . . . . . . . . .
        Teacher     ReadDocuments    x . x x x x x . .
        Teacher     WriteDocuments   x . x x x x . . .
        Teacher     ShareDocuments   x . x x x . . . .
        Teacher     ViewAssignment   . . x . . . . . .
        Teacher     HandIn           . . . . . . . . .
        Teacher     ManageAssignment . . x . . . . . .
        Teacher     ViewLibrary      . . . . . . . x .
        Teacher     PublishResource  . . . . . . . x .
        Teacher     ManageResource   x . . . . . . . .
        Teacher     ViewBookings     . . . . . . . x .
        Teacher     Book             . . . . . . . x .
        Teacher     ManageBooking    x . . . . . . . .
        Teacher     ManageBookables  . . . . . . . . .
        Teacher     ViewLogbook      . . x . . . . . .
        Teacher     WriteLogbook     . . x . . . . . .
        Teacher     TickHomework     . . . . . . . . .
        Teacher     ViewNews         . . . . . . . x .
        Teacher     PublishNews      . . . . . . . . .
        Teacher     ModerateMessages . . . . . . . . .
        Teacher     ViewLiaison      . . x . . . . . .
        Teacher     PostLiaison      . . x . . . . . .
        Teacher     SignLiaison      . . . . . . . . .
        Teacher     ViewProvisioning . . . . . . . . .
        Teacher     ViewSyncState    . . . . . . . . .
        Teacher     ViewExerciseBank . . . . . . . x .
        Teacher     EditExercise     x . . . . . . . .
        Teacher     SetExercises     . . x . . . . . .
        Teacher     DoExercises      . . . . . . . . .
        Teacher     ViewResults      . . x . . . . . .
        Headteacher ViewPortal       . . . . . . . x .
        Headteacher ViewProfile      x x x . . . . x .
        Headteacher ManageAccount    x x x . . . . x .
        Headteacher UnlockAccount    . x x . . . . x .
        Headteacher ViewClass        x x x . . . . x .
        Headteacher PrintLoginCards  x x x . . . . x .
        Headteacher ManageClasses    x x x . . . . x .
        Headteacher ViewAggregates   . . . . . . . x .
        Headteacher ReadDocuments    x . x x x x x . .
        Headteacher WriteDocuments   x . x x x x . . .
        Headteacher ShareDocuments   x . x x x . . . .
        Headteacher ViewAssignment   x x x . . . . x .
        Headteacher HandIn           . . . . . . . . .
        Headteacher ManageAssignment x x x . . . . x .
        Headteacher ViewLibrary      . . . . . . . x .
        Headteacher PublishResource  . . . . . . . x .
        Headteacher ManageResource   x . . . . . . x .
        Headteacher ViewBookings     . . . . . . . x .
        Headteacher Book             . . . . . . . x .
        Headteacher ManageBooking    x . . . . . . x .
        Headteacher ManageBookables  . . . . . . . x .
        Headteacher ViewLogbook      . . x . . . . x .
        Headteacher WriteLogbook     . . x . . . . x .
        Headteacher TickHomework     . . . . . . . . .
        Headteacher ViewNews         . . . . . . . x .
        Headteacher PublishNews      . . . . . . . x .
        Headteacher ModerateMessages . . . . . . . x .
        Headteacher ViewLiaison      x x x . . . . x .
        Headteacher PostLiaison      x x x . . . . x .
        Headteacher SignLiaison      . . . . . . . . .
        Headteacher ViewProvisioning . . . . . . . x .
        Headteacher ViewSyncState    . . . . . . . x .
        Headteacher ViewExerciseBank . . . . . . . x .
        Headteacher EditExercise     x . . . . . . x .
        Headteacher SetExercises     x x x . . . . x .
        Headteacher DoExercises      . . . . . . . . .
        Headteacher ViewResults      x x x . . . . x .
        Staff       ViewPortal       . . . . . . . x .
        Staff       ViewProfile      x x x . . . . . .
        Staff       ManageAccount    . . . . . . . . .
        Staff       UnlockAccount    . . . . . . . . .
        Staff       ViewClass        . . x . . . . . .
        Staff       PrintLoginCards  . . . . . . . . .
        Staff       ManageClasses    . . . . . . . . .
        Staff       ViewAggregates   . . . . . . . . .
        Staff       ReadDocuments    x . x x x x x . .
        Staff       WriteDocuments   x . . . x x . . .
        Staff       ShareDocuments   x . . . x . . . .
        Staff       ViewAssignment   . . x . . . . . .
        Staff       HandIn           . . . . . . . . .
        Staff       ManageAssignment . . . . . . . . .
        Staff       ViewLibrary      . . . . . . . x .
        Staff       PublishResource  . . . . . . . . .
        Staff       ManageResource   . . . . . . . . .
        Staff       ViewBookings     . . . . . . . x .
        Staff       Book             . . . . . . . x .
        Staff       ManageBooking    x . . . . . . . .
        Staff       ManageBookables  . . . . . . . . .
        Staff       ViewLogbook      . . x . . . . . .
        Staff       WriteLogbook     . . . . . . . . .
        Staff       TickHomework     . . . . . . . . .
        Staff       ViewNews         . . . . . . . x .
        Staff       PublishNews      . . . . . . . . .
        Staff       ModerateMessages . . . . . . . . .
        Staff       ViewLiaison      . . x . . . . . .
        Staff       PostLiaison      . . . . . . . . .
        Staff       SignLiaison      . . . . . . . . .
        Staff       ViewProvisioning . . . . . . . . .
        Staff       ViewSyncState    . . . . . . . . .
        Staff       ViewExerciseBank . . . . . . . . .
        Staff       EditExercise     . . . . . . . . .
        Staff       SetExercises     . . . . . . . . .
        Staff       DoExercises      . . . . . . . . .
        Staff       ViewResults      . . . . . . . . .
        TownAgent   ViewPortal       . . . . . . . x .
        TownAgent   ViewProfile      x . . . . . . . .
        TownAgent   ManageAccount    . . . . . . . . .
        TownAgent   UnlockAccount    . . . . . . . . x
        TownAgent   ViewClass        . . . . . . . . .
        TownAgent   PrintLoginCards  . . . . . . . . .
        TownAgent   ManageClasses    . . . . . . . . .
        TownAgent   ViewAggregates   . . . . . . . x x
        TownAgent   ReadDocuments    x . . . . x x . .
        TownAgent   WriteDocuments   x . . . . x . . .
        TownAgent   ShareDocuments   . . . . . . . . .
        TownAgent   ViewAssignment   . . . . . . . . .
        TownAgent   HandIn           . . . . . . . . .
        TownAgent   ManageAssignment . . . . . . . . .
        TownAgent   ViewLibrary      . . . . . . . . .
        TownAgent   PublishResource  . . . . . . . . .
        TownAgent   ManageResource   . . . . . . . . .
        TownAgent   ViewBookings     . . . . . . . . .
        TownAgent   Book             . . . . . . . . .
        TownAgent   ManageBooking    . . . . . . . . .
        TownAgent   ManageBookables  . . . . . . . . .
        TownAgent   ViewLogbook      . . . . . . . . .
        TownAgent   WriteLogbook     . . . . . . . . .
        TownAgent   TickHomework     . . . . . . . . .
        TownAgent   ViewNews         . . . . . . . . .
        TownAgent   PublishNews      . . . . . . . . .
        TownAgent   ModerateMessages . . . . . . . . .
        TownAgent   ViewLiaison      . . . . . . . . .
        TownAgent   PostLiaison      . . . . . . . . .
        TownAgent   SignLiaison      . . . . . . . . .
        TownAgent   ViewProvisioning . . . . . . . . .
        TownAgent   ViewSyncState    . . . . . . . x x
        TownAgent   ViewExerciseBank . . . . . . . . .
        TownAgent   EditExercise     . . . . . . . . .
        TownAgent   SetExercises     . . . . . . . . .
        TownAgent   DoExercises      . . . . . . . . .
        TownAgent   ViewResults      . . . . . . . . .
        Technician  ViewPortal       . . . . . . . x .
        Technician  ViewProfile      x . . . . . . . .
        Technician  ManageAccount    . . . . . . . . .
        Technician  UnlockAccount    . . . . . . . . .
        Technician  ViewClass        . . . . . . . . .
        Technician  PrintLoginCards  . . . . . . . . .
        Technician  ManageClasses    . . . . . . . . .
        Technician  ViewAggregates   . . . . . . . . .
        Technician  ReadDocuments    x . . . . x x . .
        Technician  WriteDocuments   x . . . . x . . .
        Technician  ShareDocuments   . . . . . . . . .
        Technician  ViewAssignment   . . . . . . . . .
        Technician  HandIn           . . . . . . . . .
        Technician  ManageAssignment . . . . . . . . .
        Technician  ViewLibrary      . . . . . . . . .
        Technician  PublishResource  . . . . . . . . .
        Technician  ManageResource   . . . . . . . . .
        Technician  ViewBookings     . . . . . . . . .
        Technician  Book             . . . . . . . . .
        Technician  ManageBooking    . . . . . . . . .
        Technician  ManageBookables  . . . . . . . . .
        Technician  ViewLogbook      . . . . . . . . .
        Technician  WriteLogbook     . . . . . . . . .
        Technician  TickHomework     . . . . . . . . .
        Technician  ViewNews         . . . . . . . . .
        Technician  PublishNews      . . . . . . . . .
        Technician  ModerateMessages . . . . . . . . .
        Technician  ViewLiaison      . . . . . . . . .
        Technician  PostLiaison      . . . . . . . . .
        Technician  SignLiaison      . . . . . . . . .
        Technician  ViewProvisioning . . . . . . . x .
        Technician  ViewSyncState    . . . . . . . . .
        Technician  ViewExerciseBank . . . . . . . . .
        Technician  EditExercise     . . . . . . . . .
        Technician  SetExercises     . . . . . . . . .
        Technician  DoExercises      . . . . . . . . .
        Technician  ViewResults      . . . . . . . . .
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
                    "{:<11} {:<16} {}\n",
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
            groups: Vec::new(),
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
