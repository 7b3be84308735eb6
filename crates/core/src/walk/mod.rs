//! Walks (axes 3 and 5): professionals' neighbourhood walks (tours de quartier), women's
//! exploratory walks (marches exploratoires) and the twice-yearly GUSP evaluations. A walk has
//! an observation grid (items kept as data per kind, each rated on one scale) and findings
//! placed on the map, each of which may become a report. Counts only: a walk names nobody.
//! Plain rules, no storage.

pub use crate::activity::{AGE_BANDS, SEXES};
pub use crate::working_group::case::{Choice, Fault, known, label};
use std::collections::BTreeMap;
use time::Date;

coded! {
    /// What kind of walk.
    WalkKind {
        Neighbourhood => ("tour_de_quartier", "Tour de quartier entre professionnels"),
        Exploratory => ("marche_exploratoire", "Marche exploratoire de femmes"),
        Gusp => ("gusp", "Évaluation GUSP (gestion urbaine de proximité)"),
    }
}

coded! {
    /// How serious a finding is.
    Severity {
        Minor => ("gene", "Gêne"),
        Serious => ("dysfonctionnement", "Dysfonctionnement important"),
        Danger => ("danger", "Danger pour les personnes"),
    }
}

/// A kind's label, or the code itself when no kind has it.
pub fn kind_label(code: &str) -> &str {
    match WalkKind::from_code(code) {
        Some(k) => k.label(),
        None => code,
    }
}

pub fn severity_label(code: &str) -> &str {
    match Severity::from_code(code) {
        Some(s) => s.label(),
        None => code,
    }
}

/// The grid's scale, worst first: a rating is a whole number from 1 to 4.
pub const RATINGS: &[(i64, &str)] = &[(1, "Très insatisfaisant"), (2, "Insatisfaisant"), (3, "Satisfaisant"), (4, "Très satisfaisant")];

pub fn rating_label(r: i64) -> &'static str {
    RATINGS.iter().find(|(v, _)| *v == r).map_or("—", |(_, l)| l)
}

pub const ROUTE_MAX: usize = 300;
pub const NOTE_MAX: usize = 1000;
pub const COMMENT_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 500;
pub const PLACE_MAX: usize = 200;
pub const ITEM_LABEL_MAX: usize = 80;
/// Participants in one line of the headcount; a walk gathers tens, not thousands.
pub const COUNT_MAX: i64 = 1000;
/// Organisations one walk names.
pub const ORGANISATIONS_MAX: usize = 30;
/// Findings of one walk: a walk's report stays readable.
pub const FINDINGS_MAX: i64 = 200;
/// The first year walks are recorded.
pub const FIRST_YEAR: i32 = crate::activity::FIRST_YEAR;

/// One line of the headcount: how many of an age band and a sex took part.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Headcount {
    pub age_band: String,
    pub sex: String,
    pub count: i64,
}

/// One item of the grid rated on a walk.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rating {
    pub item_id: i64,
    pub rating: i64,
    #[serde(default)]
    pub comment: String,
}

/// A walk as its author fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkDraft {
    pub kind: String,
    pub walked_on: Option<Date>,
    pub district_id: Option<i64>,
    /// The streets walked, as said on the day.
    pub route: String,
    /// Organisations that took part, beside the one that records it.
    pub organisation_ids: Vec<i64>,
    pub headcount: Vec<Headcount>,
    pub ratings: Vec<Rating>,
    pub note: String,
}

/// What the check knows of the lists a walk picks from.
pub struct Known<'a> {
    pub district_ids: &'a [i64],
    pub organisation_ids: &'a [i64],
    /// The grid's items of the walk's kind that may be rated.
    pub item_ids: &'a [i64],
}

