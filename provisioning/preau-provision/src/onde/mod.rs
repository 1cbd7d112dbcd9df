//! Import of the school's ONDE (« Base Élèves ») CSV exports: pupils, legal guardians and
//! teachers.
//!
//! A pure library: bytes in, typed records out, nothing applied. [`parse`] reads one export
//! whatever its year of ONDE: the encoding is detected (UTF-8 with or without its byte-order
//! mark, else Windows-1252, which agrees with ISO-8859-1 on every printable character), the
//! separator too (`;`, `,` or tab, from the header line), quoted fields may hold separators,
//! doubled quotes and line breaks, lines end in CRLF or LF. Columns are found by their
//! normalised header name (case, accents, punctuation and little words do not matter), never
//! by position; unknown columns are listed and ignored; a missing required column is an error
//! naming it in French. The kind of file (pupils, guardians, teachers) is recognised from its
//! headers. Guardians come either one row per guardian (with the child's name, birth date or
//! INE, or several numbered groups of child columns) or one row per child with numbered groups
//! of guardian columns (« Nom responsable 1 », « Courriel responsable 2 »…).
//!
//! Malformed lines (wrong number of fields, unreadable date, empty name…) are reported in
//! [`OndeFile::problems`] with their line number in the file (the header is line 1, and a
//! quoted field spanning two lines counts two) and skipped. Pupils that appear twice (same
//! names and birth date, or same INE) are merged and the merge is reported; a guardian
//! repeated for each of their children becomes one guardian with all the children.
//!
//! [`OndeImport::combine`] joins the files of one school, and [`preview`] says what importing
//! them would create, change and archive in the current directory.
//!
//! Input is bounded: [`MAX_BYTES`], [`MAX_ROWS`], [`MAX_FIELDS`] and [`MAX_FIELD_BYTES`]; no
//! input makes it panic (see `tests/onde.rs` and the fuzz target in `fuzz/`).

mod columns;
mod merge;
mod preview;
mod text;

pub use preview::{
    Current, FieldChange, PlannedArchive, PlannedChange, PlannedCreate, Preview, PreviewWarning,
    Source, preview,
};

use columns::{Field, Layout, Side};
use preau_core::Level;
use serde::{Deserialize, Serialize};
use time::Date;

/// The largest export read: 20 MiB (a large school's pupils file is well under 1 MiB).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
/// The most data rows read from one file.
pub const MAX_ROWS: usize = 20_000;
/// The most fields on one line (header included).
pub const MAX_FIELDS: usize = 256;
/// The longest field, in bytes once decoded.
pub const MAX_FIELD_BYTES: usize = 1_024;

/// The three kinds of ONDE export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileKind {
    /// The pupils (« élèves »).
    Pupils,
    /// The legal guardians (« responsables légaux »).
    Guardians,
    /// The teachers (« enseignants »).
    Teachers,
}

impl FileKind {
    /// The French name shown to the headteacher.
    pub fn label_fr(self) -> &'static str {
        match self {
            FileKind::Pupils => "élèves",
            FileKind::Guardians => "responsables légaux",
            FileKind::Teachers => "enseignants",
        }
    }
}

/// How the file was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's « CSV UTF-8 »).
    Utf8WithBom,
    /// UTF-16 with a byte-order mark (Excel's « texte Unicode »).
    Utf16,
    /// Windows-1252, read for anything that is not valid UTF-8 (ONDE's ISO-8859-1 exports).
    Windows1252,
}

/// A pupil's sex as ONDE records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    /// « F ».
    Female,
    /// « M ».
    Male,
}

/// One pupil of a pupils export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndePupil {
    /// The line of the file it was read from (the first one when merged).
    pub line: usize,
    /// Family name (« nom de famille »); the usage name when the file has only that.
    pub last_name: String,
    /// Usage name (« nom d'usage ») when the file gives one that differs.
    pub usage_name: Option<String>,
    /// First names, the usual one first; never empty.
    pub first_names: Vec<String>,
    /// Birth date.
    pub birth_date: Date,
    /// Sex, when given and readable.
    pub sex: Option<Sex>,
    /// The national pupil identifier (INE), upper case, when given.
    pub ine: Option<String>,
    /// The class's name (« CE1-CE2 A »), when given.
    pub class_label: Option<String>,
    /// ONDE's class identifier, when given.
    pub class_id: Option<String>,
    /// The level, when given and readable.
    pub level: Option<Level>,
}

