//! Sharing exercises: copying a colleague's sequence to adapt it, exporting a sequence as
//! a file other schools import, publishing it to the school's library.
//!
//! # The exercise file
//!
//! An exported sequence is a zip named `<title>.preau-exercices.zip` holding:
//!
//! * `sequence.json` ([`MAX_JSON_BYTES`] at most), format `"preau-exercices"`, version 1:
//!
//!   ```json
//!   {
//!     "format": "preau-exercices",
//!     "version": 1,
//!     "title": "Les homophones a / à",
//!     "lesson": "the lesson as the teacher typed it (sanitised again on import)",
//!     "levels": ["CE1", "CE2"],
//!     "discipline": "francais",
//!     "exercises": [
//!       {
//!         "title": "…", "instruction": "…", "competence": "code or null",
//!         "mastery_after": 3, "easier": 2,
//!         "questions": [
//!           {
//!             "prompt": "…", "hint": "…",
//!             "image": { "sha256": "<64 hex>", "mime": "image/png" },
//!             "audio": null,
//!             "accents_forgiven": false, "case_forgiven": true,
//!             "answer": { "kind": "qcm", "several": false,
//!                         "choices": [{ "text": "…", "right": true, "image": null }] }
//!           }
//!         ]
//!       }
//!     ],
//!     "variants": []
//!   }
//!   ```
//!
//!   `exercises` are the sequence's, in order; `variants` the easier variants that are not
//!   in the sequence. `easier` is an index in `exercises` followed by `variants`. An
//!   `answer` is one of `{"kind": "qcm", "choices", "several"}`, `{"kind": "trous",
//!   "segments": [{"text": "…"} | {"blank": ["variant", …]}]}`, `{"kind": "relier",
//!   "pairs": [["left", "right"], …]}`, `{"kind": "ordre", "items"}` and `{"kind":
//!   "reponse", "accepted", "numeric"}`. Levels and subjects are their codes. No id of
//!   the school, no author and nothing about pupils is written.
//! * `media/<sha256 hex>`: each picture and sound, named by the SHA-256 of its bytes.
//!
//! Importing reads at most [`MAX_ENTRIES`] entries and [`MAX_INFLATED`] bytes in all
//! ([`MAX_MEDIA_BYTES`] per media), counted as they inflate whatever the archive declares;
//! every question goes through the editor's syntax again ([`editor::to_text`] then
//! [`editor::parse`]) and must read back the same; media types come from their bytes.
//! Anything wrong refuses the whole file with [`Problem::ExerciseFile`] and saves nothing.

use super::bank::{title_of, within};
use crate::documents::Received;
use crate::logbook::rich;
use crate::media::{self, Inline};
use crate::rich_text;
use crate::{App, AppError, Problem};
use preau_core::exercises::{
    Choice, MAX_EXERCISES, MAX_LESSON, MAX_PROMPT, MAX_QUESTIONS, MAX_TITLE, Media, Segment,
    Tolerance, competences, editor,
};
use preau_core::{
    BlobId, Discipline, Exercise, ExerciseId, Level, Question, QuestionKind, Resource,
    ResourceContent, ResourceId, ResourceKind, Sequence, SequenceId, Subject,
};
use preau_store::Tables;
use preau_store::schema::random_u64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufReader, Cursor, Read, Write};

/// The format name written in `sequence.json`.
pub const FORMAT: &str = "preau-exercices";
/// The version of the format written (and the only one read).
pub const VERSION: u32 = 1;
/// How the names of exercise files end.
pub const FILE_SUFFIX: &str = ".preau-exercices.zip";
/// Most entries in an exercise file.
pub const MAX_ENTRIES: usize = 200;
/// Most bytes inflated from an exercise file, all entries together.
pub const MAX_INFLATED: u64 = 50 * 1024 * 1024;
/// Most bytes of one picture or sound.
pub const MAX_MEDIA_BYTES: u64 = 10 * 1024 * 1024;
/// Most bytes of `sequence.json`.
pub const MAX_JSON_BYTES: u64 = 2 * 1024 * 1024;
/// Longest description of a published sequence, in characters.
const MAX_DESCRIPTION: usize = 500;
/// The name of the sequence's entry in the zip.
const SEQUENCE_JSON: &str = "sequence.json";
/// The folder of the media entries in the zip.
const MEDIA_DIR: &str = "media/";

