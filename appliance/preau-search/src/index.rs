//! [`SearchIndex`]: opening (and wiping when unusable), writing, searching.

use std::collections::HashSet;
use std::fs;
use std::ops::Bound;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::directory::error::LockError;
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, InvertedIndexRangeQuery, Occur, Query, QueryParser,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{IndexRecordOption, Schema, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    TantivyError, Term,
};

use crate::analysis;
use crate::facets::{self, Faceted, SegmentCache};
use crate::merge::BoundedMergePolicy;
use crate::query::to_parser_syntax;
use crate::schema::{self, DATE, Fields};
use crate::snippet;
use crate::{
    Facets, Hit, IndexDoc, MAX_LIMIT, MAX_OFFSET, MAX_SUGGESTIONS, MIN_WRITER_MEMORY, Opened,
    SearchError, SearchQuery, SearchResults, Sort,
};

/// Format of the commit payload. Bump the version when the analysis changes in a way the
/// schema does not show (stop words, stemmer…): the next open then rebuilds the index.
const PAYLOAD_PREFIX: &str = "preau-search/1 watermark=";

/// Title boost over the body.
const TITLE_BOOST: f32 = 2.0;

/// The full-text index. `Send + Sync`: share it in an `Arc`.
///
/// One writer behind a mutex (a single indexing thread, bounded memory), one reader
/// reloaded after each commit (searches see committed data only).
pub struct SearchIndex {
    dir: PathBuf,
    fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    reader: IndexReader,
    parser: QueryParser,
    folded: TextAnalyzer,
    watermark: AtomicU64,
    /// What searches keep of the reader's segments.
    segments: SegmentCache,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .field("watermark", &self.watermark())
            .finish_non_exhaustive()
    }
}

/// Why an existing index cannot be used.
enum Unusable {
    /// Missing, corrupt, or of another format: wipe it.
    Wipe(String),
    /// A real failure that wiping would not cure (another process holds the writer lock).
    Fail(SearchError),
}

fn wipe(error: impl std::fmt::Display) -> Unusable {
    Unusable::Wipe(error.to_string())
}

fn payload(watermark: u64) -> String {
    format!("{PAYLOAD_PREFIX}{watermark}")
}

fn parse_payload(payload: Option<&str>) -> Option<u64> {
    match payload {
        None => Some(0),
        Some(payload) => payload.strip_prefix(PAYLOAD_PREFIX)?.parse().ok(),
    }
}

/// Removes everything inside `dir` (not `dir` itself, which may be a mount point).
fn empty_dir(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Total size of the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            total += dir_size(&entry.path());
        } else {
            total += meta.len();
        }
    }
    total
}

impl SearchIndex {
    /// Opens the index in `dir` (created if needed), with a writer of `writer_memory`
    /// bytes (raised to [`MIN_WRITER_MEMORY`]) and a single indexing thread.
    ///
    /// Never fails because of the index's contents: a missing, corrupt or outdated index
    /// (unreadable `meta.json`, missing or truncated segment files, another schema or
    /// analysis version) is wiped and recreated empty, and reported as
    /// [`Opened::Rebuilt`]: the caller must then reindex from the store. Fails only on
    /// I/O errors on the directory itself, or when another process holds the index.
    pub fn open(dir: &Path, writer_memory: usize) -> Result<(SearchIndex, Opened), SearchError> {
        fs::create_dir_all(dir)?;
        let memory = writer_memory.max(MIN_WRITER_MEMORY);
        let attempt = panic::catch_unwind(AssertUnwindSafe(|| Self::open_existing(dir, memory)));
        let reason = match attempt {
            Ok(Ok((index, watermark))) => {
                tracing::info!(dir = %dir.display(), watermark, docs = index.len(), "search index opened");
                return Ok((index, Opened::Ready { watermark }));
            }
            Ok(Err(Unusable::Fail(error))) => return Err(error),
            Ok(Err(Unusable::Wipe(reason))) => reason,
            Err(_) => "the index engine panicked while opening the index".to_owned(),
        };
        tracing::warn!(dir = %dir.display(), %reason, "search index unusable: recreating it empty");
        empty_dir(dir)?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(dir, schema)?;
        let index =
            Self::assemble(dir, index, fields, memory, 0).map_err(|unusable| match unusable {
                Unusable::Fail(error) => error,
                Unusable::Wipe(message) => SearchError::Io(std::io::Error::other(message)),
            })?;
        Ok((index, Opened::Rebuilt { reason }))
    }

