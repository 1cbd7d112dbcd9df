//! What an import would do to the directory, computed without applying anything: accounts to
//! create, accounts to change (field by field), accounts to archive, classes to create and
//! to archive.
//!
//! Pupils are matched by INE first, else by first name, name (usage or family) and birth
//! date; guardians by e-mail, else by names; teachers by e-mail, else by names. Only the roles
//! an import speaks for are archived: an import without a guardians file archives no parent,
//! and the headteacher and other staff are never archived by an import.

use super::{ChildKey, OndeImport, date_fr, fold_name};
use preau_core::{Class, ClassId, Role, User, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::Date;

/// The directory as it is now.
#[derive(Clone, Copy, Debug)]
pub struct Current<'a> {
    /// Every account, archived ones included (an archived pupil who comes back is
    /// reactivated rather than created again).
    pub users: &'a [User],
    /// Every class.
    pub classes: &'a [Class],
    /// The INEs known for pupils' accounts (the account record does not carry one yet).
    pub ines: &'a [(UserId, String)],
}

/// Which record of the import a planned action comes from (an index in
/// [`OndeImport::pupils`], [`OndeImport::guardians`] or [`OndeImport::teachers`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// A pupil.
    Pupil(usize),
    /// A guardian.
    Guardian(usize),
    /// A teacher.
    Teacher(usize),
}

/// An account the import would create.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedCreate {
    /// The record it comes from.
    pub source: Source,
    /// Its role.
    pub role: Role,
    /// First name.
    pub first_name: String,
    /// Name (usage name).
    pub last_name: String,
    /// Birth date (pupils).
    pub birth_date: Option<Date>,
    /// E-mail (adults), when given.
    pub email: Option<String>,
    /// Classes (pupils: theirs; teachers: those they teach), as named in the import.
    pub classes: Vec<String>,
    /// Children (guardians), « Prénom NOM ».
    pub children: Vec<String>,
}

/// One field an import would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field, in French (« Nom », « Classe », « Enfants »…).
    pub field_fr: String,
    /// The field, in English.
    pub field_en: String,
    /// The value now (empty when none).
    pub before: String,
    /// The value after the import.
    pub after: String,
}

/// An existing account the import would change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    /// The account.
    pub user: UserId,
    /// The record it was matched with.
    pub source: Source,
    /// Its name now, « Prénom Nom ».
    pub name: String,
    /// What changes.
    pub changes: Vec<FieldChange>,
}

/// An existing account the import would archive (not in the new files).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedArchive {
    /// The account.
    pub user: UserId,
    /// Its role.
    pub role: Role,
    /// Its name, « Prénom Nom ».
    pub name: String,
}

/// Something the headteacher should look at before applying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewWarning {
    /// In French.
    pub message_fr: String,
    /// In English.
    pub message_en: String,
}

/// What an import would do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// Accounts to create.
    pub to_create: Vec<PlannedCreate>,
    /// Accounts to change.
    pub to_change: Vec<PlannedChange>,
    /// Accounts to archive.
    pub to_archive: Vec<PlannedArchive>,
    /// Accounts matched that would not change.
    pub unchanged: Vec<UserId>,
    /// Classes of the import not in the directory (names as in the import).
    pub classes_to_create: Vec<String>,
    /// Current classes no longer in the import (only when the import has pupils in classes).
    pub classes_to_archive: Vec<ClassId>,
    /// Things to check (a guardian's child found nowhere…).
    pub warnings: Vec<PreviewWarning>,
}

/// Case-insensitive, accent-sensitive: « DUPONT » is « Dupont », « Lea » is not « Léa ».
fn differs(a: &str, b: &str) -> bool {
    a.to_lowercase() != b.to_lowercase()
}

fn change(field_fr: &str, field_en: &str, before: &str, after: &str) -> FieldChange {
    FieldChange {
        field_fr: field_fr.to_owned(),
        field_en: field_en.to_owned(),
        before: before.to_owned(),
        after: after.to_owned(),
    }
}

/// Existing accounts of some roles, indexed for matching.
struct Pool<'a> {
    users: Vec<&'a User>,
    by_email: HashMap<String, Vec<usize>>,
    by_names: HashMap<(String, String), Vec<usize>>,
    taken: HashSet<usize>,
}

