//! Community service (TIG) and reparation measures (axis 2): host structures, their posts and
//! tutors, tutor trainings, and placements. A placement is pseudonymised: the person is known
//! only by the referring service's file reference (sealed at rest), an age band and a sex, so
//! that figures can be broken down without anyone's name ever entering the file. Plain rules,
//! no storage.
//!
//! - Coherence: a minor's measure (reparation, TIG from 16) is referred by the PJJ; an adult's
//!   TIG by the SPIP. Hours are those of the Code pénal (art. 131-8: 20 to 400 hours); a
//!   reparation measure counts none.
//! - Dates follow the measure: decision, referral to a post, start, end; nothing after today
//!   but a planned start.
//! - Retention (privacy rules §3): a placement stays while the measure runs, then three years
//!   after its end, then it is destroyed. The file holds no birth date, so the 25th-birthday
//!   limit of the working groups' situations cannot be computed here; the archive's three
//!   years end first for every minor's measure.

use crate::text::{is_invisible, is_name};
pub use crate::working_group::case::{Choice, Fault, check_choice, known, label};
use crate::working_group::{ARCHIVE_YEARS, years_after};
use time::{Date, Duration};

/// The measures a post hosts.
pub const MEASURES: &[Choice] = &[
    ("tig", "Travail d'intérêt général (majeur)"),
    ("tig_mineur", "Travail d'intérêt général (mineur de 16 à 18 ans)"),
    ("reparation", "Mesure de réparation (mineur)"),
];

/// The service that refers the person to a post.
pub const REFERRERS: &[Choice] =
    &[("spip", "SPIP (service pénitentiaire d'insertion et de probation)"), ("pjj", "PJJ (protection judiciaire de la jeunesse)")];

pub const STRUCTURE_KINDS: &[Choice] = &[
    ("service_municipal", "Service municipal"),
    ("association", "Association"),
    ("bailleur", "Bailleur social"),
    ("etablissement_public", "Établissement public"),
    ("autre", "Autre structure"),
];

/// How a measure ended.
pub const OUTCOMES: &[Choice] = &[
    ("realisee", "Mesure réalisée"),
    ("interrompue", "Mesure interrompue (incident, absences)"),
    ("non_executee", "Mesure non exécutée"),
    ("reorientee", "Personne réorientée vers une autre structure"),
];

/// Age bands at the decision: a minor's bands only for a minor's measure.
pub const AGE_BANDS: &[Choice] =
    &[("13_15", "13 à 15 ans"), ("16_17", "16 à 17 ans"), ("18_25", "18 à 25 ans"), ("26_plus", "26 ans et plus")];

pub const SEXES: &[Choice] = &[("F", "Femme"), ("M", "Homme")];

/// Hours of a TIG (Code pénal, art. 131-8).
pub const HOURS_MIN: i64 = 20;
pub const HOURS_MAX: i64 = 400;
/// A file reference of the SPIP or the PJJ.
pub const REFERENCE_MAX: usize = 40;
/// Names of structures, services, tutors, trainings.
pub const NAME_MAX: usize = 120;
/// Places a post offers at once.
pub const PLACES_MAX: i64 = 50;

/// Whether the measure is a minor's.
pub fn for_minors(measure: &str) -> bool {
    matches!(measure, "tig_mineur" | "reparation")
}

/// A placement as a member of the community-service group fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementDraft {
    pub reference: String,
    pub referrer: String,
    pub measure: String,
    pub sex: String,
    pub age_band: String,
    pub post_id: Option<i64>,
    pub decided_on: Option<Date>,
    pub referred_on: Option<Date>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub hours_ordered: Option<i64>,
    pub hours_done: i64,
    pub outcome: String,
}

/// A file reference: letters, digits and separators only, so that no name is typed there.
fn reference_ok(r: &str) -> bool {
    let r = r.trim();
    !r.is_empty()
        && r.chars().count() <= REFERENCE_MAX
        && r.chars().all(|c| c.is_ascii_alphanumeric() || " -/._".contains(c))
        && r.chars().any(|c| c.is_ascii_digit())
}

