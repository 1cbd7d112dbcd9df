//! The box's setup page and the provisioning report written back onto the USB stick.
//!
//! A box that was never provisioned serves only this page (see [`crate::security::setup_only`]):
//! it says how to set the box up and shows what the last stick did, never an activation code.
//! Once the box is set up, the page shows the bundle in force to the headteacher and the
//! technician. The report on the stick (`preau-report.txt` and `.html`) carries the new
//! adults' activation codes, for the technician to hand over.

use super::letters::{Letter, activation_letters};
use super::{Layout, render};
use crate::WebState;
use crate::error::WebError;
use crate::i18n;
use crate::paths;
use crate::session::{Csrf, MaybeMe};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use preau_app::paris;
use preau_app::provisioning::{Applied, Refusal, StickOutcome, StickResult};
use preau_core::Action;
use preau_provision::bundle::{Manifest, Network};
use std::fmt::Write;

/// One report, ready for a page: a headline, lines of what was done, and warnings.
pub struct ReportView {
    /// Whether the bundle was applied, unchanged or refused: "applied", "unchanged", "refused".
    pub status: &'static str,
    /// The headline, in French.
    pub headline: String,
    /// When the stick was read, in French.
    pub at: String,
    /// The bundle's file.
    pub bundle: String,
    /// What was done, or why nothing was, one French sentence a line.
    pub lines: Vec<String>,
    /// Activation letters (empty on pages; filled on the stick only).
    pub letters: Vec<Letter>,
}

