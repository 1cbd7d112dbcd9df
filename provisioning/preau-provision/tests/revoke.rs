//! Revocation: `CommuneCa::revoke`, the CRL central loads (checked with x509-parser and
//! webpki, as rustls' client verifier does), and `ca revoke` / `ca crl` run as a black box.

use preau_provision::archive::Limits;
use preau_provision::bundle::{self, Description, OndeFile};
use preau_provision::ca::{self, CaError, CommuneCa};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_parser::revocation_list::CertificateRevocationList;

const DOMAIN: &str = "ecoles.villeneuve.fr";

fn new_ca(dir: &Path) -> CommuneCa {
    ca::init(
        &dir.join("ca"),
        "Villeneuve",
        DOMAIN,
        OffsetDateTime::now_utc(),
    )
    .expect("ca init")
}

/// The sync client certificate (PEM) of a new bundle for the example school.
fn bundle_sync_cert(ca: &mut CommuneCa) -> Vec<u8> {
    let serial = ca.take_bundle_serial().expect("serial");
    let description = Description::parse(bundle::EXAMPLE).expect("description");
    let onde = vec![OndeFile {
        name: "ExtractionEleves.csv".into(),
        data: b"Nom;Pr\xe9nom;Date naissance\r\nDUPONT;L\xe9a;01/02/2017\r\n".to_vec(),
    }];
    let new = bundle::create_bundle(ca, &description, &onde, serial, OffsetDateTime::now_utc())
        .expect("create");
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        ca.public_key(),
        &Limits::default(),
    )
    .expect("open");
    opened.sync_cert_pem().to_vec()
}

fn pem_contents(pem: &[u8]) -> (String, Vec<u8>) {
    let (rest, pem) = x509_parser::pem::parse_x509_pem(pem).expect("pem");
    assert!(rest.iter().all(u8::is_ascii_whitespace), "one PEM block");
    (pem.label, pem.contents)
}

fn der(pem: &[u8]) -> CertificateDer<'static> {
    CertificateDer::from(pem_contents(pem).1)
}

/// The serial as `CommuneCa::revoke` returns it.
fn serial_of(cert_pem: &[u8]) -> String {
    let der = der(cert_pem);
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("certificate");
    let raw = cert.raw_serial();
    let start = raw.iter().position(|b| *b != 0).unwrap_or(0);
    raw[start..].iter().map(|b| format!("{b:02X}")).collect()
}

/// Verifies `leaf_pem` for client auth against the CA, checking revocation with `crl_pem` as
/// strictly as central: a certificate the CRL does not cover is refused, and so is an
/// expired CRL.
fn verify_with_crl(ca_pem: &[u8], leaf_pem: &[u8], crl_pem: &[u8]) -> Result<(), webpki::Error> {
    let (label, crl_der) = pem_contents(crl_pem);
    assert_eq!(label, "X509 CRL");
    let crl = CertRevocationList::from(OwnedCertRevocationList::from_der(&crl_der)?);
    let crls = [&crl];
    let revocation = RevocationOptionsBuilder::new(&crls)
        .expect("one CRL")
        .with_depth(RevocationCheckDepth::Chain)
        .with_status_policy(UnknownStatusPolicy::Deny)
        .with_expiration_policy(ExpirationPolicy::Enforce)
        .build();
    let ca_der = der(ca_pem);
    let anchor = webpki::anchor_from_trusted_cert(&ca_der)?;
    let leaf_der = der(leaf_pem);
    let leaf = EndEntityCert::try_from(&leaf_der)?;
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &[],
        UnixTime::now(),
        KeyUsage::client_auth(),
        Some(revocation),
        None,
    )
    .map(|_| ())
}

