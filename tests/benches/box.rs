//! The box's performance budget, measured on this machine and printed as a table.
//!
//! Run with `cargo bench -p preau-tests --bench box`. It measures, against the real `preau`
//! binary (`preau-box`, built in this crate) and the in-process harness:
//!
//! 1. the time from spawning `preau demo` (school already created) to the first HTTPS 200
//!    on `/connexion`, five times, and the idle resident memory after the last start;
//! 2. the signed-in portal (`GET /`) under 32 concurrent clients for 10 s;
//! 3. a burst of 30 pupils signing in with their picture code from one address.
//!
//! All traffic goes to 127.0.0.1; every loop is bounded in count and in time.

use preau_tests::{TestApp, extract_csrf};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The real command line, built by Cargo in this crate.
const BIN: &str = env!("CARGO_BIN_EXE_preau-box");
/// How many restarts of the reused school are timed.
const STARTS: usize = 5;
/// Polling interval while waiting for the first 200.
const POLL: Duration = Duration::from_millis(5);
/// The longest wait for a box to answer (first start creates the school).
const FIRST_START_LIMIT: Duration = Duration::from_secs(180);
/// The longest wait for a restart to answer.
const START_LIMIT: Duration = Duration::from_secs(30);
/// Idle time before reading the resident memory.
const IDLE: Duration = Duration::from_secs(2);
/// Concurrent portal clients.
const CLIENTS: usize = 32;
/// Portal warm-up and measurement windows.
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
/// Upper bound on any single portal request.
const REQUEST_LIMIT: Duration = Duration::from_secs(10);
/// Upper bound on signing the 32 portal clients in.
const SIGN_IN_LIMIT: Duration = Duration::from_secs(180);
/// Pupils in the sign-in burst.
const PUPILS: usize = 30;
/// Upper bound on the pupil burst (the target is 3 s).
const BURST_LIMIT: Duration = Duration::from_secs(60);
/// Demo adults used by the portal clients (all share the demo password).
const ADULTS: [&str; 6] = [
    "claire.dubois",
    "sophie.lambert",
    "julien.moreau",
    "aurelie.fontaine",
    "karim.benali",
    "helene.rousseau",
];
const DEMO_PASSWORD: &str = "preau-demo-2026";

// Targets.
const TARGET_START: Duration = Duration::from_secs(1);
const TARGET_RSS_MB: f64 = 40.0;
const TARGET_P99: Duration = Duration::from_millis(25);
const TARGET_BURST: Duration = Duration::from_secs(3);

