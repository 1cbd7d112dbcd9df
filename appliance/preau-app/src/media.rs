//! What a file's bytes are, and safe derived forms of pictures.
//!
//! * [`detect_mime`] says what a file is from its first bytes (the name is only a fallback
//!   for formats without a signature, and never overrides the content).
//! * [`inline_kind`] is the allow-list of types a browser may show in the page; everything
//!   else is downloaded.
//! * [`reencode_image`] and [`thumbnail`] decode a picture (after checking its size from the
//!   header) and encode it again, so that what a browser shows is pixels we produced, without
//!   the uploader's metadata.
//! * [`Derived`] keeps those derived files on disk, next to the blobs.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use preau_core::documents::BlobId;
use std::fs;
use std::io::{self, BufRead, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest picture decoded, in pixels (width × height).
pub const MAX_PIXELS: u64 = 40_000_000;

/// How many bytes of a file [`detect_mime`] looks at.
pub const SNIFF_BYTES: usize = 8 * 1024;

const OCTET_STREAM: &str = "application/octet-stream";

/// Why a picture could not be re-encoded.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The header announces more pixels than allowed; nothing was decoded.
    #[error("image too large: {width}×{height} pixels")]
    TooManyPixels {
        /// Announced width.
        width: u32,
        /// Announced height.
        height: u32,
    },
    /// The bytes are not a picture we can decode (unknown format, corrupt data, limits).
    #[error("not a decodable image: {0}")]
    NotAnImage(String),
    /// Reading the source or writing the derived file failed.
    #[error("media I/O error: {0}")]
    Io(#[from] io::Error),
}

/// How an allow-listed type is shown in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inline {
    /// A raster picture; must be re-encoded ([`reencode_image`]) before being shown.
    Image,
    /// A PDF document, shown by the browser's viewer.
    Pdf,
    /// Plain text, served as UTF-8.
    Text,
    /// A sound file.
    Audio,
    /// A video file.
    Video,
}

/// The media type of a file, from its first bytes (`head`, up to [`SNIFF_BYTES`] are used)
/// and, for formats without a signature, its name's extension.
///
/// Markup wins over everything: bytes starting with `<svg`, `<html`, `<!doctype html`,
/// `<script`… are HTML or SVG whatever the name says. A name never makes bytes an image,
/// audio or video: those are only recognised from their signature.
pub fn detect_mime(name: &str, head: &[u8]) -> String {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if let Some(markup) = sniff_markup(head) {
        return markup.to_string();
    }
    let ext = extension(name);
    if let Some(kind) = infer::get(head) {
        let found = normalise(kind.mime_type());
        // Office files are ZIP or OLE containers; the signature alone may not say which.
        let family = match found {
            "application/zip" => Some(Container::Zip),
            "application/x-ole-storage" => Some(Container::Ole),
            _ => None,
        };
        if let Some(family) = family
            && let Some((by_name, container)) = office_type(&ext)
            && container == family
        {
            return by_name.to_string();
        }
        return found.to_string();
    }
    let by_name = match ext.as_str() {
        "txt" | "md" | "csv" if is_text(head) => "text/plain",
        "html" | "htm" | "xhtml" => "text/html",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        _ => office_type(&ext).map_or(OCTET_STREAM, |(mime, _)| mime),
    };
    by_name.to_string()
}

/// The way `mime` is shown in the page, or `None` when it must be downloaded.
///
/// Never SVG, HTML, XML or anything able to run script.
pub fn inline_kind(mime: &str) -> Option<Inline> {
    let essence = mime.split(';').next().unwrap_or("").trim();
    let essence = essence.to_ascii_lowercase();
    match essence.as_str() {
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" => {
            Some(Inline::Image)
        }
        "application/pdf" => Some(Inline::Pdf),
        "text/plain" => Some(Inline::Text),
        "audio/mpeg" | "audio/ogg" | "audio/wav" | "audio/x-wav" | "audio/webm" | "audio/mp4"
        | "audio/x-m4a" | "audio/m4a" => Some(Inline::Audio),
        "video/mp4" | "video/webm" | "video/ogg" => Some(Inline::Video),
        _ => None,
    }
}

