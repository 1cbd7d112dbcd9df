//! Search: the library and the documents each person may open, through the tantivy index
//! of `preau-search`.
//!
//! * **Derived data.** Writes to indexed records (files and folders, resources) append their
//!   key to the store's index feed in the same transaction; [`App::index_pending`] reads the
//!   feed after the index's watermark, (re)indexes those keys and commits the index with the
//!   new watermark. At start the index catches up from its watermark; a missing or corrupt
//!   index is recreated empty and rebuilt from the store ([`App::reindex_all`]) while the
//!   site serves every page and the search page says that indexing is in progress.
//! * **Access inside the query.** Each item carries the principals that may open it
//!   ([`item_readers`]); each person has theirs ([`principals`]); both follow the rules of
//!   [`preau_core::can`], and the search crate intersects them inside the query, so hits,
//!   counts, snippets and suggestions never come from an item the person cannot open.
//! * **Text extraction** runs in a child process with memory and time limits when the
//!   binary's path is configured (`Settings::extractor`), in-process otherwise; the text is
//!   cached by content digest; a failure is recorded and shown to the uploader.

use crate::{App, AppError};
use preau_core::library::cycle;
use preau_core::{
    Action, BlobId, ExtractionFailure, Node, NodeKind, Resource, ResourceContent, Role, Share,
    ShareTarget, Space, SpaceOwner, Subject,
};
pub use preau_search::{Facets, Hit, SearchQuery, SearchResults, Sort};
use preau_search::{IndexDoc, Opened, SearchIndex};
use preau_store::Reader;
use preau_store::documents as db;
use preau_store::library::{extraction_failure, set_extraction_failure};
use std::path::Path;
use std::sync::Mutex;

/// Memory of the index writer (tantivy's minimum is 15 MB per thread).
const WRITER_MEMORY: usize = 32 * 1024 * 1024;
/// Index-feed entries handled per index commit.
const BATCH: usize = 500;
/// The principal of everyone who may browse the library.
const LIBRARY: &str = "library";

/// Where the index stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IndexState {
    /// Up to date (or catching up with recent changes).
    Ready,
    /// Being rebuilt from the store: results are incomplete.
    Building,
    /// The index could not be opened at all (disk failure): search is off.
    Unavailable(String),
}

/// The search index and its state.
pub struct Search {
    index: Option<SearchIndex>,
    state: Mutex<IndexState>,
    /// One indexing pass at a time (the server's task, `preau check --reindex`, tests).
    pass: Mutex<()>,
}

impl std::fmt::Debug for Search {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Search")
            .field("state", &self.state())
            .finish()
    }
}

impl Search {
    /// Opens (or recreates) the index in `<data dir>/index`. Never fails: a broken index is
    /// rebuilt, an unusable directory turns search off with the reason.
    pub fn open(data_dir: &Path) -> Search {
        match SearchIndex::open(&data_dir.join("index"), WRITER_MEMORY) {
            Ok((index, opened)) => {
                let state = match opened {
                    Opened::Ready { .. } => IndexState::Ready,
                    Opened::Rebuilt { reason } => {
                        tracing::warn!("search index recreated ({reason}); rebuilding it");
                        IndexState::Building
                    }
                };
                Search {
                    index: Some(index),
                    state: Mutex::new(state),
                    pass: Mutex::new(()),
                }
            }
            Err(e) => {
                tracing::error!("search index unavailable: {e}");
                Search {
                    index: None,
                    state: Mutex::new(IndexState::Unavailable(e.to_string())),
                    pass: Mutex::new(()),
                }
            }
        }
    }

