//! Vigik access conventions (axis 3): the agreements by which a landlord or a co-ownership lets
//! the police (and the city's services) open its buildings' electronic entrances. A convention
//! has its parties, the buildings it covers, its dates, and a notice period before its end when
//! the parties are reminded to renew it. No badge number or access code is ever kept here: the
//! convention says who may enter, not how. Plain rules, no storage.

pub use crate::working_group::case::Fault;
use time::{Date, Duration};

coded! {
    /// Whose buildings the convention opens.
    Holder {
        Landlord => ("bailleur", "Bailleur social"),
        CoOwnership => ("copropriete", "Copropriété (syndic)"),
    }
}

pub const REFERENCE_MAX: usize = 120;
pub const PARTIES_MAX: usize = 300;
pub const BUILDING_MAX: usize = 200;
pub const BUILDINGS_MAX: usize = 200;
pub const NOTE_MAX: usize = 1000;
/// How long before its end the parties are reminded by default: three months, the usual notice.
pub const NOTICE_DEFAULT_DAYS: i64 = 90;
/// The longest notice period: a year.
pub const NOTICE_MAX_DAYS: i64 = 365;
/// The longest term one convention (or one renewal) may run: ten years.
pub const TERM_MAX_YEARS: i32 = 10;

/// A convention as the coordinator types it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConventionDraft {
    /// Its reference ("Convention Vigik n° 2020-03").
    pub reference: String,
    pub holder: String,
    /// The organisations that signed it (police, landlord, city).
    pub organisation_ids: Vec<i64>,
    /// Signatories that are not organisations of the CLSPD (a co-ownership's syndic).
    pub other_parties: String,
    /// One building per line: its address and entrances.
    pub buildings: String,
    pub district_id: Option<i64>,
    pub signed_on: Option<Date>,
    pub starts_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub notice_days: i64,
    pub note: String,
}

/// The buildings of a draft: one a line, trimmed, blank lines left out.
pub fn buildings(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// The latest day a term starting `start` may end.
pub fn latest_end(start: Date) -> Date {
    crate::time_fmt::add_years(start, TERM_MAX_YEARS)
}

/// Every fault of a draft: `organisation_ids` are those that exist, `district_ids` the districts;
/// `term_start` is where the current term began when the convention was renewed (its length is
/// counted from there), none for a convention never renewed.
pub fn check(d: &ConventionDraft, today: Date, organisation_ids: &[i64], district_ids: &[i64], term_start: Option<Date>) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !crate::text::is_name(&d.reference, REFERENCE_MAX) {
        faults.push(("reference", format!("Donnez la référence de la convention, {REFERENCE_MAX} caractères au plus sur une ligne.")));
    }
    if Holder::from_code(&d.holder).is_none() {
        faults.push(("holder", "Choisissez à qui sont les immeubles : bailleur ou copropriété.".into()));
    }
    if d.organisation_ids.iter().any(|o| !organisation_ids.contains(o)) {
        faults.push(("organisation_ids", "Choisissez les signataires dans la liste des organisations.".into()));
    }
    let others = d.other_parties.trim();
    if !others.is_empty() && !crate::text::is_name(others, PARTIES_MAX) {
        faults.push(("other_parties", format!("Les autres signataires tiennent sur une ligne de {PARTIES_MAX} caractères au plus.")));
    } else if distinct(&d.organisation_ids) + usize::from(!others.is_empty()) < 2 {
        faults.push((
            "organisation_ids",
            "Une convention a au moins deux signataires : cochez les organisations ou nommez le syndic.".into(),
        ));
    }
    let list = buildings(&d.buildings);
    if list.is_empty() {
        faults.push(("buildings", "Donnez au moins un immeuble couvert, un par ligne (adresse et entrées).".into()));
    } else if list.len() > BUILDINGS_MAX {
        faults.push(("buildings", format!("Une convention couvre {BUILDINGS_MAX} immeubles au plus : faites-en plusieurs.")));
    } else if let Some(n) = list.iter().position(|b| !crate::text::is_name(b, BUILDING_MAX)) {
        faults.push(("buildings", format!("La ligne {} dépasse {BUILDING_MAX} caractères ou contient un caractère de contrôle.", n + 1)));
    } else if looks_like_a_code(&d.buildings) {
        faults.push(("buildings", NO_CODE.into()));
    }
    if d.district_id.is_some_and(|id| !district_ids.contains(&id)) {
        faults.push(("district_id", "Choisissez le quartier dans la liste.".into()));
    }
    match d.signed_on {
        None => faults.push(("signed_on", "La date de signature est obligatoire (jj/mm/aaaa).".into())),
        Some(s) if s > today => faults.push(("signed_on", "Une convention ne peut pas être signée dans le futur.".into())),
        Some(_) => {}
    }
    match (d.starts_on, d.ends_on) {
        (Some(start), Some(end)) if end <= start => faults.push(("ends_on", "La convention finit après avoir commencé.".into())),
        (Some(start), Some(end)) if end > latest_end(term_start.unwrap_or(start).max(start)) => {
            faults.push(("ends_on", format!("Une convention court {TERM_MAX_YEARS} ans au plus : elle se renouvelle ensuite.")));
        }
        (Some(_), Some(_)) => {}
        (None, _) => faults.push(("starts_on", "La date d'effet est obligatoire (jj/mm/aaaa).".into())),
        (_, None) => {
            faults.push(("ends_on", "La date de fin est obligatoire (jj/mm/aaaa) : le rappel de renouvellement en dépend.".into()));
        }
    }
    if !(0..=NOTICE_MAX_DAYS).contains(&d.notice_days) {
        faults.push(("notice_days", format!("Le préavis de rappel va de 0 à {NOTICE_MAX_DAYS} jours.")));
    }
    if !crate::text::is_text(&d.note, NOTE_MAX) {
        faults.push(("note", format!("La note tient en {NOTE_MAX} caractères au plus.")));
    } else if looks_like_a_code(&d.note) {
        faults.push(("note", NO_CODE.into()));
    }
    faults
}

