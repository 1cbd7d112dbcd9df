//! Making a bundle (technician side).

use super::manifest::{Commune, FileEntry, Manifest, Network};
use super::{
    Description, FORMAT_VERSION, Invalid, MANIFEST, ONDE_DIR, SYNC_CERT, SYNC_KEY, TLS_CA,
    TLS_CERT, TLS_KEY, sha256_hex,
};
use crate::archive::{self, Limits};
use crate::ca::{CaError, CommuneCa};
use crate::onde::{self, LineProblem, OndeImport};
use std::fs;
use std::io::Read;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Largest ONDE export copied into a bundle, in bytes.
pub const MAX_ONDE_FILE_BYTES: u64 = 16 << 20;

/// An ONDE export to copy into the bundle as `onde/<name>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OndeFile {
    /// Its file name (no folder).
    pub name: String,
    /// Its bytes, as exported.
    pub data: Vec<u8>,
}

/// A bundle just made. `Debug` leaves the bytes out (they hold private keys).
#[derive(Clone)]
pub struct NewBundle {
    /// The zip's bytes.
    pub zip: Vec<u8>,
    /// The `.minisig` file's text.
    pub signature: String,
    /// Its manifest.
    pub manifest: Manifest,
}

impl std::fmt::Debug for NewBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewBundle")
            .field("zip_bytes", &self.zip.len())
            .field("signature", &self.signature)
            .field("manifest", &self.manifest)
            .finish()
    }
}

/// Why a bundle could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The description or an ONDE file is refused.
    #[error("{0}")]
    Invalid(Invalid),
    /// The CA could not issue the certificates.
    #[error("{0}")]
    Ca(#[from] CaError),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Writing or signing the zip failed, or the result did not verify.
    #[error("{0}")]
    Internal(String),
}

impl CreateError {
    /// The reason, in French.
    pub fn french(&self) -> String {
        match self {
            CreateError::Invalid(e) => e.french(),
            CreateError::Ca(e) => e.french(),
            CreateError::Io { path, source } => format!("{path} : lecture impossible ({source})"),
            CreateError::Internal(e) => format!("lot impossible à produire ({e})"),
        }
    }
}

/// Reads the `*.csv` files (any case) directly inside `dir`, sorted by name. Other files are
/// ignored; a CSV above [`MAX_ONDE_FILE_BYTES`] or with a name the bundle cannot carry is
/// refused.
pub fn read_onde_dir(dir: &Path) -> Result<Vec<OndeFile>, CreateError> {
    let io = |source| CreateError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if !is_csv || !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        let name = entry
            .file_name()
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                CreateError::Invalid(Invalid::new(
                    "onde",
                    format!("{}: file name is not UTF-8", path.display()),
                    format!(
                        "{} : nom de fichier illisible (pas de l'UTF-8)",
                        path.display()
                    ),
                ))
            })?;
        let file_io = |source| CreateError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut data = Vec::new();
        fs::File::open(&path)
            .map_err(file_io)?
            .take(MAX_ONDE_FILE_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(file_io)?;
        if data.len() as u64 > MAX_ONDE_FILE_BYTES {
            return Err(CreateError::Invalid(Invalid::new(
                "onde",
                format!("{name}: larger than {MAX_ONDE_FILE_BYTES} bytes"),
                format!("{name} : plus de {MAX_ONDE_FILE_BYTES} octets"),
            )));
        }
        files.push(OndeFile { name, data });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// One ONDE export of a bundle, read as the box will read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OndeFileCheck {
    /// Its file name.
    pub name: String,
    /// What it holds, in French (« élèves »…), when it could be read.
    pub kind_fr: Option<&'static str>,
    /// Data rows read (header excluded).
    pub rows: usize,
    /// Lines with a problem, numbered as in a spreadsheet (the header is line 1).
    pub problems: Vec<LineProblem>,
    /// Why it could not be read at all, in French.
    pub refused: Option<String>,
}

impl OndeFileCheck {
    /// Whether this file would stop the import on the box: unreadable, or lines left out (a
    /// pupil or a guardian would silently be missing). The box applies the same rule.
    pub fn blocks(&self) -> bool {
        self.refused.is_some() || self.problems.iter().any(|p| p.skipped)
    }
}

/// The ONDE exports of a bundle read before the bundle is made, so that the technician
/// learns at the desk — not at the school — that an export would be refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OndeCheck {
    /// Every file, in the order given.
    pub files: Vec<OndeFileCheck>,
    /// What the readable files hold, joined as the box joins them.
    pub import: OndeImport,
}

impl OndeCheck {
    /// Whether one of the files would stop the import ([`OndeFileCheck::blocks`]).
    pub fn blocks(&self) -> bool {
        self.files.iter().any(OndeFileCheck::blocks)
    }
}

