//! The sections a school description and a bundle manifest share, and the manifest itself.

use super::names;
use super::{FORMAT_VERSION, Invalid, MANIFEST, REQUIRED_FILES};
use preau_core::{Role, Uai};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::IpAddr;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `[school]`: the school the box serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    /// Its UAI code (7 digits and the check letter), as `Uai::parse` accepts it.
    pub uai: String,
    /// Its name, « École élémentaire Jules-Ferry ».
    pub name: String,
    /// Its postal address, on one line.
    pub address: String,
    /// The commune it is in.
    pub commune: String,
}

impl School {
    /// The UAI, validated with its check letter.
    pub fn uai(&self) -> Result<Uai, Invalid> {
        names::parse_uai("school.uai", &self.uai)
    }

    fn check(&self) -> Result<(), Invalid> {
        names::check_uai("school.uai", &self.uai)?;
        names::check_text("school.name", &self.name, 200)?;
        names::check_text("school.address", &self.address, 300)?;
        names::check_text("school.commune", &self.commune, 100)
    }
}

/// `[box]`: the box itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxSection {
    /// Its host label: the box answers on `<host>.<domain>`, `<host>.local` and its address.
    pub host: String,
}

/// How the box gets its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// From the school's DHCP server.
    Dhcp,
    /// A fixed address, gateway and name servers.
    Static,
}

/// `[network]`, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// `dhcp` or `static`.
    pub mode: NetworkMode,
    /// Static only: `address/prefix`, `192.168.10.5/24`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Static only: the default gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    /// Name servers: required when static; with DHCP, they replace those the DHCP server gives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<IpAddr>,
}

/// `[network]`, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// The address comes from DHCP; `dns` (possibly empty) overrides the name servers.
    Dhcp {
        /// Name servers to use instead of DHCP's.
        dns: Vec<IpAddr>,
    },
    /// A fixed address.
    Static {
        /// The box's address.
        address: IpAddr,
        /// The prefix length of its network.
        prefix: u8,
        /// The default gateway, inside that network.
        gateway: IpAddr,
        /// Name servers (at least one).
        dns: Vec<IpAddr>,
    },
}

impl NetworkSection {
    /// The checked settings.
    pub fn parse(&self) -> Result<Network, Invalid> {
        if self.dns.len() > 4 {
            return Err(Invalid::new(
                "network.dns",
                "at most 4 name servers".into(),
                "4 serveurs DNS au plus".into(),
            ));
        }
        match self.mode {
            NetworkMode::Dhcp => {
                if self.address.is_some() || self.gateway.is_some() {
                    return Err(Invalid::new(
                        "network",
                        "address and gateway only go with mode = \"static\"".into(),
                        "address et gateway ne vont qu'avec mode = \"static\"".into(),
                    ));
                }
                Ok(Network::Dhcp {
                    dns: self.dns.clone(),
                })
            }
            NetworkMode::Static => {
                let missing = |field: &str| {
                    Invalid::new(
                        &format!("network.{field}"),
                        "required with mode = \"static\"".into(),
                        "obligatoire avec mode = \"static\"".into(),
                    )
                };
                let text = self.address.as_deref().ok_or_else(|| missing("address"))?;
                let gateway = self.gateway.ok_or_else(|| missing("gateway"))?;
                if self.dns.is_empty() {
                    return Err(missing("dns"));
                }
                let bad = || {
                    Invalid::new(
                        "network.address",
                        format!("{text:?} is not address/prefix (192.168.10.5/24)"),
                        format!(
                            "« {text} » n'est pas de la forme adresse/préfixe (192.168.10.5/24)"
                        ),
                    )
                };
                let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
                let address: IpAddr = address.parse().map_err(|_| bad())?;
                let prefix: u8 = prefix.parse().map_err(|_| bad())?;
                let max = if address.is_ipv4() { 32 } else { 128 };
                if prefix == 0 || prefix > max || format!("{address}/{prefix}") != text {
                    return Err(bad());
                }
                if !names::is_private(address) {
                    return Err(Invalid::new(
                        "network.address",
                        format!(
                            "{address} is not a private address (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10): the commune CA certifies only those"
                        ),
                        format!(
                            "{address} n'est pas une adresse privée (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) : l'autorité de la commune ne certifie que celles-là"
                        ),
                    ));
                }
                if gateway == address || !names::in_subnet(gateway, address, prefix) {
                    return Err(Invalid::new(
                        "network.gateway",
                        format!("{gateway} is not another address of {text}'s network"),
                        format!("{gateway} n'est pas une autre adresse du réseau de {text}"),
                    ));
                }
                Ok(Network::Static {
                    address,
                    prefix,
                    gateway,
                    dns: self.dns.clone(),
                })
            }
        }
    }
}

