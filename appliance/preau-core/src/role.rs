//! The roles people have in Préau.

use serde::{Deserialize, Serialize};

/// What a person is to the school. One role per account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    /// A child of the school (6–11 years old in élémentaire, 3–6 in maternelle).
    Pupil,
    /// A legal guardian of one or more pupils.
    Parent,
    /// A teacher (professeur des écoles).
    Teacher,
    /// The headteacher (directeur or directrice d'école).
    Headteacher,
    /// Other school staff (ATSEM, AESH, animateurs).
    Staff,
    /// An agent of the town hall (mairie).
    TownAgent,
    /// The commune's technician who sets boxes up.
    Technician,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 7] = [
        Role::Pupil,
        Role::Parent,
        Role::Teacher,
        Role::Headteacher,
        Role::Staff,
        Role::TownAgent,
        Role::Technician,
    ];

    /// The French name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Pupil => "Élève",
            Role::Parent => "Parent",
            Role::Teacher => "Enseignant·e",
            Role::Headteacher => "Direction",
            Role::Staff => "Personnel de l'école",
            Role::TownAgent => "Agent de la mairie",
            Role::Technician => "Technicien·ne",
        }
    }

    /// A stable machine name, used in forms, CSV and the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Pupil => "eleve",
            Role::Parent => "parent",
            Role::Teacher => "enseignant",
            Role::Headteacher => "direction",
            Role::Staff => "personnel",
            Role::TownAgent => "mairie",
            Role::Technician => "technicien",
        }
    }

    /// Parses [`Role::code`].
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Adults sign in with an identifier and a password; pupils with a card or pictures.
    pub fn is_adult(self) -> bool {
        self != Role::Pupil
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("admin"), None);
    }
}