/// Reads the ONDE exports with [`crate::onde::parse`] and joins them with
/// [`OndeImport::combine`], as the box will. Nothing is refused here: see
/// [`OndeCheck::blocks`].
pub fn check_onde(files: &[OndeFile]) -> OndeCheck {
    let mut checks = Vec::new();
    let mut parsed = Vec::new();
    for file in files {
        match onde::parse(&file.data) {
            Ok(read) => {
                checks.push(OndeFileCheck {
                    name: file.name.clone(),
                    kind_fr: Some(read.kind.label_fr()),
                    rows: read.rows,
                    problems: read.problems.clone(),
                    refused: None,
                });
                parsed.push(read);
            }
            Err(e) => checks.push(OndeFileCheck {
                name: file.name.clone(),
                kind_fr: None,
                rows: 0,
                problems: Vec::new(),
                refused: Some(e.to_string()),
            }),
        }
    }
    OndeCheck {
        files: checks,
        import: OndeImport::combine(parsed),
    }
}

/// Makes a bundle: issues the box's certificates with `ca` (whose signing key must be
/// unlocked, see [`CommuneCa::unlock`]), lists every file in the manifest
/// with its SHA-256, writes the zip deterministically and signs it. `serial` comes from
/// [`CommuneCa::take_bundle_serial`]. The result is verified with the CA's public key before
/// it is returned.
pub fn create_bundle(
    ca: &CommuneCa,
    description: &Description,
    onde: &[OndeFile],
    serial: u64,
    now: OffsetDateTime,
) -> Result<NewBundle, CreateError> {
    description.check().map_err(CreateError::Invalid)?;
    // A locked signing key fails here, before any certificate is issued.
    let signing = ca.signing_key()?;
    let now = now
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(now);
    let host = &description.box_.host;
    let network = description.network.parse().map_err(CreateError::Invalid)?;
    let address = match network {
        Network::Static { address, .. } => Some(address),
        Network::Dhcp { .. } => None,
    };
    let uai = description.school.uai().map_err(CreateError::Invalid)?;
    let tls = ca.issue_box_tls(host, address, now)?;
    let sync = ca.issue_sync_client(host, uai.as_str(), now)?;

    let mut files: Vec<(String, Vec<u8>)> = vec![
        (TLS_CA.into(), ca.cert_pem().as_bytes().to_vec()),
        (TLS_CERT.into(), tls.cert_pem.into_bytes()),
        (TLS_KEY.into(), tls.key_pem.into_bytes()),
        (SYNC_CERT.into(), sync.cert_pem.into_bytes()),
        (SYNC_KEY.into(), sync.key_pem.into_bytes()),
    ];
    for file in onde {
        let path = format!("{ONDE_DIR}{}", file.name);
        if file.name.contains('/') || archive::check_name(&path).is_err() {
            return Err(CreateError::Invalid(Invalid::new(
                "onde",
                format!("{:?}: file name not accepted in a bundle", file.name),
                format!(
                    "« {} » : nom de fichier refusé dans un lot (renommer le fichier)",
                    file.name
                ),
            )));
        }
        if files
            .iter()
            .any(|(p, _)| p.to_lowercase() == path.to_lowercase())
        {
            return Err(CreateError::Invalid(Invalid::new(
                "onde",
                format!("{:?} given twice (ignoring case)", file.name),
                format!(
                    "« {} » en double (sans tenir compte des majuscules)",
                    file.name
                ),
            )));
        }
        files.push((path, file.data.clone()));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));

    let state = ca.state();
    let manifest = Manifest {
        format: FORMAT_VERSION,
        serial,
        created: now
            .format(&Rfc3339)
            .map_err(|e| CreateError::Internal(e.to_string()))?,
        tool: format!("preau-provision {}", env!("CARGO_PKG_VERSION")),
        commune: Commune {
            name: state.commune.clone(),
            domain: state.domain.clone(),
        },
        school: description.school.clone(),
        box_: description.box_.clone(),
        network: description.network.clone(),
        central: description.central.clone(),
        time: description.time.clone(),
        ssh: description.ssh.clone(),
        accounts: description.accounts.clone(),
        files: files
            .iter()
            .map(|(path, data)| FileEntry {
                path: path.clone(),
                size: data.len() as u64,
                sha256: sha256_hex(data),
            })
            .collect(),
    };
    manifest.check().map_err(CreateError::Invalid)?;
    let manifest_text = manifest.to_toml().map_err(CreateError::Invalid)?;
    files.push((MANIFEST.into(), manifest_text.into_bytes()));
    let zip = archive::write_archive(&files).map_err(|e| CreateError::Internal(e.to_string()))?;
    let comment = format!(
        "preau-bundle format:{FORMAT_VERSION} uai:{uai} serial:{serial} created:{}",
        manifest.created
    );
    let signature = signing
        .sign(&zip, &comment)
        .map_err(CreateError::Internal)?;
    super::verify_and_open(
        &zip,
        signature.as_bytes(),
        ca.public_key(),
        &Limits::default(),
    )
    .map_err(|e| CreateError::Internal(format!("the new bundle does not verify: {e}")))?;
    Ok(NewBundle {
        zip,
        signature,
        manifest,
    })
}
