//! System updates of the appliance (A/B): a folder `preau-update/` on a USB stick holding a
//! new root file system for the slot that is not running (`root.ext4.gz`), its kernel and
//! initramfs, and `manifest.toml` (the version and each file's size and SHA-256), signed with
//! the commune's bundle-signing key (`manifest.toml.minisig`).
//!
//! `image-build/build.sh` writes the three files; `preau-provision update sign` writes the
//! manifest and signs it; on the box, root checks the signature and copies each file while
//! hashing it ([`copy_verified`]), so what is written is exactly what was signed even if the
//! stick changes meanwhile.

use crate::bundle::{PublicKey, SigningKey, hex};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The folder of an update, at the root of the stick.
pub const UPDATE_DIR: &str = "preau-update";
/// The manifest, in the folder.
pub const MANIFEST: &str = "manifest.toml";
/// The manifest's signature, beside it.
pub const SIGNATURE: &str = "manifest.toml.minisig";
/// The root file system image, gzip-compressed.
pub const ROOT_IMAGE: &str = "root.ext4.gz";
/// The kernel.
pub const KERNEL: &str = "vmlinuz";
/// The initramfs.
pub const INITRD: &str = "initrd.img";
/// What the manifest's `kind` says.
const KIND: &str = "preau-update";
/// Largest manifest or signature read.
const MAX_SMALL_FILE: u64 = 64 * 1024;

/// The signed description of an update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateManifest {
    /// Always `preau-update` (a bundle's bytes never read as an update).
    pub kind: String,
    /// The version: the box installs only a higher one than it runs.
    pub version: u64,
    /// The architecture (`amd64`, `arm64`).
    pub arch: String,
    /// The files, each with its size and SHA-256.
    pub files: Vec<UpdateFile>,
}

/// One file of an update.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateFile {
    /// Its name in the folder.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, in hexadecimal.
    pub sha256: String,
}

/// Why an update is refused.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// A file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        source: std::io::Error,
    },
    /// The manifest's signature is missing, or does not verify with the commune's key.
    #[error("the manifest's signature does not verify: {0}")]
    Signature(String),
    /// The manifest does not read.
    #[error("the manifest does not read: {0}")]
    Manifest(String),
    /// A file is not what the manifest says.
    #[error("{0} is not the file the manifest signed (size or SHA-256)")]
    Altered(String),
    /// The update is for another machine.
    #[error("the update is for {found}, this box is {expected}")]
    Arch {
        /// The box's architecture.
        expected: String,
        /// The update's.
        found: String,
    },
    /// The update is not newer than what runs.
    #[error("version {found} is not newer than the running {running}")]
    NotNewer {
        /// What runs.
        running: u64,
        /// The update's.
        found: u64,
    },
    /// The decompressed root file system does not fit in the slot.
    #[error("the root file system is larger than the slot ({0} bytes)")]
    TooLarge(u64),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> UpdateError + '_ {
    move |source| UpdateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Size and SHA-256 of a file, read in chunks.
fn hash_file(path: &Path) -> Result<(u64, String), UpdateError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok((size, hex(&hasher.finalize())))
}

fn read_small(path: &Path) -> Result<Vec<u8>, UpdateError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io(path))?
        .take(MAX_SMALL_FILE)
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    Ok(bytes)
}

/// Describes the update in `dir` (its three files) as `version` for `arch`, writes
/// `manifest.toml` and its signature with `key`.
pub fn sign(
    dir: &Path,
    version: u64,
    arch: &str,
    key: &SigningKey,
) -> Result<UpdateManifest, UpdateError> {
    let mut files = Vec::new();
    for name in [ROOT_IMAGE, KERNEL, INITRD] {
        let (size, sha256) = hash_file(&dir.join(name))?;
        files.push(UpdateFile {
            name: name.to_string(),
            size,
            sha256,
        });
    }
    let manifest = UpdateManifest {
        kind: KIND.to_string(),
        version,
        arch: arch.to_string(),
        files,
    };
    let text = toml::to_string(&manifest).map_err(|e| UpdateError::Manifest(e.to_string()))?;
    let comment = format!("mise à jour Préau, version {version} ({arch})");
    let signature = key
        .sign(text.as_bytes(), &comment)
        .map_err(UpdateError::Signature)?;
    let path = dir.join(MANIFEST);
    std::fs::write(&path, &text).map_err(io(&path))?;
    let path = dir.join(SIGNATURE);
    std::fs::write(&path, signature).map_err(io(&path))?;
    Ok(manifest)
}

/// Reads the manifest of the update in `dir` and checks its signature with `key`, its
/// architecture against `arch` and its version against `running` (it must be higher). The
/// files are checked as they are copied ([`copy_verified`]).
pub fn verify_manifest(
    dir: &Path,
    key: &PublicKey,
    arch: &str,
    running: u64,
) -> Result<UpdateManifest, UpdateError> {
    let text = read_small(&dir.join(MANIFEST))?;
    let signature = read_small(&dir.join(SIGNATURE))?;
    key.verify(&text, &signature)
        .map_err(|e| UpdateError::Signature(e.to_string()))?;
    let text = std::str::from_utf8(&text).map_err(|e| UpdateError::Manifest(e.to_string()))?;
    let manifest: UpdateManifest =
        toml::from_str(text).map_err(|e| UpdateError::Manifest(e.to_string()))?;
    if manifest.kind != KIND {
        return Err(UpdateError::Manifest(format!("kind {}", manifest.kind)));
    }
    let mut names: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    if names != [INITRD, ROOT_IMAGE, KERNEL] {
        return Err(UpdateError::Manifest(format!("files {names:?}")));
    }
    if manifest.arch != arch {
        return Err(UpdateError::Arch {
            expected: arch.to_string(),
            found: manifest.arch,
        });
    }
    if manifest.version <= running {
        return Err(UpdateError::NotNewer {
            running,
            found: manifest.version,
        });
    }
    Ok(manifest)
}

