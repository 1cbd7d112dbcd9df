//! Sharing exercises as teachers do it: a colleague copies a sequence and adapts the copy;
//! a sequence exported from one school imports into another with the same questions,
//! lesson and media; hostile exercise files are refused whole; a published sequence is
//! found in the library by the words of its questions, by teachers and pupils.

mod support;

use preau_app::exercises::sharing::{FILE_SUFFIX, MAX_MEDIA_BYTES};
use preau_app::exercises::{ExerciseForm, QuestionForm, SequenceForm};
use preau_app::search::SearchQuery;
use preau_app::{AppError, Problem};
use preau_core::exercises::competences;
use preau_core::{
    Discipline, Exercise, ExerciseId, Level, QuestionKind, ResourceContent, Sequence, Subject,
};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Write};
use support::{School, refused};

/// A 1×1 PNG picture.
const PNG: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A short silent WAV sound (8 kHz, 8 bits, mono).
fn wav() -> Vec<u8> {
    let samples = vec![128u8; 800];
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&8000u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&8u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(samples.len() as u32).to_le_bytes());
    out.extend_from_slice(&samples);
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A question form of `kind` with `answers` in the editor's syntax.
fn question(kind: &str, prompt: &str, answers: &str) -> QuestionForm {
    QuestionForm {
        kind: kind.into(),
        prompt: prompt.into(),
        answers: answers.into(),
        hint: "Relis la leçon.".into(),
        case_forgiven: true,
        ..QuestionForm::default()
    }
}

fn exercise_form(title: &str) -> ExerciseForm {
    ExerciseForm {
        title: title.into(),
        instruction: "Choisis la bonne réponse.".into(),
        competence: competences::ALL[0].code.into(),
        ..ExerciseForm::default()
    }
}

/// A zip of `entries` (name, bytes), deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).expect("entry");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

/// `zip` with its first entry declared 10 bytes long once inflated, in the local header
/// and in the central directory.
fn lie_about_sizes(mut zip: Vec<u8>) -> Vec<u8> {
    let small = 10u32.to_le_bytes();
    zip[22..26].copy_from_slice(&small);
    let central = zip
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    zip[central + 24..central + 28].copy_from_slice(&small);
    zip
}

/// The `sequence.json` of an exercise file.
fn json_of(file: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(file)).expect("zip");
    let mut text = String::new();
    zip.by_name("sequence.json")
        .expect("sequence.json")
        .read_to_string(&mut text)
        .expect("read");
    text
}

/// A valid `sequence.json` whose one exercise holds `questions` (JSON).
fn sequence_json(questions: &str) -> String {
    format!(
        r#"{{"format":"preau-exercices","version":1,"title":"Importée","lesson":"Une leçon.",
        "levels":["CP"],"discipline":"francais","exercises":[{{"title":"Ex","instruction":"",
        "mastery_after":3,"questions":[{questions}]}}]}}"#
    )
}

const SHORT: &str =
    r#"{"prompt":"2 + 2 ?","answer":{"kind":"reponse","accepted":["4"],"numeric":true}}"#;

/// What only the sharing tests need.
impl School {
    /// A sequence of `who` with a lesson, two exercises (five kinds of question, a picture
    /// and a sound) and, for the first exercise, an easier variant kept in another sequence.
    fn sample_sequence(&self, who: &Subject, word: &str) -> (Sequence, Vec<Exercise>) {
        let app = &self.app;
        let sequence = app
            .create_sequence(
                who,
                &SequenceForm {
                    title: "Les animaux de la ferme".into(),
                    lesson: "La vache donne du lait.\n\nLe <b>cochon</b> aime la boue.".into(),
                    levels: vec![Level::Cp, Level::Ce1],
                    discipline: Some(Discipline::French),
                },
            )
            .expect("sequence");
        let first = app
            .add_exercise(who, sequence.id, &exercise_form("Reconnaître"))
            .expect("exercise");
        let (_, picture) = self.received("vache.png", &PNG);
        let (_, sound) = self.received("meuh.wav", &wav());
        app.save_question(
            who,
            first.id,
            None,
            &question(
                "qcm",
                &format!("Quel animal fait « meuh » ? {word}"),
                "* la vache\nle chat",
            ),
            Some(&picture),
            Some(&sound),
        )
        .expect("qcm");
        app.save_question(
            who,
            first.id,
            None,
            &question("trous", "", "Le [cochon|porc] aime la [boue]."),
            None,
            None,
        )
        .expect("trous");
        app.save_question(
            who,
            first.id,
            None,
            &QuestionForm {
                numeric: true,
                ..question("reponse", "Combien de pattes a une poule ?", "2")
            },
            None,
            None,
        )
        .expect("reponse");
        let second = app
            .add_exercise(who, sequence.id, &exercise_form("Relier et ranger"))
            .expect("exercise");
        app.save_question(
            who,
            second.id,
            None,
            &question(
                "relier",
                "Relie chaque animal à son petit.",
                "vache = veau\nbrebis = agneau",
            ),
            None,
            None,
        )
        .expect("relier");
        app.save_question(
            who,
            second.id,
            None,
            &question("ordre", "Remets la phrase dans l'ordre.", "Le\ncoq\nchante"),
            None,
            None,
        )
        .expect("ordre");
        let elsewhere = app
            .create_sequence(
                who,
                &SequenceForm {
                    title: "Variantes".into(),
                    ..SequenceForm::default()
                },
            )
            .expect("sequence");
        let variant = app
            .add_exercise(who, elsewhere.id, &exercise_form("Reconnaître (facile)"))
            .expect("variant");
        app.save_question(
            who,
            variant.id,
            None,
            &question("qcm", "Qui fait « meuh » ?", "* la vache\nle lapin"),
            None,
            None,
        )
        .expect("qcm");
        app.update_exercise(
            who,
            first.id,
            &ExerciseForm {
                easier: variant.id.to_string(),
                ..exercise_form("Reconnaître")
            },
        )
        .expect("easier");
        let view = app.sequence(who, sequence.id).expect("view");
        (view.sequence, view.exercises)
    }

