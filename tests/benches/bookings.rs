//! The booking module's performance budget (issue 5), measured over real HTTPS and printed.
//!
//! Run with `cargo bench -p preau-tests --bench bookings`. In one process it starts the
//! test harness's box (`TestApp`: the real server, real redb file with durable commits, real
//! TLS on 127.0.0.1, the small demo school), then:
//!
//! 1. sets the school calendar (zone C, shipped holidays, no limits on teachers) and adds 20
//!    bookables (rooms, equipment, a cart of 15 tablets);
//! 2. seeds a year of bookings through `App::book` in the same process, before any measured
//!    request (not over HTTP): for every bookable, weekday (Monday, Tuesday, Thursday,
//!    Friday) and four of the six periods of the day, a weekly booking from tomorrow for 52
//!    weeks, by the headteacher and the six teachers in turn (holidays are skipped, as for
//!    any weekly booking);
//! 3. week-grid page: 1 000 `GET /reservations/ressource/{id}?semaine=…` of random
//!    bookables and weeks of that year (seed printed) with 8 concurrent signed-in clients,
//!    after 100 warm-up requests; p50 / p99 / max, every answer checked 200;
//! 4. booking rate: 32 concurrent signed-in clients (the headteacher and teachers, one
//!    session each) each `POST /reservations/reserver` distinct free quarter-hour slots
//!    (16:30–19:00, after the seeded periods) over the 20 bookables and the next school days
//!    (Wednesdays excepted), shuffled (seed printed); bookings per second over the whole run
//!    and p50 / p99 / max latency; every answer must be the 303 of a success, any other
//!    answer is an unexpected failure and fails the bench.
//!
//! Every wait is bounded: each request has a 30 s timeout, each phase a deadline.

use futures_util::future::join_all;
use preau_app::bookings::{BookableForm, BookingRequest, CalendarForm, Repeat};
use preau_core::{BookableId, BookableKind, Subject};
use preau_tests::TestApp;
use preau_tests::files::subject;
use preau_tests::measure::{Latencies, Rng};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::{Date, OffsetDateTime, UtcOffset, Weekday};

const BOOKABLES: usize = 20;
const PERIODS: &str = "8:30-9:30\n9:30-10:30\n10:45-11:45\n13:30-14:30\n14:30-15:30\n15:45-16:30";
/// The seeded periods (indexes into `PERIODS`).
const SEEDED_PERIODS: [(&str, &str); 4] = [
    ("8:30", "9:30"),
    ("10:45", "11:45"),
    ("13:30", "14:30"),
    ("15:45", "16:30"),
];
const GRID_CLIENTS: usize = 8;
const GRID_GETS: usize = 1_000;
const GRID_WARM_UP: usize = 100;
const BOOKING_CLIENTS: usize = 32;
const BOOKINGS: usize = 3_200;
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
const PHASE_LIMIT: Duration = Duration::from_secs(300);

// Targets.
const TARGET_GRID_P99_MS: f64 = 100.0;
const TARGET_BOOKING_P99_MS: f64 = 250.0;
const TARGET_BOOKINGS_PER_S: f64 = 50.0;

/// xorshift64*: deterministic choices from a printed seed.
fn today() -> Date {
    OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(1, 0, 0).expect("offset"))
        .date()
}

/// A signed-in client with a request timeout, and its CSRF token.
async fn session(app: &TestApp, login: &str) -> (reqwest::Client, String) {
    let ca = reqwest::Certificate::from_pem(app.ca_pem.as_bytes()).expect("CA");
    let client = reqwest::Client::builder()
        .add_root_certificate(ca)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_LIMIT)
        .build()
        .expect("client");
    let token = app.csrf(&client, "/connexion").await;
    let r = client
        .post(app.url("/connexion"))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", login),
            ("password", preau_app::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(r.status(), 303, "sign-in of {login}");
    // Signing in gives a new CSRF token; every page's sign-out form carries it.
    let token = app.csrf(&client, "/").await;
    (client, token)
}

