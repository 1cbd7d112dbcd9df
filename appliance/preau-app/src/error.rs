//! Application errors. The web layer turns each into a status and a French message.

use preau_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist (or the person may not know it exists).
    #[error("not found")]
    NotFound,
    /// The person may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The input was refused; nothing was changed.
    #[error("invalid input: {0:?}")]
    Invalid(Problem),
    /// Identifier, password, picture code or activation code did not match.
    #[error("wrong credentials")]
    WrongCredentials,
    /// Too many failures: the account must wait this many seconds.
    #[error("account must wait {0} s")]
    Wait(u64),
    /// Too many failures: an adult must unlock the account.
    #[error("account locked")]
    Locked,
    /// Pupils sign in only from the school network.
    #[error("pupil sign-in from outside the school network")]
    OutsideSchoolNetwork,
    /// The account is archived.
    #[error("account archived")]
    Archived,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The disk holding files failed or is full.
    #[error("file storage: {0}")]
    Disk(String),
}

/// A precise reason for refusing input, so that the user can be told what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A required field is empty.
    Missing(&'static str),
    /// A field is too long.
    TooLong(&'static str),
    /// The UAI code is malformed or its check letter is wrong.
    Uai(String),
    /// The sign-in identifier is already taken.
    LoginTaken(String),
    /// The sign-in identifier has forbidden characters.
    LoginShape,
    /// The password is too short (minimum length given).
    PasswordTooShort(usize),
    /// The two passwords typed differ.
    PasswordsDiffer,
    /// A date could not be read.
    Date(&'static str),
    /// A class named in the form does not exist.
    UnknownClass,
    /// A person named in the form does not exist or has the wrong role.
    UnknownPerson,
    /// A class needs at least one level.
    NoLevel,
    /// The picture code needs exactly three pictures.
    PictureCode,
    /// The role cannot be given here.
    Role,
    /// A name has no visible character.
    EmptyName,
    /// Something of that name is already in the folder.
    NameTaken(String),
    /// The space would go over its quota (quota and bytes still free).
    QuotaExceeded {
        /// The quota in bytes.
        quota: u64,
        /// Bytes still free.
        free: u64,
    },
    /// The file is larger than the limit (in bytes).
    FileTooLarge(u64),
    /// A folder cannot go inside itself.
    IntoItself,
    /// The target is not a folder.
    NotAFolder,
    /// No file was sent.
    NoFile,
    /// The share target is not allowed for this person.
    ShareTarget,
    /// The chosen pupils are not in the class.
    Audience,
    /// A web address must start with http:// or https://.
    WebAddress,
    /// The CSV has no column naming the files.
    CsvHeader,
    /// The zip archive is damaged or too large.
    Archive,
    /// Booking times must be quarter hours, the end after the start, within a week.
    BookingTime,
    /// A number field is not a whole number in range.
    Number(&'static str),
    /// A line of the holiday list cannot be read (its number).
    HolidayLine(usize),
    /// The periods of the day cannot be read.
    Periods,
    /// The school is closed then (the day, why).
    SchoolClosed(String, String),
    /// The files of an ONDE preview are no longer kept: they must be sent again.
    OndeExpired,
    /// The emergency restriction is on: only the school staff may send messages.
    MessagingEmergency,
    /// The communication rules do not let the sender write to this person (their name).
    MayNotWrite(String),
    /// The sender wrote too many messages in the last minute or day.
    TooManyMessages,
    /// A recurring booking falls on no school day.
    NoDate,
    /// A recurring booking would have more than this many dates.
    SeriesTooLong(usize),
    /// Bookings cannot start in the past.
    BookingPast,
    /// Teachers may book at most this many days ahead.
    TooFarAhead(u32),
    /// A pool has only this many items.
    Quantity(u32),
    /// Teachers may hold at most this many bookings a week.
    WeeklyLimit(u32),
    /// Not enough items of a pool are free.
    PoolFull {
        /// The pool.
        name: String,
        /// Items still free.
        free: u32,
        /// When ("le mardi 1 décembre 2026 de 9 h 00 à 10 h 00").
        when: String,
    },
    /// There is no class that day (the day, why): cahier de textes.
    NoClassThatDay(String, String),
    /// Homework cannot be due before the session it is given at.
    HomeworkBeforeSession,
    /// A cahier de textes entry needs a session text or homework.
    EmptyEntry,
    /// A weekly entry's last day must follow its first, within a school year.
    RepeatUntil,
    /// A chosen library resource does not exist (any more).
    UnknownResource,
    /// Someone already holds the slot.
    SlotTaken {
        /// What was asked for.
        name: String,
        /// Who holds it.
        holders: Vec<String>,
        /// When ("le mardi 1 décembre 2026 de 9 h 00 à 10 h 00").
        when: String,
    },
    /// A news item carries at most this many files.
    TooManyFiles(usize),
    /// Carnet de liaison: the word reaches no family (no pupil in the chosen audience).
    NoFamilies,
    /// Carnet de liaison: the family already replied to this word.
    AlreadyReplied,
    /// Carnet de liaison: the consent form closed on this day.
    ConsentClosed(String),
    /// Carnet de liaison: a consent deadline cannot be in the past.
    DeadlinePast,
    /// Carnet de liaison: a reminder was already sent today.
    AlreadyRemindedToday,
    /// Carnet de liaison: this word has no consent form.
    NoConsentForm,
    /// ONDE import: this file cannot be imported (unreadable, or lines left out).
    OndeRefused(String),
    /// ONDE import: the directory changed since the preview was computed.
    OndeChanged,
    /// Exercises: what was typed into a question cannot be read.
    Question(preau_core::exercises::editor::EditError),
    /// Exercises: this question was already answered (a page sent twice, or an old tab).
    AlreadyAnswered,
    /// Exercises: the task is not open (not yet, or withdrawn).
    TaskClosed,
    /// Exercises: a sequence needs at least one exercise, each with a question.
    NothingToDo,
    /// Exercises: the due date is before the opening date.
    DueBeforeOpening,
    /// Exercises: the competence code is not one of the programmes'.
    UnknownCompetence,
    /// Exercises: a sound must be a sound file, a picture a picture.
    MediaKind,
    /// Exercises: the file is not a Préau exercise file, or it is damaged.
    ExerciseFile,
    /// Exercises: pupils answered this exercise, so its questions cannot be deleted, moved or
    /// changed into another kind.
    QuestionsAnswered,
}
