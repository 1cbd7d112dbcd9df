//! The provisioning watcher: looks for a signed bundle on the USB sticks mounted under the
//! configured directory, applies it (all or nothing, in `preau_app::provisioning`), then
//! writes the French report back onto the stick and, when applied, puts the new certificate
//! in service and writes the system settings (`crate::system_files`).
//!
//! A bundle is looked for at `<dir>/preau-bundle.zip` and `<dir>/<stick>/preau-bundle.zip`.
//! Each is read once per appearance: it is read again when its files change or after the
//! stick was removed and plugged in again (the same bundle then changes nothing).

use crate::tls::Certificate;
use anyhow::{Context, Result};
use preau_app::App;
use preau_app::provisioning::{StickOutcome, StickResult};
use preau_provision::bundle::{BUNDLE_FILE, PublicKey, signature_path};
use preau_web::pages::setup::{ReportView, report_html};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// How often the mount directory is looked at.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// The report's file names on the stick.
pub const REPORT_TEXT: &str = "preau-report.txt";
/// The printable report, with the activation letters.
pub const REPORT_HTML: &str = "preau-report.html";

/// What the watcher needs.
pub struct Watch {
    /// Where sticks are mounted.
    pub dir: PathBuf,
    /// Where reports go (mirroring `dir`); `None`: beside the bundle.
    pub report_dir: Option<PathBuf>,
    /// The commune's bundle-signing key.
    pub key: PublicKey,
    /// The box's data directory (system settings are written under it).
    pub data_dir: PathBuf,
    /// The address printed in reports and letters until the box has its own name.
    pub public_url: String,
    /// The HTTPS port, added to the provisioned name when it is not 443.
    pub https_port: u16,
}

impl Watch {
    /// The watcher `config` asks for, if any; an unreadable key is an error.
    pub fn from_config(
        config: &crate::Config,
        public_url: &str,
        https_port: u16,
    ) -> Result<Option<Watch>> {
        if config.provisioning_dir.as_os_str().is_empty() {
            return Ok(None);
        }
        let key = read_public_key(&config.provisioning_key)?;
        let report_dir = (!config.provisioning_report_dir.as_os_str().is_empty())
            .then(|| config.provisioning_report_dir.clone());
        Ok(Some(Watch {
            dir: config.provisioning_dir.clone(),
            report_dir,
            key,
            data_dir: config.data_dir.clone(),
            public_url: public_url.to_string(),
            https_port,
        }))
    }
}

/// Reads the commune's bundle-signing key (minisign public key) from `path`.
pub fn read_public_key(path: &Path) -> Result<PublicKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the bundle-signing key {}", path.display()))?;
    PublicKey::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// What identifies one appearance of a bundle: sizes and times of the zip and signature.
type Fingerprint = [(u64, Option<SystemTime>); 2];

fn fingerprint(zip: &Path) -> Fingerprint {
    let of = |path: &Path| {
        std::fs::metadata(path).map_or((u64::MAX, None), |m| (m.len(), m.modified().ok()))
    };
    [of(zip), of(&signature_path(zip))]
}

/// The bundles present under `dir` (top level and one level down), sorted.
pub fn bundles_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let top = dir.join(BUNDLE_FILE);
    if top.is_file() {
        found.push(top);
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let candidate = entry.path().join(BUNDLE_FILE);
            if entry.file_type().is_ok_and(|t| t.is_dir()) && candidate.is_file() {
                found.push(candidate);
            }
        }
    }
    found.sort();
    found
}

/// Where the report of the bundle at `zip` goes.
fn report_dir_for(watch: &Watch, zip: &Path) -> PathBuf {
    let beside = zip.parent().unwrap_or(&watch.dir).to_path_buf();
    match (&watch.report_dir, beside.strip_prefix(&watch.dir)) {
        (Some(root), Ok(relative)) => root.join(relative),
        _ => beside,
    }
}

/// Writes a file through a temporary name, flushed, then renames it (a stick can be pulled
/// out; the power can go).
pub(crate) fn write_replacing(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

/// Writes `preau-report.txt` and `preau-report.html` for `outcome` into `dir`.
pub fn write_report(dir: &Path, outcome: &StickOutcome, public_url: &str) -> Result<()> {
    let activation = format!("{public_url}{}", preau_web::paths::ACTIVATE);
    let report = ReportView::new(outcome, true, &activation);
    let html = report_html(&report, public_url).context("rendering the report")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_replacing(
        &dir.join(REPORT_TEXT),
        report.to_text(public_url).as_bytes(),
    )
    .with_context(|| format!("writing {}", dir.join(REPORT_TEXT).display()))?;
    write_replacing(&dir.join(REPORT_HTML), html.as_bytes())
        .with_context(|| format!("writing {}", dir.join(REPORT_HTML).display()))?;
    // The renames reach the stick too (on FAT this flushes the whole device), so the report
    // is there even if the stick is pulled out without being unmounted.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("flushing {}", dir.display()))?;
    Ok(())
}

/// Reads, applies and reports one bundle; puts what it applied in service.
fn handle(app: &App, watch: &Watch, certificate: &Certificate, zip: &Path) {
    let outcome = app.provision_from_files(zip, &watch.key);
    if let StickResult::Applied(_) = outcome.result {
        match app.provisioned() {
            Ok(Some(state)) => {
                if let Err(e) =
                    certificate.replace(state.tls_cert_pem.as_bytes(), state.tls_key_pem.as_bytes())
                {
                    tracing::error!("the provisioned certificate cannot be served: {e:#}");
                }
                if let Err(e) = crate::system_files::write(&watch.data_dir, &state) {
                    tracing::error!("cannot write the system settings: {e:#}");
                }
            }
            Ok(None) => {}
            Err(e) => tracing::error!("cannot read the provisioning state: {e}"),
        }
    }
    // Once provisioned, the box is reached under the name its certificate was made for.
    let address = match &outcome.result {
        StickResult::Applied(applied) if !applied.names.is_empty() => match watch.https_port {
            443 => format!("https://{}", applied.names[0]),
            port => format!("https://{}:{port}", applied.names[0]),
        },
        _ => watch.public_url.clone(),
    };
    let dir = report_dir_for(watch, zip);
    match write_report(&dir, &outcome, &address) {
        Ok(()) => tracing::info!(dir = %dir.display(), "provisioning report written"),
        Err(e) => tracing::warn!("cannot write the report onto the stick: {e:#}"),
    }
}

/// Watches `watch.dir` until the task is stopped.
pub async fn run(app: Arc<App>, watch: Watch, certificate: Arc<Certificate>) {
    let watch = Arc::new(watch);
    let mut seen: HashMap<PathBuf, Fingerprint> = HashMap::new();
    let mut every = tokio::time::interval(LOOK_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(dir = %watch.dir.display(), "watching for provisioning sticks");
    loop {
        every.tick().await;
        let present = bundles_under(&watch.dir);
        seen.retain(|path, _| present.contains(path));
        for zip in present {
            let print = fingerprint(&zip);
            if seen.get(&zip) == Some(&print) {
                continue;
            }
            seen.insert(zip.clone(), print);
            let (app, watch, certificate) = (app.clone(), watch.clone(), certificate.clone());
            let done =
                tokio::task::spawn_blocking(move || handle(&app, &watch, &certificate, &zip)).await;
            if let Err(e) = done {
                tracing::error!("provisioning failed: {e}");
            }
        }
    }
}
