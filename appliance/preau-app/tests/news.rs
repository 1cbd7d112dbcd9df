//! School news on a real store with a clock the test moves: who reads which item (the
//! audience on top of the access decision), only the headteacher publishes, a scheduled item
//! appears exactly at its publication time, pinned items come first, withdrawal hides an item
//! but keeps it as a replicated tombstone, pictures are re-encoded and other files stay
//! attachments, and an XSS corpus in titles and bodies comes out harmless.

mod support;

use preau_app::documents::Received;
use preau_app::news::{NewsForm, PictureSize, is_picture};
use preau_app::{AppError, Problem, paris};
use preau_core::{ClassId, News, NewsAudience, NewsId, Role, Subject};
use support::{MONDAY_8AM, School};

/// The small demo school on Monday 30 November 2026, 8:00 in Paris.
fn world() -> School {
    School::monday_morning()
}

/// What only the news tests need.
impl School {
    fn publish(&self, title: &str, audience: NewsAudience) -> News {
        self.publish_form(NewsForm {
            title: title.into(),
            body: format!("Texte de « {title} »."),
            audience: Some(audience),
            ..NewsForm::default()
        })
    }

    fn publish_form(&self, form: NewsForm) -> News {
        self.app
            .publish_news(&self.head(), &form, &[])
            .expect("publish")
    }

