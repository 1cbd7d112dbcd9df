//! Bulk import into the library: a folder of files or a zip, with an optional CSV of
//! metadata (one line per file, columns found by their header's name, `;` or `,`). Files
//! without a line get their title from their name and their kind from their type.
//!
//! A zip is read with bounded parsing: at most [`MAX_ENTRIES`] files, each within the file
//! size limit (counted as it inflates, whatever the archive declares). Names inside the
//! archive are labels only: the last part of the name becomes the title, never a path.

use crate::documents::Received;
use crate::library::ResourceForm;
use crate::{App, AppError, Problem};
use preau_core::{Discipline, Level, ResourceId, ResourceKind, Subject};
use std::collections::HashMap;
use std::io::{Read, Seek};

/// Largest CSV file of metadata, in bytes.
pub const MAX_CSV: u64 = 1024 * 1024;
/// Most files taken from one zip.
pub const MAX_ENTRIES: usize = 1000;
/// Most bytes inflated from one zip (counted as they come, whatever it declares).
pub const MAX_INFLATED: u64 = 4 * 1024 * 1024 * 1024;

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// Published resources, in the order of the files.
    pub created: Vec<(ResourceId, String)>,
    /// Files left out, with the reason.
    pub skipped: Vec<(String, Problem)>,
}

/// The metadata of one file, from the CSV.
#[derive(Clone, Debug, Default)]
struct Line {
    title: String,
    description: String,
    levels: Vec<Level>,
    disciplines: Vec<Discipline>,
    kind: Option<ResourceKind>,
    author: String,
    licence: String,
}

/// Lower-case, accents folded, letters only: the key a header is recognised by.
fn header_key(header: &str) -> String {
    let folded: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    folded
}

