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

/// Why a bundle signing key file could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigningKeyError {
    /// The key is encrypted and no password was given.
    #[error("the key is encrypted: its password is needed")]
    PasswordNeeded,
    /// The key is encrypted and the password given does not decrypt it.
    #[error("wrong password for the key")]
    WrongPassword,
    /// Not a minisign secret key, or a damaged one.
    #[error("{0}")]
    Malformed(String),
}

/// Decodes standard base64 (no padding needed): enough to read a key's first bytes.
fn base64_prefix(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks_exact(4) {
        let mut n = 0u32;
        for c in chunk {
            n = (n << 6) | u32::from(value(*c)?);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    Some(out)
}

/// Whether a minisign secret key file is encrypted with a password, read from its key line
/// without decrypting it: bytes 2 and 3 of the key are the KDF (`Sc` for scrypt, zeros for
/// none).
pub fn is_encrypted_key(text: &str) -> Result<bool, SigningKeyError> {
    let malformed = || SigningKeyError::Malformed("not a minisign secret key".into());
    let line = text.lines().nth(1).ok_or_else(malformed)?.trim();
    let head = base64_prefix(line.get(..8).ok_or_else(malformed)?).ok_or_else(malformed)?;
    match &head[..] {
        [b'E', b'd', 0, 0, ..] => Ok(false),
        [b'E', b'd', b'S', b'c', ..] => Ok(true),
        _ => Err(SigningKeyError::Malformed(
            "unsupported minisign key (algorithm or encryption)".into(),
        )),
    }
}

/// The commune's bundle signing key (kept with the CA, never on a box).
pub struct SigningKey {
    secret: minisign::SecretKey,
    public: minisign::PublicKey,
}

impl SigningKey {
    /// Reads a minisign secret key file as `ca init` writes it: unencrypted (`password` is
    /// then not used) or encrypted with a password (scrypt, minisign's own format).
    pub fn read(text: &str, password: Option<&str>) -> Result<SigningKey, SigningKeyError> {
        let malformed = |e: minisign::PError| SigningKeyError::Malformed(e.to_string());
        let encrypted = is_encrypted_key(text)?;
        let key_box = minisign::SecretKeyBox::from_string(text).map_err(malformed)?;
        let secret = if encrypted {
            let password = password.ok_or(SigningKeyError::PasswordNeeded)?;
            minisign::SecretKey::from_box(key_box, Some(password.to_string())).map_err(|e| {
                if matches!(e.kind(), minisign::ErrorKind::Verify) {
                    SigningKeyError::WrongPassword
                } else {
                    malformed(e)
                }
            })?
        } else {
            minisign::SecretKey::from_unencrypted_box(key_box).map_err(malformed)?
        };
        let public = minisign::PublicKey::from_secret_key(&secret).map_err(malformed)?;
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

/// Makes a new signing key: (secret key file text, public key). With a password, the secret
/// key is encrypted with it (minisign's scrypt format, as `minisign -G` writes it); without,
/// it is written in clear.
pub fn generate_signing_key(password: Option<&str>) -> Result<(String, PublicKey), String> {
    let pair = match password {
        Some(password) => minisign::KeyPair::generate_encrypted_keypair(Some(password.into())),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| e.to_string())?;
    let comment = if password.is_some() {
        "clé secrète de signature des lots Préau, chiffrée par mot de passe (à garder avec l'autorité de la commune)"
    } else {
        "clé secrète de signature des lots Préau (à garder avec l'autorité de la commune)"
    };
    let secret = pair
        .sk
        .to_box(Some(comment))
        .map_err(|e| e.to_string())?
        .into_string();
    Ok((secret, PublicKey(pair.pk)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypted_keys_need_their_password() {
        let (clear, public) = generate_signing_key(None).expect("clear key");
        assert_eq!(is_encrypted_key(&clear), Ok(false));
        let key = SigningKey::read(&clear, None).expect("clear");
        assert_eq!(key.public_key().key_id(), public.key_id());
        // A password given for a clear key is not used.
        assert!(SigningKey::read(&clear, Some("inutile")).is_ok());

        let (locked, public) = generate_signing_key(Some("cheval agrafe pile")).expect("key");
        assert_eq!(is_encrypted_key(&locked), Ok(true));
        assert!(locked.contains("chiffrée par mot de passe"), "{locked}");
        assert!(matches!(
            SigningKey::read(&locked, None),
            Err(SigningKeyError::PasswordNeeded)
        ));
        assert!(matches!(
            SigningKey::read(&locked, Some("cheval agrafe")),
            Err(SigningKeyError::WrongPassword)
        ));
        let key = SigningKey::read(&locked, Some("cheval agrafe pile")).expect("unlocked");
        assert_eq!(key.public_key().key_id(), public.key_id());
        let signature = key.sign(b"zip", "test").expect("sign");
        public.verify(b"zip", signature.as_bytes()).expect("verify");

        for junk in [
            "",
            "untrusted comment: x\n",
            "untrusted comment: x\nRWQ\n",
            "a\nb!!!!!!!!\n",
        ] {
            assert!(
                matches!(
                    SigningKey::read(junk, None),
                    Err(SigningKeyError::Malformed(_))
                ),
                "{junk:?}"
            );
        }
    }
}
