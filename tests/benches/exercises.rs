//! The exercises module's performance budget (issue 10), measured over real HTTPS and printed.
//!
//! Run with `cargo bench -p preau-tests --bench exercises`. In one process it starts what the
//! test harness starts (the real server, a real redb file with durable commits, real TLS on
//! 127.0.0.1, the small demo school whose CP has 30 pupils), with a movable clock: the system
//! clock plus an offset the bench sets (0 while the pupils answer). Then:
//!
//! 1. 30 pupils pressing « Valider » at the same moment: the CP's teacher sets (through the
//!    `App` in the same process, not measured) a training task of one fill-in-the-blanks
//!    exercise of 10 questions to the whole class; the 30 pupils sign in over HTTPS with their
//!    picture codes, open the task and `POST …/commencer`; then, for each question, the 30
//!    clients wait on a barrier and all `POST /exercices/travail/{id}/repondre` at once. One
//!    answer in three is wrong (pupil and question drawn in turn): the feedback must say « pas
//!    tout à fait », the pupil reopens the question and answers right; a right answer's
//!    feedback must say « Bravo ». The 300 simultaneous submissions are measured (p50 / p99 /
//!    max, and answers per second within the bursts); retries and question pages are counted
//!    apart. At the end every pupil's round must be finished with the expected score;
//! 2. the teacher's grid over a school year: 36 school weeks from September (holidays
//!    skipped, zone C) × 4 tasks = 144 tasks, each a sequence of 2 exercises × 5 questions
//!    (the five kinds in turn; the fourth task of a week in assessment mode, the others in
//!    training), set to the CP with the week's dates, and for every pupil and task a finished
//!    round (30 × 144 × 10 = 43 200 first answers; in training a wrong answer is followed by
//!    a right one), each pupil right with their own probability (45 % to 95 %, draws from the
//!    printed seed). All seeded through the use cases (`create_sequence`, `add_exercise`,
//!    `save_question`, `set_task`, `start_round`, `answer`: one durable transaction each),
//!    the clock moved to each week; the seeding time is printed. Then, the clock on the last
//!    school day, the class's teacher signs in and loads `GET /exercices/classe/{id}?tout=1` 200
//!    times one after the other (after 20 warm-up requests), each checked 200 with the full
//!    grid table (30 rows, one cell per pupil and exercise), and the CSV export
//!    `GET /exercices/classe/{id}/resultats.csv` 50 times (after 5), checked 200 with one
//!    line per pupil; p50 / p99 / max and sizes, and the in-process `class_grid` time.
//!
//! Targets (ours, on this 2-core machine where client and server share the cores): answer
//! p99 ≤ 500 ms under the 30-pupil burst; grid page p99 ≤ 1 s. The bench fails when a target
//! is missed or any request fails. Every wait is bounded: each request has a 30 s timeout,
//! each phase a deadline.

use futures_util::future::join_all;
use preau_app::demo::{DemoAccount, DemoPlan};
use preau_app::exercises::{ExerciseForm, Feedback, QuestionForm, SequenceForm, Step, TaskForm};
use preau_core::{Given, SequenceId, Subject, TaskId};
use preau_tests::bench_box::{BenchBox, bench_seed, paris_today, unix_at};
use preau_tests::extract_csrf;
use preau_tests::files::subject;
use preau_tests::measure::{Latencies, Rng};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::{Date, Month, Weekday};
use tokio::sync::Barrier;

const PUPILS: usize = 30;
const LIVE_QUESTIONS: usize = 10;
const WEEKS: usize = 36;
const TASKS_PER_WEEK: usize = 4;
const EXERCISES_PER_TASK: usize = 2;
const QUESTIONS_PER_EXERCISE: usize = 5;
const GRID_WARM_UP: usize = 20;
const GRID_GETS: usize = 200;
const CSV_WARM_UP: usize = 5;
const CSV_GETS: usize = 50;
const PHASE_LIMIT: Duration = Duration::from_secs(300);

// Targets (ours: the issue asks for the figures).
const TARGET_ANSWER_P99_MS: f64 = 500.0;
const TARGET_GRID_P99_MS: f64 = 1_000.0;

