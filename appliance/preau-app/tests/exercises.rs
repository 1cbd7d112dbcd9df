//! Exercise use cases on a real store with a clock the test sets: a teacher writes a
//! sequence with every kind of question, sets it to the class, pupils answer (training with
//! retries, assessment with one try), the grid, the statistics, the pupils needing help,
//! mastery, marks and livret levels set by hand, differentiation, the access table (a pupil
//! never sees another's answers, a parent only their child's summary) and hostile input.

mod support;

use preau_app::Problem;
use preau_app::exercises::{ExerciseForm, Feedback, QuestionForm, SequenceForm, Step, TaskForm};
use preau_core::exercises::editor::EditError;
use preau_core::exercises::mastery::{LivretLevel, Standing};
use preau_core::{Exercise, Given, SequenceId, Subject, Task};
use support::{School, forbidden, hidden, refused};

fn world() -> School {
    School::monday_morning()
}

/// A question form of `kind` with `answers` (case forgiven, accents not).
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

/// What only the exercise tests need.
impl School {
    /// A sequence by the CP's teacher with one exercise holding `questions`.
    fn sequence_with(&self, questions: &[QuestionForm]) -> (SequenceId, Exercise) {
        let teacher = self.teacher(0);
        let sequence = self
            .app
            .create_sequence(
                &teacher,
                &SequenceForm {
                    title: "Les animaux".into(),
                    lesson: "Le chat **mange** la souris.<script>alert(1)</script>".into(),
                    ..SequenceForm::default()
                },
            )
            .expect("sequence");
        let exercise = self
            .app
            .add_exercise(
                &teacher,
                sequence.id,
                &ExerciseForm {
                    title: "Compléter".into(),
                    instruction: "Complète avec le bon mot.".into(),
                    competence: "FR2-LIRE-1".into(),
                    ..ExerciseForm::default()
                },
            )
            .expect("exercise");
        let mut last = exercise;
        for q in questions {
            last = self
                .app
                .save_question(&teacher, last.id, None, q, None, None)
                .expect("question");
        }
        (sequence.id, last)
    }

    /// Sets a sequence to the whole CP.
    fn set(&self, sequence: SequenceId, mode: &str) -> Task {
        self.app
            .set_task(
                &self.teacher(0),
                sequence,
                self.class(0),
                &TaskForm {
                    audience: format!("classe-{}", self.class(0)),
                    due: "2026-12-04".into(),
                    mode: mode.into(),
                    ..TaskForm::default()
                },
            )
            .expect("task")
    }

    /// Answers the question on `pupil`'s screen with `given`.
    fn answer(&self, pupil: &Subject, task: &Task, given: Given) -> Feedback {
        let Step::Question(screen) = self.app.step(pupil, task.id).expect("step") else {
            panic!("no question on the screen");
        };
        self.tick(5);
        self.app
            .answer(
                pupil,
                task.id,
                (screen.round, screen.exercise_index, screen.question_index),
                given,
            )
            .expect("answer")
    }
}