/// Every fault of a placement, each by its field. `today` bounds the dates; `post_minors` says
/// whether the chosen post accepts minors (`None` when no post is chosen yet).
pub fn check_placement(p: &PlacementDraft, today: Date, post_minors: Option<bool>) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !reference_ok(&p.reference) {
        faults.push((
            "reference",
            format!(
                "Indiquez le numéro de dossier du service qui oriente ({REFERENCE_MAX} caractères au plus, avec au moins un chiffre : chiffres, lettres sans accent, tirets) ; jamais le nom de la personne."
            ),
        ));
    }
    check_choice("referrer", REFERRERS, &p.referrer, "le service qui oriente", &mut faults);
    check_choice("measure", MEASURES, &p.measure, "la mesure", &mut faults);
    check_choice("sex", SEXES, &p.sex, "le sexe", &mut faults);
    check_choice("age_band", AGE_BANDS, &p.age_band, "la tranche d'âge", &mut faults);
    let minor = for_minors(&p.measure);
    if !p.measure.is_empty() && known(MEASURES, &p.measure) {
        if minor && p.referrer == "spip" {
            faults.push(("referrer", "La mesure d'un mineur est suivie par la PJJ, pas par le SPIP.".into()));
        }
        let minor_band = matches!(p.age_band.as_str(), "13_15" | "16_17");
        if known(AGE_BANDS, &p.age_band) && minor != minor_band {
            faults.push(("age_band", "La tranche d'âge ne correspond pas à la mesure (mineur ou majeur).".into()));
        }
        if p.measure == "tig_mineur" && p.age_band == "13_15" {
            faults.push(("age_band", "Le travail d'intérêt général n'est possible qu'à partir de 16 ans.".into()));
        }
        if minor && post_minors == Some(false) {
            faults.push(("post_id", "Ce poste n'accueille pas de mineurs.".into()));
        }
    }
    match (p.measure.as_str(), p.hours_ordered) {
        ("reparation", None) => {}
        ("reparation", Some(_)) => faults.push(("hours_ordered", "Une mesure de réparation ne compte pas d'heures prononcées.".into())),
        (_, Some(h)) if (HOURS_MIN..=HOURS_MAX).contains(&h) => {}
        _ => faults
            .push(("hours_ordered", format!("Le nombre d'heures prononcées va de {HOURS_MIN} à {HOURS_MAX} (Code pénal, art. 131-8)."))),
    }
    if p.hours_done < 0 || p.hours_ordered.is_some_and(|h| p.hours_done > h) || (p.hours_ordered.is_none() && p.hours_done > 0) {
        faults.push(("hours_done", "Les heures effectuées vont de 0 aux heures prononcées.".into()));
    }
    check_dates(p, today, &mut faults);
    if p.started_on.is_some() && p.post_id.is_none() {
        faults.push(("post_id", "Une mesure commencée, ou dont le début est prévu, a un poste.".into()));
    }
    match (p.ended_on.is_some(), p.outcome.is_empty()) {
        (true, true) => faults.push(("outcome", "Indiquez comment la mesure s'est terminée.".into())),
        (false, false) => faults.push(("ended_on", "Une mesure terminée a une date de fin.".into())),
        (true, false) => {
            check_choice("outcome", OUTCOMES, &p.outcome, "l'issue de la mesure", &mut faults);
            if p.outcome == "realisee" && p.hours_ordered.is_some_and(|h| h != p.hours_done) {
                faults.push(("hours_done", "Une mesure réalisée a effectué toutes les heures prononcées.".into()));
            }
        }
        (false, true) => {}
    }
    faults
}

fn check_dates(p: &PlacementDraft, today: Date, faults: &mut Vec<Fault>) {
    let oldest = years_after(today, -(ARCHIVE_YEARS + 2)).unwrap_or(today);
    match p.decided_on {
        None => faults.push(("decided_on", "La date de la décision est obligatoire.".into())),
        Some(d) if d > today => faults.push(("decided_on", "La date de la décision ne peut pas être dans le futur.".into())),
        Some(d) if d < oldest => faults.push(("decided_on", "Cette décision est trop ancienne pour être enregistrée.".into())),
        Some(_) => {}
    }
    if p.referred_on.is_some_and(|d| d > today) {
        faults.push(("referred_on", "La date d'orientation ne peut pas être dans le futur.".into()));
    }
    // A start may be planned within the year; an end is a fact.
    if p.started_on.is_some_and(|d| d > today + Duration::days(366)) {
        faults.push(("started_on", "Le début prévu est au plus dans un an.".into()));
    }
    if p.ended_on.is_some_and(|d| d > today) {
        faults.push(("ended_on", "La date de fin ne peut pas être dans le futur.".into()));
    }
    if p.ended_on.and_then(destruction_day).is_some_and(|d| d <= today) {
        faults.push(("ended_on", "Cette mesure a pris fin il y a plus de trois ans : elle ne peut plus être conservée.".into()));
    }
    if p.ended_on.is_some() && p.started_on.is_none() && p.outcome != "non_executee" {
        faults.push(("started_on", "Une mesure terminée a une date de début, sauf si elle n'a pas été exécutée.".into()));
    }
    let order = [
        ("referred_on", p.decided_on, p.referred_on, "L'orientation ne peut pas précéder la décision."),
        ("started_on", p.referred_on.or(p.decided_on), p.started_on, "Le début ne peut pas précéder la décision ni l'orientation."),
        ("ended_on", p.started_on.or(p.referred_on).or(p.decided_on), p.ended_on, "La fin ne peut pas précéder le début."),
    ];
    for (field, before, after, message) in order {
        if let (Some(b), Some(a)) = (before, after)
            && a < b
        {
            faults.push((field, message.into()));
        }
    }
}