/// Every fault of the draft, each under its field.
pub fn check_walk(d: &WalkDraft, today: Date, k: &Known) -> Vec<Fault> {
    let mut faults = Vec::new();
    if WalkKind::from_code(&d.kind).is_none() {
        faults.push(("kind", "Choisissez le type de marche dans la liste.".into()));
    }
    match d.walked_on {
        None => faults.push(("walked_on", "La date de la marche est obligatoire (jj/mm/aaaa).".into())),
        Some(w) if w > today => {
            faults.push(("walked_on", "Une marche se saisit une fois faite : la date ne peut pas être dans le futur.".into()));
        }
        Some(w) if w.year() < FIRST_YEAR => faults.push(("walked_on", format!("Les marches se saisissent depuis {FIRST_YEAR}."))),
        Some(_) => {}
    }
    match d.district_id {
        Some(id) if !k.district_ids.contains(&id) => faults.push(("district_id", "Choisissez le quartier dans la liste.".into())),
        None if d.route.trim().is_empty() => {
            faults.push(("district_id", "Donnez le quartier ou le parcours de la marche (au moins l'un des deux).".into()));
        }
        _ => {}
    }
    if !crate::text::is_text(&d.route, ROUTE_MAX) {
        faults.push(("route", format!("Le parcours compte au plus {ROUTE_MAX} caractères, sans caractère invisible.")));
    }
    if d.organisation_ids.len() > ORGANISATIONS_MAX || d.organisation_ids.iter().any(|id| !k.organisation_ids.contains(id)) {
        faults.push(("organisation_ids", "Choisissez les organisations dans la liste.".into()));
    }
    if let Some(f) = headcount_fault(&d.headcount) {
        faults.push(("headcount", f));
    }
    if let Some(f) = ratings_fault(&d.ratings, k.item_ids) {
        faults.push(("ratings", f));
    }
    if !crate::text::is_text(&d.note, NOTE_MAX) {
        faults.push(("note", format!("La note compte au plus {NOTE_MAX} caractères, sans caractère invisible.")));
    }
    faults
}

fn headcount_fault(lines: &[Headcount]) -> Option<String> {
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if !known(AGE_BANDS, &l.age_band) || !known(SEXES, &l.sex) {
            return Some(format!("Participants, ligne {n} : choisissez l'âge et le sexe dans les listes."));
        }
        if !(1..=COUNT_MAX).contains(&l.count) {
            return Some(format!("Participants, ligne {n} : le nombre va de 1 à {COUNT_MAX}."));
        }
        if lines[..i].iter().any(|o| o.age_band == l.age_band && o.sex == l.sex) {
            return Some(format!("Participants, ligne {n} : cet âge et ce sexe figurent déjà sur une autre ligne."));
        }
    }
    None
}

fn ratings_fault(ratings: &[Rating], items: &[i64]) -> Option<String> {
    for (i, r) in ratings.iter().enumerate() {
        if !items.contains(&r.item_id) {
            return Some("Notez les éléments de la grille de ce type de marche.".into());
        }
        if !RATINGS.iter().any(|(v, _)| *v == r.rating) {
            return Some("Chaque note va de 1 (très insatisfaisant) à 4 (très satisfaisant).".into());
        }
        if ratings[..i].iter().any(|o| o.item_id == r.item_id) {
            return Some("Un élément de la grille reçoit une seule note.".into());
        }
        if !crate::text::is_text(&r.comment, COMMENT_MAX) {
            return Some(format!("Un commentaire de la grille compte au plus {COMMENT_MAX} caractères."));
        }
    }
    None
}

/// Participants in all.
pub fn total(lines: &[Headcount]) -> i64 {
    lines.iter().map(|l| l.count).sum()
}

/// A finding as typed, before it is placed (the caller locates the point in the territory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingDraft {
    /// The grid's item it falls under, if any.
    pub item_id: Option<i64>,
    pub description: String,
    /// A landmark or an address ("hall B, 12 rue …").
    pub place: String,
    pub severity: String,
}

