//! Application passwords: secrets a person creates to connect a program (the WebDAV network
//! drive) to their account. Only the SHA-256 of each secret is kept, so a copy of the
//! database cannot connect anyone; a lookup table finds a record by that digest and an index
//! lists the records of each person.

use crate::record::Record;
use crate::{Index, Reader, StoreError, Tables, Writer};
use preau_core::UserId;
use redb::{MultimapTableDefinition, TableDefinition, TableError};
use serde::{Deserialize, Serialize};

/// SHA-256 of the secret → record id.
const BY_DIGEST: TableDefinition<&[u8], u64> = TableDefinition::new("app_password_digests");
/// User → their records.
const OF_USER: Index = MultimapTableDefinition::new("user_app_passwords");

/// One application password (the secret itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppPassword {
    /// Its id (random), used to revoke it.
    pub id: u64,
    /// SHA-256 of the secret.
    pub digest: [u8; 32],
    /// Whose it is.
    pub user: UserId,
    /// What the person called it ("PC de la classe").
    pub label: String,
    /// When it was created (Unix seconds).
    pub created_at: i64,
    /// When it last opened a connection (Unix seconds), refreshed at most hourly.
    pub last_used_at: Option<i64>,
}

impl Record for AppPassword {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> =
        TableDefinition::new("app_passwords");
    const KIND: &'static str = "app_password";
    const VERSION: u8 = 1;
    // Secrets of a box stay on the box.
    const REPLICATED: bool = false;
    fn key(&self) -> u64 {
        self.id
    }
}

/// Saves a new or updated application password with its lookup entries.
pub fn save_app_password(w: &mut Writer, record: &AppPassword) -> Result<(), StoreError> {
    w.tx.open_table(BY_DIGEST)?
        .insert(record.digest.as_slice(), record.id)?;
    w.index_add(OF_USER, record.user.0, record.id)?;
    w.put(record)
}

/// The application password whose secret has this SHA-256, if any.
pub fn app_password_by_digest(
    r: &Reader,
    digest: &[u8; 32],
) -> Result<Option<AppPassword>, StoreError> {
    let id = match r.tx.open_table(BY_DIGEST) {
        Ok(t) => t.get(digest.as_slice())?.map(|v| v.value()),
        Err(TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    match id {
        Some(id) => r.get(id),
        None => Ok(None),
    }
}

/// The application passwords of one person, newest first.
pub fn app_passwords_of(t: &impl Tables, user: UserId) -> Result<Vec<AppPassword>, StoreError> {
    let mut out = Vec::new();
    for id in t.index(OF_USER, user.0)? {
        if let Some(record) = t.get::<AppPassword>(id)? {
            out.push(record);
        }
    }
    out.sort_by_key(|p| (std::cmp::Reverse(p.created_at), p.id));
    Ok(out)
}

/// Revokes one application password.
pub fn delete_app_password(w: &mut Writer, record: &AppPassword) -> Result<(), StoreError> {
    w.tx.open_table(BY_DIGEST)?
        .remove(record.digest.as_slice())?;
    w.index_remove(OF_USER, record.user.0, record.id)?;
    w.delete::<AppPassword>(record.id)?;
    Ok(())
}

/// Revokes every application password of one person (archive, credentials reset); returns
/// how many there were.
pub fn delete_app_passwords_of(w: &mut Writer, user: UserId) -> Result<usize, StoreError> {
    let all = app_passwords_of(w, user)?;
    for record in &all {
        delete_app_password(w, record)?;
    }
    Ok(all.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn record(id: u64, user: u64, digest: u8, created_at: i64) -> AppPassword {
        AppPassword {
            id,
            digest: [digest; 32],
            user: UserId(user),
            label: format!("PC {id}"),
            created_at,
            last_used_at: None,
        }
    }

    #[test]
    fn found_by_digest_listed_by_user_and_revoked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("store");
        assert_eq!(
            app_password_by_digest(&store.read().expect("read"), &[1; 32]).expect("lookup"),
            None
        );
        store
            .write(|w| -> Result<(), StoreError> {
                save_app_password(w, &record(10, 7, 1, 100))?;
                save_app_password(w, &record(11, 7, 2, 200))?;
                save_app_password(w, &record(12, 8, 3, 300))
            })
            .expect("save");
        let r = store.read().expect("read");
        let found = app_password_by_digest(&r, &[2; 32]).expect("lookup");
        assert_eq!(found.map(|p| p.id), Some(11));
        let mine: Vec<u64> = app_passwords_of(&r, UserId(7))
            .expect("list")
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(mine, [11, 10], "newest first, only the user's");
        drop(r);
        let gone = store
            .write(|w| delete_app_passwords_of(w, UserId(7)))
            .expect("revoke");
        assert_eq!(gone, 2);
        let r = store.read().expect("read");
        assert_eq!(app_password_by_digest(&r, &[1; 32]).expect("lookup"), None);
        assert!(app_passwords_of(&r, UserId(7)).expect("list").is_empty());
        assert!(
            app_password_by_digest(&r, &[3; 32])
                .expect("lookup")
                .is_some()
        );
    }
}