#[test]
fn a_pupil_practises_with_a_mistake_and_a_retry_and_the_teacher_sees_it() {
    let w = world();
    let (sequence, exercise) = w.sequence_with(&[
        question("trous", "", "Le chat [mange|mangeait] la souris."),
        question("qcm", "Combien font 7 + 5 ?", "11\n* 12\n13"),
        question(
            "relier",
            "Relie chaque animal à sa maison.",
            "chien = niche\noiseau = nid\nabeille = ruche",
        ),
        question("ordre", "Remets dans l'ordre.", "lundi\nmardi\nmercredi"),
        question("reponse", "Écris « élève ».", "élève"),
    ]);
    assert_eq!(exercise.questions.len(), 5);
    let task = w.set(sequence, "entrainement");
    assert_eq!(task.pupils.len(), w.pupils(0).len());
    let pupil = w.subject(w.pupil(0, 0));

    // The lesson first, made safe.
    let Step::Lesson { lesson, .. } = w.app.step(&pupil, task.id).expect("step") else {
        panic!("the lesson comes first");
    };
    assert!(lesson.html.contains("mange") && !lesson.html.contains("<script"));
    w.app.start_round(&pupil, task.id).expect("start");

    // One mistake in the blank, a hint and another try.
    let first = w.answer(&pupil, &task, Given::Blanks(vec!["mangent".into()]));
    assert_eq!(
        first,
        Feedback::Wrong {
            hint: "Relis la leçon.".into(),
            try_again: true,
            correction: None,
            finished: false
        }
    );
    let retry = w.answer(&pupil, &task, Given::Blanks(vec!["  MANGE ".into()]));
    assert_eq!(retry, Feedback::Right { finished: false });
    assert_eq!(
        w.answer(&pupil, &task, Given::Choice(vec![1])),
        Feedback::Right { finished: false }
    );
    assert_eq!(
        w.answer(
            &pupil,
            &task,
            Given::Matching(vec![Some(0), Some(1), Some(2)])
        ),
        Feedback::Right { finished: false }
    );
    assert_eq!(
        w.answer(&pupil, &task, Given::Order(vec![0, 1, 2])),
        Feedback::Right { finished: false }
    );
    // Accents count here: « eleve » is wrong three times, then the correction shows.
    for n in 0..3 {
        let f = w.answer(&pupil, &task, Given::Short("eleve".into()));
        assert_eq!(
            f,
            Feedback::Wrong {
                hint: "Relis la leçon.".into(),
                try_again: n < 2,
                correction: (n == 2).then(|| "élève".to_string()),
                finished: n == 2
            }
        );
    }
    let Step::Finished { score, .. } = w.app.step(&pupil, task.id).expect("step") else {
        panic!("finished");
    };
    // First tries count: the blank and « élève » were wrong the first time.
    assert_eq!(score, (3, 5));

    // The teacher's grid: orange (3/5), and the figures show the wrong answer given.
    let grid = w.app.class_grid(&w.teacher(0), w.class(0)).expect("grid");
    assert_eq!(grid.columns.len(), 1);
    let row = grid
        .rows
        .iter()
        .find(|r| r.pupil.id == pupil.user)
        .expect("row");
    assert_eq!(row.cells[0].standing, Standing::Middle);
    assert_eq!(row.cells[0].score, (3, 5));
    let others = grid.rows.iter().filter(|r| r.pupil.id != pupil.user);
    assert!(
        others
            .into_iter()
            .all(|r| r.cells[0].standing == Standing::NotStarted)
    );
    let (_, stats) = w.app.task_stats(&w.teacher(0), task.id).expect("stats");
    assert_eq!(
        stats[0].wrong,
        vec![("Le chat mangent la souris.".to_string(), 1)]
    );
    assert_eq!((stats[0].answered, stats[0].right), (1, 0));
    assert_eq!((stats[1].answered, stats[1].right), (1, 1));
    let csv = w
        .app
        .class_grid_csv(&w.teacher(0), w.class(0))
        .expect("csv");
    assert!(
        csv.contains(&format!("{};3/5", w.name_of(pupil.user))),
        "{csv}"
    );

    // The teacher counts « eleve » as right: the score follows.
    w.app
        .override_mark(&w.teacher(0), task.id, pupil.user, (0, 0, 4), true)
        .expect("override");
    let grid = w.app.class_grid(&w.teacher(0), w.class(0)).expect("grid");
    let row = grid
        .rows
        .iter()
        .find(|r| r.pupil.id == pupil.user)
        .expect("row");
    assert_eq!(row.cells[0].score, (4, 5));
    assert_eq!(row.cells[0].standing, Standing::High);
}

