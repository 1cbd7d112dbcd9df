//! A local certificate authority, for a box that has no provisioned certificate.
//!
//! At first start the box makes its own CA (ECDSA P-256, ten years) and a server certificate
//! signed by it (825 days, the longest Apple devices accept). Families and staff install the
//! CA certificate once; later starts reuse the files. The server certificate alone is issued
//! again, by the same CA, when the names it must cover change, when it nears its end, or when
//! it is missing or does not belong to the CA and key on disk.
//!
//! Layout of `<data_dir>/tls/`: `ca.pem`, `ca-key.pem` (0600), `cert.pem`, `key.pem` (0600) and
//! `names.txt`, the names the server certificate was issued for, one a line.
//!
//! rcgen is built without its `x509-parser` feature, so an existing CA certificate cannot be
//! re-read with rcgen: the small DER reader at the bottom of this file extracts what is needed
//! (the subject name, the public key, the end of validity).

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime, UtcOffset};

/// Validity of the CA certificate, in days (ten years).
const CA_VALIDITY_DAYS: i64 = 3652;
/// Validity of the server certificate, in days (Apple's maximum for TLS server certificates).
const LEAF_VALIDITY_DAYS: i64 = 825;
/// The server certificate is issued again when it ends within this many days.
const LEAF_RENEW_BEFORE_DAYS: i64 = 30;
/// Upper bound of a CommonName, in characters (RFC 5280 `ub-common-name`).
const COMMON_NAME_MAX_CHARS: usize = 64;
/// Organisation written in both certificates.
const ORGANISATION: &str = "Préau";

/// Paths of the TLS material inside a data directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The local CA certificate (PEM), to be installed on client devices.
    pub ca_cert: PathBuf,
    /// The server certificate (PEM), signed by the local CA.
    pub cert: PathBuf,
    /// The server private key (PKCS#8 PEM).
    pub key: PathBuf,
}

impl TlsFiles {
    /// The standard paths under `data_dir/tls/`.
    pub fn in_dir(data_dir: &Path) -> TlsFiles {
        let dir = tls_dir(data_dir);
        TlsFiles {
            ca_cert: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// Why the TLS material could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A certificate or key could not be generated, or existing material cannot be used
    /// (invalid name, unreadable PEM, CA key that does not match the CA certificate).
    #[error("certificate material: {0}")]
    Rcgen(String),
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Rcgen(e.to_string())
    }
}

/// Ensures a local CA and a leaf certificate exist (generating them with rcgen at first start)
/// and returns the paths.
///
/// The leaf covers `host_name`, `localhost`, `127.0.0.1`, `::1` and `extra_names` (DNS names or
/// IP literals; blank entries are ignored). Existing files are reused; the leaf alone is issued
/// again by the existing CA when it does not cover these names, ends within 30 days, or does not
/// match the CA or its key. An unusable CA (unreadable, or key not matching) is an error and is
/// never replaced silently; a half-present CA (one of the two files missing) is made anew.
pub fn ensure_local_certificates(
    data_dir: &Path,
    host_name: &str,
    extra_names: &[String],
    now: time::OffsetDateTime,
) -> Result<TlsFiles, PkiError> {
    let now = now.to_offset(UtcOffset::UTC);
    // Keeps every date we compute inside what X.509 time fields and rcgen can encode.
    if !(1970..=9000).contains(&now.year()) {
        return Err(PkiError::Rcgen(format!("implausible current date {now}")));
    }
    let names = required_names(host_name, extra_names)?;
    let host = names
        .first()
        .map(ToString::to_string)
        .ok_or_else(|| PkiError::Rcgen("no host name".into()))?;

    let files = TlsFiles::in_dir(data_dir);
    let paths = Paths::new(data_dir);
    fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    // Private to the service account (only when made here: an existing directory is left as is).
    match fs::DirBuilder::new().mode(0o700).create(&paths.dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
            return Err(io_error(&paths.dir)(e));
        }
        _ => {}
    }

