//! The index schema. Changing it makes [`crate::SearchIndex::open`] rebuild the index
//! (the stored schema no longer equals [`build`]'s).

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::{FOLDED, FRENCH};

/// Field names of the string fast fields used for filters and facets, in the order of
/// [`crate::facets::DIMENSIONS`].
pub(crate) const LEVELS: &str = "levels";
pub(crate) const SUBJECTS: &str = "subjects";
pub(crate) const DOC_TYPE: &str = "doc_type";
pub(crate) const SPACE: &str = "space";
/// Name of the date fast field.
pub(crate) const DATE: &str = "date";

/// The fields, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Unique key: raw, indexed (for deletes), stored.
    pub key: Field,
    /// `document` / `ressource`: stored only.
    pub kind: Field,
    /// French text with positions, stored.
    pub title: Field,
    /// French text with positions, stored (snippets are cut from it).
    pub body: Field,
    /// Folded title words without positions: suggestions by prefix.
    pub title_words: Field,
    /// Raw, indexed, fast: filters and facets.
    pub levels: Field,
    /// Raw, indexed, fast.
    pub subjects: Field,
    /// Raw, indexed, fast, stored.
    pub doc_type: Field,
    /// Raw, indexed, fast, stored.
    pub space: Field,
    /// Raw, indexed: the access filter.
    pub readers: Field,
    /// i64 fast and stored: sort by date.
    pub date: Field,
}

fn french_text() -> TextOptions {
    TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FRENCH)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored()
}

/// Builds the schema and its fields.
pub(crate) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let key = builder.add_text_field("key", STRING | STORED);
    let kind = builder.add_text_field("kind", STORED);
    let title = builder.add_text_field("title", french_text());
    let body = builder.add_text_field("body", french_text());
    let title_words = builder.add_text_field(
        "title_words",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FOLDED)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        ),
    );
    let levels = builder.add_text_field(LEVELS, STRING | FAST);
    let subjects = builder.add_text_field(SUBJECTS, STRING | FAST);
    let doc_type = builder.add_text_field(DOC_TYPE, STRING | FAST | STORED);
    let space = builder.add_text_field(SPACE, STRING | FAST | STORED);
    let readers = builder.add_text_field("readers", STRING);
    let date = builder.add_i64_field(DATE, FAST | STORED);
    let fields = Fields {
        key,
        kind,
        title,
        body,
        title_words,
        levels,
        subjects,
        doc_type,
        space,
        readers,
        date,
    };
    (builder.build(), fields)
}
