//! Opening a bundle (box side): the signature first, then the zip, then the manifest and
//! every file's SHA-256.

use super::manifest::Manifest;
use super::{
    BUNDLE_FILE, BundleError, MANIFEST, MAX_MANIFEST_BYTES, ONDE_DIR, PublicKey, SIGNATURE_SUFFIX,
    SYNC_CERT, SYNC_KEY, TLS_CA, TLS_CERT, TLS_KEY, sha256_hex,
};
use crate::archive::{self, Limits};
use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A bundle whose signature, archive, manifest and file hashes were all checked. Only this
/// type gives access to the keys and files; the box stages and applies from it. Its `Debug`
/// shows names, never contents (the bundle holds private keys).
#[derive(Clone)]
pub struct VerifiedBundle {
    manifest: Manifest,
    files: BTreeMap<String, Vec<u8>>,
    sha256: String,
    key_id: String,
}

/// A bundle read *without* checking its signature (for `bundle inspect` and fuzzing): its
/// archive, manifest and hashes are checked, but nothing says who made it. It gives no access
/// to the files' contents, only to the manifest.
#[derive(Clone, Debug)]
pub struct UnverifiedBundle {
    /// The manifest.
    pub manifest: Manifest,
    /// The SHA-256 of the zip file.
    pub sha256: String,
    /// Certificates of the bundle (name in the zip, PEM), for display.
    pub certificates: Vec<(String, Vec<u8>)>,
}

/// What a box records about the last bundle it applied, to compare the next one with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppliedBundle {
    /// The school's UAI.
    pub uai: String,
    /// The bundle's serial.
    pub serial: u64,
    /// The SHA-256 of its zip file.
    pub sha256: String,
}

/// How a verified bundle relates to the one a box applied last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The box was never provisioned: apply.
    First,
    /// The very same bundle (same zip bytes): nothing to do.
    Same,
    /// A newer bundle for the same school (higher serial): apply.
    Newer,
    /// An older or concurrent bundle for the same school (serial not higher): refuse.
    NotNewer,
    /// A bundle for another school: refuse (re-provisioning a box for another school needs a
    /// reset first).
    OtherSchool,
}

/// Reads `path` whole, refusing more than `max` bytes.
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, std::io::Error> {
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`verify_and_open`] on files: `zip` and its signature `zip` + `.minisig`. The zip is read
/// under `limits.max_archive_bytes`, the signature under 4 KiB.
pub fn verify_and_open_files(
    zip: &Path,
    key: &PublicKey,
    limits: &Limits,
) -> Result<VerifiedBundle, BundleError> {
    let signature_path = signature_path(zip);
    let signature = match read_capped(&signature_path, super::MAX_SIGNATURE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BundleError::SignatureMissing {
                path: signature_path,
            });
        }
        Err(source) => {
            return Err(BundleError::Io {
                path: signature_path,
                source,
            });
        }
    };
    let bytes = read_capped(zip, limits.max_archive_bytes).map_err(|source| BundleError::Io {
        path: zip.to_path_buf(),
        source,
    })?;
    verify_and_open(&bytes, &signature, key, limits)
}

/// Where the signature of `zip` lives: `zip` + `.minisig` (`preau-bundle.zip.minisig`).
pub fn signature_path(zip: &Path) -> PathBuf {
    let mut name = zip
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| BUNDLE_FILE.into());
    name.push(SIGNATURE_SUFFIX);
    zip.with_file_name(name)
}

/// Checks `signature` over `zip` with `key` — before reading anything of the zip — then reads
/// the zip under `limits`, parses and checks the manifest, and checks that the zip holds
/// exactly the files the manifest lists, each with its size and SHA-256.
pub fn verify_and_open(
    zip: &[u8],
    signature: &[u8],
    key: &PublicKey,
    limits: &Limits,
) -> Result<VerifiedBundle, BundleError> {
    if zip.len() as u64 > limits.max_archive_bytes {
        return Err(archive::ArchiveError::TooLarge {
            size: zip.len() as u64,
            max: limits.max_archive_bytes,
        }
        .into());
    }
    key.verify(zip, signature)?;
    let (manifest, files) = open_checked(zip, limits)?;
    Ok(VerifiedBundle {
        manifest,
        files,
        sha256: sha256_hex(zip),
        key_id: key.key_id(),
    })
}

/// Reads a bundle without its signature: see [`UnverifiedBundle`].
pub fn inspect_unverified(zip: &[u8], limits: &Limits) -> Result<UnverifiedBundle, BundleError> {
    let (manifest, files) = open_checked(zip, limits)?;
    let certificates = files
        .into_iter()
        .filter(|(name, _)| name.ends_with(".crt"))
        .collect();
    Ok(UnverifiedBundle {
        manifest,
        sha256: sha256_hex(zip),
        certificates,
    })
}

