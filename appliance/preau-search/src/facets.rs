//! Access, filters and facet counts in one pass over the documents matching the text.
//!
//! [`Faceted`] wraps the collector that ranks the hits. Per segment it gathers the
//! documents of the person's principals in a bit set (the access filter: the postings of
//! the `readers` terms). For every document matching the text it first checks that bit
//! set, then reads the four string fast fields and checks each dimension's filter:
//! * a document that passes every filter is counted in the total, handed to the ranking
//!   collector, and counted in every dimension;
//! * a document that fails exactly one dimension's filter is counted in that dimension
//!   only (so a dimension's counts ignore its own filter: choosing `CP` still tells how
//!   many `CE1` documents there are);
//! * others are skipped.
//!
//! Filtering here rather than intersecting the text query with a term set lets the text
//! query run as a plain tantivy query (no seeks into unions of postings), for one bit test
//! per match.
//!
//! Filter values and counts work on the segment's term ordinals; they become strings once
//! per segment, at harvest.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{BitSet, DocId, DocSet, Score, SegmentOrdinal, SegmentReader, TERMINATED, Term};

use crate::schema::{DOC_TYPE, LEVELS, SPACE, SUBJECTS};

/// The filter dimensions (fast field names), in this order everywhere.
pub(crate) const DIMENSIONS: [&str; 4] = [LEVELS, SUBJECTS, DOC_TYPE, SPACE];

/// Counts per value, for each dimension.
pub(crate) type Counts = [HashMap<String, u64>; 4];

/// The ranking collector `inner`, restricted to the documents of the principals `access`
/// that pass `filters`, with the total and the facet counts.
pub(crate) struct Faceted<C> {
    /// Ranks the documents that pass every filter.
    pub inner: C,
    /// The person's principals as `readers` terms (at least one).
    pub access: Vec<Term>,
    /// Selected values per dimension (empty: no filter on that dimension).
    pub filters: [Vec<String>; 4],
}

/// One dimension in one segment.
struct Dimension {
    column: Option<StrColumn>,
    /// Sorted term ordinals of the selected values present in this segment;
    /// `None` when the dimension is not filtered.
    selected: Option<Vec<u64>>,
    /// Count per term ordinal.
    counts: Vec<u64>,
}

impl Dimension {
    fn passes(&self, doc: DocId) -> bool {
        match (&self.selected, &self.column) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(selected), Some(column)) => column
                .term_ords(doc)
                .any(|ord| selected.binary_search(&ord).is_ok()),
        }
    }

    fn count(&mut self, doc: DocId) {
        if let Some(column) = &self.column {
            for ord in column.term_ords(doc) {
                if let Some(count) = usize::try_from(ord)
                    .ok()
                    .and_then(|ord| self.counts.get_mut(ord))
                {
                    *count += 1;
                }
            }
        }
    }

    fn harvest(self) -> HashMap<String, u64> {
        let mut out = HashMap::new();
        let Some(column) = self.column else {
            return out;
        };
        let mut value = String::new();
        for (ord, count) in self.counts.into_iter().enumerate() {
            if count == 0 {
                continue;
            }
            // A dictionary read error only loses this value's count.
            if let Ok(true) = column.ord_to_str(ord as u64, &mut value) {
                *out.entry(value.clone()).or_insert(0) += count;
            }
        }
        out
    }
}

/// [`Faceted`] in one segment.
pub(crate) struct FacetedSegment<S> {
    inner: S,
    /// The segment's documents the principals may open.
    visible: BitSet,
    dimensions: Vec<Dimension>,
    total: usize,
}

impl<C: Collector> Collector for Faceted<C> {
    type Fruit = (C::Fruit, usize, Counts);
    type Child = FacetedSegment<C::Child>;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        let inner = self.inner.for_segment(segment_local_id, segment)?;
        let mut visible = BitSet::with_max_value(segment.max_doc());
        for term in &self.access {
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
        let mut dimensions = Vec::with_capacity(DIMENSIONS.len());
        for (name, filter) in DIMENSIONS.iter().zip(&self.filters) {
            let column = segment.fast_fields().str(name)?;
            let selected = if filter.is_empty() {
                None
            } else {
                let mut ords = Vec::with_capacity(filter.len());
                if let Some(column) = &column {
                    for value in filter {
                        if let Some(ord) = column.dictionary().term_ord(value.as_bytes())? {
                            ords.push(ord);
                        }
                    }
                }
                ords.sort_unstable();
                ords.dedup();
                Some(ords)
            };
            let terms = column.as_ref().map_or(0, |column| column.num_terms());
            dimensions.push(Dimension {
                column,
                selected,
                counts: vec![0; terms],
            });
        }
        Ok(FacetedSegment {
            inner,
            visible,
            dimensions,
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.inner.requires_scoring()
    }

    fn merge_fruits(
        &self,
        segment_fruits: Vec<<Self::Child as SegmentCollector>::Fruit>,
    ) -> tantivy::Result<Self::Fruit> {
        let mut inner_fruits = Vec::with_capacity(segment_fruits.len());
        let mut total = 0;
        let mut counts = Counts::default();
        for (inner, segment_total, segment_counts) in segment_fruits {
            inner_fruits.push(inner);
            total += segment_total;
            for (merged, segment) in counts.iter_mut().zip(segment_counts) {
                for (value, count) in segment {
                    *merged.entry(value).or_insert(0) += count;
                }
            }
        }
        Ok((self.inner.merge_fruits(inner_fruits)?, total, counts))
    }
}

impl<S: SegmentCollector> SegmentCollector for FacetedSegment<S> {
    type Fruit = (S::Fruit, usize, Counts);

    fn collect(&mut self, doc: DocId, score: Score) {
        if !self.visible.contains(doc) {
            return;
        }
        let mut failed = None;
        for (index, dimension) in self.dimensions.iter().enumerate() {
            if !dimension.passes(doc) {
                if failed.is_some() {
                    return;
                }
                failed = Some(index);
            }
        }
        match failed {
            Some(index) => {
                if let Some(dimension) = self.dimensions.get_mut(index) {
                    dimension.count(doc);
                }
            }
            None => {
                self.total += 1;
                self.inner.collect(doc, score);
                for dimension in &mut self.dimensions {
                    dimension.count(doc);
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut counts = Counts::default();
        for (out, dimension) in counts.iter_mut().zip(self.dimensions) {
            *out = dimension.harvest();
        }
        (self.inner.harvest(), self.total, counts)
    }
}

/// Counts sorted by count (descending), then value.
pub(crate) fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}