#[test]
fn an_exercise_is_mastered_after_three_right_answers_in_a_row() {
    let w = world();
    let (sequence, _) = w.sequence_with(&[question("reponse", "7 × 8 ?", "56")]);
    let task = w.set(sequence, "entrainement");
    let pupil = w.subject(w.pupil(0, 1));
    let mastered = || {
        let history = w
            .app
            .pupil_history(&w.teacher(0), pupil.user)
            .expect("history");
        history
            .mastery
            .first()
            .map(|m| m.1.mastered)
            .unwrap_or(false)
    };
    for (n, given) in ["54", "56", "56", "48", "56", "56"].iter().enumerate() {
        w.app.start_round(&pupil, task.id).expect("round");
        w.answer(&pupil, &task, Given::Short((*given).into()));
        if *given != "56" {
            // Out of the first try: finish the round.
            w.answer(&pupil, &task, Given::Short("56".into()));
        }
        assert!(!mastered(), "not mastered after round {n}");
    }
    w.app.start_round(&pupil, task.id).expect("round");
    w.answer(&pupil, &task, Given::Short("56".into()));
    assert!(mastered(), "three right answers in a row");
    // A later mistake keeps it mastered.
    w.app.start_round(&pupil, task.id).expect("round");
    w.answer(&pupil, &task, Given::Short("57".into()));
    assert!(mastered());
    let grid = w.app.class_grid(&w.teacher(0), w.class(0)).expect("grid");
    let row = grid
        .rows
        .iter()
        .find(|r| r.pupil.id == pupil.user)
        .expect("row");
    assert!(row.cells[0].mastered);
}

#[test]
fn assessment_takes_one_try_and_shows_results_at_the_end() {
    let w = world();
    let (sequence, _) = w.sequence_with(&[
        question("reponse", "3 + 4 ?", "7"),
        question("reponse", "5 + 5 ?", "10"),
    ]);
    let task = w.set(sequence, "evaluation");
    let pupil = w.subject(w.pupil(0, 2));
    w.app.start_round(&pupil, task.id).expect("start");
    assert_eq!(
        w.answer(&pupil, &task, Given::Short("8".into())),
        Feedback::Recorded { finished: false }
    );
    assert_eq!(
        w.answer(&pupil, &task, Given::Short("10".into())),
        Feedback::Recorded { finished: true }
    );
    let Step::Finished {
        score,
        may_start_again,
        results,
        ..
    } = w.app.step(&pupil, task.id).expect("step")
    else {
        panic!("finished");
    };
    assert_eq!(score, (1, 2));
    assert!(!may_start_again);
    assert_eq!(results[0].1[0].correction, "7");
    assert!(!results[0].1[0].right);
    assert_eq!(
        refused(w.app.start_round(&pupil, task.id)),
        Problem::AlreadyAnswered
    );
    // A page sent twice counts once.
    assert_eq!(
        refused(
            w.app
                .answer(&pupil, task.id, (0, 0, 1), Given::Short("10".into()))
        ),
        Problem::AlreadyAnswered
    );
    // Livret: 1 right of 2 answered → partly reached; the teacher may set it.
    let history = w
        .app
        .pupil_history(&w.teacher(0), pupil.user)
        .expect("history");
    assert_eq!(history.skills[0].level, Some(LivretLevel::Partly));
    w.app
        .set_livret_level(
            &w.teacher(0),
            pupil.user,
            "FR2-LIRE-1",
            Some(LivretLevel::Reached),
        )
        .expect("level");
    let parent = w.guardian(pupil.user, 0);
    let family = w.app.family_results(&parent).expect("family");
    let mine = family
        .iter()
        .find(|f| f.pupil.id == pupil.user)
        .expect("child");
    assert_eq!(mine.skills[0].level, Some(LivretLevel::Reached));
    assert!(mine.skills[0].overridden);
    assert_eq!(mine.done[0].score, (1, 2));
}

