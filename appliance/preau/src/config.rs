//! The configuration: one typed struct, read from a TOML file, then overridden by `PREAU_*`
//! environment variables, then by command-line options. Unknown keys are refused.

use ipnet::IpNet;
use preau_app::Settings;
use preau_app::mdns::MdnsScope;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Everything a box needs to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the database, certificates and (later) files live.
    pub data_dir: PathBuf,
    /// The box's host name on the LAN, without `.local` ("ecole-jules-ferry").
    pub host_name: String,
    /// The address to listen on.
    pub listen: IpAddr,
    /// HTTPS port.
    pub https_port: u16,
    /// Plain-HTTP port (redirects and the certificate page); 0 turns it off.
    pub http_port: u16,
    /// The address people type, printed on login cards; empty means `https://<host_name>.local`.
    pub public_url: String,
    /// TLS certificate chain (PEM) supplied by provisioning; empty means a local CA is made.
    pub tls_cert: String,
    /// TLS private key (PEM) for `tls_cert`.
    pub tls_key: String,
    /// mDNS: "interfaces" (those in `mdns_interfaces`), "loopback" or "off".
    pub mdns: String,
    /// Interfaces mDNS may use when `mdns = "interfaces"`.
    pub mdns_interfaces: Vec<String>,
    /// Networks pupils may sign in from (the school LAN).
    pub school_networks: Vec<IpNet>,
    /// Minutes of inactivity before an adult's session ends.
    pub adult_idle_minutes: i64,
    /// Minutes of inactivity before a pupil's session ends.
    pub pupil_idle_minutes: i64,
    /// Argon2id memory cost in KiB (at least 47104).
    pub argon2_memory_kib: u32,
    /// Password hashes allowed to run at once.
    pub hash_concurrency: usize,
    /// The largest file accepted, in MiB.
    pub max_file_mib: u64,
    /// Quota of a pupil's own documents, in MiB.
    pub quota_pupil_mib: u64,
    /// Quota of an adult's own documents, in MiB.
    pub quota_adult_mib: u64,
    /// Quota of a class space, in MiB.
    pub quota_class_mib: u64,
    /// Quota of a group space, in MiB.
    pub quota_group_mib: u64,
    /// Quota of the staff room, in MiB.
    pub quota_staff_mib: u64,
    /// Where USB sticks are mounted (the image mounts them read-only there); empty: no
    /// provisioning by stick. A `preau-bundle.zip` at its top or one level down is applied.
    pub provisioning_dir: PathBuf,
    /// Where the report is written back (a writable mount of the same stick, mirroring
    /// `provisioning_dir`); empty: beside the bundle.
    pub provisioning_report_dir: PathBuf,
    /// The commune's bundle-signing public key (minisign), required with `provisioning_dir`.
    pub provisioning_key: PathBuf,
    /// The appliance's release file (version and root slot, shown on the setup page); a
    /// missing file shows nothing.
    pub release_file: PathBuf,
    /// Sync with the commune's central instance once the box is provisioned.
    pub sync: bool,
    /// Central's address for sync; empty: the one in the provisioning bundle.
    pub central_url: String,
    /// A PEM file of certificate authorities to trust for central; empty: the usual public
    /// authorities.
    pub central_ca: PathBuf,
    /// Log filter ("info", "preau=debug", …).
    pub log: String,
}

const MIB: u64 = 1024 * 1024;

