//! Actions carried out (the activity journal): what was done under the strategy's sheets —
//! a workshop, a training, a walk, a press article… — when, where, with whom, and for how many
//! participants, counted by public, age band and sex. Counts only: an activity names nobody
//! (its note says so beside the field). Plain rules, no storage; the kinds are data (a table
//! the coordinator can extend), checked against the list the caller passes.

pub use crate::working_group::case::{Choice, Fault, known, label};
use time::Date;

/// Who took part.
pub const PUBLICS: &[Choice] =
    &[("jeunes", "Jeunes"), ("familles", "Familles, parents"), ("professionnels", "Professionnels"), ("habitants", "Habitants")];

/// Age bands of participants; the sheets ask for young people by age and sex.
pub const AGE_BANDS: &[Choice] = &[
    ("moins_12", "Moins de 12 ans"),
    ("12_15", "12 à 15 ans"),
    ("16_17", "16 à 17 ans"),
    ("18_25", "18 à 25 ans"),
    ("26_plus", "26 ans et plus"),
    ("non_precise", "Âge non précisé"),
];

pub const SEXES: &[Choice] = &[("F", "Femmes, filles"), ("M", "Hommes, garçons"), ("non_precise", "Sexe non précisé")];

pub const TITLE_MAX: usize = 120;
/// The first year the journal holds, the strategies' own first year (the lists and figures are
/// by year from then on).
pub const FIRST_YEAR: i32 = *crate::strategy::STRATEGY_YEARS.start();
/// The longest an activity lasts, in days; a scheme running for years is recorded year by year.
pub const LONGEST_DAYS: i64 = 366;
pub const NOTE_MAX: usize = 1000;
/// Participant lines of one activity: one per (public, age band, sex).
pub const LINES_MAX: usize = PUBLICS.len() * AGE_BANDS.len() * SEXES.len();
/// Participants in one line, and professionals present: a festival counts thousands.
pub const COUNT_MAX: i64 = 100_000;
/// Sheets and organisations one activity names.
pub const LINKS_MAX: usize = 30;

/// One line of participants: how many of a public, an age band and a sex.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participants {
    pub public: String,
    pub age_band: String,
    pub sex: String,
    pub count: i64,
}

/// An activity as its author fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityDraft {
    pub kind: String,
    pub title: String,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    /// Ids of the strategy's action sheets it serves.
    pub sheet_ids: Vec<i64>,
    pub district_id: Option<i64>,
    /// Organisations involved, beside the one that records it.
    pub organisation_ids: Vec<i64>,
    pub participants: Vec<Participants>,
    pub professionals_present: i64,
    pub note: String,
}

/// What the check knows of the lists the draft must pick from.
pub struct Known<'a> {
    pub kinds: &'a [String],
    pub sheet_ids: &'a [i64],
    pub district_ids: &'a [i64],
    pub organisation_ids: &'a [i64],
}

/// Every fault of the draft, each under its field (`participants` for the lines).
pub fn check_activity(d: &ActivityDraft, today: Date, k: &Known) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !k.kinds.contains(&d.kind) {
        faults.push(("kind", "Choisissez le type d'action dans la liste.".into()));
    }
    if !crate::text::is_name(&d.title, TITLE_MAX) {
        faults.push(("title", format!("Donnez un intitulé d'au plus {TITLE_MAX} caractères, sur une ligne.")));
    }
    match d.started_on {
        None => faults.push(("started_on", "La date de l'action est obligatoire.".into())),
        Some(s) if s > today => faults.push(("started_on", "Une action réalisée ne peut pas commencer dans le futur.".into())),
        Some(s) if s.year() < FIRST_YEAR => {
            faults.push(("started_on", format!("Le journal tient les actions réalisées depuis {FIRST_YEAR}.")));
        }
        Some(s) => match d.ended_on {
            Some(e) if e < s => faults.push(("ended_on", "La fin précède le début.".into())),
            Some(e) if e > today => faults.push(("ended_on", "Une action réalisée ne peut pas finir dans le futur.".into())),
            Some(e) if (e - s).whole_days() > LONGEST_DAYS => faults.push((
                "ended_on",
                "Une action dure au plus un an : enregistrez une action par année pour ce qui dure plus longtemps.".into(),
            )),
            _ => {}
        },
    }
    if d.sheet_ids.is_empty() {
        faults.push(("sheet_ids", "Choisissez au moins une fiche action de la stratégie.".into()));
    } else if d.sheet_ids.len() > LINKS_MAX || d.sheet_ids.iter().any(|id| !k.sheet_ids.contains(id)) {
        faults.push(("sheet_ids", "Choisissez les fiches dans la liste.".into()));
    }
    if d.district_id.is_some_and(|id| !k.district_ids.contains(&id)) {
        faults.push(("district_id", "Choisissez le quartier dans la liste.".into()));
    }
    if d.organisation_ids.len() > LINKS_MAX || d.organisation_ids.iter().any(|id| !k.organisation_ids.contains(id)) {
        faults.push(("organisation_ids", "Choisissez les organisations dans la liste.".into()));
    }
    if !(0..=COUNT_MAX).contains(&d.professionals_present) {
        faults.push(("professionals_present", format!("Le nombre de professionnels présents va de 0 à {COUNT_MAX}.")));
    }
    if let Some(fault) = participants_fault(&d.participants) {
        faults.push(("participants", fault));
    }
    if !crate::text::is_text(&d.note, NOTE_MAX) {
        faults.push(("note", format!("La note compte au plus {NOTE_MAX} caractères, sans caractère invisible ni de contrôle.")));
    }
    faults
}

