//! Advertising the box on the school LAN with mDNS / DNS-SD, so that devices find it as
//! `<name>.local` without any DNS configuration.
//!
//! The box announces the host name `<host_label>.local.` and one `_https._tcp.local.` service
//! named after the school, with TXT properties `path=/` and `name=<school name>`.
//!
//! Note on interfaces: mdns-sd's daemon joins the mDNS multicast group on every interface that
//! is up as soon as it starts, before it reads the interface selection made here; the selection
//! then leaves the groups on the other interfaces. No mDNS packet is sent on them, but the kernel
//! does send IGMP/MLD membership reports there in that short window.

use mdns_sd::{IfKind, ServiceDaemon, ServiceInfo};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// The DNS-SD service type the box advertises.
pub const SERVICE_TYPE: &str = "_https._tcp.local.";

/// Longest DNS label, in bytes (host label and service instance name).
const LABEL_MAX_BYTES: usize = 63;
/// Longest value of the `name` TXT property, in bytes (a TXT string holds 255 bytes, `name=`
/// included).
const TXT_NAME_MAX_BYTES: usize = 250;
/// How long stopping waits for the daemon at each step.
const STOP_WAIT: Duration = Duration::from_secs(1);

/// Which interfaces mDNS may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MdnsScope {
    /// No advertisement at all.
    Off,
    /// The loopback interface only (127.0.0.1): for tests and for a box reached through a proxy.
    Loopback,
    /// The named network interfaces (e.g. `eth0`), with their current addresses.
    Interfaces(Vec<String>),
}

/// Why the advertisement could not start.
#[derive(Debug, thiserror::Error)]
pub enum MdnsError {
    /// The host label is not a DNS label (1 to 63 ASCII letters, digits or inner hyphens).
    #[error("invalid mDNS host label {0:?}")]
    InvalidHostLabel(String),
    /// [`MdnsScope::Interfaces`] names no interface.
    #[error("no network interface named for mDNS")]
    NoInterface,
    /// The mDNS daemon refused the service or could not start.
    #[error("mDNS daemon: {0}")]
    Daemon(#[from] mdns_sd::Error),
}

/// A running advertisement; dropping it (or calling stop) unregisters and shuts the daemon down.
pub struct Advertisement {
    /// `None` once stopped.
    daemon: Option<ServiceDaemon>,
    fullname: String,
}

impl std::fmt::Debug for Advertisement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Advertisement")
            .field("fullname", &self.fullname)
            .field("running", &self.daemon.is_some())
            .finish()
    }
}

impl Advertisement {
    /// The advertised service's full name, e.g. `École Jules Ferry._https._tcp.local.`.
    pub fn fullname(&self) -> &str {
        &self.fullname
    }

    /// Unregisters the service (goodbye packets) and shuts the daemon down. Waits at most about
    /// two seconds.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let Some(daemon) = self.daemon.take() else {
            return;
        };
        match daemon.unregister(&self.fullname) {
            Ok(status) => {
                if let Err(e) = status.recv_timeout(STOP_WAIT) {
                    tracing::debug!(error = %e, "mDNS unregister not confirmed");
                }
            }
            Err(e) => tracing::debug!(error = %e, "mDNS unregister failed"),
        }
        match daemon.shutdown() {
            Ok(status) => {
                if let Err(e) = status.recv_timeout(STOP_WAIT) {
                    tracing::debug!(error = %e, "mDNS daemon shutdown not confirmed");
                }
            }
            Err(e) => tracing::debug!(error = %e, "mDNS daemon shutdown failed"),
        }
        tracing::info!(service = %self.fullname, "mDNS advertisement stopped");
    }
}

