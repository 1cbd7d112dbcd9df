//! The commune's certificate authority and bundle signing key, kept on the technician's
//! laptop (ideally an encrypted volume or a dedicated stick). Nothing here goes onto a box
//! except the CA *certificate* and the certificates it issues.
//!
//! `ca init` writes, in a new directory (mode 0700):
//!
//! | file | what |
//! |---|---|
//! | `commune.toml` | the commune's name, box domain, creation time, the last bundle serial and, once something is revoked, the revoked certificates and the last CRL number |
//! | `ca.crt` | the CA certificate (PEM): installed on the commune's devices, copied into every bundle |
//! | `ca.key` | its private key (PKCS#8 PEM, mode 0600) — never copied anywhere |
//! | `bundle-signing.key` | the minisign secret key that signs bundles (mode 0600; encrypted with a password when `ca init` is given one) |
//! | `bundle-signing.pub` | its public key, which every box is configured with |
//!
//! The CA (ECDSA P-256, ten years) is a CA with path length 0 (it signs leaves only) and
//! carries name constraints (RFC 5280 §4.2.1.10): DNS names under the commune's box domain
//! and under `local` — boxes answer on `<host>.<domain>` and, through mDNS, on
//! `<host>.local`, and both must be in the certificate; `local` cannot be narrowed further
//! since host names are chosen later, so a stolen CA key could still certify any `.local`
//! name, but only towards devices that trust this commune's CA. IP addresses are constrained
//! to private ranges ([`crate::bundle::names::PRIVATE_RANGES`]), which is why a static box
//! address must be private.
//!
//! Leaves are valid 825 days (the longest Apple devices accept for TLS servers); the sync
//! client certificate as long. A box already in service gets a new sync client certificate
//! with [`CommuneCa::issue_sync_client`] and [`write_sync_cert`] (`ca issue-sync-cert`),
//! without a new bundle.
//!
//! A box certificate that must no longer be trusted (box stolen, lost, sent away) is revoked
//! with [`CommuneCa::revoke`], which records it in `commune.toml`; [`CommuneCa::write_crl`]
//! (`ca revoke`, `ca crl`) then writes `commune.crl`, the CRL (PEM) central loads. Every CRL
//! is valid [`CRL_VALIDITY_DAYS`] days and has a number one higher than the last.
//!
//! The signing key may be encrypted with a password ([`init_with_password`]): [`open`] then
//! leaves it locked — everything but signing works — until [`CommuneCa::unlock`].

use crate::bundle::Invalid;
use crate::bundle::names::{PRIVATE_RANGES, check_domain, check_host, check_text, check_uai};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CidrSubnet,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod,
    KeyPair, KeyUsagePurpose, NameConstraints, RevocationReason, RevokedCertParams, SanType,
    SerialNumber,
};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::bundle::{PublicKey, SigningKey, SigningKeyError, generate_signing_key};

/// The state file of a CA directory.
pub const STATE_FILE: &str = "commune.toml";
/// The CA certificate.
pub const CA_CERT_FILE: &str = "ca.crt";
/// The CA private key.
pub const CA_KEY_FILE: &str = "ca.key";
/// The bundle signing secret key.
pub const SIGNING_KEY_FILE: &str = "bundle-signing.key";
/// The bundle signing public key.
pub const PUBLIC_KEY_FILE: &str = "bundle-signing.pub";
/// The sync client certificate `ca issue-sync-cert` writes.
pub const SYNC_CERT_FILE: &str = "client.crt";
/// Its private key.
pub const SYNC_KEY_FILE: &str = "client.key";
/// The certificate revocation list (PEM) `ca revoke` and `ca crl` write, for central.
pub const CRL_FILE: &str = "commune.crl";
/// How long a CRL is valid (its nextUpdate), in days: reissue it before (`ca crl`).
pub const CRL_VALIDITY_DAYS: i64 = 30;
/// The longest revocation reason, in characters.
const REASON_MAX: usize = 200;

