//! End-to-end tests over real HTTPS against a real server and a real redb file, as each kind
//! of user would use Préau.

use preau_tests::{TestApp, extract_csrf, page_text};

/// The activation code printed on an activation letter.
fn activation_code(letter: &str) -> String {
    letter
        .split("<code class=\"big-text\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("activation code on the letter")
        .to_string()
}

/// Activates an account with a code, choosing `password` (typed twice).
async fn activate(
    app: &TestApp,
    client: &reqwest::Client,
    login: &str,
    code: &str,
    password: &str,
) -> reqwest::Response {
    let fields = [
        ("login", login),
        ("code", code),
        ("password", password),
        ("confirmation", password),
    ];
    app.post_form(client, "/activation", "/activation", &fields)
        .await
}

/// The status a GET of `url` gets.
async fn status(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn each_role_signs_in_and_sees_their_own_portal() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    let portal = page_text(head.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Bonjour Claire"), "{portal}");
    assert!(portal.contains("Comptes") && portal.contains("Classes"));

    let teacher = app.teacher().await;
    let portal = page_text(teacher.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains(&format!(
        "Bonjour {}",
        app.school.teachers[0].user.first_name
    )));
    assert!(
        portal.contains(&app.school.classes[0].name),
        "the teacher's class is a tile"
    );
    assert!(
        !portal.contains("/admin/comptes"),
        "no admin tile for a teacher"
    );

    let parent = app.parent().await;
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    let child = &app.school.pupils[0].user;
    assert!(
        portal.contains(&child.first_name),
        "the parent sees a tile for their child"
    );

    let pupil = app.pupil(0).await;
    let portal = page_text(pupil.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains(&format!("Bonjour {}", app.school.pupils[0].user.first_name)));
    assert!(portal.contains(&app.school.classes[0].name));
}

#[tokio::test]
async fn thirty_pupils_of_one_class_sign_in_from_one_address_within_a_minute() {
    let app = TestApp::start().await;
    let class = app.school.classes[0].id;
    let indices: Vec<usize> = (0..app.school.pupils.len())
        .filter(|i| app.school.pupils[*i].user.classes.contains(&class))
        .collect();
    assert_eq!(indices.len(), 30);
    let started = std::time::Instant::now();
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in indices {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let client = app.client();
            app.pupil_pictures(&client, i, None).await.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 303, "every pupil gets in");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[tokio::test]
async fn failed_attempts_lock_one_pupil_only_and_the_teacher_unlocks() {
    let app = TestApp::start().await;
    let victim = &app.school.pupils[1];
    let right = victim.pictures.unwrap();
    let wrong = [(right[0] + 1) % 9, (right[1] + 1) % 9, (right[2] + 1) % 9];
    let attacker = app.client();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.pupil_pictures(&attacker, 1, Some(wrong))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![401, 401, 401]);
    // The fourth try comes too soon: the account slows down, with a French message.
    let slowed = app.pupil_pictures(&attacker, 1, Some(wrong)).await;
    assert_eq!(slowed.status(), 429);
    assert!(page_text(slowed).await.contains("attendez"));
    // Even the right code must wait now, but a classmate from the same address is not affected.
    assert_eq!(
        app.pupil_pictures(&app.client(), 1, None).await.status(),
        429
    );
    assert_eq!(
        app.pupil_pictures(&app.client(), 2, None).await.status(),
        303
    );

    // The teacher sees the pupil as locked and unlocks them; the unlock is recorded.
    let teacher = app.teacher().await;
    let class_page = format!("/classe/{}", app.school.classes[0].id);
    let page = page_text(teacher.get(app.url(&class_page)).send().await.unwrap()).await;
    assert!(
        page.contains(&format!("Débloquer {}", victim.user.first_name)),
        "{page}"
    );
    let unlock = format!("/comptes/{}/debloquer", victim.user.id);
    let response = app
        .post_form(&teacher, &class_page, &unlock, &[("retour", &class_page)])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.app.failures(victim.user.id).unwrap(), 0);
    let audit = preau_store::security::recent_audit(&app.app.store().read().unwrap(), 5).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "unlock account" && e.target == victim.user.id.to_string())
    );
    assert_eq!(
        app.pupil_pictures(&app.client(), 1, None).await.status(),
        303
    );
}

#[tokio::test]
async fn a_teacher_cannot_unlock_a_pupil_of_another_class() {
    let app = TestApp::start().await;
    let other = app
        .school
        .pupils
        .iter()
        .find(|p| p.user.classes.contains(&app.school.classes[1].id))
        .unwrap();
    let teacher = app.teacher().await;
    let response = app
        .post_form(
            &teacher,
            "/",
            &format!("/comptes/{}/debloquer", other.user.id),
            &[],
        )
        .await;
    assert_eq!(response.status(), 403);
    let page = page_text(response).await;
    assert!(
        page.contains("pas accès") && page.contains("numéro de la demande"),
        "{page}"
    );
}