impl OndePupil {
    /// The usual first name.
    pub fn first_name(&self) -> &str {
        self.first_names.first().map_or("", String::as_str)
    }

    /// The name the pupil goes by: the usage name, else the family name.
    pub fn name(&self) -> &str {
        self.usage_name.as_deref().unwrap_or(&self.last_name)
    }

    /// The key a guardian uses to point at this pupil.
    pub fn key(&self) -> ChildKey {
        ChildKey {
            last_name: self.name().to_owned(),
            first_name: self.first_name().to_owned(),
            birth_date: Some(self.birth_date),
            ine: self.ine.clone(),
        }
    }

    /// « Prénom NOM, né(e) le jj/mm/aaaa ».
    pub fn describe_fr(&self) -> String {
        format!(
            "{} {}, né(e) le {}",
            self.first_name(),
            self.name(),
            date_fr(self.birth_date)
        )
    }
}

/// How a guardians file names a child: by INE when it has it, else by names and birth date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildKey {
    /// The child's name (usage name when given, else family name).
    pub last_name: String,
    /// The child's first name.
    pub first_name: String,
    /// The child's birth date, when given.
    pub birth_date: Option<Date>,
    /// The child's INE, when given.
    pub ine: Option<String>,
}

impl ChildKey {
    /// Whether both keys name the same child: same INE, or (when either lacks one) the same
    /// folded names and birth dates that do not disagree.
    pub fn same_child(&self, other: &ChildKey) -> bool {
        if let (Some(a), Some(b)) = (&self.ine, &other.ine) {
            return a == b;
        }
        let dates = match (self.birth_date, other.birth_date) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        dates
            && fold_name(&self.first_name) == fold_name(&other.first_name)
            && fold_name(&self.last_name) == fold_name(&other.last_name)
    }

    /// Whether this key names the pupil.
    pub fn is(&self, pupil: &OndePupil) -> bool {
        if let (Some(a), Some(b)) = (&self.ine, &pupil.ine) {
            return a == b;
        }
        self.birth_date.is_none_or(|d| d == pupil.birth_date)
            && fold_name(&self.first_name) == fold_name(pupil.first_name())
            && (fold_name(&self.last_name) == fold_name(&pupil.last_name)
                || fold_name(&self.last_name) == fold_name(pupil.name()))
    }

    /// « Prénom NOM » (and the birth date when known).
    pub fn describe_fr(&self) -> String {
        match self.birth_date {
            Some(date) => format!(
                "{} {}, né(e) le {}",
                self.first_name,
                self.last_name,
                date_fr(date)
            ),
            None => format!("{} {}", self.first_name, self.last_name),
        }
    }
}

/// One legal guardian, with every child they are responsible for in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndeGuardian {
    /// The line of the file it was first read from.
    pub line: usize,
    /// Name (usage name when given).
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// E-mail address, lower case, when given and well formed.
    pub email: Option<String>,
    /// A telephone number: the mobile one when given, else home, else work.
    pub phone: Option<String>,
    /// The relationship as written (« Mère », « Père », « Tuteur »…).
    pub relation: Option<String>,
    /// The children, at least one.
    pub children: Vec<ChildKey>,
}

/// One teacher (or other adult of a teachers export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndeTeacher {
    /// The line of the file it was first read from.
    pub line: usize,
    /// Name (usage name when given).
    pub last_name: String,
    /// First name.
    pub first_name: String,
    /// E-mail address, lower case, when given and well formed.
    pub email: Option<String>,
    /// A telephone number, when given.
    pub phone: Option<String>,
    /// The function as written (« Directrice », « Adjoint »…), when given.
    pub function: Option<String>,
    /// The classes taught, as written (labels, else ONDE class identifiers).
    pub classes: Vec<String>,
}

/// A class found in the files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndeClass {
    /// ONDE's class identifier, when given.
    pub id: Option<String>,
    /// The class's name (its identifier when only that is given).
    pub label: String,
    /// The levels of its pupils, youngest first.
    pub levels: Vec<Level>,
    /// How many pupils of the pupils file are in it.
    pub pupils: usize,
}

