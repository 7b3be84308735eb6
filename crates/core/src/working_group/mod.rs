//! Working groups of the CLSPD (art. L.132-5 CSI) under the charter (the seed's annex): who may
//! read a group's situations, and how long a situation is kept. Plain rules, no storage.
//!
//! - Access (charter art. 2, 7, 8; privacy rules §1, §6): a member reads the group's
//!   situations only while their institution has signed the current charter version, they have
//!   accepted it themselves, they are not excluded, and their session was opened with a second
//!   factor. A new version suspends everyone until signed and accepted again.
//! - Retention (AU-038 art. 5; privacy rules §3): active while followed; after the end, three
//!   years in a separate archive; never beyond the person's 25th birthday; then destroyed.

pub mod case;

use time::{Date, Month};

/// What a working group is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GroupKind {
    /// Cellule de Veille Éducative: minors exposed to delinquency (axis 1).
    Cve,
    /// Complex situations of women victims of violence (axis 5).
    ViolenceAgainstWomen,
    /// Follow-up of community-service (TIG) posts and reparation measures (axis 2).
    CommunityService,
    /// Follow-up of victims (axis 4).
    VictimSupport,
    /// Another thematic or territorial group.
    Other,
}

impl GroupKind {
    pub const ALL: [GroupKind; 5] =
        [GroupKind::Cve, GroupKind::ViolenceAgainstWomen, GroupKind::CommunityService, GroupKind::VictimSupport, GroupKind::Other];

    pub fn code(self) -> &'static str {
        match self {
            GroupKind::Cve => "cve",
            GroupKind::ViolenceAgainstWomen => "violence_against_women",
            GroupKind::CommunityService => "community_service",
            GroupKind::VictimSupport => "victim_support",
            GroupKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GroupKind::Cve => "Cellule de Veille Éducative (CVE)",
            GroupKind::ViolenceAgainstWomen => "Situations complexes de femmes victimes de violences",
            GroupKind::CommunityService => "Suivi des travaux d'intérêt général et mesures de réparation",
            GroupKind::VictimSupport => "Suivi des victimes",
            GroupKind::Other => "Autre groupe thématique ou territorial",
        }
    }

    pub fn from_code(code: &str) -> Option<GroupKind> {
        GroupKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What is known of one member, for the access decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberStanding {
    /// The version of the charter the member's institution signed last, if any.
    pub institution_signed: Option<i64>,
    /// The version the member accepted last in the application, if any.
    pub accepted: Option<i64>,
    /// Excluded (art. 8): at once and for good.
    pub excluded: bool,
    /// Whether the session was opened with the second factor.
    pub second_factor: bool,
}

/// Why a member may not read the group's situations now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefused {
    #[error("seuls les membres du groupe lisent ses situations")]
    NotMember,
    #[error("vous avez été exclu des travaux de ce groupe (article 8 de la charte)")]
    Excluded,
    #[error("votre institution n'a pas signé la version en vigueur de la charte")]
    InstitutionNotSigned,
    #[error("vous n'avez pas accepté la version en vigueur de la charte")]
    NotAccepted,
    #[error("la lecture des situations demande une connexion avec double authentification")]
    NoSecondFactor,
}

/// Whether a member may read the group's situations under the charter's `current` version.
pub fn member_access(m: &MemberStanding, current: i64) -> Result<(), AccessRefused> {
    if m.excluded {
        return Err(AccessRefused::Excluded);
    }
    if m.institution_signed != Some(current) {
        return Err(AccessRefused::InstitutionNotSigned);
    }
    if m.accepted != Some(current) {
        return Err(AccessRefused::NotAccepted);
    }
    if !m.second_factor {
        return Err(AccessRefused::NoSecondFactor);
    }
    Ok(())
}

/// Years a closed situation stays in the archive.
pub const ARCHIVE_YEARS: i32 = 3;
/// Nothing is kept beyond this birthday.
pub const AGE_LIMIT: i32 = 25;