    /// Where the index stands.
    pub fn state(&self) -> IndexState {
        match self.state.lock() {
            Ok(s) => s.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set_state(&self, state: IndexState) {
        match self.state.lock() {
            Ok(mut s) => *s = state,
            Err(p) => *p.into_inner() = state,
        }
    }
}

/// The principals of a person: what items' readers are matched against.
pub fn principals(app: &App, me: &Subject) -> Vec<String> {
    let mut out = vec![format!("user:{}", me.user)];
    let reads_spaces = !matches!(me.role, Role::TownAgent | Role::Technician);
    for class in &me.classes {
        if me.role == Role::Parent {
            out.push(format!("families:{class}"));
        } else if reads_spaces {
            out.push(format!("class:{class}"));
        }
    }
    if matches!(
        me.role,
        Role::Pupil | Role::Teacher | Role::Headteacher | Role::Staff
    ) {
        out.extend(me.groups.iter().map(|g| format!("group:{g}")));
    }
    if matches!(me.role, Role::Teacher | Role::Headteacher | Role::Staff) {
        out.push("staff".into());
    }
    if app.directory().can_on_school(me, Action::ViewLibrary) {
        out.push(LIBRARY.into());
    }
    out
}

/// The principals that may open an item of `space`, given the shares on it and on the
/// folders above it.
pub fn item_readers(space: &Space, shares: &[Share]) -> Vec<String> {
    let mut out = vec![match space.owner {
        SpaceOwner::Personal(u) => format!("user:{u}"),
        SpaceOwner::Class(c) => format!("class:{c}"),
        SpaceOwner::Group(g) => format!("group:{g}"),
        SpaceOwner::Staff => "staff".into(),
    }];
    for share in shares {
        out.push(match share.target {
            ShareTarget::Class(c) => format!("class:{c}"),
            ShareTarget::ClassFamilies(c) => format!("families:{c}"),
            ShareTarget::Group(g) => format!("group:{g}"),
            ShareTarget::User(u) => format!("user:{u}"),
        });
    }
    out.sort();
    out.dedup();
    out
}

/// A short French type for a file, from its media type.
fn file_type(mime: &str) -> &'static str {
    match mime {
        m if m.starts_with("image/") => "image",
        m if m.starts_with("audio/") => "son",
        m if m.starts_with("video/") => "vidéo",
        "application/pdf" => "pdf",
        m if m.starts_with("text/") => "texte",
        m if m.contains("presentation") => "présentation",
        m if m.contains("spreadsheet") || m.contains("sheet") => "tableur",
        m if m.contains("word") || m.contains("opendocument.text") => "traitement de texte",
        _ => "document",
    }
}

impl App {
    /// The search index's state (for the search page).
    pub fn index_state(&self) -> IndexState {
        self.search.state()
    }

    /// The French label of a space for the search facet (the same for everyone).
    fn space_label(&self, owner: SpaceOwner) -> String {
        match owner {
            SpaceOwner::Personal(_) => "Documents personnels".into(),
            other => self.common_space_title(other),
        }
    }

    /// The text of a content for the index: from the cache, or extracted (and cached); a
    /// failure is recorded for the uploader and gives an empty text.
    fn indexed_text(&self, blob: &BlobId, mime: &str) -> String {
        if !is_extractable(mime) {
            return String::new();
        }
        let made = self.derived.get_or_make(blob, "text", || {
            let path = self.blobs.path(blob);
            let limits = preau_extract::Limits::default();
            let outcome = match &self.settings.extractor {
                Some(exe) => preau_extract::extract_in_child(exe, &path, mime, &limits),
                None => preau_extract::extract(&path, mime, &limits),
            };
            match outcome {
                Ok(extracted) => Ok((extracted.text.into_bytes(), "text/plain")),
                Err(e) => Err(TextError::Failed(e.french())),
            }
        });
        match made {
            Ok((bytes, _)) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                let reason = match e {
                    TextError::Failed(reason) => reason,
                    TextError::Io(e) => format!("Erreur de lecture du disque : {e}"),
                };
                tracing::warn!(blob = %blob, "text extraction failed");
                let failure = ExtractionFailure {
                    blob: *blob,
                    reason,
                    at: self.now(),
                };
                let _ = self.store.write(|w| -> Result<(), AppError> {
                    set_extraction_failure(w, blob, Some(&failure))?;
                    Ok(())
                });
                String::new()
            }
        }
    }

