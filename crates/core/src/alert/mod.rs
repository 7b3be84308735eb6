//! The rapid alert of axis 1 ("un dispositif d'alerte réactif et immédiat"): a field worker
//! raises an alert on a fight, or the threat of one, between groups of youths; the on-call
//! lists say who gets it, by kind, district and time slot; each recipient acknowledges it, and
//! one who does not within the delay is relayed by the next level of the same organisation
//! (escalation). An alert names nobody: kind, place, time, numbers and short facts; its
//! closing debrief counts young people and refers to a working group without copying names.
//! Plain rules, no storage.

use crate::text::{is_name, is_text};
pub use crate::working_group::case::{Choice, Fault, check_note, known, label};
use time::{OffsetDateTime, PrimitiveDateTime, Time, Weekday};

/// What is happening. The kinds the seed's axis 1 names, and "other".
pub const KINDS: &[Choice] = &[
    ("rixe", "Rixe entre groupes de jeunes"),
    ("menace_rixe", "Menace de rixe, rassemblement hostile"),
    ("arme", "Arme aperçue"),
    ("regroupement", "Regroupement inquiétant"),
    ("autre", "Autre situation urgente"),
];

pub const PLACE_MAX: usize = 120;
pub const FACTS_MAX: usize = 1000;
pub const DEBRIEF_MAX: usize = 4000;
pub const ACTION_MAX: usize = 1000;
/// Estimated numbers on the spot, and young people identified in a debrief.
pub const COUNT_MAX: i64 = 1000;
/// How far back an alert may be raised: typed in afterwards the same week, not later (it
/// would alert nobody usefully; an older fact is an activity or a report).
pub const LATEST_DAYS: i64 = 7;
/// Levels of an on-call list: the agent on duty, then their manager, then the head of service.
pub const LEVELS: std::ops::RangeInclusive<i64> = 1..=3;
/// How long an acknowledgement link works after it was sent.
pub const LINK_HOURS: i64 = 48;

/// An alert as its author fills it in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertDraft {
    pub kind: String,
    pub district_id: Option<i64>,
    /// A point on the map, if given; the district comes from it then.
    pub point: Option<(f64, f64)>,
    pub place: String,
    pub occurred_at: Option<OffsetDateTime>,
    pub estimated_count: Option<i64>,
    pub facts: String,
}

/// Every fault of a draft raised at `now`, each by its form field.
pub fn check(d: &AlertDraft, now: OffsetDateTime) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !known(KINDS, &d.kind) {
        faults.push(("kind", "Choisissez ce qui se passe dans la liste.".into()));
    }
    if !is_name(&d.place, PLACE_MAX) {
        faults.push(("place", format!("Le lieu est obligatoire, sur une ligne de {PLACE_MAX} caractères au plus (une rue, un square, un hall : pas de nom de personne).")));
    }
    if d.district_id.is_none() && d.point.is_none() {
        faults.push(("district", "Choisissez le quartier, ou placez le point sur la carte.".into()));
    }
    match d.occurred_at {
        None => faults.push(("occurred_at", "L'heure des faits est obligatoire (jj/mm/aaaa et hh:mm).".into())),
        Some(t) if t > now + time::Duration::minutes(5) => faults.push(("occurred_at", "L'heure des faits est dans le futur.".into())),
        Some(t) if t < now - time::Duration::days(LATEST_DAYS) => faults.push((
            "occurred_at",
            format!(
                "Une alerte porte sur les {LATEST_DAYS} derniers jours ; un fait plus ancien s'enregistre comme action ou signalement."
            ),
        )),
        Some(_) => {}
    }
    if let Some(n) = d.estimated_count
        && !(0..=COUNT_MAX).contains(&n)
    {
        faults.push(("estimated_count", format!("Le nombre estimé va de 0 à {COUNT_MAX}.")));
    }
    if !is_text(&d.facts, FACTS_MAX) {
        faults.push(("facts", format!("Les faits : {FACTS_MAX} caractères au plus, sans nom de personne.")));
    }
    faults
}