/// Every fault of a finding's text, each under its field.
pub fn check_finding(d: &FindingDraft, item_ids: &[i64]) -> Vec<Fault> {
    let mut faults = Vec::new();
    if d.item_id.is_some_and(|id| !item_ids.contains(&id)) {
        faults.push(("item_id", "Choisissez l'élément de la grille dans la liste.".into()));
    }
    if d.description.trim().is_empty() {
        faults.push(("description", "Décrivez ce qui a été constaté.".into()));
    } else if !crate::text::is_text(&d.description, DESCRIPTION_MAX) {
        faults.push(("description", format!("La description compte au plus {DESCRIPTION_MAX} caractères, sans caractère invisible.")));
    }
    if !d.place.trim().is_empty() && !crate::text::is_name(&d.place, PLACE_MAX) {
        faults.push(("place", format!("Le repère compte au plus {PLACE_MAX} caractères, sur une ligne.")));
    }
    if Severity::from_code(&d.severity).is_none() {
        faults.push(("severity", "Choisissez la gravité dans la liste.".into()));
    }
    faults
}

/// The fault of a grid item's label, if any.
pub fn item_label_fault(label: &str) -> Option<String> {
    (!crate::text::is_name(label, ITEM_LABEL_MAX))
        .then(|| format!("Donnez un intitulé d'au plus {ITEM_LABEL_MAX} caractères, sur une ligne."))
}

/// A half-year, the GUSP's period: (year, 1 or 2).
pub type HalfYear = (i32, u8);

pub fn half_of(d: Date) -> HalfYear {
    (d.year(), if u8::from(d.month()) <= 6 { 1 } else { 2 })
}

pub fn half_label((year, half): HalfYear) -> String {
    format!("{} semestre {year}", if half == 1 { "1er" } else { "2e" })
}

/// One rating given on a GUSP walk, as the synthesis reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GivenRating {
    pub item_id: i64,
    pub walked_on: Date,
    pub rating: i64,
}

/// The average of an item's ratings over a half-year, in tenths (31 = 3,1), and how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Average {
    pub tenths: i64,
    pub count: i64,
}

impl Average {
    pub fn text(self) -> String {
        format!("{},{}", self.tenths / 10, self.tenths % 10)
    }
}

/// The GUSP synthesis of a district: each item's average per half-year, periods in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Synthesis {
    pub periods: Vec<HalfYear>,
    /// (item id, one average per period, `None` where it was not rated).
    pub items: Vec<(i64, Vec<Option<Average>>)>,
}

