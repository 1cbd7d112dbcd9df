//! Search over real HTTPS: the library and the documents each person may open, in French;
//! access enforced inside the query (no hit, count, snippet or suggestion leaks); the index
//! is derived data that comes back after it is lost.

use preau_app::library::ResourceForm;
use preau_core::{Discipline, Level, ResourceKind, ShareTarget, SpaceOwner, Subject, UserId};
use preau_tests::files::{my_documents, subject};
use preau_tests::{TestApp, page_text};
use std::time::{Duration, Instant};

/// Stores a text file in a folder, as `who`.
fn save_text(
    app: &TestApp,
    who: &Subject,
    folder: preau_core::NodeId,
    name: &str,
    text: &str,
) -> preau_core::NodeId {
    let mut incoming = app.app.incoming(name).unwrap();
    incoming.write(text.as_bytes()).unwrap();
    let received = incoming.finish().unwrap();
    app.app.save_file(who, folder, name, &received).unwrap().id
}

/// Publishes a worksheet whose file holds `text`.
fn publish(app: &TestApp, who: &Subject, title: &str, text: &str) -> preau_core::ResourceId {
    let mut incoming = app.app.incoming("fiche.txt").unwrap();
    incoming.write(text.as_bytes()).unwrap();
    let received = incoming.finish().unwrap();
    let form = ResourceForm {
        title: title.into(),
        description: String::new(),
        levels: vec![Level::Cp],
        disciplines: vec![Discipline::Science],
        kind: Some(ResourceKind::Worksheet),
        ..ResourceForm::default()
    };
    app.app
        .publish_resource(who, &form, Some(("fiche.txt", &received)))
        .unwrap()
        .id
}

/// How many items `who` finds for `text`.
fn total(app: &TestApp, who: &Subject, text: &str) -> usize {
    let query = preau_app::search::SearchQuery {
        text: text.into(),
        limit: 10,
        ..Default::default()
    };
    app.app.search(who, query).unwrap().total
}

