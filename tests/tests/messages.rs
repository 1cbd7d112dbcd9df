//! Messages over real HTTPS: a teacher sends a message with a picture and a web page attached
//! through the form; the parent sees « Messages (1) » on the portal, reads it, gets the
//! picture re-encoded and the page as a download with the safe headers, and replies; another
//! family's parent gets 404; a pupil writing outside the rules gets the form back (422) with
//! the French reason and what they typed; the headteacher's emergency switch refuses a
//! parent's next reply at once, and lifting it lets it through.

use preau_app::messages::NewMessage;
use preau_core::UserId;
use preau_tests::files::png_with_text;
use preau_tests::{TestApp, extract_csrf, page_text};

/// The CSRF token of a signed-in client (from any page with a form).
async fn token(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/messages"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    extract_csrf(&html).expect("a CSRF field")
}

/// Posts a message form as multipart (the CSRF token in the address).
async fn post_message(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let csrf = token(app, client).await;
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, bytes) in files {
        form = form.part(
            "fichiers",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    }
    client
        .post(app.url(&format!("{action}?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .unwrap()
        .split('#')
        .next()
        .unwrap()
        .to_string()
}

fn parent_id(app: &TestApp) -> UserId {
    app.school.parents[0].user.id
}

#[tokio::test]
async fn a_teacher_sends_a_file_the_parent_reads_it_downloads_it_and_replies() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let parent = app.parent().await;
    let parent_name = app.school.parents[0].user.full_name();

    // The form offers the class's parents, grouped.
    let form = teacher
        .get(app.url("/messages/nouveau"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let form = page_text(form).await;
    assert!(form.contains("Tous les parents de la classe"), "{form}");
    assert!(form.contains(&parent_name));

    let to = parent_id(&app).to_string();
    let sent = post_message(
        &app,
        &teacher,
        "/messages/nouveau",
        &[
            ("a", to.as_str()),
            ("objet", "Sortie <b>au musée</b>"),
            (
                "texte",
                "<p onclick=\"alert(1)\">Voici la photo de la classe.</p><script>alert('pirate')</script><img src=x onerror=alert(1)>",
            ),
        ],
        vec![
            ("classe.png", png_with_text(8, "secret-metadata")),
            ("programme.html", b"<script>alert(1)</script>".to_vec()),
        ],
    )
    .await;
    assert_eq!(sent.status(), 303, "{}", sent.text().await.unwrap());
    let conversation = location(&sent);
    assert!(conversation.starts_with("/messages/"));

    // The parent's portal shows the badge, the inbox the conversation.
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Messages (1)"), "{portal}");
    let inbox = parent.get(app.url("/messages")).send().await.unwrap();
    let inbox = inbox.text().await.unwrap();
    assert!(inbox.contains(&conversation));
    assert!(
        inbox.contains("Sortie &#60;b&#62;au musée"),
        "subject escaped"
    );
    assert!(!inbox.contains("<b>au musée"));
    assert!(inbox.contains("1 non lu"));

    // Reading it: the text, harmless; the picture inline, re-encoded; the page a download.
    let page = parent.get(app.url(&conversation)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Voici la photo de la classe."));
    for bad in ["alert('pirate')", "onclick", "onerror", "<b>au musée"] {
        assert!(!html.contains(bad), "{bad} reached the page");
    }
    let picture = html
        .split("src=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|src| src.contains("/images/"))
        .expect("the picture is shown")
        .to_string();
    let file = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .filter(|href| href.contains("/fichiers/"))
        .nth(1)
        .expect("the page is offered as a download")
        .to_string();

    let shown = parent.get(app.url(&picture)).send().await.unwrap();
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["content-type"], "image/png");
    assert_eq!(shown.headers()["x-content-type-options"], "nosniff");
    assert_eq!(shown.headers()["content-security-policy"], "sandbox");
    let bytes = shown.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert!(
        !bytes.windows(15).any(|w| w == b"secret-metadata"),
        "the metadata is gone"
    );

    let downloaded = parent.get(app.url(&file)).send().await.unwrap();
    assert_eq!(downloaded.status(), 200);
    let headers = downloaded.headers().clone();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment"),
        "{:?}",
        headers["content-disposition"]
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(
        downloaded.bytes().await.unwrap().as_ref(),
        b"<script>alert(1)</script>"
    );

    // Read: the badge is gone.
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    assert!(!portal.contains("Messages (1)"));

    // Another family: nothing to see.
    let stranger = app.parent_of_another_class().await;
    for path in [&conversation, &picture, &file] {
        let response = stranger.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }

    // The parent replies; the teacher sees the badge and the reply.
    let reply = post_message(
        &app,
        &parent,
        &format!("{conversation}/repondre"),
        &[("texte", "Merci, très jolie photo !")],
        Vec::new(),
    )
    .await;
    assert_eq!(reply.status(), 303);
    let portal = page_text(teacher.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Messages (1)"), "{portal}");
    let thread = page_text(teacher.get(app.url(&conversation)).send().await.unwrap()).await;
    assert!(thread.contains("Merci, très jolie photo !"));
}

#[tokio::test]
async fn a_pupil_writing_outside_the_rules_gets_the_form_back_with_the_reason() {
    let app = TestApp::start().await;
    let pupil = app.pupil(0).await;
    let cm2_teacher = &app.school.teachers[1].user;
    let to = cm2_teacher.id.to_string();
    let refused = post_message(
        &app,
        &pupil,
        "/messages/nouveau",
        &[
            ("a", to.as_str()),
            ("objet", "Ma question"),
            ("texte", "Bonjour, c'est quand la récré ?"),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let text = page_text(refused).await;
    assert!(
        text.contains(&format!(
            "Les règles de l'école ne permettent pas d'écrire à {}.",
            cm2_teacher.full_name()
        )),
        "{text}"
    );
    // Nothing lost: what was typed is in the form again.
    assert!(text.contains("value=\"Ma question\""));
    assert!(text.contains("Bonjour, c'est quand la récré ?"));
    assert!(
        app.app
            .conversations(&app.app.directory().subject(&app.school.pupils[0].user))
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_headteachers_emergency_switch_refuses_a_parents_next_reply_at_once() {
    let app = TestApp::start().await;
    let dir = app.app.directory();
    let teacher = dir.subject(&app.school.teachers[0].user);
    let conversation = app
        .app
        .send_message(
            &teacher,
            &NewMessage {
                to: vec![parent_id(&app)],
                subject: "Réunion".into(),
                body: "La réunion est jeudi.".into(),
            },
            &[],
            &[],
        )
        .unwrap()[0]
        .id;
    let reply_path = format!("/messages/{conversation}/repondre");
    let head = app.headteacher().await;
    let parent = app.parent().await;

    // The parent may not switch anything.
    let csrf = token(&app, &parent).await;
    let forbidden = parent
        .post(app.url("/messages/regles/urgence"))
        .form(&[("_csrf", csrf.as_str()), ("restreindre", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);

    let rules = page_text(head.get(app.url("/messages/regles")).send().await.unwrap()).await;
    assert!(rules.contains("Restreindre la messagerie aux adultes de l'école"));
    let switched = app
        .post_form(
            &head,
            "/messages/regles",
            "/messages/regles/urgence",
            &[("restreindre", "1")],
        )
        .await;
    assert_eq!(switched.status(), 303);
    let rules = page_text(head.get(app.url("/messages/regles")).send().await.unwrap()).await;
    assert!(rules.contains("Lever la restriction"));

    let refused = post_message(
        &app,
        &parent,
        &reply_path,
        &[("texte", "Nous serons là.")],
        Vec::new(),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let text = page_text(refused).await;
    assert!(
        text.contains("seuls les adultes de l'école peuvent envoyer des messages"),
        "{text}"
    );
    assert!(text.contains("Nous serons là."), "the reply is kept");

    let lifted = app
        .post_form(
            &head,
            "/messages/regles",
            "/messages/regles/urgence",
            &[("restreindre", "0")],
        )
        .await;
    assert_eq!(lifted.status(), 303);
    let replied = post_message(
        &app,
        &parent,
        &reply_path,
        &[("texte", "Nous serons là.")],
        Vec::new(),
    )
    .await;
    assert_eq!(replied.status(), 303);
}