/// The closing debrief: what happened, who acted, the follow-up. Counts and a reference only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Debrief {
    pub what_happened: String,
    pub who_acted: String,
    pub families_contacted: bool,
    pub young_people_identified: i64,
    /// The working group the situation was proposed to: the group, never the person.
    pub working_group_id: Option<i64>,
}

pub fn check_debrief(d: &Debrief) -> Vec<Fault> {
    let mut faults = Vec::new();
    if d.what_happened.trim().is_empty() || !is_text(&d.what_happened, DEBRIEF_MAX) {
        faults.push(("what_happened", format!("Le bilan est obligatoire, {DEBRIEF_MAX} caractères au plus, sans nom de personne.")));
    }
    if !is_text(&d.who_acted, ACTION_MAX) {
        faults.push(("who_acted", format!("Qui est intervenu : {ACTION_MAX} caractères au plus (des services, pas des personnes).")));
    }
    if !(0..=COUNT_MAX).contains(&d.young_people_identified) {
        faults.push(("young_people_identified", format!("Le nombre de jeunes repérés va de 0 à {COUNT_MAX}.")));
    }
    faults
}

/// The days of the week as the on-call form lists them, Monday first.
pub const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "lundi"),
    (Weekday::Tuesday, "mardi"),
    (Weekday::Wednesday, "mercredi"),
    (Weekday::Thursday, "jeudi"),
    (Weekday::Friday, "vendredi"),
    (Weekday::Saturday, "samedi"),
    (Weekday::Sunday, "dimanche"),
];

pub fn day_bit(d: Weekday) -> i64 {
    1 << d.number_days_from_monday()
}

/// Every day of the week.
pub const ALL_DAYS: i64 = 0b111_1111;

/// One line of an on-call list: who gets which alerts, where, when, at which level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnCall {
    pub user_id: i64,
    /// Kinds covered; none: every kind.
    pub kinds: Vec<String>,
    /// The district covered; none: the whole city.
    pub district_id: Option<i64>,
    /// Days the slot starts on, one bit a day from Monday ([`day_bit`]).
    pub days: i64,
    /// The slot, Paris time. `starts == ends`: the whole day; `ends < starts`: it runs past
    /// midnight, into the next day.
    pub starts: Time,
    pub ends: Time,
    pub level: i64,
    /// A mobile number for the SMS gateway, as `+33…`; empty: e-mail only.
    pub phone: String,
}

impl OnCall {
    /// Whether this line receives an alert of `kind` in `district` at `local` (Paris time).
    /// A line for one district also receives the alerts placed in no district.
    pub fn covers(&self, kind: &str, district: Option<i64>, local: PrimitiveDateTime) -> bool {
        let kind_ok = self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind);
        let district_ok = match (self.district_id, district) {
            (None, _) | (Some(_), None) => true,
            (Some(a), Some(b)) => a == b,
        };
        kind_ok && district_ok && self.in_slot(local)
    }

    fn in_slot(&self, local: PrimitiveDateTime) -> bool {
        let (day, t) = (local.weekday(), local.time());
        let on = |d: Weekday| self.days & day_bit(d) != 0;
        if self.starts == self.ends {
            on(day)
        } else if self.starts < self.ends {
            on(day) && t >= self.starts && t < self.ends
        } else {
            (on(day) && t >= self.starts) || (on(day.previous()) && t < self.ends)
        }
    }
}

