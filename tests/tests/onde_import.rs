//! The rentrée import through the browser: the headteacher sends the ONDE exports, checks
//! the preview, applies, and finds the new classes on the classes page.

use preau_tests::{TestApp, page_text};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/onde/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The values of the hidden `fichier` fields of the preview page.
fn carried(html: &str) -> Vec<String> {
    html.split("name=\"fichier\" value=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn headteacher_uploads_previews_and_applies_onde_exports() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    // A teacher may not even see the page (checked first: the demo's teachers are not in
    // the files and the import archives them).
    let teacher = app.teacher().await;
    let status = teacher
        .get(app.url("/admin/import-onde"))
        .send()
        .await
        .expect("teacher")
        .status();
    assert_eq!(status, 403);
    let accounts = page_text(
        head.get(app.url("/admin/comptes"))
            .send()
            .await
            .expect("accounts"),
    )
    .await;
    assert!(accounts.contains("Rentrée : importer ONDE"));
    let token = app.csrf(&head, "/admin/import-onde").await;

    let mut form = reqwest::multipart::Form::new();
    for name in [
        "eleves-2024-utf8.csv",
        "responsables-2024-par-eleve.csv",
        "enseignants-2024.csv",
    ] {
        form = form.part(
            "fichiers",
            reqwest::multipart::Part::bytes(fixture(name)).file_name(name),
        );
    }
    let response = head
        .post(app.url(&format!("/admin/import-onde?_csrf={token}")))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), 200);
    let preview = response.text().await.expect("preview");
    assert!(preview.contains("Comptes à créer"), "{preview}");
    assert!(preview.contains("CE2-CM1 M. Benoît"), "a class to create");
    assert!(preview.contains("Appliquer"));
    let files = carried(&preview);
    assert_eq!(files.len(), 3, "{files:?}");

    // Nothing changed yet.
    let classes = page_text(
        head.get(app.url("/admin/classes"))
            .send()
            .await
            .expect("classes"),
    )
    .await;
    assert!(!classes.contains("CE2-CM1 M. Benoît"));

    let mut fields: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
    fields.extend(files.iter().map(|f| ("fichier", f.as_str())));
    let response = head
        .post(app.url("/admin/import-onde/appliquer"))
        .form(&fields)
        .send()
        .await
        .expect("apply");
    assert_eq!(response.status(), 200);
    let done = response.text().await.expect("done");
    assert!(done.contains("Import appliqué"), "{done}");
    assert!(
        done.contains("Code d'activation"),
        "letters for the new adults"
    );

    let classes = page_text(
        head.get(app.url("/admin/classes"))
            .send()
            .await
            .expect("classes"),
    )
    .await;
    assert!(classes.contains("CE2-CM1 M. Benoît"), "{classes}");
}
