//! Plain text and Markdown, and the character decoding shared with HTML.

use crate::sink::Sink;
use crate::{Budget, ExtractError};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;

/// How much is read at a time.
const CHUNK: usize = 64 * 1024;

/// The character encoding of a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// What French text files written on Windows often are.
    Windows1252,
}

/// Guesses the encoding from the first bytes: a byte-order mark, else UTF-8 unless most
/// non-ASCII bytes are invalid UTF-8 (then Windows-1252, a superset of Latin-1). Returns the
/// encoding and the length of the byte-order mark.
pub(crate) fn sniff(head: &[u8]) -> (Encoding, usize) {
    if head.starts_with(b"\xef\xbb\xbf") {
        return (Encoding::Utf8, 3);
    }
    if head.starts_with(b"\xff\xfe") {
        return (Encoding::Utf16Le, 2);
    }
    if head.starts_with(b"\xfe\xff") {
        return (Encoding::Utf16Be, 2);
    }
    let non_ascii = head.iter().filter(|b| !b.is_ascii()).count();
    if non_ascii == 0 {
        return (Encoding::Utf8, 0);
    }
    // The last bytes may be a character cut by the end of the sample.
    let sample = &head[..head.len() - incomplete_tail(head)];
    let invalid = sample
        .utf8_chunks()
        .filter(|chunk| !chunk.invalid().is_empty())
        .count();
    if invalid * 4 > non_ascii {
        (Encoding::Windows1252, 0)
    } else {
        (Encoding::Utf8, 0)
    }
}

/// Decodes a whole buffer (after its byte-order mark) lossily.
pub(crate) fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let (encoding, bom) = sniff(&bytes[..bytes.len().min(CHUNK)]);
    let bytes = &bytes[bom..];
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes),
        Encoding::Windows1252 => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = bytes.chunks_exact(2).map(|pair| {
                if encoding == Encoding::Utf16Le {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                }
            });
            Cow::Owned(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            )
        }
    }
}

/// The character of a Windows-1252 byte.
pub(crate) fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Whether the head of a file looks binary (NUL bytes outside UTF-16).
fn is_binary(head: &[u8], encoding: Encoding) -> bool {
    matches!(encoding, Encoding::Utf8 | Encoding::Windows1252) && head.contains(&0)
}

/// Plain text or Markdown: streamed in chunks, stops at the output cap.
pub(crate) fn extract_text(
    mut file: File,
    budget: &Budget<'_>,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = read_full(&mut file, &mut buf)?;
    let (encoding, bom) = sniff(&buf[..filled]);
    if is_binary(&buf[..filled], encoding) {
        return Err(ExtractError::Unsupported(
            "le fichier contient des données binaires, pas du texte".into(),
        ));
    }
    if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) {
        // Rare: read it whole (the input size is bounded) to keep surrogate pairs together.
        let mut all = buf[..filled].to_vec();
        file.read_to_end(&mut all)?;
        sink.push(&decode(&all));
        return Ok(());
    }
    let mut start = bom;
    // Bytes of a UTF-8 character cut by the end of the previous chunk.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        budget.check_time()?;
        let chunk = &buf[start..filled];
        match encoding {
            Encoding::Windows1252 => {
                for &b in chunk {
                    sink.push_char(windows_1252(b));
                }
            }
            _ => {
                carry.extend_from_slice(chunk);
                let cut = incomplete_tail(&carry);
                let complete = carry.len() - cut;
                sink.push(&String::from_utf8_lossy(&carry[..complete]));
                carry.drain(..complete);
            }
        }
        if sink.is_done() || filled < buf.len() {
            break;
        }
        filled = read_full(&mut file, &mut buf)?;
        start = 0;
        if filled == 0 {
            break;
        }
    }
    if !carry.is_empty() {
        sink.push(&String::from_utf8_lossy(&carry));
    }
    Ok(())
}

/// How many bytes at the end of `bytes` start a UTF-8 character that is not complete yet.
fn incomplete_tail(bytes: &[u8]) -> usize {
    let tail = &bytes[bytes.len().saturating_sub(3)..];
    for (i, &b) in tail.iter().enumerate().rev() {
        let needed = match b {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            0x80..=0xbf => continue,
            _ => return 0,
        };
        let have = tail.len() - i;
        return if have < needed { have } else { 0 };
    }
    0
}

/// Reads until `buf` is full or the file ends; returns how many bytes were read.
pub(crate) fn read_full(file: &mut impl Read, buf: &mut [u8]) -> Result<usize, ExtractError> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode("élève".as_bytes()), "élève");
        assert_eq!(decode(b"\xe9l\xe8ve \x80"), "élève €");
        assert_eq!(decode(b"\xef\xbb\xbf\xc3\xa9t\xc3\xa9"), "été");
        assert_eq!(decode(b"\xff\xfe\xe9\x00t\x00\xe9\x00"), "été");
        // One bad byte in UTF-8 text stays UTF-8.
        let mut bytes = "élève élève élève".as_bytes().to_vec();
        bytes.push(0xff);
        assert_eq!(decode(&bytes), "élève élève élève\u{fffd}");
    }

    #[test]
    fn cut_characters() {
        let e = "é".as_bytes();
        assert_eq!(incomplete_tail(&[b'a', e[0]]), 1);
        assert_eq!(incomplete_tail(&[b'a', e[0], e[1]]), 0);
        let euro = "€".as_bytes();
        assert_eq!(incomplete_tail(&euro[..2]), 2);
        assert_eq!(incomplete_tail(b"abc"), 0);
    }
}
