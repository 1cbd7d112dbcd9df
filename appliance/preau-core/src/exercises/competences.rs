//! The national curriculum's competences (programmes of cycles 2 and 3) exercises can be
//! linked to, as the livret scolaire lists them.

/// One competence of the programmes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Competence {
    /// A stable code (« FR2-LIRE-1 »).
    pub code: &'static str,
    /// The cycle (2: CP–CE2, 3: CM1–CM2).
    pub cycle: u8,
    /// The domain as the livret names it (« Français — Lire »).
    pub domain: &'static str,
    /// The competence, in the programmes' words.
    pub label: &'static str,
}

/// Every competence, by cycle then domain.
pub const ALL: &[Competence] = &[
    Competence {
        code: "FR2-ORAL-1",
        cycle: 2,
        domain: "Français — Langage oral",
        label: "Écouter pour comprendre des messages oraux ou des textes lus par un adulte",
    },
    Competence {
        code: "FR2-ORAL-2",
        cycle: 2,
        domain: "Français — Langage oral",
        label: "Dire pour être entendu et compris",
    },
    Competence {
        code: "FR2-ORAL-3",
        cycle: 2,
        domain: "Français — Langage oral",
        label: "Participer à des échanges dans des situations diversifiées",
    },
    Competence {
        code: "FR2-LIRE-1",
        cycle: 2,
        domain: "Français — Lire",
        label: "Identifier des mots de manière de plus en plus aisée",
    },
    Competence {
        code: "FR2-LIRE-2",
        cycle: 2,
        domain: "Français — Lire",
        label: "Comprendre un texte et contrôler sa compréhension",
    },
    Competence {
        code: "FR2-LIRE-3",
        cycle: 2,
        domain: "Français — Lire",
        label: "Lire à voix haute",
    },
    Competence {
        code: "FR2-ECRIRE-1",
        cycle: 2,
        domain: "Français — Écrire",
        label: "Copier de manière experte",
    },
    Competence {
        code: "FR2-ECRIRE-2",
        cycle: 2,
        domain: "Français — Écrire",
        label: "Produire des écrits",
    },
    Competence {
        code: "FR2-ECRIRE-3",
        cycle: 2,
        domain: "Français — Écrire",
        label: "Réviser et améliorer l'écrit qu'on a produit",
    },
    Competence {
        code: "FR2-LANGUE-1",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Maîtriser les relations entre l'oral et l'écrit",
    },
    Competence {
        code: "FR2-LANGUE-2",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Mémoriser et se remémorer l'orthographe de mots fréquents et de mots irréguliers dont le sens est connu",
    },
    Competence {
        code: "FR2-LANGUE-3",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Identifier les principaux constituants d'une phrase simple en relation avec sa cohérence sémantique",
    },
    Competence {
        code: "FR2-LANGUE-4",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Raisonner pour résoudre des problèmes orthographiques, d'accord essentiellement",
    },
    Competence {
        code: "FR2-LANGUE-5",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Comprendre comment se forment les verbes et orthographier les formes verbales les plus fréquentes",
    },
    Competence {
        code: "FR2-LANGUE-6",
        cycle: 2,
        domain: "Français — Étude de la langue",
        label: "Identifier des relations entre les mots, entre les mots et leur contexte d'utilisation ; s'en servir pour mieux comprendre",
    },
    Competence {
        code: "MA2-NOMBRES-1",
        cycle: 2,
        domain: "Mathématiques — Nombres et calculs",
        label: "Comprendre et utiliser des nombres entiers pour dénombrer, ordonner, repérer, comparer",
    },
    Competence {
        code: "MA2-NOMBRES-2",
        cycle: 2,
        domain: "Mathématiques — Nombres et calculs",
        label: "Nommer, lire, écrire, représenter des nombres entiers",
    },
    Competence {
        code: "MA2-NOMBRES-3",
        cycle: 2,
        domain: "Mathématiques — Nombres et calculs",
        label: "Résoudre des problèmes en utilisant des nombres entiers et le calcul",
    },
    Competence {
        code: "MA2-NOMBRES-4",
        cycle: 2,
        domain: "Mathématiques — Nombres et calculs",
        label: "Calculer avec des nombres entiers",
    },
    Competence {
        code: "MA2-GRANDEURS-1",
        cycle: 2,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Comparer, estimer, mesurer des longueurs, des masses, des contenances, des durées",
    },
    Competence {
        code: "MA2-GRANDEURS-2",
        cycle: 2,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Utiliser le lexique, les unités, les instruments de mesures spécifiques de ces grandeurs",
    },
    Competence {
        code: "MA2-GRANDEURS-3",
        cycle: 2,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Résoudre des problèmes impliquant des longueurs, des masses, des contenances, des durées, des prix",
    },
    Competence {
        code: "MA2-ESPACE-1",
        cycle: 2,
        domain: "Mathématiques — Espace et géométrie",
        label: "(Se) repérer et (se) déplacer en utilisant des repères et des représentations",
    },
    Competence {
        code: "MA2-ESPACE-2",
        cycle: 2,
        domain: "Mathématiques — Espace et géométrie",
        label: "Reconnaître, nommer, décrire, reproduire quelques solides",
    },
    Competence {
        code: "MA2-ESPACE-3",
        cycle: 2,
        domain: "Mathématiques — Espace et géométrie",
        label: "Reconnaître, nommer, décrire, reproduire, construire quelques figures géométriques",
    },
    Competence {
        code: "MA2-ESPACE-4",
        cycle: 2,
        domain: "Mathématiques — Espace et géométrie",
        label: "Reconnaître et utiliser les notions d'alignement, d'angle droit, d'égalité de longueurs, de milieu, de symétrie",
    },
    Competence {
        code: "QLM2-MATIERE-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Identifier les trois états de la matière et observer des changements d'états",
    },
    Competence {
        code: "QLM2-VIVANT-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Connaître des caractéristiques du monde vivant, ses interactions, sa diversité",
    },
    Competence {
        code: "QLM2-OBJETS-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Comprendre la fonction et le fonctionnement d'objets fabriqués",
    },
    Competence {
        code: "QLM2-ESPACE-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Se situer dans l'espace",
    },
    Competence {
        code: "QLM2-TEMPS-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Se situer dans le temps",
    },
    Competence {
        code: "QLM2-MONDE-1",
        cycle: 2,
        domain: "Questionner le monde",
        label: "Explorer les organisations du monde",
    },
    Competence {
        code: "LV2-ORAL-1",
        cycle: 2,
        domain: "Langues vivantes",
        label: "Comprendre l'oral",
    },
    Competence {
        code: "LV2-ORAL-2",
        cycle: 2,
        domain: "Langues vivantes",
        label: "S'exprimer oralement en continu",
    },
    Competence {
        code: "LV2-ORAL-3",
        cycle: 2,
        domain: "Langues vivantes",
        label: "Prendre part à une conversation",
    },
    Competence {
        code: "EMC2-AUTRUI-1",
        cycle: 2,
        domain: "Enseignement moral et civique",
        label: "Respecter autrui",
    },
    Competence {
        code: "EMC2-VALEURS-1",
        cycle: 2,
        domain: "Enseignement moral et civique",
        label: "Acquérir et partager les valeurs de la République",
    },
    Competence {
        code: "ART2-PLASTIQUES-1",
        cycle: 2,
        domain: "Arts plastiques",
        label: "Expérimenter, produire, créer",
    },
    Competence {
        code: "ART2-MUSIQUE-1",
        cycle: 2,
        domain: "Éducation musicale",
        label: "Chanter",
    },
    Competence {
        code: "ART2-MUSIQUE-2",
        cycle: 2,
        domain: "Éducation musicale",
        label: "Écouter, comparer",
    },
    Competence {
        code: "EPS2-PERF-1",
        cycle: 2,
        domain: "Éducation physique et sportive",
        label: "Produire une performance optimale, mesurable à une échéance donnée",
    },
    Competence {
        code: "EPS2-NATURE-1",
        cycle: 2,
        domain: "Éducation physique et sportive",
        label: "Adapter ses déplacements à des environnements variés",
    },
    Competence {
        code: "EPS2-EXPR-1",
        cycle: 2,
        domain: "Éducation physique et sportive",
        label: "S'exprimer devant les autres par une prestation artistique et/ou acrobatique",
    },
    Competence {
        code: "EPS2-JEUX-1",
        cycle: 2,
        domain: "Éducation physique et sportive",
        label: "Conduire et maîtriser un affrontement collectif ou interindividuel",
    },
    Competence {
        code: "FR3-ORAL-1",
        cycle: 3,
        domain: "Français — Langage oral",
        label: "Écouter pour comprendre un message oral, un propos, un discours, un texte lu",
    },
    Competence {
        code: "FR3-ORAL-2",
        cycle: 3,
        domain: "Français — Langage oral",
        label: "Parler en prenant en compte son auditoire",
    },
    Competence {
        code: "FR3-ORAL-3",
        cycle: 3,
        domain: "Français — Langage oral",
        label: "Participer à des échanges dans des situations diversifiées",
    },
    Competence {
        code: "FR3-LIRE-1",
        cycle: 3,
        domain: "Français — Lire",
        label: "Lire avec fluidité",
    },
    Competence {
        code: "FR3-LIRE-2",
        cycle: 3,
        domain: "Français — Lire",
        label: "Comprendre un texte littéraire et se l'approprier",
    },
    Competence {
        code: "FR3-LIRE-3",
        cycle: 3,
        domain: "Français — Lire",
        label: "Comprendre des textes, des documents et des images et les interpréter",
    },
    Competence {
        code: "FR3-ECRIRE-1",
        cycle: 3,
        domain: "Français — Écrire",
        label: "Écrire à la main de manière fluide et efficace",
    },
    Competence {
        code: "FR3-ECRIRE-2",
        cycle: 3,
        domain: "Français — Écrire",
        label: "Produire des écrits variés",
    },
    Competence {
        code: "FR3-ECRIRE-3",
        cycle: 3,
        domain: "Français — Écrire",
        label: "Réécrire à partir de nouvelles consignes ou faire évoluer son texte",
    },
    Competence {
        code: "FR3-LANGUE-1",
        cycle: 3,
        domain: "Français — Étude de la langue",
        label: "Maîtriser les relations entre l'oral et l'écrit",
    },
    Competence {
        code: "FR3-LANGUE-2",
        cycle: 3,
        domain: "Français — Étude de la langue",
        label: "Acquérir la structure, le sens et l'orthographe des mots",
    },
    Competence {
        code: "FR3-LANGUE-3",
        cycle: 3,
        domain: "Français — Étude de la langue",
        label: "Maîtriser la forme des mots en lien avec la syntaxe",
    },
    Competence {
        code: "FR3-LANGUE-4",
        cycle: 3,
        domain: "Français — Étude de la langue",
        label: "Observer le fonctionnement du verbe et l'orthographier",
    },
    Competence {
        code: "FR3-LANGUE-5",
        cycle: 3,
        domain: "Français — Étude de la langue",
        label: "Identifier les constituants d'une phrase simple en relation avec son sens ; distinguer phrase simple et phrase complexe",
    },
    Competence {
        code: "MA3-NOMBRES-1",
        cycle: 3,
        domain: "Mathématiques — Nombres et calculs",
        label: "Utiliser et représenter les grands nombres entiers, des fractions simples, les nombres décimaux",
    },
    Competence {
        code: "MA3-NOMBRES-2",
        cycle: 3,
        domain: "Mathématiques — Nombres et calculs",
        label: "Calculer avec des nombres entiers et des nombres décimaux",
    },
    Competence {
        code: "MA3-NOMBRES-3",
        cycle: 3,
        domain: "Mathématiques — Nombres et calculs",
        label: "Résoudre des problèmes en utilisant des fractions simples, les nombres décimaux et le calcul",
    },
    Competence {
        code: "MA3-GRANDEURS-1",
        cycle: 3,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Comparer, estimer, mesurer des grandeurs géométriques avec des nombres entiers et des nombres décimaux : longueur (périmètre), aire, volume, angle",
    },
    Competence {
        code: "MA3-GRANDEURS-2",
        cycle: 3,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Utiliser le lexique, les unités, les instruments de mesures spécifiques de ces grandeurs",
    },
    Competence {
        code: "MA3-GRANDEURS-3",
        cycle: 3,
        domain: "Mathématiques — Grandeurs et mesures",
        label: "Résoudre des problèmes impliquant des grandeurs (géométriques, physiques, économiques) en utilisant des nombres entiers et des nombres décimaux",
    },
    Competence {
        code: "MA3-ESPACE-1",
        cycle: 3,
        domain: "Mathématiques — Espace et géométrie",
        label: "(Se) repérer et (se) déplacer dans l'espace en utilisant ou en élaborant des représentations",
    },
    Competence {
        code: "MA3-ESPACE-2",
        cycle: 3,
        domain: "Mathématiques — Espace et géométrie",
        label: "Reconnaître, nommer, décrire, reproduire, représenter, construire des figures et solides usuels",
    },
    Competence {
        code: "MA3-ESPACE-3",
        cycle: 3,
        domain: "Mathématiques — Espace et géométrie",
        label: "Reconnaître et utiliser quelques relations géométriques (notions d'alignement, d'appartenance, de perpendicularité, de parallélisme, d'égalité de longueurs, d'égalité d'angle, de distance entre deux points, de symétrie, d'agrandissement et de réduction)",
    },
    Competence {
        code: "ST3-MATIERE-1",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Décrire les états et la constitution de la matière à l'échelle macroscopique",
    },
    Competence {
        code: "ST3-MATIERE-2",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Observer et décrire différents types de mouvements",
    },
    Competence {
        code: "ST3-VIVANT-1",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Classer les organismes, exploiter les liens de parenté pour comprendre et expliquer l'évolution des organismes",
    },
    Competence {
        code: "ST3-VIVANT-2",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Expliquer les besoins variables en aliments de l'être humain ; l'origine et les techniques mises en œuvre pour transformer et conserver les aliments",
    },
    Competence {
        code: "ST3-TECHNO-1",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Identifier les principales évolutions du besoin et des objets",
    },
    Competence {
        code: "ST3-TERRE-1",
        cycle: 3,
        domain: "Sciences et technologie",
        label: "Situer la Terre dans le système solaire et caractériser les conditions de la vie terrestre",
    },
    Competence {
        code: "HG3-TEMPS-1",
        cycle: 3,
        domain: "Histoire-géographie",
        label: "Se repérer dans le temps : construire des repères historiques",
    },
    Competence {
        code: "HG3-ESPACE-1",
        cycle: 3,
        domain: "Histoire-géographie",
        label: "Se repérer dans l'espace : construire des repères géographiques",
    },
    Competence {
        code: "HG3-RAISONNER-1",
        cycle: 3,
        domain: "Histoire-géographie",
        label: "Raisonner, justifier une démarche et les choix effectués",
    },
    Competence {
        code: "HG3-DOC-1",
        cycle: 3,
        domain: "Histoire-géographie",
        label: "Comprendre un document",
    },
    Competence {
        code: "LV3-ORAL-1",
        cycle: 3,
        domain: "Langues vivantes",
        label: "Écouter et comprendre",
    },
    Competence {
        code: "LV3-ECRIT-1",
        cycle: 3,
        domain: "Langues vivantes",
        label: "Lire et comprendre",
    },
    Competence {
        code: "LV3-ORAL-2",
        cycle: 3,
        domain: "Langues vivantes",
        label: "Parler en continu",
    },
    Competence {
        code: "LV3-ECRIT-2",
        cycle: 3,
        domain: "Langues vivantes",
        label: "Écrire",
    },
    Competence {
        code: "EMC3-AUTRUI-1",
        cycle: 3,
        domain: "Enseignement moral et civique",
        label: "Respecter autrui",
    },
    Competence {
        code: "EMC3-CIVIQUE-1",
        cycle: 3,
        domain: "Enseignement moral et civique",
        label: "Construire une culture civique",
    },
    Competence {
        code: "ART3-PLASTIQUES-1",
        cycle: 3,
        domain: "Arts plastiques",
        label: "Expérimenter, produire, créer",
    },
    Competence {
        code: "ART3-MUSIQUE-1",
        cycle: 3,
        domain: "Éducation musicale",
        label: "Chanter et interpréter",
    },
    Competence {
        code: "EPS3-PERF-1",
        cycle: 3,
        domain: "Éducation physique et sportive",
        label: "Produire une performance optimale, mesurable à une échéance donnée",
    },
    Competence {
        code: "EPS3-NATURE-1",
        cycle: 3,
        domain: "Éducation physique et sportive",
        label: "Adapter ses déplacements à des environnements variés",
    },
];

