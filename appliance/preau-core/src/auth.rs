//! Records of sign-in: credentials, sessions and the audit trail.

use crate::UserId;
use serde::{Deserialize, Serialize};

/// A person's secrets and sign-in state. Hashes only; never the secrets themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Whose credentials these are.
    pub user: UserId,
    /// Argon2id PHC string of the password (adults).
    pub password_hash: Option<String>,
    /// The pupil's picture code: three of the nine pictures, in order. Kept readable because
    /// it is printed on the pupil's card; it only works from the school network and locks
    /// the account after repeated failures.
    pub picture_code: Option<[u8; 3]>,
    /// Argon2id PHC string of a one-time activation code, and when it expires (Unix s).
    pub activation: Option<(String, i64)>,
    /// The secret in the QR code of the pupil's login card (kept so the card can be reprinted;
    /// renewing it revokes the old card).
    pub card_secret: Option<String>,
    /// Consecutive failed attempts.
    pub failures: u32,
    /// When the last failure happened (Unix s).
    pub last_failure_at: i64,
}

/// A signed-in browser, kept server-side. The cookie holds a random token; the store keys
/// sessions by the token's SHA-256 so that a copy of the database cannot sign anyone in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Who is signed in.
    pub user: UserId,
    /// When the session started (Unix s).
    pub created_at: i64,
    /// Last activity (Unix s), refreshed at most once a minute.
    pub last_seen: i64,
    /// Seconds of inactivity after which the session ends.
    pub idle_timeout: i64,
}

impl Session {
    /// Whether the session has ended through inactivity at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        now - self.last_seen > self.idle_timeout
    }
}

/// One line of the append-only audit trail: who did what to whom, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (Unix s).
    pub at: i64,
    /// Who acted (None for the system or the command line).
    pub actor: Option<UserId>,
    /// What was done, as a stable English verb phrase ("unlock account").
    pub action: String,
    /// On whom or what (an id, never personal data).
    pub target: String,
}
