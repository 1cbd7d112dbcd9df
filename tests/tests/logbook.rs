//! The cahier de textes over real HTTPS: a teacher writes a session with homework through the
//! form; the pupil finds it on their portal and ticks « Fait ! »; their parent reads it on the
//! child's week and day; a parent of another class is refused; the homework feed parses as
//! iCalendar and holds the homework; pasted script never reaches a page.

use preau_core::Subject;
use preau_tests::{TestApp, page_text};

fn subject_of(app: &TestApp, login: &str) -> Subject {
    let dir = app.app.directory();
    let user = dir
        .users()
        .into_iter()
        .find(|u| u.login == login)
        .expect("user");
    dir.subject(user)
}

/// Properties of the VEVENTs of a feed, parsed with the `ical` crate.
fn events(feed: &str) -> Vec<Vec<ical::property::Property>> {
    let mut calendars = ical::IcalParser::new(std::io::BufReader::new(feed.as_bytes()));
    let calendar = calendars
        .next()
        .expect("one calendar")
        .expect("the feed parses as iCalendar");
    assert!(calendars.next().is_none(), "one calendar only");
    calendar.events.into_iter().map(|e| e.properties).collect()
}

fn value<'a>(event: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
}

#[tokio::test]
async fn a_teacher_writes_homework_the_pupil_ticks_it_the_family_reads_it() {
    let app = TestApp::start().await;
    let cp = app.school.classes[0].id;
    let today = preau_app::bookings::today(app.app.now());
    // The session on the first school day from today, the homework for the first school day
    // after today: both within what a pupil's portal shows.
    let calendar = app.app.booking_settings().expect("settings").calendar;
    let school_day = |from| {
        let mut day = from;
        while calendar.day_closure(day).is_some() {
            day = day.tomorrow().expect("a day");
        }
        day
    };
    let session = school_day(today);
    let due = school_day(today.tomorrow().expect("tomorrow")).max(session);

    // The teacher writes the session through the form.
    let teacher = app.teacher().await;
    let form_page = format!("/cahier-de-textes/classe/{cp}/nouvelle-seance");
    let page = teacher.get(app.url(&form_page)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let (session_text, due_text) = (session.to_string(), due.to_string());
    let written = app
        .post_form(
            &teacher,
            &form_page,
            &form_page,
            &[
                ("date", session_text.as_str()),
                ("intitule", "Poésie"),
                (
                    "seance",
                    "<p onclick=\"alert(1)\">Lecture du Corbeau.</p><script>alert('pirate')</script>",
                ),
                ("devoirs", "Apprendre la première strophe du Corbeau."),
                ("pour_le", due_text.as_str()),
            ],
        )
        .await;
    assert_eq!(written.status(), 303, "{}", page_text(written).await);
    let class_week = format!("/cahier-de-textes/classe/{cp}?semaine={due}");
    let week = page_text(teacher.get(app.url(&class_week)).send().await.unwrap()).await;
    assert!(
        week.contains("Apprendre la première strophe du Corbeau."),
        "{week}"
    );
    assert!(week.contains("Aucun élève n'a encore coché"));
    assert!(!week.contains("alert('pirate')") && !week.contains("onclick"));
    let teacher_subject = subject_of(&app, &app.school.teachers[0].user.login);
    let entry = app
        .app
        .class_agenda(&teacher_subject, cp, session, session)
        .expect("agenda")
        .days[0]
        .sessions[0]
        .entry
        .id;

    // A refused form says why and keeps what was typed.
    let refused = app
        .post_form(
            &teacher,
            &form_page,
            &form_page,
            &[
                ("date", session_text.as_str()),
                ("intitule", "Vide"),
                ("seance", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let refused = page_text(refused).await;
    assert!(refused.contains("Écrivez ce qui a été fait"), "{refused}");

    // The pupil finds it on their portal and ticks it.
    let pupil = app.pupil(0).await;
    let portal = page_text(pupil.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Mes devoirs"), "{portal}");
    assert!(portal.contains("Apprendre la première strophe du Corbeau."));
    let tick_url = format!("/cahier-de-textes/seance/{entry}/fait");
    assert!(portal.contains(&tick_url));
    assert!(!portal.contains("alert('pirate')"));
    let ticked = app
        .post_form(&pupil, "/", &tick_url, &[("fait", "1"), ("retour", "/")])
        .await;
    assert_eq!(ticked.status(), 303);
    assert_eq!(ticked.headers()["location"], "/");
    let portal = page_text(pupil.get(app.url("/")).send().await.unwrap()).await;
    assert!(portal.contains("Ce n'est pas fini"), "{portal}");
    let week = page_text(teacher.get(app.url(&class_week)).send().await.unwrap()).await;
    assert!(
        week.contains("1 élève sur 30 a coché « Fait ! »."),
        "{week}"
    );
    // The rich text of the session is there, without its handler.
    let child = app.school.pupils[0].user.id;
    let pupil_week = page_text(
        pupil
            .get(app.url(&format!(
                "/cahier-de-textes/eleve/{child}?semaine={session}"
            )))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        pupil_week.contains("<p>Lecture du Corbeau.</p>"),
        "{pupil_week}"
    );

    // The family reads it on the child's week and day, without the pupil's button.
    let parent = app.parent().await;
    let portal = page_text(parent.get(app.url("/")).send().await.unwrap()).await;
    let first_name = &app.school.pupils[0].user.first_name;
    assert!(
        portal.contains(&format!("Les devoirs de {first_name}")),
        "{portal}"
    );
    assert!(portal.contains("Apprendre la première strophe du Corbeau."));
    let day_url = format!("/cahier-de-textes/eleve/{child}/jour?date={due}");
    let day = page_text(parent.get(app.url(&day_url)).send().await.unwrap()).await;
    assert!(
        day.contains("Apprendre la première strophe du Corbeau."),
        "{day}"
    );
    assert!(!day.contains(&tick_url), "families do not tick");
    let entry_page = parent
        .get(app.url(&format!("/cahier-de-textes/seance/{entry}")))
        .send()
        .await
        .unwrap();
    assert_eq!(entry_page.status(), 200);
    let tick = app
        .post_form(&parent, "/", &tick_url, &[("fait", "1")])
        .await;
    assert_eq!(tick.status(), 403);

    // A parent of another class sees none of it.
    let stranger = app.parent_of_another_class().await;
    for path in [
        format!("/cahier-de-textes/classe/{cp}"),
        format!("/cahier-de-textes/eleve/{child}"),
        format!("/cahier-de-textes/eleve/{child}/jour"),
        format!("/cahier-de-textes/seance/{entry}"),
        form_page.clone(),
    ] {
        let status = stranger.get(app.url(&path)).send().await.unwrap().status();
        assert!(
            status == 403 || status == 404,
            "{path} answered {status} to a parent of another class"
        );
    }
    let portal = page_text(stranger.get(app.url("/")).send().await.unwrap()).await;
    assert!(!portal.contains("Apprendre la première strophe du Corbeau."));

    // The class's homework feed, from the address on the week page.
    let marker = "/agenda-devoirs/";
    let start = week.find(marker).expect("feed address on the week page");
    let token: String = week[start + marker.len()..]
        .chars()
        .take_while(|c| *c != '.')
        .collect();
    let feed = app
        .client()
        .get(app.url(&format!("{marker}{token}.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = feed.text().await.unwrap();
    let events = events(&text);
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(
        value(&events[0], "DTSTART"),
        Some(due.strftime("%Y%m%d").to_string().as_str())
    );
    assert_eq!(value(&events[0], "SUMMARY"), Some("À faire : Poésie"));
    assert!(
        value(&events[0], "DESCRIPTION")
            .is_some_and(|d| d.contains("Apprendre la première strophe du Corbeau."))
    );
    let unknown = app
        .client()
        .get(app.url("/agenda-devoirs/inconnu.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_books_open_from_one_page_listing_ones_classes_or_children() {
    let app = TestApp::start().await;
    let class = &app.school.classes[0];
    let child = &app.school.pupils[0].user;
    let (teacher, parent, pupil) = (app.teacher().await, app.parent().await, app.pupil(0).await);
    for (home, class_path, child_path) in [
        (
            "/cahier-de-textes",
            "/cahier-de-textes/classe",
            "/cahier-de-textes/eleve",
        ),
        (
            "/carnet-de-liaison",
            "/carnet-de-liaison/classe",
            "/carnet-de-liaison/eleve",
        ),
    ] {
        // The teacher: their class, no child.
        let page = teacher.get(app.url(home)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page_text(page).await;
        assert!(
            html.contains(&format!("href=\"{class_path}/{}\"", class.id)),
            "{html}"
        );
        assert!(html.contains(&class.name) && !html.contains("Mes enfants"));
        // The parent: their child (with the class's name), no class to open.
        let html = page_text(parent.get(app.url(home)).send().await.unwrap()).await;
        assert!(html.contains("Mes enfants"), "{html}");
        assert!(html.contains(&format!("href=\"{child_path}/{}\"", child.id)));
        assert!(html.contains(&child.first_name) && !html.contains(class_path));
        // The pupil goes straight to their own.
        let own = pupil.get(app.url(home)).send().await.unwrap();
        assert_eq!(own.status(), 303);
        assert!(
            own.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(&format!("{child_path}/{}", child.id))
        );
    }
}
