//! Checks of the names and addresses a bundle carries: DNS names, the box's host label,
//! private addresses, the central URL, time servers, SSH public keys, UAI codes, sign-in
//! identifiers and e-mail addresses.

use super::Invalid;
use preau_core::Uai;
use std::net::IpAddr;

/// The address ranges the commune CA may certify (its iPAddress name constraints) and a
/// static box address must lie in: RFC 1918, IPv6 unique local and link-local addresses.
pub const PRIVATE_RANGES: [(IpAddr, u8); 5] = [
    (IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 0)), 8),
    (IpAddr::V4(std::net::Ipv4Addr::new(172, 16, 0, 0)), 12),
    (IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 0, 0)), 16),
    (
        IpAddr::V6(std::net::Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)),
        7,
    ),
    (
        IpAddr::V6(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)),
        10,
    ),
];

/// Whether `address` lies in `network/prefix` (false across families).
pub fn in_subnet(address: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(prefix.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(prefix.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether `address` is in one of [`PRIVATE_RANGES`].
pub fn is_private(address: IpAddr) -> bool {
    PRIVATE_RANGES
        .iter()
        .any(|(network, prefix)| in_subnet(address, *network, *prefix))
}

fn label_ok(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A DNS name in lower case: labels of `a-z`, `0-9` and inner `-`, at most 253 bytes.
pub fn check_dns_name(field: &str, name: &str) -> Result<(), Invalid> {
    if name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(Invalid::new(
            field,
            format!("{name:?} is not a lower-case DNS name (letters a-z, digits, inner hyphens)"),
            format!(
                "« {name} » n'est pas un nom DNS en minuscules (lettres a-z, chiffres, tirets intérieurs)"
            ),
        ));
    }
    Ok(())
}

/// The commune's box domain: a DNS name of at least two labels, not under `.local`, short
/// enough to leave room for a host label.
pub fn check_domain(field: &str, domain: &str) -> Result<(), Invalid> {
    check_dns_name(field, domain)?;
    if !domain.contains('.') || domain == "local" || domain.ends_with(".local") {
        return Err(Invalid::new(
            field,
            format!("{domain:?}: the box domain needs at least two labels, outside .local"),
            format!(
                "« {domain} » : le domaine des boîtiers doit avoir au moins deux parties et ne pas finir par .local"
            ),
        ));
    }
    if domain.len() > 253 - 64 {
        return Err(Invalid::new(
            field,
            "domain too long".into(),
            "domaine trop long".into(),
        ));
    }
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Invalid::new(
            field,
            format!("{domain:?} looks like an address, not a domain"),
            format!("« {domain} » ressemble à une adresse, pas à un domaine"),
        ));
    }
    Ok(())
}

/// The box's host label: one DNS label (`jules-ferry`), which names it `<host>.<domain>` and
/// `<host>.local`.
pub fn check_host(field: &str, host: &str) -> Result<(), Invalid> {
    if !label_ok(host) {
        return Err(Invalid::new(
            field,
            format!(
                "{host:?} is not a host name: 1 to 63 lower-case letters a-z, digits or inner hyphens, no dot"
            ),
            format!(
                "« {host} » n'est pas un nom d'hôte : 1 à 63 lettres minuscules a-z, chiffres ou tirets intérieurs, sans point"
            ),
        ));
    }
    Ok(())
}

/// A time server: a DNS name or an IP address.
pub fn check_time_server(field: &str, server: &str) -> Result<(), Invalid> {
    if server.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    check_dns_name(field, server)
}

/// The central server's address: `https://host[:port][/path]`, no credentials, query or
/// fragment.
pub fn check_central_url(field: &str, url: &str) -> Result<(), Invalid> {
    let invalid = |en: &str, fr: &str| {
        Invalid::new(field, format!("{url:?}: {en}"), format!("« {url} » : {fr}"))
    };
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(invalid(
            "must start with https://",
            "doit commencer par https://",
        ));
    };
    if rest.contains(['@', '?', '#', ' ', '\\']) || rest.chars().any(char::is_control) {
        return Err(invalid(
            "no credentials, query, fragment, spaces or backslashes",
            "ni identifiants, ni paramètres, ni fragment, ni espaces, ni barre oblique inverse",
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (address, after) = v6.split_once(']').unwrap_or((v6, ""));
            if address.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(invalid("invalid IPv6 address", "adresse IPv6 invalide"));
            }
            (None, after.strip_prefix(':'))
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(authority), None),
        },
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p != 0)
    {
        return Err(invalid("invalid port", "port invalide"));
    }
    if let Some(host) = host
        && host.parse::<std::net::Ipv4Addr>().is_err()
        && check_dns_name(field, host).is_err()
    {
        return Err(invalid(
            "the host is neither a lower-case DNS name nor an address",
            "l'hôte n'est ni un nom DNS en minuscules ni une adresse",
        ));
    }
    Ok(())
}

/// Types of SSH public keys accepted in `authorized_keys`.
const SSH_KEY_TYPES: [&str; 6] = [
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
];

/// One line of `authorized_keys`: `<type> <base64> [comment]`, without options.
pub fn check_ssh_key(field: &str, key: &str) -> Result<(), Invalid> {
    let mut parts = key.split(' ');
    let kind = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let ok = SSH_KEY_TYPES.contains(&kind)
        && body.len() >= 16
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        && key.len() <= 16 * 1024
        && !key.chars().any(char::is_control);
    if !ok {
        return Err(Invalid::new(
            field,
            "not an SSH public key line (`ssh-ed25519 AAAA… comment`)".into(),
            "ce n'est pas une clé publique SSH (« ssh-ed25519 AAAA… commentaire »)".into(),
        ));
    }
    Ok(())
}