/// `[central]`: the commune's central server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Central {
    /// Its address, `https://ent.ville.fr`.
    pub url: String,
}

/// `[time]`: where the box sets its clock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Time {
    /// NTP servers, names or addresses (1 to 8).
    pub servers: Vec<String>,
}

/// `[ssh]`: remote access for the commune's technicians (optional; without it the box runs
/// no SSH server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ssh {
    /// Public keys, one `authorized_keys` line each (1 to 8).
    pub authorized_keys: Vec<String>,
}

/// The most `[[accounts]]` a description or a manifest may list.
pub const MAX_ACCOUNTS: usize = 50;

/// `[[accounts]]`: an adult account the box creates when the bundle is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Role code as `preau_core::Role::from_code` reads it: "direction", "enseignant", "personnel", "mairie" or "technicien" (never "eleve" nor "parent").
    pub role: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Sign-in identifier; empty = made by the box from the names (prenom.nom).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub login: String,
    /// Contact e-mail, optional.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
}

impl Account {
    /// The role, checked: an adult role other than parent (pupils and parents come from the
    /// ONDE exports).
    pub fn role(&self) -> Result<Role, Invalid> {
        self.role_for("accounts.role")
    }

    fn role_for(&self, field: &str) -> Result<Role, Invalid> {
        match Role::from_code(&self.role) {
            Some(role) if !matches!(role, Role::Pupil | Role::Parent) => Ok(role),
            _ => Err(Invalid::new(
                field,
                format!(
                    "{:?}: expected direction, enseignant, personnel, mairie or technicien (pupils and parents come from ONDE)",
                    self.role
                ),
                format!(
                    "« {} » : rôle attendu parmi direction, enseignant, personnel, mairie et technicien (les élèves et les parents viennent des exports ONDE)",
                    self.role
                ),
            )),
        }
    }

    /// Checks the account; `field` names it in messages (`accounts[2]`).
    fn check(&self, field: &str) -> Result<Role, Invalid> {
        let role = self.role_for(&format!("{field}.role"))?;
        names::check_text(&format!("{field}.first_name"), &self.first_name, 100)?;
        names::check_text(&format!("{field}.last_name"), &self.last_name, 100)?;
        if !self.login.is_empty() {
            names::check_login(&format!("{field}.login"), &self.login)?;
        }
        if !self.email.is_empty() {
            names::check_email(&format!("{field}.email"), &self.email)?;
        }
        Ok(role)
    }
}

