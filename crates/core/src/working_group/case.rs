//! A situation (`case`) followed by a working group: only what AU-038 art. 3 allows (privacy
//! rules §2). Every choice is a pre-defined list (the CNIL's remedy to free-text comments);
//! the few free texts are short and bounded, with the charter's art. 3 reminder beside them.

use super::check_birth_date;
use crate::text::{is_name, is_plausible_email, is_text};
use serde::{Deserialize, Serialize};
use time::Date;

/// One entry of a pre-defined list: the stored code and the French label.
pub type Choice = (&'static str, &'static str);

/// The label of `code` in `list`, or the code itself when the list no longer holds it.
pub fn label<'a>(list: &[Choice], code: &'a str) -> &'a str
where
    'static: 'a,
{
    list.iter().find(|(c, _)| *c == code).map_or(code, |(_, l)| l)
}

pub fn known(list: &[Choice], code: &str) -> bool {
    list.iter().any(|(c, _)| *c == code)
}

pub const SEXES: &[Choice] = &[("F", "Féminin"), ("M", "Masculin")];

/// School level or job situation.
pub const SCHOOL_OR_JOB: &[Choice] = &[
    ("elementaire", "École élémentaire"),
    ("college", "Collège"),
    ("lycee", "Lycée"),
    ("apprentissage", "Apprentissage, formation professionnelle"),
    ("sans_solution", "Sans solution scolaire"),
    ("emploi", "En emploi"),
    ("sans_emploi", "Sans emploi"),
    ("autre", "Autre"),
];

/// Where the follow-up comes from.
pub const ORIGINS: &[Choice] = &[
    ("education", "Établissement scolaire, Éducation nationale"),
    ("social", "Service social (CCAS, département)"),
    ("ase", "Aide sociale à l'enfance"),
    ("police", "Police nationale ou municipale"),
    ("justice", "Justice (parquet, PJJ, SPIP)"),
    ("bailleur", "Bailleur social"),
    ("mediation", "Médiation, prévention spécialisée"),
    ("association", "Association"),
    ("famille", "La personne ou sa famille"),
    ("autre", "Autre partenaire"),
];

/// The programme (dispositif) the follow-up belongs to.
pub const PROGRAMMES: &[Choice] = &[
    ("cve", "Cellule de Veille Éducative"),
    ("pre", "Programme de Réussite Éducative"),
    ("fil_continu", "Fil continu (élèves exclus temporairement)"),
    ("mec", "Modules Éducatifs et de Citoyenneté"),
    ("vff", "Accompagnement des femmes victimes de violences"),
    ("tig", "Travail d'intérêt général, mesure de réparation"),
    ("aide_victimes", "Aide aux victimes"),
    ("autre", "Autre dispositif"),
];

/// What was done.
pub const ACTION_KINDS: &[Choice] = &[
    ("entretien", "Entretien avec la personne ou la famille"),
    ("orientation", "Orientation vers un dispositif"),
    ("scolarite", "Accompagnement de la scolarité"),
    ("mediation", "Médiation"),
    ("mise_a_l_abri", "Mise à l'abri, hébergement"),
    ("social", "Accompagnement social"),
    ("droit", "Accès au droit, accompagnement juridique"),
    ("soin", "Orientation vers le soin"),
    ("insertion", "Insertion, formation, emploi"),
    ("autre", "Autre action"),
];

/// The result of an action.
pub const ACTION_RESULTS: &[Choice] = &[
    ("en_cours", "En cours"),
    ("atteint", "Réalisée, objectif atteint"),
    ("partiel", "Réalisée en partie"),
    ("refus", "Refusée par la personne ou la famille"),
    ("sans_suite", "Sans suite"),
    ("reoriente", "Réorientée"),
];

/// How a follow-up ended.
pub const OUTCOMES: &[Choice] = &[
    ("objectifs_atteints", "Objectifs atteints"),
    ("relais", "Relais pris par une institution"),
    ("demenagement", "Départ de la commune"),
    ("refus", "Refus de la personne ou de la famille"),
    ("age", "Fin de prise en charge (âge)"),
    ("autre", "Autre"),
];

/// How a person was informed (charter art. 4, privacy rules §4).
pub const INFORMING_MEANS: &[Choice] =
    &[("entretien", "Lors d'un entretien"), ("courrier", "Par courrier"), ("telephone", "Par téléphone")];

/// Why informing was deferred.
pub const DEFERRAL_REASONS: &[Choice] = &[
    ("danger", "L'information mettrait la personne en danger"),
    ("procedure", "Une procédure judiciaire en cours l'interdit pour l'instant"),
    ("injoignable", "Personne et représentants injoignables"),
];

