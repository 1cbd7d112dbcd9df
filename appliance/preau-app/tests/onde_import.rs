//! The rentrée import on the box: ONDE exports previewed, then applied all or nothing, with
//! the fixtures of `tests/fixtures/onde`.

mod support;

use preau_app::accounts::Handover;
use preau_app::{AppError, Problem};
use preau_core::Role;
use support::{School, forbidden, refused};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = format!(
        "{}/../../tests/fixtures/onde/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    (name.to_owned(), bytes)
}

fn files_2024() -> Vec<(String, Vec<u8>)> {
    vec![
        fixture("eleves-2024-utf8.csv"),
        fixture("responsables-2024-par-eleve.csv"),
        fixture("enseignants-2024.csv"),
    ]
}

#[test]
fn preview_counts_then_apply_creates_everyone_and_links_guardians() {
    let s = School::monday_morning();
    let head = s.head();
    let files = files_2024();
    let view = s.app.onde_preview(&head, &files).expect("preview");
    assert!(view.applicable, "{:#?}", view.files);
    let p = &view.preview;
    let pupils = view.import.pupils.len();
    let guardians = view.import.guardians.len();
    let teachers = view.import.teachers.len();
    assert_eq!(pupils, 11);
    let created_pupils = p.to_create.iter().filter(|c| c.role == Role::Pupil).count();
    assert_eq!(created_pupils, pupils, "the demo has none of these pupils");
    // The demo's 36 pupils are not in the new files.
    let archived_pupils = p
        .to_archive
        .iter()
        .filter(|a| a.role == Role::Pupil)
        .count();
    assert_eq!(archived_pupils, 36);
    assert!(!p.classes_to_create.is_empty());
    assert_eq!(view.classes_to_archive.len(), 2, "the demo's CP and CM2");

    let applied = s.app.onde_apply(&head, &files).expect("apply");
    assert_eq!(applied.created, p.to_create.len());
    assert_eq!(applied.archived, p.to_archive.len());
    assert_eq!(applied.classes_created, p.classes_to_create.len());
    let new_adults = p.to_create.iter().filter(|c| c.role != Role::Pupil).count();
    assert_eq!(applied.letters.len(), new_adults);
    assert!(
        applied
            .letters
            .iter()
            .all(|(_, h)| matches!(h, Handover::ActivationCode(c) if !c.is_empty()))
    );
    assert!(guardians > 0 && teachers > 0);

    // The new classes exist, with their pupils; guardians are linked to the right children.
    let dir = s.app.directory();
    for label in &p.classes_to_create {
        let class = dir
            .current_classes()
            .into_iter()
            .find(|c| &c.name == label)
            .unwrap_or_else(|| panic!("class {label}"));
        assert!(!dir.pupils_of(class.id).is_empty(), "{label} has pupils");
    }
    for guardian in &view.import.guardians {
        let account = dir
            .users()
            .into_iter()
            .find(|u| {
                u.role == Role::Parent
                    && !u.archived
                    && u.first_name == guardian.first_name
                    && u.last_name == guardian.last_name
            })
            .unwrap_or_else(|| panic!("guardian {}", guardian.first_name));
        let children: Vec<String> = dir
            .children_of(account.id)
            .iter()
            .map(|c| c.first_name.to_lowercase())
            .collect();
        for child in &guardian.children {
            assert!(
                children.contains(&child.first_name.to_lowercase()),
                "{} → {:?} in {children:?}",
                guardian.first_name,
                child.first_name
            );
        }
    }
    for teacher in &view.import.teachers {
        let account = dir
            .users()
            .into_iter()
            .find(|u| u.role.is_adult() && u.last_name == teacher.last_name && !u.archived)
            .unwrap_or_else(|| panic!("teacher {}", teacher.last_name));
        for label in &teacher.classes {
            let class = dir
                .current_classes()
                .into_iter()
                .find(|c| &c.name == label)
                .unwrap_or_else(|| panic!("class {label}"));
            assert!(class.teachers.contains(&account.id), "{label}");
        }
    }
    // The demo pupils are archived.
    let demo_pupil = s.pupil(0, 0);
    assert!(dir.user(demo_pupil).expect("pupil").archived);
}

#[test]
fn applying_the_same_files_twice_changes_nothing() {
    let s = School::monday_morning();
    let head = s.head();
    let files = files_2024();
    s.app.onde_apply(&head, &files).expect("first");
    let again = s.app.onde_preview(&head, &files).expect("preview");
    let p = &again.preview;
    assert!(p.to_create.is_empty(), "{:#?}", p.to_create);
    assert!(p.to_change.is_empty(), "{:#?}", p.to_change);
    assert!(p.to_archive.is_empty(), "{:#?}", p.to_archive);
    assert!(p.classes_to_create.is_empty());
    assert!(p.classes_to_archive.is_empty());
    let applied = s.app.onde_apply(&head, &files).expect("second");
    assert_eq!(
        (applied.created, applied.changed, applied.archived),
        (0, 0, 0)
    );
    assert!(applied.letters.is_empty());
}

