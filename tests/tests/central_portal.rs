//! Parents and town-hall agents at central, over HTTP on real TLS on loopback: a parent
//! activates their commune account with the code of the box's ONDE letter, reads the
//! homework a teacher wrote on the box, signs a carnet word while the box is off (it is on
//! the box once it is back), links a child of a second school to the same account; a parent
//! of another family sees nothing of that child; an agent sees the schools' sync.

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