/// `sequence.json`: a sequence and its exercises.
#[derive(Debug, Serialize, Deserialize)]
struct SequenceFile {
    /// Always [`FORMAT`].
    format: String,
    /// [`VERSION`].
    version: u32,
    /// The sequence's title.
    title: String,
    /// The lesson as typed.
    #[serde(default)]
    lesson: String,
    /// Level codes ("CP").
    #[serde(default)]
    levels: Vec<String>,
    /// Subject code ("francais").
    #[serde(default)]
    discipline: Option<String>,
    /// The sequence's exercises, in order.
    #[serde(default)]
    exercises: Vec<ExerciseFile>,
    /// Easier variants that are not in the sequence.
    #[serde(default)]
    variants: Vec<ExerciseFile>,
}

/// An exercise in the file.
#[derive(Debug, Serialize, Deserialize)]
struct ExerciseFile {
    title: String,
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    competence: Option<String>,
    #[serde(default = "default_mastery")]
    mastery_after: u8,
    /// Index of the easier variant in `exercises` then `variants`.
    #[serde(default)]
    easier: Option<usize>,
    #[serde(default)]
    questions: Vec<QuestionFile>,
}

fn default_mastery() -> u8 {
    preau_core::exercises::DEFAULT_MASTERY_AFTER
}

/// A question in the file.
#[derive(Debug, Serialize, Deserialize)]
struct QuestionFile {
    #[serde(default)]
    prompt: String,
    #[serde(default)]
    hint: String,
    #[serde(default)]
    image: Option<MediaFile>,
    #[serde(default)]
    audio: Option<MediaFile>,
    #[serde(default)]
    accents_forgiven: bool,
    #[serde(default)]
    case_forgiven: bool,
    answer: AnswerFile,
}

/// A picture or sound: its digest (the entry `media/<sha256>`) and type.
#[derive(Debug, Serialize, Deserialize)]
struct MediaFile {
    sha256: String,
    /// Informative only: the type is read again from the bytes.
    #[serde(default)]
    mime: String,
}

/// A question's kind and right answers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind")]
enum AnswerFile {
    #[serde(rename = "qcm")]
    Choice {
        choices: Vec<ChoiceFile>,
        #[serde(default)]
        several: bool,
    },
    #[serde(rename = "trous")]
    Blanks { segments: Vec<SegmentFile> },
    #[serde(rename = "relier")]
    Matching { pairs: Vec<(String, String)> },
    #[serde(rename = "ordre")]
    Order { items: Vec<String> },
    #[serde(rename = "reponse")]
    Short {
        accepted: Vec<String>,
        #[serde(default)]
        numeric: bool,
    },
}

/// A choice of a multiple-choice question.
#[derive(Debug, Serialize, Deserialize)]
struct ChoiceFile {
    text: String,
    #[serde(default)]
    right: bool,
    #[serde(default)]
    image: Option<MediaFile>,
}

/// A piece of a fill-in-the-blanks text.
#[derive(Debug, Serialize, Deserialize)]
enum SegmentFile {
    #[serde(rename = "text")]
    Text(String),
    #[serde(rename = "blank")]
    Blank(Vec<String>),
}

/// The refusal of an exercise file.
fn refused() -> AppError {
    AppError::Invalid(Problem::ExerciseFile)
}

fn disk(e: impl std::fmt::Display) -> AppError {
    AppError::Disk(e.to_string())
}