impl<'a> Pool<'a> {
    fn new(users: &'a [User], roles: &[Role]) -> Pool<'a> {
        let users: Vec<&User> = users.iter().filter(|u| roles.contains(&u.role)).collect();
        let mut by_email: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_names: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, user) in users.iter().enumerate() {
            if let Some(email) = &user.email {
                by_email
                    .entry(email.trim().to_lowercase())
                    .or_default()
                    .push(i);
            }
            by_names
                .entry((fold_name(&user.first_name), fold_name(&user.last_name)))
                .or_default()
                .push(i);
        }
        Pool {
            users,
            by_email,
            by_names,
            taken: HashSet::new(),
        }
    }

    /// The first free candidate satisfying `fits`, active accounts before archived ones.
    fn pick(&self, candidates: Option<&Vec<usize>>, fits: impl Fn(&User) -> bool) -> Option<usize> {
        let candidates = candidates?;
        let free = |archived: bool| {
            candidates.iter().copied().find(|&i| {
                !self.taken.contains(&i)
                    && self.users[i].archived == archived
                    && fits(self.users[i])
            })
        };
        free(false).or_else(|| free(true))
    }

    fn by_names(&self, first: &str, last: &[&str], fits: impl Fn(&User) -> bool) -> Option<usize> {
        last.iter().find_map(|last| {
            self.pick(
                self.by_names.get(&(fold_name(first), fold_name(last))),
                &fits,
            )
        })
    }

    fn adult(&self, email: Option<&str>, first: &str, last: &str) -> Option<usize> {
        email
            .and_then(|e| self.pick(self.by_email.get(&e.to_lowercase()), |_| true))
            // Same names: the same person with a new address (the change is shown).
            .or_else(|| self.by_names(first, &[last], |_| true))
    }

    fn take(&mut self, index: usize) -> &'a User {
        self.taken.insert(index);
        self.users[index]
    }
}

