//! Streaming, safe file responses: validators (ETag, Last-Modified), conditional requests,
//! single byte ranges, and headers that keep a hostile file or file name from running in the
//! site's origin.
//!
//! Handlers check access, open the blob and hand a [`Download`] to [`respond`]. The body is
//! read from the file in 256 KiB chunks as the client takes it: memory does not grow with
//! the file's size.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use http_range_header::{EndPosition, RangeUnsatisfiableError, StartPosition};
use preau_app::media::{Inline, inline_kind};
use std::io::{Seek, SeekFrom};
use time::OffsetDateTime;
use time::macros::format_description;
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

/// Chunk size of the streamed body.
const CHUNK: usize = 256 * 1024;

/// Files that are downloaded, and every inline type but PDF: a document with no rights at
/// all, in case a browser renders it anyway.
const SANDBOX_CSP: &str = "sandbox";

/// Inline files (other than PDF) may be framed by our own pages (previews).
const INLINE_CSP: &str = "sandbox; frame-ancestors 'self'";

/// PDF shown inline. Chrome draws a PDF through a synthetic page that embeds its viewer as a
/// plugin: with `sandbox` it shows nothing (plugins are disabled in sandboxed documents), and
/// with `object-src 'none'` the plugin data is refused. So PDF gets a strict policy without
/// `sandbox`: nothing may load but the PDF itself (`object-src 'self'`) and the viewer page's
/// inline styles. Scripts inside a PDF run in the viewer's own sandbox, not in our origin.
const PDF_CSP: &str = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// A file to send.
#[derive(Debug)]
pub struct Download {
    /// The open file (positioned anywhere; [`respond`] seeks).
    pub file: std::fs::File,
    /// Its size in bytes.
    pub size: u64,
    /// The blob's SHA-256 in hexadecimal, used as a strong entity tag.
    pub etag: String,
    /// The name as the user gave it (may be hostile: it is cleaned before use).
    pub name: String,
    /// The detected media type (`preau_app::media::detect_mime`).
    pub mime: String,
    /// Shown in the browser rather than downloaded; only honoured for the allow-list of
    /// [`preau_app::media::inline_kind`].
    pub inline: bool,
    /// Last modification, Unix seconds.
    pub modified: i64,
}

impl Download {
    /// A frozen file (attached to a message, a word, a session, a hand-in) served as an
    /// attachment, never inline.
    pub fn attachment(
        file: std::fs::File,
        name: String,
        blob: &preau_core::BlobId,
        size: u64,
        mime: String,
        modified: i64,
    ) -> Download {
        Download {
            file,
            size,
            etag: blob.hex(),
            name,
            mime,
            inline: false,
            modified,
        }
    }
}

/// The part of the file to send.
#[derive(Debug, PartialEq, Eq)]
enum Part {
    /// The whole file (200).
    Full,
    /// The inclusive byte range `start..=end` (206).
    Range(u64, u64),
    /// A range outside the file (416).
    Unsatisfiable,
}