fn network_fr(network: &Network) -> String {
    let dns = |dns: &[std::net::IpAddr]| {
        dns.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match network {
        Network::Dhcp { dns: servers } if servers.is_empty() => {
            "adresse obtenue par DHCP".to_string()
        }
        Network::Dhcp { dns: servers } => {
            format!("adresse obtenue par DHCP, DNS {}", dns(servers))
        }
        Network::Static {
            address,
            prefix,
            gateway,
            dns: servers,
        } => format!(
            "adresse fixe {address}/{prefix}, passerelle {gateway}, DNS {}",
            dns(servers)
        ),
    }
}

fn applied_lines(a: &Applied) -> Vec<String> {
    let mut lines = vec![
        format!(
            "École : {} (UAI {}), {}.",
            a.school.name,
            a.school.uai.as_str(),
            a.school.commune
        ),
        format!(
            "Certificat du boîtier installé pour {} (valable jusqu'au {}).",
            a.names.join(" et "),
            paris::long_day(a.tls_not_after)
        ),
        format!("Réseau : {}.", network_fr(&a.network)),
        format!("Heure : serveurs {}.", a.time_servers.join(", ")),
        if a.ssh_keys == 0 {
            "Accès SSH : fermé (aucune clé dans le lot).".to_string()
        } else {
            format!("Accès SSH : ouvert aux {} clé(s) du lot.", a.ssh_keys)
        },
        format!(
            "Serveur central : {} (certificat de synchronisation installé).",
            a.central
        ),
        format!(
            "Comptes du lot : {} créé(s), {} mis à jour, {} déjà à jour.",
            a.accounts_created.len(),
            a.accounts_updated.len(),
            a.accounts_unchanged
        ),
    ];
    if let Some(onde) = &a.onde {
        lines.push(format!(
            "Import ONDE : {} compte(s) créé(s), {} modifié(s), {} archivé(s) ; {} classe(s) créée(s), {} archivée(s).",
            onde.created, onde.changed, onde.archived, onde.classes_created, onde.classes_archived
        ));
    }
    lines
}

fn refusal_lines(refusal: &Refusal) -> Vec<String> {
    match refusal {
        Refusal::Bundle { fr, .. } => vec![fr.clone()],
        Refusal::NotNewer { serial, applied } => vec![format!(
            "Ce lot porte le numéro {serial}, qui n'est pas plus récent que le lot déjà appliqué (n° {applied}). Préparez un nouveau lot avec « preau-provision bundle create »."
        )],
        Refusal::OtherSchool { current, bundle } => vec![format!(
            "Ce boîtier sert déjà l'école {current} ; ce lot est pour l'école {bundle}. Pour changer d'école, le boîtier doit d'abord être réinitialisé."
        )],
        Refusal::Material { file, detail } => vec![format!(
            "Le certificat ou la clé « {file} » du lot est inutilisable ({detail}) : refaites le lot."
        )],
        Refusal::Onde(files) => {
            let mut lines = vec![
                "Les fichiers ONDE du lot ne peuvent pas être importés tels quels :".to_string(),
            ];
            for file in files.iter().filter(|f| f.blocks()) {
                if let Some(why) = &file.refused {
                    lines.push(format!("« {} » : {why}", file.name));
                }
                for p in file.problems.iter().filter(|p| p.skipped) {
                    lines.push(format!(
                        "« {} », ligne {} : {}",
                        file.name, p.line, p.message_fr
                    ));
                }
            }
            lines
        }
        Refusal::App(_, Some(problem)) => vec![i18n::problem(problem)],
        Refusal::App(detail, None) => vec![format!(
            "Le boîtier n'a pas pu enregistrer la configuration ({detail})."
        )],
    }
}

impl ReportView {
    /// The report of `outcome`; with `letters`, the activation letters of the new adults
    /// (`activation`: the activation page's address).
    pub fn new(outcome: &StickOutcome, letters: bool, activation: &str) -> ReportView {
        let (status, headline, mut lines, accounts) = match &outcome.result {
            StickResult::Applied(a) => (
                "applied",
                if a.first {
                    format!("Boîtier configuré : lot n° {} appliqué.", a.serial)
                } else {
                    format!("Configuration mise à jour : lot n° {} appliqué.", a.serial)
                },
                applied_lines(a),
                a.accounts_created
                    .iter()
                    .chain(a.onde.iter().flat_map(|o| o.letters.iter()))
                    .collect::<Vec<_>>(),
            ),
            StickResult::Unchanged { serial, school } => (
                "unchanged",
                format!("Rien à faire : le lot n° {serial} est déjà appliqué."),
                vec![format!(
                    "Le boîtier de l'école {school} est déjà configuré avec ce lot ; rien n'a été modifié."
                )],
                Vec::new(),
            ),
            StickResult::Refused(r) => (
                "refused",
                "Lot refusé : rien n'a été modifié sur le boîtier.".to_string(),
                refusal_lines(r),
                Vec::new(),
            ),
        };
        if status == "applied" {
            lines.push(
                "Effacez cette clé une fois le boîtier configuré : elle contient la clé privée du boîtier.".into(),
            );
        }
        ReportView {
            status,
            headline,
            at: paris::long(outcome.at),
            bundle: outcome.bundle.clone(),
            lines,
            letters: if letters {
                activation_letters(accounts, activation)
            } else {
                Vec::new()
            },
        }
    }

    /// The report as plain text (`preau-report.txt`).
    pub fn to_text(&self, address: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "PRÉAU — RAPPORT DE CONFIGURATION DU BOÎTIER");
        let _ = writeln!(out, "Boîtier : {address}");
        let _ = writeln!(out, "Date : {}", self.at);
        let _ = writeln!(out, "Lot : {}", self.bundle);
        let _ = writeln!(out, "\n{}\n", self.headline);
        for line in &self.lines {
            let _ = writeln!(out, "* {line}");
        }
        if !self.letters.is_empty() {
            let _ = writeln!(
                out,
                "\nCOMPTES À REMETTRE (codes d'activation à usage unique, valables 30 jours)"
            );
            for l in &self.letters {
                let _ = writeln!(
                    out,
                    "  {} — {} — identifiant : {} — code : {}",
                    l.role, l.name, l.login, l.code
                );
            }
            let _ = writeln!(
                out,
                "\nChaque personne ouvre {address}{}, saisit son identifiant et son code, puis choisit son mot de passe. Les lettres à imprimer sont dans preau-report.html.",
                paths::ACTIVATE
            );
        }
        out.replace('\n', "\r\n")
    }
}

#[derive(Template)]
#[template(path = "provisioning_report.html")]
struct ReportPage<'a> {
    report: &'a ReportView,
    address: &'a str,
    activation: &'a str,
}

/// The report as a standalone, printable HTML page (`preau-report.html`), with the letters.
pub fn report_html(report: &ReportView, address: &str) -> Result<String, askama::Error> {
    let activation = format!("{address}{}", paths::ACTIVATE);
    ReportPage {
        report,
        address,
        activation: &activation,
    }
    .render()
}

