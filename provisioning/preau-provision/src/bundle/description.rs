//! The school description a technician writes (`school.toml`) for `bundle create`.

use super::Invalid;
use super::manifest::{
    Account, BoxSection, Central, NetworkSection, School, Ssh, Time, check_sections,
};
use serde::Deserialize;

/// A commented example, printed by `preau-provision bundle example`. Every key is explained.
pub const EXAMPLE: &str = r#"# Description d'une école pour « preau-provision bundle create ».
# Toutes les clés sont obligatoires sauf mention contraire ; une clé inconnue est refusée.

[school]
# Code UAI de l'école : 7 chiffres et la lettre de contrôle (vérifiée).
uai = "0750654D"
# Nom de l'école, tel qu'il s'affiche dans Préau.
name = "École élémentaire Jules-Ferry"
# Adresse postale, sur une ligne.
address = "12 rue des Écoles, 75005 Paris"
# Commune de l'école.
commune = "Paris"

[box]
# Nom d'hôte du boîtier : une étiquette DNS (a-z, chiffres, tirets), sans point.
# Le boîtier répond sur <host>.<domaine de la commune>, sur <host>.local et sur son adresse.
host = "jules-ferry"

[network]
# « dhcp » : l'adresse vient du serveur DHCP de l'école (conseillé avec une réservation DHCP).
# « static » : adresse fixe ; address, gateway et dns sont alors obligatoires.
mode = "static"
# Adresse/préfixe, dans une plage privée (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) :
# elle figure dans le certificat du boîtier, et l'autorité de la commune ne certifie que celles-là.
address = "192.168.10.5/24"
# Passerelle par défaut, dans le même réseau.
gateway = "192.168.10.1"
# Serveurs DNS (1 à 4). Facultatif avec « dhcp » : ils remplacent alors ceux du DHCP.
dns = ["192.168.10.1"]

[central]
# Adresse du serveur central de la commune (https obligatoire).
url = "https://ent.ville.fr"

[time]
# Serveurs de temps NTP (1 à 8), noms ou adresses.
servers = ["ntp.ville.fr", "0.fr.pool.ntp.org"]

# Facultatif : accès SSH des techniciens de la commune (1 à 8 clés publiques, une ligne
# authorized_keys chacune). Sans cette section, le boîtier n'ouvre pas de serveur SSH.
[ssh]
authorized_keys = [
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBn5xMY0ZsRWj2bvfLMlH2CqS5RHq7qs6HpGJkSUTeWd technicien@mairie",
]

# Comptes d'adultes que le boîtier crée en appliquant le lot (1 à 50), un bloc [[accounts]]
# chacun. Au moins un compte de direction est obligatoire : c'est lui qui administre l'école
# dans Préau. Les élèves et les parents viennent des exports ONDE, pas d'ici.
[[accounts]]
# Rôle : « direction », « enseignant », « personnel » (ATSEM, AESH, animateurs),
# « mairie » ou « technicien ».
role = "direction"
# Prénom et nom.
first_name = "Hélène"
last_name = "Lefèvre"
# Facultatif : identifiant de connexion (3 à 64 caractères : lettres minuscules a-z, chiffres,
# « . », « - », « _ »), différent pour chaque compte. Sans lui, le boîtier le forme à partir
# du prénom et du nom (prenom.nom).
login = "helene.lefevre"
# Facultatif : adresse électronique de contact.
email = "direction.jules-ferry@ville.fr"
"#;

/// `school.toml`: what `bundle create` needs to know about a school and its box.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// The school.
    pub school: School,
    /// The box's host name.
    #[serde(rename = "box")]
    pub box_: BoxSection,
    /// Its network settings.
    pub network: NetworkSection,
    /// The commune's central server.
    pub central: Central,
    /// Time servers.
    pub time: Time,
    /// SSH access for technicians, if any.
    #[serde(default)]
    pub ssh: Option<Ssh>,
    /// The adult accounts the box creates (at least one headteacher).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<Account>,
}

