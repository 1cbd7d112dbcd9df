//! The appliance's root side of the system settings (`preau system-settings stage|accept`):
//! root installs the host name, network, time servers and SSH keys of a bundle only when it
//! checked that bundle's signature itself, whatever the unprivileged `preau` service writes.

use preau::root_settings::{Accepted, accept, current_dir, installed, stage};
use preau_provision::bundle::{Freshness, NewBundle, sha256_hex};
use preau_tests::bundles::{Commune, UAI, description, write_bundle};
use std::path::Path;

const SSH: &str = "\n[ssh]\nauthorized_keys = [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn5xMY0ZsRWj2bvfLMlH2CqS5RHq7qs6HpGJkSUTeWd technicien@mairie\"]\n";

/// What `preau` writes after applying `bundle`: its SHA-256.
fn preau_says_it_applied(file: &Path, bundle: &NewBundle) {
    std::fs::write(file, format!("{}\n", sha256_hex(&bundle.zip))).expect("write");
}

fn installed_file(root: &Path, name: &str) -> Option<String> {
    std::fs::read_to_string(current_dir(root).join(name)).ok()
}

/// Names of the staged bundles' directories.
fn staged(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("bundles"))
        .map(|dir| {
            dir.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn root_installs_the_settings_of_a_bundle_it_checked_and_of_no_other() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("preau-system");
    let applied = tmp.path().join("bundle.sha256");
    let mut commune = Commune::new("Villeneuve");
    let key = commune.ca.public_key().clone();
    let first = commune.bundle(&description("jules-ferry", UAI, SSH), &[]);
    let stick = write_bundle(&first, &tmp.path().join("stick-1"));

    // preau names a bundle root never checked: refused, nothing installed.
    preau_says_it_applied(&applied, &first);
    let refused = accept(&root, &applied).expect_err("not staged");
    assert!(
        refused.to_string().contains("was not checked by root"),
        "{refused}"
    );
    assert_eq!(installed(&root).expect("read"), None);

    // The stick is mounted: root checks the bundle and stages its settings; preau then says
    // it applied it, and they become the installed ones.
    let (bundle, freshness) = stage(&root, &stick, &key).expect("stage");
    assert_eq!(freshness, Freshness::First);
    assert_eq!(
        (bundle.uai.as_str(), bundle.serial),
        (UAI, first.manifest.serial)
    );
    assert_eq!(
        accept(&root, &applied).expect("accept"),
        Accepted::Installed(bundle.clone())
    );
    assert_eq!(installed(&root).expect("read"), Some(bundle.clone()));
    assert_eq!(
        installed_file(&root, "hostname").as_deref(),
        Some("jules-ferry\n")
    );
    let network = installed_file(&root, "10-preau.network").expect("network");
    assert!(network.contains("DHCP=yes"), "{network}");
    let ntp = installed_file(&root, "timesyncd.conf").expect("timesyncd");
    assert!(
        ntp.contains("NTP=ntp.villeneuve.fr 0.fr.pool.ntp.org"),
        "{ntp}"
    );
    let keys = installed_file(&root, "authorized_keys").expect("keys");
    assert!(keys.contains("technicien@mairie"), "{keys}");
    // preau writes the same name again at every start: nothing to do.
    assert_eq!(
        accept(&root, &applied).expect("again"),
        Accepted::AlreadyInstalled
    );
    // The same stick plugged in again is not staged again.
    assert_eq!(stage(&root, &stick, &key).expect("same").1, Freshness::Same);

    // A forged or garbled name changes nothing.
    std::fs::write(&applied, format!("{}\n", "0".repeat(64))).expect("write");
    assert!(accept(&root, &applied).is_err());
    std::fs::write(&applied, "ExecStart=/bin/sh\n").expect("write");
    let garbled = accept(&root, &applied).expect_err("garbled");
    assert!(garbled.to_string().contains("SHA-256"), "{garbled}");
    assert_eq!(installed(&root).expect("read"), Some(bundle.clone()));

    // An altered bundle (one byte of the zip changed) is refused at the stick: nothing staged.
    let mut altered = commune.bundle(&description("jules-ferry", UAI, ""), &[]);
    let middle = altered.zip.len() / 2;
    altered.zip[middle] ^= 0x01;
    let altered_stick = write_bundle(&altered, &tmp.path().join("stick-altered"));
    let error = stage(&root, &altered_stick, &key).expect_err("altered");
    assert!(error.to_string().contains("altered"), "{error}");
    assert_eq!(staged(&root), vec![bundle.sha256.clone()]);

    // A newer bundle without SSH keys: staged when its stick is mounted, installed only once
    // preau says it applied it — then no key is left.
    let newer = commune.bundle(&description("jules-ferry", UAI, ""), &[]);
    let newer_stick = write_bundle(&newer, &tmp.path().join("stick-2"));
    let (newer_bundle, freshness) = stage(&root, &newer_stick, &key).expect("stage newer");
    assert_eq!(freshness, Freshness::Newer);
    assert_eq!(installed(&root).expect("read"), Some(bundle.clone()));
    preau_says_it_applied(&applied, &newer);
    assert_eq!(
        accept(&root, &applied).expect("accept newer"),
        Accepted::Installed(newer_bundle.clone())
    );
    assert_eq!(installed_file(&root, "authorized_keys"), None);
    assert_eq!(
        staged(&root),
        vec![newer_bundle.sha256.clone()],
        "older ones removed"
    );

    // The first bundle again (an old stick, or preau replaying it): not staged, refused.
    assert_eq!(
        stage(&root, &stick, &key).expect("old").1,
        Freshness::NotNewer
    );
    preau_says_it_applied(&applied, &first);
    assert!(accept(&root, &applied).is_err());
    // Another school's bundle, even signed by the commune: not staged.
    let other = commune.bundle(&description("pasteur", "0750655E", SSH), &[]);
    let other_stick = write_bundle(&other, &tmp.path().join("stick-other"));
    assert_eq!(
        stage(&root, &other_stick, &key).expect("other").1,
        Freshness::OtherSchool
    );
    preau_says_it_applied(&applied, &other);
    assert!(accept(&root, &applied).is_err());
    assert_eq!(installed(&root).expect("read"), Some(newer_bundle));
    assert_eq!(installed_file(&root, "authorized_keys"), None);
}

#[test]
fn a_bundle_signed_with_another_key_is_never_staged() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path().join("preau-system");
    let ours = Commune::new("Villeneuve");
    let mut theirs = Commune::new("Ailleurs");
    let bundle = theirs.bundle(&description("jules-ferry", UAI, SSH), &[]);
    let stick = write_bundle(&bundle, &tmp.path().join("stick"));
    let error = stage(&root, &stick, ours.ca.public_key()).expect_err("other key");
    assert!(error.to_string().contains("signed with key"), "{error}");
    std::fs::remove_file(preau_provision::bundle::signature_path(&stick)).expect("rm");
    let error = stage(&root, &stick, ours.ca.public_key()).expect_err("unsigned");
    assert!(error.to_string().contains("no signature"), "{error}");
    assert!(staged(&root).is_empty());
    assert_eq!(installed(&root).expect("read"), None);
}