/// Waits (bounded) until the background indexer has caught up.
async fn indexed(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        app.app.index_pending().unwrap();
        if app.app.store().index_feed_since(0, 1).unwrap().is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "indexing did not catch up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_pupil_finds_a_worksheet_by_a_word_without_accents() {
    let app = TestApp::start().await;
    let teacher = subject(&app.app, app.school.teachers[0].user.id);
    publish(
        &app,
        &teacher,
        "Les volcans d'Auvergne",
        "Un volcan entre en éruption quand le magma remonte. Les élèves dessinent le cratère.",
    );
    indexed(&app).await;
    let pupil = app.pupil(0).await;
    let page = page_text(
        pupil
            .get(app.url("/recherche?q=eruption+eleves"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("Les volcans d'Auvergne"), "{page}");
    assert!(
        page.contains("<mark>éruption</mark>"),
        "snippet highlights the match: {page}"
    );
    assert!(page.contains("1 résultat(s)"), "{page}");
    // Facets with counts, and a filter that narrows.
    assert!(page.contains("CP</a> <small>(1)</small>"), "{page}");
    let none = page_text(
        pupil
            .get(app.url("/recherche?q=eruption&niveau=CM2"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(none.contains("Aucun résultat"), "{none}");
    // Suggestions as one types.
    let titles: Vec<String> = pupil
        .get(app.url("/recherche/suggestions?q=volc"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(titles, vec!["Les volcans d'Auvergne".to_string()]);
    // Without a word, the page is just the box.
    let empty = page_text(pupil.get(app.url("/recherche")).send().await.unwrap()).await;
    assert!(empty.contains("Que cherches-tu ?") && !empty.contains("résultat"));
}

#[tokio::test]
async fn nobody_learns_anything_about_what_they_cannot_open() {
    let app = TestApp::start().await;
    let dir = app.app.directory();
    let cp = app.school.classes[0].clone();
    let cm2 = app.school.classes[1].clone();
    let pupils_of = |class| -> Vec<UserId> { dir.pupils_of(class).iter().map(|p| p.id).collect() };
    let (a, b, c) = (
        pupils_of(cp.id)[0],
        pupils_of(cp.id)[1],
        pupils_of(cm2.id)[0],
    );
    let parent_of_a = dir.user(a).unwrap().guardians[0];
    drop(dir);
    let teacher_cp = subject(&app.app, cp.teachers[0]);
    let head = subject(&app.app, app.school.headteacher.clone().unwrap().user.id);
    let s = |u| subject(&app.app, u);

    // Items whose title and text share the word "zéphyr", in every kind of place.
    let class_root = app.app.ensure_space(SpaceOwner::Class(cp.id)).unwrap().root;
    let staff_root = app.app.ensure_space(SpaceOwner::Staff).unwrap().root;
    let items = [
        (
            "zéphyr de A",
            save_text(
                &app,
                &s(a),
                my_documents(&app.app, a),
                "zéphyr de A.txt",
                "le zéphyr souffle chez A",
            ),
        ),
        (
            "zéphyr de B",
            save_text(
                &app,
                &s(b),
                my_documents(&app.app, b),
                "zéphyr de B.txt",
                "le zéphyr souffle chez B",
            ),
        ),
        (
            "zéphyr du CP",
            save_text(
                &app,
                &teacher_cp,
                class_root,
                "zéphyr du CP.txt",
                "le zéphyr souffle au CP",
            ),
        ),
        (
            "zéphyr des maîtres",
            save_text(
                &app,
                &head,
                staff_root,
                "zéphyr des maîtres.txt",
                "le zéphyr souffle en salle des maîtres",
            ),
        ),
    ];
    let shared_with_families = save_text(
        &app,
        &teacher_cp,
        class_root,
        "zéphyr des familles.txt",
        "le zéphyr souffle pour les familles",
    );
    app.app
        .share(
            &teacher_cp,
            shared_with_families,
            ShareTarget::ClassFamilies(cp.id),
            false,
        )
        .unwrap();
    publish(
        &app,
        &teacher_cp,
        "zéphyr de la bibliothèque",
        "le zéphyr souffle dans la bibliothèque",
    );
    indexed(&app).await;

    let everyone = [
        a,
        b,
        c,
        parent_of_a,
        cp.teachers[0],
        cm2.teachers[0],
        head.user,
    ];
    for user in everyone {
        let who = s(user);
        // What the person may open, according to the one access decision.
        let mut can_open: Vec<String> = items
            .iter()
            .filter(|(_, id)| app.app.resolve(&who, *id).is_ok())
            .map(|(title, _)| format!("{title}.txt"))
            .collect();
        if app.app.resolve(&who, shared_with_families).is_ok() {
            can_open.push("zéphyr des familles.txt".into());
        }
        if app
            .app
            .directory()
            .can_on_school(&who, preau_core::Action::ViewLibrary)
        {
            can_open.push("zéphyr de la bibliothèque".into());
        }
        can_open.sort();
        let results = app
            .app
            .search(
                &who,
                preau_app::search::SearchQuery {
                    text: "zephyr".into(),
                    limit: 50,
                    ..Default::default()
                },
            )
            .unwrap();
        let mut found: Vec<String> = results.hits.iter().map(|h| h.title.clone()).collect();
        found.sort();
        assert_eq!(found, can_open, "hits of user {user}");
        assert_eq!(results.total, can_open.len(), "count of user {user}");
        let facet_total: u64 = results.facets.spaces.iter().map(|(_, n)| n).sum();
        assert_eq!(
            facet_total as usize,
            can_open.len(),
            "facet counts of user {user}"
        );
        for hit in &results.hits {
            assert!(
                can_open.contains(&hit.title),
                "snippet from {} for {user}",
                hit.title
            );
        }
        let mut suggested = app.app.suggest(&who, "zéph", 50).unwrap();
        suggested.sort();
        assert_eq!(suggested, can_open, "suggestions of user {user}");
    }
    // A share reaches the index: once B's file is shared with A, A finds it.
    app.app
        .share(&s(b), items[1].1, ShareTarget::User(a), false)
        .unwrap();
    indexed(&app).await;
    assert_eq!(total(&app, &s(a), "zephyr chez B"), 1);
    // Trashed items leave the results.
    app.app.trash(&s(b), items[1].1).unwrap();
    indexed(&app).await;
    assert_eq!(total(&app, &s(b), "zephyr chez B"), 0);
}

#[tokio::test]
async fn a_failed_extraction_is_shown_to_the_uploader() {
    let app = TestApp::start().await;
    let teacher_id = app.school.teachers[0].user.id;
    let teacher = app.teacher().await;
    let root = my_documents(&app.app, teacher_id);
    let csrf = app.csrf(&teacher, "/documents").await;
    // A "PDF" that is not one.
    let body = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage".to_vec();
    let r = preau_tests::files::upload(
        &teacher,
        &app.base,
        &csrf,
        root,
        "abime.pdf",
        reqwest::Body::from(body.clone()),
        body.len() as u64,
    )
    .await;
    assert_eq!(r.status(), 303);
    indexed(&app).await;
    let id = app
        .app
        .child_named(&subject(&app.app, teacher_id), root, "abime.pdf")
        .unwrap()
        .unwrap()
        .id;
    let page = page_text(
        teacher
            .get(app.url(&format!("/documents/element/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("n'a pas pu être lu pour la recherche"),
        "{page}"
    );
    // The site still works and the file still downloads.
    let download = teacher
        .get(app.url(&format!("/documents/fichier/{id}/telecharger")))
        .send()
        .await
        .unwrap();
    assert_eq!(&download.bytes().await.unwrap()[..], &body[..]);
}

/// A zip of `files` (name, content), made in memory.
fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, content) in files {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_teacher_imports_a_zip_with_a_csv_of_metadata() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let csrf = app.csrf(&teacher, "/bibliotheque/importer").await;
    let archive = zip_of(&[
        (
            "CP/maths/additions.txt",
            "Ajouter des nombres jusqu'à vingt avec la bande numérique.",
        ),
        (
            "CP/sons/comptine.txt",
            "Une souris verte qui courait dans l'herbe.",
        ),
        ("__MACOSX/._additions.txt", "resource fork"),
    ]);
    let csv = "Fichier;Titre;Niveaux;Matières;Type\nadditions.txt;Les additions jusqu'à 20;CP|CE1;Mathématiques;fiche\n";
    let form = reqwest::multipart::Form::new()
        .part(
            "fichiers",
            reqwest::multipart::Part::bytes(archive).file_name("lot.zip"),
        )
        .part(
            "metadonnees",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("meta.csv"),
        );
    let (status, page) = post_form(&app, &teacher, "/bibliotheque/importer", &csrf, form).await;
    assert_eq!(status, 200);
    assert!(page.contains("2 ressource(s) publiée(s)"), "{page}");
    assert!(
        page.contains("Les additions jusqu'à 20") && page.contains("comptine"),
        "{page}"
    );
    let head = subject(&app.app, app.school.teachers[0].user.id);
    let list = app.app.resources(&head, &Default::default()).unwrap();
    let additions = list
        .iter()
        .find(|r| r.title == "Les additions jusqu'à 20")
        .unwrap();
    assert_eq!(additions.levels, vec![Level::Cp, Level::Ce1]);
    assert_eq!(additions.disciplines, vec![Discipline::Mathematics]);
    assert_eq!(additions.kind, ResourceKind::Worksheet);
    // Found by a word of its content, through the index.
    indexed(&app).await;
    let pupil = app.pupil(0).await;
    let found = page_text(
        pupil
            .get(app.url("/recherche?q=bande+numerique"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(found.contains("Les additions jusqu'à 20"), "{found}");
    // A damaged archive is refused in French.
    let form = reqwest::multipart::Form::new().part(
        "fichiers",
        reqwest::multipart::Part::bytes(b"PK\x03\x04broken".to_vec()).file_name("abime.zip"),
    );
    let (status, page) = post_form(&app, &teacher, "/bibliotheque/importer", &csrf, form).await;
    assert_eq!(status, 422);
    assert!(page.contains("L'archive zip est endommagée"), "{page}");
}

/// Imports one text file with a CSV of metadata through the library's import form, as
/// `teacher`; returns the status and the page's text.
async fn import_with_csv(
    app: &TestApp,
    teacher: &reqwest::Client,
    csrf: &str,
    (name, text): (&str, &str),
    csv: Vec<u8>,
) -> (reqwest::StatusCode, String) {
    let form = reqwest::multipart::Form::new()
        .part(
            "fichiers",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
        )
        .part(
            "metadonnees",
            reqwest::multipart::Part::bytes(csv).file_name("meta.csv"),
        );
    post_form(app, teacher, "/bibliotheque/importer", csrf, form).await
}

/// Sends a multipart form to `path` as `client`; returns the status and the page's text.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    csrf: &str,
    form: reqwest::multipart::Form,
) -> (reqwest::StatusCode, String) {
    let r = client
        .post(app.url(&format!("{path}?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), page_text(r).await)
}

#[tokio::test]
async fn library_forms_refuse_a_huge_field_and_read_a_csv_saved_by_excel() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let head = subject(&app.app, app.school.teachers[0].user.id);
    let before = app.app.resources(&head, &Default::default()).unwrap().len();

    // A title of 1 MiB (a hostile or broken client): refused in French, nothing published.
    let csrf = app.csrf(&teacher, "/bibliotheque/publier").await;
    let form = reqwest::multipart::Form::new()
        .text("titre", "a".repeat(1024 * 1024))
        .text("adresse", "https://fr.vikidia.org/")
        .text("genre", "lien");
    let (status, page) = post_form(&app, &teacher, "/bibliotheque/publier", &csrf, form).await;
    assert_eq!(status, 413);
    assert!(page.contains("trop volumineux"), "{page}");
    assert_eq!(
        app.app.resources(&head, &Default::default()).unwrap().len(),
        before
    );

    // Metadata saved by Excel on a French Windows (Windows-1252: « è » is one byte, 0xE8).
    let csrf = app.csrf(&teacher, "/bibliotheque/importer").await;
    let csv = encoding_rs::WINDOWS_1252
        .encode("Fichier;Titre;Matières\nvolcans.txt;Les volcans d'Auvergne;Sciences\n")
        .0
        .into_owned();
    assert!(csv.contains(&0xE8), "the CSV is really Windows-1252");
    let volcans = ("volcans.txt", "Le Puy de Dome est un volcan endormi.");
    let (status, page) = import_with_csv(&app, &teacher, &csrf, volcans, csv).await;
    assert_eq!(status, 200);
    assert!(page.contains("1 ressource(s) publiée(s)"), "{page}");
    let list = app.app.resources(&head, &Default::default()).unwrap();
    let volcans = list
        .iter()
        .find(|r| r.title == "Les volcans d'Auvergne")
        .expect("titled from the CSV");
    assert_eq!(volcans.disciplines, vec![Discipline::Science]);

    // A CSV over 1 MiB: refused with a French message, nothing published.
    let mut big = b"Fichier;Titre\n".to_vec();
    big.resize(1024 * 1024 + 1, b'x');
    let fractions = ("fractions.txt", "Les fractions.");
    let (status, page) = import_with_csv(&app, &teacher, &csrf, fractions, big).await;
    assert!(status.is_client_error(), "{status}");
    assert!(page.contains("trop gros"), "{page}");
    assert_eq!(
        app.app.resources(&head, &Default::default()).unwrap().len(),
        before + 1
    );
}
