//! Exercises over real HTTPS: a pupil answers every kind of question through the question
//! page's form fields (check boxes, blanks, matching lists, places in order, a typed
//! answer) and is told « Bravo »; a stale or forged page cannot answer twice or for
//! someone else; the teacher sees the figures and the grid; the family sees the summary.

use preau_app::exercises::{ExerciseForm, QuestionForm, SequenceForm, TaskForm};
use preau_core::Subject;
use preau_tests::{TestApp, page_text};

fn question(kind: &str, prompt: &str, answers: &str) -> QuestionForm {
    QuestionForm {
        kind: kind.into(),
        prompt: prompt.into(),
        answers: answers.into(),
        case_forgiven: true,
        ..QuestionForm::default()
    }
}

#[tokio::test]
async fn a_pupil_answers_every_kind_of_question_through_the_page() {
    let app = TestApp::start().await;
    let cp = app.school.classes[0].id;
    let pupil = &app.school.pupils[0].user;
    let dir = app.app.directory();
    let teacher: Subject = dir.subject(&app.school.teachers[0].user);
    let sequence = app
        .app
        .create_sequence(
            &teacher,
            &SequenceForm {
                title: "Tout essayer".into(),
                lesson: "Une leçon courte.".into(),
                ..SequenceForm::default()
            },
        )
        .expect("sequence");
    let exercise = app
        .app
        .add_exercise(
            &teacher,
            sequence.id,
            &ExerciseForm {
                title: "Cinq questions".into(),
                ..ExerciseForm::default()
            },
        )
        .expect("exercise");
    for q in [
        question("qcm", "Quels nombres sont pairs ?", "* 2\n3\n* 4"),
        question(
            "relier",
            "Relie.",
            "chien = niche\noiseau = nid\nabeille = ruche",
        ),
        question("ordre", "Range.", "un\ndeux\ntrois"),
        question("trous", "", "Le [chat] mange la [souris]."),
        question("reponse", "Écris « école ».", "école"),
    ] {
        app.app
            .save_question(&teacher, exercise.id, None, &q, None, None)
            .expect("question");
    }
    let task = app
        .app
        .set_task(
            &teacher,
            sequence.id,
            cp,
            &TaskForm {
                audience: format!("eleve-{}", pupil.id),
                due: "2030-06-30".into(),
                mode: "entrainement".into(),
                ..TaskForm::default()
            },
        )
        .expect("task");

    let client = app.pupil(0).await;
    let list = page_text(client.get(app.url("/exercices")).send().await.unwrap()).await;
    assert!(list.contains("Tout essayer"), "{list}");
    let task_url = format!("/exercices/travail/{}", task.id);
    let started = app
        .post_form(&client, &task_url, &format!("{task_url}/commencer"), &[])
        .await;
    assert_eq!(started.status(), 303);
    let answer = format!("{task_url}/repondre");
    let at = |q: &'static str| [("tour", "0"), ("exercice", "0"), ("question", q)];
    let answers: [(&str, Vec<(&str, &str)>); 5] = [
        ("qcm", vec![("choix", "0"), ("choix", "2")]),
        (
            "relier",
            vec![("relie", "0"), ("relie", "1"), ("relie", "2")],
        ),
        (
            "ordre",
            vec![
                ("element", "2"),
                ("place", "3"),
                ("element", "0"),
                ("place", "1"),
                ("element", "1"),
                ("place", "2"),
            ],
        ),
        ("trous", vec![("trou", "Chat"), ("trou", " souris ")]),
        ("reponse", vec![("reponse", "école")]),
    ];
    let positions = ["0", "1", "2", "3", "4"];
    for ((kind, fields), q) in answers.into_iter().zip(positions) {
        let page = page_text(client.get(app.url(&task_url)).send().await.unwrap()).await;
        assert!(page.contains("Valider"), "question {q}: {page}");
        let mut all: Vec<(&str, &str)> = at(q).to_vec();
        all.push(("type", kind));
        all.extend(fields);
        let response = app.post_form(&client, &task_url, &answer, &all).await;
        assert_eq!(response.status(), 200);
        let feedback = page_text(response).await;
        assert!(
            feedback.contains("Bravo, c'est juste"),
            "{kind}: {feedback}"
        );
    }
    let done = page_text(client.get(app.url(&task_url)).send().await.unwrap()).await;
    assert!(
        done.contains("Tu as trouvé 5 réponse(s) sur 5 du premier coup."),
        "{done}"
    );

    // The same page sent again counts nothing and leads back to the task.
    let mut again: Vec<(&str, &str)> = at("4").to_vec();
    again.extend([("type", "reponse"), ("reponse", "faux")]);
    let resent = app.post_form(&client, &task_url, &answer, &again).await;
    assert_eq!(resent.status(), 303);
    // Without the CSRF token, nothing is posted.
    let forged = client
        .post(app.url(&answer))
        .form(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Another pupil, not given the task, cannot see it or answer it.
    let other = app.pupil(1).await;
    let hidden = other.get(app.url(&task_url)).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
    let refused = app.post_form(&other, "/exercices", &answer, &again).await;
    assert_eq!(refused.status(), 404);

    // The teacher's figures and grid; the family's summary.
    let teacher_client = app.teacher().await;
    let stats = page_text(teacher_client.get(app.url(&task_url)).send().await.unwrap()).await;
    assert!(stats.contains("Question par question"), "{stats}");
    assert!(stats.contains("1 / 1"), "{stats}");
    let grid = page_text(
        teacher_client
            .get(app.url(&format!("/exercices/classe/{cp}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(grid.contains("5/5"), "{grid}");
    let parent = app.parent().await;
    let family = page_text(parent.get(app.url("/exercices")).send().await.unwrap()).await;
    assert!(
        family.contains(&format!("Exercices de {}", pupil.first_name)),
        "{family}"
    );
    assert!(family.contains("Tout essayer"), "{family}");
    assert!(family.contains("5 / 5 bonnes réponses"), "{family}");

    // Answered questions keep their place: the editor offers no « Supprimer » any more, says
    // why, and a deletion sent anyway is refused in French with nothing changed.
    let edit_url = format!("/exercices/exercice/{}", exercise.id);
    let editor = page_text(teacher_client.get(app.url(&edit_url)).send().await.unwrap()).await;
    assert!(
        editor.contains("Des élèves ont déjà répondu à cet exercice"),
        "{editor}"
    );
    assert!(!editor.contains(">Supprimer</button>"), "{editor}");
    let delete = format!("{edit_url}/question/0/supprimer");
    let refused = app
        .post_form(&teacher_client, &edit_url, &delete, &[])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(page_text(refused).await.contains("Rien n'a été modifié"));
    let kept = app.app.exercise(&teacher, exercise.id).expect("exercise");
    assert_eq!(kept.questions.len(), 5);
}