    /// Why a content could not be searched, if its extraction failed.
    pub fn extraction_problem(&self, blob: &BlobId) -> Result<Option<String>, AppError> {
        Ok(extraction_failure(&self.store.read()?, blob)?.map(|f| f.reason))
    }

    /// The index document of a live file or folder (`None`: not to be indexed).
    fn node_doc(&self, r: &Reader, node: &Node) -> Result<Option<IndexDoc>, AppError> {
        let Some(space) = r.get::<Space>(node.space.0)? else {
            return Ok(None);
        };
        if node.parent.is_none() {
            return Ok(None);
        }
        let mut shares = Vec::new();
        let mut cursor = Some(node.clone());
        while let Some(current) = cursor {
            if current.trashed.is_some() {
                return Ok(None);
            }
            shares.extend(db::shares_of(r, current.id)?);
            cursor = match current.parent {
                Some(p) => r.get(p.0)?,
                None => None,
            };
        }
        let (doc_type, body) = match &node.kind {
            NodeKind::Folder => ("dossier", String::new()),
            NodeKind::File { current, .. } => (
                file_type(&current.mime),
                self.indexed_text(&current.blob, &current.mime),
            ),
        };
        Ok(Some(IndexDoc {
            key: format!("node/{}", node.id),
            kind: "document".into(),
            title: node.name.clone(),
            body,
            levels: Vec::new(),
            subjects: Vec::new(),
            doc_type: doc_type.into(),
            space: self.space_label(space.owner),
            readers: item_readers(&space, &shares),
            date: node.modified_at,
        }))
    }

    /// The index document of a resource: its description, and the text of its file or, for
    /// a sequence of exercises, of its lesson and questions.
    fn resource_doc(&self, r: &Reader, resource: &Resource) -> Result<IndexDoc, AppError> {
        let mut body = resource.description.clone();
        match &resource.content {
            ResourceContent::File { revision, .. } => {
                body.push('\n');
                body.push_str(&self.indexed_text(&revision.blob, &revision.mime));
            }
            ResourceContent::Exercises { sequence } => {
                body.push('\n');
                body.push_str(&crate::exercises::sharing::sequence_text(r, *sequence)?);
            }
            ResourceContent::Link { .. } => {}
        }
        let mut levels: Vec<String> = resource.levels.iter().map(|l| l.code().into()).collect();
        let mut cycles: Vec<u8> = resource.levels.iter().map(|l| cycle(*l)).collect();
        cycles.sort();
        cycles.dedup();
        levels.extend(cycles.into_iter().map(|c| format!("cycle {c}")));
        Ok(IndexDoc {
            key: format!("resource/{}", resource.id),
            kind: "ressource".into(),
            title: resource.title.clone(),
            body,
            levels,
            subjects: resource
                .disciplines
                .iter()
                .map(|d| d.label().to_string())
                .collect(),
            doc_type: resource.kind.label().to_string(),
            space: "Bibliothèque".into(),
            readers: vec![LIBRARY.into()],
            date: resource.updated_at,
        })
    }

    /// (Re)indexes one key of the feed ("node/42", "resource/7").
    fn index_key(&self, index: &SearchIndex, r: &Reader, key: &str) -> Result<(), AppError> {
        let (kind, id) = key.split_once('/').unwrap_or((key, ""));
        let id: u64 = id.parse().unwrap_or(0);
        let doc = match kind {
            "node" => match r.get::<Node>(id)? {
                Some(node) => self.node_doc(r, &node)?,
                None => None,
            },
            "resource" => match r.get::<Resource>(id)? {
                Some(res) => Some(self.resource_doc(r, &res)?),
                None => None,
            },
            _ => None,
        };
        match doc {
            Some(doc) => index.upsert(&doc).map_err(search_error)?,
            None => index.delete(key).map_err(search_error)?,
        }
        Ok(())
    }

