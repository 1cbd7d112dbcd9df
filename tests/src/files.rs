//! Helpers for tests and benchmarks that move files: deterministic content of any size
//! (generated in chunks, never held whole), SHA-256 of streams, multipart uploads through
//! the web pages, and finding a person's "Mes documents".

use futures_util::{Stream, StreamExt};
use preau_app::App;
use preau_core::{NodeId, SpaceOwner, Subject, UserId};
use sha2::{Digest, Sha256};

/// Size of the chunks content is generated in.
pub const CHUNK: usize = 256 * 1024;

/// Deterministic pseudo-random bytes: chunk `index` of the content seeded by `seed`.
pub fn chunk(seed: u64, index: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let word = state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes();
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&word[..take]);
    }
    out
}

/// The chunks of a `size`-byte content.
pub fn chunks(seed: u64, size: u64) -> impl Iterator<Item = Vec<u8>> {
    let count = size.div_ceil(CHUNK as u64);
    (0..count).map(move |i| {
        let len = (size - i * CHUNK as u64).min(CHUNK as u64) as usize;
        chunk(seed, i, len)
    })
}

/// The whole content (small sizes only).
pub fn content(seed: u64, size: u64) -> Vec<u8> {
    chunks(seed, size).flatten().collect()
}

/// The SHA-256 (hex) of a `size`-byte content, computed chunk by chunk.
pub fn content_sha(seed: u64, size: u64) -> String {
    let mut hasher = Sha256::new();
    for c in chunks(seed, size) {
        hasher.update(&c);
    }
    hex(&hasher.finalize())
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 (hex) and length of a byte stream (a download), read chunk by chunk.
pub async fn stream_sha<E: std::fmt::Debug>(
    mut stream: impl Stream<Item = Result<impl AsRef<[u8]>, E>> + Unpin,
) -> (String, u64) {
    let mut hasher = Sha256::new();
    let mut len = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("download chunk");
        len += chunk.as_ref().len() as u64;
        hasher.update(chunk.as_ref());
    }
    (hex(&hasher.finalize()), len)
}

/// A request body streaming a `size`-byte content.
pub fn body(seed: u64, size: u64) -> reqwest::Body {
    let stream = futures_util::stream::iter(chunks(seed, size).map(Ok::<Vec<u8>, std::io::Error>));
    reqwest::Body::wrap_stream(stream)
}

/// Uploads one file into a folder through the web page's form (multipart, field
/// `fichiers`), the CSRF token in the address as the page's form does.
pub async fn upload(
    client: &reqwest::Client,
    base: &str,
    csrf: &str,
    folder: NodeId,
    name: &str,
    body: reqwest::Body,
    size: u64,
) -> reqwest::Response {
    let part = reqwest::multipart::Part::stream_with_length(body, size).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("fichiers", part);
    client
        .post(format!(
            "{base}/documents/dossier/{folder}/envoyer?_csrf={csrf}"
        ))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// The access-decision facts of an account.
pub fn subject(app: &App, user: UserId) -> Subject {
    let dir = app.directory();
    dir.subject(dir.user(user).expect("user"))
}

/// The top folder of a person's own space.
pub fn my_documents(app: &App, user: UserId) -> NodeId {
    app.ensure_space(SpaceOwner::Personal(user))
        .expect("space")
        .root
}

/// A PNG of `side` × `side` pixels carrying a text chunk (metadata the box must not serve).
pub fn png_with_text(side: u32, text: &str) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            raw.extend_from_slice(&[(x * 15) as u8, (y * 15) as u8, 200]);
        }
    }
    // zlib: one stored block, then the Adler-32 of the data.
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"tEXt", format!("Comment\0{text}").as_bytes());
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}