/// A running `preau demo` process; stopped (SIGTERM, then SIGKILL) when dropped, panics included.
struct BoxProcess {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl BoxProcess {
    /// Spawns `preau demo` on `data_dir` with a fresh HTTPS port and no plain-HTTP port.
    fn spawn(data_dir: &Path, log: &Path) -> BoxProcess {
        let port = preau_tests::free_port();
        let stderr = File::create(log).expect("box log file");
        let child = Command::new(BIN)
            .arg("demo")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--port")
            .arg(port.to_string())
            .arg("--http-port")
            .arg("0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn preau-box demo");
        BoxProcess {
            child,
            port,
            log: log.to_path_buf(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Panics (with the box's log) if the process has exited.
    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            panic!("preau-box demo exited early ({status}):\n{log}");
        }
    }

    /// Polls `/connexion` every 5 ms until it answers 200; returns the time since `since`.
    async fn wait_ready(
        &mut self,
        client: &reqwest::Client,
        since: Instant,
        limit: Duration,
    ) -> Duration {
        let url = self.url("/connexion");
        loop {
            let attempt = client
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = attempt
                && response.status() == 200
            {
                return since.elapsed();
            }
            self.assert_alive();
            assert!(
                since.elapsed() < limit,
                "the box did not answer 200 on /connexion within {limit:?}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Stops the process: SIGTERM, up to 10 s for a clean exit, then SIGKILL.
    fn stop(&mut self) {
        preau_tests::stop_gently(&mut self.child);
    }
}

impl Drop for BoxProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A browser-like client for the demo box: accepts its self-signed certificate, keeps
/// cookies, follows no redirects.
fn insecure_client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_LIMIT)
        .build()
        .expect("client")
}

/// VmRSS of a process, in kB (as /proc reports it, i.e. KiB).
fn vm_rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

/// KiB to decimal megabytes.
fn kib_to_mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1_000_000.0
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    assert!(!sorted.is_empty(), "no samples");
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "OK" } else { "OVER" }
}

/// One row of the table.
fn row(figure: &str, measured: &str, target: &str, verdict: &str) {
    println!("  {figure:<50} {measured:>14}   {target:<12} {verdict}");
}

/// Part 1: creates the demo school once, then times `STARTS` restarts on it. Returns the
/// last (still running) box, the sorted start times and its idle RSS in KiB.
async fn starts(data_dir: &Path, logs: &Path) -> (BoxProcess, Vec<Duration>, u64) {
    eprintln!("[box] creating the demo school…");
    {
        let client = insecure_client();
        let started = Instant::now();
        let mut first = BoxProcess::spawn(data_dir, &logs.join("create.log"));
        let took = first.wait_ready(&client, started, FIRST_START_LIMIT).await;
        eprintln!("[box] demo school created and served in {}", ms(took));
        first.stop();
    }
    let mut times = Vec::with_capacity(STARTS);
    let mut last = None;
    for i in 0..STARTS {
        // Stop the previous box (its Drop waits for a clean exit) before timing the next.
        drop(last.take());
        let client = insecure_client();
        let started = Instant::now();
        let mut process = BoxProcess::spawn(data_dir, &logs.join(format!("start-{i}.log")));
        let took = process.wait_ready(&client, started, START_LIMIT).await;
        eprintln!("[box] start {}: first 200 after {}", i + 1, ms(took));
        times.push(took);
        last = Some(process);
    }
    let mut process = last.expect("at least one start");
    tokio::time::sleep(IDLE).await;
    process.assert_alive();
    let rss = vm_rss_kib(process.pid());
    times.sort();
    (process, times, rss)
}

/// Signs one portal client in with a password; panics unless the box answers 303.
async fn sign_in(process_url: &str, login: &str) -> reqwest::Client {
    let client = insecure_client();
    let page = client
        .get(format!("{process_url}/connexion"))
        .send()
        .await
        .expect("GET /connexion");
    assert_eq!(page.status(), 200, "GET /connexion");
    let html = page.text().await.expect("sign-in page");
    let token = extract_csrf(&html).expect("CSRF field on /connexion");
    let response = client
        .post(format!("{process_url}/connexion"))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", login),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("POST /connexion");
    assert_eq!(
        response.status(),
        303,
        "sign-in of {login} should redirect to the portal"
    );
    client
}

/// What the portal load gave.
struct PortalLoad {
    latencies: Vec<Duration>,
    errors: usize,
    window: Duration,
}

/// Part 2: 32 signed-in clients loop on `GET /` (2 s warm-up, 10 s measured).
async fn portal_load(process: &BoxProcess) -> PortalLoad {
    let base = process.url("");
    eprintln!("[box] signing {CLIENTS} portal clients in…");
    let mut signing = tokio::task::JoinSet::new();
    for i in 0..CLIENTS {
        let base = base.clone();
        let login = ADULTS[i % ADULTS.len()];
        signing.spawn(async move { sign_in(&base, login).await });
    }
    let clients: Vec<reqwest::Client> = tokio::time::timeout(SIGN_IN_LIMIT, signing.join_all())
        .await
        .expect("the 32 portal clients should sign in within the time limit");

    eprintln!(
        "[box] portal load: {} s warm-up, {} s measured…",
        WARM_UP.as_secs(),
        MEASURE.as_secs()
    );
    let home = process.url("/");
    let begin = Instant::now();
    let measure_from = begin + WARM_UP;
    let measure_until = measure_from + MEASURE;
    let mut tasks = tokio::task::JoinSet::new();
    for client in clients {
        let home = home.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut last_done = measure_from;
            loop {
                let sent = Instant::now();
                if sent >= measure_until {
                    break;
                }
                let ok = match client.get(&home).send().await {
                    Ok(response) if response.status() == 200 => response
                        .text()
                        .await
                        .map(|body| body.contains("Bonjour"))
                        .unwrap_or(false),
                    _ => false,
                };
                let done = Instant::now();
                if sent >= measure_from {
                    if ok {
                        latencies.push(done - sent);
                    } else {
                        errors += 1;
                    }
                    last_done = last_done.max(done);
                }
            }
            (latencies, errors, last_done)
        });
    }
    let bound = WARM_UP + MEASURE + REQUEST_LIMIT + Duration::from_secs(5);
    let results = tokio::time::timeout(bound, tasks.join_all())
        .await
        .expect("portal load should end in time");
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut last_done = measure_from;
    for (l, e, done) in results {
        latencies.extend(l);
        errors += e;
        last_done = last_done.max(done);
    }
    latencies.sort();
    PortalLoad {
        latencies,
        errors,
        window: last_done - measure_from,
    }
}

