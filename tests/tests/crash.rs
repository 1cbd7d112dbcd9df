//! The kill -9 campaign: the real `preau` binary is killed (SIGKILL) at random moments while
//! a person uploads, renames and deletes files; after each restart every acknowledged change
//! is there, byte for byte, and nothing half-done is visible.
//!
//! `PREAU_CRASH_CYCLES` sets the number of cycles (30 by default).

use preau_tests::demo_headteacher;
use preau_tests::files::{body, content_sha, stream_sha};
use preau_tests::{free_port, start_demo};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_preau-box");

/// What a file should contain: the seed and size of its generated content.
type Content = (u64, u64);

/// An operation whose answer had not arrived when the box was killed: after restart its
/// effect may or may not be there, but never half of it.
#[derive(Clone, Debug)]
enum Pending {
    Upload { name: String, content: Content },
    Rename { from: String, to: String },
    Trash { name: String },
}

#[derive(Default)]
struct Model {
    /// Acknowledged state: name → content.
    files: BTreeMap<String, Content>,
    pending: Option<Pending>,
    /// An operation the box refused (the test fails).
    refused: Option<String>,
}

/// A tiny deterministic random source (xorshift64).
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The top folder of the signed-in person's own documents (first space on the page).
async fn my_documents(client: &reqwest::Client, base: &str) -> u64 {
    let html = client
        .get(format!("{base}/documents"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start =
        html.find("href=\"/documents/dossier/").unwrap() + "href=\"/documents/dossier/".len();
    html[start..].split('"').next().unwrap().parse().unwrap()
}

/// The files listed in a folder: name → id.
async fn listing(client: &reqwest::Client, base: &str, folder: u64) -> BTreeMap<String, u64> {
    let html = client
        .get(format!("{base}/documents/dossier/{folder}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for row in html
        .split("<th scope=\"row\"><a href=\"/documents/element/")
        .skip(1)
    {
        let id: u64 = row.split('"').next().unwrap().parse().unwrap();
        let name = row
            .split("<bdi>")
            .nth(1)
            .unwrap()
            .split("</bdi>")
            .next()
            .unwrap();
        out.insert(name.to_string(), id);
    }
    out
}

/// Checks the box against the model after a restart, settles the pending operation, and
/// returns the files' ids.
async fn verify(
    client: &reqwest::Client,
    base: &str,
    folder: u64,
    model: &mut Model,
) -> BTreeMap<String, u64> {
    let listed = listing(client, base, folder).await;
    let mut expected = model.files.clone();
    match model.pending.take() {
        Some(Pending::Upload { name, content }) => {
            if listed.contains_key(&name) && !expected.contains_key(&name) {
                expected.insert(name, content);
            } else if let Some(old) = expected.get(&name).copied() {
                // Overwrite of an existing name: old or new content, both whole.
                let id = listed[&name];
                let sha = download_sha(client, base, id).await;
                if sha == content_sha(content.0, content.1) {
                    expected.insert(name, content);
                } else {
                    expected.insert(name, old);
                }
            }
        }
        Some(Pending::Rename { from, to })
            if listed.contains_key(&to) && !listed.contains_key(&from) =>
        {
            let content = expected.remove(&from).unwrap();
            expected.insert(to, content);
        }
        Some(Pending::Trash { name }) if !listed.contains_key(&name) => {
            expected.remove(&name);
        }
        Some(_) => {}
        None => {}
    }
    let listed_names: Vec<&String> = listed.keys().collect();
    let expected_names: Vec<&String> = expected.keys().collect();
    assert_eq!(
        listed_names, expected_names,
        "exactly the acknowledged files are visible"
    );
    for (name, (seed, size)) in &expected {
        let sha = download_sha(client, base, listed[name]).await;
        assert_eq!(sha, content_sha(*seed, *size), "{name} is whole and exact");
    }
    model.files = expected;
    listed
}

async fn download_sha(client: &reqwest::Client, base: &str, id: u64) -> String {
    let r = client
        .get(format!("{base}/documents/fichier/{id}/telecharger"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    stream_sha(r.bytes_stream()).await.0
}

/// A signed-in person and their own documents' folder.
struct Session {
    client: reqwest::Client,
    base: String,
    csrf: String,
    folder: u64,
}

/// Runs operations one after the other until the box dies, recording each in the model
/// once acknowledged.
async fn operate(
    session: Session,
    ids: BTreeMap<String, u64>,
    model: Arc<Mutex<Model>>,
    mut dice: Dice,
    cycle: u64,
) {
    let Session {
        client,
        base,
        csrf,
        folder,
    } = session;
    let mut ids = ids;
    for step in 0u64.. {
        let names: Vec<String> = model.lock().unwrap().files.keys().cloned().collect();
        let choice = dice.below(10);
        let op = if choice < 6 || names.is_empty() {
            let name = format!("f{}.bin", dice.below(40));
            // Mostly small files, sometimes several MiB so that kills land mid-upload.
            let size = if dice.below(4) == 0 {
                2_000_000 + dice.below(4_000_000)
            } else {
                dice.below(300_000)
            };
            Pending::Upload {
                name,
                content: (cycle * 1000 + step + 1, size),
            }
        } else {
            let from = names[dice.below(names.len() as u64) as usize].clone();
            if choice < 8 {
                let to = format!("r{}.bin", dice.below(1000));
                if names.contains(&to) || !ids.contains_key(&from) {
                    continue;
                }
                Pending::Rename { from, to }
            } else {
                if !ids.contains_key(&from) {
                    continue;
                }
                Pending::Trash { name: from }
            }
        };
        model.lock().unwrap().pending = Some(op.clone());
        let response = match &op {
            Pending::Upload { name, content } => {
                let part = reqwest::multipart::Part::stream_with_length(
                    body(content.0, content.1),
                    content.1,
                )
                .file_name(name.clone());
                client
                    .post(format!(
                        "{base}/documents/dossier/{folder}/envoyer?_csrf={csrf}"
                    ))
                    .multipart(reqwest::multipart::Form::new().part("fichiers", part))
                    .send()
                    .await
            }
            Pending::Rename { from, to } => {
                client
                    .post(format!("{base}/documents/element/{}/renommer", ids[from]))
                    .form(&[("_csrf", csrf.as_str()), ("nom", to.as_str())])
                    .send()
                    .await
            }
            Pending::Trash { name } => {
                client
                    .post(format!("{base}/documents/element/{}/supprimer", ids[name]))
                    .form(&[("_csrf", csrf.as_str())])
                    .send()
                    .await
            }
        };
        let Ok(response) = response else { return };
        let mut m = model.lock().unwrap();
        if response.status() != 303 {
            m.refused = Some(format!("{op:?} answered {}", response.status()));
            return;
        }
        m.pending = None;
        match op {
            Pending::Upload { name, content } => {
                m.files.insert(name, content);
            }
            Pending::Rename { from, to } => {
                let content = m.files.remove(&from).unwrap();
                m.files.insert(to.clone(), content);
                let id = ids.remove(&from).unwrap();
                ids.insert(to, id);
            }
            Pending::Trash { name } => {
                m.files.remove(&name);
                ids.remove(&name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_change_survives_kill_9() {
    let cycles: u64 = std::env::var("PREAU_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("box");
    let model = Arc::new(Mutex::new(Model::default()));
    let mut dice = Dice(0x5EED_C0FFEE);
    let mut killed_mid_operation = 0;
    for cycle in 0..cycles {
        let port = free_port();
        let mut child = start_demo(BINARY, &data, port);
        let base = format!("https://127.0.0.1:{port}");
        let (client, csrf) = demo_headteacher(&base).await;
        let folder = my_documents(&client, &base).await;
        let ids = {
            let mut m = std::mem::take(&mut *model.lock().unwrap());
            let ids = verify(&client, &base, folder, &mut m).await;
            *model.lock().unwrap() = m;
            ids
        };
        let session = Session {
            client,
            base,
            csrf,
            folder,
        };
        let worker = tokio::spawn(operate(
            session,
            ids,
            model.clone(),
            Dice(dice.below(u64::MAX) | 1),
            cycle,
        ));
        tokio::time::sleep(Duration::from_millis(150 + dice.below(600))).await;
        child.0.kill().unwrap();
        child.0.wait().unwrap();
        worker.abort();
        let _ = worker.await;
        let m = model.lock().unwrap();
        assert_eq!(m.refused, None, "every operation is acknowledged");
        if m.pending.is_some() {
            killed_mid_operation += 1;
        }
    }
    // A last restart checks the final state.
    let port = free_port();
    let _child = start_demo(BINARY, &data, port);
    let base = format!("https://127.0.0.1:{port}");
    let (client, _) = demo_headteacher(&base).await;
    let folder = my_documents(&client, &base).await;
    let mut m = std::mem::take(&mut *model.lock().unwrap());
    verify(&client, &base, folder, &mut m).await;
    assert!(!m.files.is_empty(), "the campaign stored files");
    assert!(
        std::fs::read_dir(data.join("blobs").join("tmp"))
            .unwrap()
            .count()
            == 0,
        "no temporary file left after restart"
    );
    println!(
        "{cycles} kill -9 cycles, {killed_mid_operation} during an operation, {} files verified",
        m.files.len()
    );
}
