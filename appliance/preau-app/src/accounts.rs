//! Directory administration: accounts, classes and groups; CSV export of accounts.

use crate::{App, AppError, Problem, tokens};
use preau_core::directory::login_from_names;
use preau_core::{
    Action, AuditEntry, Class, ClassId, Credentials, Group, GroupId, Level, Role, Subject, User,
    UserId,
};
use preau_store::app_passwords::delete_app_passwords_of;
use preau_store::directory::{login_is_free, save_user};
use preau_store::security::{append_audit, delete_sessions_of, save_credentials};
use preau_store::{Record, StoreError, Writer, schema::random_u64};
use time::Date;

/// What the headteacher types to create or edit an account.
#[derive(Clone, Debug, Default)]
pub struct UserForm {
    /// First name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Role.
    pub role: Option<Role>,
    /// Sign-in identifier; made from the names when empty.
    pub login: String,
    /// Birth date, `AAAA-MM-JJ` (pupils).
    pub birth_date: String,
    /// The current-year class (pupils).
    pub class: Option<ClassId>,
    /// Legal guardians (pupils).
    pub guardians: Vec<UserId>,
    /// Contact e-mail (adults).
    pub email: String,
}

/// What a new or reset account needs to be handed: an activation code (adults) or a
/// picture code and card (pupils).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handover {
    /// The adult sets a password with this one-time code.
    ActivationCode(String),
    /// The pupil signs in with this card or these pictures.
    PupilCard {
        /// The three pictures, in order.
        pictures: [u8; 3],
    },
}

/// What the headteacher types to create or edit a class.
#[derive(Clone, Debug, Default)]
pub struct ClassForm {
    /// Name.
    pub name: String,
    /// Levels.
    pub levels: Vec<Level>,
    /// Teachers and other adults.
    pub teachers: Vec<UserId>,
}

/// What the headteacher types to create or edit a group.
#[derive(Clone, Debug, Default)]
pub struct GroupForm {
    /// Name.
    pub name: String,
    /// The class it belongs to, if any.
    pub class: Option<ClassId>,
    /// Members.
    pub members: Vec<UserId>,
}

const MAX_NAME: usize = 100;

/// Ends every way of being signed in as `id`: web sessions and network-drive passwords
/// (on archive, role change and credential reset).
pub(crate) fn sign_out_everywhere(w: &mut Writer, id: UserId) -> Result<(), StoreError> {
    delete_sessions_of(w, id)?;
    delete_app_passwords_of(w, id)?;
    Ok(())
}

fn required(value: &str, field: &'static str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::Invalid(Problem::Missing(field)));
    }
    if value.chars().count() > MAX_NAME {
        return Err(AppError::Invalid(Problem::TooLong(field)));
    }
    Ok(value.to_string())
}

/// Parses a birth date typed as `AAAA-MM-JJ` (what `<input type=date>` sends) or `JJ/MM/AAAA`.
pub fn parse_date(text: &str) -> Option<Date> {
    let text = text.trim();
    let iso = time::macros::format_description!("[year]-[month]-[day]");
    let fr = time::macros::format_description!("[day]/[month]/[year]");
    Date::parse(text, iso)
        .or_else(|_| Date::parse(text, fr))
        .ok()
}

/// A fresh random picture code: three different pictures out of nine.
pub fn random_picture_code() -> [u8; 3] {
    let mut pool: Vec<u8> = (0..9).collect();
    let bytes = tokens::random_bytes::<3>();
    let mut code = [0u8; 3];
    for (i, b) in bytes.iter().enumerate() {
        code[i] = pool.remove(*b as usize % pool.len());
    }
    code
}

