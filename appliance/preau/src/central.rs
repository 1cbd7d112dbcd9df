//! The central role (`preau central`): the commune's instance. It keeps one store per school
//! attached to it — the scoped replica of what that school's families may read, and what
//! they write there — and answers the boxes' sync on its own port, over mutual TLS: only a
//! box with a client certificate from the commune CA, not revoked, reaches the sync API, and
//! only for the school its certificate names. See `docs/sync.md`.

use crate::config::{ConfigError, load_toml};
use anyhow::{Context, Result};
use preau_app::commune::{Commune, CommuneSchool};
use preau_app::{App, Clock, Settings};
use preau_core::CommuneAccount;
use preau_store::Store;
use preau_web::sync_api::{self, SyncState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A school attached to central.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachedSchool {
    /// Its UAI, as its box's sync certificate names it.
    pub uai: String,
    /// Its name.
    pub name: String,
}

/// Central's configuration (TOML, then `PREAU_*` variables).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CentralConfig {
    /// Where the schools' stores live (`<data_dir>/ecoles/<UAI>/`).
    pub data_dir: PathBuf,
    /// The address to listen on.
    pub listen: IpAddr,
    /// The port boxes sync on (mutual TLS).
    pub sync_port: u16,
    /// The port of the public site (parents at home, town-hall agents), HTTPS.
    pub https_port: u16,
    /// The address parents use (« https://preau.villeneuve.fr »), for the logs and letters.
    pub public_url: String,
    /// The commune's name, shown on the public site.
    pub commune: String,
    /// Central's TLS certificate chain (PEM).
    pub tls_cert: PathBuf,
    /// Its private key (PEM).
    pub tls_key: PathBuf,
    /// The commune CA (PEM) that issues the boxes' sync certificates.
    pub commune_ca: PathBuf,
    /// The commune's revocation list (PEM); empty: none.
    pub crl: PathBuf,
    /// The schools attached.
    pub schools: Vec<AttachedSchool>,
    /// Log filter.
    pub log: String,
}

impl Default for CentralConfig {
    fn default() -> Self {
        CentralConfig {
            data_dir: PathBuf::from("/var/lib/preau-central"),
            listen: IpAddr::from([0, 0, 0, 0]),
            sync_port: 8443,
            https_port: 443,
            public_url: String::new(),
            commune: "Préau".into(),
            tls_cert: PathBuf::from("/etc/preau/central.crt"),
            tls_key: PathBuf::from("/etc/preau/central.key"),
            commune_ca: PathBuf::from("/etc/preau/commune-ca.crt"),
            crl: PathBuf::new(),
            schools: Vec::new(),
            log: "info".into(),
        }
    }
}

/// The documented central configuration (`preau config central-example`).
pub const CENTRAL_EXAMPLE: &str = r#"# Préau central configuration (the commune's instance). Every key is optional; shown here
# with its default. Each key can also be set in the environment as PREAU_<KEY>.

# Where the schools' stores live: <data_dir>/ecoles/<UAI>/; the commune's accounts (parents,
# town-hall agents): <data_dir>/commune/.
data_dir = "/var/lib/preau-central"
# Address and port the boxes sync on (mutual TLS: only boxes with a certificate from the
# commune CA, not revoked, get through).
listen = "0.0.0.0"
sync_port = 8443
# The public site (parents at home, town-hall agents), HTTPS with the same certificate, and
# the address people type to reach it; the commune's name shown on it.
https_port = 443
public_url = ""
commune = "Préau"
# Central's own certificate and key (PEM), for the name in the bundles' [central] url.
tls_cert = "/etc/preau/central.crt"
tls_key = "/etc/preau/central.key"
# The commune CA (ca.crt of `preau-provision ca init`) and its revocation list
# (commune.crl of `preau-provision ca revoke`; empty: none).
commune_ca = "/etc/preau/commune-ca.crt"
crl = ""
# Log filter.
log = "info"

# One block per school attached; its box's sync certificate names its UAI.
# [[schools]]
# uai = "0750654D"
# name = "École élémentaire Jules-Ferry"
"#;

impl CentralConfig {
    /// Reads a TOML file, then applies `PREAU_*` variables; checks every school's UAI.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<CentralConfig, ConfigError> {
        let config: CentralConfig = load_toml(file, env)?;
        for school in &config.schools {
            let uai = preau_core::Uai::parse(&school.uai)
                .map_err(|e| ConfigError::Invalid(format!("school {:?}: {e}", school.uai)))?;
            if uai.as_str() != school.uai {
                return Err(ConfigError::Invalid(format!(
                    "school {:?}: write it {uai}",
                    school.uai
                )));
            }
        }
        Ok(config)
    }

    /// The store folder of the commune's accounts.
    pub fn commune_dir(&self) -> PathBuf {
        self.data_dir.join("commune")
    }

    /// The store folder of a school.
    pub fn school_dir(&self, uai: &str) -> PathBuf {
        self.data_dir.join("ecoles").join(uai)
    }
}

