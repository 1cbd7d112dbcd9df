//! Header names to fields: every header is normalised (lower case, accents folded, punctuation
//! and little words dropped), split into who it is about (the pupil, a legal guardian and its
//! group number, a teacher) and what it holds, then looked up in a table of the names seen
//! across the years. Never by position.

use super::FileKind;
use super::text::fold;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Field {
    LastName,
    UsageName,
    FirstName,
    OtherFirstName,
    BirthDate,
    Sex,
    Ine,
    ClassLabel,
    ClassId,
    Level,
    Cycle,
    Email,
    PhoneMobile,
    PhoneHome,
    PhoneWork,
    Relation,
    Function,
}

impl Field {
    /// The French name shown when the column is missing.
    pub(crate) fn label_fr(self) -> &'static str {
        match self {
            Field::LastName => "Nom",
            Field::UsageName => "Nom d'usage",
            Field::FirstName => "Prénom",
            Field::OtherFirstName => "Autres prénoms",
            Field::BirthDate => "Date de naissance",
            Field::Sex => "Sexe",
            Field::Ine => "INE",
            Field::ClassLabel => "Classe",
            Field::ClassId => "Identifiant classe",
            Field::Level => "Niveau",
            Field::Cycle => "Cycle",
            Field::Email => "Courriel",
            Field::PhoneMobile => "Téléphone portable",
            Field::PhoneHome => "Téléphone",
            Field::PhoneWork => "Téléphone travail",
            Field::Relation => "Lien de parenté",
            Field::Function => "Fonction",
        }
    }

    /// The English name, for logs and the English message.
    pub(crate) fn label_en(self) -> &'static str {
        match self {
            Field::LastName => "last name",
            Field::UsageName => "usage name",
            Field::FirstName => "first name",
            Field::OtherFirstName => "other first names",
            Field::BirthDate => "birth date",
            Field::Sex => "sex",
            Field::Ine => "INE",
            Field::ClassLabel => "class",
            Field::ClassId => "class identifier",
            Field::Level => "level",
            Field::Cycle => "cycle",
            Field::Email => "e-mail",
            Field::PhoneMobile => "mobile phone",
            Field::PhoneHome => "phone",
            Field::PhoneWork => "work phone",
            Field::Relation => "relationship",
            Field::Function => "function",
        }
    }

    /// Fields only a pupil has: their presence makes a file a pupils file.
    fn is_pupil_only(self) -> bool {
        matches!(
            self,
            Field::BirthDate
                | Field::Sex
                | Field::Ine
                | Field::Level
                | Field::Cycle
                | Field::OtherFirstName
        )
    }

    /// Fields only a guardian has in a guardians file.
    fn is_guardian_only(self) -> bool {
        matches!(
            self,
            Field::Email
                | Field::PhoneMobile
                | Field::PhoneHome
                | Field::PhoneWork
                | Field::Relation
        )
    }
}

