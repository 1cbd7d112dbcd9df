//! The ONDE import as a headteacher would check it: the fixtures in `tests/fixtures/onde`
//! (written by `generate.py` there) reproduce the real exports of two years.

use preau_core::{Class, ClassId, Level, Role, SchoolYear, User, UserId};
use preau_provision::onde::{
    self, Current, Encoding, FileKind, MAX_BYTES, MAX_ROWS, OndeError, OndeFile, OndeImport, Sex,
    Source,
};
use time::macros::date;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/onde/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> OndeFile {
    onde::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn names(file: &OndeFile) -> Vec<String> {
    file.pupils
        .iter()
        .map(|p| format!("{} {}", p.first_name(), p.name()))
        .collect()
}

#[test]
fn older_pupils_export_in_iso_8859_1_with_twenty_columns() {
    let bytes = fixture("eleves-2019.csv");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture is ISO-8859-1"
    );
    let file = read("eleves-2019.csv");
    assert_eq!(file.kind, FileKind::Pupils);
    assert_eq!(file.encoding, Encoding::Windows1252);
    assert_eq!(file.separator, ';');
    assert_eq!(file.rows, 6);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert!(file.merges.is_empty());
    assert_eq!(
        names(&file),
        [
            "Élodie GARNIER",
            "Noël LEFÈVRE",
            "Zoé MÜLLER",
            "Aurélien ROUSSEAU",
            "Maël N'DIAYE",
            "Inès HÉBERT",
        ]
    );
    let zoe = &file.pupils[2];
    assert_eq!(zoe.first_names, ["Zoé", "Anaïs", "Françoise"]);
    assert_eq!(zoe.birth_date, date!(2014 - 06 - 30));
    assert_eq!(zoe.sex, Some(Sex::Female));
    assert_eq!(zoe.ine.as_deref(), Some("0913456783C"));
    assert_eq!(zoe.level, Some(Level::Ce2));
    assert_eq!(zoe.class_label.as_deref(), Some("CE2 Mme Hébert"));
    assert_eq!(zoe.class_id.as_deref(), Some("4402"));
    // Zoé's observations span two lines: the next pupil is on line 6, not 5.
    let lines: Vec<usize> = file.pupils.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3, 4, 6, 7, 8]);
    let aurelien = &file.pupils[3];
    assert_eq!(aurelien.last_name, "D'AUBIGNÉ");
    assert_eq!(aurelien.usage_name.as_deref(), Some("ROUSSEAU"));
    assert_eq!(file.pupils[4].ine, None);

    let classes: Vec<(&str, &[Level], usize)> = file
        .classes
        .iter()
        .map(|c| (c.label.as_str(), c.levels.as_slice(), c.pupils))
        .collect();
    assert_eq!(
        classes,
        [
            ("CM1-CM2 M. Benoît", &[Level::Cm1, Level::Cm2][..], 2),
            ("CE2 Mme Hébert", &[Level::Ce2][..], 1),
            ("CP-CE1 Mme Noël", &[Level::Cp, Level::Ce1][..], 3),
        ]
    );
    assert_eq!(
        file.ignored_columns,
        [
            "Date inscription",
            "Adresse",
            "Code postal",
            "Commune",
            "Nationalité",
            "Dispositif",
            "Regroupement",
            "Observations"
        ]
    );
}

