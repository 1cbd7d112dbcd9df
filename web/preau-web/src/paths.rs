//! Every URL path of the site, in one place.

/// The portal (or the sign-in page when signed out).
pub const HOME: &str = "/";
/// Sign-in choice and adults' form.
pub const SIGN_IN: &str = "/connexion";
/// Pupils: choose one's class.
pub const PUPIL_CLASSES: &str = "/connexion/eleve";
/// Pupils: choose one's name.
pub const PUPIL_CLASS: &str = "/connexion/eleve/classe/{class}";
/// Pupils: the picture code.
pub const PUPIL_PICTURES: &str = "/connexion/eleve/{pupil}";
/// Pupils: the QR card.
pub const CARD: &str = "/connexion/carte/{secret}";
/// Adults' first sign-in with an activation code.
pub const ACTIVATE: &str = "/activation";
/// Sign out.
pub const SIGN_OUT: &str = "/deconnexion";
/// One's own account.
pub const ACCOUNT: &str = "/compte";
/// Change one's password.
pub const ACCOUNT_PASSWORD: &str = "/compte/mot-de-passe";
/// A person's profile.
pub const PROFILE: &str = "/profil/{id}";
/// A class page (teachers).
pub const CLASS: &str = "/classe/{id}";
/// The printable QR login cards of a class.
pub const CLASS_CARDS: &str = "/classe/{id}/cartes";
/// Unlock an account.
pub const UNLOCK: &str = "/comptes/{id}/debloquer";
/// Accounts (headteacher).
pub const ADMIN_USERS: &str = "/admin/comptes";
/// Accounts export.
pub const ADMIN_USERS_CSV: &str = "/admin/comptes.csv";
/// New account form.
pub const ADMIN_USER_NEW: &str = "/admin/comptes/nouveau";
/// One account.
pub const ADMIN_USER: &str = "/admin/comptes/{id}";
/// Archive an account.
pub const ADMIN_USER_ARCHIVE: &str = "/admin/comptes/{id}/archiver";
/// Restore an archived account.
pub const ADMIN_USER_RESTORE: &str = "/admin/comptes/{id}/restaurer";
/// Reset an account's credentials.
pub const ADMIN_USER_RESET: &str = "/admin/comptes/{id}/reinitialiser";
/// Classes (headteacher).
pub const ADMIN_CLASSES: &str = "/admin/classes";
/// One class (headteacher).
pub const ADMIN_CLASS: &str = "/admin/classes/{id}";
/// Archive a class.
pub const ADMIN_CLASS_ARCHIVE: &str = "/admin/classes/{id}/archiver";
/// Groups (headteacher).
pub const ADMIN_GROUPS: &str = "/admin/groupes";
/// One group.
pub const ADMIN_GROUP: &str = "/admin/groupes/{id}";
/// The page explaining how to trust the school's certificate.
pub const CERTIFICATE: &str = "/certificat";
/// The school's CA certificate file.
pub const CERTIFICATE_FILE: &str = "/certificat/preau-ca.crt";
/// Embedded static files.
pub const STATIC: &str = "/static/{file}";

/// Fills the `{…}` parameter of a path pattern.
pub fn with(pattern: &str, value: impl std::fmt::Display) -> String {
    match (pattern.find('{'), pattern.find('}')) {
        (Some(start), Some(end)) => {
            format!("{}{}{}", &pattern[..start], value, &pattern[end + 1..])
        }
        _ => pattern.to_string(),
    }
}

/// Whether a path given in a form is a safe place to return to (same site, no scheme).
pub fn is_local(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.contains('\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_parameters_and_checks_returns() {
        assert_eq!(with(CLASS_CARDS, 42), "/classe/42/cartes");
        assert!(is_local("/classe/1"));
        assert!(!is_local("//evil.example"));
        assert!(!is_local("https://evil.example"));
    }
}