/// A French or international mobile number as the gateway wants it (`+33612345678`), from
/// what people type ("06 12 34 56 78", "+33 6 12…", "0033…"); `None` if it is not one.
pub fn phone_e164(typed: &str) -> Option<String> {
    let t: String = typed.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')' | '\u{a0}')).collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let e164 = if let Some(rest) = t.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = t.strip_prefix("00") {
        format!("+{rest}")
    } else if t.len() == 10 && t.starts_with('0') {
        format!("+33{}", &t[1..])
    } else {
        return None;
    };
    (digits(&e164[1..]) && (8..=15).contains(&(e164.len() - 1)) && !e164[1..].starts_with('0')).then_some(e164)
}

/// Whether an E.164 number can take an SMS: in France, a mobile (06, 07); abroad, trusted as
/// typed.
pub fn is_mobile(e164: &str) -> bool {
    match e164.strip_prefix("+33") {
        Some(rest) => rest.len() == 9 && (rest.starts_with('6') || rest.starts_with('7')),
        None => true,
    }
}

/// Every fault of an on-call line, each by its form field.
pub fn check_on_call(o: &OnCall) -> Vec<Fault> {
    let mut faults = Vec::new();
    if o.kinds.iter().any(|k| !known(KINDS, k)) {
        faults.push(("kinds", "Une des situations choisies n'existe pas.".into()));
    }
    if o.days & ALL_DAYS == 0 || o.days & !ALL_DAYS != 0 {
        faults.push(("days", "Cochez au moins un jour.".into()));
    }
    if !LEVELS.contains(&o.level) {
        faults.push(("level", format!("Le niveau va de {} à {}.", LEVELS.start(), LEVELS.end())));
    }
    if !o.phone.is_empty() && (phone_e164(&o.phone).as_deref() != Some(o.phone.as_str()) || !is_mobile(&o.phone)) {
        faults.push(("phone", "Un numéro de portable : 06 12 34 56 78, 07…, ou +33 6 12 34 56 78.".into()));
    }
    faults
}

/// What is known of one recipient's delivery when escalations are decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The organisation whose chain it belongs to (its recipient's); 0: no organisation.
    pub chain: i64,
    pub level: i64,
    pub sent_at: OffsetDateTime,
    pub acknowledged: bool,
}

/// The chains to escalate at `now`, with the level to send next: those of an open alert where
/// nobody of the organisation has acknowledged and the highest level sent has waited `delay`
/// or more. Each chain is relayed by its own next level; the other organisations' answers do
/// not stop it (each service decides for itself whether it goes).
pub fn escalations(sent: &[Sent], now: OffsetDateTime, delay: time::Duration) -> Vec<(i64, i64)> {
    let mut chains: Vec<i64> = sent.iter().map(|s| s.chain).collect();
    chains.sort_unstable();
    chains.dedup();
    chains
        .into_iter()
        .filter_map(|chain| {
            let of: Vec<&Sent> = sent.iter().filter(|s| s.chain == chain).collect();
            if of.iter().any(|s| s.acknowledged) {
                return None;
            }
            let top = of.iter().map(|s| s.level).max()?;
            let last = of.iter().filter(|s| s.level == top).map(|s| s.sent_at).max()?;
            (now - last >= delay && top < *LEVELS.end()).then_some((chain, top + 1))
        })
        .collect()
}