/// Computes what importing `import` would do to the `current` directory. Nothing is applied.
pub fn preview(current: &Current<'_>, import: &OndeImport) -> Preview {
    let mut preview = Preview::default();
    let active_classes: Vec<&Class> = current.classes.iter().filter(|c| !c.archived).collect();
    let class_by_name: HashMap<String, &Class> = active_classes
        .iter()
        .map(|c| (fold_name(&c.name), *c))
        .collect();
    let class_names = |ids: &[ClassId]| -> String {
        ids.iter()
            .filter_map(|id| active_classes.iter().find(|c| c.id == *id))
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let reactivate = |user: &User, changes: &mut Vec<FieldChange>| {
        if user.archived {
            changes.push(change("Compte", "Account", "archivé", "réactivé"));
        }
    };

    // Classes.
    for class in &import.classes {
        if !class_by_name.contains_key(&fold_name(&class.label)) {
            preview.classes_to_create.push(class.label.clone());
        }
    }
    if import.classes.iter().any(|c| c.pupils > 0) {
        let named: HashSet<String> = import.classes.iter().map(|c| fold_name(&c.label)).collect();
        preview.classes_to_archive = active_classes
            .iter()
            .filter(|c| !named.contains(&fold_name(&c.name)))
            .map(|c| c.id)
            .collect();
    }

    // Pupils.
    let mut pupils = Pool::new(current.users, &[Role::Pupil]);
    let ine_of: HashMap<UserId, &str> = current
        .ines
        .iter()
        .map(|(id, ine)| (*id, ine.as_str()))
        .collect();
    let by_ine: HashMap<&str, usize> = pupils
        .users
        .iter()
        .enumerate()
        .filter_map(|(i, u)| ine_of.get(&u.id).map(|ine| (*ine, i)))
        .collect();
    // Where each pupil of the import ends up: an existing account, or a new one.
    let mut pupil_account: Vec<Option<UserId>> = Vec::with_capacity(import.pupils.len());
    for (index, pupil) in import.pupils.iter().enumerate() {
        let found = pupil
            .ine
            .as_deref()
            .and_then(|ine| by_ine.get(ine).copied())
            .filter(|i| !pupils.taken.contains(i))
            .or_else(|| {
                pupils.by_names(pupil.first_name(), &[pupil.name(), &pupil.last_name], |u| {
                    u.birth_date.is_none_or(|d| d == pupil.birth_date)
                })
            });
        let class = pupil.class_label.as_deref().or(pupil.class_id.as_deref());
        let Some(found) = found else {
            pupil_account.push(None);
            preview.to_create.push(PlannedCreate {
                source: Source::Pupil(index),
                role: Role::Pupil,
                first_name: pupil.first_name().to_owned(),
                last_name: pupil.name().to_owned(),
                birth_date: Some(pupil.birth_date),
                email: None,
                classes: class.map(str::to_owned).into_iter().collect(),
                children: Vec::new(),
            });
            continue;
        };
        let user = pupils.take(found);
        pupil_account.push(Some(user.id));
        let mut changes = Vec::new();
        reactivate(user, &mut changes);
        if differs(&user.last_name, pupil.name()) {
            changes.push(change("Nom", "Last name", &user.last_name, pupil.name()));
        }
        if differs(&user.first_name, pupil.first_name()) {
            changes.push(change(
                "Prénom",
                "First name",
                &user.first_name,
                pupil.first_name(),
            ));
        }
        if user.birth_date != Some(pupil.birth_date) {
            changes.push(change(
                "Date de naissance",
                "Birth date",
                &user.birth_date.map(date_fr).unwrap_or_default(),
                &date_fr(pupil.birth_date),
            ));
        }
        if let Some(ine) = &pupil.ine
            && ine_of.get(&user.id).is_none_or(|known| known != ine)
        {
            changes.push(change(
                "INE",
                "INE",
                ine_of.get(&user.id).copied().unwrap_or_default(),
                ine,
            ));
        }
        if let Some(label) = class {
            let existing = class_by_name.get(&fold_name(label));
            if existing.is_none_or(|c| !user.classes.contains(&c.id)) {
                let after = if existing.is_some() {
                    label.to_owned()
                } else {
                    format!("{label} (nouvelle)")
                };
                changes.push(change(
                    "Classe",
                    "Class",
                    &class_names(&user.classes),
                    &after,
                ));
            }
        }
        if changes.is_empty() {
            preview.unchanged.push(user.id);
        } else {
            preview.to_change.push(PlannedChange {
                user: user.id,
                source: Source::Pupil(index),
                name: user.full_name(),
                changes,
            });
        }
    }
    // Existing pupils a child key names when the import has no such pupil.
    let existing_child = |child: &ChildKey| -> Option<&User> {
        if let Some(ine) = &child.ine
            && let Some(&i) = by_ine.get(ine.as_str())
        {
            return Some(pupils.users[i]);
        }
        let key = (fold_name(&child.first_name), fold_name(&child.last_name));
        pupils.by_names.get(&key).and_then(|candidates| {
            candidates.iter().map(|&i| pupils.users[i]).find(|u| {
                match (u.birth_date, child.birth_date) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                }
            })
        })
    };
    // The import's pupils by INE and by folded names (family and usage), for the children of
    // guardians.
    let mut import_by_ine: HashMap<&str, usize> = HashMap::new();
    let mut import_by_names: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, pupil) in import.pupils.iter().enumerate() {
        if let Some(ine) = &pupil.ine {
            import_by_ine.entry(ine.as_str()).or_insert(i);
        }
        let first = fold_name(pupil.first_name());
        let mut lasts = vec![fold_name(&pupil.last_name), fold_name(pupil.name())];
        lasts.dedup();
        for last in lasts {
            import_by_names
                .entry((first.clone(), last))
                .or_default()
                .push(i);
        }
    }
    let find_pupil = |child: &ChildKey| -> Option<usize> {
        if let Some(ine) = &child.ine
            && let Some(&i) = import_by_ine.get(ine.as_str())
        {
            return Some(i);
        }
        let key = (fold_name(&child.first_name), fold_name(&child.last_name));
        import_by_names
            .get(&key)?
            .iter()
            .copied()
            .find(|&i| child.is(&import.pupils[i]))
    };
    let user_by_id: HashMap<UserId, &User> = current.users.iter().map(|u| (u.id, u)).collect();
    if !import.pupils.is_empty() {
        archive(&pupils, Role::Pupil, &mut preview);
    }

    // Guardians.
    let mut parents = Pool::new(current.users, &[Role::Parent]);
    for (index, guardian) in import.guardians.iter().enumerate() {
        // Each child: the account it has or will have (None: a new pupil of this import).
        let mut children: Vec<(String, Option<UserId>)> = Vec::new();
        for child in &guardian.children {
            let account = match find_pupil(child) {
                Some(p) => Some(pupil_account[p]),
                None => existing_child(child).map(|u| Some(u.id)),
            };
            match account {
                Some(account) => children.push((child.describe_fr(), account)),
                None => preview.warnings.push(PreviewWarning {
                    message_fr: format!(
                        "{} {} (ligne {}) est responsable de {}, qui n'est ni dans le fichier des élèves ni dans l'annuaire.",
                        guardian.first_name,
                        guardian.last_name,
                        guardian.line,
                        child.describe_fr()
                    ),
                    message_en: format!(
                        "{} {} (line {}) is the guardian of {} {}, who is neither in the pupils file nor in the directory.",
                        guardian.first_name,
                        guardian.last_name,
                        guardian.line,
                        child.first_name,
                        child.last_name
                    ),
                }),
            }
        }
        let found = parents.adult(
            guardian.email.as_deref(),
            &guardian.first_name,
            &guardian.last_name,
        );
        let Some(found) = found else {
            preview.to_create.push(PlannedCreate {
                source: Source::Guardian(index),
                role: Role::Parent,
                first_name: guardian.first_name.clone(),
                last_name: guardian.last_name.clone(),
                birth_date: None,
                email: guardian.email.clone(),
                classes: Vec::new(),
                children: children.into_iter().map(|(name, _)| name).collect(),
            });
            continue;
        };
        let user = parents.take(found);
        let mut changes = adult_changes(
            user,
            &guardian.first_name,
            &guardian.last_name,
            guardian.email.as_deref(),
        );
        reactivate(user, &mut changes);
        let new_links: Vec<String> = children
            .into_iter()
            .filter(|(_, account)| {
                account.is_none_or(|id| {
                    user_by_id
                        .get(&id)
                        .is_none_or(|child| !child.guardians.contains(&user.id))
                })
            })
            .map(|(name, _)| name)
            .collect();
        if !new_links.is_empty() {
            changes.push(change("Enfants", "Children", "", &new_links.join(", ")));
        }
        if changes.is_empty() {
            preview.unchanged.push(user.id);
        } else {
            preview.to_change.push(PlannedChange {
                user: user.id,
                source: Source::Guardian(index),
                name: user.full_name(),
                changes,
            });
        }
    }
    if !import.guardians.is_empty() {
        archive(&parents, Role::Parent, &mut preview);
    }

    // Teachers.
    let mut teachers = Pool::new(current.users, &[Role::Teacher, Role::Headteacher]);
    for (index, teacher) in import.teachers.iter().enumerate() {
        let found = teachers.adult(
            teacher.email.as_deref(),
            &teacher.first_name,
            &teacher.last_name,
        );
        let Some(found) = found else {
            preview.to_create.push(PlannedCreate {
                source: Source::Teacher(index),
                role: Role::Teacher,
                first_name: teacher.first_name.clone(),
                last_name: teacher.last_name.clone(),
                birth_date: None,
                email: teacher.email.clone(),
                classes: teacher.classes.clone(),
                children: Vec::new(),
            });
            continue;
        };
        let user = teachers.take(found);
        let mut changes = adult_changes(
            user,
            &teacher.first_name,
            &teacher.last_name,
            teacher.email.as_deref(),
        );
        reactivate(user, &mut changes);
        let new_classes: Vec<String> = teacher
            .classes
            .iter()
            .filter(|label| {
                class_by_name
                    .get(&fold_name(label))
                    .is_none_or(|c| !c.teachers.contains(&user.id))
            })
            .cloned()
            .collect();
        if !new_classes.is_empty() {
            let before: Vec<ClassId> = active_classes
                .iter()
                .filter(|c| c.teachers.contains(&user.id))
                .map(|c| c.id)
                .collect();
            changes.push(change(
                "Classes",
                "Classes",
                &class_names(&before),
                &teacher.classes.join(", "),
            ));
        }
        if changes.is_empty() {
            preview.unchanged.push(user.id);
        } else {
            preview.to_change.push(PlannedChange {
                user: user.id,
                source: Source::Teacher(index),
                name: user.full_name(),
                changes,
            });
        }
    }
    if !import.teachers.is_empty() {
        archive(&teachers, Role::Teacher, &mut preview);
    }
    preview
}

fn adult_changes(user: &User, first: &str, last: &str, email: Option<&str>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    if differs(&user.last_name, last) {
        changes.push(change("Nom", "Last name", &user.last_name, last));
    }
    if differs(&user.first_name, first) {
        changes.push(change("Prénom", "First name", &user.first_name, first));
    }
    if let Some(email) = email
        && user
            .email
            .as_deref()
            .is_none_or(|e| differs(e.trim(), email))
    {
        changes.push(change(
            "Courriel",
            "E-mail",
            user.email.as_deref().unwrap_or_default(),
            email,
        ));
    }
    changes
}

/// Active accounts of `role` left unmatched.
fn archive(pool: &Pool<'_>, role: Role, preview: &mut Preview) {
    for (i, user) in pool.users.iter().enumerate() {
        if user.role == role && !user.archived && !pool.taken.contains(&i) {
            preview.to_archive.push(PlannedArchive {
                user: user.id,
                role,
                name: user.full_name(),
            });
        }
    }
}