/// A line that could not be read as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineProblem {
    /// The line in the file, 1-based, the header being line 1; a record whose quoted field
    /// spans several lines is at the line where it starts.
    pub line: usize,
    /// Whether the line was left out (`false`: kept, with the faulty value left out).
    pub skipped: bool,
    /// What is wrong, in French, for the headteacher.
    pub message_fr: String,
    /// The same in English.
    pub message_en: String,
}

/// Records found twice and merged into one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeNote {
    /// The lines merged, the kept one first.
    pub lines: Vec<usize>,
    /// What was merged, in French.
    pub message_fr: String,
    /// The same in English.
    pub message_en: String,
}

/// One export read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndeFile {
    /// The kind recognised from the headers (or asked for).
    pub kind: FileKind,
    /// The encoding detected.
    pub encoding: Encoding,
    /// The separator detected.
    pub separator: char,
    /// Data rows read (blank rows not counted), skipped ones included.
    pub rows: usize,
    /// Headers not used, as written.
    pub ignored_columns: Vec<String>,
    /// Lines skipped or partly read.
    pub problems: Vec<LineProblem>,
    /// Duplicates merged.
    pub merges: Vec<MergeNote>,
    /// Pupils (pupils file).
    pub pupils: Vec<OndePupil>,
    /// Guardians (guardians file).
    pub guardians: Vec<OndeGuardian>,
    /// Teachers (teachers file).
    pub teachers: Vec<OndeTeacher>,
    /// Classes named in the file.
    pub classes: Vec<OndeClass>,
}

/// The files of one school joined: what [`preview`] compares with the directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OndeImport {
    /// Pupils of every pupils file, duplicates merged.
    pub pupils: Vec<OndePupil>,
    /// Guardians of every guardians file, duplicates merged.
    pub guardians: Vec<OndeGuardian>,
    /// Teachers of every teachers file, duplicates merged.
    pub teachers: Vec<OndeTeacher>,
    /// Classes of every file.
    pub classes: Vec<OndeClass>,
    /// Every merge, those inside each file and those across files.
    pub merges: Vec<MergeNote>,
}

impl OndeImport {
    /// Joins files (problems stay with each [`OndeFile`]).
    pub fn combine(files: impl IntoIterator<Item = OndeFile>) -> OndeImport {
        let mut import = OndeImport::default();
        let mut pupils = Vec::new();
        let mut guardians = Vec::new();
        let mut teachers = Vec::new();
        let mut classes = Vec::new();
        for file in files {
            pupils.extend(file.pupils);
            guardians.extend(file.guardians);
            teachers.extend(file.teachers);
            classes.extend(file.classes);
            import.merges.extend(file.merges);
        }
        import.pupils = merge::pupils(pupils, &mut import.merges);
        import.guardians = merge::guardians(guardians);
        import.teachers = merge::teachers(teachers);
        import.classes = merge::classes(classes);
        import
    }

    /// The pupil a guardian's child key names, if it is in the import.
    pub fn find_pupil(&self, child: &ChildKey) -> Option<usize> {
        self.pupils.iter().position(|p| child.is(p))
    }
}

impl From<OndeFile> for OndeImport {
    fn from(file: OndeFile) -> OndeImport {
        OndeImport::combine([file])
    }
}

/// Why a file could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OndeError {
    /// Larger than [`MAX_BYTES`].
    #[error("Le fichier est trop gros ({size} octets, au plus {max}).")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// No header line.
    #[error("Le fichier est vide.")]
    Empty,
    /// More than [`MAX_ROWS`] rows.
    #[error("Le fichier a trop de lignes (au plus {max}).")]
    TooManyRows {
        /// The limit.
        max: usize,
    },
    /// A header with more than [`MAX_FIELDS`] columns.
    #[error("L'en-tête a trop de colonnes ({count}, au plus {max}).")]
    TooManyColumns {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The headers name neither pupils, guardians nor teachers.
    #[error(
        "Ce fichier n'est pas reconnu comme un export ONDE : la première ligne doit nommer les colonnes (Nom, Prénom, Date de naissance…)."
    )]
    UnknownKind,
    /// A required column is missing.
    #[error("Colonne obligatoire absente du fichier des {kind_fr} : « {column_fr} ».")]
    MissingColumn {
        /// The kind of file recognised.
        kind_fr: &'static str,
        /// The column, in French (« Date de naissance de l'élève »).
        column_fr: String,
        /// The column, in English.
        column_en: String,
    },
}