    /// Indexes what changed since the index's watermark, a batch at a time; returns how
    /// many keys were handled.
    pub fn index_pending(&self) -> Result<usize, AppError> {
        let Some(index) = &self.search.index else {
            return Ok(0);
        };
        let _pass = self.search.pass.lock().unwrap_or_else(|p| p.into_inner());
        if self.search.state() == IndexState::Building {
            self.rebuild(index)?;
        }
        let mut handled = 0;
        loop {
            let entries = self.store.index_feed_since(index.watermark(), BATCH)?;
            let Some(&(last, _)) = entries.last() else {
                return Ok(handled);
            };
            let r = self.store.read()?;
            for (_, key) in &entries {
                self.index_key(index, &r, key)?;
            }
            index.commit(last).map_err(search_error)?;
            self.store.trim_index_feed(last)?;
            handled += entries.len();
        }
    }

    /// Rebuilds the whole index from the store (`preau check --reindex`, or after the index
    /// was lost).
    pub fn reindex_all(&self) -> Result<usize, AppError> {
        let Some(index) = &self.search.index else {
            return Ok(0);
        };
        let _pass = self.search.pass.lock().unwrap_or_else(|p| p.into_inner());
        self.rebuild(index)
    }

    fn rebuild(&self, index: &SearchIndex) -> Result<usize, AppError> {
        self.search.set_state(IndexState::Building);
        let r = self.store.read()?;
        let watermark = r.index_seq()?;
        index.clear().map_err(search_error)?;
        let mut count = 0;
        for node in r.all::<Node>()? {
            if let Some(doc) = self.node_doc(&r, &node)? {
                index.upsert(&doc).map_err(search_error)?;
                count += 1;
            }
        }
        for resource in r.all::<Resource>()? {
            index
                .upsert(&self.resource_doc(&r, &resource)?)
                .map_err(search_error)?;
            count += 1;
        }
        index.commit(watermark).map_err(search_error)?;
        self.store.trim_index_feed(watermark)?;
        self.search.set_state(IndexState::Ready);
        tracing::info!(items = count, "search index rebuilt");
        Ok(count)
    }

    /// Searches what `me` may open.
    pub fn search(&self, me: &Subject, query: SearchQuery) -> Result<SearchResults, AppError> {
        let Some(index) = &self.search.index else {
            return Ok(SearchResults::default());
        };
        let query = SearchQuery {
            readers: principals(self, me),
            ..query
        };
        index.search(&query).map_err(search_error)
    }

    /// Titles of what `me` may open that start like `prefix` (suggestions as one types).
    pub fn suggest(
        &self,
        me: &Subject,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<String>, AppError> {
        let Some(index) = &self.search.index else {
            return Ok(Vec::new());
        };
        index
            .suggest(prefix, &principals(self, me), limit)
            .map_err(search_error)
    }

    /// Puts the subtree of a folder or file back in the index feed (its readers or its
    /// visibility changed: share, move, trash, restore).
    pub(crate) fn reindex_subtree(
        &self,
        w: &mut preau_store::Writer,
        node: &Node,
    ) -> Result<(), AppError> {
        let mut stack = vec![node.id];
        while let Some(id) = stack.pop() {
            w.mark_for_index(&format!("node/{id}"))?;
            for child in db::children(w, id)? {
                stack.push(child.id);
            }
        }
        Ok(())
    }
}

/// Whether text can be read from this type.
fn is_extractable(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime == "application/pdf"
        || mime.contains("opendocument")
        || mime.contains("officedocument")
        || mime == "application/epub+zip"
        || mime == "application/xhtml+xml"
}

/// Why a text could not be made for the index.
enum TextError {
    /// The extractor refused the file (French reason for the uploader).
    Failed(String),
    /// The cache could not be read or written.
    Io(std::io::Error),
}

impl From<std::io::Error> for TextError {
    fn from(e: std::io::Error) -> Self {
        TextError::Io(e)
    }
}

fn search_error(e: preau_search::SearchError) -> AppError {
    AppError::Disk(format!("search index: {e}"))
}
