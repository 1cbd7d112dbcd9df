//! The search index end to end: French relevance on the fixture corpus, access filtering
//! of hits, totals, facets, snippets and suggestions, recovery from a damaged index, and
//! the write operations.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use preau_search::{IndexDoc, Opened, SearchIndex, SearchQuery, Sort};

const MEMORY: usize = 15_000_000;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/library")
}

fn cycle(level: &str) -> &'static str {
    match level {
        "CM1" | "CM2" => "cycle 3",
        _ => "cycle 2",
    }
}

/// The fixture corpus as the school library, readable by the whole school.
fn corpus() -> Vec<IndexDoc> {
    let text = fs::read_to_string(fixtures().join("corpus.tsv")).unwrap();
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 6, "corpus line {}: {line}", n + 1);
            IndexDoc {
                key: cols[0].to_owned(),
                kind: "ressource".to_owned(),
                title: cols[1].to_owned(),
                body: cols[2].to_owned(),
                levels: vec![cols[3].to_owned(), cycle(cols[3]).to_owned()],
                subjects: vec![cols[4].to_owned()],
                doc_type: cols[5].to_owned(),
                space: "Bibliothèque".to_owned(),
                readers: vec!["school".to_owned()],
                date: 1_700_000_000 + n as i64 * 3600,
            }
        })
        .collect()
}

fn open(dir: &Path) -> (SearchIndex, Opened) {
    SearchIndex::open(dir, MEMORY).unwrap()
}

fn fresh() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let (index, opened) = open(dir.path());
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    (dir, index)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn query(text: &str, readers: &[&str]) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        readers: strings(readers),
        limit: 10,
        ..SearchQuery::default()
    }
}

fn keys(index: &SearchIndex, q: &SearchQuery) -> Vec<String> {
    index
        .search(q)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.key)
        .collect()
}

fn doc(key: &str, title: &str, body: &str, readers: &[&str]) -> IndexDoc {
    IndexDoc {
        key: key.to_owned(),
        kind: "document".to_owned(),
        title: title.to_owned(),
        body: body.to_owned(),
        levels: vec!["CE1".to_owned()],
        subjects: vec!["sciences".to_owned()],
        doc_type: "fiche".to_owned(),
        space: "Mes documents".to_owned(),
        readers: strings(readers),
        date: 1_700_000_000,
    }
}

// ---------------------------------------------------------------- relevance