/// What a group decided about a situation in a meeting: counted in the relevé de conclusions,
/// so that it says what was decided without a word about anyone.
pub const DECISION_KINDS: &[Choice] = &[
    ("orientation", "Orientation vers un dispositif ou un service"),
    ("accompagnement", "Accompagnement renforcé par un professionnel"),
    ("famille", "Rencontre avec la famille"),
    ("scolarite", "Solution scolaire ou de formation"),
    ("protection", "Mesure de protection à solliciter"),
    ("veille", "Maintien en veille"),
    ("cloture", "Fin du suivi par le groupe"),
    ("autre", "Autre décision"),
];

/// Age bands of the figures (privacy rules §7: counts, never persons).
pub const AGE_BANDS: &[(i32, i32, &str)] = &[
    (0, 10, "moins de 11 ans"),
    (11, 13, "11 à 13 ans"),
    (14, 15, "14 et 15 ans"),
    (16, 17, "16 et 17 ans"),
    (18, 20, "18 à 20 ans"),
    (21, 24, "21 à 24 ans"),
];

/// Whole years of age on `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) { years - 1 } else { years }
}

/// The label of the age band of someone born on `birth`, on `on`.
pub fn age_band(birth: Date, on: Date) -> &'static str {
    let age = age_on(birth, on);
    AGE_BANDS.iter().find(|(lo, hi, _)| (*lo..=*hi).contains(&age)).map_or("25 ans et plus", |(_, _, l)| l)
}

/// Why an archived situation is opened, or a person's data rectified or erased (privacy
/// rules §3, §4): a list, so that the journal records the reason without a free text that
/// could name someone.
pub const ACCESS_REASONS: &[Choice] = &[
    ("droit_acces", "Demande d'accès de la personne ou de ses représentants"),
    ("rectification", "Demande de rectification ou d'effacement"),
    ("requisition", "Réquisition judiciaire"),
    ("controle", "Contrôle interne ou du délégué à la protection des données"),
    ("reprise", "Nouvelle orientation vers le groupe"),
    ("erreur", "Donnée inexacte ou enregistrée par erreur"),
];

/// Bounds of the free texts (charter art. 3: factual, sure, strictly necessary).
pub const NOTE_MAX: usize = 300;
pub const JUDICIAL_MAX: usize = 300;
pub const REASON_MAX: usize = 200;
/// Representatives a minor's file may name.
pub const REPRESENTATIVES_MAX: usize = 2;

/// A legal representative of a minor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    pub surname: String,
    pub first_name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
}

/// Who the situation is about: what is sealed at rest, as one value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub surname: String,
    pub first_name: String,
    pub sex: String,
    /// `yyyy-mm-dd`.
    pub birth_date: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// A code of [`SCHOOL_OR_JOB`].
    pub school_or_job: String,
    #[serde(default)]
    pub representatives: Vec<Representative>,
}

impl Identity {
    pub fn birth(&self) -> Option<Date> {
        crate::time_fmt::parse_iso_date(&self.birth_date)
    }

    /// "DUPONT Émilie"
    pub fn display_name(&self) -> String {
        format!("{} {}", self.surname.trim().to_uppercase(), self.first_name.trim())
    }

    /// Whether the person is under 18 on `today`.
    pub fn is_minor(&self, today: Date) -> bool {
        self.birth().and_then(|b| super::years_after(b, 18)).is_some_and(|adult| adult > today)
    }
}

/// One fault of a form, by field name.
pub type Fault = (&'static str, String);

fn phone_ok(p: &str) -> bool {
    let p = p.trim();
    p.is_empty() || (p.chars().count() <= 20 && p.chars().all(|c| c.is_ascii_digit() || " +.-()".contains(c)))
}

fn contact_faults(prefix: &'static [&'static str; 3], address: &str, phone: &str, email: &str, faults: &mut Vec<Fault>) {
    if !address.trim().is_empty() && !is_name(address, 200) {
        faults.push((prefix[0], "L'adresse tient sur une ligne de 200 caractères au plus.".into()));
    }
    if !phone_ok(phone) {
        faults.push((prefix[1], "Le téléphone : des chiffres, espaces et « + », 20 caractères au plus.".into()));
    }
    if !email.trim().is_empty() && !is_plausible_email(email) {
        faults.push((prefix[2], "L'adresse e-mail n'est pas valide.".into()));
    }
}

