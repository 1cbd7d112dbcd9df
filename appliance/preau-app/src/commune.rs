//! Central's commune-level use cases: one account per parent for the whole commune, opened
//! with the activation code of a school's letter (its hash reached central as a replicated
//! [`ParentActivation`]) and linked to the parent's account in each school of their
//! children; town-hall agents created from the command line; sign-in with the per-account
//! lockout of the boxes; the parent's portal per school (served from central's replica of
//! that school, with the school's own use cases and the parent's `Subject` in that school's
//! directory) and the agents' view of the schools' sync.

use crate::auth::{MIN_PASSWORD_LEN, Visitor};
use crate::liaison::WordView;
use crate::logbook::Agenda;
use crate::sync::{BoxSeen, Side};
use crate::{App, AppError, Clock, Problem, Settings, passwords::Hasher, tokens};
use preau_core::lockout::{Gate, gate};
use preau_core::{
    Action, AuditEntry, CommuneAccount, CommuneRole, FamilyAnswer, News, Object, ParentActivation,
    SchoolLink, Session, Subject, User, UserId, WordId, can,
};
use preau_store::commune::{
    account_by_link, account_by_link_in, account_by_login, activation_failures, login_is_free,
    save_account, set_activation_failures,
};
use preau_store::directory::user_id_by_login;
use preau_store::schema::random_u64;
use preau_store::security::{append_audit, delete_session, get_session, put_session};
use preau_store::{Store, StoreError};
use std::sync::Arc;

/// Seconds between two refreshes of a session's last activity.
const TOUCH_EVERY_SECS: i64 = 60;
/// News items shown per school on a parent's portal.
const PORTAL_NEWS: usize = 5;

/// A school attached to central, with the application over central's replica of it.
#[derive(Clone, Debug)]
pub struct CommuneSchool {
    /// Its UAI.
    pub uai: String,
    /// Its name.
    pub name: String,
    /// The application over its store at central.
    pub app: Arc<App>,
}

/// Central's commune-level application: the commune store and the attached schools.
pub struct Commune {
    store: Store,
    hasher: Hasher,
    settings: Settings,
    clock: Clock,
    schools: Vec<CommuneSchool>,
}

impl std::fmt::Debug for Commune {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Commune")
            .field("store", &self.store)
            .field("schools", &self.schools.len())
            .finish()
    }
}

/// A successful sign-in or activation at central.
#[derive(Clone, Debug)]
pub struct CommuneSignedIn {
    /// The secret session token (cookie value).
    pub token: String,
    /// The account.
    pub account: CommuneAccount,
}

/// What a parent sees of one school at central.
#[derive(Clone, Debug)]
pub struct SchoolPortal {
    /// The school's UAI.
    pub uai: String,
    /// Its name.
    pub name: String,
    /// The parent's children there.
    pub children: Vec<User>,
    /// Each child's homework of the coming days.
    pub homework: Vec<Agenda>,
    /// The carnet de liaison's words awaiting the family.
    pub liaison: Vec<WordView>,
    /// The news for families.
    pub news: Vec<News>,
    /// Each child's exercise results summary (livret levels, tasks finished), as the box
    /// last sent it.
    pub results: Vec<crate::exercises::FamilyResults>,
    /// Messages from the school not read yet at central.
    pub unread: usize,
    /// When central last heard from the school's box.
    pub seen: Option<BoxSeen>,
}

/// What an agent sees of one school's sync.
#[derive(Clone, Debug)]
pub struct SchoolSync {
    /// The school's UAI.
    pub uai: String,
    /// Its name.
    pub name: String,
    /// What its box said last, if it ever synced.
    pub seen: Option<BoxSeen>,
    /// Changes written at central the box has not pulled yet (as of its last pull).
    pub waiting_for_box: u64,
}

/// A parent's account found in a school for an identifier, with its pending activation.
struct Candidate {
    school: CommuneSchool,
    user: User,
    activation: Option<ParentActivation>,
}

