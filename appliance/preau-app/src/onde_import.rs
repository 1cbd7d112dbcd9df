//! The rentrée import on the box: the headteacher sends ONDE exports (pupils, guardians,
//! teachers), sees what they would change, and applies them all or nothing.
//!
//! Files are read by `preau_provision::onde`; nothing is kept between the preview and the
//! apply: applying reads the files again and computes the preview again, inside the write
//! transaction, so a stale preview is never applied. INEs live in a lookup table of the store
//! (`preau_store::onde`), not in the account record.

use crate::accounts::{Handover, free_login, login_error, sign_out_everywhere};
use crate::{App, AppError, Problem};
use preau_core::{Action, Class, ClassId, Level, Role, SchoolYear, Subject, User, UserId};
use preau_provision::onde::{
    self, ChildKey, Current, LineProblem, MergeNote, OndeFile, OndeImport, Preview, Source,
};
use preau_store::Writer;
use preau_store::directory::save_user;
use preau_store::onde::{all_ines, all_ines_in, set_ine};
use preau_store::schema::random_u64;
use preau_store::security::save_credentials;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most files read in one import (pupils, guardians, teachers, and one more).
pub const MAX_FILES: usize = 4;
/// Largest file read (the parser refuses more).
pub const MAX_FILE_BYTES: usize = onde::MAX_BYTES;

/// One file of an import, as read.
#[derive(Clone, Debug)]
pub struct OndeFileSummary {
    /// The name it was sent under.
    pub name: String,
    /// What it holds, in French (« élèves »…), when it was read.
    pub kind_fr: Option<&'static str>,
    /// Rows read (header excluded).
    pub rows: usize,
    /// Lines with a problem (numbers as in a spreadsheet, the header being line 1).
    pub problems: Vec<LineProblem>,
    /// Rows joined into one record.
    pub merges: Vec<MergeNote>,
    /// Why the file could not be read at all, in French.
    pub refused: Option<String>,
}

impl OndeFileSummary {
    /// Whether the import cannot be applied because of this file: unreadable, or lines left
    /// out (a pupil or a guardian would silently be missing).
    pub fn blocks(&self) -> bool {
        self.refused.is_some() || self.problems.iter().any(|p| p.skipped)
    }
}

/// What the headteacher sees before applying.
#[derive(Clone, Debug)]
pub struct OndePreviewView {
    /// The files, as read.
    pub files: Vec<OndeFileSummary>,
    /// The records of the files, joined.
    pub import: OndeImport,
    /// What applying would do.
    pub preview: Preview,
    /// Names of the classes `preview.classes_to_archive` names.
    pub classes_to_archive: Vec<String>,
    /// Whether it can be applied (no file refused, no line left out).
    pub applicable: bool,
}

/// What an applied import did.
#[derive(Clone, Debug, Default)]
pub struct OndeApplied {
    /// Accounts created.
    pub created: usize,
    /// Accounts changed.
    pub changed: usize,
    /// Accounts archived.
    pub archived: usize,
    /// Classes created.
    pub classes_created: usize,
    /// Classes archived.
    pub classes_archived: usize,
    /// The new adults and their activation codes (shown once, for the letters).
    pub letters: Vec<(User, Handover)>,
}

/// Lower case, common accents folded, letters and digits only: at least as loose as the
/// preview's own folding, so a class it matched is found here too.
fn loose(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            c => c,
        })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// Reads the files; an unreadable file is reported, not fatal.
fn read_files(files: &[(String, Vec<u8>)]) -> Result<(Vec<OndeFileSummary>, OndeImport), AppError> {
    if files.is_empty() {
        return Err(AppError::Invalid(Problem::NoFile));
    }
    if files.len() > MAX_FILES {
        return Err(AppError::Invalid(Problem::TooManyFiles(MAX_FILES)));
    }
    let mut summaries = Vec::new();
    let mut parsed: Vec<OndeFile> = Vec::new();
    for (name, bytes) in files {
        match onde::parse(bytes) {
            Ok(file) => {
                summaries.push(OndeFileSummary {
                    name: name.clone(),
                    kind_fr: Some(file.kind.label_fr()),
                    rows: file.rows,
                    problems: file.problems.clone(),
                    merges: file.merges.clone(),
                    refused: None,
                });
                parsed.push(file);
            }
            Err(e) => summaries.push(OndeFileSummary {
                name: name.clone(),
                kind_fr: None,
                rows: 0,
                problems: Vec::new(),
                merges: Vec::new(),
                refused: Some(e.to_string()),
            }),
        }
    }
    Ok((summaries, OndeImport::combine(parsed)))
}