impl OndeError {
    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            OndeError::TooLarge { size, max } => {
                format!("The file is too large ({size} bytes, at most {max}).")
            }
            OndeError::Empty => "The file is empty.".to_owned(),
            OndeError::TooManyRows { max } => format!("The file has too many rows (at most {max})."),
            OndeError::TooManyColumns { count, max } => {
                format!("The header has too many columns ({count}, at most {max}).")
            }
            OndeError::UnknownKind => {
                "This file is not recognised as an ONDE export: its first line must name the columns."
                    .to_owned()
            }
            OndeError::MissingColumn { column_en, .. } => {
                format!("A required column is missing: {column_en}.")
            }
        }
    }
}

/// Decodes a spreadsheet's text export as ONDE exports are decoded: UTF-8 (with or without
/// its byte-order mark), UTF-16 with a byte-order mark, else Windows-1252 (Excel's « CSV »
/// on a French Windows).
pub fn decode_export(bytes: &[u8]) -> String {
    text::decode(bytes).0
}

/// Reads one ONDE export, recognising its kind from its headers.
pub fn parse(bytes: &[u8]) -> Result<OndeFile, OndeError> {
    parse_with(bytes, None)
}

/// Reads one ONDE export as the given kind (when the headteacher said which file it is).
pub fn parse_as(bytes: &[u8], kind: FileKind) -> Result<OndeFile, OndeError> {
    parse_with(bytes, Some(kind))
}

fn parse_with(bytes: &[u8], forced: Option<FileKind>) -> Result<OndeFile, OndeError> {
    if bytes.len() > MAX_BYTES {
        return Err(OndeError::TooLarge {
            size: bytes.len(),
            max: MAX_BYTES,
        });
    }
    let (decoded, encoding) = text::decode(bytes);
    let separator = text::detect_separator(&decoded);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.as_bytes());

    let mut lines = Lines {
        text: decoded.as_bytes(),
        at: 0,
        line: 1,
    };
    let mut records = reader.records();
    let headers: Vec<String> = loop {
        match records.next() {
            None => return Err(OndeError::Empty),
            Some(Err(_)) => return Err(OndeError::Empty),
            Some(Ok(record)) => {
                if record.len() > MAX_FIELDS {
                    return Err(OndeError::TooManyColumns {
                        count: record.len(),
                        max: MAX_FIELDS,
                    });
                }
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                break record
                    .iter()
                    .map(|h| h.chars().take(MAX_FIELD_BYTES).collect())
                    .collect();
            }
        }
    };
    let width = headers.len()
        - headers
            .iter()
            .rev()
            .take_while(|h| h.trim().is_empty())
            .count();
    let layout = columns::layout(&headers, forced).ok_or(OndeError::UnknownKind)?;
    if let Some((field, whose_fr, whose_en)) = layout.missing() {
        return Err(OndeError::MissingColumn {
            kind_fr: layout.kind.label_fr(),
            column_fr: format!("{} {whose_fr}", field.label_fr()),
            column_en: format!("{} {whose_en}", field.label_en()),
        });
    }

    let mut reading = Reading {
        layout: &layout,
        problems: Vec::new(),
        pupils: Vec::new(),
        guardians: Vec::new(),
        teachers: Vec::new(),
    };
    let mut rows = 0;
    for result in records {
        let record = match result {
            Ok(record) => record,
            Err(_) => {
                // Cannot happen on decoded text; stop rather than guess.
                let line = lines.line;
                reading.problem(
                    line,
                    true,
                    "ligne illisible, la lecture s'arrête ici".to_owned(),
                    "unreadable line, reading stops here".to_owned(),
                );
                break;
            }
        };
        let line = lines.of(&record);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(OndeError::TooManyRows { max: MAX_ROWS });
        }
        if record.len() > MAX_FIELDS {
            reading.problem(
                line,
                true,
                format!("trop de champs ({}, au plus {MAX_FIELDS})", record.len()),
                format!("too many fields ({}, at most {MAX_FIELDS})", record.len()),
            );
            continue;
        }
        if let Some(position) = record.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
            reading.problem(
                line,
                true,
                format!(
                    "le champ n° {} est trop long (au plus {MAX_FIELD_BYTES} caractères)",
                    position + 1
                ),
                format!(
                    "field {} is too long (at most {MAX_FIELD_BYTES} bytes)",
                    position + 1
                ),
            );
            continue;
        }
        let used = record.len()
            - record
                .iter()
                .rev()
                .take_while(|f| f.trim().is_empty())
                .count();
        if record.len() < width || used > width {
            let count = if record.len() < width {
                record.len()
            } else {
                used
            };
            reading.problem(
                line,
                true,
                format!("la ligne a {count} champs au lieu de {width} (un séparateur en trop ou en moins ?)"),
                format!("the line has {count} fields instead of {width} (a separator too many or too few?)"),
            );
            continue;
        }
        let fields: Vec<&str> = record.iter().collect();
        match layout.kind {
            FileKind::Pupils => reading.pupil(line, &fields),
            FileKind::Guardians => reading.guardian_row(line, &fields),
            FileKind::Teachers => reading.teacher(line, &fields),
        }
    }

    let Reading {
        problems,
        pupils,
        guardians,
        teachers,
        ..
    } = reading;
    let mut merges = Vec::new();
    let pupils = merge::pupils(pupils, &mut merges);
    let guardians = merge::guardians(guardians);
    let teachers = merge::teachers(teachers);
    let classes = merge::classes_of(&pupils, &teachers);
    Ok(OndeFile {
        kind: layout.kind,
        encoding,
        separator: char::from(separator),
        rows,
        ignored_columns: layout.ignored.clone(),
        problems,
        merges,
        pupils,
        guardians,
        teachers,
        classes,
    })
}

