//! Settings of the application layer (a part of the binary's configuration).

use ipnet::IpNet;
use std::net::IpAddr;

/// Minimum Argon2 memory cost in KiB (46 MiB, the OWASP recommendation with t = 1).
pub const MIN_ARGON2_KIB: u32 = 46 * 1024;

/// How sign-in and sessions behave.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Networks from which pupils may sign in (the school LAN).
    pub school_networks: Vec<IpNet>,
    /// Idle time after which an adult's session ends, in seconds.
    pub adult_idle_secs: i64,
    /// Idle time after which a pupil's session ends (shared classroom devices), in seconds.
    pub pupil_idle_secs: i64,
    /// Argon2id memory cost in KiB (at least [`MIN_ARGON2_KIB`]).
    pub argon2_memory_kib: u32,
    /// How many password hashes may run at once (bounds memory: each takes the memory cost).
    pub hash_concurrency: usize,
    /// How long an activation code stays valid, in seconds.
    pub activation_valid_secs: i64,
    /// The largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Quotas of document spaces, in bytes.
    pub quotas: Quotas,
    /// The `preau` binary, to extract text in a child process with memory and time limits
    /// (`preau extract`); `None` extracts in-process.
    pub extractor: Option<std::path::PathBuf>,
    /// The appliance system this box runs (version and root slot), when it is one.
    pub release: Option<Release>,
}

/// The appliance system a box runs, from `/etc/preau-release` (`VERSION=` the Unix time the
/// system was built or signed, `SLOT=` A or B): an update changes both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The version (a Unix time).
    pub version: i64,
    /// The root slot, `A` or `B`.
    pub slot: String,
}

impl Release {
    /// Reads the file's text; `None` unless it names a version.
    pub fn parse(text: &str) -> Option<Release> {
        let value = |key: &str| {
            text.lines()
                .find_map(|line| line.trim().strip_prefix(key)?.strip_prefix('='))
                .map(|v| v.trim().trim_matches('"').to_string())
        };
        let version = value("VERSION")?.parse().ok()?;
        let slot = value("SLOT")
            .filter(|s| s == "A" || s == "B")
            .unwrap_or_default();
        Some(Release { version, slot })
    }
}

/// How much each kind of document space may hold, in bytes (every kept revision and the
/// trash count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// A pupil's own space.
    pub pupil: u64,
    /// An adult's own space.
    pub adult: u64,
    /// A class space.
    pub class: u64,
    /// A group space.
    pub group: u64,
    /// The staff room.
    pub staff: u64,
}

const MIB: u64 = 1024 * 1024;

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            pupil: 500 * MIB,
            adult: 5 * 1024 * MIB,
            class: 10 * 1024 * MIB,
            group: 1024 * MIB,
            staff: 20 * 1024 * MIB,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            school_networks: default_school_networks(),
            adult_idle_secs: 60 * 60,
            pupil_idle_secs: 15 * 60,
            argon2_memory_kib: MIN_ARGON2_KIB,
            hash_concurrency: 4,
            activation_valid_secs: 30 * 24 * 3600,
            max_file_bytes: 4 * 1024 * MIB,
            quotas: Quotas::default(),
            extractor: None,
            release: None,
        }
    }
}

/// Loopback and the private ranges a school LAN uses.
pub fn default_school_networks() -> Vec<IpNet> {
    [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect()
}

impl Settings {
    /// Whether an address belongs to the school network.
    pub fn on_school_network(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.school_networks.iter().any(|n| n.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::Release;

    #[test]
    fn the_release_file_names_the_version_and_the_slot() {
        assert_eq!(
            Release::parse("VERSION=1796003740\nSLOT=B\n"),
            Some(Release {
                version: 1_796_003_740,
                slot: "B".into()
            })
        );
        assert_eq!(
            Release::parse("SLOT=Z\nVERSION=\"12\"").map(|r| (r.version, r.slot)),
            Some((12, String::new()))
        );
        assert_eq!(Release::parse("SLOT=A\n"), None);
        assert_eq!(Release::parse("VERSION=soon\n"), None);
    }
}