    /// How many sequences and exercises the bank holds, as `who` sees it.
    fn bank_size(&self, who: &Subject) -> (usize, usize) {
        let sequences = self.app.sequences(who).expect("sequences").len();
        let exercises = self
            .app
            .easier_candidates(who, ExerciseId(0))
            .expect("exercises")
            .len();
        (sequences, exercises)
    }

    /// Imports `bytes` as an uploaded exercise file.
    fn import(&self, who: &Subject, bytes: &[u8]) -> Result<Sequence, AppError> {
        let (_, received) = self.received(&format!("x{FILE_SUFFIX}"), bytes);
        self.app.import_sequence(who, &received)
    }

    fn search_total(&self, who: &Subject, text: &str) -> usize {
        self.app
            .search(
                who,
                SearchQuery {
                    text: text.into(),
                    limit: 10,
                    ..Default::default()
                },
            )
            .expect("search")
            .total
    }
}

#[test]
fn a_colleague_copies_a_sequence_and_adapts_the_copy_without_changing_the_original() {
    let w = School::monday_morning();
    let (author, colleague) = (w.teacher(0), w.teacher(1));
    let (original, exercises) = w.sample_sequence(&author, "");
    let variant_id = exercises[0].easier.expect("variant");

    let copy = w.app.copy_sequence(&colleague, original.id).expect("copy");
    assert_ne!(copy.id, original.id);
    assert_eq!(copy.title, "Les animaux de la ferme (copie)");
    assert_eq!(copy.author, colleague.user);
    assert_eq!(copy.published, None);
    assert_eq!(copy.lesson, original.lesson);
    assert_eq!(copy.levels, original.levels);
    let copied = w.app.sequence(&colleague, copy.id).expect("copy view");
    assert!(copied.may_edit, "the copy is the colleague's own");
    assert_eq!(copied.exercises.len(), 2);
    for (c, o) in copied.exercises.iter().zip(&exercises) {
        assert_ne!(c.id, o.id);
        assert_eq!(c.copied_from, Some(o.id));
        assert_eq!(c.author, colleague.user);
        assert_eq!(
            c.questions, o.questions,
            "same questions, same pictures and sounds"
        );
    }
    let easier = copied.exercises[0]
        .easier
        .expect("the copy has an easier variant");
    assert_ne!(easier, variant_id, "it points at a copy of the variant");
    let easier = w.app.exercise(&colleague, easier).expect("variant copy");
    assert_eq!(easier.copied_from, Some(variant_id));
    assert_eq!(easier.author, colleague.user);

    // The colleague adapts the copy…
    w.app
        .update_sequence(
            &colleague,
            copy.id,
            &SequenceForm {
                title: "La ferme, version CE1".into(),
                lesson: "Autre leçon.".into(),
                levels: vec![Level::Ce1],
                discipline: Some(Discipline::French),
            },
        )
        .expect("adapt");
    w.app
        .save_question(
            &colleague,
            copied.exercises[0].id,
            Some(0),
            &question(
                "qcm",
                "Quel animal fait « cocorico » ?",
                "* le coq\nla vache",
            ),
            None,
            None,
        )
        .expect("change a question");
    // … but may not change the original.
    assert!(matches!(
        w.app.update_sequence(
            &colleague,
            original.id,
            &SequenceForm {
                title: "Volée".into(),
                ..SequenceForm::default()
            }
        ),
        Err(AppError::Forbidden)
    ));
    let after = w.app.sequence(&author, original.id).expect("original");
    assert_eq!(
        after.sequence, original,
        "the original sequence is untouched"
    );
    assert_eq!(after.exercises, exercises, "its exercises too");
}

