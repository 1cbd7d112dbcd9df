//! The parent portal with a school year of content (issue 6), measured over real HTTPS and
//! printed.
//!
//! Run with `cargo bench -p preau-tests --bench portal`. In one process it starts what the
//! test harness starts (the real server, a real redb file with durable commits, real TLS on
//! 127.0.0.1) with the full demo school (5 classes, about 120 pupils), but with a movable
//! clock: `TestApp` takes the system clock, and the messaging rate limits (adults 30 a
//! minute and 500 a day) would make 2 000 messages through `send_message`/`reply` take many
//! minutes of waiting. The clock is the system clock plus an offset the bench sets; it is
//! back to the real time (offset 0) before anyone signs in. Then:
//!
//! 1. seeds a school year of content through the `App` in the same process, before any
//!    measured request (no store writes of its own):
//!    * the cahier de textes: for every class, weekly sessions with homework from the first
//!      school day of September to 30 June (`write_logbook_entry` with `repeat_until`, as a
//!      teacher of that class; holidays and public holidays are skipped as for any weekly
//!      entry), on Monday, Tuesday, Thursday and Friday, three subjects a day, until the
//!      class has at least 400 entries; each homework is due on the next session day;
//!    * news: six items by the headteacher (families, a class's families, the team; one
//!      pinned), published at dates from September to now (`publish_news`, clock moved);
//!    * 2 000 messages: conversations between a teacher and a parent of a pupil of their
//!      class, started by either (`send_message`) and continued with 0 to 5 replies in turn
//!      (`reply`), the clock moved forward by an even step from the school year's start to
//!      an hour ago for each message, so that every sender stays within the rate limits;
//!      pupils, parents and teachers drawn from a printed seed;
//! 2. 32 distinct parents (children spread over the classes) get an activation code from
//!    the headteacher (`reset_credentials`) and activate their account over HTTPS
//!    (`POST /activation`, which signs them in); the demo's two parents with a password sign
//!    in with it;
//! 3. parent portal: the 32 clients `GET /` (100 warm-up requests, then 3 200), every
//!    answer checked 200 with the parent's greeting and, when seeded homework of a child is
//!    due in the coming days, one of the seeded homework titles; p50 / p99 / max,
//!    requests per second, page sizes;
//! 4. pupil portal, the same with 8 pupils signed in with their picture code (50 warm-up,
//!    800 measured).
//!
//! Every wait is bounded: each request has a 30 s timeout, each phase a deadline.

use futures_util::future::join_all;
use preau_app::accounts::Handover;
use preau_app::demo::{DEMO_PASSWORD, DemoAccount, DemoPlan};
use preau_app::logbook::EntryForm;
use preau_app::messages::NewMessage;
use preau_app::news::NewsForm;
use preau_core::{ClassId, ConversationId, NewsAudience, Subject, UserId};
use preau_tests::bench_box::{BenchBox, bench_seed, paris_today, unix_at};
use preau_tests::files::subject;
use preau_tests::measure::{Latencies, Rng};
use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use time::{Date, Month, OffsetDateTime, Weekday};

const ENTRIES_PER_CLASS: usize = 400;
const MESSAGES: usize = 2_000;
const PARENT_CLIENTS: usize = 32;
const PARENT_GETS: usize = 3_200;
const PARENT_WARM_UP: usize = 100;
const PUPIL_CLIENTS: usize = 8;
const PUPIL_GETS: usize = 800;
const PUPIL_WARM_UP: usize = 50;
const PHASE_LIMIT: Duration = Duration::from_secs(300);

// Our own target (the issue asks for the figure, not a number).
const TARGET_P99_MS: f64 = 100.0;

/// Subjects of the weekly sessions, three a day over Monday, Tuesday, Thursday, Friday.
const SUBJECTS: [&str; 12] = [
    "Lecture",
    "Mathématiques",
    "Questionner le monde",
    "Écriture",
    "Calcul mental",
    "Anglais",
    "Grammaire",
    "Géométrie",
    "Sciences",
    "Orthographe",
    "Histoire",
    "Poésie",
];
const DAYS: [(Weekday, &str, i64); 4] = [
    // (day of the session, its name, days until the homework is due)
    (Weekday::Monday, "lundi", 1),
    (Weekday::Tuesday, "mardi", 2),
    (Weekday::Thursday, "jeudi", 1),
    (Weekday::Friday, "vendredi", 3),
];