#[test]
fn pupils_who_need_it_get_the_easier_variant() {
    let w = world();
    let teacher = w.teacher(0);
    let (easy_sequence, easy) = w.sequence_with(&[question("qcm", "2 + 2 ?", "* 4\n5")]);
    let (sequence, hard) = w.sequence_with(&[question("reponse", "27 + 15 ?", "42")]);
    let _ = easy_sequence;
    w.app
        .update_exercise(
            &teacher,
            hard.id,
            &ExerciseForm {
                title: hard.title.clone(),
                easier: easy.id.to_string(),
                ..ExerciseForm::default()
            },
        )
        .expect("variant");
    let helped = w.pupil(0, 3);
    let task = w
        .app
        .set_task(
            &teacher,
            sequence,
            w.class(0),
            &TaskForm {
                audience: format!("classe-{}", w.class(0)),
                due: "2026-12-04".into(),
                mode: "entrainement".into(),
                easier_for: vec![format!("eleve-{helped}")],
                ..TaskForm::default()
            },
        )
        .expect("task");
    let pupil = w.subject(helped);
    w.app.start_round(&pupil, task.id).expect("start");
    let Step::Question(screen) = w.app.step(&pupil, task.id).expect("step") else {
        panic!("question");
    };
    assert_eq!(screen.exercise.id, easy.id);
    let other = w.subject(w.pupil(0, 4));
    w.app.start_round(&other, task.id).expect("start");
    let Step::Question(screen) = w.app.step(&other, task.id).expect("step") else {
        panic!("question");
    };
    assert_eq!(screen.exercise.id, hard.id);
    w.answer(&pupil, &task, Given::Choice(vec![0]));
    let grid = w.app.class_grid(&teacher, w.class(0)).expect("grid");
    let row = grid
        .rows
        .iter()
        .find(|r| r.pupil.id == helped)
        .expect("row");
    assert!(row.cells[0].easier);
    assert_eq!(row.cells[0].standing, Standing::High);
}

#[test]
fn who_may_see_and_do_what_with_exercises() {
    let w = world();
    let (sequence, exercise) = w.sequence_with(&[question("reponse", "1 + 1 ?", "2")]);
    let task = w.set(sequence, "entrainement");
    let pupil = w.subject(w.pupil(0, 0));
    let classmate = w.subject(w.pupil(0, 1));
    let cm2_pupil = w.subject(w.pupil(1, 0));
    let parent = w.guardian(pupil.user, 0);
    let other_parent = w.guardian(classmate.user, 0);
    w.app.start_round(&pupil, task.id).expect("start");
    w.answer(&pupil, &task, Given::Short("2".into()));

    // A pupil sees their own results, never a classmate's; a pupil of another class does
    // not see the task at all.
    assert!(w.app.pupil_history(&pupil, pupil.user).is_ok());
    hidden(w.app.pupil_history(&pupil, classmate.user));
    hidden(w.app.pupil_history(&classmate, pupil.user));
    hidden(w.app.step(&cm2_pupil, task.id));
    forbidden(w.app.class_grid(&pupil, w.class(0)));
    forbidden(w.app.task_stats(&pupil, task.id));
    forbidden(w.app.sequences(&pupil));
    // A parent sees their own child's summary only.
    assert!(w.app.pupil_history(&parent, pupil.user).is_ok());
    hidden(w.app.pupil_history(&other_parent, pupil.user));
    let family = w.app.family_results(&other_parent).expect("family");
    assert!(family.iter().all(|f| f.pupil.id != pupil.user));
    forbidden(w.app.class_grid(&parent, w.class(0)));
    forbidden(w.app.sequences(&parent));
    // The CM2's teacher uses the bank but cannot change the CP teacher's exercise, follow
    // the CP or mark its pupils; the headteacher can.
    let cm2_teacher = w.teacher(1);
    assert!(w.app.sequence(&cm2_teacher, sequence).is_ok());
    forbidden(w.app.save_question(
        &cm2_teacher,
        exercise.id,
        None,
        &question("reponse", "?", "1"),
        None,
        None,
    ));
    forbidden(w.app.class_grid(&cm2_teacher, w.class(0)));
    forbidden(
        w.app
            .override_mark(&cm2_teacher, task.id, pupil.user, (0, 0, 0), false),
    );
    hidden(w.app.pupil_history(&cm2_teacher, pupil.user));
    assert!(w.app.class_grid(&w.head(), w.class(0)).is_ok());
    assert!(
        w.app
            .save_question(
                &w.head(),
                exercise.id,
                Some(0),
                &question("reponse", "1 + 1 ?", "2\ndeux"),
                None,
                None
            )
            .is_ok()
    );
    // Pupils cannot set tasks or answer for someone else.
    forbidden(w.app.set_task(
        &pupil,
        sequence,
        w.class(0),
        &TaskForm {
            audience: format!("classe-{}", w.class(0)),
            due: "2026-12-04".into(),
            mode: "entrainement".into(),
            ..TaskForm::default()
        },
    ));
    hidden(
        w.app
            .answer(&parent, task.id, (0, 0, 0), Given::Short("2".into())),
    );
}

