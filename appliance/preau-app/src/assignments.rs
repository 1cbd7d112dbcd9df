//! Handing work in: a teacher sets an assignment for a class, a group or some pupils;
//! pupils hand in files from their device or their space; the teacher sees who handed in,
//! who is late and who is missing, and hands work back with a comment. A hand-in is frozen
//! when made: its files are the contents of that moment, whatever happens to them later.

use crate::documents::{Received, clean_name};
use crate::{App, AppError, Problem, paris};
use preau_core::documents::HandInStatus;
use preau_core::{
    Action, Assignment, AssignmentId, Audience, ClassId, GroupId, HandBack, HandIn, HandInId,
    HandedFile, NodeId, NodeKind, Object, Revision, Role, Subject, User, UserId, can,
};
use preau_store::documents as db;
use preau_store::schema::random_u64;
use std::fs::File;

/// Longest title, in characters.
const MAX_TITLE: usize = 200;
/// Longest instructions or comment, in characters.
const MAX_TEXT: usize = 10_000;

/// What a teacher types to set an assignment.
#[derive(Clone, Debug, Default)]
pub struct AssignmentForm {
    /// The class.
    pub class: Option<ClassId>,
    /// Title.
    pub title: String,
    /// Instructions.
    pub instructions: String,
    /// Due date and time, Paris time ("2026-12-04T18:00").
    pub due: String,
    /// For one group only.
    pub group: Option<GroupId>,
    /// For these pupils only.
    pub pupils: Vec<UserId>,
}

/// One pupil's line in an assignment.
#[derive(Clone, Debug)]
pub struct PupilWork {
    /// The pupil.
    pub pupil: User,
    /// Where they stand.
    pub status: HandInStatus,
    /// Their hand-ins, oldest first.
    pub hand_ins: Vec<HandIn>,
}

/// An assignment as a person sees it.
#[derive(Clone, Debug)]
pub struct AssignmentView {
    /// The assignment.
    pub assignment: Assignment,
    /// The class's name.
    pub class_name: String,
    /// One line per pupil concerned (only oneself for a pupil, one's children for a parent).
    pub work: Vec<PupilWork>,
    /// Whether the person may see every hand-in and hand work back.
    pub manage: bool,
    /// Whether the person may hand work in.
    pub hand_in: bool,
}

impl AssignmentView {
    /// How many pupils are in each state: (on time, late, missing, pending).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let count = |s| self.work.iter().filter(|w| w.status == s).count();
        (
            count(HandInStatus::OnTime),
            count(HandInStatus::Late),
            count(HandInStatus::Missing),
            count(HandInStatus::Pending),
        )
    }
}

impl App {
    /// The pupils who must hand an assignment in.
    fn audience(&self, a: &Assignment) -> Vec<UserId> {
        let dir = self.directory();
        let class_pupils: Vec<UserId> = dir.pupils_of(a.class).iter().map(|p| p.id).collect();
        match &a.audience {
            Audience::Class => class_pupils,
            Audience::Group(g) => dir
                .group(*g)
                .map(|g| {
                    g.members
                        .iter()
                        .copied()
                        .filter(|m| dir.user(*m).is_some_and(|u| u.role == Role::Pupil))
                        .collect()
                })
                .unwrap_or_default(),
            Audience::Pupils(list) => list.clone(),
        }
    }

    fn can_on_assignment(&self, me: &Subject, action: Action, a: &Assignment) -> bool {
        let dir = self.directory();
        let pupils = self.audience(a);
        can(
            me,
            action,
            &Object::Assignment {
                class: a.class,
                school: dir.uai(),
                pupils: &pupils,
            },
        )
    }