/// The response for `d`: 200 with the file, 206 with one byte range, 304 when the client's
/// copy is current, 416 for a range outside the file. HEAD gets the same headers without a
/// body. `Cache-Control` is left to the caller (the site layer defaults to `no-store`).
pub async fn respond(method: &Method, headers: &HeaderMap, d: Download) -> Response {
    let etag = entity_tag(&d.etag);
    let last_modified = http_date(d.modified);
    let inline = d.inline && inline_kind(&d.mime).is_some();
    let mut out = HeaderMap::new();
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let csp = match (inline, inline_kind(&d.mime)) {
        (true, Some(Inline::Pdf)) => PDF_CSP,
        (true, _) => INLINE_CSP,
        (false, _) => SANDBOX_CSP,
    };
    out.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if let Some(tag) = etag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        out.insert(header::ETAG, tag);
    }
    if let Some(date) = last_modified
        .as_deref()
        .and_then(|t| HeaderValue::from_str(t).ok())
    {
        out.insert(header::LAST_MODIFIED, date);
    }
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));

    let safe = *method == Method::GET || *method == Method::HEAD;
    if safe
        && let Some(tag) = &etag
        && none_match(headers, tag)
    {
        return build(StatusCode::NOT_MODIFIED, out, Body::empty());
    }

    out.insert(header::CONTENT_TYPE, content_type(&d.mime, inline));
    out.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&d.name, inline),
    );

    // Ranges are only defined for GET (RFC 9110 §14.2).
    let part = if *method == Method::GET
        && if_range_holds(headers, etag.as_deref(), last_modified.as_deref())
    {
        requested_part(headers, d.size)
    } else {
        Part::Full
    };
    let (status, start, len) = match part {
        Part::Full => (StatusCode::OK, 0, d.size),
        Part::Range(start, end) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{}", d.size)) {
                out.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Part::Unsatisfiable => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", d.size)) {
                out.insert(header::CONTENT_RANGE, v);
            }
            out.remove(header::CONTENT_TYPE);
            out.remove(header::CONTENT_DISPOSITION);
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(0u64));
            return build(StatusCode::RANGE_NOT_SATISFIABLE, out, Body::empty());
        }
    };
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if *method == Method::HEAD || len == 0 {
        return build(status, out, Body::empty());
    }
    match stream(d.file, start, len) {
        Ok(body) => build(status, out, body),
        Err(e) => {
            tracing::warn!(error = %e, "cannot seek in a file to send");
            let mut h = HeaderMap::new();
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            build(StatusCode::INTERNAL_SERVER_ERROR, h, Body::empty())
        }
    }
}

fn build(status: StatusCode, headers: HeaderMap, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// `len` bytes from `start`, read as the client takes them.
fn stream(mut file: std::fs::File, start: u64, len: u64) -> std::io::Result<Body> {
    // A seek only moves the file offset: no blocking I/O.
    file.seek(SeekFrom::Start(start))?;
    let reader = tokio::fs::File::from_std(file).take(len);
    Ok(Body::from_stream(ReaderStream::with_capacity(
        reader, CHUNK,
    )))
}

/// `"<hex>"`, or `None` if the digest is not plain hexadecimal.
fn entity_tag(hex: &str) -> Option<String> {
    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("\"{hex}\""))
}

/// The IMF-fixdate form ("Sun, 06 Nov 1994 08:49:37 GMT") of a Unix time.
fn http_date(unix: i64) -> Option<String> {
    let date = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    if !(0..=9999).contains(&date.year()) {
        return None;
    }
    date.format(format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .ok()
}

/// Whether `If-None-Match` lists our tag (weak comparison) or is `*`.
fn none_match(headers: &HeaderMap, tag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|item| item == "*" || item.strip_prefix("W/").unwrap_or(item) == tag)
}

/// Whether a `Range` may be honoured: no `If-Range`, or one naming the current version
/// (strong comparison for entity tags, exact match for dates).
fn if_range_holds(headers: &HeaderMap, etag: Option<&str>, last_modified: Option<&str>) -> bool {
    let mut values = headers.get_all(header::IF_RANGE).iter();
    let Some(value) = values.next() else {
        return true;
    };
    if values.next().is_some() {
        return false;
    }
    let Ok(value) = value.to_str() else {
        return false;
    };
    let value = value.trim();
    if value.starts_with("W/") {
        false
    } else if value.starts_with('"') {
        Some(value) == etag
    } else {
        Some(value) == last_modified
    }
}