    fn open_existing(dir: &Path, memory: usize) -> Result<(SearchIndex, u64), Unusable> {
        if !dir.join("meta.json").exists() {
            return Err(Unusable::Wipe("no index yet".to_owned()));
        }
        let directory = MmapDirectory::open(dir).map_err(wipe)?;
        let index = Index::open(directory).map_err(wipe)?;
        let (schema, fields) = schema::build();
        if !same_schema(&index.schema(), &schema) {
            return Err(Unusable::Wipe("the index schema changed".to_owned()));
        }
        let metas = index.load_metas().map_err(wipe)?;
        let Some(watermark) = parse_payload(metas.payload.as_deref()) else {
            return Err(Unusable::Wipe(format!(
                "the index format changed (commit payload {:?})",
                metas.payload
            )));
        };
        let opened = Self::assemble(dir, index, fields, memory, watermark)?;
        // Touch every part of every segment, so that a damaged file shows now rather than
        // in the middle of a search.
        let searcher = opened.reader.searcher();
        for segment in searcher.segment_readers() {
            for field in [
                fields.key,
                fields.title,
                fields.body,
                fields.title_words,
                fields.readers,
            ] {
                segment.inverted_index(field).map_err(wipe)?;
            }
            for name in facets::DIMENSIONS {
                segment.fast_fields().str(name).map_err(wipe)?;
            }
            segment.fast_fields().i64(DATE).map_err(wipe)?;
            segment.get_store_reader(1).map_err(wipe)?;
        }
        Ok((opened, watermark))
    }

    /// Registers the analyzers and starts the writer and the reader.
    fn assemble(
        dir: &Path,
        index: Index,
        fields: Fields,
        memory: usize,
        watermark: u64,
    ) -> Result<SearchIndex, Unusable> {
        analysis::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(wipe)?;
        // One indexing thread and one merge thread: memory stays bounded on a Pi (each
        // concurrent merge maps and reads its segments).
        let options = IndexWriterOptions::builder()
            .memory_budget_per_thread(memory)
            .num_worker_threads(1)
            .num_merge_threads(1)
            .build();
        let writer = match index.writer_with_options(options) {
            Ok(writer) => writer,
            Err(error @ TantivyError::LockFailure(LockError::LockBusy, _)) => {
                return Err(Unusable::Fail(error.into()));
            }
            Err(error) => return Err(wipe(error)),
        };
        writer.set_merge_policy(Box::new(BoundedMergePolicy {
            dir: dir.to_owned(),
        }));
        let segments = SegmentCache::default();
        segments.warm(&reader.searcher()).map_err(wipe)?;
        let mut parser = QueryParser::for_index(&index, vec![fields.title, fields.body]);
        parser.set_field_boost(fields.title, TITLE_BOOST);
        parser.set_conjunction_by_default();
        Ok(SearchIndex {
            dir: dir.to_owned(),
            fields,
            writer: Mutex::new(writer),
            reader,
            parser,
            folded: analysis::folded(),
            watermark: AtomicU64::new(watermark),
            segments,
        })
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter<TantivyDocument>> {
        // A panic while holding the writer leaves tantivy's own state consistent.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn document(&self, doc: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(f.key, &doc.key);
        out.add_text(f.kind, &doc.kind);
        out.add_text(f.title, &doc.title);
        out.add_text(f.title_words, &doc.title);
        out.add_text(f.body, &doc.body);
        for level in &doc.levels {
            out.add_text(f.levels, level);
        }
        for subject in &doc.subjects {
            out.add_text(f.subjects, subject);
        }
        out.add_text(f.doc_type, &doc.doc_type);
        out.add_text(f.space, &doc.space);
        for reader in &doc.readers {
            out.add_text(f.readers, reader);
        }
        out.add_i64(f.date, doc.date);
        out
    }

    /// Adds `doc`, replacing the document with the same key. Visible after [`Self::commit`].
    pub fn upsert(&self, doc: &IndexDoc) -> Result<(), SearchError> {
        let document = self.document(doc);
        let writer = self.writer();
        writer.delete_term(Term::from_field_text(self.fields.key, &doc.key));
        writer.add_document(document)?;
        Ok(())
    }

    /// Removes the document with this key. Visible after [`Self::commit`].
    pub fn delete(&self, key: &str) -> Result<(), SearchError> {
        self.writer()
            .delete_term(Term::from_field_text(self.fields.key, key));
        Ok(())
    }

    /// Removes every document (before a full rebuild: then upsert everything and commit).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes the pending changes durable and visible, recording that the index now
    /// reflects the store up to `watermark`.
    pub fn commit(&self, watermark: u64) -> Result<(), SearchError> {
        let mut writer = self.writer();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload(watermark));
        prepared.commit()?;
        self.reader.reload()?;
        self.watermark.store(watermark, Ordering::Release);
        // The new segments' facet tables, built here rather than by the next search (which
        // builds a missing one itself).
        if let Err(error) = self.segments.warm(&self.reader.searcher()) {
            tracing::warn!(%error, "search index: facet tables not built");
        }
        Ok(())
    }