#[test]
fn newer_pupils_export_in_utf8_with_bom_and_commas() {
    let file = read("eleves-2024-utf8.csv");
    assert_eq!(file.kind, FileKind::Pupils);
    assert_eq!(file.encoding, Encoding::Utf8WithBom);
    assert_eq!(file.separator, ',');
    assert_eq!(file.rows, 12);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    // Léa was typed twice (the second time as « Lea Martin », with her INE): one pupil.
    assert_eq!(file.pupils.len(), 11);
    assert_eq!(file.merges.len(), 1);
    assert_eq!(file.merges[0].lines, [2, 12]);
    assert!(
        file.merges[0].message_fr.contains("Léa MARTIN")
            && file.merges[0].message_fr.contains("INE"),
        "{}",
        file.merges[0].message_fr
    );
    let lea = &file.pupils[0];
    assert_eq!(lea.first_names, ["Léa", "Marie"]);
    assert_eq!(lea.ine.as_deref(), Some("0923456790K"));
    assert_eq!(lea.birth_date, date!(2018 - 03 - 14));
    let noel = &file.pupils[2];
    assert_eq!((noel.last_name.as_str(), noel.name()), ("DUBOIS", "ROUX"));
    assert_eq!(noel.first_name(), "Noël");
    assert_eq!(file.pupils[4].level, Some(Level::Cm1));
    assert_eq!(file.pupils[4].first_names, ["Zoé", "Anaïs", "Françoise"]);

    let classes: Vec<(Option<&str>, &str, usize)> = file
        .classes
        .iter()
        .map(|c| (c.id.as_deref(), c.label.as_str(), c.pupils))
        .collect();
    assert_eq!(
        classes,
        [
            (Some("5101"), "CP Mme Lefèvre", 3),
            (Some("5103"), "CE2-CM1 M. Benoît", 5),
            (Some("5102"), "CE1 Mme Noël", 3),
        ]
    );
    assert_eq!(file.classes[1].levels, [Level::Ce2, Level::Cm1]);
    // The trailing unnamed columns are not « unknown columns ».
    assert_eq!(
        file.ignored_columns,
        [
            "Date d'entrée dans l'école",
            "Statut",
            "Adresse",
            "Observations"
        ]
    );
}

#[test]
fn both_header_sets_fill_the_same_fields() {
    for name in ["eleves-2019.csv", "eleves-2024-utf8.csv"] {
        let file = read(name);
        for pupil in &file.pupils {
            assert!(pupil.sex.is_some(), "{name}: {pupil:?}");
            assert!(pupil.level.is_some(), "{name}: {pupil:?}");
            assert!(pupil.class_label.is_some(), "{name}: {pupil:?}");
            assert!(pupil.class_id.is_some(), "{name}: {pupil:?}");
        }
        assert!(file.pupils.iter().filter(|p| p.ine.is_some()).count() >= 5);
    }
}

#[test]
fn guardians_one_row_per_child_with_numbered_guardian_groups() {
    let file = read("responsables-2024-par-eleve.csv");
    assert_eq!(file.kind, FileKind::Guardians);
    assert_eq!(file.encoding, Encoding::Windows1252);
    assert_eq!(file.rows, 11);
    let names: Vec<String> = file
        .guardians
        .iter()
        .map(|g| format!("{} {}", g.first_name, g.last_name))
        .collect();
    assert_eq!(
        names,
        [
            "Sophie MARTIN",
            "Karim MARTIN",
            "Claire ROUX",
            "Marc DUBOIS",
            "Anne-Sophie LE GALL",
            "Jürgen MÜLLER",
            "Gaëlle MÜLLER",
            "Aïssatou N'DIAYE",
            "Benoît HÉBERT",
            "Cécile FRANÇOIS",
            "Jérôme FRANÇOIS",
            "Laëtitia PETIT",
            "Hélène D'AUBIGNÉ",
            "Béatrice ROUSSEAU",
            "Thierry ROUSSEAU",
        ]
    );
    // Sophie and Karim are on Léa's row and on Lucas's: one each, with both children.
    let sophie = &file.guardians[0];
    let children: Vec<(&str, Option<&str>)> = sophie
        .children
        .iter()
        .map(|c| (c.first_name.as_str(), c.ine.as_deref()))
        .collect();
    assert_eq!(
        children,
        [("Léa", Some("0923456790K")), ("Lucas", Some("0923456781A"))]
    );
    assert_eq!(sophie.relation.as_deref(), Some("Mère"));
    assert_eq!(sophie.email.as_deref(), Some("sophie.martin@example.fr"));
    assert_eq!(sophie.phone.as_deref(), Some("06 11 22 33 44"));
    assert_eq!(file.guardians[1].children.len(), 2);
    // Claire has only a home phone.
    assert_eq!(file.guardians[2].phone.as_deref(), Some("02 40 11 22 33"));
    // Marc's address lacks a domain: kept without it, and said.
    assert_eq!(file.guardians[3].email, None);
    assert_eq!(file.problems.len(), 1, "{:?}", file.problems);
    assert_eq!(file.problems[0].line, 4);
    assert!(!file.problems[0].skipped);
    assert!(file.problems[0].message_fr.contains("marc.dubois@example"));
    // Benoît has no e-mail at all: no problem, no address.
    assert_eq!(file.guardians[8].email, None);
    assert!(
        file.ignored_columns
            .contains(&"Civilité responsable 1".to_owned())
    );
    // The children's classes are classes of the school.
    assert_eq!(
        file.classes.len(),
        0,
        "guardians files name no class of their own"
    );

    // Every child is a pupil of the same year's pupils file.
    let import = OndeImport::combine([read("eleves-2024-utf8.csv"), file]);
    for guardian in &import.guardians {
        for child in &guardian.children {
            let pupil = import.find_pupil(child).map(|i| &import.pupils[i]);
            assert!(pupil.is_some(), "{} → {child:?}", guardian.first_name);
        }
    }
    let noel = import
        .find_pupil(&import.guardians[2].children[0])
        .map(|i| import.pupils[i].first_name().to_owned());
    assert_eq!(noel.as_deref(), Some("Noël"));
}