/// An import read and planned outside the write transaction: its preview and the new
/// accounts' identifiers, handovers and credentials.
pub(crate) struct OndePlan {
    view: OndePreviewView,
    handovers: HashMap<Source, (UserId, Handover, preau_core::Credentials)>,
}

impl App {
    fn require_onde(&self, me: &Subject) -> Result<(), AppError> {
        if self.directory().can_on_school(me, Action::ManageAccount) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// What importing these ONDE exports would do. Nothing is changed.
    pub fn onde_preview(
        &self,
        me: &Subject,
        files: &[(String, Vec<u8>)],
    ) -> Result<OndePreviewView, AppError> {
        self.require_onde(me)?;
        self.onde_view(files)
    }

    /// What importing these files would do, without checking who asks.
    pub(crate) fn onde_view(
        &self,
        files: &[(String, Vec<u8>)],
    ) -> Result<OndePreviewView, AppError> {
        let (files, import) = read_files(files)?;
        let directory = self.directory();
        let mut users: Vec<User> = directory.users().into_iter().cloned().collect();
        let mut classes: Vec<Class> = directory.all_classes().into_iter().cloned().collect();
        // The same order as inside the apply's transaction, so the previews compare equal.
        users.sort_by_key(|u| u.id);
        classes.sort_by_key(|c| c.id);
        let ines = all_ines(&self.store.read()?)?;
        let preview = onde::preview(
            &Current {
                users: &users,
                classes: &classes,
                ines: &ines,
            },
            &import,
        );
        let classes_to_archive = preview
            .classes_to_archive
            .iter()
            .filter_map(|id| directory.class(*id).map(|c| c.name.clone()))
            .collect();
        let applicable = !files.iter().any(OndeFileSummary::blocks);
        Ok(OndePreviewView {
            files,
            import,
            preview,
            classes_to_archive,
            applicable,
        })
    }

    /// Applies these ONDE exports, all or nothing: reads them again, computes the preview
    /// again inside the write transaction and refuses if it differs from the one computed
    /// just before (the directory changed meanwhile).
    pub fn onde_apply(
        &self,
        me: &Subject,
        files: &[(String, Vec<u8>)],
    ) -> Result<OndeApplied, AppError> {
        self.require_onde(me)?;
        let plan = self.onde_plan(self.onde_view(files)?)?;
        let year = self
            .directory()
            .school()
            .map(|s| s.year)
            .ok_or(AppError::NotFound)?;
        let applied = self
            .store
            .write(|w| self.onde_apply_in(w, Some(me), &plan, year))?;
        self.refresh_directory()?;
        Ok(applied)
    }

    /// Prepares what applying a previewed import needs outside the write transaction
    /// (activation codes are slow to hash). Refuses files that would block the import.
    pub(crate) fn onde_plan(&self, view: OndePreviewView) -> Result<OndePlan, AppError> {
        if let Some(file) = view.files.iter().find(|f| f.blocks()) {
            return Err(AppError::Invalid(Problem::OndeRefused(file.name.clone())));
        }
        let mut handovers = HashMap::new();
        for planned in &view.preview.to_create {
            let id = UserId(random_u64());
            let handover = self.handover_for(planned.role);
            let credentials = self.credentials_for(id, &handover);
            handovers.insert(planned.source, (id, handover, credentials));
        }
        Ok(OndePlan { view, handovers })
    }

    /// Applies a planned import inside the write transaction `w`, for `actor` (`None`: the
    /// provisioning bundle). Refuses if the directory no longer gives the planned preview.
    pub(crate) fn onde_apply_in(
        &self,
        w: &mut Writer,
        actor: Option<&Subject>,
        plan: &OndePlan,
        year: SchoolYear,
    ) -> Result<OndeApplied, AppError> {
        let (handovers, import, expected) =
            (&plan.handovers, &plan.view.import, &plan.view.preview);
        let mut users: Vec<User> = w.all::<User>()?;
        let mut classes: Vec<Class> = w.all::<Class>()?;
        users.sort_by_key(|u| u.id);
        classes.sort_by_key(|c| c.id);
        let ines = all_ines_in(w)?;
        let preview = onde::preview(
            &Current {
                users: &users,
                classes: &classes,
                ines: &ines,
            },
            import,
        );
        if preview != *expected {
            return Err(AppError::Invalid(Problem::OndeChanged));
        }
        let mut applied = OndeApplied::default();
        let by_id: HashMap<UserId, &User> = users.iter().map(|u| (u.id, u)).collect();
        let unchanged: HashSet<UserId> = preview.unchanged.iter().copied().collect();
        let ine_of: HashMap<&str, UserId> =
            ines.iter().map(|(id, ine)| (ine.as_str(), *id)).collect();
        let mut touched: BTreeMap<UserId, User> = BTreeMap::new();

        // Classes.
        let mut class_by_name: HashMap<String, Class> = classes
            .iter()
            .filter(|c| !c.archived)
            .map(|c| (loose(&c.name), c.clone()))
            .collect();
        let mut classes_touched: HashSet<ClassId> = HashSet::new();
        for label in &preview.classes_to_create {
            let mut levels: Vec<Level> = import
                .classes
                .iter()
                .filter(|c| c.label == *label)
                .flat_map(|c| c.levels.iter().copied())
                .collect();
            if levels.is_empty() {
                levels = import
                    .pupils
                    .iter()
                    .filter(|p| p.class_label.as_deref() == Some(label.as_str()))
                    .filter_map(|p| p.level)
                    .collect();
            }
            levels.sort();
            levels.dedup();
            let class = Class {
                id: ClassId(random_u64()),
                name: label.clone(),
                levels,
                year,
                teachers: Vec::new(),
                archived: false,
            };
            classes_touched.insert(class.id);
            class_by_name.insert(loose(label), class);
            applied.classes_created += 1;
        }
        for id in &preview.classes_to_archive {
            if let Some(class) = class_by_name.values_mut().find(|c| c.id == *id) {
                class.archived = true;
                classes_touched.insert(*id);
                applied.classes_archived += 1;
            }
        }

        // Which account each record of the import goes to.
        let mut account: HashMap<Source, UserId> = HashMap::new();
        let changed: HashSet<UserId> = preview.to_change.iter().map(|c| c.user).collect();
        for c in &preview.to_change {
            account.insert(c.source, c.user);
        }
        let unchanged_match = |roles: &[Role], fits: &dyn Fn(&User) -> bool| {
            unchanged
                .iter()
                .filter_map(|id| by_id.get(id))
                .find(|u| roles.contains(&u.role) && fits(u))
                .map(|u| u.id)
        };
        for (i, pupil) in import.pupils.iter().enumerate() {
            let source = Source::Pupil(i);
            if account.contains_key(&source) || handovers.contains_key(&source) {
                continue;
            }
            let found = pupil
                .ine
                .as_deref()
                .and_then(|ine| ine_of.get(ine).copied())
                .filter(|id| unchanged.contains(id))
                .or_else(|| {
                    unchanged_match(&[Role::Pupil], &|u| {
                        same(&u.first_name, pupil.first_name())
                            && same(&u.last_name, pupil.name())
                            && u.birth_date == Some(pupil.birth_date)
                    })
                });
            if let Some(id) = found {
                account.insert(source, id);
            }
        }
        for (i, g) in import.guardians.iter().enumerate() {
            let source = Source::Guardian(i);
            if account.contains_key(&source) || handovers.contains_key(&source) {
                continue;
            }
            if let Some(id) = unchanged_match(&[Role::Parent], &|u| {
                same(&u.first_name, &g.first_name) && same(&u.last_name, &g.last_name)
            }) {
                account.insert(source, id);
            }
        }
        for (i, t) in import.teachers.iter().enumerate() {
            let source = Source::Teacher(i);
            if account.contains_key(&source) || handovers.contains_key(&source) {
                continue;
            }
            if let Some(id) = unchanged_match(&[Role::Teacher, Role::Headteacher], &|u| {
                same(&u.first_name, &t.first_name) && same(&u.last_name, &t.last_name)
            }) {
                account.insert(source, id);
            }
        }

        // New accounts, saved one by one so that each gets a free identifier.
        for planned in &preview.to_create {
            let Some((id, handover, credentials)) = handovers.get(&planned.source) else {
                return Err(AppError::Invalid(Problem::OndeChanged));
            };
            let mut user = User {
                id: *id,
                login: String::new(),
                first_name: planned.first_name.clone(),
                last_name: planned.last_name.clone(),
                role: planned.role,
                birth_date: planned.birth_date,
                classes: Vec::new(),
                guardians: Vec::new(),
                email: planned.email.clone(),
                archived: false,
            };
            user.login = free_login(w, &user.first_name, &user.last_name)?;
            save_user(w, &user).map_err(login_error)?;
            save_credentials(w, credentials)?;
            self.audit(w, actor, "create account (ONDE)", id.to_string())?;
            if planned.role != Role::Pupil {
                applied.letters.push((user.clone(), handover.clone()));
            }
            account.insert(planned.source, *id);
            touched.insert(*id, user);
            applied.created += 1;
        }
        let get = |touched: &BTreeMap<UserId, User>, id: UserId| -> Option<User> {
            touched
                .get(&id)
                .cloned()
                .or_else(|| by_id.get(&id).map(|u| (*u).clone()))
        };

        // Pupils: names, birth date, class, INE.
        for (i, pupil) in import.pupils.iter().enumerate() {
            let Some(&id) = account.get(&Source::Pupil(i)) else {
                continue;
            };
            if let Some(ine) = &pupil.ine {
                set_ine(w, id, ine)?;
            }
            if unchanged.contains(&id) {
                continue;
            }
            let Some(mut user) = get(&touched, id) else {
                continue;
            };
            user.first_name = pupil.first_name().to_owned();
            user.last_name = pupil.name().to_owned();
            user.birth_date = Some(pupil.birth_date);
            user.archived = false;
            let label = pupil.class_label.as_deref().or(pupil.class_id.as_deref());
            if let Some(class) = label.and_then(|l| class_by_name.get(&loose(l))) {
                let of_year = |c: &ClassId| {
                    classes
                        .iter()
                        .find(|k| k.id == *c)
                        .is_some_and(|k| k.year == year)
                };
                user.classes.retain(|c| !of_year(c));
                user.classes.push(class.id);
            }
            touched.insert(id, user);
        }

        // Guardians: names, e-mail, children.
        let find_existing_child = |child: &ChildKey| -> Option<UserId> {
            if let Some(id) = child.ine.as_deref().and_then(|ine| ine_of.get(ine)) {
                return Some(*id);
            }
            users
                .iter()
                .find(|u| {
                    u.role == Role::Pupil
                        && loose(&u.first_name) == loose(&child.first_name)
                        && loose(&u.last_name) == loose(&child.last_name)
                        && match (u.birth_date, child.birth_date) {
                            (Some(a), Some(b)) => a == b,
                            _ => true,
                        }
                })
                .map(|u| u.id)
        };
        for (i, guardian) in import.guardians.iter().enumerate() {
            let Some(&id) = account.get(&Source::Guardian(i)) else {
                continue;
            };
            if changed.contains(&id)
                && let Some(mut user) = get(&touched, id)
            {
                user.first_name = guardian.first_name.clone();
                user.last_name = guardian.last_name.clone();
                if guardian.email.is_some() {
                    user.email = guardian.email.clone();
                }
                user.archived = false;
                touched.insert(id, user);
            }
            for child in &guardian.children {
                let child_id = match import.find_pupil(child) {
                    Some(p) => account.get(&Source::Pupil(p)).copied(),
                    None => find_existing_child(child),
                };
                let Some(child_id) = child_id else { continue };
                if let Some(mut pupil) = get(&touched, child_id)
                    && !pupil.guardians.contains(&id)
                {
                    pupil.guardians.push(id);
                    touched.insert(child_id, pupil);
                }
            }
        }

        // Teachers: names, e-mail, classes.
        for (i, teacher) in import.teachers.iter().enumerate() {
            let Some(&id) = account.get(&Source::Teacher(i)) else {
                continue;
            };
            if changed.contains(&id)
                && let Some(mut user) = get(&touched, id)
            {
                user.first_name = teacher.first_name.clone();
                user.last_name = teacher.last_name.clone();
                if teacher.email.is_some() {
                    user.email = teacher.email.clone();
                }
                user.archived = false;
                touched.insert(id, user);
            }
            for label in &teacher.classes {
                if let Some(class) = class_by_name.get_mut(&loose(label))
                    && !class.teachers.contains(&id)
                {
                    class.teachers.push(id);
                    classes_touched.insert(class.id);
                }
            }
        }

        // Accounts no longer in the files.
        for gone in &preview.to_archive {
            let Some(mut user) = get(&touched, gone.user) else {
                continue;
            };
            user.archived = true;
            sign_out_everywhere(w, gone.user)?;
            self.audit(w, actor, "archive account (ONDE)", gone.user.to_string())?;
            touched.insert(gone.user, user);
            applied.archived += 1;
        }

        for (id, user) in &touched {
            save_user(w, user).map_err(login_error)?;
            if changed.contains(id) {
                self.audit(w, actor, "edit account (ONDE)", id.to_string())?;
            }
        }
        for class in class_by_name.values() {
            if classes_touched.contains(&class.id) {
                w.put(class)?;
                self.audit(w, actor, "class (ONDE)", class.id.to_string())?;
            }
        }
        applied.changed = changed.len();
        self.audit(
            w,
            actor,
            "ONDE import",
            format!(
                "{} created, {} changed, {} archived",
                applied.created, applied.changed, applied.archived
            ),
        )?;
        Ok(applied)
    }
}