/// The part asked for by the `Range` header. Absent, malformed or multiple ranges give the
/// whole file (RFC 9110 allows ignoring Range).
fn requested_part(headers: &HeaderMap, size: u64) -> Part {
    let mut values = headers.get_all(header::RANGE).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Part::Full;
    };
    let Ok(value) = value.to_str() else {
        return Part::Full;
    };
    // The range unit is case-insensitive; the parser wants "bytes=".
    let Some(spec) = value
        .get(..6)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes="))
        .and_then(|_| value.get(6..))
    else {
        return Part::Full;
    };
    let parsed = match http_range_header::parse_range_header(&format!("bytes={spec}")) {
        Ok(parsed) => parsed,
        // "bytes=-0": a valid but empty suffix, unsatisfiable (RFC 9110 §14.1.1).
        Err(RangeUnsatisfiableError::ZeroSuffix) if !spec.contains(',') => {
            return Part::Unsatisfiable;
        }
        Err(_) => return Part::Full,
    };
    let [range] = parsed.ranges.as_slice() else {
        return Part::Full;
    };
    let last = size.checked_sub(1);
    match (range.start, range.end) {
        (StartPosition::Index(first), end) => {
            if let EndPosition::Index(end) = end
                && end < first
            {
                // Syntactically invalid (last < first): ignore the header.
                return Part::Full;
            }
            let Some(last) = last.filter(|&last| first <= last) else {
                return Part::Unsatisfiable;
            };
            let end = match end {
                EndPosition::Index(end) => end.min(last),
                EndPosition::LastByte => last,
            };
            Part::Range(first, end)
        }
        (StartPosition::FromLast(n), _) => match last {
            // An empty file has no byte to send: answer with the (empty) whole.
            None => Part::Full,
            Some(last) => Part::Range(size.saturating_sub(n), last),
        },
    }
}

/// The `Content-Type`: scriptable types become `application/octet-stream` when downloaded;
/// inline text is declared UTF-8.
fn content_type(mime: &str, inline: bool) -> HeaderValue {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let chosen = if inline {
        match inline_kind(&essence) {
            Some(Inline::Text) => "text/plain; charset=utf-8".to_string(),
            _ => essence,
        }
    } else if scriptable(&essence) {
        "application/octet-stream".to_string()
    } else {
        essence
    };
    if chosen.contains('/')
        && let Ok(v) = HeaderValue::from_str(&chosen)
    {
        return v;
    }
    HeaderValue::from_static("application/octet-stream")
}

/// Types a browser could run script in or render as a document of our origin.
fn scriptable(essence: &str) -> bool {
    matches!(
        essence,
        "text/html"
            | "application/xhtml+xml"
            | "image/svg+xml"
            | "application/xml"
            | "text/xml"
            | "text/xsl"
            | "application/xslt+xml"
            | "application/x-shockwave-flash"
    ) || essence.ends_with("+xml")
        || essence.contains("html")
        || essence.contains("javascript")
        || essence.contains("ecmascript")
        || essence.starts_with("multipart/")
}

