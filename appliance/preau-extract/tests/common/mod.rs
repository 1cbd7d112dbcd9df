//! Fixture files, written by the tests themselves: minimal valid documents of every format
//! and the pieces hostile ones are made of.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// The test build of the extraction child (`src/bin/preau-extract-child.rs`).
pub fn child_exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_preau-extract-child"))
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs `f`, asserting it takes less than `max`.
pub fn quick<T>(what: &str, max: Duration, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    let took = started.elapsed();
    assert!(took < max, "{what} took {took:?}");
    out
}

/// The peak resident memory of this process, in bytes (Linux).
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A ZIP archive of `entries`, deflated, `mimetype` stored (as ODF and EPUB want).
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if *name == "mimetype" {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        zip.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

const ODF_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" office:version="1.3""#;

/// An OpenDocument file whose `office:body` holds `body`.
pub fn odf(mime: &str, body: &str) -> Vec<u8> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ODF_NS}>\
         <office:automatic-styles/><office:body>{body}</office:body></office:document-content>"
    );
    odf_with_content(mime, content.as_bytes())
}

/// An OpenDocument file with this exact `content.xml`.
pub fn odf_with_content(mime: &str, content: &[u8]) -> Vec<u8> {
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">\
         <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"{mime}\"/>\
         <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
         </manifest:manifest>"
    );
    zip(&[
        ("mimetype", mime.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content),
    ])
}

pub fn odt() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.text",
        "<office:text>\n  <text:h text:outline-level=\"1\">La fête de l’école</text:h>\n  \
         <text:p>Les élèves<text:s/>de CE2 préparent<text:tab/>un <text:span>spectacle</text:span>.</text:p>\n\
         </office:text>",
    )
}

pub fn ods() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        "<office:spreadsheet><table:table table:name=\"Notes\">\
         <table:table-row><table:table-cell office:value-type=\"string\"><text:p>Prénom</text:p></table:table-cell>\
         <table:table-cell office:value-type=\"string\"><text:p>Appréciation</text:p></table:table-cell></table:table-row>\
         <table:table-row><table:table-cell office:value-type=\"string\"><text:p>Zoé</text:p></table:table-cell>\
         <table:table-cell office:value-type=\"string\"><text:p>Très bien</text:p></table:table-cell></table:table-row>\
         </table:table></office:spreadsheet>",
    )
}

pub fn odp() -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.presentation",
        "<office:presentation><draw:page draw:name=\"page1\"><draw:frame><draw:text-box>\
         <text:p>Le cycle de l’eau</text:p><text:p>Évaporation, pluie, rivière</text:p>\
         </draw:text-box></draw:frame></draw:page></office:presentation>",
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

/// A Word document whose `w:body` holds `body`.
pub fn docx_with_body(body: &str) -> Vec<u8> {
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document \
         xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ])
}

pub fn docx() -> Vec<u8> {
    docx_with_body(
        "<w:p><w:r><w:t xml:space=\"preserve\">Dictée du </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>lundi</w:t></w:r></w:p>\
         <w:p><w:r><w:t xml:space=\"preserve\">Où est la forêt ? </w:t></w:r><w:r><w:tab/><w:t>Là-bas, près du château.</w:t></w:r></w:p>\
         <w:p><w:r><w:instrText>PAGE</w:instrText></w:r></w:p>",
    )
}

pub fn xlsx() -> Vec<u8> {
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="CM1" sheetId="1"/></sheets></workbook>"#;
    let strings = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Élève</t></si><si><r><t>Moy</t></r><r><t>enne</t></r></si></sst>"#;
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
        <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Appréciation</t></is></c></row>
        <row r="2"><c r="A2"><f>SUM(1,2)</f><v>12</v></c><c r="B2" t="inlineStr"><is><t>Très bien</t></is></c></row>
        </sheetData></worksheet>"#;
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/sharedStrings.xml", strings.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn slide(text: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><p:cSld><p:spTree><p:sp><p:txBody>\
         <a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    )
}

pub fn pptx() -> Vec<u8> {
    let presentation = r#"<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>"#;
    let (one, two, ten) = (
        slide("Les volcans"),
        slide("Éruption et lave"),
        slide("Quiz : à vous !"),
    );
    zip(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("ppt/presentation.xml", presentation.as_bytes()),
        ("ppt/slides/slide10.xml", ten.as_bytes()),
        ("ppt/slides/slide2.xml", two.as_bytes()),
        ("ppt/slides/slide1.xml", one.as_bytes()),
    ])
}