#[test]
fn an_exported_sequence_imports_into_another_school_with_the_same_questions_lesson_and_media() {
    let a = School::monday_morning();
    let teacher_a = a.teacher(0);
    let (original, exercises) = a.sample_sequence(&teacher_a, "");
    let (name, bytes) = a
        .app
        .export_sequence(&teacher_a, original.id)
        .expect("export");
    assert_eq!(name, format!("Les-animaux-de-la-ferme{FILE_SUFFIX}"));
    let json = json_of(&bytes);
    assert!(json.contains("\"format\": \"preau-exercices\""));
    assert!(!json.contains(&teacher_a.user.to_string()), "no author");
    assert!(
        !json.contains(&original.id.to_string()),
        "no id of the school"
    );
    assert!(
        !json.contains(&exercises[0].id.to_string()),
        "no id of the school"
    );
    assert!(!json.contains(a.app.directory().uai()), "no school");

    let b = School::monday_morning();
    let teacher_b = b.teacher(1);
    let imported = b.import(&teacher_b, &bytes).expect("import");
    assert_eq!(imported.title, original.title);
    assert_eq!(
        imported.lesson, original.lesson,
        "same lesson, sanitised again"
    );
    assert_eq!(imported.levels, original.levels);
    assert_eq!(imported.discipline, original.discipline);
    assert_eq!(imported.author, teacher_b.user);
    let view = b.app.sequence(&teacher_b, imported.id).expect("view");
    assert_eq!(view.exercises.len(), exercises.len());
    for (i, o) in view.exercises.iter().zip(&exercises) {
        assert_eq!(i.title, o.title);
        assert_eq!(i.instruction, o.instruction);
        assert_eq!(i.competence, o.competence);
        assert_eq!(i.questions, o.questions, "same questions and media");
        assert_eq!(i.author, teacher_b.user);
        assert_eq!(i.copied_from, None);
    }
    let variant = view.exercises[0]
        .easier
        .expect("the easier variant came along");
    let variant = b.app.exercise(&teacher_b, variant).expect("variant");
    assert_eq!(variant.title, "Reconnaître (facile)");
    assert!(!view.sequence.exercises.contains(&variant.id));

    let q = &view.exercises[0].questions[0];
    for (media, expected) in [
        (q.image.as_ref().expect("picture"), PNG.to_vec()),
        (q.audio.as_ref().expect("sound"), wav()),
    ] {
        let mut stored = Vec::new();
        b.app
            .open_blob(&media.blob)
            .expect("blob")
            .read_to_end(&mut stored)
            .expect("read");
        assert_eq!(stored, expected, "same bytes in the other school");
    }
    assert!(matches!(q.kind, QuestionKind::Choice { .. }));
}