    let ca = load_or_create_ca(&files, &paths, &host, now)?;
    let reason = if ca.fresh {
        Some("a new local CA was made".to_string())
    } else {
        leaf_reissue_reason(&files, &paths, &names, &ca.subject, now)?
    };
    if let Some(reason) = reason {
        tracing::info!(%reason, host = %host, "issuing the TLS server certificate");
        issue_leaf(&files, &paths, &names, &host, &ca, now)?;
    }
    Ok(files)
}

/// Paths that are not part of the public [`TlsFiles`].
struct Paths {
    dir: PathBuf,
    ca_key: PathBuf,
    names: PathBuf,
}

impl Paths {
    fn new(data_dir: &Path) -> Paths {
        let dir = tls_dir(data_dir);
        Paths {
            ca_key: dir.join("ca-key.pem"),
            names: dir.join("names.txt"),
            dir,
        }
    }
}

fn tls_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("tls")
}

/// A name the server certificate is valid for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SanName {
    Dns(String),
    Ip(IpAddr),
}

impl SanName {
    /// Reads a DNS name or an IP literal; `None` for blank input.
    fn parse(raw: &str) -> Result<Option<SanName>, PkiError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if let Ok(ip) = trimmed.parse::<IpAddr>() {
            return Ok(Some(SanName::Ip(ip)));
        }
        let dns = trimmed
            .strip_suffix('.')
            .unwrap_or(trimmed)
            .to_ascii_lowercase();
        let valid = !dns.is_empty()
            && dns.len() <= 253
            && dns.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
            });
        if valid {
            Ok(Some(SanName::Dns(dns)))
        } else {
            Err(PkiError::Rcgen(format!(
                "{raw:?} is neither a DNS name nor an IP address"
            )))
        }
    }

    fn to_san(&self) -> Result<SanType, PkiError> {
        Ok(match self {
            SanName::Dns(name) => SanType::DnsName(name.clone().try_into()?),
            SanName::Ip(ip) => SanType::IpAddress(*ip),
        })
    }
}

impl fmt::Display for SanName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanName::Dns(name) => f.write_str(name),
            SanName::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// The names the leaf must cover, host name first, without duplicates.
fn required_names(host_name: &str, extra_names: &[String]) -> Result<Vec<SanName>, PkiError> {
    let host = SanName::parse(host_name)?
        .ok_or_else(|| PkiError::Rcgen("the host name is empty".into()))?;
    let mut names = vec![
        host,
        SanName::Dns("localhost".into()),
        SanName::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanName::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ];
    for extra in extra_names {
        match SanName::parse(extra)? {
            Some(name) if !names.contains(&name) => names.push(name),
            _ => {}
        }
    }
    Ok(names)
}

/// The CA, ready to sign.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    /// DER of the CA certificate's subject name (the leaf's issuer name must equal it).
    subject: Vec<u8>,
    /// Made during this call.
    fresh: bool,
}

fn load_or_create_ca(
    files: &TlsFiles,
    paths: &Paths,
    host: &str,
    now: OffsetDateTime,
) -> Result<Ca, PkiError> {
    let cert_exists = exists(&files.ca_cert)?;
    let key_exists = exists(&paths.ca_key)?;
    if cert_exists && key_exists {
        return load_ca(files, paths);
    }
    if cert_exists || key_exists {
        tracing::warn!(
            dir = %paths.dir.display(),
            "half of the local CA is missing: making a new CA (devices must install it again)"
        );
    }
    // Without the certificate first, a crash below leaves a half CA, made anew next time,
    // rather than an old certificate next to a new key.
    remove_if_exists(&files.ca_cert)?;

    let key = KeyPair::generate()?;
    let params = ca_params(host, now)?;
    let cert = params.self_signed(&key)?;
    let subject = der::parse_certificate(cert.der())
        .ok_or_else(|| PkiError::Rcgen("cannot read back the new CA certificate".into()))?
        .subject;
    write_atomic(&paths.ca_key, key.serialize_pem().as_bytes(), 0o600)?;
    write_atomic(&files.ca_cert, cert.pem().as_bytes(), 0o644)?;
    tracing::info!(path = %files.ca_cert.display(), "made a new local CA");
    Ok(Ca {
        issuer: Issuer::new(params, key),
        subject,
        fresh: true,
    })
}

