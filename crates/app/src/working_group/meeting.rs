//! A group's meetings (charter art. 6) and what leaves the group from them: the relevé de
//! conclusions and the dashboard, built from counts and labels only, so that nothing
//! nominative can reach the plenary (art. 5, 10) — the structs below have no field that could
//! hold a followed person's name, and every count below 5 is published as "< 5".

use super::{CaseError, ring};
use crate::App;
use maillage_core::publication;
use maillage_core::time_fmt;
use maillage_core::working_group::case::{
    ACTION_KINDS, DECISION_KINDS, Identity, NOTE_MAX, ORIGINS, OUTCOMES, SEXES, age_band, check_choice, check_note, label,
};
use maillage_store::Author;
use maillage_store::working_group::case::identity_place;
use maillage_store::working_group::meeting::{Decision, Meeting, NewDecision, decision_place};
use maillage_store::working_group::{Group, Member};
use std::collections::BTreeMap;
use time::Date;

pub async fn create_meeting(app: &App, by: &Author, group: &Group, held_on: Option<Date>, place: &str) -> Result<i64, CaseError> {
    let mut faults = Vec::new();
    let today = time_fmt::paris_date(time_fmt::now());
    let year = time::Duration::days(366);
    if held_on.is_none_or(|d| d < today - year || d > today + year) {
        faults.push(("held_on", "La date de la réunion est obligatoire, dans l'année passée ou à venir.".into()));
    }
    if !maillage_core::text::is_name(place, 200) {
        faults.push(("place", "Le lieu est obligatoire (200 caractères au plus, une ligne).".into()));
    }
    match held_on {
        Some(d) if faults.is_empty() => Ok(app.store.create_meeting(by, group.id, d, place).await?),
        _ => Err(CaseError::Invalid(faults)),
    }
}

/// Members present: only members of the group, not excluded.
pub async fn set_attendance(app: &App, by: &Author, members: &[Member], meeting: &Meeting, present: &[i64]) -> Result<(), CaseError> {
    if present.iter().any(|p| !members.iter().any(|m| m.user_id == *p && m.excluded_at.is_none())) {
        return Err(CaseError::Invalid(vec![("present", "Seuls les membres du groupe figurent parmi les présents.".into())]));
    }
    Ok(app.store.set_attendance(by, meeting.id, present).await?)
}

/// A qualified person invited to this meeting only (art. 2): recorded once they accepted the
/// confidentiality rules; they get no account and no access to the files.
pub async fn add_invited(app: &App, by: &Author, meeting: &Meeting, name: &str, function: &str, accepted: bool) -> Result<(), CaseError> {
    let mut faults = Vec::new();
    if !maillage_core::text::is_name(name, 200) {
        faults.push(("invited_name", "Le nom de la personne invitée est obligatoire.".into()));
    }
    if !maillage_core::text::is_name(function, 200) {
        faults.push(("invited_function", "Sa fonction et son institution sont obligatoires.".into()));
    }
    if !accepted {
        faults.push(("accepted", "La personne invitée doit avoir accepté les règles de confidentialité (charte, article 2).".into()));
    }
    let folded = maillage_core::text::fold(name);
    if app.store.invited(meeting.id).await?.iter().any(|i| maillage_core::text::fold(&i.name) == folded) {
        faults.push(("invited_name", "Cette personne est déjà inscrite parmi les invités de la réunion.".into()));
    }
    if !faults.is_empty() {
        return Err(CaseError::Invalid(faults));
    }
    Ok(app.store.add_invited(by, meeting.id, name, function).await?)
}

/// A decision as a member fills it in.
#[derive(Clone, Debug, Default)]
pub struct DecisionDraft {
    pub case_id: Option<i64>,
    pub kind: String,
    pub text: String,
    pub lead_id: Option<i64>,
    pub follow_up_on: Option<Date>,
}

