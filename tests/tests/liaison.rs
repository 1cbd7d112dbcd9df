//! The carnet de liaison over real HTTPS: a teacher posts a word with a consent form through
//! the form; the parent finds it on the portal, signs it, answers the form and replies once;
//! the teacher sees the signature, the answer, the reply and the families still to sign,
//! reminds them and prints the slips; a parent of another class gets 404s; script pasted in
//! a word or a reply never reaches a page.

use preau_tests::{TestApp, page_text};

#[tokio::test]
async fn a_parent_signs_answers_and_replies_and_the_teacher_follows() {
    let app = TestApp::start().await;
    let cp = app.school.classes[0].id;
    let child = app.school.pupils[0].user.id;

    // The teacher posts a word with a consent form through the form.
    let teacher = app.teacher().await;
    let form_page = format!("/carnet-de-liaison/classe/{cp}/nouveau-mot");
    let page = page_text(teacher.get(app.url(&form_page)).send().await.unwrap()).await;
    assert!(page.contains("toute la classe"), "{page}");
    let audience = format!("classe-{cp}");
    let posted = app
        .post_form(
            &teacher,
            &form_page,
            &form_page,
            &[
                ("pour", audience.as_str()),
                ("titre", "Sortie au zoo"),
                (
                    "mot",
                    "<p onclick=\"alert(1)\">Départ à 9 h.</p><script>alert('pirate')</script>",
                ),
                ("autorisation", "1"),
                ("question", "J'autorise mon enfant à aller au zoo."),
            ],
        )
        .await;
    assert_eq!(posted.status(), 303, "{}", page_text(posted).await);
    let word_url = posted.headers()["location"].to_str().unwrap().to_string();
    assert!(
        word_url.starts_with("/carnet-de-liaison/mot/"),
        "{word_url}"
    );

    // A refused form says why and keeps what was typed.
    let refused = app
        .post_form(
            &teacher,
            &form_page,
            &form_page,
            &[
                ("pour", audience.as_str()),
                ("titre", "Sans texte"),
                ("mot", " "),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let refused = page_text(refused).await;
    assert!(refused.contains("Sans texte") && refused.contains("obligatoire"));

    // The parent finds it on the portal with the sign button, and signs.
    let parent = app.parent().await;
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Carnet de liaison : à signer"), "{portal}");
    assert!(portal.contains("Sortie au zoo") && portal.contains("Vu et signé"));
    assert!(!portal.contains("alert('pirate')") && !portal.contains("onclick"));
    let child_id = child.to_string();
    let signed = app
        .post_form(
            &parent,
            "/",
            &format!("{word_url}/signer"),
            &[("eleve", child_id.as_str()), ("retour", "/")],
        )
        .await;
    assert_eq!(signed.status(), 303);
    assert_eq!(signed.headers()["location"], "/");
    let consent = app
        .post_form(
            &parent,
            &word_url,
            &format!("{word_url}/autorisation"),
            &[("eleve", child_id.as_str()), ("reponse", "non")],
        )
        .await;
    assert_eq!(consent.status(), 303);
    let reply = |text: &'static str| {
        let parent = &parent;
        let app = &app;
        let url = format!("{word_url}/repondre");
        let child_id = child_id.clone();
        let word_url = word_url.clone();
        async move {
            app.post_form(
                parent,
                &word_url,
                &url,
                &[("eleve", child_id.as_str()), ("texte", text)],
            )
            .await
        }
    };
    assert_eq!(
        reply("<script>alert('réponse')</script>Merci !")
            .await
            .status(),
        303
    );
    let twice = reply("Encore").await;
    assert_eq!(twice.status(), 422);
    assert!(page_text(twice).await.contains("déjà répondu"));
    let mine = page_text(parent.get(app.url(&word_url)).send().await.unwrap()).await;
    assert!(
        mine.contains("Vu et signé par") && mine.contains("Non autorisé"),
        "{mine}"
    );
    assert!(mine.contains("Merci !") && !mine.contains("<script>alert('réponse')"));

    // The teacher sees the signature, the answer, the reply and who is still to sign.
    let follow = page_text(teacher.get(app.url(&word_url)).send().await.unwrap()).await;
    assert!(follow.contains("1 / 30 signé(s)"), "{follow}");
    assert!(follow.contains("Familles qui n'ont pas encore signé (29)"));
    assert!(follow.contains("0 autorisation(s), 1 refus"));
    assert!(follow.contains("Merci !") && !follow.contains("<script>alert('réponse')"));
    let reminded = app
        .post_form(&teacher, &word_url, &format!("{word_url}/relancer"), &[])
        .await;
    assert_eq!(reminded.status(), 200);
    assert!(
        page_text(reminded)
            .await
            .contains("Rappel envoyé à 29 famille(s).")
    );
    let again = app
        .post_form(&teacher, &word_url, &format!("{word_url}/relancer"), &[])
        .await;
    assert_eq!(again.status(), 422);
    let slips = page_text(
        teacher
            .get(app.url(&format!("{word_url}/coupons")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(slips.matches("class=\"slip\"").count(), 30);
    assert!(slips.contains("J'autorise") && slips.contains("Je n'autorise pas"));

    // A parent of another class: the word, the child's carnet and the sign route are 404.
    let stranger = app.parent_of_another_class().await;
    let hidden = stranger.get(app.url(&word_url)).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
    let carnet = stranger
        .get(app.url(&format!("/carnet-de-liaison/eleve/{child}")))
        .send()
        .await
        .unwrap();
    assert_eq!(carnet.status(), 404);
    let refused = app
        .post_form(
            &stranger,
            "/",
            &format!("{word_url}/signer"),
            &[("eleve", child_id.as_str())],
        )
        .await;
    assert!(
        matches!(refused.status().as_u16(), 403 | 404),
        "{}",
        refused.status()
    );
    let portal = page_text(stranger.get(app.url("/")).send().await.unwrap()).await;
    assert!(!portal.contains("Sortie au zoo"));
}