/// The same day `years` later; 29 February becomes 1 March in a common year.
pub(crate) fn years_after(d: Date, years: i32) -> Option<Date> {
    let y = d.year().checked_add(years)?;
    Date::from_calendar_date(y, d.month(), d.day()).ok().or_else(|| Date::from_calendar_date(y, Month::March, 1).ok())
}

/// The person's 25th birthday: from that day nothing about them is kept.
pub fn age_limit_day(birth: Date) -> Option<Date> {
    years_after(birth, AGE_LIMIT)
}

/// The day a situation is destroyed: three years after its end, or the person's 25th
/// birthday if that comes first (even while it is still followed).
pub fn destruction_day(birth: Date, ended: Option<Date>) -> Option<Date> {
    let limit = age_limit_day(birth)?;
    Some(match ended.and_then(|e| years_after(e, ARCHIVE_YEARS)) {
        Some(archive_end) if archive_end < limit => archive_end,
        _ => limit,
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BirthDateError {
    #[error("la date de naissance est dans le futur")]
    InFuture,
    #[error("la personne a {AGE_LIMIT} ans ou plus : rien ne peut être conservé la concernant")]
    TooOld,
}

/// A birth date for a new situation: in the past, and less than 25 years ago.
pub fn check_birth_date(birth: Date, today: Date) -> Result<(), BirthDateError> {
    if birth > today {
        return Err(BirthDateError::InFuture);
    }
    match age_limit_day(birth) {
        Some(limit) if limit > today => Ok(()),
        _ => Err(BirthDateError::TooOld),
    }
}

/// What the keyed hash of a person is computed on: the group, then surname, first name and
/// birth date folded to their letters and digits, so that "DUPONT-MARTIN Émilie" and "dupont
/// martin emilie" born the same day are found as one person. The group is part of it, so that
/// the same person's situations in two groups cannot be linked from the database.
pub fn lookup_text(group_id: i64, surname: &str, first_name: &str, birth: Date) -> String {
    format!("{group_id}|{}|{}|{birth}", letters(surname), letters(first_name))
}

/// A name folded to its letters and digits, as the keyed hashes take it.
fn letters(s: &str) -> String {
    crate::text::fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// What the keyed hash of a person's name alone is computed on: as [`lookup_text`], without
/// the birth date. The CLSPD's meetings (documents, minutes) are checked against it: no
/// followed person's name may reach them (charter art. 5), and a name is written there
/// without a birth date. The group stays part of it, so that groups are still not linked.
pub fn name_text(group_id: i64, surname: &str, first_name: &str) -> String {
    format!("{group_id}|{}|{}", letters(surname), letters(first_name))
}

/// [`name_text`] of a surname and first name already folded (as [`name_candidates`] gives
/// them), without folding them again: a long document gives millions.
pub fn folded_name_text(group_id: i64, surname: &str, first_name: &str) -> String {
    format!("{group_id}|{surname}|{first_name}")
}

/// `text` as someone hiding a name would have written it: letters of other scripts that look
/// like Latin ones (Cyrillic "е", Greek "ο") read as those, and a word cut where a capital
/// follows a small letter ("InèsFictif", two words a PDF drew without a space). Checked
/// besides the text itself, which stays the reference for names really written so.
pub fn evasion_variant(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_small = false;
    for c in text.chars() {
        let c = match c {
            'а' | 'α' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'е' | 'ε' => 'e',
            'һ' => 'h',
            'і' | 'ι' => 'i',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'м' => 'm',
            'н' | 'η' => 'n',
            'о' | 'ο' => 'o',
            'р' | 'ρ' => 'p',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'у' | 'υ' => 'y',
            'х' | 'χ' => 'x',
            'А' | 'Α' => 'A',
            'В' | 'Β' => 'B',
            'С' | 'Ϲ' => 'C',
            'Е' | 'Ε' => 'E',
            'Н' | 'Η' => 'H',
            'І' | 'Ι' => 'I',
            'Ј' => 'J',
            'К' | 'Κ' => 'K',
            'М' | 'Μ' => 'M',
            'О' | 'Ο' => 'O',
            'Р' | 'Ρ' => 'P',
            'Ѕ' => 'S',
            'Т' | 'Τ' => 'T',
            'У' | 'Υ' => 'Y',
            'Х' | 'Χ' => 'X',
            'Ζ' => 'Z',
            'Ν' => 'N',
            c => c,
        };
        if previous_small && c.is_uppercase() {
            out.push(' ');
        }
        previous_small = c.is_lowercase();
        out.push(c);
    }
    out
}

/// The most words a first name and surname take together ("Jean Pierre Dupont Martin").
pub const NAME_WORDS_MAX: usize = 4;

/// Reads every run of 2 to [`NAME_WORDS_MAX`] words of `text` as a surname and a first name,
/// cut at each place and taken in either order ("Émilie Dupont-Martin", "DUPONT-MARTIN
/// Émilie"), and gives `each` the pair (surname, first name) folded as [`name_text`] folds
/// them, until `each` answers true; then answers true. A word without a letter (a number, a
/// date) ends a run. Streamed, not collected: a long document has millions of such pairs.
pub fn name_candidates(text: &str, mut each: impl FnMut(&str, &str) -> bool) -> bool {
    let folded = crate::text::fold(text);
    let words: Vec<Option<&str>> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().any(char::is_alphabetic).then_some(w))
        .collect();
    let (mut a, mut b) = (String::new(), String::new());
    for start in 0..words.len() {
        for len in 2..=NAME_WORDS_MAX {
            let Some(run) = words.get(start..start + len) else { break };
            if run.iter().any(Option::is_none) {
                break;
            }
            for cut in 1..len {
                a.clear();
                b.clear();
                run[..cut].iter().flatten().for_each(|w| a.push_str(w));
                run[cut..].iter().flatten().for_each(|w| b.push_str(w));
                if each(&a, &b) || each(&b, &a) {
                    return true;
                }
            }
        }
        // A word, then up to [`NAME_GAP_MAX`] words of anything (a middle name, "et Noah", a
        // table's column), then one or two words: "Inès Marie Fictif", "Inès et Noah Fictif".
        let Some(Some(first)) = words.get(start) else { continue };
        for gap in 1..=NAME_GAP_MAX {
            for len in 1..=2 {
                let Some(run) = words.get(start + 1 + gap..start + 1 + gap + len) else { break };
                if run.iter().any(Option::is_none) {
                    break;
                }
                b.clear();
                run.iter().flatten().for_each(|w| b.push_str(w));
                if each(first, &b) || each(&b, first) {
                    return true;
                }
            }
        }
    }
    false
}

/// The most words read between a first name and a surname.
pub const NAME_GAP_MAX: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn access_needs_signature_acceptance_no_exclusion_and_second_factor() {
        let ok = MemberStanding { institution_signed: Some(2), accepted: Some(2), excluded: false, second_factor: true };
        assert_eq!(member_access(&ok, 2), Ok(()));
        assert_eq!(member_access(&ok, 3), Err(AccessRefused::InstitutionNotSigned), "a new version suspends access");
        assert_eq!(member_access(&MemberStanding { institution_signed: Some(3), ..ok }, 3), Err(AccessRefused::NotAccepted));
        assert_eq!(member_access(&MemberStanding { excluded: true, ..ok }, 2), Err(AccessRefused::Excluded));
        assert_eq!(member_access(&MemberStanding { second_factor: false, ..ok }, 2), Err(AccessRefused::NoSecondFactor));
        assert_eq!(member_access(&MemberStanding { institution_signed: None, ..ok }, 2), Err(AccessRefused::InstitutionNotSigned));
    }

    #[test]
    fn destruction_comes_three_years_after_the_end_or_at_25() {
        let birth = date!(2008 - 05 - 10);
        assert_eq!(destruction_day(birth, Some(date!(2026 - 11 - 30))), Some(date!(2029 - 11 - 30)));
        assert_eq!(destruction_day(birth, Some(date!(2031 - 01 - 15))), Some(date!(2033 - 05 - 10)), "the 25th birthday first");
        assert_eq!(destruction_day(birth, None), Some(date!(2033 - 05 - 10)), "even while followed");
        assert_eq!(age_limit_day(date!(2004 - 02 - 29)), Some(date!(2029 - 03 - 01)));
        assert_eq!(destruction_day(date!(2012 - 02 - 29), Some(date!(2024 - 02 - 29))), Some(date!(2027 - 03 - 01)));
    }

    #[test]
    fn birth_dates_of_new_situations_are_bounded() {
        let today = date!(2026 - 11 - 30);
        assert_eq!(check_birth_date(date!(2026 - 12 - 01), today), Err(BirthDateError::InFuture));
        assert_eq!(check_birth_date(date!(2001 - 11 - 30), today), Err(BirthDateError::TooOld), "25 today");
        assert_eq!(check_birth_date(date!(2001 - 12 - 01), today), Ok(()));
        assert_eq!(check_birth_date(today, today), Ok(()));
    }

    #[test]
    fn a_person_is_looked_up_whatever_the_case_and_accents() {
        let d = date!(2010 - 04 - 02);
        assert_eq!(lookup_text(1, "DUPONT-MARTIN", "Émilie", d), lookup_text(1, " dupont martin", "emilie", d));
        assert_eq!(lookup_text(1, "Dupont\u{2010}Martin", "Emi\u{200b}lie", d), lookup_text(1, "Dupont Martin", "Emilie", d));
        assert_ne!(lookup_text(1, "Dupont", "Emilie", d), lookup_text(1, "Dupont", "Emilie", date!(2010 - 04 - 03)));
        assert_ne!(lookup_text(1, "Dupont", "Emilie", d), lookup_text(2, "Dupont", "Emilie", d), "groups are not linked");
    }

    /// Whether `text` names the person `surname`, `first` in group 1, as the meetings' check does.
    fn names(text: &str, surname: &str, first: &str) -> bool {
        let wanted = name_text(1, surname, first);
        name_candidates(text, |s, f| folded_name_text(1, s, f) == wanted)
    }

    #[test]
    fn a_name_is_found_in_a_text_in_either_order_and_whatever_its_spelling() {
        assert!(names("Présents : Émilie Dupont-Martin, éducatrice.", "Dupont-Martin", "Émilie"));
        assert!(names("situation de DUPONT MARTIN Emilie (suite)", "Dupont-Martin", "Émilie"));
        assert!(names("Jean-Pierre O'Brien est venu", "O'Brien", "Jean-Pierre"));
        assert!(names("compte rendu\nKarim\nBENALI\n", "Benali", "Karim"), "across lines");
        assert!(names("Liste : DUPONT, Émilie ; MARTIN, Paul", "Dupont", "Émilie"), "punctuation between the two is no word");
        assert!(names("Émilie, puis Dupont", "Dupont", "Émilie"), "a word between");
        assert!(names("Émilie Marie DUPONT", "Dupont", "Émilie"), "a middle name");
        assert!(names("Émilie et Paul Dupont", "Dupont", "Émilie"), "brother and sister");
        assert!(names("Émilie | 15 | DUPONT", "Dupont", "Émilie"), "a table's column between");
        assert!(!names("Émilie est venue avec Dupont", "Dupont", "Émilie"), "three words between");
        assert!(!names("Dupont seul", "Dupont", "Émilie"));
        assert!(!names("Émilie Durand, Jean et Paul Dupont", "Dupont", "Émilie"));
    }

    #[test]
    fn look_alike_letters_and_words_drawn_without_a_space_are_read_as_meant() {
        assert!(names(&evasion_variant("Іnès Fіctіf-Dеmo"), "Fictif-Démo", "Inès"), "Cyrillic І and е");
        assert!(names(&evasion_variant("Présente : InèsFictif-Démo."), "Fictif-Démo", "Inès"));
        assert_eq!(evasion_variant("Le bilan, présenté en séance."), "Le bilan, présenté en séance.", "ordinary text is unchanged");
    }
}
