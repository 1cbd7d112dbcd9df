//! Préau search: the full-text index of documents and library resources.
//!
//! This is the only crate that knows tantivy. The index is **derived data**: redb is the
//! truth, and the app layer feeds this index (`upsert`, `delete`, `commit` with the redb
//! watermark) and rebuilds it from scratch when [`SearchIndex::open`] reports
//! [`Opened::Rebuilt`].
//!
//! * French analysis (`analysis.rs`): simple tokenizer, long-token removal, lower-casing,
//!   French stop words, ASCII folding, French Snowball stemmer — so `eleve` finds `élèves`.
//! * Access: every search is restricted to the person's principals on the `readers` field
//!   *inside* tantivy (by the collector of `facets.rs` for searches, with a bit set per
//!   segment kept for the next searches of the same principals; a term set intersected
//!   with the query for suggestions), so totals, facets, snippets and suggestions only ever
//!   see documents the person may open.
//! * Facets (`facets.rs`): one pass over the matching documents with a collector reading
//!   each document's combination of values from a table built once per segment from the
//!   string fast fields; each dimension is counted against the other dimensions' filters.
//! * Snippets (`snippet.rs`): tantivy's snippet algorithm, with a faster highlighting
//!   analysis (`analysis.rs`), on the first kilobyte of the body (the whole body when no
//!   match is there), rendered as escaped HTML with `<mark>` around matches.

mod analysis;
mod facets;
mod index;
mod merge;
mod query;
mod schema;
mod snippet;

use serde::{Deserialize, Serialize};

pub use index::SearchIndex;

/// The smallest writer memory tantivy accepts for one indexing thread (15 MB);
/// [`SearchIndex::open`] raises smaller budgets to it.
pub const MIN_WRITER_MEMORY: usize = 15_000_000;

/// The largest page of hits [`SearchIndex::search`] returns.
pub const MAX_LIMIT: usize = 100;

/// The deepest offset [`SearchIndex::search`] pages to (bounded work per query).
pub const MAX_OFFSET: usize = 10_000;

/// The largest number of suggestions [`SearchIndex::suggest`] returns.
pub const MAX_SUGGESTIONS: usize = 50;

/// How opening the index went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// The existing index was opened; it reflects the store up to `watermark`
    /// (the payload of its last commit, 0 if it was never committed).
    Ready {
        /// Watermark of the last commit.
        watermark: u64,
    },
    /// There was no usable index (missing, corrupt, or of another format): the directory
    /// was emptied and a new empty index created. Its watermark is 0: the caller must
    /// reindex everything.
    Rebuilt {
        /// Why, for the logs (English).
        reason: String,
    },
}

/// One searchable item, as the app layer builds it from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDoc {
    /// Unique key, e.g. `node/123` or `resource/456`. Upserts and deletes go by key.
    pub key: String,
    /// `document` or `ressource`.
    pub kind: String,
    /// Title (searched with a boost of 2, used for suggestions).
    pub title: String,
    /// Extracted text, already bounded by the caller.
    pub body: String,
    /// School levels: `CP`, `CE1`, `cycle 2`…
    pub levels: Vec<String>,
    /// Subjects: `mathématiques`…
    pub subjects: Vec<String>,
    /// Type: `fiche`, `leçon`, `image`, `son`, `vidéo`, `lien`, `document`…
    pub doc_type: String,
    /// Label of the owner space, for the facet: `Mes documents`, `Classe CP…`, `Bibliothèque`.
    pub space: String,
    /// Access principals that may open the item: `school`, `user:42`, `class:7`,
    /// `families:7`, `group:3`, `staff`. An item with no readers is never found.
    pub readers: Vec<String>,
    /// Unix seconds, for sorting by date.
    pub date: i64,
}

/// Order of the hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// Best match first (BM25, title weighs twice the body).
    #[default]
    Relevance,
    /// Most recent first (`IndexDoc::date`, descending).
    Date,
}

/// A search as a person types it, with their principals and the chosen filters.
///
/// Within one filter dimension the values are alternatives (any of them); the dimensions
/// are combined (all of them). Empty text lists every document the person may open
/// (browsing by filters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// What the person typed. Words are all required; `"…"` (or `«…»`) is a phrase;
    /// a leading `-` excludes a word. Any other syntax is taken as plain text.
    pub text: String,
    /// The person's access principals (see [`IndexDoc::readers`]). Empty finds nothing.
    pub readers: Vec<String>,
    /// Level filter.
    pub levels: Vec<String>,
    /// Subject filter.
    pub subjects: Vec<String>,
    /// Type filter.
    pub doc_types: Vec<String>,
    /// Space filter.
    pub spaces: Vec<String>,
    /// Order of the hits.
    pub sort: Sort,
    /// Hits to skip (capped at [`MAX_OFFSET`]).
    pub offset: usize,
    /// Hits to return (capped at [`MAX_LIMIT`]; 0 returns only the total and the facets).
    pub limit: usize,
}

/// The answer to a [`SearchQuery`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of documents the person may open that match the text and every filter.
    pub total: usize,
    /// The requested page of them.
    pub hits: Vec<Hit>,
    /// Counts per filter value.
    pub facets: Facets,
}

/// One result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// [`IndexDoc::key`].
    pub key: String,
    /// [`IndexDoc::kind`].
    pub kind: String,
    /// [`IndexDoc::title`].
    pub title: String,
    /// Up to about 200 characters of the body around the matches, HTML-escaped, with
    /// `<mark>…</mark>` around the matched words; the start of the body when the match is
    /// only in the title; the title when there is no body. Safe to insert as HTML.
    pub snippet_html: String,
    /// [`IndexDoc::doc_type`].
    pub doc_type: String,
    /// [`IndexDoc::space`].
    pub space: String,
    /// [`IndexDoc::date`].
    pub date: i64,
    /// Relevance score (BM25); 0 when sorting by date.
    pub score: f32,
}

/// Counts per filter value, over the documents the person may open that match the text.
///
/// Each dimension is counted under the filters of the *other* dimensions, so that choosing
/// `CP` still shows how many `CE1` documents there are. Sorted by count (descending), then
/// value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Per level.
    pub levels: Vec<(String, u64)>,
    /// Per subject.
    pub subjects: Vec<(String, u64)>,
    /// Per type.
    pub doc_types: Vec<(String, u64)>,
    /// Per space.
    pub spaces: Vec<(String, u64)>,
}

/// A search index failure.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index directory could not be created, read or emptied.
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The index engine failed.
    #[error("search index: {0}")]
    Index(#[from] EngineError),
}

/// An error of the index engine (opaque: its type is an implementation detail).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct EngineError(tantivy::TantivyError);

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(EngineError(error))
    }
}
