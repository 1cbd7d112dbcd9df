//! The personalised portal: one tile per service the person's role gives.

use super::{Layout, render};
use crate::WebState;
use crate::error::WebError;
use crate::paths::{self, with};
use crate::session::{Csrf, Me};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::Directory;
use preau_core::{Action, Role};

/// One tile of the portal.
#[derive(Clone, Debug)]
pub struct Tile {
    /// Pictogram.
    pub icon: &'static str,
    /// Title.
    pub title: String,
    /// A short detail line.
    pub detail: String,
    /// Where it leads.
    pub href: String,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalView {
    layout: Layout,
    first_name: String,
    subtitle: Option<String>,
    tiles: Vec<Tile>,
    homework: Vec<super::logbook::PortalHomework>,
    liaison: Vec<super::liaison::WordCard>,
    news: Option<super::news::PortalNews>,
}

/// The tiles a person sees, each shown only when the access decision allows what it leads to.
pub fn tiles(directory: &Directory, me: &Me) -> Vec<Tile> {
    let subject = &me.current.subject;
    let mut tiles = Vec::new();
    if directory.can_on_school(subject, Action::ManageAccount) {
        tiles.push(Tile {
            icon: "👥",
            title: "Comptes".into(),
            detail: "Élèves, parents, personnels".into(),
            href: paths::ADMIN_USERS.into(),
        });
    }
    if directory.can_on_school(subject, Action::ManageClasses) {
        tiles.push(Tile {
            icon: "🏫",
            title: "Classes".into(),
            detail: "Niveaux et enseignant·es".into(),
            href: paths::ADMIN_CLASSES.into(),
        });
        tiles.push(Tile {
            icon: "🧩",
            title: "Groupes".into(),
            detail: "Groupes de travail".into(),
            href: paths::ADMIN_GROUPS.into(),
        });
    }
    tiles.push(Tile {
        icon: "📁",
        title: if me.current.user.role == Role::Pupil {
            "Mes documents".into()
        } else {
            "Documents".into()
        },
        detail: "Fichiers, dossiers, partages".into(),
        href: paths::DOCUMENTS.into(),
    });
    if directory.can_on_school(subject, Action::ViewLibrary) {
        tiles.push(Tile {
            icon: "📚",
            title: "Bibliothèque".into(),
            detail: "Leçons, fiches, images, sons".into(),
            href: paths::LIBRARY.into(),
        });
    }
    tiles.push(Tile {
        icon: "🔎",
        title: "Rechercher".into(),
        detail: "Dans la bibliothèque et mes documents".into(),
        href: paths::SEARCH.into(),
    });
    if matches!(
        me.current.user.role,
        Role::Pupil | Role::Teacher | Role::Headteacher | Role::Parent
    ) {
        tiles.push(Tile {
            icon: "📥",
            title: "Devoirs".into(),
            detail: "Travail à rendre".into(),
            href: paths::ASSIGNMENTS.into(),
        });
    }
    if directory.can_on_school(subject, Action::ViewNews) {
        tiles.push(Tile {
            icon: "📰",
            title: "Actualités".into(),
            detail: "La vie de l'école".into(),
            href: paths::NEWS.into(),
        });
    }
    logbook_tiles(directory, me, &mut tiles);
    tiles.extend(super::liaison::portal_tile(directory, me));
    if directory.can_on_school(subject, Action::ViewBookings) {
        tiles.push(Tile {
            icon: "📅",
            title: "Réservations".into(),
            detail: "Salles et matériel".into(),
            href: paths::BOOKINGS.into(),
        });
    }
    for class in directory.current_classes() {
        if subject.classes.contains(&class.id)
            && directory.can_on_class(subject, Action::ViewClass, class.id)
        {
            let pupils = directory.pupils_of(class.id).len();
            tiles.push(Tile {
                icon: "🎒",
                title: class.name.clone(),
                detail: format!("{pupils} élèves"),
                href: with(paths::CLASS, class.id),
            });
        }
    }
    for child in directory.children_of(me.current.user.id) {
        if directory.can_on_user(subject, Action::ViewProfile, child.id) {
            let class = directory
                .class_of(child)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            tiles.push(Tile {
                icon: "🧒",
                title: child.first_name.clone(),
                detail: class,
                href: with(paths::PROFILE, child.id),
            });
        }
    }
    if me.current.user.role.is_adult() {
        tiles.push(Tile {
            icon: "🔑",
            title: "Mon compte".into(),
            detail: "Mot de passe".into(),
            href: paths::ACCOUNT.into(),
        });
    }
    tiles
}

/// The cahier de textes: one tile for pupils and families, one per class for its teachers,
/// and one for every class to whoever may read them all (the headteacher).
fn logbook_tiles(directory: &Directory, me: &Me, tiles: &mut Vec<Tile>) {
    let subject = &me.current.subject;
    let readable: Vec<&preau_core::Class> = directory
        .current_classes()
        .into_iter()
        .filter(|c| directory.can_on_class(subject, Action::ViewLogbook, c.id))
        .collect();
    if matches!(me.current.user.role, Role::Pupil | Role::Parent) {
        if !readable.is_empty() {
            tiles.push(Tile {
                icon: "📓",
                title: "Cahier de textes".into(),
                detail: "Séances et devoirs".into(),
                href: paths::LOGBOOK.into(),
            });
        }
        return;
    }
    for class in readable.iter().filter(|c| subject.classes.contains(&c.id)) {
        tiles.push(Tile {
            icon: "📓",
            title: "Cahier de textes".into(),
            detail: class.name.clone(),
            href: with(paths::LOGBOOK_CLASS, class.id),
        });
    }
    if readable.iter().any(|c| !subject.classes.contains(&c.id)) {
        tiles.push(Tile {
            icon: "📓",
            title: "Cahiers de textes".into(),
            detail: "Toutes les classes".into(),
            href: paths::LOGBOOK.into(),
        });
    }
}

/// `GET /`: the portal, or the sign-in page for visitors.
pub async fn home(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    me: Me,
) -> Result<Response, WebError> {
    let directory = state.app.directory();
    if !directory.can_on_school(&me.current.subject, Action::ViewPortal) {
        return Err(WebError::Forbidden);
    }
    let user = &me.current.user;
    let subtitle = match user.role {
        Role::Pupil => directory.class_of(user).map(|c| {
            let teachers: Vec<String> = directory
                .teachers_of(c.id)
                .iter()
                .map(|t| t.full_name())
                .collect();
            format!("Tu es en {} avec {}.", c.name, teachers.join(" et "))
        }),
        role => Some(format!(
            "{} — {}",
            role.label(),
            directory.school().map(|s| s.name.as_str()).unwrap_or("")
        )),
    };
    let mut tiles = tiles(&directory, &me);
    if let Some(messages) = super::messages::portal_tile(&state, &me)? {
        tiles.insert(0, messages);
    }
    tiles.extend(super::exercises::portal_tile(&state, &me));
    tiles.extend(super::setup::portal_tile(&state, &me)?);
    render(PortalView {
        layout: Layout::new(&state, &csrf, Some(&me)),
        first_name: user.first_name.clone(),
        subtitle,
        tiles,
        homework: super::logbook::portal_homework(&state, &me)?,
        liaison: super::liaison::portal_liaison(&state, &me)?,
        news: super::news::portal_news(&state, &me)?,
    })
}