fn open_checked(
    zip: &[u8],
    limits: &Limits,
) -> Result<(Manifest, BTreeMap<String, Vec<u8>>), BundleError> {
    let entries = archive::read_archive(zip, limits)?;
    let mut files = BTreeMap::new();
    let mut manifest_bytes = None;
    for entry in entries {
        if entry.name == MANIFEST {
            manifest_bytes = Some(entry.data);
        } else {
            files.insert(entry.name, entry.data);
        }
    }
    let manifest_bytes = manifest_bytes.ok_or(BundleError::ManifestMissing)?;
    if manifest_bytes.len() > MAX_MANIFEST_BYTES {
        return Err(BundleError::Manifest(super::Invalid::new(
            MANIFEST,
            "too large".into(),
            "trop grand".into(),
        )));
    }
    let text = std::str::from_utf8(&manifest_bytes).map_err(|_| {
        BundleError::Manifest(super::Invalid::new(
            MANIFEST,
            "not UTF-8".into(),
            "n'est pas de l'UTF-8".into(),
        ))
    })?;
    let manifest = Manifest::parse(text).map_err(BundleError::Manifest)?;
    for listed in &manifest.files {
        let data = files
            .get(&listed.path)
            .ok_or_else(|| BundleError::FileMissing(listed.path.clone()))?;
        if data.len() as u64 != listed.size || sha256_hex(data) != listed.sha256 {
            return Err(BundleError::FileAltered(listed.path.clone()));
        }
    }
    if let Some(extra) = files
        .keys()
        .find(|name| !manifest.files.iter().any(|f| &f.path == *name))
    {
        return Err(BundleError::FileUnlisted(extra.clone()));
    }
    Ok((manifest, files))
}

impl std::fmt::Debug for VerifiedBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedBundle")
            .field("uai", &self.manifest.school.uai)
            .field("serial", &self.manifest.serial)
            .field("sha256", &self.sha256)
            .field("key_id", &self.key_id)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl VerifiedBundle {
    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The SHA-256 of the zip file (lower-case hexadecimal): the bundle's identity.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The id of the key that signed it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// A file of the bundle by its name in the zip.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    fn required(&self, path: &str) -> &[u8] {
        // The manifest check guarantees the required files are listed, and the listing check
        // that listed files are present.
        self.files.get(path).map(Vec::as_slice).unwrap_or_default()
    }

    /// The commune CA certificate (PEM).
    pub fn ca_cert_pem(&self) -> &[u8] {
        self.required(TLS_CA)
    }

    /// The box's TLS certificate (PEM).
    pub fn tls_cert_pem(&self) -> &[u8] {
        self.required(TLS_CERT)
    }

    /// The box's TLS private key (PKCS#8 PEM).
    pub fn tls_key_pem(&self) -> &[u8] {
        self.required(TLS_KEY)
    }

    /// The box's sync client certificate (PEM).
    pub fn sync_cert_pem(&self) -> &[u8] {
        self.required(SYNC_CERT)
    }

    /// The box's sync client private key (PKCS#8 PEM).
    pub fn sync_key_pem(&self) -> &[u8] {
        self.required(SYNC_KEY)
    }

    /// The ONDE exports (file name without `onde/`, bytes), sorted by name.
    pub fn onde_files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().filter_map(|(name, data)| {
            name.strip_prefix(ONDE_DIR)
                .map(|short| (short, data.as_slice()))
        })
    }

    /// What the box should record once this bundle is applied.
    pub fn applied(&self) -> AppliedBundle {
        AppliedBundle {
            uai: self.manifest.school.uai.clone(),
            serial: self.manifest.serial,
            sha256: self.sha256.clone(),
        }
    }

    /// How this bundle relates to the last one applied (`None`: never provisioned).
    pub fn freshness(&self, last: Option<&AppliedBundle>) -> Freshness {
        self.applied().freshness(last)
    }
}

impl AppliedBundle {
    /// How this bundle relates to `last`, the one applied before it (`None`: never
    /// provisioned).
    pub fn freshness(&self, last: Option<&AppliedBundle>) -> Freshness {
        match last {
            None => Freshness::First,
            Some(last) if last.sha256 == self.sha256 => Freshness::Same,
            Some(last) if last.uai != self.uai => Freshness::OtherSchool,
            Some(last) if self.serial > last.serial => Freshness::Newer,
            Some(_) => Freshness::NotNewer,
        }
    }
}