pub async fn add_decision(
    app: &App,
    by: &Author,
    group: &Group,
    members: &[Member],
    meeting: &Meeting,
    d: &DecisionDraft,
) -> Result<i64, CaseError> {
    let ring = ring(app)?;
    let mut faults = Vec::new();
    let case = match d.case_id {
        Some(id) => app.store.case(group.id, id).await?.filter(|c| !c.archived()),
        None => None,
    };
    if case.is_none() {
        faults.push(("d-case", "Choisissez une situation suivie par le groupe.".into()));
    }
    check_choice("d-kind", DECISION_KINDS, &d.kind, "la décision", &mut faults);
    check_note("d-text", &d.text, NOTE_MAX, &mut faults);
    if d.lead_id.is_none_or(|l| !members.iter().any(|m| m.user_id == l && m.excluded_at.is_none())) {
        faults.push(("d-lead", "Choisissez le professionnel chef de file parmi les membres.".into()));
    }
    if d.follow_up_on.is_some_and(|f| f < meeting.held_on) {
        faults.push(("d-follow_up_on", "La date de suivi ne peut pas précéder la réunion.".into()));
    }
    // The same decision sent twice (a reload, a double click) is recorded once.
    if let Some(case) = &case
        && app.store.decisions(meeting.id).await?.iter().any(|x| x.case_id == Some(case.id) && x.kind == d.kind)
    {
        faults.push(("d-kind", "Cette décision est déjà enregistrée pour cette situation dans cette réunion.".into()));
    }
    let Some(case) = case.filter(|_| faults.is_empty()) else {
        return Err(CaseError::Invalid(faults));
    };
    let text = d.text.trim().to_string();
    let new = NewDecision { case_id: case.id, kind: d.kind.clone(), lead_id: d.lead_id, follow_up_on: d.follow_up_on };
    Ok(app.store.add_decision(by, meeting.id, &new, |id| (!text.is_empty()).then(|| ring.seal(&text, &decision_place(id)))).await?)
}

/// A decision with its text opened, for the group's members.
#[derive(Clone, Debug)]
pub struct DecisionView {
    pub decision: Decision,
    pub text: Option<String>,
}

pub fn open_decisions(app: &App, decisions: Vec<Decision>) -> Result<Vec<DecisionView>, CaseError> {
    let ring = ring(app)?;
    decisions
        .into_iter()
        .map(|decision| {
            let text = decision.text.as_deref().map(|t| ring.open(t, &decision_place(decision.id))).transpose()?;
            Ok(DecisionView { decision, text })
        })
        .collect()
}

/// A published count with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    pub count: String,
}

fn lines(counts: BTreeMap<String, i64>) -> Vec<Line> {
    let counts: Vec<(String, i64)> = counts.into_iter().collect();
    publication::breakdown(&counts).into_iter().map(|(label, count)| Line { label, count }).collect()
}

/// The relevé de conclusions of a meeting (charter art. 6), for the plenary: who took part (by
/// institution), how many situations were examined, what was decided (by kind), how many
/// follow-ups are set. Counts and labels only.
#[derive(Clone, Debug)]
pub struct Conclusions {
    pub group_name: String,
    pub group_kind: &'static str,
    pub held_on: Date,
    /// Institutions represented, with how many professionals each.
    pub institutions: Vec<Line>,
    pub professionals: String,
    /// How many qualified persons were invited (nothing typed about them leaves the group).
    pub invited: String,
    pub situations_examined: String,
    pub decisions: Vec<Line>,
    pub follow_ups: String,
}

