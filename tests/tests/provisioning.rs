//! Provisioning on the box: signed bundles made with the technician's library, applied all
//! or nothing by the application, then a running box provisioned through its stick watcher
//! (a folder, and a FAT image made with mtools), with its report written back.

use preau_app::accounts::Handover;
use preau_app::provisioning::{Refusal, StickResult};
use preau_app::{App, Settings, system_clock};
use preau_core::Role;
use preau_provision::bundle::{NewBundle, PublicKey};
use preau_store::Store;
use preau_tests::bundles::{
    Commune, DOMAIN, EmptyBox, UAI, code_of, description, onde_fixture, write_bundle,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn empty_box(dir: &Path) -> App {
    let store = Store::open(dir).expect("store");
    App::new(store, Settings::default(), system_clock()).expect("app")
}

fn onde_2024() -> Vec<preau_provision::bundle::OndeFile> {
    vec![
        onde_fixture("eleves-2024-utf8.csv"),
        onde_fixture("responsables-2024-par-eleve.csv"),
        onde_fixture("enseignants-2024.csv"),
    ]
}

/// Applies `bundle` from the folder `dir` with `key`.
fn apply(app: &App, bundle: &NewBundle, dir: &Path, key: &PublicKey) -> StickResult {
    let zip = write_bundle(bundle, dir);
    app.provision_from_files(&zip, key).result
}

fn refusal(result: StickResult) -> Refusal {
    match result {
        StickResult::Refused(r) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn accounts(app: &App) -> Vec<(String, Role)> {
    let mut all: Vec<(String, Role)> = app
        .directory()
        .users()
        .into_iter()
        .map(|u| (u.login.clone(), u.role))
        .collect();
    all.sort();
    all
}

#[test]
fn a_bundle_sets_an_empty_box_up_once_and_a_newer_one_updates_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = empty_box(&dir.path().join("data"));
    let mut commune = Commune::new("Villeneuve");
    let key = commune.ca.public_key().clone();
    assert!(!app.is_set_up());

    let first = commune.bundle(&description("jules-ferry", UAI, ""), &onde_2024());
    let applied = match apply(&app, &first, &dir.path().join("stick"), &key) {
        StickResult::Applied(a) => a,
        other => panic!("not applied: {other:?}"),
    };
    assert!(applied.first);
    assert_eq!(applied.school.uai.as_str(), UAI);
    assert_eq!(
        applied.names,
        vec![
            format!("jules-ferry.{DOMAIN}"),
            "jules-ferry.local".to_string()
        ]
    );
    let school = app.directory().school().cloned().expect("school recorded");
    assert_eq!(school.name, "École élémentaire Jules-Ferry");
    // The headteacher of the bundle, with a one-time activation code and no password.
    let (head, handover) = &applied.accounts_created[0];
    assert_eq!(
        (head.login.as_str(), head.role),
        ("claire.dubois", Role::Headteacher)
    );
    assert!(matches!(handover, Handover::ActivationCode(code) if !code.is_empty()));
    // The ONDE exports: 11 pupils, their guardians and the teachers.
    let onde = applied.onde.as_ref().expect("ONDE applied");
    let pupils = accounts(&app)
        .iter()
        .filter(|(_, r)| *r == Role::Pupil)
        .count();
    assert_eq!(pupils, 11);
    assert!(onde.created > 11 && !onde.letters.is_empty());
    let state = app.provisioned().expect("read").expect("provisioned");
    assert_eq!(
        (state.uai.as_str(), state.serial),
        (UAI, first.manifest.serial)
    );
    assert!(state.tls_key_pem.contains("PRIVATE KEY"));

    // The same bundle again changes nothing.
    let before = accounts(&app);
    let again = apply(&app, &first, &dir.path().join("stick"), &key);
    assert!(matches!(again, StickResult::Unchanged { .. }), "{again:?}");
    assert_eq!(accounts(&app), before);

    // A newer bundle adds a teacher; the headteacher is already as written.
    let more =
        "\n[[accounts]]\nrole = \"enseignant\"\nfirst_name = \"Paul\"\nlast_name = \"Roux\"\n";
    let second = commune.bundle(&description("jules-ferry", UAI, more), &onde_2024());
    let updated = match apply(&app, &second, &dir.path().join("stick2"), &key) {
        StickResult::Applied(a) => a,
        other => panic!("not applied: {other:?}"),
    };
    assert!(!updated.first);
    assert_eq!(updated.accounts_unchanged, 1);
    assert_eq!(updated.accounts_created.len(), 1);
    assert_eq!(updated.accounts_created[0].0.login, "paul.roux");
    let onde = updated.onde.as_ref().expect("ONDE");
    assert_eq!(
        (onde.created, onde.archived),
        (0, 0),
        "same pupils as before"
    );
    assert_eq!(accounts(&app).len(), before.len() + 1);

    // The first bundle, now older, is refused.
    match refusal(apply(&app, &first, &dir.path().join("stick3"), &key)) {
        Refusal::NotNewer { serial, applied } => {
            assert_eq!(
                (serial, applied),
                (first.manifest.serial, second.manifest.serial)
            )
        }
        other => panic!("{other:?}"),
    }
    // A bundle for another school, even signed by the same commune, is refused.
    let other = commune.bundle(&description("pasteur", "0750655E", ""), &[]);
    assert!(matches!(
        refusal(apply(&app, &other, &dir.path().join("stick4"), &key)),
        Refusal::OtherSchool { .. }
    ));
    assert_eq!(accounts(&app).len(), before.len() + 1);
}

#[test]
fn refused_bundles_leave_the_box_untouched() {
    let dir = tempfile::tempdir().expect("tmp");
    let app = empty_box(&dir.path().join("data"));
    let mut commune = Commune::new("Villeneuve");
    let key = commune.ca.public_key().clone();
    let good = commune.bundle(&description("jules-ferry", UAI, ""), &onde_2024());

    // Signed by another commune's key.
    let stranger = Commune::new("Ailleurs");
    let zip = write_bundle(&good, &dir.path().join("a"));
    let result = app
        .provision_from_files(&zip, stranger.ca.public_key())
        .result;
    assert!(matches!(refusal(result), Refusal::Bundle { .. }));

    // One byte changed after signing.
    let mut changed = good.clone();
    let middle = changed.zip.len() / 2;
    changed.zip[middle] ^= 1;
    let Refusal::Bundle { fr, .. } = refusal(apply(&app, &changed, &dir.path().join("b"), &key))
    else {
        panic!("not a bundle refusal")
    };
    assert!(fr.contains("signature"), "{fr}");

    // No signature beside the zip.
    let zip = write_bundle(&good, &dir.path().join("c"));
    std::fs::remove_file(preau_provision::bundle::signature_path(&zip)).expect("rm");
    assert!(matches!(
        refusal(app.provision_from_files(&zip, &key).result),
        Refusal::Bundle { .. }
    ));

    // ONDE exports with damaged lines: refused with their line numbers, nothing applied.
    let mut damaged_files = onde_2024();
    damaged_files[0] = onde_fixture("eleves-lignes-abimees.csv");
    let damaged = commune.bundle(&description("jules-ferry", UAI, ""), &damaged_files);
    match refusal(apply(&app, &damaged, &dir.path().join("d"), &key)) {
        Refusal::Onde(files) => {
            let file = files.iter().find(|f| f.blocks()).expect("a blocking file");
            assert_eq!(file.name, "eleves-lignes-abimees.csv");
            assert!(file.problems.iter().any(|p| p.skipped && p.line > 1));
        }
        other => panic!("{other:?}"),
    }

    assert!(!app.is_set_up(), "nothing was applied");
    assert!(app.directory().users().is_empty());
    assert!(app.provisioned().expect("read").is_none());
    // The good bundle still applies afterwards.
    assert!(matches!(
        apply(&app, &good, &dir.path().join("e"), &key),
        StickResult::Applied(_)
    ));
}

fn run(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok()
}

/// A FAT stick image labelled PREAU holding the bundle, made with mtools as a technician's
/// laptop would write it.
fn fat_stick(bundle: &NewBundle, dir: &Path) -> PathBuf {
    let files = dir.join("laptop");
    let zip = write_bundle(bundle, &files);
    let image = dir.join("stick.img");
    run(
        "mkfs.vfat",
        &["-C", "-n", "PREAU", image.to_str().expect("path"), "8192"],
    );
    let image_arg = image.to_str().expect("path");
    let signature = preau_provision::bundle::signature_path(&zip);
    for file in [&zip, &signature] {
        run(
            "mcopy",
            &["-i", image_arg, file.to_str().expect("path"), "::/"],
        );
    }
    image
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stick_provisions_a_running_box_which_writes_its_report_back() {
    if !(have("mcopy") && have("mkfs.vfat")) {
        assert!(
            std::env::var_os("PREAU_REQUIRE_MTOOLS").is_none(),
            "mtools and dosfstools are required (PREAU_REQUIRE_MTOOLS is set)"
        );
        eprintln!("SKIPPED: install mtools and dosfstools to run the FAT stick test");
        return;
    }
    let mut commune = Commune::new("Villeneuve");
    let boxed = EmptyBox::start(&commune.public_key_file()).await;
    let local = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = |path: &str| format!("https://127.0.0.1:{}{path}", boxed.port());

    // Not provisioned: only the setup page, no sign-in, nothing to post.
    let home = local.get(url("/")).send().await.expect("home");
    assert_eq!(home.status(), 303);
    assert_eq!(home.headers()["location"], "/installation");
    let sign_in = local.get(url("/connexion")).send().await.expect("sign-in");
    assert_eq!(sign_in.headers()["location"], "/installation");
    let setup = local.get(url("/installation")).send().await.expect("setup");
    assert_eq!(setup.status(), 200);
    let text = preau_tests::page_text(setup).await;
    assert!(text.contains("Boîtier Préau à configurer"), "{text}");
    assert!(text.contains("aucun mot de passe par défaut"), "{text}");
    let post = local
        .post(url("/connexion"))
        .form(&[("login", "claire.dubois"), ("password", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 409);

    // The stick: a FAT image from the technician's laptop; the box sees its files where
    // the image mounts sticks (here: copied out with mtools, as a read-only mount shows them).
    let work = tempfile::tempdir().expect("tmp");
    let bundle = commune.bundle(&description("jules-ferry", UAI, ""), &onde_2024());
    let image = fat_stick(&bundle, work.path());
    let image_arg = image.to_str().expect("path");
    let mounted = boxed.usb.join("PREAU");
    std::fs::create_dir_all(&mounted).expect("mount point");
    run(
        "mcopy",
        &[
            "-i",
            image_arg,
            "-s",
            "::/",
            mounted.to_str().expect("path"),
        ],
    );
    let report = boxed.report("PREAU", None).await;
    assert!(
        report.contains("Boîtier configuré : lot n° 1 appliqué."),
        "{report}"
    );
    assert!(report.contains("Import ONDE : "), "{report}");
    let code = code_of(&report, "claire.dubois");

    // The report goes back onto the stick (the image's writable side) and reads there.
    for name in ["preau-report.txt", "preau-report.html"] {
        let written = boxed.reports.join("PREAU").join(name);
        run(
            "mcopy",
            &[
                "-i",
                image_arg,
                "-o",
                written.to_str().expect("path"),
                "::/",
            ],
        );
    }
    let listed = std::process::Command::new("mtype")
        .args(["-i", image_arg, "::/preau-report.txt"])
        .output()
        .expect("mtype");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("Boîtier configuré"));
    let html = std::fs::read_to_string(boxed.reports.join("PREAU/preau-report.html"))
        .expect("html report");
    assert!(
        html.contains(&code) && html.contains("<svg"),
        "letters with QR codes"
    );

    // The box now serves the commune's certificate under its name.
    let host = format!("jules-ferry.{DOMAIN}");
    let client = boxed.client(commune.ca.cert_pem(), &host);
    let base = format!("https://{host}:{}", boxed.port());
    let activation = client
        .get(format!("{base}/activation"))
        .send()
        .await
        .expect("activation page over the commune's certificate");
    assert_eq!(activation.status(), 200);
    let token = preau_tests::extract_csrf(&activation.text().await.expect("body")).expect("csrf");
    let activated = client
        .post(format!("{base}/activation"))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", "claire.dubois"),
            ("code", code.as_str()),
            ("password", "cour-de-recre-2027"),
            ("confirmation", "cour-de-recre-2027"),
        ])
        .send()
        .await
        .expect("activate");
    assert_eq!(
        activated.status(),
        303,
        "activation signs the headteacher in"
    );
    let portal = client.get(format!("{base}/")).send().await.expect("portal");
    assert_eq!(portal.status(), 200);
    let setup = client
        .get(format!("{base}/installation"))
        .send()
        .await
        .expect("setup page");
    let text = preau_tests::page_text(setup).await;
    assert!(text.contains("n° 1, appliqué le"), "{text}");
    assert!(text.contains("adresse obtenue par DHCP"), "{text}");
    assert!(!text.contains(&code), "no activation code on a page");

    // Which bundle it applied, for the image's root unit (which installs the system settings
    // of that bundle only if it checked it itself: tests/tests/system_settings.rs).
    let applied = boxed.data.join("system").join("bundle.sha256");
    let sha = |bundle: &preau_provision::bundle::NewBundle| {
        format!("{}\n", preau_provision::bundle::sha256_hex(&bundle.zip))
    };
    assert_eq!(
        std::fs::read_to_string(&applied).expect("bundle.sha256"),
        sha(&bundle)
    );

    // The stick pulled out and plugged in again: the same bundle changes nothing.
    let users = boxed.app.directory().users().len();
    std::fs::remove_dir_all(&mounted).expect("unplug");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    run(
        "mcopy",
        &[
            "-i",
            image_arg,
            "-s",
            "::/",
            mounted.to_str().expect("path"),
        ],
    );
    let again = boxed.report("PREAU", Some(&report)).await;
    assert!(
        again.contains("Rien à faire : le lot n° 1 est déjà appliqué."),
        "{again}"
    );
    assert_eq!(boxed.app.directory().users().len(), users);

    // A newer bundle with SSH keys, on another stick, updates the box.
    let ssh = "\n[ssh]\nauthorized_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn5xMY0ZsRWj2bvfLMlH2CqS5RHq7qs6HpGJkSUTeWd technicien@mairie\"]\n";
    let newer = commune.bundle(&description("jules-ferry", UAI, ssh), &onde_2024());
    write_bundle(&newer, &boxed.usb.join("CLE2"));
    let updated = boxed.report("CLE2", None).await;
    assert!(
        updated.contains("Configuration mise à jour : lot n° 2 appliqué."),
        "{updated}"
    );
    assert_eq!(
        std::fs::read_to_string(&applied).expect("bundle.sha256"),
        sha(&newer)
    );
}

#[tokio::test]
async fn the_setup_page_names_the_system_version_and_its_slot() {
    let dir = tempfile::tempdir().expect("tmp");
    let release = dir.path().join("preau-release");
    std::fs::write(&release, "VERSION=1796003740\nSLOT=B\n").expect("release");
    let app = preau_tests::TestApp::builder()
        .configure(move |c| c.release_file = release)
        .start()
        .await;
    let head = app.headteacher().await;
    let page = preau_tests::page_text(
        head.get(app.url("/installation"))
            .send()
            .await
            .expect("setup page"),
    )
    .await;
    assert!(
        page.contains("Système du boîtier : version du ")
            && page.contains("(n° 1796003740), emplacement B."),
        "{page}"
    );
    // A teacher learns only that the box is set up.
    let teacher = app.teacher().await;
    let page = preau_tests::page_text(
        teacher
            .get(app.url("/installation"))
            .send()
            .await
            .expect("setup page"),
    )
    .await;
    assert!(!page.contains("1796003740"), "{page}");
}