#[test]
fn hostile_input_in_the_editor_and_in_answers_is_refused() {
    let w = world();
    let teacher = w.teacher(0);
    let (_, exercise) = w.sequence_with(&[question("reponse", "1 + 1 ?", "2")]);
    let save = |q: QuestionForm| {
        w.app
            .save_question(&teacher, exercise.id, None, &q, None, None)
    };
    assert_eq!(
        refused(save(question("trous", "", "Le chat [mange la souris."))),
        Problem::Question(EditError::Brackets)
    );
    assert_eq!(
        refused(save(question("qcm", "?", "a\nb"))),
        Problem::Question(EditError::NoRightChoice)
    );
    assert!(matches!(
        refused(save(question("reponse", "?", &"a".repeat(300)))),
        Problem::Question(EditError::TooLong) | Problem::TooLong(_)
    ));
    assert!(matches!(
        refused(save(question("reponse", "?", &"x".repeat(1_000_000)))),
        Problem::Question(_) | Problem::TooLong(_)
    ));
    assert!(matches!(
        refused(save(question("reponse", &"?".repeat(5_000), "1"))),
        Problem::TooLong(_)
    ));
    assert_eq!(
        refused(save(question("dessin", "?", "1"))),
        Problem::Question(EditError::UnknownKind)
    );
    // A script in a choice is kept as text (shown escaped), never as markup.
    let saved = save(question(
        "qcm",
        "<img src=x onerror=alert(1)>",
        "* <script>alert(1)</script>\nb",
    ))
    .expect("saved as text");
    let last = saved.questions.last().expect("question");
    assert_eq!(last.prompt, "<img src=x onerror=alert(1)>");
    // Nothing was changed by the refusals: the first question and this one only.
    assert_eq!(saved.questions.len(), 2);

    // A pupil's huge answer is refused and not recorded.
    let (sequence, _) = w.sequence_with(&[question("reponse", "1 + 1 ?", "2")]);
    let task = w.set(sequence, "entrainement");
    let pupil = w.subject(w.pupil(0, 5));
    w.app.start_round(&pupil, task.id).expect("start");
    assert_eq!(
        refused(
            w.app
                .answer(&pupil, task.id, (0, 0, 0), Given::Short("9".repeat(10_000)))
        ),
        Problem::TooLong("réponse")
    );
    assert_eq!(
        refused(w.app.answer(
            &pupil,
            task.id,
            (0, 0, 0),
            Given::Choice((0..1000).collect())
        )),
        Problem::TooLong("réponse")
    );
    let Step::Question(screen) = w.app.step(&pupil, task.id).expect("step") else {
        panic!("still the first question");
    };
    assert_eq!(screen.tries, 0);
    // Dates: due before opening is refused.
    assert_eq!(
        refused(w.app.set_task(
            &teacher,
            sequence,
            w.class(0),
            &TaskForm {
                audience: format!("classe-{}", w.class(0)),
                opens: "2026-12-10".into(),
                due: "2026-12-04".into(),
                mode: "entrainement".into(),
                ..TaskForm::default()
            },
        )),
        Problem::DueBeforeOpening
    );
}

