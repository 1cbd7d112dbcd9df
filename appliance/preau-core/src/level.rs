//! Levels of French primary school, from petite section to CM2.

use serde::{Deserialize, Serialize};

/// A school level (niveau). Maternelle: PS, MS, GS; élémentaire: CP to CM2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Petite section.
    Ps,
    /// Moyenne section.
    Ms,
    /// Grande section.
    Gs,
    /// Cours préparatoire.
    Cp,
    /// Cours élémentaire 1.
    Ce1,
    /// Cours élémentaire 2.
    Ce2,
    /// Cours moyen 1.
    Cm1,
    /// Cours moyen 2.
    Cm2,
}

impl Level {
    /// Every level, youngest first.
    pub const ALL: [Level; 8] = [
        Level::Ps,
        Level::Ms,
        Level::Gs,
        Level::Cp,
        Level::Ce1,
        Level::Ce2,
        Level::Cm1,
        Level::Cm2,
    ];

    /// The usual short name ("CE1").
    pub fn code(self) -> &'static str {
        match self {
            Level::Ps => "PS",
            Level::Ms => "MS",
            Level::Gs => "GS",
            Level::Cp => "CP",
            Level::Ce1 => "CE1",
            Level::Ce2 => "CE2",
            Level::Cm1 => "CM1",
            Level::Cm2 => "CM2",
        }
    }

    /// Parses a short name, ignoring case and surrounding spaces.
    pub fn from_code(code: &str) -> Option<Level> {
        let code = code.trim();
        Level::ALL
            .into_iter()
            .find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// The cycle (1 for maternelle, 2 for CP–CE2, 3 for CM1–CM2).
    pub fn cycle(self) -> u8 {
        match self {
            Level::Ps | Level::Ms | Level::Gs => 1,
            Level::Cp | Level::Ce1 | Level::Ce2 => 2,
            Level::Cm1 | Level::Cm2 => 3,
        }
    }

    /// The age a child usually reaches during the school year of this level.
    pub fn usual_age(self) -> u8 {
        3 + Level::ALL.iter().position(|l| *l == self).unwrap_or(0) as u8
    }
}

/// Formats several levels the way schools write them ("CE2-CM1").
pub fn levels_label(levels: &[Level]) -> String {
    levels
        .iter()
        .map(|l| l.code())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_labels() {
        assert_eq!(Level::from_code(" ce1 "), Some(Level::Ce1));
        assert_eq!(Level::from_code("6e"), None);
        assert_eq!(levels_label(&[Level::Ce2, Level::Cm1]), "CE2-CM1");
        assert_eq!(Level::Cp.cycle(), 2);
        assert_eq!(Level::Cp.usual_age(), 6);
        assert_eq!(Level::Cm2.usual_age(), 10);
    }
}
