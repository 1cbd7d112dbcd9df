//! Directory records (school, classes, groups, users) and the sign-in identifier index.

use crate::record::Record;
use crate::{Reader, StoreError, Writer};
use preau_core::{Class, Group, School, User, UserId};
use redb::{ReadableTable, TableDefinition, TableError};

const SCHOOL: TableDefinition<u64, &[u8]> = TableDefinition::new("school");
const CLASSES: TableDefinition<u64, &[u8]> = TableDefinition::new("classes");
const GROUPS: TableDefinition<u64, &[u8]> = TableDefinition::new("groups");
const USERS: TableDefinition<u64, &[u8]> = TableDefinition::new("users");
/// Lower-case sign-in identifier → user id.
const LOGINS: TableDefinition<&str, u64> = TableDefinition::new("logins");

impl Record for School {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = SCHOOL;
    const KIND: &'static str = "school";
    const VERSION: u8 = 1;
    const REPLICATED: bool = true;
    fn key(&self) -> u64 {
        0
    }
}

impl Record for Class {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = CLASSES;
    const KIND: &'static str = "class";
    const VERSION: u8 = 1;
    const REPLICATED: bool = true;
    fn key(&self) -> u64 {
        self.id.0
    }
}

impl Record for Group {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = GROUPS;
    const KIND: &'static str = "group";
    const VERSION: u8 = 1;
    const REPLICATED: bool = true;
    fn key(&self) -> u64 {
        self.id.0
    }
}

impl Record for User {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = USERS;
    const KIND: &'static str = "user";
    const VERSION: u8 = 1;
    const REPLICATED: bool = true;
    fn key(&self) -> u64 {
        self.id.0
    }
}

/// Saves a user and keeps the identifier index in step; refuses an identifier already taken.
pub fn save_user(w: &mut Writer, user: &User) -> Result<(), StoreError> {
    let login = user.login.to_lowercase();
    let previous: Option<User> = w.get(user.id.0)?;
    {
        let mut logins = w.tx.open_table(LOGINS)?;
        if let Some(owner) = logins.get(login.as_str())?.map(|v| v.value())
            && owner != user.id.0
        {
            return Err(StoreError::Duplicate(format!("login {login}")));
        }
        if let Some(old) = &previous {
            let old_login = old.login.to_lowercase();
            if old_login != login {
                logins.remove(old_login.as_str())?;
            }
        }
        logins.insert(login.as_str(), user.id.0)?;
    }
    w.put(user)
}

/// Finds a user id by sign-in identifier (case-insensitive).
pub fn user_id_by_login(r: &Reader, login: &str) -> Result<Option<UserId>, StoreError> {
    let table = match r.tx.open_table(LOGINS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(table
        .get(login.trim().to_lowercase().as_str())?
        .map(|v| UserId(v.value())))
}

/// Whether an identifier is free, seen from inside a write transaction.
pub fn login_is_free(w: &Writer, login: &str) -> Result<bool, StoreError> {
    Ok(w.tx
        .open_table(LOGINS)?
        .get(login.to_lowercase().as_str())?
        .is_none())
}