/// Checks `[[accounts]]`: each account (counted from 1 in messages), unique sign-in
/// identifiers, at most [`MAX_ACCOUNTS`], and at least one headteacher.
fn check_accounts(accounts: &[Account]) -> Result<(), Invalid> {
    if accounts.len() > MAX_ACCOUNTS {
        return Err(Invalid::new(
            "accounts",
            format!("{} accounts, at most {MAX_ACCOUNTS}", accounts.len()),
            format!(
                "{} comptes : {MAX_ACCOUNTS} au plus (les autres se créent sur le boîtier ou viennent des exports ONDE)",
                accounts.len()
            ),
        ));
    }
    let mut logins = BTreeSet::new();
    let mut headteacher = false;
    for (i, account) in accounts.iter().enumerate() {
        let field = format!("accounts[{}]", i + 1);
        headteacher |= account.check(&field)? == Role::Headteacher;
        if !account.login.is_empty() && !logins.insert(account.login.as_str()) {
            return Err(Invalid::new(
                &format!("{field}.login"),
                format!("{:?} is given to two accounts", account.login),
                format!(
                    "l'identifiant « {} » est donné à deux comptes",
                    account.login
                ),
            ));
        }
    }
    if !headteacher {
        return Err(Invalid::new(
            "accounts",
            "at least one account with role = \"direction\" is needed: a box must have someone to run it".into(),
            "il faut au moins un compte de direction ([[accounts]] avec role = \"direction\") : un boîtier doit avoir quelqu'un pour l'administrer".into(),
        ));
    }
    Ok(())
}

/// The sections a school description and a manifest share, checked together.
pub(crate) fn check_sections(
    school: &School,
    box_: &BoxSection,
    network: &NetworkSection,
    central: &Central,
    time: &Time,
    ssh: Option<&Ssh>,
    accounts: &[Account],
) -> Result<(), Invalid> {
    school.check()?;
    names::check_host("box.host", &box_.host)?;
    network.parse()?;
    names::check_central_url("central.url", &central.url)?;
    if time.servers.is_empty() || time.servers.len() > 8 {
        return Err(Invalid::new(
            "time.servers",
            "give 1 to 8 time servers".into(),
            "indiquer de 1 à 8 serveurs de temps".into(),
        ));
    }
    for server in &time.servers {
        names::check_time_server("time.servers", server)?;
    }
    if let Some(ssh) = ssh {
        if ssh.authorized_keys.is_empty() || ssh.authorized_keys.len() > 8 {
            return Err(Invalid::new(
                "ssh.authorized_keys",
                "give 1 to 8 keys, or leave [ssh] out".into(),
                "indiquer de 1 à 8 clés, ou retirer [ssh]".into(),
            ));
        }
        for key in &ssh.authorized_keys {
            names::check_ssh_key("ssh.authorized_keys", key)?;
        }
    }
    check_accounts(accounts)
}

/// `[commune]` of a manifest: whose CA signed the certificates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commune {
    /// The commune's name.
    pub name: String,
    /// The box domain its CA is constrained to.
    pub domain: String,
}

/// One `[[files]]` of a manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Its name inside the zip.
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its content, lower-case hexadecimal.
    pub sha256: String,
}

