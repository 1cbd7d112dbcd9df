//! The school's library: teachers publish resources (a file or a link to an approved
//! website) with their metadata and curate collections; everyone at school browses them.

use crate::documents::{Received, clean_name};
use crate::{App, AppError, Problem};
use preau_core::{
    Action, Collection, CollectionId, Discipline, Level, Object, Resource, ResourceContent,
    ResourceId, ResourceKind, Revision, Subject, can,
};
use preau_store::schema::random_u64;
use std::fs::File;

/// Longest title, in characters.
const MAX_TITLE: usize = 200;
/// Longest description, in characters.
const MAX_DESCRIPTION: usize = 5_000;

/// What a teacher types to publish or edit a resource.
#[derive(Clone, Debug, Default)]
pub struct ResourceForm {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Levels.
    pub levels: Vec<Level>,
    /// Subjects.
    pub disciplines: Vec<Discipline>,
    /// Kind.
    pub kind: Option<ResourceKind>,
    /// The author as credited (empty: the publisher).
    pub author: String,
    /// Licence.
    pub licence: String,
    /// The address, for a link.
    pub url: String,
}

/// Which resources to list.
#[derive(Clone, Debug, Default)]
pub struct LibraryFilter {
    /// Only these levels (any of them).
    pub level: Option<Level>,
    /// Only this subject.
    pub discipline: Option<Discipline>,
    /// Only this kind.
    pub kind: Option<ResourceKind>,
}

/// Whether an address is a plain web link (http or https, with a host).
fn web_link(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let valid = !host.is_empty()
        && url.len() <= 2_000
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then(|| url.to_string())
}

impl App {
    fn can_on_library(&self, me: &Subject, action: Action) -> bool {
        self.directory().can_on_school(me, action)
    }

    fn can_manage(&self, me: &Subject, resource: &Resource) -> bool {
        let dir = self.directory();
        can(
            me,
            Action::ManageResource,
            &Object::Resource {
                published_by: resource.published_by,
                school: dir.uai(),
            },
        )
    }

    /// Whether `me` may publish resources.
    pub fn may_publish(&self, me: &Subject) -> bool {
        self.can_on_library(me, Action::PublishResource)
    }

    /// Whether `me` may change or withdraw a resource.
    pub fn may_manage_resource(&self, me: &Subject, resource: &Resource) -> bool {
        self.can_manage(me, resource)
    }