#[test]
fn hostile_exercise_files_are_refused_and_nothing_is_saved() {
    let w = School::monday_morning();
    let teacher = w.teacher(0);
    let before = w.bank_size(&teacher);
    let html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>";
    let html_hex = sha256_hex(html);
    let png_hex = sha256_hex(&PNG);

    let mut hostile: Vec<(&str, Vec<u8>)> = Vec::new();
    hostile.push(("not a zip", b"PK\x03\x04 this is not a zip at all".to_vec()));
    hostile.push(("empty zip", zip_of(&[])));
    let spaces = vec![b' '; 3 * 1024 * 1024];
    let bomb = zip_of(&[("sequence.json", &spaces)]);
    hostile.push(("json bomb", bomb.clone()));
    hostile.push(("json bomb with a lying header", lie_about_sizes(bomb)));
    let zeros = vec![0u8; MAX_MEDIA_BYTES as usize + 1];
    let zeros_name = format!("media/{}", sha256_hex(&zeros));
    let ok = sequence_json(SHORT);
    hostile.push((
        "media bomb",
        zip_of(&[("sequence.json", ok.as_bytes()), (&zeros_name, &zeros)]),
    ));
    let names: Vec<String> = (0..1000).map(|i| format!("media/{i:064x}")).collect();
    let many: Vec<(&str, &[u8])> = std::iter::once(("sequence.json", ok.as_bytes()))
        .chain(names.iter().map(|n| (n.as_str(), &b"x"[..])))
        .collect();
    hostile.push(("1000 entries", zip_of(&many)));
    let questions = vec![SHORT; 10_000].join(",");
    hostile.push((
        "10 000 questions",
        zip_of(&[("sequence.json", sequence_json(&questions).as_bytes())]),
    ));
    for (what, answer) in [
        (
            "broken blank",
            r#"{"kind":"trous","segments":[{"text":"Le chat "},{"blank":["man]ge"]}]}"#,
        ),
        (
            "empty blank",
            r#"{"kind":"trous","segments":[{"text":"Le chat "},{"blank":[]}]}"#,
        ),
        (
            "no blank",
            r#"{"kind":"trous","segments":[{"text":"Le chat"}]}"#,
        ),
        (
            "lying choice",
            r#"{"kind":"qcm","several":true,"choices":[{"text":"a","right":true},{"text":"b"}]}"#,
        ),
        (
            "no right choice",
            r#"{"kind":"qcm","choices":[{"text":"a"},{"text":"b"}]}"#,
        ),
        (
            "not a number",
            r#"{"kind":"reponse","accepted":["douze"],"numeric":true}"#,
        ),
    ] {
        let q = format!(r#"{{"prompt":"Question","answer":{answer}}}"#);
        hostile.push((
            what,
            zip_of(&[("sequence.json", sequence_json(&q).as_bytes())]),
        ));
    }
    let image_q = |hex: &str| {
        sequence_json(&format!(
            r#"{{"prompt":"Regarde","image":{{"sha256":"{hex}","mime":"image/png"}},
            "answer":{{"kind":"reponse","accepted":["4"]}}}}"#
        ))
    };
    let html_json = image_q(&html_hex);
    let html_name = format!("media/{html_hex}");
    hostile.push((
        "an HTML page as a picture",
        zip_of(&[("sequence.json", html_json.as_bytes()), (&html_name, html)]),
    ));
    let png_json = image_q(&png_hex);
    hostile.push((
        "missing picture",
        zip_of(&[("sequence.json", png_json.as_bytes())]),
    ));
    let png_name = format!("media/{png_hex}");
    hostile.push((
        "picture under another digest",
        zip_of(&[
            ("sequence.json", image_q(&html_hex).as_bytes()),
            (&html_name, &PNG),
        ]),
    ));
    let sound_q = sequence_json(&format!(
        r#"{{"prompt":"","audio":{{"sha256":"{png_hex}","mime":"audio/wav"}},
        "answer":{{"kind":"reponse","accepted":["4"]}}}}"#
    ));
    hostile.push((
        "a picture as a sound",
        zip_of(&[("sequence.json", sound_q.as_bytes()), (&png_name, &PNG)]),
    ));
    for name in [
        "../sequence.json",
        "/etc/passwd",
        "media/../../evil",
        "media/..\\..\\evil",
        "C:\\Windows\\evil",
    ] {
        hostile.push((
            "path traversal",
            zip_of(&[("sequence.json", ok.as_bytes()), (name, b"x")]),
        ));
    }
    let upper = format!("media/{}", png_hex.to_uppercase());
    hostile.push((
        "a media name that is not a lower-case digest",
        zip_of(&[("sequence.json", png_json.as_bytes()), (&upper, &PNG)]),
    ));
    hostile.push((
        "an unexpected entry",
        zip_of(&[("sequence.json", ok.as_bytes()), ("lisezmoi.txt", b"x")]),
    ));
    let other_format = ok.replace("preau-exercices", "autre");
    hostile.push((
        "another format",
        zip_of(&[("sequence.json", other_format.as_bytes())]),
    ));
    let version_2 = ok.replace("\"version\":1", "\"version\":2");
    hostile.push((
        "version 2",
        zip_of(&[("sequence.json", version_2.as_bytes())]),
    ));
    let unknown = ok.replace("\"mastery_after\":3", "\"competence\":\"XX-9\"");
    hostile.push((
        "unknown competence",
        zip_of(&[("sequence.json", unknown.as_bytes())]),
    ));
    let long_title = ok.replace("Importée", &"t".repeat(201));
    hostile.push((
        "title too long",
        zip_of(&[("sequence.json", long_title.as_bytes())]),
    ));
    let self_easier = ok.replace("\"mastery_after\":3", "\"easier\":0");
    hostile.push((
        "its own variant",
        zip_of(&[("sequence.json", self_easier.as_bytes())]),
    ));
    let far_easier = ok.replace("\"mastery_after\":3", "\"easier\":7");
    hostile.push((
        "a variant that is not there",
        zip_of(&[("sequence.json", far_easier.as_bytes())]),
    ));
    hostile.push(("not JSON", zip_of(&[("sequence.json", b"{\"format\":")])));

    for (what, bytes) in &hostile {
        assert_eq!(
            refused(w.import(&teacher, bytes)),
            Problem::ExerciseFile,
            "{what}"
        );
        assert_eq!(w.bank_size(&teacher), before, "nothing saved: {what}");
    }

    // The same builders make files that are accepted when nothing is wrong.
    let fine = w
        .import(
            &teacher,
            &zip_of(&[("sequence.json", png_json.as_bytes()), (&png_name, &PNG)]),
        )
        .expect("a file with a picture imports");
    assert_eq!(fine.title, "Importée");
    assert_eq!(w.bank_size(&teacher), (before.0 + 1, before.1 + 1));
    w.import(&teacher, &zip_of(&[("sequence.json", ok.as_bytes())]))
        .expect("the file the hostile ones are made from imports");
    // Pupils may not import.
    let pupil = w.subject(w.pupil(0, 0));
    assert!(matches!(
        w.import(&pupil, &zip_of(&[("sequence.json", ok.as_bytes())])),
        Err(AppError::Forbidden)
    ));
}

