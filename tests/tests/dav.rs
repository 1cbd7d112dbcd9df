//! The WebDAV network drive over real HTTPS, driven like a WebDAV client does (PROPFIND,
//! PUT, GET, MKCOL, MOVE, COPY, DELETE) and, when it is installed, by rclone: byte-exact round
//! trips up to 200 MiB, the trash, quotas, application passwords and the access rules.

use preau_core::{NodeId, ShareTarget, SpaceOwner, User, UserId};
use preau_tests::TestApp;
use preau_tests::files::{body, content, content_sha, my_documents, stream_sha, subject};
use reqwest::{Method, StatusCode};

const MIB: u64 = 1024 * 1024;

/// A WebDAV client: a login and an application password.
struct Dav {
    client: reqwest::Client,
    base: String,
    login: String,
    password: String,
}

impl Dav {
    /// A client for `user` with a new application password.
    fn of(app: &TestApp, user: &User) -> Dav {
        let password = app
            .app
            .create_app_password(&subject(&app.app, user.id), "tests")
            .expect("application password");
        Dav::with_password(app, &user.login, &password)
    }

    fn with_password(app: &TestApp, login: &str, password: &str) -> Dav {
        Dav {
            // No cookie store: WebDAV clients carry none.
            client: plain_client(app),
            base: app.url("/dav"),
            login: login.into(),
            password: password.into(),
        }
    }