/// The header names seen in ONDE exports and in the spreadsheets schools make from them,
/// written as people write them; they are normalised like the headers before comparing.
/// Words naming the person (« élève », « responsable 1 », « enseignant ») are taken off first,
/// so « Nom d'usage élève » and « Courriel du responsable légal 2 » land here as « Nom d'usage »
/// and « Courriel ».
const VARIANTS: &[(Field, &[&str])] = &[
    (
        Field::LastName,
        &[
            "Nom",
            "Nom de famille",
            "Nom de naissance",
            "Nom patronymique",
            "Patronyme",
        ],
    ),
    (
        Field::UsageName,
        &[
            "Nom d'usage",
            "Nom usage",
            "Nom usuel",
            "Nom utilisé",
            "Nom marital",
        ],
    ),
    (
        Field::FirstName,
        &[
            "Prénom",
            "Prénoms",
            "Prénom 1",
            "Premier prénom",
            "Prénom usuel",
            "Prénom d'usage",
        ],
    ),
    (
        Field::OtherFirstName,
        &[
            "Prénom 2",
            "Prénom 3",
            "Prénom 4",
            "Deuxième prénom",
            "Troisième prénom",
            "Second prénom",
            "Autre prénom",
            "Autres prénoms",
        ],
    ),
    (
        Field::BirthDate,
        &[
            "Date de naissance",
            "Date naissance",
            "Date naiss.",
            "Dt naissance",
            "Né(e) le",
            "Né le",
            "Née le",
            "Naissance",
            "DDN",
        ],
    ),
    (Field::Sex, &["Sexe", "Genre"]),
    (
        Field::Ine,
        &[
            "INE",
            "N° INE",
            "Numéro INE",
            "Identifiant INE",
            "Identifiant national",
            "Identifiant national INE",
            "Id national",
        ],
    ),
    (
        Field::ClassLabel,
        &[
            "Classe",
            "Classes",
            "Classe(s)",
            "Libellé classe",
            "Libellé de la classe",
            "Libellé classes",
            "Nom de la classe",
            "Nom classe",
        ],
    ),
    (
        Field::ClassId,
        &[
            "Identifiant classe",
            "Identifiant de la classe",
            "Identifiant classes",
            "Id classe",
            "Code classe",
            "Numéro de classe",
            "Numéro classe",
        ],
    ),
    (
        Field::Level,
        &[
            "Niveau",
            "Libellé niveau",
            "Code niveau",
            "Niveau scolaire",
            "Niveau de formation",
            "Libellé MEF",
        ],
    ),
    (Field::Cycle, &["Cycle", "Libellé cycle"]),
    (
        Field::Email,
        &[
            "Courriel",
            "E-mail",
            "Email",
            "Mail",
            "Mél",
            "Mél.",
            "Adresse courriel",
            "Adresse mail",
            "Adresse e-mail",
            "Adresse électronique",
            "Courriel personnel",
            "Courriel professionnel",
            "Courriel académique",
        ],
    ),
    (
        Field::PhoneMobile,
        &[
            "Téléphone portable",
            "Tél. portable",
            "Tél portable",
            "Tél. port.",
            "Portable",
            "Mobile",
            "Tél. mobile",
            "Téléphone mobile",
        ],
    ),
    (
        Field::PhoneHome,
        &[
            "Téléphone",
            "Tél.",
            "Tél",
            "Téléphone domicile",
            "Tél. domicile",
            "Téléphone fixe",
            "Tél. fixe",
        ],
    ),
    (
        Field::PhoneWork,
        &[
            "Téléphone travail",
            "Tél. travail",
            "Téléphone professionnel",
            "Tél. professionnel",
            "Tél. pro",
        ],
    ),
    (
        Field::Relation,
        &[
            "Lien de parenté",
            "Lien parenté",
            "Lien",
            "Lien avec",
            "Parenté",
            "Qualité",
        ],
    ),
    (Field::Function, &["Fonction", "Rôle", "Statut", "Poste"]),
];

/// Little words dropped from headers (« Date de naissance » = « Date naissance »; « Né(e) le »
/// = « Né le »; « N° INE » = « INE »).
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "d", "de", "des", "du", "e", "en", "l", "la", "le", "les", "n", "no", "o",
];
const PUPIL_WORDS: &[&str] = &["eleve", "eleves", "enfant", "enfants"];
const GUARDIAN_WORDS: &[&str] = &[
    "responsable",
    "responsables",
    "resp",
    "representant",
    "representants",
    "legal",
    "legaux",
    "legale",
    "rl",
    "parent",
    "parents",
    "tuteur",
];
const TEACHER_WORDS: &[&str] = &[
    "enseignant",
    "enseignants",
    "enseignante",
    "professeur",
    "maitre",
    "maitresse",
];

/// A header's words: folded, digits glued to letters split off (`resp1` → `resp 1`), little
/// words dropped.
fn words(header: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in fold(header).split(' ') {
        let split = word
            .char_indices()
            .find(|&(i, c)| i > 0 && c.is_ascii_digit())
            .map(|(i, _)| i)
            .filter(|&i| {
                word[..i].chars().all(|c| c.is_alphabetic())
                    && word[i..].chars().all(|c| c.is_ascii_digit())
            });
        let parts = match split {
            Some(i) => vec![&word[..i], &word[i..]],
            None => vec![word],
        };
        for part in parts {
            if !part.is_empty() && !STOP_WORDS.contains(&part) {
                out.push(part.to_owned());
            }
        }
    }
    out
}

