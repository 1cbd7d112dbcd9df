//! Bundle signatures: minisign (Ed25519 over a BLAKE2b-512 prehash of the zip file).

use super::{BundleError, MAX_SIGNATURE_BYTES};
use std::io::Cursor;

/// The commune's bundle public key, which boxes are configured with.
#[derive(Clone)]
pub struct PublicKey(minisign::PublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

fn key_id(keynum: &[u8]) -> String {
    keynum.iter().rev().map(|b| format!("{b:02X}")).collect()
}

impl PublicKey {
    /// Reads a public key: a minisign public key file (comment line and key line) or the key
    /// line alone (`RWQ…`).
    pub fn parse(text: &str) -> Result<PublicKey, BundleError> {
        let text = text.trim();
        let line = if text.starts_with("untrusted comment:") {
            text.lines().nth(1).unwrap_or_default()
        } else {
            text
        };
        minisign::PublicKey::from_base64(line.trim())
            .map(PublicKey)
            .map_err(|_| BundleError::PublicKeyMalformed)
    }

    /// The key's id, as minisign prints it (16 hexadecimal digits).
    pub fn key_id(&self) -> String {
        key_id(self.0.keynum())
    }

    /// The public key file's text (comment line and key line).
    pub fn to_file_text(&self) -> String {
        format!(
            "untrusted comment: clé publique des lots Préau, minisign {}\n{}\n",
            self.key_id(),
            self.0.to_base64()
        )
    }

    /// Checks `signature` (a `.minisig` file's text) over `data`.
    pub fn verify(&self, data: &[u8], signature: &[u8]) -> Result<(), BundleError> {
        if signature.len() as u64 > MAX_SIGNATURE_BYTES {
            return Err(BundleError::SignatureMalformed);
        }
        let text = std::str::from_utf8(signature).map_err(|_| BundleError::SignatureMalformed)?;
        let signature_box = minisign::SignatureBox::from_string(text)
            .map_err(|_| BundleError::SignatureMalformed)?;
        if signature_box.keynum() != self.0.keynum() {
            return Err(BundleError::WrongKey {
                expected: self.key_id(),
                found: key_id(signature_box.keynum()),
            });
        }
        // Legacy (non-prehashed) signatures are refused: the tool never makes them.
        minisign::verify(
            &self.0,
            &signature_box,
            Cursor::new(data),
            true,
            false,
            false,
        )
        .map_err(|_| BundleError::BadSignature)
    }
}

/// The commune's bundle signing key (kept with the CA, never on a box).
pub struct SigningKey {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
}

impl SigningKey {
    /// Reads a minisign secret key file (unencrypted, as `ca init` writes it).
    pub fn parse(text: &str) -> Result<SigningKey, String> {
        let secret = minisign::SecretKey::from_unencrypted_box(
            minisign::SecretKeyBox::from_string(text).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let public = minisign::PublicKey::from_secret_key(&secret).map_err(|e| e.to_string())?;
        Ok(SigningKey { secret, public })
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.public.clone())
    }

    /// Signs `data`; returns the `.minisig` file's text. The trusted comment (signed too) says
    /// what the bundle is.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String, String> {
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(data),
            Some(trusted_comment),
            Some("signature d'un lot de configuration Préau"),
        )
        .map_err(|e| e.to_string())?;
        Ok(signature.into_string())
    }
}

/// Makes a new signing key: (secret key file text, public key).
pub fn generate_signing_key() -> Result<(String, PublicKey), String> {
    let pair = minisign::KeyPair::generate_unencrypted_keypair().map_err(|e| e.to_string())?;
    let secret = pair
        .sk
        .to_box(Some(
            "clé secrète de signature des lots Préau (à garder avec l'autorité de la commune)",
        ))
        .map_err(|e| e.to_string())?
        .into_string();
    Ok((secret, PublicKey(pair.pk)))
}