    /// The watermark of the last commit (0 if none).
    pub fn watermark(&self) -> u64 {
        self.watermark.load(Ordering::Acquire)
    }

    /// Number of committed documents.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether no document is committed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes used by the index directory.
    pub fn size_on_disk(&self) -> u64 {
        dir_size(&self.dir)
    }

    /// The principals as `readers` terms. Empty when there is none (which must match
    /// nothing).
    fn access_terms(&self, readers: &[String]) -> Vec<Term> {
        readers
            .iter()
            .filter(|reader| !reader.is_empty())
            .map(|reader| Term::from_field_text(self.fields.readers, reader))
            .collect()
    }

    /// The access filter as a query: any of the principals, scoring nothing. `None` when
    /// there is no principal. A term set (the principals' documents gathered in a bit set
    /// per segment) rather than a union of term queries, which is costly to seek in.
    fn access(&self, readers: &[String]) -> Option<Box<dyn Query>> {
        let terms = self.access_terms(readers);
        if terms.is_empty() {
            return None;
        }
        Some(Box::new(ConstScoreQuery::new(
            Box::new(TermSetQuery::new(terms)),
            0.0,
        )))
    }

    /// The person's text as a query (every document when the text is blank).
    fn text_query(&self, text: &str) -> Box<dyn Query> {
        let syntax = to_parser_syntax(text);
        if syntax.is_empty() {
            return Box::new(AllQuery);
        }
        let (query, errors) = self.parser.parse_query_lenient(&syntax);
        if !errors.is_empty() {
            tracing::debug!(?errors, "search query partly ignored");
        }
        query
    }

