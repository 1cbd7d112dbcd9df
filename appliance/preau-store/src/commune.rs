//! Central's commune store (`<data_dir>/commune/`): one account per parent for the whole
//! commune (linked to their account in each school of their children) and the town-hall
//! agents, with the lookups by identifier and by school link, and the failed activation
//! attempts per school account (lockout per account, never per address). Sessions reuse
//! [`crate::security`]'s table. Nothing here is replicated.

use crate::record::Record;
use crate::{Reader, StoreError, Writer};
use preau_core::{CommuneAccount, UserId};
use redb::{ReadableTable, TableDefinition, TableError};

const ACCOUNTS: TableDefinition<u64, &[u8]> = TableDefinition::new("commune_accounts");
/// Lower-case identifier → account.
const LOGINS: TableDefinition<&str, u64> = TableDefinition::new("commune_logins");
/// "UAI/parent id" → the account linked to that school account.
const LINKS: TableDefinition<&str, u64> = TableDefinition::new("commune_links");
/// "UAI/parent id" → (consecutive failed activations, when the last one happened).
const ACTIVATION_FAILURES: TableDefinition<&str, (u32, i64)> =
    TableDefinition::new("commune_activation_failures");

impl Record for CommuneAccount {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = ACCOUNTS;
    const KIND: &'static str = "commune_account";
    const VERSION: u8 = 1;
    const REPLICATED: bool = false;
    fn key(&self) -> u64 {
        self.id
    }
}

fn link_key(uai: &str, user: UserId) -> String {
    format!("{uai}/{}", user.0)
}

/// Saves an account and its lookups; refuses an identifier or a school link another account
/// holds.
pub fn save_account(w: &mut Writer, account: &CommuneAccount) -> Result<(), StoreError> {
    let login = account.login.trim().to_lowercase();
    let previous: Option<CommuneAccount> = w.get(account.id)?;
    {
        let mut logins = w.tx.open_table(LOGINS)?;
        if let Some(owner) = logins.get(login.as_str())?.map(|v| v.value())
            && owner != account.id
        {
            return Err(StoreError::Duplicate(format!("login {login}")));
        }
        if let Some(old) = &previous {
            let old_login = old.login.trim().to_lowercase();
            if old_login != login {
                logins.remove(old_login.as_str())?;
            }
        }
        logins.insert(login.as_str(), account.id)?;
    }
    {
        let mut links = w.tx.open_table(LINKS)?;
        for link in &account.links {
            let key = link_key(&link.uai, link.user);
            if let Some(owner) = links.get(key.as_str())?.map(|v| v.value())
                && owner != account.id
            {
                return Err(StoreError::Duplicate(format!("link {key}")));
            }
            links.insert(key.as_str(), account.id)?;
        }
    }
    w.put(account)
}

/// The account with this identifier (case and surrounding spaces ignored).
pub fn account_by_login(r: &Reader, login: &str) -> Result<Option<CommuneAccount>, StoreError> {
    let id = match r.tx.open_table(LOGINS) {
        Ok(t) => t
            .get(login.trim().to_lowercase().as_str())?
            .map(|v| v.value()),
        Err(TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    match id {
        Some(id) => r.get(id),
        None => Ok(None),
    }
}

/// The account linked to a school's parent account, if one is.
pub fn account_by_link(
    r: &Reader,
    uai: &str,
    user: UserId,
) -> Result<Option<CommuneAccount>, StoreError> {
    let id = match r.tx.open_table(LINKS) {
        Ok(t) => t.get(link_key(uai, user).as_str())?.map(|v| v.value()),
        Err(TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    match id {
        Some(id) => r.get(id),
        None => Ok(None),
    }
}

/// The account linked to a school's parent account, seen from inside a write transaction.
pub fn account_by_link_in(
    w: &Writer,
    uai: &str,
    user: UserId,
) -> Result<Option<CommuneAccount>, StoreError> {
    let id =
        w.tx.open_table(LINKS)?
            .get(link_key(uai, user).as_str())?
            .map(|v| v.value());
    match id {
        Some(id) => w.get(id),
        None => Ok(None),
    }
}

/// Whether an identifier is free, seen from inside a write transaction.
pub fn login_is_free(w: &Writer, login: &str) -> Result<bool, StoreError> {
    Ok(w.tx
        .open_table(LOGINS)?
        .get(login.trim().to_lowercase().as_str())?
        .is_none())
}

/// Failed activations of a school's parent account at central: (count, last at).
pub fn activation_failures(r: &Reader, uai: &str, user: UserId) -> Result<(u32, i64), StoreError> {
    match r.tx.open_table(ACTIVATION_FAILURES) {
        Ok(t) => Ok(t
            .get(link_key(uai, user).as_str())?
            .map(|v| v.value())
            .unwrap_or((0, 0))),
        Err(TableError::TableDoesNotExist(_)) => Ok((0, 0)),
        Err(e) => Err(e.into()),
    }
}

/// Records the failed activations of a school's parent account (0: forgets them).
pub fn set_activation_failures(
    w: &mut Writer,
    uai: &str,
    user: UserId,
    failures: u32,
    at: i64,
) -> Result<(), StoreError> {
    let mut table = w.tx.open_table(ACTIVATION_FAILURES)?;
    let key = link_key(uai, user);
    if failures == 0 {
        table.remove(key.as_str())?;
    } else {
        table.insert(key.as_str(), (failures, at))?;
    }
    Ok(())
}