#[test]
fn a_published_sequence_is_found_by_a_word_of_its_questions_by_teachers_and_pupils() {
    let w = School::monday_morning();
    let (author, colleague) = (w.teacher(0), w.teacher(1));
    let pupil = w.subject(w.pupil(0, 0));
    let (sequence, exercises) = w.sample_sequence(&author, "ornithorynque");
    assert!(
        matches!(
            w.app.publish_sequence(&colleague, sequence.id, "CC BY 4.0"),
            Err(AppError::Forbidden)
        ),
        "only its author (or the headteacher) publishes it"
    );
    assert!(matches!(
        w.app.publish_sequence(&pupil, sequence.id, "CC BY 4.0"),
        Err(AppError::Forbidden)
    ));

    let id = w
        .app
        .publish_sequence(&author, sequence.id, "CC BY 4.0")
        .expect("publish");
    let resource = w.app.resource(&pupil, id).expect("in the library");
    assert_eq!(
        resource.content,
        ResourceContent::Exercises {
            sequence: sequence.id
        }
    );
    assert_eq!(resource.title, sequence.title);
    assert_eq!(resource.licence, "CC BY 4.0");
    assert!(resource.description.starts_with("La vache donne du lait."));
    assert_eq!(resource.levels, vec![Level::Cp, Level::Ce1]);
    assert_eq!(resource.disciplines, vec![Discipline::French]);
    assert_eq!(
        w.app
            .sequence(&author, sequence.id)
            .expect("seq")
            .sequence
            .published,
        Some(id)
    );

    // Search is fed asynchronously: run the indexer as the server's task does.
    w.app.index_pending().expect("index");
    assert_eq!(
        w.search_total(&author, "ornithorynque"),
        1,
        "a word of a prompt"
    );
    assert_eq!(
        w.search_total(&pupil, "ornithorynque"),
        1,
        "pupils find it too"
    );
    assert_eq!(
        w.search_total(&colleague, "agneau"),
        1,
        "a word of an answer"
    );
    assert_eq!(w.search_total(&author, "kangourou"), 0);
    assert_eq!(
        w.search_total(&pupil, "porc"),
        0,
        "the answer of a blank is never searchable"
    );

    // Changed and published again: the same resource, found by its new words.
    w.app
        .save_question(
            &author,
            exercises[1].id,
            Some(0),
            &question(
                "relier",
                "Relie : kangourou",
                "kangourou = Australie\nvache = France",
            ),
            None,
            None,
        )
        .expect("change");
    // The edit alone refreshes the library's text.
    w.app.index_pending().expect("index");
    assert_eq!(
        w.search_total(&pupil, "kangourou"),
        1,
        "found after the edit"
    );
    let again = w
        .app
        .publish_sequence(&author, sequence.id, "CC BY-SA 4.0")
        .expect("publish again");
    assert_eq!(again, id);
    w.app.index_pending().expect("index");
    assert_eq!(w.search_total(&pupil, "kangourou"), 1);
    let head = w.head();
    assert_eq!(
        w.app
            .resources(&head, &Default::default())
            .expect("library")
            .iter()
            .filter(|r| matches!(r.content, ResourceContent::Exercises { .. }))
            .count(),
        1
    );
    assert_eq!(
        w.app.resource(&head, id).expect("r").licence,
        "CC BY-SA 4.0"
    );
    assert!(matches!(
        w.app.open_resource_file(&head, id),
        Err(AppError::NotFound)
    ));
}
