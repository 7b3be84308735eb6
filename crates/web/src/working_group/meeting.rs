//! A group's meetings: the members' page (attendance, invited persons, situations examined and
//! decisions) and what leaves the group: the relevé de conclusions and the dashboard, which
//! hold counts and labels only.

use super::case::member;
use super::group_or_404;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::working_group::meeting::{self as m, Conclusions, Dashboard, DecisionDraft, DecisionView};
use maillage_app::working_group::{self as wg, CaseError};
use maillage_core::authz::Action;
use maillage_core::time_fmt::{self, parse_typed_date};
use maillage_core::working_group::case::{Choice, DECISION_KINDS, NOTE_MAX, label};
use maillage_store::working_group::Group;
use maillage_store::working_group::meeting::Meeting;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/groupes/{id}/reunions", list_page)
        .post("/groupes/{id}/reunions", create)
        .get("/groupes/{id}/reunions/{meeting}", meeting_page)
        .post("/groupes/{id}/reunions/{meeting}/presences", set_attendance)
        .post("/groupes/{id}/reunions/{meeting}/invites", add_invited)
        .post("/groupes/{id}/reunions/{meeting}/decisions", add_decision)
        .get("/groupes/{id}/reunions/{meeting}/releve", conclusions_page)
        .get("/groupes/{id}/tableau-de-bord", dashboard_page)
}

