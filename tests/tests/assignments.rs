//! Handing work in over real HTTPS: a teacher sets work, pupils hand in files from their
//! device or their space, the teacher sees who handed in, who is late and who is missing,
//! and hands work back; hand-ins stay as they were handed in.

use preau_tests::files::{body, content, my_documents, subject, upload};
use preau_tests::{TestApp, page_text};

/// The id in the `Location` of a redirect to `/devoirs/{id}`.
fn assignment_id(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/devoirs/")
        .to_string()
}

#[tokio::test]
async fn pupils_hand_in_and_the_teacher_follows_who_did() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let class = app
        .app
        .directory()
        .class_of(&app.school.pupils[0].user)
        .unwrap()
        .clone();
    let class_id = class.id.to_string();
    // Due in a week (Paris time), for the whole CP.
    let due = preau_app::paris::input_value(app.app.now() + 7 * 24 * 3600);
    let r = app
        .post_form(
            &teacher,
            "/devoirs/nouveau",
            "/devoirs/nouveau",
            &[
                ("classe", class_id.as_str()),
                ("titre", "Le cycle de l'eau"),
                (
                    "consignes",
                    "Dessine le cycle de l'eau et explique-le en trois phrases.",
                ),
                ("echeance", due.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = assignment_id(&r);

    // A pupil hands in a file from the tablet and one from "Mes documents".
    let pupil = app.pupil(0).await;
    let pupil_id = app.school.pupils[0].user.id;
    let list = page_text(pupil.get(app.url("/devoirs")).send().await.unwrap()).await;
    assert!(
        list.contains("Le cycle de l'eau") && list.contains("À rendre"),
        "{list}"
    );
    let csrf = app.csrf(&pupil, "/documents").await;
    let root = my_documents(&app.app, pupil_id);
    let r = upload(
        &pupil,
        &app.base,
        &csrf,
        root,
        "brouillon.txt",
        body(5, 300),
        300,
    )
    .await;
    assert_eq!(r.status(), 303);
    let draft = app
        .app
        .child_named(&subject(&app.app, pupil_id), root, "brouillon.txt")
        .unwrap()
        .unwrap();
    let page = page_text(
        pupil
            .get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("Dessine le cycle") && page.contains("brouillon.txt"),
        "{page}"
    );
    let form = reqwest::multipart::Form::new()
        .part(
            "fichiers",
            reqwest::multipart::Part::bytes(content(6, 2000)).file_name("dessin.png"),
        )
        .text("depuis", draft.id.to_string());
    let r = pupil
        .post(app.url(&format!("/devoirs/{id}/rendre?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Changing the draft afterwards does not change what was handed in.
    let r = upload(
        &pupil,
        &app.base,
        &csrf,
        root,
        "brouillon.txt",
        body(7, 400),
        400,
    )
    .await;
    assert_eq!(r.status(), 303);

    // The teacher sees one hand-in, the rest pending; opens the files as handed in.
    let page = page_text(
        teacher
            .get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let pupils_in_class = app.app.directory().pupils_of(class.id).len();
    assert!(page.contains("1</strong> rendu(s) à l'heure"), "{page}");
    assert!(
        page.contains(&format!("{}</strong> en attente", pupils_in_class - 1)),
        "{page}"
    );
    assert!(page.contains("dessin.png") && page.contains("brouillon.txt"));
    let link = page
        .split("href=\"/rendus/")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .unwrap();
    let handed = teacher
        .get(app.url(&format!("/rendus/{link}")))
        .send()
        .await
        .unwrap();
    assert_eq!(handed.status(), 200);
    assert_eq!(
        &handed.bytes().await.unwrap()[..],
        &content(5, 300)[..],
        "the draft as handed in"
    );

    // The teacher hands it back with a comment; the pupil reads it.
    let hand_in = link.split('/').next().unwrap();
    let r = app
        .post_form(
            &teacher,
            &format!("/devoirs/{id}"),
            &format!("/rendus/{hand_in}/retour"),
            &[("commentaire", "Bravo, très clair !")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = page_text(
        pupil
            .get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("Bravo, très clair !") && page.contains("Rendu"),
        "{page}"
    );

    // Another pupil of the class cannot open the first pupil's hand-in; a CM2 pupil cannot
    // see the assignment at all.
    let classmate = app.pupil(1).await;
    assert_eq!(
        classmate
            .get(app.url(&format!("/rendus/{link}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let cm2 = app.pupil(app.school.pupils.len() - 1).await;
    assert_eq!(
        cm2.get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn late_and_missing_work_is_shown_after_the_due_date() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let class = app
        .app
        .directory()
        .class_of(&app.school.pupils[0].user)
        .unwrap()
        .clone();
    let class_id = class.id.to_string();
    // Due an hour ago, for two chosen pupils.
    let due = preau_app::paris::input_value(app.app.now() - 3600);
    let first = app.school.pupils[0].user.id.to_string();
    let second = app.school.pupils[1].user.id.to_string();
    let r = app
        .post_form(
            &teacher,
            "/devoirs/nouveau",
            "/devoirs/nouveau",
            &[
                ("classe", class_id.as_str()),
                ("titre", "Poésie"),
                ("echeance", due.as_str()),
                ("eleves", first.as_str()),
                ("eleves", second.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = assignment_id(&r);
    let pupil = app.pupil(0).await;
    let csrf = app.csrf(&pupil, "/devoirs").await;
    let form = reqwest::multipart::Form::new().part(
        "fichiers",
        reqwest::multipart::Part::bytes(b"Le corbeau et le renard".to_vec())
            .file_name("poesie.txt"),
    );
    let r = pupil
        .post(app.url(&format!("/devoirs/{id}/rendre?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = page_text(
        teacher
            .get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("Rendu en retard"), "{page}");
    assert!(page.contains("Non rendu"), "{page}");
    assert!(
        page.contains("1</strong> en retard, <strong>1</strong> non rendu(s)"),
        "{page}"
    );
    // A pupil not chosen does not see it; an empty hand-in is refused in French.
    let third = app.pupil(2).await;
    assert_eq!(
        third
            .get(app.url(&format!("/devoirs/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let empty = reqwest::multipart::Form::new().text("rien", "");
    let r = pupil
        .post(app.url(&format!("/devoirs/{id}/rendre?_csrf={csrf}")))
        .multipart(empty)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        page_text(r)
            .await
            .contains("Choisissez au moins un fichier")
    );
    // A bad date is refused with the reason.
    let r = app
        .post_form(
            &teacher,
            "/devoirs/nouveau",
            "/devoirs/nouveau",
            &[
                ("classe", class_id.as_str()),
                ("titre", "X"),
                ("echeance", "demain"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(page_text(r).await.contains("date de remise"));
}
