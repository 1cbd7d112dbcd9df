//! The integration-test harness: [`TestApp`] starts the real server (real redb file, real
//! TLS, real HTTP) on 127.0.0.1 with a small demo school, and gives typed helpers to sign in
//! as each role with an HTTP client that keeps cookies.

pub mod bench_box;
pub mod bundles;
pub mod central;
pub mod files;
pub mod measure;
pub mod proxy;

use preau::Config;
use preau_app::accounts::{Handover, UserForm};
use preau_app::demo::{DemoPlan, DemoSchool};
use preau_app::{App, Clock, system_clock};
use preau_core::Role;
use preau_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// A running box for one test.
pub struct TestApp {
    /// The application, for assertions on stored state.
    pub app: Arc<App>,
    /// The demo school and its secrets.
    pub school: DemoSchool,
    /// `https://127.0.0.1:<port>`.
    pub base: String,
    /// The HTTPS address.
    pub https: SocketAddr,
    /// The plain-HTTP address.
    pub http: Option<SocketAddr>,
    /// The school's CA certificate (PEM).
    pub ca_pem: String,
    /// The box's data directory (database, blobs).
    pub data_dir: std::path::PathBuf,
    _running: preau::Running,
    _dir: tempfile::TempDir,
}

/// A change to the configuration before start.
type Configure = Box<dyn FnOnce(&mut Config)>;

/// Options for a [`TestApp`].
pub struct TestAppBuilder {
    plan: DemoPlan,
    school_networks: Option<Vec<String>>,
    configure: Option<Configure>,
    clock: Option<Clock>,
}

impl TestApp {
    /// A parent of a new CM2 pupil, with an activated account, signed in.
    pub async fn parent_of_another_class(&self) -> reqwest::Client {
        let (parent, handover) = self
            .app
            .create_user_as_system(&UserForm {
                first_name: "Sacha".into(),
                last_name: "Autre".into(),
                role: Some(Role::Parent),
                email: "sacha.autre@example.org".into(),
                ..UserForm::default()
            })
            .expect("parent");
        self.app
            .create_user_as_system(&UserForm {
                first_name: "Noa".into(),
                last_name: "Autre".into(),
                role: Some(Role::Pupil),
                birth_date: "2015-03-02".into(),
                class: Some(self.school.classes[1].id),
                guardians: vec![parent.id],
                ..UserForm::default()
            })
            .expect("pupil");
        let Handover::ActivationCode(code) = handover else {
            panic!("an adult gets an activation code");
        };
        let password = "cartable-rouge-42";
        let client = self.client();
        let activated = self
            .post_form(
                &client,
                "/activation",
                "/activation",
                &[
                    ("login", parent.login.as_str()),
                    ("code", code.as_str()),
                    ("password", password),
                    ("confirmation", password),
                ],
            )
            .await;
        assert_eq!(activated.status(), 303, "activation");
        self.sign_in(&parent.login, password).await
    }

    /// A box with the small demo school (a CP of 30 pupils and a CM2 of 6).
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            plan: DemoPlan::small(),
            school_networks: None,
            configure: None,
            clock: None,
        }
    }

    /// Starts a box with the defaults.
    pub async fn start() -> TestApp {
        TestApp::builder().start().await
    }

    /// A new browser-like client: keeps cookies, trusts the school's CA, follows no redirects.
    pub fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("CA certificate");
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// The full URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The CSRF token currently set in `client`'s cookie jar (fetched from a page).
    pub async fn csrf(&self, client: &reqwest::Client, page: &str) -> String {
        let html = client
            .get(self.url(page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        extract_csrf(&html).unwrap_or_else(|| panic!("no CSRF field on {page}"))
    }

    /// Posts a form from `page` (fetching the page first for its CSRF token).
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf(client, page).await;
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .expect("post")
    }

    /// Signs an adult in with a password; returns the signed-in client.
    pub async fn sign_in(&self, login: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let response = self
            .post_form(
                &client,
                "/connexion",
                "/connexion",
                &[("login", login), ("password", password)],
            )
            .await;
        assert_eq!(
            response.status(),
            303,
            "sign-in of {login} should redirect to the portal"
        );
        client
    }

    /// The headteacher, signed in.
    pub async fn headteacher(&self) -> reqwest::Client {
        let head = self.school.headteacher.clone().expect("headteacher");
        self.sign_in(
            &head.user.login,
            head.password.as_deref().unwrap_or_default(),
        )
        .await
    }

    /// The first teacher (who teaches the CP), signed in.
    pub async fn teacher(&self) -> reqwest::Client {
        let t = &self.school.teachers[0];
        self.sign_in(&t.user.login, t.password.as_deref().unwrap_or_default())
            .await
    }

    /// A parent with an activated account, signed in.
    pub async fn parent(&self) -> reqwest::Client {
        let p = &self.school.parents[0];
        self.sign_in(&p.user.login, p.password.as_deref().unwrap_or_default())
            .await
    }

    /// Signs the `index`-th pupil of the demo in with the picture code.
    pub async fn pupil(&self, index: usize) -> reqwest::Client {
        let client = self.client();
        let response = self.pupil_pictures(&client, index, None).await;
        assert_eq!(
            response.status(),
            303,
            "pupil sign-in should redirect to the portal"
        );
        client
    }

    /// Plays the picture code of the `index`-th pupil (or `wrong` pictures); returns the last answer.
    pub async fn pupil_pictures(
        &self,
        client: &reqwest::Client,
        index: usize,
        wrong: Option<[u8; 3]>,
    ) -> reqwest::Response {
        let pupil = &self.school.pupils[index];
        let code = wrong.unwrap_or_else(|| pupil.pictures.expect("picture code"));
        let page = format!("/connexion/eleve/{}", pupil.user.id);
        let mut so_far = String::new();
        let mut last = None;
        for (i, picture) in code.iter().enumerate() {
            let token = self.csrf(client, "/connexion").await;
            let image = picture.to_string();
            let response = client
                .post(self.url(&page))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("deja", so_far.as_str()),
                    ("image", image.as_str()),
                ])
                .send()
                .await
                .expect("picture");
            if i < 2 {
                assert_eq!(response.status(), 200, "picture step {i}");
            }
            so_far = if so_far.is_empty() {
                image
            } else {
                format!("{so_far}-{image}")
            };
            last = Some(response);
        }
        last.expect("three pictures")
    }
}