impl Description {
    /// Parses and checks a description.
    pub fn parse(text: &str) -> Result<Description, Invalid> {
        let description: Description = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            let fr_at = at.replace("line", "ligne");
            Invalid::new(
                "school.toml",
                format!("{}{at}", e.message()),
                format!("{}{fr_at}", e.message()),
            )
        })?;
        description.check()?;
        Ok(description)
    }

    /// Checks every field.
    pub fn check(&self) -> Result<(), Invalid> {
        check_sections(
            &self.school,
            &self.box_,
            &self.network,
            &self.central,
            &self.time,
            self.ssh.as_ref(),
            &self.accounts,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_parses() {
        let d = Description::parse(EXAMPLE).expect("example");
        assert_eq!(d.school.uai, "0750654D");
        assert_eq!(d.box_.host, "jules-ferry");
    }

    #[test]
    fn refusals_say_which_key() {
        let wrong_letter = EXAMPLE.replace("0750654D", "0750654E");
        let e = Description::parse(&wrong_letter).expect_err("check letter");
        assert!(e.french().contains("lettre de contrôle"), "{}", e.french());
        let unknown = EXAMPLE.replace("[box]", "[box]\ncolour = \"blue\"");
        let e = Description::parse(&unknown).expect_err("unknown key");
        assert!(e.to_string().contains("colour"), "{e}");
        let public = EXAMPLE
            .replace("192.168.10.5/24", "8.8.8.8/24")
            .replace("192.168.10.1\"", "8.8.8.1\"");
        let e = Description::parse(&public).expect_err("public address");
        assert!(e.french().contains("privée"), "{}", e.french());
        let dhcp_with_address = EXAMPLE.replace("mode = \"static\"", "mode = \"dhcp\"");
        assert!(Description::parse(&dhcp_with_address).is_err());
    }

    /// The example with its `[[accounts]]` replaced by `accounts`.
    fn with_accounts(accounts: &str) -> String {
        let start = EXAMPLE
            .find("\n[[accounts]]")
            .expect("accounts in the example")
            + 1;
        format!("{}{accounts}", &EXAMPLE[..start])
    }

    fn account(role: &str, first: &str, last: &str, login: &str) -> String {
        let login = if login.is_empty() {
            String::new()
        } else {
            format!("login = \"{login}\"\n")
        };
        format!(
            "[[accounts]]\nrole = \"{role}\"\nfirst_name = \"{first}\"\nlast_name = \"{last}\"\n{login}"
        )
    }

    #[test]
    fn the_example_has_its_headteacher() {
        let d = Description::parse(EXAMPLE).expect("example");
        assert_eq!(d.accounts.len(), 1);
        let head = &d.accounts[0];
        assert_eq!(head.role(), Ok(preau_core::Role::Headteacher));
        assert_eq!(
            (head.first_name.as_str(), head.last_name.as_str()),
            ("Hélène", "Lefèvre")
        );
        assert_eq!(head.login, "helene.lefevre");
        assert_eq!(head.email, "direction.jules-ferry@ville.fr");
    }

    #[test]
    fn accounts_are_checked() {
        let head = account("direction", "Hélène", "Lefèvre", "");
        // Login and e-mail may be left out; other adult roles are accepted.
        let mut text = head.clone();
        for role in ["enseignant", "personnel", "mairie", "technicien"] {
            text.push_str(&account(role, "Paul", role, ""));
        }
        let d = Description::parse(&with_accounts(&text)).expect("five roles");
        assert_eq!(d.accounts.len(), 5);
        assert!(
            d.accounts
                .iter()
                .all(|a| a.login.is_empty() && a.email.is_empty())
        );

        let refused = |accounts: &str, field: &str, fr: &str| {
            let e = Description::parse(&with_accounts(accounts)).expect_err(fr);
            assert_eq!(e.field, field, "{}", e.french());
            assert!(e.french().contains(fr), "{}", e.french());
        };
        // No accounts at all, or no headteacher.
        refused("", "accounts", "il faut au moins un compte de direction");
        refused(
            &account("enseignant", "Paul", "Martin", ""),
            "accounts",
            "il faut au moins un compte de direction",
        );
        // Pupils, parents and unknown roles.
        for role in ["eleve", "parent", "Direction", "directeur", ""] {
            refused(
                &format!("{head}{}", account(role, "Paul", "Martin", "")),
                "accounts[2].role",
                "rôle attendu parmi direction",
            );
        }
        // Names.
        refused(
            &account("direction", " Hélène", "Lefèvre", ""),
            "accounts[1].first_name",
            "sans espaces autour",
        );
        refused(
            &account("direction", "Hélène", &"x".repeat(101), ""),
            "accounts[1].last_name",
            "de 1 à 100 caractères",
        );
        refused(
            &account("direction", "Hélène", "", ""),
            "accounts[1].last_name",
            "de 1 à 100 caractères",
        );
        // Logins: shape and uniqueness.
        for login in ["HL", "Helene.Lefevre", "hélène", "h l", &"a".repeat(65)] {
            refused(
                &account("direction", "Hélène", "Lefèvre", login),
                "accounts[1].login",
                "n'est pas un identifiant de connexion",
            );
        }
        refused(
            &format!(
                "{}{}",
                account("direction", "Hélène", "Lefèvre", "direction"),
                account("enseignant", "Paul", "Martin", "direction")
            ),
            "accounts[2].login",
            "l'identifiant « direction » est donné à deux comptes",
        );
        // E-mail.
        refused(
            &format!("{head}email = \"direction\"\n"),
            "accounts[1].email",
            "n'est pas une adresse électronique",
        );
        // Unknown keys.
        let e = Description::parse(&with_accounts(&format!("{head}password = \"x\"\n")))
            .expect_err("unknown key");
        assert!(e.to_string().contains("password"), "{e}");
        // At most 50.
        let many: String = std::iter::once(head.clone())
            .chain((1..=50).map(|i| account("enseignant", "Paul", &format!("Martin{i}"), "")))
            .collect();
        refused(&many, "accounts", "50 au plus");
        let fifty: String = std::iter::once(head)
            .chain((1..50).map(|i| account("enseignant", "Paul", &format!("Martin{i}"), "")))
            .collect();
        assert_eq!(
            Description::parse(&with_accounts(&fifty))
                .expect("fifty")
                .accounts
                .len(),
            50
        );
    }
}