fn errors_of(e: CaseError) -> Result<FieldErrors, AppError> {
    match e {
        CaseError::Invalid(faults) => {
            let mut errors = FieldErrors::default();
            for (f, msg) in faults {
                errors.add(f, msg);
            }
            Ok(errors)
        }
        e => Err(e.into()),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct MeetingForm {
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
}

#[derive(Template)]
#[template(path = "working_group/meetings.html")]
struct ListPage {
    layout: Layout,
    group: Group,
    meetings: Vec<(Meeting, String)>,
    due: Vec<(i64, String, String)>,
    form: MeetingForm,
    errors: FieldErrors,
}

async fn list_view(state: &AppState, u: &CurrentUser, group: Group, form: MeetingForm, errors: FieldErrors) -> Result<ListPage, AppError> {
    let today = time_fmt::paris_date(time_fmt::now());
    let meetings = state
        .store
        .meetings(group.id)
        .await?
        .into_iter()
        .map(|m| {
            let d = time_fmt::day_fr(m.held_on);
            (m, d)
        })
        .collect();
    let due = state
        .store
        .decisions_due(group.id, today)
        .await?
        .into_iter()
        .filter_map(|d| {
            Some((d.case_id?, label(DECISION_KINDS, &d.kind).to_string(), d.follow_up_on.map(time_fmt::day_fr).unwrap_or_default()))
        })
        .collect();
    Ok(ListPage { layout: Layout::new(&format!("Réunions — {}", group.name), Some(u)), group, meetings, due, form, errors })
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let today = time_fmt::paris_date(time_fmt::now()).to_string();
    render(&list_view(&state, u, group, MeetingForm { held_on: today, place: String::new() }, FieldErrors::default()).await?)
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MeetingForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    match m::create_meeting(&state, &u.author(), &group, parse_typed_date(&form.held_on), &form.place).await {
        Ok(meeting) => Ok(Redirect::to(&format!("/groupes/{}/reunions/{meeting}", group.id)).into_response()),
        Err(e) => {
            let errors = errors_of(e)?;
            render_invalid(&list_view(&state, u, group, form, errors).await?)
        }
    }
}

struct DecisionLine {
    case_id: Option<i64>,
    person: String,
    kind: &'static str,
    text: String,
    lead: String,
    follow_up_on: String,
}

#[derive(Template)]
#[template(path = "working_group/meeting.html")]
struct MeetingPage {
    layout: Layout,
    group: Group,
    meeting: Meeting,
    held_on: String,
    /// (user id, name, institution, present)
    members: Vec<(i64, String, String, bool)>,
    invited: Vec<(String, String)>,
    decisions: Vec<DecisionLine>,
    /// Followed situations, for the agenda: (id, name).
    cases: Vec<(i64, String)>,
    kinds: &'static [Choice],
    note_max: usize,
    form: DecisionForm,
    invited_form: InvitedForm,
    errors: FieldErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    lead_id: String,
    #[serde(default)]
    follow_up_on: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct InvitedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    accepted: String,
}

async fn meeting_of(state: &AppState, group: &Group, meeting: &str) -> Result<Meeting, AppError> {
    state.store.meeting(group.id, parse_id(meeting)?).await?.ok_or(AppError::NotFound)
}

async fn meeting_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    meeting: Meeting,
    form: DecisionForm,
    invited_form: InvitedForm,
    errors: FieldErrors,
) -> Result<MeetingPage, AppError> {
    let present: Vec<i64> = state.store.attendance(meeting.id).await?.iter().map(|p| p.user_id).collect();
    let members = state
        .store
        .members(group.id)
        .await?
        .into_iter()
        .filter(|m| m.excluded_at.is_none())
        .map(|m| (m.user_id, m.display_name, m.organisation_name.unwrap_or_default(), present.contains(&m.user_id)))
        .collect();
    let mut names = std::collections::HashMap::new();
    let mut cases = Vec::new();
    for r in state.store.cases(group.id, false, 1000, 0).await? {
        let v = wg::open_case(state, r)?;
        names.insert(v.record.id, v.identity.display_name());
        cases.push((v.record.id, v.identity.display_name()));
    }
    let decisions = m::open_decisions(state, state.store.decisions(meeting.id).await?)?
        .into_iter()
        .map(|DecisionView { decision: d, text }| DecisionLine {
            case_id: d.case_id,
            person: d.case_id.and_then(|c| names.get(&c).cloned()).unwrap_or_else(|| "situation close ou détruite".into()),
            kind: DECISION_KINDS.iter().find(|(c, _)| *c == d.kind).map_or("—", |(_, l)| l),
            // The words of a decision about a situation now archived open with the archive only.
            text: if d.case_id.is_some_and(|c| names.contains_key(&c)) { text.unwrap_or_default() } else { String::new() },
            lead: match (d.lead, d.lead_organisation) {
                (Some(l), Some(o)) => format!("{l} ({o})"),
                (Some(l), None) => l,
                _ => String::new(),
            },
            follow_up_on: d.follow_up_on.map(time_fmt::day_fr).unwrap_or_default(),
        })
        .collect();
    wg::record_access(state, &u.author(), "meeting.read", "meeting", meeting.id, "").await?;
    Ok(MeetingPage {
        layout: Layout::new(&format!("Réunion du {} — {}", time_fmt::day_fr(meeting.held_on), group.name), Some(u)),
        held_on: time_fmt::day_fr(meeting.held_on),
        invited: state.store.invited(meeting.id).await?.into_iter().map(|i| (i.name, i.function)).collect(),
        group,
        meeting,
        members,
        decisions,
        cases,
        kinds: DECISION_KINDS,
        note_max: NOTE_MAX,
        form,
        invited_form,
        errors,
    })
}

async fn meeting_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let meeting = meeting_of(&state, &group, &meeting).await?;
    render(&meeting_view(&state, u, group, meeting, DecisionForm::default(), InvitedForm::default(), FieldErrors::default()).await?)
}

async fn set_attendance(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, meeting)): Path<(String, String)>,
    body: String,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let meeting = meeting_of(&state, &group, &meeting).await?;
    // Checkboxes arrive as repeated `present=…` pairs; one that is no number is refused.
    let present: Option<Vec<i64>> =
        form_urlencoded::parse(body.as_bytes()).filter(|(k, _)| k == "present").map(|(_, v)| v.parse().ok()).collect();
    let members = state.store.members(group.id).await?;
    let result = match present {
        Some(p) => m::set_attendance(&state, &u.author(), &members, &meeting, &p).await,
        None => Err(CaseError::Invalid(vec![("present", "Liste des présents illisible.".into())])),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/reunions/{}", group.id, meeting.id)).into_response()),
        Err(e) => {
            let errors = errors_of(e)?;
            render_invalid(&meeting_view(&state, u, group, meeting, DecisionForm::default(), InvitedForm::default(), errors).await?)
        }
    }
}