/// Averages ratings by item and half-year, rounded half up to a tenth.
pub fn synthesis(ratings: &[GivenRating]) -> Synthesis {
    let mut sums: BTreeMap<(i64, HalfYear), (i64, i64)> = BTreeMap::new();
    for r in ratings {
        let e = sums.entry((r.item_id, half_of(r.walked_on))).or_default();
        e.0 += r.rating;
        e.1 += 1;
    }
    let mut periods: Vec<HalfYear> = sums.keys().map(|(_, p)| *p).collect();
    periods.sort_unstable();
    periods.dedup();
    let mut items: Vec<i64> = sums.keys().map(|(i, _)| *i).collect();
    items.dedup();
    let items = items
        .into_iter()
        .map(|item| {
            let row = periods
                .iter()
                .map(|p| sums.get(&(item, *p)).map(|(sum, n)| Average { tenths: (sum * 20 + n) / (2 * n), count: *n }))
                .collect();
            (item, row)
        })
        .collect();
    Synthesis { periods, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 15);

    fn draft() -> WalkDraft {
        WalkDraft {
            kind: "tour_de_quartier".into(),
            walked_on: Some(date!(2026 - 06 - 01)),
            district_id: Some(7),
            headcount: vec![Headcount { age_band: "26_plus".into(), sex: "F".into(), count: 6 }],
            ratings: vec![Rating { item_id: 1, rating: 2, comment: String::new() }],
            ..WalkDraft::default()
        }
    }

    fn check(d: &WalkDraft) -> Vec<&'static str> {
        check_walk(d, TODAY, &Known { district_ids: &[7], organisation_ids: &[3], item_ids: &[1, 2] }).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_complete_walk_passes_and_a_route_stands_for_a_district() {
        assert!(check(&draft()).is_empty());
        assert!(check(&WalkDraft { district_id: None, route: "Rue Paul Vaillant-Couturier".into(), ..draft() }).is_empty());
    }

    #[test]
    fn each_fault_is_named_by_its_field() {
        type Change = Box<dyn Fn(&mut WalkDraft)>;
        let cases: Vec<(&str, Change)> = vec![
            ("kind", Box::new(|d| d.kind = "promenade".into())),
            ("walked_on", Box::new(|d| d.walked_on = None)),
            ("walked_on", Box::new(|d| d.walked_on = Some(date!(2026 - 06 - 16)))),
            ("walked_on", Box::new(|d| d.walked_on = Some(date!(1999 - 12 - 31)))),
            ("district_id", Box::new(|d| d.district_id = Some(8))),
            ("district_id", Box::new(|d| d.district_id = None)),
            ("route", Box::new(|d| d.route = "x".repeat(ROUTE_MAX + 1))),
            ("organisation_ids", Box::new(|d| d.organisation_ids = vec![4])),
            ("headcount", Box::new(|d| d.headcount[0].count = 0)),
            ("headcount", Box::new(|d| d.headcount[0].sex = "X".into())),
            ("headcount", Box::new(|d| d.headcount.push(d.headcount[0].clone()))),
            ("ratings", Box::new(|d| d.ratings[0].item_id = 9)),
            ("ratings", Box::new(|d| d.ratings[0].rating = 5)),
            ("ratings", Box::new(|d| d.ratings.push(d.ratings[0].clone()))),
            ("note", Box::new(|d| d.note = "\u{7}".into())),
        ];
        for (field, change) in cases {
            let mut d = draft();
            change(&mut d);
            assert_eq!(check(&d), vec![field], "{field}");
        }
    }

    #[test]
    fn a_finding_needs_a_description_and_a_severity() {
        let ok =
            FindingDraft { item_id: Some(1), description: "Lampadaire éteint".into(), place: "Square".into(), severity: "gene".into() };
        assert!(check_finding(&ok, &[1]).is_empty());
        let faults: Vec<_> =
            check_finding(&FindingDraft { item_id: Some(2), ..FindingDraft::default() }, &[1]).into_iter().map(|(f, _)| f).collect();
        assert_eq!(faults, vec!["item_id", "description", "severity"]);
        assert_eq!(check_finding(&FindingDraft { place: "a\nb".into(), ..ok }, &[1])[0].0, "place");
    }

    #[test]
    fn the_synthesis_averages_by_item_and_half_year() {
        let r = |item_id, walked_on, rating| GivenRating { item_id, walked_on, rating };
        let s = synthesis(&[
            r(1, date!(2020 - 03 - 01), 2),
            r(1, date!(2020 - 05 - 01), 3),
            r(1, date!(2020 - 10 - 01), 4),
            r(2, date!(2020 - 10 - 01), 1),
        ]);
        assert_eq!(s.periods, vec![(2020, 1), (2020, 2)]);
        assert_eq!(s.items[0].0, 1);
        assert_eq!(s.items[0].1[0].map(Average::text).as_deref(), Some("2,5"));
        assert_eq!(s.items[0].1[1], Some(Average { tenths: 40, count: 1 }));
        assert_eq!(s.items[1].1[0], None);
        assert_eq!(half_label((2020, 2)), "2e semestre 2020");
        // 2, 2, 3 → 2,33… → 2,3 ; 2, 3, 3 → 2,67 → 2,7
        let s = synthesis(&[r(1, date!(2020 - 01 - 01), 2), r(1, date!(2020 - 01 - 02), 2), r(1, date!(2020 - 01 - 03), 3)]);
        assert_eq!(s.items[0].1[0].map(Average::text).as_deref(), Some("2,3"));
        let s = synthesis(&[r(1, date!(2020 - 01 - 01), 2), r(1, date!(2020 - 01 - 02), 3), r(1, date!(2020 - 01 - 03), 3)]);
        assert_eq!(s.items[0].1[0].map(Average::text).as_deref(), Some("2,7"));
    }
}
