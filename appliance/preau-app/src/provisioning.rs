//! Provisioning on the box: a signed bundle from a USB stick sets the school up, all or
//! nothing.
//!
//! The signature is checked before anything else is read (`preau_provision::bundle`), then
//! the bundle is compared with the one applied last (the same bundle changes nothing; only a
//! newer one for the same school is applied), its key material and accounts are checked and
//! its ONDE exports planned; only then does one write transaction record the school, the
//! ONDE accounts, the bundle's accounts and the provisioning state (certificates, keys,
//! settings). The outcome is kept for the setup page and written back onto the stick by the
//! watcher; French wording is the web layer's.

use crate::accounts::{Handover, free_login, login_error};
use crate::onde_import::{OndeApplied, OndeFileSummary, OndePlan};
use crate::{App, AppError, Problem};
use preau_core::{Credentials, Role, School, SchoolYear, User, UserId};
use preau_provision::archive::Limits;
use preau_provision::bundle::{
    self, Account, AppliedBundle, BundleError, Freshness, Network, PublicKey, VerifiedBundle,
};
use preau_store::directory::save_user;
use preau_store::provisioning::{Provisioned, provisioned, set_provisioned};
use preau_store::schema::random_u64;
use preau_store::security::save_credentials;
use std::path::Path;
use time::OffsetDateTime;

/// What one bundle found on a stick came to.
#[derive(Clone, Debug)]
pub struct StickOutcome {
    /// When it was read (Unix seconds).
    pub at: i64,
    /// The bundle's file, as found.
    pub bundle: String,
    /// What happened.
    pub result: StickResult,
}

/// Applied, unchanged or refused.
#[derive(Clone, Debug)]
pub enum StickResult {
    /// The bundle was applied.
    Applied(Box<Applied>),
    /// The very bundle applied last: nothing to do.
    Unchanged {
        /// Its serial number.
        serial: u64,
        /// The school's name.
        school: String,
    },
    /// Refused; nothing was changed.
    Refused(Refusal),
}

/// What an applied bundle did.
#[derive(Clone, Debug)]
pub struct Applied {
    /// Whether the box was never provisioned before.
    pub first: bool,
    /// The bundle's serial number.
    pub serial: u64,
    /// The school, as recorded.
    pub school: School,
    /// The names the box's certificate covers: `<host>.<domain>`, `<host>.local`.
    pub names: Vec<String>,
    /// Network settings for the system.
    pub network: Network,
    /// Time servers.
    pub time_servers: Vec<String>,
    /// SSH keys allowed (0: no SSH server).
    pub ssh_keys: usize,
    /// The commune's central server.
    pub central: String,
    /// The bundle's accounts that were created, with their activation codes.
    pub accounts_created: Vec<(User, Handover)>,
    /// The bundle's accounts that existed and were brought up to date.
    pub accounts_updated: Vec<User>,
    /// The bundle's accounts already as written.
    pub accounts_unchanged: usize,
    /// The ONDE import, when the bundle carried exports.
    pub onde: Option<OndeApplied>,
    /// The box's certificate's end of validity (Unix seconds).
    pub tls_not_after: i64,
}

/// Why a bundle was refused.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// The bundle itself: no or wrong signature, hostile or inconsistent archive.
    Bundle {
        /// Why, in English.
        en: String,
        /// Why, in French.
        fr: String,
    },
    /// Not newer than the bundle applied last for this school.
    NotNewer {
        /// The refused bundle's serial.
        serial: u64,
        /// The serial applied last.
        applied: u64,
    },
    /// For another school than the one the box serves.
    OtherSchool {
        /// The school of the box (name and UAI).
        current: String,
        /// The school of the bundle (name and UAI).
        bundle: String,
    },
    /// A certificate or key is unusable.
    Material {
        /// Which file.
        file: &'static str,
        /// What is wrong (English, for logs and the technician).
        detail: String,
    },
    /// The ONDE exports cannot be imported as they are.
    Onde(Vec<OndeFileSummary>),
    /// Recording failed (an account's identifier is taken, the disk failed…).
    App(String, Option<Problem>),
}