#[test]
fn guardians_one_row_per_guardian_with_numbered_child_groups() {
    let file = read("responsables-2019-par-responsable.csv");
    assert_eq!(file.kind, FileKind::Guardians);
    assert!(file.problems.is_empty(), "{:?}", file.problems);
    assert_eq!(file.guardians.len(), 4);
    let francois = &file.guardians[1];
    assert_eq!(
        (francois.first_name.as_str(), francois.last_name.as_str()),
        ("François", "LEFÈVRE")
    );
    assert_eq!(francois.relation.as_deref(), Some("Père"));
    assert_eq!(francois.email.as_deref(), Some("f.lefevre@example.fr"));
    assert_eq!(francois.phone.as_deref(), Some("06 00 00 00 02"));
    let children: Vec<String> = francois.children.iter().map(|c| c.describe_fr()).collect();
    assert_eq!(
        children,
        [
            "Noël LEFÈVRE, né(e) le 02/11/2012",
            "Zoé MÜLLER, né(e) le 30/06/2014"
        ]
    );
    let beatrice = &file.guardians[3];
    assert_eq!(beatrice.children.len(), 3);
    assert_eq!(beatrice.relation.as_deref(), Some("Tutrice"));
    assert_eq!(beatrice.phone.as_deref(), Some("02 40 00 00 04"));

    // Linked to the 2019 pupils, Aurélien under his usage name.
    let beatrice = beatrice.clone();
    let import = OndeImport::combine([read("eleves-2019.csv"), file]);
    let wards: Vec<&str> = beatrice
        .children
        .iter()
        .filter_map(|c| import.find_pupil(c))
        .map(|i| import.pupils[i].first_name())
        .collect();
    assert_eq!(wards, ["Aurélien", "Maël", "Inès"]);
}

#[test]
fn guardians_one_row_per_pair_in_windows_1252() {
    let file = read("responsables-par-enfant-cp1252.csv");
    assert_eq!(file.kind, FileKind::Guardians);
    assert_eq!(file.encoding, Encoding::Windows1252);
    assert_eq!(file.guardians.len(), 2);
    let mother = &file.guardians[0];
    assert_eq!(
        (mother.first_name.as_str(), mother.last_name.as_str()),
        ("Cœline", "BŒUF")
    );
    let children: Vec<&str> = mother
        .children
        .iter()
        .map(|c| c.first_name.as_str())
        .collect();
    assert_eq!(children, ["Anaïs", "Noé"]);
    assert_eq!(file.guardians[1].first_name, "Rémi");
    assert_eq!(file.guardians[1].children.len(), 1);
    assert_eq!(
        file.guardians[1].children[0].birth_date,
        Some(date!(2017 - 05 - 05))
    );
}