const CA_VALIDITY_DAYS: i64 = 3652;
/// Validity of the certificates a bundle carries, in days.
pub const LEAF_VALIDITY_DAYS: i64 = 825;
/// Certificates start this long before they are made, for clocks running slow.
const BACKDATE: Duration = Duration::days(1);

/// Why the CA could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// `ca init` was pointed at a directory that is not empty.
    #[error("{} exists and is not empty: a CA is never overwritten", .0.display())]
    NotEmpty(PathBuf),
    /// A commune name or domain is invalid.
    #[error("{0}")]
    Invalid(Invalid),
    /// A file of the CA directory is unreadable or inconsistent.
    #[error("{}: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// rcgen refused to make a certificate.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The directory for new certificates is not empty: nothing is overwritten.
    #[error("{} exists and is not empty: choose a new directory", .0.display())]
    OutputExists(PathBuf),
    /// The bundle signing key is encrypted and was not unlocked.
    #[error("the bundle signing key is encrypted: give its password")]
    SigningKeyLocked,
    /// The password does not decrypt the bundle signing key.
    #[error("wrong password for the bundle signing key")]
    WrongPassword,
    /// The certificate to revoke is not a PEM certificate.
    #[error("not a PEM certificate: {0}")]
    NotACertificate(String),
    /// The certificate to revoke was not issued by this CA.
    #[error("this certificate was not issued by this commune's CA: nothing revoked")]
    ForeignCertificate,
    /// The certificate to revoke is a CA certificate (this CA's own).
    #[error("a CA certificate cannot be revoked, only the certificates the CA issued")]
    CaCertificate,
}

impl CaError {
    /// The reason, in French, for the technician.
    pub fn french(&self) -> String {
        match self {
            CaError::Io { path, source } => {
                format!(
                    "{} : lecture ou écriture impossible ({source})",
                    path.display()
                )
            }
            CaError::NotEmpty(path) => format!(
                "{} existe et n'est pas vide : une autorité existante n'est jamais écrasée",
                path.display()
            ),
            CaError::Invalid(e) => e.french(),
            CaError::Corrupt { path, detail } => {
                format!(
                    "{} : fichier illisible ou incohérent ({detail})",
                    path.display()
                )
            }
            CaError::Certificate(e) => format!("certificat impossible à produire ({e})"),
            CaError::OutputExists(path) => format!(
                "{} existe et n'est pas vide : choisir un nouveau dossier (rien n'est jamais écrasé)",
                path.display()
            ),
            CaError::SigningKeyLocked => format!(
                "la clé de signature des lots ({SIGNING_KEY_FILE}) est protégée par un mot de passe : le donner avec --password-file <fichier> ou la variable d'environnement PREAU_SIGNING_PASSWORD"
            ),
            CaError::WrongPassword => format!(
                "mot de passe incorrect pour la clé de signature des lots ({SIGNING_KEY_FILE})"
            ),
            CaError::NotACertificate(e) => {
                format!("ce fichier n'est pas un certificat PEM ({e})")
            }
            CaError::ForeignCertificate => "ce certificat n'a pas été émis par l'autorité de cette commune : rien n'a été révoqué".to_string(),
            CaError::CaCertificate => "un certificat d'autorité ne peut pas être révoqué, seulement les certificats qu'elle a émis : rien n'a été révoqué".to_string(),
        }
    }
}

impl From<rcgen::Error> for CaError {
    fn from(e: rcgen::Error) -> Self {
        CaError::Certificate(e.to_string())
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `commune.toml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommuneState {
    /// The commune's name.
    pub commune: String,
    /// The box domain the CA is constrained to.
    pub domain: String,
    /// When the CA was made (RFC 3339).
    pub created: String,
    /// The serial of the last bundle made (0: none yet).
    pub last_bundle_serial: u64,
    /// The number of the last CRL issued (0: none yet).
    #[serde(default)]
    pub last_crl_number: u64,
    /// The revoked certificates, in the order they were revoked (`[[revoked]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Revoked>,
}

/// A revoked certificate, as `commune.toml` records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoked {
    /// Its serial number, uppercase hexadecimal without leading zeros (as OpenSSL prints it).
    pub serial: String,
    /// Its subject (`CN=…, OU=…, O=…`), for the technician.
    pub subject: String,
    /// When it was revoked (RFC 3339, UTC).
    pub date: String,
    /// Why, in the technician's words (may be empty).
    pub reason: String,
}

/// A certificate and its key, both PEM. `Debug` leaves the key out.
#[derive(Clone)]
pub struct Issued {
    /// The certificate.
    pub cert_pem: String,
    /// Its private key (PKCS#8).
    pub key_pem: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"…")
            .finish()
    }
}