    /// A request on a path below `/dav` (spaces and accents are encoded by the URL parser).
    fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        self.client
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.login, Some(&self.password))
    }

    async fn propfind(&self, path: &str, depth: &str) -> (StatusCode, String) {
        let response = self
            .request("PROPFIND", path)
            .header("depth", depth)
            .send()
            .await
            .expect("PROPFIND");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// The decoded names listed by a `Depth: 1` PROPFIND of a folder (the folder excluded).
    async fn list(&self, path: &str) -> Vec<String> {
        let (status, xml) = self.propfind(path, "1").await;
        assert_eq!(status, 207, "PROPFIND {path}: {xml}");
        let own = format!("/dav{path}");
        hrefs(&xml)
            .into_iter()
            .filter(|h| h.trim_end_matches('/') != own.trim_end_matches('/'))
            .map(|h| {
                h.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    async fn put(&self, path: &str, bytes: Vec<u8>) -> StatusCode {
        self.request("PUT", path)
            .body(bytes)
            .send()
            .await
            .expect("PUT")
            .status()
    }

    async fn status(&self, method: &str, path: &str) -> StatusCode {
        self.request(method, path)
            .send()
            .await
            .expect(method)
            .status()
    }

    /// MOVE or COPY with a destination below `/dav` and an Overwrite header.
    async fn transfer(&self, method: &str, from: &str, to: &str, overwrite: bool) -> StatusCode {
        let destination = reqwest::Url::parse(&format!("{}{to}", self.base)).expect("url");
        self.request(method, from)
            .header("destination", destination.as_str())
            .header("overwrite", if overwrite { "T" } else { "F" })
            .send()
            .await
            .expect(method)
            .status()
    }

    /// The SHA-256 and length of a file, downloaded as a stream.
    async fn sha(&self, path: &str) -> (String, u64) {
        let response = self.request("GET", path).send().await.expect("GET");
        assert_eq!(response.status(), 200, "GET {path}");
        stream_sha(response.bytes_stream()).await
    }
}

/// A client trusting the school's CA, keeping no cookies.
fn plain_client(app: &TestApp) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(app.ca_pem.as_bytes()).expect("CA certificate");
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `href`s of a multistatus answer, percent-decoded.
fn hrefs(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<D:href>") {
        rest = &rest[start + "<D:href>".len()..];
        let Some(end) = rest.find("</") else { break };
        out.push(percent_decode(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The live item called `name` in a folder, as `user` sees it.
fn item(app: &TestApp, user: UserId, folder: NodeId, name: &str) -> Option<preau_core::Node> {
    app.app
        .child_named(&subject(&app.app, user), folder, name)
        .expect("listing")
}

/// Bytes used by a person's own space.
fn used(app: &TestApp, user: UserId) -> u64 {
    app.app
        .ensure_space(SpaceOwner::Personal(user))
        .expect("space")
        .used
}

#[tokio::test]
async fn propfind_lists_the_spaces_and_files_round_trip_byte_for_byte() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let dav = Dav::of(&app, &teacher);

    let (status, xml) = dav.propfind("/", "0").await;
    assert_eq!(status, 207, "{xml}");
    assert_eq!(hrefs(&xml), ["/dav/"], "Depth 0 describes the top only");

    let top = dav.list("/").await;
    let titles: Vec<String> = app
        .app
        .spaces(&subject(&app.app, teacher.id))
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert!(titles.contains(&"Mes documents".to_string()));
    for title in &titles {
        assert!(top.contains(title), "{title} in {top:?}");
    }
    assert!(top.contains(&"Partagés avec moi".to_string()), "{top:?}");

    let root = my_documents(&app.app, teacher.id);
    for (seed, size) in [(1, 0), (2, 1), (3, MIB)] {
        let name = format!("fichier-{size}.bin");
        let path = format!("/Mes documents/{name}");
        assert_eq!(
            dav.put(&path, content(seed, size)).await,
            201,
            "PUT {size} bytes"
        );
        assert_eq!(dav.sha(&path).await, (content_sha(seed, size), size));
        let node = item(&app, teacher.id, root, &name).expect("filed in Mes documents");
        let stored = node.current().unwrap();
        assert_eq!(
            (stored.blob.hex(), stored.size),
            (content_sha(seed, size), size)
        );
        // The ETag is the content's digest.
        let head = dav.request("HEAD", &path).send().await.unwrap();
        assert_eq!(
            head.headers()["etag"].to_str().unwrap(),
            format!("\"{}\"", content_sha(seed, size))
        );
        assert_eq!(head.headers()["content-disposition"], "attachment");
    }
    let listed = dav.list("/Mes documents/").await;
    for size in [0, 1, MIB] {
        assert!(
            listed.contains(&format!("fichier-{size}.bin")),
            "{listed:?}"
        );
    }
    let (_, xml) = dav
        .propfind("/Mes documents/fichier-1048576.bin", "0")
        .await;
    assert!(xml.contains("getcontentlength>1048576<"), "{xml}");

    // Overwriting makes a new version; the previous one is kept.
    assert_eq!(
        dav.put("/Mes documents/fichier-1.bin", content(9, 10))
            .await,
        204
    );
    assert_eq!(
        dav.sha("/Mes documents/fichier-1.bin").await,
        (content_sha(9, 10), 10)
    );
    let node = item(&app, teacher.id, root, "fichier-1.bin").unwrap();
    assert_eq!(node.revisions().count(), 2);

    // Nothing but spaces at the top, and nothing in a file.
    assert_eq!(dav.put("/fichier.txt", b"x".to_vec()).await, 403);
    assert_eq!(dav.status("MKCOL", "/Nouveau").await, 403);
    assert_eq!(dav.status("GET", "/Mes documents/absent.txt").await, 404);
    assert_eq!(
        dav.put("/Mes documents/fichier-1.bin/dedans.txt", b"x".to_vec())
            .await,
        409
    );
}

#[tokio::test]
async fn a_200_mib_file_goes_through_webdav_byte_for_byte() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let dav = Dav::of(&app, &teacher);
    let size = 200 * MIB;
    let path = "/Mes documents/grand fichier.bin";
    let response = dav
        .request("PUT", path)
        .header("content-length", size.to_string())
        .body(body(42, size))
        .send()
        .await
        .expect("PUT 200 MiB");
    assert_eq!(response.status(), 201);
    assert_eq!(dav.sha(path).await, (content_sha(42, size), size));
    let root = my_documents(&app.app, teacher.id);
    let node = item(&app, teacher.id, root, "grand fichier.bin").unwrap();
    assert_eq!(node.current().unwrap().blob.hex(), content_sha(42, size));
    assert_eq!(used(&app, teacher.id), size);
}

#[tokio::test]
async fn an_upload_cut_off_midway_leaves_nothing() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let dav = Dav::of(&app, &teacher);
    let chunks = (0..8u64)
        .map(|i| {
            if i < 6 {
                Ok(content(i, 256 * 1024))
            } else {
                Err(std::io::Error::other("cable pulled"))
            }
        })
        .collect::<Vec<_>>();
    let result = dav
        .request("PUT", "/Mes documents/coupé.bin")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    assert!(
        result.is_err() || !result.unwrap().status().is_success(),
        "a broken upload is not acknowledged"
    );
    let root = my_documents(&app.app, teacher.id);
    assert!(item(&app, teacher.id, root, "coupé.bin").is_none());
    assert_eq!(used(&app, teacher.id), 0);
    assert_eq!(dav.status("GET", "/Mes documents/coupé.bin").await, 404);
}

#[tokio::test]
async fn folders_move_copy_and_delete_goes_to_the_trash() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let me = subject(&app.app, teacher.id);
    let dav = Dav::of(&app, &teacher);
    let root = my_documents(&app.app, teacher.id);

    assert_eq!(dav.status("MKCOL", "/Mes documents/Cours").await, 201);
    assert_eq!(dav.status("MKCOL", "/Mes documents/Cours").await, 405);
    assert_eq!(
        dav.status("MKCOL", "/Mes documents/Absent/Cours").await,
        409
    );
    assert_eq!(dav.status("MKCOL", "/Mes documents/Archives").await, 201);
    assert_eq!(
        dav.put(
            "/Mes documents/Cours/leçon.txt",
            b"Le passe compose".to_vec()
        )
        .await,
        201
    );
    assert_eq!(
        dav.list("/Mes documents/Cours/").await,
        ["leçon.txt"],
        "the folder lists its file"
    );

    // COPY a file, then a whole folder.
    assert_eq!(
        dav.transfer(
            "COPY",
            "/Mes documents/Cours/leçon.txt",
            "/Mes documents/copie.txt",
            false
        )
        .await,
        201
    );
    assert_eq!(
        dav.sha("/Mes documents/copie.txt").await.0,
        dav.sha("/Mes documents/Cours/leçon.txt").await.0
    );
    assert_eq!(
        dav.transfer(
            "COPY",
            "/Mes documents/Cours/",
            "/Mes documents/Cours 2/",
            false
        )
        .await,
        201
    );
    assert_eq!(dav.list("/Mes documents/Cours 2/").await, ["leçon.txt"]);

    // MOVE renames and moves; an existing destination is kept unless Overwrite says so,
    // and then it goes to the trash.
    assert_eq!(
        dav.transfer(
            "MOVE",
            "/Mes documents/copie.txt",
            "/Mes documents/Archives/ancienne.txt",
            false
        )
        .await,
        201
    );
    assert_eq!(
        dav.put("/Mes documents/nouvelle.txt", b"nouvelle".to_vec())
            .await,
        201
    );
    assert_eq!(
        dav.transfer(
            "MOVE",
            "/Mes documents/nouvelle.txt",
            "/Mes documents/Archives/ancienne.txt",
            false
        )
        .await,
        412
    );
    assert_eq!(
        dav.transfer(
            "MOVE",
            "/Mes documents/nouvelle.txt",
            "/Mes documents/Archives/ancienne.txt",
            true
        )
        .await,
        204
    );
    let archives = item(&app, teacher.id, root, "Archives").unwrap().id;
    let moved = item(&app, teacher.id, archives, "ancienne.txt").unwrap();
    assert_eq!(
        moved.current().unwrap().blob.hex(),
        content_sha_of(b"nouvelle")
    );
    assert!(item(&app, teacher.id, root, "nouvelle.txt").is_none());

    // DELETE a folder: it goes to the trash whole, with what it holds.
    assert_eq!(dav.status("DELETE", "/Mes documents/Cours/").await, 204);
    assert_eq!(dav.status("PROPFIND", "/Mes documents/Cours/").await, 404);
    let space = app
        .app
        .ensure_space(SpaceOwner::Personal(teacher.id))
        .unwrap();
    let (_, trash) = app.app.trash_of(&me, space.id).unwrap();
    let names: Vec<&str> = trash.iter().map(|n| n.name.as_str()).collect();
    assert!(names.contains(&"Cours"), "{names:?}");
    assert!(
        names.contains(&"ancienne.txt"),
        "the overwritten file: {names:?}"
    );
    assert!(
        !names.contains(&"leçon.txt"),
        "the folder's content is trashed with it, not one by one: {names:?}"
    );
    let cours = trash.iter().find(|n| n.name == "Cours").unwrap().id;
    app.app.restore(&me, cours).unwrap();
    assert_eq!(dav.list("/Mes documents/Cours/").await, ["leçon.txt"]);

    // DELETE a file; a space's top folder and the top stay.
    assert_eq!(
        dav.status("DELETE", "/Mes documents/Cours 2/leçon.txt")
            .await,
        204
    );
    let (_, trash) = app.app.trash_of(&me, space.id).unwrap();
    assert!(trash.iter().any(|n| n.name == "leçon.txt"));
    assert_eq!(dav.status("DELETE", "/Mes documents/").await, 403);
    assert_eq!(dav.status("DELETE", "/").await, 403);
}

/// The SHA-256 of some bytes (hex), through the blob ids the box computes.
fn content_sha_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_full_space_answers_507_and_stores_nothing() {
    let app = TestApp::builder()
        .configure(|c| {
            c.quota_pupil_mib = 1;
            c.max_file_mib = 3;
        })
        .start()
        .await;
    let pupil = app.school.pupils[0].user.clone();
    let dav = Dav::of(&app, &pupil);
    let root = my_documents(&app.app, pupil.id);

    // Announced too large: refused before anything is received.
    let response = dav
        .request("PUT", "/Mes documents/gros.bin")
        .body(content(1, 2 * MIB))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 507);
    // Not announced (chunked): refused as soon as it is certain.
    let response = dav
        .request("PUT", "/Mes documents/gros.bin")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            (0..8u64).map(|i| Ok::<_, std::io::Error>(content(i, 256 * 1024))),
        )))
        .send()
        .await;
    if let Ok(response) = response {
        assert_eq!(response.status(), 507);
    }
    assert!(item(&app, pupil.id, root, "gros.bin").is_none());
    assert_eq!(used(&app, pupil.id), 0);

    // Something that fits is accepted.
    assert_eq!(
        dav.put("/Mes documents/petit.bin", content(2, 1000)).await,
        201
    );

    // Larger than any file may be: 413.
    let teacher = app.school.teachers[0].user.clone();
    let dav = Dav::of(&app, &teacher);
    let response = dav
        .request("PUT", "/Mes documents/énorme.bin")
        .body(content(3, 4 * MIB))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(used(&app, teacher.id), 0);
}