/// The competence of a code.
pub fn find(code: &str) -> Option<&'static Competence> {
    ALL.iter().find(|c| c.code == code.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        assert!(ALL.len() >= 40);
        let mut codes = HashSet::new();
        for c in ALL {
            assert!(codes.insert(c.code), "duplicate code {}", c.code);
            assert!(
                c.code
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '-'),
                "{}",
                c.code
            );
            let prefix = c.code.split('-').next().unwrap_or_default();
            assert!(prefix.ends_with(char::from(b'0' + c.cycle)), "{}", c.code);
            assert!(c.cycle == 2 || c.cycle == 3);
            assert!(!c.domain.trim().is_empty() && !c.label.trim().is_empty());
            assert_eq!(c.label.trim(), c.label);
        }
    }

    #[test]
    fn ordered_by_cycle_then_domain() {
        assert!(ALL.windows(2).all(|w| w[0].cycle <= w[1].cycle));
        // Each domain's competences are together within a cycle.
        for cycle in [2, 3] {
            let domains: Vec<&str> = ALL
                .iter()
                .filter(|c| c.cycle == cycle)
                .map(|c| c.domain)
                .collect();
            let mut seen = HashSet::new();
            let mut last = "";
            for d in domains {
                if d != last {
                    assert!(seen.insert(d), "domain {d} split in cycle {cycle}");
                    last = d;
                }
            }
        }
    }

    #[test]
    fn covers_the_livret_domains() {
        for (cycle, domain) in [
            (2, "Français — Lire"),
            (2, "Mathématiques — Nombres et calculs"),
            (2, "Questionner le monde"),
            (3, "Sciences et technologie"),
            (3, "Histoire-géographie"),
            (3, "Français — Étude de la langue"),
            (3, "Mathématiques — Espace et géométrie"),
        ] {
            assert!(ALL.iter().any(|c| c.cycle == cycle && c.domain == domain));
        }
    }

    #[test]
    fn find_by_code() {
        let c = find(" FR2-LIRE-1 ").expect("known");
        assert_eq!(
            c.label,
            "Identifier des mots de manière de plus en plus aisée"
        );
        assert_eq!(find("MA3-NOMBRES-2").map(|c| c.cycle), Some(3));
        assert!(find("XX9-NOPE-1").is_none());
        assert!(find("").is_none());
    }
}