/// The live exercise's sentences: the text with its blank, and the word in the blank.
const SENTENCES: [(&str, &str); LIVE_QUESTIONS] = [
    ("Le chat [mange] la souris.", "mange"),
    ("Le chien [court] dans le jardin.", "court"),
    ("La maîtresse [lit] une histoire.", "lit"),
    ("Les oiseaux [chantent] le matin.", "chantent"),
    ("Je [suis] en classe de CP.", "suis"),
    ("Nous [allons] à la piscine.", "allons"),
    ("Le soleil [brille] dans le ciel.", "brille"),
    ("Tu [as] un beau cartable.", "as"),
    ("Les enfants [jouent] dans la cour.", "jouent"),
    ("Papa [prépare] le repas.", "prépare"),
];
const PAIRS: [(&str, &str); 6] = [
    ("chien", "niche"),
    ("oiseau", "nid"),
    ("abeille", "ruche"),
    ("lapin", "terrier"),
    ("cheval", "écurie"),
    ("poule", "poulailler"),
];
const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const TOPICS: [&str; 8] = [
    "Les sons",
    "Compter jusqu'à 100",
    "Les animaux",
    "Le calendrier",
    "Additions",
    "Lire des phrases",
    "Doubles et moitiés",
    "Le vivant",
];

/// A question of the `kind`-th kind (`trous`, `qcm`, `relier`, `ordre`, `reponse`), varied
/// by `n`: its form, a right answer and a wrong one.
fn question(kind: usize, n: usize) -> (QuestionForm, Given, Given) {
    let mut form = QuestionForm {
        hint: "Relis la leçon.".into(),
        case_forgiven: true,
        ..QuestionForm::default()
    };
    let (right, wrong) = match kind % 5 {
        0 => {
            let (text, word) = SENTENCES[n % SENTENCES.len()];
            form.kind = "trous".into();
            form.prompt = "Complète la phrase.".into();
            form.answers = text.into();
            (
                Given::Blanks(vec![word.into()]),
                Given::Blanks(vec!["pomme".into()]),
            )
        }
        1 => {
            let (a, b) = (2 + n % 8, 3 + (n / 8) % 7);
            let sum = a + b;
            form.kind = "qcm".into();
            form.prompt = format!("Combien font {a} + {b} ?");
            form.answers = format!("{}\n* {sum}\n{}", sum - 1, sum + 1);
            (Given::Choice(vec![1]), Given::Choice(vec![0]))
        }
        2 => {
            let start = n % (PAIRS.len() - 2);
            form.kind = "relier".into();
            form.prompt = "Relie chaque animal à sa maison.".into();
            form.answers = PAIRS[start..start + 3]
                .iter()
                .map(|(l, r)| format!("{l} = {r}"))
                .collect::<Vec<_>>()
                .join("\n");
            (
                Given::Matching(vec![Some(0), Some(1), Some(2)]),
                Given::Matching(vec![Some(1), Some(0), Some(2)]),
            )
        }
        3 => {
            let start = n % (DAYS.len() - 2);
            form.kind = "ordre".into();
            form.prompt = "Remets les jours dans l'ordre.".into();
            form.answers = DAYS[start..start + 3].join("\n");
            (Given::Order(vec![0, 1, 2]), Given::Order(vec![1, 0, 2]))
        }
        _ => {
            let (a, b) = (2 + n % 5, 2 + (n / 5) % 5);
            form.kind = "reponse".into();
            form.prompt = format!("Combien font {a} × {b} ?");
            form.answers = (a * b).to_string();
            form.numeric = true;
            (
                Given::Short((a * b).to_string()),
                Given::Short((a * b + 1).to_string()),
            )
        }
    };
    (form, right, wrong)
}