fn ca_params(host: &str, now: OffsetDateTime) -> Result<CertificateParams, PkiError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        clip(
            &format!("Préau — autorité locale de {host}"),
            COMMON_NAME_MAX_CHARS,
        ),
    );
    dn.push(DnType::OrganizationName, ORGANISATION);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = ca_key_usages();
    params.not_before = days_from(now, -1)?;
    params.not_after = days_from(params.not_before, CA_VALIDITY_DAYS)?;
    Ok(params)
}

fn ca_key_usages() -> Vec<KeyUsagePurpose> {
    vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ]
}

fn load_ca(files: &TlsFiles, paths: &Paths) -> Result<Ca, PkiError> {
    let cert_pem = read_to_string(&files.ca_cert)?;
    let key_pem = read_to_string(&paths.ca_key)?;
    let key = KeyPair::from_pem(&key_pem)
        .map_err(|e| PkiError::Rcgen(format!("{}: {e}", paths.ca_key.display())))?;
    let info = der::pem_to_der(&cert_pem)
        .and_then(|der| der::parse_certificate(&der))
        .ok_or_else(|| {
            PkiError::Rcgen(format!(
                "{}: not a readable certificate",
                files.ca_cert.display()
            ))
        })?;
    if info.public_key != key.public_key_raw() {
        return Err(PkiError::Rcgen(format!(
            "{} does not hold the key of {}",
            paths.ca_key.display(),
            files.ca_cert.display()
        )));
    }
    let distinguished_name = der::distinguished_name(&info.subject).ok_or_else(|| {
        PkiError::Rcgen(format!(
            "{}: unsupported subject name",
            files.ca_cert.display()
        ))
    })?;
    // What an issuer needs: its name, its key usages and how key identifiers are made
    // (the default, SHA-256 of the public key, as when the CA was made).
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name;
    params.key_usages = ca_key_usages();
    Ok(Ca {
        issuer: Issuer::new(params, key),
        subject: info.subject,
        fresh: false,
    })
}

/// Why the existing leaf must be replaced, or `None` if it can stay.
fn leaf_reissue_reason(
    files: &TlsFiles,
    paths: &Paths,
    names: &[SanName],
    ca_subject: &[u8],
    now: OffsetDateTime,
) -> Result<Option<String>, PkiError> {
    if !exists(&files.cert)? || !exists(&files.key)? {
        return Ok(Some("no server certificate yet".into()));
    }
    if !exists(&paths.names)? {
        return Ok(Some("no record of the names covered".into()));
    }
    let recorded = read_to_string(&paths.names)?;
    let recorded: BTreeSet<String> = recorded
        .lines()
        .filter_map(|line| SanName::parse(line).ok().flatten())
        .map(|name| name.to_string())
        .collect();
    let missing: Vec<String> = names
        .iter()
        .map(ToString::to_string)
        .filter(|name| !recorded.contains(name))
        .collect();
    if !missing.is_empty() {
        return Ok(Some(format!("new names: {}", missing.join(", "))));
    }

    let cert_pem = read_to_string(&files.cert)?;
    let Some(info) = der::pem_to_der(&cert_pem).and_then(|der| der::parse_certificate(&der)) else {
        return Ok(Some("the server certificate is unreadable".into()));
    };
    if info.issuer != ca_subject {
        return Ok(Some("the server certificate comes from another CA".into()));
    }
    let key_pem = read_to_string(&files.key)?;
    match KeyPair::from_pem(&key_pem) {
        Ok(key) if key.public_key_raw() == info.public_key.as_slice() => {}
        _ => return Ok(Some("the server key does not match its certificate".into())),
    }
    if info.not_after <= days_from(now, LEAF_RENEW_BEFORE_DAYS)? {
        return Ok(Some(format!(
            "the server certificate ends on {}",
            info.not_after
        )));
    }
    Ok(None)
}