/// Runs `f` on the parsed CRL.
fn with_crl<T>(crl_pem: &[u8], f: impl FnOnce(&CertificateRevocationList<'_>) -> T) -> T {
    let (label, der) = pem_contents(crl_pem);
    assert_eq!(label, "X509 CRL");
    let (rest, crl) = x509_parser::parse_x509_crl(&der).expect("CRL");
    assert!(rest.is_empty());
    f(&crl)
}

fn crl_serials(crl_pem: &[u8]) -> Vec<String> {
    with_crl(crl_pem, |crl| {
        crl.iter_revoked_certificates()
            .map(|r| r.raw_serial().iter().map(|b| format!("{b:02X}")).collect())
            .collect()
    })
}

fn crl_number(crl_pem: &[u8]) -> u64 {
    with_crl(crl_pem, |crl| {
        crl.crl_number()
            .expect("CRL number")
            .try_into()
            .expect("small")
    })
}

#[test]
fn a_revoked_sync_certificate_is_listed_in_a_crl_signed_by_the_ca() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let ca_pem = ca.cert_pem().as_bytes().to_vec();
    let stolen = bundle_sync_cert(&mut ca);
    let kept = ca
        .issue_sync_client("pasteur", "0750654D", OffsetDateTime::now_utc())
        .expect("issue")
        .cert_pem
        .into_bytes();

    // Before anything is revoked, a CRL lists nothing and both certificates pass.
    let empty = ca.crl_pem(OffsetDateTime::now_utc()).expect("crl");
    assert!(crl_serials(empty.as_bytes()).is_empty());
    assert_eq!(crl_number(empty.as_bytes()), 1);
    verify_with_crl(&ca_pem, &stolen, empty.as_bytes()).expect("not revoked yet");
    verify_with_crl(&ca_pem, &kept, empty.as_bytes()).expect("not revoked");

    let now = OffsetDateTime::now_utc();
    let serial = ca.revoke(&stolen, "boîtier volé", now).expect("revoke");
    assert_eq!(serial, serial_of(&stolen));
    assert_eq!(ca.revoked().len(), 1);
    let entry = &ca.revoked()[0];
    assert_eq!(entry.serial, serial);
    assert_eq!(entry.reason, "boîtier volé");
    assert!(
        entry
            .subject
            .contains("CN=jules-ferry.ecoles.villeneuve.fr"),
        "{}",
        entry.subject
    );
    assert!(entry.subject.contains("OU=0750654D"), "{}", entry.subject);

    let path = ca.write_crl(now).expect("write crl");
    assert_eq!(path, ca.dir().join(ca::CRL_FILE));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644
    );
    let crl_pem = fs::read(&path).unwrap();
    assert!(crl_pem.starts_with(b"-----BEGIN X509 CRL-----"));

    // x509-parser: issued and signed by the CA, dated, numbered, listing the serial.
    let ca_der = der(&ca_pem);
    let (_, ca_cert) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    with_crl(&crl_pem, |crl| {
        assert_eq!(crl.issuer().as_raw(), ca_cert.subject().as_raw());
        crl.verify_signature(ca_cert.public_key())
            .expect("signed by the CA");
        let this_update = crl.last_update().to_datetime();
        assert!(
            (this_update - now).abs() < Duration::seconds(2),
            "{this_update}"
        );
        let next_update = crl.next_update().expect("next update").to_datetime();
        assert_eq!(next_update - this_update, Duration::days(30));
        let revoked: Vec<_> = crl.iter_revoked_certificates().collect();
        assert_eq!(revoked.len(), 1);
        assert_eq!(
            revoked[0].raw_serial(),
            x509_parser::parse_x509_certificate(&der(&stolen))
                .unwrap()
                .1
                .raw_serial()
        );
        let reason = revoked[0].reason_code().expect("reason").1;
        assert_eq!(reason, x509_parser::x509::ReasonCode::KeyCompromise);
        assert!((revoked[0].revocation_date.to_datetime() - now).abs() < Duration::seconds(2));
    });
    assert_eq!(crl_serials(&crl_pem), std::slice::from_ref(&serial));
    // One more than the previous CRL.
    assert_eq!(crl_number(&crl_pem), 2);

    // webpki, as central's client verifier: the revoked certificate is refused, the other
    // still passes, and the revoked one still chains without the CRL.
    assert!(matches!(
        verify_with_crl(&ca_pem, &stolen, &crl_pem),
        Err(webpki::Error::CertRevoked)
    ));
    verify_with_crl(&ca_pem, &kept, &crl_pem).expect("not revoked");

    // A CRL for a CA of the same name but another key is not believed.
    let other_dir = TempDir::new().unwrap();
    let mut other = new_ca(other_dir.path());
    let forged = other.crl_pem(OffsetDateTime::now_utc()).unwrap();
    let e = verify_with_crl(&ca_pem, &kept, forged.as_bytes()).unwrap_err();
    assert!(
        matches!(e, webpki::Error::InvalidCrlSignatureForPublicKey),
        "{e:?}"
    );

    // Kept in commune.toml: reopened, the list and the CRL number are there.
    let mut reopened = ca::open(ca.dir()).expect("reopen");
    assert_eq!(reopened.revoked(), ca.revoked());
    assert_eq!(reopened.state().last_crl_number, 2);
    let next = reopened.crl_pem(OffsetDateTime::now_utc()).unwrap();
    assert_eq!(crl_number(next.as_bytes()), 3);
    assert_eq!(crl_serials(next.as_bytes()), [serial]);
    // Issuing bundles afterwards keeps the revocations.
    bundle_sync_cert(&mut reopened);
    assert_eq!(ca::open(ca.dir()).unwrap().revoked().len(), 1);
}

