//! Bundles end to end: CA, create, verify, open; certificates checked with webpki; the
//! command-line tool run as a black box.

use preau_provision::archive::{self, Limits};
use preau_provision::bundle::{
    self, Account, AppliedBundle, BundleError, CreateError, Description, Freshness, Network,
    NewBundle, OndeFile, PublicKey,
};
use preau_provision::ca::{self, CommuneCa};
use preau_provision::onde::{self, OndeImport};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use tempfile::TempDir;
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};

const DOMAIN: &str = "ecoles.villeneuve.fr";
/// Latin-1 bytes, CRLF, as ONDE exports them: copied byte for byte.
const ONDE_PUPILS: &[u8] = b"Nom;Pr\xe9nom;Date naissance\r\nDUPONT;L\xe9a;01/02/2017\r\n";

fn new_ca(dir: &Path) -> CommuneCa {
    ca::init(
        &dir.join("ca"),
        "Villeneuve",
        DOMAIN,
        OffsetDateTime::now_utc(),
    )
    .expect("ca init")
}

fn description(text: &str) -> Description {
    Description::parse(text).expect("description")
}

fn make(ca: &mut CommuneCa, text: &str) -> NewBundle {
    let serial = ca.take_bundle_serial().expect("serial");
    let onde = vec![OndeFile {
        name: "ExtractionEleves.csv".into(),
        data: ONDE_PUPILS.to_vec(),
    }];
    bundle::create_bundle(
        ca,
        &description(text),
        &onde,
        serial,
        OffsetDateTime::now_utc(),
    )
    .expect("create")
}

fn public_key(ca: &CommuneCa) -> PublicKey {
    ca.public_key().clone()
}

fn der(pem: &[u8]) -> CertificateDer<'static> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).expect("pem");
    CertificateDer::from(pem.contents)
}

fn verify_chain(ca_pem: &[u8], leaf_pem: &[u8], usage: KeyUsage) -> Result<(), webpki::Error> {
    let ca_der = der(ca_pem);
    let anchor = webpki::anchor_from_trusted_cert(&ca_der)?;
    let leaf_der = der(leaf_pem);
    let leaf = EndEntityCert::try_from(&leaf_der)?;
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &[],
        UnixTime::now(),
        usage,
        None,
        None,
    )
    .map(|_| ())
}

fn valid_for(leaf_pem: &[u8], name: &str) -> bool {
    let leaf_der = der(leaf_pem);
    let leaf = EndEntityCert::try_from(&leaf_der).expect("leaf");
    let name = ServerName::try_from(name.to_string()).expect("server name");
    leaf.verify_is_valid_for_subject_name(&name).is_ok()
}

#[test]
fn create_then_verify_round_trip() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let new = make(&mut ca, bundle::EXAMPLE);
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .expect("verify");
    let manifest = opened.manifest();
    assert_eq!(manifest, &new.manifest);
    assert_eq!(manifest.format, 1);
    assert_eq!(manifest.serial, 1);
    assert_eq!(manifest.school.uai, "0750654D");
    assert_eq!(manifest.commune.domain, DOMAIN);
    assert_eq!(manifest.fqdn(), "jules-ferry.ecoles.villeneuve.fr");
    assert!(matches!(
        manifest.network(),
        Ok(Network::Static { prefix: 24, .. })
    ));
    assert_eq!(manifest.time.servers.len(), 2);
    assert_eq!(
        manifest.ssh.as_ref().map(|s| s.authorized_keys.len()),
        Some(1)
    );
    assert_eq!(
        opened.onde_files().collect::<Vec<_>>(),
        vec![("ExtractionEleves.csv", ONDE_PUPILS)]
    );
    assert_eq!(opened.ca_cert_pem(), ca.cert_pem().as_bytes());
    assert_eq!(opened.sha256(), bundle::sha256_hex(&new.zip));
    assert_eq!(opened.key_id(), public_key(&ca).key_id());
    // The listed files, sorted, each with its hash.
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "onde/ExtractionEleves.csv",
            "sync/client.crt",
            "sync/client.key",
            "tls/box.crt",
            "tls/box.key",
            "tls/ca.crt"
        ]
    );
    // Keys are PKCS#8 and belong to their certificates.
    for (cert, key) in [
        (opened.tls_cert_pem(), opened.tls_key_pem()),
        (opened.sync_cert_pem(), opened.sync_key_pem()),
    ] {
        let key = rcgen::KeyPair::from_pem(std::str::from_utf8(key).unwrap()).expect("key");
        let (_, pem) = x509_parser::pem::parse_x509_pem(cert).unwrap();
        let cert = pem.parse_x509().unwrap();
        assert_eq!(
            cert.public_key().raw,
            rcgen::PublicKeyData::subject_public_key_info(&key).as_slice()
        );
    }
    // The zip is a standard one: the zip crate lists the same sorted entries.
    let mut reader = zip::ZipArchive::new(std::io::Cursor::new(&new.zip)).expect("zip crate");
    let names: Vec<String> = (0..reader.len())
        .map(|i| reader.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.first().map(String::as_str), Some("manifest.toml"));
}