fn issue_leaf(
    files: &TlsFiles,
    paths: &Paths,
    names: &[SanName],
    host: &str,
    ca: &Ca,
    now: OffsetDateTime,
) -> Result<(), PkiError> {
    // Forget the old names first: should we stop half-way, the next start issues again.
    remove_if_exists(&paths.names)?;

    let key = KeyPair::generate()?;
    let mut params = CertificateParams::default();
    params.subject_alt_names = names
        .iter()
        .map(SanName::to_san)
        .collect::<Result<_, _>>()?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, clip(host, COMMON_NAME_MAX_CHARS));
    dn.push(DnType::OrganizationName, ORGANISATION);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = days_from(now, -1)?;
    params.not_after = days_from(params.not_before, LEAF_VALIDITY_DAYS)?;
    let cert = params.signed_by(&key, &ca.issuer)?;

    // The issuer name is rebuilt from the CA file: make sure it came out byte for byte.
    let issued = der::parse_certificate(cert.der())
        .ok_or_else(|| PkiError::Rcgen("cannot read back the new server certificate".into()))?;
    if issued.issuer != ca.subject {
        return Err(PkiError::Rcgen(
            "the new server certificate's issuer does not match the CA subject".into(),
        ));
    }

    write_atomic(&files.key, key.serialize_pem().as_bytes(), 0o600)?;
    write_atomic(&files.cert, cert.pem().as_bytes(), 0o644)?;
    let mut list = String::new();
    for name in names {
        list.push_str(&name.to_string());
        list.push('\n');
    }
    write_atomic(&paths.names, list.as_bytes(), 0o644)?;
    Ok(())
}

/// `at` moved by `days` (negative: earlier), without overflow.
fn days_from(at: OffsetDateTime, days: i64) -> Result<OffsetDateTime, PkiError> {
    at.checked_add(Duration::days(days))
        .ok_or_else(|| PkiError::Rcgen(format!("date out of range: {at} + {days} days")))
}

/// At most `max` characters of `text`.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn exists(path: &Path) -> Result<bool, PkiError> {
    path.try_exists().map_err(io_error(path))
}

fn read_to_string(path: &Path) -> Result<String, PkiError> {
    fs::read_to_string(path).map_err(io_error(path))
}

fn remove_if_exists(path: &Path) -> Result<(), PkiError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error(path)(e)),
        _ => Ok(()),
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, created
/// with `mode`, flushed to disk, then renamed over `path`; the directory is synced last.
fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), PkiError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let tmp = dir.join(format!(".{file_name}.{}.{nanos}.tmp", std::process::id()));

    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        // Best effort: the temporary file may not even exist.
        let _ = fs::remove_file(&tmp);
        return Err(io_error(&tmp)(e));
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error(path)(e));
    }
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_error(dir))
}

/// Checks a certificate handed to the box (by a provisioning bundle): it is readable, `key_pem`
/// is its key, and it names `ca_pem`'s subject as its issuer. Returns its end of validity; the
/// reason, in English, otherwise.
pub fn check_issued_pair(
    cert_pem: &str,
    key_pem: &str,
    ca_pem: &str,
) -> Result<OffsetDateTime, String> {
    let read = |pem: &str| der::pem_to_der(pem).and_then(|der| der::parse_certificate(&der));
    let cert = read(cert_pem).ok_or("not a readable PEM certificate")?;
    let ca = read(ca_pem).ok_or("the CA certificate is not readable")?;
    let key = KeyPair::from_pem(key_pem).map_err(|e| format!("unreadable private key: {e}"))?;
    if cert.public_key != key.public_key_raw() {
        return Err("the private key does not belong to the certificate".into());
    }
    if cert.issuer != ca.subject {
        return Err("the certificate was not issued by the bundle's CA".into());
    }
    Ok(cert.not_after)
}