#[test]
fn revoking_twice_keeps_one_entry() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let cert = bundle_sync_cert(&mut ca);
    let first = OffsetDateTime::now_utc() - Duration::hours(1);
    let serial = ca.revoke(&cert, "boîtier perdu", first).unwrap();
    let state = fs::read(ca.dir().join(ca::STATE_FILE)).unwrap();
    let again = ca
        .revoke(&cert, "autre motif", OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(again, serial);
    assert_eq!(ca.revoked().len(), 1);
    assert_eq!(ca.revoked()[0].reason, "boîtier perdu");
    // commune.toml was not rewritten.
    assert_eq!(fs::read(ca.dir().join(ca::STATE_FILE)).unwrap(), state);
    let text = String::from_utf8(state).unwrap();
    assert_eq!(text.matches("[[revoked]]").count(), 1, "{text}");
    let crl = ca.crl_pem(OffsetDateTime::now_utc()).unwrap();
    assert_eq!(crl_serials(crl.as_bytes()), [serial]);
}

#[test]
fn only_certificates_this_ca_issued_are_revoked() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let state_file = ca.dir().join(ca::STATE_FILE);
    let state = fs::read(&state_file).unwrap();
    // Another CA, even one with the same name (so the same issuer name): refused on its
    // signature.
    let other_dir = TempDir::new().unwrap();
    let mut other = new_ca(other_dir.path());
    assert_eq!(
        other.cert_pem().lines().count(),
        ca.cert_pem().lines().count()
    );
    let foreign = bundle_sync_cert(&mut other);
    let now = OffsetDateTime::now_utc();
    let e = ca.revoke(&foreign, "", now).unwrap_err();
    assert!(matches!(e, CaError::ForeignCertificate), "{e}");
    assert!(
        e.french()
            .contains("n'a pas été émis par l'autorité de cette commune"),
        "{}",
        e.french()
    );
    let e = ca.revoke(other.cert_pem().as_bytes(), "", now).unwrap_err();
    assert!(matches!(e, CaError::ForeignCertificate), "{e}");
    // The CA's own certificate.
    let own = ca.cert_pem().as_bytes().to_vec();
    let e = ca.revoke(&own, "", now).unwrap_err();
    assert!(matches!(e, CaError::CaCertificate), "{e}");
    // Not a certificate, two certificates, a bad reason.
    let e = ca.revoke(b"bonjour", "", now).unwrap_err();
    assert!(matches!(e, CaError::NotACertificate(_)), "{e}");
    assert_eq!(fs::read(&state_file).unwrap(), state, "nothing recorded");
    let mine = bundle_sync_cert(&mut ca);
    let state = fs::read(&state_file).unwrap();
    let two = [mine.clone(), mine.clone()].concat();
    let e = ca.revoke(&two, "", now).unwrap_err();
    assert!(matches!(e, CaError::NotACertificate(_)), "{e}");
    let e = ca.revoke(&mine, "volé\nle 3 mars", now).unwrap_err();
    assert!(matches!(e, CaError::Invalid(_)), "{e}");
    assert!(ca.revoked().is_empty());
    assert_eq!(fs::read(&state_file).unwrap(), state, "nothing recorded");
    // The box TLS certificate is the CA's too: it may be revoked as well.
    let tls = ca.issue_box_tls("jules-ferry", None, now).unwrap().cert_pem;
    ca.revoke(tls.as_bytes(), "", now).expect("revoke TLS");
    assert_eq!(ca.revoked().len(), 1);
    assert_eq!(ca.revoked()[0].reason, "");
}