#[tokio::test]
async fn sessions_end_server_side_and_change_at_sign_in() {
    let app = TestApp::start().await;
    let client = app.client();
    // A session cookie held before sign-in is not reused.
    let teacher = &app.school.teachers[0];
    let first = app
        .post_form(
            &client,
            "/connexion",
            "/connexion",
            &[
                ("login", &teacher.user.login),
                ("password", "preau-demo-2026"),
            ],
        )
        .await;
    let cookie_of = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("__Host-preau-session="))
            .map(str::to_string)
    };
    let first_cookie = cookie_of(&first).expect("session cookie");
    assert!(
        first_cookie.contains("Secure")
            && first_cookie.contains("HttpOnly")
            && first_cookie.contains("SameSite=Lax")
            && first_cookie.contains("Path=/")
    );
    let second = app
        .post_form(
            &client,
            "/",
            "/connexion",
            &[
                ("login", &teacher.user.login),
                ("password", "preau-demo-2026"),
            ],
        )
        .await;
    assert_ne!(
        cookie_of(&second).expect("new cookie"),
        first_cookie,
        "the session id changes at sign-in"
    );

    // Sign-out ends the session on the server: replaying the old cookie gets nowhere.
    let token = first_cookie.split(';').next().unwrap().to_string();
    let replay = app.client();
    let with_old = replay
        .get(app.url("/"))
        .header("cookie", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_old.status(),
        303,
        "the first session ended when the second began"
    );
    let second_token = cookie_of(&second)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        replay
            .get(app.url("/"))
            .header("cookie", &second_token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let out = app.post_form(&client, "/", "/deconnexion", &[]).await;
    assert_eq!(out.status(), 303);
    assert_eq!(
        replay
            .get(app.url("/"))
            .header("cookie", &second_token)
            .send()
            .await
            .unwrap()
            .status(),
        303
    );
}

#[tokio::test]
async fn a_password_reset_ends_every_session_and_activation_sets_a_new_one() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    assert_eq!(status(&teacher, &app.url("/")).await, 200);
    let head = app.headteacher().await;
    let target = &app.school.teachers[0].user;
    let page = format!("/admin/comptes/{}", target.id);
    let response = app
        .post_form(&head, &page, &format!("{page}/reinitialiser"), &[])
        .await;
    assert_eq!(response.status(), 200);
    let letter = page_text(response).await;
    let code = activation_code(&letter);
    assert_eq!(
        status(&teacher, &app.url("/")).await,
        303,
        "signed out everywhere"
    );
    // The old password no longer works; the code sets a new one.
    let fresh = app.client();
    let refused = app
        .post_form(
            &fresh,
            "/connexion",
            "/connexion",
            &[("login", &target.login), ("password", "preau-demo-2026")],
        )
        .await;
    assert_eq!(refused.status(), 401);
    let activated = activate(
        &app,
        &fresh,
        &target.login,
        &code.to_lowercase(),
        "un-nouveau-secret",
    )
    .await;
    assert_eq!(activated.status(), 303);
    assert!(
        page_text(fresh.get(app.url("/")).send().await.unwrap())
            .await
            .contains("Bonjour")
    );
    // A code works once.
    let again = activate(&app, &app.client(), &target.login, &code, "encore-un-autre").await;
    assert_eq!(again.status(), 401);
}