/// The bundle signing key of an opened CA directory.
enum Signing {
    /// Ready to sign.
    Ready(SigningKey),
    /// Encrypted, not unlocked yet: the key file's text.
    Locked(String),
}

/// An opened CA directory.
pub struct CommuneCa {
    dir: PathBuf,
    state: CommuneState,
    cert_pem: String,
    key: KeyPair,
    public: PublicKey,
    signing: Signing,
    encrypted: bool,
}

fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| CaError::Certificate(e.to_string()))?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

/// `now` in UTC, whole seconds (what certificates and CRLs hold).
fn utc_seconds(now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(time::UtcOffset::UTC);
    now.replace_nanosecond(0).unwrap_or(now)
}

/// A serial number's DER content as [`Revoked::serial`] writes it: uppercase hexadecimal,
/// leading zero bytes left out.
fn serial_hex(raw: &[u8]) -> String {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len());
    let bytes = if start == raw.len() {
        &[0][..]
    } else {
        &raw[start..]
    };
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The bytes of a serial written by [`serial_hex`]; `None` if `hex` is not written so.
fn serial_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.is_ascii() {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    (serial_hex(&bytes) == hex).then_some(bytes)
}

/// Writes a new file (never replacing one) with `mode`, fsynced.
fn write_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(contents).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Replaces a file atomically (temporary file, fsync, rename).
pub(crate) fn replace_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), CaError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    write_new(&tmp, contents, mode)?;
    fs::rename(&tmp, path).map_err(io_error(path))?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io_error(parent))?;
    }
    Ok(())
}

/// Makes `out` (0700, parents included) or accepts it if it exists and is empty.
fn new_directory(out: &Path) -> Result<(), CaError> {
    match fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(CaError::NotEmpty(out.to_path_buf()));
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(out)
            .map_err(io_error(out)),
        Err(e) => Err(io_error(out)(e)),
    }
}

fn ca_params(
    commune: &str,
    domain: &str,
    now: OffsetDateTime,
) -> Result<CertificateParams, CaError> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("Préau — autorité de {commune}"));
    name.push(DnType::OrganizationName, commune);
    name.push(DnType::CountryName, "FR");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let mut permitted = vec![
        GeneralSubtree::DnsName(domain.to_string()),
        GeneralSubtree::DnsName("local".to_string()),
    ];
    permitted.extend(PRIVATE_RANGES.iter().map(|(network, prefix)| {
        GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(*network, *prefix))
    }));
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: Vec::new(),
    });
    params.not_before = now - BACKDATE;
    params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    params.serial_number = Some(random_serial()?);
    params.use_authority_key_identifier_extension = false;
    Ok(params)
}

/// Creates a CA directory at `out` (which must not exist or be empty), its signing key
/// unencrypted. Returns it opened.
pub fn init(
    out: &Path,
    commune: &str,
    domain: &str,
    now: OffsetDateTime,
) -> Result<CommuneCa, CaError> {
    init_inner(out, commune, domain, None, now)
}

