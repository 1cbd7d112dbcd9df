//! Black-box tests of the real `preau` binary, as the README tells a newcomer to use it.

use preau_tests::{Killed, free_port};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_preau-box");

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn wait_for_ok(url: &str, limit: Duration) -> reqwest::Response {
    let started = Instant::now();
    let client = client();
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status() == 200
        {
            return r;
        }
        assert!(
            started.elapsed() < limit,
            "{url} did not answer 200 within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn demo_serves_https_redirects_http_and_refuses_a_second_instance() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let (https, http) = (free_port(), free_port());
    let child = Command::new(BINARY)
        .args([
            "demo",
            "--data-dir",
            data.to_str().unwrap(),
            "--port",
            &https.to_string(),
            "--http-port",
            &http.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut demo = Killed(child);
    let page = wait_for_ok(
        &format!("https://127.0.0.1:{https}/connexion"),
        Duration::from_secs(90),
    )
    .await;
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("École élémentaire Jules Ferry")
    );

    // The plain-HTTP port redirects to HTTPS and offers the school's CA certificate.
    let redirect = client()
        .get(format!("http://127.0.0.1:{http}/connexion"))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), 308);
    assert_eq!(
        redirect.headers()["location"],
        format!("https://127.0.0.1:{https}/connexion")
    );
    let ca = client()
        .get(format!("http://127.0.0.1:{http}/certificat/preau-ca.crt"))
        .send()
        .await
        .unwrap();
    assert_eq!(ca.status(), 200);
    assert!(
        ca.text()
            .await
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    // A second preau on the same data directory exits non-zero with a clear message.
    let second = Command::new(BINARY)
        .args([
            "demo",
            "--data-dir",
            data.to_str().unwrap(),
            "--port",
            &free_port().to_string(),
            "--http-port",
            "0",
        ])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let message = String::from_utf8_lossy(&second.stderr);
    assert!(
        message.contains("already in use by another preau process"),
        "{message}"
    );

    // The demo printed how to sign in as each role.
    let _ = demo.0.kill();
    let _ = demo.0.wait();
    let mut out = String::new();
    demo.0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    for expected in [
        "claire.dubois",
        "sophie.lambert",
        "preau-demo-2026",
        "Je suis élève",
        "images :",
    ] {
        assert!(
            out.contains(expected),
            "demo summary lacks {expected:?}:\n{out}"
        );
    }

    // Restarting reuses the school (same accounts) and answers again.
    let https2 = free_port();
    let _again = Killed(
        Command::new(BINARY)
            .args([
                "demo",
                "--data-dir",
                data.to_str().unwrap(),
                "--port",
                &https2.to_string(),
                "--http-port",
                "0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_ok(
        &format!("https://127.0.0.1:{https2}/connexion"),
        Duration::from_secs(30),
    )
    .await;
}

#[test]
fn config_example_is_valid_and_unknown_keys_are_refused() {
    let example = Command::new(BINARY)
        .args(["config", "example"])
        .output()
        .unwrap();
    assert!(example.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("preau.toml");
    let text = String::from_utf8(example.stdout)
        .unwrap()
        .replace("/var/lib/preau", dir.path().join("data").to_str().unwrap());
    std::fs::write(&file, &text).unwrap();
    let check = Command::new(BINARY)
        .args(["check", "--config", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("database OK"));

    std::fs::write(&file, format!("{text}\ncolour = \"bleu\"\n")).unwrap();
    let refused = Command::new(BINARY)
        .args(["check", "--config", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown field"));
}

#[test]
fn admin_commands_set_up_a_school_and_its_first_account() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("preau.toml");
    std::fs::write(
        &file,
        format!(
            "data_dir = {:?}\n",
            dir.path().join("data").to_str().unwrap()
        ),
    )
    .unwrap();
    let config = file.to_str().unwrap();
    let run = |args: &[&str]| {
        Command::new(BINARY)
            .args(["admin", "--config", config])
            .args(args)
            .output()
            .unwrap()
    };
    let bad = run(&[
        "init-school",
        "--uai",
        "0691234T",
        "--name",
        "École",
        "--commune",
        "Montreval",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("check letter should be S"));
    assert!(
        run(&[
            "init-school",
            "--uai",
            "0691234S",
            "--name",
            "École du Parc",
            "--commune",
            "Montreval"
        ])
        .status
        .success()
    );
    let created = run(&[
        "create-user",
        "--role",
        "direction",
        "--first-name",
        "Anne",
        "--last-name",
        "Roy",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let out = String::from_utf8_lossy(&created.stdout);
    assert!(
        out.contains("identifier: anne.roy") && out.contains("activation code: "),
        "{out}"
    );
    assert!(run(&["unlock", "--login", "anne.roy"]).status.success());
    let unknown = run(&["unlock", "--login", "personne"]);
    assert!(!unknown.status.success());
}

#[test]
fn backup_then_restore_gives_the_school_back_with_a_new_replica_id() {
    let dir = tempfile::tempdir().unwrap();
    let config_for = |name: &str| {
        let file = dir.path().join(format!("{name}.toml"));
        let data = dir.path().join(name);
        std::fs::write(&file, format!("data_dir = {:?}\n", data.to_str().unwrap())).unwrap();
        file.to_str().unwrap().to_string()
    };
    let (old, new) = (config_for("old"), config_for("new"));
    let run = |args: &[&str]| Command::new(BINARY).args(args).output().unwrap();
    let school = [
        "init-school",
        "--uai",
        "0691234S",
        "--name",
        "École du Parc",
        "--commune",
        "Montreval",
    ];
    let mut init = vec!["admin", "--config", old.as_str()];
    init.extend(school);
    assert!(run(&init).status.success());
    let backup = dir.path().join("sauvegarde");
    let backup = backup.to_str().unwrap();
    let made = run(&["backup", "--config", &old, "--out", backup]);
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success() && said.contains("backup written"),
        "{said}"
    );
    let again = run(&["backup", "--config", &old, "--out", backup]);
    assert!(!again.status.success(), "a backup never overwrites another");
    let restored = run(&["restore", "--config", &new, "--from", backup]);
    let said = String::from_utf8_lossy(&restored.stdout);
    assert!(
        restored.status.success() && said.contains("new replica id"),
        "{said}"
    );
    let onto_data = run(&["restore", "--config", &new, "--from", backup]);
    assert!(!onto_data.status.success(), "never restore over data");
    let checked = run(&["check", "--config", &new]);
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success() && said.contains("database OK"),
        "{said}"
    );
}

/// Waits (bounded) until a search for `q` lists `expected`.
async fn wait_for_hit(client: &reqwest::Client, base: &str, q: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let page = client
            .get(format!("{base}/recherche?q={q}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains(expected) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "search for {q} never listed {expected}:\n{page}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_search_index_comes_back_after_it_is_lost_or_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let start = |port: u16| preau_tests::start_demo(BINARY, &data, port);
    // The demo's lesson (a La Fontaine poem in each class space) is found by a word of it.
    let port = free_port();
    let mut first = start(port);
    let base = format!("https://127.0.0.1:{port}");
    wait_for_ok(&format!("{base}/connexion"), Duration::from_secs(90)).await;
    let (head, _) = preau_tests::demo_headteacher(&base).await;
    wait_for_hit(&head, &base, "sorties", "Calendrier des sorties").await;
    let _ = first.0.kill();
    let _ = first.0.wait();

    // Corrupt the index's metadata: the box still starts, serves every page, rebuilds.
    std::fs::write(data.join("index").join("meta.json"), b"{ not json").unwrap();
    let port = free_port();
    let mut second = start(port);
    let base = format!("https://127.0.0.1:{port}");
    wait_for_ok(&format!("{base}/connexion"), Duration::from_secs(60)).await;
    let (head, _) = preau_tests::demo_headteacher(&base).await;
    for page in ["/", "/documents", "/bibliotheque", "/recherche?q=sorties"] {
        let r = head.get(format!("{base}{page}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page} while the index is rebuilt");
    }
    wait_for_hit(&head, &base, "sorties", "Calendrier des sorties").await;
    let _ = second.0.kill();
    let _ = second.0.wait();

    // Delete it altogether, and rebuild it from the command line.
    std::fs::remove_dir_all(data.join("index")).unwrap();
    let config = dir.path().join("preau.toml");
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", data.to_str().unwrap()),
    )
    .unwrap();
    let check = Command::new(BINARY)
        .args(["check", "--config", config.to_str().unwrap(), "--reindex"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(out.contains("search index rebuilt:"), "{out}");
    let port = free_port();
    let _third = start(port);
    let base = format!("https://127.0.0.1:{port}");
    wait_for_ok(&format!("{base}/connexion"), Duration::from_secs(60)).await;
    let (head, _) = preau_tests::demo_headteacher(&base).await;
    wait_for_hit(&head, &base, "sorties", "Calendrier des sorties").await;
}