/// Where sync with central stands, in French: a headline and its tone ("ok", "wait",
/// "alert").
fn sync_state(app: &preau_app::App) -> Result<Option<(String, &'static str)>, WebError> {
    if app.provisioned()?.is_none() {
        return Ok(None);
    }
    let status = app.sync_status();
    let now = app.now();
    let ago = |at: i64| match (now - at).max(0) / 60 {
        0 => "à l'instant".to_string(),
        1 => "il y a 1 min".to_string(),
        m if m < 120 => format!("il y a {m} min"),
        m => format!("il y a {} h", m / 60),
    };
    Ok(Some(match (&status.last_error, status.last_success) {
        (None, Some(at)) if status.pending == 0 => (format!("à jour ({})", ago(at)), "ok"),
        (None, Some(at)) => (
            format!(
                "{} changement(s) en cours d'envoi (dernier échange {})",
                status.pending,
                ago(at)
            ),
            "wait",
        ),
        (None, None) => ("premier échange en cours".to_string(), "wait"),
        (Some(_), last) => (
            format!(
                "serveur central injoignable, nouvel essai bientôt ; {} changement(s) en attente{}",
                status.pending,
                last.map(|at| format!(" ; dernier échange réussi {}", ago(at)))
                    .unwrap_or_default()
            ),
            "alert",
        ),
    }))
}

/// The portal tile of the setup page, with where sync stands, for those who may see it.
pub fn portal_tile(
    state: &WebState,
    me: &crate::session::Me,
) -> Result<Option<super::portal::Tile>, WebError> {
    let app = &state.app;
    if !app
        .directory()
        .can_on_school(&me.current.subject, Action::ViewProvisioning)
    {
        return Ok(None);
    }
    let detail = match sync_state(app)? {
        Some((text, _)) => format!("Synchronisation : {text}"),
        None => "Configuration du boîtier".to_string(),
    };
    Ok(Some(super::portal::Tile {
        icon: "🔧",
        title: "Installation du boîtier".into(),
        detail,
        href: paths::SETUP.into(),
    }))
}

/// The bundle in force, for the page.
struct InForce {
    serial: u64,
    applied: String,
    host: String,
    network: String,
    time: String,
    ssh: String,
    central: String,
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupView {
    layout: Layout,
    set_up: bool,
    /// Where sync with central stands (text, tone), once provisioned.
    sync: Option<(String, &'static str)>,
    /// Whether the bundle and the last stick are shown (always before set-up; then to the
    /// headteacher and the technician).
    details: bool,
    in_force: Option<InForce>,
    /// The appliance system it runs (version, slot), when it is one.
    system: Option<String>,
    report: Option<ReportView>,
}

/// « version du … (n° …), emplacement B » for the setup page.
fn system_fr(release: &preau_app::settings::Release) -> String {
    let slot = match release.slot.as_str() {
        "" => String::new(),
        slot => format!(", emplacement {slot}"),
    };
    format!(
        "version du {} (n° {}){slot}",
        paris::long(release.version),
        release.version
    )
}

/// `GET /installation`: everything while the box is not set up; then the details only for
/// those who may see how it was provisioned, and to others that it is set up.
pub async fn page(
    State(state): State<WebState>,
    Csrf(csrf): Csrf,
    MaybeMe(me): MaybeMe,
) -> Result<Response, WebError> {
    let app = state.app.clone();
    let set_up = app.is_set_up();
    let details = !set_up
        || me.as_ref().is_some_and(|me| {
            app.directory()
                .can_on_school(&me.current.subject, Action::ViewProvisioning)
        });
    if !details {
        // Set up: others learn only that, with the way in.
        return render(SetupView {
            layout: Layout::new(&state, &csrf, me.as_ref()),
            set_up,
            sync: None,
            details,
            in_force: None,
            system: None,
            report: None,
        });
    }
    let in_force = app.provisioned()?.and_then(|p| {
        let manifest = Manifest::parse(&p.manifest).ok()?;
        Some(InForce {
            serial: p.serial,
            applied: paris::long(p.applied_at),
            host: format!("{} et {}", manifest.fqdn(), manifest.local_name()),
            network: manifest
                .network()
                .map(|n| network_fr(&n))
                .unwrap_or_default(),
            time: manifest.time.servers.join(", "),
            ssh: manifest.ssh.as_ref().map_or_else(
                || "fermé".to_string(),
                |s| format!("{} clé(s)", s.authorized_keys.len()),
            ),
            central: manifest.central.url.clone(),
        })
    });
    let activation = format!("{}{}", state.public_url, paths::ACTIVATE);
    render(SetupView {
        layout: Layout::new(&state, &csrf, me.as_ref()),
        set_up,
        sync: sync_state(&app)?,
        details,
        in_force,
        system: app.settings().release.as_ref().map(system_fr),
        report: app
            .last_stick()
            .map(|outcome| ReportView::new(&outcome, false, &activation)),
    })
}
