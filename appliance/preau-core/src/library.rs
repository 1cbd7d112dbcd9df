//! The school's library: resources teachers publish (lessons, worksheets, pictures, sound,
//! video, links to approved websites) with their metadata, and curated collections.

use crate::{Level, Revision, UserId};
use serde::{Deserialize, Serialize};

crate::ids::id_type!(
    /// A published resource.
    ResourceId
);
crate::ids::id_type!(
    /// A collection of resources.
    CollectionId
);

/// What kind of resource it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceKind {
    /// A lesson (leçon, trace écrite).
    Lesson,
    /// A worksheet (fiche d'exercices).
    Worksheet,
    /// A picture.
    Image,
    /// A sound recording.
    Audio,
    /// A video.
    Video,
    /// A link to an approved educational website.
    Link,
}

impl ResourceKind {
    /// Every kind, in the order forms show them.
    pub const ALL: [ResourceKind; 6] = [
        ResourceKind::Lesson,
        ResourceKind::Worksheet,
        ResourceKind::Image,
        ResourceKind::Audio,
        ResourceKind::Video,
        ResourceKind::Link,
    ];

    /// The stable code used in forms, CSV and the search index.
    pub fn code(self) -> &'static str {
        match self {
            ResourceKind::Lesson => "lecon",
            ResourceKind::Worksheet => "fiche",
            ResourceKind::Image => "image",
            ResourceKind::Audio => "son",
            ResourceKind::Video => "video",
            ResourceKind::Link => "lien",
        }
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Lesson => "Leçon",
            ResourceKind::Worksheet => "Fiche",
            ResourceKind::Image => "Image",
            ResourceKind::Audio => "Son",
            ResourceKind::Video => "Vidéo",
            ResourceKind::Link => "Lien",
        }
    }

    /// A pictogram for lists and pupils' pages.
    pub fn icon(self) -> &'static str {
        match self {
            ResourceKind::Lesson => "📘",
            ResourceKind::Worksheet => "📝",
            ResourceKind::Image => "🖼️",
            ResourceKind::Audio => "🎧",
            ResourceKind::Video => "🎬",
            ResourceKind::Link => "🔗",
        }
    }

    /// Reads a code or a label, ignoring case and accents of the common spellings.
    pub fn parse(text: &str) -> Option<ResourceKind> {
        let t = text.trim().to_lowercase();
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.code() == t || k.label().to_lowercase() == t)
    }
}

/// A school subject (discipline), as in the national curriculum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Discipline {
    /// Français.
    French,
    /// Mathématiques.
    Mathematics,
    /// Questionner le monde (cycle 2).
    ExploreTheWorld,
    /// Sciences et technologie (cycle 3).
    Science,
    /// Histoire et géographie (cycle 3).
    HistoryGeography,
    /// Enseignement moral et civique.
    Civics,
    /// Arts plastiques.
    Arts,
    /// Éducation musicale.
    Music,
    /// Éducation physique et sportive.
    Sport,
    /// Langues vivantes.
    Languages,
}

impl Discipline {
    /// Every subject, in the order forms show them.
    pub const ALL: [Discipline; 10] = [
        Discipline::French,
        Discipline::Mathematics,
        Discipline::ExploreTheWorld,
        Discipline::Science,
        Discipline::HistoryGeography,
        Discipline::Civics,
        Discipline::Arts,
        Discipline::Music,
        Discipline::Sport,
        Discipline::Languages,
    ];

    /// The stable code used in forms, CSV and the search index.
    pub fn code(self) -> &'static str {
        match self {
            Discipline::French => "francais",
            Discipline::Mathematics => "mathematiques",
            Discipline::ExploreTheWorld => "questionner-le-monde",
            Discipline::Science => "sciences",
            Discipline::HistoryGeography => "histoire-geographie",
            Discipline::Civics => "emc",
            Discipline::Arts => "arts",
            Discipline::Music => "musique",
            Discipline::Sport => "eps",
            Discipline::Languages => "langues-vivantes",
        }
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            Discipline::French => "Français",
            Discipline::Mathematics => "Mathématiques",
            Discipline::ExploreTheWorld => "Questionner le monde",
            Discipline::Science => "Sciences",
            Discipline::HistoryGeography => "Histoire-géographie",
            Discipline::Civics => "EMC",
            Discipline::Arts => "Arts plastiques",
            Discipline::Music => "Musique",
            Discipline::Sport => "EPS",
            Discipline::Languages => "Langues vivantes",
        }
    }

    /// Reads a code or a label (case, accents and spaces of the usual spellings ignored).
    pub fn parse(text: &str) -> Option<Discipline> {
        let t = fold(text);
        Discipline::ALL
            .into_iter()
            .find(|d| fold(d.code()) == t || fold(d.label()) == t)
    }
}

/// Lower-case, accents and separators removed: "Histoire-Géographie" → "histoiregeographie".
fn fold(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => Some('e'),
            'î' | 'ï' | 'Î' | 'Ï' => Some('i'),
            'ô' | 'ö' | 'Ô' | 'Ö' => Some('o'),
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => Some('u'),
            'ç' | 'Ç' => Some('c'),
            c if c.is_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// The cycle of a level (1: maternelle, 2: CP–CE2, 3: CM1–CM2).
pub fn cycle(level: Level) -> u8 {
    match level {
        Level::Ps | Level::Ms | Level::Gs => 1,
        Level::Cp | Level::Ce1 | Level::Ce2 => 2,
        Level::Cm1 | Level::Cm2 => 3,
    }
}

/// What a resource holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceContent {
    /// A file.
    File {
        /// Its name.
        name: String,
        /// Its content.
        revision: Revision,
    },
    /// A link to an approved website.
    Link {
        /// The address (http or https).
        url: String,
    },
    /// A sequence of the school's exercise bank (its lesson and questions are what the
    /// search index reads).
    Exercises {
        /// The sequence.
        sequence: crate::exercises::SequenceId,
    },
}

/// A resource published in the school's library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource.
    pub id: ResourceId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Levels it is for.
    pub levels: Vec<Level>,
    /// Subjects.
    pub disciplines: Vec<Discipline>,
    /// Kind.
    pub kind: ResourceKind,
    /// Who published it.
    pub published_by: UserId,
    /// The author as credited (may differ from who published it).
    pub author: String,
    /// Licence ("CC BY-SA 4.0", "Tous droits réservés"…).
    pub licence: String,
    /// The file or the link.
    pub content: ResourceContent,
    /// When it was published (Unix seconds).
    pub published_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// A teacher-curated list of resources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// The collection.
    pub id: CollectionId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Who curates it.
    pub owner: UserId,
    /// Its resources, in the curator's order.
    pub resources: Vec<ResourceId>,
    /// When it last changed.
    pub updated_at: i64,
}

/// Why the text of a file could not be read for the search index, kept so that the person
/// who uploaded it can be told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionFailure {
    /// The content concerned.
    pub blob: crate::BlobId,
    /// The reason, in French.
    pub reason: String,
    /// When it was tried.
    pub at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_subjects_read_back_from_codes_and_labels() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(k.code()), Some(k));
            assert_eq!(ResourceKind::parse(k.label()), Some(k));
        }
        for d in Discipline::ALL {
            assert_eq!(Discipline::parse(d.code()), Some(d));
            assert_eq!(Discipline::parse(d.label()), Some(d));
        }
        assert_eq!(
            Discipline::parse("Histoire Géographie"),
            Some(Discipline::HistoryGeography)
        );
        assert_eq!(Discipline::parse("MATHS"), None);
        assert_eq!(cycle(Level::Ce2), 2);
    }
}