/// `manifest.toml`, the bundle's table of contents. See the README's « Provisioning
/// (technician) » for the layout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version, [`FORMAT_VERSION`].
    pub format: u32,
    /// The bundle's number, one more than the previous bundle made with the same CA: a box
    /// applies a bundle for its school only when the number is higher than the last applied.
    pub serial: u64,
    /// When it was made (RFC 3339, UTC).
    pub created: String,
    /// The tool and version that made it.
    pub tool: String,
    /// The commune whose CA issued the certificates.
    pub commune: Commune,
    /// The school.
    pub school: School,
    /// The box.
    #[serde(rename = "box")]
    pub box_: BoxSection,
    /// Its network settings.
    pub network: NetworkSection,
    /// The central server.
    pub central: Central,
    /// Time servers.
    pub time: Time,
    /// SSH access, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
    /// The adult accounts the box creates (at least one headteacher).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
    /// Every other file of the zip, sorted by path.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// Parses and checks `manifest.toml`. The format version is read first, so that a newer
    /// format is refused as such rather than as unknown keys.
    pub fn parse(text: &str) -> Result<Manifest, Invalid> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            Invalid::new(
                MANIFEST,
                e.message().to_string(),
                format!("TOML illisible : {}", e.message()),
            )
        })?;
        match table.get("format").and_then(toml::Value::as_integer) {
            Some(v) if v == i64::from(FORMAT_VERSION) => {}
            Some(v) => {
                return Err(Invalid::new(
                    "format",
                    format!("format {v}, this version reads format {FORMAT_VERSION}"),
                    format!(
                        "format {v} : cette version de Préau ne lit que le format {FORMAT_VERSION} (mettre Préau à jour)"
                    ),
                ));
            }
            None => {
                return Err(Invalid::new("format", "missing".into(), "absent".into()));
            }
        }
        let manifest: Manifest = toml::from_str(text).map_err(|e| {
            Invalid::new(
                MANIFEST,
                e.message().to_string(),
                format!("contenu invalide : {}", e.message()),
            )
        })?;
        manifest.check()?;
        Ok(manifest)
    }

    /// The manifest as TOML, with a header comment.
    pub fn to_toml(&self) -> Result<String, Invalid> {
        let body = toml::to_string(self).map_err(|e| {
            Invalid::new(
                MANIFEST,
                e.to_string(),
                format!("écriture impossible : {e}"),
            )
        })?;
        Ok(format!(
            "# Lot de configuration Préau : table des matières. Signé avec le zip entier ; ne pas modifier.\n{body}"
        ))
    }

    /// The creation time.
    pub fn created(&self) -> Result<OffsetDateTime, Invalid> {
        OffsetDateTime::parse(&self.created, &Rfc3339).map_err(|_| {
            Invalid::new(
                "created",
                format!("{:?} is not an RFC 3339 time", self.created),
                format!("« {} » n'est pas une date RFC 3339", self.created),
            )
        })
    }

    /// The checked network settings.
    pub fn network(&self) -> Result<Network, Invalid> {
        self.network.parse()
    }

    /// `<host>.<domain>`.
    pub fn fqdn(&self) -> String {
        format!("{}.{}", self.box_.host, self.commune.domain)
    }

    /// `<host>.local`.
    pub fn local_name(&self) -> String {
        format!("{}.local", self.box_.host)
    }

    /// Checks every field and the file list (safe, unique paths, hashes written as such, the
    /// required files present).
    pub fn check(&self) -> Result<(), Invalid> {
        if self.format != FORMAT_VERSION {
            return Err(Invalid::new(
                "format",
                format!("format {}", self.format),
                format!("format {}", self.format),
            ));
        }
        self.created()?;
        names::check_text("tool", &self.tool, 100)?;
        names::check_text("commune.name", &self.commune.name, 100)?;
        names::check_domain("commune.domain", &self.commune.domain)?;
        check_sections(
            &self.school,
            &self.box_,
            &self.network,
            &self.central,
            &self.time,
            self.ssh.as_ref(),
            &self.accounts,
        )?;
        let mut seen = BTreeSet::new();
        for file in &self.files {
            let field = format!("files.{}", file.path);
            if let Err(problem) = crate::archive::check_name(&file.path) {
                return Err(Invalid::new(
                    "files",
                    format!("{:?}: {problem}", file.path),
                    format!("« {} » : chemin refusé", file.path),
                ));
            }
            if file.path == MANIFEST || !seen.insert(file.path.to_lowercase()) {
                return Err(Invalid::new(
                    &field,
                    "listed twice".into(),
                    "listé deux fois".into(),
                ));
            }
            if file.sha256.len() != 64
                || !file
                    .sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(Invalid::new(
                    &field,
                    "sha256 is not 64 lower-case hexadecimal digits".into(),
                    "sha256 n'est pas fait de 64 chiffres hexadécimaux minuscules".into(),
                ));
            }
        }
        for required in REQUIRED_FILES {
            if !seen.contains(required) {
                return Err(Invalid::new(
                    "files",
                    format!("{required} is missing"),
                    format!("{required} manque"),
                ));
            }
        }
        Ok(())
    }
}
