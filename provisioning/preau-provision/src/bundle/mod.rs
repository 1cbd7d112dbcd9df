//! The provisioning bundle: what it holds, how it is made, signed, verified and opened.
//!
//! A bundle is two files side by side on the stick: `preau-bundle.zip` and
//! `preau-bundle.zip.minisig`, a minisign (Ed25519, prehashed) signature of the zip file's
//! bytes, made with the commune's bundle signing key. The box checks the signature over the
//! raw bytes *before* it reads anything of the zip ([`verify_and_open`]); only then is the zip
//! read by the defensive reader of [`crate::archive`], the manifest parsed, and every file
//! checked against the SHA-256 the manifest lists.
//!
//! Layout of the zip (entries sorted, fixed timestamps):
//!
//! | entry | content |
//! |---|---|
//! | `manifest.toml` | [`Manifest`]: format, serial, creation time, commune, school, box, network, central, time servers, SSH keys, `[[accounts]]` (the adult accounts the box creates), and `[[files]]` (path, size, SHA-256 of every other entry) |
//! | `tls/ca.crt` | the commune CA certificate (PEM) |
//! | `tls/box.crt`, `tls/box.key` | the box's TLS certificate (`<host>.<domain>`, `<host>.local`, its static address) and key (PKCS#8 PEM) |
//! | `sync/client.crt`, `sync/client.key` | the box's client certificate for central (clientAuth) and key |
//! | `onde/*.csv` | the school's ONDE exports, copied byte for byte (parsed by the box) |

mod create;
mod description;
mod manifest;
pub mod names;
mod open;
mod sign;

pub use create::{
    CreateError, MAX_ONDE_FILE_BYTES, NewBundle, OndeCheck, OndeFile, OndeFileCheck, check_onde,
    create_bundle, read_onde_dir,
};
pub use description::{Description, EXAMPLE};
pub use manifest::Account;
pub use manifest::{
    BoxSection, Central, Commune, FileEntry, MAX_ACCOUNTS, Manifest, Network, NetworkMode,
    NetworkSection, School, Ssh, Time,
};
pub use open::{
    AppliedBundle, Freshness, UnverifiedBundle, VerifiedBundle, inspect_unverified, signature_path,
    verify_and_open, verify_and_open_files,
};
pub use sign::{PublicKey, SigningKey, SigningKeyError, generate_signing_key, is_encrypted_key};

use crate::archive::ArchiveError;
use std::path::PathBuf;

/// Format version written in `manifest.toml`.
pub const FORMAT_VERSION: u32 = 1;
/// Name of the zip on the stick.
pub const BUNDLE_FILE: &str = "preau-bundle.zip";
/// Suffix of the signature file, next to the zip (`preau-bundle.zip.minisig`, minisign's
/// own convention, so that `minisign -Vm preau-bundle.zip -p bundle-signing.pub` works too).
pub const SIGNATURE_SUFFIX: &str = ".minisig";
/// The manifest's name in the zip.
pub const MANIFEST: &str = "manifest.toml";
/// The commune CA certificate in the zip.
pub const TLS_CA: &str = "tls/ca.crt";
/// The box's TLS certificate in the zip.
pub const TLS_CERT: &str = "tls/box.crt";
/// The box's TLS key in the zip.
pub const TLS_KEY: &str = "tls/box.key";
/// The box's sync client certificate in the zip.
pub const SYNC_CERT: &str = "sync/client.crt";
/// The box's sync client key in the zip.
pub const SYNC_KEY: &str = "sync/client.key";
/// The folder of the ONDE exports in the zip.
pub const ONDE_DIR: &str = "onde/";
/// Files every bundle holds besides the manifest.
pub const REQUIRED_FILES: [&str; 5] = [TLS_CA, TLS_CERT, TLS_KEY, SYNC_CERT, SYNC_KEY];
/// Largest signature file read, in bytes.
pub const MAX_SIGNATURE_BYTES: u64 = 4096;
/// Largest manifest read, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 256 << 10;