/// How many different organisations a list names: the same one twice signs once.
fn distinct(ids: &[i64]) -> usize {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

const NO_CODE: &str = "N'inscrivez ni code d'accès ni numéro de badge : la convention dit qui peut entrer, pas comment.";

/// Whether a text holds what looks like an entrance code or a badge's number ("code 4512B",
/// "digicode : 12A45", "badge 12345678", "clé Vigik n° 778899", "mot de passe 1234"): a word
/// that names a secret followed, within three words, by one holding three digits or more. Such a
/// secret is never stored, whoever reads the convention; a postal code is not one.
fn looks_like_a_code(text: &str) -> bool {
    const SECRETS: [&str; 14] =
        ["code", "codes", "digicode", "digi-code", "badge", "badges", "bip", "cle", "cles", "pass", "passe", "mdp", "vigik", "interphone"];
    let folded = crate::text::fold(text).replace(['\u{2019}', '\''], " ");
    let words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | ';' | '(' | ')' | '.' | '/' | '='))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, w)| {
        let secret = SECRETS.contains(w) && words.get(i + 1) != Some(&"postal");
        secret && words.iter().skip(i + 1).take(3).any(|n| n.chars().filter(char::is_ascii_digit).count() >= 3)
    })
}

/// Where a convention stands on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Signed, not yet in force.
    Upcoming,
    InForce,
    /// In force, and inside its notice period: to renew.
    ToRenew,
    Expired,
}

impl Standing {
    pub fn label(self) -> &'static str {
        match self {
            Standing::Upcoming => "à venir",
            Standing::InForce => "en vigueur",
            Standing::ToRenew => "à renouveler",
            Standing::Expired => "expirée",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Standing::Upcoming => "a_venir",
            Standing::InForce => "en_vigueur",
            Standing::ToRenew => "a_renouveler",
            Standing::Expired => "expiree",
        }
    }
}

/// The first day of a term's notice period: when the reminder goes.
pub fn reminder_day(ends_on: Date, notice_days: i64) -> Date {
    ends_on - Duration::days(notice_days)
}

pub fn standing(starts_on: Date, ends_on: Date, notice_days: i64, today: Date) -> Standing {
    if today < starts_on {
        Standing::Upcoming
    } else if today > ends_on {
        Standing::Expired
    } else if today >= reminder_day(ends_on, notice_days) {
        Standing::ToRenew
    } else {
        Standing::InForce
    }
}

