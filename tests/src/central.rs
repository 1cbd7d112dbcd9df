//! A real central and real provisioned boxes on loopback, for the sync tests: central with
//! its mutual-TLS sync listener (its own certificate from a test authority, the commune CA
//! for the boxes' certificates), boxes provisioned with a signed bundle and syncing to it —
//! directly or through a [`crate::proxy::FaultProxy`] — with clocks the test moves.

use crate::bundles::{Commune, write_bundle};
use preau::central::{AttachedSchool, CentralConfig, RunningCentral, start_central};
use preau_app::provisioning::StickResult;
use preau_app::{App, Clock};
use preau_provision::bundle::OndeFile;
use preau_store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// A clock the test sets (Unix seconds).
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicI64>);

/// Monday 30 November 2026, 8:00 in Paris: a school day.
pub const MONDAY_8AM: i64 = 1_796_022_000;

impl TestClock {
    /// A clock at Monday 30 November 2026, 8:00 in Paris.
    pub fn monday_morning() -> TestClock {
        TestClock(Arc::new(AtomicI64::new(MONDAY_8AM)))
    }

    /// The clock for an application.
    pub fn clock(&self) -> Clock {
        let now = self.0.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    }

    /// Moves it by `seconds` (negative: back).
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// Central on loopback, with its schools' stores in a temporary folder.
pub struct TestCentral {
    /// The running central.
    pub running: RunningCentral,
    /// The authority of central's own certificate (for the boxes to trust).
    pub tls_ca: PathBuf,
    /// Its configuration.
    pub config: CentralConfig,
    _dir: tempfile::TempDir,
}

impl TestCentral {
    /// Starts central for `schools` (UAI, name), trusting `commune`'s CA for boxes, with
    /// the revocation list `crl` (PEM) if given.
    pub async fn start(
        commune: &Commune,
        schools: &[(&str, &str)],
        crl: Option<&str>,
        clock: &TestClock,
    ) -> TestCentral {
        let dir = tempfile::tempdir().expect("tmp");
        let tls = preau_app::pki::ensure_local_certificates(
            &dir.path().join("tls"),
            "central.local",
            &["localhost".to_string()],
            time::OffsetDateTime::now_utc(),
        )
        .expect("central's certificate");
        let commune_ca = dir.path().join("commune-ca.crt");
        std::fs::write(&commune_ca, commune.ca.cert_pem()).expect("commune CA");
        let crl_path = match crl {
            Some(pem) => {
                let path = dir.path().join("commune.crl");
                std::fs::write(&path, pem).expect("crl");
                path
            }
            None => PathBuf::new(),
        };
        let config = CentralConfig {
            data_dir: dir.path().join("data"),
            listen: [127, 0, 0, 1].into(),
            sync_port: 0,
            https_port: 0,
            commune: "Villeneuve".into(),
            tls_cert: tls.cert.clone(),
            tls_key: tls.key.clone(),
            commune_ca,
            crl: crl_path,
            schools: schools
                .iter()
                .map(|(uai, name)| AttachedSchool {
                    uai: uai.to_string(),
                    name: name.to_string(),
                })
                .collect(),
            ..CentralConfig::default()
        };
        let running = start_central(&config, clock.clock())
            .await
            .expect("central starts");
        TestCentral {
            running,
            tls_ca: tls.ca_cert.clone(),
            config,
            _dir: dir,
        }
    }

    /// The sync listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.running.sync
    }

    /// The full URL of a path of central's public site.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.running.https.port())
    }

    /// A browser-like client of the public site: keeps cookies, trusts central's CA,
    /// follows no redirects.
    pub fn client(&self) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(&std::fs::read(&self.tls_ca).expect("ca"))
            .expect("CA certificate");
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Posts a form of the public site from `page` (fetched first for its CSRF token).
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = client
            .get(self.url(page))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body");
        let token = crate::extract_csrf(&html).unwrap_or_else(|| panic!("no CSRF on {page}"));
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .expect("post")
    }

    /// The application over a school's store at central.
    pub fn school(&self, uai: &str) -> Arc<App> {
        self.running
            .schools
            .get(uai)
            .expect("attached school")
            .clone()
    }
}

/// A box provisioned for a school, syncing with central at `central` (an address on
/// loopback: central itself or a proxy in front of it).
pub struct SyncBox {
    /// The box's application.
    pub app: Arc<App>,
    /// Its clock.
    pub clock: TestClock,
    /// The running box.
    pub running: preau::Running,
    /// The activation codes of the adults its ONDE import created (for their letters).
    pub codes: Vec<(preau_core::User, String)>,
    _dir: tempfile::TempDir,
}

impl SyncBox {
    /// Provisions a new box for the school of `description` (with `onde` exports) and starts
    /// it, syncing to `central` (when `auto`; else the test syncs by hand) and trusting
    /// `central_ca` for it.
    pub async fn start(
        commune: &mut Commune,
        description: &str,
        onde: &[OndeFile],
        central: SocketAddr,
        central_ca: &Path,
        auto: bool,
    ) -> SyncBox {
        let dir = tempfile::tempdir().expect("tmp");
        let clock = TestClock::monday_morning();
        let data = dir.path().join("data");
        let store = Store::open(&data).expect("store");
        let app =
            Arc::new(App::new(store, preau_app::Settings::default(), clock.clock()).expect("app"));
        let bundle = commune.bundle(description, onde);
        let zip = write_bundle(&bundle, &dir.path().join("stick"));
        let applied = app.provision_from_files(&zip, commune.ca.public_key());
        let StickResult::Applied(done) = &applied.result else {
            panic!("{:?}", applied.result)
        };
        let codes = done
            .onde
            .iter()
            .flat_map(|o| o.letters.iter())
            .chain(done.accounts_created.iter())
            .filter_map(|(user, handover)| match handover {
                preau_app::accounts::Handover::ActivationCode(code) => {
                    Some((user.clone(), code.clone()))
                }
                _ => None,
            })
            .collect();
        let config = preau::Config {
            data_dir: data,
            listen: [127, 0, 0, 1].into(),
            https_port: 0,
            http_port: 0,
            mdns: "off".into(),
            sync: auto,
            central_url: format!("https://localhost:{}", central.port()),
            central_ca: central_ca.to_path_buf(),
            ..preau::Config::default()
        };
        let running = preau::start(&config, app.clone())
            .await
            .expect("box starts");
        SyncBox {
            app,
            clock,
            running,
            codes,
            _dir: dir,
        }
    }

    /// Waits (at most `limit`) until central holds every change of the box and the box
    /// has pulled what central had; fails with the sync status otherwise.
    pub async fn wait_synced(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let status = self.app.sync_status();
            if status.last_error.is_none()
                && status.last_success.is_some()
                && self.app.sync_pending().unwrap_or(1) == 0
                && self.app.sync_outbox_fresh().unwrap_or(false)
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not synced within {limit:?}: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