/// Every fault of an identity for a new situation on `today`, each by its form field.
pub fn check_identity(id: &Identity, today: Date) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !is_name(&id.surname, 100) {
        faults.push(("surname", "Le nom est obligatoire (100 caractères au plus).".into()));
    }
    if !is_name(&id.first_name, 100) {
        faults.push(("first_name", "Le prénom est obligatoire (100 caractères au plus).".into()));
    }
    if !known(SEXES, &id.sex) {
        faults.push(("sex", "Choisissez le sexe dans la liste.".into()));
    }
    match id.birth() {
        None => faults.push(("birth_date", "La date de naissance est obligatoire, au format jj/mm/aaaa.".into())),
        Some(b) => {
            if let Err(e) = check_birth_date(b, today) {
                faults.push(("birth_date", format!("Date de naissance refusée : {e}.")));
            }
        }
    }
    contact_faults(&["address", "phone", "email"], &id.address, &id.phone, &id.email, &mut faults);
    if !known(SCHOOL_OR_JOB, &id.school_or_job) {
        faults.push(("school_or_job", "Choisissez la scolarité ou la situation professionnelle dans la liste.".into()));
    }
    if id.representatives.len() > REPRESENTATIVES_MAX {
        faults.push(("rep1_surname", format!("{REPRESENTATIVES_MAX} représentants légaux au plus.")));
    }
    const REP: [[&str; 5]; 2] = [
        ["rep1_surname", "rep1_first_name", "rep1_address", "rep1_phone", "rep1_email"],
        ["rep2_surname", "rep2_first_name", "rep2_address", "rep2_phone", "rep2_email"],
    ];
    for (r, f) in id.representatives.iter().zip(REP.iter()) {
        if !is_name(&r.surname, 100) || !is_name(&r.first_name, 100) {
            faults.push((f[0], "Le nom et le prénom du représentant légal sont obligatoires (100 caractères au plus).".into()));
        }
        let fields: &'static [&'static str; 3] = match f[0] {
            "rep1_surname" => &["rep1_address", "rep1_phone", "rep1_email"],
            _ => &["rep2_address", "rep2_phone", "rep2_email"],
        };
        contact_faults(fields, &r.address, &r.phone, &r.email, &mut faults);
    }
    faults
}

/// A short free text: at most `max` characters, one paragraph or a few lines.
pub fn check_note(field: &'static str, text: &str, max: usize, faults: &mut Vec<Fault>) {
    if !is_text(text, max) {
        faults.push((field, format!("{max} caractères au plus : des faits sûrs et strictement nécessaires (charte, article 3).")));
    }
}

/// A code chosen in a list.
pub fn check_choice(field: &'static str, list: &[Choice], code: &str, what: &str, faults: &mut Vec<Fault>) {
    if !known(list, code) {
        faults.push((field, format!("Choisissez {what} dans la liste.")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn identity() -> Identity {
        Identity {
            surname: "Martin".into(),
            first_name: "Léa".into(),
            sex: "F".into(),
            birth_date: "2011-03-04".into(),
            school_or_job: "college".into(),
            ..Identity::default()
        }
    }

    #[test]
    fn an_identity_is_checked_field_by_field() {
        let today = date!(2026 - 11 - 30);
        assert!(check_identity(&identity(), today).is_empty());
        let bad = Identity {
            surname: " ".into(),
            sex: "X".into(),
            birth_date: "2030-01-01".into(),
            phone: "06 12 34 56 78 <script>".into(),
            email: "a@b".into(),
            school_or_job: "prison".into(),
            representatives: vec![Representative { surname: "Martin".into(), ..Representative::default() }],
            ..identity()
        };
        let fields: Vec<&str> = check_identity(&bad, today).iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["surname", "sex", "birth_date", "phone", "email", "school_or_job", "rep1_surname"]);
        let old = Identity { birth_date: "2000-01-01".into(), ..identity() };
        assert_eq!(check_identity(&old, today)[0].0, "birth_date");
    }

    #[test]
    fn minors_and_names() {
        let id = identity();
        assert!(id.is_minor(date!(2026 - 11 - 30)));
        assert!(!id.is_minor(date!(2029 - 03 - 04)));
        assert_eq!(id.display_name(), "MARTIN Léa");
        assert_eq!(label(ORIGINS, "police"), "Police nationale ou municipale");
        assert_eq!(label(ORIGINS, "disparu"), "disparu");
    }

    #[test]
    fn ages_fall_in_bands() {
        assert_eq!(age_on(date!(2010 - 12 - 02), date!(2026 - 12 - 01)), 15);
        assert_eq!(age_on(date!(2010 - 12 - 02), date!(2026 - 12 - 02)), 16);
        assert_eq!(age_band(date!(2010 - 12 - 02), date!(2026 - 12 - 02)), "16 et 17 ans");
        assert_eq!(age_band(date!(2020 - 01 - 01), date!(2026 - 12 - 02)), "moins de 11 ans");
    }

    #[test]
    fn notes_are_bounded() {
        let mut faults = Vec::new();
        check_note("note", &"x".repeat(NOTE_MAX), NOTE_MAX, &mut faults);
        assert!(faults.is_empty());
        check_note("note", &"x".repeat(NOTE_MAX + 1), NOTE_MAX, &mut faults);
        assert_eq!(faults.len(), 1);
    }
}
