//! Provisioning bundles for tests: a commune CA in a temporary folder, and signed bundles
//! made with the technician's own library, written where a USB stick would be mounted.

use preau_provision::bundle::{self, Description, NewBundle, OndeFile};
use preau_provision::ca::{self, CommuneCa};
use std::path::Path;
use tempfile::TempDir;
use time::OffsetDateTime;

/// The commune's box domain in these tests.
pub const DOMAIN: &str = "ecoles.villeneuve.fr";
/// The school of the bundles (its check letter is right).
pub const UAI: &str = "0750654D";

/// A school description with a headteacher account; `more` is appended (more accounts,
/// `[ssh]`…). The box takes its address from DHCP.
pub fn description(host: &str, uai: &str, more: &str) -> String {
    format!(
        r#"[school]
uai = "{uai}"
name = "École élémentaire Jules-Ferry"
address = "12 rue des Écoles, 75005 Villeneuve"
commune = "Villeneuve"

[box]
host = "{host}"

[network]
mode = "dhcp"

[central]
url = "https://ent.villeneuve.fr"

[time]
servers = ["ntp.villeneuve.fr", "0.fr.pool.ntp.org"]

[[accounts]]
role = "direction"
first_name = "Claire"
last_name = "Dubois"
login = "claire.dubois"
{more}"#
    )
}

/// An ONDE export from `tests/fixtures/onde`.
pub fn onde_fixture(name: &str) -> OndeFile {
    let path = format!("{}/fixtures/onde/{name}", env!("CARGO_MANIFEST_DIR"));
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    OndeFile {
        name: name.to_string(),
        data,
    }
}

/// A commune's certificate authority and bundle-signing key, in a temporary folder.
pub struct Commune {
    /// The CA, as `preau-provision ca init` makes it.
    pub ca: CommuneCa,
    _dir: TempDir,
}

impl Commune {
    /// A new commune CA.
    pub fn new(name: &str) -> Commune {
        let dir = tempfile::tempdir().expect("tmp");
        let ca = ca::init(
            &dir.path().join("ca"),
            name,
            DOMAIN,
            OffsetDateTime::now_utc(),
        )
        .expect("ca init");
        Commune { ca, _dir: dir }
    }

    /// The bundle-signing public key, as the box's key file holds it.
    pub fn public_key_file(&self) -> String {
        self.ca.public_key().to_file_text()
    }

    /// A signed bundle with the next serial number.
    pub fn bundle(&mut self, description: &str, onde: &[OndeFile]) -> NewBundle {
        let description = Description::parse(description).expect("description");
        let serial = self.ca.take_bundle_serial().expect("serial");
        bundle::create_bundle(
            &self.ca,
            &description,
            onde,
            serial,
            OffsetDateTime::now_utc(),
        )
        .expect("bundle")
    }
}

/// Writes `preau-bundle.zip` and its signature into `dir` (made if needed); returns the
/// zip's path.
pub fn write_bundle(bundle: &NewBundle, dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).expect("stick dir");
    let zip = dir.join(bundle::BUNDLE_FILE);
    std::fs::write(&zip, &bundle.zip).expect("zip");
    std::fs::write(bundle::signature_path(&zip), &bundle.signature).expect("signature");
    zip
}