    /// Checks a form and makes the resource's metadata (content set by the caller).
    fn validated(&self, me: &Subject, form: &ResourceForm) -> Result<Resource, AppError> {
        let title = form.title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("titre")));
        }
        if title.chars().count() > MAX_TITLE {
            return Err(AppError::Invalid(Problem::TooLong("titre")));
        }
        if form.description.chars().count() > MAX_DESCRIPTION {
            return Err(AppError::Invalid(Problem::TooLong("description")));
        }
        let kind = form
            .kind
            .ok_or(AppError::Invalid(Problem::Missing("type")))?;
        let author = match form.author.trim() {
            "" => self
                .directory()
                .user(me.user)
                .map(|u| u.full_name())
                .unwrap_or_default(),
            a => a.to_string(),
        };
        let mut levels = form.levels.clone();
        levels.sort();
        levels.dedup();
        let mut disciplines = form.disciplines.clone();
        disciplines.sort();
        disciplines.dedup();
        let now = self.now();
        Ok(Resource {
            id: ResourceId(random_u64()),
            title: title.to_string(),
            description: form.description.trim().to_string(),
            levels,
            disciplines,
            kind,
            published_by: me.user,
            author,
            licence: form.licence.trim().to_string(),
            content: ResourceContent::Link { url: String::new() },
            published_at: now,
            updated_at: now,
        })
    }

    /// Publishes a resource: a file (`file`, with its name) or, for a link, the form's
    /// address.
    pub fn publish_resource(
        &self,
        me: &Subject,
        form: &ResourceForm,
        file: Option<(&str, &Received)>,
    ) -> Result<Resource, AppError> {
        if !self.may_publish(me) {
            return Err(AppError::Forbidden);
        }
        let mut resource = self.validated(me, form)?;
        resource.content = self.content(me, &resource, form, file)?;
        self.store.write(|w| -> Result<(), AppError> {
            w.put(&resource)?;
            self.audit(w, Some(me), "publish resource", resource.id.to_string())?;
            Ok(())
        })?;
        Ok(resource)
    }

    /// The content of a resource from the form: a link needs a web address; anything else
    /// a file.
    fn content(
        &self,
        me: &Subject,
        resource: &Resource,
        form: &ResourceForm,
        file: Option<(&str, &Received)>,
    ) -> Result<ResourceContent, AppError> {
        match (resource.kind, file) {
            (ResourceKind::Link, _) => {
                let url = web_link(&form.url).ok_or(AppError::Invalid(Problem::WebAddress))?;
                Ok(ResourceContent::Link { url })
            }
            (_, Some((name, received))) => Ok(ResourceContent::File {
                name: clean_name(name)?,
                revision: Revision {
                    blob: received.blob.id,
                    size: received.blob.size,
                    mime: received.mime.clone(),
                    at: self.now(),
                    by: me.user,
                },
            }),
            (_, None) => Err(AppError::Invalid(Problem::NoFile)),
        }
    }

    /// Changes a resource's metadata (and its file or link when a new one is given).
    pub fn update_resource(
        &self,
        me: &Subject,
        id: ResourceId,
        form: &ResourceForm,
        file: Option<(&str, &Received)>,
    ) -> Result<Resource, AppError> {
        let old = self.resource(me, id)?;
        if !self.can_manage(me, &old) {
            return Err(AppError::Forbidden);
        }
        let mut updated = self.validated(me, form)?;
        updated.id = old.id;
        updated.published_by = old.published_by;
        updated.published_at = old.published_at;
        updated.content = match (&old.content, file, updated.kind) {
            (ResourceContent::File { .. } | ResourceContent::Exercises { .. }, None, kind)
                if kind != ResourceKind::Link =>
            {
                old.content.clone()
            }
            _ => self.content(me, &updated, form, file)?,
        };
        self.store.write(|w| -> Result<(), AppError> {
            w.put(&updated)?;
            self.audit(w, Some(me), "update resource", id.to_string())?;
            Ok(())
        })?;
        Ok(updated)
    }

    /// Withdraws a resource from the library (and from every collection).
    pub fn withdraw_resource(&self, me: &Subject, id: ResourceId) -> Result<(), AppError> {
        let resource = self.resource(me, id)?;
        if !self.can_manage(me, &resource) {
            return Err(AppError::Forbidden);
        }
        self.store.write(|w| -> Result<(), AppError> {
            w.delete::<Resource>(id.0)?;
            for mut c in w.all::<Collection>()? {
                if c.resources.contains(&id) {
                    c.resources.retain(|r| *r != id);
                    w.put(&c)?;
                }
            }
            self.audit(w, Some(me), "withdraw resource", id.to_string())?;
            Ok(())
        })
    }

    /// One resource.
    pub fn resource(&self, me: &Subject, id: ResourceId) -> Result<Resource, AppError> {
        if !self.can_on_library(me, Action::ViewLibrary) {
            return Err(AppError::NotFound);
        }
        self.store
            .read()?
            .get::<Resource>(id.0)?
            .ok_or(AppError::NotFound)
    }

    /// The library, newest first, narrowed by the filter.
    pub fn resources(
        &self,
        me: &Subject,
        filter: &LibraryFilter,
    ) -> Result<Vec<Resource>, AppError> {
        if !self.can_on_library(me, Action::ViewLibrary) {
            return Err(AppError::Forbidden);
        }
        let mut list: Vec<Resource> = self
            .store
            .read()?
            .all::<Resource>()?
            .into_iter()
            .filter(|r| filter.level.is_none_or(|l| r.levels.contains(&l)))
            .filter(|r| filter.discipline.is_none_or(|d| r.disciplines.contains(&d)))
            .filter(|r| filter.kind.is_none_or(|k| r.kind == k))
            .collect();
        list.sort_by_key(|r| std::cmp::Reverse((r.published_at, r.id)));
        Ok(list)
    }

    /// Opens a stored content by digest (for the import of a zip just received).
    pub fn open_blob(&self, blob: &preau_core::BlobId) -> Result<File, AppError> {
        self.blobs
            .open_blob(blob)
            .map_err(|e| AppError::Disk(e.to_string()))
    }

    /// Opens a resource's file.
    pub fn open_resource_file(
        &self,
        me: &Subject,
        id: ResourceId,
    ) -> Result<(String, Revision, File), AppError> {
        match self.resource(me, id)?.content {
            ResourceContent::File { name, revision } => {
                let file = self
                    .blobs
                    .open_blob(&revision.blob)
                    .map_err(|e| AppError::Disk(e.to_string()))?;
                Ok((name, revision, file))
            }
            ResourceContent::Link { .. } | ResourceContent::Exercises { .. } => {
                Err(AppError::NotFound)
            }
        }
    }

    /// Creates a collection.
    pub fn create_collection(
        &self,
        me: &Subject,
        title: &str,
        description: &str,
    ) -> Result<Collection, AppError> {
        if !self.may_publish(me) {
            return Err(AppError::Forbidden);
        }
        let title = title.trim();
        if title.is_empty() {
            return Err(AppError::Invalid(Problem::Missing("titre")));
        }
        if title.chars().count() > MAX_TITLE || description.chars().count() > MAX_DESCRIPTION {
            return Err(AppError::Invalid(Problem::TooLong("titre")));
        }
        let collection = Collection {
            id: CollectionId(random_u64()),
            title: title.to_string(),
            description: description.trim().to_string(),
            owner: me.user,
            resources: Vec::new(),
            updated_at: self.now(),
        };
        self.store.write(|w| w.put(&collection))?;
        Ok(collection)
    }

    /// Adds a resource to (or, with `add = false`, removes it from) one of one's collections.
    pub fn curate(
        &self,
        me: &Subject,
        collection: CollectionId,
        resource: ResourceId,
        add: bool,
    ) -> Result<Collection, AppError> {
        self.resource(me, resource)?;
        let now = self.now();
        self.store.write(|w| -> Result<Collection, AppError> {
            let mut c: Collection = w.get(collection.0)?.ok_or(AppError::NotFound)?;
            let head = self.directory().can_on_school(me, Action::ManageAccount);
            if c.owner != me.user && !head {
                return Err(AppError::Forbidden);
            }
            c.resources.retain(|r| *r != resource);
            if add {
                c.resources.push(resource);
            }
            c.updated_at = now;
            w.put(&c)?;
            Ok(c)
        })
    }

    /// Every collection, most recently changed first.
    pub fn collections(&self, me: &Subject) -> Result<Vec<Collection>, AppError> {
        if !self.can_on_library(me, Action::ViewLibrary) {
            return Err(AppError::Forbidden);
        }
        let mut list = self.store.read()?.all::<Collection>()?;
        list.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        Ok(list)
    }

    /// One collection with its resources.
    pub fn collection(
        &self,
        me: &Subject,
        id: CollectionId,
    ) -> Result<(Collection, Vec<Resource>), AppError> {
        if !self.can_on_library(me, Action::ViewLibrary) {
            return Err(AppError::NotFound);
        }
        let r = self.store.read()?;
        let c: Collection = r.get(id.0)?.ok_or(AppError::NotFound)?;
        let mut resources = Vec::new();
        for id in &c.resources {
            if let Some(res) = r.get::<Resource>(id.0)? {
                resources.push(res);
            }
        }
        Ok((c, resources))
    }
}

#[cfg(test)]
mod tests {
    use super::web_link;

    #[test]
    fn only_plain_web_links_are_published() {
        assert_eq!(
            web_link(" https://fr.vikidia.org/wiki/Volcan "),
            Some("https://fr.vikidia.org/wiki/Volcan".into())
        );
        assert!(web_link("http://lesfondamentaux.reseau-canope.fr").is_some());
        assert_eq!(web_link("javascript:alert(1)"), None);
        assert_eq!(web_link("https://"), None);
        assert_eq!(web_link("file:///etc/passwd"), None);
        assert_eq!(web_link("https://a b.fr"), None);
    }
}
