//! The search page: one big box, filters with counts, results with snippets and type
//! pictograms; suggestions as one types (with JavaScript), a plain form without.

use super::{Layout, render};
use crate::WebState;
use crate::error::WebError;
use crate::forms::WebQuery;
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use preau_app::paris;
use preau_app::search::{IndexState, SearchQuery, Sort};
use serde::Deserialize;

/// Results per page.
const PAGE: usize = 20;

/// The search form as typed (every field optional).
#[derive(Deserialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    niveau: String,
    #[serde(default)]
    matiere: String,
    #[serde(default)]
    genre: String,
    #[serde(default)]
    espace: String,
    #[serde(default)]
    tri: String,
    #[serde(default)]
    page: usize,
}

impl SearchForm {
    /// This search's address with one field changed.
    fn with(&self, field: &str, value: &str) -> String {
        let mut f = self.clone();
        match field {
            "niveau" => f.niveau = value.into(),
            "matiere" => f.matiere = value.into(),
            "genre" => f.genre = value.into(),
            "espace" => f.espace = value.into(),
            "tri" => f.tri = value.into(),
            "page" => f.page = value.parse().unwrap_or(0),
            _ => {}
        }
        if field != "page" {
            f.page = 0;
        }
        let pairs = [
            ("q", f.q.as_str()),
            ("niveau", f.niveau.as_str()),
            ("matiere", f.matiere.as_str()),
            ("genre", f.genre.as_str()),
            ("espace", f.espace.as_str()),
            ("tri", f.tri.as_str()),
        ];
        let mut query: Vec<(&str, String)> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.to_string()))
            .collect();
        if f.page > 0 {
            query.push(("page", f.page.to_string()));
        }
        let encoded = serde_html_form::to_string(&query).unwrap_or_default();
        format!("{}?{encoded}", paths::SEARCH)
    }
}

fn one(value: &str) -> Vec<String> {
    if value.is_empty() {
        Vec::new()
    } else {
        vec![value.to_string()]
    }
}

/// One result as shown.
struct ResultRow {
    icon: &'static str,
    title: String,
    url: String,
    snippet_html: String,
    kind: String,
    space: String,
    date: String,
}

/// One facet value as shown: label, count, address with it chosen (or removed), chosen.
struct FacetRow {
    label: String,
    count: u64,
    url: String,
    chosen: bool,
}

struct FacetGroup {
    title: &'static str,
    rows: Vec<FacetRow>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchView {
    layout: Layout,
    form: SearchForm,
    searched: bool,
    total: usize,
    rows: Vec<ResultRow>,
    facets: Vec<FacetGroup>,
    building: bool,
    unavailable: bool,
    by_date_url: String,
    by_relevance_url: String,
    by_date: bool,
    previous_url: Option<String>,
    next_url: Option<String>,
    script_url: String,
}

/// The pictogram of a type.
fn icon(doc_type: &str) -> &'static str {
    match doc_type {
        "dossier" => "📁",
        "image" | "Image" => "🖼️",
        "son" | "Son" => "🎧",
        "vidéo" | "Vidéo" => "🎬",
        "Lien" => "🔗",
        "Leçon" => "📘",
        "Fiche" => "📝",
        "pdf" => "📕",
        "présentation" => "📊",
        "tableur" => "📈",
        _ => "📄",
    }
}

/// Where a hit leads.
fn hit_url(key: &str, doc_type: &str) -> String {
    match key.split_once('/') {
        Some(("node", id)) if doc_type == "dossier" => with(paths::FOLDER, id),
        Some(("node", id)) => with(paths::ITEM, id),
        Some(("resource", id)) => with(paths::RESOURCE, id),
        _ => paths::SEARCH.to_string(),
    }
}

/// `GET /recherche`.
pub async fn page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
    WebQuery(form): WebQuery<SearchForm>,
) -> Result<Response, WebError> {
    let subject = &me.current.subject;
    let by_date = form.tri == "date";
    let searched = !(form.q.trim().is_empty()
        && form.niveau.is_empty()
        && form.matiere.is_empty()
        && form.genre.is_empty()
        && form.espace.is_empty());
    let results = if searched {
        state.app.search(
            subject,
            SearchQuery {
                text: form.q.clone(),
                levels: one(&form.niveau),
                subjects: one(&form.matiere),
                doc_types: one(&form.genre),
                spaces: one(&form.espace),
                sort: if by_date { Sort::Date } else { Sort::Relevance },
                offset: form.page * PAGE,
                limit: PAGE,
                ..SearchQuery::default()
            },
        )?
    } else {
        Default::default()
    };
    let rows = results
        .hits
        .iter()
        .map(|h| ResultRow {
            icon: icon(&h.doc_type),
            url: hit_url(&h.key, &h.doc_type),
            title: h.title.clone(),
            snippet_html: h.snippet_html.clone(),
            kind: h.doc_type.clone(),
            space: h.space.clone(),
            date: paris::short(h.date),
        })
        .collect();
    let group = |title, field: &str, chosen: &str, values: &[(String, u64)]| FacetGroup {
        title,
        rows: values
            .iter()
            .map(|(value, count)| FacetRow {
                label: value.clone(),
                count: *count,
                chosen: chosen == value,
                url: form.with(field, if chosen == value { "" } else { value }),
            })
            .collect(),
    };
    let f = &results.facets;
    let facets = vec![
        group("Niveau", "niveau", &form.niveau, &f.levels),
        group("Matière", "matiere", &form.matiere, &f.subjects),
        group("Type", "genre", &form.genre, &f.doc_types),
        group("Espace", "espace", &form.espace, &f.spaces),
    ]
    .into_iter()
    .filter(|g| !g.rows.is_empty())
    .collect();
    let index_state = state.app.index_state();
    let more = (form.page + 1) * PAGE < results.total;
    render(SearchView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        searched,
        total: results.total,
        rows,
        facets,
        building: index_state == IndexState::Building,
        unavailable: matches!(index_state, IndexState::Unavailable(_)),
        by_date_url: form.with("tri", "date"),
        by_relevance_url: form.with("tri", ""),
        by_date,
        previous_url: (form.page > 0).then(|| form.with("page", &(form.page - 1).to_string())),
        next_url: more.then(|| form.with("page", &(form.page + 1).to_string())),
        script_url: state.assets.search_js_url.clone(),
        form,
    })
}

/// What the suggestion box asks.
#[derive(Deserialize, Default)]
pub struct SuggestQuery {
    #[serde(default)]
    q: String,
}

/// `GET /recherche/suggestions?q=`: titles (JSON list) of what the person may open.
pub async fn suggestions(
    State(state): State<WebState>,
    me: Me,
    WebQuery(query): WebQuery<SuggestQuery>,
) -> Result<Response, WebError> {
    let list = if query.q.trim().chars().count() >= 2 {
        state.app.suggest(&me.current.subject, query.q.trim(), 8)?
    } else {
        Vec::new()
    };
    Ok(Json(list).into_response())
}