impl Commune {
    /// The commune application over its store and the attached schools.
    pub fn new(
        store: Store,
        settings: Settings,
        clock: Clock,
        schools: Vec<CommuneSchool>,
    ) -> Commune {
        Commune {
            hasher: Hasher::new(&settings),
            store,
            settings,
            clock,
            schools,
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// The attached schools.
    pub fn schools(&self) -> &[CommuneSchool] {
        &self.schools
    }

    fn school(&self, uai: &str) -> Option<&CommuneSchool> {
        self.schools.iter().find(|s| s.uai == uai)
    }

    /// Creates a town-hall agent's account; returns it and its one-time activation code (to
    /// hand over; never stored in clear). Blocking (command line).
    pub fn create_agent(
        &self,
        first_name: &str,
        last_name: &str,
    ) -> Result<(CommuneAccount, String), AppError> {
        let (first, last) = (first_name.trim(), last_name.trim());
        if first.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("prénom")));
        }
        if last.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("nom")));
        }
        let code = tokens::activation_code();
        let hash = self.hasher.hash_blocking(&code);
        let until = self.now() + self.settings.activation_valid_secs;
        let account = self
            .store
            .write(|w| -> Result<CommuneAccount, StoreError> {
                let account = CommuneAccount {
                    id: random_u64(),
                    login: free_login(w, &format!("{first}.{last}"))?,
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    role: CommuneRole::Agent,
                    password_hash: None,
                    activation: Some((hash, until)),
                    links: Vec::new(),
                    failures: 0,
                    last_failure_at: 0,
                };
                save_account(w, &account)?;
                Ok(account)
            })?;
        Ok((account, code))
    }

    /// « Activer mon compte »: an agent's first sign-in with the code from the command line,
    /// or a parent's with the code of a school's letter — which opens their commune account
    /// linked to that school's account (or sets a new password on the account already
    /// linked, after the school handed out a new code). A code works once at central.
    pub async fn activate(
        &self,
        visitor: &Visitor,
        login: &str,
        code: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<CommuneSignedIn, AppError> {
        check_new_password(password, confirmation)?;
        let code = tokens::normalise_code(code);
        let existing = account_by_login(&self.store.read()?, login)?;
        if let Some(mut agent) = existing.filter(|a| a.activation.is_some()) {
            open_gate(agent.failures, agent.last_failure_at, self.now())?;
            let live = agent
                .activation
                .clone()
                .filter(|(_, until)| *until >= self.now());
            let ok = self.hasher.verify(code, live.map(|(h, _)| h)).await;
            if ok {
                agent.password_hash = Some(self.hasher.hash(password.to_string()).await);
                agent.activation = None;
            }
            return self.conclude(visitor, agent, ok);
        }
        let (candidate, activation) = self.school_code(login, &code).await?;
        let link = SchoolLink {
            uai: candidate.school.uai.clone(),
            user: candidate.user.id,
            code_hash: activation.code_hash.clone(),
        };
        let hash = self.hasher.hash(password.to_string()).await;
        let account = self.store.write(|w| -> Result<CommuneAccount, AppError> {
            let r_link = account_by_link_in(w, &link.uai, link.user)?;
            let account = match r_link {
                Some(mut account) => {
                    let Some(existing) = account
                        .links
                        .iter_mut()
                        .find(|l| l.uai == link.uai && l.user == link.user)
                    else {
                        return Err(AppError::NotFound);
                    };
                    if existing.code_hash == link.code_hash {
                        return Err(AppError::WrongCredentials);
                    }
                    existing.code_hash = link.code_hash.clone();
                    account.password_hash = Some(hash);
                    account.failures = 0;
                    account
                }
                None => CommuneAccount {
                    id: random_u64(),
                    login: free_login(w, &candidate.user.login)?,
                    first_name: candidate.user.first_name.clone(),
                    last_name: candidate.user.last_name.clone(),
                    role: CommuneRole::Parent,
                    password_hash: Some(hash),
                    activation: None,
                    links: vec![link.clone()],
                    failures: 0,
                    last_failure_at: 0,
                },
            };
            save_account(w, &account)?;
            Ok(account)
        })?;
        self.conclude(visitor, account, true)
    }

    /// A signed-in parent adds a school: the identifier and code of that school's letter
    /// link its parent account to theirs, so that one account sees every child.
    pub async fn link_school(
        &self,
        account: &CommuneAccount,
        login: &str,
        code: &str,
    ) -> Result<CommuneAccount, AppError> {
        if account.role != CommuneRole::Parent {
            return Err(AppError::Forbidden);
        }
        let code = tokens::normalise_code(code);
        let (candidate, activation) = self.school_code(login, &code).await?;
        let link = SchoolLink {
            uai: candidate.school.uai.clone(),
            user: candidate.user.id,
            code_hash: activation.code_hash,
        };
        self.store.write(|w| -> Result<CommuneAccount, AppError> {
            if account_by_link_in(w, &link.uai, link.user)?.is_some() {
                // Already linked (to this account or another): the code was used.
                return Err(AppError::WrongCredentials);
            }
            let mut fresh: CommuneAccount = w.get(account.id)?.ok_or(AppError::NotFound)?;
            fresh.links.push(link.clone());
            save_account(w, &fresh)?;
            Ok(fresh)
        })
    }

    /// Finds the school parent account `login` names whose pending activation `code`
    /// matches, counting failures per school account (lockout as on the boxes).
    async fn school_code(
        &self,
        login: &str,
        code: &str,
    ) -> Result<(Candidate, ParentActivation), AppError> {
        let candidates = self.candidates(login)?;
        if candidates.is_empty() {
            self.hasher.verify(code.to_string(), None).await;
            return Err(AppError::WrongCredentials);
        }
        let now = self.now();
        let mut refusal = AppError::WrongCredentials;
        let mut tried = Vec::new();
        for candidate in candidates {
            let (failures, last) = activation_failures(
                &self.store.read()?,
                &candidate.school.uai,
                candidate.user.id,
            )?;
            if let Err(e) = open_gate(failures, last, now) {
                refusal = e;
                continue;
            }
            let live = candidate.activation.clone().filter(|a| a.expires_at >= now);
            let ok = self
                .hasher
                .verify(code.to_string(), live.as_ref().map(|a| a.code_hash.clone()))
                .await;
            if let (true, Some(activation)) = (ok, live) {
                self.store.write(|w| {
                    set_activation_failures(w, &candidate.school.uai, candidate.user.id, 0, 0)
                })?;
                return Ok((candidate, activation));
            }
            tried.push((candidate.school.uai.clone(), candidate.user.id, failures));
        }
        self.store.write(|w| -> Result<(), StoreError> {
            for (uai, user, failures) in &tried {
                set_activation_failures(w, uai, *user, failures + 1, now)?;
            }
            Ok(())
        })?;
        Err(refusal)
    }

    /// The parent accounts named `login` in the attached schools (identifiers are unique
    /// within a school, not across the commune).
    fn candidates(&self, login: &str) -> Result<Vec<Candidate>, AppError> {
        let mut out = Vec::new();
        for school in &self.schools {
            let r = school.app.store().read()?;
            let Some(id) = user_id_by_login(&r, login)? else {
                continue;
            };
            let directory = school.app.directory();
            let Some(user) = directory
                .user(id)
                .filter(|u| u.role == preau_core::Role::Parent && !u.archived)
                .cloned()
            else {
                continue;
            };
            // A code works once at central: one already used for a link counts as none.
            let used = account_by_link(&self.store.read()?, &school.uai, id)?
                .and_then(|a| {
                    a.links
                        .into_iter()
                        .find(|l| l.uai == school.uai && l.user == id)
                })
                .map(|l| l.code_hash);
            let activation: Option<ParentActivation> = r
                .get::<ParentActivation>(id.0)?
                .filter(|a| used.as_ref() != Some(&a.code_hash));
            out.push(Candidate {
                school: school.clone(),
                user,
                activation,
            });
        }
        Ok(out)
    }

    /// Signs in with the commune identifier and password.
    pub async fn sign_in(
        &self,
        visitor: &Visitor,
        login: &str,
        password: &str,
    ) -> Result<CommuneSignedIn, AppError> {
        let Some(account) = account_by_login(&self.store.read()?, login)? else {
            self.hasher.verify(password.to_string(), None).await;
            return Err(AppError::WrongCredentials);
        };
        open_gate(account.failures, account.last_failure_at, self.now())?;
        let ok = self
            .hasher
            .verify(password.to_string(), account.password_hash.clone())
            .await;
        self.conclude(visitor, account, ok)
    }

    /// Records an attempt's outcome; on success ends the visitor's previous session and
    /// opens a new one.
    fn conclude(
        &self,
        visitor: &Visitor,
        mut account: CommuneAccount,
        ok: bool,
    ) -> Result<CommuneSignedIn, AppError> {
        let now = self.now();
        if !ok {
            account.failures += 1;
            account.last_failure_at = now;
            self.store.write(|w| save_account(w, &account))?;
            return Err(AppError::WrongCredentials);
        }
        account.failures = 0;
        let token = tokens::secret_token();
        let session = Session {
            user: UserId(account.id),
            created_at: now,
            last_seen: now,
            idle_timeout: self.settings.adult_idle_secs,
        };
        self.store.write(|w| -> Result<(), StoreError> {
            if let Some(previous) = &visitor.previous_token {
                delete_session(w, &tokens::sha256(previous))?;
            }
            save_account(w, &account)?;
            put_session(w, &tokens::sha256(&token), &session)
        })?;
        Ok(CommuneSignedIn { token, account })
    }

    /// The account a session token belongs to, if the session is live.
    pub fn session(&self, token: &str) -> Result<Option<CommuneAccount>, AppError> {
        let key = tokens::sha256(token);
        let Some(mut session) = get_session(&self.store.read()?, &key)? else {
            return Ok(None);
        };
        let now = self.now();
        if session.is_expired(now) {
            self.store.write(|w| delete_session(w, &key))?;
            return Ok(None);
        }
        let account: Option<CommuneAccount> = self.store.read()?.get(session.user.0)?;
        if account.is_some() && now - session.last_seen >= TOUCH_EVERY_SECS {
            session.last_seen = now;
            self.store.write(|w| put_session(w, &key, &session))?;
        }
        Ok(account)
    }

    /// Ends a session.
    pub fn sign_out(&self, token: &str) -> Result<(), AppError> {
        self.store
            .write(|w| delete_session(w, &tokens::sha256(token)))?;
        Ok(())
    }

    /// Deletes sessions that ended through inactivity; returns how many.
    pub fn purge_expired_sessions(&self) -> Result<usize, AppError> {
        let now = self.now();
        Ok(self
            .store
            .write(|w| preau_store::security::delete_sessions_where(w, |s| s.is_expired(now)))?)
    }

    /// The parent's access facts in a school it is linked to (from that school's
    /// directory), if the link still stands there.
    fn parent_in(&self, account: &CommuneAccount, uai: &str) -> Option<(&CommuneSchool, Subject)> {
        if account.role != CommuneRole::Parent {
            return None;
        }
        let link = account.links.iter().find(|l| l.uai == uai)?;
        let school = self.school(uai)?;
        let directory = school.app.directory();
        let user = directory
            .user(link.user)
            .filter(|u| u.role == preau_core::Role::Parent && !u.archived)?;
        let subject = directory.subject(user);
        can(
            &subject,
            Action::ViewPortal,
            &Object::School { school: uai },
        )
        .then_some((school, subject))
    }

    /// A parent's portal: per linked school, their children, homework, words to sign, news
    /// and exercise results, and when the school's box last synced.
    pub fn portal(&self, account: &CommuneAccount) -> Result<Vec<SchoolPortal>, AppError> {
        let mut out = Vec::new();
        for link in &account.links {
            let Some((school, subject)) = self.parent_in(account, &link.uai) else {
                continue;
            };
            let app = &school.app;
            let directory = app.directory();
            let children = directory
                .children_of(subject.user)
                .into_iter()
                .filter(|c| directory.can_on_user(&subject, Action::ViewProfile, c.id))
                .cloned()
                .collect();
            let news = if app.may_read_news(&subject) {
                app.news(&subject, Some(PORTAL_NEWS))?
            } else {
                Vec::new()
            };
            out.push(SchoolPortal {
                uai: school.uai.clone(),
                name: school.name.clone(),
                children,
                homework: app.portal_homework(&subject)?,
                liaison: app.portal_liaison(&subject)?,
                news,
                results: app.family_results(&subject)?,
                unread: app.unread_messages(&subject)?,
                seen: app.box_seen()?,
            });
        }
        Ok(out)
    }

    /// « Vu et signé » at central for a child of the parent in the school `uai`: written in
    /// central's replica, it reaches the box at its next sync.
    pub fn sign(
        &self,
        account: &CommuneAccount,
        uai: &str,
        word: WordId,
        pupil: UserId,
    ) -> Result<FamilyAnswer, AppError> {
        let (school, subject) = self.parent_in(account, uai).ok_or(AppError::NotFound)?;
        school.app.sign_liaison(&subject, word, pupil)
    }

    /// A parent's footing in the school `uai` they are linked to: the school (its App over
    /// central's replica) and their `Subject` from its directory, after `can(ViewPortal)`.
    /// The school's own use cases (consent answers, replies, messages) then run with it, so
    /// the same rules hold at central as on the box, and what they write reaches the box at
    /// its next sync.
    pub fn as_parent(
        &self,
        account: &CommuneAccount,
        uai: &str,
    ) -> Result<(&CommuneSchool, Subject), AppError> {
        self.parent_in(account, uai).ok_or(AppError::NotFound)
    }

    /// The commune accounts locked after failed attempts, for an agent (refused to others).
    pub fn locked_accounts(&self, agent: &CommuneAccount) -> Result<Vec<CommuneAccount>, AppError> {
        if agent.role != CommuneRole::Agent {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let subject = agent.subject();
        let mut out: Vec<CommuneAccount> = self
            .store
            .read()?
            .all::<CommuneAccount>()?
            .into_iter()
            .filter(|a| gate(a.failures, a.last_failure_at, now) == Gate::Locked)
            .filter(|a| can(&subject, Action::UnlockAccount, &commune_object(a)))
            .collect();
        out.sort_by_key(|a| (a.last_name.to_lowercase(), a.first_name.to_lowercase()));
        Ok(out)
    }

    /// A town-hall agent unlocks a commune account (failed attempts forgotten), recorded in
    /// the commune store's audit trail.
    pub fn unlock(&self, agent: &CommuneAccount, id: u64) -> Result<CommuneAccount, AppError> {
        if agent.role != CommuneRole::Agent {
            return Err(AppError::Forbidden);
        }
        let subject = agent.subject();
        let now = self.now();
        self.store.write(|w| -> Result<CommuneAccount, AppError> {
            let mut account: CommuneAccount = w.get(id)?.ok_or(AppError::NotFound)?;
            if !can(&subject, Action::UnlockAccount, &commune_object(&account)) {
                return Err(AppError::Forbidden);
            }
            account.failures = 0;
            account.last_failure_at = 0;
            save_account(w, &account)?;
            for link in &account.links {
                set_activation_failures(w, &link.uai, link.user, 0, 0)?;
            }
            append_audit(
                w,
                &AuditEntry {
                    at: now,
                    actor: Some(subject.user),
                    action: "unlock commune account".into(),
                    target: account.id.to_string(),
                },
            )?;
            Ok(account)
        })
    }

    /// The agents' view: every attached school, when its box last synced, its version and
    /// what waits for it.
    pub fn schools_sync(&self, account: &CommuneAccount) -> Result<Vec<SchoolSync>, AppError> {
        let subject = account.subject();
        let mut out = Vec::new();
        for school in &self.schools {
            if !can(
                &subject,
                Action::ViewSyncState,
                &Object::School {
                    school: &school.uai,
                },
            ) {
                continue;
            }
            let last = school.app.sync_fill_outbox(Side::Central)?;
            out.push(SchoolSync {
                uai: school.uai.clone(),
                name: school.name.clone(),
                seen: school.app.box_seen()?,
                waiting_for_box: last.saturating_sub(school.app.box_pulled()?),
            });
        }
        if out.is_empty() && account.role != CommuneRole::Agent {
            return Err(AppError::Forbidden);
        }
        Ok(out)
    }
}

/// A commune account as an access object: a person of no school.
fn commune_object(account: &CommuneAccount) -> Object<'static> {
    Object::User {
        id: UserId(account.id),
        school: None,
        classes: &[],
    }
}

