//! Every URL path of the site, in one place.

/// The portal (or the sign-in page when signed out).
pub const HOME: &str = "/";
/// Sign-in choice and adults' form.
pub const SIGN_IN: &str = "/connexion";
/// Pupils: choose one's class.
pub const PUPIL_CLASSES: &str = "/connexion/eleve";
/// Pupils: choose one's name.
pub const PUPIL_CLASS: &str = "/connexion/eleve/classe/{class}";
/// Pupils: the picture code.
pub const PUPIL_PICTURES: &str = "/connexion/eleve/{pupil}";
/// Pupils: the QR card.
pub const CARD: &str = "/connexion/carte/{secret}";
/// Adults' first sign-in with an activation code.
pub const ACTIVATE: &str = "/activation";
/// The box's setup page: how it was provisioned and the last USB stick's report.
pub const SETUP: &str = "/installation";
/// Sign out.
pub const SIGN_OUT: &str = "/deconnexion";
/// One's own account.
pub const ACCOUNT: &str = "/compte";
/// Change one's password.
pub const ACCOUNT_PASSWORD: &str = "/compte/mot-de-passe";
/// Create an application password (network drive).
pub const ACCOUNT_APP_PASSWORDS: &str = "/compte/mots-de-passe-application";
/// Revoke an application password.
pub const ACCOUNT_APP_PASSWORD_REVOKE: &str = "/compte/mots-de-passe-application/{id}/revoquer";
/// The WebDAV network drive (any method; HTTP Basic with an application password).
pub const DAV: &str = "/dav";
/// The top of the WebDAV network drive.
pub const DAV_ROOT: &str = "/dav/";
/// Anything below the top of the WebDAV network drive.
pub const DAV_ANY: &str = "/dav/{*path}";
/// A person's profile.
pub const PROFILE: &str = "/profil/{id}";
/// A class page (teachers).
pub const CLASS: &str = "/classe/{id}";
/// The printable QR login cards of a class.
pub const CLASS_CARDS: &str = "/classe/{id}/cartes";
/// Unlock an account.
pub const UNLOCK: &str = "/comptes/{id}/debloquer";
/// Accounts (headteacher).
pub const ADMIN_USERS: &str = "/admin/comptes";
/// The rentrée import of ONDE exports (headteacher).
pub const ADMIN_ONDE: &str = "/admin/import-onde";
/// Applies the ONDE import just previewed.
pub const ADMIN_ONDE_APPLY: &str = "/admin/import-onde/appliquer";
/// Accounts export.
pub const ADMIN_USERS_CSV: &str = "/admin/comptes.csv";
/// New account form.
pub const ADMIN_USER_NEW: &str = "/admin/comptes/nouveau";
/// One account.
pub const ADMIN_USER: &str = "/admin/comptes/{id}";
/// Archive an account.
pub const ADMIN_USER_ARCHIVE: &str = "/admin/comptes/{id}/archiver";
/// Restore an archived account.
pub const ADMIN_USER_RESTORE: &str = "/admin/comptes/{id}/restaurer";
/// Reset an account's credentials.
pub const ADMIN_USER_RESET: &str = "/admin/comptes/{id}/reinitialiser";
/// Classes (headteacher).
pub const ADMIN_CLASSES: &str = "/admin/classes";
/// One class (headteacher).
pub const ADMIN_CLASS: &str = "/admin/classes/{id}";
/// Archive a class.
pub const ADMIN_CLASS_ARCHIVE: &str = "/admin/classes/{id}/archiver";
/// Groups (headteacher).
pub const ADMIN_GROUPS: &str = "/admin/groupes";
/// One group.
pub const ADMIN_GROUP: &str = "/admin/groupes/{id}";
/// Document spaces, shares and assignments.
pub const DOCUMENTS: &str = "/documents";
/// A folder.
pub const FOLDER: &str = "/documents/dossier/{id}";
/// Upload files into a folder (multipart).
pub const FOLDER_UPLOAD: &str = "/documents/dossier/{id}/envoyer";
/// Create a folder inside a folder.
pub const FOLDER_NEW: &str = "/documents/dossier/{id}/nouveau-dossier";
/// A folder's or file's page: details, versions, actions.
pub const ITEM: &str = "/documents/element/{id}";
/// Rename.
pub const ITEM_RENAME: &str = "/documents/element/{id}/renommer";
/// Move.
pub const ITEM_MOVE: &str = "/documents/element/{id}/deplacer";
/// Copy.
pub const ITEM_COPY: &str = "/documents/element/{id}/copier";
/// Put in the trash.
pub const ITEM_TRASH: &str = "/documents/element/{id}/supprimer";
/// Take out of the trash.
pub const ITEM_RESTORE: &str = "/documents/element/{id}/restaurer";
/// Delete for good (from the trash).
pub const ITEM_DESTROY: &str = "/documents/element/{id}/supprimer-definitivement";
/// Share.
pub const ITEM_SHARE: &str = "/documents/element/{id}/partager";
/// End a share.
pub const SHARE_END: &str = "/documents/partages/{id}/retirer";
/// Download a file (attachment); `?version=N` for an earlier one.
pub const FILE_DOWNLOAD: &str = "/documents/fichier/{id}/telecharger";
/// Show a file in the browser (allow-listed types only).
pub const FILE_VIEW: &str = "/documents/fichier/{id}/afficher";
/// A file's thumbnail.
pub const FILE_THUMB: &str = "/documents/fichier/{id}/vignette";
/// Make an earlier version current again.
pub const FILE_REVISION_RESTORE: &str = "/documents/fichier/{id}/versions/{n}/restaurer";
/// A space's trash.
pub const TRASH: &str = "/documents/espace/{id}/corbeille";
/// Assignments.
pub const ASSIGNMENTS: &str = "/devoirs";
/// Set an assignment.
pub const ASSIGNMENT_NEW: &str = "/devoirs/nouveau";
/// One assignment.
pub const ASSIGNMENT: &str = "/devoirs/{id}";
/// Hand work in (multipart).
pub const ASSIGNMENT_HAND_IN: &str = "/devoirs/{id}/rendre";
/// A handed-in file.
pub const HANDED_FILE: &str = "/rendus/{id}/fichiers/{n}";
/// Hand work back with a comment.
pub const HAND_BACK: &str = "/rendus/{id}/retour";
/// Search.
pub const SEARCH: &str = "/recherche";
/// Suggestions as one types (JSON).
pub const SEARCH_SUGGEST: &str = "/recherche/suggestions";
/// The library.
pub const LIBRARY: &str = "/bibliotheque";
/// Publish a resource (form; multipart post).
pub const LIBRARY_PUBLISH: &str = "/bibliotheque/publier";
/// Import files or a zip with a CSV of metadata.
pub const LIBRARY_IMPORT: &str = "/bibliotheque/importer";
/// One resource.
pub const RESOURCE: &str = "/bibliotheque/ressources/{id}";
/// Download a resource's file.
pub const RESOURCE_DOWNLOAD: &str = "/bibliotheque/ressources/{id}/telecharger";
/// Show a resource's file in the browser (allow-listed types).
pub const RESOURCE_VIEW: &str = "/bibliotheque/ressources/{id}/afficher";
/// Withdraw a resource.
pub const RESOURCE_WITHDRAW: &str = "/bibliotheque/ressources/{id}/retirer";
/// Add a resource to a collection.
pub const RESOURCE_CURATE: &str = "/bibliotheque/ressources/{id}/collection";
/// Collections: create.
pub const COLLECTIONS: &str = "/bibliotheque/collections";
/// One collection.
pub const COLLECTION: &str = "/bibliotheque/collections/{id}";
/// Booking rooms and equipment: free now, notices, links.
pub const BOOKINGS: &str = "/reservations";
/// The booking form (prefilled from the query) and its post.
pub const BOOK: &str = "/reservations/reserver";
/// A bookable's week (`?semaine=YYYY-MM-DD`).
pub const BOOKABLE_WEEK: &str = "/reservations/ressource/{id}";
/// A bookable's printable week sheet, for the door.
pub const BOOKABLE_SHEET: &str = "/reservations/ressource/{id}/affiche";
/// One's own week of bookings.
pub const MY_WEEK: &str = "/reservations/mon-planning";
/// Someone's week of bookings (headteacher).
pub const PERSON_WEEK: &str = "/reservations/personne/{id}";
/// The school's day (`?date=YYYY-MM-DD`).
pub const SCHOOL_DAY: &str = "/reservations/jour";
/// One booking.
pub const BOOKING: &str = "/reservations/reservation/{id}";
/// Cancel a booking (`series=1`: and the rest of its series).
pub const BOOKING_CANCEL: &str = "/reservations/reservation/{id}/annuler";
/// Move a booking.
pub const BOOKING_MOVE: &str = "/reservations/reservation/{id}/deplacer";
/// Approve or refuse a pending booking.
pub const BOOKING_DECIDE: &str = "/reservations/reservation/{id}/decider";
/// Rooms and equipment (headteacher): list and add.
pub const BOOKABLES: &str = "/reservations/ressources";
/// Change a room or a piece of equipment.
pub const BOOKABLE_EDIT: &str = "/reservations/ressources/{id}";
/// The school calendar and the booking limits.
pub const BOOKING_CALENDAR: &str = "/reservations/calendrier";
/// Dismiss a booking notice.
pub const NOTICE_DISMISS: &str = "/reservations/avis/{id}/lu";
/// Replace one's calendar-feed secret.
pub const MY_FEED_RENEW: &str = "/reservations/mon-agenda/renouveler";
/// An iCalendar feed behind its secret (`{secret}.ics`), outside sessions and CSRF.
pub const FEED: &str = "/agenda/{file}";
/// The school's news.
pub const NEWS: &str = "/actualites";
/// Publish a news item (form; multipart post).
pub const NEWS_NEW: &str = "/actualites/nouvelle";
/// One news item.
pub const NEWS_ITEM: &str = "/actualites/{id}";
/// Change a news item (form; multipart post).
pub const NEWS_EDIT: &str = "/actualites/{id}/modifier";
/// Withdraw a news item.
pub const NEWS_WITHDRAW: &str = "/actualites/{id}/retirer";
/// A file of a news item, by its content digest (always a download).
pub const NEWS_FILE: &str = "/actualites/{id}/fichiers/{blob}";
/// A picture of a news item, re-encoded, by its content digest.
pub const NEWS_PICTURE: &str = "/actualites/{id}/images/{blob}";
/// A picture's thumbnail.
pub const NEWS_THUMB: &str = "/actualites/{id}/vignettes/{blob}";
/// The cahier de textes: one's classes or children (a pupil goes to their own week).
pub const LOGBOOK: &str = "/cahier-de-textes";
/// A class's cahier de textes, by week (`?semaine=YYYY-MM-DD`).
pub const LOGBOOK_CLASS: &str = "/cahier-de-textes/classe/{id}";
/// Write a session in a class's cahier de textes (`?date=YYYY-MM-DD` prefills the day).
pub const LOGBOOK_NEW: &str = "/cahier-de-textes/classe/{id}/nouvelle-seance";
/// Replace a class's homework-feed secret.
pub const LOGBOOK_FEED_RENEW: &str = "/cahier-de-textes/classe/{id}/agenda/renouveler";
/// One session: its page, and its change (post).
pub const LOGBOOK_ENTRY: &str = "/cahier-de-textes/seance/{id}";
/// Delete a session (`suite=1`: and the following ones of its weekly repetition).
pub const LOGBOOK_ENTRY_DELETE: &str = "/cahier-de-textes/seance/{id}/supprimer";
/// A pupil ticks a homework as done (`fait=1`) or not.
pub const LOGBOOK_TICK: &str = "/cahier-de-textes/seance/{id}/fait";
/// A file attached to a session, as it was attached.
pub const LOGBOOK_FILE: &str = "/cahier-de-textes/seance/{id}/fichiers/{n}";
/// A pupil's week of the cahier de textes (`?semaine=YYYY-MM-DD`).
pub const LOGBOOK_PUPIL_WEEK: &str = "/cahier-de-textes/eleve/{id}";
/// A pupil's day of the cahier de textes (`?date=YYYY-MM-DD`).
pub const LOGBOOK_PUPIL_DAY: &str = "/cahier-de-textes/eleve/{id}/jour";
/// A class's homework as an iCalendar feed behind its secret (`{secret}.ics`), outside
/// sessions and CSRF.
pub const LOGBOOK_FEED: &str = "/agenda-devoirs/{file}";
/// Messages: one's conversations, most recent first.
pub const MESSAGES: &str = "/messages";
/// Write a new message (form; multipart post; `?a=ID` chooses a recipient).
pub const MESSAGE_NEW: &str = "/messages/nouveau";
/// The school's communication rules (headteacher).
pub const MESSAGE_RULES: &str = "/messages/regles";
/// Switch the emergency restriction on (`restreindre=1`) or off (headteacher).
pub const MESSAGE_EMERGENCY: &str = "/messages/regles/urgence";
/// The messages reported to the headteacher.
pub const MESSAGE_REPORTS: &str = "/messages/signalements";
/// Let a class's pupils write to each other, or stop it (its teacher).
pub const MESSAGE_CLASSMATES: &str = "/messages/classe/{id}/camarades";
/// One conversation (`?signale=1` after a report).
pub const CONVERSATION: &str = "/messages/{id}";
/// Reply in a conversation (multipart).
pub const CONVERSATION_REPLY: &str = "/messages/{id}/repondre";
/// Report a message to the headteacher.
pub const MESSAGE_REPORT: &str = "/messages/message/{id}/signaler";
/// A file attached to a message, as sent (always a download).
pub const MESSAGE_FILE: &str = "/messages/message/{id}/fichiers/{n}";
/// A picture attached to a message, re-encoded, shown in the conversation.
pub const MESSAGE_PICTURE: &str = "/messages/message/{id}/images/{n}";
/// Exercises: a pupil's tasks, a family's results, a teacher's bank and classes.
pub const EXERCISES: &str = "/exercices";
/// Exercises: a new sequence.
pub const EXERCISE_SEQUENCE_NEW: &str = "/exercices/sequences/nouvelle";
/// Exercises: importing a sequence file (multipart).
pub const EXERCISE_IMPORT: &str = "/exercices/importer";
/// Exercises: a sequence of the bank.
pub const EXERCISE_SEQUENCE: &str = "/exercices/sequences/{id}";
/// Exercises: changing a sequence.
pub const EXERCISE_SEQUENCE_EDIT: &str = "/exercices/sequences/{id}/modifier";
/// Exercises: adding an exercise to a sequence.
pub const EXERCISE_SEQUENCE_ADD: &str = "/exercices/sequences/{id}/exercice";
/// Exercises: taking an exercise out of a sequence (sequence, exercise).
pub const EXERCISE_SEQUENCE_REMOVE: &str = "/exercices/sequences/{id}/retirer/{exercise}";
/// Exercises: copying a sequence to adapt it.
pub const EXERCISE_SEQUENCE_COPY: &str = "/exercices/sequences/{id}/copier";
/// Exercises: a sequence as a file for other schools.
pub const EXERCISE_SEQUENCE_EXPORT: &str = "/exercices/sequences/{id}/exporter";
/// Exercises: publishing a sequence to the library.
pub const EXERCISE_SEQUENCE_PUBLISH: &str = "/exercices/sequences/{id}/publier";
/// Exercises: setting a sequence to pupils of a class (sequence, class).
pub const EXERCISE_ASSIGN: &str = "/exercices/sequences/{id}/donner/{class}";
/// Exercises: an exercise's settings and questions.
pub const EXERCISE: &str = "/exercices/exercice/{id}";
/// Exercises: adding a question (multipart).
pub const EXERCISE_QUESTION_NEW: &str = "/exercices/exercice/{id}/question";
/// Exercises: changing a question (exercise, index; multipart).
pub const EXERCISE_QUESTION: &str = "/exercices/exercice/{id}/question/{n}";
/// Exercises: deleting a question (exercise, index).
pub const EXERCISE_QUESTION_DELETE: &str = "/exercices/exercice/{id}/question/{n}/supprimer";
/// Exercises: moving a question up or down (exercise, index; `sens`).
pub const EXERCISE_QUESTION_MOVE: &str = "/exercices/exercice/{id}/question/{n}/deplacer";
/// Exercises: a question's picture or sound (exercise, SHA-256).
pub const EXERCISE_MEDIA: &str = "/exercices/exercice/{id}/media/{blob}";
/// Exercises: a class's grid of results.
pub const EXERCISE_CLASS: &str = "/exercices/classe/{id}";
/// Exercises: a class's results as CSV.
pub const EXERCISE_CLASS_CSV: &str = "/exercices/classe/{id}/resultats.csv";
/// Exercises: a task (the pupil's screen, or the teacher's figures).
pub const EXERCISE_TASK: &str = "/exercices/travail/{id}";
/// Exercises: starting a task (or starting it again).
pub const EXERCISE_TASK_START: &str = "/exercices/travail/{id}/commencer";
/// Exercises: answering the question on the screen.
pub const EXERCISE_TASK_ANSWER: &str = "/exercices/travail/{id}/repondre";
/// Exercises: withdrawing a task.
pub const EXERCISE_TASK_WITHDRAW: &str = "/exercices/travail/{id}/retirer";
/// Exercises: a teacher's mark of an answer (task, pupil).
pub const EXERCISE_MARK: &str = "/exercices/travail/{id}/eleve/{pupil}/note";
/// Exercises: a pupil's history and livret summary.
pub const EXERCISE_PUPIL: &str = "/exercices/eleve/{id}";
/// Exercises: a pupil's livret level set by hand.
pub const EXERCISE_LIVRET: &str = "/exercices/eleve/{id}/livret";
/// The carnet de liaison: one's classes or children (a pupil goes to their own carnet).
pub const LIAISON: &str = "/carnet-de-liaison";
/// The words posted to a class's families.
pub const LIAISON_CLASS: &str = "/carnet-de-liaison/classe/{id}";
/// Post a word to a class's families, a group's or one pupil's (form and post).
pub const LIAISON_NEW: &str = "/carnet-de-liaison/classe/{id}/nouveau-mot";
/// A pupil's carnet de liaison.
pub const LIAISON_PUPIL: &str = "/carnet-de-liaison/eleve/{id}";
/// One word: its page (with every family for those who follow it).
pub const LIAISON_WORD: &str = "/carnet-de-liaison/mot/{id}";
/// « Vu et signé » for a child (`eleve`, `retour`).
pub const LIAISON_SIGN: &str = "/carnet-de-liaison/mot/{id}/signer";
/// The consent answer for a child (`eleve`, `reponse=oui|non`, `retour`).
pub const LIAISON_CONSENT: &str = "/carnet-de-liaison/mot/{id}/autorisation";
/// The family's one reply for a child (`eleve`, `texte`, `retour`).
pub const LIAISON_REPLY: &str = "/carnet-de-liaison/mot/{id}/repondre";
/// Remind the families still to sign (once a day).
pub const LIAISON_REMIND: &str = "/carnet-de-liaison/mot/{id}/relancer";
/// Withdraw a word.
pub const LIAISON_WITHDRAW: &str = "/carnet-de-liaison/mot/{id}/retirer";
/// Printable paper slips, one per pupil.
pub const LIAISON_SLIPS: &str = "/carnet-de-liaison/mot/{id}/coupons";
/// A file attached to a word.
pub const LIAISON_FILE: &str = "/carnet-de-liaison/mot/{id}/fichiers/{n}";
/// The page explaining how to trust the school's certificate.
pub const CERTIFICATE: &str = "/certificat";
/// The school's CA certificate file.
pub const CERTIFICATE_FILE: &str = "/certificat/preau-ca.crt";
/// Embedded static files.
pub const STATIC: &str = "/static/{file}";