#[test]
fn french_queries_find_the_expected_texts_in_the_top_three() {
    let (_dir, index) = fresh();
    let corpus = corpus();
    assert!(corpus.len() >= 200, "{} texts", corpus.len());
    for doc in &corpus {
        index.upsert(doc).unwrap();
    }
    index.commit(1).unwrap();
    assert_eq!(index.len(), corpus.len() as u64);

    let queries = fs::read_to_string(fixtures().join("queries.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in queries.lines().filter(|line| !line.trim().is_empty()) {
        let (text, expected) = line.split_once('\t').unwrap();
        let mut q = query(text, &["school"]);
        q.limit = 3;
        let top = keys(&index, &q);
        for key in expected.split(',') {
            if !top.iter().any(|found| found == key) {
                let mut q5 = q.clone();
                q5.limit = 5;
                let titles: Vec<String> = index
                    .search(&q5)
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|hit| format!("{} {} ({:.2})", hit.key, hit.title, hit.score))
                    .collect();
                failures.push(format!("{text:?}: expected {key}, got {titles:?}"));
            }
        }
        checked += 1;
    }
    assert!(checked >= 30, "{checked} queries");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn accents_case_plurals_and_phrases() {
    let (_dir, index) = fresh();
    index
        .upsert(&doc(
            "a",
            "Les élèves en forêt",
            "Les chevaux galopent près du château.",
            &["school"],
        ))
        .unwrap();
    index
        .upsert(&doc(
            "b",
            "Le trait",
            "Le cycle de vie de l'eau douce.",
            &["school"],
        ))
        .unwrap();
    index
        .upsert(&doc(
            "c",
            "L'eau",
            "Le cycle de l'eau, du nuage à la mer.",
            &["school"],
        ))
        .unwrap();
    index.commit(1).unwrap();
    let school = ["school"];
    for text in ["eleve", "ÉLÈVES", "foret", "cheval", "CHÂTEAUX", "chateau"] {
        assert_eq!(keys(&index, &query(text, &school)), ["a"], "{text}");
    }
    let mut phrase = keys(&index, &query("cycle eau", &school));
    phrase.sort();
    assert_eq!(phrase, ["b", "c"], "all words, anywhere");
    assert_eq!(keys(&index, &query("\"cycle de l'eau\"", &school)), ["c"]);
    assert_eq!(keys(&index, &query("« cycle de l’eau »", &school)), ["c"]);
    assert_eq!(keys(&index, &query("cycle -nuage", &school)), ["b"]);
}

#[test]
fn any_input_is_a_query() {
    let (_dir, index) = fresh();
    index
        .upsert(&doc("a", "Volcan", "La lave du volcan.", &["school"]))
        .unwrap();
    index.commit(1).unwrap();
    for text in [
        "title:volcan",
        "volcan:",
        "(volcan",
        "[volcan TO",
        "volcan^",
        "\"volcan",
        "volcan\\",
        "*",
        "-",
        "AND OR NOT",
        "l'éruption du volcan",
        "volcan~2",
        "\u{0}volcan",
        "le la les de",
        &"volcan ".repeat(500),
    ] {
        let results = index.search(&query(text, &["school"])).unwrap();
        assert!(results.total <= 1, "{text:?}");
    }
    // Syntax is plain text: all the words are still required.
    assert_eq!(keys(&index, &query("(volcan)", &["school"])), ["a"]);
    assert_eq!(keys(&index, &query("volcan^", &["school"])), ["a"]);
    assert!(keys(&index, &query("title:volcan", &["school"])).is_empty());
}

// ---------------------------------------------------------------- access

fn access_fixture() -> (tempfile::TempDir, SearchIndex) {
    let (dir, index) = fresh();
    let mut docs = vec![
        doc(
            "mine",
            "Volcan : mes notes",
            "Le volcan crache de la lave.",
            &["user:1"],
        ),
        doc(
            "class",
            "Volcan de la classe",
            "Une éruption de volcan en classe.",
            &["class:7"],
        ),
        doc(
            "other-user",
            "Volcanologie secrète",
            "Le volcan du collègue.",
            &["user:2"],
        ),
        doc(
            "other-class",
            "Volcan d'une autre classe",
            "Le volcan des CM2.",
            &["class:8"],
        ),
        doc(
            "families",
            "Volcan pour les familles",
            "Le volcan expliqué aux parents.",
            &["families:7"],
        ),
        doc(
            "staff",
            "Volcanisme : corrigés",
            "Corrigé sur le volcan.",
            &["staff"],
        ),
        doc(
            "nobody",
            "Volcan orphelin",
            "Un volcan que personne ne lit.",
            &[],
        ),
    ];
    docs[0].levels = strings(&["CP"]);
    docs[0].doc_type = "leçon".to_owned();
    docs[2].levels = strings(&["CM2"]);
    docs[2].subjects = strings(&["géologie"]);
    docs[2].doc_type = "secret".to_owned();
    docs[2].space = "Espace de Bob".to_owned();
    docs[3].levels = strings(&["CM2"]);
    docs[3].space = "Classe CM2".to_owned();
    for d in &docs {
        index.upsert(d).unwrap();
    }
    index.commit(1).unwrap();
    (dir, index)
}

#[test]
fn a_person_sees_only_what_they_may_open() {
    let (_dir, index) = access_fixture();
    let me = ["user:1", "class:7"];
    let results = index.search(&query("volcan", &me)).unwrap();
    let mut found: Vec<&str> = results.hits.iter().map(|h| h.key.as_str()).collect();
    found.sort();
    assert_eq!(found, ["class", "mine"]);
    assert_eq!(results.total, 2);
    for hit in &results.hits {
        assert!(
            !hit.snippet_html.contains("collègue"),
            "{}",
            hit.snippet_html
        );
        assert!(hit.snippet_html.contains("<mark>"), "{}", hit.snippet_html);
    }
    let facets = &results.facets;
    let all_values: Vec<&str> = [
        &facets.levels,
        &facets.subjects,
        &facets.doc_types,
        &facets.spaces,
    ]
    .into_iter()
    .flatten()
    .map(|(value, _)| value.as_str())
    .collect();
    for leak in ["CM2", "géologie", "secret", "Espace de Bob", "Classe CM2"] {
        assert!(
            !all_values.contains(&leak),
            "facet leak: {leak} in {facets:?}"
        );
    }
    assert_eq!(facets.levels, [("CE1".to_owned(), 1), ("CP".to_owned(), 1)]);
    assert_eq!(facets.spaces, [("Mes documents".to_owned(), 2)]);

    // Browsing (no text) is filtered the same way.
    let browse = index.search(&query("", &me)).unwrap();
    assert_eq!(browse.total, 2);

    // Suggestions never show another person's titles, even sharing the prefix.
    let mut suggested = index.suggest("volc", &strings(&me), 10).unwrap();
    suggested.sort();
    assert_eq!(suggested, ["Volcan : mes notes", "Volcan de la classe"]);
    assert_eq!(
        index.suggest("volcanol", &strings(&me), 10).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        index.suggest("secr", &strings(&me), 10).unwrap(),
        Vec::<String>::new()
    );

    // The other principals see their own.
    assert_eq!(keys(&index, &query("volcan", &["staff"])), ["staff"]);
    assert_eq!(
        keys(&index, &query("volcan", &["families:7"])),
        ["families"]
    );
    assert_eq!(
        index
            .search(&query("volcan", &["user:1", "user:2", "class:8"]))
            .unwrap()
            .total,
        3
    );
}

#[test]
fn no_principal_finds_nothing() {
    let (_dir, index) = access_fixture();
    let results = index.search(&query("volcan", &[])).unwrap();
    assert_eq!(results.total, 0);
    assert!(results.hits.is_empty());
    assert_eq!(results.facets, Default::default());
    assert!(index.search(&query("", &[""])).unwrap().hits.is_empty());
    assert!(index.suggest("vol", &[], 10).unwrap().is_empty());
    // Nobody finds the document without readers, not even with every principal.
    let everyone = [
        "school",
        "staff",
        "user:1",
        "user:2",
        "class:7",
        "class:8",
        "families:7",
    ];
    assert_eq!(
        index.search(&query("orphelin", &everyone)).unwrap().total,
        0
    );
}

// ---------------------------------------------------------------- suggestions

#[test]
fn suggestions_by_prefix() {
    let (_dir, index) = fresh();
    let mut a = doc("a", "Les Élèves de CE1", "", &["school"]);
    a.date = 10;
    let mut b = doc("b", "Élevage de chenilles", "", &["school"]);
    b.date = 20;
    let mut c = doc("c", "Les élèves de CE1", "", &["school"]);
    c.date = 5;
    let d = doc("d", "Le cycle de l'eau", "", &["school"]);
    for x in [&a, &b, &c, &d] {
        index.upsert(x).unwrap();
    }
    index.commit(1).unwrap();
    let school = strings(&["school"]);
    // Newest first, accents and case ignored, duplicates folded.
    assert_eq!(
        index.suggest("ele", &school, 10).unwrap(),
        ["Élevage de chenilles", "Les Élèves de CE1"]
    );
    assert_eq!(
        index.suggest("ÉLÈVE", &school, 10).unwrap(),
        ["Les Élèves de CE1"]
    );
    assert_eq!(
        index.suggest("ele", &school, 1).unwrap(),
        ["Élevage de chenilles"]
    );
    assert_eq!(
        index.suggest("cycle de l'e", &school, 10).unwrap(),
        ["Le cycle de l'eau"]
    );
    assert_eq!(
        index.suggest("cycle ", &school, 10).unwrap(),
        ["Le cycle de l'eau"]
    );
    assert!(
        index.suggest("cycl ", &school, 10).unwrap().is_empty(),
        "finished word"
    );
    assert!(index.suggest("", &school, 10).unwrap().is_empty());
    assert!(index.suggest("  '?! ", &school, 10).unwrap().is_empty());
    assert!(index.suggest("ele", &school, 0).unwrap().is_empty());
}

// ---------------------------------------------------------------- snippets

#[test]
fn snippets_are_escaped_and_marked() {
    let (_dir, index) = fresh();
    let long = format!(
        "{} Le volcan <script>alert(1)</script> & sa lave. {}",
        "Début sans rapport. ".repeat(30),
        "Fin sans rapport. ".repeat(30)
    );
    index
        .upsert(&doc("long", "Un titre", &long, &["school"]))
        .unwrap();
    index
        .upsert(&doc("title-only", "Volcan sans texte", "", &["school"]))
        .unwrap();
    index
        .upsert(&doc(
            "title-match",
            "Volcan & Cie",
            "Aucun mot cherché ici.",
            &["school"],
        ))
        .unwrap();
    index.commit(1).unwrap();
    let results = index.search(&query("volcan", &["school"])).unwrap();
    let snippet = |key: &str| {
        results
            .hits
            .iter()
            .find(|hit| hit.key == key)
            .map(|hit| hit.snippet_html.clone())
            .unwrap()
    };
    let html = snippet("long");
    assert!(html.contains("<mark>volcan</mark>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.chars().count() < 320, "{html}");
    assert_eq!(snippet("title-only"), "<mark>Volcan</mark> sans texte");
    assert_eq!(snippet("title-match"), "Aucun mot cherché ici.");
    let title_match = results
        .hits
        .iter()
        .find(|hit| hit.key == "title-match")
        .unwrap();
    assert_eq!(title_match.title, "Volcan & Cie", "titles are plain text");
}

// ---------------------------------------------------------------- writes, sort, filters

#[test]
fn upsert_replaces_and_delete_removes() {
    let (_dir, index) = fresh();
    let school = ["school"];
    index
        .upsert(&doc("k", "Les volcans", "Lave et cendres.", &school))
        .unwrap();
    index.commit(1).unwrap();
    assert_eq!(keys(&index, &query("volcan", &school)), ["k"]);
    index
        .upsert(&doc("k", "Les glaciers", "Glace et neige.", &school))
        .unwrap();
    assert_eq!(
        keys(&index, &query("volcan", &school)),
        ["k"],
        "not visible before commit"
    );
    index.commit(2).unwrap();
    assert!(keys(&index, &query("volcan", &school)).is_empty());
    assert_eq!(keys(&index, &query("glacier", &school)), ["k"]);
    assert_eq!(index.len(), 1);
    index.delete("k").unwrap();
    index.delete("absent").unwrap();
    index.commit(3).unwrap();
    assert!(keys(&index, &query("glacier", &school)).is_empty());
    assert_eq!(index.len(), 0);
    assert!(index.is_empty());
    assert_eq!(index.watermark(), 3);
}

#[test]
fn clear_empties_for_a_rebuild() {
    let (_dir, index) = fresh();
    for n in 0..5 {
        index
            .upsert(&doc(&format!("k{n}"), "Volcan", "", &["school"]))
            .unwrap();
    }
    index.commit(1).unwrap();
    assert_eq!(index.len(), 5);
    index.clear().unwrap();
    index.upsert(&doc("k9", "Volcan", "", &["school"])).unwrap();
    index.commit(7).unwrap();
    assert_eq!(keys(&index, &query("volcan", &["school"])), ["k9"]);
    assert_eq!(index.watermark(), 7);
}

#[test]
fn sort_by_date_and_paging() {
    let (_dir, index) = fresh();
    for (key, date) in [("old", 100), ("new", 300), ("mid", 200)] {
        let mut d = doc(key, "Volcan", "Volcan volcan volcan.", &["school"]);
        if key == "old" {
            d.title = "Volcan volcan volcan".to_owned();
        }
        d.date = date;
        index.upsert(&d).unwrap();
    }
    index.commit(1).unwrap();
    let mut q = query("volcan", &["school"]);
    assert_eq!(keys(&index, &q)[0], "old", "most relevant first");
    q.sort = Sort::Date;
    assert_eq!(keys(&index, &q), ["new", "mid", "old"]);
    let results = index.search(&q).unwrap();
    assert_eq!(results.hits[0].date, 300);
    q.offset = 1;
    q.limit = 1;
    assert_eq!(keys(&index, &q), ["mid"]);
    q.limit = 0;
    let counted = index.search(&q).unwrap();
    assert!(counted.hits.is_empty());
    assert_eq!(counted.total, 3);
    q.offset = 5;
    q.limit = 10;
    assert!(keys(&index, &q).is_empty());
}

#[test]
fn filters_narrow_and_facets_count_the_other_filters() {
    let (_dir, index) = fresh();
    let corpus = corpus();
    for d in &corpus {
        index.upsert(d).unwrap();
    }
    index.commit(1).unwrap();
    let school = ["school"];
    let all = index.search(&query("", &school)).unwrap();
    assert_eq!(all.total, corpus.len());
    let count = |pred: &dyn Fn(&IndexDoc) -> bool| corpus.iter().filter(|d| pred(d)).count() as u64;
    let facet = |list: &[(String, u64)], value: &str| {
        list.iter().find(|(v, _)| v == value).map_or(0, |(_, n)| *n)
    };
    assert_eq!(
        facet(&all.facets.levels, "CE1"),
        count(&|d| d.levels.contains(&"CE1".to_owned()))
    );
    assert_eq!(
        facet(&all.facets.levels, "cycle 3"),
        count(&|d| d.levels.contains(&"cycle 3".to_owned()))
    );
    assert_eq!(
        facet(&all.facets.doc_types, "vidéo"),
        count(&|d| d.doc_type == "vidéo")
    );
    assert_eq!(
        all.facets.spaces,
        [("Bibliothèque".to_owned(), corpus.len() as u64)]
    );
    let sorted = all.facets.subjects.windows(2).all(|w| w[0].1 >= w[1].1);
    assert!(sorted, "{:?}", all.facets.subjects);

    // Two levels (either) and a type.
    let mut q = query("", &school);
    q.levels = strings(&["CE1", "CP"]);
    q.doc_types = strings(&["vidéo"]);
    q.limit = 100;
    let narrowed = index.search(&q).unwrap();
    let is_level = |d: &IndexDoc| d.levels.iter().any(|l| l == "CE1" || l == "CP");
    assert_eq!(
        narrowed.total as u64,
        count(&|d| is_level(d) && d.doc_type == "vidéo")
    );
    assert_eq!(narrowed.hits.len(), narrowed.total);
    assert!(narrowed.hits.iter().all(|h| h.doc_type == "vidéo"));
    // Types are counted under the level filter only; levels under the type filter only.
    assert_eq!(
        facet(&narrowed.facets.doc_types, "fiche"),
        count(&|d| is_level(d) && d.doc_type == "fiche")
    );
    assert_eq!(
        facet(&narrowed.facets.levels, "CM2"),
        count(&|d| d.levels.contains(&"CM2".to_owned()) && d.doc_type == "vidéo")
    );
    // Subjects are counted under both.
    assert_eq!(
        facet(&narrowed.facets.subjects, "sciences"),
        count(&|d| is_level(d) && d.doc_type == "vidéo" && d.subjects[0] == "sciences")
    );

    // With text, and a filter value that does not exist.
    let mut q = query("volcan", &school);
    q.subjects = strings(&["sciences"]);
    assert!(index.search(&q).unwrap().total >= 4);
    q.subjects = strings(&["cuisine"]);
    let none = index.search(&q).unwrap();
    assert_eq!(none.total, 0);
    assert!(
        facet(&none.facets.subjects, "sciences") >= 4,
        "{:?}",
        none.facets.subjects
    );
    q.spaces = strings(&["Bibliothèque"]);
    assert_eq!(index.search(&q).unwrap().total, 0);
}

/// Facets as the documentation defines them, counted one document at a time: over the
/// visible documents matching the text, each dimension under the other dimensions'
/// filters, a document counting once per distinct value; sorted by count, then value.
fn expected_facets(
    docs: &[IndexDoc],
    q: &SearchQuery,
    matches: &dyn Fn(&IndexDoc) -> bool,
) -> (usize, [Vec<(String, u64)>; 4]) {
    use std::collections::{BTreeMap, BTreeSet};
    let values = |d: &IndexDoc| -> [BTreeSet<String>; 4] {
        [
            d.levels.iter().cloned().collect(),
            d.subjects.iter().cloned().collect(),
            [d.doc_type.clone()].into(),
            [d.space.clone()].into(),
        ]
    };
    let filters = [&q.levels, &q.subjects, &q.doc_types, &q.spaces];
    let mut total = 0;
    let mut counts: [BTreeMap<String, u64>; 4] = Default::default();
    for d in docs {
        if !d.readers.iter().any(|r| q.readers.contains(r)) || !matches(d) {
            continue;
        }
        let values = values(d);
        let passes: Vec<bool> = filters
            .iter()
            .zip(&values)
            .map(|(filter, values)| filter.is_empty() || values.iter().any(|v| filter.contains(v)))
            .collect();
        if passes.iter().all(|p| *p) {
            total += 1;
        }
        for (dimension, values) in values.iter().enumerate() {
            let others = passes
                .iter()
                .enumerate()
                .all(|(other, passes)| other == dimension || *passes);
            if others {
                for value in values {
                    *counts[dimension].entry(value.clone()).or_insert(0) += 1;
                }
            }
        }
    }
    let sorted = counts.map(|counts| {
        let mut list: Vec<(String, u64)> = counts.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list
    });
    (total, sorted)
}

#[test]
fn facets_count_every_value_of_every_visible_document() {
    let (_dir, index) = fresh();
    let levels = ["CP", "CE1", "CE2", "CM1", "CM2"];
    let subjects = ["français", "sciences", "histoire", "EMC", "musique"];
    let types = ["fiche", "leçon", "vidéo"];
    let spaces = [
        "Bibliothèque",
        "Classe CE1",
        "Mes documents",
        "Documents personnels",
    ];
    let principals = ["school", "class:1", "class:2", "user:1", "user:2"];
    let make = |n: usize| {
        let mut d = doc(
            &format!("d{n}"),
            &format!("Document {n}"),
            if n.is_multiple_of(3) {
                "Le volcan et la lave."
            } else {
                "Le glacier fond."
            },
            &[principals[n % 5], principals[(n / 5) % 5]],
        );
        // Zero to three levels, one repeated; zero to two subjects.
        d.levels = (0..n % 4)
            .map(|i| levels[(n + i * 2) % 5].to_owned())
            .collect();
        if n.is_multiple_of(7) {
            d.levels.push(levels[n % 5].to_owned());
        }
        d.subjects = (0..n % 3)
            .map(|i| subjects[(n / 3 + i) % 5].to_owned())
            .collect();
        d.doc_type = types[n % 3].to_owned();
        d.space = spaces[(n / 2) % 4].to_owned();
        d
    };
    let mut docs: Vec<IndexDoc> = (0..300).map(make).collect();
    // Several segments, with deletes and replaced documents in the older ones.
    for (batch, chunk) in docs.chunks(100).enumerate() {
        for d in chunk {
            index.upsert(d).unwrap();
        }
        index.commit(batch as u64 + 1).unwrap();
    }
    let check = |docs: &[IndexDoc]| {
        let queries = [
            ("", None),
            ("volcan", Some("volcan")),
            ("glacier", Some("glacier")),
        ];
        let reader_sets: [&[&str]; 3] = [&["school", "class:1"], &["user:2"], &principals];
        let filter_sets: [[&[&str]; 4]; 5] = [
            [&[], &[], &[], &[]],
            [&["CE1"], &[], &[], &[]],
            [&["CE1", "CM2"], &["sciences"], &[], &[]],
            [&[], &["histoire", "inconnue"], &["vidéo"], &["Classe CE1"]],
            [&["CP"], &["EMC"], &["fiche", "leçon"], &["Mes documents"]],
        ];
        for (text, word) in queries {
            let matches = |d: &IndexDoc| word.is_none_or(|w| d.body.contains(w));
            for readers in reader_sets {
                for [levels, subjects, doc_types, spaces] in filter_sets {
                    let mut q = query(text, readers);
                    q.levels = strings(levels);
                    q.subjects = strings(subjects);
                    q.doc_types = strings(doc_types);
                    q.spaces = strings(spaces);
                    q.limit = 100;
                    let (total, [l, s, t, p]) = expected_facets(docs, &q, &matches);
                    let results = index.search(&q).unwrap();
                    let context = format!("{text:?} as {readers:?} with {q:?}");
                    assert_eq!(results.total, total, "{context}");
                    assert_eq!(results.hits.len(), total.min(100), "{context}");
                    assert_eq!(results.facets.levels, l, "{context}");
                    assert_eq!(results.facets.subjects, s, "{context}");
                    assert_eq!(results.facets.doc_types, t, "{context}");
                    assert_eq!(results.facets.spaces, p, "{context}");
                    q.sort = Sort::Date;
                    assert_eq!(index.search(&q).unwrap().total, total, "{context}");
                }
            }
        }
    };
    check(&docs);

    // Change readers and values, delete some: the next searches (of the same principals,
    // whose access is kept per segment) see the new state.
    for n in (0..300).step_by(7) {
        docs[n].readers = strings(&["user:2"]);
        docs[n].levels = strings(&["CM1", "CM1", "cycle 3"]);
        index.upsert(&docs[n]).unwrap();
    }
    for n in (1..300).step_by(11) {
        index.delete(&docs[n].key).unwrap();
    }
    index.commit(9).unwrap();
    let kept: Vec<IndexDoc> = docs
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 11 != 1)
        .map(|(_, d)| d.clone())
        .collect();
    check(&kept);
}

// ---------------------------------------------------------------- recovery

fn index_something(dir: &Path, watermark: u64) {
    let (index, _) = open(dir);
    for n in 0..50 {
        index
            .upsert(&doc(
                &format!("k{n}"),
                "Volcan",
                &format!("Texte {n}"),
                &["school"],
            ))
            .unwrap();
    }
    index.commit(watermark).unwrap();
}

#[test]
fn the_watermark_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (index, opened) = open(dir.path());
    assert!(matches!(opened, Opened::Rebuilt { .. }));
    assert_eq!(index.watermark(), 0);
    drop(index);
    let (index, opened) = open(dir.path());
    assert_eq!(
        opened,
        Opened::Ready { watermark: 0 },
        "created, never committed"
    );
    drop(index);
    index_something(dir.path(), 42);
    let (index, opened) = open(dir.path());
    assert_eq!(opened, Opened::Ready { watermark: 42 });
    assert_eq!(index.watermark(), 42);
    assert_eq!(index.len(), 50);
    assert!(index.size_on_disk() > 0);
    index.commit(43).unwrap();
    drop(index);
    assert_eq!(open(dir.path()).1, Opened::Ready { watermark: 43 });
}

fn assert_rebuilt_and_working(dir: &Path) {
    let (index, opened) = open(dir);
    assert!(matches!(opened, Opened::Rebuilt { .. }), "{opened:?}");
    assert_eq!(index.watermark(), 0);
    assert_eq!(index.len(), 0);
    index
        .upsert(&doc("new", "Volcan", "", &["school"]))
        .unwrap();
    index.commit(5).unwrap();
    assert_eq!(keys(&index, &query("volcan", &["school"])), ["new"]);
    drop(index);
    assert_eq!(open(dir).1, Opened::Ready { watermark: 5 });
}

#[test]
fn garbage_meta_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    index_something(dir.path(), 9);
    fs::write(dir.path().join("meta.json"), b"\x00\xffnot json at all").unwrap();
    assert_rebuilt_and_working(dir.path());
}

