//! Booking over real HTTPS, as teachers use it from classroom devices: 200 simultaneous
//! requests for one slot make exactly one booking and 199 refusals naming who holds it; a
//! cart of 15 tablets gives exactly 15 to 40 simultaneous requests; pupils and parents reach
//! no booking page; the secret feed address serves an iCalendar feed that parses back.

use futures_util::future::join_all;
use preau_app::bookings::{BookableForm, CalendarForm};
use preau_core::{BookableId, BookableKind, Booking, BookingStatus, Subject};
use preau_tests::files::subject;
use preau_tests::{TestApp, page_text};
use time::{Date, Duration, OffsetDateTime, UtcOffset, Weekday};

const PERIODS: &str = "8:30-9:30\n9:30-10:30\n10:45-11:45\n13:30-14:30\n14:30-15:30\n15:45-16:30";

fn head(app: &TestApp) -> Subject {
    subject(&app.app, app.school.headteacher.as_ref().unwrap().user.id)
}

/// Zone C, shipped holidays, no limits on teachers (the headteacher sets them so).
fn no_limits(app: &TestApp) {
    app.app
        .save_booking_settings(
            &head(app),
            &CalendarForm {
                zone: "C".into(),
                holidays: String::new(),
                wednesday_morning: true,
                periods: PERIODS.into(),
                max_per_week: "0".into(),
                max_days_ahead: "0".into(),
            },
        )
        .expect("settings");
}

fn bookable(app: &TestApp, name: &str, quantity: u32) -> BookableId {
    app.app
        .save_bookable(
            &head(app),
            None,
            &BookableForm {
                name: name.into(),
                kind: Some(BookableKind::Equipment),
                description: String::new(),
                place: "Salle des maîtres".into(),
                capacity: String::new(),
                quantity: quantity.to_string(),
                needs_approval: false,
                archived: false,
            },
        )
        .expect("bookable")
        .id
}

/// Today in Paris (near enough: an hour off at most around midnight).
fn today() -> Date {
    OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(1, 0, 0).unwrap())
        .date()
}

/// The first `weekday` at least `days` days from today on which the school is open.
fn school_day(app: &TestApp, weekday: Weekday, days: i64) -> Date {
    let calendar = app.app.booking_settings().unwrap().calendar;
    let mut d = today() + Duration::days(days);
    while d.weekday() != weekday
        || calendar
            .day_closure(d.to_string().parse().unwrap())
            .is_some()
    {
        d += Duration::days(1);
    }
    d
}

const FRENCH_DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const FRENCH_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "mardi 8 décembre 2026".
fn french_day(d: Date) -> String {
    format!(
        "{} {} {} {}",
        FRENCH_DAYS[d.weekday().number_days_from_monday() as usize],
        d.day(),
        FRENCH_MONTHS[d.month() as usize - 1],
        d.year()
    )
}

/// The booking form's fields.
fn form(
    csrf: &str,
    what: BookableId,
    day: Date,
    start: &str,
    end: &str,
    quantity: u32,
) -> Vec<(&'static str, String)> {
    vec![
        ("_csrf", csrf.to_owned()),
        ("bookable", what.to_string()),
        ("date", day.to_string()),
        ("start", start.to_owned()),
        ("end", end.to_owned()),
        ("quantity", quantity.to_string()),
        ("purpose", "Séance de test".to_owned()),
        ("repeat", "once".to_owned()),
        ("until", String::new()),
        ("until_holiday", String::new()),
    ]
}

/// Every booking holding time on `what` on `day`, as the school's day view lists them.
fn held_on(app: &TestApp, what: BookableId, day: Date) -> Vec<Booking> {
    let grid = app
        .app
        .school_day(&head(app), day.to_string().parse().unwrap())
        .expect("day view");
    let mut all: Vec<Booking> = grid
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .flat_map(|c| c.entries.iter())
        .chain(grid.others.iter().flatten())
        .map(|e| e.booking.clone())
        .filter(|b| b.bookable == what && b.status.holds())
        .collect();
    all.sort_by_key(|b| b.id);
    all.dedup_by_key(|b| b.id);
    all
}