    fn titles(&self, who: &Subject) -> Vec<String> {
        self.app
            .news(who, None)
            .expect("news")
            .into_iter()
            .map(|n| n.title)
            .collect()
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// Who reads which item: rows are people, columns the items for the team, all families,
/// the CP's families and the CM2's families (`x` in the list and on the item's page).
const AUDIENCE_TABLE: &str = "
    Headteacher      x x x x
    Teacher          x x x x
    Staff            x x x x
    ParentCP         . x x .
    ParentCM2        . x . x
    ParentBoth       . x x x
    PupilCP          . x x .
    PupilCM2         . x . x
    TownAgent        . . . .
    Technician       . . . .
    OtherSchoolHead  . . . .
    OtherSchoolParent . . . .
";

#[test]
fn each_person_reads_only_the_news_meant_for_them() {
    let w = world();
    let (cp, cm2) = (w.class(0), w.class(1));
    let items = [
        w.publish("Réunion de l'équipe", NewsAudience::Team),
        w.publish("Menu de la cantine", NewsAudience::Families),
        w.publish("Sortie du CP", NewsAudience::ClassFamilies(cp)),
        w.publish("Sortie du CM2", NewsAudience::ClassFamilies(cm2)),
    ];
    let probe = w.publish("Pour essayer de retirer", NewsAudience::Team);
    let parent_cp = w.school.parents[0].user.id;
    let pupil_cm2 = w.pupil(1, 0);
    // A parent whose children are all in the CM2 (the demo has siblings across classes).
    let dir = w.app.directory();
    let parent_cm2 = dir
        .pupils_of(cm2)
        .iter()
        .flat_map(|p| p.guardians.iter().copied())
        .find(|g| dir.children_of(*g).iter().all(|c| !c.classes.contains(&cp)))
        .expect("a CM2-only family");
    let both = w.account(Role::Parent, "Double", None, Vec::new());
    w.account(Role::Pupil, "Aîné", Some(cp), vec![both]);
    w.account(Role::Pupil, "Cadet", Some(cm2), vec![both]);
    let elsewhere = |mut s: Subject| {
        s.school = Some("0751234A".into());
        s
    };
    let people: Vec<(&str, Subject)> = vec![
        ("Headteacher", w.head()),
        ("Teacher", w.subject(w.school.teachers[0].user.id)),
        (
            "Staff",
            w.subject(w.account(Role::Staff, "Atsem", None, vec![])),
        ),
        ("ParentCP", w.subject(parent_cp)),
        ("ParentCM2", w.subject(parent_cm2)),
        ("ParentBoth", w.subject(both)),
        ("PupilCP", w.subject(w.pupil(0, 0))),
        ("PupilCM2", w.subject(pupil_cm2)),
        (
            "TownAgent",
            w.subject(w.account(Role::TownAgent, "Agent", None, vec![])),
        ),
        (
            "Technician",
            w.subject(w.account(Role::Technician, "Tech", None, vec![])),
        ),
        ("OtherSchoolHead", elsewhere(w.head())),
        ("OtherSchoolParent", elsewhere(w.subject(parent_cp))),
    ];
    let mut table = String::from("\n");
    for (label, who) in &people {
        let listed = w.app.news(who, None).unwrap_or_default();
        let marks: Vec<&str> = items
            .iter()
            .map(|item| {
                let in_list = listed.iter().any(|n| n.id == item.id);
                let page = w.app.news_item(who, item.id);
                if let Err(e) = &page {
                    assert!(matches!(e, AppError::NotFound), "{label}: {e:?}");
                }
                assert_eq!(in_list, page.is_ok(), "{label}: list and page agree");
                if in_list { "x" } else { "." }
            })
            .collect();
        table.push_str(&format!("    {label:<16} {}\n", marks.join(" ")));
        // Nobody but the headteacher publishes, changes or withdraws.
        let form = NewsForm {
            title: "Essai".into(),
            audience: Some(NewsAudience::Families),
            ..NewsForm::default()
        };
        let publishes = w.app.publish_news(who, &form, &[]);
        let updates = w.app.update_news(who, items[1].id, &form, &[]);
        let withdraws = w.app.withdraw_news(who, probe.id);
        if *label == "Headteacher" {
            assert!(publishes.is_ok() && updates.is_ok() && withdraws.is_ok());
        } else {
            for result in [publishes.map(|_| ()), updates.map(|_| ()), withdraws] {
                assert!(matches!(result, Err(AppError::Forbidden)), "{label}");
            }
        }
    }
    let normalise = |t: &str| {
        t.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(normalise(&table), normalise(AUDIENCE_TABLE), "{table}");
    // Town agents and technicians have no news page at all.
    let agent = &people[8].1;
    assert!(matches!(w.app.news(agent, None), Err(AppError::Forbidden)));
}

#[test]
fn a_scheduled_item_appears_exactly_at_its_publication_time() {
    let w = world();
    let at = MONDAY_8AM + 26 * 3600 + 30 * 60;
    let news = w.publish_form(NewsForm {
        title: "Fête de l'école".into(),
        body: "Samedi, dans la cour.".into(),
        audience: Some(NewsAudience::Families),
        publish_at: paris::input_value(at),
        ..NewsForm::default()
    });
    assert_eq!(news.publish_at, at);
    let parent = w.subject(w.school.parents[0].user.id);
    let teacher = w.subject(w.school.teachers[0].user.id);
    let head = w.head();
    // Before: the families and the teachers do not see it; the headteacher sees it scheduled.
    w.set_clock(at - 1);
    assert!(w.titles(&parent).is_empty());
    assert!(w.titles(&teacher).is_empty());
    assert!(matches!(
        w.app.news_item(&parent, news.id),
        Err(AppError::NotFound)
    ));
    let seen = w.app.news_item(&head, news.id).expect("head sees it");
    assert!(seen.is_scheduled(w.app.now()));
    // At the second of publication it appears for everyone it is meant for.
    w.set_clock(at);
    assert_eq!(w.titles(&parent), ["Fête de l'école"]);
    assert_eq!(w.titles(&teacher), ["Fête de l'école"]);
    assert!(!w.app.news_item(&head, news.id).unwrap().is_scheduled(at));
    // A date that is not one is refused, nothing is published.
    let wrong = w.app.publish_news(
        &head,
        &NewsForm {
            title: "Mauvaise date".into(),
            audience: Some(NewsAudience::Families),
            publish_at: "demain".into(),
            ..NewsForm::default()
        },
        &[],
    );
    assert!(matches!(
        wrong,
        Err(AppError::Invalid(Problem::Date("date de publication")))
    ));
}

#[test]
fn pinned_items_come_first_then_the_newest() {
    let w = world();
    let parent = w.subject(w.school.parents[0].user.id);
    for (i, (title, pinned)) in [
        ("Ancienne épinglée", true),
        ("Ancienne", false),
        ("Récente", false),
        ("Plus récente", false),
    ]
    .into_iter()
    .enumerate()
    {
        w.set_clock(MONDAY_8AM + 3600 * i as i64);
        w.publish_form(NewsForm {
            title: title.into(),
            audience: Some(NewsAudience::Families),
            pinned,
            ..NewsForm::default()
        });
    }
    assert_eq!(
        w.titles(&parent),
        ["Ancienne épinglée", "Plus récente", "Récente", "Ancienne"]
    );
    let latest: Vec<String> = w
        .app
        .news(&parent, Some(2))
        .unwrap()
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert_eq!(latest, ["Ancienne épinglée", "Plus récente"]);
}

#[test]
fn withdrawal_hides_an_item_and_keeps_a_replicated_tombstone() {
    let w = world();
    let head = w.head();
    let parent = w.subject(w.school.parents[0].user.id);
    let news = w.publish("Menu de la cantine", NewsAudience::Families);
    assert_eq!(w.titles(&parent), ["Menu de la cantine"]);
    w.app.withdraw_news(&head, news.id).expect("withdraw");
    assert!(w.titles(&parent).is_empty());
    assert!(w.titles(&head).is_empty());
    for who in [&head, &parent] {
        assert!(matches!(
            w.app.news_item(who, news.id),
            Err(AppError::NotFound)
        ));
    }
    assert!(matches!(
        w.app.withdraw_news(&head, news.id),
        Err(AppError::NotFound)
    ));
    // The record stays, flagged, and both writes entered the change feed for central.
    let kept: News = w
        .app
        .store()
        .read()
        .unwrap()
        .get(news.id.0)
        .unwrap()
        .expect("tombstone kept");
    assert!(kept.withdrawn.is_some_and(|wd| wd.by == head.user));
    let key = format!("news/{}", news.id);
    let changes = w.app.store().changes_since(0, 100_000).unwrap();
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.key == key && !c.deleted)
            .count(),
        2
    );
}

#[test]
fn editing_changes_the_audience_and_the_files() {
    let w = world();
    let head = w.head();
    let (cp, cm2) = (w.class(0), w.class(1));
    let parent_cp = w.subject(w.school.parents[0].user.id);
    let picture = w.received("affiche.png", &png(64, 48));
    let slip = w.received("autorisation.txt", b"Je soussigne...");
    let news = w
        .app
        .publish_news(
            &head,
            &NewsForm {
                title: "Sortie".into(),
                body: "Au musée.".into(),
                audience: Some(NewsAudience::ClassFamilies(cp)),
                ..NewsForm::default()
            },
            &[picture.clone(), slip.clone()],
        )
        .unwrap();
    assert_eq!(news.files.len(), 2);
    assert_eq!(w.titles(&parent_cp), ["Sortie"]);
    let changed = w
        .app
        .update_news(
            &head,
            news.id,
            &NewsForm {
                title: "Sortie (horaires changés)".into(),
                body: "Départ à 9 h.".into(),
                audience: Some(NewsAudience::ClassFamilies(cm2)),
                remove: vec![slip.1.blob.id],
                ..NewsForm::default()
            },
            &[],
        )
        .unwrap();
    assert_eq!(changed.publish_at, news.publish_at, "date kept when empty");
    assert_eq!(changed.files.len(), 1);
    assert!(is_picture(&changed.files[0]));
    assert!(w.titles(&parent_cp).is_empty(), "no longer for the CP");
    // Refused input changes nothing.
    let refusals = [
        (
            NewsForm {
                audience: Some(NewsAudience::Families),
                ..NewsForm::default()
            },
            Problem::Missing("titre"),
        ),
        (
            NewsForm {
                title: "Sans destinataires".into(),
                ..NewsForm::default()
            },
            Problem::Missing("destinataires"),
        ),
        (
            NewsForm {
                title: "Classe inconnue".into(),
                audience: Some(NewsAudience::ClassFamilies(ClassId(12345))),
                ..NewsForm::default()
            },
            Problem::UnknownClass,
        ),
    ];
    for (form, problem) in refusals {
        let got = w.app.update_news(&head, news.id, &form, &[]);
        assert!(
            matches!(&got, Err(AppError::Invalid(p)) if *p == problem),
            "{got:?}"
        );
    }
    let many: Vec<(String, Received)> = (0..11)
        .map(|i| w.received(&format!("f{i}.txt"), format!("fichier {i}").as_bytes()))
        .collect();
    let got = w.app.update_news(
        &head,
        news.id,
        &NewsForm {
            title: "Trop de fichiers".into(),
            audience: Some(NewsAudience::Families),
            ..NewsForm::default()
        },
        &many,
    );
    assert!(matches!(
        got,
        Err(AppError::Invalid(Problem::TooManyFiles(10)))
    ));
    assert_eq!(
        w.app.news_item(&head, news.id).unwrap().title,
        "Sortie (horaires changés)"
    );
}

#[test]
fn pictures_are_reencoded_and_other_files_are_only_attachments() {
    let w = world();
    let head = w.head();
    let parent = w.subject(w.school.parents[0].user.id);
    let original = png(300, 200);
    let picture = w.received("menu.png", &original);
    let svg = w.received(
        "dessin.svg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
    );
    let fake = w.received("photo.jpg", b"<html><script>alert(1)</script></html>");
    let news = w
        .app
        .publish_news(
            &head,
            &NewsForm {
                title: "Menu".into(),
                audience: Some(NewsAudience::Families),
                ..NewsForm::default()
            },
            &[picture.clone(), svg.clone(), fake.clone()],
        )
        .unwrap();
    let (bytes, mime) = w
        .app
        .news_picture(&parent, news.id, picture.1.blob.id, PictureSize::Full)
        .expect("picture");
    assert_eq!(mime, "image/png");
    let decoded = image::load_from_memory(&bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (300, 200));
    let (thumb, _) = w
        .app
        .news_picture(&parent, news.id, picture.1.blob.id, PictureSize::Thumbnail)
        .expect("thumbnail");
    let small = image::load_from_memory(&thumb).unwrap();
    assert!(small.width() <= 256 && small.height() <= 256);
    // SVG and HTML dressed as a photo are never shown as pictures, only downloaded.
    for (_, received) in [&svg, &fake] {
        let file = news
            .files
            .iter()
            .find(|f| f.blob == received.blob.id)
            .unwrap();
        assert!(!is_picture(file), "{}", file.mime);
        assert!(matches!(
            w.app
                .news_picture(&parent, news.id, received.blob.id, PictureSize::Full),
            Err(AppError::NotFound)
        ));
        assert!(w.app.news_file(&parent, news.id, received.blob.id).is_ok());
    }
    // A file of another item cannot be reached through this one.
    let other = w.publish("Autre", NewsAudience::Team);
    assert!(matches!(
        w.app.news_file(&parent, other.id, picture.1.blob.id),
        Err(AppError::NotFound)
    ));
    assert!(matches!(
        w.app.news_file(&head, NewsId(1), picture.1.blob.id),
        Err(AppError::NotFound)
    ));
    // The blob collector keeps what news refers to.
    w.app.collect_blobs().expect("collect");
    assert!(w.app.news_file(&parent, news.id, picture.1.blob.id).is_ok());
}

#[test]
fn an_xss_corpus_in_titles_and_bodies_comes_out_harmless() {
    let w = world();
    let parent = w.subject(w.school.parents[0].user.id);
    let attacks = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">clic</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">clic</a>",
        "<p style=\"background:url(javascript:alert(1))\">x</p>",
        "<style>*{display:none}</style>",
        "<svg onload=alert(1)><circle r=10></circle></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<a href=\"https://ok.example\" onclick=\"alert(1)\" onmouseover=\"alert(2)\">ok</a>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<div><p>texte</p><object data=\"x.swf\"></object><embed src=\"x\"></div>",
        "<form action=\"/x\"><input name=a><button formaction=\"javascript:alert(1)\">b</button></form>",
        "<body onload=alert(1)>",
        "<base href=\"https://evil.example/\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">d</a>",
        "Texte simple puis <script>alert(1)</script> et <b onmouseover=alert(1)>gras</b>",
    ];
    for attack in attacks {
        let news = w.publish_form(NewsForm {
            title: attack.into(),
            body: attack.into(),
            audience: Some(NewsAudience::Families),
            ..NewsForm::default()
        });
        let shown = w.app.news_item(&parent, news.id).unwrap();
        // The title is plain text, kept as typed (pages escape it).
        assert_eq!(shown.title, attack.trim());
        assert_harmless(attack, &shown.body);
    }
    let kept = w.publish_form(NewsForm {
        title: "Mise en forme".into(),
        body: "<p><strong>Important</strong> : <a href=\"https://musee.example\">le musée</a></p>"
            .into(),
        audience: Some(NewsAudience::Families),
        ..NewsForm::default()
    });
    assert_eq!(
        kept.body,
        "<p><strong>Important</strong> : <a href=\"https://musee.example\" rel=\"noopener noreferrer nofollow\">le musée</a></p>"
    );
}