/// A sequence's exercises (first occurrences, in order) then the easier variants they lead
/// to that are not in the sequence (at most [`MAX_EXERCISES`]); only this school's.
fn gather(
    t: &impl Tables,
    uai: &str,
    sequence: &Sequence,
) -> Result<(Vec<Exercise>, Vec<Exercise>), AppError> {
    let get = |id: ExerciseId| -> Result<Option<Exercise>, AppError> {
        Ok(t.get::<Exercise>(id.0)?.filter(|e| e.school == uai))
    };
    let mut seen = HashSet::new();
    let mut main = Vec::new();
    for id in &sequence.exercises {
        if !seen.insert(*id) {
            continue;
        }
        if let Some(e) = get(*id)? {
            main.push(e);
        }
    }
    let mut queue: VecDeque<ExerciseId> = main.iter().filter_map(|e| e.easier).collect();
    let mut variants = Vec::new();
    while let Some(id) = queue.pop_front() {
        if variants.len() >= MAX_EXERCISES {
            break;
        }
        if !seen.insert(id) {
            continue;
        }
        if let Some(e) = get(id)? {
            queue.extend(e.easier);
            variants.push(e);
        }
    }
    Ok((main, variants))
}

/// The words the search index reads for a published sequence: its lesson, then each
/// exercise's title, instruction and what its questions show a pupil (prompts, choices, the
/// text around blanks, pairs, items) — never the answers typed into blanks or short answers,
/// which a pupil could otherwise look up.
pub(crate) fn sequence_text(t: &impl Tables, id: SequenceId) -> Result<String, AppError> {
    let Some(sequence) = t.get::<Sequence>(id.0)? else {
        return Ok(String::new());
    };
    let mut parts = vec![rich_text::to_plain(&sequence.lesson.html)];
    for eid in &sequence.exercises {
        let Some(e) = t.get::<Exercise>(eid.0)? else {
            continue;
        };
        parts.push(e.title);
        parts.push(e.instruction);
        for q in e.questions {
            parts.push(q.prompt);
            match q.kind {
                QuestionKind::Choice { choices, .. } => {
                    parts.extend(choices.into_iter().map(|c| c.text));
                }
                QuestionKind::Blanks { segments } => {
                    for s in segments {
                        match s {
                            Segment::Text(t) => parts.push(t),
                            Segment::Blank(_) => {}
                        }
                    }
                }
                QuestionKind::Matching { pairs } => {
                    for (l, r) in pairs {
                        parts.push(l);
                        parts.push(r);
                    }
                }
                QuestionKind::Order { items } => parts.extend(items),
                QuestionKind::Short { .. } => {}
            }
        }
    }
    parts.retain(|p| !p.trim().is_empty());
    Ok(parts.join("\n"))
}

/// A file name from a title: ASCII letters, digits and dashes, ending in [`FILE_SUFFIX`].
fn file_name(title: &str) -> String {
    let plain = preau_core::exercises::marking::normalise(
        title,
        preau_core::exercises::Tolerance {
            accents: true,
            case: false,
        },
    );
    let mut out = String::new();
    for c in plain.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        if out.len() >= 80 {
            break;
        }
        out.push(c);
    }
    let stem = out.trim_end_matches('-');
    let stem = if stem.is_empty() { "sequence" } else { stem };
    format!("{stem}{FILE_SUFFIX}")
}

/// Collects the media of an export, by digest.
#[derive(Default)]
struct MediaSet(BTreeMap<String, BlobId>);

impl MediaSet {
    fn add(&mut self, m: &Media) -> MediaFile {
        let hex = m.blob.hex();
        self.0.insert(hex.clone(), m.blob);
        MediaFile {
            sha256: hex,
            mime: m.mime.clone(),
        }
    }

    fn add_opt(&mut self, m: Option<&Media>) -> Option<MediaFile> {
        m.map(|m| self.add(m))
    }
}