#[test]
fn a_newer_file_archives_a_pupil_who_left_and_creates_a_new_one() {
    let s = School::monday_morning();
    let head = s.head();
    s.app.onde_apply(&head, &files_2024()).expect("2024");
    // The pupil called `first` `last` (the demo's pupils, archived now, may share names).
    let pupil = |first: &str, last: &str| {
        s.app
            .directory()
            .users()
            .into_iter()
            .find(|u| u.role == Role::Pupil && u.first_name == first && u.last_name == last)
            .map(|u| (u.id, u.archived))
            .unwrap_or_else(|| panic!("{first} {last}"))
    };
    let (ines_id, _) = pupil("Inès", "PETIT");
    let (lucas, _) = pupil("Lucas", "MARTIN");
    // Later that year: Inès PETIT left, Hugo BERNARD arrived.
    let (name, bytes) = fixture("eleves-2024-utf8.csv");
    let text = String::from_utf8(bytes).expect("utf-8");
    let mut newer: String = text
        .lines()
        .filter(|l| !l.starts_with("0923456788H,PETIT"))
        .map(|l| format!("{l}\n"))
        .collect();
    newer.push_str(
        "0923456799Z,BERNARD,,Hugo,,,03/03/2018,M,5101,CP Mme Lefèvre,CP,Cycle 2,02/01/2025,Inscrit,,,,\n",
    );
    let files = vec![(name, newer.into_bytes())];
    let view = s.app.onde_preview(&head, &files).expect("preview");
    let p = &view.preview;
    assert_eq!(
        p.to_archive.iter().map(|a| a.user).collect::<Vec<_>>(),
        [ines_id]
    );
    assert_eq!(p.to_create.len(), 1, "{:#?}", p.to_create);
    assert_eq!(p.to_create[0].first_name, "Hugo");
    assert!(p.to_change.is_empty(), "{:#?}", p.to_change);
    assert!(p.unchanged.contains(&lucas));
    let applied = s.app.onde_apply(&head, &files).expect("apply");
    assert_eq!((applied.created, applied.archived), (1, 1));
    assert!(
        applied.letters.is_empty(),
        "a pupil gets a card, not a letter"
    );
    assert!(pupil("Inès", "PETIT").1, "archived");
    assert!(!pupil("Hugo", "BERNARD").1);
    assert!(!pupil("Lucas", "MARTIN").1);
}

#[test]
fn only_the_headteacher_may_import() {
    let s = School::monday_morning();
    let teacher = s.teacher(0);
    forbidden(s.app.onde_preview(&teacher, &files_2024()));
    forbidden(s.app.onde_apply(&teacher, &files_2024()));
    let parent = s.guardian(s.pupil(0, 0), 0);
    forbidden(s.app.onde_apply(&parent, &files_2024()));
}

#[test]
fn a_damaged_file_shows_its_lines_and_nothing_is_applied() {
    let s = School::monday_morning();
    let head = s.head();
    let files = vec![fixture("eleves-lignes-abimees.csv")];
    let view = s.app.onde_preview(&head, &files).expect("preview");
    assert!(!view.applicable);
    let lines: Vec<usize> = view.files[0].problems.iter().map(|p| p.line).collect();
    assert!(lines.contains(&5) && lines.contains(&6), "{lines:?}");
    assert!(
        view.files[0]
            .problems
            .iter()
            .any(|p| p.message_fr.contains("31/02/2017"))
    );
    let before = s.app.directory().users().len();
    let problem = refused(s.app.onde_apply(&head, &files));
    assert_eq!(
        problem,
        Problem::OndeRefused("eleves-lignes-abimees.csv".into())
    );
    assert_eq!(s.app.directory().users().len(), before);

    // A file that is no ONDE export at all is refused as a whole.
    let junk = vec![("notes.csv".to_owned(), b"a;b\n1;2\n".to_vec())];
    let view = s.app.onde_preview(&head, &junk).expect("preview");
    assert!(view.files[0].refused.is_some());
    assert!(matches!(
        s.app.onde_apply(&head, &junk),
        Err(AppError::Invalid(Problem::OndeRefused(_)))
    ));
    assert_eq!(s.app.directory().users().len(), before);
    assert!(matches!(
        s.app.onde_apply(&head, &[]),
        Err(AppError::Invalid(Problem::NoFile))
    ));
}