#[test]
fn a_ca_directory_made_before_revocation_still_opens() {
    let dir = TempDir::new().unwrap();
    let ca = new_ca(dir.path());
    let path = ca.dir().join(ca::STATE_FILE);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("last_crl_number = 0"), "{text}");
    assert!(!text.contains("[[revoked]]"), "{text}");
    let old: String = text
        .lines()
        .filter(|l| !l.starts_with("last_crl_number"))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&path, old).unwrap();
    let mut ca = ca::open(ca.dir()).expect("open");
    assert_eq!(ca.state().last_crl_number, 0);
    assert!(ca.revoked().is_empty());
    let crl = ca.crl_pem(OffsetDateTime::now_utc()).unwrap();
    assert_eq!(crl_number(crl.as_bytes()), 1);
    // A serial altered by hand is noticed.
    let cert = bundle_sync_cert(&mut ca);
    ca.revoke(&cert, "", OffsetDateTime::now_utc()).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    let serial = &ca.revoked()[0].serial;
    fs::write(&path, text.replace(serial.as_str(), &serial.to_lowercase())).unwrap();
    assert!(matches!(ca::open(ca.dir()), Err(CaError::Corrupt { .. })));
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_preau-provision"))
        .args(args)
        .current_dir(cwd)
        .env_remove("PREAU_SIGNING_PASSWORD")
        .output()
        .expect("run preau-provision")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn command_line_revoke_and_crl() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();
    let init = |out: &str| {
        run(
            &[
                "ca",
                "init",
                "--commune",
                "Villeneuve",
                "--domain",
                DOMAIN,
                "--out",
                out,
            ],
            cwd,
        )
    };
    let issue = |ca: &str, host: &str, out: &str| {
        run(
            &[
                "ca",
                "issue-sync-cert",
                "--ca",
                ca,
                "--uai",
                "0750654D",
                "--host",
                host,
                "--out",
                out,
            ],
            cwd,
        )
    };
    for o in [
        init("ca"),
        init("autre-ca"),
        issue("ca", "jules-ferry", "jf"),
        issue("ca", "pasteur", "pasteur"),
        issue("autre-ca", "jules-ferry", "autre"),
    ] {
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let ca_pem = fs::read(cwd.join("ca/ca.crt")).unwrap();
    let stolen = fs::read(cwd.join("jf/client.crt")).unwrap();
    let kept = fs::read(cwd.join("pasteur/client.crt")).unwrap();
    let serial = serial_of(&stolen);
    let crl_path = cwd.join("ca/commune.crl");

    let o = run(
        &[
            "ca",
            "revoke",
            "--ca",
            "ca",
            "--cert",
            "jf/client.crt",
            "--reason",
            "boîtier volé",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        format!("Certificat n° {serial} (CN=jules-ferry.ecoles.villeneuve.fr"),
        "révoqué par l'autorité de Villeneuve (motif : boîtier volé)".to_string(),
        "Liste de révocation n° 1 écrite : ca/commune.crl (1 certificat(s) révoqué(s)".to_string(),
        "Copier commune.crl sur le serveur central".to_string(),
        "crl = \"/etc/preau/commune.crl\"".to_string(),
        "preau-provision ca crl --ca ca".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    let crl = fs::read(&crl_path).unwrap();
    assert_eq!(crl_serials(&crl), std::slice::from_ref(&serial));
    assert_eq!(crl_number(&crl), 1);
    assert!(matches!(
        verify_with_crl(&ca_pem, &stolen, &crl),
        Err(webpki::Error::CertRevoked)
    ));
    verify_with_crl(&ca_pem, &kept, &crl).expect("not revoked");

    // Again: nothing new, the CRL is issued again with the next number.
    let o = run(
        &["ca", "revoke", "--ca", "ca", "--cert", "jf/client.crt"],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("déjà révoqué le"), "{}", stdout(&o));
    let crl = fs::read(&crl_path).unwrap();
    assert_eq!(crl_serials(&crl), std::slice::from_ref(&serial));
    assert_eq!(crl_number(&crl), 2);

    // ca crl: issued again, listing what is revoked.
    let o = run(&["ca", "crl", "--ca", "ca"], cwd);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Liste de révocation n° 3 écrite"), "{text}");
    assert!(
        text.contains(&format!("n° {serial} (CN=jules-ferry")),
        "{text}"
    );
    assert!(text.contains(": boîtier volé"), "{text}");
    assert_eq!(crl_number(&fs::read(&crl_path).unwrap()), 3);

    // Another CA's certificate: refused, nothing changed.
    let o = run(
        &["ca", "revoke", "--ca", "ca", "--cert", "autre/client.crt"],
        cwd,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(
            "autre/client.crt : ce certificat n'a pas été émis par l'autorité de cette commune"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(crl_number(&fs::read(&crl_path).unwrap()), 3);
    // A missing file, a missing CA: 3; a missing argument: 2.
    let o = run(&["ca", "revoke", "--ca", "ca", "--cert", "absent.crt"], cwd);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("lecture impossible"), "{}", stderr(&o));
    let o = run(&["ca", "crl", "--ca", "absent"], cwd);
    assert_eq!(o.status.code(), Some(3));
    let o = run(&["ca", "revoke", "--ca", "ca"], cwd);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["ca", "crl"], cwd);
    assert_eq!(o.status.code(), Some(2));
}