/// Reads a configuration of type `T` from a TOML file (if given), then applies the `PREAU_*`
/// variables of `env` to the keys `T` has (lists comma-separated). Unknown keys are refused.
pub fn load_toml<T>(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<T, ConfigError>
where
    T: Default + Serialize + serde::de::DeserializeOwned,
{
    let text = match file {
        Some(path) => std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?,
        None => String::new(),
    };
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    let defaults =
        toml::Table::try_from(T::default()).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    for (name, value) in env {
        let Some(key) = name.strip_prefix("PREAU_").map(str::to_lowercase) else {
            continue;
        };
        let Some(default) = defaults.get(&key) else {
            continue;
        };
        let parsed =
            match default {
                toml::Value::Array(_) => toml::Value::Array(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| toml::Value::String(s.into()))
                        .collect(),
                ),
                toml::Value::Integer(_) => {
                    toml::Value::Integer(value.trim().parse().map_err(|_| {
                        ConfigError::Invalid(format!("{name} must be a whole number"))
                    })?)
                }
                toml::Value::Boolean(_) => {
                    toml::Value::Boolean(value.trim().parse().map_err(|_| {
                        ConfigError::Invalid(format!("{name} must be true or false"))
                    })?)
                }
                _ => toml::Value::String(value),
            };
        table.insert(key, parsed);
    }
    table
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))
}

impl Default for Config {
    fn default() -> Self {
        let settings = Settings::default();
        Config {
            data_dir: PathBuf::from("/var/lib/preau"),
            host_name: "ecole".into(),
            listen: IpAddr::from([0, 0, 0, 0]),
            https_port: 443,
            http_port: 80,
            public_url: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            mdns: "interfaces".into(),
            mdns_interfaces: vec!["eth0".into()],
            school_networks: settings.school_networks,
            adult_idle_minutes: settings.adult_idle_secs / 60,
            pupil_idle_minutes: settings.pupil_idle_secs / 60,
            argon2_memory_kib: settings.argon2_memory_kib,
            hash_concurrency: settings.hash_concurrency,
            max_file_mib: settings.max_file_bytes / MIB,
            quota_pupil_mib: settings.quotas.pupil / MIB,
            quota_adult_mib: settings.quotas.adult / MIB,
            quota_class_mib: settings.quotas.class / MIB,
            quota_group_mib: settings.quotas.group / MIB,
            quota_staff_mib: settings.quotas.staff / MIB,
            provisioning_dir: PathBuf::new(),
            provisioning_report_dir: PathBuf::new(),
            provisioning_key: PathBuf::from("/etc/preau/bundle-signing.pub"),
            release_file: PathBuf::from("/etc/preau-release"),
            sync: true,
            central_url: String::new(),
            central_ca: PathBuf::new(),
            log: "info".into(),
        }
    }
}

/// Why the configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The TOML or a value is wrong (unknown key, wrong type).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads a TOML file (if given), then applies `PREAU_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let config: Config = load_toml(file, env)?;
        config.mdns_scope()?;
        Ok(config)
    }

    /// The mDNS scope the configuration asks for.
    pub fn mdns_scope(&self) -> Result<MdnsScope, ConfigError> {
        match self.mdns.as_str() {
            "off" => Ok(MdnsScope::Off),
            "loopback" => Ok(MdnsScope::Loopback),
            "interfaces" => Ok(MdnsScope::Interfaces(self.mdns_interfaces.clone())),
            other => Err(ConfigError::Invalid(format!(
                "mdns must be \"interfaces\", \"loopback\" or \"off\", not {other:?}"
            ))),
        }
    }

    /// The application settings part.
    pub fn settings(&self) -> Settings {
        Settings {
            school_networks: self.school_networks.clone(),
            adult_idle_secs: self.adult_idle_minutes.max(1) * 60,
            pupil_idle_secs: self.pupil_idle_minutes.max(1) * 60,
            argon2_memory_kib: self.argon2_memory_kib,
            hash_concurrency: self.hash_concurrency,
            max_file_bytes: self.max_file_mib.saturating_mul(MIB),
            quotas: preau_app::settings::Quotas {
                pupil: self.quota_pupil_mib.saturating_mul(MIB),
                adult: self.quota_adult_mib.saturating_mul(MIB),
                class: self.quota_class_mib.saturating_mul(MIB),
                group: self.quota_group_mib.saturating_mul(MIB),
                staff: self.quota_staff_mib.saturating_mul(MIB),
            },
            release: std::fs::read_to_string(&self.release_file)
                .ok()
                .and_then(|text| preau_app::settings::Release::parse(&text)),
            ..Settings::default()
        }
    }

    /// The address printed on cards and letters.
    pub fn public_url(&self, https_port: u16) -> String {
        if !self.public_url.is_empty() {
            return self.public_url.trim_end_matches('/').to_string();
        }
        let port = if https_port == 443 {
            String::new()
        } else {
            format!(":{https_port}")
        };
        format!("https://{}.local{port}", self.host_name)
    }

    /// The documented default configuration (`preau config example`).
    pub fn example() -> String {
        EXAMPLE.to_string()
    }
}

