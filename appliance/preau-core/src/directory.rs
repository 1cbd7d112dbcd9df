//! The school directory: the school, its classes, groups and people.

use crate::{ClassId, GroupId, Level, Role, SchoolYear, Uai, UserId};
use serde::{Deserialize, Serialize};
use time::Date;

/// The school a box serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    /// Its official name ("École élémentaire Jules Ferry").
    pub name: String,
    /// Its UAI code.
    pub uai: Uai,
    /// Its postal address, one line per element.
    pub address: String,
    /// Its commune.
    pub commune: String,
    /// The current school year.
    pub year: SchoolYear,
}

/// A class of one school year, possibly with several levels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Class {
    /// Its id.
    pub id: ClassId,
    /// Its name ("CE2-CM1 de Mme Martin").
    pub name: String,
    /// The levels taught, youngest first.
    pub levels: Vec<Level>,
    /// The school year.
    pub year: SchoolYear,
    /// Its teachers and the other adults who work in it.
    pub teachers: Vec<UserId>,
    /// Archived classes are kept for history but no longer offered.
    pub archived: bool,
}

/// A group of people (a reading group, a choir, a project team).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Its id.
    pub id: GroupId,
    /// Its name.
    pub name: String,
    /// The class it belongs to, if it is a group inside one class.
    pub class: Option<ClassId>,
    /// Its members (pupils and adults).
    pub members: Vec<UserId>,
    /// Archived groups are kept but no longer offered.
    pub archived: bool,
}

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// The sign-in identifier (lower case, unique in the school).
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Family name (nom d'usage).
    pub last_name: String,
    /// The role.
    pub role: Role,
    /// Birth date (pupils).
    pub birth_date: Option<Date>,
    /// Classes attended, all years (pupils). Adults are attached to classes through
    /// [`Class::teachers`].
    pub classes: Vec<ClassId>,
    /// Legal guardians (pupils).
    pub guardians: Vec<UserId>,
    /// Contact e-mail (adults), optional.
    pub email: Option<String>,
    /// Archived accounts cannot sign in and are deleted after the retention period.
    pub archived: bool,
}

impl User {
    /// "Prénom Nom".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// "Prénom N." — how pupils are shown to classmates on the sign-in page.
    pub fn short_name(&self) -> String {
        let initial: String = self.last_name.chars().take(1).collect();
        format!("{} {}.", self.first_name, initial)
    }
}

/// Makes a sign-in identifier from names: "prenom.nom", lower case, ASCII, no spaces.
pub fn login_from_names(first_name: &str, last_name: &str) -> String {
    fn fold(text: &str) -> String {
        text.chars()
            .flat_map(char::to_lowercase)
            .filter_map(|c| match c {
                'à' | 'â' | 'ä' | 'á' => Some('a'),
                'é' | 'è' | 'ê' | 'ë' => Some('e'),
                'î' | 'ï' | 'í' => Some('i'),
                'ô' | 'ö' | 'ó' => Some('o'),
                'ù' | 'û' | 'ü' | 'ú' => Some('u'),
                'ç' => Some('c'),
                'ÿ' => Some('y'),
                'œ' => Some('o'),
                'æ' => Some('a'),
                '-' | ' ' | '\'' => Some('-'),
                c if c.is_ascii_alphanumeric() => Some(c),
                _ => None,
            })
            .collect::<String>()
            .trim_matches('-')
            .to_string()
    }
    format!("{}.{}", fold(first_name), fold(last_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_plain_ascii() {
        assert_eq!(login_from_names("Léa", "Müller"), "lea.muller");
        assert_eq!(
            login_from_names("Jean-Noël", "D'Aubigné"),
            "jean-noel.d-aubigne"
        );
        assert_eq!(login_from_names(" Zoé ", "Le Gall"), "zoe.le-gall");
    }
}
