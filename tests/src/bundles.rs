//! Provisioning bundles for tests: a commune CA in a temporary folder, and signed bundles
//! made with the technician's own library, written where a USB stick would be mounted.

use preau_app::{App, system_clock};
use preau_provision::bundle::{self, Description, NewBundle, OndeFile};
use preau_provision::ca::{self, CommuneCa};
use preau_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use time::OffsetDateTime;

/// The commune's box domain in these tests.
pub const DOMAIN: &str = "ecoles.villeneuve.fr";
/// The school of the bundles (its check letter is right).
pub const UAI: &str = "0750654D";

/// A school description with a headteacher account; `more` is appended (more accounts,
/// `[ssh]`…). The box takes its address from DHCP.
pub fn description(host: &str, uai: &str, more: &str) -> String {
    format!(
        r#"[school]
uai = "{uai}"
name = "École élémentaire Jules-Ferry"
address = "12 rue des Écoles, 75005 Villeneuve"
commune = "Villeneuve"

[box]
host = "{host}"

[network]
mode = "dhcp"

[central]
url = "https://ent.villeneuve.fr"

[time]
servers = ["ntp.villeneuve.fr", "0.fr.pool.ntp.org"]

[[accounts]]
role = "direction"
first_name = "Claire"
last_name = "Dubois"
login = "claire.dubois"
{more}"#
    )
}

/// An ONDE export from `tests/fixtures/onde`.
pub fn onde_fixture(name: &str) -> OndeFile {
    let path = format!("{}/fixtures/onde/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    OndeFile {
        name: name.to_string(),
        data,
    }
}

/// A commune's certificate authority and bundle-signing key, in a temporary folder.
pub struct Commune {
    /// The CA, as `preau-provision ca init` makes it.
    pub ca: CommuneCa,
    _dir: TempDir,
}

impl Commune {
    /// A new commune CA.
    pub fn new(name: &str) -> Commune {
        let dir = tempfile::tempdir().expect("tmp");
        let ca = ca::init(
            &dir.path().join("ca"),
            name,
            DOMAIN,
            OffsetDateTime::now_utc(),
        )
        .expect("ca init");
        Commune { ca, _dir: dir }
    }

    /// The bundle-signing public key, as the box's key file holds it.
    pub fn public_key_file(&self) -> String {
        self.ca.public_key().to_file_text()
    }

    /// A signed bundle with the next serial number.
    pub fn bundle(&mut self, description: &str, onde: &[OndeFile]) -> NewBundle {
        let description = Description::parse(description).expect("description");
        let serial = self.ca.take_bundle_serial().expect("serial");
        bundle::create_bundle(
            &self.ca,
            &description,
            onde,
            serial,
            OffsetDateTime::now_utc(),
        )
        .expect("bundle")
    }
}

/// Writes `preau-bundle.zip` and its signature into `dir` (made if needed); returns the
/// zip's path.
pub fn write_bundle(bundle: &NewBundle, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("stick dir");
    let zip = dir.join(bundle::BUNDLE_FILE);
    std::fs::write(&zip, &bundle.zip).expect("zip");
    std::fs::write(bundle::signature_path(&zip), &bundle.signature).expect("signature");
    zip
}

/// A box started on an empty data folder, watching `usb` for sticks and writing reports
/// into `reports`.
pub struct EmptyBox {
    /// The application.
    pub app: Arc<App>,
    /// The running server.
    pub running: preau::Running,
    /// Its data folder.
    pub data: PathBuf,
    /// Where sticks are mounted.
    pub usb: PathBuf,
    /// Where reports are written back.
    pub reports: PathBuf,
    _dir: tempfile::TempDir,
}

impl EmptyBox {
    /// Starts a box that trusts the bundle-signing key `key_file` (its text).
    pub async fn start(key_file: &str) -> EmptyBox {
        let dir = tempfile::tempdir().expect("tmp");
        let (usb, reports) = (dir.path().join("usb"), dir.path().join("reports"));
        std::fs::create_dir_all(&usb).expect("usb");
        let key = dir.path().join("bundle-signing.pub");
        std::fs::write(&key, key_file).expect("key");
        let config = preau::Config {
            data_dir: dir.path().join("data"),
            host_name: "ecole".into(),
            listen: [127, 0, 0, 1].into(),
            https_port: 0,
            http_port: 0,
            mdns: "off".into(),
            provisioning_dir: usb.clone(),
            provisioning_report_dir: reports.clone(),
            provisioning_key: key,
            ..preau::Config::default()
        };
        let store = Store::open(&config.data_dir).expect("store");
        let app = Arc::new(App::new(store, config.settings(), system_clock()).expect("app"));
        let running = preau::start(&config, app.clone()).await.expect("start");
        EmptyBox {
            app,
            data: config.data_dir.clone(),
            running,
            usb,
            reports,
            _dir: dir,
        }
    }

    /// Its HTTPS port.
    pub fn port(&self) -> u16 {
        self.running.https.port()
    }

    /// A client that trusts `ca_pem` and reaches the box under `host` (on loopback).
    pub fn client(&self, ca_pem: &str, host: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).expect("ca"))
            .resolve(host, self.running.https)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Waits (at most 30 s) for the report of the stick `name` (one other than `after`);
    /// returns its text.
    pub async fn report(&self, name: &str, after: Option<&str>) -> String {
        let path = self.reports.join(name).join("preau-report.txt");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(text) = std::fs::read_to_string(&path)
                && after.is_none_or(|previous| previous != text)
            {
                return text;
            }
            assert!(Instant::now() < deadline, "no report at {}", path.display());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The headteacher's activation code, read from the report on the stick.
pub fn code_of(report: &str, login: &str) -> String {
    let line = report
        .lines()
        .find(|l| l.contains(&format!("identifiant : {login} ")))
        .unwrap_or_else(|| panic!("no line for {login} in:\n{report}"));
    line.rsplit("code : ")
        .next()
        .expect("code")
        .trim()
        .to_string()
}
