//! Access, filters and facet counts over the documents matching the text.
//!
//! Segments never change, so their facet values are read once per segment, when the reader
//! moves to a new set of segments ([`SegmentCache::warm`]), into a [`SegmentFacets`] table:
//! each document's *combination* of values (its levels, subjects, type and space) is
//! numbered, and the table keeps one number per document and the values of each
//! combination. A search reads one number per visible match instead of four string fast
//! fields, and counts the match for each value of its combination.
//!
//! [`Faceted`] wraps the collector that ranks the hits. Per segment it gathers the live
//! documents of the person's principals in a bit set (the access filter: the postings of
//! the `readers` terms), kept for the next searches of the same principals. For every
//! document matching the text it first checks that bit set, then its combination against
//! each dimension's filter (decided once per combination and search):
//! * a document that passes every filter is counted in the total, handed to the ranking
//!   collector, and counted in every dimension;
//! * a document that fails exactly one dimension's filter is counted in that dimension
//!   only (so a dimension's counts ignore its own filter: choosing `CP` still tells how
//!   many `CE1` documents there are);
//! * others are skipped.
//!
//! A document with the same value twice in a dimension counts once for it.
//!
//! Filtering here rather than intersecting the text query with a term set lets the text
//! query run as a plain tantivy query (no seeks into unions of postings), for one bit test
//! per match; only the visible matches are scored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::index::SegmentId;
use tantivy::query::Weight;
use tantivy::schema::IndexRecordOption;
use tantivy::{
    BitSet, DocId, DocSet, Opstamp, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED,
    Term,
};

use crate::schema::{DOC_TYPE, LEVELS, SPACE, SUBJECTS};

/// The filter dimensions (fast field names), in this order everywhere.
pub(crate) const DIMENSIONS: [&str; 4] = [LEVELS, SUBJECTS, DOC_TYPE, SPACE];

/// Counts per value, for each dimension, sorted by count (descending), then value.
pub(crate) type Counts = [Vec<(String, u64)>; 4];

/// The facet values of one segment, by combination.
///
/// A value is numbered by a *slot*: the values of the first dimension by term ordinal,
/// then those of the second, and so on.
#[derive(Debug)]
pub(crate) struct SegmentFacets {
    /// Per document: the number of its combination.
    combination: Vec<u32>,
    /// The slots of combination `c`'s values in dimension `d` are
    /// `slots[bounds[4c + d]..bounds[4c + d + 1]]` (sorted, without repeats).
    bounds: Vec<u32>,
    /// See `bounds`.
    slots: Vec<u32>,
    /// Per dimension: the segment's values, by term ordinal (so sorted by bytes).
    values: [Vec<String>; 4],
    /// Per dimension: the slot of its first value.
    first_slots: [usize; 4],
    /// Number of slots (of values).
    width: usize,
}

impl SegmentFacets {
    /// Reads the four string fast fields of every document of `segment`.
    pub(crate) fn build(segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let mut columns = Vec::with_capacity(DIMENSIONS.len());
        let mut values: [Vec<String>; 4] = Default::default();
        for (name, values) in DIMENSIONS.iter().zip(&mut values) {
            let column = segment.fast_fields().str(name)?;
            if let Some(column) = &column {
                values.reserve(column.num_terms());
                let mut terms = column.dictionary().stream()?;
                while terms.advance() {
                    values.push(String::from_utf8_lossy(terms.key()).into_owned());
                }
            }
            columns.push(column);
        }
        let mut first_slots = [0; 4];
        let mut width = 0;
        for (first, values) in first_slots.iter_mut().zip(&values) {
            *first = width;
            width += values.len();
        }
        let max_doc = segment.max_doc();
        let mut facets = SegmentFacets {
            combination: Vec::with_capacity(max_doc as usize),
            bounds: vec![0],
            slots: Vec::new(),
            values,
            first_slots,
            width,
        };
        // A combination's key: per dimension, the number of values then their slots.
        let mut numbered: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut key: Vec<u32> = Vec::new();
        let mut slots: Vec<u32> = Vec::new();
        for doc in 0..max_doc {
            key.clear();
            for (column, first) in columns.iter().zip(first_slots) {
                slots.clear();
                if let Some(column) = column {
                    slots.extend(
                        column
                            .term_ords(doc)
                            .map(|ord| u32::try_from(first as u64 + ord).unwrap_or(u32::MAX)),
                    );
                    slots.sort_unstable();
                    slots.dedup();
                }
                key.push(slots.len() as u32);
                key.extend_from_slice(&slots);
            }
            let number = match numbered.get(key.as_slice()) {
                Some(&number) => number,
                None => {
                    let number = numbered.len() as u32;
                    numbered.insert(key.clone(), number);
                    let mut rest = key.as_slice();
                    while let Some((&count, tail)) = rest.split_first() {
                        let (dimension, tail) = tail.split_at(count as usize);
                        facets.slots.extend_from_slice(dimension);
                        facets.bounds.push(facets.slots.len() as u32);
                        rest = tail;
                    }
                    number
                }
            };
            facets.combination.push(number);
        }
        Ok(facets)
    }

