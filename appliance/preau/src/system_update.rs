//! The root side of a system update on the appliance image (`preau system-update install`,
//! run by `/usr/lib/preau/update` when a stick holding `preau-update/` is plugged in): checks
//! the signed manifest with the commune's key, then writes the root file system onto the slot
//! that is not running and its kernel and initramfs into a folder of the boot partition,
//! hashing every byte as it is copied ([`preau_provision::update::copy_verified`]).

use anyhow::{Context, Result};
use preau_provision::bundle::PublicKey;
use preau_provision::update::{
    INITRD, KERNEL, ROOT_IMAGE, UpdateManifest, copy_verified, verify_manifest,
};
use std::io::{Seek, SeekFrom};
use std::path::Path;

/// Largest kernel or initramfs copied.
const MAX_BOOT_FILE: u64 = 256 * 1024 * 1024;

/// What `install` needs.
pub struct Install<'a> {
    /// The update's folder on the stick.
    pub update: &'a Path,
    /// The commune's bundle-signing key.
    pub key: &'a PublicKey,
    /// This box's architecture.
    pub arch: &'a str,
    /// The version running now (the update must be newer).
    pub running: u64,
    /// The free slot's block device (or a file, in tests).
    pub device: &'a Path,
    /// Where the kernel and initramfs go (a new folder on the boot partition).
    pub boot_files: &'a Path,
}

/// Checks the update and writes it; returns its manifest. On an error the slot and the
/// folder hold garbage and must not be booted (the caller writes no boot entry).
pub fn install(to: &Install) -> Result<UpdateManifest> {
    let manifest = verify_manifest(to.update, to.key, to.arch, to.running)?;
    let mut slot = std::fs::OpenOptions::new()
        .write(true)
        .open(to.device)
        .with_context(|| format!("opening {}", to.device.display()))?;
    let capacity = slot
        .seek(SeekFrom::End(0))
        .and_then(|size| slot.seek(SeekFrom::Start(0)).map(|_| size))
        .with_context(|| format!("sizing {}", to.device.display()))?;
    copy_verified(&manifest, to.update, ROOT_IMAGE, &mut slot, capacity)?;
    slot.sync_all()
        .with_context(|| format!("flushing {}", to.device.display()))?;
    std::fs::create_dir_all(to.boot_files)
        .with_context(|| format!("creating {}", to.boot_files.display()))?;
    for name in [KERNEL, INITRD] {
        let path = to.boot_files.join(name);
        let mut file =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        copy_verified(&manifest, to.update, name, &mut file, MAX_BOOT_FILE)?;
        file.sync_all()
            .with_context(|| format!("flushing {}", path.display()))?;
    }
    Ok(manifest)
}