/// Refuses an attempt early if the account is slowed down or locked.
fn open_gate(failures: u32, last_failure_at: i64, now: i64) -> Result<(), AppError> {
    match gate(failures, last_failure_at, now) {
        Gate::Open => Ok(()),
        Gate::Wait(secs) => Err(AppError::Wait(secs)),
        Gate::Locked => Err(AppError::Locked),
    }
}

fn check_new_password(password: &str, confirmation: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AppError::Invalid(Problem::PasswordTooShort(
            MIN_PASSWORD_LEN,
        )));
    }
    if password != confirmation {
        return Err(AppError::Invalid(Problem::PasswordsDiffer));
    }
    Ok(())
}

/// A free commune identifier from `wanted` (lower case, ASCII letters, digits, dots and
/// dashes), numbered when taken.
fn free_login(w: &preau_store::Writer, wanted: &str) -> Result<String, StoreError> {
    let base: String = wanted
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect();
    let base = if base.is_empty() {
        "parent".to_string()
    } else {
        base
    };
    if login_is_free(w, &base)? {
        return Ok(base);
    }
    for n in 2..10_000 {
        let candidate = format!("{base}{n}");
        if login_is_free(w, &candidate)? {
            return Ok(candidate);
        }
    }
    Ok(format!("{base}.{}", random_u64() % 1_000_000))
}