    /// Searches what `q.readers` may open. See [`SearchQuery`] and [`SearchResults`].
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let access = self.access_terms(&q.readers);
        if access.is_empty() {
            return Ok(SearchResults::default());
        }
        let text = self.text_query(&q.text);
        let wanted = q.limit.min(MAX_LIMIT);
        let top = TopDocs::with_limit(wanted.max(1)).and_offset(q.offset.min(MAX_OFFSET));
        let filters = [
            q.levels.clone(),
            q.subjects.clone(),
            q.doc_types.clone(),
            q.spaces.clone(),
        ];
        let searcher = self.reader.searcher();
        let (mut ranked, total, counts): (Vec<(f32, DocAddress)>, _, _) = match q.sort {
            Sort::Relevance => searcher.search(
                &*text,
                &Faceted {
                    inner: top.order_by_score(),
                    access,
                    filters,
                    cache: &self.segments,
                },
            )?,
            Sort::Date => {
                let (by_date, total, counts) = searcher.search(
                    &*text,
                    &Faceted {
                        inner: top.order_by_fast_field::<i64>(DATE, Order::Desc),
                        access,
                        filters,
                        cache: &self.segments,
                    },
                )?;
                let ranked = by_date
                    .into_iter()
                    .map(|(_, address)| (0.0, address))
                    .collect();
                (ranked, total, counts)
            }
        };
        ranked.truncate(wanted);
        let hits = self.hits(&searcher, &*text, ranked)?;
        let [levels, subjects, doc_types, spaces] = counts;
        Ok(SearchResults {
            total,
            hits,
            facets: Facets {
                levels,
                subjects,
                doc_types,
                spaces,
            },
        })
    }

    fn hits(
        &self,
        searcher: &Searcher,
        text: &dyn Query,
        ranked: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        if ranked.is_empty() {
            return Ok(Vec::new());
        }
        let f = &self.fields;
        let mut on_body = snippet::highlighter(searcher, text, f.body)?;
        // Only needed for hits without a body, which are rare.
        let mut on_title = None;
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, address) in ranked {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text_of = |field| {
                doc.get_first(field)
                    .and_then(|value| value.as_str())
                    .unwrap_or_default()
            };
            let title = text_of(f.title);
            let body = text_of(f.body);
            let snippet_html = match on_body.best(body) {
                Some(html) => html,
                None if !body.trim().is_empty() => snippet::head(body),
                None => {
                    let on_title = match &mut on_title {
                        Some(on_title) => on_title,
                        None => on_title.insert(snippet::highlighter(searcher, text, f.title)?),
                    };
                    on_title.best(title).unwrap_or_else(|| snippet::head(title))
                }
            };
            hits.push(Hit {
                key: text_of(f.key).to_owned(),
                kind: text_of(f.kind).to_owned(),
                snippet_html,
                doc_type: text_of(f.doc_type).to_owned(),
                space: text_of(f.space).to_owned(),
                date: doc
                    .get_first(f.date)
                    .and_then(|value| value.as_i64())
                    .unwrap_or_default(),
                score,
                title: title.to_owned(),
            });
        }
        Ok(hits)
    }

    /// Titles to suggest while `prefix` is typed: titles of documents `readers` may open
    /// that contain every word of `prefix`, the last one possibly unfinished (unless the
    /// prefix ends with a space), accents and case ignored. Most recent first,
    /// deduplicated, at most `limit` (capped at [`MAX_SUGGESTIONS`]).
    pub fn suggest(
        &self,
        prefix: &str,
        readers: &[String],
        limit: usize,
    ) -> Result<Vec<String>, SearchError> {
        let limit = limit.min(MAX_SUGGESTIONS);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let Some(access) = self.access(readers) else {
            return Ok(Vec::new());
        };
        let mut words = analysis::tokens(&mut self.folded.clone(), prefix);
        let unfinished = if prefix.ends_with(char::is_whitespace) {
            None
        } else {
            words.pop()
        };
        if words.is_empty() && unfinished.is_none() {
            return Ok(Vec::new());
        }
        let field = self.fields.title_words;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, access)];
        for word in &words {
            let term = Term::from_field_text(field, word);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        if let Some(start) = unfinished {
            let end = format!("{start}{}", char::MAX);
            clauses.push((
                Occur::Must,
                Box::new(InvertedIndexRangeQuery::new(
                    Bound::Included(Term::from_field_text(field, &start)),
                    Bound::Excluded(Term::from_field_text(field, &end)),
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let fetch = (limit * 4).min(4 * MAX_SUGGESTIONS);
        let newest = searcher.search(
            &query,
            &TopDocs::with_limit(fetch).order_by_fast_field::<i64>(DATE, Order::Desc),
        )?;
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(limit);
        for (_, address) in newest {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(title) = doc
                .get_first(self.fields.title)
                .and_then(|value| value.as_str().map(str::to_owned))
            else {
                continue;
            };
            let folded = analysis::tokens(&mut self.folded.clone(), &title).join(" ");
            if seen.insert(folded) {
                out.push(title);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// A raw tantivy query for comparison (benchmarks), as any tantivy user writes it: the
    /// same text query on title and body, the best `limit` by score and the count, then the
    /// stored documents of those hits — no access filter, facets nor snippets. Returns the
    /// number of matching documents.
    pub fn raw_search(&self, text: &str, limit: usize) -> Result<usize, SearchError> {
        let query = self.text_query(text);
        let searcher = self.reader.searcher();
        let (top, count) = searcher.search(
            &*query,
            &(
                TopDocs::with_limit(limit.clamp(1, MAX_LIMIT)).order_by_score(),
                Count,
            ),
        )?;
        for (_, address) in top {
            let _doc: TantivyDocument = searcher.doc(address)?;
        }
        Ok(count)
    }
}

/// Whether two schemas have the same fields with the same options.
fn same_schema(a: &Schema, b: &Schema) -> bool {
    a.fields()
        .map(|(_, entry)| entry)
        .eq(b.fields().map(|(_, entry)| entry))
}

/// Compile-time check: the index is shared across threads.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<SearchIndex>();
};