async fn add_invited(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, meeting)): Path<(String, String)>,
    axum::Form(form): axum::Form<InvitedForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let meeting = meeting_of(&state, &group, &meeting).await?;
    match m::add_invited(&state, &u.author(), &meeting, &form.name, &form.function, form.accepted == "oui").await {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/reunions/{}", group.id, meeting.id)).into_response()),
        Err(e) => {
            let errors = errors_of(e)?;
            render_invalid(&meeting_view(&state, u, group, meeting, DecisionForm::default(), form, errors).await?)
        }
    }
}

async fn add_decision(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, meeting)): Path<(String, String)>,
    axum::Form(form): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let meeting = meeting_of(&state, &group, &meeting).await?;
    let draft = DecisionDraft {
        case_id: form.case_id.trim().parse().ok(),
        kind: form.kind.clone(),
        text: form.text.clone(),
        lead_id: form.lead_id.trim().parse().ok(),
        follow_up_on: parse_typed_date(&form.follow_up_on),
    };
    let mut result = Ok(());
    if let (false, Err(fault)) = (form.follow_up_on.trim().is_empty(), time_fmt::read_typed_date(&form.follow_up_on)) {
        result = Err(CaseError::Invalid(vec![("d-follow_up_on", format!("Date de suivi : {fault}"))]));
    }
    let members = state.store.members(group.id).await?;
    let outcome = match result {
        Ok(()) => m::add_decision(&state, &u.author(), &group, &members, &meeting, &draft).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/reunions/{}#decisions", group.id, meeting.id)).into_response()),
        Err(e) => {
            let errors = errors_of(e)?;
            render_invalid(&meeting_view(&state, u, group, meeting, form, InvitedForm::default(), errors).await?)
        }
    }
}

#[derive(Template)]
#[template(path = "working_group/conclusions.html")]
struct ConclusionsPage {
    layout: Layout,
    group_id: i64,
    c: Conclusions,
    held_on: String,
}

/// The relevé de conclusions: counts and labels only, for the plenary.
async fn conclusions_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, meeting)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewGroupConclusions, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let meeting = meeting_of(&state, &group, &meeting).await?;
    let c = m::conclusions(&state, &group, &meeting).await?;
    render(&ConclusionsPage {
        layout: Layout::new(&format!("Relevé de conclusions du {}", time_fmt::day_fr(c.held_on)), Some(u)),
        group_id: group.id,
        held_on: time_fmt::day_fr(c.held_on),
        c,
    })
}

#[derive(Template)]
#[template(path = "working_group/dashboard.html")]
struct DashboardPage {
    layout: Layout,
    group: Group,
    d: Dashboard,
    meetings: Vec<(i64, String)>,
}

impl DashboardPage {
    fn tables(&self) -> [(&'static str, &[m::Line]); 5] {
        [
            ("Personnes suivies par sexe", &self.d.by_sex),
            ("Personnes suivies par âge", &self.d.by_age),
            ("Origine des suivis en cours", &self.d.by_origin),
            ("Issue des suivis clos", &self.d.by_outcome),
            ("Actions menées, par nature", &self.d.actions),
        ]
    }
}

async fn dashboard_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewGroupConclusions, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let d = m::dashboard(&state, &group).await?;
    let meetings = state.store.meetings(group.id).await?.into_iter().map(|m| (m.id, time_fmt::day_fr(m.held_on))).collect();
    render(&DashboardPage { layout: Layout::new(&format!("Tableau de bord — {}", group.name), Some(u)), group, d, meetings })
}