#[tokio::test]
async fn the_headteacher_creates_a_teacher_who_activates_their_account() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    let created = app
        .post_form(
            &head,
            "/admin/comptes/nouveau",
            "/admin/comptes",
            &[
                ("first_name", "Inès"),
                ("last_name", "Ferrand"),
                ("role", "enseignant"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let letter = page_text(created).await;
    assert!(
        letter.contains("ines.ferrand"),
        "identifier made from the names"
    );
    let code = activation_code(&letter);
    let client = app.client();
    let short = activate(&app, &client, "ines.ferrand", &code, "court").await;
    assert_eq!(short.status(), 422);
    assert!(page_text(short).await.contains("au moins 10 caractères"));
    let ok = activate(&app, &client, "ines.ferrand", &code, "tableau-noir-24").await;
    assert_eq!(ok.status(), 303);
    // Invalid input is refused with a French message and changes nothing.
    let before = app.app.directory().users().len();
    let bad = app
        .post_form(
            &head,
            "/admin/comptes/nouveau",
            "/admin/comptes",
            &[
                ("first_name", ""),
                ("last_name", "X"),
                ("role", "enseignant"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(page_text(bad).await.contains("obligatoire"));
    let taken = app
        .post_form(
            &head,
            "/admin/comptes/nouveau",
            "/admin/comptes",
            &[
                ("first_name", "A"),
                ("last_name", "B"),
                ("login", "ines.ferrand"),
                ("role", "parent"),
            ],
        )
        .await;
    assert!(page_text(taken).await.contains("déjà utilisé"));
    assert_eq!(app.app.directory().users().len(), before);
}

#[tokio::test]
async fn access_follows_the_decision_table() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    assert_eq!(status(&teacher, &app.url("/admin/comptes")).await, 403);
    assert_eq!(status(&teacher, &app.url("/admin/comptes.csv")).await, 403);
    let other_class = app.school.classes[1].id;
    assert_eq!(
        status(&teacher, &app.url(&format!("/classe/{other_class}"))).await,
        403
    );
    assert_eq!(
        status(&teacher, &app.url(&format!("/classe/{other_class}/cartes"))).await,
        403
    );
    assert_eq!(
        status(
            &teacher,
            &app.url(&format!("/classe/{}/cartes", app.school.classes[0].id))
        )
        .await,
        200
    );

    let parent = app.parent().await;
    let own_child = app.school.pupils[0].user.id;
    assert_eq!(
        status(&parent, &app.url(&format!("/profil/{own_child}"))).await,
        200
    );
    let stranger = app
        .school
        .pupils
        .iter()
        .find(|p| {
            !p.user
                .guardians
                .iter()
                .any(|g| app.school.parents.iter().any(|pa| pa.user.id == *g))
        })
        .unwrap();
    assert_eq!(
        status(&parent, &app.url(&format!("/profil/{}", stranger.user.id))).await,
        403
    );

    let pupil = app.pupil(0).await;
    assert_eq!(
        status(
            &pupil,
            &app.url(&format!("/classe/{}", app.school.classes[0].id))
        )
        .await,
        403
    );
    assert_eq!(status(&pupil, &app.url("/admin/classes")).await, 403);
    // Signed out: pages send you to the sign-in page.
    let anonymous = app.client();
    let r = anonymous
        .get(app.url("/admin/comptes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/connexion");
}

#[tokio::test]
async fn csv_export_neutralises_formulas() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    let created = app
        .post_form(
            &head,
            "/admin/comptes/nouveau",
            "/admin/comptes",
            &[
                ("first_name", "=HYPERLINK(\"http://x\")"),
                ("last_name", "@SUM(A1)"),
                ("role", "parent"),
            ],
        )
        .await;
    assert_eq!(created.status(), 200);
    let csv = head
        .get(app.url("/admin/comptes.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = page_text(csv).await;
    assert!(text.contains("identifiant;prénom;nom;rôle"));
    assert!(
        text.contains("'=HYPERLINK") && text.contains("'@SUM(A1)"),
        "formulas are neutralised"
    );
    assert!(!text.contains(";=HYPERLINK") && !text.contains(";@SUM"));
    assert!(text.contains("claire.dubois"));
}

#[tokio::test]
async fn classes_and_groups_are_managed_by_the_headteacher() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    let teacher = app.school.teachers[1].user.id.to_string();
    let r = app
        .post_form(
            &head,
            "/admin/classes",
            "/admin/classes",
            &[
                ("name", "CE2-CM1 de M. Moreau"),
                ("levels", "CE2"),
                ("levels", "CM1"),
                ("teachers", &teacher),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let class = app
        .app
        .directory()
        .current_classes()
        .into_iter()
        .find(|c| c.name == "CE2-CM1 de M. Moreau")
        .cloned()
        .expect("class created");
    assert_eq!(
        class.levels,
        vec![preau_core::Level::Ce2, preau_core::Level::Cm1]
    );
    let none = app
        .post_form(
            &head,
            "/admin/classes",
            "/admin/classes",
            &[("name", "Sans niveau")],
        )
        .await;
    assert_eq!(none.status(), 422);
    assert!(page_text(none).await.contains("au moins un niveau"));

    let pupils: Vec<String> = app
        .school
        .pupils
        .iter()
        .take(3)
        .map(|p| p.user.id.to_string())
        .collect();
    let mut fields = vec![("name", "Chorale"), ("class", "")];
    for p in &pupils {
        fields.push(("members", p.as_str()));
    }
    let r = app
        .post_form(&head, "/admin/groupes", "/admin/groupes", &fields)
        .await;
    assert_eq!(r.status(), 303);
    let groups = app
        .app
        .directory()
        .groups()
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].members.len(), 3);

    let archived = app
        .post_form(
            &head,
            &format!("/admin/classes/{}", class.id),
            &format!("/admin/classes/{}/archiver", class.id),
            &[],
        )
        .await;
    assert_eq!(archived.status(), 303);
    assert!(app.app.directory().class(class.id).unwrap().archived);
    let feed = app.app.store().changes_since(0, 10_000).unwrap();
    assert!(
        feed.iter().any(|e| e.key == format!("class/{}", class.id)),
        "directory writes enter the change feed"
    );
}

#[tokio::test]
async fn the_qr_card_signs_the_pupil_in_after_a_confirmation() {
    let app = TestApp::start().await;
    let pupil = &app.school.pupils[3];
    let client = app.client();
    let card = format!("/connexion/carte/{}", pupil.card_secret.as_ref().unwrap());
    let page = client.get(app.url(&card)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page_text(page)
            .await
            .contains(&format!("Bonjour {}", pupil.user.first_name))
    );
    let r = app.post_form(&client, &card, &card, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(
        page_text(client.get(app.url("/")).send().await.unwrap())
            .await
            .contains(&pupil.user.first_name)
    );
    assert_eq!(
        app.client()
            .get(app.url("/connexion/carte/inconnu"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn pupils_sign_in_only_from_the_school_network() {
    let app = TestApp::builder()
        .school_networks(&["10.0.0.0/8"])
        .start()
        .await;
    let client = app.client();
    let r = client
        .get(app.url("/connexion/eleve"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(page_text(r).await.contains("depuis le réseau de l'école"));
    let page = format!("/connexion/eleve/{}", app.school.pupils[0].user.id);
    assert_eq!(status(&client, &app.url(&page)).await, 403);
    // Adults may still sign in from anywhere.
    app.teacher().await;
}

#[tokio::test]
async fn bad_input_gets_a_french_4xx_page_and_changes_nothing() {
    let app = TestApp::start().await;
    let head = app.headteacher().await;
    let users_before = app.app.directory().users().len();

    let missing = head.get(app.url("/nulle-part")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let id = missing.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let page = page_text(missing).await;
    assert!(page.contains("Cette page n'existe pas") && page.contains(&id));

    // A form posted without the CSRF token, or from another site, is refused.
    let no_token = head
        .post(app.url("/admin/comptes"))
        .form(&[("first_name", "A"), ("last_name", "B"), ("role", "parent")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), 403);
    assert!(
        page_text(no_token)
            .await
            .contains("n'a pas pu être vérifiée")
    );
    let token = app.csrf(&head, "/admin/comptes/nouveau").await;
    let cross = head
        .post(app.url("/admin/comptes"))
        .header("origin", "https://evil.example")
        .form(&[
            ("_csrf", token.as_str()),
            ("first_name", "A"),
            ("last_name", "B"),
            ("role", "parent"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);

    // Malformed and oversized bodies.
    let malformed = head
        .post(app.url("/connexion/eleve/1"))
        .form(&[("_csrf", token.as_str()), ("image", "pas-un-nombre")])
        .send()
        .await
        .unwrap();
    assert!(malformed.status() == 400 || malformed.status() == 404);
    let huge = "x".repeat(200 * 1024);
    let oversized = head
        .post(app.url("/admin/comptes"))
        .form(&[("_csrf", token.as_str()), ("first_name", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    assert!(page_text(oversized).await.contains("trop volumineux"));
    let bad_form = head
        .post(app.url("/admin/classes"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={token}&levels=%ZZ"))
        .send()
        .await
        .unwrap();
    assert!(bad_form.status().is_client_error());

    // No state change on GET; a forged session cookie is just a visitor.
    assert_eq!(status(&head, &app.url("/deconnexion")).await, 405);
    let forged = app
        .client()
        .get(app.url("/"))
        .header("cookie", "__Host-preau-session=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
    assert_eq!(app.app.directory().users().len(), users_before);
}

#[tokio::test]
async fn pages_carry_security_headers_and_no_script() {
    let app = TestApp::start().await;
    let r = app
        .client()
        .get(app.url("/connexion"))
        .send()
        .await
        .unwrap();
    let h = r.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csrf_cookie = h
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-preau-csrf="))
        .expect("csrf cookie");
    assert!(
        csrf_cookie.contains("Secure")
            && csrf_cookie.contains("HttpOnly")
            && csrf_cookie.contains("SameSite=Strict")
    );
    let html = page_text(r).await;
    assert!(!html.contains("<script"), "the UI works without JavaScript");
    assert!(html.contains("<label for=\"login\">") && html.contains("<main"));
    assert!(extract_csrf(&html).is_some());
}