/// Physical line numbers from the byte offsets the CSV reader gives (its own line count skips
/// blank lines, and a record's offset is where the previous one ended).
struct Lines<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn count_to(&mut self, end: usize) {
        let end = end.min(self.text.len());
        while self.at < end {
            match self.text[self.at] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(self.at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
    }

    /// The line where a record starts: after its offset, over the blank lines before it.
    fn of(&mut self, record: &csv::StringRecord) -> usize {
        let Some(position) = record.position() else {
            return self.line;
        };
        self.count_to(usize::try_from(position.byte()).unwrap_or(usize::MAX));
        while matches!(self.text.get(self.at), Some(b'\r' | b'\n')) {
            self.count_to(self.at + 1);
        }
        self.line
    }
}

/// `jj/mm/aaaa`.
pub(crate) fn date_fr(date: Date) -> String {
    format!(
        "{:02}/{:02}/{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// A name folded for comparisons: lower case, no accents, no punctuation.
pub(crate) fn fold_name(name: &str) -> String {
    text::fold(name)
}

/// Rows being read into records.
struct Reading<'a> {
    layout: &'a Layout,
    problems: Vec<LineProblem>,
    pupils: Vec<OndePupil>,
    guardians: Vec<OndeGuardian>,
    teachers: Vec<OndeTeacher>,
}

/// A person's names and contact read from one side of a row.
struct Person {
    last_name: String,
    usage_name: Option<String>,
    first_names: Vec<String>,
}

impl Reading<'_> {
    fn problem(&mut self, line: usize, skipped: bool, message_fr: String, message_en: String) {
        self.problems.push(LineProblem {
            line,
            skipped,
            message_fr,
            message_en,
        });
    }

    fn indexes(&self, side: Side, field: Field) -> &[usize] {
        self.layout
            .columns
            .get(&(side, field))
            .map_or(&[], Vec::as_slice)
    }

    /// The first non-empty value of a field.
    fn value(&self, fields: &[&str], side: Side, field: Field) -> Option<String> {
        self.indexes(side, field)
            .iter()
            .find_map(|&i| fields.get(i).and_then(|v| text::clean(v)))
    }

    /// Every non-empty value of a field.
    fn values(&self, fields: &[&str], side: Side, field: Field) -> Vec<String> {
        self.indexes(side, field)
            .iter()
            .filter_map(|&i| fields.get(i).and_then(|v| text::clean(v)))
            .collect()
    }

    /// Whether any column of the side has a value on this row.
    fn side_is_empty(&self, fields: &[&str], side: Side) -> bool {
        self.layout
            .columns
            .iter()
            .filter(|((s, _), _)| *s == side)
            .flat_map(|(_, indexes)| indexes)
            .all(|&i| fields.get(i).is_none_or(|v| v.trim().is_empty()))
    }

    fn person(&self, fields: &[&str], side: Side) -> Result<Person, (&'static str, &'static str)> {
        let last = self.value(fields, side, Field::LastName);
        let usage = self.value(fields, side, Field::UsageName);
        let (last_name, usage_name) = match (last, usage) {
            (Some(last), Some(usage)) if fold_name(&last) == fold_name(&usage) => (last, None),
            (Some(last), usage) => (last, usage),
            (None, Some(usage)) => (usage, None),
            (None, None) => return Err(("nom vide", "empty last name")),
        };
        let Some(first) = self.value(fields, side, Field::FirstName) else {
            return Err(("prénom vide", "empty first name"));
        };
        let mut first_names = vec![first];
        first_names.extend(self.values(fields, side, Field::OtherFirstName));
        Ok(Person {
            last_name,
            usage_name,
            first_names,
        })
    }

    fn phone(&self, fields: &[&str], side: Side) -> Option<String> {
        [Field::PhoneMobile, Field::PhoneHome, Field::PhoneWork]
            .into_iter()
            .find_map(|f| self.value(fields, side, f))
    }

    fn email(&mut self, line: usize, fields: &[&str], side: Side) -> Option<String> {
        let raw = self.value(fields, side, Field::Email)?;
        let email = text::parse_email(&raw);
        if email.is_none() {
            self.problem(
                line,
                false,
                format!("courriel illisible « {raw} », laissé de côté"),
                format!("unreadable e-mail address \"{raw}\", left out"),
            );
        }
        email
    }

    fn ine(&mut self, line: usize, fields: &[&str], side: Side) -> Option<String> {
        let raw = self.value(fields, side, Field::Ine)?;
        let ine: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if ine.len() != 11 || !ine.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.problem(
                line,
                false,
                format!("INE inhabituel « {raw} » (11 caractères attendus), gardé tel quel"),
                format!("unusual INE \"{raw}\" (11 characters expected), kept as is"),
            );
        }
        Some(ine)
    }

