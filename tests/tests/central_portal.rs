//! Parents and town-hall agents at central, over HTTP on real TLS on loopback: a parent
//! activates their commune account with the code of the box's ONDE letter, reads the
//! homework a teacher wrote on the box, signs a carnet word while the box is off (it is on
//! the box once it is back), links a child of a second school to the same account; a parent
//! of another family sees nothing of that child; an agent sees the schools' sync. A parent
//! answers a consent form and replies at central while the box is off (both on the box once
//! it is back); writes to the teacher at central (in central's outbox, then in the teacher's
//! conversation on the box) and reads the teacher's reply; a locked commune account is
//! unlocked by an agent. A parent downloads the PDF attached to a carnet word on the box
//! (its bytes travel with sync); one not arrived yet gets a French page.

use preau_app::App;
use preau_core::{ClassId, Role, Subject, User, UserId};
use preau_tests::bundles::{Commune, UAI, description, onde_fixture};
use preau_tests::central::{SyncBox, TestCentral, TestClock};
use preau_tests::page_text;
use preau_tests::proxy::FaultProxy;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const SCHOOL: &str = "École élémentaire Jules-Ferry";
const OTHER_UAI: &str = "0750655E";
const OTHER_SCHOOL: &str = "École Pasteur";
const PASSWORD: &str = "un mot de passe bien long";

fn onde() -> Vec<preau_provision::bundle::OndeFile> {
    vec![
        onde_fixture("eleves-2024-utf8.csv"),
        onde_fixture("responsables-2024-par-eleve.csv"),
        onde_fixture("enseignants-2024.csv"),
    ]
}

fn subject(app: &App, id: UserId) -> Subject {
    let directory = app.directory();
    directory.subject(directory.user(id).expect("user"))
}

/// A class with a teacher, a pupil of it with a guardian, and that guardian.
fn cast(app: &App) -> (ClassId, UserId, User, User) {
    let directory = app.directory();
    for class in directory.all_classes() {
        let Some(&teacher) = class.teachers.first() else {
            continue;
        };
        let pupil = directory.users().into_iter().find(|u| {
            u.role == Role::Pupil && u.classes.contains(&class.id) && !u.guardians.is_empty()
        });
        if let Some(pupil) = pupil {
            let parent = directory
                .user(pupil.guardians[0])
                .expect("guardian")
                .clone();
            return (class.id, teacher, pupil.clone(), parent);
        }
    }
    panic!("the ONDE fixtures have a class with a teacher and a pupil with a guardian")
}

fn code_of(boxed: &SyncBox, user: UserId) -> String {
    boxed
        .codes
        .iter()
        .find(|(u, _)| u.id == user)
        .map(|(_, code)| code.clone())
        .expect("the ONDE import gave this parent a letter")
}

async fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn activate(
    central: &TestCentral,
    client: &reqwest::Client,
    login: &str,
    code: &str,
) -> reqwest::Response {
    central
        .post_form(
            client,
            "/activation",
            "/activation",
            &[
                ("login", login),
                ("code", code),
                ("password", PASSWORD),
                ("confirmation", PASSWORD),
            ],
        )
        .await
}