/// Part 3: 30 pupils of the CP sign in with their picture code at once, from 127.0.0.1.
/// Returns the successes and the wall time from the first request to the last 303.
async fn pupil_burst() -> (usize, usize, Duration) {
    eprintln!("[box] pupil burst: starting the in-process harness…");
    let app = Arc::new(TestApp::start().await);
    let cp = app.school.classes[0].id;
    let indices: Vec<usize> = app
        .school
        .pupils
        .iter()
        .enumerate()
        .filter(|(_, p)| p.user.classes.contains(&cp) && p.pictures.is_some())
        .map(|(i, _)| i)
        .take(PUPILS)
        .collect();
    assert_eq!(
        indices.len(),
        PUPILS,
        "the small demo school should have {PUPILS} pupils in the CP"
    );
    let clients: Vec<reqwest::Client> = indices.iter().map(|_| app.client()).collect();

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (index, client) in indices.into_iter().zip(clients) {
        let app = app.clone();
        tasks.spawn(async move {
            let response = app.pupil_pictures(&client, index, None).await;
            (response.status() == 303).then(Instant::now)
        });
    }
    let mut successes = 0;
    let mut last = started;
    let deadline = tokio::time::Instant::now() + BURST_LIMIT;
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(Some(done)))) => {
                successes += 1;
                last = last.max(done);
            }
            Ok(Some(_)) => {} // a failed step (or a panicking assertion in the harness)
            Ok(None) => break,
            Err(_) => {
                tasks.abort_all();
                break;
            }
        }
    }
    let wall = if successes > 0 {
        last - started
    } else {
        started.elapsed()
    };
    (successes, PUPILS, wall)
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (cpus, model, memory) = preau_tests::machine();

    // Dropped last: the data directory outlives every box process.
    let work = tempfile::tempdir().expect("temp dir");
    let data_dir = work.path().join("data");
    let logs = work.path().join("logs");
    std::fs::create_dir_all(&logs).expect("logs dir");

    let (process, start_times, rss_kib, portal) = runtime.block_on(async {
        let (process, start_times, rss_kib) = starts(&data_dir, &logs).await;
        let portal = portal_load(&process).await;
        (process, start_times, rss_kib, portal)
    });
    let loaded_rss_kib = vm_rss_kib(process.pid());
    drop(process);

    let (successes, pupils, burst) = runtime.block_on(pupil_burst());
    drop(runtime);

    let min = start_times[0];
    let median = start_times[start_times.len() / 2];
    let idle_mb = kib_to_mb(rss_kib);
    let loaded_mb = kib_to_mb(loaded_rss_kib);
    let measured = portal.latencies.len();
    let rps = measured as f64 / portal.window.as_secs_f64();

    println!();
    println!("Préau box bench — {cpus} CPUs (nproc), {model}, {memory} RAM");
    println!("  binary: {BIN}");
    println!();
    row("figure", "measured", "target", "");
    row(
        &format!("start → first HTTPS 200, min of {STARTS}"),
        &ms(min),
        "≤ 1000 ms",
        verdict(min <= TARGET_START),
    );
    row(
        &format!("start → first HTTPS 200, median of {STARTS}"),
        &ms(median),
        "≤ 1000 ms",
        verdict(median <= TARGET_START),
    );
    row(
        "idle RSS, 2 s after last start (VmRSS)",
        &format!("{idle_mb:.1} MB"),
        "≤ 40 MB",
        verdict(idle_mb <= TARGET_RSS_MB),
    );
    if measured > 0 {
        let p50 = percentile(&portal.latencies, 50.0);
        let p99 = percentile(&portal.latencies, 99.0);
        let max = portal.latencies[measured - 1];
        row(
            &format!("portal GET /, {CLIENTS} clients, 10 s: throughput"),
            &format!("{rps:.0} req/s"),
            "",
            "",
        );
        row("portal GET /: p50", &ms(p50), "", "");
        row(
            "portal GET /: p99",
            &ms(p99),
            "≤ 25 ms",
            verdict(p99 <= TARGET_P99),
        );
        row("portal GET /: max", &ms(max), "", "");
    } else {
        row("portal GET /: p99", "no sample", "≤ 25 ms", "OVER");
    }
    row(
        "portal GET /: requests measured / failed",
        &format!("{measured} / {}", portal.errors),
        "0 failed",
        verdict(portal.errors == 0),
    );
    row(
        "RSS after portal load (VmRSS)",
        &format!("{loaded_mb:.1} MB"),
        "",
        "",
    );
    row(
        &format!("{pupils} pupil sign-ins, one address: successes"),
        &format!("{successes}/{pupils}"),
        &format!("{pupils}/{pupils}"),
        verdict(successes == pupils),
    );
    row(
        &format!("{pupils} pupil sign-ins, one address: wall time"),
        &ms(burst),
        "≤ 3000 ms",
        verdict(successes == pupils && burst <= TARGET_BURST),
    );
    println!();
    println!(
        "  MB = 10^6 bytes; latencies include reading the response body; percentiles are nearest-rank."
    );
    ExitCode::SUCCESS
}
