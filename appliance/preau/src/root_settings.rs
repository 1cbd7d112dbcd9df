//! The root side of the system settings on the appliance image: root installs only settings
//! the commune signed, never what the unprivileged `preau` service hands it.
//!
//! * When a provisioning stick is mounted, root runs `preau system-settings stage`: it checks
//!   the bundle's signature with the image's key, compares the bundle with the one whose
//!   settings are installed (same school, higher serial: [`AppliedBundle::freshness`]) and
//!   derives the files ([`crate::system_files::files`]) into `<dir>/bundles/<sha256>/`.
//! * When `preau` says which bundle it applied (`<data>/system/bundle.sha256`), root runs
//!   `preau system-settings accept`: if root staged that very bundle and it is still newer than
//!   the installed one, `<dir>/current` points at it from then on. A bundle root did not
//!   verify is refused, whatever `preau` writes.
//!
//! `/usr/lib/preau/install-system-files` then installs the files under `<dir>/current`.

use anyhow::{Context, Result, bail};
use preau_provision::archive::Limits;
use preau_provision::bundle::{AppliedBundle, Freshness, PublicKey, verify_and_open_files};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

/// Root's directory on the image (on the root file system: `preau` cannot write there).
pub const DEFAULT_DIR: &str = "/var/lib/preau-system";
/// The staged bundles' settings, one directory per bundle's SHA-256.
const BUNDLES: &str = "bundles";
/// The symbolic link to the installed bundle's directory.
const CURRENT: &str = "current";
/// In a bundle's directory: which bundle it is (school, serial, SHA-256), as TOML.
const RECORD: &str = "bundle.toml";

/// What `accept` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// The bundle's settings are the installed ones from now on.
    Installed(AppliedBundle),
    /// They already were.
    AlreadyInstalled,
}

/// Where the installed settings are: `<dir>/current`.
pub fn current_dir(dir: &Path) -> PathBuf {
    dir.join(CURRENT)
}

/// The bundle whose settings are installed, if any.
pub fn installed(dir: &Path) -> Result<Option<AppliedBundle>> {
    read_record(&current_dir(dir))
}

fn read_record(bundle_dir: &Path) -> Result<Option<AppliedBundle>> {
    let path = bundle_dir.join(RECORD);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text)
            .map(Some)
            .with_context(|| format!("reading {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn make_dir(path: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .with_context(|| format!("creating {}", path.display()))
}

fn remove_dir_if_there(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Checks the bundle `zip` (and its `.minisig`) with `key` and, when it is the first or a
/// newer bundle than the installed one, derives its settings into `<dir>/bundles/<sha256>/`.
/// Returns the bundle and how it compares with the installed one (only `First` and `Newer`
/// are staged).
pub fn stage(dir: &Path, zip: &Path, key: &PublicKey) -> Result<(AppliedBundle, Freshness)> {
    let bundle = verify_and_open_files(zip, key, &Limits::default())
        .map_err(|e| anyhow::anyhow!("{}: {e}", zip.display()))?;
    let applied = bundle.applied();
    let freshness = applied.freshness(installed(dir)?.as_ref());
    if !matches!(freshness, Freshness::First | Freshness::Newer) {
        return Ok((applied, freshness));
    }
    let bundles = dir.join(BUNDLES);
    make_dir(&bundles)?;
    let staging = bundles.join(format!("{}.tmp", applied.sha256));
    remove_dir_if_there(&staging)?;
    make_dir(&staging)?;
    for (name, contents) in crate::system_files::files(bundle.manifest())? {
        if let Some(text) = contents {
            crate::stick::write_replacing(&staging.join(name), text.as_bytes())
                .with_context(|| format!("writing {name}"))?;
        }
    }
    let record = toml::to_string(&applied).context("recording the bundle")?;
    crate::stick::write_replacing(&staging.join(RECORD), record.as_bytes())
        .context("recording the bundle")?;
    let target = bundles.join(&applied.sha256);
    remove_dir_if_there(&target)?;
    std::fs::rename(&staging, &target)
        .with_context(|| format!("renaming {} to {}", staging.display(), target.display()))?;
    Ok((applied, freshness))
}

/// Reads the SHA-256 `preau` wrote in `applied_file`.
fn read_applied(applied_file: &Path) -> Result<String> {
    let text = std::fs::read(applied_file)
        .with_context(|| format!("reading {}", applied_file.display()))?;
    let sha = String::from_utf8_lossy(&text[..text.len().min(128)])
        .trim()
        .to_string();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("{} does not hold a SHA-256", applied_file.display());
    }
    Ok(sha.to_ascii_lowercase())
}

/// Makes the settings of the bundle named in `applied_file` the installed ones, if root
/// staged that bundle and it is newer than the installed one; otherwise refuses and changes
/// nothing. Staged bundles other than the installed one are removed.
pub fn accept(dir: &Path, applied_file: &Path) -> Result<Accepted> {
    let sha = read_applied(applied_file)?;
    let before = installed(dir)?;
    if before.as_ref().is_some_and(|b| b.sha256 == sha) {
        return Ok(Accepted::AlreadyInstalled);
    }
    let bundles = dir.join(BUNDLES);
    let Some(staged) = read_record(&bundles.join(&sha))? else {
        bail!(
            "the bundle preau says it applied ({sha}) was not checked by root from a stick: the system settings stay as they are"
        );
    };
    match staged.freshness(before.as_ref()) {
        Freshness::First | Freshness::Newer => {}
        other => bail!(
            "the bundle preau says it applied (serial {}, {sha}) is not newer than the installed one ({other:?}): the system settings stay as they are",
            staged.serial
        ),
    }
    let link = dir.join(format!("{CURRENT}.tmp"));
    match std::fs::remove_file(&link) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("removing {}", link.display()));
        }
        _ => {}
    }
    std::os::unix::fs::symlink(Path::new(BUNDLES).join(&sha), &link)
        .with_context(|| format!("linking {}", link.display()))?;
    std::fs::rename(&link, current_dir(dir))
        .with_context(|| format!("renaming {}", link.display()))?;
    for entry in
        std::fs::read_dir(&bundles).with_context(|| format!("listing {}", bundles.display()))?
    {
        let entry = entry.with_context(|| format!("listing {}", bundles.display()))?;
        if entry.file_name() != sha.as_str() {
            remove_dir_if_there(&entry.path())?;
        }
    }
    Ok(Accepted::Installed(staged))
}
