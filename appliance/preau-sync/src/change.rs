//! The change envelope: one version of one replicated record, as it travels between
//! replicas.

use crate::stamp::Stamp;
use serde::{Deserialize, Serialize};

/// A partition inside a school: who a record concerns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// The whole school (news to everyone, classes, staff directory entries parents see).
    School,
    /// One class (its cahier de textes, words to the class), by class id.
    Class(u64),
    /// One family, by the id of the pupil (absences, answers, messages with the parents).
    Family(u64),
}

/// One version of a replicated record: a write, or a deletion (a tombstone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The replica that sends the change (for a push, the box; for a pull, central).
    pub origin: u64,
    /// The sending replica's sequence number for it: 1, 2, … without gaps in what it sends.
    pub seq: u64,
    /// The record's kind ("news", "logbook_entry", "liaison_answer", "user"…).
    pub kind: String,
    /// The record's key within its kind.
    pub key: u64,
    /// The version: the HLC stamp of the write (its `origin` is the replica that wrote it,
    /// which may differ from [`Change::origin`] when a replica resends a version it
    /// received).
    pub stamp: Stamp,
    /// The school partition (its UAI).
    pub school: String,
    /// The partition inside the school.
    pub scope: Scope,
    /// The stored record bytes (opaque here), `None` for a deletion. On the wire: base64,
    /// at most [`crate::protocol::MAX_VALUE_BYTES`] once decoded.
    #[serde(with = "base64_value")]
    pub value: Option<Vec<u8>>,
}

impl Change {
    /// Whether the change is a deletion.
    pub fn is_tombstone(&self) -> bool {
        self.value.is_none()
    }

    /// The record it is a version of: (kind, key).
    pub fn record(&self) -> (&str, u64) {
        (&self.kind, self.key)
    }
}

/// Record values as base64 strings (a third bigger than the bytes, where a JSON array of
/// numbers would be three to four times bigger), decoded under the value size cap.
mod base64_value {
    use crate::protocol::{MAX_VALUE_BYTES, VALUE_TOO_LARGE};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::borrow::Cow;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => serializer.serialize_some(&encode(bytes)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let Some(text) = Option::<Cow<'de, str>>::deserialize(deserializer)? else {
            return Ok(None);
        };
        if text.len() / 4 * 3 > MAX_VALUE_BYTES + 2 {
            return Err(D::Error::custom(VALUE_TOO_LARGE));
        }
        let bytes = decode(text.as_bytes()).ok_or_else(|| D::Error::custom("invalid base64"))?;
        if bytes.len() > MAX_VALUE_BYTES {
            return Err(D::Error::custom(VALUE_TOO_LARGE));
        }
        Ok(Some(bytes))
    }

    /// Standard base64 with padding.
    pub(crate) fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }

    /// Decodes standard padded base64; `None` if it is not exactly that.
    pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
        if !text.len().is_multiple_of(4) {
            return None;
        }
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        let quads = text.len() / 4;
        for (index, quad) in text.chunks(4).enumerate() {
            let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
            if pad > 2 || (pad > 0 && index + 1 != quads) {
                return None;
            }
            let mut n = 0u32;
            for &c in &quad[..4 - pad] {
                n = (n << 6) | sextet(c)?;
            }
            n <<= 6 * pad as u32;
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            // Non-canonical encodings (bits set in the padding) are refused.
            let keep = 3 - pad;
            if bytes[keep..].iter().any(|&b| b != 0) {
                return None;
            }
            out.extend_from_slice(&bytes[..keep]);
        }
        Some(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn round_trips_and_matches_rfc_4648_vectors() {
            for (plain, coded) in [
                ("", ""),
                ("f", "Zg=="),
                ("fo", "Zm8="),
                ("foo", "Zm9v"),
                ("foob", "Zm9vYg=="),
                ("fooba", "Zm9vYmE="),
                ("foobar", "Zm9vYmFy"),
            ] {
                assert_eq!(encode(plain.as_bytes()), coded);
                assert_eq!(decode(coded.as_bytes()).as_deref(), Some(plain.as_bytes()));
            }
            let all: Vec<u8> = (0..=255).collect();
            assert_eq!(decode(encode(&all).as_bytes()), Some(all));
        }

        #[test]
        fn refuses_what_is_not_canonical_base64() {
            for bad in [
                "Zg", "Zg=", "Z===", "Zh==", "Zg==Zg==", "Zm9v!A==", "====", "é===",
            ] {
                assert_eq!(decode(bad.as_bytes()), None, "{bad}");
            }
        }
    }
}