/// A school's UAI code as written: 7 digits and the check letter (checked). Accepts what
/// [`Uai::parse`] accepts; [`check_uai`] also wants the canonical spelling.
pub fn parse_uai(field: &str, text: &str) -> Result<Uai, Invalid> {
    Uai::parse(text).map_err(|e| {
        let fr = match e {
            preau_core::uai::UaiError::Shape => {
                "un code UAI s'écrit avec 7 chiffres suivis d'une lettre".to_string()
            }
            preau_core::uai::UaiError::CheckLetter { expected } => {
                format!("la lettre de contrôle de ce code UAI devrait être {expected}")
            }
        };
        Invalid::new(
            field,
            format!("{text:?}: {e}"),
            format!("« {text} » : {fr}"),
        )
    })
}

/// A school's UAI code, valid and written exactly as [`Uai::parse`] normalises it
/// (`0750654D`).
pub fn check_uai(field: &str, text: &str) -> Result<Uai, Invalid> {
    let uai = parse_uai(field, text)?;
    if uai.as_str() != text {
        return Err(Invalid::new(
            field,
            format!("write the code as {uai}"),
            format!("écrire le code sous la forme {uai}"),
        ));
    }
    Ok(uai)
}

/// A sign-in identifier: 3 to 64 lower-case ASCII letters, digits, `.`, `-` or `_`.
pub fn check_login(field: &str, login: &str) -> Result<(), Invalid> {
    let ok = (3..=64).contains(&login.len())
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
        });
    if !ok {
        return Err(Invalid::new(
            field,
            format!(
                "{login:?} is not a sign-in identifier: 3 to 64 lower-case letters a-z, digits, '.', '-' or '_'"
            ),
            format!(
                "« {login} » n'est pas un identifiant de connexion : 3 à 64 caractères parmi les lettres minuscules a-z, les chiffres, « . », « - » et « _ »"
            ),
        ));
    }
    Ok(())
}

/// An e-mail address, loosely: one line of at most 254 characters, no spaces, one `@` with
/// something on each side and a dot in the domain.
pub fn check_email(field: &str, email: &str) -> Result<(), Invalid> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !ok {
        return Err(Invalid::new(
            field,
            format!("{email:?} is not an e-mail address"),
            format!("« {email} » n'est pas une adresse électronique"),
        ));
    }
    Ok(())
}

/// Free text (names, addresses): trimmed, 1 to `max` characters, one line.
pub fn check_text(field: &str, text: &str, max: usize) -> Result<(), Invalid> {
    let count = text.chars().count();
    if text.trim() != text || count == 0 || count > max || text.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            format!("expected one line of 1 to {max} characters, without surrounding spaces"),
            format!("attendu : une ligne de 1 à {max} caractères, sans espaces autour"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert!(is_private(ip("192.168.10.5")));
        assert!(is_private(ip("172.31.255.255")));
        assert!(!is_private(ip("172.32.0.1")));
        assert!(!is_private(ip("8.8.8.8")));
        assert!(is_private(ip("fd12::1")));
        assert!(!is_private(ip("2001:db8::1")));
        assert!(in_subnet(ip("10.1.2.3"), ip("10.1.2.0"), 24));
        assert!(!in_subnet(ip("10.1.3.3"), ip("10.1.2.0"), 24));
        assert!(in_subnet(ip("10.1.3.3"), ip("0.0.0.0"), 0));
    }

    #[test]
    fn urls_and_names() {
        for ok in [
            "https://ent.ville.fr",
            "https://ent.ville.fr:8443/sync",
            "https://10.0.0.1/",
            "https://[fd00::1]:443",
        ] {
            assert!(check_central_url("u", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://ent.ville.fr",
            "https://user@ent.ville.fr",
            "https://ent.ville.fr:0",
            "https://Ent.ville.fr",
            "https://",
        ] {
            assert!(check_central_url("u", bad).is_err(), "{bad}");
        }
        assert!(check_domain("d", "ecoles.ville.fr").is_ok());
        assert!(check_domain("d", "ville").is_err());
        assert!(check_domain("d", "ecoles.local").is_err());
        assert!(check_domain("d", "10.0.0.1").is_err());
        assert!(check_host("h", "jules-ferry").is_ok());
        assert!(check_host("h", "a.b").is_err());
        assert!(check_host("h", "-a").is_err());
    }

    #[test]
    fn uai_logins_and_emails() {
        assert!(check_uai("u", "0750654D").is_ok());
        let e = check_uai("u", "0750654E").expect_err("check letter");
        assert!(e.french().contains("devrait être D"), "{}", e.french());
        assert!(check_uai("u", "075065D").is_err());
        for ok in ["helene.lefevre", "abc", "j_dupont-2", &"a".repeat(64)] {
            assert!(check_login("l", ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "Helene", "hélène", "a b", "a@b", "", &"a".repeat(65)] {
            assert!(check_login("l", bad).is_err(), "{bad}");
        }
        for ok in ["direction@ecole.fr", "a.b+c@ac-nantes.fr"] {
            assert!(check_email("m", ok).is_ok(), "{ok}");
        }
        for bad in [
            "direction",
            "a@b",
            "@ecole.fr",
            "a b@ecole.fr",
            "a@@ecole.fr",
            "a@ecole.",
        ] {
            assert!(check_email("m", bad).is_err(), "{bad}");
        }
    }
}