fn answer_file(kind: &QuestionKind, media: &mut MediaSet) -> AnswerFile {
    match kind {
        QuestionKind::Choice { choices, several } => AnswerFile::Choice {
            choices: choices
                .iter()
                .map(|c| ChoiceFile {
                    text: c.text.clone(),
                    right: c.right,
                    image: media.add_opt(c.image.as_ref()),
                })
                .collect(),
            several: *several,
        },
        QuestionKind::Blanks { segments } => AnswerFile::Blanks {
            segments: segments
                .iter()
                .map(|s| match s {
                    Segment::Text(t) => SegmentFile::Text(t.clone()),
                    Segment::Blank(v) => SegmentFile::Blank(v.clone()),
                })
                .collect(),
        },
        QuestionKind::Matching { pairs } => AnswerFile::Matching {
            pairs: pairs.clone(),
        },
        QuestionKind::Order { items } => AnswerFile::Order {
            items: items.clone(),
        },
        QuestionKind::Short { accepted, numeric } => AnswerFile::Short {
            accepted: accepted.clone(),
            numeric: *numeric,
        },
    }
}

fn exercise_file(
    e: &Exercise,
    index: &HashMap<ExerciseId, usize>,
    media: &mut MediaSet,
) -> ExerciseFile {
    ExerciseFile {
        title: e.title.clone(),
        instruction: e.instruction.clone(),
        competence: e.competence.clone(),
        mastery_after: e.mastery_after,
        easier: e.easier.and_then(|id| index.get(&id).copied()),
        questions: e
            .questions
            .iter()
            .map(|q| QuestionFile {
                prompt: q.prompt.clone(),
                hint: q.hint.clone(),
                image: media.add_opt(q.image.as_ref()),
                audio: media.add_opt(q.audio.as_ref()),
                accents_forgiven: q.tolerance.accents,
                case_forgiven: q.tolerance.case,
                answer: answer_file(&q.kind, media),
            })
            .collect(),
    }
}

/// The media read from an exercise file: digest → bytes and the type read from them.
type MediaEntries = HashMap<String, (Vec<u8>, String)>;

/// What was read from an exercise file, before anything is stored.
struct Unpacked {
    json: Vec<u8>,
    media: MediaEntries,
}

/// Reads the entries of an exercise file within the bounds of the module's doc.
fn unpack(archive: impl Read + std::io::Seek) -> Result<Unpacked, AppError> {
    let mut zip = zip::ZipArchive::new(archive).map_err(|_| refused())?;
    if zip.len() > MAX_ENTRIES {
        return Err(refused());
    }
    let mut json = None;
    let mut media = MediaEntries::new();
    let mut inflated = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| refused())?;
        let name = entry.name().map_err(|_| refused())?.into_owned();
        if entry.is_dir() {
            if name == MEDIA_DIR {
                continue;
            }
            return Err(refused());
        }
        let (limit, hex) = if name == SEQUENCE_JSON {
            if json.is_some() {
                return Err(refused());
            }
            (MAX_JSON_BYTES, None)
        } else {
            let hex = name.strip_prefix(MEDIA_DIR).ok_or_else(refused)?;
            let canonical = BlobId::from_hex(hex).is_some_and(|id| id.hex() == hex);
            if !canonical || media.contains_key(hex) {
                return Err(refused());
            }
            (MAX_MEDIA_BYTES, Some(hex.to_string()))
        };
        let limit = limit.min(MAX_INFLATED - inflated);
        let mut bytes = Vec::new();
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|_| refused())?;
        let size = bytes.len() as u64;
        if size > limit {
            return Err(refused());
        }
        inflated += size;
        match hex {
            None => json = Some(bytes),
            Some(hex) => {
                let digest: [u8; 32] = Sha256::digest(&bytes).into();
                if BlobId(digest).hex() != hex {
                    return Err(refused());
                }
                let mime = media::detect_mime("", &bytes);
                media.insert(hex, (bytes, mime));
            }
        }
    }
    Ok(Unpacked {
        json: json.ok_or_else(refused)?,
        media,
    })
}