/// A field of a description or a manifest that is wrong, said in both languages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {en}")]
pub struct Invalid {
    /// The key concerned (`school.uai`, `network.address`…).
    pub field: String,
    /// What is wrong, in English.
    pub en: String,
    /// What is wrong, in French.
    pub fr: String,
}

impl Invalid {
    pub(crate) fn new(field: &str, en: String, fr: String) -> Invalid {
        Invalid {
            field: field.to_string(),
            en,
            fr,
        }
    }

    /// `<field> : <what is wrong>`, in French.
    pub fn french(&self) -> String {
        format!("{} : {}", self.field, self.fr)
    }
}

/// Why a bundle was refused (or could not be read). Display is English, for logs;
/// [`BundleError::french`] is for the report on the stick and the setup page.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The signature file is not there: the bundle is unsigned.
    #[error("no signature ({} is missing): unsigned bundle", path.display())]
    SignatureMissing {
        /// Where it was expected.
        path: PathBuf,
    },
    /// The signature file is not a minisign signature.
    #[error("the signature file is not a minisign signature")]
    SignatureMalformed,
    /// The public key is not a minisign public key.
    #[error("not a minisign public key")]
    PublicKeyMalformed,
    /// The bundle was signed with another key than the box's.
    #[error("signed with key {found}, expected key {expected}")]
    WrongKey {
        /// The key the box trusts (minisign key id).
        expected: String,
        /// The key that signed.
        found: String,
    },
    /// The signature does not match the bytes: the zip (or the signature) was changed.
    #[error("the signature does not match the bundle: it was altered")]
    BadSignature,
    /// The zip itself is refused.
    #[error("archive refused: {0}")]
    Archive(#[from] ArchiveError),
    /// There is no `manifest.toml`.
    #[error("no manifest.toml in the bundle")]
    ManifestMissing,
    /// The manifest is refused.
    #[error("manifest refused: {0}")]
    Manifest(Invalid),
    /// A file listed by the manifest is not in the zip.
    #[error("{0} is listed in the manifest but missing")]
    FileMissing(String),
    /// A file of the zip is not listed by the manifest.
    #[error("{0} is in the bundle but not in the manifest")]
    FileUnlisted(String),
    /// A file's size or SHA-256 differs from the manifest's.
    #[error("{0} does not match its SHA-256 in the manifest")]
    FileAltered(String),
}

impl BundleError {
    /// The reason, in French.
    pub fn french(&self) -> String {
        match self {
            BundleError::Io { path, source } => {
                format!("lecture impossible de {} ({source})", path.display())
            }
            BundleError::SignatureMissing { path } => format!(
                "lot non signé : le fichier de signature {} est absent",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            BundleError::SignatureMalformed => {
                "le fichier de signature n'est pas une signature minisign".into()
            }
            BundleError::PublicKeyMalformed => "la clé publique n'est pas une clé minisign".into(),
            BundleError::WrongKey { expected, found } => format!(
                "lot signé avec une autre clé ({found}) que celle de la commune ({expected})"
            ),
            BundleError::BadSignature => {
                "la signature ne correspond pas au lot : il a été modifié ou abîmé".into()
            }
            BundleError::Archive(e) => format!("archive refusée : {}", e.french()),
            BundleError::ManifestMissing => "le lot ne contient pas de manifest.toml".into(),
            BundleError::Manifest(e) => format!("manifest.toml refusé : {}", e.french()),
            BundleError::FileMissing(path) => {
                format!("{path} est listé dans le manifeste mais absent du lot")
            }
            BundleError::FileUnlisted(path) => {
                format!("{path} est dans le lot mais pas dans le manifeste")
            }
            BundleError::FileAltered(path) => {
                format!("{path} ne correspond pas à son empreinte SHA-256 du manifeste")
            }
        }
    }
}

/// SHA-256 in lower-case hexadecimal.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// A digest in lower-case hexadecimal.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