/// The median of delays in minutes (the time to first acknowledgement of the year's alerts);
/// `None` without any.
pub fn median_minutes(mut minutes: Vec<i64>) -> Option<i64> {
    minutes.sort_unstable();
    let n = minutes.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(minutes[n / 2]),
        _ => Some((minutes[n / 2 - 1] + minutes[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, time};

    fn line(days: i64, starts: Time, ends: Time) -> OnCall {
        OnCall { user_id: 1, kinds: vec![], district_id: Some(7), days, starts, ends, level: 1, phone: String::new() }
    }

    #[test]
    fn slots_cover_their_hours_and_run_past_midnight() {
        // 2026-12-04 is a Friday.
        let night = line(day_bit(Weekday::Friday), time!(20:00), time!(06:00));
        assert!(night.covers("rixe", Some(7), datetime!(2026-12-04 21:30)));
        assert!(night.covers("rixe", Some(7), datetime!(2026-12-05 05:59)), "Saturday morning is Friday's night");
        assert!(!night.covers("rixe", Some(7), datetime!(2026-12-05 06:00)));
        assert!(!night.covers("rixe", Some(7), datetime!(2026-12-04 19:59)));
        assert!(!night.covers("rixe", Some(7), datetime!(2026-12-04 05:00)), "Thursday's night is not on");
        assert!(!night.covers("rixe", Some(8), datetime!(2026-12-04 21:30)), "another district");
        assert!(night.covers("rixe", None, datetime!(2026-12-04 21:30)), "an alert placed in no district reaches every list");
        let day = line(ALL_DAYS, time!(00:00), time!(00:00));
        assert!(day.covers("arme", Some(7), datetime!(2026-12-06 12:00)));
        let kinds = OnCall { kinds: vec!["arme".into()], ..day };
        assert!(!kinds.covers("rixe", Some(7), datetime!(2026-12-06 12:00)));
    }

    #[test]
    fn phones_are_read_as_people_type_them() {
        assert_eq!(phone_e164("06 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(phone_e164("+33 6 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(phone_e164("0033612345678").as_deref(), Some("+33612345678"));
        assert_eq!(phone_e164("12345"), None);
        assert_eq!(phone_e164("06 12 34 56 7x"), None);
        assert_eq!(phone_e164("+0612345678"), None);
        assert!(is_mobile("+33712345678") && is_mobile("+447911123456"));
        assert!(!is_mobile("+33899234567") && !is_mobile("+33123456789"));
    }

    #[test]
    fn each_chain_escalates_on_its_own() {
        let t0 = datetime!(2026-12-04 21:00 UTC);
        let sent = |chain, level, at, acknowledged| Sent { chain, level, sent_at: at, acknowledged };
        let delay = time::Duration::minutes(10);
        let all = [sent(1, 1, t0, true), sent(2, 1, t0, false), sent(3, 3, t0, false)];
        assert_eq!(escalations(&all, t0 + time::Duration::minutes(9), delay), vec![]);
        // Chain 1 acknowledged, chain 3 has no level above 3: only chain 2 goes to level 2.
        assert_eq!(escalations(&all, t0 + time::Duration::minutes(10), delay), vec![(2, 2)]);
        let relayed = [sent(2, 1, t0, false), sent(2, 2, t0 + time::Duration::minutes(10), false)];
        assert_eq!(escalations(&relayed, t0 + time::Duration::minutes(15), delay), vec![]);
        assert_eq!(escalations(&relayed, t0 + time::Duration::minutes(20), delay), vec![(2, 3)]);
    }

    #[test]
    fn drafts_are_checked() {
        let now = datetime!(2026-12-04 21:00 UTC);
        let ok = AlertDraft {
            kind: "rixe".into(),
            district_id: Some(1),
            place: "Parvis de la gare".into(),
            occurred_at: Some(now - time::Duration::minutes(3)),
            estimated_count: Some(20),
            ..Default::default()
        };
        assert!(check(&ok, now).is_empty());
        let bad = AlertDraft {
            kind: "bagarre".into(),
            district_id: None,
            place: " ".into(),
            occurred_at: Some(now + time::Duration::hours(1)),
            estimated_count: Some(-1),
            facts: "\u{202e}".into(),
            point: None,
        };
        let fields: Vec<&str> = check(&bad, now).iter().map(|f| f.0).collect();
        assert_eq!(fields, ["kind", "place", "district", "occurred_at", "estimated_count", "facts"]);
        let old = AlertDraft { occurred_at: Some(now - time::Duration::days(8)), ..ok };
        assert_eq!(check(&old, now).len(), 1);
        assert_eq!(median_minutes(vec![9, 1, 4]), Some(4));
        assert_eq!(median_minutes(vec![]), None);
    }
}
