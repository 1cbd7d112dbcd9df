//! Préau's vocabulary and rules.
//!
//! Everything here is pure: no IO, no clock (times are passed in as Unix seconds or dates),
//! so that every rule can be tested exhaustively and reused by the box and by central.

pub mod access;
pub mod auth;
pub mod booking;
pub mod calendar;
pub mod directory;
pub mod documents;
pub mod exercises;
pub mod ids;
pub mod level;
pub mod liaison;
pub mod library;
pub mod lockout;
pub mod logbook;
pub mod messaging;
pub mod news;
pub mod role;
pub mod school_year;
pub mod uai;

pub use access::{Action, Object, Relation, Subject, can};
pub use auth::{
    AuditEntry, CommuneAccount, CommuneRole, Credentials, ParentActivation, SchoolLink, Session,
};
pub use booking::{
    Bookable, BookableId, BookableKind, Booking, BookingId, BookingNotice, BookingSettings,
    BookingStatus, NoticeId, PersonFeed, Series, SeriesId,
};
pub use calendar::{Closure, Holiday, Period, Recurrence, SchoolCalendar, Zone};
pub use directory::{Class, Group, School, User};
pub use documents::{
    Assignment, AssignmentId, Audience, BlobId, HandBack, HandIn, HandInId, HandedFile, Node,
    NodeId, NodeKind, Revision, Share, ShareId, ShareTarget, Space, SpaceId, SpaceOwner,
};
pub use exercises::{
    Attempt, Exercise, ExerciseId, Given, Mode, Question, QuestionKind, ResultsSummary, Sequence,
    SequenceId, Task, TaskId,
};
pub use ids::{ClassId, GroupId, UserId};
pub use level::Level;
pub use liaison::{
    Consent, ConsentForm, FamilyAnswer, LiaisonAudience, Mark, Reminder, Reply, Word, WordId,
};
pub use library::{
    Collection, CollectionId, Discipline, ExtractionFailure, Resource, ResourceContent, ResourceId,
    ResourceKind,
};
pub use logbook::{
    Attachment, EntryId, EntrySeriesId, Homework, HomeworkTick, LogbookEntry, LogbookFeed, RichText,
};
pub use messaging::{
    Channel, Conversation, ConversationId, Inbox, Message, MessageId, MessageReport,
    MessagingRules, ReportId,
};
pub use news::{News, NewsAudience, NewsFile, NewsId};
pub use role::Role;
pub use school_year::SchoolYear;
pub use uai::Uai;