/// Every tag of `html` is on the sanitiser's allow-list, carries no attribute but a link's
/// `href` (http, https or mailto) and `rel`, and no `<` appears outside a tag: what remains of
/// an attack is escaped text.
fn assert_harmless(attack: &str, html: &str) {
    const TAGS: &[&str] = &[
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "ul",
        "ol",
        "li",
        "blockquote",
        "h3",
        "h4",
        "a",
    ];
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..]
            .find('>')
            .unwrap_or_else(|| panic!("{attack:?}: unclosed tag in {html:?}"));
        let tag = &rest[start + 1..start + end];
        let tag = tag.trim_start_matches('/');
        let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        assert!(
            TAGS.contains(&name.to_lowercase().as_str()),
            "{attack:?}: <{name}> in {html:?}"
        );
        let mut attributes = attributes.trim();
        while !attributes.is_empty() {
            let (attribute, after) = attributes
                .split_once("=\"")
                .unwrap_or_else(|| panic!("{attack:?}: odd attribute in {html:?}"));
            let (value, after) = after.split_once('"').expect("quoted value");
            match attribute {
                "href" => assert!(
                    ["https://", "http://", "mailto:"]
                        .iter()
                        .any(|s| value.starts_with(s)),
                    "{attack:?}: href {value:?}"
                ),
                "rel" => assert_eq!(value, "noopener noreferrer nofollow"),
                other => panic!("{attack:?}: attribute {other} in {html:?}"),
            }
            attributes = after.trim();
        }
        rest = &rest[start + end + 1..];
    }
}

#[test]
fn the_demo_school_has_news_for_each_audience() {
    let w = world();
    w.app.seed_demo_documents(&w.school).expect("demo content");
    let head = w.head();
    let all = w.app.news(&head, None).unwrap();
    assert_eq!(all.len(), 4);
    assert!(all[0].pinned && is_picture(&all[0].files[0]));
    assert_eq!(
        all.iter().filter(|n| n.is_scheduled(w.app.now())).count(),
        1
    );
    let parent = w.subject(w.school.parents[0].user.id);
    assert_eq!(
        w.titles(&parent),
        ["Menu de la cantine cette semaine", "Sortie au musée jeudi"]
    );
    let teacher = w.subject(w.school.teachers[0].user.id);
    assert!(
        w.titles(&teacher)
            .contains(&"Conseil des maîtres mardi à 17 h".to_string())
    );
}
