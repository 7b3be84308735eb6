//! A report's page: what it says, its history, its organisations and its photos.

use super::svg;
use crate::AppState;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{parse_id, render, render_invalid};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maillage_app::report::Consultation;
use maillage_core::authz::{Action, Decision, authorize};
use maillage_core::place::Coordinates;
use maillage_core::report::{CloseReason, EventKind, Part, QuestionKind, State as ReportState, Transition};
use maillage_core::time_fmt;
use maillage_store::organisation::Organisation;
use maillage_store::report::ReportEvent;
use serde::Deserialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// One history line as shown.
pub struct EventLine {
    pub at: String,
    pub who: String,
    pub what: String,
    pub body: String,
    pub internal: bool,
}

pub(super) fn event_line(e: &ReportEvent, organisations: &[Organisation]) -> EventLine {
    let org = |id: Option<i64>| id.and_then(|i| organisations.iter().find(|o| o.id == i)).map(|o| o.name.clone());
    let what = match e.kind {
        EventKind::Created { .. } => "Signalement créé".to_string(),
        EventKind::StateChanged { to, close_reason, duplicate_of, redirect_to } => {
            let mut t = format!("État : {}", to.label());
            if let Some(r) = close_reason {
                t.push_str(&format!(" ({})", r.label()));
            }
            if let Some(n) = duplicate_of {
                t.push_str(&format!(" — doublon du n° {n}"));
            }
            if let Some(o) = redirect_to {
                t.push_str(&format!(" vers {}", org(Some(o)).unwrap_or_default()));
            }
            t
        }
        EventKind::Involved { organisation_id } => format!("Organisation associée : {}", org(Some(organisation_id)).unwrap_or_default()),
        EventKind::PartTaken => "Prend sa part en charge".to_string(),
        EventKind::PartDone => "A terminé sa part".to_string(),
        EventKind::Comment if e.internal => "Commentaire interne".to_string(),
        EventKind::Comment => "Commentaire partagé".to_string(),
        EventKind::Photo => "Photo ajoutée".to_string(),
    };
    let who = match org(e.organisation_id) {
        Some(o) => format!("{} ({o})", e.author_name),
        None => e.author_name.clone(),
    };
    EventLine { at: time_fmt::datetime_fr(e.at), who, what, body: e.body.clone(), internal: e.internal }
}

pub struct PartLine {
    pub name: String,
    pub part: &'static str,
    pub status: String,
}

#[derive(Template)]
#[template(path = "report/detail.html")]
pub(super) struct DetailPage {
    layout: Layout,
    r: maillage_store::report::ReportDetail,
    category: String,
    state_label: &'static str,
    is_open: bool,
    overdue: bool,
    created: String,
    due: String,
    district: String,
    priority_area: String,
    lead: String,
    answers: Vec<(String, String)>,
    parts: Vec<PartLine>,
    events: Vec<EventLine>,
    photos: Vec<maillage_store::report::Photo>,
    can_handle: bool,
    my_part: Option<(bool, bool)>,
    targets: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    organisations: Vec<(i64, String)>,
    map_svg: String,
    notice: Option<String>,
    error: Option<String>,
    kept: Kept,
}

/// What a refused form had in it, shown again, and the field the refusal is about (marked with
/// `aria-invalid` and described by the message beside it). Field names are the inputs' ids.
#[derive(Clone, Debug, Default)]
pub struct Kept {
    pub field: &'static str,
    pub etat: String,
    pub motif: String,
    pub original: String,
    pub redirect: String,
    pub note: String,
    pub texte: String,
    pub interne: bool,
    pub involve: String,
}

impl DetailPage {
    /// The refusal's message if it is about `field`.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        (self.kept.field == field).then_some(self.error.as_deref()).flatten()
    }
}

#[derive(Deserialize, Default)]
pub(super) struct DetailQuery {
    #[serde(default)]
    cree: String,
    #[serde(default)]
    ok: String,
}