fn seed() -> u64 {
    std::env::var("PREAU_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    let machine = {
        let (cpus, model, memory) = preau_tests::machine();
        format!("{cpus} CPUs ({model}), {memory} RAM")
    };
    let seed = seed();
    eprintln!("[bookings] {machine}; seed {seed} (PREAU_BENCH_SEED={seed} to replay)");
    let app = TestApp::start().await;
    let head: Subject = subject(&app.app, app.school.headteacher.as_ref().unwrap().user.id);
    app.app
        .save_booking_settings(
            &head,
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
    let names = [
        "Salle informatique",
        "BCD",
        "Gymnase",
        "Salle de motricité",
        "Vidéoprojecteur",
        "TNI mobile",
        "Appareil photo",
        "Chariot de tablettes",
    ];
    let bookables: Vec<BookableId> = (0..BOOKABLES)
        .map(|i| {
            let name = match names.get(i) {
                Some(n) => (*n).to_owned(),
                None => format!("Ressource {}", i + 1),
            };
            let quantity = if name == "Chariot de tablettes" {
                15
            } else {
                1
            };
            app.app
                .save_bookable(
                    &head,
                    None,
                    &BookableForm {
                        name,
                        kind: Some(if i < 4 {
                            BookableKind::Room
                        } else {
                            BookableKind::Equipment
                        }),
                        quantity: quantity.to_string(),
                        ..BookableForm::default()
                    },
                )
                .expect("bookable")
                .id
        })
        .collect();

    // ---- a year of bookings, through the App in this process
    let mut people = vec![head.clone()];
    people.extend(
        app.school
            .teachers
            .iter()
            .map(|t| subject(&app.app, t.user.id)),
    );
    let calendar = app.app.booking_settings().expect("settings").calendar;
    let is_open = |d: Date| {
        calendar
            .day_closure(d.to_string().parse().expect("date"))
            .is_none()
    };
    let first_day = today() + time::Duration::days(2);
    let last_day = first_day + time::Duration::weeks(52);
    let started = Instant::now();
    let (mut seeded, mut series) = (0usize, 0usize);
    for (b, id) in bookables.iter().enumerate() {
        for (k, weekday) in [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Thursday,
            Weekday::Friday,
        ]
        .into_iter()
        .enumerate()
        {
            let mut first = first_day;
            while first.weekday() != weekday {
                first += time::Duration::days(1);
            }
            for (p, (start, end)) in SEEDED_PERIODS.iter().enumerate() {
                let who = &people[(b + k + p) % people.len()];
                let booked = app
                    .app
                    .book(
                        who,
                        &BookingRequest {
                            bookable: *id,
                            date: first.to_string(),
                            start: (*start).into(),
                            end: (*end).into(),
                            quantity: 1,
                            purpose: "Séance hebdomadaire".into(),
                            repeat: Repeat::Weekly,
                            until: last_day.to_string(),
                        },
                    )
                    .expect("seeded booking");
                seeded += booked.bookings.len();
                series += 1;
            }
        }
    }
    let seeding = started.elapsed();
    eprintln!(
        "[bookings] seeded {seeded} bookings ({series} weekly series) in {:.1} s",
        seeding.as_secs_f64()
    );

    // ---- week grid
    let logins: Vec<String> = std::iter::once(&app.school.headteacher.as_ref().unwrap().user)
        .chain(app.school.teachers.iter().map(|t| &t.user))
        .map(|u| u.login.clone())
        .collect();
    let mut grid_clients = Vec::new();
    for i in 0..GRID_CLIENTS {
        grid_clients.push(session(&app, &logins[i % logins.len()]).await.0);
    }
    let mut rng = Rng(seed);
    let mondays: Vec<Date> = {
        let mut m = first_day;
        while m.weekday() != Weekday::Monday {
            m += time::Duration::days(1);
        }
        (0..52).map(|w| m + time::Duration::weeks(w)).collect()
    };
    let urls: Vec<String> = (0..GRID_WARM_UP + GRID_GETS)
        .map(|_| {
            let id = bookables[rng.below(bookables.len())];
            let monday = mondays[rng.below(mondays.len())];
            app.url(&format!("/reservations/ressource/{id}?semaine={monday}"))
        })
        .collect();
    let (warm, measured) = urls.split_at(GRID_WARM_UP);
    let holders: Arc<Vec<String>> = Arc::new(
        std::iter::once(&app.school.headteacher.as_ref().unwrap().user)
            .chain(app.school.teachers.iter().map(|t| &t.user))
            .map(|u| u.full_name())
            .collect(),
    );
    let grid = |urls: &[String]| {
        let holders = holders.clone();
        let next = Arc::new(AtomicUsize::new(0));
        let urls: Arc<Vec<String>> = Arc::new(urls.to_vec());
        let deadline = Instant::now() + PHASE_LIMIT;
        let workers = grid_clients.iter().map(|client| {
            let (next, urls, client) = (next.clone(), urls.clone(), client.clone());
            let holders = holders.clone();
            async move {
                let mut times = Vec::new();
                let mut failures = Vec::new();
                let mut showing = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= urls.len() || Instant::now() > deadline {
                        break;
                    }
                    let t = Instant::now();
                    match client.get(&urls[i]).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body = r.text().await.unwrap_or_default();
                            times.push(t.elapsed());
                            if status != 200 || body.is_empty() {
                                failures.push(format!("{status} on {}", urls[i]));
                            }
                            // Booked cells hold `class="entry…"` blocks (the grid template).
                            let entries = body.matches("class=\"entry").count();
                            if entries > 0 && holders.iter().any(|h| body.contains(h.as_str())) {
                                showing += 1;
                            }
                        }
                        Err(e) => failures.push(format!("{e} on {}", urls[i])),
                    }
                }
                (times, failures, showing)
            }
        });
        join_all(workers)
    };
    grid(warm).await;
    let started = Instant::now();
    let results = grid(measured).await;
    let grid_wall = started.elapsed();
    let grid_times = Latencies(results.iter().flat_map(|(t, _, _)| t.clone()).collect());
    let grid_failures: Vec<String> = results.iter().flat_map(|(_, f, _)| f.clone()).collect();
    let grid_showing: usize = results.iter().map(|(_, _, s)| s).sum();

    // ---- bookings per second
    let mut slots: Vec<(BookableId, Date, String, String)> = Vec::new();
    let mut day = today() + time::Duration::days(1);
    while slots.len() < BOOKINGS {
        if day.weekday() != Weekday::Wednesday && is_open(day) {
            for id in &bookables {
                for q in 0..10 {
                    let from = 16 * 60 + 30 + 15 * q;
                    let to = from + 15;
                    slots.push((
                        *id,
                        day,
                        format!("{}:{:02}", from / 60, from % 60),
                        format!("{}:{:02}", to / 60, to % 60),
                    ));
                }
            }
        }
        day += time::Duration::days(1);
    }
    slots.truncate(BOOKINGS);
    for i in (1..slots.len()).rev() {
        let j = rng.below(i + 1);
        slots.swap(i, j);
    }
    let mut booking_clients = Vec::new();
    for i in 0..BOOKING_CLIENTS {
        booking_clients.push(session(&app, &logins[i % logins.len()]).await);
    }
    let slots = Arc::new(slots);
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + PHASE_LIMIT;
    let action = app.url("/reservations/reserver");
    let started = Instant::now();
    let workers = booking_clients.iter().map(|(client, csrf)| {
        let (next, slots, client, csrf, action) = (
            next.clone(),
            slots.clone(),
            client.clone(),
            csrf.clone(),
            action.clone(),
        );
        async move {
            let mut times = Vec::new();
            let mut failures = Vec::new();
            let mut made = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= slots.len() || Instant::now() > deadline {
                    break;
                }
                let (id, day, start, end) = &slots[i];
                let fields = [
                    ("_csrf", csrf.clone()),
                    ("bookable", id.to_string()),
                    ("date", day.to_string()),
                    ("start", start.clone()),
                    ("end", end.clone()),
                    ("quantity", "1".to_owned()),
                    ("purpose", "Banc d'essai".to_owned()),
                    ("repeat", "once".to_owned()),
                    ("until", String::new()),
                    ("until_holiday", String::new()),
                ];
                let t = Instant::now();
                match client.post(&action).form(&fields).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.text().await.unwrap_or_default();
                        times.push(t.elapsed());
                        if status == 303 {
                            made += 1;
                        } else {
                            let excerpt: String = body.chars().take(300).collect();
                            failures.push(format!("{status} for {day} {start}: {excerpt}"));
                        }
                    }
                    Err(e) => failures.push(format!("{e}")),
                }
            }
            (times, failures, made)
        }
    });
    let results = join_all(workers).await;
    let booking_wall = started.elapsed();
    let booking_times = Latencies(results.iter().flat_map(|(t, _, _)| t.clone()).collect());
    let booking_failures: Vec<String> = results.iter().flat_map(|(_, f, _)| f.clone()).collect();
    let made: usize = results.iter().map(|(_, _, m)| m).sum();
    let per_second = made as f64 / booking_wall.as_secs_f64();

    // ---- report
    let grid_p99 = grid_times.ms(0.99);
    let booking_p99 = booking_times.ms(0.99);
    println!("bookings benchmark — {machine}");
    println!("command: cargo bench -p preau-tests --bench bookings (seed {seed})");
    println!(
        "school: {BOOKABLES} bookables, {seeded} bookings seeded through App::book ({series} weekly series over 52 weeks) in {:.1} s",
        seeding.as_secs_f64()
    );
    println!(
        "week grid, {GRID_CLIENTS} concurrent clients, {} GETs (+{GRID_WARM_UP} warm-up) in {:.2} s ({:.0} req/s): {} (target p99 ≤ {TARGET_GRID_P99_MS} ms); {grid_showing} pages showed booked cells (the others fall in holidays); failures {}",
        grid_times.0.len(),
        grid_wall.as_secs_f64(),
        grid_times.0.len() as f64 / grid_wall.as_secs_f64(),
        grid_times.line(1),
        grid_failures.len()
    );
    println!(
        "bookings, {BOOKING_CLIENTS} concurrent clients, distinct free slots: {made} made of {} sent in {:.2} s = {per_second:.0} bookings/s (target ≥ {TARGET_BOOKINGS_PER_S}); latency {} (target p99 ≤ {TARGET_BOOKING_P99_MS} ms); unexpected failures {}",
        booking_times.0.len(),
        booking_wall.as_secs_f64(),
        booking_times.line(1),
        booking_failures.len()
    );
    for f in grid_failures.iter().chain(&booking_failures).take(5) {
        println!("  failure: {f}");
    }
    let complete = grid_times.0.len() == GRID_GETS && booking_times.0.len() == BOOKINGS;
    if !complete {
        println!("the run was cut short by the {PHASE_LIMIT:?} phase limit");
    }
    if !grid_failures.is_empty() || !booking_failures.is_empty() || !complete {
        return ExitCode::FAILURE;
    }
    if grid_p99 <= TARGET_GRID_P99_MS
        && booking_p99 <= TARGET_BOOKING_P99_MS
        && per_second >= TARGET_BOOKINGS_PER_S
    {
        println!("all targets met");
    } else {
        println!("some targets MISSED");
    }
    ExitCode::SUCCESS
}
