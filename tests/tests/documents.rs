//! Document spaces over real HTTPS, as pupils, teachers and parents use them: byte-exact
//! round trips, cut-off uploads, quotas, hostile names and types, versions and trash,
//! Range and ETag, sharing and the access rules.

use futures_util::StreamExt;
use preau_core::{NodeId, ShareTarget, SpaceOwner};
use preau_tests::files::{
    self, body, content, content_sha, my_documents, stream_sha, subject, upload,
};
use preau_tests::{TestApp, page_text};

const MIB: u64 = 1024 * 1024;

/// The id of the live item called `name` in a folder.
fn item_named(
    app: &TestApp,
    user: preau_core::UserId,
    folder: NodeId,
    name: &str,
) -> Option<NodeId> {
    app.app
        .child_named(&subject(&app.app, user), folder, name)
        .expect("listing")
        .map(|n| n.id)
}

#[tokio::test]
async fn files_round_trip_byte_for_byte_through_the_web() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    for (seed, size) in [(1, 0), (2, 1), (3, MIB), (4, 200 * MIB)] {
        let name = format!("fichier-{size}.bin");
        let response = upload(
            &teacher,
            &app.base,
            &csrf,
            root,
            &name,
            body(seed, size),
            size,
        )
        .await;
        assert_eq!(response.status(), 303, "upload of {size} bytes");
        let id = item_named(&app, me, root, &name).expect("uploaded file is listed");
        let download = teacher
            .get(app.url(&format!("/documents/fichier/{id}/telecharger")))
            .send()
            .await
            .unwrap();
        assert_eq!(download.status(), 200);
        assert_eq!(
            download.headers()["content-length"].to_str().unwrap(),
            size.to_string()
        );
        let (sha, len) = stream_sha(download.bytes_stream()).await;
        assert_eq!((sha, len), (content_sha(seed, size), size), "{size} bytes");
    }
    let listing = page_text(
        teacher
            .get(app.url(&format!("/documents/dossier/{root}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        listing.contains("fichier-209715200.bin") && listing.contains("200 Mo"),
        "{listing}"
    );
}

#[tokio::test]
async fn identical_content_is_stored_once_and_collected_when_unreferenced() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    for name in ["a.bin", "b.bin"] {
        let r = upload(&teacher, &app.base, &csrf, root, name, body(7, MIB), MIB).await;
        assert_eq!(r.status(), 303);
    }
    assert_eq!(app.app.blob_disk_usage().unwrap(), MIB, "one copy on disk");
    let s = subject(&app.app, me);
    for name in ["a.bin", "b.bin"] {
        let id = item_named(&app, me, root, name).unwrap();
        app.app.trash(&s, id).unwrap();
        app.app.delete_forever(&s, id).unwrap();
    }
    // The blob is younger than the grace period: kept, in case an upload is about to use it.
    app.app.collect_blobs().unwrap();
    assert_eq!(app.app.blob_disk_usage().unwrap(), MIB);
}

#[tokio::test]
async fn an_upload_cut_off_midway_leaves_nothing_visible() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    // Announce 8 MiB, send 3 MiB, then fail the stream: the client drops the connection.
    let sent = files::chunks(9, 3 * MIB).map(Ok::<Vec<u8>, std::io::Error>);
    let broken = futures_util::stream::iter(sent).chain(futures_util::stream::once(async {
        Err(std::io::Error::other("network cable pulled"))
    }));
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(broken), 8 * MIB)
            .file_name("coupe.bin");
    let result = teacher
        .post(app.url(&format!("/documents/dossier/{root}/envoyer?_csrf={csrf}")))
        .multipart(reqwest::multipart::Form::new().part("fichiers", part))
        .send();
    // The client reports an error (or the server a 4xx): either way nothing is filed.
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(30), result).await;
    if let Ok(Ok(response)) = outcome {
        assert_ne!(response.status(), 303);
    }
    let tmp = app.data_dir.join("blobs").join("tmp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::fs::read_dir(&tmp).unwrap().count() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "partial upload still on disk"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(item_named(&app, me, root, "coupe.bin"), None);
    assert_eq!(app.app.blob_disk_usage().unwrap(), 0);
    let listing = page_text(
        teacher
            .get(app.url(&format!("/documents/dossier/{root}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(listing.contains("Ce dossier est vide"), "{listing}");
}

#[tokio::test]
async fn a_full_space_refuses_in_french_and_stores_nothing() {
    let app = TestApp::builder()
        .configure(|c| c.quota_pupil_mib = 1)
        .start()
        .await;
    let pupil = app.pupil(0).await;
    let me = app.school.pupils[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&pupil, "/documents").await;
    let response = upload(
        &pupil,
        &app.base,
        &csrf,
        root,
        "trop-gros.bin",
        body(3, 2 * MIB),
        2 * MIB,
    )
    .await;
    assert_eq!(response.status(), 507);
    let page = page_text(response).await;
    assert!(page.contains("Il n'y a plus assez de place"), "{page}");
    assert!(page.contains("Rien n'a été enregistré"), "{page}");
    assert_eq!(item_named(&app, me, root, "trop-gros.bin"), None);
    let space = app.app.ensure_space(SpaceOwner::Personal(me)).unwrap();
    assert_eq!(space.used, 0);
    // Without an announced size (chunked), the quota is enforced when filing.
    let part = reqwest::multipart::Part::stream(body(4, 2 * MIB)).file_name("encore.bin");
    let response = pupil
        .post(app.url(&format!("/documents/dossier/{root}/envoyer?_csrf={csrf}")))
        .multipart(reqwest::multipart::Form::new().part("fichiers", part))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 507);
    assert_eq!(item_named(&app, me, root, "encore.bin"), None);
    // A small file still fits, and the page shows the usage.
    let ok = upload(
        &pupil,
        &app.base,
        &csrf,
        root,
        "petit.txt",
        body(5, 1000),
        1000,
    )
    .await;
    assert_eq!(ok.status(), 303);
    let page = page_text(
        pupil
            .get(app.url(&format!("/documents/dossier/{root}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(page.contains("1000 o utilisés sur 1,0 Mo"), "{page}");
}

#[tokio::test]
async fn hostile_names_and_types_are_kept_as_labels_and_served_safely() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    let long = format!("{}.pdf", "é".repeat(300));
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("../../etc/passwd", b"root:x:0:0".to_vec()),
        ("photo\u{202E}gnp.exe", b"MZ".to_vec()),
        (long.as_str(), b"%PDF-1.4\n".to_vec()),
        ("page.html", html.clone()),
        ("image.png", html),
        ("dessin.svg", svg),
    ];
    for (name, bytes) in &cases {
        let size = bytes.len() as u64;
        let r = upload(
            &teacher,
            &app.base,
            &csrf,
            root,
            name,
            reqwest::Body::from(bytes.clone()),
            size,
        )
        .await;
        assert_eq!(r.status(), 303, "upload of {name:?}");
    }
    // A NUL in a name cannot travel in a multipart header; it can arrive by other paths.
    let s = subject(&app.app, me);
    let mut incoming = app.app.incoming("a\0b.txt").unwrap();
    incoming.write(b"nul").unwrap();
    let received = incoming.finish().unwrap();
    app.app.save_file(&s, root, "a\0b.txt", &received).unwrap();

    for (name, bytes) in cases.iter().chain([&("a\0b.txt", b"nul".to_vec())]) {
        let id =
            item_named(&app, me, root, name).unwrap_or_else(|| panic!("{name:?} kept as given"));
        let r = teacher
            .get(app.url(&format!("/documents/fichier/{id}/telecharger")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        let disposition = h["content-disposition"].to_str().unwrap().to_string();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            !disposition.contains('/') && !disposition.contains("%2F"),
            "{disposition}"
        );
        assert!(
            !disposition.contains("%E2%80%AE"),
            "no right-to-left override: {disposition}"
        );
        assert!(!disposition.contains("%00"), "no NUL: {disposition}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["content-security-policy"], "sandbox");
        let ct = h["content-type"].to_str().unwrap();
        assert!(
            !ct.contains("html") && !ct.contains("svg"),
            "{name:?} served as {ct}"
        );
        assert_eq!(&r.bytes().await.unwrap()[..], &bytes[..]);
        // "Show in the browser" never renders HTML or SVG on the box's origin.
        let shown = teacher
            .get(app.url(&format!("/documents/fichier/{id}/afficher")))
            .send()
            .await
            .unwrap();
        let ct = shown.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            !ct.contains("html") && !ct.contains("svg"),
            "{name:?} shown as {ct}"
        );
    }
    // The long name is kept whole, and served shortened to 255 bytes.
    let id = item_named(&app, me, root, &long).unwrap();
    let r = teacher
        .get(app.url(&format!("/documents/fichier/{id}/telecharger")))
        .send()
        .await
        .unwrap();
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    let encoded = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    assert!(
        encoded.len() <= 255 * 3 && encoded.ends_with(".pdf"),
        "{disposition}"
    );
    // Names are shown escaped; the listing carries no markup from them.
    let listing = teacher
        .get(app.url(&format!("/documents/dossier/{root}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains("<script>"));
    assert!(
        listing.contains("../../etc/passwd") || listing.contains("..&#x2f;"),
        "{listing}"
    );
    // On disk, only digests: no name ever became a path.
    for shard in std::fs::read_dir(app.data_dir.join("blobs")).unwrap() {
        let shard = shard.unwrap();
        let shard_name = shard.file_name().into_string().unwrap();
        if shard_name == "tmp" {
            continue;
        }
        assert!(shard_name.len() == 2 && shard_name.chars().all(|c| c.is_ascii_hexdigit()));
        for f in std::fs::read_dir(shard.path()).unwrap() {
            let f = f.unwrap().file_name().into_string().unwrap();
            assert!(
                f.len() == 62 && f.chars().all(|c| c.is_ascii_hexdigit()),
                "{f}"
            );
        }
    }
}

#[tokio::test]
async fn pictures_get_a_thumbnail_and_are_shown_re_encoded() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    let png = tiny_png(640, 480);
    let r = upload(
        &teacher,
        &app.base,
        &csrf,
        root,
        "classe.png",
        reqwest::Body::from(png.clone()),
        png.len() as u64,
    )
    .await;
    assert_eq!(r.status(), 303);
    let id = item_named(&app, me, root, "classe.png").unwrap();
    let listing = teacher
        .get(app.url(&format!("/documents/dossier/{root}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listing.contains(&format!("/documents/fichier/{id}/vignette")),
        "{listing}"
    );
    let thumb = teacher
        .get(app.url(&format!("/documents/fichier/{id}/vignette")))
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.status(), 200);
    assert!(
        thumb.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    let shown = teacher
        .get(app.url(&format!("/documents/fichier/{id}/afficher")))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.headers()["content-disposition"], "inline");
    assert_eq!(shown.headers()["content-security-policy"], "sandbox");
    assert_eq!(&shown.bytes().await.unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

/// A PNG of the given size, all one colour (made by hand: stored, uncompressed deflate).
fn tiny_png(width: u32, height: u32) -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= *b as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn adler(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for x in bytes {
            a = (a + *x as u32) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    // Each row: filter byte 0, then RGB pixels.
    let mut row = vec![0u8];
    for _ in 0..width {
        row.extend([40, 120, 200]);
    }
    let raw = row.repeat(height as usize);
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(last as u8);
        z.extend((block.len() as u16).to_le_bytes());
        z.extend((!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend(adler(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn ranges_and_etags_work_for_downloads() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    let bytes = content(11, 100_000);
    upload(
        &teacher,
        &app.base,
        &csrf,
        root,
        "video.bin",
        body(11, 100_000),
        100_000,
    )
    .await;
    let id = item_named(&app, me, root, "video.bin").unwrap();
    let url = app.url(&format!("/documents/fichier/{id}/telecharger"));
    let r = teacher
        .get(&url)
        .header("range", "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], "bytes 1000-1999/100000");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(&r.bytes().await.unwrap()[..], &bytes[1000..2000]);
    let r = teacher
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = teacher
        .get(&url)
        .header("range", "bytes=200000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 416);
}

#[tokio::test]
async fn overwriting_keeps_versions_and_the_trash_gives_things_back() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    for seed in 1..=12 {
        let r = upload(
            &teacher,
            &app.base,
            &csrf,
            root,
            "lecon.txt",
            body(seed, 100 + seed),
            100 + seed,
        )
        .await;
        assert_eq!(r.status(), 303);
    }
    let id = item_named(&app, me, root, "lecon.txt").unwrap();
    let page = page_text(
        teacher
            .get(app.url(&format!("/documents/element/{id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page.contains("Versions précédentes") && page.contains("n° 10") && !page.contains("n° 11"),
        "{page}"
    );
    // The version before the current one is the 11th upload.
    let old = teacher
        .get(app.url(&format!("/documents/fichier/{id}/telecharger?version=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(&old.bytes().await.unwrap()[..], &content(11, 111)[..]);
    let r = app
        .post_form(
            &teacher,
            &format!("/documents/element/{id}"),
            &format!("/documents/fichier/{id}/versions/1/restaurer"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let now = teacher
        .get(app.url(&format!("/documents/fichier/{id}/telecharger")))
        .send()
        .await
        .unwrap();
    assert_eq!(&now.bytes().await.unwrap()[..], &content(11, 111)[..]);
    // Usage counts every kept version: 11 kept after the restore (current + 10).
    let used = app.app.ensure_space(SpaceOwner::Personal(me)).unwrap().used;
    assert!(used > 1000, "{used}");

    // To the trash, out of the listing, back again.
    let r = app
        .post_form(
            &teacher,
            &format!("/documents/element/{id}"),
            &format!("/documents/element/{id}/supprimer"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(item_named(&app, me, root, "lecon.txt"), None);
    let space = app.app.ensure_space(SpaceOwner::Personal(me)).unwrap();
    let trash = page_text(
        teacher
            .get(app.url(&format!("/documents/espace/{}/corbeille", space.id)))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        trash.contains("lecon.txt") && trash.contains("30 jours"),
        "{trash}"
    );
    let r = app
        .post_form(
            &teacher,
            &format!("/documents/espace/{}/corbeille", space.id),
            &format!("/documents/element/{id}/restaurer"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(item_named(&app, me, root, "lecon.txt"), Some(id));
    // After 30 days the trash is emptied.
    app.app.trash(&subject(&app.app, me), id).unwrap();
    assert_eq!(app.app.purge_trash().unwrap(), 0, "not yet");
}

#[tokio::test]
async fn folders_rename_move_and_copy_from_the_pages() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let folder_page = format!("/documents/dossier/{root}");
    let r = app
        .post_form(
            &teacher,
            &folder_page,
            &format!("/documents/dossier/{root}/nouveau-dossier"),
            &[("nom", "Sciences")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &teacher,
            &folder_page,
            &format!("/documents/dossier/{root}/nouveau-dossier"),
            &[("nom", "Sciences")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(page_text(r).await.contains("« Sciences » existe déjà"));
    let sciences = item_named(&app, me, root, "Sciences").unwrap();
    let csrf = app.csrf(&teacher, "/documents").await;
    upload(
        &teacher,
        &app.base,
        &csrf,
        root,
        "volcan.odt",
        body(1, 500),
        500,
    )
    .await;
    let file = item_named(&app, me, root, "volcan.odt").unwrap();
    let item = format!("/documents/element/{file}");
    let r = app
        .post_form(
            &teacher,
            &item,
            &format!("{item}/renommer"),
            &[("nom", "Le volcan.odt")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sciences_id = sciences.to_string();
    let root_id = root.to_string();
    let r = app
        .post_form(
            &teacher,
            &item,
            &format!("{item}/copier"),
            &[("dossier", root_id.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        item_named(&app, me, root, "Le volcan (2).odt").is_some(),
        "the copy got a free name"
    );
    let r = app
        .post_form(
            &teacher,
            &item,
            &format!("{item}/deplacer"),
            &[("dossier", sciences_id.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(item_named(&app, me, sciences, "Le volcan.odt"), Some(file));
    // Moving onto a name already taken is refused with the reason.
    let copy = item_named(&app, me, root, "Le volcan (2).odt").unwrap();
    let copy_item = format!("/documents/element/{copy}");
    let r = app
        .post_form(
            &teacher,
            &copy_item,
            &format!("{copy_item}/renommer"),
            &[("nom", "Sciences")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        page_text(r)
            .await
            .contains("« Sciences » existe déjà dans ce dossier")
    );
    // A folder cannot go into itself.
    let r = app
        .post_form(
            &teacher,
            &format!("/documents/element/{sciences}"),
            &format!("/documents/element/{sciences}/deplacer"),
            &[("dossier", sciences_id.as_str())],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn spaces_follow_the_access_rules() {
    let app = TestApp::start().await;
    let teacher = app.teacher().await;
    let teacher_id = app.school.teachers[0].user.id;
    let pupil = app.pupil(0).await;
    let classmate_id = app.school.pupils[1].user.id;
    // A pupil of the CM2 (last pupils of the small demo).
    let cm2_index = app.school.pupils.len() - 1;
    let cm2_pupil = app.pupil(cm2_index).await;

    let class_id = app
        .app
        .directory()
        .class_of(&app.school.pupils[0].user)
        .unwrap()
        .id;
    let class_root = app
        .app
        .ensure_space(SpaceOwner::Class(class_id))
        .unwrap()
        .root;
    let teacher_root = my_documents(&app.app, teacher_id);
    let classmate_root = my_documents(&app.app, classmate_id);

    // The teacher writes the class space; the class's pupils read it; others don't.
    let csrf = app.csrf(&teacher, "/documents").await;
    let r = upload(
        &teacher,
        &app.base,
        &csrf,
        class_root,
        "lecon.pdf",
        reqwest::Body::from(b"%PDF-1.4".to_vec()),
        8,
    )
    .await;
    assert_eq!(r.status(), 303);
    let lesson = item_named(&app, teacher_id, class_root, "lecon.pdf").unwrap();
    let get = |c: &reqwest::Client, path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        get(&pupil, format!("/documents/dossier/{class_root}")).await,
        200
    );
    assert_eq!(
        get(&pupil, format!("/documents/fichier/{lesson}/telecharger")).await,
        200
    );
    assert_eq!(
        get(&cm2_pupil, format!("/documents/dossier/{class_root}")).await,
        404
    );
    assert_eq!(
        get(
            &cm2_pupil,
            format!("/documents/fichier/{lesson}/telecharger")
        )
        .await,
        404
    );
    let pupil_csrf = app.csrf(&pupil, "/documents").await;
    let r = upload(
        &pupil,
        &app.base,
        &pupil_csrf,
        class_root,
        "tag.txt",
        reqwest::Body::from(b"x".to_vec()),
        1,
    )
    .await;
    assert_eq!(r.status(), 403, "pupils only read the class space");
    // A pupil never reads another pupil's space nor the teacher's.
    assert_eq!(
        get(&pupil, format!("/documents/dossier/{classmate_root}")).await,
        404
    );
    assert_eq!(
        get(&pupil, format!("/documents/dossier/{teacher_root}")).await,
        404
    );
    let r = upload(
        &pupil,
        &app.base,
        &pupil_csrf,
        classmate_root,
        "x.txt",
        reqwest::Body::from(b"x".to_vec()),
        1,
    )
    .await;
    assert_eq!(r.status(), 404);

    // Parents see nothing here, unless it is shared with the families.
    let parent = app.parent().await;
    let parent_user = &app.school.parents[0].user;
    let family_class = app
        .app
        .directory()
        .children_of(parent_user.id)
        .first()
        .and_then(|c| app.app.directory().class_of(c).map(|c| c.id))
        .unwrap();
    let family_root = app
        .app
        .ensure_space(SpaceOwner::Class(family_class))
        .unwrap()
        .root;
    assert_eq!(
        get(&parent, format!("/documents/dossier/{family_root}")).await,
        404
    );
    let home = page_text(parent.get(app.url("/documents")).send().await.unwrap()).await;
    assert!(
        home.contains("Mes documents") && !home.contains("Classe "),
        "{home}"
    );
    let class_teacher = app.app.directory().class(family_class).unwrap().teachers[0];
    let s = subject(&app.app, class_teacher);
    let mut incoming = app.app.incoming("sortie.pdf").unwrap();
    incoming.write(b"%PDF-1.4 sortie").unwrap();
    let received = incoming.finish().unwrap();
    let note = app
        .app
        .save_file(&s, family_root, "sortie.pdf", &received)
        .unwrap();
    app.app
        .share(&s, note.id, ShareTarget::ClassFamilies(family_class), true)
        .unwrap();
    let home = page_text(parent.get(app.url("/documents")).send().await.unwrap()).await;
    assert!(
        home.contains("sortie.pdf") && home.contains("Lecture seule"),
        "{home}"
    );
    assert_eq!(
        get(
            &parent,
            format!("/documents/fichier/{}/telecharger", note.id)
        )
        .await,
        200
    );
    assert_eq!(
        get(&parent, format!("/documents/dossier/{family_root}")).await,
        404,
        "only what is shared"
    );
}

#[tokio::test]
async fn a_file_over_the_size_limit_is_refused_in_french() {
    let app = TestApp::builder()
        .configure(|c| c.max_file_mib = 1)
        .start()
        .await;
    let teacher = app.teacher().await;
    let me = app.school.teachers[0].user.id;
    let root = my_documents(&app.app, me);
    let csrf = app.csrf(&teacher, "/documents").await;
    let response = upload(
        &teacher,
        &app.base,
        &csrf,
        root,
        "film.mp4",
        body(8, 3 * MIB),
        3 * MIB,
    )
    .await;
    assert_eq!(response.status(), 413);
    let page = page_text(response).await;
    assert!(
        page.contains("Ce fichier est trop gros : la limite est de 1,0 Mo"),
        "{page}"
    );
    assert_eq!(item_named(&app, me, root, "film.mp4"), None);
    assert_eq!(app.app.blob_disk_usage().unwrap(), 0);
}
