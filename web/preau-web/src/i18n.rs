//! The French catalogue: every sentence a person reads that is not in a template.
//! Kept in one place so that other languages can follow.

use preau_app::Problem;

/// The nine pictures of the pupils' picture code: symbol and French name.
pub const PICTURES: [(&str, &str); 9] = [
    ("🐱", "chat"),
    ("☀️", "soleil"),
    ("🌳", "arbre"),
    ("🚗", "voiture"),
    ("⭐", "étoile"),
    ("🐟", "poisson"),
    ("🏠", "maison"),
    ("🍎", "pomme"),
    ("⚽", "ballon"),
];

/// The names of a picture code, for printing ("chat, soleil, arbre").
pub fn picture_names(code: &[u8; 3]) -> String {
    code.iter()
        .filter_map(|p| PICTURES.get(*p as usize).map(|(_, name)| *name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Page not found.
pub const NOT_FOUND: &str = "Cette page n'existe pas (ou plus).";
/// Access refused.
pub const FORBIDDEN: &str = "Vous n'avez pas accès à cette page.";
/// Form could not be read.
pub const BAD_FORM: &str = "Le formulaire envoyé est incomplet ou mal formé. Rien n'a été modifié.";
/// CSRF check failed.
pub const CSRF: &str = "La demande n'a pas pu être vérifiée : la page était trop ancienne ou venait d'un autre site. Rien n'a été modifié. Rechargez la page et recommencez.";
/// Body too large.
pub const TOO_LARGE: &str = "L'envoi est trop volumineux. Rien n'a été modifié.";
/// Wrong identifier or password.
pub const WRONG_PASSWORD: &str = "Identifiant ou mot de passe incorrect.";
/// Wrong pictures.
pub const WRONG_PICTURES: &str = "Ce ne sont pas les bonnes images. Essaie encore !";
/// Wrong activation code.
pub const WRONG_ACTIVATION: &str = "Identifiant ou code d'activation incorrect (ou code expiré).";
/// Locked account.
pub const LOCKED: &str = "Ce compte est bloqué après trop d'essais. Un·e enseignant·e ou la direction peut le débloquer.";
/// Pupils outside the school.
pub const OUTSIDE_SCHOOL: &str = "Les élèves se connectent seulement depuis le réseau de l'école.";
/// Archived account.
pub const ARCHIVED: &str = "Ce compte n'est plus actif. Adressez-vous à la direction de l'école.";
/// Unexpected failure.
pub const INTERNAL: &str = "Une erreur inattendue est survenue. Rien de ce qui avait été enregistré n'est perdu. Réessayez dans un instant.";
/// The disk holding files failed or is full.
pub const DISK: &str = "Le fichier n'a pas pu être enregistré : le disque du serveur de l'école est plein ou en panne. Rien n'a été perdu ; prévenez la direction.";
/// Network drive: credentials missing or wrong.
pub const DAV_WRONG_CREDENTIALS: &str = "Identifiant ou mot de passe d'application incorrect. Le lecteur réseau demande un mot de passe d'application, à créer sur la page « Mon compte » de Préau.";
/// Network drive: a web page of another site tried to reach it.
pub const DAV_FROM_A_WEB_PAGE: &str =
    "Le lecteur réseau ne s'ouvre pas depuis une page web. Rien n'a été modifié.";
/// Network drive: no such folder or file.
pub const DAV_NOT_FOUND: &str = "Ce dossier ou ce fichier n'existe pas (ou plus).";
/// Network drive: the space is full.
pub const DAV_FULL: &str = "L'espace est plein : le fichier n'a pas été enregistré. Videz la corbeille ou supprimez des fichiers.";
/// Network drive: the file is too large.
pub const DAV_TOO_LARGE: &str =
    "Ce fichier dépasse la taille maximale acceptée : il n'a pas été enregistré.";
/// Network drive: any other refusal.
pub const DAV_REFUSED: &str = "Cette demande n'a pas pu aboutir. Rien n'a été modifié.";
/// Method not allowed.
pub const METHOD: &str = "Cette action n'est pas possible de cette façon.";

/// Asks to wait before trying again.
pub fn wait(seconds: u64) -> String {
    format!("Trop d'essais : attendez {seconds} secondes avant de réessayer.")
}

/// A box that was never provisioned.
pub const NOT_SET_UP: &str = "Ce boîtier n'est pas encore configuré : branchez la clé USB de configuration préparée par la commune (voir la page « Installation du boîtier »).";

/// Explains a refused input.
pub fn problem(problem: &Problem) -> String {
    match problem {
        Problem::Missing(field) => format!("Le champ « {field} » est obligatoire."),
        Problem::TooLong(field) => format!("Le champ « {field} » est trop long."),
        Problem::Uai(detail) => format!("Code UAI invalide : {detail}."),
        Problem::LoginTaken(login) => format!("L'identifiant « {login} » est déjà utilisé."),
        Problem::LoginShape => "L'identifiant ne peut contenir que des lettres sans accent, des chiffres, des points, des tirets et des soulignés.".into(),
        Problem::PasswordTooShort(n) => format!("Le mot de passe doit contenir au moins {n} caractères."),
        Problem::PasswordsDiffer => "Les deux mots de passe ne sont pas identiques.".into(),
        Problem::Date(field) => format!("La {field} n'est pas une date valide (JJ/MM/AAAA)."),
        Problem::UnknownClass => "Cette classe n'existe pas.".into(),
        Problem::UnknownPerson => "Une des personnes choisies n'existe pas ou n'a pas le bon rôle.".into(),
        Problem::NoLevel => "Choisissez au moins un niveau pour la classe.".into(),
        Problem::PictureCode => "Le code image se compose de trois images.".into(),
        Problem::Role => "Choisissez un rôle.".into(),
        Problem::EmptyName => "Donnez un nom.".into(),
        Problem::NameTaken(name) => format!("« {name} » existe déjà dans ce dossier. Choisissez un autre nom."),
        Problem::QuotaExceeded { quota, free } => format!(
            "Il n'y a plus assez de place : cet espace est limité à {}, il reste {}. Rien n'a été enregistré. Videz la corbeille ou supprimez des fichiers.",
            size(*quota),
            size(*free)
        ),
        Problem::FileTooLarge(limit) => format!(
            "Ce fichier est trop gros : la limite est de {} par fichier. Rien n'a été enregistré.",
            size(*limit)
        ),
        Problem::IntoItself => "Un dossier ne peut pas aller dans lui-même.".into(),
        Problem::NotAFolder => "Choisissez un dossier.".into(),
        Problem::NoFile => "Choisissez au moins un fichier.".into(),
        Problem::ShareTarget => "Vous ne pouvez pas partager avec cette personne ou ce groupe.".into(),
        Problem::Audience => "Choisissez des élèves de la classe.".into(),
        Problem::WebAddress => "L'adresse du site doit commencer par https:// (ou http://).".into(),
        Problem::CsvHeader => "Le fichier CSV doit avoir une colonne « fichier » (et, au choix : titre, description, niveaux, matières, type, auteur, licence).".into(),
        Problem::Archive => "L'archive zip est endommagée ou trop grosse (1 000 fichiers et 4 Go au plus).".into(),
        Problem::BookingTime => "Choisissez une heure de début et une heure de fin au quart d'heure (par exemple 9:00 et 10:15), la fin après le début.".into(),
        Problem::Number(field) => format!("Le champ « {field} » doit être un nombre entier."),
        Problem::HolidayLine(line) => format!("La ligne {line} des vacances ne se lit pas : écrivez « AAAA-MM-JJ;AAAA-MM-JJ;Nom des vacances »."),
        Problem::Periods => "Les créneaux ne se lisent pas : un créneau par ligne, par exemple « 8:30-9:30 ».".into(),
        Problem::SchoolClosed(day, why) => format!("Impossible de réserver le {day} : {why}."),
        Problem::NoDate => "Cette réservation répétée ne tombe sur aucun jour d'école. Vérifiez la date de fin.".into(),
        Problem::SeriesTooLong(max) => format!("Une réservation répétée compte au plus {max} dates (une année scolaire). Choisissez une date de fin plus proche."),
        Problem::OndeExpired => "Les fichiers envoyés pour cet aperçu ne sont plus disponibles : envoyez-les de nouveau.".into(),
        Problem::MessagingEmergency => "La direction a restreint la messagerie : seuls les adultes de l'école peuvent envoyer des messages pour le moment.".into(),
        Problem::MayNotWrite(name) => format!("Les règles de l'école ne permettent pas d'écrire à {name}."),
        Problem::TooManyMessages => "Vous avez envoyé beaucoup de messages : attendez un peu avant d'en envoyer d'autres.".into(),
        Problem::BookingPast => "Ce créneau est déjà passé. Choisissez un créneau à venir.".into(),
        Problem::TooFarAhead(days) => format!("On peut réserver au plus {days} jours à l'avance."),
        Problem::Quantity(max) => format!("Il n'y en a que {max} en tout."),
        Problem::WeeklyLimit(max) => format!("Vous avez atteint la limite de {max} réservations par semaine."),
        Problem::PoolFull { name, free, when } => match free {
            0 => format!("Plus aucun élément de « {name} » n'est libre {when}."),
            1 => format!("Il ne reste qu'un élément de « {name} » libre {when}."),
            n => format!("Il ne reste que {n} éléments de « {name} » libres {when}."),
        },
        Problem::NoClassThatDay(day, why) => format!("Il n'y a pas classe le {day} : {why}."),
        Problem::HomeworkBeforeSession => "Le travail à faire ne peut pas être pour un jour avant la séance.".into(),
        Problem::EmptyEntry => "Écrivez ce qui a été fait pendant la séance, ou le travail à faire (ou les deux).".into(),
        Problem::RepeatUntil => "La date de fin de la répétition doit venir après la date de la séance, dans la même année scolaire.".into(),
        Problem::UnknownResource => "Une des ressources choisies n'est plus dans la bibliothèque.".into(),
        Problem::SlotTaken { name, holders, when } => {
            if holders.is_empty() {
                format!("« {name} » est déjà réservé {when}.")
            } else {
                format!("« {name} » est déjà réservé {when} par {}.", holders.join(", "))
            }
        }
        Problem::TooManyFiles(max) => format!("Une actualité porte au plus {max} images et pièces jointes."),
        Problem::NoFamilies => "Aucune famille ne recevrait ce mot : choisissez une classe, un groupe ou un élève.".into(),
        Problem::AlreadyReplied => "Vous avez déjà répondu à ce mot (une seule réponse par enfant).".into(),
        Problem::ConsentClosed(day) => format!("Les réponses à cette autorisation étaient possibles jusqu'au {day}."),
        Problem::DeadlinePast => "La date limite de réponse ne peut pas être déjà passée.".into(),
        Problem::AlreadyRemindedToday => "Un rappel a déjà été envoyé aujourd'hui. Vous pourrez relancer demain.".into(),
        Problem::NoConsentForm => "Ce mot ne demande pas d'autorisation.".into(),
        Problem::OndeRefused(name) => format!("Le fichier « {name} » ne peut pas être importé : corrigez les lignes signalées puis envoyez-le de nouveau. Rien n'a été modifié."),
        Problem::OndeChanged => "L'annuaire a changé pendant l'import : vérifiez de nouveau l'aperçu. Rien n'a été modifié.".into(),
        Problem::Question(error) => error.message(),
        Problem::AlreadyAnswered => "Cette question a déjà reçu une réponse. Continue avec la suivante !".into(),
        Problem::TaskClosed => "Ce travail n'est pas ouvert en ce moment.".into(),
        Problem::NothingToDo => "Ajoutez au moins un exercice avec une question avant de donner cette séquence à faire.".into(),
        Problem::DueBeforeOpening => "La date de fin ne peut pas être avant la date d'ouverture.".into(),
        Problem::UnknownCompetence => "Cette compétence ne fait pas partie de la liste des programmes.".into(),
        Problem::MediaKind => "Le son doit être un fichier audio (MP3, OGG, WAV…) et l'image une image (PNG, JPEG…).".into(),
        Problem::ExerciseFile => "Ce fichier n'est pas un fichier d'exercices Préau, ou il est abîmé. Rien n'a été importé.".into(),
        Problem::QuestionsAnswered => "Des élèves ont déjà répondu à cet exercice : ses questions ne peuvent plus être supprimées, déplacées ni changées de type. Pour une autre version, copiez la séquence. Rien n'a été modifié.".into(),
    }
}

/// A size in bytes, the French way ("1,5 Mo").
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["Ko", "Mo", "Go", "To"];
    if bytes < 1024 {
        return format!("{bytes} o");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let text = if value < 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{} {}", text.replace('.', ","), UNITS[unit])
}