    fn pupil(&mut self, line: usize, fields: &[&str]) {
        let side = Side::Pupil(0);
        let person = match self.person(fields, side) {
            Ok(person) => person,
            Err((fr, en)) => {
                self.problem(
                    line,
                    true,
                    format!("{fr}, élève ignoré"),
                    format!("{en}, pupil skipped"),
                );
                return;
            }
        };
        let Some(raw_date) = self.value(fields, side, Field::BirthDate) else {
            self.problem(
                line,
                true,
                "date de naissance vide, élève ignoré".to_owned(),
                "empty birth date, pupil skipped".to_owned(),
            );
            return;
        };
        let Some(birth_date) = text::parse_date(&raw_date) else {
            self.problem(
                line,
                true,
                format!(
                    "date de naissance illisible « {raw_date} » (jj/mm/aaaa attendu), élève ignoré"
                ),
                format!(
                    "unreadable birth date \"{raw_date}\" (dd/mm/yyyy expected), pupil skipped"
                ),
            );
            return;
        };
        let sex = self.value(fields, side, Field::Sex).and_then(|raw| {
            let sex = text::parse_sex(&raw);
            if sex.is_none() {
                self.problem(
                    line,
                    false,
                    format!("sexe illisible « {raw} », laissé de côté"),
                    format!("unreadable sex \"{raw}\", left out"),
                );
            }
            sex
        });
        let level = self.value(fields, side, Field::Level).and_then(|raw| {
            let level = text::parse_level(&raw);
            if level.is_none() {
                self.problem(
                    line,
                    false,
                    format!("niveau inconnu « {raw} », laissé de côté"),
                    format!("unknown level \"{raw}\", left out"),
                );
            }
            level
        });
        let ine = self.ine(line, fields, side);
        let class_label = self.value(fields, side, Field::ClassLabel);
        let class_id = self.value(fields, side, Field::ClassId);
        self.pupils.push(OndePupil {
            line,
            last_name: person.last_name,
            usage_name: person.usage_name,
            first_names: person.first_names,
            birth_date,
            sex,
            ine,
            class_label,
            class_id,
            level,
        });
    }