#[test]
fn truncated_meta_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    index_something(dir.path(), 9);
    let meta = fs::read(dir.path().join("meta.json")).unwrap();
    fs::write(dir.path().join("meta.json"), &meta[..meta.len() / 2]).unwrap();
    assert_rebuilt_and_working(dir.path());
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            !name.starts_with('.') && !name.ends_with(".json") && !name.ends_with(".lock")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_deleted_segment_file_is_rebuilt() {
    for n in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        index_something(dir.path(), 9);
        let files = segment_files(dir.path());
        assert!(files.len() > n, "{files:?}");
        fs::remove_file(&files[n * files.len() / 4]).unwrap();
        assert_rebuilt_and_working(dir.path());
    }
}

#[test]
fn truncated_segment_files_are_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    index_something(dir.path(), 9);
    for file in segment_files(dir.path()) {
        let bytes = fs::read(&file).unwrap();
        fs::write(&file, &bytes[..bytes.len() / 3]).unwrap();
    }
    assert_rebuilt_and_working(dir.path());
}

#[test]
fn a_missing_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b/search");
    let (index, opened) = open(&nested);
    assert!(matches!(opened, Opened::Rebuilt { .. }));
    index.commit(1).unwrap();
    drop(index);
    assert_eq!(open(&nested).1, Opened::Ready { watermark: 1 });
}