#[test]
fn teachers_with_their_classes() {
    let file = read("enseignants-2024.csv");
    assert_eq!(file.kind, FileKind::Teachers);
    assert_eq!(file.teachers.len(), 4);
    let helene = &file.teachers[0];
    assert_eq!(
        (helene.first_name.as_str(), helene.last_name.as_str()),
        ("Hélène", "LEFÈVRE")
    );
    assert_eq!(helene.function.as_deref(), Some("Directrice"));
    assert_eq!(helene.email.as_deref(), Some("helene.lefevre@ac-nantes.fr"));
    assert_eq!(helene.classes, ["CP Mme Lefèvre"]);
    // Zoé Roussel is listed once per class: one teacher, two classes.
    let zoe = &file.teachers[3];
    assert_eq!(zoe.first_name, "Zoé");
    assert_eq!(zoe.classes, ["CP Mme Lefèvre", "CE1 Mme Noël"]);
    let classes: Vec<&str> = file.classes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        classes,
        ["CP Mme Lefèvre", "CE1 Mme Noël", "CE2-CM1 M. Benoît"]
    );
    assert_eq!(file.ignored_columns, ["Civilité"]);
}

#[test]
fn malformed_lines_are_reported_with_their_line_numbers_and_skipped() {
    let file = read("eleves-lignes-abimees.csv");
    let skipped: Vec<usize> = file
        .problems
        .iter()
        .filter(|p| p.skipped)
        .map(|p| p.line)
        .collect();
    assert_eq!(skipped, [5, 6, 7, 9, 11, 13, 18], "{:#?}", file.problems);
    let kept: Vec<usize> = file
        .problems
        .iter()
        .filter(|p| !p.skipped)
        .map(|p| p.line)
        .collect();
    assert_eq!(kept, [14]);
    let lines: Vec<usize> = file.pupils.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3, 8, 12, 14, 15]);
    assert_eq!(file.rows, 13);
    let message = |line: usize| {
        file.problems
            .iter()
            .find(|p| p.line == line)
            .map(|p| (p.message_fr.as_str(), p.message_en.as_str()))
            .unwrap_or_default()
    };
    assert!(message(5).0.contains("31/02/2017"), "{:?}", message(5));
    assert!(
        message(6).0.contains("3 champs au lieu de 8"),
        "{:?}",
        message(6)
    );
    assert!(message(7).0.contains("nom vide"), "{:?}", message(7));
    assert!(
        message(9).0.contains("9 champs au lieu de 8"),
        "{:?}",
        message(9)
    );
    assert!(message(11).0.contains("prénom vide"), "{:?}", message(11));
    assert!(
        message(18).1.contains("unreadable birth date"),
        "{:?}",
        message(18)
    );
    assert_eq!(file.pupils[4].first_name(), "Nolwenn");
    assert_eq!(file.pupils[4].sex, None);
    assert_eq!(file.pupils[1].first_name(), "Célia");
}

#[test]
fn headers_are_mapped_by_normalised_name_never_by_position() {
    let csv = "\u{feff}Libellé classe;NÉ(E) LE;Prenom 1;Prénom 2;NOM D'USAGE;Nom de famille;Identifiant national élève;SEXE;Niveau;Couleur préférée\r\n\
               CM2 B;1/9/2013;Jean-Noël;Paul;Le Gall;Dupont;0943456781a;G;Cours moyen 2e année;bleu\r\n";
    let file = onde::parse(csv.as_bytes()).expect("a pupils file");
    assert_eq!(file.kind, FileKind::Pupils);
    let pupil = &file.pupils[0];
    assert_eq!(pupil.last_name, "Dupont");
    assert_eq!(pupil.usage_name.as_deref(), Some("Le Gall"));
    assert_eq!(pupil.first_names, ["Jean-Noël", "Paul"]);
    assert_eq!(pupil.birth_date, date!(2013 - 09 - 01));
    assert_eq!(pupil.ine.as_deref(), Some("0943456781A"));
    assert_eq!(pupil.sex, Some(Sex::Male));
    assert_eq!(pupil.level, Some(Level::Cm2));
    assert_eq!(pupil.class_label.as_deref(), Some("CM2 B"));
    assert_eq!(file.ignored_columns, ["Couleur préférée"]);
}

