//! Application passwords: a person creates one on their account page to connect a program —
//! the network drive of a classroom PC (WebDAV) — without giving it their own password. Each
//! is random (about 103 bits), shown once, stored as its SHA-256, and can be revoked alone.

use crate::auth::Current;
use crate::{App, AppError, Problem, Visitor, tokens};
use preau_core::{AuditEntry, Role, Subject};
use preau_store::app_passwords as db;
use preau_store::schema::random_u64;
use preau_store::security::append_audit;

pub use preau_store::app_passwords::AppPassword;

/// Letters and digits an application password is made of.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Groups of characters in a password, and characters per group.
const GROUPS: usize = 4;
const GROUP_LEN: usize = 5;
/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;
/// Most application passwords one person may hold at once.
pub const MAX_PER_PERSON: usize = 20;
/// Seconds between two refreshes of "last used" (saves a durable write per request).
const TOUCH_EVERY_SECS: i64 = 3600;
/// The label given when none is typed.
const DEFAULT_LABEL: &str = "Lecteur réseau";

/// A new random password such as `k3xq9-m2pdz-7vw4c-h8rne` (20 characters from 36).
fn new_secret() -> String {
    let mut chars = String::with_capacity(GROUPS * (GROUP_LEN + 1));
    let mut count = 0;
    // Rejection sampling keeps every character equally likely (252 = 7 × 36).
    while count < GROUPS * GROUP_LEN {
        for byte in tokens::random_bytes::<32>() {
            if byte >= 252 || count == GROUPS * GROUP_LEN {
                continue;
            }
            if count > 0 && count % GROUP_LEN == 0 {
                chars.push('-');
            }
            chars.push(ALPHABET[byte as usize % ALPHABET.len()] as char);
            count += 1;
        }
    }
    chars
}

/// The digest stored for a typed password: only letters and digits count, in lower case,
/// so that dashes, spaces and capitals typed by mistake do not matter.
fn digest(typed: &str) -> [u8; 32] {
    let plain: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    tokens::sha256(&plain)
}

impl App {
    /// Creates an application password for `me`; returns the secret, which is shown once and
    /// never stored.
    pub fn create_app_password(&self, me: &Subject, label: &str) -> Result<String, AppError> {
        let label = label.trim();
        if label.chars().count() > MAX_LABEL_CHARS {
            return Err(AppError::Invalid(Problem::TooLong("nom")));
        }
        let label = if label.is_empty() {
            DEFAULT_LABEL
        } else {
            label
        };
        self.directory()
            .user(me.user)
            .filter(|u| !u.archived)
            .ok_or(AppError::Forbidden)?;
        let secret = new_secret();
        let now = self.now();
        let record = AppPassword {
            id: random_u64(),
            digest: digest(&secret),
            user: me.user,
            label: label.to_string(),
            created_at: now,
            last_used_at: None,
        };
        self.store.write(|w| -> Result<(), AppError> {
            if db::app_passwords_of(w, me.user)?.len() >= MAX_PER_PERSON {
                return Err(AppError::Invalid(Problem::TooLong(
                    "liste des mots de passe d'application",
                )));
            }
            db::save_app_password(w, &record)?;
            append_audit(
                w,
                &AuditEntry {
                    at: now,
                    actor: Some(me.user),
                    action: "create app password".into(),
                    target: record.id.to_string(),
                },
            )?;
            Ok(())
        })?;
        Ok(secret)
    }

    /// The application passwords of `me`, newest first.
    pub fn app_passwords(&self, me: &Subject) -> Result<Vec<AppPassword>, AppError> {
        Ok(db::app_passwords_of(&self.store.read()?, me.user)?)
    }

    /// Revokes one of `me`'s application passwords.
    pub fn revoke_app_password(&self, me: &Subject, id: u64) -> Result<(), AppError> {
        let now = self.now();
        self.store.write(|w| -> Result<(), AppError> {
            let record: AppPassword = w
                .get(id)?
                .filter(|r: &AppPassword| r.user == me.user)
                .ok_or(AppError::NotFound)?;
            db::delete_app_password(w, &record)?;
            append_audit(
                w,
                &AuditEntry {
                    at: now,
                    actor: Some(me.user),
                    action: "revoke app password".into(),
                    target: record.id.to_string(),
                },
            )?;
            Ok(())
        })
    }

    /// Revokes every application password of an account (for the administration when an
    /// account is archived or its credentials are reset); returns how many there were.
    pub fn revoke_app_passwords_of(&self, user: preau_core::UserId) -> Result<usize, AppError> {
        Ok(self.store.write(|w| db::delete_app_passwords_of(w, user))?)
    }

    /// Checks an identifier and an application password (never the account's own password)
    /// for a program connecting on someone's behalf. Archived accounts are refused; pupils
    /// connect only from the school network, like their sign-in.
    pub fn sign_in_app_password(
        &self,
        visitor: &Visitor,
        login: &str,
        password: &str,
    ) -> Result<Current, AppError> {
        let Some(mut record) = db::app_password_by_digest(&self.store.read()?, &digest(password))?
        else {
            return Err(AppError::WrongCredentials);
        };
        let directory = self.directory();
        let user = directory
            .user(record.user)
            .filter(|u| u.login == login.trim().to_lowercase())
            .cloned()
            .ok_or(AppError::WrongCredentials)?;
        if user.archived {
            return Err(AppError::Archived);
        }
        if user.role == Role::Pupil && !self.settings.on_school_network(visitor.ip) {
            return Err(AppError::OutsideSchoolNetwork);
        }
        let now = self.now();
        if record
            .last_used_at
            .is_none_or(|at| now - at >= TOUCH_EVERY_SECS)
        {
            record.last_used_at = Some(now);
            self.store.write(|w| -> Result<(), AppError> {
                // Not if it was revoked in the meantime.
                if w.get::<AppPassword>(record.id)?.is_some() {
                    db::save_app_password(w, &record)?;
                }
                Ok(())
            })?;
        }
        Ok(Current {
            subject: directory.subject(&user),
            user,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_four_groups_of_five_and_typing_slips_do_not_matter() {
        let secret = new_secret();
        let groups: Vec<&str> = secret.split('-').collect();
        assert_eq!(groups.len(), GROUPS);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == GROUP_LEN && g.bytes().all(|b| ALPHABET.contains(&b)))
        );
        assert_ne!(new_secret(), secret);
        let sloppy = secret.to_uppercase().replace('-', " ");
        assert_eq!(digest(&sloppy), digest(&secret));
        assert_ne!(digest("abc"), digest(&secret));
    }
}