/// Decodes a picture and encodes it again without any metadata: JPEG stays JPEG (quality
/// 85), everything else becomes PNG. Returns the bytes and their media type.
///
/// The size is read from the header first; more than `max_pixels` is refused with
/// [`MediaError::TooManyPixels`] before anything is decoded. EXIF orientation is applied to
/// the pixels, since the tag itself is dropped. Only the first frame of an animation is kept.
pub fn reencode_image(
    reader: impl BufRead + Seek,
    max_pixels: u64,
) -> Result<(Vec<u8>, &'static str), MediaError> {
    let (image, format) = decode_checked(reader, max_pixels)?;
    if format == ImageFormat::Jpeg {
        encode_jpeg(&image, 85)
    } else {
        encode_png(&image)
    }
}

/// A small version of a picture fitting in `max_side` × `max_side` (never enlarged): JPEG
/// quality 80, or PNG when it has transparent pixels. Same size check as [`reencode_image`].
pub fn thumbnail(
    reader: impl BufRead + Seek,
    max_side: u32,
    max_pixels: u64,
) -> Result<(Vec<u8>, &'static str), MediaError> {
    let (image, _) = decode_checked(reader, max_pixels)?;
    let side = max_side.max(1);
    let small = if image.width() > side || image.height() > side {
        image.resize(side, side, FilterType::Triangle)
    } else {
        image
    };
    if has_transparency(&small) {
        encode_png(&small)
    } else {
        encode_jpeg(&small, 80)
    }
}

/// The cache of derived files (previews, thumbnails) under `<data dir>/derived`.
///
/// Each entry is `derived/<kind>/<blob hex>`: one line with the media type, then the bytes.
/// Entries are written to a temporary file and renamed, so a reader never sees half a file.
/// Since blobs are content-addressed, an entry never goes stale.
#[derive(Debug, Clone)]
pub struct Derived {
    root: PathBuf,
}