#[test]
fn quoting_separators_and_line_ends() {
    // Tabs, LF, a quoted name holding the separator, doubled quotes, a line break.
    let csv = "Nom\tPrénom\tDate de naissance\tClasse\n\
               \"DE LA\tTOUR\"\t\"Léo \"\"Titi\"\"\"\t02/02/2016\t\"CE2\nB\"\n\
               MARTIN\tÉmile\t03/03/2016\tCE2 B\n";
    let file = onde::parse(csv.as_bytes()).expect("a pupils file");
    assert_eq!(file.separator, '\t');
    assert_eq!(file.pupils.len(), 2);
    assert_eq!(file.pupils[0].last_name, "DE LA TOUR");
    assert_eq!(file.pupils[0].first_name(), "Léo \"Titi\"");
    assert_eq!(file.pupils[0].class_label.as_deref(), Some("CE2 B"));
    assert_eq!(file.pupils[1].line, 4);
    // The same, `,`-separated with CRLF.
    let csv = "Nom,Prénom,Date de naissance\r\n\"LEBLANC, dit Blanc\",Zoé,04/04/2016\r\n";
    let file = onde::parse(csv.as_bytes()).expect("a pupils file");
    assert_eq!(file.separator, ',');
    assert_eq!(file.pupils[0].last_name, "LEBLANC, dit Blanc");
}

#[test]
fn a_missing_required_column_is_named_in_french() {
    let csv = b"Nom;Pr\xe9nom;Sexe;INE;Classe\r\nDUPONT;L\xe9a;F;0953456781A;CP\r\n";
    let error = onde::parse(csv).expect_err("no birth date column");
    assert!(
        matches!(&error, OndeError::MissingColumn { column_fr, .. } if column_fr.contains("Date de naissance")),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Colonne obligatoire absente du fichier des élèves : « Date de naissance de l'élève »."
    );
    assert!(error.message_en().contains("birth date"));

    let csv = "Nom responsable 1;Prénom responsable 1;Courriel responsable 1;Nom élève\n";
    let error = onde::parse(csv.as_bytes()).expect_err("no child first name");
    assert_eq!(
        error.to_string(),
        "Colonne obligatoire absente du fichier des responsables légaux : « Prénom de l'élève »."
    );
}

#[test]
fn files_that_are_not_exports_are_refused() {
    assert_eq!(onde::parse(b""), Err(OndeError::Empty));
    assert_eq!(onde::parse(b"\r\n;;;\r\n"), Err(OndeError::Empty));
    assert_eq!(
        onde::parse(b"Produit;Prix\r\nPomme;2\r\n"),
        Err(OndeError::UnknownKind)
    );
    let huge = vec![b'a'; MAX_BYTES + 1];
    assert!(matches!(
        onde::parse(&huge),
        Err(OndeError::TooLarge { .. })
    ));
    let mut many = String::from("Nom;Prénom;Date de naissance\n");
    for i in 0..=MAX_ROWS {
        many.push_str(&format!("N{i};P;01/01/2016\n"));
    }
    assert_eq!(
        onde::parse(many.as_bytes()),
        Err(OndeError::TooManyRows { max: MAX_ROWS })
    );
    let wide = vec!["x"; 300].join(";");
    assert!(matches!(
        onde::parse(wide.as_bytes()),
        Err(OndeError::TooManyColumns { .. })
    ));
    // A long field is one problem, not a failure.
    let long = format!(
        "Nom;Prénom;Date de naissance\nDUPONT;{};01/01/2016\nMARTIN;Léa;02/02/2016\n",
        "x".repeat(5000)
    );
    let file = onde::parse(long.as_bytes()).expect("read");
    assert_eq!(file.pupils.len(), 1);
    assert_eq!(file.problems[0].line, 2);
}

#[test]
fn a_file_can_be_read_as_the_kind_the_headteacher_chose() {
    let csv = "Nom;Prénom;Classe\nMARTIN;Léa;CP\n";
    assert_eq!(
        onde::parse(csv.as_bytes()).map(|f| f.kind),
        Ok(FileKind::Teachers)
    );
    let error = onde::parse_as(csv.as_bytes(), FileKind::Pupils).expect_err("no birth date");
    assert!(error.to_string().contains("Date de naissance"));
}