#[tokio::test]
async fn only_application_passwords_open_the_drive() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].clone();
    let client = plain_client(&app);

    // No credentials: a challenge.
    let response = client.get(app.url("/dav/")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge =
        String::from_utf8_lossy(response.headers()["www-authenticate"].as_bytes()).into_owned();
    assert_eq!(challenge, "Basic realm=\"Préau\", charset=\"UTF-8\"");

    // The account's own password does not open the drive.
    let own = Dav::with_password(
        &app,
        &teacher.user.login,
        teacher.password.as_deref().unwrap(),
    );
    assert_eq!(own.status("PROPFIND", "/").await, 401);
    let wrong = Dav::with_password(&app, &teacher.user.login, "abcde-fghij-klmno-pqrst");
    assert_eq!(wrong.status("PROPFIND", "/").await, 401);

    // Nor does a signed-in browser session.
    let browser = app.teacher().await;
    let response = browser
        .request(Method::from_bytes(b"PROPFIND").unwrap(), app.url("/dav/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // The account page creates a password, shown once, that opens the drive…
    let page = browser.get(app.url("/compte")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Lecteur réseau (WebDAV)"), "{html}");
    assert!(html.contains("/dav/"), "the address is given: {html}");
    let created = app
        .post_form(
            &browser,
            "/compte",
            "/compte/mots-de-passe-application",
            &[("label", "PC de la classe")],
        )
        .await;
    assert_eq!(created.status(), 200);
    let html = created.text().await.unwrap();
    let secret = secret_in(&html).unwrap_or_else(|| panic!("password shown: {html}"));
    assert!(html.contains("PC de la classe"));
    let dav = Dav::with_password(&app, &teacher.user.login, &secret);
    assert_eq!(dav.status("PROPFIND", "/").await, 207);
    // …spaces and capitals typed by mistake do not matter…
    let sloppy = Dav::with_password(
        &app,
        &teacher.user.login.to_uppercase(),
        &secret.to_uppercase().replace('-', " "),
    );
    assert_eq!(sloppy.status("PROPFIND", "/").await, 207);
    // …only with its owner's login…
    let other = &app.school.teachers[1].user.login;
    let borrowed = Dav::with_password(&app, other, &secret);
    assert_eq!(borrowed.status("PROPFIND", "/").await, 401);
    // …and no more once revoked.
    let page = browser.get(app.url("/compte")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains(&secret), "shown only once");
    let revoke = html
        .split("action=\"")
        .map(|s| s.split('"').next().unwrap_or_default())
        .find(|a| a.ends_with("/revoquer"))
        .expect("a revoke button")
        .to_string();
    let revoked = app.post_form(&browser, "/compte", &revoke, &[]).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(dav.status("PROPFIND", "/").await, 401);
    assert!(
        app.app
            .app_passwords(&subject(&app.app, teacher.user.id))
            .unwrap()
            .is_empty()
    );
}

/// The password shown once on the account page.
fn secret_in(html: &str) -> Option<String> {
    let start = html.find("big-text\"><code>")? + "big-text\"><code>".len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_string())
}

#[tokio::test]
async fn requests_from_web_pages_are_refused() {
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let dav = Dav::of(&app, &teacher);
    let response = dav
        .request("PUT", "/Mes documents/piège.txt")
        .header("origin", "https://evil.example")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = dav
        .request("PROPFIND", "/")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let root = my_documents(&app.app, teacher.id);
    assert!(item(&app, teacher.id, root, "piège.txt").is_none());
    // The same client without those headers is served.
    assert_eq!(dav.status("PROPFIND", "/").await, 207);
}

#[tokio::test]
async fn pupils_see_their_own_spaces_only() {
    let app = TestApp::start().await;
    let pupil = app.school.pupils[0].user.clone();
    let classmate = app.school.pupils[1].user.clone();
    let elsewhere = app
        .school
        .pupils
        .iter()
        .find(|p| p.user.classes != pupil.classes)
        .expect("a pupil of another class")
        .user
        .clone();
    let teacher = app.school.teachers[0].user.clone();
    let class = |u: &User| {
        let dir = app.app.directory();
        format!("Classe {}", dir.class_of(u).expect("class").name)
    };
    let dav = Dav::of(&app, &pupil);

    let top = dav.list("/").await;
    assert!(top.contains(&"Mes documents".to_string()), "{top:?}");
    assert!(top.contains(&class(&pupil)), "{top:?}");
    assert!(!top.contains(&class(&elsewhere)), "{top:?}");
    assert!(!top.contains(&"Salle des maîtres".to_string()), "{top:?}");
    assert_eq!(
        dav.status("PROPFIND", &format!("/{}/", class(&elsewhere)))
            .await,
        404
    );
    assert_eq!(
        dav.status(
            "PROPFIND",
            &format!(
                "/Documents de {} {}/",
                classmate.first_name, classmate.last_name
            )
        )
        .await,
        404
    );

    // A classmate's file stays theirs.
    let theirs = Dav::of(&app, &classmate);
    assert_eq!(
        theirs
            .put("/Mes documents/secret.txt", b"moi".to_vec())
            .await,
        201
    );
    assert!(
        !dav.list("/Mes documents/")
            .await
            .contains(&"secret.txt".to_string())
    );

    // The class space is read-only for pupils; the teacher writes there.
    let class_path = format!("/{}/", class(&pupil));
    let teacher_dav = Dav::of(&app, &teacher);
    assert_eq!(
        teacher_dav
            .put(&format!("{class_path}consigne.txt"), b"Lire p. 12".to_vec())
            .await,
        201
    );
    assert!(
        dav.list(&class_path)
            .await
            .contains(&"consigne.txt".to_string())
    );
    assert_eq!(
        dav.put(&format!("{class_path}mien.txt"), b"x".to_vec())
            .await,
        403
    );
    assert_eq!(
        dav.status("DELETE", &format!("{class_path}consigne.txt"))
            .await,
        403
    );

    // What a teacher shares with the pupil shows under "Partagés avec moi".
    assert_eq!(
        teacher_dav
            .put("/Mes documents/pour Léa.txt", b"bravo".to_vec())
            .await,
        201
    );
    let me_teacher = subject(&app.app, teacher.id);
    let file = item(
        &app,
        teacher.id,
        my_documents(&app.app, teacher.id),
        "pour Léa.txt",
    )
    .unwrap()
    .id;
    app.app
        .share(&me_teacher, file, ShareTarget::User(pupil.id), false)
        .unwrap();
    assert_eq!(dav.list("/Partagés avec moi/").await, ["pour Léa.txt"]);
    assert_eq!(
        dav.sha("/Partagés avec moi/pour Léa.txt").await.0,
        content_sha_of(b"bravo")
    );
    assert_eq!(
        dav.put("/Partagés avec moi/pour Léa.txt", b"modifie".to_vec())
            .await,
        403,
        "shared read-only"
    );
    assert!(
        !theirs
            .list("/Partagés avec moi/")
            .await
            .contains(&"pour Léa.txt".to_string())
    );
}

#[tokio::test]
async fn pupils_use_the_drive_only_from_the_school_network() {
    let app = TestApp::builder()
        .school_networks(&["10.0.0.0/8"])
        .start()
        .await;
    let pupil = app.school.pupils[0].user.clone();
    let dav = Dav::of(&app, &pupil);
    assert_eq!(dav.status("PROPFIND", "/").await, 403);
    let teacher = app.school.teachers[0].user.clone();
    assert_eq!(Dav::of(&app, &teacher).status("PROPFIND", "/").await, 207);
}

#[tokio::test]
async fn rclone_copies_lists_and_reads_through_webdav() {
    let Ok(found) = std::process::Command::new("rclone").arg("version").output() else {
        // CI installs rclone and sets PREAU_REQUIRE_RCLONE=1: there, its absence fails.
        assert!(
            std::env::var("PREAU_REQUIRE_RCLONE").as_deref() != Ok("1"),
            "PREAU_REQUIRE_RCLONE=1 but rclone is not installed (apt-get install rclone)"
        );
        println!(
            "NOTICE: rclone is not installed; the rclone part of the WebDAV tests is skipped."
        );
        return;
    };
    assert!(found.status.success(), "rclone version");
    let app = TestApp::start().await;
    let teacher = app.school.teachers[0].user.clone();
    let password = app
        .app
        .create_app_password(&subject(&app.app, teacher.id), "rclone")
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let ca = work.path().join("ca.pem");
    std::fs::write(&ca, &app.ca_pem).unwrap();
    let config = work.path().join("rclone.conf");
    std::fs::write(&config, "").unwrap();
    let obscured = rclone(&config, &ca, &["obscure", &password]).await;
    let remote_env = [
        ("RCLONE_CONFIG_PREAU_TYPE", "webdav".to_string()),
        ("RCLONE_CONFIG_PREAU_URL", app.url("/dav/")),
        ("RCLONE_CONFIG_PREAU_VENDOR", "other".to_string()),
        ("RCLONE_CONFIG_PREAU_USER", teacher.login.clone()),
        ("RCLONE_CONFIG_PREAU_PASS", obscured.trim().to_string()),
    ];
    let run = |args: Vec<String>| {
        let (config, ca, env) = (config.clone(), ca.clone(), remote_env.clone());
        async move {
            let mut command = tokio::process::Command::new("rclone");
            command
                .arg("--config")
                .arg(&config)
                .arg("--ca-cert")
                .arg(&ca)
                .args(&args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            let output = command.output().await.expect("rclone");
            assert!(
                output.status.success(),
                "rclone {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        }
    };

    let top = String::from_utf8(run(vec!["lsf".into(), "preau:".into()]).await).unwrap();
    assert!(top.lines().any(|l| l == "Mes documents/"), "{top}");
    let local = work.path().join("devoir.bin");
    std::fs::write(&local, content(5, 3 * MIB)).unwrap();
    run(vec![
        "copyto".into(),
        local.display().to_string(),
        "preau:Mes documents/Rclone/devoir.bin".into(),
    ])
    .await;
    let listed =
        String::from_utf8(run(vec!["lsf".into(), "preau:Mes documents/Rclone".into()]).await)
            .unwrap();
    assert_eq!(listed.trim(), "devoir.bin");
    let read = run(vec![
        "cat".into(),
        "preau:Mes documents/Rclone/devoir.bin".into(),
    ])
    .await;
    assert_eq!(content_sha_of(&read), content_sha(5, 3 * MIB));
    let root = my_documents(&app.app, teacher.id);
    let folder = item(&app, teacher.id, root, "Rclone").expect("folder made by rclone");
    let file = item(&app, teacher.id, folder.id, "devoir.bin").unwrap();
    assert_eq!(file.current().unwrap().blob.hex(), content_sha(5, 3 * MIB));
}

/// Runs rclone once (for commands needing no remote); returns its output.
async fn rclone(config: &std::path::Path, ca: &std::path::Path, args: &[&str]) -> String {
    let output = tokio::process::Command::new("rclone")
        .arg("--config")
        .arg(config)
        .arg("--ca-cert")
        .arg(ca)
        .args(args)
        .output()
        .await
        .expect("rclone");
    assert!(output.status.success(), "rclone {args:?}");
    String::from_utf8(output.stdout).unwrap()
}