#[test]
fn certificates_chain_to_the_ca_within_its_name_constraints() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let new = make(&mut ca, bundle::EXAMPLE);
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .unwrap();
    let ca_pem = opened.ca_cert_pem();

    // The CA: a CA, path length 0, name constraints.
    let (_, pem) = x509_parser::pem::parse_x509_pem(ca_pem).unwrap();
    let ca_cert = pem.parse_x509().unwrap();
    let basic = ca_cert.basic_constraints().unwrap().unwrap().value;
    assert!(basic.ca);
    assert_eq!(basic.path_len_constraint, Some(0));
    let constraints = ca_cert.name_constraints().unwrap().unwrap();
    assert!(constraints.critical);
    let permitted = format!("{:?}", constraints.value.permitted_subtrees);
    assert!(
        permitted.contains(DOMAIN) && permitted.contains("\"local\""),
        "{permitted}"
    );

    // The box's TLS certificate: server auth, its three names, and nothing else.
    verify_chain(ca_pem, opened.tls_cert_pem(), KeyUsage::server_auth()).expect("tls chain");
    for name in [
        "jules-ferry.ecoles.villeneuve.fr",
        "jules-ferry.local",
        "192.168.10.5",
    ] {
        assert!(valid_for(opened.tls_cert_pem(), name), "{name}");
    }
    for name in ["other.ecoles.villeneuve.fr", "192.168.10.6", "jules-ferry"] {
        assert!(!valid_for(opened.tls_cert_pem(), name), "{name}");
    }
    // The sync client certificate: client auth only, the UAI in the subject.
    verify_chain(ca_pem, opened.sync_cert_pem(), KeyUsage::client_auth()).expect("sync chain");
    assert!(verify_chain(ca_pem, opened.sync_cert_pem(), KeyUsage::server_auth()).is_err());
    let (_, pem) = x509_parser::pem::parse_x509_pem(opened.sync_cert_pem()).unwrap();
    let sync = pem.parse_x509().unwrap();
    assert!(
        sync.subject().to_string().contains("OU=0750654D"),
        "{}",
        sync.subject()
    );

    // A leaf the CA key signs for a name outside its constraints fails verification.
    let ca_key =
        rcgen::KeyPair::from_pem(&fs::read_to_string(ca.dir().join("ca.key")).unwrap()).unwrap();
    let issuer =
        rcgen::Issuer::from_ca_cert_pem(std::str::from_utf8(ca_pem).unwrap(), &ca_key).unwrap();
    for names in [
        vec![rcgen::SanType::DnsName(
            "evil.example.com".try_into().unwrap(),
        )],
        vec![rcgen::SanType::DnsName(
            "ecoles.villeneuve.fr.evil.fr".try_into().unwrap(),
        )],
        vec![rcgen::SanType::IpAddress("8.8.8.8".parse().unwrap())],
        vec![
            rcgen::SanType::DnsName("ok.ecoles.villeneuve.fr".try_into().unwrap()),
            rcgen::SanType::DnsName("www.impots.gouv.fr".try_into().unwrap()),
        ],
    ] {
        let mut params = rcgen::CertificateParams::default();
        params.subject_alt_names = names.clone();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = params.signed_by(&key, &issuer).unwrap();
        let result = verify_chain(ca_pem, leaf.pem().as_bytes(), KeyUsage::server_auth());
        assert!(
            matches!(result, Err(webpki::Error::NameConstraintViolation)),
            "{names:?}: {result:?}"
        );
    }
}

#[test]
fn dhcp_boxes_get_no_address_in_their_certificate() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let text = bundle::EXAMPLE
        .replace("mode = \"static\"", "mode = \"dhcp\"")
        .replace("address = \"192.168.10.5/24\"\n", "")
        .replace("gateway = \"192.168.10.1\"\n", "")
        .replace("dns = [\"192.168.10.1\"]\n", "");
    let new = make(&mut ca, &text);
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(
        opened.manifest().network(),
        Ok(Network::Dhcp { dns: vec![] })
    );
    assert!(valid_for(opened.tls_cert_pem(), "jules-ferry.local"));
    assert!(!valid_for(opened.tls_cert_pem(), "192.168.10.5"));
}

#[test]
fn wrong_key_changed_byte_and_missing_signature_are_refused() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let other_dir = TempDir::new().unwrap();
    let other = new_ca(other_dir.path());
    let new = make(&mut ca, bundle::EXAMPLE);
    let key = public_key(&ca);
    let limits = Limits::default();

    let wrong = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&other),
        &limits,
    )
    .unwrap_err();
    assert!(matches!(wrong, BundleError::WrongKey { .. }), "{wrong}");
    assert!(wrong.french().contains("autre clé"), "{}", wrong.french());

    // One changed bit anywhere in the zip: refused by the signature, before any parsing.
    for at in 0..new.zip.len() {
        let mut changed = new.zip.clone();
        changed[at] ^= 0x01;
        let e =
            bundle::verify_and_open(&changed, new.signature.as_bytes(), &key, &limits).unwrap_err();
        assert!(matches!(e, BundleError::BadSignature), "byte {at}: {e}");
    }
    let e = bundle::verify_and_open(
        &new.zip[..new.zip.len() - 1],
        new.signature.as_bytes(),
        &key,
        &limits,
    )
    .unwrap_err();
    assert!(matches!(e, BundleError::BadSignature), "{e}");
    assert!(e.french().contains("modifié"), "{}", e.french());

    // A changed signature, an empty one, garbage, one whose trusted comment was edited.
    let mut sig = new.signature.clone().into_bytes();
    let line2 = sig.iter().position(|b| *b == b'\n').unwrap() + 10;
    sig[line2] = if sig[line2] == b'A' { b'B' } else { b'A' };
    assert!(bundle::verify_and_open(&new.zip, &sig, &key, &limits).is_err());
    for bad in [&b""[..], b"garbage", &[0xff; 5000]] {
        let e = bundle::verify_and_open(&new.zip, bad, &key, &limits).unwrap_err();
        assert!(matches!(e, BundleError::SignatureMalformed), "{e}");
    }
    let edited = new.signature.replace("serial:1", "serial:9");
    let e = bundle::verify_and_open(&new.zip, edited.as_bytes(), &key, &limits).unwrap_err();
    assert!(matches!(e, BundleError::BadSignature), "{e}");

    // Files: a missing signature is an unsigned bundle.
    let stick = dir.path().join("stick");
    fs::create_dir(&stick).unwrap();
    let zip_path = stick.join(bundle::BUNDLE_FILE);
    fs::write(&zip_path, &new.zip).unwrap();
    let e = bundle::verify_and_open_files(&zip_path, &key, &limits).unwrap_err();
    assert!(matches!(e, BundleError::SignatureMissing { .. }), "{e}");
    assert!(e.french().contains("non signé"), "{}", e.french());
    fs::write(stick.join("preau-bundle.zip.minisig"), &new.signature).unwrap();
    bundle::verify_and_open_files(&zip_path, &key, &limits).expect("signed files");
}