    /// Sets an assignment.
    pub fn create_assignment(
        &self,
        me: &Subject,
        form: &AssignmentForm,
    ) -> Result<Assignment, AppError> {
        let class = form.class.ok_or(AppError::Invalid(Problem::UnknownClass))?;
        let dir = self.directory();
        if dir.class(class).is_none() {
            return Err(AppError::Invalid(Problem::UnknownClass));
        }
        let title = form.title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("titre")));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(AppError::Invalid(Problem::TooLong("titre")));
        }
        if form.instructions.chars().count() > MAX_TEXT {
            return Err(AppError::Invalid(Problem::TooLong("consignes")));
        }
        let due = paris::parse_local(&form.due)
            .ok_or(AppError::Invalid(Problem::Date("date de remise")))?;
        let in_class: Vec<UserId> = dir.pupils_of(class).iter().map(|p| p.id).collect();
        let audience = match (form.group, form.pupils.as_slice()) {
            (Some(g), _) => {
                dir.group(g).ok_or(AppError::Invalid(Problem::Audience))?;
                Audience::Group(g)
            }
            (None, []) => Audience::Class,
            (None, pupils) => {
                if pupils.iter().any(|p| !in_class.contains(p)) {
                    return Err(AppError::Invalid(Problem::Audience));
                }
                Audience::Pupils(pupils.to_vec())
            }
        };
        let assignment = Assignment {
            id: AssignmentId(random_u64()),
            class,
            title: title.to_string(),
            instructions: form.instructions.trim().to_string(),
            due,
            audience,
            created_by: me.user,
            created_at: self.now(),
        };
        if !self.can_on_assignment(me, Action::ManageAssignment, &assignment) {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| -> Result<(), AppError> {
            db::save_assignment(w, &assignment)?;
            self.audit(w, Some(me), "set assignment", assignment.id.to_string())?;
            Ok(())
        })?;
        Ok(assignment)
    }

    /// The assignments that concern `me`, soonest due first.
    pub fn assignments(&self, me: &Subject) -> Result<Vec<AssignmentView>, AppError> {
        let r = self.store.read()?;
        let dir = self.directory();
        let mut out = Vec::new();
        for class in dir.current_classes() {
            for a in db::assignments_of(&r, class.id)? {
                if self.can_on_assignment(me, Action::ViewAssignment, &a) {
                    out.push(self.view_assignment(&r, me, a)?);
                }
            }
        }
        out.sort_by_key(|v| (v.assignment.due, v.assignment.id));
        Ok(out)
    }

    /// One assignment.
    pub fn assignment(&self, me: &Subject, id: AssignmentId) -> Result<AssignmentView, AppError> {
        let r = self.store.read()?;
        let a: Assignment = r.get(id.0)?.ok_or(AppError::NotFound)?;
        if !self.can_on_assignment(me, Action::ViewAssignment, &a) {
            return Err(AppError::NotFound);
        }
        self.view_assignment(&r, me, a)
    }

    fn view_assignment(
        &self,
        r: &preau_store::Reader,
        me: &Subject,
        a: Assignment,
    ) -> Result<AssignmentView, AppError> {
        let dir = self.directory();
        let manage = self.can_on_assignment(me, Action::ManageAssignment, &a);
        let hand_in = self.can_on_assignment(me, Action::HandIn, &a);
        let hand_ins = db::hand_ins_of(r, a.id)?;
        let now = self.now();
        let mut work: Vec<PupilWork> = self
            .audience(&a)
            .into_iter()
            .filter(|p| manage || *p == me.user || me.children.contains(p))
            .filter_map(|p| dir.user(p).cloned())
            .map(|pupil| {
                let mine: Vec<HandIn> = hand_ins
                    .iter()
                    .filter(|h| h.pupil == pupil.id)
                    .cloned()
                    .collect();
                PupilWork {
                    status: HandInStatus::of(mine.last().map(|h| h.at), a.due, now),
                    pupil,
                    hand_ins: mine,
                }
            })
            .collect();
        work.sort_by(|x, y| {
            (&x.pupil.last_name, &x.pupil.first_name)
                .cmp(&(&y.pupil.last_name, &y.pupil.first_name))
        });
        Ok(AssignmentView {
            class_name: dir
                .class(a.class)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            assignment: a,
            work,
            manage,
            hand_in,
        })
    }

    /// Hands work in: files received from the device and files chosen in the pupil's
    /// spaces, frozen as they are now.
    pub fn hand_in(
        &self,
        me: &Subject,
        id: AssignmentId,
        uploads: &[(String, Received)],
        from_spaces: &[NodeId],
    ) -> Result<HandIn, AppError> {
        let a: Assignment = self.store.read()?.get(id.0)?.ok_or(AppError::NotFound)?;
        if !self.can_on_assignment(me, Action::HandIn, &a) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        let files = self.frozen_files(me, uploads, from_spaces)?;
        let hand_in = HandIn {
            id: HandInId(random_u64()),
            assignment: id,
            pupil: me.user,
            at: now,
            files,
            returned: None,
        };
        self.store.write(|w| -> Result<(), AppError> {
            db::save_hand_in(w, &hand_in)?;
            self.audit(w, Some(me), "hand in", hand_in.assignment.to_string())?;
            Ok(())
        })?;
        Ok(hand_in)
    }

    /// Files received from the device and files chosen in the person's spaces, frozen as they
    /// are now (hand-ins, message attachments). At least one file is required.
    pub(crate) fn frozen_files(
        &self,
        me: &Subject,
        uploads: &[(String, Received)],
        from_spaces: &[NodeId],
    ) -> Result<Vec<HandedFile>, AppError> {
        let now = self.now();
        let mut files = Vec::new();
        for (name, received) in uploads {
            files.push(HandedFile {
                name: clean_name(name)?,
                revision: Revision {
                    blob: received.blob.id,
                    size: received.blob.size,
                    mime: received.mime.clone(),
                    at: now,
                    by: me.user,
                },
            });
        }
        for node in from_spaces {
            let resolved = self.resolve(me, *node)?;
            match resolved.node.kind {
                NodeKind::File { current, .. } if !resolved.in_trash => files.push(HandedFile {
                    name: resolved.node.name,
                    revision: current,
                }),
                _ => return Err(AppError::Invalid(Problem::NoFile)),
            }
        }
        if files.is_empty() {
            return Err(AppError::Invalid(Problem::NoFile));
        }
        Ok(files)
    }

    /// Hands work back with a comment (the handed-in files stay as they were).
    pub fn hand_back(&self, me: &Subject, id: HandInId, comment: &str) -> Result<HandIn, AppError> {
        let comment = comment.trim();
        if comment.chars().count() > MAX_TEXT {
            return Err(AppError::Invalid(Problem::TooLong("commentaire")));
        }
        let now = self.now();
        self.store.write(|w| -> Result<HandIn, AppError> {
            let mut hand_in: HandIn = w.get(id.0)?.ok_or(AppError::NotFound)?;
            let a: Assignment = w.get(hand_in.assignment.0)?.ok_or(AppError::NotFound)?;
            if !self.can_on_assignment(me, Action::ManageAssignment, &a) {
                return Err(AppError::Forbidden);
            }
            hand_in.returned = Some(HandBack {
                comment: comment.to_string(),
                at: now,
                by: me.user,
            });
            db::save_hand_in(w, &hand_in)?;
            self.audit(w, Some(me), "hand back", hand_in.id.to_string())?;
            Ok(hand_in)
        })
    }

    /// Opens a handed-in file: for the pupil who handed it in, their guardians and the
    /// assignment's teachers.
    pub fn open_handed_file(
        &self,
        me: &Subject,
        id: HandInId,
        index: usize,
    ) -> Result<(HandedFile, File), AppError> {
        let r = self.store.read()?;
        let hand_in: HandIn = r.get(id.0)?.ok_or(AppError::NotFound)?;
        let a: Assignment = r.get(hand_in.assignment.0)?.ok_or(AppError::NotFound)?;
        let own = hand_in.pupil == me.user || me.children.contains(&hand_in.pupil);
        let allowed = self.can_on_assignment(me, Action::ManageAssignment, &a)
            || (own && self.can_on_assignment(me, Action::ViewAssignment, &a));
        if !allowed {
            return Err(AppError::NotFound);
        }
        let file = hand_in
            .files
            .get(index)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let content = self
            .blobs
            .open_blob(&file.revision.blob)
            .map_err(|e| AppError::Disk(e.to_string()))?;
        Ok((file, content))
    }
}