/// Media types a cache entry may carry (others are recomputed on every call).
const CACHED_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Derived {
    /// Opens (creating it if needed) the cache directory `data_dir/derived`.
    pub fn open(data_dir: &Path) -> io::Result<Derived> {
        let root = data_dir.join("derived");
        fs::create_dir_all(&root)?;
        Ok(Derived { root })
    }

    /// The derived file `kind` ("preview", "thumb") of `blob`: read from the cache, or made
    /// by `make` and stored. `make` is not called on a cache hit.
    pub fn get_or_make<E: From<io::Error>>(
        &self,
        blob: &BlobId,
        kind: &'static str,
        make: impl FnOnce() -> Result<(Vec<u8>, &'static str), E>,
    ) -> Result<(Vec<u8>, &'static str), E> {
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(E::from(io::Error::new(
                io::ErrorKind::InvalidInput,
                "derived kind must be lower-case letters",
            )));
        }
        let dir = self.root.join(kind);
        // `hex()` is 64 hexadecimal digits: never a path separator or `..`.
        let hex = blob.hex();
        let path = dir.join(&hex);
        match fs::read(&path) {
            Ok(stored) => {
                if let Some(entry) = parse_entry(stored) {
                    return Ok(entry);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let (bytes, mime) = make()?;
        fs::create_dir_all(&dir)?;
        let temp = dir.join(format!(
            ".{hex}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = write_entry(&temp, mime, &bytes).and_then(|()| fs::rename(&temp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e.into());
        }
        Ok((bytes, mime))
    }
}

fn write_entry(path: &Path, mime: &str, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(mime.as_bytes())?;
    file.write_all(b"\n")?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn parse_entry(mut stored: Vec<u8>) -> Option<(Vec<u8>, &'static str)> {
    let newline = stored.iter().take(128).position(|&b| b == b'\n')?;
    let mime = CACHED_TYPES
        .iter()
        .copied()
        .find(|t| t.as_bytes() == &stored[..newline])?;
    stored.drain(..=newline);
    Some((stored, mime))
}

/// Opens the decoder, checks the announced size, then decodes.
fn decode_checked(
    mut reader: impl BufRead + Seek,
    max_pixels: u64,
) -> Result<(DynamicImage, ImageFormat), MediaError> {
    let mut image_reader = ImageReader::new(&mut reader).with_guessed_format()?;
    let format = match image_reader.format() {
        Some(
            f @ (ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp),
        ) => f,
        other => {
            return Err(MediaError::NotAnImage(format!(
                "unsupported format {other:?}"
            )));
        }
    };
    let mut limits = Limits::default();
    // The decoded buffer (at most 8 bytes per pixel for these formats) plus working room.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    image_reader.limits(limits);
    // Building the decoder reads the header only.
    let mut decoder = image_reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(MediaError::TooManyPixels { width, height });
    }
    if width == 0 || height == 0 {
        return Err(MediaError::NotAnImage("empty image".to_string()));
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    image.apply_orientation(orientation);
    Ok((image, format))
}

fn image_error(e: image::ImageError) -> MediaError {
    match e {
        image::ImageError::IoError(e) => MediaError::Io(e),
        other => MediaError::NotAnImage(other.to_string()),
    }
}

fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<(Vec<u8>, &'static str), MediaError> {
    let converted;
    let source = match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) => image,
        DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageLumaA16(_) => {
            converted = DynamicImage::ImageLuma8(image.to_luma8());
            &converted
        }
        _ => {
            converted = DynamicImage::ImageRgb8(image.to_rgb8());
            &converted
        }
    };
    let mut out = Vec::new();
    source
        .write_with_encoder(JpegEncoder::new_with_quality(&mut out, quality))
        .map_err(image_error)?;
    Ok((out, "image/jpeg"))
}

fn encode_png(image: &DynamicImage) -> Result<(Vec<u8>, &'static str), MediaError> {
    let converted;
    let source = match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_)
        | DynamicImage::ImageLuma16(_)
        | DynamicImage::ImageLumaA16(_)
        | DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgba16(_) => image,
        _ if image.color().has_alpha() => {
            converted = DynamicImage::ImageRgba8(image.to_rgba8());
            &converted
        }
        _ => {
            converted = DynamicImage::ImageRgb8(image.to_rgb8());
            &converted
        }
    };
    let mut out = Vec::new();
    source
        .write_with_encoder(PngEncoder::new(&mut out))
        .map_err(image_error)?;
    Ok((out, "image/png"))
}

/// Whether some pixel is not fully opaque (GIF and PNG decode to RGBA even when opaque).
fn has_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    match image {
        DynamicImage::ImageLumaA8(i) => i.pixels().any(|p| p.0[1] != u8::MAX),
        DynamicImage::ImageRgba8(i) => i.pixels().any(|p| p.0[3] != u8::MAX),
        DynamicImage::ImageLumaA16(i) => i.pixels().any(|p| p.0[1] != u16::MAX),
        DynamicImage::ImageRgba16(i) => i.pixels().any(|p| p.0[3] != u16::MAX),
        _ => true,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Zip,
    Ole,
}

/// Office and OpenDocument types by extension, with the container they come in.
fn office_type(ext: &str) -> Option<(&'static str, Container)> {
    use Container::{Ole, Zip};
    Some(match ext {
        "doc" => ("application/msword", Ole),
        "xls" => ("application/vnd.ms-excel", Ole),
        "ppt" => ("application/vnd.ms-powerpoint", Ole),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Zip,
        ),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Zip,
        ),
        "pptx" => (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Zip,
        ),
        "odt" => ("application/vnd.oasis.opendocument.text", Zip),
        "ods" => ("application/vnd.oasis.opendocument.spreadsheet", Zip),
        "odp" => ("application/vnd.oasis.opendocument.presentation", Zip),
        "odg" => ("application/vnd.oasis.opendocument.graphics", Zip),
        _ => return None,
    })
}