    /// Number of combinations.
    fn combinations(&self) -> usize {
        self.bounds.len().saturating_sub(1) / DIMENSIONS.len()
    }

    /// The slots of `combination`'s values in the dimensions `from..to`.
    fn slots(&self, combination: usize, from: usize, to: usize) -> &[u32] {
        let at = combination * DIMENSIONS.len();
        match (self.bounds.get(at + from), self.bounds.get(at + to)) {
            (Some(&start), Some(&end)) => self
                .slots
                .get(start as usize..end as usize)
                .unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Most access bit sets [`SegmentCache`] keeps (a bit per document of a segment: 12.5 KB
/// for 100 000 documents).
const ACCESS_SETS: usize = 256;

/// Which documents of a segment some principals reach: the segment, its deletes, the
/// sorted `readers` terms.
type AccessKey = (SegmentId, Option<Opstamp>, Vec<Term>);

/// What searches keep of the segments in use: their [`SegmentFacets`], and the access bit
/// sets of the last principals searched (a person searches several times in a row).
#[derive(Debug, Default)]
pub(crate) struct SegmentCache {
    tables: Mutex<HashMap<SegmentId, Arc<SegmentFacets>>>,
    access: Mutex<HashMap<AccessKey, Arc<BitSet>>>,
}

/// Locks a cache map (only ever inserted into or pruned: always consistent).
fn lock<T>(map: &Mutex<T>) -> MutexGuard<'_, T> {
    map.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SegmentCache {
    /// Builds the tables of `searcher`'s new segments and forgets what it kept of the
    /// segments it no longer has (called after each reload, so that searches find the
    /// tables ready).
    pub(crate) fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        let segments = searcher.segment_readers();
        let live = |id: &SegmentId| segments.iter().any(|segment| segment.segment_id() == *id);
        lock(&self.tables).retain(|id, _| live(id));
        lock(&self.access).retain(|(id, _, _), _| live(id));
        for segment in segments {
            self.table(segment)?;
        }
        Ok(())
    }

    /// The facet table of `segment`, built now if it is not there yet.
    pub(crate) fn table(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentFacets>> {
        let id = segment.segment_id();
        if let Some(table) = lock(&self.tables).get(&id) {
            return Ok(table.clone());
        }
        // Built without the lock: searches of other segments go on meanwhile.
        let table = Arc::new(SegmentFacets::build(segment)?);
        Ok(lock(&self.tables).entry(id).or_insert(table).clone())
    }

    /// The live documents of `segment` that the `readers` terms reach (their postings).
    pub(crate) fn access(
        &self,
        segment: &SegmentReader,
        readers: &[Term],
    ) -> tantivy::Result<Arc<BitSet>> {
        let mut terms = readers.to_vec();
        terms.sort();
        terms.dedup();
        let key = (segment.segment_id(), segment.delete_opstamp(), terms);
        if let Some(visible) = lock(&self.access).get(&key) {
            return Ok(visible.clone());
        }
        let mut visible = BitSet::with_max_value(segment.max_doc());
        for term in &key.2 {
            let postings = segment
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::Basic)?;
            if let Some(mut postings) = postings {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    visible.insert(doc);
                    doc = postings.advance();
                }
            }
        }
        if let Some(alive) = segment.alive_bitset() {
            visible.intersect_update(alive.bitset());
        }
        let visible = Arc::new(visible);
        let mut access = lock(&self.access);
        if access.len() >= ACCESS_SETS {
            // Any one: this only bounds the memory (a school has fewer people searching at
            // the same time).
            if let Some(old) = access.keys().next().cloned() {
                access.remove(&old);
            }
        }
        Ok(access.entry(key).or_insert(visible).clone())
    }
}

/// The ranking collector `inner`, restricted to the documents of the principals `access`
/// that pass `filters`, with the total and the facet counts.
pub(crate) struct Faceted<'a, C> {
    /// Ranks the documents that pass every filter.
    pub inner: C,
    /// The person's principals as `readers` terms (at least one).
    pub access: Vec<Term>,
    /// Selected values per dimension (empty: no filter on that dimension).
    pub filters: [Vec<String>; 4],
    /// The segments' facet tables and access bit sets.
    pub cache: &'a SegmentCache,
}

/// A combination whose failing dimensions are not known yet.
const UNKNOWN: u8 = u8::MAX;

/// [`Faceted`] in one segment.
pub(crate) struct FacetedSegment<S> {
    inner: S,
    /// The segment's live documents the principals may open.
    visible: Arc<BitSet>,
    facets: Arc<SegmentFacets>,
    /// Per slot: whether the value is selected (empty when nothing is filtered).
    selected: Vec<bool>,
    /// Which dimensions are filtered.
    filtered: [bool; 4],
    /// Per combination: a bit per dimension whose filter it fails, [`UNKNOWN`] until its
    /// first match. Empty when nothing is filtered.
    failing: Vec<u8>,
    /// Per slot: the matches counted for the value.
    counts: Vec<u64>,
    total: usize,
}

/// The facet counts of one segment.
pub(crate) struct SegmentCounts {
    facets: Arc<SegmentFacets>,
    /// Count per slot.
    counts: Vec<u64>,
}

impl<C: Collector> Collector for Faceted<'_, C> {
    type Fruit = (C::Fruit, usize, Counts);
    type Child = FacetedSegment<C::Child>;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let inner = self.inner.for_segment(segment_local_id, segment)?;
        let visible = self.cache.access(segment, &self.access)?;
        let facets = self.cache.table(segment)?;
        let filtered = self.filters.each_ref().map(|filter| !filter.is_empty());
        let any_filter = filtered.contains(&true);
        let mut selected = Vec::new();
        if any_filter {
            selected = vec![false; facets.width];
            for ((filter, values), first) in self
                .filters
                .iter()
                .zip(&facets.values)
                .zip(facets.first_slots)
            {
                for value in filter {
                    if let Ok(ord) = values.binary_search(value)
                        && let Some(flag) = selected.get_mut(first + ord)
                    {
                        *flag = true;
                    }
                }
            }
        }
        let combinations = facets.combinations();
        Ok(FacetedSegment {
            inner,
            visible,
            selected,
            filtered,
            failing: if any_filter {
                vec![UNKNOWN; combinations]
            } else {
                Vec::new()
            },
            counts: vec![0; facets.width],
            facets,
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    /// Runs the text query over the segment, scoring the visible matches only (none when
    /// `inner` does not use scores).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<<Self::Child as SegmentCollector>::Fruit> {
        let mut segment = self.for_segment(segment_ord, reader)?;
        if !self.requires_scoring() {
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    if segment.visible.contains(doc) {
                        segment.collect_visible(doc, 0.0);
                    }
                }
            })?;
        } else {
            let mut scorer = weight.scorer(reader, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if segment.visible.contains(doc) {
                    segment.collect_visible(doc, scorer.score());
                }
                doc = scorer.advance();
            }
        }
        Ok(segment.harvest())
    }

    fn merge_fruits(
        &self,
        segment_fruits: Vec<<Self::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut inner_fruits = Vec::with_capacity(segment_fruits.len());
        let mut total = 0;
        let mut segments = Vec::with_capacity(segment_fruits.len());
        for (inner, segment_total, segment_counts) in segment_fruits {
            inner_fruits.push(inner);
            total += segment_total;
            segments.push(segment_counts);
        }
        let mut counts = Counts::default();
        for (dimension, out) in counts.iter_mut().enumerate() {
            let mut merged: HashMap<&str, u64> = HashMap::new();
            for segment in &segments {
                let facets = &segment.facets;
                let (Some(values), Some(&first)) = (
                    facets.values.get(dimension),
                    facets.first_slots.get(dimension),
                ) else {
                    continue;
                };
                let counts = segment.counts.get(first..).unwrap_or_default();
                for (&count, value) in counts.iter().zip(values) {
                    if count > 0 {
                        *merged.entry(value.as_str()).or_insert(0) += count;
                    }
                }
            }
            let mut sorted: Vec<(&str, u64)> = merged.into_iter().collect();
            sorted.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            *out = sorted
                .into_iter()
                .map(|(value, count)| (value.to_owned(), count))
                .collect();
        }
        Ok((self.inner.merge_fruits(inner_fruits)?, total, counts))
    }
}