/// Fills the first two `{…}` of a path pattern.
pub fn with2(
    pattern: &str,
    first: impl std::fmt::Display,
    second: impl std::fmt::Display,
) -> String {
    with(&with(pattern, first), second)
}

/// Fills the first `{…}` of a path pattern.
pub fn with(pattern: &str, value: impl std::fmt::Display) -> String {
    match (pattern.find('{'), pattern.find('}')) {
        (Some(start), Some(end)) => {
            format!("{}{}{}", &pattern[..start], value, &pattern[end + 1..])
        }
        _ => pattern.to_string(),
    }
}

/// Whether a path given in a form is a safe place to return to (same site, no scheme).
pub fn is_local(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}

// Central's public site (`preau central`): sign-in, activation and sign-out share the
// box's paths ([`SIGN_IN`], [`ACTIVATE`], [`SIGN_OUT`]); the rest is its own.

/// Central: a signed-in parent links one more school (identifier and code of its letter).
pub const CENTRAL_LINK_SCHOOL: &str = "/ecoles";
/// Central: « Vu et signé » for a child of a school (UAI, word, pupil).
pub const CENTRAL_SIGN: &str = "/ecoles/{uai}/carnet/{word}/{pupil}/signer";
/// Central: the consent answer for a child (UAI, word, pupil; `reponse=oui|non`).
pub const CENTRAL_CONSENT: &str = "/ecoles/{uai}/carnet/{word}/{pupil}/autorisation";
/// Central: the family's one reply for a child (UAI, word, pupil; `texte`).
pub const CENTRAL_REPLY: &str = "/ecoles/{uai}/carnet/{word}/{pupil}/repondre";
/// Central: a file attached to a carnet word (UAI, word, index).
pub const CENTRAL_WORD_FILE: &str = "/ecoles/{uai}/carnet/{word}/fichiers/{n}";
/// Central: a file attached to a cahier de textes entry (UAI, entry, index).
pub const CENTRAL_ENTRY_FILE: &str = "/ecoles/{uai}/cahier-de-textes/{entry}/fichiers/{n}";
/// Central: a file of a news item (UAI, news, SHA-256 of the file).
pub const CENTRAL_NEWS_FILE: &str = "/ecoles/{uai}/actualites/{news}/fichiers/{blob}";
/// Central: a parent's conversations with a school, and the form starting a new one.
pub const CENTRAL_MESSAGES: &str = "/ecoles/{uai}/messages";
/// Central: one conversation (UAI, conversation), and replying in it.
pub const CENTRAL_CONVERSATION: &str = "/ecoles/{uai}/messages/{id}";
/// Central: the town hall's page of the schools attached and their boxes' sync.
pub const CENTRAL_ADMIN: &str = "/mairie";
/// Central: an agent unlocks a commune account locked after failed attempts.
pub const CENTRAL_UNLOCK: &str = "/mairie/comptes/{id}/debloquer";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parameters_and_checks_returns() {
        assert_eq!(with(CLASS_CARDS, 42), "/classe/42/cartes");
        assert!(is_local("/classe/1"));
        assert!(!is_local("//evil.example"));
        assert!(!is_local("https://evil.example"));
    }
}