/// Checks the media an imported question refers to: present in the file and of `kind`.
fn checked_media(
    file: Option<&MediaFile>,
    kind: Inline,
    entries: &MediaEntries,
    used: &mut BTreeMap<String, BlobId>,
) -> Result<Option<Media>, AppError> {
    let Some(file) = file else {
        return Ok(None);
    };
    let (_, mime) = entries.get(&file.sha256).ok_or_else(refused)?;
    if !super::bank::media_fits(mime, kind) {
        return Err(refused());
    }
    let blob = BlobId::from_hex(&file.sha256).ok_or_else(refused)?;
    used.insert(file.sha256.clone(), blob);
    Ok(Some(Media {
        blob,
        mime: mime.clone(),
    }))
}

/// A question of the file as the editor would have made it, or a refusal.
fn checked_question(
    q: &QuestionFile,
    entries: &MediaEntries,
    used: &mut BTreeMap<String, BlobId>,
) -> Result<Question, AppError> {
    let prompt = q.prompt.trim();
    let hint = q.hint.trim();
    if prompt.chars().count() > MAX_PROMPT || hint.chars().count() > MAX_PROMPT {
        return Err(refused());
    }
    let mut images = Vec::new();
    let kind = match &q.answer {
        AnswerFile::Choice { choices, several } => {
            let mut list = Vec::new();
            for c in choices.iter().take(preau_core::exercises::MAX_PARTS + 1) {
                images.push(checked_media(
                    c.image.as_ref(),
                    Inline::Image,
                    entries,
                    used,
                )?);
                list.push(Choice {
                    text: c.text.clone(),
                    image: None,
                    right: c.right,
                });
            }
            if list.len() != choices.len() {
                return Err(refused());
            }
            QuestionKind::Choice {
                choices: list,
                several: *several,
            }
        }
        AnswerFile::Blanks { segments } => QuestionKind::Blanks {
            segments: segments
                .iter()
                .map(|s| match s {
                    SegmentFile::Text(t) => Segment::Text(t.clone()),
                    SegmentFile::Blank(v) => Segment::Blank(v.clone()),
                })
                .collect(),
        },
        AnswerFile::Matching { pairs } => QuestionKind::Matching {
            pairs: pairs.clone(),
        },
        AnswerFile::Order { items } => QuestionKind::Order {
            items: items.clone(),
        },
        AnswerFile::Short { accepted, numeric } => QuestionKind::Short {
            accepted: accepted.clone(),
            numeric: *numeric,
        },
    };
    let text = editor::to_text(&kind);
    if text.chars().count() > MAX_PROMPT * 4 {
        return Err(refused());
    }
    let numeric = matches!(kind, QuestionKind::Short { numeric: true, .. });
    let mut parsed = editor::parse(kind.code(), &text, numeric).map_err(|_| refused())?;
    if parsed != kind {
        return Err(refused());
    }
    if let QuestionKind::Choice { choices, .. } = &mut parsed {
        for (choice, image) in choices.iter_mut().zip(images) {
            choice.image = image;
        }
    }
    let image = checked_media(q.image.as_ref(), Inline::Image, entries, used)?;
    let audio = checked_media(q.audio.as_ref(), Inline::Audio, entries, used)?;
    if prompt.is_empty() && audio.is_none() && !matches!(parsed, QuestionKind::Blanks { .. }) {
        return Err(refused());
    }
    Ok(Question {
        prompt: prompt.to_string(),
        audio,
        image,
        hint: hint.to_string(),
        kind: parsed,
        tolerance: Tolerance {
            accents: q.accents_forgiven,
            case: q.case_forgiven,
        },
    })
}