/// [`init`], the bundle signing key encrypted with `password` (not empty). Returns the CA
/// opened and unlocked.
pub fn init_with_password(
    out: &Path,
    commune: &str,
    domain: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<CommuneCa, CaError> {
    if password.is_empty() {
        return Err(CaError::Invalid(Invalid::new(
            "password",
            "empty password".into(),
            "mot de passe vide".into(),
        )));
    }
    let mut ca = init_inner(out, commune, domain, Some(password), now)?;
    ca.unlock(password)?;
    Ok(ca)
}

fn init_inner(
    out: &Path,
    commune: &str,
    domain: &str,
    password: Option<&str>,
    now: OffsetDateTime,
) -> Result<CommuneCa, CaError> {
    check_text("commune", commune, 100).map_err(CaError::Invalid)?;
    check_domain("domain", domain).map_err(CaError::Invalid)?;
    let now = now
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(now);
    new_directory(out)?;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = ca_params(commune, domain, now)?.self_signed(&key)?;
    let (signing_secret, public) = generate_signing_key(password).map_err(CaError::Certificate)?;
    let state = CommuneState {
        commune: commune.to_string(),
        domain: domain.to_string(),
        created: now
            .format(&Rfc3339)
            .map_err(|e| CaError::Certificate(e.to_string()))?,
        last_bundle_serial: 0,
        last_crl_number: 0,
        revoked: Vec::new(),
    };
    // Secrets first: a half-made directory then lacks the public files and is refused.
    write_new(
        &out.join(CA_KEY_FILE),
        key.serialize_pem().as_bytes(),
        0o600,
    )?;
    write_new(
        &out.join(SIGNING_KEY_FILE),
        signing_secret.as_bytes(),
        0o600,
    )?;
    write_new(&out.join(CA_CERT_FILE), cert.pem().as_bytes(), 0o644)?;
    write_new(
        &out.join(PUBLIC_KEY_FILE),
        public.to_file_text().as_bytes(),
        0o644,
    )?;
    write_new(&out.join(STATE_FILE), state_text(&state)?.as_bytes(), 0o644)?;
    open(out)
}

fn state_text(state: &CommuneState) -> Result<String, CaError> {
    let body = toml::to_string(state).map_err(|e| CaError::Certificate(e.to_string()))?;
    Ok(format!(
        "# Autorité Préau de la commune (preau-provision). Ne pas modifier à la main.\n{body}"
    ))
}

fn read(dir: &Path, file: &str) -> Result<String, CaError> {
    let path = dir.join(file);
    fs::read_to_string(&path).map_err(io_error(&path))
}

/// Opens an existing CA directory and checks that its files belong together. An encrypted
/// signing key is left locked (checked against the public key once unlocked): see
/// [`CommuneCa::unlock`].
pub fn open(dir: &Path) -> Result<CommuneCa, CaError> {
    let corrupt = |file: &str, detail: String| CaError::Corrupt {
        path: dir.join(file),
        detail,
    };
    let state: CommuneState = toml::from_str(&read(dir, STATE_FILE)?)
        .map_err(|e| corrupt(STATE_FILE, e.message().to_string()))?;
    check_domain("domain", &state.domain).map_err(CaError::Invalid)?;
    for revoked in &state.revoked {
        serial_bytes(&revoked.serial)
            .ok_or_else(|| corrupt(STATE_FILE, format!("invalid serial {:?}", revoked.serial)))?;
        OffsetDateTime::parse(&revoked.date, &Rfc3339)
            .map_err(|e| corrupt(STATE_FILE, format!("revoked {}: {e}", revoked.serial)))?;
    }
    let cert_pem = read(dir, CA_CERT_FILE)?;
    let key = KeyPair::from_pem(&read(dir, CA_KEY_FILE)?)
        .map_err(|e| corrupt(CA_KEY_FILE, e.to_string()))?;
    // The key must be the certificate's.
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
        .map_err(|e| corrupt(CA_CERT_FILE, e.to_string()))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| corrupt(CA_CERT_FILE, e.to_string()))?;
    if cert.public_key().raw != rcgen::PublicKeyData::subject_public_key_info(&key).as_slice() {
        return Err(corrupt(CA_KEY_FILE, "does not match ca.crt".into()));
    }
    let public = PublicKey::parse(&read(dir, PUBLIC_KEY_FILE)?)
        .map_err(|e| corrupt(PUBLIC_KEY_FILE, e.to_string()))?;
    let signing_text = read(dir, SIGNING_KEY_FILE)?;
    let (signing, encrypted) = match SigningKey::read(&signing_text, None) {
        Ok(signing) => (Signing::Ready(signing), false),
        Err(SigningKeyError::PasswordNeeded) => (Signing::Locked(signing_text), true),
        Err(e) => return Err(corrupt(SIGNING_KEY_FILE, e.to_string())),
    };
    let ca = CommuneCa {
        dir: dir.to_path_buf(),
        state,
        cert_pem,
        key,
        public,
        signing,
        encrypted,
    };
    if let Signing::Ready(signing) = &ca.signing {
        ca.check_signing_key(signing)?;
    }
    Ok(ca)
}

