//! Sync between a real box and a real central on loopback: what a teacher writes on the box
//! reaches central, what a parent signs at central reaches the box, through outages, a
//! flaky link and a box away for the summer with a wrong clock; central refuses a box that
//! writes another school's data or whose certificate is revoked, and keeps a blob only
//! under its SHA-256, in the store of the school the box's certificate names.

use preau_app::App;
use preau_core::{ClassId, LogbookEntry, Role, Subject, UserId};
use preau_tests::bundles::{Commune, UAI, description, onde_fixture};
use preau_tests::central::{SyncBox, TestCentral, TestClock};
use preau_tests::proxy::FaultProxy;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const SCHOOL: &str = "École élémentaire Jules-Ferry";
const OTHER_UAI: &str = "0750655E";
const DAY: i64 = 24 * 3600;

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

/// A class with a teacher, a pupil of it and one of the pupil's guardians.
fn cast(app: &App) -> (ClassId, UserId, UserId, UserId) {
    let directory = app.directory();
    for class in directory.all_classes() {
        let Some(&teacher) = class.teachers.first() else {
            continue;
        };
        let pupil = directory.users().into_iter().find(|u| {
            u.role == Role::Pupil && u.classes.contains(&class.id) && !u.guardians.is_empty()
        });
        if let Some(pupil) = pupil {
            return (class.id, teacher, pupil.id, pupil.guardians[0]);
        }
    }
    panic!("the ONDE fixtures have a class with a teacher and a pupil with a guardian")
}

fn homework(app: &App, teacher: UserId, class: ClassId, title: &str, text: &str) -> LogbookEntry {
    let today = time::OffsetDateTime::from_unix_timestamp(app.now())
        .expect("now")
        .date();
    let form = preau_app::logbook::EntryForm {
        date: today.to_string(),
        title: title.to_string(),
        done: text.to_string(),
        homework: format!("Relire : {title}"),
        due: (today + time::Duration::days(1)).to_string(),
        ..Default::default()
    };
    app.write_logbook_entry(&subject(app, teacher), class, &form)
        .expect("write the cahier de textes")
        .remove(0)
}

fn post_word(app: &App, teacher: UserId, class: ClassId) -> preau_core::Word {
    let form = preau_app::liaison::WordForm {
        audience: format!("classe-{}", class.0),
        title: "Sortie à la ferme".into(),
        body: "Nous irons à la ferme mardi. Merci de signer.".into(),
        ..Default::default()
    };
    app.post_liaison(&subject(app, teacher), &form)
        .expect("post a carnet word")
}

fn has_entry(app: &App, id: u64) -> bool {
    app.store()
        .read()
        .expect("read")
        .get::<LogbookEntry>(id)
        .expect("get")
        .is_some()
}

async fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn homework_reaches_central_and_a_signature_at_central_reaches_the_box_even_when_it_was_off()
{
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let proxy = FaultProxy::start(central.addr()).await;
    let school = description("jules-ferry", UAI, "");
    let boxed = SyncBox::start(
        &mut commune,
        &school,
        &onde(),
        proxy.addr,
        &central.tls_ca,
        true,
    )
    .await;
    boxed.wait_synced(Duration::from_secs(30)).await;
    let at_central = central.school(UAI);
    assert_eq!(
        at_central
            .directory()
            .school()
            .map(|s| s.name.clone())
            .as_deref(),
        Some(SCHOOL),
        "central holds the school"
    );

    // The teacher writes homework and a carnet word on the box; central gets both.
    let (class, teacher, pupil, parent) = cast(&boxed.app);
    let entry = homework(&boxed.app, teacher, class, "Lecture", "Le loup et l'agneau");
    let word = post_word(&boxed.app, teacher, class);
    eventually(Duration::from_secs(30), "homework at central", || {
        has_entry(&at_central, entry.id.0)
    })
    .await;
    eventually(
        Duration::from_secs(30),
        "the carnet word at central",
        || {
            at_central
                .store()
                .read()
                .ok()
                .and_then(|r| r.get::<preau_core::Word>(word.id.0).ok().flatten())
                .is_some()
        },
    )
    .await;
    // The headteacher's emergency switch reaches central, which applies the school's rules.
    let head = boxed
        .app
        .directory()
        .users()
        .into_iter()
        .find(|u| u.role == Role::Headteacher)
        .map(|u| u.id)
        .expect("the bundle's headteacher");
    boxed
        .app
        .set_messaging_emergency(&subject(&boxed.app, head), true)
        .expect("emergency on");
    eventually(
        Duration::from_secs(30),
        "the school's rules at central",
        || at_central.messaging_rules().is_ok_and(|r| r.emergency),
    )
    .await;
    // Staff-only data stays on the box: the team's news never leaves it.
    assert!(
        at_central
            .directory()
            .users()
            .iter()
            .all(|u| u.role != Role::Staff),
        "no staff account at central"
    );

    // The box is switched off; a parent signs at central.
    proxy.faults.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let signed = at_central
        .sign_liaison(&subject(&at_central, parent), word.id, pupil)
        .expect("the parent signs at central");
    assert!(signed.signed.is_some());
    let on_box = || {
        let r = boxed.app.store().read().expect("read");
        preau_store::liaison::answer_of(&r, word.id, pupil)
            .expect("answer")
            .is_some_and(|a| a.signed.is_some())
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!on_box(), "nothing reaches a box that is off");

    // The box is back: the signature is there.
    proxy.faults.down.store(false, Ordering::SeqCst);
    eventually(Duration::from_secs(90), "the signature on the box", on_box).await;
    let status = boxed.app.sync_status();
    assert!(status.last_success.is_some(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_away_seventy_days_with_a_wrong_clock_loses_none_of_its_writes() {
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let proxy = FaultProxy::start(central.addr()).await;
    let school = description("jules-ferry", UAI, "");
    let boxed = SyncBox::start(
        &mut commune,
        &school,
        &onde(),
        proxy.addr,
        &central.tls_ca,
        true,
    )
    .await;
    boxed.wait_synced(Duration::from_secs(30)).await;
    let (class, teacher, pupil, parent) = cast(&boxed.app);
    let word = post_word(&boxed.app, teacher, class);
    boxed.wait_synced(Duration::from_secs(30)).await;

    // The last day before the summer: the link goes down while the teacher writes.
    proxy.faults.down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let written: Vec<LogbookEntry> = (0..12)
        .map(|i| {
            homework(
                &boxed.app,
                teacher,
                class,
                &format!("Séance {i}"),
                "Révisions",
            )
        })
        .collect();
    // Seventy days pass at central, where a parent signs; the box comes back with its clock
    // a year behind.
    clock.advance(70 * DAY);
    let at_central = central.school(UAI);
    at_central
        .sign_liaison(&subject(&at_central, parent), word.id, pupil)
        .expect("sign at central");
    boxed.clock.advance(-364 * DAY);
    proxy.faults.down.store(false, Ordering::SeqCst);
    boxed.wait_synced(Duration::from_secs(90)).await;
    for entry in &written {
        assert!(
            has_entry(&at_central, entry.id.0),
            "{} reached central",
            entry.title
        );
    }
    eventually(
        Duration::from_secs(30),
        "the summer's signature on the box",
        || {
            let r = boxed.app.store().read().expect("read");
            preau_store::liaison::answer_of(&r, word.id, pupil)
                .expect("answer")
                .is_some_and(|a| a.signed.is_some())
        },
    )
    .await;
    // A write made now on the box, with its clock still wrong, goes after what it saw.
    let late = homework(&boxed.app, teacher, class, "Rentrée", "Bienvenue");
    boxed.wait_synced(Duration::from_secs(30)).await;
    assert!(has_entry(&at_central, late.id.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_converges_through_latency_a_bandwidth_cap_and_a_reset_every_tenth() {
    let mut commune = Commune::new("Villeneuve");
    let clock = TestClock::monday_morning();
    let clean_central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let flaky_central = TestCentral::start(&commune, &[(UAI, SCHOOL)], None, &clock).await;
    let clean = FaultProxy::start(clean_central.addr()).await;
    let flaky = FaultProxy::start(flaky_central.addr()).await;
    // The box syncs by hand here (one round at a time), first over a clean link.
    let school = description("jules-ferry", UAI, "");
    let boxed = SyncBox::start(
        &mut commune,
        &school,
        &onde(),
        clean.addr,
        &clean_central.tls_ca,
        false,
    )
    .await;
    let (class, teacher, _, _) = cast(&boxed.app);
    let text = "Nous avons lu un conte et répondu aux questions de compréhension. ".repeat(20);
    for i in 0..400 {
        homework(&boxed.app, teacher, class, &format!("Séance {i}"), &text);
    }
    let settings = |central: &TestCentral, proxy: &FaultProxy| preau::sync_client::SyncSettings {
        central_url: format!("https://localhost:{}", proxy.addr.port()),
        central_ca: std::fs::read(&central.tls_ca).expect("ca"),
    };
    let clean_settings = settings(&clean_central, &clean);
    while preau::sync_client::sync_once(&boxed.app, &clean_settings)
        .await
        .expect("clean sync")
        == Some(true)
    {}
    let payload = clean.upstream();
    assert!(payload > 1_000_000, "a real payload: {payload} bytes");

    // The same changes to another central, over a link with latency, a bandwidth cap and a
    // reset each time another tenth of the payload went through.
    flaky.faults.latency_ms.store(5, Ordering::SeqCst);
    flaky
        .faults
        .bytes_per_sec
        .store(4_000_000, Ordering::SeqCst);
    flaky
        .faults
        .reset_every
        .store(payload / 10, Ordering::SeqCst);
    let flaky_settings = settings(&flaky_central, &flaky);
    let started = Instant::now();
    let mut failures = 0;
    loop {
        match preau::sync_client::sync_once(&boxed.app, &flaky_settings).await {
            Ok(Some(false)) => break,
            Ok(_) => {}
            Err(_) => failures += 1,
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sync did not converge"
        );
    }
    let resets = flaky.faults.resets.load(Ordering::SeqCst);
    assert!(resets >= 9, "the link was cut {resets} times");
    assert!(failures >= 9, "{failures} rounds cut short");
    let resent = flaky.upstream();
    eprintln!(
        "sync through faults: payload {payload} B, sent {resent} B ({:.1} %), {resets} resets",
        resent as f64 * 100.0 / payload as f64
    );
    assert!(
        resent * 100 <= payload * 110,
        "re-sent bytes {resent} over 110 % of the payload {payload}"
    );
    // Both centrals hold exactly what the box holds for them: same records, same versions.
    for central in [&clean_central, &flaky_central] {
        let replica = central.school(UAI);
        assert_eq!(
            replica_fingerprint(&replica),
            replica_fingerprint_of_box(&boxed.app),
            "central holds the box's records, once each"
        );
    }
}

/// Every replicated record of a store with its stamp, sorted: what "identical" means.
fn replica_fingerprint(app: &App) -> Vec<(String, u64, String)> {
    preau_store::sync::all_stamps(&app.store().read().expect("read"))
        .expect("stamps")
        .into_iter()
        .map(|(kind, key, stamp, deleted)| (kind, key, format!("{stamp:?}{deleted}")))
        .collect()
}

/// The same for what the box may hand to central.
fn replica_fingerprint_of_box(app: &App) -> Vec<(String, u64, String)> {
    let r = app.store().read().expect("read");
    preau_store::sync::all_stamps(&r)
        .expect("stamps")
        .into_iter()
        .filter(|(kind, key, _, deleted)| {
            *deleted
                || preau_store::sync::raw_value(&r, kind, *key)
                    .ok()
                    .flatten()
                    .and_then(|bytes| preau_app::sync::partition::scope_of(&r, kind, &bytes).ok())
                    .flatten()
                    .is_some()
        })
        .map(|(kind, key, stamp, deleted)| (kind, key, format!("{stamp:?}{deleted}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_refuses_another_schools_data_and_a_revoked_certificate() {
    let mut commune = Commune::new("Villeneuve");
    let now = time::OffsetDateTime::now_utc();
    let box_a = commune
        .ca
        .issue_sync_client("jules-ferry", UAI, now)
        .expect("cert A");
    let revoked = commune
        .ca
        .issue_sync_client("pasteur", OTHER_UAI, now)
        .expect("cert B");
    commune
        .ca
        .revoke(revoked.cert_pem.as_bytes(), "boîtier volé", now)
        .expect("revoke");
    let crl = commune.ca.crl_pem(now).expect("crl");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(
        &commune,
        &[(UAI, SCHOOL), (OTHER_UAI, "École Pasteur")],
        Some(&crl),
        &clock,
    )
    .await;
    let client = |issued: &preau_provision::ca::Issued| {
        reqwest::Client::builder()
            .identity(
                reqwest::Identity::from_pem(
                    format!("{}\n{}", issued.cert_pem, issued.key_pem).as_bytes(),
                )
                .expect("identity"),
            )
            .add_root_certificate(
                reqwest::Certificate::from_pem(&std::fs::read(&central.tls_ca).expect("ca"))
                    .expect("ca"),
            )
            .build()
            .expect("client")
    };
    let url = |path: &str| format!("https://localhost:{}{path}", central.addr().port());
    let hello = |school: &str, replica: u64| {
        serde_json::json!({
            "protocol": preau_sync::protocol::PROTOCOL_VERSION,
            "capabilities": preau_sync::protocol::capabilities(),
            "replica": replica,
            "school": school,
            "software": "test",
        })
    };
    let a = client(&box_a);
    // Box A says hello as itself: fine; as school B: refused.
    let ok = a
        .post(url("/sync/v1/hello"))
        .json(&hello(UAI, 7))
        .send()
        .await
        .expect("hello");
    assert_eq!(ok.status(), 200);
    let wrong = a
        .post(url("/sync/v1/hello"))
        .json(&hello(OTHER_UAI, 7))
        .send()
        .await
        .expect("hello as B");
    assert_eq!(wrong.status(), 403);
    // Box A pushes a change for school B's partition: refused, nothing written.
    let change = preau_sync::Change {
        origin: 7,
        seq: 1,
        kind: "news".into(),
        key: 42,
        stamp: preau_sync::Stamp {
            millis: 1,
            counter: 0,
            origin: 7,
        },
        school: OTHER_UAI.into(),
        scope: preau_sync::Scope::School,
        value: None,
    };
    let push = a
        .post(url("/sync/v1/push"))
        .json(&preau_sync::protocol::PushChunk {
            origin: 7,
            changes: vec![change],
        })
        .send()
        .await
        .expect("push");
    assert_eq!(push.status(), 403);
    for uai in [UAI, OTHER_UAI] {
        assert_eq!(central.school(uai).sync_cursor(7).expect("cursor"), 0);
    }
    // Without a certificate, or with the revoked one, the TLS handshake fails.
    let anonymous = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&central.tls_ca).expect("ca"))
                .expect("ca"),
        )
        .build()
        .expect("client");
    let refused = anonymous
        .post(url("/sync/v1/hello"))
        .json(&hello(UAI, 8))
        .send()
        .await;
    assert!(refused.is_err(), "no client certificate: {refused:?}");
    let refused = client(&revoked)
        .post(url("/sync/v1/hello"))
        .json(&hello(OTHER_UAI, 9))
        .send()
        .await;
    assert!(refused.is_err(), "revoked certificate: {refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn central_keeps_a_blob_only_under_its_sha256_and_in_the_certificates_school() {
    use sha2::{Digest, Sha256};
    let commune = Commune::new("Villeneuve");
    let now = time::OffsetDateTime::now_utc();
    let box_a = commune
        .ca
        .issue_sync_client("jules-ferry", UAI, now)
        .expect("cert A");
    let clock = TestClock::monday_morning();
    let central = TestCentral::start(
        &commune,
        &[(UAI, SCHOOL), (OTHER_UAI, "École Pasteur")],
        None,
        &clock,
    )
    .await;
    let a = reqwest::Client::builder()
        .identity(
            reqwest::Identity::from_pem(
                format!("{}\n{}", box_a.cert_pem, box_a.key_pem).as_bytes(),
            )
            .expect("identity"),
        )
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&central.tls_ca).expect("ca"))
                .expect("ca"),
        )
        .build()
        .expect("client");
    let url = |path: &str| format!("https://localhost:{}{path}", central.addr().port());
    let bytes = b"%PDF-1.4 autorisation de sortie".to_vec();
    let id = preau_core::BlobId(Sha256::digest(&bytes).into());
    let missing = |uai: &str| central.school(uai).sync_missing_blobs(&[id]);

    // Central says it lacks the blob; a body that does not have its SHA-256 is refused and
    // not kept.
    let asked: Vec<String> = a
        .post(url("/sync/v1/blobs/missing"))
        .json(&vec![id.hex()])
        .send()
        .await
        .expect("missing")
        .json()
        .await
        .expect("answer");
    assert_eq!(asked, vec![id.hex()]);
    let forged = a
        .put(url(&format!("/sync/v1/blob/{}", id.hex())))
        .body(b"%PDF-1.4 autre chose".to_vec())
        .send()
        .await
        .expect("put");
    assert_eq!(forged.status(), 400);
    assert_eq!(missing(UAI), vec![id], "a forged body is not kept");
    let bad = a
        .put(url("/sync/v1/blob/pas-un-condensat"))
        .body(bytes.clone())
        .send()
        .await
        .expect("put");
    assert_eq!(bad.status(), 400);

    // The right bytes are kept, in the store of the school the certificate names only.
    let put = a
        .put(url(&format!("/sync/v1/blob/{}", id.hex())))
        .body(bytes.clone())
        .send()
        .await
        .expect("put");
    assert_eq!(put.status(), 201);
    assert!(missing(UAI).is_empty());
    assert_eq!(
        missing(OTHER_UAI),
        vec![id],
        "the certificate decides the store"
    );
    let again = a
        .put(url(&format!("/sync/v1/blob/{}", id.hex())))
        .body(bytes.clone())
        .send()
        .await
        .expect("put again");
    assert!(
        again.status().is_success(),
        "idempotent: {}",
        again.status()
    );
    let asked: Vec<String> = a
        .post(url("/sync/v1/blobs/missing"))
        .json(&vec![id.hex()])
        .send()
        .await
        .expect("missing")
        .json()
        .await
        .expect("answer");
    assert!(asked.is_empty());
}