/// A parent activating their account with the code the headteacher gave (signs in).
async fn activate(b: &BenchBox, login: &str, code: &str) -> reqwest::Client {
    let client = b.client();
    let token = b.csrf(&client, "/activation").await;
    let r = client
        .post(b.url("/activation"))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", login),
            ("code", code),
            ("password", DEMO_PASSWORD),
            ("confirmation", DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("activation");
    assert_eq!(r.status(), 303, "activation of {login}");
    client
}

/// A portal client: who it is, the greeting to find and the homework titles one of which
/// must be on the page (empty: none due in the coming days).
struct Reader {
    client: reqwest::Client,
    greeting: String,
    titles: Vec<String>,
}

struct Run {
    times: Latencies,
    wall: Duration,
    failures: Vec<String>,
    bytes: Vec<usize>,
    homework: Vec<usize>,
    checked: usize,
    /// Answers whose messages tile shows unread messages.
    unread: usize,
}

async fn load(base: &str, readers: &[Reader], requests: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + PHASE_LIMIT;
    let url = format!("{base}/");
    let started = Instant::now();
    let workers = readers.iter().map(|reader| {
        let (next, url) = (next.clone(), url.clone());
        async move {
            let mut out = (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                0usize,
                0usize,
            );
            loop {
                if next.fetch_add(1, Ordering::SeqCst) >= requests || Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                match reader.client.get(&url).send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.text().await.unwrap_or_default();
                        out.0.push(t.elapsed());
                        out.2.push(body.len());
                        out.3.push(body.matches("class=\"logbook-homework").count());
                        if body.contains(" non lu") {
                            out.5 += 1;
                        }
                        if status != 200 || !body.contains(&reader.greeting) {
                            out.1.push(format!("{status} for {}", reader.greeting));
                        } else if !reader.titles.is_empty() {
                            out.4 += 1;
                            if !reader.titles.iter().any(|t| body.contains(t.as_str())) {
                                out.1
                                    .push(format!("no seeded homework for {}", reader.greeting));
                            }
                        }
                    }
                    Err(e) => out.1.push(format!("{e}")),
                }
            }
            out
        }
    });
    let results = join_all(workers).await;
    let wall = started.elapsed();
    let mut run = Run {
        times: Latencies(Vec::new()),
        wall,
        failures: Vec::new(),
        bytes: Vec::new(),
        homework: Vec::new(),
        checked: 0,
        unread: 0,
    };
    for (t, f, b, h, c, u) in results {
        run.times.0.extend(t);
        run.failures.extend(f);
        run.bytes.extend(b);
        run.homework.extend(h);
        run.checked += c;
        run.unread += u;
    }
    run
}

