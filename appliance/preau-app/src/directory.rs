//! An in-memory snapshot of the school directory, rebuilt after every directory write.
//! A school has at most a few thousand people, so this costs little memory and lets every
//! access decision run without a database read.

use crate::AppError;
use preau_core::{
    Action, Class, ClassId, Group, GroupId, Object, Role, School, Subject, User, UserId, can,
};
use preau_store::Store;
use std::collections::{BTreeMap, HashMap};

/// The directory at one point in time.
#[derive(Debug, Default)]
pub struct Directory {
    school: Option<School>,
    users: BTreeMap<UserId, User>,
    classes: BTreeMap<ClassId, Class>,
    groups: BTreeMap<GroupId, Group>,
    children: HashMap<UserId, Vec<UserId>>,
}

impl Directory {
    /// Reads the whole directory from the store.
    pub fn load(store: &Store) -> Result<Directory, AppError> {
        let r = store.read()?;
        let users: BTreeMap<UserId, User> =
            r.all::<User>()?.into_iter().map(|u| (u.id, u)).collect();
        let mut children: HashMap<UserId, Vec<UserId>> = HashMap::new();
        for pupil in users.values() {
            for guardian in &pupil.guardians {
                children.entry(*guardian).or_default().push(pupil.id);
            }
        }
        Ok(Directory {
            school: r.get::<School>(0)?,
            classes: r.all::<Class>()?.into_iter().map(|c| (c.id, c)).collect(),
            groups: r.all::<Group>()?.into_iter().map(|g| (g.id, g)).collect(),
            users,
            children,
        })
    }

    /// The school, once set up.
    pub fn school(&self) -> Option<&School> {
        self.school.as_ref()
    }

    /// The school's UAI ("" before set-up, which matches no one).
    pub fn uai(&self) -> &str {
        self.school.as_ref().map(|s| s.uai.as_str()).unwrap_or("")
    }

    /// One account.
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id)
    }

    /// Every account, archived ones included, by name.
    pub fn users(&self) -> Vec<&User> {
        let mut all: Vec<&User> = self.users.values().collect();
        all.sort_by(|a, b| (&a.last_name, &a.first_name).cmp(&(&b.last_name, &b.first_name)));
        all
    }

    /// One class.
    pub fn class(&self, id: ClassId) -> Option<&Class> {
        self.classes.get(&id)
    }

    /// Classes of the current year that are not archived, youngest level first.
    pub fn current_classes(&self) -> Vec<&Class> {
        let year = self.school.as_ref().map(|s| s.year);
        let mut list: Vec<&Class> = self
            .classes
            .values()
            .filter(|c| !c.archived && Some(c.year) == year)
            .collect();
        list.sort_by(|a, b| (a.levels.first(), &a.name).cmp(&(b.levels.first(), &b.name)));
        list
    }

    /// Every class, archived ones and past years included.
    pub fn all_classes(&self) -> Vec<&Class> {
        self.classes.values().collect()
    }

    /// One group.
    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(&id)
    }

    /// Every group.
    pub fn groups(&self) -> Vec<&Group> {
        self.groups.values().collect()
    }

    /// The pupils of a class who can still sign in, by first name.
    pub fn pupils_of(&self, class: ClassId) -> Vec<&User> {
        let mut list: Vec<&User> = self
            .users
            .values()
            .filter(|u| u.role == Role::Pupil && !u.archived && u.classes.contains(&class))
            .collect();
        list.sort_by(|a, b| (&a.first_name, &a.last_name).cmp(&(&b.first_name, &b.last_name)));
        list
    }

    /// The adults of a class.
    pub fn teachers_of(&self, class: ClassId) -> Vec<&User> {
        self.class(class)
            .map(|c| c.teachers.iter().filter_map(|t| self.user(*t)).collect())
            .unwrap_or_default()
    }

    /// The children in a parent's charge.
    pub fn children_of(&self, parent: UserId) -> Vec<&User> {
        self.children
            .get(&parent)
            .map(|ids| ids.iter().filter_map(|id| self.user(*id)).collect())
            .unwrap_or_default()
    }

    /// The legal guardians of a pupil.
    pub fn guardians_of(&self, pupil: UserId) -> Vec<&User> {
        self.user(pupil)
            .map(|p| p.guardians.iter().filter_map(|g| self.user(*g)).collect())
            .unwrap_or_default()
    }

    /// The current-year class a pupil attends.
    pub fn class_of(&self, pupil: &User) -> Option<&Class> {
        let year = self.school.as_ref()?.year;
        pupil
            .classes
            .iter()
            .filter_map(|c| self.class(*c))
            .find(|c| c.year == year)
    }

    /// Classes that concern a person: attended, taught, or attended by a child in their charge.
    pub fn classes_concerning(&self, user: &User) -> Vec<ClassId> {
        match user.role {
            Role::Pupil => user.classes.clone(),
            Role::Parent => self
                .children_of(user.id)
                .iter()
                .flat_map(|c| c.classes.iter().copied())
                .collect(),
            _ => self
                .classes
                .values()
                .filter(|c| c.teachers.contains(&user.id))
                .map(|c| c.id)
                .collect(),
        }
    }

    /// The access-decision facts about a signed-in person.
    pub fn subject(&self, user: &User) -> Subject {
        Subject {
            user: user.id,
            role: user.role,
            school: self.school.as_ref().map(|s| s.uai.to_string()),
            classes: self.classes_concerning(user),
            children: self.children.get(&user.id).cloned().unwrap_or_default(),
            groups: self.groups_of(user.id),
        }
    }

    /// The groups a person belongs to (archived groups excluded).
    pub fn groups_of(&self, user: UserId) -> Vec<GroupId> {
        self.groups
            .values()
            .filter(|g| !g.archived && g.members.contains(&user))
            .map(|g| g.id)
            .collect()
    }

    /// May `subject` do `action` to this account?
    pub fn can_on_user(&self, subject: &Subject, action: Action, user: UserId) -> bool {
        let Some(target) = self.user(user) else {
            return false;
        };
        let classes = self.classes_concerning(target);
        can(
            subject,
            action,
            &Object::User {
                id: user,
                school: Some(self.uai()),
                classes: &classes,
            },
        )
    }

    /// May `subject` do `action` to this class?
    pub fn can_on_class(&self, subject: &Subject, action: Action, class: ClassId) -> bool {
        self.class(class).is_some()
            && can(
                subject,
                action,
                &Object::Class {
                    id: class,
                    school: self.uai(),
                },
            )
    }

    /// May `subject` do `action` to the school as a whole?
    pub fn can_on_school(&self, subject: &Subject, action: Action) -> bool {
        self.school.is_some() && can(subject, action, &Object::School { school: self.uai() })
    }
}