/// `attachment` or `inline` with both an ASCII `filename` and an RFC 8187 `filename*`.
fn content_disposition(name: &str, inline: bool) -> HeaderValue {
    let name = preau_core::documents::served_name(name);
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use std::io::Write;
    use std::sync::atomic::{AtomicU32, Ordering};

    const CONTENT: &[u8] = b"0123456789";
    const HEX: &str = "ab12";

    fn file(content: &[u8]) -> std::fs::File {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "preau-download-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .expect("create");
        std::fs::remove_file(&path).expect("unlink");
        f.write_all(content).expect("write");
        f
    }

    fn download(name: &str, mime: &str, inline: bool) -> Download {
        Download {
            file: file(CONTENT),
            size: CONTENT.len() as u64,
            etag: HEX.to_string(),
            name: name.to_string(),
            mime: mime.to_string(),
            inline,
            modified: 784_111_777,
        }
    }

    fn request(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    async fn get(pairs: &[(header::HeaderName, &str)], d: Download) -> (Response, Vec<u8>) {
        let response = respond(&Method::GET, &request(pairs), d).await;
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.expect("body");
        (Response::from_parts(parts, Body::empty()), bytes.to_vec())
    }

    fn value_of(r: &Response, name: header::HeaderName) -> &str {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn percent_decode(s: &str) -> Vec<u8> {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        out
    }

    #[tokio::test]
    async fn whole_file_with_headers() {
        let (r, body) = get(&[], download("notes.txt", "text/plain", true)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body, CONTENT);
        assert_eq!(value_of(&r, header::CONTENT_LENGTH), "10");
        assert_eq!(value_of(&r, header::ETAG), "\"ab12\"");
        assert_eq!(
            value_of(&r, header::LAST_MODIFIED),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(value_of(&r, header::ACCEPT_RANGES), "bytes");
        assert_eq!(value_of(&r, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(
            value_of(&r, header::CONTENT_TYPE),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            value_of(&r, header::CONTENT_DISPOSITION),
            "inline; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
        );
        assert!(value_of(&r, header::CONTENT_SECURITY_POLICY).starts_with("sandbox"));
    }

    #[tokio::test]
    async fn single_ranges() {
        for (range, status, content_range, expected) in [
            ("bytes=2-5", 206, "bytes 2-5/10", &b"2345"[..]),
            ("bytes=-3", 206, "bytes 7-9/10", b"789"),
            ("bytes=5-", 206, "bytes 5-9/10", b"56789"),
            ("bytes=8-100", 206, "bytes 8-9/10", b"89"),
            ("bytes=-100", 206, "bytes 0-9/10", CONTENT),
            ("BYTES=0-0", 206, "bytes 0-0/10", b"0"),
            ("bytes=0-1,4-5", 200, "", CONTENT),
            ("bytes=5-2", 200, "", CONTENT),
            ("bytes=x", 200, "", CONTENT),
            ("items=0-1", 200, "", CONTENT),
        ] {
            let (r, body) = get(
                &[(header::RANGE, range)],
                download("a.pdf", "application/pdf", false),
            )
            .await;
            assert_eq!(r.status().as_u16(), status, "{range}");
            assert_eq!(
                value_of(&r, header::CONTENT_RANGE),
                content_range,
                "{range}"
            );
            assert_eq!(body, expected, "{range}");
            assert_eq!(
                value_of(&r, header::CONTENT_LENGTH),
                expected.len().to_string(),
                "{range}"
            );
        }
    }

    #[tokio::test]
    async fn unsatisfiable_ranges() {
        for range in ["bytes=10-", "bytes=20-30", "bytes=-0"] {
            let (r, body) = get(
                &[(header::RANGE, range)],
                download("a.pdf", "application/pdf", false),
            )
            .await;
            assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
            assert_eq!(value_of(&r, header::CONTENT_RANGE), "bytes */10");
            assert!(body.is_empty());
        }
    }

    #[tokio::test]
    async fn not_modified() {
        for inm in ["\"ab12\"", "W/\"ab12\"", "\"other\", \"ab12\"", "*"] {
            let (r, body) = get(
                &[(header::IF_NONE_MATCH, inm)],
                download("a.pdf", "application/pdf", false),
            )
            .await;
            assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{inm}");
            assert_eq!(value_of(&r, header::ETAG), "\"ab12\"");
            assert!(body.is_empty());
        }
        let (r, _) = get(
            &[(header::IF_NONE_MATCH, "\"other\"")],
            download("a.pdf", "application/pdf", false),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn if_range() {
        let d = || download("a.pdf", "application/pdf", false);
        let (r, body) = get(
            &[(header::RANGE, "bytes=2-5"), (header::IF_RANGE, "\"old\"")],
            d(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body, CONTENT);
        let (r, _) = get(
            &[
                (header::RANGE, "bytes=2-5"),
                (header::IF_RANGE, "W/\"ab12\""),
            ],
            d(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let (r, body) = get(
            &[(header::RANGE, "bytes=2-5"), (header::IF_RANGE, "\"ab12\"")],
            d(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(body, b"2345");
        let (r, _) = get(
            &[
                (header::RANGE, "bytes=2-5"),
                (header::IF_RANGE, "Sun, 06 Nov 1994 08:49:37 GMT"),
            ],
            d(),
        )
        .await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    }

    #[tokio::test]
    async fn head_has_headers_only() {
        let response = respond(
            &Method::HEAD,
            &request(&[(header::RANGE, "bytes=2-5")]),
            download("a.pdf", "application/pdf", true),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(value_of(&response, header::CONTENT_LENGTH), "10");
        assert_eq!(value_of(&response, header::CONTENT_TYPE), "application/pdf");
        assert!(!value_of(&response, header::CONTENT_SECURITY_POLICY).contains("sandbox"));
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn empty_file() {
        let mut d = download("vide.txt", "text/plain", false);
        d.file = file(b"");
        d.size = 0;
        let (r, body) = get(&[], d).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(value_of(&r, header::CONTENT_LENGTH), "0");
        assert!(body.is_empty());
    }

    #[tokio::test]
    async fn hostile_names() {
        let long = format!("{}.pdf", "é".repeat(300));
        for name in [
            "../../etc/passwd",
            "a\0b",
            "photo\u{202E}gnp.exe",
            long.as_str(),
            "\"quoted\" \\back\\ 100%.txt",
            "",
        ] {
            let (r, _) = get(&[], download(name, "application/pdf", false)).await;
            let value = value_of(&r, header::CONTENT_DISPOSITION).to_string();
            assert!(HeaderValue::from_str(&value).is_ok(), "{name:?}");
            assert!(value.starts_with("attachment; filename=\""), "{value}");
            let (fallback, star) = value
                .split_once("\"; filename*=UTF-8''")
                .expect("both parameters");
            let fallback = &fallback["attachment; filename=\"".len()..];
            assert!(!fallback.contains(['"', '\\', '/']), "{fallback}");
            assert!(fallback.is_ascii());
            let decoded = String::from_utf8(percent_decode(star)).expect("utf-8");
            assert!(
                !decoded.contains(['/', '\\', '\0', '\u{202E}']),
                "{decoded:?}"
            );
            assert!(!decoded.is_empty());
            assert!(decoded.len() <= 255, "{}", decoded.len());
            if name == long {
                assert!(decoded.ends_with(".pdf"));
            }
        }
        let (r, _) = get(&[], download("photo\u{202E}gnp.exe", "x/y", false)).await;
        assert!(
            value_of(&r, header::CONTENT_DISPOSITION).contains("filename*=UTF-8''photo_gnp.exe")
        );
    }

    #[tokio::test]
    async fn scriptable_attachments_are_neutralised() {
        for mime in [
            "text/html",
            "image/svg+xml",
            "application/xml",
            "text/javascript",
        ] {
            let (r, body) = get(&[], download("page.html", mime, false)).await;
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(body, CONTENT);
            assert_eq!(
                value_of(&r, header::CONTENT_TYPE),
                "application/octet-stream",
                "{mime}"
            );
            assert_eq!(value_of(&r, header::CONTENT_SECURITY_POLICY), "sandbox");
            assert!(value_of(&r, header::CONTENT_DISPOSITION).starts_with("attachment;"));
        }
        // Asking for HTML inline is refused: it is downloaded instead.
        let (r, _) = get(&[], download("page.html", "text/html", true)).await;
        assert_eq!(
            value_of(&r, header::CONTENT_TYPE),
            "application/octet-stream"
        );
        assert!(value_of(&r, header::CONTENT_DISPOSITION).starts_with("attachment;"));
        assert_eq!(value_of(&r, header::CONTENT_SECURITY_POLICY), "sandbox");
        // Harmless types keep theirs.
        let (r, _) = get(
            &[],
            download("a.odt", "application/vnd.oasis.opendocument.text", false),
        )
        .await;
        assert_eq!(
            value_of(&r, header::CONTENT_TYPE),
            "application/vnd.oasis.opendocument.text"
        );
    }

    #[tokio::test]
    async fn large_file_streams_in_chunks() {
        let content: Vec<u8> = (0..(3 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        let mut d = download("big.bin", "application/octet-stream", false);
        d.file = file(&content);
        d.size = content.len() as u64;
        let (r, body) = get(&[(header::RANGE, "bytes=100-")], d).await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(body, &content[100..]);
    }
}