/// An EPUB whose spine lists `chapters` (file name, XHTML body) in that order.
pub fn epub_with(chapters: &[(&str, &str)]) -> Vec<u8> {
    let container = r#"<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>"#;
    let mut manifest = String::new();
    let mut spine = String::new();
    for (i, (name, _)) in chapters.iter().enumerate() {
        manifest.push_str(&format!(
            "<item id=\"c{i}\" href=\"text/{name}\" media-type=\"application/xhtml+xml\"/>"
        ));
        spine.push_str(&format!("<itemref idref=\"c{i}\"/>"));
    }
    let opf = format!(
        "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"id\">\
         <metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Contes</dc:title></metadata>\
         <manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    );
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("mimetype".into(), b"application/epub+zip".to_vec()),
        (
            "META-INF/container.xml".into(),
            container.as_bytes().to_vec(),
        ),
        ("OEBPS/content.opf".into(), opf.into_bytes()),
    ];
    for (name, body) in chapters {
        let xhtml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE html><html xmlns=\"http://www.w3.org/1999/xhtml\">\
             <head><title>{name}</title><style>p {{ margin: 0 }}</style></head><body>{body}</body></html>"
        );
        // Stored in reverse name order, so that only the spine gives the reading order.
        files.insert(3, (format!("OEBPS/text/{name}"), xhtml.into_bytes()));
    }
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip(&entries)
}

pub fn epub() -> Vec<u8> {
    epub_with(&[
        (
            "z-debut.xhtml",
            "<h1>Chapitre un</h1><p>Il était une fois une forêt&#160;enchantée&nbsp;!</p>",
        ),
        (
            "a-suite.xhtml",
            "<h1>Chapitre deux</h1><p>Le loup s’éloigna.</p>",
        ),
    ])
}

/// A PDF of these objects (the bodies of objects 1, 2…), with a correct cross-reference
/// table. Object 1 must be the catalog.
pub fn pdf_of(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object body.
pub fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(b"\nendstream");
    body
}

/// A PDF with one page per content stream, Helvetica in WinAnsi as `/F1`.
pub fn pdf_pages(contents: &[Vec<u8>]) -> Vec<u8> {
    let n = contents.len();
    // 1 catalog, 2 pages, 3 font, then page i at 4 + 2i and its content at 5 + 2i.
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ];
    for (i, content) in contents.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R >> >> >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        objects.push(stream("", content));
    }
    pdf_of(&objects)
}

/// The content stream showing `text` (a PDF string literal body).
pub fn show(text: &str) -> Vec<u8> {
    format!("BT /F1 12 Tf 72 712 Td ({text}) Tj ET").into_bytes()
}

pub fn pdf() -> Vec<u8> {
    pdf_pages(&[
        show("Bonjour les eleves"),
        show("La r\\351cr\\351ation de l\\222\\351cole"),
    ])
}

/// `n` bytes of zeros, deflated (zlib-wrapped when `zlib`), written in chunks.
pub fn deflated_zeros(n: u64, zlib: bool) -> Vec<u8> {
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    let mut feed = |w: &mut dyn Write| {
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..k]).unwrap();
            left -= k as u64;
        }
    };
    if zlib {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        feed(&mut enc);
        enc.finish().unwrap()
    } else {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        feed(&mut enc);
        enc.finish().unwrap()
    }
}

/// One entry of a hand-made ZIP archive: its sizes and CRC may lie.
pub struct RawEntry<'a> {
    pub name: &'a str,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: &'a [u8],
    pub declared_size: u64,
    pub crc: u32,
}

/// A ZIP archive written by hand, exactly as told (ZIP64 end records past 65 535 entries).
pub fn raw_zip(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        let declared = u32::try_from(e.declared_size).unwrap_or(u32::MAX);
        let header = |sig: &[u8], central: bool| {
            let mut h = sig.to_vec();
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&e.method.to_le_bytes());
            h.extend_from_slice(&0u32.to_le_bytes()); // time, date
            h.extend_from_slice(&e.crc.to_le_bytes());
            h.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            h.extend_from_slice(&declared.to_le_bytes());
            h.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&0u16.to_le_bytes()); // comment
                h.extend_from_slice(&0u16.to_le_bytes()); // disk
                h.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                h.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(e.name.as_bytes());
            h
        };
        out.extend_from_slice(&header(b"PK\x03\x04", false));
        out.extend_from_slice(e.data);
        central.extend_from_slice(&header(b"PK\x01\x02", true));
    }
    let cd_offset = out.len() as u64;
    let cd_size = central.len() as u64;
    out.extend_from_slice(&central);
    let count = entries.len() as u64;
    if count > 0xfffe {
        let eocd64 = out.len() as u64;
        out.extend_from_slice(b"PK\x06\x06");
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(b"PK\x06\x07");
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&eocd64.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    let small = u16::try_from(count)
        .ok()
        .filter(|&c| c < 0xffff)
        .unwrap_or(0xffff);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&small.to_le_bytes());
    out.extend_from_slice(&small.to_le_bytes());
    out.extend_from_slice(&u32::try_from(cd_size).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&u32::try_from(cd_offset).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