impl App {
    fn require_school(&self, actor: &Subject, action: Action) -> Result<(), AppError> {
        if self.directory().can_on_school(actor, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    fn require_user(&self, actor: &Subject, action: Action, user: UserId) -> Result<(), AppError> {
        let directory = self.directory();
        if directory.user(user).is_none() {
            return Err(AppError::NotFound);
        }
        if directory.can_on_user(actor, action, user) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub(crate) fn audit(
        &self,
        w: &mut Writer,
        actor: Option<&Subject>,
        action: &str,
        target: String,
    ) -> Result<(), StoreError> {
        append_audit(
            w,
            &AuditEntry {
                at: self.now(),
                actor: actor.map(|a| a.user),
                action: action.into(),
                target,
            },
        )
    }

    /// Saves a directory record with its audit line, then refreshes the directory snapshot.
    fn save_audited<R: Record>(
        &self,
        actor: &Subject,
        record: &R,
        action: &str,
    ) -> Result<(), AppError> {
        self.store.write(|w| -> Result<(), AppError> {
            w.put(record)?;
            self.audit(w, Some(actor), action, record.key().to_string())?;
            Ok(())
        })?;
        self.refresh_directory()
    }

    /// Creates an account and returns what must be handed to its owner.
    pub fn create_user(
        &self,
        actor: &Subject,
        form: &UserForm,
    ) -> Result<(User, Handover), AppError> {
        self.require_school(actor, Action::ManageAccount)?;
        self.create_user_unchecked(Some(actor), form)
    }

    /// Creates an account on the command line (the technician, with access to the box).
    pub fn create_user_as_system(&self, form: &UserForm) -> Result<(User, Handover), AppError> {
        self.create_user_unchecked(None, form)
    }

    fn create_user_unchecked(
        &self,
        actor: Option<&Subject>,
        form: &UserForm,
    ) -> Result<(User, Handover), AppError> {
        let mut user = self.validated_user(UserId(random_u64()), form, None)?;
        let handover = self.handover_for(user.role);
        let credentials = self.credentials_for(user.id, &handover);
        let result = self.store.write(|w| -> Result<(), AppError> {
            if user.login.is_empty() {
                user.login = free_login(w, &user.first_name, &user.last_name)?;
            }
            save_user(w, &user).map_err(login_error)?;
            save_credentials(w, &credentials)?;
            self.audit(w, actor, "create account", user.id.to_string())?;
            Ok(())
        });
        result?;
        self.refresh_directory()?;
        Ok((user, handover))
    }

    pub(crate) fn handover_for(&self, role: Role) -> Handover {
        if role == Role::Pupil {
            Handover::PupilCard {
                pictures: random_picture_code(),
            }
        } else {
            Handover::ActivationCode(tokens::activation_code())
        }
    }

    pub(crate) fn credentials_for(&self, user: UserId, handover: &Handover) -> Credentials {
        match handover {
            Handover::PupilCard { pictures } => Credentials {
                user,
                picture_code: Some(*pictures),
                card_secret: Some(tokens::secret_token()),
                ..Credentials::default()
            },
            Handover::ActivationCode(code) => Credentials {
                user,
                activation: Some((
                    self.hasher.hash_blocking(code),
                    self.now() + self.settings.activation_valid_secs,
                )),
                ..Credentials::default()
            },
        }
    }

    /// Checks a form and builds the account it describes.
    fn validated_user(
        &self,
        id: UserId,
        form: &UserForm,
        previous: Option<&User>,
    ) -> Result<User, AppError> {
        let directory = self.directory();
        let role = form.role.ok_or(AppError::Invalid(Problem::Role))?;
        let first_name = required(&form.first_name, "prénom")?;
        let last_name = required(&form.last_name, "nom")?;
        let login = form.login.trim().to_lowercase();
        if !login.is_empty()
            && (login.len() > 64
                || !login
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)))
        {
            return Err(AppError::Invalid(Problem::LoginShape));
        }
        let birth_date = match form.birth_date.trim() {
            "" => None,
            text => Some(
                parse_date(text).ok_or(AppError::Invalid(Problem::Date("date de naissance")))?,
            ),
        };
        let email = match form.email.trim() {
            "" => None,
            e if e.contains('@') && e.len() <= 200 => Some(e.to_string()),
            _ => return Err(AppError::Invalid(Problem::Missing("e-mail valide"))),
        };
        let mut classes = previous.map(|p| p.classes.clone()).unwrap_or_default();
        let mut guardians = Vec::new();
        if role == Role::Pupil {
            if let Some(class_id) = form.class {
                let class = directory
                    .class(class_id)
                    .ok_or(AppError::Invalid(Problem::UnknownClass))?;
                let year = class.year;
                classes.retain(|c| directory.class(*c).is_none_or(|k| k.year != year));
                classes.push(class_id);
            }
            for g in &form.guardians {
                match directory.user(*g) {
                    Some(u) if u.role == Role::Parent => guardians.push(*g),
                    _ => return Err(AppError::Invalid(Problem::UnknownPerson)),
                }
            }
        }
        Ok(User {
            id,
            login,
            first_name,
            last_name,
            role,
            birth_date,
            classes,
            guardians,
            email,
            archived: previous.is_some_and(|p| p.archived),
        })
    }

    /// Edits an account. A change of role ends all its sessions.
    pub fn update_user(
        &self,
        actor: &Subject,
        id: UserId,
        form: &UserForm,
    ) -> Result<User, AppError> {
        self.require_user(actor, Action::ManageAccount, id)?;
        let previous = self
            .directory()
            .user(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let mut user = self.validated_user(id, form, Some(&previous))?;
        if user.login.is_empty() {
            user.login = previous.login.clone();
        }
        self.store.write(|w| -> Result<(), AppError> {
            save_user(w, &user).map_err(login_error)?;
            if user.role != previous.role {
                sign_out_everywhere(w, id)?;
                if user.role == Role::Pupil || previous.role == Role::Pupil {
                    let handover = self.handover_for(user.role);
                    save_credentials(w, &self.credentials_for(id, &handover))?;
                }
            }
            self.audit(w, Some(actor), "edit account", id.to_string())?;
            Ok(())
        })?;
        self.refresh_directory()?;
        Ok(user)
    }

    /// Archives or restores an account. Archiving ends its sessions.
    pub fn set_user_archived(
        &self,
        actor: &Subject,
        id: UserId,
        archived: bool,
    ) -> Result<(), AppError> {
        self.require_user(actor, Action::ManageAccount, id)?;
        let mut user = self
            .directory()
            .user(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        user.archived = archived;
        self.store.write(|w| -> Result<(), AppError> {
            w.put(&user)?;
            if archived {
                sign_out_everywhere(w, id)?;
            }
            let action = if archived {
                "archive account"
            } else {
                "restore account"
            };
            self.audit(w, Some(actor), action, id.to_string())?;
            Ok(())
        })?;
        self.refresh_directory()
    }

    /// Resets an account's credentials: a new activation code for an adult, a new picture code
    /// and card for a pupil. Ends all its sessions.
    pub fn reset_credentials(&self, actor: &Subject, id: UserId) -> Result<Handover, AppError> {
        self.require_user(actor, Action::ManageAccount, id)?;
        self.reset_credentials_unchecked(Some(actor), id)
    }

    /// The same, from the command line.
    pub fn reset_credentials_as_system(&self, id: UserId) -> Result<Handover, AppError> {
        self.reset_credentials_unchecked(None, id)
    }

    fn reset_credentials_unchecked(
        &self,
        actor: Option<&Subject>,
        id: UserId,
    ) -> Result<Handover, AppError> {
        let user = self
            .directory()
            .user(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let handover = self.handover_for(user.role);
        let credentials = self.credentials_for(id, &handover);
        self.store.write(|w| -> Result<(), AppError> {
            save_credentials(w, &credentials)?;
            sign_out_everywhere(w, id)?;
            self.audit(w, actor, "reset credentials", id.to_string())?;
            Ok(())
        })?;
        Ok(handover)
    }

    /// Unlocks an account locked after failed sign-ins. The unlock is recorded.
    pub fn unlock(&self, actor: &Subject, id: UserId) -> Result<(), AppError> {
        self.require_user(actor, Action::UnlockAccount, id)?;
        self.unlock_unchecked(Some(actor), id)
    }

    /// The same, from the command line.
    pub fn unlock_as_system(&self, id: UserId) -> Result<(), AppError> {
        self.directory().user(id).ok_or(AppError::NotFound)?;
        self.unlock_unchecked(None, id)
    }

    fn unlock_unchecked(&self, actor: Option<&Subject>, id: UserId) -> Result<(), AppError> {
        self.store.write(|w| -> Result<(), AppError> {
            let mut credentials: Credentials = w.get(id.0)?.unwrap_or(Credentials {
                user: id,
                ..Default::default()
            });
            credentials.failures = 0;
            save_credentials(w, &credentials)?;
            self.audit(w, actor, "unlock account", id.to_string())?;
            Ok(())
        })
    }

    /// The credentials of an account, for people allowed to print its login card.
    pub fn card_credentials(
        &self,
        actor: &Subject,
        class: ClassId,
    ) -> Result<Vec<(User, Credentials)>, AppError> {
        let directory = self.directory();
        if !directory.can_on_class(actor, Action::PrintLoginCards, class) {
            return Err(AppError::Forbidden);
        }
        let r = self.store.read()?;
        let mut out = Vec::new();
        for pupil in directory.pupils_of(class) {
            if let Some(c) = r.get::<Credentials>(pupil.id.0)? {
                out.push((pupil.clone(), c));
            }
        }
        Ok(out)
    }

    /// Which pupils of a class are locked or slowed down, for their teacher.
    pub fn locked_pupils(&self, actor: &Subject, class: ClassId) -> Result<Vec<UserId>, AppError> {
        let directory = self.directory();
        if !directory.can_on_class(actor, Action::ViewClass, class) {
            return Err(AppError::Forbidden);
        }
        let r = self.store.read()?;
        let mut out = Vec::new();
        for pupil in directory.pupils_of(class) {
            if let Some(c) = r.get::<Credentials>(pupil.id.0)?
                && c.failures >= preau_core::lockout::FREE_ATTEMPTS
            {
                out.push(pupil.id);
            }
        }
        Ok(out)
    }

    fn validated_class(
        &self,
        form: &ClassForm,
    ) -> Result<(String, Vec<Level>, Vec<UserId>), AppError> {
        let name = required(&form.name, "nom de la classe")?;
        if form.levels.is_empty() {
            return Err(AppError::Invalid(Problem::NoLevel));
        }
        let mut levels = form.levels.clone();
        levels.sort();
        levels.dedup();
        let directory = self.directory();
        for t in &form.teachers {
            match directory.user(*t) {
                Some(u) if u.role.is_adult() && u.role != Role::Parent => {}
                _ => return Err(AppError::Invalid(Problem::UnknownPerson)),
            }
        }
        Ok((name, levels, form.teachers.clone()))
    }

    /// Creates a class in the current school year.
    pub fn create_class(&self, actor: &Subject, form: &ClassForm) -> Result<Class, AppError> {
        self.require_school(actor, Action::ManageClasses)?;
        let (name, levels, teachers) = self.validated_class(form)?;
        let year = self
            .directory()
            .school()
            .map(|s| s.year)
            .ok_or(AppError::NotFound)?;
        let class = Class {
            id: ClassId(random_u64()),
            name,
            levels,
            year,
            teachers,
            archived: false,
        };
        self.save_audited(actor, &class, "create class")?;
        Ok(class)
    }

    /// Edits a class.
    pub fn update_class(
        &self,
        actor: &Subject,
        id: ClassId,
        form: &ClassForm,
    ) -> Result<Class, AppError> {
        if !self
            .directory()
            .can_on_class(actor, Action::ManageClasses, id)
        {
            return Err(self.missing_or_forbidden(self.directory().class(id).is_some()));
        }
        let (name, levels, teachers) = self.validated_class(form)?;
        let mut class = self
            .directory()
            .class(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        class.name = name;
        class.levels = levels;
        class.teachers = teachers;
        self.save_audited(actor, &class, "edit class")?;
        Ok(class)
    }

    /// Archives or restores a class.
    pub fn set_class_archived(
        &self,
        actor: &Subject,
        id: ClassId,
        archived: bool,
    ) -> Result<(), AppError> {
        if !self
            .directory()
            .can_on_class(actor, Action::ManageClasses, id)
        {
            return Err(self.missing_or_forbidden(self.directory().class(id).is_some()));
        }
        let mut class = self
            .directory()
            .class(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        class.archived = archived;
        self.save_audited(
            actor,
            &class,
            if archived {
                "archive class"
            } else {
                "restore class"
            },
        )
    }

    fn missing_or_forbidden(&self, exists: bool) -> AppError {
        if exists {
            AppError::Forbidden
        } else {
            AppError::NotFound
        }
    }

    fn validated_group(&self, form: &GroupForm) -> Result<(String, Vec<UserId>), AppError> {
        let name = required(&form.name, "nom du groupe")?;
        let directory = self.directory();
        if let Some(c) = form.class
            && directory.class(c).is_none()
        {
            return Err(AppError::Invalid(Problem::UnknownClass));
        }
        let mut members = form.members.clone();
        members.sort();
        members.dedup();
        if members.iter().any(|m| directory.user(*m).is_none()) {
            return Err(AppError::Invalid(Problem::UnknownPerson));
        }
        Ok((name, members))
    }

    /// Creates a group.
    pub fn create_group(&self, actor: &Subject, form: &GroupForm) -> Result<Group, AppError> {
        self.require_school(actor, Action::ManageClasses)?;
        let (name, members) = self.validated_group(form)?;
        let group = Group {
            id: GroupId(random_u64()),
            name,
            class: form.class,
            members,
            archived: false,
        };
        self.save_audited(actor, &group, "create group")?;
        Ok(group)
    }

    /// Edits a group, or archives or restores it.
    pub fn update_group(
        &self,
        actor: &Subject,
        id: GroupId,
        form: &GroupForm,
        archived: bool,
    ) -> Result<Group, AppError> {
        self.require_school(actor, Action::ManageClasses)?;
        let (name, members) = self.validated_group(form)?;
        let mut group = self
            .directory()
            .group(id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        group.name = name;
        group.class = form.class;
        group.members = members;
        group.archived = archived;
        self.save_audited(actor, &group, "edit group")?;
        Ok(group)
    }

    /// Every account as CSV (`;`-separated, as French spreadsheets expect). Cells that a
    /// spreadsheet would run as a formula are neutralised.
    pub fn export_accounts_csv(&self, actor: &Subject) -> Result<String, AppError> {
        self.require_school(actor, Action::ManageAccount)?;
        let directory = self.directory();
        let header = [
            "identifiant",
            "prénom",
            "nom",
            "rôle",
            "classe",
            "date de naissance",
            "responsables",
            "e-mail",
            "archivé",
        ];
        let mut lines = vec![header.map(String::from).to_vec()];
        for user in directory.users() {
            let class = directory
                .class_of(user)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            let guardians = directory
                .guardians_of(user.id)
                .iter()
                .map(|g| g.login.clone())
                .collect::<Vec<_>>()
                .join(", ");
            let birth = user.birth_date.map(|d| d.to_string()).unwrap_or_default();
            let row = [
                user.login.clone(),
                user.first_name.clone(),
                user.last_name.clone(),
                user.role.label().to_string(),
                class,
                birth,
                guardians,
                user.email.clone().unwrap_or_default(),
                if user.archived {
                    "oui".into()
                } else {
                    "non".into()
                },
            ];
            lines.push(row.to_vec());
        }
        french_csv(&lines)
    }
}

/// Lines as CSV the way French spreadsheets expect (`;`-separated); cells a spreadsheet
/// would run as a formula are neutralised.
pub(crate) fn french_csv(lines: &[Vec<String>]) -> Result<String, AppError> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let write_err = |e: csv::Error| AppError::Store(StoreError::Db(e.to_string()));
    for line in lines {
        out.write_record(line.iter().map(|c| neutralise_formula(c)))
            .map_err(write_err)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Store(StoreError::Db(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Prefixes a cell a spreadsheet would take for a formula with an apostrophe.
pub fn neutralise_formula(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

pub(crate) fn login_error(e: StoreError) -> AppError {
    match e {
        StoreError::Duplicate(what) => AppError::Invalid(Problem::LoginTaken(
            what.trim_start_matches("login ").to_string(),
        )),
        other => AppError::Store(other),
    }
}

/// The first free identifier among prenom.nom, prenom.nom2, prenom.nom3 …
pub(crate) fn free_login(w: &Writer, first: &str, last: &str) -> Result<String, AppError> {
    let base = login_from_names(first, last);
    let mut candidate = base.clone();
    let mut n = 1;
    while !login_is_free(w, &candidate)? {
        n += 1;
        candidate = format!("{base}{n}");
    }
    Ok(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            neutralise_formula("=HYPERLINK(\"x\")"),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(neutralise_formula("+33 6"), "'+33 6");
        assert_eq!(neutralise_formula("-1"), "'-1");
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("Léa"), "Léa");
    }

    #[test]
    fn picture_codes_use_three_different_pictures() {
        for _ in 0..100 {
            let code = random_picture_code();
            assert!(code.iter().all(|p| *p < 9));
            assert!(code[0] != code[1] && code[1] != code[2] && code[0] != code[2]);
        }
    }

    #[test]
    fn dates_in_both_french_and_iso_forms() {
        assert_eq!(parse_date("2019-03-14"), parse_date("14/03/2019"));
        assert!(parse_date("2019-03-14").is_some());
        assert!(parse_date("31/02/2019").is_none());
    }
}
