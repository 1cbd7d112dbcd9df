//! The INEs (national pupil numbers) read from ONDE exports, kept beside the accounts: the
//! account record carries none, so a lookup table maps each INE to its pupil's account.

use crate::{Reader, StoreError, Writer};
use preau_core::UserId;
use redb::{ReadableTable, TableDefinition, TableError};

/// INE → user id.
const INES: TableDefinition<&str, u64> = TableDefinition::new("onde_ines");

/// Every known INE with its account.
pub fn all_ines(r: &Reader) -> Result<Vec<(UserId, String)>, StoreError> {
    let table = match r.tx.open_table(INES) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (ine, id) = entry?;
        out.push((UserId(id.value()), ine.value().to_owned()));
    }
    Ok(out)
}

/// Every known INE with its account, seeing this transaction's writes.
pub fn all_ines_in(w: &Writer) -> Result<Vec<(UserId, String)>, StoreError> {
    let table = w.tx.open_table(INES)?;
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (ine, id) = entry?;
        out.push((UserId(id.value()), ine.value().to_owned()));
    }
    Ok(out)
}

/// Gives `user` the INE `ine`, forgetting any other INE it had.
pub fn set_ine(w: &mut Writer, user: UserId, ine: &str) -> Result<(), StoreError> {
    let mut table = w.tx.open_table(INES)?;
    let stale: Vec<String> = table
        .iter()?
        .filter_map(Result::ok)
        .filter(|(k, v)| v.value() == user.0 && k.value() != ine)
        .map(|(k, _)| k.value().to_owned())
        .collect();
    for old in stale {
        table.remove(old.as_str())?;
    }
    table.insert(ine, user.0)?;
    Ok(())
}