impl Refusal {
    /// The reason, in English, for logs.
    pub fn english(&self) -> String {
        match self {
            Refusal::Bundle { en, .. } => en.clone(),
            Refusal::NotNewer { serial, applied } => {
                format!("bundle {serial} is not newer than the applied bundle {applied}")
            }
            Refusal::OtherSchool { current, bundle } => {
                format!("the box serves {current}, the bundle is for {bundle}")
            }
            Refusal::Material { file, detail } => format!("{file}: {detail}"),
            Refusal::Onde(files) => {
                let names: Vec<&str> = files
                    .iter()
                    .filter(|f| f.blocks())
                    .map(|f| f.name.as_str())
                    .collect();
                format!("ONDE files cannot be imported: {}", names.join(", "))
            }
            Refusal::App(detail, _) => detail.clone(),
        }
    }
}

impl From<BundleError> for Refusal {
    fn from(e: BundleError) -> Self {
        Refusal::Bundle {
            en: e.to_string(),
            fr: e.french(),
        }
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        let problem = match &e {
            AppError::Invalid(p) => Some(p.clone()),
            _ => None,
        };
        Refusal::App(e.to_string(), problem)
    }
}

/// The bundle's accounts, checked and planned outside the transaction.
struct AccountPlan {
    account: Account,
    role: Role,
    new: (UserId, Handover, Credentials),
}

fn school_label(school: &School) -> String {
    format!("{} ({})", school.name, school.uai.as_str())
}

/// Whether `user` is the account `account` describes: the same identifier when one is
/// given, otherwise an adult with the same names.
fn is_account(user: &User, account: &Account) -> bool {
    if user.archived || matches!(user.role, Role::Pupil | Role::Parent) {
        return false;
    }
    if !account.login.is_empty() {
        return user.login.eq_ignore_ascii_case(&account.login);
    }
    user.first_name.to_lowercase() == account.first_name.to_lowercase()
        && user.last_name.to_lowercase() == account.last_name.to_lowercase()
}

fn check_material(bundle: &VerifiedBundle) -> Result<i64, Refusal> {
    let text = |file: &'static str, bytes: &[u8]| {
        String::from_utf8(bytes.to_vec()).map_err(|_| Refusal::Material {
            file,
            detail: "not UTF-8 PEM".into(),
        })
    };
    let ca = text(bundle::TLS_CA, bundle.ca_cert_pem())?;
    let pairs = [
        (
            bundle::TLS_CERT,
            bundle.tls_cert_pem(),
            bundle::TLS_KEY,
            bundle.tls_key_pem(),
        ),
        (
            bundle::SYNC_CERT,
            bundle.sync_cert_pem(),
            bundle::SYNC_KEY,
            bundle.sync_key_pem(),
        ),
    ];
    let mut tls_not_after = 0;
    for (i, (cert_file, cert, key_file, key)) in pairs.into_iter().enumerate() {
        let cert = text(cert_file, cert)?;
        let key = text(key_file, key)?;
        let not_after = crate::pki::check_issued_pair(&cert, &key, &ca).map_err(|detail| {
            Refusal::Material {
                file: cert_file,
                detail,
            }
        })?;
        if i == 0 {
            tls_not_after = not_after.unix_timestamp();
        }
    }
    Ok(tls_not_after)
}

impl App {
    /// The bundle applied last, if the box was provisioned.
    pub fn provisioned(&self) -> Result<Option<Provisioned>, AppError> {
        Ok(provisioned(&self.store.read()?)?)
    }

    /// Reads the bundle `zip` (its signature beside it), checks it with `key` and applies it.
    /// Never panics on the files' content; every refusal leaves the box as it was.
    pub fn provision_from_files(&self, zip: &Path, key: &PublicKey) -> StickOutcome {
        let result = match bundle::verify_and_open_files(zip, key, &Limits::default()) {
            Ok(verified) => self.provision(&verified),
            Err(e) => StickResult::Refused(Refusal::from(e)),
        };
        match &result {
            StickResult::Applied(a) => tracing::info!(
                bundle = %zip.display(),
                serial = a.serial,
                "provisioning bundle applied"
            ),
            StickResult::Unchanged { serial, .. } => {
                tracing::info!(bundle = %zip.display(), serial, "provisioning bundle already applied")
            }
            StickResult::Refused(r) => tracing::warn!(
                bundle = %zip.display(),
                "provisioning bundle refused: {}",
                r.english()
            ),
        }
        let outcome = StickOutcome {
            at: self.now(),
            bundle: zip.display().to_string(),
            result,
        };
        self.remember_stick(&outcome);
        outcome
    }

