//! School news over real HTTPS: the headteacher publishes an item with a picture through the
//! multipart form, a parent finds it on their portal and the picture is served re-encoded with
//! the safe headers; an item for the school's team is absent from the parent's pages and its
//! address answers 404; anyone but the headteacher is refused (403).

use preau_tests::files::png_with_text;
use preau_tests::{TestApp, page_text};

/// Posts the news form as multipart (the CSRF token in the address); returns the response.
async fn post_news(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    fields: &[(&str, &str)],
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::Response {
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
        .post(app.url(&format!("/actualites/nouvelle?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("post")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string()
}

#[tokio::test]
async fn a_parent_reads_the_headteachers_news_and_nothing_meant_for_the_team() {
    let app = TestApp::start().await;
    let head = app.school.headteacher.clone().expect("headteacher");
    let (head_client, head_csrf) = app
        .sign_in_with_csrf(&head.user.login, head.password.as_deref().unwrap())
        .await;
    let picture = png_with_text(16, "<script>alert(1)</script>");
    let published = post_news(
        &app,
        &head_client,
        &head_csrf,
        &[
            ("titre", "Menu de la cantine"),
            ("destinataires", "familles"),
            ("texte", "Lundi : carottes râpées.\n\nMardi : poisson."),
            ("epinglee", "1"),
        ],
        vec![
            ("menu.png", picture.clone()),
            ("allergenes.txt", b"Gluten : lundi".to_vec()),
        ],
    )
    .await;
    assert_eq!(published.status(), 303);
    let item_url = location(&published);
    assert!(item_url.starts_with("/actualites/"), "{item_url}");
    let for_team = post_news(
        &app,
        &head_client,
        &head_csrf,
        &[
            ("titre", "Conseil des maîtres"),
            ("destinataires", "equipe"),
            ("texte", "Mardi à 17 h."),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(for_team.status(), 303);
    let team_url = location(&for_team);

    // The parent's portal shows the item with its picture; the team's item is nowhere.
    let parent = app.parent().await;
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Menu de la cantine"), "{portal}");
    assert!(!portal.contains("Conseil des maîtres"));
    let list = page_text(parent.get(app.url("/actualites")).send().await.unwrap()).await;
    assert!(list.contains("Menu de la cantine") && list.contains("Épinglée"));
    assert!(!list.contains("Conseil des maîtres"));
    let page = page_text(parent.get(app.url(&item_url)).send().await.unwrap()).await;
    assert!(page.contains("<p>Lundi : carottes râpées.</p>"), "{page}");
    assert!(page.contains("allergenes.txt"));
    let image_path = page
        .split("src=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or(""))
        .find(|src| src.contains("/images/"))
        .expect("picture in the page")
        .to_string();
    assert!(portal.contains(&image_path.replace("/images/", "/vignettes/")));
    let team_page = parent.get(app.url(&team_url)).send().await.unwrap();
    assert_eq!(team_page.status(), 404);

    // The picture is served re-encoded: pixels we produced, without the uploaded metadata.
    let served = parent.get(app.url(&image_path)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    let header = |name: &str| {
        served
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-security-policy"), "sandbox");
    let bytes = served.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert_ne!(bytes.as_ref(), picture.as_slice());
    assert!(!String::from_utf8_lossy(&bytes).contains("<script>"));
    // The other file is a download, with the download's safe headers.
    let attachment_path = page
        .split("href=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap_or(""))
        .find(|href| href.contains("/fichiers/"))
        .expect("attachment link")
        .to_string();
    let download = parent.get(app.url(&attachment_path)).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(
        download.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"Gluten : lundi");

    // A teacher reads both, but may not publish or withdraw (403).
    let teacher = &app.school.teachers[0];
    let (teacher_client, teacher_csrf) = app
        .sign_in_with_csrf(&teacher.user.login, teacher.password.as_deref().unwrap())
        .await;
    let team_for_teacher = teacher_client.get(app.url(&team_url)).send().await.unwrap();
    assert_eq!(team_for_teacher.status(), 200);
    let refused = post_news(
        &app,
        &teacher_client,
        &teacher_csrf,
        &[("titre", "Pas autorisé"), ("destinataires", "familles")],
        vec![("x.png", picture.clone())],
    )
    .await;
    assert_eq!(refused.status(), 403);
    let withdraw = teacher_client
        .post(app.url(&format!("{item_url}/retirer")))
        .form(&[("_csrf", teacher_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(withdraw.status(), 403);
    let form = teacher_client
        .get(app.url("/actualites/nouvelle"))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403);
    let list = page_text(
        teacher_client
            .get(app.url("/actualites"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!list.contains("Pas autorisé"));

    // The headteacher withdraws the item: the parent's pages lose it.
    let withdraw = head_client
        .post(app.url(&format!("{item_url}/retirer")))
        .form(&[("_csrf", head_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(withdraw.status(), 303);
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    assert!(!portal.contains("Menu de la cantine"));
    assert_eq!(
        parent
            .get(app.url(&item_url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        parent
            .get(app.url(&image_path))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn titles_and_bodies_are_shown_as_harmless_text() {
    let app = TestApp::start().await;
    let head = app.school.headteacher.clone().expect("headteacher");
    let (client, csrf) = app
        .sign_in_with_csrf(&head.user.login, head.password.as_deref().unwrap())
        .await;
    let attack = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let published = post_news(
        &app,
        &client,
        &csrf,
        &[
            ("titre", attack),
            ("destinataires", "familles"),
            (
                "texte",
                "<p onclick=\"alert(3)\">Bonjour <a href=\"javascript:alert(4)\">ici</a></p><svg onload=alert(5)></svg>",
            ),
        ],
        Vec::new(),
    )
    .await;
    assert_eq!(published.status(), 303);
    let html = client
        .get(app.url(&location(&published)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<h1>&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{html}"
    );
    for bad in [
        "<script>alert",
        "<img src=x",
        "onclick",
        "javascript:",
        "<svg",
        "onload",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("<p>Bonjour <a rel=\"noopener noreferrer nofollow\">ici</a></p>"));
}