impl Drop for Advertisement {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Advertises host `<host>.local.` with an `_https._tcp.local.` service named after the school,
/// on `port`.
///
/// Returns `Ok(None)`, starting nothing, for [`MdnsScope::Off`]. The instance name is cut to
/// 63 bytes (a DNS label); the full name goes in the `name` TXT property (cut to 250 bytes).
/// Input is checked before the daemon starts.
pub fn advertise(
    scope: &MdnsScope,
    host_label: &str,
    instance_name: &str,
    port: u16,
) -> Result<Option<Advertisement>, MdnsError> {
    let interfaces: Vec<IfKind> = match scope {
        MdnsScope::Off => return Ok(None),
        MdnsScope::Loopback => vec![IfKind::LoopbackV4],
        MdnsScope::Interfaces(names) => names
            .iter()
            .map(|name| name.trim())
            .filter(|name| !name.is_empty())
            .map(|name| IfKind::Name(name.to_string()))
            .collect(),
    };
    if interfaces.is_empty() {
        return Err(MdnsError::NoInterface);
    }
    if !is_dns_label(host_label) {
        return Err(MdnsError::InvalidHostLabel(host_label.to_string()));
    }
    let host_name = format!("{host_label}.local.");
    let clean_name: String = instance_name.chars().filter(|c| !c.is_control()).collect();
    let clean_name = clean_name.trim();
    let display_name = if clean_name.is_empty() {
        host_label
    } else {
        clean_name
    };
    let instance = clip_bytes(display_name, LABEL_MAX_BYTES);
    let properties = [
        ("path", "/"),
        ("name", clip_bytes(display_name, TXT_NAME_MAX_BYTES)),
    ];

    let mut info = if *scope == MdnsScope::Loopback {
        ServiceInfo::new(
            SERVICE_TYPE,
            instance,
            &host_name,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
            &properties[..],
        )?
    } else {
        ServiceInfo::new(
            SERVICE_TYPE,
            instance,
            &host_name,
            (),
            port,
            &properties[..],
        )?
        .enable_addr_auto()
    };
    info.set_interfaces(interfaces.clone());
    let fullname = info.get_fullname().to_string();

    let daemon = ServiceDaemon::new()?;
    // The daemon handles commands in order: the interface selection applies before the
    // service is announced.
    let started = daemon
        .disable_interface(IfKind::All)
        .and_then(|()| daemon.enable_interface(interfaces))
        .and_then(|()| daemon.register(info));
    if let Err(e) = started {
        if let Ok(status) = daemon.shutdown() {
            let _ = status.recv_timeout(STOP_WAIT);
        }
        return Err(e.into());
    }
    tracing::info!(service = %fullname, host = %host_name, port, ?scope, "mDNS advertisement started");
    Ok(Some(Advertisement {
        daemon: Some(daemon),
        fullname,
    }))
}

/// 1 to 63 ASCII letters, digits and hyphens, not starting or ending with a hyphen.
fn is_dns_label(label: &str) -> bool {
    (1..=LABEL_MAX_BYTES).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn clip_bytes(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sd::ServiceEvent;
    use std::process::{Command, Stdio};
    use std::time::Instant;

    /// Set in the re-executed test binary that runs inside a fresh network namespace.
    const IN_NETNS: &str = "PREAU_MDNS_TEST_IN_NETNS";

    #[test]
    fn off_starts_nothing() {
        let started = advertise(&MdnsScope::Off, "ecole", "École", 443).expect("no error");
        assert!(started.is_none());
    }

    #[test]
    fn bad_input_is_refused_before_anything_starts() {
        let long = "a".repeat(64);
        for label in [
            "",
            "-ecole",
            "ecole-",
            "ecole.local",
            "école",
            "ecole jules",
            &long,
        ] {
            assert!(
                matches!(
                    advertise(&MdnsScope::Loopback, label, "École", 443),
                    Err(MdnsError::InvalidHostLabel(_))
                ),
                "{label:?}"
            );
        }
        for names in [vec![], vec![" ".to_string()]] {
            assert!(matches!(
                advertise(&MdnsScope::Interfaces(names), "ecole", "École", 443),
                Err(MdnsError::NoInterface)
            ));
        }
    }

    #[test]
    fn names_are_clipped_on_character_boundaries() {
        assert!(is_dns_label("ecole-jules-ferry"));
        assert!(is_dns_label(&"a".repeat(63)));
        let name = "é".repeat(40);
        let clipped = clip_bytes(&name, LABEL_MAX_BYTES);
        assert_eq!(clipped.len(), 62);
        assert_eq!(clip_bytes("abc", 10), "abc");
    }

    /// A second daemon, restricted to loopback, browses `_https._tcp.local.` and resolves the
    /// advertised service. It runs in a network namespace of its own (see
    /// [`run_in_fresh_network_namespace`]).
    #[test]
    fn loopback_advertisement_is_resolved_by_a_browser() {
        if std::env::var_os(IN_NETNS).is_none() {
            run_in_fresh_network_namespace("loopback_advertisement_is_resolved_by_a_browser");
            return;
        }

        let label = format!("preau-test-{}", std::process::id());
        let host_name = format!("{label}.local.");
        let port = 8443;
        let school = "École Jules-Ferry (test)";
        let advertisement = advertise(&MdnsScope::Loopback, &label, school, port)
            .expect("advertise")
            .expect("started");

        let browser = ServiceDaemon::new().expect("browser daemon");
        browser.disable_interface(IfKind::All).expect("disable");
        browser
            .enable_interface(IfKind::LoopbackV4)
            .expect("enable loopback");
        let events = browser.browse(SERVICE_TYPE).expect("browse");

        let started = Instant::now();
        let deadline = started + Duration::from_secs(6);
        let mut seen = Vec::new();
        let resolved = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break None;
            }
            match events.recv_timeout(left) {
                Ok(ServiceEvent::ServiceResolved(service)) if service.host == host_name => {
                    break Some(service);
                }
                Ok(other) => seen.push(format!("{other:?}")),
                Err(_) => break None,
            }
        };
        let elapsed = started.elapsed();
        if let Ok(status) = browser.shutdown() {
            let _ = status.recv_timeout(STOP_WAIT);
        }
        advertisement.stop();

        let service = resolved.unwrap_or_else(|| {
            panic!("not resolved within 6 s; other events: {seen:?}");
        });
        println!("resolved {} in {elapsed:?}", service.fullname);
        assert_eq!(service.host, host_name);
        assert_eq!(service.port, port);
        assert_eq!(
            service.fullname,
            format!("{school}.{SERVICE_TYPE}"),
            "instance name"
        );
        assert!(
            service.get_addresses_v4().contains(&Ipv4Addr::LOCALHOST),
            "{:?}",
            service.addresses
        );
        assert_eq!(service.get_property_val_str("path"), Some("/"));
        assert_eq!(service.get_property_val_str("name"), Some(school));
    }