#[test]
fn files_of_one_school_combine_without_doubles() {
    let import = OndeImport::combine([
        read("eleves-2024-utf8.csv"),
        read("eleves-2024-utf8.csv"),
        read("responsables-2024-par-eleve.csv"),
        read("enseignants-2024.csv"),
    ]);
    assert_eq!(import.pupils.len(), 11);
    assert_eq!(import.guardians.len(), 15);
    assert_eq!(import.teachers.len(), 4);
    assert_eq!(import.classes.len(), 3);
    assert_eq!(import.classes[0].pupils, 6, "counted once per file read");
    // 1 merge in each copy, 11 across the two copies.
    assert_eq!(import.merges.len(), 13);
    let json = serde_json::to_string(&import).expect("serialisable");
    assert!(json.contains("\"birth_date\""));
    let back: OndeImport = serde_json::from_str(&json).expect("deserialisable");
    assert_eq!(back, import);
}

// --- Preview ---------------------------------------------------------------------------

fn user(id: u64, role: Role, first: &str, last: &str) -> User {
    User {
        id: UserId(id),
        login: format!("u{id}"),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        role,
        birth_date: None,
        classes: Vec::new(),
        guardians: Vec::new(),
        email: None,
        archived: false,
    }
}

fn class(id: u64, name: &str, teachers: &[u64]) -> Class {
    Class {
        id: ClassId(id),
        name: name.to_owned(),
        levels: Vec::new(),
        year: SchoolYear(2024),
        teachers: teachers.iter().copied().map(UserId).collect(),
        archived: false,
    }
}

