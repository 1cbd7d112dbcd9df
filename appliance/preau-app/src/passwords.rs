//! Argon2id hashing, bounded by a semaphore so that a burst of sign-ins cannot exhaust memory.

use crate::Settings;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes and verifies secrets with Argon2id.
#[derive(Clone)]
pub struct Hasher {
    params: Params,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("m_kib", &self.params.m_cost())
            .finish()
    }
}

impl Hasher {
    /// A hasher with the settings' memory cost (never below the minimum), t = 1, p = 1.
    pub fn new(settings: &Settings) -> Hasher {
        let m = settings
            .argon2_memory_kib
            .max(crate::settings::MIN_ARGON2_KIB);
        let params = Params::new(m, 1, 1, None).unwrap_or_default();
        Hasher {
            params,
            permits: Arc::new(Semaphore::new(settings.hash_concurrency.max(1))),
        }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a secret now, on this thread (command line, demo generation).
    pub fn hash_blocking(&self, secret: &str) -> String {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    }

    /// Checks a secret against a stored PHC string, on this thread.
    pub fn verify_blocking(&self, secret: &str, phc: &str) -> bool {
        match PasswordHash::new(phc) {
            Ok(parsed) => self
                .argon2()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Hashes a secret on the blocking pool, waiting for a permit.
    pub async fn hash(&self, secret: String) -> String {
        let _permit = self.permits.acquire().await;
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.hash_blocking(&secret))
            .await
            .unwrap_or_default()
    }

    /// Verifies a secret on the blocking pool, waiting for a permit. With no stored hash it
    /// still spends the same time, so that timing does not tell which accounts exist.
    pub async fn verify(&self, secret: String, phc: Option<String>) -> bool {
        let _permit = self.permits.acquire().await;
        let me = self.clone();
        tokio::task::spawn_blocking(move || match phc {
            Some(phc) => me.verify_blocking(&secret, &phc),
            None => {
                let _ = me.hash_blocking(&secret);
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_carry_the_cost() {
        let hasher = Hasher::new(&Settings::default());
        let phc = hasher.hash_blocking("cheval-bleu-42");
        assert!(phc.starts_with("$argon2id$v=19$m=47104,t=1,p=1$"), "{phc}");
        assert!(hasher.verify_blocking("cheval-bleu-42", &phc));
        assert!(!hasher.verify_blocking("cheval-bleu-43", &phc));
        assert!(!hasher.verify_blocking("x", "not a hash"));
    }
}