/// Creates a sequence of exercises, each `(title, kind, first n)` with `questions`
/// questions; returns it with the right and wrong answers of each question.
fn sequence(
    app: &preau_app::App,
    teacher: &Subject,
    title: &str,
    exercises: &[(String, usize, usize)],
    questions: usize,
) -> (SequenceId, Vec<Vec<(Given, Given)>>) {
    let sequence = app
        .create_sequence(
            teacher,
            &SequenceForm {
                title: title.into(),
                lesson: format!("<p>{title} : relis bien la leçon avant de commencer.</p>"),
                ..SequenceForm::default()
            },
        )
        .expect("sequence");
    let mut answers = Vec::new();
    for (exercise_title, kind, first) in exercises {
        let exercise = app
            .add_exercise(
                teacher,
                sequence.id,
                &ExerciseForm {
                    title: exercise_title.clone(),
                    instruction: "Lis bien la question.".into(),
                    ..ExerciseForm::default()
                },
            )
            .expect("exercise");
        let mut list = Vec::new();
        for n in 0..questions {
            let (form, right, wrong) = question(*kind, first + n);
            app.save_question(teacher, exercise.id, None, &form, None, None)
                .expect("question");
            list.push((right, wrong));
        }
        answers.push(list);
    }
    (sequence.id, answers)
}

/// What one pupil's client saw during the live burst.
#[derive(Default)]
struct LiveRun {
    /// Per measured submission: question, when it was sent, how long it took.
    measured: Vec<(usize, Instant, Duration)>,
    /// Wrong answers sent among the measured ones.
    wrong: usize,
    /// The other requests: question pages and retries.
    others: Vec<Duration>,
    failures: Vec<String>,
}

/// Whether pupil `index` answers question `q` of the burst wrong first (one in three).
fn wrong_first(index: usize, q: usize) -> bool {
    (index + q).is_multiple_of(3)
}

/// A pupil's GET of the task page (a question or the results), which must hold `expect`.
async fn task_page(
    client: &reqwest::Client,
    page: &str,
    expect: &str,
    index: usize,
    run: &mut LiveRun,
) {
    let t = Instant::now();
    match client.get(page).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            run.others.push(t.elapsed());
            if status != 200 || !body.contains(expect) {
                run.failures
                    .push(format!("pupil {index}: {status} on the task page"));
            }
        }
        Err(e) => run.failures.push(format!("pupil {index}: {e}")),
    }
}

/// One pupil: starts the task, then answers each question when the barrier lets everyone go.
async fn live_pupil(
    client: reqwest::Client,
    base: String,
    task: TaskId,
    index: usize,
    barrier: Arc<Barrier>,
) -> LiveRun {
    let mut run = LiveRun::default();
    let page = format!("{base}/exercices/travail/{task}");
    let answer_url = format!("{base}/exercices/travail/{task}/repondre");
    // The lesson page, then « Commencer » and the first question.
    let csrf = match client.get(&page).send().await {
        Ok(r) => extract_csrf(&r.text().await.unwrap_or_default()).unwrap_or_default(),
        Err(e) => {
            run.failures.push(format!("lesson page: {e}"));
            String::new()
        }
    };
    match client
        .post(format!("{base}/exercices/travail/{task}/commencer"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
    {
        Ok(r) if r.status() == 303 => {}
        Ok(r) => run.failures.push(format!("start: {}", r.status())),
        Err(e) => run.failures.push(format!("start: {e}")),
    }
    task_page(&client, &page, "name=\"trou\"", index, &mut run).await;
    for (q, (_, word)) in SENTENCES.iter().enumerate() {
        let wrong = wrong_first(index, q);
        let send = |given: &str| {
            let fields = [
                ("_csrf", csrf.clone()),
                ("tour", "0".to_owned()),
                ("exercice", "0".to_owned()),
                ("question", q.to_string()),
                ("type", "trous".to_owned()),
                ("trou", given.to_owned()),
            ];
            client.post(&answer_url).form(&fields).send()
        };
        if tokio::time::timeout(PHASE_LIMIT, barrier.wait())
            .await
            .is_err()
        {
            run.failures.push(format!("pupil {index}: barrier timeout"));
            break;
        }
        let t = Instant::now();
        let sent = send(if wrong { "pomme" } else { word }).await;
        let expected = if wrong { "pas tout à fait" } else { "Bravo" };
        match sent {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                run.measured.push((q, t, t.elapsed()));
                if status != 200 || !body.contains(expected) {
                    run.failures.push(format!(
                        "pupil {index}, question {q}: {status}, « {expected} » expected"
                    ));
                }
            }
            Err(e) => run
                .failures
                .push(format!("pupil {index}, question {q}: {e}")),
        }
        if wrong {
            run.wrong += 1;
            // « Réessayer »: the same question again, then the right word.
            task_page(&client, &page, "name=\"trou\"", index, &mut run).await;
            let t = Instant::now();
            match send(word).await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    run.others.push(t.elapsed());
                    if status != 200 || !body.contains("Bravo") {
                        run.failures
                            .push(format!("pupil {index}, retry of {q}: {status}"));
                    }
                }
                Err(e) => run.failures.push(format!("pupil {index}, retry: {e}")),
            }
        }
        // « Question suivante » or, after the last one, « Voir mes résultats ».
        let next = if q + 1 < LIVE_QUESTIONS {
            "name=\"trou\""
        } else {
            "Tu as trouvé"
        };
        task_page(&client, &page, next, index, &mut run).await;
    }
    run
}