/// An exercise of the file, checked as the editor would (ids, school, author, levels and
/// easier variant set by the caller).
fn checked_exercise(
    e: &ExerciseFile,
    entries: &MediaEntries,
    used: &mut BTreeMap<String, BlobId>,
) -> Result<Exercise, AppError> {
    let title = title_of(&e.title).map_err(|_| refused())?;
    let instruction = e.instruction.trim();
    within(instruction, MAX_PROMPT, "consigne").map_err(|_| refused())?;
    let competence = match &e.competence {
        None => None,
        Some(code) if code.trim().is_empty() => None,
        Some(code) => Some(
            competences::find(code.trim())
                .ok_or_else(refused)?
                .code
                .to_string(),
        ),
    };
    if !(1..=20).contains(&e.mastery_after) || e.questions.len() > MAX_QUESTIONS {
        return Err(refused());
    }
    let questions = e
        .questions
        .iter()
        .map(|q| checked_question(q, entries, used))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Exercise {
        id: ExerciseId(0),
        school: String::new(),
        title,
        instruction: instruction.to_string(),
        questions,
        levels: Vec::new(),
        discipline: None,
        competence,
        mastery_after: e.mastery_after,
        easier: None,
        author: preau_core::UserId(0),
        copied_from: None,
        created_at: 0,
        updated_at: 0,
    })
}

/// « <title> (copie) », shortened to fit [`MAX_TITLE`].
fn copy_title(title: &str) -> String {
    const SUFFIX: &str = " (copie)";
    let keep = MAX_TITLE.saturating_sub(SUFFIX.chars().count());
    let base: String = title.chars().take(keep).collect();
    format!("{}{SUFFIX}", base.trim_end())
}

/// The first [`MAX_DESCRIPTION`] characters of the lesson's text, on one line.
fn description_of(sequence: &Sequence) -> String {
    let text = rich_text::to_plain(&sequence.lesson.html);
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words.join(" ");
    if text.chars().count() <= MAX_DESCRIPTION {
        return text;
    }
    let cut: String = text.chars().take(MAX_DESCRIPTION - 1).collect();
    format!("{}…", cut.trim_end())
}

impl App {
    /// Copies a sequence of the school (a colleague's) with its exercises and their easier
    /// variants, as `me`'s own: new ids, « (copie) » added to the title, not published,
    /// pictures and sounds shared. The original is left untouched.
    pub fn copy_sequence(&self, me: &Subject, id: SequenceId) -> Result<Sequence, AppError> {
        self.check_exercise_bank(me)?;
        let uai = self.directory().uai().to_string();
        let now = self.now();
        self.store.write(|w| -> Result<_, AppError> {
            let original = w
                .get::<Sequence>(id.0)?
                .filter(|s| s.school == uai)
                .ok_or(AppError::NotFound)?;
            let (main, variants) = gather(w, &uai, &original)?;
            let ids: HashMap<ExerciseId, ExerciseId> = main
                .iter()
                .chain(&variants)
                .map(|e| (e.id, ExerciseId(random_u64())))
                .collect();
            for e in main.iter().chain(&variants) {
                let copy = Exercise {
                    id: ids[&e.id],
                    author: me.user,
                    copied_from: Some(e.id),
                    easier: e.easier.and_then(|x| ids.get(&x).copied()),
                    created_at: now,
                    updated_at: now,
                    ..e.clone()
                };
                w.put(&copy)?;
            }
            let copy = Sequence {
                id: SequenceId(random_u64()),
                school: uai.clone(),
                title: copy_title(&original.title),
                lesson: original.lesson.clone(),
                exercises: main.iter().map(|e| ids[&e.id]).collect(),
                levels: original.levels.clone(),
                discipline: original.discipline,
                author: me.user,
                published: None,
                created_at: now,
                updated_at: now,
            };
            w.put(&copy)?;
            Ok(copy)
        })
    }