/// Signs arbitrary zips with the commune key: what a leaked key or a broken tool could do.
fn signed(ca: &CommuneCa, files: &[(String, Vec<u8>)]) -> (Vec<u8>, String) {
    let zip = archive::write_archive(files).expect("write");
    let signature = ca
        .signing_key()
        .expect("unlocked")
        .sign(&zip, "test")
        .expect("sign");
    (zip, signature)
}

#[test]
fn signed_but_inconsistent_bundles_are_refused() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let new = make(&mut ca, bundle::EXAMPLE);
    let key = public_key(&ca);
    let limits = Limits::default();
    let files: Vec<(String, Vec<u8>)> = archive::read_archive(&new.zip, &limits)
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.data))
        .collect();
    let open = |files: &[(String, Vec<u8>)]| {
        let (zip, signature) = signed(&ca, files);
        bundle::verify_and_open(&zip, signature.as_bytes(), &key, &limits).unwrap_err()
    };

    let mut altered = files.clone();
    altered
        .iter_mut()
        .find(|(n, _)| n == "onde/ExtractionEleves.csv")
        .unwrap()
        .1
        .push(b'x');
    assert!(
        matches!(open(&altered), BundleError::FileAltered(p) if p == "onde/ExtractionEleves.csv")
    );

    let mut extra = files.clone();
    extra.push(("onde/extra.csv".into(), b"a;b\r\n".to_vec()));
    assert!(matches!(open(&extra), BundleError::FileUnlisted(p) if p == "onde/extra.csv"));

    let missing: Vec<_> = files
        .iter()
        .filter(|(n, _)| n != "tls/box.key")
        .cloned()
        .collect();
    assert!(matches!(open(&missing), BundleError::FileMissing(p) if p == "tls/box.key"));

    let no_manifest: Vec<_> = files
        .iter()
        .filter(|(n, _)| n != "manifest.toml")
        .cloned()
        .collect();
    assert!(matches!(open(&no_manifest), BundleError::ManifestMissing));

    let with_manifest = |edit: &dyn Fn(&str) -> String| {
        let mut changed = files.clone();
        let manifest = &mut changed
            .iter_mut()
            .find(|(n, _)| n == "manifest.toml")
            .unwrap()
            .1;
        *manifest = edit(std::str::from_utf8(manifest).unwrap()).into_bytes();
        open(&changed)
    };
    let e = with_manifest(&|m| m.replace("format = 1", "format = 2"));
    assert!(e.french().contains("format 2"), "{}", e.french());
    let e = with_manifest(&|m| m.replace("0750654D", "0750654E"));
    assert!(e.french().contains("lettre de contrôle"), "{}", e.french());
    let e = with_manifest(&|m| m.replace("[box]", "[box]\nroot_password = \"x\""));
    assert!(matches!(e, BundleError::Manifest(_)), "{e}");
    let e = with_manifest(&|m| m.replace("path = \"tls/box.key\"", "path = \"../box.key\""));
    assert!(matches!(e, BundleError::Manifest(_)), "{e}");
    let e = with_manifest(&|m| {
        format!(
            "{m}\n[[files]]\npath = \"tls/ca.crt\"\nsize = 1\nsha256 = \"{}\"\n",
            "0".repeat(64)
        )
    });
    assert!(matches!(e, BundleError::Manifest(_)), "{e}");
}

#[test]
fn freshness_orders_bundles_of_a_school() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let key = public_key(&ca);
    let open = |new: &NewBundle| {
        bundle::verify_and_open(&new.zip, new.signature.as_bytes(), &key, &Limits::default())
            .unwrap()
    };
    let first = open(&make(&mut ca, bundle::EXAMPLE));
    let second = open(&make(&mut ca, bundle::EXAMPLE));
    assert_eq!(second.manifest().serial, 2);
    assert_eq!(first.freshness(None), Freshness::First);
    assert_eq!(first.freshness(Some(&first.applied())), Freshness::Same);
    assert_eq!(second.freshness(Some(&first.applied())), Freshness::Newer);
    assert_eq!(
        first.freshness(Some(&second.applied())),
        Freshness::NotNewer
    );
    let other = AppliedBundle {
        uai: "0750655E".into(),
        ..first.applied()
    };
    assert_eq!(second.freshness(Some(&other)), Freshness::OtherSchool);
    // The serial is kept in the CA directory.
    assert_eq!(ca::open(ca.dir()).unwrap().state().last_bundle_serial, 2);
}