/// Sequential GETs of `url`: latencies, sizes, failures (checked by `check`).
async fn gets(
    client: &reqwest::Client,
    url: &str,
    count: usize,
    check: impl Fn(u16, &str) -> Option<String>,
) -> (Latencies, Vec<usize>, Vec<String>) {
    let deadline = Instant::now() + PHASE_LIMIT;
    let (mut times, mut sizes, mut failures) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..count {
        if Instant::now() > deadline {
            failures.push("phase limit reached".to_owned());
            break;
        }
        let t = Instant::now();
        match client.get(url).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.text().await.unwrap_or_default();
                times.push(t.elapsed());
                sizes.push(body.len());
                if let Some(f) = check(status, &body) {
                    failures.push(f);
                }
            }
            Err(e) => failures.push(format!("{e}")),
        }
    }
    (Latencies(times), sizes, failures)
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
    eprintln!("[exercises] {machine}; seed {seed} (PREAU_BENCH_SEED={seed} to replay)");
    let mut rng = Rng(seed);
    let b = BenchBox::start(DemoPlan::small()).await;
    let app = b.t.app.clone();
    let class = b.t.school.classes[0].clone();
    let teacher_account =
        b.t.school
            .teachers
            .iter()
            .find(|t| t.user.id == class.teachers[0])
            .expect("the CP's teacher")
            .clone();
    let teacher = subject(&app, teacher_account.user.id);
    let pupils: Vec<DemoAccount> =
        b.t.school
            .pupils
            .iter()
            .filter(|p| p.user.classes.contains(&class.id))
            .cloned()
            .collect();
    assert_eq!(pupils.len(), PUPILS, "the demo's CP has {PUPILS} pupils");
    let pupil_subjects: Vec<Subject> = pupils.iter().map(|p| subject(&app, p.user.id)).collect();
    let audience = format!("classe-{}", class.id);
    let mut failed = false;

    // ---- 1. 30 pupils pressing « Valider » at the same moment
    let (live_sequence, _) = sequence(
        &app,
        &teacher,
        "Le présent des verbes",
        &[("Compléter les phrases".into(), 0, 0)],
        LIVE_QUESTIONS,
    );
    let live_task = app
        .set_task(
            &teacher,
            live_sequence,
            class.id,
            &TaskForm {
                audience: audience.clone(),
                due: (paris_today() + time::Duration::days(7)).to_string(),
                mode: "entrainement".into(),
                ..TaskForm::default()
            },
        )
        .expect("live task");
    let started = Instant::now();
    let mut clients = Vec::new();
    for p in &pupils {
        clients.push(b.pupil(p).await);
    }
    let sign_in_time = started.elapsed();
    let barrier = Arc::new(Barrier::new(PUPILS));
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, client)| {
            tokio::spawn(live_pupil(
                client,
                b.t.base.clone(),
                live_task.id,
                i,
                barrier.clone(),
            ))
        })
        .collect();
    let live: Vec<LiveRun> = match tokio::time::timeout(PHASE_LIMIT, join_all(handles)).await {
        Ok(results) => results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|e| LiveRun {
                    failures: vec![format!("client task: {e}")],
                    ..LiveRun::default()
                })
            })
            .collect(),
        Err(_) => vec![LiveRun {
            failures: vec![format!("the burst phase passed its {PHASE_LIMIT:?} limit")],
            ..LiveRun::default()
        }],
    };
    let answer_times = Latencies(
        live.iter()
            .flat_map(|r| r.measured.iter().map(|m| m.2))
            .collect(),
    );
    let other_times = Latencies(live.iter().flat_map(|r| r.others.clone()).collect());
    let wrong_sent: usize = live.iter().map(|r| r.wrong).sum();
    let mut live_failures: Vec<String> = live.iter().flat_map(|r| r.failures.clone()).collect();
    // Each burst: from the first answer sent to the last feedback received.
    let bursts: Vec<Duration> = (0..LIVE_QUESTIONS)
        .filter_map(|q| {
            let of_q: Vec<(Instant, Duration)> = live
                .iter()
                .flat_map(|r| r.measured.iter())
                .filter(|m| m.0 == q)
                .map(|m| (m.1, m.2))
                .collect();
            let first = of_q.iter().map(|m| m.0).min()?;
            let last = of_q.iter().map(|m| m.0 + m.1).max()?;
            Some(last - first)
        })
        .collect();
    let burst_total: Duration = bursts.iter().sum();
    let slowest_burst = bursts.iter().max().copied().unwrap_or_default();
    // Every pupil's round finished, first tries as sent.
    let mut scores_ok = 0usize;
    for (i, pupil) in pupil_subjects.iter().enumerate() {
        let wrongs = (0..LIVE_QUESTIONS).filter(|q| wrong_first(i, *q)).count();
        match app.step(pupil, live_task.id) {
            Ok(Step::Finished { score, found, .. })
                if score == (LIVE_QUESTIONS - wrongs, LIVE_QUESTIONS)
                    && found == LIVE_QUESTIONS =>
            {
                scores_ok += 1
            }
            Ok(_) => live_failures.push(format!("pupil {i}: round not finished as sent")),
            Err(e) => live_failures.push(format!("pupil {i}: {e:?}")),
        }
    }
    eprintln!(
        "[exercises] burst: {} answers, {}",
        answer_times.0.len(),
        answer_times.line(1)
    );

    // ---- 2. a school year of tasks and answers, through the App (clock moved)
    let calendar = app.booking_settings().expect("settings").calendar;
    let is_open = |d: Date| {
        calendar
            .day_closure(d.to_string().parse().expect("date"))
            .is_none()
    };
    let year_start = {
        let t = paris_today();
        let year = if t.month() >= Month::August {
            t.year()
        } else {
            t.year() - 1
        };
        Date::from_calendar_date(year, Month::September, 1).expect("date")
    };
    let mut weeks: Vec<Vec<Date>> = Vec::new();
    let mut monday = year_start;
    while monday.weekday() != Weekday::Monday {
        monday -= time::Duration::days(1);
    }
    while weeks.len() < WEEKS {
        let days: Vec<Date> = (0..5)
            .map(|d| monday + time::Duration::days(d))
            .filter(|d| *d >= year_start && is_open(*d))
            .collect();
        if !days.is_empty() {
            weeks.push(days);
        }
        monday += time::Duration::weeks(1);
    }
    let abilities: Vec<usize> = (0..PUPILS).map(|i| 45 + 50 * i / (PUPILS - 1)).collect();
    let started = Instant::now();
    let (mut first_answers, mut retries, mut right_first) = (0usize, 0usize, 0usize);
    let mut tasks = 0usize;
    for (w, days) in weeks.iter().enumerate() {
        for j in 0..TASKS_PER_WEEK {
            let t = w * TASKS_PER_WEEK + j;
            let day = days[j % days.len()];
            let due = *days.last().expect("a school day");
            let assessment = j == TASKS_PER_WEEK - 1;
            b.set_now(unix_at(days[0], 6) + 60 * j as i64);
            let topic = TOPICS[t % TOPICS.len()];
            let exercises: Vec<(String, usize, usize)> = (0..EXERCISES_PER_TASK)
                .map(|k| {
                    let kind = t * EXERCISES_PER_TASK + k;
                    (format!("{topic} — exercice {}", k + 1), kind, t)
                })
                .collect();
            let title = format!(
                "Semaine {} — {topic}{}",
                w + 1,
                if assessment { " (évaluation)" } else { "" }
            );
            let (sequence_id, answers) =
                sequence(&app, &teacher, &title, &exercises, QUESTIONS_PER_EXERCISE);
            let task = app
                .set_task(
                    &teacher,
                    sequence_id,
                    class.id,
                    &TaskForm {
                        audience: audience.clone(),
                        opens: day.to_string(),
                        due: due.to_string(),
                        mode: if assessment {
                            "evaluation"
                        } else {
                            "entrainement"
                        }
                        .into(),
                        ..TaskForm::default()
                    },
                )
                .expect("task");
            tasks += 1;
            for (p, pupil) in pupil_subjects.iter().enumerate() {
                let at = unix_at(day, 8) + 300 * p as i64;
                b.set_now(at);
                app.start_round(pupil, task.id).expect("start round");
                let mut step = 0i64;
                let mut last = None;
                for (e, list) in answers.iter().enumerate() {
                    for (q, (right, wrong)) in list.iter().enumerate() {
                        let ok = rng.below(100) < abilities[p];
                        step += 1;
                        b.set_now(at + 10 * step);
                        let given = if ok { right } else { wrong };
                        last = Some(
                            app.answer(pupil, task.id, (0, e, q), given.clone())
                                .expect("answer"),
                        );
                        first_answers += 1;
                        if ok {
                            right_first += 1;
                        } else if !assessment {
                            step += 1;
                            b.set_now(at + 10 * step);
                            last = Some(
                                app.answer(pupil, task.id, (0, e, q), right.clone())
                                    .expect("retry"),
                            );
                            retries += 1;
                        }
                    }
                }
                let finished = matches!(
                    last,
                    Some(
                        Feedback::Right { finished: true }
                            | Feedback::Recorded { finished: true }
                            | Feedback::Wrong { finished: true, .. }
                    )
                );
                assert!(finished, "the seeded round is finished");
            }
        }
        if (w + 1).is_multiple_of(6) {
            eprintln!(
                "[exercises] seeded {} weeks ({tasks} tasks, {first_answers} answers) in {:.1} s",
                w + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let seeding = started.elapsed();
    let last_day = *weeks
        .last()
        .and_then(|d| d.last())
        .expect("a last school day");
    b.set_now(unix_at(last_day, 16));

    // ---- the teacher's grid and CSV
    let grid = app.class_grid(&teacher, class.id).expect("grid");
    let (rows, columns) = (grid.rows.len(), grid.columns.len());
    let help = grid.help.len();
    let reasons: usize = grid.help.iter().map(|(_, why)| why.len()).sum();
    let mut in_process = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        app.class_grid(&teacher, class.id).expect("grid");
        in_process.push(t.elapsed());
    }
    let grid_in_process = Latencies(in_process);
    let teacher_client = b
        .sign_in(
            &teacher_account.user.login,
            teacher_account.password.as_deref().unwrap_or_default(),
        )
        .await;
    let grid_url = b.url(&format!("/exercices/classe/{}?tout=1", class.id));
    let csv_url = b.url(&format!("/exercices/classe/{}/resultats.csv", class.id));
    let check_grid = |status: u16, body: &str| {
        let row_count = body.matches("<th scope=\"row\">").count();
        let cells = body.matches("<td class=\"cell-").count();
        (status != 200
            || !body.contains("results-grid")
            || row_count != rows
            || cells != rows * columns)
            .then(|| format!("grid: {status}, {row_count} rows, {cells} cells"))
    };
    let check_csv = |status: u16, body: &str| {
        let lines = body.lines().filter(|l| !l.trim().is_empty()).count();
        (status != 200 || lines != rows + 1).then(|| format!("CSV: {status}, {lines} lines"))
    };
    let (_, _, warm_failures) = gets(&teacher_client, &grid_url, GRID_WARM_UP, check_grid).await;
    let (grid_times, grid_sizes, grid_failures) =
        gets(&teacher_client, &grid_url, GRID_GETS, check_grid).await;
    let (_, _, csv_warm_failures) = gets(&teacher_client, &csv_url, CSV_WARM_UP, check_csv).await;
    let (csv_times, csv_sizes, csv_failures) =
        gets(&teacher_client, &csv_url, CSV_GETS, check_csv).await;

    // ---- report
    let answer_p99 = if answer_times.0.is_empty() {
        f64::INFINITY
    } else {
        answer_times.ms(0.99)
    };
    let grid_p99 = if grid_times.0.is_empty() {
        f64::INFINITY
    } else {
        grid_times.ms(0.99)
    };
    let total_writes_per_task = 1 + EXERCISES_PER_TASK * (1 + QUESTIONS_PER_EXERCISE) + 1;
    println!("exercises benchmark — {machine}");
    println!("command: cargo bench -p preau-tests --bench exercises (seed {seed})");
    println!(
        "30 pupils pressing \"Valider\" at the same moment: the CP's {PUPILS} pupils signed in with their picture codes in {:.1} s, started a training task of one fill-in-the-blanks exercise of {LIVE_QUESTIONS} questions; for each question all {PUPILS} POST their answer at once (barrier): {} answers ({wrong_sent} wrong, {} right at the first try): {} (target p99 ≤ {TARGET_ANSWER_P99_MS} ms, ours); a burst of {PUPILS} answers took {:.0} ms on average (slowest {:.0} ms) = {:.0} answers/s; {} other requests (question pages, retries after a wrong answer): {}; rounds finished with the expected score {scores_ok}/{PUPILS}; failures {}",
        sign_in_time.as_secs_f64(),
        answer_times.0.len(),
        answer_times.0.len() - wrong_sent.min(answer_times.0.len()),
        answer_times.line(1),
        burst_total.as_secs_f64() * 1e3 / bursts.len().max(1) as f64,
        slowest_burst.as_secs_f64() * 1e3,
        answer_times.0.len() as f64 / burst_total.as_secs_f64().max(1e-9),
        other_times.0.len(),
        if other_times.0.is_empty() {
            "none".to_owned()
        } else {
            other_times.line(1)
        },
        live_failures.len()
    );
    println!(
        "school year: {WEEKS} school weeks from {} to {last_day} × {TASKS_PER_WEEK} tasks = {tasks} tasks of {EXERCISES_PER_TASK} exercises × {QUESTIONS_PER_EXERCISE} questions (five kinds in turn; one task a week in assessment mode), set to the CP, and a finished round for every pupil and task: {first_answers} answers ({right_first} right at the first try) + {retries} retries in training, {} start_round, {} bank and task writes; seeded through the App (one durable transaction each) in {:.1} s",
        weeks[0][0],
        tasks * PUPILS,
        tasks * total_writes_per_task,
        seeding.as_secs_f64()
    );
    println!(
        "teacher's grid of the whole year GET /exercices/classe/{{id}}?tout=1, sequential, {} GETs (+{GRID_WARM_UP} warm-up): {} (target p99 ≤ {TARGET_GRID_P99_MS} ms, ours); {rows} rows × {columns} columns ({} tasks incl. the burst's), page {:.0} KB; {help} pupils listed as needing help ({reasons} reasons); class_grid in process {}; failures {}",
        grid_times.0.len(),
        grid_times.line(1),
        tasks + 1,
        grid_sizes.iter().max().copied().unwrap_or(0) as f64 / 1e3,
        grid_in_process.line(1),
        grid_failures.len() + warm_failures.len()
    );
    println!(
        "CSV export GET /exercices/classe/{{id}}/resultats.csv, sequential, {} GETs (+{CSV_WARM_UP} warm-up): {}; {:.0} KB; failures {}",
        csv_times.0.len(),
        csv_times.line(1),
        csv_sizes.iter().max().copied().unwrap_or(0) as f64 / 1e3,
        csv_failures.len() + csv_warm_failures.len()
    );
    let all_failures: Vec<&String> = live_failures
        .iter()
        .chain(&warm_failures)
        .chain(&grid_failures)
        .chain(&csv_warm_failures)
        .chain(&csv_failures)
        .collect();
    for f in all_failures.iter().take(5) {
        println!("  failure: {f}");
    }
    let complete = answer_times.0.len() == PUPILS * LIVE_QUESTIONS
        && grid_times.0.len() == GRID_GETS
        && csv_times.0.len() == CSV_GETS
        && scores_ok == PUPILS;
    if !complete {
        println!("the run is incomplete");
        failed = true;
    }
    if !all_failures.is_empty() {
        failed = true;
    }
    if answer_p99 <= TARGET_ANSWER_P99_MS && grid_p99 <= TARGET_GRID_P99_MS {
        println!("all targets met");
    } else {
        println!("some targets MISSED");
        failed = true;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
