//! The command line.

use crate::Config;
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use preau_app::accounts::{Handover, UserForm};
use preau_app::{App, system_clock};
use preau_core::Role;
use preau_store::{Store, StoreError};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Préau: the digital workspace of a primary school, in a box.
#[derive(Parser, Debug)]
#[command(name = "preau", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the school box.
    Serve {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
    },
    /// Create (or reuse) a demo school and serve it on this machine.
    Demo {
        /// Where the demo data lives.
        #[arg(long, default_value = "preau-demo-data")]
        data_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        listen: std::net::IpAddr,
        /// HTTPS port (0 picks a free one).
        #[arg(long, default_value_t = 8443)]
        port: u16,
        /// Plain-HTTP port (0 turns it off).
        #[arg(long, default_value_t = 8080)]
        http_port: u16,
        /// Announce the demo over mDNS, on loopback only.
        #[arg(long)]
        mdns: bool,
    },
    /// Serve the commune's central instance: the boxes' sync, parents at home and the town
    /// hall's page (or, with `admin`, run an administration command while it is stopped).
    Central {
        /// The central configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        #[command(subcommand)]
        action: Option<CentralCommand>,
    },
    /// Administration commands (run them while the service is stopped).
    Admin {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Copy the box's data (database, files, TLS material) into a new folder; run it while
    /// the service is stopped.
    Backup {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        /// The new folder to write the backup into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup into the (empty) data folder; the box then takes a new replica id.
    Restore {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
    },
    /// Check the database's integrity (and, with --reindex, rebuild the search index).
    Check {
        /// The configuration file (TOML).
        #[arg(long)]
        config: PathBuf,
        /// Rebuild the search index from the database.
        #[arg(long)]
        reindex: bool,
    },
    /// The system settings of the provisioning bundle (host name, network, time servers, SSH
    /// keys), as root on the appliance image: see image-build/README.md.
    SystemSettings {
        #[command(subcommand)]
        action: SystemSettingsAction,
    },
    /// Install a signed system update onto the slot that is not running, as root on the
    /// appliance image (run by /usr/lib/preau/update): see image-build/README.md.
    SystemUpdate {
        #[command(subcommand)]
        action: SystemUpdateAction,
    },
    /// Extract the text of one file, within memory and time limits (run by the server in a
    /// child process: `preau extract --mime <type> --max-output <n> … -- <file>`).
    #[command(hide = true, disable_help_flag = true)]
    Extract {
        /// The options and the file, read by `preau_extract::child_main`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum CentralCommand {
    /// Administration commands of central (run them while central is stopped).
    Admin {
        #[command(subcommand)]
        action: CentralAdmin,
    },
}

#[derive(Subcommand, Debug)]
enum CentralAdmin {
    /// Create a town-hall agent's account; prints its identifier and one-time activation code.
    CreateAgent {
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Last name.
        #[arg(long)]
        last_name: String,
    },
}

#[derive(Subcommand, Debug)]
enum AdminAction {
    /// Record the school of a new box.
    InitSchool {
        /// UAI code (7 digits and a check letter).
        #[arg(long)]
        uai: String,
        /// The school's name.
        #[arg(long)]
        name: String,
        /// The commune.
        #[arg(long)]
        commune: String,
        /// Postal address.
        #[arg(long, default_value = "")]
        address: String,
    },
    /// Create an account and print its activation code.
    CreateUser {
        /// Role: direction, enseignant, personnel, parent, mairie, technicien.
        #[arg(long)]
        role: String,
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Family name.
        #[arg(long)]
        last_name: String,
        /// Identifier (default: prenom.nom).
        #[arg(long, default_value = "")]
        login: String,
    },
    /// Give an account a new activation code (ends its sessions).
    ResetPassword {
        /// The account's identifier.
        #[arg(long)]
        login: String,
    },
    /// Unlock an account locked after failed sign-ins.
    Unlock {
        /// The account's identifier.
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand, Debug)]
enum SystemSettingsAction {
    /// Check the signature of a bundle on a stick and, if it is newer than the installed
    /// one, derive its system settings for `accept` (run by root when a stick is mounted).
    Stage {
        /// The bundle (`preau-bundle.zip`, with its `.minisig` beside it).
        #[arg(long)]
        bundle: PathBuf,
        /// The commune's bundle-signing key (minisign public key).
        #[arg(long)]
        key: PathBuf,
        /// Root's directory of settings.
        #[arg(long, default_value = crate::root_settings::DEFAULT_DIR)]
        dir: PathBuf,
    },
    /// Make the settings of the bundle `preau` applied the installed ones, if `stage` checked
    /// that bundle (run by root when `preau` writes `<data>/system/bundle.sha256`).
    Accept {
        /// The file in which `preau` names the bundle it applied.
        #[arg(long)]
        applied: PathBuf,
        /// Root's directory of settings.
        #[arg(long, default_value = crate::root_settings::DEFAULT_DIR)]
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum SystemUpdateAction {
    /// Check the update's signature, then write its root file system onto the free slot and
    /// its kernel and initramfs into a folder; prints the version installed.
    Install {
        /// The update's folder (`preau-update/` on the stick).
        #[arg(long)]
        update: PathBuf,
        /// The commune's bundle-signing key (minisign public key).
        #[arg(long)]
        key: PathBuf,
        /// This box's architecture (`amd64`, `arm64`).
        #[arg(long)]
        arch: String,
        /// The version running now; only a newer one is installed.
        #[arg(long)]
        running: u64,
        /// The free slot's block device.
        #[arg(long)]
        device: PathBuf,
        /// The folder to write the kernel and initramfs into.
        #[arg(long)]
        boot_files: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigAction {
    /// Print the documented default configuration.
    Example,
    /// Print the documented default configuration of central (`preau central`).
    CentralExample,
}

/// Runs the command line and returns the process status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Extract { args } = &cli.command {
        // The text-extraction child: it limits its own resources before anything else.
        return preau_extract::child_main(args);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preau: {e:#}");
            ExitCode::from(exit_status(&e))
        }
    }
}

fn exit_status(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<StoreError>() {
        Some(StoreError::Locked(_)) => 3,
        Some(StoreError::NewerFormat { .. }) => 4,
        _ => 1,
    }
}

fn init_logs(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn load(config: &std::path::Path) -> Result<Config> {
    Ok(Config::load(Some(config), std::env::vars())?)
}

fn open_app(config: &Config) -> Result<Arc<App>> {
    let store = Store::open(&config.data_dir)?;
    Ok(Arc::new(App::new(store, settings(config), system_clock())?))
}

/// The application settings, with this very binary as the text extractor (`preau extract`
/// in a child process with memory and time limits).
fn settings(config: &Config) -> preau_app::Settings {
    preau_app::Settings {
        extractor: std::env::current_exe().ok(),
        ..config.settings()
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { config } => {
            let config = load(&config)?;
            init_logs(&config.log);
            let app = open_app(&config)?;
            if !app.is_set_up() {
                tracing::warn!(
                    "not set up yet: serving only the setup page until a provisioning stick is applied (or `preau admin init-school` is run)"
                );
            }
            runtime()?.block_on(async {
                let running = crate::start(&config, app).await?;
                running.until_stopped().await;
                Ok(())
            })
        }
        Command::Demo {
            data_dir,
            listen,
            port,
            http_port,
            mdns,
        } => {
            let config = Config {
                data_dir,
                host_name: "ecole-jules-ferry".into(),
                listen,
                https_port: port,
                http_port,
                mdns: if mdns {
                    "loopback".into()
                } else {
                    "off".into()
                },
                ..Config::default()
            };
            init_logs(&std::env::var("PREAU_LOG").unwrap_or_else(|_| "warn".into()));
            let app = open_app(&config)?;
            if crate::demo::ensure_school(&app)? {
                eprintln!(
                    "preau: demo school created in {}",
                    config.data_dir.display()
                );
            }
            runtime()?.block_on(async {
                let running = crate::start(&config, app.clone()).await?;
                let url = format!("https://{}", running.https);
                let http = running.http.map(|a| format!("http://{a}"));
                println!("{}", crate::demo::summary(&app, &url, http));
                running.until_stopped().await;
                Ok(())
            })
        }
        Command::Central {
            config,
            action:
                Some(CentralCommand::Admin {
                    action:
                        CentralAdmin::CreateAgent {
                            first_name,
                            last_name,
                        },
                }),
        } => {
            let config = crate::central::CentralConfig::load(Some(&config), std::env::vars())?;
            let (agent, code) =
                crate::central::create_agent(&config, system_clock(), &first_name, &last_name)?;
            println!(
                "Compte de la mairie créé pour {} : identifiant {}, code d'activation {} \
                 (à saisir sur « Activer mon compte » de la page publique).",
                agent.full_name(),
                agent.login,
                code
            );
            Ok(())
        }
        Command::Central {
            config,
            action: None,
        } => {
            let config = crate::central::CentralConfig::load(Some(&config), std::env::vars())?;
            init_logs(&config.log);
            runtime()?.block_on(async {
                let running = crate::central::start_central(&config, system_clock()).await?;
                crate::server::stop_requested().await;
                drop(running);
                Ok(())
            })
        }
        Command::Admin { config, action } => {
            let config = load(&config)?;
            let app = open_app(&config)?;
            admin(&app, action)
        }
        Command::Config {
            action: ConfigAction::Example,
        } => {
            print!("{}", Config::example());
            Ok(())
        }
        Command::Config {
            action: ConfigAction::CentralExample,
        } => {
            print!("{}", crate::central::CENTRAL_EXAMPLE);
            Ok(())
        }
        Command::SystemSettings { action } => system_settings(action),
        Command::SystemUpdate {
            action:
                SystemUpdateAction::Install {
                    update,
                    key,
                    arch,
                    running,
                    device,
                    boot_files,
                },
        } => {
            let key = crate::stick::read_public_key(&key)?;
            let manifest = crate::system_update::install(&crate::system_update::Install {
                update: &update,
                key: &key,
                arch: &arch,
                running,
                device: &device,
                boot_files: &boot_files,
            })?;
            println!("{}", manifest.version);
            Ok(())
        }
        Command::Extract { .. } => bail!("`preau extract` is run by the server itself"),
        Command::Backup { config, out } => {
            let config = load(&config)?;
            let copied = crate::backup::backup(&config.data_dir, &out)?;
            println!(
                "backup written to {}: {} files, {} bytes (replica {:x})",
                out.display(),
                copied.files,
                copied.bytes,
                copied.replica
            );
            Ok(())
        }
        Command::Restore { config, from } => {
            let config = load(&config)?;
            let copied = crate::backup::restore(&from, &config.data_dir)?;
            println!(
                "restored into {}: {} files, {} bytes; new replica id {:x}",
                config.data_dir.display(),
                copied.files,
                copied.bytes,
                copied.replica
            );
            Ok(())
        }
        Command::Check { config, reindex } => {
            let config = load(&config)?;
            let mut store = Store::open(&config.data_dir)?;
            if store.check_integrity()? {
                let app = App::new(store, settings(&config), system_clock())?;
                let directory = app.directory();
                println!(
                    "database OK: {} accounts, {} classes, schema {}",
                    directory.users().len(),
                    directory.all_classes().len(),
                    preau_store::schema::SCHEMA.current
                );
                if reindex {
                    let items = app.reindex_all()?;
                    println!("search index rebuilt: {items} items");
                }
                Ok(())
            } else {
                bail!("the database needed repair; it has been repaired — check the last changes")
            }
        }
    }
}

/// Runs `preau system-settings …`; reports one line on stdout (the journal).
fn system_settings(action: SystemSettingsAction) -> Result<()> {
    use crate::root_settings::{Accepted, accept, stage};
    match action {
        SystemSettingsAction::Stage { bundle, key, dir } => {
            let key = crate::stick::read_public_key(&key)?;
            let (applied, freshness) = stage(&dir, &bundle, &key)?;
            println!(
                "bundle n° {} for {} ({}): {freshness:?}, {}",
                applied.serial,
                applied.uai,
                applied.sha256,
                match freshness {
                    preau_provision::bundle::Freshness::First
                    | preau_provision::bundle::Freshness::Newer => "staged",
                    _ => "not staged",
                }
            );
        }
        SystemSettingsAction::Accept { applied, dir } => match accept(&dir, &applied)? {
            Accepted::Installed(bundle) => println!(
                "the settings of bundle n° {} for {} ({}) are the installed ones",
                bundle.serial, bundle.uai, bundle.sha256
            ),
            Accepted::AlreadyInstalled => println!("the settings are already installed"),
        },
    }
    Ok(())
}

fn user_id(app: &App, login: &str) -> Result<preau_core::UserId> {
    preau_store::directory::user_id_by_login(&app.store().read()?, login)?
        .with_context(|| format!("no account with identifier {login:?}"))
}

fn print_handover(login: &str, handover: Handover) {
    match handover {
        Handover::ActivationCode(code) => {
            println!("identifier: {login}\nactivation code: {code} (valid 30 days)")
        }
        Handover::PupilCard { pictures } => {
            println!(
                "identifier: {login}\npicture code: {}",
                preau_web::i18n::picture_names(&pictures)
            )
        }
    }
}

fn admin(app: &App, action: AdminAction) -> Result<()> {
    match action {
        AdminAction::InitSchool {
            uai,
            name,
            commune,
            address,
        } => {
            let uai =
                preau_core::Uai::parse(&uai).map_err(|e| anyhow::anyhow!("UAI {uai:?}: {e}"))?;
            let today = time::OffsetDateTime::now_utc().date();
            app.set_up_school(preau_core::School {
                name,
                uai,
                address,
                commune,
                year: preau_core::SchoolYear::containing(today),
            })?;
            println!("school recorded");
        }
        AdminAction::CreateUser {
            role,
            first_name,
            last_name,
            login,
        } => {
            let role = Role::from_code(&role).with_context(|| format!("unknown role {role:?}"))?;
            if role == Role::Pupil {
                bail!("pupils are created from the headteacher's pages or the ONDE import");
            }
            let form = UserForm {
                first_name,
                last_name,
                role: Some(role),
                login,
                ..UserForm::default()
            };
            let (user, handover) = app
                .create_user_as_system(&form)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print_handover(&user.login, handover);
        }
        AdminAction::ResetPassword { login } => {
            let id = user_id(app, &login)?;
            print_handover(&login, app.reset_credentials_as_system(id)?);
        }
        AdminAction::Unlock { login } => {
            let id = user_id(app, &login)?;
            app.unlock_as_system(id)?;
            println!("{login} unlocked");
        }
    }
    Ok(())
}