    fn child(&mut self, line: usize, fields: &[&str], group: u8) -> Option<ChildKey> {
        let side = Side::Pupil(group);
        if self.side_is_empty(fields, side) {
            return None;
        }
        let person = match self.person(fields, side) {
            Ok(person) => person,
            Err((fr, en)) => {
                let (which_fr, which_en) = group_names(group, "de l'enfant", "of the child");
                self.problem(
                    line,
                    false,
                    format!("{fr} {which_fr}, enfant laissé de côté"),
                    format!("{en} {which_en}, child left out"),
                );
                return None;
            }
        };
        let birth_date = self.value(fields, side, Field::BirthDate).and_then(|raw| {
            let date = text::parse_date(&raw);
            if date.is_none() {
                self.problem(
                    line,
                    false,
                    format!("date de naissance de l'enfant illisible « {raw} », laissée de côté"),
                    format!("unreadable birth date of the child \"{raw}\", left out"),
                );
            }
            date
        });
        let ine = self.ine(line, fields, side);
        let first_name = person.first_names.into_iter().next().unwrap_or_default();
        Some(ChildKey {
            last_name: person.usage_name.unwrap_or(person.last_name),
            first_name,
            birth_date,
            ine,
        })
    }

    fn guardian_row(&mut self, line: usize, fields: &[&str]) {
        let children: Vec<ChildKey> = self
            .layout
            .groups(false)
            .into_iter()
            .filter_map(|g| self.child(line, fields, g))
            .collect();
        let mut guardians = Vec::new();
        for group in self.layout.groups(true) {
            let side = Side::Guardian(group);
            if self.side_is_empty(fields, side) {
                continue;
            }
            let person = match self.person(fields, side) {
                Ok(person) => person,
                Err((fr, en)) => {
                    let (which_fr, which_en) =
                        group_names(group, "du responsable", "of the guardian");
                    self.problem(
                        line,
                        false,
                        format!("{fr} {which_fr}, responsable laissé de côté"),
                        format!("{en} {which_en}, guardian left out"),
                    );
                    continue;
                }
            };
            let email = self.email(line, fields, side);
            guardians.push(OndeGuardian {
                line,
                last_name: person.usage_name.unwrap_or(person.last_name),
                first_name: person.first_names.into_iter().next().unwrap_or_default(),
                email,
                phone: self.phone(fields, side),
                relation: self.value(fields, side, Field::Relation),
                children: children.clone(),
            });
        }
        if children.is_empty() {
            self.problem(
                line,
                true,
                "aucun enfant lisible sur la ligne, ligne ignorée".to_owned(),
                "no readable child on the line, line skipped".to_owned(),
            );
        } else if guardians.is_empty() {
            self.problem(
                line,
                true,
                "aucun responsable lisible sur la ligne, ligne ignorée".to_owned(),
                "no readable guardian on the line, line skipped".to_owned(),
            );
        } else {
            self.guardians.extend(guardians);
        }
    }

    fn teacher(&mut self, line: usize, fields: &[&str]) {
        let side = Side::Teacher;
        let person = match self.person(fields, side) {
            Ok(person) => person,
            Err((fr, en)) => {
                self.problem(
                    line,
                    true,
                    format!("{fr}, enseignant ignoré"),
                    format!("{en}, teacher skipped"),
                );
                return;
            }
        };
        let email = self.email(line, fields, side);
        let mut classes = self.values(fields, side, Field::ClassLabel);
        if classes.is_empty() {
            classes = self.values(fields, side, Field::ClassId);
        }
        let mut classes: Vec<String> = classes
            .iter()
            .flat_map(|c| c.split([',', '|', '+']))
            .filter_map(text::clean)
            .collect();
        classes.dedup();
        self.teachers.push(OndeTeacher {
            line,
            last_name: person.usage_name.unwrap_or(person.last_name),
            first_name: person.first_names.into_iter().next().unwrap_or_default(),
            email,
            phone: self.phone(fields, side),
            function: self.value(fields, side, Field::Function),
            classes,
        });
    }
}

/// « de l'enfant 2 » for numbered groups.
fn group_names(group: u8, fr: &str, en: &str) -> (String, String) {
    if group == 0 {
        (fr.to_owned(), en.to_owned())
    } else {
        (format!("{fr} {group}"), format!("{en} {group}"))
    }
}
