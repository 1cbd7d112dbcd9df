//! What the box keeps of the provisioning bundle it applied last: which bundle it was, its
//! settings and its key material. One record, written in the same transaction as the school
//! and the accounts the bundle set up, so a bundle is applied whole or not at all.

use crate::record::Record;
use crate::{StoreError, Tables, Writer};
use redb::TableDefinition;
use serde::{Deserialize, Serialize};

/// The provisioning state of the box (there is at most one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioned {
    /// The school's UAI the bundle was for.
    pub uai: String,
    /// The bundle's serial number.
    pub serial: u64,
    /// The SHA-256 of the bundle's zip file.
    pub sha256: String,
    /// When it was applied (Unix seconds).
    pub applied_at: i64,
    /// The bundle's manifest, as TOML (network, time, SSH and central settings).
    pub manifest: String,
    /// The commune CA certificate (PEM).
    pub ca_pem: String,
    /// The box's TLS certificate (PEM).
    pub tls_cert_pem: String,
    /// The box's TLS private key (PEM).
    pub tls_key_pem: String,
    /// The box's client certificate for central (PEM).
    pub sync_cert_pem: String,
    /// The key of that certificate (PEM).
    pub sync_key_pem: String,
}

const PROVISIONED: TableDefinition<u64, &[u8]> = TableDefinition::new("provisioned");

impl Record for Provisioned {
    const TABLE: TableDefinition<'static, u64, &'static [u8]> = PROVISIONED;
    const KIND: &'static str = "provisioned";
    const VERSION: u8 = 1;
    const REPLICATED: bool = false;
    fn key(&self) -> u64 {
        0
    }
}

/// The bundle applied last, if the box was ever provisioned.
pub fn provisioned(t: &impl Tables) -> Result<Option<Provisioned>, StoreError> {
    t.get(0)
}

/// Records the bundle just applied (inside the transaction that applies it).
pub fn set_provisioned(w: &mut Writer, state: &Provisioned) -> Result<(), StoreError> {
    w.put(state)
}