/// [`VARIANTS`] normalised once.
static NORMALISED: LazyLock<HashMap<String, Field>> = LazyLock::new(|| {
    let mut table = HashMap::new();
    for (field, names) in VARIANTS {
        for name in *names {
            table.entry(words(name).join(" ")).or_insert(*field);
        }
    }
    table
});

fn lookup(key: &str) -> Option<Field> {
    NORMALISED.get(key).copied()
}

/// Who a header is about, as written in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Pupil(Option<u8>),
    Guardian(Option<u8>),
    Teacher,
    Unqualified(Option<u8>),
}

/// One header understood: who and what.
fn classify(header: &str) -> Option<(Who, Field)> {
    let mut pupil = false;
    let mut guardian = false;
    let mut teacher = false;
    let mut number = None;
    let mut rest = Vec::new();
    for word in words(header) {
        if PUPIL_WORDS.contains(&word.as_str()) {
            pupil = true;
        } else if GUARDIAN_WORDS.contains(&word.as_str()) {
            guardian = true;
        } else if TEACHER_WORDS.contains(&word.as_str()) {
            teacher = true;
        } else if number.is_none()
            && word.len() == 1
            && word.as_bytes()[0].is_ascii_digit()
            && word != "0"
        {
            number = word.parse::<u8>().ok();
        } else {
            rest.push(word);
        }
    }
    let rest = rest.join(" ");
    if let (Some(n), false, false) = (number, guardian, pupil) {
        // « Prénom 2 » is a second first name, not a second person.
        if let Some(field) = lookup(&format!("{rest} {n}")) {
            let who = if teacher {
                Who::Teacher
            } else {
                Who::Unqualified(None)
            };
            return Some((who, field));
        }
    }
    let field = lookup(&rest)?;
    let who = if guardian || (field == Field::Relation && !teacher) {
        Who::Guardian(number)
    } else if pupil {
        Who::Pupil(number)
    } else if teacher {
        Who::Teacher
    } else {
        Who::Unqualified(number)
    };
    Some((who, field))
}

/// Whose value a column gives in a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Side {
    /// The pupil of a pupils file, or the child in a guardians file (group 0 when the
    /// columns are not numbered).
    Pupil(u8),
    /// A guardian in a guardians file (group 0 when the columns are not numbered).
    Guardian(u8),
    /// The teacher of a teachers file.
    Teacher,
}

/// How a file's columns are read.
#[derive(Debug)]
pub(crate) struct Layout {
    pub(crate) kind: FileKind,
    /// Column indexes for each side and field, in file order.
    pub(crate) columns: BTreeMap<(Side, Field), Vec<usize>>,
    /// Headers that were not understood (or not used for this kind of file).
    pub(crate) ignored: Vec<String>,
}