    /// Applies a verified bundle, all or nothing.
    pub fn provision(&self, bundle: &VerifiedBundle) -> StickResult {
        match self.provision_checked(bundle) {
            Ok(result) => result,
            Err(refusal) => StickResult::Refused(refusal),
        }
    }

    fn provision_checked(&self, bundle: &VerifiedBundle) -> Result<StickResult, Refusal> {
        let manifest = bundle.manifest();
        let last = self.provisioned()?;
        let applied_last = last.as_ref().map(|p| AppliedBundle {
            uai: p.uai.clone(),
            serial: p.serial,
            sha256: p.sha256.clone(),
        });
        let current = self.directory().school().cloned();
        let uai = manifest.school.uai().map_err(|e| Refusal::Material {
            file: bundle::MANIFEST,
            detail: e.to_string(),
        })?;
        let bundle_school = format!("{} ({})", manifest.school.name, uai.as_str());
        if let Some(school) = &current
            && school.uai != uai
        {
            return Err(Refusal::OtherSchool {
                current: school_label(school),
                bundle: bundle_school,
            });
        }
        match bundle.freshness(applied_last.as_ref()) {
            Freshness::First | Freshness::Newer => {}
            Freshness::Same => {
                return Ok(StickResult::Unchanged {
                    serial: manifest.serial,
                    school: manifest.school.name.clone(),
                });
            }
            Freshness::NotNewer => {
                return Err(Refusal::NotNewer {
                    serial: manifest.serial,
                    applied: applied_last.map(|a| a.serial).unwrap_or_default(),
                });
            }
            Freshness::OtherSchool => {
                return Err(Refusal::OtherSchool {
                    current: current
                        .as_ref()
                        .map(school_label)
                        .or(last.map(|l| l.uai))
                        .unwrap_or_default(),
                    bundle: bundle_school,
                });
            }
        }
        let tls_not_after = check_material(bundle)?;
        let network = manifest.network().map_err(|e| Refusal::Material {
            file: bundle::MANIFEST,
            detail: e.to_string(),
        })?;

        // Everything slow or fallible that needs no transaction, first.
        let onde_files: Vec<(String, Vec<u8>)> = bundle
            .onde_files()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect();
        let onde_plan: Option<OndePlan> = if onde_files.is_empty() {
            None
        } else {
            let view = self.onde_view(&onde_files)?;
            if view.files.iter().any(OndeFileSummary::blocks) {
                return Err(Refusal::Onde(view.files));
            }
            Some(self.onde_plan(view)?)
        };
        let mut accounts = Vec::new();
        for account in &manifest.accounts {
            let role = account.role().map_err(|e| Refusal::Material {
                file: bundle::MANIFEST,
                detail: e.to_string(),
            })?;
            let id = UserId(random_u64());
            let handover = self.handover_for(role);
            let credentials = self.credentials_for(id, &handover);
            accounts.push(AccountPlan {
                account: account.clone(),
                role,
                new: (id, handover, credentials),
            });
        }
        let now = self.now();
        let year = current.as_ref().map(|s| s.year).unwrap_or_else(|| {
            let today = OffsetDateTime::from_unix_timestamp(now)
                .map(|t| t.date())
                .unwrap_or(time::Date::MIN);
            SchoolYear::containing(today)
        });
        let school = School {
            name: manifest.school.name.clone(),
            uai,
            address: manifest.school.address.clone(),
            commune: manifest.school.commune.clone(),
            year,
        };
        let pem = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let state = Provisioned {
            uai: manifest.school.uai.clone(),
            serial: manifest.serial,
            sha256: bundle.sha256().to_string(),
            applied_at: now,
            manifest: manifest.to_toml().map_err(|e| Refusal::Material {
                file: bundle::MANIFEST,
                detail: e.to_string(),
            })?,
            ca_pem: pem(bundle.ca_cert_pem()),
            tls_cert_pem: pem(bundle.tls_cert_pem()),
            tls_key_pem: pem(bundle.tls_key_pem()),
            sync_cert_pem: pem(bundle.sync_cert_pem()),
            sync_key_pem: pem(bundle.sync_key_pem()),
        };

        let (onde, created, updated, unchanged) = self.store.write(|w| -> Result<_, AppError> {
            w.put(&school)?;
            let onde = match &onde_plan {
                Some(plan) => Some(self.onde_apply_in(w, None, plan, year)?),
                None => None,
            };
            let (mut created, mut updated, mut unchanged) = (Vec::new(), Vec::new(), 0);
            let users: Vec<User> = w.all::<User>()?;
            for plan in &accounts {
                let a = &plan.account;
                let email = (!a.email.is_empty()).then(|| a.email.clone());
                if let Some(existing) = users.iter().find(|u| is_account(u, a)) {
                    let mut user = existing.clone();
                    user.first_name = a.first_name.clone();
                    user.last_name = a.last_name.clone();
                    user.role = plan.role;
                    if email.is_some() {
                        user.email = email;
                    }
                    if user == *existing {
                        unchanged += 1;
                    } else {
                        save_user(w, &user).map_err(login_error)?;
                        self.audit(w, None, "edit account (bundle)", user.id.to_string())?;
                        updated.push(user);
                    }
                    continue;
                }
                let (id, handover, credentials) = &plan.new;
                let mut user = User {
                    id: *id,
                    login: a.login.clone(),
                    first_name: a.first_name.clone(),
                    last_name: a.last_name.clone(),
                    role: plan.role,
                    birth_date: None,
                    classes: Vec::new(),
                    guardians: Vec::new(),
                    email,
                    archived: false,
                };
                if user.login.is_empty() {
                    user.login = free_login(w, &user.first_name, &user.last_name)?;
                }
                save_user(w, &user).map_err(login_error)?;
                save_credentials(w, credentials)?;
                self.audit(w, None, "create account (bundle)", id.to_string())?;
                created.push((user, handover.clone()));
            }
            set_provisioned(w, &state)?;
            self.audit(
                w,
                None,
                "provisioning bundle applied",
                format!("serial {} sha256 {}", state.serial, state.sha256),
            )?;
            Ok((onde, created, updated, unchanged))
        })?;
        self.refresh_directory()?;
        Ok(StickResult::Applied(Box::new(Applied {
            first: last.is_none(),
            serial: manifest.serial,
            school,
            names: vec![manifest.fqdn(), manifest.local_name()],
            network,
            time_servers: manifest.time.servers.clone(),
            ssh_keys: manifest.ssh.as_ref().map_or(0, |s| s.authorized_keys.len()),
            central: manifest.central.url.clone(),
            accounts_created: created,
            accounts_updated: updated,
            accounts_unchanged: unchanged,
            onde,
            tls_not_after,
        })))
    }

    /// The last bundle read from a stick since the box started, if any.
    pub fn last_stick(&self) -> Option<StickOutcome> {
        match self.last_stick.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn remember_stick(&self, outcome: &StickOutcome) {
        let mut kept = outcome.clone();
        // Activation codes go onto the stick only, never into what a page may show.
        if let StickResult::Applied(applied) = &mut kept.result {
            let letters = applied
                .accounts_created
                .iter_mut()
                .chain(applied.onde.iter_mut().flat_map(|o| o.letters.iter_mut()));
            for (_, handover) in letters {
                if let Handover::ActivationCode(code) = handover {
                    code.clear();
                }
            }
        }
        match self.last_stick.lock() {
            Ok(mut guard) => *guard = Some(kept),
            Err(poisoned) => *poisoned.into_inner() = Some(kept),
        }
    }
}