impl TestAppBuilder {
    /// Uses another school.
    pub fn plan(mut self, plan: DemoPlan) -> Self {
        self.plan = plan;
        self
    }

    /// Sets the networks pupils may sign in from.
    pub fn school_networks(mut self, nets: &[&str]) -> Self {
        self.school_networks = Some(nets.iter().map(|n| n.to_string()).collect());
        self
    }

    /// Changes the configuration before start (quotas, size limits…).
    pub fn configure(mut self, f: impl FnOnce(&mut Config) + 'static) -> Self {
        self.configure = Some(Box::new(f));
        self
    }

    /// Gives the box another clock than the system's (benchmarks seeding a year of content
    /// under the app's rate limits).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Starts the box.
    pub async fn start(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            data_dir: dir.path().join("data"),
            host_name: "ecole-test".into(),
            listen: [127, 0, 0, 1].into(),
            https_port: 0,
            http_port: 0,
            mdns: "off".into(),
            ..Config::default()
        };
        if let Some(nets) = self.school_networks {
            config.school_networks = nets.iter().map(|n| n.parse().expect("network")).collect();
        }
        if let Some(f) = self.configure {
            f(&mut config);
        }
        let store = Store::open(&config.data_dir).expect("store");
        let clock = self.clock.unwrap_or_else(system_clock);
        let app = Arc::new(App::new(store, config.settings(), clock).expect("app"));
        let school = app.seed_demo(&self.plan).expect("demo school");
        let running = preau::start(&config, app.clone()).await.expect("server");
        TestApp {
            base: format!("https://localhost:{}", running.https.port()),
            https: running.https,
            http: running.http,
            ca_pem: running.local_ca_pem.clone().expect("local CA"),
            data_dir: config.data_dir.clone(),
            app,
            school,
            _running: running,
            _dir: dir,
        }
    }
}

/// A page's text with HTML entities decoded, as a person reads it.
pub async fn page_text(response: reqwest::Response) -> String {
    let html = response.text().await.expect("body");
    html.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Signs the demo's headteacher in on a box started from the command line, once it
/// answers (bounded wait); returns the client and its CSRF token.
pub async fn demo_headteacher(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    let html = loop {
        if let Ok(r) = client.get(format!("{base}/connexion")).send().await
            && r.status() == 200
        {
            break r.text().await.expect("page");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the box did not start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let csrf = extract_csrf(&html).expect("csrf");
    let r = client
        .post(format!("{base}/connexion"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "claire.dubois"),
            ("password", preau_app::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(r.status(), 303, "sign-in");
    let page = client
        .get(format!("{base}/documents"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page");
    let csrf = extract_csrf(&page).expect("csrf");
    (client, csrf)
}

/// A child process killed when dropped (end of test, even on failure).
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Stops a child process gently: SIGTERM, up to 10 s for a clean exit, then SIGKILL.
pub fn stop_gently(child: &mut std::process::Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The machine a benchmark runs on: CPUs, CPU model, RAM ("23.5 GiB").
pub fn machine() -> (usize, String, String) {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map_or("unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    (cpus, model, memory)
}

/// Starts `binary demo` (the real CLI) on `data` with HTTPS on `port` and no plain-HTTP
/// port, output discarded; killed when dropped.
pub fn start_demo(binary: &str, data: &std::path::Path, port: u16) -> Killed {
    Killed(
        std::process::Command::new(binary)
            .arg("demo")
            .arg("--data-dir")
            .arg(data)
            .args(["--port", &port.to_string(), "--http-port", "0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the demo"),
    )
}

/// A TCP port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// Finds the value of the `_csrf` hidden field in a page.
pub fn extract_csrf(html: &str) -> Option<String> {
    let start = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

impl TestApp {
    /// Signs an adult in and returns the client with its CSRF token (the value of the
    /// double-submit cookie, which every form of this browser repeats in `_csrf`; sign-in
    /// gives a new one, read from the portal afterwards).
    pub async fn sign_in_with_csrf(
        &self,
        login: &str,
        password: &str,
    ) -> (reqwest::Client, String) {
        let client = self.client();
        let token = self.csrf(&client, "/connexion").await;
        let response = client
            .post(self.url("/connexion"))
            .form(&[
                ("_csrf", token.as_str()),
                ("login", login),
                ("password", password),
            ])
            .send()
            .await
            .expect("sign-in");
        assert_eq!(response.status(), 303, "sign-in of {login}");
        let token = self.csrf(&client, "/").await;
        (client, token)
    }

    /// Every adult of the demo with a password (the headteacher first, then the teachers),
    /// each signed in on its own client, with their names and CSRF tokens.
    pub async fn adults_with_csrf(&self) -> Vec<(String, reqwest::Client, String)> {
        let mut out = Vec::new();
        let head = self.school.headteacher.iter();
        for account in head.chain(self.school.teachers.iter()) {
            let (client, token) = self
                .sign_in_with_csrf(
                    &account.user.login,
                    account.password.as_deref().unwrap_or_default(),
                )
                .await;
            out.push((account.user.full_name(), client, token));
        }
        out
    }
}