/// A name of a structure, a service, a tutor or a training as the coordinator types it.
pub fn check_name(field: &'static str, value: &str, what: &str, faults: &mut Vec<Fault>) {
    if value.chars().any(|c| c.is_control() || is_invisible(c)) {
        faults.push((field, format!("{what} contient un caractère invisible ou de contrôle (retour à la ligne compris) : retapez-le.")));
    } else if !is_name(value, NAME_MAX) {
        faults.push((field, format!("{what} est obligatoire ({NAME_MAX} caractères au plus).")));
    }
}

/// A name with its spaces (no-break ones too) made single, for storing and comparing.
pub fn normalise_name(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a placement's keyed hash is computed on: the group and the file number's letters and
/// digits, capitals, so that "spip-92/0143" and "SPIP 92 0143" are one file.
pub fn reference_key(group_id: i64, reference: &str) -> String {
    let folded: String = reference.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
    format!("placement|{group_id}|{folded}")
}

/// The day a placement is destroyed: three years after the measure's end.
pub fn destruction_day(ended_on: Date) -> Option<Date> {
    years_after(ended_on, ARCHIVE_YEARS)
}

/// Whole days from the decision to the start: the sheet asks for TIG carried out "as fast as
/// possible".
pub fn delay_days(decided_on: Date, started_on: Date) -> i64 {
    (started_on - decided_on).whole_days()
}

/// The median of whole days, rounded down; `None` for no value.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]).div_euclid(2) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn adult() -> PlacementDraft {
        PlacementDraft {
            reference: "SPIP92-2026-0143".into(),
            referrer: "spip".into(),
            measure: "tig".into(),
            sex: "M".into(),
            age_band: "18_25".into(),
            post_id: Some(1),
            decided_on: Some(date!(2026 - 09 - 01)),
            referred_on: Some(date!(2026 - 09 - 15)),
            started_on: Some(date!(2026 - 10 - 01)),
            ended_on: None,
            hours_ordered: Some(70),
            hours_done: 21,
            outcome: String::new(),
        }
    }

    fn fields(p: &PlacementDraft, minors: Option<bool>) -> Vec<&'static str> {
        check_placement(p, date!(2026 - 11 - 30), minors).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_coherent_placement_passes() {
        assert!(fields(&adult(), Some(false)).is_empty());
        let minor = PlacementDraft {
            referrer: "pjj".into(),
            measure: "reparation".into(),
            age_band: "13_15".into(),
            hours_ordered: None,
            hours_done: 0,
            ..adult()
        };
        assert!(fields(&minor, Some(true)).is_empty());
        let done = PlacementDraft { ended_on: Some(date!(2026 - 11 - 20)), outcome: "realisee".into(), hours_done: 70, ..adult() };
        assert!(fields(&done, None).is_empty());
    }

    #[test]
    fn a_name_never_goes_in_the_reference() {
        for bad in ["", "Dupont Kevin", "Müller-12", &"1".repeat(REFERENCE_MAX + 1), "12\u{200b}3"] {
            assert_eq!(fields(&PlacementDraft { reference: bad.into(), ..adult() }, None), vec!["reference"], "{bad:?}");
        }
    }

    #[test]
    fn measures_referrers_ages_and_posts_agree() {
        let p = PlacementDraft { measure: "reparation".into(), hours_ordered: None, hours_done: 0, ..adult() };
        assert_eq!(fields(&p, None), vec!["referrer", "age_band"]);
        let p = PlacementDraft { measure: "tig_mineur".into(), referrer: "pjj".into(), age_band: "13_15".into(), ..adult() };
        assert_eq!(fields(&p, Some(false)), vec!["age_band", "post_id"]);
        assert_eq!(fields(&PlacementDraft { measure: "prison".into(), ..adult() }, None), vec!["measure"]);
    }

    #[test]
    fn hours_follow_the_penal_code() {
        assert_eq!(fields(&PlacementDraft { hours_ordered: Some(19), hours_done: 0, ..adult() }, None), vec!["hours_ordered"]);
        assert_eq!(fields(&PlacementDraft { hours_ordered: Some(401), ..adult() }, None), vec!["hours_ordered"]);
        assert_eq!(fields(&PlacementDraft { hours_ordered: None, ..adult() }, None), vec!["hours_ordered", "hours_done"]);
        assert_eq!(fields(&PlacementDraft { hours_done: 71, ..adult() }, None), vec!["hours_done"]);
        assert_eq!(fields(&PlacementDraft { hours_done: -1, ..adult() }, None), vec!["hours_done"]);
        let unfinished = PlacementDraft { ended_on: Some(date!(2026 - 11 - 20)), outcome: "realisee".into(), ..adult() };
        assert_eq!(fields(&unfinished, None), vec!["hours_done"]);
    }

    #[test]
    fn dates_follow_the_measure() {
        assert_eq!(fields(&PlacementDraft { decided_on: None, ..adult() }, None), vec!["decided_on"]);
        assert_eq!(fields(&PlacementDraft { decided_on: Some(date!(2026 - 12 - 01)), ..adult() }, None), vec!["decided_on", "referred_on"]);
        assert_eq!(fields(&PlacementDraft { started_on: Some(date!(2026 - 09 - 10)), ..adult() }, None), vec!["started_on"]);
        assert_eq!(fields(&PlacementDraft { started_on: Some(date!(2027 - 12 - 02)), ..adult() }, None), vec!["started_on"]);
        assert!(fields(&PlacementDraft { started_on: Some(date!(2027 - 01 - 04)), ..adult() }, None).is_empty(), "a planned start");
        assert_eq!(fields(&PlacementDraft { ended_on: Some(date!(2026 - 11 - 20)), ..adult() }, None), vec!["outcome"]);
        assert_eq!(fields(&PlacementDraft { outcome: "realisee".into(), ..adult() }, None), vec!["ended_on"]);
        let never = PlacementDraft { started_on: None, ended_on: Some(date!(2026 - 11 - 20)), outcome: "non_executee".into(), ..adult() };
        assert!(fields(&never, None).is_empty());
        assert_eq!(fields(&PlacementDraft { outcome: "interrompue".into(), ..never }, None), vec!["started_on"]);
    }

    #[test]
    fn a_started_measure_has_a_post_and_nothing_past_its_retention_is_recorded() {
        assert_eq!(fields(&PlacementDraft { post_id: None, ..adult() }, None), vec!["post_id"]);
        assert!(fields(&PlacementDraft { post_id: None, started_on: None, ..adult() }, None).is_empty());
        let old = PlacementDraft {
            decided_on: Some(date!(2023 - 01 - 01)),
            referred_on: None,
            started_on: None,
            ended_on: Some(date!(2023 - 11 - 30)),
            outcome: "non_executee".into(),
            ..adult()
        };
        assert_eq!(fields(&old, None), vec!["ended_on"]);
        assert!(fields(&PlacementDraft { ended_on: Some(date!(2023 - 12 - 01)), ..old }, None).is_empty(), "destroyed tomorrow");
        assert_eq!(reference_key(3, "spip-92/0143"), reference_key(3, " SPIP 92 0143"));
        assert_ne!(reference_key(3, "SPIP-92-0143"), reference_key(4, "SPIP-92-0143"));
        assert_eq!(normalise_name(" Structure \u{a0} sonde "), "Structure sonde");
        let mut faults = Vec::new();
        check_name("name", "Nom\u{200b}", "Le nom", &mut faults);
        assert!(faults[0].1.contains("invisible"));
    }

    #[test]
    fn placements_go_three_years_after_the_end_and_delays_are_whole_days() {
        assert_eq!(destruction_day(date!(2024 - 02 - 29)), Some(date!(2027 - 03 - 01)));
        assert_eq!(delay_days(date!(2026 - 09 - 01), date!(2026 - 10 - 01)), 30);
        assert_eq!(median(&mut [30, 5, 12]), Some(12));
        assert_eq!(median(&mut [30, 5, 12, 7]), Some(9));
        assert_eq!(median(&mut []), None);
    }
}