/// A running central. Dropping it stops the listener.
pub struct RunningCentral {
    /// Where boxes sync.
    pub sync: SocketAddr,
    /// The public site.
    pub https: SocketAddr,
    /// The commune's accounts and the attached schools.
    pub commune: Arc<Commune>,
    /// The attached schools' applications, by UAI.
    pub schools: Arc<HashMap<String, Arc<App>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for RunningCentral {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Opens every attached school's store and starts the sync listener.
pub async fn start_central(config: &CentralConfig, clock: Clock) -> Result<RunningCentral> {
    let mut schools = HashMap::new();
    for school in &config.schools {
        let dir = config.school_dir(&school.uai);
        let store = Store::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
        let app = App::new(store, Settings::default(), clock.clone())
            .with_context(|| format!("school {}", school.uai))?;
        schools.insert(school.uai.clone(), Arc::new(app));
    }
    let schools = Arc::new(schools);
    let ca = std::fs::read(&config.commune_ca)
        .with_context(|| format!("cannot read {}", config.commune_ca.display()))?;
    let crl = if config.crl.as_os_str().is_empty() {
        Vec::new()
    } else {
        std::fs::read(&config.crl)
            .with_context(|| format!("cannot read {}", config.crl.display()))?
    };
    let tls = crate::tls::mutual(&config.tls_cert, &config.tls_key, &ca, &crl)?;
    let listener = TcpListener::bind((config.listen, config.sync_port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}:{} (sync)",
                config.listen, config.sync_port
            )
        })?;
    let sync = listener.local_addr()?;
    let router = sync_api::router(SyncState {
        schools: schools.clone(),
        software: concat!("preau ", env!("CARGO_PKG_VERSION")),
    });
    let mut tasks = vec![tokio::spawn(crate::server::serve_tls(
        listener,
        TlsAcceptor::from(tls),
        router,
    ))];
    let commune = Arc::new(open_commune(config, clock, &schools)?);
    let public = TcpListener::bind((config.listen, config.https_port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}:{} (HTTPS)",
                config.listen, config.https_port
            )
        })?;
    let https = public.local_addr()?;
    let site = preau_web::central::router(preau_web::central::CentralWeb {
        commune: commune.clone(),
        assets: Arc::new(preau_web::assets::Assets::new()),
        commune_name: Arc::new(config.commune.clone()),
    });
    tasks.push(tokio::spawn(crate::server::serve_tls(
        public,
        TlsAcceptor::from(crate::tls::plain(&config.tls_cert, &config.tls_key)?),
        site,
    )));
    tasks.push(tokio::spawn(purge_commune_sessions(commune.clone())));
    tracing::info!(%sync, %https, public_url = %config.public_url, schools = schools.len(), "central serving");
    Ok(RunningCentral {
        sync,
        https,
        commune,
        schools,
        tasks,
    })
}

/// The commune application over `<data_dir>/commune/` and the attached schools.
fn open_commune(
    config: &CentralConfig,
    clock: Clock,
    schools: &HashMap<String, Arc<App>>,
) -> Result<Commune> {
    let dir = config.commune_dir();
    let store = Store::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
    let attached = config
        .schools
        .iter()
        .filter_map(|s| {
            schools.get(&s.uai).map(|app| CommuneSchool {
                uai: s.uai.clone(),
                name: s.name.clone(),
                app: app.clone(),
            })
        })
        .collect();
    Ok(Commune::new(store, Settings::default(), clock, attached))
}

/// Ends the commune's idle sessions every hour.
async fn purge_commune_sessions(commune: Arc<Commune>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        if let Err(e) = commune.purge_expired_sessions() {
            tracing::warn!("purging the commune's sessions: {e}");
        }
    }
}

/// `preau central … admin create-agent`: a town-hall agent's account (run while central is
/// stopped); returns it and its one-time activation code.
pub fn create_agent(
    config: &CentralConfig,
    clock: Clock,
    first_name: &str,
    last_name: &str,
) -> Result<(CommuneAccount, String)> {
    let dir = config.commune_dir();
    let store = Store::open(&dir).with_context(|| format!("opening {}", dir.display()))?;
    let commune = Commune::new(store, Settings::default(), clock, Vec::new());
    commune
        .create_agent(first_name, last_name)
        .map_err(|e| anyhow::anyhow!("cannot create the agent: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_the_default_and_uais_are_checked() {
        let from_example: CentralConfig = toml::from_str(CENTRAL_EXAMPLE).expect("example");
        assert_eq!(from_example, CentralConfig::default());
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("central.toml");
        std::fs::write(&file, "[[schools]]\nuai = \"0750654E\"\nname = \"X\"\n").expect("write");
        let err = CentralConfig::load(Some(&file), Vec::new()).expect_err("wrong letter");
        assert!(err.to_string().contains("0750654E"), "{err}");
    }
}
