//! Sign-in records: credentials, QR card tokens, sessions and the audit trail.

use crate::record::{self, Record};
use crate::{Reader, StoreError, Writer};
use preau_core::{AuditEntry, Credentials, ParentActivation, Role, Session, User, UserId};
use redb::{ReadableTable, TableDefinition, TableError};
use sha2::{Digest, Sha256};

const CREDENTIALS: TableDefinition<u64, &[u8]> = TableDefinition::new("credentials");
/// Parent → their pending activation (replicated to central).
const PARENT_ACTIVATIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("parent_activations");
/// SHA-256 of a QR card secret → user id.
const CARD_TOKENS: TableDefinition<&[u8], u64> = TableDefinition::new("card_tokens");
/// SHA-256 of a session token → session.
const SESSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("sessions");
/// Sequence number → audit entry. Append-only.
const AUDIT: TableDefinition<u64, &[u8]> = TableDefinition::new("audit");

/// The card index is keyed by the secret's hash so that lookups reveal nothing in timing.
fn sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

const SESSION_VERSION: u8 = 1;
const AUDIT_VERSION: u8 = 1;

impl Record for Credentials {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = CREDENTIALS;
    const KIND: &'static str = "credentials";
    const VERSION: u8 = 1;
    const REPLICATED: bool = false;
    fn key(&self) -> u64 {
        self.user.0
    }
}

impl Record for ParentActivation {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = PARENT_ACTIVATIONS;
    const KIND: &'static str = "parent_activation";
    const VERSION: u8 = 1;
    const REPLICATED: bool = true;
    fn key(&self) -> u64 {
        self.user.0
    }
}

fn decode_versioned<T: serde::de::DeserializeOwned>(
    kind: &'static str,
    version: u8,
    bytes: &[u8],
) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&v, rest)) if v == version => record::decode_plain(kind, rest),
        Some((&v, _)) => Err(StoreError::UnknownValueVersion { kind, found: v }),
        None => Err(StoreError::Corrupt {
            kind,
            detail: "empty value".into(),
        }),
    }
}

/// Saves credentials and points the card token (if any) at the user.
pub fn save_credentials(w: &mut Writer, credentials: &Credentials) -> Result<(), StoreError> {
    let previous: Option<Credentials> = w.get(credentials.user.0)?;
    {
        let mut cards = w.tx.open_table(CARD_TOKENS)?;
        if let Some(old) = previous.and_then(|p| p.card_secret) {
            cards.remove(sha256(&old).as_slice())?;
        }
        if let Some(secret) = &credentials.card_secret {
            cards.insert(sha256(secret).as_slice(), credentials.user.0)?;
        }
    }
    w.put(credentials)?;
    save_parent_activation(w, credentials)
}

/// Keeps a parent's [`ParentActivation`] in step with their credentials (written only when
/// it changes, so that failed attempts do not travel): present while an activation code is
/// pending, deleted once it is used or replaced by a password reset without code.
fn save_parent_activation(w: &mut Writer, credentials: &Credentials) -> Result<(), StoreError> {
    let parent = w
        .get::<User>(credentials.user.0)?
        .is_some_and(|u| u.role == Role::Parent);
    let wanted = match (&credentials.activation, parent) {
        (Some((hash, until)), true) => Some(ParentActivation {
            user: credentials.user,
            code_hash: hash.clone(),
            expires_at: *until,
        }),
        _ => None,
    };
    let current: Option<ParentActivation> = w.get(credentials.user.0)?;
    if wanted == current {
        return Ok(());
    }
    match wanted {
        Some(activation) => w.put(&activation),
        None => w.delete::<ParentActivation>(credentials.user.0).map(|_| ()),
    }
}

/// Finds the pupil a QR card belongs to, by its secret.
pub fn user_by_card(r: &Reader, secret: &str) -> Result<Option<UserId>, StoreError> {
    match r.tx.open_table(CARD_TOKENS) {
        Ok(t) => Ok(t.get(sha256(secret).as_slice())?.map(|v| UserId(v.value()))),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Stores a session under the SHA-256 of its token.
pub fn put_session(
    w: &mut Writer,
    id_sha256: &[u8; 32],
    session: &Session,
) -> Result<(), StoreError> {
    let bytes = record::encode(SESSION_VERSION, session);
    w.tx.open_table(SESSIONS)?
        .insert(id_sha256.as_slice(), bytes.as_slice())?;
    Ok(())
}

/// Reads a session by the SHA-256 of its token.
pub fn get_session(r: &Reader, id_sha256: &[u8; 32]) -> Result<Option<Session>, StoreError> {
    let table = match r.tx.open_table(SESSIONS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(id_sha256.as_slice())? {
        Some(v) => decode_versioned("session", SESSION_VERSION, v.value()).map(Some),
        None => Ok(None),
    }
}

/// Ends one session.
pub fn delete_session(w: &mut Writer, id_sha256: &[u8; 32]) -> Result<(), StoreError> {
    w.tx.open_table(SESSIONS)?.remove(id_sha256.as_slice())?;
    Ok(())
}

/// Ends every session matching `ended` (all of one user's, or the expired ones); returns how many.
pub fn delete_sessions_where(
    w: &mut Writer,
    ended: impl Fn(&Session) -> bool,
) -> Result<usize, StoreError> {
    let mut table = w.tx.open_table(SESSIONS)?;
    let mut doomed = Vec::new();
    for item in table.iter()? {
        let (key, value) = item?;
        let session: Session = decode_versioned("session", SESSION_VERSION, value.value())?;
        if ended(&session) {
            doomed.push(key.value().to_vec());
        }
    }
    for key in &doomed {
        table.remove(key.as_slice())?;
    }
    Ok(doomed.len())
}

/// Ends every session of one user.
pub fn delete_sessions_of(w: &mut Writer, user: UserId) -> Result<usize, StoreError> {
    delete_sessions_where(w, |s| s.user == user)
}

/// Appends an entry to the audit trail.
pub fn append_audit(w: &mut Writer, entry: &AuditEntry) -> Result<(), StoreError> {
    let seq = w.next_counter("audit_seq")?;
    let bytes = record::encode(AUDIT_VERSION, entry);
    w.tx.open_table(AUDIT)?.insert(seq, bytes.as_slice())?;
    Ok(())
}

/// The most recent audit entries, newest first.
pub fn recent_audit(r: &Reader, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
    let table = match r.tx.open_table(AUDIT) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.iter()?.rev().take(limit) {
        let (_, value) = item?;
        out.push(decode_versioned("audit", AUDIT_VERSION, value.value())?);
    }
    Ok(out)
}