#[test]
fn choices_carry_pictures_and_a_sound_must_be_a_sound() {
    let w = world();
    let teacher = w.teacher(0);
    let (_, exercise) = w.sequence_with(&[]);
    let mut png = Vec::new();
    image::RgbImage::from_pixel(4, 3, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let (_, cat) = w.received("chat.png", &png);
    let (_, dog) = w.received("chien.png", &png);
    let form = question("qcm", "Quel animal miaule ?", "* le chat\nle chien");
    let saved = w
        .app
        .save_question_with_pictures(&teacher, exercise.id, None, &form, None, None, &[cat, dog])
        .expect("saved");
    let preau_core::QuestionKind::Choice { choices, .. } = &saved.questions[0].kind else {
        panic!("a choice question");
    };
    assert!(choices.iter().all(|c| c.image.is_some()));
    // Changing the question's text without sending pictures keeps them, by choice.
    let form = question("qcm", "Quel animal miaule ?", "le chien\n* le chat");
    let saved = w
        .app
        .save_question(&teacher, exercise.id, Some(0), &form, None, None)
        .expect("saved");
    let preau_core::QuestionKind::Choice { choices, .. } = &saved.questions[0].kind else {
        panic!("a choice question");
    };
    assert_eq!(choices[1].text, "le chat");
    assert!(choices.iter().all(|c| c.image.is_some()));
    // The picture is served re-encoded to whoever may see the exercise, not to a parent.
    let blob = choices[0].image.as_ref().expect("picture").blob;
    let (bytes, mime) = w
        .app
        .exercise_media(&teacher, exercise.id, blob)
        .expect("picture");
    assert!(mime.starts_with("image/") && !bytes.is_empty());
    let parent = w.guardian(w.pupil(0, 0), 0);
    hidden(w.app.exercise_media(&parent, exercise.id, blob));
    // A text file is neither a sound nor a picture.
    let (_, text) = w.received("son.mp3", b"ceci n'est pas un son");
    assert_eq!(
        refused(
            w.app
                .save_question(&teacher, exercise.id, None, &form, None, Some(&text))
        ),
        Problem::MediaKind
    );
}

#[test]
fn the_help_list_keeps_to_recent_tasks_and_the_grid_to_a_period() {
    let w = world();
    let (sequence, _) = w.sequence_with(&[question("reponse", "2 + 2 ?", "4")]);
    let task = w.set(sequence, "evaluation");
    let pupil = w.subject(w.pupil(0, 6));
    w.app.start_round(&pupil, task.id).expect("start");
    w.answer(&pupil, &task, Given::Short("5".into()));
    let help = |grid: &preau_app::exercises::Grid| {
        grid.help
            .iter()
            .find(|(p, _)| p.id == pupil.user)
            .map(|(_, why)| why.clone())
    };
    let grid = w.app.class_grid(&w.teacher(0), w.class(0)).expect("grid");
    assert_eq!(help(&grid), Some(vec!["« Compléter » : 0/1".to_string()]));
    // Five weeks later the task (due on 4 December) is behind: no longer on the help list,
    // still in the year's grid, not in a grid from today.
    w.tick(35 * 24 * 3600);
    let grid = w.app.class_grid(&w.teacher(0), w.class(0)).expect("grid");
    assert_eq!(help(&grid), None);
    assert_eq!(grid.columns.len(), 1);
    let today = preau_app::bookings::today(w.app.now());
    let recent = w
        .app
        .class_grid_since(&w.teacher(0), w.class(0), Some(today))
        .expect("grid");
    assert!(recent.columns.is_empty());
}

#[test]
fn a_prompt_recorded_in_the_browser_is_a_sound() {
    let w = world();
    let teacher = w.teacher(0);
    let (_, exercise) = w.sequence_with(&[]);
    // The start of a WebM file as MediaRecorder writes it (EBML header, doctype « webm »).
    let mut webm = vec![
        0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42, 0xF2,
        0x81, 0x04, 0x42, 0xF3, 0x81, 0x08, 0x42, 0x82, 0x84,
    ];
    webm.extend_from_slice(b"webm");
    webm.extend_from_slice(&[0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02]);
    webm.resize(512, 0);
    let (_, recording) = w.received("consigne.webm", &webm);
    let saved = w
        .app
        .save_question(
            &teacher,
            exercise.id,
            None,
            &question("reponse", "", "chat"),
            None,
            Some(&recording),
        )
        .expect("a recorded prompt, without text");
    let audio = saved.questions[0].audio.as_ref().expect("sound");
    assert!(audio.mime.ends_with("/webm"), "{}", audio.mime);
    let (bytes, mime) = w
        .app
        .exercise_media(&teacher, exercise.id, audio.blob)
        .expect("served");
    assert_eq!(bytes, webm);
    assert!(mime.ends_with("/webm"));
}

#[test]
fn questions_pupils_answered_keep_their_place() {
    let w = world();
    let (sequence, exercise) = w.sequence_with(&[
        question("reponse", "7 × 8 ?", "56"),
        question("reponse", "6 × 9 ?", "54"),
    ]);
    let teacher = w.teacher(0);
    // Before any answer, the teacher reorders and rewrites freely.
    w.app
        .move_question(&teacher, exercise.id, 1, true)
        .expect("move before answers");
    assert!(
        !w.app
            .exercise_answered(&teacher, exercise.id)
            .expect("read")
    );
    let task = w.set(sequence, "entrainement");
    let pupil = w.subject(w.pupil(0, 1));
    w.app.start_round(&pupil, task.id).expect("round");
    w.answer(&pupil, &task, Given::Short("54".into()));
    assert!(
        w.app
            .exercise_answered(&teacher, exercise.id)
            .expect("read")
    );

    // Now deleting, moving or changing a question's kind would put the pupil's answer on
    // another question: refused, and the exercise is as it was.
    let before = w.app.exercise(&teacher, exercise.id).expect("exercise");
    assert_eq!(
        refused(w.app.delete_question(&teacher, exercise.id, 0)),
        Problem::QuestionsAnswered
    );
    assert_eq!(
        refused(w.app.move_question(&teacher, exercise.id, 0, false)),
        Problem::QuestionsAnswered
    );
    let other_kind = w.app.save_question(
        &teacher,
        exercise.id,
        Some(0),
        &question("qcm", "6 × 9 ?", "* 54\n56"),
        None,
        None,
    );
    assert_eq!(refused(other_kind), Problem::QuestionsAnswered);
    assert_eq!(
        w.app.exercise(&teacher, exercise.id).expect("exercise"),
        before
    );

    // Correcting a question's wording, or adding one at the end, is still possible.
    let fixed = w
        .app
        .save_question(
            &teacher,
            exercise.id,
            Some(0),
            &question("reponse", "Combien font 6 × 9 ?", "54"),
            None,
            None,
        )
        .expect("reword");
    assert_eq!(fixed.questions[0].prompt, "Combien font 6 × 9 ?");
    let more = w
        .app
        .save_question(
            &teacher,
            exercise.id,
            None,
            &question("reponse", "9 × 9 ?", "81"),
            None,
            None,
        )
        .expect("add");
    assert_eq!(more.questions.len(), 3);
    // The pupil's answer still sits on « 6 × 9 » in the teacher's figures.
    let (_, stats) = w.app.task_stats(&teacher, task.id).expect("stats");
    let first = &stats[0];
    assert_eq!(
        (first.prompt.as_str(), first.answered, first.right),
        ("Combien font 6 × 9 ?", 1, 1)
    );
}
