//! Carnet de liaison records (words and the families' answers) and the timelines that find
//! the words of a class and of a pupil by the time they were posted.
//!
//! Both records are replicated (central holds a copy; parents will sign there). Words are
//! never removed: a withdrawn word keeps its row and its timeline places, so that the
//! withdrawal is found like any other change.

use crate::documents::record;
use crate::record::Record;
use crate::{Reader, StoreError, Tables, Timeline, Writer};
use preau_core::{BlobId, ClassId, FamilyAnswer, UserId, Word, WordId};
use redb::TableDefinition;

/// Class → the words reaching its pupils, by posting time.
const BY_CLASS: Timeline = TableDefinition::new("liaison_by_class");
/// Pupil → the words reaching their family, by posting time.
const BY_PUPIL: Timeline = TableDefinition::new("liaison_by_pupil");

record!(Word, "liaison_words", "liaison_word", indexed: false, replicated: true, |w| w.id.0);
record!(FamilyAnswer, "liaison_answers", "liaison_answer", indexed: false, replicated: true, |a| FamilyAnswer::key_of(a.word, a.pupil));

/// Saves a word (new, reminded or withdrawn), keeping both timelines in step.
pub fn save_word(w: &mut Writer, word: &Word) -> Result<(), StoreError> {
    if let Some(old) = w.get::<Word>(word.id.0)? {
        for class in &old.classes {
            w.timeline_remove(BY_CLASS, class.0, old.created_at, old.id.0)?;
        }
        for pupil in &old.pupils {
            w.timeline_remove(BY_PUPIL, pupil.0, old.created_at, old.id.0)?;
        }
    }
    for class in &word.classes {
        w.timeline_add(BY_CLASS, class.0, word.created_at, word.id.0)?;
    }
    for pupil in &word.pupils {
        w.timeline_add(BY_PUPIL, pupil.0, word.created_at, word.id.0)?;
    }
    w.put(word)
}

/// The words reaching a class's pupils (withdrawn ones included), newest first.
pub fn words_of_class(t: &impl Tables, class: ClassId) -> Result<Vec<Word>, StoreError> {
    read_timeline(t, BY_CLASS, class.0)
}

/// The words reaching a pupil's family (withdrawn ones included), newest first.
pub fn words_of_pupil(t: &impl Tables, pupil: UserId) -> Result<Vec<Word>, StoreError> {
    read_timeline(t, BY_PUPIL, pupil.0)
}

fn read_timeline(t: &impl Tables, timeline: Timeline, key: u64) -> Result<Vec<Word>, StoreError> {
    let mut out = Vec::new();
    for id in t
        .timeline(timeline, key, i64::MIN, i64::MAX)?
        .into_iter()
        .rev()
    {
        if let Some(word) = t.get::<Word>(id)? {
            out.push(word);
        }
    }
    Ok(out)
}

/// What the family of `pupil` did with a word, if anything.
pub fn answer_of(
    t: &impl Tables,
    word: WordId,
    pupil: UserId,
) -> Result<Option<FamilyAnswer>, StoreError> {
    Ok(t.get::<FamilyAnswer>(FamilyAnswer::key_of(word, pupil))?
        .filter(|a| a.word == word && a.pupil == pupil))
}

/// Saves a family's answer.
pub fn save_answer(w: &mut Writer, answer: &FamilyAnswer) -> Result<(), StoreError> {
    w.put(answer)
}

/// The blobs attached to words (withdrawn ones included: sync may bring a word back),
/// which the blob collector must keep.
pub fn attachment_blobs(r: &Reader) -> Result<Vec<BlobId>, StoreError> {
    Ok(r.all::<Word>()?
        .into_iter()
        .flat_map(|w| w.attachments.into_iter().map(|a| a.blob))
        .collect())
}