/// The last part of a name inside an archive or a folder ("cp/maths/fiche.pdf" → "fiche.pdf").
pub fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Reads the metadata CSV: file name (base name, case-insensitive) → line.
fn read_csv(text: &str) -> Result<HashMap<String, Line>, AppError> {
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() >= first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| AppError::Invalid(Problem::CsvHeader))?
        .iter()
        .map(header_key)
        .collect();
    let column = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let file = column(&["fichier", "nomdufichier", "file", "filename"])
        .ok_or(AppError::Invalid(Problem::CsvHeader))?;
    let title = column(&["titre", "title"]);
    let description = column(&["description", "resume"]);
    let levels = column(&["niveaux", "niveau", "levels"]);
    let disciplines = column(&["matieres", "matiere", "disciplines", "discipline"]);
    let kind = column(&["type", "genre"]);
    let author = column(&["auteur", "auteurs", "author"]);
    let licence = column(&["licence", "license"]);
    let mut out = HashMap::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
        let list = |i: Option<usize>| {
            cell(i)
                .split(['|', ',', '/', '+'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let name = base_name(cell(Some(file))).to_lowercase();
        if name.is_empty() {
            continue;
        }
        out.insert(
            name,
            Line {
                title: cell(title).to_string(),
                description: cell(description).to_string(),
                levels: list(levels)
                    .iter()
                    .filter_map(|l| Level::from_code(l))
                    .collect(),
                disciplines: list(disciplines)
                    .iter()
                    .filter_map(|d| Discipline::parse(d))
                    .collect(),
                kind: ResourceKind::parse(cell(kind)),
                author: cell(author).to_string(),
                licence: cell(licence).to_string(),
            },
        );
    }
    Ok(out)
}

/// The kind a file gets when the CSV says nothing.
fn kind_of(mime: &str) -> ResourceKind {
    match mime {
        m if m.starts_with("image/") => ResourceKind::Image,
        m if m.starts_with("audio/") => ResourceKind::Audio,
        m if m.starts_with("video/") => ResourceKind::Video,
        _ => ResourceKind::Worksheet,
    }
}

/// A title made from a file name: "le-cycle_de_l'eau.pdf" → "le cycle de l'eau".
fn title_of(name: &str) -> String {
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    stem.replace(['_', '-'], " ").trim().to_string()
}

impl App {
    /// Publishes received files as resources, with the metadata of the CSV file (received
    /// too: UTF-8, UTF-16 or Windows-1252, at most [`MAX_CSV`]) where it has a line for them.
    pub fn import_resources(
        &self,
        me: &Subject,
        files: &[(String, Received)],
        csv: Option<&Received>,
    ) -> Result<ImportReport, AppError> {
        if !self.may_publish(me) {
            return Err(AppError::Forbidden);
        }
        let text = match csv {
            Some(received) if received.blob.size > MAX_CSV => {
                return Err(AppError::Invalid(Problem::FileTooLarge(MAX_CSV)));
            }
            Some(received) => {
                let mut bytes = Vec::new();
                self.open_blob(&received.blob.id)?
                    .take(MAX_CSV)
                    .read_to_end(&mut bytes)
                    .map_err(|e| AppError::Disk(e.to_string()))?;
                preau_provision::onde::decode_export(&bytes)
            }
            None => String::new(),
        };
        let lines = if text.trim().is_empty() {
            HashMap::new()
        } else {
            read_csv(&text)?
        };
        let mut report = ImportReport::default();
        for (name, received) in files {
            let name = base_name(name);
            let line = lines.get(&name.to_lowercase()).cloned().unwrap_or_default();
            let kind = match line.kind {
                Some(ResourceKind::Link) | None => kind_of(&received.mime),
                Some(k) => k,
            };
            let form = ResourceForm {
                title: if line.title.is_empty() {
                    title_of(name)
                } else {
                    line.title
                },
                description: line.description,
                levels: line.levels,
                disciplines: line.disciplines,
                kind: Some(kind),
                author: line.author,
                licence: line.licence,
                url: String::new(),
            };
            match self.publish_resource(me, &form, Some((name, received))) {
                Ok(r) => report.created.push((r.id, r.title)),
                Err(AppError::Invalid(p)) => report.skipped.push((name.to_string(), p)),
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// Reads the files of a zip into the blob store, bounded (see the module's doc).
    /// Folders and hidden files (`.DS_Store`, `__MACOSX/`) are skipped.
    pub fn unzip_for_import(
        &self,
        archive: impl Read + Seek,
    ) -> Result<Vec<(String, Received)>, AppError> {
        let refused = |_| AppError::Invalid(Problem::Archive);
        let mut zip = zip::ZipArchive::new(archive).map_err(refused)?;
        if zip.len() > MAX_ENTRIES {
            return Err(AppError::Invalid(Problem::Archive));
        }
        let mut out = Vec::new();
        let mut inflated = 0u64;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).map_err(refused)?;
            let full = entry.name().map_err(refused)?.to_string();
            let name = base_name(&full).to_string();
            if entry.is_dir()
                || name.is_empty()
                || name.starts_with('.')
                || full.contains("__MACOSX")
            {
                continue;
            }
            let mut incoming = self.incoming(&name)?;
            let mut buffer = vec![0u8; 256 * 1024];
            loop {
                let n = entry
                    .read(&mut buffer)
                    .map_err(|_| AppError::Invalid(Problem::Archive))?;
                if n == 0 {
                    break;
                }
                inflated += n as u64;
                if inflated > MAX_INFLATED {
                    return Err(AppError::Invalid(Problem::Archive));
                }
                incoming.write(&buffer[..n])?;
            }
            out.push((name, incoming.finish()?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_are_found_by_name_whatever_the_order_and_separator() {
        let text = "\u{feff}Titre;Fichier;Niveaux;Matières;Type\nLe cycle de l'eau;cp/eau.pdf;CP|CE1;Sciences;fiche\n";
        let lines = read_csv(text).expect("csv");
        let line = &lines["eau.pdf"];
        assert_eq!(line.title, "Le cycle de l'eau");
        assert_eq!(line.levels, vec![Level::Cp, Level::Ce1]);
        assert_eq!(line.disciplines, vec![Discipline::Science]);
        assert_eq!(line.kind, Some(ResourceKind::Worksheet));
        let comma = read_csv("fichier,titre\nx.png,Un dessin\n").expect("csv");
        assert_eq!(comma["x.png"].title, "Un dessin");
        assert!(matches!(
            read_csv("titre;niveau\na;CP\n"),
            Err(AppError::Invalid(Problem::CsvHeader))
        ));
    }

    #[test]
    fn names_from_archives_are_labels_only() {
        assert_eq!(base_name("../../etc/passwd"), "passwd");
        assert_eq!(base_name("cp\\maths\\fiche.pdf"), "fiche.pdf");
        assert_eq!(title_of("le-cycle_de_l'eau.pdf"), "le cycle de l'eau");
        assert_eq!(kind_of("image/png"), ResourceKind::Image);
    }
}
