//! The ONDE import on arbitrary bytes: reading, joining and previewing must never panic, and
//! what comes out must respect the documented bounds.
//!
//! `cargo +nightly fuzz run onde` from `provisioning/preau-provision` (see `fuzz/Cargo.toml`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use preau_core::{Role, User, UserId};
use preau_provision::onde::{self, Current, FileKind, MAX_ROWS, OndeImport};

fuzz_target!(|data: &[u8]| {
    let users = [User {
        id: UserId(1),
        login: "lea.martin".to_owned(),
        first_name: "Léa".to_owned(),
        last_name: "Martin".to_owned(),
        role: Role::Pupil,
        birth_date: None,
        classes: Vec::new(),
        guardians: Vec::new(),
        email: None,
        archived: false,
    }];
    let current = Current {
        users: &users,
        classes: &[],
        ines: &[],
    };
    let mut files = Vec::new();
    for kind in [None, Some(FileKind::Guardians)] {
        let parsed = match kind {
            None => onde::parse(data),
            Some(kind) => onde::parse_as(data, kind),
        };
        if let Ok(file) = parsed {
            assert!(file.rows <= MAX_ROWS);
            assert!(file.problems.iter().all(|p| p.line >= 1));
            assert!(file.pupils.iter().all(|p| !p.first_names.is_empty()));
            files.push(file);
        }
    }
    let import = OndeImport::combine(files);
    let _ = onde::preview(&current, &import);
});