pub async fn conclusions(app: &App, group: &Group, meeting: &Meeting) -> Result<Conclusions, CaseError> {
    let present = app.store.attendance(meeting.id).await?;
    let mut institutions: BTreeMap<String, i64> = BTreeMap::new();
    for p in &present {
        *institutions.entry(p.organisation_name.clone().unwrap_or_else(|| "Sans institution".into())).or_default() += 1;
    }
    let decisions = app.store.decisions(meeting.id).await?;
    let mut examined: Vec<i64> = decisions.iter().filter_map(|d| d.case_id).collect();
    examined.sort_unstable();
    examined.dedup();
    // A destroyed situation's decisions still count as one situation each.
    let destroyed = decisions.iter().filter(|d| d.case_id.is_none()).count();
    let mut by_kind: BTreeMap<String, i64> = BTreeMap::new();
    for d in &decisions {
        *by_kind.entry(label(DECISION_KINDS, &d.kind).to_string()).or_default() += 1;
    }
    Ok(Conclusions {
        group_name: group.name.clone(),
        group_kind: group.kind.label(),
        held_on: meeting.held_on,
        // Professionals are named nowhere here: their institutions are counted.
        institutions: institutions.into_iter().map(|(label, n)| Line { label, count: maillage_core::text::number_fr(n) }).collect(),
        professionals: maillage_core::text::number_fr(i64::try_from(present.len()).unwrap_or(i64::MAX)),
        invited: maillage_core::text::number_fr(i64::try_from(app.store.invited(meeting.id).await?.len()).unwrap_or(i64::MAX)),
        situations_examined: publication::count(i64::try_from(examined.len() + destroyed).unwrap_or(i64::MAX)),
        decisions: lines(by_kind),
        follow_ups: publication::count(i64::try_from(decisions.iter().filter(|d| d.follow_up_on.is_some()).count()).unwrap_or(i64::MAX)),
    })
}

/// The group's dashboard (charter art. 6 "tableau de bord"; privacy rules §7): people followed
/// by sex and age band, origins, outcomes, actions, informing, meetings and decisions.
#[derive(Clone, Debug)]
pub struct Dashboard {
    pub followed: String,
    pub opened_this_year: String,
    pub closed_this_year: String,
    pub archived: String,
    pub by_sex: Vec<Line>,
    pub by_age: Vec<Line>,
    pub by_origin: Vec<Line>,
    pub by_outcome: Vec<Line>,
    pub actions: Vec<Line>,
    pub informed_share: Option<String>,
    pub meetings_this_year: String,
    pub decisions_due: String,
    pub year: i32,
}

pub async fn dashboard(app: &App, group: &Group) -> Result<Dashboard, CaseError> {
    let ring = ring(app)?;
    let today = time_fmt::paris_date(time_fmt::now());
    let year = today.year();
    let rows = app.store.figure_rows(group.id).await?;
    let (mut by_sex, mut by_age, mut by_origin, mut by_outcome) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let (mut followed, mut opened, mut closed, mut archived, mut informed) = (0_i64, 0_i64, 0_i64, 0_i64, 0_i64);
    for r in &rows {
        if r.opened_on.year() == year {
            opened += 1;
        }
        match r.ended_on {
            Some(e) => {
                archived += 1;
                if e.year() == year {
                    closed += 1;
                }
                *by_outcome.entry(label(OUTCOMES, r.outcome.as_deref().unwrap_or_default()).to_string()).or_insert(0) += 1;
                continue;
            }
            None => followed += 1,
        }
        if r.informed {
            informed += 1;
        }
        let identity: Identity = serde_json::from_str(&ring.open(&r.identity, &identity_place(r.id))?)
            .map_err(|e| CaseError::Unreadable(format!("situation {} : {e}", r.id)))?;
        *by_sex.entry(label(SEXES, &identity.sex).to_string()).or_insert(0) += 1;
        if let Some(b) = identity.birth() {
            *by_age.entry(age_band(b, today).to_string()).or_insert(0) += 1;
        }
        *by_origin.entry(label(ORIGINS, &r.origin).to_string()).or_insert(0) += 1;
    }
    let actions = app.store.action_counts(group.id).await?.into_iter().map(|(k, n)| (label(ACTION_KINDS, &k).to_string(), n)).collect();
    let meetings = app.store.meetings(group.id).await?.iter().filter(|m| m.held_on.year() == year).count();
    Ok(Dashboard {
        followed: publication::count(followed),
        opened_this_year: publication::count(opened),
        closed_this_year: publication::count(closed),
        archived: publication::count(archived),
        by_sex: lines(by_sex),
        by_age: lines(by_age),
        by_origin: lines(by_origin),
        by_outcome: lines(by_outcome),
        actions: lines(actions),
        informed_share: publication::share(informed, followed),
        meetings_this_year: maillage_core::text::number_fr(i64::try_from(meetings).unwrap_or(i64::MAX)),
        decisions_due: publication::count(i64::try_from(app.store.decisions_due(group.id, today).await?.len()).unwrap_or(i64::MAX)),
        year,
    })
}