fn participants_fault(lines: &[Participants]) -> Option<String> {
    if lines.len() > LINES_MAX {
        return Some(format!("Au plus {LINES_MAX} lignes de participants."));
    }
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if !known(PUBLICS, &l.public) || !known(AGE_BANDS, &l.age_band) || !known(SEXES, &l.sex) {
            return Some(format!("Ligne {n} des participants : choisissez le public, l'âge et le sexe dans les listes."));
        }
        if !(1..=COUNT_MAX).contains(&l.count) {
            return Some(format!("Ligne {n} des participants : le nombre va de 1 à {COUNT_MAX}."));
        }
        if lines[..i].iter().any(|o| o.public == l.public && o.age_band == l.age_band && o.sex == l.sex) {
            return Some(format!("Ligne {n} des participants : ce public, cet âge et ce sexe figurent déjà sur une autre ligne."));
        }
    }
    None
}

/// Participants in all.
pub fn total(lines: &[Participants]) -> i64 {
    lines.iter().map(|l| l.count).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn draft() -> ActivityDraft {
        ActivityDraft {
            kind: "atelier".into(),
            title: "Atelier sur le harcèlement".into(),
            started_on: Some(date!(2026 - 06 - 01)),
            sheet_ids: vec![1],
            participants: vec![Participants { public: "jeunes".into(), age_band: "12_15".into(), sex: "F".into(), count: 12 }],
            ..ActivityDraft::default()
        }
    }

    fn check(d: &ActivityDraft) -> Vec<&'static str> {
        let kinds = vec!["atelier".to_string()];
        let known = Known { kinds: &kinds, sheet_ids: &[1, 2], district_ids: &[7], organisation_ids: &[3] };
        check_activity(d, TODAY, &known).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_complete_activity_passes() {
        assert!(check(&draft()).is_empty());
    }

    #[test]
    fn each_fault_is_named_by_its_field() {
        type Change = Box<dyn Fn(&mut ActivityDraft)>;
        let cases: Vec<(&str, Change)> = vec![
            ("kind", Box::new(|d| d.kind = "inconnu".into())),
            ("title", Box::new(|d| d.title = "x".repeat(TITLE_MAX + 1))),
            ("title", Box::new(|d| d.title = "a\nb".into())),
            ("started_on", Box::new(|d| d.started_on = Some(date!(2026 - 06 - 16)))),
            ("ended_on", Box::new(|d| d.ended_on = Some(date!(2026 - 05 - 31)))),
            ("started_on", Box::new(|d| d.started_on = Some(date!(1999 - 12 - 31)))),
            (
                "ended_on",
                Box::new(|d| {
                    d.started_on = Some(date!(2024 - 06 - 01));
                    d.ended_on = Some(date!(2026 - 06 - 01));
                }),
            ),
            ("sheet_ids", Box::new(|d| d.sheet_ids.clear())),
            ("sheet_ids", Box::new(|d| d.sheet_ids = vec![9])),
            ("district_id", Box::new(|d| d.district_id = Some(8))),
            ("organisation_ids", Box::new(|d| d.organisation_ids = vec![4])),
            ("professionals_present", Box::new(|d| d.professionals_present = -1)),
            ("participants", Box::new(|d| d.participants[0].count = 0)),
            ("participants", Box::new(|d| d.participants[0].sex = "X".into())),
            ("participants", Box::new(|d| d.participants.push(d.participants[0].clone()))),
            ("note", Box::new(|d| d.note = "é".repeat(NOTE_MAX + 1))),
        ];
        for (field, change) in cases {
            let mut d = draft();
            change(&mut d);
            assert_eq!(check(&d), vec![field], "{d:?}");
        }
    }

    #[test]
    fn totals_add_the_lines() {
        let mut d = draft();
        d.participants.push(Participants { public: "familles".into(), age_band: "26_plus".into(), sex: "M".into(), count: 3 });
        assert_eq!(total(&d.participants), 15);
    }
}