/// Sends `count` booking requests at once, spread over the signed-in adults; returns, for
/// each, who sent it, the status and the page text.
async fn simultaneous(
    app: &TestApp,
    adults: &[(String, reqwest::Client, String)],
    count: usize,
    what: BookableId,
    day: Date,
    start: &str,
    end: &str,
) -> Vec<(String, u16, String)> {
    let url = app.url("/reservations/reserver");
    let requests = (0..count).map(|i| {
        let (name, client, csrf) = &adults[i % adults.len()];
        let fields = form(csrf, what, day, start, end, 1);
        let url = url.clone();
        async move {
            let response = client.post(url).form(&fields).send().await.expect("post");
            let status = response.status().as_u16();
            (name.clone(), status, page_text(response).await)
        }
    });
    join_all(requests).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_simultaneous_requests_for_one_slot_make_one_booking() {
    let app = TestApp::start().await;
    no_limits(&app);
    let what = bookable(&app, "Vidéoprojecteur (essai)", 1);
    let day = school_day(&app, Weekday::Tuesday, 7);
    let adults = app.adults_with_csrf().await;
    let results = simultaneous(&app, &adults, 200, what, day, "9:00", "10:00").await;
    let winners: Vec<&(String, u16, String)> =
        results.iter().filter(|(_, s, _)| *s == 303).collect();
    assert_eq!(winners.len(), 1, "exactly one success");
    let holder = &winners[0].0;
    let expected = format!(
        "« Vidéoprojecteur (essai) » est déjà réservé le {} de 9 h 00 à 10 h 00 par {holder}.",
        french_day(day)
    );
    for (who, status, body) in results.iter().filter(|(_, s, _)| *s != 303) {
        assert_eq!(*status, 409, "{who}: {body}");
        assert!(
            body.contains(&expected),
            "{who}: the refusal names the holder: {expected}\n{body}"
        );
    }
    let held = held_on(&app, what, day);
    assert_eq!(held.len(), 1);
    assert_eq!(
        app.app
            .directory()
            .user(held[0].holder)
            .unwrap()
            .full_name(),
        *holder
    );
    // The week grid shows who holds it.
    let monday = day - Duration::days(1);
    let (_, client, _) = &adults[1];
    let grid = client
        .get(app.url(&format!("/reservations/ressource/{what}?semaine={monday}")))
        .send()
        .await
        .unwrap();
    assert_eq!(grid.status(), 200);
    let grid = page_text(grid).await;
    assert!(grid.contains(holder.as_str()), "{grid}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_simultaneous_requests_on_a_cart_of_fifteen_get_fifteen() {
    let app = TestApp::start().await;
    no_limits(&app);
    let cart = bookable(&app, "Chariot de tablettes (essai)", 15);
    let day = school_day(&app, Weekday::Thursday, 7);
    let adults = app.adults_with_csrf().await;
    let results = simultaneous(&app, &adults, 40, cart, day, "9:30", "10:30").await;
    let ok = results.iter().filter(|(_, s, _)| *s == 303).count();
    assert_eq!(ok, 15, "exactly 15 successes");
    for (who, status, body) in results.iter().filter(|(_, s, _)| *s != 303) {
        assert_eq!(*status, 409, "{who}: {body}");
        assert!(
            body.contains("Plus aucun élément de « Chariot de tablettes (essai) » n'est libre"),
            "{who}: {body}"
        );
    }
    let held = held_on(&app, cart, day);
    assert_eq!(held.len(), 15);
    assert_eq!(held.iter().map(|b| b.quantity).sum::<u32>(), 15);
}

/// Whether a response keeps a pupil or a parent out: 403, or the sign-in page.
fn kept_out(response: &reqwest::Response) -> bool {
    let status = response.status().as_u16();
    let to_sign_in = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .is_some_and(|l| l.starts_with("/connexion"));
    status == 403 || ((status == 303 || status == 302) && to_sign_in)
}

#[tokio::test]
async fn pupils_and_parents_reach_no_booking_page() {
    let app = TestApp::start().await;
    no_limits(&app);
    let what = bookable(&app, "Vidéoprojecteur (essai)", 1);
    let day = school_day(&app, Weekday::Tuesday, 7);
    let monday = day - Duration::days(1);
    // A teacher's booking, for the cancel attempts.
    let teacher = &app.school.teachers[0];
    let (teacher_client, teacher_csrf) = app
        .sign_in_with_csrf(
            &teacher.user.login,
            teacher.password.as_deref().unwrap_or_default(),
        )
        .await;
    let r = teacher_client
        .post(app.url("/reservations/reserver"))
        .form(&form(&teacher_csrf, what, day, "9:00", "10:00", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", page_text(r).await);
    let booking = held_on(&app, what, day)[0].id;

    // The parent signs in keeping the CSRF token; the pupil plays the picture code.
    let parent = &app.school.parents[0];
    let (parent_client, parent_csrf) = app
        .sign_in_with_csrf(
            &parent.user.login,
            parent.password.as_deref().unwrap_or_default(),
        )
        .await;
    let pupil_client = app.pupil(0).await;
    let pupil_csrf = app.csrf(&pupil_client, "/").await;

    for (who, client, csrf) in [
        ("parent", &parent_client, &parent_csrf),
        ("pupil", &pupil_client, &pupil_csrf),
    ] {
        for page in [
            "/reservations".to_owned(),
            format!("/reservations/ressource/{what}?semaine={monday}"),
        ] {
            let r = client.get(app.url(&page)).send().await.unwrap();
            assert!(kept_out(&r), "{who} GET {page}: {}", r.status());
        }
        let r = client
            .post(app.url("/reservations/reserver"))
            .form(&form(csrf, what, day, "10:45", "11:45", 1))
            .send()
            .await
            .unwrap();
        assert!(kept_out(&r), "{who} books: {}", r.status());
        let r = client
            .post(app.url(&format!("/reservations/reservation/{booking}/annuler")))
            .form(&[("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert!(kept_out(&r), "{who} cancels: {}", r.status());
    }
    let held = held_on(&app, what, day);
    assert_eq!(held.len(), 1, "nothing booked by a pupil or a parent");
    assert_eq!(held[0].id, booking, "the teacher's booking still stands");

    // Another teacher may not cancel it either; its holder may.
    let other = &app.school.teachers[1];
    let (other_client, other_csrf) = app
        .sign_in_with_csrf(
            &other.user.login,
            other.password.as_deref().unwrap_or_default(),
        )
        .await;
    let cancel = format!("/reservations/reservation/{booking}/annuler");
    let r = other_client
        .post(app.url(&cancel))
        .form(&[("_csrf", other_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another teacher cancels");
    let r = teacher_client
        .post(app.url(&cancel))
        .form(&[("_csrf", teacher_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the holder cancels");
    assert_eq!(
        app.app.booking(&head(&app), booking).unwrap().status,
        BookingStatus::Cancelled
    );
}

#[tokio::test]
async fn refusals_are_clear_french_pages() {
    let app = TestApp::start().await;
    no_limits(&app);
    let what = bookable(&app, "Appareil photo (essai)", 1);
    let teacher = &app.school.teachers[0];
    let (client, csrf) = app
        .sign_in_with_csrf(
            &teacher.user.login,
            teacher.password.as_deref().unwrap_or_default(),
        )
        .await;
    let home = client.get(app.url("/reservations")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let saturday = school_day(&app, Weekday::Tuesday, 7) + Duration::days(4);
    let tuesday = school_day(&app, Weekday::Tuesday, 7);
    for (day, start, end, says) in [
        (saturday, "9:00", "10:00", "c'est le week-end"),
        (tuesday, "9:10", "10:00", "quart d'heure"),
        (tuesday + Duration::days(1), "14:00", "15:00", "mercredi"),
    ] {
        let r = client
            .post(app.url("/reservations/reserver"))
            .form(&form(&csrf, what, day, start, end, 1))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{day} {start}-{end}");
        let text = page_text(r).await;
        assert!(text.contains(says), "{day} {start}-{end}: {says}\n{text}");
    }
    assert!(held_on(&app, what, tuesday).is_empty());
}

/// The secret feed addresses (`/agenda/<token>.ics`) in a page.
fn feed_tokens(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("/agenda/") {
        rest = &rest[at + "/agenda/".len()..];
        if let Some(end) = rest.find(".ics") {
            let token = &rest[..end];
            if !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                out.push(token.to_owned());
            }
        }
    }
    out
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

/// A date of the code under test (jiff) as a `time` date.
fn to_time(d: impl std::fmt::Display) -> Date {
    Date::parse(
        &d.to_string(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap()
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day())
}

#[tokio::test]
async fn the_secret_feed_parses_as_icalendar_and_holds_the_bookings() {
    let app = TestApp::start().await;
    no_limits(&app);
    let what = bookable(&app, "TNI mobile (essai)", 1);
    let teacher = &app.school.teachers[0];
    let (client, csrf) = app
        .sign_in_with_csrf(
            &teacher.user.login,
            teacher.password.as_deref().unwrap_or_default(),
        )
        .await;
    let day = school_day(&app, Weekday::Tuesday, 7);
    let r = client
        .post(app.url("/reservations/reserver"))
        .form(&form(&csrf, what, day, "9:00", "10:00", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", page_text(r).await);
    // A weekly booking on Thursdays from two weeks before the next holidays to two weeks
    // after them: the holiday Thursdays are skipped, and the feed says so with EXDATE.
    let calendar = app.app.booking_settings().unwrap().calendar;
    let next = calendar
        .holidays_after(today().to_string().parse().unwrap())
        .next()
        .expect("holidays ahead")
        .clone();
    let (first, last) = (to_time(next.first), to_time(next.last));
    let mut start = first - Duration::days(14);
    while start.weekday() != Weekday::Thursday {
        start += Duration::days(1);
    }
    let until = last + Duration::days(14);
    let mut skipped = Vec::new();
    let mut d = start;
    while d <= until {
        if calendar
            .day_closure(d.to_string().parse().unwrap())
            .is_some()
        {
            skipped.push(d);
        }
        d += Duration::days(7);
    }
    assert!(!skipped.is_empty(), "the series crosses {}", next.name);
    let mut fields = form(&csrf, what, start, "13:30", "14:30", 1);
    for (k, v) in fields.iter_mut() {
        match *k {
            "repeat" => *v = "weekly".into(),
            "until" => *v = until.to_string(),
            _ => {}
        }
    }
    let r = client
        .post(app.url("/reservations/reserver"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", page_text(r).await);

    // The address is shown on the bookings page; a calendar application fetches it without
    // any session.
    let home = page_text(client.get(app.url("/reservations")).send().await.unwrap()).await;
    let tokens = feed_tokens(&home);
    let mine = app
        .app
        .my_feed_token(&subject(&app.app, teacher.user.id))
        .unwrap();
    assert!(
        tokens.contains(&mine),
        "the teacher's feed address is on /reservations"
    );
    let calendar_app = app.client();
    let r = calendar_app
        .get(app.url(&format!("/agenda/{mine}.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/calendar"), "{kind}");
    let feed = r.text().await.unwrap();
    let events = events(&feed);
    assert_eq!(events.len(), 2, "one booking, one series:\n{feed}");
    let once = events
        .iter()
        .find(|e| value(e, "RRULE").is_none())
        .expect("the one-off booking");
    assert!(
        value(once, "SUMMARY").is_some_and(|s| s.contains("TNI mobile (essai)")),
        "{feed}"
    );
    let start_value = value(once, "DTSTART").unwrap();
    assert!(
        start_value == format!("{}T090000", ymd(day))
            || start_value == format!("{}T080000Z", ymd(day)),
        "9:00 in Paris in winter: {start_value}"
    );
    let series = events
        .iter()
        .find(|e| value(e, "RRULE").is_some())
        .expect("the series");
    let rule = value(series, "RRULE").unwrap();
    assert!(rule.contains("FREQ=WEEKLY"), "{rule}");
    assert!(
        value(series, "DTSTART").is_some_and(|v| v.starts_with(&ymd(start))),
        "{feed}"
    );
    let exdates: String = series
        .iter()
        .filter(|p| p.name == "EXDATE")
        .filter_map(|p| p.value.clone())
        .collect::<Vec<_>>()
        .join(",");
    for d in &skipped {
        assert!(
            exdates.contains(&ymd(*d)),
            "{d} ({}) is an EXDATE: {exdates}",
            next.name
        );
    }

    // The bookable's own feed has both too.
    let token = app.app.bookable(&head(&app), what).unwrap().feed_token;
    let r = calendar_app
        .get(app.url(&format!("/agenda/{token}.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(events_len(&r.text().await.unwrap()), 2);

    // An unknown secret opens nothing.
    let r = calendar_app
        .get(app.url("/agenda/pas-un-vrai-secret-0123456789abcdef.ics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

fn events_len(feed: &str) -> usize {
    events(feed).len()
}