/// Who a verified client certificate names: its common name and organisational unit (a
/// box's sync certificate: `<host>.<domain>` and the school's UAI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerName {
    /// The common name.
    pub common_name: String,
    /// The organisational unit.
    pub unit: String,
}

/// The names of a certificate (DER), for a TLS peer rustls already verified.
pub fn peer_name(der: &[u8]) -> Option<PeerName> {
    let info = der::parse_certificate(der)?;
    let dn = der::distinguished_name(&info.subject)?;
    let text = |t: rcgen::DnType| match dn.get(&t)? {
        rcgen::DnValue::Utf8String(s) => Some(s.clone()),
        rcgen::DnValue::PrintableString(s) => Some(s.as_str().to_string()),
        _ => None,
    };
    Some(PeerName {
        common_name: text(rcgen::DnType::CommonName)?,
        unit: text(rcgen::DnType::OrganizationalUnitName)?,
    })
}

/// Just enough DER to read back a certificate this module wrote. Every function returns
/// `None` on anything unexpected; nothing here indexes out of bounds or panics.
mod der {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use rcgen::{DistinguishedName, DnType, DnValue};
    use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

    const INTEGER: u8 = 0x02;
    const BIT_STRING: u8 = 0x03;
    const OID: u8 = 0x06;
    const UTF8_STRING: u8 = 0x0c;
    const PRINTABLE_STRING: u8 = 0x13;
    const UTC_TIME: u8 = 0x17;
    const GENERALIZED_TIME: u8 = 0x18;
    const SEQUENCE: u8 = 0x30;
    const SET: u8 = 0x31;
    const VERSION: u8 = 0xa0;

    /// What this module needs from a certificate.
    pub(super) struct CertInfo {
        /// The issuer name, whole DER element.
        pub issuer: Vec<u8>,
        /// The subject name, whole DER element.
        pub subject: Vec<u8>,
        /// End of validity.
        pub not_after: OffsetDateTime,
        /// The subject public key, as raw bytes (for ECDSA, the uncompressed point).
        pub public_key: Vec<u8>,
    }