impl CommuneCa {
    /// The state file's content.
    pub fn state(&self) -> &CommuneState {
        &self.state
    }

    /// The CA directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (PEM).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The bundle public key (`bundle-signing.pub`), which every box is configured with.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Whether the bundle signing key is encrypted with a password (unlocked or not).
    pub fn signing_key_encrypted(&self) -> bool {
        self.encrypted
    }

    /// Decrypts the bundle signing key with `password`, if it is encrypted and still locked;
    /// does nothing otherwise.
    pub fn unlock(&mut self, password: &str) -> Result<(), CaError> {
        let Signing::Locked(text) = &self.signing else {
            return Ok(());
        };
        let signing = SigningKey::read(text, Some(password)).map_err(|e| match e {
            SigningKeyError::WrongPassword => CaError::WrongPassword,
            other => CaError::Corrupt {
                path: self.dir.join(SIGNING_KEY_FILE),
                detail: other.to_string(),
            },
        })?;
        self.check_signing_key(&signing)?;
        self.signing = Signing::Ready(signing);
        Ok(())
    }

    /// The bundle signing key; [`CaError::SigningKeyLocked`] while an encrypted key is not
    /// unlocked.
    pub fn signing_key(&self) -> Result<&SigningKey, CaError> {
        match &self.signing {
            Signing::Ready(signing) => Ok(signing),
            Signing::Locked(_) => Err(CaError::SigningKeyLocked),
        }
    }

    /// The signing key must be the one `bundle-signing.pub` holds.
    fn check_signing_key(&self, signing: &SigningKey) -> Result<(), CaError> {
        if self.public.key_id() != signing.public_key().key_id() {
            return Err(CaError::Corrupt {
                path: self.dir.join(PUBLIC_KEY_FILE),
                detail: format!("does not match {SIGNING_KEY_FILE}"),
            });
        }
        Ok(())
    }

    /// Takes the next bundle serial and records it before anything uses it, so that a
    /// number is never given twice even if making the bundle then fails.
    pub fn take_bundle_serial(&mut self) -> Result<u64, CaError> {
        let serial = self.state.last_bundle_serial + 1;
        let mut state = self.state.clone();
        state.last_bundle_serial = serial;
        self.replace_state(state)?;
        Ok(serial)
    }

    /// Writes `state` to `commune.toml` (atomically), then keeps it.
    fn replace_state(&mut self, state: CommuneState) -> Result<(), CaError> {
        replace_file(
            &self.dir.join(STATE_FILE),
            state_text(&state)?.as_bytes(),
            0o644,
        )?;
        self.state = state;
        Ok(())
    }

    /// The certificates revoked so far, in the order they were revoked.
    pub fn revoked(&self) -> &[Revoked] {
        &self.state.revoked
    }