#[test]
fn foreign_files_are_wiped() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("junk.txt"), b"junk").unwrap();
    fs::create_dir(dir.path().join("sub")).unwrap();
    let (_index, opened) = open(dir.path());
    assert!(matches!(opened, Opened::Rebuilt { .. }));
    assert!(!dir.path().join("junk.txt").exists());
}

#[test]
fn a_second_writer_is_refused_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    index_something(dir.path(), 3);
    let (first, _) = open(dir.path());
    assert!(SearchIndex::open(dir.path(), MEMORY).is_err());
    assert_eq!(first.len(), 50, "the index was left alone");
}

#[test]
fn searches_run_while_writing() {
    let (_dir, index) = fresh();
    let index = std::sync::Arc::new(index);
    let writer = {
        let index = index.clone();
        std::thread::spawn(move || {
            for n in 0..200u64 {
                index
                    .upsert(&doc(&format!("k{n}"), "Volcan", "Lave.", &["school"]))
                    .unwrap();
                if n % 20 == 0 {
                    index.commit(n).unwrap();
                }
            }
            index.commit(200).unwrap();
        })
    };
    for _ in 0..50 {
        let total = index.search(&query("volcan", &["school"])).unwrap().total;
        assert!(total <= 200);
    }
    writer.join().unwrap();
    assert_eq!(
        index.search(&query("volcan", &["school"])).unwrap().total,
        200
    );
}
