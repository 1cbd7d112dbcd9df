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

/// A parent's pending activation, as it travels to central: the Argon2id hash of the
/// one-time code the school handed out and when it expires — never the password hash. It
/// exists while the parent's credentials on the box hold an activation code, so that the
/// same letter opens the parent's commune account at central.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentActivation {
    /// The parent (in the school's directory).
    pub user: UserId,
    /// Argon2id PHC string of the one-time code.
    pub code_hash: String,
    /// When the code expires (Unix s).
    pub expires_at: i64,
}

/// What a commune account at central is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommuneRole {
    /// A parent: sees their children in every school linked.
    Parent,
    /// A town-hall agent: sees the schools attached and their sync.
    Agent,
}

/// A parent's account in one school, as a commune account links it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolLink {
    /// The school's UAI.
    pub uai: String,
    /// The parent's account in that school's directory.
    pub user: UserId,
    /// The activation code hash that made the link (a code works once at central).
    pub code_hash: String,
}

/// One account at central for the whole commune: a parent (linked to their account in
/// each school of their children) or a town-hall agent. Hashes only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneAccount {
    /// The account (random).
    pub id: u64,
    /// Its identifier at central (unique, lower case).
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Parent or agent.
    pub role: CommuneRole,
    /// Argon2id PHC string of the password, once chosen.
    pub password_hash: Option<String>,
    /// Argon2id PHC string of an agent's one-time activation code, and its expiry (Unix s).
    pub activation: Option<(String, i64)>,
    /// The schools' parent accounts it stands for.
    pub links: Vec<SchoolLink>,
    /// Consecutive failed attempts.
    pub failures: u32,
    /// When the last failure happened (Unix s).
    pub last_failure_at: i64,
}

impl CommuneAccount {
    /// Name as shown.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// The access facts of this account at central (no school of its own).
    pub fn subject(&self) -> crate::Subject {
        crate::Subject {
            user: UserId(self.id),
            role: match self.role {
                CommuneRole::Parent => crate::Role::Parent,
                CommuneRole::Agent => crate::Role::TownAgent,
            },
            school: None,
            classes: Vec::new(),
            children: Vec::new(),
            groups: Vec::new(),
        }
    }
}