impl<S: SegmentCollector> FacetedSegment<S> {
    /// The dimensions whose filter `combination` fails, as bits.
    fn failing_of(&self, combination: usize) -> u8 {
        let mut failing = 0;
        for (dimension, &filtered) in self.filtered.iter().enumerate() {
            if !filtered {
                continue;
            }
            let passes = self
                .facets
                .slots(combination, dimension, dimension + 1)
                .iter()
                .any(|&slot| self.selected.get(slot as usize).copied().unwrap_or(false));
            if !passes {
                failing |= 1 << dimension;
            }
        }
        failing
    }

    /// Counts a match the principals may open; returns whether it passes every filter.
    #[inline]
    fn count_visible(&mut self, doc: DocId) -> bool {
        let Some(&combination) = self.facets.combination.get(doc as usize) else {
            return false;
        };
        let at = combination as usize;
        // A combination fails the same filters in every document: decided at its first
        // match.
        let failing = match self.failing.get(at) {
            None => 0,
            Some(&UNKNOWN) => {
                let failing = self.failing_of(at);
                if let Some(slot) = self.failing.get_mut(at) {
                    *slot = failing;
                }
                failing
            }
            Some(&failing) => failing,
        };
        // Counted in every dimension, or only in the one whose filter it fails.
        let slots = match failing {
            0 => self.facets.slots(at, 0, DIMENSIONS.len()),
            _ if failing.is_power_of_two() => {
                let dimension = failing.trailing_zeros() as usize;
                self.facets.slots(at, dimension, dimension + 1)
            }
            _ => return false,
        };
        for &slot in slots {
            if let Some(count) = self.counts.get_mut(slot as usize) {
                *count += 1;
            }
        }
        self.total += usize::from(failing == 0);
        failing == 0
    }

    /// Counts a match the principals may open, and ranks it if it passes every filter.
    #[inline]
    fn collect_visible(&mut self, doc: DocId, score: Score) {
        if self.count_visible(doc) {
            self.inner.collect(doc, score);
        }
    }
}

impl<S: SegmentCollector> SegmentCollector for FacetedSegment<S> {
    type Fruit = (S::Fruit, usize, SegmentCounts);

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.visible.contains(doc) {
            self.collect_visible(doc, score);
        }
    }

    fn harvest(self) -> Self::Fruit {
        let facets = self.facets;
        let counts = self.counts;
        (
            self.inner.harvest(),
            self.total,
            SegmentCounts { facets, counts },
        )
    }
}