    /// Exports a sequence as an exercise file (see the module's doc): its file name and
    /// bytes.
    pub fn export_sequence(
        &self,
        me: &Subject,
        id: SequenceId,
    ) -> Result<(String, Vec<u8>), AppError> {
        self.check_exercise_bank(me)?;
        let sequence = self.load_sequence(id)?;
        let uai = self.directory().uai().to_string();
        let (main, variants) = gather(&self.store.read()?, &uai, &sequence)?;
        let index: HashMap<ExerciseId, usize> = main
            .iter()
            .chain(&variants)
            .enumerate()
            .map(|(i, e)| (e.id, i))
            .collect();
        let mut media = MediaSet::default();
        let file = SequenceFile {
            format: FORMAT.into(),
            version: VERSION,
            title: sequence.title.clone(),
            lesson: sequence.lesson.typed.clone(),
            levels: sequence.levels.iter().map(|l| l.code().into()).collect(),
            discipline: sequence.discipline.map(|d| d.code().into()),
            exercises: main
                .iter()
                .map(|e| exercise_file(e, &index, &mut media))
                .collect(),
            variants: variants
                .iter()
                .map(|e| exercise_file(e, &index, &mut media))
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(disk)?;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file(SEQUENCE_JSON, deflated).map_err(disk)?;
        zip.write_all(&json).map_err(disk)?;
        for (hex, blob) in &media.0 {
            let mut source = BufReader::new(self.open_blob(blob)?);
            zip.start_file(format!("{MEDIA_DIR}{hex}"), stored)
                .map_err(disk)?;
            std::io::copy(&mut source, &mut zip).map_err(disk)?;
        }
        let bytes = zip.finish().map_err(disk)?.into_inner();
        Ok((file_name(&sequence.title), bytes))
    }

    /// Imports an exercise file received from another school (or this one) as a new
    /// sequence of `me`'s; a file that is not one, is damaged, goes over a bound or holds
    /// anything the editor would refuse is refused whole ([`Problem::ExerciseFile`]).
    pub fn import_sequence(&self, me: &Subject, file: &Received) -> Result<Sequence, AppError> {
        self.check_exercise_bank(me)?;
        if file.blob.size > MAX_INFLATED + MAX_JSON_BYTES {
            return Err(refused());
        }
        let archive = BufReader::new(self.open_blob(&file.blob.id)?);
        let unpacked = unpack(archive)?;
        let parsed: SequenceFile = serde_json::from_slice(&unpacked.json).map_err(|_| refused())?;
        if parsed.format != FORMAT || parsed.version != VERSION {
            return Err(refused());
        }
        let title = title_of(&parsed.title).map_err(|_| refused())?;
        if parsed.lesson.chars().count() > MAX_LESSON {
            return Err(refused());
        }
        let mut levels = Vec::new();
        for code in parsed.levels.iter().take(Level::ALL.len() + 1) {
            levels.push(Level::from_code(code).ok_or_else(refused)?);
        }
        if levels.len() != parsed.levels.len() {
            return Err(refused());
        }
        levels.sort();
        levels.dedup();
        let discipline = match &parsed.discipline {
            None => None,
            Some(code) => Some(
                Discipline::ALL
                    .into_iter()
                    .find(|d| d.code() == code)
                    .ok_or_else(refused)?,
            ),
        };
        if parsed.exercises.len() > MAX_EXERCISES || parsed.variants.len() > MAX_EXERCISES {
            return Err(refused());
        }
        let all: Vec<&ExerciseFile> = parsed.exercises.iter().chain(&parsed.variants).collect();
        let mut used = BTreeMap::new();
        let mut exercises = all
            .iter()
            .map(|e| checked_exercise(e, &unpacked.media, &mut used))
            .collect::<Result<Vec<_>, _>>()?;
        let uai = self.directory().uai().to_string();
        let now = self.now();
        let ids: Vec<ExerciseId> = all.iter().map(|_| ExerciseId(random_u64())).collect();
        for (i, (exercise, source)) in exercises.iter_mut().zip(&all).enumerate() {
            exercise.easier = match source.easier {
                None => None,
                Some(j) if j != i => Some(*ids.get(j).ok_or_else(refused)?),
                Some(_) => return Err(refused()),
            };
            exercise.id = ids[i];
            exercise.school = uai.clone();
            exercise.levels = levels.clone();
            exercise.discipline = discipline;
            exercise.author = me.user;
            exercise.created_at = now;
            exercise.updated_at = now;
        }
        // Everything is checked: store the media, then the records in one transaction.
        for (hex, blob) in &used {
            let (bytes, _) = unpacked.media.get(hex).ok_or_else(refused)?;
            let mut writer = self.blobs.writer(MAX_MEDIA_BYTES).map_err(disk)?;
            writer.write(bytes).map_err(disk)?;
            writer.finish_as(blob).map_err(disk)?.ok_or_else(refused)?;
        }
        let sequence = Sequence {
            id: SequenceId(random_u64()),
            school: uai,
            title,
            lesson: rich(&parsed.lesson),
            exercises: ids.iter().take(parsed.exercises.len()).copied().collect(),
            levels,
            discipline,
            author: me.user,
            published: None,
            created_at: now,
            updated_at: now,
        };
        self.store.write(|w| -> Result<_, AppError> {
            for e in &exercises {
                w.put(e)?;
            }
            w.put(&sequence)?;
            Ok(())
        })?;
        Ok(sequence)
    }

    /// Publishes a sequence to the school's library as a worksheet found by the words of
    /// its lesson and questions (publishing again updates the same resource). For its
    /// author (or the headteacher), when they may publish resources.
    pub fn publish_sequence(
        &self,
        me: &Subject,
        id: SequenceId,
        licence: &str,
    ) -> Result<ResourceId, AppError> {
        self.check_exercise_bank(me)?;
        if !self.may_publish(me) {
            return Err(AppError::Forbidden);
        }
        let licence = licence.trim();
        within(licence, MAX_TITLE, "licence")?;
        let uai = self.directory().uai().to_string();
        let now = self.now();
        self.store.write(|w| -> Result<_, AppError> {
            let mut sequence = w
                .get::<Sequence>(id.0)?
                .filter(|s| s.school == uai)
                .ok_or(AppError::NotFound)?;
            if !self.may_edit_exercise(me, sequence.author) {
                return Err(AppError::Forbidden);
            }
            if sequence.exercises.is_empty() {
                return Err(AppError::Invalid(Problem::NothingToDo));
            }
            let old = match sequence.published {
                Some(rid) => w.get::<Resource>(rid.0)?.filter(
                    |r| matches!(r.content, ResourceContent::Exercises { sequence: s } if s == id),
                ),
                None => None,
            };
            let resource = Resource {
                id: old
                    .as_ref()
                    .map_or_else(|| ResourceId(random_u64()), |r| r.id),
                title: sequence.title.clone(),
                description: description_of(&sequence),
                levels: sequence.levels.clone(),
                disciplines: sequence.discipline.into_iter().collect(),
                kind: ResourceKind::Worksheet,
                published_by: old.as_ref().map_or(me.user, |r| r.published_by),
                author: self.name_of(sequence.author),
                licence: licence.to_string(),
                content: ResourceContent::Exercises { sequence: id },
                published_at: old.as_ref().map_or(now, |r| r.published_at),
                updated_at: now,
            };
            w.put(&resource)?;
            if sequence.published != Some(resource.id) {
                sequence.published = Some(resource.id);
                w.put(&sequence)?;
            }
            self.audit(w, Some(me), "publish exercises", resource.id.to_string())?;
            Ok(resource.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain_ascii() {
        assert_eq!(
            file_name("Les homophones « a / à » !"),
            "Les-homophones-a-a.preau-exercices.zip"
        );
        assert_eq!(file_name("../../"), "sequence.preau-exercices.zip");
        assert_eq!(file_name("Été"), "Ete.preau-exercices.zip");
        assert!(file_name(&"x".repeat(500)).len() < 120);
    }

    #[test]
    fn copy_titles_fit() {
        assert_eq!(copy_title("Les sons"), "Les sons (copie)");
        assert_eq!(
            copy_title(&"é".repeat(MAX_TITLE)).chars().count(),
            MAX_TITLE
        );
    }
}
