//! What central is entitled to hold: for each replicated record, whether it may leave the box
//! and in which partition of the school (the whole school, a class, or the family of one
//! pupil). Everything else (documents, bookings, staff conversations, the team's news, other
//! staff accounts) never leaves the box.

use preau_core::{
    BlobId, Class, Conversation, FamilyAnswer, LiaisonAudience, LogbookEntry, Message,
    MessagingRules, News, NewsAudience, ParentActivation, ResultsSummary, Role, School, User,
    UserId, Word,
};
use preau_store::record::{Record, decode};
use preau_store::{Reader, StoreError};
use preau_sync::Scope;

/// Whether a conversation has a parent among its participants.
fn with_a_family(r: &Reader, conversation: &Conversation) -> Result<bool, StoreError> {
    for id in &conversation.participants {
        if r.get::<User>(id.0)?.is_some_and(|u| u.role == Role::Parent) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn family(pupil: UserId) -> Scope {
    Scope::Family(pupil.0)
}

/// The partition of the record `kind` stored as `bytes`, or `None` when central may not hold
/// it. `r` is read for what the record refers to (a message's conversation).
pub fn scope_of(r: &Reader, kind: &str, bytes: &[u8]) -> Result<Option<Scope>, StoreError> {
    Ok(match kind {
        // The school, its classes and its communication rules (so that central applies the
        // rules the headteacher set, emergency switch included).
        k if k == School::KIND || k == Class::KIND || k == MessagingRules::KIND => {
            Some(Scope::School)
        }
        k if k == User::KIND => {
            let user: User = decode(bytes)?;
            match user.role {
                Role::Pupil => Some(family(user.id)),
                Role::Parent | Role::Teacher | Role::Headteacher => Some(Scope::School),
                Role::Staff | Role::TownAgent | Role::Technician => None,
            }
        }
        k if k == News::KIND => {
            let news: News = decode(bytes)?;
            match news.audience {
                NewsAudience::Team => None,
                NewsAudience::Families => Some(Scope::School),
                NewsAudience::ClassFamilies(class) => Some(Scope::Class(class.0)),
            }
        }
        k if k == LogbookEntry::KIND => {
            let entry: LogbookEntry = decode(bytes)?;
            Some(Scope::Class(entry.class.0))
        }
        k if k == Word::KIND => {
            let word: Word = decode(bytes)?;
            match word.audience {
                LiaisonAudience::Class(class) => Some(Scope::Class(class.0)),
                LiaisonAudience::Group(_) => Some(Scope::School),
                LiaisonAudience::Pupil(pupil) => Some(family(pupil)),
            }
        }
        k if k == FamilyAnswer::KIND => {
            let answer: FamilyAnswer = decode(bytes)?;
            Some(family(answer.pupil))
        }
        // A pupil's exercise results summary (livret levels, tasks finished): the family's.
        k if k == ResultsSummary::KIND => {
            let summary: ResultsSummary = decode(bytes)?;
            Some(family(summary.pupil))
        }
        k if k == Conversation::KIND => {
            let conversation: Conversation = decode(bytes)?;
            with_a_family(r, &conversation)?.then_some(Scope::School)
        }
        k if k == Message::KIND => {
            let message: Message = decode(bytes)?;
            match r.get::<Conversation>(message.conversation.0)? {
                Some(conversation) if with_a_family(r, &conversation)? => Some(Scope::School),
                _ => None,
            }
        }
        // A parent's pending activation (the code's hash and expiry, never a password
        // hash): so that the school's letter also opens the parent's commune account.
        k if k == ParentActivation::KIND => Some(Scope::School),
        _ => None,
    })
}

/// The file contents (blobs) the replicated record `kind` stored as `bytes` refers to: news
/// files, carnet word and cahier de textes attachments, message attachments. They travel
/// after the record (`docs/sync.md` §12).
pub fn blobs_of(kind: &str, bytes: &[u8]) -> Result<Vec<BlobId>, StoreError> {
    Ok(match kind {
        k if k == News::KIND => decode::<News>(bytes)?
            .files
            .into_iter()
            .map(|f| f.blob)
            .collect(),
        k if k == Word::KIND => decode::<Word>(bytes)?
            .attachments
            .into_iter()
            .map(|a| a.blob)
            .collect(),
        k if k == LogbookEntry::KIND => decode::<LogbookEntry>(bytes)?
            .attachments
            .into_iter()
            .map(|a| a.blob)
            .collect(),
        k if k == Message::KIND => decode::<Message>(bytes)?
            .attachments
            .into_iter()
            .map(|a| a.revision.blob)
            .collect(),
        _ => Vec::new(),
    })
}
