//! `preau demo`: a demo school in a local data directory, served on loopback.

use preau_app::App;
use preau_app::demo::{DEMO_PASSWORD, DemoPlan};
use preau_core::{Credentials, Role};

/// Creates the demo school if the data directory is empty.
pub fn ensure_school(app: &App) -> Result<bool, preau_app::AppError> {
    if app.is_set_up() {
        return Ok(false);
    }
    let school = app.seed_demo(&DemoPlan::full())?;
    app.seed_demo_documents(&school)?;
    Ok(true)
}

/// What to print so that a newcomer can sign in as each role.
pub fn summary(app: &App, url: &str, http: Option<String>) -> String {
    let directory = app.directory();
    let users = directory.users();
    let mut out = String::new();
    let school = directory
        .school()
        .map(|s| s.name.clone())
        .unwrap_or_default();
    out.push_str(&format!(
        "\nPréau — école de démonstration « {school} »\n\n"
    ));
    out.push_str(&format!("  Ouvrez            {url}/\n"));
    if let Some(http) = http {
        out.push_str(&format!("  Certificat        {http}/certificat  (à installer pour ne plus voir l'alerte du navigateur)\n"));
    }
    out.push_str(&format!(
        "\n  Mot de passe de tous les adultes de la démo : {DEMO_PASSWORD}\n\n"
    ));
    let read = app.store().read().ok();
    let has_password = |id: preau_core::UserId| {
        read.as_ref()
            .and_then(|r| r.get::<Credentials>(id.0).ok().flatten())
            .is_some_and(|c| c.password_hash.is_some())
    };
    if let Some(head) = users.iter().find(|u| u.role == Role::Headteacher) {
        out.push_str(&format!(
            "  Direction         {:<24} {}\n",
            head.login,
            head.full_name()
        ));
    }
    for class in directory.current_classes() {
        if let Some(t) = directory.teachers_of(class.id).first() {
            out.push_str(&format!(
                "  Enseignant·e      {:<24} {}\n",
                t.login, class.name
            ));
        }
    }
    if let Some(parent) = users
        .iter()
        .find(|u| u.role == Role::Parent && has_password(u.id))
    {
        let children: Vec<String> = directory
            .children_of(parent.id)
            .iter()
            .map(|c| c.full_name())
            .collect();
        out.push_str(&format!(
            "  Parent            {:<24} parent de {}\n",
            parent.login,
            children.join(", ")
        ));
    }
    if let Some(class) = directory.current_classes().first()
        && let Some(pupil) = directory.pupils_of(class.id).first()
    {
        let code = read
            .as_ref()
            .and_then(|r| r.get::<Credentials>(pupil.id.0).ok().flatten())
            .and_then(|c| c.picture_code)
            .map(|c| preau_web::i18n::picture_names(&c))
            .unwrap_or_default();
        out.push_str(&format!(
            "  Élève             « Je suis élève » → {} → {} → images : {code}\n",
            class.name,
            pupil.short_name()
        ));
    }
    out.push_str("\n  Arrêt : Ctrl-C. Les données restent dans le dossier de démonstration.\n");
    out
}