    /// Revokes a certificate (PEM) this CA issued and records it in `commune.toml`, dated
    /// `now`, with `reason_fr`, the technician's words (one line of at most 200 characters;
    /// may be empty). Returns its serial, uppercase hexadecimal. Revoking a certificate
    /// already revoked changes nothing. Refused: a certificate the CA did not sign
    /// ([`CaError::ForeignCertificate`]) and a CA certificate ([`CaError::CaCertificate`]).
    /// The CRL is not written here: see [`CommuneCa::write_crl`].
    pub fn revoke(
        &mut self,
        cert_pem: &[u8],
        reason_fr: &str,
        now: OffsetDateTime,
    ) -> Result<String, CaError> {
        if !reason_fr.is_empty() {
            check_text("reason", reason_fr, REASON_MAX).map_err(CaError::Invalid)?;
        }
        let (rest, pem) = x509_parser::pem::parse_x509_pem(cert_pem)
            .map_err(|e| CaError::NotACertificate(e.to_string()))?;
        if pem.label != "CERTIFICATE" {
            return Err(CaError::NotACertificate(format!("« {} »", pem.label)));
        }
        if rest.windows(5).any(|w| w == b"-----") {
            return Err(CaError::NotACertificate(
                "plusieurs blocs PEM : un seul certificat attendu".into(),
            ));
        }
        let cert = pem
            .parse_x509()
            .map_err(|e| CaError::NotACertificate(e.to_string()))?;
        let (_, ca_pem) = x509_parser::pem::parse_x509_pem(self.cert_pem.as_bytes())
            .map_err(|e| self.corrupt_cert(e.to_string()))?;
        let ca = ca_pem
            .parse_x509()
            .map_err(|e| self.corrupt_cert(e.to_string()))?;
        // Signed by this CA's key, and naming it as issuer: central finds the CRL that
        // covers a certificate by its issuer name.
        if cert.issuer().as_raw() != ca.subject().as_raw()
            || cert.verify_signature(Some(ca.public_key())).is_err()
        {
            return Err(CaError::ForeignCertificate);
        }
        if cert.is_ca() {
            return Err(CaError::CaCertificate);
        }
        let serial = serial_hex(cert.raw_serial());
        if self.state.revoked.iter().any(|r| r.serial == serial) {
            return Ok(serial);
        }
        let date = utc_seconds(now)
            .format(&Rfc3339)
            .map_err(|e| CaError::Certificate(e.to_string()))?;
        let mut state = self.state.clone();
        state.revoked.push(Revoked {
            serial: serial.clone(),
            subject: cert.subject().to_string(),
            date,
            reason: reason_fr.to_string(),
        });
        self.replace_state(state)?;
        Ok(serial)
    }

