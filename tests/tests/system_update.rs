//! The appliance's system update as root runs it (`preau system-update install`): an update
//! signed with the commune's key is written onto the free slot (here a file) and its kernel
//! and initramfs into a folder; an unsigned, altered, older or foreign one is refused.

use preau::system_update::{Install, install};
use preau_provision::update::{INITRD, KERNEL, ROOT_IMAGE, sign};
use preau_tests::bundles::Commune;
use std::io::Write;
use std::path::Path;

/// An update folder whose root file system is `root`.
fn update_folder(dir: &Path, root: &[u8]) {
    std::fs::create_dir_all(dir).expect("dir");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(root).expect("gzip");
    std::fs::write(dir.join(ROOT_IMAGE), gz.finish().expect("gzip")).expect("root");
    std::fs::write(dir.join(KERNEL), b"MZ kernel").expect("kernel");
    std::fs::write(dir.join(INITRD), b"initramfs").expect("initrd");
}

#[test]
fn a_signed_update_goes_onto_the_free_slot_and_nothing_else_does() {
    let tmp = tempfile::tempdir().expect("tmp");
    let commune = Commune::new("Villeneuve");
    let key = commune.ca.public_key().clone();
    let signing = commune.ca.signing_key().expect("signing key");
    let update = tmp.path().join("preau-update");
    let root: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    update_folder(&update, &root);
    sign(&update, 1_800_000_000, "amd64", signing).expect("sign");
    let slot = tmp.path().join("slot-b");
    std::fs::write(&slot, vec![0u8; 512 * 1024]).expect("slot");
    let boot = tmp.path().join("esp").join("preau-b.new");
    let to = Install {
        update: &update,
        key: &key,
        arch: "amd64",
        running: 1_700_000_000,
        device: &slot,
        boot_files: &boot,
    };

    let manifest = install(&to).expect("install");
    assert_eq!(manifest.version, 1_800_000_000);
    let written = std::fs::read(&slot).expect("slot");
    assert_eq!(&written[..root.len()], &root[..]);
    assert_eq!(
        std::fs::read(boot.join(KERNEL)).expect("kernel"),
        b"MZ kernel"
    );
    assert_eq!(
        std::fs::read(boot.join(INITRD)).expect("initrd"),
        b"initramfs"
    );

    // The same version again, or an older one: refused before anything is written.
    let again = install(&Install {
        running: 1_800_000_000,
        ..to
    });
    assert!(
        again.unwrap_err().to_string().contains("not newer"),
        "not newer"
    );
    // For another machine.
    let foreign = install(&Install {
        arch: "arm64",
        ..to
    });
    assert!(foreign.unwrap_err().to_string().contains("is for amd64"));
    // Signed by another commune.
    let other = Commune::new("Ailleurs");
    let refused = install(&Install {
        key: other.ca.public_key(),
        ..to
    });
    assert!(refused.unwrap_err().to_string().contains("signature"));
    // A root file system changed on the stick after signing.
    let mut changed = root.clone();
    changed[1000] ^= 0xFF;
    update_folder(&update, &changed);
    std::fs::write(update.join(KERNEL), b"MZ kernel").expect("kernel");
    let altered = install(&to).unwrap_err().to_string();
    assert!(
        altered.contains("not the file the manifest signed"),
        "{altered}"
    );
    // A slot too small for the root file system.
    update_folder(&update, &root);
    let small = tmp.path().join("small");
    std::fs::write(&small, vec![0u8; 1024]).expect("small");
    let too_large = install(&Install {
        device: &small,
        ..to
    });
    assert!(
        too_large
            .unwrap_err()
            .to_string()
            .contains("larger than the slot")
    );
}
