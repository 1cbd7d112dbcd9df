//! Random secrets: session tokens, card secrets, activation codes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Letters and digits that cannot be confused when read aloud or copied (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Fills a buffer from the operating system's random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without an OS random source no secret can be made safely: stop rather than go on.
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system random source failed: {e}");
    }
    bytes
}

/// A 256-bit secret, URL-safe (session tokens, card secrets).
pub fn secret_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// SHA-256 of a token, as stored.
pub fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A one-time activation code such as `K7PM-Q2XD` (about 40 bits).
pub fn activation_code() -> String {
    let bytes = random_bytes::<8>();
    let chars: String = bytes
        .iter()
        .map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// Normalises a typed activation code: upper case, no spaces, dash in the middle.
pub fn normalise_code(typed: &str) -> String {
    let plain: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if plain.len() == 8 {
        format!("{}-{}", &plain[..4], &plain[4..])
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_normalised() {
        let code = activation_code();
        assert_eq!(code.len(), 9);
        assert!(
            code.chars()
                .all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(normalise_code(&code.to_lowercase().replace('-', " ")), code);
        assert_ne!(secret_token(), secret_token());
    }
}
