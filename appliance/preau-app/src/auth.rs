//! Signing in and out, sessions kept server-side, and the per-account lockout.

use crate::{App, AppError, Problem, tokens};
use preau_core::lockout::{Gate, gate};
use preau_core::{AuditEntry, Credentials, Role, Session, Subject, User, UserId};
use preau_store::directory::user_id_by_login;
use preau_store::security::{
    append_audit, delete_session, delete_sessions_of, delete_sessions_where, get_session,
    put_session, save_credentials, user_by_card,
};
use std::net::IpAddr;

/// Minimum length of an adult's password.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Seconds between two refreshes of a session's last activity (saves a write per request).
const TOUCH_EVERY_SECS: i64 = 60;

/// The browser asking to sign in.
#[derive(Clone, Debug)]
pub struct Visitor {
    /// Its address, as the server saw it.
    pub ip: IpAddr,
    /// The session token it already holds, ended at sign-in so that the id always changes.
    pub previous_token: Option<String>,
}

/// A successful sign-in: the new session token to set as a cookie.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The secret session token (cookie value).
    pub token: String,
    /// Who signed in.
    pub user: UserId,
    /// Their role.
    pub role: Role,
}

/// A signed-in request: the person and the facts access decisions need.
#[derive(Clone, Debug)]
pub struct Current {
    /// The account.
    pub user: User,
    /// Access-decision facts.
    pub subject: Subject,
}

impl App {
    /// Signs an adult in with identifier and password.
    pub async fn sign_in_password(
        &self,
        visitor: &Visitor,
        login: &str,
        password: &str,
    ) -> Result<SignedIn, AppError> {
        let id = user_id_by_login(&self.store.read()?, login)?;
        let user = id.and_then(|id| self.directory().user(id).cloned());
        let Some(user) = user.filter(|u| u.role.is_adult()) else {
            // Spend the same time as a real check so that timing does not reveal accounts.
            self.hasher.verify(password.to_string(), None).await;
            return Err(AppError::WrongCredentials);
        };
        let credentials = self.open_gate(&user)?;
        let ok = self
            .hasher
            .verify(password.to_string(), credentials.password_hash.clone())
            .await;
        self.conclude(visitor, &user, credentials, ok)
    }

    /// Signs a pupil in with their picture code (only from the school network).
    pub fn sign_in_pictures(
        &self,
        visitor: &Visitor,
        pupil: UserId,
        pictures: [u8; 3],
    ) -> Result<SignedIn, AppError> {
        let user = self.pupil_for_sign_in(visitor, pupil)?;
        let credentials = self.open_gate(&user)?;
        let ok = credentials
            .picture_code
            .is_some_and(|code| constant_time_eq(&code, &pictures));
        self.conclude(visitor, &user, credentials, ok)
    }

    /// The pupil a QR card belongs to (to greet them before they confirm); school network only.
    pub fn card_holder(&self, visitor: &Visitor, secret: &str) -> Result<User, AppError> {
        self.require_school_network(visitor)?;
        let id = user_by_card(&self.store.read()?, secret)?.ok_or(AppError::NotFound)?;
        self.pupil(id)
    }

    /// The classes offered on the pupils' sign-in page; school network only.
    pub fn pupil_sign_in_classes(
        &self,
        visitor: &Visitor,
    ) -> Result<Vec<preau_core::Class>, AppError> {
        self.require_school_network(visitor)?;
        Ok(self
            .directory()
            .current_classes()
            .into_iter()
            .cloned()
            .collect())
    }

    /// A class and its pupils, for the pupils' sign-in page; school network only.
    pub fn pupil_sign_in_names(
        &self,
        visitor: &Visitor,
        class: preau_core::ClassId,
    ) -> Result<(preau_core::Class, Vec<User>), AppError> {
        self.require_school_network(visitor)?;
        let directory = self.directory();
        let found = directory
            .class(class)
            .filter(|c| !c.archived)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let pupils = directory.pupils_of(class).into_iter().cloned().collect();
        Ok((found, pupils))
    }

    /// The pupil about to type their picture code; school network only.
    pub fn pupil_for_sign_in(&self, visitor: &Visitor, pupil: UserId) -> Result<User, AppError> {
        self.require_school_network(visitor)?;
        self.pupil(pupil)
    }

    fn require_school_network(&self, visitor: &Visitor) -> Result<(), AppError> {
        if self.settings.on_school_network(visitor.ip) {
            Ok(())
        } else {
            Err(AppError::OutsideSchoolNetwork)
        }
    }

    /// Signs a pupil in with the secret of their QR card (only from the school network).
    pub fn sign_in_card(&self, visitor: &Visitor, secret: &str) -> Result<SignedIn, AppError> {
        let user = self.card_holder(visitor, secret)?;
        let credentials = self.open_gate(&user)?;
        self.conclude(visitor, &user, credentials, true)
    }

    /// First sign-in of an adult: checks the activation code and sets the password.
    pub async fn activate(
        &self,
        visitor: &Visitor,
        login: &str,
        code: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<SignedIn, AppError> {
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(AppError::Invalid(Problem::PasswordTooShort(
                MIN_PASSWORD_LEN,
            )));
        }
        if password != confirmation {
            return Err(AppError::Invalid(Problem::PasswordsDiffer));
        }
        let id = user_id_by_login(&self.store.read()?, login)?;
        let user = id.and_then(|id| self.directory().user(id).cloned());
        let Some(user) = user.filter(|u| u.role.is_adult()) else {
            self.hasher.verify(code.to_string(), None).await;
            return Err(AppError::WrongCredentials);
        };
        let mut credentials = self.open_gate(&user)?;
        let live = credentials
            .activation
            .clone()
            .filter(|(_, until)| *until >= self.now());
        let ok = self
            .hasher
            .verify(tokens::normalise_code(code), live.map(|(hash, _)| hash))
            .await;
        if ok {
            credentials.password_hash = Some(self.hasher.hash(password.to_string()).await);
            credentials.activation = None;
        }
        self.conclude(visitor, &user, credentials, ok)
    }