async fn home(central: &TestCentral, client: &reqwest::Client) -> String {
    let response = client.get(central.url("/")).send().await.expect("home");
    assert_eq!(response.status(), 200);
    page_text(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_at_central_reads_homework_signs_with_the_box_off_and_links_a_second_school() {
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(
        &commune,
        &[(UAI, SCHOOL), (OTHER_UAI, OTHER_SCHOOL)],
        None,
        &clock,
    )
    .await;
    let agent = central
        .running
        .commune
        .create_agent("Paul", "Mairie")
        .expect("agent");
    let proxy = FaultProxy::start(central.addr()).await;
    let boxed = SyncBox::start(
        &mut commune,
        &description("jules-ferry", UAI, ""),
        &onde(),
        proxy.addr,
        &central.tls_ca,
        true,
    )
    .await;
    let (class, teacher, pupil, parent) = cast(&boxed.app);
    // The teacher writes homework and a carnet word on the box; they reach central.
    let today = time::OffsetDateTime::from_unix_timestamp(boxed.app.now())
        .expect("now")
        .date();
    let form = preau_app::logbook::EntryForm {
        date: today.to_string(),
        title: "Lecture".into(),
        done: "Le loup et l'agneau".into(),
        homework: "Apprendre la fable du corbeau".into(),
        due: (today + time::Duration::days(1)).to_string(),
        ..Default::default()
    };
    boxed
        .app
        .write_logbook_entry(&subject(&boxed.app, teacher), class, &form)
        .expect("homework");
    let word = boxed
        .app
        .post_liaison(
            &subject(&boxed.app, teacher),
            &preau_app::liaison::WordForm {
                audience: format!("classe-{}", class.0),
                title: "Sortie à la ferme".into(),
                body: "Nous irons à la ferme mardi. Merci de signer.".into(),
                ..Default::default()
            },
        )
        .expect("word");
    boxed.wait_synced(Duration::from_secs(60)).await;

    // The parent activates at central with the letter code of the ONDE import.
    let client = central.client();
    let code = code_of(&boxed, parent.id);
    let wrong = activate(&central, &client, &parent.login, "AAAA-AAAA").await;
    assert_eq!(wrong.status(), 401, "a wrong code is refused");
    let done = activate(&central, &client, &parent.login, &code).await;
    assert_eq!(done.status(), 303, "activated");
    let page = home(&central, &client).await;
    assert!(page.contains(SCHOOL), "{page}");
    assert!(page.contains("Apprendre la fable du corbeau"), "{page}");
    assert!(page.contains("Sortie à la ferme"), "{page}");
    assert!(page.contains("À jour"), "freshness shown: {page}");
    assert!(page.contains(&pupil.first_name), "{page}");
    // The code works once at central.
    let again = activate(&central, &central.client(), &parent.login, &code).await;
    assert_eq!(again.status(), 401, "a used code is refused");

    // The box is switched off; the parent signs at central.
    proxy.faults.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sign_path = format!("/ecoles/{UAI}/carnet/{}/{}/signer", word.id.0, pupil.id.0);
    let signed = central.post_form(&client, "/", &sign_path, &[]).await;
    assert_eq!(signed.status(), 303, "signed at central");
    let at_central = central.school(UAI);
    let signed_at_central = || {
        let r = at_central.store().read().expect("read");
        preau_store::liaison::answer_of(&r, word.id, pupil.id)
            .expect("answer")
            .is_some_and(|a| a.signed.is_some())
    };
    assert!(signed_at_central());
    let page = home(&central, &client).await;
    assert!(!page.contains(&sign_path), "nothing left to sign: {page}");

    // A parent of another family sees nothing of this child and cannot sign for them.
    let other = boxed
        .app
        .directory()
        .users()
        .into_iter()
        .find(|u| {
            u.role == Role::Parent
                && u.id != parent.id
                && !pupil.guardians.contains(&u.id)
                && boxed.codes.iter().any(|(c, _)| c.id == u.id)
        })
        .cloned()
        .expect("another family");
    let stranger = central.client();
    let done = activate(
        &central,
        &stranger,
        &other.login,
        &code_of(&boxed, other.id),
    )
    .await;
    assert_eq!(done.status(), 303);
    let page = home(&central, &stranger).await;
    assert!(!page.contains(&pupil.full_name()), "{page}");
    assert!(!page.contains(&sign_path), "{page}");
    let refused = central.post_form(&stranger, "/", &sign_path, &[]).await;
    assert_eq!(refused.status(), 404, "not their child");

    // The box comes back: the signature is there.
    let on_box = || {
        let r = boxed.app.store().read().expect("read");
        preau_store::liaison::answer_of(&r, word.id, pupil.id)
            .expect("answer")
            .is_some_and(|a| a.signed.is_some())
    };
    assert!(!on_box(), "nothing reaches a box that is off");
    proxy.faults.down.store(false, Ordering::SeqCst);
    eventually(Duration::from_secs(90), "the signature on the box", on_box).await;

    // A second school: its letter links a second child to the same account.
    let second = SyncBox::start(
        &mut commune,
        &description("pasteur", OTHER_UAI, ""),
        &onde(),
        central.addr(),
        &central.tls_ca,
        true,
    )
    .await;
    second.wait_synced(Duration::from_secs(60)).await;
    let (_, _, second_pupil, second_parent) = cast(&second.app);
    let linked = central
        .post_form(
            &client,
            "/",
            "/ecoles",
            &[
                ("login", &second_parent.login),
                ("code", &code_of(&second, second_parent.id)),
            ],
        )
        .await;
    assert_eq!(linked.status(), 200);
    let page = page_text(linked).await;
    assert!(page.contains("L'école a été ajoutée"), "{page}");
    assert!(
        page.contains(OTHER_SCHOOL) && page.contains(SCHOOL),
        "{page}"
    );
    assert!(page.contains(&second_pupil.full_name()), "{page}");

    // The agent activates with the command line's code and sees both schools' sync; a
    // parent may not see that page.
    let (agent, agent_code) = agent;
    let town = central.client();
    let done = activate(&central, &town, &agent.login, &agent_code).await;
    assert_eq!(done.status(), 303);
    let response = town
        .get(central.url("/mairie"))
        .send()
        .await
        .expect("admin");
    assert_eq!(response.status(), 200);
    let page = page_text(response).await;
    assert!(
        page.contains(SCHOOL) && page.contains(OTHER_SCHOOL),
        "{page}"
    );
    assert!(page.contains(UAI) && page.contains("preau "), "{page}");
    assert!(
        page.contains("il y a") || page.contains("à l'instant"),
        "{page}"
    );
    let refused = client
        .get(central.url("/mairie"))
        .send()
        .await
        .expect("admin");
    assert_eq!(
        refused.status(),
        403,
        "parents do not see the town hall's page"
    );
}

/// A started box and central with a teacher's class, a pupil and their parent activated at
/// central (signed in on the returned client).
struct Scene {
    central: TestCentral,
    proxy: FaultProxy,
    boxed: SyncBox,
    class: ClassId,
    teacher: UserId,
    pupil: User,
    client: reqwest::Client,
}

async fn scene() -> Scene {
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let proxy = FaultProxy::start(central.addr()).await;
    let boxed = SyncBox::start(
        &mut commune,
        &description("jules-ferry", UAI, ""),
        &onde(),
        proxy.addr,
        &central.tls_ca,
        true,
    )
    .await;
    let (class, teacher, pupil, parent) = cast(&boxed.app);
    boxed.wait_synced(Duration::from_secs(60)).await;
    let client = central.client();
    let done = activate(
        &central,
        &client,
        &parent.login,
        &code_of(&boxed, parent.id),
    )
    .await;
    assert_eq!(done.status(), 303, "activated");
    Scene {
        central,
        proxy,
        boxed,
        class,
        teacher,
        pupil,
        client,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_answers_a_consent_form_at_central_with_the_box_off() {
    let s = scene().await;
    let word = s
        .boxed
        .app
        .post_liaison(
            &subject(&s.boxed.app, s.teacher),
            &preau_app::liaison::WordForm {
                audience: format!("classe-{}", s.class.0),
                title: "Sortie au musée".into(),
                body: "Nous irons au musée jeudi.".into(),
                consent: true,
                question: "J'autorise mon enfant à aller au musée".into(),
                ..Default::default()
            },
        )
        .expect("word");
    s.boxed.wait_synced(Duration::from_secs(60)).await;
    let page = home(&s.central, &s.client).await;
    assert!(
        page.contains("J'autorise mon enfant à aller au musée"),
        "{page}"
    );
    assert!(
        page.contains(&format!("J'autorise pour {}", s.pupil.first_name)),
        "{page}"
    );

    // The box is switched off; the parent replies, then answers « Je n'autorise pas ».
    s.proxy.faults.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base = format!("/ecoles/{UAI}/carnet/{}/{}", word.id.0, s.pupil.id.0);
    let replied = s
        .central
        .post_form(
            &s.client,
            "/",
            &format!("{base}/repondre"),
            &[("texte", "Il a rendez-vous chez le médecin.")],
        )
        .await;
    assert_eq!(replied.status(), 303, "replied at central");
    let page = home(&s.central, &s.client).await;
    assert!(page.contains("Il a rendez-vous chez le médecin."), "{page}");
    let twice = s
        .central
        .post_form(
            &s.client,
            "/",
            &format!("{base}/repondre"),
            &[("texte", "Encore")],
        )
        .await;
    assert_eq!(twice.status(), 422, "one reply only");
    let bad = s
        .central
        .post_form(
            &s.client,
            "/",
            &format!("{base}/autorisation"),
            &[("reponse", "peut-être")],
        )
        .await;
    assert_eq!(bad.status(), 400, "only oui or non");
    let answered = s
        .central
        .post_form(
            &s.client,
            "/",
            &format!("{base}/autorisation"),
            &[("reponse", "non")],
        )
        .await;
    assert_eq!(answered.status(), 303, "answered at central");
    let page = home(&s.central, &s.client).await;
    assert!(
        !page.contains(&format!("{base}/autorisation")),
        "answered and signed: {page}"
    );

    let answer_on = |app: &App| {
        let r = app.store().read().expect("read");
        preau_store::liaison::answer_of(&r, word.id, s.pupil.id).expect("answer")
    };
    let at_central = s.central.school(UAI);
    let there = answer_on(&at_central).expect("answer at central");
    assert_eq!(there.consent.map(|c| c.agrees), Some(false));
    assert!(
        answer_on(&s.boxed.app).is_none_or(|a| a.consent.is_none()),
        "nothing reaches a box that is off"
    );

    // The box comes back: the answer and the reply are there.
    s.proxy.faults.down.store(false, Ordering::SeqCst);
    eventually(
        Duration::from_secs(90),
        "the consent answer on the box",
        || {
            answer_on(&s.boxed.app).is_some_and(|a| {
                a.consent.is_some_and(|c| !c.agrees)
                    && a.reply
                        .is_some_and(|r| r.text == "Il a rendez-vous chez le médecin.")
            })
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_writes_to_the_teacher_at_central_and_reads_the_reply() {
    let s = scene().await;
    let teacher = s
        .boxed
        .app
        .directory()
        .user(s.teacher)
        .expect("teacher")
        .clone();
    let messages = format!("/ecoles/{UAI}/messages");
    let page = page_text(
        s.client
            .get(s.central.url(&messages))
            .send()
            .await
            .expect("messages"),
    )
    .await;
    assert!(
        page.contains(&teacher.full_name()),
        "the teacher is a recipient: {page}"
    );
    assert!(page.contains("sans pièce jointe"), "{page}");
    let teacher_id = s.teacher.0.to_string();
    let sent = s
        .central
        .post_form(
            &s.client,
            &messages,
            &messages,
            &[
                ("a", teacher_id.as_str()),
                ("objet", "Absence de jeudi"),
                ("texte", "Bonjour, notre enfant sera absent jeudi."),
            ],
        )
        .await;
    assert_eq!(sent.status(), 303, "sent at central");
    let conversation_path = sent
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("location")
        .to_string();

    // What central wrote is in its outbox for the school.
    let at_central = s.central.school(UAI);
    at_central
        .sync_fill_outbox(preau_app::sync::Side::Central)
        .expect("outbox");
    {
        let r = at_central.store().read().expect("read");
        let outbox = preau_store::sync::outbox_since(&r, 0, 10_000).expect("outbox");
        assert!(
            outbox.iter().any(|(_, kind, _)| kind == "message"),
            "{outbox:?}"
        );
        assert!(
            outbox.iter().any(|(_, kind, _)| kind == "conversation"),
            "{outbox:?}"
        );
    }

    // After a sync, it is in the teacher's conversations on the box.
    let teacher_subject = subject(&s.boxed.app, s.teacher);
    let mut found = None;
    eventually(Duration::from_secs(90), "the message on the box", || {
        found = s
            .boxed
            .app
            .conversations(&teacher_subject)
            .expect("conversations")
            .into_iter()
            .find(|c| c.conversation.subject == "Absence de jeudi");
        found.is_some()
    })
    .await;
    let summary = found.expect("conversation");
    assert_eq!(summary.unread, 1, "unread for the teacher");
    let (_, on_box) = s
        .boxed
        .app
        .open_conversation(&teacher_subject, summary.conversation.id)
        .expect("open");
    assert!(on_box[0].body_html.contains("sera absent jeudi"));

    // The teacher replies on the box; the reply shows at central.
    s.boxed
        .app
        .reply(
            &teacher_subject,
            summary.conversation.id,
            "Merci, c'est noté.",
            &[],
            &[],
        )
        .expect("reply");
    s.boxed.wait_synced(Duration::from_secs(60)).await;
    let page = page_text(
        s.client
            .get(s.central.url(&messages))
            .send()
            .await
            .expect("messages"),
    )
    .await;
    assert!(
        page.contains("Absence de jeudi") && page.contains("1 non lu"),
        "{page}"
    );
    let page = page_text(
        s.client
            .get(s.central.url(&conversation_path))
            .send()
            .await
            .expect("conversation"),
    )
    .await;
    assert!(page.contains("Merci, c'est noté."), "{page}");
    assert!(page.contains("sera absent jeudi"), "{page}");

    // The parent replies at central; it reaches the box too.
    let replied = s
        .central
        .post_form(
            &s.client,
            &conversation_path,
            &conversation_path,
            &[("texte", "Bonne journée.")],
        )
        .await;
    assert_eq!(replied.status(), 303);
    eventually(
        Duration::from_secs(90),
        "the parent's reply on the box",
        || {
            preau_store::messages::messages_of(
                &s.boxed.app.store().read().expect("read"),
                summary.conversation.id,
            )
            .expect("messages")
            .iter()
            .any(|m| m.body_html.contains("Bonne journée."))
        },
    )
    .await;

    // Another parent cannot open this conversation.
    let stranger = s.central.client();
    let other = s
        .boxed
        .app
        .directory()
        .users()
        .into_iter()
        .find(|u| {
            u.role == Role::Parent
                && !s.pupil.guardians.contains(&u.id)
                && s.boxed.codes.iter().any(|(c, _)| c.id == u.id)
        })
        .cloned()
        .expect("another family");
    let done = activate(
        &s.central,
        &stranger,
        &other.login,
        &code_of(&s.boxed, other.id),
    )
    .await;
    assert_eq!(done.status(), 303);
    let refused = stranger
        .get(s.central.url(&conversation_path))
        .send()
        .await
        .expect("conversation");
    assert_eq!(refused.status(), 404, "not their conversation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_commune_account_is_unlocked_by_a_town_hall_agent() {
    let commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let (locked, locked_code) = central
        .running
        .commune
        .create_agent("Léa", "Accueil")
        .expect("agent");
    let (agent, agent_code) = central
        .running
        .commune
        .create_agent("Paul", "Mairie")
        .expect("agent");
    let done = activate(&central, &central.client(), &locked.login, &locked_code).await;
    assert_eq!(done.status(), 303);

    // Wrong passwords, spaced out past the slow-down, lock the account.
    let sign_in = |password: &'static str| {
        let central = &central;
        let login = locked.login.clone();
        async move {
            central
                .post_form(
                    &central.client(),
                    "/connexion",
                    "/connexion",
                    &[("login", login.as_str()), ("password", password)],
                )
                .await
        }
    };
    for _ in 0..preau_core::lockout::LOCK_AFTER {
        let refused = sign_in("pas le bon mot de passe").await;
        assert_eq!(refused.status(), 401);
        clock.advance(3600);
    }
    let refused = sign_in(PASSWORD).await;
    assert_eq!(refused.status(), 423, "locked");
    let page = page_text(refused).await;
    assert!(page.contains("bloqué") && page.contains("mairie"), "{page}");
    assert!(!page.contains("enseignant"), "{page}");

    // The agent sees it on « Écoles de la commune » and unlocks it.
    let town = central.client();
    let done = activate(&central, &town, &agent.login, &agent_code).await;
    assert_eq!(done.status(), 303);
    assert!(
        town.get(central.url("/"))
            .send()
            .await
            .expect("home")
            .status()
            == 303,
        "agents land on /mairie"
    );
    let response = town
        .get(central.url("/mairie"))
        .send()
        .await
        .expect("admin");
    let page = page_text(response).await;
    assert!(page.contains("Léa Accueil"), "{page}");
    let unlock = format!("/mairie/comptes/{}/debloquer", locked.id);
    let no_csrf = town.post(central.url(&unlock)).send().await.expect("post");
    assert_eq!(no_csrf.status(), 403, "CSRF checked");
    let unlocked = central.post_form(&town, "/mairie", &unlock, &[]).await;
    assert_eq!(unlocked.status(), 200);
    let page = page_text(unlocked).await;
    assert!(
        page.contains("Le compte de Léa Accueil est débloqué"),
        "{page}"
    );
    assert!(page.contains("Aucun compte n'est bloqué"), "{page}");
    let back = sign_in(PASSWORD).await;
    assert_eq!(back.status(), 303, "signs in again");

    // Unlocking an account that is not locked changes nothing.
    let again = central.post_form(&town, "/mairie", &unlock, &[]).await;
    assert_eq!(again.status(), 200, "unlocking twice is harmless");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_at_central_downloads_the_file_attached_to_a_carnet_word() {
    let s = scene().await;
    let teacher = subject(&s.boxed.app, s.teacher);
    let pdf = b"%PDF-1.4\n% Autorisation de sortie au musee\n%%EOF\n".to_vec();
    let space = s
        .boxed
        .app
        .ensure_space(preau_core::SpaceOwner::Personal(s.teacher))
        .expect("space");
    let mut incoming = s.boxed.app.incoming("autorisation.pdf").expect("incoming");
    incoming.write(&pdf).expect("write");
    let received = incoming.finish().expect("finish");
    let blob = received.blob.id;
    let file = s
        .boxed
        .app
        .save_file(&teacher, space.root, "autorisation.pdf", &received)
        .expect("file");
    let word = s
        .boxed
        .app
        .post_liaison(
            &teacher,
            &preau_app::liaison::WordForm {
                audience: format!("classe-{}", s.class.0),
                title: "Sortie au musée".into(),
                body: "Merci de remplir l'autorisation jointe.".into(),
                files: vec![file.id],
                ..Default::default()
            },
        )
        .expect("word");
    s.boxed.wait_synced(Duration::from_secs(60)).await;
    let at_central = s.central.school(UAI);
    eventually(Duration::from_secs(60), "the PDF at central", || {
        at_central.sync_missing_blobs(&[blob]).is_empty()
    })
    .await;

    // The portal links the file; the parent downloads the very bytes, as an attachment.
    let link = format!("/ecoles/{UAI}/carnet/{}/fichiers/0", word.id.0);
    let page = home(&s.central, &s.client).await;
    assert!(page.contains(&link), "{page}");
    assert!(page.contains("autorisation.pdf"), "{page}");
    let got = s
        .client
        .get(s.central.url(&link))
        .send()
        .await
        .expect("download");
    assert_eq!(got.status(), 200);
    let disposition = got
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(
        got.headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok()),
        Some("sandbox")
    );
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), pdf);

    // Someone signed out gets nothing; a file that has not arrived gets the French page.
    let stranger = s.central.client();
    let refused = stranger
        .get(s.central.url(&link))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(refused.status(), 303, "sign in first");
    let hex = blob.hex();
    let kept = s
        .central
        .config
        .data_dir
        .join("ecoles")
        .join(UAI)
        .join("blobs")
        .join(&hex[..2])
        .join(&hex[2..]);
    std::fs::remove_file(&kept).expect("the blob is in the school's store at central");
    let not_yet = s
        .client
        .get(s.central.url(&link))
        .send()
        .await
        .expect("download");
    assert_eq!(not_yet.status(), 404);
    let text = page_text(not_yet).await;
    assert!(
        text.contains("Ce document n'est pas encore arrivé de l'école"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_at_central_sees_the_exercise_results_the_pupil_got_on_the_box() {
    use preau_app::exercises::{ExerciseForm, QuestionForm, SequenceForm, Step, TaskForm};
    let s = scene().await;
    let app = &s.boxed.app;
    let teacher = subject(app, s.teacher);
    let sequence = app
        .create_sequence(
            &teacher,
            &SequenceForm {
                title: "Calcul mental du lundi".into(),
                ..SequenceForm::default()
            },
        )
        .expect("sequence");
    let exercise = app
        .add_exercise(
            &teacher,
            sequence.id,
            &ExerciseForm {
                title: "Additions".into(),
                competence: "MA2-NOMBRES-4".into(),
                ..ExerciseForm::default()
            },
        )
        .expect("exercise");
    for (prompt, answer) in [("3 + 4 ?", "7"), ("5 + 5 ?", "10")] {
        app.save_question(
            &teacher,
            exercise.id,
            None,
            &QuestionForm {
                kind: "reponse".into(),
                prompt: prompt.into(),
                answers: answer.into(),
                numeric: true,
                ..QuestionForm::default()
            },
            None,
            None,
        )
        .expect("question");
    }
    let task = app
        .set_task(
            &teacher,
            sequence.id,
            s.class,
            &TaskForm {
                audience: format!("eleve-{}", s.pupil.id.0),
                due: "2026-12-04".into(),
                mode: "evaluation".into(),
                ..TaskForm::default()
            },
        )
        .expect("task");
    let pupil = subject(app, s.pupil.id);
    app.start_round(&pupil, task.id).expect("start");
    for given in ["7", "11"] {
        let Step::Question(screen) = app.step(&pupil, task.id).expect("step") else {
            panic!("a question");
        };
        app.answer(
            &pupil,
            task.id,
            (screen.round, screen.exercise_index, screen.question_index),
            preau_core::Given::Short(given.into()),
        )
        .expect("answer");
    }
    s.boxed.wait_synced(Duration::from_secs(60)).await;

    // At central the family sees the task's score and the competence's level…
    let page = home(&s.central, &s.client).await;
    assert!(
        page.contains(&format!("Exercices de {}", s.pupil.first_name)),
        "{page}"
    );
    assert!(
        page.contains(
            "Calcul mental du lundi (pour le vendredi 4 décembre) : 1 / 2 bonnes réponses"
        ),
        "{page}"
    );
    assert!(
        page.contains("Objectifs d&#x27;apprentissage partiellement atteints")
            || page.contains("Objectifs d&#39;apprentissage partiellement atteints")
            || page.contains("Objectifs d'apprentissage partiellement atteints"),
        "{page}"
    );
    // … while the answers themselves never leave the box.
    let at_central = s.central.school(UAI);
    let r = at_central.store().read().expect("read");
    assert!(r.all::<preau_core::Attempt>().expect("attempts").is_empty());
    assert!(
        r.all::<preau_core::Exercise>()
            .expect("exercises")
            .is_empty()
    );

    // The teacher raises the level on the box: central follows.
    app.set_livret_level(
        &teacher,
        s.pupil.id,
        "MA2-NOMBRES-4",
        Some(preau_core::exercises::mastery::LivretLevel::Reached),
    )
    .expect("level");
    s.boxed.wait_synced(Duration::from_secs(60)).await;
    let page = home(&s.central, &s.client).await;
    assert!(
        page.contains("Objectifs d&#x27;apprentissage atteints")
            || page.contains("Objectifs d&#39;apprentissage atteints")
            || page.contains("Objectifs d'apprentissage atteints"),
        "{page}"
    );
}
