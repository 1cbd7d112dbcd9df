//! `preau-provision`: the commune technician's tool.
//!
//! Exit codes: 0 success; 1 the bundle is refused (signature missing or wrong, altered or
//! hostile archive, manifest or file hashes that do not match); 2 usage error; 3 any other
//! error (files unreadable, invalid `school.toml`, CA directory missing or inconsistent, signing
//! key password missing or wrong, ONDE exports the box would refuse, a certificate to revoke
//! that the CA did not issue).

use clap::{Parser, Subcommand};
use preau_provision::archive::Limits;
use preau_provision::bundle::{
    self, BundleError, Description, Manifest, Network, NetworkMode, PublicKey,
};
use preau_provision::ca;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::OffsetDateTime;

/// Outil du technicien : autorité de certification de la commune et lots de configuration
/// signés des boîtiers Préau.
#[derive(Parser)]
#[command(name = "preau-provision", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Autorité de certification de la commune.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// Lots de configuration (preau-bundle.zip et sa signature).
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// Mises à jour du système des boîtiers (dossier preau-update/ d'une clé USB).
    Update {
        #[command(subcommand)]
        command: UpdateCommand,
    },
}

#[derive(Subcommand)]
enum UpdateCommand {
    /// Décrit et signe une mise à jour faite par image-build/build.sh (root.ext4.gz,
    /// vmlinuz, initrd.img) : écrit manifest.toml et manifest.toml.minisig dans son dossier.
    Sign {
        /// Dossier de l'autorité (créé par « ca init »).
        #[arg(long)]
        ca: PathBuf,
        /// Dossier de la mise à jour (preau-update/).
        #[arg(long)]
        dir: PathBuf,
        /// Architecture des boîtiers (amd64 ou arm64).
        #[arg(long, default_value = "amd64")]
        arch: String,
        /// Numéro de version : un boîtier n'installe qu'une version plus haute que la sienne
        /// (par défaut, l'heure actuelle en secondes Unix).
        #[arg(long)]
        version: Option<u64>,
        /// Fichier contenant le mot de passe de la clé de signature des lots, si elle est
        /// chiffrée. À défaut, la variable PREAU_SIGNING_PASSWORD.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CaCommand {
    /// Crée l'autorité de la commune et la clé de signature des lots dans un nouveau dossier.
    Init {
        /// Nom de la commune.
        #[arg(long)]
        commune: String,
        /// Domaine des boîtiers (ecoles.ville.fr) : l'autorité ne certifie que ses sous-noms
        /// et ceux en .local.
        #[arg(long)]
        domain: String,
        /// Dossier à créer (absent ou vide).
        #[arg(long)]
        out: PathBuf,
        /// Fichier contenant le mot de passe qui chiffre la clé de signature des lots (sa
        /// première ligne). À défaut, la variable PREAU_SIGNING_PASSWORD ; sans l'un ni
        /// l'autre, la clé n'est pas chiffrée.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Émet un nouveau certificat de synchronisation (client.crt et client.key) pour un
    /// boîtier déjà en service, sans refaire de lot.
    IssueSyncCert {
        /// Dossier de l'autorité (créé par « ca init »).
        #[arg(long)]
        ca: PathBuf,
        /// Code UAI de l'école du boîtier.
        #[arg(long)]
        uai: String,
        /// Nom d'hôte du boîtier (celui de [box] host).
        #[arg(long)]
        host: String,
        /// Dossier à créer (absent ou vide) pour client.crt et client.key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Révoque un certificat émis par l'autorité (boîtier volé, perdu, retiré du service),
    /// puis réécrit la liste de révocation commune.crl, à copier sur le serveur central.
    Revoke {
        /// Dossier de l'autorité (créé par « ca init »).
        #[arg(long)]
        ca: PathBuf,
        /// Le certificat à révoquer (PEM), par exemple le client.crt du boîtier.
        #[arg(long)]
        cert: PathBuf,
        /// Motif, noté dans commune.toml (une ligne, 200 caractères au plus).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Réémet la liste de révocation commune.crl (elle est valable 30 jours).
    Crl {
        /// Dossier de l'autorité (créé par « ca init »).
        #[arg(long)]
        ca: PathBuf,
    },
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Affiche un exemple commenté de description d'école (school.toml).
    Example,
    /// Produit un lot signé pour une école.
    Create {
        /// Dossier de l'autorité (créé par « ca init »).
        #[arg(long)]
        ca: PathBuf,
        /// Description de l'école (voir « bundle example »).
        #[arg(long)]
        school: PathBuf,
        /// Dossier des exports ONDE (*.csv) : lus d'abord comme le boîtier les lira (un export
        /// illisible ou avec des lignes écartées arrête tout), puis copiés tels quels.
        #[arg(long)]
        onde: Option<PathBuf>,
        /// Fichier zip à écrire ; la signature est écrite à côté (<zip>.minisig).
        #[arg(long, default_value = bundle::BUNDLE_FILE)]
        out: PathBuf,
        /// Fichier contenant le mot de passe de la clé de signature des lots, si elle est
        /// chiffrée. À défaut, la variable PREAU_SIGNING_PASSWORD.
        #[arg(long)]
        password_file: Option<PathBuf>,
    },
    /// Affiche le contenu d'un lot (sans vérifier la signature).
    Inspect {
        /// Le lot (preau-bundle.zip).
        zip: PathBuf,
    },
    /// Vérifie la signature d'un lot, puis son contenu.
    Verify {
        /// Clé publique de la commune (bundle-signing.pub).
        #[arg(long)]
        key: PathBuf,
        /// Le lot (preau-bundle.zip) ; sa signature est lue dans <zip>.minisig.
        zip: PathBuf,
    },
}

/// An error and the exit code it leads to.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn other(message: String) -> Failure {
        Failure { code: 3, message }
    }
}

impl From<BundleError> for Failure {
    fn from(e: BundleError) -> Self {
        let code = if matches!(e, BundleError::Io { .. }) {
            3
        } else {
            1
        };
        Failure {
            code,
            message: format!("lot refusé : {}", e.french()),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ca { command } => match command {
            CaCommand::Init {
                commune,
                domain,
                out,
                password_file,
            } => ca_init(&commune, &domain, &out, password_file.as_deref()),
            CaCommand::IssueSyncCert { ca, uai, host, out } => {
                ca_issue_sync_cert(&ca, &uai, &host, &out)
            }
            CaCommand::Revoke { ca, cert, reason } => {
                ca_revoke(&ca, &cert, reason.as_deref().unwrap_or_default())
            }
            CaCommand::Crl { ca } => ca_crl(&ca),
        },
        Command::Bundle { command } => match command {
            BundleCommand::Example => {
                print!("{}", bundle::EXAMPLE);
                Ok(())
            }
            BundleCommand::Create {
                ca,
                school,
                onde,
                out,
                password_file,
            } => bundle_create(
                &ca,
                &school,
                onde.as_deref(),
                &out,
                password_file.as_deref(),
            ),
            BundleCommand::Inspect { zip } => bundle_inspect(&zip),
            BundleCommand::Verify { key, zip } => bundle_verify(&key, &zip),
        },
        Command::Update {
            command:
                UpdateCommand::Sign {
                    ca,
                    dir,
                    arch,
                    version,
                    password_file,
                },
        } => update_sign(&ca, &dir, &arch, version, password_file.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("preau-provision : {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// The environment variable that may hold the signing key's password.
const PASSWORD_ENV: &str = "PREAU_SIGNING_PASSWORD";

/// The signing key's password: the first line of `file` if given, else `PREAU_SIGNING_PASSWORD`
/// if set, else none. An empty one is refused.
fn read_password(file: Option<&Path>) -> Result<Option<String>, Failure> {
    let password = match file {
        Some(file) => {
            let text = fs::read_to_string(file).map_err(|e| {
                Failure::other(format!("{} : lecture impossible ({e})", file.display()))
            })?;
            let line = text.lines().next().unwrap_or_default().to_string();
            if line.is_empty() {
                return Err(Failure::other(format!(
                    "{} : le fichier de mot de passe est vide (le mot de passe est sa première ligne)",
                    file.display()
                )));
            }
            line
        }
        None => match std::env::var(PASSWORD_ENV) {
            Ok(password) if password.is_empty() => {
                return Err(Failure::other(format!(
                    "la variable {PASSWORD_ENV} est vide : la retirer ou y mettre le mot de passe"
                )));
            }
            Ok(password) => password,
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::other(format!(
                    "la variable {PASSWORD_ENV} n'est pas lisible (pas de l'UTF-8)"
                )));
            }
        },
    };
    Ok(Some(password))
}

fn ca_init(
    commune: &str,
    domain: &str,
    out: &Path,
    password_file: Option<&Path>,
) -> Result<(), Failure> {
    let password = read_password(password_file)?;
    let now = OffsetDateTime::now_utc();
    let ca = match &password {
        Some(password) => ca::init_with_password(out, commune, domain, password, now),
        None => ca::init(out, commune, domain, now),
    }
    .map_err(|e| Failure::other(e.french()))?;
    let public = ca.public_key();
    println!(
        "Autorité de la commune « {commune} » créée dans {}.",
        out.display()
    );
    println!(
        "  {} : certificat de l'autorité, à installer sur les postes de la commune ;",
        ca::CA_CERT_FILE
    );
    println!(
        "  {} : clé de l'autorité — ne quitte jamais ce dossier ;",
        ca::CA_KEY_FILE
    );
    if password.is_some() {
        println!(
            "  {} : clé de signature des lots, chiffrée par le mot de passe donné (il sera demandé à chaque « bundle create ») — ne quitte jamais ce dossier ;",
            ca::SIGNING_KEY_FILE
        );
    } else {
        println!(
            "  {} : clé de signature des lots, non chiffrée (garder ce dossier sur un volume chiffré) — ne quitte jamais ce dossier ;",
            ca::SIGNING_KEY_FILE
        );
    }
    println!(
        "  {} : clé publique des lots (minisign {}), à configurer sur chaque boîtier.",
        ca::PUBLIC_KEY_FILE,
        public.key_id()
    );
    println!("Noms certifiables : *.{domain}, *.local et les adresses privées.");
    Ok(())
}

fn ca_issue_sync_cert(ca_dir: &Path, uai: &str, host: &str, out: &Path) -> Result<(), Failure> {
    let ca = ca::open(ca_dir).map_err(|e| Failure::other(e.french()))?;
    let issued = ca
        .issue_sync_client(host, uai, OffsetDateTime::now_utc())
        .map_err(|e| Failure::other(e.french()))?;
    let (cert, key) = ca::write_sync_cert(out, &issued).map_err(|e| Failure::other(e.french()))?;
    println!(
        "Certificat de synchronisation du boîtier {host}.{} (école {uai}) émis par l'autorité de {} :",
        ca.state().domain,
        ca.state().commune
    );
    let summary = certificate_summary(issued.cert_pem.as_bytes()).unwrap_or_default();
    println!("  {} : certificat client ({summary}) ;", cert.display());
    println!(
        "  {} : sa clé privée (lisible par vous seul) — ne la copier que sur le boîtier.",
        key.display()
    );
    println!(
        "Le boîtier s'en sert pour se faire reconnaître du serveur central ; l'ancien certificat reste valable jusqu'à sa date de fin."
    );
    Ok(())
}

/// A date as « 17/06/2025 », from RFC 3339 or as given if it is not.
fn french_date(rfc3339: &str) -> String {
    OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[day]/[month]/[year]"))
                .ok()
        })
        .unwrap_or_else(|| rfc3339.to_string())
}

fn ca_revoke(ca_dir: &Path, cert: &Path, reason: &str) -> Result<(), Failure> {
    let mut ca = ca::open(ca_dir).map_err(|e| Failure::other(e.french()))?;
    let pem = fs::read(cert)
        .map_err(|e| Failure::other(format!("{} : lecture impossible ({e})", cert.display())))?;
    let before = ca.revoked().len();
    let serial = ca
        .revoke(&pem, reason, OffsetDateTime::now_utc())
        .map_err(|e| Failure::other(format!("{} : {}", cert.display(), e.french())))?;
    let entry = ca
        .revoked()
        .iter()
        .find(|r| r.serial == serial)
        .cloned()
        .ok_or_else(|| {
            Failure::other(format!(
                "certificat n° {serial} introuvable après révocation"
            ))
        })?;
    if ca.revoked().len() > before {
        let reason = if entry.reason.is_empty() {
            "motif non précisé".to_string()
        } else {
            format!("motif : {}", entry.reason)
        };
        println!(
            "Certificat n° {serial} ({}) révoqué par l'autorité de {} ({reason}).",
            entry.subject,
            ca.state().commune
        );
    } else {
        println!(
            "Certificat n° {serial} ({}) déjà révoqué le {} : rien de changé dans {}.",
            entry.subject,
            french_date(&entry.date),
            ca::STATE_FILE
        );
    }
    write_crl(&mut ca, false)
}

fn ca_crl(ca_dir: &Path) -> Result<(), Failure> {
    let mut ca = ca::open(ca_dir).map_err(|e| Failure::other(e.french()))?;
    write_crl(&mut ca, true)
}

/// Writes `commune.crl` and says what to do with it; with `list`, lists the revoked
/// certificates too.
fn write_crl(ca: &mut ca::CommuneCa, list: bool) -> Result<(), Failure> {
    let now = OffsetDateTime::now_utc();
    let path = ca.write_crl(now).map_err(|e| Failure::other(e.french()))?;
    let until = (now + time::Duration::days(ca::CRL_VALIDITY_DAYS))
        .format(time::macros::format_description!("[day]/[month]/[year]"))
        .unwrap_or_default();
    println!(
        "Liste de révocation n° {} écrite : {} ({} certificat(s) révoqué(s), valable jusqu'au {until}).",
        ca.state().last_crl_number,
        path.display(),
        ca.revoked().len()
    );
    for revoked in ca.revoked().iter().filter(|_| list) {
        let reason = if revoked.reason.is_empty() {
            String::new()
        } else {
            format!(" : {}", revoked.reason)
        };
        println!(
            "  n° {} ({}), révoqué le {}{reason}",
            revoked.serial,
            revoked.subject,
            french_date(&revoked.date)
        );
    }
    println!(
        "Copier {} sur le serveur central, l'indiquer dans sa configuration (crl = \"/etc/preau/{}\") et le redémarrer : il refusera alors les certificats révoqués. Réémettre la liste avant le {until} avec « preau-provision ca crl --ca {} ».",
        ca::CRL_FILE,
        ca::CRL_FILE,
        ca.dir().display()
    );
    Ok(())
}

/// Prints what the ONDE exports hold, or refuses them (nothing is written then) when one
/// would stop the import on the box.
fn check_onde(files: &[bundle::OndeFile]) -> Result<(), Failure> {
    use std::fmt::Write;
    let check = bundle::check_onde(files);
    // The library's messages say what became of the value; « écartée » marks the lines the
    // box would leave out, which stop the import.
    let problem_line = |p: &preau_provision::onde::LineProblem| {
        let skipped = if p.skipped { " (écartée)" } else { "" };
        format!("ligne {}{skipped} : {}", p.line, p.message_fr)
    };
    if check.blocks() {
        let mut message = String::from(
            "exports ONDE refusés, aucun lot n'a été écrit : le boîtier refuserait de les importer.",
        );
        for file in check.files.iter().filter(|f| f.blocks()) {
            match &file.refused {
                Some(reason) => {
                    let _ = write!(message, "\n  {} : illisible. {reason}", file.name);
                }
                None => {
                    let _ = write!(
                        message,
                        "\n  {} ({}) :",
                        file.name,
                        file.kind_fr.unwrap_or_default()
                    );
                    for problem in &file.problems {
                        let _ = write!(message, "\n    {}", problem_line(problem));
                    }
                }
            }
        }
        message.push_str(
            "\nCorriger ces lignes (ou exporter à nouveau depuis ONDE), puis relancer la commande.",
        );
        return Err(Failure::other(message));
    }
    if files.is_empty() {
        return Ok(());
    }
    println!("Exports ONDE lus (comme le boîtier les lira) :");
    for file in &check.files {
        println!(
            "  {} : {}, {} ligne(s)",
            file.name,
            file.kind_fr.unwrap_or_default(),
            file.rows
        );
        for problem in &file.problems {
            println!("    attention, {}", problem_line(problem));
        }
    }
    let import = &check.import;
    println!(
        "  trouvés : {} élève(s), {} responsable(s) légal(aux), {} enseignant(s), {} classe(s).",
        import.pupils.len(),
        import.guardians.len(),
        import.teachers.len(),
        import.classes.len()
    );
    Ok(())
}

/// Opens the CA in `ca_dir` with its signing key unlocked (with the password when it is
/// encrypted).
fn open_unlocked(ca_dir: &Path, password_file: Option<&Path>) -> Result<ca::CommuneCa, Failure> {
    let mut ca = ca::open(ca_dir).map_err(|e| Failure::other(e.french()))?;
    if ca.signing_key_encrypted() {
        let password = read_password(password_file)?
            .ok_or_else(|| Failure::other(ca::CaError::SigningKeyLocked.french()))?;
        ca.unlock(&password)
            .map_err(|e| Failure::other(e.french()))?;
    } else if password_file.is_some() {
        eprintln!(
            "attention : la clé de signature des lots n'est pas chiffrée, --password-file est ignoré."
        );
    }
    Ok(ca)
}

fn update_sign(
    ca_dir: &Path,
    dir: &Path,
    arch: &str,
    version: Option<u64>,
    password_file: Option<&Path>,
) -> Result<(), Failure> {
    let ca = open_unlocked(ca_dir, password_file)?;
    let key = ca.signing_key().map_err(|e| Failure::other(e.french()))?;
    let version = version.unwrap_or_else(|| OffsetDateTime::now_utc().unix_timestamp() as u64);
    let manifest = preau_provision::update::sign(dir, version, arch, key)
        .map_err(|e| Failure::other(format!("mise à jour non signée : {e}")))?;
    println!(
        "Mise à jour version {} ({}) signée : {} et {} dans {}.",
        manifest.version,
        manifest.arch,
        preau_provision::update::MANIFEST,
        preau_provision::update::SIGNATURE,
        dir.display()
    );
    println!(
        "Copier le dossier {} à la racine d'une clé USB nommée PREAU… et la brancher sur le boîtier : il installe la mise à jour sur son emplacement libre puis redémarre dessus.",
        preau_provision::update::UPDATE_DIR
    );
    Ok(())
}

fn bundle_create(
    ca_dir: &Path,
    school: &Path,
    onde: Option<&Path>,
    out: &Path,
    password_file: Option<&Path>,
) -> Result<(), Failure> {
    let text = fs::read_to_string(school)
        .map_err(|e| Failure::other(format!("{} : lecture impossible ({e})", school.display())))?;
    let description = Description::parse(&text)
        .map_err(|e| Failure::other(format!("{} : {}", school.display(), e.french())))?;
    let mut ca = open_unlocked(ca_dir, password_file)?;
    let onde_files = match onde {
        Some(dir) => bundle::read_onde_dir(dir).map_err(|e| Failure::other(e.french()))?,
        None => Vec::new(),
    };
    if onde.is_some() && onde_files.is_empty() {
        eprintln!(
            "attention : aucun fichier .csv dans le dossier ONDE, le lot n'aura ni élèves ni parents."
        );
    }
    // Before the serial is taken: a refused export leaves the CA directory as it was.
    check_onde(&onde_files)?;
    let serial = ca
        .take_bundle_serial()
        .map_err(|e| Failure::other(e.french()))?;
    let new = bundle::create_bundle(
        &ca,
        &description,
        &onde_files,
        serial,
        OffsetDateTime::now_utc(),
    )
    .map_err(|e| Failure::other(e.french()))?;
    let signature_path = bundle::signature_path(out);
    // The bundle carries the box's private keys: readable by the technician only.
    ca::write_private(out, &new.zip).map_err(|e| Failure::other(e.french()))?;
    ca::write_private(&signature_path, new.signature.as_bytes())
        .map_err(|e| Failure::other(e.french()))?;
    println!(
        "Lot n° {} pour {} ({}) écrit : {} et {}.",
        new.manifest.serial,
        new.manifest.school.name,
        new.manifest.school.uai,
        out.display(),
        signature_path.display()
    );
    println!(
        "Copier les deux fichiers à la racine de la clé USB. Le lot contient les clés privées du boîtier : effacer la clé une fois le boîtier configuré."
    );
    Ok(())
}

fn read_zip(zip: &Path, limits: &Limits) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    fs::File::open(zip)
        .and_then(|f| f.take(limits.max_archive_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| Failure::other(format!("{} : lecture impossible ({e})", zip.display())))?;
    Ok(bytes)
}

fn bundle_inspect(zip: &Path) -> Result<(), Failure> {
    let limits = Limits::default();
    let bytes = read_zip(zip, &limits)?;
    let opened = bundle::inspect_unverified(&bytes, &limits)?;
    print!(
        "{}",
        describe(&opened.manifest, &opened.sha256, &opened.certificates)
    );
    println!(
        "Signature non vérifiée : utiliser « preau-provision bundle verify --key bundle-signing.pub {} ».",
        zip.display()
    );
    Ok(())
}

fn bundle_verify(key: &Path, zip: &Path) -> Result<(), Failure> {
    let text = fs::read_to_string(key)
        .map_err(|e| Failure::other(format!("{} : lecture impossible ({e})", key.display())))?;
    let key = PublicKey::parse(&text).map_err(|e| Failure::other(e.french()))?;
    let verified = bundle::verify_and_open_files(zip, &key, &Limits::default())?;
    println!(
        "Lot valide : signé par la clé {}, {} fichiers conformes au manifeste.",
        verified.key_id(),
        verified.manifest().files.len()
    );
    println!(
        "Lot n° {} pour {} ({}).",
        verified.manifest().serial,
        verified.manifest().school.name,
        verified.manifest().school.uai
    );
    Ok(())
}

/// Groups digits by three with a narrow space, French style.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

fn describe(manifest: &Manifest, sha256: &str, certificates: &[(String, Vec<u8>)]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let created = manifest
        .created()
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[day]/[month]/[year] à [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| manifest.created.clone());
    let _ = writeln!(
        s,
        "Lot de configuration Préau n° {} (format {})",
        manifest.serial, manifest.format
    );
    let _ = writeln!(s, "  créé le {created} par {}", manifest.tool);
    let _ = writeln!(s, "  empreinte SHA-256 du zip : {sha256}");
    let _ = writeln!(
        s,
        "Commune : {} (domaine des boîtiers : {})",
        manifest.commune.name, manifest.commune.domain
    );
    let _ = writeln!(
        s,
        "École : {} — UAI {}",
        manifest.school.name, manifest.school.uai
    );
    let _ = writeln!(s, "  adresse : {}", manifest.school.address);
    let _ = writeln!(s, "  commune : {}", manifest.school.commune);
    let _ = writeln!(
        s,
        "Boîtier : {} (aussi {})",
        manifest.fqdn(),
        manifest.local_name()
    );
    let dns = |dns: &[std::net::IpAddr]| {
        dns.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match manifest.network() {
        Ok(Network::Dhcp { dns: servers }) if servers.is_empty() => {
            let _ = writeln!(s, "Réseau : adresse attribuée par DHCP");
        }
        Ok(Network::Dhcp { dns: servers }) => {
            let _ = writeln!(
                s,
                "Réseau : adresse attribuée par DHCP ; DNS imposés : {}",
                dns(&servers)
            );
        }
        Ok(Network::Static {
            address,
            prefix,
            gateway,
            dns: servers,
        }) => {
            let _ = writeln!(
                s,
                "Réseau : adresse fixe {address}/{prefix}, passerelle {gateway}, DNS {}",
                dns(&servers)
            );
        }
        Err(_) => {
            let mode = if manifest.network.mode == NetworkMode::Dhcp {
                "DHCP"
            } else {
                "fixe"
            };
            let _ = writeln!(s, "Réseau : {mode} (réglages invalides)");
        }
    }
    let _ = writeln!(s, "Serveur central : {}", manifest.central.url);
    let _ = writeln!(
        s,
        "Serveurs de temps : {}",
        manifest.time.servers.join(", ")
    );
    match &manifest.ssh {
        None => {
            let _ = writeln!(s, "Accès SSH : aucun");
        }
        Some(ssh) => {
            let _ = writeln!(s, "Accès SSH : {} clé(s)", ssh.authorized_keys.len());
            for key in &ssh.authorized_keys {
                let mut parts = key.split(' ');
                let kind = parts.next().unwrap_or_default();
                let comment = parts.nth(1).unwrap_or("sans commentaire");
                let _ = writeln!(s, "  {kind} ({comment})");
            }
        }
    }
    let _ = writeln!(
        s,
        "Comptes créés par le boîtier : {}",
        manifest.accounts.len()
    );
    for account in &manifest.accounts {
        let role = account
            .role()
            .map(|r| r.label().to_string())
            .unwrap_or_else(|_| format!("rôle inconnu « {} »", account.role));
        let login = if account.login.is_empty() {
            "identifiant formé par le boîtier (prenom.nom)".to_string()
        } else {
            format!("identifiant {}", account.login)
        };
        let email = if account.email.is_empty() {
            String::new()
        } else {
            format!(", courriel {}", account.email)
        };
        let _ = writeln!(
            s,
            "  {role} : {} {} — {login}{email}",
            account.first_name, account.last_name
        );
    }
    let onde = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with(bundle::ONDE_DIR))
        .count();
    let _ = writeln!(s, "Exports ONDE : {onde} fichier(s)");
    let _ = writeln!(s, "Fichiers :");
    for file in &manifest.files {
        let _ = writeln!(
            s,
            "  {:<28} {:>12} octets  sha256 {}",
            file.path,
            grouped(file.size),
            file.sha256
        );
    }
    for (name, pem) in certificates {
        if let Some(line) = certificate_summary(pem) {
            let _ = writeln!(s, "Certificat {name} : {line}");
        }
    }
    s
}

/// « valable du … au …, noms : … » for a PEM certificate.
fn certificate_summary(pem: &[u8]) -> Option<String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem).ok()?;
    let cert = pem.parse_x509().ok()?;
    let date = |t: x509_parser::time::ASN1Time| {
        t.to_datetime()
            .format(time::macros::format_description!("[day]/[month]/[year]"))
            .unwrap_or_default()
    };
    let mut line = format!(
        "valable du {} au {}",
        date(cert.validity().not_before),
        date(cert.validity().not_after)
    );
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|name| match name {
                x509_parser::extensions::GeneralName::DNSName(d) => d.to_string(),
                x509_parser::extensions::GeneralName::IPAddress(ip) => match ip.len() {
                    4 => <[u8; 4]>::try_from(*ip)
                        .map(|b| std::net::IpAddr::from(b).to_string())
                        .unwrap_or_default(),
                    16 => <[u8; 16]>::try_from(*ip)
                        .map(|b| std::net::IpAddr::from(b).to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                },
                other => other.to_string(),
            })
            .collect();
        line.push_str(&format!(", noms : {}", names.join(", ")));
    } else if cert.is_ca() {
        line.push_str(", autorité de la commune");
    }
    Some(line)
}
