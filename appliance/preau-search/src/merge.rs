//! A merge policy that bounds the memory a merge maps.
//!
//! A merge reads its source segments through memory maps: every page it reads stays
//! resident in the process (file-backed RSS) until the merge ends. tantivy's default
//! policy ends up merging most of the index at once (in the benchmark: 8 segments of
//! 10 000 documents, 200 MB mapped on top of the writer's memory). On a Pi this policy
//! merges at most [`MAX_MERGE_BYTES`] of segments at a time, so an index ends up as a
//! handful of segments of up to that size — searching a few segments costs little more
//! than searching one.

use std::fs;
use std::path::PathBuf;

use tantivy::index::{SegmentComponent, SegmentMeta};
use tantivy::merge_policy::{MergeCandidate, MergePolicy};

/// Most bytes of segments merged at once.
pub(crate) const MAX_MERGE_BYTES: u64 = 64 * 1024 * 1024;
/// Fewest small segments worth a merge (tiny commits accumulate until there are this
/// many, or until together they weigh half of [`MAX_MERGE_BYTES`]).
const MIN_SEGMENTS: usize = 4;
/// Most segments merged at once.
const MAX_SEGMENTS: usize = 10;
/// A segment with this share of deleted documents is rewritten on its own.
const DELETED_RATIO: f64 = 0.3;

const COMPONENTS: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::Store,
    SegmentComponent::FastFields,
    SegmentComponent::FieldNorms,
];

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct BoundedMergePolicy {
    /// The index directory, to size segments by their files.
    pub dir: PathBuf,
}

impl BoundedMergePolicy {
    fn bytes(&self, segment: &SegmentMeta) -> u64 {
        COMPONENTS
            .iter()
            .filter_map(|component| {
                fs::metadata(self.dir.join(segment.relative_path(component.clone()))).ok()
            })
            .map(|meta| meta.len())
            .sum()
    }
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let mut sized: Vec<(u64, &SegmentMeta)> = segments
            .iter()
            .map(|segment| (self.bytes(segment), segment))
            .collect();
        sized.sort_by_key(|(bytes, _)| *bytes);
        let mut candidates = Vec::new();
        // Segments with many deletions are rewritten alone (this drops the deleted ones).
        let mut rest = Vec::new();
        for (bytes, segment) in sized {
            let deleted = f64::from(segment.num_deleted_docs());
            let max_doc = f64::from(segment.max_doc().max(1));
            if deleted / max_doc >= DELETED_RATIO && bytes <= MAX_MERGE_BYTES {
                candidates.push(MergeCandidate(vec![segment.id()]));
            } else if bytes <= MAX_MERGE_BYTES / 2 {
                rest.push((bytes, segment));
            }
        }
        // Then the smallest segments together, within the byte bound.
        let mut group = Vec::new();
        let mut total = 0;
        for (bytes, segment) in rest {
            if group.len() == MAX_SEGMENTS || total + bytes > MAX_MERGE_BYTES {
                break;
            }
            total += bytes;
            group.push(segment.id());
        }
        // Few large ones are worth merging too (fewer segments to search).
        if group.len() >= MIN_SEGMENTS || (group.len() >= 2 && total >= MAX_MERGE_BYTES / 2) {
            candidates.push(MergeCandidate(group));
        }
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::merge_policy::NoMergePolicy;
    use tantivy::schema::{STORED, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    fn segments(dir: &std::path::Path, count: usize) -> Vec<SegmentMeta> {
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT | STORED);
        let index = Index::create_in_dir(dir, builder.build()).unwrap_or_else(|e| panic!("{e}"));
        let mut writer: IndexWriter<TantivyDocument> = index
            .writer_with_num_threads(1, 15_000_000)
            .unwrap_or_else(|e| panic!("{e}"));
        writer.set_merge_policy(Box::new(NoMergePolicy));
        for n in 0..count {
            let mut doc = TantivyDocument::default();
            doc.add_text(text, format!("document {n}"));
            writer.add_document(doc).unwrap_or_else(|e| panic!("{e}"));
            writer.commit().unwrap_or_else(|e| panic!("{e}"));
        }
        index
            .searchable_segment_metas()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn small_segments_merge_once_there_are_enough() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let policy = BoundedMergePolicy {
            dir: dir.path().to_owned(),
        };
        let three = segments(dir.path(), 3);
        assert!(policy.compute_merge_candidates(&three).is_empty());
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let policy = BoundedMergePolicy {
            dir: dir.path().to_owned(),
        };
        let twelve = segments(dir.path(), 12);
        let candidates = policy.compute_merge_candidates(&twelve);
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates[0].0.len(), MAX_SEGMENTS);
        assert!(policy.bytes(&twelve[0]) > 0);
    }
}