/// Registered names for the few non-standard ones `infer` returns.
fn normalise(mime: &'static str) -> &'static str {
    match mime {
        "text/xml" => "application/xml",
        "audio/m4a" => "audio/mp4",
        other => other,
    }
}

/// The lower-case extension of `name`, or "".
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext)) if ext.len() <= 16 => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Valid UTF-8 without NUL bytes; the last character may be cut by the end of `head`.
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// HTML, SVG or XML recognised at the start of the bytes (after byte-order marks and
/// whitespace), whatever the name says.
fn sniff_markup(head: &[u8]) -> Option<&'static str> {
    let mut rest = head;
    loop {
        if let Some(r) = rest.strip_prefix(b"\xEF\xBB\xBF") {
            rest = r;
        } else if let Some((first, r)) = rest.split_first()
            && matches!(first, b' ' | b'\t' | b'\n' | b'\r' | 0x0C)
        {
            rest = r;
        } else {
            break;
        }
    }
    let starts = |prefix: &[u8]| {
        rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if starts(b"<svg") || starts(b"<!doctype svg") {
        return Some("image/svg+xml");
    }
    const HTML: &[&[u8]] = &[
        b"<!doctype html",
        b"<html",
        b"<script",
        b"<head",
        b"<body",
        b"<iframe",
        b"<!--",
    ];
    if HTML.iter().any(|p| starts(p)) {
        return Some("text/html");
    }
    if starts(b"<?xml") {
        let lower = rest.to_ascii_lowercase();
        if lower.windows(4).any(|w| w == b"<svg") {
            return Some("image/svg+xml");
        }
        if lower.windows(5).any(|w| w == b"<html") {
            return Some("text/html");
        }
        return Some("application/xml");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};
    use std::io::Cursor;

    fn png_bytes(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 7u8]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode png");
        out
    }

    fn jpeg_bytes(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 7u8]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .expect("encode jpeg");
        out
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                let mask = (crc & 1).wrapping_neg();
                crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
        !crc
    }

    fn dimensions(bytes: &[u8]) -> (u32, u32) {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .expect("guess")
            .into_dimensions()
            .expect("dimensions")
    }

    #[test]
    fn detects_by_content() {
        assert_eq!(detect_mime("x.bin", &png_bytes(2, 2)), "image/png");
        assert_eq!(detect_mime("x", &jpeg_bytes(2, 2)), "image/jpeg");
        assert_eq!(
            detect_mime("devoir", b"%PDF-1.7\n%\xE2\xE3"),
            "application/pdf"
        );
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00a.txt";
        assert_eq!(detect_mime("archive.zip", zip), "application/zip");
        let mut mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
        mp3.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
        assert_eq!(detect_mime("chanson.mp3", &mp3), "audio/mpeg");
    }

    #[test]
    fn detects_opendocument_and_office_containers() {
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(0x1E, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(
            detect_mime("devoir.odt", &odt),
            "application/vnd.oasis.opendocument.text"
        );
        // Content decides even under another name.
        assert_eq!(
            detect_mime("devoir.zip", &odt),
            "application/vnd.oasis.opendocument.text"
        );
        // A generic ZIP named .docx is taken as DOCX (same container).
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00a.txt";
        assert_eq!(
            detect_mime("lettre.docx", zip),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
    }

    #[test]
    fn markup_wins_over_the_name() {
        assert_eq!(
            detect_mime("x.png", b"<!DOCTYPE html><p>hi</p>"),
            "text/html"
        );
        assert_eq!(
            detect_mime("x.png", b"\xEF\xBB\xBF  \n<script>alert(1)</script>"),
            "text/html"
        );
        assert_eq!(
            detect_mime("x.png", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            "image/svg+xml"
        );
        assert_eq!(
            detect_mime("x.jpg", b"<?xml version=\"1.0\"?>\n<svg onload=\"x\"/>"),
            "image/svg+xml"
        );
        assert_eq!(detect_mime("dessin.svg", b"<svg/>"), "image/svg+xml");
        assert_eq!(detect_mime("page.html", b"hello"), "text/html");
        assert_eq!(detect_mime("data.xml", b"<root/>"), "application/xml");
        // A name alone never makes an image.
        assert_eq!(detect_mime("x.png", b"hello"), OCTET_STREAM);
    }

    #[test]
    fn text_only_when_utf8() {
        assert_eq!(
            detect_mime("notes.txt", "Élève, été".as_bytes()),
            "text/plain"
        );
        assert_eq!(detect_mime("LISEZMOI.MD", b"# Titre"), "text/plain");
        assert_eq!(detect_mime("notes.csv", b"nom;prenom\n"), "text/plain");
        // Truncated in the middle of "é" (0xC3 0xA9).
        assert_eq!(detect_mime("notes.txt", b"abc\xC3"), "text/plain");
        assert_eq!(detect_mime("notes.txt", b"caf\xE9 cr\xE8me"), OCTET_STREAM);
        assert_eq!(detect_mime("notes.txt", b"a\0b"), OCTET_STREAM);
        assert_eq!(detect_mime("notes", b"plain words"), OCTET_STREAM);
        assert_eq!(detect_mime("", b""), OCTET_STREAM);
    }

    #[test]
    fn inline_allow_list() {
        assert_eq!(inline_kind("image/png"), Some(Inline::Image));
        assert_eq!(inline_kind("image/jpeg"), Some(Inline::Image));
        assert_eq!(inline_kind("application/pdf"), Some(Inline::Pdf));
        assert_eq!(inline_kind("text/plain"), Some(Inline::Text));
        assert_eq!(inline_kind("text/plain; charset=utf-8"), Some(Inline::Text));
        assert_eq!(inline_kind("audio/x-wav"), Some(Inline::Audio));
        assert_eq!(inline_kind("audio/mp4"), Some(Inline::Audio));
        assert_eq!(inline_kind("video/webm"), Some(Inline::Video));
        for never in [
            "image/svg+xml",
            "text/html",
            "application/xml",
            "text/xml",
            "application/xhtml+xml",
            "text/javascript",
            "application/octet-stream",
            "image/tiff",
            "",
        ] {
            assert_eq!(inline_kind(never), None, "{never}");
        }
    }

    #[test]
    fn reencoded_png_keeps_its_size() {
        let (bytes, mime) =
            reencode_image(Cursor::new(png_bytes(17, 9)), MAX_PIXELS).expect("reencode");
        assert_eq!(mime, "image/png");
        assert_eq!(dimensions(&bytes), (17, 9));
        let (bytes, mime) =
            reencode_image(Cursor::new(jpeg_bytes(20, 10)), MAX_PIXELS).expect("reencode");
        assert_eq!(mime, "image/jpeg");
        assert_eq!(dimensions(&bytes), (20, 10));
    }

    #[test]
    fn garbage_is_not_an_image() {
        assert!(matches!(
            reencode_image(Cursor::new(b"<svg/>".to_vec()), MAX_PIXELS),
            Err(MediaError::NotAnImage(_))
        ));
        let mut cut = png_bytes(40, 40);
        cut.truncate(60);
        assert!(reencode_image(Cursor::new(cut), MAX_PIXELS).is_err());
    }

    #[test]
    fn huge_header_is_refused_before_decoding() {
        let mut png = png_bytes(4, 4);
        // Signature (8), IHDR length (4), "IHDR" (4), width and height, then the CRC over
        // "IHDR" and its 13 data bytes at 29..33.
        assert_eq!(&png[12..16], b"IHDR");
        png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        match reencode_image(Cursor::new(png.clone()), MAX_PIXELS) {
            Err(MediaError::TooManyPixels { width, height }) => {
                assert_eq!((width, height), (50_000, 50_000));
            }
            other => panic!("expected TooManyPixels, got {other:?}"),
        }
        assert!(matches!(
            thumbnail(Cursor::new(png), 256, MAX_PIXELS),
            Err(MediaError::TooManyPixels { .. })
        ));
        // The limit is the caller's.
        assert!(matches!(
            reencode_image(Cursor::new(png_bytes(10, 10)), 99),
            Err(MediaError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn thumbnails_fit() {
        let (bytes, mime) =
            thumbnail(Cursor::new(png_bytes(600, 300)), 256, MAX_PIXELS).expect("thumb");
        assert_eq!(mime, "image/jpeg");
        assert_eq!(dimensions(&bytes), (256, 128));
        // Never enlarged.
        let (bytes, _) = thumbnail(Cursor::new(png_bytes(30, 40)), 256, MAX_PIXELS).expect("thumb");
        assert_eq!(dimensions(&bytes), (30, 40));
        // Transparency keeps PNG.
        let img = ImageBuffer::from_fn(300, 300, |x, _| Rgba([0u8, 0, 0, x as u8]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("encode");
        let (bytes, mime) = thumbnail(Cursor::new(png), 256, MAX_PIXELS).expect("thumb");
        assert_eq!(mime, "image/png");
        let (w, h) = dimensions(&bytes);
        assert!(w <= 256 && h <= 256);
    }

    #[test]
    fn derived_cache_makes_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let derived = Derived::open(dir.path()).expect("open");
        let blob = BlobId([0x5a; 32]);
        let mut calls = 0;
        let first = derived
            .get_or_make::<MediaError>(&blob, "thumb", || {
                calls += 1;
                Ok((vec![1, 2, 3, b'\n', 4], "image/png"))
            })
            .expect("make");
        let second = derived
            .get_or_make::<MediaError>(&blob, "thumb", || {
                calls += 1;
                Ok((vec![9], "image/jpeg"))
            })
            .expect("hit");
        assert_eq!(calls, 1);
        assert_eq!(first, second);
        assert_eq!(second, (vec![1, 2, 3, b'\n', 4], "image/png"));
        assert!(dir.path().join("derived/thumb").join(blob.hex()).exists());
        // Another kind is another entry; errors are passed through and nothing is stored.
        let err = derived.get_or_make(&blob, "preview", || {
            Err(MediaError::NotAnImage("x".to_string()))
        });
        assert!(matches!(err, Err(MediaError::NotAnImage(_))));
        assert!(!dir.path().join("derived/preview").join(blob.hex()).exists());
        assert!(
            derived
                .get_or_make::<MediaError>(&blob, "../x", || Ok((vec![], "image/png")))
                .is_err()
        );
    }
}