    /// The DER of the first certificate in a PEM text.
    pub(super) fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        let start = pem.find(BEGIN)? + BEGIN.len();
        let body = pem.get(start..)?;
        let body = body.get(..body.find(END)?)?;
        let base64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(base64).ok()
    }

    /// One DER element and what follows it.
    struct Element<'a> {
        tag: u8,
        /// The value bytes.
        content: &'a [u8],
        /// Header and value.
        whole: &'a [u8],
        /// The bytes after this element.
        rest: &'a [u8],
    }

    /// Reads one element (definite lengths of up to four bytes).
    fn element(input: &[u8]) -> Option<Element<'_>> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (bytes, rest) = rest.split_at(count);
            let len = bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, rest)
        };
        if rest.len() < len {
            return None;
        }
        let header = input.len() - rest.len();
        let (content, after) = rest.split_at(len);
        Some(Element {
            tag,
            content,
            whole: input.get(..header + len)?,
            rest: after,
        })
    }

    /// Reads one element that must have `tag`.
    fn expect(input: &[u8], tag: u8) -> Option<Element<'_>> {
        element(input).filter(|e| e.tag == tag)
    }

    /// Reads the parts of an X.509 certificate this module needs.
    pub(super) fn parse_certificate(der: &[u8]) -> Option<CertInfo> {
        let certificate = expect(der, SEQUENCE)?.content;
        let tbs = expect(certificate, SEQUENCE)?.content;
        let mut rest = tbs;
        if rest.first() == Some(&VERSION) {
            rest = element(rest)?.rest;
        }
        let serial = expect(rest, INTEGER)?;
        let signature_algorithm = expect(serial.rest, SEQUENCE)?;
        let issuer = expect(signature_algorithm.rest, SEQUENCE)?;
        let validity = expect(issuer.rest, SEQUENCE)?;
        let subject = expect(validity.rest, SEQUENCE)?;
        let spki = expect(subject.rest, SEQUENCE)?;

        let not_before = element(validity.content)?;
        let not_after = element(not_before.rest)?;
        let not_after = parse_time(not_after.tag, not_after.content)?;

        let key_algorithm = expect(spki.content, SEQUENCE)?;
        let bits = expect(key_algorithm.rest, BIT_STRING)?.content;
        let (&unused_bits, public_key) = bits.split_first()?;
        if unused_bits != 0 {
            return None;
        }
        Some(CertInfo {
            issuer: issuer.whole.to_vec(),
            subject: subject.whole.to_vec(),
            not_after,
            public_key: public_key.to_vec(),
        })
    }

    /// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
    fn parse_time(tag: u8, text: &[u8]) -> Option<OffsetDateTime> {
        let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i32>().ok();
        let (year, rest) = match (tag, text.len()) {
            (UTC_TIME, 12) => {
                let yy = number(0..2)?;
                (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
            }
            (GENERALIZED_TIME, 14) => (number(0..4)?, 4),
            _ => return None,
        };
        let field =
            |i: usize| -> Option<u8> { u8::try_from(number(rest + 2 * i..rest + 2 * i + 2)?).ok() };
        let date =
            Date::from_calendar_date(year, Month::try_from(field(0)?).ok()?, field(1)?).ok()?;
        let time = Time::from_hms(field(2)?, field(3)?, field(4)?).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc())
    }

    /// The arcs of an OID's content.
    fn parse_oid(content: &[u8]) -> Option<Vec<u64>> {
        let mut values = Vec::new();
        let mut value: u64 = 0;
        for &byte in content {
            if value > (u64::MAX >> 7) {
                return None;
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                values.push(value);
                value = 0;
            }
        }
        if content.last().is_none_or(|b| b & 0x80 != 0) {
            return None;
        }
        let (&first, others) = values.split_first()?;
        let mut arcs = match first {
            0..40 => vec![0, first],
            40..80 => vec![1, first - 40],
            _ => vec![2, first - 80],
        };
        arcs.extend_from_slice(others);
        Some(arcs)
    }

    /// A name (whole DER element) as rcgen writes it again: single-valued RDNs whose values
    /// are UTF8String or PrintableString, the only kinds this module writes.
    pub(super) fn distinguished_name(name: &[u8]) -> Option<DistinguishedName> {
        let mut rdns = expect(name, SEQUENCE)?.content;
        let mut dn = DistinguishedName::new();
        while !rdns.is_empty() {
            let rdn = expect(rdns, SET)?;
            rdns = rdn.rest;
            let attribute = expect(rdn.content, SEQUENCE)?;
            let oid = expect(attribute.content, OID)?;
            let value = element(oid.rest)?;
            // One attribute per RDN, one value per attribute.
            if !attribute.rest.is_empty() || !value.rest.is_empty() {
                return None;
            }
            let (tag, oid, value) = (value.tag, oid.content, value.content);
            let value = match tag {
                UTF8_STRING => DnValue::Utf8String(String::from_utf8(value.to_vec()).ok()?),
                PRINTABLE_STRING => {
                    DnValue::PrintableString(std::str::from_utf8(value).ok()?.try_into().ok()?)
                }
                _ => return None,
            };
            dn.push(DnType::from_oid(&parse_oid(oid)?), value);
        }
        Some(dn)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn bad_input_is_refused_not_panicked_on() {
            assert!(pem_to_der("nothing").is_none());
            assert!(
                pem_to_der("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----").is_none()
            );
            for input in [
                &[][..],
                &[0x30],
                &[0x30, 0x85, 1, 2, 3, 4, 5],
                &[0x30, 0x05, 1],
                &[0x30, 0x80],
            ] {
                assert!(parse_certificate(input).is_none());
                assert!(distinguished_name(input).is_none());
            }
            assert!(parse_oid(&[0x80]).is_none());
            assert!(parse_oid(&[0xff; 12]).is_none());
            assert_eq!(parse_oid(&[0x55, 0x04, 0x03]), Some(vec![2, 5, 4, 3]));
            assert!(parse_time(UTC_TIME, b"991332000000Z").is_none());
            assert!(parse_time(UTC_TIME, b"+9123100000Z").is_none());
            assert_eq!(
                parse_time(UTC_TIME, b"491231235959Z").map(|t| t.year()),
                Some(2049)
            );
            assert_eq!(
                parse_time(GENERALIZED_TIME, b"20500101000000Z").map(|t| t.year()),
                Some(2050)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    fn read(path: &Path) -> Vec<u8> {
        fs::read(path).expect("readable file")
    }

    fn cert_info(path: &Path) -> der::CertInfo {
        let pem = fs::read_to_string(path).expect("readable PEM");
        der::pem_to_der(&pem)
            .and_then(|der| der::parse_certificate(&der))
            .expect("a certificate")
    }

    fn snapshot(files: &TlsFiles, data_dir: &Path) -> [Vec<u8>; 4] {
        [
            read(&files.ca_cert),
            read(&data_dir.join("tls/ca-key.pem")),
            read(&files.cert),
            read(&files.key),
        ]
    }

    #[test]
    fn first_call_creates_a_ca_and_a_leaf_signed_by_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files = ensure_local_certificates(dir.path(), "ecole-jules-ferry.local", &[], now())
            .expect("certificates");
        assert_eq!(files, TlsFiles::in_dir(dir.path()));
        assert_eq!(files.ca_cert, dir.path().join("tls/ca.pem"));
        assert_eq!(files.cert, dir.path().join("tls/cert.pem"));
        assert_eq!(files.key, dir.path().join("tls/key.pem"));
        for path in [&files.ca_cert, &files.cert] {
            let pem = fs::read_to_string(path).expect("PEM");
            assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        }
        for path in [&files.key, &dir.path().join("tls/ca-key.pem")] {
            let pem = fs::read_to_string(path).expect("PEM");
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            assert!(KeyPair::from_pem(&pem).is_ok());
        }

        let ca = cert_info(&files.ca_cert);
        let leaf = cert_info(&files.cert);
        assert_eq!(ca.issuer, ca.subject, "the CA is self-signed");
        assert_eq!(leaf.issuer, ca.subject, "the leaf is issued by the CA");
        let ca_name = der::distinguished_name(&ca.subject).expect("CA name");
        assert_eq!(
            ca_name.get(&DnType::CommonName),
            Some(&rcgen::DnValue::Utf8String(
                "Préau — autorité locale de ecole-jules-ferry.local".into()
            ))
        );
        let leaf_days = (leaf.not_after - now()).whole_days();
        assert!((822..=824).contains(&leaf_days), "{leaf_days}");
        let ca_days = (ca.not_after - now()).whole_days();
        assert!((3640..=3652).contains(&ca_days), "{ca_days}");

        let names = fs::read_to_string(dir.path().join("tls/names.txt")).expect("names");
        assert_eq!(
            names,
            "ecole-jules-ferry.local\nlocalhost\n127.0.0.1\n::1\n"
        );
    }

    #[test]
    fn second_call_reuses_the_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let extra = vec!["192.168.1.10".to_string()];
        let files = ensure_local_certificates(dir.path(), "ecole.local", &extra, now())
            .expect("certificates");
        let before = snapshot(&files, dir.path());
        // Same names, written differently: nothing to do.
        let same = vec![
            " 192.168.1.10 ".to_string(),
            "ECOLE.local.".to_string(),
            String::new(),
        ];
        ensure_local_certificates(dir.path(), "ecole.local", &same, now()).expect("again");
        assert_eq!(snapshot(&files, dir.path()), before);
    }

    #[test]
    fn a_new_name_reissues_the_leaf_with_the_same_ca() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files =
            ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("certificates");
        let [ca, ca_key, cert, key] = snapshot(&files, dir.path());

        let extra = vec!["preau.ecole.fr".to_string(), "10.0.0.5".to_string()];
        ensure_local_certificates(dir.path(), "ecole.local", &extra, now()).expect("reissued");
        let [ca2, ca_key2, cert2, key2] = snapshot(&files, dir.path());
        assert_eq!((ca, ca_key), (ca2, ca_key2), "the CA is kept");
        assert_ne!(cert, cert2, "the leaf is new");
        assert_ne!(key, key2, "with a new key");
        assert_eq!(
            cert_info(&files.cert).issuer,
            cert_info(&files.ca_cert).subject,
            "issued by the reloaded CA"
        );
        let names = fs::read_to_string(dir.path().join("tls/names.txt")).expect("names");
        assert!(names.lines().any(|l| l == "preau.ecole.fr"));
        assert!(names.lines().any(|l| l == "10.0.0.5"));

        // A new host name, too.
        let before = read(&files.cert);
        ensure_local_certificates(dir.path(), "autre.local", &extra, now()).expect("renamed");
        assert_ne!(read(&files.cert), before);
    }

    #[test]
    fn key_files_are_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files =
            ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("certificates");
        for path in [&files.key, &dir.path().join("tls/ca-key.pem")] {
            let mode = fs::metadata(path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
        let leftovers: Vec<_> = fs::read_dir(dir.path().join("tls"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_leaf_near_its_end_is_renewed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let files =
            ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("certificates");
        let before = snapshot(&files, dir.path());
        let later = now() + Duration::days(LEAF_VALIDITY_DAYS - 20);
        ensure_local_certificates(dir.path(), "ecole.local", &[], later).expect("renewed");
        let after = snapshot(&files, dir.path());
        assert_eq!(before[..2], after[..2], "same CA");
        assert_ne!(before[2], after[2], "new leaf");
    }

    #[test]
    fn broken_material_is_handled_without_panicking() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(ensure_local_certificates(dir.path(), "", &[], now()).is_err());
        assert!(ensure_local_certificates(dir.path(), "école.local", &[], now()).is_err());
        let bad = vec!["not a name".to_string()];
        assert!(ensure_local_certificates(dir.path(), "ecole.local", &bad, now()).is_err());

        let files =
            ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("certificates");
        // A corrupt leaf is replaced.
        fs::write(&files.cert, "garbage").expect("write");
        ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("replaced");
        assert_eq!(
            cert_info(&files.cert).issuer,
            cert_info(&files.ca_cert).subject
        );
        // A corrupt CA is an error, and is left alone.
        fs::write(&files.ca_cert, "garbage").expect("write");
        assert!(matches!(
            ensure_local_certificates(dir.path(), "ecole.local", &[], now()),
            Err(PkiError::Rcgen(_))
        ));
        assert_eq!(read(&files.ca_cert), b"garbage");
        // A CA whose key is gone is made anew, with a new leaf.
        fs::remove_file(dir.path().join("tls/ca-key.pem")).expect("remove");
        ensure_local_certificates(dir.path(), "ecole.local", &[], now()).expect("new CA");
        assert_eq!(
            cert_info(&files.cert).issuer,
            cert_info(&files.ca_cert).subject
        );
    }
}