/// A renewal's faults: the new end follows the current one, within the longest term.
pub fn check_renewal(current_end: Date, new_end: Option<Date>) -> Vec<Fault> {
    match new_end {
        None => vec![("ends_on", "Donnez la nouvelle date de fin (jj/mm/aaaa).".into())],
        Some(e) if e <= current_end => {
            vec![("ends_on", format!("La nouvelle date de fin suit la date de fin actuelle, le {}.", crate::time_fmt::day_fr(current_end)))]
        }
        Some(e) if e > latest_end(current_end) => vec![("ends_on", format!("Un renouvellement court {TERM_MAX_YEARS} ans au plus."))],
        Some(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn draft() -> ConventionDraft {
        ConventionDraft {
            reference: "Convention Vigik n° 2020-03".into(),
            holder: "bailleur".into(),
            organisation_ids: vec![1, 2],
            other_parties: String::new(),
            buildings: "12 rue de l'Exemple, entrées A et B\n\n14 rue de l'Exemple\n".into(),
            district_id: Some(7),
            signed_on: Some(date!(2020 - 03 - 01)),
            starts_on: Some(date!(2020 - 04 - 01)),
            ends_on: Some(date!(2023 - 03 - 31)),
            notice_days: 90,
            note: String::new(),
        }
    }

    fn fields(f: Vec<Fault>) -> Vec<&'static str> {
        f.into_iter().map(|(f, _)| f).collect()
    }

    const TODAY: Date = date!(2021 - 06 - 01);

    #[test]
    fn a_convention_needs_two_parties_buildings_and_its_dates() {
        assert!(check(&draft(), TODAY, &[1, 2], &[7], None).is_empty());
        assert_eq!(buildings(&draft().buildings).len(), 2);
        let one = ConventionDraft { organisation_ids: vec![1], ..draft() };
        assert_eq!(fields(check(&one, TODAY, &[1, 2], &[7], None)), ["organisation_ids"]);
        let syndic = ConventionDraft { other_parties: "Syndic Exemple".into(), ..one };
        assert!(check(&syndic, TODAY, &[1, 2], &[7], None).is_empty());
        assert_eq!(
            fields(check(&ConventionDraft::default(), TODAY, &[], &[], None)),
            ["reference", "holder", "organisation_ids", "buildings", "signed_on", "starts_on"]
        );
        let backwards = ConventionDraft { ends_on: Some(date!(2020 - 01 - 01)), ..draft() };
        assert_eq!(fields(check(&backwards, TODAY, &[1, 2], &[7], None)), ["ends_on"]);
        let too_long = ConventionDraft { ends_on: Some(date!(2030 - 04 - 02)), ..draft() };
        assert_eq!(fields(check(&too_long, TODAY, &[1, 2], &[7], None)), ["ends_on"]);
        // The same organisation twice signs once.
        let twice = ConventionDraft { organisation_ids: vec![1, 1], ..draft() };
        assert_eq!(fields(check(&twice, TODAY, &[1, 2], &[7], None)), ["organisation_ids"]);
        // A renewed convention's term counts from its renewal; a 29 February ends on the 28th.
        let renewed = ConventionDraft { ends_on: Some(date!(2032 - 03 - 31)), ..draft() };
        assert!(check(&renewed, TODAY, &[1, 2], &[7], Some(date!(2023 - 03 - 31))).is_empty());
        assert_eq!(latest_end(date!(2024 - 02 - 29)), date!(2034 - 02 - 28));
        let future = ConventionDraft { signed_on: Some(date!(2021 - 06 - 02)), ..draft() };
        assert_eq!(fields(check(&future, TODAY, &[1, 2], &[7], None)), ["signed_on"]);
    }

    #[test]
    fn codes_are_told_from_addresses() {
        for secret in [
            "Bat A code 1234",
            "12 rue de Paris code B7890",
            "CODE: 12A45",
            "digi-code 4521",
            "badge 12345678",
            "clé Vigik n° 778899",
            "mot de passe 1234",
            "pass 4521",
            "bip 4521B",
            "code d’accès : 2024",
        ] {
            assert!(looks_like_a_code(secret), "{secret}");
        }
        for plain in [
            "12 rue de Paris, 92230 Gennevilliers",
            "code postal 92230",
            "liste des badges tenue par le bailleur",
            "bâtiment 12, entrées 1 à 3",
        ] {
            assert!(!looks_like_a_code(plain), "{plain}");
        }
    }

    #[test]
    fn no_access_code_is_kept() {
        let d = ConventionDraft { note: "Digicode 4512B au hall".into(), ..draft() };
        assert_eq!(fields(check(&d, TODAY, &[1, 2], &[7], None)), ["note"]);
        let d = ConventionDraft { buildings: "12 rue X, code d’accès 1234".into(), ..draft() };
        assert_eq!(fields(check(&d, TODAY, &[1, 2], &[7], None)), ["buildings"]);
    }

    #[test]
    fn a_convention_is_to_renew_in_its_notice_period() {
        let (s, e) = (date!(2020 - 04 - 01), date!(2023 - 03 - 31));
        assert_eq!(standing(s, e, 90, date!(2020 - 03 - 31)), Standing::Upcoming);
        assert_eq!(standing(s, e, 90, date!(2022 - 12 - 30)), Standing::InForce);
        assert_eq!(reminder_day(e, 90), date!(2022 - 12 - 31));
        assert_eq!(standing(s, e, 90, date!(2022 - 12 - 31)), Standing::ToRenew);
        assert_eq!(standing(s, e, 90, e), Standing::ToRenew);
        assert_eq!(standing(s, e, 90, date!(2023 - 04 - 01)), Standing::Expired);
        assert!(check_renewal(e, Some(date!(2026 - 03 - 31))).is_empty());
        assert_eq!(fields(check_renewal(e, Some(e))), ["ends_on"]);
        assert_eq!(fields(check_renewal(e, None)), ["ends_on"]);
    }
}
