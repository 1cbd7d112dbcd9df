//! The system settings a provisioning bundle carries (host name, network, time servers, SSH
//! keys), written as files for the operating system under `<data_dir>/system/`.
//!
//! `preau` runs unprivileged and never changes the system itself: on the appliance image a
//! small root unit watches that directory and installs the files (systemd-networkd,
//! systemd-timesyncd, the SSH server's authorized keys). They are derived from the
//! provisioning state and written again whenever a bundle is applied and at every start.

use anyhow::{Context, Result};
use preau_provision::bundle::{Manifest, Network};
use preau_store::provisioning::Provisioned;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

/// The files and their contents (`None`: the file must not exist).
pub fn files(state: &Provisioned) -> Result<Vec<(&'static str, Option<String>)>> {
    let manifest = Manifest::parse(&state.manifest)
        .map_err(|e| anyhow::anyhow!("the recorded manifest: {e}"))?;
    let network = manifest
        .network()
        .map_err(|e| anyhow::anyhow!("the recorded network settings: {e}"))?;
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

/// Writes the files under `<data_dir>/system/` (replacing each whole).
pub fn write(data_dir: &Path, state: &Provisioned) -> Result<()> {
    let dir = dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, contents) in files(state)? {
        let path = dir.join(name);
        match contents {
            Some(text) => {
                let temporary = path.with_extension("tmp");
                std::fs::write(&temporary, text)
                    .and_then(|()| std::fs::rename(&temporary, &path))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| format!("removing {}", path.display()));
                }
                _ => {}
            },
        }
    }
    Ok(())
}
