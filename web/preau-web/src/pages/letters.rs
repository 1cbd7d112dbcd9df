//! One-time activation letters for new adults: name, identifier, code and a QR code of the
//! activation address. Printed after an ONDE import and in a provisioning report.

use super::classes::qr_svg;
use preau_app::accounts::Handover;
use preau_core::User;

/// A new adult's activation letter.
pub struct Letter {
    /// Full name.
    pub name: String,
    /// Role, in French.
    pub role: &'static str,
    /// Sign-in identifier.
    pub login: String,
    /// The one-time activation code.
    pub code: String,
    /// QR code of the activation address with the identifier filled in (SVG).
    pub qr_svg: String,
}

/// The letters of the adults among `accounts` (pupils get cards, not letters); `activation`
/// is the activation page's full address.
pub fn activation_letters<'a>(
    accounts: impl IntoIterator<Item = &'a (User, Handover)>,
    activation: &str,
) -> Vec<Letter> {
    accounts
        .into_iter()
        .filter_map(|(user, handover)| match handover {
            Handover::ActivationCode(code) => Some(Letter {
                name: user.full_name(),
                role: user.role.label(),
                login: user.login.clone(),
                code: code.clone(),
                qr_svg: qr_svg(&format!("{activation}?identifiant={}", user.login)),
            }),
            Handover::PupilCard { .. } => None,
        })
        .collect()
}
