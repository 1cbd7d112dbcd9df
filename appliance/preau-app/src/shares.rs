//! Sharing a folder or file with a class, the families of a class, a group or a person,
//! read-only or read-write. A share only ever widens access (see [`preau_core::can`]).

use crate::{App, AppError, Problem};
use preau_core::{Node, NodeId, Role, Share, ShareId, ShareTarget, Subject};
use preau_store::documents as db;
use preau_store::schema::random_u64;

impl App {
    /// Whether a share is with `me`.
    pub(crate) fn share_reaches(&self, me: &Subject, share: &Share) -> bool {
        match share.target {
            ShareTarget::Class(c) => me.role != Role::Parent && me.classes.contains(&c),
            ShareTarget::ClassFamilies(c) => me.role == Role::Parent && me.classes.contains(&c),
            ShareTarget::Group(g) => me.groups.contains(&g),
            ShareTarget::User(u) => me.user == u,
        }
    }

    /// Who `me` may share with, with French labels: pupils their class, groups and
    /// classmates; teachers their classes, those classes' families and pupils, groups and
    /// colleagues; the headteacher the whole school.
    pub fn share_targets(&self, me: &Subject) -> Vec<(ShareTarget, String)> {
        let dir = self.directory();
        let whole_school = me.role == Role::Headteacher;
        let classes: Vec<_> = dir
            .current_classes()
            .into_iter()
            .filter(|c| whole_school || me.classes.contains(&c.id))
            .collect();
        let mut out = Vec::new();
        let adult = matches!(me.role, Role::Teacher | Role::Headteacher | Role::Staff);
        for class in &classes {
            out.push(ShareTarget::Class(class.id));
            if adult {
                out.push(ShareTarget::ClassFamilies(class.id));
            }
        }
        out.extend(
            dir.groups()
                .into_iter()
                .filter(|g| {
                    !g.archived
                        && (me.groups.contains(&g.id)
                            || whole_school
                            || (adult && g.class.is_some_and(|c| me.classes.contains(&c))))
                })
                .map(|g| ShareTarget::Group(g.id)),
        );
        for class in &classes {
            out.extend(
                dir.pupils_of(class.id)
                    .into_iter()
                    .filter(|p| p.id != me.user)
                    .map(|p| ShareTarget::User(p.id)),
            );
        }
        if adult {
            out.extend(
                dir.users()
                    .into_iter()
                    .filter(|u| {
                        !u.archived
                            && u.id != me.user
                            && matches!(u.role, Role::Teacher | Role::Headteacher | Role::Staff)
                    })
                    .map(|u| ShareTarget::User(u.id)),
            );
        }
        out.dedup();
        out.into_iter()
            .map(|t| {
                let label = self.share_label(t);
                (t, label)
            })
            .collect()
    }

    /// The French label of a share target.
    pub fn share_label(&self, target: ShareTarget) -> String {
        let dir = self.directory();
        let class_name = |c| dir.class(c).map(|c| c.name.clone()).unwrap_or_default();
        match target {
            ShareTarget::Class(c) => format!("Classe {}", class_name(c)),
            ShareTarget::ClassFamilies(c) => format!("Familles de la classe {}", class_name(c)),
            ShareTarget::Group(g) => match dir.group(g) {
                Some(g) => format!("Groupe {}", g.name),
                None => "Groupe".into(),
            },
            ShareTarget::User(u) => match dir.user(u) {
                Some(u) => format!("{} {}", u.first_name, u.last_name),
                None => "Personne".into(),
            },
        }
    }

    /// Shares a folder or file (families only ever get read-only access).
    pub fn share(
        &self,
        me: &Subject,
        node: NodeId,
        target: ShareTarget,
        write: bool,
    ) -> Result<Share, AppError> {
        if !self.share_targets(me).iter().any(|(t, _)| *t == target) {
            return Err(AppError::Invalid(Problem::ShareTarget));
        }
        let write = write && !matches!(target, ShareTarget::ClassFamilies(_));
        let now = self.now();
        self.store.write(|w| -> Result<Share, AppError> {
            let resolved = self.resolve_in(w, me, node)?;
            if !resolved.access.share || resolved.in_trash {
                return Err(AppError::Forbidden);
            }
            let existing = db::shares_of(w, node)?
                .into_iter()
                .find(|s| s.target == target);
            let share = Share {
                id: existing.map(|s| s.id).unwrap_or(ShareId(random_u64())),
                node,
                target,
                write,
                by: me.user,
                at: now,
            };
            db::save_share(w, &share)?;
            self.reindex_subtree(w, &resolved.node)?;
            self.audit(w, Some(me), "share document", node.to_string())?;
            Ok(share)
        })
    }

    /// Ends a share.
    pub fn unshare(&self, me: &Subject, id: ShareId) -> Result<(), AppError> {
        self.store.write(|w| -> Result<(), AppError> {
            let share: Share = w.get(id.0)?.ok_or(AppError::NotFound)?;
            let resolved = self.resolve_in(w, me, share.node)?;
            if !resolved.access.share {
                return Err(AppError::Forbidden);
            }
            db::delete_share(w, &share)?;
            self.reindex_subtree(w, &resolved.node)?;
            self.audit(w, Some(me), "end share", share.node.to_string())?;
            Ok(())
        })
    }

    /// The shares of a node, for those who may share it.
    pub fn shares(&self, me: &Subject, node: NodeId) -> Result<Vec<Share>, AppError> {
        let r = self.store.read()?;
        let resolved = self.resolve_in(&r, me, node)?;
        if !resolved.access.share {
            return Ok(Vec::new());
        }
        Ok(db::shares_of(&r, node)?)
    }

    /// What others shared with `me` (live items only), newest first.
    pub fn shared_with_me(&self, me: &Subject) -> Result<Vec<(Share, Node)>, AppError> {
        let r = self.store.read()?;
        let mut out = Vec::new();
        for share in r.all::<Share>()? {
            if share.by == me.user || !self.share_reaches(me, &share) {
                continue;
            }
            if let Ok(resolved) = self.resolve_in(&r, me, share.node)
                && !resolved.in_trash
            {
                out.push((share, resolved.node));
            }
        }
        out.sort_by_key(|(s, _)| std::cmp::Reverse(s.at));
        Ok(out)
    }
}