/// Hashes what goes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Copies the manifest's file `name` from `dir` into `out` — decompressed when it is the
/// root image, with at most `max` bytes written — hashing the bytes as they are read: the
/// copy is good only if they are the ones the manifest signed (otherwise [`UpdateError::
/// Altered`], and `out` must be considered garbage). Returns the bytes written.
pub fn copy_verified(
    manifest: &UpdateManifest,
    dir: &Path,
    name: &str,
    out: &mut impl Write,
    max: u64,
) -> Result<u64, UpdateError> {
    let expected = manifest
        .files
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| UpdateError::Manifest(format!("no file {name}")))?;
    let path = dir.join(name);
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let mut hashing = Hashing {
        inner: std::io::BufReader::new(file).take(expected.size + 1),
        hasher: Sha256::new(),
        size: 0,
    };
    let copied = if name == ROOT_IMAGE {
        let mut decoder = flate2::read::GzDecoder::new(&mut hashing).take(max + 1);
        std::io::copy(&mut decoder, out)
    } else {
        std::io::copy(&mut (&mut hashing).take(max + 1), out)
    };
    // What was not read yet (a stream that ended early or failed) is hashed too: a changed
    // file is reported as such, whatever broke first.
    let drained = std::io::copy(&mut hashing, &mut std::io::sink());
    let sha256 = hex(&hashing.hasher.finalize());
    if hashing.size != expected.size || sha256 != expected.sha256 {
        return Err(UpdateError::Altered(name.to_string()));
    }
    let written = copied.and_then(|n| drained.map(|_| n)).map_err(io(&path))?;
    if written > max {
        return Err(UpdateError::TooLarge(max));
    }
    out.flush().map_err(io(&path))?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::generate_signing_key;

    fn update_dir(root: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tmp");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(root).expect("gzip");
        std::fs::write(dir.path().join(ROOT_IMAGE), gz.finish().expect("gzip")).expect("w");
        std::fs::write(dir.path().join(KERNEL), b"kernel").expect("w");
        std::fs::write(dir.path().join(INITRD), b"initrd").expect("w");
        dir
    }

    fn key_pair() -> (SigningKey, PublicKey) {
        let (secret, public) = generate_signing_key(None).expect("key");
        (SigningKey::read(&secret, None).expect("read"), public)
    }

    #[test]
    fn a_signed_update_is_copied_and_anything_else_is_refused() {
        let root = vec![7u8; 100_000];
        let dir = update_dir(&root);
        let (secret, public) = key_pair();
        sign(dir.path(), 20, "amd64", &secret).expect("sign");
        let manifest = verify_manifest(dir.path(), &public, "amd64", 10).expect("verify");
        let mut slot = Vec::new();
        let written =
            copy_verified(&manifest, dir.path(), ROOT_IMAGE, &mut slot, 1 << 20).expect("copy");
        assert_eq!((written, slot), (100_000, root));
        let mut kernel = Vec::new();
        copy_verified(&manifest, dir.path(), KERNEL, &mut kernel, 1 << 20).expect("copy");
        assert_eq!(kernel, b"kernel");

        // Not newer, or for another machine.
        assert!(matches!(
            verify_manifest(dir.path(), &public, "amd64", 20),
            Err(UpdateError::NotNewer { .. })
        ));
        assert!(matches!(
            verify_manifest(dir.path(), &public, "arm64", 10),
            Err(UpdateError::Arch { .. })
        ));
        // Another key.
        let (_, other) = key_pair();
        assert!(matches!(
            verify_manifest(dir.path(), &other, "amd64", 10),
            Err(UpdateError::Signature(_))
        ));
        // A slot too small.
        assert!(matches!(
            copy_verified(&manifest, dir.path(), ROOT_IMAGE, &mut Vec::new(), 1000),
            Err(UpdateError::TooLarge(_))
        ));
        // A file changed after signing: the copy is refused.
        std::fs::write(dir.path().join(KERNEL), b"kernel!").expect("w");
        assert!(matches!(
            copy_verified(&manifest, dir.path(), KERNEL, &mut Vec::new(), 1 << 20),
            Err(UpdateError::Altered(_))
        ));
        // The manifest changed after signing (a higher version): refused.
        let text = std::fs::read_to_string(dir.path().join(MANIFEST)).expect("r");
        std::fs::write(
            dir.path().join(MANIFEST),
            text.replace("version = 20", "version = 99"),
        )
        .expect("w");
        assert!(matches!(
            verify_manifest(dir.path(), &public, "amd64", 10),
            Err(UpdateError::Signature(_))
        ));
    }
}