    /// Runs one test of this module again, in a new network namespace holding only a loopback
    /// interface brought up with the MULTICAST flag.
    ///
    /// Why: mdns-sd's daemon joins the mDNS group on every interface that is up before it
    /// applies the loopback-only selection, so even a loopback-only test makes the kernel send
    /// IGMP/MLD reports on the real interfaces; in a fresh namespace there are none. Also, on
    /// some machines `lo` lacks the MULTICAST flag.
    ///
    /// Needs `unshare` (util-linux) and `ip` (iproute2), and either root or unprivileged user
    /// namespaces. Bounded: the child is killed after 15 s.
    fn run_in_fresh_network_namespace(test: &str) {
        let exe = std::env::current_exe().expect("path of the test binary");
        let name = format!("mdns::tests::{test}");
        let flag_sets: [&[&str]; 2] = [&["--net"], &["--map-root-user", "--net"]];
        let flags = flag_sets
            .into_iter()
            .find(|flags| {
                Command::new("unshare")
                    .args(*flags)
                    .arg("true")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|status| status.success())
            })
            .unwrap_or_else(|| {
                panic!(
                    "cannot create a network namespace with `unshare --net` or \
                     `unshare --map-root-user --net`; this test needs one"
                )
            });
        let mut child = Command::new("unshare")
            .args(flags)
            .args([
                "--",
                "sh",
                "-c",
                r#"ip link set lo up && ip link set lo multicast on && exec "$0" "$@""#,
            ])
            .arg(&exe)
            .args([&name, "--exact", "--nocapture", "--test-threads=1"])
            .env(IN_NETNS, "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the test in a network namespace");
        let deadline = Instant::now() + Duration::from_secs(15);
        let timed_out = loop {
            match child.try_wait().expect("wait for the child") {
                Some(_) => break false,
                None if Instant::now() >= deadline => {
                    let _ = child.kill();
                    break true;
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        let output = child.wait_with_output().expect("child output");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        print!("{stdout}");
        assert!(
            !timed_out,
            "{name} timed out in its namespace\n{stdout}\n{stderr}"
        );
        assert!(
            output.status.success() && stdout.contains("test result: ok. 1 passed"),
            "{name} failed in its namespace ({})\n{stdout}\n{stderr}",
            output.status
        );
    }
}
