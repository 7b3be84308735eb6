//! The directory of help for residents: emergency numbers, victim support, justice, the
//! police station's social worker, associations, online services, with their opening hours and
//! accessible contact details. Public by nature: it names services, never people.

pub use crate::working_group::case::Fault;

coded! {
    /// What kind of help an entry gives: the directory's sections, in this order.
    Category {
        Emergency => ("urgence", "Urgences"),
        Victims => ("victimes", "Aide aux victimes"),
        Violence => ("violences", "Violences conjugales, sexuelles et sexistes"),
        Children => ("enfance", "Enfance en danger"),
        Justice => ("justice", "Justice et accès au droit"),
        Complaint => ("plainte", "Porter plainte, démarches en ligne"),
        Social => ("social", "Accompagnement social"),
        Association => ("association", "Associations locales"),
    }
}

pub const NAME_MAX: usize = 150;
pub const DESCRIPTION_MAX: usize = 600;
pub const LINE_MAX: usize = 300;

/// An entry as the coordinator types it (and as the shipped file gives it).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EntryDraft {
    pub category: String,
    pub name: String,
    pub description: String,
    /// A number to call, as written ("3919", "01 99 00 12 34").
    pub phone: String,
    /// When and at what cost it answers ("gratuit, 24 h/24").
    pub phone_note: String,
    /// A number to text.
    pub sms: String,
    pub email: String,
    pub url: String,
    pub address: String,
    pub hours: String,
    /// How a person with a disability reaches it (step-free access, SMS, sign language…).
    pub accessibility: String,
}

/// A phone number as a `tel:` link takes it: digits only, a leading + kept.
pub fn dial(number: &str) -> String {
    let t = number.trim();
    let plus = if t.starts_with('+') { "+" } else { "" };
    format!("{plus}{}", t.chars().filter(char::is_ascii_digit).collect::<String>())
}

fn is_number(n: &str) -> bool {
    let t = n.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    (2..=15).contains(&digits) && t.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '.' || (c == '+' && i == 0))
}

/// A site's address: `https://`, then a host name of letters, digits, dots and hyphens with a
/// dot inside (no user name before an `@`, no port trick), then an optional path.
fn is_site(url: &str) -> bool {
    let Some(rest) = url.get(..8).filter(|s| s.eq_ignore_ascii_case("https://")).and(url.get(8..)) else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let labels_ok = host.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    crate::text::is_name(url, LINE_MAX)
        && !url.contains(char::is_whitespace)
        && host.contains('.')
        && labels_ok
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

/// Every fault of an entry, by field.
pub fn check(d: &EntryDraft) -> Vec<Fault> {
    let mut faults = Vec::new();
    if Category::from_code(&d.category).is_none() {
        faults.push(("category", "Choisissez la rubrique de l'annuaire.".into()));
    }
    if !crate::text::is_name(&d.name, NAME_MAX) {
        faults.push(("name", format!("Donnez le nom du service, {NAME_MAX} caractères au plus sur une ligne.")));
    }
    if !crate::text::is_text(&d.description, DESCRIPTION_MAX) || d.description.trim().is_empty() {
        faults.push(("description", format!("Dites en quelques mots ce que le service apporte, {DESCRIPTION_MAX} caractères au plus.")));
    }
    for (field, value) in [("phone", &d.phone), ("sms", &d.sms)] {
        if !value.trim().is_empty() && !is_number(value) {
            faults.push((field, "Écrivez le numéro en chiffres, avec des espaces si vous voulez (« 01 99 00 12 34 », « 3919 »).".into()));
        }
    }
    if !d.email.trim().is_empty() && !crate::text::is_plausible_email(d.email.trim()) {
        faults.push(("email", "Cette adresse électronique n'est pas valide.".into()));
    }
    let url = d.url.trim();
    if !url.is_empty() && !is_site(url) {
        faults.push((
            "url",
            "Le site commence par https:// suivi de son nom (« https://www.exemple.fr/page »), sur une ligne, sans espace.".into(),
        ));
    }
    for (field, value) in [("phone_note", &d.phone_note), ("address", &d.address), ("hours", &d.hours), ("accessibility", &d.accessibility)]
    {
        if !value.trim().is_empty() && !crate::text::is_text(value, LINE_MAX) {
            faults.push((field, format!("{LINE_MAX} caractères au plus, sans caractère invisible.")));
        }
    }
    if [&d.phone, &d.sms, &d.email, &d.url, &d.address].iter().all(|v| v.trim().is_empty()) {
        faults.push(("phone", "Donnez au moins un moyen de joindre le service : téléphone, SMS, courriel, site ou adresse.".into()));
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> EntryDraft {
        EntryDraft {
            category: "victimes".into(),
            name: "Aide".into(),
            description: "Écoute".into(),
            phone: "116 006".into(),
            ..EntryDraft::default()
        }
    }

    #[test]
    fn an_entry_needs_a_way_to_reach_it_and_safe_links() {
        assert!(check(&entry()).is_empty());
        assert_eq!(dial("116 006"), "116006");
        assert_eq!(dial("+33 1 99 00 12 34"), "+33199001234");
        let unreachable = EntryDraft { phone: String::new(), ..entry() };
        assert_eq!(check(&unreachable).iter().map(|f| f.0).collect::<Vec<_>>(), ["phone"]);
        for ok in ["https://www.exemple.fr", "HTTPS://EXEMPLE.FR/page?x=1", "https://exemple.fr#ancre"] {
            assert!(check(&EntryDraft { url: ok.into(), ..entry() }).is_empty(), "{ok}");
        }
        for url in [
            "javascript:alert(1)",
            "http://exemple.fr",
            "https://a b",
            "https://",
            "https:///x",
            "https://ok.example@evil.example/",
            "https://localhost",
            "https://-a.fr",
        ] {
            let bad = EntryDraft { url: url.into(), ..entry() };
            assert_eq!(check(&bad).iter().map(|f| f.0).collect::<Vec<_>>(), ["url"], "{url}");
        }
        let letters = EntryDraft { phone: "appelez-nous".into(), ..entry() };
        assert_eq!(check(&letters).iter().map(|f| f.0).collect::<Vec<_>>(), ["phone"]);
    }
}