fn describe(label: &str, clients: usize, warm_up: usize, run: &Run) -> String {
    let n = run.times.0.len().max(1);
    let mean = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    format!(
        "{label}, {clients} concurrent clients, {} GETs (+{warm_up} warm-up) in {:.2} s ({:.0} req/s): {} (target p99 ≤ {TARGET_P99_MS} ms, ours); page {:.1} KB mean ({:.1}–{:.1} KB), {:.1} homework items mean; {} answers checked for a seeded homework title, {} showing unread messages; failures {}",
        run.times.0.len(),
        run.wall.as_secs_f64(),
        n as f64 / run.wall.as_secs_f64(),
        run.times.line(1),
        mean(&run.bytes) / 1e3,
        run.bytes.iter().min().copied().unwrap_or(0) as f64 / 1e3,
        run.bytes.iter().max().copied().unwrap_or(0) as f64 / 1e3,
        mean(&run.homework),
        run.checked,
        run.unread,
        run.failures.len()
    )
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
    let seed = bench_seed();
    eprintln!("[portal] {machine}; seed {seed} (PREAU_BENCH_SEED={seed} to replay)");
    let mut rng = Rng(seed);
    let b = BenchBox::start(DemoPlan::full()).await;
    let app = &b.t.app;
    let dir = app.directory();
    let head: Subject = subject(app, b.t.school.headteacher.as_ref().unwrap().user.id);
    let calendar = app.booking_settings().expect("settings").calendar;
    let is_open = |d: Date| {
        calendar
            .day_closure(d.to_string().parse().expect("date"))
            .is_none()
    };
    let today = paris_today();
    let year_start = {
        let year = if today.month() >= Month::August {
            today.year()
        } else {
            today.year() - 1
        };
        Date::from_calendar_date(year, Month::September, 1).expect("date")
    };
    let year_end = Date::from_calendar_date(year_start.year() + 1, Month::June, 30).expect("date");

    // ---- the cahier de textes: weekly sessions with homework, by a teacher of each class
    let started = Instant::now();
    // Per class, the seeded homework: (due day, title).
    let mut homework: HashMap<ClassId, Vec<(String, String)>> = HashMap::new();
    let mut per_class = Vec::new();
    for class in &b.t.school.classes {
        let teacher = subject(app, class.teachers[0]);
        let mut made = 0usize;
        let mut k = 0usize;
        while made < ENTRIES_PER_CLASS {
            let (weekday, day_name, gap) = DAYS[k % DAYS.len()];
            let topic = match k / SUBJECTS.len() {
                0 => SUBJECTS[k].to_owned(),
                n => format!("{} {}", SUBJECTS[k % SUBJECTS.len()], n + 1),
            };
            let title = format!("{topic} — séance du {day_name}");
            let mut first = year_start;
            while first.weekday() != weekday || !is_open(first) {
                first += time::Duration::days(1);
            }
            let mut due = first + time::Duration::days(gap);
            while !is_open(due) {
                due += time::Duration::days(1);
            }
            let entries = app
                .write_logbook_entry(
                    &teacher,
                    class.id,
                    &EntryForm {
                        date: first.to_string(),
                        title: title.clone(),
                        done: format!(
                            "<p>{topic} : reprise de la séance précédente, exercices au tableau puis en autonomie, correction collective.</p>"
                        ),
                        homework: format!(
                            "<p>Relire la leçon de {topic} et terminer les exercices du cahier du jour (page {}).</p>",
                            1 + rng.below(120)
                        ),
                        due: due.to_string(),
                        repeat_until: year_end.to_string(),
                        ..EntryForm::default()
                    },
                )
                .expect("logbook entry");
            made += entries.len();
            let list = homework.entry(class.id).or_default();
            for e in &entries {
                if let Some(h) = &e.homework {
                    list.push((h.due.to_string(), e.title.clone()));
                }
            }
            k += 1;
        }
        per_class.push((class.name.clone(), made, k));
    }
    let entries_total: usize = per_class.iter().map(|(_, n, _)| n).sum();
    let logbook_time = started.elapsed();
    eprintln!(
        "[portal] {entries_total} cahier de textes entries in {:.1} s",
        logbook_time.as_secs_f64()
    );

    // ---- news, published from September to now (clock moved)
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let year_start_at = unix_at(year_start, 8).min(now - 30 * 24 * 3600);
    let news_items: Vec<(&str, NewsAudience, bool)> = vec![
        (
            "Rentrée : horaires et calendrier",
            NewsAudience::Families,
            true,
        ),
        ("Réunion de l'équipe", NewsAudience::Team, false),
        (
            "Sortie à la ferme pédagogique",
            NewsAudience::ClassFamilies(b.t.school.classes[0].id),
            false,
        ),
        ("Menus de la cantine", NewsAudience::Families, false),
        (
            "Classe de découverte : réunion d'information",
            NewsAudience::ClassFamilies(b.t.school.classes[4].id),
            false,
        ),
        ("Fête de l'école", NewsAudience::Families, false),
    ];
    let news_count = news_items.len();
    for (i, (title, audience, pinned)) in news_items.into_iter().enumerate() {
        b.set_now(year_start_at + (now - 3600 - year_start_at) * i as i64 / news_count as i64);
        app.publish_news(
            &head,
            &NewsForm {
                title: title.into(),
                body: format!(
                    "<p>{title}. Les détails sont dans le cahier de liaison ; n'hésitez pas à écrire à l'équipe.</p>"
                ),
                audience: Some(audience),
                pinned,
                ..NewsForm::default()
            },
            &[],
        )
        .expect("news");
    }

    // ---- 2 000 messages between teachers and parents of their pupils (clock moved)
    let started = Instant::now();
    let pupils: Vec<&DemoAccount> =
        b.t.school
            .pupils
            .iter()
            .filter(|p| !p.user.guardians.is_empty())
            .collect();
    let step = ((now - 3600 - year_start_at) / MESSAGES as i64).max(120);
    let mut open: Vec<(ConversationId, [Subject; 2], usize, usize)> = Vec::new();
    let (mut conversations, mut replies) = (0usize, 0usize);
    let mut senders = BTreeSet::new();
    for m in 0..MESSAGES {
        b.set_now(year_start_at + step * m as i64);
        // Reply in an open conversation two times out of three, or start one.
        if !open.is_empty() && rng.below(3) > 0 {
            let i = rng.below(open.len());
            let (id, people, turn, left) = &mut open[i];
            let from = &people[*turn % 2];
            app.reply(
                from,
                *id,
                &format!(
                    "<p>Merci pour votre message. {} Bonne journée.</p>",
                    if *turn % 2 == 0 {
                        "Nous en reparlerons à la sortie de l'école si vous le souhaitez."
                    } else {
                        "C'est noté, nous ferons le nécessaire à la maison."
                    }
                ),
                &[],
                &[],
            )
            .expect("reply");
            senders.insert(from.user);
            replies += 1;
            *turn += 1;
            *left -= 1;
            if *left == 0 {
                open.swap_remove(i);
            }
            continue;
        }
        let pupil = pupils[rng.below(pupils.len())];
        let parent_id = pupil.user.guardians[rng.below(pupil.user.guardians.len())];
        let class = pupil.user.classes[0];
        let teachers = dir.teachers_of(class);
        let teacher = subject(app, teachers[rng.below(teachers.len())].id);
        let parent = subject(app, parent_id);
        let by_teacher = rng.below(10) < 7;
        let (from, to) = if by_teacher {
            (teacher.clone(), parent.clone())
        } else {
            (parent.clone(), teacher.clone())
        };
        let started = app
            .send_message(
                &from,
                &NewMessage {
                    to: vec![to.user],
                    subject: format!("À propos de {}", pupil.user.first_name),
                    body: format!(
                        "<p>Bonjour,</p><p>Je vous écris au sujet de {} : le travail de la semaine, le matériel à apporter et la sortie prévue. Pouvez-vous me répondre ?</p>",
                        pupil.user.first_name
                    ),
                },
                &[],
                &[],
            )
            .expect("message");
        senders.insert(from.user);
        conversations += 1;
        let left = rng.below(6);
        if left > 0 {
            open.push((started[0].id, [to, from], 0, left));
        }
    }
    b.real_time();
    let messages_time = started.elapsed();
    eprintln!(
        "[portal] {MESSAGES} messages ({conversations} conversations) in {:.1} s",
        messages_time.as_secs_f64()
    );

    // ---- 32 parents: activation codes from the headteacher, activated over HTTPS
    let started = Instant::now();
    let mut chosen: Vec<UserId> = Vec::new();
    for p in &b.t.school.parents {
        chosen.push(p.user.id);
    }
    let by_class: Vec<Vec<&DemoAccount>> =
        b.t.school
            .classes
            .iter()
            .map(|c| {
                pupils
                    .iter()
                    .copied()
                    .filter(|p| p.user.classes.contains(&c.id))
                    .collect()
            })
            .collect();
    let mut round = 0usize;
    while chosen.len() < PARENT_CLIENTS {
        let mut added = false;
        for class in &by_class {
            if let Some(p) = class.get(round)
                && chosen.len() < PARENT_CLIENTS
                && !chosen.contains(&p.user.guardians[0])
            {
                chosen.push(p.user.guardians[0]);
                added = true;
            }
        }
        round += 1;
        assert!(added || round < 100, "not enough parents in the demo");
    }
    // ISO dates compare as strings.
    let (window_from, window_to) = (
        today.to_string(),
        (today + time::Duration::days(7)).to_string(),
    );
    let in_window = |due: &String| *due > window_from && *due < window_to;
    let mut parents = Vec::new();
    for id in &chosen {
        let user = dir.user(*id).expect("parent").clone();
        let client = if b.t.school.parents.iter().any(|p| p.user.id == *id) {
            b.sign_in(&user.login, DEMO_PASSWORD).await
        } else {
            let Handover::ActivationCode(code) = app.reset_credentials(&head, *id).expect("code")
            else {
                panic!("a parent gets an activation code");
            };
            activate(&b, &user.login, &code).await
        };
        let titles: BTreeSet<String> = dir
            .children_of(*id)
            .iter()
            .flat_map(|child| child.classes.iter())
            .flat_map(|c| homework.get(c).into_iter().flatten())
            .filter(|(due, _)| in_window(due))
            .map(|(_, t)| t.clone())
            .collect();
        parents.push(Reader {
            client,
            greeting: format!("Bonjour {} !", user.first_name),
            titles: titles.into_iter().collect(),
        });
    }
    // A pupil's portal shows the homework due today and on the next school day.
    let next_open = {
        let mut d = today + time::Duration::days(1);
        while !is_open(d) {
            d += time::Duration::days(1);
        }
        d.to_string()
    };
    let today_text = today.to_string();
    let mut pupil_readers = Vec::new();
    for i in 0..PUPIL_CLIENTS {
        let class = &by_class[i % by_class.len()];
        let pupil = class[i / by_class.len()];
        let titles: BTreeSet<String> = pupil
            .user
            .classes
            .iter()
            .flat_map(|c| homework.get(c).into_iter().flatten())
            .filter(|(due, _)| *due >= today_text && *due <= next_open)
            .map(|(_, t)| t.clone())
            .collect();
        pupil_readers.push(Reader {
            client: b.pupil(pupil).await,
            greeting: format!("Bonjour {} !", pupil.user.first_name),
            titles: titles.into_iter().collect(),
        });
    }
    let sign_in_time = started.elapsed();
    eprintln!(
        "[portal] {} parents and {} pupils signed in in {:.1} s",
        parents.len(),
        pupil_readers.len(),
        sign_in_time.as_secs_f64()
    );

    // ---- the portals
    load(&b.t.base, &parents, PARENT_WARM_UP).await;
    let parent_run = load(&b.t.base, &parents, PARENT_GETS).await;
    load(&b.t.base, &pupil_readers, PUPIL_WARM_UP).await;
    let pupil_run = load(&b.t.base, &pupil_readers, PUPIL_GETS).await;

    // ---- report
    println!("parent portal benchmark — {machine}");
    println!("command: cargo bench -p preau-tests --bench portal (seed {seed})");
    println!(
        "school: the full demo ({} classes, {} pupils); seeded through the App before any measured request:",
        b.t.school.classes.len(),
        b.t.school.pupils.len()
    );
    println!(
        "  cahier de textes: {entries_total} entries with homework ({}) from {year_start} to {year_end}, weekly series by a teacher of each class, in {:.1} s",
        per_class
            .iter()
            .map(|(_, n, _)| n.to_string())
            .collect::<Vec<_>>()
            .join(" / "),
        logbook_time.as_secs_f64()
    );
    println!(
        "  messages: {MESSAGES} ({conversations} conversations teacher–parent, {replies} replies; {} distinct senders) through send_message/reply, one every {} min of a moved clock, in {:.1} s",
        senders.len(),
        step / 60,
        messages_time.as_secs_f64()
    );
    println!(
        "  news: {news_count} items (families, a class's families, the team; one pinned) through publish_news"
    );
    println!(
        "  {} distinct parents signed in ({} activated with a code from the headteacher), {} pupils with their picture code, in {:.1} s",
        parents.len(),
        parents.len() - b.t.school.parents.len(),
        pupil_readers.len(),
        sign_in_time.as_secs_f64()
    );
    println!(
        "{}",
        describe(
            "parent portal GET /",
            PARENT_CLIENTS,
            PARENT_WARM_UP,
            &parent_run
        )
    );
    println!(
        "{}",
        describe(
            "pupil portal GET /",
            PUPIL_CLIENTS,
            PUPIL_WARM_UP,
            &pupil_run
        )
    );
    for f in parent_run
        .failures
        .iter()
        .chain(&pupil_run.failures)
        .take(5)
    {
        println!("  failure: {f}");
    }
    let complete = parent_run.times.0.len() == PARENT_GETS && pupil_run.times.0.len() == PUPIL_GETS;
    if !complete {
        println!("the run was cut short by the {PHASE_LIMIT:?} phase limit");
    }
    if !parent_run.failures.is_empty() || !pupil_run.failures.is_empty() || !complete {
        return ExitCode::FAILURE;
    }
    if parent_run.times.ms(0.99) <= TARGET_P99_MS && pupil_run.times.ms(0.99) <= TARGET_P99_MS {
        println!("target met");
    } else {
        println!("target MISSED");
    }
    ExitCode::SUCCESS
}