impl Layout {
    /// The groups of one side present in the file (0 for unnumbered columns).
    pub(crate) fn groups(&self, guardian: bool) -> Vec<u8> {
        let mut groups: Vec<u8> = self
            .columns
            .keys()
            .filter_map(|(side, _)| match (side, guardian) {
                (Side::Guardian(g), true) | (Side::Pupil(g), false) => Some(*g),
                _ => None,
            })
            .collect();
        groups.dedup();
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    pub(crate) fn has(&self, side: Side, field: Field) -> bool {
        self.columns.contains_key(&(side, field))
    }

    /// The first required column missing for this kind of file, with whose it is
    /// (« de l'élève », « du responsable ») in French and English.
    pub(crate) fn missing(&self) -> Option<(Field, &'static str, &'static str)> {
        let name = |side| self.has(side, Field::LastName) || self.has(side, Field::UsageName);
        let first = |side| self.has(side, Field::FirstName);
        let pupil = ("de l'élève", "of the pupil");
        let guardian = ("du responsable", "of the guardian");
        let teacher = ("de l'enseignant", "of the teacher");
        let (field, (fr, en)) = match self.kind {
            FileKind::Pupils => {
                let side = Side::Pupil(0);
                if !name(side) {
                    (Field::LastName, pupil)
                } else if !first(side) {
                    (Field::FirstName, pupil)
                } else if !self.has(side, Field::BirthDate) {
                    (Field::BirthDate, pupil)
                } else {
                    return None;
                }
            }
            FileKind::Teachers => {
                if !name(Side::Teacher) {
                    (Field::LastName, teacher)
                } else if !first(Side::Teacher) {
                    (Field::FirstName, teacher)
                } else {
                    return None;
                }
            }
            FileKind::Guardians => {
                let guardians = self.groups(true);
                let pupils = self.groups(false);
                if !guardians.iter().any(|&g| name(Side::Guardian(g))) {
                    (Field::LastName, guardian)
                } else if !guardians.iter().any(|&g| first(Side::Guardian(g))) {
                    (Field::FirstName, guardian)
                } else if !pupils.iter().any(|&g| name(Side::Pupil(g))) {
                    (Field::LastName, pupil)
                } else if !pupils.iter().any(|&g| first(Side::Pupil(g))) {
                    (Field::FirstName, pupil)
                } else {
                    return None;
                }
            }
        };
        Some((field, fr, en))
    }
}

/// Whether a field means something for a side (a pupil has no function, a teacher no INE).
fn relevant(side: Side, field: Field) -> bool {
    use Field::*;
    match side {
        Side::Pupil(_) => !matches!(
            field,
            Email | PhoneMobile | PhoneHome | PhoneWork | Relation | Function
        ),
        Side::Guardian(_) => matches!(
            field,
            LastName
                | UsageName
                | FirstName
                | Email
                | PhoneMobile
                | PhoneHome
                | PhoneWork
                | Relation
        ),
        Side::Teacher => matches!(
            field,
            LastName
                | UsageName
                | FirstName
                | Email
                | PhoneMobile
                | PhoneHome
                | PhoneWork
                | Function
                | ClassLabel
                | ClassId
        ),
    }
}

/// Works out the kind of file and where each field is, from its header row.
pub(crate) fn layout(headers: &[String], forced: Option<FileKind>) -> Option<Layout> {
    let classified: Vec<Option<(Who, Field)>> = headers.iter().map(|h| classify(h)).collect();
    let found = || classified.iter().flatten();
    let any = |f: &dyn Fn(&(Who, Field)) -> bool| found().any(f);

    let explicit_pupil = any(&|(w, _)| matches!(w, Who::Pupil(_)));
    let explicit_guardian = any(&|(w, _)| matches!(w, Who::Guardian(_)));
    let explicit_teacher = any(&|(w, _)| matches!(w, Who::Teacher));
    let unqualified_guardian_field =
        any(&|(w, f)| matches!(w, Who::Unqualified(_)) && f.is_guardian_only());
    let pupil_only_field = any(&|(w, f)| !matches!(w, Who::Teacher) && f.is_pupil_only());

    let kind = forced.or_else(|| {
        if explicit_guardian || (explicit_pupil && unqualified_guardian_field) {
            Some(FileKind::Guardians)
        } else if explicit_teacher || (!pupil_only_field && !explicit_pupil) {
            any(&|(_, f)| matches!(f, Field::LastName | Field::FirstName | Field::UsageName))
                .then_some(FileKind::Teachers)
        } else {
            Some(FileKind::Pupils)
        }
    })?;

    // In a guardians file, unqualified columns go to the side whose own columns are not
    // spelled out: numbered guardian groups mean one row per child, numbered child groups
    // one row per guardian.
    let guardian_groups = any(&|(w, _)| matches!(w, Who::Guardian(Some(_))));
    let pupil_groups = any(&|(w, _)| matches!(w, Who::Pupil(Some(_))));
    let explicit_names = |guardian: bool| {
        any(&|(w, f)| {
            let side = if guardian {
                matches!(w, Who::Guardian(None))
            } else {
                matches!(w, Who::Pupil(None))
            };
            side && matches!(f, Field::LastName | Field::FirstName | Field::UsageName)
        })
    };
    let unqualified_to_guardian = if guardian_groups {
        false
    } else if pupil_groups {
        true
    } else {
        !explicit_names(true) && explicit_names(false)
    };

    let mut columns: BTreeMap<(Side, Field), Vec<usize>> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (index, (header, class)) in headers.iter().zip(&classified).enumerate() {
        let side = class.and_then(|(who, field)| {
            let side = match (kind, who) {
                (FileKind::Pupils, Who::Pupil(None) | Who::Unqualified(None)) => Side::Pupil(0),
                // « Prénom 2 élève »: a second first name.
                (FileKind::Pupils, Who::Pupil(Some(n))) if field == Field::FirstName => {
                    return Some((
                        Side::Pupil(0),
                        if n == 1 {
                            Field::FirstName
                        } else {
                            Field::OtherFirstName
                        },
                    ));
                }
                (FileKind::Teachers, Who::Teacher | Who::Unqualified(_)) => Side::Teacher,
                (FileKind::Guardians, Who::Guardian(g)) => Side::Guardian(g.unwrap_or(0)),
                (FileKind::Guardians, Who::Pupil(g)) => Side::Pupil(g.unwrap_or(0)),
                (FileKind::Guardians, Who::Unqualified(Some(g))) => {
                    if field.is_guardian_only() || guardian_groups {
                        Side::Guardian(g)
                    } else if field.is_pupil_only() || pupil_groups {
                        Side::Pupil(g)
                    } else {
                        return None;
                    }
                }
                (FileKind::Guardians, Who::Unqualified(None)) => {
                    if field.is_guardian_only() {
                        Side::Guardian(0)
                    } else if field.is_pupil_only() || !unqualified_to_guardian {
                        Side::Pupil(0)
                    } else {
                        Side::Guardian(0)
                    }
                }
                _ => return None,
            };
            relevant(side, field).then_some((side, field))
        });
        match side {
            Some(key) => columns.entry(key).or_default().push(index),
            None if !header.trim().is_empty() => ignored.push(header.trim().to_owned()),
            None => {}
        }
    }
    Some(Layout {
        kind,
        columns,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_understood_whatever_the_year() {
        let cases = [
            ("Nom d'usage", Who::Unqualified(None), Field::UsageName),
            ("NOM D'USAGE", Who::Unqualified(None), Field::UsageName),
            ("Nom usage élève", Who::Pupil(None), Field::UsageName),
            ("Prénom", Who::Unqualified(None), Field::FirstName),
            ("Prenom 1", Who::Unqualified(None), Field::FirstName),
            ("Prénom2", Who::Unqualified(None), Field::OtherFirstName),
            ("Date naissance", Who::Unqualified(None), Field::BirthDate),
            ("Né(e) le", Who::Unqualified(None), Field::BirthDate),
            ("N° INE", Who::Unqualified(None), Field::Ine),
            ("Identifiant national élève", Who::Pupil(None), Field::Ine),
            ("Libellé classe", Who::Unqualified(None), Field::ClassLabel),
            ("Identifiant classe", Who::Unqualified(None), Field::ClassId),
            ("Nom responsable 1", Who::Guardian(Some(1)), Field::LastName),
            ("Courriel resp. 2", Who::Guardian(Some(2)), Field::Email),
            (
                "Tél. portable RL1",
                Who::Guardian(Some(1)),
                Field::PhoneMobile,
            ),
            ("Lien de parenté", Who::Guardian(None), Field::Relation),
            ("Lien avec l'élève", Who::Guardian(None), Field::Relation),
            (
                "Date de naissance enfant 3",
                Who::Pupil(Some(3)),
                Field::BirthDate,
            ),
            ("Courriel enseignant", Who::Teacher, Field::Email),
        ];
        for (header, who, field) in cases {
            assert_eq!(classify(header), Some((who, field)), "{header}");
        }
        assert_eq!(classify("Adresse postale"), None);
        assert_eq!(
            classify("Prénom enfant 2"),
            Some((Who::Pupil(Some(2)), Field::FirstName))
        );
    }

    #[test]
    fn no_two_fields_share_a_header_name() {
        let mut seen = HashMap::new();
        for (field, names) in VARIANTS {
            for name in *names {
                if let Some(other) = seen.insert(words(name).join(" "), *field) {
                    assert_eq!(other, *field, "{name}");
                }
            }
        }
        assert_eq!(classify(""), None);
    }
}