#[test]
fn preview_says_what_would_be_created_changed_and_archived() {
    let classes = [
        class(1, "CP Mme Lefèvre", &[100]),
        class(2, "CE1 Mme Noël", &[]),
        class(3, "CM2 Mme Ancienne", &[]),
    ];
    let pupil = |id, first, last, born, class: u64| User {
        birth_date: Some(born),
        classes: vec![ClassId(class)],
        ..user(id, Role::Pupil, first, last)
    };
    let adult = |id, role, first, last, email: Option<&str>| User {
        email: email.map(str::to_owned),
        ..user(id, role, first, last)
    };
    let users = [
        // Found by INE; moves up to a class that does not exist yet.
        User {
            guardians: vec![UserId(20)],
            ..pupil(10, "Lucas", "Martin", date!(2016 - 05 - 02), 2)
        },
        // Found by names and birth date (no INE known yet): the INE is added.
        User {
            guardians: vec![UserId(22)],
            ..pupil(11, "Noël", "Roux", date!(2017 - 12 - 25), 2)
        },
        // Nothing changes.
        pupil(12, "Fatou", "N'Diaye", date!(2018 - 10 - 11), 1),
        // Left the school.
        pupil(13, "Kevin", "Leparti", date!(2016 - 01 - 01), 3),
        // Left last year, back this year.
        User {
            archived: true,
            ..pupil(14, "Zoé", "Müller", date!(2015 - 06 - 30), 3)
        },
        adult(
            20,
            Role::Parent,
            "Sophie",
            "Martin",
            Some("Sophie.Martin@example.fr"),
        ),
        adult(
            21,
            Role::Parent,
            "Gérard",
            "Ancien",
            Some("gerard@example.fr"),
        ),
        adult(22, Role::Parent, "Claire", "Roux", None),
        adult(
            100,
            Role::Headteacher,
            "Hélène",
            "Lefèvre",
            Some("helene.lefevre@ac-nantes.fr"),
        ),
        adult(
            101,
            Role::Teacher,
            "Agnès",
            "Noël",
            Some("agnes.noel@ac-rennes.fr"),
        ),
        adult(
            102,
            Role::Teacher,
            "Paul",
            "Parti",
            Some("paul.parti@ac-nantes.fr"),
        ),
        adult(103, Role::Staff, "Josiane", "Atsem", None),
    ];
    let ines = [
        (UserId(10), "0923456781A".to_owned()),
        (UserId(12), "0923456785E".to_owned()),
    ];
    let import = OndeImport::combine([
        read("eleves-2024-utf8.csv"),
        read("responsables-2024-par-eleve.csv"),
        read("enseignants-2024.csv"),
    ]);
    let current = Current {
        users: &users,
        classes: &classes,
        ines: &ines,
    };
    let preview = onde::preview(&current, &import);

    let created: Vec<(Role, String)> = preview
        .to_create
        .iter()
        .map(|c| (c.role, format!("{} {}", c.first_name, c.last_name)))
        .collect();
    let of = |role| {
        created
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(Role::Pupil),
        [
            "Léa MARTIN",
            "Maël LE GALL",
            "Loïc HÉBERT",
            "Océane FRANÇOIS",
            "Inès PETIT",
            "Jérôme D'AUBIGNÉ",
            "Gaëlle ROUSSEAU"
        ]
    );
    assert_eq!(of(Role::Parent).len(), 13);
    assert!(!of(Role::Parent).contains(&"Sophie MARTIN"));
    assert_eq!(of(Role::Teacher), ["Gaëtan BENOÎT", "Zoé ROUSSEL"]);
    let lea = &preview.to_create[0];
    assert_eq!(lea.source, Source::Pupil(0));
    assert_eq!(lea.classes, ["CP Mme Lefèvre"]);
    let karim = preview
        .to_create
        .iter()
        .find(|c| c.first_name == "Karim")
        .expect("Karim is new");
    assert_eq!(
        karim.children,
        [
            "Léa MARTIN, né(e) le 14/03/2018",
            "Lucas MARTIN, né(e) le 02/05/2016"
        ]
    );

    let changes = |id: u64| -> Vec<(String, String, String)> {
        preview
            .to_change
            .iter()
            .find(|c| c.user == UserId(id))
            .map(|c| {
                c.changes
                    .iter()
                    .map(|f| (f.field_fr.clone(), f.before.clone(), f.after.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let triple = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        changes(10),
        [triple(
            "Classe",
            "CE1 Mme Noël",
            "CE2-CM1 M. Benoît (nouvelle)"
        )]
    );
    assert_eq!(changes(11), [triple("INE", "", "0923456782B")]);
    assert_eq!(
        changes(14),
        [
            triple("Compte", "archivé", "réactivé"),
            triple("INE", "", "0923456784D"),
            triple("Classe", "CM2 Mme Ancienne", "CE2-CM1 M. Benoît (nouvelle)"),
        ]
    );
    // Sophie already is Lucas's guardian; Léa is new.
    assert_eq!(
        changes(20),
        [triple("Enfants", "", "Léa MARTIN, né(e) le 14/03/2018")]
    );
    assert_eq!(
        changes(22),
        [triple("Courriel", "", "claire.roux@example.fr")]
    );
    assert_eq!(
        changes(101),
        [
            triple(
                "Courriel",
                "agnes.noel@ac-rennes.fr",
                "agnes.noel@ac-nantes.fr"
            ),
            triple("Classes", "", "CE1 Mme Noël"),
        ]
    );
    assert_eq!(preview.to_change.len(), 6);
    assert_eq!(preview.unchanged, [UserId(12), UserId(100)]);

    let archived: Vec<(UserId, Role)> = preview
        .to_archive
        .iter()
        .map(|a| (a.user, a.role))
        .collect();
    assert_eq!(
        archived,
        [
            (UserId(13), Role::Pupil),
            (UserId(21), Role::Parent),
            (UserId(102), Role::Teacher),
        ]
    );
    assert_eq!(preview.classes_to_create, ["CE2-CM1 M. Benoît"]);
    assert_eq!(preview.classes_to_archive, [ClassId(3)]);
    assert!(preview.warnings.is_empty(), "{:?}", preview.warnings);
}

#[test]
fn preview_of_a_pupils_file_alone_archives_no_adult() {
    let users = [
        user(1, Role::Parent, "Gérard", "Ancien"),
        user(2, Role::Teacher, "Paul", "Parti"),
    ];
    let import = OndeImport::from(read("eleves-2019.csv"));
    let preview = onde::preview(
        &Current {
            users: &users,
            classes: &[],
            ines: &[],
        },
        &import,
    );
    assert_eq!(preview.to_create.len(), 6);
    assert!(preview.to_archive.is_empty());
    assert_eq!(preview.classes_to_create.len(), 3);
}

#[test]
fn preview_warns_about_a_child_found_nowhere() {
    let import = OndeImport::from(read("responsables-par-enfant-cp1252.csv"));
    let preview = onde::preview(
        &Current {
            users: &[],
            classes: &[],
            ines: &[],
        },
        &import,
    );
    assert_eq!(preview.to_create.len(), 2);
    assert_eq!(preview.warnings.len(), 3);
    assert!(preview.warnings[0].message_fr.contains("Anaïs BŒUF"));
}

// --- Robustness ----------------------------------------------------------------------------

/// A small deterministic generator (xorshift64*), so failures can be replayed from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

fn seed() -> u64 {
    let seed = std::env::var("ONDE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    println!("seed {seed} (replay with ONDE_SEED={seed})");
    seed
}

const FIXTURES: [&str; 7] = [
    "eleves-2019.csv",
    "eleves-2024-utf8.csv",
    "eleves-lignes-abimees.csv",
    "enseignants-2024.csv",
    "responsables-2019-par-responsable.csv",
    "responsables-2024-par-eleve.csv",
    "responsables-par-enfant-cp1252.csv",
];

/// Reads, joins and previews: none of it may panic.
fn exercise(bytes: &[u8]) {
    if let Ok(file) = onde::parse(bytes) {
        for problem in &file.problems {
            assert!(problem.line >= 1);
        }
        let users = [user(1, Role::Pupil, "Léa", "Martin")];
        let import = OndeImport::from(file);
        let _ = onde::preview(
            &Current {
                users: &users,
                classes: &[class(1, "CP", &[])],
                ines: &[],
            },
            &import,
        );
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(seed());
    let alphabet = b";,\t\"\r\n aeAZ09/-\xe9\xc3\xa9\xef\xbb\xbf\xff\xfe";
    for _ in 0..400 {
        let len = rng.below(600);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    (rng.next() & 0xff) as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        exercise(&bytes);
        // The same after a real header, so that rows get read.
        let mut with_header = b"Nom;Pr\xe9nom;Date de naissance;INE;Classe;Niveau\r\n".to_vec();
        with_header.extend_from_slice(&bytes);
        exercise(&with_header);
        let mut guardians =
            b"Nom \xe9l\xe8ve;Pr\xe9nom \xe9l\xe8ve;Nom responsable 1;Pr\xe9nom responsable 1;Courriel responsable 2\r\n"
                .to_vec();
        guardians.extend_from_slice(&bytes);
        exercise(&guardians);
    }
}

#[test]
fn truncated_and_mutated_fixtures_never_panic() {
    let mut rng = Rng(seed());
    for name in FIXTURES {
        let bytes = fixture(name);
        for cut in 0..=bytes.len() {
            exercise(&bytes[..cut]);
        }
        for _ in 0..100 {
            let mut mutated = bytes.clone();
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(mutated.len());
                match rng.below(3) {
                    0 => mutated[at] = (rng.next() & 0xff) as u8,
                    1 => {
                        mutated.remove(at);
                    }
                    _ => mutated.insert(at, b"\";\r\n,"[rng.below(5)]),
                }
            }
            exercise(&mutated);
        }
    }
}

#[test]
fn a_full_size_file_reads_and_previews_in_reasonable_time() {
    let rows = MAX_ROWS;
    let mut csv = String::from("Nom;Prénom;Date de naissance;INE;Classe\r\n");
    let mut users = Vec::new();
    for i in 0..rows {
        let day = 1 + i % 28;
        csv.push_str(&format!(
            "NOM{i};Prénom{};{day:02}/03/2016;;Classe {}\r\n",
            i % 7,
            i % 40
        ));
        users.push(User {
            birth_date: Some(date!(2016 - 03 - 01)),
            ..user(
                i as u64,
                Role::Pupil,
                &format!("Prénom{}", i % 7),
                &format!("NOM{}", i + 7),
            )
        });
    }
    let started = std::time::Instant::now();
    let file = onde::parse(csv.as_bytes()).expect("read");
    assert_eq!(file.pupils.len(), rows);
    let import = OndeImport::from(file);
    let preview = onde::preview(
        &Current {
            users: &users,
            classes: &[],
            ines: &[],
        },
        &import,
    );
    assert_eq!(preview.classes_to_create.len(), 40);
    println!("{rows} rows read and previewed in {:?}", started.elapsed());
}
