//! UAI codes (unité administrative immatriculée): 7 digits and a check letter.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The 23 letters used for the check letter (no I, O or Q).
const CHECK_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// A validated UAI code such as `0750654D`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Uai(String);

/// Why a UAI code was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum UaiError {
    /// Not 7 digits followed by a letter.
    #[error("a UAI code is 7 digits followed by a letter")]
    Shape,
    /// The letter does not match the digits.
    #[error("the UAI check letter should be {expected}")]
    CheckLetter {
        /// The letter the digits call for.
        expected: char,
    },
}

impl Uai {
    /// Validates a code, ignoring case and surrounding spaces.
    pub fn parse(text: &str) -> Result<Uai, UaiError> {
        let text = text.trim().to_ascii_uppercase();
        let bytes = text.as_bytes();
        if bytes.len() != 8
            || !bytes[..7].iter().all(u8::is_ascii_digit)
            || !bytes[7].is_ascii_uppercase()
        {
            return Err(UaiError::Shape);
        }
        let number: u32 = text[..7].parse().map_err(|_| UaiError::Shape)?;
        let expected = CHECK_LETTERS[(number % 23) as usize] as char;
        if bytes[7] as char != expected {
            return Err(UaiError::CheckLetter { expected });
        }
        Ok(Uai(text))
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Uai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes() {
        // Lycée Louis-le-Grand, Paris.
        assert_eq!(
            Uai::parse("0750654D").map(|u| u.to_string()),
            Ok("0750654D".into())
        );
        assert_eq!(
            Uai::parse(" 0750654d ").map(|u| u.to_string()),
            Ok("0750654D".into())
        );
    }

    #[test]
    fn refuses_wrong_letter_and_shape() {
        assert_eq!(
            Uai::parse("0750654E"),
            Err(UaiError::CheckLetter { expected: 'D' })
        );
        assert_eq!(Uai::parse("075065D"), Err(UaiError::Shape));
        assert_eq!(Uai::parse("0750654"), Err(UaiError::Shape));
        assert_eq!(Uai::parse("07506540"), Err(UaiError::Shape));
        assert_eq!(Uai::parse("０７５０６５４D"), Err(UaiError::Shape));
    }
}
