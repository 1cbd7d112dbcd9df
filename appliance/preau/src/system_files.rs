//! The system settings a provisioning bundle carries (host name, network, time servers, SSH
//! keys), as files for the operating system.
//!
//! `preau` runs unprivileged and never changes the system itself, and root does not take
//! settings from it: on the appliance image, root reads the bundle on the stick itself,
//! checks its signature and derives these files from its manifest
//! (`crate::root_settings`). What `preau` writes, under `<data_dir>/system/`, is only which
//! bundle it applied ([`APPLIED`], its SHA-256), when a bundle is applied and at every start;
//! root then installs the settings of that bundle if it verified it.

use anyhow::{Context, Result};
use preau_provision::bundle::{Manifest, Network};
use preau_store::provisioning::Provisioned;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file, under [`dir`], that names the bundle `preau` applied last (its SHA-256).
pub const APPLIED: &str = "bundle.sha256";

/// The directory, under the data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("system")
}

/// The systemd-networkd unit for the wired interfaces.
fn network_unit(network: &Network) -> String {
    let mut out = String::from(
        "# Written by Préau from the provisioning bundle; do not edit.\n[Match]\nName=en* eth*\n\n[Network]\n",
    );
    let dns = match network {
        Network::Dhcp { dns } => {
            out.push_str("DHCP=yes\n");
            dns
        }
        Network::Static {
            address,
            prefix,
            gateway,
            dns,
        } => {
            let _ = writeln!(out, "Address={address}/{prefix}\nGateway={gateway}");
            dns
        }
    };
    for server in dns {
        let _ = writeln!(out, "DNS={server}");
    }
    if matches!(network, Network::Dhcp { dns } if !dns.is_empty()) {
        out.push_str("\n[DHCPv4]\nUseDNS=no\n");
    }
    out
}

/// The files and their contents (`None`: the file must not exist), derived from a bundle's
/// manifest.
pub fn files(manifest: &Manifest) -> Result<Vec<(&'static str, Option<String>)>> {
    let network = manifest
        .network()
        .map_err(|e| anyhow::anyhow!("the network settings: {e}"))?;
    let header = "# Written by Préau from the provisioning bundle; do not edit.\n";
    Ok(vec![
        ("hostname", Some(format!("{}\n", manifest.box_.host))),
        ("10-preau.network", Some(network_unit(&network))),
        (
            "timesyncd.conf",
            Some(format!(
                "{header}[Time]\nNTP={}\n",
                manifest.time.servers.join(" ")
            )),
        ),
        (
            "authorized_keys",
            manifest
                .ssh
                .as_ref()
                .map(|ssh| format!("{header}{}\n", ssh.authorized_keys.join("\n"))),
        ),
    ])
}

/// Writes `<data_dir>/system/bundle.sha256`: the bundle `state` records as applied.
pub fn write(data_dir: &Path, state: &Provisioned) -> Result<()> {
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(APPLIED);
    crate::stick::write_replacing(&path, format!("{}\n", state.sha256).as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