    /// Changes one's own password; every other session of the account ends.
    pub async fn change_password(
        &self,
        token: &str,
        current: &str,
        password: &str,
        confirmation: &str,
    ) -> Result<SignedIn, AppError> {
        let me = self.session(token)?.ok_or(AppError::Forbidden)?;
        if password.chars().count() < MIN_PASSWORD_LEN {
            return Err(AppError::Invalid(Problem::PasswordTooShort(
                MIN_PASSWORD_LEN,
            )));
        }
        if password != confirmation {
            return Err(AppError::Invalid(Problem::PasswordsDiffer));
        }
        let mut credentials = self.open_gate(&me.user)?;
        let ok = self
            .hasher
            .verify(current.to_string(), credentials.password_hash.clone())
            .await;
        if ok {
            credentials.password_hash = Some(self.hasher.hash(password.to_string()).await);
        }
        let visitor = Visitor {
            ip: IpAddr::from([127, 0, 0, 1]),
            previous_token: Some(token.to_string()),
        };
        self.conclude(&visitor, &me.user, credentials, ok)
    }

    fn pupil(&self, id: UserId) -> Result<User, AppError> {
        match self.directory().user(id) {
            Some(u) if u.role == Role::Pupil && !u.archived => Ok(u.clone()),
            Some(u) if u.role == Role::Pupil => Err(AppError::Archived),
            _ => Err(AppError::NotFound),
        }
    }

    /// Refuses the attempt early if the account is archived, slowed down or locked.
    fn open_gate(&self, user: &User) -> Result<Credentials, AppError> {
        if user.archived {
            return Err(AppError::Archived);
        }
        let credentials =
            self.store
                .read()?
                .get::<Credentials>(user.id.0)?
                .unwrap_or(Credentials {
                    user: user.id,
                    ..Default::default()
                });
        match gate(
            credentials.failures,
            credentials.last_failure_at,
            self.now(),
        ) {
            Gate::Open => Ok(credentials),
            Gate::Wait(secs) => Err(AppError::Wait(secs)),
            Gate::Locked => Err(AppError::Locked),
        }
    }

    /// Records the outcome of an attempt; on success ends the visitor's previous session (and,
    /// when the password changed, every other session) and opens a new one.
    fn conclude(
        &self,
        visitor: &Visitor,
        user: &User,
        mut credentials: Credentials,
        ok: bool,
    ) -> Result<SignedIn, AppError> {
        let now = self.now();
        if !ok {
            credentials.failures += 1;
            credentials.last_failure_at = now;
            let locked = credentials.failures == preau_core::lockout::LOCK_AFTER;
            self.store.write(|w| -> Result<(), AppError> {
                save_credentials(w, &credentials)?;
                if locked {
                    append_audit(
                        w,
                        &AuditEntry {
                            at: now,
                            actor: None,
                            action: "lock account".into(),
                            target: user.id.to_string(),
                        },
                    )?;
                }
                Ok(())
            })?;
            return Err(AppError::WrongCredentials);
        }
        let token = tokens::secret_token();
        let idle_timeout = if user.role == Role::Pupil {
            self.settings.pupil_idle_secs
        } else {
            self.settings.adult_idle_secs
        };
        let session = Session {
            user: user.id,
            created_at: now,
            last_seen: now,
            idle_timeout,
        };
        let password_changed = {
            let stored: Option<Credentials> = self.store.read()?.get(user.id.0)?;
            stored.is_some_and(|s| s.password_hash != credentials.password_hash)
        };
        let reset_needed = credentials.failures != 0 || password_changed;
        credentials.failures = 0;
        self.store.write(|w| -> Result<(), AppError> {
            if password_changed {
                delete_sessions_of(w, user.id)?;
            }
            if reset_needed {
                save_credentials(w, &credentials)?;
            }
            if let Some(previous) = &visitor.previous_token {
                delete_session(w, &tokens::sha256(previous))?;
            }
            put_session(w, &tokens::sha256(&token), &session)?;
            Ok(())
        })?;
        Ok(SignedIn {
            token,
            user: user.id,
            role: user.role,
        })
    }

    /// The person behind a session token, if the session is live. Refreshes its activity.
    pub fn session(&self, token: &str) -> Result<Option<Current>, AppError> {
        let key = tokens::sha256(token);
        let Some(mut session) = get_session(&self.store.read()?, &key)? else {
            return Ok(None);
        };
        let now = self.now();
        if session.is_expired(now) {
            self.store.write(|w| delete_session(w, &key))?;
            return Ok(None);
        }
        let directory = self.directory();
        let Some(user) = directory
            .user(session.user)
            .filter(|u| !u.archived)
            .cloned()
        else {
            return Ok(None);
        };
        if now - session.last_seen >= TOUCH_EVERY_SECS {
            session.last_seen = now;
            self.store.write(|w| put_session(w, &key, &session))?;
        }
        Ok(Some(Current {
            subject: directory.subject(&user),
            user,
        }))
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
            .write(|w| delete_sessions_where(w, |s| s.is_expired(now)))?)
    }

    /// The consecutive failures of an account (for teachers' unlock lists and tests).
    pub fn failures(&self, user: UserId) -> Result<u32, AppError> {
        Ok(self
            .store
            .read()?
            .get::<Credentials>(user.0)?
            .map(|c| c.failures)
            .unwrap_or(0))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