/// Loads a report the user may read, with its organisations and whether the user's
/// organisation is one of them.
pub(super) async fn readable(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
) -> Result<(maillage_store::report::ReportDetail, Vec<maillage_store::report::Involvement>, bool), AppError> {
    let r = state.store.report(id).await?.ok_or_else(|| missing(u))?;
    let involvements = state.store.involvements(id).await?;
    let involved = u.actor.organisation_id.is_some_and(|o| involvements.iter().any(|i| i.organisation_id == o));
    require(Some(u), Action::ReadReport { involved }, "/signalements").map_err(not_yours)?;
    Ok((r, involvements, involved))
}

pub(super) async fn detail_page(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> Result<DetailPage, AppError> {
    let (r, involvements, _) = readable(state, u, id).await?;
    let catalog = state.catalog().await?;
    let (categories, organisations) = (&catalog.categories, &catalog.organisations);
    let events = state.store.report_events(id, u.actor.organisation_id).await?;
    let photos = state.store.photos(id).await?;
    let places = state.places();
    let st = r.state;
    let category = categories.iter().find(|c| c.id == r.category_id);
    let stored: BTreeMap<String, String> = serde_json::from_str(&r.answers).unwrap_or_default();
    let answers = category
        .map(|c| {
            c.questions
                .iter()
                .filter_map(|q| {
                    stored.get(&q.code).map(|v| {
                        let shown = if q.kind.has_choices() {
                            v.split(',')
                                .map(|k| q.choices.iter().find(|c| c.key == k).map_or_else(|| k.to_string(), |c| c.name.clone()))
                                .collect::<Vec<_>>()
                                .join(", ")
                        } else if q.kind == QuestionKind::DateTime {
                            time_fmt::from_storage(v).map_or_else(|| v.clone(), time_fmt::datetime_fr)
                        } else {
                            v.clone()
                        };
                        (q.label.clone(), shown)
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let fmt = |t: Option<OffsetDateTime>| t.map(time_fmt::date_fr);
    let parts = involvements
        .iter()
        .map(|i| PartLine {
            name: i.organisation_name.clone(),
            part: match i.part {
                Part::Lead => "en charge",
                Part::Involved => "associée",
                Part::Reporter => "auteur du signalement",
            },
            status: match (i.done_at, i.taken_at) {
                (Some(done), _) => format!("part terminée le {}", time_fmt::date_fr(done)),
                (None, Some(taken)) => format!("part prise en charge le {}", time_fmt::date_fr(taken)),
                _ if i.part == Part::Reporter => String::new(),
                _ => "en attente".into(),
            },
        })
        .collect();
    let my_part = u
        .actor
        .organisation_id
        .and_then(|o| involvements.iter().find(|i| i.organisation_id == o && i.part != Part::Reporter))
        .map(|i| (i.taken_at.is_some(), i.done_at.is_some()));
    let part = u.actor.organisation_id.and_then(|o| involvements.iter().find(|i| i.organisation_id == o)).map(|i| i.part);
    let can_handle = authorize(Some(&u.actor), Action::HandleReport { part }) == Decision::Allow;
    // Only what the workflow allows from here is offered (the special closings have their own
    // options below); nothing is chosen in advance.
    let targets = ReportState::ALL
        .into_iter()
        .filter(|s| maillage_core::report::check_transition(st, &Transition::To(*s), r.id).is_ok())
        .map(|s| (s.code(), if st.class().is_open() { s.label() } else { "rouvrir (transmis)" }))
        .collect();
    let c = Coordinates { lat: r.lat, lon: r.lon };
    let area_name = |id: Option<i64>| -> String {
        id.and_then(|i| places.priority_areas.iter().find(|a| a.0 == i)).map(|a| a.1.clone()).unwrap_or_default()
    };
    Ok(DetailPage {
        layout: Layout::new(&format!("Signalement n° {id}"), Some(u)),
        category: category.map(|c| c.name.clone()).unwrap_or_default(),
        state_label: st.label(),
        is_open: st.class().is_open(),
        overdue: r.is_overdue(time_fmt::now()),
        created: time_fmt::datetime_fr(r.created_at),
        due: fmt(r.due_at).unwrap_or_else(|| "aucune".into()),
        district: places.district_name(r.district_id).unwrap_or("hors quartier").to_string(),
        priority_area: area_name(r.priority_area_id),
        lead: r
            .organisation_id
            .and_then(|o| organisations.iter().find(|x| x.id == o))
            .map_or_else(|| "à trier par la coordination".into(), |o| o.name.clone()),
        answers,
        parts,
        events: events.iter().map(|e| event_line(e, organisations)).collect(),
        photos,
        can_handle,
        my_part,
        targets,
        reasons: CloseReason::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        organisations: organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        map_svg: svg::svg(&places, &[], Some(c), false, &format!("Emplacement du signalement n° {id}"), state.tiles.as_ref())?,
        notice,
        error,
        kept: Kept::default(),
        r,
    })
}

pub(super) async fn detail(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(&id)?;
    let notice = if !q.cree.is_empty() {
        Some("Signalement enregistré et transmis.".to_string())
    } else if !q.ok.is_empty() {
        Some("Modification enregistrée.".to_string())
    } else {
        None
    };
    let page = detail_page(&state, u, id, notice, None).await?;
    maillage_app::report::consulted(&state, &u.author(), Consultation::Report(id)).await?;
    render(&page)
}

/// A report number that does not exist, answered as a report of another organisation to whoever
/// does not read every report: the answer never tells which numbers exist.
pub(super) fn missing(u: &CurrentUser) -> AppError {
    if maillage_core::authz::report_scope(&u.actor) == maillage_core::authz::ReportScope::All {
        AppError::NotFound
    } else {
        AppError::NotYourReport
    }
}

/// A report refused to a partner is refused because of its organisation, and said so.
fn not_yours(e: AppError) -> AppError {
    match e {
        AppError::Forbidden => AppError::NotYourReport,
        other => other,
    }
}

/// A refused action: the page again, with the reason beside `field`, as 422.
pub(super) async fn refused(
    state: &AppState,
    u: &CurrentUser,
    id: i64,
    field: &'static str,
    message: String,
) -> Result<Response, AppError> {
    refused_keeping(state, u, id, message, Kept { field, ..Kept::default() }).await
}

/// A refused form: the page again with what was typed and the field in error.
pub(super) async fn refused_keeping(state: &AppState, u: &CurrentUser, id: i64, message: String, kept: Kept) -> Result<Response, AppError> {
    let mut page = detail_page(state, u, id, None, Some(message)).await?;
    page.kept = kept;
    render_invalid(&page)
}

/// A report a user may act on, and the user's organisation's part in it.
pub(super) struct Handled {
    pub report: maillage_store::report::ReportDetail,
    pub id: i64,
    pub part: Option<Part>,
}

/// The report a user acts on, after `action` (given whether the user's organisation is
/// part in it) was allowed: 404 for a number that does not exist, 403 for a report not theirs.
pub(super) async fn handleable(
    state: &AppState,
    u: &CurrentUser,
    id: &str,
    action: impl FnOnce(Option<Part>) -> Action,
) -> Result<Handled, AppError> {
    require(Some(u), Action::ListReports, "/signalements")?;
    let id: i64 = parse_id(id)?;
    let r = state.store.report(id).await?.ok_or_else(|| missing(u))?;
    let part = maillage_app::report::part_of(state, id, u.actor.organisation_id).await?;
    // An organisation with a part was refused the action, not the report.
    require(Some(u), action(part), "/signalements").map_err(|e| if part.is_none() { not_yours(e) } else { e })?;
    Ok(Handled { report: r, id, part })
}