#[test]
fn ca_directory_rules() {
    let dir = TempDir::new().unwrap();
    let ca = new_ca(dir.path());
    let mode = |name: &str| {
        fs::metadata(ca.dir().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("ca.key"), 0o600);
    assert_eq!(mode("bundle-signing.key"), 0o600);
    assert_eq!(
        fs::metadata(ca.dir()).unwrap().permissions().mode() & 0o777,
        0o700
    );
    // Never overwritten.
    let e = ca::init(ca.dir(), "Villeneuve", DOMAIN, OffsetDateTime::now_utc())
        .err()
        .unwrap();
    assert!(e.french().contains("jamais écrasée"), "{}", e.french());
    // A key that is not the certificate's is noticed.
    let other_dir = TempDir::new().unwrap();
    let other = new_ca(other_dir.path());
    fs::copy(other.dir().join("ca.key"), ca.dir().join("ca.key")).unwrap();
    assert!(ca::open(ca.dir()).is_err());
    // Bad domains.
    for domain in ["ville", "ecoles.local", "Ecoles.Ville.fr", "10.0.0.1"] {
        let d = TempDir::new().unwrap();
        assert!(
            ca::init(d.path(), "V", domain, OffsetDateTime::now_utc()).is_err(),
            "{domain}"
        );
    }
}

fn run(args: &[&str], cwd: &Path) -> Output {
    run_env(args, cwd, None)
}

/// Runs the tool with `PREAU_SIGNING_PASSWORD` set to `password`, or unset.
fn run_env(args: &[&str], cwd: &Path, password: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_preau-provision"));
    command.args(args).current_dir(cwd);
    match password {
        Some(password) => command.env("PREAU_SIGNING_PASSWORD", password),
        None => command.env_remove("PREAU_SIGNING_PASSWORD"),
    };
    command.output().expect("run preau-provision")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn command_line_tool() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();

    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            "ca",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("bundle-signing.pub"), "{}", stdout(&o));
    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            "ca",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(3), "a CA is never overwritten");

    let o = run(&["bundle", "example"], cwd);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), bundle::EXAMPLE);
    fs::write(cwd.join("school.toml"), stdout(&o)).unwrap();
    fs::create_dir(cwd.join("onde")).unwrap();
    fs::write(cwd.join("onde/ExtractionEleves.csv"), ONDE_PUPILS).unwrap();
    fs::write(cwd.join("onde/notes.txt"), "ignored").unwrap();

    let o = run(
        &[
            "bundle",
            "create",
            "--ca",
            "ca",
            "--school",
            "school.toml",
            "--onde",
            "onde",
            "--out",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(
        o.status.code(),
        Some(3),
        "the stick folder does not exist yet"
    );
    fs::create_dir(cwd.join("stick")).unwrap();
    let o = run(
        &[
            "bundle",
            "create",
            "--ca",
            "ca",
            "--school",
            "school.toml",
            "--onde",
            "onde",
            "--out",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Lot n° 2"),
        "serial 1 was taken by the failed try: {}",
        stdout(&o)
    );
    let zip = cwd.join("stick/preau-bundle.zip");
    assert_eq!(
        fs::metadata(&zip).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(cwd.join("stick/preau-bundle.zip.minisig").exists());

    let o = run(&["bundle", "inspect", "stick/preau-bundle.zip"], cwd);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        "Lot de configuration Préau n° 2 (format 1)",
        "École : École élémentaire Jules-Ferry — UAI 0750654D",
        "Boîtier : jules-ferry.ecoles.villeneuve.fr (aussi jules-ferry.local)",
        "Réseau : adresse fixe 192.168.10.5/24, passerelle 192.168.10.1, DNS 192.168.10.1",
        "Serveur central : https://ent.ville.fr",
        "Exports ONDE : 1 fichier(s)",
        "Comptes créés par le boîtier : 1",
        "  Direction : Hélène Lefèvre — identifiant helene.lefevre, courriel direction.jules-ferry@ville.fr",
        "onde/ExtractionEleves.csv",
        "Certificat tls/box.crt : valable du",
        "jules-ferry.local, 192.168.10.5",
        "Signature non vérifiée",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }

    let o = run(
        &[
            "bundle",
            "verify",
            "--key",
            "ca/bundle-signing.pub",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Lot valide"), "{}", stdout(&o));

    // Another commune's key: refused, exit 1.
    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Autreville",
            "--domain",
            "ecoles.autreville.fr",
            "--out",
            "other",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0));
    let o = run(
        &[
            "bundle",
            "verify",
            "--key",
            "other/bundle-signing.pub",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("lot refusé : lot signé avec une autre clé"),
        "{}",
        stderr(&o)
    );

    // One changed byte: exit 1.
    let original = fs::read(&zip).unwrap();
    let mut changed = original.clone();
    changed[original.len() / 2] ^= 0x20;
    fs::write(&zip, &changed).unwrap();
    let o = run(
        &[
            "bundle",
            "verify",
            "--key",
            "ca/bundle-signing.pub",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("modifié"), "{}", stderr(&o));
    fs::write(&zip, &original).unwrap();

    // No signature: exit 1.
    fs::remove_file(cwd.join("stick/preau-bundle.zip.minisig")).unwrap();
    let o = run(
        &[
            "bundle",
            "verify",
            "--key",
            "ca/bundle-signing.pub",
            "stick/preau-bundle.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("non signé"), "{}", stderr(&o));

    // Not a bundle at all: inspect refuses with exit 1.
    fs::write(cwd.join("stick/junk.zip"), b"PK\x03\x04 not really").unwrap();
    let o = run(&["bundle", "inspect", "stick/junk.zip"], cwd);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("pas une archive zip"), "{}", stderr(&o));

    // An invalid description: exit 3 with the key and the reason in French.
    fs::write(
        cwd.join("bad.toml"),
        bundle::EXAMPLE.replace("0750654D", "0750654E"),
    )
    .unwrap();
    let o = run(
        &[
            "bundle", "create", "--ca", "ca", "--school", "bad.toml", "--out", "x.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("school.uai"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("lettre de contrôle de ce code UAI devrait être D"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("x.zip").exists());

    // Usage errors: exit 2.
    let o = run(&["bundle", "verify", "stick/preau-bundle.zip"], cwd);
    assert_eq!(o.status.code(), Some(2));
}

/// The example description, its `[[accounts]]` replaced by `accounts`.
fn example_with_accounts(accounts: &str) -> String {
    let start = bundle::EXAMPLE.find("\n[[accounts]]").expect("accounts") + 1;
    format!("{}{accounts}", &bundle::EXAMPLE[..start])
}

const TWO_ACCOUNTS: &str = r#"[[accounts]]
role = "direction"
first_name = "Hélène"
last_name = "Lefèvre"
login = "helene.lefevre"
email = "direction.jules-ferry@ville.fr"

[[accounts]]
role = "enseignant"
first_name = "Gaëtan"
last_name = "Benoît"
"#;

#[test]
fn accounts_go_from_the_description_into_the_signed_manifest() {
    let dir = TempDir::new().unwrap();
    let mut ca = new_ca(dir.path());
    let text = example_with_accounts(TWO_ACCOUNTS);
    let new = make(&mut ca, &text);
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .expect("verify");
    let accounts = &opened.manifest().accounts;
    assert_eq!(accounts, &description(&text).accounts);
    assert_eq!(
        accounts[0],
        Account {
            role: "direction".into(),
            first_name: "Hélène".into(),
            last_name: "Lefèvre".into(),
            login: "helene.lefevre".into(),
            email: "direction.jules-ferry@ville.fr".into(),
        }
    );
    assert_eq!(accounts[0].role(), Ok(preau_core::Role::Headteacher));
    assert_eq!(accounts[1].role(), Ok(preau_core::Role::Teacher));
    assert!(accounts[1].login.is_empty() && accounts[1].email.is_empty());

    // In manifest.toml: after the other sections, empty login and e-mail left out.
    let entries = archive::read_archive(&new.zip, &Limits::default()).unwrap();
    let manifest = entries.iter().find(|e| e.name == "manifest.toml").unwrap();
    let manifest = std::str::from_utf8(&manifest.data).unwrap();
    assert_eq!(manifest.matches("[[accounts]]").count(), 2, "{manifest}");
    assert!(manifest.contains("role = \"direction\""), "{manifest}");
    assert!(!manifest.contains("login = \"\""), "{manifest}");
    assert!(!manifest.contains("email = \"\""), "{manifest}");
    assert!(
        manifest.find("[ssh]") < manifest.find("[[accounts]]")
            && manifest.find("[[accounts]]") < manifest.find("[[files]]"),
        "{manifest}"
    );

    // A manifest signed with the commune key but whose accounts break the rules is refused
    // by the box as a description would be.
    let files: Vec<(String, Vec<u8>)> = entries.into_iter().map(|e| (e.name, e.data)).collect();
    let edited = |edit: &dyn Fn(&str) -> String| {
        let mut changed = files.clone();
        let entry = &mut changed
            .iter_mut()
            .find(|(n, _)| n == "manifest.toml")
            .unwrap()
            .1;
        *entry = edit(std::str::from_utf8(entry).unwrap()).into_bytes();
        let (zip, signature) = signed(&ca, &changed);
        bundle::verify_and_open(
            &zip,
            signature.as_bytes(),
            &public_key(&ca),
            &Limits::default(),
        )
        .unwrap_err()
    };
    let e = edited(&|m| m.replace("role = \"direction\"", "role = \"enseignant\""));
    assert!(
        e.french()
            .contains("il faut au moins un compte de direction"),
        "{}",
        e.french()
    );
    let e = edited(&|m| m.replace("role = \"enseignant\"", "role = \"parent\""));
    assert!(e.french().contains("accounts[2].role"), "{}", e.french());
    let e = edited(&|m| m.replace("helene.lefevre", "Hélène"));
    assert!(e.french().contains("accounts[1].login"), "{}", e.french());
    let e = edited(&|m| {
        let start = m.find("[[accounts]]").unwrap();
        let end = m.find("[[files]]").unwrap();
        format!("{}{}", &m[..start], &m[end..])
    });
    assert!(
        e.french()
            .contains("il faut au moins un compte de direction"),
        "{}",
        e.french()
    );
}

#[test]
fn a_description_without_a_headteacher_makes_no_bundle() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();
    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            "ca",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(
        cwd.join("school.toml"),
        example_with_accounts(&TWO_ACCOUNTS.replace("\"direction\"", "\"personnel\"")),
    )
    .unwrap();
    let o = run(
        &[
            "bundle",
            "create",
            "--ca",
            "ca",
            "--school",
            "school.toml",
            "--out",
            "x.zip",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("accounts : il faut au moins un compte de direction"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("x.zip").exists());
}

/// Parses a PEM certificate and hands it to `f`.
fn with_cert<T>(
    pem: &[u8],
    f: impl FnOnce(&x509_parser::certificate::X509Certificate<'_>) -> T,
) -> T {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).expect("pem");
    let cert = pem.parse_x509().expect("certificate");
    f(&cert)
}

/// What makes a sync client certificate's profile: subject, SANs, key usages, EKU, CA flag,
/// issuer.
fn profile(pem: &[u8]) -> String {
    with_cert(pem, |cert| {
        format!(
            "subject={} issuer={} san={:?} ku={:?} eku={:?} bc={:?}",
            cert.subject(),
            cert.issuer(),
            cert.subject_alternative_name()
                .expect("extension")
                .map(|s| s.value.clone()),
            cert.key_usage().expect("extension").map(|k| k.value),
            cert.extended_key_usage()
                .expect("extension")
                .map(|k| k.value.clone()),
            cert.basic_constraints()
                .expect("extension")
                .map(|b| b.value),
        )
    })
}

#[test]
fn a_box_in_service_gets_a_new_sync_certificate() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();
    // A CA whose signing key is encrypted: issuing a sync certificate does not need it.
    fs::write(cwd.join("pw"), "mot de passe du technicien\n").unwrap();
    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            "ca",
            "--password-file",
            "pw",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let issue = |uai: &str, host: &str, out: &str| {
        run(
            &[
                "ca",
                "issue-sync-cert",
                "--ca",
                "ca",
                "--uai",
                uai,
                "--host",
                host,
                "--out",
                out,
            ],
            cwd,
        )
    };
    let o = issue("0750654D", "jules-ferry", "renouvellement/jules-ferry");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    for expected in [
        "Certificat de synchronisation du boîtier jules-ferry.ecoles.villeneuve.fr (école 0750654D)",
        "renouvellement/jules-ferry/client.crt : certificat client (valable du",
        "noms : jules-ferry.ecoles.villeneuve.fr",
        "renouvellement/jules-ferry/client.key : sa clé privée",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let out = cwd.join("renouvellement/jules-ferry");
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("client.key")), 0o600);
    let mut names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["client.crt", "client.key"]);

    // Central would accept it: it chains to the commune CA for client auth only, carries the
    // UAI, and its key is the one written next to it.
    let ca_pem = fs::read(cwd.join("ca/ca.crt")).unwrap();
    let cert_pem = fs::read(out.join("client.crt")).unwrap();
    let key_pem = fs::read_to_string(out.join("client.key")).unwrap();
    verify_chain(&ca_pem, &cert_pem, KeyUsage::client_auth()).expect("client chain");
    assert!(verify_chain(&ca_pem, &cert_pem, KeyUsage::server_auth()).is_err());
    assert!(valid_for(&cert_pem, "jules-ferry.ecoles.villeneuve.fr"));
    let key = rcgen::KeyPair::from_pem(&key_pem).expect("key");
    with_cert(&cert_pem, |cert| {
        let subject = cert.subject().to_string();
        assert!(
            subject.contains("CN=jules-ferry.ecoles.villeneuve.fr"),
            "{subject}"
        );
        assert!(subject.contains("OU=0750654D"), "{subject}");
        assert_eq!(
            cert.public_key().raw,
            rcgen::PublicKeyData::subject_public_key_info(&key).as_slice()
        );
    });

    // The same profile as the certificate a bundle carries for that school and host.
    let mut ca = ca::open(&cwd.join("ca")).unwrap();
    ca.unlock("mot de passe du technicien").unwrap();
    let new = make(&mut ca, bundle::EXAMPLE);
    let opened = bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(profile(&cert_pem), profile(opened.sync_cert_pem()));

    // Never overwritten: the same folder again is refused and left as it was.
    let o = issue("0750654D", "jules-ferry", "renouvellement/jules-ferry");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("existe et n'est pas vide"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(out.join("client.crt")).unwrap(), cert_pem);

    // A wrong UAI or host: refused, nothing made.
    let o = issue("0750654E", "jules-ferry", "wrong-uai");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o)
            .contains("uai : « 0750654E » : la lettre de contrôle de ce code UAI devrait être D"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("wrong-uai").exists());
    let o = issue("0750654D", "Jules.Ferry", "wrong-host");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("host : « Jules.Ferry » n'est pas un nom d'hôte"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("wrong-host").exists());
    // No CA there: refused, nothing made.
    let o = run(
        &[
            "ca",
            "issue-sync-cert",
            "--ca",
            "missing",
            "--uai",
            "0750654D",
            "--host",
            "jules-ferry",
            "--out",
            "no-ca",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("lecture ou écriture impossible"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("no-ca").exists());
}

#[test]
fn an_encrypted_signing_key_needs_its_password() {
    const PASSWORD: &str = "cheval agrafe pile correcte";
    let dir = TempDir::new().unwrap();
    let ca_dir = dir.path().join("ca");
    let mut ca = ca::init_with_password(
        &ca_dir,
        "Villeneuve",
        DOMAIN,
        PASSWORD,
        OffsetDateTime::now_utc(),
    )
    .expect("init");
    assert!(ca.signing_key_encrypted());
    let key_text = fs::read_to_string(ca_dir.join("bundle-signing.key")).unwrap();
    assert_eq!(bundle::is_encrypted_key(&key_text), Ok(true));
    // Made unlocked: a bundle can be made straight away.
    make(&mut ca, bundle::EXAMPLE);

    // Opened again: locked, but everything except signing works.
    let mut ca = ca::open(&ca_dir).expect("open");
    assert!(ca.signing_key_encrypted());
    assert!(matches!(
        ca.signing_key(),
        Err(ca::CaError::SigningKeyLocked)
    ));
    assert!(
        ca.issue_sync_client("jules-ferry", "0750654D", OffsetDateTime::now_utc())
            .is_ok()
    );
    let e = bundle::create_bundle(
        &ca,
        &description(bundle::EXAMPLE),
        &[],
        9,
        OffsetDateTime::now_utc(),
    )
    .unwrap_err();
    assert!(
        matches!(e, CreateError::Ca(ca::CaError::SigningKeyLocked)),
        "{e}"
    );
    assert!(
        e.french().contains("protégée par un mot de passe"),
        "{}",
        e.french()
    );
    let e = ca.unlock("cheval agrafe").unwrap_err();
    assert!(matches!(e, ca::CaError::WrongPassword), "{e}");
    assert!(
        e.french().contains("mot de passe incorrect"),
        "{}",
        e.french()
    );
    assert!(ca.signing_key().is_err());
    ca.unlock(PASSWORD).expect("unlock");
    let new = make(&mut ca, bundle::EXAMPLE);
    bundle::verify_and_open(
        &new.zip,
        new.signature.as_bytes(),
        &public_key(&ca),
        &Limits::default(),
    )
    .expect("verifies with the same public key");
    assert_eq!(public_key(&ca).key_id(), new_key_id(&ca_dir));

    // An empty password is refused; without one the key stays in clear, as before.
    let e = ca::init_with_password(
        &dir.path().join("empty"),
        "V",
        DOMAIN,
        "",
        OffsetDateTime::now_utc(),
    )
    .err()
    .expect("empty password");
    assert!(e.french().contains("mot de passe vide"), "{}", e.french());
    let clear = new_ca(&dir.path().join("clear"));
    assert!(!clear.signing_key_encrypted());
    let text = fs::read_to_string(clear.dir().join("bundle-signing.key")).unwrap();
    assert_eq!(bundle::is_encrypted_key(&text), Ok(false));
}

fn new_key_id(ca_dir: &Path) -> String {
    PublicKey::parse(&fs::read_to_string(ca_dir.join("bundle-signing.pub")).expect("read"))
        .expect("public key")
        .key_id()
}

fn last_serial(ca_dir: &Path) -> u64 {
    ca::open(ca_dir).expect("open").state().last_bundle_serial
}

#[test]
fn command_line_with_a_password() {
    const PASSWORD: &str = "Le mot de passe du technicien, 2024 !";
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();
    fs::write(cwd.join("school.toml"), bundle::EXAMPLE).unwrap();
    fs::write(cwd.join("pw"), format!("{PASSWORD}\n")).unwrap();
    fs::write(cwd.join("wrong"), "pas le bon\n").unwrap();
    fs::write(cwd.join("empty"), "\n").unwrap();
    let init = |out: &str, extra: &[&str], password: Option<&str>| {
        let mut args = vec![
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        run_env(&args, cwd, password)
    };
    let create = |ca: &str, out: &str, extra: &[&str], password: Option<&str>| {
        let mut args = vec![
            "bundle",
            "create",
            "--ca",
            ca,
            "--school",
            "school.toml",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        run_env(&args, cwd, password)
    };
    let verify = |ca: &str, zip: &str| {
        let key = format!("{ca}/bundle-signing.pub");
        run(&["bundle", "verify", "--key", &key, zip], cwd)
    };

    // ca init with a password file: the key is encrypted, and says so.
    let o = init("ca", &["--password-file", "pw"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("chiffrée par le mot de passe"),
        "{}",
        stdout(&o)
    );
    let key_text = fs::read_to_string(cwd.join("ca/bundle-signing.key")).unwrap();
    assert_eq!(bundle::is_encrypted_key(&key_text), Ok(true));

    // No password: refused before anything is written or any serial taken.
    let o = create("ca", "a.zip", &[], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("est protégée par un mot de passe : le donner avec --password-file"),
        "{}",
        stderr(&o)
    );
    // Wrong password, from the file or the environment.
    let o = create("ca", "a.zip", &["--password-file", "wrong"], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("mot de passe incorrect"),
        "{}",
        stderr(&o)
    );
    let o = create("ca", "a.zip", &[], Some("pas le bon"));
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("mot de passe incorrect"),
        "{}",
        stderr(&o)
    );
    // An empty password file or variable.
    let o = create("ca", "a.zip", &["--password-file", "empty"], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("fichier de mot de passe est vide"),
        "{}",
        stderr(&o)
    );
    let o = create("ca", "a.zip", &[], Some(""));
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("PREAU_SIGNING_PASSWORD est vide"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("a.zip").exists() && !cwd.join("a.zip.minisig").exists());
    assert_eq!(last_serial(&cwd.join("ca")), 0);

    // The right password, from the file (the file wins over the variable), then the variable.
    let o = create(
        "ca",
        "a.zip",
        &["--password-file", "pw"],
        Some("pas le bon"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Lot n° 1"), "{}", stdout(&o));
    assert_eq!(verify("ca", "a.zip").status.code(), Some(0));
    let o = create("ca", "b.zip", &[], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(verify("ca", "b.zip").status.code(), Some(0));

    // ca init from the variable.
    let o = init("ca-env", &[], Some(PASSWORD));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let key_text = fs::read_to_string(cwd.join("ca-env/bundle-signing.key")).unwrap();
    assert_eq!(bundle::is_encrypted_key(&key_text), Ok(true));
    let o = create("ca-env", "c.zip", &["--password-file", "pw"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(verify("ca-env", "c.zip").status.code(), Some(0));

    // An empty password file at init: refused, no CA made.
    let o = init("ca-empty", &["--password-file", "empty"], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(!cwd.join("ca-empty").exists());

    // Without a password, nothing changes: a clear key, no password asked; one given anyway
    // is ignored with a warning.
    let o = init("ca-clear", &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("non chiffrée"), "{}", stdout(&o));
    let key_text = fs::read_to_string(cwd.join("ca-clear/bundle-signing.key")).unwrap();
    assert_eq!(bundle::is_encrypted_key(&key_text), Ok(false));
    let o = create("ca-clear", "d.zip", &[], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = create("ca-clear", "e.zip", &["--password-file", "pw"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("n'est pas chiffrée"), "{}", stderr(&o));
    assert_eq!(verify("ca-clear", "e.zip").status.code(), Some(0));
}

fn onde_fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/onde/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const GOOD_EXPORTS: [&str; 3] = [
    "eleves-2024-utf8.csv",
    "responsables-2024-par-eleve.csv",
    "enseignants-2024.csv",
];

#[test]
fn onde_exports_are_read_before_the_bundle_is_made() {
    let dir = TempDir::new().unwrap();
    let cwd = dir.path();
    let o = run(
        &[
            "ca",
            "init",
            "--commune",
            "Villeneuve",
            "--domain",
            DOMAIN,
            "--out",
            "ca",
        ],
        cwd,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::write(cwd.join("school.toml"), bundle::EXAMPLE).unwrap();
    let create = |onde_dir: &str, out: &str| {
        run(
            &[
                "bundle",
                "create",
                "--ca",
                "ca",
                "--school",
                "school.toml",
                "--onde",
                onde_dir,
                "--out",
                out,
            ],
            cwd,
        )
    };

    // The 2024 exports: read, summed up, copied byte for byte.
    fs::create_dir(cwd.join("bon")).unwrap();
    for name in GOOD_EXPORTS {
        fs::write(cwd.join("bon").join(name), onde_fixture(name)).unwrap();
    }
    let o = create("bon", "bon.zip");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let import = OndeImport::combine(
        GOOD_EXPORTS
            .iter()
            .map(|name| onde::parse(&onde_fixture(name)).unwrap()),
    );
    assert!(!import.pupils.is_empty() && !import.guardians.is_empty());
    assert!(!import.teachers.is_empty() && !import.classes.is_empty());
    let text = stdout(&o);
    for expected in [
        "Exports ONDE lus (comme le boîtier les lira) :".to_string(),
        "  eleves-2024-utf8.csv : élèves, ".to_string(),
        "  enseignants-2024.csv : enseignants, ".to_string(),
        "  responsables-2024-par-eleve.csv : responsables légaux, ".to_string(),
        format!(
            "  trouvés : {} élève(s), {} responsable(s) légal(aux), {} enseignant(s), {} classe(s).",
            import.pupils.len(),
            import.guardians.len(),
            import.teachers.len(),
            import.classes.len()
        ),
        // A value left out is shown but does not stop anything.
        "    attention, ligne 4 : courriel illisible « marc.dubois@example »".to_string(),
        "Lot n° 1".to_string(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
    let key = ca::open(&cwd.join("ca")).unwrap().public_key().clone();
    let opened =
        bundle::verify_and_open_files(&cwd.join("bon.zip"), &key, &Limits::default()).unwrap();
    for (name, data) in opened.onde_files() {
        assert_eq!(data, onde_fixture(name), "{name}");
    }
    assert_eq!(opened.onde_files().count(), 3);

    // Lines the box would leave out: refused with their numbers, nothing written, no serial.
    fs::create_dir(cwd.join("abime")).unwrap();
    fs::write(
        cwd.join("abime/eleves-lignes-abimees.csv"),
        onde_fixture("eleves-lignes-abimees.csv"),
    )
    .unwrap();
    fs::write(
        cwd.join("abime/enseignants-2024.csv"),
        onde_fixture("enseignants-2024.csv"),
    )
    .unwrap();
    let o = create("abime", "abime.zip");
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("exports ONDE refusés, aucun lot n'a été écrit"),
        "{err}"
    );
    assert!(
        err.contains("  eleves-lignes-abimees.csv (élèves) :"),
        "{err}"
    );
    for line in [5, 6, 7, 9, 11, 13, 18] {
        assert!(
            err.contains(&format!("    ligne {line} (écartée) : ")),
            "line {line} in:\n{err}"
        );
    }
    assert!(err.contains("    ligne 14 : sexe illisible"), "{err}");
    assert!(
        !err.contains("enseignants-2024.csv"),
        "only the faulty file: {err}"
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    assert!(!cwd.join("abime.zip").exists());
    assert!(!cwd.join("abime.zip.minisig").exists());
    assert_eq!(last_serial(&cwd.join("ca")), 1);

    // A file that is not an ONDE export at all.
    fs::create_dir(cwd.join("autre")).unwrap();
    fs::write(cwd.join("autre/notes.csv"), "a;b\r\n1;2\r\n").unwrap();
    let o = create("autre", "autre.zip");
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o)
            .contains("notes.csv : illisible. Ce fichier n'est pas reconnu comme un export ONDE"),
        "{}",
        stderr(&o)
    );
    assert!(!cwd.join("autre.zip").exists());
    assert_eq!(last_serial(&cwd.join("ca")), 1);

    // The library gives the same verdicts.
    let files = |names: &[&str]| -> Vec<OndeFile> {
        names
            .iter()
            .map(|name| OndeFile {
                name: (*name).into(),
                data: onde_fixture(name),
            })
            .collect()
    };
    let good = bundle::check_onde(&files(&GOOD_EXPORTS));
    assert!(!good.blocks());
    assert_eq!(good.import, import);
    let bad = bundle::check_onde(&files(&[
        "eleves-lignes-abimees.csv",
        "enseignants-2024.csv",
    ]));
    assert!(bad.blocks());
    assert!(bad.files[0].blocks() && !bad.files[1].blocks());
    assert_eq!(bad.files[0].kind_fr, Some("élèves"));
}