const EXAMPLE: &str = r#"# Préau box configuration. Every key is optional; shown here with its default.
# Each key can also be set in the environment as PREAU_<KEY> (lists: comma-separated).

# Where the database, certificates and files live.
data_dir = "/var/lib/preau"
# The box's name on the school network, without ".local".
host_name = "ecole"
# Address and ports to listen on. http_port = 0 turns the plain-HTTP port off.
listen = "0.0.0.0"
https_port = 443
http_port = 80
# The address people type; empty means https://<host_name>.local
public_url = ""
# TLS certificate and key from the provisioning bundle; empty means the box makes its own
# local certificate authority (offered for download at http://<box>/certificat).
tls_cert = ""
tls_key = ""
# mDNS announcement: "interfaces" (the ones listed), "loopback" or "off".
mdns = "interfaces"
mdns_interfaces = ["eth0"]
# Networks from which pupils may sign in (their cards and picture codes work only there).
school_networks = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
# Inactivity before a session ends.
adult_idle_minutes = 60
pupil_idle_minutes = 15
# Password hashing (Argon2id): memory in KiB (at least 47104) and hashes at once.
argon2_memory_kib = 47104
hash_concurrency = 4
# Documents: the largest file accepted, and the quota of each kind of space, in MiB
# (every kept version and the trash count).
max_file_mib = 4096
quota_pupil_mib = 500
quota_adult_mib = 5120
quota_class_mib = 10240
quota_group_mib = 1024
quota_staff_mib = 20480
# Provisioning by USB stick: where sticks are mounted (empty: off), where the report is
# written back (empty: beside the bundle) and the commune's bundle-signing public key.
provisioning_dir = ""
provisioning_report_dir = ""
provisioning_key = "/etc/preau/bundle-signing.pub"
# Sync with the commune's central instance (once provisioned): on or off, central's address
# (empty: the bundle's) and a PEM file of authorities to trust for it (empty: public ones).
sync = true
central_url = ""
central_ca = ""
# Log filter.
log = "info"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_the_default() {
        let from_example: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(from_example, Config::default());
    }

    #[test]
    fn environment_overrides_the_file_and_unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("preau.toml");
        std::fs::write(&file, "host_name = \"ecole-a\"\nhttps_port = 8443\n").unwrap();
        let env = vec![
            ("PREAU_HOST_NAME".to_string(), "ecole-b".to_string()),
            (
                "PREAU_MDNS_INTERFACES".to_string(),
                "eth0, wlan0".to_string(),
            ),
            ("PREAU_REQUIRE_BROWSER".to_string(), "1".to_string()),
        ];
        let config = Config::load(Some(&file), env).unwrap();
        assert_eq!(config.host_name, "ecole-b");
        assert_eq!(config.https_port, 8443);
        assert_eq!(config.mdns_interfaces, vec!["eth0", "wlan0"]);

        std::fs::write(&file, "hots_name = \"typo\"\n").unwrap();
        let err = Config::load(Some(&file), Vec::new()).unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");
        let err = Config::load(None, vec![("PREAU_HTTPS_PORT".into(), "huit".into())]).unwrap_err();
        assert!(err.to_string().contains("whole number"), "{err}");
    }
}