    /// A new CRL (PEM) signed by the CA: every revoked certificate (reason keyCompromise: a
    /// revoked box's key may be in anyone's hands), thisUpdate `now`, nextUpdate `now` +
    /// [`CRL_VALIDITY_DAYS`] days and a CRL number one higher than the last one, recorded in
    /// `commune.toml` before the CRL is returned (hence `&mut self`).
    pub fn crl_pem(&mut self, now: OffsetDateTime) -> Result<String, CaError> {
        let now = utc_seconds(now);
        let number = self.state.last_crl_number + 1;
        let corrupt = |detail: String| CaError::Corrupt {
            path: self.dir.join(STATE_FILE),
            detail,
        };
        let revoked_certs = self
            .state
            .revoked
            .iter()
            .map(|r| {
                let serial = serial_bytes(&r.serial)
                    .ok_or_else(|| corrupt(format!("invalid serial {:?}", r.serial)))?;
                let revocation_time = OffsetDateTime::parse(&r.date, &Rfc3339)
                    .map_err(|e| corrupt(format!("revoked {}: {e}", r.serial)))?;
                Ok(RevokedCertParams {
                    serial_number: SerialNumber::from(serial),
                    revocation_time,
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
            })
            .collect::<Result<Vec<_>, CaError>>()?;
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: now + Duration::days(CRL_VALIDITY_DAYS),
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: self.key_identifier_method()?,
        };
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?;
        let pem = params.signed_by(&issuer)?.pem()?;
        let mut state = self.state.clone();
        state.last_crl_number = number;
        self.replace_state(state)?;
        Ok(pem)
    }

    /// Issues a new CRL ([`CommuneCa::crl_pem`]) and writes it to [`CRL_FILE`] in the CA
    /// directory (mode 0644, replaced atomically). Returns its path.
    pub fn write_crl(&mut self, now: OffsetDateTime) -> Result<PathBuf, CaError> {
        let pem = self.crl_pem(now)?;
        let path = self.dir.join(CRL_FILE);
        replace_file(&path, pem.as_bytes(), 0o644)?;
        Ok(path)
    }

    /// The CA certificate's subject key identifier, for the CRL's authority key identifier.
    fn key_identifier_method(&self) -> Result<KeyIdMethod, CaError> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(self.cert_pem.as_bytes())
            .map_err(|e| self.corrupt_cert(e.to_string()))?;
        let cert = pem
            .parse_x509()
            .map_err(|e| self.corrupt_cert(e.to_string()))?;
        let ski = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(id) => {
                    Some(id.0.to_vec())
                }
                _ => None,
            });
        Ok(ski.map_or(KeyIdMethod::Sha256, KeyIdMethod::PreSpecified))
    }

    fn corrupt_cert(&self, detail: String) -> CaError {
        CaError::Corrupt {
            path: self.dir.join(CA_CERT_FILE),
            detail,
        }
    }

    fn issue(&self, mut params: CertificateParams, now: OffsetDateTime) -> Result<Issued, CaError> {
        let issuer = Issuer::from_ca_cert_pem(&self.cert_pem, &self.key)?;
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.not_before = now - BACKDATE;
        params.not_after = now + Duration::days(LEAF_VALIDITY_DAYS);
        params.serial_number = Some(random_serial()?);
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let cert = params.signed_by(&key, &issuer)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The box's TLS server certificate: `<host>.<domain>`, `<host>.local` and its static
    /// address, if any.
    pub fn issue_box_tls(
        &self,
        host: &str,
        address: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<Issued, CaError> {
        let fqdn = format!("{host}.{}", self.state.domain);
        let mut params = CertificateParams::new(vec![fqdn.clone(), format!("{host}.local")])?;
        if let Some(address) = address {
            params.subject_alt_names.push(SanType::IpAddress(address));
        }
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, fqdn);
        name.push(DnType::OrganizationName, self.state.commune.as_str());
        params.distinguished_name = name;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params, now)
    }

    /// The box's client certificate for syncing with central: subject CN `<host>.<domain>`,
    /// OU the school's UAI (how central knows which school a box serves), the same DNS name
    /// as its only SAN, clientAuth. The host label and the UAI (check letter included) are
    /// checked first. Used both for bundles and, for a box in service, by
    /// `ca issue-sync-cert`.
    pub fn issue_sync_client(
        &self,
        host: &str,
        uai: &str,
        now: OffsetDateTime,
    ) -> Result<Issued, CaError> {
        check_host("host", host).map_err(CaError::Invalid)?;
        check_uai("uai", uai).map_err(CaError::Invalid)?;
        let fqdn = format!("{host}.{}", self.state.domain);
        let mut params = CertificateParams::new(vec![fqdn.clone()])?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, fqdn);
        name.push(DnType::OrganizationalUnitName, uai);
        name.push(DnType::OrganizationName, self.state.commune.as_str());
        params.distinguished_name = name;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params, now)
    }
}

/// Writes a sync client certificate and its key into `out`, a new directory (mode 0700; an
/// existing empty one is accepted, anything else refused, so nothing is overwritten):
/// [`SYNC_CERT_FILE`] (0644) and [`SYNC_KEY_FILE`] (0600). Returns their paths.
pub fn write_sync_cert(out: &Path, issued: &Issued) -> Result<(PathBuf, PathBuf), CaError> {
    new_directory(out).map_err(|e| match e {
        CaError::NotEmpty(path) => CaError::OutputExists(path),
        other => other,
    })?;
    let cert = out.join(SYNC_CERT_FILE);
    let key = out.join(SYNC_KEY_FILE);
    // The key first: a half-written directory then lacks the certificate.
    write_new(&key, issued.key_pem.as_bytes(), 0o600)?;
    write_new(&cert, issued.cert_pem.as_bytes(), 0o644)?;
    Ok((cert, key))
}

/// Writes a file readable by its owner only (0600), replacing it atomically: the bundle holds
/// the box's private keys.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), CaError> {
    replace_file(path, contents, 0o600)
}
